/*
 * test_note_c2sp.c: signature lines as c2sp.org/signed-note says a reader
 * treats them (ledger/note.c). Lines no known key can claim are ignored,
 * not refused: a bad key name, base64 that is not canonical, too few
 * bytes, an oversize signature, two lines by one unknown key, more lines
 * than NOTE_MAX_SIGS. A key the reader knows stays strict: a bad, malformed
 * or repeated line by it fails the note for that key. The ledger keeps
 * only lines it checked, so the store refuses a malformed line and the
 * verifier fails a stored checkpoint that carries one.
 *
 * The PeterNeumann key and note are golang.org/x/mod/sumdb/note's.
 */
#define _POSIX_C_SOURCE 200809L
#include "tests/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "tests/fixture.h"

__attribute__((constructor)) static void test_note_c2sp_init(void)
{
	if (sodium_init() < 0)
		abort();
}

#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define NEUMANN                                                                                    \
	"If you think cryptography is the answer to your problem,\n"                               \
	"then you don't know what your problem is.\n"
#define B64                                                                                        \
	"x08go/ZJkuBS9UG/"                                                                         \
	"SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnA"
#define PETER_SIG "— PeterNeumann " B64 "M=\n"
/* Peter's signature with one bit of it flipped: a forgery by a known key. */
#define PETER_BAD "— PeterNeumann " B64 "Q=\n"

/* Lines that name no key the reader knows, or that cannot be read as any
 * key's line: each must be ignored. */
static const char *const junk[] = {
    "—  " B64 "M=\n",                     /* empty key name */
    "— Peter+Neumann " B64 "M=\n",        /* '+' in the name */
    "— Peter\xc2\xa0Neumann " B64 "M=\n", /* a Unicode space in the name */
    "— Bad Name " B64 "M=\n",             /* a space: name "Bad", base64 junk */
    "— EnochRoot " B64 "N=\n",            /* stray bits, another key's name */
    "— EnochRoot !!!!\n",                 /* not base64 at all */
    "— witness.example/w9 AAAAAA==\n",    /* shorter than a key ID and a byte */
    "— witness.example/w9 AAAAAAA=\n",    /* twice by one unknown key ... */
    "— witness.example/w9 AAAAAAA=\n",    /* ... as c2sp allows */
    "— PeterNeumann \n",                  /* Peter's name, no key ID readable */
    "— PeterNeumann AAA=\n",              /* Peter's name, too short for an ID */
};

static int verify_text(const char *text, const struct note_vkey *k)
{
	struct note *n;
	char err[200];
	int rc = note_parse(&n, text, strlen(text), err, sizeof err);
	if (rc != SJ_OK) {
		printf("    does not parse: %s\n", err);
		return 1000 + rc;
	}
	rc = note_verify(n, k);
	note_free(n);
	return rc;
}

TEST(c2sp_unknown_lines_ignored,
     "a note signed by a known key verifies whatever junk lines by unknown keys surround it")
{
	struct note_vkey peter;
	char text[4096];

	CHECK_INT(note_vkey_parse(&peter, PETER_VKEY), ==, SJ_OK);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		snprintf(text, sizeof text, NEUMANN "\n%s" PETER_SIG "%s", junk[i], junk[i]);
		if (verify_text(text, &peter) != SJ_OK) {
			printf("    junk line %zu: %s", i, junk[i]);
			CHECK(0);
		}
		/* The twin: the same junk around a forged signature fails. */
		snprintf(text, sizeof text, NEUMANN "\n%s" PETER_BAD "%s", junk[i], junk[i]);
		CHECK_INT(verify_text(text, &peter), ==, SJ_EVERIFY);
		/* Junk alone is no signature by Peter at all. */
		snprintf(text, sizeof text, NEUMANN "\n%s", junk[i]);
		CHECK_INT(verify_text(text, &peter), ==, SJ_ENOENT);
	}
}

TEST(c2sp_many_unknown_lines,
     "more than NOTE_MAX_SIGS lines by unknown keys do not hide a known key's signature")
{
	struct note_vkey peter;
	char *text = malloc(NOTE_MAX_SIZE);
	size_t len;

	CHECK(text != NULL);
	CHECK_INT(note_vkey_parse(&peter, PETER_VKEY), ==, SJ_OK);
	len = (size_t)snprintf(text, NOTE_MAX_SIZE, NEUMANN "\n");
	for (int i = 0; i < 3 * NOTE_MAX_SIGS; i++)
		len += (size_t)snprintf(text + len, NOTE_MAX_SIZE - len, "— w%d.example AAAAAAA=\n",
		                        i);
	len += (size_t)snprintf(text + len, NOTE_MAX_SIZE - len, PETER_SIG);
	CHECK_INT(verify_text(text, &peter), ==, SJ_OK);
	memcpy(text + len - strlen(PETER_BAD), PETER_BAD, strlen(PETER_BAD));
	CHECK_INT(verify_text(text, &peter), ==, SJ_EVERIFY);
	free(text);
}

TEST(c2sp_oversize_unknown_signature,
     "an oversize signature by an unknown key is ignored; an oversize one by the known key fails")
{
	struct note_vkey peter;
	uint8_t raw[4 + 400];
	char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
	char text[4096];

	CHECK_INT(note_vkey_parse(&peter, PETER_VKEY), ==, SJ_OK);
	memset(raw, 0x5a, sizeof raw);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof text, NEUMANN "\n— big.example %s\n" PETER_SIG, b64);
	CHECK_INT(verify_text(text, &peter), ==, SJ_OK);

	/* Peter's own key ID followed by 400 bytes: a line by the known key
	 * that is not a 64-byte signature. */
	raw[0] = 0xc7, raw[1] = 0x4f, raw[2] = 0x20, raw[3] = 0xa3;
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof text, NEUMANN "\n— PeterNeumann %s\n", b64);
	CHECK_INT(verify_text(text, &peter), ==, SJ_EVERIFY);
}

TEST(c2sp_known_key_strict,
     "a known key's line that is repeated, not canonical or forged fails the note for that key")
{
	struct note_vkey peter;

	CHECK_INT(note_vkey_parse(&peter, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(verify_text(NEUMANN "\n" PETER_SIG, &peter), ==, SJ_OK); /* the twin */
	CHECK_INT(verify_text(NEUMANN "\n" PETER_SIG PETER_SIG, &peter), ==, SJ_EVERIFY);
	CHECK_INT(verify_text(NEUMANN "\n" PETER_SIG PETER_BAD, &peter), ==, SJ_EVERIFY);
	CHECK_INT(verify_text(NEUMANN "\n" PETER_BAD PETER_SIG, &peter), ==, SJ_EVERIFY);
	/* Not canonical: stray bits, no padding, extra padding. Each still
	 * names Peter's key ID in its first characters. */
	CHECK_INT(verify_text(NEUMANN "\n— PeterNeumann " B64 "N=\n", &peter), ==, SJ_EVERIFY);
	CHECK_INT(verify_text(NEUMANN "\n— PeterNeumann " B64 "M\n", &peter), ==, SJ_EVERIFY);
	CHECK_INT(verify_text(NEUMANN "\n" PETER_SIG "— PeterNeumann " B64 "M==\n", &peter), ==,
	          SJ_EVERIFY);
	CHECK_INT(verify_text(NEUMANN "\n— PeterNeumann x08go/ZJ\n", &peter), ==, SJ_EVERIFY);
}

TEST(c2sp_cosignature_strict,
     "a witness's cosignature verifies beside unknown junk and fails when the witness signed twice")
{
	static const char body[] =
	    "example.org/log\n10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	struct note_skey *log, *w;
	struct note_vkey wv;
	struct note *n;
	char *signed_note, *line1, *line2, text[4096];
	size_t slen;
	uint64_t ts = 0;

	CHECK_INT(note_skey_generate(&log, "example.org/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&w, "witness.example/w1", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	note_skey_public(&wv, w);
	CHECK_INT(note_sign(&signed_note, &slen, body, strlen(body), log), ==, SJ_OK);
	CHECK_INT(note_cosign(&line1, body, strlen(body), 1700000000, w), ==, SJ_OK);
	CHECK_INT(note_cosign(&line2, body, strlen(body), 1700000060, w), ==, SJ_OK);

	snprintf(text, sizeof text, "%s— witness.example/w9 AAAAAA==\n%s", signed_note, line1);
	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_verify_cosignature(n, &wv, &ts), ==, SJ_OK);
	CHECK_INT(ts, ==, 1700000000);
	note_free(n);

	/* Two cosignatures by one witness at different times: which time is
	 * the witness's? Neither: the note fails for that witness. */
	snprintf(text, sizeof text, "%s%s%s", signed_note, line1, line2);
	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_verify_cosignature(n, &wv, &ts), ==, SJ_EVERIFY);
	note_free(n);

	free(signed_note);
	free(line1);
	free(line2);
	note_skey_free(log);
	note_skey_free(w);
}

TEST(c2sp_ledger_keeps_checked_lines, "the store refuses a malformed cosignature line, and the "
                                      "same line forged into the file fails suiji-verify")
{
	static unsigned k;
	struct fixture f;
	struct verify_report r;
	char dir[600], *note = NULL, *text, err[300];
	size_t len, added = 0;

	snprintf(dir, sizeof dir, "%s/c2sp%u", harness_tmpdir(), ++k);
	CHECK(mkdir(dir, 0700) == 0);
	CHECK_INT(fixture_build(&f, dir, 2), ==, SJ_OK);
	CHECK_INT(ledger_store_checkpoint_get(f.s, 0, &note, &len), ==, SJ_OK);
	text = malloc(len + 64);
	CHECK(text != NULL);
	snprintf(text, len + 64, "%s— witness.test/w1 x08go/ZJM\n", note);
	CHECK_INT(ledger_store_add_cosignatures(f.s, text, strlen(text), &added, err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "malformed");
	CHECK_INT(added, ==, 0);
	fixture_close_store(&f);

	/* The twin first: the untouched ledger verifies. */
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(fixture_sql(f.db, "INSERT INTO cosignatures(size, line) SELECT max(size), "
	                            "'— witness.test/w1 x08go/ZJM' || char(10) FROM checkpoints"),
	          ==, 0);
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_EVERIFY);
	CHECK_STR_HAS(r.what, "malformed signature line");
	free(text);
	free(note);
	fixture_free(&f);
}
