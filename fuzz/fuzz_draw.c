/*
 * fuzz_draw.c: libFuzzer target for the draw decoders a verifier runs on
 * bytes from the ledger: the object pool, the people pools and the draw
 * inputs (draw/objects.c, draw/people.c, draw/inputs.c). The first byte
 * picks the decoder; the rest is its input, capped at 64 KiB before any
 * decoding.
 *
 * Beyond "no crash and no sanitizer report", every input checks:
 *   - decoders return only documented codes;
 *   - a pool that decodes hands back exactly its bytes, and its members
 *     iterate in strictly ascending identifier order;
 *   - inputs that decode encode back to exactly their bytes, and the
 *     feasibility check against three fixed small pools returns only
 *     documented codes (and refuses inputs that name other pools); when
 *     it passes, a derivation succeeds, and in a joint check every officer
 *     sits in the part of their own agency.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draw/derive.h"

#define CAP 65536

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct draw_objects *objects;
static struct draw_people *officers, *experts;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const strata[] = {"A", "B"};
	static const char *const tags[] = {"food"};
	/* Two agencies, so joint checks (R14, spec 5.8) naming either or
	 * both reach the check and the derivation. */
	static const char *const ag[] = {"hb", "scjg"};
	static const char *const obj[] = {"O1", "O2", "O3", "O4"};
	static const char *const off[] = {"F1", "F2", "F3", "F4", "F5"};
	unsigned t = 0;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || draw_objects_new(&objects, strata, 2, 4, NULL, 0) != SJ_OK ||
	    draw_people_new(&officers, DRAW_OFFICER, tags, 1, ag, 2, 5, NULL, 0) != SJ_OK ||
	    draw_people_new(&experts, DRAW_EXPERT, tags, 1, ag, 1, 1, NULL, 0) != SJ_OK)
		abort();
	for (unsigned i = 0; i < 4; i++)
		if (draw_objects_add(objects, obj[i], i % 2, NULL, 0) != SJ_OK)
			abort();
	for (unsigned i = 0; i < 5; i++)
		if (draw_people_add(officers, off[i], i / 3, &t, i % 2, NULL, 0) != SJ_OK)
			abort();
	if (draw_people_add(experts, "X1", 0, &t, 1, NULL, 0) != SJ_OK ||
	    draw_objects_seal(objects) != SJ_OK || draw_people_seal(officers) != SJ_OK ||
	    draw_people_seal(experts) != SJ_OK)
		abort();
	return 0;
}

static void check_objects(const uint8_t *b, size_t n)
{
	struct draw_objects *o;
	char err[256];
	int rc = draw_objects_decode(&o, b, n, err, sizeof err);
	size_t len, cur = 0, off, il, pl = 0;
	const char *id, *prev = NULL;
	unsigned st;

	if (rc == SJ_EINVAL || rc == SJ_ENOMEM)
		return;
	if (rc != SJ_OK)
		abort();
	const uint8_t *back = draw_objects_bytes(o, &len);

	if (len != n || memcmp(back, b, n) != 0)
		abort();
	while (draw_objects_next(o, &cur, &id, &il, &st, &off)) {
		if (st >= draw_objects_nstrata(o))
			abort();
		if (prev != NULL) {
			int c = memcmp(prev, id, pl < il ? pl : il);

			if (c > 0 || (c == 0 && pl >= il))
				abort();
		}
		prev = id;
		pl = il;
	}
	draw_objects_free(o);
}

static void check_people(const uint8_t *b, size_t n)
{
	struct draw_people *p;
	int rc = draw_people_decode(&p, b, n, NULL, 0);
	size_t len;

	if (rc == SJ_EINVAL || rc == SJ_ENOMEM)
		return;
	if (rc != SJ_OK)
		abort();
	const uint8_t *back = draw_people_bytes(p, &len);

	if (len != n || memcmp(back, b, n) != 0)
		abort();
	for (size_t i = 1; i < draw_people_count(p); i++)
		if (strcmp(draw_people_id(p, i - 1), draw_people_id(p, i)) >= 0)
			abort();
	draw_people_free(p);
}

/* Spec 5.8: a joint team is team size officers of each team agency, in
 * list order. */
static void check_parts(const struct draw_result *res, const struct draw_spec *s)
{
	size_t na = s->n_team_agencies, per = na ? na * s->team_size : s->team_size;

	if (res->n_team_agencies != na)
		abort();
	for (size_t i = 0; i < res->n_picks; i++) {
		const struct draw_pick *p = &res->picks[i];

		if (p->n_officers != per)
			abort();
		for (unsigned j = 0; na && j < p->n_officers; j++) {
			const char *id = p->officers[j];
			long at = draw_people_find(officers, id, strlen(id));

			if (at < 0 || strcmp(draw_people_agency(officers, (size_t)at),
			                     s->team_agencies[j / s->team_size]) != 0)
				abort();
		}
	}
}

static void check_inputs(const uint8_t *b, size_t n)
{
	struct draw_inputs *in;
	struct draw_result *res;
	uint8_t *again, r[32] = {0};
	size_t len;
	char err[256];
	int rc = draw_inputs_decode(&in, b, n, err, sizeof err);

	if (rc == SJ_EINVAL || rc == SJ_ENOMEM)
		return;
	if (rc != SJ_OK)
		abort();
	if (draw_inputs_encode(&again, &len, draw_inputs_spec(in), NULL, 0) != SJ_OK)
		abort();
	if (len != n || memcmp(again, b, n) != 0)
		abort();
	free(again);
	/* Inputs that name other pools than the fixed ones must be refused.
	 * The fuzzer may find the fixed pools' real hashes (they are in the
	 * seed corpus and in comparisons it watches); then the inputs do name
	 * these pools and the check rightly decides on the rest, so only its
	 * codes are checked. A spec with the fixed pools' hashes is then
	 * checked too. */
	const struct draw_spec *given = draw_inputs_spec(in);
	int ours = memcmp(given->object_pool, draw_objects_hash(objects), 32) == 0 &&
	           memcmp(given->officer_pool, draw_people_hash(officers), 32) == 0 &&
	           memcmp(given->expert_pool, draw_people_hash(experts), 32) == 0;

	rc = draw_derive_check(in, objects, officers, experts, err, sizeof err);
	if (!ours && rc != SJ_EINVAL)
		abort();
	if (rc != SJ_OK && rc != SJ_EINVAL && rc != SJ_ERANGE && rc != SJ_ENOMEM)
		abort();
	struct draw_spec s = *given;
	struct draw_inputs *in2;

	memcpy(s.object_pool, draw_objects_hash(objects), 32);
	memcpy(s.officer_pool, draw_people_hash(officers), 32);
	memcpy(s.expert_pool, draw_people_hash(experts), 32);
	if (draw_inputs_encode(&again, &len, &s, NULL, 0) != SJ_OK)
		abort();
	if (draw_inputs_decode(&in2, again, len, NULL, 0) != SJ_OK)
		abort();
	free(again);
	rc = draw_derive_check(in2, objects, officers, experts, err, sizeof err);
	if (rc != SJ_OK && rc != SJ_EINVAL && rc != SJ_ERANGE && rc != SJ_ENOMEM)
		abort();
	if (rc == SJ_OK) {
		/* The promise of spec 5.6: a checked draw always derives. */
		if (draw_derive_run(&res, in2, objects, officers, experts, r, err, sizeof err) !=
		    SJ_OK)
			abort();
		check_parts(res, &s);
		draw_result_free(res);
	}
	draw_inputs_free(in2);
	draw_inputs_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > CAP)
		return 0;
	switch (data[0] % 3) {
	case 0: check_objects(data + 1, size - 1); break;
	case 1: check_people(data + 1, size - 1); break;
	case 2: check_inputs(data + 1, size - 1); break;
	}
	return 0;
}
