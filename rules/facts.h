/*
 * facts.h: the facts an operator would otherwise choose by hand at draw
 * time, as ledger entries made before the draw (proto/facts.proto):
 *
 * A lead entry (44) records a lead (线索) about one object, handled outside
 * the draw (R10). It is valid if and only if: it is written by an operator
 * of the entry's agency or by the log operator for a registered agency;
 * the object is in that agency's object directory now; its reference is
 * 1..64 bytes of text and no earlier lead of the agency has it; received
 * and handled are dates, received <= handled <= the entry's day in China;
 * the note is at most 200 bytes of text. A draw that excludes an object as
 * handled must name one such lead of its agency for that object in the
 * exclusion's note ("lead SEQ"); each lead serves one draw only.
 *
 * An unavailability entry (45) is one step of an officer's or expert's
 * unavailability (R11). A declaration is valid if and only if: it is
 * written by an operator of the entry's agency or the log operator; the
 * person is in that agency's directory of that kind; the kind is leave,
 * training, transfer or illness; from <= to <= from + 366 days; the
 * reference is 1..64 bytes of text. A review is valid if and only if: it
 * is signed by a legal reviewer of the declaration's agency whose key did
 * not sign the declaration; it names a declaration not reviewed before.
 * An approved declaration makes its person unavailable on every day from
 * from to to; a task draw must exclude exactly those pooled people
 * (rules/policy.h).
 *
 * Like every module of the rules, the state is append-only arrays whose
 * elements record the entry that made them, undone by facts_rollback.
 */
#ifndef SUIJI_RULES_FACTS_H
#define SUIJI_RULES_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "draw/inputs.h"
#include "ledger/entry.h"

#define FACTS_MAX_REF  64
#define FACTS_MAX_NOTE 200
#define FACTS_MAX_DAYS 366

/* The kinds of unavailability, as the entries and reports write them. */
enum facts_kind {
	FACTS_LEAVE = 0,
	FACTS_TRAINING = 1,
	FACTS_TRANSFER = 2,
	FACTS_ILLNESS = 3,
};
#define FACTS_KINDS 4
const char *facts_kind_name(unsigned kind);

struct facts; /* opaque */
struct dirs;

struct facts_lead {
	uint64_t seq;
	char agency[ENTRY_MAX_AGENCY + 1];
	char object[DRAW_MAX_ID + 1];
	char reference[FACTS_MAX_REF + 1];
	int32_t received, handled; /* day numbers */
	uint64_t used_by;          /* the draw request that used it, 0 while unused */
};

struct facts_unavailable {
	uint64_t seq;
	char agency[ENTRY_MAX_AGENCY + 1];
	enum draw_kind person_kind;
	char person[DRAW_MAX_ID + 1];
	enum facts_kind kind;
	int32_t from, to;
	uint8_t author[ENTRY_KEY_SIZE]; /* zero for the log operator */
	uint64_t review_seq;            /* 0 until reviewed */
	int approved;
};

/* What a tied draw excluded as unavailable, by kind (never names). */
struct facts_draw {
	uint64_t request_seq;
	unsigned officers[FACTS_KINDS], experts[FACTS_KINDS];
};

SJ_WUR int facts_new(struct facts **out);
void facts_free(struct facts *f);

/*
 * The entries, for replay.c: e is a lead or unavailability entry, role the
 * actor's (0 for the log operator), agency_known whether e's agency is
 * registered; d the directories (borrowed for the call). SJ_EVERIFY with
 * the rule in err (R10 for leads, R11 for unavailability), SJ_ENOMEM.
 */
SJ_WUR int facts_lead_add(struct facts *f, const struct dirs *d, const struct entry *e, int role,
                          int agency_known, char *err, size_t err_cap);
SJ_WUR int facts_unavailability(struct facts *f, const struct dirs *d, const struct entry *e,
                                int role, int agency_known, char *err, size_t err_cap);
/* Undoes every entry with seq >= seq, and every use of a lead by one. */
void facts_rollback(struct facts *f, uint64_t seq);

/* ---- For the draw rules (rules/policy.h) ---- */

/* The lead entered at seq, or NULL. */
const struct facts_lead *facts_lead_at(const struct facts *f, uint64_t seq);
/* The lead of agency with reference, or NULL. */
const struct facts_lead *facts_lead_by_ref(const struct facts *f, const char *agency,
                                           const char *reference);
/* How many leads the draw requested at draw_seq used. */
size_t facts_leads_used(const struct facts *f, uint64_t draw_seq);
/* Marks the lead at seq as used by the draw request draw_seq. */
void facts_lead_use(struct facts *f, uint64_t seq, uint64_t draw_seq);
/* The seq of the lead a handled exclusion's note names ("lead SEQ"), or
 * 0 when the note names none. */
uint64_t facts_lead_named(const char *note);

/* The approved unavailability of agency's person of person_kind that
 * covers day, or NULL. */
const struct facts_unavailable *facts_unavailable_on(const struct facts *f, const char *agency,
                                                     enum draw_kind person_kind, const char *person,
                                                     int32_t day);
/* Every unavailability step in ledger order. */
size_t facts_unavailable_count(const struct facts *f);
const struct facts_unavailable *facts_unavailable_at(const struct facts *f, size_t i);

/* Records what a tied draw excluded as unavailable. SJ_ENOMEM. */
SJ_WUR int facts_draw_record(struct facts *f, const struct facts_draw *fd);
/* What the draw requested at request_seq excluded, or NULL. */
const struct facts_draw *facts_draw_find(const struct facts *f, uint64_t request_seq);

#endif
