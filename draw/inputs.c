/*
 * inputs.c: the draw inputs encoding. See inputs.h.
 *
 * Decoding parses the bytes structurally into a draw_spec, then encodes
 * that spec again and requires the very same bytes. The encoder is the one
 * place where the form is checked, so decode and encode cannot disagree
 * about what is canonical, and a decoded input always round-trips.
 */
#include "draw/inputs.h"

#include <stdlib.h>
#include <string.h>

#include "draw/wire.h"

#define MAGIC    "SJDI"
#define VERSION  1
#define HASH_TAG "suiji draw inputs v1"

/* The flags byte after the slot size. */
#define FLAG_REPEAT_IN_SLOT 1u
#define FLAG_TEAM_AGENCIES  2u

struct draw_inputs {
	struct draw_spec spec;
	uint8_t *bytes;
	size_t len;
	uint8_t hash[DRAW_HASH_SIZE];
	/* Storage the spec points into. */
	char *strings;
	struct draw_beacon_ref *beacons;
	struct draw_rule *rules;
	const char **tag_ptrs;
	const char **agency_ptrs;
	struct draw_exclusion *exclusions;
	struct draw_conflict *conflicts;
};

static int cmp_str(const char *a, const char *b)
{
	return draw_wire_cmp(a, strlen(a), b, strlen(b));
}

int draw_spec_exclusion_cmp(const void *a, const void *b)
{
	const struct draw_exclusion *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return cmp_str(x->id, y->id);
}

int draw_spec_conflict_cmp(const void *a, const void *b)
{
	const struct draw_conflict *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = cmp_str(x->object, y->object);
	return c != 0 ? c : cmp_str(x->person, y->person);
}

int draw_spec_rule_cmp(const void *a, const void *b)
{
	const struct draw_rule *x = a, *y = b;

	return cmp_str(x->stratum, y->stratum);
}

int draw_spec_name_cmp(const void *a, const void *b)
{
	return cmp_str(*(const char *const *)a, *(const char *const *)b);
}

static int id_ok(const char *s, size_t max)
{
	return s != NULL && draw_wire_id_ok(s, strlen(s), max);
}

static int text_ok(const char *s, size_t min)
{
	return s != NULL && strlen(s) >= min && draw_wire_text_ok(s, strlen(s), DRAW_MAX_TEXT);
}

static int check_tags(const char *stratum, const char *what, const char *const *tags, size_t n,
                      char *err, size_t cap)
{
	if (n > DRAW_MAX_RULE_TAGS) {
		draw_wire_err(err, cap, "rule %s: more than %d %s tags", stratum,
		              DRAW_MAX_RULE_TAGS, what);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!id_ok(tags[i], DRAW_MAX_NAME)) {
			draw_wire_err(err, cap,
			              "rule %s: %s tag %zu is not 1..%d printable characters",
			              stratum, what, i, DRAW_MAX_NAME);
			return SJ_EINVAL;
		}
		if (i > 0 && cmp_str(tags[i - 1], tags[i]) >= 0) {
			draw_wire_err(err, cap,
			              "rule %s: %s tag %s is not after %s (sorted, no duplicates)",
			              stratum, what, tags[i], tags[i - 1]);
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

static int check_rule(const struct draw_rule *r, char *err, size_t cap)
{
	if (!id_ok(r->stratum, DRAW_MAX_NAME)) {
		draw_wire_err(err, cap, "a rule's stratum name is not 1..%d printable characters",
		              DRAW_MAX_NAME);
		return SJ_EINVAL;
	}
	switch (r->kind) {
	case DRAW_RULE_RATIO:
		if (r->den == 0) {
			draw_wire_err(err, cap, "rule %s: the ratio's denominator is zero (R7)",
			              r->stratum);
			return SJ_EINVAL;
		}
		if (r->den > DRAW_MAX_DEN || r->num > r->den) {
			draw_wire_err(
			    err, cap,
			    "rule %s: ratio %u/%u is not 0..1 with a denominator up to %u (R7)",
			    r->stratum, r->num, r->den, DRAW_MAX_DEN);
			return SJ_EINVAL;
		}
		break;
	case DRAW_RULE_COUNT:
		if (r->den != 0 || r->num > DRAW_MAX_OBJECTS) {
			draw_wire_err(err, cap,
			              "rule %s: a fixed count has denominator 0 and is at most %u",
			              r->stratum, DRAW_MAX_OBJECTS);
			return SJ_EINVAL;
		}
		break;
	default:
		draw_wire_err(err, cap, "rule %s: unknown rule kind %d", r->stratum, (int)r->kind);
		return SJ_EINVAL;
	}
	if (r->experts > DRAW_MAX_EXPERTS) {
		draw_wire_err(err, cap, "rule %s: more than %d experts per object", r->stratum,
		              DRAW_MAX_EXPERTS);
		return SJ_EINVAL;
	}
	if (r->experts == 0 && r->n_expert_tags != 0) {
		draw_wire_err(err, cap, "rule %s: expert tags without experts", r->stratum);
		return SJ_EINVAL;
	}
	int rc = check_tags(r->stratum, "officer", r->officer_tags, r->n_officer_tags, err, cap);

	if (rc == SJ_OK)
		rc = check_tags(r->stratum, "expert", r->expert_tags, r->n_expert_tags, err, cap);
	return rc;
}

static int check_spec(const struct draw_spec *s, char *err, size_t cap)
{
	if (!id_ok(s->task, DRAW_MAX_ID)) {
		draw_wire_err(err, cap, "the task identifier is not 1..%d printable characters",
		              DRAW_MAX_ID);
		return SJ_EINVAL;
	}
	if (s->replaces != 0 && s->replaces != 1) {
		draw_wire_err(err, cap, "replaces is 0 or 1");
		return SJ_EINVAL;
	}
	if (s->replaces && !text_ok(s->replace_reason, 1)) {
		draw_wire_err(err, cap, "a substitution needs a reason of 1..%d bytes of text",
		              DRAW_MAX_TEXT);
		return SJ_EINVAL;
	}
	if (s->rounding < DRAW_ROUND_CEIL || s->rounding > DRAW_ROUND_HALF_UP) {
		draw_wire_err(err, cap, "unknown rounding rule %d", (int)s->rounding);
		return SJ_EINVAL;
	}
	if (s->team_size < DRAW_MIN_TEAM || s->team_size > DRAW_MAX_TEAM) {
		draw_wire_err(err, cap, "team size %u is not %d..%d (R11: at least two officers)",
		              s->team_size, DRAW_MIN_TEAM, DRAW_MAX_TEAM);
		return SJ_EINVAL;
	}
	if (s->slot_size < 1 || s->slot_size > 65535) {
		draw_wire_err(err, cap, "slot size %u is not 1..65535", s->slot_size);
		return SJ_EINVAL;
	}
	if (s->officer_repeat_in_slot != 0 && s->officer_repeat_in_slot != 1) {
		draw_wire_err(err, cap, "officer_repeat_in_slot is 0 or 1");
		return SJ_EINVAL;
	}
	if (s->n_team_agencies > DRAW_MAX_TEAM_AGENCIES) {
		draw_wire_err(err, cap, "a joint check names 1..%d team agencies, not %zu (R14)",
		              DRAW_MAX_TEAM_AGENCIES, s->n_team_agencies);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < s->n_team_agencies; i++) {
		if (!id_ok(s->team_agencies[i], DRAW_MAX_ID)) {
			draw_wire_err(err, cap,
			              "team agency %zu is not 1..%d printable characters (R14)", i,
			              DRAW_MAX_ID);
			return SJ_EINVAL;
		}
		if (i > 0 && cmp_str(s->team_agencies[i - 1], s->team_agencies[i]) >= 0) {
			draw_wire_err(err, cap,
			              "team agency %s is not after %s (team agencies are sorted, "
			              "no duplicates; R14)",
			              s->team_agencies[i], s->team_agencies[i - 1]);
			return SJ_EINVAL;
		}
	}
	if (s->deadline_us <= 0) {
		draw_wire_err(err, cap, "the deadline is not after the epoch");
		return SJ_EINVAL;
	}
	if (s->n_beacons < 1 || s->n_beacons > DRAW_MAX_BEACONS) {
		draw_wire_err(err, cap, "a draw names 1..%d beacon rounds, not %zu",
		              DRAW_MAX_BEACONS, s->n_beacons);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < s->n_beacons; i++) {
		if (!id_ok(s->beacons[i].source, DRAW_MAX_ID)) {
			draw_wire_err(err, cap,
			              "beacon %zu: source is not 1..%d printable characters", i,
			              DRAW_MAX_ID);
			return SJ_EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (s->beacons[j].round == s->beacons[i].round &&
			    strcmp(s->beacons[j].source, s->beacons[i].source) == 0) {
				draw_wire_err(err, cap, "beacon round %s/%llu is named twice",
				              s->beacons[i].source,
				              (unsigned long long)s->beacons[i].round);
				return SJ_EINVAL;
			}
	}
	if (s->n_rules < 1 || s->n_rules > DRAW_MAX_STRATA) {
		draw_wire_err(err, cap, "a draw has 1..%d stratum rules, not %zu", DRAW_MAX_STRATA,
		              s->n_rules);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		int rc = check_rule(&s->rules[i], err, cap);

		if (rc != SJ_OK)
			return rc;
		if (i > 0 && draw_spec_rule_cmp(&s->rules[i - 1], &s->rules[i]) >= 0) {
			draw_wire_err(err, cap,
			              "rule %s is not after rule %s (sorted, no duplicates)",
			              s->rules[i].stratum, s->rules[i - 1].stratum);
			return SJ_EINVAL;
		}
	}
	if (s->n_exclusions > DRAW_MAX_LIST || s->n_conflicts > DRAW_MAX_LIST) {
		draw_wire_err(err, cap, "more than %u exclusions or conflicts", DRAW_MAX_LIST);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < s->n_exclusions; i++) {
		const struct draw_exclusion *x = &s->exclusions[i];

		if (x->kind < DRAW_OBJECT || x->kind > DRAW_EXPERT || !id_ok(x->id, DRAW_MAX_ID)) {
			draw_wire_err(err, cap, "exclusion %zu: bad kind or identifier", i);
			return SJ_EINVAL;
		}
		if (x->reason < 1 || x->reason > DRAW_REASON_MAX ||
		    !text_ok(x->note, x->reason == DRAW_REASON_OTHER ? 1 : 0)) {
			draw_wire_err(err, cap,
			              "exclusion of %s: unknown reason %d or a bad note (reason 9, "
			              "other, needs one)",
			              x->id, (int)x->reason);
			return SJ_EINVAL;
		}
		if (i > 0 && draw_spec_exclusion_cmp(&s->exclusions[i - 1], x) >= 0) {
			draw_wire_err(err, cap, "exclusion of %s is out of order or duplicated",
			              x->id);
			return SJ_EINVAL;
		}
	}
	for (size_t i = 0; i < s->n_conflicts; i++) {
		const struct draw_conflict *c = &s->conflicts[i];

		if ((c->kind != DRAW_OFFICER && c->kind != DRAW_EXPERT) ||
		    !id_ok(c->object, DRAW_MAX_ID) || !id_ok(c->person, DRAW_MAX_ID)) {
			draw_wire_err(err, cap, "conflict %zu: bad kind or identifier", i);
			return SJ_EINVAL;
		}
		if (i > 0 && draw_spec_conflict_cmp(&s->conflicts[i - 1], c) >= 0) {
			draw_wire_err(err, cap, "conflict %s/%s is out of order or duplicated",
			              c->object, c->person);
			return SJ_EINVAL;
		}
	}
	return SJ_OK;
}

static void put_str(struct draw_wbuf *w, const char *s)
{
	draw_wire_str8(w, s, strlen(s));
}

static void put_tags(struct draw_wbuf *w, const char *const *tags, size_t n)
{
	draw_wire_u8(w, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		put_str(w, tags[i]);
}

int draw_inputs_encode(uint8_t **out, size_t *len, const struct draw_spec *s, char *err,
                       size_t err_cap)
{
	struct draw_wbuf w = {0};
	int rc = check_spec(s, err, err_cap);

	if (rc != SJ_OK)
		return rc;
	draw_wire_put(&w, MAGIC, 4);
	draw_wire_u8(&w, VERSION);
	put_str(&w, s->task);
	draw_wire_put(&w, s->object_pool, DRAW_HASH_SIZE);
	draw_wire_put(&w, s->officer_pool, DRAW_HASH_SIZE);
	draw_wire_put(&w, s->expert_pool, DRAW_HASH_SIZE);
	draw_wire_u8(&w, (unsigned)s->replaces);
	if (s->replaces) {
		draw_wire_put(&w, s->replaced_entry, DRAW_HASH_SIZE);
		put_str(&w, s->replace_reason);
	}
	draw_wire_u8(&w, s->rounding);
	draw_wire_u8(&w, s->team_size);
	draw_wire_u16(&w, s->slot_size);
	/* The flags byte was "0 or 1" before joint checks existed; bit 1 is
	 * set only when there is a list, so every earlier encoding is still
	 * exactly an encoding of the same inputs. */
	draw_wire_u8(&w, (unsigned)s->officer_repeat_in_slot |
	                     (s->n_team_agencies > 0 ? FLAG_TEAM_AGENCIES : 0u));
	if (s->n_team_agencies > 0) {
		draw_wire_u8(&w, (unsigned)s->n_team_agencies);
		for (size_t i = 0; i < s->n_team_agencies; i++)
			put_str(&w, s->team_agencies[i]);
	}
	draw_wire_u64(&w, (uint64_t)s->deadline_us);
	draw_wire_u8(&w, (unsigned)s->n_beacons);
	for (size_t i = 0; i < s->n_beacons; i++) {
		put_str(&w, s->beacons[i].source);
		draw_wire_u64(&w, s->beacons[i].round);
	}
	draw_wire_u16(&w, (unsigned)s->n_rules);
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct draw_rule *r = &s->rules[i];

		put_str(&w, r->stratum);
		draw_wire_u8(&w, r->kind);
		draw_wire_u32(&w, r->num);
		draw_wire_u32(&w, r->den);
		put_tags(&w, r->officer_tags, r->n_officer_tags);
		draw_wire_u8(&w, r->experts);
		put_tags(&w, r->expert_tags, r->n_expert_tags);
	}
	draw_wire_u32(&w, (uint32_t)s->n_exclusions);
	for (size_t i = 0; i < s->n_exclusions; i++) {
		const struct draw_exclusion *x = &s->exclusions[i];

		draw_wire_u8(&w, x->kind);
		put_str(&w, x->id);
		draw_wire_u8(&w, x->reason);
		put_str(&w, x->note);
	}
	draw_wire_u32(&w, (uint32_t)s->n_conflicts);
	for (size_t i = 0; i < s->n_conflicts; i++) {
		draw_wire_u8(&w, s->conflicts[i].kind);
		put_str(&w, s->conflicts[i].object);
		put_str(&w, s->conflicts[i].person);
	}
	if (w.oom) {
		free(w.p);
		return SJ_ENOMEM;
	}
	*out = w.p;
	*len = w.len;
	return SJ_OK;
}

/* The structural parse: bounds only, strings copied NUL-terminated into an
 * arena. Returns SJ_EINVAL when the bytes run out or a count is impossible. */
struct parser {
	struct draw_rbuf r;
	char *arena;
	size_t used, cap;
};

static int get_str(struct parser *p, const char **out)
{
	const char *s;
	size_t len;

	if (draw_wire_get_str8(&p->r, &s, &len) != SJ_OK || p->cap - p->used < len + 1)
		return SJ_EINVAL;
	char *d = p->arena + p->used;

	memcpy(d, s, len);
	d[len] = '\0';
	/* A NUL inside would end the copy early; the re-encoding then differs
	 * from the bytes and the decode is refused. */
	p->used += len + 1;
	*out = d;
	return SJ_OK;
}

static int get_hash(struct parser *p, uint8_t out[DRAW_HASH_SIZE])
{
	const uint8_t *b;

	if (draw_wire_get(&p->r, &b, DRAW_HASH_SIZE) != SJ_OK)
		return SJ_EINVAL;
	memcpy(out, b, DRAW_HASH_SIZE);
	return SJ_OK;
}

static int get_tag_list(struct parser *p, const char **ptrs, size_t *used, const char *const **out,
                        size_t *n)
{
	unsigned count;

	if (draw_wire_get_u8(&p->r, &count) != SJ_OK || count > DRAW_MAX_RULE_TAGS)
		return SJ_EINVAL;
	*out = ptrs + *used;
	for (unsigned i = 0; i < count; i++)
		if (get_str(p, &ptrs[(*used)++]) != SJ_OK)
			return SJ_EINVAL;
	*n = count;
	return SJ_OK;
}

static int parse(struct draw_inputs *in, struct parser *p)
{
	struct draw_spec *s = &in->spec;
	const uint8_t *magic;
	unsigned u, nb, nr;
	uint32_t n;
	uint64_t v;
	size_t tags_used = 0;

	if (draw_wire_get(&p->r, &magic, 4) != SJ_OK || memcmp(magic, MAGIC, 4) != 0 ||
	    draw_wire_get_u8(&p->r, &u) != SJ_OK || u != VERSION)
		return SJ_EINVAL;
	if (get_str(p, &s->task) != SJ_OK || get_hash(p, s->object_pool) != SJ_OK ||
	    get_hash(p, s->officer_pool) != SJ_OK || get_hash(p, s->expert_pool) != SJ_OK ||
	    draw_wire_get_u8(&p->r, &u) != SJ_OK)
		return SJ_EINVAL;
	s->replaces = (int)u;
	if (u == 1 &&
	    (get_hash(p, s->replaced_entry) != SJ_OK || get_str(p, &s->replace_reason) != SJ_OK))
		return SJ_EINVAL;
	if (draw_wire_get_u8(&p->r, &u) != SJ_OK)
		return SJ_EINVAL;
	s->rounding = (enum draw_rounding)u;
	if (draw_wire_get_u8(&p->r, &s->team_size) != SJ_OK ||
	    draw_wire_get_u16(&p->r, &s->slot_size) != SJ_OK ||
	    draw_wire_get_u8(&p->r, &u) != SJ_OK)
		return SJ_EINVAL;
	/* Unknown flag bits are dropped here, so the re-encoding differs
	 * from the bytes and the decode is refused as not canonical. */
	s->officer_repeat_in_slot = (int)(u & FLAG_REPEAT_IN_SLOT);
	if (u & FLAG_TEAM_AGENCIES) {
		unsigned na;

		if (draw_wire_get_u8(&p->r, &na) != SJ_OK || na > DRAW_MAX_TEAM_AGENCIES)
			return SJ_EINVAL;
		s->team_agencies = in->agency_ptrs;
		s->n_team_agencies = na;
		for (unsigned i = 0; i < na; i++)
			if (get_str(p, &in->agency_ptrs[i]) != SJ_OK)
				return SJ_EINVAL;
	}
	if (draw_wire_get_u64(&p->r, &v) != SJ_OK)
		return SJ_EINVAL;
	s->deadline_us = (int64_t)v;
	if (draw_wire_get_u8(&p->r, &nb) != SJ_OK || nb > DRAW_MAX_BEACONS)
		return SJ_EINVAL;
	s->beacons = in->beacons;
	s->n_beacons = nb;
	for (unsigned i = 0; i < nb; i++)
		if (get_str(p, &in->beacons[i].source) != SJ_OK ||
		    draw_wire_get_u64(&p->r, &in->beacons[i].round) != SJ_OK)
			return SJ_EINVAL;
	if (draw_wire_get_u16(&p->r, &nr) != SJ_OK || nr > DRAW_MAX_STRATA)
		return SJ_EINVAL;
	s->rules = in->rules;
	s->n_rules = nr;
	for (unsigned i = 0; i < nr; i++) {
		struct draw_rule *r = &in->rules[i];

		if (get_str(p, &r->stratum) != SJ_OK || draw_wire_get_u8(&p->r, &u) != SJ_OK ||
		    draw_wire_get_u32(&p->r, &r->num) != SJ_OK ||
		    draw_wire_get_u32(&p->r, &r->den) != SJ_OK ||
		    get_tag_list(p, in->tag_ptrs, &tags_used, &r->officer_tags,
		                 &r->n_officer_tags) != SJ_OK ||
		    draw_wire_get_u8(&p->r, &r->experts) != SJ_OK ||
		    get_tag_list(p, in->tag_ptrs, &tags_used, &r->expert_tags, &r->n_expert_tags) !=
		        SJ_OK)
			return SJ_EINVAL;
		r->kind = (enum draw_rule_kind)u;
	}
	/* Every exclusion and conflict takes at least five bytes, so the
	 * counts are bounded by what is left before anything is allocated. */
	if (draw_wire_get_u32(&p->r, &n) != SJ_OK || n > (p->r.len - p->r.off) / 5)
		return SJ_EINVAL;
	in->exclusions = calloc(n ? n : 1, sizeof *in->exclusions);
	if (in->exclusions == NULL)
		return SJ_ENOMEM;
	s->exclusions = in->exclusions;
	s->n_exclusions = n;
	for (uint32_t i = 0; i < n; i++) {
		struct draw_exclusion *x = &in->exclusions[i];
		unsigned kind, reason;

		if (draw_wire_get_u8(&p->r, &kind) != SJ_OK || get_str(p, &x->id) != SJ_OK ||
		    draw_wire_get_u8(&p->r, &reason) != SJ_OK || get_str(p, &x->note) != SJ_OK)
			return SJ_EINVAL;
		x->kind = (enum draw_kind)kind;
		x->reason = (enum draw_reason)reason;
	}
	if (draw_wire_get_u32(&p->r, &n) != SJ_OK || n > (p->r.len - p->r.off) / 5)
		return SJ_EINVAL;
	in->conflicts = calloc(n ? n : 1, sizeof *in->conflicts);
	if (in->conflicts == NULL)
		return SJ_ENOMEM;
	s->conflicts = in->conflicts;
	s->n_conflicts = n;
	for (uint32_t i = 0; i < n; i++) {
		struct draw_conflict *c = &in->conflicts[i];

		if (draw_wire_get_u8(&p->r, &u) != SJ_OK || get_str(p, &c->object) != SJ_OK ||
		    get_str(p, &c->person) != SJ_OK)
			return SJ_EINVAL;
		c->kind = (enum draw_kind)u;
	}
	return p->r.off == p->r.len ? SJ_OK : SJ_EINVAL;
}

int draw_inputs_decode(struct draw_inputs **out, const uint8_t *bytes, size_t len, char *err,
                       size_t err_cap)
{
	struct draw_inputs *in;
	struct parser p = {{bytes, len, 0}, NULL, 0, 0};
	uint8_t *again = NULL;
	size_t again_len;
	int rc;

	if (len > DRAW_MAX_INPUTS_BYTES) {
		draw_wire_err(err, err_cap, "draw inputs of %zu bytes are above the cap", len);
		return SJ_ERANGE;
	}
	in = calloc(1, sizeof *in);
	if (in == NULL)
		return SJ_ENOMEM;
	/* Each string costs at least its length byte in the encoding and its
	 * NUL in the arena, so len + 1 bytes hold every copy. */
	p.cap = len + 1;
	p.arena = in->strings = malloc(p.cap);
	in->bytes = malloc(len ? len : 1);
	in->beacons = calloc(DRAW_MAX_BEACONS, sizeof *in->beacons);
	in->rules = calloc(DRAW_MAX_STRATA, sizeof *in->rules);
	in->tag_ptrs = calloc((size_t)DRAW_MAX_STRATA * 2 * DRAW_MAX_RULE_TAGS, sizeof(char *));
	in->agency_ptrs = calloc(DRAW_MAX_TEAM_AGENCIES, sizeof(char *));
	if (in->strings == NULL || in->bytes == NULL || in->beacons == NULL || in->rules == NULL ||
	    in->tag_ptrs == NULL || in->agency_ptrs == NULL) {
		rc = SJ_ENOMEM;
		goto out_free;
	}
	rc = parse(in, &p);
	if (rc == SJ_EINVAL)
		draw_wire_err(err, err_cap, "draw inputs: truncated or malformed at byte %zu",
		              p.r.off);
	if (rc != SJ_OK)
		goto out_free;
	rc = draw_inputs_encode(&again, &again_len, &in->spec, err, err_cap);
	if (rc != SJ_OK)
		goto out_free;
	if (again_len != len || memcmp(again, bytes, len) != 0) {
		draw_wire_err(err, err_cap, "draw inputs are not in canonical form");
		rc = SJ_EINVAL;
		goto out_again;
	}
	free(again);
	memcpy(in->bytes, bytes, len);
	in->len = len;
	draw_wire_tagged(in->hash, HASH_TAG, bytes, len);
	*out = in;
	return SJ_OK;

out_again:
	free(again);
out_free:
	draw_inputs_free(in);
	return rc;
}

void draw_inputs_free(struct draw_inputs *in)
{
	if (in == NULL)
		return;
	free(in->bytes);
	free(in->strings);
	free(in->beacons);
	free(in->rules);
	free(in->tag_ptrs);
	free(in->agency_ptrs);
	free(in->exclusions);
	free(in->conflicts);
	free(in);
}

const struct draw_spec *draw_inputs_spec(const struct draw_inputs *in)
{
	return &in->spec;
}

const uint8_t *draw_inputs_bytes(const struct draw_inputs *in, size_t *len)
{
	*len = in->len;
	return in->bytes;
}

const uint8_t *draw_inputs_hash(const struct draw_inputs *in)
{
	return in->hash;
}

static const char *const reason_names[DRAW_REASON_MAX + 1] = {
	[DRAW_REASON_DEREGISTERED] = "deregistered", [DRAW_REASON_ANNUAL_CAP] = "annual-cap",
	[DRAW_REASON_SUPERIOR] = "superior",         [DRAW_REASON_OTHER_UNIT] = "other-unit",
	[DRAW_REASON_HANDLED] = "handled",           [DRAW_REASON_ALREADY_DRAWN] = "already-drawn",
	[DRAW_REASON_REPLACED] = "replaced",         [DRAW_REASON_UNAVAILABLE] = "unavailable",
	[DRAW_REASON_OTHER] = "other",
};

const char *draw_reason_name(unsigned reason)
{
	return reason <= DRAW_REASON_MAX ? reason_names[reason] : NULL;
}

int draw_reason_parse(enum draw_reason *out, const char *name)
{
	for (unsigned r = 1; name && r <= DRAW_REASON_MAX; r++)
		if (strcmp(reason_names[r], name) == 0) {
			*out = (enum draw_reason)r;
			return SJ_OK;
		}
	return SJ_ENOENT;
}
