/*
 * test_drawledger.c: draws through the ledger (rules/draws.c,
 * daemon/drawop.c, wire/drawspec.c) and their replay by the verifier:
 * request, commitment and reveal; refusals before any randomness exists;
 * beacon rounds that existed before the commitment; seeds that do not open
 * their commitment; a daemon that skips its own checks; abandoned draws;
 * the sealed seed across a restart.
 */
#include <dirent.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beacon/round.h"
#include "common/util.h"
#include "daemon/drawop.h"
#include "ledger/entry.h"
#include "proto/draw.pb-c.h"
#include "rules/storeops.h"
#include "tests/fixture.h"
#include "tests/harness.h"
#include "wire/drawspec.h"

/* A suiji-beacon chain the test holds the key of, one round a second. */
struct tb {
	uint8_t pk[32], sk[64];
	struct beacon_chain chain;
};

/* Round `round`'s document, signed and chained from round 1. */
static int tb_round(const struct tb *b, uint64_t round, char *out, size_t cap)
{
	uint8_t prev[64] = {0}, sig[64], msg[BEACON_MSG_SIZE];
	struct beacon_round r;
	size_t len;
	for (uint64_t i = 1; i <= round; i++) {
		beacon_round_message(msg, &b->chain, i, prev);
		crypto_sign_detached(sig, NULL, msg, sizeof msg, b->sk);
		if (i < round)
			memcpy(prev, sig, 64);
	}
	memset(&r, 0, sizeof r);
	r.round = round;
	crypto_hash_sha256(r.randomness, sig, 64);
	memcpy(r.signature, sig, 64);
	r.signature_len = 64;
	memcpy(r.previous_signature, prev, 64);
	r.previous_signature_len = 64;
	return beacon_round_format(out, cap, &len, &r);
}

struct dw {
	struct fixture f;
	struct tb b;
	char dir[600];
};

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, text, strlen(text), 0644);
}

/* The fixture's ledger, a beacon source "lyg-beacon" (margin 300 ms) and
 * pool files: 9 objects in strata A, B, C and 6 officers. */
static int dw_build(struct dw *w)
{
	Suiji__BeaconAdd m = SUIJI__BEACON_ADD__INIT;
	char json[BEACON_MAX_JSON + 1], err[512];
	uint8_t buf[BEACON_MAX_JSON + 256];
	size_t len;
	static unsigned n;

	snprintf(w->dir, sizeof w->dir, "%s/d%u", harness_tmpdir(), ++n);
	if (sodium_init() < 0 || mkdir(w->dir, 0700) != 0 || fixture_build(&w->f, w->dir, 0))
		return -1;
	crypto_sign_keypair(w->b.pk, w->b.sk);
	if (beacon_chain_init_suiji(&w->b.chain, w->b.pk, util_now_us() / 1000000 - 2, 1) ||
	    beacon_chain_format(json, sizeof json, &len, &w->b.chain))
		return -1;
	m.id = (char *)"lyg-beacon";
	m.chain = json;
	m.margin_us = 300000;
	m.url = (char *)"";
	struct ledger_append a = {.type = ENTRY_BEACON_ADD,
	                          .agency = "",
	                          .payload = buf,
	                          .payload_len = suiji__beacon_add__pack(&m, buf)};
	if (ledger_store_append(w->f.s, &a, 1, NULL, err, sizeof err) != SJ_OK) {
		printf("    %s\n", err);
		return -1;
	}
	return write_text(w->dir, "objects.csv",
	                  "id,stratum\nO1,A\nO2,A\nO3,A\nO4,B\nO5,B\nO6,B\nO7,C\nO8,C\nO9,C\n") ||
	       write_text(w->dir, "officers.csv",
	                  "id,agency,tags\nF1,scjg,food;drug\nF2,scjg,food\nF3,scjg,food\n"
	                  "F4,scjg,drug;food\nF5,scjg,food\nF6,scjg,food\n");
}

static const char *spec_fmt =
    "{\"request_id\": \"%s\", \"agency\": \"scjg\", \"task\": \"scjg-2026-food\","
    " \"objects\": \"objects.csv\", \"officers\": \"officers.csv\", \"team_size\": %u,"
    " \"deadline_hours\": %s, \"beacons\": [{\"source\": \"lyg-beacon\", \"round\": %s}],"
    " \"rules\": [{\"stratum\": \"A\", \"ratio\": \"1/3\", \"officer_tags\": [\"food\"]},"
    " {\"stratum\": \"B\", \"count\": 2, \"officer_tags\": [\"food\"]},"
    " {\"stratum\": \"C\", \"ratio\": \"2/3\", \"officer_tags\": [\"drug\"]}],"
    " \"exclusions\": [{\"kind\": \"object\", \"id\": \"O5\", \"reason\": \"annual-cap\"}],"
    " \"conflicts\": [{\"kind\": \"officer\", \"object\": \"O1\", \"person\": \"F2\"}]}";

/* Requests and commits a draw; returns the ledger's code, and the request's
 * entry in *seq. */
static int dw_request(struct dw *w, const char *id, unsigned team, const char *hours,
                      const char *round, uint64_t *seq, char *err, size_t cap)
{
	char spec[2048], path[800];
	struct drawspec sp;
	uint8_t *payload = NULL;
	size_t plen;
	int rc;
	snprintf(spec, sizeof spec, spec_fmt, id, team, hours, round);
	if (write_text(w->dir, "spec.json", spec))
		return SJ_EIO;
	snprintf(path, sizeof path, "%s/spec.json", w->dir);
	rc = drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w->f.s),
	                   util_now_us(), err, cap);
	if (rc != SJ_OK)
		return rc;
	rc = drawop_request_payload(&payload, &plen, &sp);
	if (rc == SJ_OK)
		rc = drawop_commit(w->f.s, w->dir, payload, plen, sp.agency, NULL, NULL, seq, err,
		                   cap);
	free(payload);
	drawspec_fini(&sp);
	return rc;
}

/* The round the draw at request seq waits for, after sleeping until it is
 * due, as a document. */
static int dw_wait_round(struct dw *w, uint64_t seq, char *doc, size_t cap, uint64_t *round)
{
	size_t idx;
	int64_t due;
	if (draws_find(storeops_draws(w->f.s), seq, &idx) != SJ_OK)
		return -1;
	*round = draw_inputs_spec(draws_inputs(storeops_draws(w->f.s), idx))->beacons[0].round;
	if (beacon_round_time(&due, &w->b.chain, *round) != SJ_OK)
		return -1;
	while (util_now_us() < due * 1000000 + 50000)
		usleep(50000);
	return tb_round(&w->b, *round, doc, cap);
}

static int count_seeds(const char *dir)
{
	char p[700];
	int n = 0;
	struct dirent *e;
	snprintf(p, sizeof p, "%s/seeds", dir);
	DIR *d = opendir(p);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

TEST(drawledger_cycle, "a draw is requested, committed, revealed with its beacon round, and the "
                       "verifier re-derives it (R6, R11)")
{
	struct dw w;
	struct verify_report r;
	char err[1024], doc[BEACON_MAX_JSON + 1];
	const char *docs[1] = {doc};
	uint64_t seq, round, rseq;
	CHECK(dw_build(&w) == 0);
	CHECK_INT(dw_request(&w, "q1", 2, "1", "\"auto\"", &seq, err, sizeof err), ==, SJ_OK);
	CHECK_INT(count_seeds(w.dir), ==, 1);
	CHECK(dw_wait_round(&w, seq, doc, sizeof doc, &round) == 0);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==, SJ_OK);
	CHECK_INT(rseq, ==, seq + 2);
	CHECK_INT(count_seeds(w.dir), ==, 0); /* revealed: the sealed copy is gone */
	CHECK_INT(fixture_checkpoint(&w.f), ==, SJ_OK);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.draws, ==, 1);
	CHECK_INT(r.draws_revealed, ==, 1);
	CHECK_INT(r.draws_abandoned, ==, 0);
	fixture_free(&w.f);
}

TEST(drawledger_infeasible_refused_before_seed,
     "a request whose pool cannot staff its teams is refused, naming the shortage, before any seed "
     "exists (R11)")
{
	struct dw w;
	char err[1024];
	uint64_t seq;
	CHECK(dw_build(&w) == 0);
	uint64_t before = ledger_store_size(w.f.s);
	/* Stratum C needs drug officers: only F1 and F4 have the tag. */
	CHECK_INT(dw_request(&w, "q1", 3, "1", "\"auto\"", &seq, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "C");
	CHECK_INT(ledger_store_size(w.f.s), ==, before);
	CHECK_INT(count_seeds(w.dir), ==, 0);
	fixture_free(&w.f);
}

TEST(drawledger_past_round_refused,
     "a draw cannot name a beacon round that exists before its commitment plus the margin")
{
	struct dw w;
	char err[1024];
	uint64_t seq;
	CHECK(dw_build(&w) == 0);
	uint64_t before = ledger_store_size(w.f.s);
	CHECK_INT(dw_request(&w, "q1", 2, "1", "1", &seq, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "not after the commitment time");
	CHECK_INT(ledger_store_size(w.f.s), ==, before);
	CHECK_INT(count_seeds(w.dir), ==, 0);
	fixture_free(&w.f);
}

TEST(drawledger_bad_reveal_refused, "a reveal with another round, a forged round or before its "
                                    "round is due is refused and nothing is stored")
{
	struct dw w;
	struct tb other;
	char err[1024], doc[BEACON_MAX_JSON + 1];
	const char *docs[1] = {doc};
	uint64_t seq, round, rseq;
	CHECK(dw_build(&w) == 0);
	CHECK_INT(dw_request(&w, "q1", 2, "1", "\"auto\"", &seq, err, sizeof err), ==, SJ_OK);
	uint64_t before = ledger_store_size(w.f.s);
	/* Before the round is due: the value was known early. */
	size_t idx;
	CHECK_INT(draws_find(storeops_draws(w.f.s), seq, &idx), ==, SJ_OK);
	round = draw_inputs_spec(draws_inputs(storeops_draws(w.f.s), idx))->beacons[0].round;
	CHECK_INT(tb_round(&w.b, round, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "after the reveal");
	CHECK(dw_wait_round(&w, seq, doc, sizeof doc, &round) == 0);
	/* The round before. */
	CHECK_INT(tb_round(&w.b, round - 1, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), !=, SJ_OK);
	/* The right round number, signed by another key. */
	crypto_sign_keypair(other.pk, other.sk);
	other.chain = w.b.chain;
	CHECK_INT(tb_round(&other, round, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_INT(ledger_store_size(w.f.s), ==, before);
	/* The twin: the true round reveals. */
	CHECK_INT(tb_round(&w.b, round, doc, sizeof doc), ==, SJ_OK);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==, SJ_OK);
	fixture_free(&w.f);
}

TEST(drawledger_sealed_seed_survives_restart,
     "the sealed seed survives a restart between commitment and reveal, and is not stored in clear")
{
	struct dw w;
	char err[1024], doc[BEACON_MAX_JSON + 1], path[800];
	const char *docs[1] = {doc};
	uint64_t seq, round, rseq;
	struct stat st;
	CHECK(dw_build(&w) == 0);
	CHECK_INT(dw_request(&w, "q1", 2, "1", "\"auto\"", &seq, err, sizeof err), ==, SJ_OK);
	snprintf(path, sizeof path, "%s/seed.key", w.dir);
	CHECK_INT(stat(path, &st), ==, 0);
	CHECK_INT(st.st_mode & 0777, ==, 0600);
	fixture_close_store(&w.f);
	CHECK_INT(fixture_reopen(&w.f, &w.f.s), ==, SJ_OK);
	CHECK(dw_wait_round(&w, seq, doc, sizeof doc, &round) == 0);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==, SJ_OK);
	fixture_free(&w.f);
}

TEST(drawledger_rogue_daemon_caught, "a reveal the daemon wrote without its own checks, with a "
                                     "forged seed or an altered result, is caught by the verifier")
{
	for (int variant = 0; variant < 3; variant++) {
		struct dw w;
		struct verify_report r;
		char err[1024], doc[BEACON_MAX_JSON + 1], *rounds[1] = {doc};
		uint64_t seq, round;
		uint8_t seed[32], result[64], *payload;
		CHECK(dw_build(&w) == 0);
		CHECK_INT(dw_request(&w, "q1", 2, "1", "\"auto\"", &seq, err, sizeof err), ==,
		          SJ_OK);
		CHECK(dw_wait_round(&w, seq, doc, sizeof doc, &round) == 0);
		size_t idx;
		struct draws_info info;
		CHECK_INT(draws_find(storeops_draws(w.f.s), seq, &idx), ==, SJ_OK);
		draws_get(storeops_draws(w.f.s), idx, &info);
		fixture_close_store(&w.f);
		Suiji__DrawReveal m = SUIJI__DRAW_REVEAL__INIT;
		/* 0: a seed that is not the committed one; 1: the committed seed
		 * and round with an altered result; 2: no beacon round at all. */
		if (variant == 0)
			randombytes_buf(seed, sizeof seed);
		else
			CHECK_INT(drawop_seed(w.dir, info.commitment, seed, err, sizeof err), ==,
			          SJ_OK);
		memset(result, 0x5a, sizeof result);
		m.commit_seq = seq + 1;
		m.seed.data = seed;
		m.seed.len = 32;
		m.n_rounds = variant == 2 ? 0 : 1;
		m.rounds = rounds;
		m.result.data = result;
		m.result.len = sizeof result;
		size_t plen = suiji__draw_reveal__get_packed_size(&m);
		payload = malloc(plen);
		suiji__draw_reveal__pack(&m, payload);
		CHECK_INT(fixture_raw_append(w.f.db, "", ENTRY_DRAW_REVEAL, payload, plen), ==,
		          SJ_OK);
		free(payload);
		CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_EVERIFY);
		CHECK_INT(r.failed_seq, ==, (int64_t)(seq + 2));
		CHECK_STR_HAS(r.what, variant == 0   ? "does not open"
		                      : variant == 1 ? "stored result is not the one"
		                                     : "beacon rounds");
		fixture_free(&w.f);
	}
}

TEST(drawledger_abandoned_reported,
     "a commitment not revealed by its deadline is reported as abandoned, per agency")
{
	struct dw w;
	struct verify_report r;
	char err[1024];
	uint64_t seq;
	CHECK(dw_build(&w) == 0);
	/* A deadline 1.5 s away, and a round far later: it cannot be revealed. */
	CHECK_INT(dw_request(&w, "q1", 2, "0.0004", "\"auto\"", &seq, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.draws_open, ==, 1);
	usleep(1600000);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.draws_abandoned, ==, 1);
	CHECK_STR_HAS(r.abandoned_by_agency, "scjg: 1");
	fixture_free(&w.f);
}

TEST(drawledger_bad_spec_named,
     "a malformed draw spec or pool file is refused naming the field or line")
{
	struct dw w;
	char err[1024], path[800];
	struct drawspec sp;
	CHECK(dw_build(&w) == 0);
	snprintf(path, sizeof path, "%s/spec.json", w.dir);
	CHECK_INT(write_text(w.dir, "spec.json", "{\"request_id\": \"x\"}"), ==, SJ_OK);
	CHECK_INT(drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w.f.s),
	                        util_now_us(), err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "task");
	CHECK_INT(write_text(w.dir, "objects.csv", "id,stratum\nO1,A\nO1,B\n"), ==, SJ_OK);
	char spec[2048];
	snprintf(spec, sizeof spec, spec_fmt, "q", 2u, "1", "\"auto\"");
	CHECK_INT(write_text(w.dir, "spec.json", spec), ==, SJ_OK);
	CHECK_INT(drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w.f.s),
	                        util_now_us(), err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "appears twice");
	CHECK_INT(write_text(w.dir, "objects.csv", "id,stratum\nO1,A\n"), ==, SJ_OK);
	snprintf(spec, sizeof spec, spec_fmt, "q", 2u, "1", "\"auto\"");
	char *p = strstr(spec, "lyg-beacon");
	memcpy(p, "xyz-beacon", 10);
	CHECK_INT(write_text(w.dir, "spec.json", spec), ==, SJ_OK);
	CHECK_INT(drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w.f.s),
	                        util_now_us(), err, sizeof err),
	          ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "xyz-beacon is not registered");
	fixture_free(&w.f);
}

TEST(drawledger_public_checks, "a business checks its own selection with check-entity, and derive "
                               "recomputes the draw from the published files alone")
{
	struct dw w;
	char err[1024], doc[BEACON_MAX_JSON + 1], *out = NULL, *out2 = NULL;
	const char *docs[1] = {doc};
	uint64_t seq, round, rseq;
	const char *V = harness_bin("suiji-verify");
	CHECK(dw_build(&w) == 0);
	CHECK_INT(dw_request(&w, "q1", 2, "1", "\"auto\"", &seq, err, sizeof err), ==, SJ_OK);
	CHECK(dw_wait_round(&w, seq, doc, sizeof doc, &round) == 0);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==, SJ_OK);
	fixture_close_store(&w.f);

	CHECK_INT(harness_run(&out, "%s draw %s %llu --out %s/pub", V, w.f.db,
	                      (unsigned long long)seq, w.dir),
	          ==, 0);
	CHECK_STR_HAS(out, "randomness R = ");
	/* The excluded object is named as such (R9), whatever its score. */
	CHECK_INT(harness_run(&out2, "%s check-entity %s --id O5", V, w.f.db), ==, 0);
	CHECK_STR_HAS(out2, "EXCLUDED");
	free(out2);
	/* The first drawn object is DRAWN, and with its officers. */
	char *first = strstr(out, "   1. ");
	CHECK(first != NULL);
	char id[16] = {0};
	CHECK_INT(sscanf(first, "   1. %15s", id), ==, 1);
	CHECK_INT(harness_run(&out2, "%s check-entity %s --id %s", V, w.f.db, id), ==, 0);
	CHECK_STR_HAS(out2, "DRAWN");
	free(out2);
	CHECK_INT(harness_run(&out2, "%s check-entity %s --id NOT-THERE", V, w.f.db), ==, 0);
	CHECK_STR_HAS(out2, "in no revealed draw");
	free(out2);
	/* derive from the published files gives the same randomness... */
	char *r = strstr(out, "randomness R = ");
	char rline[100] = {0};
	memcpy(rline, r, 79);
	CHECK_INT(
	    harness_run(&out2,
	                "cd %s/pub && %s derive --inputs inputs.bin --objects objects.bin "
	                "--officers officers.bin --experts experts.bin --seed $(cat seed.hex) "
	                "--entry-hash $(cat entry-hash.hex) --beacon $(cat beacon-1.hex)",
	                w.dir, V),
	    ==, 0);
	CHECK_STR_HAS(out2, rline);
	CHECK_STR_HAS(out2, id);
	free(out2);
	/* ...and its forgery twin, another seed, does not. */
	CHECK_INT(
	    harness_run(&out2,
	                "cd %s/pub && %s derive --inputs inputs.bin --objects objects.bin "
	                "--officers officers.bin --seed %064d --entry-hash $(cat entry-hash.hex) "
	                "--beacon $(cat beacon-1.hex)",
	                w.dir, V, 7),
	    ==, 0);
	CHECK(strstr(out2, rline) == NULL);
	free(out2);
	free(out);
	fixture_free(&w.f);
}

/* Commits a substitution (补抽) for object O1's team that names the
 * commitment hash hex and excludes officer F1 as replaced. */
static int dw_substitute(struct dw *w, const char *hex, uint64_t *seq, char *err, size_t cap)
{
	char spec[2048], path[800];
	struct drawspec sp;
	uint8_t *payload = NULL;
	size_t plen;
	int rc;
	if (write_text(w->dir, "one.csv", "id,stratum\nO1,A\n"))
		return SJ_EIO;
	snprintf(
	    spec, sizeof spec,
	    "{\"request_id\": \"sub1\", \"agency\": \"scjg\", \"task\": \"scjg-2026-food\","
	    " \"objects\": \"one.csv\", \"officers\": \"officers.csv\", \"deadline_hours\": 1,"
	    " \"beacons\": [{\"source\": \"lyg-beacon\", \"round\": \"auto\"}],"
	    " \"rules\": [{\"stratum\": \"A\", \"count\": 1, \"officer_tags\": [\"food\"]}],"
	    " \"exclusions\": [{\"kind\": \"officer\", \"id\": \"F1\", \"reason\": \"replaced\","
	    " \"note\": \"taken ill\"}],"
	    " \"replaces\": {\"commitment_entry_hash\": \"%s\", \"reason\": \"F1 taken ill\"}}",
	    hex);
	if (write_text(w->dir, "sub.json", spec))
		return SJ_EIO;
	snprintf(path, sizeof path, "%s/sub.json", w->dir);
	rc = drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w->f.s),
	                   util_now_us(), err, cap);
	if (rc != SJ_OK)
		return rc;
	rc = drawop_request_payload(&payload, &plen, &sp);
	if (rc == SJ_OK)
		rc = drawop_commit(w->f.s, w->dir, payload, plen, sp.agency, NULL, NULL, seq, err,
		                   cap);
	free(payload);
	drawspec_fini(&sp);
	return rc;
}

TEST(drawledger_substitution, "a substitution (补抽) is a new draw that must name a commitment in "
                              "the ledger; one that names none is refused")
{
	struct dw w;
	struct verify_report r;
	struct draws_info info;
	char err[1024], hex[65];
	uint64_t seq, sub;
	size_t idx;
	CHECK(dw_build(&w) == 0);
	CHECK_INT(dw_request(&w, "q1", 2, "1", "\"auto\"", &seq, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draws_find(storeops_draws(w.f.s), seq, &idx), ==, SJ_OK);
	draws_get(storeops_draws(w.f.s), idx, &info);
	uint64_t before = ledger_store_size(w.f.s);
	/* A commitment that is not in the ledger. */
	CHECK_INT(dw_substitute(&w,
	                        "00000000000000000000000000000000000000000000000000000000000000ff",
	                        &sub, err, sizeof err),
	          ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "not in the ledger");
	CHECK_INT(ledger_store_size(w.f.s), ==, before);
	/* The twin: the real commitment. */
	util_hex(hex, info.commit_hash, 32);
	CHECK_INT(dw_substitute(&w, hex, &sub, err, sizeof err), ==, SJ_OK);
	CHECK_INT(sub, ==, before);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.draws, ==, 2);
	fixture_free(&w.f);
}

TEST(drawledger_joint, "a joint check (R14) is requested with its team agencies, committed, "
                       "revealed and re-derived by the verifier, which prints each agency's part; "
                       "an agency short of officers is refused before any seed exists")
{
	struct dw w;
	struct verify_report r;
	char err[1024], doc[BEACON_MAX_JSON + 1], spec[2048], path[800], *out = NULL;
	const char *docs[1] = {doc};
	const char *V = harness_bin("suiji-verify");
	uint64_t seq, round, rseq;
	struct drawspec sp;
	uint8_t *payload = NULL;
	size_t plen;
	/* H1 declares a conflict with every object (R12). */
	static const char *conflicts =
	    "{\"kind\": \"officer\", \"object\": \"O1\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O2\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O3\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O4\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O5\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O6\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O7\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O8\", \"person\": \"H1\"},"
	    "{\"kind\": \"officer\", \"object\": \"O9\", \"person\": \"H1\"}";
	static const char *fmt =
	    "{\"request_id\": \"%s\", \"agency\": \"scjg\", \"task\": \"lyg-2026-joint\","
	    " \"objects\": \"objects.csv\", \"officers\": \"joint.csv\", \"team_size\": 2,"
	    " \"team_agencies\": [%s], \"deadline_hours\": 1,"
	    " \"beacons\": [{\"source\": \"lyg-beacon\", \"round\": \"auto\"}],"
	    " \"rules\": [{\"stratum\": \"A\", \"count\": 1}, {\"stratum\": \"B\", \"count\": 1},"
	    " {\"stratum\": \"C\", \"count\": 1, \"officer_tags\": [\"food\"]}],"
	    " \"conflicts\": [%s]}";
	CHECK(dw_build(&w) == 0);
	/* hb and scjg have three food officers each, wjw one officer. */
	CHECK(write_text(w.dir, "joint.csv",
	                 "id,agency,tags\nH1,hb,food\nH2,hb,food\nH3,hb,food\nS1,scjg,food\n"
	                 "S2,scjg,food\nS3,scjg,food\nW1,wjw,food\n") == 0);
	snprintf(path, sizeof path, "%s/spec.json", w.dir);

	/* wjw cannot staff its part: refused, nothing stored, no seed. */
	uint64_t before = ledger_store_size(w.f.s);
	snprintf(spec, sizeof spec, fmt, "j0", "\"wjw\", \"hb\"", conflicts);
	CHECK(write_text(w.dir, "spec.json", spec) == 0);
	CHECK_INT(drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w.f.s),
	                        util_now_us(), err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(drawop_request_payload(&payload, &plen, &sp), ==, SJ_OK);
	CHECK_INT(drawop_commit(w.f.s, w.dir, payload, plen, sp.agency, NULL, NULL, &seq, err,
	                        sizeof err),
	          ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "stratum A has 1 officers of agency wjw");
	CHECK_INT(ledger_store_size(w.f.s), ==, before);
	CHECK_INT(count_seeds(w.dir), ==, 0);
	free(payload);
	drawspec_fini(&sp);

	/* hb and scjg: the draw goes through the ledger. */
	snprintf(spec, sizeof spec, fmt, "j1", "\"scjg\", \"hb\"", conflicts);
	CHECK(write_text(w.dir, "spec.json", spec) == 0);
	CHECK_INT(drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(w.f.s),
	                        util_now_us(), err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(drawop_request_payload(&payload, &plen, &sp), ==, SJ_OK);
	CHECK_INT(drawop_commit(w.f.s, w.dir, payload, plen, sp.agency, NULL, NULL, &seq, err,
	                        sizeof err),
	          ==, SJ_OK);
	free(payload);
	drawspec_fini(&sp);
	CHECK(dw_wait_round(&w, seq, doc, sizeof doc, &round) == 0);
	CHECK_INT(drawop_reveal(w.f.s, w.dir, seq, docs, 1, 0, &rseq, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fixture_checkpoint(&w.f), ==, SJ_OK);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	CHECK_INT(r.draws_revealed, ==, 1);
	fixture_close_store(&w.f);
	CHECK_INT(harness_run(&out, "%s draw %s %llu", V, w.f.db, (unsigned long long)seq), ==, 0);
	/* Three objects, each "hb: H? H?; scjg: S? S?". */
	for (int i = 1; i <= 3; i++) {
		char line[16];
		snprintf(line, sizeof line, "%4d. ", i);
		char *at = strstr(out, line), *hb = at ? strstr(at, "officers hb: H") : NULL;
		CHECK(hb != NULL);
		CHECK(strncmp(hb + strlen("officers hb: H? H?"), "; scjg: S", 9) == 0);
	}
	/* R12: H1, in conflict with every object, serves none. */
	CHECK(strstr(out, "H1") == NULL);
	free(out);
	fixture_free(&w.f);
}
