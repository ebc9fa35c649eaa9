/*
 * readcmd.c: status, checkpoints, entries, proofs and the export (readcmd.h).
 */
#include "client/readcmd.h"

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

int readcmd_status(struct cli_session *s, const struct cli *a)
{
	Suiji__Rpc__StatusReply *st = NULL;
	int rc;
	(void)a;

	if ((rc = cli_status(s, &st)) != 0)
		return rc;
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddStringToObject(j, "origin", st->origin);
		cJSON_AddNumberToObject(j, "entries", (double)st->entries);
		cJSON_AddStringToObject(j, "log_vkey", st->log_vkey);
		cJSON_AddStringToObject(j, "role", st->role);
		cJSON_AddStringToObject(j, "agency", st->agency);
		cJSON_AddStringToObject(j, "version", st->version);
		rc = cli_json_out(j);
	} else {
		printf("origin: %s\nentries: %llu\nlog key: %s\nyou: %s of agency %s\n"
		       "daemon: %s\n",
		       st->origin, (unsigned long long)st->entries, st->log_vkey, st->role,
		       st->agency, st->version);
	}
	suiji__rpc__status_reply__free_unpacked(st, NULL);
	return rc;
}

int readcmd_checkpoint(struct cli_session *s, const struct cli *a)
{
	Suiji__Rpc__GetCheckpoint q = SUIJI__RPC__GET_CHECKPOINT__INIT;
	Suiji__Rpc__CheckpointReply *cp;
	struct rpc_client_reply r;
	uint8_t body[32];
	int rc;

	if (cli_opt(a, "--size") && cli_parse_u64(&q.size, cli_opt(a, "--size")) != 0)
		return cli_fail(s, 2, "--size takes a tree size");
	rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, "", body,
	              suiji__rpc__get_checkpoint__pack(&q, body), NULL);
	if (rc != 0)
		return rc;
	cp = suiji__rpc__checkpoint_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (cp == NULL)
		return cli_fail(s, 2, "the daemon's checkpoint reply is malformed");
	rc = cli_emit(s, a, "note", cp->note, strlen(cp->note));
	suiji__rpc__checkpoint_reply__free_unpacked(cp, NULL);
	return rc;
}

int readcmd_entry(struct cli_session *s, const struct cli *a)
{
	Suiji__Rpc__GetEntry q = SUIJI__RPC__GET_ENTRY__INIT;
	Suiji__Rpc__EntryReply *e;
	struct rpc_client_reply r;
	uint8_t body[32];
	int rc;

	if (a->npos != 1 || cli_parse_u64(&q.seq, a->pos[0]) != 0 || cli_opt(a, "-o") == NULL)
		return cli_fail(s, 2, "entry needs a sequence number and -o FILE");
	rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_ENTRY, "", body,
	              suiji__rpc__get_entry__pack(&q, body), NULL);
	if (rc != 0)
		return rc;
	e = suiji__rpc__entry_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (e == NULL)
		return cli_fail(s, 2, "the daemon's entry reply is malformed");
	if (strcmp(cli_opt(a, "-o"), "-") == 0 && s->json) {
		rc = cli_fail(s, 2, "entry bytes are binary: give -o FILE with --json");
	} else {
		rc = cli_emit(s, a, "bytes", e->bytes.data, e->bytes.len);
	}
	suiji__rpc__entry_reply__free_unpacked(e, NULL);
	return rc;
}

static int cmd_prove(struct cli_session *s, const struct cli *a, int inclusion)
{
	Suiji__Rpc__ProveInclusion qi = SUIJI__RPC__PROVE_INCLUSION__INIT;
	Suiji__Rpc__ProveConsistency qc = SUIJI__RPC__PROVE_CONSISTENCY__INIT;
	Suiji__Rpc__ProofReply *p;
	struct rpc_client_reply r;
	uint64_t arg;
	uint8_t body[32];
	size_t len;
	int rc;

	if (a->npos != 1 || cli_parse_u64(&arg, a->pos[0]) != 0)
		return cli_fail(s, 2,
		                inclusion ? "prove-inclusion needs a sequence number"
		                          : "prove-consistency needs the old tree size");
	qi.seq = arg;
	qc.old_size = arg;
	len = inclusion ? suiji__rpc__prove_inclusion__pack(&qi, body)
	                : suiji__rpc__prove_consistency__pack(&qc, body);
	rc = cli_call(s, &r,
	              inclusion ? SUIJI__RPC__METHOD__METHOD_PROVE_INCLUSION
	                        : SUIJI__RPC__METHOD__METHOD_PROVE_CONSISTENCY,
	              "", body, len, NULL);
	if (rc != 0)
		return rc;
	p = suiji__rpc__proof_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (p == NULL)
		return cli_fail(s, 2, "the daemon's proof reply is malformed");
	rc = cli_emit(s, a, "proof", p->proof, strlen(p->proof));
	suiji__rpc__proof_reply__free_unpacked(p, NULL);
	return rc;
}

int readcmd_prove_inclusion(struct cli_session *s, const struct cli *a)
{
	return cmd_prove(s, a, 1);
}

int readcmd_prove_consistency(struct cli_session *s, const struct cli *a)
{
	return cmd_prove(s, a, 0);
}

/*
 * The auditor's ledger export: every entry, fetched one request at a time,
 * and the latest checkpoint with its cosignatures, written in the export
 * format (docs/ledger.md section 7) for suiji-verify. The file is written
 * under a temporary name and renamed only when complete.
 */
int readcmd_export(struct cli_session *s, const struct cli *a)
{
	Suiji__Rpc__StatusReply *st = NULL;
	Suiji__Rpc__GetCheckpoint qc = SUIJI__RPC__GET_CHECKPOINT__INIT;
	Suiji__Rpc__CheckpointReply *cp = NULL;
	struct export_writer w;
	struct rpc_client_reply r;
	const char *out = cli_opt(a, "-o");
	char tmp[4096];
	uint8_t body[32];
	uint64_t n, size = 0;
	FILE *f = NULL;
	int rc, show = isatty(2) && !s->json;

	if (out == NULL || strcmp(out, "-") == 0)
		return cli_fail(s, 2, "export needs -o FILE");
	if ((rc = cli_status(s, &st)) != 0)
		return rc;
	n = st->entries;
	suiji__rpc__status_reply__free_unpacked(st, NULL);
	/* The checkpoint first: the export then holds at least the entries it
	 * covers, even if the log grows meanwhile. */
	/* An export for auditors carries a signed checkpoint: a log that has
	 * none yet is refused by the daemon, and so is the export. */
	rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_CHECKPOINT, "", body,
	              suiji__rpc__get_checkpoint__pack(&qc, body), NULL);
	if (rc != 0)
		return rc;
	cp = suiji__rpc__checkpoint_reply__unpack(NULL, r.body_len, r.body);
	rpc_client_reply_fini(&r);
	if (cp == NULL)
		return cli_fail(s, 2, "the daemon's checkpoint reply is malformed");
	{
		const char *nl = strchr(cp->note, '\n');
		size = nl ? strtoull(nl + 1, NULL, 10) : 0;
		if (size > n)
			n = size;
	}
	snprintf(tmp, sizeof tmp, "%s.part", out);
	f = fopen(tmp, "wb");
	if (f == NULL) {
		rc = cli_fail(s, 2, "cannot create the export file");
		goto out;
	}
	rc = export_writer_init(&w, f) == SJ_OK ? 0 : 2;
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		Suiji__Rpc__GetEntry q = SUIJI__RPC__GET_ENTRY__INIT;
		Suiji__Rpc__EntryReply *e;
		q.seq = i;
		rc = cli_call(s, &r, SUIJI__RPC__METHOD__METHOD_GET_ENTRY, "", body,
		              suiji__rpc__get_entry__pack(&q, body), NULL);
		if (rc != 0)
			break;
		e = suiji__rpc__entry_reply__unpack(NULL, r.body_len, r.body);
		rpc_client_reply_fini(&r);
		if (e == NULL || e->seq != i) {
			rc = cli_fail(s, 2, "the daemon's entry reply is malformed");
		} else if (export_writer_add(&w, EXPORT_KIND_ENTRY, e->bytes.data, e->bytes.len) !=
		           SJ_OK) {
			rc = cli_fail(s, 2, "cannot write the export file");
		}
		suiji__rpc__entry_reply__free_unpacked(e, NULL);
		if (show && (i % 256 == 0 || i + 1 == n)) {
			int pct = (int)((i + 1) * 100 / n);
			fprintf(stderr, "\rexporting [%-40.*s] %3d%% %llu/%llu", pct * 40 / 100,
			        "========================================", pct,
			        (unsigned long long)(i + 1), (unsigned long long)n);
			if (i + 1 == n)
				fputc('\n', stderr);
		}
	}
	if (rc == 0 && export_writer_add(&w, EXPORT_KIND_CHECKPOINT, (const uint8_t *)cp->note,
	                                 strlen(cp->note)) != SJ_OK)
		rc = cli_fail(s, 2, "cannot write the export file");
	if (rc == 0 && export_writer_finish(&w) != SJ_OK)
		rc = cli_fail(s, 2, "cannot write the export file");
	if (fclose(f) != 0 && rc == 0)
		rc = cli_fail(s, 2, "cannot write the export file");
	f = NULL;
	if (rc == 0 && rename(tmp, out) != 0)
		rc = cli_fail(s, 2, "cannot rename the export file into place");
	if (rc != 0) {
		unlink(tmp);
		goto out;
	}
	if (s->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", 1);
		cJSON_AddNumberToObject(j, "entries", (double)n);
		cJSON_AddNumberToObject(j, "checkpoint_size", (double)size);
		rc = cli_json_out(j);
	} else {
		printf("exported %llu entries and the checkpoint at size %llu to %s\n",
		       (unsigned long long)n, (unsigned long long)size, out);
	}
out:
	if (f)
		fclose(f);
	suiji__rpc__checkpoint_reply__free_unpacked(cp, NULL);
	return rc;
}
