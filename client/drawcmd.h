/*
 * drawcmd.h: the draw commands over RPC: the beacon sources, a draw
 * request (read from a spec, encoded and signed here), and reading a draw,
 * which the client re-derives from its three entries by the ledger's own
 * rules (rules/draws.h) before it prints it. Each returns an exit status
 * (cli.h).
 */
#ifndef SUIJI_CLIENT_DRAWCMD_H
#define SUIJI_CLIENT_DRAWCMD_H

#include "client/cli.h"

int drawcmd_beacons(struct cli_session *s, const struct cli *a);

int drawcmd_request(struct cli_session *s, const struct cli *a);

int drawcmd_get(struct cli_session *s, const struct cli *a);

int drawcmd_wait(struct cli_session *s, const struct cli *a);

#endif
