/*
 * test_draw_joint.c: joint cross-agency checks (跨部门联合抽查, R14) in the
 * draw library, docs/draw-spec.md section 5.8: one draw of the objects for
 * every member agency and, per drawn object, team size officers of each
 * team agency, with the officer rules of R11-R13 holding in every part.
 * Every positive check has a forgery twin; the statistics at the end use
 * fixed R, so they pass or fail the same way every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/util.h"
#include "wire/drawspec.h"
#include "draw/wire.h"
#include "tests/harness.h"
#include "tests/test_draw.h"

/* The world: 30 objects in strata A (ratio 1/5), B (count 3) and C (count
 * 2, needing food officers and a lab expert); 27 officers of three
 * agencies (agency i % 3: hb, scjg, wjw), the first two thirds of each
 * agency tagged food; 3 experts. Teams of 2 per agency in slots of 2. */
#define NOBJ 30
#define NOFF 27

static const char *const strata[] = {"A", "B", "C"};
static const char *const agencies[] = {"hb", "scjg", "wjw"};
static const char *const otags[] = {"food"};
static const char *const xtags[] = {"lab"};
static const char *const xorgs[] = {"lyg-testing"};
static const char *const food[] = {"food"};
static const char *const lab[] = {"lab"};
static const struct draw_beacon_ref beacons[] = {{"drand-quicknet", 77}};
static struct tw_obj objs[NOBJ];
static struct tw_person offs[NOFF], exps[3];
static struct draw_rule rules[3];
static struct draw_conflict conflicts[NOBJ * 2];
static size_t nconflicts;

static void world(struct tw_def *d, const char *const *team, size_t nteam)
{
	static const char *const xids[] = {"X1", "X2", "X3"};

	if (sodium_init() < 0)
		abort();
	for (unsigned i = 0; i < NOBJ; i++)
		objs[i] = (struct tw_obj){tw_obj_id(i), i % 3};
	for (unsigned i = 0; i < NOFF; i++) {
		offs[i] = (struct tw_person){tw_officer_id(i), i % 3, 0, {0}};
		if (i < 18)
			offs[i].tags[offs[i].ntags++] = 0;
	}
	for (unsigned i = 0; i < 3; i++)
		exps[i] = (struct tw_person){xids[i], 0, 1, {0}};
	rules[0] = (struct draw_rule){.stratum = "A", .kind = DRAW_RULE_RATIO, .num = 1, .den = 5};
	rules[1] = (struct draw_rule){.stratum = "B", .kind = DRAW_RULE_COUNT, .num = 3};
	rules[2] = (struct draw_rule){.stratum = "C",
	                              .kind = DRAW_RULE_COUNT,
	                              .num = 2,
	                              .officer_tags = food,
	                              .n_officer_tags = 1,
	                              .experts = 1,
	                              .expert_tags = lab,
	                              .n_expert_tags = 1};
	/* Every object declares a conflict with one officer (R12), of an
	 * agency that turns with the object; already in canonical order. */
	nconflicts = 0;
	for (unsigned o = 0; o < NOBJ; o++)
		conflicts[nconflicts++] =
		    (struct draw_conflict){DRAW_OFFICER, objs[o].id, offs[(o * 4) % 18].id};
	memset(d, 0, sizeof *d);
	d->strata = strata;
	d->nstrata = 3;
	d->objects = objs;
	d->nobjects = NOBJ;
	d->otags = otags;
	d->n_otags = 1;
	d->agencies = agencies;
	d->nagencies = 3;
	d->officers = offs;
	d->nofficers = NOFF;
	d->xtags = xtags;
	d->n_xtags = 1;
	d->xorgs = xorgs;
	d->n_xorgs = 1;
	d->experts = exps;
	d->nexperts = 3;
	d->spec.task = "LYG-2026-JOINT-T";
	d->spec.rounding = DRAW_ROUND_CEIL;
	d->spec.team_size = 2;
	d->spec.slot_size = 2;
	d->spec.deadline_us = 1767225600000000LL;
	d->spec.beacons = beacons;
	d->spec.n_beacons = 1;
	d->spec.rules = rules;
	d->spec.n_rules = 3;
	d->spec.conflicts = conflicts;
	d->spec.n_conflicts = nconflicts;
	d->spec.team_agencies = team;
	d->spec.n_team_agencies = nteam;
}

static void r_of(uint8_t r[32], uint64_t i)
{
	uint8_t b[8];

	draw_wire_put_be64(b, i ^ 0x6a6f696e74ULL);
	crypto_hash_sha256(r, b, 8);
}

static int excluded(const struct draw_spec *s, enum draw_kind kind, const char *id)
{
	for (size_t i = 0; i < s->n_exclusions; i++)
		if (s->exclusions[i].kind == kind && strcmp(s->exclusions[i].id, id) == 0)
			return 1;
	return 0;
}

static int conflicted(const struct draw_spec *s, const char *obj, const char *person)
{
	for (size_t i = 0; i < s->n_conflicts; i++)
		if (s->conflicts[i].kind == DRAW_OFFICER &&
		    strcmp(s->conflicts[i].object, obj) == 0 &&
		    strcmp(s->conflicts[i].person, person) == 0)
			return 1;
	return 0;
}

/*
 * What a verifier holding the inputs and pools can check of a joint
 * result without the seed (spec 5.8): the team agencies are the inputs',
 * every object has team size officers of each, in list order, each one
 * of the pool, of that part's agency (R14), not excluded, qualified
 * (R13), without a declared conflict (R12), once per team (R11) and once
 * per slot unless repeats are allowed. Returns NULL when all hold, else
 * what failed, written into why.
 */
static const char *joint_violation(const struct tw *w, const struct draw_result *res, char *why,
                                   size_t cap)
{
	const struct draw_spec *s = draw_inputs_spec(w->in);
	size_t na = s->n_team_agencies;

	if (res->n_team_agencies != na || res->team_size != s->team_size) {
		snprintf(why, cap, "the result's team agencies or team size are not the inputs'");
		return why;
	}
	for (size_t g = 0; g < na; g++)
		if (strcmp(res->team_agencies[g], s->team_agencies[g]) != 0) {
			snprintf(why, cap, "team agency %zu is %s, not %s", g,
			         res->team_agencies[g], s->team_agencies[g]);
			return why;
		}
	for (size_t i = 0; i < res->n_picks; i++) {
		const struct draw_pick *p = &res->picks[i];
		const struct draw_rule *rule = &s->rules[p->stratum];

		if (p->n_officers != na * s->team_size) {
			snprintf(why, cap, "R11/R14: %s has %u officers, not %zu x %u", p->id,
			         p->n_officers, na, s->team_size);
			return why;
		}
		for (unsigned j = 0; j < p->n_officers; j++) {
			const char *f = p->officers[j];
			const char *want = s->team_agencies[j / s->team_size];
			long at = draw_people_find(w->f, f, strlen(f));

			if (at < 0) {
				snprintf(why, cap, "R2: %s serving %s is not an officer", f, p->id);
				return why;
			}
			if (strcmp(draw_people_agency(w->f, (size_t)at), want) != 0) {
				snprintf(why, cap, "R14: %s in %s's part of %s is of agency %s", f,
				         want, p->id, draw_people_agency(w->f, (size_t)at));
				return why;
			}
			if (excluded(s, DRAW_OFFICER, f)) {
				snprintf(why, cap, "excluded officer %s serves %s", f, p->id);
				return why;
			}
			if (conflicted(s, p->id, f)) {
				snprintf(why, cap,
				         "R12: %s declared a conflict with %s and serves it", f,
				         p->id);
				return why;
			}
			for (size_t t = 0; t < rule->n_officer_tags; t++) {
				int ti = draw_people_find_tag(w->f, rule->officer_tags[t],
				                              strlen(rule->officer_tags[t]));

				if (ti < 0 ||
				    !draw_people_has_tag(w->f, (size_t)at, (unsigned)ti)) {
					snprintf(why, cap, "R13: %s lacks tag %s for %s", f,
					         rule->officer_tags[t], p->id);
					return why;
				}
			}
			for (unsigned k = 0; k < j; k++)
				if (strcmp(p->officers[k], f) == 0) {
					snprintf(why, cap, "R11: %s twice in the team of %s", f,
					         p->id);
					return why;
				}
			for (size_t q = i - i % s->slot_size; !s->officer_repeat_in_slot && q < i;
			     q++)
				for (unsigned k = 0; k < res->picks[q].n_officers; k++)
					if (strcmp(res->picks[q].officers[k], f) == 0) {
						snprintf(why, cap, "%s twice in slot %u", f,
						         p->slot);
						return why;
					}
		}
		if (p->n_experts != rule->experts) {
			snprintf(why, cap, "R2: %s has %u experts, not %u", p->id, p->n_experts,
			         rule->experts);
			return why;
		}
	}
	return NULL;
}

/* 0 when the encodings of a and b are the same bytes. */
static int encodings_differ(const struct draw_result *a, const struct draw_result *b)
{
	uint8_t *x, *y;
	size_t xl, yl;

	if (draw_result_encode(&x, &xl, a) != SJ_OK)
		abort();
	if (draw_result_encode(&y, &yl, b) != SJ_OK)
		abort();
	int differ = xl != yl || memcmp(x, y, xl) != 0;

	free(x);
	free(y);
	return differ;
}

TEST(draw_joint_parts,
     "in a joint check every drawn object gets team size officers of each team agency, in list "
     "order, none with a declared conflict (R12), all qualified (R13), none twice in a slot, "
     "and officers of an agency outside the list are never drawn, across 300 seeds")
{
	static const char *const team[] = {"hb", "scjg"};
	static const struct draw_exclusion ex[] = {
	    {DRAW_OFFICER, "F003", DRAW_REASON_UNAVAILABLE, "on leave"},
	};
	struct tw_def d;
	struct tw w;
	char why[300];

	world(&d, team, 2);
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 1;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < 300; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, i);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		CHECK_INT(res->n_picks, ==, 2 + 3 + 2); /* ceil(10/5), 3, 2 */
		const char *bad = joint_violation(&w, res, why, sizeof why);

		for (size_t p = 0; bad == NULL && p < res->n_picks; p++)
			for (unsigned j = 0; j < res->picks[p].n_officers; j++) {
				long at = draw_people_find(w.f, res->picks[p].officers[j],
				                           strlen(res->picks[p].officers[j]));

				if (strcmp(draw_people_agency(w.f, (size_t)at), "wjw") == 0)
					bad = "an officer of wjw, not a team agency, was drawn";
			}
		draw_result_free(res);
		if (bad != NULL)
			harness_fail(__FILE__, __LINE__, bad);
		CHECK(bad == NULL);
	}
	tw_free(&w);
}

TEST(draw_joint_forgeries,
     "a joint result with an officer of another agency in a part, a conflicted officer, the "
     "parts swapped or the team agencies dropped fails the check and differs from the "
     "re-derived bytes")
{
	static const char *const team[] = {"hb", "scjg", "wjw"};
	struct tw_def d;
	struct tw w;
	struct draw_result *res, *again;
	uint8_t r[32];
	char why[300];
	const char *bad;

	world(&d, team, 3);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	r_of(r, 1);
	CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
	CHECK_INT(tw_derive(&w, &again, r), ==, SJ_OK);
	/* The genuine result passes and is what a replay derives. */
	CHECK(joint_violation(&w, res, why, sizeof why) == NULL);
	CHECK(!encodings_differ(res, again));

	struct draw_pick *p = &res->picks[0];
	const char *saved = p->officers[0];
	/* hb's first officer replaced by a scjg officer outside the team. */
	for (unsigned i = 1; i < NOFF; i += 3) {
		int used = 0;

		for (size_t q = 0; q < res->n_picks; q++)
			for (unsigned j = 0; j < res->picks[q].n_officers; j++)
				used |= strcmp(res->picks[q].officers[j], tw_officer_id(i)) == 0;
		if (!used) {
			p->officers[0] = tw_officer_id(i);
			break;
		}
	}
	CHECK(p->officers[0] != saved);
	bad = joint_violation(&w, res, why, sizeof why);
	CHECK_STR_HAS(bad, "R14");
	CHECK(encodings_differ(res, again));
	p->officers[0] = saved;

	/* An hb officer who declared a conflict with the object (R12): the
	 * world gives every object one; find an hb one, or use another
	 * object's. */
	const char *conf = NULL;
	size_t pi = 0;

	for (; conf == NULL && pi < res->n_picks; pi++)
		for (size_t c = 0; c < nconflicts; c++) {
			long at =
			    draw_people_find(w.f, conflicts[c].person, strlen(conflicts[c].person));

			if (strcmp(conflicts[c].object, res->picks[pi].id) == 0 &&
			    strcmp(draw_people_agency(w.f, (size_t)at), "hb") == 0) {
				conf = conflicts[c].person;
				break;
			}
		}
	CHECK(conf != NULL);
	p = &res->picks[pi - 1];
	saved = p->officers[0];
	p->officers[0] = conf;
	bad = joint_violation(&w, res, why, sizeof why);
	CHECK_STR_HAS(bad, "R12");
	CHECK(encodings_differ(res, again));
	p->officers[0] = saved;

	/* hb's part and scjg's part of one object swapped. */
	p = &res->picks[0];
	const char *tmp[2] = {p->officers[0], p->officers[1]};

	p->officers[0] = p->officers[2];
	p->officers[1] = p->officers[3];
	p->officers[2] = tmp[0];
	p->officers[3] = tmp[1];
	bad = joint_violation(&w, res, why, sizeof why);
	CHECK_STR_HAS(bad, "R14");
	CHECK(encodings_differ(res, again));
	p->officers[2] = p->officers[0];
	p->officers[3] = p->officers[1];
	p->officers[0] = tmp[0];
	p->officers[1] = tmp[1];
	CHECK(!encodings_differ(res, again));

	/* The team agencies dropped: the reader can no longer tell parts. */
	res->n_team_agencies = 0;
	bad = joint_violation(&w, res, why, sizeof why);
	CHECK(bad != NULL);
	CHECK(encodings_differ(res, again));
	res->n_team_agencies = 3;
	CHECK(!encodings_differ(res, again));
	draw_result_free(res);
	draw_result_free(again);
	tw_free(&w);
}

TEST(draw_joint_refused,
     "an infeasible joint check is refused before any randomness, naming the agency, the "
     "stratum and the shortage, where the same pool without the list passes; a team agency "
     "the pool lacks is refused by name")
{
	static const char *const team[] = {"hb", "scjg"};
	static const char *const ghost[] = {"hb", "zzj"};
	static struct draw_conflict cf[4];
	struct tw_def d;
	struct tw w;
	char err[512];

	/* C needs food officers: 6 per agency, so teams of 3 in slots of 2
	 * need 6 of each, and the whole pool has 18. */
	world(&d, team, 2);
	d.spec.team_size = 3;
	d.spec.n_conflicts = 0;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_OK);
	tw_free(&w);
	/* Without hb's F015 (excluded) hb has 5 food officers. */
	static const struct draw_exclusion ex[] = {
	    {DRAW_OFFICER, "F015", DRAW_REASON_UNAVAILABLE, ""}};
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 1;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_ERANGE);
	CHECK_STR_HAS(err, "R14");
	CHECK_STR_HAS(err, "stratum C has 5 officers of agency hb with tags food, needs 6");
	tw_free(&w);
	/* The same pool as one team from every agency passes: 17 >= 6. */
	d.spec.n_team_agencies = 0;
	d.spec.team_agencies = NULL;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_OK);
	tw_free(&w);

	/* Recusal per agency: object O00002 (stratum C) declares conflicts
	 * with scjg's F001 and F004, leaving scjg 4 of the 6 it needs. */
	world(&d, team, 2);
	d.spec.team_size = 3;
	cf[0] = (struct draw_conflict){DRAW_OFFICER, "O00002", "F001"};
	cf[1] = (struct draw_conflict){DRAW_OFFICER, "O00002", "F004"};
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 2;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_ERANGE);
	CHECK_STR_HAS(err, "R12/R14: object O00002 (stratum C) has 4 officers of agency scjg with "
	                   "tags food left after recusal, needs 6");
	tw_free(&w);

	/* A team agency that is not an agency of the officer pool. */
	world(&d, ghost, 2);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "team agency zzj is not an agency of the officer pool");
	uint8_t r[32] = {0};
	struct draw_result *res = NULL;

	CHECK_INT(tw_derive(&w, &res, r), ==, SJ_EINVAL);
	CHECK(res == NULL);
	tw_free(&w);
}

TEST(draw_joint_bound, "a joint pool exactly at the per-agency bound of spec 5.8 passes the check "
                       "and then staffs every part for 2000 seeds; one officer fewer is refused")
{
	static const char *const team[] = {"hb", "scjg", "wjw"};
	struct tw_def d;
	struct tw w;
	char err[512], why[300];

	/* Stratum C, food: 6 per agency, teams of 2 in slots of 3 need 6;
	 * every object of C conflicts with none. 7 objects are drawn, so a
	 * slot is full. */
	world(&d, team, 3);
	d.spec.slot_size = 3;
	d.spec.n_conflicts = 0;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_OK);
	for (uint64_t i = 0; i < 2000; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, 1000 + i);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		const char *bad = joint_violation(&w, res, why, sizeof why);

		draw_result_free(res);
		if (bad != NULL)
			harness_fail(__FILE__, __LINE__, bad);
		CHECK(bad == NULL);
	}
	tw_free(&w);
	/* wjw without F017 has 5 food officers. */
	static const struct draw_exclusion ex[] = {
	    {DRAW_OFFICER, "F017", DRAW_REASON_REPLACED, ""}};
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 1;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, err, sizeof err), ==, SJ_ERANGE);
	CHECK_STR_HAS(err, "stratum C has 5 officers of agency wjw with tags food, needs 6");
	tw_free(&w);
}

/* The flags byte's offset in an inputs encoding of the world's spec. */
static size_t flags_offset(const struct draw_spec *s)
{
	return 4 + 1 + 1 + strlen(s->task) + 3 * 32 + 1 + 1 + 1 + 2;
}

TEST(draw_joint_encoding,
     "team agencies are encoded only when present: without them the flags byte is 0 or 1 as "
     "before, with them bit 1 and the list follow; an unsorted, duplicated or oversized list, an "
     "empty list behind the flag and an unknown flag bit are refused")
{
	static const char *const team[] = {"hb", "scjg"};
	static const char *const unsorted[] = {"scjg", "hb"};
	static const char *const twice[] = {"hb", "hb"};
	static const char *many[DRAW_MAX_TEAM_AGENCIES + 1];
	struct tw_def d;
	struct tw w;
	uint8_t *b, *plain;
	size_t len, plain_len;
	char err[512];
	struct draw_inputs *in;

	world(&d, NULL, 0);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	const uint8_t *pb = draw_inputs_bytes(w.in, &plain_len);

	plain = malloc(plain_len);
	CHECK(plain != NULL);
	memcpy(plain, pb, plain_len);
	CHECK_INT(plain[flags_offset(&d.spec)], ==, 0);
	tw_free(&w);

	d.spec.team_agencies = team;
	d.spec.n_team_agencies = 2;
	CHECK_INT(draw_inputs_encode(&b, &len, &d.spec, err, sizeof err), ==, SJ_OK);
	size_t at = flags_offset(&d.spec);

	CHECK_INT(b[at], ==, 2);
	CHECK_INT(b[at + 1], ==, 2);
	CHECK_INT(b[at + 2], ==, 2);
	CHECK(memcmp(b + at + 3, "hb", 2) == 0);
	CHECK_INT(len, ==, plain_len + 1 + 3 + 5);
	/* Everything before and after the list is the plain encoding. */
	CHECK(memcmp(b, plain, at) == 0);
	CHECK(memcmp(b + at + 10, plain + at + 1, plain_len - at - 1) == 0);
	CHECK_INT(draw_inputs_decode(&in, b, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_inputs_spec(in)->n_team_agencies, ==, 2);
	CHECK(strcmp(draw_inputs_spec(in)->team_agencies[1], "scjg") == 0);
	draw_inputs_free(in);

	/* With repeats the flags are 3; decoding gives both back. */
	d.spec.officer_repeat_in_slot = 1;
	free(b);
	CHECK_INT(draw_inputs_encode(&b, &len, &d.spec, err, sizeof err), ==, SJ_OK);
	CHECK_INT(b[at], ==, 3);
	CHECK_INT(draw_inputs_decode(&in, b, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_inputs_spec(in)->officer_repeat_in_slot, ==, 1);
	CHECK_INT(draw_inputs_spec(in)->n_team_agencies, ==, 2);
	draw_inputs_free(in);

	/* Forgeries of the encoding: an unknown flag bit; the flag with an
	 * empty list; the flag cleared while the list stays. */
	b[at] = 3 | 4;
	CHECK_INT(draw_inputs_decode(&in, b, len, err, sizeof err), ==, SJ_EINVAL);
	b[at] = 1;
	CHECK_INT(draw_inputs_decode(&in, b, len, err, sizeof err), ==, SJ_EINVAL);
	free(b);
	b = malloc(plain_len + 1);
	CHECK(b != NULL);
	memcpy(b, plain, at);
	b[at] = 2;
	b[at + 1] = 0;
	memcpy(b + at + 2, plain + at + 1, plain_len - at - 1);
	CHECK_INT(draw_inputs_decode(&in, b, plain_len + 1, err, sizeof err), ==, SJ_EINVAL);
	free(b);

	/* Lists the encoder refuses, naming the problem. */
	d.spec.team_agencies = unsorted;
	CHECK_INT(draw_inputs_encode(&b, &len, &d.spec, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "team agency hb is not after scjg");
	d.spec.team_agencies = twice;
	CHECK_INT(draw_inputs_encode(&b, &len, &d.spec, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "no duplicates; R14");
	for (unsigned i = 0; i <= DRAW_MAX_TEAM_AGENCIES; i++)
		many[i] = tw_obj_id(i);
	d.spec.team_agencies = many;
	d.spec.n_team_agencies = DRAW_MAX_TEAM_AGENCIES + 1;
	CHECK_INT(draw_inputs_encode(&b, &len, &d.spec, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "1..15 team agencies");
	d.spec.n_team_agencies = DRAW_MAX_TEAM_AGENCIES;
	CHECK_INT(draw_inputs_encode(&b, &len, &d.spec, err, sizeof err), ==, SJ_OK);
	free(b);
	free(plain);
}

TEST(draw_joint_separated,
     "each agency's part comes from its own stream: under one R an agency's parts are the same "
     "whichever other agencies join, and a one-agency list draws other teams than the plain "
     "draw over the same officers")
{
	static const char *const two[] = {"hb", "scjg"};
	static const char *const three[] = {"hb", "scjg", "wjw"};
	static const char *const only_hb[] = {"hb"};
	struct tw_def d;
	struct tw w2, w3;
	unsigned same_plain = 0, teams = 0;

	world(&d, two, 2);
	CHECK_INT(tw_build(&w2, &d), ==, SJ_OK);
	world(&d, three, 3);
	CHECK_INT(tw_build(&w3, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < 50; i++) {
		struct draw_result *a, *b;
		uint8_t r[32];

		r_of(r, 5000 + i);
		CHECK_INT(tw_derive(&w2, &a, r), ==, SJ_OK);
		CHECK_INT(tw_derive(&w3, &b, r), ==, SJ_OK);
		CHECK_INT(a->n_picks, ==, b->n_picks);
		for (size_t p = 0; p < a->n_picks; p++) {
			CHECK(strcmp(a->picks[p].id, b->picks[p].id) == 0);
			for (unsigned j = 0; j < 4; j++)
				CHECK(strcmp(a->picks[p].officers[j], b->picks[p].officers[j]) ==
				      0);
		}
		draw_result_free(a);
		draw_result_free(b);
	}
	tw_free(&w2);
	tw_free(&w3);

	/* Only hb's nine officers in the pool: the plain draw and the draw
	 * with the list {hb} have the same candidates and other streams. */
	world(&d, NULL, 0);
	d.nofficers = 0;
	static struct tw_person hb[9];

	for (unsigned i = 0; i < 9; i++) {
		hb[i] = offs[3 * i];
		hb[i].agency = 0;
	}
	d.officers = hb;
	d.nofficers = 9;
	d.spec.n_conflicts = 0;
	d.spec.slot_size = 1;
	CHECK_INT(tw_build(&w2, &d), ==, SJ_OK);
	d.spec.team_agencies = only_hb;
	d.spec.n_team_agencies = 1;
	CHECK_INT(tw_build(&w3, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < 50; i++) {
		struct draw_result *a, *b;
		uint8_t r[32];

		r_of(r, 9000 + i);
		CHECK_INT(tw_derive(&w2, &a, r), ==, SJ_OK);
		CHECK_INT(tw_derive(&w3, &b, r), ==, SJ_OK);
		for (size_t p = 0; p < a->n_picks; p++, teams++)
			same_plain +=
			    strcmp(a->picks[p].officers[0], b->picks[p].officers[0]) == 0 &&
			    strcmp(a->picks[p].officers[1], b->picks[p].officers[1]) == 0;
		draw_result_free(a);
		draw_result_free(b);
	}
	/* Independent streams agree on an ordered pair of 9 (or 6 food
	 * officers) with probability at most 1/30; 350 teams. */
	CHECK_INT(same_plain, <, teams / 10);
	tw_free(&w2);
	tw_free(&w3);
}

/* ---- A statistical sanity check -------------------------------------- */

#define JDRAWS 30000

/* Square root by Newton's method: the test binary does not link libm. */
static double root(double v)
{
	double x = v > 1 ? v : 1;

	for (int i = 0; i < 60; i++)
		x = 0.5 * (x + v / x);
	return x;
}

/* Chi-square critical value at p = 0.001 (Wilson-Hilferty). */
static double chi2_crit(double df)
{
	double a = 2.0 / (9.0 * df), c = 1.0 - a + 3.0902 * root(a);

	return df * c * c * c;
}

static double chi2_uniform(const long *count, size_t cells)
{
	double total = 0, x = 0;

	for (size_t i = 0; i < cells; i++)
		total += (double)count[i];
	double e = total / (double)cells;

	for (size_t i = 0; i < cells; i++)
		x += ((double)count[i] - e) * ((double)count[i] - e) / e;
	return x;
}

TEST(draw_joint_uniform,
     "over 30,000 joint draws each agency's first officer is uniform over that agency's "
     "officers, and the pair of first officers of two agencies is uniform over all pairs, so "
     "the parts are drawn independently (chi-square, p = 0.001)")
{
	static const char *const team[] = {"hb", "scjg"};
	static const char *const one[] = {"A"};
	static struct draw_rule rule[] = {{.stratum = "A", .kind = DRAW_RULE_COUNT, .num = 1}};
	static struct tw_obj o[3];
	static struct tw_person f[12];
	static const char *const two_agencies[] = {"hb", "scjg"};
	long first[2][6] = {{0}}, pair[36] = {0};
	struct tw_def d = {0};
	struct tw w;

	if (sodium_init() < 0)
		abort();
	for (unsigned i = 0; i < 3; i++)
		o[i] = (struct tw_obj){tw_obj_id(i), 0};
	for (unsigned i = 0; i < 12; i++)
		f[i] = (struct tw_person){tw_officer_id(i), i % 2, 0, {0}};
	d.strata = one;
	d.nstrata = 1;
	d.objects = o;
	d.nobjects = 3;
	d.agencies = two_agencies;
	d.nagencies = 2;
	d.officers = f;
	d.nofficers = 12;
	d.spec.task = "joint-stats";
	d.spec.rounding = DRAW_ROUND_CEIL;
	d.spec.team_size = 2;
	d.spec.slot_size = 1;
	d.spec.deadline_us = 1;
	d.spec.beacons = beacons;
	d.spec.n_beacons = 1;
	d.spec.rules = rule;
	d.spec.n_rules = 1;
	d.spec.team_agencies = team;
	d.spec.n_team_agencies = 2;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < JDRAWS; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, 100000 + i);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		/* F<n>: agency n % 2, place n / 2 within it. */
		unsigned h = (unsigned)atoi(res->picks[0].officers[0] + 1),
		         s = (unsigned)atoi(res->picks[0].officers[2] + 1);

		draw_result_free(res);
		CHECK_INT(h % 2, ==, 0);
		CHECK_INT(s % 2, ==, 1);
		first[0][h / 2]++;
		first[1][s / 2]++;
		pair[(h / 2) * 6 + s / 2]++;
	}
	tw_free(&w);
	double xh = chi2_uniform(first[0], 6), xs = chi2_uniform(first[1], 6),
	       xp = chi2_uniform(pair, 36);

	printf("    chi2 first hb %.2f, first scjg %.2f (crit %.2f), pairs %.2f (crit %.2f)\n", xh,
	       xs, chi2_crit(5), xp, chi2_crit(35));
	CHECK(xh < chi2_crit(5));
	CHECK(xs < chi2_crit(5));
	CHECK(xp < chi2_crit(35));
	/* The twin: a tally skewed by 2% toward one officer fails the test. */
	first[0][0] += JDRAWS / 50;
	CHECK(chi2_uniform(first[0], 6) >= chi2_crit(5));
}

/* ---- The operator's spec file (wire/drawspec.c) --------------------- */

static int manual_source(void *ctx, const char *id, const struct beacon_chain **chain, int *manual,
                         int64_t *margin_us)
{
	(void)ctx;
	*chain = NULL;
	*manual = 1;
	*margin_us = 0;
	return strcmp(id, "lyg-public") == 0 ? SJ_OK : SJ_ENOENT;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[800];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, text, strlen(text), 0644);
}

static const char *joint_spec =
    "{\"request_id\": \"joint-1\", \"agency\": \"scjg\", \"task\": \"LYG-JOINT-9\","
    " \"objects\": \"o.csv\", \"officers\": \"f.csv\", \"team_size\": 2, %s"
    " \"beacons\": [{\"source\": \"lyg-public\", \"round\": 5}],"
    " \"rules\": [{\"stratum\": \"A\", \"count\": 2}]}";

static int load_spec(struct drawspec *sp, const char *agencies_field, char *err, size_t cap)
{
	char text[1024], path[800];
	const char *dir = harness_tmpdir();

	snprintf(text, sizeof text, joint_spec, agencies_field);
	if (write_file(dir, "o.csv", "id,stratum\nO1,A\nO2,A\nO3,A\n") ||
	    write_file(dir, "f.csv",
	               "id,agency,tags\nF1,scjg,\nF2,hb,\nF3,scjg,\nF4,hb,\nF5,scjg,\nF6,hb,\n"
	               "F7,scjg,\nF8,hb,\nF9,wjw,\n") ||
	    write_file(dir, "spec.json", text))
		return SJ_EIO;
	snprintf(path, sizeof path, "%s/spec.json", dir);
	return drawspec_load(sp, path, manual_source, NULL, 1767225600000000LL, err, cap);
}

TEST(draw_joint_spec_file,
     "an operator's spec with \"team_agencies\" in any order becomes inputs with the sorted list, "
     "which pass the check and draw per-agency parts; a spec without it is a plain draw, and a "
     "malformed or infeasible list is refused naming it")
{
	struct drawspec sp;
	struct draw_inputs *in;
	struct draw_objects *o;
	struct draw_people *f, *x;
	char err[512];

	if (sodium_init() < 0)
		abort();
	CHECK_INT(load_spec(&sp, "\"team_agencies\": [\"scjg\", \"hb\"],", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(draw_inputs_decode(&in, sp.inputs, sp.inputs_len, err, sizeof err), ==, SJ_OK);
	const struct draw_spec *s = draw_inputs_spec(in);

	CHECK_INT(s->n_team_agencies, ==, 2);
	CHECK(strcmp(s->team_agencies[0], "hb") == 0 && strcmp(s->team_agencies[1], "scjg") == 0);
	CHECK_INT(draw_objects_decode(&o, sp.objects, sp.objects_len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_people_decode(&f, sp.officers, sp.officers_len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_people_decode(&x, sp.experts, sp.experts_len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_derive_check(in, o, f, x, err, sizeof err), ==, SJ_OK);
	uint8_t r[32] = {7};
	struct draw_result *res;

	CHECK_INT(draw_derive_run(&res, in, o, f, x, r, err, sizeof err), ==, SJ_OK);
	CHECK_INT(res->n_picks, ==, 2);
	for (size_t p = 0; p < res->n_picks; p++) {
		CHECK_INT(res->picks[p].n_officers, ==, 4);
		for (unsigned j = 0; j < 4; j++) {
			long at = draw_people_find(f, res->picks[p].officers[j],
			                           strlen(res->picks[p].officers[j]));

			CHECK(at >= 0);
			CHECK(strcmp(draw_people_agency(f, (size_t)at), j < 2 ? "hb" : "scjg") ==
			      0);
		}
	}
	draw_result_free(res);
	draw_inputs_free(in);
	drawspec_fini(&sp);

	/* Without the key: the plain draw, flags byte 0, no list. */
	CHECK_INT(load_spec(&sp, "", err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_inputs_decode(&in, sp.inputs, sp.inputs_len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_inputs_spec(in)->n_team_agencies, ==, 0);
	CHECK_INT(draw_derive_run(&res, in, o, f, x, r, err, sizeof err), ==, SJ_OK);
	CHECK_INT(res->picks[0].n_officers, ==, 2);
	CHECK_INT(res->n_team_agencies, ==, 0);
	draw_result_free(res);
	draw_inputs_free(in);
	drawspec_fini(&sp);

	/* Refusals, each naming the field. */
	CHECK_INT(load_spec(&sp, "\"team_agencies\": [],", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "\"team_agencies\" must list 1..15 agency codes (R14)");
	CHECK_INT(load_spec(&sp, "\"team_agencies\": \"hb\",", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "\"team_agencies\"");
	CHECK_INT(load_spec(&sp, "\"team_agencies\": [\"hb\", 3],", err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(err, "\"team_agencies\" must be a list of agency codes");
	CHECK_INT(load_spec(&sp, "\"team_agencies\": [\"hb\", \"hb\"],", err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(err, "team agency hb is not after hb");
	/* wjw has one officer: the reader accepts the list, the check
	 * refuses it naming the agency, as the daemon does before a seed. */
	CHECK_INT(load_spec(&sp, "\"team_agencies\": [\"wjw\", \"hb\"],", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(draw_inputs_decode(&in, sp.inputs, sp.inputs_len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draw_derive_check(in, o, f, x, err, sizeof err), ==, SJ_ERANGE);
	CHECK_STR_HAS(err, "stratum A has 1 officers of agency wjw with tags (any), needs 2");
	draw_inputs_free(in);
	drawspec_fini(&sp);
	draw_objects_free(o);
	draw_people_free(f);
	draw_people_free(x);
}
