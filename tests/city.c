/*
 * city.c: the sample city for tests that drive the real binaries (city.h).
 */
#include "tests/city.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/drawop.h"
#include "ledger/entry.h"
#include "rules/storeops.h"
#include "tests/fixture.h"
#include "tests/harness.h"
#include "wire/drawspec.h"

/* The sample city in a fresh folder. */
int city_build(struct city *c)
{
	static unsigned n;
	char *out = NULL;
	const char *suijid = harness_bin("suijid");
	snprintf(c->bin, sizeof c->bin, "%s", suijid);
	*strrchr(c->bin, '/') = '\0';
	snprintf(c->dir, sizeof c->dir, "%s/city%u", harness_tmpdir(), ++n);
	int rc = harness_run(&out, "sh scripts/city.sh '%s' '%s' 60", c->bin, c->dir);
	if (rc != 0)
		printf("    city.sh: %s\n", out);
	free(out);
	return rc;
}

/* Runs a command in the city's folder with $B the binaries; *out is the
 * output (free it), or NULL when out is NULL. Returns the exit code. */
int city_run(const struct city *c, char **out, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char root[1024];
	if (getcwd(root, sizeof root) == NULL)
		return -1;
	return harness_run(out, "ROOT='%s' && cd '%s' && B='%s' && %s", root, c->dir, c->bin, cmd);
}

int city_put(const struct city *c, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	return util_write_file(path, text, strlen(text), 0644);
}

/* Public values for the "pub" source, drawn after the commitment, signed
 * by the notary and appended. */
int city_pub_round(const struct city *c)
{
	char doc[256];
	time_t t0 = time(NULL);
	while (time(NULL) == t0)
		usleep(20000);
	snprintf(doc, sizeof doc,
	         "{\"time\":%lld,\"sources\":[{\"name\":\"test lottery\",\"kind\":\"numeric\","
	         "\"values\":[\"%lld\",\"7\",\"19\"]}]}",
	         (long long)time(NULL), (long long)time(NULL) % 97);
	if (city_put(c, "pub.json", doc))
		return 2;
	/* The notary signs them as its own entry (R6): only those count. */
	return city_run(c, NULL,
	                "$B/suiji pubvalues sign --key notary.key --origin "
	                "suiji.example/lianyungang-2026 --source pub pub.json -o pub.signed && "
	                "$B/suijid -d data pubvalues add pub.signed");
}

/* The request id of the last task_draw (its folder under data/draws). */
char city_last_rid[32];

/* A task draw of agency's task with the operator's choices in extra (JSON
 * members, may be ""), committed and revealed. *seq is the request's entry.
 * Returns the exit code of the first step that failed. */
int city_task_draw(const struct city *c, const char *agency, const char *task, const char *extra,
                   uint64_t *seq, char **out)
{
	char json[2048], *o = NULL;
	static unsigned n;
	snprintf(city_last_rid, sizeof city_last_rid, "r%u", ++n);
	snprintf(json, sizeof json,
	         "{\"request_id\": \"%s\", \"agency\": \"%s\", \"task\": \"%s\","
	         " \"slot_size\": 5, \"officer_repeat_in_slot\": true, \"deadline_hours\": 24,"
	         " \"beacons\": [{\"source\": \"pub\", \"round\": 0}]%s%s}",
	         city_last_rid, agency, task, extra[0] ? ", " : "", extra);
	if (city_put(c, "draw.json", json))
		return 2;
	int rc = city_run(c, &o, "$B/suijid -d data draw task draw.json");
	if (rc != 0) {
		if (out) {
			*out = o;
		} else {
			printf("    suijid draw task: %s\n", o ? o : "");
			free(o);
		}
		return rc;
	}
	const char *p = strstr(o, "draw request ");
	*seq = p ? strtoull(p + 13, NULL, 10) : 0;
	free(o);
	if (city_pub_round(c))
		return 2;
	if (out)
		return city_run(c, out, "$B/suijid -d data draw reveal %llu --round pub.json",
		                (unsigned long long)*seq);
	rc = city_run(c, &o, "$B/suijid -d data draw reveal %llu --round pub.json",
	              (unsigned long long)*seq);
	if (rc != 0)
		printf("    suijid draw reveal: %s\n", o ? o : "");
	free(o);
	return rc;
}

/* The printed draw (suiji-verify draw), malloc'd. */
char *city_printed(const struct city *c, uint64_t seq)
{
	char *out = NULL;
	if (city_run(c, &out, "$B/suiji-verify draw data/ledger.db %llu",
	             (unsigned long long)seq)) {
		free(out);
		return NULL;
	}
	return out;
}

/* The line of a printed draw (suiji-verify draw) that picks object id,
 * or NULL: "   N. ID  stratum S  slot K  officers ...". */
const char *city_pick_line(const char *draw, const char *id)
{
	char needle[128];
	snprintf(needle, sizeof needle, ". %s  stratum ", id);
	return strstr(draw, needle);
}

/* The id in column 0 of line `line` (1 = first data row) of a CSV file. */
int city_csv_id(const struct city *c, const char *file, int line, char *id, size_t cap)
{
	char path[800];
	uint8_t *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/%s", c->dir, file);
	if (util_read_file(&buf, &len, path, 1u << 24) != SJ_OK)
		return -1;
	const char *p = (const char *)buf;
	for (int i = 0; i < line && p; i++)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	int rc = -1;
	if (p && strchr(p, ',')) {
		snprintf(id, cap, "%.*s", (int)(strchr(p, ',') - p), p);
		rc = 0;
	}
	free(buf);
	return rc;
}

/* Appends a draw request built from spec file name (in the city's folder)
 * straight into SQLite, past the store's rules, as the log operator for
 * agency. */
int city_raw_request(const struct city *c, const char *name, const char *agency, char *err,
                     size_t cap)
{
	char path[800], db[800];
	struct drawspec sp;
	struct ledger_store *s = NULL;
	uint8_t *payload = NULL;
	size_t plen;
	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	snprintf(db, sizeof db, "%s/data/ledger.db", c->dir);
	int rc = storeops_open(&s, db, 0, err, cap);
	if (rc != SJ_OK)
		return rc;
	rc = drawspec_load(&sp, path, drawspec_ledger_source, (void *)storeops_draws(s),
	                   util_now_us(), err, cap);
	ledger_store_close(s);
	if (rc != SJ_OK)
		return rc;
	rc = drawop_request_payload(&payload, &plen, &sp);
	if (rc == SJ_OK)
		rc = fixture_raw_append(db, agency, ENTRY_DRAW_REQUEST, payload, plen);
	free(payload);
	drawspec_fini(&sp);
	return rc;
}

/* The spec a task draw wrote into data/draws/req (cJSON; the caller's). */
cJSON *city_spec_load(const struct city *c, const char *req)
{
	char path[800];
	uint8_t *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/data/draws/%s/spec.json", c->dir, req);
	if (util_read_file(&buf, &len, path, 1u << 24) != SJ_OK)
		return NULL;
	cJSON *j = cJSON_ParseWithLength((const char *)buf, len);
	free(buf);
	return j;
}

/* Writes j as data/draws/req/name (beside the pools it names); frees j. */
int city_spec_save(const struct city *c, const char *req, const char *name, cJSON *j)
{
	char path[800], *text = cJSON_Print(j);
	int rc = -1;
	snprintf(path, sizeof path, "%s/data/draws/%s/%s", c->dir, req, name);
	if (text && util_write_file(path, text, strlen(text), 0644) == SJ_OK)
		rc = 0;
	free(text);
	cJSON_Delete(j);
	return rc;
}

/* The rule of stratum name in spec j, or NULL. */
cJSON *city_spec_rule(cJSON *j, const char *name)
{
	cJSON *r;
	cJSON_ArrayForEach(
	    r, cJSON_GetObjectItem(
	           j, "rules")) if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "stratum")),
	                                   name) == 0) return r;
	return NULL;
}

/* Prepares (but does not request) a task draw of scjg's task into
 * data/draws/req. */
int city_prepare(const struct city *c, const char *req, const char *task)
{
	char json[512];
	snprintf(json, sizeof json,
	         "{\"request_id\": \"%s\", \"agency\": \"scjg\", \"task\": \"%s\", "
	         "\"officer_tags\": [\"law\"], \"beacons\": [{\"source\": \"pub\", \"round\": 0}]}",
	         req, task);
	if (city_put(c, "prep.json", json))
		return -1;
	return city_run(c, NULL,
	                "$B/suijid -d data draw task prep.json --out data/draws/%s --dry-run", req);
}

/* Enters, reviews and publishes a result of agency for object in task. */
int city_result(const struct city *c, const char *agency, const char *op, const char *legal,
                const char *task, const char *object, const char *date, const char *end, char **out)
{
	char json[1024];
	snprintf(json, sizeof json,
	         "{\"agency\": \"%s\", \"task_agency\": \"scjg\", \"task\": \"%s\", \"object\": "
	         "\"%s\", \"check_date\": \"%s\", \"check_end\": \"%s\", \"items\": [\"%s\"], "
	         "\"account\": \"checked\", \"categories\": [\"未发现问题\"]}",
	         agency, task, object, date, end,
	         strcmp(task, "scjg-2026-food") == 0 ? "food-safety" : "building-materials");
	if (city_put(c, "result.json", json))
		return 2;
	return city_run(c, out,
	                "$B/suijid -d data result enter result.json --key %s.key && "
	                "$B/suijid -d data result review result.json --key %s.key && "
	                "$B/suijid -d data result publish result.json --key %s.key",
	                op, legal, op);
}

/* The id of the first drawn object of a printed draw into id. */
int city_first_pick(const char *draw, char *id, size_t cap)
{
	const char *p = strstr(draw, "\n   1. ");
	if (p == NULL)
		return -1;
	p += 7;
	snprintf(id, cap, "%.*s", (int)strcspn(p, " "), p);
	return 0;
}

/* A fresh city with one revealed draw of scjg's task; *d is its request
 * entry and id its first drawn object. */
int city_with_draw(struct city *c, const char *task, uint64_t *d, char *id, size_t cap)
{
	if (city_build(c) != 0 ||
	    city_task_draw(c, "scjg", task, "\"officer_tags\": [\"law\"]", d, NULL) != 0)
		return -1;
	char *draw = city_printed(c, *d);
	int rc = draw && city_first_pick(draw, id, cap) == 0 ? 0 : -1;
	free(draw);
	return rc;
}

/* Starts `suijid run` on a loopback port in the city's folder; the
 * client's connection options into conn. */
int city_daemon_up(const struct city *c, char *conn, size_t cap)
{
	char *out = NULL;
	int rc = city_run(
	    c, &out,
	    "printf 'listen_tcp = 127.0.0.1:0\\nlisten_unix = %s/s.sock\\n' > "
	    "data/suijid.conf && $B/suijid -d data daemon-key > daemon.vkey 2>/dev/null && "
	    "($B/suijid -d data run > daemon.out 2> daemon.log & echo $! > daemon.pid) && "
	    "for i in $(seq 1 500); do grep -q 'listening on tcp' daemon.out 2>/dev/null && break; "
	    "sleep 0.02; done; grep -o 'tcp:127.0.0.1:[0-9]*' daemon.out | head -1",
	    c->dir);
	if (rc == 0 && out && strncmp(out, "tcp:", 4) == 0) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(conn, cap, "--server %s --daemon-key daemon.vkey", out);
	} else {
		printf("    the daemon did not start: %s\n", out ? out : "");
		city_run(c, NULL, "cat daemon.log >&2; kill $(cat daemon.pid) 2>/dev/null");
		rc = -1;
	}
	free(out);
	return rc;
}

void city_daemon_down(const struct city *c)
{
	if (city_run(c, NULL,
	             "kill $(cat daemon.pid) && for i in $(seq 1 500); do "
	             "kill -0 $(cat daemon.pid) 2>/dev/null || exit 0; sleep 0.02; done; "
	             "kill -9 $(cat daemon.pid)") != 0)
		printf("    the daemon did not stop on SIGTERM\n");
}

int city_task_copy(const struct city *c, const char *task_id)
{
	return city_run(
	    c, NULL,
	    "sed 's/\"scjg-2026-food\"/\"%s\"/' \"$ROOT/scripts/city/task-scjg-food.json\" "
	    "> task-%s.json && $B/suijid -d data task create task-%s.json --key op.key && "
	    "$B/suijid -d data task review scjg %s --approve --key legal.key",
	    task_id, task_id, task_id, task_id);
}
