/*
 * fuzz_calendar.c: libFuzzer target for the working-day calendar's file
 * parser (results/calendar.c), the one place where outside text becomes
 * deadline arithmetic.
 *
 * Beyond "no crash and no sanitizer report", every input checks:
 *   - a refused file returns only SJ_EINVAL or SJ_ERANGE and leaves the
 *     calendar empty, and an SJ_EINVAL message names the file and a line
 *     ("fuzz:N: ...");
 *   - an accepted file holds exactly one year, whose stated number of
 *     working days equals the count of days calendar_is_working_day calls
 *     working, and the same text a second time is SJ_EEXIST;
 *   - from every day of that year, a deadline of 1, 5 or 20 working days
 *     is a working day with exactly that many working days after the
 *     start, or SJ_ENOENT because the count ran out of the loaded year;
 *   - calendar_add_days lands on a working day, or SJ_ENOENT.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "results/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The year of an accepted file: its one line that starts "year ". */
static int year_line(const char *text, size_t len)
{
	size_t i = 0;

	while (i + 9 <= len) {
		if (memcmp(text + i, "year ", 5) == 0)
			return (text[i + 5] - '0') * 1000 + (text[i + 6] - '0') * 100 +
			       (text[i + 7] - '0') * 10 + (text[i + 8] - '0');
		const char *nl = memchr(text + i, '\n', len - i);
		if (nl == NULL)
			break;
		i = (size_t)(nl - text) + 1;
	}
	abort(); /* an accepted file without a year line */
}

static void check_deadlines(const struct calendar *cal, int32_t first, int32_t end)
{
	static const unsigned ns[] = {1, 5, 20};
	int32_t out;
	int w, rc;

	for (int32_t s = first; s < end; s++) {
		for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
			unsigned count = 0;
			rc = calendar_add_working_days(&out, cal, s, ns[k], NULL, 0);
			if (rc == SJ_ENOENT) {
				/* Only when fewer than n working days follow s in the year. */
				for (int32_t d = s + 1; d < end; d++) {
					if (calendar_is_working_day(cal, d, &w, NULL, 0) != SJ_OK)
						abort();
					count += (unsigned)w;
				}
				if (count >= ns[k])
					abort();
				continue;
			}
			if (rc != SJ_OK || out <= s || out >= end)
				abort();
			for (int32_t d = s + 1; d <= out; d++) {
				if (calendar_is_working_day(cal, d, &w, NULL, 0) != SJ_OK)
					abort();
				count += (unsigned)w;
			}
			if (count != ns[k] || !w)
				abort();
		}
		rc = calendar_add_days(&out, cal, s, 7, NULL, 0);
		if (rc == SJ_OK) {
			if (calendar_is_working_day(cal, out, &w, NULL, 0) != SJ_OK || !w ||
			    out < s + 7)
				abort();
		} else if (rc != SJ_ENOENT) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct calendar *cal;
	const char *text = (const char *)data;
	char err[512];
	unsigned stated, count = 0;
	int32_t first, end;
	int rc, year, w;

	/* The parser's own cap, first: one byte over it still reaches the
	 * parser to exercise its refusal. */
	if (size > CALENDAR_MAX_BYTES + 1)
		return 0;
	if (calendar_new(&cal) != SJ_OK)
		abort();
	err[0] = '\0';
	rc = calendar_parse(cal, text, size, "fuzz", err, sizeof err);
	if (rc != SJ_OK) {
		if (rc != SJ_EINVAL && rc != SJ_ERANGE)
			abort();
		if (rc == SJ_EINVAL &&
		    (strncmp(err, "fuzz:", 5) != 0 || err[5] < '1' || err[5] > '9'))
			abort();
		for (int y = CALENDAR_MIN_YEAR; y <= CALENDAR_MAX_YEAR; y += 97)
			if (calendar_has_year(cal, y))
				abort();
		calendar_free(cal);
		return 0;
	}

	year = year_line(text, size);
	if (calendar_year_info(cal, year, &stated, NULL, NULL, 0) != SJ_OK)
		abort();
	if (calendar_date(&first, year, 1, 1) != SJ_OK)
		abort();
	if (calendar_date(&end, year, 12, 31) != SJ_OK)
		abort();
	end++;
	for (int32_t d = first; d < end; d++) {
		if (calendar_is_working_day(cal, d, &w, NULL, 0) != SJ_OK)
			abort();
		count += (unsigned)w;
	}
	if (count != stated)
		abort();
	if (calendar_is_working_day(cal, end, &w, NULL, 0) != SJ_ENOENT && year < CALENDAR_MAX_YEAR)
		abort();
	if (calendar_parse(cal, text, size, "fuzz", err, sizeof err) != SJ_EEXIST)
		abort();
	check_deadlines(cal, first, end);
	calendar_free(cal);
	return 0;
}
