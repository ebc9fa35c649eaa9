/*
 * test_draw_rare.c: the draw's rare paths, which random inputs almost
 * never reach (docs/draw-spec.md 5.4, 5.5). A word of the keyed stream is
 * rejected by "uniform below m" with probability below 2^-32 for the pool
 * sizes of real draws, and two 64-bit scores are equal with probability
 * near 2^-64, so the golden vectors cannot pin either. These tests set the
 * stream's words and the keys directly, through draw/'s private headers.
 */
#include "tests/harness.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draw/objects.h"
#include "draw/rank.h"
#include "draw/stream.h"
#include "draw/wire.h"

/* A stream whose next words are w[0..n) (n <= 4); after them it goes on
 * with its real blocks. */
static void stream_with(struct draw_stream *s, const uint64_t *w, size_t n)
{
	crypto_hash_sha256_state keyed;

	crypto_hash_sha256_init(&keyed);
	draw_stream_init(s, &keyed, "X", 1, NULL);
	memset(s->buf, 0, sizeof s->buf);
	for (size_t i = 0; i < n; i++)
		draw_wire_put_be64(s->buf + 8 * i, w[i]);
	s->word = 0;
}

TEST(draw_below_rejects,
     "uniform below m skips a word in the biased top range and uses the next one")
{
	struct draw_stream s;
	/* 2^64 mod 3 is 1, so the one word 2^64 - 1 is refused for m = 3; it
	 * would give 0 if it were taken. */
	const uint64_t w[] = {UINT64_MAX, 5, UINT64_MAX - 1, 7};

	stream_with(&s, w, 4);
	CHECK_INT(draw_stream_below(&s, 3), ==, 5 % 3);
	CHECK_INT(s.word, ==, 2);
	/* The largest word below the refused range is taken. */
	CHECK_INT(draw_stream_below(&s, 3), ==, (UINT64_MAX - 1) % 3);
	CHECK_INT(s.word, ==, 3);
}

TEST(draw_below_boundary,
     "for a large m the refused range starts exactly at the last multiple of m below 2^64")
{
	struct draw_stream s;
	const uint32_t m = 0xfffffffbu;                /* the largest prime below 2^32 */
	const uint64_t rem = (UINT64_MAX % m + 1) % m; /* 2^64 mod m, computed here */
	const uint64_t w[] = {UINT64_MAX - rem + 1, UINT64_MAX, UINT64_MAX - rem, 0};

	CHECK(rem != 0);
	stream_with(&s, w, 4);
	/* Two refused words, then the last accepted one, which is m - 1
	 * modulo m (the accepted range holds whole multiples of m). */
	CHECK_INT(draw_stream_below(&s, m), ==, m - 1);
	CHECK_INT(s.word, ==, 3);
}

TEST(draw_below_one, "uniform below 1 is 0 and takes exactly one word, whatever the word")
{
	struct draw_stream s;
	const uint64_t w[] = {UINT64_MAX, 12345, 0, 1};

	stream_with(&s, w, 4);
	for (unsigned i = 1; i <= 4; i++) {
		CHECK_INT(draw_stream_below(&s, 1), ==, 0);
		CHECK_INT(s.word, ==, i);
	}
}

TEST(draw_below_powers_of_two, "a power of two m refuses no word: its range divides 2^64")
{
	struct draw_stream s;
	const uint64_t w[] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};

	stream_with(&s, w, 4);
	CHECK_INT(draw_stream_below(&s, 2), ==, 1);
	CHECK_INT(draw_stream_below(&s, 1u << 16), ==, 0xffff);
	CHECK_INT(draw_stream_below(&s, 1u << 31), ==, 0x7fffffff);
	CHECK_INT(s.word, ==, 3);
}

TEST(draw_stream_words, "the stream's words are SHA-256(T || R || len || id || j) read big-endian")
{
	crypto_hash_sha256_state keyed, st;
	struct draw_stream s;
	uint8_t h[32], j[4] = {0, 0, 0, 1}, n = 3;

	crypto_hash_sha256_init(&keyed);
	crypto_hash_sha256_update(&keyed, (const uint8_t *)"tag", 3);
	draw_stream_init(&s, &keyed, "abc", 3, NULL);
	for (int i = 0; i < 4; i++)
		(void)draw_stream_word(&s);
	/* The fifth word is the first of block 1. */
	st = keyed;
	crypto_hash_sha256_update(&st, &n, 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)"abc", 3);
	crypto_hash_sha256_update(&st, j, 4);
	crypto_hash_sha256_final(&st, h);
	CHECK(draw_stream_word(&s) == draw_wire_be64(h));
}

/* A pool of ids "OBJ-01".."OBJ-nn" in one stratum; offsets in off[]. */
static struct draw_objects *pool_of(unsigned n, size_t *off)
{
	static const char *const strata[] = {"S"};
	struct draw_objects *p = NULL;
	char id[16], err[128];
	size_t cursor = 0, len;
	const char *s;
	unsigned st, i = 0;

	if (draw_objects_new(&p, strata, 1, n, err, sizeof err) != 0)
		return NULL;
	for (unsigned k = 1; k <= n; k++) {
		snprintf(id, sizeof id, "OBJ-%02u", k);
		if (draw_objects_add(p, id, 0, err, sizeof err) != 0) {
			draw_objects_free(p);
			return NULL;
		}
	}
	if (draw_objects_seal(p) != 0) {
		draw_objects_free(p);
		return NULL;
	}
	while (draw_objects_next(p, &cursor, &s, &len, &st, &off[i]))
		i++;
	return p;
}

static int id_is(const struct draw_objects *p, const struct draw_rank_ent *e, const char *want)
{
	const char *id;
	size_t len;
	unsigned st;

	draw_objects_at(p, e->off, &id, &len, &st);
	return len == strlen(want) && memcmp(id, want, len) == 0;
}

TEST(draw_rank_ties_select,
     "equal 64-bit scores are broken by identifier: the smaller ids are selected, whatever "
     "the order they are offered in")
{
	size_t off[8];
	struct draw_objects *p = pool_of(8, off);
	struct draw_rank_ent heap[3], e;
	uint32_t n = 0;

	CHECK(p != NULL);
	/* Offered from the largest id down, all with one score. */
	for (int i = 7; i >= 0; i--) {
		e.key = e.score = 0x0123456789abcdefull;
		e.off = off[i];
		draw_rank_offer(p, heap, &n, 3, &e);
	}
	CHECK_INT(n, ==, 3);
	draw_rank_sort(p, heap, n);
	CHECK(id_is(p, &heap[0], "OBJ-01"));
	CHECK(id_is(p, &heap[1], "OBJ-02"));
	CHECK(id_is(p, &heap[2], "OBJ-03"));
	/* A smaller score still wins over a smaller id. */
	n = 0;
	for (int i = 0; i < 8; i++) {
		e.key = e.score = i == 7 ? 1 : 2;
		e.off = off[i];
		draw_rank_offer(p, heap, &n, 1, &e);
	}
	CHECK(id_is(p, &heap[0], "OBJ-08"));
	draw_objects_free(p);
}

TEST(draw_rank_ties_order,
     "visit order sorts equal order keys by identifier, and only an entry equals itself")
{
	size_t off[8];
	struct draw_objects *p = pool_of(8, off);
	struct draw_rank_ent h[8];
	static const int shuffled[8] = {5, 2, 7, 0, 3, 6, 1, 4};
	char want[16];

	CHECK(p != NULL);
	for (int i = 0; i < 8; i++) {
		h[i].key = i < 4 ? 9 : 3; /* two groups of equal keys */
		h[i].score = 0;
		h[i].off = off[shuffled[i]];
	}
	draw_rank_heapify(p, h, 8);
	draw_rank_sort(p, h, 8);
	/* Key 3 first (shuffled[4..8): objects 1, 3, 4, 6 by id), then key 9
	 * (shuffled[0..4): objects 0, 2, 5, 7). */
	static const int expect[8] = {1, 3, 4, 6, 0, 2, 5, 7};
	for (int i = 0; i < 8; i++) {
		snprintf(want, sizeof want, "OBJ-%02d", expect[i] + 1);
		CHECK(id_is(p, &h[i], want));
		if (i > 0)
			CHECK_INT(draw_rank_cmp(p, &h[i - 1], &h[i]), <, 0);
		CHECK_INT(draw_rank_cmp(p, &h[i], &h[i]), ==, 0);
	}
	draw_objects_free(p);
}
