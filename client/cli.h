/*
 * cli.h: what every command of the client shares: the command line, the
 * session with the daemon (its settings, keys and connection), replies and
 * failures as text or JSON, and a signed mutation. Exit statuses: 0
 * success, 1 a check failed or the daemon refused, 2 usage, I/O or an
 * unavailable daemon.
 */
#ifndef SUIJI_CLIENT_CLI_H
#define SUIJI_CLIENT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "client/rpc.h"
#include "ledger/entry.h"
#include "ledger/note.h"
#include "proto/rpc.pb-c.h"

#define CLI_ERRLEN 1024

#define CLI_MAX_OPTS 24

/* One RPC command line: its positional arguments and options. */
struct cli {
	const char *cmd;
	const char *pos[4];
	int npos;
	const char *kv[CLI_MAX_OPTS][2];
	int nkv;
	int json;
};

/* A connection to the daemon and what it said about us. */
struct cli_session {
	struct rpc_client *c;
	struct note_skey *key;
	int json;
	char origin[256];
	char agency[ENTRY_MAX_AGENCY + 1];
	uint64_t counter; /* the request counter of the latest cli_sign */
};

#define CLI_MUTATE(s, method, type, msg, fn)                                                       \
	do {                                                                                       \
		size_t n_ = fn##__get_packed_size(&(msg));                                         \
		uint8_t *b_ = malloc(n_ ? n_ : 1);                                                 \
		if (b_ == NULL)                                                                    \
			return 2;                                                                  \
		fn##__pack(&(msg), b_);                                                            \
		rc = cli_mutate(s, method, type, b_, n_);                                          \
		free(b_);                                                                          \
	} while (0)

const char *cli_arg(int argc, char **argv, const char *name);

int cli_has_flag(int argc, char **argv, const char *name);

/* The one argument that is neither an option nor an option's value. */
const char *cli_positional(int argc, char **argv);

const char *cli_opt(const struct cli *a, const char *name);

/* Splits argv[2..] into options (each takes a value; --json and the
 * flag_opts take none, and a flag's value is "") and positional
 * arguments. Unknown options are usage errors. */
int cli_parse(struct cli *a, int argc, char **argv, const char *const *opts, int npos);

const char *cli_code_name(int code);

/* Prints a JSON object and frees it. */
int cli_json_out(cJSON *j);

/* Reports a failure of the client itself (not a daemon reply). */
int cli_fail(const struct cli_session *s, int status, const char *msg);

/* Settings: defaults, then the settings file, then flags; then the daemon
 * key and the client key, and the connection. Returns an exit status. */
int cli_session_open(struct cli_session *s, const struct cli *a);

void cli_session_close(struct cli_session *s);

/*
 * One request. Returns 0 with *r holding an OK reply; otherwise reports
 * the problem and returns the exit status: 1 when the daemon refused (or
 * did not admit this key), 2 for I/O and an unavailable daemon.
 */
int cli_call(struct cli_session *s, struct rpc_client_reply *r, uint32_t method, const char *agency,
             const uint8_t *body, size_t len, const uint8_t *sig);

int cli_status(struct cli_session *s, Suiji__Rpc__StatusReply **out);

int cli_parse_u64(uint64_t *v, const char *s);

/* Writes text or bytes to -o FILE ("-" or no -o: stdout); in JSON mode
 * without a file, as the named string field. */
int cli_emit(struct cli_session *s, const struct cli *a, const char *field, const void *buf,
             size_t len);

/* Learns the log's origin and this client's agency from the daemon. */
int cli_identify(struct cli_session *s);

/* The request signature over payload as an entry of type (entry.h), with a
 * fresh request counter, kept in s->counter for cli_call to send. */
int cli_sign(struct cli_session *s, uint8_t sig[64], uint32_t type, const uint8_t *payload,
             size_t len);

/*
 * A mutation: payload (an entry payload of type, already encoded) signed
 * with the client's key for this log (the origin) and this client's agency,
 * both as the daemon's status reports them.
 */
int cli_mutate(struct cli_session *s, uint32_t method, uint32_t type, const uint8_t *payload,
               size_t len);

int cli_need_opts(struct cli_session *s, const struct cli *a, const char *const *names);

/* The client's usage text. */
void cli_usage(FILE *f);

#endif
