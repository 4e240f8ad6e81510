// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: a frame from the stack becomes one 802.16 MAC PDU on the lower
 * device, protected with the TEK of its connection's SA (or in clear on a
 * connection without an SA).  Management PDUs from pkmd leave here too.
 *
 * The device is LLTX: nothing here takes a lock.  A TEK hands out PNs with
 * one atomic increment.  A frame that is private, linear and roomy is
 * encrypted in place.  With GCM, most others (a clone TCP still holds for
 * retransmission, a GSO segment whose payload is TCP's pages) are read by
 * the cipher where they lie and encrypted into a new PDU, with no copy of
 * the plaintext first.  With CCM, and for a frame with a fragment list or
 * user pages lent to the kernel (zerocopy), the frame is copied into a
 * buffer of its own (GSO segments in the same pass as their checksums)
 * and encrypted there.
 */

#include <linux/etherdevice.h>
#include <net/sock.h>

#include "crypto.h"

static void tx_count(struct wman_dev *wman, struct wman_tek *tek,
		     unsigned int len)
{
	wman_stat_inc(wman->stats, WMAN_STAT_TX_PACKETS);
	wman_stat_add(wman->stats, WMAN_STAT_TX_BYTES, len);
	if (!tek)
		return;
	wman_stat_inc(tek->sa->stats, WMAN_STAT_TX_PACKETS);
	wman_stat_add(tek->sa->stats, WMAN_STAT_TX_BYTES, len);
	wman_stat_inc(tek->stats, WMAN_STAT_TX_PACKETS);
	wman_stat_add(tek->stats, WMAN_STAT_TX_BYTES, len);
}

/* Where a PDU on this connection goes (data-plane.rst, Frame format). */
static void tx_dest(const struct wman_dev *wman, const struct wman_conn *conn,
		    u8 *dest)
{
	if (wman->role == WMAN_ROLE_SS)
		wman_bsid_get(wman, dest);
	else if (conn->kind == WMAN_CONN_UNICAST ||
		 (conn->kind == WMAN_CONN_MGMT &&
		  !is_zero_ether_addr(conn->peer)))
		ether_addr_copy(dest, conn->peer);
	else
		eth_broadcast_addr(dest);
}

static void tx_push_eth(struct wman_dev *wman, struct sk_buff *skb,
			const u8 *dst)
{
	struct ethhdr *eth = skb_push(skb, ETH_HLEN);

	skb_reset_mac_header(skb);
	ether_addr_copy(eth->h_dest, dst);
	ether_addr_copy(eth->h_source, wman->lower->dev_addr);
	eth->h_proto = htons(WMAN_ETH_P);
	skb->protocol = htons(WMAN_ETH_P);
	skb_set_network_header(skb, ETH_HLEN);
	skb->dev = wman->lower;
}

/*
 * Makes the frame linear, private and roomy enough to be encrypted in
 * place and framed, copying it at most once in the common cases.
 */
static int tx_make_room(struct sk_buff *skb, unsigned int headroom,
			unsigned int tailroom)
{
	int hdelta, tdelta;

	/* pages may be shared with their sender: pull them into the head */
	if (unlikely(skb_is_nonlinear(skb)) && __skb_linearize(skb))
		return -ENOMEM;

	hdelta = max_t(int, (int)headroom - (int)skb_headroom(skb), 0);
	tdelta = max_t(int, (int)tailroom - (int)skb_tailroom(skb), 0);
	if (likely(!hdelta && !tdelta && !skb_cloned(skb)))
		return 0;
	return pskb_expand_head(skb, hdelta ? ALIGN(hdelta, NET_SKB_PAD) : 0,
				tdelta, GFP_ATOMIC);
}

/*
 * The TEK to send with, pinned if need be, and its next PN; NULL if the SA
 * has none left.  A TEK deleted or used up meanwhile makes way for the
 * other one.
 */
static struct wman_tek *tx_tek(struct wman_dev *wman, struct wman_sa *sa,
			       u32 *pn, bool *pinned)
{
	struct wman_tek *tek;
	unsigned int tries;

	for (tries = 0; tries <= WMAN_SLOT_COUNT; tries++) {
		tek = wman_sa_tx_tek(sa, wman->role);
		if (!tek)
			return NULL;
		if (unlikely(!wman_crypto_pin(tek, pinned)))
			continue;
		if (likely(wman_tek_take_pn(tek, pn)))
			return tek;
		/* used up or replaced: wman_sa_tx_tek() skips it now */
		if (*pinned)
			wman_crypto_unpin(tek);
		*pinned = false;
	}
	return NULL;
}

static bool tx_sk_validates(const struct sock *sk)
{
#ifdef CONFIG_SOCK_VALIDATE_XMIT
	return READ_ONCE(sk->sk_validate_xmit_skb);
#else
	return false;
#endif
}

/*
 * The PDU takes over the frame's ownership, the socket, its destructor and
 * the truesize charged to it, as segmentation and GRO move ownership
 * between buffers: the socket stays charged while the lower device queues
 * the PDU, as for a frame encrypted in place, so TCP small queues and the
 * send buffer still limit what waits there.  Only for TCP and UDP sockets,
 * whose destructors use nothing but the socket and the truesize; others
 * (AF_PACKET's ring, AF_XDP, SCTP) read the buffer they were set on, and
 * their charge ends when the frame is freed here.
 */
static void tx_pdu_take_owner(struct sk_buff *pdu, struct sk_buff *src)
{
	struct sock *sk = src->sk;

	if (!sk || !src->destructor || !sk_fullsock(sk))
		return;
	/* a reference, not a charge: nothing for TCP small queues */
	if (src->destructor == sock_efree || src->destructor == sock_pfree ||
	    src->destructor == sock_edemux)
		return;
	/* TLS offload's fallback would read the PDU as the TCP segment */
	if (tx_sk_validates(sk))
		return;
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return;
	if (sk->sk_protocol != IPPROTO_TCP && sk->sk_protocol != IPPROTO_UDP)
		return;
	pdu->sk = sk;
	pdu->destructor = src->destructor;
	pdu->truesize = src->truesize;
	src->sk = NULL;
	src->destructor = NULL;
}

static void tx_post(struct wman_crypto_req *rq, int err)
{
	struct wman_dev *wman = rq->wman;
	struct sk_buff *skb = rq->skb;

	/* the frame an out-of-place encryption read */
	if (rq->src_skb) {
		if (likely(!err)) {
			tx_pdu_take_owner(skb, rq->src_skb);
			consume_skb(rq->src_skb);
		} else {
			kfree_skb(rq->src_skb);
		}
	}

	if (likely(!err)) {
		tx_count(wman, rq->tek, rq->len);
		dev_queue_xmit(skb);
	} else {
		net_warn_ratelimited("%s: encryption failed: %d\n",
				     wman->dev->name, err);
		dev_core_stats_tx_dropped_inc(wman->dev);
		kfree_skb(skb);
	}
	/* last: it may drop the references on the TEK and the device */
	wman_crypto_req_put(rq);
}

/*
 * Whether the cipher should read the frame where it lies and write a new
 * PDU: only with a suite that reads pieces well, and not a frame it can
 * encrypt in place as it is, nor one with a fragment list (more pieces
 * than a request holds) or with user pages the sender may rewrite while
 * they are read twice, for the checksum and the cipher.
 */
static bool tx_out_of_place(struct sk_buff *skb, const struct wman_tek *tek,
			    unsigned int headroom, unsigned int tailroom)
{
	if (!tek || !tek->suite->reads_pieces)
		return false;
	if (!skb_is_nonlinear(skb) && !skb_cloned(skb) &&
	    skb_headroom(skb) >= headroom && skb_tailroom(skb) >= tailroom)
		return false;
	return !skb_has_frag_list(skb) && !skb_zcopy(skb);
}

/*
 * The PDU of a frame encrypted out of place: room for the lower device's
 * header, the GMH and PN, the frame and the ICV, and what the frame's
 * queueing needs of it.
 */
static struct sk_buff *tx_alloc_pdu(const struct sk_buff *skb,
				    struct net_device *lower, unsigned int hdr,
				    unsigned int icv)
{
	unsigned int headroom = LL_RESERVED_SPACE(lower) + hdr;
	struct sk_buff *pdu;

	pdu = alloc_skb(headroom + skb->len + icv + lower->needed_tailroom,
			GFP_ATOMIC | __GFP_NOWARN);
	if (unlikely(!pdu))
		return NULL;
	skb_reserve(pdu, headroom);
	skb_put(pdu, skb->len + icv);
	pdu->priority = skb->priority;
	pdu->mark = skb->mark;
	skb_copy_hash(pdu, skb);
	skb_copy_queue_mapping(pdu, skb);
	return pdu;
}

/* Under RCU: protects and sends one frame (not GSO) on conn. */
static void tx_one(struct wman_dev *wman, const struct wman_conn *conn,
		   struct sk_buff *skb)
{
	unsigned int len, hdr, icv = 0, headroom, tailroom;
	struct net_device *lower = wman->lower;
	struct sk_buff *src = NULL, *pdu;
	struct wman_tek *tek = NULL;
	struct wman_crypto_req *rq;
	bool pinned = false;
	u8 *gmh, *payload, dest[ETH_ALEN];
	struct wman_sa *sa;
	u32 pn = 0;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		dev_core_stats_tx_dropped_inc(wman->dev);
		return;
	}
	len = skb->len;

	if (conn->said != WMAN_SAID_NONE) {
		sa = rcu_dereference(conn->sa);
		if (sa)
			tek = tx_tek(wman, sa, &pn, &pinned);
		if (unlikely(!tek)) {
			wman_stat_inc(wman->stats, WMAN_STAT_TX_NO_KEY);
			if (sa)
				wman_stat_inc(sa->stats, WMAN_STAT_TX_NO_KEY);
			goto drop;
		}
		icv = tek->suite->icv_len;
		if (wman->role == WMAN_ROLE_SS)
			pn |= WMAN_PN_UPLINK;
	}

	hdr = WMAN_GMH_LEN + (tek ? WMAN_PN_LEN : 0);
	if (unlikely(hdr + len + icv > WMAN_PDU_MAX_LEN))
		goto drop_other;
	/* the lower device cannot reach the inner checksum once encrypted */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop_other;
	headroom = hdr + LL_RESERVED_SPACE(lower);
	tailroom = icv + lower->needed_tailroom;
	if (tx_out_of_place(skb, tek, headroom, tailroom)) {
		pdu = tx_alloc_pdu(skb, lower, hdr, icv);
		if (unlikely(!pdu))
			goto drop_other;
		src = skb;
		skb = pdu;
	} else {
		if (unlikely(tx_make_room(skb, headroom, tailroom)))
			goto drop_other;
		__skb_put(skb, icv);
	}

	payload = skb->data;
	if (tek)
		put_unaligned_le32(pn, __skb_push(skb, WMAN_PN_LEN));
	gmh = __skb_push(skb, WMAN_GMH_LEN);
	wman_gmh_build(gmh, !!tek, tek ? tek->eks : 0, hdr + len + icv,
		       conn->cid);
	skb_scrub_packet(skb, !net_eq(dev_net(wman->dev), dev_net(lower)));
	tx_dest(wman, conn, dest);
	tx_push_eth(wman, skb, dest);

	if (!tek) {
		tx_count(wman, NULL, len);
		dev_queue_xmit(skb);
		return;
	}

	rq = wman_crypto_req_get(wman, tek->aead, pinned);
	if (unlikely(!rq))
		goto drop_other;
	rq->post = tx_post;
	rq->tek = tek;
	rq->skb = skb;
	rq->len = len;
	if (!src) {
		wman_crypto_run(rq, true, gmh, pn, payload, len);
		return;
	}
	rq->src_skb = src;
	wman_crypto_encrypt_from(rq, gmh, pn, payload, len);
	return;

drop_other:
	dev_core_stats_tx_dropped_inc(wman->dev);
drop:
	if (pinned)
		wman_crypto_unpin(tek);
	kfree_skb(src);
	kfree_skb(skb);
}

/*
 * How to segment for conn's suite, with checksums filled in either way:
 * segments that keep the payload in its pages, for a cipher that reads
 * them there, or linear ones, copied in the pass that sums them.
 */
static netdev_features_t tx_gso_features(const struct wman_conn *conn)
{
	const struct wman_sa *sa;

	if (conn->said == WMAN_SAID_NONE)
		return 0;
	sa = rcu_dereference(conn->sa);
	return sa && sa->suite->reads_pieces ? NETIF_F_SG : 0;
}

netdev_tx_t wman_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct wman_dev *wman = wman_priv(dev);
	struct sk_buff *segs, *next;
	struct wman_conn *conn;

	rcu_read_lock();
	conn = wman_classify(wman, skb);
	if (unlikely(!conn)) {
		wman_stat_inc(wman->stats, WMAN_STAT_TX_NO_CONN);
		kfree_skb(skb);
		goto out;
	}

	if (!skb_is_gso(skb)) {
		tx_one(wman, conn, skb);
		goto out;
	}

	segs = skb_gso_segment(skb, tx_gso_features(conn));
	if (IS_ERR(segs)) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		goto out;
	}
	/* nothing to segment after all: the frame goes as it is */
	if (!segs) {
		skb_gso_reset(skb);
		tx_one(wman, conn, skb);
		goto out;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		tx_one(wman, conn, skb);
	}
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

int wman_mgmt_xmit(struct wman_dev *wman, u16 cid, const u8 *dst,
		   const u8 *payload, size_t len,
		   struct netlink_ext_ack *extack)
{
	struct net_device *lower = wman->lower;
	const struct wman_conn *conn;
	u8 dest[ETH_ALEN];
	struct sk_buff *skb;
	int err;

	if (!len || len > WMAN_MGMT_MAX_LEN) {
		NL_SET_ERR_MSG_MOD(extack, "Management payload length out of range");
		return -EINVAL;
	}
	if (WMAN_GMH_LEN + len > lower->mtu) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Management PDU exceeds the lower device's MTU");
		return -EMSGSIZE;
	}
	if (!netif_running(lower)) {
		NL_SET_ERR_MSG_MOD(extack, "Lower device is down");
		return -ENETDOWN;
	}

	rcu_read_lock();
	conn = xa_load(&wman->conns, cid);
	if (!conn || conn->kind != WMAN_CONN_MGMT) {
		rcu_read_unlock();
		NL_SET_ERR_MSG_MOD(extack,
				   "No management connection with this CID");
		return -ENOENT;
	}
	if (dst)
		ether_addr_copy(dest, dst);
	else
		tx_dest(wman, conn, dest);
	rcu_read_unlock();

	skb = alloc_skb(LL_RESERVED_SPACE(lower) + WMAN_GMH_LEN + len +
			lower->needed_tailroom, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, LL_RESERVED_SPACE(lower) + WMAN_GMH_LEN);
	skb_put_data(skb, payload, len);
	wman_gmh_build(skb_push(skb, WMAN_GMH_LEN), false, 0,
		       WMAN_GMH_LEN + len, cid);
	tx_push_eth(wman, skb, dest);

	err = dev_queue_xmit(skb);
	if (err > 0)
		err = net_xmit_errno(err);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "Lower device dropped the PDU");
		return err;
	}
	local_bh_disable();
	wman_stat_inc(wman->stats, WMAN_STAT_MGMT_TX);
	local_bh_enable();
	return 0;
}
