/*
 * replay.c: the per-entry rules of replay.h and the little state they need
 * (agencies, clients, witnesses). The state is a set of append-only arrays;
 * rolling back truncates them, which is why every element records the
 * sequence number of the entry that made it.
 */
#include "rules/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pbuf.h"
#include "common/util.h"

#include "proto/ledger.pb-c.h"

struct replay_agency {
	char code[ENTRY_MAX_AGENCY + 1];
	uint64_t seq;
};

struct replay_client {
	uint8_t key[ENTRY_KEY_SIZE];
	char agency[ENTRY_MAX_AGENCY + 1];
	int role;
	uint64_t seq;
	uint64_t revoked_seq; /* UINT64_MAX while valid */
};

struct replay_witness {
	struct note_vkey key;
	uint64_t seq;
};

/* An open-addressing index over one of the arrays: slot holds position + 1,
 * 0 when empty. Lookups stay O(1) however many agencies and clients the
 * ledger registers; rolling back (rare) rebuilds it. */
struct replay_index {
	uint32_t *slots;
	size_t cap; /* a power of two, or 0 */
};

struct replay {
	char origin[ENTRY_MAX_ORIGIN + 1];
	struct note_vkey log_key;
	int have_init;
	struct replay_agency *agencies;
	size_t nagencies, cagencies;
	struct replay_client *clients;
	size_t nclients, cclients;
	struct replay_witness *witnesses;
	size_t nwitnesses, cwitnesses;
	struct note_vkey *witness_keys; /* mirror of witnesses[].key for callers */
	struct replay_index agency_ix, client_ix;
	struct draws *draws;
	struct dirs *dirs;
	struct plans *plans;
	struct policy *policy;
};

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211u;
	}
	return h;
}

static uint64_t agency_hash(const struct replay *r, size_t i)
{
	return fnv((const uint8_t *)r->agencies[i].code, strlen(r->agencies[i].code));
}

static uint64_t client_hash(const struct replay *r, size_t i)
{
	return fnv(r->clients[i].key, 8);
}

/* Rebuilds ix over n elements, with room to grow. */
static int index_rebuild(struct replay_index *ix, const struct replay *r, size_t n,
			 uint64_t (*hash)(const struct replay *, size_t))
{
	size_t cap = 64;
	while (cap < 2 * (n + 1))
		cap *= 2;
	uint32_t *slots = calloc(cap, sizeof *slots);
	if (slots == NULL)
		return SJ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t j = (size_t)hash(r, i) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return SJ_OK;
}

/* Adds element n-1 (just appended) to ix. */
static int index_add(struct replay_index *ix, const struct replay *r, size_t n,
		     uint64_t (*hash)(const struct replay *, size_t))
{
	if (2 * n >= ix->cap)
		return index_rebuild(ix, r, n, hash);
	size_t j = (size_t)hash(r, n - 1) & (ix->cap - 1);
	while (ix->slots[j])
		j = (j + 1) & (ix->cap - 1);
	ix->slots[j] = (uint32_t)n;
	return SJ_OK;
}

/* Every revealed draw counts its checks (rules/policy.h, R9). */
static int reveal_hook(void *ctx, const struct draws_observed *o)
{
	return policy_draw_revealed(ctx, o);
}

int replay_new(struct replay **out)
{
	struct replay *r = calloc(1, sizeof *r);
	if (r == NULL)
		return SJ_ENOMEM;
	if (draws_new(&r->draws) != SJ_OK) {
		free(r);
		return SJ_ENOMEM;
	}
	if (dirs_new(&r->dirs) != SJ_OK) {
		draws_free(r->draws);
		free(r);
		return SJ_ENOMEM;
	}
	if (plans_new(&r->plans) != SJ_OK) {
		dirs_free(r->dirs);
		draws_free(r->draws);
		free(r);
		return SJ_ENOMEM;
	}
	if (policy_new(&r->policy) != SJ_OK) {
		plans_free(r->plans);
		dirs_free(r->dirs);
		draws_free(r->draws);
		free(r);
		return SJ_ENOMEM;
	}
	draws_set_hook(r->draws, reveal_hook, r->policy);
	*out = r;
	return SJ_OK;
}

void replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	free(r->agencies);
	free(r->clients);
	free(r->witnesses);
	free(r->witness_keys);
	free(r->agency_ix.slots);
	free(r->client_ix.slots);
	draws_free(r->draws);
	dirs_free(r->dirs);
	plans_free(r->plans);
	policy_free(r->policy);
	free(r);
}

static struct replay_agency *find_agency(const struct replay *r, const char *code, size_t len)
{
	if (r->agency_ix.cap == 0)
		return NULL;
	size_t j = (size_t)fnv((const uint8_t *)code, len) & (r->agency_ix.cap - 1);
	for (uint32_t p; (p = r->agency_ix.slots[j]) != 0; j = (j + 1) & (r->agency_ix.cap - 1)) {
		struct replay_agency *a = &r->agencies[p - 1];
		if (p > r->nagencies)
			continue;
		if (strlen(a->code) == len && memcmp(a->code, code, len) == 0)
			return a;
	}
	return NULL;
}

static struct replay_client *find_client(const struct replay *r, const uint8_t *key)
{
	if (r->client_ix.cap == 0)
		return NULL;
	size_t j = (size_t)fnv(key, 8) & (r->client_ix.cap - 1);
	for (uint32_t p; (p = r->client_ix.slots[j]) != 0; j = (j + 1) & (r->client_ix.cap - 1)) {
		struct replay_client *c = &r->clients[p - 1];
		if (p > r->nclients)
			continue;
		if (memcmp(c->key, key, ENTRY_KEY_SIZE) == 0)
			return c;
	}
	return NULL;
}

static int valid_text(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* For plans.h: whether code names a registered agency. */
static int agency_known(const void *ctx, const char *code)
{
	return find_agency(ctx, code, strlen(code)) != NULL;
}

/* Who may write administrative entries: the log operator (unsigned) or a
 * registered administrator. */
static int by_admin(const struct replay_client *c)
{
	return c == NULL || c->role == SUIJI__ROLE__ROLE_ADMIN;
}

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, err_cap, __VA_ARGS__);                           \
		rc = SJ_EVERIFY;                                               \
		goto out;                                                      \
	} while (0)

int replay_apply(struct replay *r, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
		 char *err, size_t err_cap)
{
	struct replay_client *actor = NULL;
	Suiji__LogInit *li = NULL;
	Suiji__WitnessAdd *wa = NULL;
	Suiji__AgencyRegister *ar = NULL;
	Suiji__ClientRegister *cr = NULL;
	Suiji__ClientRevoke *cv = NULL;
	int rc = SJ_OK;

	if ((e->seq == 0) != (e->type == ENTRY_LOG_INIT))
		FAIL(e->seq == 0 ? "the first entry must be a log-init"
				 : "a log-init may only be the first entry");
	if (entry_type_name(e->type) == NULL)
		FAIL("unknown entry type %u", e->type);

	if (e->sig != NULL) {
		if (!r->have_init)
			FAIL("a signed entry before the log-init");
		actor = find_client(r, e->actor);
		if (actor == NULL)
			FAIL("signed by a client key that no earlier client-register entry "
			     "registered");
		if (actor->revoked_seq != UINT64_MAX)
			FAIL("signed by a client key revoked at entry %llu",
			     (unsigned long long)actor->revoked_seq);
		if (strlen(actor->agency) != e->agency_len ||
		    memcmp(actor->agency, e->agency, e->agency_len) != 0)
			FAIL("actor agency \"%.*s\" is not the agency \"%s\" its key was "
			     "registered for",
			     (int)e->agency_len, e->agency, actor->agency);
		rc = entry_verify_request(e, r->origin);
		if (rc == SJ_ENOMEM)
			goto out;
		if (rc != SJ_OK)
			FAIL("the client's request signature does not verify");
	}

	switch (e->type) {
	case ENTRY_LOG_INIT:
		if (e->sig != NULL)
			FAIL("a log-init must be written by the log itself, not a client");
		pbuf_reset();
		li = suiji__log_init__unpack(&pbuf_allocator, e->payload_len, e->payload);
		if (li == NULL && pbuf_failed()) {
			rc = SJ_ENOMEM;
			goto out;
		}
		if (li == NULL)
			FAIL("log-init payload does not decode as suiji.LogInit");
		if (!valid_text(li->origin, ENTRY_MAX_ORIGIN))
			FAIL("log-init origin is empty, too long or holds a control character");
		if (note_vkey_parse(&r->log_key, li->log_vkey) != SJ_OK ||
		    r->log_key.type != NOTE_TYPE_ED25519)
			FAIL("log-init log key is not an Ed25519 signed-note verifier key");
		snprintf(r->origin, sizeof r->origin, "%s", li->origin);
		r->have_init = 1;
		break;
	case ENTRY_WITNESS_ADD: {
		struct note_vkey k;
		if (!by_admin(actor))
			FAIL("only an administrator may add a witness");
		pbuf_reset();
		wa = suiji__witness_add__unpack(&pbuf_allocator, e->payload_len, e->payload);
		if (wa == NULL && pbuf_failed()) {
			rc = SJ_ENOMEM;
			goto out;
		}
		if (wa == NULL)
			FAIL("witness-add payload does not decode as suiji.WitnessAdd");
		if (note_vkey_parse(&k, wa->vkey) != SJ_OK || k.type != NOTE_TYPE_COSIG_V1)
			FAIL("witness key is not a cosignature/v1 verifier key");
		for (size_t i = 0; i < r->nwitnesses; i++)
			if (r->witnesses[i].key.id == k.id &&
			    strcmp(r->witnesses[i].key.name, k.name) == 0)
				FAIL("witness %s is registered already", k.name);
		if ((rc = util_grow((void **)&r->witnesses, &r->cwitnesses, r->nwitnesses,
			       sizeof *r->witnesses)) != SJ_OK)
			goto out;
		{
			size_t c = r->nwitnesses; /* keep witness_keys the same capacity */
			struct note_vkey *wk = realloc(r->witness_keys, (c + 1) * sizeof *wk);
			if (wk == NULL) {
				rc = SJ_ENOMEM;
				goto out;
			}
			r->witness_keys = wk;
			wk[c] = k;
		}
		r->witnesses[r->nwitnesses].key = k;
		r->witnesses[r->nwitnesses].seq = e->seq;
		r->nwitnesses++;
		break;
	}
	case ENTRY_AGENCY_REGISTER:
		if (!by_admin(actor))
			FAIL("only an administrator may register an agency");
		pbuf_reset();
		ar = suiji__agency_register__unpack(&pbuf_allocator, e->payload_len, e->payload);
		if (ar == NULL && pbuf_failed()) {
			rc = SJ_ENOMEM;
			goto out;
		}
		if (ar == NULL)
			FAIL("agency-register payload does not decode as suiji.AgencyRegister");
		if (!valid_text(ar->code, ENTRY_MAX_AGENCY) || strchr(ar->code, ' '))
			FAIL("agency code is empty, longer than %d bytes or holds a space or "
			     "control character",
			     ENTRY_MAX_AGENCY);
		if (!valid_text(ar->name, 1024))
			FAIL("agency %s has no valid name", ar->code);
		if (find_agency(r, ar->code, strlen(ar->code)))
			FAIL("agency %s is registered already", ar->code);
		if (ar->parent[0] && !find_agency(r, ar->parent, strlen(ar->parent)))
			FAIL("agency %s names unknown superior agency %s", ar->code, ar->parent);
		if (ar->annual_cap > 100)
			FAIL("agency %s: an annual cap of %u checks is not 0..100 (R9)", ar->code,
			     ar->annual_cap);
		if ((rc = util_grow((void **)&r->agencies, &r->cagencies, r->nagencies,
			       sizeof *r->agencies)) != SJ_OK)
			goto out;
		snprintf(r->agencies[r->nagencies].code, sizeof r->agencies->code, "%s", ar->code);
		r->agencies[r->nagencies].seq = e->seq;
		r->nagencies++;
		if ((rc = index_add(&r->agency_ix, r, r->nagencies, agency_hash)) != SJ_OK) {
			r->nagencies--;
			goto out;
		}
		if ((rc = policy_agency(r->policy, ar->code, ar->name, ar->parent, ar->annual_cap,
				       e->seq)) !=
		    SJ_OK) {
			r->nagencies--;
			(void)index_rebuild(&r->agency_ix, r, r->nagencies, agency_hash);
			policy_rollback(r->policy, e->seq);
			goto out;
		}
		break;
	case ENTRY_CLIENT_REGISTER:
		if (!by_admin(actor))
			FAIL("only an administrator may register a client");
		pbuf_reset();
		cr = suiji__client_register__unpack(&pbuf_allocator, e->payload_len, e->payload);
		if (cr == NULL && pbuf_failed()) {
			rc = SJ_ENOMEM;
			goto out;
		}
		if (cr == NULL)
			FAIL("client-register payload does not decode as suiji.ClientRegister");
		if (cr->public_key.len != ENTRY_KEY_SIZE)
			FAIL("client public key is %zu bytes, not %d", cr->public_key.len,
			     ENTRY_KEY_SIZE);
		if (cr->role < SUIJI__ROLE__ROLE_OPERATOR || cr->role > SUIJI__ROLE__ROLE_ADMIN)
			FAIL("client role %d is not a known role", (int)cr->role);
		if (!find_agency(r, cr->agency, strlen(cr->agency)))
			FAIL("client registered for unknown agency \"%s\"", cr->agency);
		if (find_client(r, cr->public_key.data))
			FAIL("client key is registered already");
		if ((rc = util_grow((void **)&r->clients, &r->cclients, r->nclients,
			       sizeof *r->clients)) != SJ_OK)
			goto out;
		{
			struct replay_client *c = &r->clients[r->nclients];
			memcpy(c->key, cr->public_key.data, ENTRY_KEY_SIZE);
			snprintf(c->agency, sizeof c->agency, "%s", cr->agency);
			c->role = (int)cr->role;
			c->seq = e->seq;
			c->revoked_seq = UINT64_MAX;
		}
		r->nclients++;
		if ((rc = index_add(&r->client_ix, r, r->nclients, client_hash)) != SJ_OK) {
			r->nclients--;
			goto out;
		}
		break;
	case ENTRY_CLIENT_REVOKE: {
		struct replay_client *c;
		if (!by_admin(actor))
			FAIL("only an administrator may revoke a client");
		pbuf_reset();
		cv = suiji__client_revoke__unpack(&pbuf_allocator, e->payload_len, e->payload);
		if (cv == NULL && pbuf_failed()) {
			rc = SJ_ENOMEM;
			goto out;
		}
		if (cv == NULL)
			FAIL("client-revoke payload does not decode as suiji.ClientRevoke");
		if (cv->public_key.len != ENTRY_KEY_SIZE ||
		    (c = find_client(r, cv->public_key.data)) == NULL)
			FAIL("client-revoke names a key that is not registered");
		if (c->revoked_seq != UINT64_MAX)
			FAIL("client key was revoked already at entry %llu",
			     (unsigned long long)c->revoked_seq);
		c->revoked_seq = e->seq;
		break;
	}
	case ENTRY_BEACON_ADD:
		rc = draws_beacon_add(r->draws, e, by_admin(actor), err, err_cap);
		break;
	case ENTRY_DRAW_REQUEST:
		/* The log operator may file a draw for an agency: it must exist. */
		if (actor == NULL && e->agency_len &&
		    find_agency(r, e->agency, e->agency_len) == NULL)
			FAIL("draw requested for unknown agency \"%.*s\"", (int)e->agency_len,
			     e->agency);
		rc = draws_request(r->draws, e,
				   actor == NULL || actor->role == SUIJI__ROLE__ROLE_OPERATOR ||
					   actor->role == SUIJI__ROLE__ROLE_SUPERVISOR,
				   err, err_cap);
		if (rc == SJ_OK) {
			/* The policy's rules (R5-R14) need the decoded pools. */
			size_t i = draws_count(r->draws) - 1;
			const struct draw_objects *o;
			const struct draw_people *of, *ex;
			draws_pools(r->draws, i, &o, &of, &ex);
			rc = policy_draw_request(r->policy, r->plans, e, draws_inputs(r->draws, i), o,
						 of, ex, actor ? actor->role : 0, err, err_cap);
			if (rc != SJ_OK) {
				draws_rollback(r->draws, e->seq);
				policy_rollback(r->policy, e->seq);
			}
		}
		break;
	case ENTRY_DRAW_COMMIT:
		rc = draws_commit(r->draws, e, hash, err, err_cap);
		break;
	case ENTRY_DRAW_REVEAL:
		rc = draws_reveal(r->draws, e, err, err_cap);
		break;
	case ENTRY_DIRECTORY_IMPORT:
		/* The log operator imports for any registered agency; a client
		 * only for its own (checked above), and only as an operator. */
		rc = dirs_import(r->dirs, e,
				 e->agency_len && find_agency(r, e->agency, e->agency_len) != NULL,
				 actor == NULL || actor->role == SUIJI__ROLE__ROLE_OPERATOR, err,
				 err_cap);
		if (rc == SJ_OK && (rc = policy_directory(r->policy, e)) != SJ_OK) {
			dirs_rollback(r->dirs, e->seq);
			policy_rollback(r->policy, e->seq);
		}
		break;
	case ENTRY_CALENDAR:
		rc = policy_calendar(r->policy, e, by_admin(actor), err, err_cap);
		break;
	case ENTRY_RESULT: {
		char id[80], ag[ENTRY_MAX_AGENCY + 1];
		if (actor) {
			static const char hex[] = "0123456789abcdef";
			memcpy(id, "key:", 4);
			for (int i = 0; i < 8; i++) {
				id[4 + 2 * i] = hex[e->actor[i] >> 4];
				id[5 + 2 * i] = hex[e->actor[i] & 15];
			}
			id[20] = '\0';
		} else
			snprintf(id, sizeof id, "log");
		snprintf(ag, sizeof ag, "%.*s", (int)e->agency_len, e->agency);
		rc = policy_result(r->policy, r->plans, e, actor ? actor->role : 0, ag, id, err,
				   err_cap);
		break;
	}
	case ENTRY_ITEM_LIST:
	case ENTRY_PLAN:
	case ENTRY_PLAN_REVIEW:
	case ENTRY_PLAN_FILE:
	case ENTRY_PLAN_PUBLISH:
	case ENTRY_TASK: {
		/* The roles each step needs are plans.h's: it is told who
		 * wrote the entry (the log operator is role 0). */
		struct plans_actor who = {.role = actor ? actor->role : 0,
					  .agency = actor ? actor->agency : "",
					  .agency_known = agency_known,
					  .ctx = r};
		rc = plans_apply(r->plans, e, &who, err, err_cap);
		break;
	}
	}
out:
	suiji__log_init__free_unpacked(li, NULL);
	suiji__witness_add__free_unpacked(wa, NULL);
	suiji__agency_register__free_unpacked(ar, NULL);
	suiji__client_register__free_unpacked(cr, NULL);
	suiji__client_revoke__free_unpacked(cv, NULL);
	return rc;
}

void replay_rollback(struct replay *r, uint64_t seq)
{
	while (r->nagencies && r->agencies[r->nagencies - 1].seq >= seq)
		r->nagencies--;
	while (r->nclients && r->clients[r->nclients - 1].seq >= seq)
		r->nclients--;
	while (r->nwitnesses && r->witnesses[r->nwitnesses - 1].seq >= seq)
		r->nwitnesses--;
	for (size_t i = 0; i < r->nclients; i++)
		if (r->clients[i].revoked_seq != UINT64_MAX && r->clients[i].revoked_seq >= seq)
			r->clients[i].revoked_seq = UINT64_MAX;
	/* If a rebuild cannot allocate, the old index still finds every
	 * element that remains, and lookups skip positions past the end. */
	(void)index_rebuild(&r->agency_ix, r, r->nagencies, agency_hash);
	(void)index_rebuild(&r->client_ix, r, r->nclients, client_hash);
	draws_rollback(r->draws, seq);
	dirs_rollback(r->dirs, seq);
	plans_rollback(r->plans, seq);
	policy_rollback(r->policy, seq);
	if (seq == 0) {
		r->have_init = 0;
		r->origin[0] = '\0';
	}
}

int replay_client(const struct replay *r, const uint8_t key[ENTRY_KEY_SIZE], int *role,
		  char *agency)
{
	const struct replay_client *c = find_client(r, key);
	if (c == NULL)
		return SJ_ENOENT;
	if (c->revoked_seq != UINT64_MAX)
		return SJ_EPERM;
	*role = c->role;
	memcpy(agency, c->agency, sizeof c->agency);
	return SJ_OK;
}

void replay_settle(struct replay *r)
{
	draws_settle(r->draws);
	dirs_settle(r->dirs);
	plans_settle(r->plans);
}

void replay_set_draw_observer(struct replay *r, draws_observer_fn fn, void *ctx)
{
	draws_set_observer(r->draws, fn, ctx);
}

const struct draws *replay_draws(const struct replay *r)
{
	return r->draws;
}

const struct dirs *replay_dirs(const struct replay *r)
{
	return r->dirs;
}

const struct plans *replay_plans(const struct replay *r)
{
	return r->plans;
}

const struct policy *replay_policy(const struct replay *r)
{
	return r->policy;
}

void replay_set_audit(struct replay *r, int audit)
{
	policy_set_audit(r->policy, audit);
}

const char *replay_origin(const struct replay *r)
{
	return r->have_init ? r->origin : NULL;
}

const struct note_vkey *replay_log_key(const struct replay *r)
{
	return r->have_init ? &r->log_key : NULL;
}

const struct note_vkey *replay_witnesses(const struct replay *r, size_t *n)
{
	*n = r->nwitnesses;
	return r->witness_keys;
}
