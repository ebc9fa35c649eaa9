/*
 * compliance.h: what suiji-verify reports from a replayed ledger about the
 * policy (rules/policy.h): the compliance report by rule number, the
 * justice bureau's supervision report (R19), and the public records of
 * results (R17). Reads only the replayed state; holds no secret.
 */
#ifndef SUIJI_VERIFIER_COMPLIANCE_H
#define SUIJI_VERIFIER_COMPLIANCE_H

#include <stdint.h>
#include <stdio.h>

#include "rules/replay.h"

/*
 * Prints one line per enforceable rule: what was checked, how many
 * entries broke it and the first that did; then the findings that are not
 * the ledger's fault but the agencies' (overdue results, R15; objects
 * drawn by several agencies' separate tasks for overlapping periods,
 * offered for merging into one joint visit, R14). today is the day
 * overdue is judged on. Returns the number of violations.
 */
uint64_t compliance_print(FILE *f, const struct replay *r, int32_t today);

/*
 * The abandoned commitments (committed, not revealed by the deadline, as
 * of now_us) of agency (all when NULL): a count line, then per draw who
 * failed (the log operator when the ledger proves its rounds were
 * available, else the beacon; rules/draws.h draws_blame) and the redraws
 * that name it. Each line starts with indent.
 */
void compliance_abandoned(FILE *f, const struct replay *r, const char *agency, int64_t now_us,
			  const char *indent);

/*
 * The supervision report (R19) per agency (all when agency is NULL):
 * tasks and, per stratum, the drawn share against the task's ratio;
 * results entered, published, overdue; objects checked more often than
 * the cap; abandoned commitments (as of now_us); re-check draws.
 */
void compliance_supervise(FILE *f, const struct replay *r, const char *agency, int32_t today,
			  int64_t now_us);

/*
 * Directory changes made within days days before a draw that moved objects
 * into or out of it (rules/policy.h, policy_predraw): a finding (R19), not
 * a violation, since the directory is the truth. With ids 0 (the
 * verifier's report), one line per draw with counts by effect and a total
 * line; with ids 1 (the supervision report), each object with its effect
 * and the import that made it. For agency's draws only unless NULL.
 */
void compliance_predraw(FILE *f, const struct replay *r, const char *agency, uint32_t days,
			int ids);

/*
 * Writes the public records (R17) into dir: results.csv and results.json,
 * one record per object and task, a joint task's only once every member
 * agency's result is published (R14); items.json, plans.json (every
 * version and step), tasks.json, and draws.json (each revealed draw's
 * commitment, beacon values, seed, randomness, strata and drawn objects,
 * never officers or experts). Returns 0,
 * 1 when a record was refused by the privacy checks (named on stderr), 2
 * on I/O errors.
 */
int compliance_publish(const struct replay *r, const char *dir, size_t *n_records);

/*
 * Writes the JSON j (a cJSON *, deleted here) as dir/name unless one of
 * its strings holds what looks like a phone or ID number (R17), which is
 * named on stderr. Returns 0, 1 (refused, nothing written) or 2 (I/O).
 */
struct cJSON;
int compliance_write_json(const char *dir, const char *name, struct cJSON *j);

#endif
