/*
 * bench_abuse.c: well-behaved clients of a real `suijid run` while others
 * abuse it, beside the same clients without abuse, in one run.
 *
 * The program builds a ledger in a mkdtemp directory (log-init, one
 * agency, ABUSE_GOOD operator keys for the well-behaved clients and
 * ABUSE_KEYS auditor keys for the abusers), starts the suijid found beside
 * it (or at $SUIJID) on 127.0.0.1 with the limits below, and connects the
 * well-behaved clients over the channel. It measures them twice, first
 * alone and then while four abusing processes run:
 *
 *   idle      ABUSE_IDLE connections that never send a byte (each holds a
 *             handshake slot until its deadline) and ABUSE_AUTH_IDLE
 *             authenticated ones that go silent; each is reopened when the
 *             daemon closes it;
 *   flood     handshakes as fast as one process makes them: message 1,
 *             wait for message 2 (the daemon's X25519 and signature), close;
 *   oversize  connections that send a length prefix of 2^31 before the
 *             handshake, and authenticated ones that send one after it;
 *   slow      ABUSE_SLOW_WRITERS authenticated clients trickling a frame a
 *             byte every 100 ms, and ABUSE_SLOW_READERS sending GET_ENTRY
 *             requests without ever reading a reply.
 *
 * Figures, each without and with abuse: requests per second of the
 * well-behaved clients in a closed loop; p50/p99 latency with them paced
 * at ABUSE_RATE requests per second (from the due time); and the time a
 * new well-behaved client takes to connect and finish its handshake. Then
 * what the abusers met (connections the daemon closed, by kind) and the
 * daemon's peak resident memory (VmHWM) after each phase: bounded memory
 * is the point.
 *
 * Targets: during abuse, throughput at least half and p99 at most 4x of
 * the same figure without abuse, and the daemon's peak RSS at most 256 MB.
 * A missed target is reported, not a failure; the program exits 1 only
 * when something does not work (a well-behaved reply that is not OK, the
 * daemon dying or not stopping cleanly).
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/storeops.h"
#include "wire/channel.h"
#include "wire/frame.h"

#include "bench/abuse_conn.h"

#define ABUSE_GOOD          50     /* well-behaved clients */
#define ABUSE_RATE          5000.0 /* their paced rate, requests per second in all */
#define ABUSE_WARMUP        0.5
#define ABUSE_SECONDS       3.0
#define ABUSE_CONNECTS      20 /* new well-behaved connections timed per phase */
#define ABUSE_KEYS          64 /* auditor keys for the abusers */
#define ABUSE_IDLE          300
#define ABUSE_AUTH_IDLE     100
#define ABUSE_SLOW_WRITERS  40
#define ABUSE_SLOW_READERS  4
#define ABUSE_MAX_SAMPLES   1000000
#define ABUSE_TARGET_RSS_MB 256.0
#define ABUSE_ORIGIN        "bench.suiji.example/abuse"

/* What the abusers met, in memory shared with them. */
struct abuse_stats {
	volatile long idle_closed, auth_idle_closed, handshakes, flood_failed;
	volatile long oversize_closed, oversize_auth_closed;
	volatile long slow_writers_closed, slow_readers_closed, slow_reader_requests;
	volatile long auth_failed;
};

struct client {
	int fd;
	struct channel *ch;
	struct frame_decoder *dec;
	struct note_skey *key;
	int busy, backlog;
	int64_t due_ns, late_due;
	uint8_t in[16384];
};

static struct {
	char dir[512];
	pid_t pid;
	int port;
	uint8_t daemon_pk[32];
	struct client c[ABUSE_GOOD];
	struct note_skey *abuser_keys[ABUSE_KEYS];
	uint8_t *status; /* one packed STATUS Request */
	size_t status_len;
	double *lat;
	size_t nlat;
	int recording;
	uint64_t done, errors;
	struct abuse_stats *st;
	pid_t abusers[4];
} b;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int die(const char *fmt, ...)
{
	va_list ap;
	fputs("suiji-bench-abuse: ", stderr);
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

static int register_key(struct ledger_store *s, struct note_skey **k, const char *name, int role)
{
	Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
	struct note_vkey vk;
	uint8_t buf[512];

	if (note_skey_generate(k, name, NOTE_TYPE_ED25519) != SJ_OK)
		return die("keygen");
	note_skey_public(&vk, *k);
	cr.public_key.data = vk.pk;
	cr.public_key.len = 32;
	cr.agency = (char *)"sfj";
	cr.role = (Suiji__Role)role;
	cr.name = (char *)name;
	return append_unsigned(s, ENTRY_CLIENT_REGISTER, buf,
	                       suiji__client_register__pack(&cr, buf));
}

static int build_ledger(void)
{
	Suiji__AgencyRegister ag = SUIJI__AGENCY_REGISTER__INIT;
	struct ledger_store *s = NULL;
	struct note_skey *log_key = NULL;
	char path[700], err[512], name[32];
	uint8_t buf[512];
	int rc = -1;

	/* The log key in the data directory, where the daemon takes it from
	 * to sign every entry it appends. */
	snprintf(path, sizeof path, "%s/log.key", b.dir);
	if (keyfile_load(&log_key, path, ABUSE_ORIGIN, NOTE_TYPE_ED25519, 1, NULL, err,
	                 sizeof err) != SJ_OK) {
		die("cannot create the log key: %s", err);
		goto out;
	}
	snprintf(path, sizeof path, "%s/ledger.db", b.dir);
	if (storeops_open(&s, path, LEDGER_STORE_CREATE, err, sizeof err) != SJ_OK ||
	    ledger_store_init_log(s, ABUSE_ORIGIN, "abuse bench", log_key, err, sizeof err) !=
	        SJ_OK) {
		die("cannot create the ledger: %s", err);
		goto out;
	}
	ag.code = (char *)"sfj";
	ag.name = (char *)"司法局";
	ag.parent = (char *)"";
	if (append_unsigned(s, ENTRY_AGENCY_REGISTER, buf, suiji__agency_register__pack(&ag, buf)))
		goto out;
	for (int i = 0; i < ABUSE_GOOD; i++) {
		snprintf(name, sizeof name, "good%d", i);
		if (register_key(s, &b.c[i].key, name, SUIJI__ROLE__ROLE_OPERATOR) != 0)
			goto out;
	}
	for (int i = 0; i < ABUSE_KEYS; i++) {
		snprintf(name, sizeof name, "abuser%d", i);
		if (register_key(s, &b.abuser_keys[i], name, SUIJI__ROLE__ROLE_AUDITOR) != 0)
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
	char conf[700], bin[700], copy[700], line[256], err[512];
	const char *env = getenv("SUIJID");
	struct note_skey *k = NULL;
	struct note_vkey vk;
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
	/* The defaults, but deadlines short enough that they act within a
	 * measurement, a write queue of 1 MiB, and no rate limit: the closed
	 * loop measures throughput, and the abusers are not slowed either. */
	fprintf(f, "listen_tcp = 127.0.0.1:0\nlisten_unix = off\nlog_level = error\n"
	           "max_connections = 1024\nmax_handshakes = 64\nhandshake_timeout_ms = 1000\n"
	           "idle_timeout_ms = 2000\nmax_write_queue = 1048576\nrate_per_sec = 0\n");
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

/* The daemon's peak resident memory so far, in MB (VmHWM), or -1. */
static double daemon_peak_mb(void)
{
	char path[64], line[256];
	double mb = -1;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%d/status", (int)b.pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		long kb;
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			mb = (double)kb / 1024.0;
	}
	fclose(f);
	return mb;
}

static void remove_dir(void)
{
	static const char *const names[] = {"ledger.db",  "ledger.db-wal", "ledger.db-shm",
	                                    "daemon.key", "suijid.conf",   "suijid.lock",
	                                    "seed.key"};
	char p[800];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", b.dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/seeds", b.dir);
	rmdir(p);
	rmdir(b.dir);
}

/* --- connections (bench/abuse_conn.h, to this daemon) --- */

static int tcp_connect(void)
{
	return abuse_conn_open(b.port);
}

static int handshake_within(int *fd_out, struct channel **ch, struct frame_decoder **dec,
                            const struct note_skey *key, long timeout_s)
{
	return abuse_conn_handshake(fd_out, ch, dec, b.port, b.daemon_pk, key, timeout_s);
}

/* The abusers' handshakes: they give up after 3 s. */
static int handshake(int *fd_out, struct channel **ch, struct frame_decoder **dec,
                     const struct note_skey *key)
{
	return handshake_within(fd_out, ch, dec, key, 3);
}

/* --- the well-behaved clients (this process, one epoll thread) --- */

static int send_request(struct client *c, int64_t due)
{
	uint8_t *f = NULL;
	size_t fl = 0;
	int rc;
	if (channel_seal(c->ch, &f, &fl, b.status, b.status_len) != SJ_OK)
		return -1;
	rc = abuse_conn_send_all(c->fd, f, fl);
	free(f);
	c->busy = 1;
	c->due_ns = due;
	return rc;
}

static int on_readable(struct client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in, sizeof c->in, 0);
		const uint8_t *p = c->in;
		size_t left;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
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
			if (b.recording && b.nlat < ABUSE_MAX_SAMPLES)
				b.lat[b.nlat++] = (double)(now_ns() - c->due_ns) / 1e6;
			if (b.recording)
				b.done++;
			c->busy = 0;
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
	if (b.nlat == 0)
		return 0;
	return b.lat[(size_t)(p * (double)(b.nlat - 1) + 0.5)];
}

/* A closed loop (rate 0) or paced requests, as bench_rpc.c measures
 * them; latency from the due time. */
static int run(int ep, double rate, double *achieved)
{
	struct epoll_event ev[ABUSE_GOOD + 1];
	int tfd = -1, next = 0;
	int64_t t0 = now_ns(), rec_start = t0 + (int64_t)(ABUSE_WARMUP * 1e9),
	        end = rec_start + (int64_t)(ABUSE_SECONDS * 1e9), step = 0, due = t0;

	b.nlat = 0;
	b.done = 0;
	b.recording = 0;
	if (rate > 0) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = ABUSE_GOOD};
		step = (int64_t)(1e9 / rate);
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e) != 0)
			return die("timerfd: %s", strerror(errno));
	} else {
		for (int i = 0; i < ABUSE_GOOD; i++)
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
			while (due <= now) {
				struct client *c = &b.c[next];
				if (!c->busy) {
					if (send_request(c, due) != 0)
						return die("send failed");
				} else if (c->backlog++ == 0) {
					c->late_due = due;
				}
				next = (next + 1) % ABUSE_GOOD;
				due += step;
			}
			struct itimerspec its = {{0, 0}, {due / 1000000000, due % 1000000000}};
			timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		}
		n = epoll_wait(ep, ev, ABUSE_GOOD + 1, 100);
		for (int i = 0; i < n; i++) {
			uint32_t k = ev[i].data.u32;
			struct client *c;
			if (k == ABUSE_GOOD) {
				uint64_t x;
				if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN)
					return die("timerfd read");
				continue;
			}
			c = &b.c[k];
			if (on_readable(c) < 0)
				return die("a well-behaved connection failed");
			if (c->busy)
				continue;
			if (rate <= 0) {
				if (send_request(c, now_ns()) != 0)
					return die("send failed");
			} else if (c->backlog > 0) {
				c->backlog--;
				if (send_request(c, c->late_due) != 0)
					return die("send failed");
				c->late_due += (int64_t)ABUSE_GOOD * step;
			}
		}
	}
	b.recording = 0;
	for (int i = 0; i < ABUSE_GOOD; i++) {
		b.c[i].backlog = 0;
		while (b.c[i].busy) {
			int n = epoll_wait(ep, ev, ABUSE_GOOD + 1, 5000);
			if (n <= 0)
				return die("a reply did not come");
			for (int j = 0; j < n; j++)
				if (ev[j].data.u32 < ABUSE_GOOD &&
				    on_readable(&b.c[ev[j].data.u32]) < 0)
					return die("a well-behaved connection failed");
		}
	}
	if (tfd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
		close(tfd);
	}
	qsort(b.lat, b.nlat, sizeof *b.lat, cmp_double);
	*achieved = (double)b.done / ABUSE_SECONDS;
	return 0;
}

/* ABUSE_CONNECTS new well-behaved connections, one after another, each
 * given 10 s: the median and slowest time to an established channel, in
 * ms, and how many did not make it in time. */
static void time_connects(double *p50, double *worst, int *failed)
{
	double t[ABUSE_CONNECTS];
	*failed = 0;
	for (int i = 0; i < ABUSE_CONNECTS; i++) {
		struct channel *ch;
		struct frame_decoder *dec;
		int64_t t0 = now_ns();
		int fd;
		if (handshake_within(&fd, &ch, &dec, b.c[i % ABUSE_GOOD].key, 10) != 0) {
			(*failed)++;
		} else {
			close(fd);
			channel_free(ch);
			frame_decoder_free(dec);
		}
		t[i] = (double)(now_ns() - t0) / 1e6;
	}
	qsort(t, ABUSE_CONNECTS, sizeof t[0], cmp_double);
	*p50 = t[ABUSE_CONNECTS / 2];
	*worst = t[ABUSE_CONNECTS - 1];
}

/* --- the abusers (forked; they run until SIGTERM) --- */

/* Connections that never send, and authenticated ones that go silent;
 * each is reopened when the daemon closes it. */
static void abuse_idle(void)
{
	struct pollfd p[ABUSE_IDLE + ABUSE_AUTH_IDLE];
	int n = ABUSE_IDLE + ABUSE_AUTH_IDLE;
	char buf[512];

	for (int i = 0; i < n; i++)
		p[i].fd = -1;
	for (;;) {
		for (int i = 0; i < n; i++) {
			if (p[i].fd >= 0)
				continue;
			if (i < ABUSE_IDLE) {
				p[i].fd = tcp_connect();
			} else {
				struct channel *ch;
				struct frame_decoder *dec;
				if (handshake(&p[i].fd, &ch, &dec, b.abuser_keys[i % ABUSE_KEYS]) ==
				    0) {
					channel_free(ch);
					frame_decoder_free(dec);
				} else {
					p[i].fd = -1;
					b.st->auth_failed++;
				}
			}
			p[i].events = POLLIN;
		}
		if (poll(p, (nfds_t)n, 200) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (recv(p[i].fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
				continue; /* message 2 for an unauthenticated one: ignored */
			close(p[i].fd);
			p[i].fd = -1;
			if (i < ABUSE_IDLE)
				b.st->idle_closed++;
			else
				b.st->auth_idle_closed++;
		}
	}
}

/* Handshakes as fast as this process makes them, never finished. */
static void abuse_flood(void)
{
	struct timeval tv = {3, 0};
	uint8_t in[1024];
	for (unsigned i = 0;; i++) {
		struct channel *ch = NULL;
		struct frame_decoder *dec = NULL;
		uint8_t *f = NULL, *body = NULL;
		size_t fl = 0, bl = 0;
		int fd = tcp_connect();
		if (fd < 0) {
			b.st->flood_failed++;
			sleep_ms(1);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (frame_decoder_new(&dec, 4096) == SJ_OK &&
		    channel_client_new(&ch, b.daemon_pk, b.abuser_keys[i % ABUSE_KEYS]) == SJ_OK &&
		    channel_start(ch, &f, &fl) == SJ_OK && abuse_conn_send_all(fd, f, fl) == 0 &&
		    abuse_conn_recv_frame(fd, dec, in, sizeof in, &body, &bl) == 0)
			b.st->handshakes++;
		else
			b.st->flood_failed++;
		free(f);
		free(body);
		channel_free(ch);
		frame_decoder_free(dec);
		close(fd);
	}
}

/* Waits up to 2 s for the daemon to close fd; 1 when it did. */
static int closed_by_daemon(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[256];
	int64_t end = now_ns() + 2000000000;
	while (now_ns() < end) {
		if (poll(&p, 1, 100) > 0) {
			ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN))
				return 1;
		}
	}
	return 0;
}

/* Length prefixes of 2^31: before the handshake, and (one time in ten)
 * after it. */
static void abuse_oversize(void)
{
	static const uint8_t huge[4] = {0x80, 0, 0, 0};
	for (unsigned i = 0;; i++) {
		int fd;
		if (i % 10 == 9) {
			struct channel *ch;
			struct frame_decoder *dec;
			if (handshake(&fd, &ch, &dec, b.abuser_keys[i % ABUSE_KEYS]) != 0) {
				b.st->auth_failed++;
				continue;
			}
			channel_free(ch);
			frame_decoder_free(dec);
			if (abuse_conn_send_all(fd, huge, 4) == 0 && closed_by_daemon(fd))
				b.st->oversize_auth_closed++;
		} else {
			if ((fd = tcp_connect()) < 0)
				continue;
			if (abuse_conn_send_all(fd, huge, 4) == 0 && closed_by_daemon(fd))
				b.st->oversize_closed++;
		}
		close(fd);
		sleep_ms(2);
	}
}

struct slow {
	int fd;
	struct channel *ch;
	struct frame_decoder *dec;
	uint8_t *frame; /* a sealed request being trickled (writers) */
	size_t len, off;
};

static int slow_open(struct slow *s, unsigned k)
{
	memset(s, 0, sizeof *s);
	if (handshake(&s->fd, &s->ch, &s->dec, b.abuser_keys[k % ABUSE_KEYS]) != 0) {
		s->fd = -1;
		b.st->auth_failed++;
		return -1;
	}
	return fcntl(s->fd, F_SETFL, O_NONBLOCK);
}

static void slow_close(struct slow *s)
{
	if (s->fd >= 0)
		close(s->fd);
	channel_free(s->ch);
	frame_decoder_free(s->dec);
	free(s->frame);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

/* 1 when the daemon has closed s. Without reading the replies: replies
 * left unread hide the end of the stream from recv, not from poll. */
static int slow_gone(const struct slow *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Writers trickle a sealed GET_ENTRY a byte every 100 ms; readers send
 * GET_ENTRY requests as fast as the socket takes them and read nothing. */
static void abuse_slow(void)
{
	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	Suiji__Rpc__GetEntry ge = SUIJI__RPC__GET_ENTRY__INIT;
	struct slow w[ABUSE_SLOW_WRITERS], r[ABUSE_SLOW_READERS];
	uint8_t body[64], req[128];
	size_t reqlen;
	int rcvbuf = 4096;

	ge.seq = 1;
	q.version = 1;
	q.id = 7;
	q.method = SUIJI__RPC__METHOD__METHOD_GET_ENTRY;
	q.agency = (char *)"";
	q.body.data = body;
	q.body.len = suiji__rpc__get_entry__pack(&ge, body);
	reqlen = suiji__rpc__request__pack(&q, req);
	for (int i = 0; i < ABUSE_SLOW_WRITERS; i++)
		w[i].fd = -1;
	for (int i = 0; i < ABUSE_SLOW_READERS; i++)
		r[i].fd = -1;
	for (unsigned tick = 0;; tick++) {
		for (int i = 0; i < ABUSE_SLOW_WRITERS; i++) {
			struct slow *s = &w[i];
			if (s->fd < 0 && slow_open(s, (unsigned)i) != 0)
				continue;
			if (s->frame == NULL &&
			    channel_seal(s->ch, &s->frame, &s->len, req, reqlen) != SJ_OK)
				continue;
			if (slow_gone(s) || (s->off < s->len &&
			                     send(s->fd, s->frame + s->off, 1, MSG_NOSIGNAL) < 0 &&
			                     errno != EAGAIN)) {
				slow_close(s);
				b.st->slow_writers_closed++;
				continue;
			}
			if (++s->off >= s->len) {
				free(s->frame);
				s->frame = NULL;
				s->off = 0;
			}
		}
		for (int i = 0; i < ABUSE_SLOW_READERS; i++) {
			struct slow *s = &r[i];
			if (s->fd < 0) {
				if (slow_open(s, (unsigned)(ABUSE_SLOW_WRITERS + i)) != 0)
					continue;
				setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
			}
			/* A burst per tick: as much as the socket takes. */
			for (int k = 0; k < 2000; k++) {
				uint8_t *f = NULL;
				size_t fl = 0;
				ssize_t n;
				if (channel_seal(s->ch, &f, &fl, req, reqlen) != SJ_OK)
					break;
				n = send(s->fd, f, fl, MSG_NOSIGNAL);
				free(f);
				if (n == (ssize_t)fl) {
					b.st->slow_reader_requests++;
					continue;
				}
				if (n >= 0 || errno == EAGAIN) {
					/* A partial frame breaks the stream: start
					 * over on a new connection later. */
					if (n > 0) {
						slow_close(s);
					}
					break;
				}
				slow_close(s);
				b.st->slow_readers_closed++;
				break;
			}
			if (s->fd >= 0 && slow_gone(s)) {
				slow_close(s);
				b.st->slow_readers_closed++;
			}
		}
		sleep_ms(100);
	}
}

static int abusers_start(void)
{
	void (*const fns[4])(void) = {abuse_idle, abuse_flood, abuse_oversize, abuse_slow};
	for (int i = 0; i < 4; i++) {
		b.abusers[i] = fork();
		if (b.abusers[i] < 0)
			return die("fork: %s", strerror(errno));
		if (b.abusers[i] == 0) {
			signal(SIGTERM, SIG_DFL);
			fns[i]();
			_exit(0);
		}
	}
	return 0;
}

static void abusers_stop(void)
{
	for (int i = 0; i < 4; i++)
		if (b.abusers[i] > 0) {
			kill(b.abusers[i], SIGKILL);
			waitpid(b.abusers[i], NULL, 0);
			b.abusers[i] = 0;
		}
}

/* --- the run --- */

struct phase {
	double closed_rate, p50c, p99c, paced_rate, p50p, p99p, conn_p50, conn_worst, peak_mb;
	int conn_failed;
};

static int measure(int ep, struct phase *ph)
{
	if (run(ep, 0, &ph->closed_rate) != 0)
		return -1;
	ph->p50c = pct(0.50);
	ph->p99c = pct(0.99);
	if (run(ep, ABUSE_RATE, &ph->paced_rate) != 0)
		return -1;
	ph->p50p = pct(0.50);
	ph->p99p = pct(0.99);
	time_connects(&ph->conn_p50, &ph->conn_worst, &ph->conn_failed);
	ph->peak_mb = daemon_peak_mb();
	if (waitpid(b.pid, NULL, WNOHANG) == b.pid) {
		b.pid = 0;
		return die("the daemon died");
	}
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
	struct phase calm, abused;
	int ep = -1, rc = 1, missed = 0;

	(void)argc;
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	b.lat = malloc(ABUSE_MAX_SAMPLES * sizeof *b.lat);
	b.st = mmap(NULL, sizeof *b.st, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.lat == NULL || b.st == MAP_FAILED)
		return 1;
	memset(b.st, 0, sizeof *b.st);
	snprintf(b.dir, sizeof b.dir, "%s/suiji-bench-abuse.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(b.dir) == NULL) {
		die("mkdtemp: %s", strerror(errno));
		return 1;
	}
	q.version = 1;
	q.id = 1;
	q.method = SUIJI__RPC__METHOD__METHOD_STATUS;
	q.agency = (char *)"";
	b.status_len = suiji__rpc__request__get_packed_size(&q);
	b.status = malloc(b.status_len);
	if (b.status == NULL)
		goto out;
	suiji__rpc__request__pack(&q, b.status);
	if (build_ledger() != 0 || start_daemon(argv[0]) != 0)
		goto out;
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < ABUSE_GOOD; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		if (handshake(&b.c[i].fd, &b.c[i].ch, &b.c[i].dec, b.c[i].key) != 0 ||
		    fcntl(b.c[i].fd, F_SETFL, O_NONBLOCK) != 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, b.c[i].fd, &e) != 0) {
			die("well-behaved client %d could not connect", i);
			goto out;
		}
	}
	printf("suiji-bench-abuse: %d well-behaved clients (STATUS), then the same with %d idle, "
	       "%d silent authenticated, %d slow-writing and %d non-reading connections, a "
	       "handshake flood and oversized frames; daemon pid %d\n",
	       ABUSE_GOOD, ABUSE_IDLE, ABUSE_AUTH_IDLE, ABUSE_SLOW_WRITERS, ABUSE_SLOW_READERS,
	       (int)b.pid);
	if (measure(ep, &calm) != 0)
		goto out;
	if (abusers_start() != 0)
		goto out;
	sleep_ms(1000); /* the abuse builds up: connections, queues, deadlines */
	if (measure(ep, &abused) != 0)
		goto out;
	abusers_stop();

	printf("%-44s %12s %12s   %-28s %s\n", "measurement", "no abuse", "abuse", "target", "");
	printf("%-44s %12.0f %12.0f   %-28s %s\n", "closed loop, requests/s", calm.closed_rate,
	       abused.closed_rate, ">= 0.5x of no abuse",
	       met(abused.closed_rate >= 0.5 * calm.closed_rate));
	printf("%-44s %12.2f %12.2f\n", "closed loop, p99 ms", calm.p99c, abused.p99c);
	printf("%-44s %12.0f %12.0f\n", "paced at 5,000 req/s, achieved requests/s",
	       calm.paced_rate, abused.paced_rate);
	printf("%-44s %12.2f %12.2f\n", "paced, p50 ms from due time", calm.p50p, abused.p50p);
	printf("%-44s %12.2f %12.2f   %-28s %s\n", "paced, p99 ms from due time", calm.p99p,
	       abused.p99p, "<= 4x of no abuse", met(abused.p99p <= 4 * calm.p99p));
	printf("%-44s %12.2f %12.2f\n", "new client: connect + handshake, p50 ms", calm.conn_p50,
	       abused.conn_p50);
	printf("%-44s %12.2f %12.2f\n", "new client: connect + handshake, worst ms",
	       calm.conn_worst, abused.conn_worst);
	printf("%-44s %12d %12d\n", "new client: not connected within 10 s, of 20",
	       calm.conn_failed, abused.conn_failed);
	printf("%-44s %12.1f %12.1f   %-28s %s\n", "daemon peak RSS (VmHWM), MB", calm.peak_mb,
	       abused.peak_mb, "<= 256 MB", met(abused.peak_mb <= ABUSE_TARGET_RSS_MB));
	printf("   the abusers met: %ld never-sending and %ld silent authenticated connections "
	       "closed at their deadlines; %ld handshakes flooded (%ld failed or refused); "
	       "%ld + %ld oversized prefixes closed (before + after the handshake); %ld "
	       "slow writers closed; %ld requests sent by non-reading clients (%ld of them seen "
	       "closed: the close waits behind their own full receive window); %ld abusive "
	       "handshakes not completed\n",
	       b.st->idle_closed, b.st->auth_idle_closed, b.st->handshakes, b.st->flood_failed,
	       b.st->oversize_closed, b.st->oversize_auth_closed, b.st->slow_writers_closed,
	       b.st->slow_reader_requests, b.st->slow_readers_closed, b.st->auth_failed);
	missed = (abused.closed_rate < 0.5 * calm.closed_rate) + (abused.p99p > 4 * calm.p99p) +
	         (abused.peak_mb > ABUSE_TARGET_RSS_MB);
	if (b.errors != 0) {
		die("%llu well-behaved replies were not OK", (unsigned long long)b.errors);
		goto out;
	}
	printf("%s\n", missed ? "target(s) MISSED" : "Every target met.");
	rc = 0;
out:
	abusers_stop();
	for (int i = 0; i < ABUSE_GOOD; i++) {
		if (b.c[i].fd > 0)
			close(b.c[i].fd);
		channel_free(b.c[i].ch);
		frame_decoder_free(b.c[i].dec);
		note_skey_free(b.c[i].key);
	}
	for (int i = 0; i < ABUSE_KEYS; i++)
		note_skey_free(b.abuser_keys[i]);
	if (ep >= 0)
		close(ep);
	if (stop_daemon() != 0)
		rc = 1;
	remove_dir();
	free(b.status);
	free(b.lat);
	return rc;
}
