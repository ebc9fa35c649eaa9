/*
 * fuzz_import.c: libFuzzer target for the bulk import: the CSV reader
 * (dir/csv.c) and the directory import over it (dir/import.c), with the
 * record encoding (dir/record.c) and the diff (dir/diff.c) on what it
 * accepts.
 *
 * The first byte chooses the directory kind (bits 0-1), the encoding
 * (bits 2-3: auto, UTF-8, GB18030) and whether product identifiers and
 * unknown columns are accepted (bit 4); the rest is the file. Beyond "no
 * crash and no sanitizer report", every input checks:
 *   - every row the reader delivers has 1..max fields, each NUL-terminated
 *     at its length, valid UTF-8 when the row is not damaged, lines that
 *     never go backwards, and a damage line inside the row;
 *   - the import returns only documented codes; a refusal holds errors
 *     and no record, at most max_errors of them kept; an acceptance holds
 *     no error, and records strictly ascending by key;
 *   - every accepted record encodes, decodes and encodes again to the
 *     same bytes;
 *   - the diff of the records with themselves is empty.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dir/csv.h"
#include "dir/diff.h"
#include "dir/import.h"

/* Larger inputs add nothing but time: refuse them first. */
#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

struct rowcheck {
	size_t last_line;
	size_t max_fields;
};

static int check_row(void *arg, const struct csv_row *r)
{
	struct rowcheck *c = arg;

	if (r->nfields < 1 || r->nfields > c->max_fields)
		abort();
	if (r->line < c->last_line || r->end_line < r->line)
		abort();
	c->last_line = r->end_line;
	if (r->error != NULL && (r->error_line < r->line || r->error_line > r->end_line))
		abort();
	for (size_t i = 0; i < r->nfields; i++) {
		if (strlen(r->field[i]) != r->len[i] && r->error == NULL)
			abort();
		if (r->error == NULL && !csv_utf8_valid((const uint8_t *)r->field[i], r->len[i]))
			abort();
	}
	return 0;
}

static void check_records(const struct record *const *v, size_t n)
{
	struct diff *d;
	size_t nch;
	char err[256];

	for (size_t i = 0; i < n; i++) {
		uint8_t *b, *again;
		size_t len, again_len;
		struct record *r;

		if (i > 0 && record_key_cmp(v[i - 1], v[i]) >= 0)
			abort();
		if (record_encode(&b, &len, v[i], err, sizeof err) != SJ_OK)
			abort();
		if (record_decode(&r, b, len, err, sizeof err) != SJ_OK)
			abort();
		if (record_encode(&again, &again_len, r, err, sizeof err) != SJ_OK ||
		    again_len != len || memcmp(again, b, len) != 0)
			abort();
		free(again);
		free(r);
		free(b);
	}
	if (diff_compute(&d, v, n, v, n, err, sizeof err) != SJ_OK)
		abort();
	diff_changes(d, &nch);
	if (nch != 0)
		abort();
	diff_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ident_kind kinds[] = {{"uscc", NULL}, {"product", "P-"}};
	struct import_opts o = {0};
	struct csv_opts co = {0};
	struct rowcheck rc = {0, 0};
	struct import *im;
	const struct record *const *v;
	size_t n, nerr, total;
	int r;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	o.kind = 1u + (data[0] & 3u);
	o.encoding = (enum csv_encoding)((data[0] >> 2) % 3);
	if (data[0] & 0x10) {
		o.id_kinds = kinds;
		o.nid_kinds = 2;
		o.ignore_unknown_columns = 1;
	}
	o.max_errors = 50;
	data++;
	size--;

	/* The reader alone, with small limits so that they are reached. */
	co.encoding = o.encoding;
	co.max_field = 64;
	co.max_fields = 8;
	co.max_row = 256;
	rc.max_fields = 8;
	r = csv_parse(data, size, &co, check_row, &rc, NULL, NULL, NULL, 0);
	if (r != SJ_OK && r != SJ_EINVAL)
		abort();

	r = import_run(&im, data, size, &o);
	if (r == SJ_ENOMEM)
		return 0;
	if (r != SJ_OK && r != SJ_EINVAL)
		abort();
	v = import_records(im, &n);
	import_errors(im, &nerr, &total);
	if (nerr > 50 || nerr > total)
		abort();
	if (r == SJ_EINVAL && (n != 0 || total == 0 || nerr == 0))
		abort();
	if (r == SJ_OK) {
		if (total != 0)
			abort();
		check_records(v, n);
	}
	import_free(im);
	return 0;
}
