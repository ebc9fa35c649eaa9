/*
 * manual.c: RFC 3797 canonical strings of public values (manual.h).
 */
#include "beacon/manual.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/bjson.h"

/* One canonical value, NUL-terminated (never longer than its input). */
typedef char canon_value[MANUAL_MAX_VALUE_LEN + 1];

/* Canonical decimal: no leading zeros in the integer part (at least "0"),
 * no trailing zeros in the fraction, no point when the fraction is empty. */
static int canon_numeric(canon_value out, const char *v)
{
	const char *dot = strchr(v, '.');
	size_t n = strlen(v), ilen = dot ? (size_t)(dot - v) : n, flen, o = 0;
	const char *frac = dot ? dot + 1 : "";

	if (ilen == 0 || (dot != NULL && dot[1] == '\0'))
		return SJ_EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((v[i] < '0' || v[i] > '9') && v + i != dot)
			return SJ_EINVAL;
	while (ilen > 1 && *v == '0') {
		v++;
		ilen--;
	}
	flen = strlen(frac);
	while (flen > 0 && frac[flen - 1] == '0')
		flen--;
	memcpy(out, v, ilen);
	o = ilen;
	if (flen > 0) {
		out[o++] = '.';
		memcpy(out + o, frac, flen);
		o += flen;
	}
	out[o] = '\0';
	return SJ_OK;
}

/* RFC 3797: letters upper-cased, digits kept, spaces and punctuation
 * dropped. Other bytes (controls, non-ASCII) are refused: dropping them, as
 * the RFC does for accents, could make two different entries one. */
static int canon_text(canon_value out, const char *v)
{
	size_t o = 0;

	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;
		if (c >= 'a' && c <= 'z')
			out[o++] = (char)(c - 'a' + 'A');
		else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[o++] = (char)c;
		else if (c < 0x20 || c > 0x7e)
			return SJ_EINVAL;
	}
	out[o] = '\0';
	return o > 0 ? SJ_OK : SJ_EINVAL;
}

/* Numeric order of canonical decimals: a longer integer part is larger;
 * then digit by digit; fractions compare as digit strings, a prefix first,
 * which is numeric order once trailing zeros are gone. */
static int cmp_numeric(const void *pa, const void *pb)
{
	const char *a = pa, *b = pb;
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	size_t ia = da ? (size_t)(da - a) : strlen(a), ib = db ? (size_t)(db - b) : strlen(b);
	int c;

	if (ia != ib)
		return ia < ib ? -1 : 1;
	c = memcmp(a, b, ia);
	if (c != 0)
		return c;
	return strcmp(da ? da + 1 : "", db ? db + 1 : "");
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int canon_source(canon_value *vals, const struct manual_source *s, size_t si, char *err,
                        size_t err_cap)
{
	const char *kind = s->kind == MANUAL_NUMERIC ? "numeric" : "text";

	if (s->kind != MANUAL_NUMERIC && s->kind != MANUAL_TEXT) {
		snprintf(err, err_cap, "source %zu: unknown kind", si + 1);
		return SJ_EINVAL;
	}
	if (s->nvalues == 0 || s->nvalues > MANUAL_MAX_VALUES) {
		snprintf(err, err_cap, "source %zu: must have 1..%d values, not %zu", si + 1,
		         MANUAL_MAX_VALUES, s->nvalues);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < s->nvalues; i++) {
		const char *v = s->values[i];
		int rc;
		if (strlen(v) > MANUAL_MAX_VALUE_LEN) {
			snprintf(err, err_cap, "source %zu, value %zu: longer than %d bytes",
			         si + 1, i + 1, MANUAL_MAX_VALUE_LEN);
			return SJ_EINVAL;
		}
		rc = s->kind == MANUAL_NUMERIC ? canon_numeric(vals[i], v) : canon_text(vals[i], v);
		if (rc != SJ_OK) {
			snprintf(err, err_cap,
			         s->kind == MANUAL_NUMERIC
			             ? "source %zu, value %zu: \"%.64s\" is not a %s value "
			               "(decimal digits, at most one inner \".\")"
			             : "source %zu, value %zu: \"%.64s\" is not a %s value "
			               "(ASCII letters and digits; spaces and punctuation are "
			               "dropped)",
			         si + 1, i + 1, v, kind);
			return SJ_EINVAL;
		}
	}
	qsort(vals, s->nvalues, sizeof vals[0], s->kind == MANUAL_NUMERIC ? cmp_numeric : cmp_text);
	return SJ_OK;
}

int manual_canonical(char *out, size_t cap, size_t *len, const struct manual_source *src,
                     size_t nsrc, char *err, size_t err_cap)
{
	canon_value *vals;
	size_t o = 0;
	int rc = SJ_OK;

	if (nsrc == 0 || nsrc > MANUAL_MAX_SOURCES) {
		snprintf(err, err_cap, "there must be 1..%d sources, not %zu", MANUAL_MAX_SOURCES,
		         nsrc);
		return SJ_EINVAL;
	}
	if (cap == 0)
		return SJ_ERANGE;
	vals = malloc(MANUAL_MAX_VALUES * sizeof *vals);
	if (vals == NULL)
		return SJ_ENOMEM;
	for (size_t si = 0; si < nsrc; si++) {
		rc = canon_source(vals, &src[si], si, err, err_cap);
		if (rc != SJ_OK)
			goto free_vals;
		for (size_t i = 0; i <= src[si].nvalues; i++) {
			/* Each value then ".", and "/" after the source. */
			const char *v = i < src[si].nvalues ? vals[i] : "";
			const char *sep = i < src[si].nvalues ? "." : "/";
			size_t n = strlen(v);
			if (cap - o <= n + 1) {
				snprintf(err, err_cap, "canonical string longer than %zu bytes",
				         cap - 1);
				rc = SJ_ERANGE;
				goto free_vals;
			}
			memcpy(out + o, v, n);
			out[o + n] = *sep;
			o += n + 1;
		}
	}
	out[o] = '\0';
	*len = o;
free_vals:
	free(vals);
	return rc;
}

/* Reads the JSON's sources into src, pointing into root's strings. */
static int read_sources(struct manual_source *src, const char **ptrs, size_t *nsrc,
                        const cJSON *root, char *err, size_t err_cap)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "sources"), *s;
	size_t n = 0, used = 0;

	if (arr == NULL) {
		snprintf(err, err_cap, "field \"sources\" is missing");
		return SJ_EINVAL;
	}
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > MANUAL_MAX_SOURCES) {
		snprintf(err, err_cap, "field \"sources\" must be an array of 1..%d sources",
		         MANUAL_MAX_SOURCES);
		return SJ_EINVAL;
	}
	cJSON_ArrayForEach(s, arr)
	{
		const cJSON *name, *kind, *vals, *v;
		size_t nl;

		if (!cJSON_IsObject(s)) {
			snprintf(err, err_cap, "sources[%zu] is not an object", n);
			return SJ_EINVAL;
		}
		name = cJSON_GetObjectItemCaseSensitive(s, "name");
		kind = cJSON_GetObjectItemCaseSensitive(s, "kind");
		vals = cJSON_GetObjectItemCaseSensitive(s, "values");
		if (!cJSON_IsString(name) || (nl = strlen(name->valuestring)) == 0 ||
		    nl > MANUAL_MAX_NAME || !bjson_utf8_ok(name->valuestring, nl)) {
			snprintf(err, err_cap,
			         "sources[%zu]: field \"name\" must be UTF-8 text of "
			         "1..%d bytes without control characters",
			         n, MANUAL_MAX_NAME);
			return SJ_EINVAL;
		}
		if (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "numeric") != 0 &&
		                              strcmp(kind->valuestring, "text") != 0)) {
			snprintf(err, err_cap,
			         "sources[%zu]: field \"kind\" must be \"numeric\" or "
			         "\"text\"",
			         n);
			return SJ_EINVAL;
		}
		if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) < 1 ||
		    cJSON_GetArraySize(vals) > MANUAL_MAX_VALUES) {
			snprintf(err, err_cap,
			         "sources[%zu]: field \"values\" must be an array of "
			         "1..%d strings",
			         n, MANUAL_MAX_VALUES);
			return SJ_EINVAL;
		}
		src[n].name = name->valuestring;
		src[n].kind = kind->valuestring[0] == 'n' ? MANUAL_NUMERIC : MANUAL_TEXT;
		src[n].values = ptrs + used;
		src[n].nvalues = 0;
		cJSON_ArrayForEach(v, vals)
		{
			if (!cJSON_IsString(v)) {
				snprintf(err, err_cap,
				         "sources[%zu]: field \"values\" holds a "
				         "value that is not a string",
				         n);
				return SJ_EINVAL;
			}
			ptrs[used++] = v->valuestring;
			src[n].nvalues++;
		}
		n++;
	}
	*nsrc = n;
	return SJ_OK;
}

int manual_value(struct beacon_value *out, char *canon, size_t canon_cap, size_t *canon_len,
                 const char *text, size_t len, char *err, size_t err_cap)
{
	struct manual_source src[MANUAL_MAX_SOURCES];
	const char **ptrs = NULL;
	cJSON *root = NULL;
	char *buf = NULL;
	size_t nsrc = 0, clen = 0;
	int64_t t;
	int rc;

	rc = bjson_parse(&root, text, len, MANUAL_MAX_JSON, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = bjson_int(&t, root, "time", 0, BEACON_MAX_TIME, 1, err, err_cap);
	if (rc != SJ_OK)
		goto free_root;
	ptrs = malloc(MANUAL_MAX_SOURCES * MANUAL_MAX_VALUES * sizeof *ptrs);
	buf = malloc(MANUAL_MAX_CANON);
	if (ptrs == NULL || buf == NULL) {
		rc = SJ_ENOMEM;
		goto free_bufs;
	}
	rc = read_sources(src, ptrs, &nsrc, root, err, err_cap);
	if (rc != SJ_OK)
		goto free_bufs;
	rc = manual_canonical(buf, MANUAL_MAX_CANON, &clen, src, nsrc, err, err_cap);
	if (rc != SJ_OK)
		goto free_bufs;
	if (canon != NULL) {
		if (canon_cap <= clen) {
			snprintf(err, err_cap, "canonical string does not fit %zu bytes",
			         canon_cap);
			rc = SJ_ERANGE;
			goto free_bufs;
		}
		memcpy(canon, buf, clen + 1);
		*canon_len = clen;
	}
	memset(out, 0, sizeof *out);
	out->kind = BEACON_KIND_MANUAL;
	snprintf(out->source, sizeof out->source, "manual");
	out->round = 0;
	crypto_hash_sha256(out->value, (const uint8_t *)buf, clen);
	out->time_us = t * 1000000;
	out->check = BEACON_CHECK_NONE;
free_bufs:
	free(buf);
	free(ptrs);
free_root:
	cJSON_Delete(root);
	return rc;
}
