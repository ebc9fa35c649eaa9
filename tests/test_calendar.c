/*
 * test_calendar.c: the working-day calendar and the deadlines counted in
 * it (results/calendar.h, rule R15).
 *
 * Known answers: DOMAIN.md "Reference facts / Working days": the 2025 and
 * 2026 rest days and make-up working days (from the State Council's
 * notices of 2024-11-12 and 2025-11-04), 248 working days in each year, and
 * six "within 20 working days" examples. The tests read the shipped files
 * in results/calendar/, so they run from the project root.
 */
#include "tests/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/calendar.h"

#define CAL_DIR "results/calendar"

static struct calendar *load_shipped(void)
{
	struct calendar *cal;
	char err[256];

	if (calendar_new(&cal) != SJ_OK)
		return NULL;
	if (calendar_load_dir(cal, CAL_DIR, err, sizeof err) != SJ_OK) {
		printf("    %s\n", err);
		calendar_free(cal);
		return NULL;
	}
	return cal;
}

static int32_t day(const char *s)
{
	int32_t d = 0;
	if (calendar_date_parse(&d, s, strlen(s)) != SJ_OK) {
		fprintf(stderr, "test_calendar: bad date literal %s\n", s);
		abort();
	}
	return d;
}

/* ---- Dates ---- */

TEST(calendar_dates_round_trip, "dates parse, format and know their weekday")
{
	char buf[CALENDAR_DATE_LEN + 1];
	int32_t d;
	int y, m, dd;

	CHECK(calendar_date_parse(&d, "1970-01-01", 10) == SJ_OK);
	CHECK_INT(d, ==, 0);
	CHECK_INT(calendar_weekday(d), ==, 4); /* a Thursday */
	CHECK_INT(calendar_weekday(day("2025-01-01")), ==, 3);
	CHECK_INT(calendar_weekday(day("2026-01-01")), ==, 4);
	CHECK_INT(calendar_weekday(day("1900-01-01")), ==, 1);
	CHECK_INT(day("2000-03-01") - day("2000-02-28"), ==, 2); /* 2000 is a leap year */
	CHECK_INT(day("1900-03-01") - day("1900-02-28"), ==, 1); /* 1900 is not */
	CHECK(calendar_date_parse(&d, "2024-02-29", 10) == SJ_OK);
	CHECK(calendar_date_parse(&d, "2025-02-29", 10) == SJ_EINVAL);
	CHECK(calendar_date_parse(&d, "2025-1-01", 9) == SJ_EINVAL);
	CHECK(calendar_date_parse(&d, "2025-01-01x", 11) == SJ_EINVAL);
	CHECK(calendar_date_parse(&d, "2025/01/01", 10) == SJ_EINVAL);
	CHECK(calendar_date_parse(&d, "2025-13-01", 10) == SJ_EINVAL);
	CHECK(calendar_date_parse(&d, "1899-12-31", 10) == SJ_EINVAL);
	CHECK(calendar_date_parse(&d, "+025-01-01", 10) == SJ_EINVAL);
	/* Every day from 1900 to 2100 survives format and parse. */
	for (int32_t x = day("1900-01-01"); x <= day("2100-12-31"); x++) {
		calendar_date_format(buf, x);
		CHECK(calendar_date_parse(&d, buf, strlen(buf)) == SJ_OK);
		CHECK_INT(d, ==, x);
	}
	calendar_ymd(day("2026-10-19"), &y, &m, &dd);
	CHECK(y == 2026 && m == 10 && dd == 19);
	calendar_ymd(INT32_MIN, &y, &m, &dd);
	CHECK(y == 0 && m == 0 && dd == 0);
}

/* ---- The shipped calendars ---- */

TEST(calendar_shipped_years_count, "2025 and 2026 each have exactly 248 working days")
{
	struct calendar *cal = load_shipped();
	unsigned n = 0;
	const char *source = NULL;
	int w, count;

	CHECK(cal != NULL);
	for (int year = 2025; year <= 2026; year++) {
		CHECK(calendar_year_info(cal, year, &n, &source, NULL, 0) == SJ_OK);
		CHECK_INT(n, ==, 248);
		CHECK_STR_HAS(source, "国务院办公厅");
		/* Count again, day by day, through the public question. */
		count = 0;
		for (int32_t d = day(year == 2025 ? "2025-01-01" : "2026-01-01");
		     d <= day(year == 2025 ? "2025-12-31" : "2026-12-31"); d++) {
			CHECK(calendar_is_working_day(cal, d, &w, NULL, 0) == SJ_OK);
			count += w;
		}
		CHECK_INT(count, ==, 248);
	}
	calendar_free(cal);
}

/* DOMAIN.md's lists, typed in again here so the files are checked against
 * them day by day rather than against themselves. */
static const char *const rest_2025_26[][2] = {
    {"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
    {"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"},
    {"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
    {"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"},
    {"2026-10-01", "2026-10-07"},
};
static const char *const work_2025_26[] = {
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04",
    "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
};

TEST(calendar_shipped_days_match_domain,
     "every day of 2025 and 2026 is a working day exactly as DOMAIN.md's lists say")
{
	struct calendar *cal = load_shipped();
	int w, want;

	CHECK(cal != NULL);
	for (int32_t d = day("2025-01-01"); d <= day("2026-12-31"); d++) {
		want = calendar_weekday(d) <= 5;
		for (size_t i = 0; i < sizeof rest_2025_26 / sizeof rest_2025_26[0]; i++)
			if (d >= day(rest_2025_26[i][0]) && d <= day(rest_2025_26[i][1]))
				want = 0;
		for (size_t i = 0; i < sizeof work_2025_26 / sizeof work_2025_26[0]; i++)
			if (d == day(work_2025_26[i]))
				want = 1;
		CHECK(calendar_is_working_day(cal, d, &w, NULL, 0) == SJ_OK);
		CHECK_INT(w, ==, want);
	}
	calendar_free(cal);
}

TEST(calendar_make_up_days_count,
     "a make-up Sunday is a working day and a Monday inside a holiday block is not")
{
	struct calendar *cal = load_shipped();
	int w = -1;

	CHECK(cal != NULL);
	CHECK_INT(calendar_weekday(day("2025-01-26")), ==, 7);
	CHECK(calendar_is_working_day(cal, day("2025-01-26"), &w, NULL, 0) == SJ_OK);
	CHECK_INT(w, ==, 1);
	CHECK_INT(calendar_weekday(day("2025-02-03")), ==, 1);
	CHECK(calendar_is_working_day(cal, day("2025-02-03"), &w, NULL, 0) == SJ_OK);
	CHECK_INT(w, ==, 0);
	CHECK(calendar_is_working_day(cal, day("2025-03-01"), &w, NULL, 0) == SJ_OK);
	CHECK_INT(w, ==, 0); /* an ordinary Saturday */
	CHECK(calendar_is_working_day(cal, day("2025-03-03"), &w, NULL, 0) == SJ_OK);
	CHECK_INT(w, ==, 1); /* an ordinary Monday */
	calendar_free(cal);
}

/* ---- Deadlines ---- */

TEST(calendar_twenty_working_days,
     "each of DOMAIN.md's six 'within 20 working days' examples comes out right")
{
	static const char *const ex[][2] = {
	    {"2025-01-20", "2025-02-21"}, {"2025-04-25", "2025-05-27"},
	    {"2025-09-20", "2025-10-23"}, {"2025-12-20", "2026-01-19"},
	    {"2026-02-02", "2026-03-06"}, {"2026-09-15", "2026-10-19"},
	};
	struct calendar *cal = load_shipped();
	char err[256], got[CALENDAR_DATE_LEN + 1];
	int32_t d;

	CHECK(cal != NULL);
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		CHECK(calendar_add_working_days(&d, cal, day(ex[i][0]), 20, err, sizeof err) ==
		      SJ_OK);
		calendar_date_format(got, d);
		if (strcmp(got, ex[i][1]) != 0)
			printf("    %s + 20 working days: got %s, want %s\n", ex[i][0], got,
			       ex[i][1]);
		CHECK(strcmp(got, ex[i][1]) == 0);
	}
	calendar_free(cal);
}

TEST(calendar_five_working_days,
     "the 5-working-day lab-test period counts make-up days and skips holiday weekdays")
{
	struct calendar *cal = load_shipped();
	int32_t d;

	CHECK(cal != NULL);
	/* Fri 01-24; Sun 01-26 (make-up) 1, Mon 01-27 2, holiday to 02-04, 02-05..07 3..5. */
	CHECK(calendar_add_working_days(&d, cal, day("2025-01-24"), 5, NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2025-02-07"));
	/* Tue 09-30; holiday 10-01..08, Thu 10-09 1, Fri 2, Sat 10-11 (make-up) 3, 13 4, 14 5. */
	CHECK(calendar_add_working_days(&d, cal, day("2025-09-30"), 5, NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2025-10-14"));
	/* The start day never counts, even when it is a working day (art. 201). */
	CHECK(calendar_add_working_days(&d, cal, day("2025-03-03"), 1, NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2025-03-04"));
	calendar_free(cal);
}

TEST(calendar_period_property,
     "for every start in 2025 and n up to 30, exactly n working days lie in (start, end]")
{
	struct calendar *cal = load_shipped();
	int32_t end;
	int w, count;

	CHECK(cal != NULL);
	for (int32_t s = day("2025-01-01"); s <= day("2025-12-31"); s++) {
		for (unsigned n = 1; n <= 30; n++) {
			CHECK(calendar_add_working_days(&end, cal, s, n, NULL, 0) == SJ_OK);
			CHECK(calendar_is_working_day(cal, end, &w, NULL, 0) == SJ_OK && w == 1);
			count = 0;
			for (int32_t d = s + 1; d <= end; d++) {
				CHECK(calendar_is_working_day(cal, d, &w, NULL, 0) == SJ_OK);
				count += w;
			}
			CHECK_INT(count, ==, n);
		}
	}
	calendar_free(cal);
}

TEST(calendar_rest_day_deadline_moves,
     "a calendar-day period ending on a rest day ends on the next working day (art. 203)")
{
	struct calendar *cal = load_shipped();
	int32_t d;

	CHECK(cal != NULL);
	/* 09-23 + 15 days = 10-08, inside the National Day block: moves to 10-09. */
	CHECK(calendar_add_days(&d, cal, day("2025-09-23"), 15, NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2025-10-09"));
	/* 01-11 + 15 days = Sunday 01-26, a make-up working day: it stays. */
	CHECK(calendar_add_days(&d, cal, day("2025-01-11"), 15, NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2025-01-26"));
	/* An ordinary Saturday moves to Monday. */
	CHECK(calendar_add_days(&d, cal, day("2025-02-22"), 7, NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2025-03-03"));
	CHECK(calendar_next_working_day(&d, cal, day("2026-02-15"), NULL, 0) == SJ_OK);
	CHECK_INT(d, ==, day("2026-02-24"));
	calendar_free(cal);
}

TEST(calendar_refuses_2027, "a date in 2027, which has no calendar, is refused naming the year")
{
	struct calendar *cal = load_shipped();
	char err[256] = "";
	int32_t d = 12345;
	int w = 7;

	CHECK(cal != NULL);
	CHECK(!calendar_has_year(cal, 2027));
	CHECK(calendar_is_working_day(cal, day("2027-03-01"), &w, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, "2027");
	CHECK_INT(w, ==, 7);
	err[0] = '\0';
	CHECK(calendar_add_working_days(&d, cal, day("2027-01-04"), 1, err, sizeof err) ==
	      SJ_ENOENT);
	CHECK_STR_HAS(err, "2027");
	CHECK_INT(d, ==, 12345);
	err[0] = '\0';
	CHECK(calendar_year_info(cal, 2027, NULL, NULL, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, "2027");
	/* 2024 is refused too: the start must have a calendar, never a guess. */
	CHECK(calendar_add_working_days(&d, cal, day("2024-12-31"), 1, err, sizeof err) ==
	      SJ_ENOENT);
	CHECK_STR_HAS(err, "2024");
	calendar_free(cal);
}

TEST(calendar_refuses_count_into_2027,
     "a count from late 2026 that runs into 2027 is refused naming 2027")
{
	struct calendar *cal = load_shipped();
	char err[256] = "";
	int32_t d = 12345;

	CHECK(cal != NULL);
	CHECK(calendar_add_working_days(&d, cal, day("2026-12-20"), 20, err, sizeof err) ==
	      SJ_ENOENT);
	CHECK_STR_HAS(err, "2027");
	CHECK_INT(d, ==, 12345);
	/* 2026-12-31 is a Thursday: one working day later is in 2027. */
	CHECK(calendar_add_working_days(&d, cal, day("2026-12-30"), 2, err, sizeof err) ==
	      SJ_ENOENT);
	CHECK(calendar_add_days(&d, cal, day("2026-12-25"), 10, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, "2027");
	/* A count that stays inside 2026 is fine. */
	CHECK(calendar_add_working_days(&d, cal, day("2026-12-29"), 2, err, sizeof err) == SJ_OK);
	CHECK_INT(d, ==, day("2026-12-31"));
	calendar_free(cal);
}

TEST(calendar_count_bounds, "a period of 0 or more than CALENDAR_MAX_COUNT days is refused")
{
	struct calendar *cal = load_shipped();
	int32_t d;

	CHECK(cal != NULL);
	CHECK(calendar_add_working_days(&d, cal, day("2025-03-03"), 0, NULL, 0) == SJ_ERANGE);
	CHECK(calendar_add_working_days(&d, cal, day("2025-03-03"), CALENDAR_MAX_COUNT + 1, NULL,
	                                0) == SJ_ERANGE);
	CHECK(calendar_add_days(&d, cal, day("2025-03-03"), 0, NULL, 0) == SJ_ERANGE);
	/* 400 working days from early 2025 would need 2027: refused, not wrapped. */
	CHECK(calendar_add_working_days(&d, cal, day("2025-01-02"), 400, NULL, 0) == SJ_OK);
	CHECK(calendar_add_working_days(&d, cal, day("2025-01-02"), 500, NULL, 0) == SJ_ENOENT);
	CHECK(calendar_is_working_day(cal, INT32_MAX, &(int){0}, NULL, 0) == SJ_EINVAL);
	calendar_free(cal);
}

/* ---- The file format ---- */

#define HEAD "year 2025\nsource test notice\n"

static int parse_str(struct calendar *cal, const char *text, char *err, size_t cap)
{
	return calendar_parse(cal, text, strlen(text), "t.txt", err, cap);
}

TEST(calendar_minimal_file, "a minimal file parses, and its working-days line is its checksum")
{
	struct calendar *cal;
	unsigned n;
	char err[256];

	CHECK(calendar_new(&cal) == SJ_OK);
	/* 2025 has 261 weekdays; one weekday off and one Saturday on leave 261. */
	CHECK(parse_str(cal,
	                "# comment\n\n" HEAD "rest 2025-01-01 元旦\nwork 2025-01-04 "
	                "调休\n\nworking-days 261\n# trailing comment\n",
	                err, sizeof err) == SJ_OK);
	CHECK(calendar_year_info(cal, 2025, &n, NULL, NULL, 0) == SJ_OK);
	CHECK_INT(n, ==, 261);
	CHECK(parse_str(cal, HEAD "working-days 261\n", err, sizeof err) == SJ_EEXIST);
	CHECK_STR_HAS(err, "2025");
	calendar_free(cal);
}

TEST(calendar_malformed_files,
     "a malformed calendar file is refused with a message naming the line")
{
	static const struct {
		const char *text;
		const char *where; /* must appear in the message */
		const char *why;   /* and so must this */
	} bad[] = {
	    {"source x\nyear 2025\n", "t.txt:1:", "year YYYY"},
	    {"year 2025\nrest 2025-01-01 元旦\n", "t.txt:2:", "source"},
	    {"year 25\n", "t.txt:1:", "four digits"},
	    {"year 2025\nyear 2025\n", "t.txt:2:", "second year"},
	    {HEAD "rest 2025-01-01 元旦\nworking-days 248\n", "t.txt:4:", "working-days says 248"},
	    {HEAD "work 2025-01-27 调休\nworking-days 262\n", "t.txt:3:", "Monday"},
	    {HEAD "rest 2025-02-01 a\nrest 2025-01-28..2025-02-04 b\nworking-days 255\n",
	     "t.txt:4:", "date order"},
	    {HEAD "rest 2025-01-28..2025-02-04 b\nwork 2025-02-01 c\nworking-days 256\n",
	     "t.txt:4:", "overlap"},
	    {HEAD "rest 2026-01-01 元旦\nworking-days 261\n", "t.txt:3:", "not in 2025"},
	    {HEAD "rest 2025-02-30 x\nworking-days 261\n", "t.txt:3:", "not a date"},
	    {HEAD "rest 2025-02-04..2025-01-28 x\nworking-days 261\n",
	     "t.txt:3:", "does not end after"},
	    {HEAD "rest 2025-01-01\nworking-days 260\n", "t.txt:3:", "missing label"},
	    {HEAD "work 2025-01-04..2025-01-05 x\nworking-days 263\n", "t.txt:3:", "not a range"},
	    {HEAD "rest 2025-01-01 元旦\r\nworking-days 260\n", "t.txt:3:", "carriage return"},
	    {HEAD "rest 2025-01-01 元旦\tx\nworking-days 260\n", "t.txt:3:", "control byte"},
	    {HEAD "rest 2025-01-01 \xe5\x85\nworking-days 260\n", "t.txt:3:", "UTF-8"},
	    {HEAD "rest 2025-01-01 \xc0\xaf\nworking-days 260\n", "t.txt:3:", "UTF-8"},
	    {HEAD "rest 2025-01-01 元旦 \nworking-days 260\n", "t.txt:3:", "ends in a space"},
	    {HEAD "rest  2025-01-01 元旦\nworking-days 260\n", "t.txt:3:", "not a date"},
	    {HEAD "holiday 2025-01-01 元旦\nworking-days 260\n", "t.txt:3:", "unknown line"},
	    {HEAD "working-days 261\nrest 2025-01-01 元旦\n", "t.txt:4:", "after the working-days"},
	    {HEAD "working-days 0261\n", "t.txt:3:", "leading zeros"},
	    {HEAD "working-days 261", "t.txt:3:", "newline"},
	    {HEAD "rest 2025-01-01 元旦\n", "t.txt:4:", "working-days N"},
	    {"\xef\xbb\xbfyear 2025\n", "t.txt:1:", "byte-order mark"},
	    {"year 2025\nsource \nworking-days 261\n", "t.txt:2:", "ends in a space"},
	    {"", "t.txt:1:", "year YYYY"},
	};
	struct calendar *cal;
	char err[512];

	CHECK(calendar_new(&cal) == SJ_OK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		int rc = parse_str(cal, bad[i].text, err, sizeof err);
		if (rc != SJ_EINVAL || strstr(err, bad[i].where) == NULL ||
		    strstr(err, bad[i].why) == NULL)
			printf("    case %zu: rc %d, message '%s'\n", i, rc, err);
		CHECK_INT(rc, ==, SJ_EINVAL);
		CHECK_STR_HAS(err, bad[i].where);
		CHECK_STR_HAS(err, bad[i].why);
		/* A refused file leaves the calendar as it was. */
		CHECK(!calendar_has_year(cal, 2025));
	}
	calendar_free(cal);
}

TEST(calendar_size_cap, "a calendar file above CALENDAR_MAX_BYTES is refused before it is read")
{
	struct calendar *cal;
	char *big = malloc(CALENDAR_MAX_BYTES + 2);
	char err[128];

	CHECK(big != NULL);
	memset(big, '#', CALENDAR_MAX_BYTES + 1);
	big[CALENDAR_MAX_BYTES + 1] = '\0';
	CHECK(calendar_new(&cal) == SJ_OK);
	CHECK(calendar_parse(cal, big, CALENDAR_MAX_BYTES + 1, "big", err, sizeof err) ==
	      SJ_ERANGE);
	calendar_free(cal);
	free(big);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

TEST(calendar_file_name_must_match, "a file named cn-2026.txt whose year line says 2025 is refused")
{
	struct calendar *cal;
	char path[512], err[512];
	const char *dir = harness_tmpdir();

	snprintf(path, sizeof path, "%s/cn-2026.txt", dir);
	CHECK(write_text(path, HEAD "working-days 261\n") == 0);
	CHECK(calendar_new(&cal) == SJ_OK);
	CHECK(calendar_load_file(cal, path, err, sizeof err) == SJ_EINVAL);
	CHECK_STR_HAS(err, "named for 2026");
	CHECK(!calendar_has_year(cal, 2025));
	CHECK(calendar_load_dir(cal, dir, err, sizeof err) == SJ_EINVAL);
	CHECK(remove(path) == 0);
	CHECK(calendar_load_dir(cal, dir, err, sizeof err) == SJ_ENOENT);
	CHECK_STR_HAS(err, "cn-YYYY.txt");
	/* A file under another name is ignored by the directory loader. */
	snprintf(path, sizeof path, "%s/README.txt", dir);
	CHECK(write_text(path, "not a calendar\n") == 0);
	CHECK(calendar_load_dir(cal, dir, err, sizeof err) == SJ_ENOENT);
	snprintf(path, sizeof path, "%s/cn-2025.txt", dir);
	CHECK(write_text(path, HEAD "working-days 261\n") == 0);
	CHECK(calendar_load_dir(cal, dir, err, sizeof err) == SJ_OK);
	CHECK(calendar_has_year(cal, 2025));
	calendar_free(cal);
}
