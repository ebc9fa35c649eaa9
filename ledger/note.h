/*
 * note.h: C2SP signed notes (c2sp.org/signed-note), the envelope of
 * checkpoints, and C2SP tlog-cosignature cosignature/v1 signatures on them.
 *
 * A signed note is a UTF-8 text body ending in "\n", an empty line, then one
 * or more signature lines "— <key name> <base64(key ID || signature)>\n"
 * (U+2014 em dash, a space, the name, a space, standard padded base64).
 * The body may hold empty lines itself; the last empty line of the note
 * separates body and signatures. No byte of the note is an ASCII control
 * character other than '\n'.
 * Key IDs are the first 4 bytes (big-endian) of SHA-256(name || 0x0A ||
 * type || public key). Type 0x01 is a plain Ed25519 note signature over the
 * body bytes; type 0x04 is a cosignature/v1: base64(key ID || 8-byte
 * big-endian timestamp || Ed25519 signature) over
 * "cosignature/v1\ntime <timestamp>\n" || checkpoint body, the timestamp in
 * decimal without leading zeros and at most 2^63 - 1.
 *
 * This header holds only parsing and verification; signing lives in
 * note_sign.h so the verifier links no signing code. Every function assumes
 * sodium_init() has succeeded. A parsed note is immutable, so several
 * threads may read and verify one note at once.
 */
#ifndef SUIJI_LEDGER_NOTE_H
#define SUIJI_LEDGER_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define NOTE_MAX_NAME      255
#define NOTE_MAX_SIZE      65536 /* largest note text accepted by note_parse */
#define NOTE_MAX_SIGS      100   /* most signature lines the portal shows on one note */
#define NOTE_TYPE_ED25519  0x01
#define NOTE_TYPE_COSIG_V1 0x04
/* Room for any verifier key string note_vkey_format writes, with its NUL:
 * name, '+', 8 hex digits, '+', 44 base64 characters. */
#define NOTE_MAX_VKEY (NOTE_MAX_NAME + 1 + 8 + 1 + 44 + 1)

/* A parsed verifier key "<name>+<hex key ID>+<base64(type || public key)>". */
struct note_vkey {
	char name[NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t type; /* NOTE_TYPE_ED25519 or NOTE_TYPE_COSIG_V1 */
	uint8_t pk[32];
};

/* Key ID of (name, type, pk) as the signed-note spec defines it. name is
 * NUL-terminated; it is not checked here. */
uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pk[32]);

/* Parses a verifier key string (NUL-terminated, no trailing newline). The
 * key ID is 8 lowercase hex digits, as Go's %08x writes it; the base64 is
 * canonical and decodes to the type byte and a valid Ed25519 point.
 * Errors: SJ_EINVAL for any malformed part, an unknown type, a name that is
 * empty, longer than NOTE_MAX_NAME, not UTF-8, or holds '+', a Unicode
 * space or a control character, or a key ID that does not match. */
SJ_WUR int note_vkey_parse(struct note_vkey *out, const char *text);

/* Writes the verifier key string for (name, type, pk) into out (cap bytes,
 * NUL-terminated; NOTE_MAX_VKEY is always enough). This is where the key
 * name rules of note_vkey_parse are applied to names we create.
 * Errors: SJ_EINVAL for a bad name or type, SJ_ERANGE if cap is too small. */
int note_vkey_format(char *out, size_t cap, const char *name, uint8_t type, const uint8_t pk[32]);

struct note; /* opaque: a parsed note and its signature lines */

/*
 * Parses text[0..len) as a signed note. The text is copied; the note owns
 * its copy. Errors: SJ_EINVAL (named in the message written to err, err_cap
 * bytes, when err is not NULL) for a note that is empty or longer than
 * NOTE_MAX_SIZE, is not valid UTF-8 without control characters other than
 * '\n', has no empty line or no signature line, or has a line after the
 * empty line that is no signature line (no "— " prefix, or no space after
 * the key name); SJ_ENOMEM. On failure *out is NULL.
 *
 * As c2sp.org/signed-note says, signature lines no known key can claim are
 * ignored, not refused: a line with a bad key name, base64 that is not
 * canonical or decodes to fewer than 5 bytes, or a second line by the same
 * (name, key ID) still parses. note_verify and note_verify_cosignature are
 * strict for the key they are given (docs/signed-notes.md).
 */
SJ_WUR int note_parse(struct note **out, const char *text, size_t len, char *err, size_t err_cap);
void note_free(struct note *n);

/* The body, including its final "\n", not the blank line. Borrowed. */
const char *note_body(const struct note *n, size_t *len);
size_t note_sig_count(const struct note *n);
/* The i-th signature line's key name (borrowed), key ID and raw signature
 * bytes (borrowed, after the key ID). Errors: SJ_ERANGE; SJ_EINVAL for a
 * malformed line (note_parse), with only *name (and *id, when the line's
 * first base64 characters give one, else 0) set and *sig NULL. */
int note_sig_get(const struct note *n, size_t i, const char **name, uint32_t *id,
                 const uint8_t **sig, size_t *sig_len);

/*
 * Verifies that n carries a valid type 0x01 signature by k: finds the line
 * whose name and key ID match k and checks its Ed25519 signature over the
 * body. Returns SJ_OK, SJ_ENOENT when no line matches k (so the note is not
 * signed by that key), SJ_EVERIFY when the matching line's signature is bad
 * (including one that is not 64 bytes long), malformed, or not the only
 * line by k, SJ_EINVAL when k is not an
 * Ed25519 note key or its key ID does not match its name and public key.
 */
SJ_WUR int note_verify(const struct note *n, const struct note_vkey *k);

/*
 * Verifies a cosignature/v1 by witness key k (type 0x04) on the checkpoint
 * note n, as note_verify does; on SJ_OK *timestamp holds the signed time
 * (seconds since the Unix epoch) when timestamp is not NULL. A matching
 * line that is not 8 + 64 bytes long or whose timestamp exceeds 2^63 - 1
 * is SJ_EVERIFY. Also SJ_ENOMEM (the signed message is assembled in a
 * buffer).
 */
SJ_WUR int note_verify_cosignature(const struct note *n, const struct note_vkey *k,
                                   uint64_t *timestamp);

#endif
