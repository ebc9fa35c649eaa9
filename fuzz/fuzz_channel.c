/*
 * fuzz_channel.c: libFuzzer target for what an unauthenticated peer can
 * send suijid or suiji: a byte stream cut into frames by the frame decoder
 * (wire/frame.c), whose bodies go to a channel (wire/channel.c).
 *
 * Input: byte 0 picks the receiver (bits 0-1) and seeds the chunking
 * (bits 2-7); the rest is the stream, fed to the decoder in chunks of
 * 1..64 bytes or whole, as reads from a socket would give it.
 *   mode 0: a server channel reading handshake messages, its decoder
 *           capped at CHANNEL_HANDSHAKE_MAX as the daemon will cap it;
 *   mode 1: a client channel that has sent message 1, reading the reply;
 *   mode 2: the server side of a session established in-process, reading
 *           data frames with channel_open;
 *   mode 3: the decoder alone, its cap taken from byte 1.
 *
 * Beyond "no crash and no sanitizer report", every input checks:
 *   - the decoder consumes at least one byte per call while it lives,
 *     never more than offered, and yields bodies of 1..cap bytes;
 *   - a decoder or channel that failed keeps failing with the same error;
 *   - only documented error codes come back;
 *   - nothing the fuzzer writes is accepted as authentic: the server never
 *     becomes established, the client never does, and channel_open never
 *     succeeds. Each would need a signature or MAC under a key made fresh
 *     for this input, so any success is a forgery, reported as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wire/channel.h"
#include "wire/frame.h"
#include "ledger/note_sign.h"

/* Past this, longer inputs exercise nothing new: the largest handshake
 * message is 160 bytes and data frames fail on their first MAC. */
#define FUZZ_MAX (1u << 18)

/* The daemon's key is fixed, so that seeds can carry its public key in
 * message 2 and reach the signature check behind the pin: it is
 * golang.org/x/mod/sumdb/note's published PeterNeumann test key (see
 * tests/test_note.c), public key 1a5cd907...b2d744d6. The client's key
 * is fresh for each run. */
#define SERVER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"

static struct note_skey *server_key, *client_key;
static uint8_t server_pk[CHANNEL_KEY_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct note_vkey v;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 ||
	    note_skey_parse(&server_key, SERVER_SKEY, strlen(SERVER_SKEY)) != SJ_OK ||
	    note_skey_generate(&client_key, "client", NOTE_TYPE_ED25519) != SJ_OK)
		abort();
	note_skey_public(&v, server_key);
	memcpy(server_pk, v.pk, CHANNEL_KEY_SIZE);
	return 0;
}

/* Every client key is "registered": the handshake must still fail,
 * because the fuzzer cannot sign for any key under this session. */
static int admit_all(void *ctx, const uint8_t pk[CHANNEL_KEY_SIZE])
{
	(void)ctx;
	(void)pk;
	return 0;
}

static void check_code(int rc)
{
	if (rc != SJ_OK && rc != SJ_EINVAL && rc != SJ_EVERIFY && rc != SJ_ERANGE &&
	    rc != SJ_EPERM && rc != SJ_ENOMEM)
		abort();
}

/* One body to the channel under test; returns its result. */
static int to_channel(struct channel *c, int mode, const uint8_t *body, size_t len)
{
	uint8_t *out = NULL, *msg = NULL;
	size_t out_len = 0, msg_len = 0;
	int fin = 0, rc;

	if (mode == 2) {
		rc = channel_open(c, &msg, &msg_len, &fin, body, len);
		if (rc == SJ_OK || msg != NULL)
			abort();
	} else {
		rc = channel_handshake(c, &out, &out_len, body, len);
		if (rc != SJ_OK && (out != NULL || out_len != 0))
			abort();
		free(out);
		if (channel_established(c) || channel_peer_key(c) != NULL)
			abort();
	}
	check_code(rc);
	if (rc != SJ_OK && channel_error(c) != rc)
		abort();
	return rc;
}

/* An established pair, of which the server side is returned. */
static struct channel *established_server(void)
{
	struct channel *cli = NULL, *srv = NULL;
	uint8_t *m1 = NULL, *m2 = NULL, *m3 = NULL, *none = NULL;
	size_t m1_len, m2_len, m3_len, none_len;

	if (channel_client_new(&cli, server_pk, client_key) != SJ_OK ||
	    channel_server_new(&srv, admit_all, NULL, server_key) != SJ_OK ||
	    channel_start(cli, &m1, &m1_len) != SJ_OK ||
	    channel_handshake(srv, &m2, &m2_len, m1 + 4, m1_len - 4) != SJ_OK ||
	    channel_handshake(cli, &m3, &m3_len, m2 + 4, m2_len - 4) != SJ_OK ||
	    channel_handshake(srv, &none, &none_len, m3 + 4, m3_len - 4) != SJ_OK ||
	    !channel_established(srv))
		abort();
	free(m1);
	free(m2);
	free(m3);
	channel_free(cli);
	return srv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_decoder *d;
	struct channel *c = NULL;
	uint8_t *body, *m1;
	size_t cap, pos, body_len, used, chunk, m1_len;
	uint32_t lcg;
	int mode, rc, again, dead = 0, first_err = 0;

	if (size < 2 || size > FUZZ_MAX)
		return 0;
	mode = data[0] & 3;
	lcg = data[0] >> 2;
	cap = mode == 3 ? 1 + (size_t)data[1] * 64 : mode == 2 ? FRAME_MAX : CHANNEL_HANDSHAKE_MAX;
	pos = mode == 3 ? 2 : 1;

	switch (mode) {
	case 0:
		if (channel_server_new(&c, admit_all, NULL, server_key) != SJ_OK)
			abort();
		break;
	case 1:
		if (channel_client_new(&c, server_pk, client_key) != SJ_OK ||
		    channel_start(c, &m1, &m1_len) != SJ_OK)
			abort();
		free(m1);
		break;
	case 2: c = established_server(); break;
	default: break;
	}
	if (frame_decoder_new(&d, cap) != SJ_OK)
		abort();

	while (pos < size) {
		/* Chunk sizes as reads give them: seed 0 feeds everything at once. */
		lcg = lcg * 1103515245u + 12345u;
		chunk = (data[0] >> 2) == 0 ? size - pos : 1 + (lcg >> 16) % 64;
		if (chunk > size - pos)
			chunk = size - pos;
		rc = frame_decoder_feed(d, &body, &body_len, &used, data + pos, chunk);
		if (used > chunk)
			abort();
		if (rc != SJ_OK) {
			if (body != NULL || (rc != SJ_ERANGE && rc != SJ_EINVAL && rc != SJ_ENOMEM))
				abort();
			/* Dead: the same error again, and nothing consumed. */
			again = frame_decoder_feed(d, &body, &body_len, &used, data + pos, chunk);
			if (again != rc || used != 0)
				abort();
			break;
		}
		if (used == 0)
			abort();
		pos += used;
		if (body == NULL)
			continue;
		if (body_len == 0 || body_len > cap)
			abort();
		if (c != NULL && !dead) {
			rc = to_channel(c, mode, body, body_len);
			if (rc != SJ_OK) {
				dead = 1;
				first_err = rc;
			}
		} else if (c != NULL && to_channel(c, mode, body, body_len) != first_err) {
			abort();
		}
		free(body);
	}
	frame_decoder_free(d);
	channel_free(c);
	return 0;
}
