/*
 * channel.c: the handshake and the encrypted streams of suiji's RPC
 * channel. See channel.h for the contract and docs/channel.md for the
 * protocol and why it is safe; the message layouts are repeated here
 * because this is where they are coded.
 *
 * Handshake messages (frame bodies, fixed sizes for version 1):
 *
 *   message 1, client -> server, 69 bytes
 *     OFFSET  SIZE  DESCRIPTION
 *          0     4  magic "SJH1"
 *          4     1  version, 1
 *          5    32  client ephemeral X25519 public key E_c
 *         37    32  client random R_c
 *
 *   message 2, server -> client, 160 bytes
 *          0    32  server ephemeral X25519 public key E_s
 *         32    32  server random R_s
 *         64    32  server identity Ed25519 public key S
 *         96    64  Ed25519 signature by S over
 *                   "suiji handshake v1 server" || 0x00 || SHA-256(msg1 || msg2[0..96))
 *
 *   message 3, client -> server, 112 bytes
 *          0   112  XChaCha20-Poly1305 (IETF AEAD) under k_hs, nonce 24 zero
 *                   bytes, no associated data, of the 96 bytes
 *                     C (32, client identity Ed25519 public key) ||
 *                     Ed25519 signature by C over "suiji handshake v1 client" ||
 *                       0x00 || SHA-256(msg1 || msg2 || C)
 *
 * Key schedule, with ss = X25519(e_c, E_s) = X25519(e_s, E_c), refused
 * when all zero, and KDF(label, h) = BLAKE2b-256 keyed with ss over
 * label || 0x00 || h:
 *   k_hs  = KDF("suiji channel v1 message 3", SHA-256(msg1 || msg2))
 *   k_c2s = KDF("suiji channel v1 client to server", SHA-256(msg1 || msg2 || msg3))
 *   k_s2c = KDF("suiji channel v1 server to client", SHA-256(msg1 || msg2 || msg3))
 *
 * Data frames: one crypto_secretstream_xchacha20poly1305 stream per
 * direction, keyed with k_c2s or k_s2c. A sender's first data frame is its
 * 24-byte stream header followed by the first secretstream message; every
 * later frame is one secretstream message. Tags: MESSAGE, or FINAL (with
 * an empty message) for the graceful close. No associated data.
 *
 * Where secrets are: the ephemeral secret, the shared secret, the derived
 * keys, message 3's plaintext while it is built or read, and both
 * secretstream states live in one sodium_malloc region per channel,
 * PROT_NONE except inside sec_open .. sec_close. The ephemeral secret is
 * wiped the moment the shared secret exists; the shared secret and k_hs
 * the moment the stream keys exist; the receiving key once the peer's
 * stream header has arrived; everything when the channel fails or is freed.
 */
#include "wire/channel.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define MAGIC     "SJH1"
#define MAGIC_LEN 4
#define MSG1      CHANNEL_MSG1_SIZE
#define MSG2      CHANNEL_MSG2_SIZE
#define MSG3      CHANNEL_MSG3_SIZE
#define M2_SIGNED 96 /* the bytes of message 2 before its signature */
#define M3_PLAIN  (CHANNEL_KEY_SIZE + crypto_sign_BYTES)
#define HDR       crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES    crypto_secretstream_xchacha20poly1305_ABYTES

#define SIG_LABEL_SERVER "suiji handshake v1 server"
#define SIG_LABEL_CLIENT "suiji handshake v1 client"
#define KDF_LABEL_M3     "suiji channel v1 message 3"
#define KDF_LABEL_C2S    "suiji channel v1 client to server"
#define KDF_LABEL_S2C    "suiji channel v1 server to client"
#define LABEL_MAX        40 /* room for the longest label and its 0x00 */

_Static_assert(MSG3 == M3_PLAIN + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "message 3 is the AEAD of the client identity and signature");
_Static_assert(HDR + ABYTES == CHANNEL_OVERHEAD, "channel.h states the overhead");
_Static_assert(crypto_scalarmult_BYTES == 32 && crypto_scalarmult_SCALARBYTES == 32,
               "X25519 sizes");

enum chan_state {
	CHAN_CLIENT_NEW,   /* client before channel_start */
	CHAN_CLIENT_WAIT2, /* client that has written message 1 */
	CHAN_SERVER_WAIT1, /* server before message 1 */
	CHAN_SERVER_WAIT3, /* server that has written message 2 */
	CHAN_OPEN,         /* handshake complete on this side */
	CHAN_DEAD,         /* failed; err says why; secrets wiped */
};

/* Everything secret a channel holds, in one sodium_malloc region. Only
 * byte arrays, so the region needs no alignment. */
struct chan_secrets {
	uint8_t eph_sk[crypto_scalarmult_SCALARBYTES];
	uint8_t shared[crypto_scalarmult_BYTES];
	uint8_t k_hs[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t k_tx[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t k_rx[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t m3[M3_PLAIN];
	crypto_secretstream_xchacha20poly1305_state tx, rx;
};

struct channel {
	int server;
	enum chan_state state;
	int err;                           /* the first failure, returned by every later call */
	int tx_started;                    /* our stream header has gone out on a data frame */
	int rx_started;                    /* the peer's stream header has arrived */
	int tx_closed;                     /* we have sealed FINAL */
	int rx_closed;                     /* the peer's FINAL has arrived */
	const struct note_skey *key;       /* borrowed identity key */
	uint8_t own_pk[CHANNEL_KEY_SIZE];  /* its public half */
	uint8_t peer_pk[CHANNEL_KEY_SIZE]; /* pinned server key, or the client's once proved */
	channel_lookup_fn lookup;
	void *lookup_ctx;
	uint8_t transcript[MSG1 + MSG2]; /* message 1 || message 2 as on the wire */
	uint8_t tx_header[HDR];          /* our stream header, public */
	struct chan_secrets *s;
};

/*
 * Makes c's secrets accessible for the next few lines. mprotect on a
 * region sodium_malloc gave us fails only if the pointer is wrong, which
 * is memory corruption; going on could leak or misuse keys.
 */
static struct chan_secrets *sec_open(struct channel *c)
{
	if (sodium_mprotect_readwrite(c->s) != 0)
		abort();
	return c->s;
}

static void sec_close(struct channel *c)
{
	if (sodium_mprotect_noaccess(c->s) != 0)
		abort();
}

/* Makes c dead with err: wipes every secret so that nothing survives the
 * failure, and remembers err for every later call. Secrets must be closed. */
static int chan_kill(struct channel *c, int err)
{
	assert(err < 0);
	sodium_memzero(sec_open(c), sizeof *c->s);
	sec_close(c);
	c->state = CHAN_DEAD;
	c->err = err;
	return err;
}

static int chan_new(struct channel **out, const struct note_skey *key)
{
	struct note_vkey pub;
	struct channel *c;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return SJ_ENOMEM;
	c->s = sodium_malloc(sizeof *c->s);
	if (c->s == NULL) {
		free(c);
		return SJ_ENOMEM;
	}
	sodium_memzero(c->s, sizeof *c->s);
	sec_close(c);
	c->key = key;
	note_skey_public(&pub, key);
	memcpy(c->own_pk, pub.pk, CHANNEL_KEY_SIZE);
	*out = c;
	return SJ_OK;
}

int channel_client_new(struct channel **out, const uint8_t server_pk[CHANNEL_KEY_SIZE],
                       const struct note_skey *client_key)
{
	int rc;

	if (out == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (server_pk == NULL || client_key == NULL)
		return SJ_EINVAL;
	rc = chan_new(out, client_key);
	if (rc != SJ_OK)
		return rc;
	(*out)->state = CHAN_CLIENT_NEW;
	memcpy((*out)->peer_pk, server_pk, CHANNEL_KEY_SIZE);
	return SJ_OK;
}

int channel_server_new(struct channel **out, channel_lookup_fn lookup, void *ctx,
                       const struct note_skey *server_key)
{
	int rc;

	if (out == NULL)
		return SJ_EINVAL;
	*out = NULL;
	if (lookup == NULL || server_key == NULL)
		return SJ_EINVAL;
	rc = chan_new(out, server_key);
	if (rc != SJ_OK)
		return rc;
	(*out)->server = 1;
	(*out)->state = CHAN_SERVER_WAIT1;
	(*out)->lookup = lookup;
	(*out)->lookup_ctx = ctx;
	return SJ_OK;
}

void channel_free(struct channel *c)
{
	if (c == NULL)
		return;
	/* sodium_free makes the region writable, wipes it and unmaps it. */
	sodium_free(c->s);
	free(c);
}

int channel_established(const struct channel *c)
{
	return c != NULL && c->state == CHAN_OPEN;
}

const uint8_t *channel_peer_key(const struct channel *c)
{
	return channel_established(c) ? c->peer_pk : NULL;
}

int channel_error(const struct channel *c)
{
	return c == NULL ? SJ_EINVAL : c->err;
}

/* SHA-256(transcript[0..tlen) || extra[0..extra_len)). */
static void transcript_hash(uint8_t out[crypto_hash_sha256_BYTES], const struct channel *c,
                            size_t tlen, const uint8_t *extra, size_t extra_len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, c->transcript, tlen);
	if (extra_len > 0)
		crypto_hash_sha256_update(&st, extra, extra_len);
	crypto_hash_sha256_final(&st, out);
}

/* label || 0x00 || h into buf; returns its length. */
static size_t labelled(uint8_t buf[LABEL_MAX + crypto_hash_sha256_BYTES], const char *label,
                       const uint8_t h[crypto_hash_sha256_BYTES])
{
	size_t n = strlen(label) + 1; /* with the NUL, which is the 0x00 */

	assert(n <= LABEL_MAX); /* the labels are the constants above */
	memcpy(buf, label, n);
	memcpy(buf + n, h, crypto_hash_sha256_BYTES);
	return n + crypto_hash_sha256_BYTES;
}

/* KDF(label, h) = BLAKE2b-256 keyed with the shared secret over label || 0x00 || h. */
static void kdf(uint8_t out[32], const struct chan_secrets *s, const char *label,
                const uint8_t h[crypto_hash_sha256_BYTES])
{
	uint8_t in[LABEL_MAX + crypto_hash_sha256_BYTES];
	size_t n = labelled(in, label, h);

	crypto_generichash(out, 32, in, n, s->shared, sizeof s->shared);
}

/*
 * Derives both stream keys from the whole transcript (message 1, message
 * 2 and message 3 as on the wire), starts our sending stream, keeps the
 * receiving key until the peer's header arrives, and wipes what the
 * handshake needed: from here on only the streams hold key material.
 */
static void start_streams(struct channel *c, struct chan_secrets *s, const uint8_t msg3[MSG3])
{
	uint8_t hf[crypto_hash_sha256_BYTES];

	transcript_hash(hf, c, sizeof c->transcript, msg3, MSG3);
	kdf(c->server ? s->k_tx : s->k_rx, s, KDF_LABEL_S2C, hf);
	kdf(c->server ? s->k_rx : s->k_tx, s, KDF_LABEL_C2S, hf);
	crypto_secretstream_xchacha20poly1305_init_push(&s->tx, c->tx_header, s->k_tx);
	sodium_memzero(s->k_tx, sizeof s->k_tx);
	sodium_memzero(s->shared, sizeof s->shared);
	sodium_memzero(s->k_hs, sizeof s->k_hs);
	sodium_memzero(s->m3, sizeof s->m3);
}

/* Common entry checks: a live channel and somewhere to put a frame. */
static int chan_enter(struct channel *c, uint8_t **frame, size_t *frame_len)
{
	if (c == NULL)
		return SJ_EINVAL;
	if (frame != NULL)
		*frame = NULL;
	if (frame_len != NULL)
		*frame_len = 0;
	if (c->state == CHAN_DEAD)
		return c->err;
	if (frame == NULL || frame_len == NULL)
		return chan_kill(c, SJ_EINVAL);
	return SJ_OK;
}

int channel_start(struct channel *c, uint8_t **frame, size_t *frame_len)
{
	struct chan_secrets *s;
	uint8_t *m1;
	int rc;

	rc = chan_enter(c, frame, frame_len);
	if (rc != SJ_OK)
		return rc;
	if (c->state != CHAN_CLIENT_NEW)
		return chan_kill(c, SJ_EINVAL);

	m1 = c->transcript;
	memcpy(m1, MAGIC, MAGIC_LEN);
	m1[4] = CHANNEL_VERSION;
	s = sec_open(c);
	randombytes_buf(s->eph_sk, sizeof s->eph_sk);
	crypto_scalarmult_base(m1 + 5, s->eph_sk);
	sec_close(c);
	randombytes_buf(m1 + 37, 32);

	rc = frame_encode(frame, frame_len, m1, MSG1);
	if (rc != SJ_OK)
		return chan_kill(c, rc);
	c->state = CHAN_CLIENT_WAIT2;
	return SJ_OK;
}

/* Server: message 1 in, message 2 out. */
static int server_msg1(struct channel *c, uint8_t **frame, size_t *frame_len, const uint8_t *body,
                       size_t len)
{
	uint8_t h[crypto_hash_sha256_BYTES], sigmsg[LABEL_MAX + crypto_hash_sha256_BYTES];
	uint8_t *m2 = c->transcript + MSG1;
	struct chan_secrets *s;
	int zero;

	/* Magic and version before the size, so that a later version with
	 * another layout is told apart from garbage in the code's reading. */
	if (len < MAGIC_LEN + 1 || memcmp(body, MAGIC, MAGIC_LEN) != 0)
		return SJ_EINVAL;
	if (body[4] != CHANNEL_VERSION || len != MSG1)
		return SJ_EINVAL;
	memcpy(c->transcript, body, MSG1);

	/* The shared secret now, so that the ephemeral secret lives for
	 * these three lines only. An all-zero result means E_c is of small
	 * order: a key nobody could have a secret for; refused. */
	s = sec_open(c);
	randombytes_buf(s->eph_sk, sizeof s->eph_sk);
	crypto_scalarmult_base(m2, s->eph_sk);
	zero = crypto_scalarmult(s->shared, s->eph_sk, body + 5) != 0;
	sodium_memzero(s->eph_sk, sizeof s->eph_sk);
	sec_close(c);
	if (zero)
		return SJ_EINVAL;

	randombytes_buf(m2 + 32, 32);
	memcpy(m2 + 64, c->own_pk, CHANNEL_KEY_SIZE);
	transcript_hash(h, c, MSG1 + M2_SIGNED, NULL, 0);
	note_skey_sign_raw(m2 + M2_SIGNED, sigmsg, labelled(sigmsg, SIG_LABEL_SERVER, h), c->key);
	return frame_encode(frame, frame_len, m2, MSG2);
}

/* Client: message 2 in, message 3 out; established. */
static int client_msg2(struct channel *c, uint8_t **frame, size_t *frame_len, const uint8_t *body,
                       size_t len)
{
	uint8_t h[crypto_hash_sha256_BYTES], sigmsg[LABEL_MAX + crypto_hash_sha256_BYTES];
	uint8_t m3[MSG3], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {0};
	struct chan_secrets *s;
	int rc, zero;

	if (len != MSG2)
		return SJ_EINVAL;
	/* The identity first: a server that is not the pinned one is refused
	 * before any of its bytes are used. The key is public; memcmp. */
	if (memcmp(body + 64, c->peer_pk, CHANNEL_KEY_SIZE) != 0)
		return SJ_EVERIFY;
	memcpy(c->transcript + MSG1, body, MSG2);
	transcript_hash(h, c, MSG1 + M2_SIGNED, NULL, 0);
	if (crypto_sign_verify_detached(body + M2_SIGNED, sigmsg,
	                                labelled(sigmsg, SIG_LABEL_SERVER, h), c->peer_pk) != 0)
		return SJ_EVERIFY;

	s = sec_open(c);
	zero = crypto_scalarmult(s->shared, s->eph_sk, body) != 0;
	sodium_memzero(s->eph_sk, sizeof s->eph_sk);
	if (zero) {
		rc = SJ_EINVAL;
		goto out_secrets;
	}

	/* Our identity and signature, sealed under k_hs so that only the
	 * server that signed message 2 learns who we are. */
	transcript_hash(h, c, sizeof c->transcript, NULL, 0);
	kdf(s->k_hs, s, KDF_LABEL_M3, h);
	transcript_hash(h, c, sizeof c->transcript, c->own_pk, CHANNEL_KEY_SIZE);
	memcpy(s->m3, c->own_pk, CHANNEL_KEY_SIZE);
	note_skey_sign_raw(s->m3 + CHANNEL_KEY_SIZE, sigmsg, labelled(sigmsg, SIG_LABEL_CLIENT, h),
	                   c->key);
	/* k_hs is used for this one message, so a fixed nonce is safe. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(m3, NULL, s->m3, M3_PLAIN, NULL, 0, NULL, nonce,
	                                           s->k_hs);
	start_streams(c, s, m3);
	rc = SJ_OK;

out_secrets:
	sec_close(c);
	if (rc != SJ_OK)
		return rc;
	rc = frame_encode(frame, frame_len, m3, MSG3);
	if (rc != SJ_OK)
		return rc;
	c->state = CHAN_OPEN;
	return SJ_OK;
}

/* Server: message 3 in; established if the client proves its key and the
 * lookup admits it. */
static int server_msg3(struct channel *c, const uint8_t *body, size_t len)
{
	uint8_t h[crypto_hash_sha256_BYTES], sigmsg[LABEL_MAX + crypto_hash_sha256_BYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {0};
	uint8_t client_pk[CHANNEL_KEY_SIZE];
	struct chan_secrets *s;
	int rc;

	if (len != MSG3)
		return SJ_EINVAL;
	s = sec_open(c);
	transcript_hash(h, c, sizeof c->transcript, NULL, 0);
	kdf(s->k_hs, s, KDF_LABEL_M3, h);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->m3, NULL, NULL, body, MSG3, NULL, 0,
	                                               nonce, s->k_hs) != 0) {
		rc = SJ_EVERIFY;
		goto out_secrets;
	}
	memcpy(client_pk, s->m3, CHANNEL_KEY_SIZE);
	transcript_hash(h, c, sizeof c->transcript, client_pk, CHANNEL_KEY_SIZE);
	if (crypto_sign_verify_detached(s->m3 + CHANNEL_KEY_SIZE, sigmsg,
	                                labelled(sigmsg, SIG_LABEL_CLIENT, h), client_pk) != 0) {
		rc = SJ_EVERIFY;
		goto out_secrets;
	}
	start_streams(c, s, body);
	rc = SJ_OK;

out_secrets:
	sec_close(c);
	if (rc != SJ_OK)
		return rc;
	/* The lookup runs last, with our secrets locked away, and only for a
	 * key whose holder has just signed this session: an outsider can
	 * neither probe which keys are registered nor make the daemon query
	 * its ledger for arbitrary keys. Anything but 0 refuses. */
	if (c->lookup(c->lookup_ctx, client_pk) != 0)
		return SJ_EPERM;
	memcpy(c->peer_pk, client_pk, CHANNEL_KEY_SIZE);
	c->state = CHAN_OPEN;
	return SJ_OK;
}

int channel_handshake(struct channel *c, uint8_t **frame, size_t *frame_len, const uint8_t *body,
                      size_t body_len)
{
	int rc;

	rc = chan_enter(c, frame, frame_len);
	if (rc != SJ_OK)
		return rc;
	if (body == NULL)
		return chan_kill(c, SJ_EINVAL);

	switch (c->state) {
	case CHAN_SERVER_WAIT1:
		rc = server_msg1(c, frame, frame_len, body, body_len);
		if (rc == SJ_OK)
			c->state = CHAN_SERVER_WAIT3;
		break;
	case CHAN_SERVER_WAIT3: rc = server_msg3(c, body, body_len); break;
	case CHAN_CLIENT_WAIT2: rc = client_msg2(c, frame, frame_len, body, body_len); break;
	default: rc = SJ_EINVAL; break; /* before channel_start, or after the handshake */
	}
	if (rc != SJ_OK) {
		/* Nothing half-written leaves: a reply is returned only with success. */
		free(*frame);
		*frame = NULL;
		*frame_len = 0;
		return chan_kill(c, rc);
	}
	return SJ_OK;
}

/* Seals msg with tag into a whole frame; the first frame carries our
 * stream header in front of the message. */
static int seal_tag(struct channel *c, uint8_t **frame, size_t *frame_len, const uint8_t *msg,
                    size_t msg_len, uint8_t tag)
{
	static const uint8_t empty[1];
	size_t hdr, body_len;
	uint8_t *f;
	int rc;

	rc = chan_enter(c, frame, frame_len);
	if (rc != SJ_OK)
		return rc;
	if (c->state != CHAN_OPEN || c->tx_closed || (msg == NULL && msg_len > 0))
		return chan_kill(c, SJ_EINVAL);
	if (msg_len > CHANNEL_MSG_MAX)
		return chan_kill(c, SJ_ERANGE);

	if (msg == NULL)
		msg = empty; /* libsodium reads nothing of it, but wants a pointer */
	hdr = c->tx_started ? 0 : HDR;
	body_len = hdr + msg_len + ABYTES;
	f = malloc(FRAME_HEADER_SIZE + body_len);
	if (f == NULL)
		return chan_kill(c, SJ_ENOMEM);
	rc = frame_header(f, body_len);
	assert(rc == SJ_OK); /* body_len <= CHANNEL_MSG_MAX + CHANNEL_OVERHEAD = FRAME_MAX */
	memcpy(f + FRAME_HEADER_SIZE, c->tx_header, hdr);
	crypto_secretstream_xchacha20poly1305_push(&sec_open(c)->tx, f + FRAME_HEADER_SIZE + hdr,
	                                           NULL, msg, msg_len, NULL, 0, tag);
	sec_close(c);
	c->tx_started = 1;
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		c->tx_closed = 1;
	*frame = f;
	*frame_len = FRAME_HEADER_SIZE + body_len;
	return SJ_OK;
}

int channel_seal(struct channel *c, uint8_t **frame, size_t *frame_len, const uint8_t *msg,
                 size_t msg_len)
{
	return seal_tag(c, frame, frame_len, msg, msg_len,
	                crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

int channel_close(struct channel *c, uint8_t **frame, size_t *frame_len)
{
	return seal_tag(c, frame, frame_len, NULL, 0,
	                crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

int channel_open(struct channel *c, uint8_t **msg, size_t *msg_len, int *fin, const uint8_t *body,
                 size_t body_len)
{
	struct chan_secrets *s;
	unsigned long long mlen;
	size_t hdr;
	uint8_t *m, tag;
	int rc;

	if (c == NULL)
		return SJ_EINVAL;
	if (msg != NULL)
		*msg = NULL;
	if (msg_len != NULL)
		*msg_len = 0;
	if (fin != NULL)
		*fin = 0;
	if (c->state == CHAN_DEAD)
		return c->err;
	if (msg == NULL || msg_len == NULL || fin == NULL || body == NULL)
		return chan_kill(c, SJ_EINVAL);
	if (c->state != CHAN_OPEN || c->rx_closed)
		return chan_kill(c, SJ_EINVAL);
	if (body_len > FRAME_MAX)
		return chan_kill(c, SJ_ERANGE);
	/* A body that cannot hold a header (first frame) and a MAC was cut or
	 * forged; either way it does not authenticate. */
	hdr = c->rx_started ? 0 : HDR;
	if (body_len < hdr + ABYTES)
		return chan_kill(c, SJ_EVERIFY);

	m = malloc(body_len - hdr - ABYTES + 1); /* + 1: a buffer even for an empty message */
	if (m == NULL)
		return chan_kill(c, SJ_ENOMEM);
	s = sec_open(c);
	if (!c->rx_started) {
		/* init_pull only copies and derives; it cannot fail on 24 bytes. */
		crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, body, s->k_rx);
		sodium_memzero(s->k_rx, sizeof s->k_rx);
	}
	rc = SJ_OK;
	if (crypto_secretstream_xchacha20poly1305_pull(&s->rx, m, &mlen, &tag, body + hdr,
	                                               body_len - hdr, NULL, 0) != 0)
		rc = SJ_EVERIFY;
	sec_close(c);
	if (rc != SJ_OK)
		goto out_msg;
	/* The tag is authenticated; a peer that sends any other than these
	 * two, or a FINAL with content, does not speak this protocol. */
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		if (mlen != 0) {
			rc = SJ_EINVAL;
			goto out_msg;
		}
		c->rx_closed = 1;
		*fin = 1;
	} else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
		rc = SJ_EINVAL;
		goto out_msg;
	}
	c->rx_started = 1;
	*msg = m;
	*msg_len = (size_t)mlen;
	return SJ_OK;

out_msg:
	free(m);
	return chan_kill(c, rc);
}
