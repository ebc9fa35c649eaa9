/*
 * test_results_publish.c: the public record of a check and its CSV and
 * JSON forms (results/publish.h; rules R14, R17 and DOMAIN.md "Privacy").
 *
 * Fixtures: the valid and invalid USCCs of DOMAIN.md "Reference facts";
 * the ID number 11010519491231002X is GB 11643's own example; the other
 * phone and ID numbers are made up in the shapes people write them.
 */
#include "tests/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/calendar.h"
#include "results/publish.h"
#include "results/result.h"

#define AMR "lyg-amr"
#define ENV "lyg-env"

/* Personal data as it turns up in free text. None may reach the output. */
static const char *const pii[] = {
    "13912345678",        "139 1234 5678",      "+86 139-1234-5678",
    "8613912345678",      "0518-85821234",      "(0518)85821234",
    "（0518）85821234",   "010-62345678",       "１３９１２３４５６７８",
    "139－1234－5678",    "11010519491231002X", "320705198803157713",
    "32070519880315771x", "320705880315771",
};

/* Things that look numeric but are not personal, and must not be flagged. */
static const char *const not_pii[] = {
    "914403001922038216",
    "9144030071526726XG",
    "91440300708461136T",
    "91330100799655058B",
    "91110108558521630L",
    "91350100M000100Y43",
    "92320706MA1XAB3C06",
    "2025-01-20",
    "2025-01-20 2025-02-21",
    "20250120",
    "连市监随机〔2025〕3号",
    "LYG-AMR-2025-T01",
    "注册资本1000000元",
    "320700000012345",
    "12345678901",
    "2025年1月20日",
    "第139号",
    "BOX-2025-0120",
};

/* Other personal details of the fixtures: names, address, certificate. */
static const char *const private_words[] = {"李四",   "王五",           "赵六",  "海州区朝阳路1号",
                                            "执法证", "32070019990001", "身份证"};

static int32_t day(const char *s)
{
	int32_t d = 0;
	if (calendar_date_parse(&d, s, strlen(s)) != SJ_OK) {
		fprintf(stderr, "test_results_publish: bad date literal %s\n", s);
		abort();
	}
	return d;
}

static const struct publish_agency amr_only[] = {{AMR, "连云港市市场监督管理局"}};
static const struct publish_agency joint[] = {{AMR, "连云港市市场监督管理局"},
                                              {ENV, "连云港市生态环境局"}};

static struct publish_task task_of(const struct publish_agency *a, size_t n)
{
	struct publish_task t = {
	    .plan_no = "LYG-AMR-2025-P01",
	    .plan_name = "2025年度双随机抽查计划",
	    .task_no = "LYG-AMR-2025-T01",
	    .task_name = "企业公示信息抽查",
	    .type = PUBLISH_TYPE_DIRECTED,
	    .agencies = a,
	    .n_agencies = n,
	};
	return t;
}

static const struct publish_object company = {"连云港某某贸易有限公司", "91330100799655058B"};

/*
 * A published result of agency on 2025-01-20 whose every free text is full
 * of personal data: the account names the legal representative with his ID
 * and phone numbers and address, the actors are officers' names and
 * certificate numbers, the reason and the note hold phone numbers too.
 */
static void published(struct result *r, const char *agency, uint32_t categories)
{
	result_init(r);
	snprintf(r->agency, sizeof r->agency, "%s", agency);
	snprintf(r->task, sizeof r->task, "LYG-AMR-2025-T01");
	snprintf(r->object, sizeof r->object, "%s", company.uscc);
	r->check_date = r->check_end = day("2025-01-20");
	snprintf(r->items[0], sizeof r->items[0], "SJ-001");
	r->n_items = 1;
	snprintf(r->account, sizeof r->account,
	         "法定代表人李四（身份证11010519491231002X，手机13912345678，住海州区朝阳路1号）"
	         "称年报漏报；联系人王五 0518-85821234。");
	snprintf(r->handling, sizeof r->handling, "责令改正，联系人赵六 139 1234 5678。");
	snprintf(r->reason, sizeof r->reason, "补充李四身份证320705198803157713");
	snprintf(r->note, sizeof r->note, "电话＋86 １３９１２３４５６７８");
	snprintf(r->entered_by, sizeof r->entered_by, "王五 执法证32070019990001");
	snprintf(r->reviewed_by, sizeof r->reviewed_by, "赵六");
	r->categories = categories;
	r->state = RESULT_PUBLISHED;
	r->published_on = r->last_on = day("2025-01-23");
	r->followup = (categories & RESULT_CAT_BIT(RESULT_CAT_PENDING)) ? RESULT_FOLLOWUP_OPEN
	                                                                : RESULT_FOLLOWUP_NONE;
}

/* ---- USCC ---- */

TEST(publish_uscc, "USCCs are checked as GB 32100 says, with DOMAIN.md's valid and invalid codes")
{
	static const char *const good[] = {
	    "914403001922038216", "9144030071526726XG", "91440300708461136T", "91330100799655058B",
	    "91110108558521630L", "91350100M000100Y43", "92320706MA1XAB3C06"};
	static const char *const bad[] = {
	    "91350100M000100Y4Z", "914403001922038217",  "91330100799655058b",
	    "9133010079965505",   "91330100799655058B0", "91O30100799655058B",
	    "913301I0799655058B", "91A30100799655058B",  ""};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(publish_uscc_ok(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!publish_uscc_ok(bad[i]));
	CHECK(!publish_uscc_ok(NULL));
}

/* ---- Scanner ---- */

TEST(publish_scan_finds_pii,
     "the scanner finds every fixture phone and ID number, bare or inside Chinese text")
{
	char text[256];
	struct publish_hit h;

	for (size_t i = 0; i < sizeof pii / sizeof pii[0]; i++) {
		CHECK(publish_scan(pii[i], strlen(pii[i]), &h) == 1);
		snprintf(text, sizeof text, "联系电话：%s，谢谢", pii[i]);
		if (publish_scan(text, strlen(text), &h) != 1)
			printf("    missed: %s\n", text);
		CHECK(publish_scan(text, strlen(text), &h) == 1);
		CHECK(h.kind != PUBLISH_PII_NONE);
		CHECK(h.offset >= strlen("联系电话："));
		CHECK(h.offset + h.len <= strlen(text));
	}
	CHECK(publish_scan("a 13912345678 b", 15, &h) == 1);
	CHECK_INT(h.kind, ==, PUBLISH_PII_MOBILE);
	CHECK_INT(h.offset, ==, 2);
	CHECK_INT(h.len, ==, 11);
	CHECK(publish_scan("11010519491231002X", 18, &h) == 1);
	CHECK_INT(h.kind, ==, PUBLISH_PII_ID);
	CHECK(publish_scan("0518-85821234", 13, &h) == 1);
	CHECK_INT(h.kind, ==, PUBLISH_PII_LANDLINE);
	CHECK(publish_scan("BOX13912345678", 14, &h) == 1);
}

TEST(publish_scan_spares_public_numbers,
     "USCCs, dates and plan numbers are not mistaken for personal numbers")
{
	struct publish_hit h;

	for (size_t i = 0; i < sizeof not_pii / sizeof not_pii[0]; i++) {
		if (publish_scan(not_pii[i], strlen(not_pii[i]), &h) != 0)
			printf("    flagged: %s as %s\n", not_pii[i], publish_pii_name(h.kind));
		CHECK(publish_scan(not_pii[i], strlen(not_pii[i]), &h) == 0);
	}
	/* Longer digit runs are not phone numbers: 12 digits from 1. */
	CHECK(publish_scan("139123456789", 12, &h) == 0);
	/* A scan stops at len. */
	CHECK(publish_scan("13912345678", 10, &h) == 0);
}

/* ---- Building ---- */

TEST(publish_single_agency,
     "the public record of a single-agency check holds exactly the public fields")
{
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec;
	char err[256];

	published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	CHECK(publish_build(&rec, &company, &t, rs, 1, err, sizeof err) == SJ_OK);
	CHECK(strcmp(rec.name, company.name) == 0);
	CHECK(strcmp(rec.uscc, company.uscc) == 0);
	CHECK(strcmp(rec.task_no, "LYG-AMR-2025-T01") == 0);
	CHECK_INT(rec.n_agencies, ==, 1);
	CHECK(strcmp(rec.agencies[0], "连云港市市场监督管理局") == 0);
	CHECK_INT(rec.date, ==, day("2025-01-20"));
	CHECK_INT(rec.categories, ==, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	CHECK_INT(rec.followup, ==, RESULT_FOLLOWUP_NONE);
}

TEST(publish_csv_golden,
     "the CSV has the credit publicity system's columns and one CRLF row per record")
{
	static const char want[] =
	    "企业名称,统一社会信用代码,抽查计划编号,抽查计划名称,抽查任务编号,抽查任务名称,"
	    "检查实施机关,类型,日期,结果,后续处理\r\n"
	    "连云港某某贸易有限公司,91330100799655058B,LYG-AMR-2025-P01,2025年度双随机抽查计划,"
	    "LYG-AMR-2025-T01,企业公示信息抽查,连云港市市场监督管理局；连云港市生态环境局,定向抽查,"
	    "2025-01-20,未按规定公示应当公示的信息；发现问题待后续处理,后续处理中\r\n";
	struct result a, e;
	const struct result *rs[2] = {&e, &a};
	struct publish_task t = task_of(joint, 2);
	struct publish_record rec;
	char err[256], *out = NULL;
	size_t len;

	published(&a, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	published(&e, ENV, RESULT_CAT_BIT(RESULT_CAT_PENDING));
	CHECK(publish_build(&rec, &company, &t, rs, 2, err, sizeof err) == SJ_OK);
	CHECK(publish_csv(&out, &len, &rec, 1, err, sizeof err) == SJ_OK);
	if (strcmp(out, want) != 0)
		printf("    got:\n%s", out);
	CHECK(strcmp(out, want) == 0);
	CHECK_INT(len, ==, strlen(want));
	free(out);
}

TEST(publish_json_golden,
     "the JSON uses the same column names as keys, with arrays for agencies and results")
{
	static const char want[] =
	    "[\n{\"企业名称\":\"张三\",\"统一社会信用代码\":\"92320706MA1XAB3C06\","
	    "\"抽查计划编号\":\"LYG-AMR-2025-P01\",\"抽查计划名称\":\"2025年度双随机抽查计划\","
	    "\"抽查任务编号\":\"LYG-AMR-2025-T01\",\"抽查任务名称\":\"企业公示信息抽查\","
	    "\"检查实施机关\":[\"连云港市市场监督管理局\"],\"类型\":\"定向抽查\","
	    "\"日期\":\"2025-01-20\",\"结果\":[\"未发现问题\"],\"后续处理\":\"无需后续处理\"}\n]\n";
	/* A sole proprietor registered under a person's name: published as registered. */
	static const struct publish_object person = {"张三", "92320706MA1XAB3C06"};
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec;
	char err[256], *out = NULL;
	size_t len;

	published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND));
	snprintf(r.object, sizeof r.object, "%s", person.uscc);
	CHECK(publish_build(&rec, &person, &t, rs, 1, err, sizeof err) == SJ_OK);
	CHECK(publish_json(&out, &len, &rec, 1, err, sizeof err) == SJ_OK);
	if (strcmp(out, want) != 0)
		printf("    got:\n%s", out);
	CHECK(strcmp(out, want) == 0);
	free(out);
	CHECK(publish_json(&out, &len, NULL, 0, err, sizeof err) == SJ_OK);
	CHECK(strcmp(out, "[]\n") == 0);
	free(out);
}

TEST(publish_joint_check,
     "a joint check is published once, with every member's result, all agencies and one date")
{
	struct result a, e;
	const struct result *both[2] = {&a, &e};
	const struct result *only[1] = {&a};
	const struct result *twice[2] = {&a, &a};
	struct publish_task t = task_of(joint, 2);
	struct publish_record rec;
	char err[256] = "";

	published(&a, AMR, RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND));
	published(&e, ENV, RESULT_CAT_BIT(RESULT_CAT_CORRECTED));
	CHECK(publish_build(&rec, &company, &t, both, 2, err, sizeof err) == SJ_OK);
	CHECK_INT(rec.n_agencies, ==, 2);
	CHECK(strcmp(rec.agencies[0], "连云港市市场监督管理局") == 0);
	CHECK(strcmp(rec.agencies[1], "连云港市生态环境局") == 0);
	/* 未发现问题 by one agency does not stand beside another's finding. */
	CHECK_INT(rec.categories, ==, RESULT_CAT_BIT(RESULT_CAT_CORRECTED));

	CHECK(publish_build(&rec, &company, &t, only, 1, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, ENV);
	CHECK(publish_build(&rec, &company, &t, twice, 2, err, sizeof err) == SJ_EINVAL);

	e.check_date = day("2025-01-21");
	CHECK(publish_build(&rec, &company, &t, both, 2, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "R14");
	e.check_date = a.check_date;

	e.state = RESULT_REVIEWED;
	CHECK(publish_build(&rec, &company, &t, both, 2, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "reviewed");
	e.state = RESULT_CLOSED;
	e.followup = RESULT_FOLLOWUP_DONE;
	CHECK(publish_build(&rec, &company, &t, both, 2, err, sizeof err) == SJ_OK);
	CHECK_INT(rec.followup, ==, RESULT_FOLLOWUP_DONE);

	snprintf(e.object, sizeof e.object, "914403001922038216");
	CHECK(publish_build(&rec, &company, &t, both, 2, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "another object");
}

TEST(publish_refuses_unpublished, "a result that is only entered or reviewed never goes public")
{
	static const enum result_state states[] = {RESULT_NOT_ENTERED, RESULT_ENTERED,
	                                           RESULT_RETURNED, RESULT_REVIEWED};
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec;
	char err[256];

	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND));
		r.state = states[i];
		CHECK(publish_build(&rec, &company, &t, rs, 1, err, sizeof err) == SJ_EINVAL);
		CHECK_STR_HAS(err, "R17");
	}
}

/* ---- Privacy ---- */

/* 1 when text holds no personal data: nothing the scanner finds and none
 * of the fixture strings, looked for literally. */
static int clean(const char *text)
{
	if (publish_scan(text, strlen(text), NULL))
		return 0;
	for (size_t i = 0; i < sizeof pii / sizeof pii[0]; i++)
		if (strstr(text, pii[i]) != NULL)
			return 0;
	for (size_t i = 0; i < sizeof private_words / sizeof private_words[0]; i++)
		if (strstr(text, private_words[i]) != NULL)
			return 0;
	return 1;
}

TEST(publish_withholds_pii, "CSV and JSON of results full of personal data hold no phone number, "
                            "ID number, name or address")
{
	struct result a, e;
	const struct result *rs[2] = {&a, &e};
	struct publish_task t = task_of(joint, 2);
	struct publish_record recs[2];
	char err[256], *csv = NULL, *json = NULL;
	size_t len;

	published(&a, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	published(&e, ENV,
	          RESULT_CAT_BIT(RESULT_CAT_PENDING) | RESULT_CAT_BIT(RESULT_CAT_UNREACHABLE));
	CHECK(publish_build(&recs[0], &company, &t, rs, 2, err, sizeof err) == SJ_OK);
	t = task_of(amr_only, 1);
	CHECK(publish_build(&recs[1], &company, &t, rs, 1, err, sizeof err) == SJ_OK);
	CHECK(publish_csv(&csv, &len, recs, 2, err, sizeof err) == SJ_OK);
	CHECK(publish_json(&json, &len, recs, 2, err, sizeof err) == SJ_OK);
	/* The fixtures really are in the inputs, so the test can fail. */
	CHECK(!clean(a.account) && !clean(a.handling) && !clean(a.reason) && !clean(a.note) &&
	      !clean(a.entered_by));
	if (!clean(csv) || !clean(json))
		printf("    leaked:\n%s\n%s\n", csv, json);
	CHECK(clean(csv));
	CHECK(clean(json));
	CHECK_STR_HAS(csv, "通过登记的住所（经营场所）无法联系");
	free(csv);
	free(json);
}

/* A formatter that, against the rules, adds the result's account to each
 * row: the leak the scanner exists to catch. */
static char *leaky_csv(const struct publish_record *rec, const struct result *r)
{
	char *out = NULL, *leak;
	size_t len;

	if (publish_csv(&out, &len, rec, 1, NULL, 0) != SJ_OK)
		return NULL;
	leak = malloc(len + strlen(r->account) + 2);
	if (leak != NULL)
		sprintf(leak, "%s%s\n", out, r->account);
	free(out);
	return leak;
}

TEST(publish_leak_is_caught, "a deliberately leaky formatter is caught by the same scanner")
{
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec;
	struct publish_hit h;
	char err[256], *out;

	published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	CHECK(publish_build(&rec, &company, &t, rs, 1, err, sizeof err) == SJ_OK);
	out = leaky_csv(&rec, &r);
	CHECK(out != NULL);
	CHECK(!clean(out));
	CHECK(publish_scan(out, strlen(out), &h) == 1);
	CHECK_INT(h.kind, ==, PUBLISH_PII_ID);
	free(out);
}

TEST(publish_refuses_pii_in_fields,
     "a record whose published fields hold a phone or ID number is refused, naming the column")
{
	static const struct publish_object leaky = {"某某五金店13912345678", "91330100799655058B"};
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec;
	char err[256] = "", *out = (char *)"untouched";
	size_t len = 99;

	published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	CHECK(publish_build(&rec, &leaky, &t, rs, 1, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "企业名称");
	CHECK_STR_HAS(err, "mobile");

	t.task_name = "回访（联系人身份证11010519491231002X）";
	CHECK(publish_build(&rec, &company, &t, rs, 1, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "抽查任务名称");

	/* A record made by hand is checked by the writers too; nothing is written. */
	t = task_of(amr_only, 1);
	CHECK(publish_build(&rec, &company, &t, rs, 1, err, sizeof err) == SJ_OK);
	rec.plan_name = "计划 0518-85821234";
	CHECK(publish_csv(&out, &len, &rec, 1, err, sizeof err) == SJ_EINVAL);
	CHECK(out == NULL);
	CHECK_STR_HAS(err, "抽查计划名称");
	CHECK_STR_HAS(err, "landline");
	CHECK(publish_json(&out, &len, &rec, 1, err, sizeof err) == SJ_EINVAL);
	CHECK(out == NULL);
}

TEST(publish_field_rules, "formula starts, bad USCCs, control bytes and unknown values are refused")
{
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec, bad;
	char err[256] = "";

	published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	CHECK(publish_build(&rec, &company, &t, rs, 1, err, sizeof err) == SJ_OK);
	CHECK(publish_check(&rec, err, sizeof err) == SJ_OK);

	bad = rec;
	bad.name = "=HYPERLINK(\"x\")";
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "formula");
	bad = rec;
	bad.uscc = "914403001922038217";
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "统一社会信用代码");
	bad = rec;
	bad.plan_name = "line\nbreak";
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	bad = rec;
	bad.task_no = "";
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	bad = rec;
	bad.type = (enum publish_type)0;
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	bad = rec;
	bad.categories = 0;
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	bad = rec;
	bad.date = RESULT_NO_DATE;
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
	bad = rec;
	bad.agencies[0] = "甲局；乙局";
	CHECK(publish_check(&bad, err, sizeof err) == SJ_EINVAL);
}

TEST(publish_csv_quoting, "a CSV cell with a comma or a quote is quoted, its quotes doubled")
{
	static const struct publish_object odd = {"某\"甲\",乙公司", "91330100799655058B"};
	struct result r;
	const struct result *rs[1] = {&r};
	struct publish_task t = task_of(amr_only, 1);
	struct publish_record rec;
	char err[256], *out = NULL;
	size_t len;

	published(&r, AMR, RESULT_CAT_BIT(RESULT_CAT_NOT_DISCLOSED));
	CHECK(publish_build(&rec, &odd, &t, rs, 1, err, sizeof err) == SJ_OK);
	CHECK(publish_csv(&out, &len, &rec, 1, err, sizeof err) == SJ_OK);
	CHECK_STR_HAS(out, "\r\n\"某\"\"甲\"\",乙公司\",91330100799655058B,");
	free(out);
	CHECK(publish_json(&out, &len, &rec, 1, err, sizeof err) == SJ_OK);
	CHECK_STR_HAS(out, "\"某\\\"甲\\\",乙公司\"");
	free(out);
}
