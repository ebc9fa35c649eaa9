/*
 * inputs.h: the draw inputs, everything the commitment entry fixes before
 * any randomness exists (docs/draw-spec.md section 4): the task, the three
 * pools by hash, a substitution's reference to the draw it replaces, the
 * parameters, the beacon rounds, the deadline, the per-stratum rules, the
 * exclusions and the declared conflicts. Pure code: no I/O, no globals.
 *
 * The caller fills a struct draw_spec (plain data, all pointers borrowed)
 * and encodes it; the encoding is what the ledger stores and hashes, and
 * every later step works on draw_inputs_decode() of those bytes, so nothing
 * is ever re-encoded before it is hashed. Lists must be given in canonical
 * order (strictly ascending, so no duplicates): the library refuses, and
 * never sorts, what it is given; draw_spec_*_cmp below are the orders.
 *
 * The encoding, all integers big-endian; str8 is a u8 length then bytes:
 *
 *   SIZE  DESCRIPTION
 *      4  magic "SJDI"
 *      1  version, 1
 *   str8  task identifier (identifier, 1..DRAW_MAX_ID)
 *     32  object pool hash
 *     32  officer pool hash
 *     32  expert pool hash
 *      1  replaces: 0, or 1 followed by
 *           32  entry hash of the replaced draw's commitment entry
 *         str8  reason (text, 1..255 bytes)
 *      1  rounding (enum draw_rounding)
 *      1  team size, DRAW_MIN_TEAM..DRAW_MAX_TEAM (R11: at least 2)
 *      2  slot size, 1..65535 objects visited in one slot
 *      1  flags: bit 0, an officer may sit in two teams of one slot;
 *         bit 1, team agencies follow (a joint check, R14); other bits 0
 *         when bit 1:
 *            1  A: number of team agencies, 1..DRAW_MAX_TEAM_AGENCIES
 *            A  x str8 agency identifier, strictly ascending
 *      8  deadline, microseconds since the epoch, signed, > 0
 *      1  B: number of beacon rounds, 1..DRAW_MAX_BEACONS
 *      B  x (str8 source identifier, u64 round), no pair twice
 *      2  S: number of rules, 1..DRAW_MAX_STRATA, strictly ascending by
 *         stratum; each:
 *         str8  stratum name
 *            1  kind: 1 ratio, 2 fixed count
 *            4  ratio numerator, or the count
 *            4  ratio denominator 1..DRAW_MAX_DEN (>= numerator), or 0
 *            1  number of officer tags required, 0..DRAW_MAX_RULE_TAGS,
 *               then that many str8 tag names, strictly ascending
 *            1  experts per drawn object, 0..DRAW_MAX_EXPERTS
 *            1  number of expert tags required, then str8 names as above
 *      4  X: number of exclusions, 0..DRAW_MAX_LIST, strictly ascending
 *         by (kind, id); each: u8 kind, str8 id, u8 reason (enum
 *         draw_reason), str8 note (text, 0..255 bytes)
 *      4  C: number of conflicts, 0..DRAW_MAX_LIST, strictly ascending by
 *         (kind, object, person); each: u8 kind (2 officer, 3 expert),
 *         str8 object id, str8 person id
 *
 * and nothing after. Inputs hash: SHA-256("suiji draw inputs v1" || 0x00 ||
 * encoding).
 */
#ifndef SUIJI_DRAW_INPUTS_H
#define SUIJI_DRAW_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "draw/objects.h"
#include "draw/people.h"

#define DRAW_MIN_TEAM      2
#define DRAW_MAX_TEAM      16
#define DRAW_MAX_EXPERTS   16
#define DRAW_MAX_BEACONS   8
#define DRAW_MAX_RULE_TAGS 16
#define DRAW_MAX_DEN       1000000000u
#define DRAW_MAX_TEXT      255
#define DRAW_MAX_LIST      10000000u
/* A joint team has team size officers per agency, and the result counts a
 * team's officers in one byte: 15 x DRAW_MAX_TEAM = 240 fit. */
#define DRAW_MAX_TEAM_AGENCIES 15
/* Decoders refuse a larger inputs encoding before looking inside. */
#define DRAW_MAX_INPUTS_BYTES ((size_t)256 * 1024 * 1024)

/* How a ratio becomes a count (R7), in integer arithmetic (spec 5.2). */
enum draw_rounding {
	DRAW_ROUND_CEIL = 1,    /* ceil(n * num / den) */
	DRAW_ROUND_FLOOR = 2,   /* floor(n * num / den) */
	DRAW_ROUND_HALF_UP = 3, /* floor(n * num / den + 1/2) */
};

enum draw_rule_kind {
	DRAW_RULE_RATIO = 1,
	DRAW_RULE_COUNT = 2,
};

/* Why a pool member takes no part in this draw. The values are on the
 * wire; DRAW_REASON_OTHER needs a note. */
enum draw_reason {
	DRAW_REASON_DEREGISTERED = 1,  /* 注销/吊销/撤销/迁出 (R1, R6) */
	DRAW_REASON_ANNUAL_CAP = 2,    /* two checks this year already (R9) */
	DRAW_REASON_SUPERIOR = 3,      /* checked by a superior agency (R9) */
	DRAW_REASON_OTHER_UNIT = 4,    /* checked by another unit (R9) */
	DRAW_REASON_HANDLED = 5,       /* individual lead handled outside (R10) */
	DRAW_REASON_ALREADY_DRAWN = 6, /* drawn by the draw this one replaces */
	DRAW_REASON_REPLACED = 7,      /* the person being replaced (补抽) */
	DRAW_REASON_UNAVAILABLE = 8,   /* on leave, ill, seconded (R11) */
	DRAW_REASON_OTHER = 9,         /* see the note */
};
#define DRAW_REASON_MAX 9

struct draw_beacon_ref {
	const char *source; /* identifier of the beacon source */
	uint64_t round;
};

struct draw_rule {
	const char *stratum;
	enum draw_rule_kind kind;
	uint32_t num;                    /* ratio numerator, or the fixed count */
	uint32_t den;                    /* ratio denominator; 0 for a fixed count */
	const char *const *officer_tags; /* officers need all of them (R13) */
	size_t n_officer_tags;
	unsigned experts; /* experts per drawn object (R2, R13), 0 for none */
	const char *const *expert_tags;
	size_t n_expert_tags;
};

struct draw_exclusion {
	enum draw_kind kind;
	const char *id;
	enum draw_reason reason;
	const char *note; /* "" when none */
};

struct draw_conflict {
	enum draw_kind kind; /* DRAW_OFFICER or DRAW_EXPERT */
	const char *object;
	const char *person;
};

/* Plain data, every pointer borrowed, strings NUL-terminated. */
struct draw_spec {
	const char *task;
	uint8_t object_pool[DRAW_HASH_SIZE];
	uint8_t officer_pool[DRAW_HASH_SIZE];
	uint8_t expert_pool[DRAW_HASH_SIZE];
	int replaces;                           /* 1 for a substitution (补抽) */
	uint8_t replaced_entry[DRAW_HASH_SIZE]; /* when replaces */
	const char *replace_reason;             /* when replaces */
	enum draw_rounding rounding;
	unsigned team_size;
	unsigned slot_size;
	int officer_repeat_in_slot;
	/* A joint cross-agency check (R14, 人员一次性选派): every team has
	 * team_size officers of each of these agencies, in this order, which
	 * is strictly ascending (draw_spec_name_cmp). NULL and 0 when teams
	 * are drawn from the whole officer pool. */
	const char *const *team_agencies;
	size_t n_team_agencies;
	int64_t deadline_us;
	const struct draw_beacon_ref *beacons;
	size_t n_beacons;
	const struct draw_rule *rules;
	size_t n_rules;
	const struct draw_exclusion *exclusions;
	size_t n_exclusions;
	const struct draw_conflict *conflicts;
	size_t n_conflicts;
};

struct draw_inputs;

/* The word of a reason as spec files and reports write it
 * ("deregistered", "annual-cap", ...), or NULL for an unknown value. */
const char *draw_reason_name(unsigned reason);
/* The reason whose word is name. Errors: SJ_ENOENT. */
SJ_WUR int draw_reason_parse(enum draw_reason *out, const char *name);

/* The canonical orders, for qsort; negative, zero or positive. */
int draw_spec_exclusion_cmp(const void *a, const void *b);
int draw_spec_conflict_cmp(const void *a, const void *b);
int draw_spec_rule_cmp(const void *a, const void *b);
/* Identifier order over an array of const char * (tags, team agencies). */
int draw_spec_name_cmp(const void *a, const void *b);

/*
 * Checks s and encodes it into a malloc'd buffer. It checks the form only
 * (lengths, ranges, order, R11's team of at least two, non-zero
 * denominators); whether the inputs fit the pools is draw_derive_check's
 * work. Errors: SJ_EINVAL (the first problem, named in err), SJ_ENOMEM.
 */
SJ_WUR int draw_inputs_encode(uint8_t **out, size_t *len, const struct draw_spec *s, char *err,
                              size_t err_cap);

/*
 * Decodes and checks bytes[0..len) (copied). Errors: SJ_ERANGE (len above
 * DRAW_MAX_INPUTS_BYTES, checked first), SJ_EINVAL (malformed or not
 * canonical, named in err), SJ_ENOMEM.
 */
SJ_WUR int draw_inputs_decode(struct draw_inputs **out, const uint8_t *bytes, size_t len, char *err,
                              size_t err_cap);

void draw_inputs_free(struct draw_inputs *in);

/* The decoded inputs as a spec (borrowed from in; strings NUL-terminated).
 * Encoding it again gives exactly the decoded bytes. */
const struct draw_spec *draw_inputs_spec(const struct draw_inputs *in);
const uint8_t *draw_inputs_bytes(const struct draw_inputs *in, size_t *len);
/* The inputs hash (borrowed). */
const uint8_t *draw_inputs_hash(const struct draw_inputs *in);

#endif
