/* export.c: reading and writing the portable ledger file (export.h). */
#include "ledger/export.h"

#include <stdio.h>
#include <string.h>

#include "ledger/entry.h"
#include "ledger/note.h"

static const uint8_t export_magic[12] = {'S', 'J', 'E', 'X', 'P', 'O', 'R', 'T', 0, 0, 0, 1};

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

int export_reader_init(struct export_reader *r, const uint8_t *buf, size_t len, char *err,
		       size_t err_cap)
{
	memset(r, 0, sizeof *r);
	if (len < sizeof export_magic || memcmp(buf, export_magic, 8) != 0) {
		snprintf(err, err_cap, "not a suiji ledger export (magic \"SJEXPORT\" missing)");
		return SJ_EINVAL;
	}
	if (memcmp(buf + 8, export_magic + 8, 4) != 0) {
		snprintf(err, err_cap, "unsupported export format version");
		return SJ_EINVAL;
	}
	r->buf = buf;
	r->len = len;
	r->off = sizeof export_magic;
	return SJ_OK;
}

int export_reader_next(struct export_reader *r, int *kind, const uint8_t **data, size_t *len,
		       char *err, size_t err_cap)
{
	size_t off = r->off, l;
	int k;

	if (r->done)
		return SJ_ENOENT;
	if (r->len - off < 5) {
		snprintf(err, err_cap, "export ends at byte %zu without its end record", off);
		return SJ_EINVAL;
	}
	k = r->buf[off];
	l = ((size_t)r->buf[off + 1] << 24) | ((size_t)r->buf[off + 2] << 16) |
	    ((size_t)r->buf[off + 3] << 8) | r->buf[off + 4];
	if (l > r->len - off - 5) {
		snprintf(err, err_cap, "record at byte %zu claims %zu bytes, past the end of the file",
			 off, l);
		return SJ_EINVAL;
	}
	switch (k) {
	case EXPORT_KIND_ENTRY:
		if (r->seen_checkpoint) {
			snprintf(err, err_cap, "entry record at byte %zu follows a checkpoint", off);
			return SJ_EINVAL;
		}
		if (l > ENTRY_MAX_SIZE) {
			snprintf(err, err_cap, "entry record at byte %zu is too large", off);
			return SJ_EINVAL;
		}
		r->nentries++;
		break;
	case EXPORT_KIND_CHECKPOINT:
		if (l > NOTE_MAX_SIZE) {
			snprintf(err, err_cap, "checkpoint record at byte %zu is too large", off);
			return SJ_EINVAL;
		}
		r->seen_checkpoint = 1;
		r->ncheckpoints++;
		break;
	case EXPORT_KIND_END: {
		if (l != 16 || off + 5 + l != r->len) {
			snprintf(err, err_cap, "end record at byte %zu is malformed or not last", off);
			return SJ_EINVAL;
		}
		if (get_u64(r->buf + off + 5) != r->nentries ||
		    get_u64(r->buf + off + 13) != r->ncheckpoints) {
			snprintf(err, err_cap,
				 "end record counts %llu entries and %llu checkpoints, the file "
				 "holds %llu and %llu",
				 (unsigned long long)get_u64(r->buf + off + 5),
				 (unsigned long long)get_u64(r->buf + off + 13),
				 (unsigned long long)r->nentries,
				 (unsigned long long)r->ncheckpoints);
			return SJ_EINVAL;
		}
		r->done = 1;
		return SJ_ENOENT;
	}
	default:
		snprintf(err, err_cap, "unknown record kind 0x%02x at byte %zu", (unsigned)k, off);
		return SJ_EINVAL;
	}
	*kind = k;
	*data = r->buf + off + 5;
	*len = l;
	r->off = off + 5 + l;
	return SJ_OK;
}

int export_writer_init(struct export_writer *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	return fwrite(export_magic, 1, sizeof export_magic, f) == sizeof export_magic ? SJ_OK
										    : SJ_EIO;
}

static int write_record(struct export_writer *w, int kind, const uint8_t *data, size_t len)
{
	uint8_t h[5] = {(uint8_t)kind, (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			(uint8_t)(len >> 8), (uint8_t)len};
	if (fwrite(h, 1, 5, w->f) != 5 || fwrite(data, 1, len, w->f) != len)
		return SJ_EIO;
	return SJ_OK;
}

int export_writer_add(struct export_writer *w, int kind, const uint8_t *data, size_t len)
{
	if (kind == EXPORT_KIND_ENTRY) {
		if (w->ncheckpoints || len > ENTRY_MAX_SIZE)
			return SJ_EINVAL;
		w->nentries++;
	} else if (kind == EXPORT_KIND_CHECKPOINT) {
		if (len > NOTE_MAX_SIZE)
			return SJ_EINVAL;
		w->ncheckpoints++;
	} else {
		return SJ_EINVAL;
	}
	return write_record(w, kind, data, len);
}

int export_writer_finish(struct export_writer *w)
{
	uint8_t z[16];
	for (int i = 0; i < 8; i++) {
		z[i] = (uint8_t)(w->nentries >> (56 - 8 * i));
		z[8 + i] = (uint8_t)(w->ncheckpoints >> (56 - 8 * i));
	}
	if (write_record(w, EXPORT_KIND_END, z, sizeof z) != SJ_OK || fflush(w->f) != 0)
		return SJ_EIO;
	return SJ_OK;
}
