/*
 * autockpt.c: the daemon's automatic checkpoints (autockpt.h).
 */
#include "daemon/autockpt.h"

#include <stdio.h>
#include <stdlib.h>

#include "daemon/log.h"
#include "ledger/keyfile.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"

struct autockpt {
	uv_loop_t *loop;
	uv_timer_t timer;
	struct ledger_store *store; /* borrowed from the server */
	struct note_skey *key;      /* the log key, or NULL when off */
	uint32_t delay_ms;
	uint64_t signed_size; /* size of the newest checkpoint seen */
	uint64_t count;
	int running;
	int failing; /* the last attempt failed: later failures at debug */
	autockpt_signed_fn on_signed;
	void *on_signed_ctx;
};

int autockpt_new(struct autockpt **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? SJ_OK : SJ_ENOMEM;
}

void autockpt_init(struct autockpt *a, uv_loop_t *loop)
{
	a->loop = loop;
	uv_timer_init(loop, &a->timer);
	a->timer.data = a;
}

void autockpt_on_signed(struct autockpt *a, autockpt_signed_fn fn, void *ctx)
{
	a->on_signed = fn;
	a->on_signed_ctx = ctx;
}

static void on_tick(uv_timer_t *t);

static void arm(struct autockpt *a, uint64_t ms)
{
	uv_timer_start(&a->timer, on_tick, ms, 0);
}

/* Signs when entries are not covered. ledger_store_checkpoint takes in
 * what other processes appended and returns the stored note when the
 * newest entry is covered already, so the size after the call says
 * whether this was a new checkpoint. */
static void sign_now(struct autockpt *a)
{
	char err[512], *note = NULL;
	size_t len;
	uint64_t size;
	int rc;

	rc = ledger_store_checkpoint(a->store, a->key, &note, &len, err, sizeof err);
	if (rc != SJ_OK) {
		if (a->failing)
			log_debug("checkpoint: %s", err);
		else
			log_warn("checkpoint not signed: %s (will retry)", err);
		a->failing = 1;
		return;
	}
	a->failing = 0;
	size = ledger_store_size(a->store);
	if (size > a->signed_size) {
		a->signed_size = size;
		a->count++;
		log_info("checkpoint signed at size %llu", (unsigned long long)size);
		if (a->on_signed != NULL)
			a->on_signed(a->on_signed_ctx, note, len, size);
	}
	free(note);
}

static void on_tick(uv_timer_t *t)
{
	struct autockpt *a = t->data;

	if (!a->running)
		return;
	sign_now(a);
	arm(a, (uint64_t)a->delay_ms * AUTOCKPT_POLL_FACTOR);
}

int autockpt_start(struct autockpt *a, struct ledger_store *s, const char *data_dir,
                   uint32_t delay_ms, char *err, size_t err_cap)
{
	char path[4200];
	int rc;

	a->store = s;
	a->delay_ms = delay_ms;
	if (delay_ms == 0) {
		log_info("checkpoints are not signed automatically (checkpoint_delay = off)");
		return SJ_OK;
	}
	snprintf(path, sizeof path, "%s/log.key", data_dir);
	rc = keyfile_load(&a->key, path, NULL, NOTE_TYPE_ED25519, 0, NULL, err, err_cap);
	if (rc == SJ_ENOENT) {
		log_warn("no log key in %s: checkpoints are not signed automatically; run "
		         "suijid checkpoint where the log key is",
		         data_dir);
		return SJ_OK;
	}
	if (rc != SJ_OK)
		return rc;
	a->running = 1;
	/* Whatever the last run left uncovered is signed at once. */
	arm(a, 0);
	return SJ_OK;
}

void autockpt_kick(struct autockpt *a)
{
	if (a == NULL || !a->running)
		return;
	if (uv_timer_get_due_in(&a->timer) > a->delay_ms)
		arm(a, a->delay_ms);
}

void autockpt_stop(struct autockpt *a)
{
	if (a == NULL)
		return;
	/* The last batches before a stop are covered before the daemon
	 * goes, so a stopped log is as fresh as it was. */
	if (a->running)
		sign_now(a);
	a->running = 0;
	if (a->loop != NULL && !uv_is_closing((uv_handle_t *)&a->timer))
		uv_close((uv_handle_t *)&a->timer, NULL);
}

uint64_t autockpt_count(const struct autockpt *a)
{
	return a->count;
}

void autockpt_free(struct autockpt *a)
{
	if (a == NULL)
		return;
	note_skey_free(a->key);
	free(a);
}
