/*
 * store_checkpoint.c: the store's checkpoints, cosignatures and proofs
 * (store.h). A checkpoint signs only a root recomputed from entries re-read
 * from disk; cosignatures are kept only from the witnesses the rules name.
 */
#include "ledger/store.h"
#include "ledger/store_int.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "ledger/proof.h"
#include "ledger/storedb.h"

/* Reads entries [s->disk.size, s->n) back from the database, recomputes
 * their leaf hashes and extends the on-disk frontier. Any difference from
 * what was appended marks the store broken. */
static int store_reread(struct ledger_store *s, char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	struct merkle_frontier f = s->disk;
	int src, rc = SJ_OK;

	src = sqlite3_prepare_v2(s->db, STOREDB_ENTRIES_FROM, -1, &st, NULL);
	if (src != SQLITE_OK)
		return ledger_store__db_err(s, src, "cannot re-read entries", err, err_cap);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)f.size);
	while ((src = sqlite3_step(st)) == SQLITE_ROW && f.size < s->n) {
		merkle_hash leaf;
		merkle_leaf_hash(leaf, sqlite3_column_blob(st, 1),
				 (size_t)sqlite3_column_bytes(st, 1));
		if ((uint64_t)sqlite3_column_int64(st, 0) != f.size ||
		    sodium_memcmp(leaf, merkle_tree_leaf(&s->tree, f.size), 32) != 0) {
			snprintf(err, err_cap, "entry %llu on disk differs from what was appended",
				 (unsigned long long)f.size);
			ledger_store__set_broken(s, err);
			rc = SJ_ECORRUPT;
			goto finalize;
		}
		merkle_frontier_push(&f, leaf);
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = ledger_store__db_err(s, src, "cannot re-read entries", err, err_cap);
		goto finalize;
	}
	if (f.size != s->n) {
		snprintf(err, err_cap, "only %llu of %llu entries could be re-read",
			 (unsigned long long)f.size, (unsigned long long)s->n);
		ledger_store__set_broken(s, err);
		rc = SJ_ECORRUPT;
		goto finalize;
	}
	s->disk = f;
finalize:
	sqlite3_finalize(st);
	return rc;
}

int ledger_store_checkpoint_get(struct ledger_store *s, uint64_t size, char **note, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	src = sqlite3_prepare_v2(s->db, size ? STOREDB_CHECKPOINT : STOREDB_LATEST_CHECKPOINT, -1,
				 &st, NULL);
	if (src != SQLITE_OK)
		return SJ_EIO;
	if (size)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = storedb_note_with_cosigs(s->db, (uint64_t)sqlite3_column_int64(st, 0),
					    (const char *)sqlite3_column_text(st, 1),
					    (size_t)sqlite3_column_bytes(st, 1), note, len);
	else
		rc = src == SQLITE_DONE ? SJ_ENOENT : SJ_EIO;
	sqlite3_finalize(st);
	return rc;
}

int ledger_store_checkpoint(struct ledger_store *s, const struct note_skey *log_key, char **note,
			    size_t *len, char *err, size_t err_cap)
{
	struct checkpoint c;
	struct note_vkey vk;
	const struct note_vkey *want = s->ops->log_key(s->rules);
	sqlite3_stmt *ins = NULL;
	char body[CHECKPOINT_MAX_ORIGIN + 200], *signed_note = NULL;
	size_t blen, slen;
	int rc, src;

	if (s->broken) {
		snprintf(err, err_cap, "checkpoint refused: the stored ledger does not verify: %s",
			 s->broken);
		return SJ_ECORRUPT;
	}
	if (s->n == 0 || want == NULL) {
		snprintf(err, err_cap, "the ledger is empty: initialise it first");
		return SJ_ENOENT;
	}
	note_skey_public(&vk, log_key);
	if (vk.id != want->id || strcmp(vk.name, want->name) != 0 ||
	    sodium_memcmp(vk.pk, want->pk, 32) != 0) {
		snprintf(err, err_cap, "the key given is not the log key named in entry 0 (%s)",
			 want->name);
		return SJ_EPERM;
	}
	/* One write transaction: take in what other processes appended, so the
	 * checkpoint covers every durable entry and none can slip in between
	 * the root and its signature. */
	src = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (src != SQLITE_OK)
		return ledger_store__db_err(s, src, "cannot begin checkpoint", err, err_cap);
	rc = ledger_store__catch_up(s, err, err_cap);
	if (rc == SJ_OK && ledger_store_checkpoint_get(s, s->n, note, len) == SJ_OK) {
		s->checkpointed = s->n; /* signed already, perhaps by another process */
		goto out;
	}
	if (rc == SJ_OK)
		rc = store_reread(s, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	memset(&c, 0, sizeof c);
	snprintf(c.origin, sizeof c.origin, "%s", s->ops->origin(s->rules));
	c.size = s->disk.size;
	merkle_frontier_root(&s->disk, c.root);
	rc = checkpoint_format(body, sizeof body, &blen, &c);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot format checkpoint");
		goto out;
	}
	rc = note_sign(&signed_note, &slen, body, blen, log_key);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot sign checkpoint: %s", sj_strerror(rc));
		goto out;
	}
	src = sqlite3_prepare_v2(s->db, STOREDB_INSERT_CHECKPOINT, -1, &ins, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)c.size);
		sqlite3_bind_text(ins, 2, signed_note, (int)slen, SQLITE_STATIC);
		src = sqlite3_step(ins);
	}
	if (src != SQLITE_DONE) {
		rc = ledger_store__db_err(s, src, "cannot store checkpoint", err, err_cap);
		goto out;
	}
	sqlite3_finalize(ins);
	ins = NULL;
	src = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = ledger_store__db_err(s, src, "cannot commit checkpoint", err, err_cap);
		goto out;
	}
	s->checkpointed = c.size;
	*note = signed_note;
	*len = slen;
	signed_note = NULL;
out:
	sqlite3_finalize(ins);
	/* After a COMMIT this finds no transaction and does nothing. */
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	free(signed_note);
	return rc;
}

int ledger_store_add_cosignatures(struct ledger_store *s, const char *text, size_t len,
				  size_t *added, char *err, size_t err_cap)
{
	struct note *n = NULL, *stored = NULL;
	struct checkpoint c;
	char perr[200], *mine = NULL;
	const char *body, *sbody;
	size_t blen, sblen, mlen, nw;
	const struct note_vkey *wit = s->ops->witnesses(s->rules, &nw);
	sqlite3_stmt *ins = NULL;
	int rc;

	*added = 0;
	if (s->readonly) {
		snprintf(err, err_cap, "the ledger is open read-only");
		return SJ_EPERM;
	}
	rc = note_parse(&n, text, len, perr, sizeof perr);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "not a signed note: %s", perr);
		return rc;
	}
	body = note_body(n, &blen);
	rc = checkpoint_parse(&c, body, blen, perr, sizeof perr);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "not a checkpoint: %s", perr);
		goto out;
	}
	rc = ledger_store_checkpoint_get(s, c.size, &mine, &mlen);
	if (rc == SJ_OK)
		rc = note_parse(&stored, mine, mlen, perr, sizeof perr);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "the ledger has no checkpoint at size %llu",
			 (unsigned long long)c.size);
		goto out;
	}
	sbody = note_body(stored, &sblen);
	if (sblen != blen || memcmp(sbody, body, blen) != 0) {
		snprintf(err, err_cap,
			 "the cosigned checkpoint at size %llu differs from the log's own",
			 (unsigned long long)c.size);
		rc = SJ_EVERIFY;
		goto out;
	}
	/* Every signature line must be the log's own or a registered witness's
	 * valid cosignature; anything else is refused as a whole. */
	for (size_t i = 0; i < note_sig_count(n); i++) {
		const char *name;
		uint32_t id;
		const uint8_t *sig;
		size_t sl;
		const struct note_vkey *k = NULL;
		const struct note_vkey *lk = s->ops->log_key(s->rules);
		/* The store keeps only lines it can check, so a malformed line,
		 * which a reader of the note would ignore, is not stored. */
		if (note_sig_get(n, i, &name, &id, &sig, &sl) != SJ_OK) {
			snprintf(err, err_cap, "signature line %zu (%s) is malformed", i + 1,
				 name);
			rc = SJ_EINVAL;
			goto out;
		}
		if (lk && lk->id == id && strcmp(lk->name, name) == 0)
			continue;
		for (size_t w = 0; w < nw; w++)
			if (wit[w].id == id && strcmp(wit[w].name, name) == 0)
				k = &wit[w];
		if (k == NULL) {
			snprintf(err, err_cap, "%s (key ID %08x) is not a witness of this log", name,
				 id);
			rc = SJ_EPERM;
			goto out;
		}
		if ((rc = note_verify_cosignature(n, k, NULL)) != SJ_OK) {
			snprintf(err, err_cap, "cosignature by witness %s does not verify", name);
			if (rc == SJ_ENOMEM)
				snprintf(err, err_cap, "out of memory checking a cosignature");
			else
				rc = SJ_EVERIFY;
			goto out;
		}
	}
	if (sqlite3_prepare_v2(s->db, STOREDB_INSERT_COSIGNATURE, -1, &ins, NULL) != SQLITE_OK) {
		rc = ledger_store__db_err(s, SQLITE_ERROR, "cannot store cosignature", err,
					  err_cap);
		goto out;
	}
	/* Signature lines are stored verbatim, as they appear in the note. */
	{
		const char *p = text + blen + 1, *end = text + len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ll = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			const struct note_vkey *lk = s->ops->log_key(s->rules);
			char prefix[NOTE_MAX_NAME + 8];
			int pl = snprintf(prefix, sizeof prefix, "\xe2\x80\x94 %s ", lk->name);
			if (!(ll > (size_t)pl && memcmp(p, prefix, (size_t)pl) == 0)) {
				sqlite3_bind_int64(ins, 1, (sqlite3_int64)c.size);
				sqlite3_bind_text(ins, 2, p, (int)ll, SQLITE_STATIC);
				if (sqlite3_step(ins) != SQLITE_DONE) {
					rc = ledger_store__db_err(s, SQLITE_ERROR,
								  "cannot store cosignature", err,
								  err_cap);
					goto out;
				}
				*added += (size_t)sqlite3_changes(s->db);
				sqlite3_reset(ins);
			}
			p += ll;
		}
	}
out:
	sqlite3_finalize(ins);
	note_free(n);
	note_free(stored);
	free(mine);
	return rc;
}

int ledger_store_inclusion_proof(const struct ledger_store *s, uint64_t seq, uint64_t size,
				 merkle_hash *proof, size_t *n, size_t cap)
{
	if (size > s->n || seq >= size)
		return SJ_ERANGE;
	return merkle_tree_inclusion_proof(&s->tree, seq, size, proof, n, cap);
}

int ledger_store_consistency_proof(const struct ledger_store *s, uint64_t m, uint64_t size,
				   merkle_hash *proof, size_t *n, size_t cap)
{
	if (size > s->n)
		return SJ_ERANGE;
	return merkle_tree_consistency_proof(&s->tree, m, size, proof, n, cap);
}

int ledger_store_prove(struct ledger_store *s, int inclusion, uint64_t arg, char **text,
		       size_t *len)
{
	merkle_hash hashes[MERKLE_MAX_PROOF];
	struct note *n = NULL;
	struct checkpoint c;
	char *note = NULL, perr[200];
	const char *body;
	size_t nlen, blen, nh;
	int rc;

	rc = ledger_store_checkpoint_get(s, 0, &note, &nlen);
	if (rc != SJ_OK)
		return rc;
	/* The size comes from the stored note itself: the proof is only ever
	 * for the tree that note signs. */
	rc = note_parse(&n, note, nlen, perr, sizeof perr);
	if (rc == SJ_OK) {
		body = note_body(n, &blen);
		rc = checkpoint_parse(&c, body, blen, perr, sizeof perr);
	}
	if (rc != SJ_OK) {
		/* A note the store signed that does not parse is damage; a lack
		 * of memory is not. */
		rc = rc == SJ_ENOMEM ? SJ_ENOMEM : SJ_ECORRUPT;
		goto out;
	}
	if (inclusion)
		rc = ledger_store_inclusion_proof(s, arg, c.size, hashes, &nh, MERKLE_MAX_PROOF);
	else
		rc = ledger_store_consistency_proof(s, arg, c.size, hashes, &nh, MERKLE_MAX_PROOF);
	if (rc != SJ_OK) {
		rc = SJ_ERANGE;
		goto out;
	}
	if (inclusion)
		rc = proof_inclusion_format(text, len, arg, (const merkle_hash *)hashes, nh, note,
					    nlen, NULL, 0);
	else
		rc = proof_consistency_format(text, len, arg, (const merkle_hash *)hashes, nh, note,
					      nlen);
out:
	note_free(n);
	free(note);
	return rc;
}
