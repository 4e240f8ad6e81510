// SPDX-License-Identifier: GPL-2.0
/*
 * wman_kfuzz: the receive-path worker.  From the air namespace it sends
 * frames out of a node's port on the bridge, so that they arrive on the
 * node's veth0, under wman0: random PDUs, Generic MAC Headers with bad
 * fields, bad HCS and LEN, truncated PN and ICV, every EKS, known and
 * unknown CIDs, subheaders, management PDUs, and mutations of encrypted
 * frames taken off the air while the test's traffic flows.
 *
 * Each frame is built from a 64-bit value of the worker's PRNG stream,
 * so the sequence of frames is a function of the seed, except for the
 * bytes of the captured frames a mutation starts from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/wman.h>

#include "kfuzz.h"

#define GMH_LEN		6
#define PN_LEN		4
#define ETH_HLEN_	14
#define MAX_PDU		2047
#define FRAME_MAX	(ETH_HLEN_ + MAX_PDU + 64)
#define POOL		64

struct pool {
	uint8_t f[POOL][FRAME_MAX];
	size_t len[POOL];
	unsigned int n, next;
};

static uint8_t frame[FRAME_MAX];

static uint8_t hcs(const uint8_t *g)
{
	uint8_t crc = 0;
	int i, b;

	for (i = 0; i < 5; i++) {
		crc ^= g[i];
		for (b = 0; b < 8; b++)
			crc = crc & 0x80 ? (uint8_t)(crc << 1) ^ 0x07 : crc << 1;
	}
	return crc;
}

static void gmh(uint8_t *g, bool ec, unsigned int eks, unsigned int len,
		uint16_t cid)
{
	g[0] = ec ? 0x40 : 0;
	g[1] = (eks & 3) << 4 | ((len >> 8) & 7);
	g[2] = len;
	g[3] = cid >> 8;
	g[4] = cid;
	g[5] = hcs(g);
}

static uint16_t any_cid(struct kf_rng *r)
{
	static const uint16_t odd[] = { 0, 1, 0x0777, 0xfffe, 0xffff, 0x5000 };

	if (kf_conf.n_cids && kf_chance(r, 70))
		return kf_conf.cids[kf_below(r, kf_conf.n_cids)];
	return kf_chance(r, 50) ? odd[kf_below(r, 6)] : (uint16_t)kf_next(r);
}

/* Outer Ethernet header: mostly to the node, sometimes not. */
static void outer(struct kf_rng *r, const struct kf_node *to)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct kf_node *nodes[] = { &kf_conf.bs, &kf_conf.ss,
					  &kf_conf.churn_ss };
	unsigned int d = kf_below(r, 100);

	if (d < 82) {
		memcpy(frame, to->mac, 6);
	} else if (d < 90) {
		memcpy(frame, bcast, 6);
	} else {
		kf_fill(r, frame, 6);
		if (d < 95)
			frame[0] |= 1;		/* multicast */
		else
			frame[0] &= 0xfe;	/* another host */
	}
	if (kf_chance(r, 80)) {
		const struct kf_node *from = nodes[kf_below(r, 3)];

		memcpy(frame + 6, from->set ? from->mac : to->mac, 6);
	} else {
		kf_fill(r, frame + 6, 6);
	}
	frame[12] = WMAN_ETH_P >> 8;
	frame[13] = WMAN_ETH_P & 0xff;
}

/* A PDU that looks encrypted: GMH, PN, ciphertext and an ICV. */
static size_t plausible(struct kf_rng *r, uint16_t cid, unsigned int eks)
{
	uint8_t *g = frame + ETH_HLEN_;
	size_t pdu = GMH_LEN + PN_LEN + ETH_HLEN_ + kf_below(r, 120) +
		     (kf_chance(r, 50) ? 8 : 16);

	kf_fill(r, g + GMH_LEN, pdu - GMH_LEN);
	gmh(g, true, eks, pdu, cid);
	return ETH_HLEN_ + pdu;
}

static size_t from_pool(struct kf_rng *r, const struct pool *p, bool replay)
{
	unsigned int i = kf_below(r, p->n);
	size_t len = p->len[i];
	uint8_t *g = frame + ETH_HLEN_;
	unsigned int n;

	memcpy(frame, p->f[i], len);
	if (replay)
		return len;
	for (n = 1 + kf_below(r, 3); n; n--) {
		unsigned int pdu = (g[1] & 7) << 8 | g[2];

		switch (kf_below(r, 10)) {
		case 0:		/* a bit of the ciphertext or ICV */
			if (len > ETH_HLEN_ + GMH_LEN + PN_LEN)
				frame[ETH_HLEN_ + GMH_LEN + PN_LEN +
				      kf_below(r, len - ETH_HLEN_ - GMH_LEN -
						  PN_LEN)] ^= 1 << kf_below(r, 8);
			break;
		case 1: {	/* a fresh PN, or one of the other direction */
			uint32_t pn;

			memcpy(&pn, g + GMH_LEN, 4);
			pn = kf_chance(r, 50) ? pn ^ 0x80000000 :
				(uint32_t)kf_next(r);
			memcpy(g + GMH_LEN, &pn, 4);
			break;
		}
		case 2:		/* every EKS */
			g[1] = (g[1] & ~0x30) | kf_below(r, 4) << 4;
			g[5] = hcs(g);
			break;
		case 3:		/* another connection */
			g[3] = 0;
			g[4] = 0;
			{
				uint16_t cid = any_cid(r);

				g[3] = cid >> 8;
				g[4] = cid;
			}
			g[5] = hcs(g);
			break;
		case 4:		/* LEN off by a little or a lot */
			pdu = kf_chance(r, 50) ? pdu + kf_below(r, 9) - 4 :
				kf_below(r, MAX_PDU + 1);
			g[1] = (g[1] & ~7) | ((pdu >> 8) & 7);
			g[2] = pdu;
			g[5] = hcs(g);
			break;
		case 5:		/* the tail cut: ICV, then PN */
			n = 1 + kf_below(r, 24);
			if (len > ETH_HLEN_ + n)
				len -= n;
			break;
		case 6:		/* junk behind LEN, as Ethernet padding */
			n = 1 + kf_below(r, 48);
			if (len + n <= FRAME_MAX) {
				kf_fill(r, frame + len, n);
				len += n;
			}
			break;
		case 7:		/* a header bit, the HCS kept or not */
			g[kf_below(r, 2)] ^= 1 << kf_below(r, 8);
			if (kf_chance(r, 70))
				g[5] = hcs(g);
			break;
		case 8:		/* clear, on the same connection */
			g[0] &= ~0x40;
			g[5] = hcs(g);
			break;
		default:	/* another outer destination */
			if (kf_chance(r, 50))
				memset(frame, 0xff, 6);
			else
				frame[0] ^= 1;
			break;
		}
	}
	return len;
}

/* Frame of kind @k from the PRNG value @sub; its length. */
static size_t build(uint64_t sub, enum kf_frame_kind *k,
		    const struct kf_node *to, const struct pool *pool)
{
	uint8_t *g = frame + ETH_HLEN_;
	struct kf_rng r;
	size_t len, pdu;
	unsigned int i;

	kf_seed(&r, sub, 0);
	*k = kf_below(&r, FK_TX_RANDOM);
	outer(&r, to);
	switch (*k) {
	case FK_RANDOM:
		len = ETH_HLEN_ + (kf_chance(&r, 90) ? kf_below(&r, 128) :
				   kf_below(&r, MAX_PDU + 48));
		kf_fill(&r, g, len - ETH_HLEN_);
		return len;
	case FK_GMH_FIELDS:
		len = plausible(&r, any_cid(&r), kf_below(&r, 4));
		g[0] = kf_next(&r);
		g[1] = (g[1] & 7) | (kf_next(&r) & 0xf8);
		if (kf_chance(&r, 90))
			g[5] = hcs(g);
		return len;
	case FK_BAD_HCS:
		len = plausible(&r, any_cid(&r), kf_below(&r, 4));
		g[5] ^= 1 + kf_below(&r, 255);
		return len;
	case FK_LEN: {
		static const unsigned int lens[] = { 0, 1, 5, 6, 7, 9, 10, 11,
			24, 33, MAX_PDU };

		len = plausible(&r, any_cid(&r), kf_below(&r, 4));
		pdu = len - ETH_HLEN_;
		if (kf_chance(&r, 50))
			pdu = lens[kf_below(&r, sizeof(lens) / sizeof(lens[0]))];
		else
			pdu = pdu + kf_below(&r, 17) - 8;
		gmh(g, kf_chance(&r, 80), kf_below(&r, 4), pdu,
		    (uint16_t)(g[3] << 8 | g[4]));
		return len;
	}
	case FK_TRUNC_PN:
		pdu = GMH_LEN + kf_below(&r, PN_LEN);
		kf_fill(&r, g + GMH_LEN, PN_LEN);
		gmh(g, true, kf_below(&r, 4), pdu, any_cid(&r));
		/* the frame as long as LEN says, or padded */
		return ETH_HLEN_ + pdu + (kf_chance(&r, 50) ? 0 :
					 kf_below(&r, 40));
	case FK_TRUNC_ICV:
		/* everything but (some of) the ICV */
		pdu = GMH_LEN + PN_LEN + ETH_HLEN_ + kf_below(&r, 17);
		kf_fill(&r, g + GMH_LEN, pdu - GMH_LEN);
		gmh(g, true, kf_below(&r, 4), pdu, any_cid(&r));
		return ETH_HLEN_ + pdu;
	case FK_EKS:
		i = kf_below(&r, 4);
		return plausible(&r, kf_conf.n_cids ? kf_conf.cids[kf_below(&r,
				 kf_conf.n_cids)] : 0x1001, i);
	case FK_CID:
		return plausible(&r, kf_chance(&r, 50) ? (uint16_t)kf_next(&r) :
				 any_cid(&r), kf_below(&r, 4));
	case FK_SUBHEADER:
		/* fragmentation, packing, fast feedback, ARQ, mesh: the
		 * type bits, with the subheader's bytes after the GMH
		 */
		len = plausible(&r, any_cid(&r), kf_below(&r, 4));
		g[0] = (g[0] & 0xc0) | (1 << kf_below(&r, 6));
		if (kf_chance(&r, 30))
			g[1] |= kf_chance(&r, 50) ? 0x80 : 0x40; /* ESF, CI */
		g[5] = hcs(g);
		return len;
	case FK_MGMT:
		pdu = GMH_LEN + (kf_chance(&r, 80) ? kf_below(&r, 64) :
				 kf_below(&r, MAX_PDU - GMH_LEN + 1));
		kf_fill(&r, g + GMH_LEN, pdu - GMH_LEN);
		if (pdu > GMH_LEN && kf_chance(&r, 60))
			g[GMH_LEN] = kf_chance(&r, 50) ? WMAN_MGMT_PKM_REQ :
				WMAN_MGMT_PKM_RSP;
		gmh(g, kf_chance(&r, 10), 0, pdu, any_cid(&r));
		return ETH_HLEN_ + pdu;
	case FK_CLEAR_ON_KEYED:
		len = plausible(&r, any_cid(&r), 0);
		g[0] = 0;
		g[5] = hcs(g);
		return len;
	case FK_CAPTURED:
	case FK_CAPTURED_REPLAY:
		if (pool && pool->n)
			return from_pool(&r, pool, *k == FK_CAPTURED_REPLAY);
		*k = FK_EKS;
		return plausible(&r, any_cid(&r), kf_below(&r, 4));
	default:
		return ETH_HLEN_;
	}
}

/* Take the encrypted frames the nodes send to @to off the air. */
static void capture(int fd, struct pool *p, const struct kf_node *to)
{
	static uint8_t buf[FRAME_MAX];
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    n < ETH_HLEN_ + GMH_LEN + PN_LEN ||
		    buf[12] != WMAN_ETH_P >> 8 ||
		    buf[13] != (WMAN_ETH_P & 0xff) ||
		    !(buf[ETH_HLEN_] & 0x40) ||
		    hcs(buf + ETH_HLEN_) != buf[ETH_HLEN_ + 5] ||
		    !memcmp(buf + 6, to->mac, 6) ||
		    (memcmp(buf, to->mac, 6) && !(buf[0] & 1)))
			continue;
		memcpy(p->f[p->next], buf, n);
		p->len[p->next] = n;
		p->next = (p->next + 1) % POOL;
		if (p->n < POOL)
			p->n++;
		KF_INC(kf_stats->captured);
	}
}

int kf_worker_rx(int id, const struct kf_node *to)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	static struct pool pool;
	int out = -1, cap = -1;
	uint64_t item, h = KF_HASH_INIT;
	struct kf_rng r;

	kf_seed(&r, kf_conf.seed, kf_stream);
	if (!kf_conf.dry_run) {
		if (kf_enter_netns(kf_conf.air_ns))
			return 1;
		sll.sll_ifindex = if_nametoindex(to->air_if);
		if (!sll.sll_ifindex) {
			fprintf(stderr, "kfuzz: no %s in %s\n", to->air_if,
				kf_conf.air_ns);
			return 1;
		}
		out = socket(AF_PACKET, SOCK_RAW, 0);
		/* every protocol: the bridge takes the frames before a
		 * socket of one protocol would see them
		 */
		cap = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (out < 0 || cap < 0) {
			perror("kfuzz: AF_PACKET");
			return 1;
		}
		sll.sll_halen = ETH_ALEN;
	}
	for (item = 0; kf_more(item); item++) {
		enum kf_frame_kind k;
		size_t len;

		if (cap >= 0)
			capture(cap, &pool, to);
		len = build(kf_next(&r), &k, to,
			    kf_conf.dry_run ? NULL : &pool);
		KF_INC(kf_stats->items[id]);
		if (kf_conf.dry_run) {
			h = kf_hash(h, &k, sizeof(k));
			h = kf_hash(h, frame, len);
			continue;
		}
		memcpy(sll.sll_addr, frame, ETH_ALEN);
		if (sendto(out, frame, len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0)
			kf_count_errno(kf_stats->frame_send_err, errno);
		else
			KF_INC(kf_stats->frames[k]);
	}
	kf_stats->hash[id] = h;
	if (out >= 0)
		close(out);
	if (cap >= 0)
		close(cap);
	return 0;
}
