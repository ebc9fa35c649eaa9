/*
 * value.h: a beacon value, the one thing the draw takes from a public
 * randomness source, whatever the source: a round of a suiji-beacon chain,
 * a round of a drand chain, or public values (lottery numbers) entered by
 * an authorised operator. Pure code: no I/O, no globals.
 *
 * A beacon value is only ever produced by a verifier of its source
 * (round.h's beacon_round_verify, manual.h's manual_value), which fills in
 * how much of the source it could check; the draw and the verifier's report
 * read `check` and say so.
 *
 * The margin rule (docs/beacon.md): a draw commits to its secret seed in a
 * ledger entry before it takes a beacon value, and the value may be used
 * only if its time is strictly after the commitment entry's time plus a
 * stated margin. The margin covers clock error between the ledger and the
 * beacon and the time a value takes to reach the public, so that nobody who
 * committed could already have seen the value.
 */
#ifndef SUIJI_BEACON_VALUE_H
#define SUIJI_BEACON_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define BEACON_VALUE_SIZE 32
#define BEACON_SOURCE_MAX 64 /* characters of a source id, without the NUL */
/* The latest time any beacon value may have, in seconds: 9999-12-31T23:59:59Z,
 * so that every time in microseconds fits an int64_t with room to spare. */
#define BEACON_MAX_TIME INT64_C(253402300799)

enum beacon_kind {
	BEACON_KIND_SUIJI = 1,  /* a suiji-beacon chain (Ed25519, chained) */
	BEACON_KIND_DRAND = 2,  /* a drand chain (BLS12-381) */
	BEACON_KIND_MANUAL = 3, /* public values entered by an operator (RFC 3797 style) */
};

/* How much of a value's origin was verified. */
enum beacon_check {
	/* The round's signature verified against the pinned key, and its
	 * randomness, chain link and time were checked. */
	BEACON_CHECK_SIGNED = 1,
	/* drand: randomness == SHA-256(signature), chain link and time were
	 * checked; the BLS signature was NOT checked, as no BLS12-381 pairing
	 * library is available to suiji. */
	BEACON_CHECK_NO_BLS = 2,
	/* Manual values carry no signature: their value is recomputed from
	 * the published numbers, and their authority is the signed ledger
	 * entry of the operator who entered them. */
	BEACON_CHECK_NONE = 3,
};

struct beacon_value {
	enum beacon_kind kind;
	/* The source: the chain hash in lower-case hex for a chain, or
	 * "manual" for public values. NUL-terminated. */
	char source[BEACON_SOURCE_MAX + 1];
	uint64_t round;                   /* round number; 0 for manual values */
	uint8_t value[BEACON_VALUE_SIZE]; /* the randomness the draw uses */
	/* When the value became public, in microseconds since the Unix epoch:
	 * a round's due time (genesis + (round - 1) * period), or the time the
	 * operator states the public values were drawn. */
	int64_t time_us;
	enum beacon_check check;
};

/* "suiji-beacon", "drand", "manual"; "unknown" otherwise. Static. */
const char *beacon_kind_name(enum beacon_kind kind);

/* A sentence for a report: "signature verified", "BLS signature not
 * checked", "no signature (manual public values)". Static, never NULL. */
const char *beacon_check_name(enum beacon_check check);

/*
 * The margin rule: SJ_OK when v->time_us > commit_time_us + margin_us
 * (strictly), so the value was not public when the draw committed.
 * Otherwise SJ_EVERIFY, with err naming the round, both times and the
 * margin. SJ_EINVAL when margin_us is negative or the sum overflows.
 */
SJ_WUR int beacon_round_usable(const struct beacon_value *v, int64_t commit_time_us,
                               int64_t margin_us, char *err, size_t err_cap);

#endif
