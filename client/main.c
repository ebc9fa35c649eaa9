/*
 * suiji: the command-line client. It holds the key commands every party
 * needs (an agency's client key, a witness's cosigning key), the witness's
 * cosign command, and the agency commands that talk to suijid over its RPC
 * (client/rpc.h): status, checkpoints, entries and proofs to read, and the
 * administrator's registrations, each signed here with the client's key
 * over exactly the payload the ledger will store (docs/ledger.md section 3).
 * An operator requests draws the same way: the client reads the spec and
 * pools (wire/drawspec.h), encodes and signs the request, and the daemon
 * commits it; a revealed draw is re-derived here from its three entries
 * before it is printed, so the client never takes the daemon's word for a
 * result (docs/draw-request.md, "Over RPC").
 *
 * A witness cosigns a checkpoint only after checking that the log signed it
 * and that it extends the last checkpoint this witness cosigned, by a
 * consistency proof (C2SP tlog-witness's rule). That is what makes a
 * cosignature worth something: a log that forks cannot get the same
 * witness to sign both branches.
 *
 * Exit codes: 0 success, 1 a check failed or the daemon refused the
 * request, 2 usage, I/O or an unavailable daemon.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"
#include "client/rpc.h"
#include "common/util.h"
#include "wire/channel.h"
#include "wire/drawspec.h"
#include "wire/planspec.h"
#include "wire/resultspec.h"
#include "dir/import.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/result.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/vkeyfile.h"
#include "draw/print.h"
#include "ledger/proof.h"
#include "proto/directory.pb-c.h"
#include "proto/draw.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"

#define ERRLEN 1024
#define DRAW_POLL_MS 500 /* draw-get --wait: between two polls */
#define SUIJI_VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: suiji keygen -k KEYFILE --name NAME [--witness]\n"
		"       suiji pubkey -k KEYFILE\n"
		"       suiji cosign -k WITNESS_KEYFILE --log-key KEY --state FILE\n"
		"                    [--proof CONSISTENCY_PROOF] CHECKPOINT [-o OUT]\n"
		"       suiji COMMAND [connection options] [--json] ...  (talks to suijid)\n"
		"keygen makes a client key (or with --witness a cosignature/v1 key) in a new\n"
		"0600 file and prints its public verifier key.\n"
		"commands that talk to suijid:\n"
		"  status                                     the log, and who you are to it\n"
		"  checkpoint [--size N] [-o FILE]            the latest (or size N) checkpoint\n"
		"  entry SEQ -o FILE                          one entry's bytes\n"
		"  prove-inclusion SEQ [-o FILE]              inclusion proof at the latest checkpoint\n"
		"  prove-consistency OLD_SIZE [-o FILE]       consistency proof to the latest checkpoint\n"
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
		"  result ACTION FILE.json [--object ID] [--reason TEXT]\n"
		"                                             one step of a result: enter, review,\n"
		"                                             return, amend, publish, follow, close,\n"
		"                                             recheck (docs/results.md)\n"
		"                                             (docs/plans.md)\n"
		"connection options (else from --config FILE or ~/.config/suiji/client.conf):\n"
		"  --server tcp:HOST:PORT|unix:PATH   --daemon-key KEY|FILE   -k KEYFILE\n"
		"  --timeout MS\n");
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int has_flag(int argc, char **argv, const char *name)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* The one argument that is neither an option nor an option's value. */
static const char *positional(int argc, char **argv)
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

static int print_public(const struct note_skey *k)
{
	struct note_vkey v;
	char buf[512];
	note_skey_public(&v, k);
	if (note_vkey_format(buf, sizeof buf, v.name, v.type, v.pk) != SJ_OK)
		return 2;
	printf("%s\n", buf);
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *path = opt(argc, argv, "-k"), *name = opt(argc, argv, "--name");
	struct note_skey *k = NULL;
	char err[ERRLEN];
	int created = 0, rc;

	if (path == NULL || name == NULL) {
		usage(stderr);
		return 2;
	}
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "suiji: %s exists already; not overwriting a key\n", path);
		return 2;
	}
	rc = keyfile_load(&k, path, name,
			  has_flag(argc, argv, "--witness") ? NOTE_TYPE_COSIG_V1 : NOTE_TYPE_ED25519,
			  1, &created, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	rc = print_public(k);
	note_skey_free(k);
	return rc;
}

static int cmd_pubkey(int argc, char **argv)
{
	const char *path = opt(argc, argv, "-k");
	struct note_skey *k = NULL;
	char err[ERRLEN];
	int rc;

	if (path == NULL) {
		usage(stderr);
		return 2;
	}
	if (keyfile_load(&k, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	rc = print_public(k);
	note_skey_free(k);
	return rc;
}

static int load_vkey(struct note_vkey *k, const char *arg)
{
	char err[300];
	if (vkeyfile_load(k, arg, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	return 0;
}

/* Opens a checkpoint note signed by the log key. 0, 1 (check failed), 2. */
static int open_checkpoint(struct note **n, struct checkpoint *c, const char *text, size_t len,
			   const struct note_vkey *lk, const char *what)
{
	char why[256];
	const char *body;
	size_t blen;

	if (note_parse(n, text, len, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji: %s is not a signed note: %s\n", what, why);
		return 1;
	}
	body = note_body(*n, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji: %s is not a checkpoint: %s\n", what, why);
		return 1;
	}
	if (note_verify(*n, lk) != SJ_OK) {
		fprintf(stderr, "suiji: %s is not signed by the log key %s\n", what, lk->name);
		return 1;
	}
	return 0;
}

static int cmd_cosign(int argc, char **argv)
{
	const char *kpath = opt(argc, argv, "-k"), *lkarg = opt(argc, argv, "--log-key"),
		   *state = opt(argc, argv, "--state"), *proof = opt(argc, argv, "--proof"),
		   *out = opt(argc, argv, "-o"), *file = positional(argc, argv);
	struct note_vkey lk;
	struct note_skey *k = NULL;
	struct note *n = NULL, *old = NULL;
	struct checkpoint c, oc;
	uint8_t *text = NULL, *otext = NULL, *ptext = NULL;
	size_t tlen, olen, plen, blen;
	char err[ERRLEN], *line = NULL;
	const char *body;
	int rc = 2;

	if (kpath == NULL || lkarg == NULL || state == NULL || file == NULL) {
		usage(stderr);
		return 2;
	}
	if (load_vkey(&lk, lkarg) != 0)
		return 2;
	if (util_read_file(&text, &tlen, file, NOTE_MAX_SIZE) != SJ_OK) {
		fprintf(stderr, "suiji: cannot read checkpoint %s\n", file);
		return 2;
	}
	if ((rc = open_checkpoint(&n, &c, (const char *)text, tlen, &lk, "the checkpoint")) != 0)
		goto out;
	rc = util_read_file(&otext, &olen, state, NOTE_MAX_SIZE);
	if (rc == SJ_OK) {
		if ((rc = open_checkpoint(&old, &oc, (const char *)otext, olen, &lk,
					  "the witness state")) != 0)
			goto out;
		if (strcmp(oc.origin, c.origin) != 0 || c.size < oc.size ||
		    (c.size == oc.size && sodium_memcmp(c.root, oc.root, 32) != 0)) {
			fprintf(stderr, "suiji: refusing: the checkpoint at size %llu does not "
					"extend the one at size %llu this witness cosigned\n",
				(unsigned long long)c.size, (unsigned long long)oc.size);
			rc = 1;
			goto out;
		}
		if (c.size > oc.size) {
			struct proof_consistency *p = malloc(sizeof *p);
			char why[256];
			if (p == NULL) {
				rc = 2;
				goto out;
			}
			if (proof == NULL ||
			    util_read_file(&ptext, &plen, proof, PROOF_MAX_TEXT) != SJ_OK) {
				fprintf(stderr, "suiji: a consistency proof from size %llu (--proof) "
						"is needed\n",
					(unsigned long long)oc.size);
				free(p);
				rc = 2;
				goto out;
			}
			if (proof_consistency_parse(p, (const char *)ptext, plen, why, sizeof why) !=
				    SJ_OK ||
			    p->old_size != oc.size ||
			    merkle_verify_consistency(oc.size, c.size, oc.root, c.root,
						      (const merkle_hash *)p->hashes,
						      p->n) != SJ_OK) {
				fprintf(stderr, "suiji: refusing: the consistency proof does not "
						"prove size %llu extends size %llu\n",
					(unsigned long long)c.size, (unsigned long long)oc.size);
				free(p);
				rc = 1;
				goto out;
			}
			free(p);
		}
	} else if (rc != SJ_ENOENT) {
		fprintf(stderr, "suiji: cannot read witness state %s\n", state);
		rc = 2;
		goto out;
	}
	if (keyfile_load(&k, kpath, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		rc = 2;
		goto out;
	}
	body = note_body(n, &blen);
	rc = note_cosign(&line, body, blen, (uint64_t)time(NULL), k);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji: cannot cosign: %s (is -k a witness key?)\n",
			sj_strerror(rc));
		rc = 2;
		goto out;
	}
	/* The state moves on only once the cosignature exists. */
	if (util_write_file(state, text, tlen, 0600) != SJ_OK) {
		fprintf(stderr, "suiji: cannot write witness state %s\n", state);
		rc = 2;
		goto out;
	}
	{
		size_t ll = strlen(line);
		char *full = malloc(tlen + ll);
		if (full == NULL) {
			rc = 2;
			goto out;
		}
		memcpy(full, text, tlen);
		memcpy(full + tlen, line, ll);
		if (out == NULL || strcmp(out, "-") == 0)
			rc = fwrite(full, 1, tlen + ll, stdout) == tlen + ll ? 0 : 2;
		else
			rc = util_write_file(out, full, tlen + ll, 0644) == SJ_OK ? 0 : 2;
		free(full);
	}
out:
	note_free(n);
	note_free(old);
	note_skey_free(k);
	free(line);
	free(text);
	free(otext);
	free(ptext);
	return rc;
}

/* --- commands that talk to suijid --- */

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
struct session {
	struct rpc_client *c;
	struct note_skey *key;
	int json;
	char origin[256];
	char agency[ENTRY_MAX_AGENCY + 1];
};

static const char *cli_opt(const struct cli *a, const char *name)
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

static const char *const connection_opts[] = {"--server", "--daemon-key", "-k", "--config",
					      "--timeout", NULL};
/* Options that take no value (besides --json). */
static const char *const flag_opts[] = {"--wait", "--dry-run", "--approve", NULL};

/* Splits argv[2..] into options (each takes a value; --json and the
 * flag_opts take none, and a flag's value is "") and positional
 * arguments. Unknown options are usage errors. */
static int cli_parse(struct cli *a, int argc, char **argv, const char *const *opts, int npos)
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

static const char *code_name(int code)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&suiji__rpc__code__descriptor, code);
	return v ? v->name + 5 : "UNKNOWN"; /* "CODE_FORBIDDEN" → "FORBIDDEN" */
}

/* Prints a JSON object and frees it. */
static int json_out(cJSON *j)
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
static int fail(const struct session *s, int status, const char *msg)
{
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 0);
		cJSON_AddStringToObject(j, "error", msg);
		json_out(j);
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
static int session_open(struct session *s, const struct cli *a)
{
	struct rpc_client_settings st;
	struct note_vkey dk;
	char path[4096], err[ERRLEN];
	const char *cfg = cli_opt(a, "--config"), *v;
	int rc;

	memset(s, 0, sizeof *s);
	s->json = a->json;
	rpc_client_settings_defaults(&st);
	if (cfg == NULL)
		cfg = default_settings_path(path, sizeof path);
	if (cfg != NULL &&
	    rpc_client_settings_load(&st, cfg, cli_opt(a, "--config") != NULL, err, sizeof err) !=
		    SJ_OK)
		return fail(s, 2, err);
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
			return fail(s, 2, "--timeout takes milliseconds, 1 to 3600000");
		st.timeout_ms = (int)t;
	}
	if (st.daemon_key[0] == '\0')
		return fail(s, 2, "no daemon key to pin: give --daemon-key (suijid daemon-key "
				  "prints it) or daemon_key in the settings file");
	if (st.key[0] == '\0')
		return fail(s, 2, "no client key: give -k KEYFILE or key in the settings file");
	if (load_vkey(&dk, st.daemon_key) != 0)
		return fail(s, 2, "the daemon key is not a verifier key");
	if (dk.type != NOTE_TYPE_ED25519)
		return fail(s, 2, "the daemon key must be an Ed25519 key (suijid daemon-key)");
	if (keyfile_load(&s->key, st.key, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK)
		return fail(s, 2, err);
	rc = rpc_client_open(&s->c, st.server, dk.pk, s->key, st.timeout_ms, err, sizeof err);
	if (rc != SJ_OK) {
		note_skey_free(s->key);
		s->key = NULL;
		return fail(s, rc == SJ_EVERIFY ? 1 : 2, err);
	}
	return 0;
}

static void session_close(struct session *s)
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
static int call(struct session *s, struct rpc_client_reply *r, uint32_t method,
		const char *agency, const uint8_t *body, size_t len, const uint8_t *sig)
{
	char err[ERRLEN], msg[ERRLEN + 64];
	int rc = rpc_client_call(s->c, r, method, agency, body, len, sig, err, sizeof err);

	if (rc != SJ_OK)
		return fail(s, rc == SJ_EPERM || rc == SJ_EVERIFY ? 1 : 2, err);
	if (r->code == SUIJI__RPC__CODE__CODE_OK)
		return 0;
	rc = r->code == SUIJI__RPC__CODE__CODE_UNAVAILABLE ? 2 : 1;
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 0);
		cJSON_AddStringToObject(j, "code", code_name(r->code));
		cJSON_AddStringToObject(j, "message", r->message);
		json_out(j);
	} else {
		snprintf(msg, sizeof msg, "%s", r->message);
		fprintf(stderr, "suiji: %s: %s [%s]\n",
			rc == 1 ? "refused" : "the daemon cannot serve this now", msg,
			code_name(r->code));
	}
	rpc_client_reply_fini(r);
	return rc;
}

static int get_status(struct session *s, Suiji__Rpc__StatusReply **out)
{
	struct rpc_client_reply r;
	int rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL, 0, NULL);
	if (rc != 0)
		return rc;
	*out = suiji__rpc__status_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (*out == NULL)
		return fail(s, 2, "the daemon's status reply is malformed");
	return 0;
}

static int cmd_status(struct session *s, const struct cli *a)
{
	Suiji__Rpc__StatusReply *st = NULL;
	int rc;
	(void)a;

	if ((rc = get_status(s, &st)) != 0)
		return rc;
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddStringToObject(j, "origin", st->origin);
		cJSON_AddNumberToObject(j, "entries", (double)st->entries);
		cJSON_AddStringToObject(j, "log_vkey", st->log_vkey);
		cJSON_AddStringToObject(j, "role", st->role);
		cJSON_AddStringToObject(j, "agency", st->agency);
		cJSON_AddStringToObject(j, "version", st->version);
		rc = json_out(j);
	} else {
		printf("origin: %s\nentries: %llu\nlog key: %s\nyou: %s of agency %s\n"
		       "daemon: %s\n",
		       st->origin, (unsigned long long)st->entries, st->log_vkey, st->role,
		       st->agency, st->version);
	}
	suiji__rpc__status_reply__free_unpacked(st, NULL);
	return rc;
}

static int parse_u64(uint64_t *v, const char *s)
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
static int emit(struct session *s, const struct cli *a, const char *field, const void *buf,
		size_t len)
{
	const char *out = cli_opt(a, "-o");
	cJSON *j;

	if (out != NULL && strcmp(out, "-") != 0) {
		if (util_write_file(out, buf, len, 0644) != SJ_OK) {
			char m[4200];
			snprintf(m, sizeof m, "cannot write %s", out);
			return fail(s, 2, m);
		}
		if (!s->json)
			return 0;
		j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddStringToObject(j, "file", out);
		cJSON_AddNumberToObject(j, "bytes", (double)len);
		return json_out(j);
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
		return json_out(j);
	}
	return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 2;
}

static int cmd_checkpoint(struct session *s, const struct cli *a)
{
	Suiji__Rpc__GetCheckpoint q = SUIJI__RPC__GET_CHECKPOINT__INIT;
	Suiji__Rpc__CheckpointReply *cp;
	struct rpc_client_reply r;
	uint8_t body[32];
	int rc;

	if (cli_opt(a, "--size") && parse_u64(&q.size, cli_opt(a, "--size")) != 0)
		return fail(s, 2, "--size takes a tree size");
	rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, "", body,
		  suiji__rpc__get_checkpoint__pack(&q, body), NULL);
	if (rc != 0)
		return rc;
	cp = suiji__rpc__checkpoint_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (cp == NULL)
		return fail(s, 2, "the daemon's checkpoint reply is malformed");
	rc = emit(s, a, "note", cp->note, strlen(cp->note));
	suiji__rpc__checkpoint_reply__free_unpacked(cp, NULL);
	return rc;
}

static int cmd_entry(struct session *s, const struct cli *a)
{
	Suiji__Rpc__GetEntry q = SUIJI__RPC__GET_ENTRY__INIT;
	Suiji__Rpc__EntryReply *e;
	struct rpc_client_reply r;
	uint8_t body[32];
	int rc;

	if (a->npos != 1 || parse_u64(&q.seq, a->pos[0]) != 0 || cli_opt(a, "-o") == NULL)
		return fail(s, 2, "entry needs a sequence number and -o FILE");
	rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_ENTRY, "", body,
		  suiji__rpc__get_entry__pack(&q, body), NULL);
	if (rc != 0)
		return rc;
	e = suiji__rpc__entry_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (e == NULL)
		return fail(s, 2, "the daemon's entry reply is malformed");
	if (strcmp(cli_opt(a, "-o"), "-") == 0 && s->json) {
		rc = fail(s, 2, "entry bytes are binary: give -o FILE with --json");
	} else {
		rc = emit(s, a, "bytes", e->bytes.data, e->bytes.len);
	}
	suiji__rpc__entry_reply__free_unpacked(e, NULL);
	return rc;
}

static int cmd_prove(struct session *s, const struct cli *a, int inclusion)
{
	Suiji__Rpc__ProveInclusion qi = SUIJI__RPC__PROVE_INCLUSION__INIT;
	Suiji__Rpc__ProveConsistency qc = SUIJI__RPC__PROVE_CONSISTENCY__INIT;
	Suiji__Rpc__ProofReply *p;
	struct rpc_client_reply r;
	uint64_t arg;
	uint8_t body[32];
	size_t len;
	int rc;

	if (a->npos != 1 || parse_u64(&arg, a->pos[0]) != 0)
		return fail(s, 2, inclusion ? "prove-inclusion needs a sequence number"
					    : "prove-consistency needs the old tree size");
	qi.seq = arg;
	qc.old_size = arg;
	len = inclusion ? suiji__rpc__prove_inclusion__pack(&qi, body)
			: suiji__rpc__prove_consistency__pack(&qc, body);
	rc = call(s, &r,
		  inclusion ? SUIJI__RPC__METHOD__METHOD_PROVE_INCLUSION
			    : SUIJI__RPC__METHOD__METHOD_PROVE_CONSISTENCY,
		  "", body, len, NULL);
	if (rc != 0)
		return rc;
	p = suiji__rpc__proof_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (p == NULL)
		return fail(s, 2, "the daemon's proof reply is malformed");
	rc = emit(s, a, "proof", p->proof, strlen(p->proof));
	suiji__rpc__proof_reply__free_unpacked(p, NULL);
	return rc;
}

/* Learns the log's origin and this client's agency from the daemon. */
static int identify(struct session *s)
{
	Suiji__Rpc__StatusReply *st = NULL;
	int rc;

	if ((rc = get_status(s, &st)) != 0)
		return rc;
	snprintf(s->origin, sizeof s->origin, "%s", st->origin);
	snprintf(s->agency, sizeof s->agency, "%s", st->agency);
	suiji__rpc__status_reply__free_unpacked(st, NULL);
	return 0;
}

/* The request signature over payload as an entry of type (entry.h). */
static int sign_payload(struct session *s, uint8_t sig[64], uint32_t type, const uint8_t *payload,
			size_t len)
{
	uint8_t *msg = NULL;
	size_t mlen;

	if (entry_request_message(&msg, &mlen, s->origin, type, s->agency, strlen(s->agency),
				  payload, len) != SJ_OK)
		return fail(s, 2, "cannot build the request to sign");
	note_skey_sign_raw(sig, msg, mlen, s->key);
	free(msg);
	return 0;
}

/*
 * A mutation: payload (an entry payload of type, already encoded) signed
 * with the client's key for this log (the origin) and this client's agency,
 * both as the daemon's status reports them.
 */
static int mutate(struct session *s, uint32_t method, uint32_t type, const uint8_t *payload,
		  size_t len)
{
	Suiji__Rpc__AppendReply *ar;
	struct rpc_client_reply r;
	uint8_t sig[64];
	int rc;

	if ((rc = identify(s)) != 0 || (rc = sign_payload(s, sig, type, payload, len)) != 0)
		return rc;
	rc = call(s, &r, method, s->agency, payload, len, sig);
	if (rc != 0)
		return rc;
	ar = suiji__rpc__append_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (ar == NULL)
		return fail(s, 2, "the daemon's append reply is malformed");
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "seq", (double)ar->seq);
		cJSON_AddStringToObject(j, "type", entry_type_name(type));
		rc = json_out(j);
	} else {
		printf("entry %llu: %s\n", (unsigned long long)ar->seq, entry_type_name(type));
	}
	suiji__rpc__append_reply__free_unpacked(ar, NULL);
	return rc;
}

#define MUTATE(s, method, type, msg, fn)                                          \
	do {                                                                      \
		size_t n_ = fn##__get_packed_size(&(msg));                        \
		uint8_t *b_ = malloc(n_ ? n_ : 1);                                \
		if (b_ == NULL)                                                   \
			return 2;                                                 \
		fn##__pack(&(msg), b_);                                           \
		rc = mutate(s, method, type, b_, n_);                             \
		free(b_);                                                         \
	} while (0)

static int need_opts(struct session *s, const struct cli *a, const char *const *names)
{
	char m[128];
	for (; *names; names++)
		if (cli_opt(a, *names) == NULL) {
			snprintf(m, sizeof m, "%s needs %s", a->cmd, *names);
			return fail(s, 2, m);
		}
	return 0;
}

static int cmd_register_agency(struct session *s, const struct cli *a)
{
	static const char *const req[] = {"--code", "--name", NULL};
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	int rc;

	if ((rc = need_opts(s, a, req)) != 0)
		return rc;
	m.code = (char *)cli_opt(a, "--code");
	m.name = (char *)cli_opt(a, "--name");
	m.parent = (char *)(cli_opt(a, "--parent") ? cli_opt(a, "--parent") : "");
	MUTATE(s, SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, ENTRY_AGENCY_REGISTER, m,
	       suiji__agency_register);
	return rc;
}

static int role_of(const char *name)
{
	static const char *const names[] = {"", "operator", "legal", "supervisor", "auditor",
					    "admin"};
	for (int i = 1; i < 6; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

static int cmd_register_client(struct session *s, const struct cli *a)
{
	static const char *const req[] = {"--key", "--agency", "--role", NULL};
	Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
	struct note_vkey k;
	int rc, role;

	if ((rc = need_opts(s, a, req)) != 0)
		return rc;
	if (load_vkey(&k, cli_opt(a, "--key")) != 0)
		return 2;
	role = role_of(cli_opt(a, "--role"));
	if (role < 0)
		return fail(s, 2, "--role must be operator, legal, supervisor, auditor or admin");
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.agency = (char *)cli_opt(a, "--agency");
	m.role = (Suiji__Role)role;
	m.name = (char *)(cli_opt(a, "--name") ? cli_opt(a, "--name") : k.name);
	MUTATE(s, SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT, ENTRY_CLIENT_REGISTER, m,
	       suiji__client_register);
	return rc;
}

static int cmd_revoke_client(struct session *s, const struct cli *a)
{
	static const char *const req[] = {"--key", "--reason", NULL};
	Suiji__ClientRevoke m = SUIJI__CLIENT_REVOKE__INIT;
	struct note_vkey k;
	int rc;

	if ((rc = need_opts(s, a, req)) != 0)
		return rc;
	if (load_vkey(&k, cli_opt(a, "--key")) != 0)
		return 2;
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.reason = (char *)cli_opt(a, "--reason");
	MUTATE(s, SUIJI__RPC__METHOD__METHOD_REVOKE_CLIENT, ENTRY_CLIENT_REVOKE, m,
	       suiji__client_revoke);
	return rc;
}

static int cmd_add_witness(struct session *s, const struct cli *a)
{
	static const char *const req[] = {"--key", NULL};
	Suiji__WitnessAdd m = SUIJI__WITNESS_ADD__INIT;
	struct note_vkey k;
	char buf[NOTE_MAX_VKEY];
	int rc;

	if ((rc = need_opts(s, a, req)) != 0)
		return rc;
	if (load_vkey(&k, cli_opt(a, "--key")) != 0)
		return 2;
	if (k.type != NOTE_TYPE_COSIG_V1)
		return fail(s, 2, "a witness key must be a cosignature/v1 key (suiji keygen "
				  "--witness)");
	if (note_vkey_format(buf, sizeof buf, k.name, k.type, k.pk) != SJ_OK)
		return 2;
	m.vkey = buf;
	m.note = (char *)(cli_opt(a, "--note") ? cli_opt(a, "--note") : "");
	MUTATE(s, SUIJI__RPC__METHOD__METHOD_ADD_WITNESS, ENTRY_WITNESS_ADD, m,
	       suiji__witness_add);
	return rc;
}

/* --- draws --- */

/* The beacon sources the daemon lists, their chains parsed here. */
struct sources {
	Suiji__Rpc__BeaconsReply *r;
	struct beacon_chain *chains; /* per source; unused for public values */
};

static void sources_free(struct sources *set)
{
	if (set->r != NULL)
		suiji__rpc__beacons_reply__free_unpacked(set->r, NULL);
	free(set->chains);
	memset(set, 0, sizeof *set);
}

static int get_sources(struct session *s, struct sources *set)
{
	struct rpc_client_reply r;
	char why[256], m[600];
	int rc;

	memset(set, 0, sizeof *set);
	rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_BEACONS, "", NULL, 0, NULL);
	if (rc != 0)
		return rc;
	set->r = suiji__rpc__beacons_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (set->r == NULL)
		return fail(s, 2, "the daemon's beacons reply is malformed");
	set->chains = calloc(set->r->n_sources ? set->r->n_sources : 1, sizeof *set->chains);
	if (set->chains == NULL) {
		sources_free(set);
		return fail(s, 2, "out of memory");
	}
	for (size_t i = 0; i < set->r->n_sources; i++) {
		const Suiji__Rpc__BeaconSource *b = set->r->sources[i];
		if (b->chain[0] != '\0' &&
		    beacon_chain_parse(&set->chains[i], b->chain, strlen(b->chain), why,
		                       sizeof why) != SJ_OK) {
			snprintf(m, sizeof m, "beacon source %s: the chain info does not parse: %s",
			         b->id, why);
			sources_free(set);
			return fail(s, 1, m);
		}
	}
	return 0;
}

static const Suiji__Rpc__BeaconSource *source_find(const struct sources *set, const char *id,
                                                   const struct beacon_chain **chain)
{
	for (size_t i = 0; i < set->r->n_sources; i++)
		if (strcmp(set->r->sources[i]->id, id) == 0) {
			*chain = &set->chains[i];
			return set->r->sources[i];
		}
	return NULL;
}

/* drawspec_source_fn over what GET_BEACONS listed. */
static int source_lookup(void *ctx, const char *id, const struct beacon_chain **chain, int *manual,
                         int64_t *margin_us)
{
	const Suiji__Rpc__BeaconSource *b = source_find(ctx, id, chain);
	if (b == NULL)
		return SJ_ENOENT;
	*manual = b->chain[0] == '\0';
	*margin_us = b->margin_us;
	return SJ_OK;
}

/* "2026-05-01T08:00:00Z" */
static const char *utc(char *buf, size_t cap, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "@%lld", (long long)unix_s);
	return buf;
}

static cJSON *json_hex(const uint8_t *b, size_t n)
{
	char h[2 * 64 + 1];
	if (n > 64)
		n = 64;
	util_hex(h, b, n);
	return cJSON_CreateString(h);
}

static cJSON *json_rounds(Suiji__Rpc__DrawRound *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", v[i]->source);
		cJSON_AddNumberToObject(o, "round", (double)v[i]->round);
		cJSON_AddNumberToObject(o, "due_time", (double)v[i]->due_time);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void print_rounds(Suiji__Rpc__DrawRound *const *v, size_t n)
{
	int64_t now = util_now_us() / 1000000;
	char t[40];
	for (size_t i = 0; i < n; i++) {
		if (v[i]->due_time == 0) {
			printf("waits for public values (round %llu) of beacon %s, given at the "
			       "reveal\n",
			       (unsigned long long)v[i]->round, v[i]->source);
			continue;
		}
		printf("waits for round %llu of beacon %s, due %s", (unsigned long long)v[i]->round,
		       v[i]->source, utc(t, sizeof t, v[i]->due_time));
		if (v[i]->due_time > now)
			printf(" (in %lld s)", (long long)(v[i]->due_time - now));
		printf("\n");
	}
}

static int cmd_beacons(struct session *s, const struct cli *a)
{
	struct sources set;
	char hash[2 * BEACON_HASH_SIZE + 1], t[40];
	cJSON *j = NULL, *arr = NULL;
	int rc;
	(void)a;

	if ((rc = get_sources(s, &set)) != 0)
		return rc;
	if (s->json) {
		j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		arr = cJSON_AddArrayToObject(j, "sources");
	} else if (set.r->n_sources == 0) {
		printf("no beacon sources are registered (suijid add-beacon)\n");
	}
	for (size_t i = 0; i < set.r->n_sources; i++) {
		const Suiji__Rpc__BeaconSource *b = set.r->sources[i];
		const struct beacon_chain *c = &set.chains[i];
		int manual = b->chain[0] == '\0';
		if (!manual)
			beacon_chain_hash_hex(hash, c);
		if (s->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", b->id);
			cJSON_AddStringToObject(o, "kind",
			                        manual ? "manual" : beacon_kind_name(c->kind));
			cJSON_AddNumberToObject(o, "margin_ms", (double)(b->margin_us / 1000));
			cJSON_AddStringToObject(o, "url", b->url);
			cJSON_AddNumberToObject(o, "seq", (double)b->seq);
			if (!manual) {
				cJSON_AddStringToObject(o, "scheme", c->scheme);
				cJSON_AddNumberToObject(o, "period", c->period);
				cJSON_AddNumberToObject(o, "genesis_time", (double)c->genesis_time);
				cJSON_AddStringToObject(o, "chain_hash", hash);
				cJSON_AddStringToObject(o, "chain", b->chain);
			}
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		if (manual) {
			printf("%s  public values, given at each reveal; margin %lld ms (entry "
			       "%llu)\n",
			       b->id, (long long)(b->margin_us / 1000), (unsigned long long)b->seq);
			continue;
		}
		printf("%s  %s %s, a round every %u s since %s; margin %lld ms (entry %llu)\n",
		       b->id, beacon_kind_name(c->kind), c->scheme, c->period,
		       utc(t, sizeof t, c->genesis_time), (long long)(b->margin_us / 1000),
		       (unsigned long long)b->seq);
		printf("  chain hash %s\n  rounds from %s\n", hash,
		       b->url[0] ? b->url : "(no URL: revealed with suijid draw reveal --round)");
	}
	sources_free(&set);
	return s->json ? json_out(j) : 0;
}

static int cmd_draw_request(struct session *s, const struct cli *a)
{
	Suiji__Rpc__DrawReply *dr;
	struct rpc_client_reply r;
	struct sources set;
	struct drawspec sp;
	uint8_t sig[64], *payload = NULL;
	char err[ERRLEN], t[40], hex[65];
	size_t plen;
	int rc;

	if (a->npos != 1)
		return fail(s, 2, "draw-request needs the spec file (SPEC.json)");
	if ((rc = identify(s)) != 0 || (rc = get_sources(s, &set)) != 0)
		return rc;
	/* "auto" rounds are chosen by this clock, from the chains the ledger
	 * pinned; the daemon refuses a round that is not in the future of
	 * its commitment by the source's margin. */
	rc = drawspec_load(&sp, a->pos[0], source_lookup, &set, util_now_us(), err, sizeof err);
	sources_free(&set);
	if (rc != SJ_OK)
		return fail(s, 2, err);
	if (sp.agency[0] != '\0' && strcmp(sp.agency, s->agency) != 0) {
		snprintf(err, sizeof err,
		         "the spec is for agency %s, and this client acts for agency %s", sp.agency,
		         s->agency);
		drawspec_fini(&sp);
		return fail(s, 2, err);
	}
	rc = drawspec_payload(&payload, &plen, &sp);
	drawspec_fini(&sp);
	if (rc != SJ_OK)
		return fail(s, 2, "out of memory");
	rc = sign_payload(s, sig, ENTRY_DRAW_REQUEST, payload, plen);
	if (rc == 0)
		rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_DRAW_REQUEST, s->agency, payload, plen,
		          sig);
	free(payload);
	if (rc != 0)
		return rc;
	dr = suiji__rpc__draw_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (dr == NULL || dr->commitment.len != 32) {
		if (dr != NULL)
			suiji__rpc__draw_reply__free_unpacked(dr, NULL);
		return fail(s, 2, "the daemon's draw reply is malformed");
	}
	util_hex(hex, dr->commitment.data, 32);
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "request_seq", (double)dr->request_seq);
		cJSON_AddNumberToObject(j, "commit_seq", (double)dr->commit_seq);
		cJSON_AddStringToObject(j, "commitment", hex);
		cJSON_AddNumberToObject(j, "deadline_us", (double)dr->deadline_us);
		cJSON_AddItemToObject(j, "rounds", json_rounds(dr->rounds, dr->n_rounds));
		rc = json_out(j);
	} else {
		printf("draw request %llu committed at entry %llu\ncommitment %s\n",
		       (unsigned long long)dr->request_seq, (unsigned long long)dr->commit_seq,
		       hex);
		print_rounds(dr->rounds, dr->n_rounds);
		printf("reveal deadline %s\n", utc(t, sizeof t, dr->deadline_us / 1000000));
	}
	suiji__rpc__draw_reply__free_unpacked(dr, NULL);
	return rc;
}

/* A revealed draw, as re-derived here. */
struct rederived {
	struct draw_inputs *in;
	struct draw_objects *objects;
	struct draw_people *officers, *experts;
	struct beacon_value v[DRAW_MAX_BEACONS];
	size_t n_beacons;
	uint8_t seed[DRAW_SEED_SIZE];
	uint8_t randomness[32];
	uint8_t commitment[32];
	char agency[ENTRY_MAX_AGENCY + 1]; /* as the request entry names them */
	char request_id[65];
	struct draw_result *res;
};

static void rederived_fini(struct rederived *d)
{
	draw_inputs_free(d->in);
	draw_objects_free(d->objects);
	draw_people_free(d->officers);
	draw_people_free(d->experts);
	draw_result_free(d->res);
	memset(d, 0, sizeof *d);
}

#define NOT(...)                                                                                   \
	do {                                                                                       \
		snprintf(why, why_cap, __VA_ARGS__);                                               \
		goto out;                                                                          \
	} while (0)

/*
 * Re-derives a revealed draw from its three entries and the beacon chains
 * the ledger pinned, by the rules the ledger's replay applies to a reveal
 * (rules/draws.c; docs/draw-spec.md section 5): the request is signed for
 * this log, the commitment chains from it, the seed opens the commitment,
 * each round is the named one, verifies against its chain and was public
 * only after the commitment plus its margin and before the reveal, and the
 * stored result is, byte for byte, the one the seed, the rounds and the
 * committed inputs give. Returns 0, or -1 with why saying which check
 * failed. The draw's place in the log (that these entries are in it) is
 * what an inclusion proof or suiji-verify shows; this checks the draw.
 */
static int rederive(struct rederived *d, const Suiji__Rpc__DrawStateReply *st,
                    const struct sources *set, const char *origin, char *why, size_t why_cap)
{
	struct entry er, ec, ev;
	Suiji__DrawRequest *mq = NULL;
	Suiji__DrawCommit *mc = NULL;
	Suiji__DrawReveal *mv = NULL;
	struct draw_beacon_value bv[DRAW_MAX_BEACONS];
	const struct draw_spec *sp;
	uint8_t hash[32], *bytes = NULL;
	size_t blen;
	char e[512];
	int rc = -1;

	memset(d, 0, sizeof *d);
	if (entry_decode(&er, st->request_entry.data, st->request_entry.len, e, sizeof e) !=
	        SJ_OK ||
	    er.type != ENTRY_DRAW_REQUEST || er.seq != st->request_seq)
		NOT("the entry given as draw request %llu is not it",
		    (unsigned long long)st->request_seq);
	if (er.sig != NULL && entry_verify_request(&er, origin) != SJ_OK)
		NOT("the draw request's signature does not verify for %s", origin);
	if (entry_decode(&ec, st->commit_entry.data, st->commit_entry.len, e, sizeof e) != SJ_OK ||
	    ec.type != ENTRY_DRAW_COMMIT || ec.seq != st->commit_seq || ec.sig != NULL)
		NOT("the entry given as commitment %llu is not it",
		    (unsigned long long)st->commit_seq);
	/* Request and commitment are appended together: the commitment's
	 * prev is the request's hash. */
	entry_hash(hash, st->request_entry.data, st->request_entry.len);
	if (ec.seq != er.seq + 1 || memcmp(ec.prev, hash, 32) != 0)
		NOT("the commitment does not follow the request in the hash chain");
	if (entry_decode(&ev, st->reveal_entry.data, st->reveal_entry.len, e, sizeof e) != SJ_OK ||
	    ev.type != ENTRY_DRAW_REVEAL || ev.seq != st->reveal_seq || ev.seq <= ec.seq ||
	    ev.sig != NULL)
		NOT("the entry given as reveal %llu is not it", (unsigned long long)st->reveal_seq);

	mq = suiji__draw_request__unpack(NULL, er.payload_len, er.payload);
	if (mq == NULL)
		NOT("the draw request does not decode");
	if (draw_inputs_decode(&d->in, mq->inputs.data, mq->inputs.len, e, sizeof e) != SJ_OK ||
	    draw_objects_decode(&d->objects, mq->objects.data, mq->objects.len, e, sizeof e) !=
	        SJ_OK ||
	    draw_people_decode(&d->officers, mq->officers.data, mq->officers.len, e, sizeof e) !=
	        SJ_OK ||
	    draw_people_decode(&d->experts, mq->experts.data, mq->experts.len, e, sizeof e) !=
	        SJ_OK)
		NOT("the draw request's inputs or pools do not decode: %s", e);
	sp = draw_inputs_spec(d->in);
	if (draw_people_kind(d->officers) != DRAW_OFFICER ||
	    draw_people_kind(d->experts) != DRAW_EXPERT ||
	    memcmp(sp->object_pool, draw_objects_hash(d->objects), 32) != 0 ||
	    memcmp(sp->officer_pool, draw_people_hash(d->officers), 32) != 0 ||
	    memcmp(sp->expert_pool, draw_people_hash(d->experts), 32) != 0)
		NOT("the pools are not the ones the inputs name by hash");

	mc = suiji__draw_commit__unpack(NULL, ec.payload_len, ec.payload);
	if (mc == NULL || mc->request_seq != er.seq || mc->commitment.len != 32)
		NOT("the commitment does not name this request");
	if (st->commitment.len != 32 || memcmp(st->commitment.data, mc->commitment.data, 32) != 0)
		NOT("the reply's commitment is not the one in the commitment entry");
	memcpy(d->commitment, mc->commitment.data, 32);
	memcpy(d->agency, er.agency, er.agency_len);
	d->agency[er.agency_len] = '\0';
	snprintf(d->request_id, sizeof d->request_id, "%s", mq->request_id);
	if (ec.time_us >= sp->deadline_us || ev.time_us > sp->deadline_us)
		NOT("committed or revealed after the deadline");

	mv = suiji__draw_reveal__unpack(NULL, ev.payload_len, ev.payload);
	if (mv == NULL || mv->commit_seq != ec.seq)
		NOT("the reveal does not name this commitment");
	if (mv->seed.len != DRAW_SEED_SIZE ||
	    draw_derive_check_seed(mc->commitment.data, mv->seed.data) != SJ_OK)
		NOT("the revealed seed does not open the commitment");
	memcpy(d->seed, mv->seed.data, DRAW_SEED_SIZE);
	if (mv->n_rounds != sp->n_beacons || sp->n_beacons > DRAW_MAX_BEACONS)
		NOT("the inputs name %zu beacon rounds, the reveal gives %zu", sp->n_beacons,
		    mv->n_rounds);
	for (size_t i = 0; i < sp->n_beacons; i++) {
		const char *src = sp->beacons[i].source, *doc = mv->rounds[i];
		const Suiji__Rpc__BeaconSource *b;
		const struct beacon_chain *chain;
		struct beacon_round br;
		struct beacon_value *v = &d->v[i];
		if ((b = source_find(set, src, &chain)) == NULL)
			NOT("beacon source %s is not registered", src);
		if (b->chain[0] == '\0') {
			if (manual_value(v, NULL, 0, NULL, doc, strlen(doc), e, sizeof e) != SJ_OK)
				NOT("public values of beacon %s: %s", src, e);
		} else {
			if (beacon_round_parse(&br, doc, strlen(doc), e, sizeof e) != SJ_OK)
				NOT("round document of beacon %s: %s", src, e);
			if (br.round != sp->beacons[i].round)
				NOT("beacon %s: the inputs name round %llu, the reveal gives %llu",
				    src, (unsigned long long)sp->beacons[i].round,
				    (unsigned long long)br.round);
			if (beacon_round_verify(v, chain, &br, NULL, INT64_MAX, e, sizeof e) !=
			    SJ_OK)
				NOT("beacon %s round %llu: %s", src, (unsigned long long)br.round,
				    e);
		}
		if (beacon_round_usable(v, ec.time_us, b->margin_us, e, sizeof e) != SJ_OK)
			NOT("beacon %s: %s", src, e);
		if (v->time_us > ev.time_us)
			NOT("beacon %s: the round is due after the reveal", src);
		bv[i].value = v->value;
		bv[i].len = BEACON_VALUE_SIZE;
	}
	d->n_beacons = sp->n_beacons;
	entry_hash(hash, st->commit_entry.data, st->commit_entry.len);
	if (draw_derive_randomness(d->randomness, d->seed, hash, d->in, bv, sp->n_beacons, e,
	                           sizeof e) != SJ_OK ||
	    draw_derive_run(&d->res, d->in, d->objects, d->officers, d->experts, d->randomness, e,
	                    sizeof e) != SJ_OK)
		NOT("the draw cannot be derived: %s", e);
	if (draw_result_encode(&bytes, &blen, d->res) != SJ_OK)
		NOT("out of memory");
	if (blen != mv->result.len || memcmp(bytes, mv->result.data, blen) != 0)
		NOT("the ledgered result is not the one the seed, the beacon rounds and the "
		    "committed inputs give (R6)");
	rc = 0;
out:
	free(bytes);
	if (mq != NULL)
		suiji__draw_request__free_unpacked(mq, NULL);
	if (mc != NULL)
		suiji__draw_commit__free_unpacked(mc, NULL);
	if (mv != NULL)
		suiji__draw_reveal__free_unpacked(mv, NULL);
	if (rc != 0)
		rederived_fini(d);
	return rc;
}

#undef NOT

static const char *state_name(int state)
{
	switch (state) {
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REQUESTED: return "requested, not committed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED: return "committed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED: return "revealed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_ABANDONED:
		return "abandoned (not revealed by its deadline)";
	}
	return "unknown";
}

static const char *state_word(int state)
{
	switch (state) {
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REQUESTED: return "requested";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED: return "committed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED: return "revealed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_ABANDONED: return "abandoned";
	}
	return "unknown";
}

/* The state of a draw that has no result to show (yet). */
static int print_state(struct session *s, const Suiji__Rpc__DrawStateReply *st)
{
	char t[40];
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "request_seq", (double)st->request_seq);
		cJSON_AddStringToObject(j, "state", state_word(st->state));
		cJSON_AddStringToObject(j, "agency", st->agency);
		cJSON_AddStringToObject(j, "request_id", st->request_id);
		cJSON_AddStringToObject(j, "task", st->task);
		if (st->commitment.len == 32) {
			cJSON_AddNumberToObject(j, "commit_seq", (double)st->commit_seq);
			cJSON_AddItemToObject(j, "commitment", json_hex(st->commitment.data, 32));
		}
		cJSON_AddNumberToObject(j, "deadline_us", (double)st->deadline_us);
		cJSON_AddItemToObject(j, "rounds", json_rounds(st->rounds, st->n_rounds));
		return json_out(j);
	}
	printf("draw %llu  agency %s  request %s  task %s: %s\n",
	       (unsigned long long)st->request_seq, st->agency[0] ? st->agency : "-",
	       st->request_id, st->task, state_name(st->state));
	if (st->commitment.len == 32) {
		char hex[65];
		util_hex(hex, st->commitment.data, 32);
		printf("commitment %s at entry %llu\n", hex, (unsigned long long)st->commit_seq);
	}
	if (st->state == SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED)
		print_rounds(st->rounds, st->n_rounds);
	printf("reveal deadline %s\n", utc(t, sizeof t, st->deadline_us / 1000000));
	return 0;
}

/* A re-derived draw, as suiji-verify draw prints it. */
static int print_draw(struct session *s, const Suiji__Rpc__DrawStateReply *st,
                      const struct rederived *d)
{
	const struct draw_result *res = d->res;
	/* What the entries say, not what the reply's other fields say. */
	const char *task = draw_inputs_spec(d->in)->task;
	char r[65], seed[65], v[65];

	util_hex(r, d->randomness, 32);
	util_hex(seed, d->seed, 32);
	if (s->json) {
		cJSON *j = cJSON_CreateObject(), *a;
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "request_seq", (double)st->request_seq);
		cJSON_AddStringToObject(j, "state", "revealed");
		cJSON_AddBoolToObject(j, "rederived", 1);
		cJSON_AddNumberToObject(j, "commit_seq", (double)st->commit_seq);
		cJSON_AddNumberToObject(j, "reveal_seq", (double)st->reveal_seq);
		cJSON_AddStringToObject(j, "agency", d->agency);
		cJSON_AddStringToObject(j, "request_id", d->request_id);
		cJSON_AddStringToObject(j, "task", task);
		cJSON_AddItemToObject(j, "commitment", json_hex(d->commitment, 32));
		cJSON_AddStringToObject(j, "seed", seed);
		a = cJSON_AddArrayToObject(j, "beacons");
		for (size_t i = 0; i < d->n_beacons; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "source",
			                        draw_inputs_spec(d->in)->beacons[i].source);
			cJSON_AddNumberToObject(o, "round", (double)d->v[i].round);
			cJSON_AddItemToObject(o, "value", json_hex(d->v[i].value, 32));
			cJSON_AddStringToObject(o, "check", beacon_check_name(d->v[i].check));
			cJSON_AddItemToArray(a, o);
		}
		cJSON_AddStringToObject(j, "randomness", r);
		a = cJSON_AddArrayToObject(j, "strata");
		for (size_t i = 0; i < res->n_strata; i++) {
			const struct draw_stratum_result *sr = &res->strata[i];
			cJSON *o = cJSON_CreateObject();
			char cut[17];
			cJSON_AddStringToObject(o, "name", sr->name);
			cJSON_AddNumberToObject(o, "eligible", sr->n);
			cJSON_AddNumberToObject(o, "drawn", sr->k);
			if (sr->k) {
				snprintf(cut, sizeof cut, "%016llx",
				         (unsigned long long)sr->cutoff_score);
				cJSON_AddStringToObject(o, "cutoff_score", cut);
				cJSON_AddStringToObject(o, "cutoff_id", sr->cutoff_id);
			}
			cJSON_AddItemToArray(a, o);
		}
		a = cJSON_AddArrayToObject(j, "picks");
		for (size_t i = 0; i < res->n_picks; i++) {
			const struct draw_pick *p = &res->picks[i];
			cJSON *o = cJSON_CreateObject(), *people;
			char sc[17];
			snprintf(sc, sizeof sc, "%016llx", (unsigned long long)p->score);
			cJSON_AddStringToObject(o, "id", p->id);
			cJSON_AddStringToObject(o, "stratum", res->strata[p->stratum].name);
			cJSON_AddStringToObject(o, "score", sc);
			cJSON_AddNumberToObject(o, "slot", p->slot);
			people = cJSON_AddArrayToObject(o, "officers");
			for (unsigned k = 0; k < p->n_officers; k++)
				cJSON_AddItemToArray(people, cJSON_CreateString(p->officers[k]));
			/* A joint check (R14): the same officers per agency. */
			if (res->n_team_agencies > 0) {
				cJSON *parts = cJSON_AddArrayToObject(o, "parts");
				for (size_t g = 0; g < res->n_team_agencies; g++) {
					cJSON *part = cJSON_CreateObject();
					cJSON_AddStringToObject(part, "agency", res->team_agencies[g]);
					people = cJSON_AddArrayToObject(part, "officers");
					for (unsigned k = 0; k < res->team_size; k++)
						cJSON_AddItemToArray(
							people,
							cJSON_CreateString(
								p->officers[g * res->team_size + k]));
					cJSON_AddItemToArray(parts, part);
				}
			}
			people = cJSON_AddArrayToObject(o, "experts");
			for (unsigned k = 0; k < p->n_experts; k++)
				cJSON_AddItemToArray(people, cJSON_CreateString(p->experts[k]));
			cJSON_AddItemToArray(a, o);
		}
		return json_out(j);
	}
	printf("draw %llu  agency %s  request %s  task %s\n", (unsigned long long)st->request_seq,
	       d->agency[0] ? d->agency : "-", d->request_id, task);
	util_hex(v, d->commitment, 32);
	printf("committed at entry %llu (commitment %s), revealed at entry %llu\n",
	       (unsigned long long)st->commit_seq, v, (unsigned long long)st->reveal_seq);
	printf("seed %s\n", seed);
	for (size_t i = 0; i < d->n_beacons; i++) {
		util_hex(v, d->v[i].value, 32);
		printf("beacon %s round %llu: %s (%s)\n",
		       draw_inputs_spec(d->in)->beacons[i].source,
		       (unsigned long long)d->v[i].round, v, beacon_check_name(d->v[i].check));
	}
	printf("randomness R = %s\n", r);
	printf("re-derived here from the seed, the beacon rounds and the committed inputs: the "
	       "ledgered result is that draw\n");
	draw_print_text(stdout, res);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/*
 * draw-get and draw-wait: the draw's state; with --wait, polls every
 * DRAW_POLL_MS until it is revealed (or abandoned, or --wait-timeout
 * seconds passed: exit 1). A revealed draw is printed only after it
 * re-derives here; one that does not is reported and exits 1.
 */
static int draw_get(struct session *s, const struct cli *a, int wait)
{
	Suiji__Rpc__GetDraw q = SUIJI__RPC__GET_DRAW__INIT;
	Suiji__Rpc__DrawStateReply *st = NULL;
	const char *tv = cli_opt(a, "--wait-timeout");
	uint8_t body[32];
	uint64_t limit_s = 0;
	int64_t start = util_now_us();
	char m[ERRLEN + 128];
	int rc;

	if (a->npos != 1 || parse_u64(&q.request_seq, a->pos[0]) != 0)
		return fail(s, 2, "draw-get needs the draw's request entry number");
	if (tv != NULL && (parse_u64(&limit_s, tv) != 0 || limit_s == 0 || limit_s > 366 * 86400))
		return fail(s, 2, "--wait-timeout takes seconds, 1 to a year");
	wait |= cli_opt(a, "--wait") != NULL;
	q.entries = 1;
	if ((rc = identify(s)) != 0)
		return rc;
	for (;;) {
		struct rpc_client_reply r;
		rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_DRAW, "", body,
		          suiji__rpc__get_draw__pack(&q, body), NULL);
		if (rc != 0)
			return rc;
		st = suiji__rpc__draw_state_reply__unpack(NULL, r.body_len, r.body);
		rpc_client_reply_fini(&r);
		if (st == NULL)
			return fail(s, 2, "the daemon's draw reply is malformed");
		/* Only a committed draw is worth waiting for. */
		if (st->state != SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED || !wait)
			break;
		if (limit_s != 0 && util_now_us() - start >= (int64_t)limit_s * 1000000) {
			snprintf(m, sizeof m, "draw %llu is still not revealed after %llu s",
			         (unsigned long long)q.request_seq, (unsigned long long)limit_s);
			suiji__rpc__draw_state_reply__free_unpacked(st, NULL);
			return fail(s, 1, m);
		}
		suiji__rpc__draw_state_reply__free_unpacked(st, NULL);
		sleep_ms(DRAW_POLL_MS);
	}
	if (st->state != SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED) {
		rc = print_state(s, st);
		/* Waiting ended without a result. */
		if (rc == 0 && wait)
			rc = 1;
	} else if (st->request_entry.len == 0 || st->commit_entry.len == 0 ||
	           st->reveal_entry.len == 0 || st->commitment.len != 32) {
		rc = fail(s, 2, "the daemon did not send the draw's entries");
	} else {
		struct sources set;
		struct rederived d;
		char why[ERRLEN];
		if ((rc = get_sources(s, &set)) == 0) {
			if (rederive(&d, st, &set, s->origin, why, sizeof why) != 0) {
				snprintf(
				    m, sizeof m,
				    "draw %llu does not re-derive: %s; its result is not shown",
				    (unsigned long long)q.request_seq, why);
				rc = fail(s, 1, m);
			} else {
				rc = print_draw(s, st, &d);
				rederived_fini(&d);
			}
			sources_free(&set);
		}
	}
	suiji__rpc__draw_state_reply__free_unpacked(st, NULL);
	return rc;
}

static int cmd_draw_get(struct session *s, const struct cli *a)
{
	return draw_get(s, a, 0);
}

static int cmd_draw_wait(struct session *s, const struct cli *a)
{
	return draw_get(s, a, 1);
}

static int cmd_prove_inclusion(struct session *s, const struct cli *a)
{
	return cmd_prove(s, a, 1);
}

static int cmd_prove_consistency(struct session *s, const struct cli *a)
{
	return cmd_prove(s, a, 0);
}

/*
 * The auditor's ledger export: every entry, fetched one request at a time,
 * and the latest checkpoint with its cosignatures, written in the export
 * format (docs/ledger.md section 7) for suiji-verify. The file is written
 * under a temporary name and renamed only when complete.
 */
static int cmd_export(struct session *s, const struct cli *a)
{
	Suiji__Rpc__StatusReply *st = NULL;
	Suiji__Rpc__GetCheckpoint qc = SUIJI__RPC__GET_CHECKPOINT__INIT;
	Suiji__Rpc__CheckpointReply *cp = NULL;
	struct export_writer w;
	struct rpc_client_reply r;
	const char *out = cli_opt(a, "-o");
	char tmp[4096];
	uint8_t body[32];
	uint64_t n, size = 0;
	FILE *f = NULL;
	int rc, show = isatty(2) && !s->json;

	if (out == NULL || strcmp(out, "-") == 0)
		return fail(s, 2, "export needs -o FILE");
	if ((rc = get_status(s, &st)) != 0)
		return rc;
	n = st->entries;
	suiji__rpc__status_reply__free_unpacked(st, NULL);
	/* The checkpoint first: the export then holds at least the entries it
	 * covers, even if the log grows meanwhile. */
	/* An export for auditors carries a signed checkpoint: a log that has
	 * none yet is refused by the daemon, and so is the export. */
	rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, "", body,
		  suiji__rpc__get_checkpoint__pack(&qc, body), NULL);
	if (rc != 0)
		return rc;
	cp = suiji__rpc__checkpoint_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (cp == NULL)
		return fail(s, 2, "the daemon's checkpoint reply is malformed");
	{
		const char *nl = strchr(cp->note, '\n');
		size = nl ? strtoull(nl + 1, NULL, 10) : 0;
		if (size > n)
			n = size;
	}
	snprintf(tmp, sizeof tmp, "%s.part", out);
	f = fopen(tmp, "wb");
	if (f == NULL) {
		rc = fail(s, 2, "cannot create the export file");
		goto out;
	}
	rc = export_writer_init(&w, f) == SJ_OK ? 0 : 2;
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		Suiji__Rpc__GetEntry q = SUIJI__RPC__GET_ENTRY__INIT;
		Suiji__Rpc__EntryReply *e;
		q.seq = i;
		rc = call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_ENTRY, "", body,
			  suiji__rpc__get_entry__pack(&q, body), NULL);
		if (rc != 0)
			break;
		e = suiji__rpc__entry_reply__unpack(NULL, r.body_len, r.body);
		rpc_client_reply_fini(&r);
		if (e == NULL || e->seq != i) {
			rc = fail(s, 2, "the daemon's entry reply is malformed");
		} else if (export_writer_add(&w, EXPORT_KIND_ENTRY, e->bytes.data, e->bytes.len) !=
			   SJ_OK) {
			rc = fail(s, 2, "cannot write the export file");
		}
		suiji__rpc__entry_reply__free_unpacked(e, NULL);
		if (show && (i % 256 == 0 || i + 1 == n)) {
			int pct = (int)((i + 1) * 100 / n);
			fprintf(stderr, "\rexporting [%-40.*s] %3d%% %llu/%llu", pct * 40 / 100,
				"========================================", pct,
				(unsigned long long)(i + 1), (unsigned long long)n);
			if (i + 1 == n)
				fputc('\n', stderr);
		}
	}
	if (rc == 0 &&
	    export_writer_add(&w, EXPORT_KIND_CHECKPOINT, (const uint8_t *)cp->note,
			      strlen(cp->note)) != SJ_OK)
		rc = fail(s, 2, "cannot write the export file");
	if (rc == 0 && export_writer_finish(&w) != SJ_OK)
		rc = fail(s, 2, "cannot write the export file");
	if (fclose(f) != 0 && rc == 0)
		rc = fail(s, 2, "cannot write the export file");
	f = NULL;
	if (rc == 0 && rename(tmp, out) != 0)
		rc = fail(s, 2, "cannot rename the export file into place");
	if (rc != 0) {
		unlink(tmp);
		goto out;
	}
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "entries", (double)n);
		cJSON_AddNumberToObject(j, "checkpoint_size", (double)size);
		rc = json_out(j);
	} else {
		printf("exported %llu entries and the checkpoint at size %llu to %s\n",
		       (unsigned long long)n, (unsigned long long)size, out);
	}
out:
	if (f)
		fclose(f);
	suiji__rpc__checkpoint_reply__free_unpacked(cp, NULL);
	return rc;
}

/* Reads and checks a directory file (dir/import.h); prints every bad row
 * with its line. Returns 0 with *out holding the records, else the exit
 * status. */
static int import_file(struct import **out, const struct cli *a, unsigned *kind,
		       uint8_t sha[32])
{
	static const char *const kinds[] = {"objects", "officers", "experts", "conflicts"};
	const char *enc = cli_opt(a, "--encoding");
	struct import_opts o = {0};
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	*out = NULL;
	*kind = 0;
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(a->pos[0], kinds[i]) == 0)
			*kind = i + 1;
	if (*kind == 0) {
		fprintf(stderr, "suiji: \"%s\" is not objects, officers, experts or conflicts\n",
			a->pos[0]);
		return 2;
	}
	o.kind = *kind;
	if (enc != NULL && strcmp(enc, "utf8") == 0)
		o.encoding = CSV_UTF8;
	else if (enc != NULL && strcmp(enc, "gb18030") == 0)
		o.encoding = CSV_GB18030;
	else if (enc != NULL) {
		fprintf(stderr, "suiji: --encoding is utf8 or gb18030\n");
		return 2;
	}
	if (util_read_file(&buf, &len, a->pos[1], 1024u * 1024u * 1024u) != SJ_OK) {
		fprintf(stderr, "suiji: cannot read %s\n", a->pos[1]);
		return 2;
	}
	crypto_hash_sha256(sha, buf, len);
	rc = import_run(out, buf, len, &o);
	free(buf);
	if (rc == SJ_EINVAL) {
		size_t ne, total;
		const struct import_msg *m = import_errors(*out, &ne, &total);
		for (size_t i = 0; i < ne; i++)
			fprintf(stderr, "%s:%zu: %s\n", a->pos[1], m[i].line, m[i].text);
		fprintf(stderr, "suiji: %s refused: %zu of %zu rows are bad; nothing imported\n",
			a->pos[1], import_bad_rows(*out), import_rows(*out));
		import_free(*out);
		*out = NULL;
		return 1;
	}
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji: cannot read %s: %s\n", a->pos[1], sj_strerror(rc));
		return 2;
	}
	return 0;
}

/* import --dry-run: the file is checked here, against no directory (the
 * client cannot see the ledger's; suijid import --dry-run shows the diff). */
static int cmd_import_check(int argc, char **argv)
{
	static const char *const opts[] = {"--dry-run", "--encoding", NULL};
	struct import *im = NULL;
	struct cli a;
	uint8_t sha[32];
	unsigned kind;
	size_t n;
	int rc;

	if (cli_parse(&a, argc, argv, opts, 2) != 0)
		return 2;
	if (a.npos != 2) {
		fprintf(stderr, "usage: suiji import KIND FILE [--dry-run]\n");
		return 2;
	}
	if ((rc = import_file(&im, &a, &kind, sha)) != 0)
		return rc;
	(void)import_records(im, &n);
	printf("%s: %zu %s records, every row valid; dry run: nothing sent\n", a.pos[1], n,
	       record_kind_name(kind));
	import_free(im);
	return 0;
}

/* import: one directory-import entry signed for this client's agency. It
 * must fit one request; the daemon's rules check the records. */
static int cmd_import(struct session *s, const struct cli *a)
{
	Suiji__DirectoryImport m = SUIJI__DIRECTORY_IMPORT__INIT;
	const struct record *const *recs;
	ProtobufCBinaryData *bd = NULL;
	struct import *im = NULL;
	const char *base;
	char id[80], hex[17], err[ERRLEN];
	uint8_t sha[32], *payload = NULL;
	unsigned kind;
	size_t n = 0, plen;
	int rc;

	if (a->npos != 2)
		return fail(s, 2, "import needs KIND and FILE");
	if ((rc = import_file(&im, a, &kind, sha)) != 0)
		return rc;
	if ((rc = identify(s)) != 0)
		goto out;
	recs = import_records(im, &n);
	bd = calloc(n ? n : 1, sizeof *bd);
	if (bd == NULL) {
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (record_encode(&bd[i].data, &bd[i].len, recs[i], err, sizeof err) != SJ_OK) {
			rc = fail(s, 2, err);
			goto out;
		}
	base = strrchr(a->pos[1], '/') ? strrchr(a->pos[1], '/') + 1 : a->pos[1];
	util_hex(hex, sha, 8);
	snprintf(id, sizeof id, "%s-%lld-%s", record_kind_name(kind), (long long)time(NULL), hex);
	m.agency = s->agency;
	m.kind = kind;
	m.import_id = id;
	m.source_sha256.data = sha;
	m.source_sha256.len = 32;
	m.source_name = (char *)base;
	m.part = 0;
	m.parts = 1;
	m.records = bd;
	m.n_records = n;
	plen = suiji__directory_import__get_packed_size(&m);
	if (plen + 1024 > CHANNEL_MSG_MAX) {
		snprintf(err, sizeof err,
			 "the import takes %zu bytes, more than one request carries (%d): split "
			 "the file, or have the log operator run suijid import",
			 plen, (int)CHANNEL_MSG_MAX);
		rc = fail(s, 1, err);
		goto out;
	}
	payload = malloc(plen ? plen : 1);
	if (payload == NULL) {
		rc = 2;
		goto out;
	}
	suiji__directory_import__pack(&m, payload);
	rc = mutate(s, SUIJI__RPC__METHOD__METHOD_DIRECTORY_IMPORT, ENTRY_DIRECTORY_IMPORT,
		    payload, plen);
	if (rc == 0 && !s->json)
		printf("%zu %s records of %s imported\n", n, record_kind_name(kind), s->agency);
out:
	for (size_t i = 0; bd && i < n; i++)
		free(bd[i].data);
	free(bd);
	free(payload);
	import_free(im);
	return rc;
}

/* items-publish, plan-submit, task-create: a JSON file (docs/plans.md)
 * made into its payload by planspec.h, signed for this client's agency. */
static int plan_file_cmd(struct session *s, const struct cli *a, uint32_t method,
			 uint32_t type)
{
	struct planspec_info info;
	char err[ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if ((rc = identify(s)) != 0)
		return rc;
	if (type == ENTRY_ITEM_LIST)
		rc = planspec_items(&p, &len, &info, a->pos[0], s->agency, err, sizeof err);
	else if (type == ENTRY_PLAN)
		rc = planspec_plan(&p, &len, &info, a->pos[0], err, sizeof err);
	else
		rc = planspec_task(&p, &len, &info, a->pos[0], err, sizeof err);
	if (rc != SJ_OK)
		return fail(s, rc == SJ_EINVAL ? 1 : 2, err);
	rc = mutate(s, method, type, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", info.what);
	free(p);
	return rc;
}

/* result ACTION [FILE.json]: one step of a check's result (docs/results.md),
 * for this client's agency unless the file names the result's agency (a
 * supervisor's re-check). */
static int cmd_result(struct session *s, const struct cli *a)
{
	const char *over[4];
	size_t n = 0;
	char err[ERRLEN], what[512], agency[ENTRY_MAX_AGENCY + 1];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (a->npos < 1 || a->npos > 2)
		return fail(s, 2, "result needs " RESULTSPEC_ACTIONS " and a FILE.json");
	if ((rc = identify(s)) != 0)
		return rc;
	static const char *const keys[][2] = {{"--reason", "reason"}, {"--object", "object"}};
	for (size_t i = 0; i < 2; i++)
		if (cli_opt(a, keys[i][0])) {
			over[2 * n] = keys[i][1];
			over[2 * n + 1] = cli_opt(a, keys[i][0]);
			n++;
		}
	rc = resultspec_build(&p, &len, agency, what, sizeof what, a->pos[0],
			      a->npos == 2 ? a->pos[1] : NULL, over, n, s->agency, err, sizeof err);
	if (rc != SJ_OK)
		return fail(s, 2, err);
	rc = mutate(s, SUIJI__RPC__METHOD__METHOD_RESULT_STEP, ENTRY_RESULT, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", what);
	free(p);
	return rc;
}

static int cmd_items_publish(struct session *s, const struct cli *a)
{
	if (a->npos != 1)
		return fail(s, 2, "items-publish needs FILE.json");
	return plan_file_cmd(s, a, SUIJI__RPC__METHOD__METHOD_ITEM_LIST, ENTRY_ITEM_LIST);
}

static int cmd_plan_submit(struct session *s, const struct cli *a)
{
	if (a->npos != 1)
		return fail(s, 2, "plan-submit needs FILE.json");
	return plan_file_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_SUBMIT, ENTRY_PLAN);
}

static int cmd_task_create(struct session *s, const struct cli *a)
{
	if (a->npos != 1)
		return fail(s, 2, "task-create needs FILE.json");
	return plan_file_cmd(s, a, SUIJI__RPC__METHOD__METHOD_TASK_CREATE, ENTRY_TASK);
}

/* plan-review, plan-file, plan-publish AGENCY PLAN VERSION: one step. */
static int plan_step_cmd(struct session *s, const struct cli *a, uint32_t method, uint32_t type)
{
	const char *ret = cli_opt(a, "--return"), *note = cli_opt(a, "--note");
	struct planspec_info info;
	char err[ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (a->npos != 3)
		return fail(s, 2, "the plan steps need AGENCY PLAN VERSION");
	if (type == ENTRY_PLAN_REVIEW && (cli_opt(a, "--approve") != NULL) == (ret != NULL))
		return fail(s, 2, "plan-review needs --approve or --return REASON");
	if ((rc = planspec_step(&p, &len, &info, type, a->pos[0], a->pos[1], a->pos[2],
				type == ENTRY_PLAN_REVIEW ? ret : note, err, sizeof err)) != SJ_OK)
		return fail(s, 2, err);
	rc = mutate(s, method, type, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", info.what);
	free(p);
	return rc;
}

static int cmd_plan_review(struct session *s, const struct cli *a)
{
	return plan_step_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_REVIEW, ENTRY_PLAN_REVIEW);
}

static int cmd_plan_file(struct session *s, const struct cli *a)
{
	return plan_step_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_FILE, ENTRY_PLAN_FILE);
}

static int cmd_plan_publish(struct session *s, const struct cli *a)
{
	return plan_step_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_PUBLISH, ENTRY_PLAN_PUBLISH);
}

/* The RPC commands: name, the options each takes beyond the connection
 * options, how many positional arguments, and the handler. */
static const struct rpc_cmd {
	const char *name;
	const char *opts[5];
	int npos;
	int (*fn)(struct session *, const struct cli *);
} rpc_cmds[] = {
	{"status", {NULL}, 0, cmd_status},
	{"checkpoint", {"--size", "-o", NULL}, 0, cmd_checkpoint},
	{"entry", {"-o", NULL}, 1, cmd_entry},
	{"export", {"-o", NULL}, 0, cmd_export},
	{"prove-inclusion", {"-o", NULL}, 1, cmd_prove_inclusion},
	{"prove-consistency", {"-o", NULL}, 1, cmd_prove_consistency},
	{"register-agency", {"--code", "--name", "--parent", NULL}, 0, cmd_register_agency},
	{"register-client", {"--key", "--agency", "--role", "--name", NULL}, 0,
	 cmd_register_client},
	{"revoke-client", {"--key", "--reason", NULL}, 0, cmd_revoke_client},
	{"add-witness", {"--key", "--note", NULL}, 0, cmd_add_witness},
	{"beacons", {NULL}, 0, cmd_beacons},
	{"draw-request", {NULL}, 1, cmd_draw_request},
	{"draw-get", {"--wait", "--wait-timeout", NULL}, 1, cmd_draw_get},
	{"draw-wait", {"--wait-timeout", NULL}, 1, cmd_draw_wait},
	{"import", {"--encoding", NULL}, 2, cmd_import},
	{"items-publish", {NULL}, 1, cmd_items_publish},
	{"plan-submit", {NULL}, 1, cmd_plan_submit},
	{"plan-review", {"--approve", "--return", NULL}, 3, cmd_plan_review},
	{"plan-file", {"--note", NULL}, 3, cmd_plan_file},
	{"plan-publish", {NULL}, 3, cmd_plan_publish},
	{"task-create", {NULL}, 1, cmd_task_create},
	{"result", {"--reason", "--object", NULL}, 2, cmd_result},
};

/* Runs argv[1] when it is an RPC command; -1 when it is not one. */
static int run_rpc_cmd(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof rpc_cmds / sizeof rpc_cmds[0]; i++) {
		const struct rpc_cmd *c = &rpc_cmds[i];
		struct session s;
		struct cli a;
		int rc;

		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (cli_parse(&a, argc, argv, c->opts, c->npos) != 0)
			return 2;
		if ((rc = session_open(&s, &a)) != 0)
			return rc;
		rc = c->fn(&s, &a);
		session_close(&s);
		return rc;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int rc;

	if (sodium_init() < 0) {
		fprintf(stderr, "suiji: libsodium failed to initialise\n");
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(argv[1], "pubkey") == 0)
		return cmd_pubkey(argc, argv);
	if (strcmp(argv[1], "cosign") == 0)
		return cmd_cosign(argc, argv);
	if (strcmp(argv[1], "--version") == 0) {
		printf("suiji %s\n", SUIJI_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "import") == 0 && has_flag(argc, argv, "--dry-run"))
		return cmd_import_check(argc, argv);
	rc = run_rpc_cmd(argc, argv);
	if (rc >= 0)
		return rc;
	fprintf(stderr, "suiji: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
