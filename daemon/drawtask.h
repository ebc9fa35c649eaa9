/*
 * drawtask.h: a draw for a task, built from the ledger (suijid draw task).
 *
 * The operator names the task and makes the choices the policy leaves to
 * them (officer tags and experts per stratum, slots, beacons, a
 * deadline, leads handled outside the draw, officers who are unavailable);
 * everything the policy fixes comes from the ledger through
 * policy_expect (rules/policy.h): the object pool and its strata, the
 * exclusions for deregistered objects and the annual cap, the task's
 * ratios, the officer and expert pools, the declared conflicts and, for a
 * joint task, the agencies whose officers make up each team. The result
 * is an ordinary draw spec with its CSV pools (docs/draw-request.md),
 * written to a folder the operator keeps: the frozen list as it was
 * committed.
 *
 * The task-draw file (JSON, docs/policy.md):
 *   {"request_id": "...", "agency": "scjg", "task": "T1",
 *    "team_size": 2, "slot_size": 5,
 *    "officer_repeat_in_slot": false, "deadline_hours": 168,
 *    "beacons": [{"source": "lyg-beacon", "round": "auto"}],
 *    "officer_tags": ["food"],
 *    "strata": {"A": {"officer_tags": [...], "experts": 1, "expert_tags": [...]}},
 *    "handled": [{"id": "9132...", "note": "complaint 2026-031 handled at once"}],
 *    "unavailable": [{"kind": "officer", "id": "F002", "note": "on leave"}]}
 * Only request_id, task and beacons are required; team_size defaults to
 * the task's.
 */
#ifndef SUIJI_DAEMON_DRAWTASK_H
#define SUIJI_DAEMON_DRAWTASK_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "rules/replay.h"

/* The longest request id, task or agency code drawtask_prepare takes. */
#define DRAWTASK_MAX_NAME 64

/*
 * Reads the task-draw file at path, asks r what the task's draw must fix,
 * and writes spec.json, objects.csv, officers.csv and experts.csv into
 * outdir (created if missing; when it ends in '/', into its subfolder named
 * after the request id). spec_path (cap bytes) receives the spec's
 * path. The request id, the task and the agency code become parts of file
 * paths, so each must be a name (a letter or digit, then letters, digits,
 * '.', '_' or '-', at most DRAWTASK_MAX_NAME bytes, never ".."), and no
 * string may hold an escaped NUL; otherwise nothing is written.
 * Errors: SJ_EINVAL (the file or the task, named in err), SJ_ENOENT
 * (no such task), SJ_EIO, SJ_ENOMEM.
 */
SJ_WUR int drawtask_prepare(const struct replay *r, const char *path, const char *outdir,
			    char *spec_path, size_t cap, char *err, size_t err_cap);

/* The parts daemon/drawsub.c shares. */
struct policy_expect;
struct cJSON;
/* mkdir -p; -1 on failure. */
int drawtask_make_dirs(const char *path);
/* Writes x's pools as objects.csv, officers.csv and experts.csv into
 * outdir. Errors: SJ_EIO (named in err). */
SJ_WUR int drawtask_write_pools(const char *outdir, const struct policy_expect *x, char *err,
                                size_t err_cap);
/* Adds "exclusions" (x's; the objects of the leads j's "handled" names,
 * from r's ledger; the people of agency with a reviewed unavailability
 * covering today, into x too) and "conflicts" (x's) to the spec out.
 * Errors: SJ_EINVAL (j's lists, named in err with path), SJ_ENOMEM. */
SJ_WUR int drawtask_exclusions(struct cJSON *out, const struct cJSON *j, struct policy_expect *x,
                               const struct replay *r, const char *agency, const char *path,
                               char *err, size_t err_cap);
/* Reads path (a "what" file: "task-draw", "substitution", "re-check")
 * into *buf (*len bytes; the caller frees it, and *j, on any return) and
 * parses it into *j, a JSON object. Errors: SJ_EIO, SJ_EINVAL, named in
 * err. */
SJ_WUR int drawtask_read_json(const char *path, const char *what, uint8_t **buf, size_t *len,
                              struct cJSON **j, char *err, size_t err_cap);
/* Adds x's conflicts (R12) to the spec out as "conflicts". */
void drawtask_spec_conflicts(struct cJSON *out, const struct policy_expect *x);
/* Writes the spec out as outdir/spec.json, its path into spec_path (cap
 * bytes). Errors: SJ_ENOMEM, SJ_EIO (named in err). */
SJ_WUR int drawtask_write_spec(const char *outdir, const struct cJSON *out, char *spec_path,
                               size_t cap, char *err, size_t err_cap);
/* 1 when s may be part of a file path (see drawtask_prepare). */
int drawtask_safe_name(const char *s);
/* 1 when the JSON text holds an escaped NUL. */
int drawtask_has_nul(const uint8_t *b, size_t len);

#endif
