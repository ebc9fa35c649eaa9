/*
 * checkpoint.h: the body of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint).
 *
 *   <origin>\n
 *   <tree size, decimal, no leading zeros>\n
 *   <base64 of the 32-byte root hash>\n
 *   [<extension line>\n ...]
 *
 * The body is what the log signs inside a signed note (note.h). A body is
 * valid if and only if: it is valid UTF-8 with no control character other
 * than '\n' and ends in '\n'; the origin is 1..CHECKPOINT_MAX_ORIGIN bytes;
 * the size is "0" or a decimal without leading zeros that fits in 64 bits;
 * the root is canonical padded base64 of exactly 32 bytes; every extension
 * line is non-empty and all of them together, newlines included, take at
 * most CHECKPOINT_MAX_EXT bytes. Parsing and formatting are inverse: the
 * body checkpoint_parse accepts is the body checkpoint_format writes back.
 *
 * Pure functions: no I/O, no globals. They assume sodium_init() has
 * succeeded (base64 is libsodium's).
 */
#ifndef SUIJI_LEDGER_CHECKPOINT_H
#define SUIJI_LEDGER_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CHECKPOINT_MAX_ORIGIN 255
#define CHECKPOINT_MAX_EXT    4096

struct checkpoint {
	char origin[CHECKPOINT_MAX_ORIGIN + 1];
	uint64_t size;
	uint8_t root[32];
	char ext[CHECKPOINT_MAX_EXT + 1]; /* extension lines verbatim, each
	                                     ending "\n"; "" when none */
};

/* Parses a checkpoint body body[0..len). Errors: SJ_EINVAL, with the
 * reason in err (err_cap bytes) when err is not NULL. *out is written only
 * on success. */
SJ_WUR int checkpoint_parse(struct checkpoint *out, const char *body, size_t len, char *err,
                            size_t err_cap);

/* Writes the body of c into out (cap bytes, NUL-terminated) and its length
 * without the NUL into *len. Errors: SJ_EINVAL for an origin that is empty,
 * not NUL-terminated within its array, not UTF-8 or holds a newline or
 * other control character, or for ext that is not a run of valid extension
 * lines as above; SJ_ERANGE if cap is too small. */
int checkpoint_format(char *out, size_t cap, size_t *len, const struct checkpoint *c);

#endif
