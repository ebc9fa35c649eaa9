/*
 * result.c: the draw result encoding. See result.h.
 */
#include "draw/result.h"

#include <stdlib.h>
#include <string.h>

#include "draw/wire.h"

#define MAGIC    "SJDR"
#define VERSION  1
#define HASH_TAG "suiji draw result v1"

static void put_str(struct draw_wbuf *w, const char *s)
{
	draw_wire_str8(w, s, strlen(s));
}

int draw_result_encode(uint8_t **out, size_t *len, const struct draw_result *r)
{
	struct draw_wbuf w = {0};

	draw_wire_put(&w, MAGIC, 4);
	draw_wire_u8(&w, VERSION);
	draw_wire_put(&w, r->inputs_hash, DRAW_HASH_SIZE);
	draw_wire_put(&w, r->randomness, DRAW_HASH_SIZE);
	draw_wire_u16(&w, (unsigned)r->n_strata);
	for (size_t i = 0; i < r->n_strata; i++) {
		const struct draw_stratum_result *s = &r->strata[i];

		put_str(&w, s->name);
		draw_wire_u32(&w, s->n);
		draw_wire_u32(&w, s->k);
		if (s->k > 0) {
			draw_wire_u64(&w, s->cutoff_score);
			put_str(&w, s->cutoff_id);
		}
	}
	draw_wire_u32(&w, (uint32_t)r->n_picks);
	for (size_t i = 0; i < r->n_picks; i++) {
		const struct draw_pick *p = &r->picks[i];

		put_str(&w, p->id);
		draw_wire_u8(&w, p->stratum);
		draw_wire_u64(&w, p->score);
		draw_wire_u64(&w, p->order);
		draw_wire_u8(&w, p->n_officers);
		for (unsigned j = 0; j < p->n_officers; j++)
			put_str(&w, p->officers[j]);
		draw_wire_u8(&w, p->n_experts);
		for (unsigned j = 0; j < p->n_experts; j++)
			put_str(&w, p->experts[j]);
	}
	/* Only a joint check has this section, so a result without team
	 * agencies is encoded as before they existed. */
	if (r->n_team_agencies > 0) {
		draw_wire_u8(&w, (unsigned)r->n_team_agencies);
		for (size_t g = 0; g < r->n_team_agencies; g++)
			put_str(&w, r->team_agencies[g]);
	}
	if (w.oom) {
		free(w.p);
		return SJ_ENOMEM;
	}
	*out = w.p;
	*len = w.len;
	return SJ_OK;
}

void draw_result_hash(uint8_t out[DRAW_HASH_SIZE], const uint8_t *bytes, size_t len)
{
	draw_wire_tagged(out, HASH_TAG, bytes, len);
}

void draw_result_free(struct draw_result *r)
{
	if (r == NULL)
		return;
	free(r->strata);
	free(r->picks);
	free(r->strings);
	free(r->people);
	free(r);
}
