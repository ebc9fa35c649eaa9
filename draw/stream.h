/*
 * stream.h: the draw's keyed random stream (spec 5.5), private to draw/.
 * Included by derive.c and by the tests, which set a stream's words
 * directly (buf and word below) to reach the rare paths: a rejected word
 * in draw_stream_below, and m = 1.
 */
#ifndef SUIJI_DRAW_STREAM_H
#define SUIJI_DRAW_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* The keyed stream of spec 5.5: blocks SHA-256(T || R || u8 len || id ||
 * u32 j) for j = 0, 1, ..., read as consecutive 64-bit big-endian words.
 * A joint check's part (spec 5.8) puts str8(agency) after the id. */
struct draw_stream {
	crypto_hash_sha256_state base;
	uint32_t block;
	unsigned word;
	uint8_t buf[32];
};

/* Starts the stream for identifier id[0..len) (and a joint check's
 * agency, or NULL) under keyed, a SHA-256 state that has absorbed T || R.
 * keyed is copied; id and agency are read now and not kept. */
void draw_stream_init(struct draw_stream *s, const crypto_hash_sha256_state *keyed, const char *id,
                      size_t len, const char *agency);
/* The next 64-bit word: word s->word of s->buf, hashing block s->block
 * first when the four words of the last one are used up. */
uint64_t draw_stream_word(struct draw_stream *s);
/* A uniform integer below m (m >= 1) from the stream, by rejection: see
 * stream.c. */
uint32_t draw_stream_below(struct draw_stream *s, uint32_t m);

#endif
