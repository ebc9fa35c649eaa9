/* cmdutil.c: shared pieces of suijid's operator commands (cmdutil.h). */
#include "daemon/cmdutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "rules/storeops.h"

#define ERRLEN 1024

const char *cmdutil_arg(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

int cmdutil_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int cmdutil_open_store(struct ledger_store **s, const char *dir, int flags)
{
	char path[4096], err[1024];
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	if (storeops_open(s, path, flags, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	if (ledger_store_broken(*s)) {
		fprintf(stderr, "suijid: the ledger does not verify: %s\n",
		        ledger_store_broken(*s));
		ledger_store_close(*s);
		return 1;
	}
	if (!(flags & LEDGER_STORE_READONLY)) {
		int rc = cmdutil_load_signer(*s, dir);
		if (rc != 0) {
			ledger_store_close(*s);
			return rc;
		}
	}
	return 0;
}

int cmdutil_load_signer(struct ledger_store *s, const char *dir)
{
	char path[4096], err[1024];
	int rc;
	snprintf(path, sizeof path, "%s/log.key", dir);
	rc = ledger_store_load_signer(s, path, err, sizeof err);
	if (rc != SJ_OK)
		fprintf(stderr, "suijid: cannot sign entries: %s\n", err);
	return rc == SJ_OK ? 0 : rc == SJ_EPERM ? 1 : 2;
}

int cmdutil_exit_code(int rc)
{
	return rc == SJ_OK ? 0 : (rc == SJ_EVERIFY || rc == SJ_EPERM || rc == SJ_ECORRUPT) ? 1 : 2;
}

/*
 * Appends one entry of type with payload: unsigned by the log operator
 * (its agency `agency`) or, when keypath is set, signed by that client for
 * the agency it was registered for. Returns the exit code.
 */
int cmdutil_append(const char *dir, uint32_t type, const char *agency, const uint8_t *payload,
                   size_t len, const char *keypath, const char *what)
{
	struct ledger_store *s = NULL;
	struct note_skey *k = NULL;
	struct note_vkey vk;
	struct ledger_append a = {
	    .type = type, .agency = agency, .payload = payload, .payload_len = len};
	char path[4096], err[ERRLEN], kagency[ENTRY_MAX_AGENCY + 1];
	uint8_t sig[ENTRY_SIG_SIZE], *msg = NULL;
	uint64_t seq;
	size_t mlen;
	int rc, role;

	snprintf(path, sizeof path, "%s/ledger.db", dir);
	if (storeops_open(&s, path, 0, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	if (ledger_store_broken(s)) {
		fprintf(stderr, "suijid: the ledger does not verify: %s\n", ledger_store_broken(s));
		rc = 1;
		goto close_store;
	}
	if ((rc = cmdutil_load_signer(s, dir)) != 0)
		goto close_store;
	if (keypath) {
		if (keyfile_load(&k, keypath, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
			fprintf(stderr, "suijid: %s\n", err);
			rc = 2;
			goto close_store;
		}
		note_skey_public(&vk, k);
		if (ledger_store_client(s, vk.pk, &role, kagency) != SJ_OK) {
			fprintf(stderr, "suijid: the key in %s is not a registered client\n",
			        keypath);
			rc = 1;
			goto free_key;
		}
		a.agency = kagency;
		a.counter = util_request_counter();
		if (entry_request_message(&msg, &mlen, ledger_store_origin(s), type, a.counter,
		                          kagency, strlen(kagency), payload, len) != SJ_OK) {
			rc = 2;
			goto free_key;
		}
		note_skey_sign_raw(sig, msg, mlen, k);
		free(msg);
		a.actor = vk.pk;
		a.sig = sig;
	}
	rc = ledger_store_append(s, &a, 1, &seq, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s refused: %s\n", what, err);
		rc = rc == SJ_EVERIFY || rc == SJ_EPERM ? 1 : 2;
		goto free_key;
	}
	printf("entry %llu: %s: %s\n", (unsigned long long)seq, entry_type_name(type), what);
	rc = 0;
free_key:
	note_skey_free(k);
close_store:
	ledger_store_close(s);
	return rc;
}
