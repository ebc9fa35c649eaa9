/*
 * plancmd.c: imports, item lists, plans, tasks and results (plancmd.h).
 */
#include "client/plancmd.h"

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

/* Reads and checks a directory file (dir/import.h); prints every bad row
 * with its line. Returns 0 with *out holding the records, else the exit
 * status. */
static int import_file(struct import **out, const struct cli *a, unsigned *kind, uint8_t sha[32])
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
int plancmd_import_check(int argc, char **argv)
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
int plancmd_import(struct cli_session *s, const struct cli *a)
{
	Suiji__DirectoryImport m = SUIJI__DIRECTORY_IMPORT__INIT;
	const struct record *const *recs;
	ProtobufCBinaryData *bd = NULL;
	struct import *im = NULL;
	const char *base;
	char id[80], hex[17], err[CLI_ERRLEN];
	uint8_t sha[32], *payload = NULL;
	unsigned kind;
	size_t n = 0, plen;
	int rc;

	if (a->npos != 2)
		return cli_fail(s, 2, "import needs KIND and FILE");
	if ((rc = import_file(&im, a, &kind, sha)) != 0)
		return rc;
	if ((rc = cli_identify(s)) != 0)
		goto out;
	recs = import_records(im, &n);
	bd = calloc(n ? n : 1, sizeof *bd);
	if (bd == NULL) {
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (record_encode(&bd[i].data, &bd[i].len, recs[i], err, sizeof err) != SJ_OK) {
			rc = cli_fail(s, 2, err);
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
		rc = cli_fail(s, 1, err);
		goto out;
	}
	payload = malloc(plen ? plen : 1);
	if (payload == NULL) {
		rc = 2;
		goto out;
	}
	suiji__directory_import__pack(&m, payload);
	rc = cli_mutate(s, SUIJI__RPC__METHOD__METHOD_DIRECTORY_IMPORT, ENTRY_DIRECTORY_IMPORT,
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
static int plan_file_cmd(struct cli_session *s, const struct cli *a, uint32_t method, uint32_t type)
{
	struct planspec_info info;
	char err[CLI_ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cli_identify(s)) != 0)
		return rc;
	if (type == ENTRY_ITEM_LIST)
		rc = planspec_items(&p, &len, &info, a->pos[0], s->agency, err, sizeof err);
	else if (type == ENTRY_PLAN)
		rc = planspec_plan(&p, &len, &info, a->pos[0], err, sizeof err);
	else
		rc = planspec_task(&p, &len, &info, a->pos[0], err, sizeof err);
	if (rc != SJ_OK)
		return cli_fail(s, rc == SJ_EINVAL ? 1 : 2, err);
	rc = cli_mutate(s, method, type, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", info.what);
	free(p);
	return rc;
}

/* result ACTION [FILE.json]: one step of a check's result (docs/results.md),
 * for this client's agency unless the file names the result's agency (a
 * supervisor's re-check). */
int plancmd_result(struct cli_session *s, const struct cli *a)
{
	const char *over[4];
	size_t n = 0;
	char err[CLI_ERRLEN], what[512], agency[ENTRY_MAX_AGENCY + 1];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (a->npos < 1 || a->npos > 2)
		return cli_fail(s, 2, "result needs " RESULTSPEC_ACTIONS " and a FILE.json");
	if ((rc = cli_identify(s)) != 0)
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
		return cli_fail(s, 2, err);
	rc = cli_mutate(s, SUIJI__RPC__METHOD__METHOD_RESULT_STEP, ENTRY_RESULT, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", what);
	free(p);
	return rc;
}

int plancmd_items_publish(struct cli_session *s, const struct cli *a)
{
	if (a->npos != 1)
		return cli_fail(s, 2, "items-publish needs FILE.json");
	return plan_file_cmd(s, a, SUIJI__RPC__METHOD__METHOD_ITEM_LIST, ENTRY_ITEM_LIST);
}

int plancmd_plan_submit(struct cli_session *s, const struct cli *a)
{
	if (a->npos != 1)
		return cli_fail(s, 2, "plan-submit needs FILE.json");
	return plan_file_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_SUBMIT, ENTRY_PLAN);
}

int plancmd_task_create(struct cli_session *s, const struct cli *a)
{
	if (a->npos != 1)
		return cli_fail(s, 2, "task-create needs FILE.json");
	return plan_file_cmd(s, a, SUIJI__RPC__METHOD__METHOD_TASK_CREATE, ENTRY_TASK);
}

/* plan-review, plan-file, plan-publish AGENCY PLAN VERSION: one step. */
static int plan_step_cmd(struct cli_session *s, const struct cli *a, uint32_t method, uint32_t type)
{
	const char *ret = cli_opt(a, "--return"), *note = cli_opt(a, "--note");
	struct planspec_info info;
	char err[CLI_ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (a->npos != 3)
		return cli_fail(s, 2, "the plan steps need AGENCY PLAN VERSION");
	if (type == ENTRY_PLAN_REVIEW && (cli_opt(a, "--approve") != NULL) == (ret != NULL))
		return cli_fail(s, 2, "plan-review needs --approve or --return REASON");
	if ((rc = planspec_step(&p, &len, &info, type, a->pos[0], a->pos[1], a->pos[2],
	                        type == ENTRY_PLAN_REVIEW ? ret : note, err, sizeof err)) != SJ_OK)
		return cli_fail(s, 2, err);
	rc = cli_mutate(s, method, type, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", info.what);
	free(p);
	return rc;
}

int plancmd_plan_review(struct cli_session *s, const struct cli *a)
{
	return plan_step_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_REVIEW, ENTRY_PLAN_REVIEW);
}

int plancmd_task_review(struct cli_session *s, const struct cli *a)
{
	const char *ret = cli_opt(a, "--return"), *narrow = cli_opt(a, "--narrow-scope");
	struct planspec_info info;
	char err[CLI_ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (a->npos != 2)
		return cli_fail(s, 2, "task-review needs AGENCY TASK");
	if ((cli_opt(a, "--approve") != NULL) == (ret != NULL) || (ret && narrow))
		return cli_fail(s, 2,
		                "task-review needs --approve [--narrow-scope REASON] or --return REASON");
	if ((rc = planspec_task_review(&p, &len, &info, a->pos[0], a->pos[1], ret, narrow, err,
	                               sizeof err)) != SJ_OK)
		return cli_fail(s, 2, err);
	rc = cli_mutate(s, SUIJI__RPC__METHOD__METHOD_PLAN_REVIEW, ENTRY_PLAN_REVIEW, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", info.what);
	free(p);
	return rc;
}

int plancmd_plan_file(struct cli_session *s, const struct cli *a)
{
	return plan_step_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_FILE, ENTRY_PLAN_FILE);
}

int plancmd_plan_publish(struct cli_session *s, const struct cli *a)
{
	return plan_step_cmd(s, a, SUIJI__RPC__METHOD__METHOD_PLAN_PUBLISH, ENTRY_PLAN_PUBLISH);
}
