/*
 * test_draw_vectors.c: the golden vectors of the JSON files in tests/vectors/draw,
 * which pin every encoding and every step of the derivation byte for
 * byte (docs/draw-spec.md section 8 describes the file format), so that a
 * second implementation can be checked against them and a change of
 * format or derivation must change a vector on purpose.
 *
 * Each file holds a case's inputs (seed, entry hash, beacon values, the
 * three pools, the spec) and its "expected" outputs. The test rebuilds
 * every case from the file's inputs alone and compares all outputs.
 * With SUIJI_REGEN_VECTORS=1 in the environment it first writes the files
 * anew from the cases defined below; review the diff before committing.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/util.h"
#include "draw/wire.h"
#include "tests/harness.h"
#include "tests/test_draw.h"

#define VEC_DIR    "tests/vectors/draw"
#define MAX_BEACON 4
#define MAX_CASES  24

struct vec {
	const char *name, *description;
	uint8_t seed[32], entry_hash[32];
	uint8_t values[MAX_BEACON][DRAW_MAX_BEACON_VALUE];
	size_t value_len[MAX_BEACON];
	struct tw_def d;
};

/* ---- Building the cases ---------------------------------------------- */

/* Storage for the cases' generated tables; they live for the whole run. */
static char idbuf[4096][DRAW_MAX_ID + 1];
static size_t nid;

static const char *gen_id(const char *fmt, unsigned i)
{
	char *s = idbuf[nid++];

	snprintf(s, DRAW_MAX_ID + 1, fmt, i);
	return s;
}

static void fill_bytes(uint8_t *out, size_t n, const char *label)
{
	/* Deterministic bytes: SHA-256 of the label, repeated. */
	uint8_t h[32];

	crypto_hash_sha256(h, (const uint8_t *)label, strlen(label));
	for (size_t i = 0; i < n; i++)
		out[i] = h[i % 32] ^ (uint8_t)(i / 32);
}

static void common(struct vec *v, const char *name, const char *desc)
{
	memset(v, 0, sizeof *v);
	v->name = name;
	v->description = desc;
	fill_bytes(v->seed, 32, name);
	fill_bytes(v->entry_hash, 32, "entry");
	v->entry_hash[0] ^= (uint8_t)strlen(name);
	fill_bytes(v->values[0], 32, "drand-quicknet");
	v->value_len[0] = 32;
	v->d.spec.rounding = DRAW_ROUND_CEIL;
	v->d.spec.team_size = 2;
	v->d.spec.slot_size = 1;
	v->d.spec.deadline_us = 1767225600000000LL;
}

static const struct draw_beacon_ref quicknet[] = {{"drand-quicknet", 12345678}};
static const char *const one_agency[] = {"scjg"};

static struct tw_person *plain_officers(unsigned n, const char *fmt)
{
	struct tw_person *p = calloc(n, sizeof *p);

	for (unsigned i = 0; p && i < n; i++)
		p[i] = (struct tw_person){gen_id(fmt, i), 0, 0, {0}};
	return p;
}

static struct tw_obj *plain_objects(unsigned n, const char *fmt, unsigned nstrata)
{
	struct tw_obj *o = calloc(n, sizeof *o);

	for (unsigned i = 0; o && i < n; i++)
		o[i] = (struct tw_obj){gen_id(fmt, i), i % nstrata};
	return o;
}

static void case_basic(struct vec *v)
{
	static const char *const strata[] = {"A", "B"};
	static struct draw_rule rules[] = {
	    {.stratum = "A", .kind = DRAW_RULE_RATIO, .num = 1, .den = 5},
	    {.stratum = "B", .kind = DRAW_RULE_COUNT, .num = 2},
	};

	common(v, "basic",
	       "two strata, a ratio (ceil) and a fixed count, 8 officers, teams of 2, one object "
	       "per slot");
	v->d.strata = strata;
	v->d.nstrata = 2;
	v->d.objects = plain_objects(30, "O%05u", 2);
	v->d.nobjects = 30;
	v->d.agencies = one_agency;
	v->d.nagencies = 1;
	v->d.officers = plain_officers(8, "F%03u");
	v->d.nofficers = 8;
	v->d.spec.task = "2026-basic-001";
	v->d.spec.beacons = quicknet;
	v->d.spec.n_beacons = 1;
	v->d.spec.rules = rules;
	v->d.spec.n_rules = 2;
}

static void case_rounding(struct vec *v, enum draw_rounding mode)
{
	static const char *const strata[] = {"S1", "S2", "S3", "S4"};
	static struct draw_rule rules[] = {
	    {.stratum = "S1", .kind = DRAW_RULE_RATIO, .num = 1, .den = 2},  /* n=7: 3.5 */
	    {.stratum = "S2", .kind = DRAW_RULE_RATIO, .num = 1, .den = 10}, /* n=5: 0.5 */
	    {.stratum = "S3", .kind = DRAW_RULE_RATIO, .num = 1, .den = 4},  /* n=9: 2.25 */
	    {.stratum = "S4", .kind = DRAW_RULE_RATIO, .num = 3, .den = 20}, /* n=14: 2.1 */
	};
	static const unsigned sizes[] = {7, 5, 9, 14};
	struct tw_obj *o = calloc(35, sizeof *o);
	unsigned k = 0;

	common(v,
	       mode == DRAW_ROUND_CEIL    ? "rounding-ceil"
	       : mode == DRAW_ROUND_FLOOR ? "rounding-floor"
	                                  : "rounding-half-up",
	       "ratios 1/2 of 7, 1/10 of 5, 1/4 of 9, 3/20 of 14 under one rounding rule (R7)");
	for (unsigned s = 0; s < 4; s++)
		for (unsigned i = 0; i < sizes[s]; i++, k++)
			o[k] = (struct tw_obj){gen_id("R%03u", k), s};
	v->d.strata = strata;
	v->d.nstrata = 4;
	v->d.objects = o;
	v->d.nobjects = 35;
	v->d.agencies = one_agency;
	v->d.nagencies = 1;
	v->d.officers = plain_officers(12, "F%03u");
	v->d.nofficers = 12;
	v->d.spec.task = "2026-rounding";
	v->d.spec.rounding = mode;
	v->d.spec.slot_size = 2;
	v->d.spec.beacons = quicknet;
	v->d.spec.n_beacons = 1;
	v->d.spec.rules = rules;
	v->d.spec.n_rules = 4;
}

/* Identifier order; strcmp agrees with it for NUL-free identifiers. */
static int obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tw_obj *)a)->id, ((const struct tw_obj *)b)->id);
}

static void case_mixed(struct vec *v)
{
	/* Credit-risk classes A-D, an empty stratum E with count 0, and F
	 * whose every object is excluded. */
	static const char *const strata[] = {"A-low",  "B-general", "C-elevated",
	                                     "D-high", "E-empty",   "F-closed"};
	static const char *const otags[] = {"drugs", "food", "general"};
	static const char *const agencies[] = {"hb", "scjg", "wjw"};
	static const char *const xtags[] = {"chem-lab", "food-lab"};
	static const char *const xorgs[] = {"lyg-testing", "univ"};
	static const char *const food[] = {"food"};
	static const char *const food_general[] = {"food", "general"};
	static const char *const foodlab[] = {"food-lab"};
	static struct draw_rule rules[] = {
	    {.stratum = "A-low", .kind = DRAW_RULE_RATIO, .num = 1, .den = 20},
	    {.stratum = "B-general", .kind = DRAW_RULE_RATIO, .num = 3, .den = 20},
	    {.stratum = "C-elevated",
	     .kind = DRAW_RULE_COUNT,
	     .num = 3,
	     .officer_tags = food,
	     .n_officer_tags = 1},
	    {.stratum = "D-high",
	     .kind = DRAW_RULE_RATIO,
	     .num = 1,
	     .den = 2,
	     .officer_tags = food_general,
	     .n_officer_tags = 2,
	     .experts = 1,
	     .expert_tags = foodlab,
	     .n_expert_tags = 1},
	    {.stratum = "E-empty", .kind = DRAW_RULE_COUNT, .num = 0},
	    {.stratum = "F-closed", .kind = DRAW_RULE_RATIO, .num = 1, .den = 10},
	};
	static const struct draw_beacon_ref beacons[] = {
	    {"drand-quicknet", 12345678},
	    {"drand-mainnet", 4567890},
	    {"nist-beacon-2.0", 1234567},
	};
	static struct tw_obj o[60];
	static struct tw_person f[14], x[5];
	static struct draw_exclusion ex[12];
	static struct draw_conflict cf[5];
	static const char *const valid_uscc[] = {"91110108558521630L", "91330100799655058B",
	                                         "91350100M000100Y43", "914403001922038216",
	                                         "9144030071526726XG", "91440300708461136T"};
	unsigned k = 0;

	common(v, "mixed",
	       "six strata (ratio, count, an empty stratum with count 0, a stratum all excluded), "
	       "object and officer exclusions with reasons, officer and expert conflicts, "
	       "qualification tags, experts, three beacon sources, slots of 3 without repeats");
	/* Six real codes and 54 synthetic ones; the last six synthetic ones
	 * go to F-closed, and all are then sorted into identifier order. */
	for (unsigned i = 0; i < 6; i++)
		o[k++] = (struct tw_obj){valid_uscc[i], i % 4};
	for (unsigned i = 0; i < 54; i++)
		o[k++] = (struct tw_obj){gen_id("913207%011uQ", 1000 + i * 7), i < 48 ? i % 4 : 5};
	qsort(o, 60, sizeof *o, obj_cmp);
	for (unsigned i = 0; i < 14; i++) {
		f[i] = (struct tw_person){gen_id("LYG-F%04u", i * 3), i % 3, 0, {0}};
		if (i % 3 == 0)
			f[i].tags[f[i].ntags++] = 0;
		if (i % 3 != 1 || i < 6)
			f[i].tags[f[i].ntags++] = 1;
		f[i].tags[f[i].ntags++] = 2;
	}
	for (unsigned i = 0; i < 5; i++)
		x[i] = (struct tw_person){gen_id("EXP-%02u", i), i % 2, 1, {i == 4 ? 0u : 1u}};
	k = 0;
	ex[k++] = (struct draw_exclusion){DRAW_OBJECT, o[3].id, DRAW_REASON_ANNUAL_CAP, ""};
	ex[k++] =
	    (struct draw_exclusion){DRAW_OBJECT, o[10].id, DRAW_REASON_DEREGISTERED, "已注销"};
	ex[k++] = (struct draw_exclusion){DRAW_OBJECT, o[17].id, DRAW_REASON_SUPERIOR, ""};
	ex[k++] = (struct draw_exclusion){DRAW_OBJECT, o[22].id, DRAW_REASON_OTHER_UNIT, ""};
	ex[k++] = (struct draw_exclusion){DRAW_OBJECT, o[30].id, DRAW_REASON_HANDLED,
	                                  "complaint 2026-0113"};
	for (unsigned i = 49; i < 55; i++)
		ex[k++] = (struct draw_exclusion){DRAW_OBJECT, o[i].id, DRAW_REASON_OTHER,
		                                  "closed for renovation"};
	ex[k++] = (struct draw_exclusion){DRAW_OFFICER, f[4].id, DRAW_REASON_UNAVAILABLE, ""};
	/* Conflicts: officers on two objects, an expert on one. */
	k = 0;
	cf[k++] = (struct draw_conflict){DRAW_OFFICER, o[7].id, f[0].id};
	cf[k++] = (struct draw_conflict){DRAW_OFFICER, o[7].id, f[3].id};
	cf[k++] = (struct draw_conflict){DRAW_OFFICER, o[11].id, f[6].id};
	cf[k++] = (struct draw_conflict){DRAW_EXPERT, o[11].id, x[0].id};
	qsort(cf, k, sizeof *cf, draw_spec_conflict_cmp);
	qsort(ex, 12, sizeof *ex, draw_spec_exclusion_cmp);
	v->d.strata = strata;
	v->d.nstrata = 6;
	v->d.objects = o;
	v->d.nobjects = 60;
	v->d.otags = otags;
	v->d.n_otags = 3;
	v->d.agencies = agencies;
	v->d.nagencies = 3;
	v->d.officers = f;
	v->d.nofficers = 14;
	v->d.xtags = xtags;
	v->d.n_xtags = 2;
	v->d.xorgs = xorgs;
	v->d.n_xorgs = 2;
	v->d.experts = x;
	v->d.nexperts = 5;
	v->d.spec.task = "LYG-2026-JOINT-014";
	v->d.spec.slot_size = 3;
	v->d.spec.rounding = DRAW_ROUND_HALF_UP;
	v->d.spec.beacons = beacons;
	v->d.spec.n_beacons = 3;
	v->d.spec.rules = rules;
	v->d.spec.n_rules = 6;
	v->d.spec.exclusions = ex;
	v->d.spec.n_exclusions = 12;
	v->d.spec.conflicts = cf;
	v->d.spec.n_conflicts = k;
	fill_bytes(v->values[1], 96, "drand-mainnet");
	v->value_len[1] = 96;
	fill_bytes(v->values[2], 64, "nist");
	v->value_len[2] = 64;
}

static void case_repeat(struct vec *v)
{
	static const char *const strata[] = {"K"};
	static struct draw_rule rules[] = {{.stratum = "K", .kind = DRAW_RULE_COUNT, .num = 7}};

	common(
	    v, "repeat-in-slot",
	    "officers may sit in two teams of one slot: 3 officers staff 7 objects in slots of 4");
	v->d.strata = strata;
	v->d.nstrata = 1;
	v->d.objects = plain_objects(12, "K%02u", 1);
	v->d.nobjects = 12;
	v->d.agencies = one_agency;
	v->d.nagencies = 1;
	v->d.officers = plain_officers(3, "F%u");
	v->d.nofficers = 3;
	v->d.spec.task = "2026-repeat";
	v->d.spec.slot_size = 4;
	v->d.spec.officer_repeat_in_slot = 1;
	v->d.spec.beacons = quicknet;
	v->d.spec.n_beacons = 1;
	v->d.spec.rules = rules;
	v->d.spec.n_rules = 1;
}

static void case_substitution(struct vec *v)
{
	static const char *const strata[] = {"A"};
	static struct draw_rule rules[] = {{.stratum = "A", .kind = DRAW_RULE_COUNT, .num = 1}};
	static struct draw_exclusion ex[5];
	struct tw_obj *o = plain_objects(10, "O%05u", 1);
	struct tw_person *f = plain_officers(6, "F%03u");

	common(v, "substitution",
	       "a substitution (补抽) replacing a draw: the three objects it drew are excluded as "
	       "already drawn, the two officers replaced are excluded, one object is drawn again");
	ex[0] = (struct draw_exclusion){DRAW_OBJECT, o[2].id, DRAW_REASON_ALREADY_DRAWN, ""};
	ex[1] = (struct draw_exclusion){DRAW_OBJECT, o[5].id, DRAW_REASON_ALREADY_DRAWN, ""};
	ex[2] = (struct draw_exclusion){DRAW_OBJECT, o[8].id, DRAW_REASON_ALREADY_DRAWN, ""};
	ex[3] = (struct draw_exclusion){DRAW_OFFICER, f[1].id, DRAW_REASON_REPLACED, ""};
	ex[4] = (struct draw_exclusion){DRAW_OFFICER, f[4].id, DRAW_REASON_REPLACED,
	                                "declared a conflict"};
	v->d.strata = strata;
	v->d.nstrata = 1;
	v->d.objects = o;
	v->d.nobjects = 10;
	v->d.agencies = one_agency;
	v->d.nagencies = 1;
	v->d.officers = f;
	v->d.nofficers = 6;
	v->d.spec.task = "2026-basic-001-r1";
	v->d.spec.replaces = 1;
	fill_bytes(v->d.spec.replaced_entry, 32, "the replaced commitment entry");
	v->d.spec.replace_reason = "object closed at visit; officers F001, F004 recused (R12)";
	v->d.spec.beacons = quicknet;
	v->d.spec.n_beacons = 1;
	v->d.spec.rules = rules;
	v->d.spec.n_rules = 1;
	v->d.spec.exclusions = ex;
	v->d.spec.n_exclusions = 5;
}

static void case_edges(struct vec *v, int which)
{
	static const char *const one[] = {"Z"};
	static struct draw_rule count1[] = {{.stratum = "Z", .kind = DRAW_RULE_COUNT, .num = 1}};
	static struct draw_rule all[] = {
	    {.stratum = "Z", .kind = DRAW_RULE_RATIO, .num = 1, .den = 1}};
	static struct draw_rule none[] = {
	    {.stratum = "Z", .kind = DRAW_RULE_RATIO, .num = 0, .den = 1}};
	static struct tw_obj single[] = {{"X", 0}};
	static struct tw_person pair[2];
	static char long_a[DRAW_MAX_ID + 1], long_b[DRAW_MAX_ID + 1];

	memset(long_a, 'A', DRAW_MAX_ID);
	memset(long_b, 'B', DRAW_MAX_ID);
	pair[0] = (struct tw_person){long_a, 0, 0, {0}};
	pair[1] = (struct tw_person){long_b, 0, 0, {0}};
	switch (which) {
	case 0:
		common(v, "edge-single",
		       "one object with a one-byte identifier, a fixed count of 1, two officers "
		       "with 64-byte identifiers");
		v->d.objects = single;
		v->d.nobjects = 1;
		v->d.officers = pair;
		v->d.nofficers = 2;
		v->d.spec.rules = count1;
		break;
	case 1:
		common(v, "edge-all",
		       "a ratio of 1/1 draws every one of 25 objects with 64-byte identifiers; "
		       "teams of 16 (the maximum) with repeats in a slot of 65535");
		v->d.objects = plain_objects(25, "%064u", 1);
		v->d.nobjects = 25;
		v->d.officers = plain_officers(16, "F%02u");
		v->d.nofficers = 16;
		v->d.spec.team_size = 16;
		v->d.spec.slot_size = 65535;
		v->d.spec.officer_repeat_in_slot = 1;
		v->d.spec.rules = all;
		break;
	case 2:
		common(v, "edge-nothing",
		       "a ratio of 0 draws nothing, so no officer is needed: the officer and "
		       "expert pools are empty");
		v->d.objects = plain_objects(5, "O%05u", 1);
		v->d.nobjects = 5;
		v->d.nagencies = 0;
		v->d.spec.rules = none;
		break;
	}
	v->d.strata = one;
	v->d.nstrata = 1;
	if (v->d.nagencies == 0 && which != 2) {
		v->d.agencies = one_agency;
		v->d.nagencies = 1;
	}
	v->d.spec.task = "edge";
	v->d.spec.beacons = quicknet;
	v->d.spec.n_beacons = 1;
	v->d.spec.n_rules = 1;
}

static void case_large(struct vec *v)
{
	static const char *const strata[] = {"A", "B", "C", "D"};
	static struct draw_rule rules[] = {
	    {.stratum = "A", .kind = DRAW_RULE_RATIO, .num = 1, .den = 100},
	    {.stratum = "B", .kind = DRAW_RULE_RATIO, .num = 2, .den = 100},
	    {.stratum = "C", .kind = DRAW_RULE_RATIO, .num = 10, .den = 100},
	    {.stratum = "D", .kind = DRAW_RULE_RATIO, .num = 30, .den = 100},
	};
	struct tw_obj *o = calloc(1200, sizeof *o);

	common(v, "large",
	       "1,200 objects in four risk classes at 1%, 2%, 10% and 30% (the Henan 2021 ratios), "
	       "40 officers, slots of 5");
	for (unsigned i = 0; i < 1200; i++) {
		/* A class from the identifier's hash-free arithmetic, so
		 * strata interleave unevenly. */
		unsigned st = (i * 7919u) % 100u;

		o[i] = (struct tw_obj){gen_id("9132070%010uY", i * 13), st < 60   ? 0
		                                                        : st < 85 ? 1
		                                                        : st < 95 ? 2
		                                                                  : 3};
	}
	v->d.strata = strata;
	v->d.nstrata = 4;
	v->d.objects = o;
	v->d.nobjects = 1200;
	v->d.agencies = one_agency;
	v->d.nagencies = 1;
	v->d.officers = plain_officers(40, "F%03u");
	v->d.nofficers = 40;
	v->d.spec.task = "2026-large";
	v->d.spec.slot_size = 5;
	v->d.spec.beacons = quicknet;
	v->d.spec.n_beacons = 1;
	v->d.spec.rules = rules;
	v->d.spec.n_rules = 4;
}

static void case_refusals(struct vec *v, int which)
{
	static struct draw_exclusion ex[2];
	static struct draw_conflict cf[3];
	static struct draw_rule over[] = {
	    {.stratum = "A", .kind = DRAW_RULE_COUNT, .num = 14},
	    {.stratum = "B", .kind = DRAW_RULE_COUNT, .num = 2},
	};

	case_basic(v);
	switch (which) {
	case 0:
		v->name = "refuse-count-exceeds";
		v->description = "refused at commitment: a fixed count of 14 for a stratum with 15 "
		                 "objects of which 2 are excluded (R7)";
		ex[0] = (struct draw_exclusion){DRAW_OBJECT, v->d.objects[0].id,
		                                DRAW_REASON_ANNUAL_CAP, ""};
		ex[1] = (struct draw_exclusion){DRAW_OBJECT, v->d.objects[2].id,
		                                DRAW_REASON_ANNUAL_CAP, ""};
		v->d.spec.exclusions = ex;
		v->d.spec.n_exclusions = 2;
		v->d.spec.rules = over;
		break;
	case 1:
		v->name = "refuse-slot-shortage";
		v->description = "refused at commitment: teams of 3 in slots of 3 need 9 officers, "
		                 "the pool has 8 (R11)";
		v->d.spec.team_size = 3;
		v->d.spec.slot_size = 3;
		break;
	case 2:
		v->name = "refuse-recusal-shortage";
		v->description = "refused at commitment: teams of 2 in slots of 3 need 6 officers; "
		                 "object O00004 is recused from 3 of the 8 (R12)";
		v->d.spec.slot_size = 3;
		for (unsigned i = 0; i < 3; i++)
			cf[i] =
			    (struct draw_conflict){DRAW_OFFICER, "O00004", v->d.officers[i * 2].id};
		v->d.spec.conflicts = cf;
		v->d.spec.n_conflicts = 3;
		break;
	}
}

/* Joint cross-agency checks (R14, spec 5.8): one draw of the objects for
 * every member agency and, per object, team size officers of each. */
static void case_joint(struct vec *v, int which)
{
	static const char *const two_strata[] = {"A", "B"};
	static const char *const three_strata[] = {"food", "general", "pharma"};
	static const char *const agencies[] = {"hb", "scjg", "wjw"};
	static const char *const two[] = {"hb", "scjg"};
	static const char *const otags[] = {"drugs", "food"};
	static const char *const xtags[] = {"lab"};
	static const char *const xorgs[] = {"lyg-testing"};
	static const char *const food[] = {"food"};
	static const char *const drugs[] = {"drugs"};
	static const char *const lab[] = {"lab"};
	static struct draw_rule two_rules[] = {
	    {.stratum = "A", .kind = DRAW_RULE_RATIO, .num = 1, .den = 4},
	    {.stratum = "B", .kind = DRAW_RULE_COUNT, .num = 2},
	};
	static struct draw_rule short_rules[] = {
	    {.stratum = "A",
	     .kind = DRAW_RULE_RATIO,
	     .num = 1,
	     .den = 4,
	     .officer_tags = food,
	     .n_officer_tags = 1},
	    {.stratum = "B", .kind = DRAW_RULE_COUNT, .num = 2},
	};
	static struct draw_rule three_rules[] = {
	    {.stratum = "food",
	     .kind = DRAW_RULE_RATIO,
	     .num = 1,
	     .den = 5,
	     .officer_tags = food,
	     .n_officer_tags = 1},
	    {.stratum = "general", .kind = DRAW_RULE_COUNT, .num = 3},
	    {.stratum = "pharma",
	     .kind = DRAW_RULE_COUNT,
	     .num = 2,
	     .officer_tags = drugs,
	     .n_officer_tags = 1,
	     .experts = 1,
	     .expert_tags = lab,
	     .n_expert_tags = 1},
	};
	static struct tw_person f2[15], f3[36], x3[3];
	static struct draw_exclusion ex[3];
	static struct draw_conflict cf[64];
	size_t ncf = 0;

	switch (which) {
	case 0:
	case 2:
		common(v, which == 0 ? "joint-two" : "refuse-joint-shortage",
		       which == 0
		           ? "a joint check of hb and scjg (R14): one draw of 5 objects, each "
		             "with 2 officers of hb then 2 of scjg; the pool's wjw officers are "
		             "never drawn; slots of 2 without repeats"
		           : "refused at commitment: stratum A needs officers tagged food, and "
		             "hb has 3 of them where teams of 2 in slots of 2 need 4 (R11, R13, "
		             "R14), though the pool has 6 such officers in all");
		for (unsigned i = 0; i < 15; i++) {
			f2[i] = (struct tw_person){gen_id("F%03u", i), i % 3, 0, {0}};
			/* food: hb F000 F003 F006, scjg F001 F004 F007, wjw F002 */
			if (i < 8 && i != 5)
				f2[i].tags[f2[i].ntags++] = 1;
		}
		v->d.strata = two_strata;
		v->d.nstrata = 2;
		v->d.objects = plain_objects(24, "J%04u", 2);
		v->d.nobjects = 24;
		v->d.otags = otags;
		v->d.n_otags = 2;
		v->d.agencies = agencies;
		v->d.nagencies = 3;
		v->d.officers = f2;
		v->d.nofficers = 15;
		v->d.spec.task = "LYG-2026-JOINT-002";
		v->d.spec.slot_size = 2;
		v->d.spec.team_agencies = two;
		v->d.spec.n_team_agencies = 2;
		v->d.spec.beacons = quicknet;
		v->d.spec.n_beacons = 1;
		v->d.spec.rules = which == 0 ? two_rules : short_rules;
		v->d.spec.n_rules = 2;
		break;
	case 1:
		common(
		    v, "joint-three",
		    "a joint check of hb, scjg and wjw (R14) over three strata: food officers for "
		    "food, drugs officers and a lab expert for pharma (R13), every object "
		    "declaring conflicts with one or two officers (R12), an officer excluded, "
		    "slots of 2 without repeats, teams of 2 per agency");
		/* 36 officers, 12 per agency (agency i % 3): two thirds tagged
		 * food, half tagged drugs. */
		for (unsigned i = 0; i < 36; i++) {
			f3[i] = (struct tw_person){gen_id("LYG-F%04u", i), i % 3, 0, {0}};
			if (i % 4 < 2)
				f3[i].tags[f3[i].ntags++] = 0;
			if ((i / 3) % 3 != 2)
				f3[i].tags[f3[i].ntags++] = 1;
		}
		for (unsigned i = 0; i < 3; i++)
			x3[i] = (struct tw_person){gen_id("EXP-%02u", i), 0, 1, {0}};
		v->d.objects = plain_objects(45, "913207%011uJ", 3);
		/* Every object conflicts with one officer; every third with a
		 * second one of another agency. Already in canonical order:
		 * objects ascend, and per object the officers ascend. */
		for (unsigned o = 0; o < 45; o++) {
			unsigned a = (o * 7) % 36, b = (o * 7 + 13) % 36;

			if (o % 3 == 0 && b < a) {
				unsigned t = a;

				a = b;
				b = t;
			}
			cf[ncf++] =
			    (struct draw_conflict){DRAW_OFFICER, v->d.objects[o].id, f3[a].id};
			if (o % 3 == 0)
				cf[ncf++] = (struct draw_conflict){DRAW_OFFICER, v->d.objects[o].id,
				                                   f3[b].id};
		}
		ex[0] = (struct draw_exclusion){DRAW_OBJECT, v->d.objects[4].id,
		                                DRAW_REASON_ANNUAL_CAP, ""};
		ex[1] = (struct draw_exclusion){DRAW_OFFICER, f3[9].id, DRAW_REASON_UNAVAILABLE,
		                                "on leave"};
		v->d.strata = three_strata;
		v->d.nstrata = 3;
		v->d.nobjects = 45;
		v->d.otags = otags;
		v->d.n_otags = 2;
		v->d.agencies = agencies;
		v->d.nagencies = 3;
		v->d.officers = f3;
		v->d.nofficers = 36;
		v->d.xtags = xtags;
		v->d.n_xtags = 1;
		v->d.xorgs = xorgs;
		v->d.n_xorgs = 1;
		v->d.experts = x3;
		v->d.nexperts = 3;
		v->d.spec.task = "LYG-2026-JOINT-003";
		v->d.spec.slot_size = 2;
		v->d.spec.team_agencies = agencies;
		v->d.spec.n_team_agencies = 3;
		v->d.spec.beacons = quicknet;
		v->d.spec.n_beacons = 1;
		v->d.spec.rules = three_rules;
		v->d.spec.n_rules = 3;
		v->d.spec.exclusions = ex;
		v->d.spec.n_exclusions = 2;
		v->d.spec.conflicts = cf;
		v->d.spec.n_conflicts = ncf;
		break;
	}
}

static int all_cases(struct vec *v, int max)
{
	int n = 0;

	nid = 0;
	if (max < MAX_CASES)
		return 0;
	case_basic(&v[n++]);
	case_rounding(&v[n++], DRAW_ROUND_CEIL);
	case_rounding(&v[n++], DRAW_ROUND_FLOOR);
	case_rounding(&v[n++], DRAW_ROUND_HALF_UP);
	case_mixed(&v[n++]);
	case_repeat(&v[n++]);
	case_substitution(&v[n++]);
	for (int i = 0; i < 3; i++)
		case_edges(&v[n++], i);
	case_large(&v[n++]);
	for (int i = 0; i < 3; i++)
		case_refusals(&v[n++], i);
	for (int i = 0; i < 3; i++)
		case_joint(&v[n++], i);
	return n;
}

/* ---- JSON ------------------------------------------------------------ */

static void add_hex(cJSON *o, const char *key, const uint8_t *b, size_t n)
{
	char *h = malloc(2 * n + 1);

	if (h == NULL)
		abort();
	sodium_bin2hex(h, 2 * n + 1, b, n);
	cJSON_AddStringToObject(o, key, h);
	free(h);
}

static void add_u64(cJSON *o, const char *key, uint64_t v, int hex)
{
	char b[32];

	snprintf(b, sizeof b, hex ? "%016llx" : "%llu", (unsigned long long)v);
	cJSON_AddStringToObject(o, key, b);
}

static cJSON *strings(const char *const *s, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s[i]));
	return a;
}

static cJSON *people_json(const char *const *tags, size_t nt, const char *const *orgs, size_t no,
                          const struct tw_person *p, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateArray();

	cJSON_AddItemToObject(o, "tags", strings(tags, nt));
	cJSON_AddItemToObject(o, "agencies", strings(orgs, no));
	for (size_t i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateArray(), *t = cJSON_CreateArray();

		cJSON_AddItemToArray(e, cJSON_CreateString(p[i].id));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(p[i].agency));
		for (unsigned j = 0; j < p[i].ntags; j++)
			cJSON_AddItemToArray(t, cJSON_CreateNumber(p[i].tags[j]));
		cJSON_AddItemToArray(e, t);
		cJSON_AddItemToArray(m, e);
	}
	cJSON_AddItemToObject(o, "members", m);
	return o;
}

static const char *kind_name(enum draw_kind k)
{
	return k == DRAW_OBJECT ? "object" : k == DRAW_OFFICER ? "officer" : "expert";
}

static const char *rounding_name(enum draw_rounding r)
{
	return r == DRAW_ROUND_CEIL ? "ceil" : r == DRAW_ROUND_FLOOR ? "floor" : "half-up";
}

static const char *const none_org[] = {"none"};

/* The inputs of a case as JSON. */
static cJSON *inputs_json(const struct vec *v)
{
	const struct tw_def *d = &v->d;
	const struct draw_spec *s = &d->spec;
	cJSON *j = cJSON_CreateObject(), *a, *o;

	add_hex(j, "seed", v->seed, 32);
	add_hex(j, "entry_hash", v->entry_hash, 32);
	cJSON_AddStringToObject(j, "task", s->task);
	if (s->replaces) {
		o = cJSON_AddObjectToObject(j, "replaces");
		add_hex(o, "entry_hash", s->replaced_entry, 32);
		cJSON_AddStringToObject(o, "reason", s->replace_reason);
	} else {
		cJSON_AddNullToObject(j, "replaces");
	}
	cJSON_AddStringToObject(j, "rounding", rounding_name(s->rounding));
	cJSON_AddNumberToObject(j, "team_size", s->team_size);
	cJSON_AddNumberToObject(j, "slot_size", s->slot_size);
	cJSON_AddBoolToObject(j, "officer_repeat_in_slot", s->officer_repeat_in_slot);
	/* Only joint checks have the key, so earlier files stay as they were. */
	if (s->n_team_agencies > 0)
		cJSON_AddItemToObject(j, "team_agencies",
		                      strings(s->team_agencies, s->n_team_agencies));
	add_u64(j, "deadline_us", (uint64_t)s->deadline_us, 0);
	a = cJSON_AddArrayToObject(j, "beacons");
	for (size_t i = 0; i < s->n_beacons; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", s->beacons[i].source);
		add_u64(o, "round", s->beacons[i].round, 0);
		add_hex(o, "value", v->values[i], v->value_len[i]);
		cJSON_AddItemToArray(a, o);
	}
	o = cJSON_AddObjectToObject(j, "objects");
	cJSON_AddItemToObject(o, "strata", strings(d->strata, d->nstrata));
	a = cJSON_AddArrayToObject(o, "members");
	for (size_t i = 0; i < d->nobjects; i++) {
		cJSON *e = cJSON_CreateArray();

		cJSON_AddItemToArray(e, cJSON_CreateString(d->objects[i].id));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(d->objects[i].stratum));
		cJSON_AddItemToArray(a, e);
	}
	cJSON_AddItemToObject(j, "officers",
	                      people_json(d->otags, d->n_otags, d->agencies, d->nagencies,
	                                  d->officers, d->nofficers));
	cJSON_AddItemToObject(j, "experts",
	                      people_json(d->xtags, d->n_xtags, d->xorgs ? d->xorgs : none_org,
	                                  d->xorgs ? d->n_xorgs : 1, d->experts, d->nexperts));
	a = cJSON_AddArrayToObject(j, "rules");
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct draw_rule *r = &s->rules[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stratum", r->stratum);
		if (r->kind == DRAW_RULE_RATIO) {
			cJSON *q = cJSON_AddArrayToObject(o, "ratio");

			cJSON_AddItemToArray(q, cJSON_CreateNumber(r->num));
			cJSON_AddItemToArray(q, cJSON_CreateNumber(r->den));
		} else {
			cJSON_AddNumberToObject(o, "count", r->num);
		}
		cJSON_AddItemToObject(o, "officer_tags",
		                      strings(r->officer_tags, r->n_officer_tags));
		cJSON_AddNumberToObject(o, "experts", r->experts);
		cJSON_AddItemToObject(o, "expert_tags", strings(r->expert_tags, r->n_expert_tags));
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "exclusions");
	for (size_t i = 0; i < s->n_exclusions; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", kind_name(s->exclusions[i].kind));
		cJSON_AddStringToObject(o, "id", s->exclusions[i].id);
		cJSON_AddNumberToObject(o, "reason", s->exclusions[i].reason);
		cJSON_AddStringToObject(o, "note", s->exclusions[i].note);
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "conflicts");
	for (size_t i = 0; i < s->n_conflicts; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", kind_name(s->conflicts[i].kind));
		cJSON_AddStringToObject(o, "object", s->conflicts[i].object);
		cJSON_AddStringToObject(o, "person", s->conflicts[i].person);
		cJSON_AddItemToArray(a, o);
	}
	return j;
}

/* Everything the file's reader allocates for a case, freed together. */
struct store {
	void *p[64];
	int n;
};

static void *keep(struct store *st, size_t n)
{
	void *p = calloc(n ? n : 1, 1);

	if (p == NULL || st->n == 64)
		abort();
	st->p[st->n++] = p;
	return p;
}

static void store_free(struct store *st)
{
	while (st->n > 0)
		free(st->p[--st->n]);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(i) ? i->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *key)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(i) ? i->valuedouble : -1;
}

static int hex_to(uint8_t *out, size_t cap, const char *hex, size_t *n)
{
	return hex == NULL || sodium_hex2bin(out, cap, hex, strlen(hex), NULL, n, NULL) != 0 ? -1
	                                                                                     : 0;
}

static const char **string_list(struct store *st, const cJSON *a, size_t *n)
{
	const char **out = keep(st, (size_t)cJSON_GetArraySize(a) * sizeof *out);
	const cJSON *i;

	*n = 0;
	cJSON_ArrayForEach(i, a) out[(*n)++] = i->valuestring;
	return out;
}

static struct tw_person *people_from(struct store *st, const cJSON *o, const char *const **tags,
                                     size_t *nt, const char *const **orgs, size_t *no, size_t *n)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "members"), *e;
	struct tw_person *p = keep(st, (size_t)cJSON_GetArraySize(m) * sizeof *p);

	*tags = string_list(st, cJSON_GetObjectItemCaseSensitive(o, "tags"), nt);
	*orgs = string_list(st, cJSON_GetObjectItemCaseSensitive(o, "agencies"), no);
	*n = 0;
	cJSON_ArrayForEach(e, m)
	{
		struct tw_person *x = &p[(*n)++];
		const cJSON *t;

		x->id = cJSON_GetArrayItem(e, 0)->valuestring;
		x->agency = (unsigned)cJSON_GetArrayItem(e, 1)->valuedouble;
		cJSON_ArrayForEach(t, cJSON_GetArrayItem(e, 2)) x->tags[x->ntags++] =
		    (unsigned)t->valuedouble;
	}
	return p;
}

static enum draw_kind kind_of(const char *s)
{
	return strcmp(s, "object") == 0    ? DRAW_OBJECT
	       : strcmp(s, "officer") == 0 ? DRAW_OFFICER
	                                   : DRAW_EXPERT;
}

/* Reads a case's inputs from its JSON; strings borrow from j. */
static int vec_from_json(struct vec *v, struct store *st, const cJSON *j)
{
	struct tw_def *d = &v->d;
	struct draw_spec *s = &d->spec;
	const cJSON *a, *e, *o;
	size_t n;
	const char *rounding = str_of(j, "rounding");

	memset(v, 0, sizeof *v);
	v->name = str_of(j, "name");
	if (hex_to(v->seed, 32, str_of(j, "seed"), &n) || n != 32 ||
	    hex_to(v->entry_hash, 32, str_of(j, "entry_hash"), &n) || n != 32 || rounding == NULL)
		return -1;
	s->task = str_of(j, "task");
	o = cJSON_GetObjectItemCaseSensitive(j, "replaces");
	if (cJSON_IsObject(o)) {
		s->replaces = 1;
		if (hex_to(s->replaced_entry, 32, str_of(o, "entry_hash"), &n) || n != 32)
			return -1;
		s->replace_reason = str_of(o, "reason");
	}
	s->rounding = strcmp(rounding, "ceil") == 0    ? DRAW_ROUND_CEIL
	              : strcmp(rounding, "floor") == 0 ? DRAW_ROUND_FLOOR
	                                               : DRAW_ROUND_HALF_UP;
	s->team_size = (unsigned)num_of(j, "team_size");
	s->slot_size = (unsigned)num_of(j, "slot_size");
	s->officer_repeat_in_slot =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "officer_repeat_in_slot"));
	a = cJSON_GetObjectItemCaseSensitive(j, "team_agencies");
	if (a != NULL)
		s->team_agencies = string_list(st, a, &s->n_team_agencies);
	s->deadline_us = strtoll(str_of(j, "deadline_us"), NULL, 10);
	a = cJSON_GetObjectItemCaseSensitive(j, "beacons");
	struct draw_beacon_ref *b = keep(st, MAX_BEACON * sizeof *b);

	cJSON_ArrayForEach(e, a)
	{
		if (s->n_beacons == MAX_BEACON)
			return -1;
		b[s->n_beacons].source = str_of(e, "source");
		b[s->n_beacons].round = strtoull(str_of(e, "round"), NULL, 10);
		if (hex_to(v->values[s->n_beacons], DRAW_MAX_BEACON_VALUE, str_of(e, "value"),
		           &v->value_len[s->n_beacons]))
			return -1;
		s->n_beacons++;
	}
	s->beacons = b;
	o = cJSON_GetObjectItemCaseSensitive(j, "objects");
	d->strata = string_list(st, cJSON_GetObjectItemCaseSensitive(o, "strata"), &d->nstrata);
	a = cJSON_GetObjectItemCaseSensitive(o, "members");
	struct tw_obj *objs = keep(st, (size_t)cJSON_GetArraySize(a) * sizeof *objs);

	cJSON_ArrayForEach(e, a)
	{
		objs[d->nobjects].id = cJSON_GetArrayItem(e, 0)->valuestring;
		objs[d->nobjects++].stratum = (unsigned)cJSON_GetArrayItem(e, 1)->valuedouble;
	}
	d->objects = objs;
	d->officers = people_from(st, cJSON_GetObjectItemCaseSensitive(j, "officers"), &d->otags,
	                          &d->n_otags, &d->agencies, &d->nagencies, &d->nofficers);
	d->experts = people_from(st, cJSON_GetObjectItemCaseSensitive(j, "experts"), &d->xtags,
	                         &d->n_xtags, &d->xorgs, &d->n_xorgs, &d->nexperts);
	a = cJSON_GetObjectItemCaseSensitive(j, "rules");
	struct draw_rule *r = keep(st, (size_t)cJSON_GetArraySize(a) * sizeof *r);

	cJSON_ArrayForEach(e, a)
	{
		struct draw_rule *x = &r[s->n_rules++];
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(e, "ratio");

		x->stratum = str_of(e, "stratum");
		if (cJSON_IsArray(q)) {
			x->kind = DRAW_RULE_RATIO;
			x->num = (uint32_t)cJSON_GetArrayItem(q, 0)->valuedouble;
			x->den = (uint32_t)cJSON_GetArrayItem(q, 1)->valuedouble;
		} else {
			x->kind = DRAW_RULE_COUNT;
			x->num = (uint32_t)num_of(e, "count");
		}
		x->officer_tags = string_list(
		    st, cJSON_GetObjectItemCaseSensitive(e, "officer_tags"), &x->n_officer_tags);
		x->experts = (unsigned)num_of(e, "experts");
		x->expert_tags = string_list(st, cJSON_GetObjectItemCaseSensitive(e, "expert_tags"),
		                             &x->n_expert_tags);
	}
	s->rules = r;
	a = cJSON_GetObjectItemCaseSensitive(j, "exclusions");
	struct draw_exclusion *x = keep(st, (size_t)cJSON_GetArraySize(a) * sizeof *x);

	cJSON_ArrayForEach(e, a)
	{
		x[s->n_exclusions].kind = kind_of(str_of(e, "kind"));
		x[s->n_exclusions].id = str_of(e, "id");
		x[s->n_exclusions].reason = (enum draw_reason)num_of(e, "reason");
		x[s->n_exclusions++].note = str_of(e, "note");
	}
	s->exclusions = x;
	a = cJSON_GetObjectItemCaseSensitive(j, "conflicts");
	struct draw_conflict *c = keep(st, (size_t)cJSON_GetArraySize(a) * sizeof *c);

	cJSON_ArrayForEach(e, a)
	{
		c[s->n_conflicts].kind = kind_of(str_of(e, "kind"));
		c[s->n_conflicts].object = str_of(e, "object");
		c[s->n_conflicts++].person = str_of(e, "person");
	}
	s->conflicts = c;
	return 0;
}

static const char *code_name(int rc)
{
	switch (rc) {
	case SJ_EINVAL: return "EINVAL";
	case SJ_ERANGE: return "ERANGE";
	case SJ_ENOMEM: return "ENOMEM";
	}
	return "OTHER";
}

static void add_bytes(cJSON *o, const char *key, const uint8_t *b, size_t n, const uint8_t *hash)
{
	cJSON *x = cJSON_AddObjectToObject(o, key);

	add_hex(x, "hash", hash, 32);
	add_hex(x, "bytes", b, n);
}

/* Everything the library derives for a case, as JSON. */
static cJSON *expected_json(struct vec *v)
{
	cJSON *j = cJSON_CreateObject(), *a;
	struct tw w;
	struct draw_result *res;
	struct draw_beacon_value vals[MAX_BEACON];
	uint8_t c[32], r[32], rh[32], *rb;
	size_t len;
	int rc = tw_build(&w, &v->d);

	if (rc == SJ_OK)
		rc = draw_derive_check(w.in, w.o, w.f, w.x, w.err, sizeof w.err);
	if (rc != SJ_OK) {
		/* The message is informative; only the code is normative. */
		cJSON_AddStringToObject(j, "error", code_name(rc));
		cJSON_AddStringToObject(j, "message", w.err);
		if (w.in != NULL)
			tw_free(&w);
		return j;
	}
	const uint8_t *b = draw_objects_bytes(w.o, &len);

	add_bytes(j, "object_pool", b, len, draw_objects_hash(w.o));
	b = draw_people_bytes(w.f, &len);
	add_bytes(j, "officer_pool", b, len, draw_people_hash(w.f));
	b = draw_people_bytes(w.x, &len);
	add_bytes(j, "expert_pool", b, len, draw_people_hash(w.x));
	b = draw_inputs_bytes(w.in, &len);
	add_bytes(j, "inputs", b, len, draw_inputs_hash(w.in));
	draw_derive_commitment(c, v->seed);
	add_hex(j, "commitment", c, 32);
	for (size_t i = 0; i < v->d.spec.n_beacons; i++)
		vals[i] = (struct draw_beacon_value){v->values[i], v->value_len[i]};
	if (draw_derive_randomness(r, v->seed, v->entry_hash, w.in, vals, v->d.spec.n_beacons, NULL,
	                           0) != SJ_OK ||
	    tw_derive(&w, &res, r) != SJ_OK)
		abort(); /* the check passed: the derivation cannot fail */
	add_hex(j, "R", r, 32);
	a = cJSON_AddArrayToObject(j, "strata");
	for (size_t i = 0; i < res->n_strata; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", res->strata[i].name);
		cJSON_AddNumberToObject(o, "n", res->strata[i].n);
		cJSON_AddNumberToObject(o, "k", res->strata[i].k);
		if (res->strata[i].k > 0) {
			add_u64(o, "cutoff_score", res->strata[i].cutoff_score, 1);
			cJSON_AddStringToObject(o, "cutoff_id", res->strata[i].cutoff_id);
		}
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "picks");
	for (size_t i = 0; i < res->n_picks; i++) {
		const struct draw_pick *p = &res->picks[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", p->id);
		cJSON_AddNumberToObject(o, "stratum", p->stratum);
		add_u64(o, "score", p->score, 1);
		add_u64(o, "order", p->order, 1);
		cJSON_AddNumberToObject(o, "slot", p->slot);
		cJSON_AddItemToObject(o, "officers", strings(p->officers, p->n_officers));
		/* A joint check's officers again, per agency, for the reader. */
		if (res->n_team_agencies > 0) {
			cJSON *parts = cJSON_AddArrayToObject(o, "parts");

			for (size_t g = 0; g < res->n_team_agencies; g++) {
				cJSON *part = cJSON_CreateObject();

				cJSON_AddStringToObject(part, "agency", res->team_agencies[g]);
				cJSON_AddItemToObject(
				    part, "officers",
				    strings(p->officers + g * res->team_size, res->team_size));
				cJSON_AddItemToArray(parts, part);
			}
		}
		cJSON_AddItemToObject(o, "experts", strings(p->experts, p->n_experts));
		cJSON_AddItemToArray(a, o);
	}
	if (draw_result_encode(&rb, &len, res) != SJ_OK)
		abort();
	draw_result_hash(rh, rb, len);
	add_bytes(j, "result", rb, len, rh);
	free(rb);
	draw_result_free(res);
	tw_free(&w);
	return j;
}

static int regenerate(void)
{
	static struct vec cases[MAX_CASES];
	int n = all_cases(cases, MAX_CASES);

	for (int i = 0; i < n; i++) {
		char path[256];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", cases[i].name);
		cJSON_AddStringToObject(j, "description", cases[i].description);
		cJSON *in = inputs_json(&cases[i]), *it;

		/* Flatten the inputs into the top level, in their order. */
		while ((it = in->child) != NULL) {
			cJSON_DetachItemViaPointer(in, it);
			cJSON_AddItemToObject(j, it->string, it);
		}
		cJSON_Delete(in);
		cJSON_AddItemToObject(j, "expected", expected_json(&cases[i]));
		char *text = cJSON_Print(j);

		snprintf(path, sizeof path, VEC_DIR "/%s.json", cases[i].name);
		int rc = util_write_file(path, text, strlen(text), 0644);

		free(text);
		cJSON_Delete(j);
		if (rc != SJ_OK)
			return -1;
	}
	/* The generator's tables stay allocated for the run: they are few. */
	return n;
}

/*
 * Checks one vector: derives everything from its inputs and compares with
 * its "expected". Returns 0 when they agree, -1 when they differ, -2 when
 * the vector is malformed; on failure m (cap bytes) says what.
 */
static int check_vector(const cJSON *j, const char *name, char *m, size_t cap)
{
	struct vec v;
	struct store st = {0};

	if (vec_from_json(&v, &st, j) != 0) {
		snprintf(m, cap, "%s: malformed vector file", name);
		store_free(&st);
		return -2;
	}
	cJSON *got = expected_json(&v);
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(j, "expected");
	int bad = want == NULL || !cJSON_Compare(got, want, 1);

	if (bad) {
		const cJSON *g;

		snprintf(m, cap, "%s: expected outputs differ", name);
		cJSON_ArrayForEach(g, got)
		{
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, g->string);

			if (w == NULL || !cJSON_Compare(g, w, 1)) {
				snprintf(m, cap, "%s: \"%s\" differs", name, g->string);
				break;
			}
		}
	}
	cJSON_Delete(got);
	store_free(&st);
	return bad ? -1 : 0;
}

/* Reads and parses the vector file at path; NULL (after failing the test)
 * when it cannot. */
static cJSON *load_vector(const char *path)
{
	uint8_t *text;
	size_t len;
	char m[600];

	if (util_read_file(&text, &len, path, 16u << 20) != SJ_OK) {
		snprintf(m, sizeof m, "cannot read %s", path);
		harness_fail(__FILE__, __LINE__, m);
		return NULL;
	}
	cJSON *j = cJSON_Parse((const char *)text);

	free(text);
	if (j == NULL) {
		snprintf(m, sizeof m, "%s: malformed vector file", path);
		harness_fail(__FILE__, __LINE__, m);
	}
	return j;
}

/* 1 when the directory at path can be opened. */
static int opendir_ok(const char *path)
{
	DIR *d = opendir(path);

	if (d == NULL)
		return 0;
	closedir(d);
	return 1;
}

static int check_file(const char *path)
{
	cJSON *j = load_vector(path);
	char m[600];
	int rc;

	if (j == NULL)
		return -1;
	rc = check_vector(j, path, m, sizeof m);
	if (rc != 0)
		harness_fail(__FILE__, __LINE__, m);
	cJSON_Delete(j);
	return rc;
}

TEST(draw_vectors,
     "the library reproduces every golden vector in tests/vectors/draw byte for byte: pools, "
     "inputs, commitment, R, cutoffs, picks, teams and result, or the refusal")
{
	DIR *dir;
	struct dirent *e;
	int files = 0, bad = 0;

	if (sodium_init() < 0)
		abort();
	if (getenv("SUIJI_REGEN_VECTORS") != NULL) {
		int n = regenerate();

		CHECK(n > 0);
		printf("    wrote %d vector files to %s\n", n, VEC_DIR);
	}
	dir = opendir(VEC_DIR);
	if (dir == NULL) {
		harness_skip(VEC_DIR " is not present (run from the project root)");
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		char path[512];
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, VEC_DIR "/%s", e->d_name);
		bad |= check_file(path) != 0;
		files++;
	}
	closedir(dir);
	CHECK(!bad);
	CHECK_INT(files, >=, 17);
}

/* Flips the last hex digit of the string item o (so it stays hex). */
static int flip_hex(cJSON *o)
{
	size_t n;

	if (!cJSON_IsString(o) || (n = strlen(o->valuestring)) == 0)
		return -1;
	o->valuestring[n - 1] = o->valuestring[n - 1] == '0' ? '1' : '0';
	return 0;
}

static cJSON *expected_item(cJSON *j, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "expected"),
	                                        key);
}

static cJSON *first_pick(cJSON *j)
{
	return cJSON_GetArrayItem(expected_item(j, "picks"), 0);
}

TEST(draw_vectors_forged,
     "the vector check refuses a golden vector with a changed pick, seed byte, beacon byte, "
     "score, R or result byte")
{
	enum { PICK, SEED, BEACON, SCORE, R, RESULT, NFORGERIES };
	static const char *const what[NFORGERIES] = {"pick",  "seed", "beacon",
	                                             "score", "R",    "result"};
	char m[600];
	cJSON *orig;

	if (sodium_init() < 0)
		abort();
	if (opendir_ok(VEC_DIR) == 0) {
		harness_skip(VEC_DIR " is not present (run from the project root)");
		return;
	}
	orig = load_vector(VEC_DIR "/mixed.json");
	CHECK(orig != NULL);
	/* The untouched vector passes the same check, so a refusal below is
	 * the forgery's doing and not a check that refuses everything. */
	CHECK_INT(check_vector(orig, "mixed", m, sizeof m), ==, 0);
	for (int k = 0; k < NFORGERIES; k++) {
		cJSON *f = cJSON_Duplicate(orig, 1), *o = NULL, *p1;
		int rc;

		CHECK(f != NULL);
		switch (k) {
		case PICK:
			/* Another object of the pool in the first pick's place. */
			o = cJSON_GetObjectItemCaseSensitive(first_pick(f), "id");
			p1 = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetArrayItem(expected_item(f, "picks"), 1), "id");
			if (cJSON_IsString(o) && cJSON_IsString(p1)) {
				cJSON_SetValuestring(o, p1->valuestring);
				o = p1;
			} else {
				o = NULL;
			}
			break;
		case SEED: o = cJSON_GetObjectItemCaseSensitive(f, "seed"); break;
		case BEACON:
			o = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "beacons"), 0),
			    "value");
			break;
		case SCORE: o = cJSON_GetObjectItemCaseSensitive(first_pick(f), "score"); break;
		case R: o = expected_item(f, "R"); break;
		case RESULT:
			o = cJSON_GetObjectItemCaseSensitive(expected_item(f, "result"), "bytes");
			break;
		}
		if (o == NULL || (k != PICK && flip_hex(o) != 0)) {
			cJSON_Delete(f);
			snprintf(m, sizeof m, "mixed.json has no field to forge the %s in",
			         what[k]);
			harness_fail(__FILE__, __LINE__, m);
			break;
		}
		CHECK(!cJSON_Compare(orig, f, 1));
		rc = check_vector(f, what[k], m, sizeof m);
		cJSON_Delete(f);
		if (rc != -1) {
			snprintf(m, sizeof m, "a vector with a forged %s was %s", what[k],
			         rc == 0 ? "accepted" : "called malformed, not refused");
			harness_fail(__FILE__, __LINE__, m);
			break;
		}
	}
	cJSON_Delete(orig);
}

TEST(draw_vectors_forged_case,
     "the same case under another seed derives another R, so the vectors pin the seed")
{
	static struct vec cases[MAX_CASES];
	struct vec v;

	if (sodium_init() < 0)
		abort();
	CHECK(all_cases(cases, MAX_CASES) > 0);
	v = cases[4]; /* mixed */
	cJSON *e = expected_json(&v);
	v.seed[0] ^= 1;
	cJSON *g = expected_json(&v);
	CHECK(!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(e, "R"),
	                     cJSON_GetObjectItemCaseSensitive(g, "R"), 1));
	cJSON_Delete(g);
	cJSON_Delete(e);
}
