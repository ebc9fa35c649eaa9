/*
 * http.h: suiji-witness's HTTP front, h2o (libh2o) on a libuv loop.
 *
 * One path, POST /add-checkpoint (c2sp.org/tlog-witness); anything else is
 * 404 or 405. Requests are answered one at a time on the loop thread,
 * state write and fsync included: a witness sees few requests, and serial
 * handling means two checkpoints of one log can never race past the state.
 */
#ifndef SUIJI_WITNESS_HTTP_H
#define SUIJI_WITNESS_HTTP_H

#include <stddef.h>

#include "common/err.h"
#include "ledger/note_sign.h"
#include "witness/state.h"

struct whttp_opts {
	const char *listen; /* "IPv4:PORT"; port 0 picks one */
	const char *dir;    /* the witness's directory (state under it) */
	const struct note_skey *key;
	struct wstate_log *logs;
	size_t nlogs;
};

/*
 * Listens, prints "listening on http://HOST:PORT" on standard output, and
 * serves until SIGINT or SIGTERM. Errors: SJ_EINVAL (a bad address), SJ_EIO
 * (cannot listen); err says why.
 */
SJ_WUR int whttp_serve(const struct whttp_opts *o, char *err, size_t err_cap);

#endif
