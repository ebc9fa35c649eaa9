/*
 * vkeyfile.h: a verifier key as people pass it on a command line: the key
 * string itself (name+keyid+base64) or the name of a file holding it, as
 * `suijid log-key > log.vkey` and `suiji keygen` write them.
 */
#ifndef SUIJI_LEDGER_VKEYFILE_H
#define SUIJI_LEDGER_VKEYFILE_H

#include <stddef.h>

#include "common/err.h"
#include "ledger/note.h"

/* Parses arg, or the file it names (trailing newlines ignored). Errors:
 * SJ_EINVAL (not a verifier key), SJ_EIO (the file cannot be read); err
 * says which. */
SJ_WUR int vkeyfile_load(struct note_vkey *out, const char *arg, char *err, size_t err_cap);

#endif
