/*
 * policy_int.h: the state of policy.h, shared by the files that hold its
 * rules, one file per rule family:
 *   policy.c     the state, reports and rollback;
 *   pools.c      what a tied draw's pools and exclusions must be (R1, R2,
 *                R6, R7, R9, R10, R12-R14), and a substitution's, derived
 *                from the draw it replaces (R6); the checks counted against
 *                the annual cap (R9);
 *   taskdraws.c  whether a draw request keeps to its task (R5-R14), re-check
 *                draws (R19), and the checks a revealed draw counts (R9);
 *   calendars.c  the pinned working-day calendars (R15);
 *   results.c    the steps of check results (R15, R16, R19).
 * The agencies are agencies.h's and the directories dirs.h's: the policy
 * reads them and keeps no copy.
 *
 * The state is a set of append-only arrays whose elements record the entry
 * that made them, and string maps over them (common/hmap.h). Rolling back
 * (rare: a batch append that failed) truncates the arrays and rebuilds the
 * maps, so no undo log is needed.
 */
#ifndef SUIJI_RULES_POLICY_INT_H
#define SUIJI_RULES_POLICY_INT_H

#include "common/hmap.h"
#include "rules/agencies.h"
#include "rules/dirs.h"
#include "rules/facts.h"
#include "rules/policy.h"

struct po_calendar {
	uint64_t seq;
	char *name, *text;
};

struct po_result {
	uint64_t seq;
	char task_agency[ENTRY_MAX_AGENCY + 1];
	struct result r;
	long first;  /* the version that entered it; -1 for itself */
	int recheck; /* this version is a re-check (R19) */
};

struct policy {
	int audit;
	const struct agencies *ag;  /* borrowed */
	const struct dirs *dirs;    /* borrowed */
	struct facts *facts;        /* borrowed: leads and unavailability (facts.h) */
	const struct draws *drawsm; /* borrowed: the commitments `replaces` names */
	struct po_calendar *cals;
	size_t ncals, ccals;
	struct calendar *cal;
	struct policy_draw *draws;
	size_t ndraws, cdraws;
	struct policy_check *checks;
	size_t nchecks, cchecks;
	struct po_result *results;
	size_t nresults, cresults;
	size_t *firsts; /* the versions that entered a result, in order */
	size_t nfirsts, cfirsts;
	/* task agency,task,object -> check; result key -> version;
	 * year,object -> the latest check (earlier ones chain in check_next) */
	struct hmap m_taskobj, m_result, m_yearobj;
	struct hmap m_published; /* objects with a published result (R19) */
	size_t *check_next; /* per check: the previous check of the same year and object + 1 */
	size_t ccheck_next;
	int maps_dirty; /* a failed step may have left a map or the calendars ahead
			 * of their arrays: the next rollback rebuilds them */
	struct policy_tally tally[POLICY_RULES + 1];
	uint64_t untied, rechecks;
	uint64_t result_rechecks; /* results re-checked by the justice bureau */
};

/*
 * A rule check's verdict besides SJ_OK and the errors: the rule is broken
 * and audit mode counted it, so the entry changes nothing here but the
 * replay goes on. The function that took the entry returns SJ_OK for it.
 */
#define POLICY_BROKEN 1

/*
 * A broken rule. Strict: SJ_EVERIFY with the rule's number first in err.
 * Audit: counted, the first one kept, and POLICY_BROKEN.
 */
SJ_WUR int policy_violation(struct policy *p, unsigned rule, uint64_t seq, char *err,
			    size_t err_cap, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Rule n was checked on one more entry. */
void policy_checked(struct policy *p, unsigned n);

/* The draw of the policy that committed with entry hash h into *d (NULL
 * when untied or refused) and its state into *info; 0 when no commitment
 * in the ledger has that hash (pools.c). */
int policy_find_replaced(const struct policy *p, const uint8_t h[32], struct draws_info *info,
                         const struct policy_draw **d);

/* Clears a draw's strata, beacons and picks (policy.c). */
void policy_draw_clear(struct policy_draw *d);

/* Appends the active people of kind (enum record_kind) in dir_agency's
 * directory to *out (*n of them), in directory order. SJ_ENOMEM. */
int policy_collect_people(const struct policy *p, const char *dir_agency, unsigned kind,
                          struct policy_person **out, size_t *n);

#endif
