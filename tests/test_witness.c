/*
 * test_witness.c: suiji-witness, a witness another body runs, speaking C2SP
 * tlog-witness over HTTP, and suijid as its client (docs/witness.md).
 *
 * Every test runs the real binaries on 127.0.0.1 with ephemeral ports. The
 * requests the log operator could forge (a fork at the same size, a
 * rollback, a proof that does not verify) are sent by hand over HTTP, and
 * each must be refused with the status tlog-witness gives. The cosignatures
 * that come back are checked here a second time by code written from the
 * spec text (c2sp.org/tlog-cosignature), not by ledger/note.c.
 */
#include <curl/curl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/config.h"
#include "ledger/checkpoint.h"
#include "ledger/keyfile.h"
#include "ledger/note.h"
#include "ledger/note_sign.h"
#include "ledger/proof.h"
#include "tests/city.h"
#include "tests/daemon.h"
#include "tests/harness.h"

#define SUIJID  harness_bin("suijid")
#define WITNESS harness_bin("suiji-witness")
#define VERIFY  harness_bin("suiji-verify")
#define ORIGIN  "suiji.test/witnessed"

/* ---- HTTP by hand ---- */

struct http_reply {
	long status;
	char body[4096];
	size_t len;
	char ctype[128];
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_reply *r = arg;
	size_t n = size * nmemb;
	if (n >= sizeof r->body - r->len)
		return 0;
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* POSTs (or GETs, when body is NULL) /add-checkpoint on 127.0.0.1:port. */
static int http(struct http_reply *r, int port, const char *body, size_t len)
{
	char url[128];
	char *ct = NULL;
	CURL *h = curl_easy_init();
	int rc;

	memset(r, 0, sizeof *r);
	if (h == NULL)
		return -1;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/add-checkpoint", port);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	rc = curl_easy_perform(h) == CURLE_OK ? 0 : -1;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
		snprintf(r->ctype, sizeof r->ctype, "%s", ct);
	curl_easy_cleanup(h);
	return rc;
}

/* "old N\n", the proof's hashes (from a suijid prove-consistency file, or
 * none when proof_file is NULL), an empty line, the note in note_file. With
 * flip set, one bit of the first hash is flipped. malloc'd. */
static char *request(const char *d, uint64_t old, const char *proof_file, const char *note_file,
                     int flip, size_t *len)
{
	struct proof_consistency *p = malloc(sizeof *p);
	uint8_t *ptext = NULL, *note = NULL;
	size_t plen, nlen, cap, off;
	char path[700], b64[64], *out = NULL;

	if (p == NULL)
		return NULL;
	p->n = 0;
	if (proof_file != NULL) {
		snprintf(path, sizeof path, "%s/%s", d, proof_file);
		if (util_read_file(&ptext, &plen, path, PROOF_MAX_TEXT) != SJ_OK ||
		    proof_consistency_parse(p, (const char *)ptext, plen, NULL, 0) != SJ_OK)
			goto out;
		if (flip && p->n > 0)
			p->hashes[0][0] ^= 1;
	}
	snprintf(path, sizeof path, "%s/%s", d, note_file);
	if (util_read_file(&note, &nlen, path, NOTE_MAX_SIZE) != SJ_OK)
		goto out;
	cap = 32 + p->n * 46 + 1 + nlen + 1;
	if ((out = malloc(cap)) == NULL)
		goto out;
	off = (size_t)snprintf(out, cap, "old %llu\n", (unsigned long long)old);
	for (size_t i = 0; i < p->n; i++) {
		if (util_b64_encode(b64, sizeof b64, p->hashes[i], 32) != SJ_OK) {
			free(out);
			out = NULL;
			goto out;
		}
		off += (size_t)snprintf(out + off, cap - off, "%s\n", b64);
	}
	out[off++] = '\n';
	memcpy(out + off, note, nlen);
	off += nlen;
	out[off] = '\0';
	*len = off;
out:
	free(p);
	free(ptext);
	free(note);
	return out;
}

static int post_file(struct http_reply *r, int port, const char *d, uint64_t old,
                     const char *proof_file, const char *note_file, int flip)
{
	size_t len = 0;
	char *body = request(d, old, proof_file, note_file, flip, &len);
	int rc;
	if (body == NULL)
		return -1;
	rc = http(r, port, body, len);
	free(body);
	return rc;
}

/* A checkpoint of origin at size with a random root, signed by the log's
 * own key (d/data/log.key): what a log operator who forked would send. */
static int forge(const char *d, const char *origin, uint64_t size, const char *name)
{
	struct note_skey *k = NULL;
	struct checkpoint c;
	char path[700], err[300], body[512], *note = NULL;
	size_t blen, len;
	int rc = -1;

	memset(&c, 0, sizeof c);
	snprintf(path, sizeof path, "%s/data/log.key", d);
	if (keyfile_load(&k, path, NULL, 0, 0, NULL, err, sizeof err) != SJ_OK)
		return -1;
	snprintf(c.origin, sizeof c.origin, "%s", origin);
	c.size = size;
	randombytes_buf(c.root, 32);
	snprintf(path, sizeof path, "%s/%s", d, name);
	if (checkpoint_format(body, sizeof body, &blen, &c) == SJ_OK &&
	    note_sign(&note, &len, body, blen, k) == SJ_OK &&
	    util_write_file(path, note, len, 0644) == SJ_OK)
		rc = 0;
	free(note);
	note_skey_free(k);
	return rc;
}

/* ---- cosignature/v1, checked from the spec text alone ---- */

/*
 * c2sp.org/tlog-cosignature: the signature line is
 *   "— " name " " base64(key ID (4) || timestamp (8, big-endian) || sig (64))
 * the key ID is SHA-256(name || "\n" || 0x04 || public key)[:4], and the
 * Ed25519 signature covers "cosignature/v1\ntime " decimal(timestamp) "\n"
 * followed by the checkpoint body. Written here without ledger/note.c.
 * Returns 0 and the timestamp when line (one line, its "\n" included) is a
 * valid cosignature by (name, pk) on body.
 */
static int spec_check_cosig(const char *line, const char *name, const uint8_t pk[32],
                            const char *body, size_t blen, uint64_t *ts)
{
	static const char dash[] = "\xe2\x80\x94 ";
	uint8_t raw[4 + 8 + 64], kid_in[300], h[32];
	size_t nl = strlen(name), rawlen = 0, mlen;
	const char *b64, *end;
	char *msg;
	uint64_t t = 0;
	int ok;

	if (strncmp(line, dash, 4) != 0 || strncmp(line + 4, name, nl) != 0 || line[4 + nl] != ' ')
		return -1;
	b64 = line + 4 + nl + 1;
	end = strchr(b64, '\n');
	if (end == NULL ||
	    sodium_base642bin(raw, sizeof raw, b64, (size_t)(end - b64), NULL, &rawlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    rawlen != sizeof raw)
		return -1;
	memcpy(kid_in, name, nl);
	kid_in[nl] = '\n';
	kid_in[nl + 1] = 0x04;
	memcpy(kid_in + nl + 2, pk, 32);
	crypto_hash_sha256(h, kid_in, nl + 34);
	if (memcmp(h, raw, 4) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		t = t << 8 | raw[4 + i];
	if ((msg = malloc(blen + 64)) == NULL)
		return -1;
	mlen = (size_t)snprintf(msg, 64, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
	memcpy(msg + mlen, body, blen);
	ok = crypto_sign_verify_detached(raw + 12, (const uint8_t *)msg, mlen + blen, pk) == 0;
	free(msg);
	*ts = t;
	return ok ? 0 : -1;
}

/* The witness's name and public key from its verifier key file. */
static int witness_pk(const char *d, const char *file, char *name, size_t cap, uint8_t pk[32])
{
	struct note_vkey v;
	uint8_t *text = NULL;
	size_t len;
	char path[700];
	int rc = -1;

	snprintf(path, sizeof path, "%s/%s", d, file);
	if (util_read_file(&text, &len, path, 4096) != SJ_OK)
		return -1;
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (note_vkey_parse(&v, (const char *)text) == SJ_OK) {
		snprintf(name, cap, "%s", v.name);
		memcpy(pk, v.pk, 32);
		rc = 0;
	}
	free(text);
	return rc;
}

/* The body of the checkpoint note in file (up to the empty line). */
static char *note_file_body(const char *d, const char *file, size_t *blen)
{
	uint8_t *text = NULL;
	size_t len;
	char path[700], *sep;
	snprintf(path, sizeof path, "%s/%s", d, file);
	if (util_read_file(&text, &len, path, NOTE_MAX_SIZE) != SJ_OK)
		return NULL;
	sep = strstr((char *)text, "\n\n");
	if (sep == NULL) {
		free(text);
		return NULL;
	}
	*blen = (size_t)(sep - (char *)text) + 1;
	return (char *)text;
}

/* ---- setup ---- */

/* A log in d/data, a witness in d/wit that witnesses it (not running),
 * its verifier key in d/w.vkey, registered in the ledger. */
static int setup(const char *d)
{
	char *out = NULL;
	int rc = harness_run(&out,
	                     "cd %s && %s -d data init --origin " ORIGIN " >/dev/null 2>&1 && "
	                     "%s -d data log-key > log.vkey && "
	                     "%s init --dir wit --name sfj.test/witness > w.vkey && "
	                     "%s -d data add-witness --key w.vkey >/dev/null && "
	                     "echo \"log = " ORIGIN " $PWD/log.vkey\" >> wit/witness.conf",
	                     d, SUIJID, SUIJID, WITNESS, SUIJID);
	if (rc != 0)
		printf("    %s\n", out ? out : "");
	free(out);
	return rc;
}

/* Points the daemon's config at the witness on port. */
static int configure_push(const char *d, const char *data, int port)
{
	char *out = NULL;
	int rc = harness_run(
	    &out, "cd %s && echo \"witness = http://127.0.0.1:%d $(cat w.vkey)\" > %s/suijid.conf",
	    d, port, data);
	free(out);
	return rc;
}

static void stop(pid_t pid, int sig)
{
	if (pid > 0) {
		kill(pid, sig);
		waitpid(pid, NULL, 0);
	}
}

TEST(witness_help_version,
     "suiji-witness answers --help and --version, and init makes a key only its owner can read")
{
	const char *d = harness_tmpdir();
	char *out = NULL, path[700];
	struct stat st;
	CHECK_INT(harness_run(&out, "%s --help", WITNESS), ==, 0);
	CHECK_STR_HAS(out, "suiji-witness run --dir DIR");
	free(out);
	CHECK_INT(harness_run(&out, "%s --version", WITNESS), ==, 0);
	CHECK_STR_HAS(out, "suiji-witness ");
	free(out);
	CHECK_INT(harness_run(&out, "%s init --dir %s/w --name notary.test/w", WITNESS, d), ==, 0);
	CHECK_STR_HAS(out, "notary.test/w+");
	free(out);
	snprintf(path, sizeof path, "%s/w/witness.key", d);
	CHECK_INT(stat(path, &st), ==, 0);
	CHECK_INT(st.st_mode & 0777, ==, 0600);
	/* A second init keeps the key it has. */
	CHECK_INT(harness_run(&out, "%s init --dir %s/w --name notary.test/w", WITNESS, d), ==, 2);
	CHECK_STR_HAS(out, "not overwriting");
	free(out);
	/* A config without any log is refused at start-up, naming what is missing. */
	CHECK_INT(harness_run(&out, "%s run --dir %s/w --listen 127.0.0.1:0", WITNESS, d), ==, 2);
	CHECK_STR_HAS(out, "at least one log");
	free(out);
}

TEST(witness_daemon_pushes,
     "suijid checkpoint pushes to its witness, stores the cosignature of each checkpoint and its "
     "extension, and suiji-verify --witness --quorum 1 passes; a witness the log never pushed to "
     "does not make the quorum")
{
	const char *d = harness_tmpdir();
	char *out = NULL;
	char wdir[700];
	pid_t pid = 0;
	int port = 0;
	snprintf(wdir, sizeof wdir, "%s/wit", d);
	CHECK_INT(setup(d), ==, 0);
	CHECK_INT(twitness_start(&pid, wdir, &port), ==, 0);
	CHECK_INT(configure_push(d, "data", port), ==, 0);
	CHECK_INT(harness_run(&out, "cd %s && %s -d data checkpoint -o cp1", d, SUIJID), ==, 0);
	CHECK_STR_HAS(out, "1 of 1 witness(es) cosigned");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s -d data add-agency --code sfj --name x && "
	                      "%s -d data checkpoint -o cp2",
	                      d, SUIJID, SUIJID),
	          ==, 0);
	CHECK_STR_HAS(out, "1 of 1 witness(es) cosigned");
	free(out);
	/* The written checkpoint carries the cosignature, and the ledger too. */
	CHECK_INT(harness_run(&out, "cd %s && grep -c sfj.test/witness cp2", d), ==, 0);
	free(out);
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s --log-key log.vkey --witness w.vkey --quorum 1 "
	                      "data/ledger.db",
	                      d, VERIFY),
	          ==, 0);
	CHECK_STR_HAS(out, "2 checkpoints");
	CHECK_STR_HAS(out, "2 cosignatures");
	free(out);
	/* The export holds them as well. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s -d data export -o ex.json && "
	                      "%s --log-key log.vkey --witness w.vkey --quorum 1 ex.json",
	                      d, SUIJID, VERIFY),
	          ==, 0);
	free(out);
	/* Forgery twin: a witness that never saw the log does not count. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && %s init --dir other --name notary.test/o > o.vkey && "
	                      "%s --log-key log.vkey --witness o.vkey --quorum 1 data/ledger.db",
	                      d, WITNESS, VERIFY),
	          ==, 1);
	CHECK_STR_HAS(out, "cosignatures by pinned witnesses");
	free(out);
	stop(pid, SIGTERM);
}

/* A witness at size 2 (cp1 cosigned over HTTP by hand), the log grown to
 * size 3 (cp2) with its consistency proof from 2 in c2. */
static int witness_at_2(const char *d, pid_t *pid, int *port, struct http_reply *r)
{
	char wdir[700];
	snprintf(wdir, sizeof wdir, "%s/wit", d);
	if (setup(d) != 0 || twitness_start(pid, wdir, port) != 0)
		return -1;
	if (harness_run(NULL,
	                "cd %s && %s -d data checkpoint -o cp1 && "
	                "%s -d data add-agency --code sfj --name x >/dev/null && "
	                "%s -d data checkpoint -o cp2 && "
	                "%s -d data prove-consistency 2 -o c2",
	                d, SUIJID, SUIJID, SUIJID, SUIJID) != 0)
		return -1;
	if (post_file(r, *port, d, 0, NULL, "cp1", 0) != 0 || r->status != 200)
		return -1;
	return 0;
}

TEST(witness_cosigns_per_spec,
     "the witness's cosignature of a checkpoint and of its consistent extension verifies by the "
     "cosignature/v1 spec text alone, with a timestamp of now")
{
	const char *d = harness_tmpdir();
	struct http_reply r;
	char name[300], *body = NULL;
	uint8_t pk[32];
	size_t blen = 0;
	uint64_t ts = 0, now = (uint64_t)time(NULL);
	pid_t pid = 0;
	int port = 0;
	CHECK(sodium_init() >= 0);
	CHECK_INT(witness_at_2(d, &pid, &port, &r), ==, 0);
	CHECK_INT(witness_pk(d, "w.vkey", name, sizeof name, pk), ==, 0);
	body = note_file_body(d, "cp1", &blen);
	CHECK(body != NULL);
	CHECK_INT(spec_check_cosig(r.body, name, pk, body, blen, &ts), ==, 0);
	CHECK(ts + 60 >= now && ts <= now + 60);
	/* Forgery twin: the same line does not verify over another body. */
	body[blen - 2] ^= 1;
	CHECK_INT(spec_check_cosig(r.body, name, pk, body, blen, &ts), ==, -1);
	free(body);
	/* The extension to size 3 with its proof is cosigned too. */
	CHECK_INT(post_file(&r, port, d, 2, "c2", "cp2", 0), ==, 0);
	CHECK_INT(r.status, ==, 200);
	body = note_file_body(d, "cp2", &blen);
	CHECK(body != NULL);
	CHECK_INT(spec_check_cosig(r.body, name, pk, body, blen, &ts), ==, 0);
	free(body);
	stop(pid, SIGTERM);
}

TEST(witness_cosig_vector, "a cosignature/v1 line of a fixed key, time and body is the one "
                           "computed by hand from the spec text")
{
	static const char body[] =
	    "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	uint8_t seed[32], pk[32], sk[64], kid_in[64], h[32], raw[76], sig[64];
	char keytext[256], b64[128], expect[512], *line = NULL, msg[256];
	struct note_skey *k = NULL;
	size_t mlen;
	CHECK(sodium_init() >= 0);
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	/* The private key string in Go's note format, type 0x04. */
	memcpy(kid_in, "w.test", 6);
	kid_in[6] = '\n';
	kid_in[7] = 0x04;
	memcpy(kid_in + 8, pk, 32);
	crypto_hash_sha256(h, kid_in, 40);
	raw[0] = 0x04;
	memcpy(raw + 1, seed, 32);
	sodium_bin2base64(b64, sizeof b64, raw, 33, sodium_base64_VARIANT_ORIGINAL);
	snprintf(keytext, sizeof keytext, "PRIVATE+KEY+w.test+%02x%02x%02x%02x+%s", h[0], h[1],
	         h[2], h[3], b64);
	CHECK_INT(note_skey_parse(&k, keytext, strlen(keytext)), ==, SJ_OK);
	CHECK_INT(note_cosign(&line, body, sizeof body - 1, 1700000000, k), ==, SJ_OK);
	note_skey_free(k);
	/* By hand: key ID, the 8-byte big-endian time, the signature over
	 * "cosignature/v1\ntime 1700000000\n" || body. */
	mlen = (size_t)snprintf(msg, sizeof msg, "cosignature/v1\ntime 1700000000\n%s", body);
	crypto_sign_detached(sig, NULL, (const uint8_t *)msg, mlen, sk);
	memcpy(raw, h, 4);
	for (int i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)((uint64_t)1700000000 >> (56 - 8 * i));
	memcpy(raw + 12, sig, 64);
	sodium_bin2base64(b64, sizeof b64, raw, 76, sodium_base64_VARIANT_ORIGINAL);
	snprintf(expect, sizeof expect, "\xe2\x80\x94 w.test %s\n", b64);
	CHECK(line != NULL && strcmp(line, expect) == 0);
	free(line);
	sodium_memzero(sk, sizeof sk);
}

TEST(witness_refuses_fork_rollback_bad_proof,
     "the witness refuses a fork at its size (409 with its size), a rollback (409), an old size "
     "above the checkpoint (400), a proof that does not verify (422), a larger tree inconsistent "
     "with its own (422), an unknown origin (404), a checkpoint the log did not sign (403) and "
     "garbage (400)")
{
	const char *d = harness_tmpdir();
	struct http_reply r;
	char *out = NULL;
	pid_t pid = 0;
	int port = 0;
	CHECK(sodium_init() >= 0);
	CHECK_INT(witness_at_2(d, &pid, &port, &r), ==, 0);
	/* A fork: size 2, another root, signed by the log key itself. */
	CHECK_INT(forge(d, ORIGIN, 2, "fork2"), ==, 0);
	CHECK_INT(post_file(&r, port, d, 2, NULL, "fork2", 0), ==, 0);
	CHECK_INT(r.status, ==, 409);
	CHECK(strcmp(r.body, "2\n") == 0);
	CHECK_STR_HAS(r.ctype, "text/x.tlog.size");
	/* A proof with one bit flipped. */
	CHECK_INT(post_file(&r, port, d, 2, "c2", "cp2", 1), ==, 0);
	CHECK_INT(r.status, ==, 422);
	/* A larger tree that does not extend size 2: no proof can show it. */
	CHECK_INT(forge(d, ORIGIN, 3, "fork3"), ==, 0);
	CHECK_INT(post_file(&r, port, d, 2, "c2", "fork3", 0), ==, 0);
	CHECK_INT(r.status, ==, 422);
	/* The honest extension still goes through: nothing above moved the state. */
	CHECK_INT(post_file(&r, port, d, 2, "c2", "cp2", 0), ==, 0);
	CHECK_INT(r.status, ==, 200);
	/* A rollback to size 2, offered from 0 or from 2: 409 naming size 3. */
	CHECK_INT(post_file(&r, port, d, 0, NULL, "cp1", 0), ==, 0);
	CHECK_INT(r.status, ==, 409);
	CHECK(strcmp(r.body, "3\n") == 0);
	CHECK_INT(post_file(&r, port, d, 2, NULL, "cp1", 0), ==, 0);
	CHECK_INT(r.status, ==, 409);
	CHECK_INT(post_file(&r, port, d, 3, NULL, "cp1", 0), ==, 0);
	CHECK_INT(r.status, ==, 400);
	/* An origin this witness does not witness. */
	CHECK_INT(forge(d, "suiji.test/elsewhere", 3, "other"), ==, 0);
	CHECK_INT(post_file(&r, port, d, 3, NULL, "other", 0), ==, 0);
	CHECK_INT(r.status, ==, 404);
	/* The right origin, signed by a key that is not the log's. */
	CHECK_INT(
	    harness_run(&out,
	                "cd %s && mkdir -p rogue/data && %s -d rogue/data init --origin " ORIGIN
	                " >/dev/null 2>&1",
	                d, SUIJID),
	    ==, 0);
	free(out);
	{
		char rd[700];
		snprintf(rd, sizeof rd, "%s/rogue", d);
		CHECK_INT(forge(rd, ORIGIN, 3, "../rogue3"), ==, 0);
	}
	CHECK_INT(post_file(&r, port, d, 3, NULL, "rogue3", 0), ==, 0);
	CHECK_INT(r.status, ==, 403);
	CHECK_INT(http(&r, port, "garbage", 7), ==, 0);
	CHECK_INT(r.status, ==, 400);
	CHECK_INT(http(&r, port, NULL, 0), ==, 0);
	CHECK_INT(r.status, ==, 405);
	stop(pid, SIGTERM);
}

TEST(witness_state_survives_kill,
     "after kill -9 and a restart the witness still knows its size: it refuses the fork, and a "
     "corrupted state file stops it from starting rather than forgetting")
{
	const char *d = harness_tmpdir();
	struct http_reply r;
	char wdir[700], *out = NULL;
	pid_t pid = 0;
	int port = 0;
	CHECK(sodium_init() >= 0);
	CHECK_INT(witness_at_2(d, &pid, &port, &r), ==, 0);
	stop(pid, SIGKILL);
	snprintf(wdir, sizeof wdir, "%s/wit", d);
	CHECK_INT(twitness_start(&pid, wdir, &port), ==, 0);
	CHECK_INT(forge(d, ORIGIN, 2, "fork2"), ==, 0);
	CHECK_INT(post_file(&r, port, d, 2, NULL, "fork2", 0), ==, 0);
	CHECK_INT(r.status, ==, 409);
	CHECK(strcmp(r.body, "2\n") == 0);
	CHECK_INT(post_file(&r, port, d, 0, NULL, "fork2", 0), ==, 0);
	CHECK_INT(r.status, ==, 409);
	stop(pid, SIGKILL);
	/* The state file is the log-signed checkpoint; a forged one stops it. */
	CHECK_INT(harness_run(&out,
	                      "cd %s && for f in wit/state/*.cp; do echo x >> $f; done && "
	                      "%s run --dir wit --listen 127.0.0.1:0",
	                      d, WITNESS),
	          ==, 2);
	CHECK_STR_HAS(out, "refusing to start");
	free(out);
}

/* The commitment of scjg's task draw in city c (not revealed). */
static int commit_draw(const struct city *c, uint64_t *seq)
{
	char *o = NULL;
	const char *p;
	int rc;
	if (city_put(
	        c, "draw.json",
	        "{\"request_id\": \"fork\", \"agency\": \"scjg\", \"task\": \"scjg-2026-food\","
	        " \"slot_size\": 5, \"officer_repeat_in_slot\": true, \"deadline_hours\": 24,"
	        " \"beacons\": [{\"source\": \"pub\", \"round\": 0}],"
	        " \"officer_tags\": [\"food\"]}"))
		return 2;
	rc = city_run(c, &o, "$B/suijid -d data draw task draw.json");
	p = o ? strstr(o, "draw request ") : NULL;
	*seq = p ? strtoull(p + 13, NULL, 10) : 0;
	if (rc != 0)
		printf("    %s\n", o ? o : "");
	free(o);
	return rc;
}

TEST(witness_fork_and_choose,
     "fork and choose: a copy of the data directory commits the same draw as the original; the "
     "witness cosigns the first branch pushed and refuses the other, whose reveal then fails "
     "suiji-verify --witness --quorum 1")
{
	struct city c, f;
	char *out = NULL, wdir[700];
	uint64_t seq = 0, fseq = 0;
	pid_t pid = 0;
	int port = 0;
	CHECK(sodium_init() >= 0);
	CHECK_INT(city_build(&c), ==, 0);
	snprintf(wdir, sizeof wdir, "%s/wit", c.dir);
	CHECK_INT(
	    city_run(&c, &out,
	             "$B/suijid -d data log-key > log.vkey && "
	             "$B/suiji-witness init --dir wit --name sfj.test/witness > w.vkey && "
	             "$B/suijid -d data add-witness --key w.vkey >/dev/null && "
	             "echo \"log = $($B/suijid -d data status | sed -n 's/^origin: //p' | head -1) "
	             "$PWD/log.vkey\" >> wit/witness.conf && cat wit/witness.conf"),
	    ==, 0);
	free(out);
	CHECK_INT(twitness_start(&pid, wdir, &port), ==, 0);
	CHECK_INT(configure_push(c.dir, "data", port), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	free(out);
	/* The operator copies the stopped log and commits the draw in each. */
	f = c;
	snprintf(f.dir, sizeof f.dir, "%.500s-fork", c.dir);
	CHECK_INT(harness_run(NULL, "cp -a '%s' '%s'", c.dir, f.dir), ==, 0);
	CHECK_INT(commit_draw(&c, &seq), ==, 0);
	CHECK_INT(commit_draw(&f, &fseq), ==, 0);
	CHECK_INT(seq, ==, fseq);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	CHECK_STR_HAS(out, "1 of 1 witness(es) cosigned");
	free(out);
	/* The twin: same size, other commitment. Refused, even after the retry. */
	CHECK_INT(city_run(&f, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 1);
	CHECK_STR_HAS(out, "refused (409)");
	CHECK_STR_HAS(out, "0 of 1 witness(es) cosigned");
	free(out);
	/* Both reveal; only the witnessed branch verifies with the quorum. */
	CHECK_INT(city_pub_round(&c), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data draw reveal %llu", (unsigned long long)seq),
	          ==, 0);
	/* The notary's signed values reach the fork as well. */
	CHECK_INT(harness_run(NULL, "cp '%s/pub.signed' '%s/pub.signed'", c.dir, f.dir), ==, 0);
	CHECK_INT(city_run(&f, NULL,
	                   "$B/suijid -d data pubvalues add pub.signed && "
	                   "$B/suijid -d data draw reveal %llu",
	                   (unsigned long long)fseq),
	          ==, 0);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data checkpoint -o /dev/null && "
	                   "$B/suiji-verify --log-key log.vkey --witness w.vkey --quorum 1 "
	                   "--witness-margin 0 data/ledger.db"),
	          ==, 0);
	CHECK_STR_HAS(out, "witnessed: 1 revealed draws' commitments cosigned by the quorum");
	free(out);
	CHECK_INT(city_run(&f, &out,
	                   "$B/suijid -d data checkpoint -o /dev/null; "
	                   "$B/suiji-verify --log-key log.vkey --witness w.vkey --quorum 1 "
	                   "--witness-margin 0 data/ledger.db"),
	          ==, 1);
	CHECK_STR_HAS(out, "cosignatures by pinned witnesses");
	free(out);
	stop(pid, SIGTERM);
	harness_run(NULL, "rm -rf '%s'", f.dir);
}

TEST(witness_config_lines, "suijid.conf takes one witness line per witness (URL and cosignature/v1 "
                           "key) and refuses a URL that is not http(s), a log key in place of a "
                           "witness key, and a seventeenth witness, naming the line")
{
	struct config *c = malloc(sizeof *c);
	struct note_skey *k = NULL;
	struct note_vkey v;
	char text[8192], vk[NOTE_MAX_VKEY], lk[NOTE_MAX_VKEY], err[512] = "";
	size_t off = 0;
	CHECK(c != NULL && sodium_init() >= 0);
	CHECK_INT(note_skey_generate(&k, "sfj.test/w", NOTE_TYPE_COSIG_V1), ==, SJ_OK);
	note_skey_public(&v, k);
	note_skey_free(k);
	CHECK_INT(note_vkey_format(vk, sizeof vk, v.name, v.type, v.pk), ==, SJ_OK);
	CHECK_INT(note_skey_generate(&k, "suiji.test/log", NOTE_TYPE_ED25519), ==, SJ_OK);
	note_skey_public(&v, k);
	note_skey_free(k);
	CHECK_INT(note_vkey_format(lk, sizeof lk, v.name, v.type, v.pk), ==, SJ_OK);
	snprintf(text, sizeof text,
	         "witness = http://127.0.0.1:7380 %s\nwitness = https://notary.example/w/ %s\n", vk,
	         vk);
	config_defaults(c, "/srv/suiji");
	CHECK_INT(config_parse(c, text, strlen(text), "t.conf", err, sizeof err), ==, SJ_OK);
	CHECK_INT(c->n_witnesses, ==, 2);
	CHECK(strcmp(c->witnesses[1].url, "https://notary.example/w/") == 0);
	CHECK(strcmp(c->witnesses[0].key.name, "sfj.test/w") == 0);
	snprintf(text, sizeof text, "witness = ftp://x %s\n", vk);
	config_defaults(c, "/srv/suiji");
	CHECK_INT(config_parse(c, text, strlen(text), "t.conf", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "t.conf:1: witness takes an http");
	/* A log's (Ed25519 note) key is not a witness key. */
	snprintf(text, sizeof text, "\nwitness = http://a %s\n", lk);
	config_defaults(c, "/srv/suiji");
	CHECK_INT(config_parse(c, text, strlen(text), "t.conf", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "t.conf:2: the witness key");
	for (int i = 0; i < 17; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "witness = http://w%d %s\n",
		                        i, vk);
	config_defaults(c, "/srv/suiji");
	CHECK_INT(config_parse(c, text, strlen(text), "t.conf", err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "t.conf:17: at most 16 witness lines");
	/* A quorum at reveal larger than the witnesses named is refused. */
	snprintf(text, sizeof text,
	         "witness = http://a %s\nwitness_quorum = 2\nwitness_margin_s = 5\n", vk);
	config_defaults(c, "/srv/suiji");
	CHECK_INT(c->witness_margin_s, ==, 30);
	CHECK_INT(config_parse(c, text, strlen(text), "t.conf", err, sizeof err), ==, SJ_OK);
	CHECK_INT(c->witness_quorum, ==, 2);
	CHECK_INT(c->witness_margin_s, ==, 5);
	CHECK_INT(config_finish(c, err, sizeof err), ==, SJ_EINVAL);
	CHECK_STR_HAS(err, "witness_quorum 2 needs at least as many witness lines (1)");
	free(c);
}

/* The sample city with a witness running and pushed to; its pid in *pid. */
static int witnessed_city(struct city *c, pid_t *pid)
{
	char wdir[700], *out = NULL;
	int port = 0, rc;
	if (city_build(c) != 0)
		return -1;
	snprintf(wdir, sizeof wdir, "%s/wit", c->dir);
	rc = city_run(c, &out,
	              "$B/suijid -d data log-key > log.vkey && "
	              "$B/suiji-witness init --dir wit --name sfj.test/witness > w.vkey && "
	              "$B/suijid -d data add-witness --key w.vkey >/dev/null && "
	              "echo \"log = $($B/suijid -d data status | sed -n 's/^origin: //p') "
	              "$PWD/log.vkey\" >> wit/witness.conf");
	free(out);
	if (rc != 0 || twitness_start(pid, wdir, &port) != 0 ||
	    configure_push(c->dir, "data", port) != 0)
		return -1;
	return 0;
}

TEST(witness_r18_late_witnessing,
     "R18: a draw whose commitment was first cosigned after its beacon values were public fails "
     "suiji-verify --quorum, naming R18; its twin, pushed before, passes, and a margin larger than "
     "the time between push and values fails it")
{
	struct city c;
	char *out = NULL;
	uint64_t seq = 0;
	pid_t pid = 0;
	CHECK(sodium_init() >= 0);
	CHECK_INT(witnessed_city(&c, &pid), ==, 0);
	/* Committed, values public, revealed: only then pushed. */
	CHECK_INT(commit_draw(&c, &seq), ==, 0);
	CHECK_INT(city_pub_round(&c), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data draw reveal %llu --round pub.json",
	                   (unsigned long long)seq),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	free(out);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suiji-verify --log-key log.vkey --witness w.vkey --quorum 1 "
	                   "--witness-margin 0 data/ledger.db"),
	          ==, 1);
	CHECK_STR_HAS(out, "R18: draw request");
	CHECK_STR_HAS(out, "cosigned by 0 of the pinned witnesses");
	free(out);
	/* Without a quorum nothing is claimed about witnessing. */
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify --log-key log.vkey data/ledger.db"), ==, 0);
	free(out);
	stop(pid, SIGTERM);
	harness_run(NULL, "rm -rf '%s'", c.dir);

	/* The twin: pushed right after the commitment, then revealed. */
	CHECK_INT(witnessed_city(&c, &pid), ==, 0);
	CHECK_INT(commit_draw(&c, &seq), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	free(out);
	CHECK_INT(city_pub_round(&c), ==, 0);
	CHECK_INT(city_run(&c, NULL, "$B/suijid -d data draw reveal %llu --round pub.json",
	                   (unsigned long long)seq),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	free(out);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suiji-verify --log-key log.vkey --witness w.vkey --quorum 1 "
	                   "--witness-margin 0 data/ledger.db"),
	          ==, 0);
	CHECK_STR_HAS(out, "witnessed: 1 revealed draws'");
	free(out);
	/* The default margin (30 s) is more than this draw left: it fails. */
	CHECK_INT(city_run(&c, &out,
	                   "$B/suiji-verify --log-key log.vkey --witness w.vkey --quorum 1 "
	                   "data/ledger.db"),
	          ==, 1);
	CHECK_STR_HAS(out, "more than 30 s before");
	free(out);
	stop(pid, SIGTERM);
}

TEST(witness_r18_reveal_refused,
     "R18 at reveal: with witness_quorum set, suijid refuses to reveal a draw whose commitment no "
     "witness cosigned before its values were public, and the draw stays unrevealed; its twin, "
     "pushed right after the commitment, is revealed")
{
	struct city c;
	char *out = NULL;
	uint64_t seq = 0;
	pid_t pid = 0;
	CHECK(sodium_init() >= 0);
	CHECK_INT(witnessed_city(&c, &pid), ==, 0);
	CHECK_INT(
	    city_run(&c, NULL,
	             "printf 'witness_quorum = 1\\nwitness_margin_s = 0\\n' >> data/suijid.conf"),
	    ==, 0);
	/* Committed, never pushed, values public: the reveal is refused. */
	CHECK_INT(commit_draw(&c, &seq), ==, 0);
	CHECK_INT(city_pub_round(&c), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round pub.json",
	                   (unsigned long long)seq),
	          ==, 1);
	CHECK_STR_HAS(out, "R18: the commitment");
	CHECK_STR_HAS(out, "cosigned by 0 of the witnesses");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw status"), ==, 0);
	CHECK_STR_HAS(out, "scjg/fork  task scjg-2026-food  committed, waiting");
	CHECK(strstr(out, "  reveal ") == NULL);
	free(out);
	/* Pushing now, after the values, does not help. */
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round pub.json",
	                   (unsigned long long)seq),
	          ==, 1);
	CHECK_STR_HAS(out, "R18");
	free(out);
	stop(pid, SIGTERM);
	harness_run(NULL, "rm -rf '%s'", c.dir);

	/* The twin: pushed right after the commitment. */
	CHECK_INT(witnessed_city(&c, &pid), ==, 0);
	CHECK_INT(
	    city_run(&c, NULL,
	             "printf 'witness_quorum = 1\\nwitness_margin_s = 0\\n' >> data/suijid.conf"),
	    ==, 0);
	CHECK_INT(commit_draw(&c, &seq), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data checkpoint -o /dev/null"), ==, 0);
	free(out);
	CHECK_INT(city_pub_round(&c), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw reveal %llu --round pub.json",
	                   (unsigned long long)seq),
	          ==, 0);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw status"), ==, 0);
	CHECK_STR_HAS(out, "scjg/fork  task scjg-2026-food  revealed");
	free(out);
	stop(pid, SIGTERM);
}

/* The log of setup(d) served by `suijid run` (checkpoint_delay 300ms),
 * pushing to the witness on wport; an admin client in d/admin.key. */
static int push_daemon_up(const char *d, int wport, pid_t *pid, int *port)
{
	char *out = NULL, data[700], so[700], se[700];
	int rc = configure_push(d, "data", wport);
	if (rc == 0)
		rc = harness_run(
		    &out,
		    "cd '%s' && D='%s' && C=\"$(dirname \"$D\")/suiji\" && "
		    "$D -d data add-agency --code admin --name A >/dev/null && "
		    "$C keygen -k admin.key --name admin@t > admin.vkey && "
		    "$D -d data add-client --key admin.vkey --agency admin --role admin "
		    ">/dev/null && $D -d data daemon-key > daemon.vkey 2>/dev/null && "
		    "printf 'listen_tcp = 127.0.0.1:0\\nlisten_unix = off\\n"
		    "checkpoint_delay = 300ms\\n' >> data/suijid.conf",
		    d, SUIJID);
	if (rc != 0) {
		printf("    setup: %s\n", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	snprintf(data, sizeof data, "%s/data", d);
	snprintf(so, sizeof so, "%s/daemon.out", d);
	snprintf(se, sizeof se, "%s/daemon.log", d);
	return tdaemon_start(pid, data, so, se, port);
}

/* A mutation over RPC: one more agency, registered by the admin. */
static int rpc_mutation(const char *d, int port, const char *code)
{
	char *out = NULL;
	int rc = harness_run(&out,
	                     "cd '%s' && '%s' register-agency --code %s --name X --server "
	                     "tcp:127.0.0.1:%d --daemon-key daemon.vkey -k admin.key",
	                     d, harness_bin("suiji"), code, port);
	if (rc != 0)
		printf("    register-agency: %s\n", out ? out : "");
	free(out);
	return rc;
}

/* Polls up to ms until cmd (run in d) exits 0; its last exit status and
 * output. */
static int poll_until(const char *d, int ms, char **out, const char *cmd)
{
	int rc = -1;
	for (int waited = 0; waited <= ms; waited += 200) {
		free(*out);
		*out = NULL;
		if ((rc = harness_run(out, "cd '%s' && %s 2>&1", d, cmd)) == 0)
			break;
		usleep(200 * 1000);
	}
	return rc;
}

/* SIGTERM, and the exit status of a clean stop (every handle closed). */
static int stop_status(pid_t pid)
{
	int st = 0;
	kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TEST(witness_run_pushes_automatically,
     "suijid run pushes each checkpoint it signs to its witness: a mutation over RPC is cosigned "
     "within the bound without suijid checkpoint, and suiji-verify --quorum 1 --max-age passes; "
     "with the witness stopped the daemon keeps serving, logs the failure, and --quorum 1 fails")
{
	char d[600], wdir[700], cmd[1400], fresh[1400], data[700], so[700], se[700];
	char *out = NULL;
	pid_t wpid = 0, pid = 0;
	int wport = 0, port = 0;

	snprintf(cmd, sizeof cmd,
	         "'%s' --log-key log.vkey --witness w.vkey --quorum 1 --max-age 1h data/ledger.db",
	         VERIFY);
	snprintf(d, sizeof d, "%s/ap1", harness_tmpdir());
	CHECK(mkdir(d, 0700) == 0);
	snprintf(wdir, sizeof wdir, "%s/wit", d);
	CHECK_INT(setup(d), ==, 0);
	CHECK_INT(twitness_start(&wpid, wdir, &wport), ==, 0);
	CHECK_INT(push_daemon_up(d, wport, &pid, &port), ==, 0);
	CHECK_INT(rpc_mutation(d, port, "x1"), ==, 0);
	/* 300 ms to the checkpoint, then one HTTP request; 20 s bounds a
	 * loaded machine. Nobody runs suijid checkpoint. */
	CHECK_INT(poll_until(d, 20000, &out, cmd), ==, 0);
	CHECK_STR_HAS(out, "uncovered");
	free(out);
	out = NULL;
	CHECK_INT(rpc_mutation(d, port, "x2"), ==, 0);
	CHECK_INT(poll_until(d, 20000, &out, cmd), ==, 0);
	free(out);
	out = NULL;
	CHECK_INT(stop_status(pid), ==, 0);
	CHECK_INT(harness_run(&out, "grep -c 'cosigned (time' '%s/daemon.log'", d), ==, 0);
	free(out);
	out = NULL;
	/* Restarted, the daemon does not know the witness's size: the witness
	 * answers 409 with it, and the next push proves consistency from it. */
	snprintf(data, sizeof data, "%s/data", d);
	snprintf(so, sizeof so, "%s/daemon.out", d);
	snprintf(se, sizeof se, "%s/daemon.log", d);
	CHECK_INT(tdaemon_start(&pid, data, so, se, &port), ==, 0);
	CHECK_INT(rpc_mutation(d, port, "x3"), ==, 0);
	CHECK_INT(poll_until(d, 20000, &out, cmd), ==, 0);
	CHECK_STR_HAS(out, "covers 7 of 7 entries");
	free(out);
	out = NULL;
	CHECK_INT(stop_status(pid), ==, 0);
	stop(wpid, SIGTERM);

	/* The twin: the witness is down. The daemon keeps serving and
	 * signing, says the witness was not reached, and nothing is cosigned. */
	snprintf(d, sizeof d, "%s/ap2", harness_tmpdir());
	CHECK(mkdir(d, 0700) == 0);
	snprintf(wdir, sizeof wdir, "%s/wit", d);
	CHECK_INT(setup(d), ==, 0);
	CHECK_INT(twitness_start(&wpid, wdir, &wport), ==, 0);
	stop(wpid, SIGTERM);
	CHECK_INT(push_daemon_up(d, wport, &pid, &port), ==, 0);
	CHECK_INT(rpc_mutation(d, port, "x1"), ==, 0);
	CHECK_INT(poll_until(d, 20000, &out, "grep 'witness not reached' daemon.log"), ==, 0);
	free(out);
	out = NULL;
	CHECK_INT(rpc_mutation(d, port, "x2"), ==, 0);
	snprintf(fresh, sizeof fresh, "'%s' --log-key log.vkey --max-age 1h data/ledger.db",
	         VERIFY);
	CHECK_INT(poll_until(d, 20000, &out, fresh), ==, 0);
	free(out);
	out = NULL;
	CHECK_INT(harness_run(&out, "cd '%s' && %s", d, cmd), ==, 1);
	CHECK_STR_HAS(out, "cosignatures by pinned witnesses");
	free(out);
	CHECK_INT(stop_status(pid), ==, 0);
}
