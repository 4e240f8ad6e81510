// SPDX-License-Identifier: GPL-2.0
/*
 * wman_frame: capture, inspect and re-inject wman frames (EtherType 0x88B5)
 * on a lower device, for the selftests.
 *
 *   wman_frame capture IFACE COUNT FILE [--timeout S]
 *	Save the first COUNT wman frames seen on IFACE (both directions) to
 *	FILE in pcap format.  FILE exists (with its pcap header) as soon as
 *	the socket is bound, so a test can wait for it before it starts
 *	traffic.  Exit 0 when COUNT frames were saved, 3 on timeout or
 *	when SIGTERM or SIGINT ended it first (FILE then holds whole
 *	records only).
 *   wman_frame list FILE
 *	One line per frame: index, outer addresses, GMH fields, PN.
 *   wman_frame grep FILE HEX
 *	Print how many frames contain the byte string HEX.
 *   wman_frame craft IFACE DST CID [--eks N] [--ec N] [--pn PN] [--count K]
 *	Send K (default 1) minimal frames from IFACE to DST on CID: a GMH
 *	with a correct HCS, the PN, 16 zero bytes and an 8-byte zero ICV.
 *	Enough to raise unknown-sa / unknown-eks on the receiver.
 *   wman_frame send IFACE FILE [--index N] [--count K] [--dst MAC]
 *		   [--pn PN] [--mutate MODE]...
 *	Send frame N (default 0) of FILE K times (default 1) on IFACE,
 *	unchanged (a replay) or changed.  --dst rewrites the outer
 *	destination, --pn the packet number.  MODE is one of
 *	  truncate[=B]	cut the last B bytes (default 8), keep LEN
 *	  bitflip	flip one bit in the middle of the ciphertext
 *	  bad-hcs	corrupt the HCS
 *	  eks=N, cid=N, ec=N, ht=N, len=N
 *			rewrite that GMH field and recompute the HCS
 *   wman_frame payload FILE [--index N]
 *	Print the MAC PDU payload of frame N (after the GMH, as far as LEN
 *	says) in hex: a management PDU's bytes, its type first.
 *   wman_frame mgmt IFACE DST SRC CID HEX [--count K]
 *	Send K (default 1) clear management PDUs with payload HEX on CID
 *	from any source address SRC: what a station on the air that owns
 *	no key can send.
 *   wman_frame eth IFACE DST SRC ETHERTYPE HEX [--count K]
 *	Send K (default 1) plain Ethernet frames DST SRC ETHERTYPE HEX on
 *	IFACE.  On a wman device that is what its stack hands it, with any
 *	inner source address: the wman device encrypts and sends it.
 *
 * For management PDUs of type 9 and 10 (PKM-REQ, PKM-RSP) list also
 * prints the PKM code and identifier, and the packet number when the
 * message ends with a CMAC-Digest (Documentation/pkm-protocol.rst).
 *
 * GMH (802.16-2004 6.3.2.1.1), six bytes after the outer Ethernet header:
 *   0: HT(1) EC(1) Type(6)   1: ESF(1) CI(1) EKS(2) rsv(1) LEN[10:8]
 *   2: LEN[7:0]   3-4: CID (big endian)   5: HCS, CRC-8 0x07 over 0-4
 * An encrypted payload starts with the 4-byte PN, least significant byte
 * first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/wman.h>

#include "kselftest.h"

#define ETH_HLEN_	14
#define GMH_LEN		6
#define PN_LEN		4
#define GMH_OFF		ETH_HLEN_
#define PN_OFF		(GMH_OFF + GMH_LEN)
#define MAX_FRAME	65536
#define MAX_FRAMES	4096

#define PCAP_MAGIC	0xa1b2c3d4
#define PCAP_LINKTYPE_ETHERNET 1

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

struct frame {
	size_t len;
	uint8_t *data;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: wman_frame capture IFACE COUNT FILE [--timeout S]\n"
		"       wman_frame list FILE\n"
		"       wman_frame grep FILE HEX\n"
		"       wman_frame craft IFACE DST CID [--eks N] [--ec N] [--pn PN] [--count K]\n"
		"       wman_frame send IFACE FILE [--index N] [--count K] [--dst MAC]\n"
		"                       [--pn PN] [--mutate MODE]...\n"
		"MODE := truncate[=B] | bitflip | bad-hcs | eks=N | cid=N | ec=N | ht=N | len=N\n"
		"       wman_frame payload FILE [--index N]\n"
		"       wman_frame mgmt IFACE DST SRC CID HEX [--count K]\n"
		"       wman_frame eth IFACE DST SRC ETHERTYPE HEX [--count K]\n");
	exit(KSFT_FAIL);
}

static void die(const char *what)
{
	ksft_print_msg("wman_frame: %s: %s\n", what, strerror(errno));
	exit(errno == EPERM || errno == EACCES ? KSFT_SKIP : KSFT_FAIL);
}

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "wman_frame: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(KSFT_FAIL);
}

/* HCS: CRC-8, polynomial x^8 + x^2 + x + 1, initial value 0, MSB first. */
static uint8_t gmh_hcs(const uint8_t *gmh)
{
	uint8_t crc = 0;
	int i, bit;

	for (i = 0; i < 5; i++) {
		crc ^= gmh[i];
		for (bit = 0; bit < 8; bit++)
			crc = crc & 0x80 ? (uint8_t)(crc << 1) ^ 0x07 : crc << 1;
	}
	return crc;
}

static unsigned long parse_ulong(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max)
		fail("bad number '%s'", s);
	return v;
}

static void parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != ETH_ALEN)
		fail("bad MAC address '%s'", s);
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			fail("bad MAC address '%s'", s);
		mac[i] = b[i];
	}
}

static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), i;
	unsigned int b;

	if (!n || n % 2 || n / 2 > max)
		fail("bad hex string '%s'", s);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			fail("bad hex string '%s'", s);
		out[i] = b;
	}
	return n / 2;
}

static int iface_index(const char *name)
{
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		fail("no interface '%s'", name);
	return idx;
}

static int is_wman(const struct frame *f)
{
	return f->len >= ETH_HLEN_ &&
	       ((f->data[12] << 8) | f->data[13]) == WMAN_ETH_P;
}

/* ---- pcap files --------------------------------------------------------- */

static FILE *pcap_create(const char *path)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC, .major = 2, .minor = 4,
		.snaplen = MAX_FRAME, .linktype = PCAP_LINKTYPE_ETHERNET,
	};
	char tmp[PATH_MAX];
	FILE *fp;

	/* Written under a temporary name so FILE appears complete. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		fail("path too long: %s", path);
	fp = fopen(tmp, "w");
	if (!fp)
		die(tmp);
	if (fwrite(&h, sizeof(h), 1, fp) != 1 || fflush(fp))
		die(tmp);
	if (rename(tmp, path))
		die(path);
	return fp;
}

static void pcap_write(FILE *fp, const uint8_t *data, size_t caplen,
		       size_t len)
{
	struct pcap_rec_hdr r;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	r.sec = ts.tv_sec;
	r.usec = ts.tv_nsec / 1000;
	r.caplen = caplen;
	r.len = len;
	if (fwrite(&r, sizeof(r), 1, fp) != 1 ||
	    fwrite(data, 1, caplen, fp) != caplen || fflush(fp))
		die("write");
}

static size_t pcap_read(const char *path, struct frame *frames, size_t max)
{
	struct pcap_file_hdr h;
	struct pcap_rec_hdr r;
	size_t n = 0;
	FILE *fp;

	fp = fopen(path, "r");
	if (!fp)
		die(path);
	if (fread(&h, sizeof(h), 1, fp) != 1 || h.magic != PCAP_MAGIC ||
	    h.linktype != PCAP_LINKTYPE_ETHERNET)
		fail("%s: not a pcap file of Ethernet frames", path);
	while (fread(&r, sizeof(r), 1, fp) == 1) {
		if (n == max)
			fail("%s: too many frames", path);
		if (r.caplen > MAX_FRAME)
			fail("%s: record longer than the snap length", path);
		frames[n].len = r.caplen;
		frames[n].data = malloc(r.caplen ? r.caplen : 1);
		if (!frames[n].data)
			die("malloc");
		if (fread(frames[n].data, 1, r.caplen, fp) != r.caplen)
			fail("%s: truncated record", path);
		n++;
	}
	fclose(fp);
	return n;
}

/* ---- capture ------------------------------------------------------------- */

static volatile sig_atomic_t capture_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	capture_stop = 1;
}

static int cmd_capture(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	/* no SA_RESTART: a signal interrupts poll() and recvfrom() */
	struct sigaction stop = { .sa_handler = on_stop_signal };
	static uint8_t buf[MAX_FRAME];
	unsigned long count, timeout_ms = 10000, saved = 0;
	struct timespec start, now;
	int fd, ifindex, i;
	FILE *fp;

	if (argc < 4)
		usage();
	ifindex = iface_index(argv[1]);
	count = parse_ulong(argv[2], MAX_FRAMES);
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_ms = parse_ulong(argv[++i], 3600) * 1000;
		else
			usage();
	}

	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		die("socket");
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
	/* Frames queued before bind() may come from other interfaces. */
	fp = pcap_create(argv[3]);

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (saved < count && !capture_stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		long elapsed, left;
		ssize_t len;
		struct frame f;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			  (now.tv_nsec - start.tv_nsec) / 1000000;
		left = (long)timeout_ms - elapsed;
		if (left <= 0)
			break;
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (!(pfd.revents & POLLIN))
			continue;
		len = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
			       (struct sockaddr *)&from, &fromlen);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			die("recvfrom");
		if (from.sll_ifindex != ifindex)
			continue;
		f.data = buf;
		f.len = (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf);
		if (!is_wman(&f))
			continue;
		pcap_write(fp, buf, f.len, len);
		saved++;
	}
	fclose(fp);
	close(fd);
	printf("captured %lu\n", saved);
	return saved == count ? KSFT_PASS : 3;
}

/* ---- list / grep --------------------------------------------------------- */

static void print_mac(const uint8_t *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	       m[5]);
}

/*
 * PKM-REQ / PKM-RSP: type, code, identifier, attributes; a CMAC-Digest
 * (type 40, 12 bytes: PN big endian, then 8 bytes of tag) is the last one.
 */
#define PKM_CMAC_DIGEST		40
#define PKM_CMAC_TLV_LEN	14

static void print_pkm(const uint8_t *p, size_t avail, unsigned int gmh_len)
{
	size_t n = gmh_len > GMH_LEN ? gmh_len - GMH_LEN : 0;
	const uint8_t *t;

	if (n > avail)
		n = avail;
	if (n < 3 || (p[0] != 9 && p[0] != 10))
		return;
	printf(" pkm-code %u pkm-id %u", p[1], p[2]);
	if (n < 3 + PKM_CMAC_TLV_LEN)
		return;
	t = p + n - PKM_CMAC_TLV_LEN;
	if (t[0] == PKM_CMAC_DIGEST && t[1] == PKM_CMAC_TLV_LEN - 2)
		printf(" pkm-pn %u", (uint32_t)t[2] << 24 | t[3] << 16 |
		       t[4] << 8 | t[5]);
}

static int cmd_list(int argc, char **argv)
{
	static struct frame frames[MAX_FRAMES];
	size_t n, i;

	if (argc != 2)
		usage();
	n = pcap_read(argv[1], frames, MAX_FRAMES);
	for (i = 0; i < n; i++) {
		const uint8_t *d = frames[i].data;
		const uint8_t *g = d + GMH_OFF;
		unsigned int ec, eks, len, cid;

		printf("%zu dst ", i);
		if (frames[i].len < ETH_HLEN_ + GMH_LEN) {
			printf("short len %zu\n", frames[i].len);
			continue;
		}
		print_mac(d);
		printf(" src ");
		print_mac(d + ETH_ALEN);
		ec = (g[0] >> 6) & 1;
		eks = (g[1] >> 4) & 3;
		len = ((g[1] & 7) << 8) | g[2];
		cid = (g[3] << 8) | g[4];
		printf(" bytes %zu ht %u ec %u type %u esf %u ci %u eks %u len %u cid %u hcs %s",
		       frames[i].len, g[0] >> 7, ec, g[0] & 0x3f, g[1] >> 7,
		       (g[1] >> 6) & 1, eks, len, cid,
		       gmh_hcs(g) == g[5] ? "ok" : "bad");
		if (ec && frames[i].len >= PN_OFF + PN_LEN) {
			const uint8_t *p = d + PN_OFF;

			printf(" pn %u", p[0] | p[1] << 8 | p[2] << 16 |
					 (uint32_t)p[3] << 24);
		} else if (!ec && frames[i].len > PN_OFF) {
			/* management PDUs: their message type */
			printf(" mgmt-type %u", d[PN_OFF]);
			print_pkm(d + PN_OFF, frames[i].len - PN_OFF, len);
		}
		printf("\n");
	}
	return KSFT_PASS;
}

static int cmd_grep(int argc, char **argv)
{
	static struct frame frames[MAX_FRAMES];
	uint8_t pat[256];
	size_t n, i, plen, hits = 0;

	if (argc != 3)
		usage();
	n = pcap_read(argv[1], frames, MAX_FRAMES);
	plen = parse_hex(argv[2], pat, sizeof(pat));
	for (i = 0; i < n; i++) {
		if (frames[i].len >= plen &&
		    memmem(frames[i].data, frames[i].len, pat, plen))
			hits++;
	}
	printf("%zu\n", hits);
	return KSFT_PASS;
}

/* ---- send ---------------------------------------------------------------- */

static void set_gmh_field(uint8_t *g, const char *field, unsigned long v)
{
	if (!strcmp(field, "eks")) {
		g[1] = (g[1] & ~0x30) | (v & 3) << 4;
	} else if (!strcmp(field, "cid")) {
		g[3] = v >> 8;
		g[4] = v;
	} else if (!strcmp(field, "ec")) {
		g[0] = (g[0] & ~0x40) | (v & 1) << 6;
	} else if (!strcmp(field, "ht")) {
		g[0] = (g[0] & ~0x80) | (v & 1) << 7;
	} else if (!strcmp(field, "len")) {
		g[1] = (g[1] & ~7) | ((v >> 8) & 7);
		g[2] = v;
	} else {
		fail("unknown field '%s'", field);
	}
	g[5] = gmh_hcs(g);
}

static void mutate(struct frame *f, const char *mode)
{
	uint8_t *g = f->data + GMH_OFF;
	const char *eq = strchr(mode, '=');
	char field[16];

	if (f->len < PN_OFF)
		fail("frame too short to mutate (%s)", mode);
	if (!strncmp(mode, "truncate", 8) && (!mode[8] || mode[8] == '=')) {
		unsigned long cut = eq ? parse_ulong(eq + 1, MAX_FRAME) : 8;

		if (cut >= f->len - PN_OFF)
			fail("cannot truncate that much: %s", mode);
		f->len -= cut;
	} else if (!strcmp(mode, "bitflip")) {
		/* Ciphertext lies between the PN and the (>= 8 byte) ICV. */
		size_t off;

		if (f->len < PN_OFF + PN_LEN + 8 + 2)
			fail("frame too short for %s", mode);
		off = PN_OFF + PN_LEN + (f->len - PN_OFF - PN_LEN - 8) / 2;
		f->data[off] ^= 0x10;
	} else if (!strcmp(mode, "bad-hcs")) {
		g[5] ^= 0x5a;
	} else if (eq && (size_t)(eq - mode) < sizeof(field)) {
		memcpy(field, mode, eq - mode);
		field[eq - mode] = '\0';
		set_gmh_field(g, field, parse_ulong(eq + 1, 0xffff));
	} else {
		fail("unknown mutation '%s'", mode);
	}
}

static int send_frames(const char *ifname, const uint8_t *frame, size_t len,
		       unsigned long count)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned long k;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket");
	sll.sll_ifindex = iface_index(ifname);
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, frame, ETH_ALEN);
	for (k = 0; k < count; k++) {
		ssize_t sent = sendto(fd, frame, len, 0,
				      (struct sockaddr *)&sll, sizeof(sll));

		if (sent < 0)
			die("sendto");
		if ((size_t)sent != len)
			fail("short send on %s", ifname);
	}
	close(fd);
	return KSFT_PASS;
}

static int cmd_send(int argc, char **argv)
{
	static struct frame frames[MAX_FRAMES];
	unsigned long index = 0, count = 1;
	const char *modes[16];
	size_t n, nmodes = 0, m;
	int i, have_pn = 0, have_dst = 0;
	uint8_t dst[ETH_ALEN];
	uint32_t pn = 0;
	struct frame f;

	if (argc < 3)
		usage();
	iface_index(argv[1]);
	n = pcap_read(argv[2], frames, MAX_FRAMES);
	for (i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--index")) {
			index = parse_ulong(argv[++i], MAX_FRAMES);
		} else if (!strcmp(argv[i], "--count")) {
			count = parse_ulong(argv[++i], 100000);
		} else if (!strcmp(argv[i], "--pn")) {
			pn = parse_ulong(argv[++i], UINT32_MAX);
			have_pn = 1;
		} else if (!strcmp(argv[i], "--dst")) {
			parse_mac(argv[++i], dst);
			have_dst = 1;
		} else if (!strcmp(argv[i], "--mutate")) {
			if (nmodes == sizeof(modes) / sizeof(modes[0]))
				usage();
			modes[nmodes++] = argv[++i];
		} else {
			usage();
		}
	}
	if (index >= n)
		fail("no such frame in %s", argv[2]);
	f = frames[index];
	if (!is_wman(&f) || f.len < PN_OFF)
		fail("frame is not a wman frame: %s", argv[2]);

	if (have_dst)
		memcpy(f.data, dst, ETH_ALEN);
	if (have_pn) {
		if (f.len < PN_OFF + PN_LEN)
			fail("frame has no PN: %s", argv[2]);
		f.data[PN_OFF] = pn;
		f.data[PN_OFF + 1] = pn >> 8;
		f.data[PN_OFF + 2] = pn >> 16;
		f.data[PN_OFF + 3] = pn >> 24;
	}
	/* bad-hcs last, so a field rewrite cannot repair it */
	for (m = 0; m < nmodes; m++)
		if (strcmp(modes[m], "bad-hcs"))
			mutate(&f, modes[m]);
	for (m = 0; m < nmodes; m++)
		if (!strcmp(modes[m], "bad-hcs"))
			mutate(&f, modes[m]);

	return send_frames(argv[1], f.data, f.len, count);
}

static int cmd_craft(int argc, char **argv)
{
	uint8_t frame[PN_OFF + PN_LEN + 16 + 8] = { 0 };
	unsigned long count = 1, eks = 0, ec = 1, cid, pn = 0;
	uint8_t *g = frame + GMH_OFF;
	struct ifreq ifr = { 0 };
	size_t pdu_len;
	int fd, i;

	if (argc < 4)
		usage();
	parse_mac(argv[2], frame);
	cid = parse_ulong(argv[3], 0xffff);
	for (i = 4; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--eks"))
			eks = parse_ulong(argv[++i], 3);
		else if (!strcmp(argv[i], "--ec"))
			ec = parse_ulong(argv[++i], 1);
		else if (!strcmp(argv[i], "--pn"))
			pn = parse_ulong(argv[++i], UINT32_MAX);
		else if (!strcmp(argv[i], "--count"))
			count = parse_ulong(argv[++i], 100000);
		else
			usage();
	}

	/* the source: IFACE's own address */
	if (strlen(argv[1]) >= IFNAMSIZ)
		fail("interface name too long: %s", argv[1]);
	strcpy(ifr.ifr_name, argv[1]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		die(argv[1]);
	close(fd);
	memcpy(frame + ETH_ALEN, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	frame[12] = WMAN_ETH_P >> 8;
	frame[13] = WMAN_ETH_P & 0xff;

	pdu_len = sizeof(frame) - ETH_HLEN_;
	g[0] = ec << 6;
	g[1] = eks << 4 | ((pdu_len >> 8) & 7);
	g[2] = pdu_len;
	g[3] = cid >> 8;
	g[4] = cid;
	g[5] = gmh_hcs(g);
	frame[PN_OFF] = pn;
	frame[PN_OFF + 1] = pn >> 8;
	frame[PN_OFF + 2] = pn >> 16;
	frame[PN_OFF + 3] = pn >> 24;
	return send_frames(argv[1], frame, sizeof(frame), count);
}

static int cmd_payload(int argc, char **argv)
{
	static struct frame frames[MAX_FRAMES];
	unsigned long index = 0;
	unsigned int len;
	size_t n, i;
	const uint8_t *g;

	if (argc == 4 && !strcmp(argv[2], "--index"))
		index = parse_ulong(argv[3], MAX_FRAMES);
	else if (argc != 2)
		usage();
	n = pcap_read(argv[1], frames, MAX_FRAMES);
	if (index >= n)
		fail("no such frame in %s", argv[1]);
	if (!is_wman(&frames[index]) || frames[index].len < PN_OFF)
		fail("frame is not a wman frame: %s", argv[1]);
	g = frames[index].data + GMH_OFF;
	len = ((g[1] & 7) << 8) | g[2];
	if (len < GMH_LEN || len > frames[index].len - ETH_HLEN_)
		fail("frame's LEN does not match its size: %s", argv[1]);
	for (i = GMH_LEN; i < len; i++)
		printf("%02x", g[i]);
	printf("\n");
	return KSFT_PASS;
}

static int cmd_mgmt(int argc, char **argv)
{
	static uint8_t frame[PN_OFF + 2047];
	unsigned long count = 1, cid;
	uint8_t *g = frame + GMH_OFF;
	size_t plen, pdu_len;

	if (argc != 6 && !(argc == 8 && !strcmp(argv[6], "--count")))
		usage();
	if (argc == 8)
		count = parse_ulong(argv[7], 100000);
	iface_index(argv[1]);
	parse_mac(argv[2], frame);
	parse_mac(argv[3], frame + ETH_ALEN);
	cid = parse_ulong(argv[4], 0xffff);
	/* LEN is 11 bits and counts the GMH */
	plen = parse_hex(argv[5], frame + PN_OFF, 2047 - GMH_LEN);
	frame[12] = WMAN_ETH_P >> 8;
	frame[13] = WMAN_ETH_P & 0xff;
	pdu_len = GMH_LEN + plen;
	g[0] = 0;
	g[1] = (pdu_len >> 8) & 7;
	g[2] = pdu_len;
	g[3] = cid >> 8;
	g[4] = cid;
	g[5] = gmh_hcs(g);
	return send_frames(argv[1], frame, ETH_HLEN_ + pdu_len, count);
}

static int cmd_eth(int argc, char **argv)
{
	static uint8_t frame[ETH_HLEN_ + 1500];
	unsigned long count = 1, ethertype;
	size_t plen;

	if (argc != 6 && !(argc == 8 && !strcmp(argv[6], "--count")))
		usage();
	if (argc == 8)
		count = parse_ulong(argv[7], 100000);
	iface_index(argv[1]);
	parse_mac(argv[2], frame);
	parse_mac(argv[3], frame + ETH_ALEN);
	ethertype = parse_ulong(argv[4], 0xffff);
	frame[12] = ethertype >> 8;
	frame[13] = ethertype & 0xff;
	plen = parse_hex(argv[5], frame + ETH_HLEN_, sizeof(frame) - ETH_HLEN_);
	return send_frames(argv[1], frame, ETH_HLEN_ + plen, count);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "grep"))
		return cmd_grep(argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "craft"))
		return cmd_craft(argc - 1, argv + 1);
	if (!strcmp(argv[1], "payload"))
		return cmd_payload(argc - 1, argv + 1);
	if (!strcmp(argv[1], "mgmt"))
		return cmd_mgmt(argc - 1, argv + 1);
	if (!strcmp(argv[1], "eth"))
		return cmd_eth(argc - 1, argv + 1);
	usage();
	return KSFT_FAIL;
}
