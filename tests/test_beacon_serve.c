/*
 * test_beacon_serve.c: the real suiji-beacon, started on 127.0.0.1 with a
 * free port in a temporary directory, talked to with the library's fetch
 * client, stopped with SIGTERM and started again.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "beacon/fetch.h"
#include "beacon/round.h"
#include "common/util.h"
#include "tests/harness.h"

#define TIMEOUT_MS 2000
#define TOO_BIG    6000 /* a request head over the beacon's 4096-byte limit */

struct beacon_proc {
	pid_t pid;
	char base[64]; /* http://127.0.0.1:PORT */
	char out[700];
};

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Starts `suiji-beacon run` on 127.0.0.1:0 and waits (up to 5 s) for the
 * line that names the port it got. Returns 0 or -1. */
static int beacon_start(struct beacon_proc *p, const char *dir, int n)
{
	char err[700], line[256];
	const char *bin = harness_bin("suiji-beacon");

	snprintf(p->out, sizeof p->out, "%s/run%d.out", dir, n);
	snprintf(err, sizeof err, "%s/run%d.err", dir, n);
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		int fo = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execl(bin, "suiji-beacon", "run", "--dir", dir, "--listen", "127.0.0.1:0",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(p->out, "r");
		int port = 0;
		if (f != NULL) {
			if (fgets(line, sizeof line, f) != NULL &&
			    sscanf(line, "listening on http://127.0.0.1:%d", &port) == 1) {
				fclose(f);
				snprintf(p->base, sizeof p->base, "http://127.0.0.1:%d", port);
				return 0;
			}
			fclose(f);
		}
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid)
			return -1;
		sleep_ms(10);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	return -1;
}

/* Sends SIGTERM and returns the exit status, or -1 if it did not exit
 * normally within 5 s. */
static int beacon_stop(struct beacon_proc *p)
{
	int st;

	kill(p->pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		sleep_ms(10);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &st, 0);
	return -1;
}

/* Waits (up to 5 s) until the beacon serves a round >= want. */
static int wait_latest(const char *base, uint64_t want, uint64_t *latest)
{
	struct beacon_round r;
	char err[256];

	for (int i = 0; i < 100; i++) {
		if (beacon_fetch_round(&r, base, 0, TIMEOUT_MS, err, sizeof err) == SJ_OK &&
		    r.round >= want) {
			*latest = r.round;
			return 0;
		}
		sleep_ms(50);
	}
	return -1;
}

/* A raw request on a fresh connection; the reply's first line into line. */
static int raw_request(const char *base, const char *req, size_t len, char *line, size_t cap)
{
	struct sockaddr_in sa;
	int fd, port = 0;
	ssize_t n;
	size_t off = 0;

	if (sscanf(base, "http://127.0.0.1:%d", &port) != 1)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server may close once it has had enough */
		off += (size_t)n;
	}
	n = recv(fd, line, cap - 1, 0);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	if (strchr(line, '\r') != NULL)
		*strchr(line, '\r') = '\0';
	return 0;
}

TEST(t_beacon_serve_cycle,
     "suiji-beacon produces a verifiable chain over HTTP, answers 404 for a future round, exits 0 "
     "on SIGTERM, and serves the same rounds after a restart")
{
	const char *dir = harness_tmpdir();
	const char *bin = harness_bin("suiji-beacon");
	struct beacon_proc p;
	struct beacon_chain c;
	struct beacon_round r[4], again;
	struct beacon_value v;
	char err[512], url[800], *body[4] = {0}, *out = NULL, line[256];
	char big[TOO_BIG];
	size_t len[4], blen;
	uint64_t latest = 0, latest2 = 0;
	int status, rc;
	struct stat st;

	if (access(bin, X_OK) != 0) {
		harness_skip("suiji-beacon is not built");
		return;
	}
	CHECK(sodium_init() >= 0);
	/* Round 1 was due a second ago, so start-up catches up at once. */
	CHECK_INT(harness_run(NULL, "%s init --dir %s/b --period 1 --genesis %lld", bin, dir,
	                      (long long)(util_now_us() / 1000000 - 1)),
	          ==, 0);
	CHECK_INT(harness_run(NULL, "%s init --dir %s/b --period 1", bin, dir), ==, 2);
	snprintf(url, sizeof url, "%s/b/beacon.key", dir);
	CHECK_INT(stat(url, &st), ==, 0);
	CHECK_INT(st.st_mode & 0777, ==, 0600);
	snprintf(url, sizeof url, "%s/b", dir);
	CHECK_INT(beacon_start(&p, url, 1), ==, 0);

	CHECK_INT(beacon_fetch_chain(&c, p.base, TIMEOUT_MS, err, sizeof err), ==, SJ_OK);
	CHECK(c.kind == BEACON_KIND_SUIJI && c.period == 1 && c.hash_checked);
	CHECK_INT(wait_latest(p.base, 3, &latest), ==, 0);
	for (uint64_t n = 1; n <= 3; n++) {
		rc = beacon_fetch_round(&r[n], p.base, n, TIMEOUT_MS, err, sizeof err);
		if (rc != SJ_OK)
			printf("    %s\n", err);
		CHECK_INT(rc, ==, SJ_OK);
		rc = beacon_round_verify(&v, &c, &r[n], n > 1 ? &r[n - 1] : NULL, util_now_us(),
		                         err, sizeof err);
		if (rc != SJ_OK)
			printf("    %s\n", err);
		CHECK_INT(rc, ==, SJ_OK);
		CHECK(v.check == BEACON_CHECK_SIGNED);
		snprintf(url, sizeof url, "%s/public/%llu", p.base, (unsigned long long)n);
		CHECK_INT(beacon_fetch(&body[n], &len[n], &status, url, TIMEOUT_MS, 4096, err,
		                       sizeof err),
		          ==, SJ_OK);
		CHECK_INT(status, ==, 200);
	}
	/* A round that is not due yet does not exist. */
	CHECK_INT(beacon_fetch_round(&again, p.base, latest + 100, TIMEOUT_MS, err, sizeof err), ==,
	          SJ_ENOENT);
	snprintf(url, sizeof url, "%s/public/007", p.base);
	CHECK_INT(beacon_fetch(&out, &blen, &status, url, TIMEOUT_MS, 4096, err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(status, ==, 404);
	free(out);
	out = NULL;
	/* drand's /<chain hash>/... form names the same documents. */
	beacon_chain_hash_hex(line, &c);
	snprintf(url, sizeof url, "%s/%s", p.base, line);
	CHECK_INT(beacon_fetch_round(&again, url, 2, TIMEOUT_MS, err, sizeof err), ==, SJ_OK);
	CHECK_MEM(again.signature, r[2].signature, 64);
	/* Bounded requests and methods. */
	memset(big, 'a', sizeof big);
	memcpy(big, "GET /", 5);
	CHECK_INT(raw_request(p.base, big, sizeof big, line, sizeof line), ==, 0);
	CHECK_STR_HAS(line, "HTTP/1.1 431");
	CHECK_INT(raw_request(p.base, "POST /info HTTP/1.1\r\n\r\n", 23, line, sizeof line), ==, 0);
	CHECK_STR_HAS(line, "HTTP/1.1 405");
	CHECK_INT(raw_request(p.base, "GET /info\r\n\r\n", 13, line, sizeof line), ==, 0);
	CHECK_STR_HAS(line, "HTTP/1.1 400");

	CHECK_INT(beacon_stop(&p), ==, 0);
	/* The command line prints a stored round exactly as HTTP served it. */
	CHECK_INT(harness_run(&out, "%s round --dir %s/b 2 2>/dev/null", bin, dir), ==, 0);
	CHECK(out != NULL && strlen(out) == len[2] + 1 && memcmp(out, body[2], len[2]) == 0);
	free(out);
	out = NULL;
	CHECK_INT(harness_run(NULL, "%s round --dir %s/b 999999", bin, dir), ==, 1);
	CHECK_INT(harness_run(&out, "%s info --dir %s/b 2>/dev/null", bin, dir), ==, 0);
	CHECK_STR_HAS(out, "\"schemeID\":\"suiji-ed25519-chained-v1\"}\n");
	free(out);
	out = NULL;
	CHECK_INT(harness_run(NULL, "%s info --dir %s/nothing", bin, dir), ==, 2);
	CHECK_INT(harness_run(NULL, "%s run --dir %s/b", bin, dir), ==, 2);

	/* Restarted, it catches up and serves the old rounds byte for byte. */
	snprintf(url, sizeof url, "%s/b", dir);
	CHECK_INT(beacon_start(&p, url, 2), ==, 0);
	CHECK_INT(wait_latest(p.base, latest + 1, &latest2), ==, 0);
	for (uint64_t n = 1; n <= 3; n++) {
		snprintf(url, sizeof url, "%s/public/%llu", p.base, (unsigned long long)n);
		CHECK_INT(
		    beacon_fetch(&out, &blen, &status, url, TIMEOUT_MS, 4096, err, sizeof err), ==,
		    SJ_OK);
		CHECK_INT(status, ==, 200);
		CHECK(blen == len[n] && memcmp(out, body[n], blen) == 0);
		free(out);
		out = NULL;
	}
	CHECK_INT(beacon_fetch_round(&again, p.base, latest2, TIMEOUT_MS, err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(beacon_stop(&p), ==, 0);
	for (int i = 1; i <= 3; i++)
		free(body[i]);
}

/* A one-shot server on 127.0.0.1 that answers the first connection with
 * reply (or, when reply is NULL, reads and never answers). Returns the port. */
static int one_shot(pid_t *pid, const char *reply)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		char buf[1024];
		int c = accept(fd, NULL, NULL);
		if (c < 0 || recv(c, buf, sizeof buf, 0) <= 0)
			_exit(1);
		if (reply == NULL)
			sleep(5);
		else if (send(c, reply, strlen(reply), MSG_NOSIGNAL) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(fd);
	return ntohs(sa.sin_port);
}

TEST(t_beacon_fetch_limits,
     "the fetch client gives up at its deadline, refuses a body over its cap, a chunked or "
     "malformed response and a URL it does not fetch, and reads a well-formed one")
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	static const char chunked[] =
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
	static const char short_body[] = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}";
	static const char not_http[] = "SSH-2.0-OpenSSH\r\n\r\n";
	char big[3000] = {0}, url[64], err[256], *body = NULL; /* NUL after the body */
	size_t len;
	int status = 0, port;
	pid_t pid;

	port = one_shot(&pid, ok);
	CHECK(port > 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/info", port);
	CHECK_INT(beacon_fetch(&body, &len, &status, url, TIMEOUT_MS, 100, err, sizeof err), ==,
	          SJ_OK);
	CHECK(status == 200 && len == 2 && strcmp(body, "{}") == 0);
	free(body);
	waitpid(pid, NULL, 0);

	port = one_shot(&pid, NULL);
	CHECK(port > 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/info", port);
	CHECK_INT(beacon_fetch(&body, &len, &status, url, 300, 100, err, sizeof err), ==, SJ_EIO);
	CHECK_STR_HAS(err, "within 300 ms");
	CHECK(body == NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n");
	memset(big + strlen(big), 'x', 2000);
	big[sizeof big - 1] = '\0';
	port = one_shot(&pid, big);
	CHECK(port > 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/info", port);
	CHECK_INT(beacon_fetch(&body, &len, &status, url, TIMEOUT_MS, 100, err, sizeof err), ==,
	          SJ_ERANGE);
	waitpid(pid, NULL, 0);

	const char *bad[] = {chunked, short_body, not_http};
	for (size_t i = 0; i < 3; i++) {
		port = one_shot(&pid, bad[i]);
		CHECK(port > 0);
		snprintf(url, sizeof url, "http://127.0.0.1:%d/info", port);
		CHECK_INT(beacon_fetch(&body, &len, &status, url, TIMEOUT_MS, 100, err, sizeof err),
		          ==, SJ_EIO);
		waitpid(pid, NULL, 0);
	}

	CHECK_INT(beacon_fetch(&body, &len, &status, "https://127.0.0.1:1/info", 100, 100, err,
	                       sizeof err),
	          ==, SJ_EINVAL);
	CHECK_INT(beacon_fetch(&body, &len, &status, "http://example.org:80/info", 100, 100, err,
	                       sizeof err),
	          ==, SJ_EINVAL);
	CHECK_INT(
	    beacon_fetch(&body, &len, &status, "http://127.0.0.1/info", 100, 100, err, sizeof err),
	    ==, SJ_EINVAL);
}
