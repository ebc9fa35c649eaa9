/*
 * drawspec.c: the operator's draw request files to canonical encodings
 * (drawspec.h). cJSON parses the spec; the CSV pools are read line by line.
 */
#include "wire/drawspec.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "proto/draw.pb-c.h"
#include "rules/draws.h"

#define DRAWSPEC_MAX_FILE   ((size_t)512 * 1024 * 1024)
#define DRAWSPEC_MAX_FIELDS 4

/* A small string set: sorted and unique after names_finish. */
struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *s, const char *x)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->v, nc * sizeof *p);
		if (p == NULL)
			return SJ_ENOMEM;
		s->v = p;
		s->cap = nc;
	}
	s->v[s->n] = strdup(x);
	if (s->v[s->n] == NULL)
		return SJ_ENOMEM;
	s->n++;
	return SJ_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_finish(struct names *s)
{
	size_t w = 0;
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof *s->v, cmp_str);
	for (size_t i = 0; i < s->n; i++) {
		if (w && strcmp(s->v[w - 1], s->v[i]) == 0) {
			free(s->v[i]);
			continue;
		}
		s->v[w++] = s->v[i];
	}
	s->n = w;
}

static unsigned names_index(const struct names *s, const char *x)
{
	if (s->n == 0)
		return (unsigned)-1;
	char *const *p = bsearch(&x, s->v, s->n, sizeof *s->v, cmp_str);
	return p ? (unsigned)(p - s->v) : (unsigned)-1;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* One CSV row of a pool: id, then the stratum (objects) or agency and
 * ";"-separated tags (people). Fields hold no commas or quotes: pool
 * identifiers are identifiers (docs/draw-spec.md section 1). */
struct row {
	char *f[DRAWSPEC_MAX_FIELDS];
	size_t nf;
	size_t line;
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->f[0], ((const struct row *)b)->f[0]);
}

/* Reads a CSV file with a header line into rows (fields point into *buf). */
static int read_csv(const char *path, uint8_t **buf, struct row **rows, size_t *nrows,
                    size_t want_fields, const char *header, char *err, size_t err_cap)
{
	size_t len, n = 0, cap = 0, line = 0;
	char *p, *end;
	int rc = util_read_file(buf, &len, path, DRAWSPEC_MAX_FILE);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot read %s: %s", path, sj_strerror(rc));
		return rc;
	}
	p = (char *)*buf;
	end = p + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* a UTF-8 byte order mark, as spreadsheets write it */
	*rows = NULL;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *cur;
		struct row r = {0};
		r.line = ++line;
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		cur = p;
		p = nl + 1;
		if (*cur == '\0')
			continue;
		if (line == 1) {
			if (strcmp(cur, header) != 0) {
				snprintf(err, err_cap, "%s line 1: the header must be \"%s\"", path,
				         header);
				rc = SJ_EINVAL;
				goto fail;
			}
			continue;
		}
		for (;;) {
			char *comma = strchr(cur, ',');
			if (r.nf == DRAWSPEC_MAX_FIELDS) {
				r.nf++;
				break;
			}
			r.f[r.nf++] = cur;
			if (comma == NULL)
				break;
			*comma = '\0';
			cur = comma + 1;
		}
		if (r.nf != want_fields) {
			snprintf(err, err_cap, "%s line %zu: %zu fields, expected %zu (%s)", path,
			         line, r.nf, want_fields, header);
			rc = SJ_EINVAL;
			goto fail;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 1024;
			struct row *nr = realloc(*rows, nc * sizeof *nr);
			if (nr == NULL) {
				rc = SJ_ENOMEM;
				goto fail;
			}
			*rows = nr;
			cap = nc;
		}
		(*rows)[n++] = r;
	}
	if (n)
		qsort(*rows, n, sizeof **rows, cmp_row);
	for (size_t i = 1; i < n; i++)
		if (strcmp((*rows)[i - 1].f[0], (*rows)[i].f[0]) == 0) {
			snprintf(err, err_cap, "%s lines %zu and %zu: identifier %s appears twice",
			         path, (*rows)[i - 1].line, (*rows)[i].line, (*rows)[i].f[0]);
			rc = SJ_EINVAL;
			goto fail;
		}
	*nrows = n;
	return SJ_OK;
fail:
	free(*rows);
	*rows = NULL;
	free(*buf);
	*buf = NULL;
	return rc;
}

static int load_objects(struct draw_objects **out, const char *path, char *err, size_t err_cap)
{
	uint8_t *buf = NULL;
	struct row *rows = NULL;
	struct names strata = {0};
	size_t n = 0;
	char why[300];
	int rc = read_csv(path, &buf, &rows, &n, 2, "id,stratum", err, err_cap);
	if (rc != SJ_OK)
		return rc;
	for (size_t i = 0; i < n && rc == SJ_OK; i++)
		rc = names_add(&strata, rows[i].f[1]);
	if (rc != SJ_OK)
		goto out;
	names_finish(&strata);
	rc = draw_objects_new(out, (const char *const *)strata.v, strata.n, n, why, sizeof why);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "%s: %s", path, why);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		rc = draw_objects_add(*out, rows[i].f[0], names_index(&strata, rows[i].f[1]), why,
		                      sizeof why);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "%s line %zu: %s", path, rows[i].line, why);
			goto out;
		}
	}
	rc = draw_objects_seal(*out);
out:
	if (rc != SJ_OK) {
		draw_objects_free(*out);
		*out = NULL;
	}
	names_free(&strata);
	free(rows);
	free(buf);
	return rc;
}

/* Splits a ";"-separated tag list in place. */
static size_t split_tags(char *s, char **tags, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		char *semi = strchr(s, ';');
		if (semi)
			*semi = '\0';
		if (*s)
			tags[n++] = s;
		if (semi == NULL)
			break;
		s = semi + 1;
	}
	return n;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* Loads a people pool; path NULL gives an empty pool. */
static int load_people(struct draw_people **out, enum draw_kind kind, const char *path, char *err,
                       size_t err_cap)
{
	uint8_t *buf = NULL;
	struct row *rows = NULL;
	struct names tags = {0}, agencies = {0};
	size_t n = 0;
	char why[300], *t[DRAW_MAX_TAGS];
	int rc = SJ_OK;

	if (path != NULL) {
		rc = read_csv(path, &buf, &rows, &n, 3, "id,agency,tags", err, err_cap);
		if (rc != SJ_OK)
			return rc;
	}
	for (size_t i = 0; i < n && rc == SJ_OK; i++) {
		char copy[2048];
		size_t nt;
		snprintf(copy, sizeof copy, "%s", rows[i].f[2]);
		nt = split_tags(copy, t, DRAW_MAX_TAGS);
		rc = names_add(&agencies, rows[i].f[1]);
		for (size_t j = 0; j < nt && rc == SJ_OK; j++)
			rc = names_add(&tags, t[j]);
	}
	if (rc != SJ_OK)
		goto out;
	names_finish(&tags);
	names_finish(&agencies);
	rc = draw_people_new(out, kind, (const char *const *)tags.v, tags.n,
	                     (const char *const *)agencies.v, agencies.n, n, why, sizeof why);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "%s: %s", path ? path : "(empty pool)", why);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned ix[DRAW_MAX_TAGS];
		size_t nt = split_tags(rows[i].f[2], t, DRAW_MAX_TAGS), w = 0;
		for (size_t j = 0; j < nt; j++)
			ix[j] = names_index(&tags, t[j]);
		if (nt)
			qsort(ix, nt, sizeof ix[0], cmp_uint);
		for (size_t j = 0; j < nt; j++)
			if (w == 0 || ix[w - 1] != ix[j])
				ix[w++] = ix[j];
		rc = draw_people_add(*out, rows[i].f[0], names_index(&agencies, rows[i].f[1]), ix,
		                     w, why, sizeof why);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "%s line %zu: %s", path, rows[i].line, why);
			goto out;
		}
	}
	rc = draw_people_seal(*out);
out:
	if (rc != SJ_OK) {
		draw_people_free(*out);
		*out = NULL;
	}
	names_free(&tags);
	names_free(&agencies);
	free(rows);
	free(buf);
	return rc;
}

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int num_field(const cJSON *o, const char *k, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		return 0;
	*out = v->valuedouble;
	return 1;
}

/* A whole number in [lo, hi] from a JSON number. */
static int whole(double d, double lo, double hi, uint64_t *out)
{
	if (!(d >= lo && d <= hi) || d != (double)(uint64_t)d)
		return 0;
	*out = (uint64_t)d;
	return 1;
}

static int kind_of(const char *s, enum draw_kind *k)
{
	if (s && strcmp(s, "object") == 0)
		*k = DRAW_OBJECT;
	else if (s && strcmp(s, "officer") == 0)
		*k = DRAW_OFFICER;
	else if (s && strcmp(s, "expert") == 0)
		*k = DRAW_EXPERT;
	else
		return 0;
	return 1;
}

/* Collects a JSON array of strings into a NULL-free pointer array. */
static int str_array(const cJSON *a, const char ***out, size_t *n)
{
	const cJSON *x;
	size_t i = 0;
	*n = a ? (size_t)cJSON_GetArraySize(a) : 0;
	*out = calloc(*n ? *n : 1, sizeof **out);
	if (*out == NULL)
		return SJ_ENOMEM;
	cJSON_ArrayForEach(x, a)
	{
		if (!cJSON_IsString(x))
			return SJ_EINVAL;
		(*out)[i++] = x->valuestring;
	}
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_str);
	return SJ_OK;
}

#define BAD(...)                                                                                   \
	do {                                                                                       \
		snprintf(err, err_cap, __VA_ARGS__);                                               \
		rc = SJ_EINVAL;                                                                    \
		goto out;                                                                          \
	} while (0)

int drawspec_ledger_source(void *ctx, const char *id, const struct beacon_chain **chain,
                           int *manual, int64_t *margin_us)
{
	const char *url;
	return draws_source(ctx, id, chain, manual, margin_us, &url);
}

/* What drawspec_load holds while it reads a spec: the parsed JSON, the
 * pools, and the arrays the draw_spec borrows until it is encoded. */
struct load {
	cJSON *j;
	const char *path;
	char dir[2048], file[4096];
	int64_t now_us;
	drawspec_source_fn lookup;
	void *ctx;
	struct draw_objects *objects;
	struct draw_people *officers, *experts;
	struct draw_spec sp;
	struct draw_rule *rules;
	struct draw_exclusion *ex;
	struct draw_conflict *cf;
	struct draw_beacon_ref br[DRAW_MAX_BEACONS];
	const char **tag_lists[2 * 256];
	const char **team_agencies;
};

/* The pools: objects, officers and experts (none: the empty pool), and
 * their hashes in the inputs. */
static int load_pools(struct load *L, char *err, size_t err_cap)
{
	const char *s;
	int rc = SJ_OK;

	if ((s = str_field(L->j, "objects")) == NULL)
		BAD("draw spec: \"objects\" (the object pool CSV file) is missing");
	snprintf(L->file, sizeof L->file, "%s%s", s[0] == '/' ? "" : L->dir, s);
	if ((rc = load_objects(&L->objects, L->file, err, err_cap)) != SJ_OK)
		goto out;
	if ((s = str_field(L->j, "officers")) == NULL)
		BAD("draw spec: \"officers\" (the officer pool CSV file) is missing");
	snprintf(L->file, sizeof L->file, "%s%s", s[0] == '/' ? "" : L->dir, s);
	if ((rc = load_people(&L->officers, DRAW_OFFICER, L->file, err, err_cap)) != SJ_OK)
		goto out;
	s = str_field(L->j, "experts");
	if (s)
		snprintf(L->file, sizeof L->file, "%s%s", s[0] == '/' ? "" : L->dir, s);
	if ((rc = load_people(&L->experts, DRAW_EXPERT, s ? L->file : NULL, err, err_cap)) != SJ_OK)
		goto out;
	memcpy(L->sp.object_pool, draw_objects_hash(L->objects), 32);
	memcpy(L->sp.officer_pool, draw_people_hash(L->officers), 32);
	memcpy(L->sp.expert_pool, draw_people_hash(L->experts), 32);
out:
	return rc;
}

/* The parameters: rounding, team and slot sizes (R11), a joint check's
 * agencies (R14), the deadline. */
static int load_params(struct load *L, char *err, size_t err_cap)
{
	const char *s;
	double num;
	uint64_t v;
	const cJSON *x;
	int rc = SJ_OK;

	s = str_field(L->j, "rounding");
	if (s == NULL || strcmp(s, "ceil") == 0)
		L->sp.rounding = DRAW_ROUND_CEIL;
	else if (strcmp(s, "floor") == 0)
		L->sp.rounding = DRAW_ROUND_FLOOR;
	else if (strcmp(s, "half-up") == 0)
		L->sp.rounding = DRAW_ROUND_HALF_UP;
	else
		BAD("draw spec: \"rounding\" is \"%s\", not ceil, floor or half-up", s);
	L->sp.team_size = 2;
	if (num_field(L->j, "team_size", &num)) {
		if (!whole(num, DRAW_MIN_TEAM, DRAW_MAX_TEAM, &v))
			BAD("draw spec: \"team_size\" must be %d..%d (R11: at least two officers)",
			    DRAW_MIN_TEAM, DRAW_MAX_TEAM);
		L->sp.team_size = (unsigned)v;
	}
	L->sp.slot_size = 1;
	if (num_field(L->j, "slot_size", &num)) {
		if (!whole(num, 1, 65535, &v))
			BAD("draw spec: \"slot_size\" must be 1..65535");
		L->sp.slot_size = (unsigned)v;
	}
	L->sp.officer_repeat_in_slot =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(L->j, "officer_repeat_in_slot"));
	/* A joint cross-agency check (R14): team_size officers of each listed
	 * agency per object. The list is sorted here, as the library wants
	 * it; a name given twice is refused by the library's encoder. */
	x = cJSON_GetObjectItemCaseSensitive(L->j, "team_agencies");
	if (x != NULL) {
		if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) < 1 ||
		    cJSON_GetArraySize(x) > DRAW_MAX_TEAM_AGENCIES)
			BAD("draw spec: \"team_agencies\" must list 1..%d agency codes (R14)",
			    DRAW_MAX_TEAM_AGENCIES);
		if ((rc = str_array(x, &L->team_agencies, &L->sp.n_team_agencies)) != SJ_OK) {
			if (rc == SJ_EINVAL)
				BAD("draw spec: \"team_agencies\" must be a list of agency codes "
				    "(R14)");
			goto out;
		}
		L->sp.team_agencies = L->team_agencies;
	}
	num = 7 * 24;
	if (num_field(L->j, "deadline_hours", &num) && !(num > 0 && num <= 24 * 366))
		BAD("draw spec: \"deadline_hours\" must be more than 0 and at most a year");
	L->sp.deadline_us = L->now_us + (int64_t)(num * 3600.0 * 1e6);
out:
	return rc;
}

/* The beacons: each a registered source, and a round or "auto". */
static int load_beacons(struct load *L, char *err, size_t err_cap)
{
	uint64_t v;
	const cJSON *x;
	const cJSON *a;
	int rc = SJ_OK;

	a = cJSON_GetObjectItemCaseSensitive(L->j, "beacons");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 ||
	    cJSON_GetArraySize(a) > DRAW_MAX_BEACONS)
		BAD("draw spec: \"beacons\" must list 1..%d beacon rounds", DRAW_MAX_BEACONS);
	cJSON_ArrayForEach(x, a)
	{
		const struct beacon_chain *chain = NULL;
		int manual = 0;
		int64_t margin = 0;
		const cJSON *rd = cJSON_GetObjectItemCaseSensitive(x, "round");
		struct draw_beacon_ref *b = &L->br[L->sp.n_beacons];
		if ((b->source = str_field(x, "source")) == NULL)
			BAD("draw spec: beacon %zu has no \"source\"", L->sp.n_beacons + 1);
		if (L->lookup(L->ctx, b->source, &chain, &manual, &margin) != SJ_OK)
			BAD("draw spec: beacon source %s is not registered (suijid add-beacon)",
			    b->source);
		if (cJSON_IsString(rd) && strcmp(rd->valuestring, "auto") == 0) {
			if (manual)
				BAD("draw spec: beacon %s gives public values: name their round "
				    "number, \"auto\" needs a chain",
				    b->source);
			if (beacon_first_usable_round(
			        &b->round, chain, L->now_us + margin + DRAWSPEC_AUTO_SLACK_US) !=
			    SJ_OK)
				BAD("draw spec: no usable round of beacon %s", b->source);
		} else if (cJSON_IsNumber(rd) && whole(rd->valuedouble, 0, 9e15, &v)) {
			b->round = v;
		} else {
			BAD("draw spec: beacon %s: \"round\" must be a number or \"auto\"",
			    b->source);
		}
		L->sp.n_beacons++;
	}
	L->sp.beacons = L->br;
out:
	return rc;
}

/* The rules per stratum (R7), each with its officer and expert tags (R13). */
static int load_rules(struct load *L, char *err, size_t err_cap)
{
	double num;
	uint64_t v;
	const cJSON *x;
	const cJSON *a;
	int rc = SJ_OK;

	a = cJSON_GetObjectItemCaseSensitive(L->j, "rules");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > 255)
		BAD("draw spec: \"rules\" must list one rule per stratum");
	L->rules = calloc((size_t)cJSON_GetArraySize(a), sizeof *L->rules);
	if (L->rules == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(x, a)
	{
		struct draw_rule *r = &L->rules[L->sp.n_rules];
		const char *ratio = str_field(x, "ratio");
		if ((r->stratum = str_field(x, "stratum")) == NULL)
			BAD("draw spec: rule %zu has no \"stratum\"", L->sp.n_rules + 1);
		if (ratio) {
			unsigned long num_, den_;
			char tail;
			if (sscanf(ratio, "%lu/%lu%c", &num_, &den_, &tail) != 2 || den_ == 0 ||
			    num_ > den_ || den_ > DRAW_MAX_DEN)
				BAD("draw spec: stratum %s: \"ratio\" \"%s\" is not N/D with 0 <= "
				    "N "
				    "<= D, D > 0",
				    r->stratum, ratio);
			r->kind = DRAW_RULE_RATIO;
			r->num = (uint32_t)num_;
			r->den = (uint32_t)den_;
		} else if (num_field(x, "count", &num) && whole(num, 0, 4294967295.0, &v)) {
			r->kind = DRAW_RULE_COUNT;
			r->num = (uint32_t)v;
		} else {
			BAD("draw spec: stratum %s needs a \"ratio\" (\"1/10\") or a \"count\"",
			    r->stratum);
		}
		if (str_array(cJSON_GetObjectItemCaseSensitive(x, "officer_tags"),
		              &L->tag_lists[2 * L->sp.n_rules], &r->n_officer_tags) != SJ_OK ||
		    str_array(cJSON_GetObjectItemCaseSensitive(x, "expert_tags"),
		              &L->tag_lists[2 * L->sp.n_rules + 1], &r->n_expert_tags) != SJ_OK)
			BAD("draw spec: stratum %s: tags must be lists of strings", r->stratum);
		r->officer_tags = L->tag_lists[2 * L->sp.n_rules];
		r->expert_tags = L->tag_lists[2 * L->sp.n_rules + 1];
		if (num_field(x, "experts", &num)) {
			if (!whole(num, 0, DRAW_MAX_EXPERTS, &v))
				BAD("draw spec: stratum %s: \"experts\" must be 0..%d", r->stratum,
				    DRAW_MAX_EXPERTS);
			r->experts = (unsigned)v;
		}
		L->sp.n_rules++;
	}
	qsort(L->rules, L->sp.n_rules, sizeof *L->rules, draw_spec_rule_cmp);
	L->sp.rules = L->rules;
out:
	return rc;
}

/* The exclusions with their reasons (R6, R9, R10) and conflicts (R12). */
static int load_exclusions(struct load *L, char *err, size_t err_cap)
{
	const cJSON *x;
	const cJSON *a;
	int rc = SJ_OK;

	a = cJSON_GetObjectItemCaseSensitive(L->j, "exclusions");
	L->ex = calloc(a ? (size_t)cJSON_GetArraySize(a) + 1 : 1, sizeof *L->ex);
	a = cJSON_GetObjectItemCaseSensitive(L->j, "conflicts");
	L->cf = calloc(a ? (size_t)cJSON_GetArraySize(a) + 1 : 1, sizeof *L->cf);
	if (L->ex == NULL || L->cf == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(L->j, "exclusions"))
	{
		struct draw_exclusion *e = &L->ex[L->sp.n_exclusions];
		const char *reason = str_field(x, "reason");
		if (!kind_of(str_field(x, "kind"), &e->kind) ||
		    (e->id = str_field(x, "id")) == NULL)
			BAD("draw spec: exclusion %zu needs \"kind\" (object, officer or expert) "
			    "and \"id\"",
			    L->sp.n_exclusions + 1);
		if (draw_reason_parse(&e->reason, reason) != SJ_OK)
			BAD("draw spec: exclusion of %s: \"reason\" \"%s\" is not one of "
			    "deregistered, annual-cap, superior, other-unit, handled, "
			    "already-drawn, replaced, unavailable, other",
			    e->id, reason ? reason : "");
		e->note = str_field(x, "note") ? str_field(x, "note") : "";
		L->sp.n_exclusions++;
	}
	if (L->sp.n_exclusions)
		qsort(L->ex, L->sp.n_exclusions, sizeof *L->ex, draw_spec_exclusion_cmp);
	L->sp.exclusions = L->ex;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(L->j, "conflicts"))
	{
		struct draw_conflict *c = &L->cf[L->sp.n_conflicts];
		if (!kind_of(str_field(x, "kind"), &c->kind) || c->kind == DRAW_OBJECT ||
		    (c->object = str_field(x, "object")) == NULL ||
		    (c->person = str_field(x, "person")) == NULL)
			BAD("draw spec: conflict %zu needs \"kind\" (officer or expert), "
			    "\"object\" and \"person\" (R12)",
			    L->sp.n_conflicts + 1);
		L->sp.n_conflicts++;
	}
	if (L->sp.n_conflicts)
		qsort(L->cf, L->sp.n_conflicts, sizeof *L->cf, draw_spec_conflict_cmp);
	L->sp.conflicts = L->cf;
out:
	return rc;
}

/* A substitution (补抽) names the commitment it replaces. */
static int load_replaces(struct load *L, char *err, size_t err_cap)
{
	const cJSON *x;
	int rc = SJ_OK;

	x = cJSON_GetObjectItemCaseSensitive(L->j, "replaces");
	if (x) {
		const char *h = str_field(x, "commitment_entry_hash");
		size_t got = 0;
		if (h == NULL ||
		    sodium_hex2bin(L->sp.replaced_entry, 32, h, strlen(h), NULL, &got, NULL) != 0 ||
		    got != 32 || (L->sp.replace_reason = str_field(x, "reason")) == NULL)
			BAD("draw spec: \"replaces\" needs \"commitment_entry_hash\" (64 hex "
			    "digits) "
			    "and \"reason\"");
		L->sp.replaces = 1;
	}
out:
	return rc;
}

/* Encodes the inputs and copies the pools' encodings into *o. */
static int load_encode(struct load *L, struct drawspec *o, char *err, size_t err_cap)
{
	char why[300];
	int rc;

	if ((rc = draw_inputs_encode(&o->inputs, &o->inputs_len, &L->sp, why, sizeof why)) !=
	    SJ_OK) {
		snprintf(err, err_cap, "draw spec %s: %s", L->path, why);
		goto out;
	}
	{
		const uint8_t *b;
		size_t bl;
		b = draw_objects_bytes(L->objects, &bl);
		o->objects = malloc(bl);
		if (o->objects)
			memcpy(o->objects, b, bl);
		o->objects_len = bl;
		b = draw_people_bytes(L->officers, &bl);
		o->officers = malloc(bl);
		if (o->officers)
			memcpy(o->officers, b, bl);
		o->officers_len = bl;
		b = draw_people_bytes(L->experts, &bl);
		o->experts = malloc(bl);
		if (o->experts)
			memcpy(o->experts, b, bl);
		o->experts_len = bl;
		if (!o->objects || !o->officers || !o->experts)
			rc = SJ_ENOMEM;
	}
out:
	return rc;
}

int drawspec_load(struct drawspec *o, const char *path, drawspec_source_fn lookup, void *ctx,
                  int64_t now_us, char *err, size_t err_cap)
{
	struct load *L;
	uint8_t *text = NULL;
	size_t len;
	const char *s;
	int rc;

	memset(o, 0, sizeof *o);
	L = calloc(1, sizeof *L);
	if (L == NULL)
		return SJ_ENOMEM;
	L->path = path;
	L->now_us = now_us;
	L->lookup = lookup;
	L->ctx = ctx;
	rc = util_read_file(&text, &len, path, 16 * 1024 * 1024);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot read draw spec %s: %s", path, sj_strerror(rc));
		free(L);
		return rc;
	}
	snprintf(L->dir, sizeof L->dir, "%s", path);
	{
		char *slash = strrchr(L->dir, '/');
		if (slash)
			slash[1] = '\0';
		else
			L->dir[0] = '\0';
	}
	L->j = cJSON_ParseWithLength((const char *)text, len);
	if (L->j == NULL || !cJSON_IsObject(L->j))
		BAD("draw spec %s is not a JSON object", path);

	if ((s = str_field(L->j, "request_id")) == NULL || strlen(s) >= sizeof o->request_id)
		BAD("draw spec: \"request_id\" is missing or longer than 64 bytes");
	snprintf(o->request_id, sizeof o->request_id, "%s", s);
	if ((L->sp.task = str_field(L->j, "task")) == NULL)
		BAD("draw spec: \"task\" is missing");
	if ((s = str_field(L->j, "agency")) != NULL) {
		if (strlen(s) >= sizeof o->agency)
			BAD("draw spec: \"agency\" is longer than 64 bytes");
		snprintf(o->agency, sizeof o->agency, "%s", s);
	}
	if ((rc = load_pools(L, err, err_cap)) != SJ_OK ||
	    (rc = load_params(L, err, err_cap)) != SJ_OK ||
	    (rc = load_beacons(L, err, err_cap)) != SJ_OK ||
	    (rc = load_rules(L, err, err_cap)) != SJ_OK ||
	    (rc = load_exclusions(L, err, err_cap)) != SJ_OK ||
	    (rc = load_replaces(L, err, err_cap)) != SJ_OK)
		goto out;
	rc = load_encode(L, o, err, err_cap);
out:
	if (rc != SJ_OK)
		drawspec_fini(o);
	for (size_t i = 0; i < sizeof L->tag_lists / sizeof L->tag_lists[0]; i++)
		free(L->tag_lists[i]);
	free(L->team_agencies);
	free(L->rules);
	free(L->ex);
	free(L->cf);
	draw_objects_free(L->objects);
	draw_people_free(L->officers);
	draw_people_free(L->experts);
	cJSON_Delete(L->j);
	free(L);
	free(text);
	return rc;
}

void drawspec_fini(struct drawspec *s)
{
	free(s->inputs);
	free(s->objects);
	free(s->officers);
	free(s->experts);
	memset(s, 0, sizeof *s);
}

int drawspec_payload(uint8_t **out, size_t *len, const struct drawspec *sp)
{
	Suiji__DrawRequest m = SUIJI__DRAW_REQUEST__INIT;
	m.request_id = (char *)sp->request_id;
	m.inputs.data = sp->inputs;
	m.inputs.len = sp->inputs_len;
	m.objects.data = sp->objects;
	m.objects.len = sp->objects_len;
	m.officers.data = sp->officers;
	m.officers.len = sp->officers_len;
	m.experts.data = sp->experts;
	m.experts.len = sp->experts_len;
	*len = suiji__draw_request__get_packed_size(&m);
	*out = malloc(*len ? *len : 1);
	if (*out == NULL)
		return SJ_ENOMEM;
	suiji__draw_request__pack(&m, *out);
	return SJ_OK;
}
