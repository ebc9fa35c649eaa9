/*
 * witcheck.h: the one decision a witness makes (c2sp.org/tlog-witness):
 * may it cosign this checkpoint, given the last one it cosigned for the
 * same origin?
 *
 * Shared by the HTTP witness (witness/, suiji-witness) and the file-based
 * `suiji cosign`, so both refuse the same forks and rollbacks. Pure code:
 * no I/O, no globals, callable from any thread.
 *
 * The rules, in the order tlog-witness checks them (the HTTP status the
 * witness answers with in brackets):
 *   - the request's old size is larger than the checkpoint's size (400);
 *   - the old size is not the size of the last checkpoint this witness
 *     cosigned for the origin, 0 when it has none (409, with its size);
 *   - the checkpoint has the old size but another root: a fork (409);
 *   - the consistency proof does not prove the checkpoint's tree extends
 *     the one cosigned before (422). From size 0 there is nothing to prove
 *     and the proof must be empty; a checkpoint of size 0 must have the
 *     empty tree's root.
 */
#ifndef SUIJI_LEDGER_WITCHECK_H
#define SUIJI_LEDGER_WITCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

enum witcheck_verdict {
	WITCHECK_COSIGN = 0,   /* consistent with the state: cosign, then move the state on */
	WITCHECK_BAD_SIZE = 1, /* old size above the checkpoint's size */
	WITCHECK_CONFLICT = 2, /* old size is not the witness's size, or a same-size fork */
	WITCHECK_BAD_PROOF = 3 /* the consistency proof does not verify */
};

/* What the witness last cosigned for one origin. */
struct witcheck_state {
	int known;     /* 0: nothing cosigned yet for this origin (size 0) */
	uint64_t size; /* when known */
	uint8_t root[32];
};

/*
 * Decides whether the checkpoint c, offered with old_size and the
 * consistency proof proof[0..n) (borrowed), may be cosigned by a witness
 * whose state for c's origin is st (borrowed; the caller has matched the
 * origin). Returns one verdict above and, unless it is WITCHECK_COSIGN, a
 * sentence in why (why_cap bytes, NUL-terminated) naming the sizes.
 */
SJ_WUR enum witcheck_verdict witcheck_decide(const struct witcheck_state *st, uint64_t old_size,
                                             const struct checkpoint *c, const merkle_hash *proof,
                                             size_t n, char *why, size_t why_cap);

#endif
