/*
 * serve.c: the suiji-beacon service (serve.h): data directory, round store,
 * producer and HTTP server on one libuv loop.
 *
 * The order of a round's life: its due time passes; the producer signs it
 * over the previous round's signature, verifies the fresh round with the
 * same code the verifier runs, appends it in a transaction that commits
 * durably (WAL, synchronous=FULL), and only then lets the HTTP server hand
 * it out. A round whose due time has not come is never signed early and
 * never served: GET /public/N for such a round is 404, even when the clock
 * went backwards after it was stored.
 *
 * Rounds missed while the service was down are produced at start-up, in
 * order, each signed exactly as it would have been on time (Ed25519 is
 * deterministic, so there is no other value it could have had); their
 * production time is stored and is later than their due time.
 */
#include "beacon/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "common/util.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"

#define KEY_NAME "suiji-beacon"
#define PATH_CAP 4096
#define RETRY_MS 1000 /* after a failed append, try again this much later */

static const char serve_schema[] =
    "CREATE TABLE IF NOT EXISTS chain(hash BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rounds(round INTEGER PRIMARY KEY, signature BLOB NOT NULL,"
    "  previous_signature BLOB NOT NULL, produced_us INTEGER NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS chain_one_row BEFORE INSERT ON chain"
    "  WHEN (SELECT COUNT(*) FROM chain) > 0"
    "  BEGIN SELECT RAISE(ABORT, 'suiji-beacon has one chain'); END;"
    "CREATE TRIGGER IF NOT EXISTS chain_no_update BEFORE UPDATE ON chain"
    "  BEGIN SELECT RAISE(ABORT, 'suiji-beacon store is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS chain_no_delete BEFORE DELETE ON chain"
    "  BEGIN SELECT RAISE(ABORT, 'suiji-beacon store is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS rounds_in_order BEFORE INSERT ON rounds"
    "  WHEN NEW.round != COALESCE((SELECT MAX(round) FROM rounds), 0) + 1"
    "  BEGIN SELECT RAISE(ABORT, 'suiji-beacon rounds are appended in order'); END;"
    "CREATE TRIGGER IF NOT EXISTS rounds_no_update BEFORE UPDATE ON rounds"
    "  BEGIN SELECT RAISE(ABORT, 'suiji-beacon store is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS rounds_no_delete BEFORE DELETE ON rounds"
    "  BEGIN SELECT RAISE(ABORT, 'suiji-beacon store is append-only'); END;";

struct serve_store {
	sqlite3 *db;
	sqlite3_stmt *get;
	struct beacon_chain chain;
	char info[BEACON_MAX_JSON + 1];
	size_t info_len;
};

static int dir_path(char *out, const char *dir, const char *name, char *err, size_t err_cap)
{
	int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_CAP) {
		snprintf(err, err_cap, "directory path too long");
		return SJ_EINVAL;
	}
	return SJ_OK;
}

static int db_fail(sqlite3 *db, int src, const char *what, char *err, size_t err_cap)
{
	snprintf(err, err_cap, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
	if (src == SQLITE_FULL)
		return SJ_EFULL;
	if (src == SQLITE_NOMEM)
		return SJ_ENOMEM;
	return SJ_EIO;
}

/* Opens beacon.db; when writing, in WAL mode with synchronous=FULL so a
 * committed round survives power loss, and with the schema in place. */
static int open_db(sqlite3 **out, const char *path, int readonly, int create, char *err,
                   size_t err_cap)
{
	int flags = SQLITE_OPEN_NOMUTEX, src;
	sqlite3 *db = NULL;
	char *msg = NULL;

	flags |= readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	src = sqlite3_open_v2(path, &db, flags, NULL);
	if (src != SQLITE_OK) {
		snprintf(err, err_cap, "cannot open %s: %s", path,
		         db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
		sqlite3_close(db);
		return src == SQLITE_CANTOPEN ? SJ_ENOENT : SJ_EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	if (!readonly) {
		src = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg);
		if (src == SQLITE_OK)
			src = sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, &msg);
		if (src == SQLITE_OK)
			src = sqlite3_exec(db, serve_schema, NULL, NULL, &msg);
		if (src != SQLITE_OK) {
			snprintf(err, err_cap, "cannot set up %s: %s", path,
			         msg ? msg : sqlite3_errstr(src));
			sqlite3_free(msg);
			sqlite3_close(db);
			return SJ_EIO;
		}
	}
	*out = db;
	return SJ_OK;
}

/* Checks the chain row of db against hash; inserts it when absent and
 * may_insert is set. */
static int check_chain_row(sqlite3 *db, const uint8_t hash[BEACON_HASH_SIZE], int may_insert,
                           char *err, size_t err_cap)
{
	sqlite3_stmt *st = NULL;
	int src, rc = SJ_OK;

	src = sqlite3_prepare_v2(db, "SELECT hash FROM chain", -1, &st, NULL);
	if (src != SQLITE_OK)
		return db_fail(db, src, "reading the chain hash", err, err_cap);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != BEACON_HASH_SIZE ||
		    memcmp(sqlite3_column_blob(st, 0), hash, BEACON_HASH_SIZE) != 0) {
			snprintf(err, err_cap,
			         "beacon.db belongs to another chain than chain.json");
			rc = SJ_EVERIFY;
		}
		goto finalize;
	}
	if (src != SQLITE_DONE) {
		rc = db_fail(db, src, "reading the chain hash", err, err_cap);
		goto finalize;
	}
	if (!may_insert) {
		snprintf(err, err_cap, "beacon.db has no chain hash");
		rc = SJ_EVERIFY;
		goto finalize;
	}
	sqlite3_finalize(st);
	st = NULL;
	src = sqlite3_prepare_v2(db, "INSERT INTO chain(hash) VALUES(?)", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_bind_blob(st, 1, hash, BEACON_HASH_SIZE, SQLITE_STATIC);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = db_fail(db, src, "storing the chain hash", err, err_cap);
finalize:
	sqlite3_finalize(st);
	return rc;
}

int serve_init(const char *dir, uint32_t period, int64_t genesis_time, char *err, size_t err_cap)
{
	char path[PATH_CAP], info[BEACON_MAX_JSON + 1];
	struct note_skey *key = NULL;
	struct note_vkey vk;
	struct beacon_chain c;
	struct stat st;
	sqlite3 *db = NULL;
	size_t len;
	int rc, created = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, err_cap, "cannot create %s: %s", dir, strerror(errno));
		return SJ_EIO;
	}
	rc = dir_path(path, dir, "chain.json", err, err_cap);
	if (rc != SJ_OK)
		return rc;
	if (stat(path, &st) == 0) {
		snprintf(err, err_cap, "%s exists: this beacon is initialised already", path);
		return SJ_EEXIST;
	}
	rc = dir_path(path, dir, "beacon.key", err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = keyfile_load(&key, path, KEY_NAME, NOTE_TYPE_ED25519, 1, &created, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	note_skey_public(&vk, key);
	rc = beacon_chain_init_suiji(&c, vk.pk, genesis_time, period);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "period must be 1..%u seconds and genesis 0..%lld",
		         BEACON_MAX_PERIOD, (long long)BEACON_MAX_TIME);
		goto free_key;
	}
	rc = dir_path(path, dir, "beacon.db", err, err_cap);
	if (rc != SJ_OK)
		goto free_key;
	rc = open_db(&db, path, 0, 1, err, err_cap);
	if (rc != SJ_OK)
		goto free_key;
	rc = check_chain_row(db, c.hash, 1, err, err_cap);
	if (rc != SJ_OK)
		goto close_db;
	rc = beacon_chain_format(info, sizeof info, &len, &c);
	if (rc != SJ_OK)
		goto close_db;
	/* Last: chain.json's presence is what marks the beacon initialised. */
	rc = dir_path(path, dir, "chain.json", err, err_cap);
	if (rc == SJ_OK)
		rc = util_write_file(path, info, len, 0644);
	if (rc != SJ_OK)
		snprintf(err, err_cap, "cannot write %s: %s", path, sj_strerror(rc));
close_db:
	sqlite3_close(db);
free_key:
	note_skey_free(key);
	return rc;
}

int serve_store_open(struct serve_store **out, const char *dir, int readonly, char *err,
                     size_t err_cap)
{
	struct serve_store *s;
	char path[PATH_CAP], again[BEACON_MAX_JSON + 1];
	uint8_t *text = NULL;
	size_t len = 0, alen = 0;
	int rc, src;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return SJ_ENOMEM;
	rc = dir_path(path, dir, "chain.json", err, err_cap);
	if (rc != SJ_OK)
		goto free_s;
	rc = util_read_file(&text, &len, path, BEACON_MAX_JSON);
	if (rc != SJ_OK) {
		snprintf(err, err_cap,
		         rc == SJ_ENOENT ? "%s: no such file (run suiji-beacon init)"
		                         : "cannot read %s",
		         path);
		goto free_s;
	}
	rc = beacon_chain_parse(&s->chain, (const char *)text, len, err, err_cap);
	if (rc == SJ_OK && s->chain.kind != BEACON_KIND_SUIJI) {
		snprintf(err, err_cap, "%s is not a suiji-beacon chain", path);
		rc = SJ_EVERIFY;
	}
	/* What is served is what is on disk, and it must be the one canonical
	 * form, so a hand-edited file cannot serve two spellings of a chain. */
	if (rc == SJ_OK && (beacon_chain_format(again, sizeof again, &alen, &s->chain) != SJ_OK ||
	                    alen != len || memcmp(again, text, len) != 0)) {
		snprintf(err, err_cap, "%s is not in canonical form", path);
		rc = SJ_EVERIFY;
	}
	if (rc != SJ_OK) {
		if (rc == SJ_EINVAL)
			rc = SJ_EVERIFY;
		goto free_text;
	}
	memcpy(s->info, text, len);
	s->info[len] = '\0';
	s->info_len = len;
	rc = dir_path(path, dir, "beacon.db", err, err_cap);
	if (rc != SJ_OK)
		goto free_text;
	rc = open_db(&s->db, path, readonly, 0, err, err_cap);
	if (rc != SJ_OK)
		goto free_text;
	rc = check_chain_row(s->db, s->chain.hash, 0, err, err_cap);
	if (rc != SJ_OK)
		goto close_db;
	src = sqlite3_prepare_v2(s->db,
	                         "SELECT signature, previous_signature, produced_us FROM rounds "
	                         "WHERE round = ?",
	                         -1, &s->get, NULL);
	if (src != SQLITE_OK)
		rc = db_fail(s->db, src, "preparing reads", err, err_cap);
close_db:
	if (rc != SJ_OK)
		sqlite3_close(s->db);
free_text:
	free(text);
free_s:
	if (rc == SJ_OK)
		*out = s;
	else
		free(s);
	return rc;
}

void serve_store_close(struct serve_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->get);
	sqlite3_close(s->db);
	free(s);
}

const struct beacon_chain *serve_store_chain(const struct serve_store *s)
{
	return &s->chain;
}

const char *serve_store_info(const struct serve_store *s, size_t *len)
{
	*len = s->info_len;
	return s->info;
}

int serve_store_last(struct serve_store *s, uint64_t *round)
{
	sqlite3_stmt *st = NULL;
	int src;

	src =
	    sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(round), 0) FROM rounds", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*round = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return src == SQLITE_ROW ? SJ_OK : SJ_EIO;
}

int serve_store_get(struct serve_store *s, uint64_t n, struct beacon_round *out,
                    int64_t *produced_us)
{
	int src, rc = SJ_OK;

	if (n == 0 || n > INT64_MAX)
		return SJ_ENOENT;
	sqlite3_reset(s->get);
	sqlite3_bind_int64(s->get, 1, (sqlite3_int64)n);
	src = sqlite3_step(s->get);
	if (src == SQLITE_DONE) {
		rc = SJ_ENOENT;
	} else if (src != SQLITE_ROW || sqlite3_column_bytes(s->get, 0) != BEACON_SUIJI_SIG ||
	           sqlite3_column_bytes(s->get, 1) != BEACON_SUIJI_SIG) {
		rc = SJ_EIO;
	} else {
		memset(out, 0, sizeof *out);
		out->round = n;
		memcpy(out->signature, sqlite3_column_blob(s->get, 0), BEACON_SUIJI_SIG);
		out->signature_len = BEACON_SUIJI_SIG;
		memcpy(out->previous_signature, sqlite3_column_blob(s->get, 1), BEACON_SUIJI_SIG);
		out->previous_signature_len = BEACON_SUIJI_SIG;
		crypto_hash_sha256(out->randomness, out->signature, BEACON_SUIJI_SIG);
		if (produced_us != NULL)
			*produced_us = sqlite3_column_int64(s->get, 2);
	}
	sqlite3_reset(s->get);
	return rc;
}

/* ---- the running service ---- */

struct server;

/* One HTTP connection: one request, one response, then closed. */
struct conn {
	uv_tcp_t tcp;
	uv_timer_t idle;
	uv_write_t wr;
	uv_shutdown_t sd;
	struct server *sv;
	struct conn *next, **pprev;
	char req[SERVE_MAX_REQUEST];
	size_t len;
	char *resp;
	int answered, closing, handles;
};

struct server {
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_timer_t tick;
	uv_signal_t sigint, sigterm;
	struct serve_store *store;
	struct note_skey *key;
	sqlite3_stmt *ins;
	uint64_t last;                      /* highest stored round */
	uint8_t last_sig[BEACON_SUIJI_SIG]; /* its signature (zeros before round 1) */
	struct conn *conns;
	size_t nconns;
	int stopping;
};

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr; never a key, never a request body. */
static void logmsg(const char *fmt, ...)
{
	va_list ap;
	fputs("suiji-beacon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Signs, self-verifies and appends every round that is due, at most
 * SERVE_BATCH per transaction, and returns in *next_ms when to look again.
 * The in-memory head moves only after the transaction has committed, so
 * nothing is served that is not durable.
 */
static int produce(struct server *sv, uint64_t *next_ms, char *err, size_t err_cap)
{
	const struct beacon_chain *c = serve_store_chain(sv->store);
	uint64_t r = sv->last, made = 0;
	uint8_t sig[BEACON_SUIJI_SIG], prev[BEACON_SUIJI_SIG];
	uint8_t msg[BEACON_MSG_SIZE];
	int64_t now = util_now_us(), t = 0, first_late = 0;
	int rc = SJ_OK, src;
	char *emsg = NULL;

	memcpy(prev, sv->last_sig, sizeof prev);
	src = sqlite3_exec(sv->store->db, "BEGIN IMMEDIATE", NULL, NULL, &emsg);
	if (src != SQLITE_OK) {
		snprintf(err, err_cap, "cannot begin a transaction: %s",
		         emsg ? emsg : sqlite3_errstr(src));
		sqlite3_free(emsg);
		return SJ_EIO;
	}
	while (made < SERVE_BATCH) {
		struct beacon_round nr, pr;
		struct beacon_value v;
		char verr[256];

		if (beacon_round_time(&t, c, r + 1) != SJ_OK || t * 1000000 > now)
			break;
		beacon_round_message(msg, c, r + 1, prev);
		note_skey_sign_raw(sig, msg, sizeof msg, sv->key);
		/* Self-verification with the verifier's own code: a round that
		 * fails it is never stored. */
		memset(&nr, 0, sizeof nr);
		nr.round = r + 1;
		crypto_hash_sha256(nr.randomness, sig, sizeof sig);
		memcpy(nr.signature, sig, sizeof sig);
		nr.signature_len = sizeof sig;
		memcpy(nr.previous_signature, prev, sizeof prev);
		nr.previous_signature_len = sizeof prev;
		memset(&pr, 0, sizeof pr);
		pr.round = r;
		memcpy(pr.signature, prev, sizeof prev);
		pr.signature_len = sizeof prev;
		if (beacon_round_verify(&v, c, &nr, r > 0 ? &pr : NULL, now, verr, sizeof verr) !=
		    SJ_OK) {
			snprintf(err, err_cap, "round %llu failed self-verification: %s",
			         (unsigned long long)(r + 1), verr);
			rc = SJ_EVERIFY;
			goto out;
		}
		sqlite3_reset(sv->ins);
		sqlite3_bind_int64(sv->ins, 1, (sqlite3_int64)(r + 1));
		sqlite3_bind_blob(sv->ins, 2, sig, sizeof sig, SQLITE_TRANSIENT);
		sqlite3_bind_blob(sv->ins, 3, prev, sizeof prev, SQLITE_TRANSIENT);
		sqlite3_bind_int64(sv->ins, 4, now);
		src = sqlite3_step(sv->ins);
		sqlite3_reset(sv->ins);
		if (src != SQLITE_DONE) {
			rc = db_fail(sv->store->db, src, "storing a round", err, err_cap);
			goto out;
		}
		if (made == 0)
			first_late = now - t * 1000000;
		memcpy(prev, sig, sizeof sig);
		r++;
		made++;
	}
	src = sqlite3_exec(sv->store->db, "COMMIT", NULL, NULL, &emsg);
	if (src != SQLITE_OK) {
		snprintf(err, err_cap, "cannot commit rounds: %s",
		         emsg ? emsg : sqlite3_errstr(src));
		sqlite3_free(emsg);
		rc = src == SQLITE_FULL ? SJ_EFULL : SJ_EIO;
		goto out;
	}
	sv->last = r;
	memcpy(sv->last_sig, prev, sizeof prev);
	if (made > 1 || first_late > 1000000)
		logmsg("produced rounds %llu..%llu, the first %lld ms after its due time",
		       (unsigned long long)(r - made + 1), (unsigned long long)r,
		       (long long)(first_late / 1000));
	if (made == SERVE_BATCH) {
		*next_ms = 0;
	} else if (beacon_round_time(&t, c, r + 1) != SJ_OK) {
		*next_ms = UINT64_MAX; /* the chain has reached its last round */
	} else {
		/* One millisecond past the due time, as the loop's clock may
		 * run a little behind the wall clock this is compared with. */
		int64_t wait = t * 1000000 - util_now_us();
		*next_ms = wait <= 0 ? 0 : (uint64_t)(wait / 1000 + 1);
	}
out:
	if (rc != SJ_OK)
		sqlite3_exec(sv->store->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void on_tick(uv_timer_t *t)
{
	struct server *sv = t->data;
	uint64_t next = RETRY_MS;
	char err[512];

	if (sv->stopping)
		return;
	if (produce(sv, &next, err, sizeof err) != SJ_OK) {
		/* The service keeps serving what it has; the round is signed
		 * again (to the same value) on the next attempt. */
		logmsg("%s; retrying in %d ms", err, RETRY_MS);
		next = RETRY_MS;
	}
	if (next != UINT64_MAX)
		uv_timer_start(&sv->tick, on_tick, next, 0);
}

static void conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->handles == 0) {
		free(c->resp);
		free(c);
	}
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	*c->pprev = c->next;
	if (c->next != NULL)
		c->next->pprev = c->pprev;
	c->sv->nconns--;
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
	uv_close((uv_handle_t *)&c->idle, conn_closed);
}

static void on_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

/* After the half-close the connection is left to the client: closing it
 * while request bytes are still unread would send a reset that can destroy
 * the response before the client reads it. The client's EOF (or the idle
 * timer) closes it. */
static void on_shutdown(uv_shutdown_t *req, int status)
{
	if (status != 0)
		conn_close(req->data);
}

static void on_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	/* Half-close after the response, so the client reads it all before
	 * the connection goes. */
	if (status != 0 || c->closing ||
	    uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
		conn_close(c);
}

static void respond(struct conn *c, int status, const char *reason, const char *extra,
                    const char *body, size_t blen, int head_only)
{
	const char *ctype = status == 200 ? "application/json" : "text/plain; charset=utf-8";
	size_t cap = 512 + blen;
	uv_buf_t b;
	int n;

	c->answered = 1;
	c->resp = malloc(cap);
	if (c->resp == NULL) {
		conn_close(c);
		return;
	}
	n = snprintf(c->resp, cap,
	             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
	             "Connection: close\r\n\r\n",
	             status, reason, ctype, blen, extra ? extra : "");
	if (n < 0 || (size_t)n + blen >= cap) {
		conn_close(c);
		return;
	}
	if (!head_only) {
		memcpy(c->resp + n, body, blen);
		n += (int)blen;
	}
	b = uv_buf_init(c->resp, (unsigned)n);
	c->wr.data = c;
	c->sd.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
		conn_close(c);
}

static void respond_text(struct conn *c, int status, const char *reason, const char *text,
                         int head_only)
{
	respond(c, status, reason, NULL, text, strlen(text), head_only);
}

/* A round number in a path: decimal digits, no leading zero, at most 2^53. */
static int path_round(uint64_t *out, const char *s)
{
	uint64_t v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 16 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (UINT64_C(1) << 53))
		return 0;
	*out = v;
	return 1;
}

/* The highest round that may be served now: stored, and due. */
static uint64_t served_head(struct server *sv)
{
	uint64_t due = 0;
	if (beacon_round_at(&due, serve_store_chain(sv->store), util_now_us() / 1000000) != SJ_OK)
		due = UINT64_MAX;
	return sv->last < due ? sv->last : due;
}

static void serve_round(struct conn *c, uint64_t n, int latest, int head_only)
{
	struct server *sv = c->sv;
	struct beacon_round r;
	struct beacon_value v;
	char body[2 * BEACON_MAX_JSON], verr[256];
	size_t len;
	int rc;

	if (n == 0 || n > served_head(sv)) {
		respond_text(c, 404, "Not Found", "no such round yet\n", head_only);
		return;
	}
	rc = serve_store_get(sv->store, n, &r, NULL);
	/* Every round is verified again before it leaves, so a damaged or
	 * edited store is refused rather than published. */
	if (rc == SJ_OK)
		rc = beacon_round_verify(&v, serve_store_chain(sv->store), &r, NULL, INT64_MAX,
		                         verr, sizeof verr);
	if (rc == SJ_OK)
		rc = beacon_round_format(body, sizeof body, &len, &r);
	if (rc != SJ_OK) {
		logmsg("cannot serve round %llu: %s", (unsigned long long)n,
		       rc == SJ_EVERIFY ? verr : sj_strerror(rc));
		respond_text(c, 500, "Internal Server Error", "stored round unavailable\n",
		             head_only);
		return;
	}
	/* A published round never changes; "latest" does, every period. */
	respond(c, 200, "OK",
	        latest ? "Cache-Control: no-cache\r\n"
	               : "Cache-Control: public, max-age=31536000, immutable\r\n",
	        body, len, head_only);
}

static void handle_request(struct conn *c)
{
	struct server *sv = c->sv;
	char *line_end, *sp1, *sp2, *path, *q;
	char hash[2 * BEACON_HASH_SIZE + 1];
	uint64_t n;
	int head_only;

	line_end = strstr(c->req, "\r\n");
	if (line_end == NULL) {
		respond_text(c, 400, "Bad Request", "bad request\n", 0);
		return;
	}
	*line_end = '\0';
	sp1 = strchr(c->req, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    strlen(sp2 + 1) != 8 || sp1[1] != '/') {
		respond_text(c, 400, "Bad Request", "bad request\n", 0);
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	head_only = strcmp(c->req, "HEAD") == 0;
	if (!head_only && strcmp(c->req, "GET") != 0) {
		respond(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "only GET and HEAD\n",
		        17, 0);
		return;
	}
	path = sp1 + 1;
	q = strchr(path, '?');
	if (q != NULL)
		*q = '\0';
	/* drand's multi-chain form /<chain hash>/... names this chain too. */
	beacon_chain_hash_hex(hash, serve_store_chain(sv->store));
	if (strncmp(path + 1, hash, 2 * BEACON_HASH_SIZE) == 0 &&
	    path[1 + 2 * BEACON_HASH_SIZE] == '/')
		path += 1 + 2 * BEACON_HASH_SIZE;
	if (strcmp(path, "/info") == 0) {
		size_t len;
		const char *info = serve_store_info(sv->store, &len);
		respond(c, 200, "OK", NULL, info, len, head_only);
	} else if (strcmp(path, "/public/latest") == 0) {
		serve_round(c, served_head(sv), 1, head_only);
	} else if (strncmp(path, "/public/", 8) == 0 && path_round(&n, path + 8)) {
		serve_round(c, n, 0, head_only);
	} else {
		respond_text(c, 404, "Not Found", "not found\n", head_only);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;
	(void)suggested;
	/* One byte is kept for the NUL that ends the request head. */
	*buf = uv_buf_init(c->req + c->len, (unsigned)(SERVE_MAX_REQUEST - 1 - c->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	(void)buf;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (c->closing)
		return;
	if (c->answered) {
		c->len = 0; /* anything after the request is read and dropped */
		return;
	}
	c->len += (size_t)nread;
	c->req[c->len] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL)
		handle_request(c);
	else if (c->len == SERVE_MAX_REQUEST - 1)
		respond_text(c, 431, "Request Header Fields Too Large", "request too large\n", 0);
}

static void on_connection(uv_stream_t *l, int status)
{
	struct server *sv = l->data;
	struct conn *c;

	if (status != 0 || sv->stopping)
		return;
	/* libuv stops accepting until this connection is taken, so it is
	 * always accepted; one over the limit is closed at once. */
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		logmsg("out of memory accepting a connection");
		return;
	}
	c->sv = sv;
	c->tcp.data = c;
	c->idle.data = c;
	uv_tcp_init(&sv->loop, &c->tcp);
	uv_timer_init(&sv->loop, &c->idle);
	c->handles = 2;
	c->next = sv->conns;
	c->pprev = &sv->conns;
	if (sv->conns != NULL)
		sv->conns->pprev = &c->next;
	sv->conns = c;
	sv->nconns++;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0 || sv->nconns > SERVE_MAX_CONNS ||
	    uv_timer_start(&c->idle, on_idle, SERVE_IDLE_MS, 0) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
		conn_close(c);
}

static void stop(struct server *sv)
{
	if (sv->stopping)
		return;
	sv->stopping = 1;
	logmsg("stopping");
	uv_close((uv_handle_t *)&sv->listener, NULL);
	uv_close((uv_handle_t *)&sv->tick, NULL);
	uv_close((uv_handle_t *)&sv->sigint, NULL);
	uv_close((uv_handle_t *)&sv->sigterm, NULL);
	while (sv->conns != NULL)
		conn_close(sv->conns);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	stop(h->data);
}

static int parse_listen(struct sockaddr_storage *ss, const char *listen)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;
	size_t hl;

	if (colon == NULL)
		return SJ_EINVAL;
	hl = (size_t)(colon - listen);
	if (hl == 0 || hl >= sizeof host)
		return SJ_EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
		return SJ_EINVAL;
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss) == 0 ? SJ_OK
		                                                                        : SJ_EINVAL;
	}
	return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0 ? SJ_OK : SJ_EINVAL;
}

/* Loads the key, checks it is the chain's, and resumes from the last stored
 * round, which is verified before anything is chained to it. */
static int resume(struct server *sv, const char *dir, char *err, size_t err_cap)
{
	const struct beacon_chain *c = serve_store_chain(sv->store);
	struct beacon_round last, before;
	struct beacon_value v;
	struct note_vkey vk;
	char path[PATH_CAP], verr[256];
	int rc, src;

	rc = dir_path(path, dir, "beacon.key", err, err_cap);
	if (rc != SJ_OK)
		return rc;
	rc = keyfile_load(&sv->key, path, KEY_NAME, NOTE_TYPE_ED25519, 0, NULL, err, err_cap);
	if (rc != SJ_OK)
		return rc;
	note_skey_public(&vk, sv->key);
	if (sodium_memcmp(vk.pk, c->public_key, 32) != 0) {
		snprintf(err, err_cap, "%s is not the key of chain.json's chain", path);
		return SJ_EVERIFY;
	}
	rc = serve_store_last(sv->store, &sv->last);
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot read the last round");
		return rc;
	}
	if (sv->last > 0) {
		rc = serve_store_get(sv->store, sv->last, &last, NULL);
		if (rc == SJ_OK && sv->last > 1)
			rc = serve_store_get(sv->store, sv->last - 1, &before, NULL);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "cannot read stored round %llu",
			         (unsigned long long)sv->last);
			return SJ_EIO;
		}
		rc = beacon_round_verify(&v, c, &last, sv->last > 1 ? &before : NULL, INT64_MAX,
		                         verr, sizeof verr);
		if (rc != SJ_OK) {
			snprintf(err, err_cap,
			         "stored round %llu does not verify (%s); refusing "
			         "to extend a broken chain",
			         (unsigned long long)sv->last, verr);
			return SJ_EVERIFY;
		}
		memcpy(sv->last_sig, last.signature, BEACON_SUIJI_SIG);
	}
	src = sqlite3_prepare_v2(sv->store->db,
	                         "INSERT INTO rounds(round, signature, previous_signature, "
	                         "produced_us) VALUES(?, ?, ?, ?)",
	                         -1, &sv->ins, NULL);
	if (src != SQLITE_OK)
		return db_fail(sv->store->db, src, "preparing appends", err, err_cap);
	return SJ_OK;
}

static int start(struct server *sv, const char *listen, char *err, size_t err_cap)
{
	struct sockaddr_storage ss, bound;
	char host[INET6_ADDRSTRLEN];
	int len = sizeof bound, e, port;

	memset(&ss, 0, sizeof ss);
	if (parse_listen(&ss, listen) != SJ_OK) {
		snprintf(err, err_cap, "--listen %s is not IPv4:PORT or [IPv6]:PORT", listen);
		return SJ_EINVAL;
	}
	e = uv_tcp_bind(&sv->listener, (const struct sockaddr *)&ss, 0);
	if (e == 0)
		e = uv_listen((uv_stream_t *)&sv->listener, 128, on_connection);
	if (e == 0)
		e = uv_tcp_getsockname(&sv->listener, (struct sockaddr *)&bound, &len);
	if (e != 0) {
		snprintf(err, err_cap, "cannot listen on %s: %s", listen, uv_strerror(e));
		return SJ_EIO;
	}
	if (bound.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&bound, host, sizeof host);
		port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
		printf("listening on http://[%s]:%d\n", host, port);
	} else {
		uv_ip4_name((struct sockaddr_in *)&bound, host, sizeof host);
		port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
		printf("listening on http://%s:%d\n", host, port);
	}
	fflush(stdout);
	e = uv_signal_start(&sv->sigint, on_signal, SIGINT);
	if (e == 0)
		e = uv_signal_start(&sv->sigterm, on_signal, SIGTERM);
	/* The first tick catches up on every round missed while down. */
	if (e == 0)
		e = uv_timer_start(&sv->tick, on_tick, 0, 0);
	if (e != 0) {
		snprintf(err, err_cap, "cannot start: %s", uv_strerror(e));
		return SJ_EIO;
	}
	return SJ_OK;
}

int serve_run(const char *dir, const char *listen, char *err, size_t err_cap)
{
	struct server *sv;
	int rc, e;

	/* A client that goes away mid-response must not kill the beacon. */
	signal(SIGPIPE, SIG_IGN);
	sv = calloc(1, sizeof *sv);
	if (sv == NULL)
		return SJ_ENOMEM;
	rc = serve_store_open(&sv->store, dir, 0, err, err_cap);
	if (rc != SJ_OK)
		goto free_sv;
	rc = resume(sv, dir, err, err_cap);
	if (rc != SJ_OK)
		goto close_store;
	e = uv_loop_init(&sv->loop);
	if (e != 0) {
		snprintf(err, err_cap, "cannot start the event loop: %s", uv_strerror(e));
		rc = SJ_EIO;
		goto close_store;
	}
	/* Every handle is initialised before anything can fail, so one path
	 * (stop) closes them all whatever happened. */
	uv_tcp_init(&sv->loop, &sv->listener);
	uv_timer_init(&sv->loop, &sv->tick);
	uv_signal_init(&sv->loop, &sv->sigint);
	uv_signal_init(&sv->loop, &sv->sigterm);
	sv->listener.data = sv->tick.data = sv->sigint.data = sv->sigterm.data = sv;
	rc = start(sv, listen, err, err_cap);
	if (rc != SJ_OK)
		stop(sv);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	e = uv_loop_close(&sv->loop);
	if (e != 0 && rc == SJ_OK) {
		snprintf(err, err_cap, "the event loop did not close: %s", uv_strerror(e));
		rc = SJ_EIO;
	}
close_store:
	sqlite3_finalize(sv->ins);
	note_skey_free(sv->key);
	serve_store_close(sv->store);
free_sv:
	free(sv);
	return rc;
}
