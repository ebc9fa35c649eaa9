/*
 * drawcmd.h: suijid's operator commands for beacon sources and draws:
 *   add-beacon --id ID (--url URL | --chain FILE | --manual) [--margin-ms N] [--note T]
 *   draw request SPEC.json
 *   draw reveal REQUEST_SEQ [--wait] [--round FILE]...
 *   draw status
 *   draw show REQUEST_SEQ
 * argv[0] is the command. Returns the exit code (0, 1 refused or failed
 * check, 2 usage or I/O).
 */
#ifndef SUIJI_DAEMON_DRAWCMD_H
#define SUIJI_DAEMON_DRAWCMD_H

int drawcmd_main(const char *dir, int argc, char **argv);

#endif
