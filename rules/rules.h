/*
 * rules.h: what every file of rules/ shares: how a broken rule is
 * reported, and the small sorted-array helpers the rules use.
 */
#ifndef SUIJI_RULES_RULES_H
#define SUIJI_RULES_RULES_H

#include <stddef.h>

#include "common/err.h"

/*
 * A broken rule: writes the message into err (cap bytes) and returns
 * SJ_EVERIFY, to be used as `return rules_fail(...)` or
 * `rc = rules_fail(...); goto out;` so every exit stays visible.
 */
SJ_WUR int rules_fail(char *err, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* qsort and bsearch that accept n == 0 (the C library may not be given a
 * NULL base). */
void rules_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *rules_find(const void *key, const void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *));

/* strcmp through pointers to strings (for rules_sort of char *). */
int rules_str_cmp(const void *a, const void *b);

/* 1 when s is one of v[0..n). */
int rules_in_list(const char *const *v, size_t n, const char *s);

#endif
