/*
 * diff.c: the merge of a directory and a re-import described in diff.h:
 * one pass over both sorted lists, linear in their lengths.
 */
#include "dir/diff.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct diff {
	struct diff_change *v;
	size_t n, cap;
	size_t added, changed, absent, unchanged;
};

static int push(struct diff *d, enum diff_op op, const struct record *before,
                const struct record *after, uint32_t fields)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct diff_change *v = realloc(d->v, cap * sizeof *v);
		if (v == NULL)
			return SJ_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].op = op;
	d->v[d->n].before = before;
	d->v[d->n].after = after;
	d->v[d->n].fields = fields;
	d->n++;
	return SJ_OK;
}

static int check_sorted(const struct record *const *v, size_t n, unsigned kind, const char *which,
                        char *err, size_t err_cap)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i]->kind != kind) {
			snprintf(err, err_cap, "%s record %zu is a %s, not a %s", which, i + 1,
			         record_kind_name(v[i]->kind) ? record_kind_name(v[i]->kind) : "?",
			         record_kind_name(kind));
			return SJ_EINVAL;
		}
		if (i > 0 && record_key_cmp(v[i - 1], v[i]) >= 0) {
			snprintf(err, err_cap,
			         "%s records are not strictly ascending by key at record %zu (%s)",
			         which, i + 1, record_id(v[i]));
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

int diff_compute(struct diff **out, const struct record *const *cur, size_t ncur,
                 const struct record *const *next, size_t nnext, char *err, size_t err_cap)
{
	struct diff *d;
	size_t i = 0, j = 0, nf;
	unsigned kind;
	int rc;

	if (ncur == 0 && nnext == 0)
		kind = RECORD_OBJECT;
	else
		kind = ncur ? cur[0]->kind : next[0]->kind;
	if (record_fields(kind, &nf) == NULL) {
		snprintf(err, err_cap, "unknown record kind %u", kind);
		return SJ_EINVAL;
	}
	if ((rc = check_sorted(cur, ncur, kind, "directory", err, err_cap)) != SJ_OK ||
	    (rc = check_sorted(next, nnext, kind, "import", err, err_cap)) != SJ_OK)
		return rc;
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return SJ_ENOMEM;
	while (i < ncur || j < nnext) {
		int c = i == ncur ? 1 : j == nnext ? -1 : record_key_cmp(cur[i], next[j]);
		if (c < 0) {
			rc = push(d, DIFF_ABSENT, cur[i++], NULL, 0);
			d->absent++;
		} else if (c > 0) {
			rc = push(d, DIFF_ADDED, NULL, next[j++], 0);
			d->added++;
		} else {
			uint32_t fields = 0;
			for (size_t k = 0; k < nf; k++)
				if (!record_field_equal(cur[i], next[j], k))
					fields |= (uint32_t)1 << k;
			if (fields) {
				rc = push(d, DIFF_CHANGED, cur[i], next[j], fields);
				d->changed++;
			} else
				d->unchanged++;
			i++;
			j++;
		}
		if (rc != SJ_OK) {
			diff_free(d);
			return rc;
		}
	}
	*out = d;
	return SJ_OK;
}

void diff_free(struct diff *d)
{
	if (d == NULL)
		return;
	free(d->v);
	free(d);
}

const struct diff_change *diff_changes(const struct diff *d, size_t *n)
{
	*n = d->n;
	return d->v;
}

void diff_counts(const struct diff *d, size_t *added, size_t *changed, size_t *absent,
                 size_t *unchanged)
{
	if (added)
		*added = d->added;
	if (changed)
		*changed = d->changed;
	if (absent)
		*absent = d->absent;
	if (unchanged)
		*unchanged = d->unchanged;
}

/* Appends to buf[*off..cap) like snprintf, counting what did not fit. */
static void add(char *buf, size_t cap, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(*off < cap ? buf + *off : NULL, *off < cap ? cap - *off : 0, fmt, ap);
	va_end(ap);
	if (w > 0)
		*off += (size_t)w;
}

static void add_key(char *buf, size_t cap, size_t *off, const struct record *r)
{
	if (r->kind == RECORD_CONFLICT)
		add(buf, cap, off, "%s %s / %s",
		    r->u.conflict.person_kind == PERSON_EXPERT ? "expert" : "officer",
		    r->u.conflict.person, r->u.conflict.object);
	else
		add(buf, cap, off, "%s",
		    r->kind == RECORD_OBJECT ? r->u.object.id : r->u.person.id);
}

static void add_value(char *buf, size_t cap, size_t *off, const struct record *r, size_t k)
{
	char v[1024];
	size_t n = record_field_format(v, sizeof v, r, k);

	if (n == 0)
		add(buf, cap, off, "(empty)");
	else
		add(buf, cap, off, "\"%s%s\"", v, n >= sizeof v ? "..." : "");
}

size_t diff_format_change(char *buf, size_t cap, const struct diff_change *c)
{
	const struct record_field *fs;
	size_t off = 0, nf;
	const char *sep = " ";

	if (cap > 0)
		buf[0] = '\0';
	switch (c->op) {
	case DIFF_ADDED:
		add(buf, cap, &off, "+ ");
		add_key(buf, cap, &off, c->after);
		add(buf, cap, &off, " added");
		break;
	case DIFF_ABSENT:
		add(buf, cap, &off, "? ");
		add_key(buf, cap, &off, c->before);
		add(buf, cap, &off,
		    " absent from the import (kept; change its status to remove it)");
		break;
	case DIFF_CHANGED:
		fs = record_fields(c->before->kind, &nf);
		add(buf, cap, &off, "~ ");
		add_key(buf, cap, &off, c->before);
		for (size_t k = 0; k < nf; k++) {
			if (!(c->fields & ((uint32_t)1 << k)))
				continue;
			add(buf, cap, &off, "%s%s: ", sep, fs[k].name);
			add_value(buf, cap, &off, c->before, k);
			add(buf, cap, &off, " -> ");
			add_value(buf, cap, &off, c->after, k);
			sep = "; ";
		}
		break;
	}
	return off;
}

int diff_write(FILE *f, const struct diff *d)
{
	char line[8192];

	for (size_t i = 0; i < d->n; i++) {
		diff_format_change(line, sizeof line, &d->v[i]);
		if (fprintf(f, "%s\n", line) < 0)
			return SJ_EIO;
	}
	if (fprintf(f, "%zu added, %zu changed, %zu absent, %zu unchanged\n", d->added, d->changed,
	            d->absent, d->unchanged) < 0)
		return SJ_EIO;
	return SJ_OK;
}
