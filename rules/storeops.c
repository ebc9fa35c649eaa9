/*
 * storeops.c: the store opened with replay.h's rules (storeops.h).
 */
#include "rules/storeops.h"

static int ops_apply(void *ctx, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
		     char *err, size_t err_cap)
{
	return replay_apply(ctx, e, hash, err, err_cap);
}

static void ops_settle(void *ctx)
{
	replay_settle(ctx);
}

static void ops_rollback(void *ctx, uint64_t seq)
{
	replay_rollback(ctx, seq);
}

static int ops_client(const void *ctx, const uint8_t key[ENTRY_KEY_SIZE], int *role,
		      char *agency)
{
	return replay_client(ctx, key, role, agency);
}

static const char *ops_origin(const void *ctx)
{
	return replay_origin(ctx);
}

static const struct note_vkey *ops_log_key(const void *ctx)
{
	return replay_log_key(ctx);
}

static const struct note_vkey *ops_witnesses(const void *ctx, size_t *n)
{
	return replay_witnesses(ctx, n);
}

static void ops_free(void *ctx)
{
	replay_free(ctx);
}

const struct ledger_rules_ops storeops_replay_ops = {
	.apply = ops_apply,
	.settle = ops_settle,
	.rollback = ops_rollback,
	.client = ops_client,
	.origin = ops_origin,
	.log_key = ops_log_key,
	.witnesses = ops_witnesses,
	.free = ops_free,
};

int storeops_open(struct ledger_store **out, const char *path, int flags, char *err,
		  size_t err_cap)
{
	struct replay *r;
	int rc = replay_new(&r);

	if (rc != SJ_OK)
		return rc;
	/* The store owns r from here, whether it opens or not. */
	return ledger_store_open(out, path, flags, &storeops_replay_ops, r, err, err_cap);
}

const struct replay *storeops_replay(const struct ledger_store *s)
{
	return ledger_store_rules_ctx(s);
}

const struct draws *storeops_draws(const struct ledger_store *s)
{
	return replay_draws(storeops_replay(s));
}
