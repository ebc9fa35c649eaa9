/*
 * config.c: defaults, parsing and checking of suijid's settings (config.h).
 *
 * One table below lists every key with its range, so the parser, the
 * defaults and docs/config.md have one list to agree with. A config file is
 * strict on purpose: a misspelt key or a value out of range stops the
 * daemon at start-up naming the line, rather than running with a default
 * the operator did not mean.
 */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "wire/frame.h"
#include "daemon/log.h"

enum config_kind {
	KIND_U32,
	KIND_LISTEN_TCP,
	KIND_LISTEN_UNIX,
	KIND_PATH,
	KIND_LEVEL,
	KIND_BOOL,
	KIND_DELAY,
	KIND_WITNESS
};

struct config_key {
	const char *name;
	enum config_kind kind;
	size_t offset;
	uint32_t min, max; /* KIND_U32 only */
};

#define U32(name, lo, hi)                                                                          \
	{                                                                                          \
#name, KIND_U32, offsetof(struct config, name), lo, hi                             \
	}

static const struct config_key config_keys[] = {
    {"listen_tcp", KIND_LISTEN_TCP, offsetof(struct config, listen_tcp), 0, 0},
    {"listen_unix", KIND_LISTEN_UNIX, offsetof(struct config, listen_unix), 0, 0},
    {"data_dir", KIND_PATH, offsetof(struct config, data_dir), 0, 0},
    U32(max_connections, 1, 1000000),
    U32(max_handshakes, 1, 100000),
    U32(handshake_timeout_ms, 10, 3600000),
    U32(idle_timeout_ms, 10, 86400000),
    /* The largest mutation body the request table takes is 4 KiB; 8 KiB
     * leaves room for the envelope and the channel's overhead. */
    U32(max_frame, 8192, FRAME_MAX),
    U32(rate_per_sec, 0, 1000000),
    U32(rate_burst, 1, 1000000),
    U32(max_write_queue, 65536, 1u << 30),
    {"log_level", KIND_LEVEL, offsetof(struct config, log_level), 0, 0},
    {"log_syslog", KIND_BOOL, offsetof(struct config, log_syslog), 0, 0},
    {"checkpoint_delay", KIND_DELAY, offsetof(struct config, checkpoint_delay_ms), 0,
     CONFIG_CHECKPOINT_DELAY_MAX_MS},
    /* May be given once per witness, unlike every other key. */
    {"witness", KIND_WITNESS, offsetof(struct config, witnesses), 0, 0},
    U32(witness_quorum, 0, CONFIG_MAX_WITNESSES),
    U32(witness_margin_s, 0, 86400),
};

#define NKEYS (sizeof config_keys / sizeof config_keys[0])

void config_defaults(struct config *c, const char *data_dir)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen_tcp, sizeof c->listen_tcp, "127.0.0.1:7207");
	snprintf(c->data_dir, sizeof c->data_dir, "%s", data_dir);
	c->max_connections = 1024;
	c->max_handshakes = 64;
	c->handshake_timeout_ms = 5000;
	c->idle_timeout_ms = 60000;
	c->max_frame = FRAME_MAX;
	c->rate_per_sec = 200;
	c->rate_burst = 400;
	c->max_write_queue = 4u * 1024u * 1024u;
	c->log_level = LOG_LEVEL_INFO;
	c->log_syslog = 0;
	c->witness_quorum = 0;
	c->witness_margin_s = 30;
	c->checkpoint_delay_ms = CONFIG_CHECKPOINT_DELAY_MS;
}

/* "off", or a whole number of milliseconds, seconds or minutes: "500ms",
 * "2s", "1m" (a bare number is seconds). Sets *ms; -1 when malformed. */
static int parse_delay(uint32_t *ms, const char *v)
{
	unsigned long long n;
	char *end;
	unsigned long long unit = 1000;

	if (strcmp(v, "off") == 0) {
		*ms = 0;
		return 0;
	}
	if (v[0] < '0' || v[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60000;
	else if (strcmp(end, "s") != 0 && *end != '\0')
		return -1;
	if (n > CONFIG_CHECKPOINT_DELAY_MAX_MS / unit)
		return -1;
	*ms = (uint32_t)(n * unit);
	return 0;
}

/* "HOST:PORT" with an IPv4 address or a bracketed IPv6 one. */
static int valid_tcp(const char *v)
{
	const char *colon = strrchr(v, ':');
	char host[64], *end;
	unsigned char addr[16];
	size_t hl;
	long port;

	if (colon == NULL)
		return 0;
	hl = (size_t)(colon - v);
	if (hl == 0 || hl >= sizeof host)
		return 0;
	memcpy(host, v, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
		return 0;
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, addr) == 1;
	}
	return inet_pton(AF_INET, host, addr) == 1;
}

/* "URL VERIFIER_KEY": the witness's base URL, http or https, and its
 * cosignature/v1 key. */
static int set_witness(struct config *c, const char *v, char *why, size_t why_cap)
{
	struct config_witness *w;
	const char *sp = strchr(v, ' ');
	size_t ul;

	if (c->n_witnesses == CONFIG_MAX_WITNESSES) {
		snprintf(why, why_cap, "at most %d witness lines", CONFIG_MAX_WITNESSES);
		return SJ_EINVAL;
	}
	w = &c->witnesses[c->n_witnesses];
	ul = sp ? (size_t)(sp - v) : 0;
	if (sp == NULL || ul >= sizeof w->url ||
	    (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)) {
		snprintf(why, why_cap, "witness takes an http:// or https:// URL and a key");
		return SJ_EINVAL;
	}
	memcpy(w->url, v, ul);
	w->url[ul] = '\0';
	while (*sp == ' ')
		sp++;
	if (note_vkey_parse(&w->key, sp) != SJ_OK || w->key.type != NOTE_TYPE_COSIG_V1) {
		snprintf(why, why_cap, "the witness key \"%.300s\" is not a cosignature/v1 verifier key",
		         sp);
		return SJ_EINVAL;
	}
	c->n_witnesses++;
	return SJ_OK;
}

static int set_value(struct config *c, const struct config_key *k, const char *v, char *why,
                     size_t why_cap)
{
	char *field = (char *)c + k->offset;
	unsigned long long n;
	char *end;
	int level;

	switch (k->kind) {
	case KIND_U32:
		errno = 0;
		n = strtoull(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n < k->min ||
		    n > k->max) {
			snprintf(why, why_cap,
			         "%s must be a whole number from %u to %u, not \"%s\"", k->name,
			         k->min, k->max, v);
			return SJ_EINVAL;
		}
		*(uint32_t *)(void *)field = (uint32_t)n;
		return SJ_OK;
	case KIND_LISTEN_TCP:
		if (strcmp(v, "off") == 0) {
			c->listen_tcp[0] = '\0';
			return SJ_OK;
		}
		if (strlen(v) >= sizeof c->listen_tcp || !valid_tcp(v)) {
			snprintf(why, why_cap,
			         "listen_tcp must be IPv4:PORT, [IPv6]:PORT or off, not \"%s\"", v);
			return SJ_EINVAL;
		}
		snprintf(c->listen_tcp, sizeof c->listen_tcp, "%s", v);
		return SJ_OK;
	case KIND_LISTEN_UNIX:
		c->listen_unix_set = 1;
		if (strcmp(v, "off") == 0) {
			c->listen_unix[0] = '\0';
			return SJ_OK;
		}
		if (strlen(v) > CONFIG_UNIX_PATH_MAX) {
			snprintf(why, why_cap, "listen_unix: a socket path has at most %d bytes",
			         CONFIG_UNIX_PATH_MAX);
			return SJ_EINVAL;
		}
		snprintf(c->listen_unix, sizeof c->listen_unix, "%s", v);
		return SJ_OK;
	case KIND_PATH:
		if (strlen(v) >= sizeof c->data_dir) {
			snprintf(why, why_cap, "%s is too long", k->name);
			return SJ_EINVAL;
		}
		snprintf(c->data_dir, sizeof c->data_dir, "%s", v);
		return SJ_OK;
	case KIND_LEVEL:
		level = log_level_parse(v);
		if (level < 0) {
			snprintf(why, why_cap,
			         "log_level must be error, warn, info or debug, not \"%s\"", v);
			return SJ_EINVAL;
		}
		c->log_level = level;
		return SJ_OK;
	case KIND_WITNESS: return set_witness(c, v, why, why_cap);
	case KIND_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) {
			c->log_syslog = 1;
		} else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
			c->log_syslog = 0;
		} else {
			snprintf(why, why_cap, "%s must be yes or no, not \"%s\"", k->name, v);
			return SJ_EINVAL;
		}
		return SJ_OK;
	case KIND_DELAY:
		if (parse_delay((uint32_t *)(void *)field, v) != 0 ||
		    (*(uint32_t *)(void *)field != 0 && *(uint32_t *)(void *)field < 10)) {
			snprintf(why, why_cap,
			         "%s must be off or a delay from 10ms to %um, like 500ms, 2s or "
			         "1m, not \"%s\"",
			         k->name, k->max / 60000, v);
			return SJ_EINVAL;
		}
		return SJ_OK;
	}
	snprintf(why, why_cap, "internal error: key kind");
	return SJ_EINVAL;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

int config_parse(struct config *c, const char *text, size_t len, const char *name, char *err,
                 size_t err_cap)
{
	unsigned char seen[NKEYS] = {0};
	char line[CONFIG_PATH_MAX + 256], why[512];
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - start) : len - pos;
		char *key, *val, *eq, *p;
		size_t i;

		pos += ll + (nl != NULL);
		lineno++;
		if (ll >= sizeof line) {
			snprintf(err, err_cap, "%s:%zu: line too long", name, lineno);
			return SJ_EINVAL;
		}
		memcpy(line, start, ll);
		line[ll] = '\0';
		if (memchr(line, '\0', ll) != NULL) {
			snprintf(err, err_cap, "%s:%zu: NUL byte in line", name, lineno);
			return SJ_EINVAL;
		}
		/* A '#' at the start, or after white space, begins a comment. */
		for (p = line; *p; p++)
			if (*p == '#' && (p == line || is_blank(p[-1]))) {
				*p = '\0';
				break;
			}
		for (p = line + strlen(line); p > line && is_blank(p[-1]); p--)
			p[-1] = '\0';
		for (key = line; is_blank(*key); key++)
			;
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, err_cap, "%s:%zu: expected key = value", name, lineno);
			return SJ_EINVAL;
		}
		for (val = eq + 1; is_blank(*val); val++)
			;
		for (p = eq; p > key && is_blank(p[-1]); p--)
			;
		*p = '\0';
		for (i = 0; i < NKEYS; i++)
			if (strcmp(key, config_keys[i].name) == 0)
				break;
		if (i == NKEYS) {
			snprintf(err, err_cap, "%s:%zu: unknown key \"%s\"", name, lineno, key);
			return SJ_EINVAL;
		}
		if (seen[i] && config_keys[i].kind != KIND_WITNESS) {
			snprintf(err, err_cap, "%s:%zu: %s is set twice", name, lineno, key);
			return SJ_EINVAL;
		}
		seen[i] = 1;
		if (*val == '\0') {
			snprintf(err, err_cap, "%s:%zu: %s has no value", name, lineno, key);
			return SJ_EINVAL;
		}
		if (set_value(c, &config_keys[i], val, why, sizeof why) != SJ_OK) {
			snprintf(err, err_cap, "%s:%zu: %s", name, lineno, why);
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

int config_load(struct config *c, const char *path, int must_exist, char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = util_read_file(&buf, &len, path, CONFIG_FILE_MAX);
	if (rc == SJ_ENOENT && !must_exist)
		return SJ_OK;
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot read config file %s: %s", path,
		         rc == SJ_ERANGE ? "larger than 64 KiB" : sj_strerror(rc));
		return rc;
	}
	rc = config_parse(c, (const char *)buf, len, path, err, err_cap);
	free(buf);
	return rc;
}

int config_finish(struct config *c, char *err, size_t err_cap)
{
	if (!c->listen_unix_set) {
		int n = snprintf(c->listen_unix, sizeof c->listen_unix, "%s/%s", c->data_dir,
		                 CONFIG_SOCKET_NAME);
		if (n < 0 || (size_t)n >= sizeof c->listen_unix) {
			snprintf(err, err_cap,
			         "the default socket %s/%s is longer than %d bytes: set "
			         "listen_unix",
			         c->data_dir, CONFIG_SOCKET_NAME, CONFIG_UNIX_PATH_MAX);
			return SJ_EINVAL;
		}
	}
	if (c->listen_tcp[0] == '\0' && c->listen_unix[0] == '\0') {
		snprintf(err, err_cap, "listen_tcp and listen_unix are both off: nothing to serve");
		return SJ_EINVAL;
	}
	if (c->witness_quorum > c->n_witnesses) {
		snprintf(err, err_cap, "witness_quorum %u needs at least as many witness lines (%zu)",
		         c->witness_quorum, c->n_witnesses);
		return SJ_EINVAL;
	}
	return SJ_OK;
}
