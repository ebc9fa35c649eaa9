/*
 * publish.h: the public record of a check (R17, 一公开) and its CSV and
 * JSON forms for the enterprise credit publicity system (国家企业信用信息
 * 公示系统). Pure code: no I/O, no globals.
 *
 * What is public is decided here and nowhere else. A public record holds
 * exactly these fields, in this order, under these column names:
 *
 *   COLUMN            FIELD          FROM
 *   企业名称          name           the object, as registered
 *   统一社会信用代码  uscc           the object; a valid GB 32100 code
 *   抽查计划编号      plan_no        the task's plan
 *   抽查计划名称      plan_name      the task's plan
 *   抽查任务编号      task_no        the task
 *   抽查任务名称      task_name      the task
 *   检查实施机关      agencies       the task: every agency of a joint check
 *                                    (R14), the lead first
 *   类型              type           the task: 定向抽查, 不定向抽查, 专项检查
 *   日期              date           the results' check date, YYYY-MM-DD
 *   结果              categories     the results' categories (labels of
 *                                    enum result_category)
 *   后续处理          followup       the follow-up status
 *
 * and nothing else. Never published (PIPL; DOMAIN.md "Privacy"): phone
 * numbers, ID numbers, addresses, legal representatives and contacts,
 * officers' and experts' names and certificate numbers, and every free
 * text of a result (account, handling, reasons, follow-up notes, actor
 * identifiers). The input types below cannot even carry most of these; the
 * result's free texts are never read. A sole proprietor's registered name
 * may be a person's name and is published as registered.
 *
 * As a second line of defence every published text is scanned
 * (publish_scan) and a record holding anything shaped like a phone number
 * or an ID number is refused, naming the record and the column, rather
 * than published; the USCC column is exempt because it must be a valid
 * USCC instead.
 */
#ifndef SUIJI_RESULTS_PUBLISH_H
#define SUIJI_RESULTS_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "results/result.h"

#define PUBLISH_MAX_AGENCIES 16
#define PUBLISH_MAX_FIELD    256 /* bytes of one published text */
#define PUBLISH_USCC_LEN     18
#define PUBLISH_COLUMNS      11

enum publish_type {
	PUBLISH_TYPE_DIRECTED = 1, /* 定向抽查: a draw within a defined scope */
	PUBLISH_TYPE_UNDIRECTED,   /* 不定向抽查: a draw from the whole directory */
	PUBLISH_TYPE_SPECIAL,      /* 专项检查: a targeted special check (R10) */
};

/* One agency of a task: its code (as struct result's agency) and its
 * public name (检查实施机关). Both borrowed. */
struct publish_agency {
	const char *code;
	const char *name;
};

/* The task a result belongs to. All borrowed. */
struct publish_task {
	const char *plan_no, *plan_name;
	const char *task_no, *task_name;
	enum publish_type type;
	const struct publish_agency *agencies; /* the lead first; one for a single agency */
	size_t n_agencies;
};

/* The inspected object: only what may be published. Both borrowed. */
struct publish_object {
	const char *name;
	const char *uscc;
};

/* A public record. Strings are borrowed from the object and the task it
 * was built from. */
struct publish_record {
	const char *name, *uscc;
	const char *plan_no, *plan_name, *task_no, *task_name;
	enum publish_type type;
	const char *agencies[PUBLISH_MAX_AGENCIES];
	size_t n_agencies;
	int32_t date;
	uint32_t categories; /* RESULT_CAT_BIT set */
	enum result_followup followup;
};

/* What publish_scan found. */
enum publish_pii {
	PUBLISH_PII_NONE = 0,
	PUBLISH_PII_MOBILE,   /* 1[3-9] and 9 digits, optionally after 86 */
	PUBLISH_PII_LANDLINE, /* 0 + area code + 7 or 8 digit number */
	PUBLISH_PII_ID,       /* resident ID number, 18 or 15 characters */
};

struct publish_hit {
	enum publish_pii kind;
	size_t offset; /* byte offset of its first digit */
	size_t len;    /* bytes up to and including its last digit */
};

/* The Chinese label of a check type, or NULL. */
const char *publish_type_label(enum publish_type t);
/* A short English name of what the scanner found ("mobile phone number"). */
const char *publish_pii_name(enum publish_pii k);
/* The column names, in order: PUBLISH_COLUMNS static strings. */
const char *const *publish_columns(void);

/* 1 when s is a valid unified social credit code (GB 32100-2015: 18
 * characters of the 31-symbol set, positions 3-8 digits, check character
 * right), else 0. */
int publish_uscc_ok(const char *s);

/*
 * Scans text[0..len) for the first run shaped like a personal phone or ID
 * number and returns 1 with *hit filled, or 0 when there is none.
 *
 * Digits are ASCII or full-width (０-９); within a number, single
 * separators are allowed: space, '-', ')' and their full-width forms, and
 * U+3000. A number starts where a digit follows a non-digit and ends before
 * a non-digit, at a separator or at the end, and is one of:
 *   mobile    11 digits 1[3-9]xxxxxxxxx, or 13 digits 86 and those;
 *   landline  010 or 02x and 8 digits starting 2-9, or 0[3-9]xx and 7 or 8
 *             digits starting 2-9;
 *   ID        18 characters: region digit 1-8, 5 digits, a birth date
 *             19xx/20xx MMDD that exists, 3 digits, a digit or X; or 15
 *             digits: region digit 1-8, 5 digits, YYMMDD that exists, 3
 *             digits. The check digit is not required: a mistyped ID
 *             number is still personal data.
 * Separators let "139 1234 5678" and "0518-85821234" match; a number may
 * also start at any separated group, so "86 139..." and "电话139..." do.
 */
int publish_scan(const char *text, size_t len, struct publish_hit *hit);

/*
 * Builds the public record of the check of obj in task from results[0..n)
 * (all borrowed; out borrows from obj and task). n is the number of the
 * task's agencies and there is one result per agency: a joint check is
 * published once, with all its results (R14 结果一次性公布). Each result
 * must be published or closed, name obj's USCC as its object and the
 * task's number as its task, and all must share one check date (one
 * visit). The categories are the union of theirs, without 未发现问题 when
 * another category is present; the follow-up is open when any is open,
 * else done when any is done, else none.
 * Errors: SJ_EINVAL (a rule above or a publication rule of
 * publish_check broken, explained in err), SJ_ENOENT (a member agency's
 * result is missing).
 */
SJ_WUR int publish_build(struct publish_record *out, const struct publish_object *obj,
                         const struct publish_task *task, const struct result *const *results,
                         size_t n, char *err, size_t err_cap);

/*
 * Checks one record before it is written: every text is valid UTF-8 of
 * 1..PUBLISH_MAX_FIELD bytes with no control byte, does not start with
 * '=', '+', '-' or '@' (a spreadsheet would run it as a formula) and holds
 * nothing publish_scan finds; agency names hold no '；'; the USCC is valid;
 * type, date, categories and follow-up are known values. Errors: SJ_EINVAL
 * naming the column.
 */
SJ_WUR int publish_check(const struct publish_record *rec, char *err, size_t err_cap);

/*
 * Writes recs[0..n) as CSV (RFC 4180: a header row of the column names,
 * one row per record, CRLF line ends, fields quoted when they hold a comma
 * or a quote) into a malloc'd, NUL-terminated *out of *len bytes. Agencies
 * and categories are joined with '；'. Every record is checked first
 * (publish_check); nothing is written when one fails. Errors: SJ_EINVAL
 * naming the record and column, SJ_ENOMEM. *out is NULL on error.
 */
SJ_WUR int publish_csv(char **out, size_t *len, const struct publish_record *recs, size_t n,
                       char *err, size_t err_cap);

/*
 * Writes recs[0..n) as a JSON array (RFC 8259, UTF-8) of objects with the
 * column names as keys, in column order; agencies and categories are
 * arrays of strings, everything else a string. Checked and failing as
 * publish_csv.
 */
SJ_WUR int publish_json(char **out, size_t *len, const struct publish_record *recs, size_t n,
                        char *err, size_t err_cap);

#endif
