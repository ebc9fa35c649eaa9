/*
 * results.c: the result entries (28) of policy.h: each one step of
 * results/result.h's state machine for the result of (agency, task,
 * object), taken by the role the machine says on the entry's day in China
 * (R5, R6, R14, R16), with a due day the pinned calendars can count (R15);
 * a supervisor's re-check (R19).
 *
 * Every version of every result is kept in ledger order; a map finds the
 * current version of each (agency, task agency, task, object).
 */
#include "rules/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "rules/rules.h"

#include "proto/results.pb-c.h"

static int agency_is(const struct entry *e, const char *code)
{
	return strlen(code) == e->agency_len && memcmp(code, e->agency, e->agency_len) == 0;
}

static int parse_day(int32_t *out, const char *s)
{
	return calendar_date_parse(out, s, strlen(s));
}

static const char *result_key(char *buf, size_t cap, const char *agency,
			      const char *task_agency, const char *task, const char *object)
{
	return hmap_key(buf, cap, agency, task_agency, task, object);
}

/* What every check of one result entry reads. */
struct step {
	struct policy *p;
	const struct entry *e;
	const Suiji__CheckResult *m;
	struct plans_task_info ti;
	char *err;
	size_t err_cap;
};

#define BROKEN(s, rule, ...)                                                                   \
	policy_violation((s)->p, rule, (s)->e->seq, (s)->err, (s)->err_cap, __VA_ARGS__)

/* The result's task, its agency and its object (R5, R6, R14, R16). */
static int check_task(struct step *s, const struct plans *pl)
{
	const Suiji__CheckResult *m = s->m;
	char key[300];
	if (m->action < RESULT_ENTER || m->action > RESULT_RECHECK)
		return BROKEN(s, 16, "result action %u is not 1..8", m->action);
	if (m->action != RESULT_RECHECK && !agency_is(s->e, m->agency))
		return BROKEN(s, 16,
			      "the result of agency %s is written for agency %.*s (谁检查、谁录入)",
			      m->agency, (int)s->e->agency_len, s->e->agency);
	if (plans_task(pl, m->task_agency, m->task_id, &s->ti) != SJ_OK)
		return BROKEN(s, 5,
			      "a result for task %s of agency %s, which the ledger does not hold",
			      m->task_id, m->task_agency);
	if (strcmp(m->agency, s->ti.agency) != 0 &&
	    !rules_in_list(s->ti.members, s->ti.n_members, m->agency))
		return BROKEN(s, 16,
			      "agency %s is not an agency of task %s, so it did not check and may "
			      "not enter a result (谁检查、谁录入; R14)",
			      m->agency, m->task_id);
	if (hmap_get(&s->p->m_taskobj, hmap_key(key, sizeof key, m->task_agency, m->task_id,
						 m->object, NULL)) < 0)
		return BROKEN(s, 6, "object %s was not drawn for task %s of agency %s", m->object,
			      m->task_id, m->task_agency);
	return SJ_OK;
}

/* The machine's role for the actor's (0: the log operator). */
static int step_role(struct step *s, int role, enum result_role *out)
{
	const Suiji__CheckResult *m = s->m;
	switch (role) {
	case 0:
		if (m->action == RESULT_REVIEW || m->action == RESULT_RETURN ||
		    m->action == RESULT_RECHECK)
			return BROKEN(s, 16,
				      "a %s must be signed by the %s, not written by the log "
				      "operator",
				      result_action_name((enum result_action)m->action),
				      m->action == RESULT_RECHECK ? "justice bureau"
								  : "legal reviewer");
		*out = RESULT_ROLE_OPERATOR;
		return SJ_OK;
	case 1: *out = RESULT_ROLE_OPERATOR; return SJ_OK;
	case 2: *out = RESULT_ROLE_REVIEWER; return SJ_OK;
	case 3: *out = RESULT_ROLE_SUPERVISOR; return SJ_OK;
	default: return BROKEN(s, 16, "an auditor or administrator may not act on a result");
	}
}

/* The fields an entry or an amendment states, into r. */
static int take_fields(struct step *s, struct result *r)
{
	const Suiji__CheckResult *m = s->m;
	int32_t start;
	if (parse_day(&r->check_date, m->check_date) != SJ_OK ||
	    parse_day(&r->check_end, m->check_end) != SJ_OK)
		return BROKEN(s, 16, "check_date \"%s\" or check_end \"%s\" is not a date YYYY-MM-DD",
			      m->check_date, m->check_end);
	if (parse_day(&start, s->ti.start_date) == SJ_OK && r->check_date < start)
		return BROKEN(s, 5, "the check began on %s, before task %s started on %s",
			      m->check_date, m->task_id, s->ti.start_date);
	if (m->n_items == 0 || m->n_items > RESULT_MAX_ITEMS)
		return BROKEN(s, 16, "a result names 1..%d items checked, not %zu", RESULT_MAX_ITEMS,
			      m->n_items);
	for (size_t i = 0; i < m->n_items; i++) {
		if (!rules_in_list(s->ti.items, s->ti.n_items, m->items[i]))
			return BROKEN(s, 5, "item %s is not an item of task %s", m->items[i],
				      m->task_id);
		snprintf(r->items[i], sizeof r->items[i], "%s", m->items[i]);
	}
	r->n_items = m->n_items;
	snprintf(r->account, sizeof r->account, "%s", m->account);
	snprintf(r->handling, sizeof r->handling, "%s", m->handling);
	r->categories = 0;
	for (size_t i = 0; i < m->n_categories; i++) {
		if (m->categories[i] >= RESULT_CAT_COUNT)
			return BROKEN(s, 16, "result category %u is not a known category",
				      m->categories[i]);
		r->categories |= RESULT_CAT_BIT(m->categories[i]);
	}
	r->lab_test = m->lab_test;
	r->lab_date = RESULT_NO_DATE;
	if (m->lab_date[0] && parse_day(&r->lab_date, m->lab_date) != SJ_OK)
		return BROKEN(s, 15, "lab_date \"%s\" is not a date YYYY-MM-DD", m->lab_date);
	return SJ_OK;
}

/* The next version nv of the result whose current version is cur (-1 for
 * none): the step taken by (rrole, actor_agency, actor_id), and its due
 * day (R15). */
static int take_step(struct step *s, long cur, struct po_result *nv, enum result_role rrole,
		     const char *actor_agency, const char *actor_id)
{
	const Suiji__CheckResult *m = s->m;
	char why[400], id[RESULT_MAX_ID + 1];
	int rc;
	memset(nv, 0, sizeof *nv);
	if (cur >= 0) {
		*nv = s->p->results[cur];
		nv->first = nv->first < 0 ? cur : nv->first;
	} else {
		result_init(&nv->r);
		snprintf(nv->r.agency, sizeof nv->r.agency, "%s", m->agency);
		snprintf(nv->r.task, sizeof nv->r.task, "%s", m->task_id);
		snprintf(nv->r.object, sizeof nv->r.object, "%s", m->object);
		snprintf(nv->task_agency, sizeof nv->task_agency, "%s", m->task_agency);
		nv->first = -1;
	}
	nv->seq = s->e->seq;
	nv->recheck = m->action == RESULT_RECHECK;
	if ((m->action == RESULT_ENTER || m->action == RESULT_AMEND) &&
	    (rc = take_fields(s, &nv->r)) != SJ_OK)
		return rc;
	snprintf(id, sizeof id, "%s", actor_id);
	struct result_step st = {.action = (enum result_action)m->action,
				 .actor = {.role = rrole, .agency = actor_agency, .id = id},
				 .day = policy_day(s->e->time_us),
				 .reason = m->reason};
	if (result_apply(&nv->r, &st, why, sizeof why) != SJ_OK)
		return BROKEN(s, 16, "result of %s for %s in task %s: %s", m->agency, m->object,
			      m->task_id, why);
	policy_checked(s->p, 15);
	if ((m->action == RESULT_ENTER || m->action == RESULT_AMEND) &&
	    (!nv->r.lab_test || nv->r.lab_date != RESULT_NO_DATE)) {
		int32_t due;
		if (result_due(&due, s->p->cal, &nv->r, why, sizeof why) != SJ_OK)
			return BROKEN(s, 15,
				      "the deadline of the result for %s cannot be counted: %s",
				      m->object, why);
	}
	return SJ_OK;
}

/* Appends version nv (key: its result's) as the current one. */
static int keep(struct policy *p, const char *key, long cur, const struct po_result *nv)
{
	int rc;
	if ((rc = util_grow((void **)&p->results, &p->cresults, p->nresults,
			    sizeof *p->results)) != SJ_OK)
		return rc;
	if (cur < 0 && (rc = util_grow((void **)&p->firsts, &p->cfirsts, p->nfirsts,
				       sizeof *p->firsts)) != SJ_OK)
		return rc;
	p->results[p->nresults] = *nv;
	if ((rc = hmap_put(&p->m_result, key, p->nresults)) != SJ_OK ||
	    (nv->r.published_on != RESULT_NO_DATE &&
	     (rc = hmap_put(&p->m_published, nv->r.object, p->nresults)) != SJ_OK)) {
		p->maps_dirty = 1;
		return rc;
	}
	if (cur < 0)
		p->firsts[p->nfirsts++] = p->nresults;
	p->nresults++;
	return SJ_OK;
}

int policy_result(struct policy *p, const struct plans *pl, const struct entry *e, int role,
		  const char *actor_agency, const char *actor_id, char *err, size_t err_cap)
{
	Suiji__CheckResult *m;
	struct step s = {.p = p, .e = e, .err = err, .err_cap = err_cap};
	struct po_result nv;
	enum result_role rrole = RESULT_ROLE_OPERATOR;
	char key[300];
	long cur;
	int rc;

	pbuf_reset();
	m = suiji__check_result__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
				     : rules_fail(err, err_cap, "result payload does not decode as "
								"suiji.CheckResult");
	s.m = m;
	policy_checked(p, 16);
	if ((rc = check_task(&s, pl)) != SJ_OK || (rc = step_role(&s, role, &rrole)) != SJ_OK)
		goto out;
	result_key(key, sizeof key, m->agency, m->task_agency, m->task_id, m->object);
	cur = hmap_get(&p->m_result, key);
	if ((rc = take_step(&s, cur, &nv, rrole, actor_agency, actor_id)) != SJ_OK)
		goto out;
	if (m->action == RESULT_RECHECK)
		policy_checked(p, 19);
	/* Counted once kept, so a rollback that keeps the results keeps the
	 * count right. */
	if ((rc = keep(p, key, cur, &nv)) == SJ_OK && m->action == RESULT_RECHECK)
		p->result_rechecks++;
out:
	suiji__check_result__free_unpacked(m, NULL);
	return rc == POLICY_BROKEN ? SJ_OK : rc;
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
	long cur = hmap_get(&p->m_result, result_key(key, sizeof key, first->r.agency,
						     first->task_agency, first->r.task,
						     first->r.object));
	const struct po_result *c = &p->results[cur < 0 ? (long)p->firsts[i] : cur];
	if (task_agency)
		*task_agency = c->task_agency;
	return &c->r;
}

const struct result *policy_result_find(const struct policy *p, const char *agency,
				       const char *task_agency, const char *task, const char *object)
{
	char key[300];
	long cur = hmap_get(&p->m_result, result_key(key, sizeof key, agency, task_agency, task,
						     object));
	return cur < 0 ? NULL : &p->results[cur].r;
}
