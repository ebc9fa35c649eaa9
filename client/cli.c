/*
 * cli.c: the command line, the session with the daemon, replies and signed
 * mutations, shared by every command (cli.h).
 */
#include "client/cli.h"

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"
#include "client/cli.h"
#include "client/keys.h"
#include "client/rpc.h"
#include "common/util.h"
#include "dir/import.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/print.h"
#include "draw/result.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/proof.h"
#include "ledger/vkeyfile.h"
#include "proto/directory.pb-c.h"
#include "proto/draw.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "wire/channel.h"
#include "wire/drawspec.h"
#include "wire/planspec.h"
#include "wire/resultspec.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_arg(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

int cli_has_flag(int argc, char **argv, const char *name)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* The one argument that is neither an option nor an option's value. */
const char *cli_positional(int argc, char **argv)
{
	const char *found = NULL;
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (strcmp(argv[i], "--witness") != 0)
				i++;
			continue;
		}
		found = argv[i];
	}
	return found;
}
const char *cli_opt(const struct cli *a, const char *name)
{
	for (int i = 0; i < a->nkv; i++)
		if (strcmp(a->kv[i][0], name) == 0)
			return a->kv[i][1];
	return NULL;
}

static int name_in(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const connection_opts[] = {"--server", "--daemon-key", "-k",
                                              "--config", "--timeout",    NULL};
/* Options that take no value (besides --json). */
static const char *const flag_opts[] = {"--wait", "--dry-run", "--approve", NULL};

/* Splits argv[2..] into options (each takes a value; --json and the
 * flag_opts take none, and a flag's value is "") and positional
 * arguments. Unknown options are usage errors. */
int cli_parse(struct cli *a, int argc, char **argv, const char *const *opts, int npos)
{
	memset(a, 0, sizeof *a);
	a->cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--json") == 0) {
			a->json = 1;
		} else if (s[0] == '-' && s[1] != '\0') {
			if (!name_in(s, connection_opts) && !name_in(s, opts)) {
				fprintf(stderr, "suiji: %s does not take %s\n", a->cmd, s);
				return 2;
			}
			if (name_in(s, flag_opts)) {
				if (a->nkv == CLI_MAX_OPTS)
					return 2;
				a->kv[a->nkv][0] = s;
				a->kv[a->nkv][1] = "";
				a->nkv++;
				continue;
			}
			if (i + 1 >= argc || a->nkv == CLI_MAX_OPTS) {
				fprintf(stderr, "suiji: %s needs a value\n", s);
				return 2;
			}
			a->kv[a->nkv][0] = s;
			a->kv[a->nkv][1] = argv[++i];
			a->nkv++;
		} else if (a->npos < npos) {
			a->pos[a->npos++] = s;
		} else {
			fprintf(stderr, "suiji: unexpected argument \"%s\" to %s\n", s, a->cmd);
			return 2;
		}
	}
	return 0;
}

const char *cli_code_name(int code)
{
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value(&suiji__rpc__code__descriptor, code);
	return v ? v->name + 5 : "UNKNOWN"; /* "CODE_FORBIDDEN" → "FORBIDDEN" */
}

/* Prints a JSON object and frees it. */
int cli_json_out(cJSON *j)
{
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	int rc = 2;
	if (text != NULL) {
		printf("%s\n", text);
		rc = 0;
	}
	free(text);
	cJSON_Delete(j);
	return rc;
}

/* Reports a failure of the client itself (not a daemon reply). */
int cli_fail(const struct cli_session *s, int status, const char *msg)
{
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 0);
		cJSON_AddStringToObject(j, "error", msg);
		cli_json_out(j);
	} else {
		fprintf(stderr, "suiji: %s\n", msg);
	}
	return status;
}

static const char *default_settings_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, cap, "%s/suiji/client.conf", xdg);
	else if (home != NULL && home[0] != '\0')
		snprintf(buf, cap, "%s/.config/suiji/client.conf", home);
	else
		return NULL;
	return buf;
}

/* Settings: defaults, then the settings file, then flags; then the daemon
 * key and the client key, and the connection. Returns an exit status. */
int cli_session_open(struct cli_session *s, const struct cli *a)
{
	struct rpc_client_settings st;
	struct note_vkey dk;
	char path[4096], err[CLI_ERRLEN];
	const char *cfg = cli_opt(a, "--config"), *v;
	int rc;

	memset(s, 0, sizeof *s);
	s->json = a->json;
	rpc_client_settings_defaults(&st);
	if (cfg == NULL)
		cfg = default_settings_path(path, sizeof path);
	if (cfg != NULL && rpc_client_settings_load(&st, cfg, cli_opt(a, "--config") != NULL, err,
	                                            sizeof err) != SJ_OK)
		return cli_fail(s, 2, err);
	if ((v = cli_opt(a, "--server")) != NULL)
		snprintf(st.server, sizeof st.server, "%s", v);
	if ((v = cli_opt(a, "--daemon-key")) != NULL)
		snprintf(st.daemon_key, sizeof st.daemon_key, "%s", v);
	if ((v = cli_opt(a, "-k")) != NULL)
		snprintf(st.key, sizeof st.key, "%s", v);
	if ((v = cli_opt(a, "--timeout")) != NULL) {
		char *end;
		long t = strtol(v, &end, 10);
		if (*end != '\0' || t < 1 || t > 3600000)
			return cli_fail(s, 2, "--timeout takes milliseconds, 1 to 3600000");
		st.timeout_ms = (int)t;
	}
	if (st.daemon_key[0] == '\0')
		return cli_fail(s, 2,
		                "no daemon key to pin: give --daemon-key (suijid daemon-key "
		                "prints it) or daemon_key in the settings file");
	if (st.key[0] == '\0')
		return cli_fail(s, 2, "no client key: give -k KEYFILE or key in the settings file");
	if (keys_load_vkey(&dk, st.daemon_key) != 0)
		return cli_fail(s, 2, "the daemon key is not a verifier key");
	if (dk.type != NOTE_TYPE_ED25519)
		return cli_fail(s, 2, "the daemon key must be an Ed25519 key (suijid daemon-key)");
	if (keyfile_load(&s->key, st.key, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK)
		return cli_fail(s, 2, err);
	rc = rpc_client_open(&s->c, st.server, dk.pk, s->key, st.timeout_ms, err, sizeof err);
	if (rc != SJ_OK) {
		note_skey_free(s->key);
		s->key = NULL;
		return cli_fail(s, rc == SJ_EVERIFY ? 1 : 2, err);
	}
	return 0;
}

void cli_session_close(struct cli_session *s)
{
	rpc_client_close(s->c);
	note_skey_free(s->key);
	s->c = NULL;
	s->key = NULL;
}

/*
 * One request. Returns 0 with *r holding an OK reply; otherwise reports
 * the problem and returns the exit status: 1 when the daemon refused (or
 * did not admit this key), 2 for I/O and an unavailable daemon.
 */
int cli_call(struct cli_session *s, struct rpc_client_reply *r, uint32_t method, const char *agency,
             const uint8_t *body, size_t len, const uint8_t *sig)
{
	char err[CLI_ERRLEN], msg[CLI_ERRLEN + 64];
	int rc = rpc_client_call(s->c, r, method, agency, body, len, sig, sig ? s->counter : 0, err,
	                         sizeof err);

	if (rc != SJ_OK)
		return cli_fail(s, rc == SJ_EPERM || rc == SJ_EVERIFY ? 1 : 2, err);
	if (r->code == SUIJI__RPC__CODE__CODE_OK)
		return 0;
	rc = r->code == SUIJI__RPC__CODE__CODE_UNAVAILABLE ? 2 : 1;
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 0);
		cJSON_AddStringToObject(j, "code", cli_code_name(r->code));
		cJSON_AddStringToObject(j, "message", r->message);
		cli_json_out(j);
	} else {
		snprintf(msg, sizeof msg, "%s", r->message);
		fprintf(stderr, "suiji: %s: %s [%s]\n",
		        rc == 1 ? "refused" : "the daemon cannot serve this now", msg,
		        cli_code_name(r->code));
	}
	rpc_client_reply_fini(r);
	return rc;
}

int cli_status(struct cli_session *s, Suiji__Rpc__StatusReply **out)
{
	struct rpc_client_reply r;
	int rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL, 0, NULL);
	if (rc != 0)
		return rc;
	*out = suiji__rpc__status_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (*out == NULL)
		return cli_fail(s, 2, "the daemon's status reply is malformed");
	return 0;
}

int cli_parse_u64(uint64_t *v, const char *s)
{
	char *end;
	errno = 0;
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Writes text or bytes to -o FILE ("-" or no -o: stdout); in JSON mode
 * without a file, as the named string field. */
int cli_emit(struct cli_session *s, const struct cli *a, const char *field, const void *buf,
             size_t len)
{
	const char *out = cli_opt(a, "-o");
	cJSON *j;

	if (out != NULL && strcmp(out, "-") != 0) {
		if (util_write_file(out, buf, len, 0644) != SJ_OK) {
			char m[4200];
			snprintf(m, sizeof m, "cannot write %s", out);
			return cli_fail(s, 2, m);
		}
		if (!s->json)
			return 0;
		j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddStringToObject(j, "file", out);
		cJSON_AddNumberToObject(j, "bytes", (double)len);
		return cli_json_out(j);
	}
	if (s->json) {
		char *text = malloc(len + 1);
		if (text == NULL)
			return 2;
		memcpy(text, buf, len);
		text[len] = '\0';
		j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddStringToObject(j, field, text);
		free(text);
		return cli_json_out(j);
	}
	return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 2;
}
/* Learns the log's origin and this client's agency from the daemon. */
int cli_identify(struct cli_session *s)
{
	Suiji__Rpc__StatusReply *st = NULL;
	int rc;

	if ((rc = cli_status(s, &st)) != 0)
		return rc;
	snprintf(s->origin, sizeof s->origin, "%s", st->origin);
	snprintf(s->agency, sizeof s->agency, "%s", st->agency);
	suiji__rpc__status_reply__free_unpacked(st, NULL);
	return 0;
}

/* The request signature over payload as an entry of type (entry.h). */
int cli_sign(struct cli_session *s, uint8_t sig[64], uint32_t type, const uint8_t *payload,
             size_t len)
{
	uint8_t *msg = NULL;
	size_t mlen;

	s->counter = util_request_counter();
	if (entry_request_message(&msg, &mlen, s->origin, type, s->counter, s->agency,
	                          strlen(s->agency), payload, len) != SJ_OK)
		return cli_fail(s, 2, "cannot build the request to sign");
	note_skey_sign_raw(sig, msg, mlen, s->key);
	free(msg);
	return 0;
}

/*
 * A mutation: payload (an entry payload of type, already encoded) signed
 * with the client's key for this log (the origin) and this client's agency,
 * both as the daemon's status reports them.
 */
int cli_mutate(struct cli_session *s, uint32_t method, uint32_t type, const uint8_t *payload,
               size_t len)
{
	Suiji__Rpc__AppendReply *ar;
	struct rpc_client_reply r;
	uint8_t sig[64];
	int rc;

	if ((rc = cli_identify(s)) != 0 || (rc = cli_sign(s, sig, type, payload, len)) != 0)
		return rc;
	rc = cli_call(s, &r, method, s->agency, payload, len, sig);
	if (rc != 0)
		return rc;
	ar = suiji__rpc__append_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (ar == NULL)
		return cli_fail(s, 2, "the daemon's append reply is malformed");
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "seq", (double)ar->seq);
		cJSON_AddStringToObject(j, "type", entry_type_name(type));
		rc = cli_json_out(j);
	} else {
		printf("entry %llu: %s\n", (unsigned long long)ar->seq, entry_type_name(type));
	}
	suiji__rpc__append_reply__free_unpacked(ar, NULL);
	return rc;
}

int cli_need_opts(struct cli_session *s, const struct cli *a, const char *const *names)
{
	char m[128];
	for (; *names; names++)
		if (cli_opt(a, *names) == NULL) {
			snprintf(m, sizeof m, "%s needs %s", a->cmd, *names);
			return cli_fail(s, 2, m);
		}
	return 0;
}

void cli_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: suiji keygen -k KEYFILE --name NAME [--witness]\n"
	    "       suiji pubkey -k KEYFILE\n"
	    "       suiji cosign -k WITNESS_KEYFILE --log-key KEY --state FILE\n"
	    "                    [--proof CONSISTENCY_PROOF] CHECKPOINT [-o OUT]\n"
	    "       suiji pubvalues sign --key KEYFILE --origin ORIGIN --source ID VALUES.json\n"
	    "                    [-o OUT]   (a public-values signer signs values drawn in public)\n"
	    "       suiji COMMAND [connection options] [--json] ...  (talks to suijid)\n"
	    "keygen makes a client key (or with --witness a cosignature/v1 key) in a new\n"
	    "0600 file and prints its public verifier key.\n"
	    "commands that talk to suijid:\n"
	    "  status                                     the log, and who you are to it\n"
	    "  checkpoint [--size N] [-o FILE]            the latest (or size N) checkpoint\n"
	    "  entry SEQ -o FILE                          one entry's bytes\n"
	    "  prove-inclusion SEQ [-o FILE]              inclusion proof at the latest "
	    "checkpoint\n"
	    "  prove-consistency OLD_SIZE [-o FILE]       consistency proof to the latest "
	    "checkpoint\n"
	    "  register-agency --code CODE --name NAME [--parent CODE]\n"
	    "  register-client --key PUBKEY --agency CODE --role ROLE [--name NAME]\n"
	    "  revoke-client --key PUBKEY --reason TEXT\n"
	    "  add-witness --key VKEY [--note TEXT]\n"
	    "  beacons                                    the registered beacon sources\n"
	    "  draw-request SPEC.json                     request a draw (operators): prints its\n"
	    "                                             commitment and the rounds it waits for\n"
	    "  draw-get SEQ [--wait] [--wait-timeout S]   a draw's state; once revealed, its\n"
	    "                                             result, re-derived here\n"
	    "  draw-wait SEQ [--wait-timeout S]           draw-get --wait\n"
	    "  import KIND FILE [--encoding utf8|gb18030] import your agency's directory of\n"
	    "                                             objects|officers|experts|conflicts;\n"
	    "                                             --dry-run only checks the file, here\n"
	    "  items-publish FILE.json                    publish your agency's item list (R3)\n"
	    "  plan-submit FILE.json                      submit a plan version for legal review\n"
	    "  plan-review AGENCY PLAN VERSION (--approve | --return REASON)   (legal reviewers)\n"
	    "  plan-file AGENCY PLAN VERSION [--note TEXT]                      (supervisors)\n"
	    "  plan-publish AGENCY PLAN VERSION           publish a filed plan (operators)\n"
	    "  task-create FILE.json                      a task from a published plan\n"
	    "  task-review AGENCY TASK (--approve [--narrow-scope REASON] | --return REASON)\n"
	    "                                             a task's legal review (legal reviewers)\n"
	    "  result ACTION FILE.json [--object ID] [--reason TEXT]\n"
	    "                                             one step of a result: enter, review,\n"
	    "                                             return, amend, publish, follow, close,\n"
	    "                                             recheck (docs/results.md)\n"
	    "                                             (docs/plans.md)\n"
	    "  lead-add FILE.json                         a lead handled outside the draw (R10)\n"
	    "  unavailable-add FILE.json                  a person's unavailability (R11)\n"
	    "  unavailable-review ENTRY (--approve | --return NOTE)\n"
	    "                                             the legal reviewer's word on it\n"
	    "connection options (else from --config FILE or ~/.config/suiji/client.conf):\n"
	    "  --server tcp:HOST:PORT|unix:PATH   --daemon-key KEY|FILE   -k KEYFILE\n"
	    "  --timeout MS\n");
}
