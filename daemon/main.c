/*
 * suijid: the suiji daemon. This file holds its command line: the log
 * operator's ledger commands (init, registrations, checkpoints, cosignatures,
 * export, proofs), each run against the data directory the daemon owns.
 *
 * Exit codes: 0 success, 1 a check failed (a refused entry, a cosignature
 * that does not verify, a ledger that does not verify), 2 usage or I/O.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/cmdutil.h"
#include "daemon/dircmd.h"
#include "daemon/factcmd.h"
#include "daemon/plancmd.h"
#include "daemon/resultcmd.h"
#include "daemon/drawcmd.h"
#include "daemon/witnesspush.h"
#include "daemon/server.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "ledger/vkeyfile.h"
#include "proto/beacon.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "rules/storeops.h"

#include <cjson/cJSON.h>

#define ERRLEN 1024

struct opts {
	const char *dir;
	const char *args[16];
	int nargs;
	const char *kv[32][2];
	int nkv;
};

static const char *opt(const struct opts *o, const char *name)
{
	for (int i = 0; i < o->nkv; i++)
		if (strcmp(o->kv[i][0], name) == 0)
			return o->kv[i][1];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: suijid [-d DIR] COMMAND [options]\n"
		"DIR (default $SUIJI_DIR, else ./suiji-data) holds ledger.db and log.key.\n"
		"commands:\n"
		"  init --origin ORIGIN [--description TEXT]   create the log and its key\n"
		"  log-key                                     print the log's verifier key\n"
		"  status                                      entries, checkpoint, health\n"
		"  add-agency --code CODE --name NAME [--parent CODE] [--annual-cap N]\n"
		"  add-client --key PUBKEY --agency CODE --role operator|legal|supervisor|auditor|admin\n"
		"             [--name NAME]                    register a client key (suiji pubkey)\n"
		"  revoke-client --key PUBKEY --reason TEXT\n"
		"  add-witness --key VKEY [--note TEXT]        register a witness cosigning key\n"
		"  checkpoint [-o FILE]                        sign a checkpoint over all entries\n"
		"  cosign FILE                                 store a witness's cosigned checkpoint\n"
		"  export -o FILE                              write the portable ledger file\n"
		"  entry SEQ -o FILE                           write one entry's bytes\n"
		"  prove-inclusion SEQ [-o FILE]               inclusion proof at the latest checkpoint\n"
		"  prove-consistency OLD_SIZE [-o FILE]        consistency proof to the latest checkpoint\n"
		"  run [--config FILE]                         serve agencies over RPC (docs/config.md)\n"
		"  daemon-key                                  print the daemon key clients pin\n"
		"  add-beacon --id ID (--url URL | --chain FILE | --manual) [--margin-ms N]\n"
		"                                              register a public randomness source\n"
		"                                              (suiji-beacon or public values; drand\n"
		"                                              is refused: its BLS is not verified)\n"
		"  add-signer --key PUBKEY --name NAME [--note TEXT]\n"
		"                                              register a public-values signer\n"
		"  pubvalues add SIGNED.json                   append values a signer signed\n"
		"                                              (suiji pubvalues sign)\n"
		"  draw request SPEC.json                      commit to a draw (docs/draw-request.md)\n"
		"  draw task TASK-DRAW.json [--out DIR] [--dry-run]\n"
		"  draw substitute SUB.json [--out DIR] [--dry-run]\n"
		"                                              draw for a task, pools from the ledger\n"
		"                                              (docs/policy.md)\n"
		"  draw recheck RECHECK.json [--out DIR]       a re-check's spec and pools, from the\n"
		"                                              published results (R19)\n"
		"  draw reveal SEQ [--wait] [--round FILE]...  reveal it once its beacon rounds exist\n"
		"  draw status                                 every draw and its state\n"
		"  import objects|officers|experts|conflicts FILE --agency CODE [--dry-run]\n"
		"         [--encoding utf8|gb18030]            import a directory (docs/import.md)\n"
		"  items publish FILE.json --agency CODE [--key FILE]\n"
		"                                              publish an item list (docs/plans.md)\n"
		"  plan submit FILE.json [--key FILE]          submit a plan version for legal review\n"
		"  plan review AGENCY PLAN VERSION (--approve | --return REASON) --key FILE\n"
		"  plan file AGENCY PLAN VERSION --key FILE [--note TEXT]\n"
		"  plan publish AGENCY PLAN VERSION [--key FILE]\n"
		"  task create FILE.json [--key FILE]          create a task from a published plan\n"
		"  task review AGENCY TASK (--approve [--narrow-scope REASON] | --return REASON)\n"
		"              --key FILE                      the task's legal review (R5)\n"
		"  calendar add FILE...                        pin working-day calendars (R15)\n"
		"  result enter|review|return|amend|publish|follow|close|recheck [FILE.json]\n"
		"         [--agency A] [--task T] [--object O] [--reason TEXT] [--key FILE]\n"
		"                                              one step of a result (docs/results.md)\n"
		"  results [--today YYYY-MM-DD]                results, due days, overdue (R15)\n"
		"  lead add FILE.json [--key FILE]             a lead handled outside the draw (R10)\n"
		"  unavailable add FILE.json [--key FILE]      an officer's or expert's unavailability\n"
		"  unavailable review ENTRY (--approve | --return NOTE) --key FILE\n"
		"                                              the legal reviewer's word on it (R11)\n");
}

static int write_out(const char *path, const void *buf, size_t len)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 2;
	if (util_write_file(path, buf, len, 0644) != SJ_OK) {
		fprintf(stderr, "suijid: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

static int exit_for(int rc)
{
	switch (rc) {
	case SJ_OK: return 0;
	case SJ_EVERIFY:
	case SJ_ECORRUPT:
	case SJ_EPERM: return 1;
	default: return 2;
	}
}

static int open_store(struct ledger_store **s, const struct opts *o, int flags)
{
	char path[4096], err[ERRLEN];
	int rc;

	snprintf(path, sizeof path, "%s/ledger.db", o->dir);
	rc = storeops_open(s, path, flags, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	if (ledger_store_broken(*s))
		fprintf(stderr, "suijid: warning: the ledger does not verify: %s\n",
		        ledger_store_broken(*s));
	/* A command that may append signs with the log key (entry.h); a
	 * ledger that does not verify appends nothing anyway. */
	if (!(flags & (LEDGER_STORE_READONLY | LEDGER_STORE_CREATE)) && !ledger_store_broken(*s) &&
	    ledger_store_origin(*s) != NULL && (rc = cmdutil_load_signer(*s, o->dir)) != 0) {
		ledger_store_close(*s);
		return rc;
	}
	return 0;
}

static int load_log_key(struct note_skey **k, const struct opts *o, const char *name, int create)
{
	char path[4096], err[ERRLEN];
	int created = 0, rc;

	snprintf(path, sizeof path, "%s/log.key", o->dir);
	rc = keyfile_load(k, path, name, NOTE_TYPE_ED25519, create, &created, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	if (created)
		fprintf(stderr, "suijid: created log key %s (mode 0600)\n", path);
	return 0;
}

static int cmd_init(const struct opts *o)
{
	const char *origin = opt(o, "--origin");
	struct ledger_store *s = NULL;
	struct note_skey *k = NULL;
	char err[ERRLEN];
	int rc;

	if (origin == NULL || origin[0] == '\0') {
		fprintf(stderr, "suijid: init needs --origin, e.g. --origin suiji.example/lyg\n");
		return 2;
	}
	if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "suijid: cannot create %s: %s\n", o->dir, strerror(errno));
		return 2;
	}
	if ((rc = load_log_key(&k, o, origin, 1)) != 0)
		return rc;
	if ((rc = open_store(&s, o, LEDGER_STORE_CREATE)) != 0)
		goto free_key;
	rc =
	    exit_for(ledger_store_init_log(s, origin, opt(o, "--description"), k, err, sizeof err));
	if (rc != 0)
		fprintf(stderr, "suijid: init: %s\n", err);
	else
		fprintf(stderr, "suijid: log %s initialised in %s\n", origin, o->dir);
	ledger_store_close(s);
free_key:
	note_skey_free(k);
	return rc;
}

static int cmd_log_key(const struct opts *o)
{
	struct note_skey *k = NULL;
	struct note_vkey v;
	char buf[512];
	int rc;

	if ((rc = load_log_key(&k, o, NULL, 0)) != 0)
		return rc;
	note_skey_public(&v, k);
	note_skey_free(k);
	if (note_vkey_format(buf, sizeof buf, v.name, v.type, v.pk) != SJ_OK)
		return 2;
	printf("%s\n", buf);
	return 0;
}

static int cmd_status(const struct opts *o)
{
	struct ledger_store *s = NULL;
	char *note = NULL;
	size_t len;
	int rc;

	if ((rc = open_store(&s, o, LEDGER_STORE_READONLY)) != 0)
		return rc;
	printf("origin: %s\nentries: %llu\n",
	       ledger_store_origin(s) ? ledger_store_origin(s) : "(not initialised)",
	       (unsigned long long)ledger_store_size(s));
	if (ledger_store_checkpoint_get(s, 0, &note, &len) == SJ_OK) {
		printf("latest checkpoint:\n%s", note);
		free(note);
	} else {
		printf("latest checkpoint: none\n");
	}
	printf("health: %s\n", ledger_store_broken(s) ? ledger_store_broken(s) : "verifies");
	rc = ledger_store_broken(s) ? 1 : 0;
	ledger_store_close(s);
	return rc;
}

/* Appends one entry written by the log operator (unsigned). */
static int append_operator(const struct opts *o, uint32_t type, const uint8_t *payload, size_t len)
{
	struct ledger_store *s = NULL;
	struct ledger_append a = {
	    .type = type, .agency = "", .payload = payload, .payload_len = len};
	uint64_t seq;
	char err[ERRLEN];
	int rc;

	if ((rc = open_store(&s, o, 0)) != 0)
		return rc;
	rc = ledger_store_append(s, &a, 1, &seq, err, sizeof err);
	if (rc != SJ_OK)
		fprintf(stderr, "suijid: %s\n", err);
	else
		printf("entry %llu: %s\n", (unsigned long long)seq, entry_type_name(type));
	ledger_store_close(s);
	return exit_for(rc);
}

static int need(const struct opts *o, const char *cmd, const char *const *names)
{
	for (; *names; names++)
		if (opt(o, *names) == NULL) {
			fprintf(stderr, "suijid: %s needs %s\n", cmd, *names);
			return 2;
		}
	return 0;
}

static int load_vkey_arg(struct note_vkey *k, const char *arg)
{
	char err[300];
	if (vkeyfile_load(k, arg, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	return 0;
}

#define PACK(type, msg, fn)                                                                        \
	do {                                                                                       \
		size_t n_ = fn##__get_packed_size(&msg);                                           \
		uint8_t *b_ = malloc(n_ ? n_ : 1);                                                 \
		if (b_ == NULL)                                                                    \
			return 2;                                                                  \
		fn##__pack(&msg, b_);                                                              \
		rc = append_operator(o, type, b_, n_);                                             \
		free(b_);                                                                          \
	} while (0)

static int cmd_add_agency(const struct opts *o)
{
	static const char *const req[] = {"--code", "--name", NULL};
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	int rc;
	if ((rc = need(o, "add-agency", req)) != 0)
		return rc;
	m.code = (char *)opt(o, "--code");
	m.name = (char *)opt(o, "--name");
	m.parent = (char *)(opt(o, "--parent") ? opt(o, "--parent") : "");
	if (opt(o, "--annual-cap")) {
		char *end;
		unsigned long cap = strtoul(opt(o, "--annual-cap"), &end, 10);
		if (*end != '\0' || cap < 1 || cap > 100) {
			fprintf(stderr, "suijid: --annual-cap must be 1..100 checks a year (R9)\n");
			return 2;
		}
		m.annual_cap = (uint32_t)cap;
	}
	PACK(ENTRY_AGENCY_REGISTER, m, suiji__agency_register);
	return rc;
}

static int role_of(const char *s)
{
	static const char *const names[] = {"",           "operator", "legal",
	                                    "supervisor", "auditor",  "admin"};
	for (int i = 1; i < 6; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int cmd_add_client(const struct opts *o)
{
	static const char *const req[] = {"--key", "--agency", "--role", NULL};
	Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
	struct note_vkey k;
	int rc, role;
	if ((rc = need(o, "add-client", req)) != 0)
		return rc;
	if ((rc = load_vkey_arg(&k, opt(o, "--key"))) != 0)
		return rc;
	role = role_of(opt(o, "--role"));
	if (role < 0) {
		fprintf(stderr,
		        "suijid: role \"%s\" is not operator, legal, supervisor, auditor "
		        "or admin\n",
		        opt(o, "--role"));
		return 2;
	}
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.agency = (char *)opt(o, "--agency");
	m.role = (Suiji__Role)role;
	m.name = (char *)(opt(o, "--name") ? opt(o, "--name") : k.name);
	PACK(ENTRY_CLIENT_REGISTER, m, suiji__client_register);
	return rc;
}

/* A party independent of the log and of every agency (a notary office)
 * whose signed public values draws may use (rules/pubvalues.h). */
static int cmd_add_signer(const struct opts *o)
{
	static const char *const req[] = {"--key", "--name", NULL};
	Suiji__PubValuesSigner m = SUIJI__PUB_VALUES_SIGNER__INIT;
	struct note_vkey k;
	int rc;
	if ((rc = need(o, "add-signer", req)) != 0)
		return rc;
	if ((rc = load_vkey_arg(&k, opt(o, "--key"))) != 0)
		return rc;
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.name = (char *)opt(o, "--name");
	m.note = (char *)(opt(o, "--note") ? opt(o, "--note") : "");
	PACK(ENTRY_PUBVALUES_SIGNER, m, suiji__pub_values_signer);
	return rc;
}

/* The hex member name of j into out (exactly n bytes), or -1. */
static int hex_member(const cJSON *j, const char *name, uint8_t *out, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	size_t got = 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * n ||
	    sodium_hex2bin(out, n, v->valuestring, 2 * n, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

/* Appends a public-values entry a signer signed (suiji pubvalues sign):
 * the log operator only carries it; the signature is the signer's. */
static int cmd_pubvalues(const struct opts *o)
{
	struct ledger_store *s = NULL;
	struct ledger_append a = {.type = ENTRY_PUBLIC_VALUES, .agency = ""};
	uint8_t key[32], sig[64], *text = NULL, *payload = NULL;
	const cJSON *p;
	cJSON *j = NULL;
	size_t len, plen;
	uint64_t seq;
	char err[ERRLEN];
	int rc = 2;

	if (o->nargs != 2 || strcmp(o->args[0], "add") != 0) {
		fprintf(stderr, "usage: suijid pubvalues add SIGNED.json\n");
		return 2;
	}
	if (util_read_file(&text, &len, o->args[1], 65536) != SJ_OK) {
		fprintf(stderr, "suijid: cannot read %s\n", o->args[1]);
		return 2;
	}
	j = cJSON_ParseWithLength((const char *)text, len);
	p = cJSON_GetObjectItemCaseSensitive(j, "payload");
	if (j == NULL || hex_member(j, "key", key, 32) || hex_member(j, "signature", sig, 64) ||
	    !cJSON_IsString(p) || (plen = strlen(p->valuestring) / 2) == 0 ||
	    (payload = malloc(plen)) == NULL || hex_member(j, "payload", payload, plen)) {
		fprintf(stderr, "suijid: %s is not a signed public-values file (key, signature, "
				"payload in hex)\n",
			o->args[1]);
		goto out;
	}
	const cJSON *ctr = cJSON_GetObjectItemCaseSensitive(j, "counter");
	char *end = NULL;
	if (!cJSON_IsString(ctr) || ctr->valuestring[0] < '0' || ctr->valuestring[0] > '9' ||
	    (a.counter = strtoull(ctr->valuestring, &end, 10)) == 0 || *end != '\0') {
		fprintf(stderr, "suijid: %s has no request counter (suiji pubvalues sign writes one)\n",
		        o->args[1]);
		goto out;
	}
	a.actor = key;
	a.sig = sig;
	a.payload = payload;
	a.payload_len = plen;
	if ((rc = open_store(&s, o, 0)) != 0)
		goto out;
	rc = ledger_store_append(s, &a, 1, &seq, err, sizeof err);
	if (rc != SJ_OK)
		fprintf(stderr, "suijid: public values refused: %s\n", err);
	else
		printf("entry %llu: public-values\n", (unsigned long long)seq);
	ledger_store_close(s);
	rc = exit_for(rc);
out:
	cJSON_Delete(j);
	free(payload);
	free(text);
	return rc;
}

static int cmd_revoke_client(const struct opts *o)
{
	static const char *const req[] = {"--key", "--reason", NULL};
	Suiji__ClientRevoke m = SUIJI__CLIENT_REVOKE__INIT;
	struct note_vkey k;
	int rc;
	if ((rc = need(o, "revoke-client", req)) != 0)
		return rc;
	if ((rc = load_vkey_arg(&k, opt(o, "--key"))) != 0)
		return rc;
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.reason = (char *)opt(o, "--reason");
	PACK(ENTRY_CLIENT_REVOKE, m, suiji__client_revoke);
	return rc;
}

static int cmd_add_witness(const struct opts *o)
{
	static const char *const req[] = {"--key", NULL};
	Suiji__WitnessAdd m = SUIJI__WITNESS_ADD__INIT;
	struct note_vkey k;
	char buf[512];
	int rc;
	if ((rc = need(o, "add-witness", req)) != 0)
		return rc;
	if ((rc = load_vkey_arg(&k, opt(o, "--key"))) != 0)
		return rc;
	if (k.type != NOTE_TYPE_COSIG_V1) {
		fprintf(stderr, "suijid: a witness key must be a cosignature/v1 key (suiji keygen "
		                "--witness)\n");
		return 2;
	}
	if (note_vkey_format(buf, sizeof buf, k.name, k.type, k.pk) != SJ_OK)
		return 2;
	m.vkey = buf;
	m.note = (char *)(opt(o, "--note") ? opt(o, "--note") : "");
	PACK(ENTRY_WITNESS_ADD, m, suiji__witness_add);
	return rc;
}

/*
 * Pushes the latest checkpoint to the witnesses the config names
 * (docs/witness.md), one line per witness on standard error. 0 when every
 * witness's cosignature is stored (or none is configured), 1 when a witness
 * refused, 2 when one could not be reached or the config is bad.
 */
static int push_witnesses(struct ledger_store *s, const struct opts *o)
{
	struct config *c = malloc(sizeof *c);
	struct witnesspush_result *res = NULL;
	char path[4200], err[ERRLEN];
	int rc = 0, n;

	if (c == NULL)
		return 2;
	config_defaults(c, o->dir);
	snprintf(path, sizeof path, "%s/%s", o->dir, CONFIG_FILE_NAME);
	if (config_load(c, path, 0, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		rc = 2;
		goto out;
	}
	if (c->n_witnesses == 0)
		goto out;
	if ((res = calloc(c->n_witnesses, sizeof *res)) == NULL) {
		rc = 2;
		goto out;
	}
	n = witnesspush_checkpoint(s, c->witnesses, c->n_witnesses, res);
	if (n < 0) {
		fprintf(stderr, "suijid: witnesses: %s\n", sj_strerror(n));
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < c->n_witnesses; i++) {
		fprintf(stderr, "suijid: witness %s\n", res[i].why);
		if (!res[i].stored && rc != 1)
			rc = res[i].http_status == 0 ? 2 : 1;
	}
	fprintf(stderr, "suijid: %d of %zu witness(es) cosigned\n", n, c->n_witnesses);
out:
	free(res);
	free(c);
	return rc;
}

static int cmd_checkpoint(const struct opts *o)
{
	struct ledger_store *s = NULL;
	struct note_skey *k = NULL;
	char err[ERRLEN], *note = NULL;
	size_t len;
	int rc;

	if ((rc = load_log_key(&k, o, NULL, 0)) != 0)
		return rc;
	if ((rc = open_store(&s, o, 0)) != 0)
		goto free_key;
	rc = ledger_store_checkpoint(s, k, &note, &len, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: checkpoint: %s\n", err);
		rc = exit_for(rc);
	} else {
		int pushed = push_witnesses(s, o);
		/* The note is written with whatever cosignatures came back. */
		free(note);
		note = NULL;
		rc = ledger_store_checkpoint_get(s, 0, &note, &len) == SJ_OK
			     ? write_out(opt(o, "-o"), note, len)
			     : 2;
		free(note);
		if (rc == 0)
			rc = pushed;
	}
	ledger_store_close(s);
free_key:
	note_skey_free(k);
	return rc;
}

static int cmd_cosign(const struct opts *o)
{
	struct ledger_store *s = NULL;
	uint8_t *buf = NULL;
	size_t len, added = 0;
	char err[ERRLEN];
	int rc;

	if (o->nargs != 1) {
		fprintf(stderr, "suijid: cosign needs the cosigned checkpoint file\n");
		return 2;
	}
	if (util_read_file(&buf, &len, o->args[0], NOTE_MAX_SIZE) != SJ_OK) {
		fprintf(stderr, "suijid: cannot read %s\n", o->args[0]);
		return 2;
	}
	if ((rc = open_store(&s, o, 0)) == 0) {
		rc = ledger_store_add_cosignatures(s, (const char *)buf, len, &added, err,
		                                   sizeof err);
		if (rc != SJ_OK)
			fprintf(stderr, "suijid: cosign: %s\n", err);
		else
			printf("%zu new cosignature(s) stored\n", added);
		rc = exit_for(rc);
		ledger_store_close(s);
	}
	free(buf);
	return rc;
}

static int cmd_export(const struct opts *o)
{
	struct ledger_store *s = NULL;
	const char *out = opt(o, "-o");
	char tmp[4096], err[ERRLEN];
	FILE *f;
	int rc;

	if (out == NULL) {
		fprintf(stderr, "suijid: export needs -o FILE\n");
		return 2;
	}
	if ((rc = open_store(&s, o, LEDGER_STORE_READONLY)) != 0)
		return rc;
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	f = fopen(tmp, "wb");
	if (f == NULL) {
		fprintf(stderr, "suijid: cannot create %s: %s\n", tmp, strerror(errno));
		ledger_store_close(s);
		return 2;
	}
	rc = ledger_store_export(s, f, err, sizeof err);
	if (fclose(f) != 0 && rc == SJ_OK)
		rc = SJ_EIO;
	if (rc == SJ_OK && rename(tmp, out) != 0)
		rc = SJ_EIO;
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: export: %s\n", err[0] ? err : sj_strerror(rc));
		unlink(tmp);
	} else {
		fprintf(stderr, "suijid: exported %llu entries to %s\n",
		        (unsigned long long)ledger_store_size(s), out);
	}
	ledger_store_close(s);
	return rc == SJ_OK ? 0 : 2;
}

static int parse_seq(uint64_t *v, const char *s)
{
	char *end;
	errno = 0;
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return 2;
	*v = strtoull(s, &end, 10);
	return errno || *end ? 2 : 0;
}

static int cmd_entry(const struct opts *o)
{
	struct ledger_store *s = NULL;
	uint64_t seq;
	uint8_t *b;
	size_t len;
	int rc;

	if (o->nargs != 1 || parse_seq(&seq, o->args[0])) {
		fprintf(stderr, "suijid: entry needs a sequence number\n");
		return 2;
	}
	if ((rc = open_store(&s, o, LEDGER_STORE_READONLY)) != 0)
		return rc;
	rc = ledger_store_entry(s, seq, &b, &len);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: entry %llu: %s\n", (unsigned long long)seq,
		        sj_strerror(rc));
		rc = 2;
	} else {
		rc = write_out(opt(o, "-o"), b, len);
		free(b);
	}
	ledger_store_close(s);
	return rc;
}

static int cmd_prove(const struct opts *o, int inclusion)
{
	struct ledger_store *s = NULL;
	char *text = NULL;
	size_t tlen;
	uint64_t arg;
	int rc;

	if (o->nargs != 1 || parse_seq(&arg, o->args[0])) {
		fprintf(stderr, "suijid: %s needs a number\n",
		        inclusion ? "prove-inclusion" : "prove-consistency");
		return 2;
	}
	if ((rc = open_store(&s, o, LEDGER_STORE_READONLY)) != 0)
		return rc;
	rc = ledger_store_prove(s, inclusion, arg, &text, &tlen);
	if (rc == SJ_OK)
		rc = write_out(opt(o, "-o"), text, tlen);
	else if (rc == SJ_ENOENT)
		fprintf(stderr, "suijid: no checkpoint yet: run suijid checkpoint\n");
	else if (rc == SJ_ERANGE)
		fprintf(stderr, "suijid: %llu is out of range for the latest checkpoint\n",
		        (unsigned long long)arg);
	else
		fprintf(stderr, "suijid: cannot make the proof: %s\n", sj_strerror(rc));
	if (rc < 0)
		rc = 2;
	free(text);
	ledger_store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	const char *cmd = NULL;

	if (sodium_init() < 0) {
		fprintf(stderr, "suijid: libsodium failed to initialise\n");
		return 2;
	}
	o.dir = getenv("SUIJI_DIR") ? getenv("SUIJI_DIR") : "suiji-data";
	/* Draw and beacon commands parse their own arguments (drawcmd.c). */
	{
		int i = 1;
		if (argc > 2 && strcmp(argv[1], "-d") == 0) {
			o.dir = argv[2];
			i = 3;
		}
		if (i < argc &&
		    (strcmp(argv[i], "draw") == 0 || strcmp(argv[i], "add-beacon") == 0))
			return drawcmd_main(o.dir, argc - i, argv + i);
		if (i < argc && strcmp(argv[i], "import") == 0)
			return dircmd_main(o.dir, argc - i, argv + i);
		if (i < argc && (strcmp(argv[i], "calendar") == 0 ||
		                 strcmp(argv[i], "result") == 0 || strcmp(argv[i], "results") == 0))
			return resultcmd_main(o.dir, argc - i, argv + i);
		if (i < argc && (strcmp(argv[i], "items") == 0 || strcmp(argv[i], "plan") == 0 ||
		                 strcmp(argv[i], "task") == 0))
			return plancmd_main(o.dir, argc - i, argv + i);
		if (i < argc && (strcmp(argv[i], "lead") == 0 || strcmp(argv[i], "unavailable") == 0))
			return factcmd_main(o.dir, argc - i, argv + i);
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			printf("suijid %s\n", SERVER_VERSION);
			return 0;
		}
		if (strcmp(a, "-d") == 0 && i + 1 < argc) {
			o.dir = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			if (i + 1 >= argc || o.nkv == 32) {
				fprintf(stderr, "suijid: %s needs a value\n", a);
				return 2;
			}
			o.kv[o.nkv][0] = a;
			o.kv[o.nkv][1] = argv[++i];
			o.nkv++;
		} else if (cmd == NULL) {
			cmd = a;
		} else if (o.nargs < 16) {
			o.args[o.nargs++] = a;
		} else {
			fprintf(stderr, "suijid: too many arguments\n");
			return 2;
		}
	}
	if (cmd == NULL) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "init") == 0)
		return cmd_init(&o);
	if (strcmp(cmd, "log-key") == 0)
		return cmd_log_key(&o);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(&o);
	if (strcmp(cmd, "add-agency") == 0)
		return cmd_add_agency(&o);
	if (strcmp(cmd, "add-client") == 0)
		return cmd_add_client(&o);
	if (strcmp(cmd, "add-signer") == 0)
		return cmd_add_signer(&o);
	if (strcmp(cmd, "pubvalues") == 0)
		return cmd_pubvalues(&o);
	if (strcmp(cmd, "revoke-client") == 0)
		return cmd_revoke_client(&o);
	if (strcmp(cmd, "add-witness") == 0)
		return cmd_add_witness(&o);
	if (strcmp(cmd, "checkpoint") == 0)
		return cmd_checkpoint(&o);
	if (strcmp(cmd, "cosign") == 0)
		return cmd_cosign(&o);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(&o);
	if (strcmp(cmd, "entry") == 0)
		return cmd_entry(&o);
	if (strcmp(cmd, "prove-inclusion") == 0)
		return cmd_prove(&o, 1);
	if (strcmp(cmd, "prove-consistency") == 0)
		return cmd_prove(&o, 0);
	if (strcmp(cmd, "run") == 0)
		return server_cmd_run(o.dir, opt(&o, "--config"));
	if (strcmp(cmd, "daemon-key") == 0)
		return server_cmd_daemon_key(o.dir);
	fprintf(stderr, "suijid: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
