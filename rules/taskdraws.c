/*
 * taskdraws.c: whether a draw request keeps to its task (policy.h: R5-R14):
 * one regular draw per task, only after its legal review, a redraw only of
 * an abandoned commitment, a substitution only as derived from the revealed
 * draw it replaces (R6); re-check draws derived from the published results
 * (R19); and what a revealed tied draw records: its public summary (R17)
 * and one check of each drawn object (R9).
 *
 * Each check below returns SJ_OK when its rules hold, else what
 * policy_violation returned (SJ_EVERIFY, or POLICY_BROKEN in audit mode),
 * and the first broken rule ends the request's checks.
 */
#include "rules/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "results/calendar.h"
#include "rules/facts.h"
#include "rules/filter.h"
#include "rules/rules.h"

/* What every check of one request reads. */
struct request {
	struct policy *p;
	const struct entry *e;
	const struct draw_spec *sp;
	const struct policy_expect *x;
	const char *agency;
	char *err;
	size_t err_cap;
};

#define BROKEN(q, rule, ...)                                                                   \
	policy_violation((q)->p, rule, (q)->e->seq, (q)->err, (q)->err_cap, __VA_ARGS__)

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

/* R6, R7, R10: the object pool is the task's scope, stratified. */
static int check_objects(const struct request *q, const struct draw_objects *objects)
{
	const struct policy_expect *x = q->x;
	size_t cur = 0, idlen, off, i = 0;
	const char *id;
	unsigned st;
	policy_checked(q->p, 6);
	policy_checked(q->p, 7);
	while (draw_objects_next(objects, &cur, &id, &idlen, &st, &off)) {
		char buf[DRAW_MAX_ID + 1];
		snprintf(buf, sizeof buf, "%.*s", (int)idlen, id);
		if (i < x->n_objects && strcmp(x->objects[i].id, buf) < 0)
			return BROKEN(q, 6,
				      "object %s of task %s's scope is missing from the pool (no "
				      "object may be left out of a draw)",
				      x->objects[i].id, q->sp->task);
		if (i == x->n_objects || strcmp(x->objects[i].id, buf) != 0)
			return BROKEN(q, 6,
				      "pooled object %s is not in task %s's scope of agency %s's "
				      "directory",
				      buf, q->sp->task, q->agency);
		const char *sn = draw_objects_stratum(objects, st);
		if (strcmp(sn, x->objects[i].stratum) != 0)
			return BROKEN(q,
				      strcmp(x->objects[i].stratum, POLICY_KEY_STRATUM) == 0 ? 10
											: 7,
				      "object %s is in stratum %s; the directory puts it in %s", buf,
				      sn, x->objects[i].stratum);
		i++;
	}
	if (i < x->n_objects)
		return BROKEN(q, 6,
			      "object %s of task %s's scope is missing from the pool (no object "
			      "may be left out of a draw)",
			      x->objects[i].id, q->sp->task);
	return SJ_OK;
}

/* An exclusion the ledger requires that the draw left out. */
static int missing_exclusion(const struct request *q, const struct draw_exclusion *w)
{
	return BROKEN(q,
		      w->reason == DRAW_REASON_DEREGISTERED || w->reason == DRAW_REASON_ALREADY_DRAWN
			      ? 6
			      : 9,
		      "object %s must be excluded (%s: %s) but is not", w->id,
		      draw_reason_name(w->reason), w->note);
}

/* R10: an object left out as handled names, in the exclusion's note, a
 * lead entry (rules/facts.h) of the draw's agency about that object that
 * precedes the request (the state holds no later one) and that no draw
 * used before. */
static int check_handled(const struct request *q, const struct draw_exclusion *ex)
{
	uint64_t n = facts_lead_named(ex->note);
	const struct facts_lead *l = n && q->p->facts ? facts_lead_at(q->p->facts, n) : NULL;
	policy_checked(q->p, 10);
	if (l == NULL)
		return BROKEN(q, 10,
			      "object %s is excluded as handled, but its note \"%.80s\" names no "
			      "lead entered before the draw (the note must be \"lead SEQ\", a lead "
			      "entry of the ledger)",
			      ex->id, ex->note);
	if (strcmp(l->agency, q->agency) != 0 || strcmp(l->object, ex->id) != 0)
		return BROKEN(q, 10,
			      "object %s is excluded as handled by lead %llu, which is agency %s's "
			      "lead about object %s",
			      ex->id, (unsigned long long)n, l->agency, l->object);
	if (l->used_by)
		return BROKEN(q, 10,
			      "object %s is excluded as handled by lead %llu (%s), which the draw "
			      "requested at entry %llu used already; a lead serves one draw",
			      ex->id, (unsigned long long)n, l->reference,
			      (unsigned long long)l->used_by);
	return SJ_OK;
}

/* An object exclusion ex of the request that the ledger does not give. */
static int extra_exclusion(const struct request *q, const struct draw_exclusion *ex)
{
	if (ex->reason == DRAW_REASON_HANDLED)
		return check_handled(q, ex);
	if (is_cap_reason(ex->reason))
		return BROKEN(q, 9,
			      "object %s is excluded as %s, but it has %u checks in %u against a "
			      "cap of %u",
			      ex->id, draw_reason_name(ex->reason),
			      policy_checks_against(q->p, q->agency, ex->id, q->x->task.year),
			      q->x->task.year, policy_cap(q->p, q->agency));
	return BROKEN(q, 6,
		      "object %s is excluded as %s; a draw may leave out an object only for the "
		      "ledger's reasons (R6, R9) or a handled lead (R10)",
		      ex->id, draw_reason_name(ex->reason));
}

/* R6, R9, R10: object exclusions are exactly the ledger's reasons. Both
 * lists are ascending by id, so one merge compares them. */
static int check_exclusions(const struct request *q)
{
	const struct policy_expect *x = q->x;
	size_t i = 0;
	policy_checked(q->p, 9);
	for (size_t j = 0; j < q->sp->n_exclusions; j++) {
		const struct draw_exclusion *ex = &q->sp->exclusions[j];
		if (ex->kind != DRAW_OBJECT)
			continue;
		if (i < x->n_exclusions && strcmp(x->exclusions[i].id, ex->id) < 0)
			return missing_exclusion(q, &x->exclusions[i]);
		if (i < x->n_exclusions && strcmp(x->exclusions[i].id, ex->id) == 0) {
			const struct draw_exclusion *w = &x->exclusions[i++];
			if (w->reason == ex->reason ||
			    (is_cap_reason(w->reason) && is_cap_reason(ex->reason)))
				continue;
			return BROKEN(q, w->reason == DRAW_REASON_DEREGISTERED ? 6 : 9,
				      "object %s is excluded as %s; the ledger says %s (%s)", ex->id,
				      draw_reason_name(ex->reason), draw_reason_name(w->reason),
				      w->note);
		}
		int rc = extra_exclusion(q, ex);
		if (rc != SJ_OK)
			return rc;
	}
	if (i < x->n_exclusions)
		return missing_exclusion(q, &x->exclusions[i]);
	return SJ_OK;
}

/* R11: the people left out of the pools are exactly those with an
 * approved unavailability covering the request's day, as
 * policy_expect_unavailable computed them; both lists are in
 * draw_spec_exclusion_cmp order. */
static int check_unavailable(const struct request *q)
{
	const struct policy_expect *x = q->x;
	char day[CALENDAR_DATE_LEN + 1];
	size_t i = 0;
	policy_checked(q->p, 11);
	calendar_date_format(day, policy_day(q->e->time_us));
	for (size_t j = 0; j <= q->sp->n_exclusions; j++) {
		const struct draw_exclusion *ex = j < q->sp->n_exclusions ? &q->sp->exclusions[j] : NULL;
		if (ex && ex->kind == DRAW_OBJECT)
			continue;
		int c = i == x->n_unavailable ? (ex ? 1 : 0)
			: ex == NULL	      ? -1
					      : draw_spec_exclusion_cmp(&x->unavailable[i], ex);
		if (c < 0)
			return BROKEN(q, 11,
				      "%s %s has an approved unavailability (%s) covering %s, the "
				      "draw's day, but is not excluded",
				      x->unavailable[i].kind == DRAW_OFFICER ? "officer" : "expert",
				      x->unavailable[i].id, x->unavailable[i].note, day);
		if (c > 0)
			return BROKEN(q, 11,
				      "%s %s is excluded as %s, but no approved unavailability entry "
				      "covers %s, the draw's day; a task draw leaves a person out "
				      "only for a reviewed unavailability entered before it",
				      ex->kind == DRAW_OFFICER ? "officer" : "expert", ex->id,
				      draw_reason_name(ex->reason), day);
		if (ex == NULL)
			break;
		if (ex->reason != DRAW_REASON_UNAVAILABLE)
			return BROKEN(q, 11, "%s %s is excluded as %s; the ledger says unavailable (%s)",
				      ex->kind == DRAW_OFFICER ? "officer" : "expert", ex->id,
				      draw_reason_name(ex->reason), x->unavailable[i].note);
		i++;
	}
	return SJ_OK;
}

/* What an accepted tied draw used: its leads, now spent (R10), and the
 * count of its unavailable people by kind for the reports (R11). */
static int record_facts(const struct request *q)
{
	const struct policy_expect *x = q->x;
	struct facts_draw fd = {.request_seq = q->e->seq};
	if (q->p->facts == NULL)
		return SJ_OK;
	for (size_t j = 0; j < q->sp->n_exclusions; j++) {
		const struct draw_exclusion *ex = &q->sp->exclusions[j];
		if (ex->kind == DRAW_OBJECT && ex->reason == DRAW_REASON_HANDLED)
			facts_lead_use(q->p->facts, facts_lead_named(ex->note), q->e->seq);
	}
	for (size_t i = 0; i < x->n_unavailable; i++) {
		unsigned k = x->unavailable_why[i] < FACTS_KINDS ? x->unavailable_why[i] : 0;
		if (x->unavailable[i].kind == DRAW_OFFICER)
			fd.officers[k]++;
		else
			fd.experts[k]++;
	}
	return facts_draw_record(q->p->facts, &fd);
}

/* R7: the rounding rule is the task's, fixed before the draw; each
 * stratum's ratio is the task's; R10: "key" is drawn whole. */
static int check_ratios(const struct request *q)
{
	const struct draw_spec *sp = q->sp;
	const struct plans_task_info *t = &q->x->task;
	enum draw_rounding w = strcmp(t->rounding, "floor") == 0     ? DRAW_ROUND_FLOOR
			       : strcmp(t->rounding, "half-up") == 0 ? DRAW_ROUND_HALF_UP
								     : DRAW_ROUND_CEIL;
	if (sp->rounding != w)
		return BROKEN(q, 7,
			      "the draw rounds ratios to counts otherwise than task %s's rule, %s",
			      sp->task, t->rounding);
	for (size_t j = 0; j < sp->n_rules; j++) {
		const struct draw_rule *ru = &sp->rules[j];
		if (strcmp(ru->stratum, POLICY_KEY_STRATUM) == 0) {
			policy_checked(q->p, 10);
			if (ru->kind != DRAW_RULE_RATIO || ru->num != ru->den)
				return BROKEN(q, 10,
					      "stratum key (objects under a complaint or tip-off) "
					      "must be drawn whole, ratio 1/1");
			continue;
		}
		size_t s;
		for (s = 0; s < t->n_strata; s++)
			if (strcmp(t->strata[s].name, ru->stratum) == 0)
				break;
		if (s == t->n_strata)
			return BROKEN(q, 7, "stratum %s has no ratio in task %s", ru->stratum,
				      sp->task);
		const struct plans_stratum *ts = &t->strata[s];
		if (ru->kind != DRAW_RULE_RATIO ||
		    (uint64_t)ru->num * ts->den != (uint64_t)ts->num * ru->den)
			return BROKEN(q, 7,
				      "stratum %s is drawn %s %u/%u; task %s sets the ratio %u/%u",
				      ru->stratum,
				      ru->kind == DRAW_RULE_RATIO ? "at" : "as a count of", ru->num,
				      ru->kind == DRAW_RULE_RATIO ? ru->den : 1, sp->task, ts->num,
				      ts->den);
	}
	policy_checked(q->p, 11);
	if (sp->team_size < t->team_size)
		return BROKEN(q, 11, "teams of %u officers; task %s needs %u", sp->team_size,
			      sp->task, t->team_size);
	return SJ_OK;
}

/* R13: pooled person i has exactly the tags the directory gives want. */
static int check_tags(const struct request *q, const struct draw_people *pool, size_t i,
		      const struct policy_person *want, const char *what)
{
	size_t nt = 0;
	for (size_t t = 0; t < draw_people_ntags(pool); t++) {
		if (!draw_people_has_tag(pool, i, (unsigned)t))
			continue;
		if (!rules_in_list(want->tags, want->ntags, draw_people_tag(pool, t)))
			return BROKEN(q, 13,
				      "%s %s is pooled with tag %s, which the directory does not "
				      "give them",
				      what, want->id, draw_people_tag(pool, t));
		nt++;
	}
	if (nt != want->ntags)
		return BROKEN(q, 13,
			      "%s %s is pooled without all of the qualifications and specialties "
			      "the directory gives them",
			      what, want->id);
	return SJ_OK;
}

/* R2, R13, R14: a pool is exactly the directories' active people of its
 * kind, with their agencies and tags. Both lists are ascending by id. */
static int check_pool(const struct request *q, const struct draw_people *pool,
		      const struct policy_person *want, size_t nwant, int experts)
{
	const char *what = experts ? "expert" : "officer";
	size_t n = draw_people_count(pool), i = 0, j = 0;
	for (; i < n || j < nwant; i++, j++) {
		int c = i == n ? 1 : j == nwant ? -1 : strcmp(draw_people_id(pool, i), want[j].id);
		if (c < 0)
			return BROKEN(q, 2,
				      "pooled %s %s is not an active %s of the task's agencies' "
				      "directories",
				      what, draw_people_id(pool, i), what);
		if (c > 0)
			return BROKEN(q, 2, "active %s %s of agency %s is missing from the %s pool",
				      what, want[j].id, want[j].agency, what);
		if (strcmp(draw_people_agency(pool, i), want[j].agency) != 0)
			return BROKEN(q, experts ? 2 : 14,
				      "%s %s is pooled for agency %s; the directory says %s", what,
				      want[j].id, draw_people_agency(pool, i), want[j].agency);
		int rc = check_tags(q, pool, i, &want[j], what);
		if (rc != SJ_OK)
			return rc;
	}
	return SJ_OK;
}

/* R12: every declared conflict is in the inputs; R14: a joint task's
 * teams have a part from each of its agencies, a task of one agency one. */
static int check_conflicts_and_teams(const struct request *q)
{
	const struct policy_expect *x = q->x;
	const struct draw_spec *sp = q->sp;
	policy_checked(q->p, 12);
	for (size_t i = 0; i < x->n_conflicts; i++)
		if (rules_find(&x->conflicts[i], sp->conflicts, sp->n_conflicts,
			       sizeof *sp->conflicts, draw_spec_conflict_cmp) == NULL)
			return BROKEN(q, 12,
				      "the conflict of interest declared between %s %s and object "
				      "%s is missing from the draw's inputs",
				      x->conflicts[i].kind == DRAW_OFFICER ? "officer" : "expert",
				      x->conflicts[i].person, x->conflicts[i].object);
	if (x->task.joint) {
		policy_checked(q->p, 14);
		int same = sp->n_team_agencies == x->n_agencies;
		for (size_t i = 0; same && i < x->n_agencies; i++)
			same = strcmp(sp->team_agencies[i], x->agencies[i]) == 0;
		if (!same)
			return BROKEN(q, 14,
				      "joint task %s needs teams with officers of each of its %zu "
				      "agencies (名单一次性抽取、人员一次性选派), the draw's teams "
				      "have %zu parts",
				      sp->task, x->n_agencies, sp->n_team_agencies);
	} else if (sp->n_team_agencies > 1) {
		return BROKEN(q, 14,
			      "task %s is not a joint task, but the draw's teams have parts of %zu "
			      "agencies",
			      sp->task, sp->n_team_agencies);
	}
	return SJ_OK;
}

/* R5, R6: a task is drawn only after its agency's legal reviewer approved
 * it, and a scope that selects fewer objects than its plan's floor, or
 * only by a tag, only with the reviewer's explicit approval of it
 * (plans.h, rules/taskreview.c). */
static int check_task_review(const struct request *q, const struct plans *pl)
{
	const struct policy_expect *x = q->x;
	struct plans_task_review rv;
	struct filter *f;
	policy_checked(q->p, 5);
	if (plans_task_review(pl, q->agency, q->sp->task, &rv) != SJ_OK || !rv.approved)
		return BROKEN(q, 5,
			      "task %s of %s has %s: no task is drawn before its agency's legal "
			      "reviewer approved it",
			      q->sp->task, q->agency,
			      rv.reviewed ? "been returned by legal review" : "not passed legal review");
	if ((f = malloc(sizeof *f)) == NULL)
		return SJ_ENOMEM;
	char why[200];
	int tag_only = filter_parse(f, x->task.filter, why, sizeof why) == SJ_OK && f->n > 0;
	for (size_t i = 0; tag_only && i < f->n; i++)
		tag_only = f->clauses[i].field == FILTER_TAG;
	free(f);
	if (rv.narrow_approved)
		return SJ_OK;
	policy_checked(q->p, 6);
	if (tag_only)
		return BROKEN(q, 6,
			      "task %s's scope \"%s\" selects only by a tag, which its legal "
			      "reviewer has not approved (approve_narrow_scope)",
			      q->sp->task, x->task.filter);
	if (x->n_objects < rv.narrow_floor)
		return BROKEN(q, 6,
			      "task %s's scope selects %zu objects, fewer than its plan's floor of "
			      "%u, which its legal reviewer has not approved (approve_narrow_scope)",
			      q->sp->task, x->n_objects, rv.narrow_floor);
	return SJ_OK;
}

/* A draw for a task that is not a substitution: the request must commit
 * to what policy_expect computes (policy.h). */
static int check_tied(struct request *q, const struct draw_objects *objects,
		      const struct draw_people *officers, const struct draw_people *experts,
		      const struct plans *pl)
{
	struct policy_expect *x = NULL;
	char why[400];
	int rc = policy_expect(q->p, pl, q->agency, q->sp->task, &x, why, sizeof why);
	if (rc == SJ_EINVAL)
		return BROKEN(q, 7, "draw %s for task %s: %s", q->sp->task, q->sp->task,
			      why + (why[0] == 'R' ? 4 : 0));
	if (rc != SJ_OK)
		return rc;
	q->x = x;
	if ((rc = policy_expect_unavailable(q->p, x, policy_day(q->e->time_us))) != SJ_OK)
		goto out;
	if ((rc = check_task_review(q, pl)) == SJ_OK && (rc = check_objects(q, objects)) == SJ_OK &&
	    (rc = check_exclusions(q)) == SJ_OK && (rc = check_unavailable(q)) == SJ_OK &&
	    (rc = check_ratios(q)) == SJ_OK) {
		policy_checked(q->p, 2);
		policy_checked(q->p, 13);
		if ((rc = check_pool(q, officers, x->officers, x->n_officers, 0)) == SJ_OK &&
		    (rc = check_pool(q, experts, x->experts, x->n_experts, 1)) == SJ_OK &&
		    (rc = check_conflicts_and_teams(q)) == SJ_OK)
			rc = record_facts(q);
	}
out:
	q->x = NULL;
	policy_expect_free(x);
	return rc;
}

/* R6: a task has one regular draw; it is drawn again only by a redraw or
 * a substitution, which name what they replace. */
static int check_once(const struct request *q)
{
	policy_checked(q->p, 6);
	for (size_t i = 0; i < q->p->ndraws; i++) {
		const struct policy_draw *d = &q->p->draws[i];
		if (!d->broken && !d->recheck && strcmp(d->agency, q->agency) == 0 &&
		    strcmp(d->task, q->sp->task) == 0)
			return BROKEN(q, 6,
			              "task %s was drawn already by entry %llu: a task's objects "
			              "are drawn once, at random; it is drawn again only by a "
			              "substitution or a redraw naming what it replaces",
			              q->sp->task, (unsigned long long)d->request_seq);
	}
	return SJ_OK;
}

/* R6: a redraw names an abandoned commitment of the same agency and task,
 * a regular draw or a redraw, never revealed, whose deadline passed
 * before the redraw, and not redrawn already. *replaced its request. */
static int check_redraw(const struct request *q, uint64_t *replaced)
{
	struct draws_info info;
	const struct policy_draw *d;
	policy_checked(q->p, 6);
	if (!policy_find_replaced(q->p, q->sp->replaced_entry, &info, &d))
		return BROKEN(q, 6, "the redraw names a commitment that is not in the ledger");
	if (d == NULL || d->substitution || strcmp(d->agency, q->agency) != 0 ||
	    strcmp(d->task, q->sp->task) != 0)
		return BROKEN(q, 6,
		              "the redraw names draw %llu, which is not a regular draw or redraw "
		              "of agency %s's task %s",
		              (unsigned long long)info.request_seq, q->agency, q->sp->task);
	if (info.revealed)
		return BROKEN(q, 6,
		              "the redraw names draw %llu, which was revealed: a revealed draw "
		              "is never drawn again",
		              (unsigned long long)info.request_seq);
	if (info.deadline_us >= q->e->time_us)
		return BROKEN(q, 6,
		              "the redraw names draw %llu, whose deadline has not passed: only an "
		              "abandoned commitment is drawn again",
		              (unsigned long long)info.request_seq);
	for (size_t i = 0; i < q->p->ndraws; i++)
		if (q->p->draws[i].redraw && !q->p->draws[i].broken &&
		    q->p->draws[i].replaced_seq == info.request_seq)
			return BROKEN(q, 6, "draw %llu was redrawn already by entry %llu",
			              (unsigned long long)info.request_seq,
			              (unsigned long long)q->p->draws[i].request_seq);
	*replaced = info.request_seq;
	return SJ_OK;
}

/* A substitution (补抽): its pools are what policy_expect_substitution
 * derives from the draw it replaces (R6), drawn as one object of the
 * replaced object's stratum (R6, R7), staffed like any draw (R2, R11-R14).
 * *replaced its request. */
static int check_substitution(struct request *q, const struct draw_objects *objects,
                              const struct draw_people *officers, const struct draw_people *experts,
                              const struct plans *pl, uint64_t *replaced)
{
	struct policy_expect *x = NULL;
	struct draws_info info;
	const struct policy_draw *d;
	unsigned rule = 6;
	char why[400];
	policy_checked(q->p, 6);
	int rc = policy_expect_substitution(q->p, pl, q->agency, q->sp->task, q->sp->replaced_entry,
	                                    q->sp->replace_reason, &x, &rule, why, sizeof why);
	if (rc == SJ_EINVAL || rc == SJ_ENOENT)
		return BROKEN(q, rule, "substitution for task %s: %s", q->sp->task, why);
	if (rc != SJ_OK)
		return rc;
	(void)policy_find_replaced(q->p, q->sp->replaced_entry, &info, &d);
	*replaced = info.request_seq;
	q->x = x;
	const struct draw_rule *ru = q->sp->n_rules == 1 ? &q->sp->rules[0] : NULL;
	if (ru == NULL || ru->kind != DRAW_RULE_COUNT || ru->num != 1 ||
	    strcmp(ru->stratum, x->replaced_stratum) != 0)
		rc = BROKEN(q, 6,
		            "a substitution for task %s draws one object of stratum %s (one rule, "
		            "a count of 1)",
		            q->sp->task, x->replaced_stratum);
	else if (q->sp->team_size < x->task.team_size)
		rc = BROKEN(q, 11, "teams of %u officers; task %s needs %u", q->sp->team_size,
		            q->sp->task, x->task.team_size);
	/* The people excluded as unavailable are exactly those with a
	 * reviewed unavailability on the substitution's day, as for any
	 * task draw (R11): a substitution is no way around them. */
	if (rc == SJ_OK &&
	    (rc = policy_expect_unavailable(q->p, x, policy_day(q->e->time_us))) == SJ_OK &&
	    (rc = check_objects(q, objects)) == SJ_OK && (rc = check_exclusions(q)) == SJ_OK &&
	    (rc = check_unavailable(q)) == SJ_OK) {
		policy_checked(q->p, 2);
		policy_checked(q->p, 13);
		if ((rc = check_pool(q, officers, x->officers, x->n_officers, 0)) == SJ_OK &&
		    (rc = check_pool(q, experts, x->experts, x->n_experts, 1)) == SJ_OK &&
		    (rc = check_conflicts_and_teams(q)) == SJ_OK)
			rc = record_facts(q);
	}
	q->x = NULL;
	policy_expect_free(x);
	return rc;
}

/* The kind of tied draw request q is, checked: 0 regular, 1 substitution,
 * 2 redraw; *replaced the request it replaces. */
static int check_kind(struct request *q, const struct draw_objects *objects,
                      const struct draw_people *officers, const struct draw_people *experts,
                      const struct plans *pl, int *kind, uint64_t *replaced)
{
	struct policy_replace rp;
	char why[300];
	int rc;
	*kind = 0;
	if (!q->sp->replaces) {
		if ((rc = check_once(q)) != SJ_OK)
			return rc;
		return check_tied(q, objects, officers, experts, pl);
	}
	policy_checked(q->p, 6);
	if (policy_replace_parse(&rp, q->sp->replace_reason, why, sizeof why) != SJ_OK) {
		*kind = 1;
		return BROKEN(q, 6, "%s", why);
	}
	if (rp.code == POLICY_REPLACE_ABANDONED) {
		*kind = 2;
		if ((rc = check_redraw(q, replaced)) != SJ_OK)
			return rc;
		return check_tied(q, objects, officers, experts, pl);
	}
	*kind = 1;
	return check_substitution(q, objects, officers, experts, pl, replaced);
}

/* An untied draw may not replace a tied one: a substitution stays with
 * the task of the draw it replaces (R6). */
static int check_untied_replaces(const struct request *q)
{
	struct draws_info info;
	const struct policy_draw *d;
	if (!q->sp->replaces || !policy_find_replaced(q->p, q->sp->replaced_entry, &info, &d) ||
	    d == NULL)
		return SJ_OK;
	policy_checked(q->p, 6);
	return BROKEN(q, 6,
	              "the draw names draw %llu of task %s as the one it replaces, but task %s is "
	              "no task of agency %s",
	              (unsigned long long)info.request_seq, d->task, q->sp->task, q->agency);
}

/* R19: a re-check draw's object pool is exactly the published results
 * of its scope, none added and none left out, in one stratum, and no
 * object is excluded by hand. */
static int check_recheck_objects(const struct request *q, const struct draw_objects *objects)
{
	const struct policy_expect *x = q->x;
	size_t cur = 0, idlen, off, i = 0;
	const char *id;
	unsigned st;
	while (draw_objects_next(objects, &cur, &id, &idlen, &st, &off)) {
		char buf[DRAW_MAX_ID + 1];
		snprintf(buf, sizeof buf, "%.*s", (int)idlen, id);
		if (i < x->n_objects && strcmp(x->objects[i].id, buf) < 0)
			break;
		if (i == x->n_objects || strcmp(x->objects[i].id, buf) != 0)
			return BROKEN(q, 19,
				      "re-check draw %s pools object %s, which has no published "
				      "result in its scope to re-check",
				      q->sp->task, buf);
		if (strcmp(draw_objects_stratum(objects, st), POLICY_RECHECK_STRATUM) != 0)
			return BROKEN(q, 19,
				      "re-check draw %s puts object %s in stratum %s; a re-check "
				      "pools every published result in the one stratum %s",
				      q->sp->task, buf, draw_objects_stratum(objects, st),
				      POLICY_RECHECK_STRATUM);
		i++;
	}
	if (i < x->n_objects)
		return BROKEN(q, 19,
			      "object %s has a published result in re-check scope %s but is "
			      "missing from the pool (a re-check draws among all %zu published "
			      "results of its scope, none chosen by hand)",
			      x->objects[i].id, q->sp->task, x->n_objects);
	for (size_t j = 0; j < q->sp->n_exclusions; j++)
		if (q->sp->exclusions[j].kind == DRAW_OBJECT)
			return BROKEN(q, 19, "re-check draw %s excludes object %s; a re-check leaves "
					     "no published result of its scope out",
				      q->sp->task, q->sp->exclusions[j].id);
	return SJ_OK;
}

/* A re-check draw (复查, R19) by the justice bureau: the request must
 * commit to what policy_recheck_expect computes (policy.h). */
static int check_recheck(struct request *q, const struct draw_objects *objects,
			 const struct draw_people *officers, const struct draw_people *experts,
			 const struct plans *pl)
{
	struct policy_expect *x = NULL;
	char why[400];
	policy_checked(q->p, 19);
	int rc = policy_recheck_expect(q->p, pl, q->agency, q->sp->task, &x, why, sizeof why);
	if (rc == SJ_EINVAL || rc == SJ_ENOENT)
		return BROKEN(q, 19, "re-check draw %s: %s", q->sp->task, why);
	if (rc != SJ_OK)
		return rc;
	q->x = x;
	if ((rc = check_recheck_objects(q, objects)) == SJ_OK) {
		policy_checked(q->p, 2);
		policy_checked(q->p, 12);
		if ((rc = check_pool(q, officers, x->officers, x->n_officers, 0)) == SJ_OK &&
		    (rc = check_pool(q, experts, x->experts, x->n_experts, 1)) == SJ_OK)
			rc = check_conflicts_and_teams(q);
	}
	q->x = NULL;
	policy_expect_free(x);
	return rc;
}

int policy_draw_request(struct policy *p, const struct plans *pl, const struct entry *e,
			const struct draw_inputs *in, const struct draw_objects *objects,
			const struct draw_people *officers, const struct draw_people *experts,
			int role, char *err, size_t err_cap)
{
	char agency[ENTRY_MAX_AGENCY + 1];
	struct plans_task_info ti;
	struct request q = {.p = p, .e = e, .sp = draw_inputs_spec(in), .agency = agency,
			    .err = err, .err_cap = err_cap};
	int rc;

	snprintf(agency, sizeof agency, "%.*s", (int)e->agency_len, e->agency);
	if (role == 3 /* ROLE_SUPERVISOR */) {
		if ((rc = check_recheck(&q, objects, officers, experts, pl)) != SJ_OK)
			return rc == POLICY_BROKEN ? SJ_OK : rc;
		rc = add_draw(p, e, q.sp->task, 0, q.sp->replaces, 1);
		if (rc == SJ_OK)
			p->rechecks++;
		return rc;
	}
	if (plans_task(pl, agency, q.sp->task, &ti) != SJ_OK) {
		if ((rc = check_untied_replaces(&q)) != SJ_OK)
			return rc == POLICY_BROKEN ? SJ_OK : rc;
		p->untied++;
		return SJ_OK;
	}
	policy_checked(p, 5);
	/* A substitution's pools are derived from the draw it replaces
	 * (draw-spec 7); its picks count once per task. */
	int kind = 0;
	uint64_t replaced = 0;
	rc = check_kind(&q, objects, officers, experts, pl, &kind, &replaced);
	if (rc != SJ_OK && rc != POLICY_BROKEN)
		return rc;
	/* A broken request (audit mode) is kept for the per-task findings
	 * only: it counts no check (policy_draw_revealed). */
	int brc = add_draw(p, e, q.sp->task, ti.year, kind == 1, 0);
	if (brc != SJ_OK)
		return brc;
	struct policy_draw *d = &p->draws[p->ndraws - 1];
	d->redraw = kind == 2;
	d->broken = rc == POLICY_BROKEN;
	d->replaced_seq = replaced;
	if (q.sp->replaces)
		snprintf(d->reason, sizeof d->reason, "%s", q.sp->replace_reason);
	return SJ_OK;
}

/* Each drawn object is one check of the task (R9), however often
 * substitutions draw it again. */
static int count_checks(struct policy *p, const struct policy_draw *d,
			const struct draws_observed *o)
{
	for (size_t i = 0; i < o->result->n_picks; i++) {
		const char *obj = o->result->picks[i].id;
		char key[256], y[12];
		if (hmap_get(&p->m_taskobj, hmap_key(key, sizeof key, d->agency, d->task, obj, NULL)) >=
		    0)
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
		long prev = hmap_get(&p->m_yearobj, hmap_key(key, sizeof key, y, obj, NULL, NULL));
		p->check_next[p->nchecks] = (size_t)(prev + 1);
		if ((rc = hmap_put(&p->m_yearobj, key, p->nchecks)) != SJ_OK ||
		    (rc = hmap_put(&p->m_taskobj,
				   hmap_key(key, sizeof key, d->agency, d->task, obj, NULL),
				   p->nchecks)) != SJ_OK) {
			p->maps_dirty = 1;
			return rc;
		}
		p->nchecks++;
	}
	return SJ_OK;
}

/* The public summary of a revealed draw (R17): strata, beacons, picks. */
static int record_reveal(struct policy_draw *d, const struct draws_observed *o)
{
	d->strata = calloc(o->result->n_strata + 1, sizeof *d->strata);
	d->beacons = calloc(o->n_beacons + 1, sizeof *d->beacons);
	d->picks = calloc(o->result->n_picks + 1, sizeof *d->picks);
	if (d->strata == NULL || d->beacons == NULL || d->picks == NULL)
		return SJ_ENOMEM;
	d->revealed = 1;
	d->reveal_seq = o->reveal_seq;
	d->commit_seq = o->commit_seq;
	snprintf(d->request_id, sizeof d->request_id, "%s", o->request_id);
	util_hex(d->commit_hash, o->commit_hash, 32);
	util_hex(d->seed, o->seed, 32);
	util_hex(d->randomness, o->randomness, 32);
	const struct draw_spec *sp = draw_inputs_spec(o->in);
	for (size_t b = 0; b < o->n_beacons; b++) {
		snprintf(d->beacons[b].source, sizeof d->beacons[b].source, "%s",
			 sp->beacons[b].source);
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
	d->n_strata = o->result->n_strata;
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
	return SJ_OK;
}

int policy_draw_revealed(struct policy *p, const struct draws_observed *o)
{
	struct policy_draw *d = NULL;
	for (size_t i = p->ndraws; i-- > 0 && d == NULL;)
		if (p->draws[i].request_seq == o->request_seq)
			d = &p->draws[i];
	if (d == NULL)
		return SJ_OK; /* untied, or refused in audit mode */
	if (record_reveal(d, o) != SJ_OK) {
		policy_draw_clear(d);
		d->revealed = 0;
		return SJ_ENOMEM;
	}
	return d->recheck || d->broken ? SJ_OK : count_checks(p, d, o);
}

void policy_set_facts(struct policy *p, struct facts *f)
{
	p->facts = f;
}
