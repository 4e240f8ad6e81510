/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_TAP_H
#define PKM_TAP_H

/* Minimal TAP producer: ok lines as tests run, the plan at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		tap_failed++;
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

/* Compares an integer result and says what came instead. */
#define is(got, want, ...) do {						\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!tap_ok(g_ == w_, __VA_ARGS__))				\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}

/* Hex (spaces allowed) to bytes; returns the byte count. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

static inline int mem_is_hex(const uint8_t *p, size_t len, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));

	return n == len && !memcmp(p, want, len);
}

static inline void print_hex(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	printf("# %s:", label);
	for (i = 0; i < len; i++)
		printf("%s%02x", i % 32 ? "" : "\n#   ", p[i]);
	putchar('\n');
}

#endif
