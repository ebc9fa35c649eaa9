/*
 * arena.h: a bump allocator in 1 MiB chunks, private to dir/. An import's
 * records' strings and list arrays live in one arena and are freed
 * together, so a million-row import makes a few hundred allocations, not
 * millions.
 */
#ifndef SUIJI_DIR_ARENA_H
#define SUIJI_DIR_ARENA_H

#include <stddef.h>

/* One chunk; data holds used of its cap bytes. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	_Alignas(max_align_t) char data[];
};

struct arena {
	struct arena_chunk *head;
	int oom;
};

/* Returns n bytes aligned to align (a power of two) that live until
 * arena_free, or NULL when memory runs out, which also sets a->oom so a
 * caller may check once at the end. A zero-initialised arena is empty. */
void *arena_alloc(struct arena *a, size_t n, size_t align);
/* Copies s[0..n) and a NUL into the arena; "" (static) when n is 0; NULL
 * (and a->oom) when memory runs out. */
const char *arena_str(struct arena *a, const char *s, size_t n);
/* Frees every chunk; the arena is empty again. */
void arena_free(struct arena *a);

#endif
