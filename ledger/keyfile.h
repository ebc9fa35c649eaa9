/*
 * keyfile.h: private key files (the log's checkpoint key, a witness's
 * cosigning key, a client's request key).
 *
 * A key file holds one private key string (note_sign.h) and a newline. It is
 * created with mode 0600 and O_EXCL, and a file that others can read is
 * refused, as ssh refuses such keys. The key is read straight into
 * sodium_malloc'd memory and the buffer is wiped.
 */
#ifndef SUIJI_LEDGER_KEYFILE_H
#define SUIJI_LEDGER_KEYFILE_H

#include <stdint.h>

#include "common/err.h"
#include "ledger/note_sign.h"

/*
 * Loads the key at path. When the file does not exist and create is
 * non-zero, generates a key named name of type type, writes it, and sets
 * *created (when not NULL). Errors: SJ_ENOENT (no file, create not set),
 * SJ_EPERM (group or other may read it), SJ_EINVAL (not a key), SJ_EIO,
 * SJ_ENOMEM; err says which file and why.
 */
SJ_WUR int keyfile_load(struct note_skey **out, const char *path, const char *name, uint8_t type,
			int create, int *created, char *err, size_t err_cap);

#endif
