/*
 * note_sign.c: signing keys in Go's note format, note signatures and
 * cosignature/v1 lines. See note_sign.h; the formats are in note.h.
 *
 * Where the secret is. Each key's 64-byte libsodium secret key (seed ||
 * public key) lives in its own sodium_malloc region, guarded and locked,
 * which is PROT_NONE except while skey_open .. skey_close read it. Every
 * other copy of secret material (the decoded private key string, its
 * re-encoding for the canonical check, the string note_skey_format
 * returns) is made in sodium_malloc memory as well, and sodium_free wipes
 * each one before it gives the pages back.
 *
 * Every signature we make is parsed and verified with the verifier's own
 * code (note.c) before it leaves this file, so a fault in signing, or a
 * body the verifier would refuse, never reaches the ledger.
 */
#define _POSIX_C_SOURCE 200809L
#include "ledger/note_sign.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SKEY_PREFIX     "PRIVATE+KEY+"
#define SKEY_PREFIX_LEN 12
#define SKEY_RAW_LEN    (1 + crypto_sign_SEEDBYTES) /* type || seed */
#define SKEY_B64_LEN    44                          /* base64 of SKEY_RAW_LEN bytes */
#define SIG_PREFIX      "\xe2\x80\x94 "             /* U+2014 em dash, then a space */
#define SIG_PREFIX_LEN  4

struct note_skey {
	struct note_vkey pub; /* name, key ID, type and public key */
	uint8_t *sk;          /* crypto_sign_SECRETKEYBYTES of sodium memory */
};

/* Secret scratch for parsing and formatting private key strings. */
struct skey_scratch {
	uint8_t raw[SKEY_RAW_LEN];
	char b64[SKEY_B64_LEN + 1];
};

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

/*
 * Makes k's secret readable for the caller's next few lines. mprotect on
 * pages sodium_malloc gave us fails only when the pointer is wrong, which
 * is memory corruption; going on would sign with, or leak, garbage.
 */
static const uint8_t *skey_open(const struct note_skey *k)
{
	if (sodium_mprotect_readonly(k->sk) != 0)
		abort();
	return k->sk;
}

static void skey_close(const struct note_skey *k)
{
	if (sodium_mprotect_noaccess(k->sk) != 0)
		abort();
}

static struct note_skey *skey_alloc(void)
{
	struct note_skey *k = calloc(1, sizeof *k);

	if (k == NULL)
		return NULL;
	k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (k->sk == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

/*
 * Completes k, whose public key crypto_sign_*keypair has just written,
 * with name, type and key ID, and locks the secret away. The key name rules
 * live in note.c, where note_vkey_format applies them.
 */
static int skey_finish(struct note_skey *k, const char *name, uint8_t type)
{
	char vkey[NOTE_MAX_VKEY];

	if (note_vkey_format(vkey, sizeof vkey, name, type, k->pub.pk) != SJ_OK)
		return SJ_EINVAL;
	/* note_vkey_format accepted the name, so it fits. */
	memcpy(k->pub.name, name, strlen(name) + 1);
	k->pub.type = type;
	k->pub.id = note_key_id(name, type, k->pub.pk);
	skey_close(k);
	return SJ_OK;
}

void note_skey_free(struct note_skey *k)
{
	if (k == NULL)
		return;
	/* sodium_free makes the region writable, wipes it and unmaps it. */
	sodium_free(k->sk);
	free(k);
}

int note_skey_generate(struct note_skey **out, const char *name, uint8_t type)
{
	struct note_skey *k;
	int rc;

	if (out == NULL || name == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (type != NOTE_TYPE_ED25519 && type != NOTE_TYPE_COSIG_V1)
		return SJ_EINVAL;
	k = skey_alloc();
	if (k == NULL)
		return SJ_ENOMEM;
	crypto_sign_keypair(k->pub.pk, k->sk);
	rc = skey_finish(k, name, type);
	if (rc != SJ_OK)
		goto out_key;
	*out = k;
	return SJ_OK;

out_key:
	note_skey_free(k);
	return rc;
}

int note_skey_parse(struct note_skey **out, const char *text, size_t len)
{
	struct skey_scratch *s;
	struct note_skey *k = NULL;
	char name[NOTE_MAX_NAME + 1], idhex[9];
	const char *p, *end, *plus, *hex, *b64;
	size_t name_len, raw_len;
	uint8_t type;
	int rc;

	if (out == NULL || text == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len < SKEY_PREFIX_LEN || memcmp(text, SKEY_PREFIX, SKEY_PREFIX_LEN) != 0)
		return SJ_EINVAL;

	/* PRIVATE+KEY+<name>+<8 hex>+<44 base64>: the name holds no '+', so
	 * the next '+' ends it; the base64 may hold '+' and is taken whole. */
	p = text + SKEY_PREFIX_LEN;
	end = text + len;
	plus = memchr(p, '+', (size_t)(end - p));
	if (plus == NULL)
		return SJ_EINVAL;
	name_len = (size_t)(plus - p);
	if (name_len > NOTE_MAX_NAME || memchr(p, '\0', name_len) != NULL)
		return SJ_EINVAL;
	memcpy(name, p, name_len);
	name[name_len] = '\0';
	hex = plus + 1;
	if (end - hex < 9 || hex[8] != '+')
		return SJ_EINVAL;
	b64 = hex + 9;
	if ((size_t)(end - b64) != SKEY_B64_LEN)
		return SJ_EINVAL;

	s = sodium_malloc(sizeof *s);
	if (s == NULL)
		return SJ_ENOMEM;
	/* Decoding and the canonical re-encoding both hold the seed, so both
	 * are done in the scratch; sodium_memcmp because it is secret. */
	if (sodium_base642bin(s->raw, sizeof s->raw, b64, SKEY_B64_LEN, NULL, &raw_len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    raw_len != SKEY_RAW_LEN) {
		rc = SJ_EINVAL;
		goto out_scratch;
	}
	sodium_bin2base64(s->b64, sizeof s->b64, s->raw, SKEY_RAW_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	if (sodium_memcmp(s->b64, b64, SKEY_B64_LEN) != 0) {
		rc = SJ_EINVAL;
		goto out_scratch;
	}
	type = s->raw[0];
	if (type != NOTE_TYPE_ED25519 && type != NOTE_TYPE_COSIG_V1) {
		rc = SJ_EINVAL;
		goto out_scratch;
	}

	k = skey_alloc();
	if (k == NULL) {
		rc = SJ_ENOMEM;
		goto out_scratch;
	}
	crypto_sign_seed_keypair(k->pub.pk, k->sk, s->raw + 1);
	rc = skey_finish(k, name, type);
	if (rc != SJ_OK)
		goto out_key;
	/* The string's key ID is of the public key, which only the seed
	 * gives; comparing it as we would write it also refuses upper case. */
	snprintf(idhex, sizeof idhex, "%08" PRIx32, k->pub.id);
	if (memcmp(idhex, hex, 8) != 0) {
		rc = SJ_EINVAL;
		goto out_key;
	}
	*out = k;
	k = NULL;
	rc = SJ_OK;

out_key:
	note_skey_free(k);
out_scratch:
	sodium_free(s);
	return rc;
}

int note_skey_format(char **out, size_t *len, const struct note_skey *k)
{
	struct skey_scratch *s;
	char *str;
	size_t total;
	int n, rc;

	if (out == NULL || len == NULL || k == NULL)
		return SJ_EINVAL;
	*out = NULL;
	total = SKEY_PREFIX_LEN + strlen(k->pub.name) + 1 + 8 + 1 + SKEY_B64_LEN + 1;
	s = sodium_malloc(sizeof *s);
	if (s == NULL)
		return SJ_ENOMEM;
	str = sodium_malloc(total + 1);
	if (str == NULL) {
		rc = SJ_ENOMEM;
		goto out_scratch;
	}

	s->raw[0] = k->pub.type;
	crypto_sign_ed25519_sk_to_seed(s->raw + 1, skey_open(k));
	skey_close(k);
	n = snprintf(str, total + 1, SKEY_PREFIX "%s+%08" PRIx32 "+", k->pub.name, k->pub.id);
	assert(n > 0 && (size_t)n == total - SKEY_B64_LEN - 1);
	sodium_bin2base64(str + n, total + 1 - (size_t)n, s->raw, SKEY_RAW_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	str[total - 1] = '\n';
	str[total] = '\0';
	*out = str;
	*len = total;
	rc = SJ_OK;

out_scratch:
	sodium_free(s);
	return rc;
}

void note_skey_string_free(char *s)
{
	/* sodium_free wipes the string before it unmaps it. */
	sodium_free(s);
}

void note_skey_public(struct note_vkey *out, const struct note_skey *k)
{
	*out = k->pub;
}

void note_skey_sign_raw(uint8_t sig[64], const uint8_t *msg, size_t len, const struct note_skey *k)
{
	assert(sig != NULL && k != NULL);
	crypto_sign_detached(sig, NULL, msg, len, skey_open(k));
	skey_close(k);
}

/* "— <name> <base64(blob)>\n", malloc'd and NUL-terminated. */
static char *sig_line(size_t *line_len, const char *name, const uint8_t *blob, size_t blob_len)
{
	size_t name_len = strlen(name);
	size_t b64_cap = sodium_base64_ENCODED_LEN(blob_len, sodium_base64_VARIANT_ORIGINAL);
	size_t len = SIG_PREFIX_LEN + name_len + 1 + (b64_cap - 1) + 1;
	char *line = malloc(len + 1);

	if (line == NULL)
		return NULL;
	memcpy(line, SIG_PREFIX, SIG_PREFIX_LEN);
	memcpy(line + SIG_PREFIX_LEN, name, name_len);
	line[SIG_PREFIX_LEN + name_len] = ' ';
	sodium_bin2base64(line + SIG_PREFIX_LEN + name_len + 1, b64_cap, blob, blob_len,
	                  sodium_base64_VARIANT_ORIGINAL);
	line[len - 1] = '\n';
	line[len] = '\0';
	*line_len = len;
	return line;
}

/* Parses body || "\n" || line back with the verifier's parser; *out is the
 * note, whose body must be exactly the body we signed. SJ_EINVAL when the
 * body breaks the note rules, which the parser finds before the line. */
static int self_parse(struct note **out, char **whole, size_t *whole_len, const char *body,
                      size_t body_len, const char *line, size_t line_len)
{
	size_t got_len;
	int rc;

	*whole_len = body_len + 1 + line_len;
	*whole = malloc(*whole_len + 1);
	if (*whole == NULL)
		return SJ_ENOMEM;
	memcpy(*whole, body, body_len);
	(*whole)[body_len] = '\n';
	memcpy(*whole + body_len + 1, line, line_len);
	(*whole)[*whole_len] = '\0';
	rc = note_parse(out, *whole, *whole_len, NULL, 0);
	if (rc != SJ_OK)
		goto out_whole;
	note_body(*out, &got_len);
	if (got_len != body_len) {
		rc = SJ_EINVAL;
		goto out_note;
	}
	return SJ_OK;

out_note:
	note_free(*out);
	*out = NULL;
out_whole:
	free(*whole);
	*whole = NULL;
	return rc == SJ_ENOMEM ? SJ_ENOMEM : SJ_EINVAL;
}

int note_sign(char **out, size_t *out_len, const char *body, size_t body_len,
              const struct note_skey *k)
{
	uint8_t blob[4 + crypto_sign_BYTES];
	struct note *n;
	char *line, *whole;
	size_t line_len, whole_len;
	int rc;

	if (out == NULL || out_len == NULL || body == NULL || k == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (k->pub.type != NOTE_TYPE_ED25519)
		return SJ_EINVAL;
	if (body_len == 0 || body_len > NOTE_MAX_SIZE || body[body_len - 1] != '\n')
		return SJ_EINVAL;

	store_be32(blob, k->pub.id);
	crypto_sign_detached(blob + 4, NULL, (const uint8_t *)body, body_len, skey_open(k));
	skey_close(k);
	line = sig_line(&line_len, k->pub.name, blob, sizeof blob);
	if (line == NULL)
		return SJ_ENOMEM;

	rc = self_parse(&n, &whole, &whole_len, body, body_len, line, line_len);
	if (rc != SJ_OK)
		goto out_line;
	rc = note_verify(n, &k->pub);
	note_free(n);
	if (rc != SJ_OK) {
		rc = rc == SJ_ENOMEM ? SJ_ENOMEM : SJ_EVERIFY;
		free(whole);
		goto out_line;
	}
	*out = whole;
	*out_len = whole_len;

out_line:
	free(line);
	return rc;
}

int note_cosign(char **out, const char *body, size_t body_len, uint64_t timestamp,
                const struct note_skey *k)
{
	uint8_t blob[4 + 8 + crypto_sign_BYTES];
	struct note *n;
	char head[64], *line, *whole;
	uint8_t *msg;
	size_t head_len, line_len, whole_len;
	uint64_t got;
	int rc;

	if (out == NULL || body == NULL || k == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (k->pub.type != NOTE_TYPE_COSIG_V1 || timestamp > INT64_MAX)
		return SJ_EINVAL;
	if (body_len == 0 || body_len > NOTE_MAX_SIZE || body[body_len - 1] != '\n')
		return SJ_EINVAL;

	/* tlog-cosignature: "cosignature/v1\n", "time <decimal>\n", then the
	 * body exactly as the log signed it. */
	head_len =
	    (size_t)snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", timestamp);
	msg = malloc(head_len + body_len);
	if (msg == NULL)
		return SJ_ENOMEM;
	memcpy(msg, head, head_len);
	memcpy(msg + head_len, body, body_len);
	store_be32(blob, k->pub.id);
	store_be64(blob + 4, timestamp);
	crypto_sign_detached(blob + 12, NULL, msg, head_len + body_len, skey_open(k));
	skey_close(k);
	line = sig_line(&line_len, k->pub.name, blob, sizeof blob);
	if (line == NULL) {
		rc = SJ_ENOMEM;
		goto out_msg;
	}

	rc = self_parse(&n, &whole, &whole_len, body, body_len, line, line_len);
	if (rc != SJ_OK)
		goto out_line;
	rc = note_verify_cosignature(n, &k->pub, &got);
	note_free(n);
	free(whole);
	if (rc == SJ_OK && got != timestamp)
		rc = SJ_EVERIFY;
	if (rc != SJ_OK) {
		rc = rc == SJ_ENOMEM ? SJ_ENOMEM : SJ_EVERIFY;
		goto out_line;
	}
	*out = line;
	line = NULL;

out_line:
	free(line);
out_msg:
	free(msg);
	return rc;
}
