// SPDX-License-Identifier: GPL-2.0
/*
 * wman_nl_bad: send one malformed request to the "wman" generic netlink
 * family, the kind of request the wman tool refuses to build, and check
 * that the kernel rejects it with an extended ACK message.
 *
 *   wman_nl_bad --list
 *   wman_nl_bad [--dev IFNAME] [--said SAID] [--cid CID] {CASE | --all}
 *
 * --dev names an existing wman device, --said an SA installed on it and
 * --cid a unicast (not management) connection, so that the case's one
 * fault is the only thing wrong with the request.  Prints
 * "PASS|FAIL CASE: error E (text), extack 'MESSAGE'" per case (PASS when
 * the request failed with a message or, for the ok-* control cases,
 * succeeded) and exits 0 when every case passed, 1 otherwise, 4 when the
 * family is missing.  --all runs every case, in one process.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/wman.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "kselftest.h"

#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS	0x200
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED	0x100
#endif

struct ctx {
	const char *dev;
	uint32_t ifindex;
	uint16_t said;
	uint16_t cid;
};

struct result {
	bool done;
	int error;
	char msg[256];
};

struct bad_case {
	const char *name;
	uint8_t cmd;
	bool expect_ok;		/* control case: must succeed */
	void (*build)(struct nl_msg *msg, const struct ctx *ctx);
};

static const uint8_t key16[WMAN_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					     11, 12, 13, 14, 15, 16 };
static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x10, 0x00, 0x42 };
static const uint8_t ucast_mac[6] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x42 };

static void put_dev(struct nl_msg *msg, const struct ctx *ctx)
{
	nla_put_string(msg, WMAN_A_IFNAME, ctx->dev);
}

/* A TEK nest for the test SA, with optional faults. */
static void put_tek(struct nl_msg *msg, const struct ctx *ctx, int key_len,
		    int eks, bool with_said, uint32_t *pn)
{
	static uint8_t key[64];
	struct nlattr *nest;

	memcpy(key, key16, sizeof(key16));
	put_dev(msg, ctx);
	nest = nla_nest_start(msg, WMAN_A_TEK);
	if (with_said)
		nla_put_u16(msg, WMAN_TEK_A_SAID, ctx->said);
	nla_put_u8(msg, WMAN_TEK_A_EKS, eks);
	if (key_len >= 0)
		nla_put(msg, WMAN_TEK_A_KEY, key_len, key);
	if (pn)
		nla_put_u32(msg, WMAN_TEK_A_TX_PN, *pn);
	nla_nest_end(msg, nest);
}

/* ---- the cases ----------------------------------------------------------- */

static void nothing(struct nl_msg *m, const struct ctx *c)
{
	(void)m;
	(void)c;
}

static void ok_link_get(struct nl_msg *m, const struct ctx *c)
{
	put_dev(m, c);
}

static void no_device(struct nl_msg *m, const struct ctx *c)
{
	struct nlattr *nest = nla_nest_start(m, WMAN_A_SA);

	(void)c;
	nla_put_u16(m, WMAN_SA_A_SAID, 0x4242);
	nla_put_u8(m, WMAN_SA_A_SUITE, WMAN_SUITE_AES_CCM_128);
	nla_put_u8(m, WMAN_SA_A_SERVICE, WMAN_SERVICE_UNICAST);
	nla_nest_end(m, nest);
}

static void ifindex_and_ifname(struct nl_msg *m, const struct ctx *c)
{
	nla_put_u32(m, WMAN_A_IFINDEX, c->ifindex);
	no_device(m, c);
	put_dev(m, c);
}

static void ifname_unknown(struct nl_msg *m, const struct ctx *c)
{
	nla_put_string(m, WMAN_A_IFNAME, "nosuchwman0");
	no_device(m, c);
}

static void ifname_oversized(struct nl_msg *m, const struct ctx *c)
{
	nla_put_string(m, WMAN_A_IFNAME, "wman0-this-name-is-far-too-long-for-ifnamsiz");
	no_device(m, c);
}

static void ifindex_zero(struct nl_msg *m, const struct ctx *c)
{
	nla_put_u32(m, WMAN_A_IFINDEX, 0);
	no_device(m, c);
}

static void ifindex_not_wman(struct nl_msg *m, const struct ctx *c)
{
	nla_put_u32(m, WMAN_A_IFINDEX, 1);	/* lo */
	no_device(m, c);
}

static void unknown_attr(struct nl_msg *m, const struct ctx *c)
{
	put_dev(m, c);
	nla_put_u32(m, WMAN_A_MAX + 1, 0);
}

static void sa_missing_nest(struct nl_msg *m, const struct ctx *c)
{
	put_dev(m, c);
}

static void sa(struct nl_msg *m, const struct ctx *c, int said_len, int suite,
	       int service)
{
	struct nlattr *nest;
	uint32_t said = 0x4243;

	put_dev(m, c);
	nest = nla_nest_start(m, WMAN_A_SA);
	if (said_len)
		nla_put(m, WMAN_SA_A_SAID, said_len, &said);
	if (suite >= 0)
		nla_put_u8(m, WMAN_SA_A_SUITE, suite);
	if (service >= 0)
		nla_put_u8(m, WMAN_SA_A_SERVICE, service);
	nla_nest_end(m, nest);
}

static void sa_no_said(struct nl_msg *m, const struct ctx *c)
{
	sa(m, c, 0, WMAN_SUITE_AES_CCM_128, WMAN_SERVICE_UNICAST);
}

static void sa_said_oversized(struct nl_msg *m, const struct ctx *c)
{
	sa(m, c, 4, WMAN_SUITE_AES_CCM_128, WMAN_SERVICE_UNICAST);
}

static void sa_no_suite(struct nl_msg *m, const struct ctx *c)
{
	sa(m, c, 2, -1, WMAN_SERVICE_UNICAST);
}

static void sa_suite_unknown(struct nl_msg *m, const struct ctx *c)
{
	sa(m, c, 2, 3, WMAN_SERVICE_UNICAST);
}

static void sa_service_out_of_range(struct nl_msg *m, const struct ctx *c)
{
	sa(m, c, 2, WMAN_SUITE_AES_GCM_128, WMAN_SERVICE_BROADCAST + 1);
}

static void sa_nested_unknown_attr(struct nl_msg *m, const struct ctx *c)
{
	struct nlattr *nest;

	put_dev(m, c);
	nest = nla_nest_start(m, WMAN_A_SA);
	nla_put_u16(m, WMAN_SA_A_SAID, 0x4244);
	nla_put_u8(m, WMAN_SA_A_SUITE, WMAN_SUITE_AES_CCM_128);
	nla_put_u8(m, WMAN_SA_A_SERVICE, WMAN_SERVICE_UNICAST);
	nla_put_u8(m, WMAN_SA_A_MAX + 1, 0);
	nla_nest_end(m, nest);
}

static void tek_key_oversized(struct nl_msg *m, const struct ctx *c)
{
	put_tek(m, c, WMAN_KEY_LEN + 1, 2, true, NULL);
}

static void tek_key_short(struct nl_msg *m, const struct ctx *c)
{
	put_tek(m, c, WMAN_KEY_LEN - 1, 2, true, NULL);
}

static void tek_key_32(struct nl_msg *m, const struct ctx *c)
{
	put_tek(m, c, 32, 2, true, NULL);
}

static void tek_no_key(struct nl_msg *m, const struct ctx *c)
{
	put_tek(m, c, -1, 2, true, NULL);
}

static void tek_no_said(struct nl_msg *m, const struct ctx *c)
{
	put_tek(m, c, WMAN_KEY_LEN, 2, false, NULL);
}

static void tek_eks_4(struct nl_msg *m, const struct ctx *c)
{
	put_tek(m, c, WMAN_KEY_LEN, WMAN_EKS_COUNT, true, NULL);
}

static void tek_pn_out_of_range(struct nl_msg *m, const struct ctx *c)
{
	uint32_t pn = 0x80000000;

	put_tek(m, c, WMAN_KEY_LEN, 2, true, &pn);
}

static void tek_unknown_said(struct nl_msg *m, const struct ctx *c)
{
	struct ctx other = *c;

	other.said = c->said ^ 0x5a5a;
	put_tek(m, &other, WMAN_KEY_LEN, 2, true, NULL);
}

static void tek_soft_after_hard(struct nl_msg *m, const struct ctx *c)
{
	struct nlattr *nest;

	put_dev(m, c);
	nest = nla_nest_start(m, WMAN_A_TEK);
	nla_put_u16(m, WMAN_TEK_A_SAID, c->said);
	nla_put_u8(m, WMAN_TEK_A_EKS, 2);
	nla_put(m, WMAN_TEK_A_KEY, WMAN_KEY_LEN, key16);
	nla_put_u32(m, WMAN_TEK_A_LIFETIME, 10);
	nla_put_u32(m, WMAN_TEK_A_SOFT_LIFETIME, 20);
	nla_nest_end(m, nest);
}

static void conn(struct nl_msg *m, const struct ctx *c, bool with_cid,
		 int kind, int peer_len)
{
	struct nlattr *nest;

	put_dev(m, c);
	nest = nla_nest_start(m, WMAN_A_CONN);
	if (with_cid)
		nla_put_u16(m, WMAN_CONN_A_CID, 0x4245);
	if (kind >= 0)
		nla_put_u8(m, WMAN_CONN_A_KIND, kind);
	if (peer_len)
		nla_put(m, WMAN_CONN_A_PEER, peer_len, ucast_mac);
	nla_nest_end(m, nest);
}

static void conn_no_cid(struct nl_msg *m, const struct ctx *c)
{
	conn(m, c, false, WMAN_CONN_UNICAST, 6);
}

static void conn_no_kind(struct nl_msg *m, const struct ctx *c)
{
	conn(m, c, true, -1, 6);
}

static void conn_kind_zero(struct nl_msg *m, const struct ctx *c)
{
	conn(m, c, true, 0, 6);
}

static void conn_kind_out_of_range(struct nl_msg *m, const struct ctx *c)
{
	conn(m, c, true, WMAN_CONN_BROADCAST + 1, 6);
}

static void conn_peer_short(struct nl_msg *m, const struct ctx *c)
{
	conn(m, c, true, WMAN_CONN_UNICAST, 5);
}

static void conn_del_unknown(struct nl_msg *m, const struct ctx *c)
{
	conn(m, c, true, -1, 0);
}

static void group(struct nl_msg *m, const struct ctx *c, int id_len,
		  int naddrs, int addr_len, const uint8_t *addr)
{
	struct nlattr *nest, *addrs;
	uint16_t id = 7;
	int i;

	put_dev(m, c);
	nest = nla_nest_start(m, WMAN_A_GROUP);
	if (id_len)
		nla_put(m, WMAN_GROUP_A_ID, id_len, &id);
	nla_put_u16(m, WMAN_GROUP_A_CID, c->cid);
	addrs = nla_nest_start(m, WMAN_GROUP_A_ADDRS);
	for (i = 0; i < naddrs; i++)
		nla_put(m, WMAN_GROUP_A_ADDR, addr_len, addr);
	nla_nest_end(m, addrs);
	nla_nest_end(m, nest);
}

static void group_no_id(struct nl_msg *m, const struct ctx *c)
{
	group(m, c, 0, 1, 6, mcast_mac);
}

static void group_id_oversized(struct nl_msg *m, const struct ctx *c)
{
	group(m, c, 2, 1, 6, mcast_mac);
}

static void group_addr_short(struct nl_msg *m, const struct ctx *c)
{
	group(m, c, 1, 1, 5, mcast_mac);
}

static void group_addr_unicast(struct nl_msg *m, const struct ctx *c)
{
	group(m, c, 1, 1, 6, ucast_mac);
}

static void group_too_many_addrs(struct nl_msg *m, const struct ctx *c)
{
	group(m, c, 1, WMAN_GROUP_MAX_ADDRS + 1, 6, mcast_mac);
}

static void mgmt(struct nl_msg *m, const struct ctx *c, int len, bool with_cid)
{
	static uint8_t payload[WMAN_MGMT_MAX_LEN + 1];
	struct nlattr *nest;

	payload[0] = WMAN_MGMT_PKM_REQ;
	put_dev(m, c);
	nest = nla_nest_start(m, WMAN_A_MGMT);
	if (with_cid)
		nla_put_u16(m, WMAN_MGMT_A_CID, c->cid);
	if (len >= 0)
		nla_put(m, WMAN_MGMT_A_PAYLOAD, len, payload);
	nla_nest_end(m, nest);
}

static void mgmt_oversized(struct nl_msg *m, const struct ctx *c)
{
	mgmt(m, c, WMAN_MGMT_MAX_LEN + 1, true);
}

static void mgmt_empty(struct nl_msg *m, const struct ctx *c)
{
	mgmt(m, c, 0, true);
}

static void mgmt_no_payload(struct nl_msg *m, const struct ctx *c)
{
	mgmt(m, c, -1, true);
}

static void mgmt_no_cid(struct nl_msg *m, const struct ctx *c)
{
	mgmt(m, c, 10, false);
}

/* --cid is a unicast connection: no management PDU may go on it */
static void mgmt_not_mgmt_conn(struct nl_msg *m, const struct ctx *c)
{
	mgmt(m, c, 10, true);
}

static const struct bad_case cases[] = {
	{ "ok-link-get", WMAN_CMD_LINK_GET, true, ok_link_get },
	{ "no-device", WMAN_CMD_SA_NEW, false, no_device },
	{ "ifindex-and-ifname", WMAN_CMD_SA_NEW, false, ifindex_and_ifname },
	{ "ifname-unknown", WMAN_CMD_SA_NEW, false, ifname_unknown },
	{ "ifname-oversized", WMAN_CMD_SA_NEW, false, ifname_oversized },
	{ "ifindex-zero", WMAN_CMD_SA_NEW, false, ifindex_zero },
	{ "ifindex-not-wman", WMAN_CMD_SA_NEW, false, ifindex_not_wman },
	{ "unknown-attr", WMAN_CMD_LINK_GET, false, unknown_attr },
	{ "sa-missing-nest", WMAN_CMD_SA_NEW, false, sa_missing_nest },
	{ "sa-no-said", WMAN_CMD_SA_NEW, false, sa_no_said },
	{ "sa-said-oversized", WMAN_CMD_SA_NEW, false, sa_said_oversized },
	{ "sa-no-suite", WMAN_CMD_SA_NEW, false, sa_no_suite },
	{ "sa-suite-unknown", WMAN_CMD_SA_NEW, false, sa_suite_unknown },
	{ "sa-service-out-of-range", WMAN_CMD_SA_NEW, false, sa_service_out_of_range },
	{ "sa-nested-unknown-attr", WMAN_CMD_SA_NEW, false, sa_nested_unknown_attr },
	{ "tek-key-oversized", WMAN_CMD_TEK_NEW, false, tek_key_oversized },
	{ "tek-key-32", WMAN_CMD_TEK_NEW, false, tek_key_32 },
	{ "tek-key-short", WMAN_CMD_TEK_NEW, false, tek_key_short },
	{ "tek-no-key", WMAN_CMD_TEK_NEW, false, tek_no_key },
	{ "tek-no-said", WMAN_CMD_TEK_NEW, false, tek_no_said },
	{ "tek-eks-4", WMAN_CMD_TEK_NEW, false, tek_eks_4 },
	{ "tek-pn-out-of-range", WMAN_CMD_TEK_NEW, false, tek_pn_out_of_range },
	{ "tek-unknown-said", WMAN_CMD_TEK_NEW, false, tek_unknown_said },
	{ "tek-soft-after-hard", WMAN_CMD_TEK_NEW, false, tek_soft_after_hard },
	{ "tek-del-eks-4", WMAN_CMD_TEK_DEL, false, tek_eks_4 },
	{ "conn-no-cid", WMAN_CMD_CONN_NEW, false, conn_no_cid },
	{ "conn-no-kind", WMAN_CMD_CONN_NEW, false, conn_no_kind },
	{ "conn-kind-zero", WMAN_CMD_CONN_NEW, false, conn_kind_zero },
	{ "conn-kind-out-of-range", WMAN_CMD_CONN_NEW, false, conn_kind_out_of_range },
	{ "conn-peer-short", WMAN_CMD_CONN_NEW, false, conn_peer_short },
	{ "conn-del-unknown", WMAN_CMD_CONN_DEL, false, conn_del_unknown },
	{ "group-no-id", WMAN_CMD_GROUP_NEW, false, group_no_id },
	{ "group-id-oversized", WMAN_CMD_GROUP_NEW, false, group_id_oversized },
	{ "group-addr-short", WMAN_CMD_GROUP_NEW, false, group_addr_short },
	{ "group-addr-unicast", WMAN_CMD_GROUP_NEW, false, group_addr_unicast },
	{ "group-too-many-addrs", WMAN_CMD_GROUP_NEW, false, group_too_many_addrs },
	{ "mgmt-oversized", WMAN_CMD_MGMT_TX, false, mgmt_oversized },
	{ "mgmt-empty", WMAN_CMD_MGMT_TX, false, mgmt_empty },
	{ "mgmt-no-payload", WMAN_CMD_MGMT_TX, false, mgmt_no_payload },
	{ "mgmt-no-cid", WMAN_CMD_MGMT_TX, false, mgmt_no_cid },
	{ "mgmt-not-mgmt-conn", WMAN_CMD_MGMT_TX, false, mgmt_not_mgmt_conn },
	{ "stats-reset-no-device", WMAN_CMD_STATS_RESET, false, nothing },
};

/* ---- netlink ------------------------------------------------------------- */

/* The kernel's error and its extack message (NLMSGERR_ATTR_MSG). */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)err - 1;
	struct result *res = arg;
	const struct nlattr *attr;
	size_t ack_len;
	int rem;

	(void)nla;
	res->done = true;
	res->error = err->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	ack_len = sizeof(*nlh) + sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += err->msg.nlmsg_len - sizeof(*nlh);
	if (nlh->nlmsg_len <= ack_len)
		return NL_STOP;
	attr = (const struct nlattr *)((const char *)nlh + ack_len);
	rem = nlh->nlmsg_len - ack_len;
	for (; nla_ok(attr, rem); attr = nla_next(attr, &rem)) {
		if (nla_type(attr) == NLMSGERR_ATTR_MSG && nla_len(attr) > 0) {
			snprintf(res->msg, sizeof(res->msg), "%.*s",
				 nla_len(attr), (const char *)nla_data(attr));
		}
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct result *res = arg;

	(void)msg;
	res->done = true;
	res->error = 0;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static void usage(void)
{
	fprintf(stderr, "usage: wman_nl_bad --list\n"
			"       wman_nl_bad [--dev IFNAME] [--said SAID] [--cid CID] {CASE | --all}\n");
	exit(KSFT_FAIL);
}

static unsigned long number(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max)
		usage();
	return v;
}

/* Send one case's request; print its outcome; true if as expected. */
static bool run_case(struct nl_sock *sk, int family, const struct bad_case *bc,
		     const struct ctx *ctx)
{
	struct result res = { 0 };
	struct nl_msg *msg;
	struct nl_cb *cb;
	bool pass;
	int err;

	msg = nlmsg_alloc_size(2 * WMAN_MGMT_MAX_LEN + 4096);
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 NLM_F_ACK, bc->cmd, WMAN_GENL_VERSION)) {
		fprintf(stderr, "wman_nl_bad: cannot build the message\n");
		exit(KSFT_FAIL);
	}
	bc->build(msg, ctx);

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		exit(KSFT_FAIL);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &res);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &res);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &res);

	err = nl_send_auto(sk, msg);
	if (err < 0) {
		fprintf(stderr, "wman_nl_bad: send: %s\n", nl_geterror(err));
		exit(KSFT_FAIL);
	}
	while (!res.done) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && !res.done) {
			fprintf(stderr, "wman_nl_bad: receive: %s\n", nl_geterror(err));
			exit(KSFT_FAIL);
		}
	}

	if (bc->expect_ok)
		pass = res.error == 0;
	else
		pass = res.error < 0 && res.msg[0];
	printf("%s %s: error %d (%s), extack '%s'\n", pass ? "PASS" : "FAIL",
	       bc->name, res.error, res.error ? strerror(-res.error) : "success",
	       res.msg);
	nlmsg_free(msg);
	nl_cb_put(cb);
	return pass;
}

int main(int argc, char **argv)
{
	struct ctx ctx = { .dev = "wman0", .said = 0x2001, .cid = 0x1001 };
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	const struct bad_case *bc = NULL;
	bool all = false, pass = true;
	struct nl_sock *sk;
	int family, one = 1, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (size_t k = 0; k < ncases; k++)
				printf("%s\n", cases[k].name);
			return KSFT_PASS;
		} else if (!strcmp(argv[i], "--all")) {
			all = true;
		} else if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			ctx.dev = argv[++i];
		} else if (!strcmp(argv[i], "--said") && i + 1 < argc) {
			ctx.said = number(argv[++i], 0xffff);
		} else if (!strcmp(argv[i], "--cid") && i + 1 < argc) {
			ctx.cid = number(argv[++i], 0xffff);
		} else if (!bc && !all) {
			for (size_t k = 0; k < ncases; k++)
				if (!strcmp(argv[i], cases[k].name))
					bc = &cases[k];
			if (!bc) {
				fprintf(stderr, "wman_nl_bad: unknown case '%s'\n", argv[i]);
				return KSFT_FAIL;
			}
		} else {
			usage();
		}
	}
	if ((!bc && !all) || strlen(ctx.dev) >= IFNAMSIZ)
		usage();
	ctx.ifindex = if_nametoindex(ctx.dev);

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "wman_nl_bad: cannot open a generic netlink socket\n");
		return KSFT_FAIL;
	}
	family = genl_ctrl_resolve(sk, WMAN_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "wman_nl_bad: no generic netlink family '%s'\n",
			WMAN_GENL_NAME);
		return KSFT_SKIP;
	}
	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one))) {
		perror("wman_nl_bad: NETLINK_EXT_ACK");
		return KSFT_FAIL;
	}

	if (all) {
		for (size_t k = 0; k < ncases; k++)
			pass &= run_case(sk, family, &cases[k], &ctx);
	} else {
		pass = run_case(sk, family, bc, &ctx);
	}
	nl_socket_free(sk);
	return pass ? KSFT_PASS : KSFT_FAIL;
}
