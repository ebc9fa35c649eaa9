/*
 * fetch.h: fetching beacon documents over plain HTTP/1.1: a suiji-beacon's
 * (or a drand relay's) /info and /public/N. Blocking, one request per
 * connection, a deadline on the whole exchange and a cap on the size read.
 * It holds no key and signs nothing, so the verifier may link it.
 *
 * No TLS: the transport is not what a round's trust rests on. A
 * suiji-beacon round is verified against the pinned public key, so a
 * tampering network can only withhold rounds. A drand round's BLS signature
 * is not checked (round.h), so a drand round fetched over plain HTTP is
 * only as good as the path it came by; docs/beacon.md says what follows.
 *
 * URLs are "http://HOST:PORT[/prefix]" where HOST is a numeric IPv4
 * address, a bracketed numeric IPv6 address or "localhost": no name is
 * resolved, so a fetch never waits on DNS.
 */
#ifndef SUIJI_BEACON_FETCH_H
#define SUIJI_BEACON_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/round.h"
#include "common/err.h"

#define BEACON_FETCH_MAX_HEADER 8192 /* bytes of status line and headers */

/*
 * GETs url and waits at most timeout_ms for the whole response. On SJ_OK,
 * *status is the HTTP status and *body (malloc'd, NUL-terminated, *len
 * bytes without the NUL) the body, whatever the status.
 * Errors (err says why): SJ_EINVAL (a URL this client does not fetch),
 * SJ_EIO (connect, send or receive failed, the deadline passed, or the
 * response is not HTTP/1.x with a body it can read: chunked encoding is
 * refused), SJ_ERANGE (the body exceeds max_body bytes), SJ_ENOMEM.
 * On failure *body is NULL.
 */
SJ_WUR int beacon_fetch(char **body, size_t *len, int *status, const char *url, int timeout_ms,
                        size_t max_body, char *err, size_t err_cap);

/* GETs base/info and parses it (beacon_chain_parse). Errors: those of
 * beacon_fetch and beacon_chain_parse; SJ_EIO for a status other than 200. */
SJ_WUR int beacon_fetch_chain(struct beacon_chain *out, const char *base, int timeout_ms, char *err,
                              size_t err_cap);

/* GETs base/public/N (base/public/latest when round is 0) and parses it
 * (beacon_round_parse); it is not verified here. Errors: SJ_ENOENT (404:
 * not produced yet), those of beacon_fetch and beacon_round_parse, SJ_EIO
 * for another status, SJ_EVERIFY when the round is not the one asked for. */
SJ_WUR int beacon_fetch_round(struct beacon_round *out, const char *base, uint64_t round,
                              int timeout_ms, char *err, size_t err_cap);

#endif
