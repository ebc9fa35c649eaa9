/*
 * pubvalues.h: public-values signers and their signed RFC 3797 values
 * (entry types 49 and 48, proto/beacon.proto), the only way a draw may
 * take public values (R6, R18; docs/beacon.md section 6).
 *
 *   pubvalues-signer (49): an administrator or the log operator registers
 *     a party's Ed25519 key. replay.c checks, before calling in, that the
 *     key is neither the log's key nor a client key (so neither the log
 *     operator nor any agency's operator can sign values).
 *   public-values (48): the signer's own entry, signed by its key with an
 *     empty agency: the source the values are for and the values document.
 *
 * A reveal of a draw naming a manual source uses the FIRST public-values
 * entry for that source, in ledger order, whose signer was registered
 * before the draw's commitment and whose stated time is strictly after the
 * commitment time plus the source's margin: the revealer chooses nothing.
 *
 * State is append-only arrays; pubvalues_rollback truncates them.
 */
#ifndef SUIJI_RULES_PUBVALUES_H
#define SUIJI_RULES_PUBVALUES_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/entry.h"

struct pubvalues;

SJ_WUR int pubvalues_new(struct pubvalues **out);
void pubvalues_free(struct pubvalues *pv);

/* The entry of the registered signer with key, or UINT64_MAX. */
uint64_t pubvalues_signer_seq(const struct pubvalues *pv, const uint8_t key[ENTRY_KEY_SIZE]);

/* Registers the signer of a pubvalues-signer entry (key and name already
 * checked by the caller). Errors: SJ_EVERIFY (already registered),
 * SJ_ENOMEM. */
SJ_WUR int pubvalues_signer_add(struct pubvalues *pv, const uint8_t key[ENTRY_KEY_SIZE],
                                const char *name, uint64_t seq, char *err, size_t err_cap);

/* Applies a public-values entry e (payload suiji.PublicValues): signed by a
 * registered signer with an empty agency, for a source is_manual says is a
 * registered manual source, with a document manual_value accepts.
 * Errors: SJ_EVERIFY (err names the rule), SJ_ENOMEM. */
SJ_WUR int pubvalues_add(struct pubvalues *pv, const struct entry *e,
                         int (*is_manual)(const void *ctx, const char *source), const void *ctx,
                         char *err, size_t err_cap);

/* The document of the first public-values entry for source whose signer
 * entry is before before_seq, whose stated time is strictly after after_us
 * and which was appended at or before appended_by_us (INT64_MAX: any
 * time); borrowed until the next rollback; its entry in *seq. NULL when
 * there is none. */
const char *pubvalues_first(const struct pubvalues *pv, const char *source, uint64_t before_seq,
                            int64_t after_us, int64_t appended_by_us, uint64_t *seq);

/* The name of the signer of the public-values entry seq, or NULL. */
const char *pubvalues_signer_of(const struct pubvalues *pv, uint64_t seq);

void pubvalues_rollback(struct pubvalues *pv, uint64_t seq);

#endif
