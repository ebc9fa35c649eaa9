/*
 * channel.h: the authenticated, encrypted channel between suiji (the
 * client) and suijid (the daemon). Pure code: it turns frame bodies in
 * into frames out and never touches a socket, a clock or a file, so the
 * libuv server and the blocking client drive the same state machine.
 * docs/channel.md holds the protocol precisely enough for a second
 * implementation, and its security argument.
 *
 * In short: a three-message handshake with ephemeral X25519 keys, signed
 * by both Ed25519 identities over the transcript (the client's identity
 * and signature travel encrypted), then one libsodium secretstream
 * (XChaCha20-Poly1305) per direction. The client pins the daemon's public
 * key; the daemon asks a lookup callback whether the client's key is
 * registered.
 *
 *   client                                   server
 *   channel_start        -- message 1 -->    channel_handshake (out: message 2)
 *   channel_handshake    <-- message 2 --
 *     (out: message 3; established)
 *                        -- message 3 -->    channel_handshake (no out; established)
 *   channel_seal / channel_close  <---->  channel_open
 *
 * Buffers. Every frame a function here writes is a whole frame, 4-byte
 * length prefix included (wire/frame.h), malloc'd for the caller, who
 * owns and frees it, ready to hand to a write call. Every input is a frame
 * body as frame_decoder_feed yields it, borrowed for the call only.
 * Plaintexts returned by channel_open are malloc'd for the caller.
 *
 * Failure is terminal. When a call fails the channel wipes its keys and
 * every later call on it (start, handshake, seal, close, open) returns the
 * first error again; the caller closes the connection. Out-parameters are
 * NULL / 0 after any failure.
 *
 * Threads. A channel is used by one thread at a time. The identity key
 * (struct note_skey) is borrowed, must outlive the channel, and is used
 * (so its protection flipped, see ledger/note_sign.h) inside
 * channel_start, channel_handshake and nowhere else: all channels sharing
 * one key must run on one thread, and that key object must not be used by
 * another thread meanwhile. Every function assumes sodium_init() has
 * succeeded.
 *
 * Receiving. A receiver keeps the frame decoder's cap at
 * CHANNEL_HANDSHAKE_MAX until channel_established() is true, then raises
 * it; the decoder stops after each frame precisely so that the cap can
 * change between message 3 and the client's first data frame, which may
 * arrive in the same read. A stream that ends before channel_open has
 * reported fin was cut short by someone, and the data received on it must
 * not be taken as complete.
 */
#ifndef SUIJI_WIRE_CHANNEL_H
#define SUIJI_WIRE_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "wire/frame.h"
#include "ledger/note_sign.h"

#define CHANNEL_VERSION       1
#define CHANNEL_KEY_SIZE      32  /* an Ed25519 identity public key */
#define CHANNEL_MSG1_SIZE     69  /* "SJH1" || version || ephemeral || random */
#define CHANNEL_MSG2_SIZE     160 /* ephemeral || random || identity || signature */
#define CHANNEL_MSG3_SIZE     112 /* AEAD(identity || signature) */
#define CHANNEL_HANDSHAKE_MAX CHANNEL_MSG2_SIZE
/* The stream header on the first data frame plus the secretstream tag and
 * MAC on each: what a data frame body may add to its message. */
#define CHANNEL_OVERHEAD (24 + 17)
#define CHANNEL_MSG_MAX  (FRAME_MAX - CHANNEL_OVERHEAD) /* largest message */

struct channel; /* opaque */

/*
 * Says whether client_pk may connect: 0 if it is registered and allowed,
 * anything else if not. Called at most once per channel, from inside
 * channel_handshake on the server, and only after the client has proved
 * it holds the matching secret key; client_pk is borrowed for the call.
 */
typedef int (*channel_lookup_fn)(void *ctx, const uint8_t client_pk[CHANNEL_KEY_SIZE]);

/* A client channel that will accept only the daemon whose identity key is
 * server_pk (copied) and will prove itself with client_key (borrowed).
 * Errors: SJ_EINVAL (NULL argument), SJ_ENOMEM; on failure *out is NULL. */
SJ_WUR int channel_client_new(struct channel **out, const uint8_t server_pk[CHANNEL_KEY_SIZE],
                              const struct note_skey *client_key);

/* A server channel that proves itself with server_key (borrowed) and
 * admits a client only if lookup(ctx, its key) returns 0; ctx is kept and
 * passed back. Errors: SJ_EINVAL (NULL key or lookup), SJ_ENOMEM; on
 * failure *out is NULL. */
SJ_WUR int channel_server_new(struct channel **out, channel_lookup_fn lookup, void *ctx,
                              const struct note_skey *server_key);

/* Client only, once, first: writes message 1 to *frame.
 * Errors: SJ_EINVAL (a server channel, or not the first call), SJ_ENOMEM. */
SJ_WUR int channel_start(struct channel *c, uint8_t **frame, size_t *frame_len);

/*
 * Consumes one handshake message body and writes the reply, if there is
 * one, to *frame (else *frame is NULL and *frame_len 0). The server takes
 * message 1 (reply: message 2), then message 3 (no reply); the client
 * takes message 2 (reply: message 3). After the call that completes its
 * side, channel_established(c) is 1: the client is established once it has
 * written message 3 and may seal data right behind it.
 *
 * Errors: SJ_EINVAL (a message out of order, of the wrong size, with the
 * wrong magic or an unsupported version, or an ephemeral key that gives
 * the all-zero shared secret); SJ_EVERIFY (the server's identity is not
 * the pinned key, a signature does not verify, message 3 does not
 * decrypt); SJ_EPERM (the lookup refused the authenticated client key);
 * SJ_ENOMEM. All are terminal.
 */
SJ_WUR int channel_handshake(struct channel *c, uint8_t **frame, size_t *frame_len,
                             const uint8_t *body, size_t body_len);

/* 1 once the handshake is complete on this side (and until the channel
 * fails), else 0. */
int channel_established(const struct channel *c);

/* The peer's authenticated identity key (CHANNEL_KEY_SIZE bytes, borrowed,
 * valid while c lives), or NULL before the channel is established and
 * after it has failed. */
const uint8_t *channel_peer_key(const struct channel *c);

/* The first error c returned, which every later call returns too, or 0. */
int channel_error(const struct channel *c);

/*
 * Encrypts msg[0..msg_len) (msg_len 0..CHANNEL_MSG_MAX; msg may be NULL
 * when msg_len is 0) as the next message to the peer, in a whole frame.
 * Errors: SJ_EINVAL (not established, or after channel_close), SJ_ERANGE
 * (msg_len above CHANNEL_MSG_MAX), SJ_ENOMEM.
 */
SJ_WUR int channel_seal(struct channel *c, uint8_t **frame, size_t *frame_len, const uint8_t *msg,
                        size_t msg_len);

/* Writes the graceful close (an empty message tagged FINAL), after which
 * channel_seal and channel_close fail; channel_open still works, so the
 * peer may finish its side. Errors as channel_seal. */
SJ_WUR int channel_close(struct channel *c, uint8_t **frame, size_t *frame_len);

/*
 * Decrypts and authenticates the next frame body from the peer. On success
 * *msg is the message, malloc'd (the caller frees it; non-NULL even when
 * *msg_len is 0), and *fin is 1 when this was the peer's graceful close
 * (its message is then empty and every later channel_open fails), else 0.
 *
 * Errors: SJ_EVERIFY (the frame was forged, altered, cut, reordered,
 * dropped before or replayed: any of them breaks the stream's MAC chain;
 * also a body too short to hold a header and a MAC), SJ_EINVAL (not
 * established, a frame after the peer's close, a tag other than MESSAGE or
 * FINAL, a non-empty FINAL), SJ_ERANGE (body_len above FRAME_MAX),
 * SJ_ENOMEM.
 */
SJ_WUR int channel_open(struct channel *c, uint8_t **msg, size_t *msg_len, int *fin,
                        const uint8_t *body, size_t body_len);

/* Wipes every secret c holds and frees it. c may be NULL. */
void channel_free(struct channel *c);

#endif
