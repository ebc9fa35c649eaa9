/*
 * test_utf8.c: the one UTF-8 decoder (common/utf8.h) behind signed-note
 * key names, result texts, calendars, directory CSVs and beacon JSON.
 *
 * The reference here is the encoder: a byte string is well-formed UTF-8 if
 * and only if it is the encoding of a Unicode scalar value (RFC 3629). The
 * exhaustive cases check both directions against that.
 */
#include "tests/harness.h"

#include <string.h>

#include "common/utf8.h"

/* Encodes cp (a scalar value) the one way RFC 3629 allows; returns the length. */
static size_t encode(uint8_t out[4], uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

static int scalar(uint32_t cp)
{
	return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

static size_t next(const char *s, size_t len, uint32_t *cp)
{
	return utf8_next((const uint8_t *)s, len, cp);
}

TEST(utf8_boundaries, "the first and last code point of each length decode to themselves")
{
	static const uint32_t cps[] = {0x0,    0x7f,   0x80,    0x7ff,  0x800,   0xd7ff,  0xe000,
	                               0xfffd, 0xffff, 0x10000, 0x4e2d, 0x1f600, 0xfffff, 0x10ffff};
	uint8_t buf[4];
	uint32_t cp;
	size_t i, n;

	for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		n = encode(buf, cps[i]);
		cp = 0xffffffff;
		CHECK_INT(utf8_next(buf, n, &cp), ==, n);
		CHECK_INT(cp, ==, cps[i]);
		CHECK_INT(utf8_next(buf, n, NULL), ==, n);
		if (n > 1)
			CHECK_INT(utf8_next(buf, n - 1, &cp), ==, 0); /* truncated */
	}
	CHECK_INT(next("\xe4\xb8\xad\xe6\x96\x87", 6, &cp), ==, 3);
	CHECK_INT(cp, ==, 0x4e2d);
}

TEST(utf8_overlong, "overlong forms are refused, for every length")
{
	uint32_t cp = 7;

	CHECK_INT(next("\xc0\x80", 2, &cp), ==, 0);
	CHECK_INT(next("\xc0\xaf", 2, &cp), ==, 0);
	CHECK_INT(next("\xc1\xbf", 2, &cp), ==, 0);
	CHECK_INT(next("\xe0\x80\x80", 3, &cp), ==, 0);
	CHECK_INT(next("\xe0\x80\xaf", 3, &cp), ==, 0);
	CHECK_INT(next("\xe0\x9f\xbf", 3, &cp), ==, 0);
	CHECK_INT(next("\xf0\x80\x80\x80", 4, &cp), ==, 0);
	CHECK_INT(next("\xf0\x8f\xbf\xbf", 4, &cp), ==, 0);
	CHECK_INT(next("\xf8\x88\x80\x80\x80", 5, &cp), ==, 0);
	CHECK_INT(cp, ==, 7); /* left alone on failure */
}

TEST(utf8_surrogates_range, "surrogates and code points above U+10FFFF are refused")
{
	uint32_t cp;

	CHECK_INT(next("\xed\xa0\x80", 3, &cp), ==, 0);
	CHECK_INT(next("\xed\xbf\xbf", 3, &cp), ==, 0);
	CHECK_INT(next("\xed\xa0\xbd\xed\xb8\x80", 6, &cp), ==, 0); /* CESU-8 pair */
	CHECK_INT(next("\xed\x9f\xbf", 3, &cp), ==, 3);
	CHECK_INT(next("\xf4\x90\x80\x80", 4, &cp), ==, 0);
	CHECK_INT(next("\xf4\x8f\xbf\xbf", 4, &cp), ==, 4);
	CHECK_INT(next("\xf5\x80\x80\x80", 4, &cp), ==, 0);
	CHECK_INT(next("\xf7\xbf\xbf\xbf", 4, &cp), ==, 0);
	CHECK_INT(next("\xff", 1, &cp), ==, 0);
	CHECK_INT(next("\xfe", 1, &cp), ==, 0);
}

TEST(utf8_continuations, "lone, missing and misplaced continuation bytes are refused")
{
	uint32_t cp;

	CHECK_INT(next("\x80", 1, &cp), ==, 0);
	CHECK_INT(next("\xbf", 1, &cp), ==, 0);
	CHECK_INT(next("\xe4\xb8", 2, &cp), ==, 0);
	CHECK_INT(next("\xf0\x9f\x98", 3, &cp), ==, 0);
	CHECK_INT(next("\xe4\x41\xad", 3, &cp), ==, 0);
	CHECK_INT(next("\xe4\xb8\x41", 3, &cp), ==, 0);
	CHECK_INT(next("\xc3\xc3", 2, &cp), ==, 0);
	CHECK_INT(next("\xf0\x9f\x98\xc0", 4, &cp), ==, 0);
	CHECK_INT(next("", 0, &cp), ==, 0);
}

TEST(utf8_exhaustive_short,
     "every string of up to three bytes decodes if and only if it starts with an encoding")
{
	uint8_t b[3], enc[4];
	uint32_t v, cp;
	size_t n;

	for (v = 0; v < 1u << 24; v++) {
		b[0] = (uint8_t)(v >> 16);
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)v;
		n = utf8_next(b, 3, &cp);
		if (n == 0)
			continue;
		/* What was accepted is the one encoding of a scalar value. */
		CHECK(scalar(cp));
		CHECK_INT(encode(enc, cp), ==, n);
		CHECK_MEM(enc, b, n);
	}
	/* And every scalar value's encoding is accepted, in full. */
	for (v = 0; v <= 0x10ffff; v++) {
		if (!scalar(v))
			continue;
		n = encode(enc, v);
		CHECK_INT(utf8_next(enc, n, &cp), ==, n);
		CHECK_INT(cp, ==, v);
	}
}

TEST(utf8_four_byte_leads, "four-byte sequences are accepted exactly for U+10000..U+10FFFF")
{
	uint8_t b[4], enc[4];
	uint32_t lead, v, cp;
	size_t n;

	/* Every lead from F0 to FF with every second and third byte; the last
	 * byte only matters as a continuation or not. */
	for (lead = 0xf0; lead <= 0xff; lead++) {
		for (v = 0; v < 1u << 16; v++) {
			b[0] = (uint8_t)lead;
			b[1] = (uint8_t)(v >> 8);
			b[2] = (uint8_t)v;
			b[3] = 0x80 | (uint8_t)(v & 0x3f);
			n = utf8_next(b, 4, &cp);
			if (n == 0)
				continue;
			CHECK_INT(n, ==, 4);
			CHECK(cp >= 0x10000 && cp <= 0x10ffff);
			CHECK_INT(encode(enc, cp), ==, 4);
			CHECK_MEM(enc, b, 4);
		}
	}
}

TEST(utf8_valid_strings, "utf8_valid checks every sequence, inside and after ASCII runs")
{
	static const char good[] = "Draw for 北京市 inspection 2026 \xf0\x9f\x98\x80 done.";
	char buf[128];
	size_t len = strlen(good), i;

	CHECK(utf8_valid((const uint8_t *)"", 0));
	CHECK(utf8_valid((const uint8_t *)good, len));
	CHECK(utf8_valid((const uint8_t *)"a\0b", 3)); /* NUL is U+0000 */
	/* One bad byte anywhere, including after eight-byte ASCII runs and in
	 * the last position, makes the whole string invalid. */
	for (i = 0; i < len; i++) {
		memcpy(buf, good, len);
		buf[i] = (char)0xff;
		CHECK(!utf8_valid((const uint8_t *)buf, len));
	}
	/* A sequence cut by the end of the string is invalid. */
	CHECK(!utf8_valid((const uint8_t *)good, strlen("Draw for 北") - 1));
	CHECK(utf8_valid((const uint8_t *)good, strlen("Draw for 北京")));
	CHECK(!utf8_valid((const uint8_t *)"abcdefghijklmnop\xed\xa0\x80", 19));
	CHECK(!utf8_valid((const uint8_t *)"abcdefghijklmnop\xc0\x80", 18));
}
