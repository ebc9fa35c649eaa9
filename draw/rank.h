/*
 * rank.h: the draw's ranking of objects by (key, identifier), private to
 * draw/. Selection keeps the k smallest scores of a stratum in a bounded
 * heap; visit order sorts the picks by order key. Keys are 64-bit words
 * and may be equal; the identifier breaks the tie, so every ranking has
 * exactly one outcome (spec 5.4, 5.5). Included by derive.c and the tests.
 */
#ifndef SUIJI_DRAW_RANK_H
#define SUIJI_DRAW_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "draw/objects.h"

/* A selected or ordered object: key (score or order key), its score, and
 * its byte offset in the object pool, which also gives its identifier for
 * ties. */
struct draw_rank_ent {
	uint64_t key;
	uint64_t score;
	size_t off;
};

/* Compares a and b by key, then by identifier in the pool o (spec's byte
 * order): -1, 0 or 1. Identifiers are unique in a pool, so only an entry
 * compares equal to itself. */
int draw_rank_cmp(const struct draw_objects *o, const struct draw_rank_ent *a,
                  const struct draw_rank_ent *b);
/* Offers e to the bounded max-heap h of *n entries and capacity cap: the
 * heap keeps the cap smallest entries seen, with the largest on top. */
void draw_rank_offer(const struct draw_objects *o, struct draw_rank_ent *h, uint32_t *n,
                     uint32_t cap, const struct draw_rank_ent *e);
/* Makes h[0..n) a max-heap, in place. */
void draw_rank_heapify(const struct draw_objects *o, struct draw_rank_ent *h, size_t n);
/* Sorts a max-heap of n entries ascending, in place. */
void draw_rank_sort(const struct draw_objects *o, struct draw_rank_ent *h, size_t n);

#endif
