/*
 * test_beacon.c: beacon chains, rounds and values (beacon/round.h,
 * beacon/manual.h, beacon/value.h): suiji-beacon rounds against golden
 * vectors and their forgeries, real drand rounds from the shared vectors,
 * RFC 3797's worked example, the margin rule, and malformed documents.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"
#include "common/util.h"
#include "tests/harness.h"

/* Golden vectors for the key with seed 00 01 02 ... 1f, genesis
 * 1700000000, period 30, computed by an independent implementation of
 * docs/beacon.md (Python's hashlib and cryptography's Ed25519). */
#define G_PK    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define G_CHAIN "f5563b868b65b82db241ed164eac78a4379b9893bc267940e5fd44472f97d62d"
#define G_SIG1                                                                                     \
	"326c25e68642d9f66fcffaafc2e08b5140b3105fc63b055528d5ac1aff2e6b99"                         \
	"02b87ded3a282937b2e78516f3113ebb1502f652b02d15b0991b41c05e43da0b"
#define G_RAND1 "ab09ca2baae1f575f67d56d66e22a8def1cf9bfa340159bc435bf0c4231097f9"
#define G_SIG2                                                                                     \
	"9acff4ea2b7b0af7208f501b31598b429d8a84d75bd85638f7fd1e3dcc92e29a"                         \
	"76eaf67b0119bc08d0ee3a52dd5622e2129aac7b5c9783405a6dc7d17e6b4306"
#define G_RAND2 "9e2ae3756ed9a479a683f963edde355988c8e23964c0a08823c1976ed63020e8"
#define GENESIS 1700000000
#define PERIOD  30

/* RFC 3797 section 6's key string and SHA-256 of it. MD5(0x0000 || key ||
 * 0x0000) of this string is 990DD0A5692A029A98B5E01AA28F3459, the first
 * digest in the RFC's own table, which is how the string was checked. */
#define RFC_KEY    "9319./2.5.8.10.12./9.18.26.34.41.45./"
#define RFC_SHA256 "0d42a5bded1bfc584f68b302b1a6204230fc7a6dbf2a6068b567181217797d18"

struct signer {
	uint8_t pk[32], sk[64];
	struct beacon_chain chain;
};

static int signer_init(struct signer *s, uint8_t seed_base)
{
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(seed_base + i);
	if (sodium_init() < 0 || crypto_sign_seed_keypair(s->pk, s->sk, seed) != 0)
		return -1;
	return beacon_chain_init_suiji(&s->chain, s->pk, GENESIS, PERIOD);
}

/* Signs round n of s's chain over prev (64 bytes), as suiji-beacon does. */
static void sign_round(struct beacon_round *r, const struct signer *s, uint64_t n,
                       const uint8_t *prev)
{
	uint8_t msg[BEACON_MSG_SIZE];
	memset(r, 0, sizeof *r);
	r->round = n;
	memcpy(r->previous_signature, prev, 64);
	r->previous_signature_len = 64;
	beacon_round_message(msg, &s->chain, n, prev);
	crypto_sign_detached(r->signature, NULL, msg, sizeof msg, s->sk);
	r->signature_len = 64;
	crypto_hash_sha256(r->randomness, r->signature, 64);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	util_hex(out, b, n);
}

static const uint8_t zero64[64];

TEST(t_beacon_suiji_golden, "a suiji-beacon chain hash and its rounds 1 and 2 match golden vectors "
                            "computed by an independent implementation")
{
	struct signer s;
	struct beacon_round r1, r2;
	char h[200];

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	hex(h, s.pk, 32);
	CHECK(strcmp(h, G_PK) == 0);
	beacon_chain_hash_hex(h, &s.chain);
	CHECK(strcmp(h, G_CHAIN) == 0);
	sign_round(&r1, &s, 1, zero64);
	hex(h, r1.signature, 64);
	CHECK(strcmp(h, G_SIG1) == 0);
	hex(h, r1.randomness, 32);
	CHECK(strcmp(h, G_RAND1) == 0);
	sign_round(&r2, &s, 2, r1.signature);
	hex(h, r2.signature, 64);
	CHECK(strcmp(h, G_SIG2) == 0);
	hex(h, r2.randomness, 32);
	CHECK(strcmp(h, G_RAND2) == 0);
}

TEST(t_beacon_suiji_verifies,
     "a suiji-beacon round parsed from its JSON verifies under the pinned key, linked to the round "
     "before it, and its value is SHA-256 of its signature")
{
	struct signer s;
	struct beacon_chain c;
	struct beacon_round r1, r2, p1, p2;
	struct beacon_value v;
	char json[BEACON_MAX_JSON], err[256], h[80];
	size_t len;

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	CHECK_INT(beacon_chain_format(json, sizeof json, &len, &s.chain), ==, SJ_OK);
	CHECK_INT(beacon_chain_parse(&c, json, len, err, sizeof err), ==, SJ_OK);
	CHECK(c.kind == BEACON_KIND_SUIJI && c.hash_checked && c.chained);
	CHECK_MEM(c.hash, s.chain.hash, 32);
	sign_round(&r1, &s, 1, zero64);
	sign_round(&r2, &s, 2, r1.signature);
	CHECK_INT(beacon_round_format(json, sizeof json, &len, &r1), ==, SJ_OK);
	CHECK_INT(beacon_round_parse(&p1, json, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(beacon_round_format(json, sizeof json, &len, &r2), ==, SJ_OK);
	CHECK_INT(beacon_round_parse(&p2, json, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(beacon_round_verify(&v, &c, &p1, NULL, INT64_MAX, err, sizeof err), ==, SJ_OK);
	CHECK_INT(beacon_round_verify(&v, &c, &p2, &p1, INT64_MAX, err, sizeof err), ==, SJ_OK);
	CHECK(v.kind == BEACON_KIND_SUIJI && v.round == 2 && v.check == BEACON_CHECK_SIGNED);
	CHECK_INT(v.time_us, ==, (int64_t)(GENESIS + PERIOD) * 1000000);
	hex(h, v.value, 32);
	CHECK(strcmp(h, G_RAND2) == 0);
	CHECK(strcmp(v.source, G_CHAIN) == 0);
	CHECK(strcmp(beacon_check_name(v.check), "signature verified") == 0);
}

TEST(t_beacon_suiji_flipped_signature, "a suiji-beacon round with one bit of its signature flipped "
                                       "is refused, even with its randomness recomputed to match")
{
	struct signer s;
	struct beacon_round r;
	struct beacon_value v;
	char err[256];

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	sign_round(&r, &s, 1, zero64);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_OK);
	r.signature[10] ^= 0x04;
	crypto_hash_sha256(r.randomness, r.signature, 64);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "\"signature\" does not verify");
}

TEST(t_beacon_suiji_wrong_key, "a suiji-beacon round verifies under its beacon's key and not under "
                               "another beacon's key with the same genesis and period")
{
	struct signer s, other;
	struct beacon_round r;
	struct beacon_value v;
	char err[256];

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	CHECK_INT(signer_init(&other, 100), ==, SJ_OK);
	sign_round(&r, &s, 1, zero64);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(beacon_round_verify(&v, &other.chain, &r, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "public key");
}

TEST(t_beacon_suiji_broken_chain,
     "a suiji-beacon round signed over another previous signature (a fork) is refused once the "
     "round before it is known, and round 1 must chain to the genesis value")
{
	struct signer s;
	struct beacon_round r1, r2, fork;
	struct beacon_value v;
	uint8_t other[64];
	char err[256];

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	sign_round(&r1, &s, 1, zero64);
	sign_round(&r2, &s, 2, r1.signature);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r2, &r1, INT64_MAX, err, sizeof err), ==,
	          SJ_OK);
	/* The operator signs a second round 2 over a made-up history: alone
	 * it carries a valid signature, but it does not link to round 1. */
	memset(other, 0x5a, sizeof other);
	sign_round(&fork, &s, 2, other);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &fork, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &fork, &r1, INT64_MAX, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "chain is broken");
	/* Replacing previous_signature without re-signing breaks the
	 * signature, which covers it. */
	r2.previous_signature[0] ^= 1;
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r2, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_EVERIFY);
	/* Round 1 over anything but 64 zero bytes. */
	sign_round(&fork, &s, 1, other);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &fork, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "genesis value");
	/* A previous round that is not round r - 1 is the caller's mistake. */
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r2, &r2, INT64_MAX, err, sizeof err), ==,
	          SJ_EINVAL);
}

TEST(t_beacon_suiji_randomness,
     "a round whose randomness is not SHA-256 of its signature is refused")
{
	struct signer s;
	struct beacon_round r;
	struct beacon_value v;
	char err[256];

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	sign_round(&r, &s, 3, zero64); /* the link is not checked without round 2 */
	r.previous_signature[0] = 1;
	sign_round(&r, &s, 3, r.previous_signature);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_OK);
	r.randomness[31] ^= 0x80;
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, INT64_MAX, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "\"randomness\" is not SHA-256");
}

TEST(t_beacon_round_time, "a round's time is genesis + (round - 1) * period, and a round seen "
                          "before its due time is refused")
{
	struct signer s;
	struct beacon_round r;
	struct beacon_value v;
	int64_t t;
	uint64_t n;
	char err[256];

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	CHECK_INT(beacon_round_time(&t, &s.chain, 1), ==, SJ_OK);
	CHECK_INT(t, ==, GENESIS);
	CHECK_INT(beacon_round_time(&t, &s.chain, 11), ==, SJ_OK);
	CHECK_INT(t, ==, GENESIS + 10 * PERIOD);
	CHECK_INT(beacon_round_time(&t, &s.chain, 0), ==, SJ_ERANGE);
	CHECK_INT(beacon_round_time(&t, &s.chain, UINT64_C(1) << 62), ==, SJ_ERANGE);
	CHECK_INT(beacon_round_at(&n, &s.chain, GENESIS - 1), ==, SJ_OK);
	CHECK_INT(n, ==, 0);
	CHECK_INT(beacon_round_at(&n, &s.chain, GENESIS + 10 * PERIOD), ==, SJ_OK);
	CHECK_INT(n, ==, 11);
	CHECK_INT(beacon_round_at(&n, &s.chain, GENESIS + 11 * PERIOD - 1), ==, SJ_OK);
	CHECK_INT(n, ==, 11);

	sign_round(&r, &s, 1, zero64);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, (int64_t)GENESIS * 1000000, err,
	                              sizeof err),
	          ==, SJ_OK);
	CHECK_INT(beacon_round_verify(&v, &s.chain, &r, NULL, (int64_t)GENESIS * 1000000 - 1, err,
	                              sizeof err),
	          ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "published early");
}

TEST(t_beacon_chain_forged, "suiji-beacon chain info verifies, and is refused when its genesis, "
                            "period or key no longer match its hash")
{
	struct signer s;
	struct beacon_chain c;
	char json[BEACON_MAX_JSON], forged[BEACON_MAX_JSON + 64], err[256], *p;
	size_t len;

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	CHECK_INT(beacon_chain_format(json, sizeof json, &len, &s.chain), ==, SJ_OK);
	CHECK_INT(beacon_chain_parse(&c, json, len, err, sizeof err), ==, SJ_OK);
	/* A later genesis would move every round's time. */
	snprintf(forged, sizeof forged, "%s", json);
	p = strstr(forged, "1700000000");
	CHECK(p != NULL);
	p[9] = '9';
	CHECK_INT(beacon_chain_parse(&c, forged, strlen(forged), err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "\"hash\"");
	snprintf(forged, sizeof forged, "%s", json);
	p = strstr(forged, "\"period\":30");
	CHECK(p != NULL);
	p[10] = '1';
	CHECK_INT(beacon_chain_parse(&c, forged, strlen(forged), err, sizeof err), ==, SJ_EVERIFY);
	snprintf(forged, sizeof forged, "%s", json);
	p = strstr(forged, G_PK);
	CHECK(p != NULL);
	memcpy(p, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", 64);
	CHECK_INT(beacon_chain_parse(&c, forged, strlen(forged), err, sizeof err), ==, SJ_EVERIFY);
}

TEST(t_beacon_formats_round_trip,
     "a round and chain info format back to exactly the bytes they were parsed from")
{
	struct signer s;
	struct beacon_chain c;
	struct beacon_round r, p;
	char a[BEACON_MAX_JSON], b[BEACON_MAX_JSON], err[256];
	size_t la, lb;

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	CHECK_INT(beacon_chain_format(a, sizeof a, &la, &s.chain), ==, SJ_OK);
	CHECK_INT(beacon_chain_parse(&c, a, la, err, sizeof err), ==, SJ_OK);
	CHECK_INT(beacon_chain_format(b, sizeof b, &lb, &c), ==, SJ_OK);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	sign_round(&r, &s, 1, zero64);
	CHECK_INT(beacon_round_format(a, sizeof a, &la, &r), ==, SJ_OK);
	CHECK_INT(beacon_round_parse(&p, a, la, err, sizeof err), ==, SJ_OK);
	CHECK_INT(beacon_round_format(b, sizeof b, &lb, &p), ==, SJ_OK);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	CHECK_INT(beacon_round_format(a, 100, &la, &r), ==, SJ_ERANGE);
}

/* ---- drand ---- */

struct drand_vectors {
	cJSON *root;
	struct beacon_chain mainnet, quicknet;
	int have_quicknet;
};

/* Loads ../shared/vectors/drand/rounds.json; returns 1 when absent. */
static int load_drand(struct drand_vectors *d, char *err, size_t err_cap)
{
	const char *dir = harness_shared_vectors("drand");
	char path[600], *text;
	uint8_t *buf = NULL;
	size_t len = 0;
	const cJSON *chains, *ch;
	int rc;

	memset(d, 0, sizeof *d);
	if (dir == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/rounds.json", dir);
	if (util_read_file(&buf, &len, path, 1 << 20) != SJ_OK)
		return 1;
	d->root = cJSON_ParseWithLength((const char *)buf, len);
	free(buf);
	if (d->root == NULL)
		return -1;
	chains = cJSON_GetObjectItemCaseSensitive(d->root, "chains");
	ch = cJSON_GetObjectItemCaseSensitive(chains, "mainnet-default");
	text = cJSON_PrintUnformatted(ch);
	if (text == NULL)
		return -1;
	rc = beacon_chain_parse(&d->mainnet, text, strlen(text), err, err_cap);
	free(text);
	if (rc != SJ_OK)
		return -1;
	ch = cJSON_GetObjectItemCaseSensitive(chains, "quicknet");
	text = cJSON_PrintUnformatted(ch);
	if (text == NULL)
		return -1;
	rc = beacon_chain_parse(&d->quicknet, text, strlen(text), err, err_cap);
	free(text);
	return rc == SJ_OK ? 0 : -1;
}

/* The i-th round of the vectors, parsed, and the chain it names. */
static const struct beacon_chain *drand_round(struct beacon_round *r, struct drand_vectors *d,
                                              int i)
{
	const cJSON *rounds = cJSON_GetObjectItemCaseSensitive(d->root, "rounds");
	const cJSON *obj = cJSON_GetArrayItem(rounds, i), *chain;
	char *text, err[256];
	int rc;

	if (obj == NULL)
		return NULL;
	chain = cJSON_GetObjectItemCaseSensitive(obj, "chain");
	/* The vectors' extra "chain" field is ignored like any unknown one. */
	text = cJSON_PrintUnformatted(obj);
	if (text == NULL)
		return NULL;
	rc = beacon_round_parse(r, text, strlen(text), err, sizeof err);
	free(text);
	if (rc != SJ_OK || !cJSON_IsString(chain))
		return NULL;
	return strcmp(chain->valuestring, "quicknet") == 0 ? &d->quicknet : &d->mainnet;
}

TEST(t_beacon_drand_vectors, "real drand rounds pass the randomness, chain and time checks, and "
                             "report their BLS signature as not checked")
{
	struct drand_vectors d;
	struct beacon_round r;
	struct beacon_value v;
	const struct beacon_chain *c;
	char err[256];
	int rc, n = 0;

	rc = load_drand(&d, err, sizeof err);
	if (rc == 1) {
		harness_skip("../shared/vectors/drand/rounds.json is not present");
		return;
	}
	CHECK_INT(rc, ==, 0);
	/* mainnet's info carries its group hash, so its chain hash is
	 * recomputed; quicknet's does not, so it must be pinned whole. */
	CHECK(d.mainnet.kind == BEACON_KIND_DRAND && d.mainnet.hash_checked && d.mainnet.chained);
	CHECK(d.quicknet.kind == BEACON_KIND_DRAND && !d.quicknet.hash_checked &&
	      !d.quicknet.chained);
	for (int i = 0; (c = drand_round(&r, &d, i)) != NULL; i++) {
		int64_t t;
		rc = beacon_round_verify(&v, c, &r, NULL, util_now_us(), err, sizeof err);
		if (rc != SJ_OK)
			printf("    round %d: %s\n", i, err);
		CHECK_INT(rc, ==, SJ_OK);
		CHECK(v.kind == BEACON_KIND_DRAND && v.check == BEACON_CHECK_NO_BLS);
		CHECK(strcmp(beacon_check_name(v.check), "BLS signature not checked") == 0);
		CHECK_MEM(v.value, r.randomness, 32);
		CHECK_INT(beacon_round_time(&t, c, r.round), ==, SJ_OK);
		CHECK_INT(v.time_us, ==, t * 1000000);
		n++;
	}
	CHECK_INT(n, >=, 2);
	/* mainnet round 1 is due at genesis. */
	c = drand_round(&r, &d, 0);
	CHECK(c == &d.mainnet && r.round == 1);
	CHECK_INT(beacon_round_verify(&v, c, &r, NULL, INT64_MAX, err, sizeof err), ==, SJ_OK);
	CHECK_INT(v.time_us, ==, INT64_C(1595431050) * 1000000);
	cJSON_Delete(d.root);
}

TEST(t_beacon_drand_tampered,
     "a real drand round with its randomness, signature or genesis link altered is refused")
{
	struct drand_vectors d;
	struct beacon_round r, t;
	struct beacon_value v;
	const struct beacon_chain *c;
	char err[256];
	int rc;

	rc = load_drand(&d, err, sizeof err);
	if (rc == 1) {
		harness_skip("../shared/vectors/drand/rounds.json is not present");
		return;
	}
	CHECK_INT(rc, ==, 0);
	for (int i = 0; (c = drand_round(&r, &d, i)) != NULL; i++) {
		t = r;
		t.randomness[0] ^= 1;
		CHECK_INT(beacon_round_verify(&v, c, &t, NULL, INT64_MAX, err, sizeof err), ==,
		          SJ_EVERIFY);
		CHECK_STR_HAS(err, "randomness");
		t = r;
		t.signature[5] ^= 0x10;
		CHECK_INT(beacon_round_verify(&v, c, &t, NULL, INT64_MAX, err, sizeof err), ==,
		          SJ_EVERIFY);
		/* A round seen before it was due. */
		CHECK_INT(beacon_round_verify(&v, c, &r, NULL, c->genesis_time * 1000000 - 1, err,
		                              sizeof err),
		          ==, SJ_EVERIFY);
	}
	/* mainnet round 1 chains to the group hash. */
	c = drand_round(&r, &d, 0);
	CHECK(c == &d.mainnet && r.round == 1);
	r.previous_signature[3] ^= 1;
	CHECK_INT(beacon_round_verify(&v, c, &r, NULL, INT64_MAX, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "group hash");
	cJSON_Delete(d.root);
}

TEST(t_beacon_drand_chain_hash, "drand chain info with its group hash verifies against drand's "
                                "chain hash, and is refused when a field is changed")
{
	struct drand_vectors d;
	struct beacon_chain c;
	char json[BEACON_MAX_JSON], err[256], *p;
	size_t len;
	int rc;

	rc = load_drand(&d, err, sizeof err);
	if (rc == 1) {
		harness_skip("../shared/vectors/drand/rounds.json is not present");
		return;
	}
	CHECK_INT(rc, ==, 0);
	CHECK_INT(beacon_chain_format(json, sizeof json, &len, &d.mainnet), ==, SJ_OK);
	CHECK_INT(beacon_chain_parse(&c, json, len, err, sizeof err), ==, SJ_OK);
	CHECK(c.hash_checked);
	p = strstr(json, "\"period\":30");
	CHECK(p != NULL);
	p[10] = '1';
	CHECK_INT(beacon_chain_parse(&c, json, len, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "\"hash\"");
	cJSON_Delete(d.root);
}

/* ---- manual values (RFC 3797) ---- */

TEST(t_beacon_rfc3797_example, "RFC 3797's worked example canonicalises to its key string, whose "
                               "SHA-256 is the value; a changed number changes it")
{
	static const char *const s1[] = {"9319"};
	static const char *const s2[] = {"2", "5", "12", "8", "10"};
	static const char *const s3[] = {"9", "18", "26", "34", "41", "45"};
	struct manual_source src[3] = {
	    {"NYSE volume", MANUAL_NUMERIC, s1, 1},
	    {"lottery A", MANUAL_NUMERIC, s2, 5},
	    {"lottery B", MANUAL_NUMERIC, s3, 6},
	};
	static const char json[] =
	    "{\"time\":1063324800,\"sources\":["
	    "{\"name\":\"NYSE volume\",\"kind\":\"numeric\",\"values\":[\"9319\"]},"
	    "{\"name\":\"lottery A\",\"kind\":\"numeric\","
	    "\"values\":[\"02\",\"5\",\"12\",\"08\",\"10\"]},"
	    "{\"name\":\"lottery B\",\"kind\":\"numeric\","
	    "\"values\":[\"45\",\"41\",\"34\",\"26\",\"18\",\"9\"]}]}";
	char canon[MANUAL_MAX_CANON], err[256], h[80], *p;
	char forged[sizeof json];
	struct beacon_value v, w;
	size_t len;

	CHECK(sodium_init() >= 0);
	CHECK_INT(manual_canonical(canon, sizeof canon, &len, src, 3, err, sizeof err), ==, SJ_OK);
	CHECK(strcmp(canon, RFC_KEY) == 0 && len == strlen(RFC_KEY));
	CHECK_INT(manual_value(&v, canon, sizeof canon, &len, json, strlen(json), err, sizeof err),
	          ==, SJ_OK);
	CHECK(strcmp(canon, RFC_KEY) == 0);
	hex(h, v.value, 32);
	CHECK(strcmp(h, RFC_SHA256) == 0);
	CHECK(v.kind == BEACON_KIND_MANUAL && v.round == 0 && v.check == BEACON_CHECK_NONE);
	CHECK(strcmp(v.source, "manual") == 0);
	CHECK_INT(v.time_us, ==, INT64_C(1063324800) * 1000000);
	/* One lottery number wrong: another value. */
	memcpy(forged, json, sizeof json);
	p = strstr(forged, "\"12\"");
	CHECK(p != NULL);
	p[2] = '3';
	CHECK_INT(manual_value(&w, NULL, 0, NULL, forged, strlen(forged), err, sizeof err), ==,
	          SJ_OK);
	CHECK(memcmp(v.value, w.value, 32) != 0);
}

static int canon_of(char *out, size_t cap, enum manual_kind kind, const char *const *vals, size_t n,
                    char *err, size_t err_cap)
{
	struct manual_source s = {"s", kind, vals, n};
	size_t len;
	return manual_canonical(out, cap, &len, &s, 1, err, err_cap);
}

TEST(t_beacon_manual_rules,
     "manual values: leading zeros, decimal fractions, letter case and punctuation are "
     "canonicalised, values sorted, and malformed values refused naming the source and value")
{
	static const char *const nums[] = {"10", "9.50", "009.45", "0", "3.0"};
	static const char *const text[] = {"w 4-1", "Ab,c"};
	static const char *const bad_num[][1] = {{".5"}, {"1."}, {"1.2.3"}, {""},
	                                         {"-1"}, {"+1"}, {" 1"},    {"1e3"}};
	static const char *const bad_text[][1] = {{"--"}, {"\xe4\xb8\xad"}, {"a\tb"}, {""}};
	static const char *const long_val[] = {
	    "12345678901234567890123456789012345678901234567890123456789012345"};
	char out[256], err[256];

	CHECK_INT(canon_of(out, sizeof out, MANUAL_NUMERIC, nums, 5, err, sizeof err), ==, SJ_OK);
	CHECK(strcmp(out, "0.3.9.45.9.5.10./") == 0);
	CHECK_INT(canon_of(out, sizeof out, MANUAL_TEXT, text, 2, err, sizeof err), ==, SJ_OK);
	CHECK(strcmp(out, "ABC.W41./") == 0);
	for (size_t i = 0; i < sizeof bad_num / sizeof bad_num[0]; i++) {
		CHECK_INT(canon_of(out, sizeof out, MANUAL_NUMERIC, bad_num[i], 1, err, sizeof err),
		          ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "source 1, value 1");
	}
	for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
		CHECK_INT(canon_of(out, sizeof out, MANUAL_TEXT, bad_text[i], 1, err, sizeof err),
		          ==, SJ_EINVAL);
		CHECK_STR_HAS(err, "source 1, value 1");
	}
	CHECK_INT(canon_of(out, sizeof out, MANUAL_NUMERIC, long_val, 1, err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(err, "longer than");
	CHECK_INT(canon_of(out, sizeof out, MANUAL_NUMERIC, nums, 0, err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_INT(canon_of(out, 5, MANUAL_NUMERIC, nums, 5, err, sizeof err), ==, SJ_ERANGE);
}

/* ---- the margin rule ---- */

TEST(t_beacon_round_usable_rule, "a round due before or at the commitment time plus the margin is "
                                 "refused, and the first round due strictly after is usable")
{
	struct signer s;
	struct beacon_value v;
	char err[512];
	const int64_t commit = (int64_t)(GENESIS + 95) * 1000000, margin = 5000000;
	uint64_t first;
	int64_t t;

	CHECK_INT(signer_init(&s, 0), ==, SJ_OK);
	memset(&v, 0, sizeof v);
	v.kind = BEACON_KIND_SUIJI;
	v.round = 5;
	v.time_us = commit + margin;
	CHECK_INT(beacon_round_usable(&v, commit, margin, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "not strictly after");
	v.time_us = commit - 1;
	CHECK_INT(beacon_round_usable(&v, commit, margin, err, sizeof err), ==, SJ_EVERIFY);
	v.time_us = commit + margin + 1;
	CHECK_INT(beacon_round_usable(&v, commit, margin, err, sizeof err), ==, SJ_OK);
	CHECK_INT(beacon_round_usable(&v, commit, -1, err, sizeof err), ==, SJ_EINVAL);
	CHECK_INT(beacon_round_usable(&v, INT64_MAX - 10, 11, err, sizeof err), ==, SJ_EINVAL);

	/* commit + margin = genesis + 100 s: round 4 is due at +90 s, round 5
	 * at +120 s, so round 5 is the first usable one. */
	CHECK_INT(beacon_first_usable_round(&first, &s.chain, commit + margin), ==, SJ_OK);
	CHECK_INT(first, ==, 5);
	/* Exactly at a round's due time: that round is not usable. */
	CHECK_INT(beacon_first_usable_round(&first, &s.chain, (int64_t)(GENESIS + 120) * 1000000),
	          ==, SJ_OK);
	CHECK_INT(first, ==, 6);
	CHECK_INT(beacon_first_usable_round(&first, &s.chain, (int64_t)(GENESIS - 1) * 1000000), ==,
	          SJ_OK);
	CHECK_INT(first, ==, 1);
	for (uint64_t r = first > 1 ? first - 1 : 1; r <= first; r++) {
		CHECK_INT(beacon_round_time(&t, &s.chain, r), ==, SJ_OK);
		v.round = r;
		v.time_us = t * 1000000;
		CHECK_INT(
		    beacon_round_usable(&v, (int64_t)(GENESIS + 120) * 1000000, 0, err, sizeof err),
		    ==, r == 6 ? SJ_OK : SJ_EVERIFY);
	}
}

/* ---- malformed documents ---- */

struct bad_doc {
	const char *json;
	int rc;
	const char *says;
};

TEST(t_beacon_malformed_rounds,
     "malformed round JSON of every kind is refused with a message naming the field")
{
	static const char R[] = "\"randomness\":\"ab09ca2baae1f575f67d56d66e22a8def1cf9bfa340159bc"
	                        "435bf0c4231097f9\"";
	static const char S[] = "\"signature\":\"00ff\"";
	char docs[32][512];
	struct bad_doc bad[32];
	size_t n = 0;
	struct beacon_round r;
	char err[256], big[BEACON_MAX_JSON + 2];

#define BAD(rc_, says_, ...)                                                                       \
	do {                                                                                       \
		snprintf(docs[n], sizeof docs[n], __VA_ARGS__);                                    \
		bad[n].json = docs[n];                                                             \
		bad[n].rc = rc_;                                                                   \
		bad[n].says = says_;                                                               \
		n++;                                                                               \
	} while (0)
	BAD(SJ_EINVAL, "\"round\" is missing", "{%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"round\" is out of range", "{\"round\":0,%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"round\" is out of range", "{\"round\":-3,%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"round\" is not an integer", "{\"round\":1.5,%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"round\" is not a number", "{\"round\":\"1\",%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"round\" is out of range", "{\"round\":1e300,%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"round\" appears twice", "{\"round\":1,\"round\":2,%s,%s}", R, S);
	BAD(SJ_EINVAL, "\"randomness\" is missing", "{\"round\":1,%s}", S);
	BAD(SJ_EINVAL, "\"randomness\" is not a string", "{\"round\":1,\"randomness\":7,%s}", S);
	BAD(SJ_EINVAL, "\"randomness\" holds 2 bytes", "{\"round\":1,\"randomness\":\"abcd\",%s}",
	    S);
	BAD(SJ_EINVAL, "\"randomness\" is not lower-case hex",
	    "{\"round\":1,\"randomness\":\"AB09CA2BAAE1F575F67D56D66E22A8DEF1CF9BFA340159BC435BF0C4"
	    "231097F9\",%s}",
	    S);
	BAD(SJ_EINVAL, "\"signature\" has an odd number", "{\"round\":1,%s,\"signature\":\"abc\"}",
	    R);
	BAD(SJ_EINVAL, "\"signature\" is missing", "{\"round\":1,%s}", R);
	BAD(SJ_EINVAL, "\"signature\" holds 0 bytes", "{\"round\":1,%s,\"signature\":\"\"}", R);
	BAD(SJ_EINVAL, "\"previous_signature\" is not a string",
	    "{\"round\":1,%s,%s,\"previous_signature\":[1]}", R, S);
	BAD(SJ_EINVAL, "\"previous_signature\" is not lower-case hex",
	    "{\"round\":1,%s,%s,\"previous_signature\":\"zz\"}", R, S);
	BAD(SJ_EINVAL, "bytes after the JSON value", "{\"round\":1,%s,%s} {}", R, S);
	BAD(SJ_EINVAL, "not an object", "[{\"round\":1,%s,%s}]", R, S);
	BAD(SJ_EINVAL, "malformed JSON", "{\"round\":1,%s,%s", R, S);
	BAD(SJ_EINVAL, "malformed JSON", "{\"round\":1,%s,%s,}", R, S);
	BAD(SJ_EINVAL, "NUL", "{\"round\":1,%s,%s,\"x\\u0000\":1}", R, S);
	BAD(SJ_EINVAL, "nested deeper", "{\"round\":1,%s,%s,\"x\":[[[[[[[[[1]]]]]]]]]}", R, S);
	BAD(SJ_EINVAL, "empty JSON", "%s", "");
#undef BAD
	for (size_t i = 0; i < n; i++) {
		int rc = beacon_round_parse(&r, bad[i].json, strlen(bad[i].json), err, sizeof err);
		if (rc != bad[i].rc || strstr(err, bad[i].says) == NULL)
			printf("    %s -> %d \"%s\", wanted \"%s\"\n", bad[i].json, rc, err,
			       bad[i].says);
		CHECK_INT(rc, ==, bad[i].rc);
		CHECK_STR_HAS(err, bad[i].says);
	}
	/* An embedded NUL byte, and a document over the size limit. */
	CHECK_INT(beacon_round_parse(&r, "{\"round\":1\0}", 12, err, sizeof err), ==, SJ_EINVAL);
	memset(big, ' ', sizeof big);
	big[0] = '{';
	big[sizeof big - 1] = '}';
	CHECK_INT(beacon_round_parse(&r, big, sizeof big, err, sizeof err), ==, SJ_ERANGE);
	/* The positive twin: the same fields, well formed. */
	snprintf(docs[0], sizeof docs[0], "{\"round\":1,%s,%s,\"extra\":[1,2]}", R, S);
	CHECK_INT(beacon_round_parse(&r, docs[0], strlen(docs[0]), err, sizeof err), ==, SJ_OK);
	CHECK(r.round == 1 && r.signature_len == 2 && r.previous_signature_len == 0);
}

TEST(t_beacon_malformed_chains,
     "malformed chain info JSON of every kind is refused with a message naming the field")
{
	static const char PK[] = "\"public_key\":\"" G_PK "\"";
	static const char H[] = "\"hash\":\"" G_CHAIN "\"";
	static const char SC[] = "\"schemeID\":\"" BEACON_SCHEME_SUIJI "\"";
	char docs[20][600];
	struct bad_doc bad[20];
	size_t n = 0;
	struct beacon_chain c;
	char err[256];

#define BAD(rc_, says_, ...)                                                                       \
	do {                                                                                       \
		snprintf(docs[n], sizeof docs[n], __VA_ARGS__);                                    \
		bad[n].json = docs[n];                                                             \
		bad[n].rc = rc_;                                                                   \
		bad[n].says = says_;                                                               \
		n++;                                                                               \
	} while (0)
	BAD(SJ_EINVAL, "\"schemeID\" is missing",
	    "{%s,\"period\":30,\"genesis_time\":1700000000,%s}", PK, H);
	BAD(SJ_EINVAL, "unknown scheme",
	    "{%s,\"period\":30,\"genesis_time\":1700000000,%s,\"schemeID\":\"rot13\"}", PK, H);
	BAD(SJ_EINVAL, "same field given twice",
	    "{%s,\"period\":30,\"genesis_time\":1700000000,%s,%s,\"scheme\":\"x\"}", PK, H, SC);
	BAD(SJ_EINVAL, "\"public_key\" holds 2 bytes",
	    "{\"public_key\":\"abcd\",\"period\":30,\"genesis_time\":1700000000,%s,%s}", H, SC);
	BAD(SJ_EINVAL, "\"public_key\" is not an Ed25519",
	    "{\"public_key\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"period\":30,\"genesis_time\":1700000000,%s,%s}",
	    H, SC);
	BAD(SJ_EINVAL, "\"period\" is out of range",
	    "{%s,\"period\":0,\"genesis_time\":1700000000,%s,%s}", PK, H, SC);
	BAD(SJ_EINVAL, "\"period\" is out of range",
	    "{%s,\"period\":86401,\"genesis_time\":1700000000,%s,%s}", PK, H, SC);
	BAD(SJ_EINVAL, "\"period\" is missing", "{%s,\"genesis_time\":1700000000,%s,%s}", PK, H,
	    SC);
	BAD(SJ_EINVAL, "\"genesis_time\" is out of range",
	    "{%s,\"period\":30,\"genesis_time\":-1,%s,%s}", PK, H, SC);
	BAD(SJ_EINVAL, "\"genesis_time\" is not a number",
	    "{%s,\"period\":30,\"genesis_time\":\"now\",%s,%s}", PK, H, SC);
	BAD(SJ_EINVAL, "\"hash\" is missing", "{%s,\"period\":30,\"genesis_time\":1700000000,%s}",
	    PK, SC);
	BAD(SJ_EINVAL, "\"metadata\" is not an object",
	    "{%s,\"period\":30,\"genesis_time\":1700000000,%s,%s,\"metadata\":1}", PK, H, SC);
	BAD(SJ_EINVAL, "\"groupHash\" is not part of a suiji-beacon chain",
	    "{%s,\"period\":30,\"genesis_time\":1700000000,%s,%s,\"groupHash\":\"%s\"}", PK, H, SC,
	    G_CHAIN);
#undef BAD
	for (size_t i = 0; i < n; i++) {
		int rc = beacon_chain_parse(&c, bad[i].json, strlen(bad[i].json), err, sizeof err);
		if (rc != bad[i].rc || strstr(err, bad[i].says) == NULL)
			printf("    %s -> %d \"%s\", wanted \"%s\"\n", bad[i].json, rc, err,
			       bad[i].says);
		CHECK_INT(rc, ==, bad[i].rc);
		CHECK_STR_HAS(err, bad[i].says);
	}
	snprintf(docs[0], sizeof docs[0], "{%s,\"period\":30,\"genesis_time\":1700000000,%s,%s}",
	         PK, H, SC);
	CHECK_INT(beacon_chain_parse(&c, docs[0], strlen(docs[0]), err, sizeof err), ==, SJ_OK);
}

TEST(t_beacon_malformed_manual, "malformed manual value JSON of every kind is refused with a "
                                "message naming the field, source or value")
{
	static const struct bad_doc bad[] = {
	    {"{\"sources\":[{\"name\":\"a\",\"kind\":\"numeric\",\"values\":[\"1\"]}]}", SJ_EINVAL,
	     "\"time\" is missing"},
	    {"{\"time\":-5,\"sources\":[{\"name\":\"a\",\"kind\":\"numeric\",\"values\":[\"1\"]}]}",
	     SJ_EINVAL, "\"time\" is out of range"},
	    {"{\"time\":1}", SJ_EINVAL, "\"sources\" is missing"},
	    {"{\"time\":1,\"sources\":{}}", SJ_EINVAL, "\"sources\" must be an array"},
	    {"{\"time\":1,\"sources\":[]}", SJ_EINVAL, "\"sources\" must be an array"},
	    {"{\"time\":1,\"sources\":[7]}", SJ_EINVAL, "sources[0] is not an object"},
	    {"{\"time\":1,\"sources\":[{\"kind\":\"numeric\",\"values\":[\"1\"]}]}", SJ_EINVAL,
	     "sources[0]: field \"name\""},
	    {"{\"time\":1,\"sources\":[{\"name\":\"a\\u0007\",\"kind\":\"numeric\",\"values\":["
	     "\"1\"]}]}",
	     SJ_EINVAL, "sources[0]: field \"name\""},
	    {"{\"time\":1,\"sources\":[{\"name\":\"a\",\"kind\":\"dice\",\"values\":[\"1\"]}]}",
	     SJ_EINVAL, "sources[0]: field \"kind\""},
	    {"{\"time\":1,\"sources\":[{\"name\":\"a\",\"kind\":\"numeric\",\"values\":[]}]}",
	     SJ_EINVAL, "sources[0]: field \"values\""},
	    {"{\"time\":1,\"sources\":[{\"name\":\"a\",\"kind\":\"numeric\",\"values\":[1]}]}",
	     SJ_EINVAL, "not a string"},
	    {"{\"time\":1,\"sources\":[{\"name\":\"a\",\"kind\":\"numeric\",\"values\":[\"1\"]},"
	     "{\"name\":\"b\",\"kind\":\"numeric\",\"values\":[\"1\",\"x\"]}]}",
	     SJ_EINVAL, "source 2, value 2"},
	};
	struct beacon_value v;
	char err[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = manual_value(&v, NULL, 0, NULL, bad[i].json, strlen(bad[i].json), err,
		                      sizeof err);
		if (rc != bad[i].rc || strstr(err, bad[i].says) == NULL)
			printf("    %s -> %d \"%s\", wanted \"%s\"\n", bad[i].json, rc, err,
			       bad[i].says);
		CHECK_INT(rc, ==, bad[i].rc);
		CHECK_STR_HAS(err, bad[i].says);
	}
	/* The positive twin: a Chinese source name is fine, as names are not
	 * hashed. */
	{
		static const char ok[] = "{\"time\":1,\"sources\":[{\"name\":\"双色球 2025001\","
		                         "\"kind\":\"text\",\"values\":[\"ab\"]}]}";
		int rc = manual_value(&v, NULL, 0, NULL, ok, strlen(ok), err, sizeof err);
		CHECK_INT(rc, ==, SJ_OK);
	}
}
