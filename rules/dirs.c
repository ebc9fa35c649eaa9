/*
 * dirs.c: the directory-import rules and the little state they need
 * (dirs.h).
 *
 * Per agency and kind, the records are an append-only array of (key hash,
 * record hash, seq of the entry that added the key) with an open-addressing
 * index over it, as replay.c keeps agencies and clients. A re-import that
 * changes a record overwrites its record hash in place and logs the old
 * one, and a part that moves an agency's open import logs its old state;
 * rolling back replays that undo log backwards, then truncates the arrays
 * by seq and rebuilds the indexes. Settling forgets the undo log.
 */
#include "rules/dirs.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "dir/ident.h"

#include "proto/directory.pb-c.h"

#define NKINDS 4

struct dirs_rec {
	uint8_t key[32];  /* SHA-256 of the key text */
	uint8_t hash[32]; /* record hash of the current record */
	uint64_t seq;     /* the entry that added the key */
};

struct dirs_map {
	struct dirs_rec *v;
	size_t n, cap;
	uint32_t *slots; /* position + 1, 0 when empty */
	size_t scap;     /* a power of two, or 0 */
};

/* The import an agency's last part belongs to. */
struct dirs_open {
	int open; /* parts remain */
	unsigned kind;
	uint32_t next, parts;
	char import_id[IDENT_MAX + 1];
	char last_key[DIRS_MAX_KEY];
};

struct dirs_agency {
	char code[ENTRY_MAX_AGENCY + 1];
	uint64_t seq;
	struct dirs_map maps[NKINDS];
	struct dirs_open open;
};

struct dirs_undo_hash {
	uint64_t seq;
	size_t agency, rec;
	unsigned kind;
	uint8_t old[32];
};

struct dirs_undo_open {
	uint64_t seq;
	size_t agency;
	struct dirs_open old;
};

struct dirs {
	struct dirs_agency *ag;
	size_t nag, cag;
	struct dirs_undo_hash *uh;
	size_t nuh, cuh;
	struct dirs_undo_open *uo;
	size_t nuo, cuo;
};

int dirs_new(struct dirs **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void dirs_free(struct dirs *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nag; i++)
		for (int k = 0; k < NKINDS; k++) {
			free(d->ag[i].maps[k].v);
			free(d->ag[i].maps[k].slots);
		}
	free(d->ag);
	free(d->uh);
	free(d->uo);
	free(d);
}

static size_t slot_of(const uint8_t key[32], size_t scap)
{
	uint64_t h;
	memcpy(&h, key, sizeof h);
	return (size_t)h & (scap - 1);
}

static int map_rebuild(struct dirs_map *m)
{
	size_t scap = 64;
	while (scap < 2 * (m->n + 1))
		scap *= 2;
	uint32_t *slots = calloc(scap, sizeof *slots);
	if (slots == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = slot_of(m->v[i].key, scap);
		while (slots[j])
			j = (j + 1) & (scap - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->scap = scap;
	return SJ_OK;
}

static struct dirs_rec *map_find(const struct dirs_map *m, const uint8_t key[32])
{
	if (m->scap == 0)
		return NULL;
	for (size_t j = slot_of(key, m->scap); m->slots[j]; j = (j + 1) & (m->scap - 1)) {
		uint32_t p = m->slots[j];
		if (p <= m->n && memcmp(m->v[p - 1].key, key, 32) == 0)
			return &m->v[p - 1];
	}
	return NULL;
}

/* Appends a new key (not in m). */
static int map_add(struct dirs_map *m, const uint8_t key[32], const uint8_t hash[32],
		   uint64_t seq)
{
	int rc;
	if ((rc = util_grow((void **)&m->v, &m->cap, m->n, sizeof *m->v)) != SJ_OK)
		return rc;
	memcpy(m->v[m->n].key, key, 32);
	memcpy(m->v[m->n].hash, hash, 32);
	m->v[m->n].seq = seq;
	m->n++;
	if (2 * m->n >= m->scap)
		return map_rebuild(m);
	size_t j = slot_of(key, m->scap);
	while (m->slots[j])
		j = (j + 1) & (m->scap - 1);
	m->slots[j] = (uint32_t)m->n;
	return SJ_OK;
}

static struct dirs_agency *find_agency(const struct dirs *d, const char *code, size_t len)
{
	for (size_t i = 0; i < d->nag; i++)
		if (strlen(d->ag[i].code) == len && memcmp(d->ag[i].code, code, len) == 0)
			return &d->ag[i];
	return NULL;
}

void dirs_record_key(char *buf, size_t cap, const struct record *r)
{
	/* Identifiers are bytes 0x21..0x7e, so the space sorts before any
	 * of them, as the end of a string does in strcmp: the text orders as
	 * record_key_cmp orders (person_kind is one digit). */
	if (r->kind == RECORD_CONFLICT)
		snprintf(buf, cap, "%u %s %s", r->u.conflict.person_kind, r->u.conflict.object,
			 r->u.conflict.person);
	else
		snprintf(buf, cap, "%s", record_id(r));
}

static void key_hash(uint8_t out[32], const char *key)
{
	crypto_hash_sha256(out, (const uint8_t *)key, strlen(key));
}

static int text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int list_has(const struct record_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* 1 when agency a's directory of kind holds key. */
static int has_key(const struct dirs_agency *a, unsigned kind, const char *key)
{
	uint8_t kh[32];
	if (a == NULL)
		return 0;
	key_hash(kh, key);
	return map_find(&a->maps[kind - 1], kh) != NULL;
}

struct pending {
	uint8_t key[32];
	uint8_t hash[32];
};

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, err_cap, __VA_ARGS__);                           \
		rc = SJ_EVERIFY;                                               \
		goto out;                                                      \
	} while (0)

int dirs_import(struct dirs *d, const struct entry *e, int agency_known, int by_operator,
		char *err, size_t err_cap)
{
	Suiji__DirectoryImport *m = NULL;
	struct pending *p = NULL;
	struct record *rec = NULL;
	struct dirs_agency *a;
	struct dirs_open next;
	char key[DIRS_MAX_KEY], prev[DIRS_MAX_KEY], why[256];
	uint64_t added = 0, changed = 0;
	const char *kname;
	int rc = SJ_OK;

	if (!by_operator)
		FAIL("only the log operator or an operator of the agency may import a directory");
	pbuf_reset();
	m = suiji__directory_import__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL && pbuf_failed()) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if (m == NULL)
		FAIL("directory-import payload does not decode as suiji.DirectoryImport");
	if (m->agency[0] == '\0' || strlen(m->agency) != e->agency_len ||
	    memcmp(m->agency, e->agency, e->agency_len) != 0)
		FAIL("the import's agency \"%s\" is not the entry's agency \"%.*s\"", m->agency,
		     (int)e->agency_len, e->agency);
	if (!agency_known)
		FAIL("directory imported for unknown agency \"%s\"", m->agency);
	kname = record_kind_name(m->kind);
	if (kname == NULL)
		FAIL("record kind %u is not objects, officers, experts or conflicts", m->kind);
	if (!ident_ok(m->import_id, strlen(m->import_id)))
		FAIL("import id \"%s\" is not an identifier (1..64 printable ASCII bytes)",
		     m->import_id);
	if (m->source_sha256.len != 0 && m->source_sha256.len != 32)
		FAIL("source SHA-256 is %zu bytes, not 32", m->source_sha256.len);
	if (!text_ok(m->source_name, 255))
		FAIL("source name is longer than 255 bytes or holds a control character");
	if (m->parts == 0 || m->part >= m->parts)
		FAIL("part %u of %u is out of range", m->part, m->parts);

	a = find_agency(d, m->agency, strlen(m->agency));
	prev[0] = '\0';
	if (m->part > 0) {
		const struct dirs_open *o = a ? &a->open : NULL;
		if (o == NULL || !o->open || strcmp(o->import_id, m->import_id) != 0 ||
		    o->kind != m->kind || o->parts != m->parts || o->next != m->part)
			FAIL("part %u of import %s does not continue the agency's open import",
			     m->part, m->import_id);
		snprintf(prev, sizeof prev, "%s", o->last_key);
	}

	/* Check every record before changing anything. */
	if (m->n_records) {
		p = calloc(m->n_records, sizeof *p);
		if (p == NULL) {
			rc = SJ_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < m->n_records; i++) {
		const struct dirs_rec *cur;
		int drc = record_decode(&rec, m->records[i].data, m->records[i].len, why,
					sizeof why);
		if (drc == SJ_ENOMEM) {
			rc = drc;
			goto out;
		}
		if (drc != SJ_OK)
			FAIL("record %zu does not decode: %s", i,
			     drc == SJ_ERANGE ? "longer than any record" : why);
		if (rec->kind != m->kind)
			FAIL("record %zu is a %s in an import of %s records", i,
			     record_kind_name(rec->kind), kname);
		if (record_check(rec, why, sizeof why) != SJ_OK)
			FAIL("record %zu fails its check: %s", i, why);
		dirs_record_key(key, sizeof key, rec);
		if (prev[0] && strcmp(prev, key) >= 0)
			FAIL("record %zu (%s) is not after %s: keys must be strictly ascending "
			     "and appear once in an import",
			     i, key, prev);
		switch (rec->kind) {
		case RECORD_OBJECT:
			if (!list_has(&rec->u.object.agencies, m->agency))
				FAIL("object %s does not list agency %s among its supervising "
				     "agencies",
				     key, m->agency);
			break;
		case RECORD_OFFICER:
			if (strcmp(rec->u.person.agency, m->agency) != 0)
				FAIL("officer %s belongs to agency %s, not %s", key,
				     rec->u.person.agency, m->agency);
			break;
		case RECORD_CONFLICT: {
			const struct record_conflict *c = &rec->u.conflict;
			unsigned pk = c->person_kind == PERSON_EXPERT ? RECORD_EXPERT
								      : RECORD_OFFICER;
			if (!has_key(a, RECORD_OBJECT, c->object))
				FAIL("conflict names object %s, which agency %s's directory does "
				     "not hold",
				     c->object, m->agency);
			if (!has_key(a, pk, c->person))
				FAIL("conflict names %s %s, which agency %s's directory does not "
				     "hold",
				     pk == RECORD_EXPERT ? "expert" : "officer", c->person,
				     m->agency);
			break;
		}
		default: break;
		}
		key_hash(p[i].key, key);
		record_hash(p[i].hash, m->records[i].data, m->records[i].len);
		cur = a ? map_find(&a->maps[m->kind - 1], p[i].key) : NULL;
		if (cur == NULL)
			added++;
		else if (memcmp(cur->hash, p[i].hash, 32) != 0)
			changed++;
		snprintf(prev, sizeof prev, "%s", key);
		free(rec);
		rec = NULL;
	}
	if (m->summarised && (m->added != added || m->changed != changed))
		FAIL("the summary says %llu added and %llu changed; the records add %llu and "
		     "change %llu",
		     (unsigned long long)m->added, (unsigned long long)m->changed,
		     (unsigned long long)added, (unsigned long long)changed);

	/* Apply. From here a failure can only be an allocation, and undoing
	 * this entry (the latest) restores the state. */
	if (a == NULL) {
		if ((rc = util_grow((void **)&d->ag, &d->cag, d->nag, sizeof *d->ag)) != SJ_OK)
			goto out;
		a = &d->ag[d->nag++];
		memset(a, 0, sizeof *a);
		snprintf(a->code, sizeof a->code, "%s", m->agency);
		a->seq = e->seq;
	}
	{
		size_t ai = (size_t)(a - d->ag);
		if ((rc = util_grow((void **)&d->uo, &d->cuo, d->nuo, sizeof *d->uo)) != SJ_OK)
			goto undo;
		d->uo[d->nuo].seq = e->seq;
		d->uo[d->nuo].agency = ai;
		d->uo[d->nuo].old = a->open;
		d->nuo++;
		memset(&next, 0, sizeof next);
		next.open = m->part + 1 < m->parts;
		next.kind = m->kind;
		next.next = m->part + 1;
		next.parts = m->parts;
		snprintf(next.import_id, sizeof next.import_id, "%s", m->import_id);
		snprintf(next.last_key, sizeof next.last_key, "%s", prev);
		a->open = next;
		for (size_t i = 0; i < m->n_records; i++) {
			struct dirs_map *mp = &a->maps[m->kind - 1];
			struct dirs_rec *cur = map_find(mp, p[i].key);
			if (cur == NULL) {
				if ((rc = map_add(mp, p[i].key, p[i].hash, e->seq)) != SJ_OK)
					goto undo;
			} else if (memcmp(cur->hash, p[i].hash, 32) != 0) {
				if ((rc = util_grow((void **)&d->uh, &d->cuh, d->nuh,
						    sizeof *d->uh)) != SJ_OK)
					goto undo;
				d->uh[d->nuh].seq = e->seq;
				d->uh[d->nuh].agency = ai;
				d->uh[d->nuh].kind = m->kind;
				d->uh[d->nuh].rec = (size_t)(cur - mp->v);
				memcpy(d->uh[d->nuh].old, cur->hash, 32);
				d->nuh++;
				memcpy(cur->hash, p[i].hash, 32);
			}
		}
	}
	goto out;
undo:
	dirs_rollback(d, e->seq);
out:
	free(rec);
	free(p);
	suiji__directory_import__free_unpacked(m, NULL);
	return rc;
}

void dirs_rollback(struct dirs *d, uint64_t seq)
{
	while (d->nuh && d->uh[d->nuh - 1].seq >= seq) {
		const struct dirs_undo_hash *u = &d->uh[--d->nuh];
		memcpy(d->ag[u->agency].maps[u->kind - 1].v[u->rec].hash, u->old, 32);
	}
	while (d->nuo && d->uo[d->nuo - 1].seq >= seq) {
		const struct dirs_undo_open *u = &d->uo[--d->nuo];
		d->ag[u->agency].open = u->old;
	}
	while (d->nag && d->ag[d->nag - 1].seq >= seq) {
		struct dirs_agency *a = &d->ag[--d->nag];
		for (int k = 0; k < NKINDS; k++) {
			free(a->maps[k].v);
			free(a->maps[k].slots);
		}
	}
	for (size_t i = 0; i < d->nag; i++)
		for (int k = 0; k < NKINDS; k++) {
			struct dirs_map *m = &d->ag[i].maps[k];
			size_t n = m->n;
			while (m->n && m->v[m->n - 1].seq >= seq)
				m->n--;
			/* If the rebuild cannot allocate, the old index still
			 * finds every record that remains, and lookups skip
			 * positions past the end. */
			if (m->n != n)
				(void)map_rebuild(m);
		}
}

void dirs_settle(struct dirs *d)
{
	d->nuh = 0;
	d->nuo = 0;
}

size_t dirs_count(const struct dirs *d, const char *agency, unsigned kind)
{
	const struct dirs_agency *a = find_agency(d, agency, strlen(agency));
	if (a == NULL || kind < 1 || kind > NKINDS)
		return 0;
	return a->maps[kind - 1].n;
}

int dirs_lookup(const struct dirs *d, const char *agency, unsigned kind, const char *key,
		uint8_t hash[RECORD_HASH_SIZE])
{
	const struct dirs_agency *a = find_agency(d, agency, strlen(agency));
	const struct dirs_rec *r;
	uint8_t kh[32];
	if (a == NULL || kind < 1 || kind > NKINDS)
		return SJ_ENOENT;
	key_hash(kh, key);
	r = map_find(&a->maps[kind - 1], kh);
	if (r == NULL)
		return SJ_ENOENT;
	memcpy(hash, r->hash, RECORD_HASH_SIZE);
	return SJ_OK;
}
