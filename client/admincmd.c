/*
 * admincmd.c: the administrator's registrations (admincmd.h).
 */
#include "client/admincmd.h"

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

int admincmd_register_agency(struct cli_session *s, const struct cli *a)
{
	static const char *const req[] = {"--code", "--name", NULL};
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	int rc;

	if ((rc = cli_need_opts(s, a, req)) != 0)
		return rc;
	m.code = (char *)cli_opt(a, "--code");
	m.name = (char *)cli_opt(a, "--name");
	m.parent = (char *)(cli_opt(a, "--parent") ? cli_opt(a, "--parent") : "");
	CLI_MUTATE(s, SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, ENTRY_AGENCY_REGISTER, m,
	           suiji__agency_register);
	return rc;
}

static int role_of(const char *name)
{
	static const char *const names[] = {"",           "operator", "legal",
	                                    "supervisor", "auditor",  "admin"};
	for (int i = 1; i < 6; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int admincmd_register_client(struct cli_session *s, const struct cli *a)
{
	static const char *const req[] = {"--key", "--agency", "--role", NULL};
	Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
	struct note_vkey k;
	int rc, role;

	if ((rc = cli_need_opts(s, a, req)) != 0)
		return rc;
	if (keys_load_vkey(&k, cli_opt(a, "--key")) != 0)
		return 2;
	role = role_of(cli_opt(a, "--role"));
	if (role < 0)
		return cli_fail(s, 2,
		                "--role must be operator, legal, supervisor, auditor or admin");
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.agency = (char *)cli_opt(a, "--agency");
	m.role = (Suiji__Role)role;
	m.name = (char *)(cli_opt(a, "--name") ? cli_opt(a, "--name") : k.name);
	CLI_MUTATE(s, SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT, ENTRY_CLIENT_REGISTER, m,
	           suiji__client_register);
	return rc;
}

int admincmd_revoke_client(struct cli_session *s, const struct cli *a)
{
	static const char *const req[] = {"--key", "--reason", NULL};
	Suiji__ClientRevoke m = SUIJI__CLIENT_REVOKE__INIT;
	struct note_vkey k;
	int rc;

	if ((rc = cli_need_opts(s, a, req)) != 0)
		return rc;
	if (keys_load_vkey(&k, cli_opt(a, "--key")) != 0)
		return 2;
	m.public_key.data = k.pk;
	m.public_key.len = 32;
	m.reason = (char *)cli_opt(a, "--reason");
	CLI_MUTATE(s, SUIJI__RPC__METHOD__METHOD_REVOKE_CLIENT, ENTRY_CLIENT_REVOKE, m,
	           suiji__client_revoke);
	return rc;
}

int admincmd_add_witness(struct cli_session *s, const struct cli *a)
{
	static const char *const req[] = {"--key", NULL};
	Suiji__WitnessAdd m = SUIJI__WITNESS_ADD__INIT;
	struct note_vkey k;
	char buf[NOTE_MAX_VKEY];
	int rc;

	if ((rc = cli_need_opts(s, a, req)) != 0)
		return rc;
	if (keys_load_vkey(&k, cli_opt(a, "--key")) != 0)
		return 2;
	if (k.type != NOTE_TYPE_COSIG_V1)
		return cli_fail(s, 2,
		                "a witness key must be a cosignature/v1 key (suiji keygen "
		                "--witness)");
	if (note_vkey_format(buf, sizeof buf, k.name, k.type, k.pk) != SJ_OK)
		return 2;
	m.vkey = buf;
	m.note = (char *)(cli_opt(a, "--note") ? cli_opt(a, "--note") : "");
	CLI_MUTATE(s, SUIJI__RPC__METHOD__METHOD_ADD_WITNESS, ENTRY_WITNESS_ADD, m,
	           suiji__witness_add);
	return rc;
}
