/*
 * conn.h: suijid's client connections on its libuv loop: accepting them
 * within the limits, reading length-prefixed frames, driving the server
 * side of the secure channel (wire/channel.h), handing each decrypted
 * request up to the server, and sealing and writing its replies.
 *
 * What a connection enforces by itself (docs/config.md names the settings):
 *   - at most max_connections open; one more is accepted and closed at once;
 *   - at most max_handshakes handshakes in progress; later connections wait
 *     for a slot without being read, so a flood of message 1s costs the
 *     daemon at most that many X25519 + Ed25519 operations at a time;
 *   - a handshake deadline counted from accept (waiting included), then an
 *     idle deadline between two complete frames; bytes that do not complete
 *     a frame do not count, so a peer trickling bytes is still closed;
 *   - the frame cap: CHANNEL_HANDSHAKE_MAX until the client is
 *     authenticated, then max_frame;
 *   - a bound on reply bytes the peer leaves unread (max_write_queue):
 *     a connection above it is closed.
 * Any frame, channel or socket error closes that one connection.
 *
 * Requests are handed up one at a time, in order. A hook that cannot answer
 * at once (a mutation waiting for the group commit) holds the connection
 * (conn_hold): nothing more is read from it until conn_release, so a
 * connection has at most one request in flight and its replies leave in
 * the order of its requests.
 *
 * Lifetimes. A connection is freed only after both of its handles have
 * closed (in their close callbacks) and every reference taken with
 * conn_ref has been dropped; until then it may be asked conn_is_open and
 * given conn_reply (which then does nothing). Everything here runs on the
 * pool's loop thread.
 */
#ifndef SUIJI_DAEMON_CONN_H
#define SUIJI_DAEMON_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/err.h"
#include "daemon/config.h"
#include "daemon/rpc.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"

struct conn;      /* opaque: one client connection */
struct conn_pool; /* opaque: every connection of one server */

/* What the server learns from its connections. Each hook runs on the loop
 * thread, inside a libuv callback. */
struct conn_hooks {
	/* c's handshake completed: conn_caller(c) is its authenticated caller. */
	void (*established)(void *ctx, struct conn *c);
	/* One decrypted request message, borrowed for the call. The hook
	 * answers with conn_reply, at once or (after conn_hold) later. */
	void (*request)(void *ctx, struct conn *c, const uint8_t *msg, size_t len);
	/* c has begun to close (called once per connection); the server drops
	 * what it keeps about c but may still hold references. */
	void (*closing)(void *ctx, struct conn *c);
};

/* Counters for the log. */
struct conn_stats {
	uint64_t accepted;         /* connections taken */
	uint64_t over_limit;       /* closed at once: max_connections */
	uint64_t established;      /* handshakes completed */
	uint64_t handshake_failed; /* bad handshakes and refused keys */
	uint64_t timed_out;        /* handshake or idle deadline */
	uint64_t slow_readers;     /* closed for max_write_queue */
};

/*
 * A pool on loop, with the limits of cfg, admitting clients through
 * rpc_caller_lookup on store and proving itself with key. cfg, store, key
 * and hooks are borrowed and must outlive the pool; ctx is passed to the
 * hooks. Errors: SJ_ENOMEM.
 */
SJ_WUR int conn_pool_new(struct conn_pool **out, uv_loop_t *loop, const struct config *cfg,
                         struct ledger_store *store, const struct note_skey *key,
                         const struct conn_hooks *hooks, void *ctx);

/* Frees the pool; every connection must have been freed (the loop has run
 * until their handles closed). p may be NULL. */
void conn_pool_free(struct conn_pool *p);

/* Accepts one pending connection on listener (a uv_tcp_t or uv_pipe_t),
 * from the listener's connection callback. Never fails as a call: a
 * connection over a limit or one that cannot be set up is closed and
 * counted. */
void conn_accept(struct conn_pool *p, uv_stream_t *listener);

/*
 * Stops every connection. graceful: nothing more is read; an authenticated
 * connection gets the channel's FINAL after its queued replies and is shut
 * down once they are written; the rest are closed at once. Not graceful:
 * every connection is closed at once (queued writes are cancelled). No new
 * connection is accepted after either.
 */
void conn_pool_stop(struct conn_pool *p, int graceful);

/* Connections not yet closing. */
size_t conn_pool_count(const struct conn_pool *p);

void conn_pool_stats(const struct conn_pool *p, struct conn_stats *out);

/* c's number, unique in the pool, for the log. */
uint64_t conn_id(const struct conn *c);

/* The authenticated caller, as the ledger registered it at the handshake;
 * the server may refresh it in place. Only meaningful once established. */
struct rpc_caller *conn_caller(struct conn *c);

/* One pointer the server keeps per connection (its rate bucket). */
void conn_set_data(struct conn *c, void *data);
void *conn_data(const struct conn *c);

/* 1 until c begins to close. */
int conn_is_open(const struct conn *c);

/*
 * Seals msg[0..len) (borrowed) as the next message to c's client and
 * queues it for writing. Errors: SJ_EIO when c is closing (nothing is
 * done); any failure to seal or write, or a write queue above
 * max_write_queue, closes c and returns its error.
 */
int conn_reply(struct conn *c, const uint8_t *msg, size_t len);

/* Stops handing c's requests up until conn_release; the request hook calls
 * it for a request it answers later. */
void conn_hold(struct conn *c);
/* Resumes c: requests already received are handed up now (from inside this
 * call), then reading goes on. Does nothing more on a closing c. */
void conn_release(struct conn *c);

/* References keep c's memory (not its socket) alive. */
void conn_ref(struct conn *c);
void conn_unref(struct conn *c);

/* Closes c at once; why (static or borrowed for the call) goes to the
 * debug log. Does nothing when c is closing already. */
void conn_close(struct conn *c, const char *why);

#endif
