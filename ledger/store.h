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
 * the rules (through struct ledger_rules_ops) and the Merkle roots of every
 * stored checkpoint with the log's signature on it. A ledger that fails is
 * opened "broken": it can still be read and exported, but appends and
 * checkpoints are refused with SJ_ECORRUPT and ledger_store_broken() says
 * why.
 *
 * The store sequences and persists entries without knowing what they mean
 * (as a Tessera appender): what an entry may say is decided by the rules it
 * is given at open, through one callback interface. rules/storeops.h opens a
 * store with the rules of rules/replay.h.
 *
 * A store handle is used from one thread at a time.
 */
#ifndef SUIJI_LEDGER_STORE_H
#define SUIJI_LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"

struct ledger_store; /* opaque */

#define LEDGER_STORE_CREATE   0x1 /* create the database if it is missing */
#define LEDGER_STORE_READONLY 0x2 /* open read-only: no appends */

/* One entry to append. Pointers are borrowed for the duration of the call. */
struct ledger_append {
	uint32_t type;          /* enum entry_type */
	const char *agency;     /* actor's agency code, "" for the log itself */
	const uint8_t *actor;   /* client's 32-byte Ed25519 key, or NULL */
	uint64_t counter;       /* the request counter the client signed, or 0 */
	const uint8_t *payload; /* protobuf bytes as the client encoded them */
	size_t payload_len;
	const uint8_t *sig; /* client's 64-byte request signature, or NULL */
};

/*
 * The rules the store applies, as callbacks on the caller's state ctx. The
 * store calls them on the thread that uses the store, never concurrently.
 *
 * apply:     checks e (the entry at sequence e->seq, decoded and chained;
 *            hash is its entry hash) and on success takes it into the state.
 *            On failure the state is unchanged and err says which rule
 *            failed. Returns SJ_OK, SJ_EVERIFY (refused) or SJ_ENOMEM.
 * settle:    everything applied so far is durable and will not be undone.
 * rollback:  undo every entry applied with sequence >= seq (a batch whose
 *            transaction did not commit).
 * client:    the role and agency (ENTRY_MAX_AGENCY + 1 bytes) of a client
 *            key that may act now; SJ_ENOENT never registered, SJ_EPERM
 *            revoked.
 * origin:    the log's origin from entry 0, NULL before it (borrowed).
 * log_key:   the log's checkpoint key from entry 0, NULL before it
 *            (borrowed): the only key whose checkpoints the store accepts.
 * witnesses: the witness keys registered so far (borrowed array of *n),
 *            whose cosignatures the store keeps.
 * free:      releases ctx when the store is closed.
 */
struct ledger_rules_ops {
	int (*apply)(void *ctx, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
	             char *err, size_t err_cap);
	void (*settle)(void *ctx);
	void (*rollback)(void *ctx, uint64_t seq);
	int (*client)(const void *ctx, const uint8_t key[ENTRY_KEY_SIZE], int *role, char *agency);
	const char *(*origin)(const void *ctx);
	const struct note_vkey *(*log_key)(const void *ctx);
	const struct note_vkey *(*witnesses)(const void *ctx, size_t *n);
	void (*free)(void *ctx);
};

/*
 * Opens (or creates) the ledger at path, checked by the rules ops over ctx.
 * ops is borrowed and must outlive the store; ctx is owned by the store from
 * the call on, success or not, and released with ops->free. Errors: SJ_ENOENT
 * (missing and not LEDGER_STORE_CREATE), SJ_EIO, SJ_ENOMEM; err names the
 * file and cause. A ledger that opens but does not verify is not an error:
 * see _broken.
 */
SJ_WUR int ledger_store_open(struct ledger_store **out, const char *path, int flags,
                             const struct ledger_rules_ops *ops, void *ctx, char *err,
                             size_t err_cap);
void ledger_store_close(struct ledger_store *s);

/* NULL when the stored ledger verified on open, else why it did not. */
const char *ledger_store_broken(const struct ledger_store *s);

/* Number of entries. */
uint64_t ledger_store_size(const struct ledger_store *s);
/* The origin from entry 0, or NULL for an empty ledger. Borrowed. */
const char *ledger_store_origin(const struct ledger_store *s);

/* The role and agency of a client key that may act now (the rules' client
 * callback). */
SJ_WUR int ledger_store_client(const struct ledger_store *s, const uint8_t key[32], int *role,
                               char *agency);

/* The rules' state given at open (borrowed; valid until the next append). */
void *ledger_store_rules_ctx(const struct ledger_store *s);

/* The log's verifier key string from entry 0 into out (cap bytes).
 * Errors: SJ_ENOENT for an empty ledger, SJ_ERANGE. */
int ledger_store_log_vkey(const struct ledger_store *s, char *out, size_t cap);

/*
 * The log key that signs every entry this handle appends (entry.h: the log
 * signature). The store keeps its own copy, in sodium memory, until it is
 * closed; k stays the caller's. Only the key entry 0 names is taken.
 * Errors: SJ_EPERM (another key than the log's), SJ_ENOMEM; err says why.
 */
SJ_WUR int ledger_store_set_signer(struct ledger_store *s, const struct note_skey *k, char *err,
                                   size_t err_cap);

/* ledger_store_set_signer with the key in the key file at path (keyfile.h).
 * Errors: those of keyfile_load and ledger_store_set_signer. */
SJ_WUR int ledger_store_load_signer(struct ledger_store *s, const char *path, char *err,
                                    size_t err_cap);

/*
 * Writes entry 0, the log-init naming origin and the public half of
 * log_key, signed by log_key, which from then on is this handle's signer
 * (as ledger_store_set_signer). Errors: SJ_EEXIST when the ledger has
 * entries already, others as ledger_store_append.
 */
SJ_WUR int ledger_store_init_log(struct ledger_store *s, const char *origin,
                                 const char *description, const struct note_skey *log_key,
                                 char *err, size_t err_cap);

/*
 * Appends n entries in one durable transaction, or none of them. Each is
 * encoded, signed with the signer's log key (set_signer), and checked by
 * the rules' apply callback first (a forged or unauthorised request
 * is refused with SJ_EVERIFY, the reason and batch index in err). On
 * success *first_seq (when not NULL) is the first new sequence number and
 * the entries are on disk. Errors: SJ_EPERM (read-only, or no signer),
 * SJ_EVERIFY, SJ_EINVAL, SJ_ECORRUPT
 * (broken ledger), SJ_EFULL (disk full), SJ_EIO, SJ_ENOMEM. On any error
 * nothing was written and the store is as before.
 */
SJ_WUR int ledger_store_append(struct ledger_store *s, const struct ledger_append *a, size_t n,
                               uint64_t *first_seq, char *err, size_t err_cap);

/* After ledger_store_append refused an entry of its batch (SJ_EVERIFY):
 * the rules' reason, without the "request N refused: " that err carries,
 * and N in *index (when not NULL). NULL when the last append refused none.
 * Borrowed; valid until the next append. A caller that appended one
 * request replies with this rather than taking err apart. */
const char *ledger_store_refusal(const struct ledger_store *s, size_t *index);

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
