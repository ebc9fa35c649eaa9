/*
 * agencies.c: agencies.h.
 */
#include "rules/agencies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hmap.h"
#include "common/util.h"

struct agencies {
	struct agencies_agency *v;
	size_t n, cap;
	struct hmap ix; /* code -> position */
};

int agencies_new(struct agencies **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void agencies_free(struct agencies *a)
{
	if (a == NULL)
		return;
	free(a->v);
	hmap_clear(&a->ix);
	free(a);
}

int agencies_add(struct agencies *a, const char *code, const char *name, const char *parent,
		 uint32_t cap, uint32_t default_cap, uint64_t seq)
{
	int rc = util_grow((void **)&a->v, &a->cap, a->n, sizeof *a->v);
	if (rc != SJ_OK)
		return rc;
	struct agencies_agency *x = &a->v[a->n];
	memset(x, 0, sizeof *x);
	snprintf(x->code, sizeof x->code, "%s", code);
	snprintf(x->parent, sizeof x->parent, "%s", parent);
	snprintf(x->name, sizeof x->name, "%s", name);
	x->cap = cap ? cap : default_cap;
	x->seq = seq;
	if ((rc = hmap_put(&a->ix, x->code, a->n)) != SJ_OK)
		return rc;
	a->n++;
	return SJ_OK;
}

const struct agencies_agency *agencies_find(const struct agencies *a, const char *code)
{
	long i = hmap_get(&a->ix, code);
	/* After a rollback whose rebuild could not allocate, the index may
	 * still name positions past the end: those are gone. */
	return i < 0 || (size_t)i >= a->n ? NULL : &a->v[i];
}

const struct agencies_agency *agencies_find_n(const struct agencies *a, const char *code,
					      size_t len)
{
	char buf[ENTRY_MAX_AGENCY + 1];
	if (len > ENTRY_MAX_AGENCY)
		return NULL;
	memcpy(buf, code, len);
	buf[len] = '\0';
	return strlen(buf) == len ? agencies_find(a, buf) : NULL;
}

size_t agencies_count(const struct agencies *a)
{
	return a->n;
}

const struct agencies_agency *agencies_at(const struct agencies *a, size_t i)
{
	return &a->v[i];
}

const char *agencies_root(const struct agencies *a, const char *code)
{
	/* The hops are bounded: a superior is registered before its units,
	 * so chains cannot loop, but a bound costs nothing. */
	for (int hops = 0; hops < 64; hops++) {
		const struct agencies_agency *x = agencies_find(a, code);
		if (x == NULL || x->parent[0] == '\0')
			return code;
		code = x->parent;
	}
	return code;
}

int agencies_above(const struct agencies *a, const char *anc, const char *code)
{
	for (int hops = 0; hops < 64; hops++) {
		const struct agencies_agency *x = agencies_find(a, code);
		if (x == NULL || x->parent[0] == '\0')
			return 0;
		if (strcmp(x->parent, anc) == 0)
			return 1;
		code = x->parent;
	}
	return 0;
}

void agencies_rollback(struct agencies *a, uint64_t seq)
{
	size_t n = a->n;
	while (a->n && a->v[a->n - 1].seq >= seq)
		a->n--;
	if (a->n == n)
		return;
	/* Build the new index aside: if that cannot allocate, the old one
	 * still finds every agency that remains (agencies_find skips the
	 * positions past the end). */
	struct hmap ix = HMAP_INIT;
	for (size_t i = 0; i < a->n; i++)
		if (hmap_put(&ix, a->v[i].code, i) != SJ_OK) {
			hmap_clear(&ix);
			return;
		}
	hmap_clear(&a->ix);
	a->ix = ix;
}
