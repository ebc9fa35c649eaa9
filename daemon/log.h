/*
 * log.h: suijid's log, to stderr or to syslog.
 *
 * What may be logged: connection ids, peer addresses, request ids, method
 * names, result codes, sequence numbers, agency codes and the short id of a
 * client's public key (log_key_id). What may not: request or reply bodies,
 * payloads, seeds, signatures, and any key but a public key's short id.
 * There is deliberately no function here that takes a buffer of bytes to
 * print, so a body cannot reach the log by accident.
 *
 * One log per process; the functions are called from the daemon's loop
 * thread only.
 */
#ifndef SUIJI_DAEMON_LOG_H
#define SUIJI_DAEMON_LOG_H

#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERROR = 0, /* the daemon cannot go on, or lost something */
	LOG_LEVEL_WARN = 1,  /* a limit was hit or the ledger is unhealthy */
	LOG_LEVEL_INFO = 2,  /* start, stop, appends, refused clients */
	LOG_LEVEL_DEBUG = 3, /* every connection and request */
};

/* "error", "warn", "info" or "debug" to its level; -1 for anything else. */
int log_level_parse(const char *s);

/* Starts logging at level (messages above it are dropped) to stderr, or to
 * syslog (facility daemon, ident "suijid") when use_syslog is set. Before
 * the first call, messages at info and below go to stderr. */
void log_open(int level, int use_syslog);
void log_close(void);

/* 1 when a message at level would be written, so that callers can skip
 * building one. */
int log_enabled(int level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* The short id of a public key for the log: the first 8 bytes in hex, into
 * out (17 bytes). A public key is not a secret; the id is enough to find it
 * in the ledger. */
void log_key_id(char out[17], const uint8_t pk[32]);

#endif
