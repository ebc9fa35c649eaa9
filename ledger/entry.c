/*
 * entry.c: encoding, decoding, hashing and request signatures of ledger
 * entries. The format is described in entry.h, where it is the contract.
 */
#include "ledger/entry.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char entry_request_tag[] = "suiji request v2";
static const char entry_log_tag[] = "suiji entry v2";

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int agency_ok(const char *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f)
			return 0;
	return 1;
}

int entry_decode(struct entry *out, const uint8_t *b, size_t len, char *err, size_t err_cap)
{
	size_t a, p, need, off;

	if (len < ENTRY_FIXED_SIZE) {
		snprintf(err, err_cap, "entry is %zu bytes, shorter than the %d fixed bytes", len,
		         ENTRY_FIXED_SIZE);
		return SJ_EINVAL;
	}
	if (memcmp(b, "SJE2", 4) != 0) {
		snprintf(err, err_cap, "entry magic is not \"SJE2\"%s",
		         memcmp(b, "SJE1", 4) == 0 ? " (an SJE1 entry of the earlier, unsigned "
		                                     "format)"
		                                   : "");
		return SJ_EINVAL;
	}
	memset(out, 0, sizeof *out);
	out->seq = get_u64(b + 4);
	memcpy(out->prev, b + 12, ENTRY_HASH_SIZE);
	out->time_us = (int64_t)get_u64(b + 44);
	out->type = get_u32(b + 52);
	out->flags = b[56];
	memcpy(out->actor, b + 57, ENTRY_KEY_SIZE);
	out->counter = get_u64(b + 89);
	if (out->flags & ~ENTRY_FLAG_SIGNED) {
		snprintf(err, err_cap, "entry flags 0x%02x has unknown bits", out->flags);
		return SJ_EINVAL;
	}
	a = b[97];
	if (a > ENTRY_MAX_AGENCY) {
		snprintf(err, err_cap, "agency length %zu exceeds %d", a, ENTRY_MAX_AGENCY);
		return SJ_EINVAL;
	}
	if (len < ENTRY_FIXED_SIZE + a) {
		snprintf(err, err_cap, "entry is truncated inside the agency field");
		return SJ_EINVAL;
	}
	out->agency = (const char *)b + ENTRY_HEADER_SIZE;
	out->agency_len = a;
	if (!agency_ok(out->agency, a)) {
		snprintf(err, err_cap, "agency holds a control character");
		return SJ_EINVAL;
	}
	p = get_u32(b + ENTRY_HEADER_SIZE + a);
	if (p > ENTRY_MAX_PAYLOAD) {
		snprintf(err, err_cap, "payload length %zu exceeds %u", p, ENTRY_MAX_PAYLOAD);
		return SJ_EINVAL;
	}
	need = ENTRY_FIXED_SIZE + a + p + ((out->flags & ENTRY_FLAG_SIGNED) ? ENTRY_SIG_SIZE : 0);
	if (len != need) {
		snprintf(err, err_cap, "entry is %zu bytes but its fields say %zu", len, need);
		return SJ_EINVAL;
	}
	off = ENTRY_HEADER_SIZE + a + 4;
	out->payload = b + off;
	out->payload_len = p;
	off += p;
	if (out->flags & ENTRY_FLAG_SIGNED) {
		out->sig = b + off;
		if (all_zero(out->actor, ENTRY_KEY_SIZE) || out->counter == 0) {
			snprintf(err, err_cap,
			         "signed entry has no actor key or no request counter");
			return SJ_EINVAL;
		}
	} else if (!all_zero(out->actor, ENTRY_KEY_SIZE) || out->counter != 0) {
		snprintf(err, err_cap, "unsigned entry names an actor key or a request counter");
		return SJ_EINVAL;
	}
	out->log_sig = b + len - ENTRY_SIG_SIZE;
	out->bytes = b;
	out->len = len;
	return SJ_OK;
}

int entry_encode(uint8_t **out, size_t *len, const struct entry *e)
{
	size_t n, off;
	uint8_t *b;

	if (e->agency_len > ENTRY_MAX_AGENCY || !agency_ok(e->agency, e->agency_len) ||
	    e->payload_len > ENTRY_MAX_PAYLOAD)
		return SJ_EINVAL;
	/* A signature needs an actor key and a counter, and only then. */
	if ((e->sig != NULL) == all_zero(e->actor, ENTRY_KEY_SIZE) ||
	    (e->sig != NULL) != (e->counter != 0))
		return SJ_EINVAL;
	n = ENTRY_FIXED_SIZE + e->agency_len + e->payload_len + (e->sig ? ENTRY_SIG_SIZE : 0);
	b = calloc(1, n); /* the log signature stays zero for the signer */
	if (b == NULL)
		return SJ_ENOMEM;
	memcpy(b, "SJE2", 4);
	put_u64(b + 4, e->seq);
	memcpy(b + 12, e->prev, ENTRY_HASH_SIZE);
	put_u64(b + 44, (uint64_t)e->time_us);
	put_u32(b + 52, e->type);
	b[56] = e->sig ? ENTRY_FLAG_SIGNED : 0;
	memcpy(b + 57, e->actor, ENTRY_KEY_SIZE);
	put_u64(b + 89, e->counter);
	b[97] = (uint8_t)e->agency_len;
	off = ENTRY_HEADER_SIZE;
	if (e->agency_len)
		memcpy(b + off, e->agency, e->agency_len);
	off += e->agency_len;
	put_u32(b + off, (uint32_t)e->payload_len);
	off += 4;
	if (e->payload_len)
		memcpy(b + off, e->payload, e->payload_len);
	off += e->payload_len;
	if (e->sig)
		memcpy(b + off, e->sig, ENTRY_SIG_SIZE);
	*out = b;
	*len = n;
	return SJ_OK;
}

void entry_hash(uint8_t out[ENTRY_HASH_SIZE], const uint8_t *bytes, size_t len)
{
	static const uint8_t leaf_prefix = 0x00; /* RFC 9162 2.1.1 */
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &leaf_prefix, 1);
	crypto_hash_sha256_update(&st, bytes, len);
	crypto_hash_sha256_final(&st, out);
}

int entry_request_message(uint8_t **out, size_t *len, const char *origin, uint32_t type,
                          uint64_t counter, const char *agency, size_t agency_len,
                          const uint8_t *payload, size_t payload_len)
{
	size_t olen = strlen(origin), n, off = 0;
	uint8_t *m;

	if (olen == 0 || olen > ENTRY_MAX_ORIGIN || counter == 0 || agency_len > ENTRY_MAX_AGENCY ||
	    payload_len > ENTRY_MAX_PAYLOAD)
		return SJ_EINVAL;
	n = sizeof entry_request_tag + 1 + olen + 4 + 8 + 1 + agency_len + 4 + payload_len;
	m = malloc(n);
	if (m == NULL)
		return SJ_ENOMEM;
	memcpy(m, entry_request_tag, sizeof entry_request_tag);
	off += sizeof entry_request_tag;
	m[off++] = (uint8_t)olen;
	memcpy(m + off, origin, olen);
	off += olen;
	put_u32(m + off, type);
	off += 4;
	put_u64(m + off, counter);
	off += 8;
	m[off++] = (uint8_t)agency_len;
	if (agency_len)
		memcpy(m + off, agency, agency_len);
	off += agency_len;
	put_u32(m + off, (uint32_t)payload_len);
	off += 4;
	if (payload_len)
		memcpy(m + off, payload, payload_len);
	*out = m;
	*len = n;
	return SJ_OK;
}

int entry_verify_request(const struct entry *e, const char *origin)
{
	uint8_t *msg;
	size_t len;
	int rc;

	if (e->sig == NULL)
		return SJ_EINVAL;
	rc = entry_request_message(&msg, &len, origin, e->type, e->counter, e->agency,
	                           e->agency_len, e->payload, e->payload_len);
	if (rc != SJ_OK)
		return rc;
	rc = crypto_sign_verify_detached(e->sig, msg, len, e->actor) == 0 ? SJ_OK : SJ_EVERIFY;
	free(msg);
	return rc;
}

int entry_log_message(uint8_t **out, size_t *mlen, const uint8_t *bytes, size_t len)
{
	size_t body;
	uint8_t *m;

	if (len < ENTRY_FIXED_SIZE)
		return SJ_EINVAL;
	body = len - ENTRY_SIG_SIZE;
	m = malloc(sizeof entry_log_tag + body);
	if (m == NULL)
		return SJ_ENOMEM;
	memcpy(m, entry_log_tag, sizeof entry_log_tag); /* the tag and its NUL */
	memcpy(m + sizeof entry_log_tag, bytes, body);
	*out = m;
	*mlen = sizeof entry_log_tag + body;
	return SJ_OK;
}

int entry_verify_log(const struct entry *e, const uint8_t log_pk[ENTRY_KEY_SIZE])
{
	uint8_t *msg;
	size_t len;
	int rc;

	if (e->log_sig == NULL || e->bytes == NULL)
		return SJ_EINVAL;
	if ((rc = entry_log_message(&msg, &len, e->bytes, e->len)) != SJ_OK)
		return rc;
	rc = crypto_sign_verify_detached(e->log_sig, msg, len, log_pk) == 0 ? SJ_OK : SJ_EVERIFY;
	free(msg);
	return rc;
}

const char *entry_type_name(uint32_t type)
{
	switch (type) {
	case ENTRY_LOG_INIT: return "log-init";
	case ENTRY_WITNESS_ADD: return "witness-add";
	case ENTRY_AGENCY_REGISTER: return "agency-register";
	case ENTRY_CLIENT_REGISTER: return "client-register";
	case ENTRY_CLIENT_REVOKE: return "client-revoke";
	case ENTRY_BEACON_ADD: return "beacon-add";
	case ENTRY_DRAW_REQUEST: return "draw-request";
	case ENTRY_DRAW_COMMIT: return "draw-commit";
	case ENTRY_DRAW_REVEAL: return "draw-reveal";
	case ENTRY_DIRECTORY_IMPORT: return "directory-import";
	case ENTRY_ITEM_LIST: return "item-list";
	case ENTRY_PLAN: return "plan";
	case ENTRY_PLAN_REVIEW: return "plan-review";
	case ENTRY_PLAN_FILE: return "plan-file";
	case ENTRY_PLAN_PUBLISH: return "plan-publish";
	case ENTRY_TASK: return "task";
	case ENTRY_CALENDAR: return "calendar";
	case ENTRY_RESULT: return "result";
	case ENTRY_LEAD: return "lead";
	case ENTRY_UNAVAILABILITY: return "unavailability";
	case ENTRY_PUBLIC_VALUES: return "public-values";
	case ENTRY_PUBVALUES_SIGNER: return "pubvalues-signer";
	}
	return NULL;
}
