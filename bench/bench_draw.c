/*
 * bench_draw.c: figures for the draw derivation (draw/derive.c).
 *
 *   1. Drawing 1% from 1,000,000 objects in 4 strata with 10,000
 *      exclusions, beside the floor: hashing every identifier once with
 *      SHA-256 in the same run. The target is at most twice the floor.
 *   2. Peak memory (getrusage ru_maxrss) of a derivation over 10,000,000
 *      objects, pool included. The target is at most 256 MB.
 *
 * Identifiers are 18-character codes shaped like unified social credit
 * codes, in ascending order. Run with --small to skip the 10^7 part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sodium.h>

#include "draw/derive.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_id(char out[19], unsigned long i)
{
	snprintf(out, 19, "9132070%010luX", i);
}

struct world {
	struct draw_objects *o;
	struct draw_people *f, *x;
	struct draw_inputs *in;
	struct draw_exclusion *ex;
	char (*ex_ids)[19];
};

static void die(const char *what, const char *err)
{
	fprintf(stderr, "bench_draw: %s: %s\n", what, err);
	exit(1);
}

/* n objects, stratum i % 4, every (n / nex)-th object excluded; 1% drawn
 * per stratum (ceil); 200 officers; teams of 2, slot 10. */
static void build(struct world *w, unsigned long n, unsigned long nex)
{
	static const char *const strata[] = {"A", "B", "C", "D"};
	static const char *const agencies[] = {"scjg"};
	static const char *const ftags[] = {"general"};
	static const struct draw_beacon_ref beacon[] = {{"drand-quicknet", 1000}};
	struct draw_rule rules[4];
	struct draw_spec s = {0};
	char err[256], id[19];
	unsigned tag = 0;
	uint8_t *bytes;
	size_t len;

	if (draw_objects_new(&w->o, strata, 4, n, err, sizeof err) != SJ_OK)
		die("objects", err);
	for (unsigned long i = 0; i < n; i++) {
		make_id(id, i);
		if (draw_objects_add(w->o, id, (unsigned)(i % 4), err, sizeof err) != SJ_OK)
			die("add", err);
	}
	if (draw_objects_seal(w->o) != SJ_OK)
		die("seal", "objects");
	if (draw_people_new(&w->f, DRAW_OFFICER, ftags, 1, agencies, 1, 200, err, sizeof err) !=
	    SJ_OK)
		die("officers", err);
	for (unsigned i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "F%04u", i);
		if (draw_people_add(w->f, id, 0, &tag, 1, err, sizeof err) != SJ_OK)
			die("officer", err);
	}
	if (draw_people_seal(w->f) != SJ_OK ||
	    draw_people_new(&w->x, DRAW_EXPERT, NULL, 0, NULL, 0, 0, err, sizeof err) != SJ_OK ||
	    draw_people_seal(w->x) != SJ_OK)
		die("experts", err);
	w->ex = calloc(nex ? nex : 1, sizeof *w->ex);
	w->ex_ids = calloc(nex ? nex : 1, sizeof *w->ex_ids);
	if (w->ex == NULL || w->ex_ids == NULL)
		die("exclusions", "out of memory");
	for (unsigned long i = 0; i < nex; i++) {
		make_id(w->ex_ids[i], i * (n / nex));
		w->ex[i] =
		    (struct draw_exclusion){DRAW_OBJECT, w->ex_ids[i], DRAW_REASON_ANNUAL_CAP, ""};
	}
	for (int i = 0; i < 4; i++)
		rules[i] = (struct draw_rule){
		    .stratum = strata[i], .kind = DRAW_RULE_RATIO, .num = 1, .den = 100};
	s.task = "bench";
	memcpy(s.object_pool, draw_objects_hash(w->o), 32);
	memcpy(s.officer_pool, draw_people_hash(w->f), 32);
	memcpy(s.expert_pool, draw_people_hash(w->x), 32);
	s.rounding = DRAW_ROUND_CEIL;
	s.team_size = 2;
	s.slot_size = 10;
	s.deadline_us = 1767225600000000LL;
	s.beacons = beacon;
	s.n_beacons = 1;
	s.rules = rules;
	s.n_rules = 4;
	s.exclusions = w->ex;
	s.n_exclusions = nex;
	if (draw_inputs_encode(&bytes, &len, &s, err, sizeof err) != SJ_OK ||
	    draw_inputs_decode(&w->in, bytes, len, err, sizeof err) != SJ_OK)
		die("inputs", err);
	free(bytes);
}

static void unbuild(struct world *w)
{
	draw_objects_free(w->o);
	draw_people_free(w->f);
	draw_people_free(w->x);
	draw_inputs_free(w->in);
	free(w->ex);
	free(w->ex_ids);
}

static struct draw_result *derive(struct world *w, double *secs)
{
	struct draw_result *res;
	uint8_t r[32];
	char err[256];

	crypto_hash_sha256(r, (const uint8_t *)"bench", 5);
	double t0 = now();

	if (draw_derive_run(&res, w->in, w->o, w->f, w->x, r, err, sizeof err) != SJ_OK)
		die("derive", err);
	*secs = now() - t0;
	return res;
}

/* The floor: SHA-256 of every identifier once, as the pool holds them. */
static double hash_floor(const struct draw_objects *o)
{
	size_t cur = 0, len, off;
	const char *id;
	unsigned st;
	uint8_t h[32], acc = 0;
	double t0 = now();

	while (draw_objects_next(o, &cur, &id, &len, &st, &off)) {
		crypto_hash_sha256(h, (const uint8_t *)id, len);
		acc ^= h[0];
	}
	double t = now() - t0;

	if (acc == 0xff)
		fputc(' ', stderr); /* keeps the loop from being optimised away */
	return t;
}

int main(int argc, char **argv)
{
	struct world w;
	struct draw_result *res;
	struct rusage ru;
	double best = 1e9, floor = 1e9, t;

	if (sodium_init() < 0)
		return 1;
	memset(&w, 0, sizeof w);
	double t0 = now();

	build(&w, 1000000, 10000);
	printf("draw: built a pool of 1,000,000 objects and its inputs in %.3f s\n", now() - t0);
	for (int i = 0; i < 5; i++) {
		res = derive(&w, &t);
		if (t < best)
			best = t;
		if (i == 0)
			printf("draw: 1%% of 1,000,000 in 4 strata, 10,000 excluded: %zu drawn\n",
			       res->n_picks);
		draw_result_free(res);
		t = hash_floor(w.o);
		if (t < floor)
			floor = t;
	}
	printf("draw: derivation %.3f s, floor (SHA-256 of every identifier) %.3f s: %.2fx the "
	       "floor (target <= 2x)\n",
	       best, floor, best / floor);
	unbuild(&w);
	if (argc > 1 && strcmp(argv[1], "--small") == 0)
		return 0;

	memset(&w, 0, sizeof w);
	build(&w, 10000000, 100000);
	res = derive(&w, &t);
	getrusage(RUSAGE_SELF, &ru);
	printf("draw: 1%% of 10,000,000 (100,000 excluded): %zu drawn in %.3f s; peak RSS %.1f MB, "
	       "pool %.1f MB (target <= 256 MB)\n",
	       res->n_picks, t, (double)ru.ru_maxrss / 1024.0,
	       (double)(draw_objects_count(w.o) * 20) / (1024.0 * 1024.0));
	draw_result_free(res);
	unbuild(&w);
	return 0;
}
