/*
 * frame.c: length-prefixed frames and their incremental decoder. See
 * frame.h for the format and the contract.
 *
 * The decoder is a two-state machine: reading the 4-byte prefix (hdr_got
 * < 4), then reading the body (hdr_got == 4, got < len). The length is
 * checked against the cap the moment the prefix is whole, which is before
 * the body buffer exists; the buffer then grows with the bytes that
 * actually arrive, never beyond the announced length.
 */
#include "wire/frame.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_FIRST_ALLOC 4096

struct frame_decoder {
	size_t cap;                     /* largest body length accepted */
	int err;                        /* first error; the decoder is dead when set */
	uint8_t hdr[FRAME_HEADER_SIZE]; /* the length prefix being read */
	size_t hdr_got;                 /* bytes of hdr received, 0..4 */
	size_t len;                     /* body length, valid when hdr_got == 4 */
	size_t got;                     /* body bytes received */
	uint8_t *buf;                   /* body so far, NULL until a body byte arrives */
	size_t buf_cap;                 /* bytes allocated at buf, <= len */
};

int frame_header(uint8_t out[FRAME_HEADER_SIZE], size_t body_len)
{
	if (body_len == 0 || body_len > FRAME_MAX)
		return SJ_ERANGE;
	out[0] = (uint8_t)(body_len >> 24);
	out[1] = (uint8_t)(body_len >> 16);
	out[2] = (uint8_t)(body_len >> 8);
	out[3] = (uint8_t)body_len;
	return SJ_OK;
}

int frame_encode(uint8_t **out, size_t *out_len, const uint8_t *body, size_t body_len)
{
	uint8_t hdr[FRAME_HEADER_SIZE];
	uint8_t *f;
	int rc;

	if (out == NULL || out_len == NULL)
		return SJ_EINVAL;
	*out = NULL;
	*out_len = 0;
	if (body == NULL)
		return SJ_EINVAL;
	rc = frame_header(hdr, body_len);
	if (rc != SJ_OK)
		return rc;
	f = malloc(FRAME_HEADER_SIZE + body_len);
	if (f == NULL)
		return SJ_ENOMEM;
	memcpy(f, hdr, FRAME_HEADER_SIZE);
	memcpy(f + FRAME_HEADER_SIZE, body, body_len);
	*out = f;
	*out_len = FRAME_HEADER_SIZE + body_len;
	return SJ_OK;
}

int frame_decoder_new(struct frame_decoder **out, size_t cap)
{
	struct frame_decoder *d;

	if (out == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (cap == 0 || cap > FRAME_MAX)
		return SJ_EINVAL;
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return SJ_ENOMEM;
	d->cap = cap;
	*out = d;
	return SJ_OK;
}

int frame_decoder_set_cap(struct frame_decoder *d, size_t cap)
{
	if (d == NULL || cap == 0 || cap > FRAME_MAX)
		return SJ_EINVAL;
	d->cap = cap;
	return SJ_OK;
}

size_t frame_decoder_pending(const struct frame_decoder *d)
{
	return d->hdr_got + d->got;
}

size_t frame_decoder_held(const struct frame_decoder *d)
{
	return d->buf_cap;
}

void frame_decoder_free(struct frame_decoder *d)
{
	if (d == NULL)
		return;
	free(d->buf);
	free(d);
}

/* Kills d with err, dropping any unfinished body: nothing after a refused
 * frame can be trusted to start on a frame boundary. */
static int decoder_fail(struct frame_decoder *d, int err)
{
	free(d->buf);
	d->buf = NULL;
	d->buf_cap = 0;
	d->err = err;
	return err;
}

/* Makes room for need body bytes in all (need <= d->len): doubling from
 * FRAME_FIRST_ALLOC keeps the copies linear in the frame's size and the
 * allocation at most twice what has arrived. */
static int decoder_reserve(struct frame_decoder *d, size_t need)
{
	size_t n;
	uint8_t *p;

	assert(need <= d->len); /* callers never read past the announced length */
	if (need <= d->buf_cap)
		return SJ_OK;
	n = d->buf_cap == 0 ? FRAME_FIRST_ALLOC : d->buf_cap;
	while (n < need)
		n *= 2; /* no overflow: need <= FRAME_MAX */
	if (n > d->len)
		n = d->len;
	p = realloc(d->buf, n);
	if (p == NULL)
		return SJ_ENOMEM;
	d->buf = p;
	d->buf_cap = n;
	return SJ_OK;
}

int frame_decoder_feed(struct frame_decoder *d, uint8_t **body, size_t *body_len, size_t *used,
                       const uint8_t *in, size_t len)
{
	size_t pos = 0, n;
	int rc;

	if (body == NULL || body_len == NULL || used == NULL)
		return SJ_EINVAL;
	*body = NULL;
	*body_len = 0;
	*used = 0;
	if (d == NULL)
		return SJ_EINVAL;
	if (d->err != SJ_OK)
		return d->err;
	if (in == NULL && len > 0)
		return decoder_fail(d, SJ_EINVAL);

	while (pos < len && d->hdr_got < FRAME_HEADER_SIZE) {
		d->hdr[d->hdr_got++] = in[pos++];
		if (d->hdr_got < FRAME_HEADER_SIZE)
			continue;
		d->len = (size_t)d->hdr[0] << 24 | (size_t)d->hdr[1] << 16 |
		         (size_t)d->hdr[2] << 8 | (size_t)d->hdr[3];
		if (d->len > d->cap) {
			*used = pos;
			return decoder_fail(d, SJ_ERANGE);
		}
		if (d->len == 0) {
			*used = pos;
			return decoder_fail(d, SJ_EINVAL);
		}
	}
	if (d->hdr_got < FRAME_HEADER_SIZE) {
		*used = pos;
		return SJ_OK;
	}

	n = d->len - d->got;
	if (n > len - pos)
		n = len - pos;
	if (n > 0) {
		rc = decoder_reserve(d, d->got + n);
		if (rc != SJ_OK) {
			*used = pos;
			return decoder_fail(d, rc);
		}
		memcpy(d->buf + d->got, in + pos, n);
		d->got += n;
		pos += n;
	}
	*used = pos;
	if (d->got < d->len)
		return SJ_OK;

	/* A whole frame: reserve grew the buffer to exactly len. */
	assert(d->buf_cap == d->len);
	*body = d->buf;
	*body_len = d->len;
	d->buf = NULL;
	d->buf_cap = 0;
	d->hdr_got = 0;
	d->len = 0;
	d->got = 0;
	return SJ_OK;
}
