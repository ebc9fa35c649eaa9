/* test_mtree.c: the cached Merkle tree (merkle_tree_*) gives exactly the
 * roots and proofs of the reference functions in merkle.c, for every size
 * and index of trees up to 130 leaves and sampled ones up to 3000. */
#include <sodium.h>
#include <stdlib.h>

#include "ledger/merkle.h"
#include "tests/harness.h"

static int same_proofs(const struct merkle_tree *t, const merkle_hash *leaves, uint64_t n)
{
	merkle_hash a[MERKLE_MAX_PROOF], b[MERKLE_MAX_PROOF], ra, rb;
	size_t na, nb;
	if (merkle_tree_root(t, n, ra) != SJ_OK || merkle_root(rb, leaves, n) != SJ_OK ||
	    memcmp(ra, rb, 32) != 0)
		return 0;
	for (uint64_t i = 0; i < n; i += (n > 200 ? 37 : 1)) {
		if (merkle_tree_inclusion_proof(t, i, n, a, &na, MERKLE_MAX_PROOF) != SJ_OK ||
		    merkle_inclusion_proof(b, &nb, MERKLE_MAX_PROOF, leaves, n, i) != SJ_OK ||
		    na != nb || memcmp(a, b, na * 32) != 0)
			return 0;
		if (merkle_verify_inclusion(i, n, leaves[i], (const merkle_hash *)a, na, ra) != SJ_OK)
			return 0;
	}
	for (uint64_t m = 1; m <= n; m += (n > 200 ? 41 : 1)) {
		if (merkle_tree_consistency_proof(t, m, n, a, &na, MERKLE_MAX_PROOF) != SJ_OK ||
		    merkle_consistency_proof(b, &nb, MERKLE_MAX_PROOF, leaves, m, n) != SJ_OK ||
		    na != nb || memcmp(a, b, na * 32) != 0)
			return 0;
	}
	return 1;
}

TEST(mtree_matches_reference, "the cached tree's roots and proofs equal the reference ones for every size, index and old size")
{
	struct merkle_tree t;
	merkle_hash *leaves = malloc(3000 * sizeof *leaves);
	CHECK(sodium_init() >= 0 && leaves != NULL);
	merkle_tree_init(&t);
	for (uint64_t n = 0; n < 3000; n++) {
		randombytes_buf(leaves[n], 32);
		CHECK_INT(merkle_tree_push(&t, leaves[n]), ==, SJ_OK);
		if (n < 130 || n % 997 == 0 || n == 2047 || n == 2048)
			CHECK(same_proofs(&t, (const merkle_hash *)leaves, n + 1));
	}
	/* The forgery twin: a proof for one leaf does not prove its neighbour. */
	merkle_hash p[MERKLE_MAX_PROOF], root;
	size_t np;
	CHECK_INT(merkle_tree_root(&t, 3000, root), ==, SJ_OK);
	CHECK_INT(merkle_tree_inclusion_proof(&t, 5, 3000, p, &np, MERKLE_MAX_PROOF), ==, SJ_OK);
	CHECK(merkle_verify_inclusion(5, 3000, leaves[6], (const merkle_hash *)p, np, root) != SJ_OK);
	CHECK_INT(merkle_tree_root(&t, 3001, root), ==, SJ_ERANGE);
	CHECK_INT(merkle_tree_inclusion_proof(&t, 3000, 3000, p, &np, MERKLE_MAX_PROOF), ==,
		  SJ_ERANGE);
	merkle_tree_fini(&t);
	free(leaves);
}

TEST(mtree_deferred_matches_eager, "a tree filled leaf by leaf and completed on two threads equals one built eagerly, at every size checked")
{
	static const uint64_t sizes[] = {1, 2, 3, 1023, 1024, 1025, 4097, 20000, 20001};
	merkle_hash leaf, a, b;
	CHECK(sodium_init() >= 0);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct merkle_tree eager, lazy;
		merkle_tree_init(&eager);
		merkle_tree_init(&lazy);
		for (uint64_t i = 0; i < sizes[s]; i++) {
			crypto_hash_sha256(leaf, (const uint8_t *)&i, sizeof i);
			CHECK_INT(merkle_tree_push(&eager, leaf), ==, SJ_OK);
			CHECK_INT(merkle_tree_push_leaf(&lazy, leaf), ==, SJ_OK);
			/* Completing midway and again later must also agree. */
			if (i == sizes[s] / 2)
				CHECK_INT(merkle_tree_complete(&lazy, 2), ==, SJ_OK);
		}
		CHECK_INT(merkle_tree_complete(&lazy, 2), ==, SJ_OK);
		for (uint64_t n = 1; n <= sizes[s]; n += 1 + n / 3) {
			CHECK_INT(merkle_tree_root(&eager, n, a), ==, SJ_OK);
			CHECK_INT(merkle_tree_root(&lazy, n, b), ==, SJ_OK);
			CHECK_MEM(a, b, 32);
		}
		merkle_tree_fini(&eager);
		merkle_tree_fini(&lazy);
	}
}

TEST(mtree_builder_thread, "a tree built by the helper thread while leaves arrive, with too few or enough leaves expected, equals the eager one")
{
	static const uint64_t expects[] = {0, 5000, 20000, 30000};
	merkle_hash leaf, a, b;
	CHECK(sodium_init() >= 0);
	for (size_t e = 0; e < sizeof expects / sizeof expects[0]; e++) {
		struct merkle_tree eager, t;
		struct merkle_builder mb;
		merkle_tree_init(&eager);
		merkle_tree_init(&t);
		CHECK_INT(merkle_builder_start(&mb, &t, expects[e]), ==, SJ_OK);
		for (uint64_t i = 0; i < 20000; i++) {
			crypto_hash_sha256(leaf, (const uint8_t *)&i, sizeof i);
			CHECK_INT(merkle_tree_push(&eager, leaf), ==, SJ_OK);
			CHECK_INT(merkle_builder_push(&mb, leaf), ==, SJ_OK);
		}
		CHECK_INT(merkle_builder_finish(&mb), ==, SJ_OK);
		for (uint64_t n = 1; n <= 20000; n += 1 + n / 2) {
			CHECK_INT(merkle_tree_root(&eager, n, a), ==, SJ_OK);
			CHECK_INT(merkle_tree_root(&t, n, b), ==, SJ_OK);
			CHECK_MEM(a, b, 32);
		}
		merkle_tree_fini(&eager);
		merkle_tree_fini(&t);
	}
}
