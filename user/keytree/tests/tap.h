/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP for the unit tests: the plan is printed at the end
 * ("1..N" after the tests, which TAP allows), each check is one line,
 * failures say where.  tap_done() exits non-zero if anything failed.
 */
#ifndef KEYTREE_TAP_H
#define KEYTREE_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned int tap_count, tap_failed;

static inline bool tap_check(bool ok, const char *file, int line,
			     const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%sok %u - ", ok ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		printf("#   at %s:%d\n", file, line);
	fflush(stdout);
	return ok;
}

#define ok(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* For checks inside long loops: count silently, report the first
 * failure, and let the loop's summary line carry the result. */
struct tap_quiet {
	unsigned long checks, failures;
	char first[256];
};

#define quiet_check(q, cond, ...)                                          \
	do {                                                               \
		(q)->checks++;                                             \
		if (!(cond)) {                                             \
			if (!(q)->failures++)                              \
				snprintf((q)->first, sizeof((q)->first),   \
					 __VA_ARGS__);                     \
		}                                                          \
	} while (0)

static inline bool tap_quiet_report(const struct tap_quiet *q,
				    const char *what)
{
	if (q->failures)
		printf("# %lu of %lu checks failed; first: %s\n", q->failures,
		       q->checks, q->first);
	return tap_check(q->failures == 0 && q->checks > 0, __FILE__,
			 __LINE__, "%s (%lu checks)", what, q->checks);
}

static inline int tap_done(void)
{
	printf("1..%u\n", tap_count);
	if (tap_failed)
		printf("# %u of %u failed\n", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}

/* splitmix64: deterministic choices from a printed seed */
static inline uint64_t test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t test_below(uint64_t *state, uint32_t n)
{
	return n ? (uint32_t)(test_rand(state) % n) : 0;
}

static inline uint64_t test_seed(void)
{
	const char *env = getenv("KEYTREE_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 20240601;

	printf("# seed %" PRIu64 " (set KEYTREE_TEST_SEED to change)\n", seed);
	return seed;
}

#endif /* KEYTREE_TAP_H */
