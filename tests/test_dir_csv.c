/*
 * test_dir_csv.c: the CSV reader of the bulk import (dir/csv.c): RFC 4180
 * quoting, line ends, byte-order marks, GB18030, damaged rows and limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dir/csv.h"
#include "tests/harness.h"

/* Rows as text: fields joined by '|', with their lines and damage. */
struct rows {
	size_t n;
	char text[64][512];
	size_t line[64], end_line[64], nfields[64], error_line[64];
	char error[64][192];
	int stop_at; /* stop the reader at this row (1-based), 0 never */
};

static int collect(void *arg, const struct csv_row *r)
{
	struct rows *rs = arg;
	size_t off = 0;

	if (rs->n == 64)
		return 0;
	rs->text[rs->n][0] = '\0';
	for (size_t i = 0; i < r->nfields; i++) {
		int w = snprintf(rs->text[rs->n] + off, sizeof rs->text[0] - off, "%s%s",
		                 i ? "|" : "", r->field[i]);
		if (w > 0 && off + (size_t)w < sizeof rs->text[0])
			off += (size_t)w;
		if (strlen(r->field[i]) != r->len[i])
			return SJ_EINVAL; /* fields must be NUL-terminated at their length */
	}
	rs->line[rs->n] = r->line;
	rs->end_line[rs->n] = r->end_line;
	rs->nfields[rs->n] = r->nfields;
	rs->error_line[rs->n] = r->error_line;
	snprintf(rs->error[rs->n], sizeof rs->error[0], "%s", r->error ? r->error : "");
	rs->n++;
	if (rs->stop_at && rs->n == (size_t)rs->stop_at)
		return SJ_ERANGE;
	return 0;
}

static int parse(struct rows *rs, const char *s, size_t len, enum csv_encoding enc)
{
	struct csv_opts o = {0};
	char err[256];

	memset(rs, 0, sizeof *rs);
	o.encoding = enc;
	return csv_parse((const uint8_t *)s, len, &o, collect, rs, NULL, NULL, err, sizeof err);
}

#define PARSE(rs, lit) parse((rs), (lit), sizeof(lit) - 1, CSV_AUTO)

TEST(csv_quoting, "a quoted field may hold commas, doubled quotes and line breaks, and the next "
                  "row's line counts the physical lines")
{
	static struct rows rs;
	CHECK_INT(PARSE(&rs, "a,\"b,c\",\"say \"\"hi\"\"\"\n"
	                     "\"two\nlines\",x,\"\"\n"
	                     "last,row,here\n"),
	          ==, SJ_OK);
	CHECK_INT(rs.n, ==, 3);
	CHECK(strcmp(rs.text[0], "a|b,c|say \"hi\"") == 0);
	CHECK(strcmp(rs.text[1], "two\nlines|x|") == 0);
	CHECK_INT(rs.line[1], ==, 2);
	CHECK_INT(rs.end_line[1], ==, 3);
	CHECK_INT(rs.line[2], ==, 4);
	CHECK(rs.error[0][0] == '\0' && rs.error[1][0] == '\0');
}

TEST(csv_quoting_twin, "a closing quote followed by text damages the row, naming the field, "
                       "and the rows after it are read")
{
	static struct rows rs;
	CHECK_INT(PARSE(&rs, "a,\"b\"c,d\nok,1,2\n"), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 2);
	CHECK_STR_HAS(rs.error[0], "text after the closing quote of field 2");
	CHECK_INT(rs.error_line[0], ==, 1);
	CHECK(rs.error[1][0] == '\0');
	CHECK(strcmp(rs.text[1], "ok|1|2") == 0);
}

TEST(csv_line_ends, "CRLF, LF and a lone CR each end a row and a line; a missing final newline "
                    "loses nothing")
{
	static struct rows rs;
	CHECK_INT(PARSE(&rs, "a,b\r\nc,d\ne,f\rg,h"), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 4);
	CHECK(strcmp(rs.text[0], "a|b") == 0);
	CHECK(strcmp(rs.text[1], "c|d") == 0);
	CHECK(strcmp(rs.text[2], "e|f") == 0);
	CHECK(strcmp(rs.text[3], "g|h") == 0);
	CHECK_INT(rs.line[3], ==, 4);
	/* A CRLF inside quotes is data and one line end. */
	CHECK_INT(PARSE(&rs, "\"x\r\ny\",z\r\nq\r\n"), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 2);
	CHECK(strcmp(rs.text[0], "x\r\ny|z") == 0);
	CHECK_INT(rs.line[1], ==, 3);
}

TEST(csv_empty_lines, "an empty line is a row of one empty field; a trailing newline adds no "
                      "row")
{
	static struct rows rs;
	CHECK_INT(PARSE(&rs, "a\n\nb\n"), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 3);
	CHECK_INT(rs.nfields[1], ==, 1);
	CHECK(rs.text[1][0] == '\0');
	CHECK_INT(PARSE(&rs, ""), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 0);
}

TEST(csv_bom, "a UTF-8 byte-order mark is skipped and means UTF-8; without it the same bytes "
              "read the same")
{
	static struct rows rs;
	enum csv_encoding used;
	static const char with[] = "\xef\xbb\xbf名称,x\n";
	CHECK_INT(csv_detect((const uint8_t *)with, sizeof with - 1), ==, CSV_UTF8);
	CHECK_INT(csv_parse((const uint8_t *)with, sizeof with - 1, NULL, collect,
	                    (memset(&rs, 0, sizeof rs), &rs), &used, NULL, NULL, 0),
	          ==, SJ_OK);
	CHECK_INT(used, ==, CSV_UTF8);
	CHECK(strcmp(rs.text[0], "名称|x") == 0);
	CHECK_INT(PARSE(&rs, "名称,x\n"), ==, SJ_OK);
	CHECK(strcmp(rs.text[0], "名称|x") == 0);
}

TEST(csv_bom_invalid, "a byte-order mark says UTF-8 but does not make it so: invalid bytes "
                      "after it damage their row")
{
	static struct rows rs;
	static const char s[] = "\xef\xbb\xbfok,1\nbad\xe4\xbb\xff,2\n";
	CHECK_INT(parse(&rs, s, sizeof s - 1, CSV_AUTO), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 2);
	CHECK(rs.error[0][0] == '\0');
	CHECK_STR_HAS(rs.error[1], "not valid UTF-8");
	CHECK_INT(rs.error_line[1], ==, 2);
}

TEST(csv_gb18030, "GB18030 (Excel's Chinese CSV) is detected and converted to UTF-8")
{
	static struct rows rs;
	/* "名称,中文" in GB18030. */
	static const char gb[] = "\xc3\xfb\xb3\xc6,\xd6\xd0\xce\xc4\r\n";
	enum csv_encoding used;
	CHECK_INT(csv_detect((const uint8_t *)gb, sizeof gb - 1), ==, CSV_GB18030);
	memset(&rs, 0, sizeof rs);
	CHECK_INT(
	    csv_parse((const uint8_t *)gb, sizeof gb - 1, NULL, collect, &rs, &used, NULL, NULL, 0),
	    ==, SJ_OK);
	CHECK_INT(used, ==, CSV_GB18030);
	CHECK_INT(rs.n, ==, 1);
	CHECK(strcmp(rs.text[0], "名称|中文") == 0);
}

TEST(csv_gb18030_twin, "the same GB18030 bytes read as UTF-8 by explicit choice are damaged "
                       "rows, not silently garbled text")
{
	static struct rows rs;
	static const char gb[] = "ok\n\xc3\xfb\xb3\xc6,\xd6\xd0\xce\xc4\r\n";
	CHECK_INT(parse(&rs, gb, sizeof gb - 1, CSV_UTF8), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 2);
	CHECK(rs.error[0][0] == '\0');
	CHECK_STR_HAS(rs.error[1], "not valid UTF-8");
	CHECK_INT(rs.error_line[1], ==, 2);
}

TEST(csv_gb18030_fixture, "the committed GBK fixture reads as GB18030 with its Chinese names")
{
	static struct rows rs;
	uint8_t *buf;
	size_t len;
	enum csv_encoding used;

	CHECK_INT(util_read_file(&buf, &len, "tests/data/dir/objects-gbk.csv", 1 << 20), ==, SJ_OK);
	memset(&rs, 0, sizeof rs);
	CHECK_INT(csv_parse(buf, len, NULL, collect, &rs, &used, NULL, NULL, 0), ==, SJ_OK);
	free(buf);
	CHECK_INT(used, ==, CSV_GB18030);
	CHECK_INT(rs.n, ==, 4);
	CHECK_STR_HAS(rs.text[0], "统一社会信用代码|名称");
	CHECK_STR_HAS(rs.text[1], "连云港海州食品有限公司");
	CHECK_STR_HAS(rs.text[1], "连云港市海州区朝阳东路1号,2楼");
	CHECK_STR_HAS(rs.text[3], "东海县建材厂");
}

TEST(csv_undecodable, "bytes that are not GB18030 damage their row, naming its line, and the "
                      "other rows are still read")
{
	static struct rows rs;
	/* 0xff is no GB18030 byte; 0x81 0x20 is a lead byte without a trail. */
	static const char bad[] = "\xd6\xd0,1\nx\xff,2\n\xd6\xd0,3\n\x81 ,4\n";
	CHECK_INT(parse(&rs, bad, sizeof bad - 1, CSV_AUTO), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 4);
	CHECK(rs.error[0][0] == '\0');
	CHECK_STR_HAS(rs.error[1], "do not decode as GB18030");
	CHECK_INT(rs.error_line[1], ==, 2);
	CHECK(rs.error[2][0] == '\0');
	CHECK(strcmp(rs.text[2], "中|3") == 0);
	CHECK_STR_HAS(rs.error[3], "GB18030");
	CHECK_INT(rs.error_line[3], ==, 4);
	/* A bad byte at the very start of a row belongs to that row. */
	CHECK_INT(parse(&rs, "a\r\n\xff,b\r\n", 8, CSV_GB18030), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 2);
	CHECK_INT(rs.error_line[1], ==, 2);
	CHECK(rs.error[0][0] == '\0');
}

TEST(csv_nul, "a NUL byte damages its row")
{
	static struct rows rs;
	CHECK_INT(parse(&rs, "a,b\nc\0d,e\n", 10, CSV_UTF8), ==, SJ_OK);
	CHECK_INT(rs.n, ==, 2);
	CHECK(rs.error[0][0] == '\0');
	CHECK_STR_HAS(rs.error[1], "NUL");
}

TEST(csv_unclosed_quote, "a quote left open at the end of the file is fatal and names the line "
                         "it opened on")
{
	static struct rows rs;
	char err[256];
	size_t line = 0;
	static const char s[] = "a,b\nc,\"open\nmore\nstill\n";
	memset(&rs, 0, sizeof rs);
	CHECK_INT(csv_parse((const uint8_t *)s, sizeof s - 1, NULL, collect, &rs, NULL, &line, err,
	                    sizeof err),
	          ==, SJ_EINVAL);
	CHECK_INT(line, ==, 2);
	CHECK_STR_HAS(err, "line 2: a quoted field opened here is not closed");
	CHECK_INT(rs.n, ==, 1);
}

TEST(csv_limits, "a field over its limit and a row with too many fields are damaged and cut, and "
                 "the next row is whole")
{
	static struct rows rs;
	struct csv_opts o = {CSV_UTF8, 4, 3, 0};
	static const char s[] = "abcdefgh,x\n1,2,3,4,5\nok,yes\n";
	memset(&rs, 0, sizeof rs);
	CHECK_INT(
	    csv_parse((const uint8_t *)s, sizeof s - 1, &o, collect, &rs, NULL, NULL, NULL, 0), ==,
	    SJ_OK);
	CHECK_INT(rs.n, ==, 3);
	CHECK_STR_HAS(rs.error[0], "longer than 4 bytes");
	CHECK(strcmp(rs.text[0], "abcd|x") == 0);
	CHECK_STR_HAS(rs.error[1], "more than 3 fields");
	CHECK_INT(rs.nfields[1], ==, 3);
	CHECK(rs.error[2][0] == '\0');
	CHECK(strcmp(rs.text[2], "ok|yes") == 0);
}

TEST(csv_stop, "a callback's error stops the reader and is returned")
{
	static struct rows rs;
	struct csv_opts o = {0};
	static const char s[] = "a\nb\nc\n";
	memset(&rs, 0, sizeof rs);
	rs.stop_at = 2;
	CHECK_INT(
	    csv_parse((const uint8_t *)s, sizeof s - 1, &o, collect, &rs, NULL, NULL, NULL, 0), ==,
	    SJ_ERANGE);
	CHECK_INT(rs.n, ==, 2);
}

TEST(csv_utf8_strict, "overlong forms, surrogates and code points above U+10FFFF are not UTF-8")
{
	CHECK(csv_utf8_valid((const uint8_t *)"\xe4\xb8\xad", 3));
	CHECK(!csv_utf8_valid((const uint8_t *)"\xc0\xaf", 2));
	CHECK(!csv_utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));
	CHECK(!csv_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
	CHECK(!csv_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
	CHECK(!csv_utf8_valid((const uint8_t *)"\xe4\xb8", 2));
	CHECK(csv_utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 4));
}

/* Counts rows and bytes, for the long-input test. */
static int count_rows(void *arg, const struct csv_row *r)
{
	size_t *n = arg;
	if (r->error != NULL)
		return SJ_EINVAL;
	n[0]++;
	n[1] += r->len[0];
	return 0;
}

TEST(csv_long_field_linear, "one quoted field of 8 MiB with doubled quotes and a 200,000-row "
                            "file each parse in one pass")
{
	struct csv_opts o = {CSV_UTF8, 16u << 20, 0, 16u << 20};
	size_t n = 8u << 20, counts[2] = {0, 0}, rows = 200000;
	char *s = malloc(n + 3);
	CHECK(s != NULL);
	s[0] = '"';
	for (size_t i = 1; i <= n; i++)
		s[i] = (i % 1000 == 1 || i % 1000 == 2) ? '"' : 'x';
	s[n + 1] = '"';
	s[n + 2] = '\n';
	CHECK_INT(csv_parse((const uint8_t *)s, n + 3, &o, count_rows, counts, NULL, NULL, NULL, 0),
	          ==, SJ_OK);
	free(s);
	CHECK_INT(counts[0], ==, 1);
	CHECK_INT(counts[1], ==, n - ((n - 2) / 1000 + 1)); /* each "" is one quote */
	s = malloc(rows * 12);
	CHECK(s != NULL);
	for (size_t i = 0; i < rows; i++)
		memcpy(s + i * 12, "abc,\"d,e\",f\n", 12);
	counts[0] = counts[1] = 0;
	CHECK_INT(
	    csv_parse((const uint8_t *)s, rows * 12, NULL, count_rows, counts, NULL, NULL, NULL, 0),
	    ==, SJ_OK);
	free(s);
	CHECK_INT(counts[0], ==, rows);
}
