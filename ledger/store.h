/*
 * store.h: the ledger's durable storage in SQLite.
 *
 * The ledger is the source of truth of suiji (R18, 全过程记录). This module
 * is its only writer. It offers no update and no delete; triggers in the
 * database refuse UPDATE and DELETE on every ledger table, so even a bug
 * elsewhere cannot rewrite history through SQLite. Any other table that
 * later modules keep beside the ledger is a view rebuilt from it.
 *
 * Durability: the database runs in WAL mode with synchronous=FULL, so a
 * COMMIT returns only after the WAL is on disk. ledger_store_append takes a
 * batch and commits it in one transaction: a caller with many requests in
 * hand (the daemon, once per event-loop turn) gets group commit by passing
 * them together.
 *
 * On open the store replays every stored entry: decoding, the hash chain,
 * the rules of replay.h and the Merkle roots of every stored checkpoint with
 * the log's signature on it. A ledger that fails is opened "broken": it can
 * still be read and exported, but appends and checkpoints are refused with
 * SJ_ECORRUPT and ledger_store_broken() says why.
 *
 * A store handle is used from one thread at a time.
 */
#ifndef SUIJI_LEDGER_STORE_H
#define SUIJI_LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "rules/draws.h"
#include "ledger/merkle.h"
#include "ledger/note_sign.h"

struct ledger_store; /* opaque */

#define LEDGER_STORE_CREATE 0x1   /* create the database if it is missing */
#define LEDGER_STORE_READONLY 0x2 /* open read-only: no appends */

/* One entry to append. Pointers are borrowed for the duration of the call. */
struct ledger_append {
	uint32_t type;            /* enum entry_type */
	const char *agency;       /* actor's agency code, "" for the log itself */
	const uint8_t *actor;     /* client's 32-byte Ed25519 key, or NULL */
	const uint8_t *payload;   /* protobuf bytes as the client encoded them */
	size_t payload_len;
	const uint8_t *sig;       /* client's 64-byte request signature, or NULL */
};

/* Opens (or creates) the ledger at path. Errors: SJ_ENOENT (missing and not
 * LEDGER_STORE_CREATE), SJ_EIO, SJ_ENOMEM; err names the file and cause. A
 * ledger that opens but does not verify is not an error: see _broken. */
SJ_WUR int ledger_store_open(struct ledger_store **out, const char *path, int flags, char *err,
			     size_t err_cap);
void ledger_store_close(struct ledger_store *s);

/* NULL when the stored ledger verified on open, else why it did not. */
const char *ledger_store_broken(const struct ledger_store *s);

/* Number of entries. */
uint64_t ledger_store_size(const struct ledger_store *s);
/* The origin from entry 0, or NULL for an empty ledger. Borrowed. */
const char *ledger_store_origin(const struct ledger_store *s);

/* The role and agency of a client key that may act now (replay.h's
 * replay_client). */
SJ_WUR int ledger_store_client(const struct ledger_store *s, const uint8_t key[32], int *role,
			       char *agency);

/* The draws and beacon sources as replayed so far (borrowed; valid until
 * the next append). */
const struct draws *ledger_store_draws(const struct ledger_store *s);
/* The replayed state of every rule (borrowed; valid until the next append). */
const struct replay *ledger_store_replay(const struct ledger_store *s);

/* The log's verifier key string from entry 0 into out (cap bytes).
 * Errors: SJ_ENOENT for an empty ledger, SJ_ERANGE. */
int ledger_store_log_vkey(const struct ledger_store *s, char *out, size_t cap);

/*
 * Writes entry 0, the log-init naming origin and the public half of
 * log_key. Errors: SJ_EEXIST when the ledger has entries already, others as
 * ledger_store_append.
 */
SJ_WUR int ledger_store_init_log(struct ledger_store *s, const char *origin,
				 const char *description, const struct note_skey *log_key,
				 char *err, size_t err_cap);

/*
 * Appends n entries in one durable transaction, or none of them. Each is
 * checked by the rules of replay.h first (a forged or unauthorised request
 * is refused with SJ_EVERIFY, the reason and batch index in err). On
 * success *first_seq (when not NULL) is the first new sequence number and
 * the entries are on disk. Errors: SJ_EVERIFY, SJ_EINVAL, SJ_ECORRUPT
 * (broken ledger), SJ_EFULL (disk full), SJ_EIO, SJ_ENOMEM. On any error
 * nothing was written and the store is as before.
 */
SJ_WUR int ledger_store_append(struct ledger_store *s, const struct ledger_append *a, size_t n,
			       uint64_t *first_seq, char *err, size_t err_cap);

/*
 * Signs a checkpoint over all durable entries with log_key (which must be
 * the key named in entry 0) after re-reading every entry appended since the
 * last checkpoint from the database and recomputing the root from those
 * bytes. A checkpoint at the current size is returned as stored. *note is
 * malloc'd: the signed note with every cosignature collected so far.
 */
SJ_WUR int ledger_store_checkpoint(struct ledger_store *s, const struct note_skey *log_key,
				   char **note, size_t *len, char *err, size_t err_cap);

/* The stored checkpoint at tree size (0 for the latest), with its
 * cosignatures, malloc'd. Errors: SJ_ENOENT, SJ_EIO, SJ_ENOMEM. */
SJ_WUR int ledger_store_checkpoint_get(struct ledger_store *s, uint64_t size, char **note,
				       size_t *len);

/*
 * Takes a cosigned copy of a stored checkpoint and keeps each cosignature by
 * a witness registered in the ledger that verifies. *added counts new ones.
 * Errors: SJ_ENOENT (no stored checkpoint with that body), SJ_EPERM (a
 * cosignature by a key that is not a registered witness), SJ_EVERIFY (a
 * registered witness's cosignature that does not verify), SJ_EINVAL.
 */
SJ_WUR int ledger_store_add_cosignatures(struct ledger_store *s, const char *note, size_t len,
					 size_t *added, char *err, size_t err_cap);

/* Entry seq's stored bytes, malloc'd. Errors: SJ_ENOENT, SJ_EIO. */
SJ_WUR int ledger_store_entry(struct ledger_store *s, uint64_t seq, uint8_t **bytes, size_t *len);

/* Proofs from the in-memory leaf hashes (see merkle.h for the bounds). */
SJ_WUR int ledger_store_inclusion_proof(const struct ledger_store *s, uint64_t seq, uint64_t size,
					merkle_hash *proof, size_t *n, size_t cap);
SJ_WUR int ledger_store_consistency_proof(const struct ledger_store *s, uint64_t m, uint64_t size,
					  merkle_hash *proof, size_t *n, size_t cap);

/*
 * A proof as text (docs/proofs.md) against the latest checkpoint: an
 * inclusion proof of entry arg, or a consistency proof from tree size arg.
 * *text is malloc'd. Errors: SJ_ENOENT (no checkpoint yet), SJ_ERANGE (arg
 * outside the checkpoint), SJ_ENOMEM, SJ_EIO.
 */
SJ_WUR int ledger_store_prove(struct ledger_store *s, int inclusion, uint64_t arg, char **text,
			      size_t *len);

/* Writes the whole ledger to f in the export format (export.h). */
SJ_WUR int ledger_store_export(struct ledger_store *s, FILE *f, char *err, size_t err_cap);

#endif
