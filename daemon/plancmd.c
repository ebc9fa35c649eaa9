/*
 * plancmd.c: suijid items, plan and task (plancmd.h).
 *
 * The JSON files become the ledger payloads of proto/plans.proto through
 * planspec.h, which names a missing or mistyped field. Everything else, from the cap on a general
 * item's ratio to the order of a plan's steps, is the ledger's rule
 * (rules/plans.h), which the store applies before it appends: the
 * command reports the store's reason when it refuses.
 */
#include "daemon/plancmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cmdutil.h"
#include "common/util.h"
#include "wire/planspec.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"

#define ERRLEN 1024

/* The i-th argument that is neither an option nor an option's value
 * (options other than flags take one value). */
static const char *positional(int argc, char **argv, int want)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			if (strcmp(argv[i], "--approve") != 0)
				i++;
			continue;
		}
		if (n++ == want)
			return argv[i];
	}
	return NULL;
}

/* Appends the payload a builder made; returns the exit code. */
static int built(const char *dir, uint32_t type, int rc, uint8_t *payload, size_t len,
		 const struct planspec_info *info, const char *keypath, const char *err)
{
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: %s\n", err);
		return rc == SJ_EINVAL ? 1 : 2;
	}
	rc = cmdutil_append(dir, type, info->agency, payload, len, keypath, info->what);
	free(payload);
	return rc;
}

/* plan review|file|publish AGENCY PLAN VERSION ... */
static int plan_step(const char *dir, int argc, char **argv, uint32_t type)
{
	const char *agency = positional(argc, argv, 1), *id = positional(argc, argv, 2);
	const char *ver = positional(argc, argv, 3), *ret = cmdutil_arg(argc, argv, "--return");
	const char *keypath = cmdutil_arg(argc, argv, "--key"), *note = cmdutil_arg(argc, argv, "--note");
	struct planspec_info info;
	char err[ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (agency == NULL || id == NULL || ver == NULL ||
	    (type == ENTRY_PLAN_REVIEW && cmdutil_flag(argc, argv, "--approve") == (ret != NULL)) ||
	    (type != ENTRY_PLAN_PUBLISH && keypath == NULL)) {
		fprintf(stderr, "usage: suijid plan review AGENCY PLAN VERSION (--approve | --return "
				"REASON) --key FILE\n"
				"       suijid plan file AGENCY PLAN VERSION --key FILE [--note TEXT]\n"
				"       suijid plan publish AGENCY PLAN VERSION [--key FILE]\n");
		return 2;
	}
	rc = planspec_step(&p, &len, &info, type, agency, id, ver,
			   type == ENTRY_PLAN_REVIEW ? ret : note, err, sizeof err);
	if (rc == SJ_EINVAL) {
		fprintf(stderr, "suijid: %s\n", err);
		return 2;
	}
	return built(dir, type, rc, p, len, &info, keypath, err);
}

/* task review AGENCY TASK (--approve [--narrow-scope REASON] | --return
 * REASON) --key FILE: the legal review a task needs before its draw (R5). */
static int task_review(const char *dir, int argc, char **argv)
{
	const char *agency = positional(argc, argv, 1), *id = positional(argc, argv, 2);
	const char *ret = cmdutil_arg(argc, argv, "--return");
	const char *narrow = cmdutil_arg(argc, argv, "--narrow-scope");
	const char *keypath = cmdutil_arg(argc, argv, "--key");
	struct planspec_info info;
	char err[ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;

	if (agency == NULL || id == NULL || keypath == NULL ||
	    cmdutil_flag(argc, argv, "--approve") == (ret != NULL) || (ret && narrow)) {
		fprintf(stderr, "usage: suijid task review AGENCY TASK (--approve [--narrow-scope "
				"REASON] | --return REASON) --key FILE\n");
		return 2;
	}
	int rc = planspec_task_review(&p, &len, &info, agency, id, ret, narrow, err, sizeof err);
	return built(dir, ENTRY_PLAN_REVIEW, rc, p, len, &info, keypath, err);
}

int plancmd_main(const char *dir, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *file = positional(argc, argv, 1);
	const char *keypath = cmdutil_arg(argc, argv, "--key"), *agency = cmdutil_arg(argc, argv, "--agency");
	struct planspec_info info;
	char err[ERRLEN];
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (strcmp(argv[0], "items") == 0 && strcmp(sub, "publish") == 0) {
		if (file == NULL || agency == NULL) {
			fprintf(stderr,
				"usage: suijid items publish FILE.json --agency CODE [--key FILE]\n");
			return 2;
		}
		rc = planspec_items(&p, &len, &info, file, agency, err, sizeof err);
		return built(dir, ENTRY_ITEM_LIST, rc, p, len, &info, keypath, err);
	}
	if (strcmp(argv[0], "plan") == 0 && strcmp(sub, "submit") == 0) {
		if (file == NULL) {
			fprintf(stderr, "usage: suijid plan submit FILE.json [--key FILE]\n");
			return 2;
		}
		rc = planspec_plan(&p, &len, &info, file, err, sizeof err);
		return built(dir, ENTRY_PLAN, rc, p, len, &info, keypath, err);
	}
	if (strcmp(argv[0], "plan") == 0 && strcmp(sub, "review") == 0)
		return plan_step(dir, argc, argv, ENTRY_PLAN_REVIEW);
	if (strcmp(argv[0], "plan") == 0 && strcmp(sub, "file") == 0)
		return plan_step(dir, argc, argv, ENTRY_PLAN_FILE);
	if (strcmp(argv[0], "plan") == 0 && strcmp(sub, "publish") == 0)
		return plan_step(dir, argc, argv, ENTRY_PLAN_PUBLISH);
	if (strcmp(argv[0], "task") == 0 && strcmp(sub, "review") == 0)
		return task_review(dir, argc, argv);
	if (strcmp(argv[0], "task") == 0 && strcmp(sub, "create") == 0) {
		if (file == NULL) {
			fprintf(stderr, "usage: suijid task create FILE.json [--key FILE]\n");
			return 2;
		}
		rc = planspec_task(&p, &len, &info, file, err, sizeof err);
		return built(dir, ENTRY_TASK, rc, p, len, &info, keypath, err);
	}
	fprintf(stderr, "usage: suijid items publish FILE.json --agency CODE [--key FILE]\n"
			"       suijid plan submit|review|file|publish ...\n"
			"       suijid task create FILE.json [--key FILE]\n"
			"       suijid task review AGENCY TASK ...\n");
	return 2;
}
