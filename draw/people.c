/*
 * people.c: officer and expert pools. See people.h for the encoding.
 *
 * Besides the encoding a pool keeps, per person, a NUL-terminated copy of
 * the identifier, the agency index and a 256-bit tag set, so that the
 * derivation asks "is this officer qualified" in constant time.
 */
#include "draw/people.h"

#include <stdlib.h>
#include <string.h>

#include "draw/wire.h"

#define MAGIC    "SJPP"
#define VERSION  1
#define HASH_TAG "suiji people pool v1"

struct person {
	char id[DRAW_MAX_ID + 1];
	uint8_t agency;
	uint64_t tags[4];
};

struct draw_people {
	struct draw_wbuf w;
	size_t count_off;
	enum draw_kind kind;
	size_t ntags, nagencies;
	char (*tags)[DRAW_MAX_NAME + 1];
	char (*agencies)[DRAW_MAX_ID + 1];
	struct person *people;
	size_t count, cap;
	uint8_t hash[DRAW_HASH_SIZE];
	int sealed;
};

static int check_names(const char *what, const char *const *names, size_t n, size_t max_n,
                       size_t max_len, char *err, size_t cap)
{
	if (n > max_n) {
		draw_wire_err(err, cap, "more than %zu %s", max_n, what);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (!draw_wire_id_ok(names[i], len, max_len)) {
			draw_wire_err(err, cap, "%s %zu is not 1..%zu printable characters", what,
			              i, max_len);
			return SJ_EINVAL;
		}
		if (i > 0 &&
		    draw_wire_cmp(names[i - 1], strlen(names[i - 1]), names[i], len) >= 0) {
			draw_wire_err(err, cap, "%s %s is not after %s (sorted, no duplicates)",
			              what, names[i], names[i - 1]);
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

static int alloc_pool(struct draw_people **out, enum draw_kind kind, const char *const *tags,
                      size_t ntags, const char *const *agencies, size_t nagencies, size_t expect)
{
	struct draw_people *p = calloc(1, sizeof *p);

	if (p == NULL)
		return SJ_ENOMEM;
	p->kind = kind;
	p->ntags = ntags;
	p->nagencies = nagencies;
	p->cap = expect ? expect : 16;
	p->tags = calloc(ntags ? ntags : 1, sizeof *p->tags);
	p->agencies = calloc(nagencies ? nagencies : 1, sizeof *p->agencies);
	p->people = calloc(p->cap, sizeof *p->people);
	if (p->tags == NULL || p->agencies == NULL || p->people == NULL) {
		draw_people_free(p);
		return SJ_ENOMEM;
	}
	for (size_t i = 0; i < ntags; i++)
		memcpy(p->tags[i], tags[i], strlen(tags[i]) + 1);
	for (size_t i = 0; i < nagencies; i++)
		memcpy(p->agencies[i], agencies[i], strlen(agencies[i]) + 1);
	*out = p;
	return SJ_OK;
}

static void write_header(struct draw_people *p)
{
	draw_wire_put(&p->w, MAGIC, 4);
	draw_wire_u8(&p->w, VERSION);
	draw_wire_u8(&p->w, p->kind);
	draw_wire_u16(&p->w, (unsigned)p->ntags);
	for (size_t i = 0; i < p->ntags; i++)
		draw_wire_str8(&p->w, p->tags[i], strlen(p->tags[i]));
	draw_wire_u16(&p->w, (unsigned)p->nagencies);
	for (size_t i = 0; i < p->nagencies; i++)
		draw_wire_str8(&p->w, p->agencies[i], strlen(p->agencies[i]));
	p->count_off = p->w.len;
	draw_wire_u32(&p->w, 0);
}

int draw_people_new(struct draw_people **out, enum draw_kind kind, const char *const *tags,
                    size_t ntags, const char *const *agencies, size_t nagencies, size_t expect,
                    char *err, size_t err_cap)
{
	struct draw_people *p;
	int rc;

	if (kind != DRAW_OFFICER && kind != DRAW_EXPERT) {
		draw_wire_err(err, err_cap, "a people pool holds officers or experts");
		return SJ_EINVAL;
	}
	rc = check_names("tags", tags, ntags, DRAW_MAX_TAGS, DRAW_MAX_NAME, err, err_cap);
	if (rc == SJ_OK)
		rc = check_names("agencies", agencies, nagencies, DRAW_MAX_AGENCIES, DRAW_MAX_ID,
		                 err, err_cap);
	if (rc != SJ_OK)
		return rc;
	if (expect > DRAW_MAX_PEOPLE)
		expect = DRAW_MAX_PEOPLE;
	if (alloc_pool(&p, kind, tags, ntags, agencies, nagencies, expect) != SJ_OK)
		return SJ_ENOMEM;
	write_header(p);
	if (p->w.oom) {
		draw_people_free(p);
		return SJ_ENOMEM;
	}
	*out = p;
	return SJ_OK;
}

/* Checks one person against the pool so far; shared by add and decode. */
static int check_person(const struct draw_people *p, const char *id, size_t len, unsigned agency,
                        const unsigned *tags, size_t ntags, char *err, size_t err_cap)
{
	if (!draw_wire_id_ok(id, len, DRAW_MAX_ID)) {
		draw_wire_err(err, err_cap,
		              "person identifier %.*s is not 1..%d printable characters",
		              (int)(len > 80 ? 80 : len), id, DRAW_MAX_ID);
		return SJ_EINVAL;
	}
	if (p->count > 0) {
		const char *prev = p->people[p->count - 1].id;
		int c = draw_wire_cmp(prev, strlen(prev), id, len);

		if (c >= 0) {
			draw_wire_err(err, err_cap,
			              "person %.*s %s (people are sorted, no duplicates)", (int)len,
			              id,
			              c == 0 ? "is a duplicate" : "comes before the previous one");
			return SJ_EINVAL;
		}
	}
	if (agency >= p->nagencies) {
		draw_wire_err(err, err_cap, "person %.*s: unknown agency %u", (int)len, id, agency);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < ntags; i++)
		if (tags[i] >= p->ntags || (i > 0 && tags[i] <= tags[i - 1])) {
			draw_wire_err(err, err_cap,
			              "person %.*s: tag index %u unknown or not ascending",
			              (int)len, id, tags[i]);
			return SJ_EINVAL;
		}
	if (p->count == DRAW_MAX_PEOPLE) {
		draw_wire_err(err, err_cap, "more than %u people", DRAW_MAX_PEOPLE);
		return SJ_ERANGE;
	}
	return SJ_OK;
}

static int push_person(struct draw_people *p, const char *id, size_t len, unsigned agency,
                       const unsigned *tags, size_t ntags)
{
	if (p->count == p->cap) {
		size_t cap = p->cap * 2;
		struct person *np = realloc(p->people, cap * sizeof *np);

		if (np == NULL)
			return SJ_ENOMEM;
		p->people = np;
		p->cap = cap;
	}
	struct person *x = &p->people[p->count];

	memset(x, 0, sizeof *x);
	memcpy(x->id, id, len);
	x->agency = (uint8_t)agency;
	for (size_t i = 0; i < ntags; i++)
		x->tags[tags[i] / 64] |= (uint64_t)1 << (tags[i] % 64);
	p->count++;
	return SJ_OK;
}

int draw_people_add(struct draw_people *p, const char *id, unsigned agency, const unsigned *tags,
                    size_t ntags, char *err, size_t err_cap)
{
	size_t len = strlen(id), at = p->w.len;
	int rc;

	if (p->sealed) {
		draw_wire_err(err, err_cap, "the pool is sealed");
		return SJ_EINVAL;
	}
	rc = check_person(p, id, len, agency, tags, ntags, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	draw_wire_str8(&p->w, id, len);
	draw_wire_u8(&p->w, agency);
	draw_wire_u8(&p->w, (unsigned)ntags);
	for (size_t i = 0; i < ntags; i++)
		draw_wire_u8(&p->w, tags[i]);
	if (p->w.oom || push_person(p, id, len, agency, tags, ntags) != SJ_OK) {
		p->w.len = at;
		return SJ_ENOMEM;
	}
	return SJ_OK;
}

int draw_people_seal(struct draw_people *p)
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

/* Reads a u16-counted name list into names/copies; shared by decode. */
static int get_names(struct draw_rbuf *r, const char *what, size_t max_n, size_t max_len,
                     char (*copies)[DRAW_MAX_ID + 1], const char **names, size_t *n, char *err,
                     size_t err_cap)
{
	unsigned count;

	if (draw_wire_get_u16(r, &count) != SJ_OK || count > max_n) {
		draw_wire_err(err, err_cap, "people pool: bad number of %s", what);
		return SJ_EINVAL;
	}
	for (unsigned i = 0; i < count; i++) {
		const char *s;
		size_t len;

		if (draw_wire_get_str8(r, &s, &len) != SJ_OK || !draw_wire_id_ok(s, len, max_len)) {
			draw_wire_err(err, err_cap, "people pool: %s %u malformed", what, i);
			return SJ_EINVAL;
		}
		memcpy(copies[i], s, len);
		copies[i][len] = '\0';
		names[i] = copies[i];
	}
	*n = count;
	return check_names(what, names, count, max_n, max_len, err, err_cap);
}

int draw_people_decode(struct draw_people **out, const uint8_t *bytes, size_t len, char *err,
                       size_t err_cap)
{
	struct draw_rbuf r = {bytes, len, 0};
	const uint8_t *magic;
	unsigned version, kind;
	char(*copies)[DRAW_MAX_ID + 1] = NULL;
	const char *tags[DRAW_MAX_TAGS], *agencies[DRAW_MAX_AGENCIES];
	size_t ntags, nagencies;
	uint32_t m;
	struct draw_people *p = NULL;
	int rc = SJ_EINVAL;

	if (len > DRAW_MAX_PEOPLE_BYTES) {
		draw_wire_err(err, err_cap, "people pool of %zu bytes is above the cap", len);
		return SJ_ERANGE;
	}
	if (draw_wire_get(&r, &magic, 4) != SJ_OK || memcmp(magic, MAGIC, 4) != 0 ||
	    draw_wire_get_u8(&r, &version) != SJ_OK || version != VERSION ||
	    draw_wire_get_u8(&r, &kind) != SJ_OK || (kind != DRAW_OFFICER && kind != DRAW_EXPERT)) {
		draw_wire_err(err, err_cap,
		              "not a people pool (magic SJPP, version 1, kind 2 or 3)");
		return SJ_EINVAL;
	}
	copies = calloc(DRAW_MAX_TAGS + DRAW_MAX_AGENCIES, sizeof *copies);
	if (copies == NULL)
		return SJ_ENOMEM;
	rc =
	    get_names(&r, "tags", DRAW_MAX_TAGS, DRAW_MAX_NAME, copies, tags, &ntags, err, err_cap);
	if (rc == SJ_OK)
		rc = get_names(&r, "agencies", DRAW_MAX_AGENCIES, DRAW_MAX_ID,
		               copies + DRAW_MAX_TAGS, agencies, &nagencies, err, err_cap);
	if (rc != SJ_OK)
		goto out_copies;
	rc = SJ_EINVAL;
	if (draw_wire_get_u32(&r, &m) != SJ_OK || m > DRAW_MAX_PEOPLE) {
		draw_wire_err(err, err_cap, "people pool: bad number of people");
		goto out_copies;
	}
	/* The count is bounded by the bytes left: each person takes at least
	 * four bytes, so a lying count cannot make us allocate much. */
	if (m > (len - r.off) / 4) {
		draw_wire_err(err, err_cap, "people pool: count %u exceeds the bytes", m);
		goto out_copies;
	}
	rc = alloc_pool(&p, (enum draw_kind)kind, tags, ntags, agencies, nagencies, m);
	if (rc != SJ_OK)
		goto out_copies;
	rc = SJ_EINVAL;
	for (uint32_t i = 0; i < m; i++) {
		const char *id;
		size_t idlen;
		unsigned agency, nt, t[DRAW_MAX_TAGS];

		if (draw_wire_get_str8(&r, &id, &idlen) != SJ_OK ||
		    draw_wire_get_u8(&r, &agency) != SJ_OK || draw_wire_get_u8(&r, &nt) != SJ_OK) {
			draw_wire_err(err, err_cap, "people pool: truncated at person %u", i);
			goto out_pool;
		}
		for (unsigned j = 0; j < nt; j++)
			if (draw_wire_get_u8(&r, &t[j]) != SJ_OK) {
				draw_wire_err(err, err_cap, "people pool: truncated at person %u",
				              i);
				goto out_pool;
			}
		rc = check_person(p, id, idlen, agency, t, nt, err, err_cap);
		if (rc != SJ_OK)
			goto out_pool;
		rc = push_person(p, id, idlen, agency, t, nt);
		if (rc != SJ_OK)
			goto out_pool;
		rc = SJ_EINVAL;
	}
	if (r.off != len) {
		draw_wire_err(err, err_cap, "people pool: %zu bytes after the last person",
		              len - r.off);
		goto out_pool;
	}
	draw_wire_reserve(&p->w, len);
	draw_wire_put(&p->w, bytes, len);
	if (p->w.oom) {
		rc = SJ_ENOMEM;
		goto out_pool;
	}
	p->count_off = 0; /* unused once sealed */
	draw_wire_tagged(p->hash, HASH_TAG, p->w.p, p->w.len);
	p->sealed = 1;
	free(copies);
	*out = p;
	return SJ_OK;

out_pool:
	draw_people_free(p);
out_copies:
	free(copies);
	return rc;
}

void draw_people_free(struct draw_people *p)
{
	if (p == NULL)
		return;
	free(p->w.p);
	free(p->tags);
	free(p->agencies);
	free(p->people);
	free(p);
}

const uint8_t *draw_people_bytes(const struct draw_people *p, size_t *len)
{
	*len = p->w.len;
	return p->w.p;
}

const uint8_t *draw_people_hash(const struct draw_people *p)
{
	return p->sealed ? p->hash : NULL;
}

enum draw_kind draw_people_kind(const struct draw_people *p)
{
	return p->kind;
}

size_t draw_people_count(const struct draw_people *p)
{
	return p->count;
}

const char *draw_people_id(const struct draw_people *p, size_t i)
{
	return p->people[i].id;
}

const char *draw_people_agency(const struct draw_people *p, size_t i)
{
	return p->agencies[p->people[i].agency];
}

unsigned draw_people_agency_index(const struct draw_people *p, size_t i)
{
	return p->people[i].agency;
}

int draw_people_find_agency(const struct draw_people *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->nagencies; i++)
		if (draw_wire_cmp(p->agencies[i], strlen(p->agencies[i]), name, len) == 0)
			return (int)i;
	return -1;
}

int draw_people_has_tag(const struct draw_people *p, size_t i, unsigned t)
{
	return t < 256 && (p->people[i].tags[t / 64] >> (t % 64) & 1);
}

int draw_people_qualified(const struct draw_people *p, size_t i, const uint64_t mask[4])
{
	const uint64_t *t = p->people[i].tags;

	return (t[0] & mask[0]) == mask[0] && (t[1] & mask[1]) == mask[1] &&
	       (t[2] & mask[2]) == mask[2] && (t[3] & mask[3]) == mask[3];
}

long draw_people_find(const struct draw_people *p, const char *id, size_t len)
{
	size_t lo = 0, hi = p->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = draw_wire_cmp(p->people[mid].id, strlen(p->people[mid].id), id, len);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int draw_people_find_tag(const struct draw_people *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->ntags; i++)
		if (draw_wire_cmp(p->tags[i], strlen(p->tags[i]), name, len) == 0)
			return (int)i;
	return -1;
}

size_t draw_people_ntags(const struct draw_people *p)
{
	return p->ntags;
}

const char *draw_people_tag(const struct draw_people *p, size_t t)
{
	return p->tags[t];
}
