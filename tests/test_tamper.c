/*
 * test_tamper.c: every class of tampering with a stored ledger is caught by
 * the verifier, which names the entry (R18: the record cannot be rewritten
 * without it showing). Each class is its own test; the untouched ledger
 * verifying is the positive twin of them all.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "tests/fixture.h"
#include "tests/harness.h"

/* A fixture of 5 registry entries + 8 signed ones (entries 0..12), with
 * cosigned checkpoints at sizes 8 and 13, closed for editing. */
static int build(struct fixture *f)
{
	static unsigned n;
	char dir[600];
	snprintf(dir, sizeof dir, "%s/l%u", harness_tmpdir(), ++n);
	if (sodium_init() < 0 || mkdir(dir, 0700) != 0 || fixture_build(f, dir, 8) != SJ_OK)
		return -1;
	fixture_close_store(f);
	return 0;
}

static int verify_fails_naming(const char *db, const struct verify_opts *o, int64_t seq,
			       const char *words)
{
	struct verify_report r;
	int rc = fixture_verify(db, o, &r);
	if (rc != SJ_EVERIFY || r.ok) {
		printf("    verifier said ok (%d)\n", rc);
		return 0;
	}
	if (seq != -2 && r.failed_seq != seq) {
		printf("    failure named entry %lld, expected %lld: %s\n", (long long)r.failed_seq,
		       (long long)seq, r.what);
		return 0;
	}
	if (words && !strstr(r.what, words)) {
		printf("    failure does not say \"%s\": %s\n", words, r.what);
		return 0;
	}
	return 1;
}

TEST(tamper_untouched_verifies, "an untouched ledger verifies with its log key and witness pinned and a quorum of one")
{
	struct fixture f;
	struct verify_report r;
	CHECK(build(&f) == 0);
	struct verify_opts o = {.log_key = &f.log_vk, .witnesses = &f.witness_vk, .nwitnesses = 1,
				.quorum = 1};
	CHECK_INT(fixture_verify(f.db, &o, &r), ==, SJ_OK);
	CHECK(r.ok);
	CHECK_INT(r.entries, ==, 13);
	CHECK_INT(r.checkpoints, ==, 2);
	CHECK_INT(r.cosignatures, ==, 2);
	CHECK_INT(r.quorum_met, ==, 1);
	fixture_free(&f);
}

/* Entry 9 is a signed agency registration. Its field offsets are those of
 * entry.h's table. */
static const struct {
	const char *field;
	size_t off;
} fields[] = {
	{"magic", 1},     {"seq", 11},           {"prev", 20},        {"time", 50},
	{"type", 55},     {"flags", 56},         {"actor key", 60},   {"agency length", 89},
	{"agency", 91},   {"payload length", 94}, {"payload", 100},   {"signature", 0 /*last*/},
};

TEST(tamper_flipped_bit_any_field, "a flipped bit in any field of an entry fails verification at that entry")
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct fixture f;
		uint8_t *b;
		size_t len, off;
		CHECK(build(&f) == 0);
		CHECK_INT(fixture_read_entry(f.db, 9, &b, &len), ==, SJ_OK);
		off = fields[i].off ? fields[i].off : len - 10;
		free(b);
		CHECK_INT(fixture_flip(f.db, 9, off, 2), ==, SJ_OK);
		if (!verify_fails_naming(f.db, NULL, 9, "entry 9")) {
			printf("    field: %s\n", fields[i].field);
			CHECK(0);
		}
		fixture_free(&f);
	}
}

TEST(tamper_flipped_bit_last_entry, "a flipped bit in the last entry, which no later entry chains to, fails verification")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	CHECK_INT(fixture_flip(f.db, 12, 30, 0), ==, SJ_OK); /* prev hash of entry 12 */
	CHECK(verify_fails_naming(f.db, NULL, 12, "entry 12"));
	fixture_free(&f);
}

TEST(tamper_unsigned_entry_payload, "a flipped bit in an operator's unsigned entry is caught by the next entry's chain link")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	/* Entry 2 (agency scjg) carries no client signature: only the chain
	 * and the Merkle root protect it. */
	CHECK_INT(fixture_flip(f.db, 2, 95, 0), ==, SJ_OK);
	CHECK(verify_fails_naming(f.db, NULL, -2, "entry 2"));
	fixture_free(&f);
}

TEST(tamper_deleted_entry, "a deleted entry fails verification naming the missing entry")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	CHECK_INT(fixture_sql(f.db, "DELETE FROM entries WHERE seq = 6"), ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 6, "entry 6 is missing"));
	fixture_free(&f);
}

TEST(tamper_inserted_entry, "an inserted entry fails verification naming the entry")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	/* Renumber rows 6.. up by one and put a copy of entry 5 at 6: the row
	 * numbers are contiguous again, the bytes are not. */
	CHECK_INT(fixture_sql(f.db, "UPDATE entries SET seq = seq + 100 WHERE seq >= 6;"
				    "UPDATE entries SET seq = seq - 99 WHERE seq >= 106;"
				    "INSERT INTO entries(seq, bytes) SELECT 6, bytes FROM entries "
				    "WHERE seq = 5;"),
		  ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 6, "entry 6"));
	fixture_free(&f);
}

TEST(tamper_duplicated_entry, "a duplicated entry appended at the end fails verification naming it")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	CHECK_INT(fixture_sql(f.db, "INSERT INTO entries(seq, bytes) SELECT 13, bytes FROM "
				    "entries WHERE seq = 12"),
		  ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 13, "entry 13"));
	fixture_free(&f);
}

TEST(tamper_swapped_entries, "two swapped entries fail verification naming the first of them")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	CHECK_INT(fixture_sql(f.db, "UPDATE entries SET seq = 100 WHERE seq = 7;"
				    "UPDATE entries SET seq = 7 WHERE seq = 8;"
				    "UPDATE entries SET seq = 8 WHERE seq = 100;"),
		  ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 7, "entry 7"));
	fixture_free(&f);
}

TEST(tamper_truncated_tail_with_checkpoint, "a truncated tail is caught by a checkpoint saved earlier")
{
	struct fixture f;
	char *note = NULL;
	size_t len;
	CHECK(sodium_init() >= 0);
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 8), ==, SJ_OK);
	CHECK_INT(ledger_store_checkpoint_get(f.s, 0, &note, &len), ==, SJ_OK);
	fixture_close_store(&f);
	/* The insider deletes the tail and the checkpoints that cover it. */
	CHECK_INT(fixture_sql(f.db, "DELETE FROM entries WHERE seq >= 10;"
				    "DELETE FROM cosignatures WHERE size > 10;"
				    "DELETE FROM checkpoints WHERE size > 10;"),
		  ==, 0);
	struct verify_opts o = {.saved = note, .saved_len = len};
	CHECK(verify_fails_naming(f.db, &o, 10, "truncated"));
	/* Its twin: without the saved checkpoint the shorter ledger is, on its
	 * own, consistent, which is why auditors keep checkpoints. */
	struct verify_report r;
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_OK);
	free(note);
	fixture_free(&f);
}

/* Signs a checkpoint body for (size, root) with key k. */
static char *sign_cp(const char *origin, uint64_t size, const uint8_t root[32],
		     const struct note_skey *k, size_t *len)
{
	struct checkpoint c = {0};
	char body[512], *note = NULL;
	size_t blen;
	snprintf(c.origin, sizeof c.origin, "%s", origin);
	c.size = size;
	memcpy(c.root, root, 32);
	if (checkpoint_format(body, sizeof body, &blen, &c) != SJ_OK ||
	    note_sign(&note, len, body, blen, k) != SJ_OK)
		return NULL;
	return note;
}

TEST(tamper_forked_checkpoint, "a checkpoint signed by the log key over a different history (a fork) fails verification")
{
	struct fixture f;
	uint8_t root[32];
	size_t len;
	char *fork;
	CHECK(build(&f) == 0);
	randombytes_buf(root, sizeof root);
	fork = sign_cp("suiji.test/log", 10, root, f.log_key, &len);
	CHECK(fork != NULL);
	struct verify_opts o = {.saved = fork, .saved_len = len};
	CHECK(verify_fails_naming(f.db, &o, -2, "fork"));
	/* And stored inside the ledger as one of its own checkpoints. */
	char sql[2048];
	snprintf(sql, sizeof sql, "INSERT INTO checkpoints(size, note) VALUES(10, '%s')", fork);
	CHECK_INT(fixture_sql(f.db, sql), ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, -2, "size 10"));
	free(fork);
	fixture_free(&f);
}

TEST(tamper_checkpoint_other_key, "a checkpoint signed by another key fails verification")
{
	struct fixture f;
	struct note_skey *k = NULL;
	uint8_t *b;
	size_t len;
	CHECK(build(&f) == 0);
	CHECK_INT(note_skey_generate(&k, "suiji.test/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	/* The right root, even: only the key is wrong. */
	struct verify_report r;
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_OK);
	uint8_t root[32];
	CHECK_INT(util_b64_decode_exact(root, 32, r.latest_root, strlen(r.latest_root)), ==, SJ_OK);
	char *note = sign_cp("suiji.test/log", r.latest_size, root, k, &len);
	CHECK(note != NULL);
	struct verify_opts o = {.saved = note, .saved_len = len};
	CHECK(verify_fails_naming(f.db, &o, -2, "not signed by the log key"));
	(void)b;
	free(note);
	note_skey_free(k);
	fixture_free(&f);
}

TEST(tamper_checkpoint_root_bit, "a flipped bit in a stored checkpoint's signature fails verification")
{
	struct fixture f;
	CHECK(build(&f) == 0);
	/* Replace one base64 character of the log signature line. */
	CHECK_INT(fixture_sql(f.db, "UPDATE checkpoints SET note = "
				    "substr(note, 1, length(note) - 5) || "
				    "(CASE substr(note, length(note) - 4, 1) WHEN 'A' THEN 'B' ELSE "
				    "'A' END) || substr(note, length(note) - 3) WHERE size = 13"),
		  ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 12, "size 13"));
	fixture_free(&f);
}

TEST(tamper_cosignature_unknown_witness, "a cosignature by an unknown witness fails verification")
{
	struct fixture f;
	struct note_skey *w = NULL;
	char *line = NULL, sql[1024];
	CHECK(build(&f) == 0);
	CHECK_INT(note_skey_generate(&w, "witness.test/evil", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	CHECK_INT(note_cosign(&line, "x\n", 2, 1, w), ==, SJ_OK);
	snprintf(sql, sizeof sql, "INSERT INTO cosignatures(size, line) VALUES(13, '%s')", line);
	CHECK_INT(fixture_sql(f.db, sql), ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 12, "unknown witness witness.test/evil"));
	free(line);
	note_skey_free(w);
	fixture_free(&f);
}

TEST(tamper_cosignature_forged, "a registered witness's cosignature over another body fails verification")
{
	struct fixture f;
	char *line = NULL, sql[1024];
	CHECK(build(&f) == 0);
	CHECK_INT(fixture_sql(f.db, "DELETE FROM cosignatures WHERE size = 13"), ==, 0);
	CHECK_INT(note_cosign(&line, "suiji.test/log\n13\nAAAA\n", 23, 1, f.witness), ==, SJ_OK);
	snprintf(sql, sizeof sql, "INSERT INTO cosignatures(size, line) VALUES(13, '%s')", line);
	CHECK_INT(fixture_sql(f.db, sql), ==, 0);
	CHECK(verify_fails_naming(f.db, NULL, 12, "does not verify"));
	free(line);
	fixture_free(&f);
}

TEST(tamper_pinned_log_key_mismatch, "a ledger whose log key is not the pinned one fails verification at entry 0")
{
	struct fixture f;
	struct note_skey *k = NULL;
	struct note_vkey v;
	CHECK(build(&f) == 0);
	CHECK_INT(note_skey_generate(&k, "suiji.test/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	note_skey_public(&v, k);
	struct verify_opts o = {.log_key = &v};
	CHECK(verify_fails_naming(f.db, &o, 0, "pinned"));
	note_skey_free(k);
	fixture_free(&f);
}

TEST(tamper_quorum_unmet, "a quorum of pinned witnesses that did not cosign fails verification")
{
	struct fixture f;
	struct note_skey *w = NULL;
	struct note_vkey v;
	CHECK(build(&f) == 0);
	CHECK_INT(note_skey_generate(&w, "witness.test/other", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	note_skey_public(&v, w);
	struct verify_opts o = {.witnesses = &v, .nwitnesses = 1, .quorum = 1};
	CHECK(verify_fails_naming(f.db, &o, 12, "1 needed"));
	note_skey_free(w);
	fixture_free(&f);
}

TEST(tamper_export_every_byte, "flipping any single byte of a small export file makes verification fail")
{
	struct fixture f;
	char path[700];
	uint8_t *buf = NULL;
	size_t len, failures = 0;
	struct verify_report r;
	char err[512];

	CHECK(sodium_init() >= 0);
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 2), ==, SJ_OK);
	snprintf(path, sizeof path, "%s/ledger.export", f.dir);
	FILE *out = fopen(path, "wb");
	CHECK(out != NULL);
	CHECK_INT(ledger_store_export(f.s, out, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fclose(out), ==, 0);
	CHECK_INT(util_read_file(&buf, &len, path, 1 << 20), ==, SJ_OK);
	struct verifier *v;
	CHECK_INT(verify_new(&v, &(struct verify_opts){0}), ==, SJ_OK);
	CHECK_INT(verify_export(v, buf, len, NULL), ==, SJ_OK);
	CHECK_INT(verify_finish(v, &r), ==, SJ_OK); /* the positive twin */
	verify_free(v);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		CHECK_INT(verify_new(&v, &(struct verify_opts){0}), ==, SJ_OK);
		CHECK_INT(verify_export(v, buf, len, NULL), ==, SJ_OK);
		if (verify_finish(v, &r) != SJ_EVERIFY) {
			printf("    byte %zu flipped still verifies\n", i);
			failures++;
		}
		verify_free(v);
		buf[i] ^= 0x01;
	}
	CHECK_INT(failures, ==, 0);
	printf("    %zu bytes flipped one at a time, each caught\n", len);
	free(buf);
	fixture_free(&f);
}
