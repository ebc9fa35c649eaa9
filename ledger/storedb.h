/*
 * storedb.h: the ledger's SQLite database, defined once: its schema, the
 * statements that read it, and a read-only reader.
 *
 * The store (store.h) writes the database and the verifier reads it; both
 * take the tables from here, so a change to the schema is made in one place.
 * This file holds no signing code: the verify-only build links it.
 *
 * Schema (every table append-only, enforced by triggers):
 *   entries(seq INTEGER PRIMARY KEY, bytes BLOB)      entry bytes (entry.h)
 *   checkpoints(size INTEGER PRIMARY KEY, note TEXT)  log-signed note
 *   cosignatures(size INTEGER, line TEXT)             one cosignature line,
 *                                                     verbatim, in rowid order
 *
 * A stored checkpoint as a whole (what the export writes and the verifier
 * checks) is its note followed by its cosignature lines in rowid order.
 */
#ifndef SUIJI_LEDGER_STOREDB_H
#define SUIJI_LEDGER_STOREDB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Creates the tables and triggers when missing (sqlite3_exec). */
extern const char storedb_schema[];

/* The statements, by what they bind (?) and return. */
#define STOREDB_COUNT_ENTRIES "SELECT count(*) FROM entries"
#define STOREDB_ENTRIES "SELECT seq, bytes FROM entries ORDER BY seq"
#define STOREDB_ENTRIES_FROM "SELECT seq, bytes FROM entries WHERE seq >= ? ORDER BY seq"
#define STOREDB_ENTRY_BYTES "SELECT bytes FROM entries ORDER BY seq"
#define STOREDB_ENTRY "SELECT bytes FROM entries WHERE seq = ?"
#define STOREDB_INSERT_ENTRY "INSERT INTO entries(seq, bytes) VALUES(?, ?)"
#define STOREDB_CHECKPOINTS "SELECT size, note FROM checkpoints ORDER BY size"
#define STOREDB_CHECKPOINT "SELECT size, note FROM checkpoints WHERE size = ?"
#define STOREDB_LATEST_CHECKPOINT "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1"
#define STOREDB_INSERT_CHECKPOINT "INSERT INTO checkpoints(size, note) VALUES(?, ?)"
#define STOREDB_COSIGNATURES "SELECT line FROM cosignatures WHERE size = ? ORDER BY rowid"
#define STOREDB_INSERT_COSIGNATURE "INSERT OR IGNORE INTO cosignatures(size, line) VALUES(?, ?)"

/*
 * The checkpoint note stored at size (nlen bytes, borrowed) joined with its
 * cosignature lines from db into *out (malloc'd, NUL-terminated, *len bytes
 * without the NUL). Errors: SJ_EIO (sqlite3_errmsg(db) says why), SJ_ENOMEM;
 * *out is untouched on failure.
 */
SJ_WUR int storedb_note_with_cosigs(sqlite3 *db, uint64_t size, const char *note, size_t nlen,
				    char **out, size_t *len);

/*
 * What storedb_read hands over, in order: the number of entries, every
 * entry in sequence order, then every checkpoint (joined with its
 * cosignatures) in increasing size. Pointers are borrowed for the call. A
 * callback returns SJ_OK to go on, STOREDB_STOP (from entry) to skip the
 * remaining entries and go on to the checkpoints, or a negative code to end
 * the read with that code.
 */
#define STOREDB_STOP 1
struct storedb_visitor {
	int (*count)(void *ctx, uint64_t entries);
	int (*entry)(void *ctx, int64_t seq, const uint8_t *bytes, size_t len);
	int (*checkpoint)(void *ctx, const char *note, size_t len);
};

/*
 * Reads the ledger at path read-only, in one read transaction (one moment
 * of a ledger the daemon may be appending to), through v. Never writes.
 * Errors: SJ_EIO (err names the file and cause), or a callback's code.
 */
SJ_WUR int storedb_read(const char *path, const struct storedb_visitor *v, void *ctx, char *err,
			size_t err_cap);

#endif
