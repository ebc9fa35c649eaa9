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

#include <cjson/cJSON.h>
#include <string.h>

#include "results/calendar.h"
#include "rules/policy.h"

/* Drawn objects without a result named per task in the supervision
 * report; the rest are counted. */
#define DRAWFINDINGS_LISTED 10u

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
		/* The first ones by name; the report stays readable for a
		 * task that entered nothing at all. */
		if (missing++ < DRAWFINDINGS_LISTED)
			fprintf(f, "    NO RESULT (R15): %s was drawn; the task ended %s\n",
			        c->object, ti->end_date);
	}
	if (missing > DRAWFINDINGS_LISTED)
		fprintf(f, "    NO RESULT (R15): %u more\n", missing - DRAWFINDINGS_LISTED);
	if (missing)
		fprintf(f, "    drawn objects without a result: %u\n", missing);
}

/* The public part of a replace reason: its code and the object, never
 * the officer (R17). */
static void public_reason(char *out, size_t cap, const char *reason)
{
	struct policy_replace rp;
	char why[8];
	if (reason[0] == '\0' || policy_replace_parse(&rp, reason, why, sizeof why) != SJ_OK)
		snprintf(out, cap, "%s", reason[0] ? "other" : "");
	else
		snprintf(out, cap, "%s%s%s", policy_replace_name(rp.code), rp.object[0] ? " " : "",
		         rp.object);
}

static cJSON *task_draws_json(const struct replay *r, const struct plans_task_info *ti)
{
	const struct policy *p = replay_policy(r);
	const struct draws *dr = replay_draws(r);
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < policy_draw_count(p); i++) {
		const struct policy_draw *d = policy_draw_at(p, i);
		struct draws_info info;
		size_t k;
		char day[CALENDAR_DATE_LEN + 1] = "", why[2 * DRAW_MAX_ID + 32];
		if (strcmp(d->agency, ti->agency) != 0 || strcmp(d->task, ti->id) != 0)
			continue;
		if (draws_find(dr, d->request_seq, &k) == SJ_OK) {
			draws_get(dr, k, &info);
			calendar_date_format(day, policy_day(info.request_time_us));
		}
		public_reason(why, sizeof why, d->reason);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)d->request_seq);
		cJSON_AddStringToObject(o, "date", day);
		cJSON_AddStringToObject(o, "kind",
		                        d->recheck        ? "re-check"
		                        : d->redraw       ? "redraw"
		                        : d->substitution ? "substitution"
		                                          : "regular");
		if (d->replaced_seq)
			cJSON_AddNumberToObject(o, "replaces", (double)d->replaced_seq);
		if (why[0])
			cJSON_AddStringToObject(o, "reason", why);
		cJSON_AddBoolToObject(o, "revealed", d->revealed);
		cJSON_AddBoolToObject(o, "refused", d->broken);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *drawfindings_json(const struct replay *r, int32_t today)
{
	const struct policy *p = replay_policy(r);
	const struct plans *pl = replay_plans(r);
	cJSON *out = cJSON_CreateArray();
	for (size_t t = 0; out && t < plans_task_count(pl); t++) {
		struct plans_task_info ti;
		plans_task_at(pl, t, &ti);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "agency", ti.agency);
		cJSON_AddStringToObject(o, "task", ti.id);
		cJSON_AddItemToObject(o, "draws", task_draws_json(r, &ti));
		cJSON *miss = cJSON_AddArrayToObject(o, "no_result");
		for (size_t i = 0; miss && i < policy_check_count(p); i++) {
			const struct policy_check *c = policy_check_at(p, i);
			if (strcmp(c->task_agency, ti.agency) == 0 && strcmp(c->task, ti.id) == 0 &&
			    drawfindings_missing(r, &ti, c->object, today))
				cJSON_AddItemToArray(miss, cJSON_CreateString(c->object));
		}
		cJSON_AddItemToArray(out, o);
	}
	return out;
}
