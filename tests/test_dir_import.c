/*
 * test_dir_import.c: the bulk import of the directories (dir/import.c):
 * header mapping in Chinese and English, every row rule, duplicates, the
 * all-or-nothing result, the error cap, encodings, and progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dir/import.h"
#include "tests/harness.h"

static int run_opts(struct import **im, const char *csv, struct import_opts *o)
{
	return import_run(im, (const uint8_t *)csv, strlen(csv), o);
}

static int run(struct import **im, unsigned kind, const char *csv)
{
	struct import_opts o = {0};
	o.kind = kind;
	return run_opts(im, csv, &o);
}

/* 1 when an error on line (any line when 0) holds needle. */
static int has_error(const struct import *im, size_t line, const char *needle)
{
	size_t n, total;
	const struct import_msg *m = import_errors(im, &n, &total);
	for (size_t i = 0; i < n; i++)
		if ((line == 0 || m[i].line == line) && strstr(m[i].text, needle) != NULL)
			return 1;
	return 0;
}

static size_t nerrors(const struct import *im)
{
	size_t n, total;
	import_errors(im, &n, &total);
	return total;
}

static const struct record *rec(const struct import *im, size_t i)
{
	size_t n;
	const struct record *const *v = import_records(im, &n);
	return i < n ? v[i] : NULL;
}

static size_t nrecs(const struct import *im)
{
	size_t n;
	import_records(im, &n);
	return n;
}

#define OBJ_HEADER "统一社会信用代码,名称,风险等级,状态\n"

TEST(import_gbk_fixture, "R1: a GBK file from Excel imports with its Chinese names, columns and "
                         "statuses mapped, sorted by code")
{
	struct import *im;
	struct import_opts o = {0};
	const struct record *r;
	uint8_t *buf;
	size_t len;

	CHECK_INT(util_read_file(&buf, &len, "tests/data/dir/objects-gbk.csv", 1 << 20), ==, SJ_OK);
	o.kind = RECORD_OBJECT;
	CHECK_INT(import_run(&im, buf, len, &o), ==, SJ_OK);
	free(buf);
	CHECK_INT(import_encoding(im), ==, CSV_GB18030);
	CHECK_INT(nrecs(im), ==, 3);
	CHECK_INT(import_rows(im), ==, 3);
	r = rec(im, 0);
	CHECK(strcmp(r->u.object.id, "914403001922038216") == 0);
	CHECK(strcmp(r->u.object.name, "连云港海州食品有限公司") == 0);
	CHECK(strcmp(r->u.object.address, "连云港市海州区朝阳东路1号,2楼") == 0);
	CHECK(strcmp(r->u.object.legal_rep, "张三") == 0);
	CHECK(strcmp(r->u.object.risk_class, "A") == 0);
	CHECK_INT(r->u.object.status, ==, OBJECT_ACTIVE);
	CHECK_INT(r->u.object.tags.n, ==, 2);
	CHECK(strcmp(r->u.object.tags.v[0], "食品") == 0);
	CHECK_INT(r->line, ==, 2);
	r = rec(im, 1);
	CHECK(strcmp(r->u.object.id, "91440300708461136T") == 0);
	CHECK(strcmp(r->u.object.name, "东海县建材厂") == 0);
	CHECK_INT(r->u.object.status, ==, OBJECT_REVOKED);
	CHECK(strcmp(r->u.object.phone, "") == 0);
	r = rec(im, 2);
	CHECK(strcmp(r->u.object.id, "9144030071526726XG") == 0);
	CHECK_INT(r->u.object.agencies.n, ==, 2);
	CHECK(strcmp(r->u.object.agencies.v[0], "scjg") == 0);
	CHECK(strcmp(r->u.object.agencies.v[1], "wsjk") == 0);
	import_free(im);
}

TEST(import_gbk_twin, "R1: the GBK file forced to read as UTF-8 is refused, each row with its "
                      "line and undecodable bytes")
{
	struct import *im;
	struct import_opts o = {0};
	uint8_t *buf;
	size_t len;

	CHECK_INT(util_read_file(&buf, &len, "tests/data/dir/objects-gbk.csv", 1 << 20), ==, SJ_OK);
	o.kind = RECORD_OBJECT;
	o.encoding = CSV_UTF8;
	CHECK_INT(import_run(&im, buf, len, &o), ==, SJ_EINVAL);
	free(buf);
	CHECK_INT(nrecs(im), ==, 0);
	CHECK(has_error(im, 1, "not valid UTF-8"));
	import_free(im);
}

TEST(import_bom, "R1: a UTF-8 file with a byte-order mark, CRLF line ends and English headers "
                 "imports")
{
	struct import *im;
	struct import_opts o = {0};
	uint8_t *buf;
	size_t len;

	CHECK_INT(util_read_file(&buf, &len, "tests/data/dir/objects-bom.csv", 1 << 20), ==, SJ_OK);
	o.kind = RECORD_OBJECT;
	CHECK_INT(import_run(&im, buf, len, &o), ==, SJ_OK);
	free(buf);
	CHECK_INT(import_encoding(im), ==, CSV_UTF8);
	CHECK_INT(nrecs(im), ==, 2);
	CHECK(strcmp(rec(im, 0)->u.object.id, "91110108558521630L") == 0);
	CHECK(strcmp(rec(im, 0)->u.object.name, "北京示例科技有限公司") == 0);
	CHECK(strcmp(rec(im, 1)->u.object.address, "No. 1 Wensan Road, Hangzhou") == 0);
	CHECK(strcmp(rec(im, 1)->u.object.risk_class, "D") == 0);
	import_free(im);
}

TEST(import_bom_twin, "R1: the same file with its header's first column misspelt is refused "
                      "naming the unknown and the missing column")
{
	struct import *im;
	CHECK_INT(
	    run(&im, RECORD_OBJECT, "\xef\xbb\xbfusc,name,risk_class\n91110108558521630L,x,A\n"),
	    ==, SJ_EINVAL);
	CHECK(has_error(im, 1, "column 1: unknown column \"usc\""));
	CHECK(has_error(im, 1, "统一社会信用代码 (uscc): required column is missing"));
	CHECK_INT(nrecs(im), ==, 0);
	import_free(im);
}

TEST(import_one_bad_row, "R1: one bad code among good rows refuses the whole import, reporting "
                         "its line and the expected check character")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              OBJ_HEADER "914403001922038216,甲,A,\n"
	                         "9144030071526726XG,乙,B,\n"
	                         "914403001922038217,丙,C,\n"
	                         "91440300708461136T,丁,D,\n"),
	          ==, SJ_EINVAL);
	CHECK_INT(nerrors(im), ==, 1);
	CHECK(has_error(im, 4, "expected '6'"));
	CHECK(has_error(im, 4, "统一社会信用代码 (uscc)"));
	CHECK_INT(nrecs(im), ==, 0);
	CHECK_INT(import_rows(im), ==, 4);
	CHECK_INT(import_bad_rows(im), ==, 1);
	import_free(im);
}

TEST(import_one_bad_row_twin, "R1: the same rows with the code corrected import all four")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              OBJ_HEADER "914403001922038216,甲,A,\n"
	                         "9144030071526726XG,乙,B,\n"
	                         "914403001922038216X,丙,C,\n"),
	          ==, SJ_EINVAL);
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT,
	              OBJ_HEADER "914403001922038216,甲,A,\n"
	                         "9144030071526726XG,乙,B,\n"
	                         "91330100799655058B,丙,C,\n"
	                         "91440300708461136T,丁,D,\n"),
	          ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 4);
	CHECK_INT(nerrors(im), ==, 0);
	import_free(im);
}

TEST(import_every_row_reported, "R1: every bad row is reported with its own line and reason, "
                                "not only the first")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              OBJ_HEADER "914403001922038216,甲,A,\n"
	                         "91440300192203821,乙,B,\n"
	                         "9144030071526726XG,,B,\n"
	                         "91330100799655058B,丁,B,倒闭\n"
	                         "91440300708461136T,戊,B,注销\n"),
	          ==, SJ_EINVAL);
	CHECK_INT(nerrors(im), ==, 3);
	CHECK(has_error(im, 3, "17 characters, not 18"));
	CHECK(has_error(im, 4, "名称 (name): required value is empty"));
	CHECK(has_error(im, 5, "状态 (status): unknown value \"倒闭\""));
	import_free(im);
}

TEST(import_unknown_risk_class, "R7: an unknown risk class is refused naming the configured "
                                "classes")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT, OBJ_HEADER "914403001922038216,甲,E,\n"), ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "unknown risk class \"E\"; the classes are A, B, C, D (R7)"));
	import_free(im);
}

TEST(import_configured_risk_classes, "R7: a configured list of risk classes accepts its own "
                                     "classes, in any case, stored as configured")
{
	static const char *const classes[] = {"low", "general", "elevated", "high", "E"};
	struct import *im;
	struct import_opts o = {0};
	o.kind = RECORD_OBJECT;
	o.risk_classes = classes;
	o.nrisk_classes = 5;
	CHECK_INT(
	    run_opts(&im, OBJ_HEADER "914403001922038216,甲,E,\n9144030071526726XG,乙,HIGH,\n", &o),
	    ==, SJ_OK);
	CHECK(strcmp(rec(im, 0)->u.object.risk_class, "E") == 0);
	CHECK(strcmp(rec(im, 1)->u.object.risk_class, "high") == 0);
	import_free(im);
	CHECK_INT(run_opts(&im, OBJ_HEADER "914403001922038216,甲,A,\n", &o), ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "the classes are low, general, elevated, high, E"));
	import_free(im);
}

TEST(import_duplicate_code, "R1: a code twice in one file is refused on its second line, naming "
                            "the first")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              OBJ_HEADER "914403001922038216,甲,A,\n"
	                         "9144030071526726XG,乙,B,\n"
	                         "914403001922038216,丙,C,\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 4, "duplicate identifier 914403001922038216: first on line 2"));
	import_free(im);
}

#define OFFICER_HEADER "执法证号,姓名,所属部门,执法资质,业务专长,状态\n"

TEST(import_officers, "R2: officers import with agency, qualification and specialty tags as "
                      "sorted sets, and statuses in Chinese")
{
	struct import *im;
	const struct record *r;
	CHECK_INT(run(&im, RECORD_OFFICER,
	              OFFICER_HEADER "32070001,张警官,scjg,food;drug;food,haccp,在职\n"
	                             "32070002,李警官,scjg,,\"lab；food\",暂停\n"
	                             "32070003,王警官,hbj,env,,离职\n"),
	          ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 3);
	r = rec(im, 0);
	CHECK(strcmp(r->u.person.id, "32070001") == 0);
	CHECK(strcmp(r->u.person.agency, "scjg") == 0);
	CHECK_INT(r->u.person.qualifications.n, ==, 2);
	CHECK(strcmp(r->u.person.qualifications.v[0], "drug") == 0);
	CHECK(strcmp(r->u.person.qualifications.v[1], "food") == 0);
	CHECK_INT(r->u.person.status, ==, PERSON_ACTIVE);
	r = rec(im, 1);
	CHECK_INT(r->u.person.specialties.n, ==, 2);
	CHECK(strcmp(r->u.person.specialties.v[0], "food") == 0);
	CHECK_INT(r->u.person.status, ==, PERSON_SUSPENDED);
	CHECK_INT(rec(im, 2)->u.person.status, ==, PERSON_LEFT);
	import_free(im);
}

TEST(import_duplicate_certificate, "R2: a duplicate certificate number is refused with both "
                                   "lines, and no officer is imported")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OFFICER,
	              OFFICER_HEADER "32070001,张警官,scjg,,,\n"
	                             "32070002,李警官,scjg,,,\n"
	                             "32070001,王警官,hbj,,,\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 4, "duplicate certificate number 32070001: first on line 2"));
	CHECK_INT(nrecs(im), ==, 0);
	import_free(im);
}

TEST(import_officer_tags_are_names, "R13: a qualification must be a draw name (ASCII), since it "
                                    "becomes a tag of the officer pool")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OFFICER, OFFICER_HEADER "32070001,张警官,scjg,食品安全,,\n"), ==,
	          SJ_EINVAL);
	CHECK(has_error(im, 2, "执法资质 (qualifications): item \"食品安全\" is not 1..32 bytes"));
	import_free(im);
	CHECK_INT(run(&im, RECORD_OFFICER, OFFICER_HEADER "32070001,张警官,市场监管局,,,\n"), ==,
	          SJ_EINVAL);
	CHECK(has_error(im, 2, "所属部门 (agency)"));
	import_free(im);
}

TEST(import_experts, "R2: experts import from their own columns, the organisation as a code")
{
	struct import *im;
	CHECK_INT(
	    run(&im, RECORD_EXPERT,
	        "专家编号,姓名,所属单位,专业领域\nE-001,赵教授,12320700466012345X,chem;food\n"),
	    ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 1);
	CHECK_INT(rec(im, 0)->kind, ==, RECORD_EXPERT);
	CHECK(strcmp(rec(im, 0)->u.person.agency, "12320700466012345X") == 0);
	CHECK_INT(rec(im, 0)->u.person.specialties.n, ==, 2);
	import_free(im);
	CHECK_INT(run(&im, RECORD_EXPERT, "专家编号,姓名\nE-001,赵教授\n"), ==, SJ_EINVAL);
	CHECK(has_error(im, 1, "所属单位 (organisation): required column is missing"));
	import_free(im);
}

#define CONFLICT_HEADER "人员类别,执法证号,统一社会信用代码,回避事由,申报人\n"

TEST(import_conflicts, "R12: declared conflicts import with the object's code checked and the "
                       "person kind defaulting to officer")
{
	struct import *im;
	const struct record *r;
	CHECK_INT(run(&im, RECORD_CONFLICT,
	              CONFLICT_HEADER ",32070001,914403001922038216,配偶任该企业监事,本人\n"
	                              "专家,E-001,914403001922038216,曾为该企业提供咨询,张科长\n"),
	          ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 2);
	r = rec(im, 0);
	CHECK_INT(r->u.conflict.person_kind, ==, PERSON_OFFICER);
	CHECK(strcmp(r->u.conflict.person, "32070001") == 0);
	CHECK(strcmp(r->u.conflict.reason, "配偶任该企业监事") == 0);
	CHECK_INT(rec(im, 1)->u.conflict.person_kind, ==, PERSON_EXPERT);
	import_free(im);
}

TEST(import_conflicts_twin, "R12: a conflict with a bad object code, or declared twice, is "
                            "refused")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_CONFLICT,
	              CONFLICT_HEADER ",32070001,914403001922038217,配偶任该企业监事,本人\n"
	                              "执法人员,32070002,914403001922038216,亲属,本人\n"
	                              "officer,32070002,914403001922038216,同学,本人\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "expected '6'"));
	CHECK(has_error(im, 4,
	                "duplicate conflict of officer 32070002 with 914403001922038216: "
	                "first on line 3"));
	import_free(im);
}

TEST(import_quoted_cells, "R1: quoted cells keep their commas, and a line break in a cell "
                          "(Alt+Enter) becomes one space; the next row's line is physical")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              "统一社会信用代码,名称,风险等级,地址\n"
	              "914403001922038216,\"甲,乙\"\"丙\"\"\",A,\"海州区\r\n朝阳路\"\n"
	              "9144030071526726XG,丁,Z,\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 4, "unknown risk class \"Z\""));
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT,
	              "统一社会信用代码,名称,风险等级,地址\n"
	              "914403001922038216,\"甲,乙\"\"丙\"\"\",A,\"海州区\r\n朝阳路\n\"\n"),
	          ==, SJ_OK);
	CHECK(strcmp(rec(im, 0)->u.object.name, "甲,乙\"丙\"") == 0);
	CHECK(strcmp(rec(im, 0)->u.object.address, "海州区 朝阳路") == 0);
	import_free(im);
}

TEST(import_undecodable, "R1: undecodable bytes refuse the import with the line they are on")
{
	struct import *im;
	/* GB18030 text ("甲") with a byte that no encoding here accepts; an
	 * ASCII header, which both encodings read alike. */
	CHECK_INT(run(&im, RECORD_OBJECT,
	              "uscc,name,risk_class,status\n"
	              "914403001922038216,\xbc\xd7,A,\n"
	              "9144030071526726XG,\xff\xbc\xd7,A,\n"),
	          ==, SJ_EINVAL);
	CHECK_INT(import_encoding(im), ==, CSV_GB18030);
	CHECK(has_error(im, 3, "do not decode as GB18030"));
	CHECK_INT(nerrors(im), ==, 1);
	import_free(im);
}

TEST(import_unknown_column, "R1: an unknown column is an error naming it; with "
                            "ignore_unknown_columns it is a warning and the rows import")
{
	struct import *im;
	struct import_opts o = {0};
	size_t n, total;
	const struct import_msg *w;
	static const char csv[] = "序号,统一社会信用代码,名称,风险等级,备注\n"
	                          "1,914403001922038216,甲,A,重点关注\n";

	o.kind = RECORD_OBJECT;
	CHECK_INT(run_opts(&im, csv, &o), ==, SJ_EINVAL);
	CHECK(has_error(im, 1, "column 5: unknown column \"备注\" for a object directory"));
	import_free(im);
	o.ignore_unknown_columns = 1;
	CHECK_INT(run_opts(&im, csv, &o), ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 1);
	w = import_warnings(im, &n, &total);
	CHECK_INT(total, ==, 1);
	CHECK_STR_HAS(w[0].text, "unknown column \"备注\" is ignored");
	import_free(im);
}

TEST(import_header_forms, "R1: header cells match with a required-column star, spaces, any case "
                          "of English, and aliases; a column named twice is refused")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              "\"*统一社会信用代码 \",  Name ,Risk-Class,Legal Representative\n"
	              "914403001922038216,甲,a,张三\n"),
	          ==, SJ_OK);
	CHECK(strcmp(rec(im, 0)->u.object.risk_class, "A") == 0);
	CHECK(strcmp(rec(im, 0)->u.object.legal_rep, "张三") == 0);
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT, "uscc,名称,风险等级,name\n914403001922038216,甲,A,乙\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 1, "名称 (name): named by columns 2 and 4"));
	import_free(im);
}

TEST(import_field_count, "R1: a row with more non-empty fields than the header (an unquoted "
                         "comma) or fewer is refused; extra empty fields are not")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT, "uscc,name,risk_class\n914403001922038216,甲,A,,\n"), ==,
	          SJ_OK);
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT,
	              "uscc,name,risk_class\n914403001922038216,甲,乙,A\n9144030071526726XG,丙\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "row has 4 fields, the header has 3"));
	CHECK(has_error(im, 3, "row has 2 fields, the header has 3"));
	import_free(im);
}

TEST(import_blank_rows, "R1: blank rows and empty trailing columns (as Excel writes them) are "
                        "skipped; a value under an empty header is refused")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT,
	              "\n,,,\nuscc,name,risk_class,\n914403001922038216,甲,A,\n,,,\n\n"),
	          ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 1);
	CHECK_INT(rec(im, 0)->line, ==, 4);
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT, "uscc,name,risk_class,\n914403001922038216,甲,A,x\n"), ==,
	          SJ_EINVAL);
	CHECK(has_error(im, 2, "column 4 has no header but holds \"x\""));
	import_free(im);
}

TEST(import_no_header, "R1: an empty file is refused for want of a header")
{
	struct import *im;
	CHECK_INT(run(&im, RECORD_OBJECT, ""), ==, SJ_EINVAL);
	CHECK(has_error(im, 1, "no header row"));
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT, "uscc,name,risk_class\n"), ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 0);
	import_free(im);
}

TEST(import_error_cap, "R1: errors beyond the cap are counted, not kept; the kept ones are the "
                       "first by line")
{
	struct import *im;
	struct import_opts o = {0};
	size_t n, total, len = 0, cap = 1500 * 40 + 64;
	const struct import_msg *m;
	char *csv = malloc(cap);

	CHECK(csv != NULL);
	len += (size_t)snprintf(csv, cap, "uscc,name,risk_class\n");
	for (int i = 0; i < 1500; i++)
		len += (size_t)snprintf(csv + len, cap - len, "91440300192203821%d,x,A\n", i % 10);
	o.kind = RECORD_OBJECT;
	o.max_errors = 1000;
	CHECK_INT(import_run(&im, (const uint8_t *)csv, len, &o), ==, SJ_EINVAL);
	free(csv);
	m = import_errors(im, &n, &total);
	/* One code in ten has the right check character (6). */
	CHECK_INT(total, ==, 1500 - 150 + 149);
	CHECK_INT(n, ==, 1000);
	CHECK_INT(m[0].line, ==, 2);
	for (size_t i = 1; i < n; i++)
		CHECK(m[i].line >= m[i - 1].line);
	import_free(im);
}

TEST(import_org_warning, "R1: a code failing only its organisation-code check imports, with a "
                         "warning on its line")
{
	struct import *im;
	size_t n, total;
	const struct import_msg *w;
	char csv[128], code[19];

	CHECK_INT(uscc_complete(code, "91350100M000100Y5"), ==, SJ_OK);
	snprintf(csv, sizeof csv, "uscc,name,risk_class\n%s,x,A\n", code);
	CHECK_INT(run(&im, RECORD_OBJECT, csv), ==, SJ_OK);
	w = import_warnings(im, &n, &total);
	CHECK_INT(total, ==, 1);
	CHECK_INT(w[0].line, ==, 2);
	CHECK_STR_HAS(w[0].text, "GB 11714 expects '4'");
	import_free(im);
}

TEST(import_product_ids, "R1: with a product kind configured, product identifiers import beside "
                         "credit codes; without it they are refused")
{
	static const struct ident_kind kinds[] = {{"uscc", NULL}, {"product", "P-"}};
	struct import *im;
	struct import_opts o = {0};
	static const char csv[] = "对象标识,名称,风险等级\nP-0001,某品牌奶粉,D\n"
	                          "914403001922038216,甲,A\n";
	o.kind = RECORD_OBJECT;
	o.id_kinds = kinds;
	o.nid_kinds = 2;
	CHECK_INT(run_opts(&im, csv, &o), ==, SJ_OK);
	CHECK_INT(nrecs(im), ==, 2);
	CHECK(strcmp(rec(im, 1)->u.object.id, "P-0001") == 0);
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT, csv), ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "\"P-0001\": unified social credit code has 6 characters"));
	import_free(im);
}

TEST(import_bad_options, "bad options are refused as errors of line 0")
{
	static const char *const dup[] = {"A", "a"};
	struct import *im;
	struct import_opts o = {0};
	o.kind = 9;
	CHECK_INT(run_opts(&im, "x\n", &o), ==, SJ_EINVAL);
	CHECK(has_error(im, 0, "unknown directory kind 9"));
	import_free(im);
	o.kind = RECORD_OBJECT;
	o.risk_classes = dup;
	o.nrisk_classes = 2;
	CHECK_INT(run_opts(&im, "x\n", &o), ==, SJ_EINVAL);
	CHECK(has_error(im, 0, "appears twice"));
	import_free(im);
}

TEST(import_text_rules, "R1: a control character in a text is refused; a text over its size is "
                        "refused naming the size")
{
	struct import *im;
	char csv[1200];
	int off = snprintf(csv, sizeof csv, "uscc,name,risk_class\n914403001922038216,");
	memset(csv + off, 'n', 300);
	snprintf(csv + off + 300, sizeof csv - (size_t)off - 300, ",A\n");
	CHECK_INT(run(&im, RECORD_OBJECT, csv), ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "名称 (name): 300 bytes, more than 256"));
	import_free(im);
	CHECK_INT(run(&im, RECORD_OBJECT, "uscc,name,risk_class\n914403001922038216,a\x01z,A\n"),
	          ==, SJ_EINVAL);
	CHECK(has_error(im, 2, "control character 0x01"));
	import_free(im);
}

static void progress(void *arg, size_t done, size_t total, size_t rows)
{
	size_t *calls = arg;
	if (done > total)
		calls[2] = 1; /* never beyond the end */
	calls[0]++;
	calls[1] = rows;
}

TEST(import_progress, "the progress callback reports rows as they are read and ends at the "
                      "whole input")
{
	struct import *im;
	struct import_opts o = {0};
	size_t calls[3] = {0, 0, 0}, len = 0, cap = 40000 * 32;
	char *csv = malloc(cap), code[19], first[24];

	CHECK(csv != NULL);
	len += (size_t)snprintf(csv, cap, "uscc,name,risk_class\n");
	for (int i = 0; i < 40000; i++) {
		snprintf(first, sizeof first, "91320700%09u", (unsigned)i);
		CHECK_INT(uscc_complete(code, first), ==, SJ_OK);
		len += (size_t)snprintf(csv + len, cap - len, "%s,x,B\n", code);
	}
	o.kind = RECORD_OBJECT;
	o.progress = progress;
	o.progress_arg = calls;
	CHECK_INT(import_run(&im, (const uint8_t *)csv, len, &o), ==, SJ_OK);
	free(csv);
	CHECK_INT(nrecs(im), ==, 40000);
	CHECK_INT(calls[0], ==, 40000 / IMPORT_PROGRESS_ROWS + 1);
	CHECK_INT(calls[1], ==, 40000);
	CHECK_INT(calls[2], ==, 0);
	import_free(im);
}
