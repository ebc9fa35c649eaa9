/*
 * dirs.c: the directory-import rules and the state they need (dirs.h): the
 * one owner of the directories.
 *
 * Per agency and kind, the records are an append-only array of (key hash,
 * record hash, seq of the entry that added the key) with an open-addressing
 * index over it. The index is keyed by the 32-byte digest itself rather
 * than by text (common/hmap.h), which keeps a record at 72 bytes however
 * long its key. A re-import that changes a record overwrites its record
 * hash in place and logs the old one, and a part that moves an agency's
 * open import logs its old state; rolling back replays that undo log
 * backwards, then truncates the arrays by seq and rebuilds the indexes.
 * Settling forgets the undo log.
 *
 * Besides, every accepted record's fields that the policy reads are kept
 * in ledger order (objects, people, conflicts), with common/hmap.h maps
 * to the current version of each key; rolling back truncates them too.
 */
#include "rules/dirs.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hmap.h"
#include "common/pbuf.h"
#include "common/util.h"
#include "dir/ident.h"
#include "rules/rules.h"

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
	/* What the policy reads, every version in ledger order. */
	struct dirs_object *obj;
	size_t nobj, cobj;
	struct dirs_person *ppl;
	size_t nppl, cppl;
	struct dirs_conflict *con;
	size_t ncon, ccon;
	struct hmap m_obj, m_person, m_conflict; /* key -> current version */
	/* The object changes that can move an object into or out of a draw,
	 * in ledger order (dirs.h); now_us is the time of the entry being
	 * applied. */
	struct dirs_change *chg;
	size_t nchg, cchg;
	int64_t now_us;
};

static void free_facts(struct dirs *d);
static void rollback_facts(struct dirs *d, uint64_t seq);
static int add_fact(struct dirs *d, uint64_t seq, const char *agency, const struct record *r);

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
	free_facts(d);
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

/* One record of an import, checked and waiting to be applied. */
struct pending {
	uint8_t key[32];
	uint8_t hash[32];
	struct record *rec;
};

/* An import being checked: the message and what its records will do. */
struct import {
	const Suiji__DirectoryImport *m;
	struct dirs_agency *a; /* the agency's state, NULL before its first import */
	const char *kname;
	const struct dirs *d; /* every agency's directories, for a bureau's conflicts */
	struct pending *p;
	char prev[DIRS_MAX_KEY]; /* the last key so far */
	uint64_t added, changed;
};

/* The import's fields and where its part fits (dirs.h, the first rules). */
static int check_header(struct dirs *d, const struct entry *e, int agency_known,
			struct import *im, char *err, size_t err_cap)
{
	const Suiji__DirectoryImport *m = im->m;
	if (m->agency[0] == '\0' || strlen(m->agency) != e->agency_len ||
	    memcmp(m->agency, e->agency, e->agency_len) != 0)
		return rules_fail(err, err_cap,
				  "the import's agency \"%s\" is not the entry's agency \"%.*s\"",
				  m->agency, (int)e->agency_len, e->agency);
	if (!agency_known)
		return rules_fail(err, err_cap, "directory imported for unknown agency \"%s\"",
				  m->agency);
	im->kname = record_kind_name(m->kind);
	if (im->kname == NULL)
		return rules_fail(err, err_cap,
				  "record kind %u is not objects, officers, experts or conflicts",
				  m->kind);
	if (!ident_ok(m->import_id, strlen(m->import_id)))
		return rules_fail(err, err_cap,
				  "import id \"%s\" is not an identifier (1..64 printable ASCII "
				  "bytes)",
				  m->import_id);
	if (m->source_sha256.len != 0 && m->source_sha256.len != 32)
		return rules_fail(err, err_cap, "source SHA-256 is %zu bytes, not 32",
				  m->source_sha256.len);
	if (!text_ok(m->source_name, 255))
		return rules_fail(err, err_cap, "source name is longer than 255 bytes or holds a "
						"control character");
	if (m->parts == 0 || m->part >= m->parts)
		return rules_fail(err, err_cap, "part %u of %u is out of range", m->part, m->parts);

	im->a = find_agency(d, m->agency, strlen(m->agency));
	im->prev[0] = '\0';
	if (m->part > 0) {
		const struct dirs_open *o = im->a ? &im->a->open : NULL;
		if (o == NULL || !o->open || strcmp(o->import_id, m->import_id) != 0 ||
		    o->kind != m->kind || o->parts != m->parts || o->next != m->part)
			return rules_fail(err, err_cap,
					  "part %u of import %s does not continue the agency's "
					  "open import",
					  m->part, m->import_id);
		snprintf(im->prev, sizeof im->prev, "%s", o->last_key);
	}
	return SJ_OK;
}

/* 1 when the importing agency holds no objects of its own (the justice
 * bureau, which supervises agencies rather than businesses) and object is
 * in another agency's object directory: the bureau's officers declare
 * their conflicts with the businesses whose results it re-checks (R12,
 * R19). */
static int bureau_object(const struct import *im, const char *object)
{
	if (im->a != NULL && im->a->maps[RECORD_OBJECT - 1].n > 0)
		return 0;
	for (size_t i = 0; i < im->d->nag; i++)
		if (has_key(&im->d->ag[i], RECORD_OBJECT, object))
			return 1;
	return 0;
}

/* What a record (whose key is key) may name: its agency,
 * and for a conflict, an object and a person the directory holds. */
static int check_refs(const struct import *im, const struct record *rec, const char *key,
		      char *err, size_t err_cap)
{
	const char *agency = im->m->agency;
	switch (rec->kind) {
	case RECORD_OBJECT:
		if (!list_has(&rec->u.object.agencies, agency))
			return rules_fail(err, err_cap,
					  "object %s does not list agency %s among its "
					  "supervising agencies",
					  key, agency);
		break;
	case RECORD_OFFICER:
		if (strcmp(rec->u.person.agency, agency) != 0)
			return rules_fail(err, err_cap, "officer %s belongs to agency %s, not %s",
					  key, rec->u.person.agency, agency);
		break;
	case RECORD_CONFLICT: {
		const struct record_conflict *c = &rec->u.conflict;
		unsigned pk = c->person_kind == PERSON_EXPERT ? RECORD_EXPERT : RECORD_OFFICER;
		if (!has_key(im->a, RECORD_OBJECT, c->object) && !bureau_object(im, c->object))
			return rules_fail(err, err_cap,
					  "conflict names object %s, which agency %s's directory "
					  "does not hold",
					  c->object, agency);
		if (!has_key(im->a, pk, c->person))
			return rules_fail(err, err_cap,
					  "conflict names %s %s, which agency %s's directory does "
					  "not hold",
					  pk == RECORD_EXPERT ? "expert" : "officer", c->person,
					  agency);
		break;
	}
	default: break;
	}
	return SJ_OK;
}

/* Decodes and checks record i into im->p[i], counting what it adds and
 * changes. */
static int check_record(struct import *im, size_t i, char *err, size_t err_cap)
{
	const Suiji__DirectoryImport *m = im->m;
	struct pending *pd = &im->p[i];
	char key[DIRS_MAX_KEY], why[256];
	int rc = record_decode(&pd->rec, m->records[i].data, m->records[i].len, why, sizeof why);
	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK)
		return rules_fail(err, err_cap, "record %zu does not decode: %s", i,
				  rc == SJ_ERANGE ? "longer than any record" : why);
	const struct record *rec = pd->rec;
	if (rec->kind != m->kind)
		return rules_fail(err, err_cap, "record %zu is a %s in an import of %s records", i,
				  record_kind_name(rec->kind), im->kname);
	if (record_check(rec, why, sizeof why) != SJ_OK)
		return rules_fail(err, err_cap, "record %zu fails its check: %s", i, why);
	dirs_record_key(key, sizeof key, rec);
	if (im->prev[0] && strcmp(im->prev, key) >= 0)
		return rules_fail(err, err_cap,
				  "record %zu (%s) is not after %s: keys must be strictly "
				  "ascending and appear once in an import",
				  i, key, im->prev);
	if ((rc = check_refs(im, rec, key, err, err_cap)) != SJ_OK)
		return rc;
	key_hash(pd->key, key);
	record_hash(pd->hash, m->records[i].data, m->records[i].len);
	const struct dirs_rec *cur = im->a ? map_find(&im->a->maps[m->kind - 1], pd->key) : NULL;
	if (cur == NULL)
		im->added++;
	else if (memcmp(cur->hash, pd->hash, 32) != 0)
		im->changed++;
	snprintf(im->prev, sizeof im->prev, "%s", key);
	return SJ_OK;
}

/* Applies a checked import. A failure can only be an allocation; the
 * caller then undoes this entry (the latest), which restores the state. */
static int apply_import(struct dirs *d, const struct entry *e, struct import *im)
{
	const Suiji__DirectoryImport *m = im->m;
	struct dirs_agency *a = im->a;
	struct dirs_open next;
	int rc;
	if (a == NULL) {
		if ((rc = util_grow((void **)&d->ag, &d->cag, d->nag, sizeof *d->ag)) != SJ_OK)
			return rc;
		a = &d->ag[d->nag++];
		memset(a, 0, sizeof *a);
		snprintf(a->code, sizeof a->code, "%s", m->agency);
		a->seq = e->seq;
	}
	size_t ai = (size_t)(a - d->ag);
	if ((rc = util_grow((void **)&d->uo, &d->cuo, d->nuo, sizeof *d->uo)) != SJ_OK)
		return rc;
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
	snprintf(next.last_key, sizeof next.last_key, "%s", im->prev);
	a->open = next;
	for (size_t i = 0; i < m->n_records; i++) {
		const struct pending *pd = &im->p[i];
		struct dirs_map *mp = &a->maps[m->kind - 1];
		struct dirs_rec *cur = map_find(mp, pd->key);
		if ((rc = add_fact(d, e->seq, m->agency, pd->rec)) != SJ_OK)
			return rc;
		if (cur == NULL) {
			if ((rc = map_add(mp, pd->key, pd->hash, e->seq)) != SJ_OK)
				return rc;
		} else if (memcmp(cur->hash, pd->hash, 32) != 0) {
			if ((rc = util_grow((void **)&d->uh, &d->cuh, d->nuh, sizeof *d->uh)) !=
			    SJ_OK)
				return rc;
			d->uh[d->nuh].seq = e->seq;
			d->uh[d->nuh].agency = ai;
			d->uh[d->nuh].kind = m->kind;
			d->uh[d->nuh].rec = (size_t)(cur - mp->v);
			memcpy(d->uh[d->nuh].old, cur->hash, 32);
			d->nuh++;
			memcpy(cur->hash, pd->hash, 32);
		}
	}
	return SJ_OK;
}

int dirs_import(struct dirs *d, const struct entry *e, int agency_known, int by_operator,
		char *err, size_t err_cap)
{
	Suiji__DirectoryImport *m = NULL;
	struct import im;
	int rc = SJ_OK;

	memset(&im, 0, sizeof im);
	if (!by_operator)
		return rules_fail(err, err_cap, "only the log operator or an operator of the "
						"agency may import a directory");
	pbuf_reset();
	m = suiji__directory_import__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
				     : rules_fail(err, err_cap, "directory-import payload does not "
								"decode as suiji.DirectoryImport");
	im.m = m;
	im.d = d;
	if ((rc = check_header(d, e, agency_known, &im, err, err_cap)) != SJ_OK)
		goto out;
	/* Check every record before changing anything. */
	if (m->n_records && (im.p = calloc(m->n_records, sizeof *im.p)) == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_records && rc == SJ_OK; i++)
		rc = check_record(&im, i, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	if (m->summarised && (m->added != im.added || m->changed != im.changed)) {
		rc = rules_fail(err, err_cap,
				"the summary says %llu added and %llu changed; the records add "
				"%llu and change %llu",
				(unsigned long long)m->added, (unsigned long long)m->changed,
				(unsigned long long)im.added, (unsigned long long)im.changed);
		goto out;
	}
	d->now_us = e->time_us;
	if ((rc = apply_import(d, e, &im)) != SJ_OK)
		dirs_rollback(d, e->seq);
out:
	for (size_t i = 0; im.p && i < m->n_records; i++)
		free(im.p[i].rec);
	free(im.p);
	suiji__directory_import__free_unpacked(m, NULL);
	return rc;
}

void dirs_rollback(struct dirs *d, uint64_t seq)
{
	rollback_facts(d, seq);
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

/* ---- The fields the policy reads (dirs.h) ---- */

/* Copies strs[0..n) (NUL-terminated) into one blob; ptrs[i] point into it. */
static char *pack(const char **ptrs, const char *const *strs, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += strlen(strs[i]) + 1;
	char *blob = malloc(total ? total : 1), *w = blob;
	if (blob == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(strs[i]) + 1;
		memcpy(w, strs[i], l);
		ptrs[i] = w;
		w += l;
	}
	return blob;
}

static const char *person_key(char *buf, size_t cap, const char *dir_agency, unsigned kind,
			      const char *id)
{
	char k[12];
	snprintf(k, sizeof k, "%u", kind);
	return hmap_key(buf, cap, dir_agency, k, id, NULL);
}

static const char *conflict_key(char *buf, size_t cap, const char *dir_agency, unsigned kind,
				const char *object, const char *person)
{
	char k[12];
	snprintf(k, sizeof k, "%u", kind);
	return hmap_key(buf, cap, dir_agency, k, object, person);
}

/* 1 when tags a and b (ascending, unique, as records hold them) differ. */
static int tags_differ(const struct dirs_object *a, const struct dirs_object *b)
{
	if (a->ntags != b->ntags)
		return 1;
	for (size_t i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i], b->tags[i]) != 0)
			return 1;
	return 0;
}

/* 1 when version b of an object differs from a in a field that decides
 * whether, or in which stratum, a draw pools it: its status (R6), its
 * tags (a complaint, R10, or a scope's tag), its risk class (R7) or a
 * field a scope filter reads (R5, R6). */
static int object_moved(const struct dirs_object *a, const struct dirs_object *b)
{
	return a->status != b->status || strcmp(a->risk, b->risk) != 0 ||
	       strcmp(a->category, b->category) != 0 || strcmp(a->district, b->district) != 0 ||
	       strcmp(a->credit, b->credit) != 0 || tags_differ(a, b);
}

static int add_change(struct dirs *d, uint64_t seq, size_t prev, size_t cur)
{
	int rc = util_grow((void **)&d->chg, &d->cchg, d->nchg, sizeof *d->chg);
	if (rc != SJ_OK)
		return rc;
	d->chg[d->nchg++] = (struct dirs_change){
		.seq = seq, .time_us = d->now_us, .prev = (uint32_t)prev, .cur = (uint32_t)cur};
	return SJ_OK;
}

static int add_object(struct dirs *d, uint64_t seq, const char *agency,
		      const struct record_object *o)
{
	const char *src[7 + 64], *dst[7 + 64];
	size_t n = 0, nt = o->tags.n > 64 ? 64 : o->tags.n;
	int rc = util_grow((void **)&d->obj, &d->cobj, d->nobj, sizeof *d->obj);
	if (rc != SJ_OK)
		return rc;
	src[n++] = agency;
	src[n++] = o->id;
	src[n++] = o->name;
	src[n++] = o->category;
	src[n++] = o->district;
	src[n++] = o->risk_class;
	src[n++] = o->credit_level;
	for (size_t i = 0; i < nt; i++)
		src[n++] = o->tags.v[i];
	struct dirs_object *x = &d->obj[d->nobj];
	memset(x, 0, sizeof *x);
	if ((x->blob = pack(dst, src, n)) == NULL ||
	    (nt && (x->tags = malloc(nt * sizeof *x->tags)) == NULL)) {
		free(x->blob);
		return SJ_ENOMEM;
	}
	x->seq = seq;
	x->agency = dst[0];
	x->id = dst[1];
	x->name = dst[2];
	x->category = dst[3];
	x->district = dst[4];
	x->risk = dst[5];
	x->credit = dst[6];
	for (size_t i = 0; i < nt; i++)
		x->tags[i] = dst[7 + i];
	x->ntags = nt;
	x->status = o->status;
	char key[256];
	long prev = hmap_get(&d->m_obj, hmap_key(key, sizeof key, agency, o->id, NULL, NULL));
	if ((rc = hmap_put(&d->m_obj, key, d->nobj)) != SJ_OK) {
		free(x->blob);
		free(x->tags);
		return rc;
	}
	d->nobj++;
	if (prev >= 0 && object_moved(&d->obj[prev], x))
		return add_change(d, seq, (size_t)prev, d->nobj - 1);
	return SJ_OK;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_person(struct dirs *d, uint64_t seq, const char *dir_agency, unsigned kind,
		      const struct record_person *o)
{
	size_t nq = o->qualifications.n, ns = o->specialties.n;
	const char **src = malloc((3 + nq + ns) * sizeof *src);
	const char **dst = malloc((3 + nq + ns) * sizeof *dst);
	int rc = SJ_ENOMEM;
	if (src == NULL || dst == NULL)
		goto out;
	if ((rc = util_grow((void **)&d->ppl, &d->cppl, d->nppl, sizeof *d->ppl)) != SJ_OK)
		goto out;
	/* Tags: the union of qualifications and specialties, ascending and
	 * unique, as a draw's pool holds them (R13). */
	size_t nt = 0;
	for (size_t i = 0; i < nq; i++)
		src[3 + nt++] = o->qualifications.v[i];
	for (size_t i = 0; i < ns; i++)
		src[3 + nt++] = o->specialties.v[i];
	if (nt > 1)
		qsort(src + 3, nt, sizeof *src, str_cmp);
	size_t u = 0;
	for (size_t i = 0; i < nt; i++)
		if (u == 0 || strcmp(src[3 + u - 1], src[3 + i]) != 0)
			src[3 + u++] = src[3 + i];
	src[0] = dir_agency;
	src[1] = o->id;
	src[2] = o->agency;
	struct dirs_person *x = &d->ppl[d->nppl];
	memset(x, 0, sizeof *x);
	rc = SJ_ENOMEM;
	if ((x->blob = pack(dst, src, 3 + u)) == NULL)
		goto out;
	if (u && (x->tags = malloc(u * sizeof *x->tags)) == NULL) {
		free(x->blob);
		goto out;
	}
	x->seq = seq;
	x->kind = kind;
	x->dir_agency = dst[0];
	x->id = dst[1];
	x->agency = dst[2];
	for (size_t i = 0; i < u; i++)
		x->tags[i] = dst[3 + i];
	x->ntags = u;
	x->status = o->status;
	char key[256];
	if ((rc = hmap_put(&d->m_person, person_key(key, sizeof key, dir_agency, kind, o->id),
			   d->nppl)) != SJ_OK) {
		free(x->blob);
		free(x->tags);
		goto out;
	}
	d->nppl++;
out:
	free(src);
	free(dst);
	return rc;
}

static int add_conflict(struct dirs *d, uint64_t seq, const char *dir_agency,
			const struct record_conflict *c)
{
	char key[256];
	conflict_key(key, sizeof key, dir_agency, c->person_kind, c->object, c->person);
	if (hmap_get(&d->m_conflict, key) >= 0)
		return SJ_OK; /* declared again: the set is unchanged */
	int rc = util_grow((void **)&d->con, &d->ccon, d->ncon, sizeof *d->con);
	if (rc != SJ_OK)
		return rc;
	struct dirs_conflict *x = &d->con[d->ncon];
	const char *src[3] = {dir_agency, c->object, c->person}, *dst[3];
	if ((x->blob = pack(dst, src, 3)) == NULL)
		return SJ_ENOMEM;
	x->dir_agency = dst[0];
	x->object = dst[1];
	x->person = dst[2];
	x->kind = c->person_kind;
	x->seq = seq;
	if ((rc = hmap_put(&d->m_conflict, key, d->ncon)) != SJ_OK) {
		free(x->blob);
		return rc;
	}
	d->ncon++;
	return SJ_OK;
}

/* Records what the policy reads of an accepted record. */
static int add_fact(struct dirs *d, uint64_t seq, const char *agency, const struct record *r)
{
	switch (r->kind) {
	case RECORD_OBJECT: return add_object(d, seq, agency, &r->u.object);
	case RECORD_OFFICER:
	case RECORD_EXPERT: return add_person(d, seq, agency, r->kind, &r->u.person);
	case RECORD_CONFLICT: return add_conflict(d, seq, agency, &r->u.conflict);
	default: return SJ_OK;
	}
}

static void free_facts(struct dirs *d)
{
	for (size_t i = 0; i < d->nobj; i++) {
		free(d->obj[i].blob);
		free(d->obj[i].tags);
	}
	for (size_t i = 0; i < d->nppl; i++) {
		free(d->ppl[i].blob);
		free(d->ppl[i].tags);
	}
	for (size_t i = 0; i < d->ncon; i++)
		free(d->con[i].blob);
	free(d->obj);
	free(d->ppl);
	free(d->con);
	free(d->chg);
	hmap_clear(&d->m_obj);
	hmap_clear(&d->m_person);
	hmap_clear(&d->m_conflict);
}

/* Truncates the facts of entries with seq >= seq and rebuilds their maps.
 * A failed allocation leaves a map short, which makes lookups miss; the
 * facts of the import entries themselves are all still in order. */
static void rollback_facts(struct dirs *d, uint64_t seq)
{
	size_t n = d->nobj + d->nppl + d->ncon;
	char key[256];
	while (d->nchg && d->chg[d->nchg - 1].seq >= seq)
		d->nchg--;
	while (d->nobj && d->obj[d->nobj - 1].seq >= seq) {
		d->nobj--;
		free(d->obj[d->nobj].blob);
		free(d->obj[d->nobj].tags);
	}
	while (d->nppl && d->ppl[d->nppl - 1].seq >= seq) {
		d->nppl--;
		free(d->ppl[d->nppl].blob);
		free(d->ppl[d->nppl].tags);
	}
	while (d->ncon && d->con[d->ncon - 1].seq >= seq)
		free(d->con[--d->ncon].blob);
	if (n == d->nobj + d->nppl + d->ncon)
		return;
	int lost = 0;
	hmap_clear(&d->m_obj);
	hmap_clear(&d->m_person);
	hmap_clear(&d->m_conflict);
	for (size_t i = 0; i < d->nobj; i++)
		lost |= hmap_put(&d->m_obj,
			       hmap_key(key, sizeof key, d->obj[i].agency, d->obj[i].id, NULL, NULL),
			       i) != SJ_OK;
	for (size_t i = 0; i < d->nppl; i++)
		lost |= hmap_put(&d->m_person,
			       person_key(key, sizeof key, d->ppl[i].dir_agency, d->ppl[i].kind,
					  d->ppl[i].id),
			       i) != SJ_OK;
	for (size_t i = 0; i < d->ncon; i++)
		lost |= hmap_put(&d->m_conflict,
			       conflict_key(key, sizeof key, d->con[i].dir_agency, d->con[i].kind,
					    d->con[i].object, d->con[i].person),
			       i) != SJ_OK;
	(void)lost; /* a short map only makes lookups miss */
}

size_t dirs_object_count(const struct dirs *d)
{
	return d->nobj;
}

const struct dirs_object *dirs_object_at(const struct dirs *d, size_t i)
{
	char key[256];
	const struct dirs_object *x = &d->obj[i];
	long cur = hmap_get(&d->m_obj, hmap_key(key, sizeof key, x->agency, x->id, NULL, NULL));
	return cur == (long)i ? x : NULL;
}

const struct dirs_object *dirs_object_find(const struct dirs *d, const char *agency,
					   const char *id)
{
	char key[256];
	long i = hmap_get(&d->m_obj, hmap_key(key, sizeof key, agency, id, NULL, NULL));
	return i < 0 || (size_t)i >= d->nobj ? NULL : &d->obj[i];
}

size_t dirs_person_count(const struct dirs *d)
{
	return d->nppl;
}

const struct dirs_person *dirs_person_at(const struct dirs *d, size_t i)
{
	char key[256];
	const struct dirs_person *x = &d->ppl[i];
	long cur = hmap_get(&d->m_person, person_key(key, sizeof key, x->dir_agency, x->kind, x->id));
	return cur == (long)i ? x : NULL;
}

size_t dirs_conflict_count(const struct dirs *d)
{
	return d->ncon;
}

const struct dirs_conflict *dirs_conflict_at(const struct dirs *d, size_t i)
{
	return &d->con[i];
}

size_t dirs_change_count(const struct dirs *d)
{
	return d->nchg;
}

const struct dirs_change *dirs_change_at(const struct dirs *d, size_t i)
{
	return i < d->nchg ? &d->chg[i] : NULL;
}

const struct dirs_object *dirs_object_version(const struct dirs *d, size_t i)
{
	return i < d->nobj ? &d->obj[i] : NULL;
}
