/*
 * rpc.c: the request table and its handlers (rpc.h).
 *
 * The table below is the one source of truth for every RPC: its number,
 * name, the roles that may call it, the largest body it takes, and either a
 * read handler or the ledger entry type a mutation appends. Least privilege
 * (issue "suijid and suiji", item 3): administrators register agencies,
 * clients and witnesses and can neither draw nor enter results; auditors
 * read; operators and legal reviewers act for their own agency only.
 *
 * Draws (item 4): an operator's draw request is a signed mutation like the
 * others, but the server commits it with drawop_commit rather than
 * appending it as it stands, since the request travels with the daemon's
 * commitment to a sealed seed. Reading a draw is for its own agency's
 * operators and legal reviewers, the supervisor and auditors; a revealed
 * draw comes with its three entries' stored bytes, so the client
 * re-derives the result itself instead of taking the daemon's word.
 */
#include "daemon/rpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/round.h"
#include "common/util.h"
#include "draw/inputs.h"
#include "proto/directory.pb-c.h"
#include "proto/draw.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/draws.h"
#include "rules/storeops.h"

#define R(x)      (1u << SUIJI__ROLE__ROLE_##x)
#define ROLES_ALL (R(OPERATOR) | R(LEGAL) | R(SUPERVISOR) | R(AUDITOR) | R(ADMIN))
/* The largest reply body: one channel message, less room for the Response
 * around it. */
#define RPC_MAX_REPLY (CHANNEL_MSG_MAX - 4096)

typedef void (*rpc_read_fn)(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *body,
                            size_t len, struct rpc_outcome *out);
/* Decodes and validates a mutation's body at the front door; what it
 * decodes travels in the outcome to the commit. SJ_OK, or an error with
 * the outcome's code and message set. */
typedef int (*rpc_decode_fn)(const uint8_t *body, size_t len, struct rpc_outcome *out);

struct rpc_method {
	uint32_t method;
	const char *name;
	unsigned roles;
	size_t max_body;
	rpc_read_fn read;     /* a read, answered at once */
	uint32_t entry_type;  /* a mutation: the entry it appends */
	rpc_decode_fn decode; /* a mutation's body check, or NULL */
};

static void h_status(struct ledger_store *, const struct rpc_caller *, const uint8_t *, size_t,
                     struct rpc_outcome *);
static void h_get_entry(struct ledger_store *, const struct rpc_caller *, const uint8_t *, size_t,
                        struct rpc_outcome *);
static void h_get_checkpoint(struct ledger_store *, const struct rpc_caller *, const uint8_t *,
                             size_t, struct rpc_outcome *);
static void h_prove_inclusion(struct ledger_store *, const struct rpc_caller *, const uint8_t *,
                              size_t, struct rpc_outcome *);
static void h_prove_consistency(struct ledger_store *, const struct rpc_caller *, const uint8_t *,
                                size_t, struct rpc_outcome *);
static void h_get_beacons(struct ledger_store *, const struct rpc_caller *, const uint8_t *, size_t,
                          struct rpc_outcome *);
static void h_get_draw(struct ledger_store *, const struct rpc_caller *, const uint8_t *, size_t,
                       struct rpc_outcome *);
static int d_draw_request(const uint8_t *, size_t, struct rpc_outcome *);
static int d_directory_import(const uint8_t *, size_t, struct rpc_outcome *);

static const struct rpc_method rpc_methods[] = {
	{SUIJI__RPC__METHOD__METHOD_STATUS, "status", ROLES_ALL, 0, h_status, 0, NULL},
	{SUIJI__RPC__METHOD__METHOD_GET_ENTRY, "get-entry", R(SUPERVISOR) | R(AUDITOR) | R(ADMIN),
	 32, h_get_entry, 0, NULL},
	{SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, "get-checkpoint", ROLES_ALL, 32,
	 h_get_checkpoint, 0, NULL},
	{SUIJI__RPC__METHOD__METHOD_PROVE_INCLUSION, "prove-inclusion", ROLES_ALL, 32,
	 h_prove_inclusion, 0, NULL},
	{SUIJI__RPC__METHOD__METHOD_PROVE_CONSISTENCY, "prove-consistency", ROLES_ALL, 32,
	 h_prove_consistency, 0, NULL},
	{SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "register-agency", R(ADMIN), 4096, NULL,
	 ENTRY_AGENCY_REGISTER, NULL},
	{SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT, "register-client", R(ADMIN), 4096, NULL,
	 ENTRY_CLIENT_REGISTER, NULL},
	{SUIJI__RPC__METHOD__METHOD_REVOKE_CLIENT, "revoke-client", R(ADMIN), 4096, NULL,
	 ENTRY_CLIENT_REVOKE, NULL},
	{SUIJI__RPC__METHOD__METHOD_ADD_WITNESS, "add-witness", R(ADMIN), 4096, NULL,
	 ENTRY_WITNESS_ADD, NULL},
	{SUIJI__RPC__METHOD__METHOD_GET_BEACONS, "get-beacons", ROLES_ALL, 0, h_get_beacons, 0, NULL},
	/* R6: only an operator of the agency requests its draws; R19: the
	 * justice bureau's supervisor requests re-check draws, which the
	 * ledger's rules (policy.h) confine to published results. */
	{SUIJI__RPC__METHOD__METHOD_DRAW_REQUEST, "draw-request", R(OPERATOR) | R(SUPERVISOR),
	 RPC_MAX_REQUEST, NULL, ENTRY_DRAW_REQUEST, d_draw_request},
	{SUIJI__RPC__METHOD__METHOD_GET_DRAW, "get-draw",
	 R(OPERATOR) | R(LEGAL) | R(SUPERVISOR) | R(AUDITOR), 32, h_get_draw, 0, NULL},
	/* R1, R2, R12: an operator imports its own agency's directories. */
	{SUIJI__RPC__METHOD__METHOD_DIRECTORY_IMPORT, "directory-import", R(OPERATOR),
	 RPC_MAX_REQUEST, NULL, ENTRY_DIRECTORY_IMPORT, d_directory_import},
	/* R3-R5: each step of an item list, plan or task by its role; the
	 * ledger's rules (plans.h) check the plan's agency and the order. */
	{SUIJI__RPC__METHOD__METHOD_ITEM_LIST, "item-list", R(OPERATOR), RPC_MAX_REQUEST, NULL,
	 ENTRY_ITEM_LIST, NULL},
	{SUIJI__RPC__METHOD__METHOD_PLAN_SUBMIT, "plan-submit", R(OPERATOR), RPC_MAX_REQUEST, NULL,
	 ENTRY_PLAN, NULL},
	{SUIJI__RPC__METHOD__METHOD_PLAN_REVIEW, "plan-review", R(LEGAL), 4096, NULL,
	 ENTRY_PLAN_REVIEW, NULL},
	{SUIJI__RPC__METHOD__METHOD_PLAN_FILE, "plan-file", R(SUPERVISOR), 4096, NULL,
	 ENTRY_PLAN_FILE, NULL},
	{SUIJI__RPC__METHOD__METHOD_PLAN_PUBLISH, "plan-publish", R(OPERATOR), 4096, NULL,
	 ENTRY_PLAN_PUBLISH, NULL},
	{SUIJI__RPC__METHOD__METHOD_TASK_CREATE, "task-create", R(OPERATOR), RPC_MAX_REQUEST, NULL,
	 ENTRY_TASK, NULL},
	/* R15, R16, R19: each step by its role; the ledger's rules (policy.h)
	 * check the agency that checked, the order and the deadline. */
	{SUIJI__RPC__METHOD__METHOD_RESULT_STEP, "result-step",
	 R(OPERATOR) | R(LEGAL) | R(SUPERVISOR), 65536, NULL, ENTRY_RESULT, NULL},
	/* R10, R11: leads and unavailability are facts entered before a draw;
	 * the ledger's rules (facts.h) check who declares and who reviews. */
	{SUIJI__RPC__METHOD__METHOD_LEAD_ADD, "lead-add", R(OPERATOR), 4096, NULL, ENTRY_LEAD, NULL},
	{SUIJI__RPC__METHOD__METHOD_UNAVAILABILITY, "unavailability", R(OPERATOR) | R(LEGAL), 4096,
	 NULL, ENTRY_UNAVAILABILITY, NULL},
};

static const struct rpc_method *find_method(uint32_t m)
{
	for (size_t i = 0; i < sizeof rpc_methods / sizeof rpc_methods[0]; i++)
		if (rpc_methods[i].method == m)
			return &rpc_methods[i];
	return NULL;
}

const char *rpc_method_name(uint32_t method)
{
	const struct rpc_method *m = find_method(method);
	return m ? m->name : NULL;
}

static const char *role_name(int role)
{
	switch (role) {
	case SUIJI__ROLE__ROLE_OPERATOR: return "operator";
	case SUIJI__ROLE__ROLE_LEGAL: return "legal";
	case SUIJI__ROLE__ROLE_SUPERVISOR: return "supervisor";
	case SUIJI__ROLE__ROLE_AUDITOR: return "auditor";
	case SUIJI__ROLE__ROLE_ADMIN: return "admin";
	}
	return "none";
}

static void set(struct rpc_outcome *o, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set(struct rpc_outcome *o, int code, const char *fmt, ...)
{
	va_list ap;
	o->code = code;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof o->message, fmt, ap);
	va_end(ap);
}

/* Packs a reply message into o->body. */
#define REPLY(o, msg, fn)                                                                          \
	do {                                                                                       \
		(o)->body_len = fn##__get_packed_size(&(msg));                                     \
		(o)->body = malloc((o)->body_len ? (o)->body_len : 1);                             \
		if ((o)->body == NULL)                                                             \
			set((o), SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory");             \
		else                                                                               \
			fn##__pack(&(msg), (o)->body);                                             \
	} while (0)

int rpc_caller_lookup(struct ledger_store *s, const uint8_t key[ENTRY_KEY_SIZE],
                      struct rpc_caller *c)
{
	int rc = ledger_store_client(s, key, &c->role, c->agency);
	if (rc == SJ_OK)
		memcpy(c->key, key, ENTRY_KEY_SIZE);
	return rc;
}

static void h_status(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *body,
                     size_t len, struct rpc_outcome *o)
{
	Suiji__Rpc__StatusReply r = SUIJI__RPC__STATUS_REPLY__INIT;
	char vkey[NOTE_MAX_VKEY];
	(void)body;
	(void)len;
	r.origin = (char *)(ledger_store_origin(s) ? ledger_store_origin(s) : "");
	r.entries = ledger_store_size(s);
	r.log_vkey = ledger_store_log_vkey(s, vkey, sizeof vkey) == SJ_OK ? vkey : (char *)"";
	r.role = (char *)role_name(c->role);
	r.agency = (char *)c->agency;
	r.version = (char *)"suiji 0.1";
	REPLY(o, r, suiji__rpc__status_reply);
}

static void h_get_entry(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *body,
                        size_t len, struct rpc_outcome *o)
{
	Suiji__Rpc__GetEntry *q = suiji__rpc__get_entry__unpack(NULL, len, body);
	Suiji__Rpc__EntryReply r = SUIJI__RPC__ENTRY_REPLY__INIT;
	uint8_t *bytes = NULL;
	size_t bl;
	(void)c;
	if (q == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST, "body is not a GetEntry message");
		return;
	}
	if (ledger_store_entry(s, q->seq, &bytes, &bl) != SJ_OK) {
		set(o, SUIJI__RPC__CODE__CODE_NOT_FOUND, "no entry %llu (the ledger has %llu)",
		    (unsigned long long)q->seq, (unsigned long long)ledger_store_size(s));
	} else {
		r.seq = q->seq;
		r.bytes.data = bytes;
		r.bytes.len = bl;
		REPLY(o, r, suiji__rpc__entry_reply);
	}
	free(bytes);
	suiji__rpc__get_entry__free_unpacked(q, NULL);
}

static void h_get_checkpoint(struct ledger_store *s, const struct rpc_caller *c,
                             const uint8_t *body, size_t len, struct rpc_outcome *o)
{
	Suiji__Rpc__GetCheckpoint *q = suiji__rpc__get_checkpoint__unpack(NULL, len, body);
	Suiji__Rpc__CheckpointReply r = SUIJI__RPC__CHECKPOINT_REPLY__INIT;
	char *note = NULL;
	size_t nl;
	(void)c;
	if (q == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST, "body is not a GetCheckpoint message");
		return;
	}
	if (ledger_store_checkpoint_get(s, q->size, &note, &nl) != SJ_OK) {
		set(o, SUIJI__RPC__CODE__CODE_NOT_FOUND, "no checkpoint at size %llu",
		    (unsigned long long)q->size);
	} else {
		r.note = note;
		REPLY(o, r, suiji__rpc__checkpoint_reply);
	}
	free(note);
	suiji__rpc__get_checkpoint__free_unpacked(q, NULL);
}

static void prove(struct ledger_store *s, int inclusion, uint64_t arg, struct rpc_outcome *o)
{
	Suiji__Rpc__ProofReply r = SUIJI__RPC__PROOF_REPLY__INIT;
	char *text = NULL;
	size_t tl;
	int rc = ledger_store_prove(s, inclusion, arg, &text, &tl);
	if (rc == SJ_OK) {
		r.proof = text;
		REPLY(o, r, suiji__rpc__proof_reply);
	} else if (rc == SJ_ENOENT) {
		set(o, SUIJI__RPC__CODE__CODE_NOT_FOUND, "the log has no checkpoint yet");
	} else if (rc == SJ_ERANGE) {
		set(o, SUIJI__RPC__CODE__CODE_NOT_FOUND, "%llu is outside the latest checkpoint",
		    (unsigned long long)arg);
	} else {
		set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "cannot make the proof: %s",
		    sj_strerror(rc));
	}
	free(text);
}

static void h_prove_inclusion(struct ledger_store *s, const struct rpc_caller *c,
                              const uint8_t *body, size_t len, struct rpc_outcome *o)
{
	Suiji__Rpc__ProveInclusion *q = suiji__rpc__prove_inclusion__unpack(NULL, len, body);
	(void)c;
	if (q == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST, "body is not a ProveInclusion message");
		return;
	}
	prove(s, 1, q->seq, o);
	suiji__rpc__prove_inclusion__free_unpacked(q, NULL);
}

static void h_prove_consistency(struct ledger_store *s, const struct rpc_caller *c,
                                const uint8_t *body, size_t len, struct rpc_outcome *o)
{
	Suiji__Rpc__ProveConsistency *q = suiji__rpc__prove_consistency__unpack(NULL, len, body);
	(void)c;
	if (q == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST,
		    "body is not a ProveConsistency message");
		return;
	}
	prove(s, 0, q->old_size, o);
	suiji__rpc__prove_consistency__free_unpacked(q, NULL);
}

static void h_get_beacons(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *body,
                          size_t len, struct rpc_outcome *o)
{
	const struct draws *d = storeops_draws(s);
	Suiji__Rpc__BeaconsReply r = SUIJI__RPC__BEACONS_REPLY__INIT;
	size_t n = draws_source_count(d), got = 0;
	Suiji__Rpc__BeaconSource *v = calloc(n ? n : 1, sizeof *v);
	Suiji__Rpc__BeaconSource **pv = calloc(n ? n : 1, sizeof *pv);
	Suiji__BeaconAdd **adds = calloc(n ? n : 1, sizeof *adds);
	(void)c;
	(void)body;
	(void)len;
	if (v == NULL || pv == NULL || adds == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory");
		goto out;
	}
	/* The chain info is served as the beacon-add entry stored it, not
	 * re-encoded from the parsed chain. */
	for (; got < n; got++) {
		const char *id;
		uint64_t seq;
		uint8_t *bytes = NULL;
		size_t bl = 0;
		struct entry e;
		char why[128];
		draws_source_at(d, got, &id, &seq);
		if (ledger_store_entry(s, seq, &bytes, &bl) != SJ_OK ||
		    entry_decode(&e, bytes, bl, why, sizeof why) != SJ_OK ||
		    (adds[got] = suiji__beacon_add__unpack(NULL, e.payload_len, e.payload)) ==
		        NULL) {
			free(bytes);
			set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE,
			    "cannot read beacon source %s from entry %llu", id,
			    (unsigned long long)seq);
			goto out;
		}
		free(bytes);
		suiji__rpc__beacon_source__init(&v[got]);
		v[got].id = adds[got]->id;
		v[got].chain = adds[got]->chain;
		v[got].margin_us = adds[got]->margin_us;
		v[got].url = adds[got]->url;
		v[got].seq = seq;
		pv[got] = &v[got];
	}
	r.n_sources = n;
	r.sources = pv;
	REPLY(o, r, suiji__rpc__beacons_reply);
out:
	for (size_t i = 0; i < got; i++)
		suiji__beacon_add__free_unpacked(adds[i], NULL);
	free(adds);
	free(pv);
	free(v);
}

/* The beacon rounds draw i waits for into v and pv (DRAW_MAX_BEACONS
 * each); their strings borrow from d. 0 once the draw's inputs are no
 * longer held (after its reveal). */
static size_t draw_rounds(const struct draws *d, size_t i, Suiji__Rpc__DrawRound *v,
                          Suiji__Rpc__DrawRound **pv)
{
	const struct draw_inputs *in = draws_inputs(d, i);
	const struct draw_spec *sp;

	if (in == NULL)
		return 0;
	sp = draw_inputs_spec(in);
	for (size_t k = 0; k < sp->n_beacons && k < DRAW_MAX_BEACONS; k++) {
		const struct beacon_chain *chain;
		const char *url;
		int manual = 1;
		int64_t margin, t = 0;
		suiji__rpc__draw_round__init(&v[k]);
		v[k].source = (char *)sp->beacons[k].source;
		v[k].round = sp->beacons[k].round;
		if (draws_source(d, sp->beacons[k].source, &chain, &manual, &margin, &url) ==
		        SJ_OK &&
		    !manual && beacon_round_time(&t, chain, sp->beacons[k].round) == SJ_OK)
			v[k].due_time = t;
		pv[k] = &v[k];
	}
	return sp->n_beacons < DRAW_MAX_BEACONS ? sp->n_beacons : DRAW_MAX_BEACONS;
}

static void h_get_draw(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *body,
                       size_t len, struct rpc_outcome *o)
{
	Suiji__Rpc__GetDraw *q = suiji__rpc__get_draw__unpack(NULL, len, body);
	Suiji__Rpc__DrawStateReply r = SUIJI__RPC__DRAW_STATE_REPLY__INIT;
	Suiji__Rpc__DrawRound v[DRAW_MAX_BEACONS], *pv[DRAW_MAX_BEACONS];
	const struct draws *d = storeops_draws(s);
	struct draws_info info;
	uint8_t *eb[3] = {NULL, NULL, NULL};
	size_t el[3] = {0, 0, 0}, idx, size;

	if (q == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST, "body is not a GetDraw message");
		return;
	}
	if (draws_find(d, q->request_seq, &idx) != SJ_OK) {
		set(o, SUIJI__RPC__CODE__CODE_NOT_FOUND, "entry %llu is not a draw request",
		    (unsigned long long)q->request_seq);
		goto out;
	}
	draws_get(d, idx, &info);
	/* Operators and legal reviewers read their own agency's draws; the
	 * supervisor and auditors read every agency's (R19). */
	if ((c->role == SUIJI__ROLE__ROLE_OPERATOR || c->role == SUIJI__ROLE__ROLE_LEGAL) &&
	    strcmp(info.agency, c->agency) != 0) {
		set(o, SUIJI__RPC__CODE__CODE_FORBIDDEN,
		    "a client of agency %s may not read draw %llu of agency \"%s\"", c->agency,
		    (unsigned long long)q->request_seq, info.agency);
		goto out;
	}
	r.request_seq = info.request_seq;
	r.agency = (char *)info.agency;
	r.request_id = (char *)info.request_id;
	r.task = (char *)info.task;
	r.deadline_us = info.deadline_us;
	if (info.revealed)
		r.state = SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED;
	else if (!info.committed)
		r.state = SUIJI__RPC__DRAW_STATE__DRAW_STATE_REQUESTED;
	else if (util_now_us() > info.deadline_us)
		r.state = SUIJI__RPC__DRAW_STATE__DRAW_STATE_ABANDONED;
	else
		r.state = SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED;
	if (info.committed) {
		r.commit_seq = info.commit_seq;
		r.commitment.data = info.commitment;
		r.commitment.len = 32;
	}
	if (info.revealed)
		r.reveal_seq = info.reveal_seq;
	else
		r.n_rounds = draw_rounds(d, idx, v, pv);
	r.rounds = pv;
	if (info.revealed && q->entries) {
		const uint64_t seqs[3] = {info.request_seq, info.commit_seq, info.reveal_seq};
		for (int k = 0; k < 3; k++)
			if (ledger_store_entry(s, seqs[k], &eb[k], &el[k]) != SJ_OK) {
				set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "cannot read entry %llu",
				    (unsigned long long)seqs[k]);
				goto out;
			}
		r.request_entry.data = eb[0];
		r.request_entry.len = el[0];
		r.commit_entry.data = eb[1];
		r.commit_entry.len = el[1];
		r.reveal_entry.data = eb[2];
		r.reveal_entry.len = el[2];
	}
	size = suiji__rpc__draw_state_reply__get_packed_size(&r);
	if (size > RPC_MAX_REPLY) {
		set(o, SUIJI__RPC__CODE__CODE_TOO_LARGE,
		    "draw %llu's entries take %zu bytes, more than one reply carries (%d); read "
		    "them one by one with get-entry",
		    (unsigned long long)q->request_seq, size, RPC_MAX_REPLY);
		goto out;
	}
	REPLY(o, r, suiji__rpc__draw_state_reply);
out:
	for (int k = 0; k < 3; k++)
		free(eb[k]);
	suiji__rpc__get_draw__free_unpacked(q, NULL);
}

/* A draw request is decoded here, once, and checked for feasibility
 * (R11-R13); the decoded value goes with the outcome to drawop_commit_request
 * and into the ledger's rules. A request that breaks a rule is still queued
 * and refused in its turn, like a refusal at the append, so replies keep
 * the order of the requests. */
static int d_draw_request(const uint8_t *body, size_t len, struct rpc_outcome *o)
{
	char why[sizeof o->draw->refusal];
	int rc;

	o->draw = calloc(1, sizeof *o->draw);
	if (o->draw == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory");
		return SJ_ENOMEM;
	}
	rc = draws_request_decode(o->draw, body, len, why, sizeof why);
	if (rc == SJ_OK)
		rc = draws_request_feasible(o->draw, why, sizeof why);
	switch (rc) {
	case SJ_OK: return SJ_OK;
	case SJ_EINVAL:
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST,
		    "body is not a suiji.DrawRequest message");
		return rc;
	case SJ_ENOMEM: set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory"); return rc;
	}
	o->refused = rc;
	snprintf(o->draw->refusal, sizeof o->draw->refusal, "%s", why);
	return SJ_OK;
}

/* The records are checked by the ledger's rules (dirs.h) when the entry is
 * appended; here only the message. */
static int d_directory_import(const uint8_t *body, size_t len, struct rpc_outcome *o)
{
	Suiji__DirectoryImport *di = suiji__directory_import__unpack(NULL, len, body);
	if (di == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST,
		    "body is not a suiji.DirectoryImport message");
		return SJ_EINVAL;
	}
	suiji__directory_import__free_unpacked(di, NULL);
	return SJ_OK;
}

void rpc_handle(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *req, size_t len,
                struct rpc_outcome *o)
{
	const struct rpc_method *m;
	Suiji__Rpc__Request *q = NULL;

	memset(o, 0, sizeof *o);
	if (len > RPC_MAX_REQUEST) {
		set(o, SUIJI__RPC__CODE__CODE_TOO_LARGE,
		    "request of %zu bytes exceeds %d (a directory import this large: split the "
		    "file, or have the log operator run suijid import)",
		    len, RPC_MAX_REQUEST);
		return;
	}
	q = suiji__rpc__request__unpack(NULL, len, req);
	if (q == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST, "frame is not a suiji.rpc.Request");
		return;
	}
	o->id = q->id;
	if (q->version != RPC_VERSION) {
		set(o, SUIJI__RPC__CODE__CODE_VERSION,
		    "protocol version %u is not supported (this daemon speaks %d)", q->version,
		    RPC_VERSION);
		goto out;
	}
	m = find_method(q->method);
	if (m == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_UNKNOWN_METHOD, "unknown method %u", q->method);
		goto out;
	}
	o->method_name = m->name;
	/* The one gate: the table's roles, nothing else, decide. */
	if (c->role <= 0 || c->role > 30 || !(m->roles & (1u << c->role))) {
		set(o, SUIJI__RPC__CODE__CODE_FORBIDDEN, "role %s may not call %s",
		    role_name(c->role), m->name);
		goto out;
	}
	if (q->body.len > m->max_body) {
		set(o, SUIJI__RPC__CODE__CODE_TOO_LARGE, "%s takes at most %zu bytes, got %zu",
		    m->name, m->max_body, q->body.len);
		goto out;
	}
	if (m->read) {
		m->read(s, c, q->body.data, q->body.len, o);
		goto out;
	}
	/* A mutation: the caller acts for its own agency, with a signature
	 * over exactly the payload the ledger will store. */
	if (strcmp(q->agency, c->agency) != 0) {
		set(o, SUIJI__RPC__CODE__CODE_FORBIDDEN,
		    "a client of agency %s may not act for agency \"%s\"", c->agency, q->agency);
		goto out;
	}
	if (q->signature.len != ENTRY_SIG_SIZE) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST,
		    "%s needs a %d-byte request signature, got %zu bytes", m->name, ENTRY_SIG_SIZE,
		    q->signature.len);
		goto out;
	}
	if (q->counter == 0) {
		set(o, SUIJI__RPC__CODE__CODE_BAD_REQUEST,
		    "%s needs the request counter its signature covers", m->name);
		goto out;
	}
	if (m->decode && m->decode(q->body.data, q->body.len, o) != SJ_OK)
		goto out;
	o->payload = malloc(q->body.len ? q->body.len : 1);
	if (o->payload == NULL) {
		set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory");
		goto out;
	}
	if (q->body.len)
		memcpy(o->payload, q->body.data, q->body.len);
	memcpy(o->sig, q->signature.data, ENTRY_SIG_SIZE);
	snprintf(o->agency, sizeof o->agency, "%s", c->agency);
	o->entry.type = m->entry_type;
	o->entry.agency = o->agency;
	o->entry.actor = c->key;
	o->entry.payload = o->payload;
	o->entry.payload_len = q->body.len;
	o->entry.sig = o->sig;
	o->entry.counter = q->counter;
	o->append = 1;
out:
	suiji__rpc__request__free_unpacked(q, NULL);
}

void rpc_outcome_appended(struct rpc_outcome *o, int rc, uint64_t seq, const char *err)
{
	Suiji__Rpc__AppendReply r = SUIJI__RPC__APPEND_REPLY__INIT;
	o->append = 0;
	o->entry.actor = NULL;
	switch (rc) {
	case SJ_OK:
		r.seq = seq;
		REPLY(o, r, suiji__rpc__append_reply);
		break;
	case SJ_EVERIFY:
	case SJ_EINVAL:
	case SJ_EPERM: set(o, SUIJI__RPC__CODE__CODE_REFUSED, "%s", err); break;
	default: set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "%s", err);
	}
}

/* The rules' reason for the refused request, as the store kept it apart
 * from its batch index (ledger_store_refusal); err when there is none. */
static const char *refusal_of(const struct ledger_store *s, const char *err)
{
	const char *why = ledger_store_refusal(s, NULL);
	return why ? why : err;
}

void rpc_outcome_drawn(struct rpc_outcome *o, struct ledger_store *s, int rc, uint64_t request_seq,
                       const char *err)
{
	Suiji__Rpc__DrawReply r = SUIJI__RPC__DRAW_REPLY__INIT;
	Suiji__Rpc__DrawRound v[DRAW_MAX_BEACONS], *pv[DRAW_MAX_BEACONS];
	const struct draws *d = storeops_draws(s);
	struct draws_info info;
	size_t idx;

	o->append = 0;
	o->entry.actor = NULL;
	switch (rc) {
	case SJ_OK: break;
	case SJ_EVERIFY:
	case SJ_EINVAL:
	case SJ_EPERM:
		/* Infeasible pools, a past round, a request id used before:
		 * the rule's own reason, carried in the request; a bad
		 * signature or role: the store's. */
		set(o, SUIJI__RPC__CODE__CODE_REFUSED, "%s",
		    o->draw && o->draw->refusal[0] ? o->draw->refusal : refusal_of(s, err));
		return;
	default: set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "%s", err); return;
	}
	if (draws_find(d, request_seq, &idx) != SJ_OK) {
		set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE,
		    "the draw requested at entry %llu was committed but cannot be read back",
		    (unsigned long long)request_seq);
		return;
	}
	draws_get(d, idx, &info);
	r.request_seq = request_seq;
	r.commit_seq = info.commit_seq;
	r.commitment.data = info.commitment;
	r.commitment.len = 32;
	r.deadline_us = info.deadline_us;
	r.n_rounds = draw_rounds(d, idx, v, pv);
	r.rounds = pv;
	REPLY(o, r, suiji__rpc__draw_reply);
}

int rpc_outcome_encode(const struct rpc_outcome *o, uint8_t **out, size_t *len)
{
	Suiji__Rpc__Response r = SUIJI__RPC__RESPONSE__INIT;
	r.id = o->id;
	r.code = (Suiji__Rpc__Code)o->code;
	r.message = (char *)o->message;
	if (o->code == SUIJI__RPC__CODE__CODE_OK && o->body) {
		r.body.data = o->body;
		r.body.len = o->body_len;
	}
	*len = suiji__rpc__response__get_packed_size(&r);
	*out = malloc(*len ? *len : 1);
	if (*out == NULL)
		return SJ_ENOMEM;
	suiji__rpc__response__pack(&r, *out);
	return SJ_OK;
}

void rpc_outcome_fini(struct rpc_outcome *o)
{
	free(o->body);
	free(o->payload);
	if (o->draw) {
		draws_request_msg_fini(o->draw);
		free(o->draw);
	}
	o->body = NULL;
	o->payload = NULL;
	o->draw = NULL;
}
