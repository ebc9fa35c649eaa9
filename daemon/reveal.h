/*
 * reveal.h: the daemon reveals its draws by itself. A timer looks for
 * committed draws whose named rounds are all due, fetches the rounds on the
 * libuv thread pool (one draw at a time; the loop never waits on a beacon)
 * and reveals on the loop thread with drawop_reveal. Because the sealed
 * seed is durable before the commitment is, the same scan finishes, after a
 * restart, the draws a stopped or killed daemon had committed. A draw it
 * cannot reveal (a source of public values, a seed not in its custody) is
 * said once at warn and left to suijid draw reveal.
 *
 * Everything runs on the loop thread of the loop given to reveal_init,
 * except the fetches.
 */
#ifndef SUIJI_DAEMON_REVEAL_H
#define SUIJI_DAEMON_REVEAL_H

#include <stdint.h>
#include <uv.h>

#include "common/err.h"
#include "ledger/store.h"

struct reveal; /* opaque */

/* Allocates the state; nothing runs yet. Errors: SJ_ENOMEM. */
SJ_WUR int reveal_new(struct reveal **out);
/* Initialises its timer on loop (cannot fail), so that reveal_stop can
 * close it whatever happens after. */
void reveal_init(struct reveal *rv, uv_loop_t *loop);
/* Scans at once, then every tick, the draws of s (borrowed, like
 * data_dir, the folder of the sealed seeds, until the loop has ended). */
void reveal_start(struct reveal *rv, struct ledger_store *s, const char *data_dir);
/* Stops scanning and closes the timer; a fetch not started is dropped. */
void reveal_stop(struct reveal *rv);
/* Draws revealed so far (each one append in one commit). */
uint64_t reveal_count(const struct reveal *rv);
/* Frees the state once its loop has run out (NULL is ignored). */
void reveal_free(struct reveal *rv);

#endif
