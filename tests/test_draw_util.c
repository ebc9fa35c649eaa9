/*
 * test_draw_util.c: see test_draw.h. No tests of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test_draw.h"

static int build_people(struct draw_people **out, enum draw_kind kind, const char *const *tags,
                        size_t ntags, const char *const *agencies, size_t nagencies,
                        const struct tw_person *p, size_t n, char *err, size_t cap)
{
	int rc = draw_people_new(out, kind, tags, ntags, agencies, nagencies, n, err, cap);

	for (size_t i = 0; rc == SJ_OK && i < n; i++)
		rc = draw_people_add(*out, p[i].id, p[i].agency, p[i].tags, p[i].ntags, err, cap);
	if (rc == SJ_OK)
		rc = draw_people_seal(*out);
	return rc;
}

int tw_build(struct tw *w, struct tw_def *d)
{
	uint8_t *bytes = NULL;
	size_t len;
	static const char *const none[] = {"none"};
	int rc;

	memset(w, 0, sizeof *w);
	rc = draw_objects_new(&w->o, d->strata, d->nstrata, d->nobjects, w->err, sizeof w->err);
	for (size_t i = 0; rc == SJ_OK && i < d->nobjects; i++)
		rc = draw_objects_add(w->o, d->objects[i].id, d->objects[i].stratum, w->err,
		                      sizeof w->err);
	if (rc == SJ_OK)
		rc = draw_objects_seal(w->o);
	if (rc == SJ_OK)
		rc = build_people(&w->f, DRAW_OFFICER, d->otags, d->n_otags, d->agencies,
		                  d->nagencies, d->officers, d->nofficers, w->err, sizeof w->err);
	if (rc == SJ_OK)
		rc = build_people(&w->x, DRAW_EXPERT, d->xtags, d->n_xtags,
		                  d->xorgs ? d->xorgs : none, d->xorgs ? d->n_xorgs : 1, d->experts,
		                  d->nexperts, w->err, sizeof w->err);
	if (rc == SJ_OK) {
		memcpy(d->spec.object_pool, draw_objects_hash(w->o), 32);
		memcpy(d->spec.officer_pool, draw_people_hash(w->f), 32);
		memcpy(d->spec.expert_pool, draw_people_hash(w->x), 32);
		rc = draw_inputs_encode(&bytes, &len, &d->spec, w->err, sizeof w->err);
	}
	if (rc == SJ_OK)
		rc = draw_inputs_decode(&w->in, bytes, len, w->err, sizeof w->err);
	free(bytes);
	if (rc != SJ_OK) {
		char keep[sizeof w->err];

		memcpy(keep, w->err, sizeof keep);
		tw_free(w);
		memcpy(w->err, keep, sizeof keep);
	}
	return rc;
}

void tw_free(struct tw *w)
{
	draw_objects_free(w->o);
	draw_people_free(w->f);
	draw_people_free(w->x);
	draw_inputs_free(w->in);
	memset(w, 0, sizeof *w);
}

int tw_derive(struct tw *w, struct draw_result **res, const uint8_t r[32])
{
	return draw_derive_run(res, w->in, w->o, w->f, w->x, r, w->err, sizeof w->err);
}

uint64_t tw_rng(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

const char *tw_obj_id(unsigned i)
{
	static char ids[100000][8];

	if (i >= 100000)
		return NULL;
	if (ids[i][0] == '\0')
		snprintf(ids[i], sizeof ids[i], "O%05u", i);
	return ids[i];
}

const char *tw_officer_id(unsigned i)
{
	static char ids[1000][8];

	if (i >= 1000)
		return NULL;
	if (ids[i][0] == '\0')
		snprintf(ids[i], sizeof ids[i], "F%03u", i);
	return ids[i];
}
