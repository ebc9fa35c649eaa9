/*
 * record.c: the field tables of the directory records, their checks,
 * order, encoding and hash. The format is described in record.h, where it
 * is the contract; the tables below are its one source in code: the
 * import maps columns through them and the diff compares through them.
 */
#include "dir/record.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir/csv.h"
#include "dir/ident.h"

static const char record_hash_tag[] = "suiji directory record v1";

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define OFF(m)     offsetof(struct record, m)

static const struct record_enum object_status[] = {
    {OBJECT_ACTIVE, "active", WORDS("存续", "在业", "开业", "正常", "active")},
    {OBJECT_DEREGISTERED, "deregistered", WORDS("注销", "已注销", "deregistered")},
    {OBJECT_REVOKED, "revoked",
     WORDS("吊销", "已吊销", "被吊销", "吊销未注销", "吊销，未注销", "吊销,未注销", "revoked")},
    {OBJECT_CANCELLED, "cancelled", WORDS("撤销", "已撤销", "被撤销", "cancelled")},
    {OBJECT_MOVED, "moved", WORDS("迁出", "已迁出", "moved")},
};

static const struct record_enum person_status[] = {
    {PERSON_ACTIVE, "active", WORDS("在职", "在岗", "正常", "有效", "active")},
    {PERSON_SUSPENDED, "suspended", WORDS("暂停", "停职", "暂停执法", "suspended")},
    {PERSON_LEFT, "left", WORDS("离职", "调离", "退休", "退出", "left")},
};

static const struct record_enum person_kinds[] = {
    {PERSON_OFFICER, "officer", WORDS("执法人员", "执法检查人员", "officer")},
    {PERSON_EXPERT, "expert", WORDS("专家", "expert")},
};

#define VOCAB(v) (v), (sizeof(v) / sizeof((v)[0]))

static const struct record_field object_fields[] = {
    {"uscc", "统一社会信用代码",
     WORDS("id", "identifier", "code", "社会信用代码", "信用代码", "对象标识", "对象编号"), RT_ID,
     OFF(u.object.id), 64, 1, NULL, 0},
    {"name", "名称", WORDS("对象名称", "企业名称", "主体名称"), RT_TEXT, OFF(u.object.name), 256, 1,
     NULL, 0},
    {"category", "经营类别", WORDS("类别", "行业类别", "主体类型"), RT_TEXT, OFF(u.object.category),
     128, 0, NULL, 0},
    {"address", "地址", WORDS("住所", "经营场所", "经营地址"), RT_TEXT, OFF(u.object.address), 512,
     0, NULL, 0},
    {"legal_representative", "法定代表人",
     WORDS("legal_rep", "负责人", "经营者", "法定代表人（负责人）"), RT_TEXT,
     OFF(u.object.legal_rep), 128, 0, NULL, 0},
    {"phone", "联系电话", WORDS("电话", "tel", "telephone"), RT_TEXT, OFF(u.object.phone), 64, 0,
     NULL, 0},
    {"status", "状态", WORDS("登记状态", "经营状态"), RT_ENUM, OFF(u.object.status), 0, 0,
     VOCAB(object_status)},
    {"risk_class", "风险等级", WORDS("风险分类", "风险类别", "risk"), RT_NAME,
     OFF(u.object.risk_class), 32, 1, NULL, 0},
    {"credit_level", "信用等级", WORDS("信用分类", "credit"), RT_TEXT, OFF(u.object.credit_level),
     64, 0, NULL, 0},
    {"tags", "标签", WORDS("分类标注", "tag"), RT_LABELS, OFF(u.object.tags), 64, 0, NULL, 0},
    {"district", "所属区域", WORDS("区域", "所属地区", "辖区"), RT_TEXT, OFF(u.object.district),
     128, 0, NULL, 0},
    {"agencies", "监管部门", WORDS("agency", "监管单位"), RT_IDS, OFF(u.object.agencies), 64, 0,
     NULL, 0},
};

static const struct record_field officer_fields[] = {
    {"certificate", "执法证号", WORDS("执法证件号", "执法证编号", "证件号", "certificate_no"),
     RT_ID, OFF(u.person.id), 64, 1, NULL, 0},
    {"name", "姓名", NULL, RT_TEXT, OFF(u.person.name), 128, 1, NULL, 0},
    {"agency", "所属部门", WORDS("部门", "执法部门", "所属单位"), RT_ID, OFF(u.person.agency), 64,
     1, NULL, 0},
    {"qualifications", "执法资质", WORDS("资质", "qualification"), RT_NAMES,
     OFF(u.person.qualifications), 64, 0, NULL, 0},
    {"specialties", "业务专长", WORDS("专长", "specialty", "speciality", "specialities"), RT_NAMES,
     OFF(u.person.specialties), 64, 0, NULL, 0},
    {"status", "状态", WORDS("人员状态"), RT_ENUM, OFF(u.person.status), 0, 0,
     VOCAB(person_status)},
};

static const struct record_field expert_fields[] = {
    {"expert_id", "专家编号", WORDS("编号", "id"), RT_ID, OFF(u.person.id), 64, 1, NULL, 0},
    {"name", "姓名", NULL, RT_TEXT, OFF(u.person.name), 128, 1, NULL, 0},
    {"organisation", "所属单位", WORDS("organization", "单位", "单位代码", "工作单位"), RT_ID,
     OFF(u.person.agency), 64, 1, NULL, 0},
    {"qualifications", "资质", WORDS("专业资质", "qualification"), RT_NAMES,
     OFF(u.person.qualifications), 64, 0, NULL, 0},
    {"specialties", "专业领域", WORDS("业务专长", "专长", "specialty", "speciality"), RT_NAMES,
     OFF(u.person.specialties), 64, 0, NULL, 0},
    {"status", "状态", WORDS("专家状态"), RT_ENUM, OFF(u.person.status), 0, 0,
     VOCAB(person_status)},
};

static const struct record_field conflict_fields[] = {
    {"person_kind", "人员类别", WORDS("人员类型"), RT_ENUM, OFF(u.conflict.person_kind), 0, 0,
     VOCAB(person_kinds)},
    {"object", "统一社会信用代码", WORDS("uscc", "对象标识", "object_id", "检查对象"), RT_ID,
     OFF(u.conflict.object), 64, 1, NULL, 0},
    {"certificate", "执法证号", WORDS("person", "人员编号", "专家编号", "expert_id"), RT_ID,
     OFF(u.conflict.person), 64, 1, NULL, 0},
    {"reason", "回避事由", WORDS("利害关系", "事由", "回避原因"), RT_TEXT, OFF(u.conflict.reason),
     512, 1, NULL, 0},
    {"declared_by", "申报人", WORDS("申报方", "登记人"), RT_TEXT, OFF(u.conflict.declared_by), 128,
     1, NULL, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct record_field *record_fields(unsigned kind, size_t *n)
{
	switch (kind) {
	case RECORD_OBJECT: *n = COUNT(object_fields); return object_fields;
	case RECORD_OFFICER: *n = COUNT(officer_fields); return officer_fields;
	case RECORD_EXPERT: *n = COUNT(expert_fields); return expert_fields;
	case RECORD_CONFLICT: *n = COUNT(conflict_fields); return conflict_fields;
	}
	*n = 0;
	return NULL;
}

const char *record_kind_name(unsigned kind)
{
	switch (kind) {
	case RECORD_OBJECT: return "object";
	case RECORD_OFFICER: return "officer";
	case RECORD_EXPERT: return "expert";
	case RECORD_CONFLICT: return "conflict";
	}
	return NULL;
}

const char *record_enum_name(const struct record_field *f, unsigned value)
{
	for (size_t i = 0; i < f->nvocab; i++)
		if (f->vocab[i].value == value)
			return f->vocab[i].name;
	return NULL;
}

static const char *const *str_at(const struct record *r, const struct record_field *f)
{
	return (const char *const *)(const void *)((const char *)r + f->offset);
}

static const struct record_list *list_at(const struct record *r, const struct record_field *f)
{
	return (const struct record_list *)(const void *)((const char *)r + f->offset);
}

static const unsigned *enum_at(const struct record *r, const struct record_field *f)
{
	return (const unsigned *)(const void *)((const char *)r + f->offset);
}

/* Text: valid UTF-8, no control characters. */
static int text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return csv_utf8_valid((const uint8_t *)s, len);
}

static int has_separator(const char *s)
{
	return strchr(s, ';') || strstr(s, "；") || strstr(s, "、");
}

static int item_ok(enum record_type t, const char *s, size_t len)
{
	switch (t) {
	case RT_IDS: return ident_ok(s, len);
	case RT_NAMES: return ident_name_ok(s, len);
	case RT_LABELS:
		return len >= 1 && len <= RECORD_MAX_LABEL && text_ok(s, len) && !has_separator(s);
	default: return 0;
	}
}

static const char *item_rule(enum record_type t)
{
	switch (t) {
	case RT_IDS: return "1..64 bytes of printable ASCII without spaces";
	case RT_NAMES: return "1..32 bytes of printable ASCII without spaces";
	default: return "1..64 bytes of text without control characters or ; ； 、";
	}
}

int record_check(const struct record *r, char *err, size_t err_cap)
{
	const struct record_field *fs;
	size_t n;

	fs = record_fields(r->kind, &n);
	if (fs == NULL) {
		snprintf(err, err_cap, "unknown record kind %u", r->kind);
		return SJ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct record_field *f = &fs[i];
		const char *s;
		size_t len;

		switch (f->type) {
		case RT_ID:
		case RT_NAME:
		case RT_TEXT:
			s = *str_at(r, f);
			if (s == NULL) {
				snprintf(err, err_cap, "%s is missing", f->name);
				return SJ_EINVAL;
			}
			len = strlen(s);
			if (f->type == RT_ID && !ident_ok(s, len)) {
				snprintf(err, err_cap,
				         "%s must be 1..%d bytes of printable ASCII without spaces",
				         f->name, IDENT_MAX);
				return SJ_EINVAL;
			}
			if (f->type == RT_NAME && !ident_name_ok(s, len)) {
				snprintf(err, err_cap,
				         "%s must be 1..%d bytes of printable ASCII without spaces",
				         f->name, IDENT_MAX_NAME);
				return SJ_EINVAL;
			}
			if (f->type == RT_TEXT) {
				if (len > f->max) {
					snprintf(err, err_cap, "%s is %zu bytes, more than %zu",
					         f->name, len, f->max);
					return SJ_EINVAL;
				}
				if (!text_ok(s, len)) {
					snprintf(err, err_cap,
					         "%s holds a control character or is not UTF-8",
					         f->name);
					return SJ_EINVAL;
				}
				if (f->required && len == 0) {
					snprintf(err, err_cap, "%s is empty", f->name);
					return SJ_EINVAL;
				}
			}
			break;
		case RT_ENUM:
			if (record_enum_name(f, *enum_at(r, f)) == NULL) {
				snprintf(err, err_cap, "%s has no value %u", f->name,
				         *enum_at(r, f));
				return SJ_EINVAL;
			}
			break;
		case RT_IDS:
		case RT_NAMES:
		case RT_LABELS: {
			const struct record_list *l = list_at(r, f);
			if (l->n > f->max) {
				snprintf(err, err_cap, "%s has %zu items, more than %zu", f->name,
				         l->n, f->max);
				return SJ_EINVAL;
			}
			for (size_t k = 0; k < l->n; k++) {
				if (l->v[k] == NULL ||
				    !item_ok(f->type, l->v[k], strlen(l->v[k]))) {
					snprintf(err, err_cap, "%s item %zu must be %s", f->name,
					         k + 1, item_rule(f->type));
					return SJ_EINVAL;
				}
				if (k > 0 && strcmp(l->v[k - 1], l->v[k]) >= 0) {
					snprintf(err, err_cap,
					         "%s items are not strictly ascending at item %zu",
					         f->name, k + 1);
					return SJ_EINVAL;
				}
			}
			break;
		}
		}
	}
	return SJ_OK;
}

const char *record_id(const struct record *r)
{
	return r->kind == RECORD_CONFLICT ? r->u.conflict.object : r->u.object.id;
}

int record_key_cmp(const struct record *a, const struct record *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind != RECORD_CONFLICT)
		/* u.object.id and u.person.id are both the first member. */
		return strcmp(a->kind == RECORD_OBJECT ? a->u.object.id : a->u.person.id,
		              b->kind == RECORD_OBJECT ? b->u.object.id : b->u.person.id);
	if (a->u.conflict.person_kind != b->u.conflict.person_kind)
		return a->u.conflict.person_kind < b->u.conflict.person_kind ? -1 : 1;
	c = strcmp(a->u.conflict.object, b->u.conflict.object);
	return c ? c : strcmp(a->u.conflict.person, b->u.conflict.person);
}

int record_field_equal(const struct record *a, const struct record *b, size_t i)
{
	const struct record_field *fs, *f;
	const struct record_list *la, *lb;
	size_t n;

	fs = record_fields(a->kind, &n);
	if (fs == NULL || a->kind != b->kind || i >= n)
		return 0;
	f = &fs[i];
	switch (f->type) {
	case RT_ID:
	case RT_NAME:
	case RT_TEXT: return strcmp(*str_at(a, f), *str_at(b, f)) == 0;
	case RT_ENUM: return *enum_at(a, f) == *enum_at(b, f);
	case RT_IDS:
	case RT_NAMES:
	case RT_LABELS:
		la = list_at(a, f);
		lb = list_at(b, f);
		if (la->n != lb->n)
			return 0;
		for (size_t k = 0; k < la->n; k++)
			if (strcmp(la->v[k], lb->v[k]) != 0)
				return 0;
		return 1;
	}
	return 0;
}

size_t record_field_format(char *buf, size_t cap, const struct record *r, size_t i)
{
	const struct record_field *fs, *f;
	size_t n, total = 0;

	if (cap > 0)
		buf[0] = '\0';
	fs = record_fields(r->kind, &n);
	if (fs == NULL || i >= n)
		return 0;
	f = &fs[i];
	switch (f->type) {
	case RT_ID:
	case RT_NAME:
	case RT_TEXT: {
		int w = snprintf(buf, cap, "%s", *str_at(r, f));
		return w < 0 ? 0 : (size_t)w;
	}
	case RT_ENUM: {
		const char *name = record_enum_name(f, *enum_at(r, f));
		int w = snprintf(buf, cap, "%s", name ? name : "?");
		return w < 0 ? 0 : (size_t)w;
	}
	case RT_IDS:
	case RT_NAMES:
	case RT_LABELS: {
		const struct record_list *l = list_at(r, f);
		for (size_t k = 0; k < l->n; k++) {
			int w =
			    snprintf(total < cap ? buf + total : NULL,
			             total < cap ? cap - total : 0, "%s%s", k ? ";" : "", l->v[k]);
			if (w < 0)
				break;
			total += (size_t)w;
		}
		return total;
	}
	}
	return 0;
}

/* The encoder writes into a buffer of the exact size, computed first. */
static size_t encoded_size(const struct record *r, const struct record_field *fs, size_t n)
{
	size_t size = 6;

	for (size_t i = 0; i < n; i++) {
		const struct record_field *f = &fs[i];
		switch (f->type) {
		case RT_ID:
		case RT_NAME: size += 1 + strlen(*str_at(r, f)); break;
		case RT_TEXT: size += 2 + strlen(*str_at(r, f)); break;
		case RT_ENUM: size += 1; break;
		case RT_IDS:
		case RT_NAMES:
		case RT_LABELS: {
			const struct record_list *l = list_at(r, f);
			size += 1;
			for (size_t k = 0; k < l->n; k++)
				size += 1 + strlen(l->v[k]);
			break;
		}
		}
	}
	return size;
}

int record_encode(uint8_t **out, size_t *len, const struct record *r, char *err, size_t err_cap)
{
	const struct record_field *fs;
	size_t n, size, off = 0;
	uint8_t *b;
	int rc;

	if ((rc = record_check(r, err, err_cap)) != SJ_OK)
		return rc;
	fs = record_fields(r->kind, &n);
	size = encoded_size(r, fs, n);
	b = malloc(size);
	if (b == NULL)
		return SJ_ENOMEM;
	memcpy(b, "SJDR", 4);
	b[4] = 1;
	b[5] = (uint8_t)r->kind;
	off = 6;
	for (size_t i = 0; i < n; i++) {
		const struct record_field *f = &fs[i];
		size_t sl;
		switch (f->type) {
		case RT_ID:
		case RT_NAME:
			sl = strlen(*str_at(r, f));
			b[off++] = (uint8_t)sl;
			memcpy(b + off, *str_at(r, f), sl);
			off += sl;
			break;
		case RT_TEXT:
			sl = strlen(*str_at(r, f));
			b[off++] = (uint8_t)(sl >> 8);
			b[off++] = (uint8_t)sl;
			memcpy(b + off, *str_at(r, f), sl);
			off += sl;
			break;
		case RT_ENUM: b[off++] = (uint8_t)*enum_at(r, f); break;
		case RT_IDS:
		case RT_NAMES:
		case RT_LABELS: {
			const struct record_list *l = list_at(r, f);
			b[off++] = (uint8_t)l->n;
			for (size_t k = 0; k < l->n; k++) {
				sl = strlen(l->v[k]);
				b[off++] = (uint8_t)sl;
				memcpy(b + off, l->v[k], sl);
				off += sl;
			}
			break;
		}
		}
	}
	/* record_check bounds every length, so the bytes fit their fields. */
	*out = b;
	*len = off;
	return SJ_OK;
}

/* A reader over an encoding. With fill 0 it only measures; with fill 1 it
 * writes the record into blk, list arrays at pp and strings at sp, which
 * the measuring pass sized, so neither can overflow. */
struct rd {
	const uint8_t *b;
	size_t len, off;
	int fill;
	char *blk, *sp;
	const char **pp;
	size_t strs, ptrs;
};

static int rd_str(struct rd *d, size_t lenbytes, const char **out)
{
	size_t sl;

	if (d->len - d->off < lenbytes)
		return SJ_EINVAL;
	sl = d->b[d->off++];
	if (lenbytes == 2)
		sl = (sl << 8) | d->b[d->off++];
	if (d->len - d->off < sl)
		return SJ_EINVAL;
	if (d->fill) {
		memcpy(d->sp, d->b + d->off, sl);
		d->sp[sl] = '\0';
		*out = d->sp;
		d->sp += sl + 1;
	}
	d->strs += sl + 1;
	d->off += sl;
	return SJ_OK;
}

static int read_fields(struct rd *d, const struct record_field *fs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct record_field *f = &fs[i];
		char *at = d->fill ? d->blk + f->offset : NULL;
		const char *dummy;
		size_t cnt;

		switch (f->type) {
		case RT_ID:
		case RT_NAME:
		case RT_TEXT:
			if (rd_str(d, f->type == RT_TEXT ? 2 : 1,
			           d->fill ? (const char **)(void *)at : &dummy) != SJ_OK)
				return SJ_EINVAL;
			break;
		case RT_ENUM:
			if (d->len - d->off < 1)
				return SJ_EINVAL;
			if (d->fill)
				*(unsigned *)(void *)at = d->b[d->off];
			d->off++;
			break;
		case RT_IDS:
		case RT_NAMES:
		case RT_LABELS:
			if (d->len - d->off < 1)
				return SJ_EINVAL;
			cnt = d->b[d->off++];
			if (d->fill) {
				struct record_list *l = (struct record_list *)(void *)at;
				l->v = d->pp;
				l->n = cnt;
			}
			for (size_t k = 0; k < cnt; k++) {
				if (rd_str(d, 1, d->fill ? d->pp + k : &dummy) != SJ_OK)
					return SJ_EINVAL;
			}
			if (d->fill)
				d->pp += cnt;
			d->ptrs += cnt;
			break;
		}
	}
	return SJ_OK;
}

int record_decode(struct record **out, const uint8_t *bytes, size_t len, char *err, size_t err_cap)
{
	const struct record_field *fs;
	struct rd d = {0};
	struct record *r;
	uint8_t *again = NULL;
	size_t n, again_len, need;
	int rc;

	if (len > RECORD_MAX_SIZE) {
		snprintf(err, err_cap, "record is %zu bytes, more than %d", len, RECORD_MAX_SIZE);
		return SJ_ERANGE;
	}
	if (len < 6 || memcmp(bytes, "SJDR", 4) != 0 || bytes[4] != 1) {
		snprintf(err, err_cap, "not a version 1 directory record (magic \"SJDR\")");
		return SJ_EINVAL;
	}
	fs = record_fields(bytes[5], &n);
	if (fs == NULL) {
		snprintf(err, err_cap, "unknown record kind %u", bytes[5]);
		return SJ_EINVAL;
	}
	d.b = bytes;
	d.len = len;
	d.off = 6;
	if (read_fields(&d, fs, n) != SJ_OK) {
		snprintf(err, err_cap, "record ends inside a field");
		return SJ_EINVAL;
	}
	if (d.off != len) {
		snprintf(err, err_cap, "%zu bytes after the last field", len - d.off);
		return SJ_EINVAL;
	}
	/* The record, then the list arrays, then the strings: struct record
	 * holds pointers, so the arrays after it are aligned. */
	need = sizeof *r + d.ptrs * sizeof(char *) + d.strs;
	r = calloc(1, need);
	if (r == NULL)
		return SJ_ENOMEM;
	r->kind = bytes[5];
	d.fill = 1;
	d.off = 6;
	d.blk = (char *)r;
	d.pp = (const char **)(void *)(r + 1);
	d.sp = (char *)(d.pp + d.ptrs);
	d.strs = d.ptrs = 0;
	if (read_fields(&d, fs, n) != SJ_OK) {
		rc = SJ_EINVAL; /* cannot happen: the first pass read the same bytes */
		snprintf(err, err_cap, "record ends inside a field");
		goto free_r;
	}
	/* Canonical: the fields obey their rules, and encoding them again
	 * gives these bytes (which also refuses unsorted or repeated list
	 * items and unknown enum values). */
	if ((rc = record_encode(&again, &again_len, r, err, err_cap)) != SJ_OK)
		goto free_r;
	if (again_len != len || memcmp(again, bytes, len) != 0) {
		snprintf(err, err_cap, "record is not in its canonical encoding");
		rc = SJ_EINVAL;
		goto free_again;
	}
	free(again);
	*out = r;
	return SJ_OK;
free_again:
	free(again);
free_r:
	free(r);
	return rc;
}

void record_hash(uint8_t out[RECORD_HASH_SIZE], const uint8_t *bytes, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)record_hash_tag, sizeof record_hash_tag);
	crypto_hash_sha256_update(&st, bytes, len);
	crypto_hash_sha256_final(&st, out);
}
