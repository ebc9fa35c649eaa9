/*
 * draws.c: beacon sources and the three entries of a draw (draws.h).
 *
 * The state is two append-only arrays, sources and requests, each element
 * remembering the entry that made it, so a rolled-back batch truncates
 * them. A request keeps its decoded inputs and pools from its request entry
 * to its reveal, when the draw is re-derived and compared with the stored
 * result; after the reveal has settled they are freed.
 */
#include "rules/draws.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"
#include "rules/chains.h"
#include "rules/pubvalues.h"
#include "rules/rules.h"

#include "beacon/manual.h"
#include "beacon/value.h"
#include "draw/derive.h"
#include "draw/result.h"
#include "proto/draw.pb-c.h"

#define DRAWS_MAX_ID 64
/* Why drand sources are refused (R6): a revealer could forge their rounds. */
#define DRAWS_NO_DRAND                                                                             \
	"R6: drand rounds are refused as a source of draws: their BLS12-381 signatures "           \
	"cannot be verified by suiji, so whoever reveals a draw could forge a round and "          \
	"its randomness"

struct draws_src {
	char id[DRAWS_MAX_ID + 1];
	int manual;
	struct beacon_chain chain;
	int64_t margin_us;
	char *url;
	uint64_t seq;
};

struct draws_req {
	uint64_t seq;
	char agency[ENTRY_MAX_AGENCY + 1];
	char request_id[DRAWS_MAX_ID + 1];
	char task[DRAWS_MAX_ID + 1];
	int64_t time_us, deadline_us;
	struct draw_inputs *in;
	struct draw_objects *objects;
	struct draw_people *officers, *experts;
	uint64_t commit_seq; /* UINT64_MAX until committed */
	int64_t commit_time_us;
	uint8_t commitment[32];
	uint8_t commit_hash[32];
	uint64_t reveal_seq; /* UINT64_MAX until revealed */
	unsigned unchecked_bls;
	int replaces;         /* a substitution (补抽) ... */
	uint8_t replaced[32]; /* ... of the commitment with this entry hash */
	int64_t public_us; /* draws_info.public_us, set with reveal_seq */
};

struct draws {
	struct draws_src *src;
	size_t nsrc, csrc;
	struct draws_req *req;
	size_t nreq, creq;
	draws_observer_fn observer;
	void *observer_ctx;
	draws_hook_fn hook;
	void *hook_ctx;
	const struct pubvalues *pv;
	struct chains *chains; /* the chained rounds reveals used */
};

void draws_set_pubvalues(struct draws *d, const struct pubvalues *pv)
{
	d->pv = pv;
}

void draws_set_hook(struct draws *d, draws_hook_fn fn, void *ctx)
{
	d->hook = fn;
	d->hook_ctx = ctx;
}

void draws_pools(const struct draws *d, size_t i, const struct draw_objects **objects,
                 const struct draw_people **officers, const struct draw_people **experts)
{
	*objects = d->req[i].objects;
	*officers = d->req[i].officers;
	*experts = d->req[i].experts;
}

void draws_set_observer(struct draws *d, draws_observer_fn fn, void *ctx)
{
	d->observer = fn;
	d->observer_ctx = ctx;
}

int draws_new(struct draws **out)
{
	*out = calloc(1, sizeof **out);
	if (*out == NULL)
		return SJ_ENOMEM;
	if (chains_new(&(*out)->chains) != SJ_OK) {
		free(*out);
		*out = NULL;
		return SJ_ENOMEM;
	}
	return SJ_OK;
}

static void req_release(struct draws_req *q)
{
	draw_inputs_free(q->in);
	draw_objects_free(q->objects);
	draw_people_free(q->officers);
	draw_people_free(q->experts);
	q->in = NULL;
	q->objects = NULL;
	q->officers = q->experts = NULL;
}

void draws_free(struct draws *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nreq; i++)
		req_release(&d->req[i]);
	for (size_t i = 0; i < d->nsrc; i++)
		free(d->src[i].url);
	free(d->req);
	free(d->src);
	chains_free(d->chains);
	free(d);
}

/* An identifier of docs/draw-spec.md section 1: 1..64 printable ASCII bytes
 * without space. */
static int is_identifier(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > DRAWS_MAX_ID)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

static const struct draws_src *find_src(const struct draws *d, const char *id)
{
	for (size_t i = 0; i < d->nsrc; i++)
		if (strcmp(d->src[i].id, id) == 0)
			return &d->src[i];
	return NULL;
}

static struct draws_req *find_req(const struct draws *d, uint64_t seq)
{
	/* Requests are in ledger order: binary search by sequence number. */
	size_t lo = 0, hi = d->nreq;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->req[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->nreq && d->req[lo].seq == seq ? &d->req[lo] : NULL;
}

int draws_beacon_add(struct draws *d, const struct entry *e, int by_admin, char *err,
                     size_t err_cap)
{
	Suiji__BeaconAdd *m = NULL;
	struct draws_src s;
	char why[256];
	int rc = SJ_OK;

	memset(&s, 0, sizeof s);
	if (!by_admin) {
		rc =
		    rules_fail(err, err_cap,
		               "only the log operator or an administrator may add a beacon source");
		goto out;
	}
	pbuf_reset();
	m = suiji__beacon_add__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL && pbuf_failed()) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if (m == NULL) {
		rc = rules_fail(err, err_cap,
		                "beacon-add payload does not decode as suiji.BeaconAdd");
		goto out;
	}
	if (!is_identifier(m->id)) {
		rc = rules_fail(
		    err, err_cap,
		    "beacon source id \"%s\" is not an identifier (1..64 printable ASCII bytes "
		    "without space)",
		    m->id);
		goto out;
	}
	if (find_src(d, m->id)) {
		rc = rules_fail(err, err_cap, "beacon source %s is registered already", m->id);
		goto out;
	}
	if (m->margin_us < 0 || m->margin_us > (int64_t)86400 * 1000000) {
		rc =
		    rules_fail(err, err_cap, "beacon source %s: margin %lld us is outside 0..1 day",
		               m->id, (long long)m->margin_us);
		goto out;
	}
	if (m->chain[0] == '\0') {
		s.manual = 1;
	} else if (beacon_chain_parse(&s.chain, m->chain, strlen(m->chain), why, sizeof why) !=
	           SJ_OK) {
		rc = rules_fail(err, err_cap, "beacon source %s: chain info: %s", m->id, why);
		goto out;
	}
	if (!s.manual && s.chain.kind != BEACON_KIND_SUIJI) {
		rc = rules_fail(err, err_cap, "beacon source %s: %s", m->id, DRAWS_NO_DRAND);
		goto out;
	}
	if ((rc = util_grow((void **)&d->src, &d->csrc, d->nsrc, sizeof *d->src)) != SJ_OK)
		goto out;
	snprintf(s.id, sizeof s.id, "%s", m->id);
	s.margin_us = m->margin_us;
	s.seq = e->seq;
	s.url = strdup(m->url);
	if (s.url == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	d->src[d->nsrc++] = s;
out:
	suiji__beacon_add__free_unpacked(m, NULL);
	return rc;
}

static int request_take(struct draws_request_msg *m, const struct entry *e);

/* R6: every source a draw names is registered and each of its values is
 * checkable against a key the ledger holds: a suiji-beacon chain, or
 * public values signed by a registered signer; never drand. */
static int sources_unforgeable(const struct draws *d, const struct draw_spec *sp, char *err,
                               size_t err_cap)
{
	for (size_t i = 0; i < sp->n_beacons; i++) {
		const struct draws_src *s = find_src(d, sp->beacons[i].source);
		if (s == NULL)
			return rules_fail(err, err_cap,
			                  "beacon source %s is not registered in the ledger",
			                  sp->beacons[i].source);
		if (!s->manual && s->chain.kind != BEACON_KIND_SUIJI)
			return rules_fail(err, err_cap, "beacon source %s: %s", s->id,
			                  DRAWS_NO_DRAND);
	}
	return SJ_OK;
}
static void request_refused(const char *err);

/* The rules every draw request keeps, and its record in d when it keeps
 * them: q takes m's decoded parts (the caller releases q on failure) and
 * passes to d->req (zeroed here) on success. whole_ledger adds the checks
 * that ask about the whole ledger (a reused request id, a substitution's
 * commitment) and the staffing check; a re-derivation of one draw out of
 * context leaves those out. */
static int request_add(struct draws *d, const struct entry *e, struct draws_req *q,
                       const struct draws_request_msg *m, int whole_ledger, char *err,
                       size_t err_cap)
{
	const struct draw_spec *sp = draw_inputs_spec(m->in);
	char why[512];
	int rc;

	q->in = m->in;
	q->objects = m->objects;
	q->officers = m->officers;
	q->experts = m->experts;
	for (size_t i = 0; whole_ledger && i < d->nreq; i++)
		if (strcmp(d->req[i].request_id, m->request_id) == 0 &&
		    strlen(d->req[i].agency) == e->agency_len &&
		    memcmp(d->req[i].agency, e->agency, e->agency_len) == 0)
			return rules_fail(err, err_cap,
			                  "request id %s was used already by entry %llu",
			                  m->request_id, (unsigned long long)d->req[i].seq);
	if (sp->deadline_us <= e->time_us)
		return rules_fail(err, err_cap, "the deadline is not after the request");
	if ((rc = sources_unforgeable(d, sp, err, err_cap)) != SJ_OK)
		return rc;
	if (whole_ledger && sp->replaces) {
		int found = 0;
		for (size_t i = 0; i < d->nreq && !found; i++)
			found = d->req[i].commit_seq != UINT64_MAX &&
			        sodium_memcmp(d->req[i].commit_hash, sp->replaced_entry, 32) == 0;
		if (!found)
			return rules_fail(
			    err, err_cap,
			    "the substitution (补抽) names a commitment that is not in the ledger");
	}
	/* R11-R13: staffing is decided now, before any randomness exists. */
	if (whole_ledger && !m->feasible &&
	    draw_derive_check(q->in, q->objects, q->officers, q->experts, why, sizeof why) != SJ_OK)
		return rules_fail(err, err_cap, "%s", why);
	if ((rc = util_grow((void **)&d->req, &d->creq, d->nreq, sizeof *d->req)) != SJ_OK)
		return rc;
	q->seq = e->seq;
	memcpy(q->agency, e->agency, e->agency_len);
	q->agency[e->agency_len] = '\0';
	snprintf(q->request_id, sizeof q->request_id, "%s", m->request_id);
	q->time_us = e->time_us;
	q->deadline_us = sp->deadline_us;
	snprintf(q->task, sizeof q->task, "%s", sp->task);
	q->commit_seq = q->reveal_seq = UINT64_MAX;
	q->replaces = sp->replaces;
	if (sp->replaces)
		memcpy(q->replaced, sp->replaced_entry, 32);
	d->req[d->nreq++] = *q;
	memset(q, 0, sizeof *q); /* now owned by the array */
	return SJ_OK;
}

int draws_request(struct draws *d, const struct entry *e, int actor_is_operator, char *err,
                  size_t err_cap)
{
	struct draws_request_msg m;
	struct draws_req q;
	int rc = SJ_OK, taken = 0;

	memset(&q, 0, sizeof q);
	memset(&m, 0, sizeof m);
	/* Decoded once: by the daemon's front door when it handed the value
	 * over, otherwise here. */
	taken = request_take(&m, e);
	if (!actor_is_operator) {
		draws_request_msg_fini(&m);
		{
			rc = rules_fail(err, err_cap,
			                "only an operator of the agency or the log operator may "
			                "request a draw (R6)");
			goto out;
		}
	}
	if (!taken) {
		rc = draws_request_decode(&m, e->payload, e->payload_len, err, err_cap);
		if (rc != SJ_OK) {
			rc = rc == SJ_EINVAL ? SJ_EVERIFY : rc;
			goto out;
		}
	}
	rc = request_add(d, e, &q, &m, 1, err, err_cap);
out:
	if (rc != SJ_OK)
		req_release(&q);
	if (rc != SJ_OK && taken)
		request_refused(err);
	return rc;
}

int draws_commit(struct draws *d, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
                 char *err, size_t err_cap)
{
	Suiji__DrawCommit *m = NULL;
	struct draws_req *q;
	const struct draw_spec *sp;
	int rc = SJ_OK;

	if (e->sig != NULL) {
		rc = rules_fail(err, err_cap,
		                "a draw commitment is written by the log, not a client");
		goto out;
	}
	pbuf_reset();
	m = suiji__draw_commit__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL && pbuf_failed()) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if (m == NULL) {
		rc = rules_fail(err, err_cap,
		                "draw-commit payload does not decode as suiji.DrawCommit");
		goto out;
	}
	q = find_req(d, m->request_seq);
	if (q == NULL) {
		rc = rules_fail(err, err_cap, "names entry %llu, which is not a draw request",
		                (unsigned long long)m->request_seq);
		goto out;
	}
	if (q->commit_seq != UINT64_MAX) {
		rc = rules_fail(
		    err, err_cap, "draw request %llu was committed already by entry %llu",
		    (unsigned long long)m->request_seq, (unsigned long long)q->commit_seq);
		goto out;
	}
	if (m->commitment.len != 32) {
		rc = rules_fail(err, err_cap, "the seed commitment is %zu bytes, not 32",
		                m->commitment.len);
		goto out;
	}
	sp = draw_inputs_spec(q->in);
	if (e->time_us >= sp->deadline_us) {
		rc = rules_fail(err, err_cap, "committed at or after the request's deadline");
		goto out;
	}
	/* Every named round must still be in the future, margin included:
	 * otherwise the seed could be chosen knowing the beacon. */
	for (size_t i = 0; i < sp->n_beacons; i++) {
		const struct draws_src *s = find_src(d, sp->beacons[i].source);
		int64_t t;
		if (s->manual)
			continue;
		if (beacon_round_time(&t, &s->chain, sp->beacons[i].round) != SJ_OK) {
			rc = rules_fail(err, err_cap, "round %llu of beacon %s has no due time",
			                (unsigned long long)sp->beacons[i].round, s->id);
			goto out;
		}
		if (t * 1000000 <= e->time_us + s->margin_us) {
			rc = rules_fail(
			    err, err_cap,
			    "round %llu of beacon %s is due at %lld, not after the commitment "
			    "time plus its margin of %lld us",
			    (unsigned long long)sp->beacons[i].round, s->id, (long long)t,
			    (long long)s->margin_us);
			goto out;
		}
	}
	q->commit_seq = e->seq;
	q->commit_time_us = e->time_us;
	memcpy(q->commitment, m->commitment.data, 32);
	memcpy(q->commit_hash, hash, 32);
out:
	suiji__draw_commit__free_unpacked(m, NULL);
	return rc;
}

/* The public values a reveal of q must use for source s: those of the
 * first public-values entry for s whose signer was registered before the
 * commitment and whose time is after the commitment plus the margin
 * (pubvalues.h); NULL when the ledger holds none. */
static const char *signed_values(const struct draws *d, const struct draws_req *q,
                                 const struct draws_src *s, uint64_t *seq)
{
	if (d->pv == NULL)
		return NULL;
	return pubvalues_first(d->pv, s->id, q->commit_seq, q->commit_time_us + s->margin_us,
	                       INT64_MAX, seq);
}

/* Verifies the beacon value for reference i of q's inputs from doc; a
 * chained round is parsed into *r (r->round 0 otherwise). */
static int reveal_beacon(const struct draws *d, struct draws_req *q, size_t i, const char *doc,
                         int64_t reveal_us, struct beacon_value *v, struct beacon_round *r,
                         char *err, size_t err_cap)
{
	const struct draw_spec *sp = draw_inputs_spec(q->in);
	const struct draws_src *s = find_src(d, sp->beacons[i].source);
	const char *want;
	uint64_t vseq = 0;
	char why[512];
	int rc = SJ_OK;

	r->round = 0;
	if (s->manual) {
		want = signed_values(d, q, s, &vseq);
		if (want == NULL) {
			rc = rules_fail(
			    err, err_cap,
			    "R6: beacon %s: no public-values entry, signed by a signer registered "
			    "before the commitment at entry %llu, gives values drawn after the "
			    "commitment plus the margin; values typed in at reveal are refused",
			    s->id, (unsigned long long)q->commit_seq);
			goto out;
		}
		if (strcmp(doc, want) != 0) {
			rc = rules_fail(
			    err, err_cap,
			    "R6: beacon %s: the reveal's public values are not those of the signed "
			    "public-values entry %llu, the first the draw may use; values typed in "
			    "at reveal are refused",
			    s->id, (unsigned long long)vseq);
			goto out;
		}
		if (manual_value(v, NULL, 0, NULL, doc, strlen(doc), why, sizeof why) != SJ_OK) {
			rc =
			    rules_fail(err, err_cap, "public values for beacon %s: %s", s->id, why);
			goto out;
		}
	} else {
		if (beacon_round_parse(r, doc, strlen(doc), why, sizeof why) != SJ_OK) {
			rc = rules_fail(err, err_cap, "round document for beacon %s: %s", s->id,
			                why);
			goto out;
		}
		if (r->round != sp->beacons[i].round) {
			rc = rules_fail(
			    err, err_cap,
			    "beacon %s: the inputs name round %llu, the reveal gives round %llu",
			    s->id, (unsigned long long)sp->beacons[i].round,
			    (unsigned long long)r->round);
			goto out;
		}
		if (beacon_round_verify(v, &s->chain, r, NULL, INT64_MAX, why, sizeof why) !=
		    SJ_OK) {
			rc = rules_fail(err, err_cap, "R6: beacon %s round %llu: %s", s->id,
			                (unsigned long long)r->round, why);
			goto out;
		}
		if (v->check != BEACON_CHECK_SIGNED) {
			rc = rules_fail(err, err_cap, "beacon %s: %s", s->id, DRAWS_NO_DRAND);
			goto out;
		}
		if ((rc = chains_check(d->chains, s->id, r, err, err_cap)) != SJ_OK)
			goto out;
	}
	if (beacon_round_usable(v, q->commit_time_us, s->margin_us, why, sizeof why) != SJ_OK) {
		rc = rules_fail(err, err_cap, "beacon %s: %s", s->id, why);
		goto out;
	}
	/* A round revealed before it was due was known early: the beacon was
	 * not public when the daemon used it. */
	if (v->time_us > reveal_us) {
		rc = rules_fail(
		    err, err_cap,
		    "beacon %s: round %llu is due at %lld us, after the reveal at %lld us", s->id,
		    (unsigned long long)v->round, (long long)v->time_us, (long long)reveal_us);
		goto out;
	}
out:
	return rc;
}

/* Keeps the chained rounds of a reveal (entry seq) for chains_check. */
static int remember_rounds(struct draws *d, const struct draw_spec *sp,
                           const struct beacon_round *rounds, uint64_t seq)
{
	int rc = SJ_OK;
	for (size_t i = 0; i < sp->n_beacons && rc == SJ_OK; i++)
		if (rounds[i].round != 0)
			rc = chains_add(d->chains, sp->beacons[i].source, &rounds[i], seq);
	return rc;
}

int draws_reveal(struct draws *d, const struct entry *e, char *err, size_t err_cap)
{
	Suiji__DrawReveal *m = NULL;
	struct draws_req *q = NULL;
	const struct draw_spec *sp;
	struct beacon_value v[DRAW_MAX_BEACONS];
	struct draw_beacon_value bv[DRAW_MAX_BEACONS];
	struct beacon_round rounds[DRAW_MAX_BEACONS];
	struct draw_result *res = NULL;
	uint8_t r[32], *bytes = NULL;
	size_t blen, seen_before = chains_count(d->chains);
	unsigned bls_before = 0;
	char why[512];
	int rc = SJ_OK;

	if (e->sig != NULL) {
		rc = rules_fail(err, err_cap, "a draw reveal is written by the log, not a client");
		goto out;
	}
	pbuf_reset();
	m = suiji__draw_reveal__unpack(&pbuf_allocator, e->payload_len, e->payload);
	if (m == NULL && pbuf_failed()) {
		rc = SJ_ENOMEM;
		goto out;
	}
	if (m == NULL) {
		rc = rules_fail(err, err_cap,
		                "draw-reveal payload does not decode as suiji.DrawReveal");
		goto out;
	}
	for (size_t i = 0; i < d->nreq && q == NULL; i++)
		if (d->req[i].commit_seq == m->commit_seq)
			q = &d->req[i];
	if (q == NULL) {
		rc = rules_fail(err, err_cap, "names entry %llu, which is not a draw commitment",
		                (unsigned long long)m->commit_seq);
		goto out;
	}
	bls_before = q->unchecked_bls;
	if (q->reveal_seq != UINT64_MAX) {
		rc = rules_fail(
		    err, err_cap,
		    "the draw committed at entry %llu was revealed already by entry %llu",
		    (unsigned long long)m->commit_seq, (unsigned long long)q->reveal_seq);
		goto out;
	}
	sp = draw_inputs_spec(q->in);
	if (e->time_us > q->deadline_us) {
		rc = rules_fail(
		    err, err_cap,
		    "revealed after the deadline: the commitment at entry %llu was abandoned",
		    (unsigned long long)m->commit_seq);
		goto out;
	}
	if (m->seed.len != DRAW_SEED_SIZE ||
	    draw_derive_check_seed(q->commitment, m->seed.data) != SJ_OK) {
		rc = rules_fail(err, err_cap,
		                "the revealed seed does not open the commitment of entry %llu",
		                (unsigned long long)m->commit_seq);
		goto out;
	}
	if (m->n_rounds != sp->n_beacons) {
		rc = rules_fail(err, err_cap,
		                "the inputs name %zu beacon rounds, the reveal gives %zu",
		                sp->n_beacons, m->n_rounds);
		goto out;
	}
	for (size_t i = 0; i < sp->n_beacons; i++) {
		if ((rc = reveal_beacon(d, q, i, m->rounds[i], e->time_us, &v[i], &rounds[i], err,
		                        err_cap)) != SJ_OK)
			goto out;
		bv[i].value = v[i].value;
		bv[i].len = BEACON_VALUE_SIZE;
	}
	if (draw_derive_randomness(r, m->seed.data, q->commit_hash, q->in, bv, sp->n_beacons, why,
	                           sizeof why) != SJ_OK ||
	    draw_derive_run(&res, q->in, q->objects, q->officers, q->experts, r, why, sizeof why) !=
	        SJ_OK) {
		rc = rules_fail(err, err_cap, "the draw cannot be derived: %s", why);
		goto out;
	}
	if ((rc = draw_result_encode(&bytes, &blen, res)) != SJ_OK)
		goto out;
	if (blen != m->result.len || memcmp(bytes, m->result.data, blen) != 0) {
		rc = rules_fail(
		    err, err_cap,
		    "the stored result is not the one the seed, the beacon rounds and the "
		    "committed inputs give (R6: the draw was not random as committed)");
		goto out;
	}
	if ((rc = remember_rounds(d, sp, rounds, e->seq)) != SJ_OK)
		goto out;
	q->reveal_seq = e->seq;
	q->public_us = INT64_MAX;
	for (size_t i = 0; i < sp->n_beacons; i++)
		if (v[i].time_us < q->public_us)
			q->public_us = v[i].time_us;
	if (d->observer || d->hook) {
		struct draws_observed o = {.request_seq = q->seq,
		                           .commit_seq = q->commit_seq,
		                           .reveal_seq = e->seq,
		                           .agency = q->agency,
		                           .request_id = q->request_id,
		                           .task = q->task,
		                           .in = q->in,
		                           .objects = q->objects,
		                           .officers = q->officers,
		                           .experts = q->experts,
		                           .seed = m->seed.data,
		                           .commit_hash = q->commit_hash,
		                           .randomness = r,
		                           .beacons = v,
		                           .n_beacons = sp->n_beacons,
		                           .result = res,
		                           .result_bytes = bytes,
		                           .result_len = blen};
		if (d->hook && (rc = d->hook(d->hook_ctx, &o)) != SJ_OK) {
			q->reveal_seq = UINT64_MAX;
			goto out;
		}
		if (d->observer)
			d->observer(d->observer_ctx, &o);
	}
out:
	if (rc != SJ_OK && q)
		q->unchecked_bls = bls_before;
	if (rc != SJ_OK)
		chains_truncate(d->chains, seen_before);
	free(bytes);
	draw_result_free(res);
	sodium_memzero(r, sizeof r);
	suiji__draw_reveal__free_unpacked(m, NULL);
	return rc;
}

void draws_rollback(struct draws *d, uint64_t seq)
{
	chains_rollback(d->chains, seq);
	while (d->nsrc && d->src[d->nsrc - 1].seq >= seq)
		free(d->src[--d->nsrc].url);
	while (d->nreq && d->req[d->nreq - 1].seq >= seq)
		req_release(&d->req[--d->nreq]);
	for (size_t i = 0; i < d->nreq; i++) {
		struct draws_req *q = &d->req[i];
		if (q->reveal_seq != UINT64_MAX && q->reveal_seq >= seq)
			q->reveal_seq = UINT64_MAX;
		if (q->commit_seq != UINT64_MAX && q->commit_seq >= seq)
			q->commit_seq = UINT64_MAX;
	}
}

void draws_settle(struct draws *d)
{
	for (size_t i = 0; i < d->nreq; i++)
		if (d->req[i].reveal_seq != UINT64_MAX && d->req[i].in != NULL)
			req_release(&d->req[i]);
}

size_t draws_count(const struct draws *d)
{
	return d->nreq;
}

void draws_get(const struct draws *d, size_t i, struct draws_info *o)
{
	const struct draws_req *q = &d->req[i];
	memset(o, 0, sizeof *o);
	o->request_seq = q->seq;
	o->agency = q->agency;
	o->request_id = q->request_id;
	o->request_time_us = q->time_us;
	o->deadline_us = q->deadline_us;
	o->task = q->task;
	o->committed = q->commit_seq != UINT64_MAX;
	o->commit_seq = q->commit_seq;
	o->commit_time_us = q->commit_time_us;
	memcpy(o->commitment, q->commitment, 32);
	memcpy(o->commit_hash, q->commit_hash, 32);
	o->revealed = q->reveal_seq != UINT64_MAX;
	o->reveal_seq = q->reveal_seq;
	o->unchecked_bls = q->unchecked_bls;
	o->public_us = q->public_us;
	o->replaces = q->replaces;
	memcpy(o->replaced, q->replaced, 32);
}

const char *draws_signed_values(const struct draws *d, size_t i, const char *source, uint64_t *seq)
{
	const struct draws_src *s = find_src(d, source);
	if (s == NULL || !s->manual || d->req[i].commit_seq == UINT64_MAX)
		return NULL;
	return signed_values(d, &d->req[i], s, seq);
}

const struct chains *draws_chains(const struct draws *d)
{
	return d->chains;
}

int draws_find(const struct draws *d, uint64_t request_seq, size_t *index)
{
	const struct draws_req *q = find_req(d, request_seq);
	if (q == NULL)
		return SJ_ENOENT;
	*index = (size_t)(q - d->req);
	return SJ_OK;
}

const struct draw_inputs *draws_inputs(const struct draws *d, size_t i)
{
	return d->req[i].in;
}

int draws_derive(const struct draws *d, size_t i, const uint8_t r[32], struct draw_result **out,
                 char *err, size_t err_cap)
{
	const struct draws_req *q = &d->req[i];
	if (q->in == NULL) {
		snprintf(err, err_cap, "the draw's pools are no longer held");
		return SJ_ENOENT;
	}
	return draw_derive_run(out, q->in, q->objects, q->officers, q->experts, r, err, err_cap);
}

int draws_source(const struct draws *d, const char *id, const struct beacon_chain **chain,
                 int *manual, int64_t *margin_us, const char **url)
{
	const struct draws_src *s = find_src(d, id);
	if (s == NULL)
		return SJ_ENOENT;
	*chain = &s->chain;
	*manual = s->manual;
	*margin_us = s->margin_us;
	*url = s->url;
	return SJ_OK;
}

size_t draws_source_count(const struct draws *d)
{
	return d->nsrc;
}

void draws_source_at(const struct draws *d, size_t i, const char **id, uint64_t *seq)
{
	*id = d->src[i].id;
	*seq = d->src[i].seq;
}

/* --- one decode per draw request (draws.h) --- */

int draws_request_parts(struct draws_request_msg *m, const uint8_t *inputs, size_t inputs_len,
                        const uint8_t *objects, size_t objects_len, const uint8_t *officers,
                        size_t officers_len, const uint8_t *experts, size_t experts_len, char *err,
                        size_t err_cap)
{
	char why[512];
	int rc = SJ_OK;

	memset(m, 0, sizeof *m);
	if (draw_inputs_decode(&m->in, inputs, inputs_len, why, sizeof why) != SJ_OK) {
		rc = rules_fail(err, err_cap, "draw inputs: %s", why);
		goto out;
	}
	if (draw_objects_decode(&m->objects, objects, objects_len, why, sizeof why) != SJ_OK) {
		rc = rules_fail(err, err_cap, "object pool: %s", why);
		goto out;
	}
	if (draw_people_decode(&m->officers, officers, officers_len, why, sizeof why) != SJ_OK) {
		rc = rules_fail(err, err_cap, "officer pool: %s", why);
		goto out;
	}
	if (draw_people_kind(m->officers) != DRAW_OFFICER) {
		rc = rules_fail(err, err_cap, "officer pool: it is not an officer pool (R2)");
		goto out;
	}
	if (experts == NULL)
		goto out;
	if (draw_people_decode(&m->experts, experts, experts_len, why, sizeof why) != SJ_OK) {
		rc = rules_fail(err, err_cap, "expert pool: %s", why);
		goto out;
	}
	if (draw_people_kind(m->experts) != DRAW_EXPERT) {
		rc = rules_fail(
		    err, err_cap,
		    "expert pool: it is not an expert pool (R2: experts never count as officers)");
		goto out;
	}
out:
	if (rc != SJ_OK)
		draws_request_msg_fini(m);
	return rc;
}

int draws_request_decode(struct draws_request_msg *m, const uint8_t *payload, size_t len, char *err,
                         size_t err_cap)
{
	Suiji__DrawRequest *q;
	const struct draw_spec *sp;
	int rc = SJ_OK;

	memset(m, 0, sizeof *m);
	pbuf_reset();
	q = suiji__draw_request__unpack(&pbuf_allocator, len, payload);
	if (q == NULL && pbuf_failed())
		return SJ_ENOMEM;
	if (q == NULL) {
		snprintf(err, err_cap, "draw-request payload does not decode as suiji.DrawRequest");
		return SJ_EINVAL;
	}
	if (!is_identifier(q->request_id)) {
		rc = rules_fail(err, err_cap, "request id \"%s\" is not an identifier",
		                q->request_id);
		goto out;
	}
	/* An empty expert field is still a pool (the empty one), never absent. */
	rc = draws_request_parts(m, q->inputs.data, q->inputs.len, q->objects.data, q->objects.len,
	                         q->officers.data, q->officers.len,
	                         q->experts.data ? q->experts.data : (const uint8_t *)"",
	                         q->experts.len, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	snprintf(m->request_id, sizeof m->request_id, "%s", q->request_id);
	sp = draw_inputs_spec(m->in);
	if (memcmp(sp->object_pool, draw_objects_hash(m->objects), 32) != 0 ||
	    memcmp(sp->officer_pool, draw_people_hash(m->officers), 32) != 0 ||
	    memcmp(sp->expert_pool, draw_people_hash(m->experts), 32) != 0) {
		rc = rules_fail(err, err_cap,
		                "the pools given are not the pools the inputs name by hash");
		goto out;
	}
out:
	if (rc != SJ_OK)
		draws_request_msg_fini(m);
	suiji__draw_request__free_unpacked(q, NULL);
	return rc;
}

int draws_request_feasible(struct draws_request_msg *m, char *err, size_t err_cap)
{
	if (m->feasible)
		return SJ_OK;
	if (draw_derive_check(m->in, m->objects, m->officers, m->experts, err, err_cap) != SJ_OK)
		return SJ_EVERIFY;
	m->feasible = 1;
	return SJ_OK;
}

void draws_request_msg_fini(struct draws_request_msg *m)
{
	draw_inputs_free(m->in);
	draw_objects_free(m->objects);
	draw_people_free(m->officers);
	draw_people_free(m->experts);
	memset(m, 0, sizeof *m);
}

/* The value handed over by draws_request_expect, for this thread's next
 * append of the same bytes. */
static _Thread_local struct {
	struct draws_request_msg *m;
	const uint8_t *payload;
	size_t len;
} expected;

void draws_request_expect(struct draws_request_msg *m, const uint8_t *payload, size_t len)
{
	expected.m = m;
	expected.payload = payload;
	expected.len = len;
	if (m != NULL)
		m->refusal[0] = '\0';
}

/* Takes the expected value when e carries its bytes: 1 when taken (*m then
 * owns the parts; the handed-over value keeps only its refusal slot), 0
 * otherwise. Equal bytes decode to the same request, so taking the value
 * is the same as decoding them. */
static int request_take(struct draws_request_msg *m, const struct entry *e)
{
	struct draws_request_msg *x = expected.m;
	if (x == NULL || x->in == NULL || expected.len != e->payload_len ||
	    (e->payload_len && memcmp(expected.payload, e->payload, e->payload_len) != 0))
		return 0;
	*m = *x;
	x->in = NULL;
	x->objects = NULL;
	x->officers = x->experts = NULL;
	return 1;
}

/* The rules refused the value they took: its owner reads the reason as the
 * rule gave it. */
static void request_refused(const char *err)
{
	if (expected.m != NULL)
		snprintf(expected.m->refusal, sizeof expected.m->refusal, "%s", err);
}

int draws_rederive(struct draws *d, const struct entry *request, const struct entry *commit,
                   const uint8_t commit_hash[ENTRY_HASH_SIZE], const struct entry *reveal,
                   char *err, size_t err_cap)
{
	struct draws_request_msg m;
	struct draws_req q;
	int rc;

	memset(&q, 0, sizeof q);
	rc = draws_request_decode(&m, request->payload, request->payload_len, err, err_cap);
	if (rc != SJ_OK)
		return rc == SJ_EINVAL ? SJ_EVERIFY : rc;
	/* The request's own rules (draws_request); a reused request id and a
	 * substitution's commitment are questions about the whole ledger. */
	rc = request_add(d, request, &q, &m, 0, err, err_cap);
	if (rc != SJ_OK)
		goto out;
	rc = draws_commit(d, commit, commit_hash, err, err_cap);
	if (rc == SJ_OK)
		rc = draws_reveal(d, reveal, err, err_cap);
out:
	if (rc != SJ_OK)
		req_release(&q);
	return rc;
}
