/*
 * factcmd.c: leads and unavailability over RPC (factcmd.h). The payloads
 * are factspec.h's, as suijid builds them; the daemon's store applies the
 * ledger's rules and the reply names the reason of a refusal.
 */
#include "client/factcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/entry.h"
#include "wire/factspec.h"

#include "proto/rpc.pb-c.h"

/* Sends a built payload; prints what it was on success. */
static int send(struct cli_session *s, uint32_t method, uint32_t type, uint8_t *p, size_t len,
                const char *what)
{
	int rc = cli_mutate(s, method, type, p, len);
	if (rc == 0 && !s->json)
		printf("%s\n", what);
	free(p);
	return rc;
}

static int add(struct cli_session *s, const struct cli *a, int lead)
{
	char err[CLI_ERRLEN], what[256], agency[ENTRY_MAX_AGENCY + 1];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;
	if (a->npos != 1)
		return cli_fail(
		    s, 2, lead ? "lead-add needs FILE.json" : "unavailable-add needs FILE.json");
	if ((rc = cli_identify(s)) != 0)
		return rc;
	if (factspec_build(&p, &len, agency, what, sizeof what, lead, a->pos[0], s->agency, err,
	                   sizeof err) != SJ_OK)
		return cli_fail(s, 2, err);
	if (strcmp(agency, s->agency) != 0) {
		free(p);
		return cli_fail(s, 2, "the file names another agency than this client's");
	}
	return send(s,
	            lead ? SUIJI__RPC__METHOD__METHOD_LEAD_ADD
	                 : SUIJI__RPC__METHOD__METHOD_UNAVAILABILITY,
	            lead ? ENTRY_LEAD : ENTRY_UNAVAILABILITY, p, len, what);
}

int factcmd_lead_add(struct cli_session *s, const struct cli *a)
{
	return add(s, a, 1);
}

int factcmd_unavailable_add(struct cli_session *s, const struct cli *a)
{
	return add(s, a, 0);
}

int factcmd_unavailable_review(struct cli_session *s, const struct cli *a)
{
	const char *ret = cli_opt(a, "--return");
	int approve = cli_opt(a, "--approve") != NULL;
	char err[CLI_ERRLEN], what[256], *end;
	uint8_t *p = NULL;
	size_t len = 0;
	if (a->npos != 1 || approve == (ret != NULL))
		return cli_fail(s, 2,
		                "unavailable-review needs ENTRY and --approve or --return NOTE");
	unsigned long long entry = strtoull(a->pos[0], &end, 10);
	if (*end != '\0')
		return cli_fail(s, 2, "unavailable-review: ENTRY is an entry number");
	if (factspec_review(&p, &len, what, sizeof what, entry, approve,
	                    ret ? ret : cli_opt(a, "--note"), err, sizeof err) != SJ_OK)
		return cli_fail(s, 2, err);
	return send(s, SUIJI__RPC__METHOD__METHOD_UNAVAILABILITY, ENTRY_UNAVAILABILITY, p, len,
	            what);
}
