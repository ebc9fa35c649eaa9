/*
 * resultspec.h: one step of a check's result (proto/results.proto) from a
 * JSON file and options, for suijid result and suiji result alike.
 *
 * The file (docs/results.md section 6) holds the fields of
 * suiji.CheckResult by name: agency, task_agency (default: agency), task,
 * object, check_date, check_end, items, account, categories (labels of
 * results/result.h, or their numbers), handling, lab_test, lab_date,
 * reason. Only agency, task and object are needed for a step that carries
 * no content (review, publish, close ...). Whether the step is allowed is
 * the ledger's rule, never this builder's.
 */
#ifndef SUIJI_WIRE_RESULTSPEC_H
#define SUIJI_WIRE_RESULTSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/*
 * Builds the payload of action (enter, review, return, amend, publish,
 * follow, close, recheck) from the JSON file at path (NULL for none) with
 * fields overridden by over[0..2n) (pairs of field name and value, may be
 * NULL); an empty agency becomes default_agency (may be NULL). *out is
 * malloc'd; what (what_cap bytes) names the step for messages; the
 * result's agency is copied into agency (ENTRY_MAX_AGENCY + 1 bytes), the
 * agency the entry is written for. Errors: SJ_EINVAL (usage or a bad field, named in err),
 * SJ_EIO, SJ_ENOMEM.
 */
SJ_WUR int resultspec_build(uint8_t **out, size_t *len, char *agency, char *what, size_t what_cap,
			    const char *action, const char *path, const char *const *over,
			    size_t n, const char *default_agency, char *err, size_t err_cap);

/* The action names, for usage messages. */
#define RESULTSPEC_ACTIONS "enter|review|return|amend|publish|follow|close|recheck"

#endif
