/*
 * predraw.c: directory changes just before a draw (policy.h,
 * policy_predraw). A re-import shortly before a draw that deregisters a
 * business (forced out, R6), tags it 投诉举报 (forced into the key
 * stratum, drawn whole, R10), changes its risk class (another stratum,
 * R7) or a field the task's scope reads (in or out of scope, R5, R6)
 * steers the draw as surely as a hand-picked pool. The directory is the
 * truth, so the draw stands; the change is a finding for the justice
 * bureau (R19), counted per draw.
 */
#include "rules/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/filter.h"
#include "rules/rules.h"

static int in_scope(const struct filter *f, const struct dirs_object *o)
{
	struct filter_object fo = {.category = o->category, .district = o->district,
				   .risk_class = o->risk, .credit_level = o->credit,
				   .tags = o->tags, .ntags = o->ntags};
	return filter_match(f, &fo);
}

static int has_complaint(const struct dirs_object *o)
{
	return rules_in_list(o->tags, o->ntags, POLICY_COMPLAINT_TAG);
}

/* What the change from a to b does to a draw with scope f, or NULL when
 * it moves nothing the draw pools. */
static const char *effect(const struct filter *f, const struct dirs_object *a,
			  const struct dirs_object *b)
{
	int ia = in_scope(f, a), ib = in_scope(f, b);
	if (!ia && !ib)
		return NULL;
	if (ia != ib)
		return ib ? POLICY_PREDRAW_SCOPE_IN : POLICY_PREDRAW_SCOPE_OUT;
	if ((a->status == OBJECT_ACTIVE) != (b->status == OBJECT_ACTIVE))
		return b->status == OBJECT_ACTIVE ? POLICY_PREDRAW_REACTIVATED
						  : POLICY_PREDRAW_DEREGISTERED;
	if (has_complaint(a) != has_complaint(b))
		return has_complaint(b) ? POLICY_PREDRAW_COMPLAINT : POLICY_PREDRAW_UNCOMPLAINED;
	if (strcmp(a->risk, b->risk) != 0)
		return POLICY_PREDRAW_RISK;
	return NULL;
}

int policy_predraw(const struct policy *p, const struct plans *pl, const char *agency,
		   const char *task, uint64_t request_seq, int64_t request_time_us,
		   int64_t window_us, policy_predraw_fn each, void *ctx, size_t *count)
{
	struct plans_task_info ti;
	struct filter *f;
	char why[200];
	int rc = SJ_OK;

	*count = 0;
	if (plans_task(pl, agency, task, &ti) != SJ_OK)
		return SJ_ENOENT;
	if ((f = malloc(sizeof *f)) == NULL)
		return SJ_ENOMEM;
	if (filter_parse(f, ti.filter, why, sizeof why) != SJ_OK) {
		free(f);
		return SJ_EINVAL;
	}
	/* Latest first; every change is looked at, since nothing but the
	 * seq orders entries' times for certain. */
	for (size_t i = dirs_change_count(p->dirs); i-- > 0 && rc == SJ_OK;) {
		const struct dirs_change *c = dirs_change_at(p->dirs, i);
		if (c->seq >= request_seq)
			continue;
		if (c->time_us < request_time_us - window_us || c->time_us > request_time_us)
			continue;
		const struct dirs_object *a = dirs_object_version(p->dirs, c->prev);
		const struct dirs_object *b = dirs_object_version(p->dirs, c->cur);
		if (strcmp(b->agency, agency) != 0)
			continue;
		const char *what = effect(f, a, b);
		if (what == NULL)
			continue;
		(*count)++;
		if (each != NULL) {
			struct policy_predraw_change ch = {.object = b->id, .effect = what,
							   .seq = c->seq, .time_us = c->time_us};
			rc = each(ctx, &ch);
		}
	}
	free(f);
	return rc;
}
