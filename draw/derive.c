/*
 * derive.c: commitment, randomness, feasibility check and derivation. See
 * derive.h; every construction here is specified in docs/draw-spec.md and
 * pinned by tests/vectors/draw.
 */
#include "draw/derive.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "draw/plan.h"
#include "draw/rank.h"
#include "draw/stream.h"
#include "draw/wire.h"

#define TAG_COMMIT   "suiji seed commitment v1"
#define TAG_RANDOM   "suiji draw randomness v1"
#define TAG_SCORE    "suiji draw score v1"
#define TAG_ORDER    "suiji draw order v1"
#define TAG_OFFICERS "suiji draw officers v1"
#define TAG_EXPERTS  "suiji draw experts v1"
#define TAG_PARTS    "suiji draw agency officers v1"

void draw_derive_commitment(uint8_t out[DRAW_HASH_SIZE], const uint8_t seed[DRAW_SEED_SIZE])
{
	draw_wire_tagged(out, TAG_COMMIT, seed, DRAW_SEED_SIZE);
}

int draw_derive_check_seed(const uint8_t commitment[DRAW_HASH_SIZE],
                           const uint8_t seed[DRAW_SEED_SIZE])
{
	uint8_t c[DRAW_HASH_SIZE];

	draw_derive_commitment(c, seed);
	return sodium_memcmp(c, commitment, DRAW_HASH_SIZE) == 0 ? SJ_OK : SJ_EVERIFY;
}

int draw_derive_randomness(uint8_t r[DRAW_HASH_SIZE], const uint8_t seed[DRAW_SEED_SIZE],
                           const uint8_t entry_hash[DRAW_HASH_SIZE], const struct draw_inputs *in,
                           const struct draw_beacon_value *values, size_t n, char *err,
                           size_t err_cap)
{
	const struct draw_spec *s = draw_inputs_spec(in);
	crypto_hash_sha256_state st;
	uint8_t b[8];
	const uint8_t zero = 0;

	if (n != s->n_beacons) {
		draw_wire_err(err, err_cap, "the inputs name %zu beacon rounds, %zu values given",
		              s->n_beacons, n);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (values[i].len < 1 || values[i].len > DRAW_MAX_BEACON_VALUE) {
			draw_wire_err(err, err_cap, "beacon value %zu is not 1..%d bytes", i,
			              DRAW_MAX_BEACON_VALUE);
			return SJ_EINVAL;
		}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)TAG_RANDOM, strlen(TAG_RANDOM));
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, seed, DRAW_SEED_SIZE);
	crypto_hash_sha256_update(&st, entry_hash, DRAW_HASH_SIZE);
	crypto_hash_sha256_update(&st, draw_inputs_hash(in), DRAW_HASH_SIZE);
	b[0] = (uint8_t)n;
	crypto_hash_sha256_update(&st, b, 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t len = (uint8_t)strlen(s->beacons[i].source);

		crypto_hash_sha256_update(&st, &len, 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)s->beacons[i].source, len);
		draw_wire_put_be64(b, s->beacons[i].round);
		crypto_hash_sha256_update(&st, b, 8);
		b[0] = (uint8_t)(values[i].len >> 8);
		b[1] = (uint8_t)values[i].len;
		crypto_hash_sha256_update(&st, b, 2);
		crypto_hash_sha256_update(&st, values[i].value, values[i].len);
	}
	crypto_hash_sha256_final(&st, r);
	return SJ_OK;
}

static uint64_t keyed_word(const char *tag, const uint8_t r[DRAW_HASH_SIZE], const char *id)
{
	crypto_hash_sha256_state st;
	uint8_t h[32];

	draw_wire_keyed_init(&st, tag, r);
	draw_wire_keyed_id(h, &st, id, strlen(id));
	return draw_wire_be64(h);
}

uint64_t draw_derive_score(const uint8_t r[DRAW_HASH_SIZE], const char *id)
{
	return keyed_word(TAG_SCORE, r, id);
}

uint64_t draw_derive_order(const uint8_t r[DRAW_HASH_SIZE], const char *id)
{
	return keyed_word(TAG_ORDER, r, id);
}

int draw_derive_selected(uint64_t *score, const uint8_t r[DRAW_HASH_SIZE], const char *id,
                         uint64_t cutoff_score, const char *cutoff_id)
{
	*score = draw_derive_score(r, id);
	if (cutoff_id == NULL)
		return 0;
	if (*score != cutoff_score)
		return *score < cutoff_score;
	return draw_wire_cmp(id, strlen(id), cutoff_id, strlen(cutoff_id)) <= 0;
}

uint64_t draw_derive_count(uint64_t n, const struct draw_rule *rule, enum draw_rounding rounding)
{
	if (rule->kind == DRAW_RULE_COUNT)
		return rule->num;
	/* n <= 10^8 < 2^27 and num <= den <= 10^9 < 2^30, so 2*n*num + den
	 * stays below 2^58: no overflow in any branch. */
	uint64_t p = n * rule->num, d = rule->den;

	switch (rounding) {
	case DRAW_ROUND_CEIL: return (p + d - 1) / d;
	case DRAW_ROUND_FLOOR: return p / d;
	case DRAW_ROUND_HALF_UP: return (2 * p + d) / (2 * d);
	}
	return 0;
}

int draw_derive_check(const struct draw_inputs *in, const struct draw_objects *objects,
                      const struct draw_people *officers, const struct draw_people *experts,
                      char *err, size_t err_cap)
{
	struct draw_plan p;
	int rc = draw_plan_make(&p, in, objects, officers, experts, err, err_cap);

	if (rc == SJ_OK)
		draw_plan_free(&p);
	return rc;
}

/* Draws t of e[0..m) by a partial Fisher-Yates shuffle (spec 5.5): the
 * drawn ones end up in e[0..t), in draw order. */
static void draw_people(struct draw_stream *s, uint32_t *e, uint32_t m, unsigned t)
{
	for (unsigned i = 0; i < t; i++) {
		uint32_t j = i + draw_stream_below(s, m - i);
		uint32_t x = e[i];

		e[i] = e[j];
		e[j] = x;
	}
}

/* Lists, per stratum that draws and per part, the people who may serve it
 * at all, in pool order: lists[i * np + g] for officers of part g (part
 * gives each officer's), lists[i] for experts (part NULL, np 1). */
static int qualified_lists(uint32_t **lists, const struct draw_plan *p,
                           const struct draw_people *pool, const uint8_t *excl, uint64_t (*mask)[4],
                           const uint8_t *part, size_t np, const struct draw_spec *s)
{
	int experts = part == NULL;

	for (size_t i = 0; i < p->ns; i++) {
		if (p->k[i] == 0 || (experts && s->rules[i].experts == 0))
			continue;
		for (size_t g = 0; g < np; g++) {
			size_t at = i * np + g;
			uint32_t n = 0;

			lists[at] = malloc(((experts ? p->qx[i] : p->q[at]) + 1) * sizeof **lists);
			if (lists[at] == NULL)
				return SJ_ENOMEM;
			for (size_t f = 0; f < draw_people_count(pool); f++)
				if (!excl[f] && (experts || part[f] == g) &&
				    draw_people_qualified(pool, f, mask[i]))
					lists[at][n++] = (uint32_t)f;
		}
	}
	return SJ_OK;
}

/* First conflict in [begin, end) naming object id, by binary search. */
static size_t conflicts_of(const struct draw_spec *s, size_t begin, size_t end, const char *id,
                           size_t len)
{
	while (begin < end) {
		size_t mid = begin + (end - begin) / 2;
		const char *o = s->conflicts[mid].object;

		if (draw_wire_cmp(o, strlen(o), id, len) < 0)
			begin = mid + 1;
		else
			end = mid;
	}
	return begin;
}

struct staffing {
	uint32_t *team;    /* K x parts x team size officer indices */
	uint32_t *expert;  /* expert indices, pick after pick */
	size_t *expert_at; /* K + 1 offsets into expert */
};

/*
 * Staffs the ordered picks (spec 5.5). For each object in visit order the
 * candidates are its stratum's qualified officers minus its conflicts minus
 * (unless repeats are allowed) those already in a team of this slot; the
 * check guaranteed at least team size of them (spec 5.6). A joint check
 * (spec 5.8) does this once per team agency, in list order, over that
 * agency's officers, each part with its own stream.
 */
static int staff(struct staffing *out, const struct draw_plan *p, const struct draw_spec *s,
                 const struct draw_objects *objects, const struct draw_people *officers,
                 const struct draw_people *experts, const struct draw_rank_ent *picks,
                 const uint8_t r[DRAW_HASH_SIZE], char *err, size_t cap)
{
	size_t nof = draw_people_count(officers), nex = draw_people_count(experts), np = p->np;
	size_t per_team = np * s->team_size;
	int joint = s->n_team_agencies > 0;
	uint32_t **ol = calloc(p->ns * np, sizeof *ol), **xl = calloc(p->ns, sizeof *xl);
	uint32_t *last = malloc((nof + 1) * sizeof *last), *mark = calloc(nof + 1, sizeof *mark);
	uint32_t *xmark = calloc(nex + 1, sizeof *xmark);
	uint32_t *cand = malloc((nof > nex ? nof : nex) * sizeof *cand + 4);
	crypto_hash_sha256_state okey, xkey;
	size_t total_x = 0;
	int rc = SJ_ENOMEM;

	memset(out, 0, sizeof *out);
	if (!ol || !xl || !last || !mark || !xmark || !cand)
		goto out;
	for (uint64_t i = 0; i < p->total; i++) {
		const char *id;
		size_t len;
		unsigned st;

		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		total_x += s->rules[st].experts;
	}
	out->team = malloc((p->total * per_team + 1) * sizeof *out->team);
	out->expert = malloc((total_x + 1) * sizeof *out->expert);
	out->expert_at = malloc((p->total + 1) * sizeof *out->expert_at);
	if (!out->team || !out->expert || !out->expert_at)
		goto out;
	if (qualified_lists(ol, p, officers, p->oexcl, p->omask, p->opart, np, s) != SJ_OK ||
	    qualified_lists(xl, p, experts, p->xexcl, p->xmask, NULL, 1, s) != SJ_OK)
		goto out;
	for (size_t f = 0; f < nof; f++)
		last[f] = UINT32_MAX;
	/* A joint check's parts use their own tag, so no part's stream is
	 * ever the stream of a whole team of another draw (spec 5.8). */
	draw_wire_keyed_init(&okey, joint ? TAG_PARTS : TAG_OFFICERS, r);
	draw_wire_keyed_init(&xkey, TAG_EXPERTS, r);
	total_x = 0;
	for (uint32_t i = 0; i < p->total; i++) {
		const char *id;
		size_t len;
		unsigned st;
		uint32_t slot = i / s->slot_size, m = 0, stamp = i + 1;
		struct draw_stream str;

		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		for (size_t c = conflicts_of(s, p->oc_begin, p->oc_end, id, len);
		     c < p->oc_end && draw_wire_cmp(s->conflicts[c].object,
		                                    strlen(s->conflicts[c].object), id, len) == 0;
		     c++)
			mark[p->conf_person[c]] = stamp;
		for (size_t g = 0; g < np; g++) {
			size_t at = st * np + g;
			uint32_t *team = out->team + (size_t)i * per_team + g * s->team_size;

			m = 0;
			for (uint32_t j = 0; j < p->q[at]; j++) {
				uint32_t f = ol[at][j];

				if (mark[f] == stamp ||
				    (!s->officer_repeat_in_slot && last[f] == slot))
					continue;
				cand[m++] = f;
			}
			/* Spec 5.6 and 5.8: at most (slot size - 1) x team size
			 * officers of this part are taken in this slot before this
			 * object (an officer has one agency, so other parts take
			 * none of them), and it had at least team size x slot size
			 * after recusal. */
			assert(m >= s->team_size);
			if (m < s->team_size) {
				draw_wire_err(err, cap, "internal: object %.*s cannot be staffed",
				              (int)len, id);
				rc = SJ_ERANGE;
				goto out;
			}
			draw_stream_init(&str, &okey, id, len, joint ? s->team_agencies[g] : NULL);
			draw_people(&str, cand, m, s->team_size);
			for (unsigned j = 0; j < s->team_size; j++) {
				team[j] = cand[j];
				last[cand[j]] = slot;
			}
		}
		out->expert_at[i] = total_x;
		unsigned e = s->rules[st].experts;

		if (e == 0)
			continue;
		for (size_t c = conflicts_of(s, p->xc_begin, p->xc_end, id, len);
		     c < p->xc_end && draw_wire_cmp(s->conflicts[c].object,
		                                    strlen(s->conflicts[c].object), id, len) == 0;
		     c++)
			xmark[p->conf_person[c]] = stamp;
		m = 0;
		for (uint32_t j = 0; j < p->qx[st]; j++)
			if (xmark[xl[st][j]] != stamp)
				cand[m++] = xl[st][j];
		assert(m >= e);
		draw_stream_init(&str, &xkey, id, len, NULL);
		draw_people(&str, cand, m, e);
		for (unsigned j = 0; j < e; j++)
			out->expert[total_x++] = cand[j];
	}
	out->expert_at[p->total] = total_x;
	rc = SJ_OK;
out:
	for (size_t i = 0; ol && i < p->ns * np; i++)
		free(ol[i]);
	for (size_t i = 0; xl && i < p->ns; i++)
		free(xl[i]);
	free(ol);
	free(xl);
	free(last);
	free(mark);
	free(xmark);
	free(cand);
	if (rc != SJ_OK && rc != SJ_ERANGE)
		draw_wire_err(err, cap, "out of memory");
	if (rc != SJ_OK) {
		free(out->team);
		free(out->expert);
		free(out->expert_at);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

/* Copies everything into a self-contained result. */
static int build_result(struct draw_result **out, const struct draw_plan *p,
                        const struct draw_spec *s, const struct draw_inputs *in,
                        const struct draw_objects *objects, const struct draw_people *officers,
                        const struct draw_people *experts, const struct draw_rank_ent *picks,
                        const size_t *cutoff_off, const struct staffing *sf,
                        const uint8_t r[DRAW_HASH_SIZE])
{
	struct draw_result *res = calloc(1, sizeof *res);
	size_t per_team = p->np * s->team_size, na = s->n_team_agencies;
	size_t need = 0, npeople = p->total * per_team + sf->expert_at[p->total] + na;
	const char *id;
	size_t len;
	unsigned st;

	if (res == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < p->ns; i++)
		need += strlen(draw_objects_stratum(objects, i)) + 1;
	for (uint64_t i = 0; i < p->total; i++) {
		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		need += len + 1;
	}
	for (size_t i = 0; i < p->total * per_team; i++)
		need += strlen(draw_people_id(officers, sf->team[i])) + 1;
	for (size_t g = 0; g < na; g++)
		need += strlen(s->team_agencies[g]) + 1;
	for (size_t i = 0; i < sf->expert_at[p->total]; i++)
		need += strlen(draw_people_id(experts, sf->expert[i])) + 1;
	res->strata = calloc(p->ns, sizeof *res->strata);
	res->picks = calloc(p->total + 1, sizeof *res->picks);
	res->strings = malloc(need + 1);
	res->people = calloc(npeople + 1, sizeof *res->people);
	if (!res->strata || !res->picks || !res->strings || !res->people) {
		draw_result_free(res);
		return SJ_ENOMEM;
	}
	char *w = res->strings;
	const char **pp = res->people;

	memcpy(res->inputs_hash, draw_inputs_hash(in), DRAW_HASH_SIZE);
	memcpy(res->randomness, r, DRAW_HASH_SIZE);
	res->team_size = s->team_size;
	res->n_team_agencies = na;
	res->team_agencies = na > 0 ? pp : NULL;
	for (size_t g = 0; g < na; g++) {
		*pp++ = w;
		w = stpcpy(w, s->team_agencies[g]) + 1;
	}
	res->n_strata = p->ns;
	for (size_t i = 0; i < p->ns; i++) {
		const char *name = draw_objects_stratum(objects, i);

		res->strata[i].name = w;
		w = stpcpy(w, name) + 1;
		res->strata[i].n = p->n[i];
		res->strata[i].k = p->k[i];
	}
	res->n_picks = p->total;
	for (uint64_t i = 0; i < p->total; i++) {
		struct draw_pick *pk = &res->picks[i];

		draw_objects_at(objects, picks[i].off, &id, &len, &st);
		pk->id = w;
		memcpy(w, id, len);
		w[len] = '\0';
		w += len + 1;
		pk->stratum = st;
		pk->score = picks[i].score;
		pk->order = picks[i].key;
		pk->slot = (uint32_t)(i / s->slot_size);
		if (picks[i].off == cutoff_off[st]) {
			res->strata[st].cutoff_id = pk->id;
			res->strata[st].cutoff_score = pk->score;
		}
		pk->officers = pp;
		pk->n_officers = (unsigned)per_team;
		for (size_t j = 0; j < per_team; j++) {
			*pp++ = w;
			w = stpcpy(w, draw_people_id(officers, sf->team[i * per_team + j])) + 1;
		}
		pk->experts = pp;
		pk->n_experts = (unsigned)(sf->expert_at[i + 1] - sf->expert_at[i]);
		for (size_t j = sf->expert_at[i]; j < sf->expert_at[i + 1]; j++) {
			*pp++ = w;
			w = stpcpy(w, draw_people_id(experts, sf->expert[j])) + 1;
		}
	}
	*out = res;
	return SJ_OK;
}

int draw_derive_run(struct draw_result **out, const struct draw_inputs *in,
                    const struct draw_objects *objects, const struct draw_people *officers,
                    const struct draw_people *experts, const uint8_t r[DRAW_HASH_SIZE], char *err,
                    size_t err_cap)
{
	const struct draw_spec *s = draw_inputs_spec(in);
	struct draw_plan p;
	struct staffing sf = {0};
	struct draw_rank_ent *heap = NULL;
	size_t *base = NULL, *cutoff_off = NULL;
	uint32_t *fill = NULL;
	crypto_hash_sha256_state skey, okey;
	int rc = draw_plan_make(&p, in, objects, officers, experts, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	rc = SJ_ENOMEM;
	heap = malloc((p.total + 1) * sizeof *heap);
	base = calloc(p.ns + 1, sizeof *base);
	cutoff_off = calloc(p.ns, sizeof *cutoff_off);
	fill = calloc(p.ns, sizeof *fill);
	if (!heap || !base || !cutoff_off || !fill)
		goto out;
	/* Stratum i's heap is heap[base[i] .. base[i] + k[i]). */
	for (size_t i = 0; i < p.ns; i++)
		base[i + 1] = base[i] + p.k[i];

	/* Selection (spec 5.3): one pass, skipping exclusions by merge, one
	 * hash per eligible object, a bounded max-heap per stratum. */
	draw_wire_keyed_init(&skey, TAG_SCORE, r);
	size_t cur = 0, off, len, xi = 0;
	const char *id;
	unsigned st;

	while (draw_objects_next(objects, &cur, &id, &len, &st, &off)) {
		uint8_t h[32];
		struct draw_rank_ent e;
		int excluded = 0;

		while (xi < p.ox_end) {
			int c = draw_wire_cmp(s->exclusions[xi].id, strlen(s->exclusions[xi].id),
			                      id, len);

			if (c > 0)
				break;
			excluded |= c == 0;
			xi++;
		}
		if (excluded || p.k[st] == 0)
			continue;
		draw_wire_keyed_id(h, &skey, id, len);
		e.key = e.score = draw_wire_be64(h);
		e.off = off;
		draw_rank_offer(objects, heap + base[st], &fill[st], p.k[st], &e);
	}
	for (size_t i = 0; i < p.ns; i++) {
		assert(fill[i] == p.k[i]); /* k <= n, and all n were offered */
		draw_rank_sort(objects, heap + base[i], p.k[i]);
		if (p.k[i] > 0)
			cutoff_off[i] = heap[base[i] + p.k[i] - 1].off;
	}

	/* Visit order (spec 5.4): all drawn objects by (order key, id). */
	draw_wire_keyed_init(&okey, TAG_ORDER, r);
	for (uint64_t i = 0; i < p.total; i++) {
		uint8_t h[32];

		draw_objects_at(objects, heap[i].off, &id, &len, &st);
		draw_wire_keyed_id(h, &okey, id, len);
		heap[i].key = draw_wire_be64(h);
	}
	draw_rank_heapify(objects, heap, p.total);
	draw_rank_sort(objects, heap, p.total);

	rc = staff(&sf, &p, s, objects, officers, experts, heap, r, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	rc = build_result(out, &p, s, in, objects, officers, experts, heap, cutoff_off, &sf, r);
out:
	if (rc == SJ_ENOMEM)
		draw_wire_err(err, err_cap, "out of memory");
	free(sf.team);
	free(sf.expert);
	free(sf.expert_at);
	free(heap);
	free(base);
	free(cutoff_off);
	free(fill);
	draw_plan_free(&p);
	return rc;
}
