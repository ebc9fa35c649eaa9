/*
 * note_sign.h: signing keys for signed notes, note signatures and
 * cosignatures. Linked by the daemon and the client, never by the verifier.
 *
 * A private key string is Go's golang.org/x/mod/sumdb/note format:
 *   PRIVATE+KEY+<name>+<hex key ID>+<base64(type || 32-byte Ed25519 seed)>
 * where the key ID is note_key_id(name, type, public key) in 8 lowercase
 * hex digits. Type 0x04 strings are what Go's format gives for a
 * cosignature key; transparency-dev/formats reads them.
 * The secret lives in sodium_malloc'd memory, inaccessible while idle
 * (sodium_mprotect_noaccess), and is wiped by note_skey_free.
 *
 * Every function assumes sodium_init() has succeeded. Using a key flips the
 * protection of its secret, so one key is used by one thread at a time.
 */
#ifndef SUIJI_LEDGER_NOTE_SIGN_H
#define SUIJI_LEDGER_NOTE_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/note.h"

struct note_skey; /* opaque */

/* A new random key named name of type NOTE_TYPE_ED25519 or
 * NOTE_TYPE_COSIG_V1. Errors: SJ_EINVAL (bad name or type), SJ_ENOMEM. */
SJ_WUR int note_skey_generate(struct note_skey **out, const char *name, uint8_t type);
/* Parses a private key string; text may end with one "\n". Errors:
 * SJ_EINVAL (malformed, or key ID does not match), SJ_ENOMEM. Every
 * intermediate copy of the secret is made in sodium memory and wiped. */
SJ_WUR int note_skey_parse(struct note_skey **out, const char *text, size_t len);
/* The private key string with a final "\n", in sodium_malloc'd memory the
 * caller frees with note_skey_string_free. *len excludes the NUL. */
SJ_WUR int note_skey_format(char **out, size_t *len, const struct note_skey *k);
void note_skey_string_free(char *s);
/* The matching verifier key. */
void note_skey_public(struct note_vkey *out, const struct note_skey *k);
void note_skey_free(struct note_skey *k);

/* Signs a body that ends in "\n" with a type 0x01 key: *out (malloc'd, NUL
 * terminated, *out_len bytes without the NUL) is body || "\n" || signature line.
 * The result is parsed and verified before it is returned.
 * Errors: SJ_EINVAL (body empty, not ending in "\n", breaking the note
 * text rules of note.h or too long for NOTE_MAX_SIZE; wrong key type),
 * SJ_EVERIFY (the fresh signature did not verify), SJ_ENOMEM. */
SJ_WUR int note_sign(char **out, size_t *out_len, const char *body, size_t body_len,
                     const struct note_skey *k);

/* A cosignature/v1 line "— <name> <base64>\n" by a type 0x04 key over the
 * checkpoint body at time timestamp (at most 2^63 - 1); to attach it,
 * append it to the note. *out is malloc'd and NUL-terminated. The line is
 * verified against the body before it is returned. The body is not parsed
 * as a checkpoint here: the caller has parsed it to decide to cosign.
 * Errors as note_sign. */
SJ_WUR int note_cosign(char **out, const char *body, size_t body_len, uint64_t timestamp,
                       const struct note_skey *k);

/* Ed25519-signs msg with k's secret key whatever k's type (used for entry
 * signatures by clients). sig receives 64 bytes. */
void note_skey_sign_raw(uint8_t sig[64], const uint8_t *msg, size_t len, const struct note_skey *k);

#endif
