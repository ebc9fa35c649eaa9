/*
 * test_rules.c: the replayed rules as pure functions. Entries are built in
 * memory and fed to replay_apply: no store, no daemon, no files. Each case
 * says the rule it pins down; each acceptance has a forgery twin that must
 * be refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "dir/record.h"
#include "ledger/entry.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "proto/directory.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "rules/replay.h"
#include "tests/fixture.h"
#include "tests/harness.h"

#define ORIGIN "suiji.test/rules"

/* A replay fed by hand: the next entry's seq, the log's and two clients'
 * keys, and what the last refusal said. */
struct world {
	struct replay *r;
	uint64_t seq;
	struct note_skey *log, *admin, *op;
	struct note_vkey admin_vk, op_vk;
	char err[512];
};

static void world_free(struct world *w)
{
	replay_free(w->r);
	note_skey_free(w->log);
	note_skey_free(w->admin);
	note_skey_free(w->op);
	memset(w, 0, sizeof *w);
}

/* Feeds entry (type, agency, payload) at w->seq, signed by k (NULL: the
 * log operator; corrupt: one bit of the signature flipped). On success the
 * next entry gets the next seq. */
static int feed(struct world *w, uint32_t type, const char *agency, const struct note_skey *k,
                const uint8_t *payload, size_t len, int corrupt)
{
	struct entry e = {.seq = w->seq,
	                  .time_us = 1767225600000000 + (int64_t)w->seq,
	                  .type = type,
	                  .agency = agency,
	                  .agency_len = strlen(agency),
	                  .payload = payload,
	                  .payload_len = len};
	uint8_t sig[ENTRY_SIG_SIZE], hash[ENTRY_HASH_SIZE] = {0}, *msg = NULL, *bytes = NULL;
	size_t mlen, blen;
	char why[200];
	int rc;

	if (k != NULL) {
		struct note_vkey vk;
		note_skey_public(&vk, k);
		e.counter = w->seq + 1; /* rises with every entry */
		if (entry_request_message(&msg, &mlen, ORIGIN, type, e.counter, agency,
		                          strlen(agency), payload, len) != SJ_OK)
			return SJ_ENOMEM;
		note_skey_sign_raw(sig, msg, mlen, k);
		free(msg);
		if (corrupt)
			sig[7] ^= 0x01;
		memcpy(e.actor, vk.pk, ENTRY_KEY_SIZE);
		e.flags = ENTRY_FLAG_SIGNED;
		e.sig = sig;
	}
	/* The rules read the stored form, log signature included. */
	if (entry_encode(&bytes, &blen, &e) != SJ_OK ||
	    fixture_log_sign(bytes, blen, w->log) != SJ_OK ||
	    entry_decode(&e, bytes, blen, why, sizeof why) != SJ_OK) {
		free(bytes);
		return SJ_ENOMEM;
	}
	w->err[0] = '\0';
	rc = replay_apply(w->r, &e, hash, w->err, sizeof w->err);
	free(bytes);
	if (rc == SJ_OK)
		w->seq++;
	return rc;
}

static int log_init(struct world *w, const char *origin)
{
	Suiji__LogInit m = SUIJI__LOG_INIT__INIT;
	struct note_vkey vk;
	char vkey[NOTE_MAX_VKEY];
	uint8_t buf[1024];
	note_skey_public(&vk, w->log);
	note_vkey_format(vkey, sizeof vkey, vk.name, vk.type, vk.pk);
	m.origin = (char *)origin;
	m.log_vkey = vkey;
	return feed(w, ENTRY_LOG_INIT, "", NULL, buf, suiji__log_init__pack(&m, buf), 0);
}

static int agency(struct world *w, const struct note_skey *k, const char *actor_agency,
                  const char *code, const char *parent)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	uint8_t buf[512];
	m.code = (char *)code;
	m.name = (char *)"测试机关";
	m.parent = (char *)parent;
	return feed(w, ENTRY_AGENCY_REGISTER, actor_agency, k, buf,
	            suiji__agency_register__pack(&m, buf), 0);
}

static int client(struct world *w, const struct note_vkey *vk, const char *code, int role)
{
	Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
	uint8_t buf[512];
	m.public_key.data = (uint8_t *)vk->pk;
	m.public_key.len = 32;
	m.agency = (char *)code;
	m.role = (Suiji__Role)role;
	m.name = (char *)"test";
	return feed(w, ENTRY_CLIENT_REGISTER, "", NULL, buf, suiji__client_register__pack(&m, buf),
	            0);
}

static int revoke(struct world *w, const struct note_vkey *vk)
{
	Suiji__ClientRevoke m = SUIJI__CLIENT_REVOKE__INIT;
	uint8_t buf[256];
	m.public_key.data = (uint8_t *)vk->pk;
	m.public_key.len = 32;
	m.reason = (char *)"lost";
	return feed(w, ENTRY_CLIENT_REVOKE, "", NULL, buf, suiji__client_revoke__pack(&m, buf), 0);
}

/* A fresh replay and keys; with_base: a log-init, agency sfj, an
 * administrator of sfj and an operator of sfj (entries 0..3). */
static int world_new(struct world *w, int with_base)
{
	memset(w, 0, sizeof *w);
	if (replay_new(&w->r) != SJ_OK ||
	    note_skey_generate(&w->log, "suiji.test/rules", NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&w->admin, "admin@sfj", NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&w->op, "op@sfj", NOTE_TYPE_ED25519) != SJ_OK)
		return SJ_ENOMEM;
	note_skey_public(&w->admin_vk, w->admin);
	note_skey_public(&w->op_vk, w->op);
	if (!with_base)
		return SJ_OK;
	int rc;
	if ((rc = log_init(w, ORIGIN)) != SJ_OK || (rc = agency(w, NULL, "", "sfj", "")) != SJ_OK ||
	    (rc = client(w, &w->admin_vk, "sfj", SUIJI__ROLE__ROLE_ADMIN)) != SJ_OK ||
	    (rc = client(w, &w->op_vk, "sfj", SUIJI__ROLE__ROLE_OPERATOR)) != SJ_OK)
		return rc;
	return SJ_OK;
}

TEST(rules_log_init_first, "entry 0 must be a log-init, and a log-init there names the log")
{
	struct world w;
	CHECK_INT(world_new(&w, 0), ==, SJ_OK);
	CHECK(replay_origin(w.r) == NULL);
	/* The forgery: anything else first is refused. */
	CHECK_INT(agency(&w, NULL, "", "sfj", ""), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "the first entry must be a log-init");
	CHECK_INT(log_init(&w, ORIGIN), ==, SJ_OK);
	CHECK(replay_origin(w.r) != NULL && strcmp(replay_origin(w.r), ORIGIN) == 0);
	CHECK(replay_log_key(w.r) != NULL);
	world_free(&w);
}

TEST(rules_log_init_once, "a second log-init is refused and leaves the log's origin alone")
{
	struct world w;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(log_init(&w, "suiji.test/other"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "a log-init may only be the first entry");
	CHECK(strcmp(replay_origin(w.r), ORIGIN) == 0);
	world_free(&w);
}

TEST(rules_log_init_payload_checked, "a log-init whose payload is not a LogInit is refused")
{
	struct world w;
	static const uint8_t junk[] = {0xff, 0xff, 0xff};
	CHECK_INT(world_new(&w, 0), ==, SJ_OK);
	CHECK_INT(feed(&w, ENTRY_LOG_INIT, "", NULL, junk, sizeof junk, 0), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "log-init payload does not decode as suiji.LogInit");
	CHECK(replay_origin(w.r) == NULL);
	world_free(&w);
}

TEST(rules_agency_once, "an agency is registered once; the same code again is refused")
{
	struct world w;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(agency(&w, NULL, "", "scjg", "sfj"), ==, SJ_OK);
	CHECK_INT(policy_agency_count(replay_policy(w.r)), ==, 2);
	CHECK_INT(agency(&w, NULL, "", "scjg", "sfj"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "agency scjg is registered already");
	CHECK_INT(policy_agency_count(replay_policy(w.r)), ==, 2);
	world_free(&w);
}

TEST(rules_agency_by_admin, "an administrator may register an agency; an operator may not")
{
	struct world w;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(agency(&w, w.admin, "sfj", "scjg", "sfj"), ==, SJ_OK);
	CHECK_INT(agency(&w, w.op, "sfj", "ga", "sfj"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "only an administrator may register an agency");
	CHECK(policy_agency_name(replay_policy(w.r), "ga") == NULL);
	world_free(&w);
}

TEST(rules_unregistered_key_refused,
     "an entry signed by a key no client-register registered is refused")
{
	struct world w;
	struct note_skey *stranger = NULL;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&stranger, "stranger", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(agency(&w, stranger, "sfj", "scjg", "sfj"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "no earlier client-register entry registered");
	/* The twin: the registered administrator's same entry is accepted. */
	CHECK_INT(agency(&w, w.admin, "sfj", "scjg", "sfj"), ==, SJ_OK);
	note_skey_free(stranger);
	world_free(&w);
}

TEST(rules_bad_signature_refused, "an entry whose request signature does not verify is refused")
{
	struct world w;
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	uint8_t buf[256];
	size_t len;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	m.code = (char *)"scjg";
	m.name = (char *)"测试机关";
	m.parent = (char *)"sfj";
	len = suiji__agency_register__pack(&m, buf);
	CHECK_INT(feed(&w, ENTRY_AGENCY_REGISTER, "sfj", w.admin, buf, len, 1), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "the client's request signature does not verify");
	CHECK_INT(feed(&w, ENTRY_AGENCY_REGISTER, "sfj", w.admin, buf, len, 0), ==, SJ_OK);
	world_free(&w);
}

TEST(rules_key_of_its_agency, "a signed entry must name the agency its key was registered for")
{
	struct world w;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(agency(&w, NULL, "", "scjg", "sfj"), ==, SJ_OK);
	CHECK_INT(agency(&w, w.admin, "scjg", "ga", "sfj"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "is not the agency \"sfj\" its key was registered for");
	CHECK_INT(agency(&w, w.admin, "sfj", "ga", "sfj"), ==, SJ_OK);
	world_free(&w);
}

TEST(rules_revoked_key_refused, "a key revoked by a client-revoke may not sign again")
{
	struct world w;
	int role;
	char ag[ENTRY_MAX_AGENCY + 1];
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(replay_client(w.r, w.admin_vk.pk, &role, ag), ==, SJ_OK);
	CHECK_INT(role, ==, SUIJI__ROLE__ROLE_ADMIN);
	CHECK_INT(revoke(&w, &w.admin_vk), ==, SJ_OK);
	CHECK_INT(replay_client(w.r, w.admin_vk.pk, &role, ag), ==, SJ_EPERM);
	CHECK_INT(agency(&w, w.admin, "sfj", "scjg", "sfj"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "signed by a client key revoked at entry 4");
	CHECK_INT(revoke(&w, &w.admin_vk), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "client key was revoked already");
	world_free(&w);
}

TEST(rules_client_of_known_agency, "a client is registered only for a registered agency, once")
{
	struct world w;
	struct note_skey *k = NULL;
	struct note_vkey vk;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&k, "k@ga", NOTE_TYPE_ED25519), ==, SJ_OK);
	note_skey_public(&vk, k);
	CHECK_INT(client(&w, &vk, "ga", SUIJI__ROLE__ROLE_OPERATOR), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "client registered for unknown agency \"ga\"");
	CHECK_INT(client(&w, &vk, "sfj", SUIJI__ROLE__ROLE_OPERATOR), ==, SJ_OK);
	CHECK_INT(client(&w, &vk, "sfj", SUIJI__ROLE__ROLE_OPERATOR), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "client key is registered already");
	note_skey_free(k);
	world_free(&w);
}

TEST(rules_unknown_type_refused, "an entry of a type no handler knows is refused")
{
	struct world w;
	static const uint8_t none[1] = {0};
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(feed(&w, 99, "", NULL, none, 0, 0), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "unknown entry type 99");
	world_free(&w);
}

TEST(rules_failed_entry_changes_nothing,
     "a refused entry leaves the state as it was; the same entry without its fault is accepted")
{
	struct world w;
	const struct policy *p;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	p = replay_policy(w.r);
	/* The fault: a superior agency nobody registered. */
	CHECK_INT(agency(&w, NULL, "", "scjg", "nowhere"), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "names unknown superior agency nowhere");
	CHECK_INT(policy_agency_count(p), ==, 1);
	CHECK(policy_agency_name(p, "scjg") == NULL);
	/* The same entry at the same seq, without the fault. */
	CHECK_INT(agency(&w, NULL, "", "scjg", "sfj"), ==, SJ_OK);
	CHECK_INT(policy_agency_count(p), ==, 2);
	CHECK(policy_agency_name(p, "scjg") != NULL);
	world_free(&w);
}

TEST(rules_rollback_undoes, "rollback(seq) undoes every entry from seq on, and only those")
{
	struct world w;
	int role;
	char ag[ENTRY_MAX_AGENCY + 1];
	size_t nw;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(agency(&w, NULL, "", "scjg", "sfj"), ==, SJ_OK);      /* 4 */
	CHECK_INT(revoke(&w, &w.op_vk), ==, SJ_OK);                     /* 5 */
	CHECK_INT(agency(&w, w.admin, "sfj", "ga", "scjg"), ==, SJ_OK); /* 6 */
	replay_rollback(w.r, 5);
	CHECK_INT(policy_agency_count(replay_policy(w.r)), ==, 2);
	CHECK(policy_agency_name(replay_policy(w.r), "ga") == NULL);
	CHECK_INT(replay_client(w.r, w.op_vk.pk, &role, ag), ==, SJ_OK);
	/* What was undone may be applied again, at the same seq. */
	w.seq = 5;
	CHECK_INT(agency(&w, w.op, "sfj", "ga", "scjg"), ==, SJ_EVERIFY);
	CHECK_INT(agency(&w, w.admin, "sfj", "ga", "scjg"), ==, SJ_OK);
	replay_rollback(w.r, 3);
	CHECK_INT(replay_client(w.r, w.op_vk.pk, &role, ag), ==, SJ_ENOENT);
	CHECK_INT(replay_client(w.r, w.admin_vk.pk, &role, ag), ==, SJ_OK);
	CHECK_INT(policy_agency_count(replay_policy(w.r)), ==, 1);
	replay_rollback(w.r, 0);
	CHECK(replay_origin(w.r) == NULL);
	CHECK(replay_witnesses(w.r, &nw) == NULL || nw == 0);
	CHECK_INT(replay_client(w.r, w.admin_vk.pk, &role, ag), ==, SJ_ENOENT);
	world_free(&w);
}

TEST(rules_witness_once, "a witness is added once, by an administrator or the log operator")
{
	struct world w;
	struct note_skey *wk = NULL;
	struct note_vkey vk;
	Suiji__WitnessAdd m = SUIJI__WITNESS_ADD__INIT;
	char vkey[NOTE_MAX_VKEY];
	uint8_t buf[512];
	size_t len, n;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&wk, "witness.test/w1", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	note_skey_public(&vk, wk);
	note_vkey_format(vkey, sizeof vkey, vk.name, vk.type, vk.pk);
	m.vkey = vkey;
	m.note = (char *)"w";
	len = suiji__witness_add__pack(&m, buf);
	CHECK_INT(feed(&w, ENTRY_WITNESS_ADD, "sfj", w.op, buf, len, 0), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "only an administrator may add a witness");
	CHECK_INT(feed(&w, ENTRY_WITNESS_ADD, "sfj", w.admin, buf, len, 0), ==, SJ_OK);
	CHECK(replay_witnesses(w.r, &n) != NULL && n == 1);
	CHECK_INT(feed(&w, ENTRY_WITNESS_ADD, "", NULL, buf, len, 0), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "is registered already");
	CHECK(replay_witnesses(w.r, &n) != NULL && n == 1);
	note_skey_free(wk);
	world_free(&w);
}

TEST(rules_directory_needs_known_agency,
     "a directory import for an agency nobody registered is refused by its handler")
{
	struct world w;
	static const uint8_t none[1] = {0};
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	/* An empty payload decodes as an import of no agency. */
	CHECK_INT(feed(&w, ENTRY_DIRECTORY_IMPORT, "ga", NULL, none, 0, 0), ==, SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "is not the entry's agency");
	CHECK_INT(dirs_count(replay_dirs(w.r), "ga", RECORD_OBJECT), ==, 0);
	world_free(&w);
}

/* Imports one object record (id, name, supervised by supervisor) into
 * agency's directory as import_id, written by the log operator. */
static int import_object(struct world *w, const char *agency, const char *supervisor,
                         const char *import_id, const char *id, const char *name)
{
	const char *agencies[1] = {supervisor};
	struct record r = {.kind = RECORD_OBJECT};
	Suiji__DirectoryImport m = SUIJI__DIRECTORY_IMPORT__INIT;
	ProtobufCBinaryData rec;
	uint8_t *b = NULL, *buf = NULL;
	size_t len;
	char err[256];
	int rc;
	r.u.object = (struct record_object){.id = id,
	                                    .name = name,
	                                    .category = "",
	                                    .address = "",
	                                    .legal_rep = "",
	                                    .phone = "",
	                                    .status = OBJECT_ACTIVE,
	                                    .risk_class = "A",
	                                    .credit_level = "",
	                                    .district = "",
	                                    .agencies = {agencies, 1}};
	if ((rc = record_encode(&b, &len, &r, err, sizeof err)) != SJ_OK)
		return rc;
	rec.data = b;
	rec.len = len;
	m.agency = (char *)agency;
	m.kind = RECORD_OBJECT;
	m.import_id = (char *)import_id;
	m.source_name = (char *)"objects.csv";
	m.parts = 1;
	m.n_records = 1;
	m.records = &rec;
	if ((buf = malloc(suiji__directory_import__get_packed_size(&m))) == NULL) {
		free(b);
		return SJ_ENOMEM;
	}
	rc = feed(w, ENTRY_DIRECTORY_IMPORT, agency, NULL, buf,
	          suiji__directory_import__pack(&m, buf), 0);
	free(buf);
	free(b);
	return rc;
}

TEST(rules_directory_one_owner,
     "an imported object is what the policy reads, its re-import replaces it, and rollback "
     "takes each import back")
{
	struct world w;
	const struct policy *p;
	CHECK_INT(world_new(&w, 1), ==, SJ_OK);
	p = replay_policy(w.r);
	CHECK_INT(agency(&w, NULL, "", "scjg", "sfj"), ==, SJ_OK); /* 4 */
	/* The forgery: scjg's directory may not hold an object it does not
	 * supervise, and the refusal leaves the directory empty. */
	CHECK_INT(import_object(&w, "scjg", "wsjk", "i1", "914403001922038216", "海州食品"), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(w.err, "does not list agency scjg among its supervising agencies");
	CHECK(policy_object_name(p, "scjg", "914403001922038216") == NULL);
	CHECK_INT(import_object(&w, "scjg", "scjg", "i1", "914403001922038216", "海州食品"), ==,
	          SJ_OK); /* 5 */
	CHECK(strcmp(policy_object_name(p, "scjg", "914403001922038216"), "海州食品") == 0);
	CHECK_INT(dirs_count(replay_dirs(w.r), "scjg", RECORD_OBJECT), ==, 1);
	CHECK_INT(import_object(&w, "scjg", "scjg", "i2", "914403001922038216", "海州食品股份"), ==,
	          SJ_OK); /* 6 */
	CHECK(strcmp(policy_object_name(p, "scjg", "914403001922038216"), "海州食品股份") == 0);
	CHECK_INT(dirs_count(replay_dirs(w.r), "scjg", RECORD_OBJECT), ==, 1);
	replay_rollback(w.r, 6);
	CHECK(strcmp(policy_object_name(p, "scjg", "914403001922038216"), "海州食品") == 0);
	replay_rollback(w.r, 5);
	CHECK(policy_object_name(p, "scjg", "914403001922038216") == NULL);
	CHECK_INT(dirs_count(replay_dirs(w.r), "scjg", RECORD_OBJECT), ==, 0);
	world_free(&w);
}
