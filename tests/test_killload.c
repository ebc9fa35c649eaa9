/*
 * test_killload.c: crash consistency of the real daemon under load. A
 * `suijid run` serves three client processes at once over its Unix socket:
 * one administrator registering agencies, one registering client keys, and
 * one operator requesting draws against a local suiji-beacon. The test
 * kills the daemon with SIGKILL at random moments (most while it serves,
 * some while it is still starting) and starts it again, 100 times (1,000
 * with SUIJI_LONG=1).
 *
 * The clients keep one connection each and reconnect whenever the daemon
 * goes away; they never resend a request whose reply they did not get, and
 * for every reply that said OK they report over a pipe the entry's sequence
 * number and SHA-256 of the payload and signature they sent. After every
 * kill, and at the end, the test checks that
 *   - the ledger opens and verifies (the store replays it on open);
 *   - every acknowledged entry is in it, with that payload and signature;
 *   - every acknowledged draw's commitment is in it, and every commitment
 *     not yet revealed still has its sealed seed (a commitment whose seed is
 *     lost could never be revealed);
 * and at the end, with a last daemon left running, that every committed
 * draw is revealed (their deadline is an hour away, so none may be
 * abandoned) and suiji-verify passes the whole ledger.
 *
 * Each of the two checks has a twin that must fail: an acknowledgement
 * with a changed digest, and a commitment whose sealed seed was moved away.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/rpc.h"
#include "common/util.h"
#include "daemon/drawop.h"
#include "draw/derive.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/store.h"
#include "ledger/vkeyfile.h"
#include "proto/ledger.pb-c.h"
#include "proto/rpc.pb-c.h"
#include "rules/storeops.h"
#include "tests/daemon.h"
#include "tests/harness.h"
#include "wire/drawspec.h"

#define SUIJID   harness_bin("suijid")
#define SUIJI    harness_bin("suiji")
#define VERIFY   harness_bin("suiji-verify")
#define BEACON   harness_bin("suiji-beacon")
#define ORIGIN   "suiji.test/killload"
#define WAIT_MS  10000 /* the longest a start or stop may take under the sanitizers */
#define NWORKERS 3

enum work { WORK_AGENCY, WORK_CLIENT, WORK_DRAW };

/* What a client reports for each OK reply. */
struct ack {
	uint32_t kind; /* enum work */
	uint32_t worker;
	uint64_t seq;        /* the entry acknowledged (a draw: its request) */
	uint64_t commit_seq; /* a draw's commitment, else 0 */
	uint8_t digest[32];  /* SHA-256(payload || signature) as sent */
};

struct kl {
	char dir[512];
	char data[600];
	char sock[600];
	char server[700];
	char out[600];
	char log[600];
	char base[64]; /* the beacon: http://127.0.0.1:PORT */
	pid_t beacon, daemon;
	pid_t workers[NWORKERS];
	int pipes[NWORKERS];
	uint8_t daemon_pk[32];
	struct ack *acks;
	size_t nacks, cap, checked; /* acks[0..checked) were found in an earlier check */
	unsigned open_seen;         /* checks that found commitments awaiting reveal */
};

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return util_write_file(path, text, strlen(text), 0644) == SJ_OK ? 0 : -1;
}

/* Stops *pid with sig and reaps it; its exit status, or -1 if it did not
 * exit normally within WAIT_MS (it is then killed). */
static int stop_pid(pid_t *pid, int sig)
{
	int64_t end = ms_now() + WAIT_MS;
	int st;

	if (*pid <= 0)
		return -1;
	kill(*pid, sig);
	while (ms_now() < end) {
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		sleep_ms(5);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
	return -1;
}

/* --- the clients (forked; they report on fd and never return) --- */

struct worker {
	const struct kl *w;
	enum work kind;
	unsigned id;
	struct note_skey *key;
	const char *agency;
	struct beacon_chain chain; /* lyg-beacon, as the daemon lists it */
	int64_t margin_us;
	int have_chain;
};

static int lookup(void *ctx, const char *id, const struct beacon_chain **chain, int *manual,
                  int64_t *margin_us)
{
	const struct worker *k = ctx;
	if (strcmp(id, "lyg-beacon") != 0 || !k->have_chain)
		return SJ_ENOENT;
	*chain = &k->chain;
	*manual = 0;
	*margin_us = k->margin_us;
	return SJ_OK;
}

/* The beacon chain from GET_BEACONS, once per worker. */
static int worker_sources(struct worker *k, struct rpc_client *c)
{
	struct rpc_client_reply r;
	Suiji__Rpc__BeaconsReply *br;
	char err[256];
	int rc = SJ_EIO;

	if (rpc_client_call(c, &r, SUIJI__RPC__METHOD__METHOD_GET_BEACONS, "", NULL, 0, NULL, 0,
	                    err, sizeof err) != SJ_OK)
		return SJ_EIO;
	br = r.code == SUIJI__RPC__CODE__CODE_OK
	         ? suiji__rpc__beacons_reply__unpack(NULL, r.body_len, r.body)
	         : NULL;
	rpc_client_reply_fini(&r);
	for (size_t i = 0; br != NULL && i < br->n_sources; i++)
		if (strcmp(br->sources[i]->id, "lyg-beacon") == 0 &&
		    beacon_chain_parse(&k->chain, br->sources[i]->chain,
		                       strlen(br->sources[i]->chain), err, sizeof err) == SJ_OK) {
			k->margin_us = br->sources[i]->margin_us;
			k->have_chain = 1;
			rc = SJ_OK;
		}
	if (br != NULL)
		suiji__rpc__beacons_reply__free_unpacked(br, NULL);
	return rc;
}

/* The n-th payload of this worker: a fresh agency, client key or draw. */
static int worker_payload(struct worker *k, unsigned n, uint8_t **p, size_t *len, uint32_t *method,
                          uint32_t *type)
{
	char code[32], name[80], spec[2048], file[700], err[512];
	uint8_t pk[32], sk[64];

	snprintf(code, sizeof code, "w%u_%u", k->id, n);
	if (k->kind == WORK_AGENCY) {
		Suiji__AgencyRegister m = SUIJI__AGENCY_REGISTER__INIT;
		m.code = code;
		m.name = code;
		m.parent = (char *)"sfj";
		*len = suiji__agency_register__get_packed_size(&m);
		if ((*p = malloc(*len)) == NULL)
			return SJ_ENOMEM;
		suiji__agency_register__pack(&m, *p);
		*method = SUIJI__RPC__METHOD__METHOD_REGISTER_AGENCY;
		*type = ENTRY_AGENCY_REGISTER;
		return SJ_OK;
	}
	if (k->kind == WORK_CLIENT) {
		Suiji__ClientRegister m = SUIJI__CLIENT_REGISTER__INIT;
		crypto_sign_keypair(pk, sk);
		snprintf(name, sizeof name, "%s@scjg", code);
		m.public_key.data = pk;
		m.public_key.len = 32;
		m.agency = (char *)"scjg";
		m.role = SUIJI__ROLE__ROLE_OPERATOR;
		m.name = name;
		*len = suiji__client_register__get_packed_size(&m);
		if ((*p = malloc(*len)) == NULL)
			return SJ_ENOMEM;
		suiji__client_register__pack(&m, *p);
		*method = SUIJI__RPC__METHOD__METHOD_REGISTER_CLIENT;
		*type = ENTRY_CLIENT_REGISTER;
		return SJ_OK;
	}
	/* A draw of two teams from the pools of setup, its round "auto": the
	 * first one due after now, the source's margin and the slack. */
	struct drawspec sp;
	int rc;
	snprintf(spec, sizeof spec,
	         "{\"request_id\": \"%s\", \"agency\": \"scjg\", \"task\": \"killload\","
	         " \"objects\": \"objects.csv\", \"officers\": \"officers.csv\", \"team_size\": 2,"
	         " \"deadline_hours\": 1, \"beacons\": [{\"source\": \"lyg-beacon\", \"round\": "
	         "\"auto\"}], \"rules\": [{\"stratum\": \"A\", \"ratio\": \"1/2\"},"
	         " {\"stratum\": \"B\", \"count\": 1}]}",
	         code);
	snprintf(name, sizeof name, "draw%u.json", k->id);
	snprintf(file, sizeof file, "%s/%s", k->w->dir, name);
	if (write_text(k->w->dir, name, spec) != 0)
		return SJ_EIO;
	rc = drawspec_load(&sp, file, lookup, k, util_now_us(), err, sizeof err);
	if (rc != SJ_OK) {
		printf("    worker %u: %s\n", k->id, err);
		return rc;
	}
	rc = drawop_request_payload(p, len, &sp);
	drawspec_fini(&sp);
	*method = SUIJI__RPC__METHOD__METHOD_DRAW_REQUEST;
	*type = ENTRY_DRAW_REQUEST;
	return rc;
}

/* Sends one signed mutation; on an OK reply fills *a. Returns 0 on OK, 1
 * when the connection failed (the daemon went away), 3 for a draw whose
 * round came too late (below), 2 on anything else (a refusal: the test
 * fails). */
static int worker_call(struct worker *k, struct rpc_client *c, unsigned n, struct ack *a)
{
	struct rpc_client_reply r;
	crypto_hash_sha256_state h;
	uint8_t *p = NULL, *msg = NULL, sig[64];
	uint32_t method, type;
	size_t len, mlen;
	char err[256];
	int rc;

	uint64_t counter = util_request_counter();
	if (worker_payload(k, n, &p, &len, &method, &type) != SJ_OK ||
	    entry_request_message(&msg, &mlen, ORIGIN, type, counter, k->agency, strlen(k->agency),
	                          p, len) != SJ_OK) {
		free(p);
		return 2;
	}
	note_skey_sign_raw(sig, msg, mlen, k->key);
	free(msg);
	rc = rpc_client_call(c, &r, method, k->agency, p, len, sig, counter, err, sizeof err);
	memset(a, 0, sizeof *a);
	a->kind = (uint32_t)k->kind;
	a->worker = k->id;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, p, len);
	crypto_hash_sha256_update(&h, sig, 64);
	crypto_hash_sha256_final(&h, a->digest);
	free(p);
	if (rc != SJ_OK)
		return 1;
	if (r.code == SUIJI__RPC__CODE__CODE_REFUSED && k->kind == WORK_DRAW &&
	    strstr(r.message, "may have been public before the seed was committed") != NULL) {
		/* The "auto" round was chosen with DRAWSPEC_AUTO_SLACK_US of
		 * slack; a daemon that took longer than that to take the
		 * request (restarting on a loaded machine) rightly refuses
		 * the round. Nothing was acknowledged; the next draw is new. */
		rpc_client_reply_fini(&r);
		return 3;
	}
	if (r.code != SUIJI__RPC__CODE__CODE_OK) {
		/* UNAVAILABLE is storage failing, which this test does not
		 * cause; any other refusal is a failure. */
		printf("    worker %u: request %u: code %d: %s\n", k->id, n, r.code, r.message);
		rpc_client_reply_fini(&r);
		return 2;
	}
	if (k->kind == WORK_DRAW) {
		Suiji__Rpc__DrawReply *d = suiji__rpc__draw_reply__unpack(NULL, r.body_len, r.body);
		if (d != NULL) {
			a->seq = d->request_seq;
			a->commit_seq = d->commit_seq;
			suiji__rpc__draw_reply__free_unpacked(d, NULL);
		}
		rc = d != NULL ? 0 : 2;
	} else {
		Suiji__Rpc__AppendReply *ar =
		    suiji__rpc__append_reply__unpack(NULL, r.body_len, r.body);
		if (ar != NULL) {
			a->seq = ar->seq;
			suiji__rpc__append_reply__free_unpacked(ar, NULL);
		}
		rc = ar != NULL ? 0 : 2;
	}
	rpc_client_reply_fini(&r);
	return rc;
}

/* Paces its requests so that the ledger grows by a few dozen entries per
 * kill: enough to be killed mid-commit often, small enough that a hundred
 * restarts (each replaying the whole ledger) stay within the time budget. */
static void worker_main(const struct kl *w, enum work kind, unsigned id, int fd)
{
	struct worker k = {.w = w, .kind = kind, .id = id};
	struct rpc_client *c = NULL;
	char path[700], err[256];
	int pace_ms = kind == WORK_DRAW ? 40 : 15;

	snprintf(path, sizeof path, "%s/%s.key", w->dir, kind == WORK_DRAW ? "op" : "admin");
	k.agency = kind == WORK_DRAW ? "scjg" : "sfj";
	if (keyfile_load(&k.key, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK)
		_exit(3);
	for (unsigned n = 0;; n++) {
		struct ack a;
		int rc;
		if (c == NULL) {
			if (rpc_client_open(&c, w->server, w->daemon_pk, k.key, 2000, err,
			                    sizeof err) != SJ_OK) {
				c = NULL;
				sleep_ms(3);
				continue;
			}
			if (kind == WORK_DRAW && !k.have_chain && worker_sources(&k, c) != SJ_OK) {
				rpc_client_close(c);
				c = NULL;
				continue;
			}
		}
		rc = worker_call(&k, c, n, &a);
		if (rc == 2)
			_exit(4);
		if (rc == 1) {
			rpc_client_close(c);
			c = NULL;
			continue;
		}
		if (rc == 3)
			continue;
		/* Acknowledged: the reply said OK, so the entry must survive. */
		if (write(fd, &a, sizeof a) != (ssize_t)sizeof a)
			_exit(5);
		sleep_ms(pace_ms);
	}
}

/* --- the daemon and the beacon --- */

/* Starts `suiji-beacon run` on 127.0.0.1:0 and waits for its port. */
static int beacon_start(struct kl *w)
{
	char bdir[600];
	int port;
	snprintf(bdir, sizeof bdir, "%s/beacon", w->dir);
	if (tbeacon_start(&w->beacon, bdir, &port) != 0)
		return -1;
	snprintf(w->base, sizeof w->base, "http://127.0.0.1:%d", port);
	return 0;
}

static void daemon_spawn(struct kl *w)
{
	unlink(w->out);
	w->daemon = fork();
	if (w->daemon == 0) {
		int fo = open(w->out, O_WRONLY | O_CREAT | O_EXCL, 0600);
		int fe = open(w->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execl(SUIJID, "suijid", "-d", w->data, "run", (char *)NULL);
		_exit(127);
	}
}

/* Waits for the daemon's "listening on unix:" line. */
static int daemon_wait(struct kl *w)
{
	int64_t end = ms_now() + WAIT_MS;
	char line[256];

	while (ms_now() < end) {
		int up = 0;
		FILE *f = fopen(w->out, "r");
		while (f != NULL && fgets(line, sizeof line, f) != NULL)
			up |= strncmp(line, "listening on unix:", 18) == 0;
		if (f != NULL)
			fclose(f);
		if (up)
			return 0;
		if (waitpid(w->daemon, NULL, WNOHANG) == w->daemon) {
			w->daemon = 0;
			return -1;
		}
		sleep_ms(2);
	}
	return -1;
}

static void daemon_kill(struct kl *w)
{
	int st;
	if (w->daemon <= 0)
		return;
	kill(w->daemon, SIGKILL);
	waitpid(w->daemon, &st, 0);
	w->daemon = 0;
}

/*
 * A beacon with a round a second, a ledger with agencies sfj and scjg,
 * the administrator admin (sfj) and the operator op (scjg), the beacon
 * registered as lyg-beacon with a 200 ms margin, pools of 6 objects in two
 * strata and 4 officers, and a config for the Unix socket only, without a
 * rate limit (the clients are the load).
 */
static int setup(struct kl *w)
{
	char *out = NULL, conf[1200], err[256];
	struct note_vkey dk;
	int rc;

	memset(w, 0, sizeof *w);
	for (int i = 0; i < NWORKERS; i++)
		w->pipes[i] = -1;
	snprintf(w->dir, sizeof w->dir, "%s", harness_tmpdir());
	snprintf(w->data, sizeof w->data, "%s/data", w->dir);
	snprintf(w->sock, sizeof w->sock, "%s/s.sock", w->dir);
	snprintf(w->server, sizeof w->server, "unix:%s", w->sock);
	snprintf(w->out, sizeof w->out, "%s/daemon.out", w->dir);
	snprintf(w->log, sizeof w->log, "%s/daemon.log", w->dir);
	if (harness_run(&out, "%s init --dir %s/beacon --period 1 --genesis %lld", BEACON, w->dir,
	                (long long)(util_now_us() / 1000000 - 1)) != 0) {
		printf("    beacon init: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	out = NULL;
	if (beacon_start(w) != 0)
		return -1;
	rc = harness_run(
	    &out,
	    "cd %s && %s -d data init --origin " ORIGIN " >/dev/null && "
	    "%s -d data log-key > log.vkey && "
	    "%s -d data add-agency --code sfj --name 司法局 >/dev/null && "
	    "%s -d data add-agency --code scjg --name 市场监督管理局 --parent sfj >/dev/null && "
	    "%s keygen -k admin.key --name admin@sfj > admin.vkey && "
	    "%s -d data add-client --key admin.vkey --agency sfj --role admin >/dev/null && "
	    "%s keygen -k op.key --name op@scjg > op.vkey && "
	    "%s -d data add-client --key op.vkey --agency scjg --role operator >/dev/null && "
	    "%s -d data add-beacon --id lyg-beacon --url %s --margin-ms 200 >/dev/null && "
	    "%s -d data daemon-key > daemon.vkey",
	    w->dir, SUIJID, SUIJID, SUIJID, SUIJID, SUIJI, SUIJID, SUIJI, SUIJID, SUIJID, w->base,
	    SUIJID);
	if (rc != 0) {
		printf("    setup: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	snprintf(conf, sizeof conf,
	         "listen_tcp = off\nlisten_unix = %s\nrate_per_sec = 0\nlog_level = warn\n",
	         w->sock);
	if (write_text(w->dir, "data/suijid.conf", conf) != 0 ||
	    write_text(w->dir, "objects.csv", "id,stratum\nO1,A\nO2,A\nO3,A\nO4,B\nO5,B\nO6,B\n") !=
	        0 ||
	    write_text(w->dir, "officers.csv",
	               "id,agency,tags\nF1,scjg,\nF2,scjg,\nF3,scjg,\nF4,scjg,\n") != 0)
		return -1;
	snprintf(conf, sizeof conf, "%s/daemon.vkey", w->dir);
	if (vkeyfile_load(&dk, conf, err, sizeof err) != SJ_OK)
		return -1;
	memcpy(w->daemon_pk, dk.pk, 32);
	return 0;
}

static int workers_start(struct kl *w)
{
	static const enum work kinds[NWORKERS] = {WORK_AGENCY, WORK_CLIENT, WORK_DRAW};
	for (int i = 0; i < NWORKERS; i++) {
		int p[2];
		if (pipe(p) != 0)
			return -1;
		fflush(stdout);
		w->workers[i] = fork();
		if (w->workers[i] < 0)
			return -1;
		if (w->workers[i] == 0) {
			close(p[0]);
			worker_main(w, kinds[i], (unsigned)i, p[1]);
		}
		close(p[1]);
		w->pipes[i] = p[0];
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
			return -1;
	}
	return 0;
}

/* Reads what the clients reported so far. */
static int drain(struct kl *w)
{
	for (int i = 0; i < NWORKERS; i++) {
		struct ack a;
		ssize_t n;
		while (w->pipes[i] >= 0 && (n = read(w->pipes[i], &a, sizeof a)) == sizeof a) {
			if (w->nacks == w->cap) {
				size_t nc = w->cap ? w->cap * 2 : 1024;
				struct ack *na = realloc(w->acks, nc * sizeof *na);
				if (na == NULL)
					return -1;
				w->acks = na;
				w->cap = nc;
			}
			w->acks[w->nacks++] = a;
		}
	}
	return 0;
}

/* 1 when every client is still running (a client that exits found a
 * refusal or could not report). */
static int workers_alive(struct kl *w)
{
	for (int i = 0; i < NWORKERS; i++) {
		int st;
		if (w->workers[i] > 0 && waitpid(w->workers[i], &st, WNOHANG) == w->workers[i]) {
			printf("    client %d exited (status %d)\n", i,
			       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			w->workers[i] = 0;
			return 0;
		}
	}
	return 1;
}

static void workers_stop(struct kl *w)
{
	for (int i = 0; i < NWORKERS; i++)
		if (w->workers[i] > 0)
			(void)stop_pid(&w->workers[i], SIGKILL);
}

/* 0 when the acknowledged entry is in the ledger with the payload and
 * signature its client sent, and a draw's commitment follows where the
 * reply said; else -1, saying what is wrong. */
static int check_ack(struct ledger_store *s, const struct ack *a)
{
	crypto_hash_sha256_state h;
	uint8_t *b = NULL, d[32];
	size_t len;
	struct entry e;
	char err[256];
	int ok;

	if (ledger_store_entry(s, a->seq, &b, &len) != SJ_OK) {
		printf("    acknowledged entry %llu is lost\n", (unsigned long long)a->seq);
		return -1;
	}
	ok = entry_decode(&e, b, len, err, sizeof err) == SJ_OK && e.sig != NULL;
	if (ok) {
		crypto_hash_sha256_init(&h);
		crypto_hash_sha256_update(&h, e.payload, e.payload_len);
		crypto_hash_sha256_update(&h, e.sig, 64);
		crypto_hash_sha256_final(&h, d);
		ok = sodium_memcmp(d, a->digest, 32) == 0;
	}
	free(b);
	if (!ok) {
		printf("    entry %llu is not the request its client sent\n",
		       (unsigned long long)a->seq);
		return -1;
	}
	if (a->kind == WORK_DRAW) {
		const struct draws *dr = storeops_draws(s);
		struct draws_info di;
		size_t i;
		if (draws_find(dr, a->seq, &i) != SJ_OK)
			return -1;
		draws_get(dr, i, &di);
		if (!di.committed || di.commit_seq != a->commit_seq) {
			printf("    draw %llu: acknowledged commitment %llu is lost\n",
			       (unsigned long long)a->seq, (unsigned long long)a->commit_seq);
			return -1;
		}
	}
	return 0;
}

/* 0 when every commitment awaiting its reveal has its sealed seed, and
 * the seed opens it; *open counts them. */
static int check_seeds(struct kl *w, struct ledger_store *s, size_t *open)
{
	const struct draws *dr = storeops_draws(s);
	uint8_t *seed = sodium_malloc(DRAW_SEED_SIZE);
	char err[256];
	int rc = 0;

	*open = 0;
	if (seed == NULL)
		return -1;
	for (size_t i = 0; i < draws_count(dr); i++) {
		struct draws_info di;
		draws_get(dr, i, &di);
		if (!di.committed || di.revealed)
			continue;
		(*open)++;
		if (drawop_seed(w->data, di.commitment, seed, err, sizeof err) != SJ_OK) {
			printf("    draw %llu: the sealed seed of its commitment is lost: %s\n",
			       (unsigned long long)di.request_seq, err);
			rc = -1;
		}
	}
	sodium_free(seed);
	return rc;
}

/* The twin of check_seeds: a commitment whose sealed seed is moved away
 * is reported; moved back, it passes again. */
static int seed_twin(struct kl *w, struct ledger_store *s)
{
	const struct draws *dr = storeops_draws(s);
	char hex[65], from[800], to[800];
	size_t open;

	for (size_t i = 0; i < draws_count(dr); i++) {
		struct draws_info di;
		draws_get(dr, i, &di);
		if (!di.committed || di.revealed)
			continue;
		util_hex(hex, di.commitment, 32);
		snprintf(from, sizeof from, "%s/seeds/%s", w->data, hex);
		snprintf(to, sizeof to, "%s/moved-seed", w->dir);
		printf("    the twin: draw %llu's sealed seed moved away\n",
		       (unsigned long long)di.request_seq);
		if (rename(from, to) != 0)
			return -1;
		int lost = check_seeds(w, s, &open) != 0;
		if (rename(to, from) != 0 || !lost)
			return -1;
		return check_seeds(w, s, &open);
	}
	return -1;
}

/* The checks after a kill, on the ledger the dead daemon left. */
static int check_ledger(struct kl *w, int all)
{
	struct ledger_store *s = NULL;
	char db[700], err[512];
	size_t open = 0;
	int rc = 0;

	snprintf(db, sizeof db, "%s/ledger.db", w->data);
	if (storeops_open(&s, db, 0, err, sizeof err) != SJ_OK) {
		printf("    %s\n", err);
		return -1;
	}
	if (ledger_store_broken(s) != NULL) {
		printf("    the ledger does not verify: %s\n", ledger_store_broken(s));
		rc = -1;
	}
	for (size_t i = all ? 0 : w->checked; rc == 0 && i < w->nacks; i++)
		rc = check_ack(s, &w->acks[i]);
	if (rc == 0)
		w->checked = w->nacks;
	if (rc == 0)
		rc = check_seeds(w, s, &open);
	if (rc == 0 && open > 0 && w->open_seen++ == 0 && seed_twin(w, s) != 0) {
		printf("    a commitment without its sealed seed was not reported\n");
		rc = -1;
	}
	ledger_store_close(s);
	return rc;
}

/* Every committed draw revealed, by the last daemon; 0 or -1 after 30 s. */
static int wait_revealed(struct kl *w, size_t *ndraws)
{
	int64_t end = ms_now() + 30000;
	char db[700], err[512];

	snprintf(db, sizeof db, "%s/ledger.db", w->data);
	while (ms_now() < end) {
		struct ledger_store *s = NULL;
		size_t open = 0, n = 0;
		if (storeops_open(&s, db, LEDGER_STORE_READONLY, err, sizeof err) == SJ_OK) {
			const struct draws *dr = storeops_draws(s);
			n = draws_count(dr);
			for (size_t i = 0; i < n; i++) {
				struct draws_info di;
				draws_get(dr, i, &di);
				open += !di.revealed;
			}
			ledger_store_close(s);
			if (open == 0) {
				*ndraws = n;
				return 0;
			}
		}
		sleep_ms(250);
	}
	return -1;
}

static void run(struct kl *w)
{
	unsigned rounds = getenv("SUIJI_LONG") ? 1000 : 100, starting = 0;
	int64_t t0 = ms_now();
	size_t ndraws = 0;
	char *out = NULL, want[64];

	CHECK_INT(workers_start(w), ==, 0);
	srand((unsigned)time(NULL));
	for (unsigned round = 0; round < rounds; round++) {
		daemon_spawn(w);
		CHECK(w->daemon > 0);
		if (rand() % 8 == 0) {
			/* While it starts: replaying, recovering the WAL, binding. */
			starting++;
			sleep_ms(rand() % 60);
		} else {
			CHECK_INT(daemon_wait(w), ==, 0);
			sleep_ms(20 + rand() % 200);
		}
		daemon_kill(w);
		CHECK_INT(drain(w), ==, 0);
		CHECK(workers_alive(w));
		CHECK_INT(check_ledger(w, 0), ==, 0);
	}
	workers_stop(w);
	CHECK_INT(drain(w), ==, 0);

	/* The last daemon reveals every draw still waiting. */
	daemon_spawn(w);
	CHECK_INT(daemon_wait(w), ==, 0);
	CHECK_INT(wait_revealed(w, &ndraws), ==, 0);
	CHECK_INT(stop_pid(&w->daemon, SIGTERM), ==, 0);
	CHECK_INT(check_ledger(w, 1), ==, 0);
	CHECK(w->open_seen > 0); /* the seed check met commitments awaiting reveal */
	CHECK(w->nacks > 0);

	/* The twin: an acknowledgement the ledger does not hold is caught. */
	{
		struct ledger_store *s = NULL;
		struct ack forged = w->acks[w->nacks / 2];
		char db[700], err[256];
		snprintf(db, sizeof db, "%s/ledger.db", w->data);
		forged.digest[0] ^= 1;
		printf("    the twin: entry %llu acknowledged with another digest\n",
		       (unsigned long long)forged.seq);
		CHECK_INT(storeops_open(&s, db, LEDGER_STORE_READONLY, err, sizeof err), ==, SJ_OK);
		int caught = check_ack(s, &forged) != 0;
		ledger_store_close(s);
		CHECK(caught);
	}

	CHECK_INT(
	    harness_run(&out, "cd %s && %s --log-key log.vkey data/ledger.db", w->dir, VERIFY), ==,
	    0);
	snprintf(want, sizeof want, "draws: %zu, %zu revealed and re-derived, 0 open", ndraws,
	         ndraws);
	CHECK_STR_HAS(out, want);
	free(out);
	CHECK(ndraws > 0);
	printf("    %u kills (%u while starting), %zu acknowledged entries, %zu draws all "
	       "revealed, in %.1f s\n",
	       rounds, starting, w->nacks, ndraws, (double)(ms_now() - t0) / 1000.0);
}

TEST(killload_sigkill_under_load,
     "a daemon killed with SIGKILL a hundred times while clients register agencies and keys "
     "and request draws loses no acknowledged entry and no sealed seed, reveals every draw "
     "after its last restart, and the ledger verifies")
{
	struct kl w;

	if (setup(&w) != 0) {
		harness_fail(__FILE__, __LINE__, "setup");
	} else {
		run(&w);
	}
	workers_stop(&w);
	daemon_kill(&w);
	if (w.beacon > 0)
		(void)stop_pid(&w.beacon, SIGTERM);
	for (int i = 0; i < NWORKERS; i++)
		if (w.pipes[i] >= 0)
			close(w.pipes[i]);
	free(w.acks);
}
