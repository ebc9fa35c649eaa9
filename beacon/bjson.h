/*
 * bjson.h: the strict front door for the beacon formats' JSON (round.h,
 * manual.h). Pure code over cJSON: no I/O, no globals.
 *
 * Every beacon document is untrusted bytes from the network or an operator.
 * bjson_parse bounds the size before cJSON sees a byte, and then refuses
 * what cJSON would let through but two readers might read differently: a
 * NUL byte, bytes after the value, a top level that is not an object, and a
 * key that appears twice in one object (cJSON would silently take the
 * first, another parser the last). The getters name the field in every
 * message, so an operator knows which part of a document to fix.
 */
#ifndef SUIJI_BEACON_BJSON_H
#define SUIJI_BEACON_BJSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/err.h"

/* The largest integer a field may hold: JSON numbers pass through a double
 * in cJSON, exact up to 2^53. */
#define BJSON_MAX_INT (UINT64_C(1) << 53)

/*
 * Parses text[0..len) (borrowed) as one JSON object of at most max bytes
 * and nesting depth at most 8. On SJ_OK *out is a tree the caller frees with
 * cJSON_Delete. Errors: SJ_ERANGE (longer than max), SJ_EINVAL (anything
 * else named above, with the reason in err), SJ_ENOMEM. On failure *out is
 * NULL.
 */
SJ_WUR int bjson_parse(cJSON **out, const char *text, size_t len, size_t max, char *err,
                       size_t err_cap);

/*
 * Reads the integer field name of obj into *out: a JSON number without a
 * fractional part, within [min, max] (max at most BJSON_MAX_INT). When the
 * field is absent, returns SJ_ENOENT if !required (leaving *out alone) and
 * SJ_EINVAL otherwise. Errors: SJ_EINVAL naming the field.
 */
SJ_WUR int bjson_uint(uint64_t *out, const cJSON *obj, const char *name, uint64_t min, uint64_t max,
                      int required, char *err, size_t err_cap);

/* As bjson_uint for a signed integer within [min, max], |bounds| <= 2^53. */
SJ_WUR int bjson_int(int64_t *out, const cJSON *obj, const char *name, int64_t min, int64_t max,
                     int required, char *err, size_t err_cap);

/*
 * Reads the field name of obj, a string of lower-case hex digits, into
 * out[0..*len). Its decoded length must lie within [min, max] bytes (max is
 * out's size). Absent: as bjson_uint. Errors: SJ_EINVAL naming the field
 * (not a string, odd length, upper case or other characters, wrong length).
 */
SJ_WUR int bjson_hex(uint8_t *out, size_t *len, const cJSON *obj, const char *name, size_t min,
                     size_t max, int required, char *err, size_t err_cap);

/*
 * Reads the field name of obj, a string of printable ASCII (0x20..0x7e) of
 * 1..cap-1 bytes, into out, NUL-terminated. Absent: as bjson_uint.
 * Errors: SJ_EINVAL naming the field.
 */
SJ_WUR int bjson_ascii(char *out, size_t cap, const cJSON *obj, const char *name, int required,
                       char *err, size_t err_cap);

/* Non-zero when s[0..len) is UTF-8 (shortest form, no surrogates) with no
 * control character (below 0x20, or 0x7f). */
int bjson_utf8_ok(const char *s, size_t len);

#endif
