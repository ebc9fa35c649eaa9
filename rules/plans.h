/*
 * plans.h: the ledger's rules for item lists (R3), annual plans through
 * legal review, filing and publication (R4) and tasks (R5): entry types
 * 21..26 of proto/plans.proto, applied in ledger order by replay.h, so the
 * store enforces them before appending and the verifier re-checks them on
 * replay. Formats and the state table: docs/plans.md.
 *
 * A ratio num/den is valid if and only if 0 < num <= den. Text fields are
 * 1..1024 bytes (a filter 1..4096) without control characters; ids are
 * identifiers (dir/ident.h).
 *
 * An item-list entry (21) is valid if and only if: its payload decodes as
 * suiji.ItemList whose agency is the entry's and a registered one; it is
 * written by the log operator or an operator of the agency; its version is
 * one more than the agency's current list's (1 for the first); the cap is a
 * valid ratio; it has 1..10000 items with unique ids, a body, content,
 * method 1..3, a valid ratio and a frequency; every general item's ratio is
 * at most the cap. An item's legal basis may be empty.
 *
 * A plan entry (22) is valid if and only if: it decodes as suiji.Plan whose
 * agency is the entry's and registered; by the log operator or an operator
 * of the agency; its id is an identifier; year is 2000..2100; scope,
 * filter and timing are valid text; it has 1..1000 items, each naming
 * once an item of the agency's current list that has a legal basis (R5),
 * with a valid ratio (a general item's at most the list's cap) and a
 * frequency; and either version is 1 and the agency has no plan with this
 * id, or version is the latest version of the plan and that version was
 * returned (a resubmission), or version is the latest plus one and the
 * latest is published (an adjustment), the year unchanged.
 *
 * A plan-review (23), plan-file (24) or plan-publish (25) entry is valid if
 * and only if: it decodes as suiji.PlanStep naming an existing version of a
 * plan of a registered agency; a review is signed by a legal reviewer of
 * the plan's agency, the version is submitted, and a return has a reason;
 * a filing is signed by a supervisor and the version is approved; a
 * publication is by the log operator or an operator of the plan's agency
 * (whose agency is the entry's) and the version is filed. Publishing
 * supersedes the plan's version published before it.
 *
 * A task entry (26) is valid if and only if: it decodes as suiji.Task whose
 * agency is the entry's and registered; by the log operator or an operator
 * of the agency; its id is an identifier new to the agency; it names a
 * version of a plan of the agency that is published now (not superseded);
 * the filter is valid text; it has 1..1000 items, each once and each in that
 * plan version; 1..100 strata with a name and a valid ratio; a team of at
 * least 2 (R11); dates YYYY-MM-DD with start <= end, both in the plan year;
 * stratum names unique and a rounding rule, if any, one of ceil, floor,
 * half-up (R7); its scope filter parses (rules/filter.h) and
 * narrows the plan version's filter (R5), which must parse too (R4);
 * a joint task names 1..64 registered agencies other than its own, once
 * each, and a task that is not joint names none.
 *
 * State: every item list, every submitted plan version and every task id,
 * in append-only arrays with the seq of their entry, and an undo log of
 * state changes, so rolling back truncates and replays the log backwards.
 */
#ifndef SUIJI_RULES_PLANS_H
#define SUIJI_RULES_PLANS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/entry.h"

/* The states of one plan version. */
enum plans_state {
	PLANS_SUBMITTED = 1, /* awaiting legal review */
	PLANS_RETURNED = 2,  /* returned by legal review; resubmit */
	PLANS_APPROVED = 3,  /* passed legal review; to be filed */
	PLANS_FILED = 4,     /* filed with the justice bureau; to be published */
	PLANS_PUBLISHED = 5, /* published: tasks may use it */
	PLANS_SUPERSEDED = 6 /* a later version was published */
};

/* Who writes an entry: role 0 for the log operator (unsigned), else the
 * signing client's enum suiji.Role; agency is the client's (borrowed).
 * agency_known says whether a code is registered. */
struct plans_actor {
	int role;
	const char *agency;
	int (*agency_known)(const void *ctx, const char *code);
	const void *ctx;
};

struct plans; /* opaque */

SJ_WUR int plans_new(struct plans **out);
void plans_free(struct plans *p);

/*
 * The rules above for e, whose type is ENTRY_ITEM_LIST..ENTRY_TASK, written
 * by who (borrowed for the call). On failure the state is unchanged and err
 * says which rule failed: SJ_EVERIFY, or SJ_ENOMEM.
 */
SJ_WUR int plans_apply(struct plans *p, const struct entry *e, const struct plans_actor *who,
		       char *err, size_t err_cap);

/* Undo every entry with seq >= seq. */
void plans_rollback(struct plans *p, uint64_t seq);
/* Everything applied so far is final: forget how to undo it. */
void plans_settle(struct plans *p);

/* The state of version version of agency's plan plan_id, or 0 when there
 * is none. */
int plans_state_of(const struct plans *p, const char *agency, const char *plan_id,
		   uint32_t version);

/* One stratum of a task and its ratio (R7); name borrowed. */
struct plans_stratum {
	const char *name;
	uint32_t num, den;
};

/* A task as its entry stated it, with its plan's year and name. Every
 * pointer is borrowed from the plans state and stays valid until the task
 * is rolled back or the state freed. */
struct plans_task_info {
	const char *agency, *id, *name;
	const char *plan_id, *plan_name;
	uint32_t plan_version, year;
	const char *filter;   /* rules/filter.h */
	const char *rounding; /* "ceil", "floor" or "half-up" (R7) */
	const struct plans_stratum *strata;
	size_t n_strata;
	uint32_t team_size;
	const char *start_date, *end_date; /* YYYY-MM-DD */
	int targeted, joint, key;          /* key: it uses a key item (R3) */
	const char *const *items;          /* the item ids it checks */
	size_t n_items;
	const char *const *members;        /* the other agencies of a joint task */
	size_t n_members;
	uint64_t seq;
};

/* Agency's task task_id. Errors: SJ_ENOENT. */
SJ_WUR int plans_task(const struct plans *p, const char *agency, const char *task_id,
		      struct plans_task_info *out);
/* The tasks in ledger order: how many, and the i-th. */
size_t plans_task_count(const struct plans *p);
void plans_task_at(const struct plans *p, size_t i, struct plans_task_info *out);

/*
 * The legal review of a task (R5; rules/taskreview.c). A plan-review entry
 * (23) whose PlanStep names task_id reviews that task instead of a plan,
 * and is valid if and only if: plan_id is empty and version 0; it is
 * signed by a legal reviewer of the task's agency (never the operator who
 * wrote the task: a legal reviewer's key cannot write tasks); the task
 * exists and has not been approved yet; a return has a reason; and
 * approve_narrow_scope is set only on an approval with a reason. A plan
 * entry's strata (the plan's least ratio per risk class) have unique names
 * and valid ratios, and a task whose stratum of the same name is drawn at a
 * lower ratio is refused (R7). The plan's narrow_scope_floor (0 for
 * PLANS_NARROW_FLOOR) is the number of objects below which a task's scope
 * needs the reviewer's explicit approval (R5, R6; rules/policy.h).
 */
#define PLANS_NARROW_FLOOR 10

struct plans_task_review {
	int reviewed;           /* a review exists */
	int approved;           /* the latest review approved the task */
	int narrow_approved;    /* ... and its narrow or tag-only scope */
	const char *reason;     /* borrowed: the latest review's reason or note */
	uint64_t seq;           /* the latest review's entry */
	uint32_t narrow_floor;  /* the task's plan's floor */
};
/* Agency's task task_id's review state. Errors: SJ_ENOENT (no task). */
SJ_WUR int plans_task_review(const struct plans *p, const char *agency, const char *task_id,
			     struct plans_task_review *out);

/* Every accepted entry of types 21..26 in ledger order, its payload as
 * stored (borrowed), for the public records (R17). */
struct plans_entry {
	uint32_t type;
	uint64_t seq;
	int64_t time_us;
	const uint8_t *payload;
	size_t len;
};
size_t plans_entry_count(const struct plans *p);
const struct plans_entry *plans_entry_at(const struct plans *p, size_t i);

/* "submitted", "returned", ...; "unknown" for anything else. */
const char *plans_state_name(int state);

#endif
