/*
 * storedb.c: the ledger's SQLite schema and read-only reader (storedb.h).
 */
#include "ledger/storedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char storedb_schema[] =
	"CREATE TABLE IF NOT EXISTS entries(seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS cosignatures(size INTEGER NOT NULL, line TEXT NOT NULL,"
	"  UNIQUE(size, line));"
	"CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries"
	"  BEGIN SELECT RAISE(ABORT, 'suiji ledger is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries"
	"  BEGIN SELECT RAISE(ABORT, 'suiji ledger is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'suiji ledger is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'suiji ledger is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS cosignatures_no_update BEFORE UPDATE ON cosignatures"
	"  BEGIN SELECT RAISE(ABORT, 'suiji ledger is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS cosignatures_no_delete BEFORE DELETE ON cosignatures"
	"  BEGIN SELECT RAISE(ABORT, 'suiji ledger is append-only'); END;";

int storedb_note_with_cosigs(sqlite3 *db, uint64_t size, const char *note, size_t nlen,
			     char **out, size_t *len)
{
	sqlite3_stmt *st = NULL;
	char *buf;
	size_t cap = nlen + 1, used = nlen;
	int src, rc = SJ_OK;

	buf = malloc(cap);
	if (buf == NULL)
		return SJ_ENOMEM;
	memcpy(buf, note, nlen);
	src = sqlite3_prepare_v2(db, STOREDB_COSIGNATURES, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = SJ_EIO;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		size_t l = (size_t)sqlite3_column_bytes(st, 0);
		if (used + l + 1 > cap) {
			char *nb = realloc(buf, used + l + 1);
			if (nb == NULL) {
				rc = SJ_ENOMEM;
				goto fail;
			}
			buf = nb;
			cap = used + l + 1;
		}
		memcpy(buf + used, sqlite3_column_text(st, 0), l);
		used += l;
	}
	if (src != SQLITE_DONE) {
		rc = SJ_EIO;
		goto fail;
	}
	sqlite3_finalize(st);
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return SJ_OK;
fail:
	sqlite3_finalize(st);
	free(buf);
	return rc;
}

/* Every entry in sequence order, until the visitor stops. */
static int read_entries(sqlite3 *db, const struct storedb_visitor *v, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int src, rc = SJ_OK;

	if (sqlite3_prepare_v2(db, STOREDB_ENTRIES, -1, &st, NULL) != SQLITE_OK)
		return SJ_EIO;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 1);
		rc = v->entry(ctx, sqlite3_column_int64(st, 0), b ? b : (const void *)"",
			      (size_t)sqlite3_column_bytes(st, 1));
		if (rc != SJ_OK)
			break;
	}
	if (rc == STOREDB_STOP)
		rc = SJ_OK;
	else if (rc == SJ_OK && src != SQLITE_DONE)
		rc = SJ_EIO;
	sqlite3_finalize(st);
	return rc;
}

/* Every checkpoint, joined with its cosignatures, in increasing size. */
static int read_checkpoints(sqlite3 *db, const struct storedb_visitor *v, void *ctx)
{
	sqlite3_stmt *st = NULL, *cs = NULL;
	int src, rc = SJ_OK;

	/* Both tables must be there, whether or not there is a checkpoint. */
	src = sqlite3_prepare_v2(db, STOREDB_COSIGNATURES, -1, &cs, NULL);
	sqlite3_finalize(cs);
	if (src != SQLITE_OK ||
	    sqlite3_prepare_v2(db, STOREDB_CHECKPOINTS, -1, &st, NULL) != SQLITE_OK)
		return SJ_EIO;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		char *note;
		size_t len;
		rc = storedb_note_with_cosigs(db, (uint64_t)sqlite3_column_int64(st, 0),
					      (const char *)sqlite3_column_text(st, 1),
					      (size_t)sqlite3_column_bytes(st, 1), &note, &len);
		if (rc != SJ_OK)
			break;
		rc = v->checkpoint(ctx, note, len);
		free(note);
		if (rc != SJ_OK)
			break;
	}
	if (rc == SJ_OK && src != SQLITE_DONE)
		rc = SJ_EIO;
	sqlite3_finalize(st);
	return rc;
}

int storedb_read(const char *path, const struct storedb_visitor *v, void *ctx, char *err,
		 size_t err_cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t total = 0;
	int rc = SJ_EIO;

	/* Read-only, in one read transaction: a reader never writes to the
	 * ledger it reads, and sees one moment of it while the daemon runs. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	/* The count only sizes the reader's tables and its progress; a ledger
	 * without it is found out by the read that follows. */
	if (sqlite3_prepare_v2(db, STOREDB_COUNT_ENTRIES, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		total = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((rc = v->count(ctx, total)) != SJ_OK)
		goto out;
	if ((rc = read_entries(db, v, ctx)) == SJ_OK)
		rc = read_checkpoints(db, v, ctx);
	if (rc != SJ_EIO)
		goto out;
dberr:
	snprintf(err, err_cap, "cannot read ledger %s: %s", path,
		 db ? sqlite3_errmsg(db) : "out of memory");
	rc = SJ_EIO;
out:
	sqlite3_close(db);
	return rc;
}
