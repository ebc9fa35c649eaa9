/*
 * test_draw.c: the draw library (draw/): commitment and randomness, the
 * canonical encodings, the feasibility check, the derivation and its
 * properties, each positive check with a forgery or negative twin. Rule
 * numbers are those of DOMAIN.md; section numbers those of
 * docs/draw-spec.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draw/wire.h"
#include "tests/harness.h"
#include "tests/test_draw.h"

/* Like CHECK, for helpers that return int: 0 when all held, -1 after
 * reporting the first failure. */
#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			char m_[600];                                                              \
			snprintf(m_, sizeof m_, __VA_ARGS__);                                      \
			harness_fail(__FILE__, __LINE__, m_);                                      \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

/* The base world: 40 objects in credit-risk strata A..D (R7), 12 officers
 * of two agencies, the even ones also tagged "food" (R13), 4 experts. */
static const char *const strata[] = {"A", "B", "C", "D"};
static const char *const otags[] = {"food", "general"};
static const char *const agencies[] = {"hb", "scjg"};
static const char *const xtags[] = {"lab"};
static const char *const food[] = {"food"};
static const char *const lab[] = {"lab"};
static struct tw_obj objs[40];
static struct tw_person offs[12], exps[4];
static const struct draw_beacon_ref beacons[] = {{"drand-quicknet", 1000}};
static struct draw_rule rules[4];

static void base_def(struct tw_def *d)
{
	static const char *const xids[] = {"X1", "X2", "X3", "X4"};

	if (sodium_init() < 0)
		abort();
	for (unsigned i = 0; i < 40; i++)
		objs[i] = (struct tw_obj){tw_obj_id(i), i % 4};
	for (unsigned i = 0; i < 12; i++) {
		offs[i] = (struct tw_person){tw_officer_id(i), i % 2, 0, {0}};
		if (i % 2 == 0)
			offs[i].tags[offs[i].ntags++] = 0;
		offs[i].tags[offs[i].ntags++] = 1;
	}
	for (unsigned i = 0; i < 4; i++)
		exps[i] = (struct tw_person){xids[i], 0, 1, {0}};
	rules[0] = (struct draw_rule){.stratum = "A", .kind = DRAW_RULE_RATIO, .num = 1, .den = 10};
	rules[1] = (struct draw_rule){.stratum = "B", .kind = DRAW_RULE_RATIO, .num = 1, .den = 5};
	rules[2] = (struct draw_rule){.stratum = "C", .kind = DRAW_RULE_COUNT, .num = 3};
	rules[3] = (struct draw_rule){.stratum = "D",
	                              .kind = DRAW_RULE_RATIO,
	                              .num = 1,
	                              .den = 2,
	                              .officer_tags = food,
	                              .n_officer_tags = 1,
	                              .experts = 1,
	                              .expert_tags = lab,
	                              .n_expert_tags = 1};
	memset(d, 0, sizeof *d);
	d->strata = strata;
	d->nstrata = 4;
	d->objects = objs;
	d->nobjects = 40;
	d->otags = otags;
	d->n_otags = 2;
	d->agencies = agencies;
	d->nagencies = 2;
	d->officers = offs;
	d->nofficers = 12;
	d->xtags = xtags;
	d->n_xtags = 1;
	d->experts = exps;
	d->nexperts = 4;
	d->spec.task = "2026-scjg-007";
	d->spec.rounding = DRAW_ROUND_CEIL;
	d->spec.team_size = 2;
	d->spec.slot_size = 2;
	d->spec.deadline_us = 1767225600000000LL;
	d->spec.beacons = beacons;
	d->spec.n_beacons = 1;
	d->spec.rules = rules;
	d->spec.n_rules = 4;
}

static void r_of(uint8_t r[32], uint64_t i)
{
	uint8_t b[8];

	draw_wire_put_be64(b, i);
	crypto_hash_sha256(r, b, 8);
}

static int is_excluded(const struct draw_spec *s, enum draw_kind kind, const char *id)
{
	for (size_t i = 0; i < s->n_exclusions; i++)
		if (s->exclusions[i].kind == kind && strcmp(s->exclusions[i].id, id) == 0)
			return 1;
	return 0;
}

static int in_conflict(const struct draw_spec *s, enum draw_kind kind, const char *obj,
                       const char *person)
{
	for (size_t i = 0; i < s->n_conflicts; i++)
		if (s->conflicts[i].kind == kind && strcmp(s->conflicts[i].object, obj) == 0 &&
		    strcmp(s->conflicts[i].person, person) == 0)
			return 1;
	return 0;
}

static int has_tags(const struct draw_people *p, const char *id, const char *const *tags, size_t n)
{
	long i = draw_people_find(p, id, strlen(id));

	for (size_t t = 0; t < n; t++) {
		int ti = draw_people_find_tag(p, tags[t], strlen(tags[t]));

		if (i < 0 || ti < 0 || !draw_people_has_tag(p, (size_t)i, (unsigned)ti))
			return 0;
	}
	return i >= 0;
}

/*
 * Checks every promise of spec section 5 by brute force against the world:
 * per stratum the drawn objects are exactly the k smallest (score, id) of
 * the eligible ones (R6, R7); the visit order is by (order, id) (R8); every
 * team has team size distinct, qualified, unconflicted, non-excluded
 * officers (R11-R13) and no officer twice in a slot unless allowed; the
 * experts likewise (R2), from the expert pool.
 */
static int check_result(const struct tw *w, const struct draw_result *res)
{
	const struct draw_spec *s = draw_inputs_spec(w->in);
	const uint8_t *r = res->randomness;
	size_t cur = 0, off, len;
	const char *id;
	unsigned st;

	EXPECT(res->n_strata == draw_objects_nstrata(w->o), "strata count");
	for (size_t i = 0; i < res->n_picks; i++) {
		const struct draw_pick *p = &res->picks[i];

		EXPECT(p->score == draw_derive_score(r, p->id), "score of %s", p->id);
		EXPECT(p->order == draw_derive_order(r, p->id), "order of %s", p->id);
		EXPECT(p->slot == i / s->slot_size, "slot of %s", p->id);
		if (i > 0) {
			const struct draw_pick *q = &res->picks[i - 1];

			EXPECT(q->order < p->order ||
			           (q->order == p->order && strcmp(q->id, p->id) < 0),
			       "visit order at %zu (R8)", i);
		}
		EXPECT(p->n_officers == s->team_size, "team size of %s (R11)", p->id);
		for (unsigned j = 0; j < p->n_officers; j++) {
			const char *f = p->officers[j];

			EXPECT(!is_excluded(s, DRAW_OFFICER, f), "excluded officer %s serves", f);
			EXPECT(!in_conflict(s, DRAW_OFFICER, p->id, f), "R12: %s serves %s", f,
			       p->id);
			EXPECT(has_tags(w->f, f, s->rules[p->stratum].officer_tags,
			                s->rules[p->stratum].n_officer_tags),
			       "R13: %s unqualified for %s", f, p->id);
			for (unsigned k = 0; k < j; k++)
				EXPECT(strcmp(p->officers[k], f) != 0, "R11: %s twice in a team",
				       f);
			for (size_t q = i - i % s->slot_size; !s->officer_repeat_in_slot && q < i;
			     q++)
				for (unsigned k = 0; k < res->picks[q].n_officers; k++)
					EXPECT(strcmp(res->picks[q].officers[k], f) != 0,
					       "officer %s twice in slot %u", f, p->slot);
		}
		EXPECT(p->n_experts == s->rules[p->stratum].experts, "experts of %s", p->id);
		for (unsigned j = 0; j < p->n_experts; j++) {
			const char *x = p->experts[j];

			EXPECT(draw_people_find(w->x, x, strlen(x)) >= 0,
			       "R2: expert %s not an expert", x);
			EXPECT(draw_people_find(w->f, x, strlen(x)) < 0,
			       "R2: expert %s is an officer", x);
			EXPECT(!is_excluded(s, DRAW_EXPERT, x), "excluded expert %s", x);
			EXPECT(!in_conflict(s, DRAW_EXPERT, p->id, x), "R12: expert %s", x);
			EXPECT(has_tags(w->x, x, s->rules[p->stratum].expert_tags,
			                s->rules[p->stratum].n_expert_tags),
			       "R13: expert %s", x);
			for (unsigned k = 0; k < j; k++)
				EXPECT(strcmp(p->experts[k], x) != 0, "expert %s twice", x);
		}
	}
	/* Selection by brute force: an eligible object is drawn iff fewer
	 * than k eligible objects of its stratum come before it. */
	while (draw_objects_next(w->o, &cur, &id, &len, &st, &off)) {
		char name[DRAW_MAX_ID + 1];
		uint64_t sc;
		int drawn = 0;

		memcpy(name, id, len);
		name[len] = '\0';
		for (size_t i = 0; i < res->n_picks; i++)
			drawn |= strcmp(res->picks[i].id, name) == 0;
		if (is_excluded(s, DRAW_OBJECT, name)) {
			EXPECT(!drawn, "excluded object %s drawn", name);
			continue;
		}
		size_t before = 0, c2 = 0, off2, len2;
		const char *id2;
		unsigned st2;

		sc = draw_derive_score(r, name);
		while (draw_objects_next(w->o, &c2, &id2, &len2, &st2, &off2)) {
			char n2[DRAW_MAX_ID + 1];

			memcpy(n2, id2, len2);
			n2[len2] = '\0';
			if (st2 != st || is_excluded(s, DRAW_OBJECT, n2))
				continue;
			uint64_t s2 = draw_derive_score(r, n2);

			before += s2 < sc || (s2 == sc && strcmp(n2, name) < 0);
		}
		EXPECT(drawn == (before < res->strata[st].k),
		       "R7: object %s drawn=%d, %zu before it, k=%u", name, drawn, before,
		       res->strata[st].k);
		uint64_t sc2;

		EXPECT(draw_derive_selected(&sc2, r, name, res->strata[st].cutoff_score,
		                            res->strata[st].cutoff_id) == drawn &&
		           sc2 == sc,
		       "a business's own check disagrees for %s", name);
	}
	return 0;
}

TEST(draw_commitment, "a seed opens its own commitment, and a seed differing in any bit does not")
{
	uint8_t seed[32], c[32];

	if (sodium_init() < 0)
		abort();
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	draw_derive_commitment(c, seed);
	CHECK_INT(draw_derive_check_seed(c, seed), ==, SJ_OK);
	for (int bit = 0; bit < 256; bit++) {
		seed[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		CHECK_INT(draw_derive_check_seed(c, seed), ==, SJ_EVERIFY);
		seed[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
}

TEST(draw_randomness_binds, "R changes with every byte of the seed, the entry hash and every "
                            "beacon value, and binds the inputs hash")
{
	struct tw_def d;
	struct tw w, w2;
	uint8_t seed[32] = {1}, eh[32] = {2}, v1[48], v2[32], r0[32], r[32];
	static const struct draw_beacon_ref two[] = {{"drand-quicknet", 1000}, {"nist", 7}};
	struct draw_beacon_value vals[2] = {{v1, sizeof v1}, {v2, sizeof v2}};

	base_def(&d);
	d.spec.beacons = two;
	d.spec.n_beacons = 2;
	memset(v1, 3, sizeof v1);
	memset(v2, 4, sizeof v2);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_randomness(r0, seed, eh, w.in, vals, 2, NULL, 0), ==, SJ_OK);
	uint8_t *bufs[] = {seed, eh, v1, v2};
	size_t lens[] = {32, 32, sizeof v1, sizeof v2};

	for (int b = 0; b < 4; b++)
		for (size_t i = 0; i < lens[b]; i++) {
			bufs[b][i] ^= 0x80;
			CHECK_INT(draw_derive_randomness(r, seed, eh, w.in, vals, 2, NULL, 0), ==,
			          SJ_OK);
			CHECK(memcmp(r, r0, 32) != 0);
			bufs[b][i] ^= 0x80;
		}
	/* The beacon values must be the ones named, in number and form. */
	CHECK_INT(draw_derive_randomness(r, seed, eh, w.in, vals, 1, w.err, sizeof w.err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(w.err, "2 beacon rounds");
	vals[1].len = 0;
	CHECK_INT(draw_derive_randomness(r, seed, eh, w.in, vals, 2, NULL, 0), ==, SJ_EINVAL);
	vals[1].len = sizeof v2;
	/* The same seed and beacons under other inputs give another R. */
	d.spec.deadline_us++;
	CHECK_INT(tw_build(&w2, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_randomness(r, seed, eh, w2.in, vals, 2, NULL, 0), ==, SJ_OK);
	CHECK(memcmp(r, r0, 32) != 0);
	/* Swapping the two beacon values changes R: the order is committed. */
	struct draw_beacon_value swapped[2] = {vals[1], vals[0]};

	CHECK_INT(draw_derive_randomness(r, seed, eh, w.in, swapped, 2, NULL, 0), ==, SJ_OK);
	CHECK(memcmp(r, r0, 32) != 0);
	tw_free(&w);
	tw_free(&w2);
}

/* The inputs hash of d, or all zero when it does not build. */
static void hash_of(uint8_t out[32], struct tw_def *d)
{
	struct tw w;

	memset(out, 0, 32);
	if (tw_build(&w, d) != SJ_OK)
		return;
	memcpy(out, draw_inputs_hash(w.in), 32);
	tw_free(&w);
}

TEST(draw_inputs_hash_binds,
     "changing any committed input (pool member, task, parameter, beacon round, rule, exclusion, "
     "conflict, substitution) changes the inputs hash")
{
	struct tw_def d;
	uint8_t h0[32], h[32], zero[32] = {0};
	static const struct draw_exclusion ex[] = {
	    {DRAW_OBJECT, "O00001", DRAW_REASON_ANNUAL_CAP, ""}};
	static const struct draw_conflict cf[] = {{DRAW_OFFICER, "O00002", "F001"}};
	static const struct draw_beacon_ref b2[] = {{"drand-quicknet", 1001}};
	static const struct draw_beacon_ref b3[] = {{"drand-mainnet", 1000}};
	int changes = 0;

	base_def(&d);
	hash_of(h0, &d);
	CHECK(memcmp(h0, zero, 32) != 0);
	for (int m = 0; m < 17; m++) {
		base_def(&d);
		switch (m) {
		case 0: d.spec.task = "2026-scjg-008"; break;
		case 1: d.spec.rounding = DRAW_ROUND_FLOOR; break;
		case 2: d.spec.team_size = 3; break;
		case 3: d.spec.slot_size = 3; break;
		case 4: d.spec.officer_repeat_in_slot = 1; break;
		case 5: d.spec.deadline_us++; break;
		case 6: d.spec.beacons = b2; break;
		case 7: d.spec.beacons = b3; break;
		case 8: rules[0].num = 2; break;
		case 9:
			rules[2].kind = DRAW_RULE_RATIO;
			rules[2].den = 10;
			break;
		case 10: rules[3].experts = 2; break;
		case 11:
			d.spec.exclusions = ex;
			d.spec.n_exclusions = 1;
			break;
		case 12:
			d.spec.conflicts = cf;
			d.spec.n_conflicts = 1;
			break;
		case 13:
			d.spec.replaces = 1;
			d.spec.replace_reason = "officer ill";
			break;
		case 14: objs[5].stratum = 2; break;
		case 15: objs[5].id = "O00005x"; break;
		case 16: offs[3].agency = 0; break;
		}
		hash_of(h, &d);
		CHECK(memcmp(h, zero, 32) != 0);
		CHECK(memcmp(h, h0, 32) != 0);
		changes++;
	}
	CHECK_INT(changes, ==, 17);
	/* The twin: the same inputs built again give the same hash. */
	base_def(&d);
	hash_of(h, &d);
	CHECK_MEM(h, h0, 32);
}

TEST(draw_inputs_roundtrip, "the inputs encoding round-trips exactly, and every truncation, "
                            "extension or non-canonical byte is refused")
{
	struct tw_def d;
	struct tw w;
	static const struct draw_exclusion ex[] = {
	    {DRAW_OBJECT, "O00001", DRAW_REASON_ANNUAL_CAP, ""},
	    {DRAW_OFFICER, "F003", DRAW_REASON_OTHER, "seconded to the city"},
	};
	static const struct draw_conflict cf[] = {{DRAW_OFFICER, "O00002", "F001"},
	                                          {DRAW_EXPERT, "O00003", "X1"}};
	uint8_t *again, *bad;
	size_t len, alen;
	struct draw_inputs *in;

	base_def(&d);
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 2;
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 2;
	d.spec.replaces = 1;
	d.spec.replace_reason = "原抽取人员回避";
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	const uint8_t *b = draw_inputs_bytes(w.in, &len);

	CHECK_INT(draw_inputs_encode(&again, &alen, draw_inputs_spec(w.in), NULL, 0), ==, SJ_OK);
	CHECK_INT(alen, ==, len);
	CHECK_MEM(again, b, len);
	free(again);
	for (size_t cut = 0; cut < len; cut++)
		CHECK_INT(draw_inputs_decode(&in, b, cut, NULL, 0), ==, SJ_EINVAL);
	bad = malloc(len + 1);
	CHECK(bad != NULL);
	memcpy(bad, b, len);
	bad[len] = 0;
	CHECK_INT(draw_inputs_decode(&in, bad, len + 1, w.err, sizeof w.err), ==, SJ_EINVAL);
	/* Every single-byte change is refused or gives another hash. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, b, len);
		bad[i] ^= 0x01;
		if (draw_inputs_decode(&in, bad, len, NULL, 0) == SJ_OK) {
			CHECK(memcmp(draw_inputs_hash(in), draw_inputs_hash(w.in), 32) != 0);
			draw_inputs_free(in);
		}
	}
	free(bad);
	CHECK_INT(draw_inputs_decode(&in, b, DRAW_MAX_INPUTS_BYTES + 1, NULL, 0), ==, SJ_ERANGE);
	tw_free(&w);
}

TEST(draw_pools_roundtrip, "object and people pools decode from their own bytes to the same hash, "
                           "and a pool with a truncated or reordered member is refused")
{
	struct tw_def d;
	struct tw w;
	struct draw_objects *o;
	struct draw_people *p;
	size_t len;

	base_def(&d);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	const uint8_t *b = draw_objects_bytes(w.o, &len);

	CHECK_INT(draw_objects_decode(&o, b, len, NULL, 0), ==, SJ_OK);
	CHECK_MEM(draw_objects_hash(o), draw_objects_hash(w.o), 32);
	CHECK_INT(draw_objects_count(o), ==, 40);
	draw_objects_free(o);
	for (size_t cut = 0; cut < len; cut++)
		CHECK_INT(draw_objects_decode(&o, b, cut, NULL, 0), ==, SJ_EINVAL);
	/* Swap the last byte of two neighbouring ids: O00000 after O00001. */
	uint8_t *bad = malloc(len);

	CHECK(bad != NULL);
	memcpy(bad, b, len);
	size_t first = len - 40 * 8;

	bad[first + 6] = '1';
	bad[first + 8 + 6] = '0';
	CHECK_INT(draw_objects_decode(&o, bad, len, w.err, sizeof w.err), ==, SJ_EINVAL);
	CHECK_STR_HAS(w.err, "out of order");
	free(bad);

	b = draw_people_bytes(w.f, &len);
	CHECK_INT(draw_people_decode(&p, b, len, NULL, 0), ==, SJ_OK);
	CHECK_MEM(draw_people_hash(p), draw_people_hash(w.f), 32);
	CHECK_INT(draw_people_count(p), ==, 12);
	CHECK(draw_people_has_tag(p, 0, 0) && !draw_people_has_tag(p, 1, 0));
	CHECK(strcmp(draw_people_agency(p, 1), "scjg") == 0);
	draw_people_free(p);
	for (size_t cut = 0; cut < len; cut++)
		CHECK_INT(draw_people_decode(&p, b, cut, NULL, 0), ==, SJ_EINVAL);
	/* An expert pool is not an officer pool, though it decodes. */
	b = draw_people_bytes(w.x, &len);
	CHECK_INT(draw_people_decode(&p, b, len, NULL, 0), ==, SJ_OK);
	CHECK_INT(draw_people_kind(p), ==, DRAW_EXPERT);
	CHECK(memcmp(draw_people_hash(p), draw_people_hash(w.f), 32) != 0);
	draw_people_free(p);
	tw_free(&w);
}

TEST(draw_derives_properties,
     "a derivation draws exactly the k smallest scores per stratum, orders them by order key and "
     "staffs them by R11-R13 and R2, across 300 seeds")
{
	struct tw_def d;
	struct tw w;
	static const struct draw_exclusion ex[] = {
	    {DRAW_OBJECT, "O00003", DRAW_REASON_DEREGISTERED, ""},
	    {DRAW_OBJECT, "O00007", DRAW_REASON_ANNUAL_CAP, ""},
	    {DRAW_OFFICER, "F005", DRAW_REASON_UNAVAILABLE, ""},
	};
	static const struct draw_conflict cf[] = {
	    {DRAW_OFFICER, "O00003", "F000"},
	    {DRAW_OFFICER, "O00011", "F002"},
	    {DRAW_OFFICER, "O00011", "F004"},
	    {DRAW_EXPERT, "O00015", "X2"},
	};

	base_def(&d);
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 3;
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 4;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < 300; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, i);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		CHECK_INT(res->strata[0].k, ==, 1); /* ceil(10/10) */
		CHECK_INT(res->strata[1].k, ==, 2); /* ceil(10/5) */
		CHECK_INT(res->strata[2].k, ==, 3); /* fixed */
		CHECK_INT(res->strata[3].n, ==, 8); /* O00003 and O00007 excluded */
		CHECK_INT(res->strata[3].k, ==, 4); /* ceil(8/2) */
		CHECK_INT(res->n_picks, ==, 10);
		int bad = check_result(&w, res);

		draw_result_free(res);
		CHECK(bad == 0);
	}
	tw_free(&w);
}

TEST(draw_deterministic,
     "the same inputs and R give byte-identical results, and another R gives another result")
{
	struct tw_def d;
	struct tw w;
	struct draw_result *a, *b, *c;
	uint8_t r[32], *ea, *eb, *ec;
	size_t la, lb, lc;

	base_def(&d);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	r_of(r, 42);
	CHECK_INT(tw_derive(&w, &a, r), ==, SJ_OK);
	CHECK_INT(tw_derive(&w, &b, r), ==, SJ_OK);
	r[31] ^= 1;
	CHECK_INT(tw_derive(&w, &c, r), ==, SJ_OK);
	CHECK_INT(draw_result_encode(&ea, &la, a), ==, SJ_OK);
	CHECK_INT(draw_result_encode(&eb, &lb, b), ==, SJ_OK);
	CHECK_INT(draw_result_encode(&ec, &lc, c), ==, SJ_OK);
	CHECK_INT(la, ==, lb);
	CHECK_MEM(ea, eb, la);
	CHECK(la != lc || memcmp(ea, ec, la) != 0);
	uint8_t ha[32], hc[32];

	draw_result_hash(ha, ea, la);
	draw_result_hash(hc, ec, lc);
	CHECK(memcmp(ha, hc, 32) != 0);
	free(ea);
	free(eb);
	free(ec);
	draw_result_free(a);
	draw_result_free(b);
	draw_result_free(c);
	tw_free(&w);
}

TEST(draw_business_check, "a business decides its own selection from R and the published cutoff, "
                          "and a forged cutoff or R gives it away")
{
	struct tw_def d;
	struct tw w;
	struct draw_result *res;
	uint8_t r[32];
	uint64_t sc;

	base_def(&d);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	r_of(r, 7);
	CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
	CHECK_INT(check_result(&w, res), ==, 0);
	const struct draw_stratum_result *s = &res->strata[2];

	/* The cutoff object is itself drawn... */
	CHECK_INT(draw_derive_selected(&sc, r, s->cutoff_id, s->cutoff_score, s->cutoff_id), ==, 1);
	CHECK(sc == s->cutoff_score);
	/* ...and a cutoff forged one lower excludes it: the business sees
	 * that its published score does not fit the published cutoff. */
	CHECK_INT(draw_derive_selected(&sc, r, s->cutoff_id, s->cutoff_score - 1, s->cutoff_id), ==,
	          0);
	/* Under another R the same object has another score. */
	r[0] ^= 1;
	CHECK(draw_derive_score(r, s->cutoff_id) != s->cutoff_score);
	/* A stratum that draws nothing publishes no cutoff: nobody is drawn. */
	CHECK_INT(draw_derive_selected(&sc, r, "O00001", UINT64_MAX, NULL), ==, 0);
	draw_result_free(res);
	tw_free(&w);
}

/* Drawn identifiers of stratum st, as a sorted list of pick indexes. */
static int drawn_in(const struct draw_result *res, unsigned st, const char *id)
{
	for (size_t i = 0; i < res->n_picks; i++)
		if (res->picks[i].stratum == st && strcmp(res->picks[i].id, id) == 0)
			return 1;
	return 0;
}

static size_t symdiff(const struct draw_result *a, const struct draw_result *b, unsigned st)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_picks; i++)
		n += a->picks[i].stratum == st && !drawn_in(b, st, a->picks[i].id);
	for (size_t i = 0; i < b->n_picks; i++)
		n += b->picks[i].stratum == st && !drawn_in(a, st, b->picks[i].id);
	return n;
}

TEST(draw_consistent_sampling, "adding or removing one object changes no other score and the drawn "
                               "set by at most the one object and the one it displaces")
{
	struct tw_def d;
	struct tw w0, w1;
	struct tw_obj more[41];

	for (uint64_t seed = 0; seed < 40; seed++) {
		struct draw_result *a, *b;
		uint8_t r[32];

		base_def(&d);
		CHECK_INT(tw_build(&w0, &d), ==, SJ_OK);
		/* Object "O00020a" joins stratum C (fixed count 3) between
		 * O00020 and O00021. */
		memcpy(more, objs, 21 * sizeof *more);
		more[21] = (struct tw_obj){"O00020a", 2};
		memcpy(more + 22, objs + 21, 19 * sizeof *more);
		d.objects = more;
		d.nobjects = 41;
		CHECK_INT(tw_build(&w1, &d), ==, SJ_OK);
		r_of(r, 1000 + seed);
		CHECK_INT(tw_derive(&w0, &a, r), ==, SJ_OK);
		CHECK_INT(tw_derive(&w1, &b, r), ==, SJ_OK);
		/* Scores depend on R and the identifier only. */
		for (size_t i = 0; i < a->n_picks; i++)
			CHECK(a->picks[i].score == draw_derive_score(r, a->picks[i].id));
		/* Other strata draw the very same objects. */
		for (unsigned st = 0; st < 4; st++)
			if (st != 2)
				CHECK_INT(symdiff(a, b, st), ==, 0);
		/* Stratum C: the same three, or the newcomer in place of the
		 * old cutoff. */
		size_t sd = symdiff(a, b, 2);

		CHECK(sd == 0 || sd == 2);
		CHECK(sd == 0 || drawn_in(b, 2, "O00020a"));
		CHECK(sd == 0 || !drawn_in(b, 2, a->strata[2].cutoff_id));
		/* Stratum D is a ratio: removing one of its objects moves k
		 * from ceil(10/2)=5 to ceil(9/2)=5, so again at most 2. */
		draw_result_free(a);
		draw_result_free(b);
		tw_free(&w1);
		d.objects = objs + 1; /* O00000 (stratum A) removed */
		d.nobjects = 39;
		CHECK_INT(tw_build(&w1, &d), ==, SJ_OK);
		CHECK_INT(tw_derive(&w0, &a, r), ==, SJ_OK);
		CHECK_INT(tw_derive(&w1, &b, r), ==, SJ_OK);
		for (unsigned st = 1; st < 4; st++)
			CHECK_INT(symdiff(a, b, st), ==, 0);
		/* A: k = ceil(9/10) = 1 still; the drawn one changes only if it
		 * was O00000. */
		sd = symdiff(a, b, 0);
		CHECK(sd == 0 || (sd == 2 && drawn_in(a, 0, "O00000")));
		draw_result_free(a);
		draw_result_free(b);
		tw_free(&w0);
		tw_free(&w1);
	}
}

TEST(draw_rounding_rules, "ratio counts follow the committed rounding rule in integer arithmetic "
                          "(R7): ceil, floor and round-half-up")
{
	static const struct {
		uint64_t n;
		uint32_t num, den;
		uint64_t ceil, floor, half;
	} t[] = {
	    {7, 1, 2, 4, 3, 4},
	    {5, 1, 10, 1, 0, 1},
	    {9, 1, 4, 3, 2, 2},
	    {3, 1, 3, 1, 1, 1},
	    {0, 1, 2, 0, 0, 0},
	    {1, 0, 1, 0, 0, 0},
	    {1, 1, 1, 1, 1, 1},
	    {15, 1, 10, 2, 1, 2},
	    {14, 1, 10, 2, 1, 1},
	    {100000000, 3, 100, 3000000, 3000000, 3000000},
	    {100000000, 999999999, 1000000000, 99999999 + 1, 99999999, 99999999 + 1},
	    {333, 1, 1000, 1, 0, 0},
	    {500, 1, 1000, 1, 0, 1},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct draw_rule r = {
		    .stratum = "A", .kind = DRAW_RULE_RATIO, .num = t[i].num, .den = t[i].den};

		CHECK_INT(draw_derive_count(t[i].n, &r, DRAW_ROUND_CEIL), ==, t[i].ceil);
		CHECK_INT(draw_derive_count(t[i].n, &r, DRAW_ROUND_FLOOR), ==, t[i].floor);
		CHECK_INT(draw_derive_count(t[i].n, &r, DRAW_ROUND_HALF_UP), ==, t[i].half);
	}
	struct draw_rule c = {.stratum = "A", .kind = DRAW_RULE_COUNT, .num = 4};

	CHECK_INT(draw_derive_count(9, &c, DRAW_ROUND_FLOOR), ==, 4);
}

/* Builds d, expecting code rc, and when there is a message, that it holds
 * want; then builds the base world as the twin, which must pass the check. */
static int refused(struct tw_def *d, int rc, const char *want, int at_check)
{
	struct tw w;
	int got = tw_build(&w, d);

	if (at_check && got == SJ_OK) {
		got = draw_derive_check(w.in, w.o, w.f, w.x, w.err, sizeof w.err);
		char keep[sizeof w.err];

		memcpy(keep, w.err, sizeof keep);
		tw_free(&w);
		memcpy(w.err, keep, sizeof keep);
	} else if (got == SJ_OK) {
		tw_free(&w);
	}
	EXPECT(got == rc, "expected %d, got %d (%s) for %s", rc, got, w.err, want);
	EXPECT(strstr(w.err, want) != NULL, "message \"%s\" lacks \"%s\"", w.err, want);
	base_def(d);
	EXPECT(tw_build(&w, d) == SJ_OK, "twin does not build: %s", w.err);
	got = draw_derive_check(w.in, w.o, w.f, w.x, w.err, sizeof w.err);
	tw_free(&w);
	EXPECT(got == SJ_OK, "twin refused: %s", w.err);
	return 0;
}

TEST(draw_bad_input_refused,
     "bad inputs are refused with a named error: duplicates, unsorted, unknown stratum, empty pool "
     "with a count, team below two, zero denominator, over-long identifiers")
{
	struct tw_def d;
	struct tw_obj dup[3] = {{"O1", 0}, {"O1", 0}, {"O2", 0}};
	struct tw_obj unsorted[2] = {{"O2", 0}, {"O1", 0}};
	struct tw_obj spaced[1] = {{"O 1", 0}};
	char long_id[DRAW_MAX_ID + 2];
	struct tw_obj longer[1] = {{long_id, 0}};
	static const char *const unsorted_strata[] = {"B", "A", "C", "D"};
	static const struct draw_exclusion ghost[] = {
	    {DRAW_OBJECT, "Z9", DRAW_REASON_DEREGISTERED, ""}};
	static const struct draw_exclusion ghost_officer[] = {
	    {DRAW_OFFICER, "F999", DRAW_REASON_REPLACED, ""}};
	static const struct draw_exclusion no_note[] = {
	    {DRAW_OBJECT, "O00001", DRAW_REASON_OTHER, ""}};
	static const struct draw_conflict ghost_conf[] = {{DRAW_OFFICER, "O00001", "F999"}};
	static const struct draw_conflict ghost_obj[] = {{DRAW_OFFICER, "O99999", "F001"}};
	static const struct draw_beacon_ref twice[] = {{"drand", 5}, {"drand", 5}};
	struct draw_rule r5[5];

	memset(long_id, 'A', DRAW_MAX_ID + 1);
	long_id[DRAW_MAX_ID + 1] = '\0';
	base_def(&d);
	d.objects = dup;
	d.nobjects = 3;
	CHECK(refused(&d, SJ_EINVAL, "is a duplicate", 0) == 0);
	d.objects = unsorted;
	d.nobjects = 2;
	CHECK(refused(&d, SJ_EINVAL, "comes before the previous one", 0) == 0);
	d.objects = spaced;
	d.nobjects = 1;
	CHECK(refused(&d, SJ_EINVAL, "printable", 0) == 0);
	d.objects = longer;
	d.nobjects = 1;
	CHECK(refused(&d, SJ_EINVAL, "printable", 0) == 0);
	d.strata = unsorted_strata;
	CHECK(refused(&d, SJ_EINVAL, "not after", 0) == 0);
	/* A rule for a stratum the pool does not have. */
	memcpy(r5, rules, sizeof rules);
	r5[4] = (struct draw_rule){.stratum = "E", .kind = DRAW_RULE_COUNT, .num = 0};
	d.spec.rules = r5;
	d.spec.n_rules = 5;
	CHECK(refused(&d, SJ_EINVAL, "unknown stratum E", 1) == 0);
	/* A stratum without a rule. */
	d.spec.n_rules = 3;
	CHECK(refused(&d, SJ_EINVAL, "stratum D has no rule", 1) == 0);
	/* An empty pool with a non-zero fixed count. */
	d.nobjects = 0;
	CHECK(refused(&d, SJ_ERANGE, "stratum C asks for a fixed count of 3 and has 0", 1) == 0);
	rules[2].num = 11;
	CHECK(refused(&d, SJ_ERANGE, "fixed count of 11 and has 10", 1) == 0);
	d.spec.team_size = 1;
	CHECK(refused(&d, SJ_EINVAL, "R11", 0) == 0);
	d.spec.team_size = DRAW_MAX_TEAM + 1;
	CHECK(refused(&d, SJ_EINVAL, "team size", 0) == 0);
	rules[1].den = 0;
	CHECK(refused(&d, SJ_EINVAL, "denominator is zero", 0) == 0);
	rules[1].num = 6;
	CHECK(refused(&d, SJ_EINVAL, "ratio 6/5", 0) == 0);
	rules[1].den = DRAW_MAX_DEN + 1;
	rules[1].num = 1;
	CHECK(refused(&d, SJ_EINVAL, "denominator up to", 0) == 0);
	d.spec.rounding = (enum draw_rounding)4;
	CHECK(refused(&d, SJ_EINVAL, "rounding", 0) == 0);
	d.spec.slot_size = 0;
	CHECK(refused(&d, SJ_EINVAL, "slot size", 0) == 0);
	d.spec.n_beacons = 0;
	CHECK(refused(&d, SJ_EINVAL, "beacon rounds", 0) == 0);
	d.spec.beacons = twice;
	d.spec.n_beacons = 2;
	CHECK(refused(&d, SJ_EINVAL, "named twice", 0) == 0);
	d.spec.task = "";
	CHECK(refused(&d, SJ_EINVAL, "task identifier", 0) == 0);
	d.spec.replaces = 1;
	d.spec.replace_reason = "";
	CHECK(refused(&d, SJ_EINVAL, "substitution needs a reason", 0) == 0);
	d.spec.exclusions = ghost;
	d.spec.n_exclusions = 1;
	CHECK(refused(&d, SJ_EINVAL, "unknown object Z9", 1) == 0);
	d.spec.exclusions = ghost_officer;
	d.spec.n_exclusions = 1;
	CHECK(refused(&d, SJ_EINVAL, "unknown officer F999", 1) == 0);
	d.spec.exclusions = no_note;
	d.spec.n_exclusions = 1;
	CHECK(refused(&d, SJ_EINVAL, "needs one", 0) == 0);
	d.spec.conflicts = ghost_conf;
	d.spec.n_conflicts = 1;
	CHECK(refused(&d, SJ_EINVAL, "unknown officer F999 (R12)", 1) == 0);
	d.spec.conflicts = ghost_obj;
	d.spec.n_conflicts = 1;
	CHECK(refused(&d, SJ_EINVAL, "unknown object O99999 (R12)", 1) == 0);
}

TEST(draw_wrong_pool_refused, "a derivation over pools other than the committed ones is refused, "
                              "and an expert pool cannot stand in for officers (R2)")
{
	struct tw_def d;
	struct tw w, w2;
	struct draw_result *res;
	uint8_t r[32] = {0};

	base_def(&d);
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	objs[0].stratum = 1;
	CHECK_INT(tw_build(&w2, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_run(&res, w.in, w2.o, w.f, w.x, r, w.err, sizeof w.err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(w.err, "object pool is not the one");
	CHECK_INT(draw_derive_run(&res, w.in, w.o, w.x, w.x, r, w.err, sizeof w.err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(w.err, "officer pool");
	CHECK_INT(draw_derive_run(&res, w.in, w.o, w.f, w.f, r, w.err, sizeof w.err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(w.err, "expert pool");
	/* The twin: the committed pools derive. */
	CHECK_INT(draw_derive_run(&res, w.in, w.o, w.f, w.x, r, w.err, sizeof w.err), ==, SJ_OK);
	draw_result_free(res);
	tw_free(&w);
	tw_free(&w2);
}

TEST(draw_feasibility_refused,
     "a pool too small to staff every possible outcome is refused at commitment time, naming the "
     "stratum or object, the tags and the numbers")
{
	struct tw_def d;
	static const char *const nosuch[] = {"radiation"};
	static const struct draw_conflict cf[] = {
	    {DRAW_OFFICER, "O00003", "F000"},
	    {DRAW_OFFICER, "O00003", "F002"},
	    {DRAW_OFFICER, "O00003", "F003"},
	    {DRAW_EXPERT, "O00007", "X1"},
	};
	static const struct draw_exclusion ex[] = {
	    {DRAW_OFFICER, "F000", DRAW_REASON_REPLACED, ""},
	    {DRAW_OFFICER, "F002", DRAW_REASON_UNAVAILABLE, ""},
	    {DRAW_OFFICER, "F004", DRAW_REASON_UNAVAILABLE, ""},
	};

	/* Each refused() call ends by resetting d to the base world (team 2,
	 * slot 2: every object needs 4 officers). Stratum D needs "food",
	 * which 6 officers have; team 3 x slot 3 needs 9. */
	base_def(&d);
	d.spec.team_size = 3;
	d.spec.slot_size = 3;
	CHECK(refused(&d, SJ_ERANGE,
	              "stratum D has 6 officers with tags food, needs 9 (team of 3 x 3", 1) == 0);
	/* Allowing an officer in two teams of one slot needs only a team of
	 * 3. */
	d.spec.team_size = 3;
	d.spec.slot_size = 3;
	d.spec.officer_repeat_in_slot = 1;
	CHECK(refused(&d, SJ_OK, "", 1) == 0);
	/* O00003 (stratum D) is recused from F000 and F002 (food) and F003
	 * (not food, so it does not count): 6 - 2 = 4, exactly the need. */
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 3;
	CHECK(refused(&d, SJ_OK, "", 1) == 0);
	/* Excluding three food officers leaves D 3 of the 4 it needs. */
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 3;
	CHECK(refused(&d, SJ_ERANGE, "stratum D has 3 officers with tags food, needs 4", 1) == 0);
	/* Excluding F000 leaves D 5 food officers, short of team 2 x slot 3. */
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 1;
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 3;
	d.spec.slot_size = 3;
	d.spec.team_size = 2;
	CHECK(refused(&d, SJ_ERANGE, "stratum D has 5 officers", 1) == 0);
	/* Recusal alone makes the shortage: D's 6 food officers meet team 2
	 * x slot 3, but O00003 keeps only 4 of them, and is named. */
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 3;
	d.spec.slot_size = 3;
	CHECK(refused(&d, SJ_ERANGE,
	              "R12: object O00003 (stratum D) has 4 officers with tags food left after "
	              "recusal, needs 6",
	              1) == 0);
	/* A required tag that no officer has. */
	rules[0].officer_tags = nosuch;
	rules[0].n_officer_tags = 1;
	CHECK(refused(&d, SJ_ERANGE, "R13: stratum A needs officers tagged radiation", 1) == 0);
	/* Experts: four per object of D, with X1 recused from O00007 (of D),
	 * leave that object 3 of the 4 lab experts. */
	rules[3].experts = 4;
	d.spec.conflicts = cf + 3;
	d.spec.n_conflicts = 1;
	CHECK(refused(&d, SJ_ERANGE, "R12: object O00007 (stratum D) has 3 experts", 1) == 0);
	rules[3].experts = 5;
	CHECK(refused(&d, SJ_ERANGE, "stratum D has 4 experts with tags lab, needs 5", 1) == 0);
	/* A stratum that draws nothing needs nobody. */
	rules[0].officer_tags = nosuch;
	rules[0].n_officer_tags = 1;
	rules[0].num = 0;
	CHECK(refused(&d, SJ_OK, "", 1) == 0);
}

TEST(draw_feasibility_borderline, "a pool exactly at the staffing bound passes the check and then "
                                  "derives valid teams for 3000 seeds")
{
	struct tw_def d;
	struct tw w;
	static const struct draw_conflict cf[] = {{DRAW_OFFICER, "O00003", "F000"}};

	/* Team 5 x slot 1: stratum D has 6 food officers and O00003 is
	 * recused from F000, leaving exactly 5; each D object takes 4 of the
	 * 4 experts. Every object is drawn, so every draw meets the bound. */
	base_def(&d);
	for (int i = 0; i < 4; i++) {
		rules[i].kind = DRAW_RULE_RATIO;
		rules[i].num = 1;
		rules[i].den = 1;
	}
	rules[3].experts = 4;
	d.spec.team_size = 5;
	d.spec.slot_size = 1;
	d.spec.conflicts = cf;
	d.spec.n_conflicts = 1;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_derive_check(w.in, w.o, w.f, w.x, w.err, sizeof w.err), ==, SJ_OK);
	for (uint64_t i = 0; i < 3000; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, i + 5000);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		int bad = i < 100 ? check_result(&w, res) : 0;

		draw_result_free(res);
		CHECK(bad == 0);
	}
	tw_free(&w);
	/* And at the slot bound: stratum D's 6 food officers for team 2 x
	 * slot 3, with D drawing all ten and slots mixing strata. */
	base_def(&d);
	rules[3].num = 1;
	rules[3].den = 1;
	d.spec.team_size = 2;
	d.spec.slot_size = 3;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < 3000; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, i + 9000);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		int bad = i < 100 ? check_result(&w, res) : 0;

		draw_result_free(res);
		CHECK(bad == 0);
	}
	tw_free(&w);
	/* The negative twin: one officer fewer is refused. */
	base_def(&d);
	rules[3].num = 1;
	rules[3].den = 1;
	d.spec.team_size = 2;
	d.spec.slot_size = 4;
	CHECK(refused(&d, SJ_ERANGE, "needs 8", 1) == 0);
}

TEST(draw_substitution, "a substitution (补抽) names the draw it replaces and why, and the "
                        "replaced officers can no longer be drawn")
{
	struct tw_def d;
	struct tw w, orig;
	struct draw_result *a, *b;
	uint8_t r[32];
	static struct tw_obj one[1];
	struct draw_exclusion ex[2];
	static const struct draw_rule sub_rules[] = {
	    {.stratum = "A", .kind = DRAW_RULE_COUNT, .num = 0},
	    {.stratum = "B", .kind = DRAW_RULE_COUNT, .num = 1},
	    {.stratum = "C", .kind = DRAW_RULE_COUNT, .num = 0},
	    {.stratum = "D", .kind = DRAW_RULE_COUNT, .num = 0},
	};

	base_def(&d);
	CHECK_INT(tw_build(&orig, &d), ==, SJ_OK);
	r_of(r, 77);
	CHECK_INT(tw_derive(&orig, &a, r), ==, SJ_OK);
	/* The first pick of stratum B keeps its object; its team is
	 * replaced because one officer turned out to be conflicted. */
	const struct draw_pick *p = NULL;

	for (size_t i = 0; i < a->n_picks && p == NULL; i++)
		if (a->picks[i].stratum == 1)
			p = &a->picks[i];
	CHECK(p != NULL);
	one[0] = (struct tw_obj){p->id, 1};
	d.objects = one;
	d.nobjects = 1;
	d.spec.rules = sub_rules;
	d.spec.replaces = 1;
	memset(d.spec.replaced_entry, 0xab, 32);
	d.spec.replace_reason = "R12: officer declared a conflict after the draw";
	ex[0] = (struct draw_exclusion){DRAW_OFFICER, p->officers[0], DRAW_REASON_REPLACED, ""};
	ex[1] = (struct draw_exclusion){DRAW_OFFICER, p->officers[1], DRAW_REASON_REPLACED, ""};
	if (strcmp(ex[0].id, ex[1].id) > 0) {
		struct draw_exclusion t = ex[0];

		ex[0] = ex[1];
		ex[1] = t;
	}
	d.spec.exclusions = ex;
	d.spec.n_exclusions = 2;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	CHECK_INT(draw_inputs_spec(w.in)->replaces, ==, 1);
	CHECK_STR_HAS(draw_inputs_spec(w.in)->replace_reason, "R12");
	for (uint64_t i = 0; i < 50; i++) {
		r_of(r, 200 + i);
		CHECK_INT(tw_derive(&w, &b, r), ==, SJ_OK);
		CHECK_INT(b->n_picks, ==, 1);
		CHECK(strcmp(b->picks[0].id, p->id) == 0);
		for (unsigned j = 0; j < 2; j++)
			CHECK(strcmp(b->picks[0].officers[j], ex[0].id) != 0 &&
			      strcmp(b->picks[0].officers[j], ex[1].id) != 0);
		draw_result_free(b);
	}
	/* The twin: without the exclusions the replaced officers do come
	 * back for some R. */
	tw_free(&w);
	d.spec.n_exclusions = 0;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	int back = 0;

	for (uint64_t i = 0; i < 50 && !back; i++) {
		r_of(r, 200 + i);
		CHECK_INT(tw_derive(&w, &b, r), ==, SJ_OK);
		for (unsigned j = 0; j < 2; j++)
			back |= strcmp(b->picks[0].officers[j], ex[0].id) == 0;
		draw_result_free(b);
	}
	CHECK(back);
	draw_result_free(a);
	tw_free(&w);
	tw_free(&orig);
}

TEST(draw_slot_repeat, "with repeats allowed an officer may serve two objects of one slot, and "
                       "without them never does")
{
	struct tw_def d;
	struct tw w;
	int repeated = 0;

	base_def(&d);
	d.spec.slot_size = 6;
	d.spec.officer_repeat_in_slot = 1;
	CHECK_INT(tw_build(&w, &d), ==, SJ_OK);
	for (uint64_t i = 0; i < 50; i++) {
		struct draw_result *res;
		uint8_t r[32];

		r_of(r, i);
		CHECK_INT(tw_derive(&w, &res, r), ==, SJ_OK);
		for (size_t a = 0; a < res->n_picks; a++)
			for (size_t b = a + 1;
			     b < res->n_picks && res->picks[b].slot == res->picks[a].slot; b++)
				for (unsigned x = 0; x < 2; x++)
					for (unsigned y = 0; y < 2; y++)
						repeated |= strcmp(res->picks[a].officers[x],
						                   res->picks[b].officers[y]) == 0;
		draw_result_free(res);
	}
	CHECK(repeated);
	tw_free(&w);
	/* The twin: without repeats a slot of 6 needs 12 officers per
	 * object, and D's 6 food officers fall short, so the check refuses
	 * it; check_result asserts no repeats everywhere else. */
	base_def(&d);
	d.spec.slot_size = 6;
	CHECK(refused(&d, SJ_ERANGE, "needs 12", 1) == 0);
}
