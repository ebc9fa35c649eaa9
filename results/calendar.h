/*
 * calendar.h: the official working-day calendar (R15) and the deadlines
 * counted in it. Pure code apart from the two loaders at the end: dates are
 * whole days, arithmetic is integer only, and nothing reads the clock.
 *
 * A date is an int32_t day number: days since 1970-01-01 (day 0, a
 * Thursday), negative before. Only the years 1900..9999 are accepted.
 *
 * The calendar is data, not code: one text file per year, cn-YYYY.txt,
 * transcribing the State Council's notice for that year (国务院办公厅关于
 * YYYY年部分节假日安排的通知, published each November for the next year).
 * A file is UTF-8 text of lines ending in LF, at most CALENDAR_MAX_BYTES:
 *
 *   LINE                              MEANING
 *   # any text                        a comment (only as the first byte)
 *   (empty)                           ignored
 *   year YYYY                         the year; the first line that is not
 *                                     a comment, exactly once
 *   source TEXT                       where the dates come from (the
 *                                     notice's title, number, date); exactly
 *                                     once, right after the year line
 *   rest YYYY-MM-DD LABEL             a day off (放假)
 *   rest YYYY-MM-DD..YYYY-MM-DD LABEL
 *                                     a block of days off, both ends
 *                                     included
 *   work YYYY-MM-DD LABEL             a make-up working day (调休上班)
 *   working-days N                    the year's number of working days,
 *                                     the last line that is not a comment
 *
 * and a file is valid if and only if: it has no byte-order mark, no CR, no
 * tab and no other control byte, and is valid UTF-8; every line, the last
 * included, ends in LF and is at most CALENDAR_MAX_LINE bytes; fields are
 * separated by exactly one space and no line ends in a space; the year is
 * 1900..9999 and every date is a real date in that year; rest and work
 * lines are in ascending date order and no two of them share a day (a
 * range counts as all its days); a make-up working day is a Saturday or a
 * Sunday; a label is 1..CALENDAR_MAX_LABEL bytes and a source
 * 1..CALENDAR_MAX_SOURCE bytes; N is a decimal without leading zeros and
 * equals the count the lines give. That last rule is the file's checksum:
 * a dropped or mistyped line changes the count.
 *
 * A day is a working day if and only if it is a make-up working day, or it
 * is a Monday to Friday that no rest line covers. So a weekday inside a
 * holiday block is not a working day and a 调休 weekend day is.
 *
 * Deadlines (docs/results.md):
 *   - a period is counted from the day after its start (民法典 art. 201);
 *   - "within n working days of D" ends on the n-th working day after D;
 *   - a period counted in calendar days that ends on a rest day ends on
 *     the next working day instead (民法典 art. 203).
 * Every date a function looks at, the start included, must lie in a year
 * whose calendar is loaded; otherwise it fails with SJ_ENOENT and a message
 * naming the year. It never guesses a year from weekdays.
 */
#ifndef SUIJI_RESULTS_CALENDAR_H
#define SUIJI_RESULTS_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CALENDAR_MIN_YEAR   1900
#define CALENDAR_MAX_YEAR   9999
#define CALENDAR_MAX_YEARS  64            /* years one calendar holds */
#define CALENDAR_MAX_BYTES  (64u * 1024u) /* one year's file */
#define CALENDAR_MAX_LINE   512
#define CALENDAR_MAX_LABEL  128
#define CALENDAR_MAX_SOURCE 256
#define CALENDAR_MAX_COUNT  1000 /* largest n a deadline function takes */
#define CALENDAR_DATE_LEN   10   /* "YYYY-MM-DD" */

struct calendar;

/* ---- Dates ---- */

/* The day number of year-month-day. Errors: SJ_EINVAL when it is not a real
 * date in CALENDAR_MIN_YEAR..CALENDAR_MAX_YEAR (*out untouched). */
SJ_WUR int calendar_date(int32_t *out, int year, int month, int day);

/* Splits a day number into its year, month and day; all three are 0 for a
 * day outside the years this module accepts. */
void calendar_ymd(int32_t date, int *year, int *month, int *day);

/* Parses exactly "YYYY-MM-DD" from s[0..len) (len must be 10). Errors:
 * SJ_EINVAL for any other text or a date that does not exist. */
SJ_WUR int calendar_date_parse(int32_t *out, const char *s, size_t len);

/* Writes "YYYY-MM-DD" and a NUL into out. */
void calendar_date_format(char out[CALENDAR_DATE_LEN + 1], int32_t date);

/* ISO 8601 weekday: 1 = Monday ... 7 = Sunday. */
int calendar_weekday(int32_t date);

/* ---- Loading ---- */

/* A new calendar with no year loaded. Errors: SJ_ENOMEM. */
SJ_WUR int calendar_new(struct calendar **out);
void calendar_free(struct calendar *cal);

/*
 * Parses one year's file from text[0..len) (borrowed, not kept) and adds
 * the year to cal. name (borrowed) starts every error message, which then
 * names the line: "cn-2025.txt:12: ...". On any error cal is unchanged.
 * Errors: SJ_ERANGE (len above CALENDAR_MAX_BYTES, checked first, or cal
 * already holds CALENDAR_MAX_YEARS years), SJ_EINVAL (the file breaks a
 * rule above), SJ_EEXIST (that year is loaded already).
 */
SJ_WUR int calendar_parse(struct calendar *cal, const char *text, size_t len, const char *name,
                          char *err, size_t err_cap);

/*
 * Reads and parses the file at path, as calendar_parse with the path as
 * name. When the file's name is cn-YYYY.txt, its year line must say YYYY.
 * Errors: those of calendar_parse, SJ_ENOENT (no such file), SJ_EIO,
 * SJ_ENOMEM.
 */
SJ_WUR int calendar_load_file(struct calendar *cal, const char *path, char *err, size_t err_cap);

/*
 * Loads every file named cn-YYYY.txt in the directory dir, in name order;
 * other names are ignored. Errors: SJ_ENOENT (no such directory, or no
 * such file in it), the errors of calendar_load_file; on error the years
 * loaded before the failing file stay loaded.
 */
SJ_WUR int calendar_load_dir(struct calendar *cal, const char *dir, char *err, size_t err_cap);

/* ---- Questions ---- */

/* 1 when year's calendar is loaded, else 0. */
int calendar_has_year(const struct calendar *cal, int year);

/* The number of working days of a loaded year and its source line
 * (borrowed; valid until calendar_free). Errors: SJ_ENOENT naming the year. */
SJ_WUR int calendar_year_info(const struct calendar *cal, int year, unsigned *working_days,
                              const char **source, char *err, size_t err_cap);

/* *working = 1 when date is a working day, 0 when it is a rest day.
 * Errors: SJ_EINVAL (not a date of this module), SJ_ENOENT (its year has
 * no calendar, named in err). */
SJ_WUR int calendar_is_working_day(const struct calendar *cal, int32_t date, int *working,
                                   char *err, size_t err_cap);

/*
 * The last day of a period of n working days starting on start: the n-th
 * working day after start (民法典 art. 201; being a working day, it is
 * never moved by art. 203). n is 1..CALENDAR_MAX_COUNT. Errors: SJ_ERANGE
 * (n out of range), SJ_EINVAL (start not a date), SJ_ENOENT (the start or a
 * day counted lies in a year without a calendar, named in err).
 */
SJ_WUR int calendar_add_working_days(int32_t *out, const struct calendar *cal, int32_t start,
                                     unsigned n, char *err, size_t err_cap);

/* date itself when it is a working day, else the first working day after
 * it (民法典 art. 203). Errors: as calendar_is_working_day. */
SJ_WUR int calendar_next_working_day(int32_t *out, const struct calendar *cal, int32_t date,
                                     char *err, size_t err_cap);

/*
 * The last day of a period of n calendar days starting on start: start + n
 * (art. 201), moved to the next working day when that is a rest day
 * (art. 203). n is 1..CALENDAR_MAX_COUNT. Errors: as
 * calendar_add_working_days.
 */
SJ_WUR int calendar_add_days(int32_t *out, const struct calendar *cal, int32_t start, unsigned n,
                             char *err, size_t err_cap);

#endif
