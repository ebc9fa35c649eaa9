/*
 * uscc.h: the unified social credit code (统一社会信用代码, GB 32100-2015)
 * that identifies an enterprise, sole proprietor or other organisation in
 * the inspection object directory (R1). Pure code: no I/O, no globals.
 *
 * A code is 18 characters:
 *
 *   POSITION  DESCRIPTION
 *          1  registering authority code (登记管理部门代码)
 *          2  organisation class code (机构类别代码): 91 is an enterprise,
 *             92 a sole proprietor, 93 a farmers' cooperative
 *        3-8  administrative division code (登记管理机关行政区划码), digits
 *       9-17  organisation code (组织机构代码, GB 11714): 8 body characters
 *             and its own check character at position 17
 *         18  check character of the whole code
 *
 * Every character is one of the 31 symbols 0-9 A B C D E F G H J K L M N
 * P Q R T U W X Y (no I, O, S, V, Z), valued 0..30 in that order. The
 * check character C18 is the symbol of (31 - (sum of C_i * W_i) mod 31)
 * mod 31 over i = 1..17, with W_i = 3^(i-1) mod 31.
 *
 * A code is valid if and only if: it is exactly 18 characters; every
 * character is in the alphabet above (upper case); positions 3-8 are
 * digits; and position 18 is the check character. The organisation code's
 * GB 11714 check (weights 3 7 9 10 5 8 4 2 over positions 9-16, letters
 * valued A=10 .. Z=35, check 11 - (sum mod 11) with 10 written X and 11
 * written 0) is reported as a warning, never as an error: old codes
 * assigned before the organisation code system was fully aligned fail it
 * and are still lawful codes.
 */
#ifndef SUIJI_DIR_USCC_H
#define SUIJI_DIR_USCC_H

#include <stddef.h>

#include "common/err.h"

#define USCC_LEN 18

/* What a valid code's check found beyond validity. */
struct uscc_report {
	int org_ok;        /* 1 when the embedded GB 11714 check holds */
	char org_expected; /* the character GB 11714 expects at position 17
	                      when org_ok is 0; '?' when none can fit */
	char warning[128]; /* the warning in words, "" when org_ok is 1 */
};

/*
 * Checks code[0..len) (borrowed; need not be NUL-terminated). Returns
 * SJ_OK for a valid code and fills *rep (may be NULL); returns SJ_EINVAL
 * and writes into err (err_cap bytes) the first thing wrong, naming it:
 * the length in characters, the bad character and its position (counted
 * in characters from 1), a non-digit in positions 3-8, or the check
 * character found and the one expected. *rep holds nothing on failure.
 */
SJ_WUR int uscc_check(const char *code, size_t len, struct uscc_report *rep, char *err,
                      size_t err_cap);

/* The value 0..30 of an alphabet character, or -1 for any other byte
 * (lower case included). */
int uscc_value(char c);

/* The alphabet character of value v (0..30), or '\0'. */
char uscc_symbol(int v);

/*
 * The check character for the first 17 characters first17[0..17), or '\0'
 * when one of them is not in the alphabet. It does not check positions
 * 3-8; uscc_check does.
 */
char uscc_check_char(const char *first17);

/*
 * The GB 11714 check character for the 8 organisation-code body characters
 * body[0..8): '0'..'9' or 'X', or '\0' when a body character is neither a
 * digit nor an upper-case letter.
 */
char uscc_org_check_char(const char *body);

/*
 * Completes first17[0..17) into a code in out (USCC_LEN + 1 bytes,
 * NUL-terminated) by appending its check character. Errors: SJ_EINVAL
 * when first17 holds a character outside the alphabet.
 */
SJ_WUR int uscc_complete(char out[USCC_LEN + 1], const char *first17);

#endif
