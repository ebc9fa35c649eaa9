/*
 * server.h: `suijid run`, the daemon proper, and `suijid daemon-key`.
 *
 * The server owns one libuv loop with its listeners (TCP and/or a Unix
 * socket), the ledger store, the daemon's identity key, the connections
 * (daemon/conn.h) and the group commit. A request's way through it:
 *
 *   conn: frame → channel_open → server: caller still registered? → rate
 *   bucket → rpc_handle (decode, the one gate, validate) →
 *     a read:     encode, seal, write at once;
 *     a mutation: queued; the connection is held. After the loop's I/O
 *                 callbacks of this iteration, a check handle appends every
 *                 queued entry in ONE ledger_store_append (one durable
 *                 commit); only when it has returned are the replies
 *                 encoded, sealed and written (write after durable).
 *
 * A batch that the ledger refuses because of one request (a rule of
 * replay.h: SJ_EVERIFY, SJ_EINVAL, SJ_EPERM) is split in halves and each
 * half committed on its own, recursively, so every request gets the result
 * it would have had alone, in the order received, and one bad request
 * costs the others O(log n) extra commits rather than n.
 *
 * Data directory (DIR): ledger.db (ledger/store.h), daemon.key (the
 * identity key clients pin; Ed25519, created 0600 on first use, separate
 * from log.key, which the daemon does not load), suijid.lock (held while
 * the daemon runs, so two daemons never append to one ledger),
 * suijid.sock (the default Unix socket) and suijid.conf (the default
 * config file, docs/config.md).
 */
#ifndef SUIJI_DAEMON_SERVER_H
#define SUIJI_DAEMON_SERVER_H

#include <stddef.h>

#include "common/err.h"
#include "daemon/config.h"

#define SERVER_VERSION   "0.1"
#define SERVER_KEY_FILE  "daemon.key"
#define SERVER_KEY_NAME  "suijid"
#define SERVER_LOCK_FILE "suijid.lock"
#define SERVER_GRACE_MS  2000 /* on stop: how long replies may take to drain */

/*
 * Runs the daemon with cfg (borrowed) until SIGTERM or SIGINT. Once
 * listening it prints "listening on tcp:ADDR:PORT" and/or "listening on
 * unix:PATH" on stdout, one line each. On a signal it stops accepting,
 * stops reading, appends and answers what is queued, sends FINAL to every
 * authenticated client, waits up to SERVER_GRACE_MS for replies to drain,
 * closes every handle and returns SJ_OK once uv_loop_close() succeeded.
 * Errors (start-up only; err says why): SJ_ENOENT (no ledger, or not
 * initialised), SJ_EEXIST (another daemon holds the data directory or the
 * socket), SJ_EIO, SJ_EPERM (a key file others may read), SJ_EINVAL,
 * SJ_ENOMEM.
 */
SJ_WUR int server_run(const struct config *cfg, char *err, size_t err_cap);

/* `suijid run`: settings from config_path (must exist) or, when it is
 * NULL, DIR/suijid.conf if present; then server_run. Returns the exit
 * status: 0 after a clean stop, 2 when it could not start. */
int server_cmd_run(const char *dir, const char *config_path);

/* `suijid daemon-key`: prints the verifier key of DIR/daemon.key (creating
 * the key, mode 0600, when absent) for clients to pin. Exit status 0 or 2. */
int server_cmd_daemon_key(const char *dir);

#endif
