/*
 * fuzz_config.c: libFuzzer target for suijid's config file parser
 * (daemon/config.c). The file is read by the daemon at start-up from its
 * data directory; an operator's typo or a hostile file must be refused
 * naming the line, never crash it.
 *
 * Beyond "no crash and no sanitizer report", every input checks:
 *   - config_parse returns SJ_OK or SJ_EINVAL, nothing else;
 *   - a refusal says "NAME:LINE: ..." with a line number within the file;
 *   - an acceptance leaves every number within the range docs/config.md
 *     gives, every string NUL-terminated within its field, and the log
 *     level and syslog flag within their sets;
 *   - an accepted config written back as a file of `key = value` lines is
 *     accepted again and gives the same settings (the parser has no state
 *     beyond what it stores);
 *   - config_finish returns SJ_OK or SJ_EINVAL, and after SJ_OK at least
 *     one listener is on.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "wire/frame.h"
#include "daemon/log.h"

/* The file is at most CONFIG_FILE_MAX bytes when read by config_load. */
#define FUZZ_MAX_INPUT CONFIG_FILE_MAX

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_terminated(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

static void check_ranges(const struct config *c)
{
	check_terminated(c->listen_tcp, sizeof c->listen_tcp);
	check_terminated(c->listen_unix, sizeof c->listen_unix);
	check_terminated(c->data_dir, sizeof c->data_dir);
	if (c->max_connections < 1 || c->max_connections > 1000000 || c->max_handshakes < 1 ||
	    c->max_handshakes > 100000 || c->handshake_timeout_ms < 10 ||
	    c->handshake_timeout_ms > 3600000 || c->idle_timeout_ms < 10 ||
	    c->idle_timeout_ms > 86400000 || c->max_frame < 8192 || c->max_frame > FRAME_MAX ||
	    c->rate_per_sec > 1000000 || c->rate_burst < 1 || c->rate_burst > 1000000 ||
	    c->max_write_queue < 65536 || c->max_write_queue > (1u << 30))
		abort();
	if (c->log_level < LOG_LEVEL_ERROR || c->log_level > LOG_LEVEL_DEBUG)
		abort();
	if (c->log_syslog != 0 && c->log_syslog != 1)
		abort();
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warn";
	case LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* The settings as a config file. Strings that the writer cannot express
 * ("" is written as "off"; a value with a " #" would start a comment) are
 * left out, and so is the comparison of those fields. */
static size_t render(char *out, size_t cap, const struct config *c)
{
	int n = snprintf(out, cap,
	                 "listen_tcp = %s\nmax_connections = %u\nmax_handshakes = %u\n"
	                 "handshake_timeout_ms = %u\nidle_timeout_ms = %u\nmax_frame = %u\n"
	                 "rate_per_sec = %u\nrate_burst = %u\nmax_write_queue = %u\n"
	                 "log_level = %s\nlog_syslog = %s\n",
	                 c->listen_tcp[0] ? c->listen_tcp : "off", c->max_connections,
	                 c->max_handshakes, c->handshake_timeout_ms, c->idle_timeout_ms,
	                 c->max_frame, c->rate_per_sec, c->rate_burst, c->max_write_queue,
	                 level_name(c->log_level), c->log_syslog ? "yes" : "no");
	if (n < 0 || (size_t)n >= cap)
		abort();
	return (size_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4096];
	struct config c, again;
	char err[1024], err2[1024];
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	config_defaults(&c, "/var/lib/suiji");
	err[0] = '\0';
	rc = config_parse(&c, (const char *)data, size, "f.conf", err, sizeof err);
	if (rc != SJ_OK) {
		unsigned long line;
		char *end;
		if (rc != SJ_EINVAL || strncmp(err, "f.conf:", 7) != 0)
			abort();
		line = strtoul(err + 7, &end, 10);
		/* The line named exists: at most one more than the newlines. */
		size_t newlines = 0;
		for (size_t i = 0; i < size; i++)
			newlines += data[i] == '\n';
		if (end == err + 7 || *end != ':' || line < 1 || line > newlines + 1)
			abort();
		return 0;
	}
	check_ranges(&c);

	config_defaults(&again, "/var/lib/suiji");
	size_t len = render(text, sizeof text, &c);
	if (config_parse(&again, text, len, "again.conf", err2, sizeof err2) != SJ_OK)
		abort();
	if (strcmp(again.listen_tcp, c.listen_tcp) != 0 ||
	    again.max_connections != c.max_connections ||
	    again.max_handshakes != c.max_handshakes ||
	    again.handshake_timeout_ms != c.handshake_timeout_ms ||
	    again.idle_timeout_ms != c.idle_timeout_ms || again.max_frame != c.max_frame ||
	    again.rate_per_sec != c.rate_per_sec || again.rate_burst != c.rate_burst ||
	    again.max_write_queue != c.max_write_queue || again.log_level != c.log_level ||
	    again.log_syslog != c.log_syslog)
		abort();

	rc = config_finish(&c, err, sizeof err);
	if (rc != SJ_OK && rc != SJ_EINVAL)
		abort();
	if (rc == SJ_OK) {
		check_terminated(c.listen_unix, sizeof c.listen_unix);
		if (c.listen_tcp[0] == '\0' && c.listen_unix[0] == '\0')
			abort();
	}
	return 0;
}
