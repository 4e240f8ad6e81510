/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink sockets (libnl-3): the generic netlink family "wman" and
 * rtnetlink, requests with extended ACK reporting, dumps and notification
 * loops.
 */
#ifndef WMAN_NETLINK_H
#define WMAN_NETLINK_H

#include <stdint.h>
#include <netlink/netlink.h>

#include "model.h"

struct wman_nl {
	struct nl_sock *sock;
	int family;		/* generic netlink family id; 0 on rtnetlink */
};

/* Both exit with a message saying why when they cannot connect. */
void wman_nl_open_genl(struct wman_nl *nl);
void wman_nl_open_route(struct wman_nl *nl);
void wman_nl_close(struct wman_nl *nl);

/* Joins the family's "events" multicast group, or exits. */
void wman_nl_join_events(struct wman_nl *nl);

/* A generic netlink request for cmd, naming the device if ifindex != 0. */
struct nl_msg *wman_nl_message(struct wman_nl *nl, uint8_t cmd, int flags,
			       uint32_t ifindex);
/* Exits when a request does not fit its message (err from nla_put*). */
void put_check(int err);
struct nlattr *nest_start(struct nl_msg *msg, int type);

/* Called for every reply; returns 0 or -EINVAL for a malformed one. */
typedef int (*reply_handler)(struct nlmsghdr *nlh, void *arg);

/* Returned by wman_nl_request when a dump ran while its tables changed. */
#define NL_DUMP_INTERRUPTED	1

/*
 * Sends msg (the caller still frees it) and reads until the ACK, the error
 * or the end of the dump, calling on_reply (may be NULL) for each reply.
 * Returns 0, NL_DUMP_INTERRUPTED, or -errno after printing the kernel's
 * message.
 */
int wman_nl_request(struct wman_nl *nl, struct nl_msg *msg,
		    reply_handler on_reply, void *arg);

/*
 * wman_nl_request for a dump or a get whose on_reply appends to items.  A dump
 * interrupted by a change is retried once from an empty items.
 */
int wman_nl_collect(struct wman_nl *nl, struct nl_msg *msg,
		    reply_handler on_reply, struct vec *items);

/*
 * Calls on_message for every message received (it returns 1 for one that
 * counts, 0 for one to ignore) until count have counted (0: no limit) or
 * timeout_s seconds have passed (0: none).  Returns 0, or -ETIMEDOUT when a
 * count was asked for and the time ran out first.
 */
int wman_nl_listen(struct wman_nl *nl, reply_handler on_message, void *arg,
		   uint64_t count, uint64_t timeout_s);

#endif /* WMAN_NETLINK_H */
