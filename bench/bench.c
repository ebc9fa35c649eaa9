/*
 * bench.c: the figures of `make bench`, each printed beside a baseline
 * measured in the same run on the same machine, with its target and whether
 * the target was met.
 *
 *   1. Durable signed appends per second through ledger_store_append with
 *      group commit (batches of BENCH_BATCH client-signed requests), beside
 *      a plain SQLite table with the same durability (WAL, synchronous=FULL)
 *      taking one INSERT of a same-sized blob per transaction. Target: at
 *      least half the plain rate. The rate without batching is printed too.
 *   2. Verifier entries per second over a ledger of BENCH_VERIFY_ENTRIES
 *      entries with a few cosigned checkpoints, fed from the SQLite file and
 *      from an export, beside SHA-256 of each entry's bytes once. Target: at
 *      least half. Measured twice: entries signed by a client (one Ed25519
 *      verification each) and unsigned operator entries. Two diagnostics
 *      follow: the signed verifier beside Ed25519 verification alone (its
 *      floor), and verify_entry timed over the first and the last entries
 *      of the ledger, which shows whether the cost per entry stays flat.
 *   3. Inclusion proofs verified per second for random leaves of a tree of
 *      BENCH_TREE_LEAVES random leaf hashes, beside the same number of raw
 *      SHA-256 node hashes (no target was set: the row is information); and
 *      the time to generate one proof from the leaves with
 *      merkle_inclusion_proof, which is how the store makes proofs.
 *
 * A benchmark reports; it does not fail on a missed target. It exits 1 only
 * when something it measures does not work (a refused append, a ledger that
 * does not verify, a proof that does not check), because then its figures
 * would mean nothing.
 *
 * Every clock is CLOCK_MONOTONIC. Databases and the export live in one
 * mkdtemp directory under $TMPDIR (or /tmp), removed at the end. Durable
 * figures only mean something on a file system where fsync reaches the
 * disk; the program says so when the directory is on tmpfs.
 */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/store.h"
#include "proto/ledger.pb-c.h"
#include "rules/storeops.h"
#include "verifier/verify.h"

#include "bench/report.h"

#define BENCH_BATCH              64      /* group commit batch size */
#define BENCH_APPEND_MAX         12800   /* signed appends per group-commit run */
#define BENCH_SINGLE_MAX         3000    /* appends per run without batching */
#define BENCH_PLAIN_MAX          5000    /* plain SQLite inserts */
#define BENCH_DURABLE_SECONDS    4.0     /* cap on each durable run */
#define BENCH_VERIFY_ENTRIES     20000   /* entries of each verifier ledger */
#define BENCH_VERIFY_CHECKPOINTS 4       /* cosigned checkpoints in it */
#define BENCH_VERIFY_RUNS        3       /* verifier runs per source; median */
#define BENCH_TREE_LEAVES        1000000 /* leaves of the proof tree */
#define BENCH_PROOFS             32768   /* distinct proofs verified */
#define BENCH_PROOF_GEN          3       /* proofs generated from the leaves, timed */
#define BENCH_MAX_PROOF          20      /* enough for 2^20 > BENCH_TREE_LEAVES leaves */
#define BENCH_MIN_SECONDS        0.5     /* shortest in-memory timing */

#define BENCH_ORIGIN "bench.suiji.example/log"
#define BENCH_AGENCY "sfj"

/* --- building ledgers through the store --- */

struct bench_ledger {
	char path[1024];
	struct ledger_store *s;
	struct note_skey *log_key; /* signs checkpoints */
	struct note_skey *admin;   /* a client registered as administrator */
	struct note_skey *witness; /* cosigns checkpoints */
	struct note_vkey log_vk, admin_vk, witness_vk;
	uint64_t next_code; /* makes every agency code unique */
};

/* One request as a client would send it: an agency registration, its
 * payload encoded once and signed over those bytes. */
struct bench_req {
	uint8_t payload[160];
	uint8_t sig[ENTRY_SIG_SIZE];
	struct ledger_append a;
};

static int bench_append_one(struct bench_ledger *l, const struct ledger_append *a)
{
	char err[512];
	int rc = ledger_store_append(l->s, a, 1, NULL, err, sizeof err);
	if (rc != SJ_OK)
		return report_error("append refused: %s (%s)", err, sj_strerror(rc));
	return 0;
}

/* Fills r with the next agency registration, signed by the administrator
 * when sign is set and written by the operator (unsigned) otherwise. *sign_s
 * (when not NULL) is increased by the time the signature took. */
static int bench_req_make(struct bench_ledger *l, struct bench_req *r, int sign, double *sign_s)
{
	Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
	char code[32];
	uint8_t *msg = NULL;
	size_t mlen, plen;
	double t0;

	/* Fixed-width codes keep every entry the same size. */
	snprintf(code, sizeof code, "b%09llu", (unsigned long long)l->next_code++);
	m.code = code;
	m.name = (char *)"连云港市市场监督管理局";
	m.parent = (char *)BENCH_AGENCY;
	plen = suiji__agency_register__get_packed_size(&m);
	if (plen > sizeof r->payload)
		return report_error("payload of %zu bytes does not fit", plen);
	suiji__agency_register__pack(&m, r->payload);
	r->a = (struct ledger_append){.type = ENTRY_AGENCY_REGISTER,
	                              .agency = "",
	                              .payload = r->payload,
	                              .payload_len = plen};
	if (!sign)
		return 0;
	t0 = report_now();
	r->a.counter = util_request_counter();
	if (entry_request_message(&msg, &mlen, BENCH_ORIGIN, ENTRY_AGENCY_REGISTER, r->a.counter,
	                          BENCH_AGENCY, strlen(BENCH_AGENCY), r->payload, plen) != SJ_OK)
		return report_error("cannot build a request message");
	note_skey_sign_raw(r->sig, msg, mlen, l->admin);
	free(msg);
	if (sign_s)
		*sign_s += report_now() - t0;
	r->a.agency = BENCH_AGENCY;
	r->a.actor = l->admin_vk.pk;
	r->a.sig = r->sig;
	return 0;
}

/* The stored size of an entry made by bench_req_make. */
static size_t bench_entry_size(const struct bench_req *r)
{
	return ENTRY_FIXED_SIZE + strlen(r->a.agency) + r->a.payload_len +
	       (r->a.sig ? ENTRY_SIG_SIZE : 0);
}

/* A new ledger at name in the temporary directory: log-init, the agency
 * "sfj", the administrator and a witness, all written by the operator. */
static int bench_ledger_open(struct bench_ledger *l, const char *name)
{
	Suiji__AgencyRegister ar = SUIJI__AGENCY_REGISTER__INIT;
	Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
	Suiji__WitnessAdd wa = SUIJI__WITNESS_ADD__INIT;
	char err[512], wvkey[NOTE_MAX_VKEY];
	uint8_t buf[512];
	struct ledger_append a = {.agency = "", .payload = buf};
	int rc;

	memset(l, 0, sizeof *l);
	report_path(l->path, sizeof l->path, name);
	if (note_skey_generate(&l->log_key, BENCH_ORIGIN, NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&l->admin, "admin@sfj", NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&l->witness, "witness.example/w1", NOTE_TYPE_COSIG_V1) != SJ_OK)
		return report_error("cannot generate keys");
	note_skey_public(&l->log_vk, l->log_key);
	note_skey_public(&l->admin_vk, l->admin);
	note_skey_public(&l->witness_vk, l->witness);
	rc = storeops_open(&l->s, l->path, LEDGER_STORE_CREATE, err, sizeof err);
	if (rc == SJ_OK)
		rc = ledger_store_init_log(l->s, BENCH_ORIGIN, "benchmark", l->log_key, err,
		                           sizeof err);
	if (rc != SJ_OK)
		return report_error("cannot create ledger %s: %s", name, err);

	ar.code = (char *)BENCH_AGENCY;
	ar.name = (char *)"连云港市司法局";
	ar.parent = (char *)"";
	a.type = ENTRY_AGENCY_REGISTER;
	a.payload_len = suiji__agency_register__pack(&ar, buf);
	if (bench_append_one(l, &a))
		return -1;

	cr.public_key.data = l->admin_vk.pk;
	cr.public_key.len = sizeof l->admin_vk.pk;
	cr.agency = (char *)BENCH_AGENCY;
	cr.role = SUIJI__ROLE__ROLE_ADMIN;
	cr.name = (char *)"admin";
	a.type = ENTRY_CLIENT_REGISTER;
	a.payload_len = suiji__client_register__pack(&cr, buf);
	if (bench_append_one(l, &a))
		return -1;

	if (note_vkey_format(wvkey, sizeof wvkey, l->witness_vk.name, l->witness_vk.type,
	                     l->witness_vk.pk) != SJ_OK)
		return report_error("cannot format the witness key");
	wa.vkey = wvkey;
	wa.note = (char *)"benchmark witness";
	a.type = ENTRY_WITNESS_ADD;
	a.payload_len = suiji__witness_add__pack(&wa, buf);
	return bench_append_one(l, &a);
}

static void bench_ledger_close(struct bench_ledger *l)
{
	ledger_store_close(l->s);
	note_skey_free(l->log_key);
	note_skey_free(l->admin);
	note_skey_free(l->witness);
	l->s = NULL;
	l->log_key = l->admin = l->witness = NULL;
}

/* A log-signed checkpoint over the whole ledger, cosigned by the witness. */
static int bench_checkpoint(struct bench_ledger *l)
{
	char *note = NULL, *line = NULL, *full = NULL, err[512];
	const char *blank;
	size_t len, ll, added;
	int rc;

	rc = ledger_store_checkpoint(l->s, l->log_key, &note, &len, err, sizeof err);
	if (rc != SJ_OK)
		return report_error("checkpoint refused: %s", err);
	blank = strstr(note, "\n\n"); /* the body ends at the blank line */
	rc = note_cosign(&line, note, (size_t)(blank - note) + 1, (uint64_t)time(NULL), l->witness);
	if (rc == SJ_OK) {
		ll = strlen(line);
		full = malloc(len + ll + 1);
		if (full == NULL) {
			rc = SJ_ENOMEM;
		} else {
			memcpy(full, note, len);
			memcpy(full + len, line, ll + 1);
			rc = ledger_store_add_cosignatures(l->s, full, len + ll, &added, err,
			                                   sizeof err);
		}
	}
	free(full);
	free(line);
	free(note);
	if (rc != SJ_OK)
		return report_error("cannot cosign a checkpoint: %s", sj_strerror(rc));
	return 0;
}

/* --- 1. durable appends --- */

struct bench_durable {
	uint64_t n;     /* appends or inserts timed */
	double seconds; /* wall time of the timed loop */
	double sign_s;  /* of which client signing */
};

/*
 * Appends signed requests to a new ledger in batches of batch, each batch
 * one durable transaction, until max entries are in or the time cap is
 * reached. The timed loop includes everything a client and the daemon do
 * per request: encoding the payload, the client's Ed25519 signature, and
 * the store's encode, decode, rule check with signature verification,
 * insert and commit.
 */
static int bench_appends(const char *name, size_t batch, uint64_t max, struct bench_durable *out,
                         size_t *entry_size)
{
	struct bench_ledger l;
	struct bench_req *reqs = NULL;
	struct ledger_append *as = NULL;
	char err[512];
	double t0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	reqs = calloc(batch, sizeof *reqs);
	as = calloc(batch, sizeof *as);
	if (reqs == NULL || as == NULL) {
		report_error("out of memory");
		goto out;
	}
	if (bench_ledger_open(&l, name))
		goto close;
	t0 = report_now();
	while (out->n < max && report_now() - t0 < BENCH_DURABLE_SECONDS) {
		for (size_t i = 0; i < batch; i++) {
			if (bench_req_make(&l, &reqs[i], 1, &out->sign_s))
				goto close;
			as[i] = reqs[i].a;
		}
		if (ledger_store_append(l.s, as, batch, NULL, err, sizeof err) != SJ_OK) {
			report_error("batch append refused: %s", err);
			goto close;
		}
		out->n += batch;
	}
	out->seconds = report_now() - t0;
	if (entry_size)
		*entry_size = bench_entry_size(&reqs[0]);
	rc = 0;
close:
	bench_ledger_close(&l);
out:
	free(reqs);
	free(as);
	return rc;
}

/*
 * What an application without group commit does: a table in WAL with
 * synchronous=FULL and one INSERT of a blob of size bytes per transaction
 * (SQLite's autocommit), until max rows or the time cap.
 */
static int bench_plain(const char *name, size_t size, uint64_t max, struct bench_durable *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *jm = NULL;
	uint8_t *blob = NULL;
	char path[1024];
	double t0;
	int wal = 0, rc = -1;

	memset(out, 0, sizeof *out);
	report_path(path, sizeof path, name);
	blob = malloc(size);
	if (blob == NULL) {
		report_error("out of memory");
		goto out;
	}
	randombytes_buf(blob, size);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		report_error("cannot open %s", path);
		goto out;
	}
	/* journal_mode answers with the mode in force. The statement is
	 * finalized at once: an unfinished one holds a read transaction open,
	 * and every INSERT after it would join one long transaction. */
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &jm, NULL) == SQLITE_OK &&
	    sqlite3_step(jm) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(jm, 0), "wal") == 0;
	sqlite3_finalize(jm);
	if (!wal || sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t(seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL)", NULL,
	                 NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(seq, bytes) VALUES(?, ?)", -1, &ins, NULL) !=
	        SQLITE_OK) {
		report_error("plain SQLite set-up failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	t0 = report_now();
	while (out->n < max && report_now() - t0 < BENCH_DURABLE_SECONDS) {
		memcpy(blob, &out->n, sizeof out->n); /* every row differs */
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)out->n);
		sqlite3_bind_blob(ins, 2, blob, (int)size, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			report_error("plain insert failed: %s", sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(ins);
		out->n++;
	}
	out->seconds = report_now() - t0;
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_close(db);
	free(blob);
	return rc;
}

static int bench_section_appends(void)
{
	struct bench_durable plain, grouped, single;
	size_t esize = 0;
	double pr, gr, sr;
	char what[64];

	/* The group-commit run goes first: it tells the entry size the plain
	 * inserts must match. */
	if (bench_appends("grouped.db", BENCH_BATCH, BENCH_APPEND_MAX, &grouped, &esize) ||
	    bench_plain("plain.db", esize, BENCH_PLAIN_MAX, &plain) ||
	    bench_appends("single.db", 1, BENCH_SINGLE_MAX, &single, NULL))
		return -1;
	pr = (double)plain.n / plain.seconds;
	gr = (double)grouped.n / grouped.seconds;
	sr = (double)single.n / single.seconds;
	snprintf(what, sizeof what, "signed appends, group commit (batch %d)", BENCH_BATCH);
	report_row("1", what, gr, "plain SQLite, 1 INSERT per txn", pr, 0.5);
	report_row("", "signed appends, no batching (batch 1)", sr,
	           "plain SQLite, 1 INSERT per txn", pr, 0);
	printf("   %zu-byte entries, WAL + synchronous=FULL; timed: %llu grouped in %.2f s, "
	       "%llu single in %.2f s, %llu plain in %.2f s\n",
	       esize, (unsigned long long)grouped.n, grouped.seconds, (unsigned long long)single.n,
	       single.seconds, (unsigned long long)plain.n, plain.seconds);
	printf("   client Ed25519 signing is inside the timed loop: %.1f us of the %.1f us per "
	       "grouped append\n",
	       1e6 * grouped.sign_s / (double)grouped.n, 1e6 * grouped.seconds / (double)grouped.n);
	return 0;
}

/* --- 2. the verifier --- */

struct bench_entries {
	const uint8_t **p;
	size_t *len;
	size_t n;
};

/* Builds a ledger of total entries, signed by the administrator or written
 * by the operator, with BENCH_VERIFY_CHECKPOINTS cosigned checkpoints spread
 * through it (the last at the end), and exports it next to the database. */
static int bench_verify_ledger(struct bench_ledger *l, const char *name, int sign, uint64_t total,
                               char *export_path, size_t export_cap)
{
	struct bench_req reqs[256];
	struct ledger_append as[256];
	uint64_t every = total / BENCH_VERIFY_CHECKPOINTS;
	char err[512];
	FILE *f;

	if (bench_ledger_open(l, name))
		return -1;
	while (ledger_store_size(l->s) < total) {
		uint64_t size = ledger_store_size(l->s);
		uint64_t next_cp = (size / every + 1) * every;
		size_t n = sizeof reqs / sizeof reqs[0];
		if (n > next_cp - size)
			n = (size_t)(next_cp - size);
		for (size_t i = 0; i < n; i++) {
			if (bench_req_make(l, &reqs[i], sign, NULL))
				return -1;
			as[i] = reqs[i].a;
		}
		if (ledger_store_append(l->s, as, n, NULL, err, sizeof err) != SJ_OK)
			return report_error("append refused: %s", err);
		if (ledger_store_size(l->s) % every == 0 && bench_checkpoint(l))
			return -1;
	}
	snprintf(export_path, export_cap, "%s.export", l->path);
	f = fopen(export_path, "wb");
	if (f == NULL)
		return report_error("cannot write %s: %s", export_path, strerror(errno));
	if (ledger_store_export(l->s, f, err, sizeof err) != SJ_OK) {
		fclose(f);
		return report_error("export failed: %s", err);
	}
	if (fclose(f) != 0)
		return report_error("cannot write %s", export_path);
	/* The verifier reads the file with nobody writing to it. */
	ledger_store_close(l->s);
	l->s = NULL;
	return 0;
}

/* Points e at every entry record of the export in buf (borrowed). */
static int bench_entries_of(struct bench_entries *e, const uint8_t *buf, size_t len)
{
	struct export_reader r;
	const uint8_t *data;
	size_t dl, cap = 0;
	char why[400];
	int kind, rc;

	memset(e, 0, sizeof *e);
	if (export_reader_init(&r, buf, len, why, sizeof why) != SJ_OK)
		return report_error("export: %s", why);
	while ((rc = export_reader_next(&r, &kind, &data, &dl, why, sizeof why)) == SJ_OK) {
		if (kind != EXPORT_KIND_ENTRY)
			continue;
		if (e->n == cap) {
			size_t nc = cap ? 2 * cap : 4096;
			const uint8_t **np = realloc(e->p, nc * sizeof *np);
			if (np == NULL)
				return report_error("out of memory");
			e->p = np;
			size_t *nl = realloc(e->len, nc * sizeof *nl);
			if (nl == NULL)
				return report_error("out of memory");
			e->len = nl;
			cap = nc;
		}
		e->p[e->n] = data;
		e->len[e->n] = dl;
		e->n++;
	}
	if (rc != SJ_ENOENT)
		return report_error("export: %s", why);
	return 0;
}

static void bench_entries_free(struct bench_entries *e)
{
	free(e->p);
	free(e->len);
	memset(e, 0, sizeof *e);
}

static volatile uint8_t bench_sink; /* keeps timed hashing from being elided */

/* The baseline: SHA-256 of each entry's bytes, once, in memory. Repeated
 * until the timing is long enough to trust. Entries per second. */
static double bench_raw_hash(const struct bench_entries *e)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	uint64_t done = 0;
	double t0 = report_now(), t;

	do {
		for (size_t i = 0; i < e->n; i++) {
			crypto_hash_sha256(h, e->p[i], e->len[i]);
			bench_sink ^= h[0];
		}
		done += e->n;
	} while ((t = report_now() - t0) < BENCH_MIN_SECONDS);
	return (double)done / t;
}

/* The floor for signed entries: crypto_sign_verify_detached alone over the
 * request messages of the entries (built before the clock starts). */
static int bench_ed25519_only(const struct bench_entries *e, const char *origin, double *rate)
{
	uint8_t **msg = calloc(e->n, sizeof *msg);
	size_t *mlen = calloc(e->n, sizeof *mlen);
	struct entry *d = calloc(e->n, sizeof *d);
	uint64_t nsig = 0;
	char why[400];
	double t0, t;
	int rc = -1;

	if (msg == NULL || mlen == NULL || d == NULL) {
		report_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < e->n; i++) {
		if (entry_decode(&d[i], e->p[i], e->len[i], why, sizeof why) != SJ_OK) {
			report_error("entry %zu: %s", i, why);
			goto out;
		}
		if (d[i].sig != NULL &&
		    entry_request_message(&msg[i], &mlen[i], origin, d[i].type, d[i].counter,
		                          d[i].agency, d[i].agency_len, d[i].payload,
		                          d[i].payload_len) != SJ_OK) {
			report_error("entry %zu: cannot build its request message", i);
			goto out;
		}
	}
	t0 = report_now();
	do {
		for (size_t i = 0; i < e->n; i++) {
			if (d[i].sig == NULL)
				continue;
			if (crypto_sign_verify_detached(d[i].sig, msg[i], mlen[i], d[i].actor) !=
			    0) {
				report_error("entry %zu: signature does not verify", i);
				goto out;
			}
			nsig++;
		}
	} while ((t = report_now() - t0) < BENCH_MIN_SECONDS);
	*rate = (double)nsig / t;
	rc = 0;
out:
	for (size_t i = 0; msg && i < e->n; i++)
		free(msg[i]);
	free(msg);
	free(mlen);
	free(d);
	return rc;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One full verification (verify_new .. verify_finish) of the ledger from
 * its SQLite file (buf NULL) or its export in buf; the verdict must be that
 * it holds, with every entry and checkpoint counted and the quorum met. */
static int bench_verify_once(const struct bench_ledger *l, const uint8_t *buf, size_t len,
                             uint64_t total, double *seconds)
{
	struct verify_opts o = {
	    .log_key = &l->log_vk, .witnesses = &l->witness_vk, .nwitnesses = 1, .quorum = 1};
	struct verify_report r = {0};
	struct verifier *v = NULL;
	char err[512] = "";
	double t0 = report_now();
	int rc;

	rc = verify_new(&v, &o);
	if (rc == SJ_OK)
		rc = buf ? verify_export(v, buf, len, NULL)
		         : verify_sqlite(v, l->path, NULL, err, sizeof err);
	if (rc == SJ_OK)
		rc = verify_finish(v, &r);
	*seconds = report_now() - t0;
	verify_free(v);
	if (rc != SJ_OK)
		return report_error("the verifier refused the %s ledger (%s): %s",
		                    buf ? "exported" : "SQLite", sj_strerror(rc),
		                    rc == SJ_EVERIFY ? r.what : err);
	if (r.entries != total || r.checkpoints != BENCH_VERIFY_CHECKPOINTS || r.quorum_met != 1)
		return report_error("the verifier saw %llu entries and %llu checkpoints",
		                    (unsigned long long)r.entries,
		                    (unsigned long long)r.checkpoints);
	return 0;
}

/* Median entries per second over BENCH_VERIFY_RUNS verifications. */
static int bench_verify_rate(const struct bench_ledger *l, const uint8_t *buf, size_t len,
                             uint64_t total, double *rate)
{
	double s[BENCH_VERIFY_RUNS];
	for (int i = 0; i < BENCH_VERIFY_RUNS; i++)
		if (bench_verify_once(l, buf, len, total, &s[i]))
			return -1;
	qsort(s, BENCH_VERIFY_RUNS, sizeof s[0], bench_cmp_double);
	*rate = (double)total / s[BENCH_VERIFY_RUNS / 2];
	return 0;
}

/*
 * How the cost of an entry grows with the ledger: every entry fed to
 * verify_entry alone (no I/O, no checkpoints, no whole-file hash), with the
 * first and the last BENCH_EDGE entries timed on their own. Seconds per
 * entry go to *first and *last. Equal figures mean a flat per-entry cost;
 * a larger *last means the work per entry grows with what came before.
 */
#define BENCH_EDGE 500

static int bench_verify_growth(const struct bench_entries *e, double *first, double *last)
{
	struct verify_opts o = {0};
	struct verifier *v = NULL;
	double t0 = 0;

	if (e->n < 2 * BENCH_EDGE)
		return report_error("too few entries to time their growth");
	if (verify_new(&v, &o) != SJ_OK)
		return report_error("out of memory");
	for (size_t i = 0; i < e->n; i++) {
		if (i == 0 || i == e->n - BENCH_EDGE)
			t0 = report_now();
		if (verify_entry(v, i, e->p[i], e->len[i]) != SJ_OK) {
			verify_free(v);
			return report_error("verify_entry refused entry %zu", i);
		}
		if (i == BENCH_EDGE - 1)
			*first = (report_now() - t0) / BENCH_EDGE;
		if (i == e->n - 1)
			*last = (report_now() - t0) / BENCH_EDGE;
	}
	verify_free(v);
	return 0;
}

static int bench_verifier_kind(int sign, const char *no)
{
	struct bench_ledger l = {0};
	struct bench_entries e = {0};
	char name[32], xpath[1100], what[80], base[64];
	uint8_t *buf = NULL;
	size_t len = 0, bytes = 0;
	double hash_rate, exp_rate, sql_rate, ed_rate = 0, g_first = 0, g_last = 0, t0, build_s;
	const char *kind = sign ? "signed" : "unsigned";
	int rc = -1;

	snprintf(name, sizeof name, "verify-%s.db", kind);
	t0 = report_now();
	if (bench_verify_ledger(&l, name, sign, BENCH_VERIFY_ENTRIES, xpath, sizeof xpath))
		goto out;
	build_s = report_now() - t0;
	if (util_read_file(&buf, &len, xpath, (size_t)1 << 30) != SJ_OK) {
		report_error("cannot read %s", xpath);
		goto out;
	}
	if (bench_entries_of(&e, buf, len))
		goto out;
	for (size_t i = 0; i < e.n; i++)
		bytes += e.len[i];

	hash_rate = bench_raw_hash(&e);
	if (bench_verify_rate(&l, buf, len, BENCH_VERIFY_ENTRIES, &exp_rate) ||
	    bench_verify_rate(&l, NULL, 0, BENCH_VERIFY_ENTRIES, &sql_rate) ||
	    bench_verify_growth(&e, &g_first, &g_last) ||
	    (sign && bench_ed25519_only(&e, BENCH_ORIGIN, &ed_rate)))
		goto out;

	snprintf(base, sizeof base, "SHA-256 of each entry once");
	snprintf(what, sizeof what, "verifier, %s entries, from export", kind);
	report_row(no, what, exp_rate, base, hash_rate, 0.5);
	snprintf(what, sizeof what, "verifier, %s entries, from SQLite", kind);
	report_row("", what, sql_rate, base, hash_rate, 0.5);
	if (sign)
		report_row("", "verifier, signed entries, from export", exp_rate,
		           "Ed25519 verify alone, per entry", ed_rate, 0);
	printf("   %s: %zu entries, %.0f bytes each on average, %d cosigned checkpoints, "
	       "built in %.1f s; median of %d runs\n",
	       kind, e.n, (double)bytes / (double)e.n, BENCH_VERIFY_CHECKPOINTS, build_s,
	       BENCH_VERIFY_RUNS);
	printf("   %s: verify_entry alone: %.1f us/entry over the first %d entries (%.0f/s, "
	       "%.2fx baseline), %.1f us/entry over the last %d\n",
	       kind, 1e6 * g_first, BENCH_EDGE, 1 / g_first, 1 / g_first / hash_rate, 1e6 * g_last,
	       BENCH_EDGE);
	if (sign)
		printf("   signed: Ed25519 verification alone runs at %.3fx the hashing baseline, "
		       "so no verifier of signed entries can reach 0.50x\n",
		       ed_rate / hash_rate);
	rc = 0;
out:
	bench_entries_free(&e);
	free(buf);
	bench_ledger_close(&l);
	return rc;
}

/* --- 3. inclusion proofs --- */

/*
 * Every level of the RFC 9162 tree over n leaves, bottom up: level 0 is the
 * leaves; level k+1 pairs the nodes of level k, and a last node without a
 * right sibling moves up unchanged. This is the tree MTH defines (a subtree
 * split at the largest power of two is exactly such a pairing), and it
 * gives any audit path by lookup, so thousands of proofs cost no more than
 * building the tree once. bench_section_proofs checks the paths it gives
 * against merkle_inclusion_proof and the root against merkle_root.
 */
struct bench_tree {
	merkle_hash *level[64];
	uint64_t size[64];
	unsigned nlevels;
	merkle_hash *storage;
};

static int bench_tree_build(struct bench_tree *t, const merkle_hash *leaves, uint64_t n)
{
	uint64_t total = 0;
	merkle_hash *p;

	memset(t, 0, sizeof *t);
	for (uint64_t s = n; s > 1; s = (s + 1) / 2)
		total += (s + 1) / 2;
	t->storage = malloc((size_t)total * sizeof *t->storage);
	if (t->storage == NULL)
		return report_error("out of memory");
	t->level[0] = (merkle_hash *)leaves;
	t->size[0] = n;
	t->nlevels = 1;
	p = t->storage;
	while (t->size[t->nlevels - 1] > 1) {
		const merkle_hash *below = t->level[t->nlevels - 1];
		uint64_t bn = t->size[t->nlevels - 1], un = (bn + 1) / 2;
		for (uint64_t i = 0; i < un; i++) {
			if (2 * i + 1 < bn)
				merkle_node_hash(p[i], below[2 * i], below[2 * i + 1]);
			else
				memcpy(p[i], below[2 * i], MERKLE_HASH_SIZE);
		}
		t->level[t->nlevels] = p;
		t->size[t->nlevels] = un;
		t->nlevels++;
		p += un;
	}
	return 0;
}

/* The audit path of leaf index, bottom up, as RFC 9162 2.1.3.1 lists it. */
static size_t bench_tree_path(const struct bench_tree *t, uint64_t index, merkle_hash *proof)
{
	size_t n = 0;
	for (unsigned k = 0; k + 1 < t->nlevels; k++, index >>= 1) {
		uint64_t sib = index ^ 1;
		if (sib < t->size[k])
			memcpy(proof[n++], t->level[k][sib], MERKLE_HASH_SIZE);
	}
	return n;
}

static int bench_section_proofs(void)
{
	const uint64_t n = BENCH_TREE_LEAVES;
	struct bench_tree t = {0};
	merkle_hash *leaves = NULL, *proofs = NULL, root, check, gen[MERKLE_MAX_PROOF];
	uint64_t *idx = NULL, done = 0, hashes = 0;
	uint8_t *plen = NULL, node[1 + 2 * MERKLE_HASH_SIZE] = {0x01}, h[32];
	double t0, gen_s = 0, ver_s, raw_s, build_s;
	size_t gl;
	int rc = -1;

	leaves = malloc((size_t)n * sizeof *leaves);
	proofs = malloc((size_t)BENCH_PROOFS * BENCH_MAX_PROOF * sizeof *proofs);
	idx = malloc(BENCH_PROOFS * sizeof *idx);
	plen = malloc(BENCH_PROOFS);
	if (leaves == NULL || proofs == NULL || idx == NULL || plen == NULL) {
		report_error("out of memory");
		goto out;
	}
	randombytes_buf(leaves, (size_t)n * sizeof *leaves);
	t0 = report_now();
	if (bench_tree_build(&t, leaves, n))
		goto out;
	build_s = report_now() - t0;
	memcpy(root, t.level[t.nlevels - 1][0], MERKLE_HASH_SIZE);
	if (merkle_root(check, leaves, n) != SJ_OK || memcmp(check, root, MERKLE_HASH_SIZE) != 0) {
		report_error("the bench tree's root is not merkle_root's");
		goto out;
	}

	for (uint64_t i = 0; i < BENCH_PROOFS; i++) {
		/* The first and last leaves always, for the tree's edges. */
		idx[i] = i == 0 ? 0 : i == 1 ? n - 1 : randombytes_uniform((uint32_t)n);
		plen[i] = (uint8_t)bench_tree_path(&t, idx[i], proofs + i * BENCH_MAX_PROOF);
	}
	/* Generation from the leaves, as ledger_store_inclusion_proof does it,
	 * timed for a few leaves; each path must be the one looked up. */
	for (uint64_t i = 0; i < BENCH_PROOF_GEN; i++) {
		uint64_t j = 2 + i; /* random leaves */
		t0 = report_now();
		if (merkle_inclusion_proof(gen, &gl, MERKLE_MAX_PROOF, leaves, n, idx[j]) !=
		    SJ_OK) {
			report_error("merkle_inclusion_proof failed");
			goto out;
		}
		gen_s += report_now() - t0;
		if (gl != plen[j] ||
		    memcmp(gen, proofs + j * BENCH_MAX_PROOF, gl * sizeof *gen) != 0) {
			report_error(
			    "merkle_inclusion_proof and the bench tree disagree on leaf %llu",
			    (unsigned long long)idx[j]);
			goto out;
		}
	}

	/* Timed: verification of every proof, repeated to a trustworthy span. */
	t0 = report_now();
	do {
		for (uint64_t i = 0; i < BENCH_PROOFS; i++) {
			if (merkle_verify_inclusion(
			        idx[i], n, leaves[idx[i]],
			        (const merkle_hash *)(proofs + i * BENCH_MAX_PROOF), plen[i],
			        root) != SJ_OK) {
				report_error("the proof for leaf %llu does not verify",
				             (unsigned long long)idx[i]);
				goto out;
			}
		}
		done += BENCH_PROOFS;
	} while ((ver_s = report_now() - t0) < 2 * BENCH_MIN_SECONDS);

	/* A forged twin: one flipped bit must fail. */
	proofs[2 * BENCH_MAX_PROOF][0] ^= 0x01;
	if (merkle_verify_inclusion(idx[2], n, leaves[idx[2]],
	                            (const merkle_hash *)(proofs + 2 * BENCH_MAX_PROOF), plen[2],
	                            root) != SJ_EVERIFY) {
		report_error("a forged proof verified");
		goto out;
	}
	proofs[2 * BENCH_MAX_PROOF][0] ^= 0x01;

	/* Baseline: the same number of node hashes, raw. */
	for (uint64_t i = 0; i < BENCH_PROOFS; i++)
		hashes += plen[i];
	t0 = report_now();
	for (uint64_t pass = 0; pass < done / BENCH_PROOFS; pass++)
		for (uint64_t i = 0; i < hashes; i++) {
			crypto_hash_sha256(h, node, sizeof node);
			node[1] = h[0];
		}
	raw_s = report_now() - t0;
	bench_sink ^= h[0];

	report_row("3", "inclusion proofs verified, 1M-leaf tree", (double)done / ver_s,
	           "SHA-256 of the same node hashes", (double)done / raw_s, 0);
	printf("   %llu leaves, %.1f hashes per proof, %d distinct random proofs; "
	       "tree levels built in %.2f s\n",
	       (unsigned long long)n, (double)hashes / BENCH_PROOFS, BENCH_PROOFS, build_s);
	printf("   generating one proof from the leaves (merkle_inclusion_proof): %.1f ms "
	       "(mean of %d)\n",
	       1e3 * gen_s / BENCH_PROOF_GEN, BENCH_PROOF_GEN);
	rc = 0;
out:
	free(t.storage);
	free(leaves);
	free(proofs);
	free(idx);
	free(plen);
	return rc;
}

int main(void)
{
	double t0 = report_now();
	int rc = 1;

	if (sodium_init() < 0) {
		report_error("sodium_init failed");
		return 1;
	}
	if (report_dir_make())
		return 1;
	printf("suiji-bench: SQLite %s, libsodium %s; temporary files %s\n", sqlite3_libversion(),
	       sodium_version_string(), report_fs_warning());
	report_head();
	if (bench_section_appends())
		goto out;
	report_rule();
	if (bench_verifier_kind(1, "2") || bench_verifier_kind(0, ""))
		goto out;
	report_rule();
	if (bench_section_proofs())
		goto out;
	report_rule();
	if (report_missed() > 0)
		printf("%d target(s) MISSED. ", report_missed());
	else
		printf("Every target met. ");
	printf("Total %.1f s.\n", report_now() - t0);
	rc = 0;
out:
	report_dir_remove();
	return rc;
}
