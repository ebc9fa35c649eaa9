/*
 * objects.c: the object pool. See objects.h for the encoding.
 */
#include "draw/objects.h"

#include <stdlib.h>
#include <string.h>

#include "draw/wire.h"

#define MAGIC    "SJOP"
#define VERSION  1
#define HASH_TAG "suiji object pool v1"

struct draw_objects {
	struct draw_wbuf w; /* the encoding; for a building pool, N is 0 */
	size_t count_off;   /* where N sits in w */
	size_t first_off;   /* where the first object starts */
	size_t last_off;    /* offset of the last appended object, for order */
	size_t count;
	size_t nstrata;
	char (*strata)[DRAW_MAX_NAME + 1];
	uint8_t hash[DRAW_HASH_SIZE];
	int sealed;
};

static int check_strata(const char *const *names, size_t n, char *err, size_t cap)
{
	if (n == 0 || n > DRAW_MAX_STRATA) {
		draw_wire_err(err, cap, "a pool has 1..%d strata, not %zu", DRAW_MAX_STRATA, n);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (!draw_wire_id_ok(names[i], len, DRAW_MAX_NAME)) {
			draw_wire_err(err, cap,
			              "stratum name %zu is not 1..%d printable characters", i,
			              DRAW_MAX_NAME);
			return SJ_EINVAL;
		}
		if (i > 0 &&
		    draw_wire_cmp(names[i - 1], strlen(names[i - 1]), names[i], len) >= 0) {
			draw_wire_err(err, cap,
			              "stratum %s is not after %s (sorted, no duplicates)",
			              names[i], names[i - 1]);
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

static int alloc_pool(struct draw_objects **out, const char *const *names, size_t n)
{
	struct draw_objects *p = calloc(1, sizeof *p);

	if (p == NULL)
		return SJ_ENOMEM;
	p->strata = calloc(n, sizeof *p->strata);
	if (p->strata == NULL) {
		free(p);
		return SJ_ENOMEM;
	}
	p->nstrata = n;
	for (size_t i = 0; i < n; i++)
		memcpy(p->strata[i], names[i], strlen(names[i]) + 1);
	*out = p;
	return SJ_OK;
}

int draw_objects_new(struct draw_objects **out, const char *const *names, size_t n, size_t expect,
                     char *err, size_t err_cap)
{
	struct draw_objects *p;
	int rc = check_strata(names, n, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	if (alloc_pool(&p, names, n) != SJ_OK)
		return SJ_ENOMEM;
	if (expect > DRAW_MAX_OBJECTS)
		expect = DRAW_MAX_OBJECTS;
	/* One exact reservation for the caller's estimate of 20-byte ids, so
	 * a large pool is not copied while it grows. */
	draw_wire_reserve(&p->w, 16 + n * (DRAW_MAX_NAME + 1) + expect * 21);
	draw_wire_put(&p->w, MAGIC, 4);
	draw_wire_u8(&p->w, VERSION);
	draw_wire_u16(&p->w, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		draw_wire_str8(&p->w, names[i], strlen(names[i]));
	p->count_off = p->w.len;
	draw_wire_u32(&p->w, 0);
	p->first_off = p->last_off = p->w.len;
	if (p->w.oom) {
		draw_objects_free(p);
		return SJ_ENOMEM;
	}
	*out = p;
	return SJ_OK;
}

int draw_objects_add(struct draw_objects *p, const char *id, unsigned stratum, char *err,
                     size_t err_cap)
{
	size_t len = strlen(id);

	if (p->sealed) {
		draw_wire_err(err, err_cap, "the pool is sealed");
		return SJ_EINVAL;
	}
	if (!draw_wire_id_ok(id, len, DRAW_MAX_ID)) {
		draw_wire_err(err, err_cap,
		              "object identifier %.80s is not 1..%d printable characters", id,
		              DRAW_MAX_ID);
		return SJ_EINVAL;
	}
	if (stratum >= p->nstrata) {
		draw_wire_err(err, err_cap, "object %s: unknown stratum %u", id, stratum);
		return SJ_EINVAL;
	}
	if (p->count > 0) {
		const char *prev = (const char *)p->w.p + p->last_off + 1;
		size_t plen = p->w.p[p->last_off];
		int c = draw_wire_cmp(prev, plen, id, len);

		if (c >= 0) {
			draw_wire_err(err, err_cap,
			              "object %s %s (objects are sorted, no duplicates)", id,
			              c == 0 ? "is a duplicate" : "comes before the previous one");
			return SJ_EINVAL;
		}
	}
	if (p->count == DRAW_MAX_OBJECTS) {
		draw_wire_err(err, err_cap, "more than %u objects", DRAW_MAX_OBJECTS);
		return SJ_ERANGE;
	}
	size_t at = p->w.len;

	draw_wire_str8(&p->w, id, len);
	draw_wire_u8(&p->w, stratum);
	if (p->w.oom) {
		p->w.len = at;
		return SJ_ENOMEM;
	}
	p->last_off = at;
	p->count++;
	return SJ_OK;
}

int draw_objects_seal(struct draw_objects *p)
{
	if (p->w.oom)
		return SJ_ENOMEM;
	if (p->sealed)
		return SJ_OK;
	draw_wire_put_be32(p->w.p + p->count_off, (uint32_t)p->count);
	draw_wire_tagged(p->hash, HASH_TAG, p->w.p, p->w.len);
	p->sealed = 1;
	return SJ_OK;
}

int draw_objects_decode(struct draw_objects **out, const uint8_t *bytes, size_t len, char *err,
                        size_t err_cap)
{
	struct draw_rbuf r = {bytes, len, 0};
	const uint8_t *magic;
	unsigned version, ns, st;
	const char *names[DRAW_MAX_STRATA];
	char copies[DRAW_MAX_STRATA][DRAW_MAX_NAME + 1];
	uint32_t n;
	struct draw_objects *p;
	const char *prev = NULL, *id;
	size_t plen = 0, idlen;

	if (len > DRAW_MAX_OBJECTS_BYTES) {
		draw_wire_err(err, err_cap, "object pool of %zu bytes is above the cap", len);
		return SJ_ERANGE;
	}
	if (draw_wire_get(&r, &magic, 4) != SJ_OK || memcmp(magic, MAGIC, 4) != 0 ||
	    draw_wire_get_u8(&r, &version) != SJ_OK || version != VERSION) {
		draw_wire_err(err, err_cap, "not an object pool (magic SJOP, version 1)");
		return SJ_EINVAL;
	}
	if (draw_wire_get_u16(&r, &ns) != SJ_OK || ns == 0 || ns > DRAW_MAX_STRATA) {
		draw_wire_err(err, err_cap, "object pool: bad stratum count");
		return SJ_EINVAL;
	}
	for (unsigned i = 0; i < ns; i++) {
		const char *s;
		size_t sl;

		if (draw_wire_get_str8(&r, &s, &sl) != SJ_OK ||
		    !draw_wire_id_ok(s, sl, DRAW_MAX_NAME)) {
			draw_wire_err(err, err_cap, "object pool: stratum name %u malformed", i);
			return SJ_EINVAL;
		}
		memcpy(copies[i], s, sl);
		copies[i][sl] = '\0';
		names[i] = copies[i];
	}
	int rc = check_strata(names, ns, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	size_t count_off = r.off;

	if (draw_wire_get_u32(&r, &n) != SJ_OK || n > DRAW_MAX_OBJECTS) {
		draw_wire_err(err, err_cap, "object pool: bad object count");
		return SJ_EINVAL;
	}
	size_t first_off = r.off, last_off = r.off;

	for (uint32_t i = 0; i < n; i++) {
		size_t at = r.off;

		if (draw_wire_get_str8(&r, &id, &idlen) != SJ_OK ||
		    draw_wire_get_u8(&r, &st) != SJ_OK) {
			draw_wire_err(err, err_cap, "object pool: truncated at object %u", i);
			return SJ_EINVAL;
		}
		if (!draw_wire_id_ok(id, idlen, DRAW_MAX_ID) || st >= ns) {
			draw_wire_err(err, err_cap, "object pool: object %u malformed", i);
			return SJ_EINVAL;
		}
		if (prev != NULL && draw_wire_cmp(prev, plen, id, idlen) >= 0) {
			draw_wire_err(err, err_cap,
			              "object pool: object %.*s out of order or duplicated",
			              (int)idlen, id);
			return SJ_EINVAL;
		}
		prev = id;
		plen = idlen;
		last_off = at;
	}
	if (r.off != len) {
		draw_wire_err(err, err_cap, "object pool: %zu bytes after the last object",
		              len - r.off);
		return SJ_EINVAL;
	}
	if (alloc_pool(&p, names, ns) != SJ_OK)
		return SJ_ENOMEM;
	draw_wire_reserve(&p->w, len);
	draw_wire_put(&p->w, bytes, len);
	if (p->w.oom) {
		draw_objects_free(p);
		return SJ_ENOMEM;
	}
	p->count_off = count_off;
	p->first_off = first_off;
	p->last_off = last_off;
	p->count = n;
	draw_wire_tagged(p->hash, HASH_TAG, p->w.p, p->w.len);
	p->sealed = 1;
	*out = p;
	return SJ_OK;
}

void draw_objects_free(struct draw_objects *p)
{
	if (p == NULL)
		return;
	free(p->w.p);
	free(p->strata);
	free(p);
}

const uint8_t *draw_objects_bytes(const struct draw_objects *p, size_t *len)
{
	*len = p->w.len;
	return p->w.p;
}

const uint8_t *draw_objects_hash(const struct draw_objects *p)
{
	return p->sealed ? p->hash : NULL;
}

size_t draw_objects_count(const struct draw_objects *p)
{
	return p->count;
}

size_t draw_objects_nstrata(const struct draw_objects *p)
{
	return p->nstrata;
}

const char *draw_objects_stratum(const struct draw_objects *p, size_t i)
{
	return p->strata[i];
}

int draw_objects_find_stratum(const struct draw_objects *p, const char *name, size_t len)
{
	size_t lo = 0, hi = p->nstrata;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = draw_wire_cmp(p->strata[mid], strlen(p->strata[mid]), name, len);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int draw_objects_next(const struct draw_objects *p, size_t *cursor, const char **id, size_t *id_len,
                      unsigned *stratum, size_t *offset)
{
	size_t off = *cursor ? *cursor : p->first_off;

	if (off >= p->w.len)
		return 0;
	draw_objects_at(p, off, id, id_len, stratum);
	*offset = off;
	*cursor = off + 2 + *id_len;
	return 1;
}

void draw_objects_at(const struct draw_objects *p, size_t off, const char **id, size_t *id_len,
                     unsigned *stratum)
{
	*id_len = p->w.p[off];
	*id = (const char *)p->w.p + off + 1;
	*stratum = p->w.p[off + 1 + *id_len];
}
