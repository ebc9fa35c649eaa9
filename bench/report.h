/*
 * report.h: what every figure of suiji-bench is measured and printed with:
 * a monotonic clock, error messages, the one temporary directory its
 * databases live in, and the table that puts each figure beside its
 * baseline and target. Single-threaded, like suiji-bench.
 */
#ifndef SUIJI_BENCH_REPORT_H
#define SUIJI_BENCH_REPORT_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC. */
double report_now(void);
/* Prints "suiji-bench: " and the message to stderr; returns -1. */
int report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Makes the temporary directory under $TMPDIR (or /tmp). Returns 0 or -1
 * (with a message). */
int report_dir_make(void);
/* The path of name inside the temporary directory, into out (cap bytes). */
void report_path(char *out, size_t cap, const char *name);
/* Removes the temporary directory and the files in it. */
void report_dir_remove(void);
/* Says whether fsync in the temporary directory reaches a disk (static). */
const char *report_fs_warning(void);

/* The table's horizontal rule and its header. */
void report_rule(void);
void report_head(void);
/* One row: a figure, its baseline, and the target ratio (0 for a row that
 * has no target and is there for information). A missed target is
 * counted. */
void report_row(const char *no, const char *what, double rate, const char *base_what, double base,
                double target);
/* How many rows missed their target so far. */
int report_missed(void);

#endif
