/*
 * planspec.h: the JSON files of item lists, plans and tasks (docs/plans.md)
 * turned into the ledger payloads of proto/plans.proto, for suijid
 * (plancmd.c) and for the suiji client, which signs them. Only the JSON's
 * shape is checked here: a missing or mistyped field is named with its
 * path ("items[2].ratio"); every rule is the ledger's (rules/plans.h).
 *
 * Each builder writes a malloc'd payload to *out (*len bytes; the caller
 * frees it) and describes it in info. Errors: SJ_EINVAL (a field, named in
 * err), SJ_EIO (the file cannot be read, or is not a JSON object; err says
 * so), SJ_ENOMEM. On failure *out is NULL.
 */
#ifndef SUIJI_WIRE_PLANSPEC_H
#define SUIJI_WIRE_PLANSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/entry.h"

struct planspec_info {
	char agency[ENTRY_MAX_AGENCY + 1]; /* the agency the payload names */
	char what[512];                    /* "plan p2027 version 1 of scjg ..." */
};

/* An ItemList (entry type 21) of agency from the JSON file at path. */
SJ_WUR int planspec_items(uint8_t **out, size_t *len, struct planspec_info *info,
			  const char *path, const char *agency, char *err, size_t err_cap);

/* A Plan (entry type 22) from the JSON file at path. */
SJ_WUR int planspec_plan(uint8_t **out, size_t *len, struct planspec_info *info,
			 const char *path, char *err, size_t err_cap);

/* A Task (entry type 26) from the JSON file at path. */
SJ_WUR int planspec_task(uint8_t **out, size_t *len, struct planspec_info *info,
			 const char *path, char *err, size_t err_cap);

/* The same three from JSON already in memory, text[0..text_len) (borrowed),
 * named name in errors where the file variants name the path; a file that
 * cannot be read is the file variants' only other error. These are what the
 * file variants call, and what the fuzz target drives. */
SJ_WUR int planspec_items_json(uint8_t **out, size_t *len, struct planspec_info *info,
			       const char *text, size_t text_len, const char *name,
			       const char *agency, char *err, size_t err_cap);
SJ_WUR int planspec_plan_json(uint8_t **out, size_t *len, struct planspec_info *info,
			      const char *text, size_t text_len, const char *name, char *err,
			      size_t err_cap);
SJ_WUR int planspec_task_json(uint8_t **out, size_t *len, struct planspec_info *info,
			      const char *text, size_t text_len, const char *name, char *err,
			      size_t err_cap);

/* A PlanStep for type (ENTRY_PLAN_REVIEW, _FILE or _PUBLISH) of version
 * (decimal text) of agency's plan_id; reason is the return reason (a
 * review returns iff reason is set) or a note, or NULL. */
SJ_WUR int planspec_step(uint8_t **out, size_t *len, struct planspec_info *info, uint32_t type,
			 const char *agency, const char *plan_id, const char *version,
			 const char *reason, char *err, size_t err_cap);

/* A task's legal review (a PlanStep naming task_id, entry type 23, R5):
 * approved unless return_reason is set; narrow_reason (may be NULL)
 * approves a narrow or tag-only scope with that reason (R5, R6). */
SJ_WUR int planspec_task_review(uint8_t **out, size_t *len, struct planspec_info *info,
				const char *agency, const char *task_id, const char *return_reason,
				const char *narrow_reason, char *err, size_t err_cap);

#endif
