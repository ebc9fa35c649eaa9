/*
 * checkpoint.c: parse and format the body of a C2SP tlog-checkpoint.
 * The rules are listed in checkpoint.h; each is checked where it is coded
 * below, in the order of the lines.
 *
 * Parsing is strict so that one checkpoint has one byte form: a body we
 * accept formats back to the same bytes, which is what lets a witness, a
 * log and the verifier agree on what was signed without comparing parsed
 * values.
 */
#define _POSIX_C_SOURCE 200809L
#include "ledger/checkpoint.h"

#include "common/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define ROOT_B64_LEN    44 /* padded base64 of 32 bytes */
#define SIZE_MAX_DIGITS 20 /* UINT64_MAX is 18446744073709551615 */

static int fail(char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_cap, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_cap > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_cap, fmt, ap);
		va_end(ap);
	}
	return SJ_EINVAL;
}

/*
 * Returns the offset of the first byte of s[0..len) that is not part of
 * well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code
 * points above U+10FFFF) or is a control character other than '\n', or len
 * when there is none. The same rule note.c applies to whole notes; a body
 * parsed here straight from the wire gets it too.
 */
static size_t text_bad_at(const unsigned char *s, size_t len)
{
	size_t i = 0, n, j;
	uint32_t c, min;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			if (c < 0x20 && c != '\n')
				return i;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			c &= 0x07;
			min = 0x10000;
		} else {
			return i;
		}
		if (len - i < n)
			return i;
		for (j = 1; j < n; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return i;
		i += n;
	}
	return len;
}

/* Decimal without sign, spaces or leading zeros ("0" alone is zero),
 * refusing what does not fit in 64 bits. */
static int parse_size(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (len == 0 || len > SIZE_MAX_DIGITS || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Exactly 32 bytes of canonical padded base64: the only 44-character
 * spelling whose re-encoding is itself. */
static int parse_root(uint8_t root[32], const char *s, size_t len)
{
	if (len != ROOT_B64_LEN)
		return -1;
	return util_b64_decode_exact(root, 32, s, len) == SJ_OK ? 0 : -1;
}

int checkpoint_parse(struct checkpoint *out, const char *body, size_t len, char *err,
                     size_t err_cap)
{
	struct checkpoint c;
	const char *p, *end, *nl;
	size_t bad, line_len;

	if (err != NULL && err_cap > 0)
		err[0] = '\0';
	if (out == NULL)
		return SJ_EINVAL;
	if (body == NULL || len == 0)
		return fail(err, err_cap, "checkpoint is empty");
	if (body[len - 1] != '\n')
		return fail(err, err_cap, "checkpoint does not end in a newline");
	bad = text_bad_at((const unsigned char *)body, len);
	if (bad != len)
		return fail(err, err_cap,
		            "checkpoint is not UTF-8 without control characters at byte %zu", bad);
	memset(&c, 0, sizeof c);
	p = body;
	end = body + len;

	/* 1. The origin: any non-empty line, bounded by our array. */
	nl = memchr(p, '\n', (size_t)(end - p));
	line_len = (size_t)(nl - p);
	if (line_len == 0)
		return fail(err, err_cap, "checkpoint origin is empty");
	if (line_len > CHECKPOINT_MAX_ORIGIN)
		return fail(err, err_cap, "checkpoint origin is longer than %d bytes",
		            CHECKPOINT_MAX_ORIGIN);
	memcpy(c.origin, p, line_len);
	p = nl + 1;

	/* 2. The tree size. */
	if (p == end)
		return fail(err, err_cap, "checkpoint has no tree size line");
	nl = memchr(p, '\n', (size_t)(end - p));
	if (parse_size(&c.size, p, (size_t)(nl - p)) != 0)
		return fail(err, err_cap,
		            "checkpoint tree size is not a 64-bit decimal without leading zeros");
	p = nl + 1;

	/* 3. The root hash. */
	if (p == end)
		return fail(err, err_cap, "checkpoint has no root hash line");
	nl = memchr(p, '\n', (size_t)(end - p));
	if (parse_root(c.root, p, (size_t)(nl - p)) != 0)
		return fail(err, err_cap,
		            "checkpoint root hash is not canonical base64 of 32 bytes");
	p = nl + 1;

	/* 4. Extension lines, kept byte for byte. */
	if ((size_t)(end - p) > CHECKPOINT_MAX_EXT)
		return fail(err, err_cap, "checkpoint extension lines are longer than %d bytes",
		            CHECKPOINT_MAX_EXT);
	memcpy(c.ext, p, (size_t)(end - p));
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == p)
			return fail(err, err_cap, "checkpoint has an empty extension line");
	}
	*out = c;
	return SJ_OK;
}

int checkpoint_format(char *out, size_t cap, size_t *len, const struct checkpoint *c)
{
	char root[ROOT_B64_LEN + 1];
	size_t origin_len, ext_len;
	int n;

	if (out == NULL || len == NULL || c == NULL)
		return SJ_EINVAL;
	origin_len = strnlen(c->origin, sizeof c->origin);
	ext_len = strnlen(c->ext, sizeof c->ext);
	if (origin_len == 0 || origin_len == sizeof c->origin || ext_len == sizeof c->ext)
		return SJ_EINVAL;
	/* The origin is one line of note text; the extension lines are zero
	 * or more non-empty lines of it. */
	if (memchr(c->origin, '\n', origin_len) != NULL ||
	    text_bad_at((const unsigned char *)c->origin, origin_len) != origin_len)
		return SJ_EINVAL;
	if (ext_len > 0 &&
	    (c->ext[0] == '\n' || c->ext[ext_len - 1] != '\n' || strstr(c->ext, "\n\n") != NULL ||
	     text_bad_at((const unsigned char *)c->ext, ext_len) != ext_len))
		return SJ_EINVAL;

	sodium_bin2base64(root, sizeof root, c->root, sizeof c->root,
	                  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "%s\n%" PRIu64 "\n%s\n%s", c->origin, c->size, root, c->ext);
	if (n < 0 || (size_t)n >= cap)
		return SJ_ERANGE;
	*len = (size_t)n;
	return SJ_OK;
}
