/*
 * test_planrpc.c: item lists, plans and tasks over RPC (R3-R5): the real
 * daemon on loopback and the real client, each step signed by the client
 * whose role the request table and the ledger's rules (rules/plans.h)
 * require.
 */
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
#define WAIT_MS 10000 /* the longest a start or stop may take under the sanitizers */

struct pr {
	char dir[512];
	pid_t daemon;
	char conn[1600]; /* suiji's connection options, without -k */
	char out[600];
	char log[600];
};

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, text, strlen(text), 0644) == SJ_OK ? 0 : -1;
}

/* Starts `suijid run` and waits for its TCP port. */
static int daemon_start(struct pr *w)
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

static void daemon_stop(struct pr *w)
{
	int64_t end = util_now_us() / 1000 + WAIT_MS;
	if (w->daemon <= 0)
		return;
	kill(w->daemon, SIGTERM);
	while (util_now_us() / 1000 < end) {
		if (waitpid(w->daemon, NULL, WNOHANG) == w->daemon) {
			w->daemon = 0;
			return;
		}
		sleep_ms(10);
	}
	kill(w->daemon, SIGKILL);
	waitpid(w->daemon, NULL, 0);
	w->daemon = 0;
}

static int setup(struct pr *w)
{
	char *out = NULL, conf[1200];
	int rc;

	memset(w, 0, sizeof *w);
	snprintf(w->dir, sizeof w->dir, "%s", harness_tmpdir());
	snprintf(w->out, sizeof w->out, "%s/daemon.out", w->dir);
	snprintf(w->log, sizeof w->log, "%s/daemon.log", w->dir);
	rc = harness_run(
	    &out,
	    "cd %s && %s -d data init --origin suiji.test/planrpc >/dev/null && "
	    "%s -d data add-agency --code sfj --name 司法局 >/dev/null && "
	    "%s -d data add-agency --code scjg --name 市场监督管理局 --parent sfj >/dev/null && "
	    "for k in op:scjg:operator legal:scjg:legal sup:sfj:supervisor; do "
	    "n=${k%%%%:*}; r=${k##*:}; a=${k#*:}; a=${a%%:*}; "
	    "%s keygen -k $n.key --name $n@$a > $n.vkey && "
	    "%s -d data add-client --key $n.vkey --agency $a --role $r >/dev/null || exit 1; "
	    "done && %s -d data daemon-key > daemon.vkey",
	    w->dir, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJID);
	if (rc != 0) {
		printf("    setup: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	snprintf(conf, sizeof conf, "listen_tcp = 127.0.0.1:0\nlisten_unix = %s/s.sock\n", w->dir);
	if (write_text(w->dir, "data/suijid.conf", conf) != 0 ||
	    write_text(w->dir, "items.json",
		       "{\"version\":1,\"general_ratio_cap\":\"1/10\",\"items\":["
		       "{\"id\":\"food\",\"legal_basis\":\"《食品安全法》\",\"body\":\"市场监管局\","
		       "\"content\":\"食品经营\",\"method\":\"on-site\",\"ratio\":\"1/2\","
		       "\"frequency\":\"1/year\",\"key\":true}]}") != 0 ||
	    write_text(w->dir, "plan.json",
		       "{\"agency\":\"scjg\",\"plan_id\":\"p2027\",\"year\":2027,\"version\":1,"
		       "\"scope\":\"全市\",\"scope_filter\":\"category=food\",\"timing\":\"Q2\","
		       "\"items\":[{\"item\":\"food\",\"ratio\":\"1/20\",\"frequency\":\"1\"}]}") !=
		    0 ||
	    write_text(w->dir, "task.json",
		       "{\"agency\":\"scjg\",\"task_id\":\"t1\",\"plan_id\":\"p2027\","
		       "\"plan_version\":1,\"scope_filter\":\"category=food\",\"items\":[\"food\"],"
		       "\"strata\":[{\"name\":\"all\",\"ratio\":\"1/20\"}],\"team_size\":2,"
		       "\"start_date\":\"2027-04-01\",\"end_date\":\"2027-04-30\"}") != 0)
		return -1;
	return daemon_start(w);
}

/* Runs `suiji CMD -k KEY.key` against the daemon; its exit status. */
static int run(char **out, const struct pr *w, const char *key, const char *cmd)
{
	return harness_run(out, "cd %s && %s %s %s -k %s.key 2>&1", w->dir, SUIJI, cmd, w->conn,
			   key);
}

/* The steps, in a function of their own so that the daemon is stopped
 * however a check ends it. */
static void path(const struct pr *w)
{
	char *out = NULL;
	CHECK_INT(run(&out, w, "op", "items-publish items.json"), ==, 0);
	CHECK_STR_HAS(out, "item list version 1 of scjg");
	free(out);
	CHECK_INT(run(&out, w, "op", "plan-submit plan.json"), ==, 0);
	free(out);
	/* The request table: an operator's key cannot review, a legal
	 * reviewer's cannot file. */
	CHECK(run(&out, w, "op", "plan-review scjg p2027 1 --approve") != 0);
	CHECK_STR_HAS(out, "FORBIDDEN");
	free(out);
	CHECK_INT(run(&out, w, "op", "task-create task.json"), ==, 1);
	CHECK_STR_HAS(out, "a task needs the latest published version (R5)");
	free(out);
	CHECK_INT(run(&out, w, "legal", "plan-review scjg p2027 1 --approve"), ==, 0);
	free(out);
	CHECK(run(&out, w, "legal", "plan-file scjg p2027 1") != 0);
	CHECK_STR_HAS(out, "FORBIDDEN");
	free(out);
	CHECK_INT(run(&out, w, "sup", "plan-file scjg p2027 1 --note 已备案"), ==, 0);
	CHECK_STR_HAS(out, "filed");
	free(out);
	CHECK_INT(run(&out, w, "op", "plan-publish scjg p2027 1"), ==, 0);
	free(out);
	CHECK_INT(run(&out, w, "op", "task-create task.json"), ==, 0);
	CHECK_STR_HAS(out, "task t1 of scjg from plan p2027 version 1");
	free(out);
}

TEST(planrpc_path, "R3-R5 over RPC: an operator publishes items and submits a plan, the legal reviewer approves, the supervisor files, the operator publishes and creates a task; each wrong role is refused")
{
	struct pr w;
	char *out = NULL;
	int ok = setup(&w) == 0;
	if (ok)
		path(&w);
	daemon_stop(&w);
	CHECK(ok);
	CHECK_INT(harness_run(&out, "%s %s/data/ledger.db", VERIFY, w.dir), ==, 0);
	free(out);
}
