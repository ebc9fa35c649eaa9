/*
 * fetch.c: a small HTTP/1.1 GET client for beacon documents (fetch.h).
 */
#include "beacon/fetch.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FETCH_MAX_URL 512

struct url {
	char host[64]; /* numeric, without brackets */
	char port[8];
	char path[FETCH_MAX_URL];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_url(struct url *u, const char *url, char *err, size_t err_cap)
{
	const char *p, *host, *hend, *port, *pend;
	size_t hl, pl;

	if (strlen(url) >= FETCH_MAX_URL || strncmp(url, "http://", 7) != 0) {
		snprintf(err, err_cap, "URL must be http://HOST:PORT/... (shorter than %d bytes)",
		         FETCH_MAX_URL);
		return SJ_EINVAL;
	}
	p = url + 7;
	if (*p == '[') {
		host = p + 1;
		hend = strchr(host, ']');
		if (hend == NULL || hend[1] != ':')
			goto bad;
		port = hend + 2;
	} else {
		host = p;
		hend = strchr(host, ':');
		if (hend == NULL)
			goto bad;
		port = hend + 1;
	}
	pend = port + strspn(port, "0123456789");
	hl = (size_t)(hend - host);
	pl = (size_t)(pend - port);
	if (hl == 0 || hl >= sizeof u->host || pl == 0 || pl > 5 || (*pend != '\0' && *pend != '/'))
		goto bad;
	memcpy(u->host, host, hl);
	u->host[hl] = '\0';
	memcpy(u->port, port, pl);
	u->port[pl] = '\0';
	if (strcmp(u->host, "localhost") == 0)
		snprintf(u->host, sizeof u->host, "127.0.0.1");
	snprintf(u->path, sizeof u->path, "%s", *pend ? pend : "/");
	for (const char *c = u->path; *c; c++) {
		if (*c <= 0x20 || *c >= 0x7f) {
			snprintf(err, err_cap, "URL path holds a space or a control character");
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
bad:
	snprintf(err, err_cap,
	         "URL \"%.200s\" is not http://HOST:PORT[/path] with a numeric "
	         "host",
	         url);
	return SJ_EINVAL;
}

/* Waits for fd to be ready for events until deadline (monotonic ms). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	for (;;) {
		int64_t left = deadline - mono_ms();
		int n;
		if (left <= 0)
			return SJ_EIO;
		n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return SJ_EIO;
		if (n > 0)
			return SJ_OK;
	}
}

static int connect_to(int *out, const struct url *u, int64_t deadline, char *err, size_t err_cap)
{
	struct addrinfo hints, *ai = NULL;
	socklen_t sl = sizeof(int);
	int fd = -1, rc = SJ_OK, soerr = 0, g;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	g = getaddrinfo(u->host, u->port, &hints, &ai);
	if (g != 0) {
		snprintf(err, err_cap, "address %s port %s: %s", u->host, u->port, gai_strerror(g));
		return SJ_EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_cap, "socket: %s", strerror(errno));
		rc = SJ_EIO;
		goto free_ai;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			soerr = errno;
		else if (wait_fd(fd, POLLOUT, deadline) != SJ_OK)
			soerr = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
	}
	if (soerr != 0) {
		snprintf(err, err_cap, "cannot connect to %s port %s: %s", u->host, u->port,
		         strerror(soerr));
		rc = SJ_EIO;
		close(fd);
		goto free_ai;
	}
	*out = fd;
free_ai:
	freeaddrinfo(ai);
	return rc;
}

static int send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, deadline) != SJ_OK)
				return SJ_EIO;
			continue;
		}
		if (n <= 0)
			return SJ_EIO;
		off += (size_t)n;
	}
	return SJ_OK;
}

/* Finds the end of the header block ("\r\n\r\n") in buf[0..len). */
static const char *header_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return buf + i + 4;
	return NULL;
}

/* Reads the value of header name (case-insensitive) from the header block
 * hdr[0..len), NUL-terminated into out; returns 0 when absent. */
static int header_value(char *out, size_t cap, const char *hdr, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *p = memchr(hdr, '\n', len), *end = hdr + len;

	while (p != NULL && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			break;
		if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			const char *v = line + nl + 1;
			size_t vl;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			vl = (size_t)(eol - v);
			while (vl > 0 &&
			       (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 1;
		}
		p = eol;
	}
	return 0;
}

/* Splits a complete response buf[0..len) into status and body. */
static int parse_response(char **body, size_t *blen, int *status, const char *buf, size_t len,
                          size_t max_body, char *err, size_t err_cap)
{
	const char *hend = header_end(buf, len);
	char v[64];
	size_t hlen, want;

	if (hend == NULL || len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    sscanf(buf + 9, "%3d", status) != 1 || *status < 100 || *status > 599) {
		snprintf(err, err_cap, "the response is not HTTP/1.x");
		return SJ_EIO;
	}
	hlen = (size_t)(hend - buf);
	if (header_value(v, sizeof v, buf, hlen, "Transfer-Encoding")) {
		snprintf(err, err_cap, "the response uses a transfer encoding (%s)", v);
		return SJ_EIO;
	}
	want = len - hlen;
	if (header_value(v, sizeof v, buf, hlen, "Content-Length")) {
		char *e;
		unsigned long long cl;
		errno = 0;
		cl = strtoull(v, &e, 10);
		if (errno != 0 || e == v || *e != '\0' || v[0] == '-') {
			snprintf(err, err_cap, "the response has a bad Content-Length");
			return SJ_EIO;
		}
		if (cl > max_body) {
			snprintf(err, err_cap, "the response body of %llu bytes exceeds %zu", cl,
			         max_body);
			return SJ_ERANGE;
		}
		if (cl != want) {
			snprintf(err, err_cap, "the response body has %zu bytes, not %llu", want,
			         cl);
			return SJ_EIO;
		}
	}
	*body = malloc(want + 1);
	if (*body == NULL)
		return SJ_ENOMEM;
	memcpy(*body, hend, want);
	(*body)[want] = '\0';
	*blen = want;
	return SJ_OK;
}

int beacon_fetch(char **body, size_t *len, int *status, const char *url, int timeout_ms,
                 size_t max_body, char *err, size_t err_cap)
{
	struct url u;
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	char req[FETCH_MAX_URL + 256];
	char *buf = NULL;
	size_t cap, got = 0;
	int fd = -1, rc, n;

	*body = NULL;
	rc = parse_url(&u, url, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	if (max_body > SIZE_MAX / 2 - BEACON_FETCH_MAX_HEADER)
		max_body = SIZE_MAX / 2 - BEACON_FETCH_MAX_HEADER;
	cap = BEACON_FETCH_MAX_HEADER + max_body + 1;
	n = snprintf(req, sizeof req,
	             "GET %s HTTP/1.1\r\nHost: %s:%s\r\nAccept: application/json\r\n"
	             "Connection: close\r\nUser-Agent: suiji\r\n\r\n",
	             u.path, u.host, u.port);
	if (n < 0 || (size_t)n >= sizeof req) {
		snprintf(err, err_cap, "URL too long");
		return SJ_EINVAL;
	}
	rc = connect_to(&fd, &u, deadline, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = send_all(fd, req, (size_t)n, deadline);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot send the request to %s", url);
		goto close_fd;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		rc = SJ_ENOMEM;
		goto close_fd;
	}
	/* The server closes the connection after its one response, so the
	 * response is everything up to EOF; the cap bounds what is read. */
	for (;;) {
		ssize_t r;
		if (got == cap) {
			snprintf(err, err_cap, "the response from %s exceeds %zu bytes", url,
			         cap - 1);
			rc = SJ_ERANGE;
			goto free_buf;
		}
		r = recv(fd, buf + got, cap - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLIN, deadline) != SJ_OK) {
				snprintf(err, err_cap, "no complete response from %s within %d ms",
				         url, timeout_ms);
				rc = SJ_EIO;
				goto free_buf;
			}
			continue;
		}
		if (r < 0) {
			snprintf(err, err_cap, "receiving from %s: %s", url, strerror(errno));
			rc = SJ_EIO;
			goto free_buf;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (header_end(buf, got) == NULL && got > BEACON_FETCH_MAX_HEADER) {
			snprintf(err, err_cap, "the response headers from %s exceed %d bytes", url,
			         BEACON_FETCH_MAX_HEADER);
			rc = SJ_EIO;
			goto free_buf;
		}
	}
	rc = parse_response(body, len, status, buf, got, max_body, err, err_cap);
free_buf:
	free(buf);
close_fd:
	close(fd);
	return rc;
}

/* base + suffix, without doubling a "/" between them. */
static int join(char *out, size_t cap, const char *base, const char *suffix)
{
	size_t bl = strlen(base);
	int n;

	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	n = snprintf(out, cap, "%.*s%s", (int)bl, base, suffix);
	return n < 0 || (size_t)n >= cap ? SJ_EINVAL : SJ_OK;
}

int beacon_fetch_chain(struct beacon_chain *out, const char *base, int timeout_ms, char *err,
                       size_t err_cap)
{
	char url[FETCH_MAX_URL], *body = NULL;
	size_t len = 0;
	int status = 0, rc;

	if (join(url, sizeof url, base, "/info") != SJ_OK) {
		snprintf(err, err_cap, "URL too long");
		return SJ_EINVAL;
	}
	rc = beacon_fetch(&body, &len, &status, url, timeout_ms, BEACON_MAX_JSON, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	if (status != 200) {
		snprintf(err, err_cap, "%s answered HTTP %d", url, status);
		rc = SJ_EIO;
	} else {
		rc = beacon_chain_parse(out, body, len, err, err_cap);
	}
	free(body);
	return rc;
}

int beacon_fetch_round(struct beacon_round *out, const char *base, uint64_t round, int timeout_ms,
                       char *err, size_t err_cap)
{
	char url[FETCH_MAX_URL], suffix[48], *body = NULL;
	struct beacon_round r;
	size_t len = 0;
	int status = 0, rc;

	if (round == 0)
		snprintf(suffix, sizeof suffix, "/public/latest");
	else
		snprintf(suffix, sizeof suffix, "/public/%llu", (unsigned long long)round);
	if (join(url, sizeof url, base, suffix) != SJ_OK) {
		snprintf(err, err_cap, "URL too long");
		return SJ_EINVAL;
	}
	rc = beacon_fetch(&body, &len, &status, url, timeout_ms, BEACON_MAX_JSON, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	if (status == 404) {
		snprintf(err, err_cap, "%s: no such round (yet)", url);
		rc = SJ_ENOENT;
	} else if (status != 200) {
		snprintf(err, err_cap, "%s answered HTTP %d", url, status);
		rc = SJ_EIO;
	} else {
		rc = beacon_round_parse(&r, body, len, err, err_cap);
		if (rc == SJ_OK && round != 0 && r.round != round) {
			snprintf(err, err_cap, "%s served round %llu", url,
			         (unsigned long long)r.round);
			rc = SJ_EVERIFY;
		}
		if (rc == SJ_OK)
			*out = r;
	}
	free(body);
	return rc;
}
