/*
 * policy.h: the rules of the policy (../DOMAIN numbering R1-R19) that bind
 * a draw to its task and its directories, and the results of checks:
 * eligibility fixed in the commitment (R6, R7, R9, R10), the officer and
 * expert pools and the declared conflicts (R2, R11-R13), joint checks
 * (R14), the working-day calendars and result entries (R15, R16), and the
 * justice bureau's re-checks (R19). Applied in ledger order by replay.h,
 * so the store refuses what breaks them and the verifier re-checks them.
 * docs/policy.md says the same with the reasons.
 *
 * A draw is tied to a task when its inputs name a task of the requesting
 * agency (rules/plans.h). For a tied draw that is not a substitution,
 * policy_expect computes from the ledger alone what the commitment must
 * fix, and the request must match it:
 *  - the object pool is every object of the task agency's directory that
 *    the task's scope filter selects (R1, R6: no object left out, none
 *    added), each in the stratum of its risk class (R7), except objects
 *    tagged 投诉举报 (a complaint or tip-off, R10), which form the stratum
 *    "key" that is drawn whole (ratio 1/1);
 *  - the object exclusions are exactly: every object that is not active
 *    (reason deregistered, R6), and every object checked this year as
 *    often as the agency's annual cap allows (default 2), counting checks
 *    by the agency, by its superior agencies and by the other units of the
 *    same agency (every agency with the same top-level superior), with
 *    reason superior, other-unit or annual-cap (R9); plus, at the
 *    operator's word and with a note, objects whose lead was handled
 *    outside the draw (reason handled, R10). Nothing else;
 *  - each stratum's rule is a ratio equal to the task's ratio for it (R7);
 *    the team size is at least the task's (R11);
 *  - the officer pool is every active officer of the task's agencies (the
 *    lead and, for a joint task, each member: R14), with their
 *    qualifications and specialties as tags (R2, R13); the expert pool is
 *    every active expert of the lead's directory (R2);
 *  - every conflict of interest declared in those agencies' directories
 *    between a pooled object and a pooled person is in the inputs (R12).
 * A task has one regular draw (R6): a second tied draw of the same agency
 * and task is refused unless it names what it replaces, as a redraw of an
 * abandoned commitment (pools as above) or as a substitution whose pools
 * policy_expect_substitution derives (below).
 * A draw requested by a supervisor (the justice bureau) is a re-check draw
 * (复查, R19), derived like a tied draw (policy_recheck_expect): its task
 * states a scope, "recheck:AGENCY:YEAR" or "recheck:AGENCY:YEAR:TASK";
 * the object pool is exactly every object with a published result of
 * AGENCY for a task of plan year YEAR (and of TASK when named), each once,
 * in the one stratum "recheck"; no object is excluded (R19); the officer
 * and expert pools are exactly the bureau's directory's active people with
 * their tags (R2, R13); every conflict that directory declares between
 * them and the pooled objects is in the inputs (R12); teams are of one
 * agency (R14).
 * A draw tied to no task is allowed (special checks, tests of the draw
 * itself) and counted apart: the report shows how many there are.
 *
 * A revealed tied draw counts one check (R9) of each drawn object for the
 * task's year, once per task however many substitutions draw it again.
 *
 * A calendar entry (27) is by the log operator or an administrator and
 * holds a valid calendar file of a year not pinned before (R15).
 *
 * A result entry (28) is one step of results/result.h's state machine for
 * the result of (agency, task, object): the task exists (R5); the agency is
 * the task's or a member of a joint task (R14, R16: 谁检查、谁录入); the
 * object was drawn for the task (R6); the step is taken by the role the
 * machine says (an operator, or the log operator for operator steps, of
 * the agency; a legal reviewer of it who did not enter it; a supervisor
 * for a re-check) on the entry's day in China; items are the task's;
 * and the due day (R15) can be computed from the pinned calendars.
 *
 * Audit mode (the verifier): a broken policy rule does not stop the
 * replay; it is counted under its rule number with the first violation,
 * and the entry changes nothing here. Otherwise (the store) it is refused
 * with SJ_EVERIFY and a message that starts with the rule number.
 */
#ifndef SUIJI_RULES_POLICY_H
#define SUIJI_RULES_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "rules/draws.h"
#include "ledger/entry.h"
#include "rules/plans.h"
#include "results/calendar.h"
#include "results/result.h"

#define POLICY_DEFAULT_CAP 2
#define POLICY_KEY_STRATUM "key"
#define POLICY_COMPLAINT_TAG "投诉举报"
#define POLICY_RULES 19

struct policy; /* opaque */

struct agencies;
struct dirs;
struct facts;

/* The policy reads agencies (agencies.h) and directories (dirs.h) from ag
 * and dirs, both borrowed for the policy's lifetime. */
SJ_WUR int policy_new(struct policy **out, const struct agencies *ag, const struct dirs *dirs);
void policy_free(struct policy *p);
void policy_set_audit(struct policy *p, int audit);
/* The leads and unavailability (facts.h) the draw rules read, and mark
 * leads used in; borrowed for the policy's lifetime. */
void policy_set_facts(struct policy *p, struct facts *f);

/* ---- Called by replay.c after an entry passed its own module's rules ---- */

/* An agency's registered name (检查实施机关), or NULL. */
const char *policy_agency_name(const struct policy *p, const char *code);
/* e is a draw request that draws_request accepted, with its decoded inputs
 * and pools; role is the actor's (0 for the log operator). */
SJ_WUR int policy_draw_request(struct policy *p, const struct plans *pl, const struct entry *e,
			       const struct draw_inputs *in, const struct draw_objects *objects,
			       const struct draw_people *officers, const struct draw_people *experts,
			       int role, char *err, size_t err_cap);
/* A reveal draws_reveal accepted. Errors: SJ_ENOMEM. */
SJ_WUR int policy_draw_revealed(struct policy *p, const struct draws_observed *o);
SJ_WUR int policy_calendar(struct policy *p, const struct entry *e, int by_admin, char *err,
			   size_t err_cap);
/* role and agency of the actor (0 and the entry's agency for the log
 * operator); actor_id names them in the result's history. */
SJ_WUR int policy_result(struct policy *p, const struct plans *pl, const struct entry *e,
			 int role, const char *actor_agency, const char *actor_id, char *err,
			 size_t err_cap);
void policy_rollback(struct policy *p, uint64_t seq);

/* ---- What a tied draw's commitment must fix ---- */

struct policy_object {
	const char *id, *stratum;
};
struct policy_person {
	const char *id, *agency;
	const char *const *tags; /* strictly ascending */
	size_t ntags;
};
struct policy_expect {
	struct plans_task_info task;
	const char *const *agencies; /* the task's agencies, ascending (R14) */
	size_t n_agencies;
	struct policy_object *objects; /* ascending by id */
	size_t n_objects;
	struct draw_exclusion *exclusions; /* objects only, ascending by id */
	size_t n_exclusions;
	struct policy_person *officers, *experts; /* ascending by id */
	size_t n_officers, n_experts;
	struct draw_conflict *conflicts; /* in draw_spec_conflict_cmp order */
	size_t n_conflicts;
	const char *const *strata; /* the pool's strata, ascending */
	size_t n_strata;
	/* Filled by policy_expect_unavailable: the pooled people with an
	 * approved unavailability covering the draw's day (R11), ascending in
	 * draw_spec_exclusion_cmp order; unavailable_why[i] is exclusion i's
	 * enum facts_kind. */
	struct draw_exclusion *unavailable;
	unsigned *unavailable_why;
	size_t n_unavailable;
	/* A substitution (policy_expect_substitution): the one stratum it
	 * draws, a count of 1; NULL for a task's regular draw. */
	const char *replaced_stratum;
	/* storage */
	char **strings;
	size_t n_strings, c_strings;
};

/*
 * The pools, exclusions and conflicts a draw for agency's task task_id
 * must commit to now. Errors: SJ_ENOENT (no such task), SJ_EINVAL (the
 * scope selects an object whose risk class no stratum of the task names,
 * R7; named in err), SJ_ENOMEM.
 */
SJ_WUR int policy_expect(const struct policy *p, const struct plans *pl, const char *agency,
			 const char *task_id, struct policy_expect **out, char *err,
			 size_t err_cap);
void policy_expect_free(struct policy_expect *x);
/*
 * Adds to x the people a draw of x's task on day (a day number in China,
 * the draw request's) must exclude as unavailable: every pooled officer
 * with an approved unavailability entry (rules/facts.h) of one of the
 * task's agencies covering day, and every pooled expert with one of the
 * lead agency's (R11). Errors: SJ_ENOMEM.
 */
SJ_WUR int policy_expect_unavailable(const struct policy *p, struct policy_expect *x, int32_t day);

/* ---- Draws again: substitutions (补抽) and redraws ----
 *
 * A draw request whose spec `replaces` a commitment carries a reason in
 * one closed grammar (docs/draw-spec.md 7), tokens separated by one space:
 *   abandoned                          a redraw: the named commitment of
 *                                      the task was never revealed and
 *                                      its deadline passed;
 *   object-deregistered OBJECT         the directory says OBJECT is no
 *                                      longer active;
 *   object-unreachable OBJECT          a result of the task for OBJECT
 *                                      says 通过登记的住所（经营场所）无法联系;
 *   officer-recused OFFICER OBJECT     a conflict of interest between
 *                                      them is declared in the directory;
 *   officer-unavailable OFFICER OBJECT the officer is no longer active in
 *                                      the task's agencies' directories.
 * Every other text is refused for a draw tied to a task (R6).
 */
enum policy_replace_code {
	POLICY_REPLACE_ABANDONED = 1,
	POLICY_REPLACE_OBJECT_DEREGISTERED,
	POLICY_REPLACE_OBJECT_UNREACHABLE,
	POLICY_REPLACE_OFFICER_RECUSED,
	POLICY_REPLACE_OFFICER_UNAVAILABLE,
};
/* At most this many substitutions per task (R6): each is a finding. */
#define POLICY_MAX_SUBSTITUTIONS 3u
struct policy_replace {
	enum policy_replace_code code;
	char person[DRAW_MAX_ID + 1]; /* "" for the object codes */
	char object[DRAW_MAX_ID + 1]; /* "" for abandoned */
};
/* Parses text. Errors: SJ_EINVAL, the grammar's complaint in err. */
SJ_WUR int policy_replace_parse(struct policy_replace *out, const char *text, char *err,
                                size_t err_cap);
const char *policy_replace_name(enum policy_replace_code c);

/* The draws module whose commitments `replaces` names (borrowed for the
 * policy's lifetime; replay.c sets it). */
void policy_set_draws(struct policy *p, const struct draws *d);

/*
 * What a substitution of agency's task task_id, naming the commitment
 * entry hash replaced with the reason text reason, must commit to at
 * time_us: policy_expect's pools narrowed to the replaced object's stratum
 * (an object code: every object of it, those drawn for the task already
 * excluded as already-drawn) or to the object alone (an officer code: a
 * new team for it), with their conflicts, drawn as a count of 1
 * (x->replaced_stratum). Checked first: the reason's grammar and its
 * ledger fact, that the named commitment is a revealed draw of the same
 * agency and task that drew the object, and that the task has fewer than
 * POLICY_MAX_SUBSTITUTIONS substitutions. Errors: SJ_EINVAL (the rule
 * broken in *rule, the reason in err), SJ_ENOENT (no such task),
 * SJ_ENOMEM.
 */
SJ_WUR int policy_expect_substitution(const struct policy *p, const struct plans *pl,
                                      const char *agency, const char *task_id,
                                      const uint8_t replaced[32], const char *reason,
                                      struct policy_expect **out, unsigned *rule, char *err,
                                      size_t err_cap);

/* ---- What a re-check draw's commitment must fix (R19) ---- */

#define POLICY_RECHECK_PREFIX  "recheck:"
#define POLICY_RECHECK_STRATUM "recheck"

/* A re-check draw's scope, as its task states it. */
struct policy_recheck_scope {
	char agency[ENTRY_MAX_AGENCY + 1]; /* whose published results */
	uint32_t year;                     /* of tasks of this plan year */
	char task[DRAW_MAX_ID + 1];        /* and of this task, or "" for all */
};

/* Parses "recheck:AGENCY:YEAR[:TASK]" (YEAR four digits, 2000..2100).
 * Errors: SJ_EINVAL (out is then zeroed). */
SJ_WUR int policy_recheck_scope_parse(struct policy_recheck_scope *out, const char *task);

/*
 * The pools and conflicts a re-check draw requested by bureau (the
 * supervisor's agency, borrowed) with task task must commit to now, as
 * policy.h's header says; x->task holds only id (task), agency (bureau),
 * year and rounding "ceil"; x->strata is {"recheck"}. Pointers borrow from
 * the policy and the directories until the next entry. Errors: SJ_EINVAL
 * (the scope does not parse or names an unregistered agency), SJ_ENOENT
 * (it holds no published result), both named in err; SJ_ENOMEM.
 */
SJ_WUR int policy_recheck_expect(const struct policy *p, const struct plans *pl,
				 const char *bureau, const char *task,
				 struct policy_expect **out, char *err, size_t err_cap);

/* ---- Directory changes just before a draw (a finding, R19) ---- */

#define POLICY_PREDRAW_DEFAULT_DAYS 7
#define POLICY_PREDRAW_DEREGISTERED "deregistered" /* forced out (R6) */
#define POLICY_PREDRAW_REACTIVATED  "reactivated"  /* back in (R6) */
#define POLICY_PREDRAW_COMPLAINT    "complaint"    /* forced into key, drawn whole (R10) */
#define POLICY_PREDRAW_UNCOMPLAINED "complaint-removed"
#define POLICY_PREDRAW_RISK         "risk-class"   /* another stratum (R7) */
#define POLICY_PREDRAW_SCOPE_IN     "scope-in"     /* into the task's scope (R6) */
#define POLICY_PREDRAW_SCOPE_OUT    "scope-out"

struct policy_predraw_change {
	const char *object; /* borrowed */
	const char *effect; /* one of POLICY_PREDRAW_* */
	uint64_t seq;       /* the directory import that made it */
	int64_t time_us;
};
/* Called per change; a non-zero return stops the walk and is returned. */
typedef int (*policy_predraw_fn)(void *ctx, const struct policy_predraw_change *c);

/*
 * The directory changes (dirs.h, dirs_change) made in agency's directory
 * within window_us before a draw of agency's task requested at entry
 * request_seq at request_time_us, that move an object into or out of the
 * task's draw: an object in the task's scope before or after the change
 * that entered or left the scope, became or stopped being active, gained
 * or lost the tag 投诉举报, or changed risk class (in that order of
 * precedence, one effect per change). each (may be NULL) is called for
 * every one, latest first; *count says how many. Errors: SJ_ENOENT (no such
 * task), SJ_EINVAL (its filter does not parse), SJ_ENOMEM, or each's.
 */
SJ_WUR int policy_predraw(const struct policy *p, const struct plans *pl, const char *agency,
			  const char *task, uint64_t request_seq, int64_t request_time_us,
			  int64_t window_us, policy_predraw_fn each, void *ctx, size_t *count);

/* ---- Reports ---- */

struct policy_tally {
	uint64_t checked;    /* entries this rule was checked on */
	uint64_t violations; /* audit mode: entries that broke it */
	uint64_t first_seq;
	char first[400];     /* the first violation, in words */
};
/* Rule n (1..POLICY_RULES). */
const struct policy_tally *policy_rule(const struct policy *p, unsigned n);
/* Draws requested with no task in the ledger; re-check draws. */
uint64_t policy_untied_draws(const struct policy *p);
uint64_t policy_recheck_draws(const struct policy *p);
/* Re-check steps on results (R19). */
uint64_t policy_result_rechecks(const struct policy *p);
/* The registered agencies' codes, in ledger order. */
size_t policy_agency_count(const struct policy *p);
const char *policy_agency_at(const struct policy *p, size_t i);

/* One revealed tied draw, with its strata as drawn. */
struct policy_draw_stratum {
	char name[DRAW_MAX_NAME + 1];
	uint32_t n, k, num, den; /* eligible, drawn, the task's ratio */
};
/* What the public may see of a revealed draw (R17): never officers. */
struct policy_pick {
	char id[DRAW_MAX_ID + 1];
	unsigned stratum; /* index into strata */
	uint32_t slot;
};
struct policy_beacon {
	char source[DRAW_MAX_ID + 1];
	uint64_t round;
	char value[65]; /* hex */
};
struct policy_draw {
	uint64_t request_seq, commit_seq, reveal_seq;
	char agency[ENTRY_MAX_AGENCY + 1];
	char task[DRAW_MAX_ID + 1];
	char request_id[DRAW_MAX_ID + 1];
	int substitution, recheck, revealed;
	/* A redraw after an abandoned commitment (it replaces one, reason
	 * abandoned); broken: the request broke a rule (audit mode only), so
	 * it counts no check, but the per-task findings show it. */
	int redraw, broken;
	uint64_t replaced_seq;             /* the request entry of the draw it replaces, or 0 */
	char reason[DRAW_MAX_ID * 2 + 32]; /* the replace reason, or "" */
	uint32_t year;
	struct policy_draw_stratum *strata;
	size_t n_strata;
	/* Once revealed: the commitment entry's hash E, the seed, R (hex). */
	char commit_hash[65], seed[65], randomness[65];
	struct policy_beacon *beacons;
	size_t n_beacons;
	struct policy_pick *picks; /* in visit order */
	size_t n_picks;
};
size_t policy_draw_count(const struct policy *p);
const struct policy_draw *policy_draw_at(const struct policy *p, size_t i);

/* One check of an object (R9): a drawn object of a revealed tied draw. */
struct policy_check {
	uint64_t seq; /* the reveal */
	uint32_t year;
	char object[DRAW_MAX_ID + 1];
	char task_agency[ENTRY_MAX_AGENCY + 1];
	char task[DRAW_MAX_ID + 1];
};
size_t policy_check_count(const struct policy *p);
const struct policy_check *policy_check_at(const struct policy *p, size_t i);
/* The check before check i of the same object in the same year, or -1. */
long policy_check_prev(const struct policy *p, size_t i);
/* How many checks of object in year count against agency's cap (R9). */
unsigned policy_checks_against(const struct policy *p, const char *agency, const char *object,
			       uint32_t year);
uint32_t policy_cap(const struct policy *p, const char *agency);

/* The current results, in the order they were first entered. */
size_t policy_result_count(const struct policy *p);
const struct result *policy_result_at(const struct policy *p, size_t i, const char **task_agency);
/* The current result of agency for object in task_agency's task, or NULL. */
const struct result *policy_result_find(const struct policy *p, const char *agency,
				       const char *task_agency, const char *task, const char *object);
/* The pinned calendars (never NULL). */
const struct calendar *policy_calendar_get(const struct policy *p);
/* The object record fields of agency's directory (NULL when unknown). */
const char *policy_object_name(const struct policy *p, const char *agency, const char *id);
const char *policy_object_district(const struct policy *p, const char *agency, const char *id);

/* A time in microseconds as a day number in China (UTC+8). */
int32_t policy_day(int64_t time_us);

#endif
