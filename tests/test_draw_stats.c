/*
 * test_draw_stats.c: the draw is uniform where the policy says it is
 * random (R6, R8, R11). Over 100,000 derivations from a fixed small world
 * with fixed, distinct R, chi-square tests at significance p = 0.001 check
 * each object's selection frequency per stratum, the first visited object,
 * the first officer and the first team drawn, and every officer's share of
 * all assignments. The tests are deterministic: the same R every run, so
 * they pass or fail the same way every time.
 *
 * Floating point is used here, in the tests; the library uses none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draw/wire.h"
#include "tests/harness.h"
#include "tests/test_draw.h"

#define DRAWS 100000
#define NOBJ  20
#define NOFF  10
/* z for a one-sided upper tail of 0.001. */
#define Z_001 3.0902

/* Square root by Newton's method: the test binary does not link libm. */
static double root(double v)
{
	double x = v > 1 ? v : 1;

	for (int i = 0; i < 60; i++)
		x = 0.5 * (x + v / x);
	return x;
}

/* The chi-square critical value for df degrees of freedom at p = 0.001 by
 * the Wilson-Hilferty approximation (good to a fraction of a percent for
 * df >= 3, which every test here has). */
static double chi2_crit(double df)
{
	double a = 2.0 / (9.0 * df);
	double c = 1.0 - a + Z_001 * root(a);

	return df * c * c * c;
}

/* Pearson's statistic for counts against equal expectations. */
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

/* The statistic for k-of-n selection counts over d draws: each draw is a
 * k-subset, so the counts' covariance is p(1-p) n/(n-1) (I - J/n) per
 * draw with p = k/n, and sum (O-E)^2 / (d p (1-p) n/(n-1)) is chi-square
 * with n-1 degrees of freedom. */
static double chi2_subset(const long *count, size_t n, size_t k, long d)
{
	double p = (double)k / (double)n, e = (double)d * p, x = 0;

	for (size_t i = 0; i < n; i++)
		x += ((double)count[i] - e) * ((double)count[i] - e);
	return x / (e * (1.0 - p) * (double)n / (double)(n - 1));
}

static struct tw_obj objs[NOBJ];
static struct tw_person offs[NOFF];

static int build_world(struct tw *w, struct draw_rule *rules)
{
	static const char *const strata[] = {"A", "B"};
	static const char *const agencies[] = {"scjg"};
	static const struct draw_beacon_ref beacons[] = {{"drand-quicknet", 1}};
	struct tw_def d = {0};

	/* A: 12 objects, fixed count 3; B: 8 objects, ratio 1/4 -> 2. */
	for (unsigned i = 0; i < NOBJ; i++)
		objs[i] = (struct tw_obj){tw_obj_id(i), i < 12 ? 0 : 1};
	for (unsigned i = 0; i < NOFF; i++)
		offs[i] = (struct tw_person){tw_officer_id(i), 0, 0, {0}};
	rules[0] = (struct draw_rule){.stratum = "A", .kind = DRAW_RULE_COUNT, .num = 3};
	rules[1] = (struct draw_rule){.stratum = "B", .kind = DRAW_RULE_RATIO, .num = 1, .den = 4};
	d.strata = strata;
	d.nstrata = 2;
	d.objects = objs;
	d.nobjects = NOBJ;
	d.agencies = agencies;
	d.nagencies = 1;
	d.officers = offs;
	d.nofficers = NOFF;
	d.spec.task = "stats";
	d.spec.rounding = DRAW_ROUND_CEIL;
	d.spec.team_size = 2;
	d.spec.slot_size = 2;
	d.spec.deadline_us = 1;
	d.spec.beacons = beacons;
	d.spec.n_beacons = 1;
	d.spec.rules = rules;
	d.spec.n_rules = 2;
	return tw_build(w, &d);
}

static unsigned idx_of(const char *id)
{
	return (unsigned)atoi(id + 1);
}

struct tally {
	long sel[NOBJ];
	long first_visit[NOBJ];
	long first_officer[NOFF];
	long first_team[NOFF * NOFF];
	long officer[NOFF];
};

static struct tally tally;
static int tallied;

/* Runs the 100,000 derivations once and keeps the counts for the tests
 * below, which may run alone or together. */
static int run_draws(void)
{
	struct draw_rule rules[2];
	struct tw w;

	if (tallied)
		return 0;
	if (sodium_init() < 0 || build_world(&w, rules) != SJ_OK)
		return -1;
	for (uint64_t d = 0; d < DRAWS; d++) {
		struct draw_result *res;
		uint8_t r[32], b[8];

		draw_wire_put_be64(b, d);
		crypto_hash_sha256(r, b, 8);
		if (tw_derive(&w, &res, r) != SJ_OK) {
			tw_free(&w);
			return -1;
		}
		for (size_t i = 0; i < res->n_picks; i++) {
			tally.sel[idx_of(res->picks[i].id)]++;
			for (unsigned j = 0; j < 2; j++)
				tally.officer[idx_of(res->picks[i].officers[j])]++;
		}
		tally.first_visit[idx_of(res->picks[0].id)]++;
		unsigned a = idx_of(res->picks[0].officers[0]),
		         b2 = idx_of(res->picks[0].officers[1]);

		tally.first_officer[a]++;
		tally.first_team[a < b2 ? a * NOFF + b2 : b2 * NOFF + a]++;
		draw_result_free(res);
	}
	tw_free(&w);
	tallied = 1;
	return 0;
}

TEST(draw_stats_selection, "over 100,000 draws each object of a stratum is drawn equally often "
                           "(chi-square, p = 0.001), and a biased selection fails the same test")
{
	long biased[12];
	uint64_t st = 1;

	CHECK(run_draws() == 0);
	/* Stratum A: objects 0..11, k = 3; B: objects 12..19, k = 2. */
	double xa = chi2_subset(tally.sel, 12, 3, DRAWS);
	double xb = chi2_subset(tally.sel + 12, 8, 2, DRAWS);

	printf("    chi2 selection A %.2f (crit %.2f), B %.2f (crit %.2f)\n", xa, chi2_crit(11), xb,
	       chi2_crit(7));
	CHECK(xa < chi2_crit(11));
	CHECK(xb < chi2_crit(7));
	long total = 0;

	for (int i = 0; i < NOBJ; i++)
		total += tally.sel[i];
	CHECK_INT(total, ==, 5L * DRAWS);
	/* The forgery twin: a selection where object 0 is favoured by 3% -
	 * as a modulo bias or a skewed score might do - is caught. */
	memset(biased, 0, sizeof biased);
	for (long d = 0; d < DRAWS; d++) {
		int chosen[12] = {0};

		for (int got = 0; got < 3;) {
			uint64_t x = tw_rng(&st);
			int i = (int)(x % 12);

			if (i != 0 && got == 0 && (x >> 32) % 100 < 3)
				i = 0;
			if (!chosen[i]) {
				chosen[i] = 1;
				got++;
			}
		}
		for (int i = 0; i < 12; i++)
			biased[i] += chosen[i];
	}
	CHECK(chi2_subset(biased, 12, 3, DRAWS) > chi2_crit(11));
}

TEST(draw_stats_order, "over 100,000 draws the first object visited is uniform over all objects "
                       "(R8), as selection and order together promise")
{
	CHECK(run_draws() == 0);
	/* P(first = o) = P(o drawn) / K = (3/12)/5 = (2/8)/5 = 1/20 for every
	 * object: one multinomial trial per draw. */
	double x = chi2_uniform(tally.first_visit, NOBJ);

	printf("    chi2 first visit %.2f (crit %.2f)\n", x, chi2_crit(NOBJ - 1));
	CHECK(x < chi2_crit(NOBJ - 1));
	/* Twin: the visit order is not the identifier order, which would
	 * make the smallest drawn identifier first far too often. */
	CHECK(tally.first_visit[0] < DRAWS / 10);
}

TEST(draw_stats_officers, "over 100,000 draws the first officer, the first team and each officer's "
                          "share of assignments are uniform (R11, chi-square, p = 0.001)")
{
	long pairs[NOFF * (NOFF - 1) / 2], k = 0;

	CHECK(run_draws() == 0);
	double x1 = chi2_uniform(tally.first_officer, NOFF);

	for (int a = 0; a < NOFF; a++)
		for (int b = a + 1; b < NOFF; b++)
			pairs[k++] = tally.first_team[a * NOFF + b];
	for (int a = 0; a < NOFF; a++)
		CHECK_INT(tally.first_team[a * NOFF + a], ==, 0); /* R11: two distinct officers */
	double x2 = chi2_uniform(pairs, (size_t)k);
	/* All assignments: ten per draw, not independent (distinct within a
	 * team and a slot), which only makes Pearson's statistic smaller;
	 * the two tests above are exact multinomials. */
	double x3 = chi2_uniform(tally.officer, NOFF);

	printf("    chi2 first officer %.2f, first team %.2f (crit %.2f, %.2f), all %.2f\n", x1, x2,
	       chi2_crit(NOFF - 1), chi2_crit((double)k - 1), x3);
	CHECK(x1 < chi2_crit(NOFF - 1));
	CHECK(x2 < chi2_crit((double)k - 1));
	CHECK(x3 < chi2_crit(NOFF - 1));
	/* The forgery twin: a team draw with modulo bias (an index taken as
	 * a byte mod 10, favouring 0..5) is caught by the same test. */
	long biased[NOFF] = {0};
	uint64_t st = 9;

	for (long d = 0; d < DRAWS; d++)
		biased[(tw_rng(&st) & 0xff) % NOFF]++;
	CHECK(chi2_uniform(biased, NOFF) > chi2_crit(NOFF - 1));
}
