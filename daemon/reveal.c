/*
 * reveal.c: the daemon's automatic reveal (reveal.h).
 */
#include "daemon/reveal.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/fetch.h"
#include "beacon/round.h"
#include "common/util.h"
#include "daemon/drawop.h"
#include "daemon/log.h"
#include "draw/derive.h"
#include "draw/inputs.h"
#include "rules/draws.h"
#include "rules/storeops.h"

#define REVEAL_TICK_MS  500  /* how often due draws are looked for */
#define REVEAL_FETCH_MS 3000 /* one round fetch, on the thread pool */
#define REVEAL_RETRY_MS 5000 /* after a failed fetch or reveal */

/* What the reveal scan remembers about one committed draw. */
struct reveal_note {
	uint64_t seq;     /* the draw's request entry */
	int skip;         /* never to be revealed by this daemon: said once */
	int warned;       /* a failure was logged at warn; later ones at debug */
	uint64_t next_ms; /* loop time before which it is not tried again */
};

/* One draw's rounds, fetched on the thread pool. The work callback reads
 * only what is copied in here and touches nothing of the server's. */
struct reveal_job {
	uv_work_t req;
	struct reveal *rv;
	uint64_t seq;
	size_t n;
	char *source[DRAW_MAX_BEACONS];
	char *url[DRAW_MAX_BEACONS];
	uint64_t round[DRAW_MAX_BEACONS];
	char *doc[DRAW_MAX_BEACONS]; /* round documents, filled by the work */
	int rc;
	char err[512];
};

struct reveal {
	uv_loop_t *loop;
	uv_timer_t timer;
	struct ledger_store *store; /* borrowed from the server */
	const char *data_dir;       /* borrowed from the server's config */
	int stopping;
	struct reveal_job *job; /* a fetch in flight, or NULL */
	struct reveal_note *notes;
	size_t nnotes, cnotes;
	size_t reveal_from; /* draws before this index are closed to the scan */
	uint64_t revealed;
};

static struct reveal_note *note_get(struct reveal *rv, uint64_t seq)
{
	for (size_t i = 0; i < rv->nnotes; i++)
		if (rv->notes[i].seq == seq)
			return &rv->notes[i];
	if (rv->nnotes == rv->cnotes) {
		size_t nc = rv->cnotes ? rv->cnotes * 2 : 16;
		struct reveal_note *n = realloc(rv->notes, nc * sizeof *n);
		if (n == NULL)
			return NULL;
		rv->notes = n;
		rv->cnotes = nc;
	}
	memset(&rv->notes[rv->nnotes], 0, sizeof rv->notes[0]);
	rv->notes[rv->nnotes].seq = seq;
	return &rv->notes[rv->nnotes++];
}

/* A draw this daemon will not reveal by itself: said once, at warn. */
static void note_skip(struct reveal_note *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_skip(struct reveal_note *n, const char *fmt, ...)
{
	char m[600];
	va_list ap;

	if (n == NULL || n->skip)
		return;
	n->skip = 1;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	log_warn("draw %llu: %s", (unsigned long long)n->seq, m);
}

/* A failure that may pass (a beacon late or unreachable): the first at
 * warn, the rest at debug; tried again after REVEAL_RETRY_MS. */
static void note_failed(struct reveal *rv, uint64_t seq, const char *what)
{
	struct reveal_note *n = note_get(rv, seq);
	int level = n == NULL || !n->warned ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG;

	log_msg(level, "draw %llu: not revealed yet: %s", (unsigned long long)seq, what);
	if (n != NULL) {
		n->warned = 1;
		n->next_ms = uv_now(rv->loop) + REVEAL_RETRY_MS;
	}
}

static void job_free(struct reveal_job *j)
{
	for (size_t i = 0; i < DRAW_MAX_BEACONS; i++) {
		free(j->source[i]);
		free(j->url[i]);
		free(j->doc[i]);
	}
	free(j);
}

/* On the thread pool: fetches each round; no store, no log. */
static void reveal_work(uv_work_t *req)
{
	struct reveal_job *j = req->data;
	char why[400], buf[BEACON_MAX_JSON + 1];

	j->rc = SJ_OK;
	for (size_t i = 0; i < j->n && j->rc == SJ_OK; i++) {
		struct beacon_round r;
		size_t len;
		j->rc = beacon_fetch_round(&r, j->url[i], j->round[i], REVEAL_FETCH_MS, why,
		                           sizeof why);
		if (j->rc == SJ_ENOENT)
			snprintf(j->err, sizeof j->err, "round %llu of beacon %s is not out yet",
			         (unsigned long long)j->round[i], j->source[i]);
		else if (j->rc != SJ_OK)
			snprintf(j->err, sizeof j->err, "cannot fetch round %llu of beacon %s: %s",
			         (unsigned long long)j->round[i], j->source[i], why);
		else if ((j->rc = beacon_round_format(buf, sizeof buf, &len, &r)) != SJ_OK)
			snprintf(j->err, sizeof j->err, "round %llu of beacon %s is too long",
			         (unsigned long long)j->round[i], j->source[i]);
		else if ((j->doc[i] = strdup(buf)) == NULL)
			j->rc = SJ_ENOMEM;
	}
}

static void reveal_scan(struct reveal *rv);

/* Back on the loop thread: reveals with the fetched rounds. */
static void reveal_done(uv_work_t *req, int status)
{
	struct reveal_job *j = req->data;
	struct reveal *rv = j->rv;
	char err[512];
	uint64_t rseq = 0;
	int rc;

	rv->job = NULL;
	if (status == UV_ECANCELED) {
		job_free(j);
		return;
	}
	if (j->rc == SJ_ENOENT) {
		/* Due by the clock, not served yet: the next tick asks again. */
		log_debug("draw %llu: %s", (unsigned long long)j->seq, j->err);
	} else if (j->rc != SJ_OK) {
		note_failed(rv, j->seq, j->rc == SJ_ENOMEM ? "out of memory" : j->err);
	} else {
		err[0] = '\0';
		rc = drawop_reveal(rv->store, rv->data_dir, j->seq, (const char *const *)j->doc,
		                   j->n, 0, &rseq, err, sizeof err);
		if (rc == SJ_OK) {
			rv->revealed++;
			log_info("draw %llu revealed at entry %llu", (unsigned long long)j->seq,
			         (unsigned long long)rseq);
		} else if (rc == SJ_ENOENT) {
			note_skip(note_get(rv, j->seq), "cannot be revealed here: %s", err);
		} else {
			note_failed(rv, j->seq, err);
		}
	}
	job_free(j);
	/* Other draws may be due at once: they need not wait for a tick. */
	if (!rv->stopping)
		reveal_scan(rv);
}

/* Queues the fetch of draw i's rounds when they are all due and it is
 * ours to reveal; 1 when a fetch was queued. */
static int reveal_try(struct reveal *rv, const struct draws *d, size_t i,
                      const struct draws_info *info, int64_t now_us)
{
	const struct draw_spec *sp = draw_inputs_spec(draws_inputs(d, i));
	struct reveal_note *n = note_get(rv, info->request_seq);
	struct reveal_job *j;
	uint8_t *seed;
	char err[512];
	int rc, e;

	if (n == NULL || n->skip || uv_now(rv->loop) < n->next_ms)
		return 0;
	for (size_t k = 0; k < sp->n_beacons; k++) {
		const struct beacon_chain *chain;
		const char *url;
		int manual;
		int64_t margin, due;
		if (draws_source(d, sp->beacons[k].source, &chain, &manual, &margin, &url) != SJ_OK)
			return 0; /* the ledger's rules make this impossible */
		if (manual) {
			note_skip(n,
			          "beacon %s gives public values, which a registered signer "
			          "signs: reveal it with suijid draw reveal once they are in",
			          sp->beacons[k].source);
			return 0;
		}
		if (url[0] == '\0') {
			note_skip(n,
			          "beacon %s has no URL to fetch rounds from: reveal it with "
			          "suijid draw reveal --round",
			          sp->beacons[k].source);
			return 0;
		}
		if (beacon_round_time(&due, chain, sp->beacons[k].round) != SJ_OK ||
		    due > (now_us / 1000000))
			return 0; /* not due yet */
	}
	/* The rounds are due: is the seed in this daemon's custody? */
	seed = sodium_malloc(DRAW_SEED_SIZE);
	if (seed == NULL)
		return 0;
	rc = drawop_seed(rv->data_dir, info->commitment, seed, err, sizeof err);
	sodium_free(seed);
	if (rc == SJ_ENOENT) {
		note_skip(n, "its sealed seed is not in this daemon's custody (%s)", err);
		return 0;
	}
	if (rc != SJ_OK) {
		note_skip(n, "%s", err);
		return 0;
	}
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return 0;
	j->rv = rv;
	j->seq = info->request_seq;
	j->req.data = j;
	for (size_t k = 0; k < sp->n_beacons; k++) {
		const struct beacon_chain *chain;
		const char *url;
		int manual;
		int64_t margin;
		if (draws_source(d, sp->beacons[k].source, &chain, &manual, &margin, &url) !=
		        SJ_OK ||
		    (j->source[k] = strdup(sp->beacons[k].source)) == NULL ||
		    (j->url[k] = strdup(url)) == NULL) {
			job_free(j);
			return 0;
		}
		j->round[k] = sp->beacons[k].round;
		j->n++;
	}
	e = uv_queue_work(rv->loop, &j->req, reveal_work, reveal_done);
	if (e != 0) {
		log_error("cannot queue a beacon fetch: %s", uv_strerror(e));
		job_free(j);
		return 0;
	}
	rv->job = j;
	log_debug("draw %llu: its rounds are due; fetching them", (unsigned long long)j->seq);
	return 1;
}

/* Looks for one draw to reveal: committed, not revealed, before its
 * deadline, its rounds all due. Draws before reveal_from are closed
 * (revealed, abandoned or not ours), so a long ledger is not rescanned. */
static void reveal_scan(struct reveal *rv)
{
	const struct draws *d;
	int64_t now_us = util_now_us();
	int front = 1;

	if (rv->job != NULL || rv->stopping || ledger_store_broken(rv->store) != NULL)
		return;
	d = storeops_draws(rv->store);
	if (rv->reveal_from < draws_count(d)) {
		/* Notes about closed draws are dropped. */
		struct draws_info first;
		size_t w = 0;
		draws_get(d, rv->reveal_from, &first);
		for (size_t i = 0; i < rv->nnotes; i++)
			if (rv->notes[i].seq >= first.request_seq)
				rv->notes[w++] = rv->notes[i];
		rv->nnotes = w;
	} else {
		rv->nnotes = 0;
	}
	for (size_t i = rv->reveal_from; i < draws_count(d); i++) {
		struct draws_info info;
		struct reveal_note *n;
		draws_get(d, i, &info);
		if (info.revealed || now_us > info.deadline_us) {
			if (front)
				rv->reveal_from = i + 1;
			continue;
		}
		if (!info.committed || draws_inputs(d, i) == NULL) {
			front = 0;
			continue;
		}
		n = note_get(rv, info.request_seq);
		if (n != NULL && n->skip) {
			if (front)
				rv->reveal_from = i + 1;
			continue;
		}
		front = 0;
		if (reveal_try(rv, d, i, &info, now_us))
			return;
	}
}

static void on_reveal_tick(uv_timer_t *t)
{
	reveal_scan(t->data);
}

int reveal_new(struct reveal **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void reveal_init(struct reveal *rv, uv_loop_t *loop)
{
	rv->loop = loop;
	uv_timer_init(loop, &rv->timer);
	rv->timer.data = rv;
}

void reveal_start(struct reveal *rv, struct ledger_store *s, const char *data_dir)
{
	rv->store = s;
	rv->data_dir = data_dir;
	/* At once, then every tick: draws committed before a restart are
	 * found by the first scan. */
	uv_timer_start(&rv->timer, on_reveal_tick, 0, REVEAL_TICK_MS);
}

void reveal_stop(struct reveal *rv)
{
	rv->stopping = 1;
	uv_close((uv_handle_t *)&rv->timer, NULL);
	/* A fetch not started is dropped; one under way finishes (within
	 * REVEAL_FETCH_MS per round) and its draw is revealed. */
	if (rv->job != NULL)
		(void)uv_cancel((uv_req_t *)&rv->job->req);
}

uint64_t reveal_count(const struct reveal *rv)
{
	return rv->revealed;
}

void reveal_free(struct reveal *rv)
{
	if (rv == NULL)
		return;
	free(rv->notes);
	free(rv);
}
