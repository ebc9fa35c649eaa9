/*
 * test_dir_record.c: the canonical encoding and hash of directory records
 * (dir/record.c), pinned by golden vectors computed independently from
 * the format in record.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "dir/record.h"
#include "tests/harness.h"

static const char *const quals[] = {"drug", "food"};

static void officer(struct record *r)
{
	memset(r, 0, sizeof *r);
	r->kind = RECORD_OFFICER;
	r->u.person.id = "32070001";
	r->u.person.name = "张三";
	r->u.person.agency = "scjg";
	r->u.person.qualifications.v = quals;
	r->u.person.qualifications.n = 2;
	r->u.person.status = PERSON_ACTIVE;
}

#define OFFICER_HEX                                                                                \
	"534a445201020833323037303030310006e5bca0e4b8890473636a6702046472756704666f6f64"           \
	"0001"
#define OFFICER_HASH "fee43d9b9b8fdd2be7ebb7ab78482107c7f8eee4af5786ccc16af91aa13cb08c"
#define CONFLICT_HEX                                                                               \
	"534a4452010402123931343430333030313932323033383231360833323037303030310006e4bab2"         \
	"e5b19e0006e69cace4baba"
#define CONFLICT_HASH "6c91df6dd752dc031ab59464da13a025c5fbb6006aba448e661a56608ec96cbf"

static int encode_hex(char *hex, size_t cap, char *hash_hex, const struct record *r)
{
	uint8_t *b, h[RECORD_HASH_SIZE];
	size_t len;
	char err[256];
	int rc = record_encode(&b, &len, r, err, sizeof err);
	if (rc != SJ_OK)
		return rc;
	if (2 * len + 1 > cap) {
		free(b);
		return SJ_ERANGE;
	}
	util_hex(hex, b, len);
	record_hash(h, b, len);
	util_hex(hash_hex, h, sizeof h);
	free(b);
	return SJ_OK;
}

TEST(record_golden_officer, "the encoding and hash of an officer record match the golden vector")
{
	struct record r;
	char hex[512], hash[65];

	CHECK(sodium_init() >= 0);
	officer(&r);
	CHECK_INT(encode_hex(hex, sizeof hex, hash, &r), ==, SJ_OK);
	CHECK(strcmp(hex, OFFICER_HEX) == 0);
	CHECK(strcmp(hash, OFFICER_HASH) == 0);
}

TEST(record_golden_conflict, "the encoding and hash of a conflict record match the golden vector")
{
	struct record r;
	char hex[512], hash[65];

	memset(&r, 0, sizeof r);
	r.kind = RECORD_CONFLICT;
	r.u.conflict.person_kind = PERSON_OFFICER;
	r.u.conflict.object = "914403001922038216";
	r.u.conflict.person = "32070001";
	r.u.conflict.reason = "亲属";
	r.u.conflict.declared_by = "本人";
	CHECK_INT(encode_hex(hex, sizeof hex, hash, &r), ==, SJ_OK);
	CHECK(strcmp(hex, CONFLICT_HEX) == 0);
	CHECK(strcmp(hash, CONFLICT_HASH) == 0);
}

TEST(record_golden_twin, "changing one field, or the order of a set, changes the encoding or is "
                         "refused")
{
	static const char *const unsorted[] = {"food", "drug"};
	static const char *const twice[] = {"food", "food"};
	struct record r;
	char hex[512], hash[65], err[256];
	uint8_t *b;
	size_t len;

	officer(&r);
	r.u.person.status = PERSON_LEFT;
	CHECK_INT(encode_hex(hex, sizeof hex, hash, &r), ==, SJ_OK);
	CHECK(strcmp(hex, OFFICER_HEX) != 0);
	CHECK(strcmp(hash, OFFICER_HASH) != 0);
	officer(&r);
	r.u.person.qualifications.v = unsorted;
	CHECK_INT(record_encode(&b, &len, &r, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "qualifications items are not strictly ascending at item 2");
	r.u.person.qualifications.v = twice;
	CHECK_INT(record_encode(&b, &len, &r, err, sizeof err), ==, SJ_EINVAL);
	officer(&r);
	r.u.person.id = "3207 0001";
	CHECK_INT(record_encode(&b, &len, &r, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "certificate must be 1..64 bytes of printable ASCII");
	officer(&r);
	r.u.person.name = "";
	CHECK_INT(record_encode(&b, &len, &r, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "name is empty");
	officer(&r);
	r.u.person.status = 9;
	CHECK_INT(record_encode(&b, &len, &r, err, sizeof err), ==, SJ_EINVAL);
}

static int from_hex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = strlen(hex) / 2;
	if (n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

TEST(record_decode_roundtrip, "a golden encoding decodes to its fields and encodes back to the "
                              "same bytes")
{
	uint8_t b[256], *again;
	struct record *r;
	size_t again_len;
	char err[256];
	int n = from_hex(b, sizeof b, OFFICER_HEX);

	CHECK(n > 0);
	CHECK_INT(record_decode(&r, b, (size_t)n, err, sizeof err), ==, SJ_OK);
	CHECK_INT(r->kind, ==, RECORD_OFFICER);
	CHECK(strcmp(r->u.person.name, "张三") == 0);
	CHECK_INT(r->u.person.qualifications.n, ==, 2);
	CHECK(strcmp(r->u.person.qualifications.v[1], "food") == 0);
	CHECK_INT(r->u.person.specialties.n, ==, 0);
	CHECK_INT(record_encode(&again, &again_len, r, err, sizeof err), ==, SJ_OK);
	CHECK_INT(again_len, ==, n);
	CHECK_MEM(again, b, again_len);
	free(again);
	free(r);
}

TEST(record_decode_refuses, "a record decoder refuses a trailing byte, a cut field, an unknown "
                            "kind or status, and an unsorted set")
{
	uint8_t b[256], t[257];
	struct record *r;
	char err[256];
	int n = from_hex(b, sizeof b, OFFICER_HEX);

	CHECK(n > 0);
	memcpy(t, b, (size_t)n);
	t[n] = 0;
	CHECK_INT(record_decode(&r, t, (size_t)n + 1, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "1 bytes after the last field");
	CHECK_INT(record_decode(&r, b, (size_t)n - 1, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "ends inside a field");
	memcpy(t, b, (size_t)n);
	t[5] = 7;
	CHECK_INT(record_decode(&r, t, (size_t)n, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "unknown record kind 7");
	memcpy(t, b, (size_t)n);
	t[n - 1] = 4; /* status 4 does not exist for people */
	CHECK_INT(record_decode(&r, t, (size_t)n, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "status has no value 4");
	/* Swap the two qualifications: "food" before "drug". */
	n = from_hex(
	    t, sizeof t,
	    "534a445201020833323037303030310006e5bca0e4b8890473636a670204666f6f640464727567"
	    "0001");
	CHECK_INT(record_decode(&r, t, (size_t)n, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "not strictly ascending");
	CHECK_INT(record_decode(&r, t, RECORD_MAX_SIZE + 1, err, sizeof err), ==, SJ_ERANGE);
}

TEST(record_key_order, "R12: conflicts order by person kind, then object, then person, as draw "
                       "inputs do")
{
	struct record a, b;
	memset(&a, 0, sizeof a);
	a.kind = b.kind = RECORD_CONFLICT;
	a.u.conflict.person_kind = PERSON_OFFICER;
	a.u.conflict.object = "B";
	a.u.conflict.person = "1";
	b = a;
	b.u.conflict.object = "A";
	b.u.conflict.person = "2";
	CHECK(record_key_cmp(&a, &b) > 0);
	b.u.conflict.person_kind = PERSON_EXPERT;
	CHECK(record_key_cmp(&a, &b) < 0);
	b = a;
	CHECK(record_key_cmp(&a, &b) == 0);
}
