/*
 * factcmd.h: leads and unavailability over RPC (rules/facts.h,
 * docs/policy.md), signed for this client's agency:
 *   lead-add FILE.json                          an operator's lead (R10)
 *   unavailable-add FILE.json                   an operator declares (R11)
 *   unavailable-review ENTRY (--approve | --return NOTE)
 *                                               the legal reviewer's word
 * Each returns an exit status (cli.h).
 */
#ifndef SUIJI_CLIENT_FACTCMD_H
#define SUIJI_CLIENT_FACTCMD_H

#include "client/cli.h"

int factcmd_lead_add(struct cli_session *s, const struct cli *a);
int factcmd_unavailable_add(struct cli_session *s, const struct cli *a);
int factcmd_unavailable_review(struct cli_session *s, const struct cli *a);

#endif
