/*
 * drawop.h: the daemon's side of a draw (docs/draw-spec.md 5.1): custody of
 * the secret seed, and the three ledger entries.
 *
 * Order of a draw, and why:
 *   1. the request is checked for feasibility (R11-R13) before any seed
 *      exists, so a refusal can never be a disguised redraw;
 *   2. a seed is drawn from the CSPRNG into sodium memory, sealed with the
 *      daemon's seed key and written durably (fsync) under seeds/, so that a
 *      crash after the commitment is ledgered can still reveal it;
 *   3. request and commitment are appended in one transaction;
 *   4. once every named beacon round exists, the seed is revealed with the
 *      rounds and the derived result in one more entry, and only then is the
 *      sealed seed file removed.
 * A seed never leaves sodium memory except sealed, is wiped after use, and
 * is never printed or logged before its reveal.
 */
#ifndef SUIJI_DAEMON_DRAWOP_H
#define SUIJI_DAEMON_DRAWOP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/store.h"
#include "rules/draws.h"
#include "wire/drawspec.h"

/* Encodes a suiji.DrawRequest from a loaded spec (malloc'd): the same
 * encoder as drawspec_payload. */
SJ_WUR int drawop_request_payload(uint8_t **out, size_t *len, const struct drawspec *sp);

/*
 * Checks the request payload, commits to a fresh sealed seed, and appends
 * the request (the log operator's: actor and sig NULL; a client's signed
 * request goes through drawop_commit_request with its request counter)
 * and the commitment in one transaction. On success
 * *request_seq is the request's entry; the commitment is the next one.
 * Errors: SJ_EVERIFY (refused by a ledger rule, e.g. infeasible: err
 * names it), SJ_EIO (the seed could not be stored: nothing was appended),
 * others as ledger_store_append. Decodes the payload once and commits it
 * with drawop_commit_request.
 */
SJ_WUR int drawop_commit(struct ledger_store *s, const char *dir, const uint8_t *payload,
                         size_t len, const char *agency, const uint8_t *actor, const uint8_t *sig,
                         uint64_t *request_seq, char *err, size_t err_cap);

/*
 * drawop_commit for a request already decoded from payload[0..len) (m,
 * borrowed; draws_request_decode): feasibility is checked unless m passed
 * it already; a signed request carries the request counter its signature
 * covers (entry.h); and the append's rules take m's parts instead of decoding
 * the payload again (draws_request_expect), so after the call m may hold
 * no parts; the caller still finishes it with draws_request_msg_fini. When
 * the request was found infeasible or refused by the draw rules,
 * m->refusal holds the reason alone, which an RPC reply gives as it is.
 * Errors as drawop_commit.
 */
SJ_WUR int drawop_commit_request(struct ledger_store *s, const char *dir,
                                 struct draws_request_msg *m, const uint8_t *payload, size_t len,
                                 const char *agency, const uint8_t *actor, const uint8_t *sig,
                                 uint64_t counter, uint64_t *request_seq, char *err,
                                 size_t err_cap);

/*
 * Reveals the draw requested at request_seq: gets each named beacon round
 * (docs[i] when given: a round document or public values; otherwise fetched
 * from the source's URL, waiting until it is due when wait is set), derives
 * the result, appends the reveal and removes the sealed seed. *reveal_seq
 * is the reveal's entry. Errors: SJ_ENOENT (no such draw, or its seed is not
 * in this daemon's custody), SJ_EAGAIN-like SJ_ERANGE (a round is not out yet
 * and wait is not set), SJ_EVERIFY (a round does not verify or is not
 * usable), others as ledger_store_append.
 */
SJ_WUR int drawop_reveal(struct ledger_store *s, const char *dir, uint64_t request_seq,
                         const char *const *docs, size_t ndocs, int wait, uint64_t *reveal_seq,
                         char *err, size_t err_cap);

/* Opens the sealed seed of a commitment into seed (DRAW_SEED_SIZE bytes of
 * the caller's sodium memory). Errors: SJ_ENOENT (no sealed seed),
 * SJ_EVERIFY (it does not open, or does not open the commitment). */
SJ_WUR int drawop_seed(const char *dir, const uint8_t commitment[32], uint8_t *seed, char *err,
                       size_t err_cap);

#endif
