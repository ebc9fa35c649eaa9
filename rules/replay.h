/*
 * replay.h: the rules every entry must keep, applied in ledger order.
 *
 * The store applies them before it appends (so it refuses what the verifier
 * would reject) and the verifier applies them again on replay (so it trusts
 * nothing the daemon decided). Both run this one implementation.
 *
 * Rules (R18: every step is recorded, and recorded by whom):
 *  - entry 0 is a log-init and no other entry is;
 *  - the payload decodes as the message its type names, with valid fields;
 *  - every entry's log signature verifies under the key entry 0 names
 *    (entry.h; entry 0 under the key it names itself);
 *  - an unsigned entry is written by the log operator; a signed entry's
 *    request signature verifies (entry.h), its key was registered by an
 *    earlier client-register and not revoked since, its agency is the
 *    one that key was registered for, and its request counter was not used
 *    by the key before and is above the key's window of its 64 latest (a
 *    signed request counts once);
 *  - witness-add, agency-register, client-register and client-revoke are
 *    written by the log operator or signed by an administrator;
 *  - agency codes and client keys are registered once; a client is
 *    registered only for a registered agency;
 *  - beacon sources and draws follow draws.h: a draw is requested by an
 *    operator of its agency or the log operator, committed and revealed by
 *    the log, and its result is re-derived and must match;
 *  - directory imports follow dirs.h: by the log operator or an operator
 *    of the agency, records that decode and pass their checks, objects and
 *    officers of the agency, conflicts naming a known object and person;
 *  - item lists, plans, their review, filing and publication, and tasks
 *    follow plans.h: each step by its role (an operator, a legal reviewer
 *    of the agency, a supervisor), in order, a task only from the latest
 *    published version of a plan and only with items that have a legal
 *    basis;
 *  - draws tied to a task, calendars and results follow policy.h (R5-R19);
 *    a supervisor may request a re-check draw (R19).
 */
#ifndef SUIJI_RULES_REPLAY_H
#define SUIJI_RULES_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "rules/dirs.h"
#include "rules/draws.h"
#include "ledger/entry.h"
#include "ledger/note.h"
#include "rules/plans.h"
#include "rules/policy.h"
#include "rules/facts.h"

struct replay; /* opaque */

SJ_WUR int replay_new(struct replay **out);
void replay_free(struct replay *r);

/*
 * Checks e (the entry at sequence e->seq, already decoded and chained, whose
 * entry hash is hash) and on success updates the state. On failure the state
 * is unchanged and err says which rule failed. Errors: SJ_EVERIFY (a rule
 * or signature failed), SJ_ENOMEM.
 */
SJ_WUR int replay_apply(struct replay *r, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
			char *err, size_t err_cap);

/* Everything applied so far is durable and will not be rolled back. */
void replay_settle(struct replay *r);

/* See draws_set_observer. */
void replay_set_draw_observer(struct replay *r, draws_observer_fn fn, void *ctx);

/* The draws and beacon sources (borrowed). */
const struct draws *replay_draws(const struct replay *r);
/* The public-values signers and their signed values (rules/pubvalues.h). */
struct pubvalues;
const struct pubvalues *replay_pubvalues(const struct replay *r);

/* The directories (dirs.h) as imported so far (borrowed). */
const struct dirs *replay_dirs(const struct replay *r);

/* The item lists, plans and tasks (plans.h) so far (borrowed). */
const struct plans *replay_plans(const struct replay *r);

/* The policy's state: tasks' draws, checks, calendars, results (borrowed). */
const struct policy *replay_policy(const struct replay *r);
/* Leads and unavailability (rules/facts.h). */
const struct facts *replay_facts(const struct replay *r);

/* Audit mode (the verifier): a broken policy rule is counted and the
 * replay goes on (rules/policy.h). */
void replay_set_audit(struct replay *r, int audit);

/* Undo every entry applied with seq >= seq (used when a batch append is
 * rolled back). */
void replay_rollback(struct replay *r, uint64_t seq);

/* The registration of a client key that may act now: its role (enum
 * suiji.Role) and agency (copied into agency, ENTRY_MAX_AGENCY + 1 bytes).
 * SJ_ENOENT when the key was never registered, SJ_EPERM when revoked. */
SJ_WUR int replay_client(const struct replay *r, const uint8_t key[ENTRY_KEY_SIZE], int *role,
			 char *agency);

/* The log's origin and checkpoint key from entry 0; NULL before it. */
const char *replay_origin(const struct replay *r);
const struct note_vkey *replay_log_key(const struct replay *r);
/* Witness cosignature keys registered so far (borrowed array). */
const struct note_vkey *replay_witnesses(const struct replay *r, size_t *n);

#endif
