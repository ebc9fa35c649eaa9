/*
 * storeops.h: the ledger store (ledger/store.h) checked by the rules of
 * replay.h.
 *
 * The store knows nothing of what entries mean; it is given the rules at
 * open as struct ledger_rules_ops. This module is that glue: it opens a
 * store whose rules are a replay (replay.h) and hands that replay's state
 * back to the daemon and the tools, which read the draws, plans and policy
 * from it. The verifier does not use it: it replays without a store.
 */
#ifndef SUIJI_RULES_STOREOPS_H
#define SUIJI_RULES_STOREOPS_H

#include <stddef.h>

#include "common/err.h"
#include "ledger/store.h"
#include "rules/draws.h"
#include "rules/replay.h"

/* replay.h's rules as the store's callbacks; ctx is a struct replay *. */
extern const struct ledger_rules_ops storeops_replay_ops;

/* Opens the ledger at path (as ledger_store_open, same flags and errors)
 * checked by a new replay, which the store owns. */
SJ_WUR int storeops_open(struct ledger_store **out, const char *path, int flags, char *err,
			 size_t err_cap);

/* The replayed state of every rule of a store opened by storeops_open
 * (borrowed; valid until the next append). */
const struct replay *storeops_replay(const struct ledger_store *s);

/* The draws and beacon sources as replayed so far (replay_draws of the
 * above; borrowed, valid until the next append). */
const struct draws *storeops_draws(const struct ledger_store *s);

#endif
