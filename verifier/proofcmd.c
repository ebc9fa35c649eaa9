/*
 * proofcmd.c: "suiji-verify proof inclusion|consistency" (proofcmd.h).
 *
 * Proof files are checked in three steps, each of which can fail alone:
 * the checkpoint note that ends the proof must be signed by the pinned log
 * key and name the log's origin (--origin, else the key's name: a key that
 * signs for two logs must not let a proof of one pass for the other); the
 * proof's hashes must lead from the leaf (or the older tree) to the
 * root in that checkpoint (RFC 9162 2.1.3.2 / 2.1.4.2); and pinned witnesses,
 * when asked for, must have cosigned it. --raw checks bare RFC 9162 proofs
 * given on the command line, with no checkpoint, as test vectors state them.
 */
#include "verifier/proofcmd.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/proof.h"
#include "ledger/vkeyfile.h"

#define PROOFCMD_MAX_WITNESSES 32

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: suiji-verify proof inclusion --log-key KEY PROOF (--entry FILE | "
	        "--leaf-hash B64)\n"
	        "                    [--origin ORIGIN] [--witness KEY]... [--quorum N]\n"
		"       suiji-verify proof consistency --log-key KEY PROOF --checkpoint OLD\n"
	        "                    [--origin ORIGIN] [--witness KEY]... [--quorum N]\n"
	        "       suiji-verify proof inclusion --raw --index I --size N --root B64 "
	        "--leaf-hash B64\n"
		"                    [--hash B64]...\n"
	        "       suiji-verify proof consistency --raw --size1 M --size2 N --root1 B64 "
	        "--root2 B64\n"
		"                    [--hash B64]...\n"
		"PROOF is a c2sp.org/tlog-proof@v1 or suiji.consistency-proof@v1 file; --entry is\n"
	        "the entry's exported bytes. Checkpoints must name ORIGIN (default: the log key's\n"
	        "name); --quorum N pinned witnesses must cosign the proof's checkpoint.\n"
	        "exit: 0 proof holds, 1 it does not, 2 usage or I/O\n");
}

int proofcmd_load_vkey(struct note_vkey *k, const char *arg, const char *what)
{
	char err[300];
	if (vkeyfile_load(k, arg, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji-verify: %s: %s\n", what, err);
		return 2;
	}
	return 0;
}

static int parse_u64(uint64_t *out, const char *s, const char *what)
{
	char *end;
	if (s[0] < '0' || s[0] > '9') {
		fprintf(stderr, "suiji-verify: %s \"%s\" is not a number\n", what, s);
		return 2;
	}
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "suiji-verify: %s \"%s\" is not a number\n", what, s);
		return 2;
	}
	*out = v;
	return 0;
}

/*
 * A root given on the command line may come from elsewhere in any length
 * (test vectors use short placeholders). One that is not 32 bytes can never
 * be a computed root, but two equal ones must still compare equal, so it is
 * mapped to a tagged hash of its bytes, which no SHA-256 tree root equals.
 */
static int parse_root(merkle_hash out, const char *s, const char *what)
{
	uint8_t raw[96];
	size_t got = 0;
	const char *end = NULL;
	crypto_hash_sha256_state st;

	if (util_b64_decode_exact(out, 32, s, strlen(s)) == SJ_OK)
		return 0;
	if (sodium_base642bin(raw, sizeof raw, s, strlen(s), NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + strlen(s)) {
		fprintf(stderr, "suiji-verify: %s is not base64\n", what);
		return 2;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"suiji not-a-root", 17);
	crypto_hash_sha256_update(&st, raw, got);
	crypto_hash_sha256_final(&st, out);
	return 0;
}

static int parse_hash(merkle_hash out, const char *s, const char *what)
{
	if (util_b64_decode_exact(out, 32, s, strlen(s)) != SJ_OK) {
		fprintf(stderr, "suiji-verify: %s is not the base64 of a 32-byte hash\n", what);
		return 2;
	}
	return 0;
}

/* Opens the checkpoint note of a proof: parse, log signature, cosignatures. */
static int open_note(struct note **n, struct checkpoint *c, const char *text, size_t len,
                     const struct note_vkey *lk, const char *origin, const struct note_vkey *wit,
                     size_t nwit, size_t quorum, const char *what)
{
	char why[256];
	const char *body;
	size_t blen, have = 0;
	int rc;

	if (note_parse(n, text, len, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s is not a signed note: %s\n", what, why);
		return 1;
	}
	body = note_body(*n, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s is not a checkpoint: %s\n", what, why);
		return 1;
	}
	rc = note_verify(*n, lk);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s is %s by the log key %s\n", what,
			rc == SJ_ENOENT ? "not signed" : "wrongly signed", lk->name);
		return 1;
	}
	if (strcmp(c->origin, origin) != 0) {
		fprintf(stderr,
		        "suiji-verify: FAILED: %s is for the log \"%s\", not \"%s\" (--origin)\n",
		        what, c->origin, origin);
		return 1;
	}
	for (size_t i = 0; i < nwit; i++) {
		rc = note_verify_cosignature(*n, &wit[i], NULL);
		if (rc == SJ_OK)
			have++;
		else if (rc != SJ_ENOENT) {
			fprintf(stderr,
			        "suiji-verify: FAILED: the cosignature by %s on %s does "
					"not verify\n",
				wit[i].name, what);
			return 1;
		}
	}
	if (have < quorum) {
		fprintf(stderr,
		        "suiji-verify: FAILED: %s has %zu cosignatures by pinned "
				"witnesses; %zu needed\n",
			what, have, quorum);
		return 1;
	}
	return 0;
}

/* The keys a proof's checkpoints must be signed with. */
struct keys {
	const struct note_vkey *lk;
	const struct note_vkey *wit;
	size_t nwit, quorum;
	const char *origin;
};

/* Checks an inclusion proof file (text[0..tlen), named file) for the entry
 * in entry_file, or else for the leaf hash leaf_hash. Returns the exit
 * status: 0 proven, 1 not, 2 unusable arguments. */
static int check_inclusion(const struct keys *k, const char *text, size_t tlen, const char *file,
			   const char *entry_file, const uint8_t *leaf_hash)
{
	struct proof_inclusion *p = malloc(sizeof *p);
	uint8_t *ebytes = NULL;
	size_t elen;
	merkle_hash leaf;
	struct note *n = NULL;
	struct checkpoint c;
	char why[256];
	int rc = 2;

	if (p == NULL)
		return 2;
	if (leaf_hash)
		memcpy(leaf, leaf_hash, sizeof leaf);
	if (entry_file) {
		if (util_read_file(&ebytes, &elen, entry_file, ENTRY_MAX_SIZE) != SJ_OK) {
			fprintf(stderr, "suiji-verify: cannot read entry file %s\n", entry_file);
			goto out;
		}
		merkle_leaf_hash(leaf, ebytes, elen);
	}
	if (entry_file == NULL && leaf_hash == NULL) {
		fprintf(stderr, "suiji-verify: give --entry FILE or --leaf-hash B64\n");
		goto out;
	}
	if (proof_inclusion_parse(p, text, tlen, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s is not an inclusion proof: %s\n", file,
		        why);
		rc = 1;
		goto out;
	}
	rc = open_note(&n, &c, p->checkpoint, p->checkpoint_len, k->lk, k->origin, k->wit, k->nwit,
	               k->quorum, "the proof's checkpoint");
	if (rc == 0 &&
	    merkle_verify_inclusion(p->index, c.size, leaf, (const merkle_hash *)p->hashes, p->n,
					       c.root) != SJ_OK) {
		fprintf(stderr,
		        "suiji-verify: FAILED: entry %llu is not proven in the log "
				"of size %llu\n",
			(unsigned long long)p->index, (unsigned long long)c.size);
		rc = 1;
	}
	if (rc == 0)
		printf("ok: entry %llu is in %s at tree size %llu\n", (unsigned long long)p->index,
		       c.origin, (unsigned long long)c.size);
out:
	note_free(n);
	free(ebytes);
	free(p);
	return rc;
}

/* Checks a consistency proof file against the older checkpoint in
 * old_file. Returns the exit status, as check_inclusion. */
static int check_consistency(const struct keys *k, const char *text, size_t tlen, const char *file,
                             const char *old_file)
{
	struct proof_consistency *p = malloc(sizeof *p);
	uint8_t *old = NULL;
	size_t olen;
	struct note *n = NULL, *on = NULL;
	struct checkpoint c, oc;
	char why[256];
	int rc = 2;

	if (p == NULL)
		return 2;
	if (old_file == NULL || util_read_file(&old, &olen, old_file, NOTE_MAX_SIZE) != SJ_OK) {
		fprintf(stderr, "suiji-verify: --checkpoint OLD names no readable file\n");
		goto out;
	}
	if (proof_consistency_parse(p, text, tlen, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s is not a consistency proof: %s\n", file,
		        why);
		rc = 1;
		goto out;
	}
	/* The older checkpoint is the reader's own, saved earlier: the log
	 * key and origin vouch for it. The quorum is asked of the newer one,
	 * the state the proof says the log has reached. */
	rc = open_note(&on, &oc, (const char *)old, olen, k->lk, k->origin, NULL, 0, 0,
		       "the older checkpoint");
	if (rc == 0)
		rc = open_note(&n, &c, p->checkpoint, p->checkpoint_len, k->lk, k->origin, k->wit,
		               k->nwit, k->quorum, "the proof's checkpoint");
	if (rc == 0 && (oc.size != p->old_size || strcmp(oc.origin, c.origin) != 0)) {
		fprintf(stderr,
		        "suiji-verify: FAILED: the proof starts at size %llu of "
				"%s, the older checkpoint is size %llu of %s\n",
		        (unsigned long long)p->old_size, c.origin, (unsigned long long)oc.size,
		        oc.origin);
		rc = 1;
	}
	if (rc == 0 && merkle_verify_consistency(oc.size, c.size, oc.root, c.root,
	                                         (const merkle_hash *)p->hashes, p->n) != SJ_OK) {
		fprintf(stderr,
		        "suiji-verify: FAILED: the checkpoint at size %llu does "
				"not extend the one at size %llu (a fork)\n",
			(unsigned long long)c.size, (unsigned long long)oc.size);
		rc = 1;
	}
	if (rc == 0)
		printf("ok: %s at size %llu extends size %llu\n", c.origin,
		       (unsigned long long)c.size, (unsigned long long)oc.size);
out:
	note_free(n);
	note_free(on);
	free(old);
	free(p);
	return rc;
}

/* What "suiji-verify proof" was given on its command line. */
struct proof_args {
	struct note_vkey lk, wit[PROOFCMD_MAX_WITNESSES];
	size_t nwit, quorum, nh;
	merkle_hash hashes[MERKLE_MAX_PROOF], leaf, root1, root2;
	uint64_t index, size, size1, size2;
	int raw, have_lk, have_leaf, have_r1, have_r2, have_idx, have_size, have_s1, have_s2;
	const char *file, *entry_file, *old_file, *origin;
};

/* Fills p from argv past the proof kind; returns -1 to go on, else the
 * exit code. */
static int parse_args(struct proof_args *p, int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int e = 0;
		if (strcmp(a, "--raw") == 0) {
			p->raw = 1;
			continue;
		}
		if (a[0] != '-') {
			if (p->file) {
				fprintf(stderr, "suiji-verify: unexpected argument \"%s\"\n", a);
				return 2;
			}
			p->file = a;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "suiji-verify: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--log-key") == 0) {
			e = proofcmd_load_vkey(&p->lk, v, "log key");
			p->have_lk = 1;
		} else if (strcmp(a, "--origin") == 0) {
			p->origin = v;
		} else if (strcmp(a, "--witness") == 0) {
			if (p->nwit == PROOFCMD_MAX_WITNESSES) {
				fprintf(stderr, "suiji-verify: too many witnesses\n");
				return 2;
			}
			e = proofcmd_load_vkey(&p->wit[p->nwit], v, "witness key");
			if (e == 0 && p->wit[p->nwit].type != NOTE_TYPE_COSIG_V1) {
				fprintf(
				    stderr,
				    "suiji-verify: witness key %s is not a cosignature/v1 key\n",
				    v);
				e = 2;
			}
			p->nwit++;
		} else if (strcmp(a, "--quorum") == 0) {
			uint64_t q;
			e = parse_u64(&q, v, "--quorum");
			p->quorum = (size_t)q;
		} else if (strcmp(a, "--entry") == 0) {
			p->entry_file = v;
		} else if (strcmp(a, "--checkpoint") == 0) {
			p->old_file = v;
		} else if (strcmp(a, "--leaf-hash") == 0) {
			e = parse_hash(p->leaf, v, "--leaf-hash");
			p->have_leaf = 1;
		} else if (strcmp(a, "--root") == 0 || strcmp(a, "--root2") == 0) {
			e = parse_root(p->root2, v, a);
			p->have_r2 = 1;
		} else if (strcmp(a, "--root1") == 0) {
			e = parse_root(p->root1, v, a);
			p->have_r1 = 1;
		} else if (strcmp(a, "--hash") == 0) {
			if (p->nh == MERKLE_MAX_PROOF) {
				/* Longer than any valid proof: it cannot verify. */
				fprintf(stderr,
				        "suiji-verify: FAILED: proof has more than %d "
				        "hashes\n",
				        MERKLE_MAX_PROOF);
				return 1;
			}
			e = parse_hash(p->hashes[p->nh++], v, "--hash");
		} else if (strcmp(a, "--index") == 0) {
			e = parse_u64(&p->index, v, a);
			p->have_idx = 1;
		} else if (strcmp(a, "--size") == 0) {
			e = parse_u64(&p->size, v, a);
			p->have_size = 1;
		} else if (strcmp(a, "--size1") == 0) {
			e = parse_u64(&p->size1, v, a);
			p->have_s1 = 1;
		} else if (strcmp(a, "--size2") == 0) {
			e = parse_u64(&p->size2, v, a);
			p->have_s2 = 1;
		} else {
			fprintf(stderr, "suiji-verify: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		if (e)
			return e;
	}
	return -1;
}

/* --raw: a bare RFC 9162 proof from the command line, no checkpoint. */
static int check_raw(const struct proof_args *p, const char *kind)
{
	int incl = strcmp(kind, "inclusion") == 0, rc;

	if (incl ? !(p->have_idx && p->have_size && p->have_r2 && p->have_leaf)
	         : !(p->have_s1 && p->have_s2 && p->have_r1 && p->have_r2)) {
		usage(stderr);
		return 2;
	}
	if (incl)
		rc = merkle_verify_inclusion(p->index, p->size, p->leaf,
		                             (const merkle_hash *)p->hashes, p->nh, p->root2);
	else
		rc = merkle_verify_consistency(p->size1, p->size2, p->root1, p->root2,
		                               (const merkle_hash *)p->hashes, p->nh);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: the %s proof does not verify (%s)\n", kind,
		        sj_strerror(rc));
		return 1;
	}
	printf("ok: %s proof verifies\n", kind);
	return 0;
}

int proofcmd_main(int argc, char **argv)
{
	struct proof_args p = {0};
	const char *kind;
	uint8_t *text = NULL;
	size_t tlen;
	struct keys keys = {&p.lk, p.wit, 0, 0, NULL};
	int rc = 2;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	kind = argv[1];
	if (strcmp(kind, "inclusion") != 0 && strcmp(kind, "consistency") != 0) {
		fprintf(stderr, "suiji-verify: proof kind \"%s\" is not inclusion or consistency\n",
		        kind);
		return 2;
	}
	rc = parse_args(&p, argc, argv);
	if (rc >= 0)
		return rc;
	if (p.raw)
		return check_raw(&p, kind);
	rc = 2;
	keys.nwit = p.nwit;
	keys.quorum = p.quorum;
	if (p.file == NULL || !p.have_lk) {
		fprintf(stderr, "suiji-verify: a proof file and --log-key are required\n");
		usage(stderr);
		return 2;
	}
	if (p.quorum > p.nwit) {
		fprintf(stderr,
		        "suiji-verify: --quorum %zu needs at least as many --witness keys\n",
		        p.quorum);
		return 2;
	}
	keys.origin = p.origin ? p.origin : p.lk.name;
	if (util_read_file(&text, &tlen, p.file, PROOF_MAX_TEXT) != SJ_OK) {
		fprintf(stderr, "suiji-verify: cannot read proof file %s\n", p.file);
		goto out;
	}
	if (strcmp(kind, "inclusion") == 0)
		rc = check_inclusion(&keys, (const char *)text, tlen, p.file, p.entry_file,
		                     p.have_leaf ? p.leaf : NULL);
	else
		rc = check_consistency(&keys, (const char *)text, tlen, p.file, p.old_file);
out:
	free(text);
	return rc;
}
