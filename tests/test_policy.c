/*
 * test_policy.c: the policy's rules through the real binaries, on the
 * sample city of scripts/city.sh (60 businesses): each test is named by
 * the rule it proves (rules/policy.h, docs/policy.md), and each rule the
 * daemon enforces has a twin that breaks it, either refused by the store
 * or, appended past the store's rules as a daemon that skips its own
 * checks would, reported by the verifier with the rule's number.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/drawop.h"
#include "wire/drawspec.h"
#include "ledger/entry.h"
#include "rules/policy.h"
#include "results/calendar.h"
#include "tests/city.h"
#include "tests/fixture.h"
#include "tests/harness.h"
#include "rules/storeops.h"

TEST(policy_r9_superior_checks_exclude,
     "R9: an object the superior agency checked twice this year is excluded from the city "
     "regulator's draw as 'superior', and is never drawn")
{
	struct city c;
	uint64_t a, b, d;
	char id[64], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	/* The provincial regulator draws all of its directory twice. */
	CHECK_INT(city_task_draw(&c, "jsscjg", "js-2026-a", "\"officer_tags\": [\"food\"]", &a, NULL), ==, 0);
	CHECK_INT(city_task_draw(&c, "jsscjg", "js-2026-b", "\"officer_tags\": [\"food\"]", &b, NULL), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", "scjg-2026-food", "\"officer_tags\": [\"food\"]", &d, NULL),
		  ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL);
	for (int line = 1; city_csv_id(&c, "objects-jsscjg.csv", line, id, sizeof id) == 0; line++) {
		int rc = city_run(&c, &out, "$B/suiji-verify check-entity data/ledger.db --id %s", id);
		int ok = rc == 0 && city_pick_line(draw, id) == NULL &&
			 strstr(out, "EXCLUDED, not eligible (superior: 2 checks in 2026, cap 2)");
		if (!ok)
			printf("    %s: %s\n", id, out);
		free(out);
		if (!ok) {
			free(draw);
			CHECK(0);
		}
	}
	free(draw);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R9  ok");
	free(out);
}

TEST(policy_r9_forgery_refused_and_reported,
     "R9: a draw that keeps objects at the cap in its pool is refused by the store, and "
     "appended past the store the verifier fails it naming R9")
{
	struct city c;
	uint64_t a, b;
	char *out = NULL, err[512];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "jsscjg", "js-2026-a", "\"officer_tags\": [\"food\"]", &a, NULL), ==, 0);
	CHECK_INT(city_task_draw(&c, "jsscjg", "js-2026-b", "\"officer_tags\": [\"food\"]", &b, NULL), ==, 0);
	CHECK_INT(city_prepare(&c, "f9", "scjg-2026-food"), ==, 0);
	/* The prepared spec with its exclusions for the superior's checks
	 * dropped: those objects would be drawable again. */
	cJSON *j = city_spec_load(&c, "f9"), *x;
	CHECK(j != NULL);
	int dropped = 0;
	cJSON *ex = cJSON_GetObjectItem(j, "exclusions");
	for (x = ex ? ex->child : NULL; x;) {
		cJSON *next = x->next;
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "reason")), "superior") == 0) {
			cJSON_Delete(cJSON_DetachItemViaPointer(ex, x));
			dropped++;
		}
		x = next;
	}
	CHECK_INT(dropped, >=, 1);
	cJSON_ReplaceItemInObject(j, "request_id", cJSON_CreateString("f9-forged"));
	CHECK_INT(city_spec_save(&c, "f9", "bad.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f9/bad.json"), ==, 1);
	CHECK_STR_HAS(out, "R9: object");
	CHECK_STR_HAS(out, "must be excluded (superior: 2 checks in 2026, cap 2)");
	free(out);
	/* The twin: as prepared, the draw is accepted (with --dry-run of a
	 * copy, since a task has one regular draw and the forgery below is
	 * the task's draw). */
	CHECK_INT(city_run(&c, NULL, "cp -r data data-twin"), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data-twin draw request data/draws/f9/spec.json"),
		  ==, 0);
	free(out);
	/* Past the store: the verifier names the rule. */
	CHECK_INT(city_raw_request(&c, "data/draws/f9/bad.json", "scjg", err, sizeof err), ==, SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R9: object");
	CHECK_STR_HAS(out, "R9  VIOLATED");
	free(out);
}

TEST(policy_r12_conflicted_officer_never_assigned,
     "R12: every object with a declared conflict is drawn (ratio 1/1), and the conflicted "
     "officer is in none of their teams; a draw without the conflicts is refused")
{
	struct city c;
	uint64_t d;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_put(&c, "task-all.json",
		      "{\"agency\": \"scjg\", \"task_id\": \"all\", \"plan_id\": \"scjg-2026\","
		      " \"plan_version\": 1, \"scope_filter\": \"category=食品销售\","
		      " \"items\": [\"food-safety\"], \"strata\": [{\"name\": \"A\", \"ratio\": \"1/1\"},"
		      " {\"name\": \"B\", \"ratio\": \"1/1\"}, {\"name\": \"C\", \"ratio\": \"1/1\"},"
		      " {\"name\": \"D\", \"ratio\": \"1/1\"}], \"team_size\": 2,"
		      " \"start_date\": \"2026-09-01\", \"end_date\": \"2026-12-31\","
		      " \"targeted\": true, \"joint\": false}"),
		  ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data task create task-all.json --key op.key && "
				 "$B/suijid -d data task review scjg all --approve --narrow-scope "
				 "全部食品销售者纳入 --key legal.key"),
		  ==, 0);
	/* The twin, before the task's one draw: the same draw without its
	 * conflicts is refused (R12). */
	CHECK_INT(city_prepare(&c, "f12", "all"), ==, 0);
	cJSON *j = city_spec_load(&c, "f12");
	CHECK(j != NULL);
	cJSON_DeleteItemFromObject(j, "conflicts");
	CHECK_INT(city_spec_save(&c, "f12", "bad.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f12/bad.json"), ==, 1);
	CHECK_STR_HAS(out, "R12: the conflict of interest declared between officer");
	free(out);
	CHECK_INT(city_task_draw(&c, "scjg", "all", "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL);
	int seen = 0, bad = 0;
	for (int line = 1;; line++) {
		char row[256], path[800];
		snprintf(path, sizeof path, "%s/conflicts-scjg.csv", c.dir);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			break;
		int got = 0;
		for (int i = 0; i <= line && fgets(row, sizeof row, f); i++)
			got = i == line;
		fclose(f);
		if (!got)
			break;
		char *obj = strchr(row, ',') + 1, *person = strchr(obj, ',') + 1;
		*strchr(obj, ',') = '\0';
		*strchr(person, ',') = '\0';
		const char *l = city_pick_line(draw, obj);
		if (l == NULL)
			continue; /* excluded (deregistered) or outside the scope */
		seen++;
		const char *eol = strchr(l, '\n');
		const char *hit = strstr(l, person);
		if (hit && (!eol || hit < eol)) {
			printf("    %s is in the team of %s\n", person, obj);
			bad++;
		}
	}
	free(draw);
	CHECK_INT(seen, >=, 3);
	CHECK_INT(bad, ==, 0);
}

TEST(policy_r11_teams_of_two,
     "R11: every team of a task draw has at least two officers, and a task draw asking for "
     "teams of one is refused")
{
	struct city c;
	uint64_t d;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", "scjg-2026-food", "\"team_size\": 1", &d, &out), ==, 1);
	CHECK_STR_HAS(out, "R11");
	free(out);
	CHECK_INT(city_task_draw(&c, "scjg", "scjg-2026-food", "\"officer_tags\": [\"law\"]", &d, NULL),
		  ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL);
	int teams = 0, short_ = 0;
	for (const char *p = strstr(draw, " officers "); p; p = strstr(p + 1, " officers ")) {
		const char *eol = strchr(p, '\n');
		int n = 0;
		for (const char *q = p + 10; q < eol; q++)
			n += (q[0] == 'S' && q[1] == 'C');
		teams++;
		short_ += n < 2;
	}
	free(draw);
	CHECK_INT(teams, >=, 1);
	CHECK_INT(short_, ==, 0);
}

TEST(policy_r4_r5_unreviewed_plan_unusable,
     "R4, R5: a plan that skipped legal review cannot be filed or published, and no task "
     "can be drawn up from it")
{
	struct city c;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_run(&c, NULL, "sed -e 's/scjg-2026/scjg-2026-x/' \"$ROOT/scripts/city/plan-scjg.json\" "
				"> p.json && $B/suijid -d data plan submit p.json --key op.key"),
		  ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data plan file scjg scjg-2026-x 1 --key sup.key"), ==, 1);
	CHECK_STR_HAS(out, "approved by legal review");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data plan publish scjg scjg-2026-x 1 --key op.key"), ==,
		  1);
	free(out);
	CHECK_INT(city_run(&c, &out, "sed -e 's/\"plan_id\": \"scjg-2026\"/\"plan_id\": \"scjg-2026-x\"/' "
				"-e 's/scjg-2026-food/t-x/' \"$ROOT/scripts/city/task-scjg-food.json\" "
				"> t.json && $B/suijid -d data task create t.json --key op.key"),
		  ==, 1);
	CHECK_STR_HAS(out, "(R5)");
	free(out);
}

TEST(policy_r15_late_result_flagged,
     "R15: a result published after its 20 working days is flagged overdue by suijid results "
     "and in the verifier's findings, and the ledger still verifies")
{
	struct city c;
	uint64_t d;
	char id[64], *out = NULL;
	CHECK_INT(city_with_draw(&c, "scjg-2026-food", &d, id, sizeof id), ==, 0);
	/* Ended 2026-10-09: due 2026-11-05 (the 20th working day after it;
	 * Saturday 10-10 is a make-up working day), published later. */
	CHECK_INT(city_result(&c, "scjg", "op", "legal", "scjg-2026-food", id, "2026-10-08",
			 "2026-10-09", NULL),
		  ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data results"), ==, 0);
	if (strstr(out, "due 2026-11-05  OVERDUE (R15)") == NULL)
		printf("    %s", out);
	CHECK_STR_HAS(out, "due 2026-11-05  OVERDUE (R15)");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R15 1 result, 1 overdue");
	free(out);
	/* The twin: a result whose deadline is not past is not flagged. That
	 * needs a check ending now, in a year the calendar holds. */
	int32_t today = policy_day(util_now_us());
	char end[16];
	calendar_date_format(end, today - 1);
	if (strncmp(end, "2026-", 5) != 0 || strcmp(end, "2026-12-01") > 0) {
		/* The late result was checked above; only its twin waits. */
		printf("    (the on-time twin needs a day in 2026 before December; not run)\n");
		return;
	}
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL);
	const char *second = strstr(draw, "\n   2. ");
	CHECK(second != NULL);
	snprintf(id, sizeof id, "%.*s", (int)strcspn(second + 7, " "), second + 7);
	free(draw);
	CHECK_INT(city_result(&c, "scjg", "op", "legal", "scjg-2026-food", id, end, end, NULL), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R15 2 results, 1 overdue");
	free(out);
}

TEST(policy_r14_joint_publishes_once,
     "R14: a joint check's officers come from each member's directory, and its public record "
     "appears once, after every member agency has published its own result")
{
	struct city c;
	uint64_t d;
	char id[64], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", "scjg-hbj-2026-building", "\"officer_tags\": [\"law\"]", &d,
			    NULL),
		  ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL && city_first_pick(draw, id, sizeof id) == 0);
	CHECK_STR_HAS(draw, "officers hbj: HB");
	CHECK_STR_HAS(draw, "; scjg: SC");
	free(draw);
	CHECK_INT(city_result(&c, "scjg", "op", "legal", "scjg-hbj-2026-building", id, "2026-11-20",
			 "2026-11-20", NULL),
		  ==, 0);
	CHECK_INT(city_run(&c, &out, "mkdir -p pub && $B/suiji-verify data/ledger.db --publish pub -q && "
				"cat pub/results.csv"),
		  ==, 0);
	CHECK(strstr(out, id) == NULL);
	free(out);
	CHECK_INT(city_result(&c, "hbj", "hbop", "hblegal", "scjg-hbj-2026-building", id, "2026-11-20",
			 "2026-11-20", NULL),
		  ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --publish pub -q && "
				"grep -c %s pub/results.csv && cat pub/results.csv",
		      id),
		  ==, 0);
	CHECK(strncmp(out, "1\n", 2) == 0);
	CHECK_STR_HAS(out, "连云港市市场监督管理局；连云港市生态环境局");
	/* Nothing personal is published (R17): no phone, no address. */
	CHECK(strstr(out, "0518-") == NULL && strstr(out, "示例路") == NULL);
	free(out);
}

TEST(policy_r16_who_checks_enters,
     "R16: an agency outside the task may not enter a result, an operator may not review one, "
     "and a result for an object the task never drew is refused")
{
	struct city c;
	uint64_t d;
	char id[64], *out = NULL;
	CHECK_INT(city_with_draw(&c, "scjg-2026-food", &d, id, sizeof id), ==, 0);
	CHECK_INT(city_result(&c, "hbj", "hbop", "hblegal", "scjg-2026-food", id, "2026-11-20",
			 "2026-11-20", &out),
		  ==, 1);
	CHECK_STR_HAS(out, "R16: agency hbj is not an agency of task scjg-2026-food");
	free(out);
	CHECK_INT(city_result(&c, "scjg", "op", "op", "scjg-2026-food", id, "2026-11-20", "2026-11-20",
			 &out),
		  ==, 1);
	CHECK_STR_HAS(out, "may not review");
	free(out);
	/* An object of the agency's directory that this draw did not pick
	 * (the draw is random, so the test looks it up rather than naming
	 * one that a draw may happen to pick). */
	char *draw = city_printed(&c, d), undrawn[64] = "";
	CHECK(draw != NULL);
	for (int line = 1; undrawn[0] == '\0' &&
			   city_csv_id(&c, "objects-scjg.csv", line, id, sizeof id) == 0;
	     line++)
		if (city_pick_line(draw, id) == NULL)
			snprintf(undrawn, sizeof undrawn, "%s", id);
	free(draw);
	CHECK(undrawn[0] != '\0');
	CHECK_INT(city_result(&c, "scjg", "op", "legal", "scjg-2026-food", undrawn, "2026-11-20",
			      "2026-11-20", &out),
		  ==, 1);
	CHECK_STR_HAS(out, "R6");
	free(out);
}

TEST(policy_r6_pool_forgery_reported,
     "R6: a draw whose pool leaves out an object of the task's scope is refused, and appended "
     "past the store it fails the verifier naming R6 and the object")
{
	struct city c;
	char id[64], *out = NULL, err[512];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_prepare(&c, "f6", "scjg-2026-food"), ==, 0);
	CHECK_INT(city_csv_id(&c, "data/draws/f6/objects.csv", 2, id, sizeof id), ==, 0);
	/* Drop the second object from the pool file. */
	CHECK_INT(city_run(&c, NULL, "sed -i '3d' data/draws/f6/objects.csv"), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f6/spec.json"), ==, 1);
	CHECK_STR_HAS(out, "R6: object");
	free(out);
	CHECK_INT(city_raw_request(&c, "data/draws/f6/spec.json", "scjg", err, sizeof err), ==, SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R6: object");
	CHECK_STR_HAS(out, id);
	CHECK_STR_HAS(out, "R6  VIOLATED");
	free(out);
}

TEST(policy_r7_ratio_forgery_refused,
     "R7: a draw that samples a stratum at another ratio, or rounds otherwise, than its task "
     "says is refused naming R7, and a complaint's stratum must be drawn whole (R10)")
{
	struct city c;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_prepare(&c, "f7", "scjg-2026-food"), ==, 0);
	cJSON *j = city_spec_load(&c, "f7");
	CHECK(j != NULL && city_spec_rule(j, "A") != NULL);
	cJSON_ReplaceItemInObject(city_spec_rule(j, "A"), "ratio", cJSON_CreateString("1/2"));
	CHECK_INT(city_spec_save(&c, "f7", "bad.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f7/bad.json"), ==, 1);
	CHECK_STR_HAS(out, "R7: stratum A is drawn at 1/2; task scjg-2026-food sets the ratio 1/50");
	free(out);
	j = city_spec_load(&c, "f7");
	CHECK(j != NULL && city_spec_rule(j, "key") != NULL);
	cJSON_ReplaceItemInObject(city_spec_rule(j, "key"), "ratio", cJSON_CreateString("1/2"));
	CHECK_INT(city_spec_save(&c, "f7", "bad2.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f7/bad2.json"), ==, 1);
	CHECK_STR_HAS(out, "R10: stratum key");
	free(out);
	j = city_spec_load(&c, "f7");
	CHECK(j != NULL);
	cJSON_ReplaceItemInObject(j, "rounding", cJSON_CreateString("floor"));
	CHECK_INT(city_spec_save(&c, "f7", "bad3.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f7/bad3.json"), ==, 1);
	CHECK_STR_HAS(out, "R7: the draw rounds ratios to counts otherwise than task");
	free(out);
	/* The twin: as prepared, the draw is accepted. */
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/f7/spec.json"), ==, 0);
	free(out);
}

/* The steps over RPC, in a function of their own so that the daemon is
 * stopped however a check ends. */
static void results_over_rpc(const struct city *c, const char *conn, const char *id)
{
	char json[1024], *out = NULL;
	snprintf(json, sizeof json,
		 "{\"task\": \"scjg-2026-food\", \"object\": \"%s\", \"check_date\": "
		 "\"2026-11-16\", \"check_end\": \"2026-11-18\", \"items\": [\"food-safety\"], "
		 "\"account\": \"checked\", \"categories\": [\"发现问题待后续处理\"], "
		 "\"handling\": \"责令限期改正\"}",
		 id);
	CHECK_INT(city_put(c, "r.json", json), ==, 0);
	snprintf(json, sizeof json, "{\"agency\": \"scjg\", \"task\": \"scjg-2026-food\", "
				    "\"object\": \"%s\"}",
		 id);
	CHECK_INT(city_put(c, "rs.json", json), ==, 0);
	/* The auditor's key may not act on results at all. */
	CHECK(city_run(c, &out, "$B/suiji result enter r.json %s -k audit.key", conn) != 0);
	CHECK_STR_HAS(out, "FORBIDDEN");
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji result enter r.json %s -k op.key", conn), ==, 0);
	CHECK_STR_HAS(out, "enter result of scjg for");
	free(out);
	/* The operator who entered it may not approve it (R16). */
	CHECK_INT(city_run(c, &out, "$B/suiji result review r.json %s -k op.key", conn), ==, 1);
	CHECK_STR_HAS(out, "R16");
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji result review r.json %s -k legal.key", conn), ==, 0);
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji result publish r.json %s -k op.key", conn), ==, 0);
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji result follow r.json --reason 已复查整改 %s -k op.key", conn),
		  ==, 0);
	free(out);
	/* The justice bureau re-checks it (R19): the result's agency is in
	 * the file, the entry is the bureau's own. */
	CHECK_INT(city_run(c, &out, "$B/suiji result recheck rs.json --reason 抽查复核 %s -k sup.key", conn),
		  ==, 0);
	free(out);
	/* A re-check draw (复查, R19) by the justice bureau: its pools are
	 * derived from the ledger (every published result of the scope, the
	 * bureau's officers) and requested with the supervisor's key. */
	CHECK_INT(city_put(c, "recheck.json",
			   "{\"request_id\": \"rc1\", \"agency\": \"sfj\", \"scope\": "
			   "{\"agency\": \"scjg\", \"year\": 2026}, \"team_size\": 2, "
			   "\"beacons\": [{\"source\": \"pub\", \"round\": 0}]}"),
		  ==, 0);
	CHECK_INT(city_run(c, &out, "$B/suijid -d data draw recheck recheck.json"), ==, 0);
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji draw-request data/draws/rc1/spec.json %s -k sup.key",
			   conn),
		  ==, 0);
	free(out);
	/* The twin: an object with no published result. */
	CHECK_INT(city_run(c, &out,
			   "printf 'id,stratum\\n91320700200000005A,recheck\\n' > "
			   "data/draws/rc1/objects.csv && sed -i 's/rc1/rc2/' data/draws/rc1/spec.json && "
			   "$B/suiji draw-request data/draws/rc1/spec.json %s -k sup.key",
			   conn),
		  ==, 1);
	CHECK_STR_HAS(out, "R19: re-check draw recheck:scjg:2026 pools object 91320700200000005A");
	free(out);
}

TEST(policy_r16_results_over_rpc,
     "R16, R19 over RPC: the checking agency's operator enters and publishes, its legal reviewer "
     "approves, the justice bureau re-checks it and draws a re-check among published results "
     "only; an auditor is refused, and the verifier agrees")
{
	struct city c;
	uint64_t d;
	char id[64], conn[300], *out = NULL;
	CHECK_INT(city_with_draw(&c, "scjg-2026-food", &d, id, sizeof id), ==, 0);
	CHECK_INT(city_daemon_up(&c, conn, sizeof conn), ==, 0);
	results_over_rpc(&c, conn, id);
	city_daemon_down(&c);
	if (harness_failed())
		return;
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data results"), ==, 0);
	CHECK_STR_HAS(out, "returned");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "1 result re-checked by the justice bureau");
	free(out);
}

TEST(policy_r17_public_records_hold_no_personal_data,
     "R17: the public records list plans, tasks and draws with their drawn objects but no "
     "officer; a plan whose text holds a phone number stops the publication, naming the file")
{
	struct city c;
	uint64_t d;
	char id[64], *out = NULL;
	CHECK_INT(city_with_draw(&c, "scjg-2026-food", &d, id, sizeof id), ==, 0);
	CHECK_INT(city_run(&c, &out, "mkdir -p pub && $B/suiji-verify data/ledger.db --publish pub -q && "
				"cat pub/draws.json pub/tasks.json pub/plans.json pub/items.json"),
		  ==, 0);
	CHECK_STR_HAS(out, id);
	CHECK_STR_HAS(out, "\"randomness\"");
	CHECK_STR_HAS(out, "2026年食品经营者双随机抽查");
	CHECK_STR_HAS(out, "《食品安全法》第八十七条");
	CHECK(strstr(out, "SC00") == NULL && strstr(out, "EX0") == NULL);
	free(out);
	/* The twin: a plan adjustment whose scope gives a phone number. */
	CHECK_INT(city_run(&c, &out, "sed -e 's/\"version\": 1/\"version\": 2/' -e "
				"'s/全市市场主体/全市市场主体（咨询电话 13912345678）/' "
				"\"$ROOT/scripts/city/plan-scjg.json\" > p2.json && "
				"$B/suijid -d data plan submit p2.json --key op.key && "
				"$B/suiji-verify data/ledger.db --publish pub -q"),
		  ==, 1);
	CHECK_STR_HAS(out, "not published: plans.json field \"scope\" holds what looks like a mobile");
	free(out);
}

TEST(policy_r14_separate_tasks_offered_for_merging,
     "R14: an object drawn by two agencies' separate tasks for overlapping periods is found "
     "and offered for one joint visit in the verifier's findings; tasks apart in time are not")
{
	struct city c;
	uint64_t d;
	char id[64], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	/* The environment bureau supervises the same businesses and draws
	 * all of its food shops in the autumn. */
	CHECK_INT(city_put(&c, "plan-hbj.json",
		      "{\"agency\": \"hbj\", \"plan_id\": \"hbj-2026\", \"year\": 2026, \"version\": 1,"
		      " \"scope\": \"全市\", \"scope_filter\": \"all\", \"timing\": \"全年\","
		      " \"items\": [{\"item\": \"emissions\", \"ratio\": \"1/10\", \"frequency\": \"1\"}]}"),
		  ==, 0);
	CHECK_INT(city_put(&c, "task-hbj.json",
		      "{\"agency\": \"hbj\", \"task_id\": \"hbj-autumn\", \"plan_id\": \"hbj-2026\","
		      " \"plan_version\": 1, \"scope_filter\": \"category=食品销售\","
		      " \"items\": [\"emissions\"], \"strata\": [{\"name\": \"A\", \"ratio\": \"1/1\"},"
		      " {\"name\": \"B\", \"ratio\": \"1/1\"}, {\"name\": \"C\", \"ratio\": \"1/1\"},"
		      " {\"name\": \"D\", \"ratio\": \"1/1\"}], \"team_size\": 2,"
		      " \"start_date\": \"2026-10-01\", \"end_date\": \"2026-11-30\","
		      " \"targeted\": true, \"joint\": false}"),
		  ==, 0);
	CHECK_INT(city_run(&c, &out, "sed 's/,scjg$/,hbj/' objects-scjg.csv > objects-hbj.csv && "
				"$B/suijid -d data import objects objects-hbj.csv --agency hbj && "
				"$B/suijid -d data plan submit plan-hbj.json --key hbop.key && "
				"$B/suijid -d data plan review hbj hbj-2026 1 --approve --key hblegal.key && "
				"$B/suijid -d data plan file hbj hbj-2026 1 --key sup.key && "
				"$B/suijid -d data plan publish hbj hbj-2026 1 --key hbop.key && "
				"$B/suijid -d data task create task-hbj.json --key hbop.key && "
				"$B/suijid -d data task review hbj hbj-autumn --approve --narrow-scope "
				"秋季专项 --key hblegal.key"),
		  ==, 0);
	free(out);
	CHECK_INT(city_task_draw(&c, "hbj", "hbj-autumn", "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	/* The provincial regulator's spring task draws some of the same shops,
	 * but months apart: no overlap. */
	CHECK_INT(city_task_draw(&c, "jsscjg", "js-2026-a", "\"officer_tags\": [\"food\"]", &d, NULL), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R14 0 objects drawn by several agencies' separate tasks");
	free(out);
	CHECK_INT(city_task_draw(&c, "scjg", "scjg-2026-food", "\"officer_tags\": [\"law\"]", &d, NULL),
		  ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL && city_first_pick(draw, id, sizeof id) == 0);
	free(draw);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "(merge them into one joint visit); first: ");
	CHECK_STR_HAS(out, "hbj task hbj-autumn (2026-10-01..2026-11-30)");
	free(out);
}
