/*
 * resultspec.c: a result step's payload from JSON and options
 * (resultspec.h). cJSON reads the file, as for every other spec file.
 */
#include "wire/resultspec.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "results/result.h"

#include "proto/results.pb-c.h"

#define MAX_FILE (1024u * 1024u)

#define BAD(...)                                                               \
	do {                                                                   \
		snprintf(err, err_cap, __VA_ARGS__);                           \
		rc = SJ_EINVAL;                                                \
		goto out;                                                      \
	} while (0)

static const struct {
	const char *name;
	enum result_action action;
} actions[] = {
	{"enter", RESULT_ENTER},     {"review", RESULT_REVIEW},   {"return", RESULT_RETURN},
	{"amend", RESULT_AMEND},     {"publish", RESULT_PUBLISH}, {"follow", RESULT_FOLLOW},
	{"close", RESULT_CLOSE},     {"recheck", RESULT_RECHECK},
};

/* Field k: an override, else the file's string, else "". */
static char *field(const cJSON *j, const char *k, const char *const *over, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(over[2 * i], k) == 0)
			return (char *)over[2 * i + 1];
	const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, k) : NULL;
	return cJSON_IsString(v) ? v->valuestring : (char *)"";
}

int resultspec_build(uint8_t **out, size_t *out_len, char *agency, char *what, size_t what_cap,
		     const char *action, const char *path, const char *const *over, size_t nover,
		     const char *default_agency, char *err, size_t err_cap)
{
	Suiji__CheckResult m = SUIJI__CHECK_RESULT__INIT;
	cJSON *j = NULL;
	uint8_t *buf = NULL;
	char **items = NULL;
	uint32_t *cats = NULL;
	size_t len;
	int rc = SJ_OK;

	*out = NULL;
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(action, actions[i].name) == 0)
			m.action = actions[i].action;
	if (m.action == 0)
		BAD("result action \"%s\" is not one of " RESULTSPEC_ACTIONS, action);
	if (path) {
		if (util_read_file(&buf, &len, path, MAX_FILE) != SJ_OK) {
			snprintf(err, err_cap, "cannot read %s", path);
			return SJ_EIO;
		}
		j = cJSON_ParseWithLength((const char *)buf, len);
		if (j == NULL || !cJSON_IsObject(j))
			BAD("%s is not a JSON object", path);
	}
	m.agency = field(j, "agency", over, nover);
	if (m.agency[0] == '\0' && default_agency)
		m.agency = (char *)default_agency;
	m.task_agency = field(j, "task_agency", over, nover);
	if (m.task_agency[0] == '\0')
		m.task_agency = m.agency;
	m.task_id = field(j, "task", over, nover);
	m.object = field(j, "object", over, nover);
	m.reason = field(j, "reason", over, nover);
	m.check_date = field(j, "check_date", over, nover);
	m.check_end = field(j, "check_end", over, nover);
	m.account = field(j, "account", over, nover);
	m.handling = field(j, "handling", over, nover);
	m.lab_date = field(j, "lab_date", over, nover);
	if (m.agency[0] == '\0' || m.task_id[0] == '\0' || m.object[0] == '\0')
		BAD("a result step needs its \"agency\", \"task\" and \"object\"");
	if (strlen(m.agency) > ENTRY_MAX_AGENCY)
		BAD("agency \"%.70s\" is longer than %d bytes", m.agency, ENTRY_MAX_AGENCY);
	m.lab_test = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "lab_test"));
	const cJSON *it = j ? cJSON_GetObjectItemCaseSensitive(j, "items") : NULL;
	if (it && !cJSON_IsArray(it))
		BAD("\"items\" must be a list of item ids");
	if (it) {
		items = calloc((size_t)cJSON_GetArraySize(it) + 1, sizeof *items);
		if (items == NULL) {
			rc = SJ_ENOMEM;
			goto out;
		}
		for (const cJSON *x = it->child; x; x = x->next) {
			if (!cJSON_IsString(x))
				BAD("\"items\" must be a list of item ids");
			items[m.n_items++] = x->valuestring;
		}
		m.items = items;
	}
	const cJSON *ca = j ? cJSON_GetObjectItemCaseSensitive(j, "categories") : NULL;
	if (ca && !cJSON_IsArray(ca))
		BAD("\"categories\" must be a list of result categories");
	if (ca) {
		cats = calloc((size_t)cJSON_GetArraySize(ca) + 1, sizeof *cats);
		if (cats == NULL) {
			rc = SJ_ENOMEM;
			goto out;
		}
		for (const cJSON *x = ca->child; x; x = x->next) {
			enum result_category c;
			if (cJSON_IsNumber(x) && x->valuedouble >= 0 && x->valuedouble < 64)
				cats[m.n_categories++] = (uint32_t)x->valuedouble;
			else if (cJSON_IsString(x) && result_category_parse(&c, x->valuestring) == SJ_OK)
				cats[m.n_categories++] = (uint32_t)c;
			else
				BAD("result category \"%s\" is not one of the categories of "
				    "docs/results.md (e.g. 未发现问题)",
				    cJSON_IsString(x) ? x->valuestring : "(not a string)");
		}
		m.categories = cats;
	}
	len = suiji__check_result__get_packed_size(&m);
	if ((*out = malloc(len ? len : 1)) == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	suiji__check_result__pack(&m, *out);
	*out_len = len;
	snprintf(agency, ENTRY_MAX_AGENCY + 1, "%s", m.agency);
	snprintf(what, what_cap, "%s result of %s for %s in task %s", action, m.agency, m.object,
		 m.task_id);
out:
	free(items);
	free(cats);
	cJSON_Delete(j);
	free(buf);
	return rc;
}
