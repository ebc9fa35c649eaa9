/*
 * suiji: the command-line client. It holds the key commands every party
 * needs (an agency's client key, a witness's cosigning key), the witness's
 * cosign command, and the agency commands that talk to suijid over its RPC
 * (client/rpc.h): status, checkpoints, entries and proofs to read, and the
 * administrator's registrations, each signed here with the client's key
 * over exactly the payload the ledger will store (docs/ledger.md section 3).
 * An operator requests draws the same way: the client reads the spec and
 * pools (wire/drawspec.h), encodes and signs the request, and the daemon
 * commits it; a revealed draw is re-derived here from its three entries
 * before it is printed, so the client never takes the daemon's word for a
 * result (docs/draw-request.md, "Over RPC").
 *
 * A witness cosigns a checkpoint only after checking that the log signed it
 * and that it extends the last checkpoint this witness cosigned, by a
 * consistency proof (C2SP tlog-witness's rule). That is what makes a
 * cosignature worth something: a log that forks cannot get the same
 * witness to sign both branches.
 *
 * Exit codes: 0 success, 1 a check failed or the daemon refused the
 * request, 2 usage, I/O or an unavailable daemon.
 */

#include "beacon/manual.h"
#include "beacon/round.h"
#include "beacon/value.h"
#include "client/admincmd.h"
#include "client/cli.h"
#include "client/drawcmd.h"
#include "client/keys.h"
#include "client/factcmd.h"
#include "client/plancmd.h"
#include "client/pubvalues.h"
#include "client/readcmd.h"
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

#define SUIJI_VERSION "0.1"

/* The RPC commands: name, the options each takes beyond the connection
 * options, how many positional arguments, and the handler. */
static const struct rpc_cmd {
	const char *name;
	const char *opts[5];
	int npos;
	int (*fn)(struct cli_session *, const struct cli *);
} rpc_cmds[] = {
    {"status", {NULL}, 0, readcmd_status},
    {"checkpoint", {"--size", "-o", NULL}, 0, readcmd_checkpoint},
    {"entry", {"-o", NULL}, 1, readcmd_entry},
    {"export", {"-o", NULL}, 0, readcmd_export},
    {"prove-inclusion", {"-o", NULL}, 1, readcmd_prove_inclusion},
    {"prove-consistency", {"-o", NULL}, 1, readcmd_prove_consistency},
    {"register-agency", {"--code", "--name", "--parent", NULL}, 0, admincmd_register_agency},
    {"register-client",
     {"--key", "--agency", "--role", "--name", NULL},
     0,
     admincmd_register_client},
    {"revoke-client", {"--key", "--reason", NULL}, 0, admincmd_revoke_client},
    {"add-witness", {"--key", "--note", NULL}, 0, admincmd_add_witness},
    {"beacons", {NULL}, 0, drawcmd_beacons},
    {"draw-request", {NULL}, 1, drawcmd_request},
    {"draw-get", {"--wait", "--wait-timeout", NULL}, 1, drawcmd_get},
    {"draw-wait", {"--wait-timeout", NULL}, 1, drawcmd_wait},
    {"import", {"--encoding", NULL}, 2, plancmd_import},
    {"items-publish", {NULL}, 1, plancmd_items_publish},
    {"plan-submit", {NULL}, 1, plancmd_plan_submit},
    {"plan-review", {"--approve", "--return", NULL}, 3, plancmd_plan_review},
    {"plan-file", {"--note", NULL}, 3, plancmd_plan_file},
    {"plan-publish", {NULL}, 3, plancmd_plan_publish},
    {"task-create", {NULL}, 1, plancmd_task_create},
    {"task-review", {"--approve", "--return", "--narrow-scope", NULL}, 2, plancmd_task_review},
    {"result", {"--reason", "--object", NULL}, 2, plancmd_result},
    {"lead-add", {NULL}, 1, factcmd_lead_add},
    {"unavailable-add", {NULL}, 1, factcmd_unavailable_add},
    {"unavailable-review", {"--approve", "--return", "--note", NULL}, 1, factcmd_unavailable_review},
};

/* Runs argv[1] when it is an RPC command; -1 when it is not one. */
static int run_rpc_cmd(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof rpc_cmds / sizeof rpc_cmds[0]; i++) {
		const struct rpc_cmd *c = &rpc_cmds[i];
		struct cli_session s;
		struct cli a;
		int rc;

		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (cli_parse(&a, argc, argv, c->opts, c->npos) != 0)
			return 2;
		if ((rc = cli_session_open(&s, &a)) != 0)
			return rc;
		rc = c->fn(&s, &a);
		cli_session_close(&s);
		return rc;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int rc;

	if (sodium_init() < 0) {
		fprintf(stderr, "suiji: libsodium failed to initialise\n");
		return 2;
	}
	if (argc < 2) {
		cli_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return keys_keygen(argc, argv);
	if (strcmp(argv[1], "pubkey") == 0)
		return keys_pubkey(argc, argv);
	if (strcmp(argv[1], "cosign") == 0)
		return keys_cosign(argc, argv);
	if (strcmp(argv[1], "pubvalues") == 0)
		return pubvalues_sign_main(argc, argv);
	if (strcmp(argv[1], "--version") == 0) {
		printf("suiji %s\n", SUIJI_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "import") == 0 && cli_has_flag(argc, argv, "--dry-run"))
		return plancmd_import_check(argc, argv);
	rc = run_rpc_cmd(argc, argv);
	if (rc >= 0)
		return rc;
	fprintf(stderr, "suiji: unknown command \"%s\"\n", argv[1]);
	cli_usage(stderr);
	return 2;
}
