/*
 * arena.c: the bump allocator of arena.h.
 */
#include "dir/arena.h"

#include <stdlib.h>
#include <string.h>

void *arena_alloc(struct arena *a, size_t n, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t off;

	if (c != NULL) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off + n <= c->cap) {
			c->used = off + n;
			return c->data + off;
		}
	}
	{
		size_t cap = n > (1u << 20) ? n : (1u << 20);
		c = malloc(sizeof *c + cap);
		if (c == NULL) {
			a->oom = 1;
			return NULL;
		}
		c->next = a->head;
		c->used = n;
		c->cap = cap;
		a->head = c;
		return c->data;
	}
}

const char *arena_str(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == 0)
		return "";
	p = arena_alloc(a, n + 1, 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_free(struct arena *a)
{
	while (a->head != NULL) {
		struct arena_chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
}
