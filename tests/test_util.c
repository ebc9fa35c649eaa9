/*
 * test_util.c: the one canonical base64 decoder (common/util.h) that signed
 * notes, proofs, checkpoints and the verifier share. A hash or signature
 * must have exactly one spelling, so every way of writing the same bytes
 * differently is pinned here as a refusal.
 */
#include "tests/harness.h"

#include <string.h>

#include "common/err.h"
#include "common/util.h"

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 character whose value differs from c's in the lowest bit: in
 * the last character before '=', that bit is a padding bit. */
static char low_bit_flipped(char c)
{
	const char *p = strchr(b64_chars, c);
	return p == NULL ? c : b64_chars[(p - b64_chars) ^ 1];
}

static int dec(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	return util_b64_decode(out, cap, n, s, strlen(s));
}

TEST(b64_canonical_accepts, "canonical base64 of 0, 1, 2 and 3 bytes decodes to those bytes")
{
	uint8_t out[8];
	size_t n = 99;

	CHECK_INT(dec("", out, sizeof out, &n), ==, SJ_OK);
	CHECK_INT(n, ==, 0);
	CHECK_INT(dec("QQ==", out, sizeof out, &n), ==, SJ_OK);
	CHECK_INT(n, ==, 1);
	CHECK(out[0] == 'A');
	CHECK_INT(dec("QUI=", out, sizeof out, &n), ==, SJ_OK);
	CHECK_INT(n, ==, 2);
	CHECK_MEM(out, "AB", 2);
	CHECK_INT(dec("QUJD", out, sizeof out, &n), ==, SJ_OK);
	CHECK_INT(n, ==, 3);
	CHECK_MEM(out, "ABC", 3);
	CHECK_INT(dec("+/+/", out, sizeof out, &n), ==, SJ_OK);
	CHECK_INT(n, ==, 3);
}

TEST(b64_long_canonical, "a canonical text longer than one 48-byte re-encoding chunk decodes")
{
	uint8_t in[200], out[200];
	char text[300];
	size_t n = 0, i;

	for (i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 37 + 11);
	CHECK_INT(util_b64_encode(text, sizeof text, in, sizeof in), ==, SJ_OK);
	CHECK_INT(dec(text, out, sizeof out, &n), ==, SJ_OK);
	CHECK_INT(n, ==, sizeof in);
	CHECK_MEM(out, in, sizeof in);
	/* A stray bit in the last character, far past the first chunk. */
	CHECK(text[strlen(text) - 1] == '=' && text[strlen(text) - 2] != '=');
	text[strlen(text) - 2] = low_bit_flipped(text[strlen(text) - 2]);
	n = 7;
	CHECK(dec(text, out, sizeof out, &n) != SJ_OK);
	CHECK_INT(n, ==, 0);
}

TEST(b64_trailing_bits, "non-zero padding bits are refused: one byte has one spelling")
{
	uint8_t out[8];
	size_t n;

	CHECK_INT(dec("QQ==", out, sizeof out, &n), ==, SJ_OK);
	CHECK(dec("QR==", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QX==", out, sizeof out, &n) != SJ_OK);
	CHECK_INT(dec("QUI=", out, sizeof out, &n), ==, SJ_OK);
	CHECK(dec("QUJ=", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QUL=", out, sizeof out, &n) != SJ_OK);
}

TEST(b64_padding, "missing, extra or misplaced padding is refused")
{
	uint8_t out[8];
	size_t n;

	CHECK(dec("QQ", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QQ=", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QQ===", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QUI", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QUI==", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QUJD=", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QUJD====", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("Q===", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QQ==QUJD", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("=QQ=", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("====", out, sizeof out, &n) != SJ_OK);
}

TEST(b64_alphabet, "whitespace, URL-safe characters and NUL bytes are refused")
{
	uint8_t out[8];
	size_t n;

	CHECK(dec(" QQ==", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QQ== ", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("Q Q==", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QUJD\n", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("QU\tD", out, sizeof out, &n) != SJ_OK);
	CHECK(dec("-_-_", out, sizeof out, &n) != SJ_OK);
	CHECK(util_b64_decode(out, sizeof out, &n, "QU\0D", 4) != SJ_OK);
}

TEST(b64_capacity, "a text that decodes to more than the buffer holds is refused")
{
	uint8_t out[4];
	size_t n;

	CHECK_INT(dec("QUJDRA==", out, 4, &n), ==, SJ_OK);
	CHECK_INT(n, ==, 4);
	CHECK(dec("QUJDREU=", out, 4, &n) != SJ_OK);
	CHECK(dec("QUJD", out, 2, &n) != SJ_OK);
}

TEST(b64_exact, "util_b64_decode_exact wants exactly its byte count, canonically spelt")
{
	uint8_t out[32];
	char text[64];
	uint8_t in[32];

	memset(in, 0xa5, sizeof in);
	CHECK_INT(util_b64_encode(text, sizeof text, in, sizeof in), ==, SJ_OK);
	CHECK_INT(strlen(text), ==, 44);
	CHECK_INT(util_b64_decode_exact(out, 32, text, 44), ==, SJ_OK);
	CHECK_MEM(out, in, 32);
	CHECK_INT(util_b64_decode_exact(out, 31, text, 44), ==, SJ_EINVAL);
	CHECK_INT(util_b64_decode_exact(out, 32, text, 43), ==, SJ_EINVAL);
	text[42] = low_bit_flipped(text[42]); /* a padding bit, before '=' */
	CHECK_INT(util_b64_decode_exact(out, 32, text, 44), ==, SJ_EINVAL);
}
