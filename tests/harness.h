/*
 * harness.h: a small test runner in the manner of libuv's and dqlite's.
 *
 * A test is a function declared with TEST(name, "a sentence saying the
 * behaviour it pins down"). Tests register themselves at start-up, run in
 * the order the linker gives, and the runner's last line is
 * "N passed, N failed, N skipped". Running the binary with arguments runs
 * only the tests whose name or sentence contains one of them.
 */
#ifndef SUIJI_TESTS_HARNESS_H
#define SUIJI_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*harness_fn)(void);

void harness_register(const char *name, const char *sentence, harness_fn fn);
void harness_fail(const char *file, int line, const char *what);
void harness_skip(const char *why);
int harness_failed(void);

/* A fresh, empty directory for this test, removed at the end of the run. */
const char *harness_tmpdir(void);
/* Path of a built binary (suijid, suiji, suiji-verify, suiji-beacon). */
const char *harness_bin(const char *name);
/* Runs a shell command; returns its exit status (or -1) and, when out is
 * not NULL, a malloc'd copy of what it printed on stdout and stderr. */
int harness_run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Path of ../shared/vectors/<sub> relative to the project root, or NULL
 * when it is not there (tests then skip and say why). */
const char *harness_shared_vectors(const char *sub);

#define TEST(name, sentence)                                                   \
	static void name(void);                                                \
	__attribute__((constructor)) static void name##_register(void)         \
	{                                                                      \
		harness_register(#name, sentence, name);                       \
	}                                                                      \
	static void name(void)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			harness_fail(__FILE__, __LINE__, #cond);               \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_INT(a, op, b)                                                    \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (!(a_ op b_)) {                                             \
			char m_[1024];                                          \
			snprintf(m_, sizeof m_, "%s %s %s (%lld vs %lld)", #a, \
				 #op, #b, a_, b_);                             \
			harness_fail(__FILE__, __LINE__, m_);                  \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)
#define CHECK_STR_HAS(hay, needle) CHECK((hay) != NULL && strstr((hay), (needle)) != NULL)

#include <stdio.h>

#endif
