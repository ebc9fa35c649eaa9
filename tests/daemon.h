/*
 * daemon.h: the real `suijid run` for tests that talk to it over RPC.
 */
#ifndef SUIJI_TESTS_DAEMON_H
#define SUIJI_TESTS_DAEMON_H

#include <sys/types.h>

/* How long a start may take under the sanitizers. */
#define TDAEMON_WAIT_MS 10000

/*
 * Starts `suijid -d data run` (the binary under test) with its standard
 * output in out (made anew) and its log appended to log, and waits until
 * it says it listens on TCP. Returns 0 with its process in *pid and its
 * port in *port; -1 when it exits or says nothing in time (*pid is then 0
 * if it exited, or still running for the caller to stop).
 */
int tdaemon_start(pid_t *pid, const char *data, const char *out, const char *log, int *port);

#endif
