/*
 * proofcmd.h: "suiji-verify proof": checks one inclusion or consistency
 * proof against a signed checkpoint, so a business can check its own entry
 * without the whole ledger (docs/proofs.md).
 */
#ifndef SUIJI_VERIFIER_PROOFCMD_H
#define SUIJI_VERIFIER_PROOFCMD_H

#include "ledger/note.h"

/* argv[0] is "proof". Returns the process exit code (0, 1 or 2). */
int proofcmd_main(int argc, char **argv);

/* Loads a verifier key given as the key string or a file holding it;
 * returns 0, or 2 after printing why. */
int proofcmd_load_vkey(struct note_vkey *k, const char *arg, const char *what);

#endif
