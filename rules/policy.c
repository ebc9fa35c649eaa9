/*
 * policy.c: the policy's state (policy_int.h), its reports and its
 * rollback. The rules themselves are in the files policy_int.h lists.
 */
#include "rules/policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int policy_new(struct policy **out, const struct agencies *ag, const struct dirs *dirs)
{
	struct policy *p = calloc(1, sizeof *p);
	if (p == NULL || calendar_new(&p->cal) != SJ_OK) {
		free(p);
		return SJ_ENOMEM;
	}
	p->ag = ag;
	p->dirs = dirs;
	*out = p;
	return SJ_OK;
}

static void free_maps(struct policy *p)
{
	hmap_clear(&p->m_taskobj);
	hmap_clear(&p->m_result);
	hmap_clear(&p->m_yearobj);
	hmap_clear(&p->m_published);
}

void policy_draw_clear(struct policy_draw *d)
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
	for (size_t i = 0; i < p->ncals; i++) {
		free(p->cals[i].name);
		free(p->cals[i].text);
	}
	for (size_t i = 0; i < p->ndraws; i++)
		policy_draw_clear(&p->draws[i]);
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

void policy_set_draws(struct policy *p, const struct draws *d)
{
	p->drawsm = d;
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

int policy_violation(struct policy *p, unsigned rule, uint64_t seq, char *err, size_t err_cap,
		     const char *fmt, ...)
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
	return POLICY_BROKEN;
}

void policy_checked(struct policy *p, unsigned rule)
{
	p->tally[rule].checked++;
}

/* ---- What the policy reads of agencies and directories ---- */

const char *policy_agency_name(const struct policy *p, const char *code)
{
	const struct agencies_agency *a = agencies_find(p->ag, code);
	return a ? a->name : NULL;
}

uint32_t policy_cap(const struct policy *p, const char *agency)
{
	const struct agencies_agency *a = agencies_find(p->ag, agency);
	return a ? a->cap : POLICY_DEFAULT_CAP;
}

size_t policy_agency_count(const struct policy *p)
{
	return agencies_count(p->ag);
}

const char *policy_agency_at(const struct policy *p, size_t i)
{
	return agencies_at(p->ag, i)->code;
}

const char *policy_object_district(const struct policy *p, const char *agency, const char *id)
{
	const struct dirs_object *o = dirs_object_find(p->dirs, agency, id);
	return o ? o->district : NULL;
}

const char *policy_object_name(const struct policy *p, const char *agency, const char *id)
{
	const struct dirs_object *o = dirs_object_find(p->dirs, agency, id);
	return o ? o->name : NULL;
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

/* Parses the calendars that remain again (each parsed once already). If
 * that cannot allocate, the old calendars stay. */
static void reparse_calendars(struct policy *p)
{
	struct calendar *c = NULL;
	char why[300];
	if (calendar_new(&c) != SJ_OK)
		return;
	for (size_t i = 0; i < p->ncals; i++)
		if (calendar_parse(c, p->cals[i].text, strlen(p->cals[i].text), p->cals[i].name, why,
				   sizeof why) != SJ_OK)
			continue;
	calendar_free(p->cal);
	p->cal = c;
}

/* Rebuilds every map from what remains; later elements win. A failed
 * allocation leaves a map short, which only makes lookups miss until the
 * next rollback tries again. */
static void rebuild_maps(struct policy *p)
{
	char key[300], y[12];
	int lost = 0;
	free_maps(p);
	for (size_t i = 0; i < p->nchecks; i++) {
		const struct policy_check *c = &p->checks[i];
		snprintf(y, sizeof y, "%u", c->year);
		long prev = hmap_get(&p->m_yearobj, hmap_key(key, sizeof key, y, c->object, NULL, NULL));
		p->check_next[i] = (size_t)(prev + 1);
		lost |= hmap_put(&p->m_yearobj, key, i) != SJ_OK;
		lost |= hmap_put(&p->m_taskobj,
			       hmap_key(key, sizeof key, c->task_agency, c->task, c->object, NULL),
			       i) != SJ_OK;
	}
	for (size_t i = 0; i < p->nresults; i++) {
		const struct result *r = &p->results[i].r;
		if (r->published_on != RESULT_NO_DATE)
			lost |= hmap_put(&p->m_published, r->object, i) != SJ_OK;
		lost |= hmap_put(&p->m_result,
			       hmap_key(key, sizeof key, r->agency, p->results[i].task_agency, r->task,
					r->object),
			       i) != SJ_OK;
	}
	p->maps_dirty = lost;
}

void policy_rollback(struct policy *p, uint64_t seq)
{
	size_t nchecks = p->nchecks, nresults = p->nresults;
	int cal_changed = 0;
	while (p->ncals && p->cals[p->ncals - 1].seq >= seq) {
		p->ncals--;
		free(p->cals[p->ncals].name);
		free(p->cals[p->ncals].text);
		cal_changed = 1;
	}
	while (p->ndraws && p->draws[p->ndraws - 1].request_seq >= seq)
		policy_draw_clear(&p->draws[--p->ndraws]);
	for (size_t i = 0; i < p->ndraws; i++)
		if (p->draws[i].revealed && p->draws[i].reveal_seq >= seq) {
			p->draws[i].revealed = 0;
			policy_draw_clear(&p->draws[i]);
		}
	while (p->nchecks && p->checks[p->nchecks - 1].seq >= seq)
		p->nchecks--;
	while (p->nresults && p->results[p->nresults - 1].seq >= seq)
		p->nresults--;
	while (p->nfirsts && p->firsts[p->nfirsts - 1] >= p->nresults)
		p->nfirsts--;
	if (p->nresults != nresults) {
		p->result_rechecks = 0;
		for (size_t i = 0; i < p->nresults; i++)
			p->result_rechecks += (uint64_t)p->results[i].recheck;
	}
	if (cal_changed || p->maps_dirty)
		reparse_calendars(p);
	/* Most rollbacks undo an entry that changed none of the maps (the
	 * replay undoes every refused entry the same way): keep them then. */
	if (p->nchecks != nchecks || p->nresults != nresults || p->maps_dirty)
		rebuild_maps(p);
}
