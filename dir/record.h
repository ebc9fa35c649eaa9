/*
 * record.h: the records of the directories (两库, R1 and R2) and of the
 * declared conflicts of interest (R12), as plain C structs; the table of
 * their fields; their canonical byte encoding and hash. Pure code: no I/O,
 * no globals but constant tables.
 *
 * The encoding is what a ledger entry or a snapshot hashes and stores; a
 * record is never re-encoded from a decoded form before it is compared
 * with stored bytes. All integers are big-endian. docs/import.md has the
 * same tables.
 *
 *   SIZE  DESCRIPTION
 *      4  magic "SJDR"
 *      1  version, 1
 *      1  kind (enum record_kind)
 *    ...  the kind's fields, in the order of its table below, each as its
 *         type says:
 *           id     u8 length 1..64, bytes 0x21..0x7e (a draw identifier)
 *           name   u8 length 1..32, bytes 0x21..0x7e (a draw name)
 *           text   u16 length 0..max, UTF-8 without control characters
 *                  (no byte below 0x20, no 0x7f); max is per field
 *           enum   u8, one of the field's values
 *           ids, names, labels
 *                  u8 count 0..max, then each item as u8 length and bytes:
 *                  ids and names as above, labels 1..64 bytes of text
 *                  holding none of the list separators ; ； 、; items
 *                  strictly ascending in byte order (memcmp, a proper
 *                  prefix first), so a set has one encoding
 *
 *   object (1)     id uscc, text name (256), text category (128), text
 *                  address (512), text legal_representative (128), text
 *                  phone (64), enum status, name risk_class, text
 *                  credit_level (64), labels tags (64), text district
 *                  (128), ids agencies (64)
 *   officer (2)    id certificate, text name (128), id agency, names
 *                  qualifications (64), names specialties (64), enum status
 *   expert (3)     id expert_id, text name (128), id organisation, names
 *                  qualifications (64), names specialties (64), enum status
 *   conflict (4)   enum person_kind, id object, id certificate, text
 *                  reason (512), text declared_by (128)
 *
 * Enum values: object status 1 active (存续/在业), 2 deregistered (注销),
 * 3 revoked (吊销), 4 cancelled (撤销), 5 moved (迁出); officer and expert
 * status 1 active, 2 suspended, 3 left; person_kind 2 officer, 3 expert
 * (the values of enum draw_kind).
 *
 * An encoding is valid if and only if: the magic, version and kind match;
 * every field is present and as its type says; required fields (the id,
 * name and the other fields marked required in the table) are not empty;
 * and nothing follows the last field. The decoder enforces exactly this by
 * decoding, checking and encoding again, comparing the bytes.
 *
 * Record hash: SHA-256("suiji directory record v1" || 0x00 || encoding).
 */
#ifndef SUIJI_DIR_RECORD_H
#define SUIJI_DIR_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define RECORD_HASH_SIZE  32
#define RECORD_MAX_LABEL  64
#define RECORD_MAX_FIELDS 12
/* No record encodes to more: twelve fields at their largest. */
#define RECORD_MAX_SIZE (6 + RECORD_MAX_FIELDS * (1 + 64 * 65 + 2))

enum record_kind {
	RECORD_OBJECT = 1,
	RECORD_OFFICER = 2,
	RECORD_EXPERT = 3,
	RECORD_CONFLICT = 4,
};

enum record_type {
	RT_ID = 1, /* a draw identifier, 1..64 ASCII bytes */
	RT_NAME,   /* a draw name, 1..32 ASCII bytes */
	RT_TEXT,   /* UTF-8 text without control characters */
	RT_ENUM,   /* one value of the field's vocabulary */
	RT_IDS,    /* a set of identifiers */
	RT_NAMES,  /* a set of names */
	RT_LABELS, /* a set of text labels */
};

enum record_object_status {
	OBJECT_ACTIVE = 1,
	OBJECT_DEREGISTERED = 2,
	OBJECT_REVOKED = 3,
	OBJECT_CANCELLED = 4,
	OBJECT_MOVED = 5,
};

enum record_person_status {
	PERSON_ACTIVE = 1,
	PERSON_SUSPENDED = 2,
	PERSON_LEFT = 3,
};

enum record_person_kind {
	PERSON_OFFICER = 2,
	PERSON_EXPERT = 3,
};

/* A set: v[0..n), NUL-terminated strings, strictly ascending. */
struct record_list {
	const char *const *v;
	size_t n;
};

/* An inspection object (R1). Strings are never NULL; "" is empty. */
struct record_object {
	const char *id; /* a unified social credit code or a prefixed id */
	const char *name;
	const char *category;
	const char *address;
	const char *legal_rep;
	const char *phone;
	unsigned status; /* enum record_object_status */
	const char *risk_class;
	const char *credit_level;
	struct record_list tags;
	const char *district;
	struct record_list agencies;
};

/* An officer (R2) or an expert (专家库, R2, R13). */
struct record_person {
	const char *id; /* officer: enforcement certificate number */
	const char *name;
	const char *agency; /* officer: agency code; expert: organisation code */
	struct record_list qualifications;
	struct record_list specialties;
	unsigned status; /* enum record_person_status */
};

/* A declared conflict of interest between a person and an object (R12). */
struct record_conflict {
	unsigned person_kind; /* enum record_person_kind */
	const char *object;
	const char *person; /* certificate number or expert id */
	const char *reason;
	const char *declared_by;
};

struct record {
	unsigned kind; /* enum record_kind */
	size_t line;   /* the line of the file it came from; 0 if none; not encoded */
	union {
		struct record_object object;
		struct record_person person; /* RECORD_OFFICER and RECORD_EXPERT */
		struct record_conflict conflict;
	} u;
};

/* A value of an enum field: the number on the wire, the English word, and
 * the words an import accepts for it (NULL-terminated). */
struct record_enum {
	unsigned value;
	const char *name;
	const char *const *words;
};

/* One field of a kind: the contract between the import, the encoding and
 * the diff. */
struct record_field {
	const char *name;           /* English column name, also in messages */
	const char *name_zh;        /* Chinese column name */
	const char *const *aliases; /* other accepted column names, or NULL */
	enum record_type type;
	size_t offset;                   /* of the member in struct record */
	size_t max;                      /* bytes of a text; items of a list */
	int required;                    /* the column must be there and not empty */
	const struct record_enum *vocab; /* RT_ENUM: values, the first the default */
	size_t nvocab;
};

/* The fields of kind, in encoding order, and their number in *n; NULL
 * for an unknown kind. */
const struct record_field *record_fields(unsigned kind, size_t *n);

/* "object", "officer", "expert", "conflict"; NULL for an unknown kind. */
const char *record_kind_name(unsigned kind);

/* The English word of an enum field's value, or NULL. */
const char *record_enum_name(const struct record_field *f, unsigned value);

/*
 * Checks every field of r against its type and the table: what the
 * encoder and the decoder require. Errors: SJ_EINVAL, naming the field
 * and what is wrong in err.
 */
SJ_WUR int record_check(const struct record *r, char *err, size_t err_cap);

/* The record's identifier (for a conflict: its object). */
const char *record_id(const struct record *r);

/*
 * Orders records of one kind by their key: objects, officers and experts
 * by id; conflicts by (person_kind, object, person), the order of draw
 * input conflicts. Byte order (strcmp). Returns <0, 0, >0.
 */
int record_key_cmp(const struct record *a, const struct record *b);

/* 1 when field i of a and b (one kind) holds the same value, else 0. */
int record_field_equal(const struct record *a, const struct record *b, size_t i);

/*
 * Writes field i of r as text into buf (cap bytes, NUL-terminated, cut at
 * cap): a list joined with ';', an enum as its English word. Returns the
 * length it would have had uncut.
 */
size_t record_field_format(char *buf, size_t cap, const struct record *r, size_t i);

/*
 * Encodes r into a malloc'd buffer (*out, *len). Errors: SJ_EINVAL (r
 * breaks record_check; err says how), SJ_ENOMEM.
 */
SJ_WUR int record_encode(uint8_t **out, size_t *len, const struct record *r, char *err,
                         size_t err_cap);

/*
 * Decodes bytes[0..len) (copied) into one malloc'd block *out holding the
 * record and its strings; free it with free(). Errors: SJ_ERANGE (len
 * above RECORD_MAX_SIZE, checked first), SJ_EINVAL (not a valid encoding,
 * reason in err), SJ_ENOMEM.
 */
SJ_WUR int record_decode(struct record **out, const uint8_t *bytes, size_t len, char *err,
                         size_t err_cap);

/* The record hash of an encoding. Assumes sodium_init() succeeded. */
void record_hash(uint8_t out[RECORD_HASH_SIZE], const uint8_t *bytes, size_t len);

#endif
