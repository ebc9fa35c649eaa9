/*
 * city.h: the sample city of scripts/city.sh (60 businesses, four
 * agencies, their directories, plans and tasks) for tests that drive the
 * real binaries: build one in a fresh folder, run commands in it, draw a
 * task, enter results, append forged entries past the store, and start
 * and stop the daemon on a loopback port.
 */
#ifndef SUIJI_TESTS_CITY_H
#define SUIJI_TESTS_CITY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct city {
	char dir[512];
	char bin[512];
};

/* The request id of the last city_task_draw (its folder under
 * data/draws). */
extern char city_last_rid[32];

/* The sample city in a fresh folder. */
int city_build(struct city *c);

/* Runs a command in the city's folder with $B the binaries; *out is the
 * output (free it), or NULL when out is NULL. Returns the exit code. */
int city_run(const struct city *c, char **out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int city_put(const struct city *c, const char *name, const char *text);

/* Public values for the "pub" source, drawn after the commitment, signed
 * by the notary (notary.key) and appended as its public-values entry. */
int city_pub_round(const struct city *c);

/* A task draw of agency's task with the operator's choices in extra (JSON
 * members, may be ""), committed and revealed. *seq is the request's entry.
 * Returns the exit code of the first step that failed. */
int city_task_draw(const struct city *c, const char *agency, const char *task, const char *extra,
                   uint64_t *seq, char **out);

/* The printed draw (suiji-verify draw), malloc'd. */
char *city_printed(const struct city *c, uint64_t seq);

/* The line of a printed draw (suiji-verify draw) that picks object id,
 * or NULL: "   N. ID  stratum S  slot K  officers ...". */
const char *city_pick_line(const char *draw, const char *id);

/* The id in column 0 of line `line` (1 = first data row) of a CSV file. */
int city_csv_id(const struct city *c, const char *file, int line, char *id, size_t cap);

/* Appends a draw request built from spec file name (in the city's folder)
 * straight into SQLite, past the store's rules, as the log operator for
 * agency. */
int city_raw_request(const struct city *c, const char *name, const char *agency, char *err,
                     size_t cap);

/* The spec a task draw wrote into data/draws/req (cJSON; the caller's). */
cJSON *city_spec_load(const struct city *c, const char *req);

/* Writes j as data/draws/req/name (beside the pools it names); frees j. */
int city_spec_save(const struct city *c, const char *req, const char *name, cJSON *j);

/* The rule of stratum name in spec j, or NULL. */
cJSON *city_spec_rule(cJSON *j, const char *name);

/* Prepares (but does not request) a task draw of scjg's task into
 * data/draws/req. */
int city_prepare(const struct city *c, const char *req, const char *task);

/* Enters, reviews and publishes a result of agency for object in task. */
int city_result(const struct city *c, const char *agency, const char *op, const char *legal,
                const char *task, const char *object, const char *date, const char *end,
                char **out);

/* The id of the first drawn object of a printed draw into id. */
int city_first_pick(const char *draw, char *id, size_t cap);

/* A fresh city with one revealed draw of scjg's task; *d is its request
 * entry and id its first drawn object. */
int city_with_draw(struct city *c, const char *task, uint64_t *d, char *id, size_t cap);

/* Starts `suijid run` on a loopback port in the city's folder; the
 * client's connection options into conn. */
int city_daemon_up(const struct city *c, char *conn, size_t cap);

void city_daemon_down(const struct city *c);

/* Creates task task_id of scjg: the city's food task (scjg-2026-food) under
 * another id, for a test that needs several draws of one scope, since a
 * task is drawn once (R6); approved by scjg's legal reviewer, since a task is
 * drawn only after its legal review (R5). Returns the exit code. */
int city_task_copy(const struct city *c, const char *task_id);

#endif
