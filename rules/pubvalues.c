/*
 * pubvalues.c: public-values signers and their signed values
 * (pubvalues.h).
 */
#include "rules/pubvalues.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/manual.h"
#include "common/pbuf.h"
#include "common/util.h"
#include "rules/rules.h"

#include "proto/beacon.pb-c.h"

#define PV_MAX_NAME 200

struct pv_signer {
	uint8_t key[ENTRY_KEY_SIZE];
	char name[PV_MAX_NAME + 1];
	uint64_t seq;
};

struct pv_values {
	uint64_t seq;
	uint64_t signer_seq;
	char source[65];
	char *document;
	int64_t time_us;       /* the values' stated time */
	int64_t entry_time_us; /* when the entry was appended */
};

struct pubvalues {
	struct pv_signer *signers;
	size_t nsigners, csigners;
	struct pv_values *values;
	size_t nvalues, cvalues;
};

int pubvalues_new(struct pubvalues **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void pubvalues_free(struct pubvalues *pv)
{
	if (pv == NULL)
		return;
	for (size_t i = 0; i < pv->nvalues; i++)
		free(pv->values[i].document);
	free(pv->values);
	free(pv->signers);
	free(pv);
}

static const struct pv_signer *find_signer(const struct pubvalues *pv, const uint8_t *key)
{
	for (size_t i = 0; i < pv->nsigners; i++)
		if (memcmp(pv->signers[i].key, key, ENTRY_KEY_SIZE) == 0)
			return &pv->signers[i];
	return NULL;
}

uint64_t pubvalues_signer_seq(const struct pubvalues *pv, const uint8_t key[ENTRY_KEY_SIZE])
{
	const struct pv_signer *s = find_signer(pv, key);
	return s ? s->seq : UINT64_MAX;
}

int pubvalues_signer_add(struct pubvalues *pv, const uint8_t key[ENTRY_KEY_SIZE], const char *name,
                         uint64_t seq, char *err, size_t err_cap)
{
	const struct pv_signer *old = find_signer(pv, key);
	int rc;
	if (old != NULL)
		return rules_fail(err, err_cap,
		                  "this key is registered already as the public-values signer "
		                  "%s at entry %llu",
		                  old->name, (unsigned long long)old->seq);
	if ((rc = util_grow((void **)&pv->signers, &pv->csigners, pv->nsigners,
	                    sizeof *pv->signers)) != SJ_OK)
		return rc;
	memcpy(pv->signers[pv->nsigners].key, key, ENTRY_KEY_SIZE);
	snprintf(pv->signers[pv->nsigners].name, sizeof pv->signers[0].name, "%s", name);
	pv->signers[pv->nsigners].seq = seq;
	pv->nsigners++;
	return SJ_OK;
}

int pubvalues_add(struct pubvalues *pv, const struct entry *e,
                  int (*is_manual)(const void *ctx, const char *source), const void *ctx, char *err,
                  size_t err_cap)
{
	Suiji__PublicValues *m = NULL;
	const struct pv_signer *s;
	struct beacon_value v;
	struct pv_values x;
	char why[512];
	int rc = SJ_OK;

	memset(&x, 0, sizeof x);
	/* Values the revealer could type in are what R6 forbids: only the
	 * registered signer's own signature makes them a fact. */
	if (e->sig == NULL) {
		rc = rules_fail(err, err_cap,
		                "R6: public values must be signed by a registered public-values "
		                "signer; the log operator cannot enter them");
		goto out;
	}
	if ((s = find_signer(pv, e->actor)) == NULL) {
		rc = rules_fail(err, err_cap,
		                "R6: public values signed by a key that no earlier "
		                "pubvalues-signer entry registered");
		goto out;
	}
	if (e->agency_len != 0) {
		rc = rules_fail(err, err_cap,
		                "a public-values entry names no agency: its signer acts for none");
		goto out;
	}
	pbuf_reset();
	m = suiji__public_values__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL && pbuf_failed()) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if (m == NULL) {
		rc = rules_fail(err, err_cap,
		                "public-values payload does not decode as suiji.PublicValues");
		goto out;
	}
	if (!is_manual(ctx, m->source)) {
		rc = rules_fail(err, err_cap,
		                "public values for \"%s\", which is not a registered source of "
		                "public values",
		                m->source);
		goto out;
	}
	if (manual_value(&v, NULL, 0, NULL, m->document, strlen(m->document), why, sizeof why) !=
	    SJ_OK) {
		rc = rules_fail(err, err_cap, "public values for %s: %s", m->source, why);
		goto out;
	}
	if ((rc = util_grow((void **)&pv->values, &pv->cvalues, pv->nvalues, sizeof *pv->values)) !=
	    SJ_OK)
		goto out;
	x.seq = e->seq;
	x.signer_seq = s->seq;
	snprintf(x.source, sizeof x.source, "%s", m->source);
	x.time_us = v.time_us;
	x.entry_time_us = e->time_us;
	if ((x.document = strdup(m->document)) == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	pv->values[pv->nvalues++] = x;
out:
	suiji__public_values__free_unpacked(m, NULL);
	return rc;
}

const char *pubvalues_first(const struct pubvalues *pv, const char *source, uint64_t before_seq,
                            int64_t after_us, int64_t appended_by_us, uint64_t *seq)
{
	for (size_t i = 0; i < pv->nvalues; i++) {
		const struct pv_values *x = &pv->values[i];
		if (strcmp(x->source, source) == 0 && x->signer_seq < before_seq &&
		    x->time_us > after_us && x->entry_time_us <= appended_by_us) {
			if (seq)
				*seq = x->seq;
			return x->document;
		}
	}
	return NULL;
}

const char *pubvalues_signer_of(const struct pubvalues *pv, uint64_t seq)
{
	for (size_t i = 0; i < pv->nvalues; i++)
		if (pv->values[i].seq == seq)
			for (size_t k = 0; k < pv->nsigners; k++)
				if (pv->signers[k].seq == pv->values[i].signer_seq)
					return pv->signers[k].name;
	return NULL;
}

void pubvalues_rollback(struct pubvalues *pv, uint64_t seq)
{
	while (pv->nvalues && pv->values[pv->nvalues - 1].seq >= seq)
		free(pv->values[--pv->nvalues].document);
	while (pv->nsigners && pv->signers[pv->nsigners - 1].seq >= seq)
		pv->nsigners--;
}
