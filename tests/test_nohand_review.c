/*
 * test_nohand_review.c: no hand on the draw, through the real binaries on
 * the sample city of scripts/city.sh. A re-check draw (复查, R19) pools
 * exactly the published results of its scope and the justice bureau's
 * officers with their conflicts (R2, R12). Each attack is refused by the
 * store, and the same cheat appended past the store (signed with the
 * supervisor's real key, as an insider holding it and the database file
 * could) fails suiji-verify naming the rule; each has an honest twin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/drawop.h"
#include "ledger/entry.h"
#include "ledger/keyfile.h"
#include "ledger/note_sign.h"
#include "rules/storeops.h"
#include "tests/city.h"
#include "tests/fixture.h"
#include "tests/harness.h"
#include "wire/drawspec.h"
#include "wire/planspec.h"

/* Appends an entry straight into SQLite after the last entry, as a request
 * signed by the client key k (with a fresh request counter), log-signed
 * with the log key beside db: a log operator writing what the store would
 * refuse. */
static int raw_append_signed(const char *db, const char *origin, const char *agency, uint32_t type,
                             const uint8_t *payload, size_t len, const struct note_skey *k)
{
	struct entry e = {0};
	struct note_vkey vk;
	struct note_skey *log = NULL;
	uint8_t *msg = NULL, sig[64];
	size_t ml;
	char path[700], err[300];
	const char *slash = strrchr(db, '/');
	int rc;

	snprintf(path, sizeof path, "%.*s/log.key", slash ? (int)(slash - db) : 1,
	         slash ? db : ".");
	if (keyfile_load(&log, path, NULL, NOTE_TYPE_ED25519, 0, NULL, err, sizeof err) != SJ_OK)
		return SJ_ENOENT;
	e.counter = util_request_counter();
	rc = entry_request_message(&msg, &ml, origin, type, e.counter, agency, strlen(agency),
	                           payload, len);
	if (rc == SJ_OK) {
		note_skey_sign_raw(sig, msg, ml, k);
		note_skey_public(&vk, k);
		e.type = type;
		e.agency = agency;
		e.agency_len = strlen(agency);
		e.payload = payload;
		e.payload_len = len;
		memcpy(e.actor, vk.pk, sizeof e.actor);
		e.sig = sig;
		rc = fixture_raw_append_entry(db, &e, log);
	}
	free(msg);
	note_skey_free(log);
	return rc;
}

/* The draw request of spec file name (in the city's folder), signed with
 * key file key as agency's client and appended past the store. */
static int forge_signed_request(const struct city *c, const char *name, const char *key,
                                const char *agency)
{
	char path[800], db[800], kp[800], origin[256], err[400];
	struct ledger_store *s = NULL;
	struct note_skey *k = NULL;
	struct drawspec sp;
	uint8_t *payload = NULL;
	size_t plen;
	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	snprintf(db, sizeof db, "%s/data/ledger.db", c->dir);
	snprintf(kp, sizeof kp, "%s/%s", c->dir, key);
	int rc = storeops_open(&s, db, 0, err, sizeof err);
	if (rc != SJ_OK)
		return rc;
	snprintf(origin, sizeof origin, "%s", ledger_store_origin(s));
	rc = drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(s),
	                   util_now_us(), err, sizeof err);
	ledger_store_close(s);
	if (rc != SJ_OK) {
		printf("    %s\n", err);
		return rc;
	}
	rc = drawop_request_payload(&payload, &plen, &sp);
	if (rc == SJ_OK)
		rc = keyfile_load(&k, kp, NULL, 0, 0, NULL, err, sizeof err);
	if (rc == SJ_OK)
		rc = raw_append_signed(db, origin, agency, ENTRY_DRAW_REQUEST, payload, plen, k);
	note_skey_free(k);
	free(payload);
	drawspec_fini(&sp);
	return rc;
}

/* The id of the n-th drawn object (1-based) of a printed draw. */
static int nth_pick(const char *draw, int n, char *id, size_t cap)
{
	char tag[16];
	snprintf(tag, sizeof tag, "\n%4d. ", n);
	const char *p = strstr(draw, tag);
	if (p == NULL)
		return -1;
	p += strlen(tag);
	snprintf(id, cap, "%.*s", (int)strcspn(p, " "), p);
	return 0;
}

/* A city with one revealed draw of the city regulator's food task, two
 * of its drawn objects with published results (a and b), and the justice
 * bureau's declared conflict between its officer SF0001 and a. */
static int recheck_city(struct city *c, char *a, char *b, size_t cap)
{
	uint64_t d;
	char *out = NULL, csv[512];
	if (city_with_draw(c, "scjg-2026-food", &d, a, cap) != 0)
		return -1;
	char *draw = city_printed(c, d);
	int rc = draw && nth_pick(draw, 2, b, cap) == 0 ? 0 : -1;
	free(draw);
	for (int k = 0; k < 2 && rc == 0; k++) {
		rc = city_result(c, "scjg", "op", "legal", "scjg-2026-food", k ? b : a,
		                 "2026-11-16", "2026-11-18", &out);
		free(out);
		out = NULL;
	}
	snprintf(csv, sizeof csv,
	         "人员类别,统一社会信用代码,执法证号,回避事由,申报人\n"
	         "执法人员,%s,SF0001,亲属在该企业任职,本人申报\n",
	         a);
	if (rc == 0 && city_put(c, "conflicts-sfj.csv", csv) != 0)
		rc = -1;
	if (rc == 0 &&
	    city_run(c, &out, "$B/suijid -d data import conflicts conflicts-sfj.csv --agency sfj"))
		printf("    %s\n", out), rc = -1;
	free(out);
	return rc;
}

/* The honest re-check file for request rid. */
static int put_recheck(const struct city *c, const char *rid)
{
	char json[512];
	snprintf(json, sizeof json,
	         "{\"request_id\": \"%s\", \"agency\": \"sfj\", \"scope\": {\"agency\": \"scjg\", "
	         "\"year\": 2026, \"task\": \"scjg-2026-food\"}, \"count\": 1, \"team_size\": 2, "
	         "\"beacons\": [{\"source\": \"pub\", \"round\": 0}]}",
	         rid);
	return city_put(c, "recheck.json", json);
}

/* The attacks over RPC with the supervisor's key, in a function of their
 * own so that the daemon is stopped however a check ends. */
static void recheck_over_rpc(const struct city *c, const char *conn, const char *a)
{
	char *out = NULL, csv[256];
	/* A hand-picked pool: one published result, and the conflicted
	 * officer with one other, no conflict declared. */
	snprintf(csv, sizeof csv, "id,stratum\n%s,recheck\n", a);
	CHECK_INT(city_put(c, "hand-objects.csv", csv), ==, 0);
	CHECK_INT(city_put(c, "hand-officers.csv",
	                   "id,agency,tags\nSF0001,sfj,law;review\nSF0002,sfj,law;review\n"),
	          ==, 0);
	CHECK_INT(
	    city_put(c, "hand.json",
	             "{\"request_id\": \"hand1\", \"agency\": \"sfj\", \"task\": "
	             "\"recheck:scjg:2026:scjg-2026-food\", \"objects\": \"hand-objects.csv\", "
	             "\"officers\": \"hand-officers.csv\", \"team_size\": 2, \"beacons\": "
	             "[{\"source\": \"pub\", \"round\": 0}], \"rules\": [{\"stratum\": "
	             "\"recheck\", \"ratio\": \"1/1\"}]}"),
	    ==, 0);
	CHECK_INT(city_run(c, &out, "$B/suiji draw-request hand.json %s -k sup.key", conn), ==, 1);
	CHECK_STR_HAS(out, "R19: object");
	CHECK_STR_HAS(out, "is missing from the pool (a re-check draws among all 2 published");
	free(out);
	/* The derived pools with the conflict dropped: R12. */
	CHECK_INT(put_recheck(c, "nc1"), ==, 0);
	CHECK_INT(city_run(c, &out, "$B/suijid -d data draw recheck recheck.json"), ==, 0);
	free(out);
	CHECK_INT(city_run(c, &out,
	                   "sed -i '/\"conflicts\"/,$d' data/draws/nc1/spec.json && "
	                   "echo '\"conflicts\": []}' >> data/draws/nc1/spec.json && "
	                   "$B/suiji draw-request data/draws/nc1/spec.json %s -k sup.key",
	                   conn),
	          ==, 1);
	CHECK_STR_HAS(out, "R12: the conflict of interest declared between officer SF0001");
	free(out);
	/* An officer of another agency's directory, hand-added: R2. */
	CHECK_INT(
	    city_run(c, &out,
	             "cp data/draws/nc1/spec.json nc2.json && sed -i 's/nc1/nc2/; "
	             "s|objects.csv|data/draws/nc1/objects.csv|; "
	             "s|experts.csv|data/draws/nc1/experts.csv|; s|officers.csv|nc2-off.csv|' "
	             "nc2.json && cp data/draws/nc1/officers.csv nc2-off.csv && "
	             "echo 'SC0001,scjg,law' >> nc2-off.csv && "
	             "$B/suiji draw-request nc2.json %s -k sup.key",
	             conn),
	    ==, 1);
	CHECK_STR_HAS(out, "R2: pooled officer SC0001");
	free(out);
	/* The twin: as derived from the ledger, accepted. */
	CHECK_INT(put_recheck(c, "rc1"), ==, 0);
	CHECK_INT(city_run(c, &out, "$B/suijid -d data draw recheck recheck.json"), ==, 0);
	free(out);
	CHECK_INT(
	    city_run(c, &out, "$B/suiji draw-request data/draws/rc1/spec.json %s -k sup.key", conn),
	    ==, 0);
	free(out);
}

TEST(nohand_recheck_pool_derived,
     "R19, R12, R2: a re-check draw pools every published result of its scope and the justice "
     "bureau's officers with their conflicts; a hand-picked pool, a dropped conflict or an "
     "added officer is refused, and the same request forged past the store fails the verifier")
{
	struct city c;
	char a[64], b[64], conn[300], *out = NULL;
	CHECK_INT(recheck_city(&c, a, b, sizeof a), ==, 0);
	if (harness_failed())
		return;
	/* The derived pool: both published results, SF0001's conflict. */
	CHECK_INT(put_recheck(&c, "look"), ==, 0);
	CHECK_INT(city_run(&c, &out,
	                   "$B/suijid -d data draw recheck recheck.json && "
	                   "cat data/draws/look/objects.csv data/draws/look/officers.csv "
	                   "data/draws/look/spec.json"),
	          ==, 0);
	CHECK_STR_HAS(out, a);
	CHECK_STR_HAS(out, b);
	CHECK_STR_HAS(out, "SF0004,sfj,law;review");
	CHECK_STR_HAS(out, "\"person\":\t\"SF0001\"");
	free(out);
	/* A scope with no published result, and one that does not parse. */
	CHECK_INT(city_run(&c, &out,
	                   "sed -i 's/\"year\": 2026/\"year\": 2025/' recheck.json && "
	                   "$B/suijid -d data draw recheck recheck.json"),
	          ==, 1);
	CHECK_STR_HAS(out, "holds no published result");
	free(out);
	CHECK_INT(city_daemon_up(&c, conn, sizeof conn), ==, 0);
	recheck_over_rpc(&c, conn, a);
	city_daemon_down(&c);
	if (harness_failed())
		return;
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	free(out);
	/* Past the store: the hand-picked pool, signed by the supervisor. */
	CHECK_INT(forge_signed_request(&c, "hand.json", "sup.key", "sfj"), ==, SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R19: object");
	CHECK_STR_HAS(out, "R19 VIOLATED");
	free(out);
	CHECK_INT(forge_signed_request(&c, "data/draws/nc1/spec.json", "sup.key", "sfj"), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "R12 VIOLATED");
	free(out);
}

/* ---- (b) Directory changes just before a draw ---- */

/* A shared object that moves the real-time clock of the binaries it is
 * preloaded into SUIJI_TEST_DAYS_AGO days back, so a test can make
 * ledger entries "days ago" (entry times only ever increase). */
static const char clock_shim[] =
    "#define _GNU_SOURCE\n#include <dlfcn.h>\n#include <stdlib.h>\n#include <time.h>\n"
    "int clock_gettime(clockid_t id, struct timespec *ts)\n{\n"
    "\tstatic int (*real)(clockid_t, struct timespec *);\n"
    "\tif (real == NULL)\n\t\treal = (int (*)(clockid_t, struct timespec *))dlsym("
    "RTLD_NEXT, \"clock_gettime\");\n"
    "\tint rc = real(id, ts);\n\tconst char *s = getenv(\"SUIJI_TEST_DAYS_AGO\");\n"
    "\tif (rc == 0 && s != NULL && id == CLOCK_REALTIME)\n"
    "\t\tts->tv_sec -= (time_t)atol(s) * 86400;\n\treturn rc;\n}\n";

/* The environment that runs a command days ago (the shim above). */
static int days_ago_env(char *env, size_t cap, int days)
{
	char src[700], so[700];
	snprintf(src, sizeof src, "%s/clockshim.c", harness_tmpdir());
	snprintf(so, sizeof so, "%s/clockshim.so", harness_tmpdir());
	if (util_write_file(src, clock_shim, strlen(clock_shim), 0644) != SJ_OK ||
	    harness_run(NULL, "cc -shared -fPIC -o '%s' '%s' -ldl", so, src) != 0)
		return -1;
	snprintf(env, cap,
	         "SUIJI_TEST_DAYS_AGO=%d LD_PRELOAD='%s' "
	         "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\"",
	         days, so);
	return 0;
}

/* The re-import: the city's first business deregistered (forced out of
 * any draw, R6), its second tagged 投诉举报 (forced into the key
 * stratum, drawn whole, R10). Absent records stay. */
static const char reimport[] =
    "head -1 objects-scjg.csv > re.csv && sed -n 2p objects-scjg.csv | sed 's/,存续,/,注销,/' "
    ">> re.csv && sed -n 3p objects-scjg.csv | sed 's/,良好,,/,良好,投诉举报,/' >> re.csv && "
    "%s $B/suijid -d data import objects re.csv --agency scjg";

TEST(nohand_predraw_directory_change_found,
     "a directory re-import just before a draw that deregisters a business or tags it "
     "投诉举报 leaves the draw standing (the directory is the truth) but is a finding, counted "
     "in the verifier's report and named in the supervision report")
{
	struct city c;
	uint64_t d;
	char *out = NULL;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(city_run(&c, &out, reimport, ""), ==, 0);
	free(out);
	CHECK_INT(
	    city_task_draw(&c, "scjg", "scjg-2026-food", "\"officer_tags\": [\"law\"]", &d, NULL),
	    ==, 0);
	CHECK_INT(city_run(&c, &out, "cat data/draws/%s/spec.json", city_last_rid), ==, 0);
	CHECK_STR_HAS(out, "\"reason\":\t\"deregistered\"");
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	CHECK_STR_HAS(out, "R6  2 directory changes within 7 days before 1 draw moved objects");
	CHECK_STR_HAS(out, "task scjg-2026-food: 1 deregistered, 1 complaint");
	/* Counts only in the verifier's report: no object is named. */
	CHECK(strstr(out, "91320700200000005A") == NULL);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise --agency scjg"),
	          ==, 0);
	CHECK_STR_HAS(out, "task scjg-2026-food (request");
	CHECK_STR_HAS(out, "deregistered      91320700200000005A");
	CHECK_STR_HAS(out, "complaint         913207002000000728");
	free(out);
	/* The window is the verifier's to set: none at 0 days. */
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --predraw-window 0"), ==, 0);
	CHECK_STR_HAS(out, "R6  0 directory changes within 0 days before 0 draws");
	free(out);
}

TEST(nohand_predraw_old_change_not_found,
     "the twin: the same re-import 10 days before the draw is no finding with the default "
     "window of 7 days, and is one with a window of 11")
{
	struct city c;
	uint64_t d;
	char env[1600], *out = NULL;
	static unsigned n;
	CHECK_INT(days_ago_env(env, sizeof env, 10), ==, 0);
	snprintf(c.bin, sizeof c.bin, "%s", harness_bin("suijid"));
	*strrchr(c.bin, '/') = '\0';
	snprintf(c.dir, sizeof c.dir, "%s/oldcity%u", harness_tmpdir(), ++n);
	/* The whole city 10 days ago, since entry times only increase. */
	CHECK_INT(harness_run(&out, "%s sh scripts/city.sh '%s' '%s' 60", env, c.bin, c.dir), ==,
	          0);
	free(out);
	CHECK_INT(city_run(&c, &out, reimport, env), ==, 0);
	free(out);
	CHECK_INT(
	    city_task_draw(&c, "scjg", "scjg-2026-food", "\"officer_tags\": [\"law\"]", &d, NULL),
	    ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise"), ==, 0);
	CHECK_STR_HAS(out, "R6  0 directory changes within 7 days before 0 draws");
	CHECK(strstr(out, "91320700200000005A (directory import") == NULL);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --predraw-window 11"), ==, 0);
	CHECK_STR_HAS(out, "R6  2 directory changes within 11 days before 1 draw moved objects");
	free(out);
}

/* ---- (c), (d) A task goes through legal review like a plan ---- */

/* Task id of scjg's plan with scope filter and every stratum at ratio. */
static int put_task(const struct city *c, const char *id, const char *filter, const char *ratio,
                    const char *ratio_a)
{
	char json[1024], name[64];
	snprintf(json, sizeof json,
	         "{\"agency\": \"scjg\", \"task_id\": \"%s\", \"plan_id\": \"scjg-2026\", "
	         "\"plan_version\": 1, \"scope_filter\": \"%s\", \"items\": [\"food-safety\"], "
	         "\"strata\": [{\"name\": \"A\", \"ratio\": \"%s\"}, {\"name\": \"B\", \"ratio\": "
	         "\"%s\"}, {\"name\": \"C\", \"ratio\": \"%s\"}, {\"name\": \"D\", \"ratio\": "
	         "\"%s\"}], \"team_size\": 2, \"start_date\": \"2026-09-01\", \"end_date\": "
	         "\"2026-12-31\", \"targeted\": true, \"joint\": false}",
	         id, filter, ratio_a, ratio, ratio, ratio);
	snprintf(name, sizeof name, "task-%s.json", id);
	return city_put(c, name, json);
}

/* The spec of a task draw prepared (not requested) as request rid. */
static int prepare(const struct city *c, const char *rid, const char *task)
{
	char json[512];
	snprintf(json, sizeof json,
	         "{\"request_id\": \"%s\", \"agency\": \"scjg\", \"task\": \"%s\", "
	         "\"officer_tags\": [\"law\"], \"beacons\": [{\"source\": \"pub\", \"round\": 0}]}",
	         rid, task);
	if (city_put(c, "prep.json", json) != 0)
		return -1;
	return city_run(c, NULL, "$B/suijid -d data draw task prep.json --dry-run");
}

/* zx3's review over RPC, the daemon stopped however it ends: an
 * operator's key is refused, the legal reviewer's accepted. */
static int review_over_rpc(const struct city *c)
{
	char conn[300], *out = NULL;
	int rc = -1;
	if (city_daemon_up(c, conn, sizeof conn) != 0)
		return -1;
	if (city_run(c, &out, "$B/suiji task-review scjg zx3 --approve %s -k op.key", conn) != 0 &&
	    strstr(out, "FORBIDDEN") != NULL) {
		free(out);
		out = NULL;
		rc = city_run(c, &out,
		              "$B/suiji task-review scjg zx3 --approve --narrow-scope "
		              "群众投诉集中的两户专项整治 %s -k legal.key",
		              conn);
	}
	if (rc != 0)
		printf("    %s\n", out ? out : "");
	free(out);
	city_daemon_down(c);
	return rc;
}

TEST(nohand_task_review_required,
     "R5, R6: a task created without legal review, scoped tag=专项整治 at ratio 1/1 over two "
     "hand-tagged businesses, is not drawn; reviewed without approving its tag-only scope it is "
     "not drawn either; forged past the store both fail the verifier naming the rule; reviewed "
     "with the narrow scope approved it is drawn, and the approval shows in the supervision "
     "report")
{
	struct city c;
	uint64_t d;
	char *out = NULL, err[400];
	CHECK_INT(city_build(&c), ==, 0);
	/* Two businesses hand-tagged 专项整治, then three tasks selecting
	 * them by that tag alone, drawn whole. */
	CHECK_INT(city_run(&c, &out,
	                   "head -1 objects-scjg.csv > tag.csv && sed -n '2,3p' objects-scjg.csv | "
	                   "sed 's/,良好,,/,良好,专项整治,/' >> tag.csv && "
	                   "$B/suijid -d data import objects tag.csv --agency scjg"),
	          ==, 0);
	free(out);
	for (int i = 1; i <= 3; i++) {
		char id[16];
		snprintf(id, sizeof id, "zx%d", i);
		CHECK_INT(put_task(&c, id, "tag=专项整治", "1/1", "1/1"), ==, 0);
		CHECK_INT(city_run(&c, NULL,
		                   "$B/suijid -d data task create task-%s.json --key op.key", id),
		          ==, 0);
	}
	/* Never reviewed: refused, naming R5. */
	CHECK_INT(city_task_draw(&c, "scjg", "zx1", "\"officer_tags\": [\"law\"]", &d, &out), ==,
	          1);
	CHECK_STR_HAS(out, "R5: task zx1 of scjg has not passed legal review");
	free(out);
	/* Only the agency's legal reviewer reviews a task. */
	CHECK_INT(
	    city_run(&c, &out, "$B/suijid -d data task review scjg zx2 --approve --key op.key"), ==,
	    1);
	CHECK_STR_HAS(out, "R5: only a legal reviewer of agency scjg may review its task zx2");
	free(out);
	/* Approved, but not its tag-only scope: refused, naming R6. */
	CHECK_INT(
	    city_run(&c, NULL, "$B/suijid -d data task review scjg zx2 --approve --key legal.key"),
	    ==, 0);
	/* An approved task is not reviewed again. */
	CHECK_INT(
	    city_run(&c, &out,
	             "$B/suijid -d data task review scjg zx2 --approve --narrow-scope x --key "
	             "legal.key"),
	    ==, 1);
	CHECK_STR_HAS(out, "R5: task zx2 of scjg has passed legal review already");
	free(out);
	CHECK_INT(city_task_draw(&c, "scjg", "zx2", "\"officer_tags\": [\"law\"]", &d, &out), ==,
	          1);
	CHECK_STR_HAS(out, "R6: task zx2's scope \"tag=专项整治\" selects only by a tag");
	free(out);
	/* The twin: the narrow scope approved, with a reason, by the legal
	 * reviewer over RPC (the plan-review method); drawn. */
	CHECK_INT(review_over_rpc(&c), ==, 0);
	CHECK_INT(city_task_draw(&c, "scjg", "zx3", "\"officer_tags\": [\"law\"]", &d, NULL), ==,
	          0);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db --supervise --agency scjg"),
	          ==, 0);
	CHECK_STR_HAS(out, "task zx3 of scjg");
	CHECK_STR_HAS(out, "narrow scope approved: 群众投诉集中的两户专项整治");
	CHECK_STR_HAS(out, "legal review: NOT REVIEWED (R5)");
	free(out);
	/* Past the store: the unreviewed and the unapproved draws. */
	CHECK_INT(prepare(&c, "f1", "zx1"), ==, 0);
	CHECK_INT(prepare(&c, "f2", "zx2"), ==, 0);
	CHECK_INT(city_raw_request(&c, "data/draws/f1/spec.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "FAILED: R5: task zx1 of scjg has not passed legal review");
	CHECK_STR_HAS(out, "R5  VIOLATED");
	free(out);
	CHECK_INT(city_raw_request(&c, "data/draws/f2/spec.json", "scjg", err, sizeof err), ==,
	          SJ_OK);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "R6  VIOLATED");
	CHECK_STR_HAS(out, "selects only by a tag");
	free(out);
}

TEST(nohand_task_ratio_below_plan_refused,
     "R7: a task drawing a risk class below its plan's ratio for that class is refused, and "
     "written past the store the verifier fails naming R7; at the plan's ratio it is accepted")
{
	struct city c;
	char *out = NULL, path[800], db[800], err[400];
	struct planspec_info info;
	uint8_t *p = NULL;
	size_t len = 0;
	CHECK_INT(city_build(&c), ==, 0);
	CHECK_INT(put_task(&c, "low", "category=食品销售", "1/10", "1/200"), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data task create task-low.json --key op.key"),
	          ==, 1);
	CHECK_STR_HAS(out, "R7: task low draws risk class A at 1/200, below its plan scjg-2026's "
	                   "ratio 1/100");
	free(out);
	/* The twin: at the plan's ratio. */
	CHECK_INT(put_task(&c, "ok", "category=食品销售", "1/10", "1/100"), ==, 0);
	CHECK_INT(city_run(&c, &out, "$B/suijid -d data task create task-ok.json --key op.key"), ==,
	          0);
	free(out);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 0);
	free(out);
	/* Past the store. */
	snprintf(path, sizeof path, "%s/task-low.json", c.dir);
	snprintf(db, sizeof db, "%s/data/ledger.db", c.dir);
	CHECK_INT(planspec_task(&p, &len, &info, path, err, sizeof err), ==, SJ_OK);
	CHECK_INT(fixture_raw_append(db, "scjg", ENTRY_TASK, p, len), ==, SJ_OK);
	free(p);
	CHECK_INT(city_run(&c, &out, "$B/suiji-verify data/ledger.db"), ==, 1);
	CHECK_STR_HAS(out, "(task): R7: task low draws risk class A at 1/200");
	free(out);
}
