/*
 * calendars.c: the working-day calendars a calendar entry (27) pins
 * (policy.h, R15): by the log operator or an administrator, a valid
 * calendar file of a year not pinned before.
 */
#include "rules/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "rules/rules.h"

#include "proto/results.pb-c.h"

/* Keeps the calendar's text so a rollback can parse the others again. */
static int keep(struct policy *p, const struct entry *e, const Suiji__Calendar *m)
{
	int rc = util_grow((void **)&p->cals, &p->ccals, p->ncals, sizeof *p->cals);
	if (rc != SJ_OK)
		return rc;
	struct po_calendar *c = &p->cals[p->ncals];
	c->seq = e->seq;
	c->name = strdup(m->name);
	c->text = strdup(m->text);
	if (c->name == NULL || c->text == NULL) {
		free(c->name);
		free(c->text);
		return SJ_ENOMEM;
	}
	p->ncals++;
	return SJ_OK;
}

int policy_calendar(struct policy *p, const struct entry *e, int by_admin, char *err,
		    size_t err_cap)
{
	Suiji__Calendar *m = NULL;
	char why[300];
	int rc;

	policy_checked(p, 15);
	if (!by_admin)
		return rules_fail(err, err_cap,
				  "only the log operator or an administrator may pin a calendar");
	pbuf_reset();
	m = suiji__calendar__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
				     : rules_fail(err, err_cap,
						  "calendar payload does not decode as suiji.Calendar");
	rc = calendar_parse(p->cal, m->text, strlen(m->text), m->name, why, sizeof why);
	if (rc == SJ_EEXIST || rc == SJ_EINVAL || rc == SJ_ERANGE) {
		rc = policy_violation(p, 15, e->seq, err, err_cap, "calendar %s: %s", m->name, why);
		if (rc == POLICY_BROKEN)
			rc = SJ_OK;
	} else if (rc == SJ_OK && (rc = keep(p, e, m)) != SJ_OK) {
		p->maps_dirty = 1; /* parsed but not kept: undoing it parses again */
	}
	suiji__calendar__free_unpacked(m, NULL);
	return rc;
}

const struct calendar *policy_calendar_get(const struct policy *p)
{
	return p->cal;
}
