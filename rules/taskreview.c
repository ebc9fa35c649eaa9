/*
 * taskreview.c: a task goes through legal review like a plan (plans.h).
 *
 * A task (抽查方案) fixes which businesses a draw pools: a scope that
 * selects two hand-tagged businesses at ratio 1/1 is a hand-picked
 * inspection dressed as a draw. So no task is drawn before its agency's
 * legal reviewer approved it (R5), each of its strata is drawn at least at
 * its plan's ratio for that risk class (R7), and a scope that selects fewer
 * objects than its plan's floor, or only by a free-form tag, is drawn only
 * with the reviewer's explicit approval of the narrow scope, with a reason
 * (R5, R6). Reviews are append-only: the latest one of a task counts.
 */
#include "rules/plans_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "rules/rules.h"

#include "proto/ledger.pb-c.h"

static int ratio_ok(uint32_t num, uint32_t den)
{
	return den > 0 && num > 0 && num <= den;
}

int plans_check_plan_strata(const Suiji__Plan *m, char *err, size_t err_cap)
{
	if (m->n_strata > MAX_STRATA)
		return rules_fail(err, err_cap, "R7: a plan names at most %d strata, not %zu",
				  MAX_STRATA, m->n_strata);
	for (size_t i = 0; i < m->n_strata; i++) {
		const Suiji__TaskStratum *s = m->strata[i];
		if (!plans_text_ok(s->name, MAX_TEXT) || !ratio_ok(s->ratio_num, s->ratio_den))
			return rules_fail(err, err_cap,
					  "R7: plan stratum %zu needs a name and a ratio 0 < num "
					  "<= den",
					  i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->strata[j]->name, s->name) == 0)
				return rules_fail(err, err_cap, "R7: plan stratum %s is named twice",
						  s->name);
	}
	return SJ_OK;
}

int plans_take_plan_strata(struct pl_plan *q, const Suiji__Plan *m)
{
	q->narrow_floor = m->narrow_scope_floor ? m->narrow_scope_floor : PLANS_NARROW_FLOOR;
	if (m->n_strata == 0)
		return SJ_OK;
	if ((q->strata = calloc(m->n_strata, sizeof *q->strata)) == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < m->n_strata; i++) {
		if ((q->strata[i].name = strdup(m->strata[i]->name)) == NULL)
			return SJ_ENOMEM; /* plan_clear frees what was taken */
		q->strata[i].num = m->strata[i]->ratio_num;
		q->strata[i].den = m->strata[i]->ratio_den;
		q->nstrata = i + 1;
	}
	return SJ_OK;
}

void plans_plan_strata_free(struct pl_plan *q)
{
	for (size_t i = 0; i < q->nstrata; i++)
		free((void *)q->strata[i].name);
	free(q->strata);
	q->strata = NULL;
	q->nstrata = 0;
}

int plans_check_task_ratios(const Suiji__Task *m, const struct pl_plan *q, char *err,
			    size_t err_cap)
{
	for (size_t i = 0; i < m->n_strata; i++) {
		const Suiji__TaskStratum *s = m->strata[i];
		for (size_t j = 0; j < q->nstrata; j++) {
			const struct plans_stratum *ps = &q->strata[j];
			if (strcmp(ps->name, s->name) != 0 ||
			    (uint64_t)s->ratio_num * ps->den >= (uint64_t)ps->num * s->ratio_den)
				continue;
			return rules_fail(err, err_cap,
					  "R7: task %s draws risk class %s at %u/%u, below its plan "
					  "%s's ratio %u/%u for that class",
					  m->task_id, s->name, s->ratio_num, s->ratio_den, q->id,
					  ps->num, ps->den);
		}
	}
	return SJ_OK;
}

/* The latest review of agency's task, or NULL. */
static const struct pl_review *latest_review(const struct plans *p, const char *agency,
					     const char *task)
{
	for (size_t i = p->nreviews; i-- > 0;)
		if (strcmp(p->reviews[i].agency, agency) == 0 &&
		    strcmp(p->reviews[i].task, task) == 0)
			return &p->reviews[i];
	return NULL;
}

int plans_review_task(struct plans *p, const struct entry *e, const struct plans_actor *who,
		      const Suiji__PlanStep *m, char *err, size_t err_cap)
{
	if (m->plan_id[0] || m->version)
		return rules_fail(err, err_cap,
				  "a task's legal review names no plan (plan_id empty, version 0)");
	if (who->role != SUIJI__ROLE__ROLE_LEGAL || strcmp(who->agency, m->agency) != 0)
		return rules_fail(err, err_cap,
				  "R5: only a legal reviewer of agency %s may review its task %s",
				  m->agency, m->task_id);
	if (plans_find_task(p, m->agency, m->task_id) == NULL)
		return rules_fail(err, err_cap, "R5: agency %s has no task %s to review", m->agency,
				  m->task_id);
	const struct pl_review *last = latest_review(p, m->agency, m->task_id);
	if (last != NULL && last->approved)
		return rules_fail(err, err_cap, "R5: task %s of %s has passed legal review already",
				  m->task_id, m->agency);
	if (!m->approved && !plans_text_ok(m->reason, MAX_TEXT))
		return rules_fail(err, err_cap, "R5: a task returned by legal review needs a reason");
	if (m->approve_narrow_scope && (!m->approved || !plans_text_ok(m->reason, MAX_TEXT)))
		return rules_fail(err, err_cap,
				  "R6: approving task %s's narrow scope needs an approval and a "
				  "reason saying why",
				  m->task_id);
	if (m->reason[0] && !plans_text_ok(m->reason, MAX_TEXT))
		return rules_fail(err, err_cap,
				  "the reason is too long or holds a control character");
	int rc = util_grow((void **)&p->reviews, &p->creviews, p->nreviews, sizeof *p->reviews);
	if (rc != SJ_OK)
		return rc;
	struct pl_review *r = &p->reviews[p->nreviews];
	memset(r, 0, sizeof *r);
	if ((r->reason = strdup(m->reason)) == NULL)
		return SJ_ENOMEM;
	snprintf(r->agency, sizeof r->agency, "%s", m->agency);
	snprintf(r->task, sizeof r->task, "%s", m->task_id);
	r->approved = m->approved;
	r->narrow = m->approve_narrow_scope;
	r->seq = e->seq;
	p->nreviews++;
	return SJ_OK;
}

void plans_reviews_rollback(struct plans *p, uint64_t seq)
{
	while (p->nreviews && p->reviews[p->nreviews - 1].seq >= seq)
		free(p->reviews[--p->nreviews].reason);
}

void plans_reviews_free(struct plans *p)
{
	for (size_t i = 0; i < p->nreviews; i++)
		free(p->reviews[i].reason);
	free(p->reviews);
}

int plans_task_review(const struct plans *p, const char *agency, const char *task_id,
		      struct plans_task_review *out)
{
	const struct pl_task *t = plans_find_task(p, agency, task_id);
	memset(out, 0, sizeof *out);
	if (t == NULL)
		return SJ_ENOENT;
	const struct pl_plan *q = plans_task_plan(p, t);
	out->narrow_floor = q ? q->narrow_floor : PLANS_NARROW_FLOOR;
	const struct pl_review *r = latest_review(p, agency, task_id);
	if (r != NULL) {
		out->reviewed = 1;
		out->approved = r->approved;
		out->narrow_approved = r->narrow;
		out->reason = r->reason;
		out->seq = r->seq;
	}
	return SJ_OK;
}
