/*
 * proof.h: inclusion and consistency proofs as text, each followed by the
 * signed checkpoint note it is relative to. docs/proofs.md is the full
 * description; the grammars are:
 *
 * Inclusion proof (C2SP tlog-proof, c2sp.org/tlog-proof):
 *
 *   c2sp.org/tlog-proof@v1\n
 *   [extra <base64 of opaque extra data>\n]      at most one, may be empty
 *   index <leaf index, decimal>\n
 *   <base64 of a 32-byte hash>\n                 0..MERKLE_MAX_PROOF lines,
 *   ...                                          leaf's sibling first
 *   \n
 *   <signed checkpoint note, verbatim>           non-empty, ends in "\n"
 *
 * Consistency proof (suiji's own, in the same style; there is no C2SP one):
 *
 *   suiji.consistency-proof@v1\n
 *   old <size of the older tree, decimal, >= 1>\n
 *   <base64 of a 32-byte hash>\n                 0..MERKLE_MAX_PROOF lines,
 *   ...                                          in RFC 9162 2.1.4.1 order
 *   \n
 *   <signed checkpoint note of the newer tree, verbatim>
 *
 * Both are canonical: lines end in "\n" alone; decimals have no sign, no
 * leading zero (except "0" itself) and fit in 64 bits; base64 is the
 * standard alphabet with padding (RFC 4648 section 4) and re-encodes to the
 * same characters. A text is valid if and only if it matches its grammar
 * exactly and is at most PROOF_MAX_TEXT bytes, so formatting a parsed proof
 * gives back the same bytes.
 *
 * The parsers only split off the note; they do not parse or verify it
 * (note.h and checkpoint.h do), nor check the hashes against the tree size
 * and root it holds (merkle.h does).
 *
 * All functions are pure apart from malloc: no globals, callable from any
 * thread. They use libsodium's base64 helpers, which need no sodium_init();
 * callers are expected to have called it at start-up regardless.
 */
#ifndef SUIJI_LEDGER_PROOF_H
#define SUIJI_LEDGER_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/merkle.h"

#define PROOF_INCLUSION_HEADER   "c2sp.org/tlog-proof@v1"
#define PROOF_CONSISTENCY_HEADER "suiji.consistency-proof@v1"
#define PROOF_MAX_TEXT           (1024 * 1024) /* longest proof text accepted or made */
#define PROOF_MAX_EXTRA          1024          /* longest decoded extra data */

/* A parsed inclusion proof. About 5 KiB: fine on a thread's stack. */
struct proof_inclusion {
	uint64_t index;
	merkle_hash hashes[MERKLE_MAX_PROOF];
	size_t n;                       /* number of hashes */
	int has_extra;                  /* 1 if an "extra" line was present */
	uint8_t extra[PROOF_MAX_EXTRA]; /* its decoded bytes */
	size_t extra_len;               /* 0..PROOF_MAX_EXTRA */
	const char *checkpoint;         /* borrowed: points into the parsed text */
	size_t checkpoint_len;          /* >= 1; the note ends in "\n" */
};

/* A parsed consistency proof. */
struct proof_consistency {
	uint64_t old_size; /* >= 1 */
	merkle_hash hashes[MERKLE_MAX_PROOF];
	size_t n;
	const char *checkpoint; /* borrowed: points into the parsed text */
	size_t checkpoint_len;
};

/*
 * Parses text[0..len) as an inclusion proof. text is untrusted and need not
 * be NUL-terminated; it is borrowed, and out->checkpoint points into it, so
 * text must outlive *out. Errors: SJ_EINVAL for anything that does not match
 * the grammar, with a message naming the line written to err (err_cap
 * bytes, NUL-terminated, truncated to fit) when err is not NULL. On failure
 * *out holds nothing the caller may use.
 */
SJ_WUR int proof_inclusion_parse(struct proof_inclusion *out, const char *text, size_t len,
                                 char *err, size_t err_cap);

/*
 * Formats an inclusion proof into *out, a malloc'd NUL-terminated string the
 * caller frees with free(), and its length without the NUL into *len.
 * hashes (n of them) and note (note_len bytes, the signed checkpoint) are
 * borrowed and copied. extra is NULL for no "extra" line; otherwise its
 * extra_len bytes (possibly 0) are written base64-encoded. Errors: SJ_EINVAL
 * for n > MERKLE_MAX_PROOF, extra_len > PROOF_MAX_EXTRA, or a note that is
 * empty or does not end in "\n"; SJ_ERANGE if the text would be longer
 * than PROOF_MAX_TEXT; SJ_ENOMEM. On failure *out and *len are untouched.
 */
SJ_WUR int proof_inclusion_format(char **out, size_t *len, uint64_t index,
                                  const merkle_hash *hashes, size_t n, const char *note,
                                  size_t note_len, const uint8_t *extra, size_t extra_len);

/*
 * Parses text[0..len) as a consistency proof, as proof_inclusion_parse
 * does; "old 0" is refused, since no proof from the empty tree exists.
 */
SJ_WUR int proof_consistency_parse(struct proof_consistency *out, const char *text, size_t len,
                                   char *err, size_t err_cap);

/*
 * Formats a consistency proof from the tree of old_size leaves to the one
 * whose checkpoint is note, as proof_inclusion_format does. Errors as
 * there, and SJ_EINVAL for old_size 0.
 */
SJ_WUR int proof_consistency_format(char **out, size_t *len, uint64_t old_size,
                                    const merkle_hash *hashes, size_t n, const char *note,
                                    size_t note_len);

#endif
