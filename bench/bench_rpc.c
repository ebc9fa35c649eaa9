/*
 * bench_rpc.c: read-RPC load on a real `suijid run`.
 *
 * The program builds a small ledger in a mkdtemp directory (log-init, one
 * agency, BENCH_CLIENTS registered operator keys), writes a config that
 * listens on 127.0.0.1 with a free port and no rate limit, starts the
 * suijid found beside this program (or at $SUIJID), and connects
 * BENCH_CLIENTS clients, each with its own key, over the real channel.
 * Then, on one thread with epoll:
 *
 *   1. closed loop: every client sends STATUS, waits for the reply, sends
 *      the next; requests per second and the latency percentiles over
 *      BENCH_SECONDS after a warm-up. With one request in flight per
 *      client, latency here is about clients / rate (Little's law).
 *   2. paced: the clients together send BENCH_TARGET_RATE requests per
 *      second on a fixed schedule; a request's latency is counted from
 *      the moment it was due, not from when it went out, so a daemon that
 *      falls behind is not flattered (no coordinated omission).
 *
 *   3. draw requests end to end, excluding the wait for the beacon round:
 *      BENCH_DRAWS signed DRAW_REQUEST calls (a 20-object pool, teams of
 *      two), each timed from sending it to the commitment reply, that is,
 *      through the feasibility check, the sealed seed's fsyncs and the
 *      append of request and commitment. The beacon source registered for
 *      them has its first round a day away, so nothing waits for a round
 *      and the daemon reveals none of them while the bench runs. Once with
 *      one request in flight (latency), once with BENCH_DRAW_CLIENTS
 *      clients at once (draws are committed one at a time, so this shows
 *      the queue).
 *
 * Targets (2 cores, loopback, load generator included): at least
 * 20,000 requests per second, p99 at most 5 ms. A missed target is
 * reported, not a failure; the program exits 1 only when something does
 * not work (a reply that is not OK, a daemon that does not start or does
 * not stop cleanly).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "beacon/round.h"
#include "common/util.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "proto/draw.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/storeops.h"
#include "wire/channel.h"
#include "wire/frame.h"

#define BENCH_CLIENTS      100
#define BENCH_WARMUP       0.5     /* seconds before each measurement */
#define BENCH_SECONDS      3.0     /* each measurement */
#define BENCH_TARGET_RATE  20000.0 /* requests per second */
#define BENCH_TARGET_P99   5.0     /* milliseconds */
#define BENCH_ORIGIN       "bench.suiji.example/rpc"
#define BENCH_MAX_SAMPLES  2000000
#define BENCH_DRAWS        200 /* draw requests per measurement */
#define BENCH_DRAW_CLIENTS 16  /* clients at once in the concurrent draw run */
#define BENCH_BEACON       "bench-beacon"

struct client {
	int fd;
	struct channel *ch;
	struct frame_decoder *dec;
	struct note_skey *key;
	int busy;         /* a request is in flight */
	int64_t due_ns;   /* when the request in flight was due (paced) or sent */
	int backlog;      /* paced requests that fell due while busy */
	int64_t late_due; /* when the oldest of them fell due */
	uint8_t in[16384];
};

static struct {
	char dir[512];
	pid_t pid;
	int port;
	uint8_t daemon_pk[32];
	struct client c[BENCH_CLIENTS];
	uint8_t *request; /* one packed STATUS Request, sent by everyone */
	size_t request_len;
	uint8_t *draws[2 * BENCH_DRAWS]; /* packed, signed DRAW_REQUEST Requests */
	size_t draws_len[2 * BENCH_DRAWS];
	double *lat; /* latencies of the current measurement, ms */
	size_t nlat;
	int recording;
	uint64_t done, errors;
} b;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int die(const char *fmt, ...)
{
	va_list ap;
	fputs("suiji-bench-rpc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* --- the ledger and the daemon --- */

static int append_unsigned(struct ledger_store *s, uint32_t type, const uint8_t *p, size_t len)
{
	struct ledger_append a = {.type = type, .agency = "", .payload = p, .payload_len = len};
	char err[512];
	if (ledger_store_append(s, &a, 1, NULL, err, sizeof err) != SJ_OK)
		return die("append: %s", err);
	return 0;
}

static int build_ledger(void)
{
	Suiji__AgencyRegister ag = SUIJI__AGENCY_REGISTER__INIT;
	struct ledger_store *s = NULL;
	struct note_skey *log_key = NULL;
	char path[700], err[512];
	uint8_t buf[512];
	int rc = -1;

	/* The log key in the data directory, where the daemon takes it from
	 * to sign every entry it appends. */
	snprintf(path, sizeof path, "%s/log.key", b.dir);
	if (keyfile_load(&log_key, path, BENCH_ORIGIN, NOTE_TYPE_ED25519, 1, NULL, err,
	                 sizeof err) != SJ_OK) {
		die("cannot create the log key: %s", err);
		goto out;
	}
	snprintf(path, sizeof path, "%s/ledger.db", b.dir);
	if (storeops_open(&s, path, LEDGER_STORE_CREATE, err, sizeof err) != SJ_OK ||
	    ledger_store_init_log(s, BENCH_ORIGIN, "rpc bench", log_key, err, sizeof err) !=
	        SJ_OK) {
		die("cannot create the ledger: %s", err);
		goto out;
	}
	ag.code = (char *)"sfj";
	ag.name = (char *)"司法局";
	ag.parent = (char *)"";
	if (append_unsigned(s, ENTRY_AGENCY_REGISTER, buf, suiji__agency_register__pack(&ag, buf)))
		goto out;
	for (int i = 0; i < BENCH_CLIENTS; i++) {
		Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
		struct note_vkey vk;
		char name[32];
		snprintf(name, sizeof name, "bench%d", i);
		if (note_skey_generate(&b.c[i].key, name, NOTE_TYPE_ED25519) != SJ_OK)
			goto out;
		note_skey_public(&vk, b.c[i].key);
		cr.public_key.data = vk.pk;
		cr.public_key.len = 32;
		cr.agency = (char *)"sfj";
		cr.role = SUIJI__ROLE__ROLE_OPERATOR;
		cr.name = name;
		if (append_unsigned(s, ENTRY_CLIENT_REGISTER, buf,
		                    suiji__client_register__pack(&cr, buf)))
			goto out;
	}
	{
		/* A beacon whose first round is a day away: draws may name it,
		 * and none of them becomes due while the bench runs. */
		Suiji__BeaconAdd ba = SUIJI__BEACON_ADD__INIT;
		struct beacon_chain chain;
		uint8_t pk[32], sk[64], bb[BEACON_MAX_JSON + 256];
		char json[BEACON_MAX_JSON + 1];
		size_t jl;
		crypto_sign_keypair(pk, sk);
		sodium_memzero(sk, sizeof sk);
		if (beacon_chain_init_suiji(&chain, pk, util_now_us() / 1000000 + 86400, 1) !=
		        SJ_OK ||
		    beacon_chain_format(json, sizeof json, &jl, &chain) != SJ_OK)
			goto out;
		ba.id = (char *)BENCH_BEACON;
		ba.chain = json;
		ba.margin_us = 2000000;
		ba.url = (char *)"http://127.0.0.1:9";
		ba.note = (char *)"far in the future";
		if (append_unsigned(s, ENTRY_BEACON_ADD, bb, suiji__beacon_add__pack(&ba, bb)))
			goto out;
	}
	rc = 0;
out:
	ledger_store_close(s);
	note_skey_free(log_key);
	return rc;
}

static int start_daemon(const char *self)
{
	char conf[700], bin[700], copy[700], line[256];
	const char *env = getenv("SUIJID");
	struct note_skey *k = NULL;
	struct note_vkey vk;
	char err[512];
	int pipefd[2];
	FILE *f;

	snprintf(conf, sizeof conf, "%s/daemon.key", b.dir);
	if (keyfile_load(&k, conf, "suijid", NOTE_TYPE_ED25519, 1, NULL, err, sizeof err) != SJ_OK)
		return die("%s", err);
	note_skey_public(&vk, k);
	note_skey_free(k);
	memcpy(b.daemon_pk, vk.pk, 32);
	snprintf(conf, sizeof conf, "%s/suijid.conf", b.dir);
	f = fopen(conf, "w");
	if (f == NULL)
		return die("cannot write %s", conf);
	fprintf(f, "listen_tcp = 127.0.0.1:0\nlisten_unix = off\nrate_per_sec = 0\n"
	           "log_level = warn\nmax_connections = 1024\nmax_handshakes = 128\n");
	fclose(f);
	snprintf(copy, sizeof copy, "%s", self);
	if (env != NULL)
		snprintf(bin, sizeof bin, "%s", env);
	else
		snprintf(bin, sizeof bin, "%s/suijid", dirname(copy));
	if (access(bin, X_OK) != 0)
		return die("no suijid at %s (build it, or set SUIJID)", bin);
	if (pipe(pipefd) != 0)
		return die("pipe: %s", strerror(errno));
	b.pid = fork();
	if (b.pid < 0)
		return die("fork: %s", strerror(errno));
	if (b.pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(bin, "suijid", "-d", b.dir, "run", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "listening on tcp:127.0.0.1:%d", &b.port) == 1)
			break;
	if (f != NULL)
		fclose(f);
	if (b.port <= 0)
		return die("suijid did not start (%s)", bin);
	return 0;
}

static int stop_daemon(void)
{
	int st = 0;
	if (b.pid <= 0)
		return 0;
	kill(b.pid, SIGTERM);
	if (waitpid(b.pid, &st, 0) != b.pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return die("suijid did not stop cleanly (status %d)", st);
	b.pid = 0;
	return 0;
}

static void remove_dir(void)
{
	static const char *const names[] = {"ledger.db",  "ledger.db-wal", "ledger.db-shm",
	                                    "daemon.key", "suijid.conf",   "suijid.lock",
	                                    "seed.key"};
	char p[1400], sd[700];
	struct dirent *e;
	DIR *d;

	/* The sealed seeds of the draws, never revealed. */
	snprintf(sd, sizeof sd, "%s/seeds", b.dir);
	if ((d = opendir(sd)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof p, "%s/%s", sd, e->d_name);
			unlink(p);
		}
		closedir(d);
		rmdir(sd);
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", b.dir, names[i]);
		unlink(p);
	}
	rmdir(b.dir);
}

/* --- clients --- */

static int send_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			continue; /* tiny frames: the socket buffer is never full for long */
		} else {
			return -1;
		}
	}
	return 0;
}

/* Reads until one frame is complete (blocking socket). */
static int recv_frame(struct client *c, uint8_t **body, size_t *blen)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in, sizeof c->in, 0);
		size_t used = 0;
		if (n <= 0)
			return -1;
		/* During the handshake the daemon sends exactly one frame. */
		if (frame_decoder_feed(c->dec, body, blen, &used, c->in, (size_t)n) != SJ_OK)
			return -1;
		if (*body != NULL)
			return used == (size_t)n ? 0 : -1;
	}
}

static int connect_client(struct client *c)
{
	struct sockaddr_in sa;
	uint8_t *f = NULL, *body = NULL;
	size_t fl = 0, bl = 0;
	int one = 1, rc;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)b.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return die("connect: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (frame_decoder_new(&c->dec, FRAME_MAX) != SJ_OK ||
	    channel_client_new(&c->ch, b.daemon_pk, c->key) != SJ_OK ||
	    channel_start(c->ch, &f, &fl) != SJ_OK)
		return die("cannot start a handshake");
	rc = send_all(c->fd, f, fl);
	free(f);
	if (rc != 0 || recv_frame(c, &body, &bl) != 0)
		return die("handshake: no message 2");
	rc = channel_handshake(c->ch, &f, &fl, body, bl);
	free(body);
	if (rc != SJ_OK)
		return die("handshake: %s", sj_strerror(rc));
	rc = send_all(c->fd, f, fl);
	free(f);
	if (rc != 0)
		return die("handshake: cannot send message 3");
	return fcntl(c->fd, F_SETFL, O_NONBLOCK);
}

static int send_message(struct client *c, const uint8_t *msg, size_t len, int64_t due)
{
	uint8_t *f = NULL;
	size_t fl = 0;
	int rc;

	if (channel_seal(c->ch, &f, &fl, msg, len) != SJ_OK)
		return -1;
	rc = send_all(c->fd, f, fl);
	free(f);
	c->busy = 1;
	c->due_ns = due;
	return rc;
}

static int send_request(struct client *c, int64_t due)
{
	return send_message(c, b.request, b.request_len, due);
}

/* Reads what is there; each complete reply is checked and timed. Returns
 * the number of replies, or -1. */
static int on_readable(struct client *c)
{
	int replies = 0;

	for (;;) {
		ssize_t n = recv(c->fd, c->in, sizeof c->in, 0);
		const uint8_t *p = c->in;
		size_t left;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return replies;
		if (n <= 0)
			return -1;
		left = (size_t)n;
		while (left > 0) {
			uint8_t *body = NULL, *msg = NULL;
			size_t bl = 0, ml = 0, used = 0;
			Suiji__Rpc__Response *r;
			int fin = 0;

			if (frame_decoder_feed(c->dec, &body, &bl, &used, p, left) != SJ_OK)
				return -1;
			p += used;
			left -= used;
			if (body == NULL)
				break;
			if (channel_open(c->ch, &msg, &ml, &fin, body, bl) != SJ_OK || fin) {
				free(body);
				free(msg);
				return -1;
			}
			free(body);
			r = suiji__rpc__response__unpack(NULL, ml, msg);
			free(msg);
			if (r == NULL || r->code != SUIJI__RPC__CODE__CODE_OK)
				b.errors++;
			if (r != NULL)
				suiji__rpc__response__free_unpacked(r, NULL);
			if (b.recording && b.nlat < BENCH_MAX_SAMPLES)
				b.lat[b.nlat++] = (double)(now_ns() - c->due_ns) / 1e6;
			if (b.recording)
				b.done++;
			c->busy = 0;
			replies++;
		}
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return a < c ? -1 : a > c;
}

static double pct(double p)
{
	size_t i;
	if (b.nlat == 0)
		return 0;
	i = (size_t)(p * (double)(b.nlat - 1) + 0.5);
	return b.lat[i];
}

/*
 * Runs for warmup + seconds; records over the last `seconds`. rate 0: a
 * closed loop; otherwise requests fall due on a fixed grid at `rate` per
 * second, client after client.
 */
static int run(int ep, double warmup, double seconds, double rate, double *achieved)
{
	struct epoll_event ev[BENCH_CLIENTS + 1];
	int tfd = -1, next = 0;
	int64_t t0 = now_ns(), rec_start = t0 + (int64_t)(warmup * 1e9),
	        end = rec_start + (int64_t)(seconds * 1e9), step = 0, due = t0;

	b.nlat = 0;
	b.done = 0;
	b.recording = 0;
	if (rate > 0) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = BENCH_CLIENTS};
		step = (int64_t)(1e9 / rate);
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e) != 0)
			return die("timerfd: %s", strerror(errno));
	} else {
		for (int i = 0; i < BENCH_CLIENTS; i++)
			if (send_request(&b.c[i], now_ns()) != 0)
				return die("send failed");
	}
	for (;;) {
		int64_t now = now_ns();
		int n;

		if (!b.recording && now >= rec_start)
			b.recording = 1;
		if (now >= end)
			break;
		if (rate > 0) {
			/* Everything due by now goes out (or waits behind its
			 * client's request in flight, its clock running). */
			while (due <= now) {
				struct client *c = &b.c[next];
				if (!c->busy) {
					if (send_request(c, due) != 0)
						return die("send failed");
				} else if (c->backlog++ == 0) {
					c->late_due = due;
				}
				next = (next + 1) % BENCH_CLIENTS;
				due += step;
			}
			{
				struct itimerspec its = {{0, 0},
				                         {due / 1000000000, due % 1000000000}};
				timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
			}
		}
		n = epoll_wait(ep, ev, BENCH_CLIENTS + 1, 100);
		for (int i = 0; i < n; i++) {
			uint32_t k = ev[i].data.u32;
			struct client *c;
			if (k == BENCH_CLIENTS) {
				uint64_t x;
				if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN)
					return die("timerfd read");
				continue;
			}
			c = &b.c[k];
			if (on_readable(c) < 0)
				return die("a connection failed");
			if (c->busy)
				continue;
			if (rate <= 0) {
				if (send_request(c, now_ns()) != 0)
					return die("send failed");
			} else if (c->backlog > 0) {
				/* Late: its latency counts from when it was due;
				 * this client's slots are BENCH_CLIENTS steps apart. */
				c->backlog--;
				if (send_request(c, c->late_due) != 0)
					return die("send failed");
				c->late_due += (int64_t)BENCH_CLIENTS * step;
			}
		}
	}
	b.recording = 0;
	/* Drain what is in flight, unrecorded. */
	for (int i = 0; i < BENCH_CLIENTS; i++) {
		b.c[i].backlog = 0;
		while (b.c[i].busy) {
			int n = epoll_wait(ep, ev, BENCH_CLIENTS + 1, 1000);
			if (n <= 0)
				return die("a reply did not come");
			for (int j = 0; j < n; j++)
				if (ev[j].data.u32 < BENCH_CLIENTS &&
				    on_readable(&b.c[ev[j].data.u32]) < 0)
					return die("a connection failed");
		}
	}
	if (tfd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
		close(tfd);
	}
	qsort(b.lat, b.nlat, sizeof *b.lat, cmp_double);
	*achieved = (double)b.done / seconds;
	return 0;
}

/* --- draws --- */

/* The inputs and pools every draw request shares: 20 objects in strata A
 * and B, 6 officers; 1/4 of A and 2 of B, teams of two. Only the request
 * id differs. */
static int draw_pieces(Suiji__DrawRequest *m, uint8_t **inputs, struct draw_objects **objects,
                       struct draw_people **officers, struct draw_people **experts)
{
	static const char *const strata[] = {"A", "B"}, *const tags[] = {"food"},
	                         *const agencies[] = {"sfj"}, *const food[] = {"food"};
	struct draw_beacon_ref br = {.source = BENCH_BEACON, .round = 1};
	struct draw_rule rules[2];
	struct draw_spec sp;
	unsigned tag = 0;
	size_t len, n;
	char id[32], err[256];
	const uint8_t *bytes;

	if (draw_objects_new(objects, strata, 2, 20, err, sizeof err) != SJ_OK ||
	    draw_people_new(officers, DRAW_OFFICER, tags, 1, agencies, 1, 6, err, sizeof err) !=
	        SJ_OK ||
	    draw_people_new(experts, DRAW_EXPERT, NULL, 0, NULL, 0, 0, err, sizeof err) != SJ_OK)
		return die("pools: %s", err);
	for (unsigned i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "9132070%011u", i);
		if (draw_objects_add(*objects, id, i % 2, err, sizeof err) != SJ_OK)
			return die("objects: %s", err);
	}
	for (unsigned i = 0; i < 6; i++) {
		snprintf(id, sizeof id, "F%03u", i);
		if (draw_people_add(*officers, id, 0, &tag, 1, err, sizeof err) != SJ_OK)
			return die("officers: %s", err);
	}
	if (draw_objects_seal(*objects) != SJ_OK || draw_people_seal(*officers) != SJ_OK ||
	    draw_people_seal(*experts) != SJ_OK)
		return die("cannot seal the pools");
	memset(&sp, 0, sizeof sp);
	memset(rules, 0, sizeof rules);
	rules[0] = (struct draw_rule){.stratum = "A",
	                              .kind = DRAW_RULE_RATIO,
	                              .num = 1,
	                              .den = 4,
	                              .officer_tags = food,
	                              .n_officer_tags = 1};
	rules[1] = (struct draw_rule){.stratum = "B",
	                              .kind = DRAW_RULE_COUNT,
	                              .num = 2,
	                              .officer_tags = food,
	                              .n_officer_tags = 1};
	sp.task = "bench-task";
	memcpy(sp.object_pool, draw_objects_hash(*objects), 32);
	memcpy(sp.officer_pool, draw_people_hash(*officers), 32);
	memcpy(sp.expert_pool, draw_people_hash(*experts), 32);
	sp.rounding = DRAW_ROUND_CEIL;
	sp.team_size = 2;
	sp.slot_size = 1;
	/* After the round (a day away): the reveal timer leaves them alone. */
	sp.deadline_us = util_now_us() + (int64_t)2 * 86400 * 1000000;
	sp.beacons = &br;
	sp.n_beacons = 1;
	sp.rules = rules;
	sp.n_rules = 2;
	if (draw_inputs_encode(inputs, &len, &sp, err, sizeof err) != SJ_OK)
		return die("inputs: %s", err);
	m->inputs.data = *inputs;
	m->inputs.len = len;
	bytes = draw_objects_bytes(*objects, &n);
	m->objects.data = (uint8_t *)bytes;
	m->objects.len = n;
	bytes = draw_people_bytes(*officers, &n);
	m->officers.data = (uint8_t *)bytes;
	m->officers.len = n;
	bytes = draw_people_bytes(*experts, &n);
	m->experts.data = (uint8_t *)bytes;
	m->experts.len = n;
	return 0;
}

/* Packs and signs 2 * BENCH_DRAWS DRAW_REQUEST Requests (each client
 * signs with its own key; request i goes out on client i % clients), so
 * that the timed runs only send them. */
static int prepare_draws(void)
{
	Suiji__DrawRequest m = SUIJI__DRAW_REQUEST__INIT;
	struct draw_objects *objects = NULL;
	struct draw_people *officers = NULL, *experts = NULL;
	uint8_t *inputs = NULL, *payload = NULL;
	int rc = -1;

	if (draw_pieces(&m, &inputs, &objects, &officers, &experts) != 0)
		goto out;
	for (int i = 0; i < 2 * BENCH_DRAWS; i++) {
		Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
		int first = i < BENCH_DRAWS;
		int k = first ? 0 : (i - BENCH_DRAWS) % BENCH_DRAW_CLIENTS;
		uint8_t sig[64], *msg = NULL;
		char rid[32];
		size_t plen, mlen;

		snprintf(rid, sizeof rid, "bench-%d", i);
		m.request_id = rid;
		plen = suiji__draw_request__get_packed_size(&m);
		free(payload);
		payload = malloc(plen);
		if (payload == NULL)
			goto out;
		suiji__draw_request__pack(&m, payload);
		q.counter = util_request_counter();
		if (entry_request_message(&msg, &mlen, BENCH_ORIGIN, ENTRY_DRAW_REQUEST, q.counter,
		                          "sfj", 3, payload, plen) != SJ_OK)
			goto out;
		note_skey_sign_raw(sig, msg, mlen, b.c[k].key);
		free(msg);
		q.version = 1;
		q.id = 1000 + (uint64_t)i;
		q.method = SUIJI__RPC__METHOD__METHOD_DRAW_REQUEST;
		q.agency = (char *)"sfj";
		q.body.data = payload;
		q.body.len = plen;
		q.signature.data = sig;
		q.signature.len = 64;
		b.draws_len[i] = suiji__rpc__request__get_packed_size(&q);
		b.draws[i] = malloc(b.draws_len[i]);
		if (b.draws[i] == NULL)
			goto out;
		suiji__rpc__request__pack(&q, b.draws[i]);
	}
	rc = 0;
out:
	free(payload);
	free(inputs);
	draw_objects_free(objects);
	draw_people_free(officers);
	draw_people_free(experts);
	return rc;
}

/*
 * Sends the BENCH_DRAWS requests from first on over `clients` clients, each
 * keeping one in flight: client k sends requests k, k + clients, ... (the
 * ones its key signed). Records each one's time from send to reply; *rate
 * is requests per second over the whole run.
 */
static int run_draws(int ep, int first, int clients, double *rate)
{
	struct epoll_event ev[BENCH_CLIENTS + 1];
	int nextk[BENCH_DRAW_CLIENTS], done = 0;
	int64_t t0 = now_ns();

	b.nlat = 0;
	b.done = 0;
	b.recording = 1;
	for (int k = 0; k < clients; k++) {
		nextk[k] = k + clients;
		if (k < BENCH_DRAWS && send_message(&b.c[k], b.draws[first + k],
		                                    b.draws_len[first + k], now_ns()) != 0)
			return die("send failed");
	}
	while (done < BENCH_DRAWS) {
		int n = epoll_wait(ep, ev, BENCH_CLIENTS + 1, 10000);
		if (n <= 0)
			return die("a draw reply did not come");
		for (int i = 0; i < n; i++) {
			uint32_t k = ev[i].data.u32;
			int got;
			if (k >= (uint32_t)clients)
				continue;
			if ((got = on_readable(&b.c[k])) < 0)
				return die("a connection failed");
			done += got;
			if (!b.c[k].busy && nextk[k] < BENCH_DRAWS) {
				int r = nextk[k];
				nextk[k] += clients;
				if (send_message(&b.c[k], b.draws[first + r],
				                 b.draws_len[first + r], now_ns()) != 0)
					return die("send failed");
			}
		}
	}
	b.recording = 0;
	*rate = (double)BENCH_DRAWS / ((double)(now_ns() - t0) / 1e9);
	qsort(b.lat, b.nlat, sizeof *b.lat, cmp_double);
	return 0;
}

static const char *met(int ok)
{
	return ok ? "met" : "MISSED";
}

int main(int argc, char **argv)
{
	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	const char *tmp = getenv("TMPDIR");
	double closed_rate = 0, paced_rate = 0, p50c, p99c, p50p, p99p, maxp;
	double draw1_rate = 0, drawn_rate = 0, p50d1, p99d1, p50dn, p99dn;
	int ep = -1, rc = 1, missed = 0;

	(void)argc;
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	b.lat = malloc(BENCH_MAX_SAMPLES * sizeof *b.lat);
	if (b.lat == NULL)
		return 1;
	snprintf(b.dir, sizeof b.dir, "%s/suiji-bench-rpc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(b.dir) == NULL) {
		die("mkdtemp: %s", strerror(errno));
		free(b.lat);
		return 1;
	}
	q.version = 1;
	q.id = 1;
	q.method = SUIJI__RPC__METHOD__METHOD_STATUS;
	q.agency = (char *)"";
	b.request_len = suiji__rpc__request__get_packed_size(&q);
	b.request = malloc(b.request_len);
	if (b.request == NULL)
		goto out;
	suiji__rpc__request__pack(&q, b.request);
	if (build_ledger() != 0 || start_daemon(argv[0]) != 0)
		goto out;
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < BENCH_CLIENTS; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		if (connect_client(&b.c[i]) != 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, b.c[i].fd, &e) != 0)
			goto out;
	}
	printf("suiji-bench-rpc: %d clients, STATUS over the channel, 127.0.0.1, libsodium %s, "
	       "libuv daemon pid %d\n",
	       BENCH_CLIENTS, sodium_version_string(), (int)b.pid);
	if (run(ep, BENCH_WARMUP, BENCH_SECONDS, 0, &closed_rate) != 0)
		goto out;
	p50c = pct(0.50);
	p99c = pct(0.99);
	if (run(ep, BENCH_WARMUP, BENCH_SECONDS, BENCH_TARGET_RATE, &paced_rate) != 0)
		goto out;
	p50p = pct(0.50);
	p99p = pct(0.99);
	maxp = b.nlat ? b.lat[b.nlat - 1] : 0;
	/* Signed before the clock starts: what is timed is the daemon's
	 * side, from send to the commitment reply. */
	if (prepare_draws() != 0 || run_draws(ep, 0, 1, &draw1_rate) != 0)
		goto out;
	p50d1 = pct(0.50);
	p99d1 = pct(0.99);
	if (run_draws(ep, BENCH_DRAWS, BENCH_DRAW_CLIENTS, &drawn_rate) != 0)
		goto out;
	p50dn = pct(0.50);
	p99dn = pct(0.99);
	printf("%-44s %12s %9s %9s   %-24s %s\n", "measurement", "requests/s", "p50 ms", "p99 ms",
	       "target", "");
	printf("%-44s %12.0f %9.2f %9.2f   %-24s %s\n",
	       "closed loop, 1 request in flight per client", closed_rate, p50c, p99c,
	       ">= 20000 req/s", met(closed_rate >= BENCH_TARGET_RATE));
	printf("%-44s %12.0f %9.2f %9.2f   %-24s %s\n", "paced at 20,000 req/s, from due time",
	       paced_rate, p50p, p99p, "p99 <= 5 ms", met(p99p <= BENCH_TARGET_P99));
	printf("   paced: slowest reply %.2f ms; closed-loop latency is about %d clients / rate = "
	       "%.2f ms by Little's law\n",
	       maxp, BENCH_CLIENTS, closed_rate > 0 ? BENCH_CLIENTS * 1000.0 / closed_rate : 0.0);
	printf("%-44s %12.0f %9.2f %9.2f   %-24s %s\n", "draw request to commitment, 1 in flight",
	       draw1_rate, p50d1, p99d1, "none set", "");
	printf("%-44s %12.0f %9.2f %9.2f   %-24s %s\n", "draw request to commitment, 16 clients",
	       drawn_rate, p50dn, p99dn, "none set", "");
	printf("   draws: %d requests each (20-object pool), timed from send to the commitment "
	       "reply: feasibility check, sealed seed (2 fsyncs), request + commitment in one "
	       "commit; no beacon wait\n",
	       BENCH_DRAWS);
	missed = (closed_rate < BENCH_TARGET_RATE) + (p99p > BENCH_TARGET_P99);
	if (b.errors != 0) {
		die("%llu replies were not OK", (unsigned long long)b.errors);
		goto out;
	}
	printf("%s\n", missed ? "target(s) MISSED" : "Every target met.");
	rc = 0;
out:
	for (int i = 0; i < BENCH_CLIENTS; i++) {
		if (b.c[i].fd > 0)
			close(b.c[i].fd);
		channel_free(b.c[i].ch);
		frame_decoder_free(b.c[i].dec);
		note_skey_free(b.c[i].key);
	}
	if (ep >= 0)
		close(ep);
	if (stop_daemon() != 0)
		rc = 1;
	remove_dir();
	for (int i = 0; i < 2 * BENCH_DRAWS; i++)
		free(b.draws[i]);
	free(b.request);
	free(b.lat);
	return rc;
}
