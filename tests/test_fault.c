/*
 * test_fault.c: a full disk. Appends to a ledger whose file system has no
 * room left must fail with an error that says so, write nothing half, and
 * leave a store (and a daemon) that appends again as soon as space
 * returns, without a restart.
 *
 * The mechanism: a small tmpfs mounted over the ledger's directory, nearly
 * filled with a filler file that is deleted when "space returns". Where
 * mount(2) is not permitted (a container without CAP_SYS_ADMIN), or with
 * SUIJI_FAULT_RLIMIT=1, RLIMIT_FSIZE stands in for it: the process that
 * writes the ledger may not grow a file past a few KiB beyond the ledger's
 * present size (with SIGXFSZ ignored, so that a write fails with EFBIG
 * instead of killing it), and space returns when the limit is lifted. Each
 * test prints which mechanism ran. A tmpfs reports ENOSPC, which the store
 * names SJ_EFULL; a file size limit reports EFBIG, which SQLite calls an
 * I/O error (SJ_EIO). Either must be a clean refusal.
 *
 * The store's part runs in a child process, so that a file size limit
 * never applies to the test runner's own output; the child reports what it
 * saw over a pipe and the parent checks it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/rpc.h"
#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/vkeyfile.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/storeops.h"
#include "tests/fixture.h"
#include "tests/harness.h"

#define SUIJID     harness_bin("suijid")
#define SUIJI      harness_bin("suiji")
#define VERIFY     harness_bin("suiji-verify")
#define ORIGIN     "suiji.test/fault"
#define WAIT_MS    10000
#define FS_SIZE    "2m"        /* the tmpfs: 2 MiB */
#define LEFT_FREE  (24 * 1024) /* what the filler leaves free */
#define FSIZE_ROOM (16 * 1024) /* what RLIMIT_FSIZE allows past the ledger */
#define MAX_TRIES  5000        /* appends before giving up on "full" */

/* How the disk is made full. */
struct space {
	int tmpfs;        /* 1: tmpfs at mnt; 0: RLIMIT_FSIZE */
	char mnt[600];    /* the ledger's directory */
	char filler[700]; /* tmpfs: the file that takes the space */
	char why[256];    /* why the fallback ran */
};

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Mounts a tmpfs at dir (created), unless mount is not permitted or
 * SUIJI_FAULT_RLIMIT is set: then the fallback. */
static int space_init(struct space *sp, const char *dir)
{
	memset(sp, 0, sizeof *sp);
	snprintf(sp->mnt, sizeof sp->mnt, "%s", dir);
	snprintf(sp->filler, sizeof sp->filler, "%s/filler", dir);
	if (mkdir(dir, 0700) != 0)
		return -1;
	if (getenv("SUIJI_FAULT_RLIMIT") != NULL) {
		snprintf(sp->why, sizeof sp->why, "SUIJI_FAULT_RLIMIT is set");
	} else if (mount("tmpfs", dir, "tmpfs", 0, "size=" FS_SIZE ",mode=0700") != 0) {
		snprintf(sp->why, sizeof sp->why, "mounting a tmpfs: %s", strerror(errno));
	} else {
		sp->tmpfs = 1;
		printf("    mechanism: a tmpfs of 2 MiB, filled to %d KiB free\n",
		       LEFT_FREE / 1024);
		return 0;
	}
	printf("    mechanism: RLIMIT_FSIZE, %d KiB past the ledger's files (%s)\n",
	       FSIZE_ROOM / 1024, sp->why);
	return 0;
}

static void space_fini(struct space *sp)
{
	if (sp->tmpfs && umount2(sp->mnt, MNT_DETACH) != 0)
		printf("    could not unmount %s: %s\n", sp->mnt, strerror(errno));
	sp->tmpfs = 0;
}

/* The largest of the ledger's files, for the file size limit. */
static off_t ledger_files_max(const char *dir)
{
	static const char *const names[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm"};
	off_t m = 0;
	for (size_t i = 0; i < 3; i++) {
		char p[800];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (stat(p, &st) == 0 && st.st_size > m)
			m = st.st_size;
	}
	return m;
}

/* Takes the space away from process pid (0: this one). */
static int space_fill(struct space *sp, pid_t pid)
{
	if (sp->tmpfs) {
		struct statvfs v;
		char block[4096];
		int fd = open(sp->filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || fstatvfs(fd, &v) != 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		memset(block, 0xaa, sizeof block);
		for (uint64_t left = (uint64_t)v.f_bavail * v.f_frsize; left > LEFT_FREE;
		     left -= sizeof block)
			if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
				break;
		return close(fd);
	}
	struct rlimit rl;
	if (prlimit(pid, RLIMIT_FSIZE, NULL, &rl) != 0)
		return -1;
	rl.rlim_cur = (rlim_t)(ledger_files_max(sp->mnt) + FSIZE_ROOM);
	return prlimit(pid, RLIMIT_FSIZE, &rl, NULL);
}

/* Gives the space back. */
static int space_return(struct space *sp, pid_t pid)
{
	if (sp->tmpfs)
		return unlink(sp->filler);
	struct rlimit rl;
	if (prlimit(pid, RLIMIT_FSIZE, NULL, &rl) != 0)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	return prlimit(pid, RLIMIT_FSIZE, &rl, NULL);
}

/* The error a full disk may give under the mechanism that ran. */
static int full_error(const struct space *sp, int rc)
{
	return rc == SJ_EFULL || (!sp->tmpfs && rc == SJ_EIO);
}

/* --- the store --- */

/* What the child saw, for the parent to check. */
struct store_report {
	int built;            /* the fixture was built on the small file system */
	int filled;           /* the space was taken */
	int first_fail;       /* the code of the first failed append */
	unsigned acked;       /* appends that succeeded while space ran out */
	uint64_t size_before; /* entries before the failed append */
	uint64_t size_after;  /* entries after it, as the store reports */
	int broken_after;     /* the store thinks it is broken */
	int second_fail;      /* a second append, still full */
	int checkpoint_rc;    /* a checkpoint on the full disk */
	uint64_t reopened;    /* entries seen by a second handle on the full disk */
	int reopened_broken;  /* that handle found the ledger broken */
	int returned;         /* the space came back */
	int after_rc;         /* an append then, same handle */
	int after_cp;         /* a checkpoint then */
	int verify_rc;        /* the verifier on the closed ledger */
	uint64_t verified;    /* the entries it verified */
	char err[256];        /* the store's words for the first failure */
};

static void store_child(struct space *sp, struct store_report *r)
{
	struct fixture f;
	struct ledger_store *s2 = NULL;
	struct verify_report vr;
	char code[32], err[256];
	int rc = SJ_OK;

	signal(SIGXFSZ, SIG_IGN);
	memset(r, 0, sizeof *r);
	if (fixture_build(&f, sp->mnt, 2) != SJ_OK)
		return;
	r->built = 1;
	if (space_fill(sp, 0) != 0)
		return;
	r->filled = 1;
	for (unsigned i = 0; i < MAX_TRIES; i++) {
		snprintf(code, sizeof code, "f%u", i);
		r->size_before = ledger_store_size(f.s);
		rc = fixture_signed_agency(&f, f.admin, "sfj", code, 0);
		if (rc != SJ_OK)
			break;
		r->acked++;
	}
	r->first_fail = rc;
	r->size_after = ledger_store_size(f.s);
	r->broken_after = ledger_store_broken(f.s) != NULL;
	r->second_fail = fixture_signed_agency(&f, f.admin, "sfj", "again", 0);
	{
		char *note = NULL;
		size_t len;
		r->checkpoint_rc =
		    ledger_store_checkpoint(f.s, f.log_key, &note, &len, err, sizeof err);
		free(note);
	}
	/* What another reader sees while the disk is full. */
	if (storeops_open(&s2, f.db, LEDGER_STORE_READONLY, err, sizeof err) == SJ_OK) {
		r->reopened = ledger_store_size(s2);
		r->reopened_broken = ledger_store_broken(s2) != NULL;
		ledger_store_close(s2);
	}
	r->returned = space_return(sp, 0) == 0;
	r->after_rc = fixture_signed_agency(&f, f.admin, "sfj", "after", 0);
	r->after_cp = fixture_checkpoint(&f);
	fixture_close_store(&f);
	r->verify_rc = fixture_verify(f.db, NULL, &vr);
	r->verified = vr.entries;
	fixture_free(&f);
	/* The store's words for a full disk, from a fresh failure. */
	snprintf(r->err, sizeof r->err, "%s", sj_strerror(r->first_fail));
}

static void store_full(const struct space *sp, const struct store_report *r)
{
	CHECK(r->built);
	CHECK(r->filled);
	printf("    %u appends fit, then: %s\n", r->acked, r->err);
	/* Space ran out before MAX_TRIES, with a clean error. */
	CHECK(r->first_fail != SJ_OK);
	CHECK(full_error(sp, r->first_fail));
	CHECK(full_error(sp, r->second_fail));
	/* Nothing half-written: the store and a second reader see the
	 * entries acknowledged before, and the ledger still verifies. */
	CHECK_INT(r->size_after, ==, r->size_before);
	CHECK(!r->broken_after);
	CHECK_INT(r->reopened, ==, r->size_before);
	CHECK(!r->reopened_broken);
	CHECK(r->checkpoint_rc == SJ_OK || full_error(sp, r->checkpoint_rc));
	/* The twin: once space returns, the same handle appends again. */
	CHECK(r->returned);
	CHECK_INT(r->after_rc, ==, SJ_OK);
	CHECK_INT(r->after_cp, ==, SJ_OK);
	CHECK_INT(r->verify_rc, ==, SJ_OK);
	CHECK_INT(r->verified, ==, r->size_before + 1);
}

TEST(fault_store_disk_full, "on a full disk an append fails with SJ_EFULL (or an I/O error under "
                            "a file size limit), nothing is half-written and the ledger verifies; "
                            "when space returns the same store appends and checkpoints again")
{
	struct space sp;
	struct store_report r;
	char dir[600];
	int p[2], st;
	pid_t pid;

	CHECK(sodium_init() >= 0);
	snprintf(dir, sizeof dir, "%s/small", harness_tmpdir());
	CHECK_INT(space_init(&sp, dir), ==, 0);
	memset(&r, 0, sizeof r);
	if (pipe(p) != 0) {
		space_fini(&sp);
		CHECK(0);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		store_child(&sp, &r);
		_exit(write(p[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	close(p[1]);
	ssize_t got = pid > 0 ? read(p[0], &r, sizeof r) : -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	space_fini(&sp);
	CHECK(got == (ssize_t)sizeof r);
	store_full(&sp, &r);
}

/* --- the daemon over RPC --- */

struct fd_daemon {
	char dir[512], data[600], sock[600], out[600], log[600];
	pid_t pid;
	uint8_t pk[32];
	struct note_skey *admin;
	struct rpc_client *c;
};

static int fd_start(struct fd_daemon *d)
{
	int64_t end = ms_now() + WAIT_MS;
	char line[256];

	unlink(d->out);
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		int fo = open(d->out, O_WRONLY | O_CREAT | O_EXCL, 0600);
		int fe = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		/* An ignored signal stays ignored across exec: a write past a
		 * file size limit then fails with EFBIG. */
		signal(SIGXFSZ, SIG_IGN);
		execl(SUIJID, "suijid", "-d", d->data, "run", (char *)NULL);
		_exit(127);
	}
	while (ms_now() < end) {
		int up = 0;
		FILE *f = fopen(d->out, "r");
		while (f != NULL && fgets(line, sizeof line, f) != NULL)
			up |= strncmp(line, "listening on unix:", 18) == 0;
		if (f != NULL)
			fclose(f);
		if (up)
			return 0;
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			return -1;
		}
		sleep_ms(5);
	}
	return -1;
}

static int fd_stop(struct fd_daemon *d)
{
	int64_t end = ms_now() + WAIT_MS;
	int st;
	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	while (ms_now() < end) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		sleep_ms(5);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return -1;
}

/* A signed agency registration by the admin; the reply's code (or -1
 * when the connection failed), its message and the entry in *seq. */
static int fd_register(struct fd_daemon *d, const char *code, uint64_t *seq, char *msg, size_t cap)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	struct rpc_client_reply r;
	uint8_t p[256], *req = NULL, sig[64];
	size_t len, rlen;
	char err[256];
	int code_;

	m.code = (char *)code;
	m.name = (char *)code;
	m.parent = (char *)"sfj";
	len = suiji__agency_register__pack(&m, p);
	uint64_t counter = util_request_counter();
	if (entry_request_message(&req, &rlen, ORIGIN, ENTRY_AGENCY_REGISTER, counter, "sfj", 3, p,
	                          len) != SJ_OK)
		return -1;
	note_skey_sign_raw(sig, req, rlen, d->admin);
	free(req);
	if (rpc_client_call(d->c, &r, SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY, "sfj", p, len,
	                    sig, counter, err, sizeof err) != SJ_OK) {
		snprintf(msg, cap, "%s", err);
		return -1;
	}
	code_ = r.code;
	snprintf(msg, cap, "%s", r.message ? r.message : "");
	if (code_ == SUIJI__RPC__CODE__CODE_OK) {
		Suiji__Rpc__AppendReply *ar =
		    suiji__rpc__append_reply__unpack(NULL, r.body_len, r.body);
		*seq = ar ? ar->seq : 0;
		if (ar)
			suiji__rpc__append_reply__free_unpacked(ar, NULL);
	}
	rpc_client_reply_fini(&r);
	return code_;
}

/* The ledger's size by STATUS, or -1. */
static long long fd_entries(struct fd_daemon *d)
{
	struct rpc_client_reply r;
	Suiji__Rpc__StatusReply *st;
	char err[256];
	long long n = -1;
	if (rpc_client_call(d->c, &r, SUIJI__RPC__METHOD__METHOD_STATUS, "", NULL, 0, NULL, 0, err,
	                    sizeof err) != SJ_OK)
		return -1;
	st = suiji__rpc__status_reply__unpack(NULL, r.body_len, r.body);
	if (st != NULL) {
		n = (long long)st->entries;
		suiji__rpc__status_reply__free_unpacked(st, NULL);
	}
	rpc_client_reply_fini(&r);
	return n;
}

static void daemon_full(struct fd_daemon *d, struct space *sp)
{
	char *out = NULL, conf[1024], msg[512], code[32], err[256], path[800];
	struct note_vkey dk;
	uint64_t seq = 0, last = 0;
	long long before;
	unsigned acked = 0;
	int rc = SUIJI__RPC__CODE__CODE_OK;

	CHECK_INT(harness_run(&out,
	                      "cd %s && %s -d data init --origin " ORIGIN " >/dev/null && "
	                      "%s -d data log-key > log.vkey && "
	                      "%s -d data add-agency --code sfj --name 司法局 >/dev/null && "
	                      "%s keygen -k admin.key --name admin@sfj > admin.vkey && "
	                      "%s -d data add-client --key admin.vkey --agency sfj --role admin "
	                      ">/dev/null && %s -d data daemon-key > daemon.vkey",
	                      d->dir, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJID),
	          ==, 0);
	free(out);
	out = NULL;
	snprintf(conf, sizeof conf,
	         "listen_tcp = off\nlisten_unix = %s\nrate_per_sec = 0\nlog_level = warn\n",
	         d->sock);
	snprintf(path, sizeof path, "%s/suijid.conf", d->data);
	CHECK_INT(util_write_file(path, conf, strlen(conf), 0644), ==, SJ_OK);
	snprintf(path, sizeof path, "%s/daemon.vkey", d->dir);
	CHECK_INT(vkeyfile_load(&dk, path, err, sizeof err), ==, SJ_OK);
	memcpy(d->pk, dk.pk, 32);
	snprintf(path, sizeof path, "%s/admin.key", d->dir);
	CHECK_INT(keyfile_load(&d->admin, path, NULL, 0, 0, NULL, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fd_start(d), ==, 0);
	snprintf(path, sizeof path, "unix:%s", d->sock);
	CHECK_INT(rpc_client_open(&d->c, path, d->pk, d->admin, 5000, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fd_register(d, "pre", &seq, msg, sizeof msg), ==, SUIJI__RPC__CODE__CODE_OK);

	CHECK_INT(space_fill(sp, d->pid), ==, 0);
	for (unsigned i = 0; i < MAX_TRIES; i++) {
		snprintf(code, sizeof code, "f%u", i);
		rc = fd_register(d, code, &seq, msg, sizeof msg);
		if (rc != SUIJI__RPC__CODE__CODE_OK)
			break;
		last = seq;
		acked++;
	}
	printf("    %u registrations fit, then: %s\n", acked, msg);
	/* A clean error to the client, naming the cause; the connection and
	 * the daemon stay. */
	CHECK_INT(rc, ==, SUIJI__RPC__CODE__CODE_UNAVAILABLE);
	if (sp->tmpfs)
		CHECK_STR_HAS(msg, "full");
	CHECK_INT(waitpid(d->pid, NULL, WNOHANG), ==, 0);
	before = fd_entries(d);
	CHECK(before > 0);
	if (acked > 0)
		CHECK_INT(before, ==, (long long)last + 1);
	CHECK_INT(fd_register(d, "again", &seq, msg, sizeof msg), ==,
	          SUIJI__RPC__CODE__CODE_UNAVAILABLE);
	CHECK_INT(fd_entries(d), ==, before);

	/* The twin: space returns and the same daemon appends again. */
	CHECK_INT(space_return(sp, d->pid), ==, 0);
	CHECK_INT(fd_register(d, "after", &seq, msg, sizeof msg), ==, SUIJI__RPC__CODE__CODE_OK);
	CHECK_INT(seq, ==, (uint64_t)before);
	CHECK_INT(fd_entries(d), ==, before + 1);
	rpc_client_close(d->c);
	d->c = NULL;
	CHECK_INT(fd_stop(d), ==, 0);
	CHECK_INT(
	    harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", d->dir, VERIFY), ==,
	    0);
	free(out);
}

TEST(fault_daemon_disk_full, "on a full disk the daemon answers a mutation UNAVAILABLE naming "
                             "the cause, stores nothing half, keeps serving, and appends again "
                             "when space returns; the ledger verifies")
{
	struct fd_daemon d;
	struct space sp;

	CHECK(sodium_init() >= 0);
	memset(&d, 0, sizeof d);
	snprintf(d.dir, sizeof d.dir, "%s", harness_tmpdir());
	snprintf(d.data, sizeof d.data, "%s/data", d.dir);
	snprintf(d.sock, sizeof d.sock, "%s/s.sock", d.dir);
	snprintf(d.out, sizeof d.out, "%s/daemon.out", d.dir);
	snprintf(d.log, sizeof d.log, "%s/daemon.log", d.dir);
	CHECK_INT(space_init(&sp, d.data), ==, 0);
	daemon_full(&d, &sp);
	rpc_client_close(d.c);
	if (d.pid > 0)
		(void)fd_stop(&d);
	note_skey_free(d.admin);
	space_fini(&sp);
}
