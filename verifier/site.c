/*
 * site.c: the public portal as a static site (site.h, docs/portal.md).
 *
 * The replay hands each revealed draw to site_on_draw and each entry to
 * site_on_entry; what the browser needs of them is kept as JSON. Once the
 * ledger verified, site_write adds the inclusion proofs against the latest
 * checkpoint and writes everything, through the privacy scan of
 * compliance.c, next to a copy of the portal's own files.
 */
#include "verifier/site.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "beacon/value.h"
#include "draw/derive.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "rules/blame.h"
#include "rules/policy.h"
#include "results/calendar.h"
#include "verifier/compliance.h"
#include "verifier/drawfindings.h"

#include "proto/draw.pb-c.h"

struct site_commit {
	uint64_t seq;
	int64_t time_us;
	char *b64; /* the entry's bytes */
};

struct site {
	const struct verifier *v;
	cJSON *draws; /* one object per revealed draw, in reveal order */
	struct site_commit *commits;
	size_t ncommits, ccommits;
	int failed; /* out of memory while observing */
};

int site_new(struct site **out)
{
	struct site *s = calloc(1, sizeof *s);
	if (s == NULL || (s->draws = cJSON_CreateArray()) == NULL) {
		free(s);
		return SJ_ENOMEM;
	}
	*out = s;
	return SJ_OK;
}

void site_free(struct site *s)
{
	if (s == NULL)
		return;
	cJSON_Delete(s->draws);
	for (size_t i = 0; i < s->ncommits; i++)
		free(s->commits[i].b64);
	free(s->commits);
	free(s);
}

void site_attach(struct site *s, const struct verifier *v)
{
	s->v = v;
}

static void hex_into(cJSON *o, const char *k, const uint8_t *b, size_t n)
{
	char h[129];
	util_hex(h, b, n);
	cJSON_AddStringToObject(o, k, h);
}

static void u64_hex(cJSON *o, const char *k, uint64_t v)
{
	char h[17];
	snprintf(h, sizeof h, "%016llx", (unsigned long long)v);
	cJSON_AddStringToObject(o, k, h);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What the draw left out by the ledger's facts (rules/facts.h): its
 * unavailable people by kind (R11) and its leads used (R10), counts only:
 * who was unavailable is never public (R17). */
static void draw_facts(cJSON *d, const struct facts *f, uint64_t request_seq)
{
	const struct facts_draw *fd = f ? facts_draw_find(f, request_seq) : NULL;
	cJSON *u = cJSON_AddObjectToObject(d, "unavailable");
	for (unsigned k = 0; u && k < FACTS_KINDS; k++) {
		cJSON *x = cJSON_AddObjectToObject(u, facts_kind_name(k));
		cJSON_AddNumberToObject(x, "officers", fd ? fd->officers[k] : 0);
		cJSON_AddNumberToObject(x, "experts", fd ? fd->experts[k] : 0);
	}
	cJSON_AddNumberToObject(d, "leads_handled", f ? (double)facts_leads_used(f, request_seq) : 0);
}

void site_on_draw(void *ctx, const struct draws_observed *o)
{
	struct site *s = ctx;
	const struct draw_spec *sp = draw_inputs_spec(o->in);
	const struct draw_result *res = o->result;
	const struct policy *pol = s->v ? replay_policy(verify_replay(s->v)) : NULL;
	cJSON *d = cJSON_CreateObject(), *a;
	const char **drawn = NULL, **excluded = NULL;
	size_t len;
	char *b64 = NULL;

	if (d == NULL)
		goto oom;
	cJSON_AddNumberToObject(d, "request_entry", (double)o->request_seq);
	cJSON_AddNumberToObject(d, "commit_entry", (double)o->commit_seq);
	cJSON_AddNumberToObject(d, "reveal_entry", (double)o->reveal_seq);
	cJSON_AddStringToObject(d, "agency", o->agency);
	cJSON_AddStringToObject(d, "task", o->task);
	cJSON_AddStringToObject(d, "request_id", o->request_id);
	hex_into(d, "seed", o->seed, 32);
	hex_into(d, "commit_entry_hash", o->commit_hash, 32);
	hex_into(d, "inputs_hash", draw_inputs_hash(o->in), 32);
	hex_into(d, "randomness", o->randomness, 32);
	a = cJSON_AddArrayToObject(d, "beacons");
	for (size_t i = 0; a && i < o->n_beacons; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "source", sp->beacons[i].source);
		cJSON_AddStringToObject(b, "kind", beacon_kind_name(o->beacons[i].kind));
		cJSON_AddNumberToObject(b, "round", (double)o->beacons[i].round);
		hex_into(b, "value", o->beacons[i].value, 32);
		cJSON_AddItemToArray(a, b);
	}
	cJSON_AddNumberToObject(d, "slot_size", sp->slot_size);
	cJSON_AddStringToObject(d, "rounding",
				sp->rounding == DRAW_ROUND_FLOOR     ? "floor"
				: sp->rounding == DRAW_ROUND_HALF_UP ? "half-up"
								     : "ceil");
	a = cJSON_AddArrayToObject(d, "rules");
	for (size_t i = 0; a && i < sp->n_rules; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "stratum", sp->rules[i].stratum);
		cJSON_AddStringToObject(r, "kind",
					sp->rules[i].kind == DRAW_RULE_RATIO ? "ratio" : "count");
		cJSON_AddNumberToObject(r, "num", sp->rules[i].num);
		cJSON_AddNumberToObject(r, "den", sp->rules[i].den);
		cJSON_AddItemToArray(a, r);
	}
	const uint8_t *pool = draw_objects_bytes(o->objects, &len);
	if ((b64 = malloc(len / 3 * 4 + 8)) == NULL ||
	    util_b64_encode(b64, len / 3 * 4 + 8, pool, len) != SJ_OK)
		goto oom;
	cJSON_AddStringToObject(d, "objects", b64);
	draw_facts(d, s->v ? replay_facts(verify_replay(s->v)) : NULL, o->request_seq);
	a = cJSON_AddArrayToObject(d, "object_exclusions");
	for (size_t i = 0; a && i < sp->n_exclusions; i++) {
		if (sp->exclusions[i].kind != DRAW_OBJECT)
			continue; /* officers and experts are never public */
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "id", sp->exclusions[i].id);
		cJSON_AddStringToObject(x, "reason", draw_reason_name(sp->exclusions[i].reason));
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(d, "strata");
	for (size_t i = 0; a && i < res->n_strata; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", res->strata[i].name);
		cJSON_AddNumberToObject(x, "eligible", res->strata[i].n);
		cJSON_AddNumberToObject(x, "drawn", res->strata[i].k);
		u64_hex(x, "cutoff_score", res->strata[i].cutoff_score);
		cJSON_AddStringToObject(x, "cutoff_id",
					res->strata[i].cutoff_id ? res->strata[i].cutoff_id : "");
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(d, "drawn");
	if ((drawn = calloc(res->n_picks + 1, sizeof *drawn)) == NULL)
		goto oom;
	for (size_t i = 0; a && i < res->n_picks; i++) {
		const struct draw_pick *pk = &res->picks[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "id", pk->id);
		cJSON_AddStringToObject(x, "stratum", res->strata[pk->stratum].name);
		cJSON_AddNumberToObject(x, "slot", pk->slot);
		u64_hex(x, "score", pk->score);
		cJSON_AddItemToArray(a, x);
		drawn[i] = pk->id;
	}
	/* Drawn share per district among the eligible objects, for the
	 * fairness charts (R7); excluded objects are not eligible. */
	qsort(drawn, res->n_picks, sizeof *drawn, str_cmp);
	size_t nex = 0;
	if ((excluded = calloc(sp->n_exclusions + 1, sizeof *excluded)) == NULL)
		goto oom;
	for (size_t i = 0; i < sp->n_exclusions; i++)
		if (sp->exclusions[i].kind == DRAW_OBJECT)
			excluded[nex++] = sp->exclusions[i].id;
	qsort(excluded, nex, sizeof *excluded, str_cmp);
	cJSON *dist = cJSON_CreateObject();
	size_t cur = 0, idl, off;
	const char *id;
	unsigned st;
	while (dist && draw_objects_next(o->objects, &cur, &id, &idl, &st, &off)) {
		char buf[DRAW_MAX_ID + 1];
		snprintf(buf, sizeof buf, "%.*s", (int)idl, id);
		const char *key = buf;
		if (nex && bsearch(&key, excluded, nex, sizeof *excluded, str_cmp))
			continue;
		const char *dn = pol ? policy_object_district(pol, o->agency, buf) : NULL;
		if (dn == NULL || dn[0] == '\0')
			dn = "?";
		cJSON *e = cJSON_GetObjectItemCaseSensitive(dist, dn);
		if (e == NULL) {
			e = cJSON_CreateIntArray((const int[]){0, 0}, 2);
			cJSON_AddItemToObject(dist, dn, e);
		}
		cJSON *c0 = cJSON_GetArrayItem(e, 0), *c1 = cJSON_GetArrayItem(e, 1);
		cJSON_SetNumberValue(c0, c0->valuedouble + 1);
		if (res->n_picks && bsearch(&key, drawn, res->n_picks, sizeof *drawn, str_cmp))
			cJSON_SetNumberValue(c1, c1->valuedouble + 1);
	}
	a = cJSON_AddArrayToObject(d, "districts");
	for (cJSON *e = dist ? dist->child : NULL; a && e; e = e->next) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "district", e->string);
		cJSON_AddNumberToObject(x, "eligible", cJSON_GetArrayItem(e, 0)->valuedouble);
		cJSON_AddNumberToObject(x, "drawn", cJSON_GetArrayItem(e, 1)->valuedouble);
		cJSON_AddItemToArray(a, x);
	}
	cJSON_Delete(dist);
	cJSON_AddItemToArray(s->draws, d);
	free(b64);
	free(drawn);
	free(excluded);
	return;
oom:
	s->failed = 1;
	cJSON_Delete(d);
	free(b64);
	free(drawn);
	free(excluded);
}

/* The draw whose commitment is entry seq, or NULL. */
static cJSON *draw_by_commit(const struct site *s, uint64_t seq)
{
	cJSON *d;
	cJSON_ArrayForEach(d, s->draws)
	{
		if ((uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "commit_entry")) == seq)
			return d;
	}
	return NULL;
}

void site_on_entry(void *ctx, const struct entry *e, const uint8_t *bytes, size_t len)
{
	struct site *s = ctx;
	if (e->type == ENTRY_DRAW_COMMIT) {
		/* The commitment entry holds no personal data: its bytes go to
		 * the browser, which hashes them into E. */
		char *b64 = malloc(len / 3 * 4 + 8);
		if (b64 == NULL || util_b64_encode(b64, len / 3 * 4 + 8, bytes, len) != SJ_OK ||
		    util_grow((void **)&s->commits, &s->ccommits, s->ncommits, sizeof *s->commits) !=
			    SJ_OK) {
			free(b64);
			s->failed = 1;
			return;
		}
		s->commits[s->ncommits++] = (struct site_commit){e->seq, e->time_us, b64};
	} else if (e->type == ENTRY_DRAW_REVEAL) {
		/* Each beacon round's document, as the source published it. */
		Suiji__DrawReveal *m = suiji__draw_reveal__unpack(NULL, e->payload_len, e->payload);
		cJSON *d = m ? draw_by_commit(s, m->commit_seq) : NULL;
		cJSON *bs = d ? cJSON_GetObjectItem(d, "beacons") : NULL;
		for (size_t i = 0; bs && i < m->n_rounds; i++) {
			cJSON *b = cJSON_GetArrayItem(bs, (int)i);
			if (b)
				cJSON_AddStringToObject(b, "document", m->rounds[i]);
		}
		suiji__draw_reveal__free_unpacked(m, NULL);
	}
}

static int make_dir(const char *path)
{
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Copies the portal's files (every file under src but *.md) into dst. */
static int copy_tree(const char *src, const char *dst, int depth)
{
	DIR *dir = opendir(src);
	struct dirent *de;
	int rc = 0;
	if (dir == NULL || depth > 4 || make_dir(dst) != 0) {
		if (dir)
			closedir(dir);
		fprintf(stderr, "suiji-verify: cannot copy the portal's files from %s\n", src);
		return 2;
	}
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		char from[4096], to[4096];
		struct stat st;
		size_t n = strlen(de->d_name);
		/* Docs and the modules' package.json (for Node) are not the site's. */
		if (de->d_name[0] == '.' || (n > 3 && strcmp(de->d_name + n - 3, ".md") == 0) ||
		    strcmp(de->d_name, "package.json") == 0)
			continue;
		snprintf(from, sizeof from, "%.3000s/%s", src, de->d_name);
		snprintf(to, sizeof to, "%.3000s/%s", dst, de->d_name);
		if (stat(from, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = copy_tree(from, to, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			uint8_t *buf;
			size_t len;
			if (util_read_file(&buf, &len, from, 64u << 20) != SJ_OK ||
			    util_write_file(to, buf, len, 0644) != SJ_OK) {
				fprintf(stderr, "suiji-verify: cannot copy %s\n", from);
				rc = 2;
			} else {
				free(buf);
			}
		}
	}
	closedir(dir);
	return rc;
}

static int write_text(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%.4000s/%s", dir, name);
	if (util_write_file(path, text, len, 0644) != SJ_OK) {
		fprintf(stderr, "suiji-verify: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

/* Writes j (deleted) after the privacy scan; 0, 1 or 2. */
static int write_json(const char *dir, const char *name, cJSON *j)
{
	return compliance_write_json(dir, name, j);
}

/* Each draw with its commitment entry and the proof of it, against the
 * checkpoint of size cpsize; 0, 1 or 2. */
static int write_draws(const struct site *s, const struct verifier *v, const char *data,
                       uint64_t cpsize)
{
	int rc = 0;

	for (cJSON *d = s->draws ? s->draws->child : NULL; rc == 0 && d; d = d->next) {
		uint64_t cs = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "commit_entry"));
		uint64_t rs = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "request_entry"));
		cJSON *copy = cJSON_Duplicate(d, 1);
		char name[64];
		if (copy == NULL)
			return 2;
		for (size_t i = 0; i < s->ncommits; i++)
			if (s->commits[i].seq == cs) {
				cJSON_AddStringToObject(copy, "commit_entry_bytes", s->commits[i].b64);
				cJSON_AddNumberToObject(copy, "commit_time", (double)s->commits[i].time_us);
			}
		if (cs < cpsize) {
			merkle_hash proof[MERKLE_MAX_PROOF];
			size_t np = 0;
			if (verify_inclusion(v, cs, cpsize, proof, &np, MERKLE_MAX_PROOF) == SJ_OK) {
				cJSON *pr = cJSON_AddObjectToObject(copy, "proof");
				cJSON *hs = cJSON_AddArrayToObject(pr, "hashes");
				cJSON_AddNumberToObject(pr, "index", (double)cs);
				cJSON_AddNumberToObject(pr, "size", (double)cpsize);
				for (size_t i = 0; i < np; i++) {
					char b[64];
					if (util_b64_encode(b, sizeof b, proof[i], 32) == SJ_OK)
						cJSON_AddItemToArray(hs, cJSON_CreateString(b));
				}
			}
		}
		snprintf(name, sizeof name, "draw-%llu.json", (unsigned long long)rs);
		rc = write_json(data, name, copy);
	}
	return rc;
}

/* The commitments not revealed by their deadline, with who failed and the
 * redraws that name them (R6; blame.h); their count into *n. 0, 1 or 2. */
static int write_abandoned(const struct replay *r, const char *data, int64_t now_us, size_t *n)
{
	const struct draws *d = replay_draws(r);
	cJSON *arr = cJSON_CreateArray();
	*n = 0;
	for (size_t i = 0; arr && i < draws_count(d); i++) {
		struct draws_info di;
		char why[400];
		cJSON *x, *rd;
		draws_get(d, i, &di);
		if (!di.committed || di.revealed || di.deadline_us >= now_us)
			continue;
		if ((x = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(arr, x);
		(*n)++;
		cJSON_AddNumberToObject(x, "request_entry", (double)di.request_seq);
		cJSON_AddNumberToObject(x, "commit_entry", (double)di.commit_seq);
		cJSON_AddStringToObject(x, "agency", di.agency);
		cJSON_AddStringToObject(x, "request_id", di.request_id);
		cJSON_AddStringToObject(x, "task", di.task);
		cJSON_AddNumberToObject(x, "deadline", (double)di.deadline_us);
		cJSON_AddStringToObject(x, "failed",
					blame_draw(d, replay_pubvalues(r), i, why, sizeof why) ==
							BLAME_LOG_OPERATOR
						? "log-operator"
						: "beacon");
		cJSON_AddStringToObject(x, "evidence", why);
		rd = cJSON_AddArrayToObject(x, "redraws");
		for (size_t j = 0; rd && j < draws_count(d); j++) {
			struct draws_info rj;
			draws_get(d, j, &rj);
			if (rj.replaces && memcmp(rj.replaced, di.commit_hash, 32) == 0)
				cJSON_AddItemToArray(rd, cJSON_CreateNumber((double)rj.request_seq));
		}
	}
	if (arr == NULL)
		return 2;
	return write_json(data, "abandoned.json", arr);
}

/* Checks per object per year (R9), for the charts; 0, 1 or 2. */
static int write_checks(const struct policy *p, const char *data)
{
	cJSON *checks = cJSON_CreateObject();
	for (size_t i = 0; checks && i < policy_check_count(p); i++) {
		const struct policy_check *c = policy_check_at(p, i);
		char y[12];
		snprintf(y, sizeof y, "%u", c->year);
		cJSON *yo = cJSON_GetObjectItemCaseSensitive(checks, y);
		if (yo == NULL)
			yo = cJSON_AddObjectToObject(checks, y);
		cJSON *cnt = cJSON_GetObjectItemCaseSensitive(yo, c->object);
		if (cnt == NULL)
			cJSON_AddNumberToObject(yo, c->object, 1);
		else
			cJSON_SetNumberValue(cnt, cnt->valuedouble + 1);
	}
	/* Per year: how many objects were checked once, twice, ... */
	cJSON *hist = cJSON_CreateObject();
	for (cJSON *yo = checks ? checks->child : NULL; hist && yo; yo = yo->next) {
		cJSON *h = cJSON_AddObjectToObject(hist, yo->string);
		for (cJSON *c = yo->child; h && c; c = c->next) {
			char k[16];
			snprintf(k, sizeof k, "%d", (int)c->valuedouble);
			cJSON *x = cJSON_GetObjectItemCaseSensitive(h, k);
			if (x == NULL)
				cJSON_AddNumberToObject(h, k, 1);
			else
				cJSON_SetNumberValue(x, x->valuedouble + 1);
		}
	}
	cJSON_Delete(checks);
	return write_json(data, "checks.json", hist);
}

/*
 * How recent the published checkpoint is (docs/verify.md, "Freshness"):
 * entries it does not cover, the log's time of the last entry it covers,
 * and the newest cosignature time among the registered witnesses that
 * cosigned it (their own clocks), or null when none did.
 */
static void add_freshness(cJSON *site, const struct verifier *v, const char *cp, size_t cplen,
			  uint64_t cpsize)
{
	const struct replay *r = verify_replay(v);
	struct note *n = NULL;
	size_t nw = 0, by = 0;
	const struct note_vkey *w = replay_witnesses(r, &nw);
	uint64_t newest = 0, ts;
	cJSON *f = cJSON_AddObjectToObject(site, "freshness");

	if (f == NULL)
		return;
	cJSON_AddNumberToObject(f, "entries", (double)verify_count(v));
	cJSON_AddNumberToObject(f, "uncovered", (double)(verify_count(v) - cpsize));
	cJSON_AddNumberToObject(f, "checkpoint_time",
				(double)(verify_entry_time(v, cpsize - 1) / 1000000));
	if (note_parse(&n, cp, cplen, NULL, 0) == SJ_OK)
		for (size_t i = 0; i < nw; i++)
			if (note_verify_cosignature(n, &w[i], &ts) == SJ_OK) {
				by++;
				newest = ts > newest ? ts : newest;
			}
	note_free(n);
	if (by > 0)
		cJSON_AddNumberToObject(f, "witnessed_time", (double)newest);
	else
		cJSON_AddNullToObject(f, "witnessed_time");
	cJSON_AddNumberToObject(f, "witnessed_by", (double)by);
}

int site_write(struct site *s, const struct verifier *v, const char *out, const char *assets)
{
	const struct replay *r = verify_replay(v);
	const struct policy *p = replay_policy(r);
	char data[4096], downloads[4096], vkey[NOTE_MAX_VKEY];
	size_t cplen = 0, n = 0;
	const char *cp = verify_latest_checkpoint(v, &cplen);
	uint64_t cpsize = 0;
	int rc;

	if (s->failed) {
		fprintf(stderr, "suiji-verify: out of memory while collecting the site\n");
		return 2;
	}
	if (cp == NULL) {
		fprintf(stderr, "suiji-verify: the ledger has no signed checkpoint: the portal's "
				"proofs need one (suijid checkpoint)\n");
		return 1;
	}
	{
		/* The checkpoint's size is its second line. */
		const char *nl = memchr(cp, '\n', cplen);
		cpsize = nl ? strtoull(nl + 1, NULL, 10) : 0;
	}
	snprintf(data, sizeof data, "%.4000s/data", out);
	snprintf(downloads, sizeof downloads, "%.4000s/downloads", out);
	if (make_dir(out) != 0 || make_dir(data) != 0 || make_dir(downloads) != 0) {
		fprintf(stderr, "suiji-verify: cannot create %s\n", out);
		return 2;
	}
	if ((rc = copy_tree(assets, out, 0)) != 0)
		return rc;

	/* The public records (R17), then the site's own files. */
	if ((rc = compliance_publish(r, data, &n)) != 0)
		return rc;
	const struct note_vkey *lk = replay_log_key(r);
	if (note_vkey_format(vkey, sizeof vkey, lk->name, lk->type, lk->pk) != SJ_OK)
		vkey[0] = '\0';
	cJSON *site = cJSON_CreateObject(), *ag = cJSON_CreateObject();
	char *cptext = malloc(cplen + 1);
	if (site == NULL || ag == NULL || cptext == NULL) {
		cJSON_Delete(site);
		cJSON_Delete(ag);
		free(cptext);
		return 2;
	}
	memcpy(cptext, cp, cplen);
	cptext[cplen] = '\0';
	cJSON_AddStringToObject(site, "origin", replay_origin(r));
	cJSON_AddStringToObject(site, "log_key", vkey);
	cJSON_AddStringToObject(site, "checkpoint", cptext);
	cJSON_AddNumberToObject(site, "checkpoint_size", (double)cpsize);
	add_freshness(site, v, cp, cplen, cpsize);
	{
		char day[CALENDAR_DATE_LEN + 1];
		calendar_date_format(day, policy_day(util_now_us()));
		cJSON_AddStringToObject(site, "written", day);
	}
	for (size_t i = 0; i < policy_agency_count(p); i++) {
		const char *code = policy_agency_at(p, i);
		cJSON_AddStringToObject(ag, code, policy_agency_name(p, code));
	}
	cJSON_AddItemToObject(site, "agencies", ag);
	{
		/* The witnesses the ledger registered, so a reader can check the
		 * checkpoint's cosignatures without pasting keys. */
		size_t nw = 0;
		const struct note_vkey *w = replay_witnesses(r, &nw);
		cJSON *wa = cJSON_AddArrayToObject(site, "witnesses");
		for (size_t i = 0; wa && i < nw; i++) {
			char wk[NOTE_MAX_VKEY];
			if (note_vkey_format(wk, sizeof wk, w[i].name, w[i].type, w[i].pk) == SJ_OK)
				cJSON_AddItemToArray(wa, cJSON_CreateString(wk));
		}
	}
	cJSON_AddNumberToObject(site, "results", (double)n);
	cJSON_AddNumberToObject(site, "draws", cJSON_GetArraySize(s->draws));
	{
		size_t na = 0;
		rc = write_abandoned(r, data, util_now_us(), &na);
		cJSON_AddNumberToObject(site, "abandoned", (double)na);
		if (rc != 0) {
			cJSON_Delete(site);
			free(cptext);
			return rc;
		}
	}
	rc = write_text(downloads, "checkpoint.txt", cptext, cplen);
	if (rc == 0)
		rc = write_text(downloads, "log.vkey", vkey, strlen(vkey));
	free(cptext);
	if (rc == 0)
		rc = write_json(data, "site.json", site);
	else
		cJSON_Delete(site);

	if (rc == 0)
		rc = write_draws(s, v, data, cpsize);
	if (rc == 0)
		rc = write_checks(p, data);
	/* Per task: its draws, substitutions with their reasons, and the
	 * drawn objects without a result (R6, R15). */
	if (rc == 0)
		rc = write_json(data, "taskdraws.json", drawfindings_json(r, policy_day(util_now_us())));
	/* Downloads: the credit publicity system's records (R17). */
	for (int k = 0; rc == 0 && k < 2; k++) {
		char from[4200];
		uint8_t *buf;
		size_t len;
		snprintf(from, sizeof from, "%s/results.%s", data, k ? "json" : "csv");
		if (util_read_file(&buf, &len, from, 256u << 20) != SJ_OK)
			return 2;
		rc = write_text(downloads, k ? "results.json" : "results.csv", (const char *)buf, len);
		free(buf);
	}
	return rc;
}
