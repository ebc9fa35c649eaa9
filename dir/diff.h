/*
 * diff.h: what a re-import changes in a directory (动态管理, R1, R2). Pure
 * code: no globals; diff_write is the only function that does I/O, on a
 * stream it is given.
 *
 * An import is a full snapshot of an agency's directory, compared with the
 * records the directory holds now, both strictly ascending by key
 * (record_key_cmp). Each key falls into one of:
 *
 *   added      in the import, not in the directory;
 *   changed    in both, with at least one field different: the change
 *              names every such field with its old and new value;
 *   absent     in the directory, not in the import. An absent record is
 *              reported and NOT deleted: a subject leaves the directory
 *              only by an explicit status (注销, 吊销, 撤销, 迁出 for an
 *              object; left for a person), so that a truncated or partial
 *              file can never empty a directory, and every departure has
 *              a row, a line and a person who wrote it (R18);
 *   unchanged  in both, every field equal (counted, not listed).
 *
 * A dry run is diff_write of the diff: nothing is applied.
 */
#ifndef SUIJI_DIR_DIFF_H
#define SUIJI_DIR_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "dir/record.h"

enum diff_op {
	DIFF_ADDED = 1,
	DIFF_CHANGED = 2,
	DIFF_ABSENT = 3,
};

struct diff_change {
	enum diff_op op;
	const struct record *before; /* the directory's; NULL when added; borrowed */
	const struct record *after;  /* the import's; NULL when absent; borrowed */
	uint32_t fields;             /* changed: bit i set when field i differs */
};

struct diff;

/*
 * Compares the directory's records cur[0..ncur) with an import's
 * next[0..nnext) (both borrowed, and kept: the changes point at them, so
 * they must outlive the diff). Both lists must be strictly ascending by
 * key and hold records of one kind. Errors: SJ_EINVAL (unsorted,
 * duplicated or mixed kinds, the first offender named in err), SJ_ENOMEM.
 */
SJ_WUR int diff_compute(struct diff **out, const struct record *const *cur, size_t ncur,
                        const struct record *const *next, size_t nnext, char *err, size_t err_cap);

void diff_free(struct diff *d);

/* The changes in key order (added, changed and absent ones interleaved). */
const struct diff_change *diff_changes(const struct diff *d, size_t *n);

/* How many of each; any pointer may be NULL. */
void diff_counts(const struct diff *d, size_t *added, size_t *changed, size_t *absent,
                 size_t *unchanged);

/*
 * One change as a line of text into buf (cap bytes, NUL-terminated, cut
 * at cap), without a newline:
 *   + KEY added
 *   ~ KEY field: old -> new; field: old -> new
 *   ? KEY absent from the import (kept; change its status to remove it)
 * Returns the length the line would have had uncut.
 */
size_t diff_format_change(char *buf, size_t cap, const struct diff_change *c);

/* The dry run: every change, one per line, then a summary line
 * "N added, N changed, N absent, N unchanged". Errors: SJ_EIO. */
SJ_WUR int diff_write(FILE *f, const struct diff *d);

#endif
