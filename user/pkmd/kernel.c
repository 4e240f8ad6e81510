// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel interface: the "wman" generic netlink family through libnl-3.
 * The request socket is synchronous (send, then read until the ACK, the
 * error or the end of the dump).  The notification socket is the one
 * registered with WMAN_CMD_MGMT_REGISTER, so the module sends received
 * management PDUs to it; it also joins the "events" group.  It is read
 * without blocking from the event loop.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <openssl/crypto.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "kernel.h"
#include "keylog.h"
#include "log.h"
#include "transport_test.h"

#define NOTIFY_RCVBUF	(4 << 20)

struct request {
	struct kernel *k;
	int (*on_reply)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	bool done;
	bool interrupted;
	int error;
};

/* The extended ACK's message after an error or a dump's end. */
static void read_ext_ack(struct kernel *k, const struct nlmsghdr *nlh,
			 const void *attrs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	k->error[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)attrs, len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(k->error, sizeof(k->error), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	if (r->on_reply && r->on_reply(nlmsg_hdr(msg), r->arg) && !r->error)
		r->error = -EINVAL;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *from, struct nlmsgerr *err, void *arg)
{
	struct request *r = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)err - 1;
	size_t offset = NLMSG_HDRLEN + sizeof(*err);

	(void)from;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
	read_ext_ack(r->k, nlh, (const char *)nlh + offset,
		     (int)nlh->nlmsg_len - (int)offset);
	r->error = err->error ? err->error : -EIO;
	r->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int error = 0;

	r->done = true;
	if (nlmsg_datalen(nlh) >= (int)sizeof(error))
		memcpy(&error, nlmsg_data(nlh), sizeof(error));
	if (error < 0) {
		read_ext_ack(r->k, nlh, (const char *)nlmsg_data(nlh) + sizeof(error),
			     nlmsg_datalen(nlh) - (int)sizeof(error));
		r->error = error;
	}
	return NL_STOP;
}

static int on_interrupted(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	(void)msg;
	r->interrupted = true;
	return NL_OK;
}

/*
 * Some requests carry a TEK: every message is freed through here, on
 * every path, and its whole buffer is wiped first (libnl never moves a
 * message, so the buffer is the only copy).
 */
static void message_free(struct nl_msg *msg)
{
	OPENSSL_cleanse(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

/* Sends msg (and frees it) and reads until the answer is complete. */
static int request(struct kernel *k, struct nl_msg *msg,
		   int (*on_reply)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct request r = { .k = k, .on_reply = on_reply, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	k->error[0] = '\0';
	if (k->test) {
		err = test_link_request(k, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		message_free(msg);
		if (cb)
			nl_cb_put(cb);
		return err;
	}
	if (!cb) {
		message_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_interrupted, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &r);

	err = nl_send_auto(k->req, msg);
	message_free(msg);
	if (err < 0) {
		snprintf(k->error, sizeof(k->error), "%s", nl_geterror(err));
		nl_cb_put(cb);
		return -EIO;
	}
	while (!r.done) {
		err = nl_recvmsgs(k->req, cb);
		if (err < 0 && !r.done) {
			snprintf(k->error, sizeof(k->error), "%s",
				 nl_geterror(err));
			r.error = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	if (!r.error && r.interrupted)
		return -EAGAIN;
	return r.error;
}

const char *kernel_error(const struct kernel *k, int err)
{
	static char buf[320];
	const char *msg = k->error;

	/* NL_SET_ERR_MSG_MOD prefixes "wman: ". */
	if (strncmp(msg, "wman: ", 6) == 0)
		msg += 6;
	if (*msg)
		snprintf(buf, sizeof(buf), "%s (%s)", msg, strerror(-err));
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

static struct nl_msg *message(struct kernel *k, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0, flags,
			 cmd, WMAN_GENL_VERSION) ||
	    nla_put_u32(msg, WMAN_A_IFINDEX, k->ifindex)) {
		message_free(msg);
		return NULL;
	}
	return msg;
}

/* A failed nla_put in a small message can only be a lack of memory. */
#define PUT_OR_FAIL(expr) do { if ((expr) < 0) goto nomem; } while (0)

/* Link */

static int on_link(struct nlmsghdr *nlh, void *arg)
{
	struct kernel *k = arg;
	struct nlattr *tb[WMAN_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, WMAN_A_MAX, NULL) ||
	    !tb[WMAN_A_ROLE] || !tb[WMAN_A_BSID] ||
	    nla_len(tb[WMAN_A_BSID]) != MAC_LEN)
		return -EINVAL;
	k->role = nla_get_u8(tb[WMAN_A_ROLE]);
	memcpy(k->bsid, nla_data(tb[WMAN_A_BSID]), MAC_LEN);
	return 0;
}

int kernel_link_refresh(struct kernel *k)
{
	struct nl_msg *msg = message(k, WMAN_CMD_LINK_GET, 0);

	return msg ? request(k, msg, on_link, k) : -ENOMEM;
}

static int device_address(const char *ifname, uint8_t addr[MAC_LEN])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	str_copy(ifr.ifr_name, sizeof(ifr.ifr_name), ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(addr, ifr.ifr_hwaddr.sa_data, MAC_LEN);
	close(fd);
	return err;
}

static struct nl_sock *genl_socket(void)
{
	struct nl_sock *sock = nl_socket_alloc();
	int one = 1;

	if (!sock)
		return NULL;
	if (genl_connect(sock)) {
		nl_socket_free(sock);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	return sock;
}

/* Notifications */

static int parse_mgmt_rx(struct kernel *k, struct nlattr **tb)
{
	struct nlattr *mt[WMAN_MGMT_A_MAX + 1];
	const struct nlattr *payload;

	if (!tb[WMAN_A_MGMT] ||
	    nla_parse_nested(mt, WMAN_MGMT_A_MAX, tb[WMAN_A_MGMT], NULL))
		return -EINVAL;
	payload = mt[WMAN_MGMT_A_PAYLOAD];
	if (!mt[WMAN_MGMT_A_CID] || nla_len(mt[WMAN_MGMT_A_CID]) != 2 ||
	    !mt[WMAN_MGMT_A_ADDR] || nla_len(mt[WMAN_MGMT_A_ADDR]) != MAC_LEN ||
	    !payload || nla_len(payload) < 1 ||
	    nla_len(payload) > WMAN_MGMT_MAX_LEN)
		return -EINVAL;
	if (k->handlers.mgmt_rx)
		k->handlers.mgmt_rx(k->handlers.arg,
				    nla_get_u16(mt[WMAN_MGMT_A_CID]),
				    nla_data(mt[WMAN_MGMT_A_ADDR]),
				    nla_data(payload), (size_t)nla_len(payload));
	return 0;
}

static int parse_tek_event(struct kernel *k, uint8_t cmd, struct nlattr **tb)
{
	struct nlattr *tt[WMAN_TEK_A_MAX + 1];
	int cid = -1;

	if (!tb[WMAN_A_TEK] ||
	    nla_parse_nested(tt, WMAN_TEK_A_MAX, tb[WMAN_A_TEK], NULL) ||
	    !tt[WMAN_TEK_A_SAID] || nla_len(tt[WMAN_TEK_A_SAID]) != 2 ||
	    !tt[WMAN_TEK_A_EKS] || nla_len(tt[WMAN_TEK_A_EKS]) != 1)
		return -EINVAL;
	if (tt[WMAN_TEK_A_CID] && nla_len(tt[WMAN_TEK_A_CID]) == 2)
		cid = nla_get_u16(tt[WMAN_TEK_A_CID]);
	if (k->handlers.tek_event)
		k->handlers.tek_event(k->handlers.arg, cmd,
				      nla_get_u16(tt[WMAN_TEK_A_SAID]),
				      nla_get_u8(tt[WMAN_TEK_A_EKS]), cid);
	return 0;
}

static int parse_pn_limit(struct kernel *k, struct nlattr **tb)
{
	struct nlattr *tt[WMAN_TEK_A_MAX + 1];

	if (!tb[WMAN_A_TEK] ||
	    nla_parse_nested(tt, WMAN_TEK_A_MAX, tb[WMAN_A_TEK], NULL) ||
	    !tt[WMAN_TEK_A_SAID] || nla_len(tt[WMAN_TEK_A_SAID]) != 2 ||
	    !tt[WMAN_TEK_A_EKS] || nla_len(tt[WMAN_TEK_A_EKS]) != 1 ||
	    !tt[WMAN_TEK_A_TX_PN] || nla_len(tt[WMAN_TEK_A_TX_PN]) != 4 ||
	    !tt[WMAN_TEK_A_TX_PN_LIMIT] ||
	    nla_len(tt[WMAN_TEK_A_TX_PN_LIMIT]) != 4)
		return -EINVAL;
	if (k->handlers.tek_pn_limit)
		k->handlers.tek_pn_limit(k->handlers.arg,
					 nla_get_u16(tt[WMAN_TEK_A_SAID]),
					 nla_get_u8(tt[WMAN_TEK_A_EKS]),
					 nla_get_u32(tt[WMAN_TEK_A_TX_PN]),
					 nla_get_u32(tt[WMAN_TEK_A_TX_PN_LIMIT]));
	return 0;
}

/* One notification of the family, from the module or the test client. */
static void dispatch_notification(struct kernel *k, struct nlmsghdr *nlh)
{
	struct nlattr *tb[WMAN_A_MAX + 1];
	uint8_t cmd;
	int err;

	if (genlmsg_parse(nlh, 0, tb, WMAN_A_MAX, NULL))
		goto malformed;
	/* Events of every wman device in the namespace reach us. */
	if (!tb[WMAN_A_IFINDEX] || nla_get_u32(tb[WMAN_A_IFINDEX]) != k->ifindex)
		return;
	cmd = genlmsg_hdr(nlh)->cmd;
	switch (cmd) {
	case WMAN_CMD_MGMT_RX:
		err = parse_mgmt_rx(k, tb);
		break;
	case WMAN_CMD_TEK_SOFT_EXPIRED:
	case WMAN_CMD_TEK_HARD_EXPIRED:
	case WMAN_CMD_TEK_PN_EXHAUSTED:
	case WMAN_CMD_UNKNOWN_EKS:
		err = parse_tek_event(k, cmd, tb);
		break;
	case WMAN_CMD_TEK_PN_LIMIT:
		err = parse_pn_limit(k, tb);
		break;
	default:
		return;
	}
	if (!err)
		return;
malformed:
	log_warn("ignoring a malformed notification from the kernel");
}

static int on_notification(struct nl_msg *msg, void *arg)
{
	struct kernel *k = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type == k->family)
		dispatch_notification(k, nlh);
	return NL_OK;
}

void kernel_test_notification(struct kernel *k, const void *nlmsg,
			      size_t len)
{
	struct nlmsghdr *nlh;

	/* A copy: libnl's parsers want it aligned and writable. */
	if (len < NLMSG_HDRLEN + GENL_HDRLEN || len > WMAN_MGMT_MAX_LEN + 512 ||
	    !(nlh = malloc(len)))
		return;
	memcpy(nlh, nlmsg, len);
	if (nlh->nlmsg_len == len)
		dispatch_notification(k, nlh);
	else
		log_warn("test link: malformed notification (%zu bytes) dropped",
			 len);
	free(nlh);
}

int kernel_notify_fd(const struct kernel *k)
{
	if (k->test)
		return test_link_notify_fd(k);
	return nl_socket_get_fd(k->notify);
}

void kernel_notify_read(struct kernel *k)
{
	if (k->test) {
		test_link_notify_read(k);
		return;
	}
	if (k->handlers.rx_batch)
		k->handlers.rx_batch(k->handlers.arg, true);
	/* A bounded run, then the event loop comes back for the rest. */
	for (int i = 0; i < KERNEL_RX_BATCH; i++) {
		int err = nl_recvmsgs_default(k->notify);

		if (err == -NLE_AGAIN || err == 0)
			break;
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed; peers retransmit. */
			log_warn("kernel notifications lost: receive buffer overrun");
			continue;
		}
		log_err("reading kernel notifications: %s", nl_geterror(err));
		break;
	}
	if (k->handlers.rx_batch)
		k->handlers.rx_batch(k->handlers.arg, false);
}

/* Registration needs the notify socket to send, and to read its ACK. */
static int register_listener(struct kernel *k)
{
	struct nl_sock *saved = k->req;
	struct nl_msg *msg = message(k, WMAN_CMD_MGMT_REGISTER, 0);
	int err;

	if (!msg)
		return -ENOMEM;
	k->req = k->notify;
	err = request(k, msg, NULL, NULL);
	k->req = saved;
	return err;
}

int kernel_open(struct kernel *k, const char *ifname,
		const struct kernel_handlers *handlers)
{
	struct nl_msg *msg;
	int group, err;

	memset(k, 0, sizeof(*k));
	k->handlers = *handlers;
	str_copy(k->ifname, sizeof(k->ifname), ifname);
	k->ifindex = if_nametoindex(ifname);
	if (!k->ifindex) {
		log_err("interface %s: %s", ifname, strerror(errno));
		return -ENODEV;
	}
	k->req = genl_socket();
	k->notify = genl_socket();
	if (!k->req || !k->notify) {
		log_err("cannot open generic netlink sockets");
		goto fail;
	}
	k->family = genl_ctrl_resolve(k->req, WMAN_GENL_NAME);
	if (k->family < 0) {
		log_err("generic netlink family %s not found: is the wman module loaded?",
			WMAN_GENL_NAME);
		goto fail;
	}

	msg = message(k, WMAN_CMD_LINK_GET, 0);
	err = msg ? request(k, msg, on_link, k) : -ENOMEM;
	if (err) {
		log_err("interface %s: not a wman device? %s", ifname,
			kernel_error(k, err));
		goto fail;
	}
	err = device_address(ifname, k->addr);
	if (err) {
		log_err("interface %s: cannot read its address: %s", ifname,
			strerror(-err));
		goto fail;
	}

	err = register_listener(k);
	if (err) {
		log_err("interface %s: cannot receive its management messages: %s",
			ifname, err == -EBUSY ?
			"another daemon already does" : kernel_error(k, err));
		goto fail;
	}
	group = genl_ctrl_resolve_grp(k->req, WMAN_GENL_NAME, WMAN_MCGRP_EVENTS);
	if (group < 0 || nl_socket_add_membership(k->notify, group)) {
		log_err("cannot join the %s multicast group", WMAN_MCGRP_EVENTS);
		goto fail;
	}
	nl_socket_disable_seq_check(k->notify);
	nl_socket_modify_cb(k->notify, NL_CB_VALID, NL_CB_CUSTOM,
			    on_notification, k);
	nl_socket_set_buffer_size(k->notify, NOTIFY_RCVBUF, 0);
	nl_socket_set_nonblocking(k->notify);
	return 0;

fail:
	kernel_close(k);
	return -EIO;
}

int kernel_open_test(struct kernel *k, const char *path, bool record,
		     const struct kernel_handlers *handlers)
{
	memset(k, 0, sizeof(*k));
	str_copy(k->ifname, sizeof(k->ifname), "test");
	return test_link_open(k, path, record, handlers) ? -EIO : 0;
}

static void held_drop_all(struct kernel *k);

void kernel_close(struct kernel *k)
{
	held_drop_all(k);
	free(k->held);
	k->held = NULL;
	k->cap_held = 0;
	if (k->test)
		test_link_close(k);
	if (k->req)
		nl_socket_free(k->req);
	if (k->notify)
		nl_socket_free(k->notify);
	k->req = k->notify = NULL;
}

/* Objects */

int kernel_conn_add(struct kernel *k, uint16_t cid, uint8_t kind, int said,
		    const uint8_t *peer)
{
	struct nl_msg *msg = message(k, WMAN_CMD_CONN_NEW, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_CONN);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_CONN_A_CID, cid));
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_CONN_A_KIND, kind));
	if (said >= 0)
		PUT_OR_FAIL(nla_put_u16(msg, WMAN_CONN_A_SAID, (uint16_t)said));
	if (peer)
		PUT_OR_FAIL(nla_put(msg, WMAN_CONN_A_PEER, MAC_LEN, peer));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_conn_del(struct kernel *k, uint16_t cid)
{
	struct nl_msg *msg = message(k, WMAN_CMD_CONN_DEL, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_CONN);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_CONN_A_CID, cid));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_sa_add(struct kernel *k, uint16_t said, uint8_t suite,
		  uint8_t service)
{
	struct nl_msg *msg = message(k, WMAN_CMD_SA_NEW, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_SA);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_SA_A_SAID, said));
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_SA_A_SUITE, suite));
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_SA_A_SERVICE, service));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_sa_del(struct kernel *k, uint16_t said)
{
	struct nl_msg *msg = message(k, WMAN_CMD_SA_DEL, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_SA);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_SA_A_SAID, said));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_tek_add(struct kernel *k, uint16_t said, uint8_t eks,
		   const uint8_t key[WMAN_KEY_LEN], uint32_t lifetime,
		   uint32_t soft_lifetime, const struct kernel_tek_pn *pn,
		   bool replace)
{
	struct nl_msg *msg = message(k, WMAN_CMD_TEK_NEW, 0);
	struct nlattr *nest;
	int err;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_TEK);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_TEK_A_SAID, said));
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_TEK_A_EKS, eks));
	PUT_OR_FAIL(nla_put(msg, WMAN_TEK_A_KEY, WMAN_KEY_LEN, key));
	PUT_OR_FAIL(nla_put_u32(msg, WMAN_TEK_A_LIFETIME, lifetime));
	if (soft_lifetime)
		PUT_OR_FAIL(nla_put_u32(msg, WMAN_TEK_A_SOFT_LIFETIME,
					soft_lifetime));
	if (pn && pn->tx_pn)
		PUT_OR_FAIL(nla_put_u32(msg, WMAN_TEK_A_TX_PN, pn->tx_pn));
	if (pn && pn->tx_pn_limit)
		PUT_OR_FAIL(nla_put_u32(msg, WMAN_TEK_A_TX_PN_LIMIT,
					pn->tx_pn_limit));
	if (pn && pn->rx_pn)
		PUT_OR_FAIL(nla_put_u32(msg, WMAN_TEK_A_RX_PN, pn->rx_pn));
	if (replace)
		PUT_OR_FAIL(nla_put_flag(msg, WMAN_TEK_A_REPLACE));
	nla_nest_end(msg, nest);
	err = request(k, msg, NULL, NULL);
	if (!err)
		keylog_tek_added(k, said, eks, key, lifetime);
	return err;
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_tek_del(struct kernel *k, uint16_t said, uint8_t eks)
{
	struct nl_msg *msg = message(k, WMAN_CMD_TEK_DEL, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_TEK);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_TEK_A_SAID, said));
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_TEK_A_EKS, eks));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_tek_set_limit(struct kernel *k, uint16_t said, uint8_t eks,
			 uint32_t tx_pn_limit)
{
	struct nl_msg *msg = message(k, WMAN_CMD_TEK_SET, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_TEK);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_TEK_A_SAID, said));
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_TEK_A_EKS, eks));
	PUT_OR_FAIL(nla_put_u32(msg, WMAN_TEK_A_TX_PN_LIMIT, tx_pn_limit));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_group_add(struct kernel *k, uint8_t id, uint16_t cid,
		     const uint8_t (*addrs)[MAC_LEN], size_t n_addrs)
{
	struct nl_msg *msg = message(k, WMAN_CMD_GROUP_NEW, 0);
	struct nlattr *nest, *list;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_GROUP);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_GROUP_A_ID, id));
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_GROUP_A_CID, cid));
	if (n_addrs) {
		list = nla_nest_start(msg, WMAN_GROUP_A_ADDRS);
		if (!list)
			goto nomem;
		for (size_t i = 0; i < n_addrs; i++)
			PUT_OR_FAIL(nla_put(msg, WMAN_GROUP_A_ADDR, MAC_LEN,
					    addrs[i]));
		nla_nest_end(msg, list);
	}
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

int kernel_group_del(struct kernel *k, uint8_t id)
{
	struct nl_msg *msg = message(k, WMAN_CMD_GROUP_DEL, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_GROUP);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u8(msg, WMAN_GROUP_A_ID, id));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

/*
 * Held PDUs (kernel.h, kernel_hold()): a queue of groups, oldest first,
 * each waiting (HELD), to be sent (SEND) or dropped (DROP).  Only
 * groups behind a waiting one wait once decided: the head of a
 * non-empty queue is always a waiting group.  The waiting ones are the
 * open group (kernel_hold()) and the deferred ones; two groups to be
 * sent are never next to each other (one is merged into the other), so
 * the queue holds at most 2 * KERNEL_DEFER_MAX + 1 groups.
 */
enum held_state {
	HELD,
	SEND,
	DROP,
};

static uint8_t *group_state(struct kernel *k, uint64_t group)
{
	return &k->group_state[group % KERNEL_GROUPS_MAX];
}

static uint64_t group_push(struct kernel *k, enum held_state state)
{
	uint64_t g = k->group_tail++;

	if (k->group_tail - k->group_head > KERNEL_GROUPS_MAX) {
		/* kernel_may_defer() keeps the queue shorter than this */
		log_err("held management messages: more than %d groups", KERNEL_GROUPS_MAX);
		abort();
	}
	*group_state(k, g) = (uint8_t)state;
	return g;
}

static int hold(struct kernel *k, uint64_t group, uint16_t cid,
		const uint8_t *dst, const uint8_t *payload, size_t len)
{
	struct kernel_held *h;

	if (k->n_held == k->cap_held && k->first_held) {
		/* the sent ones at the front make room */
		memmove(k->held, k->held + k->first_held,
			(k->n_held - k->first_held) * sizeof(*k->held));
		k->n_held -= k->first_held;
		k->first_held = 0;
	}
	if (k->n_held == k->cap_held) {
		size_t cap = k->cap_held ? 2 * k->cap_held : KERNEL_RX_BATCH;
		struct kernel_held *p = realloc(k->held, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		k->held = p;
		k->cap_held = cap;
	}
	h = &k->held[k->n_held++];
	h->group = group;
	h->cid = cid;
	h->has_dst = dst != NULL;
	if (dst)
		memcpy(h->dst, dst, MAC_LEN);
	h->len = len;
	memcpy(h->payload, payload, len);
	return 0;
}

static int transmit(struct kernel *k, uint16_t cid, const uint8_t *dst,
		    const uint8_t *payload, size_t len);

static void held_send(struct kernel *k, struct kernel_held *h)
{
	int err = transmit(k, h->cid, h->has_dst ? h->dst : NULL,
			   h->payload, h->len);

	if (err)
		log_warn("cannot send a management message on CID 0x%04x: %s",
			 h->cid, kernel_error(k, err));
}

/* Wipes the newest held PDUs of group (the tail's); how many. */
static size_t held_drop_tail(struct kernel *k, uint64_t group)
{
	size_t n = 0;

	while (k->n_held > k->first_held && k->held[k->n_held - 1].group == group) {
		struct kernel_held *h = &k->held[--k->n_held];

		OPENSSL_cleanse(h->payload, h->len);
		n++;
	}
	return n;
}

/* Sends or drops the decided groups at the head of the queue. */
static void held_flush(struct kernel *k)
{
	size_t dropped = 0;

	while (k->group_head != k->group_tail &&
	       *group_state(k, k->group_head) != HELD) {
		uint64_t g = k->group_head;
		bool send = *group_state(k, g) == SEND;

		while (k->first_held < k->n_held && k->held[k->first_held].group == g) {
			struct kernel_held *h = &k->held[k->first_held++];

			if (send)
				held_send(k, h);
			else
				dropped++;
			OPENSSL_cleanse(h->payload, h->len);
		}
		k->group_head++;
	}
	if (k->first_held == k->n_held)
		k->first_held = k->n_held = 0;
	if (dropped)
		log_err("%zu management messages not sent", dropped);
}

void kernel_hold(struct kernel *k)
{
	group_push(k, HELD);
	k->holding = true;
}

void kernel_release(struct kernel *k, bool send)
{
	uint64_t open = k->group_tail - 1;
	size_t dropped;

	if (!k->holding)
		return;
	k->holding = false;
	if (!send) {
		/* Dropping keeps the order of what is sent: at once. */
		dropped = held_drop_tail(k, open);
		k->group_tail--;
		if (dropped)
			log_err("%zu management messages not sent", dropped);
	} else if (open != k->group_head && *group_state(k, open - 1) == SEND) {
		/* into the group before it, which waits to be sent too */
		for (size_t i = k->n_held; i > k->first_held &&
		     k->held[i - 1].group == open; i--)
			k->held[i - 1].group = open - 1;
		k->group_tail--;
	} else {
		*group_state(k, open) = SEND;
	}
	held_flush(k);
}

bool kernel_may_defer(const struct kernel *k)
{
	return k->n_deferred < KERNEL_DEFER_MAX;
}

void kernel_defer(struct kernel *k)
{
	if (!k->holding)
		return;
	k->holding = false;
	k->n_deferred++;
}

void kernel_settle(struct kernel *k, bool send)
{
	if (!k->n_deferred) {
		log_err("held management messages: no deferred group to settle");
		return;
	}
	/* the oldest deferred group is the head (kernel_defer()) */
	k->n_deferred--;
	*group_state(k, k->group_head) = send ? SEND : DROP;
	held_flush(k);
}

/* Every held PDU dropped (kernel_close()). */
static void held_drop_all(struct kernel *k)
{
	for (uint64_t g = k->group_head; g != k->group_tail; g++)
		*group_state(k, g) = DROP;
	k->holding = false;
	k->n_deferred = 0;
	held_flush(k);
}

int kernel_mgmt_tx(struct kernel *k, uint16_t cid, const uint8_t *dst,
		   const uint8_t *payload, size_t len)
{
	if (!len || len > WMAN_MGMT_MAX_LEN)
		return -EMSGSIZE;
	if (k->holding)
		return hold(k, k->group_tail - 1, cid, dst, payload, len);
	if (k->group_head != k->group_tail) {
		/* behind the held ones, in a group sent with the one before */
		if (*group_state(k, k->group_tail - 1) != SEND)
			group_push(k, SEND);
		return hold(k, k->group_tail - 1, cid, dst, payload, len);
	}
	return transmit(k, cid, dst, payload, len);
}

static int transmit(struct kernel *k, uint16_t cid, const uint8_t *dst,
		    const uint8_t *payload, size_t len)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (k->test)
		return test_link_mgmt_tx(k, cid, dst, payload, len);
	msg = message(k, WMAN_CMD_MGMT_TX, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_MGMT);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_MGMT_A_CID, cid));
	PUT_OR_FAIL(nla_put(msg, WMAN_MGMT_A_PAYLOAD, (int)len, payload));
	if (dst)
		PUT_OR_FAIL(nla_put(msg, WMAN_MGMT_A_ADDR, MAC_LEN, dst));
	nla_nest_end(msg, nest);
	return request(k, msg, NULL, NULL);
nomem:
	message_free(msg);
	return -ENOMEM;
}

/* Dumps */

static int parse_sa(struct nlattr *attr, struct kernel_sa_info *out)
{
	struct nlattr *st[WMAN_SA_A_MAX + 1], *tek;
	int rem;

	memset(out, 0, sizeof(*out));
	if (nla_parse_nested(st, WMAN_SA_A_MAX, attr, NULL) ||
	    !st[WMAN_SA_A_SAID] || !st[WMAN_SA_A_SUITE] || !st[WMAN_SA_A_SERVICE])
		return -EINVAL;
	out->said = nla_get_u16(st[WMAN_SA_A_SAID]);
	out->suite = nla_get_u8(st[WMAN_SA_A_SUITE]);
	out->service = nla_get_u8(st[WMAN_SA_A_SERVICE]);
	if (!st[WMAN_SA_A_TEKS])
		return 0;
	nla_for_each_nested(tek, st[WMAN_SA_A_TEKS], rem) {
		struct nlattr *tt[WMAN_TEK_A_MAX + 1];
		struct kernel_tek_info *t;

		if (out->n_teks == WMAN_EKS_COUNT ||
		    nla_parse_nested(tt, WMAN_TEK_A_MAX, tek, NULL) ||
		    !tt[WMAN_TEK_A_EKS])
			return -EINVAL;
		t = &out->teks[out->n_teks++];
		t->eks = nla_get_u8(tt[WMAN_TEK_A_EKS]);
		if (tt[WMAN_TEK_A_TX_PN])
			t->tx_pn = nla_get_u32(tt[WMAN_TEK_A_TX_PN]);
		/* A module without limits sends with the whole space. */
		t->tx_pn_limit = KERNEL_PN_SPACE;
		if (tt[WMAN_TEK_A_TX_PN_LIMIT])
			t->tx_pn_limit = nla_get_u32(tt[WMAN_TEK_A_TX_PN_LIMIT]);
		if (tt[WMAN_TEK_A_RX_PN])
			t->rx_pn = nla_get_u32(tt[WMAN_TEK_A_RX_PN]);
		if (tt[WMAN_TEK_A_STATE])
			t->state = nla_get_u32(tt[WMAN_TEK_A_STATE]);
		t->has_remaining = tt[WMAN_TEK_A_REMAINING] != NULL;
		if (t->has_remaining)
			t->remaining = nla_get_u32(tt[WMAN_TEK_A_REMAINING]);
	}
	return 0;
}

static int on_sa(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[WMAN_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, WMAN_A_MAX, NULL) || !tb[WMAN_A_SA] ||
	    parse_sa(tb[WMAN_A_SA], arg))
		return -EINVAL;
	return 0;
}

int kernel_sa_get(struct kernel *k, uint16_t said, struct kernel_sa_info *out)
{
	struct nl_msg *msg = message(k, WMAN_CMD_SA_GET, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, WMAN_A_SA);
	if (!nest)
		goto nomem;
	PUT_OR_FAIL(nla_put_u16(msg, WMAN_SA_A_SAID, said));
	nla_nest_end(msg, nest);
	return request(k, msg, on_sa, out);
nomem:
	message_free(msg);
	return -ENOMEM;
}

/* A dump that ran while the tables changed is retried once. */
static int dump(struct kernel *k, uint8_t cmd,
		int (*on_reply)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	for (int attempt = 0;; attempt++) {
		struct nl_msg *msg = message(k, cmd, NLM_F_DUMP);
		int err;

		if (!msg)
			return -ENOMEM;
		err = request(k, msg, on_reply, arg);
		if (err != -EAGAIN || attempt)
			return err;
	}
}

struct conn_dump {
	void (*cb)(void *arg, const struct kernel_conn_info *c);
	void *arg;
};

static int on_conn(struct nlmsghdr *nlh, void *arg)
{
	struct conn_dump *d = arg;
	struct nlattr *tb[WMAN_A_MAX + 1], *ct[WMAN_CONN_A_MAX + 1];
	struct kernel_conn_info c;

	memset(&c, 0, sizeof(c));
	if (genlmsg_parse(nlh, 0, tb, WMAN_A_MAX, NULL) || !tb[WMAN_A_CONN] ||
	    nla_parse_nested(ct, WMAN_CONN_A_MAX, tb[WMAN_A_CONN], NULL) ||
	    !ct[WMAN_CONN_A_CID] || !ct[WMAN_CONN_A_KIND])
		return -EINVAL;
	c.cid = nla_get_u16(ct[WMAN_CONN_A_CID]);
	c.kind = nla_get_u8(ct[WMAN_CONN_A_KIND]);
	c.has_said = ct[WMAN_CONN_A_SAID] != NULL;
	if (c.has_said)
		c.said = nla_get_u16(ct[WMAN_CONN_A_SAID]);
	c.has_peer = ct[WMAN_CONN_A_PEER] &&
		     nla_len(ct[WMAN_CONN_A_PEER]) == MAC_LEN;
	if (c.has_peer)
		memcpy(c.peer, nla_data(ct[WMAN_CONN_A_PEER]), MAC_LEN);
	d->cb(d->arg, &c);
	return 0;
}

int kernel_conn_dump(struct kernel *k,
		     void (*cb)(void *arg, const struct kernel_conn_info *c),
		     void *arg)
{
	struct conn_dump d = { cb, arg };

	return dump(k, WMAN_CMD_CONN_GET, on_conn, &d);
}
