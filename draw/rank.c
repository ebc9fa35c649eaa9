/*
 * rank.c: ranking by (key, identifier) with a bounded heap. See rank.h.
 */
#include "draw/rank.h"

#include "draw/wire.h"

/* (key, identifier) order. Identifiers are unique in a pool, so this is a
 * total order and every sort below has exactly one outcome. */
int draw_rank_cmp(const struct draw_objects *o, const struct draw_rank_ent *a,
                  const struct draw_rank_ent *b)
{
	const char *ia, *ib;
	size_t la, lb;
	unsigned sa, sb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	draw_objects_at(o, a->off, &ia, &la, &sa);
	draw_objects_at(o, b->off, &ib, &lb, &sb);
	return draw_wire_cmp(ia, la, ib, lb);
}

static void sift_down(const struct draw_objects *o, struct draw_rank_ent *h, size_t i, size_t n)
{
	for (;;) {
		size_t l = 2 * i + 1, big = i;

		if (l < n && draw_rank_cmp(o, &h[l], &h[big]) > 0)
			big = l;
		if (l + 1 < n && draw_rank_cmp(o, &h[l + 1], &h[big]) > 0)
			big = l + 1;
		if (big == i)
			return;
		struct draw_rank_ent t = h[i];

		h[i] = h[big];
		h[big] = t;
		i = big;
	}
}

static void sift_up(const struct draw_objects *o, struct draw_rank_ent *h, size_t i)
{
	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (draw_rank_cmp(o, &h[up], &h[i]) >= 0)
			return;
		struct draw_rank_ent t = h[i];

		h[i] = h[up];
		h[up] = t;
		i = up;
	}
}

/* Offers e to the bounded max-heap h of *n entries and capacity cap: the
 * heap keeps the cap smallest entries seen, with the largest on top. */
void draw_rank_offer(const struct draw_objects *o, struct draw_rank_ent *h, uint32_t *n,
                     uint32_t cap, const struct draw_rank_ent *e)
{
	if (*n < cap) {
		h[*n] = *e;
		sift_up(o, h, (*n)++);
	} else if (cap > 0 &&
	           (e->key < h[0].key || (e->key == h[0].key && draw_rank_cmp(o, e, &h[0]) < 0))) {
		h[0] = *e;
		sift_down(o, h, 0, cap);
	}
}

void draw_rank_heapify(const struct draw_objects *o, struct draw_rank_ent *h, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(o, h, i, n);
}

/* Sorts a max-heap of n entries ascending, in place. */
void draw_rank_sort(const struct draw_objects *o, struct draw_rank_ent *h, size_t n)
{
	for (size_t end = n; end > 1; end--) {
		struct draw_rank_ent t = h[0];

		h[0] = h[end - 1];
		h[end - 1] = t;
		sift_down(o, h, 0, end - 1);
	}
}
