/*
 * addckpt.h: the add-checkpoint request of C2SP tlog-witness
 * (c2sp.org/tlog-witness), apart from HTTP.
 *
 * The request body is
 *
 *   old <size of the tree this witness last cosigned, decimal>\n
 *   <base64 of a 32-byte hash>\n     0..MERKLE_MAX_PROOF lines: the RFC 9162
 *   ...                              consistency proof from the old size
 *   \n
 *   <the checkpoint, a signed note>
 *
 * and the answer one of:
 *   200  text/plain, the cosignature/v1 line
 *   400  a malformed request, or an old size above the checkpoint's size
 *   403  the checkpoint is not signed by the log's key, or is not a checkpoint
 *   404  no log with the checkpoint's origin is witnessed here
 *   409  text/x.tlog.size: "<the witness's size>\n"; the old size is not what
 *        this witness last cosigned, or the checkpoint is a fork at that size
 *   422  the consistency proof does not verify
 *   500  the state could not be written: nothing is cosigned
 *
 * A cosignature is handed out only after the state has moved on durably
 * (state.h), so no two answers of this witness, however many restarts lie
 * between them, can cosign two trees that are not consistent.
 */
#ifndef SUIJI_WITNESS_ADDCKPT_H
#define SUIJI_WITNESS_ADDCKPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/note_sign.h"
#include "witness/state.h"

#define ADDCKPT_MAX_BODY (NOTE_MAX_SIZE + 64 + MERKLE_MAX_PROOF * 45)

struct addckpt_reply {
	int status;
	const char *content_type; /* static */
	char body[1024];          /* NUL-terminated */
	char why[512];            /* for the witness's own log: what was refused */
};

/*
 * Answers one add-checkpoint request req[0..len) (borrowed, untrusted) for
 * the logs logs[0..nlogs) (their states are updated on a cosignature),
 * keeping state under dir and cosigning at time now with k. Always fills
 * *r; returns the status.
 */
int addckpt_handle(struct addckpt_reply *r, struct wstate_log *logs, size_t nlogs, const char *dir,
                   const struct note_skey *k, uint64_t now, const char *req, size_t len);

#endif
