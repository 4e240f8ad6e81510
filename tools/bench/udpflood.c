// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: a UDP sender and receiver of sequence-numbered datagrams, for
 * packet-rate and loss measurements (tools/bench/datapath.sh).
 *
 *   udpflood send ADDR PORT [-s SIZE] [-t SECONDS] [-r PPS] [-n NETNS] [-c CPU]
 *   udpflood recv ADDR PORT [-i IDLE_MS] [-t SECONDS] [-n NETNS] [-c CPU]
 *                           [-R READY_FILE]
 *
 * -n enters the network namespace /run/netns/NETNS and -c pins the process
 * to one CPU, so that a benchmark step costs one process (processes are
 * dear under emulation).  The receiver creates READY_FILE once its socket
 * is bound.
 *
 * The sender puts a 64-bit sequence number, starting at 0, at the head of
 * every datagram of SIZE bytes (default 64), for SECONDS (0: until SIGINT or
 * SIGTERM), at PPS datagrams per second (0: as fast as it can).  The receiver
 * counts what arrives until SECONDS have passed, until it has seen nothing
 * for IDLE_MS after the first datagram (0, the default: never), or until
 * SIGINT or SIGTERM, after which it still takes what is queued until the
 * socket has been quiet for 200 ms.  Each prints one JSON object on stdout
 * when it stops:
 *
 *   send: {"sent":N,"send_errors":N,"seconds":S}
 *   recv: {"received":N,"unique":N,"lost":N,"duplicates":N,"reordered":N,
 *          "highest_seq":N,"seconds":S,"pps":R}
 *
 * "lost" is the count of sequence numbers up to the highest one received
 * that never arrived; "seconds" and "pps" of the receiver span its first to
 * its last datagram.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define MAX_SIZE	1472
#define SEQ_SIZE	sizeof(uint64_t)
#define DRAIN_QUIET_MS	200

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udpflood send ADDR PORT [-s SIZE] [-t SECONDS] [-r PPS] [-n NETNS] [-c CPU]\n"
		"       udpflood recv ADDR PORT [-i IDLE_MS] [-t SECONDS] [-n NETNS] [-c CPU]\n"
		"                               [-R READY_FILE]\n");
	exit(2);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long parse_number(const char *text, const char *name, long min, long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 0);
	if (errno || *end || end == text || value < min || value > max) {
		fprintf(stderr, "udpflood: bad %s '%s' (%ld..%ld)\n",
			name, text, min, max);
		exit(2);
	}
	return value;
}

static void parse_address(const char *addr, const char *port,
			  struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(parse_number(port, "port", 1, 65535));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "udpflood: bad IPv4 address '%s'\n", addr);
		exit(2);
	}
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/') ||
	    snprintf(path, sizeof(path), "/run/netns/%s", name) >= (int)sizeof(path)) {
		fprintf(stderr, "udpflood: bad namespace name '%s'\n", name);
		exit(2);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (setns(fd, CLONE_NEWNET) < 0)
		die("setns");
	close(fd);
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity");
}

static void install_stop_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* No SA_RESTART: a blocked send or poll returns EINTR and we stop. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct send_options {
	size_t size;
	double seconds;
	double rate;
};

static int run_sender(const struct sockaddr_in *to, const struct send_options *opt)
{
	static unsigned char payload[BATCH][MAX_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t seq = 0, send_errors = 0;
	double start, deadline, elapsed;
	int fd, i;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0)
		die("connect");

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload[i];
		iov[i].iov_len = opt->size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	start = now_seconds();
	deadline = opt->seconds > 0 ? start + opt->seconds : 0;
	while (!stop_requested) {
		double now = now_seconds();
		int batch = BATCH, sent;

		if (deadline && now >= deadline)
			break;
		if (opt->rate > 0) {
			/* Send what the schedule owes, or wait for the next slot. */
			double owed = (now - start) * opt->rate - (double)seq;

			if (owed < 1) {
				struct timespec ts = {
					.tv_nsec = (long)((1 - owed) / opt->rate * 1e9),
				};
				nanosleep(&ts, NULL);
				continue;
			}
			if (owed < batch)
				batch = (int)owed;
		}
		for (i = 0; i < batch; i++) {
			uint64_t s = seq + i;

			memcpy(payload[i], &s, SEQ_SIZE);
		}
		sent = sendmmsg(fd, msgs, batch, 0);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != ECONNREFUSED)
				die("sendmmsg");
			/* The datagram was not sent: retry the same number. */
			send_errors++;
			continue;
		}
		seq += sent;
	}
	elapsed = now_seconds() - start;
	close(fd);
	printf("{\"sent\":%llu,\"send_errors\":%llu,\"seconds\":%.6f}\n",
	       (unsigned long long)seq, (unsigned long long)send_errors, elapsed);
	return 0;
}

/* One bit per sequence number, grown on demand. */
struct seen_bitmap {
	uint8_t *bits;
	uint64_t nbits;
};

/* Marks SEQ as seen and returns whether it had been seen before. */
static bool bitmap_test_and_set(struct seen_bitmap *map, uint64_t seq)
{
	uint8_t mask = 1u << (seq & 7);
	bool was_set;

	if (seq >= map->nbits) {
		uint64_t nbits = map->nbits ? map->nbits : 1 << 20;

		while (nbits <= seq)
			nbits *= 2;
		map->bits = realloc(map->bits, nbits / 8);
		if (!map->bits)
			die("realloc");
		memset(map->bits + map->nbits / 8, 0, (nbits - map->nbits) / 8);
		map->nbits = nbits;
	}
	was_set = map->bits[seq / 8] & mask;
	map->bits[seq / 8] |= mask;
	return was_set;
}

struct recv_options {
	int idle_ms;
	double seconds;
	const char *ready_file;
};

struct recv_counts {
	uint64_t received, unique, duplicates, reordered, highest;
	double first, last;
};

static void count_datagram(struct recv_counts *c, struct seen_bitmap *map,
			   const unsigned char *data, size_t len)
{
	uint64_t seq;

	if (len < SEQ_SIZE)
		return;
	memcpy(&seq, data, SEQ_SIZE);
	c->last = now_seconds();
	if (!c->received++)
		c->first = c->last;
	if (bitmap_test_and_set(map, seq)) {
		c->duplicates++;
		return;
	}
	c->unique++;
	if (c->unique > 1 && seq < c->highest)
		c->reordered++;
	else
		c->highest = seq;
}

static int run_receiver(const struct sockaddr_in *at, const struct recv_options *opt)
{
	static unsigned char payload[BATCH][MAX_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct recv_counts c = { 0 };
	struct seen_bitmap map = { 0 };
	int rcvbuf = 16 << 20;
	double start, span, deadline;
	uint64_t lost;
	int fd, i;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	/* FORCE needs CAP_NET_ADMIN; without it the sysctl cap applies. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)at, sizeof(*at)) < 0)
		die("bind");
	if (opt->ready_file) {
		int ready = open(opt->ready_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (ready < 0)
			die(opt->ready_file);
		close(ready);
	}

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload[i];
		iov[i].iov_len = MAX_SIZE;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	start = now_seconds();
	deadline = opt->seconds > 0 ? start + opt->seconds : 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double now = now_seconds();
		int n, ready;

		if (deadline && now >= deadline)
			break;
		if (opt->idle_ms && c.received &&
		    (now - c.last) * 1000 >= opt->idle_ms)
			break;
		n = recvmmsg(fd, msgs, BATCH, 0, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				die("recvmmsg");
			/* Asked to stop: what is queued is read, then quiet ends it. */
			ready = poll(&pfd, 1, stop_requested ? DRAIN_QUIET_MS : 100);
			if (ready < 0 && errno != EINTR)
				die("poll");
			if (ready == 0 && stop_requested)
				break;
			continue;
		}
		for (i = 0; i < n; i++)
			count_datagram(&c, &map, payload[i], msgs[i].msg_len);
	}
	close(fd);
	free(map.bits);

	lost = c.unique ? c.highest + 1 - c.unique : 0;
	span = c.last - c.first;
	printf("{\"received\":%llu,\"unique\":%llu,\"lost\":%llu,"
	       "\"duplicates\":%llu,\"reordered\":%llu,\"highest_seq\":%lld,"
	       "\"seconds\":%.6f,\"pps\":%.1f}\n",
	       (unsigned long long)c.received, (unsigned long long)c.unique,
	       (unsigned long long)lost, (unsigned long long)c.duplicates,
	       (unsigned long long)c.reordered,
	       c.unique ? (long long)c.highest : -1LL,
	       span, span > 0 ? (c.received - 1) / span : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	struct send_options sopt = { .size = 64 };
	struct recv_options ropt = { .idle_ms = 0 };
	struct sockaddr_in sin;
	bool sending;
	int opt;

	if (argc < 4)
		usage();
	if (!strcmp(argv[1], "send"))
		sending = true;
	else if (!strcmp(argv[1], "recv"))
		sending = false;
	else
		usage();
	parse_address(argv[2], argv[3], &sin);

	/* Options follow ADDR PORT; PORT stands in for getopt's argv[0]. */
	argc -= 3;
	argv += 3;
	while ((opt = getopt(argc, argv, "s:t:r:i:n:c:R:")) != -1) {
		switch (opt) {
		case 's':
			sopt.size = parse_number(optarg, "size", SEQ_SIZE, MAX_SIZE);
			break;
		case 't':
			sopt.seconds = ropt.seconds =
				parse_number(optarg, "seconds", 0, 86400);
			break;
		case 'r':
			sopt.rate = parse_number(optarg, "rate", 0, 100000000);
			break;
		case 'i':
			ropt.idle_ms = parse_number(optarg, "idle", 0, 3600000);
			break;
		case 'n':
			enter_netns(optarg);
			break;
		case 'c':
			pin_to_cpu(parse_number(optarg, "cpu", 0, CPU_SETSIZE - 1));
			break;
		case 'R':
			ropt.ready_file = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	install_stop_handlers();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return sending ? run_sender(&sin, &sopt) : run_receiver(&sin, &ropt);
}
