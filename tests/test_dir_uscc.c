/*
 * test_dir_uscc.c: the unified social credit code (GB 32100-2015) and the
 * object identifier kinds of R1 (dir/uscc.c, dir/ident.c). The codes are
 * those of the domain digest's reference facts, and codes generated here
 * with their check characters computed.
 */
#include <stdio.h>
#include <string.h>

#include "dir/ident.h"
#include "dir/uscc.h"
#include "tests/harness.h"

static const char *const valid_codes[] = {
    "914403001922038216", "9144030071526726XG", "91440300708461136T",
    "91330100799655058B", "91110108558521630L", "91350100M000100Y43",
};

static int check(const char *code, char *err, size_t cap)
{
	struct uscc_report rep;
	return uscc_check(code, strlen(code), &rep, err, cap);
}

TEST(uscc_valid_examples, "R1: every valid code of the reference facts is accepted, its "
                          "organisation code's GB 11714 check holding")
{
	for (size_t i = 0; i < sizeof valid_codes / sizeof valid_codes[0]; i++) {
		struct uscc_report rep;
		char err[256];
		CHECK_INT(uscc_check(valid_codes[i], 18, &rep, err, sizeof err), ==, SJ_OK);
		CHECK_INT(rep.org_ok, ==, 1);
		CHECK(rep.warning[0] == '\0');
		CHECK_INT(uscc_check_char(valid_codes[i]), ==, valid_codes[i][17]);
	}
}

TEST(uscc_worked_example_twin,
     "R1: the standard's worked example with a Z as check character is refused, naming the "
     "expected character 3")
{
	char err[256];
	CHECK_INT(check("91350100M000100Y4Z", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "position 18");
	CHECK_STR_HAS(err, "expected '3'");
}

TEST(uscc_wrong_check_char, "R1: a code whose check character is wrong is refused naming the "
                            "expected character")
{
	char err[256];
	CHECK_INT(check("914403001922038217", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "is '7', expected '6'");
}

TEST(uscc_lower_case, "R1: a code in lower case is refused, naming the first lower-case "
                      "position, and its upper-case twin is accepted")
{
	char err[256];
	CHECK_INT(check("91350100m000100y43", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "position 9 is lower-case 'm'");
	CHECK_INT(check("9144030071526726xg", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "lower-case 'x'");
	CHECK_INT(check("91350100M000100Y43", err, sizeof err), ==, SJ_OK);
}

TEST(uscc_length, "R1: a code of 17 or 19 characters, or none, is refused naming its length")
{
	char err[256];
	CHECK_INT(check("91440300192203821", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "17 characters, not 18");
	CHECK_INT(check("9144030019220382160", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "19 characters, not 18");
	CHECK_INT(check("", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "0 characters");
}

TEST(uscc_excluded_letters,
     "R1: each of I, O, S, V and Z is refused wherever it stands, naming the position")
{
	static const char excluded[] = "IOSVZ";
	char code[19], err[256], want[32];

	for (size_t k = 0; k < 5; k++) {
		for (size_t pos = 0; pos < 18; pos++) {
			memcpy(code, "91350100M000100Y43", 19);
			code[pos] = excluded[k];
			CHECK_INT(check(code, err, sizeof err), ==, SJ_EINVAL);
			if (pos < 17) {
				snprintf(want, sizeof want, "position %zu is '%c'", pos + 1,
				         excluded[k]);
				CHECK_STR_HAS(err, want);
				CHECK_STR_HAS(err, "excludes");
			} else
				CHECK_STR_HAS(err, "not in the code's alphabet");
		}
	}
}

TEST(uscc_full_width, "R1: a full-width digit counts as one character and is refused as not "
                      "ASCII at its position")
{
	char err[256];
	/* "９" (U+FF19) in place of the leading 9. */
	CHECK_INT(check("\xef\xbc\x99"
	                "1350100M000100Y43",
	                err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "position 1 holds a non-ASCII character");
}

TEST(uscc_division_digits, "R1: a letter in positions 3-8 is refused even with a matching "
                           "check character")
{
	char code[19], err[256];

	/* A correct check character for a code with 'A' at position 4. */
	CHECK_INT(uscc_complete(code, "913A0100M000100Y4"), ==, SJ_OK);
	CHECK_INT(uscc_check_char(code), ==, code[17]);
	CHECK_INT(check(code, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "position 4 is 'A' but positions 3-8");
}

/* A deterministic stream of codes with every position exercised. */
static unsigned long lcg(unsigned long *s)
{
	*s = *s * 6364136223846793005ul + 1442695040888963407ul;
	return *s >> 33;
}

static void gen_code(char out[19], unsigned long *s)
{
	char first[17];
	for (int i = 0; i < 17; i++)
		first[i] =
		    (i >= 2 && i < 8) ? (char)('0' + lcg(s) % 10) : uscc_symbol((int)(lcg(s) % 31));
	if (uscc_complete(out, first) != SJ_OK)
		out[0] = '\0';
}

TEST(uscc_generated_substitutions,
     "R1: generated codes are valid, and every single-character substitution of any position "
     "by any other symbol is refused")
{
	unsigned long seed = 20250101;
	char code[19], bad[19], err[256];

	for (int n = 0; n < 200; n++) {
		gen_code(code, &seed);
		CHECK(code[0] != '\0');
		CHECK_INT(check(code, err, sizeof err), ==, SJ_OK);
		for (int pos = 0; pos < 18; pos++) {
			for (int v = 0; v < 31; v++) {
				memcpy(bad, code, 19);
				if (uscc_symbol(v) == code[pos])
					continue;
				bad[pos] = uscc_symbol(v);
				CHECK_INT(check(bad, err, sizeof err), ==, SJ_EINVAL);
			}
		}
	}
}

TEST(uscc_generated_transpositions,
     "R1: swapping two different adjacent characters of a valid code is always refused")
{
	unsigned long seed = 7;
	char code[19], bad[19], err[256];

	for (int n = 0; n < 500; n++) {
		gen_code(code, &seed);
		for (int pos = 0; pos < 17; pos++) {
			if (code[pos] == code[pos + 1])
				continue;
			memcpy(bad, code, 19);
			bad[pos] = code[pos + 1];
			bad[pos + 1] = code[pos];
			CHECK_INT(check(bad, err, sizeof err), ==, SJ_EINVAL);
		}
	}
}

TEST(uscc_org_warning,
     "R1: a code whose embedded organisation code fails GB 11714 is accepted with a warning "
     "naming the expected character, not refused")
{
	struct uscc_report rep;
	char code[19], err[256];

	/* 91350100M000100Y4: GB 11714 wants '4' at position 17; put '5'. */
	CHECK_INT(uscc_complete(code, "91350100M000100Y5"), ==, SJ_OK);
	CHECK_INT(uscc_check(code, 18, &rep, err, sizeof err), ==, SJ_OK);
	CHECK_INT(rep.org_ok, ==, 0);
	CHECK_INT(rep.org_expected, ==, '4');
	CHECK_STR_HAS(rep.warning, "GB 11714 expects '4'");
	CHECK_INT(uscc_org_check_char("M000100Y"), ==, '4');
	CHECK_INT(uscc_org_check_char("19220382"), ==, '1');
}

TEST(uscc_org_check_specials, "GB 11714: a remainder giving 10 is written X and 11 is written 0")
{
	char body[9];
	int seen_x = 0, seen_0 = 0;

	/* Search bodies until both special cases appear; check each against
	 * the formula computed here independently. */
	for (unsigned long i = 0; i < 100000 && !(seen_x && seen_0); i++) {
		static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
		int sum = 0;
		char c;
		snprintf(body, sizeof body, "%08lu", i * 7919ul % 100000000ul);
		for (int k = 0; k < 8; k++)
			sum += (body[k] - '0') * w[k];
		c = uscc_org_check_char(body);
		if (11 - sum % 11 == 10) {
			CHECK_INT(c, ==, 'X');
			seen_x = 1;
		} else if (11 - sum % 11 == 11) {
			CHECK_INT(c, ==, '0');
			seen_0 = 1;
		} else
			CHECK_INT(c, ==, '0' + 11 - sum % 11);
	}
	CHECK(seen_x && seen_0);
}

static const struct ident_kind kinds_with_products[] = {
    {"uscc", NULL},
    {"product", "P-"},
    {"project", "XM-"},
};

TEST(ident_prefix_kind, "R1: a product identifier with a configured prefix is accepted as its "
                        "kind, and without the kind it is refused as a credit code")
{
	struct uscc_report rep;
	size_t which = 99;
	char err[256];

	CHECK_INT(
	    ident_classify(kinds_with_products, 3, "P-20250001", 10, &which, &rep, err, sizeof err),
	    ==, SJ_OK);
	CHECK_INT(which, ==, 1);
	CHECK_INT(ident_classify(kinds_with_products, 3, "XM-7", 4, &which, &rep, err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(which, ==, 2);
	CHECK_INT(ident_classify(kinds_with_products, 3, "914403001922038216", 18, &which, &rep,
	                         err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(which, ==, 0);
	CHECK_INT(
	    ident_classify(ident_default_kinds, 1, "P-20250001", 10, &which, &rep, err, sizeof err),
	    ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "10 characters, not 18");
}

TEST(ident_prefix_rules, "R1: a prefixed identifier must be more than its prefix and printable "
                         "ASCII without spaces, at most 64 bytes")
{
	char err[256], longid[80];
	size_t which;

	CHECK_INT(ident_classify(kinds_with_products, 3, "P-", 2, &which, NULL, err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "only the prefix");
	CHECK_INT(ident_classify(kinds_with_products, 3, "P-a b", 5, &which, NULL, err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "printable ASCII");
	CHECK_INT(ident_classify(kinds_with_products, 3, "P-\xe4\xba\xa7", 5, &which, NULL, err,
	                         sizeof err),
	          ==, SJ_EINVAL);
	memset(longid, 'x', sizeof longid);
	memcpy(longid, "P-", 2);
	CHECK_INT(ident_classify(kinds_with_products, 3, longid, 64, &which, NULL, err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(ident_classify(kinds_with_products, 3, longid, 65, &which, NULL, err, sizeof err),
	          ==, SJ_EINVAL);
}

TEST(ident_kinds_config, "R1: a prefix made only of credit-code symbols is refused, since it "
                         "could start a code; one with a '-' is accepted")
{
	static const struct ident_kind ambiguous[] = {{"uscc", NULL}, {"product", "P1"}};
	static const struct ident_kind twice[] = {{"uscc", NULL}, {"a", "P-"}, {"b", "P-"}};
	static const struct ident_kind two_uscc[] = {{"uscc", NULL}, {"code", ""}};
	static const struct ident_kind no_uscc[] = {{"product", "P-"}};
	char err[256];
	size_t which;

	CHECK_INT(ident_kinds_check(ambiguous, 2, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "could start a unified social credit code");
	CHECK_INT(ident_kinds_check(twice, 3, err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(ident_kinds_check(two_uscc, 2, err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(ident_kinds_check(kinds_with_products, 3, err, sizeof err), ==, SJ_OK);
	CHECK_INT(ident_kinds_check(no_uscc, 1, err, sizeof err), ==, SJ_OK);
	CHECK_INT(
	    ident_classify(no_uscc, 1, "914403001922038216", 18, &which, NULL, err, sizeof err), ==,
	    SJ_EINVAL);
	CHECK_STR_HAS(err, "none of the accepted prefixes: P- (product)");
}
