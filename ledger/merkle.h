/*
 * merkle.h: the RFC 9162 section 2.1 Merkle tree over ledger entries.
 *
 * Hashes are SHA-256. A leaf hash is SHA-256(0x00 || entry bytes); an
 * interior node is SHA-256(0x01 || left || right); the root of the empty
 * tree is SHA-256 of the empty string. The split point of a subtree of n
 * leaves is the largest power of two strictly less than n (RFC 9162 2.1.1).
 *
 * All functions are pure: no I/O, no globals, callable from any thread.
 */
#ifndef SUIJI_LEDGER_MERKLE_H
#define SUIJI_LEDGER_MERKLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define MERKLE_HASH_SIZE 32
/* Longest proof for any tree of at most 2^63 leaves. Inclusion proofs have
 * at most 63 hashes, consistency proofs at most 2*63. */
#define MERKLE_MAX_PROOF 128

typedef uint8_t merkle_hash[MERKLE_HASH_SIZE];

/* out = SHA-256(0x00 || data). data may be NULL when len is 0. */
void merkle_leaf_hash(merkle_hash out, const uint8_t *data, size_t len);
/* out = SHA-256(0x01 || left || right). out may alias left or right. */
void merkle_node_hash(merkle_hash out, const merkle_hash left, const merkle_hash right);
/* out = SHA-256("") , the root of the empty tree. */
void merkle_empty_root(merkle_hash out);

/* The root over the first n leaf hashes of leaves (borrowed). Returns
 * SJ_OK; n may be 0. */
int merkle_root(merkle_hash out, const merkle_hash *leaves, uint64_t n);

/*
 * The audit path (RFC 9162 2.1.3.1) for leaf index in the tree of the first
 * n leaf hashes. On success *proof_len holds the number of hashes written to
 * proof, which has room for cap hashes. Errors: SJ_ERANGE if index >= n or
 * cap is too small.
 */
int merkle_inclusion_proof(merkle_hash *proof, size_t *proof_len, size_t cap,
			   const merkle_hash *leaves, uint64_t n, uint64_t index);

/*
 * The consistency proof (RFC 9162 2.1.4.1) between the tree of the first m
 * and the first n leaves, 0 < m <= n. Errors: SJ_ERANGE if m is 0, m > n or
 * cap is too small. For m == n the proof is empty.
 */
int merkle_consistency_proof(merkle_hash *proof, size_t *proof_len, size_t cap,
			     const merkle_hash *leaves, uint64_t m, uint64_t n);

/*
 * Verifies an inclusion proof by RFC 9162 2.1.3.2. Returns SJ_OK when the
 * leaf hash is at index in the tree of size whose root is root, SJ_EVERIFY
 * when it is not, SJ_EINVAL when index >= size or the proof has the wrong
 * length for (index, size).
 */
SJ_WUR int merkle_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf,
				   const merkle_hash *proof, size_t proof_len,
				   const merkle_hash root);

/*
 * Verifies a consistency proof by RFC 9162 2.1.4.2 between (size1, root1)
 * and (size2, root2). Returns SJ_OK, SJ_EVERIFY, or SJ_EINVAL for
 * size1 > size2, size1 == 0, a proof of the wrong length, or a non-empty
 * proof where none is expected (size1 == size2). Like the reference
 * verifier (transparency-dev/merkle), size1 == size2 requires
 * root1 == root2 and an empty proof, and size1 == 0 is refused whatever
 * the proof and roots: a consistency proof from the empty tree is
 * meaningless, so a caller whose older tree is empty accepts the newer one
 * without calling this.
 */
SJ_WUR int merkle_verify_consistency(uint64_t size1, uint64_t size2, const merkle_hash root1,
				     const merkle_hash root2, const merkle_hash *proof,
				     size_t proof_len);

/*
 * An incremental tree: the "compact range" of perfect subtrees covering
 * leaves [0, size). Appending a leaf and reading the root are O(log n) with
 * no allocation, so a store can keep the root of millions of entries current.
 * Embedded in its owner; _init before use, no _fini needed.
 */
struct merkle_frontier {
	uint64_t size;
	merkle_hash nodes[64]; /* nodes[i]: root of the perfect subtree of 2^i
				  leaves, valid iff bit i of size is set */
};

void merkle_frontier_init(struct merkle_frontier *f);
void merkle_frontier_push(struct merkle_frontier *f, const merkle_hash leaf);
/* The root of the first f->size leaves. */
void merkle_frontier_root(const struct merkle_frontier *f, merkle_hash out);

/*
 * A tree that keeps the root of every aligned perfect subtree (level k holds
 * the roots of leaves [i*2^k, (i+1)*2^k)), about twice the memory of the
 * leaves. Roots and proofs for any size up to the number of leaves are then
 * O(log^2 n) hashes instead of O(n): a store or verifier holding a million
 * entries answers a proof at once. Embedded in its owner: _init, _fini.
 */
struct merkle_tree {
	merkle_hash *level[64];
	uint64_t cap[64];
	uint64_t count[64]; /* nodes computed at each level */
	uint64_t size;
};

void merkle_tree_init(struct merkle_tree *t);
void merkle_tree_fini(struct merkle_tree *t);
/* Appends a leaf hash. Errors: SJ_ENOMEM (the tree is unchanged). */
SJ_WUR int merkle_tree_push(struct merkle_tree *t, const merkle_hash leaf);
/*
 * Appends a leaf hash without computing the nodes above it; the tree may
 * not be read until merkle_tree_complete. A verifier that streams entries
 * fills the leaves this way and completes the tree once, on two threads.
 * Errors: SJ_ENOMEM (the tree is unchanged).
 */
SJ_WUR int merkle_tree_push_leaf(struct merkle_tree *t, const merkle_hash leaf);
/* Computes every node missing above the leaves, splitting large levels
 * between threads (1 or 2) threads. Errors: SJ_ENOMEM. */
SJ_WUR int merkle_tree_complete(struct merkle_tree *t, int threads);

/*
 * A helper thread that computes a tree's nodes while its leaves are still
 * arriving, so a verifier's one thread hashes entries and the other builds
 * the tree. Start it with the number of leaves expected (the levels are
 * sized once, so the two threads never see a reallocation); push leaves
 * through it; finish joins the thread and completes whatever is left. If
 * more leaves arrive than expected, the thread is stopped and the rest is
 * built by merkle_tree_complete. Embedded in its owner.
 */
struct merkle_builder {
	struct merkle_tree *t;
	pthread_t thread;
	int running;
	_Atomic uint64_t published; /* leaves the thread may read */
	_Atomic int stop;
};

/* Errors: SJ_ENOMEM. Without a thread (it could not start) pushes still
 * work and finish builds everything. */
SJ_WUR int merkle_builder_start(struct merkle_builder *b, struct merkle_tree *t,
				uint64_t expect);
SJ_WUR int merkle_builder_push(struct merkle_builder *b, const merkle_hash leaf);
SJ_WUR int merkle_builder_finish(struct merkle_builder *b);

/* Leaf i's hash (borrowed), i < t->size. */
const uint8_t *merkle_tree_leaf(const struct merkle_tree *t, uint64_t i);
/* The root of the first n leaves. Errors: SJ_ERANGE if n > t->size. */
int merkle_tree_root(const struct merkle_tree *t, uint64_t n, merkle_hash out);
/* As merkle_inclusion_proof and merkle_consistency_proof, over the first
 * n leaves of t. */
int merkle_tree_inclusion_proof(const struct merkle_tree *t, uint64_t index, uint64_t n,
				merkle_hash *proof, size_t *proof_len, size_t cap);
int merkle_tree_consistency_proof(const struct merkle_tree *t, uint64_t m, uint64_t n,
				  merkle_hash *proof, size_t *proof_len, size_t cap);

#endif
