/*
 * daemon.h: the real `suijid run` and `suiji-beacon run` for tests that
 * talk to them over the network.
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

/* The same for `suiji-beacon run --dir dir --listen 127.0.0.1:0`, its
 * output in dir.out and dir.err. */
int tbeacon_start(pid_t *pid, const char *dir, int *port);

/* The same for `suiji-witness run --dir dir --listen 127.0.0.1:0`, its
 * output in dir.out and its log appended to dir.err. */
int twitness_start(pid_t *pid, const char *dir, int *port);

#endif
