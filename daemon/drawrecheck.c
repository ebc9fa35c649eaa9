/*
 * drawrecheck.c: a re-check draw's spec from the ledger (drawrecheck.h).
 *
 * Like a task draw (drawtask.c), the spec is written as JSON and CSV
 * files and read back by drawspec_load, so the re-check goes through the
 * checks of any draw, and the files are the frozen list the bureau keeps.
 */
#include "daemon/drawrecheck.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/drawtask.h"
#include "rules/policy.h"

#define MAX_FILE (64u * 1024u)

#define BAD(...)                                                                                   \
	do {                                                                                       \
		snprintf(err, err_cap, __VA_ARGS__);                                               \
		rc = SJ_EINVAL;                                                                    \
		goto out;                                                                          \
	} while (0)

/* The scope as the spec's task (policy.h): "recheck:AGENCY:YEAR[:TASK]". */
static int scope_task(char *out, size_t cap, const cJSON *scope, const char *path, char *err,
                      size_t err_cap)
{
	int rc = SJ_OK;
	const cJSON *ag = cJSON_GetObjectItemCaseSensitive(scope, "agency");
	const cJSON *yr = cJSON_GetObjectItemCaseSensitive(scope, "year");
	const cJSON *tk = cJSON_GetObjectItemCaseSensitive(scope, "task");
	if (!cJSON_IsString(ag) || !drawtask_safe_name(ag->valuestring))
		BAD("%s: \"scope\".\"agency\" must be an agency code", path);
	if (!cJSON_IsNumber(yr) || yr->valuedouble < 2000 || yr->valuedouble > 2100 ||
	    yr->valuedouble != (double)(int)yr->valuedouble)
		BAD("%s: \"scope\".\"year\" must be a plan year 2000..2100", path);
	if (tk && (!cJSON_IsString(tk) || !drawtask_safe_name(tk->valuestring)))
		BAD("%s: \"scope\".\"task\" must be a task id", path);
	snprintf(out, cap, POLICY_RECHECK_PREFIX "%s:%d%s%s", ag->valuestring, (int)yr->valuedouble,
	         tk ? ":" : "", tk ? tk->valuestring : "");
	if (strlen(out) > DRAW_MAX_ID)
		BAD("%s: the scope %s is longer than a task identifier (%d bytes)", path, out,
		    DRAW_MAX_ID);
out:
	return rc;
}

/* The spec: the bureau's choices around what the ledger fixes. */
static int build_spec(cJSON *out, const cJSON *j, const struct policy_expect *x, const char *path,
                      char *err, size_t err_cap)
{
	int rc = SJ_OK;
	const cJSON *ratio = cJSON_GetObjectItemCaseSensitive(j, "ratio");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(j, "count");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "team_size");
	if ((ratio && !cJSON_IsString(ratio)) || (count && !cJSON_IsNumber(count)) ||
	    (ratio && count))
		BAD("%s: give either \"ratio\" (\"N/D\") or \"count\" (a number), not both", path);
	if (ts && (!cJSON_IsNumber(ts) || ts->valuedouble < 2))
		BAD("%s: \"team_size\" must be a number, at least 2 (R11)", path);
	cJSON_AddStringToObject(out, "task", x->task.id);
	cJSON_AddStringToObject(out, "objects", "objects.csv");
	cJSON_AddStringToObject(out, "officers", "officers.csv");
	cJSON_AddStringToObject(out, "experts", "experts.csv");
	cJSON_AddNumberToObject(out, "team_size", ts ? ts->valuedouble : 2);
	static const char *const copied[] = {"slot_size", "deadline_hours", "beacons"};
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, copied[i]);
		if (v)
			cJSON_AddItemToObject(out, copied[i], cJSON_Duplicate(v, 1));
	}
	cJSON *rules = cJSON_AddArrayToObject(out, "rules");
	cJSON *ru = cJSON_CreateObject();
	cJSON_AddStringToObject(ru, "stratum", POLICY_RECHECK_STRATUM);
	if (count)
		cJSON_AddNumberToObject(ru, "count", count->valuedouble);
	else
		cJSON_AddStringToObject(ru, "ratio", ratio ? ratio->valuestring : "1/1");
	cJSON_AddItemToArray(rules, ru);
	drawtask_spec_conflicts(out, x);
out:
	return rc;
}

int drawrecheck_prepare(const struct replay *r, const char *path, const char *outdir,
                        char *spec_path, size_t cap, char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	size_t len;
	cJSON *j = NULL, *out = NULL;
	struct policy_expect *x = NULL;
	char why[400], dirbuf[4096], task[DRAW_MAX_ID + 64];
	int rc = SJ_OK;

	if ((rc = drawtask_read_json(path, "re-check", &buf, &len, &j, err, err_cap)) != SJ_OK)
		goto out;
	/* cJSON would cut a string at an escaped NUL without a word. */
	for (size_t i = 0; i + 6 <= len; i++)
		if (memcmp(buf + i, "\\u0000", 6) == 0)
			BAD("%s: a string holds \\u0000 (a NUL byte)", path);
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(j, "request_id");
	const cJSON *agency = cJSON_GetObjectItemCaseSensitive(j, "agency");
	const cJSON *scope = cJSON_GetObjectItemCaseSensitive(j, "scope");
	if (!cJSON_IsString(rid) || !drawtask_safe_name(rid->valuestring))
		BAD("%s: \"request_id\" must be a name: 1 to %d letters, digits, '.', '_' or '-', "
		    "starting with a letter or digit, without \"..\"",
		    path, DRAWTASK_MAX_NAME);
	if (!cJSON_IsString(agency) || !drawtask_safe_name(agency->valuestring))
		BAD("%s: \"agency\" must be the justice bureau's agency code", path);
	if (!cJSON_IsObject(scope))
		BAD("%s: \"scope\" must be an object: {\"agency\", \"year\", \"task\"}", path);
	if ((rc = scope_task(task, sizeof task, scope, path, err, err_cap)) != SJ_OK)
		goto out;
	rc = policy_recheck_expect(replay_policy(r), replay_plans(r), agency->valuestring, task, &x,
	                           why, sizeof why);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "%s: %s", path, why);
		goto out;
	}
	if (outdir[0] && outdir[strlen(outdir) - 1] == '/') {
		snprintf(dirbuf, sizeof dirbuf, "%s%s", outdir, rid->valuestring);
		outdir = dirbuf;
	}
	if (drawtask_make_dirs(outdir) != 0) {
		snprintf(err, err_cap, "cannot create %s", outdir);
		rc = SJ_EIO;
		goto out;
	}
	if ((rc = drawtask_write_pools(outdir, x, err, err_cap)) != SJ_OK)
		goto out;
	if ((out = cJSON_CreateObject()) == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	cJSON_AddStringToObject(out, "request_id", rid->valuestring);
	cJSON_AddStringToObject(out, "agency", agency->valuestring);
	if ((rc = build_spec(out, j, x, path, err, err_cap)) != SJ_OK)
		goto out;
	rc = drawtask_write_spec(outdir, out, spec_path, cap, err, err_cap);
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	free(buf);
	policy_expect_free(x);
	return rc;
}
