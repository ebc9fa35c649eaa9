/*
 * store_int.h: what the store's own files share (store.c, store_checkpoint.c);
 * no other file includes it. The layout of struct ledger_store lives here so
 * that the store can be two files and still be one opaque module.
 */
#ifndef SUIJI_LEDGER_STORE_INT_H
#define SUIJI_LEDGER_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"

struct ledger_store {
	sqlite3 *db;
	int readonly;
	const struct ledger_rules_ops *ops; /* borrowed: the rules, given at open */
	void *rules;                        /* owned: their state, ops->free'd */
	struct merkle_tree tree;            /* leaf hash of every entry, subtree roots above */
	uint64_t n;                         /* entries */
	uint8_t last_hash[ENTRY_HASH_SIZE];
	int64_t last_time;
	struct merkle_frontier disk; /* over entries re-read from disk */
	uint64_t checkpointed;       /* size of the latest checkpoint */
	char *broken;                /* why the ledger failed to verify */
	struct note_skey *signer;    /* owned copy of the log key, or NULL */
	/* The rules' reason for the entry the last append refused, without
	 * the batch index that err carries ("" when it refused none). */
	char refusal[1024];
	size_t refusal_index;
};

/* Writes "what: SQLite's message" into err and maps SQLite's code rc to
 * SJ_EFULL, SJ_ENOMEM or SJ_EIO. */
int ledger_store__db_err(struct ledger_store *s, int rc, const char *what, char *err,
                         size_t err_cap);

/* Marks the store broken with why (the first reason is kept). SJ_OK or
 * SJ_ENOMEM. */
int ledger_store__set_broken(struct ledger_store *s, const char *why);

/* Takes in, through the rules, the entries another process appended since
 * this handle last looked; called inside the caller's write transaction.
 * SJ_ECORRUPT (the store is marked broken), SJ_EIO, SJ_ENOMEM. */
int ledger_store__catch_up(struct ledger_store *s, char *err, size_t err_cap);

#endif
