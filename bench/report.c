/*
 * report.c: the clock, messages, temporary directory and output table of
 * suiji-bench. See report.h.
 */
#include "bench/report.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

/* --- clock, messages, temporary directory --- */

double report_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int report_error(const char *fmt, ...)
{
	va_list ap;
	fputs("suiji-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static char report_dir[512];

void report_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", report_dir, name);
}

/* Makes the temporary directory; every file goes straight into it, so
 * removing it needs no recursion. */
int report_dir_make(void)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(report_dir, sizeof report_dir, "%s/suiji-bench.XXXXXX", tmp);
	if (mkdtemp(report_dir) == NULL)
		return report_error("cannot make a directory in %s: %s", tmp, strerror(errno));
	return 0;
}

void report_dir_remove(void)
{
	DIR *d;
	struct dirent *de;
	char p[1024];

	if (report_dir[0] == '\0' || (d = opendir(report_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", report_dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(report_dir);
}

/* Says so when the temporary directory is on tmpfs, where fsync costs
 * nothing and the durable figures are not durable. */
const char *report_fs_warning(void)
{
#ifdef __linux__
	struct statfs sf;
	if (statfs(report_dir, &sf) == 0 && sf.f_type == 0x01021994 /* TMPFS_MAGIC */)
		return "on tmpfs: fsync reaches no disk, durable rates are not durable";
#endif
	return "fsync reaches the disk";
}

/* --- the output table --- */

static int report_missed_n;

void report_rule(void)
{
	char line[133];
	memset(line, '-', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	puts(line);
}

void report_head(void)
{
	printf("%-2s %-44s %11s   %-34s %11s %8s %7s %s\n", "#", "measurement", "rate",
	       "baseline (same run)", "rate", "ratio", "target", "result");
	report_rule();
}

/* One row: a figure, its baseline, and the target ratio (0 for a row that
 * has no target and is there for information). */
void report_row(const char *no, const char *what, double rate, const char *base_what, double base,
                double target)
{
	double ratio = base > 0 ? rate / base : 0;
	char t[16];
	const char *verdict = "(info)";

	if (target > 0) {
		snprintf(t, sizeof t, ">=%.2fx", target);
		verdict = ratio >= target ? "met" : "MISSED";
		if (ratio < target)
			report_missed_n++;
	} else {
		snprintf(t, sizeof t, "-");
	}
	printf("%-2s %-44s %9.0f/s   %-34s %9.0f/s %7.2fx %7s %s\n", no, what, rate, base_what,
	       base, ratio, t, verdict);
}

int report_missed(void)
{
	return report_missed_n;
}
