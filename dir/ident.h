/*
 * ident.h: the identifiers of the directories (R1, R2) and the kinds of
 * object identifier an agency accepts. Pure code: no I/O, no globals.
 *
 * Everything a draw takes from a directory must be a draw identifier or a
 * draw name (docs/draw-spec.md section 1): an identifier is 1..64 bytes,
 * each 0x21..0x7e (printable ASCII without space); a name is the same in
 * 1..32 bytes. Checking this at import time names the file's line, where
 * a refusal at draw time could only name the record.
 *
 * An inspection object is identified by its kind's scheme (R1). An
 * enterprise, sole proprietor or other registered organisation has a
 * unified social credit code (dir/uscc.h). A product, project or behaviour
 * has no such code; an agency gives it an identifier of its own, and a
 * kind with a prefix says how to recognise one: with the kind
 * {"product", "P-"}, "P-20250001" is a product. A prefix must hold a
 * character outside the credit code's alphabet (a '-' does), so no credit
 * code can ever start with it and classifying an identifier never guesses.
 * An identifier with a prefix must be a draw identifier longer than its
 * prefix; one without any configured prefix must be a valid credit code
 * when the credit-code kind is accepted.
 */
#ifndef SUIJI_DIR_IDENT_H
#define SUIJI_DIR_IDENT_H

#include <stddef.h>

#include "common/err.h"
#include "dir/uscc.h"

#define IDENT_MAX       64 /* bytes of an identifier */
#define IDENT_MAX_NAME  32 /* bytes of a name */
#define IDENT_MAX_KINDS 16

/* A kind of object identifier. prefix NULL (or "") is the credit code. */
struct ident_kind {
	const char *name;   /* "uscc", "product", ...: 1..32 bytes, a name */
	const char *prefix; /* "P-", ...; NULL for the credit code */
};

/* The kinds accepted when a caller configures none: the credit code only. */
extern const struct ident_kind ident_default_kinds[1];

/* 1 when s[0..len) is a draw identifier (1..IDENT_MAX bytes of
 * 0x21..0x7e), else 0. */
int ident_ok(const char *s, size_t len);

/* 1 when s[0..len) is a draw name (1..IDENT_MAX_NAME bytes of
 * 0x21..0x7e), else 0. */
int ident_name_ok(const char *s, size_t len);

/*
 * Checks a configuration of kinds[0..n) (borrowed): 1..IDENT_MAX_KINDS
 * kinds, names are names and distinct, at most one credit-code kind, each
 * prefix an identifier holding a character outside the credit code's
 * alphabet, no prefix twice. Errors: SJ_EINVAL, reason in err.
 */
SJ_WUR int ident_kinds_check(const struct ident_kind *kinds, size_t n, char *err, size_t err_cap);

/*
 * Classifies and checks the object identifier id[0..len) (borrowed)
 * against kinds[0..n) (a configuration ident_kinds_check accepts). The
 * longest matching prefix decides the kind; without one, the credit-code
 * kind, if configured. On success *which is the index of the kind, and
 * *rep (may be NULL) holds the credit code's report, with org_ok 1 for
 * other kinds. Errors: SJ_EINVAL with the reason in err: a credit code's
 * own error (uscc_check), an identifier with a prefix that is not a draw
 * identifier or is only the prefix, or an identifier that matches no kind.
 */
SJ_WUR int ident_classify(const struct ident_kind *kinds, size_t n, const char *id, size_t len,
                          size_t *which, struct uscc_report *rep, char *err, size_t err_cap);

#endif
