/*
 * witcheck.c: may a witness cosign this checkpoint (witcheck.h)?
 */
#include "ledger/witcheck.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

enum witcheck_verdict witcheck_decide(const struct witcheck_state *st, uint64_t old_size,
                                      const struct checkpoint *c, const merkle_hash *proof,
                                      size_t n, char *why, size_t why_cap)
{
	uint64_t have = st->known ? st->size : 0;
	merkle_hash empty;

	if (old_size > c->size) {
		snprintf(why, why_cap, "old size %llu is larger than the checkpoint's size %llu",
		         (unsigned long long)old_size, (unsigned long long)c->size);
		return WITCHECK_BAD_SIZE;
	}
	/* A rollback shows here too: a checkpoint smaller than the state can
	 * only be offered with an old size other than the state's. */
	if (old_size != have) {
		snprintf(why, why_cap,
		         "old size %llu is not %llu, the size this witness last cosigned",
		         (unsigned long long)old_size, (unsigned long long)have);
		return WITCHECK_CONFLICT;
	}
	if (c->size == have && st->known) {
		if (n != 0 || sodium_memcmp(c->root, st->root, 32) != 0) {
			snprintf(why, why_cap,
			         "the checkpoint at size %llu does not extend the one at size "
			         "%llu this witness cosigned: another root at the same size",
			         (unsigned long long)c->size, (unsigned long long)have);
			return WITCHECK_CONFLICT;
		}
		return WITCHECK_COSIGN;
	}
	if (have == 0) {
		/* Nothing cosigned yet: the first checkpoint is taken on trust
		 * in its log signature (checked by the caller); there is no
		 * older tree to be consistent with. */
		merkle_empty_root(empty);
		if (n != 0 || (c->size == 0 && memcmp(c->root, empty, 32) != 0)) {
			snprintf(why, why_cap,
			         "a checkpoint offered from size 0 takes no "
			         "consistency proof, and size 0 has the empty root");
			return WITCHECK_BAD_PROOF;
		}
		return WITCHECK_COSIGN;
	}
	if (merkle_verify_consistency(have, c->size, st->root, c->root, proof, n) != SJ_OK) {
		snprintf(why, why_cap,
		         "the consistency proof does not prove size %llu extends size %llu",
		         (unsigned long long)c->size, (unsigned long long)have);
		return WITCHECK_BAD_PROOF;
	}
	return WITCHECK_COSIGN;
}
