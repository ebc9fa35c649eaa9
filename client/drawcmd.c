/*
 * drawcmd.c: beacon sources, draw requests, and reading a draw, re-derived
 * here by the ledger's rules before it is printed (drawcmd.h).
 */
#include "client/drawcmd.h"

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"
#include "client/cli.h"
#include "client/keys.h"
#include "client/rpc.h"
#include "common/util.h"
#include "dir/import.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/print.h"
#include "draw/result.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/proof.h"
#include "ledger/vkeyfile.h"
#include "proto/directory.pb-c.h"
#include "proto/draw.pb-c.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/draws.h"
#include "wire/channel.h"
#include "wire/drawspec.h"
#include "wire/planspec.h"
#include "wire/resultspec.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DRAW_POLL_MS 500 /* draw-get --wait: between two polls */

/* --- draws --- */

/* The beacon sources the daemon lists, their chains parsed here. */
struct sources {
	Suiji__Rpc__BeaconsReply *r;
	struct beacon_chain *chains; /* per source; unused for public values */
};

static void sources_free(struct sources *set)
{
	if (set->r != NULL)
		suiji__rpc__beacons_reply__free_unpacked(set->r, NULL);
	free(set->chains);
	memset(set, 0, sizeof *set);
}

static int get_sources(struct cli_session *s, struct sources *set)
{
	struct rpc_client_reply r;
	char why[256], m[600];
	int rc;

	memset(set, 0, sizeof *set);
	rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_BEACONS, "", NULL, 0, NULL);
	if (rc != 0)
		return rc;
	set->r = suiji__rpc__beacons_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (set->r == NULL)
		return cli_fail(s, 2, "the daemon's beacons reply is malformed");
	set->chains = calloc(set->r->n_sources ? set->r->n_sources : 1, sizeof *set->chains);
	if (set->chains == NULL) {
		sources_free(set);
		return cli_fail(s, 2, "out of memory");
	}
	for (size_t i = 0; i < set->r->n_sources; i++) {
		const Suiji__Rpc__BeaconSource *b = set->r->sources[i];
		if (b->chain[0] != '\0' &&
		    beacon_chain_parse(&set->chains[i], b->chain, strlen(b->chain), why,
		                       sizeof why) != SJ_OK) {
			snprintf(m, sizeof m, "beacon source %s: the chain info does not parse: %s",
			         b->id, why);
			sources_free(set);
			return cli_fail(s, 1, m);
		}
	}
	return 0;
}

static const Suiji__Rpc__BeaconSource *source_find(const struct sources *set, const char *id,
                                                   const struct beacon_chain **chain)
{
	for (size_t i = 0; i < set->r->n_sources; i++)
		if (strcmp(set->r->sources[i]->id, id) == 0) {
			*chain = &set->chains[i];
			return set->r->sources[i];
		}
	return NULL;
}

/* drawspec_source_fn over what GET_BEACONS listed. */
static int source_lookup(void *ctx, const char *id, const struct beacon_chain **chain, int *manual,
                         int64_t *margin_us)
{
	const Suiji__Rpc__BeaconSource *b = source_find(ctx, id, chain);
	if (b == NULL)
		return SJ_ENOENT;
	*manual = b->chain[0] == '\0';
	*margin_us = b->margin_us;
	return SJ_OK;
}

/* "2026-05-01T08:00:00Z" */
static const char *utc(char *buf, size_t cap, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "@%lld", (long long)unix_s);
	return buf;
}

static cJSON *json_hex(const uint8_t *b, size_t n)
{
	char h[2 * 64 + 1];
	if (n > 64)
		n = 64;
	util_hex(h, b, n);
	return cJSON_CreateString(h);
}

static cJSON *json_rounds(Suiji__Rpc__DrawRound *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", v[i]->source);
		cJSON_AddNumberToObject(o, "round", (double)v[i]->round);
		cJSON_AddNumberToObject(o, "due_time", (double)v[i]->due_time);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void print_rounds(Suiji__Rpc__DrawRound *const *v, size_t n)
{
	int64_t now = util_now_us() / 1000000;
	char t[40];
	for (size_t i = 0; i < n; i++) {
		if (v[i]->due_time == 0) {
			printf("waits for public values (round %llu) of beacon %s, given at the "
			       "reveal\n",
			       (unsigned long long)v[i]->round, v[i]->source);
			continue;
		}
		printf("waits for round %llu of beacon %s, due %s", (unsigned long long)v[i]->round,
		       v[i]->source, utc(t, sizeof t, v[i]->due_time));
		if (v[i]->due_time > now)
			printf(" (in %lld s)", (long long)(v[i]->due_time - now));
		printf("\n");
	}
}

int drawcmd_beacons(struct cli_session *s, const struct cli *a)
{
	struct sources set;
	char hash[2 * BEACON_HASH_SIZE + 1], t[40];
	cJSON *j = NULL, *arr = NULL;
	int rc;
	(void)a;

	if ((rc = get_sources(s, &set)) != 0)
		return rc;
	if (s->json) {
		j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		arr = cJSON_AddArrayToObject(j, "sources");
	} else if (set.r->n_sources == 0) {
		printf("no beacon sources are registered (suijid add-beacon)\n");
	}
	for (size_t i = 0; i < set.r->n_sources; i++) {
		const Suiji__Rpc__BeaconSource *b = set.r->sources[i];
		const struct beacon_chain *c = &set.chains[i];
		int manual = b->chain[0] == '\0';
		if (!manual)
			beacon_chain_hash_hex(hash, c);
		if (s->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", b->id);
			cJSON_AddStringToObject(o, "kind",
			                        manual ? "manual" : beacon_kind_name(c->kind));
			cJSON_AddNumberToObject(o, "margin_ms", (double)(b->margin_us / 1000));
			cJSON_AddStringToObject(o, "url", b->url);
			cJSON_AddNumberToObject(o, "seq", (double)b->seq);
			if (!manual) {
				cJSON_AddStringToObject(o, "scheme", c->scheme);
				cJSON_AddNumberToObject(o, "period", c->period);
				cJSON_AddNumberToObject(o, "genesis_time", (double)c->genesis_time);
				cJSON_AddStringToObject(o, "chain_hash", hash);
				cJSON_AddStringToObject(o, "chain", b->chain);
			}
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		if (manual) {
			printf("%s  public values, given at each reveal; margin %lld ms (entry "
			       "%llu)\n",
			       b->id, (long long)(b->margin_us / 1000), (unsigned long long)b->seq);
			continue;
		}
		printf("%s  %s %s, a round every %u s since %s; margin %lld ms (entry %llu)\n",
		       b->id, beacon_kind_name(c->kind), c->scheme, c->period,
		       utc(t, sizeof t, c->genesis_time), (long long)(b->margin_us / 1000),
		       (unsigned long long)b->seq);
		printf("  chain hash %s\n  rounds from %s\n", hash,
		       b->url[0] ? b->url : "(no URL: revealed with suijid draw reveal --round)");
	}
	sources_free(&set);
	return s->json ? cli_json_out(j) : 0;
}

int drawcmd_request(struct cli_session *s, const struct cli *a)
{
	Suiji__Rpc__DrawReply *dr;
	struct rpc_client_reply r;
	struct sources set;
	struct drawspec sp;
	uint8_t sig[64], *payload = NULL;
	char err[CLI_ERRLEN], t[40], hex[65];
	size_t plen;
	int rc;

	if (a->npos != 1)
		return cli_fail(s, 2, "draw-request needs the spec file (SPEC.json)");
	if ((rc = cli_identify(s)) != 0 || (rc = get_sources(s, &set)) != 0)
		return rc;
	/* "auto" rounds are chosen by this clock, from the chains the ledger
	 * pinned; the daemon refuses a round that is not in the future of
	 * its commitment by the source's margin. */
	rc = drawspec_load(&sp, a->pos[0], source_lookup, &set, util_now_us(), err, sizeof err);
	sources_free(&set);
	if (rc != SJ_OK)
		return cli_fail(s, 2, err);
	if (sp.agency[0] != '\0' && strcmp(sp.agency, s->agency) != 0) {
		snprintf(err, sizeof err,
		         "the spec is for agency %s, and this client acts for agency %s", sp.agency,
		         s->agency);
		drawspec_fini(&sp);
		return cli_fail(s, 2, err);
	}
	rc = drawspec_payload(&payload, &plen, &sp);
	drawspec_fini(&sp);
	if (rc != SJ_OK)
		return cli_fail(s, 2, "out of memory");
	rc = cli_sign(s, sig, ENTRY_DRAW_REQUEST, payload, plen);
	if (rc == 0)
		rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_DRAW_REQUEST, s->agency, payload,
		              plen, sig);
	free(payload);
	if (rc != 0)
		return rc;
	dr = suiji__rpc__draw_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (dr == NULL || dr->commitment.len != 32) {
		if (dr != NULL)
			suiji__rpc__draw_reply__free_unpacked(dr, NULL);
		return cli_fail(s, 2, "the daemon's draw reply is malformed");
	}
	util_hex(hex, dr->commitment.data, 32);
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "request_seq", (double)dr->request_seq);
		cJSON_AddNumberToObject(j, "commit_seq", (double)dr->commit_seq);
		cJSON_AddStringToObject(j, "commitment", hex);
		cJSON_AddNumberToObject(j, "deadline_us", (double)dr->deadline_us);
		cJSON_AddItemToObject(j, "rounds", json_rounds(dr->rounds, dr->n_rounds));
		rc = cli_json_out(j);
	} else {
		printf("draw request %llu committed at entry %llu\ncommitment %s\n",
		       (unsigned long long)dr->request_seq, (unsigned long long)dr->commit_seq,
		       hex);
		print_rounds(dr->rounds, dr->n_rounds);
		printf("reveal deadline %s\n", utc(t, sizeof t, dr->deadline_us / 1000000));
	}
	suiji__rpc__draw_reply__free_unpacked(dr, NULL);
	return rc;
}

/* A revealed draw, as re-derived here. */
struct rederived {
	struct draws *rules; /* the draw replayed by the ledger's rules; holds in */
	const struct draw_inputs *in;
	struct beacon_value v[DRAW_MAX_BEACONS];
	size_t n_beacons;
	uint8_t seed[DRAW_SEED_SIZE];
	uint8_t randomness[32];
	uint8_t commitment[32];
	char agency[ENTRY_MAX_AGENCY + 1]; /* as the request entry names them */
	char request_id[65];
	struct draw_result *res;
};

static void rederived_fini(struct rederived *d)
{
	draws_free(d->rules);
	draw_result_free(d->res);
	sodium_memzero(d, sizeof *d);
}

/* The reveal passed the ledger's rules: keeps what the printout shows. The
 * rules' result is borrowed for the call only, so the client derives its
 * own copy from the same inputs and randomness. */
static int on_rederived(void *ctx, const struct draws_observed *o)
{
	struct rederived *d = ctx;
	char why[256];

	d->in = o->in;
	d->n_beacons = o->n_beacons < DRAW_MAX_BEACONS ? o->n_beacons : DRAW_MAX_BEACONS;
	memcpy(d->v, o->beacons, d->n_beacons * sizeof d->v[0]);
	memcpy(d->seed, o->seed, DRAW_SEED_SIZE);
	memcpy(d->randomness, o->randomness, 32);
	snprintf(d->agency, sizeof d->agency, "%s", o->agency);
	snprintf(d->request_id, sizeof d->request_id, "%s", o->request_id);
	return draw_derive_run(&d->res, o->in, o->objects, o->officers, o->experts, o->randomness,
	                       why, sizeof why) == SJ_OK
	           ? SJ_OK
	           : SJ_ENOMEM;
}

/* Registers the beacon sources the daemon listed, as their beacon-add
 * entries did in the ledger. */
static int add_sources(struct draws *rules, const struct sources *set, char *err, size_t err_cap)
{
	for (size_t i = 0; i < set->r->n_sources; i++) {
		const Suiji__Rpc__BeaconSource *b = set->r->sources[i];
		Suiji__BeaconAdd m = SUIJI__BEACON_ADD__INIT;
		struct entry e;
		uint8_t *buf;
		int rc;

		m.id = b->id;
		m.chain = b->chain;
		m.margin_us = b->margin_us;
		m.url = b->url;
		memset(&e, 0, sizeof e);
		e.seq = b->seq;
		e.type = ENTRY_BEACON_ADD;
		e.agency = "";
		e.payload_len = suiji__beacon_add__get_packed_size(&m);
		buf = malloc(e.payload_len ? e.payload_len : 1);
		if (buf == NULL)
			return SJ_ENOMEM;
		suiji__beacon_add__pack(&m, buf);
		e.payload = buf;
		rc = draws_beacon_add(rules, &e, 1, err, err_cap);
		free(buf);
		if (rc != SJ_OK)
			return rc;
	}
	return SJ_OK;
}

#define NOT(...)                                                                                   \
	do {                                                                                       \
		snprintf(why, why_cap, __VA_ARGS__);                                               \
		goto out;                                                                          \
	} while (0)

/*
 * Re-derives a revealed draw from its three entries and the beacon chains
 * the ledger pinned. Here: the request is signed for this log, the three
 * entries are the ones the reply names and the commitment chains from the
 * request. Then the ledger's own rules (draws_rederive, rules/draws.h)
 * decide the rest, as the verifier's replay does: the request's inputs and
 * pools, the seed opening the commitment, each round being the named one,
 * verifying against its chain and public only after the commitment plus
 * its margin and before the reveal, and the stored result being, byte for
 * byte, the one the seed, the rounds and the committed inputs give.
 * Returns 0, or -1 with why saying which check failed. The draw's place in
 * the log is what an inclusion proof or suiji-verify shows.
 */
static int rederive(struct rederived *d, const Suiji__Rpc__DrawStateReply *st,
                    const struct sources *set, const char *origin, char *why, size_t why_cap)
{
	struct entry er, ec, ev;
	struct draws_info info;
	uint8_t hash[32];
	char e[512];
	int rc = -1;

	memset(d, 0, sizeof *d);
	if (entry_decode(&er, st->request_entry.data, st->request_entry.len, e, sizeof e) !=
	        SJ_OK ||
	    er.type != ENTRY_DRAW_REQUEST || er.seq != st->request_seq)
		NOT("the entry given as draw request %llu is not it",
		    (unsigned long long)st->request_seq);
	if (er.sig != NULL && entry_verify_request(&er, origin) != SJ_OK)
		NOT("the draw request's signature does not verify for %s", origin);
	if (entry_decode(&ec, st->commit_entry.data, st->commit_entry.len, e, sizeof e) != SJ_OK ||
	    ec.type != ENTRY_DRAW_COMMIT || ec.seq != st->commit_seq)
		NOT("the entry given as commitment %llu is not it",
		    (unsigned long long)st->commit_seq);
	/* Request and commitment are appended together: the commitment's
	 * prev is the request's hash. */
	entry_hash(hash, st->request_entry.data, st->request_entry.len);
	if (ec.seq != er.seq + 1 || memcmp(ec.prev, hash, 32) != 0)
		NOT("the commitment does not follow the request in the hash chain");
	if (entry_decode(&ev, st->reveal_entry.data, st->reveal_entry.len, e, sizeof e) != SJ_OK ||
	    ev.type != ENTRY_DRAW_REVEAL || ev.seq != st->reveal_seq || ev.seq <= ec.seq)
		NOT("the entry given as reveal %llu is not it", (unsigned long long)st->reveal_seq);
	if (draws_new(&d->rules) != SJ_OK)
		NOT("out of memory");
	draws_set_hook(d->rules, on_rederived, d);
	if (add_sources(d->rules, set, e, sizeof e) != SJ_OK)
		NOT("the daemon's beacon sources: %s", e);
	entry_hash(hash, st->commit_entry.data, st->commit_entry.len);
	if (draws_rederive(d->rules, &er, &ec, hash, &ev, e, sizeof e) != SJ_OK)
		NOT("%s", e);
	draws_get(d->rules, 0, &info);
	if (st->commitment.len != 32 || memcmp(st->commitment.data, info.commitment, 32) != 0)
		NOT("the reply's commitment is not the one in the commitment entry");
	memcpy(d->commitment, info.commitment, 32);
	rc = 0;
out:
	if (rc != 0)
		rederived_fini(d);
	return rc;
}

#undef NOT

static const char *state_name(int state)
{
	switch (state) {
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REQUESTED: return "requested, not committed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED: return "committed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED: return "revealed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_ABANDONED:
		return "abandoned (not revealed by its deadline)";
	}
	return "unknown";
}

static const char *state_word(int state)
{
	switch (state) {
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REQUESTED: return "requested";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED: return "committed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED: return "revealed";
	case SUIJI__RPC__DRAW_STATE__DRAW_STATE_ABANDONED: return "abandoned";
	}
	return "unknown";
}

/* The state of a draw that has no result to show (yet). */
static int print_state(struct cli_session *s, const Suiji__Rpc__DrawStateReply *st)
{
	char t[40];
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "request_seq", (double)st->request_seq);
		cJSON_AddStringToObject(j, "state", state_word(st->state));
		cJSON_AddStringToObject(j, "agency", st->agency);
		cJSON_AddStringToObject(j, "request_id", st->request_id);
		cJSON_AddStringToObject(j, "task", st->task);
		if (st->commitment.len == 32) {
			cJSON_AddNumberToObject(j, "commit_seq", (double)st->commit_seq);
			cJSON_AddItemToObject(j, "commitment", json_hex(st->commitment.data, 32));
		}
		cJSON_AddNumberToObject(j, "deadline_us", (double)st->deadline_us);
		cJSON_AddItemToObject(j, "rounds", json_rounds(st->rounds, st->n_rounds));
		return cli_json_out(j);
	}
	printf("draw %llu  agency %s  request %s  task %s: %s\n",
	       (unsigned long long)st->request_seq, st->agency[0] ? st->agency : "-",
	       st->request_id, st->task, state_name(st->state));
	if (st->commitment.len == 32) {
		char hex[65];
		util_hex(hex, st->commitment.data, 32);
		printf("commitment %s at entry %llu\n", hex, (unsigned long long)st->commit_seq);
	}
	if (st->state == SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED)
		print_rounds(st->rounds, st->n_rounds);
	printf("reveal deadline %s\n", utc(t, sizeof t, st->deadline_us / 1000000));
	return 0;
}

/* A re-derived draw, as suiji-verify draw prints it. */
static int print_draw(struct cli_session *s, const Suiji__Rpc__DrawStateReply *st,
                      const struct rederived *d)
{
	const struct draw_result *res = d->res;
	/* What the entries say, not what the reply's other fields say. */
	const char *task = draw_inputs_spec(d->in)->task;
	char r[65], seed[65], v[65];

	util_hex(r, d->randomness, 32);
	util_hex(seed, d->seed, 32);
	if (s->json) {
		cJSON *j = cJSON_CreateObject(), *a;
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "request_seq", (double)st->request_seq);
		cJSON_AddStringToObject(j, "state", "revealed");
		cJSON_AddBoolToObject(j, "rederived", 1);
		cJSON_AddNumberToObject(j, "commit_seq", (double)st->commit_seq);
		cJSON_AddNumberToObject(j, "reveal_seq", (double)st->reveal_seq);
		cJSON_AddStringToObject(j, "agency", d->agency);
		cJSON_AddStringToObject(j, "request_id", d->request_id);
		cJSON_AddStringToObject(j, "task", task);
		cJSON_AddItemToObject(j, "commitment", json_hex(d->commitment, 32));
		cJSON_AddStringToObject(j, "seed", seed);
		a = cJSON_AddArrayToObject(j, "beacons");
		for (size_t i = 0; i < d->n_beacons; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "source",
			                        draw_inputs_spec(d->in)->beacons[i].source);
			cJSON_AddNumberToObject(o, "round", (double)d->v[i].round);
			cJSON_AddItemToObject(o, "value", json_hex(d->v[i].value, 32));
			cJSON_AddStringToObject(o, "check", beacon_check_name(d->v[i].check));
			cJSON_AddItemToArray(a, o);
		}
		cJSON_AddStringToObject(j, "randomness", r);
		a = cJSON_AddArrayToObject(j, "strata");
		for (size_t i = 0; i < res->n_strata; i++) {
			const struct draw_stratum_result *sr = &res->strata[i];
			cJSON *o = cJSON_CreateObject();
			char cut[17];
			cJSON_AddStringToObject(o, "name", sr->name);
			cJSON_AddNumberToObject(o, "eligible", sr->n);
			cJSON_AddNumberToObject(o, "drawn", sr->k);
			if (sr->k) {
				snprintf(cut, sizeof cut, "%016llx",
				         (unsigned long long)sr->cutoff_score);
				cJSON_AddStringToObject(o, "cutoff_score", cut);
				cJSON_AddStringToObject(o, "cutoff_id", sr->cutoff_id);
			}
			cJSON_AddItemToArray(a, o);
		}
		a = cJSON_AddArrayToObject(j, "picks");
		for (size_t i = 0; i < res->n_picks; i++) {
			const struct draw_pick *p = &res->picks[i];
			cJSON *o = cJSON_CreateObject(), *people;
			char sc[17];
			snprintf(sc, sizeof sc, "%016llx", (unsigned long long)p->score);
			cJSON_AddStringToObject(o, "id", p->id);
			cJSON_AddStringToObject(o, "stratum", res->strata[p->stratum].name);
			cJSON_AddStringToObject(o, "score", sc);
			cJSON_AddNumberToObject(o, "slot", p->slot);
			people = cJSON_AddArrayToObject(o, "officers");
			for (unsigned k = 0; k < p->n_officers; k++)
				cJSON_AddItemToArray(people, cJSON_CreateString(p->officers[k]));
			/* A joint check (R14): the same officers per agency. */
			if (res->n_team_agencies > 0) {
				cJSON *parts = cJSON_AddArrayToObject(o, "parts");
				for (size_t g = 0; g < res->n_team_agencies; g++) {
					cJSON *part = cJSON_CreateObject();
					cJSON_AddStringToObject(part, "agency",
					                        res->team_agencies[g]);
					people = cJSON_AddArrayToObject(part, "officers");
					for (unsigned k = 0; k < res->team_size; k++)
						cJSON_AddItemToArray(
						    people,
						    cJSON_CreateString(
						        p->officers[g * res->team_size + k]));
					cJSON_AddItemToArray(parts, part);
				}
			}
			people = cJSON_AddArrayToObject(o, "experts");
			for (unsigned k = 0; k < p->n_experts; k++)
				cJSON_AddItemToArray(people, cJSON_CreateString(p->experts[k]));
			cJSON_AddItemToArray(a, o);
		}
		return cli_json_out(j);
	}
	printf("draw %llu  agency %s  request %s  task %s\n", (unsigned long long)st->request_seq,
	       d->agency[0] ? d->agency : "-", d->request_id, task);
	util_hex(v, d->commitment, 32);
	printf("committed at entry %llu (commitment %s), revealed at entry %llu\n",
	       (unsigned long long)st->commit_seq, v, (unsigned long long)st->reveal_seq);
	printf("seed %s\n", seed);
	for (size_t i = 0; i < d->n_beacons; i++) {
		util_hex(v, d->v[i].value, 32);
		printf("beacon %s round %llu: %s (%s)\n",
		       draw_inputs_spec(d->in)->beacons[i].source,
		       (unsigned long long)d->v[i].round, v, beacon_check_name(d->v[i].check));
	}
	printf("randomness R = %s\n", r);
	printf("re-derived here from the seed, the beacon rounds and the committed inputs: the "
	       "ledgered result is that draw\n");
	draw_print_text(stdout, res);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/*
 * draw-get and draw-wait: the draw's state; with --wait, polls every
 * DRAW_POLL_MS until it is revealed (or abandoned, or --wait-timeout
 * seconds passed: exit 1). A revealed draw is printed only after it
 * re-derives here; one that does not is reported and exits 1.
 */
static int draw_get(struct cli_session *s, const struct cli *a, int wait)
{
	Suiji__Rpc__GetDraw q = SUIJI__RPC__GET_DRAW__INIT;
	Suiji__Rpc__DrawStateReply *st = NULL;
	const char *tv = cli_opt(a, "--wait-timeout");
	uint8_t body[32];
	uint64_t limit_s = 0;
	int64_t start = util_now_us();
	char m[CLI_ERRLEN + 128];
	int rc;

	if (a->npos != 1 || cli_parse_u64(&q.request_seq, a->pos[0]) != 0)
		return cli_fail(s, 2, "draw-get needs the draw's request entry number");
	if (tv != NULL &&
	    (cli_parse_u64(&limit_s, tv) != 0 || limit_s == 0 || limit_s > 366 * 86400))
		return cli_fail(s, 2, "--wait-timeout takes seconds, 1 to a year");
	wait |= cli_opt(a, "--wait") != NULL;
	q.entries = 1;
	if ((rc = cli_identify(s)) != 0)
		return rc;
	for (;;) {
		struct rpc_client_reply r;
		rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_DRAW, "", body,
		              suiji__rpc__get_draw__pack(&q, body), NULL);
		if (rc != 0)
			return rc;
		st = suiji__rpc__draw_state_reply__unpack(NULL, r.body_len, r.body);
		rpc_client_reply_fini(&r);
		if (st == NULL)
			return cli_fail(s, 2, "the daemon's draw reply is malformed");
		/* Only a committed draw is worth waiting for. */
		if (st->state != SUIJI__RPC__DRAW_STATE__DRAW_STATE_COMMITTED || !wait)
			break;
		if (limit_s != 0 && util_now_us() - start >= (int64_t)limit_s * 1000000) {
			snprintf(m, sizeof m, "draw %llu is still not revealed after %llu s",
			         (unsigned long long)q.request_seq, (unsigned long long)limit_s);
			suiji__rpc__draw_state_reply__free_unpacked(st, NULL);
			return cli_fail(s, 1, m);
		}
		suiji__rpc__draw_state_reply__free_unpacked(st, NULL);
		sleep_ms(DRAW_POLL_MS);
	}
	if (st->state != SUIJI__RPC__DRAW_STATE__DRAW_STATE_REVEALED) {
		rc = print_state(s, st);
		/* Waiting ended without a result. */
		if (rc == 0 && wait)
			rc = 1;
	} else if (st->request_entry.len == 0 || st->commit_entry.len == 0 ||
	           st->reveal_entry.len == 0 || st->commitment.len != 32) {
		rc = cli_fail(s, 2, "the daemon did not send the draw's entries");
	} else {
		struct sources set;
		struct rederived d;
		char why[CLI_ERRLEN];
		if ((rc = get_sources(s, &set)) == 0) {
			if (rederive(&d, st, &set, s->origin, why, sizeof why) != 0) {
				snprintf(
				    m, sizeof m,
				    "draw %llu does not re-derive: %s; its result is not shown",
				    (unsigned long long)q.request_seq, why);
				rc = cli_fail(s, 1, m);
			} else {
				rc = print_draw(s, st, &d);
				rederived_fini(&d);
			}
			sources_free(&set);
		}
	}
	suiji__rpc__draw_state_reply__free_unpacked(st, NULL);
	return rc;
}

int drawcmd_get(struct cli_session *s, const struct cli *a)
{
	return draw_get(s, a, 0);
}

int drawcmd_wait(struct cli_session *s, const struct cli *a)
{
	return draw_get(s, a, 1);
}
