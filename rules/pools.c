/*
 * pools.c: what a draw tied to a task must commit to (policy.h,
 * policy_expect): the object pool and its strata (R1, R6, R7, R10), the
 * exclusions (R6, R9), the officer and expert pools (R2, R13, R14) and the
 * declared conflicts among them (R12); and the checks of an object counted
 * against an agency's annual cap (R9).
 */
#include "rules/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "rules/filter.h"
#include "rules/rules.h"

/* ---- Checks counted against the cap (R9) ---- */

unsigned policy_checks_against(const struct policy *p, const char *agency, const char *object,
			       uint32_t year)
{
	char key[256], y[12];
	unsigned n = 0;
	const char *root = agencies_root(p->ag, agency);
	snprintf(y, sizeof y, "%u", year);
	long i = hmap_get(&p->m_yearobj, hmap_key(key, sizeof key, y, object, NULL, NULL));
	while (i >= 0) {
		const struct policy_check *c = &p->checks[i];
		if (strcmp(agencies_root(p->ag, c->task_agency), root) == 0)
			n++;
		i = (long)p->check_next[i] - 1;
	}
	return n;
}

/* The reason an object at the cap is excluded: a superior agency's check
 * among those counted, else another unit's, else the agency's own. */
static enum draw_reason cap_reason(const struct policy *p, const char *agency, const char *object,
				   uint32_t year)
{
	char key[256], y[12];
	int other = 0;
	const char *root = agencies_root(p->ag, agency);
	snprintf(y, sizeof y, "%u", year);
	long i = hmap_get(&p->m_yearobj, hmap_key(key, sizeof key, y, object, NULL, NULL));
	for (; i >= 0; i = (long)p->check_next[i] - 1) {
		const struct policy_check *c = &p->checks[i];
		if (strcmp(agencies_root(p->ag, c->task_agency), root) != 0)
			continue;
		if (agencies_above(p->ag, c->task_agency, agency))
			return DRAW_REASON_SUPERIOR;
		if (strcmp(c->task_agency, agency) != 0)
			other = 1;
	}
	return other ? DRAW_REASON_OTHER_UNIT : DRAW_REASON_ANNUAL_CAP;
}

/* ---- What a tied draw must fix ---- */

static const char *x_str(struct policy_expect *x, const char *s)
{
	if (util_grow((void **)&x->strings, &x->c_strings, x->n_strings, sizeof *x->strings) !=
	    SJ_OK)
		return NULL;
	char *c = strdup(s);
	if (c)
		x->strings[x->n_strings++] = c;
	return c;
}

void policy_expect_free(struct policy_expect *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->n_strings; i++)
		free(x->strings[i]);
	free(x->strings);
	free((void *)x->agencies);
	free(x->objects);
	free(x->exclusions);
	free(x->officers);
	free(x->experts);
	free(x->conflicts);
	free((void *)x->strata);
	free(x->unavailable);
	free(x->unavailable_why);
	free(x);
}

static int obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_object *)a)->id, ((const struct policy_object *)b)->id);
}

static int person_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_person *)a)->id, ((const struct policy_person *)b)->id);
}

static int excl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct draw_exclusion *)a)->id,
		      ((const struct draw_exclusion *)b)->id);
}

/* The task's agencies: the lead and a joint task's members (R14). */
static int expect_agencies(struct policy_expect *x)
{
	const char **ag = calloc(1 + x->task.n_members, sizeof *ag);
	if (ag == NULL)
		return SJ_ENOMEM;
	ag[0] = x->task.agency;
	for (size_t i = 0; i < x->task.n_members; i++)
		ag[1 + i] = x->task.members[i];
	x->n_agencies = 1 + x->task.n_members;
	rules_sort(ag, x->n_agencies, sizeof *ag, rules_str_cmp);
	x->agencies = ag;
	return SJ_OK;
}

/* The stratum of object o (R7, R10) into *out. SJ_EINVAL (R7, named in
 * err) when the task gives no ratio for its risk class. */
static int object_stratum(const struct policy_expect *x, const struct dirs_object *o,
			  const char **out, char *err, size_t err_cap)
{
	const char *stratum = o->risk[0] ? o->risk : "none";
	if (rules_in_list(o->tags, o->ntags, POLICY_COMPLAINT_TAG)) {
		*out = POLICY_KEY_STRATUM;
		return SJ_OK;
	}
	for (size_t s = 0; s < x->task.n_strata; s++)
		if (strcmp(x->task.strata[s].name, stratum) == 0) {
			*out = stratum;
			return SJ_OK;
		}
	snprintf(err, err_cap, "R7: object %s has risk class %s, for which task %s gives no ratio",
		 o->id, stratum, x->task.id);
	return SJ_EINVAL;
}

/* Appends o's exclusion to x when the ledger gives a reason to leave it
 * out (R6: not active; R9: at the cap). */
static int expect_exclusion(const struct policy *p, struct policy_expect *x, const char *agency,
			    const struct dirs_object *o, size_t *cexc)
{
	enum draw_reason why = 0;
	char note[96] = "";
	if (o->status != OBJECT_ACTIVE) {
		why = DRAW_REASON_DEREGISTERED;
		snprintf(note, sizeof note, "directory status %u", o->status);
	} else {
		unsigned n = 0;
		for (size_t a = 0; a < x->n_agencies; a++) {
			unsigned c = policy_checks_against(p, x->agencies[a], o->id, x->task.year);
			if (c > n)
				n = c;
		}
		if (n >= policy_cap(p, agency)) {
			why = cap_reason(p, agency, o->id, x->task.year);
			snprintf(note, sizeof note, "%u checks in %u, cap %u", n, x->task.year,
				 policy_cap(p, agency));
		}
	}
	if (!why)
		return SJ_OK;
	if (util_grow((void **)&x->exclusions, cexc, x->n_exclusions, sizeof *x->exclusions) !=
	    SJ_OK)
		return SJ_ENOMEM;
	const char *nt = x_str(x, note);
	if (nt == NULL)
		return SJ_ENOMEM;
	x->exclusions[x->n_exclusions++] =
		(struct draw_exclusion){.kind = DRAW_OBJECT, .id = o->id, .reason = why, .note = nt};
	return SJ_OK;
}

/* Objects: the scope of the lead's directory (R1, R6), strata by risk
 * class (R7) or "key" for complaints (R10), exclusions (R6, R9). */
static int expect_objects(const struct policy *p, struct policy_expect *x, const char *agency,
			  const struct filter *f, char *err, size_t err_cap)
{
	const char **strata = NULL;
	size_t nstrata = 0, cobj = 0, cexc = 0, n = dirs_object_count(p->dirs);
	int rc = SJ_OK;
	for (size_t i = 0; i < n && rc == SJ_OK; i++) {
		const struct dirs_object *o = dirs_object_at(p->dirs, i);
		if (o == NULL || strcmp(o->agency, agency) != 0)
			continue;
		struct filter_object fo = {.category = o->category, .district = o->district,
					   .risk_class = o->risk, .credit_level = o->credit,
					   .tags = o->tags, .ntags = o->ntags};
		const char *stratum;
		if (!filter_match(f, &fo))
			continue;
		if ((rc = object_stratum(x, o, &stratum, err, err_cap)) != SJ_OK)
			break;
		rc = SJ_ENOMEM;
		if (util_grow((void **)&x->objects, &cobj, x->n_objects, sizeof *x->objects) !=
		    SJ_OK)
			break;
		x->objects[x->n_objects++] = (struct policy_object){.id = o->id, .stratum = stratum};
		if (!rules_in_list(strata, nstrata, stratum)) {
			const char **v = realloc(strata, (nstrata + 1) * sizeof *v);
			if (v == NULL)
				break;
			strata = v;
			strata[nstrata++] = stratum;
		}
		rc = expect_exclusion(p, x, agency, o, &cexc);
	}
	rules_sort(x->objects, x->n_objects, sizeof *x->objects, obj_cmp);
	rules_sort(x->exclusions, x->n_exclusions, sizeof *x->exclusions, excl_cmp);
	rules_sort(strata, nstrata, sizeof *strata, rules_str_cmp);
	x->strata = strata;
	x->n_strata = nstrata;
	return rc;
}

/* The current version of each person of kind in dir_agency's directory
 * who is active, appended to *out (policy_int.h). */
int policy_collect_people(const struct policy *p, const char *dir_agency, unsigned kind,
			  struct policy_person **out, size_t *n)
{
	size_t count = dirs_person_count(p->dirs);
	for (size_t i = 0; i < count; i++) {
		const struct dirs_person *x = dirs_person_at(p->dirs, i);
		if (x == NULL || x->kind != kind || strcmp(x->dir_agency, dir_agency) != 0 ||
		    x->status != PERSON_ACTIVE)
			continue;
		struct policy_person *v = realloc(*out, (*n + 1) * sizeof **out);
		if (v == NULL)
			return SJ_ENOMEM;
		*out = v;
		v[*n] = (struct policy_person){.id = x->id, .agency = x->agency,
					       .tags = x->tags, .ntags = x->ntags};
		(*n)++;
	}
	return SJ_OK;
}

/* People: every active officer of the task's agencies, every active
 * expert of the lead's directory (R2, R13, R14). */
static int expect_people(const struct policy *p, struct policy_expect *x, const char *agency)
{
	for (size_t a = 0; a < x->n_agencies; a++)
		if (policy_collect_people(p, x->agencies[a], RECORD_OFFICER, &x->officers,
				   &x->n_officers) != SJ_OK)
			return SJ_ENOMEM;
	if (policy_collect_people(p, agency, RECORD_EXPERT, &x->experts, &x->n_experts) != SJ_OK)
		return SJ_ENOMEM;
	rules_sort(x->officers, x->n_officers, sizeof *x->officers, person_cmp);
	rules_sort(x->experts, x->n_experts, sizeof *x->experts, person_cmp);
	return SJ_OK;
}

/* Conflicts declared in those directories between pooled people and
 * pooled objects (R12). */
static int expect_conflicts(const struct policy *p, struct policy_expect *x, const char *agency)
{
	size_t ccon = 0, n = dirs_conflict_count(p->dirs);
	for (size_t i = 0; i < n; i++) {
		const struct dirs_conflict *c = dirs_conflict_at(p->dirs, i);
		struct policy_object ko = {.id = c->object};
		struct policy_person kp = {.id = c->person};
		const struct policy_person *pool =
			c->kind == PERSON_OFFICER ? x->officers : x->experts;
		size_t npool = c->kind == PERSON_OFFICER ? x->n_officers : x->n_experts;
		if (!rules_in_list(x->agencies, x->n_agencies, c->dir_agency) ||
		    (c->kind == PERSON_EXPERT && strcmp(c->dir_agency, agency) != 0) ||
		    !rules_find(&ko, x->objects, x->n_objects, sizeof ko, obj_cmp) || npool == 0 ||
		    !rules_find(&kp, pool, npool, sizeof kp, person_cmp))
			continue;
		int dup = 0;
		for (size_t j = 0; j < x->n_conflicts && !dup; j++)
			dup = x->conflicts[j].kind == (enum draw_kind)c->kind &&
			      strcmp(x->conflicts[j].object, c->object) == 0 &&
			      strcmp(x->conflicts[j].person, c->person) == 0;
		if (dup)
			continue;
		if (util_grow((void **)&x->conflicts, &ccon, x->n_conflicts, sizeof *x->conflicts) !=
		    SJ_OK)
			return SJ_ENOMEM;
		x->conflicts[x->n_conflicts++] = (struct draw_conflict){
			.kind = (enum draw_kind)c->kind, .object = c->object, .person = c->person};
	}
	rules_sort(x->conflicts, x->n_conflicts, sizeof *x->conflicts, draw_spec_conflict_cmp);
	return SJ_OK;
}

/* One pooled person into x->unavailable when an approved unavailability of
 * agency covers day. */
static int expect_absent(const struct policy *p, struct policy_expect *x, size_t *cap,
			 enum draw_kind kind, const char *agency, const char *id, int32_t day)
{
	const struct facts_unavailable *u = facts_unavailable_on(p->facts, agency, kind, id, day);
	char note[96];
	if (u == NULL)
		return SJ_OK;
	if (util_grow((void **)&x->unavailable, cap, x->n_unavailable, sizeof *x->unavailable) !=
	    SJ_OK)
		return SJ_ENOMEM;
	unsigned *why = realloc(x->unavailable_why, *cap * sizeof *why);
	if (why == NULL)
		return SJ_ENOMEM;
	x->unavailable_why = why;
	snprintf(note, sizeof note, "%s, entry %llu", facts_kind_name(u->kind),
		 (unsigned long long)u->seq);
	const char *nt = x_str(x, note);
	if (nt == NULL)
		return SJ_ENOMEM;
	x->unavailable_why[x->n_unavailable] = u->kind;
	x->unavailable[x->n_unavailable++] = (struct draw_exclusion){
		.kind = kind, .id = id, .reason = DRAW_REASON_UNAVAILABLE, .note = nt};
	return SJ_OK;
}

int policy_expect_unavailable(const struct policy *p, struct policy_expect *x, int32_t day)
{
	size_t cap = 0;
	int rc = SJ_OK;
	if (p->facts == NULL)
		return SJ_OK;
	/* Officers, then experts, each ascending by id: the order of a
	 * draw's exclusions. */
	for (size_t i = 0; i < x->n_officers && rc == SJ_OK; i++)
		for (size_t a = 0; a < x->n_agencies && rc == SJ_OK; a++) {
			size_t n = x->n_unavailable;
			rc = expect_absent(p, x, &cap, DRAW_OFFICER, x->agencies[a],
					   x->officers[i].id, day);
			if (x->n_unavailable > n)
				break;
		}
	for (size_t i = 0; i < x->n_experts && rc == SJ_OK; i++)
		rc = expect_absent(p, x, &cap, DRAW_EXPERT, x->task.agency, x->experts[i].id, day);
	return rc;
}

int policy_expect(const struct policy *p, const struct plans *pl, const char *agency,
		  const char *task_id, struct policy_expect **out, char *err, size_t err_cap)
{
	struct policy_expect *x = calloc(1, sizeof *x);
	struct filter *f = malloc(sizeof *f);
	int rc = SJ_ENOMEM;

	*out = NULL;
	if (x == NULL || f == NULL)
		goto out;
	if (plans_task(pl, agency, task_id, &x->task) != SJ_OK) {
		snprintf(err, err_cap, "agency %s has no task %s", agency, task_id);
		rc = SJ_ENOENT;
		goto out;
	}
	if (filter_parse(f, x->task.filter, err, err_cap) != SJ_OK) {
		rc = SJ_EINVAL;
		goto out;
	}
	if ((rc = expect_agencies(x)) != SJ_OK ||
	    (rc = expect_objects(p, x, agency, f, err, err_cap)) != SJ_OK ||
	    (rc = expect_people(p, x, agency)) != SJ_OK ||
	    (rc = expect_conflicts(p, x, agency)) != SJ_OK)
		goto out;
	*out = x;
	x = NULL;
out:
	free(f);
	policy_expect_free(x);
	return rc;
}

/* ---- Substitutions (补抽): derived from the draw they replace ---- */

static const char *const replace_names[] = {
    "",
    "abandoned",
    "object-deregistered",
    "object-unreachable",
    "officer-recused",
    "officer-unavailable",
};

const char *policy_replace_name(enum policy_replace_code c)
{
	return c >= POLICY_REPLACE_ABANDONED && c <= POLICY_REPLACE_OFFICER_UNAVAILABLE
	           ? replace_names[c]
	           : "?";
}

/* The next token of *s (up to a space or the end) into out; 0 when it is
 * empty or longer than DRAW_MAX_ID. */
static int next_token(const char **s, char *out)
{
	size_t n = strcspn(*s, " ");
	if (n == 0 || n > DRAW_MAX_ID)
		return 0;
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	if (**s == ' ')
		(*s)++;
	return 1;
}

int policy_replace_parse(struct policy_replace *out, const char *text, char *err, size_t err_cap)
{
	char code[DRAW_MAX_ID + 1];
	const char *s = text;
	memset(out, 0, sizeof *out);
	if (!next_token(&s, code))
		goto bad;
	for (unsigned c = POLICY_REPLACE_ABANDONED; c <= POLICY_REPLACE_OFFICER_UNAVAILABLE; c++)
		if (strcmp(code, replace_names[c]) == 0)
			out->code = (enum policy_replace_code)c;
	if (out->code == POLICY_REPLACE_OFFICER_RECUSED ||
	    out->code == POLICY_REPLACE_OFFICER_UNAVAILABLE) {
		if (!next_token(&s, out->person))
			goto bad;
	}
	if (out->code != 0 && out->code != POLICY_REPLACE_ABANDONED && !next_token(&s, out->object))
		goto bad;
	if (out->code != 0 && *s == '\0' && (s == text || s[-1] != ' '))
		return SJ_OK;
bad:
	snprintf(err, err_cap,
	         "the reason \"%.80s\" is not one of: abandoned | object-deregistered OBJECT | "
	         "object-unreachable OBJECT | officer-recused OFFICER OBJECT | "
	         "officer-unavailable OFFICER OBJECT",
	         text);
	return SJ_EINVAL;
}

int policy_find_replaced(const struct policy *p, const uint8_t h[32], struct draws_info *info,
                         const struct policy_draw **d)
{
	*d = NULL;
	for (size_t i = 0; p->drawsm && i < draws_count(p->drawsm); i++) {
		draws_get(p->drawsm, i, info);
		if (!info->committed || memcmp(info->commit_hash, h, 32) != 0)
			continue;
		for (size_t k = 0; k < p->ndraws; k++)
			if (p->draws[k].request_seq == info->request_seq && !p->draws[k].broken)
				*d = &p->draws[k];
		return 1;
	}
	return 0;
}

/* The ledger fact that backs reason rp (R6, R11, R12): SJ_OK or SJ_EINVAL
 * with err. */
static int replace_fact(const struct policy *p, const struct policy_expect *x, const char *agency,
                        const struct policy_replace *rp, char *err, size_t err_cap)
{
	const struct dirs_object *o = dirs_object_find(p->dirs, agency, rp->object);
	const struct result *res = policy_result_find(p, agency, agency, x->task.id, rp->object);
	int found = 0, active = 0;
	switch (rp->code) {
	case POLICY_REPLACE_OBJECT_DEREGISTERED:
		found = o != NULL && o->status != OBJECT_ACTIVE;
		break;
	case POLICY_REPLACE_OBJECT_UNREACHABLE:
		found =
		    res != NULL && (res->categories & RESULT_CAT_BIT(RESULT_CAT_UNREACHABLE)) != 0;
		break;
	case POLICY_REPLACE_OFFICER_RECUSED:
		for (size_t i = 0; i < dirs_conflict_count(p->dirs) && !found; i++) {
			const struct dirs_conflict *c = dirs_conflict_at(p->dirs, i);
			found = c->kind == PERSON_OFFICER && strcmp(c->person, rp->person) == 0 &&
			        strcmp(c->object, rp->object) == 0 &&
			        rules_in_list(x->agencies, x->n_agencies, c->dir_agency);
		}
		break;
	case POLICY_REPLACE_OFFICER_UNAVAILABLE:
		for (size_t i = 0; i < dirs_person_count(p->dirs); i++) {
			const struct dirs_person *q = dirs_person_at(p->dirs, i);
			if (q == NULL || q->kind != RECORD_OFFICER ||
			    strcmp(q->id, rp->person) != 0 ||
			    !rules_in_list(x->agencies, x->n_agencies, q->dir_agency))
				continue;
			found = 1;
			active |= q->status == PERSON_ACTIVE;
		}
		found = found && !active;
		break;
	default: break;
	}
	if (found)
		return SJ_OK;
	char what[200];
	if (rp->code == POLICY_REPLACE_OBJECT_DEREGISTERED)
		snprintf(what, sizeof what, "the directory says object %s is active", rp->object);
	else if (rp->code == POLICY_REPLACE_OBJECT_UNREACHABLE)
		snprintf(what, sizeof what,
		         "no result of the task for object %s says "
		         "通过登记的住所（经营场所）无法联系",
		         rp->object);
	else if (rp->code == POLICY_REPLACE_OFFICER_RECUSED)
		snprintf(what, sizeof what,
		         "no conflict of interest is declared between officer %s and object %s",
		         rp->person, rp->object);
	else
		snprintf(what, sizeof what,
		         "officer %s is active in the task's agencies' directories", rp->person);
	snprintf(err, err_cap, "the substitution's reason %s has no ledger fact: %s",
	         policy_replace_name(rp->code), what);
	return SJ_EINVAL;
}

/* The replaced draw d of agency's task: revealed, drawn object rp->object,
 * and the task under its bound of substitutions (R6). */
static int replace_target(const struct policy *p, const struct policy_draw *d,
                          const struct draws_info *info, const char *agency, const char *task,
                          const struct policy_replace *rp, char *err, size_t err_cap)
{
	unsigned subs = 0;
	if (d == NULL || strcmp(info->agency, agency) != 0 || strcmp(info->task, task) != 0) {
		snprintf(err, err_cap,
		         "the substitution names the commitment of draw %llu (agency %s, task %s), "
		         "not a draw of agency %s's task %s",
		         (unsigned long long)info->request_seq,
		         info->agency[0] ? info->agency : "-", info->task, agency, task);
		return SJ_EINVAL;
	}
	if (!info->revealed || !d->revealed) {
		snprintf(err, err_cap,
		         "the substitution names draw %llu, which was never revealed: only a drawn "
		         "object or team can be replaced",
		         (unsigned long long)info->request_seq);
		return SJ_EINVAL;
	}
	int drew = 0;
	for (size_t i = 0; i < d->n_picks && !drew; i++)
		drew = strcmp(d->picks[i].id, rp->object) == 0;
	if (!drew) {
		snprintf(err, err_cap, "draw %llu did not draw object %s",
		         (unsigned long long)info->request_seq, rp->object);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < p->ndraws; i++) {
		const struct policy_draw *o = &p->draws[i];
		struct policy_replace prev;
		char why[8];
		if (!o->substitution || o->broken || o->recheck || strcmp(o->agency, agency) != 0 ||
		    strcmp(o->task, task) != 0)
			continue;
		subs++;
		/* An object is replaced once: drawing its replacement again
		 * would let the operator choose among draws. */
		if (rp->code <= POLICY_REPLACE_OBJECT_UNREACHABLE &&
		    policy_replace_parse(&prev, o->reason, why, sizeof why) == SJ_OK &&
		    prev.code <= POLICY_REPLACE_OBJECT_UNREACHABLE &&
		    strcmp(prev.object, rp->object) == 0) {
			snprintf(err, err_cap, "object %s was replaced already by draw %llu",
			         rp->object, (unsigned long long)o->request_seq);
			return SJ_EINVAL;
		}
	}
	if (subs >= POLICY_MAX_SUBSTITUTIONS) {
		snprintf(err, err_cap, "task %s has had its %u substitutions already", task,
		         POLICY_MAX_SUBSTITUTIONS);
		return SJ_EINVAL;
	}
	return SJ_OK;
}

/* Narrows x to what the substitution draws: the replaced object's stratum
 * (objects drawn for the task already excluded), or for a new team the
 * object alone; conflicts of the objects kept. */
static int narrow_substitution(const struct policy *p, struct policy_expect *x, const char *agency,
                               const struct policy_replace *rp, char *err, size_t err_cap)
{
	const int team = rp->code >= POLICY_REPLACE_OFFICER_RECUSED;
	struct policy_object key = {.id = rp->object};
	const struct policy_object *o =
	    rules_find(&key, x->objects, x->n_objects, sizeof key, obj_cmp);
	size_t no = 0, ne = 0, nc = 0, cexc = 0;
	struct draw_exclusion *exc = NULL;
	char k[300];
	if (o == NULL) {
		snprintf(err, err_cap, "object %s is no longer in task %s's scope", rp->object,
		         x->task.id);
		return SJ_EINVAL;
	}
	const char *stratum = o->stratum;
	for (size_t i = 0; i < x->n_objects; i++) {
		const struct policy_object *ob = &x->objects[i];
		if (team ? strcmp(ob->id, rp->object) != 0 : strcmp(ob->stratum, stratum) != 0)
			continue;
		const struct draw_exclusion *w = NULL;
		for (size_t j = 0; j < x->n_exclusions && w == NULL; j++)
			if (strcmp(x->exclusions[j].id, ob->id) == 0)
				w = &x->exclusions[j];
		struct draw_exclusion add = {.kind = DRAW_OBJECT, .id = ob->id};
		if (w && (!team || w->reason == DRAW_REASON_DEREGISTERED)) {
			add = *w;
		} else if (!team &&
		           hmap_get(&p->m_taskobj,
		                    hmap_key(k, sizeof k, agency, x->task.id, ob->id, NULL)) >= 0) {
			add.reason = DRAW_REASON_ALREADY_DRAWN;
			add.note = "drawn for the task";
		}
		x->objects[no++] = *ob;
		if (add.reason == 0)
			continue;
		if (util_grow((void **)&exc, &cexc, ne, sizeof *exc) != SJ_OK) {
			free(exc);
			return SJ_ENOMEM;
		}
		exc[ne++] = add;
	}
	x->n_objects = no;
	free(x->exclusions);
	x->exclusions = exc;
	x->n_exclusions = ne;
	for (size_t i = 0; i < x->n_conflicts; i++) {
		struct policy_object ko = {.id = x->conflicts[i].object};
		if (rules_find(&ko, x->objects, x->n_objects, sizeof ko, obj_cmp))
			x->conflicts[nc++] = x->conflicts[i];
	}
	x->n_conflicts = nc;
	const char **one = calloc(1, sizeof *one);
	if (one == NULL || (one[0] = x_str(x, stratum)) == NULL) {
		free(one);
		return SJ_ENOMEM;
	}
	free((void *)x->strata);
	x->strata = one;
	x->n_strata = 1;
	x->replaced_stratum = one[0];
	return SJ_OK;
}

int policy_expect_substitution(const struct policy *p, const struct plans *pl, const char *agency,
                               const char *task_id, const uint8_t replaced[32], const char *reason,
                               struct policy_expect **out, unsigned *rule, char *err,
                               size_t err_cap)
{
	struct policy_replace rp;
	struct draws_info info;
	const struct policy_draw *d;
	struct policy_expect *x = NULL;
	int rc;

	*out = NULL;
	*rule = 6;
	if ((rc = policy_replace_parse(&rp, reason, err, err_cap)) != SJ_OK)
		return rc;
	if (rp.code == POLICY_REPLACE_ABANDONED) {
		snprintf(err, err_cap, "reason abandoned makes a redraw, not a substitution");
		return SJ_EINVAL;
	}
	if (!policy_find_replaced(p, replaced, &info, &d)) {
		snprintf(err, err_cap,
		         "the substitution names a commitment that is not in the ledger");
		return SJ_EINVAL;
	}
	if ((rc = replace_target(p, d, &info, agency, task_id, &rp, err, err_cap)) != SJ_OK)
		return rc;
	rc = policy_expect(p, pl, agency, task_id, &x, err, err_cap);
	if (rc == SJ_EINVAL)
		*rule = 7;
	if (rc != SJ_OK)
		return rc;
	*rule = rp.code == POLICY_REPLACE_OFFICER_RECUSED       ? 12
	        : rp.code == POLICY_REPLACE_OFFICER_UNAVAILABLE ? 11
	                                                        : 6;
	if ((rc = replace_fact(p, x, agency, &rp, err, err_cap)) == SJ_OK) {
		*rule = 6;
		rc = narrow_substitution(p, x, agency, &rp, err, err_cap);
	}
	if (rc != SJ_OK) {
		policy_expect_free(x);
		return rc;
	}
	*out = x;
	return SJ_OK;
}
