/*
 * plancmd.h: directory imports, item lists, plans and their review,
 * filing and publication, tasks and results over RPC. Each returns an
 * exit status (cli.h).
 */
#ifndef SUIJI_CLIENT_PLANCMD_H
#define SUIJI_CLIENT_PLANCMD_H

#include "client/cli.h"

/* import --dry-run: the file is checked here, against no directory (the
 * client cannot see the ledger's; suijid import --dry-run shows the diff). */
int plancmd_import_check(int argc, char **argv);

/* import: one directory-import entry signed for this client's agency. It
 * must fit one request; the daemon's rules check the records. */
int plancmd_import(struct cli_session *s, const struct cli *a);

/* result ACTION [FILE.json]: one step of a check's result (docs/results.md),
 * for this client's agency unless the file names the result's agency (a
 * supervisor's re-check). */
int plancmd_result(struct cli_session *s, const struct cli *a);

int plancmd_items_publish(struct cli_session *s, const struct cli *a);

int plancmd_plan_submit(struct cli_session *s, const struct cli *a);

int plancmd_task_create(struct cli_session *s, const struct cli *a);

int plancmd_plan_review(struct cli_session *s, const struct cli *a);
/* task-review AGENCY TASK: a task's legal review (R5) through
 * METHOD_PLAN_REVIEW, a PlanStep naming the task. */
int plancmd_task_review(struct cli_session *s, const struct cli *a);

int plancmd_plan_file(struct cli_session *s, const struct cli *a);

int plancmd_plan_publish(struct cli_session *s, const struct cli *a);

#endif
