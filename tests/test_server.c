/*
 * test_server.c: the real suijid (`suijid run`) on 127.0.0.1 with a free
 * port and on a Unix socket in the test's directory, driven by the real
 * client binary and, where a test needs to misbehave on the wire, by a
 * small client written here from the channel and frame code ("raw").
 *
 * Every test starts its own daemon with a config file written for it, and
 * stops it by its pid at the end whatever happened: the test body runs in
 * a function of its own, so that a failed CHECK returns to the caller that
 * stops the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "tests/harness.h"
#include "wire/channel.h"
#include "wire/frame.h"

#define SUIJID  harness_bin("suijid")
#define SUIJI   harness_bin("suiji")
#define VERIFY  harness_bin("suiji-verify")
#define ORIGIN  "suiji.test/srv"
#define WAIT_MS 10000 /* the longest any step may take under the sanitizers */

/* --- small helpers --- */

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* --- the daemon --- */

struct daemon {
	pid_t pid;
	int port;
	char dir[512];  /* the test's directory */
	char data[600]; /* DIR/data: the daemon's data directory */
	char sock[600]; /* DIR/s.sock */
	char out[600];  /* the daemon's stdout and stderr */
	char log[600];
	char conn[1600];  /* suiji's connection options, TCP, without -k */
	char uconn[1600]; /* the same over the Unix socket */
	uint8_t pk[32];   /* the daemon's identity */
	struct note_skey *admin;
};

/* Starts `suijid run` and waits for both "listening" lines. */
static int daemon_start(struct daemon *d)
{
	int64_t end = ms_now() + WAIT_MS;

	/* A previous run's lines must not be taken for this one's. */
	unlink(d->out);
	d->port = 0;
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		int fo = open(d->out, O_WRONLY | O_CREAT | O_EXCL, 0600);
		int fe = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execl(SUIJID, "suijid", "-d", d->data, "run", (char *)NULL);
		_exit(127);
	}
	while (ms_now() < end) {
		char line[256];
		int port = 0, unix_seen = 0;
		FILE *f = fopen(d->out, "r");
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "listening on tcp:127.0.0.1:%d", &port) == 1)
				d->port = port;
			if (strncmp(line, "listening on unix:", 18) == 0)
				unix_seen = 1;
		}
		if (f != NULL)
			fclose(f);
		if (d->port > 0 && unix_seen) {
			snprintf(d->conn, sizeof d->conn,
			         "--server tcp:127.0.0.1:%d --daemon-key %s/daemon.vkey", d->port,
			         d->dir);
			snprintf(d->uconn, sizeof d->uconn,
			         "--server unix:%s --daemon-key %s/daemon.vkey", d->sock, d->dir);
			return 0;
		}
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			return -1;
		}
		sleep_ms(10);
	}
	return -1;
}

/* SIGTERM, then the exit status (-1 if it did not exit normally in time;
 * it is then killed). */
static int daemon_stop(struct daemon *d)
{
	int64_t end = ms_now() + WAIT_MS;
	int st;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	while (ms_now() < end) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		sleep_ms(10);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return -1;
}

static void daemon_free(struct daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGCONT);
		(void)daemon_stop(d);
	}
	note_skey_free(d->admin);
	d->admin = NULL;
}

/*
 * A log with agency sfj and an admin client (admin.key) registered by the
 * operator, the daemon key printed to daemon.vkey, and a config file of
 * test settings plus `extra`; then the daemon is started.
 */
static int daemon_setup(struct daemon *d, const char *extra)
{
	char conf[2048], path[700], *out = NULL, err[256];
	struct note_vkey vk;
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	memset(d, 0, sizeof *d);
	if (sodium_init() < 0)
		return -1;
	snprintf(d->dir, sizeof d->dir, "%s", harness_tmpdir());
	snprintf(d->data, sizeof d->data, "%s/data", d->dir);
	snprintf(d->sock, sizeof d->sock, "%s/s.sock", d->dir);
	snprintf(d->out, sizeof d->out, "%s/daemon.out", d->dir);
	snprintf(d->log, sizeof d->log, "%s/daemon.log", d->dir);
	rc = harness_run(&out,
	                 "cd %s && %s -d data init --origin " ORIGIN " >/dev/null && "
	                 "%s -d data log-key > log.vkey && "
	                 "%s -d data add-agency --code sfj --name 司法局 >/dev/null && "
	                 "%s keygen -k admin.key --name admin@sfj > admin.vkey && "
	                 "%s -d data add-client --key admin.vkey --agency sfj --role admin "
	                 ">/dev/null && %s -d data daemon-key > daemon.vkey",
	                 d->dir, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJID);
	if (rc != 0) {
		printf("    setup: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	snprintf(path, sizeof path, "%s/daemon.vkey", d->dir);
	if (util_read_file(&buf, &len, path, 4096) != SJ_OK)
		return -1;
	while (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	rc = note_vkey_parse(&vk, (const char *)buf);
	free(buf);
	if (rc != SJ_OK)
		return -1;
	memcpy(d->pk, vk.pk, 32);
	snprintf(path, sizeof path, "%s/admin.key", d->dir);
	if (keyfile_load(&d->admin, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK)
		return -1;
	snprintf(conf, sizeof conf,
	         "# written by test_server.c\n"
	         "listen_tcp = 127.0.0.1:0\n"
	         "listen_unix = %s   # the test's own socket\n"
	         "log_level = debug\n"
	         "%s",
	         d->sock, extra ? extra : "");
	snprintf(path, sizeof path, "%s/suijid.conf", d->data);
	if (write_text(path, conf) != 0)
		return -1;
	return daemon_start(d);
}

/* The daemon's log so far, malloc'd. */
static char *daemon_log(const struct daemon *d)
{
	uint8_t *buf = NULL;
	size_t len;
	if (util_read_file(&buf, &len, d->log, 64u << 20) != SJ_OK)
		return NULL;
	return (char *)buf;
}

static long daemon_rss_kib(const struct daemon *d)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)d->pid);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

/* Stops the daemon (SIGSTOP) and waits until the kernel says it stopped,
 * so that what is sent meanwhile is all there when it resumes. */
static int daemon_pause(const struct daemon *d)
{
	char path[64], buf[512];
	int64_t end = ms_now() + WAIT_MS;

	kill(d->pid, SIGSTOP);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)d->pid);
	while (ms_now() < end) {
		FILE *f = fopen(path, "r");
		char *p = NULL;
		if (f != NULL) {
			if (fgets(buf, sizeof buf, f) != NULL)
				p = strrchr(buf, ')');
			fclose(f);
		}
		if (p != NULL && p[1] == ' ' && p[2] == 'T')
			return 0;
		sleep_ms(2);
	}
	return -1;
}

/* Waits until the daemon's kernel holds every byte sent on the n
 * connections: on TCP, until the daemon's side has acknowledged them (a
 * loopback segment may wait for a softirq on a loaded machine); a Unix
 * socket's send is in the receiver's queue when it returns. */
static int delivered(const int *fds, int n)
{
	int64_t end = ms_now() + WAIT_MS;

	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int unsent = 1;
		if (getsockname(fds[i], (struct sockaddr *)&ss, &sl) != 0)
			return -1;
		if (ss.ss_family == AF_UNIX)
			continue;
		while (ioctl(fds[i], SIOCOUTQ, &unsent) == 0 && unsent > 0) {
			if (ms_now() > end)
				return -1;
			sleep_ms(1);
		}
	}
	return 0;
}

/* --- a client on the wire --- */

struct raw {
	int fd;
	struct channel *ch;
	struct frame_decoder *dec;
	uint64_t id;
	uint8_t in[65536];
	size_t off, len;
	int record; /* keep a copy of everything sent in sent[] */
	uint8_t *sent;
	size_t sent_len;
};

static int raw_connect_tcp(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

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

static int raw_connect_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int raw_send(struct raw *r, const uint8_t *p, size_t len)
{
	if (r->record) {
		uint8_t *n = realloc(r->sent, r->sent_len + len);
		if (n == NULL)
			return -1;
		memcpy(n + r->sent_len, p, len);
		r->sent = n;
		r->sent_len += len;
	}
	while (len > 0) {
		ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Waits for fd to be readable: 1, or 0 after ms. */
static int readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) > 0;
}

/* The next frame body: 0 and *body, 1 at end of stream, -1 on error or
 * when nothing came within WAIT_MS. */
static int raw_frame(struct raw *r, uint8_t **body, size_t *blen)
{
	for (;;) {
		size_t used = 0;
		ssize_t n;
		if (r->off < r->len) {
			if (frame_decoder_feed(r->dec, body, blen, &used, r->in + r->off,
			                       r->len - r->off) != SJ_OK)
				return -1;
			r->off += used;
			if (*body != NULL)
				return 0;
		}
		r->off = r->len = 0;
		if (!readable(r->fd, WAIT_MS))
			return -1;
		n = recv(r->fd, r->in, sizeof r->in, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
		if (n < 0)
			return -1;
		r->len = (size_t)n;
	}
}

static void raw_close(struct raw *r)
{
	if (r->fd >= 0)
		close(r->fd);
	channel_free(r->ch);
	frame_decoder_free(r->dec);
	free(r->sent);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

/* Runs the handshake on r->fd (connected) as key against pk. */
static int raw_handshake(struct raw *r, const uint8_t pk[32], const struct note_skey *key)
{
	uint8_t *f = NULL, *body = NULL;
	size_t fl = 0, bl = 0;
	int rc;

	if (frame_decoder_new(&r->dec, FRAME_MAX) != SJ_OK ||
	    channel_client_new(&r->ch, pk, key) != SJ_OK || channel_start(r->ch, &f, &fl) != SJ_OK)
		return -1;
	rc = raw_send(r, f, fl);
	free(f);
	if (rc != 0 || raw_frame(r, &body, &bl) != 0)
		return -1;
	rc = channel_handshake(r->ch, &f, &fl, body, bl);
	free(body);
	if (rc != SJ_OK)
		return -1;
	rc = raw_send(r, f, fl);
	free(f);
	return rc;
}

static int raw_open(struct raw *r, const struct daemon *d, const struct note_skey *key,
                    int unix_socket)
{
	memset(r, 0, sizeof *r);
	r->fd = unix_socket ? raw_connect_unix(d->sock) : raw_connect_tcp(d->port);
	if (r->fd < 0)
		return -1;
	if (raw_handshake(r, d->pk, key) != 0) {
		raw_close(r);
		return -1;
	}
	return 0;
}

/* The request counter signed_agency signed last, which the next signed
 * request carries. */
static uint64_t signed_counter;

/* The sealed frame of one Request. */
static int raw_request_frame(struct raw *r, uint8_t **frame, size_t *flen, uint32_t method,
                             const char *agency, const uint8_t *body, size_t len,
                             const uint8_t *sig)
{
	Suiji__Rpc__Request q = SUIJI__RPC__REQUEST__INIT;
	uint8_t *buf;
	size_t n;
	int rc;

	q.version = 1;
	q.id = ++r->id;
	q.method = method;
	q.agency = (char *)(agency ? agency : "");
	q.body.data = (uint8_t *)body;
	q.body.len = len;
	if (sig != NULL) {
		q.signature.data = (uint8_t *)sig;
		q.signature.len = 64;
		q.counter = signed_counter;
	}
	n = suiji__rpc__request__get_packed_size(&q);
	buf = malloc(n ? n : 1);
	if (buf == NULL)
		return -1;
	suiji__rpc__request__pack(&q, buf);
	rc = channel_seal(r->ch, frame, flen, buf, n);
	free(buf);
	return rc == SJ_OK ? 0 : -1;
}

static int raw_send_request(struct raw *r, uint32_t method, const char *agency, const uint8_t *body,
                            size_t len, const uint8_t *sig)
{
	uint8_t *f = NULL;
	size_t fl = 0;
	int rc = raw_request_frame(r, &f, &fl, method, agency, body, len, sig);
	if (rc == 0)
		rc = raw_send(r, f, fl);
	free(f);
	return rc;
}

/* The next Response (the caller frees it), or NULL when the connection
 * ended or anything did not decode. */
static Suiji__Rpc__Response *raw_response(struct raw *r)
{
	Suiji__Rpc__Response *resp;
	uint8_t *body = NULL, *msg = NULL;
	size_t bl = 0, ml = 0;
	int fin = 0;

	if (raw_frame(r, &body, &bl) != 0)
		return NULL;
	if (channel_open(r->ch, &msg, &ml, &fin, body, bl) != SJ_OK || fin) {
		free(body);
		free(msg);
		return NULL;
	}
	free(body);
	resp = suiji__rpc__response__unpack(NULL, ml, msg);
	free(msg);
	return resp;
}

/* One request and its response's code (-1 when none came). */
static int raw_call(struct raw *r, uint32_t method, const char *agency, const uint8_t *body,
                    size_t len, const uint8_t *sig, char *message, size_t cap)
{
	Suiji__Rpc__Response *resp;
	int code;

	if (raw_send_request(r, method, agency, body, len, sig) != 0)
		return -1;
	resp = raw_response(r);
	if (resp == NULL)
		return -1;
	code = (int)resp->code;
	if (message != NULL)
		snprintf(message, cap, "%s", resp->message);
	suiji__rpc__response__free_unpacked(resp, NULL);
	return code;
}

/* The ledger's size as the daemon reports it, or -1. */
static long long raw_entries(struct raw *r)
{
	Suiji__Rpc__StatusReply *st;
	Suiji__Rpc__Response *resp;
	long long n = -1;

	if (raw_send_request(r, SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL, 0, NULL) != 0)
		return -1;
	resp = raw_response(r);
	if (resp == NULL)
		return -1;
	if (resp->code == SUIJI__RPC__CODE__CODE_OK) {
		st = suiji__rpc__status_reply__unpack(NULL, resp->body.len, resp->body.data);
		if (st != NULL) {
			n = (long long)st->entries;
			suiji__rpc__status_reply__free_unpacked(st, NULL);
		}
	}
	suiji__rpc__response__free_unpacked(resp, NULL);
	return n;
}

/* A register-agency request signed by key for agency: its payload and
 * signature. parent may name an agency that does not exist. */
static size_t signed_agency(uint8_t *buf, size_t cap, uint8_t sig[64], const struct note_skey *key,
                            const char *agency, const char *code, const char *parent)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	uint8_t *msg = NULL;
	size_t n, ml;

	m.code = (char *)code;
	m.name = (char *)"测试机关";
	m.parent = (char *)parent;
	n = suiji__agency_register__get_packed_size(&m);
	if (n > cap)
		return 0;
	suiji__agency_register__pack(&m, buf);
	signed_counter = util_request_counter();
	if (entry_request_message(&msg, &ml, ORIGIN, ENTRY_AGENCY_REGISTER, signed_counter, agency,
	                          strlen(agency), buf, n) != SJ_OK)
		return 0;
	note_skey_sign_raw(sig, msg, ml, key);
	free(msg);
	return n;
}

/* 1 when the peer closes fd within ms (whatever it sends first is
 * read and dropped), else 0. */
static int closed_within(int fd, int ms)
{
	int64_t end = ms_now() + ms;
	uint8_t buf[4096];

	while (ms_now() < end) {
		ssize_t n;
		if (!readable(fd, (int)(end - ms_now())))
			return 0;
		n = recv(fd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
			return 1;
		if (n < 0)
			return 0;
	}
	return 0;
}

/* 1 when the peer has closed fd (anything it sent first is dropped),
 * without waiting. */
static int is_closed(int fd)
{
	uint8_t buf[4096];
	while (readable(fd, 0)) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
			return 1;
		if (n < 0)
			return 0;
	}
	return 0;
}

/* A key made in the test, written to DIR/name.key with its verifier key
 * in DIR/name.vkey. */
static int make_key(const struct daemon *d, const char *name, int witness, struct note_skey **out)
{
	char path[700], vkey[NOTE_MAX_VKEY + 1], err[256];
	struct note_skey *k = NULL;
	struct note_vkey v;

	snprintf(path, sizeof path, "%s/%s.key", d->dir, name);
	if (keyfile_load(&k, path, name, witness ? NOTE_TYPE_COSIG_V1 : NOTE_TYPE_ED25519, 1, NULL,
	                 err, sizeof err) != SJ_OK)
		return -1;
	note_skey_public(&v, k);
	if (note_vkey_format(vkey, sizeof vkey - 1, v.name, v.type, v.pk) != SJ_OK) {
		note_skey_free(k);
		return -1;
	}
	strcat(vkey, "\n");
	snprintf(path, sizeof path, "%s/%s.vkey", d->dir, name);
	if (write_text(path, vkey) != 0) {
		note_skey_free(k);
		return -1;
	}
	if (out != NULL)
		*out = k;
	else
		note_skey_free(k);
	return 0;
}

#define RUN_BODY(fn, extra)                                                                        \
	do {                                                                                       \
		struct daemon d_;                                                                  \
		if (daemon_setup(&d_, (extra)) != 0) {                                             \
			char *l_ = daemon_log(&d_);                                                \
			printf("    daemon did not start: %s\n", l_ ? l_ : "");                    \
			free(l_);                                                                  \
			harness_fail(__FILE__, __LINE__, "daemon_setup");                          \
		} else {                                                                           \
			fn(&d_);                                                                   \
		}                                                                                  \
		daemon_free(&d_);                                                                  \
	} while (0)

/* --- the tests --- */

static void operator_cycle(struct daemon *d)
{
	char *out = NULL, conf[2200], path[700];

	/* The admin registers an agency, a client and a witness over RPC,
	 * over TCP and over the Unix socket. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s register-agency %s -k admin.key --code scjg "
	                      "--name 市场监督管理局 --parent sfj",
	                      d->dir, SUIJI, d->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "entry 3: agency-register");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s keygen -k op.key --name op@scjg > op.vkey && "
	                      "%s register-client %s -k admin.key --key op.vkey "
	                      "--agency scjg --role operator --name 操作员",
	                      d->dir, SUIJI, SUIJI, d->uconn),
	          ==, 0);
	CHECK_STR_HAS(out, "entry 4: client-register");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s keygen -k w.key --name witness.test/w --witness "
	                      "> w.vkey && %s add-witness %s -k admin.key --key w.vkey "
	                      "--note 见证 --json",
	                      d->dir, SUIJI, SUIJI, d->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "{\"ok\":true,\"seq\":5,\"type\":\"witness-add\"}");
	free(out);

	/* The operator, from a settings file. */
	snprintf(conf, sizeof conf,
	         "# suiji settings\nserver = tcp:127.0.0.1:%d\ndaemon_key = %s/daemon.vkey\n"
	         "key = %s/op.key   # the operator's key\ntimeout_ms = 5000\n",
	         d->port, d->dir, d->dir);
	snprintf(path, sizeof path, "%s/client.conf", d->dir);
	CHECK_INT(write_text(path, conf), ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s status --config client.conf", d->dir, SUIJI), ==,
	          0);
	CHECK_STR_HAS(out, "origin: " ORIGIN);
	CHECK_STR_HAS(out, "entries: 6");
	CHECK_STR_HAS(out, "you: operator of agency scjg");
	free(out);

	/* A checkpoint signed by the log operator; a business proves its
	 * entry with what the daemon serves, and the log key alone. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s -d data checkpoint -o cp >/dev/null && "
	                      "%s checkpoint %s -k admin.key -o cp.rpc && cmp cp cp.rpc && "
	                      "%s entry 4 %s -k admin.key -o e4 && "
	                      "%s prove-inclusion 4 %s -k op.key -o p4 && "
	                      "%s proof inclusion --log-key log.vkey --entry e4 p4",
	                      d->dir, SUIJID, SUIJI, d->conn, SUIJI, d->uconn, SUIJI, d->conn,
	                      VERIFY),
	          ==, 0);
	CHECK_STR_HAS(out, "entry 4 is in " ORIGIN " at tree size 6");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s prove-consistency 2 %s -k op.key --json", d->dir,
	                      SUIJI, d->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "\"proof\":");
	free(out);

	/* An auditor's ledger export over RPC verifies on its own; an operator
	 * may not read raw entries, so cannot export (least privilege). */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s export %s -k admin.key -o ledger.export && "
	                      "%s --log-key log.vkey ledger.export",
	                      d->dir, SUIJI, d->conn, VERIFY),
	          ==, 0);
	CHECK_STR_HAS(out, "exported 6 entries and the checkpoint at size 6");
	CHECK_STR_HAS(out, "ok: " ORIGIN ": 6 entries, 1 checkpoints");
	free(out);
	CHECK_INT(harness_run(&out, "cd %s && %s export %s -k op.key -o op.export", d->dir, SUIJI,
	                      d->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "may not call get-entry");
	free(out);
	CHECK_INT(harness_run(NULL, "test ! -e %s/op.export && test ! -e %s/op.export.part", d->dir,
	                      d->dir),
	          ==, 0);

	CHECK_INT(daemon_stop(d), ==, 0);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s --log-key log.vkey --witness w.vkey data/ledger.db",
	                      d->dir, VERIFY),
	          ==, 0);
	CHECK_STR_HAS(out, "ok: " ORIGIN ": 6 entries");
	free(out);
}

TEST(server_operator_cycle, "over RPC an admin registers an agency, an operator and a witness, the "
                            "operator reads its status, proofs check, and the ledger verifies")
{
	RUN_BODY(operator_cycle, NULL);
}

#define NROLES 5
static const char *const role_names[NROLES + 1] = {"",           "operator", "legal",
                                                   "supervisor", "auditor",  "admin"};

static void roles(struct daemon *d)
{
	static const struct {
		const char *args; /* after the command name; %d is a counter */
		unsigned roles;   /* bit r: role r may */
	} ops[] = {
	    {"status", 0x3e},
	    {"checkpoint -o cp%d", 0x3e},
	    {"entry 1 -o e%d", (1u << 3) | (1u << 4) | (1u << 5)},
	    {"prove-inclusion 1 -o p%d", 0x3e},
	    {"prove-consistency 1 -o c%d", 0x3e},
	    {"register-agency --code n%d --name 新机关 --parent sfj", 1u << 5},
	    {"register-client --key fresh.vkey --agency sfj --role auditor", 1u << 5},
	    {"revoke-client --key victim.vkey --reason 离职", 1u << 5},
	    {"add-witness --key fw.vkey", 1u << 5},
	};
	struct note_skey *victim_key = NULL;
	struct raw w, victim;
	char *out = NULL, args[256], cmd[2400];
	long long size, expect;
	int n = 0, allowed = 0, refused = 0;

	/* One client of every role (admin exists), a victim to revoke, a
	 * fresh client and witness key to register; then a checkpoint. */
	CHECK_INT(daemon_stop(d), ==, 0);
	for (int r = 1; r < NROLES; r++) {
		CHECK_INT(make_key(d, role_names[r], 0, NULL), ==, 0);
		CHECK_INT(harness_run(NULL,
		                      "cd %s && %s -d data add-client --key %s.vkey "
		                      "--agency sfj --role %s >/dev/null",
		                      d->dir, SUIJID, role_names[r], role_names[r]),
		          ==, 0);
	}
	CHECK_INT(make_key(d, "victim", 0, NULL), ==, 0);
	CHECK_INT(make_key(d, "fresh", 0, NULL), ==, 0);
	CHECK_INT(make_key(d, "fw", 1, NULL), ==, 0);
	CHECK_INT(harness_run(NULL,
	                      "cd %s && %s -d data add-client --key victim.vkey --agency sfj "
	                      "--role auditor >/dev/null && %s -d data checkpoint >/dev/null",
	                      d->dir, SUIJID, SUIJID),
	          ==, 0);
	CHECK_INT(daemon_start(d), ==, 0);
	CHECK_INT(raw_open(&w, d, d->admin, 0), ==, 0);
	expect = raw_entries(&w);
	CHECK_INT(expect, ==, 8);
	/* The victim is connected before it is revoked. */
	snprintf(cmd, sizeof cmd, "%s/victim.key", d->dir);
	CHECK_INT(keyfile_load(&victim_key, cmd, NULL, 0, 0, NULL, args, sizeof args), ==, SJ_OK);
	CHECK_INT(raw_open(&victim, d, victim_key, 1), ==, 0);
	CHECK_INT(raw_entries(&victim), ==, expect);

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		for (int r = 1; r <= NROLES; r++) {
			int may = (ops[i].roles >> r) & 1, rc;
			snprintf(args, sizeof args, ops[i].args, ++n);
			snprintf(cmd, sizeof cmd, "cd %s && %s %s %s -k %s.key", d->dir, SUIJI,
			         args, n % 2 ? d->conn : d->uconn,
			         r == NROLES ? "admin" : role_names[r]);
			rc = harness_run(&out, "%s", cmd);
			if (rc != (may ? 0 : 1))
				printf("    %s as %s: exit %d: %s", args, role_names[r], rc,
				       out ? out : "");
			CHECK_INT(rc, ==, may ? 0 : 1);
			if (!may) {
				CHECK_STR_HAS(out, "may not call");
				CHECK_STR_HAS(out, role_names[r]);
				CHECK_STR_HAS(out, "[FORBIDDEN]");
				refused++;
			} else {
				allowed++;
				expect += strncmp(args, "register", 8) == 0 ||
				          strncmp(args, "revoke", 6) == 0 ||
				          strncmp(args, "add-", 4) == 0;
			}
			free(out);
			out = NULL;
			size = raw_entries(&w);
			CHECK_INT(size, ==, expect);
		}
	}
	printf("    %d allowed and %d refused role x operation pairs over the daemon\n", allowed,
	       refused);
	/* Its open connection is closed at its next request, and the key is
	 * refused at the handshake from now on. */
	CHECK_INT(raw_entries(&victim), ==, -1);
	out = daemon_log(d);
	CHECK_STR_HAS(out, ": revoked; closing");
	free(out);
	out = NULL;
	raw_close(&victim);
	note_skey_free(victim_key);
	victim_key = NULL;
	CHECK_INT(harness_run(&out, "cd %s && %s status %s -k victim.key", d->dir, SUIJI, d->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "does not admit this client key");
	free(out);
	raw_close(&w);
	CHECK_INT(daemon_stop(d), ==, 0);
	CHECK_INT(
	    harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", d->dir, VERIFY), ==,
	    0);
	free(out);
}

TEST(server_roles_over_rpc,
     "every role x operation pair over the real daemon: allowed ones succeed, the others are "
     "refused as forbidden and the ledger keeps its size")
{
	RUN_BODY(roles, NULL);
}

static void handshakes(struct daemon *d)
{
	struct note_skey *stranger = NULL;
	struct raw r, again;
	uint8_t *body = NULL;
	size_t bl = 0;
	char *out = NULL, *log;
	int rc;

	/* A key the ledger does not know. */
	CHECK_INT(make_key(d, "stranger", 0, &stranger), ==, 0);
	rc = harness_run(&out, "cd %s && %s status %s -k stranger.key", d->dir, SUIJI, d->conn);
	CHECK_INT(rc, ==, 1);
	CHECK_STR_HAS(out, "does not admit this client key");
	free(out);
	log = daemon_log(d);
	CHECK_STR_HAS(log, "is not registered or is revoked");
	free(log);
	note_skey_free(stranger);

	/* A client pinning another daemon key refuses to talk. */
	rc = harness_run(&out,
	                 "cd %s && %s status --server tcp:127.0.0.1:%d --daemon-key "
	                 "admin.vkey -k admin.key",
	                 d->dir, SUIJI, d->port);
	CHECK_INT(rc, ==, 1);
	CHECK_STR_HAS(out, "refusing to talk");
	free(out);

	/* A recorded session, replayed on a new connection, gets message 2
	 * and is closed: no reply to its request. */
	memset(&r, 0, sizeof r);
	r.record = 1;
	r.fd = raw_connect_tcp(d->port);
	CHECK(r.fd >= 0);
	CHECK_INT(raw_handshake(&r, d->pk, d->admin), ==, 0);
	CHECK_INT(raw_entries(&r), ==, 3);
	memset(&again, 0, sizeof again);
	again.fd = raw_connect_tcp(d->port);
	CHECK(again.fd >= 0);
	CHECK_INT(frame_decoder_new(&again.dec, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(raw_send(&again, r.sent, r.sent_len), ==, 0);
	CHECK_INT(raw_frame(&again, &body, &bl), ==, 0);
	CHECK_INT(bl, ==, CHANNEL_MSG2_SIZE);
	free(body);
	body = NULL;
	CHECK_INT(raw_frame(&again, &body, &bl), ==, 1);
	raw_close(&again);
	raw_close(&r);
	log = daemon_log(d);
	CHECK_STR_HAS(log, "closed: handshake failed");
	free(log);
}

TEST(server_handshake_refusals,
     "an unknown client key, a client pinning the wrong daemon key and a replayed session all fail")
{
	RUN_BODY(handshakes, NULL);
}

/* A fresh TCP connection that sends bytes, then checks that the daemon
 * closes it. */
static int garbage_closed(const struct daemon *d, const void *bytes, size_t len, int shut)
{
	int fd = raw_connect_tcp(d->port), ok;
	if (fd < 0)
		return 0;
	if (send(fd, bytes, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return 0;
	}
	if (shut)
		shutdown(fd, SHUT_WR);
	ok = closed_within(fd, WAIT_MS);
	close(fd);
	return ok;
}

static void garbage(struct daemon *d)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 1, 2, 3};
	static const uint8_t zero[] = {0, 0, 0, 0};
	static const uint8_t cut[] = {0, 0, 0, 69, 'S', 'J', 'H', '1', 1};
	uint8_t small[4 + 50], rnd[4 + 200], big[4] = {0, 0x10, 0, 0}, body[64];
	struct raw w, r;
	char msg[600];
	Suiji__Rpc__Response *resp;

	CHECK_INT(raw_open(&w, d, d->admin, 1), ==, 0);
	CHECK_INT(raw_entries(&w), ==, 3);

	/* Before the handshake: HTTP, a huge length, a zero length, a frame
	 * cut short, a handshake message of the wrong size. */
	CHECK(garbage_closed(d, http, sizeof http - 1, 0));
	CHECK_INT(raw_entries(&w), ==, 3);
	CHECK(garbage_closed(d, huge, sizeof huge, 0));
	CHECK(garbage_closed(d, zero, sizeof zero, 0));
	CHECK(garbage_closed(d, cut, sizeof cut, 1));
	CHECK_INT(raw_entries(&w), ==, 3);
	small[0] = small[1] = small[2] = 0;
	small[3] = 50;
	randombytes_buf(small + 4, 50);
	CHECK(garbage_closed(d, small, sizeof small, 0));
	CHECK_INT(raw_entries(&w), ==, 3);

	/* After it: a frame that does not authenticate, and one above
	 * max_frame (64 KiB in this test's config). */
	CHECK_INT(raw_open(&r, d, d->admin, 0), ==, 0);
	rnd[0] = rnd[1] = 0;
	rnd[2] = 0;
	rnd[3] = 200;
	randombytes_buf(rnd + 4, 200);
	CHECK_INT(raw_send(&r, rnd, sizeof rnd), ==, 0);
	CHECK(closed_within(r.fd, WAIT_MS));
	raw_close(&r);
	CHECK_INT(raw_open(&r, d, d->admin, 0), ==, 0);
	CHECK_INT(raw_send(&r, big, sizeof big), ==, 0);
	CHECK(closed_within(r.fd, WAIT_MS));
	raw_close(&r);
	CHECK_INT(raw_entries(&w), ==, 3);

	/* An unknown method and a body that is no Request get error
	 * replies, and the connection goes on. */
	CHECK_INT(raw_open(&r, d, d->admin, 0), ==, 0);
	CHECK_INT(raw_call(&r, 999, "", NULL, 0, NULL, msg, sizeof msg), ==,
	          SUIJI__RPC__CODE__CODE_UNKNOWN_METHOD);
	CHECK_STR_HAS(msg, "unknown method 999");
	{
		uint8_t *f = NULL;
		size_t fl = 0;
		memset(body, 0xff, sizeof body);
		CHECK_INT(channel_seal(r.ch, &f, &fl, body, sizeof body), ==, SJ_OK);
		CHECK_INT(raw_send(&r, f, fl), ==, 0);
		free(f);
		resp = raw_response(&r);
		CHECK(resp != NULL);
		CHECK_INT(resp->code, ==, SUIJI__RPC__CODE__CODE_BAD_REQUEST);
		suiji__rpc__response__free_unpacked(resp, NULL);
	}
	CHECK_INT(raw_entries(&r), ==, 3);
	raw_close(&r);
	CHECK_INT(raw_entries(&w), ==, 3);
	raw_close(&w);
}

TEST(server_garbage_closes_one_connection,
     "garbage, oversized, truncated and forged frames close that connection only, an unknown "
     "method gets an error reply, and another client is served throughout")
{
	RUN_BODY(garbage, "max_frame = 65536\n");
}

static void slow_clients(struct daemon *d)
{
	static const uint8_t half[] = {0, 0, 0, 69, 'S', 'J', 'H', '1', 1, 0, 0};
	struct raw w, idle, trickle;
	int fds[4], served = 0;
	int64_t opened[4], closed[4] = {0, 0, 0, 0}, end;
	uint8_t *f = NULL;
	size_t fl = 0;

	CHECK_INT(raw_open(&w, d, d->admin, 0), ==, 0);
	opened[0] = ms_now();
	fds[0] = raw_connect_tcp(d->port);
	opened[1] = ms_now();
	fds[1] = raw_connect_unix(d->sock);
	CHECK(fds[0] >= 0 && fds[1] >= 0);
	CHECK(send(fds[1], half, sizeof half, MSG_NOSIGNAL) == (ssize_t)sizeof half);
	CHECK_INT(raw_open(&idle, d, d->admin, 0), ==, 0);
	opened[2] = ms_now();
	fds[2] = idle.fd;
	CHECK_INT(raw_open(&trickle, d, d->admin, 1), ==, 0);
	/* Half a data frame: its bytes do not count as activity. */
	CHECK_INT(raw_request_frame(&trickle, &f, &fl, SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL,
	                            0, NULL),
	          ==, 0);
	CHECK_INT(raw_send(&trickle, f, fl / 2), ==, 0);
	free(f);
	opened[3] = ms_now();
	fds[3] = trickle.fd;

	end = ms_now() + 5000;
	while (ms_now() < end && !(closed[0] && closed[1] && closed[2] && closed[3])) {
		CHECK_INT(raw_entries(&w), ==, 3);
		served++;
		for (int i = 0; i < 4; i++)
			if (!closed[i] && is_closed(fds[i]))
				closed[i] = ms_now() - opened[i];
		sleep_ms(30);
	}
	printf("    closed after %lld, %lld, %lld, %lld ms; %d requests served meanwhile\n",
	       (long long)closed[0], (long long)closed[1], (long long)closed[2],
	       (long long)closed[3], served);
	CHECK(closed[0] && closed[1] && closed[2] && closed[3]);
	/* Handshake deadline 300 ms, idle deadline 600 ms: not before. */
	CHECK(closed[0] >= 290 && closed[1] >= 290);
	CHECK(closed[2] >= 590 && closed[3] >= 590);
	CHECK_INT(raw_entries(&w), ==, 3);
	close(fds[0]);
	close(fds[1]);
	raw_close(&idle);
	raw_close(&trickle);
	raw_close(&w);
}

TEST(server_slow_clients_time_out,
     "connections that send nothing, half a frame or nothing after the handshake are closed by the "
     "deadlines while another client is served")
{
	RUN_BODY(slow_clients, "handshake_timeout_ms = 300\nidle_timeout_ms = 600\n");
}

static void limits(struct daemon *d)
{
	struct raw w, q;
	uint8_t *f = NULL, *body = NULL;
	size_t fl = 0, bl = 0;
	int idle[2], extra[4], over;
	char msg[600];
	int limited = 0;

	CHECK_INT(raw_open(&w, d, d->admin, 0), ==, 0);
	/* Two silent connections take both handshake slots; a third waits
	 * for one, unread, and is served once they go. */
	idle[0] = raw_connect_tcp(d->port);
	idle[1] = raw_connect_tcp(d->port);
	CHECK(idle[0] >= 0 && idle[1] >= 0);
	sleep_ms(50);
	memset(&q, 0, sizeof q);
	q.fd = raw_connect_tcp(d->port);
	CHECK(q.fd >= 0);
	CHECK_INT(frame_decoder_new(&q.dec, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(channel_client_new(&q.ch, d->pk, d->admin), ==, SJ_OK);
	CHECK_INT(channel_start(q.ch, &f, &fl), ==, SJ_OK);
	CHECK_INT(raw_send(&q, f, fl), ==, 0);
	free(f);
	CHECK(!readable(q.fd, 200));
	close(idle[0]);
	close(idle[1]);
	CHECK_INT(raw_frame(&q, &body, &bl), ==, 0);
	CHECK_INT(channel_handshake(q.ch, &f, &fl, body, bl), ==, SJ_OK);
	free(body);
	CHECK_INT(raw_send(&q, f, fl), ==, 0);
	free(f);
	CHECK_INT(raw_entries(&q), ==, 3);

	/* max_connections = 6: w, q and four more are let in; the next is
	 * closed at once, and w is still served. */
	for (int i = 0; i < 4; i++) {
		extra[i] = raw_connect_tcp(d->port);
		CHECK(extra[i] >= 0);
	}
	over = raw_connect_tcp(d->port);
	CHECK(over >= 0);
	CHECK(closed_within(over, 2000));
	close(over);
	CHECK_INT(raw_entries(&w), ==, 3);
	for (int i = 0; i < 4; i++)
		close(extra[i]);

	/* The rate limit (burst 5, 2 per second) answers RATE_LIMITED and
	 * keeps the connection. w and q share the admin key's bucket; at
	 * most 5 + 1 of these 12 requests (sent within half a second even
	 * on a slow machine) find a token. */
	sleep_ms(1100);
	for (int i = 0; i < 12; i++)
		limited += raw_call(&q, SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL, 0, NULL, msg,
		                    sizeof msg) == SUIJI__RPC__CODE__CODE_RATE_LIMITED;
	CHECK(limited >= 6);
	CHECK_STR_HAS(msg, "rate limit");
	sleep_ms(1100);
	CHECK_INT(raw_entries(&q), ==, 3);
	CHECK_INT(raw_entries(&w), ==, 3);
	raw_close(&q);
	raw_close(&w);
}

TEST(server_connection_limits,
     "handshakes beyond max_handshakes wait for a slot, a connection beyond max_connections is "
     "closed at once, and a client over its rate gets RATE_LIMITED on an open connection")
{
	RUN_BODY(limits, "max_handshakes = 2\nmax_connections = 6\nrate_per_sec = 2\n"
	                 "rate_burst = 5\nhandshake_timeout_ms = 5000\n");
}

static void slow_reader(struct daemon *d)
{
	struct raw w, s;
	uint8_t *f = NULL;
	size_t fl = 0, sent = 0;
	char *log;
	int rcv = 4096;
	int64_t end;

	CHECK_INT(raw_open(&w, d, d->admin, 0), ==, 0);
	memset(&s, 0, sizeof s);
	s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(s.fd >= 0);
	setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	{
		struct sockaddr_in sa;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)d->port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK(connect(s.fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	}
	CHECK_INT(raw_handshake(&s, d->pk, d->admin), ==, 0);
	/* Requests, and never a read: the replies pile up in the daemon. */
	CHECK(fcntl(s.fd, F_SETFL, O_NONBLOCK) == 0);
	end = ms_now() + WAIT_MS;
	while (ms_now() < end) {
		ssize_t n;
		if (f == NULL)
			CHECK_INT(raw_request_frame(&s, &f, &fl, SUIJI__RPC__METHOD__METHOD_STATUS,
			                            "", NULL, 0, NULL),
			          ==, 0);
		n = send(s.fd, f, fl, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			sleep_ms(5);
			log = daemon_log(d);
			if (log != NULL && strstr(log, "reply bytes unread") != NULL) {
				free(log);
				break;
			}
			free(log);
			continue;
		}
		if (n < 0)
			break; /* closed by the daemon */
		/* A partial send would leave the stream mid-frame; the
		 * daemon closes this connection either way. */
		sent += (size_t)n;
		free(f);
		f = NULL;
	}
	free(f);
	log = daemon_log(d);
	CHECK_STR_HAS(log, "leaves more than 65536 reply bytes unread");
	free(log);
	printf("    %zu request bytes sent before the daemon gave up on the reader\n", sent);
	CHECK_INT(raw_entries(&w), ==, 3);
	raw_close(&s);
	raw_close(&w);
}

TEST(server_slow_reader_closed, "a client that does not read its replies is closed past "
                                "max_write_queue, and another client is served")
{
	RUN_BODY(slow_reader, "max_write_queue = 65536\nrate_per_sec = 0\n");
}

#define MANY 1000

static void many(struct daemon *d)
{
	struct raw *r = calloc(MANY, sizeof *r);
	struct rlimit rl;
	struct raw w;
	long rss0, rss1;
	int n = MANY, done = 0, ok = 0;
	int64_t end;

	CHECK(r != NULL);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < MANY + 64) {
		rl.rlim_cur = rl.rlim_max < MANY + 64 ? rl.rlim_max : MANY + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < MANY + 64) {
		n = (int)rl.rlim_cur - 64;
		printf("    RLIMIT_NOFILE is %llu: testing %d connections, not %d\n",
		       (unsigned long long)rl.rlim_cur, n, MANY);
	}
	CHECK_INT(raw_open(&w, d, d->admin, 0), ==, 0);
	CHECK_INT(raw_entries(&w), ==, 3);
	rss0 = daemon_rss_kib(d);
	/* Every connection sends message 1 at once; the daemon takes 64
	 * handshakes at a time and the rest wait for a slot. */
	for (int i = 0; i < n; i++) {
		uint8_t *f = NULL;
		size_t fl = 0;
		r[i].fd = raw_connect_tcp(d->port);
		CHECK(r[i].fd >= 0);
		CHECK_INT(frame_decoder_new(&r[i].dec, FRAME_MAX), ==, SJ_OK);
		CHECK_INT(channel_client_new(&r[i].ch, d->pk, d->admin), ==, SJ_OK);
		CHECK_INT(channel_start(r[i].ch, &f, &fl), ==, SJ_OK);
		CHECK_INT(raw_send(&r[i], f, fl), ==, 0);
		free(f);
	}
	CHECK_INT(raw_entries(&w), ==, 3);
	/* Message 2 as it comes; message 3 and a status request at once. */
	end = ms_now() + 4 * WAIT_MS;
	while (done < n && ms_now() < end) {
		struct pollfd *p = calloc((size_t)n, sizeof *p);
		CHECK(p != NULL);
		for (int i = 0; i < n; i++) {
			p[i].fd = r[i].ch != NULL && !channel_established(r[i].ch) ? r[i].fd : -1;
			p[i].events = POLLIN;
		}
		poll(p, (nfds_t)n, 1000);
		for (int i = 0; i < n; i++) {
			uint8_t *body = NULL, *f = NULL;
			size_t bl = 0, fl = 0;
			if (!(p[i].revents & POLLIN))
				continue;
			if (raw_frame(&r[i], &body, &bl) != 0 ||
			    channel_handshake(r[i].ch, &f, &fl, body, bl) != SJ_OK ||
			    raw_send(&r[i], f, fl) != 0 ||
			    raw_send_request(&r[i], SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL, 0,
			                     NULL) != 0) {
				free(body);
				free(f);
				free(p);
				harness_fail(__FILE__, __LINE__, "a handshake failed");
				return;
			}
			free(body);
			free(f);
			done++;
		}
		free(p);
	}
	CHECK_INT(done, ==, n);
	for (int i = 0; i < n; i++) {
		Suiji__Rpc__Response *resp = raw_response(&r[i]);
		if (resp != NULL && resp->code == SUIJI__RPC__CODE__CODE_OK)
			ok++;
		if (resp != NULL)
			suiji__rpc__response__free_unpacked(resp, NULL);
	}
	CHECK_INT(ok, ==, n);
	rss1 = daemon_rss_kib(d);
	printf("    %d authenticated connections open at once: daemon RSS %ld KiB -> %ld KiB "
	       "(%.1f KiB per connection, sanitizers included)\n",
	       n, rss0, rss1, (double)(rss1 - rss0) / n);
	/* Far below what an unbounded buffer per connection would take. */
	CHECK(rss1 - rss0 < 64L * n);
	CHECK_INT(raw_entries(&w), ==, 3);
	for (int i = 0; i < n; i++)
		raw_close(&r[i]);
	free(r);
	r = NULL;
	CHECK_INT(raw_entries(&w), ==, 3);
	raw_close(&w);
}

TEST(server_thousand_connections, "1,000 authenticated connections open at once: the daemon serves "
                                  "a well-behaved client throughout and its memory stays bounded")
{
	RUN_BODY(many, "max_connections = 1100\nrate_per_sec = 0\n");
}

#define BATCH 16

static void group_commit(struct daemon *d)
{
	struct raw r[BATCH], w;
	uint8_t body[256], sig[64];
	char code[32], *log, want[128];
	uint64_t seqs[BATCH];
	int fds[BATCH];
	size_t bl;
	int ok = 0, refused = 0;

	CHECK_INT(raw_open(&w, d, d->admin, 0), ==, 0);
	/* A round trip on each, so that the daemon has read everything they
	 * sent before it is paused: a pause that lands inside the callback
	 * reading a connection's message 3 would, on resuming, read that
	 * connection's new request in the same callback, an iteration early. */
	for (int i = 0; i < BATCH; i++) {
		CHECK_INT(raw_open(&r[i], d, d->admin, i % 2), ==, 0);
		CHECK_INT(raw_entries(&r[i]), ==, 3);
	}

	/* While the daemon is stopped, every connection sends its request;
	 * it wakes up with all of them readable in one loop iteration. */
	CHECK_INT(daemon_pause(d), ==, 0);
	for (int i = 0; i < BATCH; i++) {
		snprintf(code, sizeof code, "g%d", i);
		bl = signed_agency(body, sizeof body, sig, d->admin, "sfj", code, "sfj");
		CHECK(bl > 0);
		CHECK_INT(raw_send_request(&r[i], SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "sfj",
		                           body, bl, sig),
		          ==, 0);
		fds[i] = r[i].fd;
	}
	CHECK_INT(delivered(fds, BATCH), ==, 0);
	kill(d->pid, SIGCONT);
	for (int i = 0; i < BATCH; i++) {
		Suiji__Rpc__Response *resp = raw_response(&r[i]);
		Suiji__Rpc__AppendReply *a;
		CHECK(resp != NULL);
		CHECK_INT(resp->code, ==, SUIJI__RPC__CODE__CODE_OK);
		a = suiji__rpc__append_reply__unpack(NULL, resp->body.len, resp->body.data);
		CHECK(a != NULL);
		seqs[i] = a->seq;
		suiji__rpc__append_reply__free_unpacked(a, NULL);
		suiji__rpc__response__free_unpacked(resp, NULL);
	}
	for (int i = 0; i < BATCH; i++)
		for (int j = 0; j < i; j++)
			CHECK(seqs[i] != seqs[j]);
	log = daemon_log(d);
	snprintf(want, sizeof want, "commit: %d entries in one batch, seq 3..%d", BATCH,
	         3 + BATCH - 1);
	CHECK_STR_HAS(log, want);
	free(log);
	CHECK_INT(raw_entries(&w), ==, 3 + BATCH);

	/* One request in the batch breaks a ledger rule (its superior
	 * agency does not exist): it alone is refused. */
	CHECK_INT(daemon_pause(d), ==, 0);
	for (int i = 0; i < BATCH; i++) {
		snprintf(code, sizeof code, "h%d", i);
		bl = signed_agency(body, sizeof body, sig, d->admin, "sfj", code,
		                   i == 5 ? "nope" : "sfj");
		CHECK(bl > 0);
		CHECK_INT(raw_send_request(&r[i], SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "sfj",
		                           body, bl, sig),
		          ==, 0);
		fds[i] = r[i].fd;
	}
	CHECK_INT(delivered(fds, BATCH), ==, 0);
	kill(d->pid, SIGCONT);
	for (int i = 0; i < BATCH; i++) {
		Suiji__Rpc__Response *resp = raw_response(&r[i]);
		CHECK(resp != NULL);
		if (i == 5) {
			CHECK_INT(resp->code, ==, SUIJI__RPC__CODE__CODE_REFUSED);
			CHECK_STR_HAS(resp->message, "nope");
			refused++;
		} else {
			CHECK_INT(resp->code, ==, SUIJI__RPC__CODE__CODE_OK);
			ok++;
		}
		suiji__rpc__response__free_unpacked(resp, NULL);
	}
	CHECK_INT(ok, ==, BATCH - 1);
	CHECK_INT(refused, ==, 1);
	CHECK_INT(raw_entries(&w), ==, 3 + 2 * BATCH - 1);
	log = daemon_log(d);
	CHECK_STR_HAS(log, "refused for one request; committing it in halves");
	free(log);

	/* A connection reset right behind its request: whether the daemon
	 * reads the request first or not, nothing breaks. */
	CHECK_INT(daemon_pause(d), ==, 0);
	bl = signed_agency(body, sizeof body, sig, d->admin, "sfj", "gone", "sfj");
	CHECK_INT(raw_send_request(&r[0], SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "sfj", body,
	                           bl, sig),
	          ==, 0);
	{
		struct linger lg = {1, 0};
		/* Reset at once, so the daemon sees the request and the
		 * end of the connection in the same wake-up. */
		setsockopt(r[0].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	raw_close(&r[0]);
	kill(d->pid, SIGCONT);
	sleep_ms(200);
	CHECK(raw_entries(&w) >= 3 + 2 * BATCH - 1);
	for (int i = 1; i < BATCH; i++)
		raw_close(&r[i]);
	CHECK_INT(daemon_stop(d), ==, 0);
	CHECK_INT(harness_run(NULL, "cd %s && %s --log-key log.vkey data/ledger.db >/dev/null",
	                      d->dir, VERIFY),
	          ==, 0);
	raw_close(&w);
}

TEST(server_group_commit, "mutations arriving in one loop iteration are appended in one batch, and "
                          "a batch with one refused request still commits the others")
{
	RUN_BODY(group_commit, NULL);
}

static void sigterm(struct daemon *d)
{
	struct raw r, idle;
	uint8_t body[256], sig[64], *fb = NULL, *msg = NULL;
	size_t bl, fbl = 0, ml = 0;
	char *out = NULL, *log;
	int fin = 0, got_reply = 0;

	CHECK_INT(raw_open(&r, d, d->admin, 0), ==, 0);
	CHECK_INT(raw_open(&idle, d, d->admin, 1), ==, 0);
	CHECK_INT(raw_entries(&idle), ==, 3);
	/* A mutation and SIGTERM arrive together. */
	CHECK_INT(daemon_pause(d), ==, 0);
	bl = signed_agency(body, sizeof body, sig, d->admin, "sfj", "last", "sfj");
	CHECK_INT(
	    raw_send_request(&r, SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "sfj", body, bl, sig),
	    ==, 0);
	kill(d->pid, SIGTERM);
	kill(d->pid, SIGCONT);
	/* The connection ends with the daemon's FINAL, after the reply when
	 * the request was read before the signal. */
	for (;;) {
		CHECK_INT(raw_frame(&r, &fb, &fbl), ==, 0);
		CHECK_INT(channel_open(r.ch, &msg, &ml, &fin, fb, fbl), ==, SJ_OK);
		free(fb);
		free(msg);
		fb = msg = NULL;
		if (fin)
			break;
		got_reply++;
	}
	CHECK(got_reply <= 1);
	/* The idle client gets FINAL too. */
	CHECK_INT(raw_frame(&idle, &fb, &fbl), ==, 0);
	CHECK_INT(channel_open(idle.ch, &msg, &ml, &fin, fb, fbl), ==, SJ_OK);
	CHECK_INT(fin, ==, 1);
	free(fb);
	free(msg);
	raw_close(&r);
	raw_close(&idle);
	CHECK_INT(daemon_stop(d), ==, 0);
	log = daemon_log(d);
	CHECK_STR_HAS(log, "stopping: SIGTERM");
	CHECK_STR_HAS(log, "stopped:");
	free(log);
	CHECK(access(d->sock, F_OK) != 0);
	CHECK_INT(
	    harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", d->dir, VERIFY), ==,
	    0);
	CHECK_STR_HAS(out, got_reply ? ": 4 entries" : ": 3 entries");
	free(out);
	printf("    the request %s before the signal\n",
	       got_reply ? "was read and answered" : "was not read");

	/* The daemon starts again on the same directory and socket. */
	CHECK_INT(daemon_start(d), ==, 0);
	CHECK_INT(
	    harness_run(NULL, "%s status %s -k %s/admin.key >/dev/null", SUIJI, d->uconn, d->dir),
	    ==, 0);
}

TEST(server_sigterm_clean, "SIGTERM answers what was read, sends FINAL, exits 0 with every handle "
                           "closed, and the ledger verifies")
{
	RUN_BODY(sigterm, NULL);
}

static void config_errors(void)
{
	const char *dir = harness_tmpdir();
	char *out = NULL;

	CHECK_INT(harness_run(&out,
	                      "cd %s && %s -d data init --origin x.test/c >/dev/null && "
	                      "printf 'listen_tcp = 127.0.0.1:0\\nmax_conections = 5\\n' > "
	                      "bad1.conf && %s -d data run --config bad1.conf",
	                      dir, SUIJID, SUIJID),
	          ==, 2);
	CHECK_STR_HAS(out, "bad1.conf:2: unknown key \"max_conections\"");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && printf '# c\\n\\nidle_timeout_ms = 5s\\n' > bad2.conf "
	                      "&& %s -d data run --config bad2.conf",
	                      dir, SUIJID),
	          ==, 2);
	CHECK_STR_HAS(out, "bad2.conf:3: idle_timeout_ms must be a whole number");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && printf 'listen_tcp = off\\nlisten_unix = off\\n' > "
	                      "bad3.conf && %s -d data run --config bad3.conf",
	                      dir, SUIJID),
	          ==, 2);
	CHECK_STR_HAS(out, "nothing to serve");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && printf 'log_level = loud\\n' > data/suijid.conf && "
	                      "%s -d data run",
	                      dir, SUIJID),
	          ==, 2);
	CHECK_STR_HAS(out, "suijid.conf:1: log_level must be error, warn, info or debug");
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s/none run --config %s/none.conf", SUIJID, dir, dir),
	          ==, 2);
	CHECK_STR_HAS(out, "none.conf");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && mkdir -p empty && printf 'listen_tcp = off\\n' > "
	                      "empty/suijid.conf && %s -d empty run",
	                      dir, SUIJID),
	          ==, 2);
	CHECK_STR_HAS(out, "run suijid init first");
	free(out);
	CHECK_INT(harness_run(&out, "%s --version && %s --version", SUIJID, SUIJI), ==, 0);
	CHECK_STR_HAS(out, "suijid 0.1");
	CHECK_STR_HAS(out, "suiji 0.1");
	free(out);
	CHECK_INT(harness_run(&out, "%s --help", SUIJID), ==, 0);
	CHECK_STR_HAS(out, "daemon-key");
	free(out);
	CHECK_INT(harness_run(&out, "%s status --bogus 1", SUIJI), ==, 2);
	CHECK_STR_HAS(out, "does not take --bogus");
	free(out);
	CHECK_INT(harness_run(&out, "HOME=%s %s status -k x", dir, SUIJI), ==, 2);
	CHECK_STR_HAS(out, "no daemon key to pin");
	free(out);
}

TEST(server_config_errors,
     "a bad config file stops suijid at start-up naming the line, and usage errors exit 2")
{
	config_errors();
}
