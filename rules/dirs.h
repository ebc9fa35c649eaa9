/*
 * dirs.h: the ledger's rules for directory imports (entry type 20,
 * proto/directory.proto): the inspection objects (R1), the officers and
 * experts (R2) and the declared conflicts of interest (R12) of each agency,
 * applied in ledger order by replay.h, so the store enforces them before
 * appending and the verifier re-checks them on replay.
 *
 * A directory-import entry is valid if and only if:
 *  - its payload decodes as suiji.DirectoryImport, whose agency is the
 *    entry's agency and a registered one, whose kind is 1..4, whose
 *    import id is a draw identifier, whose source hash is empty or 32
 *    bytes and whose source name is at most 255 bytes without control
 *    characters;
 *  - it is written by the log operator or signed by an operator of that
 *    agency (replay.c checks that a signed entry's agency is its key's);
 *  - part 0 starts an import (of parts >= 1 parts); part k > 0 continues
 *    the agency's open import with the same id, kind and parts, whose last
 *    part was k - 1;
 *  - every record decodes as a canonical record of the import's kind
 *    (dir/record.h) and passes record_check; keys are strictly ascending
 *    across all parts of the import (so no key appears twice);
 *  - an object lists the agency among its supervising agencies; an
 *    officer's agency is the agency; a conflict names an object in the
 *    agency's object directory (or, for an agency whose object directory
 *    is empty, such as the justice bureau, in any agency's: the objects
 *    whose results it re-checks, R19) and an officer (or expert) in its
 *    officer (or expert) directory, as the ledger holds them before this
 *    entry;
 *  - when summarised is set, added and changed are the numbers of its
 *    records whose key is new to the agency's directory of that kind and
 *    whose key is there with another record.
 *
 * State, per agency and kind: for each key, the SHA-256 of the key and the
 * record hash of its current record (72 bytes a record); suijid re-reads
 * the import entries when it needs the records. Besides, the fields of the
 * records that the policy's rules read (policy.h): every object, officer,
 * expert and conflict as each import stated it, in ledger order; the
 * current version of a key is the latest. This module is the one owner of
 * the directories: the policy reads them from here.
 */
#ifndef SUIJI_RULES_DIRS_H
#define SUIJI_RULES_DIRS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "dir/record.h"
#include "ledger/entry.h"

/* Room for any record's key as dirs_record_key writes it. */
#define DIRS_MAX_KEY 160

struct dirs; /* opaque */

SJ_WUR int dirs_new(struct dirs **out);
void dirs_free(struct dirs *d);

/*
 * The rules above for the directory-import entry e. agency_known says
 * whether e's agency is registered; by_operator whether the actor is the
 * log operator or a client with the operator role. On failure the state is
 * unchanged and err says which rule failed: SJ_EVERIFY, or SJ_ENOMEM.
 */
SJ_WUR int dirs_import(struct dirs *d, const struct entry *e, int agency_known, int by_operator,
		       char *err, size_t err_cap);

/* Undo every entry with seq >= seq. */
void dirs_rollback(struct dirs *d, uint64_t seq);
/* Everything applied so far is final: forget how to undo it. */
void dirs_settle(struct dirs *d);

/* How many records agency's directory of kind holds. */
size_t dirs_count(const struct dirs *d, const char *agency, unsigned kind);

/* The record hash of the record with key (dirs_record_key) in agency's
 * directory of kind into hash. SJ_ENOENT when there is none. */
SJ_WUR int dirs_lookup(const struct dirs *d, const char *agency, unsigned kind, const char *key,
		       uint8_t hash[RECORD_HASH_SIZE]);

/* The fields the policy reads of an object record (borrowed until its
 * import is rolled back). */
struct dirs_object {
	uint64_t seq;
	const char *agency, *id, *name, *category, *district, *risk, *credit;
	const char **tags;
	size_t ntags;
	unsigned status;
	char *blob; /* owns the strings */
};

/* An officer or expert: dir_agency is the directory that holds them, agency
 * the one they belong to; tags are their qualifications and specialties,
 * ascending and unique, as a draw's pool holds them (R13). */
struct dirs_person {
	uint64_t seq;
	unsigned kind; /* RECORD_OFFICER or RECORD_EXPERT */
	const char *dir_agency, *id, *agency;
	const char **tags;
	size_t ntags;
	unsigned status;
	char *blob;
};

/* A declared conflict of interest, once however often it is declared. */
struct dirs_conflict {
	uint64_t seq;
	unsigned kind; /* enum person kind of the person */
	const char *dir_agency, *object, *person;
	char *blob;
};

/* Every version of every object record in ledger order: the i-th, or NULL
 * when a later import changed its key (so only current ones are seen). */
size_t dirs_object_count(const struct dirs *d);
const struct dirs_object *dirs_object_at(const struct dirs *d, size_t i);
/* The current object id of agency's directory, or NULL. */
const struct dirs_object *dirs_object_find(const struct dirs *d, const char *agency,
					   const char *id);
/* The same for officers and experts, and the conflicts (never NULL). */
size_t dirs_person_count(const struct dirs *d);
const struct dirs_person *dirs_person_at(const struct dirs *d, size_t i);
size_t dirs_conflict_count(const struct dirs *d);
const struct dirs_conflict *dirs_conflict_at(const struct dirs *d, size_t i);

/*
 * The change history of objects (issue: directory changes just before a
 * draw). Each re-import that gives an object a version differing from its
 * current one in a field that decides whether, or in which stratum, a
 * draw pools it (status, tags, risk class, category, district, credit
 * level) appends one change: the entry's seq and time and the indexes of
 * the two versions (dirs_object_version). 24 bytes a change; an import
 * that repeats a record unchanged adds none. Rolled back with its entry.
 */
struct dirs_change {
	uint64_t seq;
	int64_t time_us;
	uint32_t prev, cur;
};
size_t dirs_change_count(const struct dirs *d);
/* The i-th change in ledger order, or NULL past the end. */
const struct dirs_change *dirs_change_at(const struct dirs *d, size_t i);
/* The i-th object version, current or not (borrowed), or NULL past the
 * end: what dirs_object_at hides once a later version replaced it. */
const struct dirs_object *dirs_object_version(const struct dirs *d, size_t i);

/* A record's key as text into buf (cap bytes, at least DIRS_MAX_KEY): the
 * identifier, or for a conflict "KIND OBJECT PERSON". Keys of one kind
 * order by strcmp as record_key_cmp orders their records. */
void dirs_record_key(char *buf, size_t cap, const struct record *r);

#endif
