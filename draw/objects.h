/*
 * objects.h: the object pool, the frozen and sorted list of inspection
 * objects (R1) a draw selects from, each with its stratum (R7). Pure code:
 * no I/O, no globals.
 *
 * A pool is built once, either member by member (draw_objects_new, _add,
 * _seal) or by decoding stored bytes (draw_objects_decode), and is then
 * read-only. In memory it is its own canonical encoding, about
 * 2 + id length bytes per object, so 10^7 objects of 18 bytes take 200 MB
 * and nothing else per object; the derivation streams over it.
 *
 * The encoding, all integers big-endian (docs/draw-spec.md section 3.2):
 *
 *   SIZE  DESCRIPTION
 *      4  magic "SJOP"
 *      1  version, 1
 *      2  S: number of strata, 1..DRAW_MAX_STRATA
 *      S  x (u8 length 1..DRAW_MAX_NAME, stratum name), names strictly
 *         ascending in identifier order
 *      4  N: number of objects, 0..DRAW_MAX_OBJECTS
 *      N  x (u8 length 1..DRAW_MAX_ID, identifier, u8 stratum index < S),
 *         identifiers strictly ascending in identifier order
 *
 * and nothing after. Identifiers and names are printable ASCII without
 * space (0x21..0x7e); identifier order compares bytes, a proper prefix
 * first. Strictly ascending means sorted and without duplicates: the
 * library never sorts what it is given, it refuses it (spec 3.1).
 *
 * Pool hash: SHA-256("suiji object pool v1" || 0x00 || encoding).
 */
#ifndef SUIJI_DRAW_OBJECTS_H
#define SUIJI_DRAW_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define DRAW_HASH_SIZE   32
#define DRAW_MAX_ID      64
#define DRAW_MAX_NAME    32
#define DRAW_MAX_STRATA  255
#define DRAW_MAX_OBJECTS 100000000u
/* Decoders refuse a larger object pool encoding before looking inside. */
#define DRAW_MAX_OBJECTS_BYTES ((size_t)DRAW_MAX_OBJECTS * (DRAW_MAX_ID + 2) + 8192)

struct draw_objects;

/*
 * Starts a pool over the strata names[0..n) (copied; strictly ascending,
 * 1..DRAW_MAX_STRATA of them). expect is how many objects the caller
 * expects, used only to size the buffer once (0 if unknown). Errors:
 * SJ_EINVAL (a name malformed or out of order, named in err), SJ_ENOMEM.
 */
SJ_WUR int draw_objects_new(struct draw_objects **out, const char *const *names, size_t n,
                            size_t expect, char *err, size_t err_cap);

/*
 * Appends the object id (NUL-terminated, copied) in stratum index stratum.
 * Objects must come in strictly ascending identifier order. Errors:
 * SJ_EINVAL (malformed or over-long id, id not after the previous one,
 * i.e. unsorted or a duplicate, unknown stratum, pool already sealed),
 * SJ_ERANGE (more than DRAW_MAX_OBJECTS), SJ_ENOMEM. On error the pool is
 * unchanged.
 */
SJ_WUR int draw_objects_add(struct draw_objects *p, const char *id, unsigned stratum, char *err,
                            size_t err_cap);

/* Ends building: fixes the count and computes the pool hash. Idempotent.
 * Errors: SJ_ENOMEM from an earlier failed append. */
SJ_WUR int draw_objects_seal(struct draw_objects *p);

/*
 * Decodes and checks bytes[0..len) (copied) into a sealed pool. Errors:
 * SJ_ERANGE (len above DRAW_MAX_OBJECTS_BYTES, checked first), SJ_EINVAL
 * (malformed, reason in err), SJ_ENOMEM.
 */
SJ_WUR int draw_objects_decode(struct draw_objects **out, const uint8_t *bytes, size_t len,
                               char *err, size_t err_cap);

void draw_objects_free(struct draw_objects *p);

/* The canonical encoding (borrowed; valid until free) of a sealed pool. */
const uint8_t *draw_objects_bytes(const struct draw_objects *p, size_t *len);
/* The pool hash of a sealed pool (borrowed). NULL before sealing. */
const uint8_t *draw_objects_hash(const struct draw_objects *p);
size_t draw_objects_count(const struct draw_objects *p);
size_t draw_objects_nstrata(const struct draw_objects *p);
/* Stratum name i (NUL-terminated, borrowed). */
const char *draw_objects_stratum(const struct draw_objects *p, size_t i);
/* Index of the stratum called name[0..len), or -1. */
int draw_objects_find_stratum(const struct draw_objects *p, const char *name, size_t len);

/*
 * Iterates in identifier order: set *cursor to 0 first; each call returns 1
 * and the next object (id not NUL-terminated, borrowed from the pool;
 * *offset is the object's byte offset, a stable handle), or 0 at the end.
 */
int draw_objects_next(const struct draw_objects *p, size_t *cursor, const char **id, size_t *id_len,
                      unsigned *stratum, size_t *offset);
/* The object at byte offset off, as returned by draw_objects_next. */
void draw_objects_at(const struct draw_objects *p, size_t off, const char **id, size_t *id_len,
                     unsigned *stratum);

#endif
