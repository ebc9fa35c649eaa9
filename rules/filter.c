/*
 * filter.c: parsing and matching object scope filters (filter.h).
 */
#include "rules/filter.h"

#include <stdio.h>
#include <string.h>

static const struct {
	enum filter_field f;
	const char *name;
} fields[] = {
	{FILTER_CATEGORY, "category"},         {FILTER_DISTRICT, "district"},
	{FILTER_RISK_CLASS, "risk_class"},     {FILTER_CREDIT_LEVEL, "credit_level"},
	{FILTER_TAG, "tag"},
};

const char *filter_field_name(enum filter_field f)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i].f == f)
			return fields[i].name;
	return NULL;
}

static int value_ok(const char *s, size_t n)
{
	if (n == 0 || n > FILTER_MAX_VALUE || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == ',' || c == '=')
			return 0;
	}
	return 1;
}

/* Parses one clause s[0..n). */
static int parse_clause(struct filter_clause *c, const char *s, size_t n, char *err,
			size_t err_cap)
{
	const char *eq = memchr(s, '=', n);
	if (eq == NULL) {
		snprintf(err, err_cap, "scope filter clause \"%.*s\" has no '=' (field=value)",
			 (int)(n > 80 ? 80 : n), s);
		return SJ_EINVAL;
	}
	size_t fl = (size_t)(eq - s);
	c->field = 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strlen(fields[i].name) == fl && memcmp(fields[i].name, s, fl) == 0)
			c->field = fields[i].f;
	if (c->field == 0) {
		snprintf(err, err_cap,
			 "scope filter field \"%.*s\" is not one of category, district, "
			 "risk_class, credit_level, tag",
			 (int)(fl > 40 ? 40 : fl), s);
		return SJ_EINVAL;
	}
	c->n = 0;
	const char *v = eq + 1, *end = s + n;
	for (;;) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		const char *ve = comma ? comma : end;
		size_t vl = (size_t)(ve - v);
		if (!value_ok(v, vl)) {
			snprintf(err, err_cap,
				 "scope filter: a value of %s is empty, longer than %d bytes, "
				 "padded with spaces or holds a control character, ',' or '='",
				 filter_field_name(c->field), FILTER_MAX_VALUE);
			return SJ_EINVAL;
		}
		if (c->n == FILTER_MAX_VALUES) {
			snprintf(err, err_cap, "scope filter: %s has more than %d values",
				 filter_field_name(c->field), FILTER_MAX_VALUES);
			return SJ_EINVAL;
		}
		for (size_t i = 0; i < c->n; i++)
			if (strlen(c->values[i]) == vl && memcmp(c->values[i], v, vl) == 0) {
				snprintf(err, err_cap, "scope filter: %s names \"%.*s\" twice",
					 filter_field_name(c->field), (int)vl, v);
				return SJ_EINVAL;
			}
		memcpy(c->values[c->n], v, vl);
		c->values[c->n][vl] = '\0';
		c->n++;
		if (comma == NULL)
			break;
		v = comma + 1;
	}
	return SJ_OK;
}

int filter_parse(struct filter *out, const char *text, char *err, size_t err_cap)
{
	static const char and_sep[] = " AND ";
	size_t len = strlen(text);
	memset(out, 0, sizeof *out);
	if (len == 0 || len > FILTER_MAX_TEXT) {
		snprintf(err, err_cap, "scope filter is empty or longer than %d bytes",
			 FILTER_MAX_TEXT);
		return SJ_EINVAL;
	}
	if (strcmp(text, "all") == 0)
		return SJ_OK;
	const char *s = text, *end = text + len;
	for (;;) {
		const char *a = strstr(s, and_sep);
		const char *ce = a ? a : end;
		if (out->n == FILTER_MAX_CLAUSES) {
			snprintf(err, err_cap, "scope filter has more than %d clauses",
				 FILTER_MAX_CLAUSES);
			return SJ_EINVAL;
		}
		struct filter_clause *c = &out->clauses[out->n];
		int rc = parse_clause(c, s, (size_t)(ce - s), err, err_cap);
		if (rc != SJ_OK)
			return rc;
		for (size_t i = 0; i < out->n; i++)
			if (out->clauses[i].field == c->field) {
				snprintf(err, err_cap, "scope filter names field %s twice",
					 filter_field_name(c->field));
				return SJ_EINVAL;
			}
		out->n++;
		if (a == NULL)
			break;
		s = a + sizeof and_sep - 1;
	}
	return SJ_OK;
}

static int clause_has(const struct filter_clause *c, const char *v)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->values[i], v) == 0)
			return 1;
	return 0;
}

int filter_match(const struct filter *f, const struct filter_object *o)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct filter_clause *c = &f->clauses[i];
		const char *v = NULL;
		switch (c->field) {
		case FILTER_CATEGORY: v = o->category; break;
		case FILTER_DISTRICT: v = o->district; break;
		case FILTER_RISK_CLASS: v = o->risk_class; break;
		case FILTER_CREDIT_LEVEL: v = o->credit_level; break;
		case FILTER_TAG: {
			int any = 0;
			for (size_t t = 0; t < o->ntags && !any; t++)
				any = clause_has(c, o->tags[t]);
			if (!any)
				return 0;
			continue;
		}
		}
		if (v == NULL || !clause_has(c, v))
			return 0;
	}
	return 1;
}

int filter_narrows(const struct filter *task, const struct filter *plan, char *why, size_t why_cap)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct filter_clause *pc = &plan->clauses[i];
		const struct filter_clause *tc = NULL;
		for (size_t j = 0; j < task->n; j++)
			if (task->clauses[j].field == pc->field)
				tc = &task->clauses[j];
		if (tc == NULL) {
			if (why)
				snprintf(why, why_cap, "the task's filter has no %s clause",
					 filter_field_name(pc->field));
			return 0;
		}
		for (size_t v = 0; v < tc->n; v++)
			if (!clause_has(pc, tc->values[v])) {
				if (why)
					snprintf(why, why_cap,
						 "the task's %s value \"%s\" is outside the plan's",
						 filter_field_name(pc->field), tc->values[v]);
				return 0;
			}
	}
	return 1;
}
