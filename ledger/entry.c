/*
 * entry.c: encoding, decoding, hashing and request signatures of ledger
 * entries. The format is described in entry.h, where it is the contract.
 */
#include "ledger/entry.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char entry_request_tag[] = "suiji request v1";

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
	size_t a, p, need;

	if (len < ENTRY_FIXED_SIZE) {
		snprintf(err, err_cap, "entry is %zu bytes, shorter than the %d-byte header", len,
			 ENTRY_FIXED_SIZE);
		return SJ_EINVAL;
	}
	if (memcmp(b, "SJE1", 4) != 0) {
		snprintf(err, err_cap, "entry magic is not \"SJE1\"");
		return SJ_EINVAL;
	}
	memset(out, 0, sizeof *out);
	out->seq = get_u64(b + 4);
	memcpy(out->prev, b + 12, ENTRY_HASH_SIZE);
	out->time_us = (int64_t)get_u64(b + 44);
	out->type = get_u32(b + 52);
	out->flags = b[56];
	memcpy(out->actor, b + 57, ENTRY_KEY_SIZE);
	if (out->flags & ~ENTRY_FLAG_SIGNED) {
		snprintf(err, err_cap, "entry flags 0x%02x has unknown bits", out->flags);
		return SJ_EINVAL;
	}
	a = b[89];
	if (a > ENTRY_MAX_AGENCY) {
		snprintf(err, err_cap, "agency length %zu exceeds %d", a, ENTRY_MAX_AGENCY);
		return SJ_EINVAL;
	}
	if (len < ENTRY_FIXED_SIZE + a) {
		snprintf(err, err_cap, "entry is truncated inside the agency field");
		return SJ_EINVAL;
	}
	out->agency = (const char *)b + 90;
	out->agency_len = a;
	if (!agency_ok(out->agency, a)) {
		snprintf(err, err_cap, "agency holds a control character");
		return SJ_EINVAL;
	}
	p = get_u32(b + 90 + a);
	if (p > ENTRY_MAX_PAYLOAD) {
		snprintf(err, err_cap, "payload length %zu exceeds %u", p, ENTRY_MAX_PAYLOAD);
		return SJ_EINVAL;
	}
	need = ENTRY_FIXED_SIZE + a + p + ((out->flags & ENTRY_FLAG_SIGNED) ? ENTRY_SIG_SIZE : 0);
	if (len != need) {
		snprintf(err, err_cap, "entry is %zu bytes but its fields say %zu", len, need);
		return SJ_EINVAL;
	}
	out->payload = b + 94 + a;
	out->payload_len = p;
	if (out->flags & ENTRY_FLAG_SIGNED) {
		out->sig = b + 94 + a + p;
		if (all_zero(out->actor, ENTRY_KEY_SIZE)) {
			snprintf(err, err_cap, "signed entry has no actor key");
			return SJ_EINVAL;
		}
	} else if (!all_zero(out->actor, ENTRY_KEY_SIZE)) {
		snprintf(err, err_cap, "unsigned entry names an actor key");
		return SJ_EINVAL;
	}
	return SJ_OK;
}

int entry_encode(uint8_t **out, size_t *len, const struct entry *e)
{
	size_t n;
	uint8_t *b;

	if (e->agency_len > ENTRY_MAX_AGENCY || !agency_ok(e->agency, e->agency_len) ||
	    e->payload_len > ENTRY_MAX_PAYLOAD)
		return SJ_EINVAL;
	if ((e->sig != NULL) == all_zero(e->actor, ENTRY_KEY_SIZE))
		return SJ_EINVAL; /* a signature needs an actor key, and only then */
	n = ENTRY_FIXED_SIZE + e->agency_len + e->payload_len + (e->sig ? ENTRY_SIG_SIZE : 0);
	b = malloc(n);
	if (b == NULL)
		return SJ_ENOMEM;
	memcpy(b, "SJE1", 4);
	put_u64(b + 4, e->seq);
	memcpy(b + 12, e->prev, ENTRY_HASH_SIZE);
	put_u64(b + 44, (uint64_t)e->time_us);
	put_u32(b + 52, e->type);
	b[56] = e->sig ? ENTRY_FLAG_SIGNED : 0;
	memcpy(b + 57, e->actor, ENTRY_KEY_SIZE);
	b[89] = (uint8_t)e->agency_len;
	if (e->agency_len)
		memcpy(b + 90, e->agency, e->agency_len);
	put_u32(b + 90 + e->agency_len, (uint32_t)e->payload_len);
	if (e->payload_len)
		memcpy(b + 94 + e->agency_len, e->payload, e->payload_len);
	if (e->sig)
		memcpy(b + 94 + e->agency_len + e->payload_len, e->sig, ENTRY_SIG_SIZE);
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
			  const char *agency, size_t agency_len, const uint8_t *payload,
			  size_t payload_len)
{
	size_t olen = strlen(origin), n, off = 0;
	uint8_t *m;

	if (olen == 0 || olen > ENTRY_MAX_ORIGIN || agency_len > ENTRY_MAX_AGENCY ||
	    payload_len > ENTRY_MAX_PAYLOAD)
		return SJ_EINVAL;
	n = sizeof entry_request_tag + 1 + olen + 4 + 1 + agency_len + 4 + payload_len;
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
	rc = entry_request_message(&msg, &len, origin, e->type, e->agency, e->agency_len,
				   e->payload, e->payload_len);
	if (rc != SJ_OK)
		return rc;
	rc = crypto_sign_verify_detached(e->sig, msg, len, e->actor) == 0 ? SJ_OK : SJ_EVERIFY;
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
