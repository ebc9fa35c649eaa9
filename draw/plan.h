/*
 * plan.h: the draw's plan, private to draw/. The feasibility check
 * (draw_derive_check) builds it and refuses inputs that cannot be staffed;
 * the derivation (draw_derive_run) then staffs by it, so both agree on
 * every count. Not part of draw/'s interface: nothing outside draw/
 * includes this header.
 */
#ifndef SUIJI_DRAW_PLAN_H
#define SUIJI_DRAW_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "draw/derive.h"

/* An officer of no team agency of a joint check (R14). */
#define DRAW_PLAN_NO_PART 0xffu

/* What the check learns and the derivation uses. Stratum i of the object
 * pool has rule i: both lists are strictly ascending over the same names. */
struct draw_plan {
	size_t ns;
	/* Parts of a team: the team agencies of a joint check (R14), or 1,
	 * the whole team, drawn from every agency. Officer counts are per
	 * stratum and part: entry i * np + g is stratum i, part g. */
	size_t np;
	uint32_t *n, *k;
	uint64_t (*omask)[4], (*xmask)[4];
	const char **omissing, **xmissing; /* a required tag no one has */
	uint32_t *q, *qx;                  /* qualified officers, experts */
	uint32_t *maxc, *maxcx;            /* most conflicts of one object */
	size_t *maxc_off, *maxcx_off;
	uint8_t *oexcl, *xexcl; /* per officer, per expert */
	uint8_t *opart;         /* per officer: its part, or DRAW_PLAN_NO_PART */
	long *conf_person;      /* per conflict */
	size_t ox_end;          /* object exclusions: [0, ox_end) */
	size_t oc_begin, oc_end, xc_begin, xc_end;
	uint64_t total; /* K, objects drawn in all */
	uint64_t need;  /* officers an object must have */
};

/* Checks the inputs against the pools (spec 5.6) and fills *p; on
 * success the caller owns *p and frees it with draw_plan_free. Errors as
 * draw_derive_check, with err naming the first problem; on failure *p holds
 * nothing to free. */
SJ_WUR int draw_plan_make(struct draw_plan *p, const struct draw_inputs *in,
                          const struct draw_objects *objects, const struct draw_people *officers,
                          const struct draw_people *experts, char *err, size_t cap);
void draw_plan_free(struct draw_plan *p);

#endif
