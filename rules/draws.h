/*
 * draws.h: the ledger's rules for beacon sources and draws, applied in
 * ledger order by replay.h (so the store enforces them before appending and
 * the verifier re-checks them on replay, re-deriving every draw).
 *
 * A draw is three entries (docs/draw-spec.md, docs/ledger.md section 4):
 *   draw-request (10): the inputs and pools, by an operator of the agency
 *       (signed) or by the log operator; checked for feasibility (R11-R13)
 *       before any randomness exists;
 *   draw-commit (11): the log's commitment to a secret seed for it; its
 *       entry hash and time bind the draw;
 *   draw-reveal (12): the seed, the beacon rounds the inputs named, and the
 *       result, which must equal the derivation byte for byte (R6, R11).
 * A commitment not revealed by its deadline is abandoned; the verifier
 * reports abandoned commitments per agency, since a pattern of them is how
 * an operator would try to grind.
 */
#ifndef SUIJI_RULES_DRAWS_H
#define SUIJI_RULES_DRAWS_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/round.h"
#include "common/err.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/result.h"
#include "ledger/entry.h"

struct draws; /* opaque */

SJ_WUR int draws_new(struct draws **out);
void draws_free(struct draws *d);

/* The rules of each entry type. by_admin says whether the actor may write
 * administrative entries (replay.h). On failure the state is unchanged and
 * err says which rule failed: SJ_EVERIFY, or SJ_ENOMEM. */
SJ_WUR int draws_beacon_add(struct draws *d, const struct entry *e, int by_admin, char *err,
			    size_t err_cap);
SJ_WUR int draws_request(struct draws *d, const struct entry *e, int actor_is_operator,
			 char *err, size_t err_cap);
SJ_WUR int draws_commit(struct draws *d, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
			char *err, size_t err_cap);
SJ_WUR int draws_reveal(struct draws *d, const struct entry *e, char *err, size_t err_cap);

/* Everything about one revealed draw, as its reveal re-derived it. All
 * borrowed, valid during the observer's call only. */
struct draws_observed {
	uint64_t request_seq, commit_seq, reveal_seq;
	const char *agency, *request_id, *task;
	const struct draw_inputs *in;
	const struct draw_objects *objects;
	const struct draw_people *officers, *experts;
	const uint8_t *seed;        /* 32 bytes, public since the reveal */
	const uint8_t *commit_hash; /* E */
	const uint8_t *randomness;  /* R */
	const struct beacon_value *beacons;
	size_t n_beacons;
	const struct draw_result *result;
	const uint8_t *result_bytes;
	size_t result_len;
};

typedef void (*draws_observer_fn)(void *ctx, const struct draws_observed *o);

/* Calls fn after every reveal that passed its checks (the verifier uses it
 * to print draws and answer a business's question). */
void draws_set_observer(struct draws *d, draws_observer_fn fn, void *ctx);

/* Called on every reveal that passed its checks, before the observer; an
 * error (SJ_ENOMEM) fails the reveal, which then changes nothing. replay.c
 * feeds rules/policy.h with it. */
typedef int (*draws_hook_fn)(void *ctx, const struct draws_observed *o);
void draws_set_hook(struct draws *d, draws_hook_fn fn, void *ctx);

/* The pools of draw i while it is not revealed (borrowed; NULL after its
 * reveal has settled). */
void draws_pools(const struct draws *d, size_t i, const struct draw_objects **objects,
		 const struct draw_people **officers, const struct draw_people **experts);

/* Undo every entry with seq >= seq; frees nothing that a kept entry needs. */
void draws_rollback(struct draws *d, uint64_t seq);
/* Everything applied so far is final (committed): the pools of revealed
 * draws can be freed. */
void draws_settle(struct draws *d);

/* A draw's state, for reports and for the daemon. */
struct draws_info {
	uint64_t request_seq;
	const char *agency;     /* borrowed */
	const char *request_id; /* borrowed */
	const char *task;       /* borrowed */
	int64_t request_time_us;
	int64_t deadline_us;
	int committed;
	uint64_t commit_seq;
	int64_t commit_time_us;
	uint8_t commitment[32];
	uint8_t commit_hash[32]; /* entry hash of the commitment: E of the spec */
	int revealed;
	uint64_t reveal_seq;
	unsigned unchecked_bls; /* drand rounds used without a BLS check */
	int replaces;           /* a substitution (补抽) of the commitment ... */
	uint8_t replaced[32];   /* ... with this entry hash */
	/* Once revealed: the earliest time any of its beacon values was
	 * public (a round's due time, public values' stated time). A
	 * commitment witnessed before it could not have been chosen knowing
	 * the outcome (verifier/witnessed.h). */
	int64_t public_us;
};

/* Where draws_reveal finds the signed public values of manual sources
 * (rules/pubvalues.h; borrowed). Without it no manual value is accepted. */
struct pubvalues;
void draws_set_pubvalues(struct draws *d, const struct pubvalues *pv);

/* The chained rounds the ledger's reveals used (rules/chains.h). */
struct chains;
const struct chains *draws_chains(const struct draws *d);

/* The manual source's public values a reveal of draw i must use (the
 * first usable signed public-values entry, borrowed) and that entry in
 * *seq; NULL when the ledger holds none yet. */
const char *draws_signed_values(const struct draws *d, size_t i, const char *source,
				uint64_t *seq);

size_t draws_count(const struct draws *d);
/* The i-th draw request in ledger order. */
void draws_get(const struct draws *d, size_t i, struct draws_info *out);
/* The draw whose request is entry request_seq; SJ_ENOENT if none. */
SJ_WUR int draws_find(const struct draws *d, uint64_t request_seq, size_t *index);

/* The pools and inputs of draw i while it is not revealed (borrowed;
 * NULL after its reveal has settled). */
const struct draw_inputs *draws_inputs(const struct draws *d, size_t i);

/* Derives draw i (not yet revealed) with randomness r from the inputs and
 * pools its request fixed. *out is the caller's (draw_result_free). */
SJ_WUR int draws_derive(const struct draws *d, size_t i, const uint8_t r[32],
			struct draw_result **out, char *err, size_t err_cap);

/* A registered beacon source by identifier; SJ_ENOENT if none. manual is
 * set for a source of public values; chain is borrowed. */
SJ_WUR int draws_source(const struct draws *d, const char *id, const struct beacon_chain **chain,
			int *manual, int64_t *margin_us, const char **url);

/* The registered beacon sources, in ledger order: source i's identifier
 * (borrowed) and the beacon-add entry that registered it. i must be below
 * draws_source_count. */
size_t draws_source_count(const struct draws *d);
void draws_source_at(const struct draws *d, size_t i, const char **id, uint64_t *seq);

/*
 * A draw request (suiji.DrawRequest), decoded once. The daemon decodes the
 * payload at the front door, checks feasibility there, and hands the same
 * value to the ledger's rules when it appends (draws_request_expect); the
 * client re-derives a draw from it and the verifier derives from its parts.
 * The decoded parts are owned by the value: draws_request_msg_fini frees
 * them.
 */
struct draws_request_msg {
	char request_id[64 + 1];
	struct draw_inputs *in;
	struct draw_objects *objects;
	struct draw_people *officers, *experts;
	int feasible; /* draws_request_feasible has passed */
	/* Set when the ledger's rules refused this value after taking it
	 * (draws_request_expect): the rule's reason, as it gave it. */
	char refusal[512];
};

/*
 * Decodes payload[0..len) (borrowed) into *m and checks what it says by
 * itself: the request id is an identifier, inputs and pools decode, each
 * pool is of its kind (R2) and is the pool the inputs name by hash. It does
 * not check feasibility (draws_request_feasible) nor anything the ledger
 * decides (a reused request id, the deadline, the beacon sources).
 * Errors: SJ_EINVAL (the payload is not a suiji.DrawRequest message at
 * all), SJ_EVERIFY (a field breaks a rule: err names it), SJ_ENOMEM. On
 * failure *m holds nothing to free.
 */
SJ_WUR int draws_request_decode(struct draws_request_msg *m, const uint8_t *payload, size_t len,
				char *err, size_t err_cap);

/*
 * Decodes the inputs and pools of a draw given as separate encodings
 * (borrowed; experts may be NULL: m->experts is then left NULL) and checks
 * each pool's kind. Errors and *m on failure as draws_request_decode.
 */
SJ_WUR int draws_request_parts(struct draws_request_msg *m, const uint8_t *inputs,
			       size_t inputs_len, const uint8_t *objects, size_t objects_len,
			       const uint8_t *officers, size_t officers_len,
			       const uint8_t *experts, size_t experts_len, char *err,
			       size_t err_cap);

/*
 * R11-R13: the pools can staff every team the inputs ask for. Runs the
 * check once: when it has passed for m it is not run again.
 * Errors: SJ_EVERIFY (err names the shortage).
 */
SJ_WUR int draws_request_feasible(struct draws_request_msg *m, char *err, size_t err_cap);

void draws_request_msg_fini(struct draws_request_msg *m);

/*
 * Hands m, decoded from payload[0..len) (both borrowed until withdrawn), to
 * the next draws_request on this thread whose entry carries exactly these
 * bytes: that call takes over m's parts instead of decoding the bytes
 * again, and skips the feasibility check when m passed it; when that call
 * refuses the request, m->refusal holds its reason (without the store's
 * batch prefix). Call with m NULL after the append to withdraw it. Per
 * thread, like pbuf.h's flag.
 */
void draws_request_expect(struct draws_request_msg *m, const uint8_t *payload, size_t len);

/*
 * Re-derives one revealed draw from its three entries alone, by the rules
 * above: the request's own (draws_request_decode, the deadline, its beacon
 * sources registered in d), then draws_commit and draws_reveal, whose
 * observer and hook run as in a replay. For a client that holds a draw's
 * entries but not the ledger: a request id used twice and a substitution's
 * commitment are the verifier's to check over the whole ledger. d is a
 * state with the beacon sources added (draws_beacon_add) and no draws.
 * Errors: SJ_EVERIFY (err names the rule), SJ_ENOMEM.
 */
SJ_WUR int draws_rederive(struct draws *d, const struct entry *request, const struct entry *commit,
			  const uint8_t commit_hash[ENTRY_HASH_SIZE], const struct entry *reveal,
			  char *err, size_t err_cap);

#endif
