/*
 * test_beacon_forge.c: a revealer who holds the sealed seeds and the log
 * tries to choose a draw's outcome through its beacon values, on the
 * sample city of scripts/city.sh with the real binaries (R6, R18):
 *  - public values typed in at reveal, or signed by the log operator or an
 *    agency's operator instead of the registered notary;
 *  - a drand source, whose BLS signatures suiji cannot verify;
 *  - a suiji-beacon round with a bad signature or a broken previous-round
 *    link;
 *  - a reveal withheld although its round was out, and one whose round
 *    never came: both listed, each attributed to who failed.
 * Each refusal has a twin forged past the store that fails suiji-verify
 * naming the rule, and each accepted path a twin that is refused.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "beacon/round.h"
#include "common/util.h"
#include "daemon/drawop.h"
#include "ledger/entry.h"
#include "proto/beacon.pb-c.h"
#include "proto/draw.pb-c.h"
#include "rules/storeops.h"
#include "tests/city.h"
#include "tests/fixture.h"
#include "tests/harness.h"

#define ORIGIN "suiji.example/lianyungang-2026"

/* Commits a task draw of scjg's food task naming beacons (a JSON array)
 * with a deadline of hours; the request's entry in *seq. */
static int forge_draw(const struct city *c, const char *id, const char *beacons, const char *hours,
                      uint64_t *seq)
{
	char json[1024], *o = NULL;
	const char *p;
	int rc;
	char task[64];
	/* Each draw of its own task: a task is drawn once (R6). */
	snprintf(task, sizeof task, "food-%s", id);
	if (city_task_copy(c, task) != 0)
		return 2;
	snprintf(json, sizeof json,
	         "{\"request_id\": \"%s\", \"agency\": \"scjg\", \"task\": \"%s\","
	         " \"slot_size\": 5, \"officer_repeat_in_slot\": true, \"deadline_hours\": %s,"
	         " \"officer_tags\": [\"food\"], \"beacons\": %s}",
	         id, task, hours, beacons);
	if (city_put(c, "draw.json", json))
		return 2;
	rc = city_run(c, &o, "$B/suijid -d data draw task draw.json");
	p = o ? strstr(o, "draw request ") : NULL;
	*seq = p ? strtoull(p + 13, NULL, 10) : 0;
	if (rc != 0)
		printf("    %s\n", o ? o : "");
	free(o);
	return rc;
}

/* Values drawn in public one second after now, as name.json. */
static int values_doc(const struct city *c, const char *name, const char *ball)
{
	char doc[256], file[64];
	time_t t0 = time(NULL);
	while (time(NULL) == t0)
		usleep(20000);
	snprintf(doc, sizeof doc,
	         "{\"time\":%lld,\"sources\":[{\"name\":\"福利彩票\",\"kind\":\"numeric\","
	         "\"values\":[\"%s\",\"7\",\"19\"]}]}",
	         (long long)time(NULL), ball);
	snprintf(file, sizeof file, "%s.json", name);
	return city_put(c, file, doc);
}

/* Entry seq's commit_seq (seq + 1 for a task draw) and seed, from the
 * city's ledger and seed custody. */
static int draw_seed(const struct city *c, uint64_t seq, uint8_t seed[32])
{
	struct ledger_store *s = NULL;
	struct draws_info info;
	char path[700], dir[600], err[512];
	size_t idx;
	int rc;
	snprintf(path, sizeof path, "%s/data/ledger.db", c->dir);
	snprintf(dir, sizeof dir, "%s/data", c->dir);
	if (storeops_open(&s, path, LEDGER_STORE_READONLY, err, sizeof err) != SJ_OK)
		return -1;
	rc = draws_find(storeops_draws(s), seq, &idx) == SJ_OK ? 0 : -1;
	if (rc == 0) {
		draws_get(storeops_draws(s), idx, &info);
		rc = drawop_seed(dir, info.commitment, seed, err, sizeof err) == SJ_OK ? 0 : -1;
	}
	ledger_store_close(s);
	return rc;
}

/* Appends, past the store, a reveal of the draw requested at seq with the
 * true seed, the given round documents and a made-up result: a revealer
 * skipping its own checks. */
static int raw_reveal(const struct city *c, uint64_t seq, char **rounds, size_t n)
{
	Suiji__DrawReveal m = SUIJI__DRAW_REVEAL__INIT;
	uint8_t seed[32], result[64], *payload;
	char db[700];
	size_t plen;
	int rc;
	if (draw_seed(c, seq, seed) != 0)
		return -1;
	memset(result, 0x5a, sizeof result);
	m.commit_seq = seq + 1;
	m.seed.data = seed;
	m.seed.len = 32;
	m.n_rounds = n;
	m.rounds = rounds;
	m.result.data = result;
	m.result.len = sizeof result;
	plen = suiji__draw_reveal__get_packed_size(&m);
	if ((payload = malloc(plen)) == NULL)
		return -1;
	suiji__draw_reveal__pack(&m, payload);
	snprintf(db, sizeof db, "%s/data/ledger.db", c->dir);
	rc = fixture_raw_append(db, "", ENTRY_DRAW_REVEAL, payload, plen);
	free(payload);
	return rc;
}

TEST(forge_manual_values_signed_only,
     "R6: public values typed in at reveal are refused; values signed by the registered "
     "notary are the only ones a reveal may use, and the verifier re-checks it")
{
	struct city c;
	uint64_t d;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(forge_draw(&c, "m1", "[{\"source\": \"pub\", \"round\": 0}]", "24", &d), ==, 0);
	/* Made-up numbers, with no signed entry at all. */
	CHECK_INT(values_doc(&c, "typed", "31"), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round typed.json",
	                   (unsigned long long)d),
	          ==, 1);
	CHECK_STR_HAS(out, "R6: beacon pub: no public-values entry");
	free(out);
	/* The notary signs the public drawing; other numbers typed at reveal
	 * are still refused. */
	CHECK_INT(values_doc(&c, "pub", "12"), ==, 0);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suiji pubvalues sign --key notary.key --origin " ORIGIN
	                   " --source pub pub.json -o pub.signed && "
	                   "$B/suijid -d data pubvalues add pub.signed"),
	          ==, 0);
	CHECK_STR_HAS(out, "public-values");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round typed.json",
	                   (unsigned long long)d),
	          ==, 1);
	CHECK_STR_HAS(out, "not those of the signed public-values entry");
	free(out);
	/* Forged past the store: the verifier names R6. */
	{
		char *rounds[1] = {NULL};
		size_t len;
		uint8_t *doc = NULL;
		char path[700];
		snprintf(path, sizeof path, "%s/typed.json", c.dir);
		CHECK_INT(util_read_file(&doc, &len, path, 4096), ==, SJ_OK);
		rounds[0] = (char *)doc;
		CHECK_INT(city_run(&c, NULL, "cp -a data saved"), ==, 0);
		CHECK_INT(raw_reveal(&c, d, rounds, 1), ==, 0);
		free(doc);
		CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
		CHECK_STR_HAS(out, "FAILED");
		CHECK_STR_HAS(out, "R6: beacon pub: the reveal's public values are not those");
		free(out);
		CHECK_INT(city_run(&c, NULL, "rm -rf data && mv saved data"), ==, 0);
	}
	/* The twin: the daemon takes the notary's values by itself. */
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu", (unsigned long long)d),
	          ==, 0);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "1 revealed and re-derived");
	free(out);
}

TEST(forge_manual_values_signer_independent,
     "R6: neither the log's key nor an agency operator's key can be a public-values signer, "
     "nor sign values as one; a values entry forged past the store fails the verifier")
{
	struct city c;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	/* The drawing agency's operator as the signer. */
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data add-signer --key op.vkey --name op"), ==,
	          1);
	CHECK_STR_HAS(out, "R6: a client key");
	free(out);
	/* The log operator's own key. */
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data log-key > log.vkey && "
	                   "$B/suijid -d data add-signer --key log.vkey --name log"),
	          ==, 1);
	CHECK_STR_HAS(out, "R6: the log's own key");
	free(out);
	/* The notary's key cannot then act for an agency. */
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data add-client --key notary.vkey --agency scjg --role "
	                   "operator"),
	          ==, 1);
	CHECK_STR_HAS(out, "public-values signer's key");
	free(out);
	/* The operator signs values itself: refused, as its key is no signer. */
	CHECK_INT(values_doc(&c, "pub", "5"), ==, 0);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suiji pubvalues sign --key op.key --origin " ORIGIN
	                   " --source pub pub.json -o op.signed && "
	                   "$B/suijid -d data pubvalues add op.signed"),
	          ==, 1);
	CHECK_STR_HAS(out, "R6: public values signed by a key that no earlier");
	free(out);
	/* The log operator enters values as its own (unsigned) entry, past
	 * the store: the verifier names R6. */
	{
		Suiji__PublicValues m = SUIJI__PUBLIC_VALUES__INIT;
		uint8_t buf[512];
		char db[700];
		m.source = (char *)"pub";
		m.document = (char *)"{\"time\":4000000000,\"sources\":[{\"name\":\"x\",\"kind\":"
		                     "\"numeric\",\"values\":[\"1\"]}]}";
		snprintf(db, sizeof db, "%s/data/ledger.db", c.dir);
		CHECK_INT(fixture_raw_append(db, "", ENTRY_PUBLIC_VALUES, buf,
		                             suiji__public_values__pack(&m, buf)),
		          ==, SJ_OK);
		CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
		CHECK_STR_HAS(out, "R6: public values must be signed by a registered");
		free(out);
	}
}

/* A drand chain (the League of Entropy's mainnet, as drand serves it). */
static const char drand_chain[] =
    "{\"public_key\":\"868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529ee"
    "da66c7293784a9402801af31\",\"period\":30,\"genesis_time\":1595431050,\"hash\":"
    "\"8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce\",\"groupHash\":"
    "\"176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a\",\"schemeID\":"
    "\"pedersen-bls-chained\",\"metadata\":{\"beaconID\":\"default\"}}";

TEST(forge_drand_refused,
     "R6: a drand source is refused at registration and so at request, since its BLS "
     "signatures are not verified; registered past the store it fails the verifier")
{
	struct city c;
	char *out = NULL, db[700];
	uint64_t d;
	Suiji__BeaconAdd m = SUIJI__BEACON_ADD__INIT;
	uint8_t buf[2048];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_put(&c, "drand.json", drand_chain), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data add-beacon --id loe --chain drand.json"),
	          ==, 1);
	CHECK_STR_HAS(out, "R6: drand rounds are refused");
	CHECK_STR_HAS(out, "BLS12-381");
	free(out);
	/* A draw naming it is refused: no such source can exist. */
	CHECK(forge_draw(&c, "d1", "[{\"source\": \"loe\", \"round\": \"auto\"}]", "24", &d) != 0);
	/* The chain info itself still parses: only its use for draws is refused. */
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	free(out);
	/* Forged past the store: the verifier names R6. */
	m.id = (char *)"loe";
	m.chain = (char *)drand_chain;
	m.url = (char *)"";
	m.margin_us = 1000000;
	snprintf(db, sizeof db, "%s/data/ledger.db", c.dir);
	CHECK_INT(
	    fixture_raw_append(db, "", ENTRY_BEACON_ADD, buf, suiji__beacon_add__pack(&m, buf)), ==,
	    SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "beacon source loe: R6: drand rounds are refused");
	free(out);
}

/* A suiji-beacon chain the test holds the key of: one round a second. */
struct fb {
	uint8_t pk[32], sk[64];
	struct beacon_chain chain;
};

/* Round r's document; prev is round r-1's signature (NULL: the true one,
 * chained from round 1); the signature broken when bad. */
static int fb_round(const struct fb *b, uint64_t round, const uint8_t *prev_in, int bad, char *out,
                    size_t cap)
{
	uint8_t prev[64] = {0}, sig[64], msg[BEACON_MSG_SIZE];
	struct beacon_round r;
	size_t len;
	for (uint64_t i = 1; i < round; i++) {
		beacon_round_message(msg, &b->chain, i, prev);
		crypto_sign_detached(prev, NULL, msg, sizeof msg, b->sk);
	}
	if (prev_in)
		memcpy(prev, prev_in, 64);
	beacon_round_message(msg, &b->chain, round, prev);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, b->sk);
	if (bad)
		sig[5] ^= 1;
	memset(&r, 0, sizeof r);
	r.round = round;
	crypto_hash_sha256(r.randomness, sig, 64);
	memcpy(r.signature, sig, 64);
	r.signature_len = 64;
	memcpy(r.previous_signature, prev, 64);
	r.previous_signature_len = 64;
	return beacon_round_format(out, cap, &len, &r);
}

/* Waits until round is due on b's chain. */
static void fb_wait(const struct fb *b, uint64_t round)
{
	int64_t due;
	if (beacon_round_time(&due, &b->chain, round) != SJ_OK)
		return;
	while (util_now_us() < due * 1000000 + 100000)
		usleep(50000);
}

/* Registers b's chain in the city as "sb", margin 0. */
static int fb_register(struct city *c, struct fb *b)
{
	char json[BEACON_MAX_JSON + 1];
	size_t len;
	crypto_sign_keypair(b->pk, b->sk);
	if (beacon_chain_init_suiji(&b->chain, b->pk, util_now_us() / 1000000 - 2, 1) != SJ_OK ||
	    beacon_chain_format(json, sizeof json, &len, &b->chain) != SJ_OK ||
	    city_put(c, "sb.json", json))
		return -1;
	return city_run(c, NULL,
	                "$B/suijid -d data add-beacon --id sb --chain sb.json --margin-ms 0");
}

TEST(forge_chain_link_checked,
     "R6: a suiji-beacon round with a bad signature, or whose previous-round link is not the "
     "round the ledger holds, is refused at reveal and fails the verifier; an honest chain "
     "passes")
{
	struct city c;
	struct fb b;
	char doc[BEACON_MAX_JSON + 1], beacons[128], *out = NULL;
	uint64_t d1, d2, r1, now_round;
	uint8_t fork[64];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(fb_register(&c, &b), ==, 0);
	/* Two draws on consecutive rounds, both well in the future. */
	CHECK_INT(beacon_round_at(&now_round, &b.chain, util_now_us() / 1000000), ==, SJ_OK);
	r1 = now_round + 6;
	snprintf(beacons, sizeof beacons, "[{\"source\": \"sb\", \"round\": %llu}]",
	         (unsigned long long)r1);
	CHECK_INT(forge_draw(&c, "c1", beacons, "24", &d1), ==, 0);
	snprintf(beacons, sizeof beacons, "[{\"source\": \"sb\", \"round\": %llu}]",
	         (unsigned long long)(r1 + 1));
	CHECK_INT(forge_draw(&c, "c2", beacons, "24", &d2), ==, 0);
	fb_wait(&b, r1 + 1);
	/* A bad signature. */
	CHECK_INT(fb_round(&b, r1, NULL, 1, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(city_put(&c, "r.json", doc), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round r.json",
	                   (unsigned long long)d1),
	          ==, 1);
	CHECK_STR_HAS(out, "beacon sb");
	CHECK_STR_HAS(out, "signature");
	free(out);
	{
		char *rounds[1] = {doc};
		CHECK_INT(city_run(&c, NULL, "cp -a data saved"), ==, 0);
		CHECK_INT(raw_reveal(&c, d1, rounds, 1), ==, 0);
		CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
		CHECK_STR_HAS(out, "FAILED");
		CHECK_STR_HAS(out, "R6: beacon sb round");
		free(out);
		CHECK_INT(city_run(&c, NULL, "rm -rf data && mv saved data"), ==, 0);
	}
	/* Honest round r1 reveals draw 1. */
	CHECK_INT(fb_round(&b, r1, NULL, 0, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(city_put(&c, "r.json", doc), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data draw reveal %llu --round r.json",
	                   (unsigned long long)d1),
	          ==, 0);
	/* Round r1+1 signed by the beacon's own key on a fork: a link that is
	 * not round r1's signature, which the ledger now holds. */
	randombytes_buf(fork, sizeof fork);
	CHECK_INT(fb_round(&b, r1 + 1, fork, 0, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(city_put(&c, "f.json", doc), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round f.json",
	                   (unsigned long long)d2),
	          ==, 1);
	CHECK_STR_HAS(out, "previous-round link is not the signature of round");
	free(out);
	/* Forged past the store: the verifier names R6. */
	{
		char *rounds[1] = {doc};
		CHECK_INT(city_run(&c, NULL, "cp -a data saved"), ==, 0);
		CHECK_INT(raw_reveal(&c, d2, rounds, 1), ==, 0);
		CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
		CHECK_STR_HAS(out, "FAILED");
		CHECK_STR_HAS(out, "previous-round link");
		free(out);
		CHECK_INT(city_run(&c, NULL, "rm -rf data && mv saved data"), ==, 0);
	}
	/* The twin: the honest round r1+1 reveals, and the whole ledger verifies. */
	CHECK_INT(fb_round(&b, r1 + 1, NULL, 0, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(city_put(&c, "r.json", doc), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data draw reveal %llu --round r.json",
	                   (unsigned long long)d2),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "2 revealed and re-derived");
	free(out);
}

TEST(forge_withheld_reveal_attributed,
     "R6: a commitment not revealed by its deadline is listed with who failed: the log "
     "operator when the signed values or a later round were in the ledger in time, the "
     "beacon when they never came; the supervision report says the same")
{
	struct city c;
	struct fb b;
	char doc[BEACON_MAX_JSON + 1], beacons[128], *out = NULL;
	uint64_t d1, d2, d3, d4, r, now_round;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(fb_register(&c, &b), ==, 0);
	/* The beacon never came: no signed values before the deadline. */
	CHECK_INT(forge_draw(&c, "w1", "[{\"source\": \"pub\", \"round\": 0}]", "0.0004", &d1), ==,
	          0);
	usleep(1600000);
	/* Withheld: the notary's values come in time, the reveal does not. */
	CHECK_INT(forge_draw(&c, "w2", "[{\"source\": \"pub\", \"round\": 0}]", "0.0012", &d2), ==,
	          0);
	CHECK_INT(city_pub_round(&c), ==, 0);
	/* A chained round withheld: a later draw's reveal holds a later round. */
	CHECK_INT(beacon_round_at(&now_round, &b.chain, util_now_us() / 1000000), ==, SJ_OK);
	r = now_round + 2;
	snprintf(beacons, sizeof beacons, "[{\"source\": \"sb\", \"round\": %llu}]",
	         (unsigned long long)r);
	CHECK_INT(forge_draw(&c, "w3", beacons, "0.0016", &d3), ==, 0);
	snprintf(beacons, sizeof beacons, "[{\"source\": \"sb\", \"round\": %llu}]",
	         (unsigned long long)(r + 1));
	CHECK_INT(forge_draw(&c, "w4", beacons, "24", &d4), ==, 0);
	fb_wait(&b, r + 1);
	CHECK_INT(fb_round(&b, r + 1, NULL, 0, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(city_put(&c, "r.json", doc), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data draw reveal %llu --round r.json",
	                   (unsigned long long)d4),
	          ==, 0);
	usleep(6000000); /* every short deadline has passed */
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "3 abandoned");
	CHECK_STR_HAS(out, "R6  3 abandoned commitments (not revealed by the deadline): 2 by the "
	                   "log operator (the round was available), 1 by the beacon");
	{
		char line[200];
		snprintf(line, sizeof line, "ABANDONED: draw %llu (scjg/w1",
		         (unsigned long long)d1);
		CHECK_STR_HAS(out, line);
		snprintf(line, sizeof line, "committed at entry %llu: the BEACON failed",
		         (unsigned long long)(d1 + 1));
		CHECK_STR_HAS(out, line);
		snprintf(line, sizeof line, "committed at entry %llu: the LOG OPERATOR failed",
		         (unsigned long long)(d2 + 1));
		CHECK_STR_HAS(out, line);
		snprintf(line, sizeof line, "committed at entry %llu: the LOG OPERATOR failed",
		         (unsigned long long)(d3 + 1));
		CHECK_STR_HAS(out, line);
	}
	CHECK_STR_HAS(out, "no redraw names it");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise --agency scjg"),
	          ==, 0);
	CHECK_STR_HAS(out, "abandoned commitments: 3");
	CHECK_STR_HAS(out, "the LOG OPERATOR failed");
	CHECK_STR_HAS(out, "the BEACON failed");
	free(out);
	/* The public portal lists them with who failed. */
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data checkpoint >/dev/null && $B/suiji-verify "
	                   "data/ledger.db --site site --assets \"$ROOT/portal\" >/dev/null && "
	                   "cat site/data/abandoned.json site/data/site.json"),
	          ==, 0);
	CHECK_STR_HAS(out, "\"failed\":\t\"beacon\"");
	CHECK_STR_HAS(out, "\"failed\":\t\"log-operator\"");
	CHECK_STR_HAS(out, "\"abandoned\":\t3");
	free(out);
}
