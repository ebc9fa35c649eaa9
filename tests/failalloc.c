/*
 * failalloc.c: every allocation failure the ledger can meet, one at a time.
 *
 * A program of its own (not the unit-test runner, and never under
 * AddressSanitizer, which owns malloc): it replaces malloc, calloc,
 * realloc, free and the aligned allocators for the whole process, so
 * that SQLite, protobuf-c, cJSON and libc fail too when their turn comes,
 * not only the project's own calls. It runs a representative ledger
 * workload (open and create, log-init, single and batched appends, signed
 * requests, checkpoints and cosignatures, inclusion and consistency
 * proofs, an export, a reopen that replays the ledger, and the verifier
 * over the database and over the export) and fails its Nth allocation,
 * for N = 1, 2, ... until a run makes fewer than N allocations and so
 * succeeds untouched. For every N it checks that
 *   - the workload returns (no crash, no abort);
 *   - with one of the errors an allocation failure may cause: SJ_ENOMEM,
 *     or SJ_EIO where SQLite reports it as an I/O error (counted apart);
 *   - nothing leaks: every block allocated during the run is freed by the
 *     time the workload has cleaned up (the replacement counts them);
 *   - the ledger left on disk, with allocations working again, opens
 *     without being broken and passes the verifier.
 * The last line is "failalloc: N runs, ..." and the exit status is 0 when
 * every check held. SUIJI_FAILALLOC_STRIDE=K tries every Kth N only (for
 * runs under valgrind).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <malloc.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/entry.h"
#include "ledger/store.h"
#include "rules/storeops.h"
#include "proto/ledger.pb-c.h"
#include "tests/fixture.h"

/* --- the allocator --- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static atomic_long calls;   /* allocations asked for since arming */
static atomic_long live;    /* blocks allocated and not freed */
static atomic_long fail_at; /* the call that fails (1-based); 0: none */
static atomic_int failed;   /* the planned failure happened */

/* Where the planned failure happened, to print with a finding. */
static void *frames[32];
static int nframes;

/* Also a place for a debugger's breakpoint (SUIJI_FAILALLOC_AT=N). */
__attribute__((noinline)) static void failed_here(void)
{
	nframes = backtrace(frames, 32);
}

static int fail_now(void)
{
	long at = atomic_load(&fail_at);
	if (at == 0)
		return 0;
	if (atomic_fetch_add(&calls, 1) + 1 != at)
		return 0;
	atomic_store(&failed, 1);
	failed_here();
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t n)
{
	void *p = fail_now() ? NULL : __libc_malloc(n);
	if (p != NULL)
		atomic_fetch_add(&live, 1);
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = fail_now() ? NULL : __libc_calloc(n, size);
	if (p != NULL)
		atomic_fetch_add(&live, 1);
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;
	if (old != NULL && n == 0) {
		free(old);
		return NULL;
	}
	if (fail_now())
		return NULL;
	p = __libc_realloc(old, n);
	if (p != NULL && old == NULL)
		atomic_fetch_add(&live, 1);
	return p;
}

void free(void *p)
{
	if (p == NULL)
		return;
	atomic_fetch_sub(&live, 1);
	__libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p = fail_now() ? NULL : __libc_memalign(align, n);
	if (p == NULL)
		return ENOMEM;
	atomic_fetch_add(&live, 1);
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	void *p = fail_now() ? NULL : __libc_memalign(align, n);
	if (p != NULL)
		atomic_fetch_add(&live, 1);
	return p;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

/* --- the workload --- */

/* Three agencies registered by the log operator in one transaction. */
static int append_batch(struct ledger_store *s)
{
	struct ledger_append a[3];
	uint8_t buf[3][128];
	char codes[3][16], err[256];
	uint64_t first;

	for (int i = 0; i < 3; i++) {
		Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
		snprintf(codes[i], sizeof codes[i], "b%d", i);
		m.code = codes[i];
		m.name = codes[i];
		m.parent = (char *)"sfj";
		memset(&a[i], 0, sizeof a[i]);
		a[i].type = ENTRY_AGENCY_REGISTER;
		a[i].agency = "";
		a[i].payload = buf[i];
		a[i].payload_len = suiji__agency_register__pack(&m, buf[i]);
	}
	return ledger_store_append(s, a, 3, &first, err, sizeof err);
}

static int proofs(struct ledger_store *s)
{
	char *text = NULL;
	size_t len;
	int rc = ledger_store_prove(s, 1, 3, &text, &len);
	free(text);
	text = NULL;
	if (rc == SJ_OK)
		rc = ledger_store_prove(s, 0, 4, &text, &len);
	free(text);
	return rc;
}

static int export_to(struct ledger_store *s, const char *path)
{
	char err[256];
	FILE *f = fopen(path, "wb");
	int rc;
	if (f == NULL)
		return errno == ENOMEM ? SJ_ENOMEM : SJ_EIO;
	rc = ledger_store_export(s, f, err, sizeof err);
	if (fclose(f) != 0 && rc == SJ_OK)
		rc = SJ_EIO;
	return rc;
}

/* A reopen replays every entry; the ledger must not seem broken. */
static int reopen(const char *db)
{
	struct ledger_store *s = NULL;
	merkle_hash proof[64];
	size_t n;
	char err[256];
	int rc = storeops_open(&s, db, 0, err, sizeof err);
	if (rc != SJ_OK)
		return rc;
	if (ledger_store_broken(s) != NULL)
		rc = SJ_ECORRUPT;
	else
		rc = ledger_store_inclusion_proof(s, 2, ledger_store_size(s), proof, &n, 64);
	ledger_store_close(s);
	return rc;
}

static int workload(const char *dir)
{
	struct fixture f;
	struct verify_report r;
	char path[600];
	int rc;

	snprintf(path, sizeof path, "%s/ledger.export", dir);
	rc = fixture_build(&f, dir, 4); /* appends, signed requests, 2 cosigned checkpoints */
	if (rc == SJ_OK)
		rc = append_batch(f.s);
	if (rc == SJ_OK)
		rc = fixture_signed_agency(&f, f.admin, "sfj", "signed", 0);
	if (rc == SJ_OK)
		rc = fixture_checkpoint(&f);
	if (rc == SJ_OK)
		rc = proofs(f.s);
	if (rc == SJ_OK)
		rc = export_to(f.s, path);
	fixture_close_store(&f);
	if (rc == SJ_OK)
		rc = reopen(f.db);
	if (rc == SJ_OK)
		rc = fixture_verify(f.db, NULL, &r);
	if (rc == SJ_OK)
		rc = fixture_verify(path, NULL, &r);
	fixture_free(&f);
	return rc;
}

/* With allocations working: what is on disk opens unbroken and, when it
 * holds entries, verifies. */
static int left_verifiable(const char *dir, char *why, size_t cap)
{
	struct ledger_store *s = NULL;
	struct verify_report r;
	struct stat st;
	char db[600], err[256];
	uint64_t n;
	int rc;

	snprintf(db, sizeof db, "%s/ledger.db", dir);
	if (stat(db, &st) != 0)
		return 0; /* the failure came before the file existed */
	rc = storeops_open(&s, db, 0, err, sizeof err);
	if (rc != SJ_OK) {
		snprintf(why, cap, "does not open: %s", err);
		return -1;
	}
	if (ledger_store_broken(s) != NULL) {
		snprintf(why, cap, "opens broken: %s", ledger_store_broken(s));
		ledger_store_close(s);
		return -1;
	}
	n = ledger_store_size(s);
	ledger_store_close(s);
	if (n > 0 && (rc = fixture_verify(db, NULL, &r)) != SJ_OK) {
		snprintf(why, cap, "does not verify: %s", sj_strerror(rc));
		return -1;
	}
	return 0;
}

/* The twins of the checks: a workload that leaks a block when nothing
 * fails, and calls a failed allocation bad input, must both be caught. */
static void *twin_block;

static int twin_workload(void)
{
	twin_block = malloc(16);
	return twin_block == NULL ? SJ_EVERIFY : SJ_OK;
}

static int twins_caught(void)
{
	long before = atomic_load(&live);
	int rc, leak_seen, misreport_seen;

	atomic_store(&calls, 0);
	atomic_store(&fail_at, -1);
	rc = twin_workload();
	atomic_store(&fail_at, 0);
	leak_seen = rc == SJ_OK && atomic_load(&live) - before == 1;
	free(twin_block);
	atomic_store(&failed, 0);
	atomic_store(&calls, 0);
	atomic_store(&fail_at, 1);
	rc = twin_workload();
	atomic_store(&fail_at, 0);
	misreport_seen = atomic_load(&failed) && rc == SJ_EVERIFY;
	return leak_seen && misreport_seen;
}

static void clear_dir(const char *dir)
{
	static const char *const names[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm",
	                                    "ledger.db-journal", "ledger.export"};
	char p[600];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *stride_env = getenv("SUIJI_FAILALLOC_STRIDE");
	long stride = stride_env ? strtol(stride_env, NULL, 10) : 1;
	char base[256], dir[300], why[512];
	long runs = 0, nomem = 0, eio = 0, absorbed = 0, bad = 0, total = 0;
	int rc;
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	failed_here(); /* backtrace loads its unwinder once, before anything is counted */
	if (sodium_init() < 0)
		return 2;
	if (stride < 1)
		stride = 1;
	/* On a memory file system when there is one: the runs are many and
	 * fsync there costs nothing. */
	if (tmp == NULL)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(base, sizeof base, "%s/suiji-failalloc-XXXXXX", tmp);
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s/l", base);
	if (mkdir(dir, 0700) != 0)
		return 2;

	if (!twins_caught()) {
		printf("failalloc: the checks do not catch a leak or a misreport\n");
		return 1;
	}
	/* Twice untouched: the first warms up what libc and SQLite allocate
	 * once per process; the second counts the calls and must leak none. */
	for (int i = 0; i < 2; i++) {
		long before = atomic_load(&live);
		clear_dir(dir);
		atomic_store(&calls, 0);
		atomic_store(&fail_at, -1); /* counting, never reached */
		rc = workload(dir);
		atomic_store(&fail_at, 0);
		total = atomic_load(&calls);
		if (rc != SJ_OK) {
			printf("failalloc: the workload fails without injected failures: %s\n",
			       sj_strerror(rc));
			return 1;
		}
		if (i == 1 && atomic_load(&live) != before) {
			printf("failalloc: the untouched workload leaks %ld blocks\n",
			       atomic_load(&live) - before);
			return 1;
		}
	}

	/* SUIJI_FAILALLOC_AT=N runs N alone: to debug one finding. */
	long first = getenv("SUIJI_FAILALLOC_AT") ? strtol(getenv("SUIJI_FAILALLOC_AT"), NULL, 10)
	                                          : 1;
	for (long n = first < 1 ? 1 : first;; n += stride) {
		long before = atomic_load(&live), leaked;
		clear_dir(dir);
		atomic_store(&failed, 0);
		atomic_store(&calls, 0);
		atomic_store(&fail_at, n);
		rc = workload(dir);
		atomic_store(&fail_at, 0);
		leaked = atomic_load(&live) - before;
		runs++;
		if (!atomic_load(&failed)) {
			/* Fewer than n allocations: the run went untouched. */
			if (rc != SJ_OK || leaked != 0) {
				printf("failalloc: untouched run %ld: %s, %ld blocks leaked\n", n,
				       sj_strerror(rc), leaked);
				bad++;
			}
			break;
		}
		if (rc == SJ_ENOMEM) {
			nomem++;
		} else if (rc == SJ_EIO) {
			eio++;
		} else if (rc == SJ_OK) {
			absorbed++; /* a failure the code may survive: a cache, a fallback */
		} else {
			printf("failalloc: allocation %ld failed and the workload returned %s; "
			       "where it failed:\n",
			       n, sj_strerror(rc));
			backtrace_symbols_fd(frames, nframes, 1);
			bad++;
		}
		if (leaked != 0) {
			printf("failalloc: allocation %ld failed and %ld blocks leaked\n", n, leaked);
			bad++;
		}
		if (left_verifiable(dir, why, sizeof why) != 0) {
			printf("failalloc: allocation %ld failed and the ledger %s\n", n, why);
			bad++;
		}
		if (getenv("SUIJI_FAILALLOC_AT") != NULL)
			break;
		if (bad > 20) {
			printf("failalloc: stopping after 20 findings\n");
			break;
		}
	}
	clear_dir(dir);
	rmdir(dir);
	rmdir(base);
	printf("failalloc: %ld runs over %ld allocations (every %ld): %ld SJ_ENOMEM, %ld SJ_EIO, "
	       "%ld survived; %ld findings\n",
	       runs, total, stride, nomem, eio, absorbed, bad);
	return bad ? 1 : 0;
}
