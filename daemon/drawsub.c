/*
 * drawsub.c: a substitution (补抽) from the ledger (drawsub.h).
 *
 * Like drawtask.c, it writes a spec and its CSV pools that are then read
 * back and requested like any other, so the store's checks of a
 * substitution (rules/taskdraws.c) are the only ones that decide.
 */
#include "daemon/drawsub.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/drawtask.h"
#include "rules/policy.h"

#define MAX_FILE (1024u * 1024u)

#define BAD(...)                                                                                   \
	do {                                                                                       \
		snprintf(err, err_cap, __VA_ARGS__);                                               \
		rc = SJ_EINVAL;                                                                    \
		goto out;                                                                          \
	} while (0)

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The replaced draw named by j's "draw" (its request entry) or
 * "commitment_entry_hash" into *info. */
static int replaced_draw(const struct replay *r, const cJSON *j, struct draws_info *info,
                         const char *path, char *err, size_t err_cap)
{
	const struct draws *d = replay_draws(r);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "draw");
	const cJSON *hex = cJSON_GetObjectItemCaseSensitive(j, "commitment_entry_hash");
	uint8_t h[32];
	size_t i;
	if (cJSON_IsNumber(seq) && seq->valuedouble >= 1) {
		if (draws_find(d, (uint64_t)seq->valuedouble, &i) != SJ_OK) {
			snprintf(err, err_cap, "%s: entry %.0f is not a draw request", path,
			         seq->valuedouble);
			return SJ_ENOENT;
		}
		draws_get(d, i, info);
		if (!info->committed) {
			snprintf(err, err_cap, "%s: draw %.0f has no commitment", path,
			         seq->valuedouble);
			return SJ_EINVAL;
		}
		return SJ_OK;
	}
	if (!cJSON_IsString(hex) || strlen(hex->valuestring) != 64) {
		snprintf(err, err_cap,
		         "%s: name the replaced draw by \"draw\" (its request entry) or "
		         "\"commitment_entry_hash\" (64 hex digits)",
		         path);
		return SJ_EINVAL;
	}
	for (size_t k = 0; k < 32; k++) {
		int a = hexval(hex->valuestring[2 * k]), b = hexval(hex->valuestring[2 * k + 1]);
		if (a < 0 || b < 0) {
			snprintf(err, err_cap,
			         "%s: \"commitment_entry_hash\" is not lower-case hex", path);
			return SJ_EINVAL;
		}
		h[k] = (uint8_t)(a * 16 + b);
	}
	for (i = 0; i < draws_count(d); i++) {
		draws_get(d, i, info);
		if (info->committed && memcmp(info->commit_hash, h, 32) == 0)
			return SJ_OK;
	}
	snprintf(err, err_cap, "%s: no commitment in the ledger has entry hash %s", path,
	         hex->valuestring);
	return SJ_ENOENT;
}

/* The spec of the substitution: the operator's choices of j, the task's
 * rounding (R7) and team (R11, R14), one rule drawing one object of the
 * replaced stratum, x's exclusions and conflicts, and what it replaces. */
static int sub_spec(cJSON *out, const cJSON *j, struct policy_expect *x,
                    const struct replay *r, const struct draws_info *info, const char *reason,
                    const char *path, char *err, size_t err_cap)
{
	static const char *const copied[] = {"request_id", "slot_size", "officer_repeat_in_slot",
	                                     "deadline_hours", "beacons"};
	char hex[65];
	int rc = SJ_OK;
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, copied[i]);
		if (v)
			cJSON_AddItemToObject(out, copied[i], cJSON_Duplicate(v, 1));
	}
	cJSON_AddStringToObject(out, "agency", info->agency);
	cJSON_AddStringToObject(out, "task", info->task);
	cJSON_AddStringToObject(out, "objects", "objects.csv");
	cJSON_AddStringToObject(out, "officers", "officers.csv");
	cJSON_AddStringToObject(out, "experts", "experts.csv");
	cJSON_AddStringToObject(out, "rounding", x->task.rounding);
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "team_size");
	if (ts && (!cJSON_IsNumber(ts) || ts->valuedouble < x->task.team_size))
		BAD("%s: \"team_size\" must be a number, at least the task's %u (R11)", path,
		    x->task.team_size);
	cJSON_AddNumberToObject(out, "team_size", ts ? ts->valuedouble : x->task.team_size);
	if (x->task.joint) {
		cJSON *ta = cJSON_AddArrayToObject(out, "team_agencies");
		for (size_t i = 0; ta && i < x->n_agencies; i++)
			cJSON_AddItemToArray(ta, cJSON_CreateString(x->agencies[i]));
	}
	cJSON *rules = cJSON_AddArrayToObject(out, "rules");
	cJSON *ru = cJSON_CreateObject();
	cJSON_AddStringToObject(ru, "stratum", x->replaced_stratum);
	cJSON_AddNumberToObject(ru, "count", 1);
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(j, "officer_tags");
	if (tags)
		cJSON_AddItemToObject(ru, "officer_tags", cJSON_Duplicate(tags, 1));
	cJSON_AddItemToArray(rules, ru);
	if ((rc = drawtask_exclusions(out, j, x, r, info->agency, path, err, err_cap)) != SJ_OK)
		goto out;
	cJSON *rep = cJSON_AddObjectToObject(out, "replaces");
	util_hex(hex, info->commit_hash, 32);
	cJSON_AddStringToObject(rep, "commitment_entry_hash", hex);
	cJSON_AddStringToObject(rep, "reason", reason);
out:
	return rc;
}

int drawsub_prepare(const struct replay *r, const char *path, const char *outdir, char *spec_path,
                    size_t cap, char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	size_t len;
	cJSON *j = NULL, *out = NULL;
	struct policy_expect *x = NULL;
	struct draws_info info;
	char why[400], dirbuf[4096];
	unsigned rule = 6;
	int rc = SJ_OK;

	if ((rc = drawtask_read_json(path, "substitution", &buf, &len, &j, err, err_cap)) != SJ_OK)
		goto out;
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(j, "request_id");
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "reason");
	const cJSON *agency = cJSON_GetObjectItemCaseSensitive(j, "agency");
	if (!cJSON_IsString(rid) || !cJSON_IsString(reason))
		BAD("%s: \"request_id\" and \"reason\" are required strings", path);
	if (drawtask_has_nul(buf, len) || !drawtask_safe_name(rid->valuestring))
		BAD("%s: \"request_id\" \"%.80s\" is not a name: 1 to %d letters, digits, '.', '_' "
		    "or '-', starting with a letter or digit, without \"..\"",
		    path, rid->valuestring, DRAWTASK_MAX_NAME);
	if ((rc = replaced_draw(r, j, &info, path, err, err_cap)) != SJ_OK)
		goto out;
	if (agency && (!cJSON_IsString(agency) || strcmp(agency->valuestring, info.agency) != 0))
		BAD("%s: draw %llu is agency %s's; a substitution is the same agency's", path,
		    (unsigned long long)info.request_seq, info.agency);
	rc = policy_expect_substitution(replay_policy(r), replay_plans(r), info.agency, info.task,
	                                info.commit_hash, reason->valuestring, &x, &rule, why,
	                                sizeof why);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "%s: R%u: %s", path, rule, why);
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
	if ((rc = sub_spec(out, j, x, r, &info, reason->valuestring, path, err, err_cap)) != SJ_OK)
		goto out;
	rc = drawtask_write_spec(outdir, out, spec_path, cap, err, err_cap);
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	free(buf);
	policy_expect_free(x);
	return rc;
}
