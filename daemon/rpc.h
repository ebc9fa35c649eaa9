/*
 * rpc.h: the daemon's request table and handlers, between the secure
 * channel (which has authenticated the caller's key) and the ledger.
 *
 * The path of a request: decode the Request envelope and check its version
 * and size → look the method up in the one request table → check the
 * caller's role against the table (the one gate; it fails closed) →
 * validate the body → either answer at once (reads) or hand back an entry
 * to append (mutations), which the server appends in a group commit and
 * only then answers with rpc_outcome_appended. A draw request (draw set)
 * is decoded once, here, into a typed value (rpc_outcome.draw) and checked
 * for feasibility; the server commits that value with
 * drawop_commit_request (daemon/drawop.h), which appends the request and a
 * sealed seed's commitment, and answers with rpc_outcome_drawn.
 *
 * Runs on the daemon's loop thread; no I/O of its own beyond the store.
 */
#ifndef SUIJI_DAEMON_RPC_H
#define SUIJI_DAEMON_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/entry.h"
#include "wire/channel.h"
#include "ledger/store.h"
#include "rules/draws.h"

#define RPC_VERSION 1
#define RPC_MAX_REQUEST CHANNEL_MSG_MAX /* largest Request: one channel message */

/* An authenticated caller, as the ledger registered it. */
struct rpc_caller {
	uint8_t key[ENTRY_KEY_SIZE];
	int role; /* suiji.Role */
	char agency[ENTRY_MAX_AGENCY + 1];
};

/* What became of one request. Embedded in its owner; _fini releases it. */
struct rpc_outcome {
	uint64_t id;
	int code; /* suiji.rpc.Code */
	char message[512];
	uint8_t *body; /* reply message, malloc'd, or NULL */
	size_t body_len;
	/* For a mutation that passed the gate: the entry to append. Its
	 * pointers point into this outcome. */
	int append;
	/* A draw request, decoded and checked once by rpc_handle (malloc'd,
	 * owned here): commit it with drawop_commit_request; NULL for any
	 * other method. */
	struct draws_request_msg *draw;
	/* Not 0 when rpc_handle found the draw request breaks a rule (an SJ_
	 * code; the reason is draw->refusal): it is answered as refused in
	 * its turn, without a commit. */
	int refused;
	struct ledger_append entry;
	uint8_t *payload;
	uint8_t sig[ENTRY_SIG_SIZE];
	char agency[ENTRY_MAX_AGENCY + 1];
	const char *method_name;
};

/* Fills *c for a key that may act now. Errors: SJ_ENOENT (not registered),
 * SJ_EPERM (revoked). */
SJ_WUR int rpc_caller_lookup(struct ledger_store *s, const uint8_t key[ENTRY_KEY_SIZE],
			     struct rpc_caller *c);

/* Handles one request (req[0..len), borrowed) from caller c. Never fails as
 * a call: every problem becomes the outcome's code and message. */
void rpc_handle(struct ledger_store *s, const struct rpc_caller *c, const uint8_t *req, size_t len,
		struct rpc_outcome *out);

/* Completes a mutation after the append: rc is ledger_store_append's
 * result for this entry, seq its sequence number, err its message. */
void rpc_outcome_appended(struct rpc_outcome *o, int rc, uint64_t seq, const char *err);

/* Completes a draw request after drawop_commit_request: rc is its
 * result, request_seq the request's entry (the commitment is the next),
 * err its message; a refusal is answered with the rule's own reason from
 * o->draw->refusal when it has one. The reply (DrawReply: the commitment and the rounds the draw
 * waits for) is read from s's draw state. */
void rpc_outcome_drawn(struct rpc_outcome *o, struct ledger_store *s, int rc,
		       uint64_t request_seq, const char *err);

/* Encodes the Response for o into a malloc'd buffer. */
SJ_WUR int rpc_outcome_encode(const struct rpc_outcome *o, uint8_t **out, size_t *len);

void rpc_outcome_fini(struct rpc_outcome *o);

/* "status", "register-agency", ...; NULL for an unknown method. */
const char *rpc_method_name(uint32_t method);

#endif
