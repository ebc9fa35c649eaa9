/*
 * dircmd.c: suijid import (dircmd.h).
 *
 * The directory an import is compared with is rebuilt from the ledger's
 * directory-import entries of the agency and kind, latest record per key:
 * the replayed state keeps only hashes (rules/dirs.h), and a dry run must
 * name the fields that change, so it needs the records themselves.
 */
#include "daemon/dircmd.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cmdutil.h"
#include "common/util.h"
#include "dir/diff.h"
#include "dir/import.h"
#include "ledger/entry.h"
#include "ledger/store.h"
#include "proto/directory.pb-c.h"

#define ERRLEN 1024
#define MAX_FILE (1024u * 1024u * 1024u)
/* Room in one entry's payload for the fields other than the records. */
#define PART_BUDGET (ENTRY_MAX_PAYLOAD - 64u * 1024u)

struct cur_rec {
	struct record *r; /* malloc'd by record_decode */
	uint8_t *bytes; /* its encoding, malloc'd */
	size_t len;
	size_t order; /* position in the ledger: the later wins */
};

struct cur_dir {
	struct cur_rec *v;
	size_t n, cap;
};

static unsigned kind_of(const char *s)
{
	static const char *const names[][2] = {{"objects", "object"},
					       {"officers", "officer"},
					       {"experts", "expert"},
					       {"conflicts", "conflict"}};
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(s, names[i][0]) == 0 || strcmp(s, names[i][1]) == 0)
			return i + 1;
	return 0;
}

static void progress(void *ctx, size_t done, size_t total, size_t rows)
{
	(void)ctx;
	fprintf(stderr, "\rreading: %3u%% %zu rows", total ? (unsigned)(done * 100 / total) : 100,
		rows);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void cur_free(struct cur_dir *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].r);
		free(c->v[i].bytes);
	}
	free(c->v);
}

static int cur_cmp(const void *pa, const void *pb)
{
	const struct cur_rec *a = pa, *b = pb;
	int c = record_key_cmp(a->r, b->r);
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* The agency's directory of kind as the ledger holds it, sorted by key. */
static int cur_load(struct cur_dir *c, struct ledger_store *s, const char *agency, unsigned kind)
{
	uint64_t size = ledger_store_size(s);
	size_t order = 0, w = 0;
	int rc = SJ_OK;

	for (uint64_t seq = 0; seq < size; seq++) {
		Suiji__DirectoryImport *m;
		struct entry e;
		uint8_t *b;
		size_t len;
		char why[256];
		if ((rc = ledger_store_entry(s, seq, &b, &len)) != SJ_OK)
			return rc;
		if (entry_decode(&e, b, len, why, sizeof why) != SJ_OK ||
		    e.type != ENTRY_DIRECTORY_IMPORT || e.agency_len != strlen(agency) ||
		    memcmp(e.agency, agency, e.agency_len) != 0) {
			free(b);
			continue;
		}
		m = suiji__directory_import__unpack(NULL, e.payload_len, e.payload);
		free(b);
		if (m == NULL)
			return SJ_EIO;
		for (size_t i = 0; m->kind == kind && i < m->n_records; i++) {
			struct record *r;
			uint8_t *copy;
			if (record_decode(&r, m->records[i].data, m->records[i].len, why,
					  sizeof why) != SJ_OK) {
				rc = SJ_EIO;
				break;
			}
			copy = malloc(m->records[i].len ? m->records[i].len : 1);
			if (copy == NULL ||
			    (rc = util_grow((void **)&c->v, &c->cap, c->n, sizeof *c->v)) !=
				    SJ_OK) {
				rc = SJ_ENOMEM;
				free(copy);
				free(r);
				break;
			}
			memcpy(copy, m->records[i].data, m->records[i].len);
			c->v[c->n].r = r;
			c->v[c->n].bytes = copy;
			c->v[c->n].len = m->records[i].len;
			c->v[c->n].order = order++;
			c->n++;
		}
		suiji__directory_import__free_unpacked(m, NULL);
		if (rc != SJ_OK)
			return rc;
	}
	if (c->n == 0)
		return SJ_OK;
	qsort(c->v, c->n, sizeof *c->v, cur_cmp);
	for (size_t i = 0; i < c->n; i++) {
		if (i + 1 < c->n && record_key_cmp(c->v[i].r, c->v[i + 1].r) == 0) {
			free(c->v[i].r);
			free(c->v[i].bytes);
			continue;
		}
		c->v[w++] = c->v[i];
	}
	c->n = w;
	return SJ_OK;
}

/* The current record with r's key, or NULL. */
static const struct cur_rec *cur_find(const struct cur_dir *c, const struct record *r)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = record_key_cmp(c->v[mid].r, r);
		if (k == 0)
			return &c->v[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int dry_run(const struct cur_dir *c, const struct import *im)
{
	const struct record **cur = NULL;
	const struct record *const *next;
	struct diff *d = NULL;
	char err[ERRLEN];
	size_t nn;
	int rc;

	next = import_records(im, &nn);
	cur = calloc(c->n ? c->n : 1, sizeof *cur);
	if (cur == NULL)
		return 2;
	for (size_t i = 0; i < c->n; i++)
		cur[i] = c->v[i].r;
	rc = diff_compute(&d, cur, c->n, next, nn, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: cannot compare: %s\n", err);
		free(cur);
		return 2;
	}
	rc = diff_write(stdout, d) == SJ_OK ? 0 : 2;
	printf("dry run: nothing written\n");
	diff_free(d);
	free(cur);
	return rc;
}

struct part {
	Suiji__DirectoryImport m;
	ProtobufCBinaryData *recs;
	uint8_t *payload;
	size_t len;
};

static int append_import(struct ledger_store *s, const struct cur_dir *c, const struct import *im,
			 const char *agency, unsigned kind, const char *file,
			 const uint8_t sha[32])
{
	const struct record *const *recs;
	struct part *parts = NULL;
	struct ledger_append *a = NULL;
	uint8_t **enc = NULL;
	size_t *elen = NULL, n, nparts = 0, added = 0, changed = 0;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char id[IDENT_MAX + 1], hex[17], err[ERRLEN], tbuf[32];
	time_t now = time(NULL);
	uint64_t seq = 0;
	int rc = 2;

	recs = import_records(im, &n);
	enc = calloc(n ? n : 1, sizeof *enc);
	elen = calloc(n ? n : 1, sizeof *elen);
	parts = calloc(n ? n : 1, sizeof *parts);
	if (enc == NULL || elen == NULL || parts == NULL)
		goto out;
	util_hex(hex, sha, 8);
	strftime(tbuf, sizeof tbuf, "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(id, sizeof id, "%s-%s-%s", record_kind_name(kind), tbuf, hex);
	/* Records are encoded once; parts take them in key order while the
	 * payload stays within one entry. */
	for (size_t i = 0; i < n; i++)
		if (record_encode(&enc[i], &elen[i], recs[i], err, sizeof err) != SJ_OK) {
			fprintf(stderr, "suijid: cannot encode a record: %s\n", err);
			goto out;
		}
	for (size_t i = 0; i < n || nparts == 0;) {
		struct part *p = &parts[nparts++];
		size_t first = i, budget = 0;
		suiji__directory_import__init(&p->m);
		while (i < n && (i == first || budget + elen[i] + 8 <= PART_BUDGET))
			budget += elen[i++] + 8;
		p->recs = calloc(i - first ? i - first : 1, sizeof *p->recs);
		if (p->recs == NULL)
			goto out;
		for (size_t k = first; k < i; k++) {
			const struct cur_rec *cr = cur_find(c, recs[k]);
			p->recs[k - first].data = enc[k];
			p->recs[k - first].len = elen[k];
			if (cr == NULL)
				p->m.added++;
			else if (cr->len != elen[k] || memcmp(cr->bytes, enc[k], elen[k]) != 0)
				p->m.changed++;
		}
		p->m.n_records = i - first;
		p->m.records = p->recs;
		added += p->m.added;
		changed += p->m.changed;
		if (i >= n)
			break;
	}
	a = calloc(nparts, sizeof *a);
	if (a == NULL)
		goto out;
	for (size_t k = 0; k < nparts; k++) {
		struct part *p = &parts[k];
		p->m.agency = (char *)agency;
		p->m.kind = kind;
		p->m.import_id = id;
		p->m.source_sha256.data = (uint8_t *)sha;
		p->m.source_sha256.len = 32;
		p->m.source_name = (char *)base;
		p->m.part = (uint32_t)k;
		p->m.parts = (uint32_t)nparts;
		p->m.summarised = 1;
		p->len = suiji__directory_import__get_packed_size(&p->m);
		p->payload = malloc(p->len ? p->len : 1);
		if (p->payload == NULL)
			goto out;
		suiji__directory_import__pack(&p->m, p->payload);
		a[k].type = ENTRY_DIRECTORY_IMPORT;
		a[k].agency = agency;
		a[k].payload = p->payload;
		a[k].payload_len = p->len;
	}
	rc = ledger_store_append(s, a, nparts, &seq, err, sizeof err);
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: import refused: %s\n", err);
		rc = rc == SJ_EVERIFY || rc == SJ_EPERM ? 1 : 2;
		goto out;
	}
	printf("entries %llu..%llu: directory-import %s: %s directory of %s: %zu records, %zu added, "
	       "%zu changed, %zu unchanged\n",
	       (unsigned long long)seq, (unsigned long long)(seq + nparts - 1), id,
	       record_kind_name(kind), agency, n, added, changed, n - added - changed);
	rc = 0;
out:
	for (size_t k = 0; parts && k < nparts; k++) {
		free(parts[k].recs);
		free(parts[k].payload);
	}
	for (size_t i = 0; enc && i < n; i++)
		free(enc[i]);
	free(parts);
	free(enc);
	free(elen);
	free(a);
	return rc;
}

int dircmd_main(const char *dir, int argc, char **argv)
{
	const char *agency = cmdutil_arg(argc, argv, "--agency"), *encs = cmdutil_arg(argc, argv, "--encoding");
	const char *kname = NULL, *file = NULL;
	struct import_opts o = {0};
	struct import *im = NULL;
	struct ledger_store *s = NULL;
	struct cur_dir c = {0};
	uint8_t *buf = NULL, sha[32];
	size_t len;
	int dry = cmdutil_flag(argc, argv, "--dry-run"), rc;
	unsigned kind;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--agency") == 0 || strcmp(argv[i], "--encoding") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--dry-run") == 0)
			continue;
		if (kname == NULL)
			kname = argv[i];
		else if (file == NULL)
			file = argv[i];
		else
			file = NULL, kname = NULL, i = argc;
	}
	if (kname == NULL || file == NULL || agency == NULL) {
		fprintf(stderr, "usage: suijid import objects|officers|experts|conflicts FILE "
				"--agency CODE [--dry-run] [--encoding utf8|gb18030]\n");
		return 2;
	}
	if ((kind = kind_of(kname)) == 0) {
		fprintf(stderr, "suijid: \"%s\" is not objects, officers, experts or conflicts\n",
			kname);
		return 2;
	}
	o.kind = kind;
	if (encs == NULL)
		o.encoding = CSV_AUTO;
	else if (strcmp(encs, "utf8") == 0 || strcmp(encs, "utf-8") == 0)
		o.encoding = CSV_UTF8;
	else if (strcmp(encs, "gb18030") == 0 || strcmp(encs, "gbk") == 0)
		o.encoding = CSV_GB18030;
	else {
		fprintf(stderr, "suijid: --encoding is utf8 or gb18030\n");
		return 2;
	}
	if (isatty(STDERR_FILENO))
		o.progress = progress;
	if (util_read_file(&buf, &len, file, MAX_FILE) != SJ_OK) {
		fprintf(stderr, "suijid: cannot read %s\n", file);
		return 2;
	}
	crypto_hash_sha256(sha, buf, len);
	rc = import_run(&im, buf, len, &o);
	if (rc == SJ_EINVAL) {
		size_t ne, total;
		const struct import_msg *msg = import_errors(im, &ne, &total);
		for (size_t i = 0; i < ne; i++)
			fprintf(stderr, "%s:%zu: %s\n", file, msg[i].line, msg[i].text);
		if (total > ne)
			fprintf(stderr, "%s: %zu more errors not shown\n", file, total - ne);
		fprintf(stderr, "suijid: %s refused: %zu of %zu rows are bad; nothing imported\n",
			file, import_bad_rows(im), import_rows(im));
		rc = 1;
		goto out;
	}
	if (rc != SJ_OK) {
		fprintf(stderr, "suijid: cannot read %s: %s\n", file, sj_strerror(rc));
		rc = 2;
		goto out;
	}
	{
		size_t nw, total;
		const struct import_msg *w = import_warnings(im, &nw, &total);
		for (size_t i = 0; i < nw; i++)
			fprintf(stderr, "%s:%zu: warning: %s\n", file, w[i].line, w[i].text);
	}
	if ((rc = cmdutil_open_store(&s, dir, dry ? LEDGER_STORE_READONLY : 0)) != 0)
		goto out;
	if ((rc = cur_load(&c, s, agency, kind)) != SJ_OK) {
		fprintf(stderr, "suijid: cannot read the directory from the ledger: %s\n",
			sj_strerror(rc));
		rc = 2;
		goto out;
	}
	rc = dry ? dry_run(&c, im) : append_import(s, &c, im, agency, kind, file, sha);
out:
	cur_free(&c);
	ledger_store_close(s);
	import_free(im);
	free(buf);
	return rc;
}
