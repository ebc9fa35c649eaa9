/*
 * manual.h: public values drawn in public (lottery numbers, the day's
 * closing index), entered by an authorised operator, as a beacon value.
 * The method is RFC 3797's (Publicly Verifiable NomCom Random Selection),
 * section 4: the values are turned into one canonical key string, and the
 * beacon value is a hash of that string. Pure code: no I/O, no globals.
 *
 * The canonical string (docs/beacon.md gives the full rules):
 *   - sources appear in the order given, each followed by "/";
 *   - within a source, each value is followed by ".", and the values are
 *     sorted (the order in which lottery balls came out does not count);
 *   - a numeric value is written in decimal without leading zeros ("0" for
 *     zero); RFC 3797 speaks of integers, and suiji also accepts a decimal
 *     fraction "x.y", written without trailing zeros in y (and without the
 *     point when y is all zeros); numeric values sort by value;
 *   - a text value keeps its ASCII letters (upper-cased) and digits and
 *     drops ASCII spaces and punctuation; anything else (a non-ASCII or
 *     control character) is refused rather than guessed at; text values
 *     sort by byte.
 * RFC 3797 section 6's example: sources 9319; 2 5 12 8 10; 9 18 26 34 41
 * 45 give "9319./2.5.8.10.12./9.18.26.34.41.45./".
 *
 * The beacon value is SHA-256 of the canonical string (RFC 3797 uses MD5;
 * see docs/beacon.md for why suiji does not).
 *
 * The JSON an operator enters (at most MANUAL_MAX_JSON bytes):
 *   {"time":<unix seconds when the values were drawn in public>,
 *    "sources":[{"name":"<what the values are, UTF-8>",
 *                "kind":"numeric"|"text",
 *                "values":["<value>", ...]}, ...]}
 * Values are JSON strings, so no digit is lost to floating point. Names
 * describe the sources for readers and are not part of the canonical
 * string, as in RFC 3797; they are kept in the signed ledger entry.
 */
#ifndef SUIJI_BEACON_MANUAL_H
#define SUIJI_BEACON_MANUAL_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/value.h"
#include "common/err.h"

#define MANUAL_MAX_JSON      16384
#define MANUAL_MAX_SOURCES   16
#define MANUAL_MAX_VALUES    64  /* values in one source */
#define MANUAL_MAX_VALUE_LEN 64  /* bytes of one value as entered */
#define MANUAL_MAX_NAME      200 /* bytes of a source's name */
/* The canonical string of any document manual_value accepts fits in
 * this: canonicalising never lengthens a value, and each value costs at
 * least its two quotes and a comma in the JSON. */
#define MANUAL_MAX_CANON MANUAL_MAX_JSON

enum manual_kind {
	MANUAL_NUMERIC = 1,
	MANUAL_TEXT = 2,
};

struct manual_source {
	const char *name; /* NUL-terminated; not hashed; may be NULL here */
	enum manual_kind kind;
	const char *const *values; /* nvalues NUL-terminated strings, borrowed */
	size_t nvalues;
};

/*
 * Writes the canonical string of src[0..nsrc) into out (cap bytes,
 * NUL-terminated), *len bytes without the NUL.
 * Errors: SJ_EINVAL naming the source and value (no sources or more than
 * MANUAL_MAX_SOURCES, a source with no values or more than
 * MANUAL_MAX_VALUES, a value longer than MANUAL_MAX_VALUE_LEN, a numeric
 * value that is not digits with at most one inner ".", a text value with a
 * character other than ASCII letters, digits, spaces and punctuation, or
 * with no letter or digit); SJ_ERANGE (cap too small).
 */
SJ_WUR int manual_canonical(char *out, size_t cap, size_t *len, const struct manual_source *src,
                            size_t nsrc, char *err, size_t err_cap);

/*
 * Parses the operator's JSON text[0..len) (borrowed) and fills *out: kind
 * BEACON_KIND_MANUAL, source "manual", round 0, value SHA-256 of the
 * canonical string, time_us the stated time, check BEACON_CHECK_NONE.
 * When canon is not NULL it receives the canonical string (canon_cap bytes;
 * MANUAL_MAX_CANON is always enough), *canon_len bytes.
 * Errors: SJ_ERANGE (document too long, or canon_cap too small),
 * SJ_EINVAL (malformed; err names the field, source and value), SJ_ENOMEM.
 */
SJ_WUR int manual_value(struct beacon_value *out, char *canon, size_t canon_cap, size_t *canon_len,
                        const char *text, size_t len, char *err, size_t err_cap);

#endif
