/*
 * fuzz_beacon.c: libFuzzer target for every beacon parser (beacon/round.c,
 * beacon/manual.c, beacon/bjson.c): round JSON, chain info JSON and manual
 * public values. It links no signing code, as the verifier does.
 *
 * Beyond "no crash and no sanitizer report", every input checks:
 *   - a round that parses formats to JSON that parses to the same round and
 *     formats to the same bytes again;
 *   - verifying it against a fixed suiji-beacon chain, and against any chain
 *     the same input parses as, returns only documented codes, and a round
 *     that verifies carries SHA-256(signature) as its value;
 *   - a chain that parses formats to JSON that parses to the same chain;
 *   - manual values that parse give a canonical string no longer than the
 *     input, ending in "/", whose SHA-256 is the value.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"

/* The public key of tests/test_beacon.c's golden chain (seed 00..1f). */
static const uint8_t golden_pk[32] = {
    0x03, 0xa1, 0x07, 0xbf, 0xf3, 0xce, 0x10, 0xbe, 0x1d, 0x70, 0xdd, 0x18, 0xe7, 0x4b, 0xc0, 0x99,
    0x67, 0xe4, 0xd6, 0x30, 0x9b, 0xa5, 0x0d, 0x5f, 0x1d, 0xdc, 0x86, 0x64, 0x12, 0x55, 0x31, 0xb8,
};

static struct beacon_chain golden;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 ||
	    beacon_chain_init_suiji(&golden, golden_pk, 1700000000, 30) != SJ_OK)
		abort();
	return 0;
}

static void check_verify(const struct beacon_chain *c, const struct beacon_round *r)
{
	struct beacon_value v;
	uint8_t h[32];
	char err[256];
	int rc = beacon_round_verify(&v, c, r, NULL, INT64_MAX, err, sizeof err);

	if (rc != SJ_OK && rc != SJ_EVERIFY)
		abort();
	if (rc == SJ_OK) {
		crypto_hash_sha256(h, r->signature, r->signature_len);
		if (memcmp(h, v.value, 32) != 0 || v.round != r->round || v.kind != c->kind)
			abort();
	}
}

static void check_round(const char *text, size_t len, const struct beacon_chain *parsed)
{
	static char a[BEACON_MAX_JSON], b[BEACON_MAX_JSON];
	struct beacon_round r, again;
	size_t la, lb;
	char err[256];
	int rc = beacon_round_parse(&r, text, len, err, sizeof err);

	if (rc != SJ_OK) {
		if (rc != SJ_EINVAL && rc != SJ_ERANGE && rc != SJ_ENOMEM)
			abort();
		return;
	}
	if (r.round == 0 || r.signature_len == 0 || r.signature_len > BEACON_MAX_SIG ||
	    r.previous_signature_len > BEACON_MAX_SIG)
		abort();
	if (beacon_round_format(a, sizeof a, &la, &r) != SJ_OK ||
	    beacon_round_parse(&again, a, la, err, sizeof err) != SJ_OK ||
	    beacon_round_format(b, sizeof b, &lb, &again) != SJ_OK || la != lb ||
	    memcmp(a, b, la) != 0)
		abort();
	check_verify(&golden, &r);
	if (parsed != NULL)
		check_verify(parsed, &r);
}

static int same_chain(const struct beacon_chain *a, const struct beacon_chain *b)
{
	return a->kind == b->kind && strcmp(a->scheme, b->scheme) == 0 &&
	       a->public_key_len == b->public_key_len &&
	       memcmp(a->public_key, b->public_key, a->public_key_len) == 0 &&
	       a->genesis_time == b->genesis_time && a->period == b->period &&
	       memcmp(a->hash, b->hash, sizeof a->hash) == 0 &&
	       a->hash_checked == b->hash_checked && a->chained == b->chained &&
	       a->sig_len == b->sig_len && a->has_group_hash == b->has_group_hash &&
	       (!a->has_group_hash || memcmp(a->group_hash, b->group_hash, 32) == 0) &&
	       strcmp(a->beacon_id, b->beacon_id) == 0;
}

static int check_chain(struct beacon_chain *c, const char *text, size_t len)
{
	static char a[BEACON_MAX_JSON];
	struct beacon_chain again;
	size_t la;
	char err[256];
	int rc = beacon_chain_parse(c, text, len, err, sizeof err);

	if (rc != SJ_OK) {
		if (rc != SJ_EINVAL && rc != SJ_ERANGE && rc != SJ_EVERIFY && rc != SJ_ENOMEM)
			abort();
		return 0;
	}
	if (c->period < 1 || c->period > BEACON_MAX_PERIOD || c->genesis_time < 0 ||
	    c->genesis_time > BEACON_MAX_TIME ||
	    (c->kind != BEACON_KIND_SUIJI && c->kind != BEACON_KIND_DRAND))
		abort();
	if (beacon_chain_format(a, sizeof a, &la, c) != SJ_OK ||
	    beacon_chain_parse(&again, a, la, err, sizeof err) != SJ_OK || !same_chain(&again, c))
		abort();
	return 1;
}

static void check_manual(const char *text, size_t len)
{
	static char canon[MANUAL_MAX_CANON];
	struct beacon_value v;
	uint8_t h[32];
	size_t clen = 0;
	char err[256];
	int rc = manual_value(&v, canon, sizeof canon, &clen, text, len, err, sizeof err);

	if (rc != SJ_OK) {
		if (rc != SJ_EINVAL && rc != SJ_ERANGE && rc != SJ_ENOMEM)
			abort();
		return;
	}
	if (clen == 0 || clen > len || canon[clen - 1] != '/' || strlen(canon) != clen)
		abort();
	crypto_hash_sha256(h, (const uint8_t *)canon, clen);
	if (memcmp(h, v.value, 32) != 0 || v.kind != BEACON_KIND_MANUAL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct beacon_chain c;
	const char *text = (const char *)data;
	int have;

	/* The largest cap any parser applies, first: one byte over it still
	 * reaches the parsers to exercise their refusal. */
	if (size > MANUAL_MAX_JSON + 1)
		return 0;
	memset(&c, 0, sizeof c);
	have = check_chain(&c, text, size);
	check_round(text, size, have ? &c : NULL);
	check_manual(text, size);
	return 0;
}
