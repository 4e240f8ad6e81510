// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters shared by devices, SAs and TEKs.  Writers only touch
 * their own CPU's copy; readers sum every CPU's.
 */

#include "wman.h"

struct wman_pcpu_stats __percpu *wman_stats_alloc(void)
{
	struct wman_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct wman_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void wman_stats_free(struct wman_pcpu_stats __percpu *stats)
{
	free_percpu(stats);
}

void wman_stats_sum(struct wman_pcpu_stats __percpu *stats,
		    u64 sum[WMAN_STAT_COUNT])
{
	u64 snap[WMAN_STAT_COUNT];
	unsigned int start, i;
	int cpu;

	memset(sum, 0, sizeof(snap));
	for_each_possible_cpu(cpu) {
		const struct wman_pcpu_stats *s = per_cpu_ptr(stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < WMAN_STAT_COUNT; i++)
				snap[i] = u64_stats_read(&s->counter[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < WMAN_STAT_COUNT; i++)
			sum[i] += snap[i];
	}
}

/*
 * Counters are 64-bit words on the 64-bit kernels we support, so clearing
 * another CPU's copy is a plain store; an increment racing with it may
 * survive or be lost, which is fine for a reset under traffic.
 */
void wman_stats_reset(struct wman_pcpu_stats __percpu *stats)
{
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct wman_pcpu_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < WMAN_STAT_COUNT; i++)
			u64_stats_set(&s->counter[i], 0);
	}
}

int wman_stats_put(struct sk_buff *skb, int attrtype,
		   struct wman_pcpu_stats __percpu *stats)
{
	u64 sum[WMAN_STAT_COUNT];
	struct nlattr *nest;
	unsigned int i;

	wman_stats_sum(stats, sum);
	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < WMAN_STAT_COUNT; i++) {
		if (nla_put_u64_64bit(skb, WMAN_STAT_TO_ATTR(i), sum[i],
				      WMAN_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
