/*
 * cmdutil.h: what every suijid operator command (drawcmd.c, dircmd.c,
 * plancmd.c) needs: options from argv, the data directory's ledger opened
 * only if it verifies, and the one mapping from error codes to exit codes
 * (0 success, 1 a check failed or was refused, 2 usage or I/O).
 */
#ifndef SUIJI_DAEMON_CMDUTIL_H
#define SUIJI_DAEMON_CMDUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/store.h"

/* The value after option name in argv[1..argc), or NULL. */
const char *cmdutil_arg(int argc, char **argv, const char *name);
/* Whether the flag name is in argv[1..argc). */
int cmdutil_flag(int argc, char **argv, const char *name);
/* Opens DIR/ledger.db; a ledger that does not verify is closed and refused;
 * one opened for writing gets the log key as its signer. Returns an exit code: 0, 1 (does not
 * verify) or 2 (cannot open), after saying why on stderr. */
int cmdutil_open_store(struct ledger_store **s, const char *dir, int flags);
/* Gives a store opened for writing DIR/log.key as its signer (every entry
 * carries the log's signature: ledger/entry.h). Returns an exit code: 0, 1
 * (not this log's key) or 2 (no key file), after saying why on stderr. */
int cmdutil_load_signer(struct ledger_store *s, const char *dir);
/* The exit code for an SJ_* result. */
int cmdutil_exit_code(int rc);
/* Appends one entry of type with payload to DIR's ledger: unsigned by the
 * log operator for agency, or, when keypath is set, signed by that client
 * for the agency it was registered for. Prints the entry, or why it was
 * refused (naming what), and returns the exit code. */
int cmdutil_append(const char *dir, uint32_t type, const char *agency, const uint8_t *payload,
                   size_t len, const char *keypath, const char *what);

#endif
