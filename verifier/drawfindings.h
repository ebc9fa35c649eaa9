/*
 * drawfindings.h: what the reports say about each task's draws (R6, R15):
 * how often each task was drawn and how (its regular draw, redraws after
 * an abandoned commitment, substitutions with their reasons, re-checks),
 * and the drawn objects that have no result once their task has ended.
 * Each substitution and each task drawn more than once is a finding for
 * the supervisor, not a broken rule: the rules that bound them are
 * enforced by rules/taskdraws.c. Reads only the replayed state.
 */
#ifndef SUIJI_VERIFIER_DRAWFINDINGS_H
#define SUIJI_VERIFIER_DRAWFINDINGS_H

#include <stdint.h>
#include <stdio.h>

#include "rules/plans.h"
#include "rules/replay.h"

/* The per-task draws of agency's task task, counted by kind (refused
 * requests, audit mode, included). */
struct drawfindings_count {
	unsigned regular, redraws, substitutions, rechecks, total;
};
void drawfindings_count(const struct replay *r, const char *agency, const char *task,
                        struct drawfindings_count *out);

/* A drawn object of task ti without a result of the task's agency, judged
 * on day today: 1 when the task ended before today and the object was not
 * replaced as deregistered. */
int drawfindings_missing(const struct replay *r, const struct plans_task_info *ti,
                         const char *object, int32_t today);

/* The summary lines of the compliance report's findings: tasks drawn
 * more than once, substitutions, drawn objects without a result. */
void drawfindings_print(FILE *f, const struct replay *r, int32_t today);

/* The supervision report's lines for task ti: its draws by kind, each
 * substitution and redraw with its reason, each drawn object without a
 * result. */
void drawfindings_task(FILE *f, const struct replay *r, const struct plans_task_info *ti,
                       int32_t today);

/*
 * The portal's per-task view (docs/portal.md, data/taskdraws.json): one
 * object per task with its draws (request entry, day of the request, kind,
 * the draw replaced and the reason's code and object, never an officer:
 * R17) and its drawn objects without a result on day today. A cJSON
 * array (the caller's), or NULL when out of memory.
 */
struct cJSON;
struct cJSON *drawfindings_json(const struct replay *r, int32_t today);

#endif
