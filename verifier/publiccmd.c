/* publiccmd.c: draw, check-entity and derive (publiccmd.h). */
#include "verifier/publiccmd.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "beacon/value.h"
#include "common/util.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "draw/objects.h"
#include "draw/people.h"
#include "draw/result.h"
#include "draw/print.h"
#include "rules/draws.h"
#include "verifier/proofcmd.h"
#include "verifier/verify.h"

#define MAX_LEDGER_FILE ((size_t)64 << 30)

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int has(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	util_hex(out, b, n);
}

/* Prints a derived draw, readable or as one JSON object. */
static void print_draw(const struct draw_result *res, const struct draw_inputs *in,
		       uint64_t seq, const char *agency, const char *request_id, int json)
{
	const struct draw_spec *sp = draw_inputs_spec(in);
	char r[65];
	hex(r, res->randomness, 32);
	if (json) {
		printf("{\"request_seq\":%llu,\"agency\":\"%s\",\"request_id\":\"%s\",\"task\":\"%s\","
		       "\"randomness\":\"%s\",\"strata\":[",
		       (unsigned long long)seq, agency, request_id, sp->task, r);
		for (size_t i = 0; i < res->n_strata; i++) {
			const struct draw_stratum_result *st = &res->strata[i];
			printf("%s{\"name\":\"%s\",\"eligible\":%u,\"drawn\":%u", i ? "," : "",
			       st->name, st->n, st->k);
			if (st->k)
				printf(",\"cutoff_score\":\"%016llx\",\"cutoff_id\":\"%s\"",
				       (unsigned long long)st->cutoff_score, st->cutoff_id);
			printf("}");
		}
		printf("],\"picks\":[");
		for (size_t i = 0; i < res->n_picks; i++) {
			const struct draw_pick *p = &res->picks[i];
			printf("%s{\"id\":\"%s\",\"stratum\":\"%s\",\"score\":\"%016llx\",\"slot\":%u,"
			       "\"officers\":[",
			       i ? "," : "", p->id, res->strata[p->stratum].name,
			       (unsigned long long)p->score, p->slot);
			for (unsigned k = 0; k < p->n_officers; k++)
				printf("%s\"%s\"", k ? "," : "", p->officers[k]);
			/* A joint check (R14): the same officers per agency. */
			if (res->n_team_agencies > 0) {
				printf("],\"parts\":[");
				for (size_t g = 0; g < res->n_team_agencies; g++) {
					printf("%s{\"agency\":\"%s\",\"officers\":[", g ? "," : "",
					       res->team_agencies[g]);
					for (unsigned k = 0; k < res->team_size; k++)
						printf("%s\"%s\"", k ? "," : "",
						       p->officers[g * res->team_size + k]);
					printf("]}");
				}
			}
			printf("],\"experts\":[");
			for (unsigned k = 0; k < p->n_experts; k++)
				printf("%s\"%s\"", k ? "," : "", p->experts[k]);
			printf("]}");
		}
		printf("]}\n");
		return;
	}
	if (request_id[0])
		printf("draw %llu  agency %s  request %s  task %s\n", (unsigned long long)seq,
		       agency[0] ? agency : "-", request_id, sp->task);
	else
		printf("draw of task %s, derived from the published inputs\n", sp->task);
	printf("randomness R = %s\n", r);
	draw_print_text(stdout, res);
}

static int write_bin(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, b, n, 0644) == SJ_OK ? 0 : -1;
}

static int write_hex(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char h[2 * 64 + 2];
	hex(h, b, n);
	strcat(h, "\n");
	return write_bin(dir, name, (const uint8_t *)h, strlen(h));
}

struct want {
	uint64_t seq;  /* draw: the request's entry */
	const char *id; /* check-entity: the business */
	const char *out;
	int json, found, io_failed;
};

/* draw: print the one draw, and write its published inputs. */
static void on_draw_print(void *ctx, const struct draws_observed *o)
{
	struct want *w = ctx;
	const uint8_t *b;
	size_t n;
	if (o->request_seq != w->seq && o->commit_seq != w->seq && o->reveal_seq != w->seq)
		return;
	w->found = 1;
	print_draw(o->result, o->in, o->request_seq, o->agency, o->request_id, w->json);
	if (w->out == NULL)
		return;
	if (mkdir(w->out, 0755) != 0 && errno != EEXIST) {
		w->io_failed = 1;
		return;
	}
	b = draw_inputs_bytes(o->in, &n);
	w->io_failed |= write_bin(w->out, "inputs.bin", b, n);
	b = draw_objects_bytes(o->objects, &n);
	w->io_failed |= write_bin(w->out, "objects.bin", b, n);
	b = draw_people_bytes(o->officers, &n);
	w->io_failed |= write_bin(w->out, "officers.bin", b, n);
	b = draw_people_bytes(o->experts, &n);
	w->io_failed |= write_bin(w->out, "experts.bin", b, n);
	w->io_failed |= write_hex(w->out, "seed.hex", o->seed, 32);
	w->io_failed |= write_hex(w->out, "entry-hash.hex", o->commit_hash, 32);
	w->io_failed |= write_bin(w->out, "result.bin", o->result_bytes, o->result_len);
	for (size_t i = 0; i < o->n_beacons; i++) {
		char name[64];
		snprintf(name, sizeof name, "beacon-%zu.hex", i + 1);
		w->io_failed |= write_hex(w->out, name, o->beacons[i].value, 32);
	}
}

/* check-entity: one line per draw whose pool held the business. */
static void on_draw_check(void *ctx, const struct draws_observed *o)
{
	struct want *w = ctx;
	const struct draw_spec *sp = draw_inputs_spec(o->in);
	const struct draw_result *res = o->result;
	size_t cur = 0, idl, off, wl = strlen(w->id);
	const char *id;
	unsigned stratum = 0;
	int in_pool = 0;

	while (draw_objects_next(o->objects, &cur, &id, &idl, &stratum, &off))
		if (idl == wl && memcmp(id, w->id, wl) == 0) {
			in_pool = 1;
			break;
		}
	if (!in_pool)
		return;
	w->found++;
	const struct draw_stratum_result *st = &res->strata[stratum];
	uint64_t score = draw_derive_score(o->randomness, w->id);
	const char *excluded = NULL;
	char why[400];
	for (size_t i = 0; i < sp->n_exclusions; i++)
		if (sp->exclusions[i].kind == DRAW_OBJECT && strcmp(sp->exclusions[i].id, w->id) == 0) {
			unsigned r = sp->exclusions[i].reason;
			snprintf(why, sizeof why, "%s%s%s", draw_reason_name(r) ? draw_reason_name(r) : "?",
				 sp->exclusions[i].note[0] ? ": " : "", sp->exclusions[i].note);
			excluded = why;
		}
	const struct draw_pick *pick = NULL;
	for (size_t i = 0; i < res->n_picks; i++)
		if (strcmp(res->picks[i].id, w->id) == 0)
			pick = &res->picks[i];
	if (w->json) {
		printf("{\"request_seq\":%llu,\"agency\":\"%s\",\"task\":\"%s\",\"stratum\":\"%s\","
		       "\"score\":\"%016llx\",\"cutoff_score\":\"%016llx\",\"cutoff_id\":\"%s\","
		       "\"drawn\":%s,\"excluded\":%s}\n",
		       (unsigned long long)o->request_seq, o->agency, sp->task, st->name,
		       (unsigned long long)score, (unsigned long long)st->cutoff_score,
		       st->k ? st->cutoff_id : "", pick ? "true" : "false",
		       excluded ? "true" : "false");
		return;
	}
	printf("draw %llu (%s, task %s): stratum %s, score %016llx, cutoff ",
	       (unsigned long long)o->request_seq, o->agency[0] ? o->agency : "-", sp->task,
	       st->name, (unsigned long long)score);
	if (st->k)
		printf("%016llx (%s)", (unsigned long long)st->cutoff_score, st->cutoff_id);
	else
		printf("none (nothing drawn)");
	if (excluded)
		printf(": EXCLUDED, not eligible (%s)\n", excluded);
	else if (pick) {
		printf(": DRAWN, slot %u, officers", pick->slot);
		draw_print_team(stdout, res, pick);
		printf("\n");
	} else
		printf(": not drawn (its score is above the cutoff)\n");
}

/* Verifies the ledger with the observer; 0 when it holds. */
static int verify_with(const char *path, int argc, char **argv, draws_observer_fn fn, void *ctx)
{
	struct verify_opts o = {.on_draw = fn, .on_draw_ctx = ctx};
	struct note_vkey lk;
	struct verifier *v = NULL;
	struct verify_report r;
	uint8_t *buf = NULL;
	size_t len;
	char err[512], magic[16] = {0};
	FILE *f;
	int rc = 2;

	if (opt(argc, argv, "--log-key")) {
		if (proofcmd_load_vkey(&lk, opt(argc, argv, "--log-key"), "log key"))
			return 2;
		o.log_key = &lk;
	}
	if (verify_new(&v, &o) != SJ_OK)
		return 2;
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "suiji-verify: cannot open %s: %s\n", path, strerror(errno));
		goto out;
	}
	len = fread(magic, 1, sizeof magic, f);
	fclose(f);
	if (len == sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0) {
		if (verify_sqlite(v, path, NULL, err, sizeof err) != SJ_OK) {
			fprintf(stderr, "suiji-verify: %s\n", err);
			goto out;
		}
	} else if (util_read_file(&buf, &len, path, MAX_LEDGER_FILE) != SJ_OK ||
		   verify_export(v, buf, len, NULL) != SJ_OK) {
		fprintf(stderr, "suiji-verify: cannot read %s\n", path);
		goto out;
	}
	if (verify_finish(v, &r) == SJ_ENOMEM)
		goto out;
	rc = r.ok ? 0 : 1;
	if (!r.ok)
		fprintf(stderr, "suiji-verify: FAILED: %s\n(the ledger does not verify, so no draw "
				"in it can be trusted)\n",
			r.what);
out:
	verify_free(v);
	free(buf);
	return rc;
}

static int cmd_draw(int argc, char **argv)
{
	struct want w = {.json = has(argc, argv, "--json"), .out = opt(argc, argv, "--out")};
	char *end;
	int rc;
	if (argc < 3 || (w.seq = strtoull(argv[2], &end, 10), *end != '\0')) {
		fprintf(stderr, "usage: suiji-verify draw LEDGER SEQ [--json] [--out DIR] "
				"[--log-key KEY]\n");
		return 2;
	}
	rc = verify_with(argv[1], argc, argv, on_draw_print, &w);
	if (rc != 0)
		return rc;
	if (!w.found) {
		fprintf(stderr, "suiji-verify: entry %llu is not part of a revealed draw\n",
			(unsigned long long)w.seq);
		return 2;
	}
	if (w.io_failed) {
		fprintf(stderr, "suiji-verify: cannot write the draw's files to %s\n", w.out);
		return 2;
	}
	return 0;
}

static int cmd_check_entity(int argc, char **argv)
{
	struct want w = {.json = has(argc, argv, "--json"), .id = opt(argc, argv, "--id")};
	int rc;
	if (argc < 2 || w.id == NULL || argv[1][0] == '-') {
		fprintf(stderr, "usage: suiji-verify check-entity LEDGER --id ID [--json] "
				"[--log-key KEY]\n");
		return 2;
	}
	rc = verify_with(argv[1], argc, argv, on_draw_check, &w);
	if (rc == 0 && !w.found && !w.json)
		printf("%s was in no revealed draw's pool\n", w.id);
	return rc;
}

static int read_hex(uint8_t *out, size_t n, const char *arg, const char *what)
{
	size_t got = 0;
	if (arg == NULL || strlen(arg) != 2 * n ||
	    sodium_hex2bin(out, n, arg, strlen(arg), NULL, &got, NULL) != 0 || got != n) {
		fprintf(stderr, "suiji-verify: %s must be %zu hex digits\n", what, 2 * n);
		return 2;
	}
	return 0;
}

static int cmd_derive(int argc, char **argv)
{
	const char *files[4] = {opt(argc, argv, "--inputs"), opt(argc, argv, "--objects"),
				opt(argc, argv, "--officers"), opt(argc, argv, "--experts")};
	uint8_t *bytes[4] = {0}, seed[32], e[32], r[32], vals[DRAW_MAX_BEACONS][32];
	size_t lens[4] = {0}, nb = 0;
	struct draw_beacon_value bv[DRAW_MAX_BEACONS];
	struct draws_request_msg m;
	struct draw_result *res = NULL;
	char why[512];
	int rc = 2;

	if (!files[0] || !files[1] || !files[2] || read_hex(seed, 32, opt(argc, argv, "--seed"), "--seed") ||
	    read_hex(e, 32, opt(argc, argv, "--entry-hash"), "--entry-hash")) {
		fprintf(stderr, "usage: suiji-verify derive --inputs F --objects F --officers F "
				"[--experts F] --seed HEX --entry-hash HEX --beacon HEX... [--json]\n");
		return 2;
	}
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--beacon") == 0) {
			if (nb == DRAW_MAX_BEACONS || read_hex(vals[nb], 32, argv[i + 1], "--beacon"))
				return 2;
			bv[nb].value = vals[nb];
			bv[nb].len = 32;
			nb++;
		}
	memset(&m, 0, sizeof m);
	for (int i = 0; i < 4; i++)
		if (files[i] && util_read_file(&bytes[i], &lens[i], files[i], (size_t)1 << 31) != SJ_OK) {
			fprintf(stderr, "suiji-verify: cannot read %s\n", files[i]);
			goto out;
		}
	rc = 1;
	/* Decoded as the ledger's rules decode a draw request's parts. */
	if (draws_request_parts(&m, bytes[0], lens[0], bytes[1], lens[1], bytes[2], lens[2],
				bytes[3], lens[3], why, sizeof why) != SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s\n", why);
		goto out;
	}
	if (m.experts == NULL) {
		/* No expert file: the empty expert pool. */
		if (draw_people_new(&m.experts, DRAW_EXPERT, NULL, 0, NULL, 0, 0, why, sizeof why) !=
			    SJ_OK ||
		    draw_people_seal(m.experts) != SJ_OK)
			goto out;
	}
	if (draw_derive_randomness(r, seed, e, m.in, bv, nb, why, sizeof why) != SJ_OK ||
	    draw_derive_run(&res, m.in, m.objects, m.officers, m.experts, r, why, sizeof why) !=
		    SJ_OK) {
		fprintf(stderr, "suiji-verify: FAILED: %s\n", why);
		goto out;
	}
	print_draw(res, m.in, 0, "", "", has(argc, argv, "--json"));
	rc = 0;
out:
	draw_result_free(res);
	draws_request_msg_fini(&m);
	for (int i = 0; i < 4; i++)
		free(bytes[i]);
	return rc;
}

int publiccmd_main(int argc, char **argv)
{
	if (strcmp(argv[0], "draw") == 0)
		return cmd_draw(argc, argv);
	if (strcmp(argv[0], "check-entity") == 0)
		return cmd_check_entity(argc, argv);
	return cmd_derive(argc, argv);
}
