/*
 * bench_import.c: figures for the bulk import of the object directory
 * (dir/import.c over dir/csv.c).
 *
 *   1. Parse and validate a 1,000,000-row UTF-8 objects CSV (every column
 *      filled, quoted addresses with commas, valid credit codes), from
 *      memory and with the file read first; rows per second.
 *   2. The baseline in the same run: the sqlite3 command-line tool's
 *      `.import` of the same file into a new table (no validation at all,
 *      but it writes a database), started with posix_spawnp and timed
 *      from spawn to exit. The ratio is ours over sqlite3's rate.
 *   3. The same rows in GB18030, as a spreadsheet in a Chinese locale
 *      writes them, parsed and validated from memory.
 *
 * The file goes into a mkdtemp directory under $TMPDIR (or /tmp), removed
 * at the end. A progress bar goes to stderr when it is a terminal. Run
 * with --rows N for another size. Exits 1 only when something measured
 * does not work (an import refused, sqlite3 failing or counting other
 * rows).
 */
#include <errno.h>
#include <iconv.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "dir/import.h"

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_import: %s: %s\n", what, why);
	exit(1);
}

/* Row i: a valid credit code (and organisation code), Chinese text, a
 * quoted address holding a comma. */
static int make_row(char *out, size_t cap, unsigned long i)
{
	static const char *const cats[] = {"食品销售", "餐饮服务", "药品零售", "建材生产",
	                                   "日用品批发"};
	static const char *const risk[] = {"A", "B", "C", "D"};
	static const char *const status[] = {"存续", "存续", "存续", "在业", "注销"};
	static const char *const districts[] = {"海州区", "连云区", "赣榆区", "东海县", "灌云县"};
	char first[18], code[USCC_LEN + 1], body[9];

	snprintf(body, sizeof body, "%08lu", i * 7ul + 10000000ul);
	snprintf(first, sizeof first, "91320700%s%c", body, uscc_org_check_char(body));
	if (uscc_complete(code, first) != SJ_OK)
		die("code", first);
	return snprintf(out, cap,
	                "%s,连云港市第%lu号示例贸易有限公司,%s,\"连云港市%s朝阳路%lu号, %lu室\","
	                "张三,0518-8%07lu,%s,%s,良好,食品;重点,%s,scjg;wsjk\n",
	                code, i, cats[i % 5], districts[i % 5], i % 997, i % 31, i, status[i % 5],
	                risk[i % 4], districts[i % 5]);
}

static const char header[] = "统一社会信用代码,名称,经营类别,地址,法定代表人,联系电话,状态,"
                             "风险等级,信用等级,标签,所属区域,监管部门\n";

static void write_csv(const char *path, unsigned long rows)
{
	FILE *f = fopen(path, "w");
	char row[512];

	if (f == NULL)
		die(path, strerror(errno));
	fputs(header, f);
	for (unsigned long i = 0; i < rows; i++) {
		int n = make_row(row, sizeof row, i);
		fwrite(row, 1, (size_t)n, f);
	}
	if (fclose(f) != 0)
		die(path, strerror(errno));
}

static int show_progress;

static void progress(void *arg, size_t done, size_t total, size_t rows)
{
	const char *label = arg;
	int width = 40, filled = total ? (int)((double)done / (double)total * width) : width;

	if (!show_progress)
		return;
	fprintf(stderr, "\r  %-10s [%.*s%*s] %3d%% %zu rows", label, filled,
	        "########################################", width - filled, "",
	        total ? (int)((double)done * 100.0 / (double)total) : 100, rows);
	if (done >= total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* Parses and validates buf; returns seconds, or exits when refused. */
static double time_import(const uint8_t *buf, size_t len, unsigned long rows, enum csv_encoding enc,
                          const char *label)
{
	struct import_opts o = {0};
	struct import *im;
	double t0, t;
	size_t n;
	int rc;

	o.kind = RECORD_OBJECT;
	o.encoding = enc;
	o.progress = progress;
	o.progress_arg = (void *)(uintptr_t)label;
	t0 = now();
	rc = import_run(&im, buf, len, &o);
	t = now() - t0;
	if (rc != SJ_OK) {
		size_t ne, total;
		const struct import_msg *m = im ? import_errors(im, &ne, &total) : NULL;
		die("import refused", m && ne ? m[0].text : sj_strerror(rc));
	}
	import_records(im, &n);
	if (n != rows)
		die("import", "record count differs from the rows written");
	import_free(im);
	return t;
}

/* Runs argv with posix_spawnp and waits; returns seconds, or -1. */
static double time_spawn(char *const argv[])
{
	pid_t pid;
	int st;
	double t0 = now();

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return now() - t0;
}

static unsigned long sqlite_count(const char *db)
{
	char cmd[1200], out[64] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'SELECT count(*) FROM objects'", db);
	p = popen(cmd, "r");
	if (p == NULL)
		return 0;
	if (fgets(out, sizeof out, p) == NULL)
		out[0] = '\0';
	pclose(p);
	return strtoul(out, NULL, 10);
}

static uint8_t *to_gb18030(const uint8_t *in, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	char *src = (char *)(uintptr_t)in, *dst, *out;
	size_t left = len, room = len;

	if (cd == (iconv_t)-1)
		return NULL;
	out = malloc(len);
	dst = out;
	if (out == NULL || iconv(cd, &src, &left, &dst, &room) == (size_t)-1) {
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*out_len = (size_t)(dst - out);
	return (uint8_t *)out;
}

int main(int argc, char **argv)
{
	unsigned long rows = 1000000;
	const char *tmp = getenv("TMPDIR");
	char dir[512], csv[600], db[600], import_cmd[700];
	uint8_t *buf, *gb;
	size_t len, gb_len;
	double t_mem, t_file, t_sql, t_gb, t0;
	struct rusage ru;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--rows N]\n", argv[0]);
			return 2;
		}
	}
	if (rows == 0)
		rows = 1;
	show_progress = isatty(2);
	snprintf(dir, sizeof dir, "%s/suiji-bench-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", strerror(errno));
	snprintf(csv, sizeof csv, "%s/objects.csv", dir);
	snprintf(db, sizeof db, "%s/sqlite.db", dir);

	t0 = now();
	write_csv(csv, rows);
	printf("bulk import: %lu objects rows, every column, UTF-8 (written in %.2f s)\n", rows,
	       now() - t0);

	/* Ours: the file read into memory, then parsed and validated. */
	t0 = now();
	if (util_read_file(&buf, &len, csv, (size_t)4 << 30) != SJ_OK)
		die(csv, "cannot read");
	t_file = now() - t0;
	t_mem = time_import(buf, len, rows, CSV_AUTO, "UTF-8");
	t_file += t_mem;
	printf("  %-44s %10.0f rows/s  %7.1f MB/s  (%.2f s)\n", "parse+validate, from memory",
	       (double)rows / t_mem, (double)len / t_mem / 1e6, t_mem);
	printf("  %-44s %10.0f rows/s  (%.2f s)\n", "read file + parse+validate",
	       (double)rows / t_file, t_file);

	/* The baseline: sqlite3's .import of the same file. */
	snprintf(import_cmd, sizeof import_cmd, ".import '%s' objects", csv);
	{
		char *sargv[] = {"sqlite3", db, ".mode csv", import_cmd, NULL};
		t_sql = time_spawn(sargv);
	}
	if (t_sql < 0)
		die("sqlite3", "could not run `sqlite3 DB .import` (is sqlite3 on PATH?)");
	if (sqlite_count(db) != rows)
		die("sqlite3", "the table does not hold every row");
	printf("  %-44s %10.0f rows/s  (%.2f s)\n", "baseline: sqlite3 .import into a table",
	       (double)rows / t_sql, t_sql);
	printf("  speed ratio, ours over sqlite3 .import (both from the file): %.2fx\n",
	       t_sql / t_file);

	gb = to_gb18030(buf, len, &gb_len);
	if (gb == NULL)
		die("iconv", "cannot convert the file to GB18030");
	free(buf);
	t_gb = time_import(gb, gb_len, rows, CSV_AUTO, "GB18030");
	printf("  %-44s %10.0f rows/s  %7.1f MB/s  (%.2f s)\n",
	       "GB18030 parse+validate, from memory", (double)rows / t_gb,
	       (double)gb_len / t_gb / 1e6, t_gb);
	free(gb);

	getrusage(RUSAGE_SELF, &ru);
	printf("  peak memory %ld MB (file %zu MB in memory, and the records)\n",
	       ru.ru_maxrss / 1024, len / 1000000);
	unlink(csv);
	unlink(db);
	rmdir(dir);
	return 0;
}
