/*
 * drawop.c: seed custody and the entries of a draw (drawop.h).
 *
 * Sealed seeds: DIR/seed.key holds a 32-byte crypto_secretbox key (mode
 * 0600, made on first use); DIR/seeds/<hex commitment> holds nonce ||
 * secretbox(seed), written with O_EXCL, fsync'd, and its directory fsync'd,
 * before the commitment is appended.
 */
#include "daemon/drawop.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beacon/fetch.h"
#include "beacon/manual.h"
#include "beacon/round.h"
#include "common/util.h"
#include "draw/derive.h"
#include "draw/result.h"
#include "rules/draws.h"
#include "daemon/config.h"
#include "daemon/witnesspush.h"
#include "ledger/entry.h"
#include "proto/draw.pb-c.h"
#include "rules/draws.h"
#include "rules/storeops.h"

#define SEED_FILE_SIZE (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + DRAW_SEED_SIZE)

int drawop_request_payload(uint8_t **out, size_t *len, const struct drawspec *sp)
{
	return drawspec_payload(out, len, sp);
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return SJ_EIO;
		b += w;
		n -= (size_t)w;
	}
	return SJ_OK;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	if (fd < 0)
		return SJ_EIO;
	rc = fsync(fd) == 0 ? SJ_OK : SJ_EIO;
	close(fd);
	return rc;
}

/* Loads (or makes) the seed key into sodium memory the caller frees. */
static int seed_key(uint8_t **key, const char *dir, char *err, size_t err_cap)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = SJ_OK;

	snprintf(path, sizeof path, "%s/seed.key", dir);
	*key = sodium_malloc(crypto_secretbox_KEYBYTES);
	if (*key == NULL)
		return SJ_ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		crypto_secretbox_keygen(*key);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write_all(fd, *key, crypto_secretbox_KEYBYTES) != SJ_OK ||
		    fsync(fd) != 0) {
			snprintf(err, err_cap, "cannot create seed key %s: %s", path,
			         strerror(errno));
			rc = SJ_EIO;
		}
		if (fd >= 0)
			close(fd);
		if (rc == SJ_OK)
			rc = fsync_dir(dir);
		goto out;
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, err_cap, "cannot open seed key %s: %s", path, strerror(errno));
		rc = SJ_EIO;
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, err_cap, "seed key %s may be read by others; chmod 600 it", path);
		rc = SJ_EPERM;
	} else if ((n = read(fd, *key, crypto_secretbox_KEYBYTES)) != crypto_secretbox_KEYBYTES) {
		snprintf(err, err_cap, "seed key %s is not %d bytes", path,
		         crypto_secretbox_KEYBYTES);
		rc = SJ_EIO;
	}
	close(fd);
out:
	if (rc != SJ_OK) {
		sodium_free(*key);
		*key = NULL;
	}
	return rc;
}

static void seed_path(char *out, size_t cap, const char *dir, const uint8_t commitment[32])
{
	char hex[65];
	util_hex(hex, commitment, 32);
	snprintf(out, cap, "%s/seeds/%s", dir, hex);
}

/* Seals seed under commitment's name, durably. */
static int seed_store(const char *dir, const uint8_t commitment[32], const uint8_t *seed, char *err,
                      size_t err_cap)
{
	uint8_t *key = NULL, box[SEED_FILE_SIZE];
	char path[4096], sdir[4096];
	int fd = -1, rc;

	if ((rc = seed_key(&key, dir, err, err_cap)) != SJ_OK)
		return rc;
	snprintf(sdir, sizeof sdir, "%s/seeds", dir);
	if (mkdir(sdir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, err_cap, "cannot create %s: %s", sdir, strerror(errno));
		rc = SJ_EIO;
		goto out;
	}
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, seed, DRAW_SEED_SIZE, box, key);
	seed_path(path, sizeof path, dir, commitment);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, box, sizeof box) != SJ_OK || fsync(fd) != 0 ||
	    fsync_dir(sdir) != SJ_OK) {
		snprintf(err, err_cap, "cannot store the sealed seed %s: %s", path,
		         strerror(errno));
		rc = errno == ENOSPC ? SJ_EFULL : SJ_EIO;
		if (fd >= 0)
			unlink(path);
	}
out:
	if (fd >= 0)
		close(fd);
	sodium_free(key);
	return rc;
}

/* Opens the sealed seed for commitment into seed (sodium memory). */
static int seed_load(const char *dir, const uint8_t commitment[32], uint8_t *seed, char *err,
                     size_t err_cap)
{
	uint8_t *key = NULL, *box = NULL;
	size_t len;
	char path[4096];
	int rc;

	seed_path(path, sizeof path, dir, commitment);
	rc = util_read_file(&box, &len, path, SEED_FILE_SIZE);
	if (rc != SJ_OK || len != SEED_FILE_SIZE) {
		snprintf(err, err_cap, "the sealed seed %s is missing or damaged", path);
		free(box);
		return SJ_ENOENT;
	}
	if ((rc = seed_key(&key, dir, err, err_cap)) == SJ_OK &&
	    crypto_secretbox_open_easy(seed, box + crypto_secretbox_NONCEBYTES,
	                               SEED_FILE_SIZE - crypto_secretbox_NONCEBYTES, box,
	                               key) != 0) {
		snprintf(err, err_cap, "the sealed seed %s does not open with the seed key", path);
		rc = SJ_EVERIFY;
	}
	sodium_free(key);
	free(box);
	if (rc == SJ_OK && draw_derive_check_seed(commitment, seed) != SJ_OK) {
		snprintf(err, err_cap, "the sealed seed %s does not open its commitment", path);
		rc = SJ_EVERIFY;
	}
	return rc;
}

int drawop_seed(const char *dir, const uint8_t commitment[32], uint8_t *seed, char *err,
                size_t err_cap)
{
	return seed_load(dir, commitment, seed, err, err_cap);
}

int drawop_commit(struct ledger_store *s, const char *dir, const uint8_t *payload, size_t len,
                  const char *agency, const uint8_t *actor, const uint8_t *sig,
                  uint64_t *request_seq, char *err, size_t err_cap)
{
	struct draws_request_msg m;
	char why[512];
	int rc = draws_request_decode(&m, payload, len, why, sizeof why);

	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "draw request refused: %s", why);
		return SJ_EVERIFY;
	}
	rc = drawop_commit_request(s, dir, &m, payload, len, agency, actor, sig, 0, request_seq,
	                           err, err_cap);
	draws_request_msg_fini(&m);
	return rc;
}

int drawop_commit_request(struct ledger_store *s, const char *dir, struct draws_request_msg *m,
                          const uint8_t *payload, size_t len, const char *agency,
                          const uint8_t *actor, const uint8_t *sig, uint64_t counter,
                          uint64_t *request_seq, char *err, size_t err_cap)
{
	Suiji__DrawCommit c = SUIJI__DRAW_COMMIT__INIT;
	struct ledger_append a[2];
	uint8_t *seed = NULL, commitment[32], cbuf[128];
	char why[512], path[4096];
	uint64_t first;
	int rc;

	/* Feasibility first, before any seed exists (R11-R13); a request
	 * checked at the front door is not checked again. */
	if (draws_request_feasible(m, why, sizeof why) != SJ_OK) {
		snprintf(err, err_cap, "draw request refused: %s", why);
		snprintf(m->refusal, sizeof m->refusal, "%s", why);
		return SJ_EVERIFY;
	}
	seed = sodium_malloc(DRAW_SEED_SIZE);
	if (seed == NULL)
		return SJ_ENOMEM;
	randombytes_buf(seed, DRAW_SEED_SIZE);
	draw_derive_commitment(commitment, seed);
	rc = seed_store(dir, commitment, seed, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	c.request_seq = ledger_store_size(s);
	c.commitment.data = commitment;
	c.commitment.len = 32;
	a[0] = (struct ledger_append){.type = ENTRY_DRAW_REQUEST,
	                              .agency = agency ? agency : "",
	                              .actor = actor,
	                              .counter = counter,
	                              .payload = payload,
	                              .payload_len = len,
	                              .sig = sig};
	a[1] = (struct ledger_append){.type = ENTRY_DRAW_COMMIT,
	                              .agency = "",
	                              .payload = cbuf,
	                              .payload_len = suiji__draw_commit__pack(&c, cbuf)};
	/* The rules take the decoded request rather than decode it again. */
	draws_request_expect(m, payload, len);
	rc = ledger_store_append(s, a, 2, &first, err, err_cap);
	draws_request_expect(NULL, NULL, 0);
	if (rc != SJ_OK) {
		/* Nothing was appended: the seed was never committed to. */
		seed_path(path, sizeof path, dir, commitment);
		unlink(path);
		goto out;
	}
	*request_seq = first;
out:
	sodium_free(seed); /* sodium_free wipes it */
	return rc;
}

/* Gets round `round` of source (url) as a document, waiting for it when
 * wait is set. *doc is malloc'd. */
static int fetch_round(char **doc, const char *id, const char *url, const struct beacon_chain *c,
                       uint64_t round, int wait, char *err, size_t err_cap)
{
	struct beacon_round r;
	char why[512], buf[BEACON_MAX_JSON + 1];
	size_t len;
	int rc;

	for (;;) {
		rc = beacon_fetch_round(&r, url, round, 5000, why, sizeof why);
		if (rc != SJ_ENOENT || !wait)
			break;
		/* Not out yet: sleep until it is due, then a little more. */
		int64_t due = 0, now = util_now_us() / 1000000;
		if (beacon_round_time(&due, c, round) != SJ_OK)
			break;
		struct timespec ts = {.tv_sec = due > now ? (time_t)(due - now) : 0,
		                      .tv_nsec = 300 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (rc == SJ_ENOENT) {
		snprintf(err, err_cap, "round %llu of beacon %s is not out yet",
		         (unsigned long long)round, id);
		return SJ_ERANGE;
	}
	if (rc != SJ_OK) {
		snprintf(err, err_cap, "cannot fetch round %llu of beacon %s from %s: %s",
		         (unsigned long long)round, id, url, why);
		return rc;
	}
	if (beacon_round_format(buf, sizeof buf, &len, &r) != SJ_OK)
		return SJ_ERANGE;
	*doc = strdup(buf);
	return *doc ? SJ_OK : SJ_ENOMEM;
}

/*
 * R18 at reveal (docs/witness.md): with witness_quorum set in
 * dir/suijid.conf, a draw is revealed only if that many of its witnesses
 * cosigned the commitment before its beacon values were public; otherwise
 * it stays unrevealed, an abandoned commitment the log operator answers for.
 */
static int witnessed_in_time(const char *dir, uint64_t commit_seq, int64_t public_us, char *err,
			     size_t err_cap)
{
	struct config *c = malloc(sizeof *c);
	char path[4200];
	int rc;

	if (c == NULL)
		return SJ_ENOMEM;
	config_defaults(c, dir);
	snprintf(path, sizeof path, "%s/%s", dir, CONFIG_FILE_NAME);
	rc = config_load(c, path, 0, err, err_cap);
	if (rc == SJ_OK && c->witness_quorum > 0) {
		snprintf(path, sizeof path, "%s/ledger.db", dir);
		rc = witnesspush_witnessed(path, c, commit_seq, public_us, err, err_cap);
	}
	free(c);
	return rc;
}
/* Derives the draw's result from the seed and the beacon rounds, as the
 * verifier will: the reveal's own rules re-derive the result on append, so
 * what is computed here only has to agree. *public_us is when the first of
 * the beacon values was public (R18). */
static int derive_result(const struct draws *d, size_t idx, const struct draws_info *info,
                         const uint8_t *seed, char *const *rounds, uint8_t **result, size_t *rlen,
                         int64_t *public_us, char *err, size_t err_cap)
{
	const struct draw_spec *sp = draw_inputs_spec(draws_inputs(d, idx));
	struct beacon_value v[DRAW_MAX_BEACONS];
	struct draw_beacon_value bv[DRAW_MAX_BEACONS];
	struct draw_result *res = NULL;
	uint8_t r[32];
	char why[512];
	int rc = SJ_OK;

	*public_us = INT64_MAX;
	for (size_t i = 0; i < sp->n_beacons; i++) {
		const struct beacon_chain *chain;
		const char *url;
		int manual;
		int64_t margin;
		struct beacon_round br;
		if (draws_source(d, sp->beacons[i].source, &chain, &manual, &margin, &url) != SJ_OK)
			return SJ_ENOENT;
		if (manual)
			rc = manual_value(&v[i], NULL, 0, NULL, rounds[i], strlen(rounds[i]), why,
			                  sizeof why);
		else if ((rc = beacon_round_parse(&br, rounds[i], strlen(rounds[i]), why,
		                                  sizeof why)) == SJ_OK)
			rc = beacon_round_verify(&v[i], chain, &br, NULL, INT64_MAX, why,
			                         sizeof why);
		if (rc == SJ_OK)
			rc = beacon_round_usable(&v[i], info->commit_time_us, margin, why,
			                         sizeof why);
		if (rc != SJ_OK) {
			snprintf(err, err_cap, "beacon %s: %s", sp->beacons[i].source, why);
			return SJ_EVERIFY;
		}
		bv[i].value = v[i].value;
		bv[i].len = BEACON_VALUE_SIZE;
		if (v[i].time_us < *public_us)
			*public_us = v[i].time_us;
	}
	rc = draw_derive_randomness(r, seed, info->commit_hash, draws_inputs(d, idx), bv,
	                            sp->n_beacons, why, sizeof why);
	if (rc == SJ_OK) /* the pools are held by the ledger's draw state */
		rc = draws_derive(d, idx, r, &res, why, sizeof why);
	if (rc == SJ_OK)
		rc = draw_result_encode(result, rlen, res);
	draw_result_free(res);
	sodium_memzero(r, sizeof r);
	if (rc != SJ_OK)
		snprintf(err, err_cap, "the draw cannot be derived: %s", why);
	return rc;
}


int drawop_reveal(struct ledger_store *s, const char *dir, uint64_t request_seq,
                  const char *const *docs, size_t ndocs, int wait, uint64_t *reveal_seq, char *err,
                  size_t err_cap)
{
	const struct draws *d = storeops_draws(s);
	const struct draw_spec *sp;
	struct draws_info info;
	Suiji__DrawReveal m = SUIJI__DRAW_REVEAL__INIT;
	char *rounds[DRAW_MAX_BEACONS] = {0}, path[4096];
	uint8_t *seed = NULL, *result = NULL, *payload = NULL;
	size_t idx, rlen = 0, plen;
	struct ledger_append a;
	int64_t public_us;
	int rc;

	if (draws_find(d, request_seq, &idx) != SJ_OK) {
		snprintf(err, err_cap, "entry %llu is not a draw request",
		         (unsigned long long)request_seq);
		return SJ_ENOENT;
	}
	draws_get(d, idx, &info);
	if (!info.committed || info.revealed || draws_inputs(d, idx) == NULL) {
		snprintf(err, err_cap, "the draw requested at entry %llu is %s",
		         (unsigned long long)request_seq,
		         info.revealed ? "revealed already" : "not committed");
		return SJ_ENOENT;
	}
	sp = draw_inputs_spec(draws_inputs(d, idx));
	if (ndocs && ndocs != sp->n_beacons) {
		snprintf(err, err_cap, "the draw names %zu beacon rounds; %zu were given",
		         sp->n_beacons, ndocs);
		return SJ_EINVAL;
	}
	seed = sodium_malloc(DRAW_SEED_SIZE);
	if (seed == NULL)
		return SJ_ENOMEM;
	if ((rc = seed_load(dir, info.commitment, seed, err, err_cap)) != SJ_OK)
		goto out;
	for (size_t i = 0; i < sp->n_beacons; i++) {
		const struct beacon_chain *chain;
		const char *url;
		int manual;
		int64_t margin;
		if (draws_source(d, sp->beacons[i].source, &chain, &manual, &margin, &url) !=
		    SJ_OK) {
			rc = SJ_ENOENT;
			goto out;
		}
		if (ndocs && docs[i]) {
			rounds[i] = strdup(docs[i]);
			rc = rounds[i] ? SJ_OK : SJ_ENOMEM;
		} else if (manual) {
			/* Only a registered signer's values count (R6): the
			 * first signed entry the draw may use, not a choice. */
			const char *sv = draws_signed_values(d, idx, sp->beacons[i].source, NULL);
			if (sv == NULL) {
				snprintf(err, err_cap,
				         "beacon %s gives public values, and no public-values "
				         "entry signed by a registered signer gives values drawn "
				         "after the commitment yet (suijid pubvalues add)",
				         sp->beacons[i].source);
				rc = SJ_EINVAL;
			} else {
				rounds[i] = strdup(sv);
				rc = rounds[i] ? SJ_OK : SJ_ENOMEM;
			}
		} else {
			rc = fetch_round(&rounds[i], sp->beacons[i].source, url, chain,
			                 sp->beacons[i].round, wait, err, err_cap);
		}
		if (rc != SJ_OK)
			goto out;
	}
	rc = derive_result(d, idx, &info, seed, rounds, &result, &rlen, &public_us, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	if ((rc = witnessed_in_time(dir, info.commit_seq, public_us, err, err_cap)) != SJ_OK)
		goto out;
	m.commit_seq = info.commit_seq;
	m.seed.data = seed;
	m.seed.len = DRAW_SEED_SIZE;
	m.n_rounds = sp->n_beacons;
	m.rounds = rounds;
	m.result.data = result;
	m.result.len = rlen;
	plen = suiji__draw_reveal__get_packed_size(&m);
	payload = malloc(plen);
	if (payload == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	suiji__draw_reveal__pack(&m, payload);
	a = (struct ledger_append){
	    .type = ENTRY_DRAW_REVEAL, .agency = "", .payload = payload, .payload_len = plen};
	rc = ledger_store_append(s, &a, 1, reveal_seq, err, err_cap);
	if (rc == SJ_OK) {
		/* Revealed and durable: the sealed copy has done its work. */
		seed_path(path, sizeof path, dir, info.commitment);
		unlink(path);
	}
out:
	for (size_t i = 0; i < DRAW_MAX_BEACONS; i++)
		free(rounds[i]);
	free(payload);
	free(result);
	sodium_free(seed);
	return rc;
}
