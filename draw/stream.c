/*
 * stream.c: the draw's keyed random stream and uniform integers from it.
 * See stream.h and docs/draw-spec.md section 5.5.
 */
#include "draw/stream.h"

#include <string.h>

#include "draw/wire.h"

void draw_stream_init(struct draw_stream *s, const crypto_hash_sha256_state *keyed, const char *id,
                      size_t len, const char *agency)
{
	uint8_t n = (uint8_t)len;

	s->base = *keyed;
	crypto_hash_sha256_update(&s->base, &n, 1);
	crypto_hash_sha256_update(&s->base, (const uint8_t *)id, len);
	if (agency != NULL) {
		n = (uint8_t)strlen(agency);
		crypto_hash_sha256_update(&s->base, &n, 1);
		crypto_hash_sha256_update(&s->base, (const uint8_t *)agency, n);
	}
	s->block = 0;
	s->word = 4;
}

uint64_t draw_stream_word(struct draw_stream *s)
{
	if (s->word == 4) {
		crypto_hash_sha256_state st = s->base;
		uint8_t j[4];

		draw_wire_put_be32(j, s->block++);
		crypto_hash_sha256_update(&st, j, 4);
		crypto_hash_sha256_final(&st, s->buf);
		s->word = 0;
	}
	return draw_wire_be64(s->buf + 8 * s->word++);
}

/* A uniform integer below m >= 1 by rejection: words at or above the
 * largest multiple of m below 2^64 are skipped, so there is no modulo
 * bias. Each try rejects with probability below 1/2. */
uint32_t draw_stream_below(struct draw_stream *s, uint32_t m)
{
	uint64_t rem = (UINT64_MAX % m + 1) % m; /* 2^64 mod m */

	for (;;) {
		uint64_t w = draw_stream_word(s);

		if (w <= UINT64_MAX - rem)
			return (uint32_t)(w % m);
	}
}
