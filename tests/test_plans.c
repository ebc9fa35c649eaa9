/*
 * test_plans.c: item lists (R3), annual plans through legal review, filing
 * and publication (R4) and tasks from published plans (R5) as ledger
 * entries (rules/plans.h): through the store with signed requests, with
 * suijid's commands, and replayed by the verifier.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "proto/ledger.pb-c.h"
#include "proto/plans.pb-c.h"
#include "tests/fixture.h"
#include "tests/harness.h"

/* The fixture's ledger (agencies sfj and scjg) with five clients: scjg's
 * operator, legal reviewer and auditor, sfj's supervisor and legal
 * reviewer. The store stays open. */
struct pw {
	struct fixture f;
	char dir[512];
	struct note_skey *op, *legal, *aud, *sup, *legal_sfj;
};

static int register_client(struct fixture *f, const struct note_skey *k, const char *agency,
                           int role)
{
	Suiji__ClientRegister cr = SUIJI__CLIENT_REGISTER__INIT;
	struct note_vkey vk;
	uint8_t buf[256];
	char err[512];
	note_skey_public(&vk, k);
	cr.public_key.data = vk.pk;
	cr.public_key.len = 32;
	cr.agency = (char *)agency;
	cr.role = (Suiji__Role)role;
	cr.name = (char *)"client";
	struct ledger_append a = {.type = ENTRY_CLIENT_REGISTER,
	                          .agency = "",
	                          .payload = buf,
	                          .payload_len = suiji__client_register__pack(&cr, buf)};
	return ledger_store_append(f->s, &a, 1, NULL, err, sizeof err);
}

static int pw_build(struct pw *w)
{
	static unsigned n;
	struct {
		struct note_skey **k;
		const char *name, *agency;
		int role;
	} c[] = {{&w->op, "op@scjg", "scjg", SUIJI__ROLE__ROLE_OPERATOR},
	         {&w->legal, "legal@scjg", "scjg", SUIJI__ROLE__ROLE_LEGAL},
	         {&w->aud, "aud@scjg", "scjg", SUIJI__ROLE__ROLE_AUDITOR},
	         {&w->sup, "sup@sfj", "sfj", SUIJI__ROLE__ROLE_SUPERVISOR},
	         {&w->legal_sfj, "legal@sfj", "sfj", SUIJI__ROLE__ROLE_LEGAL}};
	memset(w, 0, sizeof *w);
	snprintf(w->dir, sizeof w->dir, "%s/pl%u", harness_tmpdir(), ++n);
	if (sodium_init() < 0 || mkdir(w->dir, 0700) != 0 || fixture_build(&w->f, w->dir, 0))
		return -1;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char path[800];
		snprintf(path, sizeof path, "%s/%s.key", w->dir, c[i].name);
		if (keyfile_load(c[i].k, path, c[i].name, NOTE_TYPE_ED25519, 1, NULL, path,
		                 sizeof path) != SJ_OK ||
		    register_client(&w->f, *c[i].k, c[i].agency, c[i].role) != SJ_OK)
			return -1;
	}
	return 0;
}

static void pw_free(struct pw *w)
{
	note_skey_free(w->op);
	note_skey_free(w->legal);
	note_skey_free(w->aud);
	note_skey_free(w->sup);
	note_skey_free(w->legal_sfj);
	fixture_free(&w->f);
}

/* Appends payload as an entry of type: signed by k (for agency, which must
 * be k's), or by the log operator for agency when k is NULL. */
static int put(struct pw *w, const struct note_skey *k, const char *agency, uint32_t type,
               const uint8_t *payload, size_t len, char *err, size_t cap)
{
	struct ledger_append a = {
	    .type = type, .agency = agency, .payload = payload, .payload_len = len};
	struct note_vkey vk;
	uint8_t sig[64], *msg = NULL;
	size_t mlen;
	int rc;
	if (k != NULL) {
		note_skey_public(&vk, k);
		a.counter = util_request_counter();
		rc = entry_request_message(&msg, &mlen, ledger_store_origin(w->f.s), type,
		                           a.counter, agency, strlen(agency), payload, len);
		if (rc != SJ_OK)
			return rc;
		note_skey_sign_raw(sig, msg, mlen, k);
		free(msg);
		a.actor = vk.pk;
		a.sig = sig;
	}
	err[0] = '\0';
	return ledger_store_append(w->f.s, &a, 1, NULL, err, cap);
}

/* Item list version ver of scjg: "food" (key, 1/2), "price" (general,
 * ratio gen) and "nobasis" (general, 1/20, no legal basis); cap 1/10. */
static int put_items(struct pw *w, const struct note_skey *k, uint32_t ver, uint32_t gen_den,
                     char *err, size_t cap)
{
	Suiji__CheckItem it[3], *pit[3];
	Suiji__ItemList m = SUIJI__ITEM_LIST__INIT;
	static const char *ids[] = {"food", "price", "nobasis"};
	uint8_t buf[2048];
	for (int i = 0; i < 3; i++) {
		suiji__check_item__init(&it[i]);
		pit[i] = &it[i];
		it[i].id = (char *)ids[i];
		it[i].legal_basis = (char *)(i == 2 ? "" : "《食品安全法》第八十七条");
		it[i].body = (char *)"市场监管局";
		it[i].content = (char *)"检查内容";
		it[i].method = 1;
		it[i].ratio_num = 1;
		it[i].ratio_den = i == 0 ? 2 : i == 1 ? gen_den : 20;
		it[i].frequency = (char *)"1/year";
		it[i].key = i == 0;
	}
	m.agency = (char *)"scjg";
	m.version = ver;
	m.general_ratio_cap_num = 1;
	m.general_ratio_cap_den = 10;
	m.items = pit;
	m.n_items = 3;
	return put(w, k, "scjg", ENTRY_ITEM_LIST, buf, suiji__item_list__pack(&m, buf), err, cap);
}

/* Plan "p2027" version ver of scjg using the items named in ids. */
static int put_plan(struct pw *w, const struct note_skey *k, uint32_t ver, const char *ids,
                    char *err, size_t cap)
{
	Suiji__PlanItem it[4], *pit[4];
	Suiji__Plan m = SUIJI__PLAN__INIT;
	char copy[128], *save = NULL;
	uint8_t buf[2048];
	size_t n = 0;
	snprintf(copy, sizeof copy, "%s", ids);
	for (char *t = strtok_r(copy, ",", &save); t && n < 4; t = strtok_r(NULL, ",", &save)) {
		suiji__plan_item__init(&it[n]);
		pit[n] = &it[n];
		it[n].item_id = t;
		it[n].ratio_num = 1;
		it[n].ratio_den = 20;
		it[n].frequency = (char *)"1/year";
		n++;
	}
	m.agency = (char *)"scjg";
	m.plan_id = (char *)"p2027";
	m.year = 2027;
	m.version = ver;
	m.scope = (char *)"全市食品经营者";
	m.scope_filter = (char *)"category=food";
	m.timing = (char *)"二季度、四季度";
	m.items = pit;
	m.n_items = n;
	return put(w, k, "scjg", ENTRY_PLAN, buf, suiji__plan__pack(&m, buf), err, cap);
}

/* One step (review, file, publish) of p2027 version ver; the entry's
 * agency is the signer's (agency). */
static int put_step(struct pw *w, const struct note_skey *k, const char *agency, uint32_t type,
                    uint32_t ver, int approved, const char *reason, char *err, size_t cap)
{
	Suiji__PlanStep m = SUIJI__PLAN_STEP__INIT;
	uint8_t buf[1024];
	m.agency = (char *)"scjg";
	m.plan_id = (char *)"p2027";
	m.version = ver;
	m.approved = approved;
	m.reason = (char *)reason;
	return put(w, k, agency, type, buf, suiji__plan_step__pack(&m, buf), err, cap);
}

/* A task payload from p2027 version ver; variant 0 is valid, 1..5 each
 * break one rule (see plans_task_fields). */
static size_t task_payload_v(uint8_t *buf, const char *id, uint32_t ver, int variant)
{
	Suiji__Task m = SUIJI__TASK__INIT;
	Suiji__TaskStratum s = SUIJI__TASK_STRATUM__INIT, *ps = &s;
	char *items[] = {(char *)"food"}, *members[] = {(char *)"nosuch"};
	m.agency = (char *)"scjg";
	m.task_id = (char *)id;
	m.plan_id = (char *)"p2027";
	m.plan_version = ver;
	m.scope_filter = (char *)"category=food AND district=海州区";
	m.item_ids = items;
	m.n_item_ids = 1;
	s.name = (char *)"risk A";
	s.ratio_num = 1;
	s.ratio_den = 20;
	m.strata = &ps;
	m.n_strata = 1;
	m.team_size = 2;
	m.start_date = (char *)"2027-04-01";
	m.end_date = (char *)"2027-06-30";
	switch (variant) {
	case 1: m.team_size = 1; break;
	case 2: m.end_date = (char *)"2028-01-15"; break;
	case 3: items[0] = (char *)"nobasis"; break;
	case 4:
		m.joint = 1;
		m.members = members;
		m.n_members = 1;
		break;
	case 5: m.start_date = (char *)"2027-07-01"; break;
	default: break;
	}
	return suiji__task__pack(&m, buf);
}

static size_t task_payload(uint8_t *buf, const char *id, uint32_t ver)
{
	return task_payload_v(buf, id, ver, 0);
}

static int put_task(struct pw *w, const struct note_skey *k, const char *id, uint32_t ver,
                    char *err, size_t cap)
{
	uint8_t buf[1024];
	return put(w, k, "scjg", ENTRY_TASK, buf, task_payload(buf, id, ver), err, cap);
}

/* Submits, approves, files and publishes p2027 version ver. */
static int full_path(struct pw *w, uint32_t ver, char *err, size_t cap)
{
	int rc;
	if ((rc = put_plan(w, w->op, ver, "food,price", err, cap)) != SJ_OK ||
	    (rc = put_step(w, w->legal, "scjg", ENTRY_PLAN_REVIEW, ver, 1, "", err, cap)) !=
	        SJ_OK ||
	    (rc = put_step(w, w->sup, "sfj", ENTRY_PLAN_FILE, ver, 0, "", err, cap)) != SJ_OK)
		return rc;
	return put_step(w, w->op, "scjg", ENTRY_PLAN_PUBLISH, ver, 0, "", err, cap);
}

TEST(plans_item_without_basis, "R5: an item without a legal basis may be listed but a plan that "
                               "uses it is refused, with nothing stored")
{
	struct pw w;
	char err[1024];
	uint64_t n;
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, w.op, 1, 20, err, sizeof err), ==, SJ_OK);
	n = ledger_store_size(w.f.s);
	CHECK_INT(put_plan(&w, w.op, 1, "food,nobasis", err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "item nobasis has no legal basis and cannot be used (R5)");
	CHECK_INT(ledger_store_size(w.f.s), ==, n);
	CHECK_INT(put_plan(&w, w.op, 1, "food,price", err, sizeof err), ==, SJ_OK);
	pw_free(&w);
}

TEST(plans_general_above_cap, "R3: a general item whose ratio exceeds the agency's cap is refused "
                              "in the list and in a plan; a key item has no cap")
{
	struct pw w;
	Suiji__PlanItem it = SUIJI__PLAN_ITEM__INIT, *pit = &it;
	Suiji__Plan m = SUIJI__PLAN__INIT;
	uint8_t buf[1024];
	char err[1024];
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, w.op, 1, 5, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "general item price: ratio 1/5 exceeds the agency's cap 1/10 (R3)");
	CHECK_INT(put_items(&w, w.op, 1, 10, err, sizeof err), ==, SJ_OK);
	/* The plan asks for 1/8 of a general item: above the cap. */
	it.item_id = (char *)"price";
	it.ratio_num = 1;
	it.ratio_den = 8;
	it.frequency = (char *)"1/year";
	m.agency = (char *)"scjg";
	m.plan_id = (char *)"p2027";
	m.year = 2027;
	m.version = 1;
	m.scope = m.timing = (char *)"x";
	m.scope_filter = (char *)"all";
	m.items = &pit;
	m.n_items = 1;
	CHECK_INT(
	    put(&w, w.op, "scjg", ENTRY_PLAN, buf, suiji__plan__pack(&m, buf), err, sizeof err), ==,
	    SJ_EVERIFY);
	CHECK_STR_HAS(err, "exceeds the cap 1/10");
	/* The key item at 1/2 is fine. */
	it.item_id = (char *)"food";
	it.ratio_den = 2;
	CHECK_INT(
	    put(&w, w.op, "scjg", ENTRY_PLAN, buf, suiji__plan__pack(&m, buf), err, sizeof err), ==,
	    SJ_OK);
	pw_free(&w);
}

TEST(plans_full_path_roles, "R4: draft, legal review, filing and publication succeed with the "
                            "right roles and each wrong role is refused with nothing stored")
{
	struct pw w;
	char err[1024];
	uint64_t n;
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_OK);
	/* Submission: not by an auditor, not by the legal reviewer. */
	n = ledger_store_size(w.f.s);
	CHECK_INT(put_plan(&w, w.aud, 1, "food", err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "only the log operator or an operator of agency scjg");
	CHECK_INT(put_plan(&w, w.legal, 1, "food", err, sizeof err), ==, SJ_EVERIFY);
	CHECK_INT(ledger_store_size(w.f.s), ==, n);
	CHECK_INT(put_plan(&w, w.op, 1, "food", err, sizeof err), ==, SJ_OK);
	/* Review: not the operator, the log or another agency's reviewer. */
	n = ledger_store_size(w.f.s);
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "only a legal reviewer of agency scjg");
	CHECK_INT(put_step(&w, NULL, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_INT(put_step(&w, w.legal_sfj, "sfj", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err),
	          ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "only a legal reviewer of agency scjg");
	CHECK_INT(ledger_store_size(w.f.s), ==, n);
	/* Filing before review is out of order, naming the state. */
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "is submitted (awaiting legal review); filing needs it approved");
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_OK);
	/* Filing: only a supervisor. */
	n = ledger_store_size(w.f.s);
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "only a supervisor");
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_INT(put_step(&w, NULL, "scjg", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	/* Publishing before filing is out of order. */
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "is approved by legal review; publication needs it filed");
	CHECK_INT(ledger_store_size(w.f.s), ==, n);
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 1, 0, "备案", err, sizeof err), ==,
	          SJ_OK);
	/* Publication: not the supervisor, not the auditor. */
	n = ledger_store_size(w.f.s);
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_INT(put_step(&w, w.aud, "scjg", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "may publish its plan");
	CHECK_INT(ledger_store_size(w.f.s), ==, n);
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_OK);
	/* Published once: a second publication is out of order. */
	CHECK_INT(put_step(&w, NULL, "scjg", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "is published; publication needs it filed");
	pw_free(&w);
}

TEST(plans_returned_resubmit, "R4: a plan returned by legal review (with a reason) cannot be filed "
                              "until it is resubmitted and approved")
{
	struct pw w;
	char err[1024];
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_plan(&w, w.op, 1, "food", err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "needs a reason");
	CHECK_INT(
	    put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 0, "比例依据不足", err, sizeof err),
	    ==, SJ_OK);
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "is returned by legal review; filing needs it approved");
	/* Review again without resubmission is out of order too. */
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_INT(put_plan(&w, w.op, 1, "food,price", err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_OK);
	/* An approved version cannot be resubmitted. */
	CHECK_INT(put_plan(&w, w.op, 1, "food", err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "only a returned version may be resubmitted");
	pw_free(&w);
}

TEST(plans_used_before_filing,
     "R5: a plan used before filing (refused): a task from a submitted, approved or filed but "
     "unpublished plan is refused; from the published plan it is stored")
{
	struct pw w;
	char err[1024];
	uint64_t n;
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "has no plan p2027 version 1");
	CHECK_INT(put_plan(&w, w.op, 1, "food,price", err, sizeof err), ==, SJ_OK);
	n = ledger_store_size(w.f.s);
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "is submitted (awaiting legal review); a task needs the latest "
	                   "published version (R5)");
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "is approved by legal review");
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_task(&w, NULL, "t1", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "is filed;");
	CHECK_INT(ledger_store_size(w.f.s), ==, n + 2);
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_task(&w, w.aud, "t1", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "has a task t1 already");
	pw_free(&w);
}

TEST(plans_task_fields,
     "R5, R11: a task with a team of one, dates outside the plan year or reversed, an item not in "
     "the plan or a joint member that is not registered is refused")
{
	static const char *const why[] = {
	    "team_size 1 is below 2 (R11)", "not within plan year 2027",
	    "item \"nobasis\" is not in plan p2027", "member agency \"nosuch\" is not registered",
	    "is after end_date"};
	struct pw w;
	uint8_t buf[1024];
	char err[1024];
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_OK);
	CHECK_INT(full_path(&w, 1, err, sizeof err), ==, SJ_OK);
	for (int v = 1; v <= 5; v++) {
		size_t len = task_payload_v(buf, "t1", 1, v);
		CHECK_INT(put(&w, w.op, "scjg", ENTRY_TASK, buf, len, err, sizeof err), ==,
		          SJ_EVERIFY);
		CHECK_STR_HAS(err, why[v - 1]);
	}
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_OK);
	pw_free(&w);
}

/* How many entries of type the ledger holds. */
static size_t count_type(struct pw *w, uint32_t type)
{
	size_t n = 0;
	for (uint64_t seq = 0; seq < ledger_store_size(w->f.s); seq++) {
		struct entry e;
		uint8_t *b = NULL;
		size_t len;
		char err[256];
		if (ledger_store_entry(w->f.s, seq, &b, &len) == SJ_OK &&
		    entry_decode(&e, b, len, err, sizeof err) == SJ_OK && e.type == type)
			n++;
		free(b);
	}
	return n;
}

TEST(plans_adjusted_version,
     "R4: an adjustment is a second version that goes through review and filing again; both stay "
     "in the ledger and tasks must use the latest published version")
{
	struct pw w;
	char err[1024];
	CHECK(pw_build(&w) == 0);
	CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_OK);
	/* An adjustment needs the version before it published. */
	CHECK_INT(put_plan(&w, w.op, 1, "food", err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_plan(&w, w.op, 2, "food", err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "an adjustment (version 2) needs it published");
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 1, 0, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_PUBLISH, 1, 0, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_OK);
	/* The item list changes (version 2) and the plan is adjusted. */
	CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "must be 2");
	CHECK_INT(put_items(&w, NULL, 2, 20, err, sizeof err), ==, SJ_OK);
	CHECK_INT(put_plan(&w, w.op, 3, "food", err, sizeof err), ==, SJ_EVERIFY);
	CHECK_INT(put_plan(&w, w.op, 2, "food,price", err, sizeof err), ==, SJ_OK);
	/* Until version 2 is published, version 1 is the one in force. */
	CHECK_INT(put_task(&w, w.op, "t2", 2, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "is submitted");
	CHECK_INT(put_task(&w, w.op, "t2", 1, err, sizeof err), ==, SJ_OK);
	/* Version 1's steps are over: it is no longer the latest version. */
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 1, 1, "", err, sizeof err), ==,
	          SJ_EVERIFY);
	CHECK_STR_HAS(err, "not the plan's latest version");
	CHECK_INT(put_step(&w, w.legal, "scjg", ENTRY_PLAN_REVIEW, 2, 1, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_step(&w, w.sup, "sfj", ENTRY_PLAN_FILE, 2, 0, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_step(&w, w.op, "scjg", ENTRY_PLAN_PUBLISH, 2, 0, "", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(put_task(&w, w.op, "t3", 1, err, sizeof err), ==, SJ_EVERIFY);
	CHECK_STR_HAS(err, "plan p2027 version 1 is superseded");
	CHECK_INT(put_task(&w, w.op, "t3", 2, err, sizeof err), ==, SJ_OK);
	CHECK_INT(count_type(&w, ENTRY_PLAN), ==, 2);
	CHECK_INT(count_type(&w, ENTRY_PLAN_PUBLISH), ==, 2);
	CHECK_INT(count_type(&w, ENTRY_ITEM_LIST), ==, 2);
	pw_free(&w);
}

TEST(plans_rogue_task_caught,
     "the verifier passes a ledger of lists, plans and tasks and flags a task written past the "
     "store from a plan that is not published; its twin from the published plan passes")
{
	for (int variant = 0; variant < 2; variant++) {
		struct pw w;
		struct verify_report r;
		uint8_t buf[1024];
		char err[1024];
		uint64_t seq;
		size_t len;
		CHECK(pw_build(&w) == 0);
		CHECK_INT(put_items(&w, NULL, 1, 20, err, sizeof err), ==, SJ_OK);
		CHECK_INT(full_path(&w, 1, err, sizeof err), ==, SJ_OK);
		CHECK_INT(put_task(&w, w.op, "t1", 1, err, sizeof err), ==, SJ_OK);
		/* Version 2 submitted, not yet reviewed, filed or published. */
		CHECK_INT(put_plan(&w, w.op, 2, "food", err, sizeof err), ==, SJ_OK);
		seq = ledger_store_size(w.f.s);
		ledger_store_close(w.f.s);
		w.f.s = NULL;
		CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
		len = task_payload(buf, "rogue", variant == 0 ? 1 : 2);
		CHECK_INT(fixture_raw_append(w.f.db, "scjg", ENTRY_TASK, buf, len), ==, SJ_OK);
		if (variant == 0) {
			CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
		} else {
			CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_EVERIFY);
			CHECK_INT(r.failed_seq, ==, (int64_t)seq);
			CHECK_STR_HAS(r.what, "plan p2027 version 2 is submitted");
		}
		pw_free(&w);
	}
}

static int write_text(const struct pw *w, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", w->dir, name);
	return util_write_file(path, text, strlen(text), 0644);
}

TEST(plans_suijid_commands,
     "suijid items publish, plan submit, review, file and publish and task create take the whole "
     "path from JSON with the reviewers' keys, and a bad field is named")
{
	struct pw w;
	struct verify_report r;
	char *out = NULL;
	const char *d;
	CHECK(pw_build(&w) == 0);
	ledger_store_close(w.f.s);
	w.f.s = NULL;
	d = w.dir;
	CHECK_INT(write_text(
	              &w, "items.json",
	              "{\"version\":1,\"general_ratio_cap\":\"1/10\",\"items\":["
	              "{\"id\":\"food\",\"legal_basis\":\"《食品安全法》\",\"body\":\"市场监管局\","
	              "\"content\":\"食品经营\",\"method\":\"on-site\",\"ratio\":\"1/2\","
	              "\"frequency\":\"1/year\",\"key\":true},"
	              "{\"id\":\"price\",\"legal_basis\":\"《价格法》\",\"body\":\"市场监管局\","
	              "\"content\":\"明码标价\",\"method\":\"documentary\",\"ratio\":\"5%\","
	              "\"frequency\":\"1/year\"}]}"),
	          ==, SJ_OK);
	CHECK_INT(
	    write_text(&w, "bad.json",
	               "{\"version\":1,\"general_ratio_cap\":\"1/10\",\"items\":["
	               "{\"id\":\"food\",\"body\":\"b\",\"content\":\"c\",\"method\":\"phone\","
	               "\"ratio\":\"1/2\",\"frequency\":\"f\"}]}"),
	    ==, SJ_OK);
	CHECK_INT(
	    write_text(&w, "plan.json",
	               "{\"agency\":\"scjg\",\"plan_id\":\"p2027\",\"year\":2027,\"version\":1,"
	               "\"scope\":\"全市\",\"scope_filter\":\"category=food\",\"timing\":\"Q2\","
	               "\"items\":[{\"item\":\"food\",\"ratio\":\"1/20\",\"frequency\":\"1\"}]}"),
	    ==, SJ_OK);
	CHECK_INT(
	    write_text(&w, "task.json",
	               "{\"agency\":\"scjg\",\"task_id\":\"t1\",\"plan_id\":\"p2027\","
	               "\"plan_version\":1,\"scope_filter\":\"category=food\",\"items\":[\"food\"],"
	               "\"strata\":[{\"name\":\"all\",\"ratio\":\"1/20\"}],\"team_size\":2,"
	               "\"start_date\":\"2027-04-01\",\"end_date\":\"2027-04-30\"}"),
	    ==, SJ_OK);
	CHECK_INT(harness_run(&out, "%s -d %s items publish %s/bad.json --agency scjg 2>&1",
	                      harness_bin("suijid"), d, d),
	          ==, 1);
	CHECK_STR_HAS(out, "field \"items[0].method\" is not on-site, documentary or online");
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s items publish %s/items.json --agency scjg 2>&1",
	                      harness_bin("suijid"), d, d),
	          ==, 0);
	CHECK_STR_HAS(out, "item-list: item list version 1 of scjg, 2 items");
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s plan submit %s/plan.json 2>&1", harness_bin("suijid"),
	                      d, d),
	          ==, 0);
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s task create %s/task.json 2>&1", harness_bin("suijid"),
	                      d, d),
	          ==, 1);
	CHECK_STR_HAS(out, "a task needs the latest published version (R5)");
	free(out);
	/* The operator's key cannot review; the legal reviewer's can. */
	CHECK_INT(harness_run(
	              &out, "%s -d %s plan review scjg p2027 1 --approve --key %s/op@scjg.key 2>&1",
	              harness_bin("suijid"), d, d),
	          ==, 1);
	CHECK_STR_HAS(out, "only a legal reviewer of agency scjg");
	free(out);
	CHECK_INT(harness_run(&out,
	                      "%s -d %s plan review scjg p2027 1 --approve --key %s/legal@scjg.key "
	                      "2>&1",
	                      harness_bin("suijid"), d, d),
	          ==, 0);
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s plan file scjg p2027 1 --key %s/sup@sfj.key 2>&1",
	                      harness_bin("suijid"), d, d),
	          ==, 0);
	CHECK_STR_HAS(out, "plan-file: plan p2027 version 1 of scjg filed");
	free(out);
	CHECK_INT(
	    harness_run(&out, "%s -d %s plan publish scjg p2027 1 2>&1", harness_bin("suijid"), d),
	    ==, 0);
	free(out);
	CHECK_INT(harness_run(&out, "%s -d %s task create %s/task.json --key %s/op@scjg.key 2>&1",
	                      harness_bin("suijid"), d, d, d),
	          ==, 0);
	CHECK_STR_HAS(out, "task: task t1 of scjg from plan p2027 version 1");
	free(out);
	CHECK_INT(fixture_verify(w.f.db, NULL, &r), ==, SJ_OK);
	pw_free(&w);
}
