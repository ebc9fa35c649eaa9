/*
 * test_rpc.c: the request table (daemon/rpc.c) without sockets: every role
 * against every method, allowed calls succeeding and the others refused
 * with a clear error and nothing changed; malformed requests answered with
 * a code naming the problem.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/rpc.h"
#include "ledger/entry.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "tests/fixture.h"
#include "tests/harness.h"

#define NROLES 5
static const char *const role_names[NROLES + 1] = {"",           "operator", "legal",
                                                   "supervisor", "auditor",  "admin"};

struct world {
	struct fixture f;
	struct note_skey *keys[NROLES + 1];
	struct rpc_caller callers[NROLES + 1];
};

/* The fixture's ledger plus one client of every role: admin is the
 * fixture's (agency sfj), the others are registered by the operator. */
static int world_build(struct world *w)
{
	char err[300];
	if (sodium_init() < 0 || fixture_build(&w->f, harness_tmpdir(), 0) != SJ_OK)
		return -1;
	for (int r = 1; r <= NROLES; r++) {
		Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
		struct note_vkey vk;
		uint8_t buf[256];
		if (r == SUIJI__ROLE__ROLE_ADMIN) {
			w->keys[r] = NULL;
			if (rpc_caller_lookup(w->f.s, w->f.admin_vk.pk, &w->callers[r]) != SJ_OK)
				return -1;
			continue;
		}
		if (note_skey_generate(&w->keys[r], role_names[r], NOTE_TYPE_ED25519) != SJ_OK)
			return -1;
		note_skey_public(&vk, w->keys[r]);
		m.public_key.data = vk.pk;
		m.public_key.len = 32;
		m.agency = (char *)(r == SUIJI__ROLE__ROLE_SUPERVISOR ? "sfj" : "scjg");
		m.role = (Suiji__Role)r;
		m.name = (char *)role_names[r];
		struct ledger_append a = {.type = ENTRY_CLIENT_REGISTER,
		                          .agency = "",
		                          .payload = buf,
		                          .payload_len = suiji__client_register__pack(&m, buf)};
		if (ledger_store_append(w->f.s, &a, 1, NULL, err, sizeof err) != SJ_OK ||
		    rpc_caller_lookup(w->f.s, vk.pk, &w->callers[r]) != SJ_OK)
			return -1;
	}
	return fixture_checkpoint(&w->f) == SJ_OK ? 0 : -1;
}

static void world_free(struct world *w)
{
	for (int r = 1; r <= NROLES; r++)
		note_skey_free(w->keys[r]);
	fixture_free(&w->f);
}

static const struct note_skey *key_of(struct world *w, int role)
{
	return role == SUIJI__ROLE__ROLE_ADMIN ? w->f.admin : w->keys[role];
}

/* Encodes a Request; signs body as a payload of entry type `type` when
 * type is non-zero. */
static size_t make_request(uint8_t *out, size_t cap, struct world *w, int role, uint32_t method,
                           const uint8_t *body, size_t blen, uint32_t type)
{
	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	uint8_t sig[64], *msg = NULL;
	size_t mlen;
	q.version = RPC_VERSION;
	q.id = 42;
	q.method = method;
	q.agency = w->callers[role].agency;
	q.body.data = (uint8_t *)body;
	q.body.len = blen;
	if (type) {
		q.counter = util_request_counter();
		if (entry_request_message(&msg, &mlen, ledger_store_origin(w->f.s), type, q.counter,
		                          q.agency, strlen(q.agency), body, blen) != SJ_OK)
			return 0;
		note_skey_sign_raw(sig, msg, mlen, key_of(w, role));
		free(msg);
		q.signature.data = sig;
		q.signature.len = 64;
	}
	if (suiji__rpc__request__get_packed_size(&q) > cap)
		return 0;
	return suiji__rpc__request__pack(&q, out);
}

/* Runs one request through the table and, for a mutation, the store, as
 * the server does. Returns the outcome's code. */
static int call(struct world *w, int role, const uint8_t *req, size_t len, struct rpc_outcome *o)
{
	rpc_handle(w->f.s, &w->callers[role], req, len, o);
	if (o->append) {
		char err[512] = "";
		uint64_t seq = 0;
		int rc = ledger_store_append(w->f.s, &o->entry, 1, &seq, err, sizeof err);
		rpc_outcome_appended(o, rc, seq, err);
	}
	return o->code;
}

/* A body for every method, fresh each time so that allowed mutations can
 * all succeed. */
static size_t body_for(uint32_t method, uint8_t *buf, unsigned n)
{
	static char code[32];
	switch (method) {
	case SUIJI__RPC__METHOD__METHOD_GET_ENTRY: {
		Suiji__Rpc__GetEntry m = SUIJI__RPC__GET_ENTRY__INIT;
		m.seq = 1;
		return suiji__rpc__get_entry__pack(&m, buf);
	}
	case SUIJI__RPC__METHOD__METHOD_PROVE_INCLUSION: {
		Suiji__Rpc__ProveInclusion m = SUIJI__RPC__PROVE_INCLUSION__INIT;
		m.seq = 2;
		return suiji__rpc__prove_inclusion__pack(&m, buf);
	}
	case SUIJI__RPC__METHOD__METHOD_PROVE_CONSISTENCY: {
		Suiji__Rpc__ProveConsistency m = SUIJI__RPC__PROVE_CONSISTENCY__INIT;
		m.old_size = 3;
		return suiji__rpc__prove_consistency__pack(&m, buf);
	}
	case SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY: {
		Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
		snprintf(code, sizeof code, "new%u", n);
		m.code = code;
		m.name = (char *)"新机关";
		m.parent = (char *)"sfj";
		return suiji__agency_register__pack(&m, buf);
	}
	case SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT: {
		Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
		uint8_t pk[32], sk[64];
		crypto_sign_keypair(pk, sk);
		m.public_key.data = pk;
		m.public_key.len = 32;
		m.agency = (char *)"scjg";
		m.role = SUIJI__ROLE__ROLE_AUDITOR;
		m.name = (char *)"new auditor";
		return suiji__client_register__pack(&m, buf);
	}
	case SUIJI__RPC__METHOD__METHOD_ADD_WITNESS: {
		Suiji__WitnessAdd m = SUIJI__WITNESS_ADD__INIT;
		struct note_skey *k = NULL;
		struct note_vkey v;
		char vs[NOTE_MAX_VKEY];
		size_t l = 0;
		snprintf(code, sizeof code, "witness.test/n%u", n);
		if (note_skey_generate(&k, code, NOTE_TYPE_COSIG_V1) != SJ_OK)
			return 0;
		note_skey_public(&v, k);
		note_skey_free(k);
		if (note_vkey_format(vs, sizeof vs, v.name, v.type, v.pk) != SJ_OK)
			return 0;
		m.vkey = vs;
		m.note = (char *)"";
		l = suiji__witness_add__pack(&m, buf);
		return l;
	}
	default: {
		Suiji__Rpc__GetCheckpoint m = SUIJI__RPC__GET_CHECKPOINT__INIT;
		return suiji__rpc__get_checkpoint__pack(&m, buf);
	}
	}
}

TEST(rpc_every_role_every_method, "every role may call exactly the methods the table grants it; "
                                  "the rest are refused and change nothing")
{
	static const struct {
		uint32_t method;
		uint32_t type; /* entry type of a mutation */
		unsigned roles;
	} table[] = {
	    {SUIJI__RPC__METHOD__METHOD_STATUS, 0, 0x3e},
	    {SUIJI__RPC__METHOD__METHOD_GET_ENTRY, 0, (1u << 3) | (1u << 4) | (1u << 5)},
	    {SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, 0, 0x3e},
	    {SUIJI__RPC__METHOD__METHOD_PROVE_INCLUSION, 0, 0x3e},
	    {SUIJI__RPC__METHOD__METHOD_PROVE_CONSISTENCY, 0, 0x3e},
	    {SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, ENTRY_AGENCY_REGISTER, 1u << 5},
	    {SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT, ENTRY_CLIENT_REGISTER, 1u << 5},
	    {SUIJI__RPC__METHOD__METHOD_ADD_WITNESS, ENTRY_WITNESS_ADD, 1u << 5},
	};
	struct world w;
	uint8_t body[512], req[2048];
	unsigned n = 0, allowed = 0, refused = 0;
	CHECK(world_build(&w) == 0);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		for (int role = 1; role <= NROLES; role++) {
			struct rpc_outcome o;
			size_t bl = body_for(table[i].method, body, ++n);
			size_t rl = make_request(req, sizeof req, &w, role, table[i].method, body,
			                         bl, table[i].type);
			uint64_t before = ledger_store_size(w.f.s);
			int code = call(&w, role, req, rl, &o);
			int may = (table[i].roles >> role) & 1;
			if (may && code != SUIJI__RPC__CODE__CODE_OK)
				printf("    %s as %s: code %d: %s\n",
				       rpc_method_name(table[i].method), role_names[role], code,
				       o.message);
			CHECK(!may || code == SUIJI__RPC__CODE__CODE_OK);
			if (!may) {
				CHECK_INT(code, ==, SUIJI__RPC__CODE__CODE_FORBIDDEN);
				CHECK_STR_HAS(o.message, role_names[role]);
				CHECK_STR_HAS(o.message, rpc_method_name(table[i].method));
				CHECK_INT(ledger_store_size(w.f.s), ==, before);
				refused++;
			} else {
				CHECK_INT(ledger_store_size(w.f.s), ==,
				          before + (table[i].type != 0));
				allowed++;
			}
			CHECK_INT(o.id, ==, 42);
			rpc_outcome_fini(&o);
		}
	}
	printf("    %u allowed and %u refused role x method pairs\n", allowed, refused);
	world_free(&w);
}

TEST(rpc_mutation_needs_own_agency_and_signature,
     "a mutation for another agency, unsigned, or with a forged signature is refused and stores "
     "nothing")
{
	struct world w;
	uint8_t body[512], req[2048];
	struct rpc_outcome o;
	int admin = SUIJI__ROLE__ROLE_ADMIN;
	CHECK(world_build(&w) == 0);
	uint64_t before = ledger_store_size(w.f.s);
	size_t bl = body_for(SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, body, 900);

	/* Another agency. */
	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	q.version = RPC_VERSION;
	q.method = SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY;
	q.agency = (char *)"scjg";
	q.body.data = body;
	q.body.len = bl;
	uint8_t sig[64] = {0};
	q.signature.data = sig;
	q.signature.len = 64;
	size_t rl = suiji__rpc__request__pack(&q, req);
	CHECK_INT(call(&w, admin, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_FORBIDDEN);
	CHECK_STR_HAS(o.message, "may not act for agency \"scjg\"");
	rpc_outcome_fini(&o);

	/* Unsigned. */
	q.agency = (char *)"sfj";
	q.signature.len = 0;
	rl = suiji__rpc__request__pack(&q, req);
	CHECK_INT(call(&w, admin, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_BAD_REQUEST);
	CHECK_STR_HAS(o.message, "signature");
	rpc_outcome_fini(&o);

	/* Forged: a signature of zeros. */
	q.signature.len = 64;
	q.counter = 1;
	rl = suiji__rpc__request__pack(&q, req);
	CHECK_INT(call(&w, admin, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_REFUSED);
	CHECK_STR_HAS(o.message, "signature does not verify");
	rpc_outcome_fini(&o);
	CHECK_INT(ledger_store_size(w.f.s), ==, before);

	/* The twin: properly signed, it is stored. */
	rl = make_request(req, sizeof req, &w, admin, SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY,
	                  body, bl, ENTRY_AGENCY_REGISTER);
	CHECK_INT(call(&w, admin, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_OK);
	rpc_outcome_fini(&o);
	CHECK_INT(ledger_store_size(w.f.s), ==, before + 1);
	world_free(&w);
}

TEST(rpc_bad_requests_named, "garbage, an unknown method, a wrong version and an oversized body "
                             "get error codes naming the problem")
{
	struct world w;
	struct rpc_outcome o;
	uint8_t req[4096], big[5000];
	int op = SUIJI__ROLE__ROLE_OPERATOR;
	CHECK(world_build(&w) == 0);

	CHECK_INT(call(&w, op, (const uint8_t *)"\xff\xff\xff garbage", 12, &o), ==,
	          SUIJI__RPC__CODE__CODE_BAD_REQUEST);
	CHECK_STR_HAS(o.message, "not a suiji.rpc.Request");
	rpc_outcome_fini(&o);

	size_t rl = make_request(req, sizeof req, &w, op, 999, NULL, 0, 0);
	CHECK_INT(call(&w, op, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_UNKNOWN_METHOD);
	CHECK_STR_HAS(o.message, "999");
	rpc_outcome_fini(&o);

	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	q.version = 7;
	q.method = SUIJI__RPC__METHOD__METHOD_STATUS;
	rl = suiji__rpc__request__pack(&q, req);
	CHECK_INT(call(&w, op, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_VERSION);
	CHECK_STR_HAS(o.message, "version 7");
	rpc_outcome_fini(&o);

	memset(big, 'x', sizeof big);
	rl = make_request(req, sizeof req, &w, op, SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, big,
	                  100, 0);
	CHECK_INT(call(&w, op, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_TOO_LARGE);
	CHECK_STR_HAS(o.message, "get-checkpoint takes at most");
	rpc_outcome_fini(&o);

	rl = make_request(req, sizeof req, &w, SUIJI__ROLE__ROLE_AUDITOR,
	                  SUIJI__RPC__METHOD__METHOD_GET_ENTRY, (const uint8_t *)"\x08\x63", 2, 0);
	CHECK_INT(call(&w, SUIJI__ROLE__ROLE_AUDITOR, req, rl, &o), ==,
	          SUIJI__RPC__CODE__CODE_NOT_FOUND);
	CHECK_STR_HAS(o.message, "no entry 99");
	rpc_outcome_fini(&o);
	world_free(&w);
}

TEST(rpc_revoked_client_cannot_act, "a revoked client is no longer a caller")
{
	struct world w;
	struct rpc_caller c;
	uint8_t body[256], req[1024];
	struct rpc_outcome o;
	struct note_vkey vk;
	int admin = SUIJI__ROLE__ROLE_ADMIN;
	CHECK(world_build(&w) == 0);
	note_skey_public(&vk, w.keys[SUIJI__ROLE__ROLE_AUDITOR]);
	Suiji__ClientRevoke m = SUIJI__CLIENT_REVOKE__INIT;
	m.public_key.data = vk.pk;
	m.public_key.len = 32;
	m.reason = (char *)"left the agency";
	size_t bl = suiji__client_revoke__pack(&m, body);
	size_t rl =
	    make_request(req, sizeof req, &w, admin, SUIJI__RPC__METHOD__METHOD_REVOKE_CLIENT, body,
	                 bl, ENTRY_CLIENT_REVOKE);
	CHECK_INT(call(&w, admin, req, rl, &o), ==, SUIJI__RPC__CODE__CODE_OK);
	rpc_outcome_fini(&o);
	CHECK_INT(rpc_caller_lookup(w.f.s, vk.pk, &c), ==, SJ_EPERM);
	world_free(&w);
}
