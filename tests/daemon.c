/* daemon.c: the real suijid and suiji-beacon for network tests (daemon.h). */
#include "tests/daemon.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/harness.h"

/*
 * Runs argv with standard output in out (made anew) and standard error in
 * log (appended to when append is set), and waits for a line of out that
 * scanf's format fmt reads a port from.
 */
static int start(pid_t *pid, char *const argv[], const char *out, const char *log, int append,
		 const char *fmt, int *port)
{
	int64_t end = util_now_us() / 1000 + TDAEMON_WAIT_MS;
	char line[256];

	unlink(out);
	*pid = fork();
	if (*pid < 0) {
		*pid = 0;
		return -1;
	}
	if (*pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
		int fe = open(log, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	while (util_now_us() / 1000 < end) {
		FILE *f = fopen(out, "r");
		*port = 0;
		while (f != NULL && fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, fmt, port) == 1)
				break;
		if (f != NULL)
			fclose(f);
		if (*port > 0)
			return 0;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return -1;
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return -1;
}

int tdaemon_start(pid_t *pid, const char *data, const char *out, const char *log, int *port)
{
	char *const argv[] = {(char *)harness_bin("suijid"), "-d", (char *)data, "run", NULL};
	return start(pid, argv, out, log, 1, "listening on tcp:127.0.0.1:%d", port);
}

int tbeacon_start(pid_t *pid, const char *dir, int *port)
{
	char out[600], err[600];
	char *const argv[] = {(char *)harness_bin("suiji-beacon"), "run", "--dir", (char *)dir,
			      "--listen", "127.0.0.1:0", NULL};
	snprintf(out, sizeof out, "%s.out", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	return start(pid, argv, out, err, 0, "listening on http://127.0.0.1:%d", port);
}

int twitness_start(pid_t *pid, const char *dir, int *port)
{
	char out[600], err[600];
	char *const argv[] = {(char *)harness_bin("suiji-witness"), "run", "--dir", (char *)dir,
			      "--listen", "127.0.0.1:0", NULL};
	snprintf(out, sizeof out, "%s.out", dir);
	snprintf(err, sizeof err, "%s.err", dir);
	return start(pid, argv, out, err, 1, "listening on http://127.0.0.1:%d", port);
}
