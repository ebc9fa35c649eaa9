/* cmdutil.c: shared pieces of suijid's operator commands (cmdutil.h). */
#include "daemon/cmdutil.h"

#include <stdio.h>
#include <string.h>

const char *cmdutil_arg(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

int cmdutil_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int cmdutil_open_store(struct ledger_store **s, const char *dir, int flags)
{
	char path[4096], err[1024];
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	if (ledger_store_open(s, path, flags, err, sizeof err) != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	if (ledger_store_broken(*s)) {
		fprintf(stderr, "suijid: the ledger does not verify: %s\n", ledger_store_broken(*s));
		ledger_store_close(*s);
		return 1;
	}
	return 0;
}

int cmdutil_exit_code(int rc)
{
	return rc == SJ_OK ? 0 : (rc == SJ_EVERIFY || rc == SJ_EPERM || rc == SJ_ECORRUPT) ? 1 : 2;
}
