/*
 * suiji: the command-line client. Today it holds the key commands every
 * party needs (an agency's client key, a witness's cosigning key) and the
 * witness's cosign command; the agency RPC commands arrive with the daemon's
 * RPC.
 *
 * A witness cosigns a checkpoint only after checking that the log signed it
 * and that it extends the last checkpoint this witness cosigned, by a
 * consistency proof (C2SP tlog-witness's rule). That is what makes a
 * cosignature worth something: a log that forks cannot get the same
 * witness to sign both branches.
 *
 * Exit codes: 0 success, 1 a check failed, 2 usage or I/O error.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/proof.h"

#define ERRLEN 1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: suiji keygen -k KEYFILE --name NAME [--witness]\n"
		"       suiji pubkey -k KEYFILE\n"
		"       suiji cosign -k WITNESS_KEYFILE --log-key KEY --state FILE\n"
		"                    [--proof CONSISTENCY_PROOF] CHECKPOINT [-o OUT]\n"
		"keygen makes a client key (or with --witness a cosignature/v1 key) in a new\n"
		"0600 file and prints its public verifier key.\n");
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int has_flag(int argc, char **argv, const char *name)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* The one argument that is neither an option nor an option's value. */
static const char *positional(int argc, char **argv)
{
	const char *found = NULL;
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (strcmp(argv[i], "--witness") != 0)
				i++;
			continue;
		}
		found = argv[i];
	}
	return found;
}

static int print_public(const struct note_skey *k)
{
	struct note_vkey v;
	char buf[512];
	note_skey_public(&v, k);
	if (note_vkey_format(buf, sizeof buf, v.name, v.type, v.pk) != SJ_OK)
		return 2;
	printf("%s\n", buf);
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *path = opt(argc, argv, "-k"), *name = opt(argc, argv, "--name");
	struct note_skey *k = NULL;
	char err[ERRLEN];
	int created = 0, rc;

	if (path == NULL || name == NULL) {
		usage(stderr);
		return 2;
	}
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "suiji: %s exists already; not overwriting a key\n", path);
		return 2;
	}
	rc = keyfile_load(&k, path, name,
			  has_flag(argc, argv, "--witness") ? NOTE_TYPE_COSIG_V1 : NOTE_TYPE_ED25519,
			  1, &created, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	rc = print_public(k);
	note_skey_free(k);
	return rc;
}

static int cmd_pubkey(int argc, char **argv)
{
	const char *path = opt(argc, argv, "-k");
	struct note_skey *k = NULL;
	char err[ERRLEN];
	int rc;

	if (path == NULL) {
		usage(stderr);
		return 2;
	}
	if (keyfile_load(&k, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	rc = print_public(k);
	note_skey_free(k);
	return rc;
}

static int load_vkey(struct note_vkey *k, const char *arg)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;
	if (access(arg, F_OK) == 0 && util_read_file(&buf, &len, arg, 4096) == SJ_OK) {
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = 0;
		rc = note_vkey_parse(k, (const char *)buf);
		free(buf);
	} else {
		rc = note_vkey_parse(k, arg);
	}
	if (rc != SJ_OK)
		fprintf(stderr, "suiji: \"%s\" is not a verifier key\n", arg);
	return rc == SJ_OK ? 0 : 2;
}

/* Opens a checkpoint note signed by the log key. 0, 1 (check failed), 2. */
static int open_checkpoint(struct note **n, struct checkpoint *c, const char *text, size_t len,
			   const struct note_vkey *lk, const char *what)
{
	char why[256];
	const char *body;
	size_t blen;

	if (note_parse(n, text, len, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji: %s is not a signed note: %s\n", what, why);
		return 1;
	}
	body = note_body(*n, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji: %s is not a checkpoint: %s\n", what, why);
		return 1;
	}
	if (note_verify(*n, lk) != SJ_OK) {
		fprintf(stderr, "suiji: %s is not signed by the log key %s\n", what, lk->name);
		return 1;
	}
	return 0;
}

static int cmd_cosign(int argc, char **argv)
{
	const char *kpath = opt(argc, argv, "-k"), *lkarg = opt(argc, argv, "--log-key"),
		   *state = opt(argc, argv, "--state"), *proof = opt(argc, argv, "--proof"),
		   *out = opt(argc, argv, "-o"), *file = positional(argc, argv);
	struct note_vkey lk;
	struct note_skey *k = NULL;
	struct note *n = NULL, *old = NULL;
	struct checkpoint c, oc;
	uint8_t *text = NULL, *otext = NULL, *ptext = NULL;
	size_t tlen, olen, plen, blen;
	char err[ERRLEN], *line = NULL;
	const char *body;
	int rc = 2;

	if (kpath == NULL || lkarg == NULL || state == NULL || file == NULL) {
		usage(stderr);
		return 2;
	}
	if (load_vkey(&lk, lkarg) != 0)
		return 2;
	if (util_read_file(&text, &tlen, file, NOTE_MAX_SIZE) != SJ_OK) {
		fprintf(stderr, "suiji: cannot read checkpoint %s\n", file);
		return 2;
	}
	if ((rc = open_checkpoint(&n, &c, (const char *)text, tlen, &lk, "the checkpoint")) != 0)
		goto out;
	rc = util_read_file(&otext, &olen, state, NOTE_MAX_SIZE);
	if (rc == SJ_OK) {
		if ((rc = open_checkpoint(&old, &oc, (const char *)otext, olen, &lk,
					  "the witness state")) != 0)
			goto out;
		if (strcmp(oc.origin, c.origin) != 0 || c.size < oc.size ||
		    (c.size == oc.size && sodium_memcmp(c.root, oc.root, 32) != 0)) {
			fprintf(stderr, "suiji: refusing: the checkpoint at size %llu does not "
					"extend the one at size %llu this witness cosigned\n",
				(unsigned long long)c.size, (unsigned long long)oc.size);
			rc = 1;
			goto out;
		}
		if (c.size > oc.size) {
			struct proof_consistency *p = malloc(sizeof *p);
			char why[256];
			if (p == NULL) {
				rc = 2;
				goto out;
			}
			if (proof == NULL ||
			    util_read_file(&ptext, &plen, proof, PROOF_MAX_TEXT) != SJ_OK) {
				fprintf(stderr, "suiji: a consistency proof from size %llu (--proof) "
						"is needed\n",
					(unsigned long long)oc.size);
				free(p);
				rc = 2;
				goto out;
			}
			if (proof_consistency_parse(p, (const char *)ptext, plen, why, sizeof why) !=
				    SJ_OK ||
			    p->old_size != oc.size ||
			    merkle_verify_consistency(oc.size, c.size, oc.root, c.root,
						      (const merkle_hash *)p->hashes,
						      p->n) != SJ_OK) {
				fprintf(stderr, "suiji: refusing: the consistency proof does not "
						"prove size %llu extends size %llu\n",
					(unsigned long long)c.size, (unsigned long long)oc.size);
				free(p);
				rc = 1;
				goto out;
			}
			free(p);
		}
	} else if (rc != SJ_ENOENT) {
		fprintf(stderr, "suiji: cannot read witness state %s\n", state);
		rc = 2;
		goto out;
	}
	if (keyfile_load(&k, kpath, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		rc = 2;
		goto out;
	}
	body = note_body(n, &blen);
	rc = note_cosign(&line, body, blen, (uint64_t)time(NULL), k);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji: cannot cosign: %s (is -k a witness key?)\n",
			sj_strerror(rc));
		rc = 2;
		goto out;
	}
	/* The state moves on only once the cosignature exists. */
	if (util_write_file(state, text, tlen, 0600) != SJ_OK) {
		fprintf(stderr, "suiji: cannot write witness state %s\n", state);
		rc = 2;
		goto out;
	}
	{
		size_t ll = strlen(line);
		char *full = malloc(tlen + ll);
		if (full == NULL) {
			rc = 2;
			goto out;
		}
		memcpy(full, text, tlen);
		memcpy(full + tlen, line, ll);
		if (out == NULL || strcmp(out, "-") == 0)
			rc = fwrite(full, 1, tlen + ll, stdout) == tlen + ll ? 0 : 2;
		else
			rc = util_write_file(out, full, tlen + ll, 0644) == SJ_OK ? 0 : 2;
		free(full);
	}
out:
	note_free(n);
	note_free(old);
	note_skey_free(k);
	free(line);
	free(text);
	free(otext);
	free(ptext);
	return rc;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "suiji: libsodium failed to initialise\n");
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(argv[1], "pubkey") == 0)
		return cmd_pubkey(argc, argv);
	if (strcmp(argv[1], "cosign") == 0)
		return cmd_cosign(argc, argv);
	fprintf(stderr, "suiji: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
