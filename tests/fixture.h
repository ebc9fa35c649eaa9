/*
 * fixture.h: a small, real ledger for tests: built through the store with
 * real keys, then tampered with through SQLite the way an insider with the
 * file could, and checked with the real verifier.
 */
#ifndef SUIJI_TESTS_FIXTURE_H
#define SUIJI_TESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "verifier/verify.h"

struct fixture {
	char dir[512];
	char db[600];
	struct ledger_store *s;
	struct note_skey *log_key; /* the log's checkpoint key */
	struct note_skey *admin;   /* a registered administrator of agency sfj */
	struct note_skey *witness; /* a registered witness */
	struct note_vkey log_vk, admin_vk, witness_vk;
	char log_vkey[300], witness_vkey[300];
};

/*
 * In dir: log-init, agencies "sfj" and "scjg", the admin client, the
 * witness, then `extra` agency registrations signed by the admin
 * (agencies x0, x1, ...); a cosigned checkpoint after the first half of
 * them and another at the end. The store stays open in f->s.
 */
int fixture_build(struct fixture *f, const char *dir, size_t extra);
void fixture_free(struct fixture *f);

/* Appends one agency registration signed by k for agency (not checking the
 * outcome beyond returning the store's code). */
int fixture_signed_agency(struct fixture *f, const struct note_skey *k, const char *agency,
                          const char *code, int corrupt_sig);

/* A cosigned checkpoint by the fixture's witness over the current size. */
int fixture_checkpoint(struct fixture *f);

/* Opens f->db again for writing into *s (f->s, or another handle), with
 * the log key as its signer, as suijid does. SJ_OK or the store's error. */
int fixture_reopen(struct fixture *f, struct ledger_store **s);

/* Closes the store so SQLite can be edited underneath it. */
void fixture_close_store(struct fixture *f);

/* Runs SQL on db with the append-only triggers dropped, as an insider
 * editing the file would. Returns 0 or the SQLite error code. */
int fixture_sql(const char *db, const char *sql);
/* Flips bit `bit` of byte `off` of entry seq. */
int fixture_flip(const char *db, uint64_t seq, size_t off, int bit);
/* Reads entry seq's bytes (malloc'd). */
int fixture_read_entry(const char *db, uint64_t seq, uint8_t **b, size_t *len);

/* Fills in the log signature of encoded entry bytes with k (entry.h), as
 * the store does. SJ_OK or SJ_ENOMEM. */
int fixture_log_sign(uint8_t *bytes, size_t len, const struct note_skey *k);

/* Appends an unsigned entry of agency (may be "") straight into SQLite,
 * past the store's rules, with the right sequence, chain link and time, as
 * a log operator whose daemon skips its own checks would: signed with the
 * log key in log.key beside db (fixture_build and suijid init keep it
 * there). Returns SJ_OK, SJ_ENOENT (no log.key) or SJ_EIO. */
int fixture_raw_append(const char *db, const char *agency, uint32_t type, const uint8_t *payload,
                       size_t len);

/* The same, by an insider who can write the database file but holds no
 * log key: the log signature is whatever key is given (NULL: 64 zero
 * bytes). */
int fixture_raw_append_with(const char *db, const char *agency, uint32_t type,
                            const uint8_t *payload, size_t len, const struct note_skey *k);

/* Appends e straight into SQLite as fixture_raw_append_with does, with its
 * sequence, chain link and time set to follow the last entry; the rest of e
 * (a client's actor, counter and request signature too) is stored as it
 * is, signed by k (NULL: no log signature). */
int fixture_raw_append_entry(const char *db, const struct entry *e, const struct note_skey *k);

/* Verifies the ledger file at path with the verifier library. */
int fixture_verify(const char *path, const struct verify_opts *o, struct verify_report *r);

#endif
