/*
 * drawrecheck.h: a re-check draw (复查, R19) built from the ledger
 * (suijid draw recheck).
 *
 * The justice bureau states only a scope and its choices (how many to
 * re-check, the team size, beacons, a deadline); the ledger gives the
 * rest through policy_recheck_expect (rules/policy.h): every published
 * result of the scope as the object pool, the bureau's directory's active
 * officers and experts with their tags, and the declared conflicts between
 * them (R2, R12). The result is an ordinary draw spec with its CSV pools
 * (docs/draw-request.md), which the bureau's supervisor key requests over
 * RPC (suiji draw-request): a draw request by a supervisor is a re-check.
 *
 * The re-check file (JSON, docs/policy.md):
 *   {"request_id": "rc1", "agency": "sfj",
 *    "scope": {"agency": "scjg", "year": 2026, "task": "scjg-2026-food"},
 *    "ratio": "1/5",            (or "count": 3; default "1/1")
 *    "team_size": 2, "deadline_hours": 168,
 *    "beacons": [{"source": "lyg-beacon", "round": "auto"}]}
 * request_id, agency (the bureau's code), scope.agency, scope.year and
 * beacons are required; scope.task narrows the scope to one task.
 */
#ifndef SUIJI_DAEMON_DRAWRECHECK_H
#define SUIJI_DAEMON_DRAWRECHECK_H

#include <stddef.h>

#include "common/err.h"
#include "rules/replay.h"

/*
 * Reads the re-check file at path, asks r what the re-check must fix, and
 * writes spec.json, objects.csv, officers.csv and experts.csv into outdir
 * (created if missing; when it ends in '/', into its subfolder named after
 * the request id). spec_path (cap bytes) receives the spec's path. The
 * request id and the agency codes must be names (as drawtask.h says);
 * otherwise nothing is written. Errors: SJ_EINVAL (the file or the scope,
 * named in err), SJ_ENOENT (no published result in the scope), SJ_EIO,
 * SJ_ENOMEM.
 */
SJ_WUR int drawrecheck_prepare(const struct replay *r, const char *path, const char *outdir,
                               char *spec_path, size_t cap, char *err, size_t err_cap);

#endif
