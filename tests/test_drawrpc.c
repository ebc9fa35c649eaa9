/*
 * test_drawrpc.c: the draw lifecycle over RPC, end to end with the real
 * binaries: a suiji-beacon producing a round a second on 127.0.0.1, a
 * `suijid run` with that beacon registered, and the `suiji` client. An
 * operator requests a draw and gets its commitment and round; the daemon
 * reveals it on its own once the round is due; the client re-derives the
 * result before printing it; suiji-verify passes. Refusals store nothing,
 * and a daemon killed between commitment and reveal finishes the draw
 * after a restart.
 *
 * Every test starts its own beacon and daemon and stops both by their pids
 * at the end whatever happened: the body runs in a function of its own, so
 * that a failed CHECK returns to the caller that stops them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/daemon.h"
#include "tests/harness.h"

#define SUIJID  harness_bin("suijid")
#define SUIJI   harness_bin("suiji")
#define VERIFY  harness_bin("suiji-verify")
#define BEACON  harness_bin("suiji-beacon")
#define ORIGIN  "suiji.test/drawrpc"
#define WAIT_MS 10000 /* the longest a start or stop may take under the sanitizers */
#define WAIT_S  "20"  /* draw-get --wait-timeout: a round is due within ~3 s */

struct world {
	char dir[512];
	pid_t beacon, daemon;
	char base[64];   /* the beacon: http://127.0.0.1:PORT */
	char conn[1600]; /* suiji's connection options, without -k */
	char out[600];   /* the daemon's stdout */
	char log[600];   /* the daemon's log (stderr) */
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

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, text, strlen(text), 0644) == SJ_OK ? 0 : -1;
}

/* Stops pid with sig and reaps it; its exit status, or -1 if it did not
 * exit normally within WAIT_MS (it is then killed). */
static int stop_pid(pid_t *pid, int sig)
{
	int64_t end = ms_now() + WAIT_MS;
	int st;

	if (*pid <= 0)
		return -1;
	kill(*pid, sig);
	while (ms_now() < end) {
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		sleep_ms(10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
	return -1;
}

/* Starts `suiji-beacon run` on 127.0.0.1:0 and waits for its port. */
static int beacon_start(struct world *w)
{
	char bdir[600];
	int port;
	snprintf(bdir, sizeof bdir, "%s/beacon", w->dir);
	if (tbeacon_start(&w->beacon, bdir, &port) != 0)
		return -1;
	snprintf(w->base, sizeof w->base, "http://127.0.0.1:%d", port);
	return 0;
}

/* Starts `suijid run` and waits for its TCP port. */
static int daemon_start(struct world *w)
{
	char data[600];
	int port;
	snprintf(data, sizeof data, "%s/data", w->dir);
	if (tdaemon_start(&w->daemon, data, w->out, w->log, &port) != 0)
		return -1;
	snprintf(w->conn, sizeof w->conn, "--server tcp:127.0.0.1:%d --daemon-key %s/daemon.vkey",
		 port, w->dir);
	return 0;
}

/* The pools: 9 objects in strata A, B, C; 6 officers, two of them with
 * the "drug" tag that stratum C needs. */
static const char *const objects_csv =
    "id,stratum\nO1,A\nO2,A\nO3,A\nO4,B\nO5,B\nO6,B\nO7,C\nO8,C\nO9,C\n";
static const char *const officers_csv = "id,agency,tags\nF1,scjg,food;drug\nF2,scjg,food\n"
                                        "F3,scjg,food\nF4,scjg,drug;food\nF5,scjg,food\n"
                                        "F6,scjg,food\n";

/* Writes DIR/NAME.json: a draw of agency with request id id, teams of
 * team officers, and round (a number, or "\"auto\""). */
static int write_spec(const struct world *w, const char *name, const char *agency, const char *id,
                      unsigned team, const char *round)
{
	char spec[2048], file[128];
	snprintf(
	    spec, sizeof spec,
	    "{\"request_id\": \"%s\", \"agency\": \"%s\", \"task\": \"scjg-2026-food\","
	    " \"objects\": \"objects.csv\", \"officers\": \"officers.csv\", \"team_size\": %u,"
	    " \"deadline_hours\": 1, \"beacons\": [{\"source\": \"lyg-beacon\", \"round\": %s}],"
	    " \"rules\": [{\"stratum\": \"A\", \"ratio\": \"1/3\", \"officer_tags\": [\"food\"]},"
	    " {\"stratum\": \"B\", \"count\": 2, \"officer_tags\": [\"food\"]},"
	    " {\"stratum\": \"C\", \"ratio\": \"2/3\", \"officer_tags\": [\"drug\"]}],"
	    " \"exclusions\": [{\"kind\": \"object\", \"id\": \"O5\", \"reason\": "
	    "\"annual-cap\"}],"
	    " \"conflicts\": [{\"kind\": \"officer\", \"object\": \"O1\", \"person\": \"F2\"}]}",
	    id, agency, team, round);
	snprintf(file, sizeof file, "%s.json", name);
	return write_text(w->dir, file, spec);
}

/*
 * A beacon (one round a second, round 1 due a second ago), a ledger with
 * agencies sfj, scjg and hbj under it, clients admin (sfj), op (scjg
 * operator), op2 (hbj operator), aud (sfj auditor) and sup (sfj
 * supervisor), the beacon registered as lyg-beacon with a 200 ms margin,
 * the pools and a spec; then the daemon is started.
 */
static int world_setup(struct world *w)
{
	char *out = NULL, conf[1200];
	int rc;

	memset(w, 0, sizeof *w);
	snprintf(w->dir, sizeof w->dir, "%s", harness_tmpdir());
	snprintf(w->out, sizeof w->out, "%s/daemon.out", w->dir);
	snprintf(w->log, sizeof w->log, "%s/daemon.log", w->dir);
	if (harness_run(&out, "%s init --dir %s/beacon --period 1 --genesis %lld", BEACON, w->dir,
	                (long long)(util_now_us() / 1000000 - 1)) != 0) {
		printf("    beacon init: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	out = NULL;
	if (beacon_start(w) != 0)
		return -1;
	rc = harness_run(
	    &out,
	    "cd %s && %s -d data init --origin " ORIGIN " >/dev/null && "
	    "%s -d data log-key > log.vkey && "
	    "%s -d data add-agency --code sfj --name 司法局 >/dev/null && "
	    "%s -d data add-agency --code scjg --name 市场监督管理局 --parent sfj >/dev/null && "
	    "%s -d data add-agency --code hbj --name 生态环境局 --parent sfj >/dev/null && "
	    "for k in admin:sfj:admin op:scjg:operator op2:hbj:operator aud:sfj:auditor "
	    "sup:sfj:supervisor; do n=${k%%%%:*}; r=${k##*:}; a=${k#*:}; a=${a%%:*}; "
	    "%s keygen -k $n.key --name $n@$a > $n.vkey && "
	    "%s -d data add-client --key $n.vkey --agency $a --role $r >/dev/null || exit 1; "
	    "done && "
	    "%s -d data add-beacon --id lyg-beacon --url %s --margin-ms 200 >/dev/null && "
	    "%s -d data daemon-key > daemon.vkey",
	    w->dir, SUIJID, SUIJID, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJID, w->base, SUIJID);
	if (rc != 0) {
		printf("    setup: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	snprintf(conf, sizeof conf,
	         "listen_tcp = 127.0.0.1:0\nlisten_unix = %s/s.sock\nlog_level = debug\n", w->dir);
	if (write_text(w->dir, "data/suijid.conf", conf) != 0 ||
	    write_text(w->dir, "objects.csv", objects_csv) != 0 ||
	    write_text(w->dir, "officers.csv", officers_csv) != 0 ||
	    write_spec(w, "spec", "scjg", "q1", 2, "\"auto\"") != 0)
		return -1;
	return daemon_start(w);
}

static void world_free(struct world *w)
{
	if (w->daemon > 0)
		(void)stop_pid(&w->daemon, SIGTERM);
	if (w->beacon > 0)
		(void)stop_pid(&w->beacon, SIGTERM);
}

static char *read_log(const struct world *w)
{
	uint8_t *buf = NULL;
	size_t len;
	if (util_read_file(&buf, &len, w->log, 64u << 20) != SJ_OK)
		return NULL;
	return (char *)buf;
}

/* The ledger's size as the admin's `suiji status` reports it, or -1. */
static long long entries(const struct world *w)
{
	char *out = NULL, *p;
	long long n = -1;
	if (harness_run(&out, "cd %s && %s status %s -k admin.key --json", w->dir, SUIJI,
	                w->conn) == 0 &&
	    (p = strstr(out, "\"entries\":")) != NULL)
		n = strtoll(p + 10, NULL, 10);
	free(out);
	return n;
}

static int count_seeds(const struct world *w)
{
	char p[700];
	struct dirent *e;
	DIR *d;
	int n = 0;
	snprintf(p, sizeof p, "%s/data/seeds", w->dir);
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The number after "key": in a JSON line, or -1. */
static long long json_num(const char *out, const char *key)
{
	char k[64];
	const char *p;
	snprintf(k, sizeof k, "\"%s\":", key);
	p = out ? strstr(out, k) : NULL;
	return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/* The "randomness R = ..." line of out, into line (80 bytes). */
static int r_line(char line[80], const char *out)
{
	const char *p = out ? strstr(out, "randomness R = ") : NULL;
	if (p == NULL || strlen(p) < 79)
		return -1;
	memcpy(line, p, 79);
	line[79] = '\0';
	return 0;
}

#define RUN_BODY(fn)                                                                               \
	do {                                                                                       \
		struct world w_;                                                                   \
		if (world_setup(&w_) != 0) {                                                       \
			char *l_ = read_log(&w_);                                                  \
			printf("    did not start: %s\n", l_ ? l_ : "");                           \
			free(l_);                                                                  \
			harness_fail(__FILE__, __LINE__, "world_setup");                           \
		} else {                                                                           \
			fn(&w_);                                                                   \
		}                                                                                  \
		world_free(&w_);                                                                   \
	} while (0)

/* --- the tests --- */

static void cycle(struct world *w)
{
	char *out = NULL, *log, want[128], r1[80], r2[80];
	long long seq, commit;

	CHECK_INT(harness_run(&out, "cd %s && %s draw-request spec.json %s -k op.key --json",
	                      w->dir, SUIJI, w->conn),
	          ==, 0);
	seq = json_num(out, "request_seq");
	commit = json_num(out, "commit_seq");
	CHECK(seq > 0);
	CHECK_INT(commit, ==, seq + 1);
	CHECK_STR_HAS(out, "\"commitment\":\"");
	CHECK_STR_HAS(out, "\"source\":\"lyg-beacon\"");
	CHECK(json_num(out, "round") > 1);
	CHECK(json_num(out, "due_time") > util_now_us() / 1000000);
	free(out);
	out = NULL;

	/* Before its round: committed, and the round it waits for. */
	CHECK_INT(harness_run(&out, "cd %s && %s draw-get %lld %s -k op.key", w->dir, SUIJI, seq,
	                      w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, ": committed\n");
	CHECK_STR_HAS(out, "waits for round ");
	free(out);
	out = NULL;
	/* An operator of another agency may not read it. */
	CHECK_INT(harness_run(&out, "cd %s && %s draw-get %lld %s -k op2.key", w->dir, SUIJI, seq,
	                      w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "FORBIDDEN");
	CHECK_STR_HAS(out, "agency hbj may not read draw");
	free(out);
	out = NULL;

	/* The daemon reveals on its own; the client re-derives. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s draw-get %lld --wait --wait-timeout " WAIT_S
	                      " %s -k op.key",
	                      w->dir, SUIJI, seq, w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "re-derived here");
	CHECK_STR_HAS(out, "stratum C: 3 eligible, 2 drawn, cutoff ");
	CHECK_STR_HAS(out, "   1. O");
	CHECK_STR_HAS(out, "officers F");
	CHECK_INT(r_line(r1, out), ==, 0);
	free(out);
	out = NULL;
	log = read_log(w);
	snprintf(want, sizeof want, "draw %lld revealed at entry %lld", seq, seq + 2);
	CHECK_STR_HAS(log, want);
	free(log);
	CHECK_INT(count_seeds(w), ==, 0);
	/* The supervisor and an auditor read every agency's draws. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s draw-wait %lld %s -k aud.key --json && "
	                      "%s draw-get %lld %s -k sup.key --json",
	                      w->dir, SUIJI, seq, w->conn, SUIJI, seq, w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "\"state\":\"revealed\",\"rederived\":true");
	free(out);
	out = NULL;

	CHECK_INT(stop_pid(&w->daemon, SIGTERM), ==, 0);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s --log-key log.vkey data/ledger.db && "
	                      "%s draw data/ledger.db %lld",
	                      w->dir, VERIFY, VERIFY, seq),
	          ==, 0);
	CHECK_STR_HAS(out, "draws: 1, 1 revealed and re-derived");
	/* suiji-verify derives the draw the client printed. */
	CHECK_INT(r_line(r2, out), ==, 0);
	CHECK(strcmp(r1, r2) == 0);
	free(out);
}

TEST(drawrpc_cycle, "an operator requests a draw over RPC and gets its commitment and round; the "
                    "daemon reveals it on its own; draw-get --wait prints the re-derived result; "
                    "another agency's operator may not read it; suiji-verify passes")
{
	RUN_BODY(cycle);
}

static void refusals(struct world *w)
{
	char *out = NULL;
	long long before = entries(w);

	CHECK(before > 0);
	/* Administrators and auditors do not draw (least privilege), even
	 * for their own agency. */
	CHECK_INT(write_spec(w, "sfj", "sfj", "s1", 2, "\"auto\""), ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request sfj.json %s -k admin.key", w->dir,
	                      SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "role admin may not call draw-request");
	free(out);
	out = NULL;
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request sfj.json %s -k aud.key", w->dir,
	                      SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "role auditor may not call draw-request");
	free(out);
	out = NULL;
	/* Another agency's operator cannot request scjg's draw. */
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request spec.json %s -k op2.key", w->dir,
	                      SUIJI, w->conn),
	          ==, 2);
	CHECK_STR_HAS(out, "this client acts for agency hbj");
	free(out);
	out = NULL;
	/* Stratum C needs teams of three drug officers: there are two (R11). */
	CHECK_INT(write_spec(w, "big", "scjg", "q2", 3, "\"auto\""), ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request big.json %s -k op.key", w->dir, SUIJI,
	                      w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "REFUSED");
	CHECK_STR_HAS(out, "R11/R13: stratum C has 2 officers with tags drug, needs 3");
	printf("    infeasible: %s", out);
	free(out);
	out = NULL;
	/* A round that is out already. */
	CHECK_INT(write_spec(w, "past", "scjg", "q3", 2, "1"), ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request past.json %s -k op.key", w->dir,
	                      SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "REFUSED");
	CHECK_STR_HAS(out, "not after the commitment time");
	free(out);
	out = NULL;
	CHECK_INT(entries(w), ==, before);
	CHECK_INT(count_seeds(w), ==, 0);
	/* The twin: the feasible request is committed; the same request id
	 * again is refused. */
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request spec.json %s -k op.key", w->dir,
	                      SUIJI, w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "committed at entry");
	free(out);
	out = NULL;
	CHECK_INT(harness_run(&out, "cd %s && %s draw-request spec.json %s -k op.key --json",
	                      w->dir, SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "\"code\":\"REFUSED\"");
	CHECK_STR_HAS(out, "request id q1 was used already");
	free(out);
	out = NULL;
	CHECK_INT(entries(w), ==, before + 2);
	CHECK_INT(count_seeds(w), ==, 1);
	/* An unknown draw, and a draw-get that is not a draw. */
	CHECK_INT(harness_run(&out, "cd %s && %s draw-get 1 %s -k aud.key", w->dir, SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "entry 1 is not a draw request");
	free(out);
	out = NULL;
	CHECK_INT(harness_run(&out, "cd %s && %s beacons %s -k aud.key", w->dir, SUIJI, w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "lyg-beacon  suiji-beacon suiji-ed25519-chained-v1, a round every 1 s");
	free(out);
}

TEST(drawrpc_refusals, "an administrator or auditor may not request a draw; an infeasible "
                       "request, a past round and a reused request id are refused naming the "
                       "problem; none of them stores anything")
{
	RUN_BODY(refusals);
}

static void sigkill(struct world *w)
{
	char *out = NULL, *log, want[128];
	long long seq;

	CHECK_INT(harness_run(&out, "cd %s && %s draw-request spec.json %s -k op.key --json",
	                      w->dir, SUIJI, w->conn),
	          ==, 0);
	seq = json_num(out, "request_seq");
	CHECK(seq > 0);
	free(out);
	out = NULL;
	/* Killed with the commitment ledgered and its round seconds away. */
	kill(w->daemon, SIGKILL);
	CHECK_INT(waitpid(w->daemon, NULL, 0), ==, w->daemon);
	w->daemon = 0;
	CHECK_INT(count_seeds(w), ==, 1);
	CHECK_INT(
	    harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", w->dir, VERIFY), ==,
	    0);
	CHECK_STR_HAS(out, "draws: 1, 0 revealed and re-derived, 1 open");
	free(out);
	out = NULL;

	/* Restarted, it finds the draw in the ledger and finishes it. */
	CHECK_INT(daemon_start(w), ==, 0);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s draw-wait %lld --wait-timeout " WAIT_S " %s -k op.key",
	                      w->dir, SUIJI, seq, w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "re-derived here");
	free(out);
	out = NULL;
	log = read_log(w);
	snprintf(want, sizeof want, "draw %lld revealed at entry %lld", seq, seq + 2);
	CHECK_STR_HAS(log, want);
	free(log);
	CHECK_INT(count_seeds(w), ==, 0);
	CHECK_INT(stop_pid(&w->daemon, SIGTERM), ==, 0);
	CHECK_INT(
	    harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", w->dir, VERIFY), ==,
	    0);
	CHECK_STR_HAS(out, "draws: 1, 1 revealed and re-derived, 0 open");
	free(out);
}

TEST(drawrpc_sigkill_resumes, "a daemon killed with SIGKILL between commitment and reveal "
                              "restarts, reveals the draw on its own, and the ledger verifies")
{
	RUN_BODY(sigkill);
}

static void dir_import(struct world *w)
{
	char *out = NULL;
	long long before = entries(w);

	CHECK(before > 0);
	CHECK_INT(write_text(w->dir, "dir-objects.csv",
	                     "uscc,name,risk_class,agencies\n"
	                     "914403001922038216,连云港海州食品有限公司,A,scjg\n"
	                     "9144030071526726XG,连云港赣榆药业有限公司,C,scjg;hbj\n"),
	          ==, 0);
	/* A dry run over RPC checks the file on the client and sends nothing. */
	CHECK_INT(harness_run(&out, "cd %s && %s import objects dir-objects.csv --dry-run", w->dir,
	                      SUIJI),
	          ==, 0);
	CHECK_STR_HAS(out, "2 object records, every row valid");
	free(out);
	out = NULL;
	/* An administrator does not import (least privilege). */
	CHECK_INT(harness_run(&out, "cd %s && %s import objects dir-objects.csv %s -k admin.key",
	                      w->dir, SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "role admin may not call directory-import");
	free(out);
	out = NULL;
	/* hbj's operator cannot import objects that hbj does not supervise. */
	CHECK_INT(harness_run(&out, "cd %s && %s import objects dir-objects.csv %s -k op2.key",
	                      w->dir, SUIJI, w->conn),
	          ==, 1);
	CHECK_STR_HAS(out, "does not list agency hbj");
	free(out);
	out = NULL;
	CHECK_INT(entries(w), ==, before);
	CHECK_INT(harness_run(&out, "cd %s && %s import objects dir-objects.csv %s -k op.key",
	                      w->dir, SUIJI, w->conn),
	          ==, 0);
	CHECK_STR_HAS(out, "directory-import");
	free(out);
	CHECK_INT(entries(w), ==, before + 1);
}

TEST(drawrpc_directory_import, "R1: an operator imports its agency's objects over RPC; an "
                               "administrator, and an operator of an agency the objects do not "
                               "list, are refused and nothing is stored")
{
	RUN_BODY(dir_import);
}
