/*
 * test_draw.h: helpers shared by the draw tests (test_draw*.c): a "world"
 * of three pools and draw inputs built from plain C tables, the way the
 * daemon would build them from its directories.
 */
#ifndef SUIJI_TESTS_TEST_DRAW_H
#define SUIJI_TESTS_TEST_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include "draw/derive.h"

struct tw_obj {
	const char *id;
	unsigned stratum;
};

struct tw_person {
	const char *id;
	unsigned agency;
	unsigned ntags;
	unsigned tags[8];
};

struct tw_def {
	const char *const *strata;
	size_t nstrata;
	const struct tw_obj *objects;
	size_t nobjects;
	const char *const *otags, *const *agencies, *const *xtags, *const *xorgs;
	size_t n_otags, nagencies, n_xtags, n_xorgs;
	const struct tw_person *officers, *experts;
	size_t nofficers, nexperts;
	/* The pool hashes in spec are filled in by tw_build. */
	struct draw_spec spec;
};

struct tw {
	struct draw_objects *o;
	struct draw_people *f, *x;
	struct draw_inputs *in;
	char err[512];
};

/* Builds the pools, encodes d->spec with their hashes and decodes it.
 * Returns the first error code (message in w->err); w is freed then. */
int tw_build(struct tw *w, struct tw_def *d);
void tw_free(struct tw *w);

/* Builds and derives with R = r; the result in *res. */
int tw_derive(struct tw *w, struct draw_result **res, const uint8_t r[32]);

/* A deterministic PRNG (splitmix64) for the tests. */
uint64_t tw_rng(uint64_t *state);

/* Object identifiers "O%05u" and officer identifiers "F%03u" in a static
 * table, for tests that need many. */
const char *tw_obj_id(unsigned i);
const char *tw_officer_id(unsigned i);

#endif
