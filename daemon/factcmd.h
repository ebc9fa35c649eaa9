/*
 * factcmd.h: suijid's leads and unavailability (rules/facts.h,
 * docs/policy.md):
 *   lead add FILE.json [--agency CODE] [--key FILE]
 *   unavailable add FILE.json [--agency CODE] [--key FILE]
 *   unavailable review ENTRY (--approve | --return NOTE) --key FILE
 * Without --key the log operator writes the entry; with it, the entry is
 * signed by that client key for the agency it was registered for, as an
 * RPC request would be, so the ledger's role rules apply to that client.
 * argv[0] is "lead" or "unavailable". Returns the exit code (0, 1
 * refused, 2 usage or I/O).
 */
#ifndef SUIJI_DAEMON_FACTCMD_H
#define SUIJI_DAEMON_FACTCMD_H

int factcmd_main(const char *dir, int argc, char **argv);

#endif
