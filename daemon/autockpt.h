/*
 * autockpt.h: the daemon signs its checkpoints by itself. A checkpoint is
 * what a verifier, a witness or a citizen holds the log to; without a
 * recent one, the newest entries could be cut from the file and nobody
 * could show it (docs/verify.md, "Freshness").
 *
 * After a batch of mutations the server calls autockpt_kick; the
 * checkpoint follows delay milliseconds later, so a burst of batches gets
 * one checkpoint and none comes sooner than delay after the one before.
 * A slower poll (every AUTOCKPT_POLL_FACTOR delays) also signs entries
 * that came another way: the automatic reveal, or suijid commands run
 * while the daemon serves. Signing reads the new entries back from disk
 * and commits one row (ledger_store_checkpoint), like a commit of the
 * group commit; it runs on the loop thread.
 *
 * The log key is read from DIR/log.key at start. A daemon without it (the
 * log key kept elsewhere) signs nothing and says so once.
 *
 * Everything runs on the loop thread of the loop given to autockpt_init.
 */
#ifndef SUIJI_DAEMON_AUTOCKPT_H
#define SUIJI_DAEMON_AUTOCKPT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/err.h"
#include "ledger/store.h"

#define AUTOCKPT_POLL_FACTOR 5 /* the idle poll, in delays */

struct autockpt; /* opaque */

/* Called on the loop thread with each newly signed checkpoint note (its
 * bytes borrowed for the call) and its tree size. */
typedef void (*autockpt_signed_fn)(void *ctx, const char *note, size_t len, uint64_t size);

/* Allocates the state; nothing runs yet. Errors: SJ_ENOMEM. */
SJ_WUR int autockpt_new(struct autockpt **out);
/* Initialises its timer on loop (cannot fail), so that autockpt_stop can
 * close it whatever happens after. */
void autockpt_init(struct autockpt *a, uv_loop_t *loop);
/* Calls fn (may be NULL) after each checkpoint it signs; ctx borrowed. */
void autockpt_on_signed(struct autockpt *a, autockpt_signed_fn fn, void *ctx);
/*
 * Loads the log key from data_dir/log.key and starts: entries not yet
 * covered are signed after delay_ms. s and data_dir are borrowed until the
 * loop has ended. A delay of 0, or no log key, leaves it off (logged);
 * that is not an error. Errors: SJ_EPERM, SJ_EINVAL, SJ_EIO, SJ_ENOMEM for
 * a log key file that is there but cannot be used, with err saying why.
 */
SJ_WUR int autockpt_start(struct autockpt *a, struct ledger_store *s, const char *data_dir,
                          uint32_t delay_ms, char *err, size_t err_cap);
/* Mutations were committed: sign a checkpoint delay_ms from now unless one
 * is already due by then. Does nothing when off or stopped. */
void autockpt_kick(struct autockpt *a);
/* Signs what is not yet covered, then stops and closes the timer. */
void autockpt_stop(struct autockpt *a);
/* Checkpoints signed so far. */
uint64_t autockpt_count(const struct autockpt *a);
/* Frees the state (and wipes the key) once its loop has run out (NULL is
 * ignored). */
void autockpt_free(struct autockpt *a);

#endif
