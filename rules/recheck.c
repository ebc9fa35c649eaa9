/*
 * recheck.c: what a re-check draw (复查, R19) must commit to
 * (policy.h, policy_recheck_expect). The justice bureau states a scope;
 * the ledger gives everything else: the object pool is every published
 * result in that scope, the officer and expert pools the bureau's own
 * directory's active people with their tags (R2, R13), and the conflicts
 * that directory declares between them and the pooled objects (R12). So
 * no result and no officer can be chosen by hand.
 */
#include "rules/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "rules/rules.h"

static int obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_object *)a)->id, ((const struct policy_object *)b)->id);
}

static int person_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_person *)a)->id, ((const struct policy_person *)b)->id);
}

static const char *keep_str(struct policy_expect *x, const char *s)
{
	if (util_grow((void **)&x->strings, &x->c_strings, x->n_strings, sizeof *x->strings) !=
	    SJ_OK)
		return NULL;
	char *c = strdup(s);
	if (c)
		x->strings[x->n_strings++] = c;
	return c;
}

int policy_recheck_scope_parse(struct policy_recheck_scope *out, const char *task)
{
	static const char prefix[] = POLICY_RECHECK_PREFIX;
	const char *a = task, *colon, *y;
	char *end;
	memset(out, 0, sizeof *out);
	if (strncmp(a, prefix, sizeof prefix - 1) != 0)
		return SJ_EINVAL;
	a += sizeof prefix - 1;
	colon = strchr(a, ':');
	if (colon == NULL || colon == a || (size_t)(colon - a) > ENTRY_MAX_AGENCY)
		return SJ_EINVAL;
	snprintf(out->agency, sizeof out->agency, "%.*s", (int)(colon - a), a);
	y = colon + 1;
	if (y[0] < '0' || y[0] > '9')
		return SJ_EINVAL;
	unsigned long year = strtoul(y, &end, 10);
	if (end != y + 4 || year < 2000 || year > 2100 || (*end != '\0' && *end != ':'))
		return SJ_EINVAL;
	out->year = (uint32_t)year;
	if (*end == ':') {
		if (end[1] == '\0' || strlen(end + 1) > DRAW_MAX_ID)
			return SJ_EINVAL;
		snprintf(out->task, sizeof out->task, "%s", end + 1);
	}
	return SJ_OK;
}

/* Objects: every current result of the scope's agency with a
 * publication, of a task of the scope's year (and the scope's task if it
 * names one), each object once, in one stratum. */
static int recheck_objects(const struct policy *p, const struct plans *pl,
                           const struct policy_recheck_scope *sc, struct policy_expect *x)
{
	size_t cobj = 0, n = policy_result_count(p);
	for (size_t i = 0; i < n; i++) {
		const char *ta;
		const struct result *r = policy_result_at(p, i, &ta);
		struct plans_task_info ti;
		if (r == NULL || r->published_on == RESULT_NO_DATE ||
		    strcmp(r->agency, sc->agency) != 0 ||
		    (sc->task[0] && strcmp(r->task, sc->task)) ||
		    plans_task(pl, ta, r->task, &ti) != SJ_OK || ti.year != sc->year)
			continue;
		if (util_grow((void **)&x->objects, &cobj, x->n_objects, sizeof *x->objects) !=
		    SJ_OK)
			return SJ_ENOMEM;
		x->objects[x->n_objects++] =
		    (struct policy_object){.id = r->object, .stratum = POLICY_RECHECK_STRATUM};
	}
	rules_sort(x->objects, x->n_objects, sizeof *x->objects, obj_cmp);
	/* One object may have results of several tasks of the year: once. */
	size_t k = 0;
	for (size_t i = 0; i < x->n_objects; i++)
		if (k == 0 || strcmp(x->objects[k - 1].id, x->objects[i].id) != 0)
			x->objects[k++] = x->objects[i];
	x->n_objects = k;
	return SJ_OK;
}

/* The bureau's active people of kind, ascending (R2, R13). */
static int recheck_people(const struct policy *p, const char *bureau, unsigned kind,
                          struct policy_person **out, size_t *n)
{
	int rc = policy_collect_people(p, bureau, kind, out, n);
	if (rc == SJ_OK)
		rules_sort(*out, *n, sizeof **out, person_cmp);
	return rc;
}

/* Every conflict the bureau's directory declares between a pooled person
 * and a pooled object (R12), once. */
static int recheck_conflicts(const struct policy *p, const char *bureau, struct policy_expect *x)
{
	size_t ccon = 0, n = dirs_conflict_count(p->dirs);
	for (size_t i = 0; i < n; i++) {
		const struct dirs_conflict *c = dirs_conflict_at(p->dirs, i);
		struct policy_object ko = {.id = c->object};
		struct policy_person kp = {.id = c->person};
		int officer = c->kind == PERSON_OFFICER;
		if (strcmp(c->dir_agency, bureau) != 0 ||
		    !rules_find(&ko, x->objects, x->n_objects, sizeof ko, obj_cmp) ||
		    !rules_find(&kp, officer ? x->officers : x->experts,
		                officer ? x->n_officers : x->n_experts, sizeof kp, person_cmp))
			continue;
		int dup = 0;
		for (size_t j = 0; j < x->n_conflicts && !dup; j++)
			dup = x->conflicts[j].kind == (enum draw_kind)c->kind &&
			      strcmp(x->conflicts[j].object, c->object) == 0 &&
			      strcmp(x->conflicts[j].person, c->person) == 0;
		if (dup)
			continue;
		if (util_grow((void **)&x->conflicts, &ccon, x->n_conflicts,
		              sizeof *x->conflicts) != SJ_OK)
			return SJ_ENOMEM;
		x->conflicts[x->n_conflicts++] = (struct draw_conflict){
		    .kind = (enum draw_kind)c->kind, .object = c->object, .person = c->person};
	}
	rules_sort(x->conflicts, x->n_conflicts, sizeof *x->conflicts, draw_spec_conflict_cmp);
	return SJ_OK;
}

int policy_recheck_expect(const struct policy *p, const struct plans *pl, const char *bureau,
                          const char *task, struct policy_expect **out, char *err, size_t err_cap)
{
	struct policy_recheck_scope sc;
	struct policy_expect *x = calloc(1, sizeof *x);
	const char **strata = calloc(1, sizeof *strata);
	int rc = SJ_ENOMEM;

	*out = NULL;
	if (x == NULL || strata == NULL) {
		free(strata);
		goto out;
	}
	x->strata = strata;
	strata[0] = POLICY_RECHECK_STRATUM;
	if (policy_recheck_scope_parse(&sc, task) != SJ_OK) {
		snprintf(err, err_cap,
		         "a re-check draw states its scope as its task, " POLICY_RECHECK_PREFIX
		         "AGENCY:YEAR or " POLICY_RECHECK_PREFIX "AGENCY:YEAR:TASK, not \"%s\"",
		         task);
		rc = SJ_EINVAL;
		goto out;
	}
	if (agencies_find(p->ag, sc.agency) == NULL) {
		snprintf(err, err_cap,
		         "the re-check scope names agency %s, which is not registered", sc.agency);
		rc = SJ_EINVAL;
		goto out;
	}
	if ((x->task.id = keep_str(x, task)) == NULL ||
	    (x->task.agency = keep_str(x, bureau)) == NULL ||
	    (x->task.rounding = keep_str(x, "ceil")) == NULL)
		goto out;
	x->task.year = sc.year;
	if ((rc = recheck_objects(p, pl, &sc, x)) != SJ_OK)
		goto out;
	if (x->n_objects == 0) {
		snprintf(err, err_cap, "the re-check scope %s holds no published result", task);
		rc = SJ_ENOENT;
		goto out;
	}
	x->n_strata = 1;
	if ((rc = recheck_people(p, bureau, RECORD_OFFICER, &x->officers, &x->n_officers)) !=
	        SJ_OK ||
	    (rc = recheck_people(p, bureau, RECORD_EXPERT, &x->experts, &x->n_experts)) != SJ_OK ||
	    (rc = recheck_conflicts(p, bureau, x)) != SJ_OK)
		goto out;
	*out = x;
	x = NULL;
out:
	policy_expect_free(x);
	return rc;
}
