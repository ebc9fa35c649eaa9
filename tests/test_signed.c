/*
 * test_signed.c: every entry carries the log's signature, and a client's
 * signed request counts once (R18; docs/ledger.md sections 1 and 3).
 *
 * Two attacks by an insider, against the real binaries:
 *  - with write access to the database file and no log key, append an
 *    entry of a kind the log writes itself (an agency registration): the
 *    verifier fails naming the entry and R18 with every pin, and the store
 *    opens the ledger broken, so the daemon never signs a checkpoint over
 *    it. The twin: the same entry signed with the log key (the log
 *    operator cheating with the key) passes the signature check, and the
 *    other rules judge it;
 *  - after a re-check and an amendment, append the legal reviewer's old
 *    signed review again, so the amended text would count as reviewed:
 *    the store refuses it, and appended past the store the verifier fails
 *    naming R18. The twin: a fresh review by the reviewer is accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/rpc.h"
#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/vkeyfile.h"
#include "proto/ledger.pb-c.h"
#include "proto/results.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/storeops.h"
#include "tests/city.h"
#include "tests/fixture.h"
#include "tests/harness.h"

#define SUIJID harness_bin("suijid")
#define SUIJI  harness_bin("suiji")
#define VERIFY harness_bin("suiji-verify")

/* A small log through the command line in d: two agencies, a witness, a
 * checkpoint cosigned by the witness and stored (4 entries). */
static int signed_log(const char *d)
{
	char *out = NULL;
	int rc = harness_run(
	    &out,
	    "cd %s && %s -d data init --origin suiji.test/signed >/dev/null && "
	    "%s -d data log-key > log.vkey && "
	    "%s -d data add-agency --code sfj --name 司法局 && "
	    "%s -d data add-agency --code scjg --name 市场监管局 --parent sfj && "
	    "%s keygen -k w.key --name witness.test/w --witness > w.vkey && "
	    "%s -d data add-witness --key w.vkey && "
	    "%s -d data checkpoint -o cp1 && "
	    "%s cosign -k w.key --log-key log.vkey --state w.state cp1 -o cp1.cosigned && "
	    "%s -d data cosign cp1.cosigned",
	    d, SUIJID, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJID, SUIJI, SUIJID);
	if (rc != 0)
		printf("    %s\n", out ? out : "");
	free(out);
	return rc;
}

/* An agency registration of code under sfj, as the log writes them. */
static size_t agency_payload(uint8_t *buf, const char *code)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	m.code = (char *)code;
	m.name = (char *)"冒名机关";
	m.parent = (char *)"sfj";
	return suiji__agency_register__pack(&m, buf);
}

/* The pin combinations a relying party may use; each must fail. */
static const char *const pins[] = {
    "",
    "--log-key log.vkey",
    "--log-key log.vkey --checkpoint cp1",
    "--log-key log.vkey --witness w.vkey --quorum 1",
    "--log-key log.vkey --checkpoint cp1 --witness w.vkey --quorum 1",
};

TEST(signed_keyless_append_fails_r18,
     "an agency registration appended to the database without the log key fails suiji-verify "
     "naming the entry and R18 with every pin, and the daemon opens the ledger broken and "
     "signs no checkpoint over it")
{
	const char *d = harness_tmpdir();
	struct note_skey *other = NULL;
	struct ledger_store *s = NULL;
	char db[600], *out = NULL, err[512];
	uint8_t buf[256];
	size_t len;

	CHECK_INT(signed_log(d), ==, 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", d);
	len = agency_payload(buf, "fake");
	/* No log signature at all: 64 zero bytes. */
	CHECK_INT(fixture_raw_append_with(db, "", ENTRY_AGENCY_REGISTER, buf, len, NULL), ==,
	          SJ_OK);
	for (size_t i = 0; i < sizeof pins / sizeof *pins; i++) {
		CHECK_INT(harness_run(&out, "cd %s && %s %s data/ledger.db", d, VERIFY, pins[i]),
		          ==, 1);
		CHECK_STR_HAS(out, "FAILED: entry 4 (agency-register): R18: the log's signature");
		free(out);
		out = NULL;
	}
	/* The store opens it broken, naming the rule. */
	CHECK_INT(storeops_open(&s, db, LEDGER_STORE_READONLY, err, sizeof err), ==, SJ_OK);
	CHECK(ledger_store_broken(s) != NULL);
	CHECK_STR_HAS(ledger_store_broken(s), "entry 4: R18");
	ledger_store_close(s);
	/* So the daemon's checkpoint command refuses to sign over it. */
	CHECK_INT(harness_run(&out, "cd %s && %s -d data checkpoint -o cp2", d, SUIJID), ==, 1);
	CHECK_STR_HAS(out, "R18");
	free(out);
	out = NULL;
	CHECK_INT(harness_run(&out, "cd %s && test ! -e cp2", d), ==, 0);
	free(out);
	out = NULL;

	/* Signed with a key of the insider's own: no better. */
	CHECK_INT(fixture_sql(db, "DELETE FROM entries WHERE seq = 4"), ==, 0);
	CHECK_INT(note_skey_generate(&other, "suiji.test/signed", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(fixture_raw_append_with(db, "", ENTRY_AGENCY_REGISTER, buf, len, other), ==,
	          SJ_OK);
	CHECK_INT(harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", d, VERIFY), ==,
	          1);
	CHECK_STR_HAS(out, "FAILED: entry 4 (agency-register): R18");
	free(out);
	note_skey_free(other);
}

TEST(signed_log_key_append_judged_by_rules,
     "the twin: the same registration signed with the log key passes the signature check, so "
     "the other rules judge it: a valid one verifies with every pin, one naming an unknown "
     "parent fails on that rule")
{
	const char *d = harness_tmpdir();
	char db[600], *out = NULL;
	uint8_t buf[256];
	size_t len;

	CHECK_INT(signed_log(d), ==, 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", d);
	len = agency_payload(buf, "fake");
	CHECK_INT(fixture_raw_append(db, "", ENTRY_AGENCY_REGISTER, buf, len), ==, SJ_OK);
	for (size_t i = 0; i < sizeof pins / sizeof *pins; i++) {
		CHECK_INT(harness_run(&out, "cd %s && %s %s data/ledger.db", d, VERIFY, pins[i]),
		          ==, 0);
		free(out);
		out = NULL;
	}
	CHECK_INT(harness_run(&out, "cd %s && %s -d data checkpoint -o cp2", d, SUIJID), ==, 0);
	free(out);
	out = NULL;

	/* The log key does not make a broken rule pass. */
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	m.code = (char *)"orphan";
	m.name = (char *)"无上级机关";
	m.parent = (char *)"nosuch";
	len = suiji__agency_register__pack(&m, buf);
	CHECK_INT(fixture_raw_append(db, "", ENTRY_AGENCY_REGISTER, buf, len), ==, SJ_OK);
	CHECK_INT(harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", d, VERIFY), ==,
	          1);
	if (strstr(out, "FAILED: entry 5 (agency-register)") == NULL)
		printf("    %s\n", out);
	CHECK_STR_HAS(out, "FAILED: entry 5 (agency-register)");
	CHECK(strstr(out, "R18") == NULL);
	free(out);
}

/* The entry number `suijid ... result` printed ("entry N: result: ..."). */
static long long printed_seq(const char *out)
{
	const char *p = out ? strstr(out, "entry ") : NULL;
	return p ? strtoll(p + 6, NULL, 10) : -1;
}

/* A published result of scjg for object id, re-checked by the justice
 * bureau and amended by its operator: ready to be reviewed again. *review
 * is the entry of the legal reviewer's first review. */
static int rechecked_and_amended(struct city *c, char *id, size_t cap, long long *review)
{
	char json[1024], *out = NULL;
	uint64_t d;
	int rc;

	if (city_with_draw(c, "scjg-2026-food", &d, id, cap) != 0)
		return -1;
	snprintf(json, sizeof json,
	         "{\"agency\": \"scjg\", \"task_agency\": \"scjg\", \"task\": \"scjg-2026-food\", "
	         "\"object\": \"%s\", \"check_date\": \"2026-11-16\", \"check_end\": "
	         "\"2026-11-18\", \"items\": [\"food-safety\"], \"account\": \"checked\", "
	         "\"categories\": [\"未发现问题\"]}",
	         id);
	if (city_put(c, "result.json", json) != 0 ||
	    city_run(c, NULL, "$B/suijid -d data result enter result.json --key op.key") != 0 ||
	    city_run(c, &out, "$B/suijid -d data result review result.json --key legal.key") != 0)
		goto fail;
	*review = printed_seq(out);
	free(out);
	out = NULL;
	/* The amended text: what the reviewer never saw. */
	snprintf(json, sizeof json,
	         "{\"agency\": \"scjg\", \"task_agency\": \"scjg\", \"task\": \"scjg-2026-food\", "
	         "\"object\": \"%s\", \"check_date\": \"2026-11-16\", \"check_end\": "
	         "\"2026-11-18\", \"items\": [\"food-safety\"], \"account\": \"amended: nothing "
	         "found after all\", \"categories\": [\"未发现问题\"]}",
	         id);
	if (city_run(c, NULL, "$B/suijid -d data result publish result.json --key op.key") != 0 ||
	    city_run(
	        c, &out,
	        "$B/suijid -d data result recheck result.json --reason 抽查复核 --key sup.key") !=
	        0 ||
	    city_put(c, "amended.json", json) != 0 ||
	    city_run(c, NULL, "$B/suijid -d data result amend amended.json --key op.key") != 0)
		goto fail;
	free(out);
	return *review > 0 ? 0 : -1;
fail:
	if (out)
		printf("    %s\n", out);
	free(out);
	rc = -1;
	return rc;
}

TEST(signed_replayed_review_refused,
     "after a re-check and an amendment, the legal reviewer's old signed review appended again "
     "is refused by the store; appended past the store, suiji-verify fails naming R18; the twin: "
     "a fresh review by the reviewer is accepted and the ledger verifies")
{
	struct city c;
	struct ledger_store *s = NULL;
	struct entry old;
	char id[64], db[700], forged[700], key[700], err[600], why[300], *out = NULL;
	uint8_t *bytes = NULL;
	size_t len;
	long long review = -1;

	CHECK_INT(rechecked_and_amended(&c, id, sizeof id, &review), ==, 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", c.dir);
	CHECK_INT(fixture_read_entry(db, (uint64_t)review, &bytes, &len), ==, SJ_OK);
	CHECK_INT(entry_decode(&old, bytes, len, why, sizeof why), ==, SJ_OK);
	CHECK_INT(old.type, ==, ENTRY_RESULT);
	CHECK(old.sig != NULL);

	/* Through the store, as the daemon would take it: refused. */
	struct ledger_append a = {.type = old.type,
	                          .agency = "scjg",
	                          .actor = old.actor,
	                          .counter = old.counter,
	                          .payload = old.payload,
	                          .payload_len = old.payload_len,
	                          .sig = old.sig};
	snprintf(key, sizeof key, "%s/data/log.key", c.dir);
	CHECK_INT(storeops_open(&s, db, 0, err, sizeof err), ==, SJ_OK);
	CHECK(ledger_store_broken(s) == NULL);
	CHECK_INT(ledger_store_load_signer(s, key, err, sizeof err), ==, SJ_OK);
	uint64_t before = ledger_store_size(s);
	CHECK_INT(ledger_store_append(s, &a, 1, NULL, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "R18: a replayed request");
	CHECK_INT(ledger_store_size(s), ==, before);
	ledger_store_close(s);

	/* Past the store, by a log operator with the log key, in a copy. */
	CHECK_INT(city_run(&c, NULL, "cp -a data forged"), ==, 0);
	snprintf(forged, sizeof forged, "%s/forged/ledger.db", c.dir);
	struct note_skey *lk = NULL;
	CHECK_INT(keyfile_load(&lk, key, NULL, NOTE_TYPE_ED25519, 0, NULL, err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(fixture_raw_append_entry(forged, &old, lk), ==, SJ_OK);
	note_skey_free(lk);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify forged/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "(result): R18: a replayed request");
	free(out);
	out = NULL;
	CHECK_INT(city_run(&c, &out, "$B/suijid -d forged checkpoint -o cp.forged"), ==, 1);
	free(out);
	out = NULL;

	/* The twin: the reviewer reviews the amended text afresh. */
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data result review amended.json --key legal.key"), ==,
	    0);
	free(out);
	out = NULL;
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	free(out);
	free(bytes);
}

TEST(signed_counter_window,
     "a client's requests may be stored out of the order they were signed in, each once: a "
     "counter used before, or older than the key's 64 latest, is refused; a counter of 0 cannot "
     "be signed")
{
	struct fixture f;
	struct ledger_append a = {.type = ENTRY_AGENCY_REGISTER, .agency = "sfj"};
	uint8_t buf[256], sig[64], *msg = NULL;
	char err[512], code[32];
	size_t mlen;
	uint64_t base = 1000;

	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	a.actor = f.admin_vk.pk;
	a.sig = sig;
	/* Counters base+70 down to base+1: out of order, within the window
	 * for the first 64, then below its floor. */
	for (int i = 70; i >= 1; i--) {
		snprintf(code, sizeof code, "w%d", i);
		a.payload = buf;
		a.payload_len = agency_payload(buf, code);
		a.counter = base + (uint64_t)i;
		CHECK_INT(entry_request_message(&msg, &mlen, ledger_store_origin(f.s), a.type,
		                                a.counter, "sfj", 3, a.payload, a.payload_len),
		          ==, SJ_OK);
		note_skey_sign_raw(sig, msg, mlen, f.admin);
		free(msg);
		int rc = ledger_store_append(f.s, &a, 1, NULL, err, sizeof err);
		if (i > 70 - 64) {
			CHECK_INT(rc, ==, SJ_OK);
		} else {
			CHECK_INT(rc, ==, SJ_EVERIFY);
			CHECK_STR_HAS(err, "R18: a replayed or stale request");
		}
	}
	/* The same counter again, for another payload: refused. */
	a.payload_len = agency_payload(buf, "again");
	a.counter = base + 70;
	CHECK_INT(entry_request_message(&msg, &mlen, ledger_store_origin(f.s), a.type, a.counter,
	                                "sfj", 3, a.payload, a.payload_len),
	          ==, SJ_OK);
	note_skey_sign_raw(sig, msg, mlen, f.admin);
	free(msg);
	CHECK_INT(ledger_store_append(f.s, &a, 1, NULL, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "was used already");
	/* A fresh one is taken; 0 is no counter. */
	a.counter = base + 71;
	CHECK_INT(entry_request_message(&msg, &mlen, ledger_store_origin(f.s), a.type, a.counter,
	                                "sfj", 3, a.payload, a.payload_len),
	          ==, SJ_OK);
	note_skey_sign_raw(sig, msg, mlen, f.admin);
	free(msg);
	CHECK_INT(ledger_store_append(f.s, &a, 1, NULL, err, sizeof err), ==, SJ_OK);
	CHECK_INT(entry_request_message(&msg, &mlen, ledger_store_origin(f.s), a.type, 0, "sfj", 3,
	                                a.payload, a.payload_len),
	          ==, SJ_EINVAL);
	/* The verifier agrees with the store on all of it. */
	struct verify_report r;
	fixture_close_store(&f);
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_OK);
	fixture_free(&f);
}

TEST(signed_store_needs_log_key,
     "a store without the log key appends nothing, and takes no other key than the one entry 0 "
     "names")
{
	struct fixture f;
	struct ledger_store *s = NULL;
	struct note_skey *other = NULL;
	char err[512];
	uint8_t buf[256];
	size_t len;

	CHECK_INT(fixture_build(&f, harness_tmpdir(), 0), ==, SJ_OK);
	fixture_close_store(&f);
	CHECK_INT(storeops_open(&s, f.db, 0, err, sizeof err), ==, SJ_OK);
	len = agency_payload(buf, "nokey");
	struct ledger_append a = {
	    .type = ENTRY_AGENCY_REGISTER, .agency = "", .payload = buf, .payload_len = len};
	CHECK_INT(ledger_store_append(s, &a, 1, NULL, err, sizeof err), ==, SJ_EPERM);
	CHECK_STR_HAS(err, "no log key");
	CHECK_INT(note_skey_generate(&other, "suiji.test/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(ledger_store_set_signer(s, other, err, sizeof err), ==, SJ_EPERM);
	CHECK_STR_HAS(err, "not the log key");
	CHECK_INT(ledger_store_set_signer(s, f.log_key, err, sizeof err), ==, SJ_OK);
	CHECK_INT(ledger_store_append(s, &a, 1, NULL, err, sizeof err), ==, SJ_OK);
	ledger_store_close(s);
	note_skey_free(other);
	fixture_free(&f);
}

TEST(signed_replay_over_rpc_refused,
     "the legal reviewer's signed review sent to the daemon again, byte for byte over its own "
     "authenticated session, is refused naming R18 and stores nothing; the ledger verifies")
{
	struct city c;
	struct entry old;
	struct note_vkey dvk;
	struct note_skey *legal = NULL;
	struct rpc_client *cl = NULL;
	struct rpc_client_reply r = {0};
	char id[64], json[1024], conn[300], server[200], path[700], db[700], err[600], why[300];
	char *out = NULL;
	uint8_t *bytes = NULL;
	size_t len;
	uint64_t d;
	long long review;

	CHECK_INT(city_with_draw(&c, "scjg-2026-food", &d, id, sizeof id), ==, 0);
	snprintf(json, sizeof json,
	         "{\"agency\": \"scjg\", \"task_agency\": \"scjg\", \"task\": \"scjg-2026-food\", "
	         "\"object\": \"%s\", \"check_date\": \"2026-11-16\", \"check_end\": "
	         "\"2026-11-18\", \"items\": [\"food-safety\"], \"account\": \"checked\", "
	         "\"categories\": [\"未发现问题\"]}",
	         id);
	CHECK_INT(city_put(&c, "result.json", json), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data result enter result.json --key op.key"), ==,
	          0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data result review result.json --key legal.key"),
	          ==, 0);
	review = printed_seq(out);
	free(out);
	out = NULL;
	CHECK(review > 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", c.dir);
	CHECK_INT(fixture_read_entry(db, (uint64_t)review, &bytes, &len), ==, SJ_OK);
	CHECK_INT(entry_decode(&old, bytes, len, why, sizeof why), ==, SJ_OK);

	CHECK_INT(city_daemon_up(&c, conn, sizeof conn), ==, 0);
	CHECK_INT(sscanf(conn, "--server %199s", server), ==, 1);
	snprintf(path, sizeof path, "%s/daemon.vkey", c.dir);
	CHECK_INT(vkeyfile_load(&dvk, path, err, sizeof err), ==, SJ_OK);
	snprintf(path, sizeof path, "%s/legal.key", c.dir);
	CHECK_INT(keyfile_load(&legal, path, NULL, 0, 0, NULL, err, sizeof err), ==, SJ_OK);
	CHECK_INT(rpc_client_open(&cl, server, dvk.pk, legal, 5000, err, sizeof err), ==, SJ_OK);
	CHECK_INT(rpc_client_call(cl, &r, SUIJI__RPC__METHOD__METHOD_RESULT_STEP, "scjg",
	                          old.payload, old.payload_len, old.sig, old.counter, err,
	                          sizeof err),
	          ==, SJ_OK);
	CHECK_INT(r.code, ==, SUIJI__RPC__CODE__CODE_REFUSED);
	CHECK_STR_HAS(r.message, "R18: a replayed request");
	rpc_client_reply_fini(&r);
	rpc_client_close(cl);
	note_skey_free(legal);
	city_daemon_down(&c);
	/* Nothing was stored after the review. */
	free(bytes);
	bytes = NULL;
	CHECK(fixture_read_entry(db, (uint64_t)review + 1, &bytes, &len) != SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	free(out);
	free(bytes);
}

TEST(signed_running_daemon_takes_no_keyless_entry,
     "an entry appended without the log key while the daemon runs is caught at the daemon's "
     "next append: the request is refused, nothing is stored after the forgery, and "
     "suiji-verify names it")
{
	struct city c;
	char id[64], json[1024], conn[300], db[700], *out = NULL;
	uint8_t buf[256], *b = NULL;
	size_t len;
	uint64_t d;

	CHECK_INT(city_with_draw(&c, "scjg-2026-food", &d, id, sizeof id), ==, 0);
	snprintf(json, sizeof json,
	         "{\"task\": \"scjg-2026-food\", \"object\": \"%s\", \"check_date\": "
	         "\"2026-11-16\", \"check_end\": \"2026-11-18\", \"items\": [\"food-safety\"], "
	         "\"account\": \"checked\", \"categories\": [\"未发现问题\"]}",
	         id);
	CHECK_INT(city_put(&c, "r.json", json), ==, 0);
	CHECK_INT(city_daemon_up(&c, conn, sizeof conn), ==, 0);
	snprintf(db, sizeof db, "%s/data/ledger.db", c.dir);
	len = agency_payload(buf, "fake");
	CHECK_INT(fixture_raw_append_with(db, "", ENTRY_AGENCY_REGISTER, buf, len, NULL), ==,
	          SJ_OK);
	uint64_t forged = 0;
	while (fixture_read_entry(db, forged + 1, &b, &len) == SJ_OK) {
		free(b);
		b = NULL;
		forged++;
	}
	CHECK(city_run(&c, &out, "$B/suiji result enter r.json %s -k op.key", conn) != 0);
	if (strstr(out, "R18") == NULL)
		printf("    %s\n", out);
	CHECK_STR_HAS(out, "R18");
	free(out);
	out = NULL;
	city_daemon_down(&c);
	CHECK(fixture_read_entry(db, forged + 1, &b, &len) != SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "(agency-register): R18: the log's signature");
	free(out);
	free(b);
}
