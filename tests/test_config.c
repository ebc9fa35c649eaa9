/*
 * test_config.c: suijid's config file (daemon/config.c): the defaults,
 * the syntax, every key's range at both ends, and errors that name the
 * line.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "wire/frame.h"
#include "daemon/log.h"
#include "tests/harness.h"

static int parse(struct config *c, const char *text, char *err, size_t cap)
{
	config_defaults(c, "/srv/suiji");
	return config_parse(c, text, strlen(text), "t.conf", err, cap);
}

TEST(config_defaults_documented,
     "the defaults are those docs/config.md lists, the socket in the data directory")
{
	struct config c;
	char err[256];

	config_defaults(&c, "/srv/suiji");
	CHECK_INT(config_finish(&c, err, sizeof err), ==, SJ_OK);
	CHECK(strcmp(c.listen_tcp, "127.0.0.1:7207") == 0);
	CHECK(strcmp(c.listen_unix, "/srv/suiji/suijid.sock") == 0);
	CHECK(strcmp(c.data_dir, "/srv/suiji") == 0);
	CHECK_INT(c.max_connections, ==, 1024);
	CHECK_INT(c.max_handshakes, ==, 64);
	CHECK_INT(c.handshake_timeout_ms, ==, 5000);
	CHECK_INT(c.idle_timeout_ms, ==, 60000);
	CHECK_INT(c.max_frame, ==, FRAME_MAX);
	CHECK_INT(c.rate_per_sec, ==, 200);
	CHECK_INT(c.rate_burst, ==, 400);
	CHECK_INT(c.max_write_queue, ==, 4 * 1024 * 1024);
	CHECK_INT(c.log_level, ==, LOG_LEVEL_INFO);
	CHECK_INT(c.log_syslog, ==, 0);
}

TEST(config_syntax, "blank lines, comments, inline comments after white space and spaces around "
                    "'=' are accepted; a '#' inside a value is kept")
{
	struct config c;
	char err[256] = "";

	CHECK_INT(parse(&c,
	                "# a comment\n\n   \t\n"
	                "max_connections=10\n"
	                "  idle_timeout_ms   =   700   # seven tenths\r\n"
	                "data_dir = /srv/a#b\n"
	                "log_level = debug\n"
	                "log_syslog = yes",
	                err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(c.max_connections, ==, 10);
	CHECK_INT(c.idle_timeout_ms, ==, 700);
	CHECK(strcmp(c.data_dir, "/srv/a#b") == 0);
	CHECK_INT(c.log_level, ==, LOG_LEVEL_DEBUG);
	CHECK_INT(c.log_syslog, ==, 1);
	CHECK_INT(config_finish(&c, err, sizeof err), ==, SJ_OK);
	CHECK(strcmp(c.listen_unix, "/srv/a#b/suijid.sock") == 0);
}

TEST(config_errors_name_the_line, "an unknown key, a key set twice, a line without '=' and a key "
                                  "without a value are refused naming file and line")
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"# ok\nmax_conections = 5\n", "t.conf:2: unknown key \"max_conections\""},
	    {"rate_burst = 5\nrate_burst = 6\n", "t.conf:2: rate_burst is set twice"},
	    {"\n\nlisten_tcp 127.0.0.1:1\n", "t.conf:3: expected key = value"},
	    {"log_level =\n", "t.conf:1: log_level has no value"},
	    {"log_level = # nothing\n", "t.conf:1: log_level has no value"},
	};
	struct config c;
	char err[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_INT(parse(&c, bad[i].text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, bad[i].want);
	}
}

TEST(config_ranges, "every number is checked at both ends of its range, and a value that is not a "
                    "whole number is refused")
{
	static const struct {
		const char *key;
		unsigned long long lo, hi;
	} keys[] = {
	    {"max_connections", 1, 1000000},
	    {"max_handshakes", 1, 100000},
	    {"handshake_timeout_ms", 10, 3600000},
	    {"idle_timeout_ms", 10, 86400000},
	    {"max_frame", 8192, FRAME_MAX},
	    {"rate_per_sec", 0, 1000000},
	    {"rate_burst", 1, 1000000},
	    {"max_write_queue", 65536, 1u << 30},
	};
	static const char *const junk[] = {"-1", "+5", "12x", "0x10", " ", "99999999999999999999"};
	struct config c;
	char text[128], err[256];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(text, sizeof text, "%s = %llu\n", keys[i].key, keys[i].lo);
		CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_OK);
		snprintf(text, sizeof text, "%s = %llu\n", keys[i].key, keys[i].hi);
		CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_OK);
		if (keys[i].lo > 0) {
			snprintf(text, sizeof text, "%s = %llu\n", keys[i].key, keys[i].lo - 1);
			CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_EINVAL);
			CHECK_STR_HAS(err, keys[i].key);
		}
		snprintf(text, sizeof text, "%s = %llu\n", keys[i].key, keys[i].hi + 1);
		CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "must be a whole number");
		for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
			snprintf(text, sizeof text, "%s = %s\n", keys[i].key, junk[j]);
			CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_EINVAL);
		}
	}
}

TEST(config_listeners,
     "listeners take IPv4:PORT, [IPv6]:PORT, a socket path or off, and at least one must stay on")
{
	static const char *const good[] = {"0.0.0.0:7207", "127.0.0.1:0", "[::1]:7207",
	                                   "[::]:65535"};
	static const char *const bad[] = {"localhost:7207", "127.0.0.1", "127.0.0.1:65536",
	                                  "1.2.3:4",        "[::1:7207", "::1:7207",
	                                  "127.0.0.1:-1",   ":7207"};
	struct config c;
	char text[300], err[256];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "listen_tcp = %s\n", good[i]);
		CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_OK);
		CHECK(strcmp(c.listen_tcp, good[i]) == 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "listen_tcp = %s\n", bad[i]);
		CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "listen_tcp must be");
	}
	CHECK_INT(parse(&c, "listen_unix = /run/suiji/s.sock\nlisten_tcp = off\n", err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(config_finish(&c, err, sizeof err), ==, SJ_OK);
	CHECK(c.listen_tcp[0] == '\0');
	CHECK(strcmp(c.listen_unix, "/run/suiji/s.sock") == 0);
	memset(text, 'a', sizeof text);
	memcpy(text, "listen_unix = /", 15);
	text[15 + 108] = '\n';
	text[15 + 109] = '\0';
	CHECK_INT(parse(&c, text, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "at most 107 bytes");
	CHECK_INT(parse(&c, "listen_unix = off\nlisten_tcp = off\n", err, sizeof err), ==, SJ_OK);
	CHECK_INT(config_finish(&c, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "nothing to serve");
}

TEST(config_words, "log_level and log_syslog take only their words")
{
	struct config c;
	char err[256];

	CHECK_INT(parse(&c, "log_level = warn\nlog_syslog = no\n", err, sizeof err), ==, SJ_OK);
	CHECK_INT(c.log_level, ==, LOG_LEVEL_WARN);
	CHECK_INT(parse(&c, "log_level = WARN\n", err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(parse(&c, "log_level = verbose\n", err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(parse(&c, "log_syslog = 1\n", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "log_syslog must be yes or no");
	CHECK_INT(log_level_parse("error"), ==, LOG_LEVEL_ERROR);
	CHECK_INT(log_level_parse("debug"), ==, LOG_LEVEL_DEBUG);
	CHECK_INT(log_level_parse(""), ==, -1);
}
