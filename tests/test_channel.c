/*
 * test_channel.c: length-prefixed frames (wire/frame.h) and the secure
 * channel between suiji and suijid (wire/channel.h).
 *
 * The channel is checked against a second, independent client written
 * here from docs/channel.md alone, with libsodium calls and the labels
 * spelt out as literals (the "reference client"), so that the document
 * and the code cannot drift apart unnoticed: the daemon's side must
 * accept it, and must refuse it when it signs badly or breaks the stream
 * rules. Everything else drives two channels against each other through
 * the frame decoder, as the daemon and the client will.
 *
 * Every positive test has a forgery twin that must fail. Random sizes and
 * chunkings come from a fixed-seed generator, so a failure reproduces.
 */
#define _GNU_SOURCE /* memmem */
#include "tests/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wire/channel.h"
#include "wire/frame.h"
#include "ledger/note_sign.h"

/* The identities every test uses: a client, the daemon, and another key
 * that is neither. */
static struct note_skey *client_key, *server_key, *other_key;
static uint8_t client_pk[32], server_pk[32], other_pk[32];

static void public_of(uint8_t pk[32], const struct note_skey *k)
{
	struct note_vkey v;

	note_skey_public(&v, k);
	memcpy(pk, v.pk, 32);
}

__attribute__((constructor)) static void test_channel_init(void)
{
	if (sodium_init() < 0 ||
	    note_skey_generate(&client_key, "agency-client", NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&server_key, "suijid", NOTE_TYPE_ED25519) != SJ_OK ||
	    note_skey_generate(&other_key, "someone-else", NOTE_TYPE_ED25519) != SJ_OK)
		abort();
	public_of(client_pk, client_key);
	public_of(server_pk, server_key);
	public_of(other_pk, other_key);
}

__attribute__((destructor)) static void test_channel_fini(void)
{
	note_skey_free(client_key);
	note_skey_free(server_key);
	note_skey_free(other_key);
}

/* xorshift64*: reproducible sizes, chunk lengths and contents. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

/* Message i of direction dir: its content is a function of (dir, i, len),
 * so the receiver can check it without the sender's copy. */
static void msg_fill(uint8_t *buf, size_t len, int dir, size_t i)
{
	uint8_t seed[randombytes_SEEDBYTES] = {0};

	seed[0] = (uint8_t)dir;
	memcpy(seed + 1, &i, sizeof i);
	memcpy(seed + 1 + sizeof i, &len, sizeof len);
	randombytes_buf_deterministic(buf, len, seed);
}

/* A growable byte string: a recorded stream of frames. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static int bytes_add(struct bytes *b, const uint8_t *p, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *q;

		while (cap < b->len + len)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

/* Lookup backed by a small registry; it records its calls. */
struct registry {
	uint8_t keys[4][32];
	int n;
	int calls;
	uint8_t last[32];
};

static int registry_lookup(void *ctx, const uint8_t pk[CHANNEL_KEY_SIZE])
{
	struct registry *r = ctx;

	r->calls++;
	memcpy(r->last, pk, 32);
	for (int i = 0; i < r->n; i++)
		if (memcmp(r->keys[i], pk, 32) == 0)
			return 0;
	return SJ_EPERM;
}

/* A client and a server channel, the client pinned to pin. */
struct pair {
	struct registry reg;
	struct channel *cli, *srv;
	uint8_t *m1, *m2, *m3; /* the handshake frames as written */
	size_t m1_len, m2_len, m3_len;
};

static int pair_new(struct pair *p, int registered, const uint8_t pin[32])
{
	int rc;

	memset(p, 0, sizeof *p);
	if (registered) {
		memcpy(p->reg.keys[0], client_pk, 32);
		p->reg.n = 1;
	}
	rc = channel_client_new(&p->cli, pin, client_key);
	if (rc != SJ_OK)
		return rc;
	return channel_server_new(&p->srv, registry_lookup, &p->reg, server_key);
}

static void pair_free(struct pair *p)
{
	channel_free(p->cli);
	channel_free(p->srv);
	free(p->m1);
	free(p->m2);
	free(p->m3);
	memset(p, 0, sizeof *p);
}

/* Hands a whole frame's body to channel_handshake. */
static int hs(struct channel *c, uint8_t **out, size_t *out_len, const uint8_t *frame,
              size_t frame_len)
{
	return channel_handshake(c, out, out_len, frame + FRAME_HEADER_SIZE,
	                         frame_len - FRAME_HEADER_SIZE);
}

/* Runs the three messages; returns the first error. */
static int pair_handshake(struct pair *p)
{
	uint8_t *none;
	size_t none_len;
	int rc;

	rc = channel_start(p->cli, &p->m1, &p->m1_len);
	if (rc != SJ_OK)
		return rc;
	rc = hs(p->srv, &p->m2, &p->m2_len, p->m1, p->m1_len);
	if (rc != SJ_OK)
		return rc;
	rc = hs(p->cli, &p->m3, &p->m3_len, p->m2, p->m2_len);
	if (rc != SJ_OK)
		return rc;
	rc = hs(p->srv, &none, &none_len, p->m3, p->m3_len);
	if (rc == SJ_OK && (none != NULL || none_len != 0))
		return SJ_EINVAL;
	return rc;
}

/* A fresh, established session. */
static int session(struct pair *p)
{
	int rc = pair_new(p, 1, server_pk);

	return rc != SJ_OK ? rc : pair_handshake(p);
}

/* Opens a whole frame with c, checking the message equals want. */
static int open_frame(struct channel *c, const uint8_t *frame, size_t frame_len,
                      const uint8_t *want, size_t want_len)
{
	uint8_t *m;
	size_t m_len;
	int fin, rc;

	rc = channel_open(c, &m, &m_len, &fin, frame + FRAME_HEADER_SIZE,
	                  frame_len - FRAME_HEADER_SIZE);
	if (rc != SJ_OK)
		return rc;
	rc = fin || m_len != want_len || (want_len > 0 && memcmp(m, want, want_len) != 0) ? -100
	                                                                                  : SJ_OK;
	free(m);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* The reference client, from docs/channel.md. */

struct ref {
	uint8_t id_sk[crypto_sign_SECRETKEYBYTES], id_pk[32];
	uint8_t esk[32];
	uint8_t msg1[69], msg2[160], msg3[112];
	uint8_t k_c2s[32], k_s2c[32];
	crypto_secretstream_xchacha20poly1305_state tx, rx;
	int tx_started, rx_started;
};

static void ref_sha256(uint8_t out[32], const uint8_t *a, size_t a_len, const uint8_t *b,
                       size_t b_len, const uint8_t *c, size_t c_len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, a, a_len);
	crypto_hash_sha256_update(&st, b, b_len);
	crypto_hash_sha256_update(&st, c, c_len);
	crypto_hash_sha256_final(&st, out);
}

/* label || 0x00 || h */
static size_t ref_labelled(uint8_t *out, const char *label, const uint8_t h[32])
{
	size_t n = strlen(label);

	memcpy(out, label, n);
	out[n] = 0x00;
	memcpy(out + n + 1, h, 32);
	return n + 1 + 32;
}

static void ref_kdf(uint8_t out[32], const uint8_t ss[32], const char *label, const uint8_t h[32])
{
	uint8_t in[128];

	crypto_generichash(out, 32, in, ref_labelled(in, label, h), ss, 32);
}

static void ref_new(struct ref *r)
{
	memset(r, 0, sizeof *r);
	crypto_sign_keypair(r->id_pk, r->id_sk);
	memcpy(r->msg1, "SJH1", 4);
	r->msg1[4] = 1;
	randombytes_buf(r->esk, 32);
	crypto_scalarmult_base(r->msg1 + 5, r->esk);
	randombytes_buf(r->msg1 + 37, 32);
}

/* Checks message 2 as a client must and writes message 3; with corrupt,
 * the client's signature is spoilt before it is sealed. 0 or -1. */
static int ref_msg3(struct ref *r, const uint8_t *m2, size_t len, const uint8_t pin[32],
                    int corrupt)
{
	uint8_t h[32], buf[128], ss[32], k_hs[32], pt[96], nonce[24] = {0};
	size_t n;

	if (len != 160 || memcmp(m2 + 64, pin, 32) != 0)
		return -1;
	memcpy(r->msg2, m2, 160);
	ref_sha256(h, r->msg1, 69, r->msg2, 96, NULL, 0);
	n = ref_labelled(buf, "suiji handshake v1 server", h);
	if (crypto_sign_verify_detached(r->msg2 + 96, buf, n, pin) != 0)
		return -1;
	if (crypto_scalarmult(ss, r->esk, r->msg2) != 0)
		return -1;

	ref_sha256(h, r->msg1, 69, r->msg2, 160, NULL, 0);
	ref_kdf(k_hs, ss, "suiji channel v1 message 3", h);
	ref_sha256(h, r->msg1, 69, r->msg2, 160, r->id_pk, 32);
	n = ref_labelled(buf, "suiji handshake v1 client", h);
	memcpy(pt, r->id_pk, 32);
	crypto_sign_detached(pt + 32, NULL, buf, n, r->id_sk);
	if (corrupt)
		pt[32 + 7] ^= 0x10;
	crypto_aead_xchacha20poly1305_ietf_encrypt(r->msg3, NULL, pt, 96, NULL, 0, NULL, nonce,
	                                           k_hs);

	ref_sha256(h, r->msg1, 69, r->msg2, 160, r->msg3, 112);
	ref_kdf(r->k_c2s, ss, "suiji channel v1 client to server", h);
	ref_kdf(r->k_s2c, ss, "suiji channel v1 server to client", h);
	return 0;
}

/* One data frame body: the stream header first on the first frame. */
static size_t ref_seal(struct ref *r, uint8_t *body, const uint8_t *m, size_t m_len, uint8_t tag)
{
	size_t hdr = 0;

	if (!r->tx_started) {
		crypto_secretstream_xchacha20poly1305_init_push(&r->tx, body, r->k_c2s);
		hdr = 24;
		r->tx_started = 1;
	}
	crypto_secretstream_xchacha20poly1305_push(&r->tx, body + hdr, NULL, m, m_len, NULL, 0,
	                                           tag);
	return hdr + m_len + 17;
}

static int ref_open(struct ref *r, uint8_t *m, size_t *m_len, uint8_t *tag, const uint8_t *body,
                    size_t len)
{
	unsigned long long n;
	size_t hdr = 0;

	if (!r->rx_started) {
		if (len < 24 ||
		    crypto_secretstream_xchacha20poly1305_init_pull(&r->rx, body, r->k_s2c) != 0)
			return -1;
		hdr = 24;
		r->rx_started = 1;
	}
	if (crypto_secretstream_xchacha20poly1305_pull(&r->rx, m, &n, tag, body + hdr, len - hdr,
	                                               NULL, 0) != 0)
		return -1;
	*m_len = (size_t)n;
	return 0;
}

/* A server admitting the reference client, and the handshake up to the
 * server's reading of message 3, whose result is returned. */
static int ref_handshake(struct ref *r, struct channel **srv, struct registry *reg, int corrupt)
{
	uint8_t *m2, *none;
	size_t m2_len, none_len;
	int rc;

	ref_new(r);
	memset(reg, 0, sizeof *reg);
	memcpy(reg->keys[0], r->id_pk, 32);
	reg->n = 1;
	rc = channel_server_new(srv, registry_lookup, reg, server_key);
	if (rc != SJ_OK)
		return rc;
	rc = channel_handshake(*srv, &m2, &m2_len, r->msg1, sizeof r->msg1);
	if (rc != SJ_OK)
		return rc;
	if (ref_msg3(r, m2 + FRAME_HEADER_SIZE, m2_len - FRAME_HEADER_SIZE, server_pk, corrupt) !=
	    0) {
		free(m2);
		return -100;
	}
	free(m2);
	return channel_handshake(*srv, &none, &none_len, r->msg3, sizeof r->msg3);
}

/* ---------------------------------------------------------------------- */
/* Frames */

TEST(frame_header_big_endian,
     "a frame is its body's length as four big-endian bytes, then the body")
{
	uint8_t hdr[4], *f;
	size_t f_len;

	CHECK_INT(frame_header(hdr, 0x010203), ==, SJ_OK);
	CHECK_MEM(hdr, "\x00\x01\x02\x03", 4);
	CHECK_INT(frame_encode(&f, &f_len, (const uint8_t *)"abc", 3), ==, SJ_OK);
	CHECK_INT(f_len, ==, 7);
	CHECK_MEM(f, "\0\0\0\3abc", 7);
	free(f);
	/* Twin: the sizes a frame cannot have. */
	CHECK_INT(frame_header(hdr, 0), ==, SJ_ERANGE);
	CHECK_INT(frame_header(hdr, FRAME_MAX + 1), ==, SJ_ERANGE);
	CHECK_INT(frame_header(hdr, FRAME_MAX), ==, SJ_OK);
	CHECK_MEM(hdr, "\x00\x10\x00\x00", 4);
	CHECK_INT(frame_encode(&f, &f_len, (const uint8_t *)"abc", 0), ==, SJ_ERANGE);
	CHECK(f == NULL && f_len == 0);
}

/* Builds a stream of n frames of random sizes 1..max, body i filled by
 * msg_fill(.., 0, i); *sizes gets each body's length. */
static int build_stream(struct bytes *s, size_t *sizes, size_t n, size_t max)
{
	uint8_t *body = malloc(max);

	if (body == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t hdr[4];

		sizes[i] = 1 + rng_below(max);
		msg_fill(body, sizes[i], 0, i);
		if (frame_header(hdr, sizes[i]) != SJ_OK || bytes_add(s, hdr, 4) != 0 ||
		    bytes_add(s, body, sizes[i]) != 0) {
			free(body);
			return -1;
		}
	}
	free(body);
	return 0;
}

/* Feeds s to a new decoder in chunks of 1..max_chunk bytes and checks
 * that exactly the n frames of build_stream come out, whole and in order.
 * Returns the number of frames that came out right, or -1. */
static long feed_stream(const struct bytes *s, const size_t *sizes, size_t n, size_t max_chunk)
{
	struct frame_decoder *d;
	uint8_t *want = malloc(FRAME_MAX), *body;
	size_t pos = 0, got = 0, body_len, used, chunk;
	long rc = -1;

	if (want == NULL || frame_decoder_new(&d, FRAME_MAX) != SJ_OK) {
		free(want);
		return -1;
	}
	while (pos < s->len) {
		chunk = 1 + rng_below(max_chunk);
		if (chunk > s->len - pos)
			chunk = s->len - pos;
		/* The decoder stops after each frame; feed the rest again. */
		while (chunk > 0) {
			if (frame_decoder_feed(d, &body, &body_len, &used, s->p + pos, chunk) !=
			    SJ_OK)
				goto out;
			if (used == 0 || used > chunk)
				goto out;
			pos += used;
			chunk -= used;
			if (body == NULL)
				continue;
			if (got == n || body_len != sizes[got]) {
				free(body);
				goto out;
			}
			msg_fill(want, body_len, 0, got);
			if (memcmp(body, want, body_len) != 0) {
				free(body);
				goto out;
			}
			free(body);
			got++;
		}
	}
	if (frame_decoder_pending(d) == 0)
		rc = (long)got;
out:
	frame_decoder_free(d);
	free(want);
	return rc;
}

TEST(frame_decoder_byte_by_byte,
     "frames fed to the decoder one byte at a time come out whole and in order")
{
	struct bytes s = {0};
	size_t sizes[40];

	rng_seed(1);
	CHECK_INT(build_stream(&s, sizes, 40, 3000), ==, 0);
	CHECK_INT(feed_stream(&s, sizes, 40, 1), ==, 40);
	/* Twin: the same stream with its last byte missing leaves a frame
	 * unfinished, which the decoder reports as pending. */
	s.len--;
	CHECK_INT(feed_stream(&s, sizes, 40, 1), ==, -1);
	free(s.p);
}

TEST(frame_decoder_random_chunks, "frames split at random points, several per read or one across "
                                  "many, come out whole and in order")
{
	struct bytes s = {0};
	size_t sizes[200];

	rng_seed(2);
	CHECK_INT(build_stream(&s, sizes, 200, 20000), ==, 0);
	for (size_t max_chunk = 2; max_chunk <= 1u << 20; max_chunk *= 8)
		CHECK_INT(feed_stream(&s, sizes, 200, max_chunk), ==, 200);
	/* Twin: a flipped length byte desynchronises the stream, and the
	 * decoder refuses it instead of yielding the frames as sent. */
	s.p[4 + sizes[0] + 1] ^= 0x40;
	CHECK_INT(feed_stream(&s, sizes, 200, 4096), ==, -1);
	free(s.p);
}

TEST(frame_oversize_prefix_refused, "a length prefix above the cap is refused with SJ_ERANGE on "
                                    "its four bytes alone, before any allocation")
{
	static const uint8_t big[4] = {0x00, 0x10, 0x00, 0x01}; /* FRAME_MAX + 1 */
	static const uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t max[4] = {0x00, 0x10, 0x00, 0x00}; /* FRAME_MAX */
	struct frame_decoder *d;
	uint8_t *body;
	size_t body_len, used;

	CHECK_INT(frame_decoder_new(&d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, big, 3), ==, SJ_OK);
	CHECK_INT(used, ==, 3);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, big + 3, 1), ==, SJ_ERANGE);
	CHECK(body == NULL);
	CHECK_INT(frame_decoder_held(d), ==, 0);
	/* Dead now: even a valid frame is refused with the same error. */
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, (const uint8_t *)"\0\0\0\1x", 5),
	          ==, SJ_ERANGE);
	frame_decoder_free(d);

	CHECK_INT(frame_decoder_new(&d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, huge, 4), ==, SJ_ERANGE);
	CHECK_INT(frame_decoder_held(d), ==, 0);
	frame_decoder_free(d);

	/* Twin: FRAME_MAX itself is accepted, and even then nothing is
	 * allocated until body bytes arrive, and then no more than they need. */
	CHECK_INT(frame_decoder_new(&d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, max, 4), ==, SJ_OK);
	CHECK(body == NULL);
	CHECK_INT(frame_decoder_held(d), ==, 0);
	CHECK_INT(frame_decoder_pending(d), ==, 4);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, (const uint8_t *)"x", 1), ==,
	          SJ_OK);
	CHECK_INT(frame_decoder_held(d), <=, 4096);
	CHECK_INT(frame_decoder_pending(d), ==, 5);
	frame_decoder_free(d);
}

TEST(frame_cap_per_connection, "a connection's lower cap refuses longer frames, takes frames up to "
                               "it, and can be raised between frames")
{
	static const uint8_t f100[4] = {0, 0, 0, 100}, f101[4] = {0, 0, 0, 101};
	uint8_t buf[4 + 101] = {0}, *body;
	struct frame_decoder *d;
	size_t body_len, used;

	CHECK_INT(frame_decoder_new(&d, 100), ==, SJ_OK);
	memcpy(buf, f100, 4);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, buf, 104), ==, SJ_OK);
	CHECK(body != NULL && body_len == 100 && used == 104);
	free(body);
	/* Raised between frames, the next prefix is read against the new cap. */
	CHECK_INT(frame_decoder_set_cap(d, 101), ==, SJ_OK);
	memcpy(buf, f101, 4);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, buf, 105), ==, SJ_OK);
	CHECK(body != NULL && body_len == 101);
	free(body);
	/* Twin: back at 100, 101 is refused on its prefix. */
	CHECK_INT(frame_decoder_set_cap(d, 100), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, buf, 105), ==, SJ_ERANGE);
	CHECK_INT(used, ==, 4);
	CHECK_INT(frame_decoder_held(d), ==, 0);
	frame_decoder_free(d);

	CHECK_INT(frame_decoder_new(&d, 0), ==, SJ_EINVAL);
	CHECK(d == NULL);
	CHECK_INT(frame_decoder_new(&d, FRAME_MAX + 1), ==, SJ_EINVAL);
	CHECK_INT(frame_decoder_new(&d, 1), ==, SJ_OK);
	CHECK_INT(frame_decoder_set_cap(d, FRAME_MAX + 1), ==, SJ_EINVAL);
	frame_decoder_free(d);
}

TEST(frame_zero_length_refused, "a zero-length frame is refused and the decoder stays dead")
{
	struct frame_decoder *d;
	uint8_t *body;
	size_t body_len, used;

	CHECK_INT(frame_decoder_new(&d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, (const uint8_t *)"\0\0\0\0", 4),
	          ==, SJ_EINVAL);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, (const uint8_t *)"\0\0\0\1x", 5),
	          ==, SJ_EINVAL);
	CHECK(body == NULL);
	frame_decoder_free(d);
	/* Twin: a one-byte frame is fine. */
	CHECK_INT(frame_decoder_new(&d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, (const uint8_t *)"\0\0\0\1x", 5),
	          ==, SJ_OK);
	CHECK(body != NULL && body_len == 1 && body[0] == 'x');
	free(body);
	frame_decoder_free(d);
}

/* ---------------------------------------------------------------------- */
/* Handshake */

TEST(channel_mutual_authentication, "a client and a daemon that know each other's keys complete "
                                    "the handshake and each learns the other's identity")
{
	struct pair p;

	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK(channel_established(p.cli) && channel_established(p.srv));
	CHECK(channel_peer_key(p.cli) != NULL && channel_peer_key(p.srv) != NULL);
	CHECK_MEM(channel_peer_key(p.cli), server_pk, 32);
	CHECK_MEM(channel_peer_key(p.srv), client_pk, 32);
	CHECK_INT(p.reg.calls, ==, 1);
	CHECK_MEM(p.reg.last, client_pk, 32);
	CHECK_INT(p.m1_len, ==, 4 + CHANNEL_MSG1_SIZE);
	CHECK_INT(p.m2_len, ==, 4 + CHANNEL_MSG2_SIZE);
	CHECK_INT(p.m3_len, ==, 4 + CHANNEL_MSG3_SIZE);
	CHECK_MEM(p.m1 + 4, "SJH1\x01", 5);
	/* Both ends can talk at once. */
	{
		uint8_t *f;
		size_t f_len;

		CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"ping", 4), ==, SJ_OK);
		CHECK_INT(open_frame(p.srv, f, f_len, (const uint8_t *)"ping", 4), ==, SJ_OK);
		free(f);
		CHECK_INT(channel_seal(p.srv, &f, &f_len, (const uint8_t *)"pong", 4), ==, SJ_OK);
		CHECK_INT(open_frame(p.cli, f, f_len, (const uint8_t *)"pong", 4), ==, SJ_OK);
		free(f);
	}
	pair_free(&p);
}

TEST(channel_wrong_pin_refused,
     "a client that pins another daemon key refuses the server's message 2")
{
	struct pair p;

	CHECK_INT(pair_new(&p, 1, other_pk), ==, SJ_OK);
	CHECK_INT(pair_handshake(&p), ==, SJ_EVERIFY);
	CHECK(!channel_established(p.cli) && channel_peer_key(p.cli) == NULL);
	CHECK(!channel_established(p.srv));
	CHECK(p.m3 == NULL);
	pair_free(&p);
}

/* A server with another identity that signs honestly still fails the pin:
 * the pin, not a valid signature, decides who the daemon is. */
TEST(channel_impostor_daemon_refused,
     "a client refuses a daemon that signs correctly with a key other than the pinned one")
{
	struct channel *cli, *impostor;
	struct registry reg = {0};
	uint8_t *m1, *m2, *m3;
	size_t m1_len, m2_len, m3_len;

	memcpy(reg.keys[0], client_pk, 32);
	reg.n = 1;
	CHECK_INT(channel_client_new(&cli, server_pk, client_key), ==, SJ_OK);
	CHECK_INT(channel_server_new(&impostor, registry_lookup, &reg, other_key), ==, SJ_OK);
	CHECK_INT(channel_start(cli, &m1, &m1_len), ==, SJ_OK);
	CHECK_INT(hs(impostor, &m2, &m2_len, m1, m1_len), ==, SJ_OK);
	/* Even with the pinned key written over the impostor's own, its
	 * signature does not verify under the pinned key. */
	memcpy(m2 + 4 + 64, server_pk, 32);
	CHECK_INT(hs(cli, &m3, &m3_len, m2, m2_len), ==, SJ_EVERIFY);
	CHECK(m3 == NULL);
	free(m1);
	free(m2);
	channel_free(cli);
	channel_free(impostor);
}

TEST(channel_unregistered_client_refused,
     "the daemon refuses a client whose key the lookup does not know, with SJ_EPERM")
{
	struct pair p;

	CHECK_INT(pair_new(&p, 0, server_pk), ==, SJ_OK);
	CHECK_INT(pair_handshake(&p), ==, SJ_EPERM);
	CHECK_INT(p.reg.calls, ==, 1);
	CHECK_MEM(p.reg.last, client_pk, 32);
	CHECK(!channel_established(p.srv) && channel_peer_key(p.srv) == NULL);
	CHECK_INT(channel_error(p.srv), ==, SJ_EPERM);
	pair_free(&p);
	/* Twin: registered, the same client is admitted (see also
	 * channel_mutual_authentication). */
	CHECK_INT(session(&p), ==, SJ_OK);
	pair_free(&p);
}

TEST(channel_reference_client_admitted, "a client written from docs/channel.md alone completes the "
                                        "handshake and exchanges messages with the daemon")
{
	struct registry reg;
	struct channel *srv;
	struct ref r;
	uint8_t body[256], m[256], tag, *f, *got;
	size_t n, m_len, got_len;
	int fin;

	CHECK_INT(ref_handshake(&r, &srv, &reg, 0), ==, SJ_OK);
	CHECK(channel_established(srv));
	CHECK_MEM(channel_peer_key(srv), r.id_pk, 32);
	CHECK_INT(reg.calls, ==, 1);

	n = ref_seal(&r, body, (const uint8_t *)"draw 42", 7,
	             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	CHECK_INT(channel_open(srv, &got, &got_len, &fin, body, n), ==, SJ_OK);
	CHECK(got_len == 7 && memcmp(got, "draw 42", 7) == 0 && !fin);
	free(got);
	n = ref_seal(&r, body, (const uint8_t *)"", 0,
	             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	CHECK_INT(channel_open(srv, &got, &got_len, &fin, body, n), ==, SJ_OK);
	CHECK(got_len == 0 && got != NULL && !fin);
	free(got);

	CHECK_INT(channel_seal(srv, &f, &n, (const uint8_t *)"ok", 2), ==, SJ_OK);
	CHECK_INT(ref_open(&r, m, &m_len, &tag, f + 4, n - 4), ==, 0);
	CHECK(m_len == 2 && memcmp(m, "ok", 2) == 0);
	CHECK_INT(tag, ==, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	free(f);
	CHECK_INT(channel_close(srv, &f, &n), ==, SJ_OK);
	CHECK_INT(ref_open(&r, m, &m_len, &tag, f + 4, n - 4), ==, 0);
	CHECK(m_len == 0 && tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	free(f);

	n = ref_seal(&r, body, NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	CHECK_INT(channel_open(srv, &got, &got_len, &fin, body, n), ==, SJ_OK);
	CHECK(fin && got_len == 0);
	free(got);
	channel_free(srv);
}

TEST(channel_bad_client_signature_refused, "the daemon refuses a client whose signature over the "
                                           "transcript is wrong, before asking the lookup")
{
	struct registry reg;
	struct channel *srv;
	struct ref r;

	CHECK_INT(ref_handshake(&r, &srv, &reg, 1), ==, SJ_EVERIFY);
	CHECK_INT(reg.calls, ==, 0);
	CHECK(!channel_established(srv));
	channel_free(srv);
	/* Twin: the same client signing correctly (channel_reference_client_admitted). */
	CHECK_INT(ref_handshake(&r, &srv, &reg, 0), ==, SJ_OK);
	channel_free(srv);
}

TEST(channel_replayed_session_refused,
     "a recorded client side of a session replayed to a fresh daemon fails at message 3")
{
	struct pair p;
	struct channel *srv;
	uint8_t *f, *m2, *none;
	size_t f_len, m2_len, none_len;
	int calls;

	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"draw", 4), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f, f_len, (const uint8_t *)"draw", 4), ==, SJ_OK);
	calls = p.reg.calls;

	/* The attacker replays message 1 and message 3; the daemon answers
	 * message 1 with fresh ephemeral and random values, so the recorded
	 * message 3 was made for another transcript. */
	CHECK_INT(channel_server_new(&srv, registry_lookup, &p.reg, server_key), ==, SJ_OK);
	CHECK_INT(hs(srv, &m2, &m2_len, p.m1, p.m1_len), ==, SJ_OK);
	CHECK(memcmp(m2 + 4, p.m2 + 4, 64) != 0);
	CHECK_INT(hs(srv, &none, &none_len, p.m3, p.m3_len), ==, SJ_EVERIFY);
	CHECK_INT(p.reg.calls, ==, calls);
	/* And its data frames fail on a dead channel as on a live one. */
	CHECK_INT(open_frame(srv, f, f_len, (const uint8_t *)"draw", 4), ==, SJ_EVERIFY);
	free(m2);
	channel_free(srv);
	free(f);
	pair_free(&p);
}

TEST(channel_message2_every_byte_authenticated,
     "a client refuses message 2 with any one byte changed")
{
	for (size_t i = 0; i < CHANNEL_MSG2_SIZE; i++) {
		struct pair p;
		uint8_t *m3;
		size_t m3_len;

		CHECK_INT(pair_new(&p, 1, server_pk), ==, SJ_OK);
		CHECK_INT(channel_start(p.cli, &p.m1, &p.m1_len), ==, SJ_OK);
		CHECK_INT(hs(p.srv, &p.m2, &p.m2_len, p.m1, p.m1_len), ==, SJ_OK);
		p.m2[4 + i] ^= (uint8_t)(1u << (i % 8));
		CHECK_INT(hs(p.cli, &m3, &m3_len, p.m2, p.m2_len), ==, SJ_EVERIFY);
		CHECK(m3 == NULL && !channel_established(p.cli));
		pair_free(&p);
	}
}

TEST(channel_message3_every_byte_authenticated,
     "the daemon refuses message 3 with any one byte changed")
{
	for (size_t i = 0; i < CHANNEL_MSG3_SIZE; i++) {
		struct pair p;
		uint8_t *none;
		size_t none_len;

		CHECK_INT(pair_new(&p, 1, server_pk), ==, SJ_OK);
		CHECK_INT(channel_start(p.cli, &p.m1, &p.m1_len), ==, SJ_OK);
		CHECK_INT(hs(p.srv, &p.m2, &p.m2_len, p.m1, p.m1_len), ==, SJ_OK);
		CHECK_INT(hs(p.cli, &p.m3, &p.m3_len, p.m2, p.m2_len), ==, SJ_OK);
		p.m3[4 + i] ^= (uint8_t)(0x80u >> (i % 8));
		CHECK_INT(hs(p.srv, &none, &none_len, p.m3, p.m3_len), ==, SJ_EVERIFY);
		CHECK_INT(p.reg.calls, ==, 0);
		CHECK(!channel_established(p.srv));
		pair_free(&p);
	}
}

TEST(channel_message1_every_byte_bound,
     "a handshake whose message 1 is changed in transit never completes on either side")
{
	for (size_t i = 0; i < CHANNEL_MSG1_SIZE; i++) {
		struct pair p;
		int rc;

		CHECK_INT(pair_new(&p, 1, server_pk), ==, SJ_OK);
		CHECK_INT(channel_start(p.cli, &p.m1, &p.m1_len), ==, SJ_OK);
		p.m1[4 + i] ^= 0x01;
		rc = hs(p.srv, &p.m2, &p.m2_len, p.m1, p.m1_len);
		if (i < 5) {
			/* Magic and version: the daemon refuses at once. */
			CHECK_INT(rc, ==, SJ_EINVAL);
		} else {
			/* The daemon cannot tell, but signs what it saw, and the
			 * client's transcript differs. */
			CHECK_INT(rc, ==, SJ_OK);
			CHECK_INT(hs(p.cli, &p.m3, &p.m3_len, p.m2, p.m2_len), ==, SJ_EVERIFY);
		}
		CHECK(!channel_established(p.cli) && !channel_established(p.srv));
		pair_free(&p);
	}
}

TEST(channel_version_and_magic_checked,
     "the daemon refuses message 1 with another magic, another version or another size")
{
	static const uint8_t bad_magic[4] = {'S', 'J', 'H', '2'};
	struct registry reg = {0};
	struct channel *srv;
	struct ref r;
	uint8_t m1[70], *m2;
	size_t m2_len;

	ref_new(&r);
	memcpy(m1, r.msg1, 69);
	m1[4] = 2;
	CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
	CHECK_INT(channel_handshake(srv, &m2, &m2_len, m1, 69), ==, SJ_EINVAL);
	channel_free(srv);

	memcpy(m1, bad_magic, 4);
	m1[4] = 1;
	CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
	CHECK_INT(channel_handshake(srv, &m2, &m2_len, m1, 69), ==, SJ_EINVAL);
	channel_free(srv);

	memcpy(m1, r.msg1, 69);
	m1[69] = 0;
	CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
	CHECK_INT(channel_handshake(srv, &m2, &m2_len, m1, 70), ==, SJ_EINVAL);
	channel_free(srv);
	CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
	CHECK_INT(channel_handshake(srv, &m2, &m2_len, m1, 4), ==, SJ_EINVAL);
	channel_free(srv);

	/* Twin: version 1, as sent by the reference client, is answered. */
	CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
	CHECK_INT(channel_handshake(srv, &m2, &m2_len, r.msg1, 69), ==, SJ_OK);
	CHECK_INT(m2_len, ==, 4 + CHANNEL_MSG2_SIZE);
	free(m2);
	channel_free(srv);
}

TEST(channel_small_order_ephemeral_refused, "the daemon refuses a client ephemeral key of small "
                                            "order, which would make the shared secret zero")
{
	/* 0 and 1 (little-endian u-coordinates) are of small order. */
	static const uint8_t points[2][32] = {{0}, {1}};
	struct registry reg = {0};
	struct channel *srv;
	struct ref r;
	uint8_t *m2;
	size_t m2_len;

	ref_new(&r);
	for (size_t i = 0; i < 2; i++) {
		memcpy(r.msg1 + 5, points[i], 32);
		CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
		CHECK_INT(channel_handshake(srv, &m2, &m2_len, r.msg1, 69), ==, SJ_EINVAL);
		CHECK(m2 == NULL);
		channel_free(srv);
	}
	/* Twin: a real ephemeral key is answered. */
	ref_new(&r);
	CHECK_INT(channel_server_new(&srv, registry_lookup, &reg, server_key), ==, SJ_OK);
	CHECK_INT(channel_handshake(srv, &m2, &m2_len, r.msg1, 69), ==, SJ_OK);
	free(m2);
	channel_free(srv);
}

TEST(channel_handshake_out_of_order_refused,
     "handshake messages out of order, repeated or sent to the wrong side are refused")
{
	struct pair p;
	uint8_t *f, *none;
	size_t f_len, none_len;

	/* Message 3's size where message 1 belongs. */
	CHECK_INT(session(&p), ==, SJ_OK);
	{
		struct channel *srv;

		CHECK_INT(channel_server_new(&srv, registry_lookup, &p.reg, server_key), ==, SJ_OK);
		CHECK_INT(hs(srv, &none, &none_len, p.m3, p.m3_len), ==, SJ_EINVAL);
		channel_free(srv);
	}
	pair_free(&p);

	/* Message 1 twice. */
	CHECK_INT(pair_new(&p, 1, server_pk), ==, SJ_OK);
	CHECK_INT(channel_start(p.cli, &p.m1, &p.m1_len), ==, SJ_OK);
	CHECK_INT(hs(p.srv, &p.m2, &p.m2_len, p.m1, p.m1_len), ==, SJ_OK);
	CHECK_INT(hs(p.srv, &f, &f_len, p.m1, p.m1_len), ==, SJ_EINVAL);
	CHECK(f == NULL);
	/* The client given its own message 1 back, or started twice. */
	CHECK_INT(hs(p.cli, &f, &f_len, p.m1, p.m1_len), ==, SJ_EINVAL);
	CHECK_INT(channel_start(p.cli, &f, &f_len), ==, SJ_EINVAL);
	pair_free(&p);

	/* A client given message 2 before it started; a server told to start. */
	CHECK_INT(session(&p), ==, SJ_OK);
	{
		struct pair q;

		CHECK_INT(pair_new(&q, 1, server_pk), ==, SJ_OK);
		CHECK_INT(hs(q.cli, &f, &f_len, p.m2, p.m2_len), ==, SJ_EINVAL);
		CHECK_INT(channel_start(q.srv, &f, &f_len), ==, SJ_EINVAL);
		pair_free(&q);
	}
	/* Handshake messages after the handshake. */
	CHECK_INT(hs(p.srv, &f, &f_len, p.m1, p.m1_len), ==, SJ_EINVAL);
	CHECK_INT(hs(p.cli, &f, &f_len, p.m2, p.m2_len), ==, SJ_EINVAL);
	pair_free(&p);

	/* Data before the handshake: neither seal nor open. */
	CHECK_INT(pair_new(&p, 1, server_pk), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"x", 1), ==, SJ_EINVAL);
	CHECK_INT(channel_open(p.srv, &f, &f_len, &(int){0}, (const uint8_t *)"x", 1), ==,
	          SJ_EINVAL);
	pair_free(&p);
	/* Twin: in order, the same messages complete (every session above). */
}

TEST(channel_failure_is_terminal, "after a failure every call on the channel returns that first "
                                  "error and the channel is not established")
{
	struct pair p;
	uint8_t *f, *m;
	size_t f_len, m_len;
	int fin;

	CHECK_INT(pair_new(&p, 1, other_pk), ==, SJ_OK);
	CHECK_INT(pair_handshake(&p), ==, SJ_EVERIFY);
	CHECK_INT(channel_error(p.cli), ==, SJ_EVERIFY);
	CHECK_INT(channel_start(p.cli, &f, &f_len), ==, SJ_EVERIFY);
	CHECK_INT(hs(p.cli, &f, &f_len, p.m2, p.m2_len), ==, SJ_EVERIFY);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"x", 1), ==, SJ_EVERIFY);
	CHECK(f == NULL && f_len == 0);
	CHECK_INT(channel_close(p.cli, &f, &f_len), ==, SJ_EVERIFY);
	CHECK_INT(channel_open(p.cli, &m, &m_len, &fin, p.m2 + 4, p.m2_len - 4), ==, SJ_EVERIFY);
	CHECK(m == NULL && m_len == 0 && fin == 0);
	CHECK(!channel_established(p.cli) && channel_peer_key(p.cli) == NULL);
	pair_free(&p);

	/* An established channel dies the same way on a bad frame. */
	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"x", 1), ==, SJ_OK);
	f[f_len - 1] ^= 1;
	CHECK_INT(open_frame(p.srv, f, f_len, (const uint8_t *)"x", 1), ==, SJ_EVERIFY);
	f[f_len - 1] ^= 1;
	CHECK_INT(open_frame(p.srv, f, f_len, (const uint8_t *)"x", 1), ==, SJ_EVERIFY);
	free(f);
	CHECK_INT(channel_seal(p.srv, &f, &f_len, (const uint8_t *)"y", 1), ==, SJ_EVERIFY);
	CHECK(!channel_established(p.srv) && channel_peer_key(p.srv) == NULL);
	/* Twin: the other direction, untouched, still works. */
	CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"z", 1), ==, SJ_OK);
	free(f);
	pair_free(&p);
}

TEST(channel_client_identity_hidden,
     "the client's identity key appears in no handshake or data byte on the wire")
{
	struct pair p;
	uint8_t *f;
	size_t f_len;

	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, client_pk, 32), ==, SJ_OK);
	CHECK(memmem(p.m1, p.m1_len, client_pk, 32) == NULL);
	CHECK(memmem(p.m2, p.m2_len, client_pk, 32) == NULL);
	CHECK(memmem(p.m3, p.m3_len, client_pk, 32) == NULL);
	CHECK(memmem(f, f_len, client_pk, 32) == NULL);
	/* Twin: the daemon's identity is sent in clear in message 2, as the
	 * document says; the search finds what is there. */
	CHECK(memmem(p.m2, p.m2_len, server_pk, 32) != NULL);
	free(f);
	pair_free(&p);
}

/* ---------------------------------------------------------------------- */
/* Encrypted frames */

/* Three frames sealed by the client: "one" (with the stream header),
 * "two", "three". */
static int three_frames(struct pair *p, uint8_t *f[3], size_t len[3])
{
	static const char *const words[3] = {"one", "two", "three"};
	int rc = session(p);

	for (int i = 0; i < 3 && rc == SJ_OK; i++)
		rc = channel_seal(p->cli, &f[i], &len[i], (const uint8_t *)words[i],
		                  strlen(words[i]));
	return rc;
}

static void free3(uint8_t *f[3])
{
	for (int i = 0; i < 3; i++)
		free(f[i]);
}

TEST(channel_frames_in_order_accepted,
     "encrypted frames delivered as sealed are opened, in order, to the same messages")
{
	struct pair p;
	uint8_t *f[3];
	size_t len[3];

	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(len[0], ==, 4 + 24 + 3 + 17);
	CHECK_INT(len[1], ==, 4 + 3 + 17);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[1], len[1], (const uint8_t *)"two", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[2], len[2], (const uint8_t *)"three", 5), ==, SJ_OK);
	free3(f);
	pair_free(&p);
}

TEST(channel_tampered_frame_refused, "an encrypted frame with any one byte changed is refused")
{
	/* Every byte of the first frame (stream header, tag, text, MAC) and of
	 * a later one, each in a fresh session. */
	for (int which = 0; which < 2; which++) {
		struct pair p;
		uint8_t *f[3];
		size_t len[3];

		CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
		for (size_t i = 4; i < len[which]; i++) {
			struct pair q;
			uint8_t *g[3];
			size_t glen[3];

			CHECK_INT(three_frames(&q, g, glen), ==, SJ_OK);
			if (which == 1)
				CHECK_INT(
				    open_frame(q.srv, g[0], glen[0], (const uint8_t *)"one", 3), ==,
				    SJ_OK);
			g[which][i] ^= 0x04;
			CHECK_INT(open_frame(q.srv, g[which], glen[which], NULL, 3), ==,
			          SJ_EVERIFY);
			free3(g);
			pair_free(&q);
		}
		free3(f);
		pair_free(&p);
	}
}

TEST(channel_truncated_frame_refused,
     "an encrypted frame cut short by any number of bytes is refused")
{
	struct pair p;
	uint8_t *f[3];
	size_t len[3];

	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	free3(f);
	pair_free(&p);
	for (size_t cut = 1; cut < 4 + 24 + 3 + 17 - 4; cut++) {
		CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
		CHECK_INT(open_frame(p.srv, f[0], len[0] - cut, (const uint8_t *)"one", 3), ==,
		          SJ_EVERIFY);
		free3(f);
		pair_free(&p);
	}
}

TEST(channel_reordered_frames_refused, "encrypted frames delivered out of order are refused")
{
	struct pair p;
	uint8_t *f[3];
	size_t len[3];

	/* The second frame first: it has no stream header. */
	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[1], len[1], (const uint8_t *)"two", 3), ==, SJ_EVERIFY);
	free3(f);
	pair_free(&p);
	/* Later frames swapped. */
	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[2], len[2], (const uint8_t *)"three", 5), ==, SJ_EVERIFY);
	CHECK_INT(open_frame(p.srv, f[1], len[1], (const uint8_t *)"two", 3), ==, SJ_EVERIFY);
	free3(f);
	pair_free(&p);
}

TEST(channel_dropped_frame_refused, "the frame after a dropped encrypted frame is refused")
{
	struct pair p;
	uint8_t *f[3];
	size_t len[3];

	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[2], len[2], (const uint8_t *)"three", 5), ==, SJ_EVERIFY);
	free3(f);
	pair_free(&p);
}

TEST(channel_duplicated_frame_refused,
     "an encrypted frame delivered twice is refused the second time")
{
	struct pair p;
	uint8_t *f[3];
	size_t len[3];

	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_EVERIFY);
	free3(f);
	pair_free(&p);
	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[1], len[1], (const uint8_t *)"two", 3), ==, SJ_OK);
	CHECK_INT(open_frame(p.srv, f[1], len[1], (const uint8_t *)"two", 3), ==, SJ_EVERIFY);
	free3(f);
	pair_free(&p);
}

TEST(channel_reflected_frame_refused,
     "a frame sent back to its own sender, or moved to another session, is refused")
{
	struct pair p, q;
	uint8_t *f[3], *g;
	size_t len[3], g_len;

	CHECK_INT(three_frames(&p, f, len), ==, SJ_OK);
	CHECK_INT(open_frame(p.cli, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_EVERIFY);
	CHECK_INT(session(&q), ==, SJ_OK);
	CHECK_INT(open_frame(q.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_EVERIFY);
	/* Twin: the intended receiver takes it. */
	CHECK_INT(open_frame(p.srv, f[0], len[0], (const uint8_t *)"one", 3), ==, SJ_OK);
	CHECK_INT(channel_seal(p.srv, &g, &g_len, (const uint8_t *)"back", 4), ==, SJ_OK);
	CHECK_INT(open_frame(p.cli, g, g_len, (const uint8_t *)"back", 4), ==, SJ_EVERIFY);
	free(g);
	free3(f);
	pair_free(&p);
	pair_free(&q);
}

TEST(channel_graceful_close, "a FINAL frame tells the peer the stream ended whole; a stream cut "
                             "before it is not mistaken for one")
{
	struct pair p;
	uint8_t *f, *g, *m;
	size_t f_len, g_len, m_len;
	int fin;

	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, (const uint8_t *)"last", 4), ==, SJ_OK);
	CHECK_INT(channel_close(p.cli, &g, &g_len), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &m, &m_len, (const uint8_t *)"more", 4), ==, SJ_EINVAL);
	CHECK_INT(channel_open(p.srv, &m, &m_len, &fin, f + 4, f_len - 4), ==, SJ_OK);
	CHECK(fin == 0 && m_len == 4);
	free(m);
	CHECK_INT(channel_open(p.srv, &m, &m_len, &fin, g + 4, g_len - 4), ==, SJ_OK);
	CHECK(fin == 1 && m_len == 0);
	free(m);
	/* Half-closed: the server may still answer. */
	{
		struct pair q;
		uint8_t *h;
		size_t h_len;

		CHECK_INT(channel_seal(p.srv, &h, &h_len, (const uint8_t *)"bye", 3), ==, SJ_OK);
		free(h);
		/* Nothing may follow FINAL: the close frame again is refused. */
		CHECK_INT(channel_open(p.srv, &m, &m_len, &fin, g + 4, g_len - 4), ==, SJ_EINVAL);

		/* Twin: a stream cut before FINAL has no fin to show. */
		CHECK_INT(session(&q), ==, SJ_OK);
		free(f);
		CHECK_INT(channel_seal(q.cli, &f, &f_len, (const uint8_t *)"last", 4), ==, SJ_OK);
		CHECK_INT(channel_open(q.srv, &m, &m_len, &fin, f + 4, f_len - 4), ==, SJ_OK);
		CHECK(fin == 0);
		free(m);
		pair_free(&q);
	}
	free(f);
	free(g);
	pair_free(&p);
}

TEST(channel_final_rules,
     "a FINAL that carries data, or a tag other than MESSAGE or FINAL, is refused")
{
	struct registry reg;
	struct channel *srv;
	struct ref r;
	uint8_t body[64], *m;
	size_t n, m_len;
	int fin;

	CHECK_INT(ref_handshake(&r, &srv, &reg, 0), ==, SJ_OK);
	n = ref_seal(&r, body, (const uint8_t *)"x", 1,
	             crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	CHECK_INT(channel_open(srv, &m, &m_len, &fin, body, n), ==, SJ_EINVAL);
	channel_free(srv);
	CHECK_INT(ref_handshake(&r, &srv, &reg, 0), ==, SJ_OK);
	n = ref_seal(&r, body, (const uint8_t *)"x", 1,
	             crypto_secretstream_xchacha20poly1305_TAG_PUSH);
	CHECK_INT(channel_open(srv, &m, &m_len, &fin, body, n), ==, SJ_EINVAL);
	channel_free(srv);
	CHECK_INT(ref_handshake(&r, &srv, &reg, 0), ==, SJ_OK);
	n = ref_seal(&r, body, (const uint8_t *)"x", 1,
	             crypto_secretstream_xchacha20poly1305_TAG_REKEY);
	CHECK_INT(channel_open(srv, &m, &m_len, &fin, body, n), ==, SJ_EINVAL);
	channel_free(srv);
	/* Twin: an empty FINAL is the close. */
	CHECK_INT(ref_handshake(&r, &srv, &reg, 0), ==, SJ_OK);
	n = ref_seal(&r, body, NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	CHECK_INT(channel_open(srv, &m, &m_len, &fin, body, n), ==, SJ_OK);
	CHECK(fin == 1);
	free(m);
	channel_free(srv);
}

TEST(channel_message_size_limit, "a message of CHANNEL_MSG_MAX bytes fits one frame and crosses; "
                                 "one byte more is refused with SJ_ERANGE")
{
	struct frame_decoder *d;
	struct pair p;
	uint8_t *big, *f, *body;
	size_t f_len, body_len, used;

	big = calloc(1, CHANNEL_MSG_MAX + 1);
	CHECK(big != NULL);
	msg_fill(big, CHANNEL_MSG_MAX, 1, 0);
	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK_INT(frame_decoder_new(&d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, big, CHANNEL_MSG_MAX), ==, SJ_OK);
	CHECK_INT(f_len, ==, 4 + FRAME_MAX);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, f, f_len), ==, SJ_OK);
	CHECK(body != NULL && body_len == FRAME_MAX);
	free(f);
	CHECK_INT(channel_open(p.srv, &f, &f_len, &(int){0}, body, body_len), ==, SJ_OK);
	CHECK(f_len == CHANNEL_MSG_MAX && memcmp(f, big, f_len) == 0);
	free(f);
	free(body);
	/* Twin: one byte more. */
	CHECK_INT(channel_seal(p.cli, &f, &f_len, big, CHANNEL_MSG_MAX + 1), ==, SJ_ERANGE);
	CHECK(f == NULL);
	frame_decoder_free(d);
	pair_free(&p);
	free(big);
}

/* Feeds the whole stream s to decoder d in random chunks (1..max_chunk),
 * opening each frame with c and checking it is message *next of
 * direction dir with size sizes[*next]. Returns 0 or -1. */
static int deliver(struct frame_decoder *d, struct channel *c, const struct bytes *s,
                   const size_t *sizes, size_t *next, int dir, size_t max_chunk, uint8_t *want)
{
	size_t pos = 0, chunk, used, body_len, m_len;
	uint8_t *body, *m;
	int fin, bad;

	while (pos < s->len) {
		chunk = 1 + rng_below(max_chunk);
		if (chunk > s->len - pos)
			chunk = s->len - pos;
		while (chunk > 0) {
			if (frame_decoder_feed(d, &body, &body_len, &used, s->p + pos, chunk) !=
			    SJ_OK)
				return -1;
			pos += used;
			chunk -= used;
			if (body == NULL)
				continue;
			if (channel_open(c, &m, &m_len, &fin, body, body_len) != SJ_OK) {
				free(body);
				return -1;
			}
			free(body);
			msg_fill(want, sizes[*next], dir, *next);
			bad = fin || m_len != sizes[*next] || memcmp(m, want, m_len) != 0;
			free(m);
			if (bad)
				return -1;
			(*next)++;
		}
	}
	return frame_decoder_pending(d) == 0 ? 0 : -1;
}

TEST(channel_thousand_messages_both_ways,
     "a session carries 1,000 messages each way, of random sizes up to 64 KiB, through the frame "
     "decoder in random chunks, and closes gracefully")
{
	enum { N = 1000, BATCH = 25, MAX = 65536 };
	struct frame_decoder *dc, *ds; /* the client's and the server's decoders */
	struct bytes c2s = {0}, s2c = {0};
	size_t *sizes_c = calloc(N, sizeof *sizes_c), *sizes_s = calloc(N, sizeof *sizes_s);
	size_t next_c = 0, next_s = 0, f_len, m_len, body_len, used;
	uint8_t *buf = malloc(MAX), *want = malloc(MAX), *f, *m, *body;
	struct pair p;
	int fin;

	CHECK(sizes_c != NULL && sizes_s != NULL && buf != NULL && want != NULL);
	rng_seed(3);
	CHECK_INT(session(&p), ==, SJ_OK);
	CHECK_INT(frame_decoder_new(&dc, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_new(&ds, FRAME_MAX), ==, SJ_OK);

	for (size_t i = 0; i < N; i += BATCH) {
		/* Both sides seal a batch before either reads, as on a full
		 * duplex connection. */
		for (size_t j = i; j < i + BATCH; j++) {
			sizes_c[j] = rng_below(MAX + 1);
			msg_fill(buf, sizes_c[j], 1, j);
			CHECK_INT(channel_seal(p.cli, &f, &f_len, buf, sizes_c[j]), ==, SJ_OK);
			CHECK_INT(bytes_add(&c2s, f, f_len), ==, 0);
			free(f);
			sizes_s[j] = rng_below(MAX + 1);
			msg_fill(buf, sizes_s[j], 2, j);
			CHECK_INT(channel_seal(p.srv, &f, &f_len, buf, sizes_s[j]), ==, SJ_OK);
			CHECK_INT(bytes_add(&s2c, f, f_len), ==, 0);
			free(f);
		}
		CHECK_INT(deliver(ds, p.srv, &c2s, sizes_c, &next_c, 1, 1 + rng_below(70000), want),
		          ==, 0);
		CHECK_INT(deliver(dc, p.cli, &s2c, sizes_s, &next_s, 2, 1 + rng_below(70000), want),
		          ==, 0);
		c2s.len = 0;
		s2c.len = 0;
	}
	CHECK_INT(next_c, ==, N);
	CHECK_INT(next_s, ==, N);

	/* Graceful close, both ways. */
	CHECK_INT(channel_close(p.cli, &f, &f_len), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(ds, &body, &body_len, &used, f, f_len), ==, SJ_OK);
	CHECK(body != NULL && used == f_len);
	free(f);
	CHECK_INT(channel_open(p.srv, &m, &m_len, &fin, body, body_len), ==, SJ_OK);
	CHECK(fin == 1);
	free(m);
	free(body);
	CHECK_INT(channel_close(p.srv, &f, &f_len), ==, SJ_OK);
	CHECK_INT(open_frame(p.cli, f, f_len, NULL, 0), ==, -100); /* fin set: not a message */
	free(f);

	frame_decoder_free(dc);
	frame_decoder_free(ds);
	pair_free(&p);
	free(c2s.p);
	free(s2c.p);
	free(sizes_c);
	free(sizes_s);
	free(buf);
	free(want);
}

TEST(channel_handshake_cap_then_raise,
     "a receiver capped at CHANNEL_HANDSHAKE_MAX reads message 3 and the first data frame from one "
     "read after raising the cap between them")
{
	struct frame_decoder *d;
	struct bytes wire = {0};
	struct pair p;
	uint8_t *f, *body, *none;
	size_t f_len, body_len, used, none_len, pos = 0;
	uint8_t big[1000] = {0};

	CHECK_INT(pair_new(&p, 1, server_pk), ==, SJ_OK);
	CHECK_INT(frame_decoder_new(&d, CHANNEL_HANDSHAKE_MAX), ==, SJ_OK);
	CHECK_INT(channel_start(p.cli, &p.m1, &p.m1_len), ==, SJ_OK);
	CHECK_INT(hs(p.srv, &p.m2, &p.m2_len, p.m1, p.m1_len), ==, SJ_OK);
	CHECK_INT(hs(p.cli, &p.m3, &p.m3_len, p.m2, p.m2_len), ==, SJ_OK);
	CHECK_INT(channel_seal(p.cli, &f, &f_len, big, sizeof big), ==, SJ_OK);
	CHECK_INT(bytes_add(&wire, p.m3, p.m3_len), ==, 0);
	CHECK_INT(bytes_add(&wire, f, f_len), ==, 0);
	free(f);

	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, wire.p, wire.len), ==, SJ_OK);
	CHECK(body != NULL && used == p.m3_len);
	pos = used;
	CHECK_INT(channel_handshake(p.srv, &none, &none_len, body, body_len), ==, SJ_OK);
	free(body);
	CHECK(channel_established(p.srv));
	CHECK_INT(frame_decoder_set_cap(d, FRAME_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, wire.p + pos, wire.len - pos), ==,
	          SJ_OK);
	CHECK(body != NULL);
	CHECK_INT(channel_open(p.srv, &f, &f_len, &(int){0}, body, body_len), ==, SJ_OK);
	CHECK_INT(f_len, ==, sizeof big);
	free(f);
	free(body);
	frame_decoder_free(d);

	/* Twin: left at the handshake cap, the data frame is refused on its
	 * length alone. */
	CHECK_INT(frame_decoder_new(&d, CHANNEL_HANDSHAKE_MAX), ==, SJ_OK);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, wire.p, wire.len), ==, SJ_OK);
	free(body);
	CHECK_INT(frame_decoder_feed(d, &body, &body_len, &used, wire.p + pos, wire.len - pos), ==,
	          SJ_ERANGE);
	frame_decoder_free(d);
	free(wire.p);
	pair_free(&p);
}

TEST(channel_bad_arguments, "NULL keys, callbacks and out-parameters are refused without crashing")
{
	struct channel *c;

	CHECK_INT(channel_client_new(&c, NULL, client_key), ==, SJ_EINVAL);
	CHECK(c == NULL);
	CHECK_INT(channel_client_new(&c, server_pk, NULL), ==, SJ_EINVAL);
	CHECK_INT(channel_server_new(&c, NULL, NULL, server_key), ==, SJ_EINVAL);
	CHECK_INT(channel_server_new(&c, registry_lookup, NULL, NULL), ==, SJ_EINVAL);
	CHECK_INT(channel_start(NULL, NULL, NULL), ==, SJ_EINVAL);
	CHECK(channel_peer_key(NULL) == NULL && !channel_established(NULL));
	/* Twin: a valid client; a NULL out-parameter then kills it. */
	CHECK_INT(channel_client_new(&c, server_pk, client_key), ==, SJ_OK);
	CHECK_INT(channel_start(c, NULL, NULL), ==, SJ_EINVAL);
	CHECK_INT(channel_error(c), ==, SJ_EINVAL);
	channel_free(c);
	channel_free(NULL);
}
