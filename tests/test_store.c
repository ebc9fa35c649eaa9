/* test_store.c: the ledger store (ledger/store.h): appends, durability
 * rules, append-only enforcement, checkpoints, cosignatures, key files. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "proto/ledger.pb-c.h"
#include "rules/storeops.h"
#include "tests/fixture.h"
#include "tests/harness.h"

TEST(store_reopens_with_same_size, "a built ledger reopens verified with every entry in place")
{
	struct fixture f;
	char err[512];
	CHECK(sodium_init() >= 0);
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 4), ==, SJ_OK);
	uint64_t n = ledger_store_size(f.s);
	CHECK_INT(n, ==, 5 + 4);
	fixture_close_store(&f);
	CHECK_INT(storeops_open(&f.s, f.db, 0, err, sizeof err), ==, SJ_OK);
	CHECK(ledger_store_broken(f.s) == NULL);
	CHECK_INT(ledger_store_size(f.s), ==, n);
	CHECK(strcmp(ledger_store_origin(f.s), "suiji.test/log") == 0);
	fixture_free(&f);
}

TEST(store_signed_request_accepted, "a request signed by a registered client is appended")
{
	struct fixture f;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "newcode", 0), ==, SJ_OK);
	fixture_free(&f);
}

TEST(store_forged_request_refused,
     "a request whose client signature is forged is refused and nothing is stored")
{
	struct fixture f;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	uint64_t n = ledger_store_size(f.s);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "newcode", 7), ==, SJ_EVERIFY);
	CHECK_INT(ledger_store_size(f.s), ==, n);
	/* The same registration, properly signed, still goes through: the
	 * refusal left no trace in the replay state. */
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "newcode", 0), ==, SJ_OK);
	fixture_free(&f);
}

TEST(store_wrong_agency_refused,
     "a client acting for an agency it was not registered for is refused")
{
	struct fixture f;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "scjg", "c1", 0), ==, SJ_EVERIFY);
	fixture_free(&f);
}

TEST(store_unregistered_client_refused, "a request signed by an unregistered key is refused")
{
	struct fixture f;
	struct note_skey *k = NULL;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&k, "stranger", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, k, "sfj", "c1", 0), ==, SJ_EVERIFY);
	note_skey_free(k);
	fixture_free(&f);
}

TEST(store_duplicate_agency_refused, "registering one agency code twice is refused")
{
	struct fixture f;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 1), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "x0", 0), ==, SJ_EVERIFY);
	fixture_free(&f);
}

TEST(store_batch_all_or_nothing, "a batch with one refused request stores none of the batch")
{
	struct fixture f;
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	uint8_t b1[128], b2[128];
	size_t l1, l2;
	char err[512];
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	uint64_t n = ledger_store_size(f.s);
	m.code = (char *)"good";
	m.name = (char *)"好";
	m.parent = (char *)"";
	l1 = suiji__agency_register__pack(&m, b1);
	m.code = (char *)"bad";
	m.parent = (char *)"no-such-agency";
	l2 = suiji__agency_register__pack(&m, b2);
	struct ledger_append a[2] = {
	    {.type = ENTRY_AGENCY_REGISTER, .agency = "", .payload = b1, .payload_len = l1},
	    {.type = ENTRY_AGENCY_REGISTER, .agency = "", .payload = b2, .payload_len = l2},
	};
	CHECK_INT(ledger_store_append(f.s, a, 2, NULL, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "request 1");
	CHECK_STR_HAS(err, "no-such-agency");
	/* The rules' reason is also kept apart from the batch index, so a
	 * reply to one client never takes err apart. */
	size_t idx = 99;
	const char *why = ledger_store_refusal(f.s, &idx);
	CHECK(why != NULL);
	CHECK_INT(idx, ==, 1);
	CHECK_STR_HAS(why, "no-such-agency");
	CHECK(strstr(why, "request 1") == NULL);
	CHECK_INT(ledger_store_size(f.s), ==, n);
	/* "good" was rolled back too, so it can be registered now, and an
	 * append that refuses nothing leaves no reason behind. */
	CHECK_INT(ledger_store_append(f.s, a, 1, NULL, err, sizeof err), ==, SJ_OK);
	CHECK(ledger_store_refusal(f.s, NULL) == NULL);
	fixture_free(&f);
}

TEST(store_group_commit_many,
     "a batch of 500 entries is appended in one transaction with consecutive numbers")
{
	struct fixture f;
	struct ledger_append a[500];
	uint8_t bufs[500][64];
	uint64_t first;
	char err[512];
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	for (int i = 0; i < 500; i++) {
		Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
		char code[16];
		snprintf(code, sizeof code, "g%d", i);
		m.code = code;
		m.name = (char *)"n";
		m.parent = (char *)"";
		a[i] = (struct ledger_append){
		    .type = ENTRY_AGENCY_REGISTER, .agency = "", .payload = bufs[i]};
		a[i].payload_len = suiji__agency_register__pack(&m, bufs[i]);
	}
	uint64_t n = ledger_store_size(f.s);
	CHECK_INT(ledger_store_append(f.s, a, 500, &first, err, sizeof err), ==, SJ_OK);
	CHECK_INT(first, ==, n);
	CHECK_INT(ledger_store_size(f.s), ==, n + 500);
	fixture_free(&f);
}

TEST(store_triggers_refuse_update_delete, "SQLite refuses UPDATE and DELETE on every ledger table")
{
	struct fixture f;
	sqlite3 *h;
	char *msg = NULL;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 2), ==, SJ_OK);
	CHECK_INT(sqlite3_open(f.db, &h), ==, SQLITE_OK);
	CHECK(sqlite3_exec(h, "UPDATE entries SET bytes = x'00' WHERE seq = 1", 0, 0, &msg) ==
	      SQLITE_CONSTRAINT);
	CHECK_STR_HAS(msg, "append-only");
	sqlite3_free(msg);
	CHECK(sqlite3_exec(h, "DELETE FROM entries WHERE seq = 6", 0, 0, 0) == SQLITE_CONSTRAINT);
	CHECK(sqlite3_exec(h, "DELETE FROM checkpoints", 0, 0, 0) == SQLITE_CONSTRAINT);
	CHECK(sqlite3_exec(h, "UPDATE checkpoints SET note = ''", 0, 0, 0) == SQLITE_CONSTRAINT);
	CHECK(sqlite3_exec(h, "DELETE FROM cosignatures", 0, 0, 0) == SQLITE_CONSTRAINT);
	CHECK(sqlite3_exec(h, "UPDATE cosignatures SET line = ''", 0, 0, 0) == SQLITE_CONSTRAINT);
	sqlite3_close(h);
	fixture_free(&f);
}

TEST(store_altered_ledger_refuses_appends,
     "a ledger whose stored entry was altered opens broken, names the entry and refuses appends")
{
	struct fixture f;
	char err[512];
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 4), ==, SJ_OK);
	fixture_close_store(&f);
	CHECK_INT(fixture_flip(f.db, 6, 120, 3), ==, SJ_OK);
	CHECK_INT(storeops_open(&f.s, f.db, 0, err, sizeof err), ==, SJ_OK);
	CHECK(ledger_store_broken(f.s) != NULL);
	/* Byte 120 lies in entry 6's signed payload: its client signature
	 * no longer verifies, and the store says so by number. */
	CHECK_STR_HAS(ledger_store_broken(f.s), "entry 6");
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "later", 0), ==, SJ_ECORRUPT);
	char *note;
	size_t len;
	CHECK_INT(ledger_store_checkpoint(f.s, f.log_key, &note, &len, err, sizeof err), ==,
	          SJ_ECORRUPT);
	CHECK_STR_HAS(err, "does not verify");
	fixture_free(&f);
}

TEST(store_truncated_ledger_refuses_appends,
     "a ledger truncated below its last checkpoint opens broken and says it was truncated")
{
	struct fixture f;
	char err[512];
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 4), ==, SJ_OK);
	fixture_close_store(&f);
	CHECK_INT(fixture_sql(f.db, "DELETE FROM entries WHERE seq >= 7"), ==, SQLITE_OK);
	CHECK_INT(storeops_open(&f.s, f.db, 0, err, sizeof err), ==, SJ_OK);
	CHECK_STR_HAS(ledger_store_broken(f.s), "truncated");
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "later", 0), ==, SJ_ECORRUPT);
	fixture_free(&f);
}

TEST(store_checkpoint_root_from_entries, "a checkpoint's root is the RFC 9162 root of the stored "
                                         "entries and it is signed by the log key")
{
	struct fixture f;
	char err[512], *note = NULL, perr[200];
	size_t len, blen;
	struct note *n = NULL;
	struct checkpoint c;
	merkle_hash leaves[16], root;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 3), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "extra", 0), ==, SJ_OK);
	CHECK_INT(ledger_store_checkpoint(f.s, f.log_key, &note, &len, err, sizeof err), ==, SJ_OK);
	uint64_t size = ledger_store_size(f.s);
	for (uint64_t i = 0; i < size; i++) {
		uint8_t *b;
		size_t bl;
		CHECK_INT(ledger_store_entry(f.s, i, &b, &bl), ==, SJ_OK);
		merkle_leaf_hash(leaves[i], b, bl);
		free(b);
	}
	CHECK_INT(merkle_root(root, (const merkle_hash *)leaves, size), ==, SJ_OK);
	CHECK_INT(note_parse(&n, note, len, perr, sizeof perr), ==, SJ_OK);
	const char *body = note_body(n, &blen);
	CHECK_INT(checkpoint_parse(&c, body, blen, perr, sizeof perr), ==, SJ_OK);
	CHECK_INT(c.size, ==, size);
	CHECK_MEM(c.root, root, 32);
	CHECK_INT(note_verify(n, &f.log_vk), ==, SJ_OK);
	note_free(n);
	free(note);
	fixture_free(&f);
}

TEST(store_checkpoint_other_key_refused,
     "a checkpoint cannot be signed with a key other than the log's")
{
	struct fixture f;
	struct note_skey *k = NULL;
	char err[512], *note = NULL;
	size_t len;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 1), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "extra", 0), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&k, "suiji.test/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(ledger_store_checkpoint(f.s, k, &note, &len, err, sizeof err), ==, SJ_EPERM);
	note_skey_free(k);
	fixture_free(&f);
}

TEST(store_cosignature_unknown_witness_refused,
     "a cosignature by a key that is not a registered witness is refused")
{
	struct fixture f;
	struct note_skey *w = NULL;
	char err[512], *note = NULL, *line = NULL, full[4096];
	size_t len, added;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 1), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "extra", 0), ==, SJ_OK);
	CHECK_INT(ledger_store_checkpoint(f.s, f.log_key, &note, &len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&w, "witness.test/w1", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	const char *blank = strstr(note, "\n\n");
	CHECK_INT(note_cosign(&line, note, (size_t)(blank - note) + 1, 1700000000, w), ==, SJ_OK);
	snprintf(full, sizeof full, "%s%s", note, line);
	CHECK_INT(ledger_store_add_cosignatures(f.s, full, strlen(full), &added, err, sizeof err),
	          ==, SJ_EPERM);
	CHECK_STR_HAS(err, "not a witness");
	/* Its twin: the registered witness's cosignature is accepted. */
	free(line);
	CHECK_INT(note_cosign(&line, note, (size_t)(blank - note) + 1, 1700000000, f.witness), ==,
	          SJ_OK);
	snprintf(full, sizeof full, "%s%s", note, line);
	CHECK_INT(ledger_store_add_cosignatures(f.s, full, strlen(full), &added, err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(added, ==, 1);
	free(line);
	free(note);
	note_skey_free(w);
	fixture_free(&f);
}

TEST(store_inclusion_proofs_verify,
     "every entry's inclusion proof from the store verifies against the checkpoint root")
{
	struct fixture f;
	char err[512], *note = NULL, perr[200];
	size_t len, blen, np;
	struct note *n = NULL;
	struct checkpoint c;
	merkle_hash proof[MERKLE_MAX_PROOF], leaf;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 8), ==, SJ_OK);
	CHECK_INT(ledger_store_checkpoint(f.s, f.log_key, &note, &len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(note_parse(&n, note, len, perr, sizeof perr), ==, SJ_OK);
	const char *body = note_body(n, &blen);
	CHECK_INT(checkpoint_parse(&c, body, blen, perr, sizeof perr), ==, SJ_OK);
	for (uint64_t i = 0; i < c.size; i++) {
		uint8_t *b;
		size_t bl;
		CHECK_INT(ledger_store_entry(f.s, i, &b, &bl), ==, SJ_OK);
		merkle_leaf_hash(leaf, b, bl);
		free(b);
		CHECK_INT(
		    ledger_store_inclusion_proof(f.s, i, c.size, proof, &np, MERKLE_MAX_PROOF), ==,
		    SJ_OK);
		CHECK_INT(merkle_verify_inclusion(i, c.size, leaf, (const merkle_hash *)proof, np,
		                                  c.root),
		          ==, SJ_OK);
		leaf[0] ^= 1; /* forgery twin */
		CHECK_INT(merkle_verify_inclusion(i, c.size, leaf, (const merkle_hash *)proof, np,
		                                  c.root),
		          !=, SJ_OK);
	}
	note_free(n);
	free(note);
	fixture_free(&f);
}

TEST(store_keyfile_mode_0600,
     "a new key file is created with mode 0600 and reloads to the same key")
{
	char path[600], err[512];
	struct note_skey *k1 = NULL, *k2 = NULL;
	struct note_vkey v1, v2;
	struct stat st;
	int created = 0;
	snprintf(path, sizeof path, "%s/log.key", harness_tmpdir());
	CHECK_INT(keyfile_load(&k1, path, "suiji.test/log", NOTE_TYPE_ED25519, 1, &created, err,
	                       sizeof err),
	          ==, SJ_OK);
	CHECK(created);
	CHECK_INT(stat(path, &st), ==, 0);
	CHECK_INT(st.st_mode & 0777, ==, 0600);
	CHECK_INT(keyfile_load(&k2, path, NULL, 0, 0, &created, err, sizeof err), ==, SJ_OK);
	CHECK(!created);
	note_skey_public(&v1, k1);
	note_skey_public(&v2, k2);
	CHECK_MEM(v1.pk, v2.pk, 32);
	note_skey_free(k1);
	note_skey_free(k2);
}

TEST(store_keyfile_readable_refused, "a key file that others may read is refused")
{
	char path[600], err[512];
	struct note_skey *k = NULL;
	snprintf(path, sizeof path, "%s/log.key", harness_tmpdir());
	CHECK_INT(keyfile_load(&k, path, "n", NOTE_TYPE_ED25519, 1, NULL, err, sizeof err), ==,
	          SJ_OK);
	note_skey_free(k);
	k = NULL;
	CHECK_INT(chmod(path, 0644), ==, 0);
	CHECK_INT(keyfile_load(&k, path, NULL, 0, 0, NULL, err, sizeof err), ==, SJ_EPERM);
	CHECK_STR_HAS(err, "chmod 600");
}

TEST(store_readonly_refuses_appends, "a ledger opened read-only refuses appends")
{
	struct fixture f;
	char err[512];
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	fixture_close_store(&f);
	CHECK_INT(storeops_open(&f.s, f.db, LEDGER_STORE_READONLY, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "ro", 0), ==, SJ_EPERM);
	fixture_free(&f);
}

TEST(store_missing_file_without_create,
     "opening a missing ledger without create says it is missing")
{
	struct ledger_store *s = NULL;
	char path[600], err[512];
	snprintf(path, sizeof path, "%s/none.db", harness_tmpdir());
	CHECK_INT(storeops_open(&s, path, 0, err, sizeof err), ==, SJ_ENOENT);
	CHECK_STR_HAS(err, "none.db");
}

TEST(store_other_writer_taken_in,
     "entries another process appended are taken in before the next append and checkpoint, so an "
     "operator command beside the daemon loses nothing")
{
	struct fixture f;
	struct ledger_store *other = NULL;
	char err[512], *note = NULL;
	size_t len;
	struct verify_report r;
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 1), ==, SJ_OK);
	uint64_t n = ledger_store_size(f.s);
	CHECK_INT(fixture_reopen(&f, &other), ==, SJ_OK);
	struct ledger_store *mine = f.s;
	f.s = other; /* the "operator command" appends through the other handle */
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "by-other", 0), ==, SJ_OK);
	f.s = mine;
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "by-mine", 0), ==, SJ_OK);
	CHECK_INT(ledger_store_size(f.s), ==, n + 2);
	CHECK(ledger_store_broken(f.s) == NULL);
	/* Its twin: registering what the other handle registered is refused,
	 * because this handle now knows of it. */
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "by-other", 0), ==, SJ_EVERIFY);
	f.s = other;
	CHECK_INT(fixture_signed_agency(&f, f.admin, "sfj", "by-other-2", 0), ==, SJ_OK);
	f.s = mine;
	CHECK_INT(ledger_store_checkpoint(f.s, f.log_key, &note, &len, err, sizeof err), ==, SJ_OK);
	char want[32];
	snprintf(want, sizeof want, "\n%llu\n", (unsigned long long)(n + 3));
	CHECK_STR_HAS(note, want);
	free(note);
	ledger_store_close(other);
	fixture_close_store(&f);
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_OK);
	fixture_free(&f);
}
