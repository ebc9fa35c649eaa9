/*
 * abuse_conn.c: blocking loopback connections and the client side of the
 * handshake for suiji-bench-abuse. See abuse_conn.h.
 */
#define _GNU_SOURCE
#include "bench/abuse_conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "common/err.h"

int abuse_conn_open(int port)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int abuse_conn_send_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			continue;
		} else {
			return -1;
		}
	}
	return 0;
}

int abuse_conn_recv_frame(int fd, struct frame_decoder *dec, uint8_t *in, size_t cap,
                          uint8_t **body, size_t *blen)
{
	for (;;) {
		ssize_t n = recv(fd, in, cap, 0);
		size_t used = 0;
		if (n <= 0)
			return -1;
		if (frame_decoder_feed(dec, body, blen, &used, in, (size_t)n) != SJ_OK)
			return -1;
		if (*body != NULL)
			return 0;
	}
}

int abuse_conn_handshake(int *fd_out, struct channel **ch, struct frame_decoder **dec, int port,
                         const uint8_t daemon_pk[32], const struct note_skey *key, long timeout_s)
{
	struct timeval tv = {timeout_s, 0};
	uint8_t *f = NULL, *body = NULL, in[1024];
	size_t fl = 0, bl = 0;
	int fd = abuse_conn_open(port), rc;

	*ch = NULL;
	*dec = NULL;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (frame_decoder_new(dec, FRAME_MAX) != SJ_OK ||
	    channel_client_new(ch, daemon_pk, key) != SJ_OK || channel_start(*ch, &f, &fl) != SJ_OK)
		goto fail;
	rc = abuse_conn_send_all(fd, f, fl);
	free(f);
	f = NULL;
	if (rc != 0 || abuse_conn_recv_frame(fd, *dec, in, sizeof in, &body, &bl) != 0)
		goto fail;
	rc = channel_handshake(*ch, &f, &fl, body, bl);
	free(body);
	if (rc != SJ_OK)
		goto fail;
	rc = abuse_conn_send_all(fd, f, fl);
	free(f);
	if (rc != 0)
		goto fail;
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	channel_free(*ch);
	frame_decoder_free(*dec);
	*ch = NULL;
	*dec = NULL;
	return -1;
}
