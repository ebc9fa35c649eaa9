/*
 * derive.h: the draw itself (docs/draw-spec.md sections 2 and 5): the seed
 * commitment, the draw randomness R, the feasibility check made at
 * commitment time, the derivation of objects (R6, R7), visit order (R8),
 * officer teams (R11-R13), in a joint check one part per team agency
 * (R14, spec 5.8), experts (R2), and a business's own check.
 *
 * Pure functions over their arguments: no I/O, no globals, no clock. They
 * allocate only what their headers say, free it before returning on
 * error, and may run on any thread. They assume sodium_init() succeeded.
 *
 * The life of a draw: the daemon draws a 32-byte seed (randombytes_buf),
 * encodes the inputs (inputs.h), calls draw_derive_check, and writes the
 * commitment entry holding draw_derive_commitment(seed) and the inputs.
 * When the named beacon rounds exist it computes R with
 * draw_derive_randomness from the seed, that entry's hash and the beacon
 * values, runs draw_derive_run, and writes the seed and the encoded
 * result. A verifier does the same from the ledger and compares bytes.
 */
#ifndef SUIJI_DRAW_DERIVE_H
#define SUIJI_DRAW_DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/result.h"

#define DRAW_SEED_SIZE        32
#define DRAW_MAX_BEACON_VALUE 1024

/* A beacon round's value as published by its source, in the order the
 * inputs name the rounds. */
struct draw_beacon_value {
	const uint8_t *value; /* borrowed */
	size_t len;           /* 1..DRAW_MAX_BEACON_VALUE */
};

/* out = SHA-256("suiji seed commitment v1" || 0x00 || seed). */
void draw_derive_commitment(uint8_t out[DRAW_HASH_SIZE], const uint8_t seed[DRAW_SEED_SIZE]);

/* SJ_OK when seed opens commitment, else SJ_EVERIFY (constant time). */
SJ_WUR int draw_derive_check_seed(const uint8_t commitment[DRAW_HASH_SIZE],
                                  const uint8_t seed[DRAW_SEED_SIZE]);

/*
 * R = SHA-256("suiji draw randomness v1" || 0x00 || seed || entry_hash ||
 * inputs hash || u8 B || B x (str8 source || u64 round || u16 len ||
 * value)), the beacon rounds in the order the inputs name them. entry_hash
 * is the ledger's hash of the commitment entry. Errors: SJ_EINVAL (n is not
 * the number of rounds the inputs name, or a value is empty or longer than
 * DRAW_MAX_BEACON_VALUE; named in err). R is untouched on error.
 */
SJ_WUR int draw_derive_randomness(uint8_t r[DRAW_HASH_SIZE], const uint8_t seed[DRAW_SEED_SIZE],
                                  const uint8_t entry_hash[DRAW_HASH_SIZE],
                                  const struct draw_inputs *in,
                                  const struct draw_beacon_value *values, size_t n, char *err,
                                  size_t err_cap);

/*
 * The commitment-time check (spec 5.6): the pools are the ones the inputs
 * name, every rule names a stratum of the object pool and every stratum
 * has a rule, every exclusion and conflict names a pool member, every
 * fixed count fits its stratum, and every object that any outcome could
 * draw has enough qualified, unconflicted officers (of each team agency,
 * in a joint check: spec 5.8) and experts that no outcome can fail to
 * staff it; a team agency the officer pool lacks is SJ_EINVAL. All pools must be sealed. Errors, the
 * first problem named in err with its rule number: SJ_EINVAL (the inputs
 * do not fit the pools), SJ_ERANGE (a count or a shortage: "needs N, has
 * M"), SJ_ENOMEM. Inputs that pass make draw_derive_run succeed for every
 * R, barring SJ_ENOMEM.
 */
SJ_WUR int draw_derive_check(const struct draw_inputs *in, const struct draw_objects *objects,
                             const struct draw_people *officers, const struct draw_people *experts,
                             char *err, size_t err_cap);

/*
 * Derives the draw for randomness r: runs draw_derive_check, selects per
 * stratum the k objects of smallest score, orders them, staffs them and
 * returns a new result (free with draw_result_free). Memory beyond the
 * pools: 24 bytes per drawn object, a few words per officer, and the result.
 * Errors: those of draw_derive_check, SJ_ENOMEM; *out is untouched.
 */
SJ_WUR int draw_derive_run(struct draw_result **out, const struct draw_inputs *in,
                           const struct draw_objects *objects, const struct draw_people *officers,
                           const struct draw_people *experts, const uint8_t r[DRAW_HASH_SIZE],
                           char *err, size_t err_cap);

/* An object's selection score: the first 8 bytes, big-endian, of
 * SHA-256(SHA-256("suiji draw score v1") || R || u8 len || id). */
uint64_t draw_derive_score(const uint8_t r[DRAW_HASH_SIZE], const char *id);
/* An object's order key, as the score with tag "suiji draw order v1". */
uint64_t draw_derive_order(const uint8_t r[DRAW_HASH_SIZE], const char *id);

/*
 * A business's own check (spec 5.7): with R and its stratum's published
 * cutoff (cutoff_id NULL when the stratum drew nothing), returns 1 when
 * the object id was drawn and 0 when not, and its score in *score. It
 * assumes the object was eligible: an excluded object is never drawn
 * whatever its score, which the published exclusions show.
 */
int draw_derive_selected(uint64_t *score, const uint8_t r[DRAW_HASH_SIZE], const char *id,
                         uint64_t cutoff_score, const char *cutoff_id);

/* The count k for n eligible objects under a rule and rounding (spec 5.2),
 * not capped. Exposed for the tests and for the verifier's report. */
uint64_t draw_derive_count(uint64_t n, const struct draw_rule *rule, enum draw_rounding rounding);

#endif
