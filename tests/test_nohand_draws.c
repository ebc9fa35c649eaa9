/*
 * test_nohand_draws.c: nobody draws a task again to choose its objects
 * (R6), through the real binaries on the sample city: a task has one
 * regular draw; a substitution (补抽) names a revealed draw of the same
 * agency and task with a reason the ledger backs, and its pools are
 * derived, never chosen; the reports count every draw of a task and list
 * the drawn objects without a result. Each attack is refused by the store
 * and, appended past the store, fails the verifier naming the rule; each
 * has an honest twin that passes.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "rules/draws.h"
#include "rules/storeops.h"
#include "tests/city.h"
#include "tests/harness.h"

#define FOOD  "scjg-2026-food"
#define JOINT "scjg-hbj-2026-building"

/* The entry hash of draw seq's commitment, in hex. */
static int commit_hex(const struct city *c, uint64_t seq, char hex[65])
{
	char db[800], err[256];
	struct ledger_store *s = NULL;
	struct draws_info info;
	size_t i;
	snprintf(db, sizeof db, "%s/data/ledger.db", c->dir);
	if (storeops_open(&s, db, 0, err, sizeof err) != SJ_OK)
		return -1;
	int rc = draws_find(storeops_draws(s), seq, &i) == SJ_OK ? 0 : -1;
	if (rc == 0) {
		draws_get(storeops_draws(s), i, &info);
		rc = info.committed ? 0 : -1;
		util_hex(hex, info.commit_hash, 32);
	}
	ledger_store_close(s);
	return rc;
}

/* The drawn objects of a printed draw in strata A, B and C, whose pools
 * hold objects enough to draw a replacement from (the sample city's
 * stratum D and "key", drawn whole, do not), up to max. */
static size_t plain_picks(const char *draw, char ids[][64], size_t max)
{
	size_t n = 0;
	for (const char *p = strstr(draw, "\n   "); p && n < max; p = strstr(p + 1, "\n   ")) {
		const char *dot = strstr(p, ". ");
		const char *eol = strchr(p + 1, '\n');
		if (dot == NULL || (eol && dot > eol))
			continue;
		const char *sp = strstr(dot + 2, "  stratum ");
		if (sp == NULL || (eol && sp > eol) || strchr("ABC", sp[10]) == NULL ||
		    sp[11] != ' ')
			continue;
		snprintf(ids[n++], 64, "%.*s", (int)(sp - dot - 2), dot + 2);
	}
	return n;
}

/* The id of the pick of a printed draw in stratum key into id. */
static int key_pick(const char *draw, char *id, size_t cap)
{
	const char *sp = strstr(draw, "  stratum key ");
	if (sp == NULL)
		return -1;
	const char *dot = sp;
	while (dot > draw && !(dot[0] == '.' && dot[1] == ' '))
		dot--;
	snprintf(id, cap, "%.*s", (int)(sp - dot - 2), dot + 2);
	return 0;
}

/* 1 when the line of a printed draw that picks object names person. */
static int in_team(const char *draw, const char *object, const char *person)
{
	const char *l = city_pick_line(draw, object);
	if (l == NULL)
		return 0;
	size_t n = strcspn(l, "\n");
	const char *hit = strstr(l, person);
	return hit != NULL && (size_t)(hit - l) < n;
}

/* Enters scjg's result for object in the food task: nobody at the
 * registered address (the fact behind object-unreachable). */
static int unreachable(const struct city *c, const char *object)
{
	char json[1024];
	snprintf(json, sizeof json,
	         "{\"agency\": \"scjg\", \"task_agency\": \"scjg\", \"task\": \"" FOOD "\", "
	         "\"object\": \"%s\", \"check_date\": \"2026-11-20\", \"check_end\": "
	         "\"2026-11-20\", \"items\": [\"food-safety\"], \"account\": \"nobody there\", "
	         "\"handling\": \"列入经营异常名录\", \"categories\": "
	         "[\"通过登记的住所（经营场所）无法联系\"]}",
	         object);
	if (city_put(c, "unreach.json", json))
		return -1;
	return city_run(c, NULL, "$B/suijid -d data result enter unreach.json --key op.key");
}

/* `suijid draw substitute` of draw seq with reason; dry: only prepared
 * into data/draws/rid. *seq_out the request's entry when requested. */
static int substitute(const struct city *c, const char *rid, uint64_t seq, const char *reason,
                      int dry, uint64_t *seq_out, char **out)
{
	char json[1024], *o = NULL;
	snprintf(json, sizeof json,
	         "{\"request_id\": \"%s\", \"draw\": %llu, \"reason\": \"%s\", \"deadline_hours\": "
	         "24, \"slot_size\": 5, \"officer_repeat_in_slot\": true, \"officer_tags\": "
	         "[\"law\"], \"beacons\": [{\"source\": \"pub\", \"round\": 0}]}",
	         rid, (unsigned long long)seq, reason);
	if (city_put(c, "sub.json", json))
		return 2;
	int rc = city_run(c, &o, "$B/suijid -d data draw substitute sub.json%s",
	                  dry ? " --dry-run" : "");
	const char *p = o ? strstr(o, "draw request ") : NULL;
	if (seq_out)
		*seq_out = p ? strtoull(p + 13, NULL, 10) : 0;
	if (out)
		*out = o;
	else
		free(o);
	return rc;
}

static int reveal(const struct city *c, uint64_t seq)
{
	if (city_pub_round(c))
		return 2;
	return city_run(c, NULL, "$B/suijid -d data draw reveal %llu --round pub.json",
	                (unsigned long long)seq);
}

/* Writes data/draws/rid/one.csv: a pool of object alone, in the stratum
 * the spec's one rule draws. */
static int one_pool(const struct city *c, const char *rid, const char *object)
{
	cJSON *j = city_spec_load(c, rid);
	if (j == NULL)
		return -1;
	const char *st = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "rules"), 0), "stratum"));
	int rc = st ? city_run(c, NULL, "printf 'id,stratum\\n%s,%s\\n' > data/draws/%s/one.csv",
	                       object, st, rid)
	            : -1;
	cJSON_Delete(j);
	return rc;
}

/* A spec in data/draws/rid rewritten: its replaced commitment, task and
 * pool files (each NULL to keep), saved as name. */
static int respec(const struct city *c, const char *rid, const char *name, const char *hex,
                  const char *task, const char *objects, const char *officers)
{
	cJSON *j = city_spec_load(c, rid);
	if (j == NULL)
		return -1;
	if (hex)
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "replaces"),
		                          "commitment_entry_hash", cJSON_CreateString(hex));
	if (task)
		cJSON_ReplaceItemInObject(j, "task", cJSON_CreateString(task));
	if (objects)
		cJSON_ReplaceItemInObject(j, "objects", cJSON_CreateString(objects));
	if (officers)
		cJSON_ReplaceItemInObject(j, "officers", cJSON_CreateString(officers));
	/* A hand-picked pool comes without the exclusions and conflicts of
	 * the derived one, as an operator choosing it would write it. */
	if (objects || officers) {
		cJSON_ReplaceItemInObject(j, "exclusions", cJSON_CreateArray());
		cJSON_ReplaceItemInObject(j, "conflicts", cJSON_CreateArray());
	}
	char r[80];
	snprintf(r, sizeof r, "%s-%s", rid, name);
	cJSON_ReplaceItemInObject(j, "request_id", cJSON_CreateString(r));
	return city_spec_save(c, rid, name, j);
}

TEST(nohand_task_drawn_once,
     "R6: a task drawn a second time (food-2 after food-1) is refused by the store; appended "
     "past the store the verifier fails naming R6 and its findings list the task as drawn "
     "more than once")
{
	struct city c;
	uint64_t d, d2;
	char *out = NULL, err[512];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R6  0 tasks drawn more than once");
	free(out);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d2, &out), ==,
	          1);
	CHECK_STR_HAS(out, "R6: task " FOOD " was drawn already by entry");
	free(out);
	/* The same second draw, prepared from the ledger as the first was,
	 * and appended past the store. */
	CHECK_INT(city_prepare(&c, "food-2", FOOD), ==, 0);
	CHECK_INT(city_raw_request(&c, "data/draws/food-2/spec.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R6: task " FOOD " was drawn already by entry");
	CHECK_STR_HAS(out, "R6  VIOLATED");
	CHECK_STR_HAS(out,
	              "R6  1 task drawn more than once; first: task " FOOD " of scjg: 2 regular");
	free(out);
}

TEST(nohand_redraw_only_after_abandonment,
     "R6: a redraw must name an abandoned commitment of its task: naming the revealed draw, or "
     "a reason outside the closed list, is refused naming R6")
{
	struct city c;
	uint64_t d;
	char hex[65], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	CHECK_INT(commit_hex(&c, d, hex), ==, 0);
	CHECK_INT(city_prepare(&c, "again", FOOD), ==, 0);
	cJSON *j = city_spec_load(&c, "again");
	CHECK(j != NULL);
	cJSON *rep = cJSON_AddObjectToObject(j, "replaces");
	cJSON_AddStringToObject(rep, "commitment_entry_hash", hex);
	cJSON_AddStringToObject(rep, "reason", "abandoned");
	CHECK_INT(city_spec_save(&c, "again", "redraw.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/again/redraw.json"),
	          ==, 1);
	CHECK_STR_HAS(out, "R6: the redraw names draw");
	CHECK_STR_HAS(out, "which was revealed");
	free(out);
	j = city_spec_load(&c, "again");
	CHECK(j != NULL);
	rep = cJSON_AddObjectToObject(j, "replaces");
	cJSON_AddStringToObject(rep, "commitment_entry_hash", hex);
	cJSON_AddStringToObject(rep, "reason", "the first draw was unlucky");
	CHECK_INT(city_spec_save(&c, "again", "why.json", j), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/again/why.json"),
	          ==, 1);
	CHECK_STR_HAS(out, "R6: the reason \"the first draw was unlucky\" is not one of");
	free(out);
	/* Past the store, the redraw of the revealed draw fails. */
	char err[512];
	CHECK_INT(city_raw_request(&c, "data/draws/again/redraw.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R6: the redraw names draw");
	free(out);
}

TEST(nohand_redraw_after_abandonment,
     "R6: a commitment left unrevealed past its deadline is redrawn by a draw that names it "
     "(reason abandoned) with the task's derived pools; the redraw is accepted, revealed and "
     "verified, counted as a redraw, and the abandoned commitment cannot be redrawn twice")
{
	struct city c;
	char hex[65], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_put(&c, "short.json",
	                   "{\"request_id\": \"food-1\", \"agency\": \"scjg\", \"task\": \"" FOOD
	                   "\", \"deadline_hours\": 0.0005, \"officer_tags\": [\"law\"], "
	                   "\"beacons\": [{\"source\": \"pub\", \"round\": 0}]}"),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw task short.json"), ==, 0);
	uint64_t d = strtoull(strstr(out, "draw request ") + 13, NULL, 10);
	free(out);
	CHECK_INT(commit_hex(&c, d, hex), ==, 0);
	/* Before its deadline it is not abandoned. */
	CHECK_INT(city_prepare(&c, "food-2", FOOD), ==, 0);
	cJSON *j = city_spec_load(&c, "food-2");
	CHECK(j != NULL);
	cJSON *rep = cJSON_AddObjectToObject(j, "replaces");
	cJSON_AddStringToObject(rep, "commitment_entry_hash", hex);
	cJSON_AddStringToObject(rep, "reason", "abandoned");
	CHECK_INT(city_spec_save(&c, "food-2", "redraw.json", j), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/food-2/redraw.json"), ==,
	    1);
	CHECK_STR_HAS(out, "whose deadline has not passed");
	free(out);
	CHECK_INT(city_run(&c, NULL, "sleep 2.5"), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/food-2/redraw.json"), ==,
	    0);
	uint64_t r = strtoull(strstr(out, "draw request ") + 13, NULL, 10);
	free(out);
	CHECK_INT(reveal(&c, r), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise --agency scjg"),
	          ==, 0);
	CHECK_STR_HAS(out, "draws (R6): 1 regular, 1 redraw, 0 substitutions  MORE THAN ONE DRAW");
	CHECK_STR_HAS(out, "REDRAW: draw");
	free(out);
	/* The same abandoned commitment named again. */
	j = city_spec_load(&c, "food-2");
	CHECK(j != NULL);
	cJSON_ReplaceItemInObject(j, "request_id", cJSON_CreateString("food-3"));
	rep = cJSON_AddObjectToObject(j, "replaces");
	cJSON_AddStringToObject(rep, "commitment_entry_hash", hex);
	cJSON_AddStringToObject(rep, "reason", "abandoned");
	CHECK_INT(city_spec_save(&c, "food-2", "redraw2.json", j), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/food-2/redraw2.json"), ==,
	    1);
	CHECK_STR_HAS(out, "was redrawn already by entry");
	free(out);
}

TEST(nohand_substitution_names_its_own_revealed_draw,
     "R6: a substitution naming another agency's draw, another task's draw or an unrevealed "
     "commitment is refused; appended past the store the verifier fails naming R6; the honest "
     "twin naming the task's revealed draw is accepted")
{
	struct city c;
	uint64_t d, js, joint;
	char ids[8][64], hex[65], *out = NULL, err[512];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	CHECK_INT(
	    city_task_draw(&c, "jsscjg", "js-2026-a", "\"officer_tags\": [\"food\"]", &js, NULL),
	    ==, 0);
	/* The joint task's draw is committed and never revealed. */
	CHECK_INT(city_put(&c, "joint.json",
	                   "{\"request_id\": \"joint-1\", \"agency\": \"scjg\", \"task\": \"" JOINT
	                   "\", \"deadline_hours\": 24, \"officer_tags\": [\"law\"], \"beacons\": "
	                   "[{\"source\": \"pub\", \"round\": 0}]}"),
	          ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw task joint.json"), ==, 0);
	joint = strtoull(strstr(out, "draw request ") + 13, NULL, 10);
	free(out);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL && plain_picks(draw, ids, 8) >= 1);
	free(draw);
	CHECK_INT(unreachable(&c, ids[0]), ==, 0);
	char reason[128];
	snprintf(reason, sizeof reason, "object-unreachable %s", ids[0]);
	CHECK_INT(substitute(&c, "sub", d, reason, 1, NULL, NULL), ==, 0);
	/* Another agency's draw. */
	CHECK_INT(commit_hex(&c, js, hex), ==, 0);
	CHECK_INT(respec(&c, "sub", "other-agency.json", hex, NULL, NULL, NULL), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/sub/other-agency.json"),
	    ==, 1);
	CHECK_STR_HAS(out, "R6: substitution for task " FOOD ": the substitution names the "
	                   "commitment of draw");
	CHECK_STR_HAS(out, "agency jsscjg");
	free(out);
	/* Another task's draw, and a commitment never revealed. */
	CHECK_INT(commit_hex(&c, joint, hex), ==, 0);
	CHECK_INT(respec(&c, "sub", "other-task.json", hex, NULL, NULL, NULL), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/sub/other-task.json"), ==,
	    1);
	CHECK_STR_HAS(out, "not a draw of agency scjg's task " FOOD);
	free(out);
	CHECK_INT(respec(&c, "sub", "unrevealed.json", hex, JOINT, NULL, NULL), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/sub/unrevealed.json"), ==,
	    1);
	CHECK_STR_HAS(out, "which was never revealed");
	free(out);
	/* The honest twin is accepted... */
	CHECK_INT(city_run(&c, &out,
	                   "cp -r data data-twin && $B/suijid -d data-twin draw request "
	                   "data/draws/sub/spec.json"),
	          ==, 0);
	free(out);
	/* ...and the other agency's, forged past the store, fails. */
	CHECK_INT(city_raw_request(&c, "data/draws/sub/other-agency.json", "scjg", err, sizeof err),
	          ==, SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R6: substitution for task " FOOD);
	CHECK_STR_HAS(out, "R6  VIOLATED");
	free(out);
}

TEST(nohand_substitution_pool_is_derived,
     "R6, R2, R12: a substitution with a hand-picked pool of one business, or two chosen "
     "officers, or without the declared conflict of the officer it replaces, is refused naming "
     "the rule; the hand-picked one appended past the store fails the verifier naming R6")
{
	struct city c;
	uint64_t d;
	char ids[8][64], *out = NULL, err[512], reason[160], obj[64], person[64], row[256];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL && plain_picks(draw, ids, 8) >= 1);
	const char *line = city_pick_line(draw, ids[0]);
	CHECK(line != NULL && strstr(line, "officers ") != NULL);
	snprintf(person, sizeof person, "%.6s", strstr(line, "officers ") + 9);
	free(draw);
	/* After the draw, an officer of the team declares a conflict with
	 * the object: a new team is drawn for it (officer-recused). */
	snprintf(
	    row, sizeof row,
	    "人员类别,统一社会信用代码,执法证号,回避事由,申报人\n执法人员,%s,%s,亲属在该企业任职,"
	    "本人申报\n",
	    ids[0], person);
	CHECK_INT(city_put(&c, "late-conflict.csv", row), ==, 0);
	CHECK_INT(city_run(&c, NULL,
	                   "$B/suijid -d data import conflicts late-conflict.csv --agency scjg"),
	          ==, 0);
	snprintf(reason, sizeof reason, "officer-recused %s %s", person, ids[0]);
	CHECK_INT(substitute(&c, "team", d, reason, 1, NULL, &out), ==, 0);
	free(out);
	/* One hand-picked business and two chosen officers, one of them
	 * with a conflict declared with it (the city's first conflict). */
	char conflicted[32];
	obj[0] = '\0';
	/* Not the object the substitution is for: the draw is random, and the
	 * one pool that holds only it would be the right pool. */
	for (int ln = 2; ln < 8 && (obj[0] == '\0' || strcmp(obj, ids[0]) == 0); ln++) {
		CHECK_INT(city_run(&c, &out, "sed -n %dp conflicts-scjg.csv | cut -d, -f2,3", ln),
		          ==, 0);
		CHECK(strchr(out, ',') != NULL);
		snprintf(obj, sizeof obj, "%.*s", (int)strcspn(out, ","), out);
		snprintf(conflicted, sizeof conflicted, "%.*s",
		         (int)strcspn(strchr(out, ',') + 1, "\n"), strchr(out, ',') + 1);
		free(out);
	}
	CHECK(strcmp(obj, ids[0]) != 0);
	CHECK_INT(one_pool(&c, "team", obj), ==, 0);
	CHECK_INT(
	    city_run(&c, NULL,
	             "(echo id,agency,tags; grep '^%s,' data/draws/team/officers.csv; "
	             "grep ',.*law' data/draws/team/officers.csv | grep -v -e '^%s,' -e '^%s,' | "
	             "head -1) > data/draws/team/two.csv",
	             conflicted, conflicted, person),
	    ==, 0);
	CHECK_INT(respec(&c, "team", "picked.json", NULL, NULL, "one.csv", "two.csv"), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/team/picked.json"),
	          ==, 1);
	if (strstr(out, "R6: ") == NULL)
		printf("    %s\n", out);
	CHECK_STR_HAS(out, "R6: ");
	free(out);
	CHECK_INT(respec(&c, "team", "officers.json", NULL, NULL, NULL, "two.csv"), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/team/officers.json"), ==,
	    1);
	CHECK_STR_HAS(out, "R2: active officer");
	free(out);
	cJSON *j = city_spec_load(&c, "team");
	CHECK(j != NULL);
	cJSON_DeleteItemFromObject(j, "conflicts");
	cJSON_ReplaceItemInObject(j, "request_id", cJSON_CreateString("team-noconflict"));
	CHECK_INT(city_spec_save(&c, "team", "noconflict.json", j), ==, 0);
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data draw request data/draws/team/noconflict.json"),
	    ==, 1);
	CHECK_STR_HAS(out, "R12: the conflict of interest declared between officer");
	free(out);
	/* The twin: as derived, the new team is accepted and revealed, and
	 * the recused officer is not in it. */
	uint64_t s;
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data draw request data/draws/team/spec.json"),
	          ==, 0);
	s = strtoull(strstr(out, "draw request ") + 13, NULL, 10);
	free(out);
	CHECK_INT(reveal(&c, s), ==, 0);
	draw = city_printed(&c, s);
	CHECK(draw != NULL && city_pick_line(draw, ids[0]) != NULL);
	CHECK(!in_team(draw, ids[0], person));
	free(draw);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R6  1 substitution (补抽); first:");
	CHECK_STR_HAS(out, reason);
	free(out);
	/* Past the store, the hand-picked pool fails the verifier. */
	CHECK_INT(city_raw_request(&c, "data/draws/team/picked.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R6: ");
	CHECK_STR_HAS(out, "R6  VIOLATED");
	free(out);
}

TEST(nohand_cap_shielding_refused,
     "R6, R9: substitutions in two tasks, each with a pool of the same one business (which "
     "would put it at the annual cap), are both refused, and no object is above its cap; "
     "appended past the store, the shield fails the verifier naming R6")
{
	struct city c;
	uint64_t d, jd;
	char ids[8][64], jids[8][64], *out = NULL, reason[160];
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", JOINT, "\"officer_tags\": [\"law\"]", &jd, NULL), ==,
	          0);
	char *draw = city_printed(&c, d), *jdraw = city_printed(&c, jd);
	CHECK(draw != NULL && jdraw != NULL && plain_picks(draw, ids, 8) >= 1 &&
	      plain_picks(jdraw, jids, 8) >= 1);
	free(draw);
	free(jdraw);
	/* Honest grounds in each task: the drawn object was deregistered. */
	CHECK_INT(
	    city_run(&c, NULL,
	             "(head -1 objects-scjg.csv; grep -E '^(%s|%s),' objects-scjg.csv | "
	             "sed 's/,存续,/,注销,/') > dereg.csv && $B/suijid -d data import objects "
	             "dereg.csv --agency scjg",
	             ids[0], jids[0]),
	    ==, 0);
	snprintf(reason, sizeof reason, "object-deregistered %s", ids[0]);
	CHECK_INT(substitute(&c, "cap1", d, reason, 1, NULL, &out), ==, 0);
	free(out);
	snprintf(reason, sizeof reason, "object-deregistered %s", jids[0]);
	CHECK_INT(substitute(&c, "cap2", jd, reason, 1, NULL, &out), ==, 0);
	free(out);
	/* The shielded business: one the draws did not pick. */
	char target[64];
	CHECK_INT(city_csv_id(&c, "data/draws/cap1/objects.csv", 1, target, sizeof target), ==, 0);
	for (int k = 1; k <= 2; k++) {
		char rid[16];
		snprintf(rid, sizeof rid, "cap%d", k);
		CHECK_INT(one_pool(&c, rid, target), ==, 0);
		CHECK_INT(respec(&c, rid, "shield.json", NULL, NULL, "one.csv", NULL), ==, 0);
		CHECK_INT(city_run(&c, &out,
		                   "$B/suijid -d data draw request data/draws/%s/shield.json", rid),
		          ==, 1);
		if (strstr(out, "R6: ") == NULL)
			printf("    %s\n", out);
		CHECK_STR_HAS(out, "R6: ");
		free(out);
	}
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R9  0 checks of objects above their cap");
	free(out);
	/* The same shield appended past the store, as a log operator whose
	 * daemon skipped its checks: the verifier fails naming R6. */
	char err[512];
	CHECK_INT(city_raw_request(&c, "data/draws/cap1/shield.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R6: ");
	free(out);
}

TEST(nohand_missing_results_are_findings,
     "R15: once its task has ended, every drawn object without a result is a finding of the "
     "verifier and of the supervision report; before the end, and for an object with a result, "
     "none is")
{
	struct city c;
	uint64_t d;
	char ids[8][64], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	char *draw = city_printed(&c, d);
	CHECK(draw != NULL && plain_picks(draw, ids, 8) >= 1);
	free(draw);
	CHECK_INT(
	    city_result(&c, "scjg", "op", "legal", FOOD, ids[0], "2026-11-20", "2026-11-20", NULL),
	    ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --today 2026-12-20"), ==, 0);
	CHECK_STR_HAS(out, "R15 0 drawn objects without a result after the task's end");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --today 2027-01-05"), ==, 0);
	CHECK_STR_HAS(out, "drawn objects without a result after the task's end; first: ");
	CHECK_STR_HAS(out, "which ended 2026-12-31");
	free(out);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suiji-verify data/ledger.db --supervise --agency scjg --today "
	                   "2027-01-05"),
	          ==, 0);
	CHECK_STR_HAS(out, "NO RESULT (R15): ");
	CHECK(strstr(strstr(out, "NO RESULT"), ids[0]) == NULL);
	free(out);
}

TEST(nohand_honest_substitution,
     "R6: an honest substitution (the drawn object cannot be reached at its address) is built "
     "from the ledger, accepted, revealed, its object gets a result and the verifier passes "
     "with the substitution as a finding; the same object is not replaced twice, and a task "
     "has at most three substitutions")
{
	struct city c;
	uint64_t d, s;
	char ids[8][64], reason[160], *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", FOOD, "\"officer_tags\": [\"law\"]", &d, NULL), ==, 0);
	char *draw = city_printed(&c, d), key[64];
	size_t n = draw ? plain_picks(draw, ids, 7) : 0;
	CHECK(draw != NULL && key_pick(draw, key, sizeof key) == 0);
	free(draw);
	CHECK_INT(n, >=, 3);
	snprintf(ids[n], sizeof ids[n], "%s", key);
	/* Without the fact, refused. */
	snprintf(reason, sizeof reason, "object-unreachable %s", ids[0]);
	CHECK_INT(substitute(&c, "s0", d, reason, 0, NULL, &out), ==, 1);
	CHECK_STR_HAS(out, "R6: the substitution's reason object-unreachable has no ledger fact");
	free(out);
	CHECK_INT(unreachable(&c, ids[0]), ==, 0);
	CHECK_INT(substitute(&c, "s1", d, reason, 0, &s, &out), ==, 0);
	free(out);
	CHECK_INT(reveal(&c, s), ==, 0);
	draw = city_printed(&c, s);
	char got[64];
	CHECK(draw != NULL && city_first_pick(draw, got, sizeof got) == 0);
	free(draw);
	CHECK(strcmp(got, ids[0]) != 0);
	CHECK_INT(
	    city_result(&c, "scjg", "op", "legal", FOOD, got, "2026-11-20", "2026-11-20", NULL), ==,
	    0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R6  1 substitution (补抽); first: draw");
	CHECK_STR_HAS(out, reason);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise --agency scjg"),
	          ==, 0);
	CHECK_STR_HAS(out, "SUBSTITUTION (补抽): draw");
	CHECK_STR_HAS(out, "draws (R6): 1 regular, 0 redraws, 1 substitution");
	free(out);
	/* The same object again: refused. */
	CHECK_INT(substitute(&c, "s1b", d, reason, 0, NULL, &out), ==, 1);
	CHECK_STR_HAS(out, "was replaced already by draw");
	free(out);
	/* Two more, then the bound (the fourth names the key stratum's
	 * object, whose own stratum could not replace it anyway). */
	for (int k = 1; k <= 3; k++) {
		char rid[16];
		snprintf(rid, sizeof rid, "s%d", k + 1);
		CHECK_INT(unreachable(&c, ids[k]), ==, 0);
		snprintf(reason, sizeof reason, "object-unreachable %s", ids[k]);
		CHECK_INT(substitute(&c, rid, d, reason, 0, NULL, &out), ==, k < 3 ? 0 : 1);
		if (k == 3)
			CHECK_STR_HAS(out, "R6: task " FOOD " has had its 3 substitutions already");
		free(out);
	}
}
