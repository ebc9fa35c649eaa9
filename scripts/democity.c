/*
 * democity.c: the sample city of `make demo`, as directory files to import.
 *
 *   suiji-democity OUTDIR [OBJECTS]
 *
 * Writes, deterministically (the same files on every run):
 *   objects-scjg.csv    10,000 businesses of the city market regulator, with
 *                       valid unified social credit codes, categories,
 *                       districts, risk classes A-D (R7), a few deregistered
 *                       (R6) and a few under a complaint, 投诉举报 (R10)
 *   objects-jsscjg.csv  a fiftieth of them (200) also in the provincial regulator's
 *                       directory (the superior agency of R9)
 *   officers-scjg.csv   50 officers of the city regulator (R2, R13)
 *   officers-hbj.csv    30 officers of the environment bureau (R14)
 *   officers-jsscjg.csv 20 officers of the provincial regulator
 *   experts-scjg.csv    10 experts (R2)
 *   conflicts-scjg.csv  12 declared conflicts of interest (R12)
 * Phones and addresses are made up but shaped like real ones, so the
 * publication's privacy checks have something to keep out (R17).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir/uscc.h"

static unsigned n_objects = 10000;

static unsigned long long state = 0x5EED2026ull;

static unsigned rnd(unsigned n)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (unsigned)(state % n);
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "suiji-democity: cannot write %s\n", path);
		exit(2);
	}
	return f;
}

static void close_out(FILE *f)
{
	if (fclose(f) != 0) {
		fprintf(stderr, "suiji-democity: write failed\n");
		exit(2);
	}
}

static void code_of(char out[USCC_LEN + 1], unsigned i)
{
	char first[18], body[9];
	snprintf(body, sizeof body, "%08u", i * 7u + 20000000u);
	snprintf(first, sizeof first, "91320700%s%c", body, uscc_org_check_char(body));
	if (uscc_complete(out, first) != SJ_OK) {
		fprintf(stderr, "suiji-democity: cannot complete code %s\n", first);
		exit(2);
	}
}

static const char *const cats[] = {"食品销售", "餐饮服务", "药品零售", "建材生产", "日用品批发"};
static const char *const districts[] = {"海州区", "连云区", "赣榆区", "东海县", "灌云县"};

static void objects(const char *dir)
{
	static const char header[] = "统一社会信用代码,名称,经营类别,地址,法定代表人,联系电话,"
				     "状态,风险等级,信用等级,标签,所属区域,监管部门\n";
	FILE *f = open_out(dir, "objects-scjg.csv"), *g = open_out(dir, "objects-jsscjg.csv");
	fputs(header, f);
	fputs(header, g);
	for (unsigned i = 0; i < n_objects; i++) {
		char code[USCC_LEN + 1];
		unsigned r = rnd(100);
		/* Risk classes as practised: most low, a few high (R7). */
		const char *risk = r < 50 ? "A" : r < 80 ? "B" : r < 95 ? "C" : "D";
		/* Object 6 is always deregistered, so small cities have one. */
		const char *status = rnd(100) < 2 || i == 6 ? "注销" : "存续";
		/* Objects 3 and 10 always carry a complaint, so small cities have some. */
		const char *tags = rnd(300) == 0 || i == 3 || i == 10 ? "投诉举报" : "";
		code_of(code, i);
		const char *cat = cats[i % 5], *dist = districts[(i / 5) % 5];
		fprintf(f, "%s,连云港市示例%s有限公司%u,%s,\"连云港市%s示例路%u号\",张%u,0518-8%07u,%s,%s,"
			   "良好,%s,%s,scjg\n",
			code, cat, i, cat, dist, i % 997, i % 50, i, status, risk, tags, dist);
		/* The provincial regulator supervises the first 200 food shops too. */
		if (i < n_objects / 10 && i % 5 == 0)
			fprintf(g, "%s,连云港市示例%s有限公司%u,%s,\"连云港市%s示例路%u号\",张%u,"
				   "0518-8%07u,存续,%s,良好,,%s,jsscjg\n",
				code, cat, i, cat, dist, i % 997, i % 50, i, risk, dist);
	}
	close_out(f);
	close_out(g);
}

static void officers(const char *dir, const char *file, const char *agency, const char *prefix,
		     unsigned n, const char *const *quals, unsigned nq)
{
	FILE *f = open_out(dir, file);
	fputs("执法证号,姓名,所属部门,执法资质,业务专长,状态\n", f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%04u,执法人员%s%u,%s,law;%s,%s,%s\n", prefix, i + 1, prefix, i + 1, agency,
			quals[i % nq], quals[(i + 1) % nq], i == n - 1 ? "停职" : "在职");
	close_out(f);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: suiji-democity OUTDIR [OBJECTS]\n");
		return 2;
	}
	if (argc == 3 && (n_objects = (unsigned)strtoul(argv[2], NULL, 10)) < 20) {
		fprintf(stderr, "suiji-democity: at least 20 objects\n");
		return 2;
	}
	const char *dir = argv[1];
	static const char *const mq[] = {"food", "drug", "food", "product"};
	static const char *const eq[] = {"env", "waste"};
	objects(dir);
	officers(dir, "officers-scjg.csv", "scjg", "SC", 50, mq, 4);
	officers(dir, "officers-hbj.csv", "hbj", "HB", 30, eq, 2);
	officers(dir, "officers-jsscjg.csv", "jsscjg", "JS", 20, mq, 4);

	FILE *f = open_out(dir, "experts-scjg.csv");
	fputs("专家编号,姓名,所属单位,资质,专业领域,状态\n", f);
	for (unsigned i = 0; i < 10; i++)
		fprintf(f, "EX%03u,专家%u,12320700MB0000%03uX,lab,%s,在职\n", i + 1, i + 1, i,
			i % 2 ? "food" : "drug");
	close_out(f);

	/* Conflicts: officers related to businesses of the food categories. */
	f = open_out(dir, "conflicts-scjg.csv");
	fputs("人员类别,统一社会信用代码,执法证号,回避事由,申报人\n", f);
	for (unsigned i = 0; i < 12; i++) {
		char code[USCC_LEN + 1];
		code_of(code, (i * 10) % n_objects);
		fprintf(f, "执法人员,%s,SC%04u,亲属在该企业任职,本人申报\n", code, i + 1);
	}
	close_out(f);
	return 0;
}
