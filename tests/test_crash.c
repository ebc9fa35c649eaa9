/*
 * test_crash.c: crash safety. A child process appends signed entries and
 * checkpoints and reports each acknowledged append over a pipe; the parent
 * kills it with SIGKILL at a random moment, reopens the ledger and checks
 * that every acknowledged entry is there and the whole ledger verifies.
 * SUIJI_LONG=1 runs 1,000 kills instead of 40.
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ledger/entry.h"
#include "rules/storeops.h"
#include "tests/fixture.h"
#include "tests/harness.h"

static void child_loop(struct fixture *f, int fd, unsigned round)
{
	char err[512];
	(void)err;
	if (fixture_reopen(f, &f->s) != SJ_OK || ledger_store_broken(f->s))
		_exit(3);
	for (unsigned i = 0;; i++) {
		char code[32];
		snprintf(code, sizeof code, "r%u_%u", round, i);
		if (fixture_signed_agency(f, f->admin, "sfj", code, 0) != SJ_OK)
			_exit(4);
		uint64_t last = ledger_store_size(f->s) - 1;
		/* Acknowledged: the append returned, so it must survive. */
		if (write(fd, &last, sizeof last) != sizeof last)
			_exit(5);
		if (i % 5 == 4 && fixture_checkpoint(f) != SJ_OK)
			_exit(6);
	}
}

TEST(crash_sigkill_keeps_acknowledged, "every acknowledged entry survives a SIGKILL at a random "
                                       "moment and the ledger verifies, kill after kill")
{
	struct fixture f;
	struct verify_report r;
	char err[512];
	unsigned rounds = getenv("SUIJI_LONG") ? 1000 : 40;
	uint64_t total_acked = 0;

	CHECK(sodium_init() >= 0);
	CHECK_INT(fixture_build(&f, harness_tmpdir(), 2), ==, SJ_OK);
	fixture_close_store(&f);
	srand((unsigned)time(NULL));
	for (unsigned round = 0; round < rounds; round++) {
		int p[2];
		uint64_t seq, max_acked = 0;
		int have = 0, st;
		pid_t pid;

		CHECK_INT(pipe(p), ==, 0);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child_loop(&f, p[1], round);
		}
		close(p[1]);
		usleep((useconds_t)(2000 + rand() % 40000));
		kill(pid, SIGKILL);
		CHECK_INT(waitpid(pid, &st, 0), ==, pid);
		CHECK(WIFSIGNALED(st)); /* it was killed, not failing on its own */
		while (read(p[0], &seq, sizeof seq) == sizeof seq) {
			max_acked = seq;
			have = 1;
			total_acked++;
		}
		close(p[0]);
		CHECK_INT(storeops_open(&f.s, f.db, 0, err, sizeof err), ==, SJ_OK);
		if (ledger_store_broken(f.s))
			printf("    round %u: %s\n", round, ledger_store_broken(f.s));
		CHECK(ledger_store_broken(f.s) == NULL);
		if (have)
			CHECK_INT(ledger_store_size(f.s), >, max_acked);
		fixture_close_store(&f);
	}
	CHECK_INT(fixture_verify(f.db, NULL, &r), ==, SJ_OK);
	printf("    %u kills, %llu acknowledged appends, %llu entries, all verified\n", rounds,
	       (unsigned long long)total_acked, (unsigned long long)r.entries);
	fixture_free(&f);
}
