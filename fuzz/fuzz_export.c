/*
 * fuzz_export.c: libFuzzer target for the export reader and the entry
 * decoder, the parsers an auditor's verifier runs on a file from anyone.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ledger/entry.h"
#include "ledger/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct export_reader r;
	struct entry e;
	const uint8_t *rec;
	size_t len;
	char err[256];
	int kind;

	if (size > (1u << 20))
		return 0;
	if (sodium_init() < 0)
		abort();
	/* The input as an entry on its own. */
	if (entry_decode(&e, data, size, err, sizeof err) == SJ_OK && e.payload_len > size)
		abort();
	/* The input as an export file: every record, every entry in it. */
	if (export_reader_init(&r, data, size, err, sizeof err) != SJ_OK)
		return 0;
	while (export_reader_next(&r, &kind, &rec, &len, err, sizeof err) == SJ_OK)
		if (kind == EXPORT_KIND_ENTRY && entry_decode(&e, rec, len, err, sizeof err) == SJ_OK &&
		    e.payload_len > len)
			abort(); /* a decoded view may never point past its record */
	return 0;
}
