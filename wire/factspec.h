/*
 * factspec.h: the payloads of lead and unavailability entries
 * (proto/facts.proto) from JSON files and options, for suijid and suiji
 * alike (docs/policy.md section 3).
 *
 * A lead file holds: agency (default: the caller's), object, reference,
 * received, handled (YYYY-MM-DD) and note. An unavailability file holds:
 * agency, person_kind ("officer", the default, or "expert"), person, kind
 * (leave, training, transfer, illness), from_date, to_date, reference.
 * A review is built from its options. Whether an entry is allowed is the
 * ledger's rule (rules/facts.h), never this builder's: it only names a
 * missing or mistyped field.
 */
#ifndef SUIJI_WIRE_FACTSPEC_H
#define SUIJI_WIRE_FACTSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/*
 * The payload of the lead (lead != 0) or unavailability declared in the
 * JSON file at path. *out is malloc'd; the entry's agency is copied into
 * agency (ENTRY_MAX_AGENCY + 1 bytes; an absent one becomes
 * default_agency, may be NULL); what names it for messages. Errors:
 * SJ_EINVAL (a bad field, named in err), SJ_EIO, SJ_ENOMEM.
 */
SJ_WUR int factspec_build(uint8_t **out, size_t *len, char *agency, char *what, size_t what_cap,
                          int lead, const char *path, const char *default_agency, char *err,
                          size_t err_cap);

/* The payload of a legal reviewer's word on the unavailability entered at
 * entry: approve or return, with a note (may be NULL). Errors: SJ_EINVAL,
 * SJ_ENOMEM. */
SJ_WUR int factspec_review(uint8_t **out, size_t *len, char *what, size_t what_cap, uint64_t entry,
                           int approve, const char *note, char *err, size_t err_cap);

#endif
