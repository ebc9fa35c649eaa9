/*
 * util.h: small helpers every binary needs: the clock, whole-file reads
 * and writes, and base64 in the one variant the signed-note formats use.
 */
#ifndef SUIJI_COMMON_UTIL_H
#define SUIJI_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Microseconds since the Unix epoch, from CLOCK_REALTIME. */
int64_t util_now_us(void);

/* A request counter (ledger/entry.h) for a signer that keeps no state:
 * microseconds since the epoch times 4096 plus 12 random bits (so
 * processes sharing a key rarely meet), raised above every value this
 * process returned before, so each call in a process gives a larger one;
 * safe to call from several threads. */
uint64_t util_request_counter(void);

/* Reads the whole file at path into a malloc'd buffer with a NUL after the
 * last byte (not counted in *len). Errors: SJ_ENOENT (no such file),
 * SJ_ERANGE (larger than max bytes), SJ_EIO, SJ_ENOMEM. */
SJ_WUR int util_read_file(uint8_t **out, size_t *len, const char *path, size_t max);

/* Writes buf to path through a temporary file, fsync and rename, so a crash
 * leaves the old file or the new one. mode is the new file's mode. */
SJ_WUR int util_write_file(const char *path, const void *buf, size_t len, unsigned mode);

/* Standard base64 with padding; out gets a NUL-terminated string. Returns
 * SJ_ERANGE when cap is too small. */
int util_b64_encode(char *out, size_t cap, const uint8_t *in, size_t len);
/* Decodes in[0..in_len), standard padded base64, into out (cap bytes) and
 * sets *out_len, accepting only the one canonical spelling of the bytes it
 * decodes to. The empty text is the canonical spelling of no bytes. Errors:
 * SJ_EINVAL (not padded standard base64: a length that is not a multiple of
 * 4, a character outside the alphabet, whitespace, wrong padding, non-zero
 * padding bits, or more than cap bytes); SJ_EVERIFY (it decodes, but the
 * bytes re-encode to a different text). On failure *out_len is 0 and out
 * holds nothing the caller may use. */
SJ_WUR int util_b64_decode(uint8_t *out, size_t cap, size_t *out_len, const char *in,
                           size_t in_len);
/* Decodes canonical standard base64 of exactly want bytes; anything else
 * (wrong length, bad characters, non-zero padding bits) is SJ_EINVAL. */
SJ_WUR int util_b64_decode_exact(uint8_t *out, size_t want, const char *in, size_t in_len);

/* Makes room in *arr (of *cap elements of sz bytes) for element n, doubling
 * from 16. Errors: SJ_ENOMEM (the array is unchanged). */
SJ_WUR int util_grow(void **arr, size_t *cap, size_t n, size_t sz);

/* Lower-case hex of in into out (2*len+1 bytes). */
void util_hex(char *out, const uint8_t *in, size_t len);

#endif
