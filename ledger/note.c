/*
 * note.c: parsing and verification of C2SP signed notes, verifier keys and
 * cosignature/v1 lines (c2sp.org/signed-note, c2sp.org/tlog-cosignature).
 *
 * This file is linked by the verifier, which must hold no signing code: it
 * calls only libsodium's SHA-256, base64, point validation and
 * crypto_sign_verify_detached. Signing lives in note_sign.c.
 *
 * A note is untrusted input. note_parse bounds the size before it copies
 * anything, checks every byte once (UTF-8, no control characters), splits
 * at the last empty line and reads every signature line before it returns
 * a note. As c2sp.org/signed-note says, a line that no verifier key can
 * claim is ignored rather than refused: a line with a bad key name, base64
 * that is not canonical, or too few bytes is kept only as "malformed", and
 * two lines by one (name, key ID) are both kept. Strictness belongs to the
 * keys the caller knows: note_verify and note_verify_cosignature refuse a
 * note whose lines for their key are malformed or more than one, so a
 * third party can append junk to a note but never change what it proves.
 *
 * Layout of a parsed note, one allocation:
 *
 *   struct note | line table | text copy (len bytes) | NUL | decoded (<= len)
 *
 * In the copy, the space after each signature line's key name is replaced
 * by a NUL so the names can be handed out as C strings; the body, which
 * comes before every signature line, is left as it was.
 */
#define _POSIX_C_SOURCE 200809L
#include "ledger/note.h"

#include "common/utf8.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SIG_PREFIX      "\xe2\x80\x94 " /* U+2014 em dash, then a space */
#define SIG_PREFIX_LEN  4
#define ED25519_SIG_LEN 64
#define COSIG_TS_LEN    8

struct note_sig {
	const char *name; /* NUL-terminated, inside the text copy */
	uint32_t id;
	int has_id;         /* the key ID could be read (even from a malformed line) */
	int ok;             /* well formed: good name, canonical base64, >= 5 bytes */
	const uint8_t *sig; /* after the key ID, inside the decoded area; NULL if !ok */
	size_t sig_len;
};

struct note {
	size_t len;      /* bytes of text */
	size_t body_len; /* body bytes, its final '\n' included */
	size_t nsigs;
	struct note_sig *sigs; /* nsigs lines, in order */
	uint8_t *raw;          /* decoded signatures, back to back */
	char *text;            /* the copy; see the layout above */
};

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

/* Unicode White_Space, as Go's unicode.IsSpace sees it; key names must
 * hold none of these (signed-note: "MUST NOT contain any Unicode spaces"). */
static int is_space(uint32_t c)
{
	switch (c) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000: return 1;
	}
	return c >= 0x2000 && c <= 0x200a;
}

/* Checks a key name; returns NULL when it is good, else what is wrong with
 * it, to follow "key name" in a message. */
static const char *name_check(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i, n;
	uint32_t c;

	if (len == 0)
		return "is empty";
	if (len > NOTE_MAX_NAME)
		return "is longer than 255 bytes";
	for (i = 0; i < len; i += n) {
		n = utf8_next(s + i, len - i, &c); /* strict RFC 3629, as Go decodes */
		if (n == 0)
			return "is not valid UTF-8";
		if (is_space(c))
			return "holds a space";
		if (c < 0x20)
			return "holds a control character";
		if (c == '+')
			return "holds '+'";
	}
	return NULL;
}

/* Parses 8 lowercase hex digits, the form Go's %08x writes. */
static int hex8(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = v << 4 | (uint32_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = v << 4 | (uint32_t)(s[i] - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pk[32])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	const uint8_t nl = '\n';

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, &nl, 1);
	crypto_hash_sha256_update(&st, &type, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	return load_be32(h);
}

int note_vkey_parse(struct note_vkey *out, const char *text)
{
	struct note_vkey k;
	uint8_t raw[1 + 32 + 1]; /* one spare byte so a longer key fails the length check */
	const char *plus, *hex, *b64;
	size_t len, name_len, raw_len;

	if (out == NULL || text == NULL)
		return SJ_EINVAL;
	len = strnlen(text, NOTE_MAX_VKEY);
	if (len == NOTE_MAX_VKEY)
		return SJ_EINVAL;

	/* The name holds no '+' and the key ID is 8 digits, so the first two
	 * '+' are the separators; the base64 after them may hold more. */
	plus = memchr(text, '+', len);
	if (plus == NULL)
		return SJ_EINVAL;
	name_len = (size_t)(plus - text);
	if (name_check(text, name_len) != NULL)
		return SJ_EINVAL;
	hex = plus + 1;
	if ((size_t)(text + len - hex) < 9 || hex[8] != '+')
		return SJ_EINVAL;
	memset(&k, 0, sizeof k);
	if (hex8(hex, &k.id) != 0)
		return SJ_EINVAL;
	b64 = hex + 9;
	if (util_b64_decode(raw, sizeof raw, &raw_len, b64, (size_t)(text + len - b64)) != SJ_OK ||
	    raw_len != 33)
		return SJ_EINVAL;
	k.type = raw[0];
	if (k.type != NOTE_TYPE_ED25519 && k.type != NOTE_TYPE_COSIG_V1)
		return SJ_EINVAL;
	memcpy(k.pk, raw + 1, 32);
	/* A key that is not a point of the prime-order group could never
	 * verify a signature; say so now, where the operator configured it. */
	if (crypto_core_ed25519_is_valid_point(k.pk) != 1)
		return SJ_EINVAL;
	memcpy(k.name, text, name_len);
	k.name[name_len] = '\0';
	if (note_key_id(k.name, k.type, k.pk) != k.id)
		return SJ_EINVAL;
	*out = k;
	return SJ_OK;
}

int note_vkey_format(char *out, size_t cap, const char *name, uint8_t type, const uint8_t pk[32])
{
	uint8_t raw[1 + 32];
	char b64[sodium_base64_ENCODED_LEN(33, sodium_base64_VARIANT_ORIGINAL)];
	size_t name_len;
	int n;

	if (out == NULL || name == NULL || pk == NULL)
		return SJ_EINVAL;
	name_len = strnlen(name, NOTE_MAX_NAME + 1);
	if (name_check(name, name_len) != NULL)
		return SJ_EINVAL;
	if (type != NOTE_TYPE_ED25519 && type != NOTE_TYPE_COSIG_V1)
		return SJ_EINVAL;
	raw[0] = type;
	memcpy(raw + 1, pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "%s+%08" PRIx32 "+%s", name, note_key_id(name, type, pk), b64);
	if (n < 0 || (size_t)n >= cap)
		return SJ_ERANGE;
	return SJ_OK;
}

static int fail(char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the reason into err, when there is room for one, and returns
 * SJ_EINVAL, so every rejection in note_parse is one line. */
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
 * Reads signature line number lineno (from 1), line[0..line_len) without
 * its '\n', into n->sigs[n->nsigs], decoding into n->raw from *raw_used on.
 * Only a line without the "— " prefix or without a space after the name is
 * refused: it is no signature line at all, so the note is malformed. Any
 * other fault makes the line malformed, which only matters to a verifier
 * whose key the line names (see the top of this file).
 */
static int parse_sig_line(struct note *n, char *line, size_t line_len, size_t lineno,
                          size_t *raw_used, char *err, size_t err_cap)
{
	struct note_sig *s = &n->sigs[n->nsigs];
	char *name, *sp, *b64;
	uint8_t *raw = n->raw + *raw_used;
	uint8_t head[6];
	size_t name_len, b64_len, raw_len, head_len;

	if (line_len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return fail(err, err_cap,
		            "signature line %zu does not start with an em dash and a space",
		            lineno);
	name = line + SIG_PREFIX_LEN;
	sp = memchr(name, ' ', line_len - SIG_PREFIX_LEN);
	if (sp == NULL)
		return fail(err, err_cap, "signature line %zu has no space after the key name",
		            lineno);
	name_len = (size_t)(sp - name);
	b64 = sp + 1;
	b64_len = (size_t)(line + line_len - b64);
	*sp = '\0';
	memset(s, 0, sizeof *s);
	s->name = name;
	n->nsigs++;
	if (name_check(name, name_len) != NULL)
		return SJ_OK; /* no key has this name: nobody's line */
	/* Canonical only (common/util.h): without it one signature would have
	 * several spellings and a note several byte forms. */
	if (util_b64_decode(raw, n->len - *raw_used, &raw_len, b64, b64_len) == SJ_OK &&
	    raw_len >= 4 + 1) {
		s->id = load_be32(raw);
		s->has_id = 1;
		s->ok = 1;
		s->sig = raw + 4;
		s->sig_len = raw_len - 4;
		*raw_used += raw_len;
		return SJ_OK;
	}
	/* Malformed. Its first 8 characters, when they are plain base64,
	 * still say whose line it claims to be, so a known key can refuse it;
	 * a line whose key ID cannot be read names no key and is ignored. */
	if (b64_len >= 8 && memchr(b64, '=', 8) == NULL &&
	    sodium_base642bin(head, sizeof head, b64, 8, NULL, &head_len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    head_len == 6) {
		s->id = load_be32(head);
		s->has_id = 1;
	}
	return SJ_OK;
}

int note_parse(struct note **out, const char *text, size_t len, char *err, size_t err_cap)
{
	struct note *n;
	const unsigned char *u;
	size_t i, k, split, p, lines, raw_used = 0;
	uint32_t c;
	char *t, *nl;
	int rc;

	if (out == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (err != NULL && err_cap > 0)
		err[0] = '\0';
	if (text == NULL || len == 0)
		return fail(err, err_cap, "note is empty");
	if (len > NOTE_MAX_SIZE)
		return fail(err, err_cap, "note is longer than %d bytes", NOTE_MAX_SIZE);

	/* Every byte once, before anything is split or allocated. */
	u = (const unsigned char *)text;
	for (i = 0; i < len; i += k) {
		k = utf8_next(u + i, len - i, &c);
		if (k == 0)
			return fail(err, err_cap, "note is not valid UTF-8 at byte %zu", i);
		if (c < 0x20 && c != '\n')
			return fail(err, err_cap,
			            "note holds control character 0x%02" PRIx32 " at byte %zu", c,
			            i);
	}

	/* The last empty line separates body and signatures; signature lines
	 * are never empty, so everything after it is signature lines. */
	split = len;
	for (i = len; i >= 2; i--) {
		if (text[i - 1] == '\n' && text[i - 2] == '\n') {
			split = i - 2;
			break;
		}
	}
	if (split == len)
		return fail(err, err_cap, "note has no empty line before its signatures");
	if (split + 2 == len)
		return fail(err, err_cap, "note has no signature lines");
	if (text[len - 1] != '\n')
		return fail(err, err_cap, "last signature line does not end in a newline");

	/* One table row per signature line; decoded base64 is shorter than
	 * its text, so len bytes hold every signature. */
	for (i = split + 2, lines = 0; i < len; i++)
		lines += text[i] == '\n';
	n = malloc(sizeof *n + lines * sizeof(struct note_sig) + len + 1 + len);
	if (n == NULL)
		return SJ_ENOMEM;
	n->len = len;
	n->body_len = split + 1;
	n->nsigs = 0;
	n->sigs = (struct note_sig *)(n + 1);
	t = n->text = (char *)(n->sigs + lines);
	memcpy(t, text, len);
	t[len] = '\0';
	n->raw = (uint8_t *)t + len + 1;

	p = split + 2;
	while (p < len) {
		/* The note ends in '\n', so every line has one. */
		nl = memchr(t + p, '\n', len - p);
		rc = parse_sig_line(n, t + p, (size_t)(nl - (t + p)), n->nsigs + 1, &raw_used, err,
		                    err_cap);
		if (rc != SJ_OK)
			goto out_free;
		p = (size_t)(nl - t) + 1;
	}
	*out = n;
	return SJ_OK;

out_free:
	free(n);
	return rc;
}

void note_free(struct note *n)
{
	free(n);
}

const char *note_body(const struct note *n, size_t *len)
{
	if (len != NULL)
		*len = n->body_len;
	return n->text;
}

size_t note_sig_count(const struct note *n)
{
	return n->nsigs;
}

int note_sig_get(const struct note *n, size_t i, const char **name, uint32_t *id,
                 const uint8_t **sig, size_t *sig_len)
{
	if (n == NULL || i >= n->nsigs)
		return SJ_ERANGE;
	if (name != NULL)
		*name = n->sigs[i].name;
	if (id != NULL)
		*id = n->sigs[i].id;
	if (sig != NULL)
		*sig = n->sigs[i].sig;
	if (sig_len != NULL)
		*sig_len = n->sigs[i].sig_len;
	return n->sigs[i].ok ? SJ_OK : SJ_EINVAL;
}

/* A key from a caller's struct, not from note_vkey_parse, may be
 * inconsistent; matching lines by a key ID that does not belong to the
 * public key would blame the note for the caller's mistake. */
static int key_check(const struct note_vkey *k, uint8_t type)
{
	if (k == NULL || memchr(k->name, '\0', sizeof k->name) == NULL)
		return SJ_EINVAL;
	if (k->type != type || note_key_id(k->name, k->type, k->pk) != k->id)
		return SJ_EINVAL;
	return SJ_OK;
}

/* The one line signed by k. Lines that share only the name or only the key
 * ID belong to other keys and are ignored, as the spec says. A known key is
 * strict: two lines by it, or a malformed one, make the note fail for it
 * (*bad), so no two verifiers can disagree on which of its lines counts. */
static const struct note_sig *sig_find(const struct note *n, const struct note_vkey *k, int *bad)
{
	const struct note_sig *found = NULL;
	size_t i;

	*bad = 0;
	for (i = 0; i < n->nsigs; i++) {
		const struct note_sig *s = &n->sigs[i];
		if (!s->has_id || s->id != k->id || strcmp(s->name, k->name) != 0)
			continue;
		if (found != NULL || !s->ok)
			*bad = 1;
		found = s;
	}
	return found;
}

int note_verify(const struct note *n, const struct note_vkey *k)
{
	const struct note_sig *s;
	int rc, bad;

	if (n == NULL)
		return SJ_EINVAL;
	rc = key_check(k, NOTE_TYPE_ED25519);
	if (rc != SJ_OK)
		return rc;
	s = sig_find(n, k, &bad);
	if (s == NULL)
		return SJ_ENOENT;
	if (bad || s->sig_len != ED25519_SIG_LEN)
		return SJ_EVERIFY;
	if (crypto_sign_verify_detached(s->sig, (const uint8_t *)n->text, n->body_len, k->pk) != 0)
		return SJ_EVERIFY;
	return SJ_OK;
}

int note_verify_cosignature(const struct note *n, const struct note_vkey *k, uint64_t *timestamp)
{
	const struct note_sig *s;
	char head[64];
	uint8_t *msg;
	uint64_t ts;
	size_t head_len;
	int rc, bad;

	if (n == NULL)
		return SJ_EINVAL;
	rc = key_check(k, NOTE_TYPE_COSIG_V1);
	if (rc != SJ_OK)
		return rc;
	s = sig_find(n, k, &bad);
	if (s == NULL)
		return SJ_ENOENT;
	if (bad || s->sig_len != COSIG_TS_LEN + ED25519_SIG_LEN)
		return SJ_EVERIFY;
	ts = load_be64(s->sig);
	if (ts > INT64_MAX)
		return SJ_EVERIFY;

	/* The signed message is two header lines, then the body exactly as
	 * it was received: never a re-encoding of the parsed checkpoint. */
	head_len = (size_t)snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", ts);
	msg = malloc(head_len + n->body_len);
	if (msg == NULL)
		return SJ_ENOMEM;
	memcpy(msg, head, head_len);
	memcpy(msg + head_len, n->text, n->body_len);
	if (crypto_sign_verify_detached(s->sig + COSIG_TS_LEN, msg, head_len + n->body_len,
	                                k->pk) != 0) {
		rc = SJ_EVERIFY;
		goto out_msg;
	}
	if (timestamp != NULL)
		*timestamp = ts;
	rc = SJ_OK;

out_msg:
	free(msg);
	return rc;
}
