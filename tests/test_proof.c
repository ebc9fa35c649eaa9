/*
 * test_proof.c: the proof text formats of ledger/proof.c. Every accepted
 * text has a malformed twin that must be refused with a message naming
 * the line at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger/merkle.h"
#include "ledger/proof.h"
#include "tests/harness.h"

#define H0   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" /* 32 bytes of 0x00 */
#define H1   "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=" /* 32 bytes of 0x01 */
#define HFF  "//////////////////////////////////////////8=" /* 32 bytes of 0xff */
#define HFB  "+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=" /* 32 bytes of 0xfb */
#define NOTE "example.com/suiji\n5\n" H1 "\n\n\xe2\x80\x94 example.com/suiji " HFB "\n"
#define INCL PROOF_INCLUSION_HEADER "\n"
#define CONS PROOF_CONSISTENCY_HEADER "\n"

/* Parses text (without its NUL, from an exact-size copy so that ASan sees
 * any read past the end) as an inclusion proof. */
static int incl(struct proof_inclusion *p, const char *text, char *err, size_t cap)
{
	size_t len = strlen(text);
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	rc = proof_inclusion_parse(p, copy, len, err, cap);
	/* The note is borrowed from the text: repoint it at the caller's. */
	if (rc == SJ_OK)
		p->checkpoint = text + (p->checkpoint - copy);
	free(copy);
	return rc;
}

static int cons(struct proof_consistency *p, const char *text, char *err, size_t cap)
{
	size_t len = strlen(text);
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	rc = proof_consistency_parse(p, copy, len, err, cap);
	if (rc == SJ_OK)
		p->checkpoint = text + (p->checkpoint - copy);
	free(copy);
	return rc;
}

static struct proof_inclusion pi;
static struct proof_consistency pc;

TEST(test_proof_inclusion_golden, "an inclusion proof formats to the C2SP tlog-proof text and "
                                  "parses back to the same index, hashes and borrowed note")
{
	const char *want = INCL "index 5\n" H0 "\n" H1 "\n" HFF "\n\n" NOTE;
	merkle_hash h[3];
	char *out = NULL, err[200];
	size_t len = 0;

	memset(h[0], 0x00, 32);
	memset(h[1], 0x01, 32);
	memset(h[2], 0xff, 32);
	CHECK_INT(proof_inclusion_format(&out, &len, 5, h, 3, NOTE, strlen(NOTE), NULL, 0), ==,
	          SJ_OK);
	CHECK_INT(len, ==, strlen(want));
	CHECK(strcmp(out, want) == 0);
	CHECK_INT(proof_inclusion_parse(&pi, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(err[0], ==, '\0');
	CHECK_INT(pi.index, ==, 5);
	CHECK_INT(pi.n, ==, 3);
	CHECK_MEM(pi.hashes, h, sizeof h);
	CHECK_INT(pi.has_extra, ==, 0);
	CHECK(pi.checkpoint == out + len - strlen(NOTE));
	CHECK_INT(pi.checkpoint_len, ==, strlen(NOTE));
	free(out);

	/* The twin: a leading zero on the index. */
	CHECK_INT(incl(&pi, INCL "index 05\n" H0 "\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: bad index: the number has a leading zero");
}

TEST(test_proof_inclusion_empty_path, "an inclusion proof with no hashes (a tree of one entry) "
                                      "parses, but not without its empty line")
{
	char err[200];

	CHECK_INT(incl(&pi, INCL "index 0\n\n" NOTE, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.index, ==, 0);
	CHECK_INT(pi.n, ==, 0);
	CHECK_INT(pi.checkpoint_len, ==, strlen(NOTE));
	CHECK_INT(incl(&pi, INCL "index 0\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 3: not a proof hash");
}

TEST(test_proof_extra, "the optional extra line round-trips its decoded bytes, an empty one "
                       "stays distinct from none, and bad base64 in it is refused")
{
	const uint8_t vrf[3] = {'v', 'r', 'f'};
	char *out = NULL, err[200];
	size_t len;

	CHECK_INT(proof_inclusion_format(&out, &len, 7, NULL, 0, NOTE, strlen(NOTE), vrf, 3), ==,
	          SJ_OK);
	CHECK(strcmp(out, INCL "extra dnJm\nindex 7\n\n" NOTE) == 0);
	CHECK_INT(proof_inclusion_parse(&pi, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.has_extra, ==, 1);
	CHECK_INT(pi.extra_len, ==, 3);
	CHECK_MEM(pi.extra, vrf, 3);
	CHECK_INT(pi.index, ==, 7);
	free(out);

	CHECK_INT(proof_inclusion_format(&out, &len, 7, NULL, 0, NOTE, strlen(NOTE), vrf, 0), ==,
	          SJ_OK);
	CHECK(strcmp(out, INCL "extra \nindex 7\n\n" NOTE) == 0);
	CHECK_INT(proof_inclusion_parse(&pi, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.has_extra, ==, 1);
	CHECK_INT(pi.extra_len, ==, 0);
	free(out);

	CHECK_INT(incl(&pi, INCL "extra dnJm!\nindex 7\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: bad extra data");
	/* "dnI=" is "vr"; "dnJ=" decodes too, but has padding bits set. */
	CHECK_INT(incl(&pi, INCL "extra dnI=\nindex 7\n\n" NOTE, err, sizeof err), ==, SJ_OK);
	CHECK_INT(incl(&pi, INCL "extra dnJ=\nindex 7\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: bad extra data");
	CHECK_INT(incl(&pi, INCL "extra\nindex 7\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: expected \"index <n>\"");
}

TEST(test_proof_extra_placement, "at most one extra line is accepted, and only before the "
                                 "index")
{
	char err[200];

	CHECK_INT(incl(&pi, INCL "extra AA==\nindex 1\n" H0 "\n\n" NOTE, err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(incl(&pi, INCL "extra AA==\nextra AA==\nindex 1\n\n" NOTE, err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(err, "line 3: expected \"index <n>\"");
	CHECK_INT(incl(&pi, INCL "index 1\nextra AA==\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 3: not a proof hash");
}

TEST(test_proof_extra_cap, "extra data of PROOF_MAX_EXTRA bytes is accepted and one byte more "
                           "is refused, by the parser and by the formatter")
{
	static uint8_t big[PROOF_MAX_EXTRA + 3];
	char *out = NULL, err[200];
	size_t len;
	char *text;

	memset(big, 0x5a, sizeof big);
	CHECK_INT(proof_inclusion_format(&out, &len, 1, NULL, 0, NOTE, strlen(NOTE), big,
	                                 PROOF_MAX_EXTRA),
	          ==, SJ_OK);
	CHECK_INT(proof_inclusion_parse(&pi, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.extra_len, ==, PROOF_MAX_EXTRA);
	CHECK_MEM(pi.extra, big, PROOF_MAX_EXTRA);
	free(out);
	CHECK_INT(proof_inclusion_format(&out, &len, 1, NULL, 0, NOTE, strlen(NOTE), big,
	                                 PROOF_MAX_EXTRA + 1),
	          ==, SJ_EINVAL);

	/* Build the over-long texts by hand: 1025 to 1027 bytes of extra. */
	for (size_t extra = PROOF_MAX_EXTRA + 1; extra <= PROOF_MAX_EXTRA + 3; extra++) {
		size_t b64 = sodium_base64_ENCODED_LEN(extra, sodium_base64_VARIANT_ORIGINAL);

		text = malloc(b64 + 200);
		CHECK(text != NULL);
		strcpy(text, INCL "extra ");
		sodium_bin2base64(text + strlen(text), b64, big, extra,
		                  sodium_base64_VARIANT_ORIGINAL);
		strcat(text, "\nindex 1\n\n" NOTE);
		CHECK_INT(incl(&pi, text, err, sizeof err), ==, SJ_EINVAL);
		free(text);
		CHECK_STR_HAS(err, "line 2: the extra data is longer than 1024 bytes");
	}
}

TEST(test_proof_header, "the first line must be exactly the format's header: another version, "
                        "a trailing space, a CR or the other format's header is refused")
{
	char err[200];
	const char *bad[] = {
	    "c2sp.org/tlog-proof@v2\nindex 1\n\n" NOTE,
	    "c2sp.org/tlog-proof@v1 \nindex 1\n\n" NOTE,
	    "c2sp.org/tlog-proof@v1\r\nindex 1\n\n" NOTE,
	    CONS "index 1\n\n" NOTE,
	    "\n" INCL "index 1\n\n" NOTE,
	    "c2sp.org/tlog-proof@v1",
	    "",
	};

	CHECK_INT(incl(&pi, INCL "index 1\n\n" NOTE, err, sizeof err), ==, SJ_OK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(incl(&pi, bad[i], err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "line 1: expected \"c2sp.org/tlog-proof@v1\"");
	}
	CHECK_INT(cons(&pc, CONS "old 1\n\n" NOTE, err, sizeof err), ==, SJ_OK);
	CHECK_INT(cons(&pc, INCL "old 1\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 1: expected \"suiji.consistency-proof@v1\"");
	CHECK_INT(proof_inclusion_parse(&pi, NULL, 0, err, sizeof err), ==, SJ_EINVAL);
}

TEST(test_proof_decimal, "numbers are canonical decimals: 0 and 2^64 - 1 are accepted; a "
                         "leading zero, a sign, a space, hex, overflow or nothing is refused")
{
	char text[300], err[200];
	const char *good[] = {"0", "1", "10", "18446744073709551615"};
	const char *bad[] = {
	    "00",
	    "01",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "0x10",
	    "1a",
	    "",
	    "18446744073709551616",
	    "99999999999999999999",
	    "184467440737095516150",
	    "1\t",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, INCL "index %s\n\n" NOTE, good[i]);
		CHECK_INT(incl(&pi, text, err, sizeof err), ==, SJ_OK);
		CHECK_INT(pi.index, ==, strtoull(good[i], NULL, 10));
	}
	CHECK(pi.index == UINT64_MAX);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, INCL "index %s\n\n" NOTE, bad[i]);
		CHECK_INT(incl(&pi, text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "line 2: bad index");
		snprintf(text, sizeof text, CONS "old %s\n\n" NOTE, bad[i]);
		CHECK_INT(cons(&pc, text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "line 2: bad old size");
	}
	CHECK_INT(incl(&pi, INCL "index\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: expected \"index <n>\"");
	CHECK_INT(incl(&pi, INCL "Index 1\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: expected \"index <n>\"");
}

TEST(test_proof_hash_lines, "a hash line is the canonical padded standard base64 of 32 bytes; "
                            "set padding bits, missing padding, the URL alphabet, spaces "
                            "and other lengths are refused")
{
	char text[400], err[200];
	const char *bad[] = {
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",     /* padding bits set */
	    "//////////////////////////////////////////9=",     /* padding bits set */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",      /* no padding */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",     /* 31 bytes */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 33 bytes */
	    "__________________________________________8=",     /* URL alphabet */
	    "AAAAAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAA=",     /* a space */
	    " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	};

	snprintf(text, sizeof text, INCL "index 3\n%s\n%s\n\n" NOTE, H1, HFF);
	CHECK_INT(incl(&pi, text, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.n, ==, 2);
	CHECK_INT(pi.hashes[1][31], ==, 0xff);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, INCL "index 3\n%s\n%s\n\n" NOTE, H1, bad[i]);
		CHECK_INT(incl(&pi, text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "line 4: not a proof hash");
		snprintf(text, sizeof text, CONS "old 3\n%s\n%s\n\n" NOTE, H1, bad[i]);
		CHECK_INT(cons(&pc, text, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "line 4: not a proof hash");
	}
}

/* A proof text with n hash lines, malloc'd. */
static char *with_hashes(const char *head, size_t n)
{
	size_t cap = strlen(head) + n * 45 + strlen(NOTE) + 2;
	char *t = malloc(cap);

	if (t == NULL)
		abort();
	strcpy(t, head);
	for (size_t i = 0; i < n; i++)
		strcat(t, H0 "\n");
	strcat(t, "\n" NOTE);
	return t;
}

TEST(test_proof_hash_count, "MERKLE_MAX_PROOF hashes are accepted and one more is refused, "
                            "naming its line")
{
	char err[200], *t;
	merkle_hash h[MERKLE_MAX_PROOF + 1];
	char *out;
	size_t len;

	t = with_hashes(INCL "index 9\n", MERKLE_MAX_PROOF);
	CHECK_INT(incl(&pi, t, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.n, ==, MERKLE_MAX_PROOF);
	free(t);
	t = with_hashes(INCL "index 9\n", MERKLE_MAX_PROOF + 1);
	CHECK_INT(incl(&pi, t, err, sizeof err), ==, SJ_EINVAL);
	free(t);
	CHECK_STR_HAS(err, "line 131: more than 128 proof hashes");
	t = with_hashes(CONS "old 9\n", MERKLE_MAX_PROOF + 1);
	CHECK_INT(cons(&pc, t, err, sizeof err), ==, SJ_EINVAL);
	free(t);
	CHECK_STR_HAS(err, "line 131: more than 128 proof hashes");

	memset(h, 0, sizeof h);
	CHECK_INT(
	    proof_inclusion_format(&out, &len, 9, h, MERKLE_MAX_PROOF, NOTE, strlen(NOTE), NULL, 0),
	    ==, SJ_OK);
	free(out);
	CHECK_INT(proof_inclusion_format(&out, &len, 9, h, MERKLE_MAX_PROOF + 1, NOTE, strlen(NOTE),
	                                 NULL, 0),
	          ==, SJ_EINVAL);
	CHECK_INT(
	    proof_consistency_format(&out, &len, 9, h, MERKLE_MAX_PROOF + 1, NOTE, strlen(NOTE)),
	    ==, SJ_EINVAL);
}

TEST(test_proof_note, "everything after the empty line is the note, blank lines included; a "
                      "missing or empty note, or one not ending in a newline, is refused")
{
	char err[200];
	char *out;
	size_t len;

	CHECK_INT(incl(&pi, INCL "index 1\n" H0 "\n\n" NOTE, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.checkpoint_len, ==, strlen(NOTE));
	CHECK(memcmp(pi.checkpoint, NOTE, strlen(NOTE)) == 0);

	CHECK_INT(incl(&pi, INCL "index 1\n" H0 "\n", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 4: the text ends before the empty line");
	CHECK_INT(incl(&pi, INCL "index 1\n" H0, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 3: the text ends before the empty line");
	CHECK_INT(incl(&pi, INCL "index 1\n" H0 "\n\n", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 5: the checkpoint note is missing");
	CHECK_INT(incl(&pi, INCL "index 1\n\nexample.com/suiji", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "the checkpoint note does not end in a newline");
	CHECK_INT(cons(&pc, CONS "old 1\n\n" NOTE "x", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "the checkpoint note does not end in a newline");

	CHECK_INT(proof_inclusion_format(&out, &len, 1, NULL, 0, "x", 1, NULL, 0), ==, SJ_EINVAL);
	CHECK_INT(proof_inclusion_format(&out, &len, 1, NULL, 0, "", 0, NULL, 0), ==, SJ_EINVAL);
	CHECK_INT(proof_consistency_format(&out, &len, 1, NULL, 0, NULL, 0), ==, SJ_EINVAL);
	CHECK_INT(proof_consistency_format(&out, &len, 1, NULL, 0, "x\n", 2), ==, SJ_OK);
	free(out);
}

TEST(test_proof_consistency_golden, "a consistency proof formats to the suiji text and parses "
                                    "back; an old size of 0 is refused both ways")
{
	const char *want = CONS "old 3\n" H1 "\n" HFF "\n\n" NOTE;
	merkle_hash h[2];
	char *out = NULL, err[200];
	size_t len = 0;

	memset(h[0], 0x01, 32);
	memset(h[1], 0xff, 32);
	CHECK_INT(proof_consistency_format(&out, &len, 3, h, 2, NOTE, strlen(NOTE)), ==, SJ_OK);
	CHECK(strcmp(out, want) == 0);
	CHECK_INT(proof_consistency_parse(&pc, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pc.old_size, ==, 3);
	CHECK_INT(pc.n, ==, 2);
	CHECK_MEM(pc.hashes, h, sizeof h);
	CHECK(pc.checkpoint == out + len - strlen(NOTE));
	free(out);

	CHECK_INT(cons(&pc, CONS "old 0\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: old size 0");
	CHECK_INT(proof_consistency_format(&out, &len, 0, h, 0, NOTE, strlen(NOTE)), ==, SJ_EINVAL);
	CHECK_INT(cons(&pc, CONS "index 3\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: expected \"old <size>\"");
	CHECK_INT(cons(&pc, CONS "extra AA==\nold 3\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "line 2: expected \"old <size>\"");
}

/* Replaces a base64 character inside a hash (not its last one, whose
 * padding bits matter) by another, so the text stays canonical. */
static void other_b64(char *c)
{
	*c = *c == 'A' ? 'B' : 'A';
}

TEST(test_proof_real_proofs, "proofs from a real tree survive format and parse unchanged and "
                             "still verify, and the same text with one hash changed does not")
{
	merkle_hash leaves[21], root, root5, p[MERKLE_MAX_PROOF];
	size_t n, len, again_len;
	char *out, *again, err[200];

	for (int i = 0; i < 21; i++) {
		uint8_t b = (uint8_t)i;

		merkle_leaf_hash(leaves[i], &b, 1);
	}
	CHECK_INT(merkle_root(root, leaves, 21), ==, SJ_OK);
	CHECK_INT(merkle_root(root5, leaves, 5), ==, SJ_OK);

	CHECK_INT(merkle_inclusion_proof(p, &n, MERKLE_MAX_PROOF, leaves, 21, 13), ==, SJ_OK);
	CHECK_INT(proof_inclusion_format(&out, &len, 13, p, n, NOTE, strlen(NOTE), NULL, 0), ==,
	          SJ_OK);
	CHECK_INT(proof_inclusion_parse(&pi, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(pi.index, 21, leaves[13], pi.hashes, pi.n, root), ==,
	          SJ_OK);
	CHECK_INT(proof_inclusion_format(&again, &again_len, pi.index, pi.hashes, pi.n,
	                                 pi.checkpoint, pi.checkpoint_len, NULL, 0),
	          ==, SJ_OK);
	CHECK_INT(again_len, ==, len);
	CHECK(memcmp(again, out, len) == 0);
	free(again);
	/* Change one character of the second hash into another valid one. */
	other_b64(&out[strlen(INCL "index 13\n") + 45 + 3]);
	CHECK_INT(proof_inclusion_parse(&pi, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(pi.index, 21, leaves[13], pi.hashes, pi.n, root), ==,
	          SJ_EVERIFY);
	free(out);

	CHECK_INT(merkle_consistency_proof(p, &n, MERKLE_MAX_PROOF, leaves, 5, 21), ==, SJ_OK);
	CHECK_INT(proof_consistency_format(&out, &len, 5, p, n, NOTE, strlen(NOTE)), ==, SJ_OK);
	CHECK_INT(proof_consistency_parse(&pc, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(pc.old_size, 21, root5, root, pc.hashes, pc.n), ==,
	          SJ_OK);
	CHECK_INT(proof_consistency_format(&again, &again_len, pc.old_size, pc.hashes, pc.n,
	                                   pc.checkpoint, pc.checkpoint_len),
	          ==, SJ_OK);
	CHECK_INT(again_len, ==, len);
	CHECK(memcmp(again, out, len) == 0);
	free(again);
	other_b64(&out[strlen(CONS "old 5\n") + 10]);
	CHECK_INT(proof_consistency_parse(&pc, out, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(pc.old_size, 21, root5, root, pc.hashes, pc.n), ==,
	          SJ_EVERIFY);
	free(out);
}

TEST(test_proof_size_cap, "a proof of exactly PROOF_MAX_TEXT bytes is accepted and one byte "
                          "longer is refused, by the parser and by the formatter")
{
	const char *head = INCL "index 1\n\n";
	size_t hl = strlen(head);
	char *text = malloc(PROOF_MAX_TEXT + 2), *out;
	char err[200];
	size_t len;

	CHECK(text != NULL);
	memcpy(text, head, hl);
	memset(text + hl, 'x', PROOF_MAX_TEXT + 1 - hl);
	text[PROOF_MAX_TEXT - 1] = '\n';
	CHECK_INT(proof_inclusion_parse(&pi, text, PROOF_MAX_TEXT, err, sizeof err), ==, SJ_OK);
	CHECK_INT(pi.checkpoint_len, ==, PROOF_MAX_TEXT - hl);
	CHECK_INT(
	    proof_inclusion_format(&out, &len, 1, NULL, 0, text + hl, PROOF_MAX_TEXT - hl, NULL, 0),
	    ==, SJ_OK);
	CHECK_INT(len, ==, PROOF_MAX_TEXT);
	CHECK(memcmp(out, text, len) == 0);
	free(out);

	text[PROOF_MAX_TEXT - 1] = 'x';
	text[PROOF_MAX_TEXT] = '\n';
	CHECK_INT(proof_inclusion_parse(&pi, text, PROOF_MAX_TEXT + 1, err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(err, "longer than 1048576 bytes");
	CHECK_INT(proof_inclusion_format(&out, &len, 1, NULL, 0, text + hl, PROOF_MAX_TEXT + 1 - hl,
	                                 NULL, 0),
	          ==, SJ_ERANGE);
	free(text);
}

TEST(test_proof_prefixes, "no prefix of a proof that stops before its note parses, and "
                          "parsing reads nothing past the given length")
{
	merkle_hash h[4];
	char *out, err[200];
	size_t len, note_at;

	memset(h, 0x3c, sizeof h);
	CHECK_INT(proof_inclusion_format(&out, &len, 11, h, 4, NOTE, strlen(NOTE),
	                                 (const uint8_t *)"e", 1),
	          ==, SJ_OK);
	note_at = len - strlen(NOTE);
	for (size_t cut = 0; cut <= len; cut++) {
		/* An exact-size copy, so ASan flags any read past cut. */
		char *copy = malloc(cut > 0 ? cut : 1);
		int rc;

		CHECK(copy != NULL);
		memcpy(copy, out, cut);
		rc = proof_inclusion_parse(&pi, copy, cut, err, sizeof err);
		free(copy);
		if (cut <= note_at)
			CHECK_INT(rc, ==, SJ_EINVAL);
		if (cut == len)
			CHECK_INT(rc, ==, SJ_OK);
		CHECK(rc == SJ_OK || err[0] != '\0');
	}
	free(out);
}

TEST(test_proof_err_buffer, "the error message is optional and truncated to fit, always "
                            "NUL-terminated")
{
	char err[12];

	CHECK_INT(incl(&pi, INCL "index 01\n\n" NOTE, NULL, 0), ==, SJ_EINVAL);
	memset(err, 'z', sizeof err);
	CHECK_INT(incl(&pi, INCL "index 01\n\n" NOTE, err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(strlen(err), ==, sizeof err - 1);
	CHECK(strncmp(err, "line 2: bad", sizeof err - 1) == 0);
	memset(err, 'z', sizeof err);
	CHECK_INT(incl(&pi, INCL "index 01\n\n" NOTE, err, 1), ==, SJ_EINVAL);
	CHECK_INT(err[0], ==, '\0');
	/* The twin: a valid text leaves an empty message. */
	memset(err, 'z', sizeof err);
	CHECK_INT(incl(&pi, INCL "index 1\n\n" NOTE, err, sizeof err), ==, SJ_OK);
	CHECK_INT(err[0], ==, '\0');
}
