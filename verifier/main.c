/*
 * suiji-verify: replays a suiji ledger without the daemon and checks it all.
 *
 * Exit codes: 0 everything holds; 1 a check failed (the first failure is
 * named, by entry sequence number where it is an entry's); 2 usage or I/O.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "ledger/entry.h"
#include "ledger/export.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "rules/policy.h"
#include "results/calendar.h"
#include "verifier/proofcmd.h"
#include "verifier/publiccmd.h"
#include "verifier/compliance.h"
#include "verifier/site.h"
#include "verifier/verify.h"
#include "verifier/witnessed.h"

/* Where make install puts the portal's files (the Makefile sets it). */
#ifndef SUIJI_PORTAL_DIR
#define SUIJI_PORTAL_DIR "portal"
#endif
#define MAX_WITNESSES 32
#define MAX_LEDGER_FILE ((size_t)64 << 30)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: suiji-verify [options] LEDGER\n"
		"       suiji-verify proof inclusion|consistency ... (see suiji-verify proof -h)\n"
		"       suiji-verify draw LEDGER SEQ [--json] [--out DIR]\n"
		"       suiji-verify check-entity LEDGER --id ID [--json]\n"
		"       suiji-verify derive --inputs F --objects F --officers F [--experts F]\n"
		"                    --seed HEX --entry-hash HEX --beacon HEX... [--json]\n"
		"\n"
		"LEDGER is the daemon's SQLite ledger (opened read-only) or an export file.\n"
		"  --log-key KEY      pin the log's key (verifier key string, or a file holding it)\n"
		"  --checkpoint FILE  require the ledger to extend this saved checkpoint\n"
		"  --witness KEY      pin a witness's cosignature key (repeatable)\n"
		"  --quorum N         require N pinned witnesses to cosign the latest checkpoint,\n"
		"                     and each revealed draw's commitment in time (R18)\n"
		"  --witness-margin S ... at least S seconds before its beacon values were public\n"
		"                     (default 30)\n"
		"  --max-age AGE      fail unless the newest checkpoint (cosigned by the quorum,\n"
		"                     with --quorum) covers every entry and is at most AGE old\n"
		"                     (e.g. 90s, 10m, 2h, 1d; docs/verify.md)\n"
		"  --today DATE       judge overdue results (R15) on DATE (YYYY-MM-DD; default today)\n"
		"  --supervise        print the supervision report (R19) per agency\n"
		"  --predraw-window DAYS  report directory changes this many days before a draw\n"
		"                     that moved objects into or out of it (default 7)\n"
		"  --agency CODE      ... for this agency only\n"
		"  --publish DIR      write the public records (R17): results.csv, results.json, items,\n"
		"                     plans, tasks and draws as JSON (docs/policy.md)\n"
		"  --site DIR         write the public portal, a static site (docs/portal.md)\n"
		"  --assets DIR       ... taking the portal's own files from DIR\n"
		"  --json             print a machine-readable report on stdout\n"
		"  -q                 print nothing but errors\n"
		"exit: 0 the ledger holds, 1 a check failed, 2 usage or I/O error\n");
}

static void progress(uint64_t done, uint64_t total)
{
	static int last = -1;
	int pct;
	if (total == 0)
		return;
	pct = (int)(done * 100 / total);
	if (pct == last && done != total)
		return;
	last = pct;
	fprintf(stderr, "\rverifying [%-40.*s] %3d%% %llu/%llu", pct * 40 / 100,
		"========================================", pct, (unsigned long long)done,
		(unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void report_json(const struct verify_report *r, const char *path)
{
	printf("{\"ledger\":");
	json_str(path);
	printf(",\"ok\":%s,\"origin\":", r->ok ? "true" : "false");
	json_str(r->origin);
	printf(",\"entries\":%llu,\"checkpoints\":%llu,\"cosignatures\":%llu,"
	       "\"latest_checkpoint_size\":%llu,\"latest_root\":",
	       (unsigned long long)r->entries, (unsigned long long)r->checkpoints,
	       (unsigned long long)r->cosignatures, (unsigned long long)r->latest_size);
	json_str(r->latest_root);
	printf(",\"pinned_cosignatures\":%llu", (unsigned long long)r->quorum_met);
	printf(",\"uncovered_entries\":%llu,\"latest_entry_time\":%lld,"
	       "\"quorum_checkpoint_size\":%llu,\"quorum_time\":%lld",
	       (unsigned long long)r->uncovered, (long long)(r->latest_time_us / 1000000),
	       (unsigned long long)r->quorum_size, (long long)r->quorum_time);
	printf(",\"draws\":%llu,\"draws_revealed\":%llu,\"draws_open\":%llu,"
	       "\"draws_abandoned\":%llu,\"abandoned_by_agency\":",
	       (unsigned long long)r->draws, (unsigned long long)r->draws_revealed,
	       (unsigned long long)r->draws_open, (unsigned long long)r->draws_abandoned);
	json_str(r->abandoned_by_agency);
	printf(",\"beacon_rounds_without_bls_check\":%llu",
	       (unsigned long long)r->rounds_unchecked_bls);
	if (!r->ok) {
		printf(",\"failed_entry\":");
		if (r->failed_seq >= 0)
			printf("%lld", (long long)r->failed_seq);
		else
			printf("null");
		printf(",\"error\":");
		json_str(r->what);
	}
	printf("}\n");
}

/* Adds the witness key at path to o (wit is o's array); 0, or -1 after
 * saying why. */
static int add_witness(struct verify_opts *o, struct note_vkey *wit, const char *path)
{
	if (o->nwitnesses == MAX_WITNESSES) {
		fprintf(stderr, "suiji-verify: at most %d witnesses\n", MAX_WITNESSES);
		return -1;
	}
	if (proofcmd_load_vkey(&wit[o->nwitnesses], path, "witness key"))
		return -1;
	if (wit[o->nwitnesses].type != NOTE_TYPE_COSIG_V1) {
		fprintf(stderr, "suiji-verify: witness key %s is not a cosignature/v1 key\n", path);
		return -1;
	}
	o->nwitnesses++;
	return 0;
}

/* Whole seconds, 0 to a day, into microseconds. */
static int parse_margin(int64_t *out, const char *s)
{
	char *end;
	unsigned long m;

	errno = 0;
	m = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || m > 86400) {
		fprintf(stderr, "suiji-verify: --witness-margin wants seconds 0..86400\n");
		return -1;
	}
	*out = (int64_t)m * 1000000;
	return 0;
}

static int parse_quorum(size_t *out, const char *s)
{
	char *end;
	unsigned long q;

	errno = 0;
	q = strtoul(s, &end, 10);
	if (errno || *end || end == s || q > MAX_WITNESSES) {
		fprintf(stderr, "suiji-verify: --quorum wants a number 0..%d\n", MAX_WITNESSES);
		return -1;
	}
	*out = q;
	return 0;
}

/* Reads the checkpoint the ledger must extend into *saved (the caller
 * frees it) and points o at it. 0, or -1 after saying why. */
static int load_saved(struct verify_opts *o, uint8_t **saved, const char *path)
{
	size_t len = 0;
	int e = util_read_file(saved, &len, path, NOTE_MAX_SIZE);

	if (e != SJ_OK) {
		fprintf(stderr, "suiji-verify: cannot read checkpoint %s: %s\n", path,
			sj_strerror(e));
		return -1;
	}
	o->saved = (const char *)*saved;
	o->saved_len = len;
	return 0;
}

/* Feeds the ledger at path to v: a SQLite ledger file (by its magic) or an
 * export, read whole into *buf (the caller frees it). 0, or -1 after
 * saying why. */
static int feed(struct verifier *v, const char *ledger, int show, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(ledger, "rb");
	char magic[16] = {0}, perr[512] = "";
	if (f == NULL) {
		fprintf(stderr, "suiji-verify: cannot open %s: %s\n", ledger,
			strerror(errno));
		return -1;
	}
	size_t got = fread(magic, 1, sizeof magic, f);
	fclose(f);
	if (got == sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0) {
		if (verify_sqlite(v, ledger, show ? progress : NULL, perr, sizeof perr) !=
		    SJ_OK) {
			fprintf(stderr, "suiji-verify: %s\n", perr);
			return -1;
		}
	} else {
		int e = util_read_file(buf, len, ledger, MAX_LEDGER_FILE);
		if (e != SJ_OK) {
			fprintf(stderr, "suiji-verify: cannot read %s: %s\n", ledger,
				sj_strerror(e));
			return -1;
		}
		if (verify_export(v, *buf, *len, show ? progress : NULL) == SJ_ENOMEM) {
			fprintf(stderr, "suiji-verify: out of memory\n");
			return -1;
		}
	}
	return 0;
}

/* Parses a duration "N" or "N" followed by s, m, h or d into seconds
 * (1 to 10 years). 0, or -1 after saying what is wrong. */
static int parse_duration(int64_t *out, const char *s)
{
	char *end;
	unsigned long long n;
	int64_t unit = 1;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (end == s || s[0] == '-' || s[0] == '+' || errno != 0)
		goto bad;
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'd')
		unit = 86400;
	else if (*end != 's' && *end != '\0')
		goto bad;
	if (*end != '\0' && end[1] != '\0')
		goto bad;
	if (n == 0 || n > (unsigned long long)(3650 * 86400 / unit))
		goto bad;
	*out = (int64_t)n * unit;
	return 0;
bad:
	fprintf(stderr,
		"suiji-verify: --max-age wants a duration like 90s, 10m, 2h or 1d (at most "
		"3650d), not \"%s\"\n",
		s);
	return -1;
}

/* One line on how recent the ledger's checkpoints are (docs/verify.md,
 * "Freshness"). */
static void report_fresh(const struct verify_report *r, size_t quorum)
{
	int64_t now = util_now_us() / 1000000;
	char a[64];

	if (r->checkpoints == 0) {
		printf("freshness: no checkpoint: nothing shows the ledger was not cut short\n");
		return;
	}
	verify_format_age(a, sizeof a, now - r->latest_time_us / 1000000);
	printf("freshness: the newest checkpoint signed by the log covers %llu of %llu entries "
	       "(%llu uncovered); its last entry is %s old (the log's clock)\n",
	       (unsigned long long)r->latest_size, (unsigned long long)r->entries,
	       (unsigned long long)r->uncovered, a);
	if (quorum == 0)
		return;
	if (r->quorum_size == 0) {
		printf("freshness: no checkpoint is cosigned by %zu pinned witnesses\n", quorum);
		return;
	}
	verify_format_age(a, sizeof a, now - r->quorum_time);
	printf("freshness: the newest checkpoint cosigned by %zu pinned witnesses covers %llu of "
	       "%llu entries (%llu uncovered); cosigned %s ago (the witnesses' clocks)\n",
	       quorum, (unsigned long long)r->quorum_size, (unsigned long long)r->entries,
	       (unsigned long long)(r->entries - r->quorum_size), a);
}

/* The summary of a ledger that verified. */
static void report_text(const struct verify_report *r)
{
	printf("ok: %s: %llu entries, %llu checkpoints (latest at size %llu, root %s), "
	       "%llu cosignatures\n",
	       r->origin, (unsigned long long)r->entries, (unsigned long long)r->checkpoints,
	       (unsigned long long)r->latest_size, r->latest_size ? r->latest_root : "-",
	       (unsigned long long)r->cosignatures);
	if (r->draws)
		printf("draws: %llu, %llu revealed and re-derived, %llu open, %llu "
		       "abandoned%s%s%s\n",
		       (unsigned long long)r->draws, (unsigned long long)r->draws_revealed,
		       (unsigned long long)r->draws_open,
		       (unsigned long long)r->draws_abandoned,
		       r->draws_abandoned ? " (draws of " : "", r->abandoned_by_agency,
		       r->draws_abandoned ? "; who failed to reveal is in the findings, R6)" : "");
	if (r->draws_witnessed)
		printf("witnessed: %llu revealed draws' commitments cosigned by the quorum before "
		       "their beacon values were public (R18)\n",
		       (unsigned long long)r->draws_witnessed);
	if (r->rounds_unchecked_bls)
		printf("note: %llu drand beacon rounds were used whose BLS signatures this "
		       "verifier cannot check (randomness, chain and time were checked)\n",
		       (unsigned long long)r->rounds_unchecked_bls);
	if (r->latest_size < r->entries)
		printf("note: entries %llu..%llu are not yet covered by a signed "
		       "checkpoint\n",
		       (unsigned long long)r->latest_size,
		       (unsigned long long)(r->entries - 1));
}

/* Writes the public portal of a verified ledger to dir. 0, or the exit
 * status of the failure. */
static int write_site(struct site *site, const struct verifier *v, const char *dir,
                      const char *assets, int quiet)
{
	/* The portal's files: beside the sources, else where make install
	 * put them. */
	struct stat st;
	const char *from = assets ? assets
	                   : stat("portal/index.html", &st) == 0 ? "portal"
	                                                         : SUIJI_PORTAL_DIR;
	int e = site_write(site, v, dir, from);

	if (e == 0 && !quiet)
		printf("the public portal is in %s (serve it with any web server)\n", dir);
	return e;
}

/* --predraw-window DAYS: 0..366. */
static int parse_window(uint32_t *out, const char *s)
{
	char *end;
	unsigned long d = strtoul(s, &end, 10);
	if (*end != '\0' || end == s || d > 366) {
		fprintf(stderr, "suiji-verify: --predraw-window %s is not 0..366 days\n", s);
		return 2;
	}
	*out = (uint32_t)d;
	return 0;
}

/* The compliance report (supervise 0) or the supervision report, each
 * with the directory changes made just before draws. */
static void policy_reports(const struct replay *r, const char *agency, int32_t today,
			   uint32_t days, int supervise)
{
	if (supervise)
		compliance_supervise(stdout, r, agency, today, util_now_us());
	else
		compliance_print(stdout, r, today);
	compliance_predraw(stdout, r, agency, days, supervise);
}

/* What the command line asked of a ledger check. */
struct cli {
	struct note_vkey logkey, wit[MAX_WITNESSES];
	struct verify_opts o;
	const char *ledger, *saved_path, *today_s, *agency;
	const char *publish_dir, *site_dir, *assets;
	uint32_t predraw_days;
	int supervise, json, quiet;
};

/* Fills c from argv; returns -1 to go on checking, else the exit code. */
static int parse_args(struct cli *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;
		if (strcmp(a, "--log-key") == 0 && more) {
			if (proofcmd_load_vkey(&c->logkey, argv[++i], "log key"))
				return 2;
			c->o.log_key = &c->logkey;
		} else if (strcmp(a, "--checkpoint") == 0 && more) {
			c->saved_path = argv[++i];
		} else if (strcmp(a, "--witness") == 0 && more) {
			if (add_witness(&c->o, c->wit, argv[++i]) != 0)
				return 2;
		} else if (strcmp(a, "--witness-margin") == 0 && more) {
			if (parse_margin(&c->o.witness_margin_us, argv[++i]) != 0)
				return 2;
		} else if (strcmp(a, "--quorum") == 0 && more) {
			if (parse_quorum(&c->o.quorum, argv[++i]) != 0)
				return 2;
		} else if (strcmp(a, "--max-age") == 0 && more) {
			if (parse_duration(&c->o.max_age_s, argv[++i]) != 0)
				return 2;
		} else if (strcmp(a, "--today") == 0 && more) {
			c->today_s = argv[++i];
		} else if (strcmp(a, "--agency") == 0 && more) {
			c->agency = argv[++i];
			c->supervise = 1;
		} else if (strcmp(a, "--supervise") == 0) {
			c->supervise = 1;
		} else if (strcmp(a, "--predraw-window") == 0 && more) {
			if (parse_window(&c->predraw_days, argv[++i]) != 0)
				return 2;
		} else if (strcmp(a, "--publish") == 0 && more) {
			c->publish_dir = argv[++i];
		} else if (strcmp(a, "--site") == 0 && more) {
			c->site_dir = argv[++i];
		} else if (strcmp(a, "--assets") == 0 && more) {
			c->assets = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			c->json = 1;
		} else if (strcmp(a, "-q") == 0) {
			c->quiet = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' || c->ledger != NULL) {
			fprintf(stderr, "suiji-verify: unexpected argument \"%s\"\n", a);
			usage(stderr);
			return 2;
		} else {
			c->ledger = a;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	struct verify_opts *o = &c.o;
	struct verify_report r;
	struct verifier *v = NULL;
	const char *ledger, *publish_dir, *site_dir;
	struct site *site = NULL;
	int32_t today;
	uint8_t *saved = NULL, *buf = NULL;
	size_t len = 0;
	int rc = 2, show;

	if (sodium_init() < 0) {
		fprintf(stderr, "suiji-verify: libsodium failed to initialise\n");
		return 2;
	}
	if (argc > 1 && strcmp(argv[1], "proof") == 0)
		return proofcmd_main(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "draw") == 0 || strcmp(argv[1], "check-entity") == 0 ||
	                 strcmp(argv[1], "derive") == 0))
		return publiccmd_main(argc - 1, argv + 1);
	o->witnesses = c.wit;
	o->witness_margin_us = WITNESSED_DEFAULT_MARGIN_US;
	c.predraw_days = POLICY_PREDRAW_DEFAULT_DAYS;
	rc = parse_args(&c, argc, argv);
	if (rc >= 0)
		return rc;
	rc = 2;
	ledger = c.ledger;
	publish_dir = c.publish_dir;
	site_dir = c.site_dir;
	today = policy_day(util_now_us());
	if (c.today_s && calendar_date_parse(&today, c.today_s, strlen(c.today_s)) != SJ_OK) {
		fprintf(stderr, "suiji-verify: --today %s is not a date YYYY-MM-DD\n", c.today_s);
		return 2;
	}
	if (ledger == NULL) {
		usage(stderr);
		return 2;
	}
	if (o->quorum > o->nwitnesses) {
		fprintf(stderr,
		        "suiji-verify: --quorum %zu needs at least as many --witness keys\n",
		        o->quorum);
		return 2;
	}
	if (c.saved_path && load_saved(o, &saved, c.saved_path) != 0)
		return 2;
	if (site_dir) {
		if (site_new(&site) != SJ_OK) {
			fprintf(stderr, "suiji-verify: out of memory\n");
			goto out;
		}
		o->on_draw = site_on_draw;
		o->on_draw_ctx = site;
		o->on_entry = site_on_entry;
		o->on_entry_ctx = site;
	}
	if (verify_new(&v, o) != SJ_OK) {
		fprintf(stderr, "suiji-verify: out of memory\n");
		goto out;
	}
	if (site)
		site_attach(site, v);
	show = !c.quiet && !c.json && isatty(2);
	if (feed(v, ledger, show, &buf, &len) != 0)
		goto out;
	if (verify_finish(v, &r) == SJ_ENOMEM) {
		fprintf(stderr, "suiji-verify: out of memory\n");
		goto out;
	}
	rc = r.ok ? 0 : 1;
	if (c.json) {
		report_json(&r, ledger);
	} else if (!r.ok) {
		fprintf(stderr, "suiji-verify: FAILED: %s\n", r.what);
	} else if (!c.quiet) {
		report_text(&r);
		report_fresh(&r, o->quorum);
	}
	/* The policy reports need a replay that went to the end: a ledger
	 * that holds, or one whose only failures are policy violations. */
	if (!c.json && !c.quiet && (r.ok || r.policy_violations))
		policy_reports(verify_replay(v), NULL, today, c.predraw_days, 0);
	if (r.ok && c.supervise)
		policy_reports(verify_replay(v), c.agency, today, c.predraw_days, 1);
	if (r.ok && publish_dir) {
		size_t n = 0;
		int e = compliance_publish(verify_replay(v), publish_dir, &n);
		if (e == 0 && !c.quiet)
			printf("published %zu result records (R17) to %s/results.csv and "
			       "results.json\n",
			       n, publish_dir);
		if (e)
			rc = e;
	} else if (publish_dir && !r.ok) {
		fprintf(stderr, "suiji-verify: nothing published: the ledger does not verify\n");
	}
	if (r.ok && site_dir) {
		int e = write_site(site, v, site_dir, c.assets, c.quiet);
		if (e)
			rc = e;
	} else if (site_dir && !r.ok) {
		fprintf(stderr, "suiji-verify: no portal written: the ledger does not verify\n");
	}
out:
	site_free(site);
	verify_free(v);
	free(buf);
	free(saved);
	return rc;
}
