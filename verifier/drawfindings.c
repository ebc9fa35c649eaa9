/*
 * drawfindings.c: the per-task draw findings (drawfindings.h).
 *
 * The deadline for a drawn object's result is its task's end date: the
 * task fixes when its checks are made, and R15's twenty working days run
 * from a check's last day, which an object without a result does not have.
 * An object replaced as deregistered (a substitution's reason
 * object-deregistered) needs no result: the substitution's object does.
 */
#include "verifier/drawfindings.h"

#include <string.h>

#include "results/calendar.h"
#include "rules/policy.h"

void drawfindings_count(const struct replay *r, const char *agency, const char *task,
                        struct drawfindings_count *out)
{
	const struct policy *p = replay_policy(r);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < policy_draw_count(p); i++) {
		const struct policy_draw *d = policy_draw_at(p, i);
		if (strcmp(d->agency, agency) != 0 || strcmp(d->task, task) != 0)
			continue;
		if (d->recheck)
			out->rechecks++;
		else if (d->redraw)
			out->redraws++;
		else if (d->substitution)
			out->substitutions++;
		else
			out->regular++;
		out->total++;
	}
}

/* 1 when a substitution of agency's task replaced object as
 * deregistered. */
static int replaced_deregistered(const struct policy *p, const char *agency, const char *task,
                                 const char *object)
{
	static const char code[] = "object-deregistered ";
	for (size_t i = 0; i < policy_draw_count(p); i++) {
		const struct policy_draw *d = policy_draw_at(p, i);
		if (d->substitution && !d->broken && strcmp(d->agency, agency) == 0 &&
		    strcmp(d->task, task) == 0 && strncmp(d->reason, code, sizeof code - 1) == 0 &&
		    strcmp(d->reason + sizeof code - 1, object) == 0)
			return 1;
	}
	return 0;
}

int drawfindings_missing(const struct replay *r, const struct plans_task_info *ti,
                         const char *object, int32_t today)
{
	const struct policy *p = replay_policy(r);
	int32_t end;
	if (calendar_date_parse(&end, ti->end_date, strlen(ti->end_date)) != SJ_OK || end >= today)
		return 0;
	return policy_result_find(p, ti->agency, ti->agency, ti->id, object) == NULL &&
	       !replaced_deregistered(p, ti->agency, ti->id, object);
}

void drawfindings_print(FILE *f, const struct replay *r, int32_t today)
{
	const struct policy *p = replay_policy(r);
	const struct plans *pl = replay_plans(r);
	unsigned multi = 0, subs = 0, missing = 0;
	char first_multi[300] = "", first_sub[300] = "", first_missing[300] = "";
	for (size_t t = 0; t < plans_task_count(pl); t++) {
		struct plans_task_info ti;
		struct drawfindings_count n;
		plans_task_at(pl, t, &ti);
		drawfindings_count(r, ti.agency, ti.id, &n);
		if (n.total > 1 && multi++ == 0)
			snprintf(first_multi, sizeof first_multi,
			         "task %s of %s: %u regular, %u redraw%s, %u substitution%s, %u "
			         "re-check%s",
			         ti.id, ti.agency, n.regular, n.redraws, n.redraws == 1 ? "" : "s",
			         n.substitutions, n.substitutions == 1 ? "" : "s", n.rechecks,
			         n.rechecks == 1 ? "" : "s");
	}
	for (size_t i = 0; i < policy_draw_count(p); i++) {
		const struct policy_draw *d = policy_draw_at(p, i);
		if (d->substitution && !d->recheck && subs++ == 0)
			snprintf(first_sub, sizeof first_sub,
			         "draw %llu of task %s replaces draw %llu: %s",
			         (unsigned long long)d->request_seq, d->task,
			         (unsigned long long)d->replaced_seq, d->reason);
	}
	for (size_t i = 0; i < policy_check_count(p); i++) {
		const struct policy_check *c = policy_check_at(p, i);
		struct plans_task_info ti;
		if (plans_task(pl, c->task_agency, c->task, &ti) != SJ_OK ||
		    !drawfindings_missing(r, &ti, c->object, today))
			continue;
		if (missing++ == 0)
			snprintf(first_missing, sizeof first_missing,
			         "%s drawn for task %s of %s, which ended %s", c->object, c->task,
			         c->task_agency, ti.end_date);
	}
	fprintf(f, "  R6  %u task%s drawn more than once%s%s\n", multi, multi == 1 ? "" : "s",
	        multi ? "; first: " : "", first_multi);
	fprintf(f, "  R6  %u substitution%s (补抽)%s%s\n", subs, subs == 1 ? "" : "s",
	        subs ? "; first: " : "", first_sub);
	fprintf(f, "  R15 %u drawn object%s without a result after the task's end%s%s\n", missing,
	        missing == 1 ? "" : "s", missing ? "; first: " : "", first_missing);
}

void drawfindings_task(FILE *f, const struct replay *r, const struct plans_task_info *ti,
                       int32_t today)
{
	const struct policy *p = replay_policy(r);
	struct drawfindings_count n;
	unsigned missing = 0;
	drawfindings_count(r, ti->agency, ti->id, &n);
	fprintf(f, "    draws (R6): %u regular, %u redraw%s, %u substitution%s%s\n", n.regular,
	        n.redraws, n.redraws == 1 ? "" : "s", n.substitutions,
	        n.substitutions == 1 ? "" : "s", n.total > 1 ? "  MORE THAN ONE DRAW" : "");
	for (size_t i = 0; i < policy_draw_count(p); i++) {
		const struct policy_draw *d = policy_draw_at(p, i);
		if (strcmp(d->agency, ti->agency) != 0 || strcmp(d->task, ti->id) != 0 ||
		    (!d->substitution && !d->redraw && !d->broken))
			continue;
		fprintf(f, "    %s%s: draw %llu replaces draw %llu: %s\n",
		        d->broken ? "REFUSED BY THE RULES " : "",
		        d->redraw         ? "REDRAW"
		        : d->substitution ? "SUBSTITUTION (补抽)"
		                          : "DRAW",
		        (unsigned long long)d->request_seq, (unsigned long long)d->replaced_seq,
		        d->reason[0] ? d->reason : "-");
	}
	for (size_t i = 0; i < policy_check_count(p); i++) {
		const struct policy_check *c = policy_check_at(p, i);
		if (strcmp(c->task_agency, ti->agency) != 0 || strcmp(c->task, ti->id) != 0 ||
		    !drawfindings_missing(r, ti, c->object, today))
			continue;
		missing++;
		fprintf(f, "    NO RESULT (R15): %s was drawn; the task ended %s\n", c->object,
		        ti->end_date);
	}
	if (missing)
		fprintf(f, "    drawn objects without a result: %u\n", missing);
}
