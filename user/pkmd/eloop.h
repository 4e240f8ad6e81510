/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_ELOOP_H
#define PKMD_ELOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The daemon's one event loop: file descriptors polled for input or
 * output, and named one-shot timers on the monotonic clock.  Everything
 * the daemon does runs from a callback of this loop, one at a time.
 */

typedef void (*eloop_fd_handler)(int fd, short revents, void *arg);

/* A timer lives inside the object it belongs to (container_of). */
struct timer {
	const char *name;		/* for debug log lines */
	void (*fire)(struct timer *t);
	int64_t due_ms;			/* monotonic */
	size_t heap_slot;		/* 0: not pending; else index + 1 */
};

void timer_init(struct timer *t, const char *name,
		void (*fire)(struct timer *t));
/* (Re)starts the timer to fire delay_ms from now (negative: now). */
void timer_start(struct timer *t, int64_t delay_ms);
void timer_stop(struct timer *t);
/* Milliseconds until it fires, 0 if due, -1 if not pending. */
int64_t timer_remaining_ms(const struct timer *t);

int eloop_init(void);
void eloop_destroy(void);
/* events: POLLIN and/or POLLOUT; the handler gets revents. */
int eloop_add_fd(int fd, short events, eloop_fd_handler handler, void *arg);
void eloop_set_events(int fd, short events);
void eloop_del_fd(int fd);
/* Runs until eloop_stop(); returns the code given to it. */
int eloop_run(void);
void eloop_stop(int code);

#endif
