/*
 * verify.c: the verification algorithm (verify.h, docs/verify.md).
 *
 * Entries are checked as they stream in, keeping only a leaf hash per
 * entry (32 bytes) for the Merkle checks that come after. Checkpoints are
 * collected and checked at the end, in increasing tree size, so that every
 * root can be compared with the root the stored entries give.
 */
#include "verifier/verify.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/merkle.h"
#include "ledger/storedb.h"
#include "rules/replay.h"
#include "verifier/witnessed.h"

struct verify_cp {
	char *text;
	size_t len;
};

struct verifier {
	struct verify_opts o;
	struct replay *replay;
	struct merkle_tree tree; /* every leaf hash, and the subtree roots above */
	struct merkle_builder builder; /* builds tree's nodes beside us, once started */
	int building;
	uint64_t n;
	uint8_t last_hash[ENTRY_HASH_SIZE];
	int64_t last_time;
	int64_t *times; /* every entry's time, for the age of a checkpoint */
	size_t ctimes;
	struct verify_cp *cps;
	size_t ncps, ccps;
	int failed;
	struct verify_report r;
	/* A broken chain link, decided one entry later: see verify_entry. */
	int pending;
	uint64_t pending_seq;
};

static int fail(struct verifier *v, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct verifier *v, int64_t seq, const char *fmt, ...)
{
	va_list ap;
	if (v->failed)
		return SJ_EVERIFY;
	v->failed = 1;
	v->r.ok = 0;
	v->r.failed_seq = seq;
	va_start(ap, fmt);
	vsnprintf(v->r.what, sizeof v->r.what, fmt, ap);
	va_end(ap);
	return SJ_EVERIFY;
}

int verify_new(struct verifier **out, const struct verify_opts *o)
{
	struct verifier *v = calloc(1, sizeof *v);
	if (v == NULL)
		return SJ_ENOMEM;
	if (replay_new(&v->replay) != SJ_OK) {
		free(v);
		return SJ_ENOMEM;
	}
	v->o = *o;
	/* Policy rules (rules/policy.h) are counted, not fatal, during the
	 * replay, so the compliance report can count every violation; any
	 * violation still fails the ledger in verify_finish. */
	replay_set_audit(v->replay, 1);
	if (o->on_draw)
		replay_set_draw_observer(v->replay, o->on_draw, o->on_draw_ctx);
	merkle_tree_init(&v->tree);
	v->r.ok = 1;
	v->r.failed_seq = -1;
	*out = v;
	return SJ_OK;
}

void verify_free(struct verifier *v)
{
	if (v == NULL)
		return;
	replay_free(v->replay);
	if (v->building && merkle_builder_finish(&v->builder) != SJ_OK)
		v->building = 0; /* the thread is joined either way */
	merkle_tree_fini(&v->tree);
	free(v->times);
	for (size_t i = 0; i < v->ncps; i++)
		free(v->cps[i].text);
	free(v->cps);
	free(v);
}

static int same_key(const struct note_vkey *a, const struct note_vkey *b)
{
	return a->id == b->id && a->type == b->type && strcmp(a->name, b->name) == 0 &&
	       sodium_memcmp(a->pk, b->pk, 32) == 0;
}

int verify_expect(struct verifier *v, uint64_t n)
{
	if (v->building || v->n != 0)
		return SJ_OK;
	if (merkle_builder_start(&v->builder, &v->tree, n) != SJ_OK)
		return SJ_ENOMEM;
	v->building = 1;
	return SJ_OK;
}

int verify_entry(struct verifier *v, uint64_t stored_seq, const uint8_t *bytes, size_t len)
{
	struct entry e;
	merkle_hash h;
	char why[600];
	int64_t seq = (int64_t)v->n;
	int rc;

	if (v->failed)
		return SJ_EVERIFY;
	if (stored_seq != v->n) {
		if (stored_seq > v->n)
			return fail(v, seq,
				    "entry %lld is missing: the next stored entry is %llu "
				    "(deleted entries)",
				    (long long)seq, (unsigned long long)stored_seq);
		return fail(v, seq, "entry %lld is stored out of order (as %llu)", (long long)seq,
			    (unsigned long long)stored_seq);
	}
	if (entry_decode(&e, bytes, len, why, sizeof why) != SJ_OK)
		return fail(v, seq, "entry %lld is malformed: %s", (long long)seq, why);
	if (e.seq != v->n)
		return fail(v, seq,
			    "entry %lld carries sequence number %llu (an entry was inserted, "
			    "deleted, duplicated or moved)",
			    (long long)seq, (unsigned long long)e.seq);
	/*
	 * A broken link between entries k-1 and k has two causes, told apart by
	 * the next link. If entry k-1 was altered (any field but its own
	 * previous-hash), only the link k-1 -> k breaks. If entry k's
	 * previous-hash field was altered, entry k's own hash changed too, so
	 * the link k -> k+1 breaks as well. So the verdict waits one entry.
	 */
	if (v->pending) {
		unsigned long long k = v->pending_seq;
		if (sodium_memcmp(e.prev, v->last_hash, ENTRY_HASH_SIZE) == 0)
			return fail(v, (int64_t)k - 1,
				    "entry %llu was altered: its hash is not the previous-hash that "
				    "entry %llu records",
				    k - 1, k);
		return fail(v, (int64_t)k,
			    "entry %llu was altered: its previous-hash is not entry %llu's hash, "
			    "and its own hash is not the previous-hash entry %llu records",
			    k, k - 1, k + 1);
	}
	if (sodium_memcmp(e.prev, v->last_hash, ENTRY_HASH_SIZE) != 0) {
		v->pending = 1;
		v->pending_seq = v->n;
		entry_hash(v->last_hash, bytes, len);
		v->n++;
		return SJ_OK;
	}
	if (e.time_us < v->last_time)
		return fail(v, seq, "entry %lld: its time is earlier than entry %lld's",
			    (long long)seq, (long long)seq - 1);
	entry_hash(h, bytes, len);
	rc = replay_apply(v->replay, &e, h, why, sizeof why);
	replay_settle(v->replay);
	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK)
		return fail(v, seq, "entry %lld (%s): %s", (long long)seq,
			    entry_type_name(e.type) ? entry_type_name(e.type) : "unknown type", why);
	if (e.seq == 0 && v->o.log_key && !same_key(v->o.log_key, replay_log_key(v->replay)))
		return fail(v, 0, "entry 0: the log key it names is not the pinned log key");
	if ((v->building ? merkle_builder_push(&v->builder, h) : merkle_tree_push_leaf(&v->tree, h)) !=
	    SJ_OK)
		return SJ_ENOMEM;
	if (v->n == v->ctimes) {
		size_t c = v->ctimes ? 2 * v->ctimes : 1024;
		int64_t *t = realloc(v->times, c * sizeof *t);
		if (t == NULL)
			return SJ_ENOMEM;
		v->times = t;
		v->ctimes = c;
	}
	v->times[v->n] = e.time_us;
	memcpy(v->last_hash, h, sizeof h);
	v->last_time = e.time_us;
	v->n++;
	if (v->o.on_entry)
		v->o.on_entry(v->o.on_entry_ctx, &e, bytes, len);
	return SJ_OK;
}

int verify_inclusion(const struct verifier *v, uint64_t index, uint64_t size,
		     uint8_t (*proof)[32], size_t *n, size_t cap)
{
	return merkle_tree_inclusion_proof(&v->tree, index, size, proof, n, cap);
}

const char *verify_latest_checkpoint(const struct verifier *v, size_t *len)
{
	if (v->ncps == 0)
		return NULL;
	*len = v->cps[v->ncps - 1].len;
	return v->cps[v->ncps - 1].text;
}

int verify_checkpoint(struct verifier *v, const char *note, size_t len)
{
	char *copy;
	if (v->failed)
		return SJ_EVERIFY;
	if (v->ncps == v->ccps) {
		size_t nc = v->ccps ? v->ccps * 2 : 16;
		struct verify_cp *p = realloc(v->cps, nc * sizeof *p);
		if (p == NULL)
			return SJ_ENOMEM;
		v->cps = p;
		v->ccps = nc;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		return SJ_ENOMEM;
	memcpy(copy, note, len);
	copy[len] = '\0';
	v->cps[v->ncps].text = copy;
	v->cps[v->ncps].len = len;
	v->ncps++;
	return SJ_OK;
}

/* The entry a checkpoint of this size is named by: its last. */
static int64_t cp_seq(uint64_t size)
{
	return size ? (int64_t)size - 1 : 0;
}

/* Parses a checkpoint note and checks its log signature and origin. */
static int open_checkpoint(struct verifier *v, const char *text, size_t len, const char *what,
			   struct note **n, struct checkpoint *c)
{
	const struct note_vkey *lk = replay_log_key(v->replay);
	const char *body;
	size_t blen;
	char why[256];
	int rc;

	rc = note_parse(n, text, len, why, sizeof why);
	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK)
		return fail(v, -1, "%s is not a signed note: %s", what, why);
	body = note_body(*n, &blen);
	if (checkpoint_parse(c, body, blen, why, sizeof why) != SJ_OK)
		return fail(v, -1, "%s is not a checkpoint: %s", what, why);
	if (lk == NULL)
		return fail(v, -1, "%s: the ledger has no log-init entry naming the log key", what);
	rc = note_verify(*n, lk);
	if (rc != SJ_OK)
		return fail(v, cp_seq(c->size),
			    "%s at size %llu (up to entry %lld) is %s by the log key %s", what,
			    (unsigned long long)c->size, (long long)cp_seq(c->size),
			    rc == SJ_ENOENT ? "not signed" : "wrongly signed", lk->name);
	if (strcmp(c->origin, replay_origin(v->replay)) != 0)
		return fail(v, cp_seq(c->size), "%s at size %llu names origin \"%s\", not \"%s\"",
			    what, (unsigned long long)c->size, c->origin,
			    replay_origin(v->replay));
	if (c->size > v->n)
		return fail(v, (int64_t)v->n,
			    "%s covers %llu entries but the ledger has only %llu: entries from "
			    "%llu on were truncated",
			    what, (unsigned long long)c->size, (unsigned long long)v->n,
			    (unsigned long long)v->n);
	return SJ_OK;
}

/* Checks every cosignature line of a checkpoint; returns the number of
 * pinned witnesses among them in *pinned. */
/* Checks every cosignature on n; *pinned counts those by pinned witnesses,
 * whose times go to times[0..*pinned) (room for o.nwitnesses). */
static int check_cosigs(struct verifier *v, const struct note *n, const struct checkpoint *c,
			size_t *pinned, uint64_t *times)
{
	const struct note_vkey *lk = replay_log_key(v->replay);
	size_t nw;
	const struct note_vkey *wit = replay_witnesses(v->replay, &nw);
	int rc;

	*pinned = 0;
	for (size_t i = 0; i < note_sig_count(n); i++) {
		const char *name;
		uint32_t id;
		const uint8_t *sig;
		size_t sl;
		const struct note_vkey *k = NULL;
		uint64_t ts = 0;
		int is_pinned = 0;

		/* The store keeps only lines it checked (store.h), so a
		 * malformed line in a stored checkpoint was put there past it. */
		if (note_sig_get(n, i, &name, &id, &sig, &sl) != SJ_OK)
			return fail(v, cp_seq(c->size),
				    "checkpoint at size %llu (up to entry %lld) carries malformed "
				    "signature line %zu (%s)",
				    (unsigned long long)c->size, (long long)cp_seq(c->size), i + 1,
				    name);
		if (lk->id == id && strcmp(lk->name, name) == 0)
			continue;
		for (size_t w = 0; w < v->o.nwitnesses; w++)
			if (v->o.witnesses[w].id == id && strcmp(v->o.witnesses[w].name, name) == 0) {
				k = &v->o.witnesses[w];
				is_pinned = 1;
			}
		for (size_t w = 0; k == NULL && w < nw; w++)
			if (wit[w].id == id && strcmp(wit[w].name, name) == 0)
				k = &wit[w];
		if (k == NULL)
			return fail(v, cp_seq(c->size),
				    "checkpoint at size %llu (up to entry %lld) carries a "
				    "cosignature by unknown witness %s (key ID %08x)",
				    (unsigned long long)c->size, (long long)cp_seq(c->size), name, id);
		/* Out of memory is not a bad cosignature: say which it was. */
		rc = note_verify_cosignature(n, k, &ts);
		if (rc == SJ_ENOMEM)
			return rc;
		if (rc != SJ_OK)
			return fail(v, cp_seq(c->size),
				    "checkpoint at size %llu (up to entry %lld): the cosignature "
				    "by witness %s does not verify",
				    (unsigned long long)c->size, (long long)cp_seq(c->size), name);
		v->r.cosignatures++;
		if (is_pinned)
			times[(*pinned)++] = ts;
	}
	return SJ_OK;
}

/* Checks (size, root) of a signed checkpoint against the stored entries and
 * proves it consistent with the previous one by an RFC 9162 proof. */
static int check_root(struct verifier *v, const struct checkpoint *c, uint64_t prev_size,
		      const uint8_t *prev_root, const char *what)
{
	merkle_hash root, proof[MERKLE_MAX_PROOF];
	size_t np;
	int rc;

	rc = merkle_tree_root(&v->tree, c->size, root);
	if (rc != SJ_OK)
		return rc;
	if (sodium_memcmp(root, c->root, 32) != 0)
		return fail(v, (int64_t)prev_size,
			    "%s at size %llu has a root the entries do not give: an entry from "
			    "%llu to %lld was altered, or the checkpoint is a fork",
			    what, (unsigned long long)c->size, (unsigned long long)prev_size,
			    (long long)cp_seq(c->size));
	if (prev_root != NULL && prev_size > 0) {
		rc = merkle_tree_consistency_proof(&v->tree, prev_size, c->size, proof, &np,
						   MERKLE_MAX_PROOF);
		if (rc != SJ_OK ||
		    merkle_verify_consistency(prev_size, c->size, prev_root, c->root, proof, np) !=
			    SJ_OK)
			return fail(v, (int64_t)prev_size,
				    "%s at size %llu is not consistent with the checkpoint at "
				    "size %llu",
				    what, (unsigned long long)c->size, (unsigned long long)prev_size);
	}
	return SJ_OK;
}

/* Counts the draws and names the agencies with abandoned commitments. */
static void draw_report(struct verifier *v)
{
	const struct draws *d = replay_draws(v->replay);
	int64_t now = util_now_us();
	size_t off = 0;

	for (size_t i = 0; i < draws_count(d); i++) {
		struct draws_info a;
		draws_get(d, i, &a);
		v->r.draws++;
		v->r.rounds_unchecked_bls += a.unchecked_bls;
		if (a.revealed) {
			v->r.draws_revealed++;
		} else if (a.committed && a.deadline_us < now) {
			unsigned n = 0;
			v->r.draws_abandoned++;
			/* Count this agency once, at its first abandoned draw. */
			int seen = 0;
			for (size_t j = 0; j < i && !seen; j++) {
				struct draws_info b;
				draws_get(d, j, &b);
				seen = !b.revealed && b.committed && b.deadline_us < now &&
				       strcmp(b.agency, a.agency) == 0;
			}
			if (seen)
				continue;
			for (size_t j = i; j < draws_count(d); j++) {
				struct draws_info b;
				draws_get(d, j, &b);
				n += !b.revealed && b.committed && b.deadline_us < now &&
				     strcmp(b.agency, a.agency) == 0;
			}
			if (off < sizeof v->r.abandoned_by_agency)
				off += (size_t)snprintf(v->r.abandoned_by_agency + off,
							sizeof v->r.abandoned_by_agency - off,
							"%s%s: %u", off ? ", " : "",
							a.agency[0] ? a.agency : "(log operator)", n);
		} else {
			v->r.draws_open++;
		}
	}
}

uint64_t verify_count(const struct verifier *v)
{
	return v->n;
}

int64_t verify_entry_time(const struct verifier *v, uint64_t seq)
{
	return seq < v->n && v->times != NULL ? v->times[seq] : 0;
}

/* R18: each revealed draw's commitment witnessed in time (witnessed.h). */
static int check_witnessed(struct verifier *v)
{
	struct witnessed_cp *cps = calloc(v->ncps ? v->ncps : 1, sizeof *cps);
	char why[768];
	int64_t bad = -1;
	int rc;

	if (cps == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < v->ncps; i++) {
		cps[i].text = v->cps[i].text;
		cps[i].len = v->cps[i].len;
	}
	rc = witnessed_check(replay_draws(v->replay), cps, v->ncps, v->o.witnesses,
			     v->o.nwitnesses, v->o.quorum, v->o.witness_margin_us,
			     &v->r.draws_witnessed, &bad, why, sizeof why);
	free(cps);
	if (rc == SJ_EVERIFY)
		return fail(v, bad, "%s", why);
	return rc;
}

const struct replay *verify_replay(const struct verifier *v)
{
	return v->replay;
}

/* The time by which a quorum of q pinned witnesses had all seen a
 * checkpoint: the q-th newest of their cosignature times t[0..n). Fewer
 * than q witnesses can vouch for nothing later than that. */
static int64_t quorum_time(uint64_t *t, size_t n, size_t q)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && t[j - 1] < t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return (int64_t)t[q - 1];
}

void verify_format_age(char *out, size_t cap, int64_t s)
{
	if (s < 0)
		snprintf(out, cap, "%llds in the future", (long long)-s);
	else if (s < 120)
		snprintf(out, cap, "%llds", (long long)s);
	else if (s < 2 * 3600)
		snprintf(out, cap, "%lldm", (long long)(s / 60));
	else if (s < 2 * 86400)
		snprintf(out, cap, "%lldh", (long long)(s / 3600));
	else
		snprintf(out, cap, "%lldd", (long long)(s / 86400));
}

/*
 * --max-age (docs/verify.md, "Freshness"). A file that was cut short, its
 * newest entries and checkpoints deleted, is still a well-formed ledger;
 * only a checkpoint that is both recent and complete shows that nothing
 * was cut. With witnesses, recent means by the quorum's own clocks (their
 * cosignature/v1 times, which the log cannot sign); without, by the log's
 * clock (the time of the last entry the checkpoint covers).
 */
static int check_fresh(struct verifier *v)
{
	int64_t now = v->o.now_s ? v->o.now_s : util_now_us() / 1000000;
	int64_t t, age;
	uint64_t size;
	const char *who = v->o.quorum > 0 ? "cosigned by the quorum" : "signed by the log";
	char a[64], m[64];

	if (v->r.checkpoints == 0)
		return fail(v, -1,
			    "R18: the ledger has no checkpoint, so nothing shows it was not cut "
			    "short (--max-age)");
	size = v->o.quorum > 0 ? v->r.quorum_size : v->r.latest_size;
	if (size == 0)
		return fail(v, -1,
			    "R18: no checkpoint is cosigned by %zu pinned witnesses, so nothing "
			    "shows the ledger was not cut short (--max-age)",
			    v->o.quorum);
	if (size < v->n)
		return fail(v, (int64_t)size,
			    "R18: the newest checkpoint %s covers %llu of %llu entries: entries "
			    "%llu..%llu are covered by none (--max-age)",
			    who, (unsigned long long)size, (unsigned long long)v->n,
			    (unsigned long long)size, (unsigned long long)v->n - 1);
	t = v->o.quorum > 0 ? v->r.quorum_time : v->times[size - 1] / 1000000;
	age = now - t;
	if (age > v->o.max_age_s) {
		verify_format_age(a, sizeof a, age);
		/* The limit as it was given: 3600 is "1h", not "60m". */
		if (v->o.max_age_s % 86400 == 0)
			snprintf(m, sizeof m, "%lldd", (long long)(v->o.max_age_s / 86400));
		else if (v->o.max_age_s % 3600 == 0)
			snprintf(m, sizeof m, "%lldh", (long long)(v->o.max_age_s / 3600));
		else if (v->o.max_age_s % 60 == 0)
			snprintf(m, sizeof m, "%lldm", (long long)(v->o.max_age_s / 60));
		else
			snprintf(m, sizeof m, "%llds", (long long)v->o.max_age_s);
		return fail(v, -1,
			    "R18: the newest checkpoint %s is %s old, more than --max-age %s",
			    who, a, m);
	}
	return SJ_OK;
}

int verify_finish(struct verifier *v, struct verify_report *r)
{
	struct checkpoint c, prev;
	struct note *n = NULL;
	uint64_t *times = NULL;
	size_t pinned = 0;
	int have_prev = 0, rc = SJ_OK;

	if (v->pending)
		fail(v, (int64_t)v->pending_seq,
		     "entry %lld or entry %lld was altered: the previous-hash of entry %lld is not "
		     "the hash of entry %lld",
		     (long long)v->pending_seq - 1, (long long)v->pending_seq,
		     (long long)v->pending_seq, (long long)v->pending_seq - 1);
	if (v->failed)
		goto out;
	if (v->n == 0) {
		fail(v, -1, "the ledger has no entries");
		goto out;
	}
	/* Every leaf is in; the nodes above them are finished here. */
	rc = v->building ? merkle_builder_finish(&v->builder) : merkle_tree_complete(&v->tree, 2);
	v->building = 0;
	if (rc != SJ_OK)
		goto out;
	snprintf(v->r.origin, sizeof v->r.origin, "%s", replay_origin(v->replay));
	times = calloc(v->o.nwitnesses + 1, sizeof *times);
	if (times == NULL) {
		rc = SJ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < v->ncps; i++) {
		rc = open_checkpoint(v, v->cps[i].text, v->cps[i].len, "checkpoint", &n, &c);
		if (rc != SJ_OK)
			goto out;
		if (have_prev && c.size <= prev.size) {
			fail(v, cp_seq(c.size),
			     "checkpoint at size %llu follows one at size %llu: checkpoints must "
			     "grow",
			     (unsigned long long)c.size, (unsigned long long)prev.size);
			goto out;
		}
		rc = check_root(v, &c, have_prev ? prev.size : 0, have_prev ? prev.root : NULL,
				"checkpoint");
		if (rc == SJ_OK)
			rc = check_cosigs(v, n, &c, &pinned, times);
		if (rc != SJ_OK)
			goto out;
		if (v->o.quorum > 0 && pinned >= v->o.quorum) {
			v->r.quorum_size = c.size;
			v->r.quorum_time = quorum_time(times, pinned, v->o.quorum);
		}
		note_free(n);
		n = NULL;
		prev = c;
		have_prev = 1;
		v->r.checkpoints++;
	}
	if (have_prev) {
		v->r.latest_size = prev.size;
		v->r.latest_time_us = v->times[prev.size - 1];
		util_b64_encode(v->r.latest_root, sizeof v->r.latest_root, prev.root, 32);
		v->r.quorum_met = pinned;
	}
	if (v->o.saved != NULL) {
		/* A checkpoint saved earlier: the ledger must extend it. This is
		 * what catches a truncated tail or a rewritten history that was
		 * re-signed. */
		rc = open_checkpoint(v, v->o.saved, v->o.saved_len, "the saved checkpoint", &n, &c);
		if (rc != SJ_OK)
			goto out;
		rc = check_root(v, &c, 0, NULL, "the saved checkpoint");
		if (rc != SJ_OK)
			goto out;
		if (have_prev && prev.size >= c.size) {
			merkle_hash proof[MERKLE_MAX_PROOF];
			size_t np;
			if (merkle_tree_consistency_proof(&v->tree, c.size, prev.size, proof, &np,
							  MERKLE_MAX_PROOF) != SJ_OK ||
			    merkle_verify_consistency(c.size, prev.size, c.root, prev.root, proof,
						      np) != SJ_OK) {
				fail(v, cp_seq(c.size),
				     "the latest checkpoint is not consistent with the saved one");
				goto out;
			}
		}
		note_free(n);
		n = NULL;
	}
	if (v->o.quorum > 0 && (!have_prev || pinned < v->o.quorum)) {
		fail(v, have_prev ? cp_seq(prev.size) : -1,
		     "the latest checkpoint has %zu cosignatures by pinned witnesses; %zu needed",
		     have_prev ? pinned : 0, v->o.quorum);
		goto out;
	}
	v->r.uncovered = v->n - v->r.latest_size;
	if (v->o.max_age_s > 0 && check_fresh(v) != SJ_OK)
		goto out;
	if ((rc = check_witnessed(v)) != SJ_OK)
		goto out;
	{
		/* Any policy violation fails the ledger: the earliest is named. */
		const struct policy *p = replay_policy(v->replay);
		unsigned first = 0;
		uint64_t total = 0;
		for (unsigned k = 1; k <= POLICY_RULES; k++) {
			const struct policy_tally *t = policy_rule(p, k);
			total += t->violations;
			if (t->violations &&
			    (first == 0 || t->first_seq < policy_rule(p, first)->first_seq))
				first = k;
		}
		v->r.policy_violations = total;
		if (first) {
			const struct policy_tally *t = policy_rule(p, first);
			fail(v, (int64_t)t->first_seq, "R%u: %s%s", first, t->first,
			     total > 1 ? " (and more policy violations: see the compliance report)"
				       : "");
		}
	}
out:
	note_free(n);
	free(times);
	if (rc == SJ_ENOMEM)
		return rc;
	draw_report(v);
	v->r.entries = v->n;
	*r = v->r;
	return v->failed ? SJ_EVERIFY : SJ_OK;
}

/* The verifier as a reader of the store's database (ledger/storedb.h). */
struct sqlite_read {
	struct verifier *v;
	verify_progress_fn progress;
	uint64_t total, done;
};

static int sqlite_count(void *ctx, uint64_t entries)
{
	struct sqlite_read *sr = ctx;
	sr->total = entries;
	return verify_expect(sr->v, entries) == SJ_OK ? SJ_OK : SJ_ENOMEM;
}

static int sqlite_entry(void *ctx, int64_t seq, const uint8_t *bytes, size_t len)
{
	struct sqlite_read *sr = ctx;
	if (verify_entry(sr->v, seq < 0 ? UINT64_MAX : (uint64_t)seq, bytes, len) == SJ_ENOMEM)
		return SJ_ENOMEM;
	if (sr->v->failed)
		return STOREDB_STOP;
	if (sr->progress && (++sr->done % 4096 == 0 || sr->done == sr->total))
		sr->progress(sr->done, sr->total);
	return SJ_OK;
}

static int sqlite_checkpoint(void *ctx, const char *note, size_t len)
{
	struct sqlite_read *sr = ctx;
	return verify_checkpoint(sr->v, note, len) == SJ_ENOMEM ? SJ_ENOMEM : SJ_OK;
}

int verify_sqlite(struct verifier *v, const char *path, verify_progress_fn progress, char *err,
		  size_t err_cap)
{
	static const struct storedb_visitor visit = {sqlite_count, sqlite_entry, sqlite_checkpoint};
	struct sqlite_read sr = {.v = v, .progress = progress};

	return storedb_read(path, &visit, &sr, err, err_cap);
}

int verify_export(struct verifier *v, const uint8_t *buf, size_t len, verify_progress_fn progress)
{
	struct export_reader r;
	uint64_t idx = 0;
	const uint8_t *data;
	size_t dl;
	char why[400];
	int rc, kind;

	if (export_reader_init(&r, buf, len, why, sizeof why) != SJ_OK) {
		fail(v, -1, "export file is malformed: %s", why);
		return SJ_OK;
	}
	{
		/* Count the entry records first (a walk over the record headers),
		 * so the tree's levels are sized once and built beside us. */
		struct export_reader c = r;
		const uint8_t *cd;
		size_t cl;
		uint64_t n = 0;
		int k;
		while (export_reader_next(&c, &k, &cd, &cl, why, sizeof why) == SJ_OK &&
		       k == EXPORT_KIND_ENTRY)
			n++;
		if (verify_expect(v, n) != SJ_OK)
			return SJ_ENOMEM;
	}
	while ((rc = export_reader_next(&r, &kind, &data, &dl, why, sizeof why)) == SJ_OK) {
		if (kind == EXPORT_KIND_ENTRY)
			rc = verify_entry(v, idx++, data, dl);
		else
			rc = verify_checkpoint(v, (const char *)data, dl);
		if (rc == SJ_ENOMEM)
			return rc;
		if (progress && idx % 4096 == 0)
			progress(r.off, len);
	}
	if (rc != SJ_ENOENT)
		fail(v, (int64_t)idx, "export file is malformed: %s", why);
	else if (progress)
		progress(len, len);
	return SJ_OK;
}
