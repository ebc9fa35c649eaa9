/*
 * merkle.c: the RFC 9162 section 2.1 Merkle tree: hashing, proof
 * generation from an array of leaf hashes, proof verification, and the
 * frontier (compact range) that keeps a growing tree's root current.
 *
 * Proof generation walks the RFC's recursive definitions (PATH in 2.1.3.1,
 * SUBPROOF in 2.1.4.1) top-down with a loop instead of recursion: each step
 * decides which half of the current subtree holds the point of interest and
 * records the hash of the other half. The RFC lists proof hashes from the
 * bottom of the tree up, so the hashes are collected top-down and written
 * out reversed.
 *
 * Verification follows the transparency-dev/merkle Go verifier
 * (proof/verify.go), which is the RFC 9162 2.1.3.2 and 2.1.4.2 algorithms
 * rearranged: it first derives from the sizes alone how many hashes a proof
 * must have, refuses any other count (SJ_EINVAL), and then chains the
 * hashes. The RFC's loop over fn and sn reaches the same decision for every
 * input; the explicit count lets us tell a malformed proof (wrong length)
 * from a forged one (right length, wrong hashes, SJ_EVERIFY).
 *
 * libsodium's crypto_hash_sha256 needs no sodium_init(), so nothing here
 * depends on it; the rest of suiji calls sodium_init() at start-up anyway.
 */
#include "ledger/merkle.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include <sodium.h>

#define MERKLE_LEAF_PREFIX 0x00
#define MERKLE_NODE_PREFIX 0x01

/* Number of significant bits of x: 0 for 0, 64 for values >= 2^63. */
static unsigned bit_len(uint64_t x)
{
	return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
}

static unsigned ones(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

/* x >> s with the result 0 for s == 64, which C leaves undefined and the
 * proof length arithmetic below needs (a proof can span all 64 levels). */
static uint64_t shr(uint64_t x, unsigned s)
{
	return s >= 64 ? 0 : x >> s;
}

/* The split point of RFC 9162 2.1.1: the largest power of two strictly
 * less than n. Only called with n >= 2. */
static uint64_t split(uint64_t n)
{
	assert(n >= 2); /* callers only split subtrees of two or more leaves */
	return (uint64_t)1 << (bit_len(n - 1) - 1);
}

void merkle_leaf_hash(merkle_hash out, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;
	const uint8_t prefix = MERKLE_LEAF_PREFIX;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(merkle_hash out, const merkle_hash left, const merkle_hash right)
{
	/* Both children are copied before out is written, so out may alias
	 * either of them. */
	uint8_t buf[1 + 2 * MERKLE_HASH_SIZE];

	buf[0] = MERKLE_NODE_PREFIX;
	memcpy(buf + 1, left, MERKLE_HASH_SIZE);
	memcpy(buf + 1 + MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE);
	crypto_hash_sha256(out, buf, sizeof buf);
}

void merkle_empty_root(merkle_hash out)
{
	crypto_hash_sha256(out, NULL, 0);
}

void merkle_frontier_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof *f);
}

void merkle_frontier_push(struct merkle_frontier *f, const merkle_hash leaf)
{
	merkle_hash h;
	unsigned i = 0;

	/* Appending a leaf is a binary increment of size: every perfect
	 * subtree whose bit is carried out merges with the new right part,
	 * and the carry lands in the first clear bit. */
	assert(f->size != UINT64_MAX); /* 2^64 - 1 appends are out of reach */
	memcpy(h, leaf, MERKLE_HASH_SIZE);
	while ((f->size >> i) & 1) {
		merkle_node_hash(h, f->nodes[i], h);
		i++;
	}
	memcpy(f->nodes[i], h, MERKLE_HASH_SIZE);
	f->size++;
}

void merkle_frontier_root(const struct merkle_frontier *f, merkle_hash out)
{
	merkle_hash r;
	unsigned i;

	if (f->size == 0) {
		merkle_empty_root(out);
		return;
	}
	/* The RFC splits a tree at its largest power of two, so the root is
	 * the perfect subtrees folded from the smallest (rightmost) up, each
	 * larger one becoming the left child. */
	i = (unsigned)__builtin_ctzll(f->size);
	memcpy(r, f->nodes[i], MERKLE_HASH_SIZE);
	for (i++; i < 64; i++)
		if ((f->size >> i) & 1)
			merkle_node_hash(r, f->nodes[i], r);
	memcpy(out, r, MERKLE_HASH_SIZE);
}

/* MTH(D[0:n]) of RFC 9162 2.1.1 over n leaf hashes, in O(n) hashes and
 * O(log n) memory by streaming them through a frontier. */
static void range_hash(merkle_hash out, const merkle_hash *leaves, uint64_t n)
{
	struct merkle_frontier f;

	merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++)
		merkle_frontier_push(&f, leaves[i]);
	merkle_frontier_root(&f, out);
}

int merkle_root(merkle_hash out, const merkle_hash *leaves, uint64_t n)
{
	range_hash(out, leaves, n);
	return SJ_OK;
}

/* Writes tmp[0..cnt) reversed into proof, which holds cap hashes. */
static int emit_reversed(merkle_hash *proof, size_t *proof_len, size_t cap, merkle_hash tmp[],
                         size_t cnt)
{
	if (cnt > cap)
		return SJ_ERANGE;
	for (size_t i = 0; i < cnt; i++)
		memcpy(proof[i], tmp[cnt - 1 - i], MERKLE_HASH_SIZE);
	*proof_len = cnt;
	return SJ_OK;
}

int merkle_inclusion_proof(merkle_hash *proof, size_t *proof_len, size_t cap,
                           const merkle_hash *leaves, uint64_t n, uint64_t index)
{
	/* A path has one hash per level, at most 64 levels below the root. */
	merkle_hash tmp[64];
	size_t cnt = 0;
	uint64_t lo = 0, size = n, m = index;

	if (index >= n)
		return SJ_ERANGE;
	/* PATH(m, D[size]) = PATH(m, D[0:k]) : MTH(D[k:size]) when m < k,
	 * PATH(m - k, D[k:size]) : MTH(D[0:k]) otherwise; PATH of one leaf
	 * is empty. */
	while (size > 1) {
		uint64_t k = split(size);

		assert(cnt < 64); /* each step lowers bit_len(size - 1), at most 64 */
		if (m < k) {
			range_hash(tmp[cnt++], leaves + lo + k, size - k);
			size = k;
		} else {
			range_hash(tmp[cnt++], leaves + lo, k);
			lo += k;
			m -= k;
			size -= k;
		}
	}
	return emit_reversed(proof, proof_len, cap, tmp, cnt);
}

int merkle_consistency_proof(merkle_hash *proof, size_t *proof_len, size_t cap,
                             const merkle_hash *leaves, uint64_t m, uint64_t n)
{
	/* One hash per level plus the final MTH(D[m]): at most 65. */
	merkle_hash tmp[65];
	size_t cnt = 0;
	uint64_t lo = 0, size = n;
	int whole = 1; /* SUBPROOF's b: D[lo:lo+m] is the old tree itself */

	if (m == 0 || m > n)
		return SJ_ERANGE;
	/* SUBPROOF(m, D[size], b): while m < size, recurse into the half
	 * holding the boundary and record the other half; when m reaches
	 * size the subtree D[lo:lo+m] is complete in both trees, and its hash
	 * goes first in the proof unless it is the old root (b true), which
	 * the verifier already has. */
	while (m != size) {
		uint64_t k = split(size);

		assert(cnt < 64); /* each step lowers bit_len(size - 1), at most 64 */
		if (m <= k) {
			range_hash(tmp[cnt++], leaves + lo + k, size - k);
			size = k;
		} else {
			range_hash(tmp[cnt++], leaves + lo, k);
			lo += k;
			m -= k;
			size -= k;
			whole = 0;
		}
	}
	if (!whole)
		range_hash(tmp[cnt++], leaves + lo, size);
	return emit_reversed(proof, proof_len, cap, tmp, cnt);
}

/*
 * The shape of the inclusion path of leaf index in a tree of size leaves
 * (Go's decompInclProof). The paths to index and to size - 1 share their
 * top levels and part at level inner = bit_len(index ^ (size - 1)). Below
 * that point the path has one sibling per level, left or right as the bits
 * of index say ("inner" hashes). Above it the path runs down the right
 * border of the tree, where a level has a sibling only when it is a left
 * one, which is when the bit of index there is set ("border" hashes).
 */
static void decompose(uint64_t index, uint64_t size, unsigned *inner, unsigned *border)
{
	*inner = bit_len(index ^ (size - 1));
	*border = ones(shr(index, *inner));
}

int merkle_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf,
                            const merkle_hash *proof, size_t proof_len, const merkle_hash root)
{
	merkle_hash r;
	unsigned inner, border;

	if (index >= size)
		return SJ_EINVAL;
	decompose(index, size, &inner, &border);
	if (proof_len != (size_t)inner + border)
		return SJ_EINVAL;

	memcpy(r, leaf, MERKLE_HASH_SIZE);
	for (unsigned i = 0; i < inner; i++) {
		if ((index >> i) & 1)
			merkle_node_hash(r, proof[i], r);
		else
			merkle_node_hash(r, r, proof[i]);
	}
	for (size_t i = inner; i < proof_len; i++)
		merkle_node_hash(r, proof[i], r);

	/* Roots are public, so a plain comparison leaks nothing. */
	return memcmp(r, root, MERKLE_HASH_SIZE) == 0 ? SJ_OK : SJ_EVERIFY;
}

int merkle_verify_consistency(uint64_t size1, uint64_t size2, const merkle_hash root1,
                              const merkle_hash root2, const merkle_hash *proof, size_t proof_len)
{
	const uint8_t *seed;
	const merkle_hash *p;
	merkle_hash h1, h2;
	unsigned inner, border, shift;
	uint64_t mask;
	size_t start;

	/* The trivial cases, in the order the reference verifier takes them
	 * (transparency-dev/merkle RootFromConsistencyProof). */
	if (size2 < size1)
		return SJ_EINVAL;
	if (size1 == 0)
		return SJ_EINVAL; /* every tree extends the empty one: no proof */
	if (size1 == size2) {
		if (proof_len != 0)
			return SJ_EINVAL;
		return memcmp(root1, root2, MERKLE_HASH_SIZE) == 0 ? SJ_OK : SJ_EVERIFY;
	}
	if (proof_len == 0)
		return SJ_EINVAL;

	/*
	 * A consistency proof is the suffix, from level shift up, of the
	 * inclusion path of leaf size1 - 1 in the new tree, where 2^shift is
	 * the largest power of two dividing size1: the subtree of that size
	 * ending at leaf size1 - 1 is complete in both trees, so the proof
	 * starts from its hash (the seed). The seed is the first proof hash,
	 * except when size1 is itself 2^shift and the seed is root1.
	 */
	decompose(size1 - 1, size2, &inner, &border);
	shift = (unsigned)__builtin_ctzll(size1);
	assert(shift < inner); /* size1 < size2 makes the paths part above it */
	inner -= shift;
	if (size1 == (uint64_t)1 << shift) {
		seed = root1;
		start = 0;
	} else {
		seed = proof[0];
		start = 1;
	}
	if (proof_len != start + inner + border)
		return SJ_EINVAL;
	p = proof + start;
	mask = (size1 - 1) >> shift;

	/* The old root uses only the left siblings: to the old tree, the
	 * subtrees right of the path did not exist yet. */
	memcpy(h1, seed, MERKLE_HASH_SIZE);
	for (unsigned i = 0; i < inner; i++)
		if ((mask >> i) & 1)
			merkle_node_hash(h1, p[i], h1);
	for (size_t i = inner; i < proof_len - start; i++)
		merkle_node_hash(h1, p[i], h1);
	if (memcmp(h1, root1, MERKLE_HASH_SIZE) != 0)
		return SJ_EVERIFY;

	/* The new root uses every hash, as an inclusion proof would. */
	memcpy(h2, seed, MERKLE_HASH_SIZE);
	for (unsigned i = 0; i < inner; i++) {
		if ((mask >> i) & 1)
			merkle_node_hash(h2, p[i], h2);
		else
			merkle_node_hash(h2, h2, p[i]);
	}
	for (size_t i = inner; i < proof_len - start; i++)
		merkle_node_hash(h2, p[i], h2);
	return memcmp(h2, root2, MERKLE_HASH_SIZE) == 0 ? SJ_OK : SJ_EVERIFY;
}

/* --- the cached tree (merkle_tree_*) --- */

void merkle_tree_init(struct merkle_tree *t)
{
	memset(t, 0, sizeof *t);
}

void merkle_tree_fini(struct merkle_tree *t)
{
	for (int k = 0; k < 64; k++)
		free(t->level[k]);
	memset(t, 0, sizeof *t);
}

static int tree_reserve(struct merkle_tree *t, unsigned k, uint64_t need)
{
	if (need <= t->cap[k])
		return SJ_OK;
	uint64_t nc = t->cap[k] ? t->cap[k] * 2 : 1024;
	while (nc < need)
		nc *= 2;
	merkle_hash *p = realloc(t->level[k], (size_t)nc * sizeof *p);
	if (p == NULL)
		return SJ_ENOMEM;
	t->level[k] = p;
	t->cap[k] = nc;
	return SJ_OK;
}

int merkle_tree_push(struct merkle_tree *t, const merkle_hash leaf)
{
	uint64_t n = t->size + 1, i = t->size;
	unsigned k;

	/* Reserve every level this leaf completes first, so that a failed
	 * allocation leaves the tree as it was. */
	for (k = 0; k < 64 && (k == 0 || (n & ((UINT64_C(1) << k) - 1)) == 0); k++)
		if (tree_reserve(t, k, (n >> k)) != SJ_OK)
			return SJ_ENOMEM;
	memcpy(t->level[0][i], leaf, MERKLE_HASH_SIZE);
	t->count[0] = n;
	for (k = 1; k < 64 && (n & ((UINT64_C(1) << k) - 1)) == 0; k++) {
		uint64_t j = (n >> k) - 1;
		merkle_node_hash(t->level[k][j], t->level[k - 1][2 * j], t->level[k - 1][2 * j + 1]);
		t->count[k] = j + 1;
	}
	t->size = n;
	return SJ_OK;
}

int merkle_tree_push_leaf(struct merkle_tree *t, const merkle_hash leaf)
{
	if (tree_reserve(t, 0, t->size + 1) != SJ_OK)
		return SJ_ENOMEM;
	memcpy(t->level[0][t->size], leaf, MERKLE_HASH_SIZE);
	t->size++;
	t->count[0] = t->size;
	return SJ_OK;
}

struct tree_span {
	merkle_hash *out;
	const merkle_hash *in;
	uint64_t from, to;
};

static void *tree_span_run(void *arg)
{
	struct tree_span *sp = arg;
	for (uint64_t j = sp->from; j < sp->to; j++)
		merkle_node_hash(sp->out[j], sp->in[2 * j], sp->in[2 * j + 1]);
	return NULL;
}

int merkle_tree_complete(struct merkle_tree *t, int threads)
{
	for (unsigned k = 1; k < 64; k++) {
		uint64_t need = t->size >> k;
		if (need == 0)
			break;
		if (t->count[k] >= need)
			continue;
		if (tree_reserve(t, k, need) != SJ_OK)
			return SJ_ENOMEM;
		struct tree_span a = {t->level[k], (const merkle_hash *)t->level[k - 1], t->count[k],
				      need};
		pthread_t th;
		/* Halves of a large level run side by side; a small one is not
		 * worth a thread. If the thread cannot start, do it all here. */
		if (threads > 1 && need - t->count[k] >= 1024) {
			struct tree_span b = a;
			b.from = a.to = a.from + (need - a.from) / 2;
			if (pthread_create(&th, NULL, tree_span_run, &b) == 0) {
				tree_span_run(&a);
				pthread_join(th, NULL);
			} else {
				a.to = need;
				tree_span_run(&a);
			}
		} else {
			tree_span_run(&a);
		}
		t->count[k] = need;
	}
	return SJ_OK;
}

const uint8_t *merkle_tree_leaf(const struct merkle_tree *t, uint64_t i)
{
	return t->level[0][i];
}

/* MTH of leaves [start, start + n), n >= 1. Every aligned power-of-two
 * range is a cached node; RFC 9162's splits only ever produce such ranges
 * on the left, so the recursion goes down the right edge alone. */
static void tree_mth(const struct merkle_tree *t, uint64_t start, uint64_t n, merkle_hash out)
{
	if ((n & (n - 1)) == 0 && (start & (n - 1)) == 0) {
		unsigned k = bit_len(n) - 1;
		memcpy(out, t->level[k][start >> k], MERKLE_HASH_SIZE);
		return;
	}
	uint64_t k = split(n);
	merkle_hash l, r;
	tree_mth(t, start, k, l);
	tree_mth(t, start + k, n - k, r);
	merkle_node_hash(out, l, r);
}

int merkle_tree_root(const struct merkle_tree *t, uint64_t n, merkle_hash out)
{
	if (n > t->size)
		return SJ_ERANGE;
	if (n == 0)
		merkle_empty_root(out);
	else
		tree_mth(t, 0, n, out);
	return SJ_OK;
}

/* RFC 9162 2.1.3.1 PATH(m, D[start : start + n]). */
static int tree_path(const struct merkle_tree *t, uint64_t m, uint64_t start, uint64_t n,
		     merkle_hash *proof, size_t *len, size_t cap)
{
	if (n == 1)
		return SJ_OK;
	uint64_t k = split(n);
	int rc = m < k ? tree_path(t, m, start, k, proof, len, cap)
		       : tree_path(t, m - k, start + k, n - k, proof, len, cap);
	if (rc != SJ_OK)
		return rc;
	if (*len == cap)
		return SJ_ERANGE;
	if (m < k)
		tree_mth(t, start + k, n - k, proof[(*len)++]);
	else
		tree_mth(t, start, k, proof[(*len)++]);
	return SJ_OK;
}

/* RFC 9162 2.1.4.1 SUBPROOF(m, D[start : start + n], b). */
static int tree_subproof(const struct merkle_tree *t, uint64_t m, uint64_t start, uint64_t n,
			 int b, merkle_hash *proof, size_t *len, size_t cap)
{
	int rc;
	if (m == n) {
		if (b)
			return SJ_OK;
		if (*len == cap)
			return SJ_ERANGE;
		tree_mth(t, start, n, proof[(*len)++]);
		return SJ_OK;
	}
	uint64_t k = split(n);
	if (m <= k)
		rc = tree_subproof(t, m, start, k, b, proof, len, cap);
	else
		rc = tree_subproof(t, m - k, start + k, n - k, 0, proof, len, cap);
	if (rc != SJ_OK)
		return rc;
	if (*len == cap)
		return SJ_ERANGE;
	if (m <= k)
		tree_mth(t, start + k, n - k, proof[(*len)++]);
	else
		tree_mth(t, start, k, proof[(*len)++]);
	return SJ_OK;
}

int merkle_tree_inclusion_proof(const struct merkle_tree *t, uint64_t index, uint64_t n,
				merkle_hash *proof, size_t *proof_len, size_t cap)
{
	if (n > t->size || index >= n)
		return SJ_ERANGE;
	*proof_len = 0;
	return tree_path(t, index, 0, n, proof, proof_len, cap);
}

int merkle_tree_consistency_proof(const struct merkle_tree *t, uint64_t m, uint64_t n,
				  merkle_hash *proof, size_t *proof_len, size_t cap)
{
	if (m == 0 || m > n || n > t->size)
		return SJ_ERANGE;
	*proof_len = 0;
	return tree_subproof(t, m, 0, n, 1, proof, proof_len, cap);
}

/* --- the builder thread (merkle_builder_*) --- */

/* Computes every node whose children exist among the first n leaves, level
 * by level; returns whether it computed any. Runs on the builder thread,
 * which alone touches levels 1 and up while it runs. */
static int builder_step(struct merkle_tree *t, uint64_t n)
{
	int did = 0;
	for (unsigned k = 1; k < 64; k++) {
		uint64_t need = n >> k;
		if (need == 0)
			break;
		assert(need <= t->cap[k]); /* merkle_builder_start sized every level */
		for (uint64_t j = t->count[k]; j < need; j++) {
			merkle_node_hash(t->level[k][j], t->level[k - 1][2 * j],
					 t->level[k - 1][2 * j + 1]);
			did = 1;
		}
		if (need > t->count[k])
			t->count[k] = need;
	}
	return did;
}

static void *builder_run(void *arg)
{
	struct merkle_builder *b = arg;
	for (;;) {
		int stop = atomic_load_explicit(&b->stop, memory_order_acquire);
		uint64_t n = atomic_load_explicit(&b->published, memory_order_acquire);
		if (!builder_step(b->t, n)) {
			if (stop)
				break; /* nothing new can arrive after stop */
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int merkle_builder_start(struct merkle_builder *b, struct merkle_tree *t, uint64_t expect)
{
	b->t = t;
	b->running = 0;
	atomic_init(&b->published, t->size);
	atomic_init(&b->stop, 0);
	/* Level 0 may round up; every level above is sized for all of it, so
	 * whatever fits in level 0 has room above. */
	if (expect && tree_reserve(t, 0, expect) != SJ_OK)
		return SJ_ENOMEM;
	for (unsigned k = 1; k < 64 && (t->cap[0] >> k) > 0; k++)
		if (tree_reserve(t, k, t->cap[0] >> k) != SJ_OK)
			return SJ_ENOMEM;
	if (expect >= 4096 && pthread_create(&b->thread, NULL, builder_run, b) == 0)
		b->running = 1;
	return SJ_OK;
}

static void builder_stop(struct merkle_builder *b)
{
	if (!b->running)
		return;
	atomic_store_explicit(&b->stop, 1, memory_order_release);
	pthread_join(b->thread, NULL);
	b->running = 0;
}

int merkle_builder_push(struct merkle_builder *b, const merkle_hash leaf)
{
	struct merkle_tree *t = b->t;
	/* Out of reserved room: growing level 0 would move it under the
	 * thread, so the thread stops first and the rest is built at the end. */
	if (t->size == t->cap[0])
		builder_stop(b);
	if (merkle_tree_push_leaf(t, leaf) != SJ_OK)
		return SJ_ENOMEM;
	atomic_store_explicit(&b->published, t->size, memory_order_release);
	return SJ_OK;
}

int merkle_builder_finish(struct merkle_builder *b)
{
	builder_stop(b);
	return merkle_tree_complete(b->t, 2);
}
