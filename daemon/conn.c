/*
 * conn.c: client connections (conn.h).
 *
 * A connection's life, and what moves it on:
 *
 *   WAITING      accepted, over max_handshakes: not read     slot frees up
 *   HANDSHAKE    read with the cap at CHANNEL_HANDSHAKE_MAX   message 3 admitted
 *   ESTABLISHED  requests and replies; cap max_frame          FINAL, stop, error
 *   CLOSING      uv_close called on both handles              both close callbacks
 *
 * and, orthogonal to the state, three flags: held (a request is in the
 * group commit; nothing is read), shutting (our FINAL is queued and the
 * socket is being shut down after the queued replies) and finished (the
 * client's FINAL has arrived). The deadline timer runs in every state but
 * CLOSING: the handshake deadline until ESTABLISHED, then the idle one.
 *
 * One read buffer serves every connection of the pool: libuv hands each
 * read to its callback before it reads another socket, and bytes that the
 * connection cannot take yet (it is held) are copied out to it.
 */
#include "daemon/conn.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/channel.h"
#include "wire/frame.h"
#include "daemon/log.h"

#define CONN_READ_BUF (64u * 1024u)
#define CONN_WARN_MS  10000 /* between two warnings about the connection limit */

union conn_io {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
};

enum conn_state { CONN_WAITING, CONN_HANDSHAKE, CONN_ESTABLISHED, CONN_CLOSING };

struct conn {
	union conn_io io;
	uv_timer_t timer;
	uv_shutdown_t shutdown;
	struct conn_pool *pool;
	struct conn *next, *prev;           /* the pool's open connections */
	struct conn *wait_next, *wait_prev; /* the pool's WAITING queue */
	uint64_t id;
	enum conn_state state;
	int held, shutting, finished;
	int handles; /* handles not yet closed */
	unsigned refs;
	struct frame_decoder *dec;
	struct channel *ch;
	struct rpc_caller caller;
	uint8_t tried_key[CHANNEL_KEY_SIZE]; /* the key the lookup was asked about */
	int tried;
	uint8_t *pending; /* bytes read while held, not yet fed */
	size_t pending_len;
	void *data;
	char peer[64];
};

struct conn_write {
	uv_write_t req;
	struct conn *c;
	uint8_t *frame;
};

struct conn_pool {
	uv_loop_t *loop;
	const struct config *cfg;
	struct ledger_store *store;
	const struct note_skey *key;
	const struct conn_hooks *hooks;
	void *ctx;
	struct conn *head;
	struct conn *wait_head, *wait_tail;
	size_t count;       /* open connections */
	size_t handshaking; /* in HANDSHAKE */
	size_t live;        /* connection structs and reject handles not yet freed */
	uint64_t next_id;
	int stopping;
	uint64_t warned_ms; /* loop time of the last limit warning */
	struct conn_stats stats;
	/* A handle to accept-and-close with when no memory is left, so that
	 * the listener never stalls on an unaccepted connection. */
	union conn_io spare;
	int spare_busy;
	uint8_t rbuf[CONN_READ_BUF];
};

int conn_pool_new(struct conn_pool **out, uv_loop_t *loop, const struct config *cfg,
                  struct ledger_store *store, const struct note_skey *key,
                  const struct conn_hooks *hooks, void *ctx)
{
	struct conn_pool *p = calloc(1, sizeof *p);
	if (p == NULL)
		return SJ_ENOMEM;
	p->loop = loop;
	p->cfg = cfg;
	p->store = store;
	p->key = key;
	p->hooks = hooks;
	p->ctx = ctx;
	*out = p;
	return SJ_OK;
}

void conn_pool_free(struct conn_pool *p)
{
	if (p == NULL)
		return;
	/* Every handle was closed and the loop ran their close callbacks. */
	if (p->live != 0)
		log_error("internal error: %zu connections outlive their pool", p->live);
	free(p);
}

size_t conn_pool_count(const struct conn_pool *p)
{
	return p->count;
}

void conn_pool_stats(const struct conn_pool *p, struct conn_stats *out)
{
	*out = p->stats;
}

uint64_t conn_id(const struct conn *c)
{
	return c->id;
}

struct rpc_caller *conn_caller(struct conn *c)
{
	return &c->caller;
}

void conn_set_data(struct conn *c, void *data)
{
	c->data = data;
}

void *conn_data(const struct conn *c)
{
	return c->data;
}

int conn_is_open(const struct conn *c)
{
	return c->state != CONN_CLOSING;
}

static void conn_free(struct conn *c)
{
	c->pool->live--;
	free(c->pending);
	free(c);
}

void conn_ref(struct conn *c)
{
	c->refs++;
}

void conn_unref(struct conn *c)
{
	if (--c->refs == 0 && c->handles == 0)
		conn_free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->handles == 0 && c->refs == 0)
		conn_free(c);
}

static void wait_remove(struct conn_pool *p, struct conn *c)
{
	if (c->wait_prev)
		c->wait_prev->wait_next = c->wait_next;
	else
		p->wait_head = c->wait_next;
	if (c->wait_next)
		c->wait_next->wait_prev = c->wait_prev;
	else
		p->wait_tail = c->wait_prev;
	c->wait_next = c->wait_prev = NULL;
}

static void start_waiting(struct conn_pool *p);

void conn_close(struct conn *c, const char *why)
{
	struct conn_pool *p = c->pool;
	enum conn_state was = c->state;

	if (was == CONN_CLOSING)
		return;
	c->state = CONN_CLOSING;
	log_debug("conn %llu (%s) closed: %s", (unsigned long long)c->id, c->peer, why);
	if (was == CONN_WAITING)
		wait_remove(p, c);
	if (was == CONN_HANDSHAKE)
		p->handshaking--;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	p->count--;
	/* The secrets go now, not when the close callbacks come. */
	channel_free(c->ch);
	c->ch = NULL;
	frame_decoder_free(c->dec);
	c->dec = NULL;
	uv_close(&c->io.handle, on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
	p->hooks->closing(p->ctx, c);
	if (was == CONN_HANDSHAKE)
		start_waiting(p);
}

static void on_written(uv_write_t *req, int status)
{
	struct conn_write *w = (struct conn_write *)req;
	struct conn *c = w->c;

	free(w->frame);
	free(w);
	if (status < 0 && status != UV_ECANCELED)
		conn_close(c, uv_strerror(status));
}

/* Queues frame[0..len), which it takes over, for writing. */
static int write_frame(struct conn *c, uint8_t *frame, size_t len)
{
	struct conn_write *w = malloc(sizeof *w);
	uv_buf_t b;
	int e;

	if (w == NULL) {
		free(frame);
		conn_close(c, "out of memory");
		return SJ_ENOMEM;
	}
	w->c = c;
	w->frame = frame;
	b = uv_buf_init((char *)frame, (unsigned)len);
	e = uv_write(&w->req, &c->io.stream, &b, 1, on_written);
	if (e != 0) {
		free(frame);
		free(w);
		conn_close(c, uv_strerror(e));
		return SJ_EIO;
	}
	/* What libuv still holds is what the kernel would not take: the
	 * client is not reading its replies. */
	if (uv_stream_get_write_queue_size(&c->io.stream) > c->pool->cfg->max_write_queue) {
		c->pool->stats.slow_readers++;
		log_info("conn %llu (%s) closed: it leaves more than %u reply bytes unread",
		         (unsigned long long)c->id, c->peer, c->pool->cfg->max_write_queue);
		conn_close(c, "slow reader");
		return SJ_EIO;
	}
	return SJ_OK;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;
	(void)status;
	conn_close(c, "closed after FINAL");
}

static void on_timer(uv_timer_t *t);

/* Ends c gracefully: our FINAL after the replies already queued, then a
 * shutdown of the socket, which completes once they are written. */
static void finish(struct conn *c)
{
	uint8_t *frame = NULL;
	size_t len = 0;
	int e;

	if (c->shutting || c->state == CONN_CLOSING)
		return;
	c->shutting = 1;
	uv_read_stop(&c->io.stream);
	if (c->state != CONN_ESTABLISHED) {
		conn_close(c, "not established");
		return;
	}
	if (channel_close(c->ch, &frame, &len) != SJ_OK) {
		conn_close(c, "cannot seal FINAL");
		return;
	}
	if (write_frame(c, frame, len) != SJ_OK)
		return;
	c->shutdown.data = c;
	e = uv_shutdown(&c->shutdown, &c->io.stream, on_shutdown);
	if (e != 0) {
		conn_close(c, uv_strerror(e));
		return;
	}
	/* A client that never reads must not hold the shutdown forever. */
	uv_timer_start(&c->timer, on_timer, c->pool->cfg->idle_timeout_ms, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->state == CONN_ESTABLISHED && c->held && !c->shutting) {
		/* Its request is in the group commit: the deadline waits. */
		uv_timer_start(&c->timer, on_timer, c->pool->cfg->idle_timeout_ms, 0);
		return;
	}
	c->pool->stats.timed_out++;
	conn_close(c, c->state == CONN_ESTABLISHED
	                  ? (c->shutting ? "shutdown timeout" : "idle timeout")
	                  : "handshake timeout");
}

static void on_established(struct conn *c)
{
	struct conn_pool *p = c->pool;

	c->state = CONN_ESTABLISHED;
	p->handshaking--;
	p->stats.established++;
	/* config.c keeps max_frame within 1..FRAME_MAX: this cannot fail. */
	(void)frame_decoder_set_cap(c->dec, p->cfg->max_frame);
	uv_timer_start(&c->timer, on_timer, p->cfg->idle_timeout_ms, 0);
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char kid[17];
		log_key_id(kid, c->caller.key);
		log_debug("conn %llu (%s) established: key %s, agency %s, role %d",
		          (unsigned long long)c->id, c->peer, kid, c->caller.agency,
		          c->caller.role);
	}
	p->hooks->established(p->ctx, c);
	start_waiting(p);
}

static void on_frame(struct conn *c, const uint8_t *body, size_t len)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	int rc, fin = 0;

	if (c->state == CONN_HANDSHAKE) {
		rc = channel_handshake(c->ch, &out, &out_len, body, len);
		if (rc != SJ_OK) {
			c->pool->stats.handshake_failed++;
			if (rc == SJ_EPERM) {
				char kid[17];
				log_key_id(kid, c->tried_key);
				log_info("conn %llu (%s): client key %s is not registered or is "
				         "revoked",
				         (unsigned long long)c->id, c->peer, kid);
			}
			conn_close(c, rc == SJ_EPERM ? "client refused" : "handshake failed");
			return;
		}
		if (out != NULL && write_frame(c, out, out_len) != SJ_OK)
			return;
		if (channel_established(c->ch))
			on_established(c);
		return;
	}
	uv_timer_start(&c->timer, on_timer, c->pool->cfg->idle_timeout_ms, 0);
	rc = channel_open(c->ch, &out, &out_len, &fin, body, len);
	if (rc != SJ_OK) {
		conn_close(c, rc == SJ_EVERIFY ? "a frame did not authenticate" : "bad frame");
		return;
	}
	if (fin) {
		free(out);
		c->finished = 1;
		finish(c);
		return;
	}
	c->pool->hooks->request(c->pool->ctx, c, out, out_len);
	free(out);
}

/* Feeds data[0..n) frame by frame while c can take requests; keeps the
 * rest when it is held. */
static void feed(struct conn *c, const uint8_t *data, size_t n)
{
	while (n > 0 && c->state != CONN_CLOSING && !c->held && !c->finished && !c->shutting) {
		uint8_t *body = NULL;
		size_t blen = 0, used = 0;
		int rc = frame_decoder_feed(c->dec, &body, &blen, &used, data, n);

		data += used;
		n -= used;
		if (rc != SJ_OK) {
			conn_close(c, rc == SJ_ERANGE ? "frame above the cap" : "bad frame");
			return;
		}
		if (body == NULL)
			break;
		on_frame(c, body, blen);
		free(body);
	}
	if (n > 0 && c->state != CONN_CLOSING && c->held && !c->shutting) {
		/* Reading stopped when c was held, so nothing is kept yet. */
		c->pending = malloc(n);
		if (c->pending == NULL) {
			conn_close(c, "out of memory");
			return;
		}
		memcpy(c->pending, data, n);
		c->pending_len = n;
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)c->pool->rbuf, CONN_READ_BUF);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	if (nread == 0 || c->state == CONN_CLOSING)
		return;
	if (nread < 0) {
		conn_close(c, nread == UV_EOF ? "end of stream" : uv_strerror((int)nread));
		return;
	}
	feed(c, (const uint8_t *)buf->base, (size_t)nread);
}

void conn_hold(struct conn *c)
{
	c->held = 1;
	if (c->state != CONN_CLOSING)
		uv_read_stop(&c->io.stream);
}

void conn_release(struct conn *c)
{
	uint8_t *kept;
	size_t n;

	if (!c->held)
		return;
	c->held = 0;
	if (c->state == CONN_CLOSING || c->finished || c->shutting)
		return;
	if (c->pool->stopping) {
		finish(c);
		return;
	}
	kept = c->pending;
	n = c->pending_len;
	c->pending = NULL;
	c->pending_len = 0;
	if (kept != NULL) {
		feed(c, kept, n);
		free(kept);
	}
	if (c->state != CONN_CLOSING && !c->held && !c->finished && !c->shutting &&
	    uv_read_start(&c->io.stream, on_alloc, on_read) != 0)
		conn_close(c, "cannot read");
}

int conn_reply(struct conn *c, const uint8_t *msg, size_t len)
{
	uint8_t *frame = NULL;
	size_t flen = 0;
	int rc;

	if (c->state != CONN_ESTABLISHED || c->shutting)
		return SJ_EIO;
	rc = channel_seal(c->ch, &frame, &flen, msg, len);
	if (rc != SJ_OK) {
		conn_close(c, "cannot seal a reply");
		return rc;
	}
	return write_frame(c, frame, flen);
}

/* The admission decision: the ledger says whether the key may act now. */
static int conn_lookup(void *ctx, const uint8_t pk[CHANNEL_KEY_SIZE])
{
	struct conn *c = ctx;

	memcpy(c->tried_key, pk, CHANNEL_KEY_SIZE);
	c->tried = 1;
	return rpc_caller_lookup(c->pool->store, pk, &c->caller) == SJ_OK ? 0 : -1;
}

static void start_handshake(struct conn *c)
{
	c->state = CONN_HANDSHAKE;
	c->pool->handshaking++;
	if (uv_read_start(&c->io.stream, on_alloc, on_read) != 0)
		conn_close(c, "cannot read");
}

static void start_waiting(struct conn_pool *p)
{
	while (!p->stopping && p->wait_head != NULL && p->handshaking < p->cfg->max_handshakes) {
		struct conn *c = p->wait_head;
		wait_remove(p, c);
		start_handshake(c);
	}
}

static void on_reject_closed(uv_handle_t *h)
{
	struct conn_pool *p = h->data;

	p->live--;
	if ((union conn_io *)(void *)h == &p->spare)
		p->spare_busy = 0;
	else
		free(h);
}

static int io_init(struct conn_pool *p, union conn_io *io, const uv_stream_t *listener)
{
	if (listener->type == UV_TCP)
		return uv_tcp_init(p->loop, &io->tcp);
	return uv_pipe_init(p->loop, &io->pipe, 0);
}

/* Accepts the pending connection and closes it at once. */
static void reject(struct conn_pool *p, uv_stream_t *listener)
{
	union conn_io *io = malloc(sizeof *io);

	if (io == NULL) {
		if (p->spare_busy) {
			log_error("cannot accept a connection: out of memory");
			return;
		}
		io = &p->spare;
		p->spare_busy = 1;
	}
	io_init(p, io, listener);
	io->handle.data = p;
	p->live++;
	(void)uv_accept(listener, &io->stream);
	uv_close(&io->handle, on_reject_closed);
}

static void peer_name(struct conn *c)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN] = "?";
	int len = sizeof ss;
	unsigned port = 0;

	if (c->io.handle.type != UV_TCP) {
		snprintf(c->peer, sizeof c->peer, "unix");
		return;
	}
	if (uv_tcp_getpeername(&c->io.tcp, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
	}
	snprintf(c->peer, sizeof c->peer, "%s:%u", host, port);
}

void conn_accept(struct conn_pool *p, uv_stream_t *listener)
{
	struct conn *c;

	if (p->stopping || p->count >= p->cfg->max_connections) {
		if (!p->stopping) {
			uint64_t now = uv_now(p->loop);
			p->stats.over_limit++;
			/* Once per CONN_WARN_MS at most: a flood must not flood
			 * the log too. */
			if (p->warned_ms == 0 || now - p->warned_ms >= CONN_WARN_MS) {
				p->warned_ms = now;
				log_warn("max_connections (%u) reached: closing new connections "
				         "(%llu so far)",
				         p->cfg->max_connections,
				         (unsigned long long)p->stats.over_limit);
			}
		}
		reject(p, listener);
		return;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		reject(p, listener);
		return;
	}
	c->pool = p;
	c->id = ++p->next_id;
	c->state = CONN_WAITING;
	io_init(p, &c->io, listener);
	uv_timer_init(p->loop, &c->timer);
	c->io.handle.data = c;
	c->timer.data = c;
	c->handles = 2;
	p->live++;
	c->next = p->head;
	if (p->head)
		p->head->prev = c;
	p->head = c;
	p->count++;
	/* Queued first, so that conn_close finds it wherever it fails. */
	c->wait_prev = p->wait_tail;
	if (p->wait_tail)
		p->wait_tail->wait_next = c;
	else
		p->wait_head = c;
	p->wait_tail = c;
	snprintf(c->peer, sizeof c->peer, "?");
	if (uv_accept(listener, &c->io.stream) != 0) {
		conn_close(c, "accept failed");
		return;
	}
	p->stats.accepted++;
	peer_name(c);
	if (c->io.handle.type == UV_TCP)
		uv_tcp_nodelay(&c->io.tcp, 1);
	if (frame_decoder_new(&c->dec, CHANNEL_HANDSHAKE_MAX) != SJ_OK ||
	    channel_server_new(&c->ch, conn_lookup, c, p->key) != SJ_OK) {
		conn_close(c, "out of memory");
		return;
	}
	uv_timer_start(&c->timer, on_timer, p->cfg->handshake_timeout_ms, 0);
	log_debug("conn %llu (%s) accepted", (unsigned long long)c->id, c->peer);
	start_waiting(p);
}

void conn_pool_stop(struct conn_pool *p, int graceful)
{
	struct conn *c, *next;

	p->stopping = 1;
	for (c = p->head; c != NULL; c = next) {
		next = c->next;
		if (!graceful || c->state != CONN_ESTABLISHED)
			conn_close(c, "daemon stopping");
		else if (c->held)
			uv_read_stop(&c->io.stream); /* finished on release */
		else
			finish(c);
	}
}
