/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AEAD requests of the data path (tx.c, rx.c).
 *
 * A request context holds the aead_request with the transform's context
 * behind it, its scatterlist and IV, and the frame it works on.  Contexts
 * come from a per-CPU pool sized at module load, so protecting or checking
 * a frame allocates nothing.  A context is taken on the CPU that submits
 * the request, in softirq context or with BH disabled, and may be given
 * back from any CPU when an asynchronous request completes.
 */
#ifndef _WMAN_CRYPTO_H
#define _WMAN_CRYPTO_H

#include <crypto/aead.h>
#include <linux/llist.h>
#include <linux/scatterlist.h>

#include "wman.h"

#define WMAN_IV_MAX	16	/* ccm(aes); gcm(aes) uses 12 */
/* a frame's head and page fragments, read by an out-of-place encryption */
#define WMAN_SRC_SG_MAX	(MAX_SKB_FRAGS + 1)

struct wman_crypto_pool;
struct wman_crypto_req;

/*
 * Continuation of a request: called exactly once, either by
 * wman_crypto_run() or wman_crypto_encrypt_from() itself or by the
 * completion of an asynchronous request, with 0 or the error.  It must
 * give the context back.
 */
typedef void (*wman_crypto_post_t)(struct wman_crypto_req *rq, int err);

struct wman_crypto_req {
	struct llist_node free_node;	/* in its pool while unused */
	struct wman_crypto_pool *pool;	/* owner; NULL: allocated */
	unsigned int ctx_len;		/* transform context bytes in use */
	bool pinned;			/* holds a TEK and a device reference */
	netdevice_tracker dev_tracker;	/* the device reference, if pinned */
	wman_crypto_post_t post;
	struct wman_dev *wman;
	struct wman_tek *tek;
	struct sk_buff *skb;
	u32 pn;				/* direction bit cleared */
	unsigned int len;		/* plaintext bytes */
	bool check_source;		/* rx: the inner source must be peer */
	u8 peer[ETH_ALEN];
	u8 iv[WMAN_IV_MAX];
	/*
	 * tx of a frame that is shared or in pieces: its plaintext, read in
	 * place by the cipher, which writes the PDU's payload to skb
	 */
	struct sk_buff *src_skb;
	struct scatterlist sg;		/* the data, or the output */
	struct scatterlist src_sg[WMAN_SRC_SG_MAX];
	struct aead_request areq;	/* last: the transform's context follows */
};

/*
 * A request context for aead; with pinned (see wman_crypto_pin()) it also
 * holds a tracked reference on the device until it is put.  The post
 * function fills the rest and puts it when it is done with every field.
 */
struct wman_crypto_req *wman_crypto_req_get(struct wman_dev *wman,
					    struct crypto_aead *aead,
					    bool pinned);
/* Drops what the context pins, wipes its cipher state and frees it. */
void wman_crypto_req_put(struct wman_crypto_req *rq);

/*
 * A request that may complete after its submitter has left the RCU
 * read-side section must pin the TEK (its transform and counters) and the
 * device.  Whether it does is only known once it was submitted, and by
 * then a concurrent delete may have dropped the TEK's last reference; so
 * requests pin the TEK before they are submitted, but only where the
 * transform may complete asynchronously at all, and the request context
 * pins the device.  Returns false if the TEK is being freed; *pinned
 * means the TEK reference is held: wman_crypto_unpin() it if no request
 * context took it over.
 */
bool wman_crypto_pin(struct wman_tek *tek, bool *pinned);

/*
 * Encrypts (appending the ICV) or decrypts (checking and keeping the ICV)
 * cryptlen bytes at data in place, with the IV built from the GMH and the
 * PN as sent.  The caller fills wman, tek, skb, post, pinned and whatever
 * its post function reads, and holds the RCU read lock.
 */
void wman_crypto_run(struct wman_crypto_req *rq, bool encrypt, const u8 *gmh,
		     u32 pn, u8 *data, unsigned int cryptlen);

/*
 * Encrypts the cryptlen bytes of rq->src_skb (no frag_list) into out
 * (cryptlen bytes and the ICV) without a copy of the plaintext first; the
 * post function frees src_skb too.  Like wman_crypto_run() otherwise.
 */
void wman_crypto_encrypt_from(struct wman_crypto_req *rq, const u8 *gmh,
			      u32 pn, u8 *out, unsigned int cryptlen);

static inline void wman_crypto_unpin(struct wman_tek *tek)
{
	wman_tek_put(tek);
}

#endif /* _WMAN_CRYPTO_H */
