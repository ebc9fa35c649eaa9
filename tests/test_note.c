/*
 * test_note.c: signed notes, verifier and private keys, note signatures and
 * cosignature/v1 (ledger/note.h, ledger/note_sign.h).
 *
 * Known answers come from published sources, so that our parser and signer
 * are checked against other implementations and not only against each
 * other:
 *   - golang.org/x/mod sumdb/note note.go and note_test.go: the PeterNeumann
 *     and EnochRoot keys, the PeterNeumann private key and the signed note
 *     "If you think cryptography is the answer to your problem, ...".
 *   - sigsum-go pkg/checkpoint/checkpoint_test.go (TestCheckpointCosignVerify,
 *     TestCheckpointVerifyCosignatureByKey): the cosignature/v1 line by the
 *     Ed25519 key with seed 0x11 || 31 zero bytes, named
 *     "example.org/witness", at time 1234, over the checkpoint
 *     "example.org/log\n10\nHA5H...\n"; and the checkpoint signature by the
 *     same key as log "sigsum.org/v1/tree/e796...".
 *   - transparency-dev/formats note/note_cosigv1_test.go: the verifier keys
 *     "remora.n621.de+da77ade7+..." (type 0x04) and "TEST+7997405c+...".
 *   - c2sp.org/tlog-cosignature: the example cosigned checkpoint.
 * The witness verifier and private key strings for the sigsum key are not
 * published; they were derived from the seed and cross-checked with
 * Python's "cryptography" package, which also reproduced every published
 * signature above.
 *
 * Every positive verification has a forgery twin that must fail.
 */
#define _POSIX_C_SOURCE 200809L
#include "tests/harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger/note.h"
#include "ledger/note_sign.h"

__attribute__((constructor)) static void test_note_init(void)
{
	if (sodium_init() < 0)
		abort();
}

/* golang.org/x/mod/sumdb/note */
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define NEUMANN                                                                                    \
	"If you think cryptography is the answer to your problem,\n"                               \
	"then you don't know what your problem is.\n"
#define PETER_SIG                                                                                  \
	"— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"                   \
	"FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG                                                                                  \
	"— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1"                  \
	"aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

/* sigsum-go pkg/checkpoint; the key strings are derived, see above. */
#define WITNESS_VKEY "example.org/witness+cacf2e50+BGbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/bxCSn"
#define WITNESS_SKEY                                                                               \
	"PRIVATE+KEY+example.org/witness+cacf2e50+"                                                \
	"BBEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define SIGSUM_BODY "example.org/log\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
#define SIGSUM_COSIG                                                                               \
	"— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf6"                 \
	"3VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n"
/* The same line with another key ID, from TestCheckpointVerifyCosignatureByKey. */
#define SIGSUM_COSIG_OTHER_ID                                                                      \
	"— example.org/witness yX8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf6"                 \
	"3VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n"
#define SIGSUM_LOG_SIG                                                                             \
	"— example.org/log DEADBEEFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"                 \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"

/* c2sp.org/tlog-cosignature */
#define C2SP_COSIGNED                                                                              \
	"example.com/behind-the-sofa\n"                                                            \
	"20852163\n"                                                                               \
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"                                           \
	"\n"                                                                                       \
	"— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJu"                   \
	"rmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"                                 \
	"— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHe"                  \
	"olMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

/* What verify_with and cosig_with return when they cannot get as far as
 * verifying; none is an sj_err code. */
enum { PARSE_FAILED = 100, VKEY_FAILED = 101 };

static int verify_with(const char *text, size_t len, const char *vkey)
{
	struct note_vkey k;
	struct note *n;
	int rc;

	if (note_vkey_parse(&k, vkey) != SJ_OK)
		return VKEY_FAILED;
	if (note_parse(&n, text, len, NULL, 0) != SJ_OK)
		return PARSE_FAILED;
	rc = note_verify(n, &k);
	note_free(n);
	return rc;
}

static int verify_str(const char *text, const char *vkey)
{
	return verify_with(text, strlen(text), vkey);
}

static int cosig_str(const char *text, const char *vkey, uint64_t *ts)
{
	struct note_vkey k;
	struct note *n;
	int rc;

	if (note_vkey_parse(&k, vkey) != SJ_OK)
		return VKEY_FAILED;
	if (note_parse(&n, text, strlen(text), NULL, 0) != SJ_OK)
		return PARSE_FAILED;
	rc = note_verify_cosignature(n, &k, ts);
	note_free(n);
	return rc;
}

/* "— <name> <base64(blob)>\n" into out. */
static void line_for(char *out, size_t cap, const char *name, const uint8_t *blob, size_t blob_len)
{
	char b64[200]; /* a 76-byte cosignature is 104 characters */

	sodium_bin2base64(b64, sizeof b64, blob, blob_len, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, cap, "— %s %s\n", name, b64);
}

/* Decodes the base64 of one signature line; returns its length, 0 if bad. */
static size_t line_blob(uint8_t *blob, size_t cap, const char *line)
{
	const char *b64 = strrchr(line, ' ') + 1;
	size_t n;

	if (sodium_base642bin(blob, cap, b64, strcspn(b64, "\n"), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return n;
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

/* ---- verifier keys ---- */

TEST(vkey_published_parse, "published verifier keys parse with their key IDs and types")
{
	static const struct {
		const char *text, *name;
		uint32_t id;
		uint8_t type;
	} keys[] = {
	    {PETER_VKEY, "PeterNeumann", 0xc74f20a3, NOTE_TYPE_ED25519},
	    {ENOCH_VKEY, "EnochRoot", 0xaf0cfe78, NOTE_TYPE_ED25519},
	    /* Its base64 holds '+', so only the first two '+' separate. */
	    {"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
	     "sum.golang.org", 0x033de0ae, NOTE_TYPE_ED25519},
	    {"TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "TEST", 0x7997405c,
	     NOTE_TYPE_ED25519},
	    {"remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
	     "remora.n621.de", 0xda77ade7, NOTE_TYPE_COSIG_V1},
	    {WITNESS_VKEY, "example.org/witness", 0xcacf2e50, NOTE_TYPE_COSIG_V1},
	};
	struct note_vkey k;
	char again[NOTE_MAX_VKEY];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		CHECK_INT(note_vkey_parse(&k, keys[i].text), ==, SJ_OK);
		CHECK(strcmp(k.name, keys[i].name) == 0);
		CHECK_INT(k.id, ==, keys[i].id);
		CHECK_INT(k.type, ==, keys[i].type);
		CHECK_INT(note_key_id(k.name, k.type, k.pk), ==, keys[i].id);
		CHECK_INT(note_vkey_format(again, sizeof again, k.name, k.type, k.pk), ==, SJ_OK);
		CHECK(strcmp(again, keys[i].text) == 0);
	}
}

TEST(vkey_mangled, "every substring and every one-byte change of a verifier key is refused")
{
	/* As golang.org/x/mod note_test.go TestNewVerifier does. */
	char b[] = PETER_VKEY, sub[sizeof b];
	struct note_vkey k;
	size_t len = strlen(b);

	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i + 1; j <= len; j++) {
			if (i == 0 && j == len)
				continue;
			memcpy(sub, b + i, j - i);
			sub[j - i] = '\0';
			CHECK_INT(note_vkey_parse(&k, sub), ==, SJ_EINVAL);
		}
	}
	for (size_t i = 0; i < len; i++) {
		b[i]++;
		CHECK_INT(note_vkey_parse(&k, b), ==, SJ_EINVAL);
		b[i]--;
	}
}

TEST(vkey_bad_parts,
     "verifier keys with a wrong length, unknown type, upper-case hex or stray byte are refused")
{
	struct note_vkey k, peter;
	uint8_t raw[33];
	char b64[64], text[256];

	/* golang.org/x/mod note_test.go: a 38-byte key and an unknown
	 * algorithm byte, each with a key hash adjusted to match. */
	CHECK_INT(note_vkey_parse(&k,
	                          "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy"
	                          "10TWBADKEY=="),
	          ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&k,
	                          "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy"
	                          "10TW"),
	          ==, SJ_EINVAL);
	/* Type 0x02 with its own correct key ID is still not a type we take. */
	CHECK_INT(note_vkey_parse(&peter, PETER_VKEY), ==, SJ_OK);
	raw[0] = 0x02;
	memcpy(raw + 1, peter.pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof text, "PeterNeumann+%08" PRIx32 "+%s",
	         note_key_id("PeterNeumann", 0x02, peter.pk), b64);
	CHECK_INT(note_vkey_parse(&k, text), ==, SJ_EINVAL);

	CHECK_INT(note_vkey_parse(&k,
	                          "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy"
	                          "10TW"),
	          ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&k, PETER_VKEY "\n"), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&k, " " PETER_VKEY), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&k, ""), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&k, NULL), ==, SJ_EINVAL);
}

TEST(vkey_not_a_point, "a verifier key whose public key is not a valid curve point is refused")
{
	uint8_t pk[32];
	char text[NOTE_MAX_VKEY];
	struct note_vkey k;

	/* 2^255 - 1 is not a canonical field element, so no point. */
	memset(pk, 0xff, sizeof pk);
	pk[31] = 0x7f;
	CHECK_INT(note_vkey_format(text, sizeof text, "bad.example", NOTE_TYPE_ED25519, pk), ==,
	          SJ_OK);
	CHECK_INT(note_vkey_parse(&k, text), ==, SJ_EINVAL);
}

TEST(vkey_format_refuses, "note_vkey_format refuses bad names, unknown types and short buffers")
{
	struct note_vkey k;
	char out[NOTE_MAX_VKEY], longname[NOTE_MAX_NAME + 2];

	CHECK_INT(note_vkey_parse(&k, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(note_vkey_format(out, sizeof out, "", 1, k.pk), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, sizeof out, "a+b", 1, k.pk), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, sizeof out, "a b", 1, k.pk), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, sizeof out, "a\tb", 1, k.pk), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, sizeof out,
	                           "a\xe2\x80\x83"
	                           "b",
	                           1, k.pk),
	          ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, sizeof out,
	                           "a\x01"
	                           "b",
	                           1, k.pk),
	          ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, sizeof out, "a\xff", 1, k.pk), ==, SJ_EINVAL);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(note_vkey_format(out, sizeof out, longname, 1, k.pk), ==, SJ_EINVAL);
	longname[NOTE_MAX_NAME] = '\0';
	CHECK_INT(note_vkey_format(out, sizeof out, longname, 1, k.pk), ==, SJ_OK);
	CHECK_INT(strlen(out), ==, NOTE_MAX_VKEY - 1);
	CHECK_INT(note_vkey_format(out, sizeof out, "PeterNeumann", 0x03, k.pk), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_format(out, strlen(PETER_VKEY), "PeterNeumann", 1, k.pk), ==,
	          SJ_ERANGE);
	CHECK_INT(note_vkey_format(out, strlen(PETER_VKEY) + 1, "PeterNeumann", 1, k.pk), ==,
	          SJ_OK);
	/* A name may be any UTF-8 without spaces or '+'. */
	CHECK_INT(note_vkey_format(out, sizeof out, "例え.jp/log", 1, k.pk), ==, SJ_OK);
}

/* ---- note signatures ---- */

TEST(note_go_known_answer, "the Go note package's signed note verifies under PeterNeumann's key")
{
	const char *text = NEUMANN "\n" PETER_SIG;
	struct note *n;
	const char *body, *name;
	const uint8_t *sig;
	size_t body_len, sig_len;
	uint32_t id;

	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	body = note_body(n, &body_len);
	CHECK_INT(body_len, ==, strlen(NEUMANN));
	CHECK_MEM(body, NEUMANN, body_len);
	CHECK_INT(note_sig_count(n), ==, 1);
	CHECK_INT(note_sig_get(n, 0, &name, &id, &sig, &sig_len), ==, SJ_OK);
	CHECK(strcmp(name, "PeterNeumann") == 0);
	CHECK_INT(id, ==, 0xc74f20a3);
	CHECK_INT(sig_len, ==, 64);
	CHECK_INT(note_sig_get(n, 1, &name, &id, &sig, &sig_len), ==, SJ_ERANGE);
	note_free(n);
	CHECK_INT(verify_str(text, PETER_VKEY), ==, SJ_OK);
}

TEST(note_twin_body_bit, "a note whose body has one bit flipped fails to verify")
{
	char text[] = NEUMANN "\n" PETER_SIG;

	text[3] ^= 0x01;
	CHECK_INT(verify_str(text, PETER_VKEY), ==, SJ_EVERIFY);
}

TEST(note_twin_sig_bit, "a note whose signature has one bit flipped fails to verify")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, PETER_SIG);

	CHECK_INT(n, ==, 68);
	blob[4 + 17] ^= 0x20;
	line_for(line, sizeof line, "PeterNeumann", blob, n);
	snprintf(text, sizeof text, NEUMANN "\n%s", line);
	CHECK_INT(verify_str(text, PETER_VKEY), ==, SJ_EVERIFY);
}

TEST(note_twin_other_key, "another key's signature under the log's name and key ID fails to verify")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, ENOCH_SIG);

	CHECK_INT(n, ==, 68);
	store_be32(blob, 0xc74f20a3);
	line_for(line, sizeof line, "PeterNeumann", blob, n);
	snprintf(text, sizeof text, NEUMANN "\n%s", line);
	CHECK_INT(verify_str(text, PETER_VKEY), ==, SJ_EVERIFY);
}

TEST(note_twin_unsigned, "a note signed only by another key is not signed by the log key")
{
	CHECK_INT(verify_str(NEUMANN "\n" ENOCH_SIG, ENOCH_VKEY), ==, SJ_OK);
	CHECK_INT(verify_str(NEUMANN "\n" ENOCH_SIG, PETER_VKEY), ==, SJ_ENOENT);
}

TEST(note_twin_wrong_name,
     "a signature under another key name, or a key of another name, does not match")
{
	struct note_vkey peter;
	char carmen[NOTE_MAX_VKEY];

	/* The line carries the right key ID but another name. */
	CHECK_INT(verify_str(NEUMANN
	                     "\n"
	                     "— PeterNeumann2 x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
	                     "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	                     PETER_VKEY),
	          ==, SJ_ENOENT);
	/* The same public key under another name has another key ID. */
	CHECK_INT(note_vkey_parse(&peter, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(note_vkey_format(carmen, sizeof carmen, "CarmenSandiego", 1, peter.pk), ==,
	          SJ_OK);
	CHECK_INT(verify_str(NEUMANN "\n" PETER_SIG, carmen), ==, SJ_ENOENT);
}

TEST(note_twin_key_id, "a signature line whose key ID differs from the key's is ignored")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, PETER_SIG);

	blob[3] ^= 0x01;
	line_for(line, sizeof line, "PeterNeumann", blob, n);
	snprintf(text, sizeof text, NEUMANN "\n%s", line);
	CHECK_INT(verify_str(text, PETER_VKEY), ==, SJ_ENOENT);
}

TEST(note_two_signers, "a note signed by two keys verifies under each, in either order")
{
	CHECK_INT(verify_str(NEUMANN "\n" PETER_SIG ENOCH_SIG, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(verify_str(NEUMANN "\n" PETER_SIG ENOCH_SIG, ENOCH_VKEY), ==, SJ_OK);
	CHECK_INT(verify_str(NEUMANN "\n" ENOCH_SIG PETER_SIG, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(verify_str(NEUMANN "\n" ENOCH_SIG PETER_SIG, ENOCH_VKEY), ==, SJ_OK);
}

TEST(note_short_sig, "a signature of the wrong length fails for the key it names")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, PETER_SIG);

	line_for(line, sizeof line, "PeterNeumann", blob, n - 1);
	snprintf(text, sizeof text, NEUMANN "\n%s", line);
	CHECK_INT(verify_str(text, PETER_VKEY), ==, SJ_EVERIFY);
}

TEST(note_verify_key_kind,
     "note_verify refuses a cosignature key and a key whose ID does not fit it")
{
	const char *text = NEUMANN "\n" PETER_SIG;
	struct note_vkey k;
	struct note *n;

	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_vkey_parse(&k, PETER_VKEY), ==, SJ_OK);
	k.type = NOTE_TYPE_COSIG_V1;
	CHECK_INT(note_verify(n, &k), ==, SJ_EINVAL);
	k.type = NOTE_TYPE_ED25519;
	k.pk[0] ^= 1; /* the key ID no longer belongs to the public key */
	CHECK_INT(note_verify(n, &k), ==, SJ_EINVAL);
	k.pk[0] ^= 1;
	memset(k.name, 'x', sizeof k.name); /* no NUL */
	CHECK_INT(note_verify(n, &k), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&k, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(note_verify(n, &k), ==, SJ_OK);
	note_free(n);
}

TEST(note_body_rules, "a note's body may hold empty lines; the last empty line ends it")
{
	const char *text = "a\n\nb\n\n\n" PETER_SIG;
	struct note *n;
	size_t len;

	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	note_body(n, &len);
	CHECK_INT(len, ==, 6); /* "a\n\nb\n\n" */
	note_free(n);
}

TEST(note_max_sigs,
     "a note with more than NOTE_MAX_SIGS signature lines still parses, all of them kept")
{
	char text[64 * (NOTE_MAX_SIGS + 2)], err[128];
	struct note *n;
	size_t len;

	/* c2sp.org/signed-note: lines by keys the reader does not know are
	 * ignored, so many of them cannot make a note unreadable; the size
	 * bound (NOTE_MAX_SIZE) still caps the work. */
	len = (size_t)snprintf(text, sizeof text, "body\n\n");
	for (int i = 0; i <= NOTE_MAX_SIGS; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "— k%d AAAAAAA=\n", i);
	CHECK_INT(note_parse(&n, text, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(note_sig_count(n), ==, NOTE_MAX_SIGS + 1);
	note_free(n);
}

TEST(note_malformed, "every malformed note is refused with a message naming what was wrong")
{
#define S PETER_SIG
#define B64                                                                                        \
	"x08go/ZJkuBS9UG/"                                                                         \
	"SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnA"
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		const char *why;
	} bad[] = {
	    {"", 0, "empty"},
	    {"\xff" NEUMANN "\n" S, 0, "not valid UTF-8 at byte 0"},
	    {"a\xc0\x80\n\n" S, 0, "not valid UTF-8 at byte 1"},         /* overlong NUL */
	    {"a\xed\xa0\x80\n\n" S, 0, "not valid UTF-8 at byte 1"},     /* surrogate */
	    {"a\xf4\x90\x80\x80\n\n" S, 0, "not valid UTF-8 at byte 1"}, /* above U+10FFFF */
	    {"ab\xe2\x80\n\n" S, 0, "not valid UTF-8 at byte 2"},        /* cut short */
	    {"\x01" NEUMANN "\n" S, 0, "control character 0x01 at byte 0"},
	    {"a\0b\n\n" S, 5 + sizeof S - 1, "control character 0x00 at byte 1"},
	    {"a\r\n\n" S, 0, "control character 0x0d"},
	    {"a\tb\n\n" S, 0, "control character 0x09"},
	    {NEUMANN, 0, "no empty line"},
	    {NEUMANN "\n", 0, "no signature lines"},
	    {NEUMANN "\n— PeterNeumann " B64 "M=", 0, "does not end in a newline"},
	    {NEUMANN "\n" S "Unexpected line.\n", 0, "line 2 does not start with an em dash"},
	    {NEUMANN "\n- PeterNeumann " B64 "M=\n", 0, "does not start with an em dash"},
	    {NEUMANN "\n—PeterNeumann " B64 "M=\n", 0, "does not start with an em dash"},
	    {NEUMANN "\n— PeterNeumann\n", 0, "no space after the key name"},
	};
#undef S
#undef B64
	char err[256];
	struct note *n;
	char *big;
	void *sentinel = malloc(1);

	CHECK(sentinel != NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		int rc;

		n = sentinel; /* note_parse must set it to NULL */
		err[0] = '\0';
		rc = note_parse(&n, bad[i].text, len, err, sizeof err);
		if (rc != SJ_EINVAL || n != NULL || strstr(err, bad[i].why) == NULL) {
			printf("    case %zu: got %d \"%s\", want \"%s\"\n", i, rc, err,
			       bad[i].why);
			free(sentinel);
			CHECK(0);
		}
	}
	free(sentinel);

	big = malloc(NOTE_MAX_SIZE + 2);
	CHECK(big != NULL);
	memset(big, 'a', NOTE_MAX_SIZE + 1);
	CHECK_INT(note_parse(&n, big, NOTE_MAX_SIZE + 1, err, sizeof err), ==, SJ_EINVAL);
	free(big);
	CHECK_STR_HAS(err, "longer than 65536 bytes");
	CHECK_INT(note_parse(&n, NULL, 0, NULL, 0), ==, SJ_EINVAL);
}

/* ---- private keys and signing ---- */

TEST(skey_go_known_answer,
     "the Go note package's private key signs its published note byte for byte")
{
	struct note_skey *k;
	struct note_vkey pub, want;
	char *out;
	size_t len;

	CHECK_INT(note_skey_parse(&k, PETER_SKEY, strlen(PETER_SKEY)), ==, SJ_OK);
	note_skey_public(&pub, k);
	CHECK_INT(note_vkey_parse(&want, PETER_VKEY), ==, SJ_OK);
	CHECK(memcmp(&pub, &want, sizeof pub) == 0);
	CHECK_INT(note_sign(&out, &len, NEUMANN, strlen(NEUMANN), k), ==, SJ_OK);
	note_skey_free(k);
	CHECK_INT(len, ==, strlen(NEUMANN "\n" PETER_SIG));
	CHECK(strcmp(out, NEUMANN "\n" PETER_SIG) == 0);
	free(out);
}

TEST(skey_round_trip, "a private key string survives parse and format unchanged")
{
	static const uint8_t types[] = {NOTE_TYPE_ED25519, NOTE_TYPE_COSIG_V1};
	struct note_skey *k, *k2;
	struct note_vkey a, b;
	char *s, *s2;
	size_t len, len2;

	CHECK_INT(note_skey_parse(&k, PETER_SKEY "\n", strlen(PETER_SKEY) + 1), ==, SJ_OK);
	CHECK_INT(note_skey_format(&s, &len, k), ==, SJ_OK);
	note_skey_free(k);
	CHECK_INT(len, ==, strlen(PETER_SKEY) + 1);
	CHECK(memcmp(s, PETER_SKEY "\n", len + 1) == 0);
	note_skey_string_free(s);

	for (size_t i = 0; i < sizeof types; i++) {
		CHECK_INT(note_skey_generate(&k, "log.example/one", types[i]), ==, SJ_OK);
		CHECK_INT(note_skey_format(&s, &len, k), ==, SJ_OK);
		CHECK_INT(note_skey_parse(&k2, s, len), ==, SJ_OK);
		CHECK_INT(note_skey_format(&s2, &len2, k2), ==, SJ_OK);
		CHECK(len == len2 && memcmp(s, s2, len) == 0);
		note_skey_public(&a, k);
		note_skey_public(&b, k2);
		CHECK(memcmp(&a, &b, sizeof a) == 0);
		CHECK_INT(a.type, ==, types[i]);
		CHECK_INT(a.id, ==, note_key_id("log.example/one", types[i], a.pk));
		note_skey_string_free(s);
		note_skey_string_free(s2);
		note_skey_free(k);
		note_skey_free(k2);
	}
}

TEST(skey_mangled, "every substring and every one-byte change of a private key string is refused")
{
	/* As golang.org/x/mod note_test.go TestNewSigner does. */
	char b[] = PETER_SKEY;
	struct note_skey *k;
	size_t len = strlen(b);

	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i + 1; j <= len; j++) {
			if (i == 0 && j == len)
				continue;
			CHECK_INT(note_skey_parse(&k, b + i, j - i), ==, SJ_EINVAL);
			CHECK(k == NULL);
		}
	}
	for (size_t i = 0; i < len; i++) {
		b[i]++;
		CHECK_INT(note_skey_parse(&k, b, len), ==, SJ_EINVAL);
		b[i]--;
	}
	CHECK_INT(note_skey_parse(&k, PETER_SKEY "\n\n", len + 2), ==, SJ_EINVAL);
	CHECK_INT(note_skey_parse(&k,
	                          "PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZ"
	                          "x09iUvxdXHKDFz",
	                          len),
	          ==, SJ_EINVAL);
	/* Right seed, right name, key ID of the type 0x01 key on a 0x04 key. */
	CHECK_INT(note_skey_parse(&k,
	                          "PRIVATE+KEY+example.org/witness+cacf2e51+BBEAAAAAAAAAAAAAAAAAAA"
	                          "AAAAAAAAAAAAAAAAAAAAAAAA",
	                          strlen(WITNESS_SKEY)),
	          ==, SJ_EINVAL);
	CHECK_INT(note_skey_parse(&k, PETER_SKEY, len - 1), ==, SJ_EINVAL);
}

TEST(skey_string_sodium, "note_skey_format output lives in sodium memory")
{
	struct note_skey *k;
	char *s;
	size_t len;
	long page = sysconf(_SC_PAGESIZE);

	CHECK_INT(note_skey_parse(&k, PETER_SKEY, strlen(PETER_SKEY)), ==, SJ_OK);
	CHECK_INT(note_skey_format(&s, &len, k), ==, SJ_OK);
	note_skey_free(k);
	/* sodium_malloc puts an allocation's end right against a guard page,
	 * so the string's NUL is the last byte of a page; and only sodium
	 * memory takes sodium_mprotect_*. */
	CHECK(page > 0);
	CHECK_INT((uintptr_t)(s + len + 1) % (uintptr_t)page, ==, 0);
	CHECK_INT(sodium_mprotect_readonly(s), ==, 0);
	CHECK(s[0] == 'P' && s[len - 1] == '\n' && s[len] == '\0');
	CHECK_INT(sodium_mprotect_readwrite(s), ==, 0);
	note_skey_string_free(s);
}

TEST(skey_generate_signs, "a generated key's note verifies under its own key and not under another")
{
	struct note_skey *k, *other;
	struct note_vkey pub, opub;
	char vkey[NOTE_MAX_VKEY], *out;
	size_t len;

	CHECK_INT(note_skey_generate(&k, "suiji.example/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&other, "suiji.example/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	note_skey_public(&pub, k);
	note_skey_public(&opub, other);
	note_skey_free(other);
	CHECK_INT(note_sign(&out, &len, "hello\n", 6, k), ==, SJ_OK);
	note_skey_free(k);
	CHECK_INT(note_vkey_format(vkey, sizeof vkey, pub.name, pub.type, pub.pk), ==, SJ_OK);
	CHECK_INT(verify_with(out, len, vkey), ==, SJ_OK);
	CHECK_INT(note_vkey_format(vkey, sizeof vkey, opub.name, opub.type, opub.pk), ==, SJ_OK);
	CHECK_INT(verify_with(out, len, vkey), ==, SJ_ENOENT);
	free(out);
}

TEST(skey_generate_refuses, "note_skey_generate refuses a bad name or an unknown type")
{
	struct note_skey *k;

	CHECK_INT(note_skey_generate(&k, "", NOTE_TYPE_ED25519), ==, SJ_EINVAL);
	CHECK(k == NULL);
	CHECK_INT(note_skey_generate(&k, "a+b", NOTE_TYPE_ED25519), ==, SJ_EINVAL);
	CHECK_INT(note_skey_generate(&k, "a b", NOTE_TYPE_COSIG_V1), ==, SJ_EINVAL);
	CHECK_INT(note_skey_generate(&k, "ok", 0x02), ==, SJ_EINVAL);
}

TEST(skey_sign_raw, "note_skey_sign_raw makes plain Ed25519 signatures with either key type")
{
	static const uint8_t msg[] = "entry bytes";
	struct note_skey *k;
	struct note_vkey pub;
	uint8_t sig[64];

	CHECK_INT(note_skey_parse(&k, WITNESS_SKEY, strlen(WITNESS_SKEY)), ==, SJ_OK);
	note_skey_sign_raw(sig, msg, sizeof msg, k);
	note_skey_public(&pub, k);
	note_skey_free(k);
	CHECK_INT(crypto_sign_verify_detached(sig, msg, sizeof msg, pub.pk), ==, 0);
	sig[0] ^= 1;
	CHECK_INT(crypto_sign_verify_detached(sig, msg, sizeof msg, pub.pk), ==, -1);
}

TEST(sign_refuses, "note_sign refuses bodies the verifier would refuse and cosignature keys")
{
	struct note_skey *k, *w;
	char *out;
	size_t len;

	CHECK_INT(note_skey_parse(&k, PETER_SKEY, strlen(PETER_SKEY)), ==, SJ_OK);
	CHECK_INT(note_skey_parse(&w, WITNESS_SKEY, strlen(WITNESS_SKEY)), ==, SJ_OK);
	CHECK_INT(note_sign(&out, &len, "", 0, k), ==, SJ_EINVAL);
	CHECK(out == NULL);
	CHECK_INT(note_sign(&out, &len, "abc", 3, k), ==, SJ_EINVAL);
	CHECK_INT(note_sign(&out, &len, "a\rb\n", 4, k), ==, SJ_EINVAL);
	CHECK_INT(note_sign(&out, &len, "a\xff\n", 3, k), ==, SJ_EINVAL);
	CHECK_INT(note_sign(&out, &len, NEUMANN, strlen(NEUMANN), w), ==, SJ_EINVAL);
	CHECK_INT(note_sign(&out, &len, NEUMANN, strlen(NEUMANN), k), ==, SJ_OK);
	free(out);
	note_skey_free(k);
	note_skey_free(w);
}

/* ---- cosignatures ---- */

TEST(cosig_sigsum_known_answer,
     "sigsum-go's published cosignature verifies under the witness key at time 1234")
{
	uint64_t ts = 0;

	CHECK_INT(cosig_str(SIGSUM_BODY "\n" SIGSUM_LOG_SIG SIGSUM_COSIG, WITNESS_VKEY, &ts), ==,
	          SJ_OK);
	CHECK_INT(ts, ==, 1234);
	CHECK_INT(cosig_str(SIGSUM_BODY "\n" SIGSUM_COSIG, WITNESS_VKEY, NULL), ==, SJ_OK);
}

TEST(cosig_sign_known_answer,
     "note_cosign reproduces sigsum-go's published cosignature line byte for byte")
{
	struct note_skey *w;
	char *line;

	CHECK_INT(note_skey_parse(&w, WITNESS_SKEY, strlen(WITNESS_SKEY)), ==, SJ_OK);
	CHECK_INT(note_cosign(&line, SIGSUM_BODY, strlen(SIGSUM_BODY), 1234, w), ==, SJ_OK);
	note_skey_free(w);
	CHECK(strcmp(line, SIGSUM_COSIG) == 0);
	free(line);
}

TEST(cosig_twin_timestamp, "a cosignature whose timestamp is altered fails to verify")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, SIGSUM_COSIG);

	CHECK_INT(n, ==, 4 + 8 + 64);
	store_be64(blob + 4, 1235);
	line_for(line, sizeof line, "example.org/witness", blob, n);
	snprintf(text, sizeof text, SIGSUM_BODY "\n%s", line);
	CHECK_INT(cosig_str(text, WITNESS_VKEY, NULL), ==, SJ_EVERIFY);
}

TEST(cosig_twin_body_bit, "a cosignature over a body with one bit flipped fails to verify")
{
	char text[] = SIGSUM_BODY "\n" SIGSUM_COSIG;

	text[17] ^= 0x01; /* "10" becomes "11" */
	CHECK_INT(cosig_str(text, WITNESS_VKEY, NULL), ==, SJ_EVERIFY);
}

TEST(cosig_twin_sig_bit, "a cosignature with one signature bit flipped fails to verify")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, SIGSUM_COSIG);

	blob[12 + 40] ^= 0x04;
	line_for(line, sizeof line, "example.org/witness", blob, n);
	snprintf(text, sizeof text, SIGSUM_BODY "\n%s", line);
	CHECK_INT(cosig_str(text, WITNESS_VKEY, NULL), ==, SJ_EVERIFY);
}

TEST(cosig_twin_unknown_witness, "a cosignature by an unknown witness key is not found")
{
	struct note_skey *other;
	struct note_vkey pub;
	char vkey[NOTE_MAX_VKEY];

	/* Same witness name, another key: another key ID. */
	CHECK_INT(note_skey_generate(&other, "example.org/witness", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	note_skey_public(&pub, other);
	note_skey_free(other);
	CHECK_INT(note_vkey_format(vkey, sizeof vkey, pub.name, pub.type, pub.pk), ==, SJ_OK);
	CHECK_INT(cosig_str(SIGSUM_BODY "\n" SIGSUM_COSIG, vkey, NULL), ==, SJ_ENOENT);
}

TEST(cosig_twin_key_id_and_name,
     "cosignature lines with another key ID or another witness name are ignored")
{
	/* Both from sigsum-go's TestCheckpointVerifyCosignatureByKey. */
	CHECK_INT(cosig_str(SIGSUM_BODY "\n" SIGSUM_COSIG_OTHER_ID, WITNESS_VKEY, NULL), ==,
	          SJ_ENOENT);
	CHECK_INT(cosig_str(SIGSUM_BODY
	                    "\n"
	                    "— example.org/witness-2 ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9"
	                    "iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n",
	                    WITNESS_VKEY, NULL),
	          ==, SJ_ENOENT);
}

TEST(cosig_twin_future_bit, "a validly signed cosignature with a timestamp above 2^63 - 1 fails")
{
	static const uint8_t seed[32] = {17};
	uint8_t pk[32], sk[64], blob[4 + 8 + 64], *msg;
	char head[64], line[256], text[1024];
	uint64_t ts = (uint64_t)1 << 63;
	size_t head_len, body_len = strlen(SIGSUM_BODY);

	crypto_sign_seed_keypair(pk, sk, seed);
	head_len = (size_t)snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", ts);
	msg = malloc(head_len + body_len);
	CHECK(msg != NULL);
	memcpy(msg, head, head_len);
	memcpy(msg + head_len, SIGSUM_BODY, body_len);
	store_be32(blob, 0xcacf2e50);
	store_be64(blob + 4, ts);
	crypto_sign_detached(blob + 12, NULL, msg, head_len + body_len, sk);
	sodium_memzero(sk, sizeof sk);
	free(msg);
	line_for(line, sizeof line, "example.org/witness", blob, sizeof blob);
	snprintf(text, sizeof text, SIGSUM_BODY "\n%s", line);
	CHECK_INT(cosig_str(text, WITNESS_VKEY, NULL), ==, SJ_EVERIFY);
}

TEST(cosig_wrong_length, "a cosignature line of the wrong length fails for the key it names")
{
	uint8_t blob[128];
	char line[256], text[1024];
	size_t n = line_blob(blob, sizeof blob, SIGSUM_COSIG);

	line_for(line, sizeof line, "example.org/witness", blob, n - 8);
	snprintf(text, sizeof text, SIGSUM_BODY "\n%s", line);
	CHECK_INT(cosig_str(text, WITNESS_VKEY, NULL), ==, SJ_EVERIFY);
}

TEST(cosig_type_confusion,
     "a cosignature is not a note signature, and note keys cannot check cosignatures")
{
	struct note_vkey w;
	char as_note_key[NOTE_MAX_VKEY];
	struct note *n;
	const char *text = SIGSUM_BODY "\n" SIGSUM_COSIG;

	/* The witness's public key as a type 0x01 key has another key ID. */
	CHECK_INT(note_vkey_parse(&w, WITNESS_VKEY), ==, SJ_OK);
	CHECK_INT(
	    note_vkey_format(as_note_key, sizeof as_note_key, w.name, NOTE_TYPE_ED25519, w.pk), ==,
	    SJ_OK);
	CHECK_INT(verify_str(text, as_note_key), ==, SJ_ENOENT);
	CHECK_INT(note_parse(&n, text, strlen(text), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_verify(n, &w), ==, SJ_EINVAL);
	CHECK_INT(note_vkey_parse(&w, PETER_VKEY), ==, SJ_OK);
	CHECK_INT(note_verify_cosignature(n, &w, NULL), ==, SJ_EINVAL);
	note_free(n);
}

TEST(cosig_c2sp_example,
     "the tlog-cosignature spec's example carries its key ID and its time 1679315147")
{
	struct note *n;
	const char *name;
	const uint8_t *sig;
	size_t sig_len;
	uint32_t id;
	uint64_t ts;

	/* The spec publishes no witness public key, so this pins the byte
	 * layout only: key ID, then the big-endian time of its example. */
	CHECK_INT(note_parse(&n, C2SP_COSIGNED, strlen(C2SP_COSIGNED), NULL, 0), ==, SJ_OK);
	CHECK_INT(note_sig_count(n), ==, 2);
	CHECK_INT(note_sig_get(n, 1, &name, &id, &sig, &sig_len), ==, SJ_OK);
	CHECK(strcmp(name, "witness.example.com/w1") == 0);
	CHECK_INT(id, ==, 0x8d66cf3f);
	CHECK_INT(sig_len, ==, 8 + 64);
	ts = 0;
	for (int i = 0; i < 8; i++)
		ts = ts << 8 | sig[i];
	CHECK_INT(ts, ==, 1679315147);
	note_free(n);
}

TEST(cosig_round_trip_ext, "a fresh cosignature covers extension lines and the exact time")
{
	static const char body[] =
	    "suiji.example/log\n7\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	    "ext one\n";
	struct note_skey *w;
	struct note_vkey pub;
	char vkey[NOTE_MAX_VKEY], *line, text[1024];
	uint64_t ts = 0;

	CHECK_INT(note_skey_generate(&w, "witness.example/w", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	CHECK_INT(note_cosign(&line, body, sizeof body - 1, 1700000000, w), ==, SJ_OK);
	note_skey_public(&pub, w);
	note_skey_free(w);
	CHECK_INT(note_vkey_format(vkey, sizeof vkey, pub.name, pub.type, pub.pk), ==, SJ_OK);
	snprintf(text, sizeof text, "%s\n%s", body, line);
	free(line);
	CHECK_INT(cosig_str(text, vkey, &ts), ==, SJ_OK);
	CHECK_INT(ts, ==, 1700000000);
	text[sizeof body - 3] ^= 0x01; /* "one" becomes "ond" */
	CHECK_INT(cosig_str(text, vkey, NULL), ==, SJ_EVERIFY);
}

TEST(cosign_refuses,
     "note_cosign refuses a note key, a time above 2^63 - 1 and a body without a final newline")
{
	struct note_skey *k, *w;
	char *line;

	CHECK_INT(note_skey_parse(&k, PETER_SKEY, strlen(PETER_SKEY)), ==, SJ_OK);
	CHECK_INT(note_skey_parse(&w, WITNESS_SKEY, strlen(WITNESS_SKEY)), ==, SJ_OK);
	CHECK_INT(note_cosign(&line, SIGSUM_BODY, strlen(SIGSUM_BODY), 1, k), ==, SJ_EINVAL);
	CHECK(line == NULL);
	CHECK_INT(note_cosign(&line, SIGSUM_BODY, strlen(SIGSUM_BODY), (uint64_t)1 << 63, w), ==,
	          SJ_EINVAL);
	CHECK_INT(note_cosign(&line, SIGSUM_BODY, strlen(SIGSUM_BODY) - 1, 1, w), ==, SJ_EINVAL);
	CHECK_INT(note_cosign(&line, "", 0, 1, w), ==, SJ_EINVAL);
	CHECK_INT(note_cosign(&line, SIGSUM_BODY, strlen(SIGSUM_BODY), INT64_MAX, w), ==, SJ_OK);
	free(line);
	note_skey_free(k);
	note_skey_free(w);
}
