/*
 * uscc.c: checking unified social credit codes (GB 32100-2015) and their
 * embedded organisation codes (GB 11714). The rules are in uscc.h.
 */
#include "dir/uscc.h"

#include <stdio.h>
#include <string.h>

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* W_i = 3^(i-1) mod 31, i = 1..17. */
static const int uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};
static const int uscc_org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

int uscc_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(uscc_alphabet, c);
	return p ? (int)(p - uscc_alphabet) : -1;
}

char uscc_symbol(int v)
{
	return v >= 0 && v < 31 ? uscc_alphabet[v] : '\0';
}

char uscc_check_char(const char *first17)
{
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		int v = uscc_value(first17[i]);
		if (v < 0)
			return '\0';
		sum += v * uscc_weights[i];
	}
	return uscc_symbol((31 - sum % 31) % 31);
}

char uscc_org_check_char(const char *body)
{
	int sum = 0, c;

	for (int i = 0; i < 8; i++) {
		char ch = body[i];
		int v;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'A' && ch <= 'Z')
			v = ch - 'A' + 10;
		else
			return '\0';
		sum += v * uscc_org_weights[i];
	}
	c = 11 - sum % 11;
	if (c == 10)
		return 'X';
	if (c == 11)
		return '0';
	return (char)('0' + c);
}

int uscc_complete(char out[USCC_LEN + 1], const char *first17)
{
	char c = uscc_check_char(first17);

	if (c == '\0')
		return SJ_EINVAL;
	memcpy(out, first17, 17);
	out[17] = c;
	out[18] = '\0';
	return SJ_OK;
}

/* Describes the character at 1-based position pos that is not in the
 * alphabet: the byte b (the first byte of a multi-byte character). */
static void bad_char(char *err, size_t cap, unsigned char b, size_t pos)
{
	if (b >= 0x80)
		snprintf(
		    err, cap,
		    "unified social credit code: position %zu holds a non-ASCII character (a "
		    "full-width or Chinese character?); the code uses 0-9 and A-Y without I, O, "
		    "S, V, Z",
		    pos);
	else if (b >= 'a' && b <= 'z')
		snprintf(err, cap,
		         "unified social credit code: position %zu is lower-case '%c'; codes are "
		         "upper case",
		         pos, b);
	else if (b == 'I' || b == 'O' || b == 'S' || b == 'V' || b == 'Z')
		snprintf(err, cap,
		         "unified social credit code: position %zu is '%c', which the code's "
		         "alphabet excludes (no I, O, S, V, Z)",
		         pos, b);
	else if (b > 0x20 && b < 0x7f)
		snprintf(err, cap,
		         "unified social credit code: position %zu is '%c', not in the code's "
		         "alphabet (0-9 and A-Y without I, O, S, V, Z)",
		         pos, b);
	else
		snprintf(err, cap,
		         "unified social credit code: position %zu is the byte 0x%02x, not in the "
		         "code's alphabet",
		         pos, b);
}

int uscc_check(const char *code, size_t len, struct uscc_report *rep, char *err, size_t err_cap)
{
	size_t nchars = 0, pos = 0;
	char expect;

	/* Count characters, not bytes, so that a full-width digit is one
	 * position, as the person who typed it sees it. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)code[i] & 0xc0) != 0x80)
			nchars++;
	if (nchars != USCC_LEN) {
		snprintf(err, err_cap, "unified social credit code has %zu characters, not %d",
		         nchars, USCC_LEN);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)code[i];
		if ((b & 0xc0) == 0x80)
			continue;
		pos++;
		if (pos < USCC_LEN && (b >= 0x80 || uscc_value((char)b) < 0)) {
			bad_char(err, err_cap, b, pos);
			return SJ_EINVAL;
		}
	}
	/* Positions 1-17 are ASCII, so code[0..17) are they. */
	for (size_t i = 2; i < 8; i++) {
		if (code[i] < '0' || code[i] > '9') {
			snprintf(
			    err, err_cap,
			    "unified social credit code: position %zu is '%c' but positions 3-8 "
			    "(the administrative division code) are digits",
			    i + 1, code[i]);
			return SJ_EINVAL;
		}
	}
	expect = uscc_check_char(code);
	if (len != USCC_LEN || code[17] != expect) {
		unsigned char b = (unsigned char)code[17];
		if (len != USCC_LEN || b < 0x21 || b > 0x7e)
			snprintf(err, err_cap,
			         "unified social credit code: check character (position 18) is not "
			         "ASCII, expected '%c'",
			         expect);
		else if (uscc_value(code[17]) < 0)
			snprintf(
			    err, err_cap,
			    "unified social credit code: check character (position 18) is '%c', "
			    "which is not in the code's alphabet (no I, O, S, V, Z, no lower "
			    "case), expected '%c'",
			    code[17], expect);
		else
			snprintf(err, err_cap,
			         "unified social credit code: check character (position 18) is "
			         "'%c', expected '%c'",
			         code[17], expect);
		return SJ_EINVAL;
	}
	if (rep != NULL) {
		char org = uscc_org_check_char(code + 8);
		memset(rep, 0, sizeof *rep);
		rep->org_ok = org == code[16];
		if (!rep->org_ok) {
			rep->org_expected = org ? org : '?';
			snprintf(rep->warning, sizeof rep->warning,
			         "organisation code (positions 9-17) fails its GB 11714 check: "
			         "position 17 is '%c', GB 11714 expects '%c'",
			         code[16], rep->org_expected);
		}
	}
	return SJ_OK;
}
