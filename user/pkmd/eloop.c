// SPDX-License-Identifier: GPL-2.0
/*
 * Event loop: poll(2) over a small set of descriptors, and a binary
 * min-heap of timers ordered by due time.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "eloop.h"
#include "log.h"
#include "util.h"

#define ELOOP_MAX_FDS	64

struct fd_entry {
	int fd;
	short events;
	eloop_fd_handler handler;
	void *arg;
};

static struct {
	struct fd_entry fds[ELOOP_MAX_FDS];
	size_t n_fds;
	struct timer **heap;
	size_t heap_len, heap_cap;
	bool running;
	int exit_code;
} loop;

/* Timers */

static void heap_place(size_t i, struct timer *t)
{
	loop.heap[i] = t;
	t->heap_slot = i + 1;
}

static void heap_up(size_t i)
{
	struct timer *t = loop.heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (loop.heap[parent]->due_ms <= t->due_ms)
			break;
		heap_place(i, loop.heap[parent]);
		i = parent;
	}
	heap_place(i, t);
}

static void heap_down(size_t i)
{
	struct timer *t = loop.heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= loop.heap_len)
			break;
		if (child + 1 < loop.heap_len &&
		    loop.heap[child + 1]->due_ms < loop.heap[child]->due_ms)
			child++;
		if (loop.heap[child]->due_ms >= t->due_ms)
			break;
		heap_place(i, loop.heap[child]);
		i = child;
	}
	heap_place(i, t);
}

static void heap_remove(struct timer *t)
{
	size_t i = t->heap_slot - 1;
	struct timer *last = loop.heap[--loop.heap_len];

	t->heap_slot = 0;
	if (last == t)
		return;
	heap_place(i, last);
	heap_down(i);
	heap_up(last->heap_slot - 1);
}

void timer_init(struct timer *t, const char *name,
		void (*fire)(struct timer *t))
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->fire = fire;
}

void timer_start(struct timer *t, int64_t delay_ms)
{
	if (t->heap_slot)
		heap_remove(t);
	if (loop.heap_len == loop.heap_cap) {
		size_t cap = loop.heap_cap ? 2 * loop.heap_cap : 64;
		struct timer **heap = realloc(loop.heap, cap * sizeof(*heap));

		if (!heap) {
			/* Nothing sensible to do without memory for a timer. */
			log_err("out of memory for timer %s", t->name);
			abort();
		}
		loop.heap = heap;
		loop.heap_cap = cap;
	}
	t->due_ms = now_mono_ms() + (delay_ms > 0 ? delay_ms : 0);
	loop.heap_len++;
	heap_place(loop.heap_len - 1, t);
	heap_up(loop.heap_len - 1);
}

void timer_stop(struct timer *t)
{
	if (t->heap_slot)
		heap_remove(t);
}

int64_t timer_remaining_ms(const struct timer *t)
{
	int64_t left;

	if (!t->heap_slot)
		return -1;
	left = t->due_ms - now_mono_ms();
	return left > 0 ? left : 0;
}

static void run_due_timers(void)
{
	int64_t now = now_mono_ms();

	while (loop.heap_len && loop.heap[0]->due_ms <= now && loop.running) {
		struct timer *t = loop.heap[0];

		heap_remove(t);
		log_debug("timer %s fired", t->name);
		t->fire(t);
	}
}

/* Descriptors */

int eloop_init(void)
{
	memset(&loop, 0, sizeof(loop));
	return 0;
}

void eloop_destroy(void)
{
	free(loop.heap);
	memset(&loop, 0, sizeof(loop));
}

static struct fd_entry *fd_find(int fd)
{
	for (size_t i = 0; i < loop.n_fds; i++)
		if (loop.fds[i].fd == fd)
			return &loop.fds[i];
	return NULL;
}

int eloop_add_fd(int fd, short events, eloop_fd_handler handler, void *arg)
{
	if (loop.n_fds == ELOOP_MAX_FDS)
		return -EMFILE;
	loop.fds[loop.n_fds++] = (struct fd_entry){ fd, events, handler, arg };
	return 0;
}

void eloop_set_events(int fd, short events)
{
	struct fd_entry *e = fd_find(fd);

	if (e)
		e->events = events;
}

void eloop_del_fd(int fd)
{
	struct fd_entry *e = fd_find(fd);

	if (!e)
		return;
	/* eloop_run() walks a snapshot and rechecks membership. */
	*e = loop.fds[--loop.n_fds];
}

int eloop_run(void)
{
	struct pollfd pfds[ELOOP_MAX_FDS];
	struct fd_entry snapshot[ELOOP_MAX_FDS];

	loop.running = true;
	while (loop.running) {
		int timeout = -1, ready;
		size_t n = loop.n_fds;

		if (loop.heap_len) {
			int64_t left = loop.heap[0]->due_ms - now_mono_ms();

			timeout = left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
		}
		memcpy(snapshot, loop.fds, n * sizeof(snapshot[0]));
		for (size_t i = 0; i < n; i++)
			pfds[i] = (struct pollfd){ snapshot[i].fd, snapshot[i].events, 0 };
		ready = poll(pfds, n, timeout);
		if (ready < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		for (size_t i = 0; ready > 0 && i < n && loop.running; i++) {
			if (!pfds[i].revents)
				continue;
			/* Skip descriptors removed by an earlier handler. */
			if (!fd_find(snapshot[i].fd))
				continue;
			snapshot[i].handler(snapshot[i].fd, pfds[i].revents,
					    snapshot[i].arg);
		}
		run_due_timers();
	}
	return loop.exit_code;
}

void eloop_stop(int code)
{
	loop.exit_code = code;
	loop.running = false;
}
