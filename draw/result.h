/*
 * result.h: what a draw produced, and its canonical encoding, which the
 * ledger stores and the verifier compares byte for byte with its own
 * replay (docs/draw-spec.md section 6). Pure code: no I/O, no globals.
 *
 * The encoding, all integers big-endian; str8 is a u8 length then bytes:
 *
 *   SIZE  DESCRIPTION
 *      4  magic "SJDR"
 *      1  version, 1
 *     32  inputs hash
 *     32  R, the draw randomness
 *      2  S: number of strata, in the object pool's order; each:
 *         str8  stratum name
 *            4  n: eligible objects (pool members not excluded)
 *            4  k: objects drawn
 *         when k > 0:
 *            8  cutoff score (the k-th smallest score)
 *         str8  cutoff identifier (the object holding it)
 *      4  K: number of drawn objects, in visit order; each:
 *         str8  object identifier
 *            1  stratum index
 *            8  score
 *            8  order key
 *            1  t: officers, then t x str8 officer identifier, in the
 *               order they were drawn; in a joint check (R14), grouped
 *               by team agency in the order below, team size each
 *            1  e: experts, then e x str8 expert identifier
 *      only when the inputs name team agencies (a joint check, R14):
 *      1  A: number of team agencies, then A x str8 agency identifier,
 *         in the inputs' order (strictly ascending)
 *
 * and nothing after. The visit slot of the i-th drawn object (from 0) is
 * i / slot size. Result hash: SHA-256("suiji draw result v1" || 0x00 ||
 * encoding).
 */
#ifndef SUIJI_DRAW_RESULT_H
#define SUIJI_DRAW_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "draw/inputs.h"

struct draw_stratum_result {
	const char *name;
	uint32_t n;            /* eligible objects */
	uint32_t k;            /* drawn objects */
	uint64_t cutoff_score; /* the k-th smallest score; 0 when k == 0 */
	const char *cutoff_id; /* the object holding it; NULL when k == 0 */
};

struct draw_pick {
	const char *id;
	unsigned stratum; /* index into draw_result.strata */
	uint64_t score;   /* selection score (spec 5.3) */
	uint64_t order;   /* order key (spec 5.4) */
	uint32_t slot;    /* visit slot: position / slot size */
	/* n_officers identifiers, in draw order; in a joint check, officers
	 * [g * team_size, (g + 1) * team_size) are team agency g's part. */
	const char **officers;
	unsigned n_officers;
	const char **experts; /* n_experts identifiers, in draw order */
	unsigned n_experts;
};

/* Plain data that owns all its strings; free with draw_result_free. */
struct draw_result {
	uint8_t inputs_hash[DRAW_HASH_SIZE];
	uint8_t randomness[DRAW_HASH_SIZE];
	size_t n_strata;
	struct draw_stratum_result *strata;
	size_t n_picks;
	struct draw_pick *picks; /* in visit order */
	/* Officers per team, or per agency part of a joint team. Not in the
	 * encoding: it is the inputs' team size. */
	unsigned team_size;
	/* A joint check (R14): its team agencies, in the inputs' order; 0 and
	 * NULL otherwise. */
	size_t n_team_agencies;
	const char **team_agencies;
	/* Storage the fields above point into. */
	char *strings;
	const char **people;
};

/* Encodes r into a malloc'd buffer. Errors: SJ_ENOMEM. */
SJ_WUR int draw_result_encode(uint8_t **out, size_t *len, const struct draw_result *r);
/* The result hash of an encoding. */
void draw_result_hash(uint8_t out[DRAW_HASH_SIZE], const uint8_t *bytes, size_t len);
void draw_result_free(struct draw_result *r);

#endif
