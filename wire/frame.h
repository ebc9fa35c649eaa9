/*
 * frame.h: the length-prefixed frames suijid and suiji exchange on a
 * stream socket. Pure code: no I/O, no globals; the caller reads and
 * writes the socket and hands bytes in and out.
 *
 * Wire format:
 *   OFFSET  SIZE  DESCRIPTION
 *        0     4  body length L, unsigned, big-endian; 1 <= L <= cap
 *        4     L  body
 * cap is at most FRAME_MAX (1 MiB) and may be set lower per connection
 * (frame_decoder_set_cap). A frame is valid if and only if its length is
 * neither 0 nor above the receiver's cap; the receiver refuses a length
 * above the cap as soon as the four prefix bytes are in, before it
 * allocates anything for the body, and then refuses everything after.
 *
 * Memory. A decoder allocates a frame's body as its bytes arrive, growing
 * the buffer geometrically up to the announced length, so that a peer
 * that announces a large frame and then sends nothing makes us hold
 * nothing: the decoder never holds more than max(4 KiB, twice the body
 * bytes received) for an unfinished frame.
 *
 * A decoder belongs to one connection and is used by one thread at a
 * time. Every function assumes nothing about sodium.
 */
#ifndef SUIJI_WIRE_FRAME_H
#define SUIJI_WIRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define FRAME_HEADER_SIZE 4
#define FRAME_MAX         (1024u * 1024u) /* largest body any decoder accepts */

/* Writes the length prefix of a body of body_len bytes into out.
 * Errors: SJ_ERANGE when body_len is 0 or above FRAME_MAX (out untouched). */
SJ_WUR int frame_header(uint8_t out[FRAME_HEADER_SIZE], size_t body_len);

/* A whole frame, prefix || body, for body[0..body_len): *out is malloc'd
 * (the caller frees it), *out_len = FRAME_HEADER_SIZE + body_len; body is
 * copied. Errors: SJ_EINVAL (NULL pointer), SJ_ERANGE (as frame_header),
 * SJ_ENOMEM; on failure *out is NULL and *out_len 0. */
SJ_WUR int frame_encode(uint8_t **out, size_t *out_len, const uint8_t *body, size_t body_len);

struct frame_decoder; /* opaque */

/* A decoder accepting bodies of 1..cap bytes, cap <= FRAME_MAX.
 * Errors: SJ_EINVAL (out NULL, cap 0 or above FRAME_MAX), SJ_ENOMEM; on
 * failure *out is NULL. */
SJ_WUR int frame_decoder_new(struct frame_decoder **out, size_t cap);

/*
 * Changes the cap for every length prefix not yet complete; a frame whose
 * length was already accepted keeps it. A server uses this to accept only
 * handshake-sized frames until the peer is authenticated, then raise the
 * cap. Errors: SJ_EINVAL (cap 0 or above FRAME_MAX; the cap is unchanged).
 */
int frame_decoder_set_cap(struct frame_decoder *d, size_t cap);

/*
 * Consumes bytes from in[0..len) up to the end of the first frame that
 * they complete, and no further, so that the caller can act on that frame
 * (and change the cap) before the next one is read. *used says how many
 * bytes were consumed; the caller feeds the rest again. When a frame is
 * complete, *body holds its body, malloc'd, which the caller frees, and
 * *body_len its length (1..cap); otherwise *body is NULL, *body_len 0 and
 * every byte was consumed. len 0 is allowed and does nothing.
 *
 * Errors: SJ_ERANGE (a length prefix above the cap, reported on the
 * prefix's fourth byte, before any allocation), SJ_EINVAL (a length of 0,
 * or a NULL pointer), SJ_ENOMEM. On failure *body is NULL, *body_len 0,
 * *used the bytes taken (a refused prefix counts); the decoder is then
 * dead and every later call returns the same error.
 */
SJ_WUR int frame_decoder_feed(struct frame_decoder *d, uint8_t **body, size_t *body_len,
                              size_t *used, const uint8_t *in, size_t len);

/* Bytes of an unfinished frame (prefix included) the decoder has taken:
 * 0 exactly when it stands between frames. A stream that ends while this
 * is not 0 was cut inside a frame. */
size_t frame_decoder_pending(const struct frame_decoder *d);

/* Bytes of body buffer the decoder holds now (for accounting and tests). */
size_t frame_decoder_held(const struct frame_decoder *d);

/* Frees d and any unfinished body. d may be NULL. */
void frame_decoder_free(struct frame_decoder *d);

#endif
