/*
 * test_results.c: the result record, its state machine, who may move it,
 * and its deadline (results/result.h; rules R15, R16, R19).
 */
#include "tests/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/calendar.h"
#include "results/result.h"

#define AMR     "lyg-amr" /* the checking agency */
#define ENV     "lyg-env" /* another agency */
#define JUSTICE "lyg-sfj" /* the justice bureau */

static int32_t day(const char *s)
{
	int32_t d = 0;
	if (calendar_date_parse(&d, s, strlen(s)) != SJ_OK) {
		fprintf(stderr, "test_results: bad date literal %s\n", s);
		abort();
	}
	return d;
}

static struct calendar *load_shipped(void)
{
	struct calendar *cal;

	if (calendar_new(&cal) != SJ_OK)
		return NULL;
	if (calendar_load_dir(cal, "results/calendar", NULL, 0) != SJ_OK) {
		calendar_free(cal);
		return NULL;
	}
	return cal;
}

/* A result of a check of one enterprise on 2025-01-20 with one problem. */
static void fill(struct result *r)
{
	result_init(r);
	snprintf(r->agency, sizeof r->agency, "%s", AMR);
	snprintf(r->task, sizeof r->task, "LYG-AMR-2025-T01");
	snprintf(r->object, sizeof r->object, "91330100799655058B");
	r->check_date = r->check_end = day("2025-01-20");
	snprintf(r->items[0], sizeof r->items[0], "SJ-AMR-001");
	snprintf(r->items[1], sizeof r->items[1], "SJ-AMR-007");
	r->n_items = 2;
	snprintf(r->account, sizeof r->account, "年报未公示社保信息。");
	r->categories = RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED);
	snprintf(r->handling, sizeof r->handling, "责令限期补报。");
}

static struct result_step step(enum result_action a, enum result_role role, const char *agency,
                               const char *id, const char *date, const char *reason)
{
	struct result_step s;

	memset(&s, 0, sizeof s);
	s.action = a;
	s.actor.role = role;
	s.actor.agency = agency;
	s.actor.id = id;
	s.day = day(date);
	s.reason = reason;
	return s;
}

static int apply(struct result *r, enum result_action a, enum result_role role, const char *agency,
                 const char *id, const char *date, const char *reason, char *err, size_t cap)
{
	struct result_step s = step(a, role, agency, id, date, reason);
	return result_apply(r, &s, err, cap);
}

#define OP  RESULT_ROLE_OPERATOR
#define REV RESULT_ROLE_REVIEWER
#define SUP RESULT_ROLE_SUPERVISOR

TEST(results_happy_path,
     "a result goes entered, reviewed, published and closed by the right people")
{
	struct result r;
	char err[256];

	fill(&r);
	CHECK_INT(r.state, ==, RESULT_NOT_ENTERED);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.state, ==, RESULT_ENTERED);
	CHECK(strcmp(r.entered_by, "op-1") == 0);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.state, ==, RESULT_REVIEWED);
	CHECK(apply(&r, RESULT_PUBLISH, OP, AMR, "op-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.state, ==, RESULT_PUBLISHED);
	CHECK_INT(r.published_on, ==, day("2025-01-23"));
	CHECK_INT(r.followup, ==, RESULT_FOLLOWUP_NONE);
	CHECK(apply(&r, RESULT_CLOSE, OP, AMR, "op-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.state, ==, RESULT_CLOSED);
	CHECK(strcmp(result_state_label(r.state), "已办结") == 0);
}

TEST(results_out_of_order,
     "publishing before review is refused with a clear error and changes nothing")
{
	struct result r, before;
	char err[256] = "";

	fill(&r);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	before = r;
	CHECK(apply(&r, RESULT_PUBLISH, OP, AMR, "op-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK_STR_HAS(err, "cannot publish a result that is entered");
	CHECK_STR_HAS(err, "legal review");
	CHECK(memcmp(&r, &before, sizeof r) == 0);
	/* A second enter, a close before publication, and amend without return. */
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK(apply(&r, RESULT_CLOSE, OP, AMR, "op-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK(apply(&r, RESULT_AMEND, OP, AMR, "op-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK(apply(&r, RESULT_RECHECK, SUP, JUSTICE, "sup-1", "2025-01-22", "x", err,
	            sizeof err) == SJ_EINVAL);
	CHECK(memcmp(&r, &before, sizeof r) == 0);
}

TEST(results_next_table, "result_next allows exactly the transitions of the table in result.h")
{
	/* want[from][action]: the state reached, or -1 when refused. */
	static const int want[6][9] = {
	    /*                  -   ENTER REVIEW RETURN AMEND PUBLISH FOLLOW CLOSE RECHECK */
	    [RESULT_NOT_ENTERED] = {-1, RESULT_ENTERED, -1, -1, -1, -1, -1, -1, -1},
	    [RESULT_ENTERED] = {-1, -1, RESULT_REVIEWED, RESULT_RETURNED, -1, -1, -1, -1, -1},
	    [RESULT_RETURNED] = {-1, -1, -1, -1, RESULT_ENTERED, -1, -1, -1, -1},
	    [RESULT_REVIEWED] = {-1, -1, -1, -1, -1, RESULT_PUBLISHED, -1, -1, -1},
	    [RESULT_PUBLISHED] = {-1, -1, -1, -1, -1, -1, RESULT_PUBLISHED, RESULT_CLOSED,
	                          RESULT_RETURNED},
	    [RESULT_CLOSED] = {-1, -1, -1, -1, -1, -1, -1, -1, RESULT_RETURNED},
	};
	enum result_state to;

	for (int from = 0; from < 6; from++) {
		for (int a = 0; a < 9; a++) {
			int rc = result_next(&to, (enum result_state)from, (enum result_action)a);
			if (want[from][a] < 0) {
				CHECK_INT(rc, ==, SJ_EINVAL);
			} else {
				CHECK_INT(rc, ==, SJ_OK);
				CHECK_INT(to, ==, want[from][a]);
			}
		}
	}
}

TEST(results_who_may,
     "only the checking agency enters, its own reviewer reviews, the justice bureau re-checks")
{
	static const enum result_action op_actions[] = {RESULT_ENTER, RESULT_AMEND, RESULT_PUBLISH,
	                                                RESULT_FOLLOW, RESULT_CLOSE};
	static const enum result_action rev_actions[] = {RESULT_REVIEW, RESULT_RETURN};
	static const enum result_role roles[] = {OP, REV, SUP};

	for (size_t i = 0; i < sizeof op_actions / sizeof op_actions[0]; i++) {
		for (size_t k = 0; k < 3; k++) {
			int ok = roles[k] == OP;
			CHECK_INT(result_may(op_actions[i], roles[k], AMR, AMR), ==,
			          ok ? SJ_OK : SJ_EPERM);
			CHECK_INT(result_may(op_actions[i], roles[k], ENV, AMR), ==, SJ_EPERM);
		}
	}
	for (size_t i = 0; i < sizeof rev_actions / sizeof rev_actions[0]; i++) {
		for (size_t k = 0; k < 3; k++) {
			int ok = roles[k] == REV;
			CHECK_INT(result_may(rev_actions[i], roles[k], AMR, AMR), ==,
			          ok ? SJ_OK : SJ_EPERM);
			CHECK_INT(result_may(rev_actions[i], roles[k], ENV, AMR), ==, SJ_EPERM);
		}
	}
	CHECK_INT(result_may(RESULT_RECHECK, SUP, JUSTICE, AMR), ==, SJ_OK);
	CHECK_INT(result_may(RESULT_RECHECK, SUP, JUSTICE, ENV), ==, SJ_OK);
	CHECK_INT(result_may(RESULT_RECHECK, OP, AMR, AMR), ==, SJ_EPERM);
	CHECK_INT(result_may(RESULT_RECHECK, REV, AMR, AMR), ==, SJ_EPERM);
	/* No agency is never the same agency. */
	CHECK_INT(result_may(RESULT_ENTER, OP, "", ""), ==, SJ_EPERM);
	CHECK_INT(result_may(RESULT_ENTER, OP, NULL, AMR), ==, SJ_EPERM);
	CHECK_INT(result_may((enum result_action)99, OP, AMR, AMR), ==, SJ_EINVAL);
	CHECK_INT(result_may(RESULT_ENTER, (enum result_role)99, AMR, AMR), ==, SJ_EINVAL);
}

TEST(results_other_agency_refused,
     "an operator of another agency may not enter a result (谁检查、谁录入)")
{
	struct result r, before;
	char err[256] = "";

	fill(&r);
	before = r;
	CHECK(apply(&r, RESULT_ENTER, OP, ENV, "op-9", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_EPERM);
	CHECK_STR_HAS(err, ENV);
	CHECK_STR_HAS(err, AMR);
	CHECK(memcmp(&r, &before, sizeof r) == 0);
	CHECK(apply(&r, RESULT_ENTER, REV, AMR, "rev-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_EPERM);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	/* A reviewer of another agency may not review it. */
	CHECK(apply(&r, RESULT_REVIEW, REV, ENV, "rev-9", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EPERM);
}

TEST(results_four_eyes, "a reviewer may not approve a result they entered themselves")
{
	struct result r;
	char err[256] = "";

	fill(&r);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "zhang", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "zhang", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EPERM);
	CHECK_STR_HAS(err, "second person");
	CHECK_INT(r.state, ==, RESULT_ENTERED);
}

TEST(results_return_and_amend,
     "a returned result goes back with its reason and is reviewed again after amendment")
{
	struct result r;
	char err[256] = "";

	fill(&r);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_RETURN, REV, AMR, "rev-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK_STR_HAS(err, "reason");
	CHECK(apply(&r, RESULT_RETURN, REV, AMR, "rev-1", "2025-01-22", "事项编号有误", err,
	            sizeof err) == SJ_OK);
	CHECK_INT(r.state, ==, RESULT_RETURNED);
	CHECK(strcmp(r.reason, "事项编号有误") == 0);
	CHECK_INT(r.returns, ==, 1);
	/* Returned is not reviewable: it must be amended first. */
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	snprintf(r.items[1], sizeof r.items[1], "SJ-AMR-008");
	CHECK(apply(&r, RESULT_AMEND, OP, AMR, "op-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.state, ==, RESULT_ENTERED);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.state, ==, RESULT_REVIEWED);
}

TEST(results_recheck,
     "the justice bureau may re-check a published result, which returns it to its agency")
{
	struct result r;
	char err[256] = "";

	fill(&r);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_PUBLISH, OP, AMR, "op-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_RECHECK, OP, AMR, "op-1", "2025-02-03", "x", err, sizeof err) ==
	      SJ_EPERM);
	CHECK(apply(&r, RESULT_RECHECK, SUP, JUSTICE, "sup-1", "2025-02-10", "结果分类不当", err,
	            sizeof err) == SJ_OK);
	CHECK_INT(r.state, ==, RESULT_RETURNED);
	CHECK_INT(r.returns, ==, 1);
	/* The first publication date stays: timeliness is judged on it. */
	CHECK_INT(r.published_on, ==, day("2025-01-23"));
	r.categories = RESULT_CAT_BIT(RESULT_CAT_CORRECTED);
	CHECK(apply(&r, RESULT_AMEND, OP, AMR, "op-1", "2025-02-11", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-02-11", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_PUBLISH, OP, AMR, "op-1", "2025-02-12", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.published_on, ==, day("2025-01-23"));
}

TEST(results_follow_up, "发现问题待后续处理 opens a follow-up at publication, which close ends")
{
	struct result r;
	char err[256] = "";

	fill(&r);
	r.categories |= RESULT_CAT_BIT(RESULT_CAT_PENDING);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_PUBLISH, OP, AMR, "op-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.followup, ==, RESULT_FOLLOWUP_OPEN);
	CHECK(apply(&r, RESULT_FOLLOW, OP, AMR, "op-1", "2025-02-10", "已立案", err, sizeof err) ==
	      SJ_OK);
	CHECK(strcmp(r.note, "已立案") == 0);
	CHECK_INT(r.state, ==, RESULT_PUBLISHED);
	CHECK(apply(&r, RESULT_CLOSE, OP, AMR, "op-1", "2025-03-10", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK_INT(r.followup, ==, RESULT_FOLLOWUP_DONE);
	CHECK_INT(r.state, ==, RESULT_CLOSED);
	CHECK(apply(&r, RESULT_FOLLOW, OP, AMR, "op-1", "2025-03-11", "x", err, sizeof err) ==
	      SJ_EINVAL);

	/* Without 发现问题待后续处理 there is no follow-up to note. */
	fill(&r);
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_PUBLISH, OP, AMR, "op-1", "2025-01-23", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_FOLLOW, OP, AMR, "op-1", "2025-02-10", "x", err, sizeof err) ==
	      SJ_EINVAL);
	CHECK_STR_HAS(err, "no follow-up");
}

TEST(results_dates_in_order,
     "a step dated before the last step, or an entry before the check ended, is refused")
{
	struct result r;
	char err[256] = "";

	fill(&r);
	r.check_end = day("2025-01-22");
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK_STR_HAS(err, "after the check ends");
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-22", NULL, err, sizeof err) ==
	      SJ_OK);
	CHECK(apply(&r, RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK_STR_HAS(err, "before the last step");
	struct result_step s = step(RESULT_REVIEW, REV, AMR, "rev-1", "2025-01-23", NULL);
	s.day = RESULT_NO_DATE;
	CHECK(result_apply(&r, &s, err, sizeof err) == SJ_EINVAL);
	CHECK_INT(r.state, ==, RESULT_ENTERED);
}

TEST(results_validate, "a result's content is refused when R16's fields are missing or contradict")
{
	struct result r;
	char err[256] = "";

	fill(&r);
	CHECK(result_validate(&r, err, sizeof err) == SJ_OK);

	fill(&r);
	r.categories = 0;
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "categories");

	fill(&r);
	r.categories |= RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND);
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "未发现问题");

	fill(&r);
	r.categories = 1u << RESULT_CAT_COUNT;
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);

	fill(&r);
	r.handling[0] = '\0';
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "handling");
	r.categories = RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND);
	CHECK(result_validate(&r, err, sizeof err) == SJ_OK);

	fill(&r);
	r.n_items = 0;
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "items");

	fill(&r);
	r.check_end = r.check_date - 1;
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);

	fill(&r);
	r.account[0] = '\0';
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "account");

	fill(&r);
	memset(r.task, 'x', sizeof r.task); /* no terminating NUL */
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);

	fill(&r);
	snprintf(r.object, sizeof r.object, "a\x01");
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL);

	fill(&r);
	r.lab_date = day("2025-01-25");
	CHECK(result_validate(&r, err, sizeof err) == SJ_EINVAL); /* lab date without lab test */
	r.lab_test = 1;
	CHECK(result_validate(&r, err, sizeof err) == SJ_OK);

	/* An invalid result cannot be entered at all. */
	fill(&r);
	r.categories = 0;
	CHECK(apply(&r, RESULT_ENTER, OP, AMR, "op-1", "2025-01-21", NULL, err, sizeof err) ==
	      SJ_EINVAL);
	CHECK_INT(r.state, ==, RESULT_NOT_ENTERED);
}

TEST(results_labels, "every category has its Chinese label, and labels parse back")
{
	enum result_category c;

	CHECK(strcmp(result_category_label(RESULT_CAT_NONE_FOUND), "未发现问题") == 0);
	CHECK(strcmp(result_category_label(RESULT_CAT_UNREACHABLE),
	             "通过登记的住所（经营场所）无法联系") == 0);
	for (unsigned i = 0; i < RESULT_CAT_COUNT; i++) {
		const char *l = result_category_label((enum result_category)i);
		CHECK(l != NULL && l[0] != '\0');
		CHECK(result_category_parse(&c, l) == SJ_OK);
		CHECK_INT(c, ==, i);
	}
	CHECK(result_category_label(RESULT_CAT_COUNT) == NULL);
	CHECK(result_category_parse(&c, "问题") == SJ_ENOENT);
	CHECK(strcmp(result_state_label(RESULT_ENTERED), "待审核") == 0);
	CHECK(strcmp(result_followup_label(RESULT_FOLLOWUP_OPEN), "后续处理中") == 0);
}

TEST(results_due_twenty_days, "a result is due 20 working days after the check ends")
{
	struct calendar *cal = load_shipped();
	struct result r;
	int32_t due;
	char err[256];

	CHECK(cal != NULL);
	fill(&r);
	r.check_date = day("2025-09-18");
	r.check_end = day("2025-09-20");
	CHECK(result_due(&due, cal, &r, err, sizeof err) == SJ_OK);
	CHECK_INT(due, ==, day("2025-10-23"));
	fill(&r);
	r.check_date = r.check_end = day("2025-12-20");
	CHECK(result_due(&due, cal, &r, err, sizeof err) == SJ_OK);
	CHECK_INT(due, ==, day("2026-01-19"));
	calendar_free(cal);
}

TEST(results_due_lab_test, "a lab-tested result is due 5 working days after the objection period, "
                           "and has no due day before it is known")
{
	struct calendar *cal = load_shipped();
	struct result r;
	int32_t due = 42;
	int late = 7;
	char err[256] = "";

	CHECK(cal != NULL);
	fill(&r);
	r.lab_test = 1;
	CHECK(result_due(&due, cal, &r, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, "objection period");
	CHECK_INT(due, ==, 42);
	CHECK(result_overdue(&late, cal, &r, day("2025-12-31"), err, sizeof err) == SJ_ENOENT);
	CHECK_INT(late, ==, 7);
	r.lab_date = day("2025-09-30");
	CHECK(result_due(&due, cal, &r, err, sizeof err) == SJ_OK);
	CHECK_INT(due, ==, day("2025-10-14"));
	calendar_free(cal);
}

TEST(results_overdue,
     "a result is overdue when today is past its due day unpublished, or it was published late")
{
	struct calendar *cal = load_shipped();
	struct result r;
	int late = -1;
	char err[256];

	CHECK(cal != NULL);
	fill(&r); /* check ended 2025-01-20, due 2025-02-21 */
	CHECK(result_overdue(&late, cal, &r, day("2025-02-21"), err, sizeof err) == SJ_OK);
	CHECK_INT(late, ==, 0);
	CHECK(result_overdue(&late, cal, &r, day("2025-02-22"), err, sizeof err) == SJ_OK);
	CHECK_INT(late, ==, 1);
	r.published_on = day("2025-02-21");
	CHECK(result_overdue(&late, cal, &r, day("2025-06-01"), err, sizeof err) == SJ_OK);
	CHECK_INT(late, ==, 0);
	r.published_on = day("2025-02-24");
	CHECK(result_overdue(&late, cal, &r, day("2025-02-24"), err, sizeof err) == SJ_OK);
	CHECK_INT(late, ==, 1);
	calendar_free(cal);
}

TEST(results_due_needs_calendar,
     "a result whose due day would fall in 2027 gets an error naming 2027")
{
	struct calendar *cal = load_shipped();
	struct result r;
	int32_t due;
	char err[256] = "";

	CHECK(cal != NULL);
	fill(&r);
	r.check_date = r.check_end = day("2026-12-15");
	CHECK(result_due(&due, cal, &r, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, "2027");
	calendar_free(cal);
}
