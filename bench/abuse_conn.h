/*
 * abuse_conn.h: how suiji-bench-abuse's clients and abusers reach the
 * daemon: a loopback TCP connection with Nagle off, whole writes, one
 * frame read on a blocking socket, and the client side of the secure
 * channel's handshake (wire/channel.h).
 */
#ifndef SUIJI_BENCH_ABUSE_CONN_H
#define SUIJI_BENCH_ABUSE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/note_sign.h"
#include "wire/channel.h"
#include "wire/frame.h"

/* Connects to 127.0.0.1:port; the descriptor, or -1. */
int abuse_conn_open(int port);
/* Sends all len bytes of p (retrying EINTR and EAGAIN); 0 or -1. */
int abuse_conn_send_all(int fd, const uint8_t *p, size_t len);
/* Reads one frame on a blocking socket (the handshake's message 2) through
 * dec, with in (cap bytes) as the read buffer; *body is the decoder's
 * malloc'd frame. 0, or -1 on a closed socket or a bad frame. */
int abuse_conn_recv_frame(int fd, struct frame_decoder *dec, uint8_t *in, size_t cap,
                          uint8_t **body, size_t *blen);
/* Connects and runs the handshake with key against the daemon whose public
 * key is daemon_pk, waiting at most timeout_s for message 2; the socket is
 * left blocking with that receive timeout and *ch, *dec are the caller's.
 * 0, or -1 (everything freed, *ch and *dec NULL) when the daemon would not
 * have it in time. */
int abuse_conn_handshake(int *fd_out, struct channel **ch, struct frame_decoder **dec, int port,
                         const uint8_t daemon_pk[32], const struct note_skey *key, long timeout_s);

#endif
