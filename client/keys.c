/*
 * keys.c: keygen, pubkey and the witness's cosign (keys.h).
 */
#include "client/keys.h"

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"
#include "client/cli.h"
#include "client/keys.h"
#include "client/rpc.h"
#include "common/util.h"
#include "dir/import.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/print.h"
#include "draw/result.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/proof.h"
#include "ledger/vkeyfile.h"
#include "ledger/witcheck.h"
#include "proto/directory.pb-c.h"
#include "proto/draw.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "wire/channel.h"
#include "wire/drawspec.h"
#include "wire/planspec.h"
#include "wire/resultspec.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int keys_keygen(int argc, char **argv)
{
	const char *path = cli_arg(argc, argv, "-k"), *name = cli_arg(argc, argv, "--name");
	struct note_skey *k = NULL;
	char err[CLI_ERRLEN];
	int created = 0, rc;

	if (path == NULL || name == NULL) {
		cli_usage(stderr);
		return 2;
	}
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "suiji: %s exists already; not overwriting a key\n", path);
		return 2;
	}
	rc = keyfile_load(&k, path, name,
	                  cli_has_flag(argc, argv, "--witness") ? NOTE_TYPE_COSIG_V1
	                                                        : NOTE_TYPE_ED25519,
	                  1, &created, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	rc = print_public(k);
	note_skey_free(k);
	return rc;
}

int keys_pubkey(int argc, char **argv)
{
	const char *path = cli_arg(argc, argv, "-k");
	struct note_skey *k = NULL;
	char err[CLI_ERRLEN];
	int rc;

	if (path == NULL) {
		cli_usage(stderr);
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

int keys_load_vkey(struct note_vkey *k, const char *arg)
{
	char err[300];
	if (vkeyfile_load(k, arg, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		return 2;
	}
	return 0;
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

/*
 * The witness's one decision (ledger/witcheck.h), for the file-based
 * witness: the checkpoint c must extend oc, the one cosigned before, by the
 * consistency proof in the file proof when it is larger. 0, 1 (refused), 2.
 */
static int check_extends(const struct checkpoint *oc, const struct checkpoint *c, const char *proof,
                         uint8_t **ptext, size_t *plen)
{
	struct witcheck_state st = {.known = 1, .size = oc->size};
	struct proof_consistency *p = NULL;
	char why[256];
	int rc = 1;

	memcpy(st.root, oc->root, 32);
	if (strcmp(oc->origin, c->origin) != 0 || c->size < oc->size) {
		fprintf(stderr,
		        "suiji: refusing: the checkpoint at size %llu does not "
		        "extend the one at size %llu this witness cosigned\n",
		        (unsigned long long)c->size, (unsigned long long)oc->size);
		return 1;
	}
	if (c->size > oc->size) {
		if ((p = malloc(sizeof *p)) == NULL)
			return 2;
		if (proof == NULL || util_read_file(ptext, plen, proof, PROOF_MAX_TEXT) != SJ_OK) {
			fprintf(stderr,
			        "suiji: a consistency proof from size %llu (--proof) is needed\n",
			        (unsigned long long)oc->size);
			free(p);
			return 2;
		}
		if (proof_consistency_parse(p, (const char *)*ptext, *plen, why, sizeof why) !=
		        SJ_OK ||
		    p->old_size != oc->size) {
			fprintf(stderr,
			        "suiji: refusing: the consistency proof does not "
			        "prove size %llu extends size %llu\n",
			        (unsigned long long)c->size, (unsigned long long)oc->size);
			free(p);
			return 1;
		}
	}
	if (witcheck_decide(&st, oc->size, c, p ? (const merkle_hash *)p->hashes : NULL,
	                    p ? p->n : 0, why, sizeof why) == WITCHECK_COSIGN)
		rc = 0;
	else
		fprintf(stderr, "suiji: refusing: %s\n", why);
	free(p);
	return rc;
}

int keys_cosign(int argc, char **argv)
{
	const char *kpath = cli_arg(argc, argv, "-k"), *lkarg = cli_arg(argc, argv, "--log-key"),
	           *state = cli_arg(argc, argv, "--state"), *proof = cli_arg(argc, argv, "--proof"),
	           *out = cli_arg(argc, argv, "-o"), *file = cli_positional(argc, argv);
	struct note_vkey lk;
	struct note_skey *k = NULL;
	struct note *n = NULL, *old = NULL;
	struct checkpoint c, oc;
	uint8_t *text = NULL, *otext = NULL, *ptext = NULL;
	size_t tlen, olen, plen, blen;
	char err[CLI_ERRLEN], *line = NULL;
	const char *body;
	int rc = 2;

	if (kpath == NULL || lkarg == NULL || state == NULL || file == NULL) {
		cli_usage(stderr);
		return 2;
	}
	if (keys_load_vkey(&lk, lkarg) != 0)
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
		if ((rc = check_extends(&oc, &c, proof, &ptext, &plen)) != 0)
			goto out;
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
