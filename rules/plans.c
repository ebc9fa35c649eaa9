/*
 * plans.c: the rules for item lists, plans and tasks and the little state
 * they need (plans.h).
 *
 * Everything is an append-only array whose elements carry the seq of the
 * entry that made them; the latest item list of an agency and the latest
 * record of a plan version are found by searching backwards. A plan
 * version's state changes in place and logs its old state, so rolling back
 * replays that log backwards and then truncates the arrays by seq. Lists,
 * plans and tasks are few (an agency publishes a handful a year), so linear
 * searches are enough.
 */
#include "rules/plans_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "dir/ident.h"
#include "rules/filter.h"
#include "rules/rules.h"

#include "proto/ledger.pb-c.h"

int plans_new(struct plans **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

static void plan_clear(struct pl_plan *q)
{
	plans_plan_strata_free(q);
	free(q->items);
	free(q->filter);
	free(q->name);
}

static void task_clear(struct pl_task *t)
{
	suiji__task__free_unpacked(t->m, NULL);
	free(t->strata);
}

void plans_free(struct plans *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nlists; i++)
		free(p->lists[i].items);
	for (size_t i = 0; i < p->nplans; i++)
		plan_clear(&p->plans[i]);
	for (size_t i = 0; i < p->ntasks; i++)
		task_clear(&p->tasks[i]);
	free(p->lists);
	free(p->plans);
	free(p->tasks);
	free(p->undo);
	for (size_t i = 0; i < p->nlog; i++)
		free((void *)p->log[i].payload);
	free(p->log);
	plans_reviews_free(p);
	free(p);
}

const char *plans_state_name(int state)
{
	switch (state) {
	case PLANS_SUBMITTED: return "submitted (awaiting legal review)";
	case PLANS_RETURNED: return "returned by legal review";
	case PLANS_APPROVED: return "approved by legal review";
	case PLANS_FILED: return "filed";
	case PLANS_PUBLISHED: return "published";
	case PLANS_SUPERSEDED: return "superseded";
	}
	return "unknown";
}

int plans_text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

#define text_ok plans_text_ok

static int id_ok(const char *s)
{
	return ident_ok(s, strlen(s));
}

static int ratio_ok(uint32_t num, uint32_t den)
{
	return num > 0 && num <= den;
}

/* 1 when a/b <= c/d (all denominators non-zero). */
static int ratio_le(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (uint64_t)a * d <= (uint64_t)c * b;
}

static int entry_agency_is(const struct entry *e, const char *agency)
{
	return agency[0] != '\0' && strlen(agency) == e->agency_len &&
	       memcmp(agency, e->agency, e->agency_len) == 0;
}

/* The log operator, or an operator of agency. */
static int by_operator(const struct plans_actor *who, const char *agency)
{
	return who->role == 0 ||
	       (who->role == SUIJI__ROLE__ROLE_OPERATOR && strcmp(who->agency, agency) == 0);
}

static const struct pl_list *current_list(const struct plans *p, const char *agency)
{
	for (size_t i = p->nlists; i-- > 0;)
		if (strcmp(p->lists[i].agency, agency) == 0)
			return &p->lists[i];
	return NULL;
}

static const struct pl_item *list_item(const struct pl_list *l, const char *id)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

/* The latest record of agency's plan id (version 0: any version), or -1. */
static long find_plan(const struct plans *p, const char *agency, const char *id,
		      uint32_t version)
{
	for (size_t i = p->nplans; i-- > 0;) {
		const struct pl_plan *q = &p->plans[i];
		if (strcmp(q->agency, agency) == 0 && strcmp(q->id, id) == 0 &&
		    (version == 0 || q->version == version))
			return (long)i;
	}
	return -1;
}

int plans_state_of(const struct plans *p, const char *agency, const char *plan_id,
		   uint32_t version)
{
	long i = find_plan(p, agency, plan_id, version);
	return i < 0 || version == 0 ? 0 : p->plans[i].state;
}

/* Sets plan i's state, logging the old one for seq. */
static int set_state(struct plans *p, size_t i, int state, uint64_t seq)
{
	int rc = util_grow((void **)&p->undo, &p->cundo, p->nundo, sizeof *p->undo);
	if (rc != SJ_OK)
		return rc;
	p->undo[p->nundo].seq = seq;
	p->undo[p->nundo].plan = i;
	p->undo[p->nundo].old = p->plans[i].state;
	p->nundo++;
	p->plans[i].state = state;
	return SJ_OK;
}

/* Days in month m of year y. */
static int month_days(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* 1 when s is a valid YYYY-MM-DD date; its year into *year. */
static int date_ok(const char *s, int *year)
{
	int y, m, d;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return 0;
	*year = y;
	return 1;
}

/* One item of a list (R3): an identifier once, a body, content, method,
 * ratio within the list's cap unless it is a key item, and a frequency. */
static int check_list_item(const Suiji__ItemList *m, size_t i, char *err, size_t err_cap)
{
	const Suiji__CheckItem *it = m->items[i];
	if (!id_ok(it->id))
		return rules_fail(err, err_cap, "item %zu: id \"%s\" is not an identifier", i,
				  it->id);
	for (size_t j = 0; j < i; j++)
		if (strcmp(m->items[j]->id, it->id) == 0)
			return rules_fail(err, err_cap, "item %s appears twice in the list", it->id);
	if (it->legal_basis[0] && !text_ok(it->legal_basis, MAX_TEXT))
		return rules_fail(err, err_cap,
				  "item %s: legal_basis is too long or holds a control character",
				  it->id);
	if (!text_ok(it->body, MAX_TEXT))
		return rules_fail(err, err_cap,
				  "item %s: body (the responsible body) is missing or invalid",
				  it->id);
	if (!text_ok(it->content, MAX_TEXT))
		return rules_fail(err, err_cap, "item %s: content is missing or invalid", it->id);
	if (it->method < 1 || it->method > 3)
		return rules_fail(err, err_cap,
				  "item %s: method %u is not 1 on-site, 2 documentary or 3 online",
				  it->id, it->method);
	if (!ratio_ok(it->ratio_num, it->ratio_den))
		return rules_fail(err, err_cap, "item %s: ratio %u/%u is not a ratio 0 < num <= den",
				  it->id, it->ratio_num, it->ratio_den);
	if (!text_ok(it->frequency, MAX_TEXT))
		return rules_fail(err, err_cap, "item %s: frequency is missing or invalid", it->id);
	if (!it->key && !ratio_le(it->ratio_num, it->ratio_den, m->general_ratio_cap_num,
				  m->general_ratio_cap_den))
		return rules_fail(err, err_cap,
				  "general item %s: ratio %u/%u exceeds the agency's cap %u/%u (R3)",
				  it->id, it->ratio_num, it->ratio_den, m->general_ratio_cap_num,
				  m->general_ratio_cap_den);
	return SJ_OK;
}

/* An item list's agency, author, version (one more than the current) and
 * cap, then each item. */
static int check_list(const struct plans *p, const struct entry *e,
		      const struct plans_actor *who, const Suiji__ItemList *m, char *err,
		      size_t err_cap)
{
	const struct pl_list *cur;
	if (!entry_agency_is(e, m->agency))
		return rules_fail(err, err_cap,
				  "the item list's agency \"%s\" is not the entry's agency \"%.*s\"",
				  m->agency, (int)e->agency_len, e->agency);
	if (!who->agency_known(who->ctx, m->agency))
		return rules_fail(err, err_cap, "item list published for unknown agency \"%s\"",
				  m->agency);
	if (!by_operator(who, m->agency))
		return rules_fail(err, err_cap,
				  "only the log operator or an operator of agency %s may publish "
				  "its item list",
				  m->agency);
	cur = current_list(p, m->agency);
	if (m->version != (cur ? cur->version + 1 : 1))
		return rules_fail(err, err_cap, "item list version %u of agency %s must be %u",
				  m->version, m->agency, cur ? cur->version + 1 : 1);
	if (!ratio_ok(m->general_ratio_cap_num, m->general_ratio_cap_den))
		return rules_fail(err, err_cap,
				  "the general-item ratio cap %u/%u is not a ratio 0 < num <= den",
				  m->general_ratio_cap_num, m->general_ratio_cap_den);
	if (m->n_items == 0 || m->n_items > MAX_LIST_ITEMS)
		return rules_fail(err, err_cap, "an item list holds 1..%d items, not %zu",
				  MAX_LIST_ITEMS, m->n_items);
	for (size_t i = 0; i < m->n_items; i++) {
		int rc = check_list_item(m, i, err, err_cap);
		if (rc != SJ_OK)
			return rc;
	}
	return SJ_OK;
}

/* Appends the list m states as the agency's current one. */
static int add_list(struct plans *p, const struct entry *e, const Suiji__ItemList *m)
{
	struct pl_list l = {0};
	int rc = util_grow((void **)&p->lists, &p->clists, p->nlists, sizeof *p->lists);
	if (rc != SJ_OK)
		return rc;
	l.items = calloc(m->n_items, sizeof *l.items);
	if (l.items == NULL)
		return SJ_ENOMEM;
	snprintf(l.agency, sizeof l.agency, "%s", m->agency);
	l.version = m->version;
	l.cap_num = m->general_ratio_cap_num;
	l.cap_den = m->general_ratio_cap_den;
	l.n = m->n_items;
	l.seq = e->seq;
	for (size_t i = 0; i < m->n_items; i++) {
		snprintf(l.items[i].id, sizeof l.items[i].id, "%s", m->items[i]->id);
		l.items[i].basis = m->items[i]->legal_basis[0] != '\0';
		l.items[i].key = m->items[i]->key;
	}
	p->lists[p->nlists++] = l;
	return SJ_OK;
}

static int item_list(struct plans *p, const struct entry *e, const struct plans_actor *who,
		     char *err, size_t err_cap)
{
	Suiji__ItemList *m;
	int rc;

	pbuf_reset();
	m = suiji__item_list__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
				     : rules_fail(err, err_cap, "item-list payload does not decode "
								"as suiji.ItemList");
	if ((rc = check_list(p, e, who, m, err, err_cap)) == SJ_OK)
		rc = add_list(p, e, m);
	suiji__item_list__free_unpacked(m, NULL);
	return rc;
}

/* A plan's own fields and its scope filter, parsed into flt (R4). */
static int check_plan_fields(const struct entry *e, const struct plans_actor *who,
			     const Suiji__Plan *m, struct filter *flt, char *err, size_t err_cap)
{
	char why[300];
	if (!entry_agency_is(e, m->agency))
		return rules_fail(err, err_cap,
				  "the plan's agency \"%s\" is not the entry's agency \"%.*s\"",
				  m->agency, (int)e->agency_len, e->agency);
	if (!who->agency_known(who->ctx, m->agency))
		return rules_fail(err, err_cap, "plan submitted for unknown agency \"%s\"",
				  m->agency);
	if (!by_operator(who, m->agency))
		return rules_fail(err, err_cap,
				  "only the log operator or an operator of agency %s may submit "
				  "its plan",
				  m->agency);
	if (!id_ok(m->plan_id))
		return rules_fail(err, err_cap, "plan id \"%s\" is not an identifier", m->plan_id);
	if (m->year < 2000 || m->year > 2100)
		return rules_fail(err, err_cap, "plan %s: year %u is not 2000..2100", m->plan_id,
				  m->year);
	if (!text_ok(m->scope, MAX_TEXT))
		return rules_fail(err, err_cap, "plan %s: scope is missing or invalid", m->plan_id);
	if (!text_ok(m->scope_filter, MAX_FILTER))
		return rules_fail(err, err_cap, "plan %s: scope_filter is missing or invalid",
				  m->plan_id);
	if (filter_parse(flt, m->scope_filter, why, sizeof why) != SJ_OK)
		return rules_fail(err, err_cap, "plan %s: R4: %s", m->plan_id, why);
	if (m->name[0] && !text_ok(m->name, MAX_TEXT))
		return rules_fail(err, err_cap, "plan %s: name is invalid", m->plan_id);
	if (!text_ok(m->timing, MAX_TEXT))
		return rules_fail(err, err_cap, "plan %s: timing is missing or invalid", m->plan_id);
	return SJ_OK;
}

/* A first version, a resubmission of a returned one, or an adjustment of
 * the published one, for the same year (R4). */
static int check_plan_version(const struct plans *p, const Suiji__Plan *m, char *err,
			      size_t err_cap)
{
	long last = find_plan(p, m->agency, m->plan_id, 0);
	if (last < 0) {
		if (m->version != 1)
			return rules_fail(err, err_cap,
					  "plan %s of agency %s does not exist: its first version "
					  "is 1, not %u",
					  m->plan_id, m->agency, m->version);
		return SJ_OK;
	}
	const struct pl_plan *lp = &p->plans[last];
	if (m->year != lp->year)
		return rules_fail(err, err_cap, "plan %s is for year %u, not %u", m->plan_id,
				  lp->year, m->year);
	if (m->version == lp->version) {
		if (lp->state != PLANS_RETURNED)
			return rules_fail(err, err_cap,
					  "plan %s version %u is %s; only a returned version may "
					  "be resubmitted",
					  m->plan_id, m->version, plans_state_name(lp->state));
	} else if (m->version == lp->version + 1) {
		if (lp->state != PLANS_PUBLISHED)
			return rules_fail(err, err_cap,
					  "plan %s version %u is %s; an adjustment (version %u) "
					  "needs it published",
					  m->plan_id, lp->version, plans_state_name(lp->state),
					  m->version);
	} else {
		return rules_fail(err, err_cap, "plan %s version %u: the latest version is %u",
				  m->plan_id, m->version, lp->version);
	}
	return SJ_OK;
}

/* Each item of the plan: once, in the current item list, with a legal
 * basis (R5), a ratio within the list's cap (R3) and a frequency. */
static int check_plan_items(const struct plans *p, const Suiji__Plan *m, char *err,
			    size_t err_cap)
{
	const struct pl_list *l = current_list(p, m->agency);
	if (l == NULL)
		return rules_fail(err, err_cap,
				  "agency %s has published no item list for the plan to use",
				  m->agency);
	if (m->n_items == 0 || m->n_items > MAX_PLAN_ITEMS)
		return rules_fail(err, err_cap, "a plan uses 1..%d items, not %zu", MAX_PLAN_ITEMS,
				  m->n_items);
	for (size_t i = 0; i < m->n_items; i++) {
		const Suiji__PlanItem *it = m->items[i];
		const struct pl_item *li = list_item(l, it->item_id);
		if (li == NULL)
			return rules_fail(err, err_cap,
					  "plan %s: item \"%s\" is not in agency %s's item list "
					  "version %u",
					  m->plan_id, it->item_id, m->agency, l->version);
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->items[j]->item_id, it->item_id) == 0)
				return rules_fail(err, err_cap, "plan %s: item %s appears twice",
						  m->plan_id, it->item_id);
		if (!li->basis)
			return rules_fail(err, err_cap,
					  "plan %s: item %s has no legal basis and cannot be used "
					  "(R5)",
					  m->plan_id, it->item_id);
		if (!ratio_ok(it->ratio_num, it->ratio_den))
			return rules_fail(err, err_cap,
					  "plan %s: item %s: ratio %u/%u is not a ratio 0 < num <= "
					  "den",
					  m->plan_id, it->item_id, it->ratio_num, it->ratio_den);
		if (!li->key && !ratio_le(it->ratio_num, it->ratio_den, l->cap_num, l->cap_den))
			return rules_fail(err, err_cap,
					  "plan %s: general item %s: ratio %u/%u exceeds the cap "
					  "%u/%u (R3)",
					  m->plan_id, it->item_id, it->ratio_num, it->ratio_den,
					  l->cap_num, l->cap_den);
		if (!text_ok(it->frequency, MAX_TEXT))
			return rules_fail(err, err_cap,
					  "plan %s: item %s: frequency is missing or invalid",
					  m->plan_id, it->item_id);
	}
	return SJ_OK;
}

/* Appends the plan version m states, submitted. */
static int add_plan(struct plans *p, const struct entry *e, const Suiji__Plan *m)
{
	struct pl_plan q = {0};
	int rc = util_grow((void **)&p->plans, &p->cplans, p->nplans, sizeof *p->plans);
	if (rc != SJ_OK)
		return rc;
	q.items = calloc(m->n_items, sizeof *q.items);
	q.filter = strdup(m->scope_filter);
	q.name = strdup(m->name[0] ? m->name : m->plan_id);
	if (q.items == NULL || q.filter == NULL || q.name == NULL) {
		plan_clear(&q);
		return SJ_ENOMEM;
	}
	snprintf(q.agency, sizeof q.agency, "%s", m->agency);
	snprintf(q.id, sizeof q.id, "%s", m->plan_id);
	q.year = m->year;
	q.version = m->version;
	q.n = m->n_items;
	q.state = PLANS_SUBMITTED;
	q.seq = e->seq;
	for (size_t i = 0; i < m->n_items; i++)
		snprintf(q.items[i], sizeof q.items[i], "%s", m->items[i]->item_id);
	if ((rc = plans_take_plan_strata(&q, m)) != SJ_OK) {
		plan_clear(&q);
		return rc;
	}
	p->plans[p->nplans++] = q;
	return SJ_OK;
}

static int plan(struct plans *p, const struct entry *e, const struct plans_actor *who, char *err,
		size_t err_cap)
{
	Suiji__Plan *m;
	struct filter *flt = malloc(sizeof *flt);
	int rc;

	if (flt == NULL)
		return SJ_ENOMEM;
	pbuf_reset();
	m = suiji__plan__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		rc = pbuf_failed() ? SJ_ENOMEM
				   : rules_fail(err, err_cap,
						"plan payload does not decode as suiji.Plan");
	else if ((rc = check_plan_fields(e, who, m, flt, err, err_cap)) == SJ_OK &&
		 (rc = check_plan_version(p, m, err, err_cap)) == SJ_OK &&
		 (rc = check_plan_items(p, m, err, err_cap)) == SJ_OK &&
		 (rc = plans_check_plan_strata(m, err, err_cap)) == SJ_OK)
		rc = add_plan(p, e, m);
	free(flt);
	suiji__plan__free_unpacked(m, NULL);
	return rc;
}


/* Who may take a step of a plan: a legal reviewer of its agency reviews,
 * a supervisor files, the log operator or an operator of the agency (of
 * the entry's agency) publishes. */
static int check_step_role(const struct entry *e, const struct plans_actor *who,
			   const Suiji__PlanStep *m, char *err, size_t err_cap)
{
	switch (e->type) {
	case ENTRY_PLAN_REVIEW:
		if (who->role != SUIJI__ROLE__ROLE_LEGAL || strcmp(who->agency, m->agency) != 0)
			return rules_fail(err, err_cap,
					  "only a legal reviewer of agency %s may review its plan",
					  m->agency);
		return SJ_OK;
	case ENTRY_PLAN_FILE:
		if (who->role != SUIJI__ROLE__ROLE_SUPERVISOR)
			return rules_fail(err, err_cap,
					  "only a supervisor (the justice bureau) may file a plan");
		return SJ_OK;
	default:
		if (!by_operator(who, m->agency) || !entry_agency_is(e, m->agency))
			return rules_fail(err, err_cap,
					  "only the log operator or an operator of agency %s may "
					  "publish its plan",
					  m->agency);
		return SJ_OK;
	}
}

/* The step's plan version: the latest, in the state the step needs, and a
 * reason where one is needed; *index is set to it. */
static int check_step(const struct plans *p, const struct entry *e, const Suiji__PlanStep *m,
		      const char *step, long *index, char *err, size_t err_cap)
{
	int need = e->type == ENTRY_PLAN_REVIEW ? PLANS_SUBMITTED
		   : e->type == ENTRY_PLAN_FILE ? PLANS_APPROVED
						: PLANS_FILED;
	long i = find_plan(p, m->agency, m->plan_id, m->version);
	if (i < 0)
		return rules_fail(err, err_cap, "agency %s has no plan %s version %u", m->agency,
				  m->plan_id, m->version);
	if (find_plan(p, m->agency, m->plan_id, 0) != i)
		return rules_fail(err, err_cap, "plan %s version %u is not the plan's latest version",
				  m->plan_id, m->version);
	if (p->plans[i].state != need)
		return rules_fail(err, err_cap, "plan %s version %u is %s; %s needs it %s",
				  m->plan_id, m->version, plans_state_name(p->plans[i].state), step,
				  plans_state_name(need));
	if (e->type == ENTRY_PLAN_REVIEW && !m->approved && !text_ok(m->reason, MAX_TEXT))
		return rules_fail(err, err_cap, "a plan returned by legal review needs a reason");
	if (m->reason[0] && !text_ok(m->reason, MAX_TEXT))
		return rules_fail(err, err_cap,
				  "the reason is too long or holds a control character");
	*index = i;
	return SJ_OK;
}

/* Takes the step on plan version i. Only an allocation can fail, and the
 * caller then undoes this entry (the latest), which restores the state. */
static int take_step(struct plans *p, const struct entry *e, const Suiji__PlanStep *m, size_t i)
{
	int rc;
	if (e->type == ENTRY_PLAN_FILE)
		return set_state(p, i, PLANS_FILED, e->seq);
	if (e->type == ENTRY_PLAN_REVIEW)
		return set_state(p, i, m->approved ? PLANS_APPROVED : PLANS_RETURNED, e->seq);
	/* Publishing supersedes the version published before. */
	for (size_t j = 0; j < p->nplans; j++) {
		const struct pl_plan *o = &p->plans[j];
		if (o->state == PLANS_PUBLISHED && strcmp(o->agency, p->plans[i].agency) == 0 &&
		    strcmp(o->id, p->plans[i].id) == 0 &&
		    (rc = set_state(p, j, PLANS_SUPERSEDED, e->seq)) != SJ_OK)
			return rc;
	}
	return set_state(p, i, PLANS_PUBLISHED, e->seq);
}

static int plan_step(struct plans *p, const struct entry *e, const struct plans_actor *who,
		     char *err, size_t err_cap)
{
	const char *step = e->type == ENTRY_PLAN_REVIEW ? "legal review"
			   : e->type == ENTRY_PLAN_FILE ? "filing"
							: "publication";
	Suiji__PlanStep *m;
	long i = -1;
	int rc;

	pbuf_reset();
	m = suiji__plan_step__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
				     : rules_fail(err, err_cap, "plan-step payload does not decode "
								"as suiji.PlanStep");
	if (!who->agency_known(who->ctx, m->agency))
		rc = rules_fail(err, err_cap, "%s of a plan of unknown agency \"%s\"", step,
				m->agency);
	else if (m->task_id[0] || m->approve_narrow_scope)
		rc = e->type == ENTRY_PLAN_REVIEW
			     ? plans_review_task(p, e, who, m, err, err_cap)
			     : rules_fail(err, err_cap, "only a legal review may name a task");
	else if ((rc = check_step_role(e, who, m, err, err_cap)) == SJ_OK &&
		 (rc = check_step(p, e, m, step, &i, err, err_cap)) == SJ_OK &&
		 (rc = take_step(p, e, m, (size_t)i)) != SJ_OK)
		plans_rollback(p, e->seq);
	suiji__plan_step__free_unpacked(m, NULL);
	return rc;
}

/* A task's agency, id, plan version (published, R5) and scope filter,
 * which must narrow the plan's (R4, R5); *plan is set to the version. */
static int check_task_head(const struct plans *p, const struct entry *e,
			   const struct plans_actor *who, const Suiji__Task *m,
			   const struct pl_plan **plan, char *err, size_t err_cap)
{
	if (!entry_agency_is(e, m->agency))
		return rules_fail(err, err_cap,
				  "the task's agency \"%s\" is not the entry's agency \"%.*s\"",
				  m->agency, (int)e->agency_len, e->agency);
	if (!who->agency_known(who->ctx, m->agency))
		return rules_fail(err, err_cap, "task created for unknown agency \"%s\"",
				  m->agency);
	if (!by_operator(who, m->agency))
		return rules_fail(err, err_cap,
				  "only the log operator or an operator of agency %s may create "
				  "its task",
				  m->agency);
	if (!id_ok(m->task_id))
		return rules_fail(err, err_cap, "task id \"%s\" is not an identifier", m->task_id);
	for (size_t j = 0; j < p->ntasks; j++)
		if (strcmp(p->tasks[j].agency, m->agency) == 0 &&
		    strcmp(p->tasks[j].id, m->task_id) == 0)
			return rules_fail(err, err_cap, "agency %s has a task %s already", m->agency,
					  m->task_id);
	long i = find_plan(p, m->agency, m->plan_id, m->plan_version);
	if (i < 0)
		return rules_fail(err, err_cap, "task %s: agency %s has no plan %s version %u",
				  m->task_id, m->agency, m->plan_id, m->plan_version);
	*plan = &p->plans[i];
	if ((*plan)->state != PLANS_PUBLISHED)
		return rules_fail(err, err_cap,
				  "task %s: plan %s version %u is %s; a task needs the latest "
				  "published version (R5)",
				  m->task_id, m->plan_id, m->plan_version,
				  plans_state_name((*plan)->state));
	if (!text_ok(m->scope_filter, MAX_FILTER))
		return rules_fail(err, err_cap, "task %s: scope_filter is missing or invalid",
				  m->task_id);
	return SJ_OK;
}

/* The task's filter parses and narrows its plan's (R5). */
static int check_task_filter(const Suiji__Task *m, const struct pl_plan *q, char *err,
			     size_t err_cap)
{
	struct filter *flt = malloc(2 * sizeof *flt), *pflt = flt ? flt + 1 : NULL;
	char why[300];
	int rc = SJ_OK;
	if (flt == NULL)
		return SJ_ENOMEM;
	if (filter_parse(flt, m->scope_filter, why, sizeof why) != SJ_OK)
		rc = rules_fail(err, err_cap, "task %s: R5: %s", m->task_id, why);
	else if (filter_parse(pflt, q->filter, why, sizeof why) != SJ_OK ||
		 !filter_narrows(flt, pflt, why, sizeof why))
		rc = rules_fail(err, err_cap,
				"task %s: R5: its object scope is not within plan %s's (\"%s\"): %s",
				m->task_id, m->plan_id, q->filter, why);
	free(flt);
	return rc;
}

/* The name, rounding (R7) and items of a task: each once and each in the
 * plan version. */
static int check_task_items(const Suiji__Task *m, const struct pl_plan *q, char *err,
			    size_t err_cap)
{
	if (m->name[0] && !text_ok(m->name, MAX_TEXT))
		return rules_fail(err, err_cap, "task %s: name is invalid", m->task_id);
	if (m->rounding[0] && strcmp(m->rounding, "ceil") != 0 && strcmp(m->rounding, "floor") != 0 &&
	    strcmp(m->rounding, "half-up") != 0)
		return rules_fail(err, err_cap,
				  "task %s: rounding \"%s\" is not ceil, floor or half-up (R7)",
				  m->task_id, m->rounding);
	if (m->n_item_ids == 0 || m->n_item_ids > MAX_PLAN_ITEMS)
		return rules_fail(err, err_cap, "task %s: a task uses 1..%d items, not %zu",
				  m->task_id, MAX_PLAN_ITEMS, m->n_item_ids);
	for (size_t j = 0; j < m->n_item_ids; j++) {
		size_t k;
		for (k = 0; k < q->n; k++)
			if (strcmp(q->items[k], m->item_ids[j]) == 0)
				break;
		if (k == q->n)
			return rules_fail(err, err_cap,
					  "task %s: item \"%s\" is not in plan %s version %u",
					  m->task_id, m->item_ids[j], m->plan_id, m->plan_version);
		for (k = 0; k < j; k++)
			if (strcmp(m->item_ids[k], m->item_ids[j]) == 0)
				return rules_fail(err, err_cap, "task %s: item %s appears twice",
						  m->task_id, m->item_ids[j]);
	}
	return SJ_OK;
}

/* The strata (R7), team (R11) and dates (in the plan year) of a task. */
static int check_task_shape(const Suiji__Task *m, const struct pl_plan *q, char *err,
			    size_t err_cap)
{
	int ys, ye;
	if (m->n_strata == 0 || m->n_strata > MAX_STRATA)
		return rules_fail(err, err_cap, "task %s: a task has 1..%d strata, not %zu",
				  m->task_id, MAX_STRATA, m->n_strata);
	for (size_t j = 0; j < m->n_strata; j++) {
		const Suiji__TaskStratum *s = m->strata[j];
		if (!text_ok(s->name, MAX_TEXT))
			return rules_fail(err, err_cap, "task %s: stratum %zu has no valid name",
					  m->task_id, j);
		if (!ratio_ok(s->ratio_num, s->ratio_den))
			return rules_fail(err, err_cap,
					  "task %s: stratum %s: ratio %u/%u is not a ratio 0 < num "
					  "<= den",
					  m->task_id, s->name, s->ratio_num, s->ratio_den);
	}
	if (m->team_size < 2)
		return rules_fail(err, err_cap, "task %s: team_size %u is below 2 (R11)",
				  m->task_id, m->team_size);
	if (!date_ok(m->start_date, &ys) || !date_ok(m->end_date, &ye))
		return rules_fail(err, err_cap,
				  "task %s: start_date \"%s\" or end_date \"%s\" is not a date "
				  "YYYY-MM-DD",
				  m->task_id, m->start_date, m->end_date);
	if (strcmp(m->start_date, m->end_date) > 0)
		return rules_fail(err, err_cap, "task %s: start_date %s is after end_date %s",
				  m->task_id, m->start_date, m->end_date);
	if ((uint32_t)ys != q->year || (uint32_t)ye != q->year)
		return rules_fail(err, err_cap, "task %s: dates %s..%s are not within plan year %u",
				  m->task_id, m->start_date, m->end_date, q->year);
	return SJ_OK;
}

/* A joint task's member agencies (R14), then unique stratum names (R7). */
static int check_task_members(const struct plans_actor *who, const Suiji__Task *m, char *err,
			      size_t err_cap)
{
	if (!m->joint && m->n_members)
		return rules_fail(err, err_cap, "task %s: only a joint task has member agencies",
				  m->task_id);
	if (m->joint && (m->n_members == 0 || m->n_members > MAX_MEMBERS))
		return rules_fail(err, err_cap,
				  "task %s: a joint task names 1..%d member agencies, not %zu",
				  m->task_id, MAX_MEMBERS, m->n_members);
	for (size_t j = 0; j < m->n_members; j++) {
		if (!who->agency_known(who->ctx, m->members[j]))
			return rules_fail(err, err_cap,
					  "task %s: member agency \"%s\" is not registered",
					  m->task_id, m->members[j]);
		if (strcmp(m->members[j], m->agency) == 0)
			return rules_fail(err, err_cap,
					  "task %s: agency %s cannot be its own joint member",
					  m->task_id, m->agency);
		for (size_t k = 0; k < j; k++)
			if (strcmp(m->members[k], m->members[j]) == 0)
				return rules_fail(err, err_cap,
						  "task %s: member agency %s appears twice",
						  m->task_id, m->members[j]);
	}
	for (size_t j = 0; j < m->n_strata; j++)
		for (size_t k = 0; k < j; k++)
			if (strcmp(m->strata[k]->name, m->strata[j]->name) == 0)
				return rules_fail(err, err_cap,
						  "task %s: stratum %s appears twice (R7)",
						  m->task_id, m->strata[j]->name);
	return SJ_OK;
}

/* Appends the task; on success it keeps *m (its strings are the task
 * info's) and sets *m to NULL. */
static int add_task(struct plans *p, const struct entry *e, Suiji__Task **mp,
		    const struct pl_plan *q)
{
	Suiji__Task *m = *mp;
	int rc = util_grow((void **)&p->tasks, &p->ctasks, p->ntasks, sizeof *p->tasks);
	if (rc != SJ_OK)
		return rc;
	struct pl_task *t = &p->tasks[p->ntasks];
	const struct pl_list *l = current_list(p, m->agency);
	memset(t, 0, sizeof *t);
	t->strata = calloc(m->n_strata, sizeof *t->strata);
	if (t->strata == NULL)
		return SJ_ENOMEM;
	for (size_t j = 0; j < m->n_strata; j++) {
		t->strata[j].name = m->strata[j]->name;
		t->strata[j].num = m->strata[j]->ratio_num;
		t->strata[j].den = m->strata[j]->ratio_den;
	}
	for (size_t j = 0; l && j < m->n_item_ids; j++)
		for (size_t k = 0; k < l->n; k++)
			if (strcmp(l->items[k].id, m->item_ids[j]) == 0 && l->items[k].key)
				t->key = 1;
	snprintf(t->agency, sizeof t->agency, "%s", m->agency);
	snprintf(t->id, sizeof t->id, "%s", m->task_id);
	snprintf(t->plan_name, sizeof t->plan_name, "%s", q->name);
	t->year = q->year;
	t->seq = e->seq;
	t->m = m; /* kept: the strings of plans_task_info point into it */
	*mp = NULL;
	p->ntasks++;
	return SJ_OK;
}

static int task(struct plans *p, const struct entry *e, const struct plans_actor *who, char *err,
		size_t err_cap)
{
	const struct pl_plan *q = NULL;
	Suiji__Task *m;
	int rc;

	pbuf_reset();
	m = suiji__task__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
				     : rules_fail(err, err_cap,
						  "task payload does not decode as suiji.Task");
	if ((rc = check_task_head(p, e, who, m, &q, err, err_cap)) == SJ_OK &&
	    (rc = check_task_filter(m, q, err, err_cap)) == SJ_OK &&
	    (rc = check_task_items(m, q, err, err_cap)) == SJ_OK &&
	    (rc = check_task_shape(m, q, err, err_cap)) == SJ_OK &&
	    (rc = plans_check_task_ratios(m, q, err, err_cap)) == SJ_OK &&
	    (rc = check_task_members(who, m, err, err_cap)) == SJ_OK)
		rc = add_task(p, e, &m, q);
	suiji__task__free_unpacked(m, NULL);
	return rc;
}

static int apply(struct plans *p, const struct entry *e, const struct plans_actor *who, char *err,
		 size_t err_cap)
{
	switch (e->type) {
	case ENTRY_ITEM_LIST: return item_list(p, e, who, err, err_cap);
	case ENTRY_PLAN: return plan(p, e, who, err, err_cap);
	case ENTRY_PLAN_REVIEW:
	case ENTRY_PLAN_FILE:
	case ENTRY_PLAN_PUBLISH: return plan_step(p, e, who, err, err_cap);
	case ENTRY_TASK: return task(p, e, who, err, err_cap);
	}
	snprintf(err, err_cap, "entry type %u is not an item list, plan or task", e->type);
	return SJ_EVERIFY;
}

int plans_apply(struct plans *p, const struct entry *e, const struct plans_actor *who, char *err,
		size_t err_cap)
{
	/* Room first, so an accepted entry is always recorded. */
	int rc = util_grow((void **)&p->log, &p->clog, p->nlog, sizeof *p->log);
	if (rc != SJ_OK)
		return rc;
	uint8_t *copy = malloc(e->payload_len ? e->payload_len : 1);
	if (copy == NULL)
		return SJ_ENOMEM;
	if ((rc = apply(p, e, who, err, err_cap)) != SJ_OK) {
		free(copy);
		return rc;
	}
	memcpy(copy, e->payload, e->payload_len);
	p->log[p->nlog++] = (struct plans_entry){.type = e->type, .seq = e->seq,
						 .time_us = e->time_us, .payload = copy,
						 .len = e->payload_len};
	return SJ_OK;
}

size_t plans_entry_count(const struct plans *p)
{
	return p->nlog;
}

const struct plans_entry *plans_entry_at(const struct plans *p, size_t i)
{
	return &p->log[i];
}

void plans_rollback(struct plans *p, uint64_t seq)
{
	while (p->nundo && p->undo[p->nundo - 1].seq >= seq) {
		const struct pl_undo *u = &p->undo[--p->nundo];
		p->plans[u->plan].state = u->old;
	}
	while (p->nlists && p->lists[p->nlists - 1].seq >= seq)
		free(p->lists[--p->nlists].items);
	while (p->nplans && p->plans[p->nplans - 1].seq >= seq)
		plan_clear(&p->plans[--p->nplans]);
	while (p->ntasks && p->tasks[p->ntasks - 1].seq >= seq)
		task_clear(&p->tasks[--p->ntasks]);
	while (p->nlog && p->log[p->nlog - 1].seq >= seq)
		free((void *)p->log[--p->nlog].payload);
	plans_reviews_rollback(p, seq);
}

void plans_settle(struct plans *p)
{
	p->nundo = 0;
}

static void task_info(const struct pl_task *t, struct plans_task_info *out)
{
	const Suiji__Task *m = t->m;
	out->agency = t->agency;
	out->id = t->id;
	out->name = m->name[0] ? m->name : t->id;
	out->plan_id = m->plan_id;
	out->plan_name = t->plan_name;
	out->plan_version = m->plan_version;
	out->year = t->year;
	out->filter = m->scope_filter;
	out->rounding = m->rounding[0] ? m->rounding : "ceil";
	out->strata = t->strata;
	out->n_strata = m->n_strata;
	out->team_size = m->team_size;
	out->start_date = m->start_date;
	out->end_date = m->end_date;
	out->targeted = m->targeted;
	out->joint = m->joint;
	out->key = t->key;
	out->items = (const char *const *)m->item_ids;
	out->n_items = m->n_item_ids;
	out->members = (const char *const *)m->members;
	out->n_members = m->n_members;
	out->seq = t->seq;
}

int plans_task(const struct plans *p, const char *agency, const char *task_id,
	       struct plans_task_info *out)
{
	for (size_t i = 0; i < p->ntasks; i++)
		if (strcmp(p->tasks[i].agency, agency) == 0 && strcmp(p->tasks[i].id, task_id) == 0) {
			task_info(&p->tasks[i], out);
			return SJ_OK;
		}
	return SJ_ENOENT;
}

size_t plans_task_count(const struct plans *p)
{
	return p->ntasks;
}

void plans_task_at(const struct plans *p, size_t i, struct plans_task_info *out)
{
	task_info(&p->tasks[i], out);
}

const struct pl_task *plans_find_task(const struct plans *p, const char *agency,
				      const char *task_id)
{
	for (size_t i = 0; i < p->ntasks; i++)
		if (strcmp(p->tasks[i].agency, agency) == 0 && strcmp(p->tasks[i].id, task_id) == 0)
			return &p->tasks[i];
	return NULL;
}

const struct pl_plan *plans_task_plan(const struct plans *p, const struct pl_task *t)
{
	long i = find_plan(p, t->agency, t->m->plan_id, t->m->plan_version);
	return i < 0 ? NULL : &p->plans[i];
}
