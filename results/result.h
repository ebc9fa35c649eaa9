/*
 * result.h: the result of one check of one object by one agency (R16), the
 * states it goes through until it is published and its follow-up closed,
 * who may move it, and when it is due (R15). Pure code: no I/O, no globals,
 * no clock; "today" is always an argument.
 *
 * A result is plain C data with fixed-size, NUL-terminated strings, so it
 * can be copied, compared and stored without an allocator. The checking
 * agency fills the content fields; result_apply alone writes the fields
 * under "kept by result_apply".
 *
 * States and transitions (docs/results.md has the same table):
 *
 *   FROM                 ACTION    TO          WHO (role, agency)
 *   not entered          enter     entered     operator of the record's agency
 *   entered              review    reviewed    legal reviewer of that agency,
 *                                              not the one who entered it
 *   entered              return    returned    legal reviewer of that agency;
 *                                              a reason is required
 *   returned             amend     entered     operator of the record's agency
 *   reviewed             publish   published   operator of the record's agency
 *   published            follow    published   operator; follow-up open only
 *   published            close     closed      operator of the record's agency
 *   published, closed    recheck   returned    justice-bureau supervisor, any
 *                                              agency; a reason is required
 *
 * Anything else is refused (SJ_EINVAL) and leaves the result unchanged.
 * "Returned" is the platform's 退回/驳回: the entry goes back to the
 * agency that entered it, with the reason, and comes back as "entered"
 * only through amend. 谁检查、谁录入、谁公开: the checking agency enters
 * and publishes its own result; in a joint check (R14) each member agency
 * has its own result.
 *
 * Follow-up: publishing opens the follow-up when the categories include
 * RESULT_CAT_PENDING (发现问题待后续处理), and otherwise records that none
 * is needed; close ends it.
 */
#ifndef SUIJI_RESULTS_RESULT_H
#define SUIJI_RESULTS_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "results/calendar.h"

#define RESULT_MAX_AGENCY 64 /* as a ledger entry's agency code */
#define RESULT_MAX_ID     64 /* task, object, item and actor identifiers */
#define RESULT_MAX_ITEMS  32
#define RESULT_MAX_TEXT   1024 /* account, handling, reasons, notes */
#define RESULT_NO_DATE    INT32_MIN
#define RESULT_DUE_DAYS   20 /* working days after the check ends (R15) */
#define RESULT_DUE_LAB    5  /* working days after the lab-test objection period (R15) */

/* Result categories (抽查结果), as the enterprise credit publicity system
 * uses them. Several may apply to one result; a result holds them as a
 * bit set, bit (1u << category). */
enum result_category {
	RESULT_CAT_NONE_FOUND = 0,   /* 未发现问题 */
	RESULT_CAT_NOT_DISCLOSED,    /* 未按规定公示应当公示的信息 */
	RESULT_CAT_FALSE_DISCLOSURE, /* 公示信息隐瞒真实情况、弄虚作假 */
	RESULT_CAT_UNREACHABLE,      /* 通过登记的住所（经营场所）无法联系 */
	RESULT_CAT_CORRECTED,        /* 发现问题经责令已改正 */
	RESULT_CAT_PENDING,          /* 发现问题待后续处理 */
	RESULT_CAT_NO_ACTIVITY,      /* 未发现开展本次抽查涉及的经营活动 */
	RESULT_CAT_OBSTRUCTED,       /* 不配合检查情节严重 */
	RESULT_CAT_SHUT,             /* 已关闭停业或正在组织清算 */
	RESULT_CAT_DEREGISTERED,     /* 已注销 */
	RESULT_CAT_LICENCE_REVOKED,  /* 被吊销 */
	RESULT_CAT_RESCINDED,        /* 被撤销 */
	RESULT_CAT_MOVED_OUT,        /* 迁出 */
	RESULT_CAT_COUNT
};

#define RESULT_CAT_BIT(c) (1u << (c))
#define RESULT_CAT_ALL    ((1u << RESULT_CAT_COUNT) - 1u)

enum result_state {
	RESULT_NOT_ENTERED = 0, /* 未录入 */
	RESULT_ENTERED,         /* 待审核 */
	RESULT_RETURNED,        /* 已退回 */
	RESULT_REVIEWED,        /* 审核通过 */
	RESULT_PUBLISHED,       /* 已公示 */
	RESULT_CLOSED,          /* 已办结 */
};

enum result_followup {
	RESULT_FOLLOWUP_NONE = 0, /* 无需后续处理 */
	RESULT_FOLLOWUP_OPEN,     /* 后续处理中 */
	RESULT_FOLLOWUP_DONE,     /* 后续处理已办结 */
};

enum result_role {
	RESULT_ROLE_OPERATOR = 1, /* an enforcement officer or operator of an agency */
	RESULT_ROLE_REVIEWER,     /* the agency's legal reviewer (法制审核) */
	RESULT_ROLE_SUPERVISOR,   /* the justice bureau (市司法局), R19 */
};

enum result_action {
	RESULT_ENTER = 1,
	RESULT_REVIEW,
	RESULT_RETURN,
	RESULT_AMEND,
	RESULT_PUBLISH,
	RESULT_FOLLOW,
	RESULT_CLOSE,
	RESULT_RECHECK,
};

struct result {
	/* Content, entered by the checking agency. */
	char agency[RESULT_MAX_AGENCY + 1]; /* the checking agency's code: 谁检查、谁录入 */
	char task[RESULT_MAX_ID + 1];       /* the task (抽查任务) number */
	char object[RESULT_MAX_ID + 1];     /* the object's identifier, e.g. its USCC */
	int32_t check_date;                 /* first day of the check */
	int32_t check_end;                  /* last day; the 20 working days run from it */
	char items[RESULT_MAX_ITEMS][RESULT_MAX_ID + 1]; /* item (事项) identifiers checked */
	size_t n_items;
	char account[RESULT_MAX_TEXT + 1];  /* a short account of the findings; never public */
	uint32_t categories;                /* RESULT_CAT_BIT set, at least one */
	char handling[RESULT_MAX_TEXT + 1]; /* 处理情况; never public */
	int lab_test;                       /* 1 when the check needs lab testing */
	int32_t lab_date;                   /* the objection period's end or the re-test
	                                     * result's service; RESULT_NO_DATE until known */

	/* Kept by result_apply. */
	enum result_state state;
	enum result_followup followup;
	char entered_by[RESULT_MAX_ID + 1];  /* actor id of the last enter or amend */
	char reviewed_by[RESULT_MAX_ID + 1]; /* actor id of the approving review */
	int32_t entered_on, reviewed_on;
	int32_t published_on; /* the first publication; kept after a recheck */
	int32_t closed_on;
	int32_t last_on;                  /* day of the last action */
	char reason[RESULT_MAX_TEXT + 1]; /* why it was last returned; never public */
	char note[RESULT_MAX_TEXT + 1];   /* the last follow-up note; never public */
	unsigned returns;                 /* how often it was returned */
};

/* Who acts: role, agency code and an identifier (borrowed). */
struct result_actor {
	enum result_role role;
	const char *agency;
	const char *id;
};

/* One step: what, by whom, on which day, and why (borrowed). The reason is
 * required for return and recheck, the note text for follow. */
struct result_step {
	enum result_action action;
	struct result_actor actor;
	int32_t day;
	const char *reason;
};

/* Sets every field to empty: state not entered, all dates RESULT_NO_DATE. */
void result_init(struct result *r);

/* The Chinese label of a category, state or follow-up state, or NULL. */
const char *result_category_label(enum result_category c);
const char *result_state_label(enum result_state s);
const char *result_followup_label(enum result_followup f);
/* A short English name of a state or action, for messages ("entered"). */
const char *result_state_name(enum result_state s);
const char *result_action_name(enum result_action a);

/* The category whose label is exactly label. Errors: SJ_ENOENT. */
SJ_WUR int result_category_parse(enum result_category *out, const char *label);

/*
 * Whether an actor with role in agency actor_agency may take action on a
 * result of record_agency (both borrowed, NUL-terminated): the WHO column
 * above. Pure: it looks at nothing else. Returns SJ_OK or SJ_EPERM, or
 * SJ_EINVAL for an unknown action or role.
 */
SJ_WUR int result_may(enum result_action action, enum result_role role, const char *actor_agency,
                      const char *record_agency);

/*
 * The state action leads to from from, per the table above. Errors:
 * SJ_EINVAL (the action is out of order in from, or unknown; *to untouched).
 */
SJ_WUR int result_next(enum result_state *to, enum result_state from, enum result_action action);

/*
 * Checks the content fields: agency, task, object, item identifiers and
 * texts are NUL-terminated UTF-8 without control bytes (account and
 * handling may hold LF); check_date <= check_end; 1..RESULT_MAX_ITEMS
 * items; at least one category, only known ones, and 未发现问题 alone;
 * handling is given unless the only category is 未发现问题; a lab date,
 * when known, is not before check_end. Errors: SJ_EINVAL naming the field.
 */
SJ_WUR int result_validate(const struct result *r, char *err, size_t err_cap);

/*
 * Applies step s to r: checks the actor (result_may; a reviewer must not
 * approve what they entered themselves), the order (result_next), that
 * s->day is a date not before the last action nor, for enter, before
 * check_end, and for enter and amend the content (result_validate); then
 * moves r. On any error r is unchanged. Errors: SJ_EPERM (the actor may
 * not), SJ_EINVAL (out of order, bad day, missing reason, bad content),
 * each explained in err.
 */
SJ_WUR int result_apply(struct result *r, const struct result_step *s, char *err, size_t err_cap);

/*
 * The last day to publish r (R15): RESULT_DUE_DAYS working days after
 * check_end, or, for a lab test, RESULT_DUE_LAB working days after
 * lab_date. Errors: SJ_EINVAL (no check_end), SJ_ENOENT (a lab test whose
 * lab_date is not known yet, or a year without a calendar, named in err).
 */
SJ_WUR int result_due(int32_t *out, const struct calendar *cal, const struct result *r, char *err,
                      size_t err_cap);

/*
 * *overdue = 1 when r missed its due day: it was first published after it,
 * or it is not published and today is after it; else 0. Errors: those of
 * result_due.
 */
SJ_WUR int result_overdue(int *overdue, const struct calendar *cal, const struct result *r,
                          int32_t today, char *err, size_t err_cap);

/*
 * 1 when s[0..cap) holds a NUL within cap and before it valid UTF-8 with
 * no control byte (LF allowed when allow_lf) and no DEL; else 0. Shared
 * with results/publish.c.
 */
int result_text_ok(const char *s, size_t cap, int allow_lf);

#endif
