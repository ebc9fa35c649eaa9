/*
 * wire.c: see wire.h. The encodings these helpers write are specified in
 * docs/draw-spec.md; all integers are big-endian.
 */
#include "draw/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void draw_wire_reserve(struct draw_wbuf *w, size_t n)
{
	if (w->oom || w->cap - w->len >= n)
		return;
	if (n > SIZE_MAX / 2 - w->len) {
		w->oom = 1;
		return;
	}
	size_t cap = w->cap ? w->cap : 256;
	while (cap - w->len < n)
		cap += cap / 2;
	uint8_t *p = realloc(w->p, cap);
	if (p == NULL) {
		w->oom = 1;
		return;
	}
	w->p = p;
	w->cap = cap;
}

void draw_wire_put(struct draw_wbuf *w, const void *b, size_t n)
{
	draw_wire_reserve(w, n);
	if (w->oom || n == 0)
		return;
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

void draw_wire_u8(struct draw_wbuf *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	draw_wire_put(w, &b, 1);
}

void draw_wire_u16(struct draw_wbuf *w, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	draw_wire_put(w, b, 2);
}

void draw_wire_u32(struct draw_wbuf *w, uint32_t v)
{
	uint8_t b[4];

	draw_wire_put_be32(b, v);
	draw_wire_put(w, b, 4);
}

void draw_wire_u64(struct draw_wbuf *w, uint64_t v)
{
	uint8_t b[8];

	draw_wire_put_be64(b, v);
	draw_wire_put(w, b, 8);
}

void draw_wire_str8(struct draw_wbuf *w, const char *s, size_t len)
{
	draw_wire_u8(w, (unsigned)len);
	draw_wire_put(w, s, len);
}

int draw_wire_get(struct draw_rbuf *r, const uint8_t **b, size_t n)
{
	if (r->len - r->off < n)
		return SJ_EINVAL;
	*b = r->p + r->off;
	r->off += n;
	return SJ_OK;
}

int draw_wire_get_u8(struct draw_rbuf *r, unsigned *v)
{
	const uint8_t *b;

	if (draw_wire_get(r, &b, 1) != SJ_OK)
		return SJ_EINVAL;
	*v = b[0];
	return SJ_OK;
}

int draw_wire_get_u16(struct draw_rbuf *r, unsigned *v)
{
	const uint8_t *b;

	if (draw_wire_get(r, &b, 2) != SJ_OK)
		return SJ_EINVAL;
	*v = (unsigned)b[0] << 8 | b[1];
	return SJ_OK;
}

int draw_wire_get_u32(struct draw_rbuf *r, uint32_t *v)
{
	const uint8_t *b;

	if (draw_wire_get(r, &b, 4) != SJ_OK)
		return SJ_EINVAL;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return SJ_OK;
}

int draw_wire_get_u64(struct draw_rbuf *r, uint64_t *v)
{
	const uint8_t *b;

	if (draw_wire_get(r, &b, 8) != SJ_OK)
		return SJ_EINVAL;
	*v = draw_wire_be64(b);
	return SJ_OK;
}

int draw_wire_get_str8(struct draw_rbuf *r, const char **s, size_t *len)
{
	unsigned n;
	const uint8_t *b;

	if (draw_wire_get_u8(r, &n) != SJ_OK || draw_wire_get(r, &b, n) != SJ_OK)
		return SJ_EINVAL;
	*s = (const char *)b;
	*len = n;
	return SJ_OK;
}

uint64_t draw_wire_be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

void draw_wire_put_be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

void draw_wire_put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

int draw_wire_id_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

int draw_wire_text_ok(const char *s, size_t len, size_t max)
{
	if (len > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

int draw_wire_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

void draw_wire_tagged(uint8_t out[32], const char *tag, const uint8_t *b, size_t n)
{
	crypto_hash_sha256_state st;
	const uint8_t zero = 0;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)tag, strlen(tag));
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, b, n);
	crypto_hash_sha256_final(&st, out);
}

void draw_wire_keyed_init(crypto_hash_sha256_state *st, const char *tag, const uint8_t r[32])
{
	uint8_t t[32];

	crypto_hash_sha256(t, (const uint8_t *)tag, strlen(tag));
	crypto_hash_sha256_init(st);
	crypto_hash_sha256_update(st, t, sizeof t);
	crypto_hash_sha256_update(st, r, 32);
}

void draw_wire_keyed_id(uint8_t out[32], const crypto_hash_sha256_state *st, const char *id,
                        size_t len)
{
	crypto_hash_sha256_state c = *st;
	uint8_t n = (uint8_t)len;

	crypto_hash_sha256_update(&c, &n, 1);
	crypto_hash_sha256_update(&c, (const uint8_t *)id, len);
	crypto_hash_sha256_final(&c, out);
}

void draw_wire_err(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}
