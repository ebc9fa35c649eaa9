/*
 * test_dir_diff.c: re-import semantics (动态管理, R1): the diff of a
 * directory and a new full snapshot (dir/diff.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir/diff.h"
#include "dir/import.h"
#include "tests/harness.h"

#define HEADER "统一社会信用代码,名称,联系电话,状态,风险等级,标签\n"
#define ROW_A  "914403001922038216,甲食品,0518-1,存续,A,食品\n"
#define ROW_B  "9144030071526726XG,乙药业,0518-2,存续,B,药品\n"
#define ROW_C  "91440300708461136T,丙建材,0518-3,存续,C,\n"
#define ROW_D  "91330100799655058B,丁贸易,0518-4,存续,D,\n"
#define ROW_E  "91110108558521630L,戊科技,0518-5,存续,B,软件\n"

static struct import *load(const char *csv)
{
	struct import *im;
	struct import_opts o = {0};
	o.kind = RECORD_OBJECT;
	if (import_run(&im, (const uint8_t *)csv, strlen(csv), &o) != SJ_OK) {
		import_free(im);
		return NULL;
	}
	return im;
}

static struct diff *diff_of(struct import *a, struct import *b)
{
	size_t na, nb;
	const struct record *const *va = import_records(a, &na);
	const struct record *const *vb = import_records(b, &nb);
	struct diff *d;
	char err[256];
	return diff_compute(&d, va, na, vb, nb, err, sizeof err) == SJ_OK ? d : NULL;
}

/* Field index of the object field called name. */
static size_t field(const char *name)
{
	size_t n;
	const struct record_field *fs = record_fields(RECORD_OBJECT, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(fs[i].name, name) == 0)
			return i;
	return 99;
}

#define BIT(name) ((uint32_t)1 << field(name))

TEST(diff_three_changes, "R1: a re-import that changes three rows reports exactly three changes, "
                         "each with the fields that differ")
{
	struct import *a = load(HEADER ROW_A ROW_B ROW_C ROW_D ROW_E);
	struct import *b =
	    load(HEADER ROW_A "9144030071526726XG,乙药业,0518-2,存续,C,药品\n"
	                      "91440300708461136T,丙建材,0518-9,注销,C,\n" ROW_D
	                      "91110108558521630L,戊科技,0518-5,存续,B,软件;信息服务\n");
	struct diff *d;
	const struct diff_change *c;
	size_t n, added, changed, absent, unchanged;

	CHECK(a != NULL && b != NULL);
	d = diff_of(a, b);
	CHECK(d != NULL);
	c = diff_changes(d, &n);
	diff_counts(d, &added, &changed, &absent, &unchanged);
	CHECK_INT(n, ==, 3);
	CHECK_INT(changed, ==, 3);
	CHECK_INT(added + absent, ==, 0);
	CHECK_INT(unchanged, ==, 2);
	/* Key order: ...0558521630L, ...07084..., ...0715267... */
	CHECK(strcmp(c[0].after->u.object.id, "91110108558521630L") == 0);
	CHECK_INT(c[0].fields, ==, BIT("tags"));
	CHECK(strcmp(c[1].after->u.object.id, "91440300708461136T") == 0);
	CHECK_INT(c[1].fields, ==, BIT("phone") | BIT("status"));
	CHECK(strcmp(c[2].after->u.object.id, "9144030071526726XG") == 0);
	CHECK_INT(c[2].fields, ==, BIT("risk_class"));
	diff_free(d);
	import_free(a);
	import_free(b);
}

TEST(diff_same_file, "R1: re-importing the same snapshot reports no change")
{
	struct import *a = load(HEADER ROW_A ROW_B ROW_C);
	struct import *b = load(HEADER ROW_C ROW_B ROW_A);
	struct diff *d;
	size_t n, unchanged;

	CHECK(a != NULL && b != NULL);
	d = diff_of(a, b);
	CHECK(d != NULL);
	diff_changes(d, &n);
	diff_counts(d, NULL, NULL, NULL, &unchanged);
	CHECK_INT(n, ==, 0);
	CHECK_INT(unchanged, ==, 3);
	diff_free(d);
	import_free(a);
	import_free(b);
}

TEST(diff_absent_not_deleted, "R1: a record missing from a snapshot is reported absent and kept, "
                              "and a new one is reported added")
{
	struct import *a = load(HEADER ROW_A ROW_B ROW_C);
	struct import *b = load(HEADER ROW_A ROW_C ROW_E);
	struct diff *d;
	const struct diff_change *c;
	size_t n, added, absent;
	char line[512];

	CHECK(a != NULL && b != NULL);
	d = diff_of(a, b);
	CHECK(d != NULL);
	c = diff_changes(d, &n);
	diff_counts(d, &added, NULL, &absent, NULL);
	CHECK_INT(n, ==, 2);
	CHECK_INT(added, ==, 1);
	CHECK_INT(absent, ==, 1);
	CHECK_INT(c[0].op, ==, DIFF_ADDED);
	CHECK(c[0].before == NULL);
	CHECK_INT(c[1].op, ==, DIFF_ABSENT);
	CHECK(c[1].after == NULL);
	CHECK(strcmp(c[1].before->u.object.id, "9144030071526726XG") == 0);
	diff_format_change(line, sizeof line, &c[1]);
	CHECK_STR_HAS(line, "? 9144030071526726XG absent from the import (kept;");
	diff_free(d);
	import_free(a);
	import_free(b);
}

TEST(diff_dry_run, "R1: a dry run prints each change with old and new values and a summary")
{
	struct import *a = load(HEADER ROW_A ROW_B);
	struct import *b = load(HEADER "914403001922038216,甲食品,0518-1,吊销,D,食品;餐饮\n" ROW_E);
	struct diff *d;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(a != NULL && b != NULL);
	d = diff_of(a, b);
	CHECK(d != NULL);
	f = open_memstream(&out, &len);
	CHECK(f != NULL);
	CHECK_INT(diff_write(f, d), ==, SJ_OK);
	fclose(f);
	CHECK_STR_HAS(out, "+ 91110108558521630L added\n");
	CHECK_STR_HAS(out, "~ 914403001922038216 status: \"active\" -> \"revoked\"; risk_class: "
	                   "\"A\" -> \"D\"; tags: \"食品\" -> \"食品;餐饮\"\n");
	CHECK_STR_HAS(out, "? 9144030071526726XG absent");
	CHECK_STR_HAS(out, "1 added, 1 changed, 1 absent, 0 unchanged\n");
	free(out);
	diff_free(d);
	import_free(a);
	import_free(b);
}

TEST(diff_unsorted, "a diff refuses a list that is not strictly ascending, naming the record")
{
	struct import *a = load(HEADER ROW_A ROW_B ROW_C);
	const struct record *v[3], *const *s;
	struct diff *d;
	char err[256];
	size_t n;

	CHECK(a != NULL);
	s = import_records(a, &n);
	CHECK_INT(n, ==, 3);
	v[0] = s[1];
	v[1] = s[0];
	v[2] = s[2];
	CHECK_INT(diff_compute(&d, s, 3, v, 3, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "import records are not strictly ascending by key at record 2");
	v[1] = s[1];
	CHECK_INT(diff_compute(&d, v, 2, s, 3, err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(diff_compute(&d, s, 3, s, 3, err, sizeof err), ==, SJ_OK);
	diff_free(d);
	import_free(a);
}
