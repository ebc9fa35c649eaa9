/*
 * compliance.c: the compliance, supervision and publication reports
 * (compliance.h).
 */
#include "verifier/compliance.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "rules/blame.h"
#include "rules/policy.h"
#include "results/publish.h"
#include "verifier/drawfindings.h"

#include "proto/plans.pb-c.h"

static const char *const rule_what[POLICY_RULES + 1] = {
	[2] = "officer and expert pools are the directories' active people",
	[5] = "draws and results belong to a task of a published plan",
	[6] = "object pools are the task's whole scope; exclusions only for the ledger's reasons",
	[7] = "strata by risk class, each at the task's ratio",
	[9] = "objects at the annual cap excluded, counting superior and other units",
	[10] = "objects under a complaint drawn whole; handled only by a lead entered before, once",
	[11] = "teams of the task's size; people left out only for reviewed unavailability",
	[12] = "every declared conflict of interest in the draw's inputs",
	[13] = "officers pooled with exactly their qualifications",
	[14] = "joint tasks: one draw, each member's officers from its own directory",
	[15] = "results counted in the pinned official calendars",
	[16] = "results entered, reviewed, published by the checking agency",
	[19] = "re-check draws among every published result of their scope",
};

/* What the tied draw requested at seq left out by the ledger's facts
 * (rules/facts.h): its people unavailable by kind (R11) and its leads
 * handled outside the draw (R10), as one line after prefix; counts only,
 * never names. Nothing when it left out neither. */
static void print_facts(FILE *f, const struct replay *r, uint64_t seq, const char *prefix)
{
	const struct facts *fa = replay_facts(r);
	const struct facts_draw *fd = facts_draw_find(fa, seq);
	size_t leads = facts_leads_used(fa, seq);
	unsigned off = 0, ex = 0;
	for (unsigned k = 0; fd && k < FACTS_KINDS; k++) {
		off += fd->officers[k];
		ex += fd->experts[k];
	}
	if (off + ex == 0 && leads == 0)
		return;
	fprintf(f, "%sunavailable (R11): %u officer%s, %u expert%s", prefix, off,
		off == 1 ? "" : "s", ex, ex == 1 ? "" : "s");
	for (unsigned k = 0; fd && k < FACTS_KINDS; k++)
		if (fd->officers[k] + fd->experts[k])
			fprintf(f, "; %s %u", facts_kind_name(k), fd->officers[k] + fd->experts[k]);
	fprintf(f, "; leads handled outside the draw (R10): %zu\n", leads);
}

/* The verifier's report of the same, per draw. */
static void print_draw_facts(FILE *f, const struct replay *r)
{
	const struct policy *p = replay_policy(r);
	fprintf(f, "people unavailable and leads handled, per task draw (counts only):\n");
	for (size_t d = 0; d < policy_draw_count(p); d++) {
		const struct policy_draw *pd = policy_draw_at(p, d);
		char prefix[200];
		if (pd->recheck || pd->substitution)
			continue;
		snprintf(prefix, sizeof prefix, "  draw %llu (%s task %s): ",
			 (unsigned long long)pd->request_seq, pd->agency, pd->task);
		print_facts(f, r, pd->request_seq, prefix);
	}
}

/* The public record of the same (R17: counts, never names). */
static void public_draw_facts(const struct replay *r, cJSON *o, uint64_t seq)
{
	const struct facts_draw *fd = facts_draw_find(replay_facts(r), seq);
	cJSON *u = cJSON_AddObjectToObject(o, "unavailable");
	for (unsigned k = 0; u && k < FACTS_KINDS; k++) {
		cJSON *x = cJSON_AddObjectToObject(u, facts_kind_name(k));
		cJSON_AddNumberToObject(x, "officers", fd ? fd->officers[k] : 0);
		cJSON_AddNumberToObject(x, "experts", fd ? fd->experts[k] : 0);
	}
	cJSON_AddNumberToObject(o, "leads_handled",
				(double)facts_leads_used(replay_facts(r), seq));
}

/* 1 when the periods of two tasks overlap. */
static int periods_overlap(const struct plans_task_info *a, const struct plans_task_info *b)
{
	return strcmp(a->start_date, b->end_date) <= 0 && strcmp(b->start_date, a->end_date) <= 0;
}

/* 1 when task a and task b are the same joint check (one is the other). */
static int same_task(const struct policy_check *a, const struct policy_check *b)
{
	return strcmp(a->task_agency, b->task_agency) == 0 && strcmp(a->task, b->task) == 0;
}

/* 1 when draw info di was committed and not revealed by its deadline. */
static int is_abandoned(const struct draws_info *di, int64_t now_us)
{
	return di->committed && !di->revealed && di->deadline_us < now_us;
}

void compliance_abandoned(FILE *f, const struct replay *r, const char *agency, int64_t now_us,
			  const char *indent)
{
	const struct draws *d = replay_draws(r);
	unsigned n = 0, by_log = 0;

	for (size_t i = 0; i < draws_count(d); i++) {
		struct draws_info di;
		char why[400];
		draws_get(d, i, &di);
		if (!is_abandoned(&di, now_us) || (agency && strcmp(agency, di.agency) != 0))
			continue;
		n++;
		by_log += blame_draw(d, replay_pubvalues(r), i, why, sizeof why) == BLAME_LOG_OPERATOR;
	}
	fprintf(f, "%sR6  %u abandoned commitment%s (not revealed by the deadline): %u by the "
		   "log operator (the round was available), %u by the beacon (it never came)\n",
		indent, n, n == 1 ? "" : "s", by_log, n - by_log);
	for (size_t i = 0; i < draws_count(d); i++) {
		struct draws_info di;
		char why[400];
		enum blame_who b;
		unsigned redraws = 0;
		draws_get(d, i, &di);
		if (!is_abandoned(&di, now_us) || (agency && strcmp(agency, di.agency) != 0))
			continue;
		b = blame_draw(d, replay_pubvalues(r), i, why, sizeof why);
		fprintf(f, "%s    ABANDONED: draw %llu (%s/%s, task %s), committed at entry %llu: %s "
			   "failed: %s\n",
			indent, (unsigned long long)di.request_seq,
			di.agency[0] ? di.agency : "-", di.request_id, di.task[0] ? di.task : "-",
			(unsigned long long)di.commit_seq,
			b == BLAME_LOG_OPERATOR ? "the LOG OPERATOR" : "the BEACON", why);
		/* A redraw names the abandoned commitment by its entry hash. */
		for (size_t j = 0; j < draws_count(d); j++) {
			struct draws_info rj;
			draws_get(d, j, &rj);
			if (!rj.replaces || memcmp(rj.replaced, di.commit_hash, 32) != 0)
				continue;
			redraws++;
			fprintf(f, "%s      redraw: draw %llu (%s/%s) replaces it%s\n", indent,
				(unsigned long long)rj.request_seq, rj.agency, rj.request_id,
				rj.revealed ? ", revealed" : "");
		}
		if (redraws == 0)
			fprintf(f, "%s      no redraw names it\n", indent);
	}
}

uint64_t compliance_print(FILE *f, const struct replay *r, int32_t today)
{
	const struct policy *p = replay_policy(r);
	const struct plans *pl = replay_plans(r);
	uint64_t total = 0, overdue = 0, results = 0, overlaps = 0, over_cap = 0;
	char first_overdue[300] = "", first_overlap[400] = "", first_over[300] = "";

	fprintf(f, "compliance report (rules as numbered in the policy digest):\n");
	for (unsigned k = 1; k <= POLICY_RULES; k++) {
		const struct policy_tally *t = policy_rule(p, k);
		if (rule_what[k] == NULL && t->checked == 0 && t->violations == 0)
			continue;
		total += t->violations;
		fprintf(f, "  R%-2u %-8s %6llu checked  %s\n", k, t->violations ? "VIOLATED" : "ok",
			(unsigned long long)t->checked, rule_what[k] ? rule_what[k] : "");
		if (t->violations)
			fprintf(f, "       %llu violation%s; first at entry %llu: %s\n",
				(unsigned long long)t->violations, t->violations == 1 ? "" : "s",
				(unsigned long long)t->first_seq, t->first);
	}
	if (policy_untied_draws(p))
		fprintf(f, "  note: %llu draw%s named no task of a published plan (special or test "
			   "draws): their pools were not checked against a directory (R5, R6)\n",
			(unsigned long long)policy_untied_draws(p),
			policy_untied_draws(p) == 1 ? "" : "s");

	/* R15: overdue results, a finding about an agency, not the ledger. */
	for (size_t i = 0; i < policy_result_count(p); i++) {
		const struct result *res = policy_result_at(p, i, NULL);
		int late = 0;
		char why[200];
		results++;
		if (result_overdue(&late, policy_calendar_get(p), res, today, why, sizeof why) ==
			    SJ_OK &&
		    late && overdue++ == 0) {
			int32_t due = 0;
			char d[CALENDAR_DATE_LEN + 1] = "?";
			if (result_due(&due, policy_calendar_get(p), res, why, sizeof why) == SJ_OK)
				calendar_date_format(d, due);
			snprintf(first_overdue, sizeof first_overdue,
				 "%s's result for %s in task %s was due %s", res->agency,
				 res->object, res->task, d);
		}
	}
	/* R9 as it stands: checks above the cap (possible only across
	 * draws that were requested before each other's reveal). R14: the
	 * same object drawn by separate tasks of several agencies for
	 * overlapping periods, to be merged into one joint visit. */
	size_t nc = policy_check_count(p);
	for (size_t i = 0; i < nc; i++) {
		const struct policy_check *a = policy_check_at(p, i);
		unsigned n = policy_checks_against(p, a->task_agency, a->object, a->year);
		if (n > policy_cap(p, a->task_agency) && over_cap++ == 0)
			snprintf(first_over, sizeof first_over, "%s: %u checks in %u against %s's cap %u",
				 a->object, n, a->year, a->task_agency, policy_cap(p, a->task_agency));
		/* Only checks of the same object and year can overlap. */
		for (long j = policy_check_prev(p, i); j >= 0; j = policy_check_prev(p, (size_t)j)) {
			const struct policy_check *b = policy_check_at(p, (size_t)j);
			struct plans_task_info ta, tb;
			if (strcmp(a->object, b->object) != 0 || a->year != b->year ||
			    strcmp(a->task_agency, b->task_agency) == 0 || same_task(a, b) ||
			    plans_task(pl, a->task_agency, a->task, &ta) != SJ_OK ||
			    plans_task(pl, b->task_agency, b->task, &tb) != SJ_OK ||
			    !periods_overlap(&ta, &tb))
				continue;
			if (overlaps++ == 0)
				snprintf(first_overlap, sizeof first_overlap,
					 "%s drawn by %s task %s (%s..%s) and %s task %s (%s..%s)",
					 a->object, a->task_agency, a->task, ta.start_date, ta.end_date,
					 b->task_agency, b->task, tb.start_date, tb.end_date);
		}
	}
	fprintf(f, "findings for supervision (R19):\n");
	fprintf(f, "  R15 %llu result%s, %llu overdue%s%s\n", (unsigned long long)results,
		results == 1 ? "" : "s", (unsigned long long)overdue, overdue ? "; first: " : "",
		first_overdue);
	fprintf(f, "  R9  %llu check%s of objects above their cap%s%s\n",
		(unsigned long long)over_cap, over_cap == 1 ? "" : "s", over_cap ? "; first: " : "",
		first_over);
	fprintf(f, "  R14 %llu object%s drawn by several agencies' separate tasks for overlapping "
		   "periods%s%s\n",
		(unsigned long long)overlaps, overlaps == 1 ? "" : "s",
		overlaps ? " (merge them into one joint visit); first: " : "", first_overlap);
	fprintf(f, "  R19 %llu re-check draw%s and %llu result%s re-checked by the justice bureau\n",
		(unsigned long long)policy_recheck_draws(p),
		policy_recheck_draws(p) == 1 ? "" : "s",
		(unsigned long long)policy_result_rechecks(p),
		policy_result_rechecks(p) == 1 ? "" : "s");
	drawfindings_print(f, r, today);
	print_draw_facts(f, r);
	compliance_abandoned(f, r, NULL, util_now_us(), "  ");
	return total;
}

/* 1 when agency takes part in task t (the lead or a member). */
static int task_has(const struct plans_task_info *t, const char *agency)
{
	if (strcmp(t->agency, agency) == 0)
		return 1;
	for (size_t i = 0; i < t->n_members; i++)
		if (strcmp(t->members[i], agency) == 0)
			return 1;
	return 0;
}

/* A task's legal review (R5), and an approved narrow or tag-only scope
 * with its reason (R6): the bureau sees every such approval. */
static void supervise_task_review(FILE *f, const struct plans *pl,
				  const struct plans_task_info *ti)
{
	struct plans_task_review rv;
	if (plans_task_review(pl, ti->agency, ti->id, &rv) != SJ_OK || !rv.reviewed) {
		fprintf(f, "    legal review: NOT REVIEWED (R5)\n");
		return;
	}
	fprintf(f, "    legal review: %s (entry %llu)%s%s\n", rv.approved ? "approved" : "returned",
		(unsigned long long)rv.seq, rv.narrow_approved ? "; narrow scope approved: " : "",
		rv.narrow_approved ? rv.reason : "");
}

void compliance_supervise(FILE *f, const struct replay *r, const char *agency, int32_t today,
			  int64_t now_us)
{
	const struct policy *p = replay_policy(r);
	const struct plans *pl = replay_plans(r);
	const struct draws *dr = replay_draws(r);
	char day[CALENDAR_DATE_LEN + 1];

	calendar_date_format(day, today);
	fprintf(f, "supervision report (R19), as of %s\n", day);
	/* Every agency with a task, as lead or member, or a result. */
	for (size_t ai = 0; ai < policy_agency_count(p); ai++) {
		const char *a = policy_agency_at(p, ai);
		int involved = 0;
		for (size_t t = 0; t < plans_task_count(pl) && !involved; t++) {
			struct plans_task_info ti;
			plans_task_at(pl, t, &ti);
			involved = task_has(&ti, a);
		}
		if (!involved || (agency && strcmp(agency, a) != 0))
			continue;
		const char *name = policy_agency_name(p, a);
		fprintf(f, "\nagency %s (%s), annual cap %u checks per object\n", a, name ? name : "?",
			policy_cap(p, a));
		for (size_t t = 0; t < plans_task_count(pl); t++) {
			struct plans_task_info ti;
			plans_task_at(pl, t, &ti);
			if (!task_has(&ti, a))
				continue;
			fprintf(f, "  task %s of %s (plan %s v%u, %s..%s%s", ti.id, ti.agency,
				ti.plan_id, ti.plan_version, ti.start_date, ti.end_date,
				ti.joint ? ", joint with" : "");
			for (size_t m = 0; m < ti.n_members; m++)
				fprintf(f, " %s", ti.members[m]);
			fprintf(f, ")\n");
			supervise_task_review(f, pl, &ti);
			for (size_t d = 0; d < policy_draw_count(p); d++) {
				const struct policy_draw *pd = policy_draw_at(p, d);
				if (strcmp(pd->agency, ti.agency) != 0 || strcmp(pd->task, ti.id) != 0)
					continue;
				fprintf(f, "    draw %llu%s: %s\n", (unsigned long long)pd->request_seq,
					pd->substitution ? " (substitution)" : "",
					pd->revealed ? "revealed" : "not revealed");
				print_facts(f, r, pd->request_seq, "      ");
				for (size_t s = 0; s < pd->n_strata; s++) {
					const struct policy_draw_stratum *st = &pd->strata[s];
					fprintf(f, "      stratum %-6s %5u of %6u drawn (%5.1f%%; task ratio "
						   "%u/%u = %.1f%%)\n",
						st->name, st->k, st->n,
						st->n ? 100.0 * st->k / st->n : 0.0, st->num, st->den,
						st->den ? 100.0 * st->num / st->den : 0.0);
				}
			}
			drawfindings_task(f, r, &ti, today);
		}
		/* Results of this agency (谁检查、谁录入), joint ones included. */
		unsigned entered = 0, published = 0, late = 0;
		for (size_t i = 0; i < policy_result_count(p); i++) {
			const struct result *res = policy_result_at(p, i, NULL);
			char why[200];
			int o = 0;
			if (strcmp(res->agency, a) != 0)
				continue;
			entered++;
			published += res->published_on != RESULT_NO_DATE;
			if (result_overdue(&o, policy_calendar_get(p), res, today, why,
					   sizeof why) == SJ_OK &&
			    o) {
				late++;
				fprintf(f, "    OVERDUE (R15): result for %s in task %s\n", res->object,
					res->task);
			}
		}
		fprintf(f, "  results: %u entered, %u published, %u overdue (R15)\n", entered,
			published, late);
		unsigned over = 0, abandoned = 0;
		for (size_t i = 0; i < policy_check_count(p); i++) {
			const struct policy_check *c = policy_check_at(p, i);
			if (strcmp(c->task_agency, a) == 0 &&
			    policy_checks_against(p, a, c->object, c->year) > policy_cap(p, a)) {
				over++;
				fprintf(f, "    ABOVE CAP (R9): %s checked %u times in %u\n", c->object,
					policy_checks_against(p, a, c->object, c->year), c->year);
			}
		}
		for (size_t i = 0; i < draws_count(dr); i++) {
			struct draws_info di;
			draws_get(dr, i, &di);
			abandoned += strcmp(di.agency, a) == 0 && di.committed && !di.revealed &&
				     di.deadline_us < now_us;
		}
		fprintf(f, "  objects above the cap (R9): %u; abandoned commitments: %u\n", over,
			abandoned);
		if (abandoned)
			compliance_abandoned(f, r, a, now_us, "  ");
	}
	unsigned rechecks = 0;
	for (size_t d = 0; d < policy_draw_count(p); d++) {
		const struct policy_draw *pd = policy_draw_at(p, d);
		if (!pd->recheck)
			continue;
		if (rechecks++ == 0)
			fprintf(f, "\nre-check draws (复查) ordered by the justice bureau:\n");
		fprintf(f, "  draw %llu by %s: %s\n", (unsigned long long)pd->request_seq, pd->agency,
			pd->revealed ? "revealed" : "not revealed");
	}
}

/* Records of task ti: one per drawn object whose every agency has
 * published (R14 结果一次性公布). Appends to *recs. */
static int task_records(const struct policy *p, const struct plans_task_info *ti,
			struct publish_record **recs, size_t *n, size_t *cap, int *refused)
{
	struct publish_agency ag[PUBLISH_MAX_AGENCIES];
	size_t nag = 0;
	ag[nag++] = (struct publish_agency){.code = ti->agency,
					    .name = policy_agency_name(p, ti->agency)};
	for (size_t m = 0; m < ti->n_members && nag < PUBLISH_MAX_AGENCIES; m++)
		ag[nag++] = (struct publish_agency){.code = ti->members[m],
						    .name = policy_agency_name(p, ti->members[m])};
	struct publish_task pt = {.plan_no = ti->plan_id, .plan_name = ti->plan_name,
				  .task_no = ti->id, .task_name = ti->name,
				  .type = ti->targeted ? PUBLISH_TYPE_DIRECTED
						       : PUBLISH_TYPE_UNDIRECTED,
				  .agencies = ag, .n_agencies = nag};
	for (size_t i = 0; i < policy_check_count(p); i++) {
		const struct policy_check *c = policy_check_at(p, i);
		const struct result *got[PUBLISH_MAX_AGENCIES] = {0};
		size_t have = 0;
		if (strcmp(c->task_agency, ti->agency) != 0 || strcmp(c->task, ti->id) != 0)
			continue;
		for (size_t g = 0; g < nag; g++) {
			const struct result *res =
				policy_result_find(p, ag[g].code, ti->agency, ti->id, c->object);
			if (res && (res->state == RESULT_PUBLISHED || res->state == RESULT_CLOSED)) {
				got[g] = res;
				have++;
			}
		}
		if (have < nag)
			continue; /* not every member has published: not yet public */
		const char *nm = policy_object_name(p, ti->agency, c->object);
		struct publish_object obj = {.name = nm ? nm : c->object, .uscc = c->object};
		if (!publish_uscc_ok(c->object))
			continue; /* a product or project: not a credit-system record */
		if (util_grow((void **)recs, cap, *n, sizeof **recs) != SJ_OK)
			return 2;
		char err[300];
		if (publish_build(&(*recs)[*n], &obj, &pt, got, nag, err, sizeof err) != SJ_OK) {
			fprintf(stderr, "suiji-verify: not published: %s\n", err);
			*refused = 1;
			continue;
		}
		(*n)++;
	}
	return 0;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateString(v ? v : ""));
}

static void add_num(cJSON *o, const char *k, double v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateNumber(v));
}

static void add_ratio(cJSON *o, const char *k, uint32_t num, uint32_t den)
{
	char b[32];
	snprintf(b, sizeof b, "%u/%u", num, den);
	add_str(o, k, b);
}

static void add_time(cJSON *o, const char *k, int64_t us)
{
	char d[CALENDAR_DATE_LEN + 1];
	calendar_date_format(d, policy_day(us));
	add_str(o, k, d);
}

static const char *const method_names[] = {"", "on-site", "documentary", "online"};

/*
 * The public records of item lists, plans, tasks and draws (R17), as
 * JSON arrays by kind. Only what the policy publishes: item lists and
 * plans as written, tasks, and of each draw its commitment, beacon
 * values, seed, randomness, strata and drawn objects; never officers,
 * experts, conflicts or exclusion notes about people.
 */
static int public_entries(const struct replay *r, cJSON *items, cJSON *plans, cJSON *tasks)
{
	const struct plans *pl = replay_plans(r);
	for (size_t i = 0; i < plans_entry_count(pl); i++) {
		const struct plans_entry *e = plans_entry_at(pl, i);
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			return SJ_ENOMEM;
		add_num(o, "entry", (double)e->seq);
		add_time(o, "date", e->time_us);
		if (e->type == ENTRY_ITEM_LIST) {
			Suiji__ItemList *m = suiji__item_list__unpack(NULL, e->len, e->payload);
			if (m == NULL)
				goto bad;
			add_str(o, "agency", m->agency);
			add_num(o, "version", m->version);
			add_ratio(o, "general_ratio_cap", m->general_ratio_cap_num,
				  m->general_ratio_cap_den);
			cJSON *a = cJSON_AddArrayToObject(o, "items");
			for (size_t k = 0; a && k < m->n_items; k++) {
				const Suiji__CheckItem *it = m->items[k];
				cJSON *x = cJSON_CreateObject();
				add_str(x, "id", it->id);
				add_str(x, "legal_basis", it->legal_basis);
				add_str(x, "body", it->body);
				add_str(x, "content", it->content);
				add_str(x, "method", it->method <= 3 ? method_names[it->method] : "");
				add_ratio(x, "ratio", it->ratio_num, it->ratio_den);
				add_str(x, "frequency", it->frequency);
				cJSON_AddBoolToObject(x, "key", it->key);
				cJSON_AddItemToArray(a, x);
			}
			suiji__item_list__free_unpacked(m, NULL);
			cJSON_AddItemToArray(items, o);
		} else if (e->type == ENTRY_PLAN) {
			Suiji__Plan *m = suiji__plan__unpack(NULL, e->len, e->payload);
			if (m == NULL)
				goto bad;
			add_str(o, "step", "submitted");
			add_str(o, "agency", m->agency);
			add_str(o, "plan_id", m->plan_id);
			add_str(o, "name", m->name[0] ? m->name : m->plan_id);
			add_num(o, "year", m->year);
			add_num(o, "version", m->version);
			add_str(o, "scope", m->scope);
			add_str(o, "scope_filter", m->scope_filter);
			add_str(o, "timing", m->timing);
			cJSON *a = cJSON_AddArrayToObject(o, "items");
			for (size_t k = 0; a && k < m->n_items; k++) {
				cJSON *x = cJSON_CreateObject();
				add_str(x, "item", m->items[k]->item_id);
				add_ratio(x, "ratio", m->items[k]->ratio_num, m->items[k]->ratio_den);
				add_str(x, "frequency", m->items[k]->frequency);
				cJSON_AddItemToArray(a, x);
			}
			suiji__plan__free_unpacked(m, NULL);
			cJSON_AddItemToArray(plans, o);
		} else if (e->type == ENTRY_TASK) {
			Suiji__Task *m = suiji__task__unpack(NULL, e->len, e->payload);
			if (m == NULL)
				goto bad;
			add_str(o, "agency", m->agency);
			add_str(o, "task_id", m->task_id);
			add_str(o, "name", m->name[0] ? m->name : m->task_id);
			add_str(o, "plan_id", m->plan_id);
			add_num(o, "plan_version", m->plan_version);
			add_str(o, "scope_filter", m->scope_filter);
			cJSON *a = cJSON_AddArrayToObject(o, "items");
			for (size_t k = 0; a && k < m->n_item_ids; k++)
				cJSON_AddItemToArray(a, cJSON_CreateString(m->item_ids[k]));
			a = cJSON_AddArrayToObject(o, "strata");
			for (size_t k = 0; a && k < m->n_strata; k++) {
				cJSON *x = cJSON_CreateObject();
				add_str(x, "name", m->strata[k]->name);
				add_ratio(x, "ratio", m->strata[k]->ratio_num, m->strata[k]->ratio_den);
				cJSON_AddItemToArray(a, x);
			}
			add_num(o, "team_size", m->team_size);
			add_str(o, "start_date", m->start_date);
			add_str(o, "end_date", m->end_date);
			add_str(o, "type", m->targeted ? "定向抽查" : "不定向抽查");
			cJSON_AddBoolToObject(o, "joint", m->joint);
			a = cJSON_AddArrayToObject(o, "members");
			for (size_t k = 0; a && k < m->n_members; k++)
				cJSON_AddItemToArray(a, cJSON_CreateString(m->members[k]));
			suiji__task__free_unpacked(m, NULL);
			cJSON_AddItemToArray(tasks, o);
		} else {
			/* A plan's review, filing, publication: the step and when. */
			Suiji__PlanStep *m = suiji__plan_step__unpack(NULL, e->len, e->payload);
			if (m == NULL)
				goto bad;
			add_str(o, "step", e->type == ENTRY_PLAN_REVIEW
						   ? (m->approved ? "approved" : "returned")
					   : e->type == ENTRY_PLAN_FILE ? "filed"
									: "published");
			add_str(o, "agency", m->agency);
			add_str(o, "plan_id", m->plan_id);
			add_num(o, "version", m->version);
			suiji__plan_step__free_unpacked(m, NULL);
			cJSON_AddItemToArray(plans, o);
		}
		continue;
	bad:
		cJSON_Delete(o);
	}
	return SJ_OK;
}

static void public_draws(const struct replay *r, cJSON *draws)
{
	const struct policy *p = replay_policy(r);
	for (size_t i = 0; i < policy_draw_count(p); i++) {
		const struct policy_draw *d = policy_draw_at(p, i);
		if (!d->revealed)
			continue;
		cJSON *o = cJSON_CreateObject(), *a;
		add_num(o, "request_entry", (double)d->request_seq);
		add_num(o, "commit_entry", (double)d->commit_seq);
		add_num(o, "reveal_entry", (double)d->reveal_seq);
		add_str(o, "agency", d->agency);
		add_str(o, "task", d->task);
		add_str(o, "request_id", d->request_id);
		cJSON_AddBoolToObject(o, "substitution", d->substitution);
		cJSON_AddBoolToObject(o, "recheck", d->recheck);
		public_draw_facts(r, o, d->request_seq);
		add_str(o, "commit_entry_hash", d->commit_hash);
		add_str(o, "seed", d->seed);
		add_str(o, "randomness", d->randomness);
		a = cJSON_AddArrayToObject(o, "beacons");
		for (size_t b = 0; a && b < d->n_beacons; b++) {
			cJSON *x = cJSON_CreateObject();
			add_str(x, "source", d->beacons[b].source);
			add_num(x, "round", (double)d->beacons[b].round);
			add_str(x, "value", d->beacons[b].value);
			cJSON_AddItemToArray(a, x);
		}
		a = cJSON_AddArrayToObject(o, "strata");
		for (size_t s = 0; a && s < d->n_strata; s++) {
			cJSON *x = cJSON_CreateObject();
			add_str(x, "name", d->strata[s].name);
			add_num(x, "eligible", d->strata[s].n);
			add_num(x, "drawn", d->strata[s].k);
			if (d->strata[s].den)
				add_ratio(x, "ratio", d->strata[s].num, d->strata[s].den);
			cJSON_AddItemToArray(a, x);
		}
		a = cJSON_AddArrayToObject(o, "drawn");
		for (size_t k = 0; a && k < d->n_picks; k++) {
			cJSON *x = cJSON_CreateObject();
			add_str(x, "id", d->picks[k].id);
			add_str(x, "stratum", d->picks[k].stratum < d->n_strata
						      ? d->strata[d->picks[k].stratum].name
						      : "");
			add_num(x, "slot", d->picks[k].slot);
			cJSON_AddItemToArray(a, x);
		}
		cJSON_AddItemToArray(draws, o);
	}
}

/* The first string in j shaped like a phone or ID number (publish_scan),
 * or NULL: the second line of defence of R17 for free texts such as a
 * plan's scope. Hashes and identifiers in hex are exempt. */
static const cJSON *pii(const cJSON *j, struct publish_hit *hit)
{
	/* Fields that are hashes, scores, encodings, signed notes or credit
	 * codes by construction: digits there are not anyone's number. */
	static const char *const machine[] = {
		"id",        "cutoff_id",      "seed",     "randomness",         "value",
		"score",     "cutoff_score",   "objects",  "commit_entry_bytes", "inputs_hash",
		"checkpoint", "log_key",       "document", "commit_entry_hash",
	};
	for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
		int skip = 0;
		for (size_t k = 0; c->string && k < sizeof machine / sizeof machine[0]; k++)
			skip |= strcmp(c->string, machine[k]) == 0;
		if (cJSON_IsString(c) && c->string && !skip &&
		    publish_scan(c->valuestring, strlen(c->valuestring), hit))
			return c;
		const cJSON *in = pii(c, hit);
		if (in)
			return in;
	}
	return NULL;
}

int compliance_write_json(const char *dir, const char *name, cJSON *j)
{
	char path[4096], *text;
	int rc = 0;
	struct publish_hit hit;
	const cJSON *bad = pii(j, &hit);
	if (bad) {
		fprintf(stderr, "suiji-verify: not published: %s field \"%s\" holds what looks like "
				"%s (R17)\n",
			name, bad->string, publish_pii_name(hit.kind));
		cJSON_Delete(j);
		return 1;
	}
	text = cJSON_Print(j);
	snprintf(path, sizeof path, "%.4000s/%s", dir, name);
	if (text == NULL || util_write_file(path, text, strlen(text), 0644) != SJ_OK) {
		fprintf(stderr, "suiji-verify: cannot write %s\n", path);
		rc = 2;
	}
	free(text);
	cJSON_Delete(j);
	return rc;
}

int compliance_publish(const struct replay *r, const char *dir, size_t *n_records)
{
	const struct policy *p = replay_policy(r);
	const struct plans *pl = replay_plans(r);
	struct publish_record *recs = NULL;
	size_t n = 0, cap = 0, len;
	char *out = NULL, path[4096], err[300];
	int refused = 0, rc = 0;

	for (size_t t = 0; t < plans_task_count(pl) && rc == 0; t++) {
		struct plans_task_info ti;
		plans_task_at(pl, t, &ti);
		rc = task_records(p, &ti, &recs, &n, &cap, &refused);
	}
	*n_records = n;
	for (int form = 0; form < 2 && rc == 0; form++) {
		int e = form ? publish_json(&out, &len, recs, n, err, sizeof err)
			     : publish_csv(&out, &len, recs, n, err, sizeof err);
		if (e != SJ_OK) {
			fprintf(stderr, "suiji-verify: %s\n", err);
			rc = e == SJ_EINVAL ? 1 : 2;
			break;
		}
		snprintf(path, sizeof path, "%.4000s/results.%s", dir, form ? "json" : "csv");
		if (util_write_file(path, out, len, 0644) != SJ_OK) {
			fprintf(stderr, "suiji-verify: cannot write %s\n", path);
			rc = 2;
		}
		free(out);
		out = NULL;
	}
	free(recs);
	if (rc == 0) {
		cJSON *items = cJSON_CreateArray(), *plans = cJSON_CreateArray();
		cJSON *tasks = cJSON_CreateArray(), *draws = cJSON_CreateArray();
		if (items == NULL || plans == NULL || tasks == NULL || draws == NULL ||
		    public_entries(r, items, plans, tasks) != SJ_OK) {
			cJSON_Delete(items);
			cJSON_Delete(plans);
			cJSON_Delete(tasks);
			cJSON_Delete(draws);
			return 2;
		}
		public_draws(r, draws);
		int w[4] = {compliance_write_json(dir, "items.json", items),
			    compliance_write_json(dir, "plans.json", plans),
			    compliance_write_json(dir, "tasks.json", tasks),
			    compliance_write_json(dir, "draws.json", draws)};
		for (int k = 0; k < 4; k++)
			rc = w[k] > rc ? w[k] : rc;
	}
	return rc ? rc : refused;
}

/* ---- Directory changes just before a draw (a finding, R19) ---- */

static const char *const predraw_effects[] = {
	POLICY_PREDRAW_DEREGISTERED, POLICY_PREDRAW_REACTIVATED, POLICY_PREDRAW_COMPLAINT,
	POLICY_PREDRAW_UNCOMPLAINED, POLICY_PREDRAW_RISK,	 POLICY_PREDRAW_SCOPE_IN,
	POLICY_PREDRAW_SCOPE_OUT};
#define NPREDRAW (sizeof predraw_effects / sizeof predraw_effects[0])

struct predraw_tally {
	FILE *f;
	int ids; /* the supervisor's report names the objects */
	size_t n[NPREDRAW];
};

static int predraw_each(void *ctx, const struct policy_predraw_change *c)
{
	struct predraw_tally *t = ctx;
	for (size_t k = 0; k < NPREDRAW; k++)
		if (strcmp(c->effect, predraw_effects[k]) == 0)
			t->n[k]++;
	if (t->ids) {
		char day[CALENDAR_DATE_LEN + 1];
		calendar_date_format(day, policy_day(c->time_us));
		fprintf(t->f, "      %-17s %s (directory import, entry %llu, %s)\n", c->effect,
			c->object, (unsigned long long)c->seq, day);
	}
	return SJ_OK;
}

void compliance_predraw(FILE *f, const struct replay *r, const char *agency, uint32_t days,
			int ids)
{
	const struct policy *p = replay_policy(r);
	const struct draws *dr = replay_draws(r);
	int64_t window = (int64_t)days * 86400 * 1000000;
	size_t total = 0, ndraws = 0;

	if (ids)
		fprintf(f, "\ndirectory changes within %u days before a draw that moved objects into "
			   "or out of it:\n",
			days);
	for (size_t i = 0; i < draws_count(dr); i++) {
		struct draws_info di;
		struct predraw_tally t = {.f = f, .ids = ids};
		size_t n = 0;
		draws_get(dr, i, &di);
		if (agency && strcmp(di.agency, agency) != 0)
			continue;
		/* Counted first, so the draw's line comes before its objects. */
		if (policy_predraw(p, replay_plans(r), di.agency, di.task, di.request_seq,
				   di.request_time_us, window, NULL, NULL, &n) != SJ_OK ||
		    n == 0)
			continue;
		if (ids)
			fprintf(f, "  draw %llu of %s task %s (request %s): %zu change%s\n",
				(unsigned long long)di.request_seq, di.agency, di.task, di.request_id,
				n, n == 1 ? "" : "s");
		if (policy_predraw(p, replay_plans(r), di.agency, di.task, di.request_seq,
				   di.request_time_us, window, predraw_each, &t, &n) != SJ_OK)
			continue;
		total += n;
		ndraws++;
		if (ids)
			continue;
		fprintf(f, "       draw %llu of %s task %s:", (unsigned long long)di.request_seq,
			di.agency, di.task);
		for (size_t k = 0, first = 1; k < NPREDRAW; k++)
			if (t.n[k]) {
				fprintf(f, "%s %zu %s", first ? "" : ",", t.n[k], predraw_effects[k]);
				first = 0;
			}
		fprintf(f, "\n");
	}
	if (ids && total == 0)
		fprintf(f, "  none\n");
	if (!ids)
		fprintf(f,
			"  R6  %zu directory change%s within %u days before %zu draw%s moved objects "
			"into or out of them (pre-draw window, --predraw-window)\n",
			total, total == 1 ? "" : "s", days, ndraws, ndraws == 1 ? "" : "s");
}
