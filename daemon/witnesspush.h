/*
 * witnesspush.h: the daemon as a client of its witnesses (C2SP
 * tlog-witness, c2sp.org/tlog-witness; docs/witness.md).
 *
 * After the log signs a checkpoint, each witness named in the config
 * (`witness = URL KEY`, daemon/config.h) is sent add-checkpoint: the size
 * the daemon believes the witness last cosigned, the RFC 9162 consistency
 * proof from that size, and the checkpoint. A 409 answer carries the
 * witness's real size; the daemon retries once from it. A cosignature that
 * comes back is checked against the configured key and stored with the
 * checkpoint (ledger_store_add_cosignatures), so it is in the ledger
 * database and in every export.
 *
 * Blocking: each witness is one HTTP request (libcurl, http or https) with
 * a timeout. Call from a command, a worker thread or a uv_work callback,
 * never on the libuv loop thread; the store must not be used by another
 * thread meanwhile.
 */
#ifndef SUIJI_DAEMON_WITNESSPUSH_H
#define SUIJI_DAEMON_WITNESSPUSH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "daemon/config.h"
#include "ledger/store.h"

#define WITNESSPUSH_TIMEOUT_MS 10000

/* What one witness said. */
struct witnesspush_result {
	int http_status;       /* the last HTTP status; 0 when the witness was not reached */
	int stored;            /* 1: its cosignature is now stored with the checkpoint */
	uint64_t witness_size; /* from a 409: the size the witness has cosigned */
	char why[512];         /* one line for the operator */
};

/*
 * Pushes the latest stored checkpoint of s to the witnesses w[0..n)
 * (borrowed), one after the other, filling res[0..n). Returns how many
 * cosignatures were stored (0..n); a witness that refuses or cannot be
 * reached is told in its result, and the checkpoint stays signed and
 * stored whatever the witnesses say. Errors: SJ_ENOENT (no checkpoint
 * yet), SJ_ENOMEM, SJ_EIO, as negative returns.
 */
SJ_WUR int witnesspush_checkpoint(struct ledger_store *s, const struct config_witness *w, size_t n,
                                  struct witnesspush_result *res);

/*
 * The pieces of witnesspush_checkpoint, for a caller that does the HTTP on
 * another thread than the one using the store (daemon/autopush.h). Those
 * taking s run on the store's thread; witnesspush_post on any thread.
 */
#define WITNESSPUSH_REPLY_MAX 4096
struct witnesspush_reply {
	char buf[WITNESSPUSH_REPLY_MAX + 1];
	size_t len;
};
/* The latest stored checkpoint as the log signed it (without the
 * cosignatures stored with it; *out malloc'd) and its tree size.
 * Errors: SJ_ENOENT (none yet), SJ_EIO, SJ_ENOMEM. */
SJ_WUR int witnesspush_latest(struct ledger_store *s, char **out, size_t *out_len, uint64_t *size);
/* The add-checkpoint body for note (of tree size) from old_size, with the
 * consistency proof read from s; *out malloc'd. */
SJ_WUR int witnesspush_body(char **out, size_t *out_len, struct ledger_store *s, uint64_t old_size,
                            uint64_t size, const char *note, size_t note_len);
/* One POST of body to the witness at base; the HTTP status, or 0 with why
 * when it was not reached. Blocking (WITNESSPUSH_TIMEOUT_MS); no store. */
int witnesspush_post(const char *base, const char *body, size_t len, struct witnesspush_reply *r,
                     char *why, size_t cap);
/* Checks the cosignature lines of a 200 reply r to note against w's key
 * and stores them with the checkpoint; res->stored and res->why say how it
 * went. Errors: SJ_EVERIFY, SJ_ENOMEM, the store's. */
SJ_WUR int witnesspush_store(struct ledger_store *s, const struct config_witness *w,
                             const char *note, size_t note_len, const struct witnesspush_reply *r,
                             struct witnesspush_result *res);

/*
 * R18 at reveal: was the commitment (entry commit_seq) of a draw whose
 * beacon values were first public at public_us cosigned in time? Reads the
 * stored checkpoints of the ledger at ledger_path (read-only, its own
 * connection) and counts the witnesses of c whose valid cosignature on a
 * checkpoint covering the entry has a time strictly before public_us minus
 * c->witness_margin_s. Returns SJ_OK when at least c->witness_quorum did
 * (always when it is 0); SJ_EPERM with the reason, starting "R18: ", in
 * err when fewer did or the quorum exceeds the witnesses; SJ_EIO, SJ_ENOMEM.
 * Blocking file I/O only; any thread.
 */
SJ_WUR int witnesspush_witnessed(const char *ledger_path, const struct config *c,
                                 uint64_t commit_seq, int64_t public_us, char *err, size_t err_cap);

#endif
