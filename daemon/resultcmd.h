/*
 * resultcmd.h: suijid's calendar and result commands.
 *
 *   calendar add FILE...      pin official working-day calendars (R15)
 *   result ACTION [FILE.json] [--agency A] [--task-agency A] [--task T]
 *          [--object O] [--reason TEXT] [--key FILE]
 *                             one step of a result (R15, R16, R19)
 *   results [--today DATE]    every result, its state, due day, overdue
 *
 * Returns the exit code: 0, 1 (refused by the ledger's rules), 2 (usage
 * or I/O).
 */
#ifndef SUIJI_DAEMON_RESULTCMD_H
#define SUIJI_DAEMON_RESULTCMD_H

int resultcmd_main(const char *dir, int argc, char **argv);

#endif
