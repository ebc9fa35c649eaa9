/*
 * factspec.c: lead and unavailability payloads from JSON (factspec.h).
 */
#include "wire/factspec.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/entry.h"

#include "proto/facts.pb-c.h"

#define MAX_FILE (64u * 1024u)

/* Field k of j as a string: "" when absent, NULL when not a string. */
static char *field(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	if (v == NULL)
		return (char *)"";
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Packs m into *out. */
static int pack(uint8_t **out, size_t *len, const ProtobufCMessage *m)
{
	*len = protobuf_c_message_get_packed_size(m);
	if ((*out = malloc(*len ? *len : 1)) == NULL)
		return SJ_ENOMEM;
	protobuf_c_message_pack(m, *out);
	return SJ_OK;
}

static int build_lead(uint8_t **out, size_t *len, char *const *v, char *what, size_t what_cap)
{
	Suiji__Lead m = SUIJI__LEAD__INIT;
	m.object = v[1];
	m.reference = v[2];
	m.received = v[3];
	m.handled = v[4];
	m.note = v[5];
	snprintf(what, what_cap, "lead %s about object %s", v[2], v[1]);
	return pack(out, len, &m.base);
}

static int build_unavailable(uint8_t **out, size_t *len, char *const *v, char *what,
                             size_t what_cap)
{
	Suiji__UnavailabilityStep st = SUIJI__UNAVAILABILITY_STEP__INIT;
	Suiji__Unavailability m = SUIJI__UNAVAILABILITY__INIT;
	m.person_kind = v[1][0] ? v[1] : (char *)"officer";
	m.person = v[2];
	m.kind = v[3];
	m.from_date = v[4];
	m.to_date = v[5];
	m.reference = v[6];
	st.step_case = SUIJI__UNAVAILABILITY_STEP__STEP_DECLARE;
	st.declare = &m;
	snprintf(what, what_cap, "%s %s unavailable (%s) %s..%s", m.person_kind, m.person, m.kind,
	         m.from_date, m.to_date);
	return pack(out, len, &st.base);
}

int factspec_build(uint8_t **out, size_t *len, char *agency, char *what, size_t what_cap, int lead,
                   const char *path, const char *default_agency, char *err, size_t err_cap)
{
	static const char *const lead_keys[] = {"agency",   "object",  "reference",
	                                        "received", "handled", "note"};
	static const char *const un_keys[] = {"agency",    "person_kind", "person",   "kind",
	                                      "from_date", "to_date",     "reference"};
	const char *const *keys = lead ? lead_keys : un_keys;
	size_t nkeys = lead ? 6 : 7;
	char *v[7];
	uint8_t *buf = NULL;
	size_t blen;
	cJSON *j = NULL;
	int rc = SJ_OK;

	*out = NULL;
	if (util_read_file(&buf, &blen, path, MAX_FILE) != SJ_OK) {
		snprintf(err, err_cap, "cannot read %s", path);
		return SJ_EIO;
	}
	j = cJSON_ParseWithLength((const char *)buf, blen);
	if (j == NULL || !cJSON_IsObject(j)) {
		snprintf(err, err_cap, "%s: not a JSON object", path);
		rc = SJ_EINVAL;
		goto out;
	}
	for (size_t k = 0; k < nkeys; k++) {
		if ((v[k] = field(j, keys[k])) == NULL) {
			snprintf(err, err_cap, "%s: \"%s\" must be a string", path, keys[k]);
			rc = SJ_EINVAL;
			goto out;
		}
		/* Everything but the agency, a person's kind and a lead's
		 * note is needed. */
		if (v[k][0] == '\0' && k > 0 && !(lead && k == 5) && !(!lead && k == 1)) {
			snprintf(err, err_cap, "%s: \"%s\" is required", path, keys[k]);
			rc = SJ_EINVAL;
			goto out;
		}
	}
	if (v[0][0] == '\0' && default_agency)
		v[0] = (char *)default_agency;
	if (strlen(v[0]) > ENTRY_MAX_AGENCY) {
		snprintf(err, err_cap, "%s: \"agency\" is longer than %d bytes", path,
		         ENTRY_MAX_AGENCY);
		rc = SJ_EINVAL;
		goto out;
	}
	snprintf(agency, ENTRY_MAX_AGENCY + 1, "%s", v[0]);
	rc = lead ? build_lead(out, len, v, what, what_cap)
	          : build_unavailable(out, len, v, what, what_cap);
out:
	cJSON_Delete(j);
	free(buf);
	return rc;
}

int factspec_review(uint8_t **out, size_t *len, char *what, size_t what_cap, uint64_t entry,
                    int approve, const char *note, char *err, size_t err_cap)
{
	Suiji__UnavailabilityStep st = SUIJI__UNAVAILABILITY_STEP__INIT;
	Suiji__UnavailabilityReview m = SUIJI__UNAVAILABILITY_REVIEW__INIT;
	*out = NULL;
	if (entry == 0) {
		snprintf(err, err_cap, "a review names the unavailability's entry number");
		return SJ_EINVAL;
	}
	m.entry = entry;
	m.approve = approve ? 1 : 0;
	m.note = (char *)(note ? note : "");
	st.step_case = SUIJI__UNAVAILABILITY_STEP__STEP_REVIEW;
	st.review = &m;
	snprintf(what, what_cap, "review of unavailability %llu: %s", (unsigned long long)entry,
	         approve ? "approved" : "returned");
	return pack(out, len, &st.base);
}
