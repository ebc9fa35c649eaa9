/*
 * proof.c: parsing and formatting of inclusion proofs (C2SP tlog-proof) and
 * suiji consistency proofs. The grammars are in proof.h and docs/proofs.md.
 *
 * The parsers read untrusted bytes, so they bound the whole text first and
 * then every line before decoding it, count hashes as they go, and accept
 * exactly one spelling of each value: a proof that parses formats back to
 * the same bytes. Nothing is allocated while parsing; the checkpoint note
 * is handed back as a pointer into the caller's text.
 */
#include "ledger/proof.h"

#include "common/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define PROOF_B64_HASH_LEN 44 /* base64 of 32 bytes, with one '=' */
#define PROOF_B64_EXTRA_MAX                                                                        \
	(sodium_base64_ENCODED_LEN(PROOF_MAX_EXTRA, sodium_base64_VARIANT_ORIGINAL) - 1)
#define PROOF_U64_DIGITS 20 /* UINT64_MAX is 18446744073709551615 */

/* A cursor over the text, one "\n"-terminated line at a time. */
struct cursor {
	const char *p;
	size_t left;
	unsigned line; /* number of the line last returned, from 1 */
};

static void fail(char *err, size_t err_cap, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(char *err, size_t err_cap, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || err_cap == 0)
		return;
	n = line > 0 ? snprintf(err, err_cap, "line %u: ", line) : 0;
	if (n < 0 || (size_t)n >= err_cap)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, err_cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Takes the next line, without its "\n". Returns 0, or -1 when the text
 * ends before a "\n" (the line is then unterminated or absent). */
static int next_line(struct cursor *c, const char **line, size_t *len)
{
	const char *nl = c->left > 0 ? memchr(c->p, '\n', c->left) : NULL;

	c->line++;
	if (nl == NULL)
		return -1;
	*line = c->p;
	*len = (size_t)(nl - c->p);
	c->left -= *len + 1;
	c->p = nl + 1;
	return 0;
}

static int line_is(const char *line, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(line, want, len) == 0;
}

/* If line starts with key and a space, points *val at the rest. */
static int line_key(const char *line, size_t len, const char *key, const char **val,
                    size_t *val_len)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(line, key, k) != 0 || line[k] != ' ')
		return 0;
	*val = line + k + 1;
	*val_len = len - k - 1;
	return 1;
}

/* Parses a canonical decimal: digits only, no leading zero unless it is
 * "0", at most UINT64_MAX. Returns NULL or the reason it is not one. */
static const char *parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return "the number is missing";
	if (len > PROOF_U64_DIGITS)
		return "the number is longer than 20 digits";
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return "the number has a character other than a decimal digit";
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return "the number does not fit in 64 bits";
		v = v * 10 + d;
	}
	if (len > 1 && s[0] == '0')
		return "the number has a leading zero";
	*out = v;
	return NULL;
}

/*
 * Decodes canonical standard base64 of at most cap bytes into bin (see
 * util_b64_decode). Returns NULL or the reason the text is not that.
 */
static const char *decode_b64(uint8_t *bin, size_t cap, size_t *bin_len, const char *s, size_t len)
{
	switch (util_b64_decode(bin, cap, bin_len, s, len)) {
	case SJ_OK: return NULL;
	case SJ_EVERIFY: return "it is not canonical base64";
	default: return "it is not standard padded base64";
	}
}

static const char *decode_hash(merkle_hash out, const char *s, size_t len)
{
	size_t n;
	const char *why;

	if (len != PROOF_B64_HASH_LEN)
		return "a hash is 44 base64 characters";
	why = decode_b64(out, MERKLE_HASH_SIZE, &n, s, len);
	if (why == NULL && n != MERKLE_HASH_SIZE)
		why = "a hash is 32 bytes";
	return why;
}

/*
 * Reads the hash lines, the empty line that ends them, and the note that
 * follows, which is all the rest of the text. Shared by both formats.
 */
static int parse_tail(struct cursor *c, merkle_hash *hashes, size_t *n, const char **note,
                      size_t *note_len, char *err, size_t err_cap)
{
	const char *line;
	size_t len;
	const char *why;

	*n = 0;
	for (;;) {
		if (next_line(c, &line, &len) != 0) {
			fail(err, err_cap, c->line,
			     "the text ends before the empty line that precedes the checkpoint");
			return SJ_EINVAL;
		}
		if (len == 0)
			break;
		if (*n == MERKLE_MAX_PROOF) {
			fail(err, err_cap, c->line, "more than %d proof hashes", MERKLE_MAX_PROOF);
			return SJ_EINVAL;
		}
		why = decode_hash(hashes[*n], line, len);
		if (why != NULL) {
			fail(err, err_cap, c->line, "not a proof hash: %s", why);
			return SJ_EINVAL;
		}
		(*n)++;
	}
	if (c->left == 0) {
		fail(err, err_cap, c->line + 1, "the checkpoint note is missing");
		return SJ_EINVAL;
	}
	if (c->p[c->left - 1] != '\n') {
		fail(err, err_cap, 0, "the checkpoint note does not end in a newline");
		return SJ_EINVAL;
	}
	*note = c->p;
	*note_len = c->left;
	return SJ_OK;
}

/* Bounds the text and reads its first line, which must be header. */
static int parse_head(struct cursor *c, const char *text, size_t len, const char *header, char *err,
                      size_t err_cap)
{
	const char *line;
	size_t line_len;

	if (len > PROOF_MAX_TEXT) {
		fail(err, err_cap, 0, "the proof is longer than %d bytes", PROOF_MAX_TEXT);
		return SJ_EINVAL;
	}
	c->p = text;
	c->left = text == NULL ? 0 : len;
	c->line = 0;
	if (next_line(c, &line, &line_len) != 0 || !line_is(line, line_len, header)) {
		fail(err, err_cap, 1, "expected \"%s\"", header);
		return SJ_EINVAL;
	}
	return SJ_OK;
}

int proof_inclusion_parse(struct proof_inclusion *out, const char *text, size_t len, char *err,
                          size_t err_cap)
{
	/* PROOF_B64_EXTRA_MAX characters decode to at most two bytes more
	 * than PROOF_MAX_EXTRA, so the decoder cannot run out of room and the
	 * length check below decides. */
	uint8_t extra[PROOF_MAX_EXTRA + 2];
	struct cursor c;
	const char *line, *val, *why;
	size_t line_len, val_len;
	int rc;

	if (err != NULL && err_cap > 0)
		err[0] = '\0';
	rc = parse_head(&c, text, len, PROOF_INCLUSION_HEADER, err, err_cap);
	if (rc != SJ_OK)
		return rc;

	if (next_line(&c, &line, &line_len) != 0) {
		fail(err, err_cap, c.line, "expected \"index <n>\"");
		return SJ_EINVAL;
	}
	out->has_extra = 0;
	out->extra_len = 0;
	if (line_key(line, line_len, "extra", &val, &val_len)) {
		if (val_len > PROOF_B64_EXTRA_MAX) {
			fail(err, err_cap, c.line, "the extra data is longer than %d bytes",
			     PROOF_MAX_EXTRA);
			return SJ_EINVAL;
		}
		why = decode_b64(extra, sizeof extra, &out->extra_len, val, val_len);
		if (why != NULL) {
			fail(err, err_cap, c.line, "bad extra data: %s", why);
			return SJ_EINVAL;
		}
		if (out->extra_len > PROOF_MAX_EXTRA) {
			fail(err, err_cap, c.line, "the extra data is longer than %d bytes",
			     PROOF_MAX_EXTRA);
			return SJ_EINVAL;
		}
		memcpy(out->extra, extra, out->extra_len);
		out->has_extra = 1;
		if (next_line(&c, &line, &line_len) != 0) {
			fail(err, err_cap, c.line, "expected \"index <n>\"");
			return SJ_EINVAL;
		}
	}

	if (!line_key(line, line_len, "index", &val, &val_len)) {
		fail(err, err_cap, c.line, "expected \"index <n>\"");
		return SJ_EINVAL;
	}
	why = parse_u64(val, val_len, &out->index);
	if (why != NULL) {
		fail(err, err_cap, c.line, "bad index: %s", why);
		return SJ_EINVAL;
	}
	return parse_tail(&c, out->hashes, &out->n, &out->checkpoint, &out->checkpoint_len, err,
	                  err_cap);
}

int proof_consistency_parse(struct proof_consistency *out, const char *text, size_t len, char *err,
                            size_t err_cap)
{
	struct cursor c;
	const char *line, *val, *why;
	size_t line_len, val_len;
	int rc;

	if (err != NULL && err_cap > 0)
		err[0] = '\0';
	rc = parse_head(&c, text, len, PROOF_CONSISTENCY_HEADER, err, err_cap);
	if (rc != SJ_OK)
		return rc;

	if (next_line(&c, &line, &line_len) != 0 ||
	    !line_key(line, line_len, "old", &val, &val_len)) {
		fail(err, err_cap, c.line, "expected \"old <size>\"");
		return SJ_EINVAL;
	}
	why = parse_u64(val, val_len, &out->old_size);
	if (why != NULL) {
		fail(err, err_cap, c.line, "bad old size: %s", why);
		return SJ_EINVAL;
	}
	if (out->old_size == 0) {
		fail(err, err_cap, c.line,
		     "old size 0: there is no consistency proof from the empty tree");
		return SJ_EINVAL;
	}
	return parse_tail(&c, out->hashes, &out->n, &out->checkpoint, &out->checkpoint_len, err,
	                  err_cap);
}

/* The output buffer, sized exactly before any byte is written. */
struct outbuf {
	char *p;
	size_t len;
};

static void put(struct outbuf *b, const char *s, size_t n)
{
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct outbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_b64(struct outbuf *b, const uint8_t *bin, size_t n)
{
	size_t enc = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);

	/* The caller sized the buffer for the encoding and its NUL, which the
	 * "\n" put after every encoding overwrites. */
	sodium_bin2base64(b->p + b->len, enc, bin, n, sodium_base64_VARIANT_ORIGINAL);
	b->len += enc - 1;
}

/*
 * Lays out header, the key line ("extra" is only for inclusion proofs), the
 * hashes and the note. All length arithmetic is bounded by the checks
 * before it, so the sum below cannot overflow: every term is at most
 * PROOF_MAX_TEXT or a small constant.
 */
static int format(char **out, size_t *len, const char *header, const char *key, uint64_t value,
                  const merkle_hash *hashes, size_t n, const char *note, size_t note_len,
                  const uint8_t *extra, size_t extra_len)
{
	char num[PROOF_U64_DIGITS + 1];
	struct outbuf b;
	size_t total;

	if (n > MERKLE_MAX_PROOF || (n > 0 && hashes == NULL))
		return SJ_EINVAL;
	if (extra != NULL && extra_len > PROOF_MAX_EXTRA)
		return SJ_EINVAL;
	if (note == NULL || note_len == 0 || note[note_len - 1] != '\n')
		return SJ_EINVAL;
	if (note_len > PROOF_MAX_TEXT)
		return SJ_ERANGE;
	snprintf(num, sizeof num, "%llu", (unsigned long long)value);

	total = strlen(header) + 1;
	if (extra != NULL)
		total += strlen("extra ") +
		         sodium_base64_ENCODED_LEN(extra_len, sodium_base64_VARIANT_ORIGINAL) - 1 +
		         1;
	total += strlen(key) + 1 + strlen(num) + 1;
	total += n * (PROOF_B64_HASH_LEN + 1) + 1 + note_len;
	if (total > PROOF_MAX_TEXT)
		return SJ_ERANGE;

	/* One more byte for the final NUL. The NUL sodium_bin2base64 writes
	 * after each encoding lands where the "\n" that follows it goes. */
	b.p = malloc(total + 1);
	if (b.p == NULL)
		return SJ_ENOMEM;
	b.len = 0;
	put_str(&b, header);
	put_str(&b, "\n");
	if (extra != NULL) {
		put_str(&b, "extra ");
		put_b64(&b, extra, extra_len);
		put_str(&b, "\n");
	}
	put_str(&b, key);
	put_str(&b, " ");
	put_str(&b, num);
	put_str(&b, "\n");
	for (size_t i = 0; i < n; i++) {
		put_b64(&b, hashes[i], MERKLE_HASH_SIZE);
		put_str(&b, "\n");
	}
	put_str(&b, "\n");
	put(&b, note, note_len);
	b.p[b.len] = '\0';
	*out = b.p;
	*len = b.len;
	return SJ_OK;
}

int proof_inclusion_format(char **out, size_t *len, uint64_t index, const merkle_hash *hashes,
                           size_t n, const char *note, size_t note_len, const uint8_t *extra,
                           size_t extra_len)
{
	return format(out, len, PROOF_INCLUSION_HEADER, "index", index, hashes, n, note, note_len,
	              extra, extra_len);
}

int proof_consistency_format(char **out, size_t *len, uint64_t old_size, const merkle_hash *hashes,
                             size_t n, const char *note, size_t note_len)
{
	if (old_size == 0)
		return SJ_EINVAL;
	return format(out, len, PROOF_CONSISTENCY_HEADER, "old", old_size, hashes, n, note,
	              note_len, NULL, 0);
}
