/*
 * plancmd.h: suijid's item lists, plans and tasks (R3-R5, docs/plans.md):
 *   items publish FILE.json --agency CODE [--key FILE]
 *   plan submit FILE.json [--key FILE]
 *   plan review AGENCY PLAN VERSION (--approve | --return REASON) --key FILE
 *   plan file AGENCY PLAN VERSION --key FILE [--note TEXT]
 *   plan publish AGENCY PLAN VERSION [--key FILE]
 *   task create FILE.json [--key FILE]
 * Without --key the log operator writes the entry; with it, the entry is
 * signed by that client key for the agency it was registered for, as an
 * RPC request would be, so the ledger's role rules (rules/plans.h) apply to
 * that client. argv[0] is "items", "plan" or "task". Returns the exit code
 * (0, 1 refused, 2 usage or I/O).
 */
#ifndef SUIJI_DAEMON_PLANCMD_H
#define SUIJI_DAEMON_PLANCMD_H

int plancmd_main(const char *dir, int argc, char **argv);

#endif
