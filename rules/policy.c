/*
 * policy.c: the policy rules of policy.h and the state they need.
 *
 * The state is a set of append-only arrays whose elements record the entry
 * that made them, and string maps over them. Rolling back (rare: a batch
 * append that failed) truncates the arrays and rebuilds the maps, so no
 * undo log is needed. Directory records keep only the fields the rules
 * read; the records themselves stay in the ledger.
 */
#include "rules/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "dir/record.h"
#include "rules/filter.h"

#include "proto/directory.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/results.pb-c.h"

/* ---- A string map: key -> index, the latest put wins ---- */

struct pmap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static uint64_t pm_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

static void pm_clear(struct pmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static long pm_get(const struct pmap *m, const char *key)
{
	if (m->cap == 0)
		return -1;
	for (size_t j = (size_t)pm_hash(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->keys[j], key) == 0)
			return (long)m->vals[j];
	return -1;
}

static int pm_put(struct pmap *m, const char *key, size_t val)
{
	if (2 * (m->n + 1) > m->cap) {
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
			size_t j = (size_t)pm_hash(m->keys[i]) & (cap - 1);
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
	}
	size_t j = (size_t)pm_hash(key) & (m->cap - 1);
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

/* key = a "\x1f" b ["\x1f" c ["\x1f" d]] into buf. */
static const char *mkey(char *buf, size_t cap, const char *a, const char *b, const char *c,
			const char *d)
{
	snprintf(buf, cap, "%s\x1f%s%s%s%s%s", a, b, c ? "\x1f" : "", c ? c : "", d ? "\x1f" : "",
		 d ? d : "");
	return buf;
}

/* ---- State ---- */

struct po_agency {
	char code[ENTRY_MAX_AGENCY + 1];
	char parent[ENTRY_MAX_AGENCY + 1];
	char name[256];
	uint32_t cap;
	uint64_t seq;
};

/* An object of one agency's directory: the fields the rules read. */
struct po_obj {
	uint64_t seq;
	const char *agency, *id, *name, *category, *district, *risk, *credit;
	const char **tags;
	size_t ntags;
	unsigned status;
	char *blob; /* owns the strings and tags */
};

/* An officer or expert of one agency's directory. */
struct po_person {
	uint64_t seq;
	unsigned kind;
	const char *dir_agency, *id, *agency;
	const char **tags; /* qualifications and specialties, ascending, unique */
	size_t ntags;
	unsigned status;
	char *blob;
};

struct po_conflict {
	uint64_t seq;
	unsigned kind;
	char *dir_agency, *object, *person;
};

struct po_calendar {
	uint64_t seq;
	char *name, *text;
};

struct po_result {
	uint64_t seq;
	char task_agency[ENTRY_MAX_AGENCY + 1];
	struct result r;
	long first;  /* the version that entered it; -1 for itself */
	int recheck; /* this version is a re-check (R19) */
};

struct policy {
	int audit;
	struct po_agency *agencies;
	size_t nagencies, cagencies;
	struct po_obj *objs;
	size_t nobjs, cobjs;
	struct po_person *people;
	size_t npeople, cpeople;
	struct po_conflict *conflicts;
	size_t nconflicts, cconflicts;
	struct po_calendar *cals;
	size_t ncals, ccals;
	struct calendar *cal;
	struct policy_draw *draws;
	size_t ndraws, cdraws;
	struct policy_check *checks;
	size_t nchecks, cchecks;
	struct po_result *results;
	size_t nresults, cresults;
	size_t *firsts; /* the versions that entered a result, in order */
	size_t nfirsts, cfirsts;
	/* maps: agency -> agency; agency,id -> obj; dir agency,kind,id ->
	 * person; task agency,task,object -> check; result key -> version;
	 * year,object -> checks chain head (chain in check_next) */
	struct pmap m_agency, m_obj, m_person, m_taskobj, m_result, m_yearobj, m_conflict;
	struct pmap m_published; /* objects with a published result (R19) */
	size_t *check_next; /* per check: the previous check of the same year and object + 1 */
	size_t ccheck_next;
	struct policy_tally tally[POLICY_RULES + 1];
	uint64_t untied, rechecks;
	uint64_t result_rechecks; /* results re-checked by the justice bureau */
};

int policy_new(struct policy **out)
{
	struct policy *p = calloc(1, sizeof *p);
	if (p == NULL || calendar_new(&p->cal) != SJ_OK) {
		free(p);
		return SJ_ENOMEM;
	}
	*out = p;
	return SJ_OK;
}

static void free_maps(struct policy *p)
{
	pm_clear(&p->m_agency);
	pm_clear(&p->m_obj);
	pm_clear(&p->m_person);
	pm_clear(&p->m_taskobj);
	pm_clear(&p->m_result);
	pm_clear(&p->m_yearobj);
	pm_clear(&p->m_conflict);
	pm_clear(&p->m_published);
}

static void draw_clear(struct policy_draw *d)
{
	free(d->strata);
	free(d->beacons);
	free(d->picks);
	d->strata = NULL;
	d->beacons = NULL;
	d->picks = NULL;
	d->n_strata = d->n_beacons = d->n_picks = 0;
}

void policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nobjs; i++) {
		free(p->objs[i].blob);
		free(p->objs[i].tags);
	}
	for (size_t i = 0; i < p->npeople; i++) {
		free(p->people[i].blob);
		free(p->people[i].tags);
	}
	for (size_t i = 0; i < p->nconflicts; i++)
		free(p->conflicts[i].dir_agency);
	for (size_t i = 0; i < p->ncals; i++) {
		free(p->cals[i].name);
		free(p->cals[i].text);
	}
	for (size_t i = 0; i < p->ndraws; i++)
		draw_clear(&p->draws[i]);
	free(p->agencies);
	free(p->objs);
	free(p->people);
	free(p->conflicts);
	free(p->cals);
	free(p->draws);
	free(p->checks);
	free(p->check_next);
	free(p->results);
	free(p->firsts);
	calendar_free(p->cal);
	free_maps(p);
	free(p);
}

void policy_set_audit(struct policy *p, int audit)
{
	p->audit = audit;
}

int32_t policy_day(int64_t time_us)
{
	int64_t s = time_us / 1000000 + 8 * 3600;
	if (time_us < 0 && time_us % 1000000)
		s--;
	int64_t d = s / 86400;
	if (s < 0 && s % 86400)
		d--;
	return (int32_t)d;
}

/*
 * A broken rule. Strict: refused with the rule's number first. Audit:
 * counted, the first one kept, and SJ_OK is returned: the caller jumps to
 * its exit, so the entry changes nothing here.
 */
static int violation(struct policy *p, unsigned rule, uint64_t seq, char *err,
		     size_t err_cap, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int violation(struct policy *p, unsigned rule, uint64_t seq, char *err,
		     size_t err_cap, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!p->audit) {
		snprintf(err, err_cap, "R%u: %s", rule, msg);
		return SJ_EVERIFY;
	}
	struct policy_tally *t = &p->tally[rule];
	if (t->violations++ == 0) {
		t->first_seq = seq;
		snprintf(t->first, sizeof t->first, "%s", msg);
	}
	return SJ_OK;
}

#define VIOL(rule, ...)                                                                 \
	do {                                                                            \
		rc = violation(p, rule, e->seq, err, err_cap, __VA_ARGS__);             \
		goto out;                                                               \
	} while (0)

static void checked(struct policy *p, unsigned rule)
{
	p->tally[rule].checked++;
}

/* ---- Agencies ---- */

static const struct po_agency *agency_get(const struct policy *p, const char *code)
{
	long i = pm_get(&p->m_agency, code);
	return i < 0 ? NULL : &p->agencies[i];
}

int policy_agency(struct policy *p, const char *code, const char *name, const char *parent,
		  uint32_t cap, uint64_t seq)
{
	int rc = util_grow((void **)&p->agencies, &p->cagencies, p->nagencies, sizeof *p->agencies);
	if (rc != SJ_OK)
		return rc;
	struct po_agency *a = &p->agencies[p->nagencies];
	snprintf(a->code, sizeof a->code, "%s", code);
	snprintf(a->parent, sizeof a->parent, "%s", parent);
	snprintf(a->name, sizeof a->name, "%s", name);
	a->cap = cap ? cap : POLICY_DEFAULT_CAP;
	a->seq = seq;
	if ((rc = pm_put(&p->m_agency, code, p->nagencies)) != SJ_OK)
		return rc;
	p->nagencies++;
	return SJ_OK;
}

const char *policy_agency_name(const struct policy *p, const char *code)
{
	const struct po_agency *a = agency_get(p, code);
	return a ? a->name : NULL;
}

uint32_t policy_cap(const struct policy *p, const char *agency)
{
	const struct po_agency *a = agency_get(p, agency);
	return a ? a->cap : POLICY_DEFAULT_CAP;
}

/* The top-level superior of code (itself when it has none). */
static const char *agency_root(const struct policy *p, const char *code)
{
	for (int hops = 0; hops < 64; hops++) {
		const struct po_agency *a = agency_get(p, code);
		if (a == NULL || a->parent[0] == '\0')
			return code;
		code = a->parent;
	}
	return code;
}

/* 1 when anc is a (strict) superior of code. */
static int agency_above(const struct policy *p, const char *anc, const char *code)
{
	for (int hops = 0; hops < 64; hops++) {
		const struct po_agency *a = agency_get(p, code);
		if (a == NULL || a->parent[0] == '\0')
			return 0;
		if (strcmp(a->parent, anc) == 0)
			return 1;
		code = a->parent;
	}
	return 0;
}

/* ---- Directories ---- */

/* qsort and bsearch of nothing: the C library may not be given NULL. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void *find(const void *key, const void *base, size_t n, size_t size,
		  int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

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

static int add_object(struct policy *p, uint64_t seq, const char *agency,
		      const struct record_object *o)
{
	const char *src[7 + 64], *dst[7 + 64];
	size_t n = 0, nt = o->tags.n > 64 ? 64 : o->tags.n;
	int rc = util_grow((void **)&p->objs, &p->cobjs, p->nobjs, sizeof *p->objs);
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
	struct po_obj *x = &p->objs[p->nobjs];
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
	if ((rc = pm_put(&p->m_obj, mkey(key, sizeof key, agency, o->id, NULL, NULL), p->nobjs)) !=
	    SJ_OK) {
		free(x->blob);
		free(x->tags);
		return rc;
	}
	p->nobjs++;
	return SJ_OK;
}

static int add_person(struct policy *p, uint64_t seq, const char *dir_agency, unsigned kind,
		      const struct record_person *o)
{
	size_t nq = o->qualifications.n, ns = o->specialties.n;
	const char **src = malloc((3 + nq + ns) * sizeof *src);
	const char **dst = malloc((3 + nq + ns) * sizeof *dst);
	int rc = SJ_ENOMEM;
	if (src == NULL || dst == NULL)
		goto out;
	if ((rc = util_grow((void **)&p->people, &p->cpeople, p->npeople, sizeof *p->people)) !=
	    SJ_OK)
		goto out;
	/* Tags: the union of qualifications and specialties, ascending and
	 * unique, as a draw's pool holds them (R13). */
	size_t nt = 0;
	for (size_t i = 0; i < nq; i++)
		src[3 + nt++] = o->qualifications.v[i];
	for (size_t i = 0; i < ns; i++)
		src[3 + nt++] = o->specialties.v[i];
	sort(src + 3, nt, sizeof *src, str_cmp);
	size_t u = 0;
	for (size_t i = 0; i < nt; i++)
		if (u == 0 || strcmp(src[3 + u - 1], src[3 + i]) != 0)
			src[3 + u++] = src[3 + i];
	src[0] = dir_agency;
	src[1] = o->id;
	src[2] = o->agency;
	struct po_person *x = &p->people[p->npeople];
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
	char key[256], k[4];
	snprintf(k, sizeof k, "%u", kind);
	if ((rc = pm_put(&p->m_person, mkey(key, sizeof key, dir_agency, k, o->id, NULL),
			 p->npeople)) != SJ_OK) {
		free(x->blob);
		free(x->tags);
		goto out;
	}
	p->npeople++;
out:
	free(src);
	free(dst);
	return rc;
}

static int add_conflict(struct policy *p, uint64_t seq, const char *dir_agency,
			const struct record_conflict *c)
{
	char key[256], k[4];
	snprintf(k, sizeof k, "%u", c->person_kind);
	mkey(key, sizeof key, dir_agency, k, c->object, c->person);
	if (pm_get(&p->m_conflict, key) >= 0)
		return SJ_OK; /* declared again: the set is unchanged */
	int rc = util_grow((void **)&p->conflicts, &p->cconflicts, p->nconflicts,
			   sizeof *p->conflicts);
	if (rc != SJ_OK)
		return rc;
	struct po_conflict *x = &p->conflicts[p->nconflicts];
	const char *src[3] = {dir_agency, c->object, c->person}, *dst[3];
	if ((x->dir_agency = pack(dst, src, 3)) == NULL)
		return SJ_ENOMEM;
	x->object = (char *)dst[1];
	x->person = (char *)dst[2];
	x->kind = c->person_kind;
	x->seq = seq;
	if ((rc = pm_put(&p->m_conflict, key, p->nconflicts)) != SJ_OK) {
		free(x->dir_agency);
		return rc;
	}
	p->nconflicts++;
	return SJ_OK;
}

int policy_directory(struct policy *p, const struct entry *e)
{
	pbuf_reset();
	Suiji__DirectoryImport *m =
		suiji__directory_import__unpack(&pbuf_allocator, e->payload_len, e->payload);
	int rc = SJ_OK;
	char err[256];
	if (m == NULL) /* dirs_import decoded it: only memory can fail here */
		return SJ_ENOMEM;
	for (size_t i = 0; i < m->n_records && rc == SJ_OK; i++) {
		struct record *r = NULL;
		if (record_decode(&r, m->records[i].data, m->records[i].len, err, sizeof err) !=
		    SJ_OK)
			continue;
		switch (r->kind) {
		case RECORD_OBJECT: rc = add_object(p, e->seq, m->agency, &r->u.object); break;
		case RECORD_OFFICER:
		case RECORD_EXPERT:
			rc = add_person(p, e->seq, m->agency, r->kind, &r->u.person);
			break;
		case RECORD_CONFLICT: rc = add_conflict(p, e->seq, m->agency, &r->u.conflict); break;
		}
		free(r);
	}
	suiji__directory_import__free_unpacked(m, NULL);
	return rc;
}

const char *policy_object_district(const struct policy *p, const char *agency, const char *id)
{
	char key[256];
	long i = pm_get(&p->m_obj, mkey(key, sizeof key, agency, id, NULL, NULL));
	return i < 0 ? NULL : p->objs[i].district;
}

const char *policy_object_name(const struct policy *p, const char *agency, const char *id)
{
	char key[256];
	long i = pm_get(&p->m_obj, mkey(key, sizeof key, agency, id, NULL, NULL));
	return i < 0 ? NULL : p->objs[i].name;
}

/* ---- Checks counted against the cap (R9) ---- */

unsigned policy_checks_against(const struct policy *p, const char *agency, const char *object,
			       uint32_t year)
{
	char key[256], y[12];
	unsigned n = 0;
	const char *root = agency_root(p, agency);
	snprintf(y, sizeof y, "%u", year);
	long i = pm_get(&p->m_yearobj, mkey(key, sizeof key, y, object, NULL, NULL));
	while (i >= 0) {
		const struct policy_check *c = &p->checks[i];
		if (strcmp(agency_root(p, c->task_agency), root) == 0)
			n++;
		i = (long)p->check_next[i] - 1;
	}
	return n;
}

/* The reason an object at the cap is excluded: a superior agency's check
 * among those counted, else another unit's, else the agency's own. */
static enum draw_reason cap_reason(const struct policy *p, const char *agency, const char *object,
				   uint32_t year)
{
	char key[256], y[12];
	int other = 0;
	const char *root = agency_root(p, agency);
	snprintf(y, sizeof y, "%u", year);
	long i = pm_get(&p->m_yearobj, mkey(key, sizeof key, y, object, NULL, NULL));
	for (; i >= 0; i = (long)p->check_next[i] - 1) {
		const struct policy_check *c = &p->checks[i];
		if (strcmp(agency_root(p, c->task_agency), root) != 0)
			continue;
		if (agency_above(p, c->task_agency, agency))
			return DRAW_REASON_SUPERIOR;
		if (strcmp(c->task_agency, agency) != 0)
			other = 1;
	}
	return other ? DRAW_REASON_OTHER_UNIT : DRAW_REASON_ANNUAL_CAP;
}

/* ---- What a tied draw must fix ---- */

static const char *x_str(struct policy_expect *x, const char *s)
{
	if (util_grow((void **)&x->strings, &x->c_strings, x->n_strings, sizeof *x->strings) !=
	    SJ_OK)
		return NULL;
	char *c = strdup(s);
	if (c)
		x->strings[x->n_strings++] = c;
	return c;
}

void policy_expect_free(struct policy_expect *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->n_strings; i++)
		free(x->strings[i]);
	free(x->strings);
	free((void *)x->agencies);
	free(x->objects);
	free(x->exclusions);
	free(x->officers);
	free(x->experts);
	free(x->conflicts);
	free((void *)x->strata);
	free(x);
}

static int obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_object *)a)->id, ((const struct policy_object *)b)->id);
}

static int person_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_person *)a)->id, ((const struct policy_person *)b)->id);
}

static int excl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct draw_exclusion *)a)->id,
		      ((const struct draw_exclusion *)b)->id);
}

static int in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* The current (latest) version of each person of kind in dir_agency's
 * directory who is active, appended to *out. */
static int collect_people(const struct policy *p, const char *dir_agency, unsigned kind,
			  struct policy_person **out, size_t *n)
{
	char key[256], k[4];
	snprintf(k, sizeof k, "%u", kind);
	for (size_t i = 0; i < p->npeople; i++) {
		const struct po_person *x = &p->people[i];
		if (x->kind != kind || strcmp(x->dir_agency, dir_agency) != 0 ||
		    pm_get(&p->m_person, mkey(key, sizeof key, dir_agency, k, x->id, NULL)) !=
			    (long)i ||
		    x->status != PERSON_ACTIVE)
			continue;
		struct policy_person *v = realloc(*out, (*n + 1) * sizeof **out);
		if (v == NULL)
			return SJ_ENOMEM;
		*out = v;
		v[*n] = (struct policy_person){.id = x->id, .agency = x->agency,
					       .tags = x->tags, .ntags = x->ntags};
		(*n)++;
	}
	return SJ_OK;
}

int policy_expect(const struct policy *p, const struct plans *pl, const char *agency,
		  const char *task_id, struct policy_expect **out, char *err, size_t err_cap)
{
	struct policy_expect *x = calloc(1, sizeof *x);
	struct filter *f = malloc(sizeof *f);
	const char **ag = NULL, **strata = NULL;
	size_t nstrata = 0;
	char key[256];
	int rc = SJ_ENOMEM;

	*out = NULL;
	if (x == NULL || f == NULL)
		goto out;
	if (plans_task(pl, agency, task_id, &x->task) != SJ_OK) {
		snprintf(err, err_cap, "agency %s has no task %s", agency, task_id);
		rc = SJ_ENOENT;
		goto out;
	}
	if (filter_parse(f, x->task.filter, err, err_cap) != SJ_OK) {
		rc = SJ_EINVAL;
		goto out;
	}
	/* The task's agencies: the lead and a joint task's members (R14). */
	if ((ag = calloc(1 + x->task.n_members, sizeof *ag)) == NULL)
		goto out;
	ag[0] = x->task.agency;
	for (size_t i = 0; i < x->task.n_members; i++)
		ag[1 + i] = x->task.members[i];
	x->n_agencies = 1 + x->task.n_members;
	sort(ag, x->n_agencies, sizeof *ag, str_cmp);
	x->agencies = ag;

	/* Objects: the scope of the lead's directory (R1, R6), strata by risk
	 * class (R7) or "key" for complaints (R10), exclusions (R6, R9). */
	size_t cobj = 0, cexc = 0;
	for (size_t i = 0; i < p->nobjs; i++) {
		const struct po_obj *o = &p->objs[i];
		if (strcmp(o->agency, agency) != 0 ||
		    pm_get(&p->m_obj, mkey(key, sizeof key, agency, o->id, NULL, NULL)) != (long)i)
			continue;
		struct filter_object fo = {.category = o->category, .district = o->district,
					   .risk_class = o->risk, .credit_level = o->credit,
					   .tags = o->tags, .ntags = o->ntags};
		if (!filter_match(f, &fo))
			continue;
		const char *stratum = o->risk[0] ? o->risk : "none";
		if (in_list(o->tags, o->ntags, POLICY_COMPLAINT_TAG))
			stratum = POLICY_KEY_STRATUM;
		else {
			size_t s;
			for (s = 0; s < x->task.n_strata; s++)
				if (strcmp(x->task.strata[s].name, stratum) == 0)
					break;
			if (s == x->task.n_strata) {
				snprintf(err, err_cap,
					 "R7: object %s has risk class %s, for which task %s gives "
					 "no ratio",
					 o->id, stratum, task_id);
				rc = SJ_EINVAL;
				goto out;
			}
		}
		if (util_grow((void **)&x->objects, &cobj, x->n_objects, sizeof *x->objects) !=
		    SJ_OK)
			goto out;
		x->objects[x->n_objects++] = (struct policy_object){.id = o->id, .stratum = stratum};
		if (!in_list(strata, nstrata, stratum)) {
			const char **v = realloc(strata, (nstrata + 1) * sizeof *v);
			if (v == NULL)
				goto out;
			strata = v;
			strata[nstrata++] = stratum;
		}
		enum draw_reason why = 0;
		char note[96] = "";
		if (o->status != OBJECT_ACTIVE) {
			why = DRAW_REASON_DEREGISTERED;
			snprintf(note, sizeof note, "directory status %u", o->status);
		} else {
			unsigned n = 0;
			for (size_t a = 0; a < x->n_agencies; a++) {
				unsigned c = policy_checks_against(p, x->agencies[a], o->id,
								   x->task.year);
				if (c > n)
					n = c;
			}
			if (n >= policy_cap(p, agency)) {
				why = cap_reason(p, agency, o->id, x->task.year);
				snprintf(note, sizeof note, "%u checks in %u, cap %u", n,
					 x->task.year, policy_cap(p, agency));
			}
		}
		if (why) {
			if (util_grow((void **)&x->exclusions, &cexc, x->n_exclusions,
				      sizeof *x->exclusions) != SJ_OK)
				goto out;
			const char *nt = x_str(x, note);
			if (nt == NULL)
				goto out;
			x->exclusions[x->n_exclusions++] = (struct draw_exclusion){
				.kind = DRAW_OBJECT, .id = o->id, .reason = why, .note = nt};
		}
	}
	sort(x->objects, x->n_objects, sizeof *x->objects, obj_cmp);
	sort(x->exclusions, x->n_exclusions, sizeof *x->exclusions, excl_cmp);
	sort(strata, nstrata, sizeof *strata, str_cmp);
	x->strata = strata;
	x->n_strata = nstrata;
	strata = NULL;

	/* People: every active officer of the task's agencies, every active
	 * expert of the lead's directory (R2, R13, R14). */
	for (size_t a = 0; a < x->n_agencies; a++)
		if (collect_people(p, x->agencies[a], RECORD_OFFICER, &x->officers,
				   &x->n_officers) != SJ_OK)
			goto out;
	if (collect_people(p, agency, RECORD_EXPERT, &x->experts, &x->n_experts) != SJ_OK)
		goto out;
	sort(x->officers, x->n_officers, sizeof *x->officers, person_cmp);
	sort(x->experts, x->n_experts, sizeof *x->experts, person_cmp);

	/* Conflicts declared in those directories between pooled people and
	 * pooled objects (R12). */
	size_t ccon = 0;
	for (size_t i = 0; i < p->nconflicts; i++) {
		const struct po_conflict *c = &p->conflicts[i];
		struct policy_object ko = {.id = c->object};
		struct policy_person kp = {.id = c->person};
		const struct policy_person *pool =
			c->kind == PERSON_OFFICER ? x->officers : x->experts;
		size_t npool = c->kind == PERSON_OFFICER ? x->n_officers : x->n_experts;
		if (!in_list(x->agencies, x->n_agencies, c->dir_agency) ||
		    (c->kind == PERSON_EXPERT && strcmp(c->dir_agency, agency) != 0) ||
		    !find(&ko, x->objects, x->n_objects, sizeof ko, obj_cmp) || npool == 0 ||
		    !find(&kp, pool, npool, sizeof kp, person_cmp))
			continue;
		int dup = 0;
		for (size_t j = 0; j < x->n_conflicts && !dup; j++)
			dup = x->conflicts[j].kind == (enum draw_kind)c->kind &&
			      strcmp(x->conflicts[j].object, c->object) == 0 &&
			      strcmp(x->conflicts[j].person, c->person) == 0;
		if (dup)
			continue;
		if (util_grow((void **)&x->conflicts, &ccon, x->n_conflicts, sizeof *x->conflicts) !=
		    SJ_OK)
			goto out;
		x->conflicts[x->n_conflicts++] = (struct draw_conflict){
			.kind = (enum draw_kind)c->kind, .object = c->object, .person = c->person};
	}
	sort(x->conflicts, x->n_conflicts, sizeof *x->conflicts, draw_spec_conflict_cmp);
	*out = x;
	x = NULL;
	rc = SJ_OK;
out:
	free((void *)strata);
	free(f);
	policy_expect_free(x);
	return rc;
}

/* ---- Draw requests ---- */

static int is_cap_reason(enum draw_reason r)
{
	return r == DRAW_REASON_ANNUAL_CAP || r == DRAW_REASON_SUPERIOR ||
	       r == DRAW_REASON_OTHER_UNIT;
}

static int add_draw(struct policy *p, const struct entry *e, const char *task, uint32_t year,
		    int substitution, int recheck)
{
	int rc = util_grow((void **)&p->draws, &p->cdraws, p->ndraws, sizeof *p->draws);
	if (rc != SJ_OK)
		return rc;
	struct policy_draw *d = &p->draws[p->ndraws++];
	memset(d, 0, sizeof *d);
	d->request_seq = e->seq;
	snprintf(d->agency, sizeof d->agency, "%.*s", (int)e->agency_len, e->agency);
	snprintf(d->task, sizeof d->task, "%s", task);
	d->year = year;
	d->substitution = substitution;
	d->recheck = recheck;
	return SJ_OK;
}

/* 1 when object has a published (or closed) result of any agency. */
static int has_published(const struct policy *p, const char *object)
{
	return pm_get(&p->m_published, object) >= 0;
}

int policy_draw_request(struct policy *p, const struct plans *pl, const struct entry *e,
			const struct draw_inputs *in, const struct draw_objects *objects,
			const struct draw_people *officers, const struct draw_people *experts,
			int role, char *err, size_t err_cap)
{
	const struct draw_spec *sp = draw_inputs_spec(in);
	struct policy_expect *x = NULL;
	char agency[ENTRY_MAX_AGENCY + 1], why[400];
	int rc = SJ_OK;
	struct plans_task_info ti;

	snprintf(agency, sizeof agency, "%.*s", (int)e->agency_len, e->agency);
	if (role == 3 /* ROLE_SUPERVISOR */) {
		/* A re-check draw (复查, R19): only objects with published results. */
		checked(p, 19);
		size_t cur = 0, idlen, off;
		const char *id;
		unsigned st;
		while (draw_objects_next(objects, &cur, &id, &idlen, &st, &off)) {
			char buf[DRAW_MAX_ID + 1];
			snprintf(buf, sizeof buf, "%.*s", (int)idlen, id);
			if (!has_published(p, buf))
				VIOL(19, "re-check draw %s pools object %s, which has no published "
					 "result to re-check",
				     sp->task, buf);
		}
		rc = add_draw(p, e, sp->task, 0, sp->replaces, 1);
		if (rc == SJ_OK)
			p->rechecks++;
		goto out;
	}
	if (plans_task(pl, agency, sp->task, &ti) != SJ_OK) {
		p->untied++;
		goto out;
	}
	checked(p, 5);
	if (sp->replaces) {
		/* A substitution's pools say what changed (draw-spec 7); it
		 * stays bound to its task, and its picks count once. */
		rc = add_draw(p, e, sp->task, ti.year, 1, 0);
		goto out;
	}
	rc = policy_expect(p, pl, agency, sp->task, &x, why, sizeof why);
	if (rc == SJ_EINVAL) {
		rc = SJ_OK;
		VIOL(7, "draw %s for task %s: %s", sp->task, sp->task, why + (why[0] == 'R' ? 4 : 0));
	}
	if (rc != SJ_OK)
		goto out;

	/* R6, R7, R10: the object pool is the task's scope, stratified. */
	checked(p, 6);
	checked(p, 7);
	{
		size_t cur = 0, idlen, off, i = 0;
		const char *id;
		unsigned st;
		while (draw_objects_next(objects, &cur, &id, &idlen, &st, &off)) {
			char buf[DRAW_MAX_ID + 1];
			snprintf(buf, sizeof buf, "%.*s", (int)idlen, id);
			if (i < x->n_objects && strcmp(x->objects[i].id, buf) < 0)
				VIOL(6, "object %s of task %s's scope is missing from the pool "
					"(no object may be left out of a draw)",
				     x->objects[i].id, sp->task);
			if (i == x->n_objects || strcmp(x->objects[i].id, buf) != 0)
				VIOL(6, "pooled object %s is not in task %s's scope of agency %s's "
					"directory",
				     buf, sp->task, agency);
			const char *sn = draw_objects_stratum(objects, st);
			if (strcmp(sn, x->objects[i].stratum) != 0)
				VIOL(strcmp(x->objects[i].stratum, POLICY_KEY_STRATUM) == 0 ? 10 : 7,
				     "object %s is in stratum %s; the directory puts it in %s", buf,
				     sn, x->objects[i].stratum);
			i++;
		}
		if (i < x->n_objects)
			VIOL(6, "object %s of task %s's scope is missing from the pool (no object "
				"may be left out of a draw)",
			     x->objects[i].id, sp->task);
	}
	/* R6, R9, R10: object exclusions are exactly the ledger's reasons. */
	checked(p, 9);
	{
		size_t i = 0;
		for (size_t j = 0; j < sp->n_exclusions; j++) {
			const struct draw_exclusion *ex = &sp->exclusions[j];
			if (ex->kind != DRAW_OBJECT)
				continue;
			while (i < x->n_exclusions && strcmp(x->exclusions[i].id, ex->id) < 0) {
				const struct draw_exclusion *w = &x->exclusions[i];
				VIOL(w->reason == DRAW_REASON_DEREGISTERED ? 6 : 9,
				     "object %s must be excluded (%s: %s) but is not", w->id,
				     draw_reason_name(w->reason), w->note);
			}
			if (i < x->n_exclusions && strcmp(x->exclusions[i].id, ex->id) == 0) {
				const struct draw_exclusion *w = &x->exclusions[i++];
				if (w->reason == ex->reason ||
				    (is_cap_reason(w->reason) && is_cap_reason(ex->reason)))
					continue;
				VIOL(w->reason == DRAW_REASON_DEREGISTERED ? 6 : 9,
				     "object %s is excluded as %s; the ledger says %s (%s)", ex->id,
				     draw_reason_name(ex->reason), draw_reason_name(w->reason), w->note);
			}
			if (ex->reason == DRAW_REASON_HANDLED) {
				checked(p, 10);
				if (ex->note[0] == '\0')
					VIOL(10, "object %s is excluded as handled outside the draw "
						 "without a note saying how",
					     ex->id);
				continue;
			}
			if (is_cap_reason(ex->reason))
				VIOL(9, "object %s is excluded as %s, but it has %u checks in %u "
					"against a cap of %u",
				     ex->id, draw_reason_name(ex->reason),
				     policy_checks_against(p, agency, ex->id, x->task.year),
				     x->task.year, policy_cap(p, agency));
			VIOL(6, "object %s is excluded as %s; a draw may leave out an object only "
				"for the ledger's reasons (R6, R9) or a handled lead (R10)",
			     ex->id, draw_reason_name(ex->reason));
		}
		if (i < x->n_exclusions) {
			const struct draw_exclusion *w = &x->exclusions[i];
			VIOL(w->reason == DRAW_REASON_DEREGISTERED ? 6 : 9,
			     "object %s must be excluded (%s: %s) but is not", w->id,
			     draw_reason_name(w->reason), w->note);
		}
	}
	/* R7: the rounding rule is the task's, fixed before the draw. */
	{
		const char *want = x->task.rounding;
		enum draw_rounding w = strcmp(want, "floor") == 0     ? DRAW_ROUND_FLOOR
				       : strcmp(want, "half-up") == 0 ? DRAW_ROUND_HALF_UP
								      : DRAW_ROUND_CEIL;
		if (sp->rounding != w)
			VIOL(7, "the draw rounds ratios to counts otherwise than task %s's rule, %s",
			     sp->task, want);
	}
	/* R7, R10: each stratum's ratio is the task's; "key" is drawn whole. */
	for (size_t j = 0; j < sp->n_rules; j++) {
		const struct draw_rule *ru = &sp->rules[j];
		if (strcmp(ru->stratum, POLICY_KEY_STRATUM) == 0) {
			checked(p, 10);
			if (ru->kind != DRAW_RULE_RATIO || ru->num != ru->den)
				VIOL(10, "stratum key (objects under a complaint or tip-off) must be "
					 "drawn whole, ratio 1/1");
			continue;
		}
		size_t s;
		for (s = 0; s < x->task.n_strata; s++)
			if (strcmp(x->task.strata[s].name, ru->stratum) == 0)
				break;
		if (s == x->task.n_strata)
			VIOL(7, "stratum %s has no ratio in task %s", ru->stratum, sp->task);
		const struct plans_stratum *ts = &x->task.strata[s];
		if (ru->kind != DRAW_RULE_RATIO ||
		    (uint64_t)ru->num * ts->den != (uint64_t)ts->num * ru->den)
			VIOL(7, "stratum %s is drawn %s %u/%u; task %s sets the ratio %u/%u",
			     ru->stratum, ru->kind == DRAW_RULE_RATIO ? "at" : "as a count of",
			     ru->num, ru->kind == DRAW_RULE_RATIO ? ru->den : 1, sp->task, ts->num,
			     ts->den);
	}
	checked(p, 11);
	if (sp->team_size < x->task.team_size)
		VIOL(11, "teams of %u officers; task %s needs %u", sp->team_size, sp->task,
		     x->task.team_size);
	/* R2, R13, R14: the pools are the directories' active people. */
	checked(p, 2);
	checked(p, 13);
	for (int pass = 0; pass < 2; pass++) {
		const struct draw_people *pool = pass ? experts : officers;
		const struct policy_person *want = pass ? x->experts : x->officers;
		size_t nwant = pass ? x->n_experts : x->n_officers;
		const char *what = pass ? "expert" : "officer";
		size_t n = draw_people_count(pool), i = 0, j = 0;
		for (; i < n || j < nwant; ) {
			int c = i == n ? 1 : j == nwant ? -1
					  : strcmp(draw_people_id(pool, i), want[j].id);
			if (c < 0)
				VIOL(2, "pooled %s %s is not an active %s of the task's agencies' "
					"directories",
				     what, draw_people_id(pool, i), what);
			if (c > 0)
				VIOL(2, "active %s %s of agency %s is missing from the %s pool", what,
				     want[j].id, want[j].agency, what);
			if (strcmp(draw_people_agency(pool, i), want[j].agency) != 0)
				VIOL(pass ? 2 : 14, "%s %s is pooled for agency %s; the directory "
						    "says %s",
				     what, want[j].id, draw_people_agency(pool, i), want[j].agency);
			size_t nt = 0;
			for (size_t t = 0; t < draw_people_ntags(pool); t++)
				if (draw_people_has_tag(pool, i, (unsigned)t)) {
					if (!in_list(want[j].tags, want[j].ntags,
						     draw_people_tag(pool, t)))
						VIOL(13, "%s %s is pooled with tag %s, which the "
							 "directory does not give them",
						     what, want[j].id, draw_people_tag(pool, t));
					nt++;
				}
			if (nt != want[j].ntags)
				VIOL(13, "%s %s is pooled without all of the qualifications and "
					 "specialties the directory gives them",
				     what, want[j].id);
			i++;
			j++;
		}
	}
	/* R12: every declared conflict is in the inputs. */
	checked(p, 12);
	for (size_t i = 0; i < x->n_conflicts; i++) {
		if (find(&x->conflicts[i], sp->conflicts, sp->n_conflicts,
			    sizeof *sp->conflicts, draw_spec_conflict_cmp) == NULL)
			VIOL(12, "the conflict of interest declared between %s %s and object %s is "
				 "missing from the draw's inputs",
			     x->conflicts[i].kind == DRAW_OFFICER ? "officer" : "expert",
			     x->conflicts[i].person, x->conflicts[i].object);
	}
	/* R14: a joint task's teams have a part from each of its agencies; a
	 * task of one agency has one team. */
	if (x->task.joint) {
		checked(p, 14);
		int same = sp->n_team_agencies == x->n_agencies;
		for (size_t i = 0; same && i < x->n_agencies; i++)
			same = strcmp(sp->team_agencies[i], x->agencies[i]) == 0;
		if (!same)
			VIOL(14, "joint task %s needs teams with officers of each of its %zu "
				 "agencies (名单一次性抽取、人员一次性选派), the draw's teams have "
				 "%zu parts",
			     sp->task, x->n_agencies, sp->n_team_agencies);
	} else if (sp->n_team_agencies > 1) {
		VIOL(14, "task %s is not a joint task, but the draw's teams have parts of %zu "
			 "agencies",
		     sp->task, sp->n_team_agencies);
	}
	rc = add_draw(p, e, sp->task, x->task.year, 0, 0);
out:
	policy_expect_free(x);
	return rc;
}

int policy_draw_revealed(struct policy *p, const struct draws_observed *o)
{
	struct policy_draw *d = NULL;
	for (size_t i = p->ndraws; i-- > 0 && d == NULL;)
		if (p->draws[i].request_seq == o->request_seq)
			d = &p->draws[i];
	if (d == NULL)
		return SJ_OK; /* untied, or refused in audit mode */
	d->revealed = 1;
	d->reveal_seq = o->reveal_seq;
	d->commit_seq = o->commit_seq;
	snprintf(d->request_id, sizeof d->request_id, "%s", o->request_id);
	util_hex(d->commit_hash, o->commit_hash, 32);
	util_hex(d->seed, o->seed, 32);
	util_hex(d->randomness, o->randomness, 32);
	d->strata = calloc(o->result->n_strata + 1, sizeof *d->strata);
	d->beacons = calloc(o->n_beacons + 1, sizeof *d->beacons);
	d->picks = calloc(o->result->n_picks + 1, sizeof *d->picks);
	if (d->strata == NULL || d->beacons == NULL || d->picks == NULL) {
		draw_clear(d);
		d->revealed = 0;
		return SJ_ENOMEM;
	}
	d->n_strata = o->result->n_strata;
	const struct draw_spec *bsp = draw_inputs_spec(o->in);
	for (size_t b = 0; b < o->n_beacons; b++) {
		snprintf(d->beacons[b].source, sizeof d->beacons[b].source, "%s",
			 bsp->beacons[b].source);
		d->beacons[b].round = o->beacons[b].round;
		util_hex(d->beacons[b].value, o->beacons[b].value, 32);
	}
	d->n_beacons = o->n_beacons;
	for (size_t i = 0; i < o->result->n_picks; i++) {
		snprintf(d->picks[i].id, sizeof d->picks[i].id, "%s", o->result->picks[i].id);
		d->picks[i].stratum = o->result->picks[i].stratum;
		d->picks[i].slot = o->result->picks[i].slot;
	}
	d->n_picks = o->result->n_picks;
	const struct draw_spec *sp = draw_inputs_spec(o->in);
	for (size_t s = 0; s < o->result->n_strata; s++) {
		struct policy_draw_stratum *ds = &d->strata[s];
		snprintf(ds->name, sizeof ds->name, "%s", o->result->strata[s].name);
		ds->n = o->result->strata[s].n;
		ds->k = o->result->strata[s].k;
		for (size_t r = 0; r < sp->n_rules; r++)
			if (strcmp(sp->rules[r].stratum, ds->name) == 0 &&
			    sp->rules[r].kind == DRAW_RULE_RATIO) {
				ds->num = sp->rules[r].num;
				ds->den = sp->rules[r].den;
			}
	}
	if (d->recheck)
		return SJ_OK;
	/* Each drawn object is one check of the task (R9), however often
	 * substitutions draw it again. */
	for (size_t i = 0; i < o->result->n_picks; i++) {
		const char *obj = o->result->picks[i].id;
		char key[256], y[12];
		if (pm_get(&p->m_taskobj, mkey(key, sizeof key, d->agency, d->task, obj, NULL)) >= 0)
			continue;
		int rc = util_grow((void **)&p->checks, &p->cchecks, p->nchecks, sizeof *p->checks);
		if (rc == SJ_OK && p->ccheck_next < p->cchecks) {
			size_t *v = realloc(p->check_next, p->cchecks * sizeof *v);
			if (v == NULL)
				return SJ_ENOMEM;
			p->check_next = v;
			p->ccheck_next = p->cchecks;
		}
		if (rc != SJ_OK)
			return rc;
		struct policy_check *c = &p->checks[p->nchecks];
		memset(c, 0, sizeof *c);
		c->seq = o->reveal_seq;
		c->year = d->year;
		snprintf(c->object, sizeof c->object, "%s", obj);
		snprintf(c->task_agency, sizeof c->task_agency, "%s", d->agency);
		snprintf(c->task, sizeof c->task, "%s", d->task);
		snprintf(y, sizeof y, "%u", d->year);
		long prev = pm_get(&p->m_yearobj, mkey(key, sizeof key, y, obj, NULL, NULL));
		p->check_next[p->nchecks] = (size_t)(prev + 1);
		if ((rc = pm_put(&p->m_yearobj, key, p->nchecks)) != SJ_OK ||
		    (rc = pm_put(&p->m_taskobj, mkey(key, sizeof key, d->agency, d->task, obj, NULL),
				 p->nchecks)) != SJ_OK)
			return rc;
		p->nchecks++;
	}
	return SJ_OK;
}

/* ---- Calendars (R15) ---- */

int policy_calendar(struct policy *p, const struct entry *e, int by_admin, char *err,
		    size_t err_cap)
{
	Suiji__Calendar *m = NULL;
	char why[300];
	int rc = SJ_OK;

	checked(p, 15);
	if (!by_admin) {
		snprintf(err, err_cap, "only the log operator or an administrator may pin a "
				       "calendar");
		return SJ_EVERIFY;
	}
	pbuf_reset();
	m = suiji__calendar__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL && pbuf_failed())
		return SJ_ENOMEM;
	if (m == NULL) {
		snprintf(err, err_cap, "calendar payload does not decode as suiji.Calendar");
		return SJ_EVERIFY;
	}
	rc = calendar_parse(p->cal, m->text, strlen(m->text), m->name, why, sizeof why);
	if (rc == SJ_EEXIST || rc == SJ_EINVAL || rc == SJ_ERANGE) {
		rc = SJ_OK;
		VIOL(15, "calendar %s: %s", m->name, why);
	}
	if (rc != SJ_OK)
		goto out;
	if ((rc = util_grow((void **)&p->cals, &p->ccals, p->ncals, sizeof *p->cals)) != SJ_OK)
		goto out;
	p->cals[p->ncals].seq = e->seq;
	p->cals[p->ncals].name = strdup(m->name);
	p->cals[p->ncals].text = strdup(m->text);
	if (p->cals[p->ncals].name == NULL || p->cals[p->ncals].text == NULL) {
		free(p->cals[p->ncals].name);
		free(p->cals[p->ncals].text);
		rc = SJ_ENOMEM;
		goto out;
	}
	p->ncals++;
out:
	suiji__calendar__free_unpacked(m, NULL);
	return rc;
}

const struct calendar *policy_calendar_get(const struct policy *p)
{
	return p->cal;
}

/* ---- Results (R15, R16, R19) ---- */

static int agency_is(const struct entry *e, const char *code)
{
	return strlen(code) == e->agency_len && memcmp(code, e->agency, e->agency_len) == 0;
}

static int parse_day(int32_t *out, const char *s)
{
	return calendar_date_parse(out, s, strlen(s));
}

int policy_result(struct policy *p, const struct plans *pl, const struct entry *e, int role,
		  const char *actor_agency, const char *actor_id, char *err, size_t err_cap)
{
	Suiji__CheckResult *m = (pbuf_reset(), suiji__check_result__unpack(
						   &pbuf_allocator, e->payload_len, e->payload));
	struct plans_task_info ti;
	struct po_result nv;
	char key[300], why[400];
	int rc = SJ_OK;
	long cur;

	if (m == NULL && pbuf_failed())
		return SJ_ENOMEM;
	if (m == NULL) {
		snprintf(err, err_cap, "result payload does not decode as suiji.CheckResult");
		return SJ_EVERIFY;
	}
	checked(p, 16);
	if (m->action < RESULT_ENTER || m->action > RESULT_RECHECK)
		VIOL(16, "result action %u is not 1..8", m->action);
	if (m->action != RESULT_RECHECK && !agency_is(e, m->agency))
		VIOL(16, "the result of agency %s is written for agency %.*s (谁检查、谁录入)",
		     m->agency, (int)e->agency_len, e->agency);
	if (plans_task(pl, m->task_agency, m->task_id, &ti) != SJ_OK)
		VIOL(5, "a result for task %s of agency %s, which the ledger does not hold",
		     m->task_id, m->task_agency);
	if (strcmp(m->agency, ti.agency) != 0 &&
	    !in_list(ti.members, ti.n_members, m->agency))
		VIOL(16, "agency %s is not an agency of task %s, so it did not check and may not "
			 "enter a result (谁检查、谁录入; R14)",
		     m->agency, m->task_id);
	if (pm_get(&p->m_taskobj, mkey(key, sizeof key, m->task_agency, m->task_id, m->object,
				       NULL)) < 0)
		VIOL(6, "object %s was not drawn for task %s of agency %s", m->object, m->task_id,
		     m->task_agency);
	enum result_role rrole;
	switch (role) {
	case 0:
		if (m->action == RESULT_REVIEW || m->action == RESULT_RETURN ||
		    m->action == RESULT_RECHECK)
			VIOL(16, "a %s must be signed by the %s, not written by the log operator",
			     result_action_name((enum result_action)m->action),
			     m->action == RESULT_RECHECK ? "justice bureau" : "legal reviewer");
		rrole = RESULT_ROLE_OPERATOR;
		break;
	case 1: rrole = RESULT_ROLE_OPERATOR; break;
	case 2: rrole = RESULT_ROLE_REVIEWER; break;
	case 3: rrole = RESULT_ROLE_SUPERVISOR; break;
	default: VIOL(16, "an auditor or administrator may not act on a result");
	}

	mkey(key, sizeof key, m->agency, m->task_agency, m->task_id, m->object);
	cur = pm_get(&p->m_result, key);
	memset(&nv, 0, sizeof nv);
	if (cur >= 0) {
		nv = p->results[cur];
		nv.first = nv.first < 0 ? cur : nv.first;
	} else {
		result_init(&nv.r);
		snprintf(nv.r.agency, sizeof nv.r.agency, "%s", m->agency);
		snprintf(nv.r.task, sizeof nv.r.task, "%s", m->task_id);
		snprintf(nv.r.object, sizeof nv.r.object, "%s", m->object);
		snprintf(nv.task_agency, sizeof nv.task_agency, "%s", m->task_agency);
		nv.first = -1;
	}
	nv.seq = e->seq;
	nv.recheck = m->action == RESULT_RECHECK;
	if (m->action == RESULT_ENTER || m->action == RESULT_AMEND) {
		struct result *r = &nv.r;
		int32_t start;
		if (parse_day(&r->check_date, m->check_date) != SJ_OK ||
		    parse_day(&r->check_end, m->check_end) != SJ_OK)
			VIOL(16, "check_date \"%s\" or check_end \"%s\" is not a date YYYY-MM-DD",
			     m->check_date, m->check_end);
		if (parse_day(&start, ti.start_date) == SJ_OK && r->check_date < start)
			VIOL(5, "the check began on %s, before task %s started on %s",
			     m->check_date, m->task_id, ti.start_date);
		if (m->n_items == 0 || m->n_items > RESULT_MAX_ITEMS)
			VIOL(16, "a result names 1..%d items checked, not %zu", RESULT_MAX_ITEMS,
			     m->n_items);
		for (size_t i = 0; i < m->n_items; i++) {
			if (!in_list(ti.items, ti.n_items, m->items[i]))
				VIOL(5, "item %s is not an item of task %s", m->items[i], m->task_id);
			snprintf(r->items[i], sizeof r->items[i], "%s", m->items[i]);
		}
		r->n_items = m->n_items;
		snprintf(r->account, sizeof r->account, "%s", m->account);
		snprintf(r->handling, sizeof r->handling, "%s", m->handling);
		r->categories = 0;
		for (size_t i = 0; i < m->n_categories; i++) {
			if (m->categories[i] >= RESULT_CAT_COUNT)
				VIOL(16, "result category %u is not a known category",
				     m->categories[i]);
			r->categories |= RESULT_CAT_BIT(m->categories[i]);
		}
		r->lab_test = m->lab_test;
		r->lab_date = RESULT_NO_DATE;
		if (m->lab_date[0] && parse_day(&r->lab_date, m->lab_date) != SJ_OK)
			VIOL(15, "lab_date \"%s\" is not a date YYYY-MM-DD", m->lab_date);
	}
	{
		char id[RESULT_MAX_ID + 1];
		snprintf(id, sizeof id, "%s", actor_id);
		struct result_step st = {.action = (enum result_action)m->action,
					 .actor = {.role = rrole, .agency = actor_agency, .id = id},
					 .day = policy_day(e->time_us),
					 .reason = m->reason};
		if (result_apply(&nv.r, &st, why, sizeof why) != SJ_OK)
			VIOL(16, "result of %s for %s in task %s: %s", m->agency, m->object,
			     m->task_id, why);
	}
	checked(p, 15);
	if ((m->action == RESULT_ENTER || m->action == RESULT_AMEND) &&
	    (!nv.r.lab_test || nv.r.lab_date != RESULT_NO_DATE)) {
		int32_t due;
		if (result_due(&due, p->cal, &nv.r, why, sizeof why) != SJ_OK)
			VIOL(15, "the deadline of the result for %s cannot be counted: %s",
			     m->object, why);
	}
	if (m->action == RESULT_RECHECK) {
		checked(p, 19);
		p->result_rechecks++;
	}
	if ((rc = util_grow((void **)&p->results, &p->cresults, p->nresults, sizeof *p->results)) !=
	    SJ_OK)
		goto out;
	if (cur < 0 && (rc = util_grow((void **)&p->firsts, &p->cfirsts, p->nfirsts,
				       sizeof *p->firsts)) != SJ_OK)
		goto out;
	p->results[p->nresults] = nv;
	if ((rc = pm_put(&p->m_result, key, p->nresults)) != SJ_OK ||
	    (nv.r.published_on != RESULT_NO_DATE &&
	     (rc = pm_put(&p->m_published, nv.r.object, p->nresults)) != SJ_OK))
		goto out;
	if (cur < 0)
		p->firsts[p->nfirsts++] = p->nresults;
	p->nresults++;
out:
	suiji__check_result__free_unpacked(m, NULL);
	return rc;
}

size_t policy_result_count(const struct policy *p)
{
	return p->nfirsts;
}

/* The i-th result as it stands now, in the order results were first
 * entered: versions with first == -1 are first entries; the current
 * version is the map's. */
const struct result *policy_result_at(const struct policy *p, size_t i, const char **task_agency)
{
	char key[300];
	if (i >= p->nfirsts)
		return NULL;
	const struct po_result *first = &p->results[p->firsts[i]];
	long cur = pm_get(&p->m_result, mkey(key, sizeof key, first->r.agency, first->task_agency,
					     first->r.task, first->r.object));
	const struct po_result *c = &p->results[cur < 0 ? (long)p->firsts[i] : cur];
	if (task_agency)
		*task_agency = c->task_agency;
	return &c->r;
}

const struct result *policy_result_find(const struct policy *p, const char *agency,
				       const char *task_agency, const char *task, const char *object)
{
	char key[300];
	long cur = pm_get(&p->m_result, mkey(key, sizeof key, agency, task_agency, task, object));
	return cur < 0 ? NULL : &p->results[cur].r;
}

/* ---- Reports ---- */

const struct policy_tally *policy_rule(const struct policy *p, unsigned n)
{
	return n >= 1 && n <= POLICY_RULES ? &p->tally[n] : NULL;
}

uint64_t policy_untied_draws(const struct policy *p)
{
	return p->untied;
}

uint64_t policy_recheck_draws(const struct policy *p)
{
	return p->rechecks;
}

uint64_t policy_result_rechecks(const struct policy *p)
{
	return p->result_rechecks;
}

size_t policy_agency_count(const struct policy *p)
{
	return p->nagencies;
}

const char *policy_agency_at(const struct policy *p, size_t i)
{
	return p->agencies[i].code;
}

size_t policy_draw_count(const struct policy *p)
{
	return p->ndraws;
}

const struct policy_draw *policy_draw_at(const struct policy *p, size_t i)
{
	return &p->draws[i];
}

size_t policy_check_count(const struct policy *p)
{
	return p->nchecks;
}

const struct policy_check *policy_check_at(const struct policy *p, size_t i)
{
	return &p->checks[i];
}

long policy_check_prev(const struct policy *p, size_t i)
{
	return (long)p->check_next[i] - 1;
}

/* ---- Rollback ---- */

void policy_rollback(struct policy *p, uint64_t seq)
{
	char key[300], k[4], y[12];
	while (p->nagencies && p->agencies[p->nagencies - 1].seq >= seq)
		p->nagencies--;
	while (p->nobjs && p->objs[p->nobjs - 1].seq >= seq) {
		p->nobjs--;
		free(p->objs[p->nobjs].blob);
		free(p->objs[p->nobjs].tags);
	}
	while (p->npeople && p->people[p->npeople - 1].seq >= seq) {
		p->npeople--;
		free(p->people[p->npeople].blob);
		free(p->people[p->npeople].tags);
	}
	while (p->nconflicts && p->conflicts[p->nconflicts - 1].seq >= seq)
		free(p->conflicts[--p->nconflicts].dir_agency);
	int cal_changed = 0;
	while (p->ncals && p->cals[p->ncals - 1].seq >= seq) {
		p->ncals--;
		free(p->cals[p->ncals].name);
		free(p->cals[p->ncals].text);
		cal_changed = 1;
	}
	while (p->ndraws && p->draws[p->ndraws - 1].request_seq >= seq)
		draw_clear(&p->draws[--p->ndraws]);
	for (size_t i = 0; i < p->ndraws; i++)
		if (p->draws[i].revealed && p->draws[i].reveal_seq >= seq) {
			p->draws[i].revealed = 0;
			draw_clear(&p->draws[i]);
		}
	while (p->nchecks && p->checks[p->nchecks - 1].seq >= seq)
		p->nchecks--;
	while (p->nresults && p->results[p->nresults - 1].seq >= seq)
		p->nresults--;
	while (p->nfirsts && p->firsts[p->nfirsts - 1] >= p->nresults)
		p->nfirsts--;
	p->result_rechecks = 0;
	for (size_t i = 0; i < p->nresults; i++)
		p->result_rechecks += (uint64_t)p->results[i].recheck;
	if (cal_changed) {
		struct calendar *c = NULL;
		char why[300];
		if (calendar_new(&c) == SJ_OK) {
			/* Each was parsed once already: they parse again. */
			for (size_t i = 0; i < p->ncals; i++)
				if (calendar_parse(c, p->cals[i].text, strlen(p->cals[i].text),
						   p->cals[i].name, why, sizeof why) != SJ_OK)
					continue;
			calendar_free(p->cal);
			p->cal = c;
		}
	}
	/* Rebuild every map from what remains; later elements win. A failed
	 * allocation leaves a map short, which only makes lookups miss. */
	free_maps(p);
	for (size_t i = 0; i < p->nagencies; i++)
		(void)pm_put(&p->m_agency, p->agencies[i].code, i);
	for (size_t i = 0; i < p->nobjs; i++)
		(void)pm_put(&p->m_obj,
			     mkey(key, sizeof key, p->objs[i].agency, p->objs[i].id, NULL, NULL), i);
	for (size_t i = 0; i < p->npeople; i++) {
		snprintf(k, sizeof k, "%u", p->people[i].kind);
		(void)pm_put(&p->m_person,
			     mkey(key, sizeof key, p->people[i].dir_agency, k, p->people[i].id, NULL),
			     i);
	}
	for (size_t i = 0; i < p->nconflicts; i++) {
		snprintf(k, sizeof k, "%u", p->conflicts[i].kind);
		(void)pm_put(&p->m_conflict,
			     mkey(key, sizeof key, p->conflicts[i].dir_agency, k,
				  p->conflicts[i].object, p->conflicts[i].person),
			     i);
	}
	for (size_t i = 0; i < p->nchecks; i++) {
		const struct policy_check *c = &p->checks[i];
		snprintf(y, sizeof y, "%u", c->year);
		long prev = pm_get(&p->m_yearobj, mkey(key, sizeof key, y, c->object, NULL, NULL));
		p->check_next[i] = (size_t)(prev + 1);
		(void)pm_put(&p->m_yearobj, key, i);
		(void)pm_put(&p->m_taskobj,
			     mkey(key, sizeof key, c->task_agency, c->task, c->object, NULL), i);
	}
	for (size_t i = 0; i < p->nresults; i++) {
		const struct result *r = &p->results[i].r;
		if (r->published_on != RESULT_NO_DATE)
			(void)pm_put(&p->m_published, r->object, i);
		(void)pm_put(&p->m_result,
			     mkey(key, sizeof key, r->agency, p->results[i].task_agency, r->task,
				  r->object),
			     i);
	}
}
