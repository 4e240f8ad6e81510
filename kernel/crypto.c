// SPDX-License-Identifier: GPL-2.0
/*
 * Cipher suites, per-TEK AEAD transforms, and the per-CPU pool of request
 * contexts that keeps allocation off the per-frame path.
 *
 * Transforms are allocated with type and mask 0, so the kernel picks its
 * fastest implementation even when that one may complete asynchronously
 * (the SIMD wrappers of x86 do, when the FPU is not usable).  The data path
 * copes with both ways through one continuation per direction.
 */

#include <crypto/aead.h>
#include <linux/debugfs.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "crypto.h"

/* Suites */

/* 802.16e: flags byte (a 2-byte length field), 13-byte nonce, counter. */
static void ccm_build_iv(u8 *iv, const u8 *gmh, u32 pn)
{
	iv[0] = 1;
	memcpy(iv + 1, gmh, 5);
	memset(iv + 6, 0, 4);
	put_unaligned_le32(pn, iv + 10);
	iv[14] = 0;
	iv[15] = 0;
}

static void gcm_build_iv(u8 *iv, const u8 *gmh, u32 pn)
{
	memcpy(iv, gmh, 5);
	memset(iv + 5, 0, 3);
	put_unaligned_le32(pn, iv + 8);
}

static const struct wman_suite_ops suites[] = {
	{
		.id = WMAN_SUITE_AES_CCM_128,
		.alg = "ccm(aes)",
		.icv_len = 8,
		.build_iv = ccm_build_iv,
	},
	{
		.id = WMAN_SUITE_AES_GCM_128,
		.alg = "gcm(aes)",
		.icv_len = 16,
		.reads_pieces = true,
		.build_iv = gcm_build_iv,
	},
};

const struct wman_suite_ops *wman_suite_find(u8 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

/* Request pool */

static unsigned int pool_depth = 64;
module_param(pool_depth, uint, 0444);
MODULE_PARM_DESC(pool_depth,
		 "AEAD request contexts preallocated per CPU (0: allocate per frame)");

#define POOL_DEPTH_MAX	4096

/* One CPU's contexts: taken by that CPU only, given back by any. */
struct wman_crypto_pool {
	struct llist_head free;
	struct wman_crypto_req **slots;	/* all of them, to free at unload */
};

/*
 * A generation of per-CPU pools whose slots fit transform contexts up to
 * reqsize.  A TEK whose transform needs more (an implementation loaded
 * after the module) starts a larger generation; older ones stay until
 * unload, because their slots may still be out.
 */
struct wman_pool_gen {
	unsigned int reqsize;
	struct wman_crypto_pool __percpu *cpu;
	struct wman_pool_gen *older;
};

static struct wman_pool_gen __rcu *pool_gens;
static DEFINE_MUTEX(pool_gens_lock);	/* serializes new generations */
static atomic_long_t pool_fallbacks;	/* contexts allocated per frame */
static struct dentry *debug_dir;

static struct wman_crypto_req *req_take(unsigned int reqsize)
{
	struct wman_crypto_req *rq;
	struct wman_pool_gen *gen;
	struct llist_node *node;

	/* one taker per pool: this CPU, with BH disabled */
	lockdep_assert_in_softirq();

	gen = rcu_dereference(pool_gens);
	if (likely(gen && reqsize <= gen->reqsize)) {
		node = llist_del_first(&this_cpu_ptr(gen->cpu)->free);
		if (likely(node))
			return llist_entry(node, struct wman_crypto_req,
					   free_node);
	}

	atomic_long_inc(&pool_fallbacks);
	rq = kmalloc(sizeof(*rq) + reqsize, GFP_ATOMIC);
	if (rq)
		rq->pool = NULL;
	return rq;
}

struct wman_crypto_req *wman_crypto_req_get(struct wman_dev *wman,
					    struct crypto_aead *aead,
					    bool pinned)
{
	unsigned int reqsize = crypto_aead_reqsize(aead);
	struct wman_crypto_req *rq = req_take(reqsize);

	if (unlikely(!rq))
		return NULL;
	rq->ctx_len = reqsize;
	rq->src_skb = NULL;
	rq->wman = wman;
	rq->pinned = pinned;
	rq->check_source = false;
	if (pinned)
		netdev_hold(wman->dev, &rq->dev_tracker, GFP_ATOMIC);
	return rq;
}

void wman_crypto_req_put(struct wman_crypto_req *rq)
{
	if (rq->pinned) {
		wman_tek_put(rq->tek);
		netdev_put(rq->wman->dev, &rq->dev_tracker);
		rq->pinned = false;
	}
	/* the transform's context held the frame's cipher and MAC state */
	memzero_explicit(&rq->areq, sizeof(rq->areq) + rq->ctx_len);
	if (rq->pool)
		llist_add(&rq->free_node, &rq->pool->free);
	else
		kfree_sensitive(rq);
}

static void pool_gen_free(struct wman_pool_gen *gen)
{
	struct wman_crypto_pool *pool;
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		pool = per_cpu_ptr(gen->cpu, cpu);
		if (!pool->slots)
			continue;
		/* a context held a frame's plaintext and cipher state */
		for (i = 0; i < pool_depth; i++)
			kfree_sensitive(pool->slots[i]);
		kfree(pool->slots);
	}
	free_percpu(gen->cpu);
	kfree(gen);
}

static struct wman_pool_gen *pool_gen_alloc(unsigned int reqsize)
{
	size_t size = sizeof(struct wman_crypto_req) + reqsize;
	struct wman_crypto_pool *pool;
	struct wman_crypto_req *rq;
	struct wman_pool_gen *gen;
	unsigned int cpu, i;
	int node;

	gen = kzalloc(sizeof(*gen), GFP_KERNEL);
	if (!gen)
		return NULL;
	gen->reqsize = reqsize;
	gen->cpu = alloc_percpu(struct wman_crypto_pool);
	if (!gen->cpu) {
		kfree(gen);
		return NULL;
	}

	for_each_possible_cpu(cpu) {
		pool = per_cpu_ptr(gen->cpu, cpu);
		node = cpu_to_node(cpu);
		init_llist_head(&pool->free);
		pool->slots = kcalloc_node(pool_depth, sizeof(*pool->slots),
					   GFP_KERNEL, node);
		if (!pool->slots)
			goto err;
		for (i = 0; i < pool_depth; i++) {
			rq = kzalloc_node(size, GFP_KERNEL, node);
			if (!rq)
				goto err;
			rq->pool = pool;
			pool->slots[i] = rq;
			llist_add(&rq->free_node, &pool->free);
		}
	}
	return gen;

err:
	pool_gen_free(gen);
	return NULL;
}

/* Makes pooled contexts fit a transform; without memory, allocation serves. */
static void pool_fit(unsigned int reqsize)
{
	struct wman_pool_gen *gen, *cur;

	if (!pool_depth)
		return;
	mutex_lock(&pool_gens_lock);
	cur = rcu_dereference_protected(pool_gens,
					lockdep_is_held(&pool_gens_lock));
	if (!cur || reqsize > cur->reqsize) {
		gen = pool_gen_alloc(reqsize);
		if (gen) {
			gen->older = cur;
			rcu_assign_pointer(pool_gens, gen);
		}
	}
	mutex_unlock(&pool_gens_lock);
}

/* The largest transform context of the suites' implementations now. */
static unsigned int suites_reqsize(void)
{
	unsigned int i, max = 0;
	struct crypto_aead *aead;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		aead = crypto_alloc_aead(suites[i].alg, 0, 0);
		if (IS_ERR(aead)) {
			pr_warn("wman: %s unavailable: %ld\n", suites[i].alg,
				PTR_ERR(aead));
			continue;
		}
		max = max(max, crypto_aead_reqsize(aead));
		crypto_free_aead(aead);
	}
	return max;
}

static int pool_show(struct seq_file *m, void *unused)
{
	unsigned int gens = 0, reqsize = 0;
	struct wman_pool_gen *gen;

	mutex_lock(&pool_gens_lock);
	gen = rcu_dereference_protected(pool_gens,
					lockdep_is_held(&pool_gens_lock));
	if (gen)
		reqsize = gen->reqsize;
	for (; gen; gen = gen->older)
		gens++;
	mutex_unlock(&pool_gens_lock);

	seq_printf(m, "depth %u\nreqsize %u\ngenerations %u\nfallbacks %lu\n",
		   pool_depth, reqsize, gens,
		   atomic_long_read(&pool_fallbacks));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pool);

/* Transforms */

struct crypto_aead *wman_aead_alloc(const struct wman_suite_ops *suite,
				    const u8 *key,
				    struct netlink_ext_ack *extack)
{
	struct crypto_aead *aead;
	int err;

	aead = crypto_alloc_aead(suite->alg, 0, 0);
	if (IS_ERR(aead)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "The suite's cipher is not available in this kernel");
		return aead;
	}
	if (crypto_aead_ivsize(aead) > WMAN_IV_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "Cipher has an unexpected IV size");
		err = -EINVAL;
		goto err_free;
	}
	err = crypto_aead_setkey(aead, key, WMAN_KEY_LEN);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "Cipher rejected the key");
		goto err_free;
	}
	err = crypto_aead_setauthsize(aead, suite->icv_len);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "Cipher rejected the ICV length");
		goto err_free;
	}
	pool_fit(crypto_aead_reqsize(aead));
	return aead;

err_free:
	/* frees the key schedule with kfree_sensitive() */
	crypto_free_aead(aead);
	return ERR_PTR(err);
}

/* Data path */

static void crypto_done(WMAN_CRYPTO_DONE_ARG, int err)
{
	struct wman_crypto_req *rq = wman_crypto_done_data(done_arg);

	/* a backlog notice; requests are never submitted with MAY_BACKLOG */
	if (err == -EINPROGRESS)
		return;
	/* some drivers complete from process context */
	local_bh_disable();
	rcu_read_lock();
	rq->post(rq, err);
	rcu_read_unlock();
	local_bh_enable();
}

bool wman_crypto_pin(struct wman_tek *tek, bool *pinned)
{
	*pinned = crypto_aead_alg(tek->aead)->base.cra_flags &
		  CRYPTO_ALG_ASYNC;
	return !*pinned || wman_tek_get(tek);
}

static void crypto_submit(struct wman_crypto_req *rq, bool encrypt,
			  const u8 *gmh, u32 pn, struct scatterlist *src,
			  unsigned int cryptlen)
{
	struct wman_tek *tek = rq->tek;
	int err;

	tek->suite->build_iv(rq->iv, gmh, pn);
	aead_request_set_tfm(&rq->areq, tek->aead);
	aead_request_set_callback(&rq->areq, 0, crypto_done, rq);
	aead_request_set_crypt(&rq->areq, src, &rq->sg, cryptlen, rq->iv);
	aead_request_set_ad(&rq->areq, 0);

	err = encrypt ? crypto_aead_encrypt(&rq->areq) :
			crypto_aead_decrypt(&rq->areq);
	if (err != -EINPROGRESS)
		rq->post(rq, err);
}

void wman_crypto_run(struct wman_crypto_req *rq, bool encrypt, const u8 *gmh,
		     u32 pn, u8 *data, unsigned int cryptlen)
{
	unsigned int buflen = cryptlen;

	if (encrypt)
		buflen += rq->tek->suite->icv_len;
	sg_init_one(&rq->sg, data, buflen);
	crypto_submit(rq, encrypt, gmh, pn, &rq->sg, cryptlen);
}

void wman_crypto_encrypt_from(struct wman_crypto_req *rq, const u8 *gmh,
			      u32 pn, u8 *out, unsigned int cryptlen)
{
	int nents;

	/* the head and each page; a fragment list overflows it, and fails */
	sg_init_table(rq->src_sg, min_t(unsigned int, ARRAY_SIZE(rq->src_sg),
					1 + skb_shinfo(rq->src_skb)->nr_frags));
	nents = skb_to_sgvec(rq->src_skb, rq->src_sg, 0, cryptlen);
	if (unlikely(nents < 0)) {
		rq->post(rq, nents);
		return;
	}
	sg_init_one(&rq->sg, out, cryptlen + rq->tek->suite->icv_len);
	crypto_submit(rq, true, gmh, pn, rq->src_sg, cryptlen);
}

int wman_crypto_init(void)
{
	pool_depth = min(pool_depth, POOL_DEPTH_MAX);
	pool_fit(suites_reqsize());
	debug_dir = debugfs_create_dir("wman", NULL);
	debugfs_create_file("crypto_pool", 0444, debug_dir, NULL, &pool_fops);
	return 0;
}

/* Every device is gone, so every context is back in its pool. */
void wman_crypto_uninit(void)
{
	struct wman_pool_gen *gen, *older;

	debugfs_remove(debug_dir);
	gen = rcu_dereference_protected(pool_gens, true);
	RCU_INIT_POINTER(pool_gens, NULL);
	for (; gen; gen = older) {
		older = gen->older;
		pool_gen_free(gen);
	}
}
