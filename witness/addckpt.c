/*
 * addckpt.c: one add-checkpoint request (addckpt.h).
 *
 * The checks run in the order tlog-witness gives: the request's form, the
 * log's signature on the checkpoint, then the witness's one decision
 * (ledger/witcheck.h), then the durable state, and only then the answer.
 */
#include "witness/addckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

struct request {
	uint64_t old_size;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n;
	const char *note; /* borrowed from the request body */
	size_t note_len;
};

static int set(struct addckpt_reply *r, int status, const char *ctype, const char *why)
{
	r->status = status;
	r->content_type = ctype;
	snprintf(r->why, sizeof r->why, "%s", why);
	snprintf(r->body, sizeof r->body, "%s\n", why);
	return status;
}

/* A decimal without sign or leading zero that fits in 64 bits. */
static int parse_u64(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_request(struct request *q, const char *req, size_t len, char *why, size_t cap)
{
	const char *p = req, *end = req + len, *nl;

	nl = memchr(p, '\n', len);
	if (nl == NULL || (size_t)(nl - p) < 5 || memcmp(p, "old ", 4) != 0 ||
	    parse_u64(&q->old_size, p + 4, (size_t)(nl - p - 4)) != 0) {
		snprintf(why, cap, "the request does not start with \"old <size>\"");
		return -1;
	}
	p = nl + 1;
	q->n = 0;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			snprintf(why, cap, "the request has no empty line before the checkpoint");
			return -1;
		}
		if (nl == p)
			break;
		if (q->n == MERKLE_MAX_PROOF ||
		    util_b64_decode_exact(q->proof[q->n], 32, p, (size_t)(nl - p)) != SJ_OK) {
			snprintf(why, cap, "proof line %zu is not the base64 of a 32-byte hash",
			         q->n + 1);
			return -1;
		}
		q->n++;
		p = nl + 1;
	}
	q->note = nl + 1;
	q->note_len = (size_t)(end - q->note);
	if (q->note_len == 0) {
		snprintf(why, cap, "the request holds no checkpoint");
		return -1;
	}
	return 0;
}

static struct wstate_log *find_log(struct wstate_log *logs, size_t nlogs, const char *origin)
{
	size_t i;
	for (i = 0; i < nlogs; i++)
		if (strcmp(logs[i].origin, origin) == 0)
			return &logs[i];
	return NULL;
}

/* Cosigns, moves the state on durably, and only then answers 200. */
static int cosign(struct addckpt_reply *r, struct wstate_log *log, const char *dir,
                  const struct note_skey *k, uint64_t now, const struct request *q,
                  const struct note *n, const struct checkpoint *c)
{
	const char *body;
	size_t blen;
	char *line = NULL;

	body = note_body(n, &blen);
	if (note_cosign(&line, body, blen, now, k) != SJ_OK)
		return set(r, 500, "text/plain; charset=utf-8", "cannot cosign");
	if (strlen(line) >= sizeof r->body) {
		free(line);
		return set(r, 500, "text/plain; charset=utf-8", "cosignature too long");
	}
	if (wstate_store(log, dir, q->note, q->note_len, c) != SJ_OK) {
		free(line);
		return set(r, 500, "text/plain; charset=utf-8",
		           "cannot write the witness state: nothing cosigned");
	}
	r->status = 200;
	r->content_type = "text/plain; charset=utf-8";
	snprintf(r->body, sizeof r->body, "%s", line);
	snprintf(r->why, sizeof r->why, "cosigned %s at size %llu", c->origin,
	         (unsigned long long)c->size);
	free(line);
	return 200;
}

int addckpt_handle(struct addckpt_reply *r, struct wstate_log *logs, size_t nlogs, const char *dir,
                   const struct note_skey *k, uint64_t now, const char *req, size_t len)
{
	const char *text = "text/plain; charset=utf-8";
	struct request *q = malloc(sizeof *q);
	struct checkpoint *c = malloc(sizeof *c);
	struct wstate_log *log;
	struct note *n = NULL;
	char why[400], msg[512];
	const char *body;
	size_t blen;
	int status;

	if (q == NULL || c == NULL) {
		status = set(r, 500, text, "out of memory");
		goto out;
	}
	if (len > ADDCKPT_MAX_BODY) {
		status = set(r, 400, text, "the request is too large");
		goto out;
	}
	if (parse_request(q, req, len, why, sizeof why) != 0) {
		status = set(r, 400, text, why);
		goto out;
	}
	if (note_parse(&n, q->note, q->note_len, why, sizeof why) != SJ_OK) {
		snprintf(msg, sizeof msg, "the checkpoint is not a signed note: %s", why);
		status = set(r, 400, text, msg);
		goto out;
	}
	body = note_body(n, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK) {
		snprintf(msg, sizeof msg, "not a checkpoint: %s", why);
		status = set(r, 403, text, msg);
		goto out;
	}
	if ((log = find_log(logs, nlogs, c->origin)) == NULL) {
		snprintf(msg, sizeof msg, "no log with origin \"%s\" is witnessed here", c->origin);
		status = set(r, 404, text, msg);
		goto out;
	}
	if (note_verify(n, &log->key) != SJ_OK) {
		snprintf(msg, sizeof msg, "the checkpoint is not signed by the log key %s",
		         log->key.name);
		status = set(r, 403, text, msg);
		goto out;
	}
	switch (witcheck_decide(&log->st, q->old_size, c, q->proof, q->n, why, sizeof why)) {
	case WITCHECK_COSIGN: status = cosign(r, log, dir, k, now, q, n, c); break;
	case WITCHECK_BAD_SIZE: status = set(r, 400, text, why); break;
	case WITCHECK_CONFLICT:
		/* The body is the witness's size alone (text/x.tlog.size), so the
		 * log can retry from it; the reason goes to the witness's log. */
		status = set(r, 409, "text/x.tlog.size", why);
		snprintf(r->body, sizeof r->body, "%llu\n",
		         (unsigned long long)(log->st.known ? log->st.size : 0));
		break;
	default: status = set(r, 422, text, why); break;
	}
out:
	note_free(n);
	free(q);
	free(c);
	return status;
}
