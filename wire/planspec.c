/*
 * planspec.c: JSON to the payloads of item lists, plans and tasks
 * (planspec.h). cJSON parses the whole file; each field is read with its
 * path so that an error names it.
 */
#include "wire/planspec.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/plans.pb-c.h"

#define ERRLEN 1024
#define MAX_JSON (16u * 1024u * 1024u)

/* JSON reading with the path of the field being read, for errors. */
struct js {
	const char *file;
	char err[ERRLEN];
};

static int bad(struct js *j, const char *path, const char *what)
{
	if (j->err[0] == '\0')
		snprintf(j->err, sizeof j->err, "%s: field \"%s\" %s", j->file, path, what);
	return -1;
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A string field; NULL (and an error) when missing and required. */
static char *str(struct js *j, const cJSON *o, const char *path, const char *k, int required)
{
	const cJSON *v = get(o, k);
	char p[256];
	snprintf(p, sizeof p, "%s%s", path, k);
	if (v == NULL && !required)
		return (char *)"";
	if (!cJSON_IsString(v)) {
		bad(j, p, v ? "is not a string" : "is missing");
		return NULL;
	}
	return v->valuestring;
}

static int u32(struct js *j, const cJSON *o, const char *path, const char *k, uint32_t *out)
{
	const cJSON *v = get(o, k);
	char p[256];
	snprintf(p, sizeof p, "%s%s", path, k);
	if (!cJSON_IsNumber(v))
		return bad(j, p, v ? "is not a number" : "is missing");
	if (!(v->valuedouble >= 0 && v->valuedouble <= 4294967295.0) ||
	    v->valuedouble != (double)(uint32_t)v->valuedouble)
		return bad(j, p, "is not a whole number 0..4294967295");
	*out = (uint32_t)v->valuedouble;
	return 0;
}

static int boolean(struct js *j, const cJSON *o, const char *path, const char *k,
		   protobuf_c_boolean *out)
{
	const cJSON *v = get(o, k);
	char p[256];
	snprintf(p, sizeof p, "%s%s", path, k);
	if (v == NULL) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsBool(v))
		return bad(j, p, "is not true or false");
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return 0;
}

/* A ratio "N/D" (or "N%"). */
static int ratio(struct js *j, const cJSON *o, const char *path, const char *k, uint32_t *num,
		 uint32_t *den)
{
	const char *s = str(j, o, path, k, 1);
	unsigned long n, d = 100;
	char *end;
	char p[256];
	if (s == NULL)
		return -1;
	snprintf(p, sizeof p, "%s%s", path, k);
	n = strtoul(s, &end, 10);
	if (end == s)
		return bad(j, p, "is not a ratio N/D");
	if (*end == '/') {
		const char *ds = end + 1;
		d = strtoul(ds, &end, 10);
		if (end == ds)
			return bad(j, p, "is not a ratio N/D");
	} else if (*end == '%') {
		end++;
	}
	if (*end != '\0' || n > UINT32_MAX || d == 0 || d > UINT32_MAX)
		return bad(j, p, "is not a ratio N/D");
	*num = (uint32_t)n;
	*den = (uint32_t)d;
	return 0;
}

/* The array field k, or NULL (and an error). */
static const cJSON *array(struct js *j, const cJSON *o, const char *path, const char *k)
{
	const cJSON *v = get(o, k);
	char p[256];
	snprintf(p, sizeof p, "%s%s", path, k);
	if (!cJSON_IsArray(v)) {
		bad(j, p, v ? "is not an array" : "is missing");
		return NULL;
	}
	return v;
}

/* Parses text[0..len) (borrowed) as the JSON object the builders read. */
static int parse_json(cJSON **out, struct js *j, const char *text, size_t len)
{
	*out = cJSON_ParseWithLength(text, len);
	if (*out == NULL || !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		snprintf(j->err, sizeof j->err, "%s is not a JSON object", j->file);
		return 2;
	}
	return 0;
}

/* Reads the file at path for a builder; the error is the builders' own. */
static int read_spec(uint8_t **buf, size_t *len, const char *path, char *err, size_t err_cap)
{
	*buf = NULL;
	if (util_read_file(buf, len, path, MAX_JSON) != SJ_OK) {
		snprintf(err, err_cap, "cannot read %s", path);
		return SJ_EIO;
	}
	return SJ_OK;
}

/* Packs a message into a malloc'd buffer. */
#define PACK(fn, m, out, len)                                                  \
	do {                                                                   \
		*(len) = fn##__get_packed_size(m);                             \
		*(out) = malloc(*(len) ? *(len) : 1);                          \
		if (*(out) == NULL) {                                          \
			rc = SJ_ENOMEM;                                        \
			goto out;                                              \
		}                                                              \
		fn##__pack(m, *(out));                                         \
	} while (0)

static const char *const method_names[] = {"on-site", "documentary", "online"};

/* Copies j's error to err and maps a builder's outcome to its code. */
static int finish(const struct js *j, int rc, char *err, size_t err_cap)
{
	if (rc != SJ_OK && j->err[0])
		snprintf(err, err_cap, "%s", j->err);
	else if (rc == SJ_ENOMEM)
		snprintf(err, err_cap, "out of memory");
	return rc;
}

int planspec_items_json(uint8_t **out, size_t *len, struct planspec_info *info, const char *text,
			size_t text_len, const char *name, const char *agency, char *err,
			size_t err_cap)
{
	struct js j = {.file = name};
	Suiji__ItemList m = SUIJI__ITEM_LIST__INIT;
	Suiji__CheckItem *its = NULL, **pits = NULL;
	const cJSON *arr;
	cJSON *root = NULL;
	size_t n = 0;
	int rc = SJ_EIO;

	*out = NULL;
	if (parse_json(&root, &j, text, text_len) != 0)
		goto out;
	rc = SJ_EINVAL;
	m.agency = (char *)agency;
	if (u32(&j, root, "", "version", &m.version) ||
	    ratio(&j, root, "", "general_ratio_cap", &m.general_ratio_cap_num,
		  &m.general_ratio_cap_den) ||
	    (arr = array(&j, root, "", "items")) == NULL)
		goto out;
	n = (size_t)cJSON_GetArraySize(arr);
	its = calloc(n + 1, sizeof *its);
	pits = calloc(n + 1, sizeof *pits);
	if (its == NULL || pits == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *o = cJSON_GetArrayItem(arr, (int)i);
		Suiji__CheckItem *it = &its[i];
		const char *meth;
		char p[64];
		suiji__check_item__init(it);
		pits[i] = it;
		snprintf(p, sizeof p, "items[%zu].", i);
		if ((it->id = str(&j, o, p, "id", 1)) == NULL ||
		    (it->legal_basis = str(&j, o, p, "legal_basis", 0)) == NULL ||
		    (it->body = str(&j, o, p, "body", 1)) == NULL ||
		    (it->content = str(&j, o, p, "content", 1)) == NULL ||
		    (meth = str(&j, o, p, "method", 1)) == NULL ||
		    ratio(&j, o, p, "ratio", &it->ratio_num, &it->ratio_den) ||
		    (it->frequency = str(&j, o, p, "frequency", 1)) == NULL ||
		    boolean(&j, o, p, "key", &it->key))
			goto out;
		for (uint32_t k = 0; k < 3; k++)
			if (strcmp(meth, method_names[k]) == 0)
				it->method = k + 1;
		if (it->method == 0) {
			char q[80];
			snprintf(q, sizeof q, "%smethod", p);
			bad(&j, q, "is not on-site, documentary or online");
			goto out;
		}
	}
	m.items = pits;
	m.n_items = n;
	PACK(suiji__item_list, &m, out, len);
	snprintf(info->agency, sizeof info->agency, "%s", agency);
	snprintf(info->what, sizeof info->what, "item list version %u of %s, %zu items", m.version,
		 agency, n);
	rc = SJ_OK;
out:
	free(its);
	free(pits);
	cJSON_Delete(root);
	return finish(&j, rc, err, err_cap);
}

int planspec_plan_json(uint8_t **out, size_t *len, struct planspec_info *info, const char *text,
		       size_t text_len, const char *name, char *err, size_t err_cap)
{
	struct js j = {.file = name};
	Suiji__Plan m = SUIJI__PLAN__INIT;
	Suiji__PlanItem *its = NULL, **pits = NULL;
	Suiji__TaskStratum *st = NULL, **pst = NULL;
	const cJSON *arr;
	cJSON *root = NULL;
	size_t n = 0;
	int rc = SJ_EIO;

	*out = NULL;
	if (parse_json(&root, &j, text, text_len) != 0)
		goto out;
	rc = SJ_EINVAL;
	if ((m.agency = str(&j, root, "", "agency", 1)) == NULL ||
	    (m.plan_id = str(&j, root, "", "plan_id", 1)) == NULL ||
	    u32(&j, root, "", "year", &m.year) || u32(&j, root, "", "version", &m.version) ||
	    (m.scope = str(&j, root, "", "scope", 1)) == NULL ||
	    (m.scope_filter = str(&j, root, "", "scope_filter", 1)) == NULL ||
	    (m.timing = str(&j, root, "", "timing", 1)) == NULL ||
	    (m.name = str(&j, root, "", "name", 0)) == NULL ||
	    (arr = array(&j, root, "", "items")) == NULL)
		goto out;
	n = (size_t)cJSON_GetArraySize(arr);
	its = calloc(n + 1, sizeof *its);
	pits = calloc(n + 1, sizeof *pits);
	if (its == NULL || pits == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *o = cJSON_GetArrayItem(arr, (int)i);
		Suiji__PlanItem *it = &its[i];
		char p[64];
		suiji__plan_item__init(it);
		pits[i] = it;
		snprintf(p, sizeof p, "items[%zu].", i);
		if ((it->item_id = str(&j, o, p, "item", 1)) == NULL ||
		    ratio(&j, o, p, "ratio", &it->ratio_num, &it->ratio_den) ||
		    (it->frequency = str(&j, o, p, "frequency", 1)) == NULL)
			goto out;
	}
	m.items = pits;
	m.n_items = n;
	/* Optional: the least ratio per risk class (R7), the narrow-scope
	 * floor (R5, R6). */
	if (cJSON_GetObjectItemCaseSensitive(root, "narrow_scope_floor") &&
	    u32(&j, root, "", "narrow_scope_floor", &m.narrow_scope_floor))
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(root, "strata")) {
		if ((arr = array(&j, root, "", "strata")) == NULL)
			goto out;
		m.n_strata = (size_t)cJSON_GetArraySize(arr);
		if ((pst = calloc(m.n_strata + 1, sizeof *pst)) == NULL ||
		    (st = calloc(m.n_strata + 1, sizeof *st)) == NULL) {
			rc = SJ_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < m.n_strata; i++) {
			const cJSON *o = cJSON_GetArrayItem(arr, (int)i);
			char p[64];
			suiji__task_stratum__init(&st[i]);
			pst[i] = &st[i];
			snprintf(p, sizeof p, "strata[%zu].", i);
			if ((st[i].name = str(&j, o, p, "name", 1)) == NULL ||
			    ratio(&j, o, p, "ratio", &st[i].ratio_num, &st[i].ratio_den))
				goto out;
		}
		m.strata = pst;
	}
	PACK(suiji__plan, &m, out, len);
	snprintf(info->agency, sizeof info->agency, "%s", m.agency);
	snprintf(info->what, sizeof info->what,
		 "plan %s version %u of %s submitted for legal review", m.plan_id, m.version,
		 m.agency);
	rc = SJ_OK;
out:
	free(its);
	free(pits);
	free(st);
	free(pst);
	cJSON_Delete(root);
	return finish(&j, rc, err, err_cap);
}

int planspec_task_json(uint8_t **out, size_t *len, struct planspec_info *info, const char *text,
		       size_t text_len, const char *name, char *err, size_t err_cap)
{
	struct js j = {.file = name};
	Suiji__Task m = SUIJI__TASK__INIT;
	Suiji__TaskStratum *st = NULL, **pst = NULL;
	char **items = NULL, **members = NULL;
	const cJSON *ia, *sa, *ma;
	cJSON *root = NULL;
	size_t ni, ns, nm;
	int rc = SJ_EIO;

	*out = NULL;
	if (parse_json(&root, &j, text, text_len) != 0)
		goto out;
	rc = SJ_EINVAL;
	if ((m.agency = str(&j, root, "", "agency", 1)) == NULL ||
	    (m.task_id = str(&j, root, "", "task_id", 1)) == NULL ||
	    (m.plan_id = str(&j, root, "", "plan_id", 1)) == NULL ||
	    u32(&j, root, "", "plan_version", &m.plan_version) ||
	    (m.scope_filter = str(&j, root, "", "scope_filter", 1)) == NULL ||
	    (ia = array(&j, root, "", "items")) == NULL ||
	    (sa = array(&j, root, "", "strata")) == NULL ||
	    u32(&j, root, "", "team_size", &m.team_size) ||
	    (m.start_date = str(&j, root, "", "start_date", 1)) == NULL ||
	    (m.end_date = str(&j, root, "", "end_date", 1)) == NULL ||
	    boolean(&j, root, "", "targeted", &m.targeted) ||
	    boolean(&j, root, "", "joint", &m.joint) ||
	    (m.name = str(&j, root, "", "name", 0)) == NULL ||
	    (m.rounding = str(&j, root, "", "rounding", 0)) == NULL)
		goto out;
	ma = get(root, "members");
	if (ma != NULL && !cJSON_IsArray(ma)) {
		bad(&j, "members", "is not an array");
		goto out;
	}
	ni = (size_t)cJSON_GetArraySize(ia);
	ns = (size_t)cJSON_GetArraySize(sa);
	nm = ma ? (size_t)cJSON_GetArraySize(ma) : 0;
	items = calloc(ni + 1, sizeof *items);
	members = calloc(nm + 1, sizeof *members);
	st = calloc(ns + 1, sizeof *st);
	pst = calloc(ns + 1, sizeof *pst);
	if (items == NULL || members == NULL || st == NULL || pst == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ni + nm; i++) {
		const cJSON *v = i < ni ? cJSON_GetArrayItem(ia, (int)i)
					: cJSON_GetArrayItem(ma, (int)(i - ni));
		char p[64];
		snprintf(p, sizeof p, "%s[%zu]", i < ni ? "items" : "members",
			 i < ni ? i : i - ni);
		if (!cJSON_IsString(v)) {
			bad(&j, p, "is not a string");
			goto out;
		}
		if (i < ni)
			items[i] = v->valuestring;
		else
			members[i - ni] = v->valuestring;
	}
	for (size_t i = 0; i < ns; i++) {
		const cJSON *o = cJSON_GetArrayItem(sa, (int)i);
		char p[64];
		suiji__task_stratum__init(&st[i]);
		pst[i] = &st[i];
		snprintf(p, sizeof p, "strata[%zu].", i);
		if ((st[i].name = str(&j, o, p, "name", 1)) == NULL ||
		    ratio(&j, o, p, "ratio", &st[i].ratio_num, &st[i].ratio_den))
			goto out;
	}
	m.item_ids = items;
	m.n_item_ids = ni;
	m.strata = pst;
	m.n_strata = ns;
	m.members = members;
	m.n_members = nm;
	PACK(suiji__task, &m, out, len);
	snprintf(info->agency, sizeof info->agency, "%s", m.agency);
	snprintf(info->what, sizeof info->what, "task %s of %s from plan %s version %u", m.task_id,
		 m.agency, m.plan_id, m.plan_version);
	rc = SJ_OK;
out:
	free(items);
	free(members);
	free(st);
	free(pst);
	cJSON_Delete(root);
	return finish(&j, rc, err, err_cap);
}

int planspec_items(uint8_t **out, size_t *len, struct planspec_info *info, const char *path,
		   const char *agency, char *err, size_t err_cap)
{
	uint8_t *buf;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = read_spec(&buf, &n, path, err, err_cap)) != SJ_OK)
		return rc;
	rc = planspec_items_json(out, len, info, (const char *)buf, n, path, agency, err, err_cap);
	free(buf);
	return rc;
}

int planspec_plan(uint8_t **out, size_t *len, struct planspec_info *info, const char *path,
		  char *err, size_t err_cap)
{
	uint8_t *buf;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = read_spec(&buf, &n, path, err, err_cap)) != SJ_OK)
		return rc;
	rc = planspec_plan_json(out, len, info, (const char *)buf, n, path, err, err_cap);
	free(buf);
	return rc;
}

int planspec_task(uint8_t **out, size_t *len, struct planspec_info *info, const char *path,
		  char *err, size_t err_cap)
{
	uint8_t *buf;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = read_spec(&buf, &n, path, err, err_cap)) != SJ_OK)
		return rc;
	rc = planspec_task_json(out, len, info, (const char *)buf, n, path, err, err_cap);
	free(buf);
	return rc;
}

int planspec_step(uint8_t **out, size_t *len, struct planspec_info *info, uint32_t type,
		  const char *agency, const char *plan_id, const char *version, const char *reason,
		  char *err, size_t err_cap)
{
	Suiji__PlanStep m = SUIJI__PLAN_STEP__INIT;
	struct js j = {.file = "arguments"};
	unsigned long v;
	char *end;
	int rc;

	*out = NULL;
	v = strtoul(version, &end, 10);
	if (*end != '\0' || end == version || v == 0 || v > UINT32_MAX) {
		snprintf(err, err_cap, "VERSION \"%s\" is not a version number 1..", version);
		return SJ_EINVAL;
	}
	m.agency = (char *)agency;
	m.plan_id = (char *)plan_id;
	m.version = (uint32_t)v;
	m.approved = type == ENTRY_PLAN_REVIEW && reason == NULL;
	m.reason = (char *)(reason ? reason : "");
	PACK(suiji__plan_step, &m, out, len);
	snprintf(info->agency, sizeof info->agency, "%s", agency);
	snprintf(info->what, sizeof info->what, "plan %s version %lu of %s %s", plan_id, v, agency,
		 type == ENTRY_PLAN_REVIEW ? (reason ? "returned by legal review"
						     : "approved by legal review")
		 : type == ENTRY_PLAN_FILE ? "filed"
					   : "published");
	rc = SJ_OK;
out:
	return finish(&j, rc, err, err_cap);
}

int planspec_task_review(uint8_t **out, size_t *len, struct planspec_info *info,
			 const char *agency, const char *task_id, const char *return_reason,
			 const char *narrow_reason, char *err, size_t err_cap)
{
	Suiji__PlanStep m = SUIJI__PLAN_STEP__INIT;
	struct js j = {.file = "arguments"};
	int rc;

	*out = NULL;
	if (return_reason != NULL && narrow_reason != NULL) {
		snprintf(err, err_cap, "a returned task cannot have its narrow scope approved");
		return SJ_EINVAL;
	}
	m.agency = (char *)agency;
	m.plan_id = (char *)"";
	m.task_id = (char *)task_id;
	m.approved = return_reason == NULL;
	m.approve_narrow_scope = narrow_reason != NULL;
	m.reason = (char *)(return_reason ? return_reason : narrow_reason ? narrow_reason : "");
	PACK(suiji__plan_step, &m, out, len);
	snprintf(info->agency, sizeof info->agency, "%s", agency);
	snprintf(info->what, sizeof info->what, "task %s of %s %s", task_id, agency,
		 return_reason	 ? "returned by legal review"
		 : narrow_reason ? "approved by legal review, its narrow scope included"
				 : "approved by legal review");
	rc = SJ_OK;
out:
	return finish(&j, rc, err, err_cap);
}
