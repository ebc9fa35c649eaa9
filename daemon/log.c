/*
 * log.c: the daemon's log (log.h).
 *
 * On stderr each line carries a UTC time stamp to the millisecond, so that
 * a log kept without a journal still orders events; syslog and journald
 * add their own.
 */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

static struct {
	int level;
	int syslog;
} log_state = {LOG_LEVEL_INFO, 0};

static const char *const log_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, log_names[i]) == 0)
			return i;
	return -1;
}

void log_open(int level, int use_syslog)
{
	log_state.level = level;
	log_state.syslog = use_syslog;
	if (use_syslog)
		openlog("suijid", LOG_PID, LOG_DAEMON);
}

void log_close(void)
{
	if (log_state.syslog)
		closelog();
	log_state.syslog = 0;
}

int log_enabled(int level)
{
	return level <= log_state.level;
}

void log_msg(int level, const char *fmt, ...)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char msg[1024], stamp[32];
	int64_t us;
	time_t secs;
	struct tm tm;
	va_list ap;

	if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG || !log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (log_state.syslog) {
		syslog(prio[level], "%s: %s", log_names[level], msg);
		return;
	}
	us = util_now_us();
	secs = (time_t)(us / 1000000);
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03dZ suijid[%ld]: %s: %s\n", stamp, (int)(us / 1000 % 1000),
	        (long)getpid(), log_names[level], msg);
}

void log_key_id(char out[17], const uint8_t pk[32])
{
	util_hex(out, pk, 8);
}
