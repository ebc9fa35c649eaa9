/*
 * witnesspush.c: add-checkpoint to each witness (witnesspush.h).
 *
 * libcurl does the HTTP (and HTTPS, for a witness across the internet):
 * a well-kept client that times out, follows no redirects and bounds what
 * it reads through our write callback.
 */
#include "daemon/witnesspush.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/storedb.h"

#define REPLY_MAX WITNESSPUSH_REPLY_MAX

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct witnesspush_reply *r = arg;
	size_t n = size * nmemb;
	if (n > REPLY_MAX - r->len)
		return 0; /* too long: curl fails the transfer */
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

/* The add-checkpoint body from old_size, malloc'd. */
int witnesspush_body(char **out, size_t *out_len, struct ledger_store *s, uint64_t old_size,
                     uint64_t size, const char *note, size_t note_len)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0, len, cap;
	char *body, b64[64];
	int rc;

	if (old_size > 0 && old_size < size) {
		rc = ledger_store_consistency_proof(s, old_size, size, proof, &n, MERKLE_MAX_PROOF);
		if (rc != SJ_OK)
			return rc;
	}
	cap = 32 + n * 46 + 1 + note_len + 1;
	if ((body = malloc(cap)) == NULL)
		return SJ_ENOMEM;
	len = (size_t)snprintf(body, cap, "old %llu\n", (unsigned long long)old_size);
	for (size_t i = 0; i < n; i++) {
		if (util_b64_encode(b64, sizeof b64, proof[i], 32) != SJ_OK) {
			free(body);
			return SJ_ERANGE;
		}
		len += (size_t)snprintf(body + len, cap - len, "%s\n", b64);
	}
	body[len++] = '\n';
	memcpy(body + len, note, note_len);
	len += note_len;
	*out = body;
	*out_len = len;
	return SJ_OK;
}

/* One POST; the HTTP status, or 0 with why when the witness was not reached. */
int witnesspush_post(const char *base, const char *body, size_t len, struct witnesspush_reply *r,
                     char *why, size_t cap)
{
	char url[CONFIG_URL_MAX + 32], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	long status = 0;
	CURL *h = curl_easy_init();
	CURLcode cc;

	if (h == NULL) {
		snprintf(why, cap, "cannot start an HTTP request");
		return 0;
	}
	snprintf(url, sizeof url, "%s%sadd-checkpoint", base,
	         base[0] && base[strlen(base) - 1] == '/' ? "" : "/");
	hdr = curl_slist_append(hdr, "Content-Type: text/plain; charset=utf-8");
	r->len = 0;
	r->buf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)WITNESSPUSH_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(why, cap, "%.200s: %.250s", url,
		         errbuf[0] ? errbuf : curl_easy_strerror(cc));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return (int)status;
}

/* Checks the witness's cosignature lines against its key and stores them. */
int witnesspush_store(struct ledger_store *s, const struct config_witness *w, const char *note,
                      size_t note_len, const struct witnesspush_reply *r,
                      struct witnesspush_result *res)
{
	struct note *n = NULL;
	size_t added = 0, len = note_len + r->len;
	char *full = malloc(len + 1), err[400];
	uint64_t ts;
	int rc;

	if (full == NULL)
		return SJ_ENOMEM;
	memcpy(full, note, note_len);
	memcpy(full + note_len, r->buf, r->len);
	full[len] = '\0';
	if (note_parse(&n, full, len, err, sizeof err) != SJ_OK ||
	    note_verify_cosignature(n, &w->key, &ts) != SJ_OK) {
		snprintf(res->why, sizeof res->why,
		         "%.200s answered 200 without a valid cosignature by %.100s", w->url,
		         w->key.name);
		rc = SJ_EVERIFY;
		goto out;
	}
	rc = ledger_store_add_cosignatures(s, full, len, &added, err, sizeof err);
	if (rc != SJ_OK) {
		snprintf(res->why, sizeof res->why, "%.200s: cosignature not stored: %.250s",
		         w->url, err);
		goto out;
	}
	res->stored = 1;
	snprintf(res->why, sizeof res->why, "%.200s cosigned (time %llu)", w->url,
	         (unsigned long long)ts);
out:
	note_free(n);
	free(full);
	return rc;
}

/* One witness: from old_size, and once more from the size a 409 names. */
static int push_one(struct ledger_store *s, const struct config_witness *w, const char *note,
                    size_t note_len, const struct checkpoint *c, struct witnesspush_result *res)
{
	struct witnesspush_reply *r = malloc(sizeof *r);
	uint64_t old_size = 0;
	char *body = NULL;
	size_t blen;
	int rc = SJ_OK;

	memset(res, 0, sizeof *res);
	if (r == NULL)
		return SJ_ENOMEM;
	for (int attempt = 0; attempt < 2; attempt++) {
		free(body);
		body = NULL;
		if ((rc = witnesspush_body(&body, &blen, s, old_size, c->size, note, note_len)) !=
		    SJ_OK)
			break;
		res->http_status =
		    witnesspush_post(w->url, body, blen, r, res->why, sizeof res->why);
		if (res->http_status == 200) {
			rc = witnesspush_store(s, w, note, note_len, r, res);
			break;
		}
		if (res->http_status == 409) {
			char *end;
			unsigned long long ws = strtoull(r->buf, &end, 10);
			res->witness_size = ws;
			if (end == r->buf || (*end != '\n' && *end != '\0')) {
				snprintf(res->why, sizeof res->why,
				         "%s: 409 without a size (text/x.tlog.size)", w->url);
				break;
			}
			if (ws > c->size) {
				snprintf(res->why, sizeof res->why,
				         "%s has cosigned size %llu, larger than this log's %llu: "
				         "it was shown another branch of this log",
				         w->url, ws, (unsigned long long)c->size);
				break;
			}
			if (attempt == 0 && ws != old_size) {
				old_size = ws;
				continue;
			}
			snprintf(res->why, sizeof res->why,
			         "%s refused (409): at size %llu it cosigned a tree this "
			         "checkpoint does not extend",
			         w->url, ws);
			break;
		}
		if (res->http_status != 0) {
			size_t l = r->len;
			while (l > 0 && r->buf[l - 1] == '\n')
				l--;
			snprintf(res->why, sizeof res->why, "%s refused (%d): %.*s", w->url,
			         res->http_status, (int)l, r->buf);
		}
		break;
	}
	free(body);
	free(r);
	return rc == SJ_ENOMEM || rc == SJ_EIO ? rc : SJ_OK;
}

/*
 * The checkpoint as the log signed it, without the cosignatures stored
 * with it: body, empty line, the log key's signature line. A witness then
 * sees only what it must check, and its answer appended to it never
 * repeats a line already there. *out is malloc'd.
 */
static int log_signed(char **out, size_t *out_len, struct ledger_store *s, const struct note *n)
{
	char vk[NOTE_MAX_VKEY], b64[128];
	struct note_vkey lk;
	const char *body, *name;
	const uint8_t *sig;
	uint8_t raw[4 + 64];
	size_t blen, slen, cap;
	uint32_t id;

	if (ledger_store_log_vkey(s, vk, sizeof vk) != SJ_OK || note_vkey_parse(&lk, vk) != SJ_OK)
		return SJ_EIO;
	body = note_body(n, &blen);
	for (size_t i = 0; i < note_sig_count(n); i++) {
		if (note_sig_get(n, i, &name, &id, &sig, &slen) != SJ_OK || id != lk.id ||
		    strcmp(name, lk.name) != 0 || slen != 64)
			continue;
		raw[0] = (uint8_t)(id >> 24);
		raw[1] = (uint8_t)(id >> 16);
		raw[2] = (uint8_t)(id >> 8);
		raw[3] = (uint8_t)id;
		memcpy(raw + 4, sig, 64);
		if (util_b64_encode(b64, sizeof b64, raw, sizeof raw) != SJ_OK)
			return SJ_EIO;
		cap = blen + 1 + strlen("\xe2\x80\x94 ") + strlen(name) + 1 + strlen(b64) + 2;
		if ((*out = malloc(cap)) == NULL)
			return SJ_ENOMEM;
		*out_len = (size_t)snprintf(*out, cap, "%.*s\n\xe2\x80\x94 %s %s\n", (int)blen,
		                            body, name, b64);
		return SJ_OK;
	}
	return SJ_EIO;
}

int witnesspush_latest(struct ledger_store *s, char **out, size_t *out_len, uint64_t *size)
{
	struct checkpoint *c = malloc(sizeof *c);
	struct note *parsed = NULL;
	const char *body;
	size_t len, blen;
	char *note = NULL, why[256];
	int rc;

	if (c == NULL)
		return SJ_ENOMEM;
	if ((rc = ledger_store_checkpoint_get(s, 0, &note, &len)) != SJ_OK)
		goto out;
	if (note_parse(&parsed, note, len, why, sizeof why) != SJ_OK) {
		rc = SJ_EIO;
		goto out;
	}
	body = note_body(parsed, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK) {
		rc = SJ_EIO;
		goto out;
	}
	if ((rc = log_signed(out, out_len, s, parsed)) == SJ_OK)
		*size = c->size;
out:
	note_free(parsed);
	free(note);
	free(c);
	return rc;
}

int witnesspush_checkpoint(struct ledger_store *s, const struct config_witness *w, size_t n,
                           struct witnesspush_result *res)
{
	struct checkpoint c;
	char *signed_note = NULL;
	size_t slen = 0;
	int rc, stored = 0;

	memset(&c, 0, sizeof c);
	if ((rc = witnesspush_latest(s, &signed_note, &slen, &c.size)) != SJ_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = push_one(s, &w[i], signed_note, slen, &c, &res[i])) != SJ_OK)
			goto out;
		stored += res[i].stored;
	}
	rc = stored;
out:
	free(signed_note);
	return rc;
}

struct in_time {
	const struct config *c;
	uint64_t commit_seq;
	int64_t limit_us;
	unsigned char seen[CONFIG_MAX_WITNESSES];
	struct checkpoint cp;
};

static int count_any(void *ctx, uint64_t entries)
{
	(void)ctx;
	(void)entries;
	return SJ_OK;
}

static int skip_entries(void *ctx, int64_t seq, const uint8_t *bytes, size_t len)
{
	(void)ctx;
	(void)seq;
	(void)bytes;
	(void)len;
	return STOREDB_STOP;
}

/* One stored checkpoint: which witnesses cosigned it in time, if it
 * covers the commitment. */
static int on_checkpoint(void *ctx, const char *text, size_t len)
{
	struct in_time *t = ctx;
	struct note *n = NULL;
	const char *body;
	size_t blen;
	int rc = note_parse(&n, text, len, NULL, 0);

	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK)
		return SJ_OK; /* not ours to judge here: the store verifies its checkpoints */
	body = note_body(n, &blen);
	if (checkpoint_parse(&t->cp, body, blen, NULL, 0) == SJ_OK && t->cp.size > t->commit_seq)
		for (size_t w = 0; w < t->c->n_witnesses; w++) {
			uint64_t ts;
			int vr = note_verify_cosignature(n, &t->c->witnesses[w].key, &ts);
			if (vr == SJ_ENOMEM) {
				rc = vr;
				break;
			}
			/* Whole seconds rounded down: strictly before the limit. */
			if (vr == SJ_OK && ts <= (uint64_t)INT64_MAX / 1000000 &&
			    t->limit_us >= 0 && (int64_t)ts * 1000000 < t->limit_us)
				t->seen[w] = 1;
		}
	note_free(n);
	return rc;
}

int witnesspush_witnessed(const char *ledger_path, const struct config *c, uint64_t commit_seq,
                          int64_t public_us, char *err, size_t err_cap)
{
	const struct storedb_visitor v = {
	    .count = count_any, .entry = skip_entries, .checkpoint = on_checkpoint};
	struct in_time *t;
	size_t count = 0;
	int rc;

	if (c->witness_quorum == 0)
		return SJ_OK;
	if (c->witness_quorum > c->n_witnesses) {
		snprintf(err, err_cap, "R18: witness_quorum %u but %zu witness lines: no reveal",
		         c->witness_quorum, c->n_witnesses);
		return SJ_EPERM;
	}
	if ((t = calloc(1, sizeof *t)) == NULL)
		return SJ_ENOMEM;
	t->c = c;
	t->commit_seq = commit_seq;
	t->limit_us = public_us - (int64_t)c->witness_margin_s * 1000000;
	rc = storedb_read(ledger_path, &v, t, err, err_cap);
	if (rc == SJ_OK) {
		for (size_t w = 0; w < c->n_witnesses; w++)
			count += t->seen[w];
		if (count < c->witness_quorum) {
			snprintf(
			    err, err_cap,
			    "R18: the commitment (entry %llu) was cosigned by %zu of the "
			    "witnesses more than %u s before its beacon values were public; "
			    "%u needed: not revealed, the log operator could have chosen among "
			    "copies of the log",
			    (unsigned long long)commit_seq, count, c->witness_margin_s,
			    c->witness_quorum);
			rc = SJ_EPERM;
		}
	}
	free(t);
	return rc;
}
