// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the lower device's rx_handler.  A wman frame is checked in the
 * order of data-plane.rst ("Receive checks, in order"), decrypted in place
 * and its inner Ethernet frame handed to the stack on the wman device.
 * Every drop is counted under its reason on the device and, once they are
 * known, on the SA and the TEK.
 */

#include <linux/etherdevice.h>

#include "crypto.h"

static void rx_stat(struct wman_dev *wman, struct wman_sa *sa,
		    struct wman_tek *tek, enum wman_stat stat)
{
	wman_stat_inc(wman->stats, stat);
	if (sa)
		wman_stat_inc(sa->stats, stat);
	if (tek)
		wman_stat_inc(tek->stats, stat);
}

static void rx_count(struct wman_dev *wman, struct wman_sa *sa,
		     struct wman_tek *tek, unsigned int len)
{
	rx_stat(wman, sa, tek, WMAN_STAT_RX_PACKETS);
	wman_stat_add(wman->stats, WMAN_STAT_RX_BYTES, len);
	if (sa)
		wman_stat_add(sa->stats, WMAN_STAT_RX_BYTES, len);
	if (tek)
		wman_stat_add(tek->stats, WMAN_STAT_RX_BYTES, len);
}

static void rx_drop(struct sk_buff *skb, struct wman_dev *wman,
		    struct wman_sa *sa, struct wman_tek *tek,
		    enum wman_stat stat)
{
	rx_stat(wman, sa, tek, stat);
	kfree_skb(skb);
}

/* A drop with no reason of its own (no memory): the core's rx_dropped. */
static void rx_drop_other(struct sk_buff *skb, struct wman_dev *wman)
{
	dev_core_stats_rx_dropped_inc(wman->dev);
	kfree_skb(skb);
}

/*
 * skb->data is the inner Ethernet frame; authentic when it was decrypted,
 * and then its checksums need no second look: the sender filled them in
 * before sealing the frame, and the ICV covers every byte.
 */
static void rx_deliver(struct wman_dev *wman, struct sk_buff *skb,
		       bool authentic)
{
	/* whatever the lower device knew about the outer frame is stale */
	if (authentic) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->csum_level = ~0;
	} else {
		skb->ip_summed = CHECKSUM_NONE;
	}
	skb_clear_hash(skb);
	skb_scrub_packet(skb, !net_eq(dev_net(wman->lower),
				      dev_net(wman->dev)));
	/*
	 * A frame from a wman device of this host may still be owned by its
	 * sending socket (veth hands it over as it is).  GRO would merge such
	 * frames dropping their owners without a call (a reference of
	 * sock_efree's leaked) or move one socket's charge to another's
	 * frame: the charge ends here, as at the IP layer.
	 */
	skb_orphan(skb);
	skb->protocol = eth_type_trans(skb, wman->dev);
	skb_reset_network_header(skb);
	gro_cells_receive(&wman->gro_cells, skb);
}

/* Linear and private, so that it can be decrypted in place. */
static int rx_make_writable(struct sk_buff *skb)
{
	if (skb_is_nonlinear(skb))
		return __skb_linearize(skb);
	if (skb_cloned(skb))
		return pskb_expand_head(skb, 0, 0, GFP_ATOMIC);
	return 0;
}

static void rx_post(struct wman_crypto_req *rq, int err)
{
	struct wman_dev *wman = rq->wman;
	struct wman_tek *tek = rq->tek;
	struct sk_buff *skb = rq->skb;
	unsigned int len = rq->len;

	if (unlikely(err)) {
		if (err == -EBADMSG)
			rx_drop(skb, wman, tek->sa, tek, WMAN_STAT_RX_BAD_ICV);
		else
			rx_drop_other(skb, wman);
		goto out;
	}
	__skb_pull(skb, WMAN_GMH_LEN + WMAN_PN_LEN);
	__skb_trim(skb, len);
	/*
	 * An SS speaks only for itself: the inner source of its uplink is its
	 * own address, whatever key it holds (the frame is not counted as
	 * accepted, so its PN stays usable by the genuine frame).
	 */
	if (rq->check_source &&
	    !ether_addr_equal(((struct ethhdr *)skb->data)->h_source,
			      rq->peer)) {
		rx_drop(skb, wman, tek->sa, tek, WMAN_STAT_RX_BAD_SOURCE);
		goto out;
	}
	/* another CPU may have accepted the same PN meanwhile */
	if (unlikely(wman_replay_advance(&tek->replay, rq->pn))) {
		rx_drop(skb, wman, tek->sa, tek, WMAN_STAT_RX_REPLAY);
		goto out;
	}
	rx_count(wman, tek->sa, tek, len);
	rx_deliver(wman, skb, true);
out:
	/* last: it may drop the references on the TEK and the device */
	wman_crypto_req_put(rq);
}

/* Steps 5 to 9 for a frame on a connection with an SA. */
static void rx_decrypt(struct wman_dev *wman, const struct wman_conn *conn,
		       struct wman_sa *sa, const struct wman_gmh *h,
		       struct sk_buff *skb)
{
	unsigned int icv = sa->suite->icv_len;
	struct wman_crypto_req *rq;
	bool to_bs = wman->role == WMAN_ROLE_BS;
	struct wman_tek *tek;
	u32 pn_wire, pn;
	bool from_ss, pinned;

	if (!h->encrypted) {
		rx_drop(skb, wman, sa, NULL, WMAN_STAT_RX_UNENCRYPTED);
		return;
	}
	if (h->len < WMAN_GMH_LEN + WMAN_PN_LEN + ETH_HLEN + icv) {
		rx_drop(skb, wman, sa, NULL, WMAN_STAT_RX_BAD_HEADER);
		return;
	}

	tek = rcu_dereference(sa->slots[h->eks]);
	if (!tek) {
		wman_event_unknown_eks(sa, h->eks, h->cid);
		rx_drop(skb, wman, sa, NULL, WMAN_STAT_RX_NO_KEY);
		return;
	}
	if (wman_tek_expired(tek)) {
		rx_drop(skb, wman, sa, tek, WMAN_STAT_RX_EXPIRED);
		return;
	}

	/* a BS accepts uplink PNs, an SS downlink ones */
	pn_wire = get_unaligned_le32(skb->data + WMAN_GMH_LEN);
	pn = pn_wire & ~WMAN_PN_UPLINK;
	from_ss = pn_wire & WMAN_PN_UPLINK;
	if (from_ss != to_bs || wman_replay_check(&tek->replay, pn)) {
		rx_drop(skb, wman, sa, tek, WMAN_STAT_RX_REPLAY);
		return;
	}

	/* a TEK deleted meanwhile cannot be pinned: no key any more */
	if (!wman_crypto_pin(tek, &pinned)) {
		rx_drop(skb, wman, sa, tek, WMAN_STAT_RX_NO_KEY);
		return;
	}
	if (unlikely(rx_make_writable(skb)))
		goto drop_other;
	rq = wman_crypto_req_get(wman, tek->aead, pinned);
	if (unlikely(!rq))
		goto drop_other;
	rq->post = rx_post;
	rq->tek = tek;
	rq->skb = skb;
	rq->pn = pn;
	if (to_bs) {
		rq->check_source = true;
		ether_addr_copy(rq->peer, conn->peer);
	}
	rq->len = h->len - WMAN_GMH_LEN - WMAN_PN_LEN - icv;
	wman_crypto_run(rq, false, skb->data, pn_wire,
			skb->data + WMAN_GMH_LEN + WMAN_PN_LEN, rq->len + icv);
	return;

drop_other:
	if (pinned)
		wman_crypto_unpin(tek);
	rx_drop_other(skb, wman);
}

/* Under RCU: steps 2 to 9 of the receive checks. */
static void rx_frame(struct wman_dev *wman, struct sk_buff *skb)
{
	struct wman_conn *conn;
	struct wman_sa *sa;
	struct wman_gmh h;

	/* 2: the header, and as much of the PDU as every later step reads */
	if (!pskb_may_pull(skb, WMAN_GMH_LEN) ||
	    wman_gmh_parse(skb->data, &h) ||
	    h.len > skb->len ||
	    h.len < WMAN_GMH_LEN + (h.encrypted ? WMAN_PN_LEN : 0) + 1 ||
	    !pskb_may_pull(skb, h.encrypted ? WMAN_GMH_LEN + WMAN_PN_LEN :
					      h.len)) {
		rx_drop(skb, wman, NULL, NULL, WMAN_STAT_RX_BAD_HEADER);
		return;
	}
	/* Ethernet pads short frames */
	if (h.len < skb->len && pskb_trim_rcsum(skb, h.len)) {
		rx_drop_other(skb, wman);
		return;
	}

	/* 3 */
	conn = xa_load(&wman->conns, h.cid);
	if (!conn)
		goto unknown_sa;

	/* 4 */
	if (conn->kind == WMAN_CONN_MGMT) {
		if (h.encrypted) {
			rx_drop(skb, wman, NULL, NULL, WMAN_STAT_RX_BAD_HEADER);
			return;
		}
		wman_mgmt_deliver(wman, h.cid, eth_hdr(skb)->h_source,
				  skb->data + WMAN_GMH_LEN,
				  h.len - WMAN_GMH_LEN);
		consume_skb(skb);
		return;
	}

	if (conn->said != WMAN_SAID_NONE) {
		sa = rcu_dereference(conn->sa);
		if (!sa)
			goto unknown_sa;
		/*
		 * Group and broadcast keys are shared by many SSs (and kept by
		 * one that left until they expire): they protect downlink
		 * only.  A BS takes keyed traffic on unicast connections only.
		 */
		if (wman->role == WMAN_ROLE_BS && h.encrypted &&
		    conn->kind != WMAN_CONN_UNICAST) {
			rx_drop(skb, wman, sa, NULL,
				WMAN_STAT_RX_DOWNLINK_ONLY);
			return;
		}
		rx_decrypt(wman, conn, sa, &h, skb);
		return;
	}

	/* a connection in clear */
	if (h.encrypted)
		goto unknown_sa;
	if (h.len < WMAN_GMH_LEN + ETH_HLEN) {
		rx_drop(skb, wman, NULL, NULL, WMAN_STAT_RX_BAD_HEADER);
		return;
	}
	__skb_pull(skb, WMAN_GMH_LEN);
	rx_count(wman, NULL, NULL, skb->len);
	rx_deliver(wman, skb, false);
	return;

unknown_sa:
	wman_event_unknown_sa(wman, h.cid);
	rx_drop(skb, wman, NULL, NULL, WMAN_STAT_RX_UNKNOWN_SA);
}

rx_handler_result_t wman_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct wman_dev *wman;

	/* 1 */
	if (skb->protocol != htons(WMAN_ETH_P) ||
	    skb->pkt_type == PACKET_OTHERHOST)
		return RX_HANDLER_PASS;

	wman = rcu_dereference(skb->dev->rx_handler_data);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		dev_core_stats_rx_dropped_inc(wman->dev);
		return RX_HANDLER_CONSUMED;
	}
	rx_frame(wman, skb);
	return RX_HANDLER_CONSUMED;
}
