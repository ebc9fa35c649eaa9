/*
 * plan.c: the draw's feasibility check (spec 5.6): every name the inputs
 * use exists, every stratum has its rule, and every pick can be staffed
 * from the qualified, unconflicted people. See plan.h.
 */
#include "draw/plan.h"

#include <stdlib.h>
#include <string.h>

#include "draw/wire.h"

void draw_plan_free(struct draw_plan *p)
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

static int plan_alloc(struct draw_plan *p, size_t ns, size_t np, size_t nof, size_t nex,
                      size_t nconf)
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
		draw_plan_free(p);
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
static int check_refs(struct draw_plan *p, const struct draw_spec *s,
                      const struct draw_objects *objects, const struct draw_people *officers,
                      const struct draw_people *experts, char *err, size_t cap)
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

		memset(part_of, DRAW_PLAN_NO_PART, sizeof part_of);
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
static void count_conflicts(uint32_t *c, const struct draw_plan *p, const struct draw_spec *s,
                            size_t *ci, size_t end, const char *id, size_t len, const uint8_t *excl,
                            const uint8_t *part, const struct draw_people *pool,
                            const uint64_t mask[4], const char *missing)
{
	while (*ci < end && draw_wire_cmp(s->conflicts[*ci].object,
	                                  strlen(s->conflicts[*ci].object), id, len) == 0) {
		long f = p->conf_person[*ci];

		if (missing == NULL && !excl[f] && (part == NULL || part[f] != DRAW_PLAN_NO_PART) &&
		    draw_people_qualified(pool, (size_t)f, mask))
			c[part == NULL ? 0 : part[f]]++;
		(*ci)++;
	}
}

/* One pass over the object pool, merged with the sorted object exclusions
 * and conflicts: counts eligible objects per stratum, finds each
 * stratum's most conflicted object, and refuses lists naming objects that
 * are not in the pool. */
static int scan_pool(struct draw_plan *p, const struct draw_spec *s,
                     const struct draw_objects *objects, const struct draw_people *officers,
                     const struct draw_people *experts, char *err, size_t cap)
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
static int check_counts(struct draw_plan *p, const struct draw_spec *s,
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

int draw_plan_make(struct draw_plan *p, const struct draw_inputs *in,
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
		draw_plan_free(p);
	return rc;
}
