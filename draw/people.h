/*
 * people.h: the officer pool (R2, R11, R13) and the expert pool (R2): the
 * frozen, sorted list of people a draw may assign, each with the agency
 * they belong to and their qualification and specialty tags. Officers and
 * experts share this format and live in two separate pools, so an expert
 * can never be counted as an officer (R2, 国办发〔2024〕54号). Pure code:
 * no I/O, no globals.
 *
 * The encoding, all integers big-endian (docs/draw-spec.md section 3.3):
 *
 *   SIZE  DESCRIPTION
 *      4  magic "SJPP"
 *      1  version, 1
 *      1  kind: 2 officers, 3 experts (enum draw_kind)
 *      2  T: number of tags, 0..DRAW_MAX_TAGS
 *      T  x (u8 length 1..DRAW_MAX_NAME, tag), strictly ascending
 *      2  A: number of agencies, 0..DRAW_MAX_AGENCIES
 *      A  x (u8 length 1..DRAW_MAX_ID, agency code), strictly ascending
 *      4  M: number of people, 0..DRAW_MAX_PEOPLE (M > 0 needs A > 0)
 *      M  x (u8 length 1..DRAW_MAX_ID, identifier, u8 agency index < A,
 *            u8 t, t x u8 tag index < T strictly ascending),
 *         identifiers strictly ascending
 *
 * and nothing after. Names and identifiers follow the rules of objects.h.
 * Pool hash: SHA-256("suiji people pool v1" || 0x00 || encoding); the kind
 * byte inside keeps an officer pool from passing for an expert pool.
 */
#ifndef SUIJI_DRAW_PEOPLE_H
#define SUIJI_DRAW_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "draw/objects.h"

#define DRAW_MAX_TAGS         255
#define DRAW_MAX_AGENCIES     255
#define DRAW_MAX_PEOPLE       100000u
#define DRAW_MAX_PEOPLE_BYTES ((size_t)DRAW_MAX_PEOPLE * (DRAW_MAX_ID + 3 + DRAW_MAX_TAGS) + 32768)

/* What a list entry or pool refers to. The values are on the wire. */
enum draw_kind {
	DRAW_OBJECT = 1,
	DRAW_OFFICER = 2,
	DRAW_EXPERT = 3,
};

struct draw_people;

/*
 * Starts a pool of kind DRAW_OFFICER or DRAW_EXPERT over the tag names
 * tags[0..ntags) and agency codes agencies[0..nagencies) (copied; each list
 * strictly ascending). expect sizes the buffer (0 if unknown). Errors:
 * SJ_EINVAL (named in err), SJ_ENOMEM.
 */
SJ_WUR int draw_people_new(struct draw_people **out, enum draw_kind kind, const char *const *tags,
                           size_t ntags, const char *const *agencies, size_t nagencies,
                           size_t expect, char *err, size_t err_cap);

/*
 * Appends a person: id (NUL-terminated, copied), agency index, and tag
 * indices tags[0..ntags) strictly ascending. People come in strictly
 * ascending identifier order. Errors: SJ_EINVAL (malformed, unsorted,
 * duplicate, unknown agency or tag, sealed), SJ_ERANGE (more than
 * DRAW_MAX_PEOPLE), SJ_ENOMEM. On error the pool is unchanged.
 */
SJ_WUR int draw_people_add(struct draw_people *p, const char *id, unsigned agency,
                           const unsigned *tags, size_t ntags, char *err, size_t err_cap);

/* Ends building and computes the hash. Idempotent. Errors: SJ_ENOMEM. */
SJ_WUR int draw_people_seal(struct draw_people *p);

/* Decodes and checks bytes[0..len) (copied) into a sealed pool. Errors:
 * SJ_ERANGE (len above DRAW_MAX_PEOPLE_BYTES, checked first), SJ_EINVAL
 * (malformed, reason in err), SJ_ENOMEM. */
SJ_WUR int draw_people_decode(struct draw_people **out, const uint8_t *bytes, size_t len, char *err,
                              size_t err_cap);

void draw_people_free(struct draw_people *p);

const uint8_t *draw_people_bytes(const struct draw_people *p, size_t *len);
/* NULL before sealing. */
const uint8_t *draw_people_hash(const struct draw_people *p);
enum draw_kind draw_people_kind(const struct draw_people *p);
size_t draw_people_count(const struct draw_people *p);
/* Person i's identifier (NUL-terminated, borrowed). */
const char *draw_people_id(const struct draw_people *p, size_t i);
/* Person i's agency code (NUL-terminated, borrowed). */
const char *draw_people_agency(const struct draw_people *p, size_t i);
/* Person i's agency as an index into the pool's agency list. */
unsigned draw_people_agency_index(const struct draw_people *p, size_t i);
/* Index of the agency code name[0..len) in the pool's list, or -1. */
int draw_people_find_agency(const struct draw_people *p, const char *name, size_t len);
/* 1 when person i has tag index t. */
int draw_people_has_tag(const struct draw_people *p, size_t i, unsigned t);
/* 1 when person i has every tag in mask, a set of tag indices (bit t of
 * mask[t / 64] stands for tag t). */
int draw_people_qualified(const struct draw_people *p, size_t i, const uint64_t mask[4]);
/* Index of the person id[0..len) or of the tag name[0..len), or -1. */
long draw_people_find(const struct draw_people *p, const char *id, size_t len);
int draw_people_find_tag(const struct draw_people *p, const char *name, size_t len);
size_t draw_people_ntags(const struct draw_people *p);
const char *draw_people_tag(const struct draw_people *p, size_t t);

#endif
