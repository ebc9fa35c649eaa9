/*
 * import.h: bulk import (批量导入) of a directory from a CSV file: the
 * inspection objects (R1), the officers (R2), the experts (专家库, R2,
 * R13) and the declared conflicts of interest (R12). Pure code apart from
 * iconv (through dir/csv.h): no I/O, no globals.
 *
 * The first row that is not blank is the header. Each column is named in
 * Chinese or English, as record.c's field tables and docs/import.md list
 * them; a header cell is compared after trimming white space and the '*'
 * that templates put on required columns, English without regard to case
 * and with ' ' or '-' read as '_'. A column called 序号 (or no, seq) is a
 * row number and is ignored. A column whose header is empty is ignored
 * while its cells are empty. An unknown column is an error naming it,
 * because a misspelt optional column would otherwise import as empty and
 * the next re-import would report every record's field as cleared; with
 * ignore_unknown_columns it is a warning instead. A column named twice and
 * a missing required column are errors.
 *
 * Every data row is checked in full: its field count, each value against
 * its field's rule (docs/import.md), and its key against every earlier
 * row's (a duplicate identifier, certificate number or conflict). Blank
 * rows (every cell empty) are skipped. Each problem is an error with the
 * row's line. The import is ALL OR NOTHING: it returns either every record
 * of the file, or the errors and no record. Errors are kept in line order
 * up to max_errors; beyond that they are only counted.
 *
 * Values are read as UTF-8 after trimming white space (ASCII spaces, tabs
 * and line breaks, U+3000 and U+00A0) at both ends. In a text field a line break or a tab (Excel's
 * Alt+Enter) becomes one space; any other control character is an error.
 * Lists are separated by ';', '；' or '、'; empty items are dropped and
 * repeated items merged; the set is stored sorted. An empty status takes
 * the first value (active; for a conflict's person_kind, officer).
 *
 * The progress callback, when set, is called every IMPORT_PROGRESS_ROWS
 * rows and once at the end, from inside import_run, with the input bytes
 * consumed so far, the total, and the data rows read.
 */
#ifndef SUIJI_DIR_IMPORT_H
#define SUIJI_DIR_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "dir/csv.h"
#include "dir/ident.h"
#include "dir/record.h"

#define IMPORT_DEFAULT_MAX_ERRORS 1000
#define IMPORT_MAX_ROWS           20000000u
#define IMPORT_MAX_RISK_CLASSES   32
#define IMPORT_MSG_SIZE           256
#define IMPORT_PROGRESS_ROWS      16384

typedef void (*import_progress_fn)(void *arg, size_t done_bytes, size_t total_bytes, size_t rows);

struct import_opts {
	unsigned kind;              /* enum record_kind: what the file holds */
	enum csv_encoding encoding; /* CSV_AUTO unless the caller knows */
	/* The risk classes an object may have (R7), names, in any order;
	 * NULL takes A, B, C, D (国市监信发〔2022〕6号). */
	const char *const *risk_classes;
	size_t nrisk_classes;
	/* The object identifier kinds accepted (dir/ident.h); NULL takes
	 * the credit code only. Applies to objects and to conflicts'
	 * objects. */
	const struct ident_kind *id_kinds;
	size_t nid_kinds;
	int ignore_unknown_columns; /* 1: an unknown column is a warning */
	size_t max_errors;          /* errors and warnings kept; 0: the default */
	import_progress_fn progress;
	void *progress_arg;
};

/* An error or a warning: the line it is about (0 for the options), the
 * text, which names the column and the value. */
struct import_msg {
	size_t line;
	char text[IMPORT_MSG_SIZE];
};

struct import;

/*
 * Reads and checks buf[0..len) (borrowed for the call only; records copy
 * what they keep) as a directory of o->kind.
 *
 * Returns SJ_OK with *out holding every record, sorted by key
 * (record_key_cmp), and warnings. Returns SJ_EINVAL with *out holding the
 * errors and no record: a bad row, a bad header, bad options. Both leave
 * *out to import_free. Other errors leave *out NULL: SJ_EIO (the system's
 * iconv has no GB18030), SJ_ENOMEM.
 */
SJ_WUR int import_run(struct import **out, const uint8_t *buf, size_t len,
                      const struct import_opts *o);

void import_free(struct import *im);

/* The records, strictly ascending by key; none after a refusal. Borrowed
 * until import_free. */
const struct record *const *import_records(const struct import *im, size_t *n);

/* The errors kept (the first max_errors by line), and in *total how many
 * there were. */
const struct import_msg *import_errors(const struct import *im, size_t *n, size_t *total);

/* The warnings kept, and in *total how many there were. */
const struct import_msg *import_warnings(const struct import *im, size_t *n, size_t *total);

/* Data rows read (blank rows not counted), and how many had an error. */
size_t import_rows(const struct import *im);
size_t import_bad_rows(const struct import *im);

/* The encoding the file was read in. */
enum csv_encoding import_encoding(const struct import *im);

#endif
