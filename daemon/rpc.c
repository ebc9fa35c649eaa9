/*
 * rpc.c: the request table and its handlers (rpc.h).
 *
 * The table below is the one source of truth for every RPC: its number,
 * name, the roles that may call it, the largest body it takes, and either a
 * read handler or the ledger entry type a mutation appends. Least privilege
 * (issue "suijid and suiji", item 3): administrators register agencies,
 * clients and witnesses and can neither draw nor enter results; auditors
 * read; operators and legal reviewers act for their own agency only.
 */
#include "daemon/rpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"

#define R(x) (1u << SUIJI__ROLE__ROLE_##x)
#define ROLES_ALL (R(OPERATOR) | R(LEGAL) | R(SUPERVISOR) | R(AUDITOR) | R(ADMIN))

typedef void (*rpc_read_fn)(struct ledger_store *s, const struct rpc_caller *c,
			    const uint8_t *body, size_t len, struct rpc_outcome *out);

struct rpc_method {
	uint32_t method;
	const char *name;
	unsigned roles;
	size_t max_body;
	rpc_read_fn read;    /* a read, answered at once */
	uint32_t entry_type; /* a mutation: the entry it appends */
};

static void h_status(struct ledger_store *, const struct rpc_caller *, const uint8_t *, size_t,
		     struct rpc_outcome *);
static void h_get_entry(struct ledger_store *, const struct rpc_caller *, const uint8_t *, size_t,
			struct rpc_outcome *);
static void h_get_checkpoint(struct ledger_store *, const struct rpc_caller *, const uint8_t *,
			     size_t, struct rpc_outcome *);
static void h_prove_inclusion(struct ledger_store *, const struct rpc_caller *, const uint8_t *,
			      size_t, struct rpc_outcome *);
static void h_prove_consistency(struct ledger_store *, const struct rpc_caller *,
				const uint8_t *, size_t, struct rpc_outcome *);

static const struct rpc_method rpc_methods[] = {
	{SUIJI__RPC__METHOD__METHOD_STATUS, "status", ROLES_ALL, 0, h_status, 0},
	{SUIJI__RPC__METHOD__METHOD_GET_ENTRY, "get-entry", R(SUPERVISOR) | R(AUDITOR) | R(ADMIN),
	 32, h_get_entry, 0},
	{SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, "get-checkpoint", ROLES_ALL, 32,
	 h_get_checkpoint, 0},
	{SUIJI__RPC__METHOD__METHOD_PROVE_INCLUSION, "prove-inclusion", ROLES_ALL, 32,
	 h_prove_inclusion, 0},
	{SUIJI__RPC__METHOD__METHOD_PROVE_CONSISTENCY, "prove-consistency", ROLES_ALL, 32,
	 h_prove_consistency, 0},
	{SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "register-agency", R(ADMIN), 4096, NULL,
	 ENTRY_AGENCY_REGISTER},
	{SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT, "register-client", R(ADMIN), 4096, NULL,
	 ENTRY_CLIENT_REGISTER},
	{SUIJI__RPC__METHOD__METHOD_REVOKE_CLIENT, "revoke-client", R(ADMIN), 4096, NULL,
	 ENTRY_CLIENT_REVOKE},
	{SUIJI__RPC__METHOD__METHOD_ADD_WITNESS, "add-witness", R(ADMIN), 4096, NULL,
	 ENTRY_WITNESS_ADD},
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
#define REPLY(o, msg, fn)                                                       \
	do {                                                                    \
		(o)->body_len = fn##__get_packed_size(&(msg));                  \
		(o)->body = malloc((o)->body_len ? (o)->body_len : 1);          \
		if ((o)->body == NULL)                                          \
			set((o), SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory"); \
		else                                                            \
			fn##__pack(&(msg), (o)->body);                          \
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
		set(o, SUIJI__RPC__CODE__CODE_NOT_FOUND,
		    "%llu is outside the latest checkpoint", (unsigned long long)arg);
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

void rpc_handle(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *req, size_t len,
		struct rpc_outcome *o)
{
	const struct rpc_method *m;
	Suiji__Rpc__Request *q = NULL;

	memset(o, 0, sizeof *o);
	if (len > RPC_MAX_REQUEST) {
		set(o, SUIJI__RPC__CODE__CODE_TOO_LARGE, "request of %zu bytes exceeds %d", len,
		    RPC_MAX_REQUEST);
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
	case SJ_EPERM:
		set(o, SUIJI__RPC__CODE__CODE_REFUSED, "%s", err);
		break;
	default:
		set(o, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "%s", err);
	}
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
	o->body = NULL;
	o->payload = NULL;
}
