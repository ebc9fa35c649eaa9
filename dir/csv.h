/*
 * csv.h: a reader for the CSV files that spreadsheet programs write in
 * China, for the bulk import of the directories (批量导入, R1, R2).
 * Pure code apart from iconv: no I/O, no globals.
 *
 * The syntax is RFC 4180's: fields separated by ',', rows ended by CRLF,
 * LF or a lone CR (old Mac spreadsheets); a field in double quotes may hold
 * ',', CR, LF and '"' written twice. Two leniencies, both because real
 * files have them and neither is ambiguous: a '"' inside an unquoted field
 * is an ordinary character, and the last row may end without a newline.
 * A character after a closing quote other than ',', CR, LF ("ab"c) is a
 * damaged row.
 *
 * Encodings: UTF-8, with or without a byte-order mark, and GB18030 (a
 * superset of GBK and GB2312, which is what "CSV" means to a spreadsheet
 * in a Chinese locale), converted to UTF-8 with iconv. CSV_AUTO decides
 * once for the whole input: a UTF-8 byte-order mark means UTF-8; else
 * input that is valid UTF-8 throughout is UTF-8; else GB18030. (ASCII is
 * the same in both, and a GB18030 file with Chinese text in it is valid
 * UTF-8 only by a rare accident that a whole file does not keep up.) A
 * GB18030 byte-order mark (84 31 95 33) is skipped too.
 *
 * Damage is per row: bytes that do not decode in the chosen encoding, a
 * NUL byte, a field or row over its limit, too many fields, text after a
 * closing quote. The row is still delivered, with error set, so that a
 * caller can report every damaged row of a file with its line rather than
 * the first one; the bad bytes are dropped and an over-long field is cut
 * at its limit, so memory stays bounded. Only an unclosed quote at the end
 * of the input is fatal, since every row after its opening was swallowed.
 *
 * Lines are physical lines counted from 1: CRLF, LF and a lone CR each end
 * one, inside quotes too, so a row that holds a line break in a quoted
 * field starts on one line and ends on a later one, as an editor shows it.
 *
 * The reader makes one pass over the input; each byte is handled a
 * bounded number of times; memory beyond the input is one row.
 */
#ifndef SUIJI_DIR_CSV_H
#define SUIJI_DIR_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CSV_DEFAULT_MAX_FIELD  (64u * 1024u)
#define CSV_DEFAULT_MAX_FIELDS 1024u
#define CSV_DEFAULT_MAX_ROW    (1024u * 1024u)

enum csv_encoding {
	CSV_AUTO = 0,
	CSV_UTF8 = 1,
	CSV_GB18030 = 2,
};

/* Limits and the encoding; a zero member takes its default. */
struct csv_opts {
	enum csv_encoding encoding;
	size_t max_field;  /* bytes of one field, after decoding */
	size_t max_fields; /* fields of one row */
	size_t max_row;    /* bytes of one row, after decoding */
};

/* One row, as the callback sees it. Everything is borrowed and valid only
 * until the callback returns. */
struct csv_row {
	size_t line;              /* the physical line the row starts on */
	size_t end_line;          /* the physical line it ends on */
	size_t nfields;           /* at least 1: an empty line is one empty field */
	const char *const *field; /* NUL-terminated UTF-8 (valid when error is NULL) */
	const size_t *len;        /* byte length of each field */
	const char *error;        /* NULL, or why the row is damaged */
	size_t error_line;        /* the physical line of the first damage */
	size_t input_offset;      /* input bytes consumed so far (for progress) */
};

/* Called once per row, in order. Returning non-zero stops the reader,
 * which then returns that value; return a negative SJ_* code. */
typedef int (*csv_row_fn)(void *arg, const struct csv_row *row);

/* The encoding CSV_AUTO chooses for buf[0..len) (borrowed). */
enum csv_encoding csv_detect(const uint8_t *buf, size_t len);

/* 1 when buf[0..len) is strictly valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else 0. */
int csv_utf8_valid(const uint8_t *buf, size_t len);

/* "UTF-8" or "GB18030" (CSV_AUTO: "auto"). */
const char *csv_encoding_name(enum csv_encoding e);

/*
 * Reads buf[0..len) (borrowed) and calls fn(arg, row) for each row. opts
 * may be NULL (CSV_AUTO, default limits). *used (may be NULL) receives the
 * encoding read. Returns SJ_OK after the last row; the callback's non-zero
 * value when it stopped the reader; SJ_EINVAL when a quoted field is not
 * closed at the end of the input (err names the line it opened on,
 * *err_line holds that line); SJ_EIO when iconv cannot convert GB18030 on
 * this system; SJ_ENOMEM. err and err_line may be NULL.
 */
SJ_WUR int csv_parse(const uint8_t *buf, size_t len, const struct csv_opts *opts, csv_row_fn fn,
                     void *arg, enum csv_encoding *used, size_t *err_line, char *err,
                     size_t err_cap);

#endif
