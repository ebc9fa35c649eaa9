/*
 * witnessed.h: R18, a draw's commitment was seen by independent witnesses
 * before its outcome could be known (docs/witness.md).
 *
 * A log operator holds the sealed seeds, so he could commit the same draw
 * in several copies of the log and keep the copy whose outcome suits him.
 * Witnesses stop that only if they cosigned the commitment while the
 * outcome was still unknown: then every other copy is a fork no witness
 * will cosign. So for every revealed draw, each pinned witness counts when
 * a checkpoint covering the draw's commitment entry (tree size above its
 * sequence number) carries a valid cosignature/v1 by it whose timestamp is
 * more than the margin before the draw's beacon values were first public
 * (draws_info.public_us). A draw that fewer than the quorum witnessed in
 * time fails verification, naming R18.
 *
 * Pure code over the checkpoints and the replayed draws; verify-only.
 */
#ifndef SUIJI_VERIFIER_WITNESSED_H
#define SUIJI_VERIFIER_WITNESSED_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/note.h"
#include "rules/draws.h"

#define WITNESSED_DEFAULT_MARGIN_US (30 * 1000000LL)

/* A stored checkpoint note (borrowed). */
struct witnessed_cp {
	const char *text;
	size_t len;
};

/*
 * Checks every revealed draw of d against the checkpoints cps[0..ncps)
 * (already verified by the caller: parsed, signed by the log, roots
 * matching) and the pinned witnesses wit[0..nwit), requiring quorum of
 * them (quorum 0: nothing is checked) margin_us before the values were
 * public. Returns SJ_OK, or SJ_EVERIFY with the draw's request entry in
 * *bad_seq and the failure, starting "R18: ", in why (why_cap bytes);
 * SJ_ENOMEM. *checked counts the draws that passed.
 */
SJ_WUR int witnessed_check(const struct draws *d, const struct witnessed_cp *cps, size_t ncps,
                           const struct note_vkey *wit, size_t nwit, size_t quorum,
                           int64_t margin_us, uint64_t *checked, int64_t *bad_seq, char *why,
                           size_t why_cap);

#endif
