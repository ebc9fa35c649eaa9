/*
 * server.c: the daemon's loop, listeners, request dispatch, rate limits and
 * group commit (server.h).
 *
 * Shutdown order, whatever started it (a signal, or a failure while
 * starting): close the listeners and signal handles; stop the connections
 * (nothing more is read; held ones finish after their reply); append and
 * answer what is queued; close the commit handle; give the replies
 * SERVER_GRACE_MS to drain, then close what is left. Every handle is
 * initialised before anything can fail, so this one path closes them all,
 * and uv_loop_close() must then succeed.
 *
 * Draws. A draw request in the queue is committed at the flush point like
 * any mutation, in the order received, but on its own: drawop_commit_request seals
 * and fsyncs the seed and then appends request and commitment in one
 * transaction, so its reply too is written only once both are durable.
 * The reveal is the daemon's own business (daemon/reveal.h).
 */
#include "daemon/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "beacon/fetch.h"
#include "beacon/round.h"
#include "common/hmap.h"
#include "common/util.h"
#include "daemon/autockpt.h"
#include "daemon/autopush.h"
#include "daemon/conn.h"
#include "daemon/drawop.h"
#include "daemon/log.h"
#include "daemon/reveal.h"
#include "daemon/rpc.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "ledger/keyfile.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "proto/rpc.pb-c.h"
#include "rules/draws.h"
#include "rules/storeops.h"

#define ERRLEN 1024

/* A mutation waiting for the group commit. */
struct pending {
	struct pending *next;
	struct conn *c; /* referenced until the reply is written */
	struct rpc_outcome o;
	int rc;
	uint64_t seq;
	char err[512];
};

/* A client key's token bucket, shared by all its connections. Buckets are
 * kept until the daemon stops: only registered keys get one, so there are
 * at most as many as the ledger has clients. */
struct bucket {
	uint8_t key[32];
	double tokens;
	uint64_t last_ms;
};

struct server_stats {
	uint64_t requests;
	uint64_t rate_limited;
	uint64_t appended;
	uint64_t commits;
	uint64_t refused;
	uint64_t draws_committed;
};

struct server {
	uv_loop_t loop;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
	uv_signal_t sigint, sigterm;
	uv_check_t commit;
	uv_timer_t grace;
	const struct config *cfg;
	struct ledger_store *store;
	struct note_skey *key;
	struct conn_pool *pool;
	struct pending *queue, **queue_tail;
	size_t queued;
	struct bucket **buckets; /* in the order keys first connected */
	size_t nbuckets, bucket_cap;
	struct hmap bucket_index; /* a key in hex → its position in buckets */
	int stopping;
	int unix_bound;
	struct server_stats stats;
	struct reveal *reveal; /* the automatic reveal (daemon/reveal.h) */
	struct autockpt *ckpt; /* automatic checkpoints (daemon/autockpt.h) */
	struct autopush *push; /* ...pushed to the witnesses (daemon/autopush.h) */
};

static const char *code_name(int code)
{
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value(&suiji__rpc__code__descriptor, code);
	return v ? v->name + 5 : "?"; /* "CODE_OK" → "OK" */
}

/* --- rate limits --- */

/* The bucket of a client key, made on its first connection. The buckets
 * are allocated one by one (a connection keeps a pointer to its own) and
 * found through the project's one hash table, keyed by the key in hex. */
static struct bucket *bucket_get(struct server *sv, const uint8_t key[32])
{
	char hex[2 * 32 + 1];
	struct bucket *b;
	long at;

	util_hex(hex, key, 32);
	if ((at = hmap_get(&sv->bucket_index, hex)) >= 0)
		return sv->buckets[at];
	if (util_grow((void **)&sv->buckets, &sv->bucket_cap, sv->nbuckets, sizeof *sv->buckets) !=
	    SJ_OK)
		return NULL;
	if ((b = calloc(1, sizeof *b)) == NULL)
		return NULL;
	if (hmap_put(&sv->bucket_index, hex, sv->nbuckets) != SJ_OK) {
		free(b);
		return NULL;
	}
	memcpy(b->key, key, 32);
	b->tokens = sv->cfg->rate_burst;
	b->last_ms = uv_now(&sv->loop);
	sv->buckets[sv->nbuckets++] = b;
	return b;
}

static void buckets_free(struct server *sv)
{
	for (size_t i = 0; i < sv->nbuckets; i++)
		free(sv->buckets[i]);
	free(sv->buckets);
	sv->buckets = NULL;
	sv->nbuckets = sv->bucket_cap = 0;
	hmap_clear(&sv->bucket_index);
}

/* Takes one token from b; 0 when the bucket is empty. */
static int bucket_take(struct server *sv, struct bucket *b)
{
	uint64_t now = uv_now(&sv->loop);

	if (sv->cfg->rate_per_sec == 0)
		return 1;
	b->tokens += (double)(now - b->last_ms) * sv->cfg->rate_per_sec / 1000.0;
	if (b->tokens > sv->cfg->rate_burst)
		b->tokens = sv->cfg->rate_burst;
	b->last_ms = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

/* --- replies --- */

static void send_outcome(struct conn *c, const struct rpc_outcome *o)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (!conn_is_open(c))
		return;
	if (rpc_outcome_encode(o, &buf, &len) != SJ_OK) {
		conn_close(c, "out of memory encoding a reply");
		return;
	}
	(void)conn_reply(c, buf, len); /* a failure has closed c */
	free(buf);
}

static void log_request(const struct conn *c, const struct rpc_caller *caller,
                        const struct rpc_outcome *o, int level)
{
	char kid[17];

	if (!log_enabled(level))
		return;
	log_key_id(kid, caller->key);
	log_msg(level, "conn %llu key %s req %llu %s: %s", (unsigned long long)conn_id(c), kid,
	        (unsigned long long)o->id, o->method_name ? o->method_name : "-",
	        code_name(o->code));
}

/* Answers msg with code and message without running it (the rate limit):
 * the request id is echoed when msg decodes. */
static void reply_code(struct conn *c, const uint8_t *msg, size_t len, int code,
                       const char *message)
{
	Suiji__Rpc__Request *q = suiji__rpc__request__unpack(NULL, len, msg);
	struct rpc_outcome o;

	memset(&o, 0, sizeof o);
	if (q != NULL) {
		o.id = q->id;
		o.method_name = rpc_method_name(q->method);
		suiji__rpc__request__free_unpacked(q, NULL);
	}
	o.code = code;
	snprintf(o.message, sizeof o.message, "%s", message);
	send_outcome(c, &o);
	log_request(c, conn_caller(c), &o, LOG_LEVEL_DEBUG);
}

/* --- group commit --- */

static int is_refusal(int rc)
{
	return rc == SJ_EVERIFY || rc == SJ_EINVAL || rc == SJ_EPERM;
}

/* Appends a[0..n) in one commit; a batch refused for one request's sake is
 * split in halves, recursively, which gives each request the result it
 * would have had appended alone, in order. */
static void commit_range(struct server *sv, struct pending **v, const struct ledger_append *a,
                         size_t n)
{
	char err[512];
	uint64_t seq = 0;
	int rc;

	err[0] = '\0';
	rc = ledger_store_append(sv->store, a, n, &seq, err, sizeof err);
	if (rc == SJ_OK) {
		sv->stats.commits++;
		sv->stats.appended += n;
		autockpt_kick(sv->ckpt);
		log_debug("commit: %zu entries in one batch, seq %llu..%llu", n,
		          (unsigned long long)seq, (unsigned long long)(seq + n - 1));
		for (size_t i = 0; i < n; i++) {
			v[i]->rc = SJ_OK;
			v[i]->seq = seq + i;
		}
		return;
	}
	if (n > 1 && is_refusal(rc)) {
		size_t half = n / 2;
		log_debug("commit: a batch of %zu was refused for one request; committing it in "
		          "halves",
		          n);
		commit_range(sv, v, a, half);
		commit_range(sv, v + half, a + half, n - half);
		return;
	}
	if (is_refusal(rc)) {
		/* Alone in its batch: the rules' own reason, without the
		 * store's batch index, which says nothing to the client. */
		const char *why = ledger_store_refusal(sv->store, NULL);
		if (why == NULL)
			why = err;
		sv->stats.refused++;
		snprintf(v[0]->err, sizeof v[0]->err, "%s", why);
		v[0]->rc = rc;
		return;
	}
	log_error("append of %zu entries failed: %s", n, err[0] ? err : sj_strerror(rc));
	for (size_t i = 0; i < n; i++) {
		v[i]->rc = rc;
		/* A ledger that stopped verifying says why (which entry, which
		 * rule): it is about the ledger, not about the request. */
		snprintf(v[i]->err, sizeof v[i]->err, "the ledger cannot append now: %.400s",
		         rc == SJ_ECORRUPT && err[0] ? err : sj_strerror(rc));
	}
}

/* Commits one queued draw request: the seed is sealed and durable, then
 * request and commitment are appended together (drawop.h). */
static void commit_draw(struct server *sv, struct pending *p)
{
	char err[512];
	uint64_t seq = 0;
	int rc;

	err[0] = '\0';
	if (p->o.refused) /* refused at the front door; its reason is in p->o.draw */
		rc = p->o.refused;
	else
		rc = drawop_commit_request(sv->store, sv->cfg->data_dir, p->o.draw,
		                           p->o.entry.payload, p->o.entry.payload_len,
		                           p->o.entry.agency, p->o.entry.actor, p->o.entry.sig,
		                           p->o.entry.counter, &seq, err, sizeof err);
	p->rc = rc;
	p->seq = seq;
	if (rc == SJ_OK) {
		sv->stats.commits++;
		sv->stats.appended += 2;
		sv->stats.draws_committed++;
		autockpt_kick(sv->ckpt);
	} else if (is_refusal(rc)) {
		sv->stats.refused++;
	} else {
		log_error("a draw request could not be committed: %s", err);
	}
	rpc_outcome_drawn(&p->o, sv->store, rc, seq, err);
}

static void complete(struct pending *p)
{
	struct conn *c = p->c;

	if (p->o.append)
		rpc_outcome_appended(&p->o, p->rc, p->seq, p->err);
	send_outcome(c, &p->o);
	if (log_enabled(LOG_LEVEL_INFO)) {
		char kid[17];
		log_key_id(kid, conn_caller(c)->key);
		if (p->rc == SJ_OK)
			log_info("conn %llu key %s agency %s req %llu %s: entry %llu",
			         (unsigned long long)conn_id(c), kid, conn_caller(c)->agency,
			         (unsigned long long)p->o.id, p->o.method_name,
			         (unsigned long long)p->seq);
		else
			log_info("conn %llu key %s agency %s req %llu %s: %s",
			         (unsigned long long)conn_id(c), kid, conn_caller(c)->agency,
			         (unsigned long long)p->o.id, p->o.method_name,
			         code_name(p->o.code));
	}
	conn_release(c);
	conn_unref(c);
	rpc_outcome_fini(&p->o);
	free(p);
}

/* Commits everything queued, in the order received: each run of plain
 * entries in one batch, each draw request on its own between them; then
 * answers. Requests that the answered connections had already sent are
 * handled from conn_release and may queue more, which the next round
 * commits. */
static void flush(struct server *sv)
{
	while (sv->queue != NULL) {
		struct pending *list = sv->queue, *p, *next;
		size_t n = sv->queued, i = 0, start = 0;
		struct pending **v = malloc(n * sizeof *v);
		struct ledger_append *a = malloc(n * sizeof *a);

		sv->queue = NULL;
		sv->queue_tail = &sv->queue;
		sv->queued = 0;
		if (v == NULL || a == NULL) {
			for (p = list; p != NULL; p = p->next) {
				p->rc = SJ_ENOMEM;
				snprintf(p->err, sizeof p->err, "out of memory");
				if (p->o.draw)
					rpc_outcome_drawn(&p->o, sv->store, p->rc, 0, p->err);
			}
		} else {
			for (p = list; p != NULL; p = p->next) {
				if (!p->o.draw) {
					v[i] = p;
					a[i] = p->o.entry;
					i++;
					continue;
				}
				if (i > start)
					commit_range(sv, v + start, a + start, i - start);
				start = i;
				commit_draw(sv, p);
			}
			if (i > start)
				commit_range(sv, v + start, a + start, i - start);
		}
		free(v);
		free(a);
		for (p = list; p != NULL; p = next) {
			next = p->next;
			complete(p);
		}
	}
	if (!sv->stopping)
		uv_check_stop(&sv->commit);
}

static void on_commit(uv_check_t *h)
{
	flush(h->data);
}

/* --- connection hooks --- */

static void on_established(void *ctx, struct conn *c)
{
	struct server *sv = ctx;
	struct bucket *b = bucket_get(sv, conn_caller(c)->key);

	if (b == NULL) {
		conn_close(c, "out of memory");
		return;
	}
	conn_set_data(c, b);
}

static void on_request(void *ctx, struct conn *c, const uint8_t *msg, size_t len)
{
	struct server *sv = ctx;
	struct rpc_caller *caller = conn_caller(c);
	uint8_t key[32];
	struct pending *p;

	sv->stats.requests++;
	if (sv->stopping) {
		conn_close(c, "daemon stopping");
		return;
	}
	/* A key revoked since the handshake acts no more, from its very
	 * next request. */
	memcpy(key, caller->key, sizeof key);
	if (rpc_caller_lookup(sv->store, key, caller) != SJ_OK) {
		char kid[17];
		log_key_id(kid, key);
		log_info("conn %llu key %s: revoked; closing", (unsigned long long)conn_id(c), kid);
		conn_close(c, "client key revoked");
		return;
	}
	if (!bucket_take(sv, conn_data(c))) {
		char m[128];
		sv->stats.rate_limited++;
		snprintf(m, sizeof m, "rate limit: at most %u requests per second, %u at once",
		         sv->cfg->rate_per_sec, sv->cfg->rate_burst);
		reply_code(c, msg, len, SUIJI__RPC__CODE__CODE_RATE_LIMITED, m);
		return;
	}
	/* rpc_handle writes the outcome in place: the entry it prepares
	 * points into the outcome, so the outcome must not move after. */
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		reply_code(c, msg, len, SUIJI__RPC__CODE__CODE_UNAVAILABLE, "out of memory");
		return;
	}
	rpc_handle(sv->store, caller, msg, len, &p->o);
	if (!p->o.append) {
		send_outcome(c, &p->o);
		log_request(c, caller, &p->o, LOG_LEVEL_DEBUG);
		rpc_outcome_fini(&p->o);
		free(p);
		return;
	}
	p->c = c;
	conn_ref(c);
	conn_hold(c);
	*sv->queue_tail = p;
	sv->queue_tail = &p->next;
	if (sv->queued++ == 0)
		uv_check_start(&sv->commit, on_commit);
}

static void on_conn_closing(void *ctx, struct conn *c)
{
	struct server *sv = ctx;
	(void)c;
	if (sv->stopping && conn_pool_count(sv->pool) == 0 &&
	    !uv_is_closing((uv_handle_t *)&sv->grace))
		uv_close((uv_handle_t *)&sv->grace, NULL);
}

static const struct conn_hooks server_hooks = {
    .established = on_established,
    .request = on_request,
    .closing = on_conn_closing,
};

/* --- start and stop --- */

static void on_grace(uv_timer_t *t)
{
	struct server *sv = t->data;
	log_warn("replies did not drain in %d ms: closing %zu connections", SERVER_GRACE_MS,
	         conn_pool_count(sv->pool));
	conn_pool_stop(sv->pool, 0);
	if (!uv_is_closing((uv_handle_t *)&sv->grace))
		uv_close((uv_handle_t *)&sv->grace, NULL);
}

static void stop(struct server *sv, const char *why)
{
	if (sv->stopping)
		return;
	sv->stopping = 1;
	log_info("stopping: %s", why);
	uv_close((uv_handle_t *)&sv->tcp, NULL);
	uv_close((uv_handle_t *)&sv->pipe, NULL);
	uv_close((uv_handle_t *)&sv->sigint, NULL);
	uv_close((uv_handle_t *)&sv->sigterm, NULL);
	/* Closing the handles gave the signals back their default action; a
	 * second signal must not kill a stop that is already under way (it
	 * lasts at most SERVER_GRACE_MS). */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (sv->pool != NULL)
		conn_pool_stop(sv->pool, 1);
	flush(sv);
	uv_close((uv_handle_t *)&sv->commit, NULL);
	reveal_stop(sv->reveal);
	autockpt_stop(sv->ckpt); /* its last checkpoint is still pushed */
	autopush_stop(sv->push);
	if (uv_is_closing((uv_handle_t *)&sv->grace))
		return;
	if (sv->pool != NULL && conn_pool_count(sv->pool) > 0)
		uv_timer_start(&sv->grace, on_grace, SERVER_GRACE_MS, 0);
	else
		uv_close((uv_handle_t *)&sv->grace, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	stop(h->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_connection(uv_stream_t *l, int status)
{
	struct server *sv = l->data;

	if (status != 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	conn_accept(sv->pool, l);
}

static int parse_tcp(struct sockaddr_storage *ss, const char *listen)
{
	const char *colon = strrchr(listen, ':');
	char host[64];
	size_t hl = colon ? (size_t)(colon - listen) : 0;
	int port;

	/* config.c has checked the form. */
	if (colon == NULL || hl == 0 || hl >= sizeof host)
		return SJ_EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	port = atoi(colon + 1);
	if (host[0] == '[') {
		host[hl - 1] = '\0';
		return uv_ip6_addr(host + 1, port, (struct sockaddr_in6 *)ss) == 0 ? SJ_OK
		                                                                   : SJ_EINVAL;
	}
	return uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0 ? SJ_OK : SJ_EINVAL;
}

static int backlog(const struct config *cfg)
{
	return cfg->max_connections < 128
	           ? 128
	           : (int)(cfg->max_connections < 4096 ? cfg->max_connections : 4096);
}

static int listen_tcp(struct server *sv, char *err, size_t err_cap)
{
	struct sockaddr_storage ss, bound;
	char host[INET6_ADDRSTRLEN];
	int len = sizeof bound, e;

	memset(&ss, 0, sizeof ss);
	if (parse_tcp(&ss, sv->cfg->listen_tcp) != SJ_OK) {
		snprintf(err, err_cap, "listen_tcp %s is not an address", sv->cfg->listen_tcp);
		return SJ_EINVAL;
	}
	e = uv_tcp_bind(&sv->tcp, (const struct sockaddr *)&ss, 0);
	if (e == 0)
		e = uv_listen((uv_stream_t *)&sv->tcp, backlog(sv->cfg), on_connection);
	if (e == 0)
		e = uv_tcp_getsockname(&sv->tcp, (struct sockaddr *)&bound, &len);
	if (e != 0) {
		snprintf(err, err_cap, "cannot listen on %s: %s", sv->cfg->listen_tcp,
		         uv_strerror(e));
		return e == UV_EADDRINUSE ? SJ_EEXIST : SJ_EIO;
	}
	if (bound.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&bound, host, sizeof host);
		printf("listening on tcp:[%s]:%d\n", host,
		       ntohs(((struct sockaddr_in6 *)&bound)->sin6_port));
	} else {
		uv_ip4_name((struct sockaddr_in *)&bound, host, sizeof host);
		printf("listening on tcp:%s:%d\n", host,
		       ntohs(((struct sockaddr_in *)&bound)->sin_port));
	}
	return SJ_OK;
}

/* A socket file left by a daemon that died is removed; one that a live
 * daemon answers on, or a file that is no socket, is not touched. */
static int clear_stale_socket(const char *path, char *err, size_t err_cap)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? SJ_OK : SJ_EIO;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_cap, "%s exists and is not a socket", path);
		return SJ_EEXIST;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SJ_EIO;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	if (rc == 0) {
		snprintf(err, err_cap, "another daemon is listening on %s", path);
		return SJ_EEXIST;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, err_cap, "cannot check %s: %s", path, strerror(errno));
		return SJ_EIO;
	}
	if (unlink(path) != 0) {
		snprintf(err, err_cap, "cannot remove the stale socket %s: %s", path,
		         strerror(errno));
		return SJ_EIO;
	}
	return SJ_OK;
}

static int listen_unix(struct server *sv, char *err, size_t err_cap)
{
	const char *path = sv->cfg->listen_unix;
	int rc, e;

	rc = clear_stale_socket(path, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	e = uv_pipe_bind(&sv->pipe, path);
	if (e == 0) {
		sv->unix_bound = 1;
		e = uv_listen((uv_stream_t *)&sv->pipe, backlog(sv->cfg), on_connection);
	}
	if (e != 0) {
		snprintf(err, err_cap, "cannot listen on %s: %s", path, uv_strerror(e));
		return SJ_EIO;
	}
	printf("listening on unix:%s\n", path);
	return SJ_OK;
}

/* Each connection is a descriptor: make room for max_connections. */
static void raise_fd_limit(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warn("only %llu file descriptors are allowed: fewer than max_connections %u "
		         "connections can be served",
		         (unsigned long long)rl.rlim_cur, cfg->max_connections);
}

static int dir_path(char *out, size_t cap, const char *dir, const char *name, char *err,
                    size_t err_cap)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, err_cap, "data directory path too long");
		return SJ_EINVAL;
	}
	return SJ_OK;
}

static int lock_dir(int *fd, const char *dir, char *err, size_t err_cap)
{
	char path[CONFIG_PATH_MAX + 32];
	int rc = dir_path(path, sizeof path, dir, SERVER_LOCK_FILE, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
		return errno == ENOENT ? SJ_ENOENT : SJ_EIO;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, err_cap, "another suijid is running on %s", dir);
		close(*fd);
		*fd = -1;
		return SJ_EEXIST;
	}
	return SJ_OK;
}

static int load_key(struct note_skey **key, const char *dir, int *created, char *err,
                    size_t err_cap)
{
	char path[CONFIG_PATH_MAX + 32];
	int rc = dir_path(path, sizeof path, dir, SERVER_KEY_FILE, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	return keyfile_load(key, path, SERVER_KEY_NAME, NOTE_TYPE_ED25519, 1, created, err,
	                    err_cap);
}

static int open_ledger(struct server *sv, char *err, size_t err_cap)
{
	char path[CONFIG_PATH_MAX + 32];
	int rc = dir_path(path, sizeof path, sv->cfg->data_dir, "ledger.db", err, err_cap);

	if (rc != SJ_OK)
		return rc;
	rc = storeops_open(&sv->store, path, 0, err, err_cap);
	if (rc == SJ_ENOENT)
		snprintf(err, err_cap, "no ledger in %s: run suijid init first", sv->cfg->data_dir);
	if (rc != SJ_OK)
		return rc;
	if (ledger_store_origin(sv->store) == NULL) {
		snprintf(err, err_cap, "the ledger in %s is not initialised: run suijid init",
		         sv->cfg->data_dir);
		return SJ_ENOENT;
	}
	if (ledger_store_broken(sv->store) != NULL) {
		log_error("the ledger does not verify: %s; serving reads only",
		          ledger_store_broken(sv->store));
		return SJ_OK;
	}
	/* Every entry the daemon appends carries the log's signature. */
	rc = dir_path(path, sizeof path, sv->cfg->data_dir, "log.key", err, err_cap);
	if (rc == SJ_OK)
		rc = ledger_store_load_signer(sv->store, path, err, err_cap);
	return rc;
}

/* Everything that can fail before the loop runs. */
static int start(struct server *sv, char *err, size_t err_cap)
{
	struct note_vkey vk;
	char vkey[NOTE_MAX_VKEY];
	int rc, created = 0, e;

	rc = open_ledger(sv, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = load_key(&sv->key, sv->cfg->data_dir, &created, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	note_skey_public(&vk, sv->key);
	if (note_vkey_format(vkey, sizeof vkey, vk.name, vk.type, vk.pk) == SJ_OK)
		log_info("%s daemon key%s: %s", created ? "created the" : "the",
		         created ? " (clients pin it)" : "", vkey);
	rc = conn_pool_new(&sv->pool, &sv->loop, sv->cfg, sv->store, sv->key, &server_hooks, sv);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "out of memory");
		return rc;
	}
	raise_fd_limit(sv->cfg);
	if (sv->cfg->listen_tcp[0] != '\0' && (rc = listen_tcp(sv, err, err_cap)) != SJ_OK)
		return rc;
	if (sv->cfg->listen_unix[0] != '\0' && (rc = listen_unix(sv, err, err_cap)) != SJ_OK)
		return rc;
	fflush(stdout);
	e = uv_signal_start(&sv->sigint, on_signal, SIGINT);
	if (e == 0)
		e = uv_signal_start(&sv->sigterm, on_signal, SIGTERM);
	if (e != 0) {
		snprintf(err, err_cap, "cannot handle signals: %s", uv_strerror(e));
		return SJ_EIO;
	}
	log_info("suijid %s serving %s (%llu entries)", SERVER_VERSION,
	         ledger_store_origin(sv->store), (unsigned long long)ledger_store_size(sv->store));
	reveal_start(sv->reveal, sv->store, sv->cfg->data_dir);
	/* Pushed as signed; a witness that missed one is retried at the pace of
	 * the idle poll. Without automatic checkpoints nothing is pushed here. */
	autopush_start(sv->push, sv->store, sv->cfg->witnesses, sv->cfg->n_witnesses,
	               (uint64_t)sv->cfg->checkpoint_delay_ms * AUTOCKPT_POLL_FACTOR);
	autockpt_on_signed(sv->ckpt, autopush_on_signed, sv->push);
	return autockpt_start(sv->ckpt, sv->store, sv->cfg->data_dir, sv->cfg->checkpoint_delay_ms,
	                      err, err_cap);
}

int server_run(const struct config *cfg, char *err, size_t err_cap)
{
	struct server *sv;
	struct conn_stats cs;
	int rc, e, lock_fd = -1;

	/* A client that goes away while we write must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	sv = calloc(1, sizeof *sv);
	if (sv == NULL)
		return SJ_ENOMEM;
	sv->cfg = cfg;
	sv->queue_tail = &sv->queue;
	rc = lock_dir(&lock_fd, cfg->data_dir, err, err_cap);
	if (rc != SJ_OK)
		goto free_sv;
	rc = reveal_new(&sv->reveal);
	if (rc == SJ_OK)
		rc = autockpt_new(&sv->ckpt);
	if (rc == SJ_OK)
		rc = autopush_new(&sv->push);
	if (rc != SJ_OK)
		goto unlock;
	e = uv_loop_init(&sv->loop);
	if (e != 0) {
		snprintf(err, err_cap, "cannot start the event loop: %s", uv_strerror(e));
		rc = SJ_EIO;
		goto unlock;
	}
	uv_tcp_init(&sv->loop, &sv->tcp);
	uv_pipe_init(&sv->loop, &sv->pipe, 0);
	uv_signal_init(&sv->loop, &sv->sigint);
	uv_signal_init(&sv->loop, &sv->sigterm);
	uv_check_init(&sv->loop, &sv->commit);
	uv_timer_init(&sv->loop, &sv->grace);
	reveal_init(sv->reveal, &sv->loop);
	autockpt_init(sv->ckpt, &sv->loop);
	autopush_init(sv->push, &sv->loop);
	sv->tcp.data = sv->pipe.data = sv->sigint.data = sv->sigterm.data = sv;
	sv->commit.data = sv->grace.data = sv;
	rc = start(sv, err, err_cap);
	if (rc != SJ_OK)
		stop(sv, "start-up failed");
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	e = uv_loop_close(&sv->loop);
	if (e != 0 && rc == SJ_OK) {
		snprintf(err, err_cap, "the event loop did not close: %s", uv_strerror(e));
		rc = SJ_EIO;
	}
	if (rc == SJ_OK) {
		conn_pool_stats(sv->pool, &cs);
		log_info("stopped: %llu connections (%llu authenticated, %llu refused over the "
		         "limit, %llu failed handshakes, %llu timed out, %llu slow readers); "
		         "%llu requests (%llu rate limited); %llu entries appended in %llu "
		         "commits, %llu refused; %llu draws committed, %llu revealed",
		         (unsigned long long)cs.accepted, (unsigned long long)cs.established,
		         (unsigned long long)cs.over_limit, (unsigned long long)cs.handshake_failed,
		         (unsigned long long)cs.timed_out, (unsigned long long)cs.slow_readers,
		         (unsigned long long)sv->stats.requests,
		         (unsigned long long)sv->stats.rate_limited,
		         (unsigned long long)(sv->stats.appended + reveal_count(sv->reveal)),
		         (unsigned long long)(sv->stats.commits + reveal_count(sv->reveal)),
		         (unsigned long long)sv->stats.refused,
		         (unsigned long long)sv->stats.draws_committed,
		         (unsigned long long)reveal_count(sv->reveal));
	}
	if (sv->unix_bound)
		unlink(cfg->listen_unix);
	conn_pool_free(sv->pool);
	buckets_free(sv);
	note_skey_free(sv->key);
	ledger_store_close(sv->store);
unlock:
	reveal_free(sv->reveal);
	autockpt_free(sv->ckpt);
	autopush_free(sv->push);
	close(lock_fd);
free_sv:
	free(sv);
	return rc;
}

int server_cmd_run(const char *dir, const char *config_path)
{
	struct config cfg;
	char path[CONFIG_PATH_MAX + 32], err[ERRLEN];
	int rc;

	config_defaults(&cfg, dir);
	if (config_path != NULL) {
		rc = config_load(&cfg, config_path, 1, err, sizeof err);
	} else {
		rc = dir_path(path, sizeof path, dir, CONFIG_FILE_NAME, err, sizeof err);
		if (rc == SJ_OK)
			rc = config_load(&cfg, path, 0, err, sizeof err);
	}
	if (rc == SJ_OK)
		rc = config_finish(&cfg, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	log_open(cfg.log_level, cfg.log_syslog);
	rc = server_run(&cfg, err, sizeof err);
	if (rc != SJ_OK) {
		log_error("%s", err);
		if (cfg.log_syslog)
			fprintf(stderr, "suijid: %s\n", err);
	}
	log_close();
	return rc == SJ_OK ? 0 : 2;
}

int server_cmd_daemon_key(const char *dir)
{
	struct note_skey *key = NULL;
	struct note_vkey vk;
	char vkey[NOTE_MAX_VKEY], err[ERRLEN];
	int created = 0;

	if (load_key(&key, dir, &created, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	note_skey_public(&vk, key);
	note_skey_free(key);
	if (created)
		fprintf(stderr, "suijid: created the daemon key %s/%s (mode 0600)\n", dir,
		        SERVER_KEY_FILE);
	if (note_vkey_format(vkey, sizeof vkey, vk.name, vk.type, vk.pk) != SJ_OK)
		return 2;
	printf("%s\n", vkey);
	return 0;
}
