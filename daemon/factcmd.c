/*
 * factcmd.c: suijid lead and unavailable (factcmd.h).
 *
 * The JSON files become the payloads of proto/facts.proto through
 * factspec.h; whether an entry may be written (who, about what, when) is
 * the ledger's rule (rules/facts.h), applied by the store before it
 * appends, so the command only reports the store's reason.
 */
#include "daemon/factcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cmdutil.h"
#include "ledger/entry.h"
#include "wire/factspec.h"

#define ERRLEN 1024

static int usage(void)
{
	fprintf(stderr, "usage: suijid lead add FILE.json [--agency CODE] [--key FILE]\n"
	                "       suijid unavailable add FILE.json [--agency CODE] [--key FILE]\n"
	                "       suijid unavailable review ENTRY (--approve | --return NOTE) "
	                "--key FILE\n");
	return 2;
}

/* lead add / unavailable add FILE.json */
static int add(const char *dir, int argc, char **argv, int lead)
{
	uint8_t *payload = NULL;
	size_t len;
	char agency[ENTRY_MAX_AGENCY + 1], what[256], err[ERRLEN];
	if (argc < 3 || argv[2][0] == '-')
		return usage();
	int rc = factspec_build(&payload, &len, agency, what, sizeof what, lead, argv[2],
	                        cmdutil_arg(argc, argv, "--agency"), err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return rc == SJ_EINVAL ? 1 : 2;
	}
	rc = cmdutil_append(dir, lead ? ENTRY_LEAD : ENTRY_UNAVAILABILITY, agency, payload, len,
	                    cmdutil_arg(argc, argv, "--key"), what);
	free(payload);
	return rc;
}

/* unavailable review ENTRY (--approve | --return NOTE) --key FILE */
static int review(const char *dir, int argc, char **argv)
{
	uint8_t *payload = NULL;
	size_t len;
	char what[256], err[ERRLEN], *end;
	const char *ret = cmdutil_arg(argc, argv, "--return");
	int approve = cmdutil_flag(argc, argv, "--approve");
	if (argc < 3 || argv[2][0] == '-' || approve == (ret != NULL) ||
	    !cmdutil_arg(argc, argv, "--key"))
		return usage();
	unsigned long long entry = strtoull(argv[2], &end, 10);
	if (*end != '\0') {
		fprintf(stderr, "suijid: \"%s\" is not an entry number\n", argv[2]);
		return 2;
	}
	int rc = factspec_review(&payload, &len, what, sizeof what, entry, approve,
	                         ret ? ret : cmdutil_arg(argc, argv, "--note"), err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return rc == SJ_EINVAL ? 1 : 2;
	}
	rc = cmdutil_append(dir, ENTRY_UNAVAILABILITY, "", payload, len,
	                    cmdutil_arg(argc, argv, "--key"), what);
	free(payload);
	return rc;
}

int factcmd_main(const char *dir, int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[0], "lead") == 0 && strcmp(argv[1], "add") == 0)
		return add(dir, argc, argv, 1);
	if (strcmp(argv[0], "unavailable") == 0 && strcmp(argv[1], "add") == 0)
		return add(dir, argc, argv, 0);
	if (strcmp(argv[0], "unavailable") == 0 && strcmp(argv[1], "review") == 0)
		return review(dir, argc, argv);
	return usage();
}
