/*
 * readcmd.h: the commands that read the ledger over RPC: status,
 * checkpoints, entries, proofs and a full export. Each returns an exit
 * status (cli.h).
 */
#ifndef SUIJI_CLIENT_READCMD_H
#define SUIJI_CLIENT_READCMD_H

#include "client/cli.h"

int readcmd_status(struct cli_session *s, const struct cli *a);

int readcmd_checkpoint(struct cli_session *s, const struct cli *a);

int readcmd_entry(struct cli_session *s, const struct cli *a);

int readcmd_prove_inclusion(struct cli_session *s, const struct cli *a);

int readcmd_prove_consistency(struct cli_session *s, const struct cli *a);

/*
 * The auditor's ledger export: every entry, fetched one request at a time,
 * and the latest checkpoint with its cosignatures, written in the export
 * format (docs/ledger.md section 7) for suiji-verify. The file is written
 * under a temporary name and renamed only when complete.
 */
int readcmd_export(struct cli_session *s, const struct cli *a);

#endif
