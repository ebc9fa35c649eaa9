/*
 * serve.h: the suiji-beacon service: its data directory, the durable store
 * of rounds, the producer that signs each round when it is due, and the
 * HTTP server that publishes them. Linked only into suiji-beacon: it holds
 * the beacon's signing key.
 *
 * A data directory holds:
 *   beacon.key   the beacon's Ed25519 key (ledger/keyfile.h, mode 0600)
 *   chain.json   the chain info, exactly as GET /info serves it (round.h)
 *   beacon.db    SQLite, WAL, synchronous=FULL:
 *                  chain(hash BLOB)    the chain hash, one row
 *                  rounds(round INTEGER PRIMARY KEY, signature BLOB,
 *                         previous_signature BLOB, produced_us INTEGER)
 *                every table append-only (triggers refuse UPDATE and
 *                DELETE), rounds appended strictly in order from 1.
 * The randomness of a round is not stored: it is SHA-256(signature).
 *
 * Every function runs on the calling thread; serve_run owns its libuv loop.
 */
#ifndef SUIJI_BEACON_SERVE_H
#define SUIJI_BEACON_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/round.h"
#include "common/err.h"

#define SERVE_MAX_REQUEST 4096 /* bytes of one HTTP request head */
#define SERVE_MAX_CONNS   64   /* connections open at once */
#define SERVE_IDLE_MS     5000 /* a connection's whole life, at most */
#define SERVE_BATCH       256  /* rounds produced per transaction */

/*
 * Creates the beacon in dir (made 0700 if absent): its key, its database
 * and, last, chain.json, whose presence marks an initialised beacon.
 * genesis_time is round 1's due time (seconds since the Unix epoch).
 * Errors: SJ_EEXIST (already initialised), SJ_EINVAL (period or genesis out
 * of range), SJ_EIO, SJ_EPERM (a key file others may read), SJ_ENOMEM; err
 * says which file and why.
 */
SJ_WUR int serve_init(const char *dir, uint32_t period, int64_t genesis_time, char *err,
                      size_t err_cap);

struct serve_store; /* opaque: an open beacon directory (chain and rounds) */

/* Opens dir's chain.json and beacon.db (read-only when readonly is set) and
 * checks that they belong together. Errors: SJ_ENOENT (not initialised),
 * SJ_EIO, SJ_EVERIFY (chain.json does not verify or is another chain's),
 * SJ_ENOMEM. */
SJ_WUR int serve_store_open(struct serve_store **out, const char *dir, int readonly, char *err,
                            size_t err_cap);
void serve_store_close(struct serve_store *s);

/* The chain (borrowed; lives as long as s) and its info JSON (borrowed,
 * NUL-terminated, *len bytes). */
const struct beacon_chain *serve_store_chain(const struct serve_store *s);
const char *serve_store_info(const struct serve_store *s, size_t *len);

/* The highest stored round (0 when none). Errors: SJ_EIO. */
SJ_WUR int serve_store_last(struct serve_store *s, uint64_t *round);

/* Reads stored round n into *out (randomness derived) and when produced_us
 * is not NULL the time it was stored. Errors: SJ_ENOENT, SJ_EIO. */
SJ_WUR int serve_store_get(struct serve_store *s, uint64_t n, struct beacon_round *out,
                           int64_t *produced_us);

/*
 * Runs the beacon in dir until SIGINT or SIGTERM: resumes the chain after
 * the last stored round, producing every round whose due time has passed
 * (late ones at once, in order) and each later one when it falls due, and
 * serves GET /info, /public/latest and /public/N on listen
 * ("IPv4:PORT" or "[IPv6]:PORT"; port 0 picks a free one). Once listening
 * it prints "listening on http://ADDR:PORT" on stdout. Returns SJ_OK after a
 * clean shutdown (every handle closed, uv_loop_close() == 0), or an error
 * from start-up with err saying why.
 */
SJ_WUR int serve_run(const char *dir, const char *listen, char *err, size_t err_cap);

#endif
