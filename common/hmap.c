/*
 * hmap.c: hmap.h. Linear probing over a table at most half full, so a
 * probe ends at an empty slot; FNV-1a over the key's bytes.
 */
#include "common/hmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

void hmap_clear(struct hmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

long hmap_get(const struct hmap *m, const char *key)
{
	if (m->cap == 0)
		return -1;
	for (size_t j = (size_t)hash(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->keys[j], key) == 0)
			return (long)m->vals[j];
	return -1;
}

/* Doubles the table (64 slots at first), moving every key. */
static int grow(struct hmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	char **keys = calloc(cap, sizeof *keys);
	size_t *vals = calloc(cap, sizeof *vals);
	if (keys == NULL || vals == NULL) {
		free(keys);
		free(vals);
		return SJ_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		size_t j = (size_t)hash(m->keys[i]) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return SJ_OK;
}

int hmap_put(struct hmap *m, const char *key, size_t val)
{
	if (2 * (m->n + 1) > m->cap && grow(m) != SJ_OK)
		return SJ_ENOMEM;
	size_t j = (size_t)hash(key) & (m->cap - 1);
	for (; m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->keys[j], key) == 0) {
			m->vals[j] = val;
			return SJ_OK;
		}
	if ((m->keys[j] = strdup(key)) == NULL)
		return SJ_ENOMEM;
	m->vals[j] = val;
	m->n++;
	return SJ_OK;
}

const char *hmap_key(char *buf, size_t cap, const char *a, const char *b, const char *c,
		     const char *d)
{
	snprintf(buf, cap, "%s\x1f%s%s%s%s%s", a, b, c ? "\x1f" : "", c ? c : "", d ? "\x1f" : "",
		 d ? d : "");
	return buf;
}
