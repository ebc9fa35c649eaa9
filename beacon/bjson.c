/*
 * bjson.c: strict JSON reading for the beacon formats (bjson.h).
 */
#include "beacon/bjson.h"

#include "common/utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define BJSON_MAX_DEPTH   8
#define BJSON_MAX_MEMBERS 32

/*
 * cJSON turns the escape \u0000 into a NUL inside a C string, so "round\u0000x"
 * would read as the key "round": one document, two readings. No beacon
 * format has a use for that escape, so the raw text is scanned for it
 * (inside strings only, minding escaped backslashes) before parsing.
 */
static int has_nul_escape(const char *s, size_t len)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		if (!in_string) {
			if (s[i] == '"')
				in_string = 1;
			continue;
		}
		if (s[i] == '"') {
			in_string = 0;
		} else if (s[i] == '\\' && i + 1 < len) {
			if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
				return 1;
			i++; /* the escaped character cannot end the string */
		}
	}
	return 0;
}

/* Refuses duplicate keys, objects with too many members and deep nesting,
 * everywhere in the tree. */
static int check_tree(const cJSON *node, int depth, char *err, size_t err_cap)
{
	const cJSON *a, *b;
	int members = 0, rc;

	if (depth > BJSON_MAX_DEPTH) {
		snprintf(err, err_cap, "JSON nested deeper than %d levels", BJSON_MAX_DEPTH);
		return SJ_EINVAL;
	}
	for (a = node->child; a != NULL; a = a->next) {
		if (cJSON_IsObject(node)) {
			if (++members > BJSON_MAX_MEMBERS) {
				snprintf(err, err_cap, "JSON object with more than %d fields",
				         BJSON_MAX_MEMBERS);
				return SJ_EINVAL;
			}
			for (b = node->child; b != a; b = b->next) {
				if (strcmp(a->string, b->string) == 0) {
					snprintf(err, err_cap,
					         "field \"%.64s\" appears twice in one object",
					         a->string);
					return SJ_EINVAL;
				}
			}
		}
		rc = check_tree(a, depth + 1, err, err_cap);
		if (rc != SJ_OK)
			return rc;
	}
	return SJ_OK;
}

int bjson_parse(cJSON **out, const char *text, size_t len, size_t max, char *err, size_t err_cap)
{
	const char *end = NULL;
	cJSON *root;
	int rc;

	*out = NULL;
	if (len > max) {
		snprintf(err, err_cap, "JSON document of %zu bytes exceeds the limit of %zu", len,
		         max);
		return SJ_ERANGE;
	}
	if (len == 0) {
		snprintf(err, err_cap, "empty JSON document");
		return SJ_EINVAL;
	}
	if (memchr(text, '\0', len) != NULL || has_nul_escape(text, len)) {
		snprintf(err, err_cap, "JSON document holds a NUL character");
		return SJ_EINVAL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		/* cJSON reports the failure position through a global; the
		 * offset is all a reader needs and needs no shared state. */
		snprintf(err, err_cap, "malformed JSON");
		return SJ_EINVAL;
	}
	while (end != NULL && end < text + len &&
	       (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != text + len) {
		snprintf(err, err_cap, "bytes after the JSON value at offset %zu",
		         (size_t)(end - text));
		rc = SJ_EINVAL;
		goto free_root;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, err_cap, "JSON document is not an object");
		rc = SJ_EINVAL;
		goto free_root;
	}
	rc = check_tree(root, 1, err, err_cap);
free_root:
	if (rc == SJ_OK)
		*out = root;
	else
		cJSON_Delete(root);
	return rc;
}

/* The field, or NULL with *rc set to SJ_ENOENT or SJ_EINVAL as required. */
static const cJSON *field(const cJSON *obj, const char *name, int required, int *rc, char *err,
                          size_t err_cap)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);

	*rc = SJ_OK;
	if (f == NULL || cJSON_IsNull(f)) {
		*rc = required ? SJ_EINVAL : SJ_ENOENT;
		if (required)
			snprintf(err, err_cap, "field \"%s\" is missing", name);
		return NULL;
	}
	return f;
}

/* A number field as an integral double within [lo, hi]. */
static int integral(double *out, const cJSON *obj, const char *name, double lo, double hi,
                    int required, char *err, size_t err_cap)
{
	int rc;
	const cJSON *f = field(obj, name, required, &rc, err, err_cap);
	double d;

	if (f == NULL)
		return rc;
	if (!cJSON_IsNumber(f)) {
		snprintf(err, err_cap, "field \"%s\" is not a number", name);
		return SJ_EINVAL;
	}
	d = f->valuedouble;
	if (!isfinite(d) || d < lo || d > hi) {
		snprintf(err, err_cap, "field \"%s\" is out of range (%.0f..%.0f)", name, lo, hi);
		return SJ_EINVAL;
	}
	/* Within +-2^53 the conversion is defined and exact for integers. */
	if (d != (double)(int64_t)d) {
		snprintf(err, err_cap, "field \"%s\" is not an integer", name);
		return SJ_EINVAL;
	}
	*out = d;
	return SJ_OK;
}

int bjson_uint(uint64_t *out, const cJSON *obj, const char *name, uint64_t min, uint64_t max,
               int required, char *err, size_t err_cap)
{
	double d;
	int rc;

	if (max > BJSON_MAX_INT)
		max = BJSON_MAX_INT;
	rc = integral(&d, obj, name, (double)min, (double)max, required, err, err_cap);
	if (rc == SJ_OK)
		*out = (uint64_t)d;
	return rc;
}

int bjson_int(int64_t *out, const cJSON *obj, const char *name, int64_t min, int64_t max,
              int required, char *err, size_t err_cap)
{
	double d;
	int rc;

	if (max > (int64_t)BJSON_MAX_INT)
		max = (int64_t)BJSON_MAX_INT;
	if (min < -(int64_t)BJSON_MAX_INT)
		min = -(int64_t)BJSON_MAX_INT;
	rc = integral(&d, obj, name, (double)min, (double)max, required, err, err_cap);
	if (rc == SJ_OK)
		*out = (int64_t)d;
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int bjson_hex(uint8_t *out, size_t *len, const cJSON *obj, const char *name, size_t min, size_t max,
              int required, char *err, size_t err_cap)
{
	int rc;
	const cJSON *f = field(obj, name, required, &rc, err, err_cap);
	const char *s;
	size_t n;

	if (f == NULL)
		return rc;
	if (!cJSON_IsString(f)) {
		snprintf(err, err_cap, "field \"%s\" is not a string", name);
		return SJ_EINVAL;
	}
	s = f->valuestring;
	n = strlen(s);
	if (n % 2 != 0) {
		snprintf(err, err_cap, "field \"%s\" has an odd number of hex digits", name);
		return SJ_EINVAL;
	}
	if (n / 2 < min || n / 2 > max) {
		if (min == max)
			snprintf(err, err_cap, "field \"%s\" holds %zu bytes, not %zu", name, n / 2,
			         min);
		else
			snprintf(err, err_cap, "field \"%s\" holds %zu bytes, not %zu..%zu", name,
			         n / 2, min, max);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(err, err_cap, "field \"%s\" is not lower-case hex", name);
			return SJ_EINVAL;
		}
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return SJ_OK;
}

int bjson_ascii(char *out, size_t cap, const cJSON *obj, const char *name, int required, char *err,
                size_t err_cap)
{
	int rc;
	const cJSON *f = field(obj, name, required, &rc, err, err_cap);
	size_t n;

	if (f == NULL)
		return rc;
	if (!cJSON_IsString(f)) {
		snprintf(err, err_cap, "field \"%s\" is not a string", name);
		return SJ_EINVAL;
	}
	n = strlen(f->valuestring);
	if (n == 0 || n >= cap) {
		snprintf(err, err_cap, "field \"%s\" must hold 1..%zu characters", name, cap - 1);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f->valuestring[i];
		if (c < 0x20 || c > 0x7e) {
			snprintf(err, err_cap,
			         "field \"%s\" holds a character that is not "
			         "printable ASCII",
			         name);
			return SJ_EINVAL;
		}
	}
	memcpy(out, f->valuestring, n + 1);
	return SJ_OK;
}

int bjson_utf8_ok(const char *str, size_t len)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return 0;
		/* C0 controls, DEL and the C1 controls are all control characters. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += n;
	}
	return 1;
}
