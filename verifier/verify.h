/*
 * verify.h: the verification algorithm of suiji-verify (docs/verify.md).
 *
 * A verifier is fed the ledger's entries in order and then its checkpoints,
 * from whatever source holds them (the daemon's SQLite file, read-only, or
 * an export), and decides whether the whole holds: every entry's format,
 * sequence, time and hash chain; every rule of replay.h, client signatures
 * included; every checkpoint's log signature, origin and Merkle root; the
 * consistency of each checkpoint with the one before; every cosignature; a
 * saved checkpoint the ledger must extend; a quorum of pinned witnesses.
 *
 * It stops at the first failure and reports it, naming the entry by its
 * sequence number where the failure is an entry's. It holds no secret and
 * links no signing code.
 */
#ifndef SUIJI_VERIFIER_VERIFY_H
#define SUIJI_VERIFIER_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "rules/draws.h"
#include "ledger/entry.h"
#include "ledger/note.h"
#include "rules/replay.h"

struct verify_opts {
	const struct note_vkey *log_key;   /* pinned log key, or NULL */
	const char *saved;                 /* saved checkpoint note, or NULL */
	size_t saved_len;
	const struct note_vkey *witnesses; /* pinned cosignature keys */
	size_t nwitnesses;
	size_t quorum;                     /* cosignatures needed on the latest */
	/* Freshness (docs/verify.md): when max_age_s > 0 the ledger fails
	 * unless its newest qualifying checkpoint (log-signed; cosigned by
	 * the quorum when quorum > 0) covers every entry and is at most
	 * max_age_s old at now_s (seconds since the epoch; 0: the clock). */
	int64_t max_age_s;
	int64_t now_s;
	/* With a quorum, every revealed draw's commitment must be cosigned by
	 * it this long before its beacon values were public (R18,
	 * verifier/witnessed.h). */
	int64_t witness_margin_us;
	/* Called with every draw the replay re-derived (may be NULL). */
	draws_observer_fn on_draw;
	void *on_draw_ctx;
	/* Called with every entry that passed its checks, with its stored
	 * bytes (borrowed for the call; may be NULL). */
	void (*on_entry)(void *ctx, const struct entry *e, const uint8_t *bytes, size_t len);
	void *on_entry_ctx;
};

struct verify_report {
	int ok;
	int64_t failed_seq;   /* entry the failure is about, or -1 */
	char what[768];       /* the failure, in words */
	char origin[256];
	uint64_t entries;
	uint64_t checkpoints;
	uint64_t cosignatures;     /* verified cosignatures, all checkpoints */
	uint64_t latest_size;      /* size of the latest checkpoint, 0 if none */
	char latest_root[64];      /* its root, base64 */
	uint64_t quorum_met;       /* pinned witnesses cosigning the latest */
	/* Freshness, filled whether or not max_age_s asks for it. */
	uint64_t uncovered;        /* entries the latest checkpoint does not cover */
	int64_t latest_time_us;    /* time of the last entry the latest covers, 0 if none */
	uint64_t quorum_size;      /* newest checkpoint the quorum cosigned, 0 if none */
	int64_t quorum_time;       /* the quorum's cosignature time on it (seconds), 0 if none */
	uint64_t draws_witnessed;  /* revealed draws the quorum witnessed in time (R18) */
	/* Draws (R6, R11): every revealed draw was re-derived and matched. */
	uint64_t draws, draws_revealed, draws_open, draws_abandoned;
	uint64_t rounds_unchecked_bls; /* drand rounds used without a BLS check */
	/* "agency: n, ..." of abandoned commitments, as of verification time:
	 * a pattern of them is how an operator would try to grind. */
	char abandoned_by_agency[512];
	/* Entries that broke a policy rule (rules/policy.h); any fails. */
	uint64_t policy_violations;
};

struct verifier; /* opaque */

SJ_WUR int verify_new(struct verifier **out, const struct verify_opts *o);
void verify_free(struct verifier *v);

/* Says how many entries will come (a hint: more or fewer still work), so the
 * Merkle tree can be built on a second thread while entries are checked.
 * verify_sqlite and verify_export call it. Errors: SJ_ENOMEM. */
SJ_WUR int verify_expect(struct verifier *v, uint64_t n);

/*
 * Feeds the next entry, whose storage says it is entry stored_seq (its row
 * number in SQLite, its position in an export). Returns SJ_OK, SJ_EVERIFY
 * when the ledger failed (here or earlier; see verify_finish), SJ_ENOMEM.
 */
SJ_WUR int verify_entry(struct verifier *v, uint64_t stored_seq, const uint8_t *bytes, size_t len);

/* Feeds a checkpoint note (copied). Returns as verify_entry. */
SJ_WUR int verify_checkpoint(struct verifier *v, const char *note, size_t len);

/* Runs the checks that need everything and fills r. Returns SJ_OK when the
 * ledger holds, SJ_EVERIFY when it does not, SJ_ENOMEM. */
SJ_WUR int verify_finish(struct verifier *v, struct verify_report *r);

/* The replayed state (borrowed): the compliance report reads its policy.
 * Complete once every entry was fed. */
const struct replay *verify_replay(const struct verifier *v);

/* After verify_finish: the inclusion proof of entry index in the tree of
 * the first size entries (merkle.h). Errors: those of
 * merkle_tree_inclusion_proof. */
SJ_WUR int verify_inclusion(const struct verifier *v, uint64_t index, uint64_t size,
			    uint8_t (*proof)[32], size_t *n, size_t cap);
/* Entries fed so far, and the time (microseconds, the log's clock) of
 * entry seq among them (0 when seq is not one). */
uint64_t verify_count(const struct verifier *v);
int64_t verify_entry_time(const struct verifier *v, uint64_t seq);

/* Writes an age of s seconds as "42s", "17m", "5h" or "3d" (rounded
 * down), or "Ns in the future" for a negative s, into out (cap bytes). */
void verify_format_age(char *out, size_t cap, int64_t s);

/* The latest checkpoint fed (borrowed, with its cosignatures), or NULL. */
const char *verify_latest_checkpoint(const struct verifier *v, size_t *len);

/* Called now and then with entries (or bytes) done and the total. */
typedef void (*verify_progress_fn)(uint64_t done, uint64_t total);

/*
 * Feeds every entry and checkpoint of the daemon's SQLite ledger at path,
 * opened read-only in one read transaction. Returns SJ_OK (the verdict is
 * verify_finish's), SJ_EIO with the reason in err, or SJ_ENOMEM.
 */
SJ_WUR int verify_sqlite(struct verifier *v, const char *path, verify_progress_fn progress,
			 char *err, size_t err_cap);

/*
 * Feeds an export file held in buf (borrowed). A file that does not parse
 * is a failed check, reported by verify_finish like any other. Returns SJ_OK
 * or SJ_ENOMEM.
 */
SJ_WUR int verify_export(struct verifier *v, const uint8_t *buf, size_t len,
			 verify_progress_fn progress);

#endif
