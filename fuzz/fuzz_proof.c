/*
 * fuzz_proof.c: libFuzzer target for the two proof parsers of
 * ledger/proof.c. Seeds are in fuzz/corpus/proof/.
 *
 * Besides memory safety it checks the property the formats are built on:
 * a text that parses is canonical, so formatting what was parsed must give
 * back exactly the input bytes; and a text that does not parse must come
 * with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/proof.h"

/* The parsers accept up to PROOF_MAX_TEXT bytes; the fuzzer gains nothing
 * from inputs that large but time, so it caps them far lower, first. */
#define FUZZ_MAX_INPUT 65536

static void check_round_trip(const char *out, size_t out_len, int rc, const uint8_t *data,
                             size_t size)
{
	if (rc != SJ_OK || out_len != size || memcmp(out, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proof_inclusion pi;
	static struct proof_consistency pc;
	const char *text = (const char *)data;
	char err[256], *out = NULL;
	size_t len = 0;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;

	if (proof_inclusion_parse(&pi, text, size, err, sizeof err) == SJ_OK) {
		rc = proof_inclusion_format(&out, &len, pi.index, pi.hashes, pi.n, pi.checkpoint,
		                            pi.checkpoint_len, pi.has_extra ? pi.extra : NULL,
		                            pi.extra_len);
		check_round_trip(out, len, rc, data, size);
		free(out);
		out = NULL;
	} else if (err[0] == '\0') {
		abort();
	}

	if (proof_consistency_parse(&pc, text, size, err, sizeof err) == SJ_OK) {
		rc = proof_consistency_format(&out, &len, pc.old_size, pc.hashes, pc.n,
		                              pc.checkpoint, pc.checkpoint_len);
		check_round_trip(out, len, rc, data, size);
		free(out);
	} else if (err[0] == '\0') {
		abort();
	}
	return 0;
}
