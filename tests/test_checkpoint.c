/*
 * test_checkpoint.c: checkpoint bodies (ledger/checkpoint.h), alone and
 * inside signed notes.
 *
 * Known answers:
 *   - sigsum-go pkg/checkpoint/checkpoint_test.go TestGoSumDBCheckpoint: a
 *     checkpoint of sum.golang.org (fetched 2024-09-23) and the checksum
 *     database key from Go's cmd/go/internal/modfetch/key.go.
 *   - sigsum-go pkg/checkpoint/checkpoint_test.go validCheckpointASCII: a
 *     checkpoint signed by the key with seed 0x11 || 31 zero bytes; its
 *     verifier key string is derived from that seed (cross-checked with
 *     Python's "cryptography").
 *   - c2sp.org/tlog-checkpoint: the example body.
 */
#define _POSIX_C_SOURCE 200809L
#include "tests/harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"

__attribute__((constructor)) static void test_checkpoint_init(void)
{
	if (sodium_init() < 0)
		abort();
}

#define SUMDB_VKEY "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
#define SUMDB_BODY                                                                                 \
	"go.sum database tree\n"                                                                   \
	"30055305\n"                                                                               \
	"mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n"
#define SUMDB_SIG                                                                                  \
	"— sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFj"                \
	"BY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=\n"

#define SIGSUM_ORIGIN                                                                              \
	"sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69"
#define SIGSUM_VKEY SIGSUM_ORIGIN "+809da1a3+AWbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/bxCSn"
#define SIGSUM_NOTE                                                                                \
	SIGSUM_ORIGIN "\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"                     \
	              "— " SIGSUM_ORIGIN " gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgw"    \
	              "ouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=\n"

#define C2SP_BODY                                                                                  \
	"example.com/behind-the-sofa\n"                                                            \
	"20852163\n"                                                                               \
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

#define ROOT0 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" /* 32 zero bytes */

/* Parses text as a note and verifies it under vkey; 100 if it does not
 * parse, 101 if the key does not. */
static int verify_str(const char *text, const char *vkey)
{
	struct note_vkey k;
	struct note *n;
	int rc;

	if (note_vkey_parse(&k, vkey) != SJ_OK)
		return 101;
	if (note_parse(&n, text, strlen(text), NULL, 0) != SJ_OK)
		return 100;
	rc = note_verify(n, &k);
	note_free(n);
	return rc;
}

static int parse_str(struct checkpoint *c, const char *body, char *err, size_t err_cap)
{
	return checkpoint_parse(c, body, strlen(body), err, err_cap);
}

TEST(checkpoint_sumdb, "the Go checksum database's published checkpoint verifies, parses and "
                       "formats back to its bytes")
{
	static const char text[] = SUMDB_BODY "\n" SUMDB_SIG;
	static struct checkpoint c;
	char out[512];
	uint8_t root[32];
	size_t len, root_len;
	struct note *n;
	const char *body;
	size_t body_len;

	CHECK_INT(verify_str(text, SUMDB_VKEY), ==, SJ_OK);
	CHECK_INT(note_parse(&n, text, sizeof text - 1, NULL, 0), ==, SJ_OK);
	body = note_body(n, &body_len);
	CHECK_INT(checkpoint_parse(&c, body, body_len, NULL, 0), ==, SJ_OK);
	note_free(n);
	CHECK(strcmp(c.origin, "go.sum database tree") == 0);
	CHECK_INT(c.size, ==, 30055305);
	CHECK_INT(sodium_base642bin(root, sizeof root,
	                            "mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=", 44, NULL,
	                            &root_len, NULL, sodium_base64_VARIANT_ORIGINAL),
	          ==, 0);
	CHECK_MEM(c.root, root, 32);
	CHECK(c.ext[0] == '\0');
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_OK);
	CHECK_INT(len, ==, strlen(SUMDB_BODY));
	CHECK(strcmp(out, SUMDB_BODY) == 0);
}

TEST(checkpoint_sumdb_twin,
     "the Go checksum database's checkpoint with its tree size changed fails to verify")
{
	char text[] = SUMDB_BODY "\n" SUMDB_SIG;

	text[strlen("go.sum database tree\n3005530")] = '6';
	CHECK_INT(verify_str(text, SUMDB_VKEY), ==, SJ_EVERIFY);
}

TEST(checkpoint_sigsum,
     "sigsum's published log checkpoint verifies under its log key, and not once altered")
{
	char text[] = SIGSUM_NOTE;
	static struct checkpoint c;
	struct note *n;
	const char *body;
	size_t body_len;

	CHECK_INT(verify_str(text, SIGSUM_VKEY), ==, SJ_OK);
	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	body = note_body(n, &body_len);
	CHECK_INT(checkpoint_parse(&c, body, body_len, NULL, 0), ==, SJ_OK);
	note_free(n);
	CHECK_INT(c.size, ==, 10);
	CHECK(c.root[0] == 28 && c.root[1] == 14 && c.root[2] == 71 && c.root[3] == 0);
	text[strlen(SIGSUM_ORIGIN "\n1")] = '1'; /* size 11 */
	CHECK_INT(verify_str(text, SIGSUM_VKEY), ==, SJ_EVERIFY);
}

TEST(checkpoint_c2sp_example, "the tlog-checkpoint spec's example body parses")
{
	static struct checkpoint c;
	char out[512];
	size_t len;

	CHECK_INT(parse_str(&c, C2SP_BODY, NULL, 0), ==, SJ_OK);
	CHECK(strcmp(c.origin, "example.com/behind-the-sofa") == 0);
	CHECK_INT(c.size, ==, 20852163);
	CHECK(c.root[0] == 0x0a && c.root[31] == 0x62);
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_OK);
	CHECK(strcmp(out, C2SP_BODY) == 0);
}

TEST(checkpoint_extensions, "extension lines are kept byte for byte and formatted back")
{
	static const char body[] = "log.example\n3\n" ROOT0 "\nfirst ext — with UTF-8\nsecond\n";
	static struct checkpoint c;
	char out[512];
	size_t len;

	CHECK_INT(parse_str(&c, body, NULL, 0), ==, SJ_OK);
	CHECK(strcmp(c.ext, "first ext — with UTF-8\nsecond\n") == 0);
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_OK);
	CHECK_INT(len, ==, sizeof body - 1);
	CHECK(strcmp(out, body) == 0);
}

TEST(checkpoint_sizes, "tree sizes are decimals without leading zeros, from 0 to 2^64 - 1")
{
	static const struct {
		const char *size;
		uint64_t want;
	} good[] = {
	    {"0", 0},
	    {"1", 1},
	    {"10", 10},
	    {"9223372036854775808", (uint64_t)1 << 63},
	    {"18446744073709551615", UINT64_MAX},
	};
	static const char *const bad[] = {
	    "",
	    "00",
	    "01",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "1a",
	    "0x10",
	    "18446744073709551616",
	    "99999999999999999999",
	    "123456789012345678901",
	    "\xd9\xa1", /* ARABIC-INDIC DIGIT ONE */
	};
	static struct checkpoint c;
	char body[256], err[128];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(body, sizeof body, "o\n%s\n" ROOT0 "\n", good[i].size);
		CHECK_INT(parse_str(&c, body, err, sizeof err), ==, SJ_OK);
		CHECK(c.size == good[i].want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, "o\n%s\n" ROOT0 "\n", bad[i]);
		err[0] = '\0';
		CHECK_INT(parse_str(&c, body, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "tree size is not a 64-bit decimal without leading zeros");
	}
}

TEST(checkpoint_roots, "a root hash must be canonical base64 of exactly 32 bytes")
{
	static const char *const bad[] = {
	    "",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",   /* 43 characters */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* no padding */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",  /* stray bits */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  /* 31 bytes */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* 33 bytes */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 45 characters */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=", /* URL-safe alphabet */
	    " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	static struct checkpoint c;
	char body[256], err[128];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, "o\n1\n%s\n", bad[i]);
		err[0] = '\0';
		CHECK_INT(parse_str(&c, body, err, sizeof err), ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "root hash is not canonical base64 of 32 bytes");
	}
}

TEST(checkpoint_malformed,
     "every malformed checkpoint body is refused with a message naming what was wrong")
{
	static const struct {
		const char *body, *why;
	} bad[] = {
	    {"", "empty"},
	    {"o\n0\n" ROOT0, "does not end in a newline"},
	    {"\n0\n" ROOT0 "\n", "origin is empty"},
	    {"o\n", "no tree size line"},
	    {"o\n0\n", "no root hash line"},
	    {"o\n\n" ROOT0 "\n", "tree size is not"},
	    {"o\n0\n" ROOT0 "\n\n", "empty extension line"},
	    {"o\n0\n" ROOT0 "\next\n\nmore\n", "empty extension line"},
	    {"o\x01\n0\n" ROOT0 "\n", "control characters at byte 1"},
	    {"o\r\n0\n" ROOT0 "\n", "control characters at byte 1"},
	    {"o\n0\n" ROOT0 "\n\tx\n", "control characters at byte 49"},
	    {"o\xff\n0\n" ROOT0 "\n", "not UTF-8 without control characters at byte 1"},
	    {"o\xe2\x80\n0\n" ROOT0 "\n", "not UTF-8"},
	};
	static struct checkpoint c;
	static char big[CHECKPOINT_MAX_EXT + 512];
	char err[160];
	size_t len;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (parse_str(&c, bad[i].body, err, sizeof err) != SJ_EINVAL ||
		    strstr(err, bad[i].why) == NULL) {
			printf("    case %zu: got \"%s\", want \"%s\"\n", i, err, bad[i].why);
			CHECK(0);
		}
	}

	memset(big, 'o', CHECKPOINT_MAX_ORIGIN + 1);
	snprintf(big + CHECKPOINT_MAX_ORIGIN + 1, 64, "\n0\n" ROOT0 "\n");
	CHECK_INT(parse_str(&c, big, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "origin is longer than 255 bytes");
	big[0] = '\n';
	CHECK_INT(parse_str(&c, big + 1, err, sizeof err), ==, SJ_OK);

	/* Extension lines up to the cap, newlines included, and one byte more. */
	len = (size_t)snprintf(big, sizeof big, "o\n0\n" ROOT0 "\n");
	memset(big + len, 'e', CHECKPOINT_MAX_EXT - 1);
	big[len + CHECKPOINT_MAX_EXT - 1] = '\n';
	big[len + CHECKPOINT_MAX_EXT] = '\0';
	CHECK_INT(parse_str(&c, big, err, sizeof err), ==, SJ_OK);
	CHECK_INT(strlen(c.ext), ==, CHECKPOINT_MAX_EXT);
	big[len + CHECKPOINT_MAX_EXT - 1] = 'e';
	big[len + CHECKPOINT_MAX_EXT] = '\n';
	big[len + CHECKPOINT_MAX_EXT + 1] = '\0';
	CHECK_INT(parse_str(&c, big, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "extension lines are longer than 4096 bytes");

	CHECK_INT(checkpoint_parse(&c, NULL, 0, NULL, 0), ==, SJ_EINVAL);
	CHECK_INT(checkpoint_parse(NULL, C2SP_BODY, strlen(C2SP_BODY), NULL, 0), ==, SJ_EINVAL);
}

TEST(checkpoint_format_refuses,
     "checkpoint_format refuses a bad origin, bad extension lines and a short buffer")
{
	static const char *const bad_ext[] = {"x", "\n", "a\n\nb\n", "a\x01\n", "a\xff\n"};
	static struct checkpoint c;
	char out[512];
	size_t len;

	CHECK_INT(parse_str(&c, C2SP_BODY, NULL, 0), ==, SJ_OK);
	CHECK_INT(checkpoint_format(out, strlen(C2SP_BODY), &len, &c), ==, SJ_ERANGE);
	CHECK_INT(checkpoint_format(out, strlen(C2SP_BODY) + 1, &len, &c), ==, SJ_OK);

	strcpy(c.origin, "");
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_EINVAL);
	strcpy(c.origin, "two\nlines");
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_EINVAL);
	strcpy(c.origin, "tab\there");
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_EINVAL);
	memset(c.origin, 'o', sizeof c.origin); /* no NUL */
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_EINVAL);
	strcpy(c.origin, "o");

	for (size_t i = 0; i < sizeof bad_ext / sizeof bad_ext[0]; i++) {
		strcpy(c.ext, bad_ext[i]);
		CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_EINVAL);
	}
	memset(c.ext, 'e', sizeof c.ext); /* no NUL */
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_EINVAL);
	strcpy(c.ext, "ok\n");
	CHECK_INT(checkpoint_format(out, sizeof out, &len, &c), ==, SJ_OK);
}

TEST(checkpoint_end_to_end,
     "a checkpoint signed by the log and cosigned by a witness verifies, and its twin does not")
{
	static struct checkpoint c, back;
	struct note_skey *log, *wit;
	struct note_vkey lk, wk;
	struct note *n;
	char body[512], *signed_note, *cosig, text[1024];
	const char *nb;
	size_t body_len, signed_len, nb_len;
	uint64_t ts = 0;

	strcpy(c.origin, "suiji.example/ledger");
	c.size = 42;
	memset(c.root, 0xab, sizeof c.root);
	CHECK_INT(checkpoint_format(body, sizeof body, &body_len, &c), ==, SJ_OK);

	CHECK_INT(note_skey_generate(&log, "suiji.example/ledger", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&wit, "witness.example/w1", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	note_skey_public(&lk, log);
	note_skey_public(&wk, wit);
	CHECK_INT(note_sign(&signed_note, &signed_len, body, body_len, log), ==, SJ_OK);
	CHECK_INT(note_cosign(&cosig, body, body_len, 1750000000, wit), ==, SJ_OK);
	note_skey_free(log);
	note_skey_free(wit);
	snprintf(text, sizeof text, "%s%s", signed_note, cosig);
	free(signed_note);
	free(cosig);

	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_verify(n, &lk), ==, SJ_OK);
	CHECK_INT(note_verify_cosignature(n, &wk, &ts), ==, SJ_OK);
	CHECK_INT(ts, ==, 1750000000);
	nb = note_body(n, &nb_len);
	CHECK_INT(checkpoint_parse(&back, nb, nb_len, NULL, 0), ==, SJ_OK);
	note_free(n);
	CHECK(strcmp(back.origin, c.origin) == 0 && back.size == c.size);
	CHECK_MEM(back.root, c.root, 32);
	CHECK(back.ext[0] == '\0');

	/* The twin: the same note with one root character changed. */
	text[strlen("suiji.example/ledger\n42\n") + 5] ^= 0x01;
	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_verify(n, &lk), ==, SJ_EVERIFY);
	CHECK_INT(note_verify_cosignature(n, &wk, NULL), ==, SJ_EVERIFY);
	note_free(n);
}
