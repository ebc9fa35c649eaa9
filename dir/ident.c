/*
 * ident.c: draw identifiers and names, and the classification of object
 * identifiers by kind. The rules are in ident.h.
 */
#include "dir/ident.h"

#include <stdio.h>
#include <string.h>

const struct ident_kind ident_default_kinds[1] = {{"uscc", NULL}};

static int printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

int ident_ok(const char *s, size_t len)
{
	return len >= 1 && len <= IDENT_MAX && printable(s, len);
}

int ident_name_ok(const char *s, size_t len)
{
	return len >= 1 && len <= IDENT_MAX_NAME && printable(s, len);
}

static int is_uscc_kind(const struct ident_kind *k)
{
	return k->prefix == NULL || k->prefix[0] == '\0';
}

int ident_kinds_check(const struct ident_kind *kinds, size_t n, char *err, size_t err_cap)
{
	size_t nuscc = 0;

	if (n == 0 || n > IDENT_MAX_KINDS) {
		snprintf(err, err_cap, "between 1 and %d identifier kinds, not %zu",
		         IDENT_MAX_KINDS, n);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ident_kind *k = &kinds[i];
		int outside = 0;

		if (k->name == NULL || !ident_name_ok(k->name, strlen(k->name))) {
			snprintf(err, err_cap, "identifier kind %zu has no valid name", i + 1);
			return SJ_EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(kinds[j].name, k->name) == 0) {
				snprintf(err, err_cap, "identifier kind \"%s\" appears twice",
				         k->name);
				return SJ_EINVAL;
			}
			if (!is_uscc_kind(k) && !is_uscc_kind(&kinds[j]) &&
			    strcmp(kinds[j].prefix, k->prefix) == 0) {
				snprintf(err, err_cap,
				         "kinds \"%s\" and \"%s\" share the prefix %s",
				         kinds[j].name, k->name, k->prefix);
				return SJ_EINVAL;
			}
		}
		if (is_uscc_kind(k)) {
			nuscc++;
			continue;
		}
		if (!ident_ok(k->prefix, strlen(k->prefix)) || strlen(k->prefix) >= IDENT_MAX) {
			snprintf(err, err_cap,
			         "prefix of identifier kind \"%s\" is not printable ASCII of 1..%d "
			         "bytes",
			         k->name, IDENT_MAX - 1);
			return SJ_EINVAL;
		}
		for (const char *p = k->prefix; *p; p++)
			if (uscc_value(*p) < 0)
				outside = 1;
		if (!outside) {
			snprintf(
			    err, err_cap,
			    "prefix \"%s\" of identifier kind \"%s\" could start a unified social "
			    "credit code: give it a character outside 0-9 and A-Y, such as '-'",
			    k->prefix, k->name);
			return SJ_EINVAL;
		}
	}
	if (nuscc > 1) {
		snprintf(err, err_cap, "more than one identifier kind is the credit code");
		return SJ_EINVAL;
	}
	return SJ_OK;
}

int ident_classify(const struct ident_kind *kinds, size_t n, const char *id, size_t len,
                   size_t *which, struct uscc_report *rep, char *err, size_t err_cap)
{
	size_t best = n, best_len = 0, uscc = n;
	int rc;

	for (size_t i = 0; i < n; i++) {
		size_t pl;
		if (is_uscc_kind(&kinds[i])) {
			uscc = i;
			continue;
		}
		pl = strlen(kinds[i].prefix);
		if (pl <= len && pl > best_len && memcmp(id, kinds[i].prefix, pl) == 0) {
			best = i;
			best_len = pl;
		}
	}
	if (best < n) {
		if (len == best_len) {
			snprintf(err, err_cap, "identifier is only the prefix %s of kind \"%s\"",
			         kinds[best].prefix, kinds[best].name);
			return SJ_EINVAL;
		}
		if (!ident_ok(id, len)) {
			snprintf(
			    err, err_cap,
			    "%s identifier must be 1..%d bytes of printable ASCII without spaces",
			    kinds[best].name, IDENT_MAX);
			return SJ_EINVAL;
		}
		*which = best;
		if (rep != NULL) {
			memset(rep, 0, sizeof *rep);
			rep->org_ok = 1;
		}
		return SJ_OK;
	}
	if (uscc == n) {
		char list[256];
		size_t off = 0;
		list[0] = '\0';
		for (size_t i = 0; i < n && off < sizeof list; i++) {
			int w = snprintf(list + off, sizeof list - off, "%s%s (%s)", i ? ", " : "",
			                 kinds[i].prefix, kinds[i].name);
			if (w < 0)
				break;
			off += (size_t)w;
		}
		snprintf(err, err_cap, "identifier has none of the accepted prefixes: %s", list);
		return SJ_EINVAL;
	}
	rc = uscc_check(id, len, rep, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	*which = uscc;
	return SJ_OK;
}
