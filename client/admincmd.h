/*
 * admincmd.h: the administrator's registrations over RPC: agencies,
 * clients, revocations, witnesses. Each returns an exit status (cli.h).
 */
#ifndef SUIJI_CLIENT_ADMINCMD_H
#define SUIJI_CLIENT_ADMINCMD_H

#include "client/cli.h"

int admincmd_register_agency(struct cli_session *s, const struct cli *a);

int admincmd_register_client(struct cli_session *s, const struct cli *a);

int admincmd_revoke_client(struct cli_session *s, const struct cli *a);

int admincmd_add_witness(struct cli_session *s, const struct cli *a);

#endif
