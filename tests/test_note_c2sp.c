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

#include "common/util.h"
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

/* Writes text to dir/name. */
static int put(const char *dir, const char *name, const char *text, size_t len)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, text, len, 0644) == SJ_OK ? 0 : -1;
}

/* A fixture (checkpoints at 9 and 13, both cosigned by its witness) with,
 * in its folder, log.vkey, witness.vkey, other.vkey (a witness that never
 * cosigned), old.cp (the checkpoint at 9), cons (a consistency proof from 9
 * to 13), incl (an inclusion proof of entry 3) and e3 (entry 3's bytes). */
static int proof_files(struct fixture *f)
{
	static unsigned k;
	char dir[600], *text = NULL, vk[NOTE_MAX_VKEY];
	struct note_skey *other = NULL;
	struct note_vkey ov;
	uint8_t *e = NULL;
	size_t len;
	int rc = -1;

	snprintf(dir, sizeof dir, "%s/proof%u", harness_tmpdir(), ++k);
	if (mkdir(dir, 0700) != 0 || fixture_build(f, dir, 8) != SJ_OK)
		return -1;
	if (put(dir, "log.vkey", f->log_vkey, strlen(f->log_vkey)) ||
	    put(dir, "witness.vkey", f->witness_vkey, strlen(f->witness_vkey)))
		return -1;
	if (note_skey_generate(&other, "witness.test/w2", NOTE_TYPE_COSIG_V1) != SJ_OK)
		return -1;
	note_skey_public(&ov, other);
	note_skey_free(other);
	if (note_vkey_format(vk, sizeof vk, ov.name, ov.type, ov.pk) != SJ_OK ||
	    put(dir, "other.vkey", vk, strlen(vk)))
		return -1;
	if (ledger_store_checkpoint_get(f->s, 9, &text, &len) != SJ_OK ||
	    put(dir, "old.cp", text, len))
		goto out;
	free(text);
	text = NULL;
	if (ledger_store_prove(f->s, 0, 9, &text, &len) != SJ_OK || put(dir, "cons", text, len))
		goto out;
	free(text);
	text = NULL;
	if (ledger_store_prove(f->s, 1, 3, &text, &len) != SJ_OK || put(dir, "incl", text, len))
		goto out;
	if (fixture_read_entry(f->db, 3, &e, &len) != SJ_OK || put(dir, "e3", (char *)e, len))
		goto out;
	rc = 0;
out:
	free(e);
	free(text);
	return rc;
}

static int proofcmd(const struct fixture *f, char **out, const char *args)
{
	return harness_run(out, "cd '%s' && '%s' proof %s 2>&1", f->dir,
	                   harness_bin("suiji-verify"), args);
}

TEST(c2sp_proof_consistency_quorum,
     "suiji-verify proof consistency checks a quorum of pinned witnesses on the newer checkpoint")
{
	struct fixture f;
	char *out = NULL;

	CHECK_INT(proof_files(&f), ==, 0);
	CHECK_INT(proofcmd(&f, &out,
	                   "consistency --log-key log.vkey cons --checkpoint old.cp "
	                   "--witness witness.vkey --quorum 1"),
	          ==, 0);
	CHECK_STR_HAS(out, "ok: suiji.test/log at size 13 extends size 9");
	free(out);
	/* The twin: a pinned witness that never cosigned it. */
	CHECK_INT(proofcmd(&f, &out,
	                   "consistency --log-key log.vkey cons --checkpoint old.cp "
	                   "--witness other.vkey --quorum 1"),
	          ==, 1);
	CHECK_STR_HAS(out, "has 0 cosignatures by pinned witnesses; 1 needed");
	free(out);
	CHECK_INT(proofcmd(&f, &out,
	                   "consistency --log-key log.vkey cons --checkpoint old.cp "
	                   "--quorum 1"),
	          ==, 2);
	CHECK_STR_HAS(out, "--quorum 1 needs at least as many --witness keys");
	free(out);
	CHECK_INT(proofcmd(&f, &out,
	                   "consistency --log-key log.vkey cons --checkpoint old.cp "
	                   "--witness log.vkey"),
	          ==, 2);
	CHECK_STR_HAS(out, "is not a cosignature/v1 key");
	free(out);
	fixture_free(&f);
}

/* The inclusion proof with its checkpoint re-signed by the log key for
 * another origin, same size and root: a key that signs for two logs. */
static int other_origin_proof(const struct fixture *f)
{
	char path[800], *signed_note = NULL, *p;
	uint8_t *text = NULL;
	size_t len, slen, body_len;
	int rc = -1;

	snprintf(path, sizeof path, "%s/incl", f->dir);
	if (util_read_file(&text, &len, path, 1 << 20) != SJ_OK)
		return -1;
	p = strstr((char *)text, "suiji.test/log\n13\n");
	if (p == NULL)
		goto out;
	body_len = (size_t)(strstr(p, "\n\n") - p) + 1;
	{
		char body[512];
		snprintf(body, sizeof body, "evil.test/log\n%.*s", (int)(body_len - 15), p + 15);
		if (note_sign(&signed_note, &slen, body, strlen(body), f->log_key) != SJ_OK)
			goto out;
	}
	*p = '\0';
	snprintf(path, sizeof path, "%s/incl-evil", f->dir);
	{
		size_t head = strlen((char *)text);
		char *all = malloc(head + slen + 1);
		if (all == NULL)
			goto out;
		memcpy(all, text, head);
		memcpy(all + head, signed_note, slen);
		rc = util_write_file(path, all, head + slen, 0644) == SJ_OK ? 0 : -1;
		free(all);
	}
out:
	free(signed_note);
	free(text);
	return rc;
}

TEST(c2sp_proof_origin, "suiji-verify proof refuses a checkpoint of another origin signed by the "
                        "same key, unless --origin names it")
{
	struct fixture f;
	char *out = NULL;

	CHECK_INT(proof_files(&f), ==, 0);
	CHECK_INT(proofcmd(&f, &out, "inclusion --log-key log.vkey incl --entry e3"), ==, 0);
	CHECK_STR_HAS(out, "ok: entry 3 is in suiji.test/log at tree size 13");
	free(out);
	CHECK_INT(other_origin_proof(&f), ==, 0);
	CHECK_INT(proofcmd(&f, &out, "inclusion --log-key log.vkey incl-evil --entry e3"), ==, 1);
	CHECK_STR_HAS(out, "is for the log \"evil.test/log\", not \"suiji.test/log\" (--origin)");
	free(out);
	/* The twin: the proof itself holds, so naming that origin passes. */
	CHECK_INT(
	    proofcmd(&f, &out,
	             "inclusion --log-key log.vkey incl-evil --entry e3 --origin evil.test/log"),
	    ==, 0);
	free(out);
	CHECK_INT(proofcmd(&f, &out,
	                   "consistency --log-key log.vkey cons --checkpoint old.cp "
	                   "--origin evil.test/log"),
	          ==, 1);
	CHECK_STR_HAS(out, "the older checkpoint is for the log \"suiji.test/log\"");
	free(out);
	fixture_free(&f);
}
