/*
 * rpc.h: suiji's blocking RPC client: connect to suijid over TCP or a Unix
 * socket, run the channel handshake (wire/channel.h) against the pinned
 * daemon key, then send Requests (proto/rpc.proto) and read their
 * Responses, one at a time, each within a deadline.
 *
 * Also the client's connection settings: defaults, then a settings file of
 * `key = value` lines (server, daemon_key, key, timeout_ms), then flags.
 *
 * A client is used by one thread at a time. Every function assumes
 * sodium_init() has succeeded.
 */
#ifndef SUIJI_CLIENT_RPC_H
#define SUIJI_CLIENT_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/note_sign.h"

#define RPC_CLIENT_DEFAULT_SERVER     "tcp:127.0.0.1:7207"
#define RPC_CLIENT_DEFAULT_TIMEOUT_MS 10000
#define RPC_CLIENT_SETTING_MAX        4096

struct rpc_client_settings {
	char server[RPC_CLIENT_SETTING_MAX];     /* "tcp:HOST:PORT" or "unix:PATH" */
	char daemon_key[RPC_CLIENT_SETTING_MAX]; /* verifier key, or a file holding one */
	char key[RPC_CLIENT_SETTING_MAX];        /* the client's key file, "" if none */
	int timeout_ms;                          /* per connect and per request */
};

/* server RPC_CLIENT_DEFAULT_SERVER, timeout RPC_CLIENT_DEFAULT_TIMEOUT_MS,
 * no daemon key, no client key. */
void rpc_client_settings_defaults(struct rpc_client_settings *s);

/*
 * Applies the settings file at path over *s: blank lines, '#' comments and
 * `key = value` lines with the keys server, daemon_key, key, timeout_ms.
 * When the file does not exist: SJ_ENOENT if must_exist, else SJ_OK and
 * nothing changes. Errors: SJ_EINVAL (an unknown key, a bad value, err
 * names the line), SJ_EIO, SJ_ENOENT.
 */
SJ_WUR int rpc_client_settings_load(struct rpc_client_settings *s, const char *path, int must_exist,
                                    char *err, size_t err_cap);

struct rpc_client; /* opaque: one authenticated connection */

/* A Response. message and body are malloc'd (message NUL-terminated, body
 * may be NULL when empty); rpc_client_reply_fini frees them. */
struct rpc_client_reply {
	uint64_t id;
	int code; /* suiji.rpc.Code */
	char *message;
	uint8_t *body;
	size_t body_len;
};

/*
 * Connects to server ("tcp:HOST:PORT", HOST a name, an IPv4 address or a
 * bracketed IPv6 one; or "unix:PATH") and runs the handshake, accepting
 * only the daemon whose identity is daemon_pk (copied) and proving itself
 * with key (borrowed; it must outlive the client). Each step waits at most
 * timeout_ms. Errors: SJ_EINVAL (a malformed server), SJ_EIO (cannot
 * connect, the connection was closed or timed out), SJ_EVERIFY (the daemon
 * is not the pinned key or its signature is bad: the client refuses to
 * talk to it), SJ_ENOMEM; err says which.
 */
SJ_WUR int rpc_client_open(struct rpc_client **out, const char *server, const uint8_t daemon_pk[32],
                           const struct note_skey *key, int timeout_ms, char *err, size_t err_cap);

/*
 * Sends one Request (method, agency "" for reads, body[0..len) and for a
 * mutation the 64-byte sig, else NULL; all borrowed) and waits for its
 * Response. On SJ_OK *r holds it, whatever its code. Errors: SJ_EPERM (the
 * daemon closed the connection without answering the first request: it
 * did not admit this client key), SJ_EIO (closed, timed out, or the daemon
 * ended the session), SJ_EVERIFY (a reply that does not authenticate),
 * SJ_EINVAL (a reply that is not a Response to this request), SJ_ERANGE
 * (the request is too large), SJ_ENOMEM. After any error the client can
 * only be closed.
 */
SJ_WUR int rpc_client_call(struct rpc_client *c, struct rpc_client_reply *r, uint32_t method,
                           const char *agency, const uint8_t *body, size_t len, const uint8_t *sig,
                           uint64_t counter, char *err, size_t err_cap);

void rpc_client_reply_fini(struct rpc_client_reply *r);

/* Sends the channel's FINAL (best effort), closes the socket and frees c.
 * c may be NULL. */
void rpc_client_close(struct rpc_client *c);

#endif
