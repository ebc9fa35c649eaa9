/*
 * resultcmd.c: suijid calendar and result (resultcmd.h).
 *
 * A result step becomes a suiji.CheckResult entry; whether it may be taken
 * (by whom, in which state, with which content and deadline) is the
 * ledger's rule (ledger/policy.h, results/result.h), applied by the store
 * before it appends, so the command only reports the store's reason.
 */
#include "daemon/resultcmd.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/cmdutil.h"
#include "ledger/entry.h"
#include "ledger/policy.h"
#include "ledger/replay.h"
#include "ledger/store.h"
#include "results/calendar.h"
#include "results/result.h"

#include "proto/results.pb-c.h"

#define ERRLEN 1024
#define MAX_FILE (1024u * 1024u)

static int calendar_add(const char *dir, int argc, char **argv)
{
	int rc = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: suijid calendar add FILE...\n");
		return 2;
	}
	for (int i = 2; i < argc && rc == 0; i++) {
		Suiji__Calendar m = SUIJI__CALENDAR__INIT;
		uint8_t *buf = NULL, *payload;
		size_t len;
		struct calendar *c = NULL;
		char err[ERRLEN];
		const char *base = strrchr(argv[i], '/');
		if (util_read_file(&buf, &len, argv[i], CALENDAR_MAX_BYTES) != SJ_OK) {
			fprintf(stderr, "suijid: cannot read calendar %s\n", argv[i]);
			return 2;
		}
		/* Checked here too, so a bad file is named before the ledger. */
		if (calendar_new(&c) != SJ_OK) {
			free(buf);
			return 2;
		}
		if (calendar_parse(c, (const char *)buf, len, argv[i], err, sizeof err) != SJ_OK) {
			fprintf(stderr, "suijid: %s\n", err);
			calendar_free(c);
			free(buf);
			return 1;
		}
		calendar_free(c);
		m.name = (char *)(base ? base + 1 : argv[i]);
		m.text = (char *)buf;
		len = suiji__calendar__get_packed_size(&m);
		if ((payload = malloc(len)) == NULL) {
			free(buf);
			return 2;
		}
		suiji__calendar__pack(&m, payload);
		rc = cmdutil_append(dir, ENTRY_CALENDAR, "", payload, len, NULL, m.name);
		free(payload);
		free(buf);
	}
	return rc;
}

static const struct {
	const char *name;
	enum result_action action;
} actions[] = {
	{"enter", RESULT_ENTER},     {"review", RESULT_REVIEW},   {"return", RESULT_RETURN},
	{"amend", RESULT_AMEND},     {"publish", RESULT_PUBLISH}, {"follow", RESULT_FOLLOW},
	{"close", RESULT_CLOSE},     {"recheck", RESULT_RECHECK},
};

static const char *jstr(const cJSON *j, const char *k)
{
	const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, k) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* result ACTION [FILE.json] [--agency A] [--task-agency A] [--task T]
 *        [--object O] [--reason TEXT] [--key FILE] */
static int result_step(const char *dir, int argc, char **argv)
{
	Suiji__CheckResult m = SUIJI__CHECK_RESULT__INIT;
	cJSON *j = NULL;
	uint8_t *buf = NULL, *payload = NULL;
	char **items = NULL;
	uint32_t *cats = NULL;
	size_t len;
	char what[512];
	int rc = 2;

	m.action = 0;
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (argc >= 2 && strcmp(argv[1], actions[i].name) == 0)
			m.action = actions[i].action;
	if (m.action == 0) {
		fprintf(stderr, "usage: suijid result enter|review|return|amend|publish|follow|close|"
				"recheck [FILE.json] [--agency A] [--task-agency A] [--task T] "
				"[--object O] [--reason TEXT] [--key FILE]\n");
		return 2;
	}
	if (argc >= 3 && argv[2][0] != '-') {
		if (util_read_file(&buf, &len, argv[2], MAX_FILE) != SJ_OK) {
			fprintf(stderr, "suijid: cannot read %s\n", argv[2]);
			return 2;
		}
		j = cJSON_ParseWithLength((const char *)buf, len);
		if (j == NULL || !cJSON_IsObject(j)) {
			fprintf(stderr, "suijid: %s is not a JSON object\n", argv[2]);
			rc = 1;
			goto out;
		}
	}
	/* Options override the file. */
#define FIELD(dst, key, opt)                                                            \
	do {                                                                            \
		const char *v_ = cmdutil_arg(argc, argv, opt);                          \
		if (v_ == NULL)                                                         \
			v_ = jstr(j, key);                                              \
		dst = (char *)(v_ ? v_ : "");                                           \
	} while (0)
	FIELD(m.agency, "agency", "--agency");
	FIELD(m.task_agency, "task_agency", "--task-agency");
	FIELD(m.task_id, "task", "--task");
	FIELD(m.object, "object", "--object");
	FIELD(m.reason, "reason", "--reason");
	FIELD(m.check_date, "check_date", "--check-date");
	FIELD(m.check_end, "check_end", "--check-end");
	FIELD(m.account, "account", "--account");
	FIELD(m.handling, "handling", "--handling");
	FIELD(m.lab_date, "lab_date", "--lab-date");
#undef FIELD
	if (m.task_agency[0] == '\0')
		m.task_agency = m.agency;
	if (m.agency[0] == '\0' || m.task_id[0] == '\0' || m.object[0] == '\0') {
		fprintf(stderr, "suijid: a result step needs its agency, task and object\n");
		goto out;
	}
	m.lab_test = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "lab_test"));
	const cJSON *it = j ? cJSON_GetObjectItemCaseSensitive(j, "items") : NULL;
	if (it && cJSON_IsArray(it)) {
		int n = cJSON_GetArraySize(it);
		items = calloc((size_t)n + 1, sizeof *items);
		if (items == NULL)
			goto out;
		for (const cJSON *x = it->child; x; x = x->next)
			if (cJSON_IsString(x))
				items[m.n_items++] = x->valuestring;
		m.items = items;
	}
	const cJSON *ca = j ? cJSON_GetObjectItemCaseSensitive(j, "categories") : NULL;
	if (ca && cJSON_IsArray(ca)) {
		int n = cJSON_GetArraySize(ca);
		cats = calloc((size_t)n + 1, sizeof *cats);
		if (cats == NULL)
			goto out;
		for (const cJSON *x = ca->child; x; x = x->next) {
			enum result_category c;
			if (cJSON_IsNumber(x) && x->valuedouble >= 0) {
				cats[m.n_categories++] = (uint32_t)x->valuedouble;
			} else if (cJSON_IsString(x) &&
				   result_category_parse(&c, x->valuestring) == SJ_OK) {
				cats[m.n_categories++] = (uint32_t)c;
			} else {
				fprintf(stderr, "suijid: result category %s is not one of the "
						"categories of docs/results.md\n",
					cJSON_IsString(x) ? x->valuestring : "(not a string)");
				rc = 1;
				goto out;
			}
		}
		m.categories = cats;
	}
	len = suiji__check_result__get_packed_size(&m);
	if ((payload = malloc(len ? len : 1)) == NULL)
		goto out;
	suiji__check_result__pack(&m, payload);
	snprintf(what, sizeof what, "%s result of %s for %s in task %s", argv[1], m.agency,
		 m.object, m.task_id);
	rc = cmdutil_append(dir, ENTRY_RESULT, m.agency, payload, len,
			    cmdutil_arg(argc, argv, "--key"), what);
out:
	free(payload);
	free(items);
	free(cats);
	cJSON_Delete(j);
	free(buf);
	return rc;
}

/* results [--today YYYY-MM-DD]: every result, its state and deadline. */
static int results_list(const char *dir, int argc, char **argv)
{
	struct ledger_store *s = NULL;
	const char *t = cmdutil_arg(argc, argv, "--today");
	int32_t today = policy_day(util_now_us());
	int rc;
	if (t && calendar_date_parse(&today, t, strlen(t)) != SJ_OK) {
		fprintf(stderr, "suijid: --today %s is not a date YYYY-MM-DD\n", t);
		return 2;
	}
	if ((rc = cmdutil_open_store(&s, dir, LEDGER_STORE_READONLY)) != 0)
		return rc;
	const struct policy *p = replay_policy(ledger_store_replay(s));
	size_t n = policy_result_count(p);
	for (size_t i = 0; i < n; i++) {
		const char *ta;
		const struct result *r = policy_result_at(p, i, &ta);
		char due[CALENDAR_DATE_LEN + 1] = "-", why[200];
		int32_t d;
		int late = 0;
		if (result_due(&d, policy_calendar_get(p), r, why, sizeof why) == SJ_OK) {
			calendar_date_format(due, d);
			if (result_overdue(&late, policy_calendar_get(p), r, today, why,
					   sizeof why) != SJ_OK)
				late = 0;
		}
		printf("%s/%s %s  %s  %s  due %s%s\n", ta, r->task, r->object, r->agency,
		       result_state_name(r->state), due, late ? "  OVERDUE (R15)" : "");
	}
	if (n == 0)
		printf("no results yet\n");
	ledger_store_close(s);
	return 0;
}

int resultcmd_main(const char *dir, int argc, char **argv)
{
	if (strcmp(argv[0], "calendar") == 0 && argc >= 2 && strcmp(argv[1], "add") == 0)
		return calendar_add(dir, argc, argv);
	if (strcmp(argv[0], "result") == 0)
		return result_step(dir, argc, argv);
	if (strcmp(argv[0], "results") == 0)
		return results_list(dir, argc, argv);
	fprintf(stderr, "usage: suijid calendar add FILE... | result ACTION ... | results\n");
	return 2;
}
