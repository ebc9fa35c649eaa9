/*
 * value.c: beacon values and the margin rule (value.h).
 */
#include "beacon/value.h"

#include <stdio.h>

const char *beacon_kind_name(enum beacon_kind kind)
{
	switch (kind) {
	case BEACON_KIND_SUIJI: return "suiji-beacon";
	case BEACON_KIND_DRAND: return "drand";
	case BEACON_KIND_MANUAL: return "manual";
	}
	return "unknown";
}

const char *beacon_check_name(enum beacon_check check)
{
	switch (check) {
	case BEACON_CHECK_SIGNED: return "signature verified";
	case BEACON_CHECK_NO_BLS: return "BLS signature not checked";
	case BEACON_CHECK_NONE: return "no signature (manual public values)";
	}
	return "unknown check";
}

int beacon_round_usable(const struct beacon_value *v, int64_t commit_time_us, int64_t margin_us,
                        char *err, size_t err_cap)
{
	int64_t earliest;

	if (margin_us < 0) {
		snprintf(err, err_cap, "the beacon margin must not be negative");
		return SJ_EINVAL;
	}
	if (commit_time_us > INT64_MAX - margin_us) {
		snprintf(err, err_cap, "commitment time plus margin is out of range");
		return SJ_EINVAL;
	}
	earliest = commit_time_us + margin_us;
	/* Strictly after: a value public at the very moment the commitment
	 * plus margin ends could have been seen by whoever committed. */
	if (v->time_us <= earliest) {
		snprintf(err, err_cap,
		         "%s round %llu (time %lld us) is not usable: it is not strictly after "
		         "the commitment at %lld us plus the margin of %lld us, so it may have "
		         "been public before the seed was committed",
		         beacon_kind_name(v->kind), (unsigned long long)v->round,
		         (long long)v->time_us, (long long)commit_time_us, (long long)margin_us);
		return SJ_EVERIFY;
	}
	return SJ_OK;
}
