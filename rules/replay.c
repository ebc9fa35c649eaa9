/*
 * replay.c: the per-entry rules of replay.h, as one table of entry
 * handlers, and the little state of its own (the log's origin and key,
 * clients, witnesses). Agencies are agencies.h's; every other fact is the
 * module's that its handler calls.
 *
 * An entry goes through replay_apply in this order:
 *  1. the checks common to every entry: its place (entry 0 is the
 *     log-init), its type (a handler exists), the log's signature on its
 *     bytes (entry 0's is checked against the key it names, by its
 *     handler), its actor (a signed entry's key is registered, not
 *     revoked, of the entry's agency, its request counter is above every
 *     earlier one of that key, and its request signature verifies), and
 *     for an administrative type, that the actor is an administrator;
 *  2. the handler's decode: the payload as the message its type names;
 *  3. the handler's check: the rules that read the state, changing nothing;
 *  4. the handler's apply: the change.
 * Types whose rules live in a module (draws.h, dirs.h, plans.h, policy.h)
 * have no decode or check here: their apply calls the module, which
 * decodes, checks and applies. If an apply fails (a rule of a later module
 * in the same entry, or memory), the entry is undone by the one mechanism
 * that undoes a batch: every module rolls back to the entry's seq
 * (replay_rollback). Since the failed entry is the latest, that restores
 * the state exactly.
 */
#include "rules/replay.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hmap.h"
#include "common/pbuf.h"
#include "common/util.h"
#include "rules/agencies.h"
#include "rules/facts.h"
#include "rules/pubvalues.h"
#include "rules/rules.h"

#include "proto/beacon.pb-c.h"
#include "proto/ledger.pb-c.h"

#define REPLAY_WINDOW 64

struct replay_client {
	uint8_t key[ENTRY_KEY_SIZE];
	char agency[ENTRY_MAX_AGENCY + 1];
	int role;
	uint64_t seq;
	uint64_t revoked_seq; /* UINT64_MAX while valid */
	/* Request counters (entry.h), as an anti-replay window: the key's
	 * REPLAY_WINDOW most recent counters, and floor, the largest one that
	 * fell out of the window. A counter is taken once, and only above
	 * floor: so a client may have several requests in flight, signed in
	 * one order and stored in another, but no request counts twice. */
	uint64_t window[REPLAY_WINDOW];
	size_t nwindow;
	uint64_t floor;
};

/* What one entry did to its client's window, kept until the entry settles
 * so that a rolled-back batch can put it back. */
struct replay_counter_undo {
	size_t client;
	uint64_t seq, counter, evicted, floor;
	int did_evict;
};

struct replay {
	char origin[ENTRY_MAX_ORIGIN + 1];
	struct note_vkey log_key;
	int have_init;
	struct replay_client *clients;
	size_t nclients, cclients;
	struct hmap client_ix; /* hex of the key -> position */
	struct replay_counter_undo *undo;
	size_t nundo, cundo;
	struct note_vkey *witnesses;
	uint64_t *witness_seqs; /* the entry that added each */
	size_t nwitnesses, cwitnesses, cwitness_seqs;
	struct agencies *agencies;
	struct draws *draws;
	struct dirs *dirs;
	struct plans *plans;
	struct policy *policy;
	struct facts *facts;
	struct pubvalues *pubvalues;
};

/* One entry as its handler sees it: the entry, its hash, and who wrote it
 * (actor NULL for the log operator). */
struct replay_act {
	const struct entry *e;
	const uint8_t *hash;
	const struct replay_client *actor;
};

/*
 * One entry type's rules. admin names what only an administrator (or the
 * log operator) may do, or is NULL; msg is the payload's message, or NULL
 * when the module decodes it. check reads the state and changes nothing;
 * apply changes it, and on failure the entry is undone (see above).
 */
struct replay_handler {
	uint32_t type;
	const char *name;
	const char *admin;
	const ProtobufCMessageDescriptor *msg;
	int (*check)(const struct replay *r, const struct replay_act *a, const void *m, char *err,
	             size_t err_cap);
	int (*apply)(struct replay *r, const struct replay_act *a, const void *m, char *err,
	             size_t err_cap);
};

/* ---- Clients ---- */

static const char *client_key(char buf[2 * ENTRY_KEY_SIZE + 1], const uint8_t *key)
{
	util_hex(buf, key, ENTRY_KEY_SIZE);
	return buf;
}

static struct replay_client *find_client(const struct replay *r, const uint8_t *key)
{
	char hex[2 * ENTRY_KEY_SIZE + 1];
	long i = hmap_get(&r->client_ix, client_key(hex, key));
	/* After a rollback whose rebuild could not allocate, the index may
	 * still name positions past the end: those are gone. */
	return i < 0 || (size_t)i >= r->nclients ? NULL : &r->clients[i];
}

/* For plans.h: whether code names a registered agency. */
static int agency_known(const void *ctx, const char *code)
{
	return agencies_find(ctx, code) != NULL;
}

static int entry_agency_known(const struct replay *r, const struct entry *e)
{
	return e->agency_len && agencies_find_n(r->agencies, e->agency, e->agency_len) != NULL;
}

/* Who may write administrative entries: the log operator (unsigned) or a
 * registered administrator. */
static int by_admin(const struct replay_client *c)
{
	return c == NULL || c->role == SUIJI__ROLE__ROLE_ADMIN;
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

/* R18: the log's signature on e's bytes by the log key log_pk (entry.h).
 * Without it, anyone who can write the database file could add entries. */
static int log_signed(const struct entry *e, const uint8_t *log_pk, char *err, size_t err_cap)
{
	int rc = entry_verify_log(e, log_pk);
	if (rc == SJ_ENOMEM)
		return rc;
	if (rc != SJ_OK)
		return rules_fail(err, err_cap,
		                  "R18: the log's signature on the entry does not verify: it was "
		                  "not written by the log (appended without the log key, or "
		                  "altered)");
	return SJ_OK;
}

/* ---- The handlers of the log's own entries ---- */

static int check_log_init(const struct replay *r, const struct replay_act *a, const void *m,
                          char *err, size_t err_cap)
{
	const Suiji__LogInit *li = m;
	struct note_vkey k;
	(void)r;
	if (a->e->sig != NULL)
		return rules_fail(err, err_cap,
		                  "a log-init must be written by the log itself, not a client");
	if (!valid_text(li->origin, ENTRY_MAX_ORIGIN))
		return rules_fail(
		    err, err_cap,
		    "log-init origin is empty, too long or holds a control character");
	if (note_vkey_parse(&k, li->log_vkey) != SJ_OK || k.type != NOTE_TYPE_ED25519)
		return rules_fail(err, err_cap,
		                  "log-init log key is not an Ed25519 signed-note verifier key");
	return log_signed(a->e, k.pk, err, err_cap);
}

static int apply_log_init(struct replay *r, const struct replay_act *a, const void *m, char *err,
                          size_t err_cap)
{
	const Suiji__LogInit *li = m;
	(void)a;
	(void)err;
	(void)err_cap;
	if (note_vkey_parse(&r->log_key, li->log_vkey) != SJ_OK)
		return SJ_EVERIFY; /* check_log_init parsed it */
	snprintf(r->origin, sizeof r->origin, "%s", li->origin);
	r->have_init = 1;
	return SJ_OK;
}

static int check_witness_add(const struct replay *r, const struct replay_act *a, const void *m,
                             char *err, size_t err_cap)
{
	const Suiji__WitnessAdd *wa = m;
	struct note_vkey k;
	(void)a;
	if (note_vkey_parse(&k, wa->vkey) != SJ_OK || k.type != NOTE_TYPE_COSIG_V1)
		return rules_fail(err, err_cap, "witness key is not a cosignature/v1 verifier key");
	for (size_t i = 0; i < r->nwitnesses; i++)
		if (r->witnesses[i].id == k.id && strcmp(r->witnesses[i].name, k.name) == 0)
			return rules_fail(err, err_cap, "witness %s is registered already", k.name);
	return SJ_OK;
}

static int apply_witness_add(struct replay *r, const struct replay_act *a, const void *m, char *err,
                             size_t err_cap)
{
	const Suiji__WitnessAdd *wa = m;
	int rc;
	(void)err;
	(void)err_cap;
	if ((rc = util_grow((void **)&r->witnesses, &r->cwitnesses, r->nwitnesses,
	                    sizeof *r->witnesses)) != SJ_OK ||
	    (rc = util_grow((void **)&r->witness_seqs, &r->cwitness_seqs, r->nwitnesses,
	                    sizeof *r->witness_seqs)) != SJ_OK)
		return rc;
	if (note_vkey_parse(&r->witnesses[r->nwitnesses], wa->vkey) != SJ_OK)
		return SJ_EVERIFY; /* check_witness_add parsed it */
	r->witness_seqs[r->nwitnesses] = a->e->seq;
	r->nwitnesses++;
	return SJ_OK;
}

static int check_agency_register(const struct replay *r, const struct replay_act *a, const void *m,
                                 char *err, size_t err_cap)
{
	const Suiji__AgencyRegister *ar = m;
	(void)a;
	if (!valid_text(ar->code, ENTRY_MAX_AGENCY) || strchr(ar->code, ' '))
		return rules_fail(err, err_cap,
		                  "agency code is empty, longer than %d bytes or holds a space or "
		                  "control character",
		                  ENTRY_MAX_AGENCY);
	if (!valid_text(ar->name, 1024))
		return rules_fail(err, err_cap, "agency %s has no valid name", ar->code);
	if (agencies_find(r->agencies, ar->code))
		return rules_fail(err, err_cap, "agency %s is registered already", ar->code);
	if (ar->parent[0] && !agencies_find(r->agencies, ar->parent))
		return rules_fail(err, err_cap, "agency %s names unknown superior agency %s",
		                  ar->code, ar->parent);
	if (ar->annual_cap > 100)
		return rules_fail(err, err_cap,
		                  "agency %s: an annual cap of %u checks is not 0..100 (R9)",
		                  ar->code, ar->annual_cap);
	return SJ_OK;
}

static int apply_agency_register(struct replay *r, const struct replay_act *a, const void *m,
                                 char *err, size_t err_cap)
{
	const Suiji__AgencyRegister *ar = m;
	(void)err;
	(void)err_cap;
	return agencies_add(r->agencies, ar->code, ar->name, ar->parent, ar->annual_cap,
	                    POLICY_DEFAULT_CAP, a->e->seq);
}

static int check_client_register(const struct replay *r, const struct replay_act *a, const void *m,
                                 char *err, size_t err_cap)
{
	const Suiji__ClientRegister *cr = m;
	(void)a;
	if (cr->public_key.len != ENTRY_KEY_SIZE)
		return rules_fail(err, err_cap, "client public key is %zu bytes, not %d",
		                  cr->public_key.len, ENTRY_KEY_SIZE);
	if (cr->role < SUIJI__ROLE__ROLE_OPERATOR || cr->role > SUIJI__ROLE__ROLE_ADMIN)
		return rules_fail(err, err_cap, "client role %d is not a known role",
		                  (int)cr->role);
	if (!agencies_find(r->agencies, cr->agency))
		return rules_fail(err, err_cap, "client registered for unknown agency \"%s\"",
		                  cr->agency);
	if (find_client(r, cr->public_key.data))
		return rules_fail(err, err_cap, "client key is registered already");
	if (pubvalues_signer_seq(r->pubvalues, cr->public_key.data) != UINT64_MAX)
		return rules_fail(err, err_cap,
				  "R6: client key is a public-values signer's key, which may "
				  "not act for an agency");
	return SJ_OK;
}

static int apply_client_register(struct replay *r, const struct replay_act *a, const void *m,
                                 char *err, size_t err_cap)
{
	const Suiji__ClientRegister *cr = m;
	char hex[2 * ENTRY_KEY_SIZE + 1];
	int rc;
	(void)err;
	(void)err_cap;
	if ((rc = util_grow((void **)&r->clients, &r->cclients, r->nclients, sizeof *r->clients)) !=
	    SJ_OK)
		return rc;
	struct replay_client *c = &r->clients[r->nclients];
	memcpy(c->key, cr->public_key.data, ENTRY_KEY_SIZE);
	snprintf(c->agency, sizeof c->agency, "%s", cr->agency);
	c->role = (int)cr->role;
	c->seq = a->e->seq;
	c->revoked_seq = UINT64_MAX;
	c->nwindow = 0;
	c->floor = 0;
	if ((rc = hmap_put(&r->client_ix, client_key(hex, c->key), r->nclients)) != SJ_OK)
		return rc;
	r->nclients++;
	return SJ_OK;
}

static int check_client_revoke(const struct replay *r, const struct replay_act *a, const void *m,
                               char *err, size_t err_cap)
{
	const Suiji__ClientRevoke *cv = m;
	const struct replay_client *c;
	(void)a;
	if (cv->public_key.len != ENTRY_KEY_SIZE ||
	    (c = find_client(r, cv->public_key.data)) == NULL)
		return rules_fail(err, err_cap, "client-revoke names a key that is not registered");
	if (c->revoked_seq != UINT64_MAX)
		return rules_fail(err, err_cap, "client key was revoked already at entry %llu",
		                  (unsigned long long)c->revoked_seq);
	return SJ_OK;
}

static int apply_client_revoke(struct replay *r, const struct replay_act *a, const void *m,
                               char *err, size_t err_cap)
{
	const Suiji__ClientRevoke *cv = m;
	(void)err;
	(void)err_cap;
	find_client(r, cv->public_key.data)->revoked_seq = a->e->seq;
	return SJ_OK;
}

/* ---- The handlers that call a module ---- */

static int apply_beacon_add(struct replay *r, const struct replay_act *a, const void *m, char *err,
                            size_t err_cap)
{
	(void)m;
	return draws_beacon_add(r->draws, a->e, by_admin(a->actor), err, err_cap);
}

/* A draw request keeps draws.h's rules, then the policy's (R5-R14), which
 * need the pools draws.h decoded. */
static int apply_draw_request(struct replay *r, const struct replay_act *a, const void *m,
                              char *err, size_t err_cap)
{
	const struct entry *e = a->e;
	const struct replay_client *c = a->actor;
	const struct draw_objects *o;
	const struct draw_people *of, *ex;
	int rc;
	(void)m;
	/* The log operator may file a draw for an agency: it must exist. */
	if (c == NULL && e->agency_len && !entry_agency_known(r, e))
		return rules_fail(err, err_cap, "draw requested for unknown agency \"%.*s\"",
		                  (int)e->agency_len, e->agency);
	rc = draws_request(r->draws, e,
	                   c == NULL || c->role == SUIJI__ROLE__ROLE_OPERATOR ||
	                       c->role == SUIJI__ROLE__ROLE_SUPERVISOR,
	                   err, err_cap);
	if (rc != SJ_OK)
		return rc;
	size_t i = draws_count(r->draws) - 1;
	draws_pools(r->draws, i, &o, &of, &ex);
	return policy_draw_request(r->policy, r->plans, e, draws_inputs(r->draws, i), o, of, ex,
	                           c ? c->role : 0, err, err_cap);
}

static int apply_draw_commit(struct replay *r, const struct replay_act *a, const void *m, char *err,
                             size_t err_cap)
{
	(void)m;
	return draws_commit(r->draws, a->e, a->hash, err, err_cap);
}

static int apply_draw_reveal(struct replay *r, const struct replay_act *a, const void *m, char *err,
                             size_t err_cap)
{
	(void)m;
	return draws_reveal(r->draws, a->e, err, err_cap);
}

/* The log operator imports for any registered agency; a client only for
 * its own (a common check), and only as an operator. */
static int apply_directory_import(struct replay *r, const struct replay_act *a, const void *m,
                                  char *err, size_t err_cap)
{
	(void)m;
	return dirs_import(r->dirs, a->e, entry_agency_known(r, a->e),
	                   a->actor == NULL || a->actor->role == SUIJI__ROLE__ROLE_OPERATOR, err,
	                   err_cap);
}

static int apply_calendar(struct replay *r, const struct replay_act *a, const void *m, char *err,
                          size_t err_cap)
{
	(void)m;
	return policy_calendar(r->policy, a->e, by_admin(a->actor), err, err_cap);
}

/* A result's history names its actor: "key:" and the first 8 bytes of the
 * client key in hex, or "log". */
static int apply_result(struct replay *r, const struct replay_act *a, const void *m, char *err,
                        size_t err_cap)
{
	const struct entry *e = a->e;
	char id[80], ag[ENTRY_MAX_AGENCY + 1];
	(void)m;
	if (a->actor) {
		memcpy(id, "key:", 4);
		util_hex(id + 4, e->actor, 8);
	} else {
		snprintf(id, sizeof id, "log");
	}
	snprintf(ag, sizeof ag, "%.*s", (int)e->agency_len, e->agency);
	return policy_result(r->policy, r->plans, e, a->actor ? a->actor->role : 0, ag, id, err,
	                     err_cap);
}

/* Item lists, plans and tasks: the roles each step needs are plans.h's;
 * it is told who wrote the entry (the log operator is role 0). */
static int apply_plans(struct replay *r, const struct replay_act *a, const void *m, char *err,
                       size_t err_cap)
{
	struct plans_actor who = {.role = a->actor ? a->actor->role : 0,
	                          .agency = a->actor ? a->actor->agency : "",
	                          .agency_known = agency_known,
	                          .ctx = r->agencies};
	(void)m;
	return plans_apply(r->plans, a->e, &who, err, err_cap);
}

/* Leads and unavailability (facts.h): an operator of the agency or the
 * log operator enters them; a legal reviewer reviews unavailability. */
static int apply_lead(struct replay *r, const struct replay_act *a, const void *m, char *err,
		      size_t err_cap)
{
	(void)m;
	return facts_lead_add(r->facts, r->dirs, a->e, a->actor ? a->actor->role : 0,
			      entry_agency_known(r, a->e), err, err_cap);
}

static int apply_unavailability(struct replay *r, const struct replay_act *a, const void *m,
				char *err, size_t err_cap)
{
	(void)m;
	return facts_unavailability(r->facts, r->dirs, a->e, a->actor ? a->actor->role : 0,
				    entry_agency_known(r, a->e), err, err_cap);
}

/* ---- Public values (rules/pubvalues.h) ---- */

/* The signer must be independent: not the log's key, not any client's key
 * (an agency's operator, or anyone the log operator registered to act for
 * an agency); check_client_register refuses the other order. */
static int check_pubvalues_signer(const struct replay *r, const struct replay_act *a,
				  const void *m, char *err, size_t err_cap)
{
	const Suiji__PubValuesSigner *ps = m;
	(void)a;
	if (ps->public_key.len != ENTRY_KEY_SIZE)
		return rules_fail(err, err_cap, "signer public key is %zu bytes, not %d",
				  ps->public_key.len, ENTRY_KEY_SIZE);
	if (!valid_text(ps->name, 200))
		return rules_fail(err, err_cap, "a public-values signer needs a name (who holds "
						"the key)");
	if (memcmp(ps->public_key.data, r->log_key.pk, ENTRY_KEY_SIZE) == 0)
		return rules_fail(err, err_cap,
				  "R6: the log's own key cannot sign public values: the log "
				  "operator reveals the draws");
	if (find_client(r, ps->public_key.data))
		return rules_fail(err, err_cap,
				  "R6: a client key (of an agency's operator or any other role) "
				  "cannot sign public values: the signer must be independent");
	return SJ_OK;
}

static int apply_pubvalues_signer(struct replay *r, const struct replay_act *a, const void *m,
				  char *err, size_t err_cap)
{
	const Suiji__PubValuesSigner *ps = m;
	return pubvalues_signer_add(r->pubvalues, ps->public_key.data, ps->name, a->e->seq, err,
				    err_cap);
}

static int source_is_manual(const void *ctx, const char *id)
{
	const struct beacon_chain *chain;
	const char *url;
	int manual = 0;
	int64_t margin;
	return draws_source(ctx, id, &chain, &manual, &margin, &url) == SJ_OK && manual;
}

static int apply_public_values(struct replay *r, const struct replay_act *a, const void *m,
			       char *err, size_t err_cap)
{
	(void)m;
	return pubvalues_add(r->pubvalues, a->e, source_is_manual, r->draws, err, err_cap);
}

/* The handler table: one line per entry type, the source of truth for
 * what replay_apply does with it. */
static const struct replay_handler replay_handlers[] = {
	{ENTRY_LOG_INIT, "log-init", NULL, &suiji__log_init__descriptor, check_log_init,
	 apply_log_init},
	{ENTRY_WITNESS_ADD, "witness-add", "add a witness", &suiji__witness_add__descriptor,
	 check_witness_add, apply_witness_add},
	{ENTRY_AGENCY_REGISTER, "agency-register", "register an agency",
	 &suiji__agency_register__descriptor, check_agency_register, apply_agency_register},
	{ENTRY_CLIENT_REGISTER, "client-register", "register a client",
	 &suiji__client_register__descriptor, check_client_register, apply_client_register},
	{ENTRY_CLIENT_REVOKE, "client-revoke", "revoke a client", &suiji__client_revoke__descriptor,
	 check_client_revoke, apply_client_revoke},
	{ENTRY_BEACON_ADD, "beacon-add", NULL, NULL, NULL, apply_beacon_add},
	{ENTRY_DRAW_REQUEST, "draw-request", NULL, NULL, NULL, apply_draw_request},
	{ENTRY_DRAW_COMMIT, "draw-commit", NULL, NULL, NULL, apply_draw_commit},
	{ENTRY_DRAW_REVEAL, "draw-reveal", NULL, NULL, NULL, apply_draw_reveal},
	{ENTRY_DIRECTORY_IMPORT, "directory-import", NULL, NULL, NULL, apply_directory_import},
	{ENTRY_ITEM_LIST, "item-list", NULL, NULL, NULL, apply_plans},
	{ENTRY_PLAN, "plan", NULL, NULL, NULL, apply_plans},
	{ENTRY_PLAN_REVIEW, "plan-review", NULL, NULL, NULL, apply_plans},
	{ENTRY_PLAN_FILE, "plan-file", NULL, NULL, NULL, apply_plans},
	{ENTRY_PLAN_PUBLISH, "plan-publish", NULL, NULL, NULL, apply_plans},
	{ENTRY_TASK, "task", NULL, NULL, NULL, apply_plans},
	{ENTRY_CALENDAR, "calendar", NULL, NULL, NULL, apply_calendar},
	{ENTRY_RESULT, "result", NULL, NULL, NULL, apply_result},
	{ENTRY_LEAD, "lead", NULL, NULL, NULL, apply_lead},
	{ENTRY_UNAVAILABILITY, "unavailability", NULL, NULL, NULL, apply_unavailability},
	{ENTRY_PUBVALUES_SIGNER, "pubvalues-signer", "register a public-values signer",
	 &suiji__pub_values_signer__descriptor, check_pubvalues_signer, apply_pubvalues_signer},
	{ENTRY_PUBLIC_VALUES, "public-values", NULL, NULL, NULL, apply_public_values},
};

static const struct replay_handler *find_handler(uint32_t type)
{
	for (size_t i = 0; i < sizeof replay_handlers / sizeof *replay_handlers; i++)
		if (replay_handlers[i].type == type)
			return &replay_handlers[i];
	return NULL;
}

/* ---- Life ---- */

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
	if (agencies_new(&r->agencies) != SJ_OK || draws_new(&r->draws) != SJ_OK ||
	    dirs_new(&r->dirs) != SJ_OK || plans_new(&r->plans) != SJ_OK ||
	    policy_new(&r->policy, r->agencies, r->dirs) != SJ_OK ||
	    facts_new(&r->facts) != SJ_OK || pubvalues_new(&r->pubvalues) != SJ_OK) {
		replay_free(r);
		return SJ_ENOMEM;
	}
	draws_set_hook(r->draws, reveal_hook, r->policy);
	policy_set_facts(r->policy, r->facts);
	policy_set_draws(r->policy, r->draws);
	draws_set_pubvalues(r->draws, r->pubvalues);
	*out = r;
	return SJ_OK;
}

void replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	free(r->clients);
	free(r->undo);
	hmap_clear(&r->client_ix);
	free(r->witnesses);
	free(r->witness_seqs);
	policy_free(r->policy);
	facts_free(r->facts);
	pubvalues_free(r->pubvalues);
	plans_free(r->plans);
	dirs_free(r->dirs);
	draws_free(r->draws);
	agencies_free(r->agencies);
	free(r);
}

/* ---- Apply ---- */

/* The largest request counter c may no longer use: the floor, or once the
 * window is full, its smallest counter (a newer one must take its place). */
static uint64_t counter_low(const struct replay_client *c)
{
	uint64_t low = c->floor;
	if (c->nwindow == REPLAY_WINDOW) {
		low = c->window[0];
		for (size_t i = 1; i < c->nwindow; i++)
			if (c->window[i] < low)
				low = c->window[i];
	}
	return low;
}

/* The checks common to every entry (step 1 above). */
static int check_common(const struct replay *r, const struct entry *e,
                        const struct replay_handler *h, const struct replay_client **actor,
                        char *err, size_t err_cap)
{
	const struct replay_client *c = NULL;
	int rc;
	if ((e->seq == 0) != (e->type == ENTRY_LOG_INIT))
		return rules_fail(err, err_cap, "%s",
		                  e->seq == 0 ? "the first entry must be a log-init"
		                              : "a log-init may only be the first entry");
	if (h == NULL || entry_type_name(e->type) == NULL)
		return rules_fail(err, err_cap, "unknown entry type %u", e->type);
	if (e->seq != 0 && r->have_init &&
	    (rc = log_signed(e, r->log_key.pk, err, err_cap)) != SJ_OK)
		return rc;
	if (e->sig != NULL && e->type == ENTRY_PUBLIC_VALUES) {
		/* Signed by a public-values signer, who is no client: its
		 * registration is pubvalues.h's to check, the signature here. */
		if (!r->have_init)
			return rules_fail(err, err_cap, "a signed entry before the log-init");
		rc = entry_verify_request(e, r->origin);
		if (rc == SJ_ENOMEM)
			return rc;
		if (rc != SJ_OK)
			return rules_fail(err, err_cap,
					  "R6: the public-values signer's signature does not verify");
	} else if (e->sig != NULL) {
		if (!r->have_init)
			return rules_fail(err, err_cap, "a signed entry before the log-init");
		c = find_client(r, e->actor);
		if (c == NULL)
			return rules_fail(err, err_cap,
			                  "signed by a client key that no earlier client-register "
			                  "entry registered");
		if (c->revoked_seq != UINT64_MAX)
			return rules_fail(err, err_cap,
			                  "signed by a client key revoked at entry %llu",
			                  (unsigned long long)c->revoked_seq);
		if (strlen(c->agency) != e->agency_len ||
		    memcmp(c->agency, e->agency, e->agency_len) != 0)
			return rules_fail(err, err_cap,
			                  "actor agency \"%.*s\" is not the agency \"%s\" its key "
			                  "was registered for",
			                  (int)e->agency_len, e->agency, c->agency);
		rc = entry_verify_request(e, r->origin);
		if (rc == SJ_ENOMEM)
			return rc;
		if (rc != SJ_OK)
			return rules_fail(err, err_cap,
			                  "the client's request signature does not verify");
		/* A signed request counts once: the same request stored again,
		 * or one older than the key's window, is a replay. */
		if (e->counter <= counter_low(c))
			return rules_fail(
			    err, err_cap,
			    "R18: a replayed or stale request: its counter %llu is not "
			    "above %llu, older than this client key's %d latest",
			    (unsigned long long)e->counter, (unsigned long long)counter_low(c),
			    REPLAY_WINDOW);
		for (size_t i = 0; i < c->nwindow; i++)
			if (c->window[i] == e->counter)
				return rules_fail(
				    err, err_cap,
				    "R18: a replayed request: its counter %llu was used "
				    "already by this client key",
				    (unsigned long long)e->counter);
	}
	if (h->admin && !by_admin(c))
		return rules_fail(err, err_cap, "only an administrator may %s", h->admin);
	*actor = c;
	return SJ_OK;
}

/* Takes e's request counter into client ci's window (check_common found
 * it above the floor and unused); a full window gives up its smallest,
 * which becomes the floor. What changed is kept until e settles. */
static int use_counter(struct replay *r, size_t ci, const struct entry *e)
{
	struct replay_client *c = &r->clients[ci];
	struct replay_counter_undo u = {
	    .client = ci, .seq = e->seq, .counter = e->counter, .floor = c->floor};
	int rc = util_grow((void **)&r->undo, &r->cundo, r->nundo, sizeof *r->undo);
	if (rc != SJ_OK)
		return rc;
	if (c->nwindow == REPLAY_WINDOW) {
		size_t min = 0;
		for (size_t i = 1; i < c->nwindow; i++)
			if (c->window[i] < c->window[min])
				min = i;
		u.evicted = c->window[min];
		u.did_evict = 1;
		c->window[min] = c->window[--c->nwindow];
		if (u.evicted > c->floor)
			c->floor = u.evicted;
	}
	c->window[c->nwindow++] = e->counter;
	r->undo[r->nundo++] = u;
	return SJ_OK;
}

/* Undoes use_counter (the latest one not undone yet). */
static void unuse_counter(struct replay *r, const struct replay_counter_undo *u)
{
	struct replay_client *c = &r->clients[u->client];
	for (size_t i = 0; i < c->nwindow; i++)
		if (c->window[i] == u->counter) {
			c->window[i] = c->window[--c->nwindow];
			break;
		}
	if (u->did_evict)
		c->window[c->nwindow++] = u->evicted;
	c->floor = u->floor;
}

/* The payload as h's message into *out (step 2 above). */
static int decode(const struct replay_handler *h, const struct entry *e, ProtobufCMessage **out,
                  char *err, size_t err_cap)
{
	*out = NULL;
	if (h->msg == NULL)
		return SJ_OK;
	pbuf_reset();
	*out = protobuf_c_message_unpack(h->msg, &pbuf_allocator, e->payload_len, e->payload);
	if (*out == NULL)
		return pbuf_failed() ? SJ_ENOMEM
		                     : rules_fail(err, err_cap, "%s payload does not decode as %s",
		                                  h->name, h->msg->name);
	return SJ_OK;
}

int replay_apply(struct replay *r, const struct entry *e, const uint8_t hash[ENTRY_HASH_SIZE],
                 char *err, size_t err_cap)
{
	const struct replay_handler *h = find_handler(e->type);
	struct replay_act a = {.e = e, .hash = hash, .actor = NULL};
	ProtobufCMessage *m = NULL;
	int rc;

	size_t ci;

	if ((rc = check_common(r, e, h, &a.actor, err, err_cap)) != SJ_OK ||
	    (rc = decode(h, e, &m, err, err_cap)) != SJ_OK)
		return rc;
	/* By position: the handler may grow the clients array. */
	ci = a.actor ? (size_t)(a.actor - r->clients) : SIZE_MAX;
	if (h->check != NULL && (rc = h->check(r, &a, m, err, err_cap)) != SJ_OK)
		goto out;
	if ((rc = h->apply(r, &a, m, err, err_cap)) != SJ_OK ||
	    (ci != SIZE_MAX && (rc = use_counter(r, ci, e)) != SJ_OK))
		replay_rollback(r, e->seq);
out:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return rc;
}

/* ---- Rollback and settling: every module, the same way ---- */

/* Undoes this file's own state of entries with seq >= seq. */
static void rollback_own(struct replay *r, uint64_t seq)
{
	size_t n = r->nclients;
	/* Counters first: they name clients that may be undone below. */
	while (r->nundo && r->undo[r->nundo - 1].seq >= seq)
		unuse_counter(r, &r->undo[--r->nundo]);
	while (r->nclients && r->clients[r->nclients - 1].seq >= seq)
		r->nclients--;
	while (r->nwitnesses && r->witness_seqs[r->nwitnesses - 1] >= seq)
		r->nwitnesses--;
	for (size_t i = 0; i < r->nclients; i++)
		if (r->clients[i].revoked_seq != UINT64_MAX && r->clients[i].revoked_seq >= seq)
			r->clients[i].revoked_seq = UINT64_MAX;
	if (seq == 0) {
		r->have_init = 0;
		r->origin[0] = '\0';
	}
	if (r->nclients == n)
		return;
	/* Build the new index aside: if that cannot allocate, the old one
	 * still finds every client that remains (find_client skips the
	 * positions past the end). */
	struct hmap ix = HMAP_INIT;
	char hex[2 * ENTRY_KEY_SIZE + 1];
	for (size_t i = 0; i < r->nclients; i++)
		if (hmap_put(&ix, client_key(hex, r->clients[i].key), i) != SJ_OK) {
			hmap_clear(&ix);
			return;
		}
	hmap_clear(&r->client_ix);
	r->client_ix = ix;
}

void replay_rollback(struct replay *r, uint64_t seq)
{
	/* Later modules read earlier ones, so they are undone first. */
	facts_rollback(r->facts, seq);
	policy_rollback(r->policy, seq);
	plans_rollback(r->plans, seq);
	dirs_rollback(r->dirs, seq);
	pubvalues_rollback(r->pubvalues, seq);
	draws_rollback(r->draws, seq);
	agencies_rollback(r->agencies, seq);
	rollback_own(r, seq);
}

void replay_settle(struct replay *r)
{
	r->nundo = 0; /* settled entries are never rolled back */
	draws_settle(r->draws);
	dirs_settle(r->dirs);
	plans_settle(r->plans);
}

/* ---- Reading the state ---- */

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

void replay_set_draw_observer(struct replay *r, draws_observer_fn fn, void *ctx)
{
	draws_set_observer(r->draws, fn, ctx);
}

const struct draws *replay_draws(const struct replay *r)
{
	return r->draws;
}

const struct pubvalues *replay_pubvalues(const struct replay *r)
{
	return r->pubvalues;
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

const struct facts *replay_facts(const struct replay *r)
{
	return r->facts;
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
	return r->witnesses;
}
