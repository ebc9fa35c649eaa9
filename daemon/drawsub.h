/*
 * drawsub.h: a substitution (补抽) built from the ledger (suijid draw
 * substitute).
 *
 * The operator names the draw being replaced (its request entry, or the
 * entry hash of its commitment), a reason of the closed list
 * (rules/policy.h, docs/draw-spec.md 7) and their own choices (officer
 * tags, beacons, a deadline); the object and officer pools, the
 * exclusions, the conflicts, the stratum drawn and the task come from the
 * ledger through policy_expect_substitution. The result is an ordinary
 * draw spec with its CSV pools, like drawtask.h's.
 *
 * The substitution file (JSON, docs/policy.md):
 *   {"request_id": "food-sub-1", "draw": 41,
 *    "reason": "object-unreachable 91320700MA1XXXXXXX",
 *    "beacons": [{"source": "lyg-beacon", "round": "auto"}],
 *    "officer_tags": ["food"], "deadline_hours": 168}
 * "draw" may be replaced by "commitment_entry_hash" (64 hex digits);
 * "agency", when given, must be the replaced draw's. Only request_id, the
 * draw, the reason and beacons are required.
 */
#ifndef SUIJI_DAEMON_DRAWSUB_H
#define SUIJI_DAEMON_DRAWSUB_H

#include <stddef.h>

#include "common/err.h"
#include "rules/replay.h"

/*
 * Reads the substitution file at path, asks r what the substitution must
 * fix, and writes spec.json and its pools into outdir as
 * drawtask_prepare does (a folder ending in '/' gets a subfolder named
 * after the request id). spec_path (cap bytes) receives the spec's path.
 * Errors: SJ_EINVAL (the file, or the rule the substitution would break,
 * named in err as "R6: ..."), SJ_ENOENT (no such draw), SJ_EIO, SJ_ENOMEM.
 */
SJ_WUR int drawsub_prepare(const struct replay *r, const char *path, const char *outdir,
                           char *spec_path, size_t cap, char *err, size_t err_cap);

#endif
