/*
 * drawtask.c: a draw spec for a task, from the ledger (drawtask.h).
 *
 * The spec is written as the JSON and CSV files docs/draw-request.md
 * describes and then read back by drawspec_load like any other, so a task
 * draw goes through exactly the checks of a hand-written one, and the
 * files are the frozen list the operator keeps.
 */
#include "daemon/drawtask.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "rules/policy.h"

#define MAX_FILE (4u * 1024u * 1024u)

#define BAD(...)                                                                                   \
	do {                                                                                       \
		snprintf(err, err_cap, __VA_ARGS__);                                               \
		rc = SJ_EINVAL;                                                                    \
		goto out;                                                                          \
	} while (0)

/* Writes people as "id,agency,tags" CSV. */
static int write_people(const char *path, const struct policy_person *v, size_t n)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return SJ_EIO;
	fprintf(f, "id,agency,tags\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s,%s,", v[i].id, v[i].agency);
		for (size_t t = 0; t < v[i].ntags; t++)
			fprintf(f, "%s%s", t ? ";" : "", v[i].tags[t]);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? SJ_OK : SJ_EIO;
}

/* mkdir -p: path and every missing folder above it. */
int drawtask_make_dirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static cJSON *copy_or_null(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return v ? cJSON_Duplicate(v, 1) : NULL;
}

/* Writes the pools into outdir, as the ledger says (R1, R2, R6, R7, R10,
 * R14). */
int drawtask_write_pools(const char *outdir, const struct policy_expect *x, char *err,
                         size_t err_cap)
{
	char file[4200];
	FILE *f;
	int rc = SJ_OK;

	snprintf(file, sizeof file, "%.4000s/objects.csv", outdir);
	f = fopen(file, "w");
	if (f == NULL) {
		snprintf(err, err_cap, "cannot write %s", file);
		rc = SJ_EIO;
		goto out;
	}
	fprintf(f, "id,stratum\n");
	for (size_t i = 0; i < x->n_objects; i++)
		fprintf(f, "%s,%s\n", x->objects[i].id, x->objects[i].stratum);
	if (fclose(f) != 0) {
		snprintf(err, err_cap, "cannot write %s", file);
		rc = SJ_EIO;
		goto out;
	}
	snprintf(file, sizeof file, "%.4000s/officers.csv", outdir);
	if (write_people(file, x->officers, x->n_officers) != SJ_OK) {
		snprintf(err, err_cap, "cannot write %s", file);
		rc = SJ_EIO;
		goto out;
	}
	snprintf(file, sizeof file, "%.4000s/experts.csv", outdir);
	if (write_people(file, x->experts, x->n_experts) != SJ_OK) {
		snprintf(err, err_cap, "cannot write %s", file);
		rc = SJ_EIO;
		goto out;
	}

out:
	return rc;
}

/* The spec's rules: one per stratum of the task's scope, with the task's
 * ratio (R7) and the operator's tags and experts per stratum (R13). */
static int spec_rules(cJSON *out, const cJSON *j, const struct policy_expect *x, const char *path,
                      const char *task, char *err, size_t err_cap)
{
	int rc = SJ_OK;

	const cJSON *dtags = cJSON_GetObjectItemCaseSensitive(j, "officer_tags");
	const cJSON *strata = cJSON_GetObjectItemCaseSensitive(j, "strata");
	if (strata && !cJSON_IsObject(strata))
		BAD("%s: \"strata\" must be an object of stratum names", path);
	for (const cJSON *s = strata ? strata->child : NULL; s; s = s->next) {
		size_t k;
		for (k = 0; k < x->n_strata; k++)
			if (strcmp(x->strata[k], s->string) == 0)
				break;
		if (k == x->n_strata)
			BAD("%s: stratum \"%s\" has no object in task %s's scope", path, s->string,
			    task);
	}
	cJSON *rules = cJSON_AddArrayToObject(out, "rules");
	for (size_t i = 0; rules && i < x->n_strata; i++) {
		cJSON *ru = cJSON_CreateObject();
		const cJSON *own =
		    strata ? cJSON_GetObjectItemCaseSensitive(strata, x->strata[i]) : NULL;
		char ratio[32] = "1/1";
		for (size_t s = 0; s < x->task.n_strata; s++)
			if (strcmp(x->task.strata[s].name, x->strata[i]) == 0)
				snprintf(ratio, sizeof ratio, "%u/%u", x->task.strata[s].num,
				         x->task.strata[s].den);
		cJSON_AddStringToObject(ru, "stratum", x->strata[i]);
		cJSON_AddStringToObject(ru, "ratio", ratio);
		const cJSON *tags =
		    own ? cJSON_GetObjectItemCaseSensitive(own, "officer_tags") : NULL;
		if (tags == NULL)
			tags = dtags;
		if (tags)
			cJSON_AddItemToObject(ru, "officer_tags", cJSON_Duplicate(tags, 1));
		static const char *const per[] = {"experts", "expert_tags"};
		for (size_t k = 0; own && k < 2; k++) {
			cJSON *v = copy_or_null(own, per[k]);
			if (v)
				cJSON_AddItemToObject(ru, per[k], v);
		}
		cJSON_AddItemToArray(rules, ru);
	}
out:
	return rc;
}

/* One exclusion into the spec's list ex. */
static void add_exclusion(cJSON *ex, const char *kind, const char *id, const char *reason,
                          const char *note)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "kind", kind);
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "reason", reason);
	cJSON_AddStringToObject(e, "note", note);
	cJSON_AddItemToArray(ex, e);
}

/* The operator's "handled" list: each item names a lead entry of the
 * agency, by its entry number ("lead") or its reference ("reference"); the
 * exclusion is built from the ledger's lead, its note naming the entry
 * (R10, rules/facts.h). Whether the lead may serve is the ledger's rule. */
static int spec_handled(cJSON *ex, const cJSON *j, const struct facts *f, const char *agency,
                        const char *path, char *err, size_t err_cap)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "handled");
	int rc = SJ_OK;
	if (list && !cJSON_IsArray(list))
		BAD("%s: \"handled\" must be a list of leads", path);
	for (const cJSON *it = list ? list->child : NULL; it; it = it->next) {
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(it, "lead");
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(it, "reference");
		const struct facts_lead *l = NULL;
		char note[48];
		if (cJSON_IsNumber(seq) && seq->valuedouble >= 1)
			l = facts_lead_at(f, (uint64_t)seq->valuedouble);
		else if (cJSON_IsString(ref))
			l = facts_lead_by_ref(f, agency, ref->valuestring);
		else
			BAD("%s: every \"handled\" entry names a lead entry: {\"lead\": SEQ} or "
			    "{\"reference\": \"REF\"} (suijid lead add; R10)",
			    path);
		if (l == NULL || strcmp(l->agency, agency) != 0)
			BAD("%s: \"handled\" names no lead of agency %s in the ledger (suijid lead "
			    "add; R10)",
			    path, agency);
		snprintf(note, sizeof note, "lead %llu", (unsigned long long)l->seq);
		add_exclusion(ex, "object", l->object, "handled", note);
	}
out:
	return rc;
}

/* The spec's exclusions (R6, R9, R10, R11): the ledger's objects, the
 * objects of the leads the operator names, and the people with a
 * reviewed unavailability covering today (the request's day in China);
 * and the declared conflicts (R12). */
int drawtask_exclusions(cJSON *out, const cJSON *j, struct policy_expect *x,
                        const struct replay *r, const char *agency, const char *path, char *err,
                        size_t err_cap)
{
	int rc = SJ_OK;

	if (cJSON_GetObjectItemCaseSensitive(j, "unavailable"))
		BAD("%s: \"unavailable\" is no choice of a draw: an officer's or expert's "
		    "unavailability is a reviewed ledger entry (suijid unavailable add; R11)",
		    path);
	cJSON *ex = cJSON_AddArrayToObject(out, "exclusions");
	if (ex == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < x->n_exclusions; i++)
		add_exclusion(ex, "object", x->exclusions[i].id,
		              draw_reason_name(x->exclusions[i].reason), x->exclusions[i].note);
	if ((rc = spec_handled(ex, j, replay_facts(r), agency, path, err, err_cap)) != SJ_OK ||
	    (rc = policy_expect_unavailable(replay_policy(r), x, policy_day(util_now_us()))) !=
	        SJ_OK)
		goto out;
	for (size_t i = 0; i < x->n_unavailable; i++)
		add_exclusion(ex, x->unavailable[i].kind == DRAW_OFFICER ? "officer" : "expert",
		              x->unavailable[i].id, "unavailable", x->unavailable[i].note);
	drawtask_spec_conflicts(out, x);
out:
	return rc;
}

/* A name that becomes part of a file path (issue 13, item 5): a letter or
 * digit, then up to 63 letters, digits, '.', '_' or '-', and never "..",
 * so that no request id, task or agency code can lead a path out of the
 * folder it is written in. */
int drawtask_safe_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DRAWTASK_MAX_NAME || strstr(s, "..") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int drawtask_read_json(const char *path, const char *what, uint8_t **buf, size_t *len, cJSON **j,
                       char *err, size_t err_cap)
{
	*j = NULL;
	if (util_read_file(buf, len, path, MAX_FILE) != SJ_OK) {
		snprintf(err, err_cap, "cannot read %s file %s", what, path);
		return SJ_EIO;
	}
	*j = cJSON_ParseWithLength((const char *)*buf, *len);
	if (*j == NULL || !cJSON_IsObject(*j)) {
		snprintf(err, err_cap, "%s: not a JSON object", path);
		return SJ_EINVAL;
	}
	return SJ_OK;
}

void drawtask_spec_conflicts(cJSON *out, const struct policy_expect *x)
{
	cJSON *cf = cJSON_AddArrayToObject(out, "conflicts");
	for (size_t i = 0; cf && i < x->n_conflicts; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    c, "kind", x->conflicts[i].kind == DRAW_OFFICER ? "officer" : "expert");
		cJSON_AddStringToObject(c, "object", x->conflicts[i].object);
		cJSON_AddStringToObject(c, "person", x->conflicts[i].person);
		cJSON_AddItemToArray(cf, c);
	}
}

/* Writes the spec out as outdir/spec.json (its path into spec_path, cap
 * bytes): the frozen list beside its pools. SJ_ENOMEM, or SJ_EIO named in
 * err. */
int drawtask_write_spec(const char *outdir, const cJSON *out, char *spec_path, size_t cap,
                        char *err, size_t err_cap)
{
	char *text = cJSON_Print(out);
	int rc = SJ_OK;

	if (text == NULL)
		return SJ_ENOMEM;
	snprintf(spec_path, cap, "%.4000s/spec.json", outdir);
	if (util_write_file(spec_path, text, strlen(text), 0644) != SJ_OK) {
		snprintf(err, err_cap, "cannot write %s", spec_path);
		rc = SJ_EIO;
	}
	free(text);
	return rc;
}

/* 1 when the JSON text holds an escaped NUL, which cJSON would cut a
 * string at without a word. */
int drawtask_has_nul(const uint8_t *b, size_t len)
{
	static const char esc[] = "\\u0000";
	for (size_t i = 0; i + sizeof esc - 1 <= len; i++)
		if (memcmp(b + i, esc, sizeof esc - 1) == 0)
			return 1;
	return 0;
}

int drawtask_prepare(const struct replay *r, const char *path, const char *outdir, char *spec_path,
                     size_t cap, char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	size_t len;
	cJSON *j = NULL, *out = NULL;
	struct policy_expect *x = NULL;
	char why[400], dirbuf[4096];
	int rc = SJ_OK;

	if ((rc = drawtask_read_json(path, "task-draw", &buf, &len, &j, err, err_cap)) != SJ_OK)
		goto out;
	const cJSON *task = cJSON_GetObjectItemCaseSensitive(j, "task");
	const cJSON *agency = cJSON_GetObjectItemCaseSensitive(j, "agency");
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(j, "request_id");
	if (!cJSON_IsString(task) || !cJSON_IsString(rid))
		BAD("%s: \"request_id\" and \"task\" are required strings", path);
	if (agency && !cJSON_IsString(agency))
		BAD("%s: \"agency\" must be a string", path);
	/* Each names files or folders: checked before any is used. */
	if (drawtask_has_nul(buf, len))
		BAD("%s: a string holds \\u0000 (a NUL byte), which no request id, task or agency "
		    "code may",
		    path);
	{
		const char *const field[] = {"request_id", "task", "agency"};
		const cJSON *const value[] = {rid, task, agency};
		for (size_t k = 0; k < 3; k++)
			if (value[k] != NULL && !drawtask_safe_name(value[k]->valuestring))
				BAD("%s: \"%s\" \"%.80s\" is not a name: 1 to %d letters, digits, "
				    "'.', '_' or '-', starting with a letter or digit, without \"..\"",
				    path, field[k], value[k]->valuestring, DRAWTASK_MAX_NAME);
	}
	rc = policy_expect(replay_policy(r), replay_plans(r), agency ? agency->valuestring : "",
	                   task->valuestring, &x, why, sizeof why);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "%s: %s", path, why);
		goto out;
	}
	/* A folder ending in '/' holds one folder per request. */
	if (outdir[0] && outdir[strlen(outdir) - 1] == '/') {
		if (drawtask_make_dirs(outdir) != 0) {
			snprintf(err, err_cap, "cannot create %s", outdir);
			rc = SJ_EIO;
			goto out;
		}
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

	/* The spec: the operator's choices, the task's ratios (R7), the
	 * exclusions and conflicts the ledger requires (R6, R9, R12). */
	out = cJSON_CreateObject();
	if (out == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	cJSON_AddStringToObject(out, "request_id", rid->valuestring);
	if (agency)
		cJSON_AddStringToObject(out, "agency", agency->valuestring);
	cJSON_AddStringToObject(out, "task", task->valuestring);
	cJSON_AddStringToObject(out, "objects", "objects.csv");
	cJSON_AddStringToObject(out, "officers", "officers.csv");
	cJSON_AddStringToObject(out, "experts", "experts.csv");
	static const char *const copied[] = {"slot_size", "officer_repeat_in_slot",
	                                     "deadline_hours", "beacons"};
	/* The rounding rule is the task's (R7), not the operator's choice. */
	if (cJSON_GetObjectItemCaseSensitive(j, "rounding"))
		BAD("%s: \"rounding\" is task %s's rule (%s), not a draw's choice", path,
		    task->valuestring, x->task.rounding);
	cJSON_AddStringToObject(out, "rounding", x->task.rounding);
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
		cJSON *v = copy_or_null(j, copied[i]);
		if (v)
			cJSON_AddItemToObject(out, copied[i], v);
	}
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
	if ((rc = spec_rules(out, j, x, path, task->valuestring, err, err_cap)) != SJ_OK ||
	    (rc = drawtask_exclusions(out, j, x, r, agency ? agency->valuestring : "", path, err,
	                              err_cap)) != SJ_OK)
		goto out;
	rc = drawtask_write_spec(outdir, out, spec_path, cap, err, err_cap);
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	free(buf);
	policy_expect_free(x);
	return rc;
}
