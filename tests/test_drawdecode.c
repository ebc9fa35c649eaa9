/*
 * test_drawdecode.c: a draw request is decoded once (rules/draws.h): the
 * typed value draws_request_decode makes, the feasibility check that runs
 * once per value, and the hand-over by which the ledger's rules take the
 * daemon's decoded request instead of decoding the same bytes again.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/draw.pb-c.h"
#include "rules/draws.h"
#include "tests/harness.h"
#include "wire/drawspec.h"

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4200];
	snprintf(path, sizeof path, "%.4000s/%s", dir, name);
	return util_write_file(path, text, strlen(text), 0644);
}

/* Every source is one of public values ("m"), registered as the ledger
 * would register it. */
static int manual_source(void *ctx, const char *id, const struct beacon_chain **chain, int *manual,
                         int64_t *margin_us)
{
	(void)ctx;
	(void)id;
	*chain = NULL;
	*manual = 1;
	*margin_us = 0;
	return SJ_OK;
}

/* The payload of a draw request with this id and team size over 9 objects
 * and 6 officers (malloc'd into *out). */
static int payload(uint8_t **out, size_t *len, const char *id, unsigned team)
{
	const char *d = harness_tmpdir();
	char spec[1024], path[4200], err[512];
	struct drawspec sp;
	int rc;

	snprintf(spec, sizeof spec,
	         "{\"request_id\": \"%s\", \"task\": \"t1\", \"objects\": \"objects.csv\","
	         " \"officers\": \"officers.csv\", \"team_size\": %u,"
	         " \"beacons\": [{\"source\": \"m\", \"round\": 1}],"
	         " \"rules\": [{\"stratum\": \"A\", \"ratio\": \"1/3\"},"
	         " {\"stratum\": \"B\", \"count\": 2}]}",
	         id, team);
	if (write_text(d, "objects.csv",
	               "id,stratum\nO1,A\nO2,A\nO3,A\nO4,A\nO5,A\nO6,B\nO7,B\nO8,B\nO9,B\n") ||
	    write_text(d, "officers.csv",
	               "id,agency,tags\nF1,scjg,food\nF2,scjg,food\nF3,scjg,food\n"
	               "F4,scjg,food\nF5,scjg,food\nF6,scjg,food\n") ||
	    write_text(d, "spec.json", spec))
		return SJ_EIO;
	snprintf(path, sizeof path, "%.4000s/spec.json", d);
	rc = drawspec_load(&sp, path, manual_source, NULL, util_now_us(), err, sizeof err);
	if (rc != SJ_OK) {
		printf("    %s\n", err);
		return rc;
	}
	rc = drawspec_payload(out, len, &sp);
	drawspec_fini(&sp);
	return rc;
}

/* A state with the source "m" of public values registered. */
static int draws_with_source(struct draws **d)
{
	Suiji__BeaconAdd m = SUIJI__BEACON_ADD__INIT;
	uint8_t buf[256];
	struct entry e;
	char err[256];

	if (draws_new(d) != SJ_OK)
		return -1;
	m.id = (char *)"m";
	m.chain = (char *)"";
	m.url = (char *)"";
	memset(&e, 0, sizeof e);
	e.seq = 1;
	e.type = ENTRY_BEACON_ADD;
	e.agency = "";
	e.payload = buf;
	e.payload_len = suiji__beacon_add__pack(&m, buf);
	return draws_beacon_add(*d, &e, 1, err, sizeof err) == SJ_OK ? 0 : -1;
}

static void request_entry(struct entry *e, uint64_t seq, const uint8_t *p, size_t len)
{
	memset(e, 0, sizeof *e);
	e->seq = seq;
	e->time_us = util_now_us();
	e->type = ENTRY_DRAW_REQUEST;
	e->agency = "scjg";
	e->agency_len = 4;
	e->payload = p;
	e->payload_len = len;
}

TEST(drawdecode_typed_value,
     "a draw request decodes into one typed value with its id, inputs and pools; bytes that are no "
     "DrawRequest are told apart from a field that breaks a rule")
{
	struct draws_request_msg m;
	Suiji__DrawRequest *q;
	ProtobufCBinaryData officers;
	uint8_t *p = NULL, *bad = NULL;
	size_t len = 0, blen;
	char err[512];

	CHECK_INT(sodium_init(), >=, 0);
	CHECK_INT(payload(&p, &len, "r1", 2), ==, SJ_OK);
	CHECK_INT(draws_request_decode(&m, p, len, err, sizeof err), ==, SJ_OK);
	CHECK(strcmp(m.request_id, "r1") == 0);
	CHECK(m.in != NULL && m.objects != NULL && m.officers != NULL && m.experts != NULL);
	CHECK_INT(m.feasible, ==, 0);
	draws_request_msg_fini(&m);
	CHECK(m.in == NULL);

	/* Not the message at all. */
	CHECK_INT(draws_request_decode(&m, (const uint8_t *)"\xff\xff\xff", 3, err, sizeof err), ==,
	          SJ_EINVAL);
	CHECK_STR_HAS(err, "does not decode as suiji.DrawRequest");

	/* The message, with the object pool where the officers belong. */
	q = suiji__draw_request__unpack(NULL, len, p);
	CHECK(q != NULL);
	officers = q->officers;
	q->officers = q->objects;
	blen = suiji__draw_request__get_packed_size(q);
	bad = malloc(blen);
	CHECK(bad != NULL);
	suiji__draw_request__pack(q, bad);
	q->officers = officers; /* its own again, so each is freed once */
	suiji__draw_request__free_unpacked(q, NULL);
	CHECK_INT(draws_request_decode(&m, bad, blen, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "officer pool");
	CHECK(m.in == NULL);
	free(bad);
	free(p);
}

TEST(drawdecode_feasible_once,
     "feasibility is checked once per decoded request, and a request whose pool cannot staff its "
     "teams is refused naming the shortage (R11)")
{
	struct draws_request_msg m;
	uint8_t *p = NULL;
	size_t len = 0;
	char err[512];

	CHECK_INT(sodium_init(), >=, 0);
	CHECK_INT(payload(&p, &len, "r1", 2), ==, SJ_OK);
	CHECK_INT(draws_request_decode(&m, p, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draws_request_feasible(&m, err, sizeof err), ==, SJ_OK);
	CHECK_INT(m.feasible, ==, 1);
	CHECK_INT(draws_request_feasible(&m, err, sizeof err), ==, SJ_OK);
	draws_request_msg_fini(&m);
	free(p);

	/* Teams of 7 from 6 officers. */
	CHECK_INT(payload(&p, &len, "r2", 7), ==, SJ_OK);
	CHECK_INT(draws_request_decode(&m, p, len, err, sizeof err), ==, SJ_OK);
	err[0] = '\0';
	CHECK_INT(draws_request_feasible(&m, err, sizeof err), ==, SJ_EVERIFY);
	CHECK(err[0] != '\0');
	CHECK_INT(m.feasible, ==, 0);
	draws_request_msg_fini(&m);
	free(p);
}

TEST(drawdecode_handover,
     "the ledger's rules take a handed-over decoded request for exactly its bytes, decode other "
     "bytes themselves, and hand a refusal's reason back without the store's prefix")
{
	struct draws *d = NULL;
	struct draws_request_msg m, m2;
	struct entry e;
	uint8_t *p = NULL, *p2 = NULL;
	size_t len = 0, len2 = 0;
	char err[512];

	CHECK_INT(sodium_init(), >=, 0);
	CHECK_INT(draws_with_source(&d), ==, 0);
	CHECK_INT(payload(&p, &len, "r1", 2), ==, SJ_OK);
	CHECK_INT(payload(&p2, &len2, "r2", 2), ==, SJ_OK);

	/* Handed over and taken: the value gives up its parts. */
	CHECK_INT(draws_request_decode(&m, p, len, err, sizeof err), ==, SJ_OK);
	CHECK_INT(draws_request_feasible(&m, err, sizeof err), ==, SJ_OK);
	draws_request_expect(&m, p, len);
	request_entry(&e, 2, p, len);
	CHECK_INT(draws_request(d, &e, 1, err, sizeof err), ==, SJ_OK);
	draws_request_expect(NULL, NULL, 0);
	CHECK(m.in == NULL && m.objects == NULL && m.officers == NULL && m.experts == NULL);
	CHECK(m.refusal[0] == '\0');
	CHECK_INT(draws_count(d), ==, 1);

	/* Other bytes: not taken; the rules decode them. */
	CHECK_INT(draws_request_decode(&m2, p, len, err, sizeof err), ==, SJ_OK);
	draws_request_expect(&m2, p, len);
	request_entry(&e, 3, p2, len2);
	CHECK_INT(draws_request(d, &e, 1, err, sizeof err), ==, SJ_OK);
	draws_request_expect(NULL, NULL, 0);
	CHECK(m2.in != NULL);
	draws_request_msg_fini(&m2);
	CHECK_INT(draws_count(d), ==, 2);

	/* The same request id again, handed over: refused, and the value
	 * carries the rule's own reason. */
	CHECK_INT(draws_request_decode(&m, p, len, err, sizeof err), ==, SJ_OK);
	draws_request_expect(&m, p, len);
	request_entry(&e, 4, p, len);
	CHECK_INT(draws_request(d, &e, 1, err, sizeof err), ==, SJ_EVERIFY);
	draws_request_expect(NULL, NULL, 0);
	CHECK_STR_HAS(m.refusal, "request id r1 was used already by entry 2");
	CHECK(strncmp(m.refusal, "request id", 10) == 0);
	CHECK_INT(draws_count(d), ==, 2);
	draws_request_msg_fini(&m);

	free(p);
	free(p2);
	draws_free(d);
}
