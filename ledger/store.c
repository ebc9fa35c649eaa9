/*
 * store.c: the ledger in SQLite (store.h).
 *
 * The schema is ledger/storedb.h's. In memory the store keeps one leaf hash
 * per entry (32 bytes each), the hash of the last entry for the chain, the
 * rules' state (behind struct ledger_rules_ops) and a Merkle frontier over
 * the entries it has re-read from disk, which is the only root it ever
 * signs. Opening, loading and appending are here; checkpoints,
 * cosignatures and proofs are in store_checkpoint.c.
 */
#include "ledger/store.h"
#include "ledger/store_int.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/keyfile.h"
#include "ledger/note.h"
#include "ledger/storedb.h"
#include "proto/ledger.pb-c.h"

int ledger_store__db_err(struct ledger_store *s, int rc, const char *what, char *err,
                         size_t err_cap)
{
	snprintf(err, err_cap, "%s: %s", what, sqlite3_errmsg(s->db));
	if (rc == SQLITE_FULL)
		return SJ_EFULL;
	if (rc == SQLITE_NOMEM)
		return SJ_ENOMEM;
	return SJ_EIO;
}

int ledger_store__set_broken(struct ledger_store *s, const char *why)
{
	if (s->broken == NULL)
		s->broken = strdup(why);
	return s->broken ? SJ_OK : SJ_ENOMEM;
}

static int push_leaf(struct ledger_store *s, const merkle_hash h)
{
	int rc = merkle_tree_push(&s->tree, h);
	if (rc == SJ_OK)
		s->n++;
	return rc;
}

/* Verifies one stored checkpoint note against the rules' log key and the
 * root of its size, which the caller has computed from the stored entries. */
static int check_checkpoint(struct ledger_store *s, const char *text, size_t len, uint64_t *size,
                            const merkle_hash root_at, char *why, size_t why_cap)
{
	struct note *n = NULL;
	struct checkpoint c;
	const struct note_vkey *k = s->ops->log_key(s->rules);
	const char *body;
	size_t blen;
	char perr[200];
	int rc;

	rc = note_parse(&n, text, len, perr, sizeof perr);
	if (rc != SJ_OK) {
		snprintf(why, why_cap, "stored checkpoint is not a signed note: %s", perr);
		return rc == SJ_ENOMEM ? rc : SJ_EVERIFY;
	}
	body = note_body(n, &blen);
	rc = checkpoint_parse(&c, body, blen, perr, sizeof perr);
	if (rc != SJ_OK) {
		snprintf(why, why_cap, "stored checkpoint body is malformed: %s", perr);
		rc = SJ_EVERIFY;
		goto out;
	}
	*size = c.size;
	if (k == NULL || note_verify(n, k) != SJ_OK) {
		snprintf(why, why_cap, "checkpoint at size %llu is not signed by the log key",
		         (unsigned long long)c.size);
		rc = SJ_EVERIFY;
		goto out;
	}
	if (strcmp(c.origin, s->ops->origin(s->rules)) != 0) {
		snprintf(why, why_cap, "checkpoint at size %llu names origin \"%s\", not \"%s\"",
		         (unsigned long long)c.size, c.origin, s->ops->origin(s->rules));
		rc = SJ_EVERIFY;
		goto out;
	}
	if (root_at != NULL && sodium_memcmp(root_at, c.root, 32) != 0) {
		snprintf(why, why_cap,
		         "checkpoint at size %llu has a root the stored entries do not give "
		         "(entries 0..%llu were altered)",
		         (unsigned long long)c.size, (unsigned long long)(c.size - 1));
		rc = SJ_EVERIFY;
		goto out;
	}
out:
	note_free(n);
	return rc;
}

/*
 * Checks one stored row as the next entry (format, sequence, chain, time,
 * the rules) and takes it into the state. Returns SJ_OK,
 * SJ_ENOMEM, or SJ_ECORRUPT after marking the store broken with the reason.
 */
static int store_apply_row(struct ledger_store *s, sqlite3_int64 stored_seq, const uint8_t *b,
                           size_t len, merkle_hash leaf)
{
	struct entry e;
	char eerr[600], why[700];
	int rc;

	if (stored_seq < 0 || (uint64_t)stored_seq != s->n) {
		snprintf(why, sizeof why, "entry %llu: stored at sequence %lld",
		         (unsigned long long)s->n, (long long)stored_seq);
		goto broken;
	}
	if (entry_decode(&e, b ? b : (const uint8_t *)"", len, eerr, sizeof eerr) != SJ_OK) {
		snprintf(why, sizeof why, "entry %llu: %s", (unsigned long long)s->n, eerr);
		goto broken;
	}
	if (e.seq != s->n || sodium_memcmp(e.prev, s->last_hash, 32) != 0 ||
	    e.time_us < s->last_time) {
		snprintf(why, sizeof why, "entry %llu: %s", (unsigned long long)s->n,
		         e.seq != s->n ? "sequence number out of order"
		         : e.time_us < s->last_time
		             ? "time earlier than the previous entry's"
		             : "previous-hash does not match the entry before it");
		goto broken;
	}
	entry_hash(leaf, b, len);
	rc = s->ops->apply(s->rules, &e, leaf, eerr, sizeof eerr);
	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK) {
		snprintf(why, sizeof why, "entry %llu: %s", (unsigned long long)s->n, eerr);
		goto broken;
	}
	if ((rc = push_leaf(s, leaf)) != SJ_OK)
		return rc;
	memcpy(s->last_hash, leaf, MERKLE_HASH_SIZE);
	s->last_time = e.time_us;
	s->ops->settle(s->rules);
	return SJ_OK;
broken:
	if (ledger_store__set_broken(s, why) != SJ_OK)
		return SJ_ENOMEM;
	return SJ_ECORRUPT;
}

/*
 * Takes in entries another process appended since this handle last looked
 * (an operator command beside the running daemon), inside the caller's
 * write transaction so none can slip in after. They are checked exactly as
 * on open.
 */
int ledger_store__catch_up(struct ledger_store *s, char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	int src, rc = SJ_OK;

	src = sqlite3_prepare_v2(s->db, STOREDB_ENTRIES_FROM, -1, &st, NULL);
	if (src != SQLITE_OK)
		return ledger_store__db_err(s, src, "cannot read new entries", err, err_cap);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)s->n);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		merkle_hash leaf;
		rc = store_apply_row(s, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		                     (size_t)sqlite3_column_bytes(st, 1), leaf);
		if (rc != SJ_OK) {
			snprintf(err, err_cap,
			         "appends refused: the stored ledger does not verify: %s",
			         s->broken ? s->broken : sj_strerror(rc));
			goto out;
		}
	}
	if (src != SQLITE_DONE)
		rc = ledger_store__db_err(s, src, "cannot read new entries", err, err_cap);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Replays the stored ledger (see store.h). Failures of verification mark
 * the store broken; only I/O and memory failures are returned. */
static int store_load(struct ledger_store *s, char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL, *cp = NULL;
	struct merkle_frontier f;
	char why[512] = "";
	int rc = SJ_OK, src;
	uint64_t next_cp = UINT64_MAX;

	merkle_frontier_init(&f);
	merkle_frontier_init(&s->disk);
	src = sqlite3_prepare_v2(s->db, STOREDB_CHECKPOINTS, -1, &cp, NULL);
	if (src != SQLITE_OK)
		return ledger_store__db_err(s, src, "reading checkpoints", err, err_cap);
	src = sqlite3_step(cp);
	if (src == SQLITE_ROW)
		next_cp = (uint64_t)sqlite3_column_int64(cp, 0);
	src = sqlite3_prepare_v2(s->db, STOREDB_ENTRIES, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = ledger_store__db_err(s, src, "reading entries", err, err_cap);
		goto finalize;
	}
	for (;;) {
		merkle_hash leaf, root;
		const uint8_t *b;
		size_t len;

		/* A checkpoint at the size reached so far is checked before the
		 * next entry extends the tree (sizes 0..n). */
		while (next_cp != UINT64_MAX && next_cp == f.size) {
			uint64_t sz;
			merkle_frontier_root(&f, root);
			rc = check_checkpoint(s, (const char *)sqlite3_column_text(cp, 1),
			                      (size_t)sqlite3_column_bytes(cp, 1), &sz, root, why,
			                      sizeof why);
			if (rc == SJ_ENOMEM)
				goto finalize;
			if (rc == SJ_OK && sz != next_cp) {
				snprintf(why, sizeof why,
				         "checkpoint stored as size %llu says size %llu",
				         (unsigned long long)next_cp, (unsigned long long)sz);
				rc = SJ_EVERIFY;
			}
			if (rc != SJ_OK) {
				rc = ledger_store__set_broken(s, why);
				goto finalize;
			}
			s->checkpointed = next_cp;
			src = sqlite3_step(cp);
			next_cp =
			    src == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(cp, 0) : UINT64_MAX;
		}
		src = sqlite3_step(st);
		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW) {
			rc = ledger_store__db_err(s, src, "reading entries", err, err_cap);
			goto finalize;
		}
		b = sqlite3_column_blob(st, 1);
		len = (size_t)sqlite3_column_bytes(st, 1);
		rc = store_apply_row(s, sqlite3_column_int64(st, 0), b, len, leaf);
		if (rc != SJ_OK) {
			rc = rc == SJ_ECORRUPT ? SJ_OK : rc; /* broken is a state, not an error */
			goto finalize;
		}
		merkle_frontier_push(&f, leaf);
	}
	if (next_cp != UINT64_MAX) {
		snprintf(why, sizeof why,
		         "a checkpoint covers %llu entries but only %llu are stored: the ledger "
		         "was truncated",
		         (unsigned long long)next_cp, (unsigned long long)s->n);
		rc = ledger_store__set_broken(s, why);
		goto finalize;
	}
	s->disk = f;
finalize:
	sqlite3_finalize(st);
	sqlite3_finalize(cp);
	return rc;
}

int ledger_store_open(struct ledger_store **out, const char *path, int flags,
                      const struct ledger_rules_ops *ops, void *ctx, char *err, size_t err_cap)
{
	struct ledger_store *s;
	int oflags, src, rc;
	char *msg = NULL;

	s = calloc(1, sizeof *s);
	if (s == NULL) {
		ops->free(ctx); /* owned from the call on, as store.h says */
		return SJ_ENOMEM;
	}
	s->readonly = (flags & LEDGER_STORE_READONLY) != 0;
	s->ops = ops;
	s->rules = ctx;
	merkle_tree_init(&s->tree);
	oflags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (!s->readonly && (flags & LEDGER_STORE_CREATE))
		oflags |= SQLITE_OPEN_CREATE;
	src = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		snprintf(err, err_cap, "cannot open ledger %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "out of memory");
		rc = src == SQLITE_CANTOPEN && !(oflags & SQLITE_OPEN_CREATE) ? SJ_ENOENT : SJ_EIO;
		goto close_db;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (!s->readonly) {
		/* WAL with synchronous=FULL: a COMMIT is durable when it returns.
		 * journal_mode answers with the mode in force, which must be wal. */
		sqlite3_stmt *jm;
		src = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &jm, NULL);
		if (src == SQLITE_OK && sqlite3_step(jm) == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(jm, 0), "wal") != 0)
			src = SQLITE_ERROR;
		sqlite3_finalize(jm);
		if (src != SQLITE_OK ||
		    sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, storedb_schema, NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, err_cap, "cannot prepare ledger %s: %s", path,
			         msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			rc = SJ_EIO;
			goto close_db;
		}
	}
	rc = store_load(s, err, err_cap);
	if (rc != SJ_OK)
		goto close_db;
	*out = s;
	return SJ_OK;
close_db:
	sqlite3_close(s->db);
	s->ops->free(s->rules);
	merkle_tree_fini(&s->tree);
	free(s->broken);
	free(s);
	return rc;
}

void ledger_store_close(struct ledger_store *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	s->ops->free(s->rules);
	merkle_tree_fini(&s->tree);
	free(s->broken);
	note_skey_free(s->signer);
	free(s);
}

const char *ledger_store_broken(const struct ledger_store *s)
{
	return s->broken;
}

uint64_t ledger_store_size(const struct ledger_store *s)
{
	return s->n;
}

const char *ledger_store_origin(const struct ledger_store *s)
{
	return s->ops->origin(s->rules);
}

int ledger_store_client(const struct ledger_store *s, const uint8_t key[32], int *role,
                        char *agency)
{
	return s->ops->client(s->rules, key, role, agency);
}

void *ledger_store_rules_ctx(const struct ledger_store *s)
{
	return s->rules;
}

int ledger_store_log_vkey(const struct ledger_store *s, char *out, size_t cap)
{
	const struct note_vkey *k = s->ops->log_key(s->rules);
	if (k == NULL)
		return SJ_ENOENT;
	return note_vkey_format(out, cap, k->name, k->type, k->pk);
}

int ledger_store_set_signer(struct ledger_store *s, const struct note_skey *k, char *err,
                            size_t err_cap)
{
	const struct note_vkey *log = s->ops->log_key(s->rules);
	struct note_skey *copy = NULL;
	struct note_vkey vk;
	char *text = NULL;
	size_t len;
	int rc;

	note_skey_public(&vk, k);
	if (vk.type != NOTE_TYPE_ED25519 ||
	    (log != NULL && (log->id != vk.id || sodium_memcmp(log->pk, vk.pk, 32) != 0))) {
		snprintf(err, err_cap, "the key %s is not the log key entry 0 names", vk.name);
		return SJ_EPERM;
	}
	/* A copy through the key's own string, so the secret only ever sits
	 * in sodium memory and the caller may free k at once. */
	if ((rc = note_skey_format(&text, &len, k)) != SJ_OK ||
	    (rc = note_skey_parse(&copy, text, len)) != SJ_OK) {
		note_skey_string_free(text);
		snprintf(err, err_cap, "cannot keep the log key: %s", sj_strerror(rc));
		return rc;
	}
	note_skey_string_free(text);
	note_skey_free(s->signer);
	s->signer = copy;
	return SJ_OK;
}

int ledger_store_load_signer(struct ledger_store *s, const char *path, char *err, size_t err_cap)
{
	struct note_skey *k = NULL;
	int rc = keyfile_load(&k, path, NULL, NOTE_TYPE_ED25519, 0, NULL, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = ledger_store_set_signer(s, k, err, err_cap);
	note_skey_free(k);
	return rc;
}

/* Fills in the log signature of the encoded entry bytes (entry.h). */
static int sign_entry(const struct note_skey *k, uint8_t *bytes, size_t len)
{
	uint8_t *msg;
	size_t mlen;
	int rc = entry_log_message(&msg, &mlen, bytes, len);
	if (rc != SJ_OK)
		return rc;
	note_skey_sign_raw(bytes + len - ENTRY_SIG_SIZE, msg, mlen, k);
	free(msg);
	return SJ_OK;
}

int ledger_store_init_log(struct ledger_store *s, const char *origin, const char *description,
                          const struct note_skey *log_key, char *err, size_t err_cap)
{
	Suiji__LogInit li = SUIJI__LOG_INIT__INIT;
	struct note_vkey vk;
	struct ledger_append a;
	char vkey[512];
	uint8_t *buf;
	size_t len;
	int rc;

	if (s->n != 0) {
		snprintf(err, err_cap, "the ledger has %llu entries already",
		         (unsigned long long)s->n);
		return SJ_EEXIST;
	}
	note_skey_public(&vk, log_key);
	rc = note_vkey_format(vkey, sizeof vkey, vk.name, vk.type, vk.pk);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot format the log key");
		return rc;
	}
	li.origin = (char *)origin;
	li.log_vkey = vkey;
	li.description = (char *)(description ? description : "");
	len = suiji__log_init__get_packed_size(&li);
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return SJ_ENOMEM;
	suiji__log_init__pack(&li, buf);
	a = (struct ledger_append){
	    .type = ENTRY_LOG_INIT, .agency = "", .payload = buf, .payload_len = len};
	/* Entry 0 is signed by the key it names, as every entry after it. */
	rc = ledger_store_set_signer(s, log_key, err, err_cap);
	if (rc == SJ_OK)
		rc = ledger_store_append(s, &a, 1, NULL, err, err_cap);
	free(buf);
	return rc;
}

int ledger_store_append(struct ledger_store *s, const struct ledger_append *a, size_t n,
                        uint64_t *first_seq, char *err, size_t err_cap)
{
	sqlite3_stmt *ins = NULL;
	uint64_t seq0 = s->n;
	uint8_t hash[ENTRY_HASH_SIZE];
	merkle_hash *leaves = NULL;
	int64_t t;
	int rc = SJ_OK, src;
	size_t i;

	s->refusal[0] = '\0';
	if (s->broken) {
		snprintf(err, err_cap, "appends refused: the stored ledger does not verify: %s",
		         s->broken);
		return SJ_ECORRUPT;
	}
	if (s->readonly) {
		snprintf(err, err_cap, "the ledger is open read-only");
		return SJ_EPERM;
	}
	if (n == 0)
		return SJ_OK;
	if (s->signer == NULL) {
		snprintf(err, err_cap,
		         "no log key to sign entries with: every entry carries the "
		         "log's signature (R18)");
		return SJ_EPERM;
	}
	leaves = malloc(n * sizeof *leaves);
	if (leaves == NULL)
		return SJ_ENOMEM;
	src = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = ledger_store__db_err(s, src, "cannot begin append", err, err_cap);
		goto free_leaves;
	}
	if ((rc = ledger_store__catch_up(s, err, err_cap)) != SJ_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		if (rc == SJ_ECORRUPT || s->broken)
			rc = SJ_ECORRUPT;
		goto free_leaves;
	}
	seq0 = s->n;
	/* Time never runs backwards in the ledger, whatever the clock does. */
	t = util_now_us();
	if (t < s->last_time)
		t = s->last_time;
	memcpy(hash, s->last_hash, sizeof hash);

	src = sqlite3_prepare_v2(s->db, STOREDB_INSERT_ENTRY, -1, &ins, NULL);
	if (src != SQLITE_OK) {
		rc = ledger_store__db_err(s, src, "cannot prepare append", err, err_cap);
		goto rollback;
	}
	for (i = 0; i < n; i++) {
		struct entry e = {0};
		uint8_t *bytes = NULL;
		size_t len = 0;
		char why[300] = "";

		e.seq = seq0 + i;
		memcpy(e.prev, hash, sizeof hash);
		e.time_us = t;
		e.type = a[i].type;
		e.agency = a[i].agency ? a[i].agency : "";
		e.agency_len = strlen(e.agency);
		if (a[i].actor)
			memcpy(e.actor, a[i].actor, ENTRY_KEY_SIZE);
		e.counter = a[i].sig ? a[i].counter : 0;
		e.payload = a[i].payload;
		e.payload_len = a[i].payload_len;
		e.sig = a[i].sig;
		rc = entry_encode(&bytes, &len, &e);
		if (rc == SJ_OK && (rc = sign_entry(s->signer, bytes, len)) != SJ_OK)
			free(bytes);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "request %zu: cannot encode entry: %s", i,
			         sj_strerror(rc));
			goto rollback;
		}
		/* Decode what was encoded: the rules run on the stored form, and
		 * they check the log signature just made, as the verifier will. */
		entry_hash(leaves[i], bytes, len);
		rc = entry_decode(&e, bytes, len, why, sizeof why);
		if (rc == SJ_OK)
			rc = s->ops->apply(s->rules, &e, leaves[i], why, sizeof why);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "request %zu refused: %s", i,
				 rc == SJ_ENOMEM ? "out of memory" : why);
			if (rc != SJ_ENOMEM) {
				snprintf(s->refusal, sizeof s->refusal, "%s", why);
				s->refusal_index = i;
			}
			free(bytes);
			goto rollback;
		}
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)e.seq);
		sqlite3_bind_blob(ins, 2, bytes, (int)len, SQLITE_TRANSIENT);
		src = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (src != SQLITE_DONE) {
			free(bytes);
			rc = ledger_store__db_err(s, src, "cannot append entry", err, err_cap);
			goto rollback;
		}
		memcpy(hash, leaves[i], sizeof hash);
		free(bytes);
	}
	sqlite3_finalize(ins);
	ins = NULL;
	src = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = ledger_store__db_err(s, src, "cannot commit append", err, err_cap);
		goto rollback;
	}
	/* Durable now: only from here does the in-memory state move on. */
	for (i = 0; i < n; i++) {
		rc = push_leaf(s, leaves[i]);
		if (rc != SJ_OK) {
			/* The entries are stored; the handle can no longer vouch
			 * for them, so it stops appending until reopened. */
			ledger_store__set_broken(s,
			                         "out of memory after a commit; reopen the ledger");
			goto free_leaves;
		}
	}
	memcpy(s->last_hash, hash, sizeof hash);
	s->last_time = t;
	s->ops->settle(s->rules);
	if (first_seq)
		*first_seq = seq0;
	goto free_leaves;
rollback:
	sqlite3_finalize(ins);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->ops->rollback(s->rules, seq0);
free_leaves:
	free(leaves);
	return rc;
}

int ledger_store_entry(struct ledger_store *s, uint64_t seq, uint8_t **bytes, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, STOREDB_ENTRY, -1, &st, NULL) != SQLITE_OK)
		return SJ_EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t l = (size_t)sqlite3_column_bytes(st, 0);
		uint8_t *b = malloc(l ? l : 1);
		if (b == NULL) {
			rc = SJ_ENOMEM;
		} else {
			memcpy(b, sqlite3_column_blob(st, 0), l);
			*bytes = b;
			*len = l;
			rc = SJ_OK;
		}
	} else {
		rc = rc == SQLITE_DONE ? SJ_ENOENT : SJ_EIO;
	}
	sqlite3_finalize(st);
	return rc;
}

int ledger_store_export(struct ledger_store *s, FILE *f, char *err, size_t err_cap)
{
	struct export_writer w;
	sqlite3_stmt *st = NULL;
	int rc, src;

	/* One read transaction, so the export is one consistent moment. */
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return ledger_store__db_err(s, SQLITE_ERROR, "cannot begin export", err, err_cap);
	rc = export_writer_init(&w, f);
	if (rc != SJ_OK)
		goto io;
	src = sqlite3_prepare_v2(s->db, STOREDB_ENTRY_BYTES, -1, &st, NULL);
	while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = export_writer_add(&w, EXPORT_KIND_ENTRY, sqlite3_column_blob(st, 0),
		                       (size_t)sqlite3_column_bytes(st, 0));
		if (rc != SJ_OK)
			goto io;
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (src != SQLITE_DONE) {
		rc = ledger_store__db_err(s, src, "cannot read entries for export", err, err_cap);
		goto end;
	}
	src = sqlite3_prepare_v2(s->db, STOREDB_CHECKPOINTS, -1, &st, NULL);
	while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		char *note;
		size_t nl;
		rc = storedb_note_with_cosigs(s->db, (uint64_t)sqlite3_column_int64(st, 0),
		                              (const char *)sqlite3_column_text(st, 1),
		                              (size_t)sqlite3_column_bytes(st, 1), &note, &nl);
		if (rc != SJ_OK)
			goto end;
		rc = export_writer_add(&w, EXPORT_KIND_CHECKPOINT, (const uint8_t *)note, nl);
		free(note);
		if (rc != SJ_OK)
			goto io;
		src = SQLITE_OK;
	}
	if (src != SQLITE_DONE) {
		rc = ledger_store__db_err(s, src, "cannot read checkpoints for export", err,
		                          err_cap);
		goto end;
	}
	rc = export_writer_finish(&w);
	if (rc == SJ_OK)
		goto end;
io:
	snprintf(err, err_cap, "cannot write the export file");
	rc = SJ_EIO;
end:
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

const char *ledger_store_refusal(const struct ledger_store *s, size_t *index)
{
	if (s->refusal[0] == '\0')
		return NULL;
	if (index)
		*index = s->refusal_index;
	return s->refusal;
}
