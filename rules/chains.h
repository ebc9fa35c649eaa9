/*
 * chains.h: the chained beacon rounds the ledger holds, per source, from
 * the reveals that used them, and the rule that ties a new round to them
 * (R6, docs/beacon.md 3.4 "the previous round").
 *
 * "The previous round" of round r of a source is round r-1 of the same
 * source as an earlier reveal in the ledger holds it. A round is accepted
 * only if it agrees with every round of its source the ledger holds: round
 * r-1's signature is r's previous signature, a held round r+1 links back to
 * r's signature, and a held round r is the same round. When the ledger
 * holds neither neighbour, the link is covered by the round's own
 * signature (which signs it) and the round becomes what later reveals are
 * checked against. Only the beacon's key holder can sign a broken link;
 * this makes such a fork fail the moment a second draw uses the chain.
 */
#ifndef SUIJI_RULES_CHAINS_H
#define SUIJI_RULES_CHAINS_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/round.h"
#include "common/err.h"

struct chains;

SJ_WUR int chains_new(struct chains **out);
void chains_free(struct chains *c);

/* Whether round r (verified) of source agrees with the rounds held.
 * SJ_OK, or SJ_EVERIFY naming the held round it contradicts. */
SJ_WUR int chains_check(const struct chains *c, const char *source, const struct beacon_round *r,
                        char *err, size_t err_cap);

/* Holds round r of source, used by the reveal at entry seq. Errors:
 * SJ_ENOMEM. */
SJ_WUR int chains_add(struct chains *c, const char *source, const struct beacon_round *r,
                      uint64_t seq);

/* The reveal that holds round `round` of source or a later one (which
 * proves it exists), or UINT64_MAX. */
uint64_t chains_holds(const struct chains *c, const char *source, uint64_t round);

/* How many rounds are held; chains_truncate drops all after the first n. */
size_t chains_count(const struct chains *c);
void chains_truncate(struct chains *c, size_t n);

/* Drops the rounds of reveals with seq >= seq. */
void chains_rollback(struct chains *c, uint64_t seq);

#endif
