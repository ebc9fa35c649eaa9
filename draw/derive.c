/*
 * derive.c: commitment, randomness, feasibility check and derivation. See
 * derive.h; every construction here is specified in docs/draw-spec.md and
 * pinned by tests/vectors/draw.
 */
#include "draw/derive.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draw/wire.h"

#define TAG_COMMIT   "suiji seed commitment v1"
#define TAG_RANDOM   "suiji draw randomness v1"
#define TAG_SCORE    "suiji draw score v1"
#define TAG_ORDER    "suiji draw order v1"
#define TAG_OFFICERS "suiji draw officers v1"
#define TAG_EXPERTS  "suiji draw experts v1"
#define TAG_PARTS    "suiji draw agency officers v1"

/* An officer of no team agency of a joint check (R14). */
#define NO_PART 0xffu

void draw_derive_commitment(uint8_t out[DRAW_HASH_SIZE], const uint8_t seed[DRAW_SEED_SIZE])
{
	draw_wire_tagged(out, TAG_COMMIT, seed, DRAW_SEED_SIZE);
}

int draw_derive_check_seed(const uint8_t commitment[DRAW_HASH_SIZE],
                           const uint8_t seed[DRAW_SEED_SIZE])
{
	uint8_t c[DRAW_HASH_SIZE];

	draw_derive_commitment(c, seed);
	return sodium_memcmp(c, commitment, DRAW_HASH_SIZE) == 0 ? SJ_OK : SJ_EVERIFY;
}

int draw_derive_randomness(uint8_t r[DRAW_HASH_SIZE], const uint8_t seed[DRAW_SEED_SIZE],
                           const uint8_t entry_hash[DRAW_HASH_SIZE], const struct draw_inputs *in,
                           const struct draw_beacon_value *values, size_t n, char *err,
                           size_t err_cap)
{
	const struct draw_spec *s = draw_inputs_spec(in);
	crypto_hash_sha256_state st;
	uint8_t b[8];
	const uint8_t zero = 0;

	if (n != s->n_beacons) {
		draw_wire_err(err, err_cap, "the inputs name %zu beacon rounds, %zu values given",
		              s->n_beacons, n);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (values[i].len < 1 || values[i].len > DRAW_MAX_BEACON_VALUE) {
			draw_wire_err(err, err_cap, "beacon value %zu is not 1..%d bytes", i,
			              DRAW_MAX_BEACON_VALUE);
			return SJ_EINVAL;
		}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)TAG_RANDOM, strlen(TAG_RANDOM));
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, seed, DRAW_SEED_SIZE);
	crypto_hash_sha256_update(&st, entry_hash, DRAW_HASH_SIZE);
	crypto_hash_sha256_update(&st, draw_inputs_hash(in), DRAW_HASH_SIZE);
	b[0] = (uint8_t)n;
	crypto_hash_sha256_update(&st, b, 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t len = (uint8_t)strlen(s->beacons[i].source);

		crypto_hash_sha256_update(&st, &len, 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)s->beacons[i].source, len);
		draw_wire_put_be64(b, s->beacons[i].round);
		crypto_hash_sha256_update(&st, b, 8);
		b[0] = (uint8_t)(values[i].len >> 8);
		b[1] = (uint8_t)values[i].len;
		crypto_hash_sha256_update(&st, b, 2);
		crypto_hash_sha256_update(&st, values[i].value, values[i].len);
	}
	crypto_hash_sha256_final(&st, r);
	return SJ_OK;
}

static uint64_t keyed_word(const char *tag, const uint8_t r[DRAW_HASH_SIZE], const char *id)
{
	crypto_hash_sha256_state st;
	uint8_t h[32];

	draw_wire_keyed_init(&st, tag, r);
	draw_wire_keyed_id(h, &st, id, strlen(id));
	return draw_wire_be64(h);
}

uint64_t draw_derive_score(const uint8_t r[DRAW_HASH_SIZE], const char *id)
{
	return keyed_word(TAG_SCORE, r, id);
}

uint64_t draw_derive_order(const uint8_t r[DRAW_HASH_SIZE], const char *id)
{
	return keyed_word(TAG_ORDER, r, id);
}

int draw_derive_selected(uint64_t *score, const uint8_t r[DRAW_HASH_SIZE], const char *id,
                         uint64_t cutoff_score, const char *cutoff_id)
{
	*score = draw_derive_score(r, id);
	if (cutoff_id == NULL)
		return 0;
	if (*score != cutoff_score)
		return *score < cutoff_score;
	return draw_wire_cmp(id, strlen(id), cutoff_id, strlen(cutoff_id)) <= 0;
}

uint64_t draw_derive_count(uint64_t n, const struct draw_rule *rule, enum draw_rounding rounding)
{
	if (rule->kind == DRAW_RULE_COUNT)
		return rule->num;
	/* n <= 10^8 < 2^27 and num <= den <= 10^9 < 2^30, so 2*n*num + den
	 * stays below 2^58: no overflow in any branch. */
	uint64_t p = n * rule->num, d = rule->den;

	switch (rounding) {
	case DRAW_ROUND_CEIL: return (p + d - 1) / d;
	case DRAW_ROUND_FLOOR: return p / d;
	case DRAW_ROUND_HALF_UP: return (2 * p + d) / (2 * d);
	}
	return 0;
}

/* What the check learns and the derivation uses. Stratum i of the object
 * pool has rule i: both lists are strictly ascending over the same names. */
struct plan {
	size_t ns;
	/* Parts of a team: the team agencies of a joint check (R14), or 1,
	 * the whole team, drawn from every agency. Officer counts are per
	 * stratum and part: entry i * np + g is stratum i, part g. */
	size_t np;
	uint32_t *n, *k;
	uint64_t (*omask)[4], (*xmask)[4];
	const char **omissing, **xmissing; /* a required tag no one has */
	uint32_t *q, *qx;                  /* qualified officers, experts */
	uint32_t *maxc, *maxcx;            /* most conflicts of one object */
	size_t *maxc_off, *maxcx_off;
	uint8_t *oexcl, *xexcl; /* per officer, per expert */
	uint8_t *opart;         /* per officer: its part, or NO_PART */
	long *conf_person;      /* per conflict */
	size_t ox_end;          /* object exclusions: [0, ox_end) */
	size_t oc_begin, oc_end, xc_begin, xc_end;
	uint64_t total; /* K, objects drawn in all */
	uint64_t need;  /* officers an object must have */
};

static void plan_free(struct plan *p)
{
	free(p->n);
	free(p->k);
	free(p->omask);
	free(p->xmask);
	free(p->omissing);
	free(p->xmissing);
	free(p->q);
	free(p->qx);
	free(p->maxc);
	free(p->maxcx);
	free(p->maxc_off);
	free(p->maxcx_off);
	free(p->oexcl);
	free(p->xexcl);
	free(p->opart);
	free(p->conf_person);
}

static int plan_alloc(struct plan *p, size_t ns, size_t np, size_t nof, size_t nex, size_t nconf)
{
	memset(p, 0, sizeof *p);
	p->ns = ns;
	p->np = np;
	p->n = calloc(ns, sizeof *p->n);
	p->k = calloc(ns, sizeof *p->k);
	p->omask = calloc(ns, sizeof *p->omask);
	p->xmask = calloc(ns, sizeof *p->xmask);
	p->omissing = calloc(ns, sizeof *p->omissing);
	p->xmissing = calloc(ns, sizeof *p->xmissing);
	p->q = calloc(ns * np, sizeof *p->q);
	p->qx = calloc(ns, sizeof *p->qx);
	p->maxc = calloc(ns * np, sizeof *p->maxc);
	p->maxcx = calloc(ns, sizeof *p->maxcx);
	p->maxc_off = calloc(ns * np, sizeof *p->maxc_off);
	p->maxcx_off = calloc(ns, sizeof *p->maxcx_off);
	p->oexcl = calloc(nof + 1, 1);
	p->xexcl = calloc(nex + 1, 1);
	p->opart = calloc(nof + 1, 1);
	p->conf_person = calloc(nconf + 1, sizeof *p->conf_person);
	if (!p->n || !p->k || !p->omask || !p->xmask || !p->omissing || !p->xmissing || !p->q ||
	    !p->qx || !p->maxc || !p->maxcx || !p->maxc_off || !p->maxcx_off || !p->oexcl ||
	    !p->xexcl || !p->opart || !p->conf_person) {
		plan_free(p);
		return SJ_ENOMEM;
	}
	return SJ_OK;
}

/* Sets the bits of the named tags in mask; a name the pool lacks goes to
 * *missing, which makes no one qualify (spec 5.5). */
static void resolve_tags(uint64_t mask[4], const char **missing, const struct draw_people *pool,
                         const char *const *tags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int t = draw_people_find_tag(pool, tags[i], strlen(tags[i]));

		if (t < 0) {
			*missing = tags[i];
			continue;
		}
		mask[t / 64] |= (uint64_t)1 << (t % 64);
	}
}

static void join_tags(char *out, size_t cap, const char *const *tags, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < cap; i++) {
		int w = snprintf(out + used, cap - used, "%s%s", i ? "," : "", tags[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (n == 0)
		snprintf(out, cap, "(any)");
}

/* Pools against inputs: hashes, kinds, strata, people references. */
static int check_refs(struct plan *p, const struct draw_spec *s, const struct draw_objects *objects,
                      const struct draw_people *officers, const struct draw_people *experts,
                      char *err, size_t cap)
{
	const uint8_t *oh = draw_objects_hash(objects), *fh = draw_people_hash(officers),
	              *xh = draw_people_hash(experts);

	if (oh == NULL || fh == NULL || xh == NULL) {
		draw_wire_err(err, cap, "a pool is not sealed");
		return SJ_EINVAL;
	}
	if (memcmp(oh, s->object_pool, DRAW_HASH_SIZE) != 0) {
		draw_wire_err(err, cap, "the object pool is not the one the inputs name");
		return SJ_EINVAL;
	}
	if (draw_people_kind(officers) != DRAW_OFFICER ||
	    memcmp(fh, s->officer_pool, DRAW_HASH_SIZE) != 0) {
		draw_wire_err(err, cap, "the officer pool is not the one the inputs name");
		return SJ_EINVAL;
	}
	if (draw_people_kind(experts) != DRAW_EXPERT ||
	    memcmp(xh, s->expert_pool, DRAW_HASH_SIZE) != 0) {
		draw_wire_err(err, cap, "the expert pool is not the one the inputs name (R2)");
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < s->n_rules; i++)
		if (draw_objects_find_stratum(objects, s->rules[i].stratum,
		                              strlen(s->rules[i].stratum)) < 0) {
			draw_wire_err(err, cap, "rule for unknown stratum %s (R7)",
			              s->rules[i].stratum);
			return SJ_EINVAL;
		}
	for (size_t i = 0; i < p->ns; i++) {
		const char *name = draw_objects_stratum(objects, i);

		if (i >= s->n_rules || strcmp(s->rules[i].stratum, name) != 0) {
			draw_wire_err(err, cap, "stratum %s has no rule (R7)", name);
			return SJ_EINVAL;
		}
		const struct draw_rule *r = &s->rules[i];

		resolve_tags(p->omask[i], &p->omissing[i], officers, r->officer_tags,
		             r->n_officer_tags);
		resolve_tags(p->xmask[i], &p->xmissing[i], experts, r->expert_tags,
		             r->n_expert_tags);
	}
	/* A joint check's part of each officer: the place of their agency in
	 * the team agencies, or none (spec 5.8). Without a list every
	 * officer is in the one part, as calloc left them. */
	if (s->n_team_agencies > 0) {
		uint8_t part_of[DRAW_MAX_AGENCIES + 1];

		memset(part_of, NO_PART, sizeof part_of);
		for (size_t g = 0; g < s->n_team_agencies; g++) {
			const char *a = s->team_agencies[g];
			int at = draw_people_find_agency(officers, a, strlen(a));

			if (at < 0) {
				draw_wire_err(err, cap,
				              "R14: team agency %s is not an agency of the officer "
				              "pool (it has no officers to draw)",
				              a);
				return SJ_EINVAL;
			}
			part_of[at] = (uint8_t)g;
		}
		for (size_t f = 0; f < draw_people_count(officers); f++)
			p->opart[f] = part_of[draw_people_agency_index(officers, f)];
	}
	/* Exclusions are sorted by kind, so objects come first, then
	 * officers, then experts. */
	size_t i = 0;

	while (i < s->n_exclusions && s->exclusions[i].kind == DRAW_OBJECT)
		i++;
	p->ox_end = i;
	for (; i < s->n_exclusions; i++) {
		const struct draw_exclusion *x = &s->exclusions[i];
		const struct draw_people *pool = x->kind == DRAW_OFFICER ? officers : experts;
		long at = draw_people_find(pool, x->id, strlen(x->id));

		if (at < 0) {
			draw_wire_err(err, cap, "exclusion names unknown %s %s",
			              x->kind == DRAW_OFFICER ? "officer" : "expert", x->id);
			return SJ_EINVAL;
		}
		(x->kind == DRAW_OFFICER ? p->oexcl : p->xexcl)[at] = 1;
	}
	for (i = 0; i < s->n_conflicts && s->conflicts[i].kind == DRAW_OFFICER; i++)
		;
	p->oc_begin = 0;
	p->oc_end = p->xc_begin = i;
	p->xc_end = s->n_conflicts;
	for (i = 0; i < s->n_conflicts; i++) {
		const struct draw_conflict *c = &s->conflicts[i];
		const struct draw_people *pool = c->kind == DRAW_OFFICER ? officers : experts;

		p->conf_person[i] = draw_people_find(pool, c->person, strlen(c->person));
		if (p->conf_person[i] < 0) {
			draw_wire_err(err, cap, "conflict names unknown %s %s (R12)",
			              c->kind == DRAW_OFFICER ? "officer" : "expert", c->person);
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

/* Counts, per part, the conflicts in [*ci, end) that name object id and a
 * person who could otherwise serve it in that part; advances *ci past
 * them. part is NULL for experts, who form one part; c[] is not cleared. */
static void count_conflicts(uint32_t *c, const struct plan *p, const struct draw_spec *s,
                            size_t *ci, size_t end, const char *id, size_t len, const uint8_t *excl,
                            const uint8_t *part, const struct draw_people *pool,
                            const uint64_t mask[4], const char *missing)
{
	while (*ci < end && draw_wire_cmp(s->conflicts[*ci].object,
	                                  strlen(s->conflicts[*ci].object), id, len) == 0) {
		long f = p->conf_person[*ci];

		if (missing == NULL && !excl[f] && (part == NULL || part[f] != NO_PART) &&
		    draw_people_qualified(pool, (size_t)f, mask))
			c[part == NULL ? 0 : part[f]]++;
		(*ci)++;
	}
}

/* One pass over the object pool, merged with the sorted object exclusions
 * and conflicts: counts eligible objects per stratum, finds each
 * stratum's most conflicted object, and refuses lists naming objects that
 * are not in the pool. */
static int scan_pool(struct plan *p, const struct draw_spec *s, const struct draw_objects *objects,
                     const struct draw_people *officers, const struct draw_people *experts,
                     char *err, size_t cap)
{
	size_t cur = 0, off, len, xi = 0, oi = p->oc_begin, ei = p->xc_begin;
	const char *id;
	unsigned st;

	while (draw_objects_next(objects, &cur, &id, &len, &st, &off)) {
		int excluded = 0, c;

		while (xi < p->ox_end &&
		       (c = draw_wire_cmp(s->exclusions[xi].id, strlen(s->exclusions[xi].id), id,
		                          len)) <= 0) {
			if (c < 0) {
				draw_wire_err(err, cap, "exclusion names unknown object %s",
				              s->exclusions[xi].id);
				return SJ_EINVAL;
			}
			excluded = 1;
			xi++;
		}
		if (oi < p->oc_end && draw_wire_cmp(s->conflicts[oi].object,
		                                    strlen(s->conflicts[oi].object), id, len) < 0)
			goto unknown_conflict_object;
		if (ei < p->xc_end && draw_wire_cmp(s->conflicts[ei].object,
		                                    strlen(s->conflicts[ei].object), id, len) < 0) {
			oi = ei;
			goto unknown_conflict_object;
		}
		uint32_t co[DRAW_MAX_TEAM_AGENCIES] = {0}, cx = 0;

		count_conflicts(co, p, s, &oi, p->oc_end, id, len, p->oexcl, p->opart, officers,
		                p->omask[st], p->omissing[st]);
		count_conflicts(&cx, p, s, &ei, p->xc_end, id, len, p->xexcl, NULL, experts,
		                p->xmask[st], p->xmissing[st]);

		if (excluded)
			continue;
		p->n[st]++;
		for (size_t g = 0; g < p->np; g++) {
			size_t at = st * p->np + g;

			if (co[g] > p->maxc[at]) {
				p->maxc[at] = co[g];
				p->maxc_off[at] = off;
			}
		}
		if (cx > p->maxcx[st]) {
			p->maxcx[st] = cx;
			p->maxcx_off[st] = off;
		}
	}
	if (xi < p->ox_end) {
		draw_wire_err(err, cap, "exclusion names unknown object %s", s->exclusions[xi].id);
		return SJ_EINVAL;
	}
	if (ei < p->xc_end)
		oi = ei;
	else if (oi == p->oc_end)
		return SJ_OK;
	/* fall through: a conflict names an object after the last one */

unknown_conflict_object:
	draw_wire_err(err, cap, "conflict names unknown object %s (R12)", s->conflicts[oi].object);
	return SJ_EINVAL;
}

/* Counts the people who may serve part g under mask; part is NULL for
 * experts, who form one part. */
static uint32_t count_qualified(const struct draw_people *pool, const uint8_t *excl,
                                const uint64_t mask[4], const uint8_t *part, size_t g)
{
	uint32_t q = 0;

	for (size_t i = 0; i < draw_people_count(pool); i++)
		q += !excl[i] && (part == NULL || part[i] == g) &&
		     draw_people_qualified(pool, i, mask);
	return q;
}

/* Counts per stratum (R7) and staffing (R2, R11-R13), spec 5.6. */
static int check_counts(struct plan *p, const struct draw_spec *s,
                        const struct draw_objects *objects, const struct draw_people *officers,
                        const struct draw_people *experts, char *err, size_t cap)
{
	char tags[DRAW_MAX_RULE_TAGS * (DRAW_MAX_NAME + 1) + 8];

	p->total = 0;
	for (size_t i = 0; i < p->ns; i++) {
		const struct draw_rule *r = &s->rules[i];
		uint64_t k = draw_derive_count(p->n[i], r, s->rounding);

		if (r->kind == DRAW_RULE_COUNT && k > p->n[i]) {
			draw_wire_err(err, cap,
			              "R7: stratum %s asks for a fixed count of %llu and has %u "
			              "eligible objects",
			              r->stratum, (unsigned long long)k, p->n[i]);
			return SJ_ERANGE;
		}
		p->k[i] = (uint32_t)(k < p->n[i] ? k : p->n[i]);
		p->total += p->k[i];
	}
	uint64_t slot = s->officer_repeat_in_slot ? 1 : s->slot_size;

	if (slot > p->total)
		slot = p->total;
	p->need = s->team_size * slot;
	for (size_t i = 0; i < p->ns; i++) {
		const struct draw_rule *r = &s->rules[i];
		const char *id;
		size_t len;
		unsigned st;

		if (p->k[i] == 0)
			continue;
		join_tags(tags, sizeof tags, r->officer_tags, r->n_officer_tags);
		if (p->omissing[i] != NULL) {
			draw_wire_err(err, cap,
			              "R13: stratum %s needs officers tagged %s and the officer "
			              "pool has no such tag",
			              r->stratum, p->omissing[i]);
			return SJ_ERANGE;
		}
		/* Per part: a joint check (R14) needs the bound of spec 5.6 for
		 * every team agency on its own (spec 5.8); without a list the
		 * one part is the whole pool and the messages are those of 5.6. */
		for (size_t g = 0; g < p->np; g++) {
			size_t at = i * p->np + g;
			int joint = s->n_team_agencies > 0;
			char of[DRAW_MAX_ID + 16] = "";

			if (joint)
				snprintf(of, sizeof of, " of agency %s", s->team_agencies[g]);
			p->q[at] = count_qualified(officers, p->oexcl, p->omask[i], p->opart, g);
			if (p->q[at] < p->need) {
				draw_wire_err(
				    err, cap,
				    "%s: stratum %s has %u officers%s with tags %s, needs "
				    "%llu (team of %u x %llu objects per slot)",
				    joint ? "R11/R13/R14" : "R11/R13", r->stratum, p->q[at], of,
				    tags, (unsigned long long)p->need, s->team_size,
				    (unsigned long long)slot);
				return SJ_ERANGE;
			}
			if (p->q[at] - p->maxc[at] < p->need) {
				draw_objects_at(objects, p->maxc_off[at], &id, &len, &st);
				draw_wire_err(
				    err, cap,
				    "%s: object %.*s (stratum %s) has %u officers%s with "
				    "tags %s left after recusal, needs %llu (team of %u x "
				    "%llu objects per slot)",
				    joint ? "R12/R14" : "R12", (int)len, id, r->stratum,
				    p->q[at] - p->maxc[at], of, tags, (unsigned long long)p->need,
				    s->team_size, (unsigned long long)slot);
				return SJ_ERANGE;
			}
		}
		if (r->experts == 0)
			continue;
		join_tags(tags, sizeof tags, r->expert_tags, r->n_expert_tags);
		if (p->xmissing[i] != NULL) {
			draw_wire_err(err, cap,
			              "R2/R13: stratum %s needs experts tagged %s and the expert "
			              "pool has no such tag",
			              r->stratum, p->xmissing[i]);
			return SJ_ERANGE;
		}
		p->qx[i] = count_qualified(experts, p->xexcl, p->xmask[i], NULL, 0);
		if (p->qx[i] < r->experts) {
			draw_wire_err(err, cap,
			              "R2/R13: stratum %s has %u experts with tags %s, needs %u",
			              r->stratum, p->qx[i], tags, r->experts);
			return SJ_ERANGE;
		}
		if (p->qx[i] - p->maxcx[i] < r->experts) {
			draw_objects_at(objects, p->maxcx_off[i], &id, &len, &st);
			draw_wire_err(err, cap,
			              "R12: object %.*s (stratum %s) has %u experts with tags %s "
			              "left after recusal, needs %u",
			              (int)len, id, r->stratum, p->qx[i] - p->maxcx[i], tags,
			              r->experts);
			return SJ_ERANGE;
		}
	}
	return SJ_OK;
}

static int make_plan(struct plan *p, const struct draw_inputs *in,
                     const struct draw_objects *objects, const struct draw_people *officers,
                     const struct draw_people *experts, char *err, size_t cap)
{
	const struct draw_spec *s = draw_inputs_spec(in);
	size_t np = s->n_team_agencies > 0 ? s->n_team_agencies : 1;
	int rc = plan_alloc(p, draw_objects_nstrata(objects), np, draw_people_count(officers),
	                    draw_people_count(experts), s->n_conflicts);

	if (rc != SJ_OK)
		return rc;
	rc = check_refs(p, s, objects, officers, experts, err, cap);
	if (rc == SJ_OK)
		rc = scan_pool(p, s, objects, officers, experts, err, cap);
	if (rc == SJ_OK)
		rc = check_counts(p, s, objects, officers, experts, err, cap);
	if (rc != SJ_OK)
		plan_free(p);
	return rc;
}

int draw_derive_check(const struct draw_inputs *in, const struct draw_objects *objects,
                      const struct draw_people *officers, const struct draw_people *experts,
                      char *err, size_t err_cap)
{
	struct plan p;
	int rc = make_plan(&p, in, objects, officers, experts, err, err_cap);

	if (rc == SJ_OK)
		plan_free(&p);
	return rc;
}

/* A selected or ordered object: key (score or order key), its score, and
 * its byte offset in the object pool, which also gives its identifier for
 * ties. */
struct ent {
	uint64_t key;
	uint64_t score;
	size_t off;
};

/* (key, identifier) order. Identifiers are unique in a pool, so this is a
 * total order and every sort below has exactly one outcome. */
static int ent_cmp(const struct draw_objects *o, const struct ent *a, const struct ent *b)
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

static void sift_down(const struct draw_objects *o, struct ent *h, size_t i, size_t n)
{
	for (;;) {
		size_t l = 2 * i + 1, big = i;

		if (l < n && ent_cmp(o, &h[l], &h[big]) > 0)
			big = l;
		if (l + 1 < n && ent_cmp(o, &h[l + 1], &h[big]) > 0)
			big = l + 1;
		if (big == i)
			return;
		struct ent t = h[i];

		h[i] = h[big];
		h[big] = t;
		i = big;
	}
}

static void sift_up(const struct draw_objects *o, struct ent *h, size_t i)
{
	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (ent_cmp(o, &h[up], &h[i]) >= 0)
			return;
		struct ent t = h[i];

		h[i] = h[up];
		h[up] = t;
		i = up;
	}
}

/* Offers e to the bounded max-heap h of *n entries and capacity cap: the
 * heap keeps the cap smallest entries seen, with the largest on top. */
static void heap_offer(const struct draw_objects *o, struct ent *h, uint32_t *n, uint32_t cap,
                       const struct ent *e)
{
	if (*n < cap) {
		h[*n] = *e;
		sift_up(o, h, (*n)++);
	} else if (cap > 0 &&
	           (e->key < h[0].key || (e->key == h[0].key && ent_cmp(o, e, &h[0]) < 0))) {
		h[0] = *e;
		sift_down(o, h, 0, cap);
	}
}

/* Sorts a max-heap of n entries ascending, in place. */
static void heap_sort(const struct draw_objects *o, struct ent *h, size_t n)
{
	for (size_t end = n; end > 1; end--) {
		struct ent t = h[0];

		h[0] = h[end - 1];
		h[end - 1] = t;
		sift_down(o, h, 0, end - 1);
	}
}

/* The keyed stream of spec 5.5: blocks SHA-256(T || R || u8 len || id ||
 * u32 j) for j = 0, 1, ..., read as consecutive 64-bit big-endian words.
 * A joint check's part (spec 5.8) puts str8(agency) after the id. */
struct stream {
	crypto_hash_sha256_state base;
	uint32_t block;
	unsigned word;
	uint8_t buf[32];
};

static void stream_init(struct stream *s, const crypto_hash_sha256_state *keyed, const char *id,
                        size_t len, const char *agency)
{
	uint8_t n = (uint8_t)len;

	s->base = *keyed;
	crypto_hash_sha256_update(&s->base, &n, 1);
	crypto_hash_sha256_update(&s->base, (const uint8_t *)id, len);
	if (agency != NULL) {
		n = (uint8_t)strlen(agency);
		crypto_hash_sha256_update(&s->base, &n, 1);
		crypto_hash_sha256_update(&s->base, (const uint8_t *)agency, n);
	}
	s->block = 0;
	s->word = 4;
}

static uint64_t stream_word(struct stream *s)
{
	if (s->word == 4) {
		crypto_hash_sha256_state st = s->base;
		uint8_t j[4];

		draw_wire_put_be32(j, s->block++);
		crypto_hash_sha256_update(&st, j, 4);
		crypto_hash_sha256_final(&st, s->buf);
		s->word = 0;
	}
	return draw_wire_be64(s->buf + 8 * s->word++);
}

/* A uniform integer below m >= 1 by rejection: words at or above the
 * largest multiple of m below 2^64 are skipped, so there is no modulo
 * bias. Each try rejects with probability below 1/2. */
static uint32_t stream_below(struct stream *s, uint32_t m)
{
	uint64_t rem = (UINT64_MAX % m + 1) % m; /* 2^64 mod m */

	for (;;) {
		uint64_t w = stream_word(s);

		if (w <= UINT64_MAX - rem)
			return (uint32_t)(w % m);
	}
}

/* Draws t of e[0..m) by a partial Fisher-Yates shuffle (spec 5.5): the
 * drawn ones end up in e[0..t), in draw order. */
static void draw_people(struct stream *s, uint32_t *e, uint32_t m, unsigned t)
{
	for (unsigned i = 0; i < t; i++) {
		uint32_t j = i + stream_below(s, m - i);
		uint32_t x = e[i];

		e[i] = e[j];
		e[j] = x;
	}
}

/* Lists, per stratum that draws and per part, the people who may serve it
 * at all, in pool order: lists[i * np + g] for officers of part g (part
 * gives each officer's), lists[i] for experts (part NULL, np 1). */
static int qualified_lists(uint32_t **lists, const struct plan *p, const struct draw_people *pool,
                           const uint8_t *excl, uint64_t (*mask)[4], const uint8_t *part, size_t np,
                           const struct draw_spec *s)
{
	int experts = part == NULL;

	for (size_t i = 0; i < p->ns; i++) {
		if (p->k[i] == 0 || (experts && s->rules[i].experts == 0))
			continue;
		for (size_t g = 0; g < np; g++) {
			size_t at = i * np + g;
			uint32_t n = 0;

			lists[at] = malloc(((experts ? p->qx[i] : p->q[at]) + 1) * sizeof **lists);
			if (lists[at] == NULL)
				return SJ_ENOMEM;
			for (size_t f = 0; f < draw_people_count(pool); f++)
				if (!excl[f] && (experts || part[f] == g) &&
				    draw_people_qualified(pool, f, mask[i]))
					lists[at][n++] = (uint32_t)f;
		}
	}
	return SJ_OK;
}

/* First conflict in [begin, end) naming object id, by binary search. */
static size_t conflicts_of(const struct draw_spec *s, size_t begin, size_t end, const char *id,
                           size_t len)
{
	while (begin < end) {
		size_t mid = begin + (end - begin) / 2;
		const char *o = s->conflicts[mid].object;

		if (draw_wire_cmp(o, strlen(o), id, len) < 0)
			begin = mid + 1;
		else
			end = mid;
	}
	return begin;
}

struct staffing {
	uint32_t *team;    /* K x parts x team size officer indices */
	uint32_t *expert;  /* expert indices, pick after pick */
	size_t *expert_at; /* K + 1 offsets into expert */
};

/*
 * Staffs the ordered picks (spec 5.5). For each object in visit order the
 * candidates are its stratum's qualified officers minus its conflicts minus
 * (unless repeats are allowed) those already in a team of this slot; the
 * check guaranteed at least team size of them (spec 5.6). A joint check
 * (spec 5.8) does this once per team agency, in list order, over that
 * agency's officers, each part with its own stream.
 */
static int staff(struct staffing *out, const struct plan *p, const struct draw_spec *s,
                 const struct draw_objects *objects, const struct draw_people *officers,
                 const struct draw_people *experts, const struct ent *picks,
                 const uint8_t r[DRAW_HASH_SIZE], char *err, size_t cap)
{
	size_t nof = draw_people_count(officers), nex = draw_people_count(experts), np = p->np;
	size_t per_team = np * s->team_size;
	int joint = s->n_team_agencies > 0;
	uint32_t **ol = calloc(p->ns * np, sizeof *ol), **xl = calloc(p->ns, sizeof *xl);
	uint32_t *last = malloc((nof + 1) * sizeof *last), *mark = calloc(nof + 1, sizeof *mark);
	uint32_t *xmark = calloc(nex + 1, sizeof *xmark);
	uint32_t *cand = malloc((nof > nex ? nof : nex) * sizeof *cand + 4);
	crypto_hash_sha256_state okey, xkey;
	size_t total_x = 0;
	int rc = SJ_ENOMEM;

	memset(out, 0, sizeof *out);
	if (!ol || !xl || !last || !mark || !xmark || !cand)
		goto out;
	for (uint64_t i = 0; i < p->total; i++) {
		const char *id;
		size_t len;
		unsigned st;

		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		total_x += s->rules[st].experts;
	}
	out->team = malloc((p->total * per_team + 1) * sizeof *out->team);
	out->expert = malloc((total_x + 1) * sizeof *out->expert);
	out->expert_at = malloc((p->total + 1) * sizeof *out->expert_at);
	if (!out->team || !out->expert || !out->expert_at)
		goto out;
	if (qualified_lists(ol, p, officers, p->oexcl, p->omask, p->opart, np, s) != SJ_OK ||
	    qualified_lists(xl, p, experts, p->xexcl, p->xmask, NULL, 1, s) != SJ_OK)
		goto out;
	for (size_t f = 0; f < nof; f++)
		last[f] = UINT32_MAX;
	/* A joint check's parts use their own tag, so no part's stream is
	 * ever the stream of a whole team of another draw (spec 5.8). */
	draw_wire_keyed_init(&okey, joint ? TAG_PARTS : TAG_OFFICERS, r);
	draw_wire_keyed_init(&xkey, TAG_EXPERTS, r);
	total_x = 0;
	for (uint32_t i = 0; i < p->total; i++) {
		const char *id;
		size_t len;
		unsigned st;
		uint32_t slot = i / s->slot_size, m = 0, stamp = i + 1;
		struct stream str;

		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		for (size_t c = conflicts_of(s, p->oc_begin, p->oc_end, id, len);
		     c < p->oc_end && draw_wire_cmp(s->conflicts[c].object,
		                                    strlen(s->conflicts[c].object), id, len) == 0;
		     c++)
			mark[p->conf_person[c]] = stamp;
		for (size_t g = 0; g < np; g++) {
			size_t at = st * np + g;
			uint32_t *team = out->team + (size_t)i * per_team + g * s->team_size;

			m = 0;
			for (uint32_t j = 0; j < p->q[at]; j++) {
				uint32_t f = ol[at][j];

				if (mark[f] == stamp ||
				    (!s->officer_repeat_in_slot && last[f] == slot))
					continue;
				cand[m++] = f;
			}
			/* Spec 5.6 and 5.8: at most (slot size - 1) x team size
			 * officers of this part are taken in this slot before this
			 * object (an officer has one agency, so other parts take
			 * none of them), and it had at least team size x slot size
			 * after recusal. */
			assert(m >= s->team_size);
			if (m < s->team_size) {
				draw_wire_err(err, cap, "internal: object %.*s cannot be staffed",
				              (int)len, id);
				rc = SJ_ERANGE;
				goto out;
			}
			stream_init(&str, &okey, id, len, joint ? s->team_agencies[g] : NULL);
			draw_people(&str, cand, m, s->team_size);
			for (unsigned j = 0; j < s->team_size; j++) {
				team[j] = cand[j];
				last[cand[j]] = slot;
			}
		}
		out->expert_at[i] = total_x;
		unsigned e = s->rules[st].experts;

		if (e == 0)
			continue;
		for (size_t c = conflicts_of(s, p->xc_begin, p->xc_end, id, len);
		     c < p->xc_end && draw_wire_cmp(s->conflicts[c].object,
		                                    strlen(s->conflicts[c].object), id, len) == 0;
		     c++)
			xmark[p->conf_person[c]] = stamp;
		m = 0;
		for (uint32_t j = 0; j < p->qx[st]; j++)
			if (xmark[xl[st][j]] != stamp)
				cand[m++] = xl[st][j];
		assert(m >= e);
		stream_init(&str, &xkey, id, len, NULL);
		draw_people(&str, cand, m, e);
		for (unsigned j = 0; j < e; j++)
			out->expert[total_x++] = cand[j];
	}
	out->expert_at[p->total] = total_x;
	rc = SJ_OK;
out:
	for (size_t i = 0; ol && i < p->ns * np; i++)
		free(ol[i]);
	for (size_t i = 0; xl && i < p->ns; i++)
		free(xl[i]);
	free(ol);
	free(xl);
	free(last);
	free(mark);
	free(xmark);
	free(cand);
	if (rc != SJ_OK && rc != SJ_ERANGE)
		draw_wire_err(err, cap, "out of memory");
	if (rc != SJ_OK) {
		free(out->team);
		free(out->expert);
		free(out->expert_at);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

/* Copies everything into a self-contained result. */
static int build_result(struct draw_result **out, const struct plan *p, const struct draw_spec *s,
                        const struct draw_inputs *in, const struct draw_objects *objects,
                        const struct draw_people *officers, const struct draw_people *experts,
                        const struct ent *picks, const size_t *cutoff_off,
                        const struct staffing *sf, const uint8_t r[DRAW_HASH_SIZE])
{
	struct draw_result *res = calloc(1, sizeof *res);
	size_t per_team = p->np * s->team_size, na = s->n_team_agencies;
	size_t need = 0, npeople = p->total * per_team + sf->expert_at[p->total] + na;
	const char *id;
	size_t len;
	unsigned st;

	if (res == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < p->ns; i++)
		need += strlen(draw_objects_stratum(objects, i)) + 1;
	for (uint64_t i = 0; i < p->total; i++) {
		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		need += len + 1;
	}
	for (size_t i = 0; i < p->total * per_team; i++)
		need += strlen(draw_people_id(officers, sf->team[i])) + 1;
	for (size_t g = 0; g < na; g++)
		need += strlen(s->team_agencies[g]) + 1;
	for (size_t i = 0; i < sf->expert_at[p->total]; i++)
		need += strlen(draw_people_id(experts, sf->expert[i])) + 1;
	res->strata = calloc(p->ns, sizeof *res->strata);
	res->picks = calloc(p->total + 1, sizeof *res->picks);
	res->strings = malloc(need + 1);
	res->people = calloc(npeople + 1, sizeof *res->people);
	if (!res->strata || !res->picks || !res->strings || !res->people) {
		draw_result_free(res);
		return SJ_ENOMEM;
	}
	char *w = res->strings;
	const char **pp = res->people;

	memcpy(res->inputs_hash, draw_inputs_hash(in), DRAW_HASH_SIZE);
	memcpy(res->randomness, r, DRAW_HASH_SIZE);
	res->team_size = s->team_size;
	res->n_team_agencies = na;
	res->team_agencies = na > 0 ? pp : NULL;
	for (size_t g = 0; g < na; g++) {
		*pp++ = w;
		w = stpcpy(w, s->team_agencies[g]) + 1;
	}
	res->n_strata = p->ns;
	for (size_t i = 0; i < p->ns; i++) {
		const char *name = draw_objects_stratum(objects, i);

		res->strata[i].name = w;
		w = stpcpy(w, name) + 1;
		res->strata[i].n = p->n[i];
		res->strata[i].k = p->k[i];
	}
	res->n_picks = p->total;
	for (uint64_t i = 0; i < p->total; i++) {
		struct draw_pick *pk = &res->picks[i];

		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		pk->id = w;
		memcpy(w, id, len);
		w[len] = '\0';
		w += len + 1;
		pk->stratum = st;
		pk->score = picks[i].score;
		pk->order = picks[i].key;
		pk->slot = (uint32_t)(i / s->slot_size);
		if (picks[i].off == cutoff_off[st]) {
			res->strata[st].cutoff_id = pk->id;
			res->strata[st].cutoff_score = pk->score;
		}
		pk->officers = pp;
		pk->n_officers = (unsigned)per_team;
		for (size_t j = 0; j < per_team; j++) {
			*pp++ = w;
			w = stpcpy(w, draw_people_id(officers, sf->team[i * per_team + j])) + 1;
		}
		pk->experts = pp;
		pk->n_experts = (unsigned)(sf->expert_at[i + 1] - sf->expert_at[i]);
		for (size_t j = sf->expert_at[i]; j < sf->expert_at[i + 1]; j++) {
			*pp++ = w;
			w = stpcpy(w, draw_people_id(experts, sf->expert[j])) + 1;
		}
	}
	*out = res;
	return SJ_OK;
}

int draw_derive_run(struct draw_result **out, const struct draw_inputs *in,
                    const struct draw_objects *objects, const struct draw_people *officers,
                    const struct draw_people *experts, const uint8_t r[DRAW_HASH_SIZE], char *err,
                    size_t err_cap)
{
	const struct draw_spec *s = draw_inputs_spec(in);
	struct plan p;
	struct staffing sf = {0};
	struct ent *heap = NULL;
	size_t *base = NULL, *cutoff_off = NULL;
	uint32_t *fill = NULL;
	crypto_hash_sha256_state skey, okey;
	int rc = make_plan(&p, in, objects, officers, experts, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	rc = SJ_ENOMEM;
	heap = malloc((p.total + 1) * sizeof *heap);
	base = calloc(p.ns + 1, sizeof *base);
	cutoff_off = calloc(p.ns, sizeof *cutoff_off);
	fill = calloc(p.ns, sizeof *fill);
	if (!heap || !base || !cutoff_off || !fill)
		goto out;
	/* Stratum i's heap is heap[base[i] .. base[i] + k[i]). */
	for (size_t i = 0; i < p.ns; i++)
		base[i + 1] = base[i] + p.k[i];

	/* Selection (spec 5.3): one pass, skipping exclusions by merge, one
	 * hash per eligible object, a bounded max-heap per stratum. */
	draw_wire_keyed_init(&skey, TAG_SCORE, r);
	size_t cur = 0, off, len, xi = 0;
	const char *id;
	unsigned st;

	while (draw_objects_next(objects, &cur, &id, &len, &st, &off)) {
		uint8_t h[32];
		struct ent e;
		int excluded = 0;

		while (xi < p.ox_end) {
			int c = draw_wire_cmp(s->exclusions[xi].id, strlen(s->exclusions[xi].id),
			                      id, len);

			if (c > 0)
				break;
			excluded |= c == 0;
			xi++;
		}
		if (excluded || p.k[st] == 0)
			continue;
		draw_wire_keyed_id(h, &skey, id, len);
		e.key = e.score = draw_wire_be64(h);
		e.off = off;
		heap_offer(objects, heap + base[st], &fill[st], p.k[st], &e);
	}
	for (size_t i = 0; i < p.ns; i++) {
		assert(fill[i] == p.k[i]); /* k <= n, and all n were offered */
		heap_sort(objects, heap + base[i], p.k[i]);
		if (p.k[i] > 0)
			cutoff_off[i] = heap[base[i] + p.k[i] - 1].off;
	}

	/* Visit order (spec 5.4): all drawn objects by (order key, id). */
	draw_wire_keyed_init(&okey, TAG_ORDER, r);
	for (uint64_t i = 0; i < p.total; i++) {
		uint8_t h[32];

		draw_objects_at(objects, heap[i].off, &id, &len, &st);
		draw_wire_keyed_id(h, &okey, id, len);
		heap[i].key = draw_wire_be64(h);
	}
	for (size_t i = p.total / 2; i-- > 0;)
		sift_down(objects, heap, i, p.total);
	heap_sort(objects, heap, p.total);

	rc = staff(&sf, &p, s, objects, officers, experts, heap, r, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	rc = build_result(out, &p, s, in, objects, officers, experts, heap, cutoff_off, &sf, r);
out:
	if (rc == SJ_ENOMEM)
		draw_wire_err(err, err_cap, "out of memory");
	free(sf.team);
	free(sf.expert);
	free(sf.expert_at);
	free(heap);
	free(base);
	free(cutoff_off);
	free(fill);
	plan_free(&p);
	return rc;
}
