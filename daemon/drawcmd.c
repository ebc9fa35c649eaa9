/* drawcmd.c: suijid's draw and beacon commands (drawcmd.h). */
#include "daemon/drawcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cmdutil.h"
#include "beacon/fetch.h"
#include "beacon/round.h"
#include "common/util.h"
#include "daemon/drawop.h"
#include "daemon/drawsub.h"
#include "wire/drawspec.h"
#include "daemon/drawrecheck.h"
#include "daemon/drawtask.h"
#include "draw/inputs.h"
#include "rules/draws.h"
#include "ledger/entry.h"
#include "ledger/store.h"
#include "rules/storeops.h"
#include "proto/draw.pb-c.h"

#define ERRLEN 1024
#define MAX_ROUND_FILES DRAW_MAX_BEACONS

static int add_beacon(const char *dir, int argc, char **argv)
{
	Suiji__BeaconAdd m = SUIJI__BEACON_ADD__INIT;
	const char *id = cmdutil_arg(argc, argv, "--id"), *url = cmdutil_arg(argc, argv, "--url"),
		   *file = cmdutil_arg(argc, argv, "--chain"), *margin = cmdutil_arg(argc, argv, "--margin-ms");
	struct ledger_store *s = NULL;
	struct beacon_chain c;
	char json[BEACON_MAX_JSON + 1], err[ERRLEN];
	uint8_t *buf = NULL, *payload = NULL;
	size_t len = 0, plen;
	uint64_t seq;
	int rc;

	if (id == NULL || (!!url + !!file + cmdutil_flag(argc, argv, "--manual")) != 1) {
		fprintf(stderr, "usage: suijid add-beacon --id ID (--url URL | --chain FILE | "
				"--manual) [--margin-ms N] [--note TEXT]\n");
		return 2;
	}
	json[0] = '\0';
	if (url) {
		/* The chain info is fetched once and pinned in the ledger; from
		 * here on every round is checked against it. */
		if (beacon_fetch_chain(&c, url, 5000, err, sizeof err) != SJ_OK ||
		    beacon_chain_format(json, sizeof json, &len, &c) != SJ_OK) {
			fprintf(stderr, "suijid: cannot get the chain info of %s: %s\n", url, err);
			return 2;
		}
	} else if (file) {
		if (util_read_file(&buf, &len, file, BEACON_MAX_JSON) != SJ_OK) {
			fprintf(stderr, "suijid: cannot read chain info %s\n", file);
			return 2;
		}
		snprintf(json, sizeof json, "%s", (const char *)buf);
		free(buf);
	}
	m.id = (char *)id;
	m.chain = json;
	m.margin_us = (margin ? strtoll(margin, NULL, 10) : 2000) * 1000;
	m.url = (char *)(url ? url : "");
	m.note = (char *)(cmdutil_arg(argc, argv, "--note") ? cmdutil_arg(argc, argv, "--note") : "");
	plen = suiji__beacon_add__get_packed_size(&m);
	payload = malloc(plen);
	if (payload == NULL)
		return 2;
	suiji__beacon_add__pack(&m, payload);
	if ((rc = cmdutil_open_store(&s, dir, 0)) == 0) {
		struct ledger_append a = {.type = ENTRY_BEACON_ADD, .agency = "", .payload = payload,
					  .payload_len = plen};
		rc = ledger_store_append(s, &a, 1, &seq, err, sizeof err);
		if (rc == SJ_OK)
			printf("entry %llu: beacon-add %s\n", (unsigned long long)seq, id);
		else
			fprintf(stderr, "suijid: %s\n", err);
		rc = cmdutil_exit_code(rc);
		ledger_store_close(s);
	}
	free(payload);
	return rc;
}

static void print_info(const struct draws_info *i)
{
	printf("draw %llu  %s/%s  task %s  %s", (unsigned long long)i->request_seq,
	       i->agency[0] ? i->agency : "-", i->request_id, i->task,
	       i->revealed    ? "revealed"
	       : i->committed ? (util_now_us() > i->deadline_us ? "ABANDONED (deadline passed)"
								: "committed, waiting for its beacon")
			      : "not committed");
	if (i->committed)
		printf("  commit %llu", (unsigned long long)i->commit_seq);
	if (i->revealed)
		printf("  reveal %llu", (unsigned long long)i->reveal_seq);
	printf("\n");
}

static int draw_request(const char *dir, int argc, char **argv)
{
	struct ledger_store *s = NULL;
	struct drawspec sp;
	uint8_t *payload = NULL;
	size_t plen, idx;
	uint64_t seq;
	char err[ERRLEN], spec[4096], out[4096];
	const char *path;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: suijid draw request SPEC.json | draw task TASK-DRAW.json | draw recheck RECHECK.json "
				"[--out DIR] [--dry-run]\n");
		return 2;
	}
	/* A re-check only reads the ledger, also while the daemon runs. */
	if ((rc = cmdutil_open_store(&s, dir,
				     strcmp(argv[1], "recheck") == 0 ? LEDGER_STORE_READONLY : 0)) !=
	    0)
		return rc;
	path = argv[2];
	if (strcmp(argv[1], "recheck") == 0) {
		/* A re-check's pools come from the ledger (R19); the bureau's
		 * supervisor key requests the spec over RPC. */
		const char *o = cmdutil_arg(argc, argv, "--out");
		snprintf(out, sizeof out, "%s/draws/", dir);
		rc = drawrecheck_prepare(storeops_replay(s), path, o ? o : out, spec, sizeof spec,
					 err, sizeof err);
		ledger_store_close(s);
		if (rc != SJ_OK) {
			fprintf(stderr, "suijid: %s\n", err);
			return rc == SJ_EIO || rc == SJ_ENOMEM ? 2 : 1;
		}
		printf("re-check draw spec and pools written to %s; request it with the "
		       "supervisor's key: suiji draw-request %s\n",
		       spec, spec);
		return 0;
	}
	if (strcmp(argv[1], "task") == 0 || strcmp(argv[1], "substitute") == 0) {
		/* Everything the policy fixes comes from the ledger (R6-R14);
		 * a substitution's pools from the draw it replaces. */
		const char *o = cmdutil_arg(argc, argv, "--out");
		snprintf(out, sizeof out, "%s/draws/", dir);
		rc = strcmp(argv[1], "task") == 0
			     ? drawtask_prepare(storeops_replay(s), path, o ? o : out, spec,
						sizeof spec, err, sizeof err)
			     : drawsub_prepare(storeops_replay(s), path, o ? o : out, spec,
					       sizeof spec, err, sizeof err);
		if (rc != SJ_OK) {
			fprintf(stderr, "suijid: %s\n", err);
			ledger_store_close(s);
			return rc == SJ_EIO || rc == SJ_ENOMEM ? 2 : 1;
		}
		printf("draw spec and pools for the %s written to %s\n",
		       argv[1][0] == 't' ? "task" : "substitution", spec);
		if (cmdutil_flag(argc, argv, "--dry-run")) {
			/* Prepared for the operator to inspect; nothing committed. */
			ledger_store_close(s);
			return 0;
		}
		path = spec;
	}
	/* The ledger's state is only read through the lookup. */
	rc = drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(s),
			   util_now_us(), err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		ledger_store_close(s);
		return 2;
	}
	rc = drawop_request_payload(&payload, &plen, &sp);
	if (rc == SJ_OK)
		rc = drawop_commit(s, dir, payload, plen, sp.agency, NULL, NULL, &seq, err,
				   sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
	} else if (draws_find(storeops_draws(s), seq, &idx) == SJ_OK) {
		struct draws_info i;
		const struct draw_spec *in;
		char hex[65];
		draws_get(storeops_draws(s), idx, &i);
		in = draw_inputs_spec(draws_inputs(storeops_draws(s), idx));
		util_hex(hex, i.commitment, 32);
		printf("draw request %llu committed at entry %llu\ncommitment %s\n",
		       (unsigned long long)seq, (unsigned long long)i.commit_seq, hex);
		for (size_t b = 0; b < in->n_beacons; b++)
			printf("waits for round %llu of beacon %s\n",
			       (unsigned long long)in->beacons[b].round, in->beacons[b].source);
	}
	free(payload);
	drawspec_fini(&sp);
	ledger_store_close(s);
	return cmdutil_exit_code(rc);
}

static int draw_reveal(const char *dir, int argc, char **argv)
{
	struct ledger_store *s = NULL;
	uint8_t *docs[MAX_ROUND_FILES] = {0};
	size_t ndocs = 0, len;
	uint64_t req, seq;
	char err[ERRLEN], *end;
	int rc;

	if (argc < 3 || (req = strtoull(argv[2], &end, 10), *end != '\0')) {
		fprintf(stderr, "usage: suijid draw reveal REQUEST_SEQ [--wait] [--round FILE]...\n");
		return 2;
	}
	for (int i = 3; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--round") != 0)
			continue;
		if (ndocs == MAX_ROUND_FILES ||
		    util_read_file(&docs[ndocs], &len, argv[i + 1], BEACON_MAX_JSON) != SJ_OK) {
			fprintf(stderr, "suijid: cannot read round file %s\n", argv[i + 1]);
			rc = 2;
			goto out;
		}
		ndocs++;
	}
	if ((rc = cmdutil_open_store(&s, dir, 0)) != 0)
		goto out;
	rc = drawop_reveal(s, dir, req, (const char *const *)docs, ndocs, cmdutil_flag(argc, argv, "--wait"),
			   &seq, err, sizeof err);
	if (rc == SJ_OK)
		printf("draw %llu revealed at entry %llu\n", (unsigned long long)req,
		       (unsigned long long)seq);
	else
		fprintf(stderr, "suijid: %s\n", err);
	rc = rc == SJ_ERANGE ? 1 : cmdutil_exit_code(rc);
	ledger_store_close(s);
out:
	for (size_t i = 0; i < ndocs; i++)
		free(docs[i]);
	return rc;
}

static int draw_status(const char *dir)
{
	struct ledger_store *s = NULL;
	const struct draws *d;
	int rc;
	if ((rc = cmdutil_open_store(&s, dir, LEDGER_STORE_READONLY)) != 0)
		return rc;
	d = storeops_draws(s);
	for (size_t i = 0; i < draws_count(d); i++) {
		struct draws_info info;
		draws_get(d, i, &info);
		print_info(&info);
	}
	if (draws_count(d) == 0)
		printf("no draws yet\n");
	ledger_store_close(s);
	return 0;
}

int drawcmd_main(const char *dir, int argc, char **argv)
{
	if (strcmp(argv[0], "add-beacon") == 0)
		return add_beacon(dir, argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "request") == 0 || strcmp(argv[1], "task") == 0 ||
			  strcmp(argv[1], "substitute") == 0 || strcmp(argv[1], "recheck") == 0))
		return draw_request(dir, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "reveal") == 0)
		return draw_reveal(dir, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return draw_status(dir);
	fprintf(stderr, "usage: suijid draw request SPEC.json | task TASK-DRAW.json [--out DIR] [--dry-run] | substitute SUB.json [--out DIR] [--dry-run] | reveal SEQ [--wait] [--round FILE]... "
			"| status\n");
	return 2;
}
