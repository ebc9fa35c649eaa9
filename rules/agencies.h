/*
 * agencies.h: the registered agencies (检查实施机关), the one place the
 * rules keep them. replay.c registers them (agency-register entries) and
 * every other rule reads them from here: whether a code is registered, an
 * agency's name, its superior and its annual cap of checks (R9).
 *
 * State: an append-only array in ledger order, each element with the seq
 * of its entry, and an index by code. Rolling back truncates the array and
 * rebuilds the index.
 */
#ifndef SUIJI_RULES_AGENCIES_H
#define SUIJI_RULES_AGENCIES_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/entry.h"

struct agencies_agency {
	char code[ENTRY_MAX_AGENCY + 1];
	char parent[ENTRY_MAX_AGENCY + 1]; /* "" for a top-level agency */
	char name[256];
	uint32_t cap; /* checks of one object a year (R9); never 0 */
	uint64_t seq;
};

struct agencies; /* opaque */

SJ_WUR int agencies_new(struct agencies **out);
void agencies_free(struct agencies *a);

/* Registers code (not registered yet) at entry seq; strings are copied, a
 * cap of 0 means the default. Errors: SJ_ENOMEM (nothing changed). */
SJ_WUR int agencies_add(struct agencies *a, const char *code, const char *name,
			const char *parent, uint32_t cap, uint32_t default_cap, uint64_t seq);

/* The agency with code, or NULL (borrowed until it is rolled back). */
const struct agencies_agency *agencies_find(const struct agencies *a, const char *code);
/* The same for a code of len bytes, not NUL-terminated. */
const struct agencies_agency *agencies_find_n(const struct agencies *a, const char *code,
					      size_t len);

/* The agencies in ledger order. */
size_t agencies_count(const struct agencies *a);
const struct agencies_agency *agencies_at(const struct agencies *a, size_t i);

/* The top-level superior of code (code itself when it has none). */
const char *agencies_root(const struct agencies *a, const char *code);
/* 1 when anc is a strict superior of code. */
int agencies_above(const struct agencies *a, const char *anc, const char *code);

/* Undo every registration with seq >= seq. */
void agencies_rollback(struct agencies *a, uint64_t seq);

#endif
