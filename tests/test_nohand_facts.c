/*
 * test_nohand_facts.c: no hand on a draw's exclusions. An operator could
 * once leave out any business as "handled" with any note, and mark most
 * officers unavailable so that every team came from a chosen few. Now a
 * handled object names a lead entered in the ledger before the draw
 * (R10), and a person is left out only for a reviewed unavailability
 * entered before it (R11). Each attack runs against the real binaries on
 * the sample city: the store refuses it, the same cheat appended past the
 * store fails suiji-verify naming the rule, and the honest twin passes.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "ledger/entry.h"
#include "tests/city.h"
#include "tests/fixture.h"
#include "tests/harness.h"
#include "wire/factspec.h"

#define TASK "scjg-2026-food"
/* A second task of the same scope: a task is drawn once (R6), so a second
 * draw that should be judged on its leads or its people is of this one. */
#define TASK2 "scjg-2026-food-2"

/* The entry number "entry N:" a suijid command printed, or 0. */
static unsigned long long entry_of(const char *out)
{
	const char *p = out ? strstr(out, "entry ") : NULL;
	return p ? strtoull(p + 6, NULL, 10) : 0;
}

/* An object of the prepared pool in folder req that no exclusion names
 * yet, into id. */
static int free_object(const struct city *c, const char *req, char *id, size_t cap)
{
	char file[128];
	cJSON *j = city_spec_load(c, req);
	int rc = -1;
	snprintf(file, sizeof file, "data/draws/%s/objects.csv", req);
	for (int line = 1; j && rc != 0 && city_csv_id(c, file, line, id, cap) == 0; line++) {
		const cJSON *x;
		int named = 0;
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "exclusions")) named |=
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "id")), id) == 0;
		if (!named)
			rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

/* Adds an exclusion to the spec prepared in req and saves it as name with
 * request id rid. */
static int spec_with_exclusion(const struct city *c, const char *req, const char *name,
                               const char *rid, const char *kind, const char *id,
                               const char *reason, const char *note)
{
	cJSON *j = city_spec_load(c, req), *e = cJSON_CreateObject();
	if (j == NULL || e == NULL)
		return -1;
	cJSON_AddStringToObject(e, "kind", kind);
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "reason", reason);
	cJSON_AddStringToObject(e, "note", note);
	cJSON_AddItemToArray(cJSON_GetObjectItem(j, "exclusions"), e);
	cJSON_ReplaceItemInObject(j, "request_id", cJSON_CreateString(rid));
	return city_spec_save(c, req, name, j);
}

/* Enters a lead of scjg for object, signed by the operator; its entry
 * number into *seq. */
static int add_lead(const struct city *c, const char *object, const char *ref,
                    unsigned long long *seq)
{
	char json[512], *out = NULL;
	snprintf(json, sizeof json,
	         "{\"object\": \"%s\", \"reference\": \"%s\", \"received\": \"2026-03-02\", "
	         "\"handled\": \"2026-03-05\", \"note\": \"complaint checked on site at once\"}",
	         object, ref);
	if (city_put(c, "lead.json", json))
		return -1;
	int rc = city_run(c, &out, "$B/suijid -d data lead add lead.json --key op.key");
	*seq = entry_of(out);
	free(out);
	return rc;
}

/* The day days from today in China (UTC+8), as YYYY-MM-DD: unavailability
 * must cover the day the draw is requested, whenever the test runs. */
static void china_day(char out[11], int days)
{
	time_t t = time(NULL) + 8 * 3600 + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A JSON file declaring person unavailable (kind) from a days to b days
 * from today. */
static int put_unavailable(const struct city *c, const char *name, const char *person,
                           const char *kind, int a, int b)
{
	char json[512], from[11], to[11];
	china_day(from, a);
	china_day(to, b);
	snprintf(json, sizeof json,
	         "{\"person\": \"%s\", \"kind\": \"%s\", \"from_date\": \"%s\", "
	         "\"to_date\": \"%s\", \"reference\": \"HR-%s\"}",
	         person, kind, from, to, person);
	return city_put(c, name, json);
}

/* Declares officer unavailable (kind) around today by key; its entry
 * number into *seq. */
static int add_unavailable(const struct city *c, const char *officer, const char *kind,
                           const char *key, unsigned long long *seq)
{
	char *out = NULL;
	if (put_unavailable(c, "u.json", officer, kind, -30, 30))
		return -1;
	int rc = city_run(c, &out, "$B/suijid -d data unavailable add u.json --key %s", key);
	*seq = entry_of(out);
	free(out);
	return rc;
}

/* The exclusions of kind in the spec of req, counted. */
static int count_excluded(const struct city *c, const char *req, const char *kind)
{
	cJSON *j = city_spec_load(c, req);
	const cJSON *x;
	int n = 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "exclusions")) n +=
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "kind")), kind) == 0;
	cJSON_Delete(j);
	return j ? n : -1;
}

/* ---- R10: handled leads ---- */

TEST(nohand_r10_handled_without_lead_refused_and_reported,
     "R10: an object excluded as handled with any note and no lead entry is refused by the "
     "store, by suijid draw task, and appended past the store fails the verifier naming R10")
{
	struct city c;
	char id[64], *out = NULL, err[512];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_prepare(&c, "h1", TASK), ==, 0);
	CHECK_INT(free_object(&c, "h1", id, sizeof id), ==, 0);
	CHECK_INT(spec_with_exclusion(&c, "h1", "bad.json", "h1-bad", "object", id, "handled",
	                              "handled by phone, trust me"),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/h1/bad.json"), ==,
	          1);
	CHECK_STR_HAS(out, "R10: object");
	CHECK_STR_HAS(out, "names no lead entered before the draw");
	free(out);
	/* The old free-text form of draw task is refused as well. */
	char extra[256];
	snprintf(extra, sizeof extra, "\"handled\": [{\"id\": \"%s\", \"note\": \"done\"}]", id);
	uint64_t seq;
	out = NULL;
	CHECK(city_task_draw(&c, "scjg", TASK, extra, &seq, &out) != 0);
	CHECK_STR_HAS(out, "names a lead entry");
	free(out);
	/* Past the store: the verifier names the rule. */
	CHECK_INT(city_raw_request(&c, "data/draws/h1/bad.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R10: object");
	CHECK_STR_HAS(out, "R10 VIOLATED");
	free(out);
}

TEST(nohand_r10_lead_entered_before_serves_once,
     "R10: with a lead entered before the draw, the object is excluded as handled and the "
     "ledger verifies; a second draw naming the same lead is refused, and forged past the "
     "store fails the verifier naming R10")
{
	struct city c;
	char id[64], *out = NULL, err[512], extra[128];
	unsigned long long lead = 0;
	uint64_t seq;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_prepare(&c, "h2", TASK), ==, 0);
	CHECK_INT(free_object(&c, "h2", id, sizeof id), ==, 0);
	CHECK_INT(add_lead(&c, id, "TS-2026-0042", &lead), ==, 0);
	CHECK(lead > 0);
	/* The twin: named by its entry, the lead serves the draw. */
	snprintf(extra, sizeof extra,
	         "\"officer_tags\": [\"law\"], \"handled\": [{\"lead\": %llu}]", lead);
	CHECK_INT(city_task_draw(&c, "scjg", TASK, extra, &seq, NULL), ==, 0);
	char rid[32];
	snprintf(rid, sizeof rid, "%s", city_last_rid);
	cJSON *j = city_spec_load(&c, rid);
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	char want[160];
	snprintf(want, sizeof want, "\"id\":\"%s\",\"reason\":\"handled\",\"note\":\"lead %llu\"",
	         id, lead);
	CHECK_STR_HAS(text, want);
	free(text);
	cJSON_Delete(j);
	char *draw = city_printed(&c, seq);
	CHECK(draw != NULL && city_pick_line(draw, id) == NULL);
	free(draw);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R10 ok");
	CHECK_STR_HAS(out, "leads handled outside the draw (R10): 1");
	free(out);
	/* Used twice (in another task's draw): refused by reference as by
	 * number. */
	out = NULL;
	CHECK_INT(city_task_copy(&c, TASK2), ==, 0);
	CHECK(city_task_draw(&c, "scjg", TASK2,
	                     "\"officer_tags\": [\"law\"], \"handled\": [{\"reference\": "
	                     "\"TS-2026-0042\"}]",
	                     &seq, &out) != 0);
	CHECK_STR_HAS(out, "R10: object");
	CHECK_STR_HAS(out, "a lead serves one draw");
	free(out);
	/* Forged past the store: the second use fails the verifier. */
	char path[96];
	snprintf(path, sizeof path, "data/draws/%s/spec.json", city_last_rid);
	CHECK_INT(city_raw_request(&c, path, "scjg", err, sizeof err), ==, SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R10: object");
	CHECK_STR_HAS(out, "a lead serves one draw");
	free(out);
}

TEST(nohand_r10_lead_after_request_refused_and_reported,
     "R10: a draw naming a lead entered after its request is refused, and forged past the "
     "store (the request, then the lead) fails the verifier naming R10; a lead the operator "
     "enters must be about an object of its agency's directory and handled by today")
{
	struct city c;
	char id[64], note[32], *out = NULL, err[512];
	unsigned long long other = 0;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_prepare(&c, "h3", TASK), ==, 0);
	CHECK_INT(free_object(&c, "h3", id, sizeof id), ==, 0);
	/* A lead of another object fixes the entry numbers: the request
	 * will be the next entry and the late lead the one after. */
	for (int line = 1;
	     city_csv_id(&c, "data/draws/h3/objects.csv", line, note, sizeof note) == 0 &&
	     strcmp(note, id) == 0;
	     line++)
		;
	CHECK(strcmp(note, id) != 0);
	CHECK_INT(add_lead(&c, note, "TS-OTHER", &other), ==, 0);
	CHECK(other > 0);
	snprintf(note, sizeof note, "lead %llu", other + 2);
	CHECK_INT(
	    spec_with_exclusion(&c, "h3", "late.json", "h3-late", "object", id, "handled", note),
	    ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/h3/late.json"), ==,
	          1);
	CHECK_STR_HAS(out, "R10: object");
	free(out);
	/* The lead's own rules (before the forgery, which the store
	 * would refuse to open): an object of the directory, dates in order
	 * and not in the
	 * future. */
	CHECK_INT(city_put(&c, "l2.json",
	                   "{\"object\": \"NOT-IN-DIRECTORY\", \"reference\": \"X1\", "
	                   "\"received\": \"2026-03-02\", \"handled\": \"2026-03-05\"}"),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data lead add l2.json --key op.key"), ==, 1);
	CHECK_STR_HAS(out, "R10: lead names object");
	free(out);
	CHECK_INT(city_put(&c, "l3.json",
	                   "{\"object\": \"91320700200000005A\", \"reference\": \"X2\", "
	                   "\"received\": \"2026-03-06\", \"handled\": \"9999-03-05\"}"),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data lead add l3.json --key op.key"), ==, 1);
	CHECK_STR_HAS(out, "on or before the day it is entered");
	free(out);
	/* Entered past the store, the request and then its lead. */
	CHECK_INT(city_raw_request(&c, "data/draws/h3/late.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	uint8_t *payload = NULL;
	size_t len;
	char agency[ENTRY_MAX_AGENCY + 1], what[128], path[800], json[256];
	snprintf(json, sizeof json,
	         "{\"object\": \"%s\", \"reference\": \"TS-LATE\", \"received\": "
	         "\"2026-03-02\", \"handled\": \"2026-03-05\"}",
	         id);
	CHECK_INT(city_put(&c, "late-lead.json", json), ==, 0);
	snprintf(path, sizeof path, "%s/late-lead.json", c.dir);
	CHECK_INT(factspec_build(&payload, &len, agency, what, sizeof what, 1, path, "scjg", err,
	                         sizeof err),
	          ==, SJ_OK);
	snprintf(path, sizeof path, "%s/data/ledger.db", c.dir);
	CHECK_INT(fixture_raw_append(path, "scjg", ENTRY_LEAD, payload, len), ==, SJ_OK);
	free(payload);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R10: object");
	CHECK_STR_HAS(out, "names no lead entered before the draw");
	free(out);
}

/* ---- R11: unavailability ---- */

TEST(nohand_r11_unavailable_without_entries_refused_and_reported,
     "R11: a draw that leaves all but 4 officers out as unavailable without reviewed entries "
     "is refused by the store and by suijid draw task, and appended past the store fails the "
     "verifier naming R11")
{
	struct city c;
	char *out = NULL, err[512], id[64];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_prepare(&c, "u1", TASK), ==, 0);
	cJSON *j = city_spec_load(&c, "u1");
	CHECK(j != NULL);
	cJSON *ex = cJSON_GetObjectItem(j, "exclusions");
	int n = 0;
	for (int line = 5; city_csv_id(&c, "data/draws/u1/officers.csv", line, id, sizeof id) == 0;
	     line++, n++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "kind", "officer");
		cJSON_AddStringToObject(e, "id", id);
		cJSON_AddStringToObject(e, "reason", "unavailable");
		cJSON_AddStringToObject(e, "note", "on leave");
		cJSON_AddItemToArray(ex, e);
	}
	CHECK_INT(n, >=, 40);
	cJSON_ReplaceItemInObject(j, "request_id", cJSON_CreateString("u1-bad"));
	CHECK_INT(city_spec_save(&c, "u1", "bad.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/u1/bad.json"), ==,
	          1);
	CHECK_STR_HAS(out, "R11: officer");
	CHECK_STR_HAS(out, "no approved unavailability entry covers");
	free(out);
	/* "unavailable" is no longer a field of a task draw. */
	uint64_t seq;
	out = NULL;
	CHECK(city_task_draw(&c, "scjg", TASK,
	                     "\"unavailable\": [{\"kind\": \"officer\", \"id\": \"SC0001\", "
	                     "\"note\": \"leave\"}]",
	                     &seq, &out) != 0);
	CHECK_STR_HAS(out, "suijid unavailable add");
	free(out);
	CHECK_INT(city_raw_request(&c, "data/draws/u1/bad.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R11: officer");
	CHECK_STR_HAS(out, "R11 VIOLATED");
	free(out);
}

TEST(nohand_r11_reviewed_unavailability_excluded_exactly,
     "R11: officers with a reviewed unavailability covering the draw's day are excluded "
     "exactly, and the reports show the count by kind without names; an unreviewed one, a "
     "returned one, one that ended yesterday, or one its author tries to review does not "
     "count, and a draw that keeps a reviewed one in is refused")
{
	struct city c;
	char *out = NULL, err[512];
	unsigned long long a = 0, b = 0, u = 0, ret = 0, ret0 = 0;
	uint64_t seq;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(add_unavailable(&c, "SC0001", "leave", "op.key", &a), ==, 0);
	CHECK_INT(add_unavailable(&c, "SC0002", "training", "op.key", &b), ==, 0);
	CHECK_INT(add_unavailable(&c, "SC0003", "illness", "op.key", &u), ==, 0);
	CHECK_INT(add_unavailable(&c, "SC0004", "transfer", "op.key", &ret), ==, 0);
	/* Only an operator of the agency declares; only a legal reviewer who
	 * did not declare it reviews. */
	CHECK_INT(add_unavailable(&c, "SC0005", "leave", "legal.key", &ret0), ==, 1);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data unavailable review %llu --approve --key op.key", u),
	          ==, 1);
	CHECK_STR_HAS(out, "R11: only a legal reviewer");
	free(out);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data unavailable review %llu --approve --key hblegal.key",
	                   u),
	          ==, 1);
	CHECK_STR_HAS(out, "no unavailability of agency hbj");
	free(out);
	CHECK_INT(city_run(&c, NULL,
	                   "$B/suijid -d data unavailable review %llu --approve --key legal.key && "
	                   "$B/suijid -d data unavailable review %llu --approve --key legal.key && "
	                   "$B/suijid -d data unavailable review %llu --return 'no order' --key "
	                   "legal.key",
	                   a, b, ret),
	          ==, 0);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data unavailable review %llu --approve --key "
	                   "legal.key",
	                   a),
	          ==, 1);
	CHECK_STR_HAS(out, "was reviewed at entry");
	free(out);
	/* An approved leave that ended yesterday covers no draw today. */
	CHECK_INT(put_unavailable(&c, "past.json", "SC0006", "leave", -30, -1), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data unavailable add past.json --key op.key"),
	          ==, 0);
	CHECK_INT(city_run(&c, NULL,
	                   "$B/suijid -d data unavailable review %llu --approve --key legal.key",
	                   entry_of(out)),
	          ==, 0);
	free(out);
	/* The twin: exactly the two approved ones are left out. */
	CHECK_INT(city_task_draw(&c, "scjg", TASK, "\"officer_tags\": [\"law\"]", &seq, NULL), ==,
	          0);
	CHECK_INT(count_excluded(&c, city_last_rid, "officer"), ==, 2);
	cJSON *j = city_spec_load(&c, city_last_rid);
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	CHECK_STR_HAS(text, "\"id\":\"SC0001\",\"reason\":\"unavailable\"");
	CHECK_STR_HAS(text, "\"id\":\"SC0002\",\"reason\":\"unavailable\"");
	CHECK(text && strstr(text, "\"id\":\"SC0003\"") == NULL &&
	      strstr(text, "\"id\":\"SC0004\",\"reason\"") == NULL &&
	      strstr(text, "\"id\":\"SC0006\",\"reason\"") == NULL);
	free(text);
	cJSON_Delete(j);
	char *draw = city_printed(&c, seq);
	CHECK(draw != NULL && strstr(draw, "SC0001") == NULL && strstr(draw, "SC0002") == NULL);
	free(draw);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise"), ==, 0);
	CHECK_STR_HAS(out, "R11 ok");
	CHECK_STR_HAS(out, "unavailable (R11): 2 officers, 0 experts; leave 1; training 1");
	free(out);
	/* The public records carry the counts, never the names. */
	CHECK_INT(city_run(&c, &out,
	                   "mkdir -p pub && $B/suiji-verify data/ledger.db --publish pub -q && "
	                   "cat pub/*.json"),
	          ==, 0);
	CHECK_STR_HAS(out, "\"unavailable\"");
	CHECK(out && strstr(out, "SC0001") == NULL && strstr(out, "HR-SC0001") == NULL);
	free(out);
	/* Keeping an approved one in, or leaving the unreviewed one out, is
	 * refused, and forged fails the verifier. */
	CHECK_INT(city_task_copy(&c, TASK2), ==, 0);
	CHECK_INT(city_prepare(&c, "u2", TASK2), ==, 0);
	CHECK_INT(spec_with_exclusion(&c, "u2", "unrev.json", "u2-unrev", "officer", "SC0003",
	                              "unavailable", "ill"),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/u2/unrev.json"), ==,
	          1);
	CHECK_STR_HAS(out, "R11: officer SC0003 is excluded as unavailable, but no approved");
	free(out);
	cJSON *k = city_spec_load(&c, "u2"), *x, *ex = cJSON_GetObjectItem(k, "exclusions");
	for (x = ex ? ex->child : NULL; x; x = x->next)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "id")), "SC0001") == 0) {
			cJSON_Delete(cJSON_DetachItemViaPointer(ex, x));
			break;
		}
	cJSON_ReplaceItemInObject(k, "request_id", cJSON_CreateString("u2-kept"));
	CHECK_INT(city_spec_save(&c, "u2", "kept.json", k), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/u2/kept.json"), ==,
	          1);
	CHECK_STR_HAS(out, "R11: officer SC0001 has an approved unavailability");
	free(out);
	CHECK_INT(city_raw_request(&c, "data/draws/u2/kept.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R11: officer SC0001 has an approved unavailability");
	CHECK_STR_HAS(out, "R11 VIOLATED");
	free(out);
}

TEST(nohand_r11_forged_review_reported,
     "R11: an approval appended past the store by anyone but the agency's legal reviewer "
     "fails the verifier naming R11")
{
	struct city c;
	char *out = NULL, err[512], what[128], path[800];
	unsigned long long a = 0;
	uint8_t *payload = NULL;
	size_t len;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(add_unavailable(&c, "SC0001", "leave", "op.key", &a), ==, 0);
	CHECK_INT(factspec_review(&payload, &len, what, sizeof what, a, 1, NULL, err, sizeof err),
	          ==, SJ_OK);
	snprintf(path, sizeof path, "%s/data/ledger.db", c.dir);
	CHECK_INT(fixture_raw_append(path, "scjg", ENTRY_UNAVAILABILITY, payload, len), ==, SJ_OK);
	free(payload);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "R11: only a legal reviewer of agency scjg");
	free(out);
}

/* ---- Over RPC ---- */

/* The RPC steps of nohand_facts_over_rpc, with the daemon up. */
static void facts_over_rpc(const struct city *c, const char *conn)
{
	char *out = NULL;
	unsigned long long u;
	CHECK_INT(city_put(c, "l.json",
	                   "{\"object\": \"91320700200000005A\", \"reference\": \"TS-RPC-1\", "
	                   "\"received\": \"2026-03-02\", \"handled\": \"2026-03-05\"}"),
	          ==, 0);
	CHECK_INT(put_unavailable(c, "u.json", "SC0001", "leave", -30, 30), ==, 0);
	/* The auditor may do neither; a legal reviewer enters no lead. */
	CHECK(city_run(c, &out, "$B/suiji lead-add l.json %s -k audit.key", conn) != 0);
	CHECK_STR_HAS(out, "FORBIDDEN");
	free(out);
	CHECK(city_run(c, &out, "$B/suiji lead-add l.json %s -k legal.key", conn) != 0);
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji lead-add l.json %s -k op.key", conn), ==, 0);
	CHECK_STR_HAS(out, "lead TS-RPC-1 about object 91320700200000005A");
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji unavailable-add u.json %s -k op.key", conn), ==, 0);
	u = entry_of(out);
	CHECK(u > 0);
	free(out);
	/* The operator may not approve it; the legal reviewer does. */
	CHECK_INT(
	    city_run(c, &out, "$B/suiji unavailable-review %llu --approve %s -k op.key", u, conn),
	    ==, 1);
	CHECK_STR_HAS(out, "R11");
	free(out);
	CHECK_INT(city_run(c, &out, "$B/suiji unavailable-review %llu --approve %s -k legal.key", u,
	                   conn),
	          ==, 0);
	CHECK_STR_HAS(out, "approved");
	free(out);
}

TEST(nohand_facts_over_rpc,
     "R10, R11 over RPC: an agency's operator enters a lead and declares an unavailability, "
     "its legal reviewer approves it; the auditor and the operator's own approval are "
     "refused, and the next draw excludes the person")
{
	struct city c;
	char conn[300], *out = NULL;
	uint64_t seq;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_daemon_up(&c, conn, sizeof conn), ==, 0);
	facts_over_rpc(&c, conn);
	city_daemon_down(&c);
	if (harness_failed())
		return;
	CHECK_INT(city_task_draw(&c, "scjg", TASK,
	                         "\"officer_tags\": [\"law\"], \"handled\": [{\"reference\": "
	                         "\"TS-RPC-1\"}]",
	                         &seq, NULL),
	          ==, 0);
	CHECK_INT(count_excluded(&c, city_last_rid, "officer"), ==, 1);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out,
	              "unavailable (R11): 1 officer, 0 experts; leave 1; leads handled outside "
	              "the draw (R10): 1");
	free(out);
}
