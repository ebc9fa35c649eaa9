/*
 * entry.h: the byte format of one ledger entry, its hash and the client's
 * request signature. Pure code: no I/O, no globals.
 *
 * An entry's bytes are what the ledger stores, hashes, puts in the Merkle
 * tree and exports; nothing is ever re-encoded from a decoded form before it
 * is hashed or verified. All integers are big-endian.
 *
 *   OFFSET  SIZE  DESCRIPTION
 *        0     4  magic "SJE2"
 *        4     8  seq: sequence number, 0 for the first entry, then +1
 *       12    32  prev: entry hash of entry seq-1; 32 zero bytes for seq 0
 *       44     8  time: microseconds since 1970-01-01T00:00:00Z, signed
 *       52     4  type: entry type (enum entry_type), names the payload
 *       56     1  flags: bit 0 set iff a client signature follows the
 *                 payload; other bits zero
 *       57    32  actor key: the client's Ed25519 public key, or 32 zero
 *                 bytes for an entry the log itself writes
 *       89     8  counter: the client's request counter, strictly greater
 *                 than every earlier one of the same key; 0 when unsigned
 *       97     1  A: length of the actor's agency code, 0..64
 *       98     A  agency code, UTF-8, no control characters
 *     98+A     4  P: payload length, at most ENTRY_MAX_PAYLOAD
 *    102+A     P  payload: a protobuf message from proto/ledger.proto,
 *                 the message for type, exactly as its author encoded it
 *  102+A+P    64  client signature, present iff flags bit 0 is set
 *    L-64     64  log signature: Ed25519 by the log key over
 *                 "suiji entry v2" || 0x00 || bytes[0 .. L-64)
 *
 * where L is the entry's length. An entry is well-formed if and only if: L
 * is exactly 166 + A + P (+ 64 when client-signed); the magic matches;
 * flags has no bit but bit 0; A <= 64 and the agency holds no byte below
 * 0x20; P <= ENTRY_MAX_PAYLOAD; a client-signed entry has a non-zero actor
 * key and a non-zero counter; an unsigned entry has an all-zero actor key
 * and a zero counter.
 *
 * Every entry carries the log signature, whoever wrote it: the store signs
 * the exact bytes before it stores them, with the key entry 0 names (entry
 * 0, the log-init, is signed by the key it names). So an entry appended to
 * the database by anyone without the log key fails verification (R18),
 * and a client-signed entry is vouched for twice: by its author (the
 * request) and by the log (its place in the ledger). Decoding checks only
 * the form; entry_verify_log checks the signature.
 *
 * Entry hash: the RFC 9162 Merkle leaf hash, SHA-256(0x00 || bytes). The
 * 0x00 prefix separates it from the tree's interior nodes (0x01), and since
 * every entry's prev field holds the entry hash of the one before, each
 * entry hash covers the whole history: the hash chain and the Merkle tree
 * share one hash per entry. The chain names a broken link entry by entry;
 * the tree gives checkpoints and O(log n) proofs.
 *
 * Client signature: Ed25519 by the actor key over
 *   "suiji request v2" || 0x00 || u8 len(origin) || origin || u32 type ||
 *   u64 counter || u8 A || agency || u32 P || payload
 * so a request signed for one log, type or agency is worthless for another,
 * and since the rules require each key's counters to rise strictly (R18),
 * a request is worth one entry: the same signed request appended again is
 * refused by the store and flagged by the verifier.
 */
#ifndef SUIJI_LEDGER_ENTRY_H
#define SUIJI_LEDGER_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define ENTRY_HASH_SIZE   32
#define ENTRY_KEY_SIZE    32
#define ENTRY_SIG_SIZE    64
#define ENTRY_MAX_AGENCY  64
#define ENTRY_MAX_PAYLOAD (16u * 1024u * 1024u)
#define ENTRY_HEADER_SIZE 98 /* the bytes before the agency code */
/* Every byte of an entry that is not agency, payload or client signature:
 * the header, the payload length and the log signature (166). */
#define ENTRY_FIXED_SIZE  (ENTRY_HEADER_SIZE + 4 + ENTRY_SIG_SIZE)
#define ENTRY_MAX_SIZE    (ENTRY_FIXED_SIZE + ENTRY_MAX_AGENCY + ENTRY_MAX_PAYLOAD + ENTRY_SIG_SIZE)
#define ENTRY_FLAG_SIGNED 0x01
#define ENTRY_MAX_ORIGIN  255

enum entry_type {
	ENTRY_LOG_INIT = 1,
	ENTRY_WITNESS_ADD = 2,
	ENTRY_AGENCY_REGISTER = 3,
	ENTRY_CLIENT_REGISTER = 4,
	ENTRY_CLIENT_REVOKE = 5,
	ENTRY_BEACON_ADD = 6,
	ENTRY_DRAW_REQUEST = 10,
	ENTRY_DRAW_COMMIT = 11,
	ENTRY_DRAW_REVEAL = 12,
	ENTRY_DIRECTORY_IMPORT = 20, /* proto/directory.proto, rules/dirs.h */
	/* proto/plans.proto, rules/plans.h */
	ENTRY_ITEM_LIST = 21,
	ENTRY_PLAN = 22,
	ENTRY_PLAN_REVIEW = 23,
	ENTRY_PLAN_FILE = 24,
	ENTRY_PLAN_PUBLISH = 25,
	ENTRY_TASK = 26,
	/* proto/results.proto, rules/policy.h */
	ENTRY_CALENDAR = 27,
	ENTRY_RESULT = 28,
	/* proto/facts.proto, rules/facts.h */
	ENTRY_LEAD = 44,
	ENTRY_UNAVAILABILITY = 45,
	/* proto/beacon.proto, rules/pubvalues.h */
	ENTRY_PUBLIC_VALUES = 48,
	ENTRY_PUBVALUES_SIGNER = 49,
};

/* A decoded entry. Pointers borrow from the bytes it was decoded from. */
struct entry {
	uint64_t seq;
	uint8_t prev[ENTRY_HASH_SIZE];
	int64_t time_us;
	uint32_t type;
	uint8_t flags;
	uint8_t actor[ENTRY_KEY_SIZE];
	uint64_t counter;   /* the client's request counter, 0 when unsigned */
	const char *agency; /* not NUL-terminated */
	size_t agency_len;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *sig; /* ENTRY_SIG_SIZE bytes, or NULL when unsigned */
	/* Set by entry_decode only: the log signature (ENTRY_SIG_SIZE bytes)
	 * and the whole entry it signs, borrowed from the decoded bytes. */
	const uint8_t *log_sig;
	const uint8_t *bytes;
	size_t len;
};

/* Decodes and checks well-formedness of bytes[0..len) (borrowed; out points
 * into it). Errors: SJ_EINVAL with the reason in err (err_cap bytes). */
SJ_WUR int entry_decode(struct entry *out, const uint8_t *bytes, size_t len, char *err,
                        size_t err_cap);

/* Encodes e into a malloc'd buffer. e->sig may be NULL (unsigned); flags are
 * derived from it. The log signature is left as 64 zero bytes for the
 * signer to fill in (entry_log_message says over what). Errors: SJ_EINVAL
 * (field out of range), SJ_ENOMEM. */
SJ_WUR int entry_encode(uint8_t **out, size_t *len, const struct entry *e);

/* The entry hash (= Merkle leaf hash) of the entry bytes. */
void entry_hash(uint8_t out[ENTRY_HASH_SIZE], const uint8_t *bytes, size_t len);

/* Builds the message a client signs for (origin, type, counter, agency,
 * payload) into a malloc'd buffer. Errors: SJ_EINVAL (counter 0 among
 * them), SJ_ENOMEM. */
SJ_WUR int entry_request_message(uint8_t **out, size_t *len, const char *origin, uint32_t type,
                                 uint64_t counter, const char *agency, size_t agency_len,
                                 const uint8_t *payload, size_t payload_len);

/* Builds the message the log key signs for the encoded entry bytes[0..len)
 * (its log signature field's content ignored) into a malloc'd buffer.
 * Errors: SJ_EINVAL (shorter than an entry), SJ_ENOMEM. */
SJ_WUR int entry_log_message(uint8_t **out, size_t *mlen, const uint8_t *bytes, size_t len);

/* Verifies a decoded entry's log signature with the log's Ed25519 public
 * key. SJ_OK, SJ_EVERIFY, SJ_EINVAL (not decoded by entry_decode),
 * SJ_ENOMEM. */
SJ_WUR int entry_verify_log(const struct entry *e, const uint8_t log_pk[ENTRY_KEY_SIZE]);

/* Verifies a signed entry's client signature for the log named origin.
 * SJ_OK, SJ_EVERIFY (bad signature), SJ_EINVAL (entry not signed),
 * SJ_ENOMEM. */
SJ_WUR int entry_verify_request(const struct entry *e, const char *origin);

/* "log-init", "witness-add", ...; NULL for a type this build does not know. */
const char *entry_type_name(uint32_t type);

#endif
