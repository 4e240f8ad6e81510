// SPDX-License-Identifier: GPL-2.0
/*
 * Built by tools/debug-kernel/selftest: each load commits one deliberate
 * bug, chosen by the "bug" parameter, so that the selftest can show that
 * the debug kernel reports it and that tools/vm-run fails the run for it.
 * Every bug is one its detector reports and survives: nothing here oopses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "uaf, leak, lock-order, atomic-sleep, shift, refcount or timer-free");

/* Not const: the compiler must not see the shift coming. */
static unsigned int shift_by = 40;
module_param(shift_by, uint, 0444);
MODULE_PARM_DESC(shift_by, "how far the shift bug shifts a 32-bit one");

static DEFINE_MUTEX(debug_bugs_first);
static DEFINE_MUTEX(debug_bugs_second);
static DEFINE_SPINLOCK(debug_bugs_spin);

struct debug_bugs_timer {
	struct timer_list timer;
};

static void debug_bugs_timer_fn(struct timer_list *timer)
{
}

static void use_after_free(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	pr_info("read after free: %d\n", READ_ONCE(p[8]));
}

/*
 * Several objects: kmemleak does not report an object whose address is
 * still somewhere it scans, and the last pointer can outlive this call in
 * a stale stack slot (an exited task's stack waits in fork's cache, still
 * scanned).  The others have no such copy.
 */
#define DEBUG_BUGS_LEAKS 16

static void leak(void)
{
	unsigned int i, leaked = 0;

	for (i = 0; i < DEBUG_BUGS_LEAKS; i++) {
		void *p = kmalloc(256, GFP_KERNEL);

		OPTIMIZER_HIDE_VAR(p);
		leaked += !!p;
	}
	pr_info("leaked %u objects\n", leaked);
}

/*
 * First then second, later second then first: an inversion lockdep sees
 * although the two orders never run at once.
 */
static void lock_order(void)
{
	mutex_lock(&debug_bugs_first);
	mutex_lock(&debug_bugs_second);
	mutex_unlock(&debug_bugs_second);
	mutex_unlock(&debug_bugs_first);

	mutex_lock(&debug_bugs_second);
	mutex_lock(&debug_bugs_first);
	mutex_unlock(&debug_bugs_first);
	mutex_unlock(&debug_bugs_second);
}

/* might_sleep() checks without sleeping: the report, not a real hang. */
static void atomic_sleep(void)
{
	spin_lock(&debug_bugs_spin);
	might_sleep();
	spin_unlock(&debug_bugs_spin);
}

static void shift(void)
{
	unsigned int one = 1;

	pr_info("shifted: %u\n", one << READ_ONCE(shift_by));
}

static void refcount(void)
{
	refcount_t count = REFCOUNT_INIT(0);

	refcount_dec(&count);
}

/* Freed while queued: debugobjects reports it and cancels the timer. */
static void timer_free(void)
{
	struct debug_bugs_timer *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return;
	timer_setup(&t->timer, debug_bugs_timer_fn, 0);
	mod_timer(&t->timer, jiffies + 3600 * HZ);
	kfree(t);
}

static const struct {
	const char *name;
	void (*commit)(void);
} debug_bugs[] = {
	{ "uaf", use_after_free },
	{ "leak", leak },
	{ "lock-order", lock_order },
	{ "atomic-sleep", atomic_sleep },
	{ "shift", shift },
	{ "refcount", refcount },
	{ "timer-free", timer_free },
};

static int __init debug_bugs_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(debug_bugs); i++) {
		if (!strcmp(bug, debug_bugs[i].name)) {
			debug_bugs[i].commit();
			return 0;
		}
	}
	pr_err("no bug '%s'\n", bug);
	return -EINVAL;
}

static void __exit debug_bugs_exit(void)
{
}

module_init(debug_bugs_init);
module_exit(debug_bugs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tools/debug-kernel/selftest: one deliberate bug per load");
