#include "tests/fixture.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "proto/ledger.pb-c.h"
#include "rules/storeops.h"

static int pack_and_append(struct fixture *f, uint32_t type, const char *agency,
                           const struct note_skey *k, uint8_t *payload, size_t len, int corrupt)
{
	struct ledger_append a = {
	    .type = type, .agency = agency, .payload = payload, .payload_len = len};
	struct note_vkey vk;
	uint8_t sig[64], *msg = NULL;
	size_t mlen;
	char err[512];
	int rc;

	if (k != NULL) {
		note_skey_public(&vk, k);
		a.counter = util_request_counter();
		rc = entry_request_message(&msg, &mlen, ledger_store_origin(f->s), type, a.counter,
		                           agency, strlen(agency), payload, len);
		if (rc != SJ_OK)
			return rc;
		note_skey_sign_raw(sig, msg, mlen, k);
		free(msg);
		if (corrupt)
			sig[corrupt % 64] ^= 0x01;
		a.actor = vk.pk;
		a.sig = sig;
	}
	rc = ledger_store_append(f->s, &a, 1, NULL, err, sizeof err);
	return rc;
}

int fixture_signed_agency(struct fixture *f, const struct note_skey *k, const char *agency,
                          const char *code, int corrupt_sig)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	uint8_t buf[256];
	m.code = (char *)code;
	m.name = (char *)"测试机关";
	m.parent = (char *)"sfj";
	size_t len = suiji__agency_register__pack(&m, buf);
	return pack_and_append(f, ENTRY_AGENCY_REGISTER, agency, k, buf, len, corrupt_sig);
}

static int operator_agency(struct fixture *f, const char *code, const char *parent)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	uint8_t buf[256];
	m.code = (char *)code;
	m.name = (char *)"连云港市司法局";
	m.parent = (char *)parent;
	size_t len = suiji__agency_register__pack(&m, buf);
	return pack_and_append(f, ENTRY_AGENCY_REGISTER, "", NULL, buf, len, 0);
}

int fixture_checkpoint(struct fixture *f)
{
	char *note = NULL, *line = NULL, err[512];
	size_t len, added;
	int rc;

	rc = ledger_store_checkpoint(f->s, f->log_key, &note, &len, err, sizeof err);
	if (rc != SJ_OK)
		return rc;
	/* The body ends at the blank line. */
	const char *blank = strstr(note, "\n\n");
	rc = note_cosign(&line, note, (size_t)(blank - note) + 1, (uint64_t)time(NULL), f->witness);
	if (rc == SJ_OK) {
		size_t ll = strlen(line);
		char *full = malloc(len + ll + 1);
		if (full == NULL) {
			rc = SJ_ENOMEM;
		} else {
			memcpy(full, note, len);
			memcpy(full + len, line, ll + 1);
			rc = ledger_store_add_cosignatures(f->s, full, len + ll, &added, err,
			                                   sizeof err);
			free(full);
		}
	}
	free(line);
	free(note);
	return rc;
}

int fixture_build(struct fixture *f, const char *dir, size_t extra)
{
	Suiji__WitnessAdd wa = SUIJI__WITNESS_ADD__INIT;
	Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
	uint8_t buf[512];
	char err[512], path[600];
	size_t len;
	int rc;

	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "%s", dir);
	snprintf(f->db, sizeof f->db, "%s/ledger.db", dir);
	/* The log key is kept in dir/log.key, as suijid init keeps it, so
	 * that a test can append past the store as the log operator. */
	snprintf(path, sizeof path, "%s/log.key", dir);
	if ((rc = keyfile_load(&f->log_key, path, "suiji.test/log", NOTE_TYPE_ED25519, 1, NULL, err,
	                       sizeof err)) ||
	    (rc = note_skey_generate(&f->admin, "admin@sfj", NOTE_TYPE_ED25519)) ||
	    (rc = note_skey_generate(&f->witness, "witness.test/w1", NOTE_TYPE_COSIG_V1)))
		return rc;
	note_skey_public(&f->log_vk, f->log_key);
	note_skey_public(&f->admin_vk, f->admin);
	note_skey_public(&f->witness_vk, f->witness);
	note_vkey_format(f->log_vkey, sizeof f->log_vkey, f->log_vk.name, f->log_vk.type,
	                 f->log_vk.pk);
	note_vkey_format(f->witness_vkey, sizeof f->witness_vkey, f->witness_vk.name,
	                 f->witness_vk.type, f->witness_vk.pk);
	rc = storeops_open(&f->s, f->db, LEDGER_STORE_CREATE, err, sizeof err);
	if (rc != SJ_OK)
		return rc;
	if ((rc = ledger_store_init_log(f->s, "suiji.test/log", "test", f->log_key, err,
	                                sizeof err)))
		return rc;
	if ((rc = operator_agency(f, "sfj", "")) || (rc = operator_agency(f, "scjg", "sfj")))
		return rc;
	cr.public_key.data = f->admin_vk.pk;
	cr.public_key.len = 32;
	cr.agency = (char *)"sfj";
	cr.role = SUIJI__ROLE__ROLE_ADMIN;
	cr.name = (char *)"admin";
	len = suiji__client_register__pack(&cr, buf);
	if ((rc = pack_and_append(f, ENTRY_CLIENT_REGISTER, "", NULL, buf, len, 0)))
		return rc;
	wa.vkey = f->witness_vkey;
	wa.note = (char *)"test witness";
	len = suiji__witness_add__pack(&wa, buf);
	if ((rc = pack_and_append(f, ENTRY_WITNESS_ADD, "", NULL, buf, len, 0)))
		return rc;
	for (size_t i = 0; i < extra; i++) {
		char code[32];
		snprintf(code, sizeof code, "x%zu", i);
		if ((rc = fixture_signed_agency(f, f->admin, "sfj", code, 0)))
			return rc;
		if (i + 1 == extra / 2 && (rc = fixture_checkpoint(f)))
			return rc;
	}
	return fixture_checkpoint(f);
}

int fixture_reopen(struct fixture *f, struct ledger_store **s)
{
	char err[512];
	int rc = storeops_open(s, f->db, 0, err, sizeof err);
	if (rc == SJ_OK && !ledger_store_broken(*s))
		rc = ledger_store_set_signer(*s, f->log_key, err, sizeof err);
	return rc;
}

void fixture_close_store(struct fixture *f)
{
	ledger_store_close(f->s);
	f->s = NULL;
}

void fixture_free(struct fixture *f)
{
	ledger_store_close(f->s);
	note_skey_free(f->log_key);
	note_skey_free(f->admin);
	note_skey_free(f->witness);
	memset(f, 0, sizeof *f);
}

int fixture_sql(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open(db, &h);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h,
		                  "DROP TRIGGER IF EXISTS entries_no_update;"
		                  "DROP TRIGGER IF EXISTS entries_no_delete;"
		                  "DROP TRIGGER IF EXISTS checkpoints_no_update;"
		                  "DROP TRIGGER IF EXISTS checkpoints_no_delete;"
		                  "DROP TRIGGER IF EXISTS cosignatures_no_update;"
		                  "DROP TRIGGER IF EXISTS cosignatures_no_delete;",
		                  NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

int fixture_read_entry(const char *db, uint64_t seq, uint8_t **b, size_t *len)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = SJ_EIO;
	if (sqlite3_open(db, &h) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT bytes FROM entries WHERE seq = ?", -1, &st, NULL) ==
	        SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*len = (size_t)sqlite3_column_bytes(st, 0);
			*b = malloc(*len);
			if (*b) {
				memcpy(*b, sqlite3_column_blob(st, 0), *len);
				rc = SJ_OK;
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

int fixture_flip(const char *db, uint64_t seq, size_t off, int bit)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	uint8_t *b = NULL;
	size_t len;
	int rc;

	if ((rc = fixture_read_entry(db, seq, &b, &len)) != SJ_OK)
		return rc;
	if (off >= len) {
		free(b);
		return SJ_ERANGE;
	}
	b[off] ^= (uint8_t)(1u << bit);
	rc = fixture_sql(db, "SELECT 1");
	if (rc == SQLITE_OK && sqlite3_open(db, &h) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "UPDATE entries SET bytes = ? WHERE seq = ?", -1, &st, NULL) ==
	        SQLITE_OK) {
		sqlite3_bind_blob(st, 1, b, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
		rc = sqlite3_step(st) == SQLITE_DONE ? SJ_OK : SJ_EIO;
	} else {
		rc = SJ_EIO;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(b);
	return rc;
}

int fixture_log_sign(uint8_t *bytes, size_t len, const struct note_skey *k)
{
	uint8_t *msg;
	size_t mlen;
	int rc = entry_log_message(&msg, &mlen, bytes, len);
	if (rc != SJ_OK)
		return rc;
	note_skey_sign_raw(bytes + len - ENTRY_SIG_SIZE, msg, mlen, k);
	free(msg);
	return SJ_OK;
}

int fixture_raw_append(const char *db, const char *agency, uint32_t type, const uint8_t *payload,
                       size_t len)
{
	struct note_skey *k = NULL;
	char path[700], err[300];
	const char *slash = strrchr(db, '/');
	int rc;

	snprintf(path, sizeof path, "%.*s/log.key", slash ? (int)(slash - db) : 1,
	         slash ? db : ".");
	if (keyfile_load(&k, path, NULL, NOTE_TYPE_ED25519, 0, NULL, err, sizeof err) != SJ_OK)
		return SJ_ENOENT;
	rc = fixture_raw_append_with(db, agency, type, payload, len, k);
	note_skey_free(k);
	return rc;
}

int fixture_raw_append_with(const char *db, const char *agency, uint32_t type,
                            const uint8_t *payload, size_t len, const struct note_skey *k)
{
	struct entry e = {0};
	e.type = type;
	e.agency = agency;
	e.agency_len = strlen(agency);
	e.payload = payload;
	e.payload_len = len;
	return fixture_raw_append_entry(db, &e, k);
}

int fixture_raw_append_entry(const char *db, const struct entry *in, const struct note_skey *k)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	struct entry e = *in;
	uint8_t *bytes = NULL, *last = NULL;
	size_t bl, ll;
	int rc = SJ_EIO;
	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT seq, bytes FROM entries ORDER BY seq DESC LIMIT 1", -1,
	                       &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	e.seq = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	ll = (size_t)sqlite3_column_bytes(st, 1);
	last = malloc(ll);
	if (last == NULL)
		goto out;
	memcpy(last, sqlite3_column_blob(st, 1), ll);
	entry_hash(e.prev, last, ll);
	sqlite3_finalize(st);
	st = NULL;
	e.time_us = util_now_us();
	if (entry_encode(&bytes, &bl, &e) != SJ_OK ||
	    (k != NULL && fixture_log_sign(bytes, bl, k) != SJ_OK) ||
	    sqlite3_prepare_v2(h, "INSERT INTO entries(seq, bytes) VALUES(?, ?)", -1, &st, NULL) !=
	        SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)e.seq);
	sqlite3_bind_blob(st, 2, bytes, (int)bl, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? SJ_OK : SJ_EIO;
out:
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(bytes);
	free(last);
	return rc;
}

int fixture_verify(const char *path, const struct verify_opts *o, struct verify_report *r)
{
	struct verifier *v = NULL;
	struct verify_opts none = {0};
	char err[512];
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if ((rc = verify_new(&v, o ? o : &none)) != SJ_OK)
		return rc;
	if (strstr(path, ".db")) {
		rc = verify_sqlite(v, path, NULL, err, sizeof err);
	} else {
		rc = util_read_file(&buf, &len, path, 1 << 28);
		if (rc == SJ_OK)
			rc = verify_export(v, buf, len, NULL);
	}
	if (rc == SJ_OK)
		rc = verify_finish(v, r);
	verify_free(v);
	free(buf);
	return rc;
}
