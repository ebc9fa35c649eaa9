/*
 * calendar.c: the working-day calendar of R15 and the deadlines counted in
 * it. The file format and its rules are listed in calendar.h; the parser
 * checks them line by line, in that order, and names the line it stops at.
 *
 * One loaded year is a bitmap of its days (bit set = working day), built
 * once when the file is parsed; every question afterwards is a bit test.
 * Dates convert with Howard Hinnant's days_from_civil / civil_from_days
 * algorithms, restricted to years 1900..9999 so every intermediate value
 * is non-negative and fits in 32 bits.
 */
#define _POSIX_C_SOURCE 200809L
#include "results/calendar.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "common/util.h"

struct calendar_year {
	int year;
	int32_t first;               /* day number of January 1 */
	unsigned ndays;              /* 365 or 366 */
	unsigned working_days;       /* bits set in work */
	uint8_t work[(366 + 7) / 8]; /* bit i: day first + i is a working day */
	char source[CALENDAR_MAX_SOURCE + 1];
};

struct calendar {
	size_t n;
	struct calendar_year years[CALENDAR_MAX_YEARS];
};

static int fail(int rc, char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t err_cap, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_cap > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_cap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- Dates ---- */

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* days_from_civil for y >= 1900: era, yoe and doe are all non-negative. */
static int32_t from_civil(int y, int m, int d)
{
	int yy = m <= 2 ? y - 1 : y;
	int era = yy / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

/* The first and one-past-last day numbers this module accepts. */
static int32_t min_date(void)
{
	return from_civil(CALENDAR_MIN_YEAR, 1, 1);
}

static int32_t end_date(void)
{
	return from_civil(CALENDAR_MAX_YEAR + 1, 1, 1);
}

static int date_ok(int32_t date)
{
	return date >= min_date() && date < end_date();
}

int calendar_date(int32_t *out, int year, int month, int day)
{
	if (year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR || month < 1 || month > 12 ||
	    day < 1 || day > month_days(year, month))
		return SJ_EINVAL;
	*out = from_civil(year, month, day);
	return SJ_OK;
}

void calendar_ymd(int32_t date, int *year, int *month, int *day)
{
	int z, era, doe, yoe, doy, mp, m;

	if (!date_ok(date)) {
		*year = *month = *day = 0;
		return;
	}
	/* civil_from_days; date + 719468 is positive for every year >= 1900. */
	z = (int)date + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = mp < 10 ? mp + 3 : mp - 9;

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = m;
	*year = yoe + era * 400 + (m <= 2);
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

int calendar_date_parse(int32_t *out, const char *s, size_t len)
{
	int y, m, d;

	if (s == NULL || len != CALENDAR_DATE_LEN || s[4] != '-' || s[7] != '-' ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return SJ_EINVAL;
	return calendar_date(out, y, m, d);
}

void calendar_date_format(char out[CALENDAR_DATE_LEN + 1], int32_t date)
{
	int y, m, d;

	calendar_ymd(date, &y, &m, &d);
	snprintf(out, CALENDAR_DATE_LEN + 1, "%04u-%02u-%02u", (unsigned)y % 10000u,
	         (unsigned)m % 100u, (unsigned)d % 100u);
}

int calendar_weekday(int32_t date)
{
	/* Day 0 was a Thursday (4); the double modulo handles negative days. */
	return (int)(((date % 7) + 7 + 3) % 7) + 1;
}

static int year_of(int32_t date)
{
	int y, m, d;

	calendar_ymd(date, &y, &m, &d);
	return y;
}

/* ---- Loading ---- */

int calendar_new(struct calendar **out)
{
	*out = calloc(1, sizeof **out);
	return *out == NULL ? SJ_ENOMEM : SJ_OK;
}

void calendar_free(struct calendar *cal)
{
	free(cal);
}

/* The parser's position, for messages that name the line. */
struct parse {
	const char *name;
	unsigned line;
	char *err;
	size_t err_cap;
};

static int bad(const struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const struct parse *p, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail(SJ_EINVAL, p->err, p->err_cap, "%s:%u: %s", p->name, p->line, msg);
}

/* Checks one line's bytes (without its LF): text only, as calendar.h says. */
static int check_bytes(const struct parse *p, const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, n;

	if (len > CALENDAR_MAX_LINE)
		return bad(p, "line is longer than %d bytes", CALENDAR_MAX_LINE);
	while (i < len) {
		if (s[i] == '\r')
			return bad(p, "carriage return (lines must end in LF alone)");
		if (s[i] < 0x20 || s[i] == 0x7f)
			return bad(p, "control byte 0x%02x", s[i]);
		n = utf8_next(s + i, len - i, NULL);
		if (n == 0)
			return bad(p, "invalid UTF-8 at byte %zu", i + 1);
		i += n;
	}
	return SJ_OK;
}

/* A label or source: 1..max bytes, not starting or ending in a space. */
static int check_text(const struct parse *p, const char *what, const char *s, size_t len,
                      size_t max)
{
	if (len == 0)
		return bad(p, "missing %s", what);
	if (len > max)
		return bad(p, "%s is longer than %zu bytes", what, max);
	if (s[0] == ' ' || s[len - 1] == ' ')
		return bad(p, "%s starts or ends with a space", what);
	return SJ_OK;
}

/* Parses "YYYY-MM-DD" at s[0..len) as a date in year y. */
static int parse_day(const struct parse *p, const char *s, size_t len, int y, int32_t *out)
{
	int yy, m, d;

	if (calendar_date_parse(out, s, len) != SJ_OK)
		return bad(p, "'%.*s' is not a date YYYY-MM-DD", (int)(len > 32 ? 32 : len), s);
	calendar_ymd(*out, &yy, &m, &d);
	if (yy != y)
		return bad(p, "date %.*s is not in %d", (int)len, s, y);
	return SJ_OK;
}

static const char *weekday_name(int wd)
{
	static const char *const names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
	                                     "Friday", "Saturday", "Sunday"};
	return names[wd - 1];
}

/* The state of one file's parse: what has been seen so far. */
struct year_build {
	int have_year, have_source, have_total;
	unsigned total, total_line;
	int32_t last;       /* last day of the previous rest or work line */
	unsigned last_line; /* and that line's number, 0 before the first */
	uint8_t rest[(366 + 7) / 8];
	uint8_t make_up[(366 + 7) / 8];
};

static void set_bit(uint8_t *bits, unsigned i)
{
	bits[i / 8] = (uint8_t)(bits[i / 8] | (1u << (i % 8)));
}

static int get_bit(const uint8_t *bits, unsigned i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

/* "rest FIRST[..LAST] LABEL" or "work DAY LABEL"; args is after the keyword. */
static int parse_days(const struct parse *p, struct calendar_year *y, struct year_build *b,
                      int work, const char *args, size_t len)
{
	const char *sp = memchr(args, ' ', len);
	size_t dlen = sp == NULL ? len : (size_t)(sp - args);
	const char *label = sp == NULL ? args + len : sp + 1;
	size_t label_len = sp == NULL ? 0 : len - dlen - 1;
	int32_t first, last;
	char a[CALENDAR_DATE_LEN + 1], c[CALENDAR_DATE_LEN + 1];
	int rc;

	if (!work && dlen == 2 * CALENDAR_DATE_LEN + 2 && args[CALENDAR_DATE_LEN] == '.' &&
	    args[CALENDAR_DATE_LEN + 1] == '.') {
		if ((rc = parse_day(p, args, CALENDAR_DATE_LEN, y->year, &first)) != SJ_OK ||
		    (rc = parse_day(p, args + CALENDAR_DATE_LEN + 2, CALENDAR_DATE_LEN, y->year,
		                    &last)) != SJ_OK)
			return rc;
		if (last <= first)
			return bad(p, "range %.*s does not end after it starts", (int)dlen, args);
	} else {
		if (work && memchr(args, '.', dlen) != NULL)
			return bad(p, "a make-up working day is one date, not a range");
		if ((rc = parse_day(p, args, dlen, y->year, &first)) != SJ_OK)
			return rc;
		last = first;
	}
	if ((rc = check_text(p, "label", label, label_len, CALENDAR_MAX_LABEL)) != SJ_OK)
		return rc;
	if (b->last_line != 0 && first <= b->last) {
		calendar_date_format(a, first);
		calendar_date_format(c, b->last);
		return bad(p,
		           "%s is not after %s (line %u): rest and work lines must be in date "
		           "order and must not overlap",
		           a, c, b->last_line);
	}
	if (work && calendar_weekday(first) < 6) {
		calendar_date_format(a, first);
		return bad(p,
		           "make-up working day %s is a %s; a make-up working day (调休上班) is a "
		           "Saturday or a Sunday",
		           a, weekday_name(calendar_weekday(first)));
	}
	for (int32_t d = first; d <= last; d++)
		set_bit(work ? b->make_up : b->rest, (unsigned)(d - y->first));
	b->last = last;
	b->last_line = p->line;
	return SJ_OK;
}

/* One line (without its LF) that is neither empty nor a comment. */
static int parse_line(const struct parse *p, struct calendar_year *y, struct year_build *b,
                      const char *s, size_t len)
{
	const char *sp = memchr(s, ' ', len);
	size_t kw = sp == NULL ? len : (size_t)(sp - s);
	const char *args = sp == NULL ? s + len : sp + 1;
	size_t args_len = sp == NULL ? 0 : len - kw - 1;
	int v, rc;

	if (len > 0 && s[len - 1] == ' ')
		return bad(p, "line ends in a space");
	if (b->have_total)
		return bad(p, "a line after the working-days line");

	if (kw == 4 && memcmp(s, "year", 4) == 0) {
		if (b->have_year)
			return bad(p, "a second year line");
		if (args_len != 4 || !digits(args, 4, &v) || v < CALENDAR_MIN_YEAR ||
		    v > CALENDAR_MAX_YEAR)
			return bad(p, "year must be four digits, %d..%d", CALENDAR_MIN_YEAR,
			           CALENDAR_MAX_YEAR);
		y->year = v;
		y->first = from_civil(v, 1, 1);
		y->ndays = is_leap(v) ? 366u : 365u;
		b->have_year = 1;
		return SJ_OK;
	}
	if (!b->have_year)
		return bad(p, "the first line that is not a comment must be 'year YYYY'");

	if (kw == 6 && memcmp(s, "source", 6) == 0) {
		if (b->have_source)
			return bad(p, "a second source line");
		if ((rc = check_text(p, "source", args, args_len, CALENDAR_MAX_SOURCE)) != SJ_OK)
			return rc;
		memcpy(y->source, args, args_len);
		y->source[args_len] = '\0';
		b->have_source = 1;
		return SJ_OK;
	}
	if (!b->have_source)
		return bad(p, "the line after the year line must be 'source TEXT' naming the "
		              "State Council notice");

	if (kw == 4 && memcmp(s, "rest", 4) == 0)
		return parse_days(p, y, b, 0, args, args_len);
	if (kw == 4 && memcmp(s, "work", 4) == 0)
		return parse_days(p, y, b, 1, args, args_len);

	if (kw == 12 && memcmp(s, "working-days", 12) == 0) {
		if (args_len < 1 || args_len > 3 || !digits(args, args_len, &v) ||
		    (args[0] == '0' && args_len > 1) || (unsigned)v > y->ndays)
			return bad(p, "working-days must be a number 0..%u without leading zeros",
			           y->ndays);
		b->total = (unsigned)v;
		b->total_line = p->line;
		b->have_total = 1;
		return SJ_OK;
	}
	return bad(p, "unknown line '%.*s' (expected year, source, rest, work or working-days)",
	           (int)(kw > 24 ? 24 : kw), s);
}

/* Parses one file into *y (zeroed first). The rules are in calendar.h. */
static int parse_year(struct calendar_year *y, const char *text, size_t len, const char *name,
                      char *err, size_t err_cap)
{
	struct parse p = {name != NULL ? name : "calendar", 0, err, err_cap};
	struct year_build b;
	size_t off = 0;
	int rc;

	memset(y, 0, sizeof *y);
	memset(&b, 0, sizeof b);
	if (len > CALENDAR_MAX_BYTES)
		return fail(SJ_ERANGE, err, err_cap, "%s: larger than %u bytes", p.name,
		            CALENDAR_MAX_BYTES);
	if (text == NULL && len > 0)
		return fail(SJ_EINVAL, err, err_cap, "%s: no text", p.name);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		p.line = 1;
		return bad(&p, "byte-order mark (the file must be plain UTF-8)");
	}

	while (off < len) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl == NULL ? len - off : (size_t)(nl - s);

		p.line++;
		if ((rc = check_bytes(&p, s, n)) != SJ_OK)
			return rc;
		if (nl == NULL)
			return bad(&p, "last line does not end in a newline (truncated file?)");
		off += n + 1;
		if (n == 0 || s[0] == '#')
			continue;
		if ((rc = parse_line(&p, y, &b, s, n)) != SJ_OK)
			return rc;
	}

	p.line++;
	if (!b.have_year)
		return bad(&p, "end of file before the 'year YYYY' line");
	if (!b.have_source)
		return bad(&p, "end of file before the 'source TEXT' line");
	if (!b.have_total)
		return bad(&p, "end of file before the 'working-days N' line (truncated file?)");

	/* The file's checksum: the count its lines give must be the count it states. */
	for (unsigned i = 0; i < y->ndays; i++) {
		int wd = calendar_weekday(y->first + (int32_t)i);
		if (get_bit(b.make_up, i) || (wd <= 5 && !get_bit(b.rest, i))) {
			set_bit(y->work, i);
			y->working_days++;
		}
	}
	if (y->working_days != b.total) {
		p.line = b.total_line;
		return bad(&p, "working-days says %u but the rest and work lines give %u", b.total,
		           y->working_days);
	}
	return SJ_OK;
}

static const struct calendar_year *find_year(const struct calendar *cal, int year)
{
	for (size_t i = 0; i < cal->n; i++)
		if (cal->years[i].year == year)
			return &cal->years[i];
	return NULL;
}

static int add_year(struct calendar *cal, const struct calendar_year *y, const char *name,
                    char *err, size_t err_cap)
{
	if (find_year(cal, y->year) != NULL)
		return fail(SJ_EEXIST, err, err_cap, "%s: the calendar for %d is already loaded",
		            name, y->year);
	if (cal->n == CALENDAR_MAX_YEARS)
		return fail(SJ_ERANGE, err, err_cap, "%s: a calendar holds at most %d years", name,
		            CALENDAR_MAX_YEARS);
	cal->years[cal->n++] = *y;
	return SJ_OK;
}

int calendar_parse(struct calendar *cal, const char *text, size_t len, const char *name, char *err,
                   size_t err_cap)
{
	struct calendar_year y;
	int rc;

	if (cal == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar");
	if (name == NULL)
		name = "calendar";
	if ((rc = parse_year(&y, text, len, name, err, err_cap)) != SJ_OK)
		return rc;
	return add_year(cal, &y, name, err, err_cap);
}

/* The year YYYY when base (a file name without directories) is cn-YYYY.txt, else 0. */
static int name_year(const char *base)
{
	int y;

	if (strlen(base) != 11 || memcmp(base, "cn-", 3) != 0 || strcmp(base + 7, ".txt") != 0 ||
	    !digits(base + 3, 4, &y))
		return 0;
	return y;
}

int calendar_load_file(struct calendar *cal, const char *path, char *err, size_t err_cap)
{
	struct calendar_year y;
	const char *base;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc, want;

	if (cal == NULL || path == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar or no path");
	rc = util_read_file(&buf, &len, path, CALENDAR_MAX_BYTES);
	if (rc != SJ_OK)
		return fail(rc, err, err_cap, "%s: %s", path,
		            rc == SJ_ERANGE ? "larger than the calendar file limit"
		                            : sj_strerror(rc));
	rc = parse_year(&y, (const char *)buf, len, path, err, err_cap);
	free(buf);
	if (rc != SJ_OK)
		return rc;
	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	want = name_year(base);
	if (want != 0 && want != y.year)
		return fail(SJ_EINVAL, err, err_cap,
		            "%s: the file is named for %d but its year line "
		            "says %d",
		            path, want, y.year);
	return add_year(cal, &y, path, err, err_cap);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int calendar_load_dir(struct calendar *cal, const char *dir, char *err, size_t err_cap)
{
	char *names[CALENDAR_MAX_YEARS + 1];
	char path[4096];
	struct dirent *e;
	size_t n = 0;
	DIR *d;
	int rc = SJ_OK;

	if (cal == NULL || dir == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar or no directory");
	d = opendir(dir);
	if (d == NULL)
		return fail(SJ_ENOENT, err, err_cap, "%s: cannot open the calendar directory", dir);
	while ((e = readdir(d)) != NULL) {
		if (name_year(e->d_name) == 0)
			continue;
		if (n == CALENDAR_MAX_YEARS) {
			rc = fail(SJ_ERANGE, err, err_cap, "%s: more than %d calendar files", dir,
			          CALENDAR_MAX_YEARS);
			goto out_names;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = fail(SJ_ENOMEM, err, err_cap, "%s: out of memory", dir);
			goto out_names;
		}
		n++;
	}
	if (n == 0) {
		rc = fail(SJ_ENOENT, err, err_cap, "%s: no calendar file named cn-YYYY.txt", dir);
		goto out_names;
	}
	qsort(names, n, sizeof names[0], cmp_names);
	for (size_t i = 0; i < n && rc == SJ_OK; i++) {
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path)
			rc = fail(SJ_ERANGE, err, err_cap, "%s: path too long", dir);
		else
			rc = calendar_load_file(cal, path, err, err_cap);
	}
out_names:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	closedir(d);
	return rc;
}

/* ---- Questions ---- */

int calendar_has_year(const struct calendar *cal, int year)
{
	return cal != NULL && find_year(cal, year) != NULL;
}

static int no_year(int year, char *err, size_t err_cap)
{
	return fail(SJ_ENOENT, err, err_cap,
	            "no working-day calendar for %d is loaded (R15: the State Council publishes "
	            "it in November of the year before); refusing to guess",
	            year);
}

int calendar_year_info(const struct calendar *cal, int year, unsigned *working_days,
                       const char **source, char *err, size_t err_cap)
{
	const struct calendar_year *y = cal == NULL ? NULL : find_year(cal, year);

	if (y == NULL)
		return no_year(year, err, err_cap);
	if (working_days != NULL)
		*working_days = y->working_days;
	if (source != NULL)
		*source = y->source;
	return SJ_OK;
}

/*
 * Looks date up; *hint caches the year of the previous look-up so a
 * deadline that walks day by day searches the year list once per year.
 */
static int working(const struct calendar *cal, int32_t date, const struct calendar_year **hint,
                   int *out, char *err, size_t err_cap)
{
	const struct calendar_year *y = *hint;

	if (!date_ok(date))
		return fail(SJ_EINVAL, err, err_cap, "day %ld is outside the years %d..%d",
		            (long)date, CALENDAR_MIN_YEAR, CALENDAR_MAX_YEAR);
	if (y == NULL || date < y->first || date >= y->first + (int32_t)y->ndays) {
		int year = year_of(date);
		if ((y = find_year(cal, year)) == NULL)
			return no_year(year, err, err_cap);
		*hint = y;
	}
	*out = get_bit(y->work, (unsigned)(date - y->first));
	return SJ_OK;
}

int calendar_is_working_day(const struct calendar *cal, int32_t date, int *out, char *err,
                            size_t err_cap)
{
	const struct calendar_year *hint = NULL;

	if (cal == NULL || out == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar");
	return working(cal, date, &hint, out, err, err_cap);
}

int calendar_add_working_days(int32_t *out, const struct calendar *cal, int32_t start, unsigned n,
                              char *err, size_t err_cap)
{
	const struct calendar_year *hint = NULL;
	int32_t d = start;
	int w, rc;

	if (cal == NULL || out == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar");
	if (n < 1 || n > CALENDAR_MAX_COUNT)
		return fail(SJ_ERANGE, err, err_cap, "a period of %u working days is not 1..%d", n,
		            CALENDAR_MAX_COUNT);
	/* The start is looked up too: every date touched must have a calendar. */
	if ((rc = working(cal, start, &hint, &w, err, err_cap)) != SJ_OK)
		return rc;
	/* Art. 201: the start day does not count; the n-th working day after it
	 * ends the period. n <= 1000 and every loaded year has a finite number
	 * of days, so the walk ends at a working day or at an unloaded year. */
	while (n > 0) {
		d++;
		if ((rc = working(cal, d, &hint, &w, err, err_cap)) != SJ_OK)
			return rc;
		n -= (unsigned)w;
	}
	*out = d;
	return SJ_OK;
}

int calendar_next_working_day(int32_t *out, const struct calendar *cal, int32_t date, char *err,
                              size_t err_cap)
{
	const struct calendar_year *hint = NULL;
	int w = 0, rc;

	if (cal == NULL || out == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar");
	for (;;) {
		if ((rc = working(cal, date, &hint, &w, err, err_cap)) != SJ_OK)
			return rc;
		if (w)
			break;
		date++;
	}
	*out = date;
	return SJ_OK;
}

int calendar_add_days(int32_t *out, const struct calendar *cal, int32_t start, unsigned n,
                      char *err, size_t err_cap)
{
	const struct calendar_year *hint = NULL;
	int w, rc;

	if (cal == NULL || out == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no calendar");
	if (n < 1 || n > CALENDAR_MAX_COUNT)
		return fail(SJ_ERANGE, err, err_cap, "a period of %u days is not 1..%d", n,
		            CALENDAR_MAX_COUNT);
	if ((rc = working(cal, start, &hint, &w, err, err_cap)) != SJ_OK)
		return rc;
	return calendar_next_working_day(out, cal, start + (int32_t)n, err, err_cap);
}
