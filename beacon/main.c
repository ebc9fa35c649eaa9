/*
 * suiji-beacon: an independent randomness beacon, run by a body other than
 * the one drawing (e.g. the justice bureau, 市司法局), so that no single
 * party both commits to a draw's seed and supplies its public randomness.
 * This file holds its command line; beacon/serve.c the service.
 *
 * Exit codes: 0 success, 1 a check failed (a stored round or the chain
 * does not verify, or the round asked for has not been produced), 2 usage
 * or I/O.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/round.h"
#include "beacon/serve.h"
#include "common/util.h"

#define ERRLEN 1024

struct opts {
	const char *dir, *listen, *period, *genesis;
	const char *args[4];
	int nargs;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: suiji-beacon COMMAND --dir DIR [options]\n"
	           "commands:\n"
	           "  init --dir DIR --period SECONDS [--genesis UNIX]\n"
	           "                       create the beacon's key and chain; round 1 is due at\n"
	           "                       GENESIS (default: the next whole second)\n"
	           "  run --dir DIR --listen ADDR:PORT\n"
	           "                       produce rounds as they fall due and serve them over\n"
	           "                       HTTP (GET /info, /public/latest, /public/N)\n"
	           "  info --dir DIR       print the chain info\n"
	           "  round --dir DIR N    print stored round N\n");
}

static int exit_for(int rc)
{
	switch (rc) {
	case SJ_OK: return 0;
	case SJ_EVERIFY:
	case SJ_ECORRUPT: return 1;
	default: return 2;
	}
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	for (int i = 2; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--dir") == 0)
			slot = &o->dir;
		else if (strcmp(argv[i], "--listen") == 0)
			slot = &o->listen;
		else if (strcmp(argv[i], "--period") == 0)
			slot = &o->period;
		else if (strcmp(argv[i], "--genesis") == 0)
			slot = &o->genesis;
		if (slot != NULL) {
			if (i + 1 >= argc || *slot != NULL)
				return -1;
			*slot = argv[++i];
		} else if (argv[i][0] == '-' || o->nargs == 4) {
			return -1;
		} else {
			o->args[o->nargs++] = argv[i];
		}
	}
	return o->dir != NULL ? 0 : -1;
}

/* A decimal integer within [min, max], nothing else. */
static int parse_int(int64_t *out, const char *s, int64_t min, int64_t max)
{
	char *end;
	long long v;

	if (s == NULL || s[0] == '\0' || s[0] == '+' || s[0] == ' ')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int cmd_init(const struct opts *o)
{
	char err[ERRLEN];
	int64_t period, genesis;
	int rc;

	if (o->nargs != 0 || o->listen != NULL ||
	    parse_int(&period, o->period, 1, BEACON_MAX_PERIOD) != 0) {
		fprintf(stderr, "suiji-beacon: init needs --period 1..%u\n", BEACON_MAX_PERIOD);
		return 2;
	}
	if (o->genesis == NULL)
		genesis = util_now_us() / 1000000 + 1;
	else if (parse_int(&genesis, o->genesis, 0, BEACON_MAX_TIME) != 0) {
		fprintf(stderr, "suiji-beacon: --genesis must be a Unix time in seconds\n");
		return 2;
	}
	rc = serve_init(o->dir, (uint32_t)period, genesis, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-beacon: %s\n", err);
		return 2;
	}
	fprintf(stderr, "suiji-beacon: initialised %s: period %lld s, round 1 due at %lld\n",
	        o->dir, (long long)period, (long long)genesis);
	return 0;
}

static int cmd_run(const struct opts *o)
{
	char err[ERRLEN];
	int rc;

	if (o->nargs != 0 || o->listen == NULL || o->period != NULL || o->genesis != NULL) {
		usage(stderr);
		return 2;
	}
	rc = serve_run(o->dir, o->listen, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-beacon: %s\n", err);
		return exit_for(rc);
	}
	return 0;
}

static int cmd_info(const struct opts *o)
{
	struct serve_store *s = NULL;
	char err[ERRLEN], hash[2 * BEACON_HASH_SIZE + 1];
	const char *info;
	uint64_t last = 0;
	size_t len;
	int rc;

	if (o->nargs != 0 || o->listen || o->period || o->genesis) {
		usage(stderr);
		return 2;
	}
	rc = serve_store_open(&s, o->dir, 1, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-beacon: %s\n", err);
		return exit_for(rc);
	}
	info = serve_store_info(s, &len);
	beacon_chain_hash_hex(hash, serve_store_chain(s));
	rc = serve_store_last(s, &last);
	printf("%s\n", info);
	fprintf(stderr, "chain %s, %llu rounds stored\n", hash, (unsigned long long)last);
	serve_store_close(s);
	return rc == SJ_OK && fflush(stdout) == 0 ? 0 : 2;
}

static int cmd_round(const struct opts *o)
{
	struct serve_store *s = NULL;
	struct beacon_round r, prev;
	struct beacon_value v;
	char err[ERRLEN], json[2 * BEACON_MAX_JSON];
	int64_t n, produced = 0, due = 0;
	size_t len;
	int rc, out = 2;

	if (o->nargs != 1 || o->listen || o->period || o->genesis ||
	    parse_int(&n, o->args[0], 1, (int64_t)1 << 53) != 0) {
		usage(stderr);
		return 2;
	}
	rc = serve_store_open(&s, o->dir, 1, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-beacon: %s\n", err);
		return exit_for(rc);
	}
	rc = serve_store_get(s, (uint64_t)n, &r, &produced);
	if (rc == SJ_OK && n > 1)
		rc = serve_store_get(s, (uint64_t)n - 1, &prev, NULL);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-beacon: round %lld %s\n", (long long)n,
		        rc == SJ_ENOENT ? "has not been produced" : "cannot be read");
		out = rc == SJ_ENOENT ? 1 : exit_for(rc);
		goto close_store;
	}
	/* Printed only once it verifies, linked to the round before it. */
	rc = beacon_round_verify(&v, serve_store_chain(s), &r, n > 1 ? &prev : NULL, INT64_MAX, err,
	                         sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suiji-beacon: stored %s\n", err);
		out = 1;
		goto close_store;
	}
	if (beacon_round_format(json, sizeof json, &len, &r) != SJ_OK)
		goto close_store;
	printf("%s\n", json);
	due = v.time_us;
	fprintf(stderr, "round %lld: due %lld, produced %lld (%lld ms after its due time)\n",
	        (long long)n, (long long)(due / 1000000), (long long)(produced / 1000000),
	        (long long)((produced - due) / 1000));
	out = fflush(stdout) == 0 ? 0 : 2;
close_store:
	serve_store_close(s);
	return out;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (sodium_init() < 0) {
		fprintf(stderr, "suiji-beacon: cannot initialise libsodium\n");
		return 2;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (parse_opts(&o, argc, argv) != 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "init") == 0)
		return cmd_init(&o);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(&o);
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(&o);
	if (strcmp(argv[1], "round") == 0)
		return cmd_round(&o);
	usage(stderr);
	return 2;
}
