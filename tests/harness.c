/*
 * harness.c: registration, running and reporting for the unit and
 * integration tests. See harness.h.
 */
#define _GNU_SOURCE
#include "tests/harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HARNESS_MAX_TESTS 1024

struct harness_test {
	const char *name;
	const char *sentence;
	harness_fn fn;
};

static struct harness_test tests[HARNESS_MAX_TESTS];
static size_t ntests;
static int cur_failed, cur_skipped;
static char cur_tmp[512];
static char root_tmp[256];
static unsigned tmp_counter;

void harness_register(const char *name, const char *sentence, harness_fn fn)
{
	if (ntests == HARNESS_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].sentence = sentence;
	tests[ntests].fn = fn;
	ntests++;
}

void harness_fail(const char *file, int line, const char *what)
{
	cur_failed = 1;
	printf("    at %s:%d: %s\n", file, line, what);
	fflush(stdout);
}

void harness_skip(const char *why)
{
	cur_skipped = 1;
	printf("    skipped: %s\n", why);
}

int harness_failed(void)
{
	return cur_failed;
}

const char *harness_tmpdir(void)
{
	if (cur_tmp[0] == '\0') {
		snprintf(cur_tmp, sizeof cur_tmp, "%s/t%u", root_tmp, ++tmp_counter);
		if (mkdir(cur_tmp, 0700) != 0) {
			fprintf(stderr, "harness: mkdir %s: %s\n", cur_tmp, strerror(errno));
			exit(2);
		}
	}
	return cur_tmp;
}

const char *harness_bin(const char *name)
{
	static char buf[64][512];
	static int slot;
	const char *dir = getenv("SUIJI_BIN");
	char *b = buf[slot++ % 64], *abs;
	/* Absolute, so tests may run commands from their own directory. */
	abs = realpath(dir ? dir : "build/asan", NULL);
	snprintf(b, 512, "%s/%s", abs ? abs : (dir ? dir : "build/asan"), name);
	free(abs);
	return b;
}

int harness_run(char **out, const char *fmt, ...)
{
	char cmd[8192], full[8300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	snprintf(full, sizeof full, "( %s ) 2>&1", cmd);
	FILE *p = popen(full, "r");
	if (p == NULL)
		return -1;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL) {
		pclose(p);
		return -1;
	}
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	int st = pclose(p);
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

const char *harness_shared_vectors(const char *sub)
{
	static char path[512];
	struct stat st;
	snprintf(path, sizeof path, "../shared/vectors/%s", sub);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return path;
}

static int matches(const struct harness_test *t, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(t->name, argv[i]) || strstr(t->sentence, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	char tmpl[] = "/tmp/suiji-test-XXXXXX";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(root_tmp, sizeof root_tmp, "%s", tmpl);
	for (size_t i = 0; i < ntests; i++) {
		if (!matches(&tests[i], argc, argv))
			continue;
		cur_failed = cur_skipped = 0;
		cur_tmp[0] = '\0';
		tests[i].fn();
		if (cur_failed) {
			printf("FAIL %s  [%s]\n", tests[i].sentence, tests[i].name);
			failed++;
		} else if (cur_skipped) {
			printf("skip %s  [%s]\n", tests[i].sentence, tests[i].name);
			skipped++;
		} else {
			printf("ok   %s\n", tests[i].sentence);
			passed++;
		}
	}
	if (getenv("SUIJI_KEEP_TMP") == NULL) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root_tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: could not remove %s\n", root_tmp);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
