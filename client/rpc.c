/*
 * rpc.c: the blocking RPC client (rpc.h).
 *
 * Every socket operation is non-blocking under poll(2) with the call's
 * deadline, so a daemon that stops answering costs the caller timeout_ms
 * and no more. The same channel state machine as the daemon's runs here;
 * this file only moves its frames.
 */
#include "client/rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "proto/rpc.pb-c.h"
#include "wire/channel.h"
#include "wire/frame.h"

#define RPC_CLIENT_VERSION 1 /* suiji.rpc.Request version */
#define IN_CAP             (64u * 1024u)

struct rpc_client {
	int fd;
	int timeout_ms;
	struct channel *ch;
	struct frame_decoder *dec;
	uint64_t next_id;
	int answered; /* the daemon has answered a request on this connection */
	uint8_t in[IN_CAP];
	size_t in_off, in_len;
};

void rpc_client_settings_defaults(struct rpc_client_settings *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->server, sizeof s->server, "%s", RPC_CLIENT_DEFAULT_SERVER);
	s->timeout_ms = RPC_CLIENT_DEFAULT_TIMEOUT_MS;
}

static char *trim(char *p)
{
	char *e;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return p;
}

int rpc_client_settings_load(struct rpc_client_settings *s, const char *path, int must_exist,
                             char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	size_t len = 0, lineno = 0;
	char *line, *next;
	int rc;

	rc = util_read_file(&buf, &len, path, 64 * 1024);
	if (rc == SJ_ENOENT && !must_exist)
		return SJ_OK;
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot read %s: %s", path, sj_strerror(rc));
		return rc;
	}
	for (line = (char *)buf; line != NULL; line = next) {
		char *eq, *key, *val, *hash;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		hash = strchr(line, '#');
		if (hash != NULL && (hash == line || hash[-1] == ' ' || hash[-1] == '\t'))
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, err_cap, "%s:%zu: expected key = value", path, lineno);
			rc = SJ_EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (strlen(val) >= RPC_CLIENT_SETTING_MAX || *val == '\0') {
			snprintf(err, err_cap, "%s:%zu: %s needs a value", path, lineno, key);
			rc = SJ_EINVAL;
			break;
		}
		if (strcmp(key, "server") == 0) {
			snprintf(s->server, sizeof s->server, "%s", val);
		} else if (strcmp(key, "daemon_key") == 0) {
			snprintf(s->daemon_key, sizeof s->daemon_key, "%s", val);
		} else if (strcmp(key, "key") == 0) {
			snprintf(s->key, sizeof s->key, "%s", val);
		} else if (strcmp(key, "timeout_ms") == 0) {
			char *end;
			long v = strtol(val, &end, 10);
			if (*end != '\0' || v < 1 || v > 3600000) {
				snprintf(err, err_cap,
				         "%s:%zu: timeout_ms must be 1 to 3600000, not \"%s\"",
				         path, lineno, val);
				rc = SJ_EINVAL;
				break;
			}
			s->timeout_ms = (int)v;
		} else {
			snprintf(err, err_cap, "%s:%zu: unknown key \"%s\"", path, lineno, key);
			rc = SJ_EINVAL;
			break;
		}
	}
	free(buf);
	return rc;
}

/* --- time and sockets --- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int n;
		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_fd(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline)
{
	int e = 0;
	socklen_t el = sizeof e;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return -1;
	if (wait_fd(fd, POLLOUT, deadline) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
		return -1;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

static int open_socket(int *out, const char *server, int64_t deadline, char *err, size_t err_cap)
{
	int fd = -1;

	if (strncmp(server, "unix:", 5) == 0) {
		struct sockaddr_un sa;
		const char *path = server + 5;
		if (path[0] == '\0' || strlen(path) >= sizeof sa.sun_path) {
			snprintf(err, err_cap, "server %s: the socket path is empty or too long",
			         server);
			return SJ_EINVAL;
		}
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, path, strlen(path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect_fd(fd, (struct sockaddr *)&sa, sizeof sa, deadline) != 0) {
			snprintf(err, err_cap, "cannot connect to %s: %s", server, strerror(errno));
			if (fd >= 0)
				close(fd);
			return SJ_EIO;
		}
	} else if (strncmp(server, "tcp:", 4) == 0) {
		struct addrinfo hints, *res = NULL, *ai;
		char host[256];
		const char *hp = server + 4, *colon = strrchr(hp, ':');
		size_t hl = colon ? (size_t)(colon - hp) : 0;
		int g, one = 1;

		if (colon == NULL || hl == 0 || hl >= sizeof host || colon[1] == '\0') {
			snprintf(err, err_cap, "server %s is not tcp:HOST:PORT", server);
			return SJ_EINVAL;
		}
		memcpy(host, hp, hl);
		host[hl] = '\0';
		if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
		}
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		g = getaddrinfo(host, colon + 1, &hints, &res);
		if (g != 0) {
			snprintf(err, err_cap, "server %s: %s", server, gai_strerror(g));
			return SJ_EINVAL;
		}
		errno = ECONNREFUSED;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect_fd(fd, ai->ai_addr, ai->ai_addrlen, deadline) == 0)
				break;
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
		if (fd < 0) {
			snprintf(err, err_cap, "cannot connect to %s: %s", server, strerror(errno));
			return SJ_EIO;
		}
		/* One small request, one small reply: no Nagle delay. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	} else {
		snprintf(err, err_cap, "server %s is neither tcp:HOST:PORT nor unix:PATH", server);
		return SJ_EINVAL;
	}
	*out = fd;
	return SJ_OK;
}

static int send_all(struct rpc_client *c, const uint8_t *p, size_t len, int64_t deadline, char *err,
                    size_t err_cap)
{
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(c->fd, POLLOUT, deadline) == 1)
			continue;
		snprintf(err, err_cap, "cannot send to the daemon: %s",
		         n < 0 && errno != EAGAIN ? strerror(errno) : "timed out");
		return SJ_EIO;
	}
	return SJ_OK;
}

/* Reads the next frame body. 1 on end of stream (nothing of a frame
 * pending), 0 with *body set, or an error. */
static int recv_frame(struct rpc_client *c, uint8_t **body, size_t *blen, int64_t deadline,
                      char *err, size_t err_cap)
{
	for (;;) {
		size_t used = 0;
		int rc;
		ssize_t n;

		if (c->in_off < c->in_len) {
			rc = frame_decoder_feed(c->dec, body, blen, &used, c->in + c->in_off,
			                        c->in_len - c->in_off);
			c->in_off += used;
			if (rc != SJ_OK) {
				snprintf(err, err_cap, "the daemon sent a malformed frame");
				return SJ_EINVAL;
			}
			if (*body != NULL)
				return 0;
		}
		c->in_off = c->in_len = 0;
		n = recv(c->fd, c->in, sizeof c->in, 0);
		if (n > 0) {
			c->in_len = (size_t)n;
			continue;
		}
		/* A reset is how a peer's close often arrives when it did not
		 * read all we sent: to us it is the end of the stream. */
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			if (frame_decoder_pending(c->dec) != 0) {
				snprintf(err, err_cap,
				         "the daemon closed the connection mid-frame");
				return SJ_EIO;
			}
			return 1;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(c->fd, POLLIN, deadline) == 1)
			continue;
		snprintf(err, err_cap, "no answer from the daemon: %s",
		         errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
		return SJ_EIO;
	}
}

static void client_free(struct rpc_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	channel_free(c->ch);
	frame_decoder_free(c->dec);
	free(c);
}

int rpc_client_open(struct rpc_client **out, const char *server, const uint8_t daemon_pk[32],
                    const struct note_skey *key, int timeout_ms, char *err, size_t err_cap)
{
	struct rpc_client *c;
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t *frame = NULL, *body = NULL;
	size_t flen = 0, blen = 0;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return SJ_ENOMEM;
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	rc = open_socket(&c->fd, server, deadline, err, err_cap);
	if (rc != SJ_OK)
		goto fail;
	rc = frame_decoder_new(&c->dec, CHANNEL_HANDSHAKE_MAX);
	if (rc == SJ_OK)
		rc = channel_client_new(&c->ch, daemon_pk, key);
	if (rc == SJ_OK)
		rc = channel_start(c->ch, &frame, &flen);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot start the handshake: %s", sj_strerror(rc));
		goto fail;
	}
	rc = send_all(c, frame, flen, deadline, err, err_cap);
	free(frame);
	frame = NULL;
	if (rc != SJ_OK)
		goto fail;
	rc = recv_frame(c, &body, &blen, deadline, err, err_cap);
	if (rc == 1) {
		snprintf(err, err_cap,
		         "the daemon closed the connection during the handshake "
		         "(is it at its connection limit?)");
		rc = SJ_EIO;
	}
	if (rc != SJ_OK)
		goto fail;
	rc = channel_handshake(c->ch, &frame, &flen, body, blen);
	free(body);
	if (rc != SJ_OK) {
		if (rc == SJ_EVERIFY)
			snprintf(err, err_cap,
			         "refusing to talk: the daemon did not prove it holds "
			         "the pinned daemon key");
		else
			snprintf(err, err_cap, "the daemon's handshake is malformed: %s",
			         sj_strerror(rc));
		goto fail;
	}
	rc = send_all(c, frame, flen, deadline, err, err_cap);
	free(frame);
	if (rc != SJ_OK)
		goto fail;
	/* Replies may be as large as any frame. */
	(void)frame_decoder_set_cap(c->dec, FRAME_MAX);
	*out = c;
	return SJ_OK;
fail:
	client_free(c);
	return rc;
}

int rpc_client_call(struct rpc_client *c, struct rpc_client_reply *r, uint32_t method,
                    const char *agency, const uint8_t *body, size_t len, const uint8_t *sig,
                    uint64_t counter, char *err, size_t err_cap)
{
	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	Suiji__Rpc__Response *resp = NULL;
	int64_t deadline = now_ms() + c->timeout_ms;
	uint8_t *req = NULL, *frame = NULL, *fb = NULL, *msg = NULL;
	size_t rlen, flen = 0, fblen = 0, mlen = 0;
	int rc, fin = 0;

	memset(r, 0, sizeof *r);
	q.version = RPC_CLIENT_VERSION;
	q.id = ++c->next_id;
	q.method = method;
	q.agency = (char *)(agency ? agency : "");
	q.body.data = (uint8_t *)body;
	q.body.len = len;
	if (sig != NULL) {
		q.signature.data = (uint8_t *)sig;
		q.signature.len = 64;
		q.counter = counter;
	}
	rlen = suiji__rpc__request__get_packed_size(&q);
	if (rlen > CHANNEL_MSG_MAX) {
		snprintf(err, err_cap, "the request is too large (%zu bytes)", rlen);
		return SJ_ERANGE;
	}
	req = malloc(rlen ? rlen : 1);
	if (req == NULL)
		return SJ_ENOMEM;
	suiji__rpc__request__pack(&q, req);
	rc = channel_seal(c->ch, &frame, &flen, req, rlen);
	free(req);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot seal the request: %s", sj_strerror(rc));
		return rc;
	}
	rc = send_all(c, frame, flen, deadline, err, err_cap);
	free(frame);
	if (rc != SJ_OK)
		return rc;
	rc = recv_frame(c, &fb, &fblen, deadline, err, err_cap);
	if (rc == 1) {
		if (!c->answered) {
			snprintf(err, err_cap,
			         "the daemon closed the connection without answering: it does not "
			         "admit this client key (not registered, or revoked)");
			return SJ_EPERM;
		}
		snprintf(err, err_cap, "the daemon closed the connection");
		return SJ_EIO;
	}
	if (rc != SJ_OK)
		return rc;
	rc = channel_open(c->ch, &msg, &mlen, &fin, fb, fblen);
	free(fb);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "a reply did not authenticate: %s", sj_strerror(rc));
		return rc;
	}
	if (fin) {
		free(msg);
		snprintf(err, err_cap, "the daemon ended the session (is it stopping?)");
		return SJ_EIO;
	}
	resp = suiji__rpc__response__unpack(NULL, mlen, msg);
	free(msg);
	if (resp == NULL || resp->id != q.id) {
		snprintf(err, err_cap, "the daemon's reply is not a Response to request %llu",
		         (unsigned long long)q.id);
		rc = SJ_EINVAL;
		goto out;
	}
	c->answered = 1;
	r->id = resp->id;
	r->code = (int)resp->code;
	r->message = strdup(resp->message ? resp->message : "");
	if (resp->body.len > 0) {
		r->body = malloc(resp->body.len);
		if (r->body != NULL) {
			memcpy(r->body, resp->body.data, resp->body.len);
			r->body_len = resp->body.len;
		}
	}
	if (r->message == NULL || (resp->body.len > 0 && r->body == NULL)) {
		rpc_client_reply_fini(r);
		rc = SJ_ENOMEM;
	}
out:
	if (resp != NULL)
		suiji__rpc__response__free_unpacked(resp, NULL);
	return rc;
}

void rpc_client_reply_fini(struct rpc_client_reply *r)
{
	free(r->message);
	free(r->body);
	memset(r, 0, sizeof *r);
}

void rpc_client_close(struct rpc_client *c)
{
	uint8_t *frame = NULL;
	size_t flen = 0;
	char err[128];

	if (c == NULL)
		return;
	if (channel_established(c->ch) && channel_close(c->ch, &frame, &flen) == SJ_OK) {
		/* Best effort, and quick: the daemon needs no answer to it. */
		(void)send_all(c, frame, flen, now_ms() + 1000, err, sizeof err);
		free(frame);
	}
	client_free(c);
}
