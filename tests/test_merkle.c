/*
 * test_merkle.c: the RFC 9162 Merkle tree of ledger/merkle.c against known
 * answers, the RFC's worked example, the transparency-dev/merkle vectors,
 * and two references written here straight from the RFC text: a recursive
 * one for MTH, PATH and SUBPROOF (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1) and a
 * literal transcription of the verification loops (2.1.3.2, 2.1.4.2).
 */
#define _POSIX_C_SOURCE 200809L

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "ledger/merkle.h"
#include "tests/harness.h"

/* gcc 12 at some optimisation levels thinks f.nodes[i] below may be past
 * the array (it is not: i < 64, the array's length) and warns. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif

/* Like CHECK, for helpers that return int: 0 when all held, -1 after
 * reporting the first failure. */
#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			char m_[400];                                                              \
			snprintf(m_, sizeof m_, __VA_ARGS__);                                      \
			harness_fail(__FILE__, __LINE__, m_);                                      \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

/* Room for any proof plus the twins' one extra hash. */
#define PROOF_ROOM (MERKLE_MAX_PROOF + 2)

static void hex_hash(merkle_hash out, const char *hex)
{
	size_t n = 0;

	if (sodium_hex2bin(out, MERKLE_HASH_SIZE, hex, strlen(hex), NULL, &n, NULL) != 0 ||
	    n != MERKLE_HASH_SIZE)
		abort(); /* a typo in this file's constants */
}

static size_t hex_bytes(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	if (sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &n, NULL) != 0)
		abort();
	return n;
}

/* A deterministic PRNG (splitmix64), so every run tests the same trees. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void random_leaves(merkle_hash *leaves, size_t n, uint64_t seed)
{
	rng_state = seed;
	for (size_t i = 0; i < n; i++) {
		uint8_t data[24];
		size_t len = (size_t)(rng() % sizeof data);

		for (size_t j = 0; j < len; j++)
			data[j] = (uint8_t)rng();
		merkle_leaf_hash(leaves[i], data, len);
	}
}

/* ------------------------------------------------------------------ */
/* The recursive reference, from the RFC 9162 2.1 definitions. Leaves are
 * given as leaf hashes, so MTH of one leaf is its hash. */

static void ref_node(merkle_hash out, const merkle_hash l, const merkle_hash r)
{
	uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];

	buf[0] = 0x01;
	memcpy(buf + 1, l, MERKLE_HASH_SIZE);
	memcpy(buf + 1 + MERKLE_HASH_SIZE, r, MERKLE_HASH_SIZE);
	crypto_hash_sha256(out, buf, sizeof buf);
}

/* "k is the largest power of two smaller than n (i.e., k < n <= 2k)" */
static uint64_t ref_k(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(merkle_hash out, const merkle_hash *d, uint64_t n)
{
	merkle_hash l, r;
	uint64_t k;

	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], MERKLE_HASH_SIZE);
		return;
	}
	k = ref_k(n);
	ref_mth(l, d, k);
	ref_mth(r, d + k, n - k);
	ref_node(out, l, r);
}

/* PATH(m, D[n]) */
static void ref_path(merkle_hash *out, size_t *len, uint64_t m, const merkle_hash *d, uint64_t n)
{
	uint64_t k;

	if (n == 1) {
		*len = 0;
		return;
	}
	k = ref_k(n);
	if (m < k) {
		ref_path(out, len, m, d, k);
		ref_mth(out[(*len)++], d + k, n - k);
	} else {
		ref_path(out, len, m - k, d + k, n - k);
		ref_mth(out[(*len)++], d, k);
	}
}

/* SUBPROOF(m, D[n], b) */
static void ref_subproof(merkle_hash *out, size_t *len, uint64_t m, const merkle_hash *d,
                         uint64_t n, int b)
{
	uint64_t k;

	if (m == n) {
		*len = 0;
		if (!b)
			ref_mth(out[(*len)++], d, n);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(out, len, m, d, k, b);
		ref_mth(out[(*len)++], d + k, n - k);
	} else {
		ref_subproof(out, len, m - k, d + k, n - k, 0);
		ref_mth(out[(*len)++], d, k);
	}
}

/* RFC 9162 2.1.3.2, step by step. Returns 1 when the proof verifies. */
static int rfc_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf,
                                const merkle_hash *path, size_t n, const merkle_hash root)
{
	uint64_t fn, sn;
	merkle_hash r;

	if (index >= size)
		return 0;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_SIZE);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			ref_node(r, path[i], r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ref_node(r, r, path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, MERKLE_HASH_SIZE) == 0;
}

/* RFC 9162 2.1.4.2, step by step, for its stated case 0 < first < second.
 * Returns 1 when the proof verifies. */
static int rfc_verify_consistency(uint64_t first, uint64_t second, const merkle_hash first_hash,
                                  const merkle_hash second_hash, const merkle_hash *proof, size_t n)
{
	merkle_hash path[PROOF_ROOM + 1], fr, sr;
	size_t len = 0;
	uint64_t fn, sn;

	if (first == 0 || first >= second || n == 0 || n > PROOF_ROOM)
		return 0;
	if ((first & (first - 1)) == 0)
		memcpy(path[len++], first_hash, MERKLE_HASH_SIZE);
	memcpy(path[len], proof, n * MERKLE_HASH_SIZE);
	len += n;
	fn = first - 1;
	sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, path[0], MERKLE_HASH_SIZE);
	memcpy(sr, path[0], MERKLE_HASH_SIZE);
	for (size_t i = 1; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			ref_node(fr, path[i], fr);
			ref_node(sr, path[i], sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ref_node(sr, sr, path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return memcmp(fr, first_hash, MERKLE_HASH_SIZE) == 0 &&
	       memcmp(sr, second_hash, MERKLE_HASH_SIZE) == 0 && sn == 0;
}

/* ------------------------------------------------------------------ */
/* Known answers. The leaves, roots and proofs below are the test data of
 * transparency-dev/merkle, proof/verify_test.go (the variables leaves,
 * roots, inclusionProofs and consistencyProofs), which carries them over
 * from google/certificate-transparency's C++ merkle_tree_test.cc. */

static const char *const kat_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

static const char *const kat_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* a is a leaf index (from 0) or the old size, b the tree size. */
struct kat_proof {
	uint64_t a, b;
	size_t n;
	const char *hashes[3];
};

static const struct kat_proof kat_inclusion[] = {
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const struct kat_proof kat_consistency[] = {
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static void kat_leaf_hashes(merkle_hash leaves[8])
{
	for (int i = 0; i < 8; i++) {
		uint8_t data[16];
		size_t n = hex_bytes(data, sizeof data, kat_leaves[i]);

		merkle_leaf_hash(leaves[i], n == 0 ? NULL : data, n);
	}
}

TEST(test_merkle_empty_root, "the root of the empty tree is SHA-256 of the empty string, "
                             "not the root of a tree holding one empty entry")
{
	merkle_hash want, got, one;
	struct merkle_frontier f;

	hex_hash(want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	merkle_empty_root(got);
	CHECK_MEM(got, want, MERKLE_HASH_SIZE);
	memset(got, 0, sizeof got);
	CHECK_INT(merkle_root(got, NULL, 0), ==, SJ_OK);
	CHECK_MEM(got, want, MERKLE_HASH_SIZE);
	merkle_frontier_init(&f);
	merkle_frontier_root(&f, got);
	CHECK_MEM(got, want, MERKLE_HASH_SIZE);

	/* The twin: one empty entry hashes with its 0x00 prefix. */
	merkle_leaf_hash(one, NULL, 0);
	CHECK(memcmp(one, want, MERKLE_HASH_SIZE) != 0);
	hex_hash(want, kat_roots[0]);
	CHECK_MEM(one, want, MERKLE_HASH_SIZE);
}

TEST(test_merkle_domain_separation, "leaf hashes take the 0x00 prefix and node hashes the 0x01 "
                                    "prefix, so 64 bytes of entry never hash like two children")
{
	uint8_t buf[1 + 64];
	merkle_hash l, r, want, got, leaf64, alias;

	random_leaves(&l, 1, 1);
	random_leaves(&r, 1, 2);
	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	crypto_hash_sha256(want, buf, sizeof buf);
	merkle_node_hash(got, l, r);
	CHECK_MEM(got, want, 32);

	buf[0] = 0x00;
	crypto_hash_sha256(want, buf, sizeof buf);
	merkle_leaf_hash(leaf64, buf + 1, 64);
	CHECK_MEM(leaf64, want, 32);
	CHECK(memcmp(leaf64, got, 32) != 0);

	/* out may alias either child. */
	memcpy(alias, l, 32);
	merkle_node_hash(alias, alias, r);
	CHECK_MEM(alias, got, 32);
	memcpy(alias, r, 32);
	merkle_node_hash(alias, l, alias);
	CHECK_MEM(alias, got, 32);
}

TEST(test_merkle_known_roots, "the roots of the classic CT test trees of 1 to 8 entries are the "
                              "published ones, and a changed entry changes them")
{
	merkle_hash leaves[8], want, got;
	struct merkle_frontier f;

	kat_leaf_hashes(leaves);
	merkle_frontier_init(&f);
	for (int n = 1; n <= 8; n++) {
		hex_hash(want, kat_roots[n - 1]);
		CHECK_INT(merkle_root(got, leaves, (uint64_t)n), ==, SJ_OK);
		CHECK_MEM(got, want, MERKLE_HASH_SIZE);
		merkle_frontier_push(&f, leaves[n - 1]);
		merkle_frontier_root(&f, got);
		CHECK_MEM(got, want, MERKLE_HASH_SIZE);
	}
	/* The twin: flip one bit of the last entry's hash. */
	leaves[7][0] ^= 1;
	CHECK_INT(merkle_root(got, leaves, 8), ==, SJ_OK);
	CHECK(memcmp(got, want, MERKLE_HASH_SIZE) != 0);
}

TEST(test_merkle_known_proofs, "the published inclusion and consistency proofs of the CT test "
                               "trees are generated exactly, verify, and fail with a flipped bit")
{
	merkle_hash leaves[8], root, root1, want[3], got[PROOF_ROOM];
	size_t len;

	kat_leaf_hashes(leaves);
	for (size_t t = 0; t < sizeof kat_inclusion / sizeof kat_inclusion[0]; t++) {
		const struct kat_proof *k = &kat_inclusion[t];

		for (size_t i = 0; i < k->n; i++)
			hex_hash(want[i], k->hashes[i]);
		CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, leaves, k->b, k->a), ==,
		          SJ_OK);
		CHECK_INT(len, ==, k->n);
		CHECK_MEM(got, want, k->n * MERKLE_HASH_SIZE);
		hex_hash(root, kat_roots[k->b - 1]);
		CHECK_INT(merkle_verify_inclusion(k->a, k->b, leaves[k->a], got, len, root), ==,
		          SJ_OK);
		got[len - 1][5] ^= 0x20;
		CHECK_INT(merkle_verify_inclusion(k->a, k->b, leaves[k->a], got, len, root), ==,
		          SJ_EVERIFY);
	}
	for (size_t t = 0; t < sizeof kat_consistency / sizeof kat_consistency[0]; t++) {
		const struct kat_proof *k = &kat_consistency[t];

		for (size_t i = 0; i < k->n; i++)
			hex_hash(want[i], k->hashes[i]);
		CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, leaves, k->a, k->b), ==,
		          SJ_OK);
		CHECK_INT(len, ==, k->n);
		CHECK_MEM(got, want, k->n * MERKLE_HASH_SIZE);
		hex_hash(root1, kat_roots[k->a - 1]);
		hex_hash(root, kat_roots[k->b - 1]);
		CHECK_INT(merkle_verify_consistency(k->a, k->b, root1, root, got, len), ==, SJ_OK);
		got[0][31] ^= 0x01;
		CHECK_INT(merkle_verify_consistency(k->a, k->b, root1, root, got, len), ==,
		          SJ_EVERIFY);
	}
}

/*
 * RFC 9162 2.1.5 draws a tree of seven entries d0..d6 with leaves a..f, d6
 * and interior nodes g = (a, b), h = (c, d), i = (e, f), j = d6's leaf,
 * k = (g, h), l = (i, j), and gives its proofs in those letters.
 */
TEST(test_merkle_rfc9162_example, "the proofs of the RFC 9162 2.1.5 example tree of seven "
                                  "entries are the ones the RFC lists, and verify")
{
	merkle_hash d[7], g, h, i, k, l, root, root_m, got[PROOF_ROOM];
	const uint8_t *b = d[1], *c = d[2], *dd = d[3], *f = d[5], *j = d[6];
	size_t len;

	random_leaves(d, 7, 2115);
	ref_node(g, d[0], d[1]);
	ref_node(h, d[2], d[3]);
	ref_node(i, d[4], d[5]);
	ref_node(k, g, h);
	ref_node(l, i, j);
	ref_node(root, k, l);
	CHECK_INT(merkle_root(got[0], d, 7), ==, SJ_OK);
	CHECK_MEM(got[0], root, 32);

	/* "The inclusion proof for d0 is [b, h, l]." */
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, d, 7, 0), ==, SJ_OK);
	CHECK_INT(len, ==, 3);
	CHECK_MEM(got[0], b, 32);
	CHECK_MEM(got[1], h, 32);
	CHECK_MEM(got[2], l, 32);
	CHECK_INT(merkle_verify_inclusion(0, 7, d[0], got, len, root), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(1, 7, d[0], got, len, root), ==, SJ_EVERIFY);
	/* "The inclusion proof for d3 is [c, g, l]." */
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, d, 7, 3), ==, SJ_OK);
	CHECK_INT(len, ==, 3);
	CHECK_MEM(got[0], c, 32);
	CHECK_MEM(got[1], g, 32);
	CHECK_MEM(got[2], l, 32);
	CHECK_INT(merkle_verify_inclusion(3, 7, d[3], got, len, root), ==, SJ_OK);
	/* "The inclusion proof for d4 is [f, j, k]." */
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, d, 7, 4), ==, SJ_OK);
	CHECK_INT(len, ==, 3);
	CHECK_MEM(got[0], f, 32);
	CHECK_MEM(got[1], j, 32);
	CHECK_MEM(got[2], k, 32);
	CHECK_INT(merkle_verify_inclusion(4, 7, d[4], got, len, root), ==, SJ_OK);
	/* "The inclusion proof for d6 is [i, k]." */
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, d, 7, 6), ==, SJ_OK);
	CHECK_INT(len, ==, 2);
	CHECK_MEM(got[0], i, 32);
	CHECK_MEM(got[1], k, 32);
	CHECK_INT(merkle_verify_inclusion(6, 7, d[6], got, len, root), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(6, 7, d[5], got, len, root), ==, SJ_EVERIFY);

	/* "The consistency proof between hash0 and hash is PROOF(3, D[7]) =
	 * [c, d, g, l]." */
	CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, d, 3, 7), ==, SJ_OK);
	CHECK_INT(len, ==, 4);
	CHECK_MEM(got[0], c, 32);
	CHECK_MEM(got[1], dd, 32);
	CHECK_MEM(got[2], g, 32);
	CHECK_MEM(got[3], l, 32);
	ref_node(root_m, g, c);
	CHECK_INT(merkle_verify_consistency(3, 7, root_m, root, got, len), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(3, 7, root, root_m, got, len), ==, SJ_EVERIFY);
	/* "... between hash1 and hash is PROOF(4, D[7]) = [l]." */
	CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, d, 4, 7), ==, SJ_OK);
	CHECK_INT(len, ==, 1);
	CHECK_MEM(got[0], l, 32);
	CHECK_INT(merkle_verify_consistency(4, 7, k, root, got, len), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(4, 7, g, root, got, len), ==, SJ_EVERIFY);
	/* "... between hash2 and hash is PROOF(6, D[7]) = [i, j, k]." */
	CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, d, 6, 7), ==, SJ_OK);
	CHECK_INT(len, ==, 3);
	CHECK_MEM(got[0], i, 32);
	CHECK_MEM(got[1], j, 32);
	CHECK_MEM(got[2], k, 32);
	ref_node(root_m, k, i);
	CHECK_INT(merkle_verify_consistency(6, 7, root_m, root, got, len), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(6, 7, root_m, root, got, 2), ==, SJ_EINVAL);
}

TEST(test_merkle_generation_errors, "proof generation refuses an index past the tree, an old size "
                                    "of 0 or past the new one, and a proof buffer too small")
{
	merkle_hash leaves[8], got[PROOF_ROOM];
	size_t len = 99;

	random_leaves(leaves, 8, 3);
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, leaves, 8, 7), ==, SJ_OK);
	CHECK_INT(len, ==, 3);
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, leaves, 8, 8), ==, SJ_ERANGE);
	CHECK_INT(merkle_inclusion_proof(got, &len, PROOF_ROOM, leaves, 0, 0), ==, SJ_ERANGE);
	CHECK_INT(merkle_inclusion_proof(got, &len, 3, leaves, 8, 0), ==, SJ_OK);
	CHECK_INT(merkle_inclusion_proof(got, &len, 2, leaves, 8, 0), ==, SJ_ERANGE);
	CHECK_INT(merkle_inclusion_proof(got, &len, 0, leaves, 1, 0), ==, SJ_OK);
	CHECK_INT(len, ==, 0);

	CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, leaves, 3, 8), ==, SJ_OK);
	CHECK_INT(len, ==, 4);
	CHECK_INT(merkle_consistency_proof(got, &len, 4, leaves, 3, 8), ==, SJ_OK);
	CHECK_INT(merkle_consistency_proof(got, &len, 3, leaves, 3, 8), ==, SJ_ERANGE);
	CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, leaves, 0, 8), ==, SJ_ERANGE);
	CHECK_INT(merkle_consistency_proof(got, &len, PROOF_ROOM, leaves, 8, 7), ==, SJ_ERANGE);
	len = 99;
	CHECK_INT(merkle_consistency_proof(got, &len, 0, leaves, 8, 8), ==, SJ_OK);
	CHECK_INT(len, ==, 0);
}

TEST(test_merkle_verify_errors, "verification tells a malformed request (SJ_EINVAL) from a proof "
                                "that does not hold (SJ_EVERIFY)")
{
	merkle_hash leaves[8], root, root3, p[PROOF_ROOM];
	size_t len;

	random_leaves(leaves, 8, 4);
	CHECK_INT(merkle_root(root, leaves, 8), ==, SJ_OK);
	CHECK_INT(merkle_root(root3, leaves, 3), ==, SJ_OK);
	CHECK_INT(merkle_inclusion_proof(p, &len, PROOF_ROOM, leaves, 8, 2), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(2, 8, leaves[2], p, len, root), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(8, 8, leaves[2], p, len, root), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_inclusion(0, 0, leaves[2], p, 0, root), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_inclusion(2, 8, leaves[2], p, len - 1, root), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_inclusion(2, 8, leaves[2], p, len + 1, root), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_inclusion(2, 8, leaves[3], p, len, root), ==, SJ_EVERIFY);
	CHECK_INT(merkle_verify_inclusion(0, 1, leaves[0], p, 0, leaves[0]), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(0, 1, leaves[0], p, 0, leaves[1]), ==, SJ_EVERIFY);

	CHECK_INT(merkle_consistency_proof(p, &len, PROOF_ROOM, leaves, 3, 8), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(3, 8, root3, root, p, len), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(8, 3, root, root3, p, len), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_consistency(3, 8, root3, root, p, 0), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_consistency(3, 8, root3, root, p, len - 1), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_consistency(3, 8, root3, root, p, len + 1), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_consistency(3, 8, root, root, p, len), ==, SJ_EVERIFY);
	/* Equal sizes: the roots must match and the proof be empty. */
	CHECK_INT(merkle_verify_consistency(8, 8, root, root, p, 0), ==, SJ_OK);
	CHECK_INT(merkle_verify_consistency(8, 8, root, root3, p, 0), ==, SJ_EVERIFY);
	CHECK_INT(merkle_verify_consistency(8, 8, root, root, p, 1), ==, SJ_EINVAL);
	/* From the empty tree there is nothing to prove, and no proof. */
	CHECK_INT(merkle_verify_consistency(0, 8, root3, root, p, 0), ==, SJ_EINVAL);
	CHECK_INT(merkle_verify_consistency(0, 0, root, root, p, 0), ==, SJ_EINVAL);
}

TEST(test_merkle_huge_sizes, "proof lengths are right at the top of the 64-bit range, where a "
                             "path spans all 64 levels, and agree with the RFC's own loops")
{
	const uint64_t max = UINT64_MAX;
	const uint64_t cases[][2] = {
	    {0, max},
	    {max - 1, max},
	    {max / 2, max},
	    {(uint64_t)1 << 63, max},
	    {((uint64_t)1 << 63) - 1, (uint64_t)1 << 63},
	    {5, max},
	    {max - 2, max - 1},
	};
	merkle_hash p[PROOF_ROOM], leaf, root;

	random_leaves(p, PROOF_ROOM, 5);
	random_leaves(&leaf, 1, 6);
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		uint64_t index = cases[t][0], size = cases[t][1];
		size_t want = 0;
		int ok_len = 0;

		/* Find the one proof length the verifier accepts. */
		for (size_t n = 0; n <= 66; n++) {
			int rc = merkle_verify_inclusion(index, size, leaf, p, n, leaf);

			if (rc != SJ_EINVAL) {
				CHECK_INT(rc, ==, SJ_EVERIFY);
				want = n;
				ok_len++;
			}
		}
		CHECK_INT(ok_len, ==, 1);
		CHECK(want <= 64);
		/* Build the root that this path implies, then both verifiers
		 * must accept it. */
		{
			uint64_t fn = index, sn = size - 1;

			memcpy(root, leaf, 32);
			for (size_t i = 0; i < want; i++) {
				if ((fn & 1) || fn == sn) {
					ref_node(root, p[i], root);
					while (!(fn & 1) && fn != 0) {
						fn >>= 1;
						sn >>= 1;
					}
				} else {
					ref_node(root, root, p[i]);
				}
				fn >>= 1;
				sn >>= 1;
			}
		}
		CHECK(rfc_verify_inclusion(index, size, leaf, p, want, root));
		CHECK_INT(merkle_verify_inclusion(index, size, leaf, p, want, root), ==, SJ_OK);
		root[0] ^= 1;
		CHECK(!rfc_verify_inclusion(index, size, leaf, p, want, root));
		CHECK_INT(merkle_verify_inclusion(index, size, leaf, p, want, root), ==,
		          SJ_EVERIFY);
	}
	/* Consistency between huge sizes: exactly one proof length is
	 * well-formed. */
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		uint64_t size1 = cases[t][0] + 1, size2 = cases[t][1];
		int ok_len = 0;

		if (size1 >= size2)
			continue;
		for (size_t n = 0; n <= PROOF_ROOM; n++)
			if (merkle_verify_consistency(size1, size2, leaf, leaf, p, n) != SJ_EINVAL)
				ok_len++;
		CHECK_INT(ok_len, ==, 1);
	}
}

/* ------------------------------------------------------------------ */
/* The differential tests. */

#define DIFF_MAX 300

/* Checks one inclusion proof and its forgery twins; 0 when all held. */
static int check_inclusion(const merkle_hash *leaves, uint64_t n, uint64_t index,
                           const merkle_hash root, unsigned *size_unbound)
{
	merkle_hash got[PROOF_ROOM], want[PROOF_ROOM], twin[PROOF_ROOM], leaf;
	size_t len, want_len;
	int rc;

	EXPECT(merkle_inclusion_proof(got, &len, PROOF_ROOM, leaves, n, index) == SJ_OK,
	       "proof of %llu in %llu", (unsigned long long)index, (unsigned long long)n);
	ref_path(want, &want_len, index, leaves, n);
	EXPECT(len == want_len && memcmp(got, want, len * 32) == 0,
	       "PATH(%llu, D[%llu]) differs from the reference", (unsigned long long)index,
	       (unsigned long long)n);
	EXPECT(merkle_verify_inclusion(index, n, leaves[index], got, len, root) == SJ_OK,
	       "proof of %llu in %llu does not verify", (unsigned long long)index,
	       (unsigned long long)n);
	EXPECT(rfc_verify_inclusion(index, n, leaves[index], got, len, root),
	       "RFC loop rejects proof of %llu in %llu", (unsigned long long)index,
	       (unsigned long long)n);

	/* A flipped bit in any hash of the proof. */
	for (size_t i = 0; i < len; i++) {
		memcpy(twin, got, len * 32);
		twin[i][(i * 7) % 32] ^= (uint8_t)(1u << (i % 8));
		EXPECT(merkle_verify_inclusion(index, n, leaves[index], twin, len, root) ==
		           SJ_EVERIFY,
		       "flipped hash %zu of proof of %llu in %llu verifies", i,
		       (unsigned long long)index, (unsigned long long)n);
		EXPECT(!rfc_verify_inclusion(index, n, leaves[index], twin, len, root),
		       "RFC loop accepts a flipped hash");
	}
	/* Another leaf, another root. */
	memcpy(leaf, leaves[index], 32);
	leaf[17] ^= 0x10;
	EXPECT(merkle_verify_inclusion(index, n, leaf, got, len, root) == SJ_EVERIFY,
	       "another leaf verifies");
	memcpy(leaf, root, 32);
	leaf[0] ^= 0x80;
	EXPECT(merkle_verify_inclusion(index, n, leaves[index], got, len, leaf) == SJ_EVERIFY,
	       "another root verifies");
	/* Another index: the same proof read at a neighbouring position. */
	for (int d = -2; d <= 2; d++) {
		uint64_t other = index + (uint64_t)(int64_t)d;

		if (d == 0 || (d < 0 && index < (uint64_t)-d) || other >= n)
			continue;
		rc = merkle_verify_inclusion(other, n, leaves[index], got, len, root);
		EXPECT(rc == SJ_EVERIFY || rc == SJ_EINVAL,
		       "proof of %llu verifies at %llu in %llu", (unsigned long long)index,
		       (unsigned long long)other, (unsigned long long)n);
		EXPECT(!rfc_verify_inclusion(other, n, leaves[index], got, len, root),
		       "RFC loop accepts another index");
	}
	/* A truncated proof, and one with an extra hash. */
	if (len > 0)
		EXPECT(merkle_verify_inclusion(index, n, leaves[index], got, len - 1, root) ==
		           SJ_EINVAL,
		       "truncated proof accepted");
	memcpy(twin, got, len * 32);
	memcpy(twin[len], root, 32);
	EXPECT(merkle_verify_inclusion(index, n, leaves[index], twin, len + 1, root) == SJ_EINVAL,
	       "lengthened proof accepted");
	EXPECT(!rfc_verify_inclusion(index, n, leaves[index], twin, len + 1, root),
	       "RFC loop accepts a lengthened proof");

	/*
	 * Another tree size. An inclusion proof does not commit to the tree
	 * size: the checkpoint does. When another size gives the path the
	 * same shape (the same siblings on the same sides), the same hashes
	 * reach the same root and the proof verifies; both the RFC's loop and
	 * ours say so. Otherwise it must fail.
	 */
	{
		uint64_t sizes[3] = {n + 1, n - 1, 2 * n};

		for (int s = 0; s < 3; s++) {
			if (sizes[s] <= index)
				continue;
			rc =
			    merkle_verify_inclusion(index, sizes[s], leaves[index], got, len, root);
			EXPECT((rc == SJ_OK) == rfc_verify_inclusion(index, sizes[s], leaves[index],
			                                             got, len, root),
			       "size %llu for proof of %llu in %llu: verifiers disagree",
			       (unsigned long long)sizes[s], (unsigned long long)index,
			       (unsigned long long)n);
			EXPECT(rc == SJ_OK || rc == SJ_EINVAL || rc == SJ_EVERIFY, "bad code");
			if (rc == SJ_OK)
				(*size_unbound)++;
		}
	}
	return 0;
}

/* Checks one consistency proof and its forgery twins; 0 when all held. */
static int check_consistency(const merkle_hash *leaves, uint64_t m, uint64_t n,
                             const merkle_hash root1, const merkle_hash root2,
                             unsigned *size_unbound)
{
	merkle_hash got[PROOF_ROOM], want[PROOF_ROOM], twin[PROOF_ROOM], bad;
	size_t len, want_len;
	int rc;

	EXPECT(merkle_consistency_proof(got, &len, PROOF_ROOM, leaves, m, n) == SJ_OK,
	       "proof %llu -> %llu", (unsigned long long)m, (unsigned long long)n);
	if (m == n) {
		EXPECT(len == 0, "proof between equal sizes is not empty");
		EXPECT(merkle_verify_consistency(m, n, root1, root2, got, len) == SJ_OK,
		       "equal sizes do not verify");
		return 0;
	}
	ref_subproof(want, &want_len, m, leaves, n, 1);
	EXPECT(len == want_len && memcmp(got, want, len * 32) == 0,
	       "PROOF(%llu, D[%llu]) differs from the reference", (unsigned long long)m,
	       (unsigned long long)n);
	EXPECT(merkle_verify_consistency(m, n, root1, root2, got, len) == SJ_OK,
	       "proof %llu -> %llu does not verify", (unsigned long long)m, (unsigned long long)n);
	EXPECT(rfc_verify_consistency(m, n, root1, root2, got, len),
	       "RFC loop rejects proof %llu -> %llu", (unsigned long long)m, (unsigned long long)n);

	for (size_t i = 0; i < len; i++) {
		memcpy(twin, got, len * 32);
		twin[i][(i * 5) % 32] ^= (uint8_t)(1u << (i % 8));
		EXPECT(merkle_verify_consistency(m, n, root1, root2, twin, len) == SJ_EVERIFY,
		       "flipped hash %zu of proof %llu -> %llu verifies", i, (unsigned long long)m,
		       (unsigned long long)n);
		EXPECT(!rfc_verify_consistency(m, n, root1, root2, twin, len),
		       "RFC loop accepts a flipped hash");
	}
	memcpy(bad, root1, 32);
	bad[3] ^= 4;
	EXPECT(merkle_verify_consistency(m, n, bad, root2, got, len) == SJ_EVERIFY,
	       "another old root verifies");
	memcpy(bad, root2, 32);
	bad[3] ^= 4;
	EXPECT(merkle_verify_consistency(m, n, root1, bad, got, len) == SJ_EVERIFY,
	       "another new root verifies");
	EXPECT(merkle_verify_consistency(m, n, root2, root1, got, len) != SJ_OK,
	       "swapped roots verify");
	EXPECT(merkle_verify_consistency(m, n, root1, root2, got, len - 1) == SJ_EINVAL,
	       "truncated proof accepted");
	EXPECT(!rfc_verify_consistency(m, n, root1, root2, got, len - 1),
	       "RFC loop accepts a truncated proof");
	memcpy(twin, got, len * 32);
	memcpy(twin[len], root2, 32);
	EXPECT(merkle_verify_consistency(m, n, root1, root2, twin, len + 1) == SJ_EINVAL,
	       "lengthened proof accepted");
	EXPECT(!rfc_verify_consistency(m, n, root1, root2, twin, len + 1),
	       "RFC loop accepts a lengthened proof");

	/* Another old size, with the old root kept: the proof must fail, as
	 * it cannot rebuild root1 as a tree of that size. */
	for (int d = -1; d <= 1; d += 2) {
		uint64_t other = m + (uint64_t)(int64_t)d;

		if (other == 0 || other >= n)
			continue;
		rc = merkle_verify_consistency(other, n, root1, root2, got, len);
		EXPECT(rc == SJ_EVERIFY || rc == SJ_EINVAL, "proof %llu -> %llu verifies from %llu",
		       (unsigned long long)m, (unsigned long long)n, (unsigned long long)other);
		EXPECT(!rfc_verify_consistency(other, n, root1, root2, got, len),
		       "RFC loop accepts another old size");
	}
	/* Another new size: as for inclusion proofs, the new size is bound by
	 * the checkpoint, and a size giving the same shape verifies in both
	 * verifiers alike. */
	{
		uint64_t sizes[3] = {n + 1, n - 1, 2 * n};

		for (int s = 0; s < 3; s++) {
			if (sizes[s] <= m)
				continue;
			rc = merkle_verify_consistency(m, sizes[s], root1, root2, got, len);
			EXPECT((rc == SJ_OK) ==
			           rfc_verify_consistency(m, sizes[s], root1, root2, got, len),
			       "new size %llu for proof %llu -> %llu: verifiers disagree",
			       (unsigned long long)sizes[s], (unsigned long long)m,
			       (unsigned long long)n);
			if (rc == SJ_OK)
				(*size_unbound)++;
		}
	}
	return 0;
}

/* The indices to try in a tree of n: all of them in small trees, the
 * edges and a few random ones in larger. */
static size_t pick(uint64_t *out, uint64_t lo, uint64_t n)
{
	size_t k = 0;

	if (n - lo <= 100) {
		for (uint64_t i = lo; i < n; i++)
			out[k++] = i;
		return k;
	}
	out[k++] = lo;
	out[k++] = lo + 1;
	out[k++] = n / 2;
	out[k++] = n - 2;
	out[k++] = n - 1;
	for (int r = 0; r < 4; r++)
		out[k++] = lo + rng() % (n - lo);
	return k;
}

TEST(test_merkle_differential_roots, "merkle_root and the frontier match the recursive MTH of "
                                     "RFC 9162 2.1.1 on every tree of 0 to 300 random entries "
                                     "and on larger ones, node by node")
{
	static merkle_hash leaves[5000];
	merkle_hash want, got;
	struct merkle_frontier f;

	random_leaves(leaves, 5000, 42);
	merkle_frontier_init(&f);
	for (uint64_t n = 0; n <= DIFF_MAX; n++) {
		uint64_t off = 0;

		if (n > 0)
			merkle_frontier_push(&f, leaves[n - 1]);
		ref_mth(want, leaves, n);
		CHECK_INT(merkle_root(got, leaves, n), ==, SJ_OK);
		CHECK_MEM(got, want, 32);
		merkle_frontier_root(&f, got);
		CHECK_MEM(got, want, 32);
		CHECK_INT(f.size, ==, n);
		/* The compact range: nodes[i] is the perfect subtree of 2^i
		 * leaves after those of the larger set bits. */
		for (int i = 63; i >= 0; i--) {
			if (!((n >> i) & 1))
				continue;
			ref_mth(want, leaves + off, (uint64_t)1 << i);
			CHECK_MEM(f.nodes[i], want, 32);
			off += (uint64_t)1 << i;
		}
	}
	for (uint64_t n = DIFF_MAX + 1; n <= 5000; n++) {
		merkle_frontier_push(&f, leaves[n - 1]);
		if (n == 511 || n == 512 || n == 513 || n == 1023 || n == 1024 || n == 4097 ||
		    n == 5000) {
			ref_mth(want, leaves, n);
			CHECK_INT(merkle_root(got, leaves, n), ==, SJ_OK);
			CHECK_MEM(got, want, 32);
			merkle_frontier_root(&f, got);
			CHECK_MEM(got, want, 32);
		}
	}
	/* The twin: one changed leaf changes the root. */
	leaves[4321][9] ^= 2;
	CHECK_INT(merkle_root(got, leaves, 5000), ==, SJ_OK);
	CHECK(memcmp(got, want, 32) != 0);
}

TEST(test_merkle_differential_inclusion,
     "inclusion proofs match PATH of RFC 9162 2.1.3.1 for every "
     "leaf of trees of 1 to 100 entries and sampled leaves up "
     "to 5000, verify, and each forgery twin fails")
{
	static merkle_hash leaves[5000];
	const uint64_t big[] = {511, 512, 513, 1000, 1024, 1025, 2047, 4999};
	uint64_t idx[128];
	merkle_hash root;
	unsigned proofs = 0, unbound = 0;

	random_leaves(leaves, 5000, 43);
	for (uint64_t n = 1; n <= DIFF_MAX + sizeof big / sizeof big[0]; n++) {
		uint64_t size = n <= DIFF_MAX ? n : big[n - DIFF_MAX - 1];
		size_t k = pick(idx, 0, size);

		ref_mth(root, leaves, size);
		for (size_t i = 0; i < k; i++) {
			CHECK_INT(check_inclusion(leaves, size, idx[i], root, &unbound), ==, 0);
			proofs++;
		}
	}
	printf("    %u proofs; %u wrong-size twins had the same shape and verified in both "
	       "verifiers\n",
	       proofs, unbound);
}

TEST(test_merkle_differential_consistency,
     "consistency proofs match PROOF of RFC 9162 2.1.4.1 for "
     "every old size in trees of 1 to 100 entries and sampled "
     "ones up to 5000, verify, and each forgery twin fails")
{
	static merkle_hash leaves[5000];
	static merkle_hash roots[DIFF_MAX + 1];
	const uint64_t big[] = {511, 512, 513, 1000, 1024, 1025, 2047, 4999};
	uint64_t idx[128];
	merkle_hash root1, root2;
	unsigned proofs = 0, unbound = 0;

	random_leaves(leaves, 5000, 44);
	for (uint64_t n = 0; n <= DIFF_MAX; n++)
		ref_mth(roots[n], leaves, n);
	for (uint64_t n = 1; n <= DIFF_MAX + sizeof big / sizeof big[0]; n++) {
		uint64_t size = n <= DIFF_MAX ? n : big[n - DIFF_MAX - 1];
		size_t k = pick(idx, 1, size + 1);

		ref_mth(root2, leaves, size);
		for (size_t i = 0; i < k; i++) {
			uint64_t m = idx[i];

			if (m <= DIFF_MAX)
				memcpy(root1, roots[m], 32);
			else
				ref_mth(root1, leaves, m);
			CHECK_INT(check_consistency(leaves, m, size, root1, root2, &unbound), ==,
			          0);
			proofs++;
		}
	}
	printf("    %u proofs; %u wrong-new-size twins had the same shape and verified in "
	       "both verifiers\n",
	       proofs, unbound);
}

/* ------------------------------------------------------------------ */
/* The transparency-dev/merkle vectors in ../shared/vectors/merkle. */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(1 << 20);
	if (buf != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = '\0';
		*len = n;
	}
	fclose(f);
	return buf;
}

/*
 * cJSON keeps numbers as doubles, which cannot hold every 64-bit index
 * (the vectors use 2^64 - 1 for "leafIdx - 1" of leaf 0), so the integer
 * is read from the text after "key": and cross-checked for type by cJSON.
 */
static int json_u64(const cJSON *obj, const char *text, const char *key, uint64_t *out)
{
	char pat[64];
	const char *p;
	char *end;

	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(obj, key)))
		return -1;
	snprintf(pat, sizeof pat, "\"%s\"", key);
	p = strstr(text, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == ':')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*out = strtoull(p, &end, 10);
	return errno == 0 ? 0 : -1;
}

/* Base64 of a JSON string member into buf; returns its length or -1. */
static long json_b64(const cJSON *obj, const char *key, uint8_t *buf, size_t cap)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t n = 0;

	if (!cJSON_IsString(s))
		return -1;
	if (sodium_base642bin(buf, cap, s->valuestring, strlen(s->valuestring), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return (long)n;
}

/*
 * The C API takes 32-byte hashes, so the test stands in for the decoder
 * that would sit in front of it, and does what the Go verifier does with
 * values of other lengths: a leaf hash or proof hash that is not 32 bytes
 * is refused (Go checks the leaf hash's size, and a proof hash of another
 * size could never chain to a SHA-256 root). A root of another length is
 * only ever compared for equality in Go: it never equals a computed root,
 * and equals an identical root. This maps it to a tagged SHA-256 of its
 * bytes, which keeps both properties.
 */
static int as_root(merkle_hash out, const uint8_t *b, long len)
{
	crypto_hash_sha256_state st;
	uint8_t l = (uint8_t)len;

	if (len < 0)
		return -1;
	if (len == MERKLE_HASH_SIZE) {
		memcpy(out, b, MERKLE_HASH_SIZE);
		return 0;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"test: not a 32-byte root", 24);
	crypto_hash_sha256_update(&st, &l, 1);
	crypto_hash_sha256_update(&st, b, (size_t)len);
	crypto_hash_sha256_final(&st, out);
	return 0;
}

/* Reads "proof" (an array or null) into p; -1 when it is not well-formed,
 * 1 when a hash in it is not 32 bytes. */
static int json_proof(const cJSON *obj, merkle_hash *p, size_t *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "proof");
	const cJSON *e;
	int bad = 0;

	*n = 0;
	if (cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	cJSON_ArrayForEach(e, arr)
	{
		uint8_t buf[64];
		size_t len = 0;

		if (!cJSON_IsString(e) || *n == PROOF_ROOM)
			return -1;
		if (sodium_base642bin(buf, sizeof buf, e->valuestring, strlen(e->valuestring), NULL,
		                      &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			return -1;
		if (len != MERKLE_HASH_SIZE)
			bad = 1;
		else
			memcpy(p[(*n)++], buf, MERKLE_HASH_SIZE);
	}
	return bad;
}

/* Decides one vector file; returns 1 when it was decided as wantErr says,
 * 0 when not, -1 when the file is not a vector of that kind. */
static int decide(const char *path, int inclusion, char *desc, size_t desc_cap)
{
	merkle_hash proof[PROOF_ROOM], r1, r2, leaf;
	uint8_t buf[64];
	size_t len, n;
	char *text = slurp(path, &len);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	const cJSON *want, *d;
	int got_err, rc = -1, pr;
	long l1, l2;

	if (j == NULL)
		goto out;
	want = cJSON_GetObjectItemCaseSensitive(j, "wantErr");
	d = cJSON_GetObjectItemCaseSensitive(j, "desc");
	if (!cJSON_IsBool(want))
		goto out;
	snprintf(desc, desc_cap, "%s", cJSON_IsString(d) ? d->valuestring : "?");
	pr = json_proof(j, proof, &n);
	if (pr < 0)
		goto out;
	if (inclusion) {
		uint64_t index, size;

		if (json_u64(j, text, "leafIdx", &index) != 0 ||
		    json_u64(j, text, "treeSize", &size) != 0)
			goto out;
		l1 = json_b64(j, "leafHash", buf, sizeof buf);
		if (l1 < 0)
			goto out;
		memcpy(leaf, buf, MERKLE_HASH_SIZE);
		l2 = json_b64(j, "root", buf, sizeof buf);
		if (as_root(r1, buf, l2) != 0)
			goto out;
		if (l1 != MERKLE_HASH_SIZE || pr == 1)
			got_err = 1;
		else
			got_err = merkle_verify_inclusion(index, size, leaf, proof, n, r1) != SJ_OK;
	} else {
		uint64_t size1, size2;

		if (json_u64(j, text, "size1", &size1) != 0 ||
		    json_u64(j, text, "size2", &size2) != 0)
			goto out;
		l1 = json_b64(j, "root1", buf, sizeof buf);
		if (as_root(r1, buf, l1) != 0)
			goto out;
		l2 = json_b64(j, "root2", buf, sizeof buf);
		if (as_root(r2, buf, l2) != 0)
			goto out;
		if (pr == 1)
			got_err = 1;
		else
			got_err =
			    merkle_verify_consistency(size1, size2, r1, r2, proof, n) != SJ_OK;
	}
	rc = got_err == cJSON_IsTrue(want);
out:
	cJSON_Delete(j);
	free(text);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Decides every .json file under dir, printing a count per directory;
 * adds to *total and *wrong. Returns -1 if a directory cannot be read. */
static int walk(const char *dir, const char *rel, int inclusion, int *total, int *wrong)
{
	char *names[512];
	size_t k = 0;
	int here = 0, rc = 0;
	DIR *dp = opendir(dir);
	struct dirent *e;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL && k < 512) {
		if (e->d_name[0] == '.')
			continue;
		names[k] = strdup(e->d_name);
		if (names[k] != NULL)
			k++;
	}
	closedir(dp);
	qsort(names, k, sizeof names[0], cmp_names);
	for (size_t i = 0; i < k; i++) {
		char path[1024], sub[512], desc[200];
		struct stat st;
		size_t nl = strlen(names[i]);

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(sub, sizeof sub, "%s/%s", rel, names[i]);
		if (stat(path, &st) != 0) {
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (walk(path, sub, inclusion, total, wrong) != 0)
				rc = -1;
		} else if (nl > 5 && strcmp(names[i] + nl - 5, ".json") == 0) {
			int r = decide(path, inclusion, desc, sizeof desc);

			here++;
			(*total)++;
			if (r != 1) {
				(*wrong)++;
				printf("    %s (%s): %s\n", sub, desc,
				       r < 0 ? "unreadable" : "decided against wantErr");
			}
		}
		free(names[i]);
	}
	if (here > 0)
		printf("    %s: %d cases\n", rel, here);
	return rc;
}

static void run_vectors(const char *kind, int inclusion)
{
	const char *base = harness_shared_vectors("merkle");
	char dir[600];
	int total = 0, wrong = 0;

	if (base == NULL) {
		harness_skip("../shared/vectors/merkle is not present");
		return;
	}
	snprintf(dir, sizeof dir, "%s/%s", base, kind);
	CHECK_INT(walk(dir, kind, inclusion, &total, &wrong), ==, 0);
	CHECK(total > 0);
	CHECK_INT(wrong, ==, 0);
}

TEST(test_merkle_vectors_inclusion, "every transparency-dev/merkle inclusion vector is decided as "
                                    "its wantErr says")
{
	run_vectors("inclusion", 1);
}

TEST(test_merkle_vectors_consistency, "every transparency-dev/merkle consistency vector is decided "
                                      "as its wantErr says, including size1 = 0 as an error")
{
	run_vectors("consistency", 0);
}

TEST(test_merkle_size_not_bound, "an inclusion proof does not commit to the tree size: the "
                                 "proof of leaf 0 of 3 verifies as one of 4 against the same "
                                 "root, which is why the size must come from the checkpoint")
{
	merkle_hash leaves[3], root3, p[PROOF_ROOM];
	size_t len;

	random_leaves(leaves, 3, 7);
	CHECK_INT(merkle_root(root3, leaves, 3), ==, SJ_OK);
	CHECK_INT(merkle_inclusion_proof(p, &len, PROOF_ROOM, leaves, 3, 0), ==, SJ_OK);
	CHECK_INT(len, ==, 2);
	CHECK_INT(merkle_verify_inclusion(0, 3, leaves[0], p, len, root3), ==, SJ_OK);
	CHECK_INT(merkle_verify_inclusion(0, 4, leaves[0], p, len, root3), ==, SJ_OK);
	CHECK(rfc_verify_inclusion(0, 4, leaves[0], p, len, root3));
	/* The twin: a size that changes the path's shape fails. */
	CHECK_INT(merkle_verify_inclusion(0, 5, leaves[0], p, len, root3), ==, SJ_EINVAL);
	CHECK(!rfc_verify_inclusion(0, 5, leaves[0], p, len, root3));
}
