/*
 * witnessed.c: were the draws' commitments witnessed in time (witnessed.h)?
 */
#include "verifier/witnessed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/checkpoint.h"

/* The sizes of the checkpoints and, per checkpoint and pinned witness, the
 * time of its valid cosignature (UINT64_MAX: none). */
static int collect(uint64_t *sizes, uint64_t *ts, const struct witnessed_cp *cps, size_t ncps,
                   const struct note_vkey *wit, size_t nwit)
{
	struct checkpoint *c = malloc(sizeof *c);
	int rc = SJ_OK;

	if (c == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < ncps && rc == SJ_OK; i++) {
		struct note *n = NULL;
		const char *body;
		size_t blen;

		sizes[i] = 0;
		for (size_t w = 0; w < nwit; w++)
			ts[i * nwit + w] = UINT64_MAX;
		rc = note_parse(&n, cps[i].text, cps[i].len, NULL, 0);
		if (rc == SJ_ENOMEM)
			break;
		if (rc != SJ_OK) {
			rc = SJ_OK; /* the caller has failed it already */
			continue;
		}
		body = note_body(n, &blen);
		if (checkpoint_parse(c, body, blen, NULL, 0) == SJ_OK) {
			sizes[i] = c->size;
			for (size_t w = 0; w < nwit; w++) {
				uint64_t t;
				int vr = note_verify_cosignature(n, &wit[w], &t);
				if (vr == SJ_ENOMEM)
					rc = vr;
				else if (vr == SJ_OK)
					ts[i * nwit + w] = t;
			}
		}
		note_free(n);
	}
	free(c);
	return rc;
}

int witnessed_check(const struct draws *d, const struct witnessed_cp *cps, size_t ncps,
                    const struct note_vkey *wit, size_t nwit, size_t quorum, int64_t margin_us,
                    uint64_t *checked, int64_t *bad_seq, char *why, size_t why_cap)
{
	uint64_t *sizes, *ts;
	int rc = SJ_OK;

	*checked = 0;
	if (quorum == 0 || draws_count(d) == 0)
		return SJ_OK;
	sizes = calloc(ncps + 1, sizeof *sizes);
	ts = calloc(ncps * nwit + 1, sizeof *ts);
	if (sizes == NULL || ts == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if ((rc = collect(sizes, ts, cps, ncps, wit, nwit)) != SJ_OK)
		goto out;
	for (size_t i = 0; i < draws_count(d); i++) {
		struct draws_info di;
		int64_t limit_us;
		size_t in_time = 0;

		draws_get(d, i, &di);
		if (!di.revealed)
			continue;
		/* Cosignature times are whole seconds, rounded down: one in the
		 * same second as the limit may have been made after it, so
		 * only a time strictly before the limit counts. */
		limit_us = di.public_us - margin_us;
		for (size_t w = 0; w < nwit; w++) {
			int ok = 0;
			for (size_t k = 0; k < ncps && !ok; k++) {
				uint64_t t = ts[k * nwit + w];
				ok = sizes[k] > di.commit_seq && t != UINT64_MAX &&
				     t <= (uint64_t)INT64_MAX / 1000000 && limit_us >= 0 &&
				     (int64_t)t * 1000000 < limit_us;
			}
			in_time += (size_t)ok;
		}
		if (in_time < quorum) {
			*bad_seq = (int64_t)di.request_seq;
			snprintf(
			    why, why_cap,
			    "R18: draw request %llu (%s, %s): its commitment (entry %llu) was "
			    "cosigned by %zu of the pinned witnesses more than %lld s before its "
			    "beacon values were public (%lld); %zu needed: the log operator "
			    "could have chosen among copies of the log",
			    (unsigned long long)di.request_seq, di.agency, di.request_id,
			    (unsigned long long)di.commit_seq, in_time,
			    (long long)(margin_us / 1000000), (long long)(di.public_us / 1000000),
			    quorum);
			rc = SJ_EVERIFY;
			goto out;
		}
		(*checked)++;
	}
out:
	free(sizes);
	free(ts);
	return rc;
}
