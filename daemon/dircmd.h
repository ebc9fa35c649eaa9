/*
 * dircmd.h: suijid's directory import (R1, R2, R12):
 *   import KIND FILE --agency CODE [--dry-run] [--encoding utf8|gb18030]
 * KIND is objects, officers, experts or conflicts. The file is read and
 * checked in full (dir/import.h); any bad row refuses the whole file and
 * every bad row is printed with its line. --dry-run prints the diff against
 * the agency's directory as the ledger holds it and writes nothing;
 * otherwise the import is appended, split into parts when it exceeds one
 * entry, in one transaction. argv[0] is "import". Returns the exit code
 * (0, 1 refused, 2 usage or I/O).
 */
#ifndef SUIJI_DAEMON_DIRCMD_H
#define SUIJI_DAEMON_DIRCMD_H

int dircmd_main(const char *dir, int argc, char **argv);

#endif
