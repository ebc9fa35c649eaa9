/*
 * csv.c: the CSV reader of csv.h. Decoding and tokenising are two layers:
 * UTF-8 input goes straight to the tokeniser, which checks each multi-byte
 * sequence as it passes; GB18030 input goes through iconv in 64 KiB
 * pieces, whose output is valid UTF-8 by construction. Both layers only
 * move forward, so the reader is linear in the input.
 */
#include "dir/csv.h"

#include "common/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_state {
	ST_START, /* at the start of a field */
	ST_UNQ,   /* inside an unquoted field */
	ST_Q,     /* inside a quoted field */
	ST_QQ,    /* a '"' inside a quoted field: its end, or the first of "" */
};

struct tok {
	size_t max_field, max_fields, max_row;
	csv_row_fn fn;
	void *arg;
	int validate; /* check UTF-8 sequences (the input was not converted) */
	/* Bytes that end a run of ordinary bytes, outside and inside quotes. */
	uint8_t stop_unq[256], stop_q[256];

	enum tok_state state;
	int in_row;     /* a byte of the current row has been read */
	int pending_cr; /* the last byte was a CR: a LF now ends no line */
	int skip_field; /* the row has too many fields: drop this one */
	size_t line, row_line, quote_line;

	char *buf; /* the row's fields, each NUL-terminated */
	size_t blen, bcap;
	size_t *starts, *lens;
	const char **ptrs;
	size_t nf, fcap;

	const char *err; /* the row's first damage, or NULL */
	size_t err_line;
	char errbuf[192];
	size_t input_offset;
	size_t base_offset; /* unconverted input: offset of p[0] in the input */
	int unconverted;    /* the input goes to feed() as it is (UTF-8) */
	int oom;
};

static void damage(struct tok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void damage(struct tok *t, const char *fmt, ...)
{
	va_list ap;

	if (t->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(t->errbuf, sizeof t->errbuf, fmt, ap);
	va_end(ap);
	t->err = t->errbuf;
	t->err_line = t->line;
}

static void begin_field(struct tok *t)
{
	if (t->nf == t->max_fields) {
		if (!t->skip_field)
			damage(t, "more than %zu fields in a row", t->max_fields);
		t->skip_field = 1;
		return;
	}
	if (t->nf == t->fcap) {
		size_t n = t->fcap ? t->fcap * 2 : 32;
		size_t *s, *l;
		const char **p;
		if (n > t->max_fields)
			n = t->max_fields;
		s = realloc(t->starts, n * sizeof *s);
		if (s != NULL)
			t->starts = s;
		l = realloc(t->lens, n * sizeof *l);
		if (l != NULL)
			t->lens = l;
		p = realloc(t->ptrs, n * sizeof *p);
		if (p != NULL)
			t->ptrs = p;
		if (s == NULL || l == NULL || p == NULL) {
			t->oom = 1;
			t->skip_field = 1;
			return;
		}
		t->fcap = n;
	}
	t->starts[t->nf] = t->blen;
	t->lens[t->nf] = 0;
	t->nf++;
}

static void begin_row(struct tok *t)
{
	t->in_row = 1;
	t->row_line = t->line;
	t->blen = 0;
	t->nf = 0;
	t->skip_field = 0;
	t->err = NULL;
	begin_field(t);
}

/* Makes room for n more bytes in the row buffer. The buffer never exceeds
 * max_row + max_fields + 1 bytes: field bytes are cut at max_row. */
static int reserve(struct tok *t, size_t n)
{
	size_t want = t->blen + n, cap;
	char *b;

	if (want <= t->bcap)
		return 1;
	cap = t->bcap ? t->bcap : 4096;
	while (cap < want)
		cap *= 2;
	b = realloc(t->buf, cap);
	if (b == NULL) {
		t->oom = 1;
		return 0;
	}
	t->buf = b;
	t->bcap = cap;
	return 1;
}

static void put(struct tok *t, const uint8_t *p, size_t n)
{
	size_t *fl, row_bytes;

	if (t->skip_field || n == 0)
		return;
	fl = &t->lens[t->nf - 1];
	if (*fl + n > t->max_field) {
		damage(t, "a field is longer than %zu bytes", t->max_field);
		n = t->max_field - *fl;
	}
	row_bytes = t->blen - t->nf + 1; /* the NULs of earlier fields do not count */
	if (row_bytes + n > t->max_row) {
		damage(t, "the row is longer than %zu bytes", t->max_row);
		n = t->max_row - row_bytes;
	}
	if (n == 0 || !reserve(t, n))
		return;
	memcpy(t->buf + t->blen, p, n);
	t->blen += n;
	*fl += n;
}

static void end_field(struct tok *t)
{
	if (t->skip_field)
		return;
	if (reserve(t, 1))
		t->buf[t->blen++] = '\0';
}

static int end_row(struct tok *t)
{
	struct csv_row r;

	end_field(t);
	t->in_row = 0;
	if (t->oom)
		return SJ_ENOMEM;
	for (size_t i = 0; i < t->nf; i++)
		t->ptrs[i] = t->buf + t->starts[i];
	r.line = t->row_line;
	r.end_line = t->line;
	r.nfields = t->nf;
	r.field = t->ptrs;
	r.len = t->lens;
	r.error = t->err;
	r.error_line = t->err ? t->err_line : 0;
	r.input_offset = t->input_offset;
	return t->fn(t->arg, &r);
}

int csv_utf8_valid(const uint8_t *buf, size_t len)
{
	return utf8_valid(buf, len);
}

static int has_utf8_bom(const uint8_t *buf, size_t len)
{
	return len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf;
}

enum csv_encoding csv_detect(const uint8_t *buf, size_t len)
{
	if (has_utf8_bom(buf, len))
		return CSV_UTF8;
	return csv_utf8_valid(buf, len) ? CSV_UTF8 : CSV_GB18030;
}

const char *csv_encoding_name(enum csv_encoding e)
{
	switch (e) {
	case CSV_UTF8: return "UTF-8";
	case CSV_GB18030: return "GB18030";
	case CSV_AUTO: break;
	}
	return "auto";
}

/* A CR, LF or CRLF outside quotes: the row ends, and so does a line. */
static int newline(struct tok *t, uint8_t c)
{
	int rc = end_row(t);
	t->line++;
	t->pending_cr = c == '\r';
	t->state = ST_START;
	return rc;
}

/*
 * Feeds p[0..n) to the tokeniser. A multi-byte UTF-8 sequence may not be
 * split between two calls: the UTF-8 path passes the whole input at once
 * and iconv never splits a character.
 */
static int feed(struct tok *t, const uint8_t *p, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		uint8_t c = p[i];

		if (t->pending_cr) {
			t->pending_cr = 0;
			if (c == '\n') {
				/* The second byte of a CRLF: its line has ended. */
				if (t->state == ST_Q)
					put(t, p + i, 1);
				i++;
				continue;
			}
		}
		if (!t->in_row)
			begin_row(t);
		switch (t->state) {
		case ST_START:
			if (c == '"') {
				t->state = ST_Q;
				t->quote_line = t->line;
				i++;
				continue;
			}
			t->state = ST_UNQ;
			/* fall through */
		case ST_UNQ: {
			size_t j = i;
			while (j < n && !t->stop_unq[p[j]])
				j++;
			put(t, p + i, j - i);
			i = j;
			if (i == n)
				continue;
			c = p[i];
			if (c == ',') {
				end_field(t);
				begin_field(t);
				t->state = ST_START;
				i++;
			} else if (c == '\r' || c == '\n') {
				i++;
				if (t->unconverted)
					t->input_offset = t->base_offset + i;
				if ((rc = newline(t, c)) != 0)
					return rc;
			} else if (c == '"') {
				put(t, p + i, 1); /* lenient: a quote inside a field */
				i++;
			} else
				goto special;
			continue;
		}
		case ST_Q: {
			size_t j = i;
			while (j < n && !t->stop_q[p[j]])
				j++;
			put(t, p + i, j - i);
			i = j;
			if (i == n)
				continue;
			c = p[i];
			if (c == '"') {
				t->state = ST_QQ;
				i++;
			} else if (c == '\r' || c == '\n') {
				/* A line break inside quotes is data and ends a
				 * physical line. */
				put(t, p + i, 1);
				t->line++;
				t->pending_cr = c == '\r';
				i++;
			} else
				goto special;
			continue;
		}
		case ST_QQ:
			if (c == '"') {
				put(t, p + i, 1);
				t->state = ST_Q;
				i++;
			} else if (c == ',') {
				end_field(t);
				begin_field(t);
				t->state = ST_START;
				i++;
			} else if (c == '\r' || c == '\n') {
				i++;
				if (t->unconverted)
					t->input_offset = t->base_offset + i;
				if ((rc = newline(t, c)) != 0)
					return rc;
			} else {
				damage(t, "text after the closing quote of field %zu", t->nf);
				t->state = ST_UNQ;
			}
			continue;
		}
	special:
		/* A NUL, or (unconverted input) a byte of 0x80 or more. */
		if (c == '\0') {
			damage(t, "a NUL byte");
			i++;
		} else {
			size_t k = utf8_next(p + i, n - i, NULL);
			if (k == 0) {
				damage(t, "bytes that are not valid UTF-8 (0x%02x)", c);
				i++;
			} else {
				put(t, p + i, k);
				i += k;
			}
		}
	}
	return SJ_OK;
}

static void tok_init(struct tok *t, const struct csv_opts *o, csv_row_fn fn, void *arg,
                     int validate)
{
	memset(t, 0, sizeof *t);
	t->max_field = o && o->max_field ? o->max_field : CSV_DEFAULT_MAX_FIELD;
	t->max_fields = o && o->max_fields ? o->max_fields : CSV_DEFAULT_MAX_FIELDS;
	t->max_row = o && o->max_row ? o->max_row : CSV_DEFAULT_MAX_ROW;
	t->fn = fn;
	t->arg = arg;
	t->validate = validate;
	t->line = 1;
	t->state = ST_START;
	t->stop_unq[','] = t->stop_unq['"'] = t->stop_unq['\r'] = t->stop_unq['\n'] = 1;
	t->stop_q['"'] = t->stop_q['\r'] = t->stop_q['\n'] = 1;
	t->stop_unq[0] = t->stop_q[0] = 1;
	if (validate)
		for (int c = 0x80; c < 0x100; c++)
			t->stop_unq[c] = t->stop_q[c] = 1;
}

static void tok_fini(struct tok *t)
{
	free(t->buf);
	free(t->starts);
	free(t->lens);
	free(t->ptrs);
}

/* The end of the input: the last row may lack its newline; an open quote
 * swallowed everything after it. */
static int finish(struct tok *t, size_t *err_line, char *err, size_t err_cap)
{
	if (t->in_row && (t->state == ST_Q)) {
		if (err != NULL)
			snprintf(
			    err, err_cap,
			    "line %zu: a quoted field opened here is not closed before the end "
			    "of the file",
			    t->quote_line);
		if (err_line != NULL)
			*err_line = t->quote_line;
		return SJ_EINVAL;
	}
	if (t->in_row)
		return end_row(t);
	return SJ_OK;
}

static int parse_gb18030(struct tok *t, const uint8_t *buf, size_t len)
{
	static const size_t chunk = 64 * 1024;
	char *in = (char *)(uintptr_t)buf, *out, *o;
	size_t inleft = len, oleft;
	iconv_t cd;
	int rc = SJ_OK;

	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return SJ_EIO;
	out = malloc(chunk);
	if (out == NULL) {
		rc = SJ_ENOMEM;
		goto close_cd;
	}
	while (inleft > 0) {
		size_t r;
		int e;

		o = out;
		oleft = chunk;
		r = iconv(cd, &in, &inleft, &o, &oleft);
		e = errno;
		t->input_offset = len - inleft;
		if ((rc = feed(t, (const uint8_t *)out, (size_t)(o - out))) != 0)
			goto free_out;
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		if (e != EILSEQ && e != EINVAL) {
			rc = SJ_EIO;
			goto free_out;
		}
		/* Bytes that are not GB18030 (EILSEQ), or a character cut
		 * off by the end of the input (EINVAL): the damage belongs
		 * to the row being read, or to the one it starts. */
		t->pending_cr = 0; /* the bad byte is not the LF of a CRLF */
		if (!t->in_row)
			begin_row(t);
		if (inleft >= 2)
			damage(t, "bytes that do not decode as GB18030 (0x%02x 0x%02x)",
			       (uint8_t)in[0], (uint8_t)in[1]);
		else
			damage(t, "bytes that do not decode as GB18030 (0x%02x)", (uint8_t)in[0]);
		in++;
		inleft--;
	}
free_out:
	free(out);
close_cd:
	iconv_close(cd);
	return rc;
}

int csv_parse(const uint8_t *buf, size_t len, const struct csv_opts *opts, csv_row_fn fn, void *arg,
              enum csv_encoding *used, size_t *err_line, char *err, size_t err_cap)
{
	enum csv_encoding enc = opts ? opts->encoding : CSV_AUTO;
	struct tok t;
	int validate = 1, rc;

	if (err != NULL && err_cap > 0)
		err[0] = '\0';
	/* UTF-8 that is valid throughout (as CSV_AUTO found it, or as one
	 * fast pass finds it) need not be checked again sequence by
	 * sequence; only invalid input takes the slow path that names the
	 * damaged rows. */
	if (enc == CSV_AUTO && !has_utf8_bom(buf, len)) {
		enc = csv_detect(buf, len);
		validate = 0;
	} else if (enc == CSV_AUTO || enc == CSV_UTF8) {
		/* A byte-order mark says UTF-8; it does not make it so. */
		enc = CSV_UTF8;
		validate = !csv_utf8_valid(buf, len);
	}
	if (used != NULL)
		*used = enc;
	tok_init(&t, opts, fn, arg, enc == CSV_UTF8 && validate);
	if (enc == CSV_UTF8) {
		if (has_utf8_bom(buf, len)) {
			buf += 3;
			len -= 3;
			t.base_offset = 3;
		}
		t.unconverted = 1;
		rc = feed(&t, buf, len);
		t.input_offset = t.base_offset + len;
	} else {
		if (len >= 4 && buf[0] == 0x84 && buf[1] == 0x31 && buf[2] == 0x95 &&
		    buf[3] == 0x33) {
			buf += 4;
			len -= 4;
		}
		rc = parse_gb18030(&t, buf, len);
	}
	if (rc == SJ_OK)
		rc = finish(&t, err_line, err, err_cap);
	if (rc == SJ_OK && t.oom)
		rc = SJ_ENOMEM;
	tok_fini(&t);
	return rc;
}
