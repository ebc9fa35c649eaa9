/*
 * autopush.h: the daemon pushes every checkpoint it signs to its
 * witnesses (`witness = URL KEY` lines, docs/witness.md), so a draw's
 * commitment is cosigned checkpoint_delay after its batch, long before its
 * round (R18), without anyone running `suijid checkpoint`.
 *
 * Thread model. The HTTP (libcurl, blocking, bounded by
 * WITNESSPUSH_TIMEOUT_MS per request) runs on a libuv worker thread
 * (uv_queue_work); every store call runs on the loop thread: the request
 * bodies (checkpoint, consistency proofs) are built before the work is
 * queued, and the cosignatures are checked and stored in its after-work
 * callback. The store handle is used from one thread at a time
 * (ledger/store.h), and the loop thread is the one that appends, so the
 * worker never touches it. (A second handle for the worker would replay
 * the whole ledger on open and still race with the appends.)
 *
 * At most one push is in flight. A checkpoint signed meanwhile is not
 * queued: one more push follows, of the newest checkpoint then stored, so
 * a burst of checkpoints costs one push more. A witness answering 409 with
 * the size it holds is sent the proof from that size in the next push,
 * which follows at once. Failures are logged and never stop the daemon; a
 * witness that did not cosign is sent the newest checkpoint again on a
 * timer (and with the next checkpoint signed).
 */
#ifndef SUIJI_DAEMON_AUTOPUSH_H
#define SUIJI_DAEMON_AUTOPUSH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/err.h"
#include "daemon/config.h"
#include "ledger/store.h"

struct autopush; /* opaque */

/* Allocates the state; nothing runs yet. Errors: SJ_ENOMEM. */
SJ_WUR int autopush_new(struct autopush **out);
/* Initialises its retry timer on loop (cannot fail), so that
 * autopush_stop can close it whatever happens after. */
void autopush_init(struct autopush *a, uv_loop_t *loop);
/* Starts pushing to w[0..n) (borrowed, as is s, until the loop has
 * ended); a witness that did not cosign the newest checkpoint is sent it
 * again retry_ms later. With n == 0 it stays off. On the loop thread. */
void autopush_start(struct autopush *a, struct ledger_store *s, const struct config_witness *w,
                    size_t n, uint64_t retry_ms);
/* An autockpt_signed_fn (daemon/autockpt.h): a checkpoint was signed;
 * push the newest one now, or after the push in flight. */
void autopush_on_signed(void *ctx, const char *note, size_t len, uint64_t size);
/* Closes the timer; no push starts after this; one in flight ends by itself (its timeouts
 * bound it) and keeps the loop running until then. */
void autopush_stop(struct autopush *a);
/* Cosignatures stored so far. */
uint64_t autopush_count(const struct autopush *a);
/* Frees the state once its loop has run out (NULL is ignored). */
void autopush_free(struct autopush *a);

#endif
