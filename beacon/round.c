/*
 * round.c: beacon chain info and rounds, parsed and verified (round.h).
 */
#include "beacon/round.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "beacon/bjson.h"
#include "common/util.h"

static const char chain_tag[] = "suiji beacon chain v1";
static const char round_tag[] = "suiji beacon round v1";

/* The schemes suiji knows, with the sizes that pin a document to one. The
 * drand sizes are those of BLS12-381 G1 (48) and G2 (96) points and BN254
 * G1 (64) and G2 (128) points, compressed as drand serves them. */
static const struct scheme {
	const char *name;
	enum beacon_kind kind;
	size_t pk_len, sig_len;
	int chained;
} schemes[] = {
    {BEACON_SCHEME_SUIJI, BEACON_KIND_SUIJI, 32, BEACON_SUIJI_SIG, 1},
    {"pedersen-bls-chained", BEACON_KIND_DRAND, 48, 96, 1},
    {"pedersen-bls-unchained", BEACON_KIND_DRAND, 48, 96, 0},
    {"bls-unchained-on-g1", BEACON_KIND_DRAND, 96, 48, 0},
    {"bls-unchained-g1-rfc9380", BEACON_KIND_DRAND, 96, 48, 0},
    {"bls-bn254-unchained-on-g1", BEACON_KIND_DRAND, 128, 64, 0},
};

static void put_be(uint8_t *out, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void suiji_chain_hash(uint8_t out[BEACON_HASH_SIZE], const uint8_t pk[32], int64_t genesis,
                             uint32_t period)
{
	crypto_hash_sha256_state st;
	uint8_t b[12];

	put_be(b, (uint64_t)genesis, 8);
	put_be(b + 8, period, 4);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)chain_tag, sizeof chain_tag); /* with NUL */
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_update(&st, b, sizeof b);
	crypto_hash_sha256_final(&st, out);
}

/* drand's chain hash (drand chain.Info.Hash): SHA-256(u32 period || i64
 * genesis || public key || group hash [|| beacon ID unless it is the
 * default beacon]), all big-endian. */
static void drand_chain_hash(uint8_t out[BEACON_HASH_SIZE], const struct beacon_chain *c)
{
	crypto_hash_sha256_state st;
	uint8_t b[12];

	put_be(b, c->period, 4);
	put_be(b + 4, (uint64_t)c->genesis_time, 8);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, b, sizeof b);
	crypto_hash_sha256_update(&st, c->public_key, c->public_key_len);
	crypto_hash_sha256_update(&st, c->group_hash, BEACON_HASH_SIZE);
	if (c->beacon_id[0] != '\0' && strcmp(c->beacon_id, "default") != 0)
		crypto_hash_sha256_update(&st, (const uint8_t *)c->beacon_id, strlen(c->beacon_id));
	crypto_hash_sha256_final(&st, out);
}

/* Reads a field that has two spellings; giving both is refused so that no
 * two readers can pick different ones. */
static const char *either(const cJSON *obj, const char *a, const char *b, char *err, size_t err_cap,
                          int *rc)
{
	int ha = cJSON_GetObjectItemCaseSensitive(obj, a) != NULL;
	int hb = cJSON_GetObjectItemCaseSensitive(obj, b) != NULL;

	*rc = SJ_OK;
	if (ha && hb) {
		snprintf(err, err_cap, "fields \"%s\" and \"%s\" are the same field given twice", a,
		         b);
		*rc = SJ_EINVAL;
		return NULL;
	}
	return hb ? b : a;
}

static int parse_chain(struct beacon_chain *c, const cJSON *root, char *err, size_t err_cap)
{
	const struct scheme *s = NULL;
	const cJSON *meta;
	const char *name;
	uint8_t want[BEACON_HASH_SIZE];
	uint64_t period;
	size_t n;
	int rc;

	name = either(root, "schemeID", "scheme", err, err_cap, &rc);
	if (rc != SJ_OK)
		return rc;
	rc = bjson_ascii(c->scheme, sizeof c->scheme, root, name, 1, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strcmp(schemes[i].name, c->scheme) == 0)
			s = &schemes[i];
	if (s == NULL) {
		snprintf(err, err_cap, "field \"%s\" names an unknown scheme \"%s\"", name,
		         c->scheme);
		return SJ_EINVAL;
	}
	c->kind = s->kind;
	c->sig_len = s->sig_len;
	c->chained = s->chained;
	rc = bjson_hex(c->public_key, &c->public_key_len, root, "public_key", s->pk_len, s->pk_len,
	               1, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = bjson_uint(&period, root, "period", 1, BEACON_MAX_PERIOD, 1, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	c->period = (uint32_t)period;
	rc = bjson_int(&c->genesis_time, root, "genesis_time", 0, BEACON_MAX_TIME, 1, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = bjson_hex(c->hash, &n, root, "hash", BEACON_HASH_SIZE, BEACON_HASH_SIZE, 1, err,
	               err_cap);
	if (rc != SJ_OK)
		return rc;
	name = either(root, "groupHash", "group_hash", err, err_cap, &rc);
	if (rc != SJ_OK)
		return rc;
	rc = bjson_hex(c->group_hash, &n, root, name, BEACON_HASH_SIZE, BEACON_HASH_SIZE, 0, err,
	               err_cap);
	if (rc != SJ_OK && rc != SJ_ENOENT)
		return rc;
	c->has_group_hash = rc == SJ_OK;
	meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	if (meta != NULL) {
		if (!cJSON_IsObject(meta)) {
			snprintf(err, err_cap, "field \"metadata\" is not an object");
			return SJ_EINVAL;
		}
		rc = bjson_ascii(c->beacon_id, sizeof c->beacon_id, meta, "beaconID", 0, err,
		                 err_cap);
		if (rc != SJ_OK && rc != SJ_ENOENT)
			return rc;
	}

	if (c->kind == BEACON_KIND_SUIJI) {
		if (c->has_group_hash || meta != NULL) {
			snprintf(err, err_cap, "field \"%s\" is not part of a suiji-beacon chain",
			         c->has_group_hash ? name : "metadata");
			return SJ_EINVAL;
		}
		if (crypto_core_ed25519_is_valid_point(c->public_key) != 1) {
			snprintf(err, err_cap, "field \"public_key\" is not an Ed25519 public key");
			return SJ_EINVAL;
		}
		suiji_chain_hash(want, c->public_key, c->genesis_time, c->period);
	} else if (c->has_group_hash) {
		drand_chain_hash(want, c);
	} else {
		/* Without the group hash drand's chain hash cannot be
		 * recomputed: the caller must pin the whole document. */
		c->hash_checked = 0;
		return SJ_OK;
	}
	if (sodium_memcmp(want, c->hash, BEACON_HASH_SIZE) != 0) {
		snprintf(err, err_cap, "field \"hash\" does not match the chain's other fields");
		return SJ_EVERIFY;
	}
	c->hash_checked = 1;
	return SJ_OK;
}

int beacon_chain_parse(struct beacon_chain *out, const char *text, size_t len, char *err,
                       size_t err_cap)
{
	struct beacon_chain c;
	cJSON *root = NULL;
	int rc;

	memset(&c, 0, sizeof c);
	rc = bjson_parse(&root, text, len, BEACON_MAX_JSON, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = parse_chain(&c, root, err, err_cap);
	if (rc == SJ_OK)
		*out = c;
	cJSON_Delete(root);
	return rc;
}

int beacon_chain_init_suiji(struct beacon_chain *out, const uint8_t pk[32], int64_t genesis_time,
                            uint32_t period)
{
	if (period < 1 || period > BEACON_MAX_PERIOD || genesis_time < 0 ||
	    genesis_time > BEACON_MAX_TIME || crypto_core_ed25519_is_valid_point(pk) != 1)
		return SJ_EINVAL;
	memset(out, 0, sizeof *out);
	out->kind = BEACON_KIND_SUIJI;
	snprintf(out->scheme, sizeof out->scheme, "%s", BEACON_SCHEME_SUIJI);
	memcpy(out->public_key, pk, 32);
	out->public_key_len = 32;
	out->genesis_time = genesis_time;
	out->period = period;
	suiji_chain_hash(out->hash, pk, genesis_time, period);
	out->hash_checked = 1;
	out->chained = 1;
	out->sig_len = BEACON_SUIJI_SIG;
	return SJ_OK;
}

void beacon_chain_hash_hex(char *out, const struct beacon_chain *c)
{
	util_hex(out, c->hash, BEACON_HASH_SIZE);
}

int beacon_chain_format(char *out, size_t cap, size_t *len, const struct beacon_chain *c)
{
	char pk[2 * BEACON_MAX_PK + 1], hash[2 * BEACON_HASH_SIZE + 1];
	char group[2 * BEACON_HASH_SIZE + 32] = "";
	int n;

	util_hex(pk, c->public_key, c->public_key_len);
	if (c->has_group_hash) {
		util_hex(hash, c->group_hash, BEACON_HASH_SIZE);
		snprintf(group, sizeof group, ",\"groupHash\":\"%s\"", hash);
	}
	util_hex(hash, c->hash, BEACON_HASH_SIZE);
	n = snprintf(out, cap,
	             "{\"public_key\":\"%s\",\"period\":%u,\"genesis_time\":%lld,\"hash\":\"%s\"%s,"
	             "\"schemeID\":\"%s\"",
	             pk, (unsigned)c->period, (long long)c->genesis_time, hash, group, c->scheme);
	if (n >= 0 && (size_t)n < cap && c->beacon_id[0] != '\0')
		n += snprintf(out + n, cap - (size_t)n, ",\"metadata\":{\"beaconID\":\"%s\"}",
		              c->beacon_id);
	if (n >= 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, "}");
	if (n < 0 || (size_t)n >= cap)
		return SJ_ERANGE;
	*len = (size_t)n;
	return SJ_OK;
}

int beacon_round_parse(struct beacon_round *out, const char *text, size_t len, char *err,
                       size_t err_cap)
{
	struct beacon_round r;
	cJSON *root = NULL;
	size_t n;
	int rc;

	memset(&r, 0, sizeof r);
	rc = bjson_parse(&root, text, len, BEACON_MAX_JSON, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = bjson_uint(&r.round, root, "round", 1, BJSON_MAX_INT, 1, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	rc = bjson_hex(r.randomness, &n, root, "randomness", BEACON_HASH_SIZE, BEACON_HASH_SIZE, 1,
	               err, err_cap);
	if (rc != SJ_OK)
		goto out;
	rc = bjson_hex(r.signature, &r.signature_len, root, "signature", 1, BEACON_MAX_SIG, 1, err,
	               err_cap);
	if (rc != SJ_OK)
		goto out;
	rc = bjson_hex(r.previous_signature, &r.previous_signature_len, root, "previous_signature",
	               1, BEACON_MAX_SIG, 0, err, err_cap);
	if (rc == SJ_ENOENT)
		rc = SJ_OK;
	if (rc == SJ_OK)
		*out = r;
out:
	cJSON_Delete(root);
	return rc;
}

int beacon_round_format(char *out, size_t cap, size_t *len, const struct beacon_round *r)
{
	char rnd[2 * BEACON_HASH_SIZE + 1], sig[2 * BEACON_MAX_SIG + 1];
	char prev[2 * BEACON_MAX_SIG + 1];
	int n;

	util_hex(rnd, r->randomness, BEACON_HASH_SIZE);
	util_hex(sig, r->signature, r->signature_len);
	n = snprintf(out, cap, "{\"round\":%llu,\"randomness\":\"%s\",\"signature\":\"%s\"",
	             (unsigned long long)r->round, rnd, sig);
	if (n >= 0 && (size_t)n < cap && r->previous_signature_len > 0) {
		util_hex(prev, r->previous_signature, r->previous_signature_len);
		n += snprintf(out + n, cap - (size_t)n, ",\"previous_signature\":\"%s\"", prev);
	}
	if (n >= 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, "}");
	if (n < 0 || (size_t)n >= cap)
		return SJ_ERANGE;
	*len = (size_t)n;
	return SJ_OK;
}

int beacon_round_time(int64_t *time_s, const struct beacon_chain *c, uint64_t round)
{
	if (round == 0 || c->period == 0 || c->genesis_time > BEACON_MAX_TIME ||
	    round - 1 > (uint64_t)(BEACON_MAX_TIME - c->genesis_time) / c->period)
		return SJ_ERANGE;
	*time_s = c->genesis_time + (int64_t)(round - 1) * (int64_t)c->period;
	return SJ_OK;
}

int beacon_round_at(uint64_t *round, const struct beacon_chain *c, int64_t time_s)
{
	if (time_s > BEACON_MAX_TIME || c->period == 0)
		return SJ_ERANGE;
	if (time_s < c->genesis_time)
		*round = 0;
	else
		*round = (uint64_t)(time_s - c->genesis_time) / c->period + 1;
	return SJ_OK;
}

int beacon_first_usable_round(uint64_t *round, const struct beacon_chain *c, int64_t after_us)
{
	int64_t genesis_us, t;
	uint64_t r;

	if (c->period == 0 || c->genesis_time < 0 || c->genesis_time > BEACON_MAX_TIME ||
	    after_us > BEACON_MAX_TIME * 1000000)
		return SJ_ERANGE;
	genesis_us = c->genesis_time * 1000000;
	if (after_us < genesis_us)
		r = 1;
	else
		r = (uint64_t)(after_us - genesis_us) / ((uint64_t)c->period * 1000000) + 2;
	if (beacon_round_time(&t, c, r) != SJ_OK)
		return SJ_ERANGE;
	*round = r;
	return SJ_OK;
}

void beacon_round_message(uint8_t out[BEACON_MSG_SIZE], const struct beacon_chain *c,
                          uint64_t round, const uint8_t prev_sig[BEACON_SUIJI_SIG])
{
	memcpy(out, round_tag, sizeof round_tag); /* with its NUL */
	memcpy(out + sizeof round_tag, c->hash, BEACON_HASH_SIZE);
	put_be(out + sizeof round_tag + BEACON_HASH_SIZE, round, 8);
	memcpy(out + sizeof round_tag + BEACON_HASH_SIZE + 8, prev_sig, BEACON_SUIJI_SIG);
}

/* The chain link checks of a chained scheme (round.h). */
static int check_link(const struct beacon_chain *c, const struct beacon_round *r,
                      const struct beacon_round *prev, char *err, size_t err_cap)
{
	static const uint8_t zero[BEACON_SUIJI_SIG];
	size_t want = c->sig_len;

	/* drand's round 1 chains to the group hash, not to a signature. */
	if (c->kind == BEACON_KIND_DRAND && r->round == 1)
		want = BEACON_HASH_SIZE;
	if (r->previous_signature_len == 0) {
		snprintf(err, err_cap,
		         "round %llu: field \"previous_signature\" is missing on a "
		         "chained beacon",
		         (unsigned long long)r->round);
		return SJ_EVERIFY;
	}
	if (r->previous_signature_len != want) {
		snprintf(err, err_cap,
		         "round %llu: field \"previous_signature\" holds %zu bytes, "
		         "not %zu",
		         (unsigned long long)r->round, r->previous_signature_len, want);
		return SJ_EVERIFY;
	}
	if (r->round == 1 && c->kind == BEACON_KIND_SUIJI &&
	    sodium_memcmp(r->previous_signature, zero, BEACON_SUIJI_SIG) != 0) {
		snprintf(err, err_cap,
		         "round 1: field \"previous_signature\" is not the genesis "
		         "value (64 zero bytes)");
		return SJ_EVERIFY;
	}
	if (r->round == 1 && c->kind == BEACON_KIND_DRAND && c->has_group_hash &&
	    sodium_memcmp(r->previous_signature, c->group_hash, BEACON_HASH_SIZE) != 0) {
		snprintf(err, err_cap,
		         "round 1: field \"previous_signature\" is not the chain's "
		         "group hash");
		return SJ_EVERIFY;
	}
	if (prev != NULL && (prev->signature_len != r->previous_signature_len ||
	                     sodium_memcmp(prev->signature, r->previous_signature,
	                                   r->previous_signature_len) != 0)) {
		snprintf(err, err_cap,
		         "round %llu: field \"previous_signature\" is not round "
		         "%llu's signature: the chain is broken",
		         (unsigned long long)r->round, (unsigned long long)prev->round);
		return SJ_EVERIFY;
	}
	return SJ_OK;
}

int beacon_round_verify(struct beacon_value *out, const struct beacon_chain *c,
                        const struct beacon_round *r, const struct beacon_round *prev,
                        int64_t now_us, char *err, size_t err_cap)
{
	uint8_t h[BEACON_HASH_SIZE], msg[BEACON_MSG_SIZE];
	int64_t t;
	int rc;

	if (c->kind != BEACON_KIND_SUIJI && c->kind != BEACON_KIND_DRAND) {
		snprintf(err, err_cap, "not a beacon chain");
		return SJ_EINVAL;
	}
	if (prev != NULL && (r->round < 2 || prev->round != r->round - 1)) {
		snprintf(err, err_cap, "round %llu cannot follow round %llu",
		         (unsigned long long)r->round, (unsigned long long)prev->round);
		return SJ_EINVAL;
	}
	if (beacon_round_time(&t, c, r->round) != SJ_OK) {
		snprintf(err, err_cap, "round %llu: its time is out of range",
		         (unsigned long long)r->round);
		return SJ_EVERIFY;
	}
	if (now_us != INT64_MAX && t * 1000000 > now_us) {
		snprintf(err, err_cap,
		         "round %llu is due at %lld s, after the time it was seen "
		         "(%lld us): a round published early may have been seen before a "
		         "commitment",
		         (unsigned long long)r->round, (long long)t, (long long)now_us);
		return SJ_EVERIFY;
	}
	if (r->signature_len != c->sig_len) {
		snprintf(err, err_cap, "round %llu: field \"signature\" holds %zu bytes, not %zu",
		         (unsigned long long)r->round, r->signature_len, c->sig_len);
		return SJ_EVERIFY;
	}
	crypto_hash_sha256(h, r->signature, r->signature_len);
	if (sodium_memcmp(h, r->randomness, BEACON_HASH_SIZE) != 0) {
		snprintf(err, err_cap,
		         "round %llu: field \"randomness\" is not SHA-256 of the "
		         "signature",
		         (unsigned long long)r->round);
		return SJ_EVERIFY;
	}
	if (c->chained) {
		rc = check_link(c, r, prev, err, err_cap);
		if (rc != SJ_OK)
			return rc;
	}
	if (c->kind == BEACON_KIND_SUIJI) {
		beacon_round_message(msg, c, r->round, r->previous_signature);
		if (crypto_sign_verify_detached(r->signature, msg, sizeof msg, c->public_key) !=
		    0) {
			snprintf(err, err_cap,
			         "round %llu: field \"signature\" does not verify "
			         "under the beacon's public key",
			         (unsigned long long)r->round);
			return SJ_EVERIFY;
		}
	}
	memset(out, 0, sizeof *out);
	out->kind = c->kind;
	beacon_chain_hash_hex(out->source, c);
	out->round = r->round;
	memcpy(out->value, r->randomness, BEACON_VALUE_SIZE);
	out->time_us = t * 1000000;
	out->check = c->kind == BEACON_KIND_SUIJI ? BEACON_CHECK_SIGNED : BEACON_CHECK_NO_BLS;
	return SJ_OK;
}
