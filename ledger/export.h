/*
 * export.h: the portable ledger file: every entry, every checkpoint with its
 * cosignatures, in one file that needs no SQLite to read.
 *
 *   OFFSET  SIZE  DESCRIPTION
 *        0     8  magic "SJEXPORT"
 *        8     4  format version, 1 (u32 big-endian)
 *       12     .  records, each: u8 kind || u32 big-endian length L || L bytes
 *
 *   kind 'E' (0x45): one entry's bytes (entry.h), in sequence order from 0;
 *                    L <= ENTRY_MAX_SIZE.
 *   kind 'C' (0x43): one checkpoint as a signed note (note.h) with the log's
 *                    signature and any cosignature lines; in increasing tree
 *                    size; L <= NOTE_MAX_SIZE. All 'E' records come first.
 *   kind 'Z' (0x5A): the last record, L = 16: u64 number of 'E' records ||
 *                    u64 number of 'C' records.
 *
 * A file is well-formed if and only if it starts with the magic and version,
 * every record's length is within its kind's bound and inside the file, no
 * 'E' follows a 'C', exactly one 'Z' ends the file, and the counts in 'Z'
 * match, so a file cut short is malformed. There is no checksum: what proves
 * the content is the verifier's check of the chain, the Merkle roots and the
 * signatures, which catches any changed byte and names the entry.
 */
#ifndef SUIJI_LEDGER_EXPORT_H
#define SUIJI_LEDGER_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

#define EXPORT_KIND_ENTRY 'E'
#define EXPORT_KIND_CHECKPOINT 'C'
#define EXPORT_KIND_END 'Z'

/* Reading: a cursor over a file held in memory (borrowed). */
struct export_reader {
	const uint8_t *buf;
	size_t len, off;
	uint64_t nentries, ncheckpoints;
	int seen_checkpoint, done;
};

/* Checks the magic and version. Errors: SJ_EINVAL, reason in err. */
SJ_WUR int export_reader_init(struct export_reader *r, const uint8_t *buf, size_t len, char *err,
			      size_t err_cap);

/*
 * The next 'E' or 'C' record: *kind and *data (borrowed from the buffer),
 * *len. Returns SJ_OK for a record, SJ_ENOENT after a valid 'Z' that ends
 * the file, SJ_EINVAL (reason in err, with the byte offset) for anything
 * malformed.
 */
SJ_WUR int export_reader_next(struct export_reader *r, int *kind, const uint8_t **data,
			      size_t *len, char *err, size_t err_cap);

/* Writing: records go to f in the order the format requires. */
struct export_writer {
	FILE *f;
	uint64_t nentries, ncheckpoints;
};

SJ_WUR int export_writer_init(struct export_writer *w, FILE *f);
SJ_WUR int export_writer_add(struct export_writer *w, int kind, const uint8_t *data, size_t len);
/* Writes 'Z' and flushes. SJ_EIO if any write failed. */
SJ_WUR int export_writer_finish(struct export_writer *w);

#endif
