// SPDX-License-Identifier: GPL-2.0
/*
 * wman_kfuzz: changes under traffic.  The churn worker rekeys a live SA
 * (TEK install, replace, delete, PN limit) on the BS and on an SS while
 * the test's traffic uses it, and adds and removes SAs and connections.
 * The links worker, in network namespaces of its own, creates a veth pair
 * with a wman link on it, keys it, floods it from both sides and then
 * removes the lower device, the link, or the whole namespace under that
 * traffic, or moves the lower device to the initial namespace (where it
 * must go away with its peer's namespace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/wman.h>

#include "kfuzz.h"

static uint8_t buf[KF_ARENA * 2];

/* A well-formed request, ack checked. */
static int request(struct kf_nl *nl, struct kf_msg *m)
{
	struct kf_nl_result res;
	size_t len = kf_msg_write(m, buf, sizeof(buf), ++nl->seq);
	int err = kf_nl_send(nl, buf, len);

	if (err)
		return err;
	kf_nl_drain(nl, &res);
	return res.acks_err ? res.last_err : 0;
}

static void dev_attr(struct kf_msg *m, const char *ifname)
{
	kf_msg_add(m, -1, WMAN_A_IFNAME, ifname, strlen(ifname) + 1);
}

static int tek_op(struct kf_nl *nl, struct kf_rng *r, const char *dev,
		  uint8_t cmd, uint16_t said, uint8_t eks, bool replace)
{
	static struct kf_msg m;
	uint8_t key[WMAN_KEY_LEN];
	int nest;

	kf_msg_init(&m, nl->family, cmd, NLM_F_REQUEST | NLM_F_ACK);
	dev_attr(&m, dev);
	nest = kf_msg_nest(&m, -1, WMAN_A_TEK);
	kf_msg_add(&m, nest, WMAN_TEK_A_SAID, &said, 2);
	kf_msg_add(&m, nest, WMAN_TEK_A_EKS, &eks, 1);
	if (cmd == WMAN_CMD_TEK_NEW) {
		uint32_t v;

		kf_fill(r, key, sizeof(key));
		kf_msg_add(&m, nest, WMAN_TEK_A_KEY, key, sizeof(key));
		if (replace)
			kf_msg_add(&m, nest, WMAN_TEK_A_REPLACE, NULL, 0);
		if (kf_chance(r, 30)) {
			v = kf_below(r, 5);
			kf_msg_add(&m, nest, WMAN_TEK_A_LIFETIME, &v, 4);
		}
		if (kf_chance(r, 30)) {
			v = 0x7fffffff - kf_below(r, 200);
			kf_msg_add(&m, nest, WMAN_TEK_A_TX_PN, &v, 4);
		}
		if (kf_chance(r, 30)) {
			v = 1 + kf_below(r, 400);
			kf_msg_add(&m, nest, WMAN_TEK_A_TX_PN_LIMIT, &v, 4);
		}
	} else if (cmd == WMAN_CMD_TEK_SET) {
		uint32_t v = 1 + kf_below(r, 0x7fffffff);

		kf_msg_add(&m, nest, WMAN_TEK_A_TX_PN_LIMIT, &v, 4);
	}
	return request(nl, &m);
}

static int sa_op(struct kf_nl *nl, struct kf_rng *r, const char *dev,
		 uint8_t cmd, uint16_t said)
{
	static struct kf_msg m;
	int nest;

	kf_msg_init(&m, nl->family, cmd, NLM_F_REQUEST | NLM_F_ACK);
	dev_attr(&m, dev);
	nest = kf_msg_nest(&m, -1, WMAN_A_SA);
	kf_msg_add(&m, nest, WMAN_SA_A_SAID, &said, 2);
	if (cmd == WMAN_CMD_SA_NEW) {
		uint8_t suite = kf_chance(r, 50) ? WMAN_SUITE_AES_CCM_128 :
						   WMAN_SUITE_AES_GCM_128;
		uint8_t service = kf_below(r, 3);

		kf_msg_add(&m, nest, WMAN_SA_A_SUITE, &suite, 1);
		kf_msg_add(&m, nest, WMAN_SA_A_SERVICE, &service, 1);
	}
	return request(nl, &m);
}

static int conn_op(struct kf_nl *nl, struct kf_rng *r, const char *dev,
		   uint8_t cmd, uint16_t cid, int said, const uint8_t *peer)
{
	static struct kf_msg m;
	int nest;

	kf_msg_init(&m, nl->family, cmd, NLM_F_REQUEST | NLM_F_ACK);
	dev_attr(&m, dev);
	nest = kf_msg_nest(&m, -1, WMAN_A_CONN);
	kf_msg_add(&m, nest, WMAN_CONN_A_CID, &cid, 2);
	if (cmd == WMAN_CMD_CONN_NEW) {
		uint8_t kind = peer ? WMAN_CONN_UNICAST : 2 + kf_below(r, 3);
		uint16_t s = said;

		kf_msg_add(&m, nest, WMAN_CONN_A_KIND, &kind, 1);
		if (said >= 0)
			kf_msg_add(&m, nest, WMAN_CONN_A_SAID, &s, 2);
		if (peer)
			kf_msg_add(&m, nest, WMAN_CONN_A_PEER, peer, 6);
	}
	return request(nl, &m);
}

static void tally(enum kf_churn_kind k, int err)
{
	if (err) {
		KF_INC(kf_stats->churn_fail);
		kf_count_errno(kf_stats->churn_errno, err);
	}
	else
		KF_INC(kf_stats->churn[k]);
}

static void nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int kf_worker_churn(int id)
{
	struct kf_nl nl[2];
	const char *dev = kf_conf.dev;
	uint16_t said = kf_conf.churn_said;
	uint64_t item;
	struct kf_rng r;
	int i, err;

	kf_seed(&r, kf_conf.seed, kf_stream);
	/* a socket in each namespace: a socket stays in its own */
	for (i = 0; i < 2; i++) {
		if (kf_enter_netns(i ? kf_conf.churn_ss.ns : kf_conf.bs.ns))
			return 1;
		err = kf_nl_open(&nl[i]);
		if (err) {
			fprintf(stderr, "kfuzz: churn genl: %s\n",
				strerror(-err));
			return 1;
		}
	}
	for (item = 0; kf_more(item); item++) {
		struct kf_rng ir;
		struct kf_nl *n;
		uint16_t scratch;
		uint8_t eks;

		kf_seed(&ir, kf_next(&r), 0);
		n = &nl[kf_below(&ir, 2)];
		eks = kf_below(&ir, 4);
		scratch = 0x6000 + kf_below(&ir, 16);
		KF_INC(kf_stats->items[id]);
		switch (kf_below(&ir, 10)) {
		case 0:
			tally(CK_TEK_NEW, tek_op(n, &ir, dev, WMAN_CMD_TEK_NEW,
						 said, eks, false));
			break;
		case 1:
		case 2:
			tally(CK_TEK_REPLACE, tek_op(n, &ir, dev,
				WMAN_CMD_TEK_NEW, said, eks, true));
			break;
		case 3:
			tally(CK_TEK_DEL, tek_op(n, &ir, dev, WMAN_CMD_TEK_DEL,
						 said, eks, false));
			break;
		case 4:
			tally(CK_TEK_SET, tek_op(n, &ir, dev, WMAN_CMD_TEK_SET,
						 said, eks, false));
			break;
		case 5:		/* the live SA itself goes and comes back */
			tally(CK_SA_DEL, sa_op(n, &ir, dev, WMAN_CMD_SA_DEL,
					       said));
			tally(CK_SA_NEW, sa_op(n, &ir, dev, WMAN_CMD_SA_NEW,
					       said));
			break;
		case 6:
			tally(CK_SA_NEW, sa_op(n, &ir, dev, WMAN_CMD_SA_NEW,
					       scratch));
			tally(CK_TEK_NEW, tek_op(n, &ir, dev, WMAN_CMD_TEK_NEW,
						 scratch, eks, true));
			break;
		case 7:
			tally(CK_SA_DEL, sa_op(n, &ir, dev, WMAN_CMD_SA_DEL,
					       scratch));
			break;
		case 8: {
			uint8_t peer[6] = { 0x02, 0x16, 0x00, 0x00, 0x60,
					    kf_below(&ir, 16) };

			tally(CK_CONN_NEW, conn_op(n, &ir, dev,
				WMAN_CMD_CONN_NEW, scratch,
				kf_chance(&ir, 70) ? scratch : -1,
				kf_chance(&ir, 50) ? peer : NULL));
			break;
		}
		default:
			tally(CK_CONN_DEL, conn_op(n, &ir, dev,
				WMAN_CMD_CONN_DEL, scratch, -1, NULL));
			break;
		}
		nap_ms(kf_below(&ir, 20));
	}
	kf_nl_close(&nl[0]);
	kf_nl_close(&nl[1]);
	return 0;
}

/* ---- links that come and go ------------------------------------------------ */

/* Runs a command, its output discarded; says which one failed. */
static int run_quiet(const char *const argv[])
{
	int status = kf_run(argv, true);

	if (!status)
		return 0;
	fprintf(stderr, "kfuzz: %s %s %s %s: failed (status %d)\n", argv[0],
		argv[1], argv[2], argv[3] ?: "", status);
	return -1;
}

/*
 * Until killed: frames into the scratch link from its lower's peer (the
 * receive path), frames out of the link itself (the transmit path), and
 * requests on it.
 */
static void scratch_traffic(uint64_t sub)
{
	struct sockaddr_ll rx = { .sll_family = AF_PACKET,
				  .sll_halen = ETH_ALEN };
	struct sockaddr_ll tx = rx;
	static uint8_t f[1600];
	struct kf_rng r;
	struct kf_nl nl;
	int prx, ptx;

	kf_seed(&r, sub, 0);
	rx.sll_ifindex = if_nametoindex("kfv1");
	tx.sll_ifindex = if_nametoindex("kfw0");
	prx = socket(AF_PACKET, SOCK_RAW, 0);
	ptx = socket(AF_PACKET, SOCK_RAW, 0);
	if (kf_nl_open(&nl))
		nl.fd = -1;
	for (;;) {
		size_t len = 14 + kf_below(&r, 200);
		uint16_t cid = 0x7000 + kf_below(&r, 4);
		uint8_t *g = f + 14;

		kf_fill(&r, f, len);
		if (kf_chance(&r, 70)) {
			/* to the link, a plausible PDU */
			f[0] = 0x02;
			memcpy(f, "\x02\x16\x00\x00\x70\x01", 6);
			f[12] = WMAN_ETH_P >> 8;
			f[13] = WMAN_ETH_P & 0xff;
			if (len < 14 + 6 + 4 + 14 + 16)
				len = 14 + 6 + 4 + 14 + 16;
			g[0] = 0x40;
			g[1] = kf_below(&r, 4) << 4 | (((len - 14) >> 8) & 7);
			g[2] = len - 14;
			g[3] = cid >> 8;
			g[4] = cid;
			g[5] = 0;
			for (int i = 0; i < 5; i++) {
				g[5] ^= g[i];
				for (int b = 0; b < 8; b++)
					g[5] = g[5] & 0x80 ?
						(uint8_t)(g[5] << 1) ^ 0x07 :
						g[5] << 1;
			}
			memcpy(rx.sll_addr, f, 6);
			if (sendto(prx, f, len, 0, (struct sockaddr *)&rx,
				   sizeof(rx)) >= 0)
				KF_INC(kf_stats->frames[FK_SCRATCH_RX]);
		} else {
			/* out of the link: its classifier and encryption */
			if (kf_chance(&r, 50))
				memset(f, 0xff, 6);
			else if (kf_chance(&r, 50))
				memcpy(f, "\x02\x16\x00\x00\x70\x02", 6);
			f[12] = 0x08;
			f[13] = 0x00;
			memcpy(tx.sll_addr, f, 6);
			if (sendto(ptx, f, len, 0, (struct sockaddr *)&tx,
				   sizeof(tx)) >= 0)
				KF_INC(kf_stats->frames[FK_TX_RANDOM]);
		}
		if (nl.fd >= 0 && kf_chance(&r, 10)) {
			uint8_t eks = kf_below(&r, 4);

			tek_op(&nl, &r, "kfw0", WMAN_CMD_TEK_NEW, 0x7000,
			       eks, true);
		}
	}
}

static int link_cycle(uint64_t sub)
{
	static const char *const veth[] = { "ip", "link", "add", "kfv0", "type",
		"veth", "peer", "name", "kfv1", NULL };
	static const char *const up0[] = { "ip", "link", "set", "kfv0", "up",
		NULL };
	static const char *const up1[] = { "ip", "link", "set", "kfv1", "up",
		NULL };
	static const char *const upw[] = { "ip", "link", "set", "kfw0", "up",
		NULL };
	static const char *const del_lower[] = { "ip", "link", "del", "kfv0",
		NULL };
	static const char *const move_lower[] = { "ip", "link", "set", "kfv0",
		"netns", "1", NULL };
	const char *wadd[] = { kf_conf.wman_tool, "link", "add", "link",
		"kfv0", "name", "kfw0", "role", "bs", NULL, NULL, NULL };
	const char *wdel[] = { kf_conf.wman_tool, "link", "del", "kfw0", NULL };
	uint8_t peer[6] = { 0x02, 0x16, 0x00, 0x00, 0x70, 0x01 };
	struct kf_rng r;
	struct kf_nl nl;
	pid_t traffic;
	int err, k;

	kf_seed(&r, sub, 0);
	if (unshare(CLONE_NEWNET))
		return 1;
	if (kf_chance(&r, 50)) {
		wadd[8] = "ss";
		wadd[9] = "bsid";
		wadd[10] = "02:16:00:00:70:02";
	}
	if (run_quiet(veth) || run_quiet(up0) || run_quiet(up1) ||
	    run_quiet(wadd)) {
		fprintf(stderr, "kfuzz: links: cannot create the scratch link\n");
		return 1;
	}
	run_quiet(upw);
	KF_INC(kf_stats->churn[CK_LINK_CYCLE]);
	err = kf_nl_open(&nl);
	if (err)
		return 1;
	for (k = 0; k < 4; k++) {
		uint16_t said = 0x7000 + k;

		sa_op(&nl, &r, "kfw0", WMAN_CMD_SA_NEW, said);
		tek_op(&nl, &r, "kfw0", WMAN_CMD_TEK_NEW, said,
		       kf_below(&r, 4), true);
		conn_op(&nl, &r, "kfw0", WMAN_CMD_CONN_NEW, said, said,
			k == 0 ? peer : NULL);
	}
	traffic = fork();
	if (!traffic) {
		scratch_traffic(kf_next(&r));
		_exit(0);
	}
	nap_ms(kf_below(&r, 300));
	switch (kf_below(&r, 4)) {
	case 0:		/* the lower device goes under the link */
		tally(CK_LOWER_DEL, run_quiet(del_lower));
		break;
	case 1:
		tally(CK_LINK_DEL, run_quiet(wdel));
		break;
	case 2:		/* the lower moves to the initial namespace, then
			 * its peer's namespace goes (and the pair with it)
			 */
		tally(CK_LOWER_MOVE, run_quiet(move_lower));
		break;
	default:	/* the namespace goes, with everything in it */
		KF_INC(kf_stats->churn[CK_NETNS_DEL]);
		break;
	}
	nap_ms(kf_below(&r, 100));
	kill(traffic, SIGKILL);
	waitpid(traffic, NULL, 0);
	kf_nl_close(&nl);
	return 0;
}

int kf_worker_links(int id)
{
	struct kf_rng r;
	uint64_t item;
	int failed = 0;

	kf_seed(&r, kf_conf.seed, kf_stream);
	if (!kf_conf.wman_tool)
		return 0;
	for (item = 0; kf_more(item); item++) {
		uint64_t sub = kf_next(&r);
		int status;
		pid_t pid;

		KF_INC(kf_stats->items[id]);
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(link_cycle(sub));
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed = 1;
		/* a lower moved here goes with its peer's namespace */
		for (int i = 0; i < 400 && if_nametoindex("kfv0"); i++)
			nap_ms(50);
		if (if_nametoindex("kfv0")) {
			fprintf(stderr, "kfuzz: links: kfv0 still here 20 s after its peer's namespace went\n");
			return 1;
		}
	}
	return failed;
}
