/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMMON_TAP_H
#define COMMON_TAP_H

/* TAP output for the unit tests: "ok N - what" lines, the plan last. */
#include <stdarg.h>
#include <stdio.h>

static int tap_run, tap_failures;

__attribute__((format(printf, 2, 3)))
static inline int tap_check(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failures += !pass;
	return pass;
}

#define ok(cond, ...) tap_check(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...) do {					\
	long long got_ = (long long)(got), want_ = (long long)(want);	\
	if (!tap_check(got_ == want_, __VA_ARGS__))			\
		printf("#   got %lld, want %lld\n", got_, want_);	\
} while (0)

static inline void diag(const char *s)
{
	printf("# %s\n", s);
}

static inline int tap_finish(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failures)
		printf("# %d of %d failed\n", tap_failures, tap_run);
	return tap_failures != 0;
}

#endif
