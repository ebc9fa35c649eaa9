/*
 * test_dirledger.c: directories and declared conflicts as ledger entries
 * (R1, R2, R12; rules/dirs.h): imported by the log operator with suijid
 * import and by an agency's operator through the store with a signed
 * request, and replayed by the verifier.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "dir/import.h"
#include "dir/record.h"
#include "ledger/entry.h"
#include "proto/directory.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "rules/storeops.h"
#include "tests/fixture.h"
#include "tests/harness.h"

/* Five objects supervised by scjg (the three of objects-gbk.csv and the
 * two of objects-bom.csv), in UTF-8. */
static const char objects5[] = "uscc,name,status,risk_class,agencies\n"
                               "914403001922038216,连云港海州食品有限公司,active,A,scjg\n"
                               "9144030071526726XG,连云港赣榆药业有限公司,active,C,scjg;wsjk\n"
                               "91440300708461136T,东海县建材厂,revoked,B,scjg\n"
                               "91330100799655058B,Hangzhou Example Trading Co.,active,D,scjg\n"
                               "91110108558521630L,北京示例科技有限公司,active,B,scjg\n";

/* The same five with three changed: two names and one risk class. */
static const char objects5b[] = "uscc,name,status,risk_class,agencies\n"
                                "914403001922038216,连云港海州食品股份有限公司,active,A,scjg\n"
                                "9144030071526726XG,连云港赣榆药业有限公司,active,B,scjg;wsjk\n"
                                "91440300708461136T,东海县建材厂,revoked,B,scjg\n"
                                "91330100799655058B,Hangzhou Example Trading Ltd.,active,D,scjg\n"
                                "91110108558521630L,北京示例科技有限公司,active,B,scjg\n";

static const char officers2[] = "certificate,name,agency,specialties\n"
                                "32070001,张执法,scjg,food\n"
                                "32070002,李执法,scjg,drug\n";

struct dl {
	struct fixture f;
	char dir[512];
};

/* The fixture's ledger (agencies sfj and scjg), its store closed so that
 * suijid can write it. */
static int dl_build(struct dl *w)
{
	static unsigned n;
	snprintf(w->dir, sizeof w->dir, "%s/dl%u", harness_tmpdir(), ++n);
	if (sodium_init() < 0 || mkdir(w->dir, 0700) != 0 || fixture_build(&w->f, w->dir, 0))
		return -1;
	fixture_close_store(&w->f);
	return 0;
}

static int write_text(const struct dl *w, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", w->dir, name);
	return util_write_file(path, text, strlen(text), 0644);
}

/* Runs suijid import KIND FILE ARGS against the fixture's ledger. */
static int import(char **out, const struct dl *w, const char *kind, const char *file,
                  const char *args)
{
	return harness_run(out, "%s -d %s import %s %s --agency scjg %s 2>&1",
	                   harness_bin("suijid"), w->dir, kind, file, args);
}

static uint64_t entries(const struct dl *w)
{
	struct verify_report r;
	if (fixture_verify(w->f.db, NULL, &r) != SJ_OK)
		return 0;
	return r.entries;
}

TEST(dirledger_gbk_objects, "R1: a GBK objects file with Chinese names is stored as a "
                            "directory-import entry and the verifier passes")
{
	struct dl w;
	struct verify_report r;
	char *out = NULL;
	uint64_t n0;
	CHECK(dl_build(&w) == 0);
	n0 = entries(&w);
	CHECK_INT(import(&out, &w, "objects", "tests/data/dir/objects-gbk.csv", ""), ==, 0);
	CHECK_STR_HAS(out, "3 records, 3 added, 0 changed");
	free(out);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.entries, ==, n0 + 1);
	/* The same file again changes nothing, and is recorded as such. */
	CHECK_INT(import(&out, &w, "objects", "tests/data/dir/objects-gbk.csv", ""), ==, 0);
	CHECK_STR_HAS(out, "0 added, 0 changed, 3 unchanged");
	free(out);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	fixture_free(&w.f);
}

TEST(dirledger_bad_row_stores_nothing,
     "R1: a file with one bad row stores nothing and names the row's line")
{
	struct dl w;
	char *out = NULL, path[800];
	uint64_t n0;
	CHECK(dl_build(&w) == 0);
	n0 = entries(&w);
	/* Line 3's credit code has a wrong check character. */
	CHECK_INT(write_text(&w, "bad.csv",
	                     "uscc,name,risk_class,agencies\n"
	                     "914403001922038216,连云港海州食品有限公司,A,scjg\n"
	                     "9144030071526726XA,连云港赣榆药业有限公司,A,scjg\n"
	                     "91440300708461136T,东海县建材厂,A,scjg\n"),
	          ==, SJ_OK);
	snprintf(path, sizeof path, "%s/bad.csv", w.dir);
	CHECK_INT(import(&out, &w, "objects", path, ""), ==, 1);
	CHECK_STR_HAS(out, "bad.csv:3:");
	CHECK_STR_HAS(out, "nothing imported");
	free(out);
	CHECK_INT(entries(&w), ==, n0);
	fixture_free(&w.f);
}

TEST(dirledger_reimport_three_changes,
     "R1: a re-import that changes three rows is recorded, and --dry-run reports exactly those "
     "three changes without writing")
{
	struct dl w;
	struct verify_report r;
	char *out = NULL, p1[800], p2[800];
	uint64_t n1;
	CHECK(dl_build(&w) == 0);
	CHECK_INT(write_text(&w, "a.csv", objects5), ==, SJ_OK);
	CHECK_INT(write_text(&w, "b.csv", objects5b), ==, SJ_OK);
	snprintf(p1, sizeof p1, "%s/a.csv", w.dir);
	snprintf(p2, sizeof p2, "%s/b.csv", w.dir);
	CHECK_INT(import(&out, &w, "objects", p1, ""), ==, 0);
	free(out);
	n1 = entries(&w);
	CHECK_INT(import(&out, &w, "objects", p2, "--dry-run"), ==, 0);
	CHECK_STR_HAS(out, "0 added, 3 changed, 0 absent, 2 unchanged");
	CHECK_STR_HAS(out, "~ 914403001922038216 name: \"连云港海州食品有限公司\" -> "
	                   "\"连云港海州食品股份有限公司\"");
	CHECK_STR_HAS(out, "~ 9144030071526726XG risk_class: \"C\" -> \"B\"");
	CHECK_STR_HAS(out, "~ 91330100799655058B name:");
	CHECK(strstr(out, "91440300708461136T") == NULL);
	CHECK(strstr(out, "91110108558521630L") == NULL);
	free(out);
	CHECK_INT(entries(&w), ==, n1);
	CHECK_INT(import(&out, &w, "objects", p2, ""), ==, 0);
	CHECK_STR_HAS(out, "5 records, 0 added, 3 changed, 2 unchanged");
	free(out);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.entries, ==, n1 + 1);
	/* Against the new state, the same file is no change at all. */
	CHECK_INT(import(&out, &w, "objects", p2, "--dry-run"), ==, 0);
	CHECK_STR_HAS(out, "0 added, 0 changed, 0 absent, 5 unchanged");
	free(out);
	fixture_free(&w.f);
}

TEST(dirledger_conflict_unknown_officer,
     "R12: a declared conflict naming an officer the directory does not hold is refused; one "
     "naming a known officer and object is stored")
{
	struct dl w;
	char *out = NULL, p[800];
	uint64_t n0;
	CHECK(dl_build(&w) == 0);
	CHECK_INT(write_text(&w, "o.csv", objects5), ==, SJ_OK);
	CHECK_INT(write_text(&w, "f.csv", officers2), ==, SJ_OK);
	CHECK_INT(write_text(&w, "c-bad.csv",
	                     "person_kind,object,certificate,reason,declared_by\n"
	                     "officer,914403001922038216,32079999,亲属任职,张执法\n"),
	          ==, SJ_OK);
	CHECK_INT(write_text(&w, "c-ok.csv",
	                     "person_kind,object,certificate,reason,declared_by\n"
	                     "officer,914403001922038216,32070001,亲属任职,张执法\n"),
	          ==, SJ_OK);
	snprintf(p, sizeof p, "%s/o.csv", w.dir);
	CHECK_INT(import(&out, &w, "objects", p, ""), ==, 0);
	free(out);
	snprintf(p, sizeof p, "%s/f.csv", w.dir);
	CHECK_INT(import(&out, &w, "officers", p, ""), ==, 0);
	free(out);
	n0 = entries(&w);
	snprintf(p, sizeof p, "%s/c-bad.csv", w.dir);
	CHECK_INT(import(&out, &w, "conflicts", p, ""), ==, 1);
	CHECK_STR_HAS(out, "officer 32079999");
	free(out);
	CHECK_INT(entries(&w), ==, n0);
	snprintf(p, sizeof p, "%s/c-ok.csv", w.dir);
	CHECK_INT(import(&out, &w, "conflicts", p, ""), ==, 0);
	CHECK_STR_HAS(out, "1 added");
	free(out);
	CHECK_INT(entries(&w), ==, n0 + 1);
	fixture_free(&w.f);
}

/* A DirectoryImport payload of the objects in csv for agency (malloc'd). */
static int objects_payload(uint8_t **out, size_t *len, const char *agency, const char *csv)
{
	Suiji__DirectoryImport m = SUIJI__DIRECTORY_IMPORT__INIT;
	struct import_opts o = {.kind = RECORD_OBJECT};
	struct import *im = NULL;
	const struct record *const *recs;
	ProtobufCBinaryData bd[8];
	char err[256];
	size_t n = 0;
	int rc = import_run(&im, (const uint8_t *)csv, strlen(csv), &o);
	if (rc != SJ_OK)
		goto out;
	recs = import_records(im, &n);
	for (size_t i = 0; i < n && i < 8; i++)
		if ((rc = record_encode(&bd[i].data, &bd[i].len, recs[i], err, sizeof err)) !=
		    SJ_OK) {
			n = i;
			goto out;
		}
	m.agency = (char *)agency;
	m.kind = RECORD_OBJECT;
	m.import_id = (char *)"t1";
	m.source_name = (char *)"t.csv";
	m.parts = 1;
	m.records = bd;
	m.n_records = n;
	*len = suiji__directory_import__get_packed_size(&m);
	*out = malloc(*len);
	if (*out == NULL)
		rc = SJ_ENOMEM;
	else
		suiji__directory_import__pack(&m, *out);
out:
	for (size_t i = 0; i < n; i++)
		free(bd[i].data);
	import_free(im);
	return rc;
}

/* Registers k as a client of agency with role, written by the log. */
static int register_client(struct fixture *f, const struct note_skey *k, const char *agency,
                           int role)
{
	Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
	struct note_vkey vk;
	uint8_t buf[256];
	char err[512];
	note_skey_public(&vk, k);
	cr.public_key.data = vk.pk;
	cr.public_key.len = 32;
	cr.agency = (char *)agency;
	cr.role = (Suiji__Role)role;
	cr.name = (char *)"operator";
	struct ledger_append a = {.type = ENTRY_CLIENT_REGISTER,
	                          .agency = "",
	                          .payload = buf,
	                          .payload_len = suiji__client_register__pack(&cr, buf)};
	return ledger_store_append(f->s, &a, 1, NULL, err, sizeof err);
}

/* Appends payload as a directory import signed by k for agency (the
 * entry's), as the daemon does for an RPC request. */
static int signed_import(struct fixture *f, const struct note_skey *k, const char *agency,
                         const uint8_t *payload, size_t len, char *err, size_t cap)
{
	struct ledger_append a = {.type = ENTRY_DIRECTORY_IMPORT,
	                          .agency = agency,
	                          .payload = payload,
	                          .payload_len = len};
	struct note_vkey vk;
	uint8_t sig[64], *msg = NULL;
	size_t mlen;
	int rc;
	note_skey_public(&vk, k);
	a.counter = util_request_counter();
	rc = entry_request_message(&msg, &mlen, ledger_store_origin(f->s), a.type, a.counter,
	                           agency, strlen(agency), payload, len);
	if (rc != SJ_OK)
		return rc;
	note_skey_sign_raw(sig, msg, mlen, k);
	free(msg);
	a.actor = vk.pk;
	a.sig = sig;
	return ledger_store_append(f->s, &a, 1, NULL, err, cap);
}

TEST(dirledger_other_agency_refused, "an operator of another agency cannot import for this one; an "
                                     "auditor of the agency cannot either; its own operator can")
{
	struct dl w;
	struct note_skey *op_sfj = NULL, *op_scjg = NULL, *aud = NULL;
	uint8_t *p = NULL;
	size_t len;
	char err[1024];
	CHECK(dl_build(&w) == 0);
	CHECK_INT(fixture_reopen(&w.f, &w.f.s), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&op_sfj, "op@sfj", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&op_scjg, "op@scjg", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&aud, "aud@scjg", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(register_client(&w.f, op_sfj, "sfj", SUIJI__ROLE__ROLE_OPERATOR), ==, SJ_OK);
	CHECK_INT(register_client(&w.f, op_scjg, "scjg", SUIJI__ROLE__ROLE_OPERATOR), ==, SJ_OK);
	CHECK_INT(register_client(&w.f, aud, "scjg", SUIJI__ROLE__ROLE_AUDITOR), ==, SJ_OK);
	CHECK_INT(objects_payload(&p, &len, "scjg", objects5), ==, SJ_OK);
	/* sfj's operator, acting as sfj, naming scjg in the import. */
	CHECK_INT(signed_import(&w.f, op_sfj, "sfj", p, len, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "is not the entry's agency");
	/* sfj's operator claiming to act for scjg. */
	CHECK_INT(signed_import(&w.f, op_sfj, "scjg", p, len, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "registered for");
	CHECK_INT(signed_import(&w.f, aud, "scjg", p, len, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "operator");
	CHECK_INT(signed_import(&w.f, op_scjg, "scjg", p, len, err, sizeof err), ==, SJ_OK);
	free(p);
	/* Objects that do not list the importing agency are not its to import. */
	CHECK_INT(
	    objects_payload(&p, &len, "sfj",
	                    "uscc,name,risk_class,agencies\n914403001922038216,某公司,A,scjg\n"),
	    ==, SJ_OK);
	CHECK_INT(signed_import(&w.f, op_sfj, "sfj", p, len, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "does not list agency sfj");
	free(p);
	ledger_store_close(w.f.s);
	w.f.s = NULL;
	{
		struct verify_report r;
		CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	}
	note_skey_free(op_sfj);
	note_skey_free(op_scjg);
	note_skey_free(aud);
	fixture_free(&w.f);
}

TEST(dirledger_rogue_import_caught,
     "the verifier flags a directory-import entry written past the store whose record fails its "
     "check; its well-formed twin passes")
{
	for (int variant = 0; variant < 2; variant++) {
		struct dl w;
		struct verify_report r;
		uint8_t *p = NULL;
		size_t len;
		uint64_t seq;
		CHECK(dl_build(&w) == 0);
		CHECK_INT(objects_payload(&p, &len, "scjg", objects5), ==, SJ_OK);
		if (variant == 1) {
			/* The first record's credit code (its first byte after
			 * magic, version, kind and length) becomes a space. */
			size_t at = 0;
			while (at + 4 <= len && memcmp(p + at, "SJDR", 4) != 0)
				at++;
			CHECK(at + 8 <= len);
			p[at + 7] = ' ';
		}
		seq = entries(&w);
		CHECK_INT(fixture_raw_append(w.f.db, "scjg", ENTRY_DIRECTORY_IMPORT, p, len), ==,
		          SJ_OK);
		free(p);
		if (variant == 0) {
			CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
		} else {
			CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_EVERIFY);
			CHECK_INT(r.failed_seq, ==, (int64_t)seq);
			CHECK_STR_HAS(r.what, "record 0 does not decode");
		}
		fixture_free(&w.f);
	}
}
