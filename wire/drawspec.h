/*
 * drawspec.h: reads a draw request as an operator writes it: a JSON spec
 * naming the task, the rules per stratum (R7), the team size (R11), the
 * exclusions (R6, R9, R10) and conflicts (R12), the beacon rounds, and CSV
 * files of the object, officer and expert pools; produces the canonical
 * pool and input encodings of docs/draw-spec.md. docs/draw-request.md
 * describes the formats.
 *
 * The pools are sorted here (the library refuses unsorted input, so the
 * sorting happens once, at the front door). A round given as "auto" is the
 * first of its source that is usable after now plus the source's margin
 * plus a little slack for the time the commitment takes to be written.
 */
#ifndef SUIJI_WIRE_DRAWSPEC_H
#define SUIJI_WIRE_DRAWSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/round.h"
#include "common/err.h"

/* Time allowed between choosing an "auto" round and writing the commit. */
#define DRAWSPEC_AUTO_SLACK_US (2 * 1000000LL)

struct drawspec {
	char request_id[65];
	char agency[65]; /* the agency the draw is for ("agency" in the spec) */
	uint8_t *inputs, *objects, *officers, *experts; /* malloc'd encodings */
	size_t inputs_len, objects_len, officers_len, experts_len;
};

/*
 * Looks up the registered beacon source id for drawspec_load: SJ_OK with
 * *chain (borrowed until drawspec_load returns; unused for a manual
 * source), *manual (1 for a source of public values) and *margin_us set,
 * or SJ_ENOENT when no such source is registered. ctx is the caller's.
 */
typedef int (*drawspec_source_fn)(void *ctx, const char *id, const struct beacon_chain **chain,
				  int *manual, int64_t *margin_us);

/*
 * Loads the spec at path (pool file names in it are relative to its
 * directory), checking each beacon source with lookup (called with ctx)
 * and choosing "auto" rounds from the chains it gives as of now_us. The
 * daemon looks sources up in its ledger (drawspec_ledger_source); the
 * client in what the daemon's GET_BEACONS reply lists.
 * Errors: SJ_EINVAL with the file, line or field named in err; SJ_ENOENT
 * (a file missing); SJ_ENOMEM. On failure *out holds nothing to free.
 */
SJ_WUR int drawspec_load(struct drawspec *out, const char *path, drawspec_source_fn lookup,
			 void *ctx, int64_t now_us, char *err, size_t err_cap);
void drawspec_fini(struct drawspec *s);

/* Encodes the suiji.DrawRequest payload of a loaded spec into *out
 * (malloc'd): the one encoder of a draw request, for the daemon's own
 * commands and the client alike. Errors: SJ_ENOMEM. */
SJ_WUR int drawspec_payload(uint8_t **out, size_t *len, const struct drawspec *sp);

/* A drawspec_source_fn over the sources a ledger registered: ctx is a
 * const struct draws * (storeops_draws), only read. */
int drawspec_ledger_source(void *ctx, const char *id, const struct beacon_chain **chain,
			   int *manual, int64_t *margin_us);

#endif
