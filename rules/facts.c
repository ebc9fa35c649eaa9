/*
 * facts.c: leads and unavailability as ledger facts (facts.h).
 *
 * The arrays are in ledger order, so a lookup by entry number is a binary
 * search and a rollback a truncation; reviews and the uses of leads are
 * fields of earlier elements, undone by comparing the seq they record.
 */
#include "rules/facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "results/calendar.h"
#include "rules/dirs.h"
#include "rules/policy.h"
#include "rules/rules.h"

#include "proto/facts.pb-c.h"
#include "proto/ledger.pb-c.h"

struct facts {
	struct facts_lead *leads;
	size_t nleads, cleads;
	struct facts_unavailable *un;
	size_t nun, cun;
	struct facts_draw *draws;
	size_t ndraws, cdraws;
};

static const char *const kind_names[FACTS_KINDS] = {"leave", "training", "transfer", "illness"};

const char *facts_kind_name(unsigned kind)
{
	return kind < FACTS_KINDS ? kind_names[kind] : "?";
}

int facts_new(struct facts **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void facts_free(struct facts *f)
{
	if (f == NULL)
		return;
	free(f->leads);
	free(f->un);
	free(f->draws);
	free(f);
}

/* Text of 1..max bytes (0..max when may_be_empty) without control
 * characters. */
static int valid_text(const char *s, size_t max, int may_be_empty)
{
	size_t n = strlen(s);
	if ((n == 0 && !may_be_empty) || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int parse_day(int32_t *out, const char *s)
{
	return strlen(s) == CALENDAR_DATE_LEN &&
	       calendar_date_parse(out, s, CALENDAR_DATE_LEN) == SJ_OK;
}

/* Who may write a fact of e's agency: an operator of it (replay.c checked
 * that a signed entry's agency is its key's), or the log operator for a
 * registered agency. */
static int by_operator(const struct entry *e, int role, int agency_known)
{
	if (e->sig == NULL)
		return agency_known;
	return role == SUIJI__ROLE__ROLE_OPERATOR;
}

/* ---- Leads (R10) ---- */

static int lead_check(const struct facts *f, const struct dirs *d, const struct entry *e,
                      const Suiji__Lead *m, const char *agency, struct facts_lead *out, char *err,
                      size_t err_cap)
{
	int32_t today = policy_day(e->time_us);
	if (!valid_text(m->object, DRAW_MAX_ID, 0) ||
	    dirs_object_find(d, agency, m->object) == NULL)
		return rules_fail(err, err_cap,
		                  "R10: lead names object \"%.64s\", which is not in agency %s's "
		                  "directory",
		                  m->object, agency);
	if (!valid_text(m->reference, FACTS_MAX_REF, 0))
		return rules_fail(
		    err, err_cap,
		    "R10: a lead's reference is 1 to %d bytes of text (the complaint's "
		    "or lead's number)",
		    FACTS_MAX_REF);
	if (facts_lead_by_ref(f, agency, m->reference))
		return rules_fail(err, err_cap, "R10: agency %s has a lead %s already", agency,
		                  m->reference);
	if (!parse_day(&out->received, m->received) || !parse_day(&out->handled, m->handled))
		return rules_fail(
		    err, err_cap,
		    "R10: lead %s: \"received\" and \"handled\" are dates, YYYY-MM-DD",
		    m->reference);
	if (out->received > out->handled || out->handled > today)
		return rules_fail(err, err_cap,
		                  "R10: lead %s: it must be received, then handled, on or before "
		                  "the day it is entered",
		                  m->reference);
	if (!valid_text(m->note, FACTS_MAX_NOTE, 1))
		return rules_fail(err, err_cap,
		                  "R10: lead %s: the note is at most %d bytes of text, without "
		                  "personal data",
		                  m->reference, FACTS_MAX_NOTE);
	return SJ_OK;
}

int facts_lead_add(struct facts *f, const struct dirs *d, const struct entry *e, int role,
                   int agency_known, char *err, size_t err_cap)
{
	char agency[ENTRY_MAX_AGENCY + 1];
	struct facts_lead l;
	int rc;

	memset(&l, 0, sizeof l);
	snprintf(agency, sizeof agency, "%.*s", (int)e->agency_len, e->agency);
	if (!by_operator(e, role, agency_known))
		return rules_fail(err, err_cap,
		                  "R10: only an operator of agency %s, or the log operator, may "
		                  "enter its leads",
		                  agency);
	pbuf_reset();
	Suiji__Lead *m = suiji__lead__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
		                     : rules_fail(err, err_cap,
		                                  "lead payload does not decode as "
		                                  "suiji.Lead");
	rc = lead_check(f, d, e, m, agency, &l, err, err_cap);
	if (rc == SJ_OK)
		rc = util_grow((void **)&f->leads, &f->cleads, f->nleads, sizeof *f->leads);
	if (rc == SJ_OK) {
		l.seq = e->seq;
		snprintf(l.agency, sizeof l.agency, "%s", agency);
		snprintf(l.object, sizeof l.object, "%s", m->object);
		snprintf(l.reference, sizeof l.reference, "%s", m->reference);
		f->leads[f->nleads++] = l;
	}
	suiji__lead__free_unpacked(m, NULL);
	return rc;
}

const struct facts_lead *facts_lead_at(const struct facts *f, uint64_t seq)
{
	size_t lo = 0, hi = f->nleads;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->leads[mid].seq == seq)
			return &f->leads[mid];
		if (f->leads[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct facts_lead *facts_lead_by_ref(const struct facts *f, const char *agency,
                                           const char *reference)
{
	for (size_t i = 0; i < f->nleads; i++)
		if (strcmp(f->leads[i].agency, agency) == 0 &&
		    strcmp(f->leads[i].reference, reference) == 0)
			return &f->leads[i];
	return NULL;
}

size_t facts_leads_used(const struct facts *f, uint64_t draw_seq)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nleads; i++)
		n += f->leads[i].used_by == draw_seq;
	return n;
}

void facts_lead_use(struct facts *f, uint64_t seq, uint64_t draw_seq)
{
	struct facts_lead *l = (struct facts_lead *)facts_lead_at(f, seq);
	if (l)
		l->used_by = draw_seq;
}

uint64_t facts_lead_named(const char *note)
{
	uint64_t v = 0;
	if (strncmp(note, "lead ", 5) != 0 || note[5] < '1' || note[5] > '9')
		return 0;
	for (const char *p = note + 5; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

/* ---- Unavailability (R11) ---- */

static int find_person(const struct dirs *d, const char *agency, unsigned kind, const char *id)
{
	size_t n = dirs_person_count(d);
	for (size_t i = 0; i < n; i++) {
		const struct dirs_person *p = dirs_person_at(d, i);
		if (p && p->kind == kind && strcmp(p->dir_agency, agency) == 0 &&
		    strcmp(p->id, id) == 0)
			return 1;
	}
	return 0;
}

static int declare_check(const struct dirs *d, const Suiji__Unavailability *m, const char *agency,
                         struct facts_unavailable *u, char *err, size_t err_cap)
{
	unsigned k;
	int officer = strcmp(m->person_kind, "officer") == 0;
	if (!officer && strcmp(m->person_kind, "expert") != 0)
		return rules_fail(err, err_cap,
		                  "R11: an unavailability's person_kind is officer or expert");
	if (!valid_text(m->person, DRAW_MAX_ID, 0) ||
	    !find_person(d, agency, officer ? RECORD_OFFICER : RECORD_EXPERT, m->person))
		return rules_fail(err, err_cap,
		                  "R11: %s \"%.64s\" is not in agency %s's directory of %ss",
		                  m->person_kind, m->person, agency, m->person_kind);
	for (k = 0; k < FACTS_KINDS; k++)
		if (strcmp(m->kind, kind_names[k]) == 0)
			break;
	if (k == FACTS_KINDS)
		return rules_fail(err, err_cap,
		                  "R11: unavailability kind \"%.32s\" is not leave, training, "
		                  "transfer or illness",
		                  m->kind);
	if (!parse_day(&u->from, m->from_date) || !parse_day(&u->to, m->to_date) ||
	    u->from > u->to || u->to - u->from > FACTS_MAX_DAYS)
		return rules_fail(err, err_cap,
		                  "R11: an unavailability runs from \"from_date\" to \"to_date\" "
		                  "(YYYY-MM-DD), at most %d days",
		                  FACTS_MAX_DAYS);
	if (!valid_text(m->reference, FACTS_MAX_REF, 0))
		return rules_fail(err, err_cap,
		                  "R11: an unavailability's reference is 1 to %d bytes of text",
		                  FACTS_MAX_REF);
	u->kind = (enum facts_kind)k;
	u->person_kind = officer ? DRAW_OFFICER : DRAW_EXPERT;
	snprintf(u->person, sizeof u->person, "%s", m->person);
	return SJ_OK;
}

static struct facts_unavailable *unavailable_at_seq(struct facts *f, uint64_t seq)
{
	for (size_t i = f->nun; i-- > 0;)
		if (f->un[i].seq == seq)
			return &f->un[i];
	return NULL;
}

static int review(struct facts *f, const struct entry *e, int role, const char *agency,
                  const Suiji__UnavailabilityReview *m, char *err, size_t err_cap)
{
	struct facts_unavailable *u = unavailable_at_seq(f, m->entry);
	if (u == NULL || strcmp(u->agency, agency) != 0)
		return rules_fail(err, err_cap,
		                  "R11: review names entry %llu, which is no unavailability of "
		                  "agency %s",
		                  (unsigned long long)m->entry, agency);
	if (e->sig == NULL || role != SUIJI__ROLE__ROLE_LEGAL)
		return rules_fail(err, err_cap,
		                  "R11: only a legal reviewer of agency %s may review an "
		                  "unavailability",
		                  agency);
	if (memcmp(u->author, e->actor, ENTRY_KEY_SIZE) == 0)
		return rules_fail(
		    err, err_cap,
		    "R11: unavailability %llu is reviewed by the key that declared it",
		    (unsigned long long)m->entry);
	if (u->review_seq)
		return rules_fail(err, err_cap,
		                  "R11: unavailability %llu was reviewed at entry %llu",
		                  (unsigned long long)m->entry, (unsigned long long)u->review_seq);
	if (!valid_text(m->note, FACTS_MAX_NOTE, 1))
		return rules_fail(err, err_cap, "R11: a review's note is at most %d bytes of text",
		                  FACTS_MAX_NOTE);
	u->review_seq = e->seq;
	u->approved = m->approve ? 1 : 0;
	return SJ_OK;
}

int facts_unavailability(struct facts *f, const struct dirs *d, const struct entry *e, int role,
                         int agency_known, char *err, size_t err_cap)
{
	char agency[ENTRY_MAX_AGENCY + 1];
	struct facts_unavailable u;
	int rc;

	memset(&u, 0, sizeof u);
	snprintf(agency, sizeof agency, "%.*s", (int)e->agency_len, e->agency);
	pbuf_reset();
	Suiji__UnavailabilityStep *m =
	    suiji__unavailability_step__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL)
		return pbuf_failed() ? SJ_ENOMEM
		                     : rules_fail(err, err_cap,
		                                  "unavailability payload does not "
		                                  "decode as suiji.UnavailabilityStep");
	if (m->step_case == SUIJI__UNAVAILABILITY_STEP__STEP_REVIEW) {
		rc = review(f, e, role, agency, m->review, err, err_cap);
	} else if (m->step_case != SUIJI__UNAVAILABILITY_STEP__STEP_DECLARE) {
		rc = rules_fail(err, err_cap,
		                "R11: an unavailability step is a declare or a review");
	} else if (!by_operator(e, role, agency_known)) {
		rc = rules_fail(err, err_cap,
		                "R11: only an operator of agency %s, or the log operator, may "
		                "declare its people unavailable",
		                agency);
	} else if ((rc = declare_check(d, m->declare, agency, &u, err, err_cap)) == SJ_OK &&
	           (rc = util_grow((void **)&f->un, &f->cun, f->nun, sizeof *f->un)) == SJ_OK) {
		u.seq = e->seq;
		snprintf(u.agency, sizeof u.agency, "%s", agency);
		memcpy(u.author, e->actor, ENTRY_KEY_SIZE);
		f->un[f->nun++] = u;
	}
	suiji__unavailability_step__free_unpacked(m, NULL);
	return rc;
}

const struct facts_unavailable *facts_unavailable_on(const struct facts *f, const char *agency,
                                                     enum draw_kind person_kind, const char *person,
                                                     int32_t day)
{
	for (size_t i = 0; i < f->nun; i++) {
		const struct facts_unavailable *u = &f->un[i];
		if (u->approved && u->person_kind == person_kind && u->from <= day &&
		    day <= u->to && strcmp(u->person, person) == 0 &&
		    strcmp(u->agency, agency) == 0)
			return u;
	}
	return NULL;
}

size_t facts_unavailable_count(const struct facts *f)
{
	return f->nun;
}

const struct facts_unavailable *facts_unavailable_at(const struct facts *f, size_t i)
{
	return i < f->nun ? &f->un[i] : NULL;
}

/* ---- What the draws excluded ---- */

int facts_draw_record(struct facts *f, const struct facts_draw *fd)
{
	if (util_grow((void **)&f->draws, &f->cdraws, f->ndraws, sizeof *f->draws) != SJ_OK)
		return SJ_ENOMEM;
	f->draws[f->ndraws++] = *fd;
	return SJ_OK;
}

const struct facts_draw *facts_draw_find(const struct facts *f, uint64_t request_seq)
{
	for (size_t i = f->ndraws; i-- > 0;)
		if (f->draws[i].request_seq == request_seq)
			return &f->draws[i];
	return NULL;
}

/* ---- Rollback ---- */

void facts_rollback(struct facts *f, uint64_t seq)
{
	while (f->nleads && f->leads[f->nleads - 1].seq >= seq)
		f->nleads--;
	while (f->nun && f->un[f->nun - 1].seq >= seq)
		f->nun--;
	while (f->ndraws && f->draws[f->ndraws - 1].request_seq >= seq)
		f->ndraws--;
	for (size_t i = 0; i < f->nleads; i++)
		if (f->leads[i].used_by >= seq)
			f->leads[i].used_by = 0;
	for (size_t i = 0; i < f->nun; i++)
		if (f->un[i].review_seq >= seq) {
			f->un[i].review_seq = 0;
			f->un[i].approved = 0;
		}
}
