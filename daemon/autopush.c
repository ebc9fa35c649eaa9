/*
 * autopush.c: checkpoints to the witnesses, off the loop thread
 * (autopush.h).
 */
#include "daemon/autopush.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/witnesspush.h"

struct autopush {
	uv_loop_t *loop;
	struct ledger_store *store;
	const struct config_witness *w;
	size_t n;
	int running, busy, again, curl_on;
	uv_timer_t retry; /* pushes again to witnesses that did not cosign */
	uint64_t retry_ms;
	uint64_t count;
	/* The size each witness last cosigned or named in a 409 (0: unknown),
	 * the old size of its next request. */
	uint64_t known[CONFIG_MAX_WITNESSES];
	/* The push in flight: written on the loop thread before it is queued,
	 * then replies and statuses by the worker alone, read back in done. */
	uv_work_t work;
	char *note;
	size_t note_len;
	uint64_t size;
	char *body[CONFIG_MAX_WITNESSES];
	size_t blen[CONFIG_MAX_WITNESSES];
	uint64_t from[CONFIG_MAX_WITNESSES];
	int status[CONFIG_MAX_WITNESSES];
	char why[CONFIG_MAX_WITNESSES][512];
	struct witnesspush_reply reply[CONFIG_MAX_WITNESSES];
};

int autopush_new(struct autopush **out)
{
	*out = calloc(1, sizeof **out);
	return *out == NULL ? SJ_ENOMEM : SJ_OK;
}

static void clear(struct autopush *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->body[i]);
		a->body[i] = NULL;
	}
	free(a->note);
	a->note = NULL;
}

/* On a worker thread: the HTTP only, no store. */
static void on_work(uv_work_t *wk)
{
	struct autopush *a = wk->data;

	for (size_t i = 0; i < a->n; i++) {
		a->status[i] = 0;
		a->why[i][0] = '\0';
		if (a->body[i] != NULL)
			a->status[i] = witnesspush_post(a->w[i].url, a->body[i], a->blen[i],
			                                &a->reply[i], a->why[i], sizeof a->why[i]);
	}
}

static void push(struct autopush *a);

static void on_retry(uv_timer_t *t)
{
	struct autopush *a = t->data;
	if (a->running)
		push(a);
}

/* A 409: the witness holds another size. From it, once, when it is one
 * this checkpoint can extend. */
static void conflict(struct autopush *a, size_t i)
{
	const struct witnesspush_reply *r = &a->reply[i];
	char *end;
	unsigned long long ws = strtoull(r->buf, &end, 10);

	if (end == r->buf || (*end != '\n' && *end != '\0')) {
		log_warn("witness %s: 409 without a size (text/x.tlog.size)", a->w[i].url);
	} else if (ws > a->size) {
		log_warn("witness %s has cosigned size %llu, larger than this log's %llu: it "
		         "was shown another branch of this log",
		         a->w[i].url, ws, (unsigned long long)a->size);
	} else if (ws != a->from[i]) {
		a->known[i] = ws;
		a->again = 1;
	} else {
		log_warn("witness %s refused (409): at size %llu it cosigned a tree this "
		         "checkpoint does not extend",
		         a->w[i].url, ws);
	}
}

/* Back on the loop thread: check and store what came back. */
static void on_done(uv_work_t *wk, int status)
{
	struct autopush *a = wk->data;
	struct witnesspush_result res;
	int rc;

	a->busy = 0;
	for (size_t i = 0; status == 0 && i < a->n; i++) {
		if (a->body[i] == NULL)
			continue;
		if (a->status[i] == 200) {
			memset(&res, 0, sizeof res);
			res.http_status = 200;
			rc = witnesspush_store(a->store, &a->w[i], a->note, a->note_len,
			                       &a->reply[i], &res);
			if (rc == SJ_OK && res.stored) {
				a->known[i] = a->size;
				a->count++;
				log_info("witness %s", res.why);
			} else if (res.why[0] != '\0') {
				log_warn("witness %s", res.why);
			} else {
				log_warn("witness %s: cosignature not stored: %s", a->w[i].url,
				         sj_strerror(rc));
			}
		} else if (a->status[i] == 409) {
			conflict(a, i);
		} else if (a->status[i] == 0) {
			log_warn("witness not reached, checkpoint %llu not cosigned: %s",
			         (unsigned long long)a->size, a->why[i]);
		} else {
			size_t l = a->reply[i].len;
			while (l > 0 && a->reply[i].buf[l - 1] == '\n')
				l--;
			log_warn("witness %s refused checkpoint %llu (%d): %.*s", a->w[i].url,
			         (unsigned long long)a->size, a->status[i], (int)l,
			         a->reply[i].buf);
		}
	}
	clear(a);
	if (a->again && a->running) {
		a->again = 0;
		push(a);
		return;
	}
	for (size_t i = 0; status == 0 && a->running && i < a->n; i++)
		if (a->known[i] != a->size) {
			uv_timer_start(&a->retry, on_retry, a->retry_ms, 0);
			break;
		}
}

/* Builds the requests for the newest checkpoint and queues them. */
static void push(struct autopush *a)
{
	int rc, any = 0;

	if (a->busy) {
		a->again = 1;
		return;
	}
	rc = witnesspush_latest(a->store, &a->note, &a->note_len, &a->size);
	if (rc != SJ_OK) {
		log_warn("no checkpoint to push to the witnesses: %s", sj_strerror(rc));
		return;
	}
	for (size_t i = 0; i < a->n; i++) {
		a->from[i] = a->known[i] < a->size ? a->known[i] : 0;
		if (a->known[i] == a->size)
			continue; /* this witness cosigned it already */
		rc = witnesspush_body(&a->body[i], &a->blen[i], a->store, a->from[i], a->size,
		                      a->note, a->note_len);
		if (rc != SJ_OK)
			log_warn("witness %s: no request for checkpoint %llu: %s", a->w[i].url,
			         (unsigned long long)a->size, sj_strerror(rc));
		else
			any = 1;
	}
	a->work.data = a;
	if (any && (rc = uv_queue_work(a->loop, &a->work, on_work, on_done)) == 0) {
		a->busy = 1;
		return;
	}
	if (any)
		log_warn("cannot push to the witnesses: %s", uv_strerror(rc));
	clear(a);
}

void autopush_init(struct autopush *a, uv_loop_t *loop)
{
	a->loop = loop;
	uv_timer_init(loop, &a->retry);
	a->retry.data = a;
}

void autopush_start(struct autopush *a, struct ledger_store *s, const struct config_witness *w,
                    size_t n, uint64_t retry_ms)
{
	a->retry_ms = retry_ms;
	a->store = s;
	a->w = w;
	a->n = n;
	if (n == 0)
		return;
	/* Once, on this thread, before any worker uses curl. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warn("cannot start libcurl: checkpoints are not pushed to the witnesses");
		return;
	}
	a->curl_on = 1;
	a->running = 1;
	log_info("checkpoints are pushed to %zu witness(es) as they are signed", n);
}

void autopush_on_signed(void *ctx, const char *note, size_t len, uint64_t size)
{
	struct autopush *a = ctx;

	/* The newest stored checkpoint is pushed, which is this one or a
	 * newer: the arguments are not needed. */
	(void)note;
	(void)len;
	(void)size;
	if (a != NULL && a->running)
		push(a);
}

void autopush_stop(struct autopush *a)
{
	if (a == NULL)
		return;
	a->running = 0;
	if (a->loop != NULL && !uv_is_closing((uv_handle_t *)&a->retry))
		uv_close((uv_handle_t *)&a->retry, NULL);
}

uint64_t autopush_count(const struct autopush *a)
{
	return a->count;
}

void autopush_free(struct autopush *a)
{
	if (a == NULL)
		return;
	clear(a);
	if (a->curl_on)
		curl_global_cleanup();
	free(a);
}
