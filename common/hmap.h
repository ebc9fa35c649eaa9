/*
 * hmap.h: one small open-addressing hash table from text keys to array
 * positions, the index the rules keep over their append-only arrays.
 *
 * The arrays are the state; a map only finds an element fast. Putting a key
 * again replaces its value (the latest element wins), so a map over an
 * array of versions finds the current version. Keys are copied. There is
 * no removal: rolling back truncates the array and rebuilds the map from
 * what remains (rare: a batch append that failed).
 */
#ifndef SUIJI_COMMON_HMAP_H
#define SUIJI_COMMON_HMAP_H

#include <stddef.h>

#include "common/err.h"

struct hmap {
	char **keys;   /* cap slots, NULL when empty; owned */
	size_t *vals;
	size_t cap, n; /* cap: a power of two, or 0 */
};

/* An empty map needs no allocation: zero it or use HMAP_INIT. */
#define HMAP_INIT {NULL, NULL, 0, 0}

/* Frees every key and the slots; m is empty again. */
void hmap_clear(struct hmap *m);

/* The value of key, or -1 when m does not hold it. */
long hmap_get(const struct hmap *m, const char *key);

/* Sets key's value to val (a copy of key is kept). Errors: SJ_ENOMEM, and
 * then m is unchanged. */
SJ_WUR int hmap_put(struct hmap *m, const char *key, size_t val);

/* A compound key "a\x1fb[\x1fc[\x1fd]]" into buf (cap bytes): the unit
 * separator cannot occur in identifiers or codes. c and d may be NULL.
 * Returns buf. */
const char *hmap_key(char *buf, size_t cap, const char *a, const char *b, const char *c,
		     const char *d);

#endif
