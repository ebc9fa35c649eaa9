/*
 * resultcmd.c: suijid calendar and result (resultcmd.h).
 *
 * A result step becomes a suiji.CheckResult entry; whether it may be taken
 * (by whom, in which state, with which content and deadline) is the
 * ledger's rule (rules/policy.h, results/result.h), applied by the store
 * before it appends, so the command only reports the store's reason.
 */
#include "daemon/resultcmd.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/cmdutil.h"
#include "wire/resultspec.h"
#include "ledger/entry.h"
#include "rules/policy.h"
#include "rules/replay.h"
#include "ledger/store.h"
#include "rules/storeops.h"
#include "results/calendar.h"
#include "results/result.h"

#include "proto/results.pb-c.h"

#define ERRLEN 1024

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

/* result ACTION [FILE.json] [--agency A] [--task-agency A] [--task T]
 *        [--object O] [--reason TEXT] ... [--key FILE] */
static int result_step(const char *dir, int argc, char **argv)
{
	static const char *const opts[][2] = {
		{"--agency", "agency"},         {"--task-agency", "task_agency"},
		{"--task", "task"},             {"--object", "object"},
		{"--reason", "reason"},         {"--check-date", "check_date"},
		{"--check-end", "check_end"},   {"--account", "account"},
		{"--handling", "handling"},     {"--lab-date", "lab_date"},
	};
	const char *over[2 * (sizeof opts / sizeof opts[0])];
	size_t n = 0;
	uint8_t *payload = NULL;
	size_t len;
	char what[512], err[ERRLEN], agency[ENTRY_MAX_AGENCY + 1];
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: suijid result " RESULTSPEC_ACTIONS " [FILE.json] [--agency A] "
				"[--task-agency A] [--task T] [--object O] [--reason TEXT] [--key FILE]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (cmdutil_arg(argc, argv, opts[i][0])) {
			over[2 * n] = opts[i][1];
			over[2 * n + 1] = cmdutil_arg(argc, argv, opts[i][0]);
			n++;
		}
	rc = resultspec_build(&payload, &len, agency, what, sizeof what, argv[1],
			      argc >= 3 && argv[2][0] != '-' ? argv[2] : NULL, over, n, NULL, err,
			      sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	rc = cmdutil_append(dir, ENTRY_RESULT, agency, payload, len, cmdutil_arg(argc, argv, "--key"),
			    what);
	free(payload);
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
	const struct policy *p = replay_policy(storeops_replay(s));
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
