/*
 * pubvalues.c: `suiji pubvalues sign` (pubvalues.h).
 *
 * The signed file is one JSON object:
 *   {"key":"<hex 32>","signature":"<hex 64>","payload":"<hex>"}
 * payload the suiji.PublicValues bytes exactly as signed, signature the
 * entry request signature of ledger/entry.h over (origin, type 48, empty
 * agency, payload).
 */
#include "client/pubvalues.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/manual.h"
#include "client/cli.h"
#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "proto/beacon.pb-c.h"

static int usage(void)
{
	fprintf(stderr, "usage: suiji pubvalues sign --key FILE --origin ORIGIN --source ID "
	                "VALUES.json [-o FILE]\n");
	return 2;
}

/* Hex of n bytes as a cJSON string member of o. */
static int add_hex(cJSON *o, const char *name, const uint8_t *b, size_t n)
{
	char *h = malloc(2 * n + 1);
	int ok;
	if (h == NULL)
		return 0;
	util_hex(h, b, n);
	ok = cJSON_AddStringToObject(o, name, h) != NULL;
	free(h);
	return ok;
}

int pubvalues_sign_main(int argc, char **argv)
{
	const char *keypath = cli_arg(argc, argv, "--key"),
	           *origin = cli_arg(argc, argv, "--origin"),
	           *source = cli_arg(argc, argv, "--source"), *out = cli_arg(argc, argv, "-o"),
	           *file = NULL;
	Suiji__PublicValues m = SUIJI__PUBLIC_VALUES__INIT;
	struct note_skey *k = NULL;
	struct note_vkey vk;
	struct beacon_value v;
	uint8_t *doc = NULL, *payload = NULL, *msg = NULL, sig[ENTRY_SIG_SIZE];
	size_t dlen = 0, plen, mlen;
	char err[512], *text = NULL, ctext[24];
	uint64_t counter;
	cJSON *o = NULL;
	int rc = 2;

	/* The one argument that is neither an option nor an option's value. */
	for (int i = 3; i < argc; i++) {
		if (argv[i][0] == '-')
			i++;
		else if (file == NULL)
			file = argv[i];
		else
			return usage();
	}
	if (argc < 3 || strcmp(argv[2], "sign") != 0 || keypath == NULL || origin == NULL ||
	    source == NULL || file == NULL)
		return usage();
	if (util_read_file(&doc, &dlen, file, MANUAL_MAX_JSON) != SJ_OK) {
		fprintf(stderr, "suiji: cannot read the values document %s\n", file);
		return 2;
	}
	/* Checked before signing: a signer signs only what the log accepts. */
	if (manual_value(&v, NULL, 0, NULL, (const char *)doc, dlen, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s: %s\n", file, err);
		goto out;
	}
	if (keyfile_load(&k, keypath, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suiji: %s\n", err);
		goto out;
	}
	note_skey_public(&vk, k);
	m.source = (char *)source;
	m.document = (char *)doc;
	plen = suiji__public_values__get_packed_size(&m);
	if ((payload = malloc(plen ? plen : 1)) == NULL)
		goto out;
	suiji__public_values__pack(&m, payload);
	/* The counter binds the signature to this one entry: the same
	 * signed values appended twice are a replay (R18). */
	counter = util_request_counter();
	snprintf(ctext, sizeof ctext, "%llu", (unsigned long long)counter);
	if (entry_request_message(&msg, &mlen, origin, ENTRY_PUBLIC_VALUES, counter, "", 0, payload,
	                          plen) != SJ_OK) {
		fprintf(stderr, "suiji: the origin \"%s\" is too long\n", origin);
		goto out;
	}
	note_skey_sign_raw(sig, msg, mlen, k);
	if ((o = cJSON_CreateObject()) == NULL || !add_hex(o, "key", vk.pk, ENTRY_KEY_SIZE) ||
	    !add_hex(o, "signature", sig, ENTRY_SIG_SIZE) ||
	    !add_hex(o, "payload", payload, plen) ||
	    cJSON_AddStringToObject(o, "counter", ctext) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	if (out == NULL) {
		printf("%s\n", text);
	} else if (util_write_file(out, text, strlen(text), 0644) != SJ_OK) {
		fprintf(stderr, "suiji: cannot write %s\n", out);
		goto out;
	}
	rc = 0;
out:
	cJSON_free(text);
	cJSON_Delete(o);
	free(msg);
	free(payload);
	free(doc);
	note_skey_free(k);
	return rc;
}
