// SPDX-License-Identifier: GPL-2.0
/*
 * wman_kfuzz: raw NETLINK_GENERIC sockets (no library: the fuzzer must be
 * able to send any bytes), the family's operations as a table that
 * mirrors Documentation/netlink/specs/wman.yaml, and the request builder.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wman.h>

#include "kfuzz.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK	10
#endif

/*
 * Every operation of the spec, in its order.  kfuzz.sh checks that each
 * name of the spec's "operations" list is here (wman_kfuzz --list-ops).
 */
const struct kf_op kf_ops[] = {
	{ "link-get", WMAN_CMD_LINK_GET, OPF_DO | OPF_DUMP, 0 },
	{ "conn-new", WMAN_CMD_CONN_NEW, OPF_DO, WMAN_A_CONN },
	{ "conn-del", WMAN_CMD_CONN_DEL, OPF_DO | OPF_DESTRUCTIVE, WMAN_A_CONN },
	{ "conn-get", WMAN_CMD_CONN_GET, OPF_DO | OPF_DUMP, WMAN_A_CONN },
	{ "sa-new", WMAN_CMD_SA_NEW, OPF_DO, WMAN_A_SA },
	{ "sa-del", WMAN_CMD_SA_DEL, OPF_DO | OPF_DESTRUCTIVE, WMAN_A_SA },
	{ "sa-get", WMAN_CMD_SA_GET, OPF_DO | OPF_DUMP, WMAN_A_SA },
	{ "tek-new", WMAN_CMD_TEK_NEW, OPF_DO | OPF_DESTRUCTIVE, WMAN_A_TEK },
	{ "tek-del", WMAN_CMD_TEK_DEL, OPF_DO | OPF_DESTRUCTIVE, WMAN_A_TEK },
	{ "group-new", WMAN_CMD_GROUP_NEW, OPF_DO, WMAN_A_GROUP },
	{ "group-del", WMAN_CMD_GROUP_DEL, OPF_DO, WMAN_A_GROUP },
	{ "group-get", WMAN_CMD_GROUP_GET, OPF_DO | OPF_DUMP, WMAN_A_GROUP },
	{ "stats-reset", WMAN_CMD_STATS_RESET, OPF_DO | OPF_STATS, 0 },
	{ "mgmt-register", WMAN_CMD_MGMT_REGISTER, OPF_DO, 0 },
	{ "mgmt-tx", WMAN_CMD_MGMT_TX, OPF_DO, WMAN_A_MGMT },
	{ "mgmt-rx", WMAN_CMD_MGMT_RX, OPF_EVENT, WMAN_A_MGMT },
	{ "tek-soft-expired", WMAN_CMD_TEK_SOFT_EXPIRED, OPF_EVENT, WMAN_A_TEK },
	{ "tek-hard-expired", WMAN_CMD_TEK_HARD_EXPIRED, OPF_EVENT, WMAN_A_TEK },
	{ "tek-pn-exhausted", WMAN_CMD_TEK_PN_EXHAUSTED, OPF_EVENT, WMAN_A_TEK },
	{ "unknown-sa", WMAN_CMD_UNKNOWN_SA, OPF_EVENT, WMAN_A_CONN },
	{ "unknown-eks", WMAN_CMD_UNKNOWN_EKS, OPF_EVENT, WMAN_A_TEK },
	{ "tek-set", WMAN_CMD_TEK_SET, OPF_DO | OPF_DESTRUCTIVE, WMAN_A_TEK },
	{ "tek-pn-limit", WMAN_CMD_TEK_PN_LIMIT, OPF_EVENT, WMAN_A_TEK },
};
const unsigned int kf_n_ops = sizeof(kf_ops) / sizeof(kf_ops[0]);

_Static_assert(sizeof(kf_ops) / sizeof(kf_ops[0]) <= KF_MAX_OPS,
	       "KF_MAX_OPS too small");
_Static_assert(WMAN_CMD_MAX == WMAN_CMD_TEK_PN_LIMIT,
	       "a new command: add it to kf_ops");

int kf_op_index(uint8_t cmd)
{
	unsigned int i;

	for (i = 0; i < kf_n_ops; i++)
		if (kf_ops[i].cmd == cmd)
			return i;
	return -1;
}

void kf_fill(struct kf_rng *r, void *buf, size_t len)
{
	uint8_t *b = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = kf_next(r);
		b[i] = v;
		v >>= 8;
	}
}

/* ---- sockets --------------------------------------------------------------- */

/* The id of the "events" group in a CTRL_ATTR_MCAST_GROUPS nest. */
static uint32_t events_group(const struct nlattr *groups)
{
	const uint8_t *end = (const uint8_t *)groups + groups->nla_len;
	const uint8_t *p = (const uint8_t *)groups + NLA_HDRLEN;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *g = (const void *)p;
		const uint8_t *q = p + NLA_HDRLEN, *gend = p + g->nla_len;
		const char *name = NULL;
		uint32_t id = 0;

		if (g->nla_len < NLA_HDRLEN || gend > end)
			break;
		while (q + NLA_HDRLEN <= gend) {
			const struct nlattr *a = (const void *)q;

			if (a->nla_len < NLA_HDRLEN || q + a->nla_len > gend)
				break;
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				name = (const char *)q + NLA_HDRLEN;
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID &&
			    a->nla_len >= NLA_HDRLEN + 4)
				memcpy(&id, q + NLA_HDRLEN, 4);
			q += NLA_ALIGN(a->nla_len);
		}
		if (name && !strcmp(name, WMAN_MCGRP_EVENTS))
			return id;
		p += NLA_ALIGN(g->nla_len);
	}
	return 0;
}

static int resolve_family(struct kf_nl *nl)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		uint8_t attrs[64];
	} req = { 0 };
	uint8_t buf[8192];
	struct nlattr *na;
	ssize_t n;
	size_t off;

	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = ++nl->seq;
	req.gh.cmd = CTRL_CMD_GETFAMILY;
	req.gh.version = 1;
	na = (struct nlattr *)req.attrs;
	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = NLA_HDRLEN + sizeof(WMAN_GENL_NAME);
	memcpy((uint8_t *)na + NLA_HDRLEN, WMAN_GENL_NAME,
	       sizeof(WMAN_GENL_NAME));
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(na->nla_len);
	if (send(nl->fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(nl->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < NLMSG_LENGTH(GENL_HDRLEN))
		return -EPROTO;
	if (((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(buf))->error ?: -ENOENT;
	for (off = NLMSG_LENGTH(GENL_HDRLEN); off + NLA_HDRLEN <= (size_t)n;
	     off += NLA_ALIGN(na->nla_len)) {
		na = (struct nlattr *)(buf + off);
		if (na->nla_len < NLA_HDRLEN || off + na->nla_len > (size_t)n)
			break;
		if ((na->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			memcpy(&nl->family, (uint8_t *)na + NLA_HDRLEN, 2);
		if ((na->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS)
			nl->mcgrp = events_group(na);
	}
	if (nl->family)
		return 0;
	return -ENOENT;
}

int kf_nl_open(struct kf_nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1, rcvbuf = 1 << 20, err;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* acks without the request copied in: fewer overruns */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen)) {
		err = -errno;
		close(nl->fd);
		return err;
	}
	nl->portid = sa.nl_pid;
	err = resolve_family(nl);
	if (err) {
		close(nl->fd);
		nl->fd = -1;
	}
	return err;
}

void kf_nl_close(struct kf_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int kf_nl_send(struct kf_nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(nl->fd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/*
 * The kernel handles a request in sendmsg(), so its replies are queued
 * by then; a dump makes its next part as each one is read.  Read until
 * nothing is left (or a dump ends), waiting briefly only for a dump.
 * Only messages with the last request's sequence number are its results.
 */
void kf_nl_drain(struct kf_nl *nl, struct kf_nl_result *res)
{
	static uint8_t buf[65536];
	unsigned int rounds = 0;
	bool in_dump = false;

	memset(res, 0, sizeof(*res));
	while (rounds++ < 4096) {
		struct nlmsghdr *nh;
		ssize_t n;
		int left;

		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				KF_INC(kf_stats->nl_enobufs);
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && in_dump) {
				struct pollfd p = { .fd = nl->fd,
						    .events = POLLIN };

				in_dump = false;
				if (poll(&p, 1, 50) > 0)
					continue;
			}
			return;
		}
		left = n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			/* the rest of an earlier dump, a request's event */
			if (nh->nlmsg_seq != nl->seq) {
				res->stray++;
				if (nh->nlmsg_flags & NLM_F_MULTI)
					in_dump = true;
				continue;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					continue;
				if (e->error) {
					res->acks_err++;
					res->last_err = e->error;
				} else {
					res->acks_ok++;
				}
			} else if (nh->nlmsg_type == NLMSG_DONE) {
				in_dump = false;
			} else if (nh->nlmsg_type == nl->family) {
				res->data++;
				if (nh->nlmsg_flags & NLM_F_MULTI)
					in_dump = true;
			}
		}
	}
}

/* ---- requests as trees of attributes -------------------------------------- */

void kf_msg_init(struct kf_msg *m, uint16_t family, uint8_t cmd,
		 uint16_t flags)
{
	m->nl_type = family;
	m->nl_flags = flags;
	m->cmd = cmd;
	m->version = WMAN_GENL_VERSION;
	m->reserved = 0;
	m->n = 0;
	m->used = 0;
}

int kf_msg_add(struct kf_msg *m, int parent, uint16_t type, const void *data,
	       uint16_t len)
{
	struct kf_attr *a;

	if (m->n == KF_MAX_NODES || m->used + len > KF_ARENA)
		return -1;
	a = &m->a[m->n];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->parent = parent;
	a->len = len;
	a->data = m->arena + m->used;
	if (len)
		memcpy(a->data, data, len);
	m->used += len;
	return m->n++;
}

int kf_msg_nest(struct kf_msg *m, int parent, uint16_t type)
{
	int i = kf_msg_add(m, parent, type, NULL, 0);

	if (i >= 0)
		m->a[i].nest = true;
	return i;
}

/* Writes the live children of @parent; returns the bytes written. */
static size_t write_attrs(const struct kf_msg *m, int parent, uint8_t *buf,
			  size_t max, unsigned int depth)
{
	size_t off = 0;
	unsigned int i;

	if (depth > 32)
		return 0;
	for (i = 0; i < m->n; i++) {
		const struct kf_attr *a = &m->a[i];
		struct nlattr *na;
		size_t body, pad;

		if (a->parent != parent || a->dead)
			continue;
		if (off + NLA_HDRLEN > max)
			break;
		na = (struct nlattr *)(buf + off);
		if (a->nest) {
			body = write_attrs(m, i, buf + off + NLA_HDRLEN,
					   max - off - NLA_HDRLEN, depth + 1);
		} else {
			body = a->len;
			if (off + NLA_HDRLEN + body > max)
				break;
			memcpy(buf + off + NLA_HDRLEN, a->data, body);
		}
		/* a nest says so, as strict validation wants */
		na->nla_type = a->type | (a->nest ? NLA_F_NESTED : 0);
		na->nla_len = (uint16_t)(NLA_HDRLEN + body + a->len_delta);
		pad = NLA_ALIGN(NLA_HDRLEN + body) - (NLA_HDRLEN + body);
		if (off + NLA_HDRLEN + body + pad > max)
			pad = max - off - NLA_HDRLEN - body;
		memset(buf + off + NLA_HDRLEN + body, 0, pad);
		off += NLA_HDRLEN + body + pad;
	}
	return off;
}

size_t kf_msg_write(const struct kf_msg *m, uint8_t *buf, size_t max,
		    uint32_t seq)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh;
	size_t len;

	if (max < NLMSG_LENGTH(GENL_HDRLEN))
		return 0;
	memset(buf, 0, NLMSG_LENGTH(GENL_HDRLEN));
	gh = NLMSG_DATA(nh);
	gh->cmd = m->cmd;
	gh->version = m->version;
	gh->reserved = m->reserved;
	len = NLMSG_LENGTH(GENL_HDRLEN);
	len += write_attrs(m, -1, buf + len, max - len, 0);
	nh->nlmsg_len = len;
	nh->nlmsg_type = m->nl_type;
	nh->nlmsg_flags = m->nl_flags;
	nh->nlmsg_seq = seq;
	nh->nlmsg_pid = 0;
	return len;
}
