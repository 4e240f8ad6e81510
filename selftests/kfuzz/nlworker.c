// SPDX-License-Identifier: GPL-2.0
/*
 * wman_kfuzz: the netlink workers.  One per node sends requests as root
 * to the node's wman device; the unprivileged one forks children that
 * drop root (nobody; nobody in a new user namespace; nobody owning a new
 * user and network namespace with a wman link of its own) and checks
 * that none of them can change or read a device it does not own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wman.h>

#include "kfuzz.h"

#define NOBODY	65534

static uint8_t sendbuf[KF_ARENA * 2 + 1024];

/* One request of item @sub: well formed or mutated, serialised. */
static size_t make_request(uint64_t sub, uint64_t item, uint16_t family,
			   const struct kf_target *t, uint32_t seq)
{
	static struct kf_msg m;
	struct kf_rng r;
	size_t len;

	kf_seed(&r, sub, 0);
	/* first every operation, well formed, as do and as dump */
	if (item < 2 * kf_n_ops) {
		uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;

		kf_nl_gen_op(&r, &m, family, t, item / 2, true);
		m.nl_flags = flags | (item % 2 ? NLM_F_DUMP : 0);
		return kf_msg_write(&m, sendbuf, sizeof(sendbuf), seq);
	}
	if (kf_chance(&r, 3)) {
		/* random bytes behind a plausible header, or none at all */
		struct nlmsghdr *nh = (struct nlmsghdr *)sendbuf;

		len = NLMSG_HDRLEN + kf_below(&r, 256);
		kf_fill(&r, sendbuf, len);
		if (kf_chance(&r, 70)) {
			nh->nlmsg_seq = seq;
			nh->nlmsg_len = len;
			nh->nlmsg_type = family;
			nh->nlmsg_flags = NLM_F_REQUEST |
				(kf_chance(&r, 30) ? NLM_F_DUMP : NLM_F_ACK);
		}
		return len;
	}
	kf_nl_gen(&r, &m, family, t, kf_chance(&r, 25));
	if (kf_chance(&r, 75))
		kf_nl_mutate(&r, &m);
	len = kf_msg_write(&m, sendbuf, sizeof(sendbuf) / 2, seq);
	if (kf_chance(&r, 25))
		len = kf_nl_mutate_bytes(&r, sendbuf, len, sizeof(sendbuf));
	return len;
}

static void count_sent(const uint8_t *buf, size_t len)
{
	const struct nlmsghdr *nh = (const void *)buf;
	const struct genlmsghdr *gh;
	int op;

	if (len < NLMSG_LENGTH(GENL_HDRLEN)) {
		KF_INC(kf_stats->nl_other);
		return;
	}
	gh = NLMSG_DATA(nh);
	op = kf_op_index(gh->cmd);
	if (op < 0)
		KF_INC(kf_stats->nl_other);
	else
		KF_INC(kf_stats->nl_sent[op][!!(nh->nlmsg_flags & NLM_F_DUMP)]);
}

static void count_result(const struct kf_nl_result *res)
{
	KF_ADD(kf_stats->nl_ok, res->acks_ok);
	KF_ADD(kf_stats->nl_replies, res->data);
	if (res->acks_err)
		kf_count_errno(kf_stats->nl_errno, res->last_err);
}

static void target_of(struct kf_target *t, const char *lower, bool keep)
{
	t->ifname = kf_conf.dev;
	t->ifindex = if_nametoindex(kf_conf.dev);
	t->lower_ifindex = if_nametoindex(lower);
	if (!t->lower_ifindex)
		t->lower_ifindex = 1;
	t->keep = keep;
}

int kf_worker_nl(int id, const struct kf_node *node)
{
	struct kf_target t = { .ifindex = 1000, .lower_ifindex = 2,
			       .ifname = kf_conf.dev, .keep = true };
	struct kf_nl nl = { .fd = -1, .family = 0x20 };
	uint64_t item, h = KF_HASH_INIT;
	struct kf_rng r;
	int err;

	kf_seed(&r, kf_conf.seed, kf_stream);
	if (!kf_conf.dry_run) {
		if (kf_enter_netns(node->ns))
			return 1;
		target_of(&t, "veth0", true);
		if (!t.ifindex) {
			fprintf(stderr, "kfuzz: no %s in %s\n", kf_conf.dev,
				node->ns);
			return 1;
		}
	}
	for (item = 0; kf_more(item); item++) {
		uint64_t sub = kf_next(&r);
		struct kf_nl_result res;
		size_t len;

		/* a fresh socket now and then: listeners go away */
		if (!kf_conf.dry_run && (nl.fd < 0 || item % 500 == 499)) {
			kf_nl_close(&nl);
			err = kf_nl_open(&nl);
			if (err) {
				fprintf(stderr, "kfuzz: genl: %s\n",
					strerror(-err));
				return 1;
			}
		}
		len = make_request(sub, item, nl.family, &t, ++nl.seq);
		KF_INC(kf_stats->items[id]);
		if (kf_conf.dry_run) {
			h = kf_hash(h, sendbuf, len);
			continue;
		}
		if (kf_nl_touches_kept(sendbuf, len, &t)) {
			KF_INC(kf_stats->nl_protected);
			continue;
		}
		count_sent(sendbuf, len);
		err = kf_nl_send(&nl, sendbuf, len);
		if (err)
			kf_count_errno(kf_stats->nl_send_err, err);
		kf_nl_drain(&nl, &res);
		count_result(&res);
	}
	kf_stats->hash[id] = h;
	kf_nl_close(&nl);
	return 0;
}

/* ---- unprivileged callers ------------------------------------------------- */

enum unpriv_mode {
	UP_NOBODY,		/* nobody, in the BS's namespace */
	UP_USERNS,		/* nobody as root of a new user namespace */
	UP_OWN_NETNS,		/* ... and of a new network namespace */
	UP_COUNT
};

static const char *const unpriv_names[] = {
	"nobody", "nobody+userns", "nobody+userns+netns",
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int drop_root(enum unpriv_mode mode)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	if (mode == UP_NOBODY)
		return 0;
	/* the change of user made /proc/self root's: take it back */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -1;
	if (unshare(CLONE_NEWUSER | (mode == UP_OWN_NETNS ? CLONE_NEWNET : 0)))
		return -1;
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 65534 1") ||
	    write_file("/proc/self/gid_map", "0 65534 1"))
		return -1;
	return 0;
}

/*
 * In a child: @n requests as an unprivileged caller.  A request of the
 * family that succeeded on a device it does not own is a violation.
 */
static int unpriv_child(enum unpriv_mode mode, uint64_t sub, unsigned int n,
			const struct kf_target *foreign)
{
	struct kf_target own = { 0 }, t = *foreign;
	struct kf_nl nl;
	unsigned int i;
	struct kf_rng r;
	int err;

	if (drop_root(mode)) {
		fprintf(stderr, "kfuzz: unprivileged %s: %s\n",
			unpriv_names[mode], strerror(errno));
		return mode == UP_NOBODY ? 1 : 0;	/* no user namespaces */
	}
	if (mode == UP_OWN_NETNS) {
		static const char *const veth[] = {
			"ip", "link", "add", "kfu0", "type", "veth", "peer",
			"name", "kfu1", NULL };
		static const char *const up[] = {
			"ip", "link", "set", "kfu0", "up", NULL };
		const char *wlink[] = {
			kf_conf.wman_tool, "link", "add", "link", "kfu0",
			"name", "kfuw0", "role", "bs", NULL };

		if (!kf_run(veth, false) && !kf_run(up, false) &&
		    kf_conf.wman_tool && !kf_run(wlink, false)) {
			own.ifname = "kfuw0";
			own.ifindex = if_nametoindex("kfuw0");
			own.lower_ifindex = if_nametoindex("kfu0");
			if (own.ifindex)
				KF_INC(kf_stats->unpriv_own_link);
		}
		/* the BS's device is not in this namespace, its index may
		 * name one of ours: only the name stays foreign
		 */
		if (t.ifindex == own.ifindex || t.ifindex == own.lower_ifindex)
			t.ifindex = 0x7ffffff0;
	}
	err = kf_nl_open(&nl);
	if (err) {
		fprintf(stderr, "kfuzz: unprivileged genl: %s\n",
			strerror(-err));
		return 1;
	}
	/* the events group is for the namespace's admin */
	if (nl.mcgrp) {
		int g = nl.mcgrp;

		if (setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g,
			       sizeof(g)) == 0) {
			if (mode != UP_OWN_NETNS) {
				KF_INC(kf_stats->unpriv_mcast_violations);
				fprintf(stderr,
					"kfuzz: VIOLATION: %s joined the events group\n",
					unpriv_names[mode]);
			}
		} else if (mode != UP_OWN_NETNS) {
			KF_INC(kf_stats->unpriv_mcast_refused);
		}
	}

	kf_seed(&r, sub, 0);
	for (i = 0; i < n && kf_running(); i++) {
		bool on_own = own.ifindex && kf_chance(&r, 40);
		const struct kf_target *to = on_own ? &own : &t;
		struct kf_nl_result res;
		const struct nlmsghdr *nh = (const void *)sendbuf;
		const struct genlmsghdr *gh = NLMSG_DATA(nh);
		size_t len;
		int op;

		len = make_request(kf_next(&r), i, nl.family, to, ++nl.seq);
		if (len < NLMSG_LENGTH(GENL_HDRLEN))
			continue;
		op = kf_op_index(gh->cmd);
		KF_INC(kf_stats->unpriv_sent);
		kf_nl_send(&nl, sendbuf, len);
		kf_nl_drain(&nl, &res);
		/*
		 * Only requests of the family: netlink acks anything else,
		 * and a message without NLM_F_REQUEST, with error 0 unread.
		 */
		if (nh->nlmsg_type != nl.family ||
		    !(nh->nlmsg_flags & NLM_F_REQUEST))
			continue;
		/* a dump of the links lists those of its own namespace */
		if (mode == UP_OWN_NETNS && gh->cmd == WMAN_CMD_LINK_GET &&
		    (nh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			on_own = true;
		if (on_own) {
			if (res.acks_ok || res.data)
				KF_INC(kf_stats->unpriv_own_ok);
			continue;
		}
		if (res.acks_ok || res.data) {
			KF_INC(kf_stats->unpriv_violations);
			if (op >= 0)
				KF_INC(kf_stats->unpriv_violation_ops[op]);
			fprintf(stderr,
				"kfuzz: VIOLATION: %s: %s (cmd %u flags 0x%x) succeeded on a device it does not own\n",
				unpriv_names[mode],
				op >= 0 ? kf_ops[op].name : "?", gh->cmd,
				nh->nlmsg_flags);
		} else if (res.acks_err && res.last_err == -EPERM) {
			KF_INC(kf_stats->unpriv_refused);
		} else if (res.acks_err) {
			KF_INC(kf_stats->unpriv_other_err);
		}
	}
	kf_nl_close(&nl);
	return 0;
}

int kf_worker_unpriv(int id)
{
	struct kf_target t;
	struct kf_rng r;
	uint64_t round;
	int failed = 0;

	kf_seed(&r, kf_conf.seed, kf_stream);
	if (kf_enter_netns(kf_conf.bs.ns))
		return 1;
	target_of(&t, "veth0", false);
	for (round = 0; kf_more(round); round++) {
		enum unpriv_mode mode = round % UP_COUNT;
		uint64_t sub = kf_next(&r);
		int status;
		pid_t pid;

		KF_INC(kf_stats->items[id]);
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(unpriv_child(mode, sub, 300, &t));
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed = 1;
	}
	return failed;
}
