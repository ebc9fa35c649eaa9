/*
 * filter.h: the object scope of a plan or a task (R4, R5) as a filter over
 * the fields of the inspection object directory (R1). Pure code: no I/O, no
 * globals.
 *
 * Grammar (UTF-8; docs/policy.md has the same):
 *
 *   filter = "all" | clause *(" AND " clause)
 *   clause = field "=" value *("," value)
 *   field  = "category" | "district" | "risk_class" | "credit_level" | "tag"
 *
 * A clause holds when the object's field equals one of the values (for
 * "tag": when one of the values is among the object's tags); a filter holds
 * when every clause does; "all" holds for every object. A value is 1..256
 * bytes without control characters, ',' or '=' and does not start or end
 * with a space; a field appears in at most one clause. Examples:
 * "category=food", "category=food AND district=海州区,连云区",
 * "tag=冷链".
 *
 * A task's filter narrows its plan's (R5: a task is drawn up within the
 * plan's object scope) when every clause of the plan's filter appears in
 * the task's filter with a subset of its values. "all" is narrowed by
 * every filter and narrows only "all".
 */
#ifndef SUIJI_POLICY_FILTER_H
#define SUIJI_POLICY_FILTER_H

#include <stddef.h>

#include "common/err.h"

#define FILTER_MAX_CLAUSES 5
#define FILTER_MAX_VALUES  32
#define FILTER_MAX_VALUE   256
#define FILTER_MAX_TEXT    4096

enum filter_field {
	FILTER_CATEGORY = 1,
	FILTER_DISTRICT,
	FILTER_RISK_CLASS,
	FILTER_CREDIT_LEVEL,
	FILTER_TAG,
};

struct filter_clause {
	enum filter_field field;
	size_t n;
	char values[FILTER_MAX_VALUES][FILTER_MAX_VALUE + 1];
};

/* A parsed filter: n == 0 is "all". Plain data. */
struct filter {
	size_t n;
	struct filter_clause clauses[FILTER_MAX_CLAUSES];
};

/* The fields of an object a filter looks at (borrowed strings; tags[0..ntags)). */
struct filter_object {
	const char *category, *district, *risk_class, *credit_level;
	const char *const *tags;
	size_t ntags;
};

/* Parses text (NUL-terminated). Errors: SJ_EINVAL naming the problem. */
SJ_WUR int filter_parse(struct filter *out, const char *text, char *err, size_t err_cap);

/* 1 when o satisfies f, else 0. */
int filter_match(const struct filter *f, const struct filter_object *o);

/* 1 when task narrows plan (see above), else 0; why (may be NULL) says
 * which clause of the plan the task does not keep. */
int filter_narrows(const struct filter *task, const struct filter *plan, char *why, size_t why_cap);

/* The name of a field ("category"), or NULL. */
const char *filter_field_name(enum filter_field f);

#endif
