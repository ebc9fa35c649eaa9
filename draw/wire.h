/*
 * wire.h: byte-level helpers shared by the draw files, not for callers
 * outside draw/: a growable writer, a bounds-checked reader, the identifier
 * and text rules, the byte order of identifiers, and the two hash
 * constructions of docs/draw-spec.md section 2 (tagged hash, keyed hash).
 *
 * Pure code: no I/O, no globals. Hashing assumes sodium_init() was called.
 */
#ifndef SUIJI_DRAW_WIRE_H
#define SUIJI_DRAW_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "common/err.h"

/* A writer that grows its buffer; the first failed allocation sets oom and
 * every later put is ignored, so callers check once at the end. */
struct draw_wbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

void draw_wire_put(struct draw_wbuf *w, const void *b, size_t n);
void draw_wire_u8(struct draw_wbuf *w, unsigned v);
void draw_wire_u16(struct draw_wbuf *w, unsigned v);
void draw_wire_u32(struct draw_wbuf *w, uint32_t v);
void draw_wire_u64(struct draw_wbuf *w, uint64_t v);
/* u8 length, then the bytes; len must be at most 255 (checked by callers). */
void draw_wire_str8(struct draw_wbuf *w, const char *s, size_t len);
/* Reserves room for at least n more bytes. */
void draw_wire_reserve(struct draw_wbuf *w, size_t n);

/* A reader over borrowed bytes. Every get returns SJ_EINVAL past the end. */
struct draw_rbuf {
	const uint8_t *p;
	size_t len, off;
};

SJ_WUR int draw_wire_get(struct draw_rbuf *r, const uint8_t **b, size_t n);
SJ_WUR int draw_wire_get_u8(struct draw_rbuf *r, unsigned *v);
SJ_WUR int draw_wire_get_u16(struct draw_rbuf *r, unsigned *v);
SJ_WUR int draw_wire_get_u32(struct draw_rbuf *r, uint32_t *v);
SJ_WUR int draw_wire_get_u64(struct draw_rbuf *r, uint64_t *v);
/* A u8 length then that many bytes; *s borrows from the reader. */
SJ_WUR int draw_wire_get_str8(struct draw_rbuf *r, const char **s, size_t *len);

uint64_t draw_wire_be64(const uint8_t *b);
void draw_wire_put_be64(uint8_t *b, uint64_t v);
void draw_wire_put_be32(uint8_t *b, uint32_t v);

/* 1 when s[0..len) is an identifier: 1..max bytes, each 0x21..0x7e
 * (printable ASCII without space), else 0. Spec section 3.1. */
int draw_wire_id_ok(const char *s, size_t len, size_t max);
/* 1 when s[0..len) is free text: at most max bytes, none below 0x20 and
 * none 0x7f (UTF-8 is allowed and not further checked), else 0. */
int draw_wire_text_ok(const char *s, size_t len, size_t max);
/* Byte order of identifiers: memcmp over the common prefix, then the
 * shorter first. Negative, zero or positive as memcmp. */
int draw_wire_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* out = SHA-256(tag || 0x00 || b). */
void draw_wire_tagged(uint8_t out[32], const char *tag, const uint8_t *b, size_t n);
/* Starts the keyed hash H_tag(R, .) of spec section 2.2: st has absorbed
 * SHA-256(tag) || R, exactly one 64-byte block, so copies of st continue
 * from the midstate and each later message costs its own blocks only. */
void draw_wire_keyed_init(crypto_hash_sha256_state *st, const char *tag, const uint8_t r[32]);
/* Completes a copy of the keyed state over u8 len || id: 32 bytes out. */
void draw_wire_keyed_id(uint8_t out[32], const crypto_hash_sha256_state *st, const char *id,
                        size_t len);

/* Formats a message into err (cap bytes) when err is not NULL. */
void draw_wire_err(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
