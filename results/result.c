/*
 * result.c: the result record of R16, its state machine, who may move it,
 * and its deadline (R15). The table of transitions is in result.h; it is
 * coded once, in result_next, and once more for the actors, in result_may.
 *
 * result_apply works on a copy and writes the caller's record only after
 * every check passed, so a refused step leaves no half-applied change.
 */
#define _POSIX_C_SOURCE 200809L
#include "results/result.h"

#include "common/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(int rc, char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t err_cap, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_cap > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_cap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void result_init(struct result *r)
{
	memset(r, 0, sizeof *r);
	r->check_date = r->check_end = r->lab_date = RESULT_NO_DATE;
	r->entered_on = r->reviewed_on = r->published_on = r->closed_on = r->last_on =
	    RESULT_NO_DATE;
	r->state = RESULT_NOT_ENTERED;
	r->followup = RESULT_FOLLOWUP_NONE;
}

/* ---- Labels ---- */

static const char *const category_labels[RESULT_CAT_COUNT] = {
    [RESULT_CAT_NONE_FOUND] = "未发现问题",
    [RESULT_CAT_NOT_DISCLOSED] = "未按规定公示应当公示的信息",
    [RESULT_CAT_FALSE_DISCLOSURE] = "公示信息隐瞒真实情况、弄虚作假",
    [RESULT_CAT_UNREACHABLE] = "通过登记的住所（经营场所）无法联系",
    [RESULT_CAT_CORRECTED] = "发现问题经责令已改正",
    [RESULT_CAT_PENDING] = "发现问题待后续处理",
    [RESULT_CAT_NO_ACTIVITY] = "未发现开展本次抽查涉及的经营活动",
    [RESULT_CAT_OBSTRUCTED] = "不配合检查情节严重",
    [RESULT_CAT_SHUT] = "已关闭停业或正在组织清算",
    [RESULT_CAT_DEREGISTERED] = "已注销",
    [RESULT_CAT_LICENCE_REVOKED] = "被吊销",
    [RESULT_CAT_RESCINDED] = "被撤销",
    [RESULT_CAT_MOVED_OUT] = "迁出",
};

const char *result_category_label(enum result_category c)
{
	return (unsigned)c < RESULT_CAT_COUNT ? category_labels[c] : NULL;
}

int result_category_parse(enum result_category *out, const char *label)
{
	for (unsigned c = 0; label != NULL && c < RESULT_CAT_COUNT; c++) {
		if (strcmp(label, category_labels[c]) == 0) {
			*out = (enum result_category)c;
			return SJ_OK;
		}
	}
	return SJ_ENOENT;
}

const char *result_state_label(enum result_state s)
{
	switch (s) {
	case RESULT_NOT_ENTERED: return "未录入";
	case RESULT_ENTERED: return "待审核";
	case RESULT_RETURNED: return "已退回";
	case RESULT_REVIEWED: return "审核通过";
	case RESULT_PUBLISHED: return "已公示";
	case RESULT_CLOSED: return "已办结";
	}
	return NULL;
}

const char *result_state_name(enum result_state s)
{
	switch (s) {
	case RESULT_NOT_ENTERED: return "not entered";
	case RESULT_ENTERED: return "entered";
	case RESULT_RETURNED: return "returned";
	case RESULT_REVIEWED: return "reviewed";
	case RESULT_PUBLISHED: return "published";
	case RESULT_CLOSED: return "closed";
	}
	return "unknown";
}

const char *result_followup_label(enum result_followup f)
{
	switch (f) {
	case RESULT_FOLLOWUP_NONE: return "无需后续处理";
	case RESULT_FOLLOWUP_OPEN: return "后续处理中";
	case RESULT_FOLLOWUP_DONE: return "后续处理已办结";
	}
	return NULL;
}

const char *result_action_name(enum result_action a)
{
	switch (a) {
	case RESULT_ENTER: return "enter";
	case RESULT_REVIEW: return "review";
	case RESULT_RETURN: return "return";
	case RESULT_AMEND: return "amend";
	case RESULT_PUBLISH: return "publish";
	case RESULT_FOLLOW: return "follow up";
	case RESULT_CLOSE: return "close";
	case RESULT_RECHECK: return "re-check";
	}
	return "unknown";
}

static const char *role_name(enum result_role r)
{
	switch (r) {
	case RESULT_ROLE_OPERATOR: return "operator";
	case RESULT_ROLE_REVIEWER: return "legal reviewer";
	case RESULT_ROLE_SUPERVISOR: return "justice-bureau supervisor";
	}
	return "unknown role";
}

/* ---- Text ---- */

int result_text_ok(const char *s, size_t cap, int allow_lf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i = 0, n;

	/* strnlen, not memchr: s may be a borrowed string shorter than cap. */
	if (s == NULL || (len = strnlen(s, cap)) == cap)
		return 0;
	while (i < len) {
		if ((u[i] < 0x20 && !(allow_lf && u[i] == '\n')) || u[i] == 0x7f)
			return 0;
		if ((n = utf8_next(u + i, len - i, NULL)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* A text field that must be given: valid and not empty. */
static int need_text(const char *s, size_t cap, int allow_lf)
{
	return result_text_ok(s, cap, allow_lf) && s[0] != '\0';
}

/* ---- Who and in what order ---- */

int result_may(enum result_action action, enum result_role role, const char *actor_agency,
               const char *record_agency)
{
	int same;

	if (role != RESULT_ROLE_OPERATOR && role != RESULT_ROLE_REVIEWER &&
	    role != RESULT_ROLE_SUPERVISOR)
		return SJ_EINVAL;
	same = actor_agency != NULL && record_agency != NULL && actor_agency[0] != '\0' &&
	       strcmp(actor_agency, record_agency) == 0;
	switch (action) {
	case RESULT_ENTER:
	case RESULT_AMEND:
	case RESULT_PUBLISH:
	case RESULT_FOLLOW:
	case RESULT_CLOSE:
		/* 谁检查、谁录入、谁公开: only the checking agency. */
		return role == RESULT_ROLE_OPERATOR && same ? SJ_OK : SJ_EPERM;
	case RESULT_REVIEW:
	case RESULT_RETURN:
		/* 法制审核 is done inside the agency whose result it is. */
		return role == RESULT_ROLE_REVIEWER && same ? SJ_OK : SJ_EPERM;
	case RESULT_RECHECK:
		/* 复查复核: the justice bureau supervises every agency (R19). */
		return role == RESULT_ROLE_SUPERVISOR ? SJ_OK : SJ_EPERM;
	}
	return SJ_EINVAL;
}

int result_next(enum result_state *to, enum result_state from, enum result_action action)
{
	enum result_state t;

	switch (action) {
	case RESULT_ENTER:
		if (from != RESULT_NOT_ENTERED)
			return SJ_EINVAL;
		t = RESULT_ENTERED;
		break;
	case RESULT_REVIEW:
		if (from != RESULT_ENTERED)
			return SJ_EINVAL;
		t = RESULT_REVIEWED;
		break;
	case RESULT_RETURN:
		if (from != RESULT_ENTERED)
			return SJ_EINVAL;
		t = RESULT_RETURNED;
		break;
	case RESULT_AMEND:
		if (from != RESULT_RETURNED)
			return SJ_EINVAL;
		t = RESULT_ENTERED;
		break;
	case RESULT_PUBLISH:
		if (from != RESULT_REVIEWED)
			return SJ_EINVAL;
		t = RESULT_PUBLISHED;
		break;
	case RESULT_FOLLOW:
		if (from != RESULT_PUBLISHED)
			return SJ_EINVAL;
		t = RESULT_PUBLISHED;
		break;
	case RESULT_CLOSE:
		if (from != RESULT_PUBLISHED)
			return SJ_EINVAL;
		t = RESULT_CLOSED;
		break;
	case RESULT_RECHECK:
		if (from != RESULT_PUBLISHED && from != RESULT_CLOSED)
			return SJ_EINVAL;
		t = RESULT_RETURNED;
		break;
	default: return SJ_EINVAL;
	}
	*to = t;
	return SJ_OK;
}

/* What must happen first, for the message that refuses an out-of-order step. */
static const char *order_hint(enum result_action a)
{
	switch (a) {
	case RESULT_ENTER: return "a result is entered once; a returned one is amended";
	case RESULT_REVIEW:
	case RESULT_RETURN: return "only an entered result awaits review";
	case RESULT_AMEND: return "only a returned result is amended";
	case RESULT_PUBLISH: return "a result is published only after legal review";
	case RESULT_FOLLOW:
	case RESULT_CLOSE: return "follow-up starts when the result is published";
	case RESULT_RECHECK: return "only a published result is re-checked";
	}
	return "unknown action";
}

/* ---- Content ---- */

int result_validate(const struct result *r, char *err, size_t err_cap)
{
	uint32_t c;

	if (r == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no result");
	if (!need_text(r->agency, sizeof r->agency, 0))
		return fail(SJ_EINVAL, err, err_cap, "agency: missing or not text");
	if (!need_text(r->task, sizeof r->task, 0))
		return fail(SJ_EINVAL, err, err_cap, "task: missing or not text");
	if (!need_text(r->object, sizeof r->object, 0))
		return fail(SJ_EINVAL, err, err_cap, "object: missing or not text");
	if (r->check_date == RESULT_NO_DATE || r->check_end == RESULT_NO_DATE) {
		return fail(SJ_EINVAL, err, err_cap, "check date: missing (R16)");
	} else {
		int y, m, d, y2, m2, d2;
		calendar_ymd(r->check_date, &y, &m, &d);
		calendar_ymd(r->check_end, &y2, &m2, &d2);
		if (y == 0 || y2 == 0)
			return fail(SJ_EINVAL, err, err_cap, "check date: not a date");
		if (r->check_end < r->check_date)
			return fail(SJ_EINVAL, err, err_cap,
			            "check date: the check ends before it "
			            "starts");
	}
	if (r->n_items < 1 || r->n_items > RESULT_MAX_ITEMS)
		return fail(SJ_EINVAL, err, err_cap, "items: %zu items, not 1..%d (R16)",
		            r->n_items, RESULT_MAX_ITEMS);
	for (size_t i = 0; i < r->n_items; i++)
		if (!need_text(r->items[i], sizeof r->items[i], 0))
			return fail(SJ_EINVAL, err, err_cap, "items: item %zu missing or not text",
			            i + 1);
	if (!need_text(r->account, sizeof r->account, 1))
		return fail(SJ_EINVAL, err, err_cap, "account: missing or not text (R16)");

	c = r->categories;
	if (c == 0)
		return fail(SJ_EINVAL, err, err_cap, "categories: none given");
	if ((c & ~RESULT_CAT_ALL) != 0)
		return fail(SJ_EINVAL, err, err_cap, "categories: unknown bits 0x%x",
		            (unsigned)(c & ~RESULT_CAT_ALL));
	if ((c & RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND)) != 0 &&
	    c != RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND))
		return fail(SJ_EINVAL, err, err_cap,
		            "categories: 未发现问题 cannot stand with another category");
	if (!result_text_ok(r->handling, sizeof r->handling, 1))
		return fail(SJ_EINVAL, err, err_cap, "handling: not text");
	if (r->handling[0] == '\0' && c != RESULT_CAT_BIT(RESULT_CAT_NONE_FOUND))
		return fail(SJ_EINVAL, err, err_cap, "handling: missing (R16: 处理情况)");
	if (r->lab_test != 0 && r->lab_test != 1)
		return fail(SJ_EINVAL, err, err_cap, "lab test: must be 0 or 1");
	if (r->lab_date != RESULT_NO_DATE) {
		int y, m, d;
		calendar_ymd(r->lab_date, &y, &m, &d);
		if (!r->lab_test || y == 0 || r->lab_date < r->check_end)
			return fail(SJ_EINVAL, err, err_cap,
			            "lab date: given without a lab test, not a date, or before the "
			            "check ended");
	}
	return SJ_OK;
}

/* ---- Steps ---- */

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

int result_apply(struct result *r, const struct result_step *s, char *err, size_t err_cap)
{
	struct result next;
	enum result_state to;
	const char *agency;
	char day[CALENDAR_DATE_LEN + 1], last[CALENDAR_DATE_LEN + 1];
	int y, m, d, rc;

	if (r == NULL || s == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no result or no step");
	if (!need_text(r->agency, sizeof r->agency, 0))
		return fail(SJ_EINVAL, err, err_cap, "the result names no agency");
	agency = s->actor.agency != NULL ? s->actor.agency : "";
	if (s->actor.id == NULL || s->actor.id[0] == '\0' ||
	    !result_text_ok(s->actor.id, RESULT_MAX_ID + 1, 0))
		return fail(SJ_EINVAL, err, err_cap,
		            "the actor has no identifier (R18: every step "
		            "names who took it)");

	rc = result_may(s->action, s->actor.role, agency, r->agency);
	if (rc == SJ_EPERM)
		return fail(rc, err, err_cap, "a %s of '%.64s' may not %s a result of '%s'",
		            role_name(s->actor.role), agency, result_action_name(s->action),
		            r->agency);
	if (rc != SJ_OK)
		return fail(rc, err, err_cap, "unknown action or role");
	if (result_next(&to, r->state, s->action) != SJ_OK)
		return fail(SJ_EINVAL, err, err_cap, "cannot %s a result that is %s: %s",
		            result_action_name(s->action), result_state_name(r->state),
		            order_hint(s->action));

	calendar_ymd(s->day, &y, &m, &d);
	if (y == 0)
		return fail(SJ_EINVAL, err, err_cap, "the step has no date");
	calendar_date_format(day, s->day);
	if (r->last_on != RESULT_NO_DATE && s->day < r->last_on) {
		calendar_date_format(last, r->last_on);
		return fail(SJ_EINVAL, err, err_cap, "%s on %s is before the last step, on %s",
		            result_action_name(s->action), day, last);
	}
	if ((s->action == RESULT_RETURN || s->action == RESULT_RECHECK ||
	     s->action == RESULT_FOLLOW) &&
	    (s->reason == NULL || s->reason[0] == '\0' ||
	     !result_text_ok(s->reason, RESULT_MAX_TEXT + 1, 1)))
		return fail(SJ_EINVAL, err, err_cap, "%s needs a %s of at most %d bytes",
		            result_action_name(s->action),
		            s->action == RESULT_FOLLOW ? "note" : "reason", RESULT_MAX_TEXT);

	next = *r;
	switch (s->action) {
	case RESULT_ENTER:
	case RESULT_AMEND:
		if ((rc = result_validate(r, err, err_cap)) != SJ_OK)
			return rc;
		if (s->day < r->check_end)
			return fail(SJ_EINVAL, err, err_cap,
			            "a result is entered after the check "
			            "ends, not on %s",
			            day);
		copy_text(next.entered_by, sizeof next.entered_by, s->actor.id);
		next.entered_on = s->day;
		next.reviewed_by[0] = '\0';
		next.reviewed_on = RESULT_NO_DATE;
		break;
	case RESULT_REVIEW:
		if (strcmp(r->entered_by, s->actor.id) == 0)
			return fail(SJ_EPERM, err, err_cap,
			            "'%s' entered this result and may not "
			            "also approve it (法制审核 needs a second "
			            "person)",
			            s->actor.id);
		copy_text(next.reviewed_by, sizeof next.reviewed_by, s->actor.id);
		next.reviewed_on = s->day;
		break;
	case RESULT_RETURN:
	case RESULT_RECHECK:
		copy_text(next.reason, sizeof next.reason, s->reason);
		next.returns++;
		next.reviewed_by[0] = '\0';
		next.reviewed_on = RESULT_NO_DATE;
		break;
	case RESULT_PUBLISH:
		if (next.published_on == RESULT_NO_DATE)
			next.published_on = s->day;
		next.closed_on = RESULT_NO_DATE;
		next.followup = (r->categories & RESULT_CAT_BIT(RESULT_CAT_PENDING)) != 0
		                    ? RESULT_FOLLOWUP_OPEN
		                    : RESULT_FOLLOWUP_NONE;
		break;
	case RESULT_FOLLOW:
		if (r->followup != RESULT_FOLLOWUP_OPEN)
			return fail(SJ_EINVAL, err, err_cap, "no follow-up is open on this result");
		copy_text(next.note, sizeof next.note, s->reason);
		break;
	case RESULT_CLOSE:
		if (next.followup == RESULT_FOLLOWUP_OPEN)
			next.followup = RESULT_FOLLOWUP_DONE;
		next.closed_on = s->day;
		break;
	}
	next.state = to;
	next.last_on = s->day;
	*r = next;
	return SJ_OK;
}

/* ---- Deadline ---- */

int result_due(int32_t *out, const struct calendar *cal, const struct result *r, char *err,
               size_t err_cap)
{
	if (r == NULL || out == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no result");
	if (r->lab_test) {
		if (r->lab_date == RESULT_NO_DATE)
			return fail(SJ_ENOENT, err, err_cap,
			            "R15: a lab-tested result is due %d working days after the "
			            "objection period ends or the re-test result is served, and "
			            "neither date is recorded yet",
			            RESULT_DUE_LAB);
		return calendar_add_working_days(out, cal, r->lab_date, RESULT_DUE_LAB, err,
		                                 err_cap);
	}
	if (r->check_end == RESULT_NO_DATE)
		return fail(SJ_EINVAL, err, err_cap, "the result has no check end date");
	return calendar_add_working_days(out, cal, r->check_end, RESULT_DUE_DAYS, err, err_cap);
}

int result_overdue(int *overdue, const struct calendar *cal, const struct result *r, int32_t today,
                   char *err, size_t err_cap)
{
	int32_t due;
	int rc;

	if (overdue == NULL)
		return fail(SJ_EINVAL, err, err_cap, "no output");
	if ((rc = result_due(&due, cal, r, err, err_cap)) != SJ_OK)
		return rc;
	if (r->published_on != RESULT_NO_DATE)
		*overdue = r->published_on > due;
	else
		*overdue = today > due;
	return SJ_OK;
}
