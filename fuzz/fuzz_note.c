/*
 * fuzz_note.c: libFuzzer target for the decoders at the verifier's front
 * door: signed notes, verifier keys (ledger/note.c) and checkpoint bodies
 * (ledger/checkpoint.c). It links no signing code, as the verifier does.
 *
 * Beyond "no crash and no sanitizer report", every input checks:
 *   - a note that parses has at least one signature line, a non-empty
 *     body ending in '\n', and well-formed lines of at least one byte;
 *   - verification against two fixed keys (a note key and a cosignature
 *     key, whose lines the seed corpus holds) returns only documented codes;
 *   - a checkpoint body that parses, alone or as a note's body, formats
 *     back to exactly its bytes;
 *   - a verifier key that parses formats back to exactly its text.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger/checkpoint.h"
#include "ledger/note.h"

/* golang.org/x/mod/sumdb/note's PeterNeumann key, and the witness key of
 * sigsum-go's cosignature test; see tests/test_note.c. */
#define PETER_VKEY   "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define WITNESS_VKEY "example.org/witness+cacf2e50+BGbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/bxCSn"

static struct note_vkey peter, witness;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || note_vkey_parse(&peter, PETER_VKEY) != SJ_OK ||
	    note_vkey_parse(&witness, WITNESS_VKEY) != SJ_OK)
		abort();
	return 0;
}

static void check_checkpoint(const char *body, size_t len)
{
	static struct checkpoint c;
	static char out[CHECKPOINT_MAX_ORIGIN + CHECKPOINT_MAX_EXT + 128];
	char err[128];
	size_t out_len;

	if (checkpoint_parse(&c, body, len, err, sizeof err) != SJ_OK)
		return;
	if (checkpoint_format(out, sizeof out, &out_len, &c) != SJ_OK)
		abort();
	if (out_len != len || memcmp(out, body, len) != 0)
		abort();
}

static void check_note(const char *text, size_t len)
{
	struct note *n;
	const char *body, *name;
	const uint8_t *sig;
	size_t body_len, sig_len, count;
	uint32_t id;
	uint64_t ts;
	char err[160];
	int rc;

	if (note_parse(&n, text, len, err, sizeof err) != SJ_OK)
		return;
	count = note_sig_count(n);
	if (count == 0 || count > len / 4)
		abort();
	for (size_t i = 0; i < count; i++) {
		/* A malformed line (ignored unless a known key names it) has no
		 * signature bytes; a well-formed one has a name and bytes. */
		rc = note_sig_get(n, i, &name, &id, &sig, &sig_len);
		if (rc == SJ_EINVAL ? sig != NULL : rc != SJ_OK || sig_len == 0 || name[0] == '\0')
			abort();
	}
	if (note_sig_get(n, count, &name, &id, &sig, &sig_len) != SJ_ERANGE)
		abort();
	body = note_body(n, &body_len);
	if (body_len == 0 || body_len >= len || body[body_len - 1] != '\n')
		abort();

	rc = note_verify(n, &peter);
	if (rc != SJ_OK && rc != SJ_ENOENT && rc != SJ_EVERIFY)
		abort();
	rc = note_verify_cosignature(n, &witness, &ts);
	if (rc != SJ_OK && rc != SJ_ENOENT && rc != SJ_EVERIFY && rc != SJ_ENOMEM)
		abort();
	check_checkpoint(body, body_len);
	note_free(n);
}

static void check_vkey(const uint8_t *data, size_t size)
{
	char text[NOTE_MAX_VKEY + 8], again[NOTE_MAX_VKEY];
	struct note_vkey k;

	if (size >= sizeof text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (note_vkey_parse(&k, text) != SJ_OK)
		return;
	if (note_vkey_format(again, sizeof again, k.name, k.type, k.pk) != SJ_OK ||
	    strcmp(again, text) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The same cap the decoders apply, first: one byte over it still
	 * reaches note_parse to exercise its refusal. */
	if (size > NOTE_MAX_SIZE + 1)
		return 0;
	check_note((const char *)data, size);
	check_checkpoint((const char *)data, size);
	check_vkey(data, size);
	return 0;
}
