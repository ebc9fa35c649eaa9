/*
 * publish.c: the public record of R17, the scanner that keeps personal
 * numbers out of it, and its CSV and JSON writers. The fields, the columns
 * and what is withheld are listed in publish.h.
 *
 * The writers check every record before writing a byte, so a refused
 * record never leaves a partial file behind, and they write only the
 * fields of struct publish_record: there is no code path from a result's
 * free text to the output.
 */
#include "results/publish.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/calendar.h"

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

static const char *const columns[PUBLISH_COLUMNS] = {
    "企业名称",     "统一社会信用代码", "抽查计划编号", "抽查计划名称", "抽查任务编号",
    "抽查任务名称", "检查实施机关",     "类型",         "日期",         "结果",
    "后续处理",
};

enum column {
	COL_NAME,
	COL_USCC,
	COL_PLAN_NO,
	COL_PLAN_NAME,
	COL_TASK_NO,
	COL_TASK_NAME,
	COL_AGENCIES,
	COL_TYPE,
	COL_DATE,
	COL_RESULT,
	COL_FOLLOWUP,
};

/* Joins agency names and category labels in a CSV cell. */
#define JOINER "；"

const char *const *publish_columns(void)
{
	return columns;
}

const char *publish_type_label(enum publish_type t)
{
	switch (t) {
	case PUBLISH_TYPE_DIRECTED: return "定向抽查";
	case PUBLISH_TYPE_UNDIRECTED: return "不定向抽查";
	case PUBLISH_TYPE_SPECIAL: return "专项检查";
	}
	return NULL;
}

const char *publish_pii_name(enum publish_pii k)
{
	switch (k) {
	case PUBLISH_PII_NONE: return "nothing";
	case PUBLISH_PII_MOBILE: return "a mobile phone number";
	case PUBLISH_PII_LANDLINE: return "a landline phone number";
	case PUBLISH_PII_ID: return "a resident ID number";
	}
	return "unknown";
}

/* ---- USCC (GB 32100-2015) ---- */

static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int publish_uscc_ok(const char *s)
{
	unsigned sum = 0, w = 1, v[PUBLISH_USCC_LEN];

	if (s == NULL || strlen(s) != PUBLISH_USCC_LEN)
		return 0;
	for (size_t i = 0; i < PUBLISH_USCC_LEN; i++) {
		const char *p = s[i] == '\0' ? NULL : strchr(uscc_chars, s[i]);
		if (p == NULL)
			return 0;
		v[i] = (unsigned)(p - uscc_chars);
		if (i >= 2 && i <= 7 && v[i] > 9)
			return 0;
	}
	/* Weights 3^(i-1) mod 31 over the first 17 characters. */
	for (size_t i = 0; i < PUBLISH_USCC_LEN - 1; i++) {
		sum += v[i] * w;
		w = w * 3 % 31;
	}
	return v[PUBLISH_USCC_LEN - 1] == (31 - sum % 31) % 31;
}

/* ---- The scanner ---- */

enum unit_kind { U_OTHER, U_DIGIT, U_X, U_SEP };

/*
 * Decodes the unit at text[i..len): a digit (ASCII or full-width, value in
 * *val), an X (ASCII or full-width, either case), a separator (space, '-',
 * ')', their full-width forms, U+3000) or anything else; *n is its length
 * in bytes, at least 1.
 */
static enum unit_kind unit(const unsigned char *t, size_t len, size_t i, int *val, size_t *n)
{
	unsigned c = t[i];

	*n = 1;
	if (c >= '0' && c <= '9') {
		*val = (int)(c - '0');
		return U_DIGIT;
	}
	if (c == 'X' || c == 'x')
		return U_X;
	if (c == ' ' || c == '-' || c == ')')
		return U_SEP;
	if (len - i >= 3 && c == 0xef && t[i + 1] == 0xbc) {
		unsigned d = t[i + 2];
		*n = 3;
		if (d >= 0x90 && d <= 0x99) { /* U+FF10..FF19 ０..９ */
			*val = (int)(d - 0x90);
			return U_DIGIT;
		}
		if (d == 0xb8) /* U+FF38 Ｘ */
			return U_X;
		if (d == 0x8d || d == 0x89) /* U+FF0D －, U+FF09 ） */
			return U_SEP;
		*n = 1;
	}
	if (len - i >= 3 && c == 0xef && t[i + 1] == 0xbd && t[i + 2] == 0x98) {
		*n = 3; /* U+FF58 ｘ */
		return U_X;
	}
	if (len - i >= 3 && c == 0xe3 && t[i + 1] == 0x80 && t[i + 2] == 0x80) {
		*n = 3; /* U+3000 ideographic space */
		return U_SEP;
	}
	return U_OTHER;
}

static int two(const char *d)
{
	return (d[0] - '0') * 10 + (d[1] - '0');
}

static int real_date(int y, int m, int d)
{
	int32_t day;
	return calendar_date(&day, y, m, d) == SJ_OK;
}

/* Classifies the candidate number d[0..n) (digits, 'X' for an X). */
static enum publish_pii classify(const char *d, size_t n)
{
	size_t xs = 0;

	for (size_t i = 0; i < n; i++)
		xs += d[i] == 'X';
	if (xs > 1 || (xs == 1 && !(n == 18 && d[17] == 'X')))
		return PUBLISH_PII_NONE;

	if (n == 11 && d[0] == '1' && d[1] >= '3')
		return PUBLISH_PII_MOBILE;
	if (n == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1' && d[3] >= '3')
		return PUBLISH_PII_MOBILE;
	if (d[0] == '0' && n >= 11 && n <= 12) {
		/* Three-character area codes: 010, 02x; then 8 digits. */
		if (n == 11 && (d[1] == '1' || d[1] == '2') && (d[1] != '1' || d[2] == '0') &&
		    d[3] >= '2')
			return PUBLISH_PII_LANDLINE;
		/* Four-character area codes 0[3-9]xx; then 7 or 8 digits. */
		if (d[1] >= '3' && d[4] >= '2')
			return PUBLISH_PII_LANDLINE;
	}
	if (n == 18 && d[0] >= '1' && d[0] <= '8') {
		int y = two(d + 6) * 100 + two(d + 8);
		if ((y / 100 == 19 || y / 100 == 20) && real_date(y, two(d + 10), two(d + 12)))
			return PUBLISH_PII_ID;
	}
	if (n == 15 && d[0] >= '1' && d[0] <= '8' &&
	    real_date(1900 + two(d + 6), two(d + 8), two(d + 10)))
		return PUBLISH_PII_ID;
	return PUBLISH_PII_NONE;
}

/* Tries every number that starts at text[start] (a group start). */
static enum publish_pii scan_from(const unsigned char *t, size_t len, size_t start, size_t *end)
{
	char d[20];
	size_t nd = 0, i = start, n, last_end = start;
	enum unit_kind k, prev = U_OTHER;
	int val = 0;

	while (i < len) {
		k = unit(t, len, i, &val, &n);
		if (k == U_DIGIT || k == U_X) {
			if (nd == 18)
				break; /* longer than any pattern */
			d[nd++] = k == U_DIGIT ? (char)('0' + val) : 'X';
			i += n;
			last_end = i;
			prev = k;
			/* A candidate ends here when the next unit is not a digit. */
			if (i < len) {
				int v2;
				size_t n2;
				enum unit_kind k2 = unit(t, len, i, &v2, &n2);
				if (k2 == U_DIGIT || k2 == U_X)
					continue;
			}
			enum publish_pii p = classify(d, nd);
			if (p != PUBLISH_PII_NONE) {
				*end = last_end;
				return p;
			}
			continue;
		}
		if (k == U_SEP && prev != U_SEP) {
			prev = k;
			i += n;
			continue;
		}
		break;
	}
	return PUBLISH_PII_NONE;
}

int publish_scan(const char *text, size_t len, struct publish_hit *hit)
{
	const unsigned char *t = (const unsigned char *)text;
	enum unit_kind k;
	size_t i = 0, n, end;
	int val, in_num = 0;

	if (text == NULL)
		return 0;
	while (i < len) {
		k = unit(t, len, i, &val, &n);
		/* A number starts at a digit that does not continue one: after a
		 * separator, or after anything but a digit (or an X that follows
		 * a digit, as in an ID number's check character). */
		if (k == U_DIGIT && !in_num) {
			enum publish_pii p = scan_from(t, len, i, &end);
			if (p != PUBLISH_PII_NONE) {
				if (hit != NULL) {
					hit->kind = p;
					hit->offset = i;
					hit->len = end - i;
				}
				return 1;
			}
		}
		in_num = k == U_DIGIT || (k == U_X && in_num);
		i += n;
	}
	if (hit != NULL) {
		hit->kind = PUBLISH_PII_NONE;
		hit->offset = hit->len = 0;
	}
	return 0;
}

/* ---- Checks ---- */

static int check_text(const char *s, const char *col, size_t rec, char *err, size_t err_cap)
{
	struct publish_hit h;
	size_t len;

	if (s == NULL || s[0] == '\0')
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: missing", rec, col);
	len = strlen(s);
	if (len > PUBLISH_MAX_FIELD || !result_text_ok(s, len + 1, 0))
		return fail(SJ_EINVAL, err, err_cap,
		            "record %zu, %s: not text of at most %d bytes without control bytes",
		            rec, col, PUBLISH_MAX_FIELD);
	if (strchr("=+-@", s[0]) != NULL)
		return fail(
		    SJ_EINVAL, err, err_cap,
		    "record %zu, %s: starts with '%c', which a spreadsheet runs as a formula", rec,
		    col, s[0]);
	if (publish_scan(s, len, &h))
		return fail(
		    SJ_EINVAL, err, err_cap,
		    "record %zu, %s: holds %s at byte %zu; personal data is never published "
		    "(R17, PIPL)",
		    rec, col, publish_pii_name(h.kind), h.offset + 1);
	return SJ_OK;
}

static int check_record(const struct publish_record *r, size_t idx, char *err, size_t err_cap)
{
	int y, m, d, rc;

	if ((rc = check_text(r->name, columns[COL_NAME], idx, err, err_cap)) != SJ_OK)
		return rc;
	if (!publish_uscc_ok(r->uscc))
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: not a valid GB 32100 code",
		            idx, columns[COL_USCC]);
	if ((rc = check_text(r->plan_no, columns[COL_PLAN_NO], idx, err, err_cap)) != SJ_OK ||
	    (rc = check_text(r->plan_name, columns[COL_PLAN_NAME], idx, err, err_cap)) != SJ_OK ||
	    (rc = check_text(r->task_no, columns[COL_TASK_NO], idx, err, err_cap)) != SJ_OK ||
	    (rc = check_text(r->task_name, columns[COL_TASK_NAME], idx, err, err_cap)) != SJ_OK)
		return rc;
	if (r->n_agencies < 1 || r->n_agencies > PUBLISH_MAX_AGENCIES)
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: %zu agencies, not 1..%d", idx,
		            columns[COL_AGENCIES], r->n_agencies, PUBLISH_MAX_AGENCIES);
	for (size_t i = 0; i < r->n_agencies; i++) {
		if ((rc = check_text(r->agencies[i], columns[COL_AGENCIES], idx, err, err_cap)) !=
		    SJ_OK)
			return rc;
		if (strstr(r->agencies[i], JOINER) != NULL)
			return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: a name holds '%s'",
			            idx, columns[COL_AGENCIES], JOINER);
	}
	if (publish_type_label(r->type) == NULL)
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: unknown check type", idx,
		            columns[COL_TYPE]);
	calendar_ymd(r->date, &y, &m, &d);
	if (y == 0)
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: not a date", idx,
		            columns[COL_DATE]);
	if (r->categories == 0 || (r->categories & ~RESULT_CAT_ALL) != 0)
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: no or unknown categories",
		            idx, columns[COL_RESULT]);
	if (result_followup_label(r->followup) == NULL)
		return fail(SJ_EINVAL, err, err_cap, "record %zu, %s: unknown follow-up status",
		            idx, columns[COL_FOLLOWUP]);
	return SJ_OK;
}

int publish_check(const struct publish_record *rec, char *err, size_t err_cap)
{
	if (rec == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no record");
	return check_record(rec, 1, err, err_cap);
}

/* ---- Building ---- */

int publish_build(struct publish_record *out, const struct publish_object *obj,
                  const struct publish_task *task, const struct result *const *results, size_t n,
                  char *err, size_t err_cap)
{
	struct publish_record rec;
	int seen[PUBLISH_MAX_AGENCIES] = {0};
	int open = 0, done = 0;
	char a[CALENDAR_DATE_LEN + 1], b[CALENDAR_DATE_LEN + 1];
	int rc;

	if (out == NULL || obj == NULL || task == NULL || (results == NULL && n > 0))
		return fail(SJ_EINVAL, err, err_cap, "no record, object, task or results");
	if (task->n_agencies < 1 || task->n_agencies > PUBLISH_MAX_AGENCIES ||
	    task->agencies == NULL)
		return fail(SJ_EINVAL, err, err_cap, "the task has %zu agencies, not 1..%d",
		            task->n_agencies, PUBLISH_MAX_AGENCIES);
	for (size_t i = 0; i < task->n_agencies; i++) {
		if (task->agencies[i].code == NULL || task->agencies[i].code[0] == '\0')
			return fail(SJ_EINVAL, err, err_cap, "task agency %zu has no code", i + 1);
		for (size_t j = 0; j < i; j++)
			if (strcmp(task->agencies[i].code, task->agencies[j].code) == 0)
				return fail(SJ_EINVAL, err, err_cap,
				            "task agency '%s' is listed twice",
				            task->agencies[i].code);
	}
	if (obj->uscc == NULL || !publish_uscc_ok(obj->uscc))
		return fail(SJ_EINVAL, err, err_cap,
		            "the object's USCC is not a valid GB 32100 code");
	if (task->task_no == NULL)
		return fail(SJ_EINVAL, err, err_cap, "the task has no number");

	memset(&rec, 0, sizeof rec);
	rec.name = obj->name;
	rec.uscc = obj->uscc;
	rec.plan_no = task->plan_no;
	rec.plan_name = task->plan_name;
	rec.task_no = task->task_no;
	rec.task_name = task->task_name;
	rec.type = task->type;
	rec.n_agencies = task->n_agencies;
	for (size_t i = 0; i < task->n_agencies; i++)
		rec.agencies[i] = task->agencies[i].name;

	for (size_t i = 0; i < n; i++) {
		const struct result *r = results[i];
		size_t k;

		if (r == NULL)
			return fail(SJ_EINVAL, err, err_cap, "result %zu is missing", i + 1);
		if (!result_text_ok(r->agency, sizeof r->agency, 0) ||
		    !result_text_ok(r->task, sizeof r->task, 0) ||
		    !result_text_ok(r->object, sizeof r->object, 0))
			return fail(SJ_EINVAL, err, err_cap, "result %zu is malformed", i + 1);
		for (k = 0; k < task->n_agencies; k++)
			if (strcmp(r->agency, task->agencies[k].code) == 0)
				break;
		if (k == task->n_agencies)
			return fail(SJ_EINVAL, err, err_cap,
			            "result %zu is by '%.64s', which is not an "
			            "agency of task '%.64s'",
			            i + 1, r->agency, task->task_no);
		if (seen[k]++)
			return fail(SJ_EINVAL, err, err_cap, "two results of '%s' for one check",
			            task->agencies[k].code);
		if (r->state != RESULT_PUBLISHED && r->state != RESULT_CLOSED)
			return fail(
			    SJ_EINVAL, err, err_cap,
			    "the result of '%s' is %s; only a published result goes public (R17)",
			    task->agencies[k].code, result_state_name(r->state));
		if (strcmp(r->object, obj->uscc) != 0 || strcmp(r->task, task->task_no) != 0)
			return fail(SJ_EINVAL, err, err_cap,
			            "the result of '%s' is for another object "
			            "or task",
			            task->agencies[k].code);
		if (i == 0) {
			rec.date = r->check_date;
		} else if (r->check_date != rec.date) {
			calendar_date_format(a, rec.date);
			calendar_date_format(b, r->check_date);
			return fail(
			    SJ_EINVAL, err, err_cap,
			    "the joint check has two check dates, %s and %s (R14: one visit)", a,
			    b);
		}
		rec.categories |= r->categories;
		open |= r->followup == RESULT_FOLLOWUP_OPEN;
		done |= r->followup == RESULT_FOLLOWUP_DONE;
	}
	for (size_t k = 0; k < task->n_agencies; k++)
		if (!seen[k])
			return fail(
			    SJ_ENOENT, err, err_cap,
			    "no result of '%s' yet; a joint check is published once, with every "
			    "member's result (R14)",
			    task->agencies[k].code);
	if (rec.categories != RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND))
		rec.categories &= ~RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND);
	rec.followup = open   ? RESULT_FOLLOWUP_OPEN
	               : done ? RESULT_FOLLOWUP_DONE
	                      : RESULT_FOLLOWUP_NONE;
	if ((rc = check_record(&rec, 1, err, err_cap)) != SJ_OK)
		return rc;
	*out = rec;
	return SJ_OK;
}

/* ---- Writers ---- */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap == 0 ? 1024 : b->cap;
		char *np;
		while (cap - b->len < n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static int finish(struct buf *b, char **out, size_t *len, char *err, size_t err_cap)
{
	if (b->oom || b->p == NULL) {
		free(b->p);
		return fail(SJ_ENOMEM, err, err_cap, "out of memory");
	}
	*out = b->p;
	*len = b->len;
	return SJ_OK;
}

static int check_all(char **out, size_t *len, const struct publish_record *recs, size_t n,
                     char *err, size_t err_cap)
{
	int rc;

	if (out == NULL || len == NULL || (recs == NULL && n > 0))
		return fail(SJ_EINVAL, err, err_cap, "no output or no records");
	*out = NULL;
	*len = 0;
	for (size_t i = 0; i < n; i++)
		if ((rc = check_record(&recs[i], i + 1, err, err_cap)) != SJ_OK)
			return rc;
	return SJ_OK;
}

/* One CSV cell: quoted when it holds a comma or a quote, quotes doubled. */
static void csv_cell(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"") == NULL) {
		puts_(b, s);
		return;
	}
	put(b, "\"", 1);
	for (; *s != '\0'; s++)
		put(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	put(b, "\"", 1);
}

/* The text of a joined cell, built in a buffer first so it can be quoted. */
static void csv_joined(struct buf *b, const char *const *items, size_t n)
{
	struct buf cell = {0};

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			puts_(&cell, JOINER);
		puts_(&cell, items[i]);
	}
	if (cell.oom)
		b->oom = 1;
	else
		csv_cell(b, cell.p != NULL ? cell.p : "");
	free(cell.p);
}

static size_t labels(const char *out[RESULT_CAT_COUNT], uint32_t categories)
{
	size_t n = 0;

	for (unsigned c = 0; c < RESULT_CAT_COUNT; c++)
		if (categories & RESULT_CAT_BIT(c))
			out[n++] = result_category_label((enum result_category)c);
	return n;
}

int publish_csv(char **out, size_t *len, const struct publish_record *recs, size_t n, char *err,
                size_t err_cap)
{
	struct buf b = {0};
	const char *cats[RESULT_CAT_COUNT];
	char date[CALENDAR_DATE_LEN + 1];
	int rc;

	if ((rc = check_all(out, len, recs, n, err, err_cap)) != SJ_OK)
		return rc;
	for (size_t c = 0; c < PUBLISH_COLUMNS; c++) {
		if (c > 0)
			put(&b, ",", 1);
		puts_(&b, columns[c]);
	}
	put(&b, "\r\n", 2);
	for (size_t i = 0; i < n; i++) {
		const struct publish_record *r = &recs[i];
		const char *plain[] = {r->name,      r->uscc,    r->plan_no,
		                       r->plan_name, r->task_no, r->task_name};

		for (size_t c = 0; c < sizeof plain / sizeof plain[0]; c++) {
			csv_cell(&b, plain[c]);
			put(&b, ",", 1);
		}
		csv_joined(&b, r->agencies, r->n_agencies);
		put(&b, ",", 1);
		puts_(&b, publish_type_label(r->type));
		put(&b, ",", 1);
		calendar_date_format(date, r->date);
		puts_(&b, date);
		put(&b, ",", 1);
		csv_joined(&b, cats, labels(cats, r->categories));
		put(&b, ",", 1);
		puts_(&b, result_followup_label(r->followup));
		put(&b, "\r\n", 2);
	}
	return finish(&b, out, len, err, err_cap);
}

/* A JSON string: quotes, backslashes and control bytes escaped (the
 * checks allow no control byte; the escape is there regardless). */
static void json_str(struct buf *b, const char *s)
{
	char esc[8];

	put(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(b, esc, 6);
		} else {
			put(b, s, 1);
		}
	}
	put(b, "\"", 1);
}

static void json_key(struct buf *b, enum column c, int first)
{
	if (!first)
		put(b, ",", 1);
	json_str(b, columns[c]);
	put(b, ":", 1);
}

static void json_array(struct buf *b, const char *const *items, size_t n)
{
	put(b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(b, ",", 1);
		json_str(b, items[i]);
	}
	put(b, "]", 1);
}

int publish_json(char **out, size_t *len, const struct publish_record *recs, size_t n, char *err,
                 size_t err_cap)
{
	struct buf b = {0};
	const char *cats[RESULT_CAT_COUNT];
	char date[CALENDAR_DATE_LEN + 1];
	int rc;

	if ((rc = check_all(out, len, recs, n, err, err_cap)) != SJ_OK)
		return rc;
	put(&b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		const struct publish_record *r = &recs[i];

		put(&b, i == 0 ? "\n{" : ",\n{", i == 0 ? 2 : 3);
		json_key(&b, COL_NAME, 1);
		json_str(&b, r->name);
		json_key(&b, COL_USCC, 0);
		json_str(&b, r->uscc);
		json_key(&b, COL_PLAN_NO, 0);
		json_str(&b, r->plan_no);
		json_key(&b, COL_PLAN_NAME, 0);
		json_str(&b, r->plan_name);
		json_key(&b, COL_TASK_NO, 0);
		json_str(&b, r->task_no);
		json_key(&b, COL_TASK_NAME, 0);
		json_str(&b, r->task_name);
		json_key(&b, COL_AGENCIES, 0);
		json_array(&b, r->agencies, r->n_agencies);
		json_key(&b, COL_TYPE, 0);
		json_str(&b, publish_type_label(r->type));
		json_key(&b, COL_DATE, 0);
		calendar_date_format(date, r->date);
		json_str(&b, date);
		json_key(&b, COL_RESULT, 0);
		json_array(&b, cats, labels(cats, r->categories));
		json_key(&b, COL_FOLLOWUP, 0);
		json_str(&b, result_followup_label(r->followup));
		put(&b, "}", 1);
	}
	put(&b, n == 0 ? "]\n" : "\n]\n", n == 0 ? 2 : 3);
	return finish(&b, out, len, err, err_cap);
}
