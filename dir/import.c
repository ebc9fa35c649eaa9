/*
 * import.c: header mapping, row checks and the all-or-nothing result of
 * import.h. Rows arrive from the CSV reader one at a time; each valid
 * value is copied into an arena, each key into a hash set (so a duplicate
 * is found when its row is read, and errors stay in line order), and the
 * records are sorted once at the end. Time is linear in the file plus the
 * final sort.
 */
#include "dir/import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir/arena.h"

#define COL_IGNORED  (-1) /* 序号, or unknown with ignore_unknown_columns */
#define COL_NAMELESS (-2) /* empty header: its cells must be empty */

static const char *const import_default_risk[] = {"A", "B", "C", "D"};

/* A key in the set: the record's index + 1 (0: empty) and the low 32 bits
 * of its key's hash, which pick its slot (the set never has more than
 * 2^32 slots), so that growing the set reads no key, and a probe compares
 * strings only on a likely match. */
struct slot {
	uint32_t idx;
	uint32_t tag;
};

struct msgs {
	struct import_msg *v;
	size_t n, total;
};

struct import {
	/* What the run was asked for; the borrowed pointers are used only
	 * inside import_run. */
	unsigned kind;
	const struct record_field *fs;
	size_t nfs;
	const char *const *risk;
	size_t nrisk;
	const struct ident_kind *kinds;
	size_t nkinds;
	size_t id_field; /* the field classified by ident_classify, or nfs */
	int ignore_unknown;
	size_t max_msgs;
	import_progress_fn progress;
	void *progress_arg;
	size_t len;

	/* The header. */
	int have_header;
	int *colmap; /* per column: a field index, COL_IGNORED or COL_NAMELESS */
	size_t ncols;

	/* The records and the set of their keys. */
	struct arena arena;
	struct record *recs;
	size_t nrecs, caprecs;
	struct slot *set; /* open addressing, linear probing */
	size_t setcap;
	const struct record **sorted;

	struct msgs errs, warns;
	size_t rows, bad_rows;
	enum csv_encoding enc;
	int oom;
};

static void add_msg(struct import *im, struct msgs *m, size_t line, const char *text)
{
	m->total++;
	if (m->n >= im->max_msgs)
		return;
	if (m->v == NULL) {
		m->v = calloc(im->max_msgs, sizeof *m->v);
		if (m->v == NULL) {
			im->oom = 1;
			return;
		}
	}
	m->v[m->n].line = line;
	snprintf(m->v[m->n].text, IMPORT_MSG_SIZE, "%s", text);
	m->n++;
}

/* An error on line (about field f, when not NULL). */
static void err_at(struct import *im, size_t line, const struct record_field *f, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static void err_at(struct import *im, size_t line, const struct record_field *f, const char *fmt,
                   ...)
{
	char text[IMPORT_MSG_SIZE];
	size_t off = 0;
	va_list ap;

	text[0] = '\0';
	if (f != NULL) {
		int w = snprintf(text, sizeof text, "%s (%s): ", f->name_zh, f->name);
		off = w < 0 || (size_t)w >= sizeof text ? 0 : (size_t)w;
	}
	va_start(ap, fmt);
	vsnprintf(text + off, sizeof text - off, fmt, ap);
	va_end(ap);
	add_msg(im, &im->errs, line, text);
}

/* Quotes a value for a message: at most 40 bytes, cut at a character
 * boundary, control characters shown as '?'. */
static const char *show(char *buf, size_t cap, const char *s, size_t len)
{
	size_t n = len, o = 0;

	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (cap < n + 8)
		n = cap - 8;
	buf[o++] = '"';
	for (size_t i = 0; i < n; i++)
		buf[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* Trims ASCII spaces, tabs and line breaks, U+3000 and U+00A0 at both
 * ends. */
static void trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	for (;;) {
		if (n >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) {
			p++;
			n--;
		} else if (n >= 3 && memcmp(p, "\xe3\x80\x80", 3) == 0) {
			p += 3;
			n -= 3;
		} else if (n >= 2 && memcmp(p, "\xc2\xa0", 2) == 0) {
			p += 2;
			n -= 2;
		} else
			break;
	}
	for (;;) {
		if (n >= 1 &&
		    (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
			n--;
		else if (n >= 3 && memcmp(p + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else if (n >= 2 && memcmp(p + n - 2, "\xc2\xa0", 2) == 0)
			n -= 2;
		else
			break;
	}
	*s = p;
	*len = n;
}

/* ---- the header ------------------------------------------------------- */

/* The header cell s[0..len) as it is compared: trimmed, without the '*'
 * of a required column, English in lower case with ' ' and '-' as '_'.
 * Returns 0 when it does not fit out. */
static int header_norm(char *out, size_t cap, const char *s, size_t len)
{
	for (;;) {
		trim(&s, &len);
		if (len >= 1 && s[0] == '*') {
			s++;
			len--;
		} else if (len >= 1 && s[len - 1] == '*')
			len--;
		else if (len >= 3 && memcmp(s, "\xef\xbc\x8a", 3) == 0) { /* ＊ */
			s += 3;
			len -= 3;
		} else if (len >= 3 && memcmp(s + len - 3, "\xef\xbc\x8a", 3) == 0)
			len -= 3;
		else
			break;
	}
	if (len >= cap)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ' || c == '-')
			c = '_';
		out[i] = c;
	}
	out[len] = '\0';
	return 1;
}

static int header_is(const struct record_field *f, const char *h)
{
	if (strcmp(h, f->name) == 0 || strcmp(h, f->name_zh) == 0)
		return 1;
	for (const char *const *a = f->aliases; a != NULL && *a != NULL; a++)
		if (strcmp(h, *a) == 0)
			return 1;
	return 0;
}

static int is_row_number(const char *h)
{
	return strcmp(h, "序号") == 0 || strcmp(h, "no") == 0 || strcmp(h, "no.") == 0 ||
	       strcmp(h, "seq") == 0;
}

static int read_header(struct import *im, const struct csv_row *row)
{
	int seen[RECORD_MAX_FIELDS];
	char h[128], v[64];
	int bad = 0;

	im->have_header = 1;
	if (row->error != NULL) {
		err_at(im, row->error_line, NULL, "header row: %s", row->error);
		return -1;
	}
	im->colmap = calloc(row->nfields, sizeof *im->colmap);
	if (im->colmap == NULL) {
		im->oom = 1;
		return -1;
	}
	im->ncols = row->nfields;
	for (size_t i = 0; i < RECORD_MAX_FIELDS; i++)
		seen[i] = -1;
	for (size_t c = 0; c < row->nfields; c++) {
		size_t fi;
		if (!header_norm(h, sizeof h, row->field[c], row->len[c])) {
			err_at(im, row->line, NULL, "column %zu: unknown column %s", c + 1,
			       show(v, sizeof v, row->field[c], row->len[c]));
			bad = 1;
			continue;
		}
		if (h[0] == '\0') {
			im->colmap[c] = COL_NAMELESS;
			continue;
		}
		if (is_row_number(h)) {
			im->colmap[c] = COL_IGNORED;
			continue;
		}
		for (fi = 0; fi < im->nfs; fi++)
			if (header_is(&im->fs[fi], h))
				break;
		if (fi == im->nfs) {
			im->colmap[c] = COL_IGNORED;
			if (im->ignore_unknown) {
				char text[IMPORT_MSG_SIZE];
				snprintf(text, sizeof text,
				         "column %zu: unknown column %s is ignored", c + 1,
				         show(v, sizeof v, row->field[c], row->len[c]));
				add_msg(im, &im->warns, row->line, text);
			} else {
				err_at(im, row->line, NULL,
				       "column %zu: unknown column %s for a %s directory", c + 1,
				       show(v, sizeof v, row->field[c], row->len[c]),
				       record_kind_name(im->kind));
				bad = 1;
			}
			continue;
		}
		if (seen[fi] >= 0) {
			err_at(im, row->line, &im->fs[fi], "named by columns %d and %zu",
			       seen[fi] + 1, c + 1);
			bad = 1;
			continue;
		}
		seen[fi] = (int)c;
		im->colmap[c] = (int)fi;
	}
	for (size_t fi = 0; fi < im->nfs; fi++) {
		if (im->fs[fi].required && seen[fi] < 0) {
			err_at(im, row->line, &im->fs[fi], "required column is missing");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ---- values ----------------------------------------------------------- */

static int enum_match(const struct record_field *f, const char *s, unsigned *out)
{
	for (size_t i = 0; i < f->nvocab; i++)
		for (const char *const *w = f->vocab[i].words; *w != NULL; w++)
			if (strcasecmp(*w, s) == 0) {
				*out = f->vocab[i].value;
				return 1;
			}
	return 0;
}

/* Copies a text value into the arena with each run of CR, LF and tab
 * turned into one space; refuses other control characters. */
static int take_text(struct import *im, size_t line, const struct record_field *f, const char *s,
                     size_t len, const char **out)
{
	char *p;
	size_t o = 0;

	if (len > f->max) {
		err_at(im, line, f, "%zu bytes, more than %zu", len, f->max);
		return -1;
	}
	p = arena_alloc(&im->arena, len + 1, 1);
	if (p == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n' || c == '\t') {
			if (o == 0 || p[o - 1] != ' ')
				p[o++] = ' ';
		} else if (c < 0x20 || c == 0x7f) {
			err_at(im, line, f, "control character 0x%02x", c);
			return -1;
		} else
			p[o++] = (char)c;
	}
	p[o] = '\0';
	*out = o ? p : "";
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The length of a list separator at s[0..len), or 0. */
static size_t sep_len(const char *s, size_t len)
{
	if (s[0] == ';' || s[0] == '\r' || s[0] == '\n')
		return 1;
	if (len >= 3 && (memcmp(s, "；", 3) == 0 || memcmp(s, "、", 3) == 0))
		return 3;
	return 0;
}

static int take_list(struct import *im, size_t line, const struct record_field *f, const char *s,
                     size_t len, struct record_list *out)
{
	const char *items[256];
	const char **v;
	size_t n = 0, i = 0, k = 0;
	char shown[64];

	while (i <= len) {
		size_t start = i, sl = 0, il;
		const char *it;
		while (i < len && (sl = sep_len(s + i, len - i)) == 0)
			i++;
		it = s + start;
		il = i - start;
		i += i < len ? sl : 1;
		trim(&it, &il);
		if (il == 0)
			continue;
		if (n == f->max || n == sizeof items / sizeof items[0]) {
			err_at(im, line, f, "more than %zu items", f->max);
			return -1;
		}
		if (f->type == RT_IDS     ? !ident_ok(it, il)
		    : f->type == RT_NAMES ? !ident_name_ok(it, il)
		                          : il > RECORD_MAX_LABEL) {
			err_at(im, line, f, "item %s is not %s", show(shown, sizeof shown, it, il),
			       f->type == RT_IDS ? "1..64 bytes of printable ASCII without spaces"
			       : f->type == RT_NAMES
			           ? "1..32 bytes of printable ASCII without spaces"
			           : "a label of 1..64 bytes");
			return -1;
		}
		for (size_t c = 0; c < il; c++) {
			if ((unsigned char)it[c] < 0x20 || it[c] == 0x7f) {
				err_at(im, line, f, "control character 0x%02x",
				       (unsigned char)it[c]);
				return -1;
			}
		}
		items[n] = arena_str(&im->arena, it, il);
		if (items[n] == NULL)
			return -1;
		n++;
	}
	/* A set: sorted, each item once. */
	qsort(items, n, sizeof items[0], cmp_str);
	for (i = 0; i < n; i++)
		if (k == 0 || strcmp(items[k - 1], items[i]) != 0)
			items[k++] = items[i];
	out->n = k;
	if (k == 0) {
		out->v = NULL;
		return 0;
	}
	v = arena_alloc(&im->arena, k * sizeof *v, _Alignof(const char *));
	if (v == NULL)
		return -1;
	memcpy(v, items, k * sizeof *v);
	out->v = v;
	return 0;
}

static int take_value(struct import *im, size_t line, size_t fi, const char *s, size_t len,
                      struct record *r)
{
	const struct record_field *f = &im->fs[fi];
	char *at = (char *)r + f->offset;
	const char **sp = (const char **)(void *)at;
	char shown[64], msg[IMPORT_MSG_SIZE];

	trim(&s, &len);
	if (len == 0 && f->required) {
		err_at(im, line, f, "required value is empty");
		return -1;
	}
	switch (f->type) {
	case RT_ID:
		if (fi == im->id_field) {
			struct uscc_report rep;
			size_t which;
			if (ident_classify(im->kinds, im->nkinds, s, len, &which, &rep, msg,
			                   sizeof msg) != SJ_OK) {
				err_at(im, line, f, "%s: %s", show(shown, sizeof shown, s, len),
				       msg);
				return -1;
			}
			if (!rep.org_ok) {
				char text[IMPORT_MSG_SIZE];
				snprintf(text, sizeof text, "%s (%s): %s: %s (accepted)",
				         f->name_zh, f->name, show(shown, sizeof shown, s, len),
				         rep.warning);
				add_msg(im, &im->warns, line, text);
			}
		} else if (!ident_ok(s, len)) {
			err_at(im, line, f,
			       "%s is not 1..64 bytes of printable ASCII without spaces",
			       show(shown, sizeof shown, s, len));
			return -1;
		}
		*sp = arena_str(&im->arena, s, len);
		return *sp ? 0 : -1;
	case RT_NAME: {
		/* The one name field is the risk class: one of the configured
		 * classes, stored in the configured spelling. */
		char list[128];
		size_t off = 0;
		for (size_t i = 0; i < im->nrisk; i++) {
			if (strlen(im->risk[i]) == len && strncasecmp(im->risk[i], s, len) == 0) {
				*sp = im->risk[i]; /* the arena's copy */
				return 0;
			}
		}
		list[0] = '\0';
		for (size_t i = 0; i < im->nrisk && off < sizeof list; i++) {
			int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
			                 im->risk[i]);
			if (w < 0)
				break;
			off += (size_t)w;
		}
		err_at(im, line, f, "unknown risk class %s; the classes are %s (R7)",
		       show(shown, sizeof shown, s, len), list);
		return -1;
	}
	case RT_TEXT: return take_text(im, line, f, s, len, sp);
	case RT_ENUM: {
		unsigned *ep = (unsigned *)(void *)at;
		char word[128];
		if (len == 0) {
			*ep = f->vocab[0].value;
			return 0;
		}
		if (len < sizeof word) {
			memcpy(word, s, len);
			word[len] = '\0';
			if (enum_match(f, word, ep))
				return 0;
		}
		{
			char list[160];
			size_t off = 0;
			list[0] = '\0';
			for (size_t i = 0; i < f->nvocab && off < sizeof list; i++) {
				int w =
				    snprintf(list + off, sizeof list - off, "%s%s/%s",
				             i ? ", " : "", f->vocab[i].words[0], f->vocab[i].name);
				if (w < 0)
					break;
				off += (size_t)w;
			}
			err_at(im, line, f, "unknown value %s; accepted: %s",
			       show(shown, sizeof shown, s, len), list);
		}
		return -1;
	}
	case RT_IDS:
	case RT_NAMES:
	case RT_LABELS: return take_list(im, line, f, s, len, (struct record_list *)(void *)at);
	}
	return -1;
}

/* ---- keys ------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

/* FNV-1a over the key, then a 64-bit finaliser (MurmurHash3's fmix64) so
 * that the low bits, which pick the slot, depend on every byte. */
static uint64_t key_hash(const struct record *r)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (r->kind != RECORD_CONFLICT)
		h = fnv(h, r->kind == RECORD_OBJECT ? r->u.object.id : r->u.person.id);
	else {
		h = (h ^ r->u.conflict.person_kind) * 0x100000001b3ull;
		h = fnv(fnv(h, r->u.conflict.object), r->u.conflict.person);
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static int set_grow(struct import *im)
{
	size_t cap = im->setcap ? im->setcap * 2 : 1024;
	struct slot *s = calloc(cap, sizeof *s);

	if (s == NULL) {
		im->oom = 1;
		return -1;
	}
	for (size_t i = 0; i < im->setcap; i++) {
		struct slot v = im->set[i];
		size_t j;
		if (v.idx == 0)
			continue;
		j = (size_t)v.tag & (cap - 1);
		while (s[j].idx != 0)
			j = (j + 1) & (cap - 1);
		s[j] = v;
	}
	free(im->set);
	im->set = s;
	im->setcap = cap;
	return 0;
}

/* Adds the record just appended at recs[nrecs - 1] to the set; returns the
 * earlier record with the same key, or NULL. */
static const struct record *set_add(struct import *im)
{
	const struct record *r = &im->recs[im->nrecs - 1];
	uint64_t h;
	uint32_t tag;
	size_t j;

	if (im->nrecs * 2 > im->setcap && set_grow(im) != 0)
		return NULL;
	h = key_hash(r);
	tag = (uint32_t)h;
	j = (size_t)tag & (im->setcap - 1);
	while (im->set[j].idx != 0) {
		const struct record *o = &im->recs[im->set[j].idx - 1];
		if (im->set[j].tag == tag && record_key_cmp(o, r) == 0)
			return o;
		j = (j + 1) & (im->setcap - 1);
	}
	im->set[j].idx = (uint32_t)im->nrecs;
	im->set[j].tag = tag;
	return NULL;
}

/* ---- rows ------------------------------------------------------------- */

static int blank(const struct csv_row *row)
{
	for (size_t i = 0; i < row->nfields; i++) {
		const char *s = row->field[i];
		size_t n = row->len[i];
		trim(&s, &n);
		if (n > 0)
			return 0;
	}
	return 1;
}

/* The fields that make the key: all must have been read for the row's key
 * to take part in duplicate detection. */
static int key_fields_ok(const struct import *im, const struct record *r)
{
	if (im->kind == RECORD_CONFLICT)
		return r->u.conflict.object != NULL && r->u.conflict.person != NULL;
	return r->u.object.id != NULL;
}

static void describe_key(char *buf, size_t cap, const struct record *r)
{
	if (r->kind == RECORD_CONFLICT)
		snprintf(buf, cap, "conflict of %s %s with %s",
		         r->u.conflict.person_kind == PERSON_EXPERT ? "expert" : "officer",
		         r->u.conflict.person, r->u.conflict.object);
	else
		snprintf(buf, cap, "%s",
		         r->kind == RECORD_OBJECT ? r->u.object.id : r->u.person.id);
}

static int on_row(void *arg, const struct csv_row *row)
{
	struct import *im = arg;
	struct record r;
	int bad = 0;
	size_t errs_before = im->errs.total;
	char shown[64];

	if (!im->have_header) {
		if (row->error == NULL && blank(row))
			return 0;
		if (read_header(im, row) != 0)
			return im->oom ? SJ_ENOMEM : SJ_EINVAL; /* stop: rows cannot be read */
		return 0;
	}
	if (row->error == NULL && blank(row))
		return 0;
	im->rows++;
	if (im->progress != NULL && im->rows % IMPORT_PROGRESS_ROWS == 0)
		im->progress(im->progress_arg, row->input_offset, im->len, im->rows);
	if (im->rows > IMPORT_MAX_ROWS) {
		err_at(im, row->line, NULL, "more than %u rows; split the file", IMPORT_MAX_ROWS);
		return SJ_EINVAL;
	}
	if (row->error != NULL) {
		err_at(im, row->error_line, NULL, "%s", row->error);
		im->bad_rows++;
		return 0;
	}
	if (row->nfields < im->ncols) {
		err_at(im, row->line, NULL, "row has %zu fields, the header has %zu", row->nfields,
		       im->ncols);
		im->bad_rows++;
		return 0;
	}
	for (size_t c = im->ncols; c < row->nfields; c++) {
		const char *s = row->field[c];
		size_t n = row->len[c];
		trim(&s, &n);
		if (n > 0) {
			err_at(im, row->line, NULL,
			       "row has %zu fields, the header has %zu (a comma in an unquoted "
			       "value?)",
			       row->nfields, im->ncols);
			im->bad_rows++;
			return 0;
		}
	}

	memset(&r, 0, sizeof r);
	r.kind = im->kind;
	r.line = row->line;
	/* Absent optional columns: empty strings, empty lists, the default
	 * enum value. */
	for (size_t fi = 0; fi < im->nfs; fi++) {
		const struct record_field *f = &im->fs[fi];
		char *at = (char *)&r + f->offset;
		if (f->type == RT_ENUM)
			*(unsigned *)(void *)at = f->vocab[0].value;
		else if (f->type == RT_ID || f->type == RT_NAME || f->type == RT_TEXT)
			*(const char **)(void *)at = "";
	}
	/* Key fields stay NULL until read, so a row whose key is bad takes
	 * no part in duplicate detection. */
	if (im->kind == RECORD_CONFLICT)
		r.u.conflict.object = r.u.conflict.person = NULL;
	else if (im->kind == RECORD_OBJECT)
		r.u.object.id = NULL;
	else
		r.u.person.id = NULL;
	for (size_t c = 0; c < im->ncols; c++) {
		int m = im->colmap[c];
		if (m == COL_IGNORED)
			continue;
		if (m == COL_NAMELESS) {
			const char *s = row->field[c];
			size_t n = row->len[c];
			trim(&s, &n);
			if (n > 0) {
				err_at(im, row->line, NULL, "column %zu has no header but holds %s",
				       c + 1, show(shown, sizeof shown, s, n));
				bad = 1;
			}
			continue;
		}
		if (take_value(im, row->line, (size_t)m, row->field[c], row->len[c], &r) != 0)
			bad = 1;
	}
	if (im->arena.oom || im->oom)
		return SJ_ENOMEM;
	if (key_fields_ok(im, &r)) {
		const struct record *dup;
		if (im->nrecs == im->caprecs) {
			size_t cap = im->caprecs ? im->caprecs * 2 : 1024;
			struct record *nr = realloc(im->recs, cap * sizeof *nr);
			if (nr == NULL)
				return SJ_ENOMEM;
			im->recs = nr;
			im->caprecs = cap;
		}
		im->recs[im->nrecs++] = r;
		dup = set_add(im);
		if (im->oom)
			return SJ_ENOMEM;
		if (dup != NULL) {
			char key[200];
			describe_key(key, sizeof key, &r);
			err_at(im, row->line, NULL, "duplicate %s%s: first on line %zu",
			       im->kind == RECORD_OBJECT    ? "identifier "
			       : im->kind == RECORD_OFFICER ? "certificate number "
			       : im->kind == RECORD_EXPERT  ? "expert id "
			                                    : "",
			       key, dup->line);
			im->nrecs--;
			bad = 1;
		}
	}
	if (bad || im->errs.total != errs_before)
		im->bad_rows++;
	return 0;
}

/* ---- the run ---------------------------------------------------------- */

static int cmp_rec(const void *a, const void *b)
{
	return record_key_cmp(*(const struct record *const *)a, *(const struct record *const *)b);
}

static int check_opts(struct import *im, const struct import_opts *o)
{
	char err[IMPORT_MSG_SIZE];

	im->fs = record_fields(o->kind, &im->nfs);
	if (im->fs == NULL) {
		err_at(im, 0, NULL, "options: unknown directory kind %u", o->kind);
		return -1;
	}
	if (o->encoding != CSV_AUTO && o->encoding != CSV_UTF8 && o->encoding != CSV_GB18030) {
		err_at(im, 0, NULL, "options: unknown encoding %d", (int)o->encoding);
		return -1;
	}
	const char *const *risk = o->risk_classes ? o->risk_classes : import_default_risk;
	const char **copy;

	im->nrisk = o->risk_classes ? o->nrisk_classes : 4;
	if (im->nrisk == 0 || im->nrisk > IMPORT_MAX_RISK_CLASSES) {
		err_at(im, 0, NULL, "options: 1..%d risk classes, not %zu", IMPORT_MAX_RISK_CLASSES,
		       im->nrisk);
		return -1;
	}
	/* Records point at the arena's copies, never at the caller's. */
	copy = arena_alloc(&im->arena, im->nrisk * sizeof *copy, _Alignof(const char *));
	if (copy == NULL) {
		im->oom = 1;
		return -1;
	}
	im->risk = copy;
	for (size_t i = 0; i < im->nrisk; i++) {
		if (risk[i] == NULL || !ident_name_ok(risk[i], strlen(risk[i]))) {
			err_at(im, 0, NULL,
			       "options: risk class %zu is not a name (1..32 bytes of printable "
			       "ASCII without spaces)",
			       i + 1);
			return -1;
		}
		copy[i] = arena_str(&im->arena, risk[i], strlen(risk[i]));
		if (copy[i] == NULL) {
			im->oom = 1;
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(im->risk[i], im->risk[j]) == 0) {
				err_at(im, 0, NULL, "options: risk class %s appears twice",
				       im->risk[i]);
				return -1;
			}
	}
	im->kinds = o->id_kinds ? o->id_kinds : ident_default_kinds;
	im->nkinds = o->id_kinds ? o->nid_kinds : 1;
	if (ident_kinds_check(im->kinds, im->nkinds, err, sizeof err) != SJ_OK) {
		err_at(im, 0, NULL, "options: %s", err);
		return -1;
	}
	return 0;
}

int import_run(struct import **out, const uint8_t *buf, size_t len, const struct import_opts *o)
{
	struct import *im;
	struct csv_opts co = {0};
	char err[IMPORT_MSG_SIZE];
	size_t err_line = 0;
	int rc;

	*out = NULL;
	im = calloc(1, sizeof *im);
	if (im == NULL)
		return SJ_ENOMEM;
	im->max_msgs = o->max_errors ? o->max_errors : IMPORT_DEFAULT_MAX_ERRORS;
	im->kind = o->kind;
	im->len = len;
	im->ignore_unknown = o->ignore_unknown_columns;
	im->progress = o->progress;
	im->progress_arg = o->progress_arg;
	if (check_opts(im, o) != 0) {
		rc = SJ_EINVAL;
		if (im->oom)
			goto fail_oom;
		goto done;
	}
	im->id_field = o->kind == RECORD_OBJECT     ? 0
	               : o->kind == RECORD_CONFLICT ? 1 /* the conflict's object */
	                                            : im->nfs;
	co.encoding = o->encoding;
	rc = csv_parse(buf, len, &co, on_row, im, &im->enc, &err_line, err, sizeof err);
	if (rc == SJ_EINVAL && err[0] != '\0')
		add_msg(im, &im->errs, err_line, err); /* an unclosed quote */
	if (rc == SJ_ENOMEM || rc == SJ_EIO || im->oom || im->arena.oom) {
		rc = rc == SJ_EIO ? SJ_EIO : SJ_ENOMEM;
		goto fail;
	}
	if (!im->have_header && im->errs.total == 0)
		err_at(im, 1, NULL, "the file has no header row");
	if (im->progress != NULL)
		im->progress(im->progress_arg, len, len, im->rows);
	if (im->oom) {
		rc = SJ_ENOMEM;
		goto fail;
	}
	if (im->errs.total > 0) {
		rc = SJ_EINVAL;
		goto done;
	}
	im->sorted = malloc((im->nrecs ? im->nrecs : 1) * sizeof *im->sorted);
	if (im->sorted == NULL) {
		rc = SJ_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < im->nrecs; i++)
		im->sorted[i] = &im->recs[i];
	qsort(im->sorted, im->nrecs, sizeof *im->sorted, cmp_rec);
	rc = SJ_OK;
done:
	/* The key set is only needed while reading; a refused import keeps
	 * its errors and nothing else (all or nothing). */
	free(im->set);
	im->set = NULL;
	if (rc != SJ_OK) {
		arena_free(&im->arena);
		free(im->recs);
		im->recs = NULL;
		im->nrecs = 0;
	}
	*out = im;
	return rc;
fail_oom:
	rc = SJ_ENOMEM;
fail:
	import_free(im);
	return rc;
}

void import_free(struct import *im)
{
	if (im == NULL)
		return;
	arena_free(&im->arena);
	free(im->recs);
	free(im->set);
	free(im->sorted);
	free(im->colmap);
	free(im->errs.v);
	free(im->warns.v);
	free(im);
}

const struct record *const *import_records(const struct import *im, size_t *n)
{
	*n = im->sorted ? im->nrecs : 0;
	return im->sorted;
}

const struct import_msg *import_errors(const struct import *im, size_t *n, size_t *total)
{
	*n = im->errs.n;
	if (total != NULL)
		*total = im->errs.total;
	return im->errs.v;
}

const struct import_msg *import_warnings(const struct import *im, size_t *n, size_t *total)
{
	*n = im->warns.n;
	if (total != NULL)
		*total = im->warns.total;
	return im->warns.v;
}

size_t import_rows(const struct import *im)
{
	return im->rows;
}

size_t import_bad_rows(const struct import *im)
{
	return im->bad_rows;
}

enum csv_encoding import_encoding(const struct import *im)
{
	return im->enc;
}
