// SPDX-License-Identifier: GPL-2.0
/*
 * tekroll: TEK switchovers on a wman BS/SS pair, as fast as the traffic
 * allows, for the rollover benchmark (tools/bench/datapath.sh).
 *
 *   tekroll BS_NETNS SS_NETNS DEV SAID EKS COUNT [TIMEOUT_S]
 *
 * DEV is the wman device in both namespaces (/run/netns/NAME), SAID the SA
 * they share and EKS the TEK currently installed on both.  Each switchover
 * from EKS to EKS + 1 (mod 4) installs a fresh random TEK and retires the
 * old one in the order of Documentation/data-plane.rst that loses nothing
 * while traffic flows both ways:
 *
 *   1. BS: add NEW   (the BS keeps sending with OLD, the older TEK)
 *   2. SS: add NEW   (the SS sends with NEW, the newer TEK)
 *   3. wait until the BS has accepted an uplink frame under NEW: every
 *      uplink frame under OLD has arrived before it
 *   4. BS: del OLD   (the BS moves to NEW)
 *   5. wait until the SS has accepted a downlink frame under NEW
 *   6. SS: del OLD
 *
 * The waits stand for the TEK lifetime a real deployment gives frames in
 * flight; they need traffic both ways.  One netlink socket per namespace
 * and no process per step, so that a switchover costs what the kernel
 * takes.  Prints one JSON object:
 *
 *   {"switchovers":N,"seconds":S,"median_ms":M,"max_ms":X,"final_eks":E}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <uapi/linux/wman.h>

struct station {
	const char *name;	/* "BS" or "SS", for messages */
	struct nl_sock *sock;	/* opened inside the station's namespace */
	int family;
	unsigned int ifindex;
};

static const char *dev_name;
static uint16_t said;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tekroll: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long parse_number(const char *text, const char *what, long min, long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 0);
	if (errno || *end || end == text || value < min || value > max)
		die("bad %s '%s' (%ld..%ld)", what, text, min, max);
	return value;
}

/* Sockets keep the namespace they were created in. */
static void station_open(struct station *st, const char *name, const char *netns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die("cannot enter network namespace %s: %s", netns, strerror(errno));
	close(fd);

	st->name = name;
	st->ifindex = if_nametoindex(dev_name);
	if (!st->ifindex)
		die("%s: no device %s", name, dev_name);
	st->sock = nl_socket_alloc();
	if (!st->sock || genl_connect(st->sock))
		die("%s: cannot open a generic netlink socket", name);
	st->family = genl_ctrl_resolve(st->sock, WMAN_GENL_NAME);
	if (st->family < 0)
		die("%s: no generic netlink family %s: %s", name, WMAN_GENL_NAME,
		    nl_geterror(st->family));
}

static struct nl_msg *request(const struct station *st, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, st->family, 0, 0,
				 cmd, WMAN_GENL_VERSION) ||
	    nla_put_u32(msg, WMAN_A_IFINDEX, st->ifindex))
		die("cannot build a netlink message");
	return msg;
}

/*
 * Sends MSG and waits for the kernel's answer.  With ON_REPLY (a "get"),
 * the reply comes first and is handed to it, then the ACK; an error comes
 * alone, in place of both.
 */
static void transact(const struct station *st, struct nl_msg *msg,
		     nl_recvmsg_msg_cb_t on_reply, void *arg, const char *what)
{
	int err;

	nl_socket_modify_cb(st->sock, NL_CB_VALID,
			    on_reply ? NL_CB_CUSTOM : NL_CB_DEFAULT, on_reply, arg);
	err = nl_send_auto(st->sock, msg);
	nlmsg_free(msg);
	if (err >= 0 && on_reply)
		err = nl_recvmsgs_default(st->sock);
	if (err >= 0)
		err = nl_wait_for_ack(st->sock);
	if (err < 0)
		die("%s: %s: %s", st->name, what, nl_geterror(err));
}

static void tek_add(const struct station *st, unsigned int eks,
		    const uint8_t key[WMAN_KEY_LEN])
{
	struct nl_msg *msg = request(st, WMAN_CMD_TEK_NEW);
	struct nlattr *nest = nla_nest_start(msg, WMAN_A_TEK);

	if (!nest || nla_put_u16(msg, WMAN_TEK_A_SAID, said) ||
	    nla_put_u8(msg, WMAN_TEK_A_EKS, eks) ||
	    nla_put(msg, WMAN_TEK_A_KEY, WMAN_KEY_LEN, key))
		die("cannot build a netlink message");
	nla_nest_end(msg, nest);
	transact(st, msg, NULL, NULL, "tek add");
}

static void tek_del(const struct station *st, unsigned int eks)
{
	struct nl_msg *msg = request(st, WMAN_CMD_TEK_DEL);
	struct nlattr *nest = nla_nest_start(msg, WMAN_A_TEK);

	if (!nest || nla_put_u16(msg, WMAN_TEK_A_SAID, said) ||
	    nla_put_u8(msg, WMAN_TEK_A_EKS, eks))
		die("cannot build a netlink message");
	nla_nest_end(msg, nest);
	transact(st, msg, NULL, NULL, "tek del");
}

struct rx_query {
	unsigned int eks;
	uint64_t rx_packets;
};

/* Finds the TEK of the wanted EKS in an SA_GET reply and its rx count. */
static int on_sa_reply(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *attrs[WMAN_A_MAX + 1], *sa[WMAN_SA_A_MAX + 1];
	struct rx_query *query = arg;
	struct nlattr *tek;
	int rem;

	if (nla_parse(attrs, WMAN_A_MAX, genlmsg_attrdata(gnlh, 0),
		      genlmsg_attrlen(gnlh, 0), NULL) || !attrs[WMAN_A_SA] ||
	    nla_parse_nested(sa, WMAN_SA_A_MAX, attrs[WMAN_A_SA], NULL) ||
	    !sa[WMAN_SA_A_TEKS])
		return NL_SKIP;
	nla_for_each_nested(tek, sa[WMAN_SA_A_TEKS], rem) {
		struct nlattr *t[WMAN_TEK_A_MAX + 1], *s[WMAN_STATS_A_MAX + 1];

		if (nla_parse_nested(t, WMAN_TEK_A_MAX, tek, NULL) ||
		    !t[WMAN_TEK_A_EKS] || !t[WMAN_TEK_A_STATS] ||
		    nla_get_u8(t[WMAN_TEK_A_EKS]) != query->eks ||
		    nla_parse_nested(s, WMAN_STATS_A_MAX, t[WMAN_TEK_A_STATS], NULL) ||
		    !s[WMAN_STATS_A_RX_PACKETS])
			continue;
		query->rx_packets = nla_get_u64(s[WMAN_STATS_A_RX_PACKETS]);
	}
	return NL_OK;
}

static uint64_t tek_rx_packets(const struct station *st, unsigned int eks)
{
	struct rx_query query = { .eks = eks };
	struct nl_msg *msg = request(st, WMAN_CMD_SA_GET);
	struct nlattr *nest = nla_nest_start(msg, WMAN_A_SA);

	if (!nest || nla_put_u16(msg, WMAN_SA_A_SAID, said))
		die("cannot build a netlink message");
	nla_nest_end(msg, nest);
	transact(st, msg, on_sa_reply, &query, "sa show");
	return query.rx_packets;
}

static void wait_for_rx(const struct station *st, unsigned int eks, double timeout)
{
	double deadline = now_seconds() + timeout;
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };

	while (!tek_rx_packets(st, eks)) {
		if (now_seconds() > deadline)
			die("%s accepted no frame under EKS %u within %.0f s: is traffic flowing both ways?",
			    st->name, eks, timeout);
		nanosleep(&pause, NULL);
	}
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct station bs, ss;
	uint8_t key[WMAN_KEY_LEN];
	unsigned int eks, count, i;
	double timeout = 10, start, *took;

	if (argc != 7 && argc != 8) {
		fprintf(stderr,
			"usage: tekroll BS_NETNS SS_NETNS DEV SAID EKS COUNT [TIMEOUT_S]\n");
		return 2;
	}
	dev_name = argv[3];
	said = parse_number(argv[4], "SAID", 0, 0xffff);
	eks = parse_number(argv[5], "EKS", 0, WMAN_EKS_COUNT - 1);
	count = parse_number(argv[6], "count", 1, 1000000);
	if (argc == 8)
		timeout = parse_number(argv[7], "timeout", 1, 3600);
	took = calloc(count, sizeof(*took));
	if (!took)
		die("out of memory");

	station_open(&bs, "BS", argv[1]);
	station_open(&ss, "SS", argv[2]);

	start = now_seconds();
	for (i = 0; i < count; i++) {
		unsigned int next = (eks + 1) % WMAN_EKS_COUNT;
		double begin = now_seconds();

		if (getrandom(key, sizeof(key), 0) != sizeof(key))
			die("getrandom: %s", strerror(errno));
		tek_add(&bs, next, key);
		tek_add(&ss, next, key);
		explicit_bzero(key, sizeof(key));
		wait_for_rx(&bs, next, timeout);
		tek_del(&bs, eks);
		wait_for_rx(&ss, next, timeout);
		tek_del(&ss, eks);
		eks = next;
		took[i] = now_seconds() - begin;
	}

	printf("{\"switchovers\":%u,\"seconds\":%.3f,", count, now_seconds() - start);
	qsort(took, count, sizeof(*took), compare_doubles);
	printf("\"median_ms\":%.1f,\"max_ms\":%.1f,\"final_eks\":%u}\n",
	       took[count / 2] * 1e3, took[count - 1] * 1e3, eks);
	free(took);
	nl_socket_free(bs.sock);
	nl_socket_free(ss.sock);
	return 0;
}
