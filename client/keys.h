/*
 * keys.h: the key commands every party needs (keygen, pubkey) and the
 * witness's cosign, which cosigns a checkpoint only after checking that the
 * log signed it and that it extends the last one this witness cosigned.
 * Each takes main's argv and returns an exit status.
 */
#ifndef SUIJI_CLIENT_KEYS_H
#define SUIJI_CLIENT_KEYS_H

#include "ledger/note.h"

int keys_keygen(int argc, char **argv);

int keys_pubkey(int argc, char **argv);

int keys_load_vkey(struct note_vkey *k, const char *arg);

int keys_cosign(int argc, char **argv);

#endif
