/*
 * state.h: what suiji-witness last cosigned, per log origin, kept durably.
 *
 * For each log it witnesses the witness keeps one file, DIR/state/<hex of
 * the first 16 bytes of SHA-256(origin)>.cp, holding the log-signed
 * checkpoint note it cosigned last, exactly as the log sent it. The file is
 * written through a temporary file, fsync and rename (util_write_file), and
 * the directory is synced after, so a crash or kill -9 leaves the old state
 * or the new one, never none: a witness that forgot its state could be led
 * to cosign a fork. A state file that does not parse or is not signed by
 * the log's key stops the witness at start-up rather than being ignored.
 *
 * Runs on the witness's one loop thread; no locking.
 */
#ifndef SUIJI_WITNESS_STATE_H
#define SUIJI_WITNESS_STATE_H

#include <stddef.h>

#include "common/err.h"
#include "ledger/note.h"
#include "ledger/witcheck.h"

/* One log this witness witnesses (a `log =` line of witness.conf). */
struct wstate_log {
	char origin[CHECKPOINT_MAX_ORIGIN + 1];
	struct note_vkey key; /* the log's note verifier key */
	struct witcheck_state st;
};

/*
 * Loads the state file of log (if any) from dir/state into log->st,
 * verifying it against log->key and log->origin. A missing file leaves
 * log->st unknown (size 0). Errors: SJ_EINVAL (a file that does not parse,
 * is not signed by the key or names another origin), SJ_EIO, SJ_ENOMEM;
 * err says which file and why.
 */
SJ_WUR int wstate_load(struct wstate_log *log, const char *dir, char *err, size_t err_cap);

/*
 * Makes note[0..len) (the checkpoint c, already verified) log's new state:
 * writes it durably, then updates log->st. Errors: SJ_EIO (nothing
 * changed: the caller must not hand out the cosignature).
 */
SJ_WUR int wstate_store(struct wstate_log *log, const char *dir, const char *note, size_t len,
                        const struct checkpoint *c);

#endif
