/*
 * round.h: randomness beacon chains and their rounds, for two kinds of
 * chain: suiji-beacon (an Ed25519 chain that a second body, such as the
 * justice bureau, runs with its own key) and drand (e.g. the League of
 * Entropy). Parsing from untrusted JSON and verification only: no I/O, no
 * signing, so the verifier links it. docs/beacon.md is the specification.
 *
 * Both kinds use drand's HTTP JSON shapes. Chain info:
 *   {"public_key":"<hex>","period":<s>,"genesis_time":<unix s>,
 *    "hash":"<hex 32 bytes>","groupHash":"<hex 32 bytes>",
 *    "schemeID":"<scheme>","metadata":{"beaconID":"<id>"}}
 * ("groupHash" and "metadata" only for drand; "group_hash" and "scheme" are
 * read as other spellings of "groupHash" and "schemeID", never both). A round:
 *   {"round":<n>,"randomness":"<hex 32 bytes>","signature":"<hex>",
 *    "previous_signature":"<hex>"}
 * ("previous_signature" only on chained schemes). Hex is lower case. Other
 * fields are ignored, so drand may add some; a field given twice is refused.
 *
 * Round r >= 1 is due at genesis_time + (r - 1) * period. Its randomness is
 * SHA-256(signature) on every scheme.
 *
 * suiji-beacon, scheme "suiji-ed25519-chained-v1":
 *   chain hash = SHA-256("suiji beacon chain v1" || 0x00 || public key (32)
 *                        || genesis_time (i64 BE) || period (u32 BE))
 *   signature of round r = Ed25519 over the BEACON_MSG_SIZE bytes
 *     OFFSET SIZE DESCRIPTION
 *          0   21 "suiji beacon round v1"
 *         21    1 0x00
 *         22   32 chain hash
 *         54    8 r, big-endian
 *         62   64 previous signature: round r-1's signature; 64 zero bytes
 *                 for round 1
 * Ed25519 signatures are deterministic, so round r has exactly one valid
 * signature and its operator cannot grind for a value it likes; chaining
 * makes every round commit to the whole history before it.
 *
 * drand: the signature is BLS12-381 (or BN254), which suiji cannot check:
 * no pairing library is available to it. What is checked is that the
 * randomness is SHA-256(signature), the chain link on chained schemes, the
 * round time, and, when the chain info carries its group hash, that the
 * chain hash is drand's hash of the chain info fields. A verified drand
 * round reports BEACON_CHECK_NO_BLS.
 *
 * Every function is pure and thread-safe.
 */
#ifndef SUIJI_BEACON_ROUND_H
#define SUIJI_BEACON_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/value.h"
#include "common/err.h"

#define BEACON_SCHEME_SUIJI "suiji-ed25519-chained-v1"
#define BEACON_MAX_JSON     4096 /* largest chain info or round document */
#define BEACON_MAX_SIG      96   /* largest signature of any scheme */
#define BEACON_MAX_PK       128  /* largest public key of any scheme */
#define BEACON_HASH_SIZE    32
#define BEACON_SCHEME_MAX   48
#define BEACON_ID_MAX       64
#define BEACON_MAX_PERIOD   86400u /* one day */
#define BEACON_SUIJI_SIG    64
#define BEACON_MSG_SIZE     (21 + 1 + BEACON_HASH_SIZE + 8 + BEACON_SUIJI_SIG)

struct beacon_chain {
	enum beacon_kind kind; /* BEACON_KIND_SUIJI or BEACON_KIND_DRAND */
	char scheme[BEACON_SCHEME_MAX + 1];
	uint8_t public_key[BEACON_MAX_PK];
	size_t public_key_len;
	int64_t genesis_time; /* seconds since the Unix epoch, >= 0 */
	uint32_t period;      /* seconds, 1..BEACON_MAX_PERIOD */
	uint8_t hash[BEACON_HASH_SIZE];
	/* 1 when hash was recomputed from the fields above and matched (always
	 * for suiji-beacon; for drand only when the group hash is known). When
	 * 0, the hash does not pin the other fields: pin the whole document. */
	int hash_checked;
	int chained;    /* rounds carry and sign the previous signature */
	size_t sig_len; /* signature length of the scheme */
	uint8_t group_hash[BEACON_HASH_SIZE];
	int has_group_hash;
	char beacon_id[BEACON_ID_MAX + 1]; /* drand metadata.beaconID, or "" */
};

struct beacon_round {
	uint64_t round; /* >= 1 */
	uint8_t randomness[BEACON_HASH_SIZE];
	uint8_t signature[BEACON_MAX_SIG];
	size_t signature_len;
	uint8_t previous_signature[BEACON_MAX_SIG];
	size_t previous_signature_len; /* 0 when the document has none */
};

/*
 * Parses chain info JSON text[0..len) (borrowed), at most BEACON_MAX_JSON
 * bytes, and checks it: a known scheme, key and signature lengths of that
 * scheme, a valid Ed25519 point for suiji-beacon, period and genesis in
 * range, and the chain hash where it can be recomputed.
 * Errors: SJ_ERANGE (too long), SJ_EINVAL (malformed; err names the
 * field), SJ_EVERIFY (the hash does not match the fields), SJ_ENOMEM.
 */
SJ_WUR int beacon_chain_parse(struct beacon_chain *out, const char *text, size_t len, char *err,
                              size_t err_cap);

/* Fills out with the suiji-beacon chain of (public key, genesis, period)
 * and its hash. Errors: SJ_EINVAL (period or genesis out of range, or pk
 * not a valid Ed25519 point). */
SJ_WUR int beacon_chain_init_suiji(struct beacon_chain *out, const uint8_t pk[32],
                                   int64_t genesis_time, uint32_t period);

/* Writes c's chain info JSON (as above, no newline, fields in the order
 * shown) into out (cap bytes, NUL-terminated), *len bytes. Errors:
 * SJ_ERANGE (cap too small). */
SJ_WUR int beacon_chain_format(char *out, size_t cap, size_t *len, const struct beacon_chain *c);

/* Lower-case hex of c's hash into out (2 * BEACON_HASH_SIZE + 1 bytes). */
void beacon_chain_hash_hex(char *out, const struct beacon_chain *c);

/*
 * Parses a round's JSON text[0..len) (borrowed), at most BEACON_MAX_JSON
 * bytes: field types, hex, and sizes up to BEACON_MAX_SIG. Whether the
 * sizes fit a scheme is beacon_round_verify's business. Errors as
 * beacon_chain_parse, without SJ_EVERIFY.
 */
SJ_WUR int beacon_round_parse(struct beacon_round *out, const char *text, size_t len, char *err,
                              size_t err_cap);

/* Writes r's JSON (as above, no newline; previous_signature omitted when
 * empty) into out (cap bytes, NUL-terminated). Errors: SJ_ERANGE. */
SJ_WUR int beacon_round_format(char *out, size_t cap, size_t *len, const struct beacon_round *r);

/* The due time of round (genesis_time + (round - 1) * period), in seconds.
 * Errors: SJ_ERANGE when round is 0 or the time would pass BEACON_MAX_TIME. */
SJ_WUR int beacon_round_time(int64_t *time_s, const struct beacon_chain *c, uint64_t round);

/* The latest round due at or before time_s; 0 when time_s is before
 * genesis. Errors: none beyond SJ_ERANGE for time_s past BEACON_MAX_TIME. */
SJ_WUR int beacon_round_at(uint64_t *round, const struct beacon_chain *c, int64_t time_s);

/*
 * The first round whose due time is strictly after after_us (microseconds),
 * i.e. the earliest round a draw whose commitment time plus margin is
 * after_us may name (value.h's margin rule). Errors: SJ_ERANGE.
 */
SJ_WUR int beacon_first_usable_round(uint64_t *round, const struct beacon_chain *c,
                                     int64_t after_us);

/* The message a suiji-beacon signs for round (see above). */
void beacon_round_message(uint8_t out[BEACON_MSG_SIZE], const struct beacon_chain *c,
                          uint64_t round, const uint8_t prev_sig[BEACON_SUIJI_SIG]);

/*
 * Verifies round r of chain c and fills *out on SJ_OK:
 *   - r's due time is computable and, unless now_us is INT64_MAX, not after
 *     now_us (a beacon that publishes a round before it is due lets someone
 *     see values early; pass the time the round was fetched);
 *   - the signature has the scheme's length and randomness ==
 *     SHA-256(signature);
 *   - on a chained scheme: previous_signature is present, round 1's is the
 *     fixed value (64 zero bytes for suiji-beacon; the group hash for drand,
 *     when known), and when prev (round r - 1, already verified by the
 *     caller; may be NULL) is given, it equals prev's signature;
 *   - suiji-beacon: the Ed25519 signature verifies under c's public key,
 *     which the caller has pinned (compare c->hash with the pinned hash).
 * drand's BLS signature is not checked: out->check says so.
 * Errors: SJ_EVERIFY (a check failed; err says which), SJ_EINVAL (prev is
 * not round r - 1, or c is not a chain kind). On failure *out is untouched.
 */
SJ_WUR int beacon_round_verify(struct beacon_value *out, const struct beacon_chain *c,
                               const struct beacon_round *r, const struct beacon_round *prev,
                               int64_t now_us, char *err, size_t err_cap);

#endif
