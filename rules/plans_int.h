/*
 * plans_int.h: the state of plans.h, shared by plans.c (item lists, plans,
 * tasks) and taskreview.c (the legal review of tasks, R5, and the plan's
 * least ratios, R7).
 */
#ifndef SUIJI_RULES_PLANS_INT_H
#define SUIJI_RULES_PLANS_INT_H

#include "dir/ident.h"
#include "rules/plans.h"

#include "proto/plans.pb-c.h"

#define MAX_TEXT 1024
#define MAX_FILTER 4096
#define MAX_LIST_ITEMS 10000
#define MAX_PLAN_ITEMS 1000
#define MAX_STRATA 100
#define MAX_MEMBERS 64

struct pl_item {
	char id[IDENT_MAX + 1];
	int basis; /* has a legal basis */
	int key;   /* a key item */
};

struct pl_list {
	char agency[ENTRY_MAX_AGENCY + 1];
	uint32_t version, cap_num, cap_den;
	struct pl_item *items;
	size_t n;
	uint64_t seq;
};

struct pl_plan {
	char agency[ENTRY_MAX_AGENCY + 1];
	char id[IDENT_MAX + 1];
	uint32_t year, version;
	char (*items)[IDENT_MAX + 1];
	size_t n;
	int state;
	char *filter; /* the object scope filter (rules/filter.h) */
	char *name;   /* the published name; the id when the plan gives none */
	struct plans_stratum *strata; /* least ratio per risk class (R7); names owned */
	size_t nstrata;
	uint32_t narrow_floor; /* below it a task's scope needs approval (R5, R6) */
	uint64_t seq;
};

struct pl_task {
	char agency[ENTRY_MAX_AGENCY + 1];
	char id[IDENT_MAX + 1];
	Suiji__Task *m; /* the task as its entry stated it */
	struct plans_stratum *strata;
	char plan_name[MAX_TEXT + 1];
	uint32_t year;
	int key; /* uses a key item (R3) */
	uint64_t seq;
};

struct pl_undo {
	uint64_t seq;
	size_t plan;
	int old;
};

/* One legal review of a task (R5, taskreview.c). */
struct pl_review {
	char agency[ENTRY_MAX_AGENCY + 1];
	char task[IDENT_MAX + 1];
	int approved, narrow; /* approve_narrow_scope */
	char *reason;
	uint64_t seq;
};

struct plans {
	struct pl_list *lists;
	size_t nlists, clists;
	struct pl_plan *plans;
	size_t nplans, cplans;
	struct pl_task *tasks;
	size_t ntasks, ctasks;
	struct pl_undo *undo;
	size_t nundo, cundo;
	struct plans_entry *log; /* every accepted entry, for the public records */
	size_t nlog, clog;
	struct pl_review *reviews; /* task reviews in ledger order */
	size_t nreviews, creviews;
};

/* Text of 1..max bytes without control characters. */
int plans_text_ok(const char *s, size_t max);
/* Finds agency's task task_id, or NULL. */
const struct pl_task *plans_find_task(const struct plans *p, const char *agency,
				      const char *task_id);
/* The plan version a task names, or NULL. */
const struct pl_plan *plans_task_plan(const struct plans *p, const struct pl_task *t);

/* taskreview.c: a legal review of a task (an ENTRY_PLAN_REVIEW whose
 * PlanStep names task_id), checked and recorded. */
SJ_WUR int plans_review_task(struct plans *p, const struct entry *e,
			     const struct plans_actor *who, const Suiji__PlanStep *m, char *err,
			     size_t err_cap);
/* R7: each stratum of task m at least its plan version q's ratio. */
SJ_WUR int plans_check_task_ratios(const Suiji__Task *m, const struct pl_plan *q, char *err,
				   size_t err_cap);
/* R7: a plan's strata have unique names and valid ratios. */
SJ_WUR int plans_check_plan_strata(const Suiji__Plan *m, char *err, size_t err_cap);
/* The plan's strata and narrow-scope floor from its entry, into q. */
SJ_WUR int plans_take_plan_strata(struct pl_plan *q, const Suiji__Plan *m);
void plans_reviews_rollback(struct plans *p, uint64_t seq);
void plans_reviews_free(struct plans *p);
void plans_plan_strata_free(struct pl_plan *q);

#endif
