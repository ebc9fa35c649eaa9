/*
 * fuzz_planspec.c: libFuzzer target for the JSON of item lists, plans and
 * tasks (wire/planspec.c), which suijid reads from an operator's file and
 * suiji from a user's before signing it.
 *
 * The first byte chooses the builder (0 item list, 1 plan, 2 task, modulo
 * 3); the rest is the JSON. Beyond "no crash and no sanitizer report",
 * every input checks:
 *   - only SJ_OK, SJ_EINVAL, SJ_EIO (not a JSON object) or SJ_ENOMEM come
 *     back;
 *   - a refusal leaves *out NULL and says why, naming the input; an
 *     SJ_EINVAL names the field by its path (`field "items[0].ratio" ...`);
 *   - an acceptance is a payload that decodes as the builder's message,
 *     packs again to the same bytes, and whose agency is the one the
 *     builder reports in its info (for an item list, the agency passed in);
 *     every ratio has a non-zero denominator.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/planspec.h"
#include "proto/plans.pb-c.h"

#define FUZZ_MAX_INPUT (256u * 1024u)
#define NAME           "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The payload packs back to exactly the bytes it was decoded from. */
static void check_repack(const ProtobufCMessage *m, const uint8_t *p, size_t len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *again;
	if (n != len)
		abort();
	again = malloc(n ? n : 1);
	if (again == NULL)
		abort();
	if (protobuf_c_message_pack(m, again) != n || memcmp(again, p, n) != 0)
		abort();
	free(again);
}

static void check_items(const uint8_t *p, size_t len, const struct planspec_info *info)
{
	Suiji__ItemList *m = suiji__item_list__unpack(NULL, len, p);
	if (m == NULL || strcmp(m->agency, "scjg") != 0 || strcmp(info->agency, "scjg") != 0 ||
	    m->general_ratio_cap_den == 0)
		abort();
	for (size_t i = 0; i < m->n_items; i++)
		if (m->items[i]->ratio_den == 0 || m->items[i]->method < 1 ||
		    m->items[i]->method > 3)
			abort();
	check_repack(&m->base, p, len);
	suiji__item_list__free_unpacked(m, NULL);
}

static void check_plan(const uint8_t *p, size_t len, const struct planspec_info *info)
{
	Suiji__Plan *m = suiji__plan__unpack(NULL, len, p);
	if (m == NULL || strncmp(m->agency, info->agency, sizeof info->agency - 1) != 0)
		abort();
	for (size_t i = 0; i < m->n_items; i++)
		if (m->items[i]->ratio_den == 0)
			abort();
	check_repack(&m->base, p, len);
	suiji__plan__free_unpacked(m, NULL);
}

static void check_task(const uint8_t *p, size_t len, const struct planspec_info *info)
{
	Suiji__Task *m = suiji__task__unpack(NULL, len, p);
	if (m == NULL || strncmp(m->agency, info->agency, sizeof info->agency - 1) != 0)
		abort();
	for (size_t i = 0; i < m->n_strata; i++)
		if (m->strata[i]->ratio_den == 0)
			abort();
	check_repack(&m->base, p, len);
	suiji__task__free_unpacked(m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct planspec_info info;
	uint8_t *out = (uint8_t *)"not set";
	size_t len = 0;
	char err[1024];
	int rc, which;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	which = data[0] % 3;
	err[0] = '\0';
	memset(&info, 0, sizeof info);
	if (which == 0)
		rc = planspec_items_json(&out, &len, &info, (const char *)data + 1, size - 1, NAME,
		                         "scjg", err, sizeof err);
	else if (which == 1)
		rc = planspec_plan_json(&out, &len, &info, (const char *)data + 1, size - 1, NAME,
		                        err, sizeof err);
	else
		rc = planspec_task_json(&out, &len, &info, (const char *)data + 1, size - 1, NAME,
		                        err, sizeof err);

	if (rc != SJ_OK) {
		if (out != NULL)
			abort();
		if (rc == SJ_EINVAL && strncmp(err, NAME ": field \"", sizeof NAME + 8) != 0)
			abort();
		if (rc == SJ_EIO && strcmp(err, NAME " is not a JSON object") != 0)
			abort();
		if (rc != SJ_EINVAL && rc != SJ_EIO && rc != SJ_ENOMEM)
			abort();
		return 0;
	}
	if (out == NULL || memchr(info.what, '\0', sizeof info.what) == NULL)
		abort();
	if (which == 0)
		check_items(out, len, &info);
	else if (which == 1)
		check_plan(out, len, &info);
	else
		check_task(out, len, &info);
	free(out);
	return 0;
}
