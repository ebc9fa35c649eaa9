/*
 * fuzz_rpc.c: libFuzzer target for the daemon's request path after the
 * channel: the Request envelope and every method's message, through the
 * request table, as an administrator (the role that may call the most
 * methods). A mutation that passes the gate is appended to a real ledger in
 * a temporary directory, so the store's rules see fuzzed payloads too.
 * Invariants: rpc_handle never fails as a call; every outcome encodes.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/rpc.h"
#include "ledger/entry.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "rules/storeops.h"
#include "proto/ledger.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ledger_store *store;
static struct rpc_caller admin;

/* One ledger for the whole run: log-init, an agency, an admin client. */
static void setup(void)
{
	char dir[] = "/tmp/suiji-fuzz-rpc-XXXXXX", path[256], err[512];
	struct note_skey *log = NULL, *adm = NULL;
	struct note_vkey vk;
	uint8_t buf[256];

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	if (storeops_open(&store, path, LEDGER_STORE_CREATE, err, sizeof err) != SJ_OK ||
	    note_skey_generate(&log, "fuzz.test/log", NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&adm, "admin", NOTE_TYPE_ED25519) != SJ_OK ||
	    ledger_store_init_log(store, "fuzz.test/log", "", log, err, sizeof err) != SJ_OK)
		abort();
	Suiji__AgencyRegister ag = SUIJI__AGENCY_REGISTER__INIT;
	ag.code = (char *)"sfj";
	ag.name = (char *)"sfj";
	ag.parent = (char *)"";
	struct ledger_append a = {.type = ENTRY_AGENCY_REGISTER, .agency = "", .payload = buf,
				  .payload_len = suiji__agency_register__pack(&ag, buf)};
	if (ledger_store_append(store, &a, 1, NULL, err, sizeof err) != SJ_OK)
		abort();
	note_skey_public(&vk, adm);
	Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
	cr.public_key.data = vk.pk;
	cr.public_key.len = 32;
	cr.agency = (char *)"sfj";
	cr.role = SUIJI__ROLE__ROLE_ADMIN;
	cr.name = (char *)"admin";
	a.type = ENTRY_CLIENT_REGISTER;
	a.payload_len = suiji__client_register__pack(&cr, buf);
	if (ledger_store_append(store, &a, 1, NULL, err, sizeof err) != SJ_OK ||
	    rpc_caller_lookup(store, vk.pk, &admin) != SJ_OK)
		abort();
	note_skey_free(log);
	note_skey_free(adm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_outcome o;
	uint8_t *out = NULL;
	size_t len;

	if (size > 65536)
		return 0;
	if (store == NULL)
		setup();
	rpc_handle(store, &admin, data, size, &o);
	if (o.append) {
		char err[512];
		uint64_t seq = 0;
		int rc = ledger_store_append(store, &o.entry, 1, &seq, err, sizeof err);
		rpc_outcome_appended(&o, rc, seq, err);
	}
	if (rpc_outcome_encode(&o, &out, &len) != SJ_OK)
		abort();
	free(out);
	rpc_outcome_fini(&o);
	return 0;
}
