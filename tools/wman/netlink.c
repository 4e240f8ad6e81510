// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink sockets, requests and their extended ACKs, dumps and the loop
 * that waits for notifications.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "netlink.h"
#include "parse.h"

static void enable_ext_ack(struct nl_sock *sock)
{
	int fd = nl_socket_get_fd(sock);
	int one = 1;

	/*
	 * Best effort: without them the kernel still reports the error, only
	 * not its message.  CAP_ACK keeps our request out of the error reply.
	 */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

static struct nl_sock *socket_connect(int protocol)
{
	struct nl_sock *sock = nl_socket_alloc();
	int err;

	if (!sock)
		die("out of memory");
	err = protocol == NETLINK_GENERIC ? genl_connect(sock)
					  : nl_connect(sock, protocol);
	if (err)
		die("cannot open a netlink socket: %s", nl_geterror(err));
	enable_ext_ack(sock);
	return sock;
}

void wman_nl_open_genl(struct wman_nl *nl)
{
	nl->sock = socket_connect(NETLINK_GENERIC);
	nl->family = genl_ctrl_resolve(nl->sock, WMAN_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND)
		die("generic netlink family \"%s\" not found: is the wman module loaded?",
		    WMAN_GENL_NAME);
	if (nl->family < 0)
		die("cannot resolve generic netlink family \"%s\": %s",
		    WMAN_GENL_NAME, nl_geterror(nl->family));
}

void wman_nl_open_route(struct wman_nl *nl)
{
	nl->sock = socket_connect(NETLINK_ROUTE);
	nl->family = 0;
}

void wman_nl_close(struct wman_nl *nl)
{
	nl_socket_free(nl->sock);
	nl->sock = NULL;
}

void wman_nl_join_events(struct wman_nl *nl)
{
	int group = genl_ctrl_resolve_grp(nl->sock, WMAN_GENL_NAME,
					  WMAN_MCGRP_EVENTS);
	int err;

	if (group < 0)
		die("cannot find multicast group \"%s\": %s", WMAN_MCGRP_EVENTS,
		    nl_geterror(group));
	err = nl_socket_add_membership(nl->sock, group);
	if (err)
		die("cannot join multicast group \"%s\": %s", WMAN_MCGRP_EVENTS,
		    nl_geterror(err));
}

struct nl_msg *wman_nl_message(struct wman_nl *nl, uint8_t cmd, int flags,
			       uint32_t ifindex)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		die("out of memory");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, WMAN_GENL_VERSION))
		die("cannot build a netlink message");
	if (ifindex)
		put_check(nla_put_u32(msg, WMAN_A_IFINDEX, ifindex));
	return msg;
}

void put_check(int err)
{
	if (err)
		die("netlink request too large: %s", nl_geterror(err));
}

struct nlattr *nest_start(struct nl_msg *msg, int type)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest)
		die("netlink request too large");
	return nest;
}

/* What the kernel said about one request. */
struct request_state {
	reply_handler on_reply;
	void *arg;
	bool done;
	bool interrupted;
	int error;			/* -errno or 0 */
	bool kernel_error;		/* error came from the kernel, not us */
	char message[256];		/* extended ACK message, if any */
	int missing_type;		/* attribute the kernel missed, or -1 */
};

/* Reads the extended ACK attributes that follow an error or a done. */
static void read_ext_ack(struct request_state *state, struct nlattr *attrs,
			 int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	state->message[0] = '\0';
	state->missing_type = -1;
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(state->message, sizeof(state->message), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= (int)sizeof(uint32_t))
		state->missing_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

/* The extended ACK of an NLMSG_ERROR message (error or plain ACK). */
static void read_error_ext_ack(struct request_state *state,
			       const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t offset = NLMSG_HDRLEN + sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return read_ext_ack(state, NULL, 0);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
	read_ext_ack(state, (struct nlattr *)((char *)nlh + offset),
		     (int)nlh->nlmsg_len - (int)offset);
}

/* The ext ACK message; NL_SET_ERR_MSG_MOD's "wman: " is ours to print. */
static const char *kernel_message(const struct request_state *state)
{
	static const char module_prefix[] = WMAN_GENL_NAME ": ";

	if (strncmp(state->message, module_prefix, strlen(module_prefix)) == 0)
		return state->message + strlen(module_prefix);
	return state->message;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request_state *state = arg;

	if (state->on_reply && state->on_reply(nlmsg_hdr(msg), state->arg) &&
	    !state->error) {
		warn("malformed reply from the kernel");
		state->error = -EINVAL;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *from, struct nlmsgerr *err, void *arg)
{
	struct request_state *state = arg;

	(void)from;
	/* libnl hands over the payload; the header is just before it. */
	read_error_ext_ack(state, (struct nlmsghdr *)err - 1);
	state->error = err->error;
	state->kernel_error = true;
	state->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request_state *state = arg;

	read_error_ext_ack(state, nlmsg_hdr(msg));
	if (state->message[0])
		warn("warning: %s", kernel_message(state));
	state->done = true;
	return NL_STOP;
}

/* NLMSG_DONE carries the dump's error code and, after it, an ext ACK. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct request_state *state = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int len = nlmsg_datalen(nlh);
	int error;

	state->done = true;
	if (len < (int)sizeof(error))
		return NL_STOP;
	memcpy(&error, nlmsg_data(nlh), sizeof(error));
	if (error < 0) {
		int tlv_len = nlh->nlmsg_flags & NLM_F_ACK_TLVS ?
			      len - (int)sizeof(error) : 0;

		read_ext_ack(state, (struct nlattr *)((char *)nlmsg_data(nlh) +
						      sizeof(error)), tlv_len);
		state->error = error;
		state->kernel_error = true;
	}
	return NL_STOP;
}

static int on_dump_interrupted(struct nl_msg *msg, void *arg)
{
	struct request_state *state = arg;

	(void)msg;
	state->interrupted = true;
	return NL_OK;
}

static void report_error(const struct request_state *state)
{
	const char *message = kernel_message(state);
	const char *error = strerror(-state->error);

	if (message[0])
		warn("%s: %s", message, error);
	else if (state->missing_type >= 0)
		warn("%s (missing attribute %d)", error, state->missing_type);
	else if (state->error == -EPERM)
		warn("%s: CAP_NET_ADMIN is needed", error);
	else
		warn("%s", error);
}

int wman_nl_request(struct wman_nl *nl, struct nl_msg *msg,
		    reply_handler on_reply, void *arg)
{
	struct request_state state = {
		.on_reply = on_reply,
		.arg = arg,
		.missing_type = -1,
	};
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (!cb)
		die("out of memory");
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &state);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &state);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &state);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_interrupted, &state);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &state);

	err = nl_send_auto(nl->sock, msg);
	if (err < 0) {
		warn("cannot send netlink request: %s", nl_geterror(err));
		state.error = -EIO;
	}
	while (!state.done && !state.error) {
		err = nl_recvmsgs(nl->sock, cb);
		if (err < 0 && !state.done) {
			warn("netlink receive failed: %s", nl_geterror(err));
			state.error = -EIO;
		}
	}
	nl_cb_put(cb);

	if (state.kernel_error)
		report_error(&state);
	if (state.error)
		return state.error;
	return state.interrupted ? NL_DUMP_INTERRUPTED : 0;
}

int wman_nl_collect(struct wman_nl *nl, struct nl_msg *msg,
		    reply_handler on_reply, struct vec *items)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int err;

		items->count = 0;
		/* A resent message needs a fresh sequence number. */
		nlmsg_hdr(msg)->nlmsg_seq = NL_AUTO_SEQ;
		err = wman_nl_request(nl, msg, on_reply, items);
		if (err != NL_DUMP_INTERRUPTED)
			return err;
	}
	warn("dump interrupted: tables changed, retry");
	return -EINTR;
}

/* Notifications wanted and received by wman_nl_listen. */
struct listen_state {
	reply_handler on_message;
	void *arg;
	uint64_t wanted;		/* 0: no limit */
	uint64_t received;
};

static int on_notification(struct nl_msg *msg, void *arg)
{
	struct listen_state *state = arg;
	int counted = state->on_message(nlmsg_hdr(msg), state->arg);

	if (counted < 0)
		warn("ignoring a malformed notification");
	else if (counted > 0)
		state->received++;
	return state->wanted && state->received == state->wanted ? NL_STOP
								 : NL_OK;
}

static int accept_any_sequence(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int64_t monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int wman_nl_listen(struct wman_nl *nl, reply_handler on_message, void *arg,
		   uint64_t count, uint64_t timeout_s)
{
	struct listen_state state = {
		.on_message = on_message,
		.arg = arg,
		.wanted = count,
	};
	int64_t deadline = monotonic_ms() + (int64_t)timeout_s * 1000;
	struct pollfd pfd = {
		.fd = nl_socket_get_fd(nl->sock),
		.events = POLLIN,
	};
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		die("out of memory");
	/* Notifications carry no sequence number of ours. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_sequence, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_notification, &state);

	while (!count || state.received < count) {
		int wait_ms = -1;
		int ready, err;

		if (timeout_s) {
			int64_t left = deadline - monotonic_ms();

			if (left <= 0)
				break;
			wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		ready = poll(&pfd, 1, wait_ms);
		if (ready < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (ready <= 0)
			continue;
		err = nl_recvmsgs(nl->sock, cb);
		/* libnl reports a receive buffer overrun (ENOBUFS) as NOMEM. */
		if (err == -NLE_NOMEM)
			warn("notifications lost: receive buffer overrun");
		else if (err < 0)
			die("netlink receive failed: %s", nl_geterror(err));
	}
	nl_cb_put(cb);

	if (count && state.received < count) {
		warn("timeout: %llu of %llu messages received",
		     (unsigned long long)state.received,
		     (unsigned long long)count);
		return -ETIMEDOUT;
	}
	return 0;
}
