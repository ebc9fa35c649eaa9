/* daemon.c: the real suijid for RPC tests (daemon.h). */
#include "tests/daemon.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/harness.h"

int tdaemon_start(pid_t *pid, const char *data, const char *out, const char *log, int *port)
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
		int fe = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execl(harness_bin("suijid"), "suijid", "-d", data, "run", (char *)NULL);
		_exit(127);
	}
	while (util_now_us() / 1000 < end) {
		FILE *f = fopen(out, "r");
		*port = 0;
		while (f != NULL && fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "listening on tcp:127.0.0.1:%d", port) == 1)
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
