/*
 * test_fresh.c: freshness and truncation (docs/verify.md, "Freshness";
 * R18). Someone with the SQLite file and no key deletes the newest entries
 * and the newest checkpoint: what is left is a well-formed, older ledger.
 * Only a checkpoint that is recent and covers every entry shows nothing
 * was cut, so `suiji-verify --max-age` asks for one: signed by the log, or
 * cosigned by the quorum when witnesses are pinned. Every attack runs the
 * real suiji-verify on the edited file; each has a twin that passes. The
 * daemon signs that checkpoint by itself within checkpoint_delay.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/config.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "rules/storeops.h"
#include "tests/daemon.h"
#include "tests/fixture.h"
#include "tests/harness.h"

/* The fixture's 13 entries, checkpoints at sizes 8 and 13 cosigned by its
 * witness (sizes 9 and 13: fixture.h), closed for editing; the log and witness keys in files. */
static int build(struct fixture *f)
{
	static unsigned n;
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/fresh%u", harness_tmpdir(), ++n);
	if (sodium_init() < 0 || mkdir(dir, 0700) != 0 || fixture_build(f, dir, 8) != SJ_OK)
		return -1;
	fixture_close_store(f);
	snprintf(path, sizeof path, "%s/log.vkey", f->dir);
	if (util_write_file(path, f->log_vkey, strlen(f->log_vkey), 0644) != SJ_OK)
		return -1;
	snprintf(path, sizeof path, "%s/witness.vkey", f->dir);
	return util_write_file(path, f->witness_vkey, strlen(f->witness_vkey), 0644) == SJ_OK ? 0
	                                                                                      : -1;
}

/* Runs the real suiji-verify on the fixture's file with args; returns its
 * exit status and what it printed in *out (free it). */
static int verify(const struct fixture *f, char **out, const char *args)
{
	return harness_run(out, "'%s' %s '%s' 2>&1", harness_bin("suiji-verify"), args, f->db);
}

#define LOGKEY  "--log-key \"$(dirname %s)/log.vkey\""
#define QUORUM1 "--witness \"$(dirname %s)/witness.vkey\" --quorum 1"

static int verify_with(const struct fixture *f, char **out, const char *fmt)
{
	char args[2048];
	snprintf(args, sizeof args, fmt, f->db, f->db);
	return verify(f, out, args);
}

/* Deletes entries from seq on, and every checkpoint above size, as an
 * insider with the file would (the triggers dropped). */
static int truncate_to(const struct fixture *f, unsigned seq, unsigned ckpt_size)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "DELETE FROM entries WHERE seq >= %u; DELETE FROM checkpoints WHERE size > %u; "
	         "DELETE FROM cosignatures WHERE size > %u;",
	         seq, ckpt_size, ckpt_size);
	return fixture_sql(f->db, sql);
}

TEST(fresh_complete_ledger_passes, "a complete ledger whose newest checkpoint covers it passes "
                                   "--max-age with the log key and with a quorum")
{
	struct fixture f;
	char *out = NULL;
	CHECK(build(&f) == 0);
	CHECK_INT(verify_with(&f, &out, LOGKEY " --max-age 1h"), ==, 0);
	CHECK_STR_HAS(out, "covers 13 of 13 entries (0 uncovered)");
	free(out);
	CHECK_INT(verify_with(&f, &out, LOGKEY " " QUORUM1 " --max-age 1h"), ==, 0);
	CHECK_STR_HAS(out, "cosigned by 1 pinned witnesses covers 13 of 13 entries");
	free(out);
	fixture_free(&f);
}

TEST(fresh_truncated_log_key, "entries and the checkpoint cut from the file pass a plain check but "
                              "fail --max-age with the log key")
{
	struct fixture f;
	char *out = NULL;
	CHECK(build(&f) == 0);
	/* Entries 11 and 12 and the checkpoint at 13 go; the checkpoint at 9
	 * is now the newest, and entries 9 and 10 were never covered by it. */
	CHECK_INT(truncate_to(&f, 11, 9), ==, 0);
	CHECK_INT(verify_with(&f, &out, LOGKEY), ==, 0); /* the hole --max-age closes */
	CHECK_STR_HAS(out, "(2 uncovered)");
	free(out);
	CHECK_INT(verify_with(&f, &out, LOGKEY " --json"), ==, 0);
	CHECK_STR_HAS(out, "\"uncovered_entries\":2,");
	free(out);
	CHECK_INT(verify_with(&f, &out, LOGKEY " --max-age 1h"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R18: the newest checkpoint signed by the log covers 9 of 11 "
	                   "entries: entries 9..10 are covered by none");
	free(out);
	fixture_free(&f);
}

TEST(fresh_truncated_quorum, "a quorum whose newest cosigned checkpoint does not cover the ledger "
                             "fails --max-age, though an older one is cosigned")
{
	struct fixture f;
	char *out = NULL;
	CHECK(build(&f) == 0);
	CHECK_INT(truncate_to(&f, 11, 9), ==, 0);
	CHECK_INT(verify_with(&f, &out, QUORUM1), ==, 0); /* the checkpoint at 9 is cosigned */
	free(out);
	CHECK_INT(verify_with(&f, &out, QUORUM1 " --max-age 1h"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R18: the newest checkpoint cosigned by the quorum covers 9 of "
	                   "11 entries");
	free(out);
	fixture_free(&f);
}

TEST(fresh_zero_checkpoints,
     "a ledger with every checkpoint deleted passes a plain check and fails --max-age")
{
	struct fixture f;
	char *out = NULL;
	CHECK(build(&f) == 0);
	CHECK_INT(truncate_to(&f, 13, 0), ==, 0);
	CHECK_INT(verify_with(&f, &out, LOGKEY), ==, 0);
	CHECK_STR_HAS(out, "freshness: no checkpoint");
	free(out);
	CHECK_INT(verify_with(&f, &out, LOGKEY " --max-age 1d"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R18: the ledger has no checkpoint");
	free(out);
	fixture_free(&f);
}

/* Replaces the witness's cosignature on the checkpoint at size 13 by one
 * made age seconds ago. */
static int cosign_at(struct fixture *f, int64_t age)
{
	char *note = NULL, *line = NULL, sql[1024], err[256];
	size_t len;
	int rc;
	const char *blank;

	if (storeops_open(&f->s, f->db, 0, err, sizeof err) != SJ_OK)
		return -1;
	rc = ledger_store_checkpoint_get(f->s, 13, &note, &len);
	fixture_close_store(f);
	if (rc != SJ_OK)
		return -1;
	blank = strstr(note, "\n\n");
	rc = note_cosign(&line, note, (size_t)(blank - note) + 1, (uint64_t)(time(NULL) - age),
	                 f->witness);
	free(note);
	if (rc != SJ_OK)
		return -1;
	snprintf(sql, sizeof sql,
	         "DELETE FROM cosignatures WHERE size = 13; "
	         "INSERT INTO cosignatures(size, line) VALUES(13, '%s');",
	         line);
	free(line);
	return fixture_sql(f->db, sql);
}

TEST(fresh_old_cosignature, "a checkpoint the quorum last cosigned two hours ago fails --max-age "
                            "1h and passes --max-age 3h")
{
	struct fixture f;
	char *out = NULL;
	CHECK(build(&f) == 0);
	CHECK_INT(cosign_at(&f, 7200), ==, 0);
	CHECK_INT(verify_with(&f, &out, QUORUM1 " --max-age 3h"), ==, 0);
	CHECK_STR_HAS(out, "cosigned 2h ago");
	free(out);
	CHECK_INT(verify_with(&f, &out, QUORUM1 " --max-age 1h"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R18: the newest checkpoint cosigned by the quorum is 2h old, "
	                   "more than --max-age 1h");
	free(out);
	fixture_free(&f);
}

TEST(fresh_max_age_usage, "--max-age takes 90s, 10m, 2h or 1d and refuses anything else")
{
	static const char *const bad[] = {"", "0", "-5m", "10x", "1h2", "m", "3651d", "10 m"};
	struct fixture f;
	char *out = NULL, args[256];
	CHECK(build(&f) == 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(args, sizeof args, "--max-age '%s'", bad[i]);
		CHECK_INT(verify(&f, &out, args), ==, 2);
		CHECK_STR_HAS(out, "--max-age wants a duration");
		free(out);
	}
	CHECK_INT(verify(&f, &out, "--max-age 90s"), ==, 0);
	free(out);
	CHECK_INT(verify(&f, &out, "--max-age 600"), ==, 0);
	free(out);
	fixture_free(&f);
}

/* A data directory with a log, its admin and a daemon on a loopback port
 * whose config has checkpoint_delay = delay. */
static int daemon_up(const char *dir, const char *delay, pid_t *pid, int *port)
{
	char *out = NULL, data[700], so[700], se[700];
	const char *b = harness_bin("suijid");
	int rc = harness_run(
	    &out,
	    "cd '%s' && D='%s' && C=\"$(dirname \"$D\")/suiji\" && "
	    "$D -d data init --origin suiji.test/fresh >/dev/null 2>&1 && "
	    "$D -d data add-agency --code admin --name A >/dev/null && "
	    "$C keygen -k admin.key --name admin@t > admin.vkey && "
	    "$D -d data add-client --key admin.vkey --agency admin --role admin >/dev/null && "
	    "$D -d data log-key > log.vkey && $D -d data daemon-key > daemon.vkey 2>/dev/null && "
	    "printf 'listen_tcp = 127.0.0.1:0\\nlisten_unix = off\\ncheckpoint_delay = %s\\n' "
	    "> data/suijid.conf",
	    dir, b, delay);
	if (rc != 0)
		printf("    setup: %s\n", out ? out : "");
	free(out);
	if (rc != 0)
		return -1;
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(so, sizeof so, "%s/daemon.out", dir);
	snprintf(se, sizeof se, "%s/daemon.log", dir);
	return tdaemon_start(pid, data, so, se, port);
}

static void daemon_down(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* A mutation over RPC: one more agency, registered by the admin. */
static int register_agency(const char *dir, int port, const char *code)
{
	char *out = NULL;
	int rc = harness_run(&out,
	                     "cd '%s' && '%s' register-agency --code %s --name X --server "
	                     "tcp:127.0.0.1:%d --daemon-key daemon.vkey -k admin.key",
	                     dir, harness_bin("suiji"), code, port);
	if (rc != 0)
		printf("    register-agency: %s\n", out ? out : "");
	free(out);
	return rc;
}

/* Waits up to ms for the ledger in dir to pass --max-age 1h; the exit
 * status of the last try. */
static int wait_fresh(const char *dir, int ms, char **out)
{
	int rc = -1;
	for (int waited = 0; waited <= ms; waited += 100) {
		free(*out);
		*out = NULL;
		rc = harness_run(
		    out, "cd '%s' && '%s' --log-key log.vkey --max-age 1h data/ledger.db 2>&1", dir,
		    harness_bin("suiji-verify"));
		if (rc == 0)
			break;
		usleep(100 * 1000);
	}
	return rc;
}

TEST(fresh_daemon_signs_after_mutation,
     "the running daemon signs a checkpoint covering a mutation within its delay, and one with "
     "checkpoint_delay = off does not")
{
	char dir[600], *out = NULL;
	pid_t pid = 0;
	int port = 0;

	snprintf(dir, sizeof dir, "%s/fd1", harness_tmpdir());
	CHECK(mkdir(dir, 0700) == 0);
	CHECK_INT(daemon_up(dir, "300ms", &pid, &port), ==, 0);
	CHECK_INT(register_agency(dir, port, "x1"), ==, 0);
	/* 300 ms is the delay; 10 s is a bound for a loaded machine. */
	CHECK_INT(wait_fresh(dir, 10000, &out), ==, 0);
	CHECK_STR_HAS(out, "covers 4 of 4 entries (0 uncovered)");
	free(out);
	out = NULL;
	CHECK_INT(register_agency(dir, port, "x2"), ==, 0);
	CHECK_INT(wait_fresh(dir, 10000, &out), ==, 0);
	CHECK_STR_HAS(out, "covers 5 of 5 entries");
	free(out);
	out = NULL;
	daemon_down(pid);
	CHECK_INT(harness_run(&out, "grep -c 'checkpoint signed at size' '%s/daemon.log'", dir), ==,
	          0);
	free(out);
	out = NULL;

	/* The twin: with automatic checkpoints off, the mutation stays
	 * uncovered and the ledger fails --max-age. */
	snprintf(dir, sizeof dir, "%s/fd2", harness_tmpdir());
	CHECK(mkdir(dir, 0700) == 0);
	CHECK_INT(daemon_up(dir, "off", &pid, &port), ==, 0);
	CHECK_INT(register_agency(dir, port, "x1"), ==, 0);
	CHECK(wait_fresh(dir, 1500, &out) == 1);
	CHECK_STR_HAS(out, "FAILED: R18: the ledger has no checkpoint");
	free(out);
	daemon_down(pid);
}

TEST(fresh_config_delay,
     "checkpoint_delay takes off, 500ms, 2s or 1m, defaults to 2s, and refuses anything else")
{
	static const struct {
		const char *v;
		uint32_t ms;
	} good[] = {{"off", 0},  {"500ms", 500}, {"2s", 2000},
	            {"2", 2000}, {"1m", 60000},  {"60m", 3600000}};
	static const char *const bad[] = {"5ms", "-1s", "2x", "61m", "s", "1.5s"};
	struct config c;
	char text[128], err[512];

	config_defaults(&c, "data");
	CHECK_INT(c.checkpoint_delay_ms, ==, 2000);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		config_defaults(&c, "data");
		snprintf(text, sizeof text, "checkpoint_delay = %s\n", good[i].v);
		CHECK_INT(config_parse(&c, text, strlen(text), "t.conf", err, sizeof err), ==,
		          SJ_OK);
		CHECK_INT(c.checkpoint_delay_ms, ==, good[i].ms);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		config_defaults(&c, "data");
		snprintf(text, sizeof text, "checkpoint_delay = %s\n", bad[i]);
		CHECK_INT(config_parse(&c, text, strlen(text), "t.conf", err, sizeof err), ==,
		          SJ_EINVAL);
		CHECK_STR_HAS(err, "checkpoint_delay must be off or a delay");
	}
}

TEST(fresh_portal_line, "the portal's site data says how many entries no checkpoint covers and "
                        "when a witness last cosigned, for a complete and a cut-short ledger")
{
	struct fixture f;
	char *out = NULL, cmd[4096];
	CHECK(build(&f) == 0);
	snprintf(cmd, sizeof cmd,
	         "'%s' '%s' --site '%s/site' --assets portal -q && tr -d ' \\n\\t' < "
	         "'%s/site/data/site.json' | grep -o '\"freshness\":{[^}]*}'",
	         harness_bin("suiji-verify"), f.db, f.dir, f.dir);
	if (harness_run(&out, "%s", cmd) != 0)
		printf("    %s\n", out);
	CHECK_STR_HAS(out, "\"entries\":13,\"uncovered\":0");
	CHECK_STR_HAS(out, "\"witnessed_by\":1");
	free(out);
	/* The twin: cut short, the site still verifies but its line says
	 * what the newest checkpoint does not cover. */
	CHECK_INT(truncate_to(&f, 11, 9), ==, 0);
	CHECK_INT(harness_run(&out, "%s", cmd), ==, 0);
	CHECK_STR_HAS(out, "\"entries\":11,\"uncovered\":2");
	free(out);
	fixture_free(&f);
}
