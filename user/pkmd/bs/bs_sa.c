// SPDX-License-Identifier: GPL-2.0
/*
 * The BS's SAs and their TEK generations.
 *
 * Each SA keeps two TEKs, older and newer, with absolute expiry times in
 * the database.  A new SA gets EKS 0 expiring after one TEK lifetime and
 * EKS 1 after two, so that their lifetimes overlap by one lifetime.  When
 * the older expires (the kernel's hard-expiry event, or our own timer,
 * whichever comes first) the SA rolls over: the expired slot is deleted,
 * the newer becomes the older, and a fresh newer one with the next EKS
 * (mod 4) expires one lifetime after it.  Every change is written to the
 * database first, then pushed to the kernel; a restart reinstalls only
 * what the kernel lacks (bs_sas_reconcile).
 *
 * Each TEK also has a transmit PN reservation on disk: the kernel is
 * given a PN limit no higher than it, so whatever the kernel loses, a TEK
 * installed again starts at or above every PN it may have sent.  The
 * kernel's tek-pn-limit event, half-way to the limit, moves both up by
 * a block: disk first, then the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bs.h"
#include "bs_group.h"
#include "log.h"

#define SAID_SPACE	65536
#define PN_RETRY_MS	1000
/* A follower looks again for the writer's rollover this often. */
#define ZONE_ROLLOVER_RETRY_MS	500

static uint8_t conn_kind(uint8_t service)
{
	switch (service) {
	case WMAN_SERVICE_UNICAST:
		return WMAN_CONN_UNICAST;
	case WMAN_SERVICE_MULTICAST:
		return WMAN_CONN_MULTICAST;
	default:
		return WMAN_CONN_BROADCAST;
	}
}

static uint32_t seconds_left(int64_t expires, int64_t now)
{
	return expires > now ? (uint32_t)(expires - now) : 0;
}

/*
 * Whole seconds left until expires, rounded down: the BS's kernel must
 * stop using a TEK no later than the moment the SSs were told, and they
 * were told the time left rounded up (bs_keys.c).
 */
static uint32_t kernel_lifetime(int64_t expires)
{
	int64_t left_ms = expires * 1000 - now_real_ms();

	return left_ms > 0 ? (uint32_t)(left_ms / 1000) : 0;
}

/* "unicast, SS 02:16:00:00:00:11", "multicast, group 1", "broadcast" */
static const char *sa_what(const struct bs_sa *sa)
{
	static char buf[64];

	if (sa->rec.has_owner)
		snprintf(buf, sizeof(buf), "unicast, SS %s",
			 mac_str(sa->rec.owner));
	else if (sa->rec.has_group)
		snprintf(buf, sizeof(buf), "multicast, group %u",
			 sa->rec.group_id);
	else
		snprintf(buf, sizeof(buf), "broadcast");
	return buf;
}

/*
 * A group with a key tree: bs_group.c owns its TEKs, which change with
 * the membership and not on a lifetime rollover; tek[0] is the one the
 * BS sends with, tek[1] the newest (the same one outside a switch).
 */
static bool tree_sa(const struct bs_sa *sa)
{
	const struct config_group *g;

	if (!sa->rec.has_group)
		return false;
	g = policy_group(&sa->bs->policy, sa->rec.group_id);
	return g && g->tree != CONFIG_TREE_NONE;
}

/*
 * A multicast or broadcast SA of a zone (zones.rst): its TEKs are the
 * zone's, written by the lease holder; each BS takes its own PN blocks.
 */
static bool zone_shared(const struct bs_sa *sa)
{
	return sa->bs->zone && !sa->rec.has_owner;
}

static bool single_generation(const struct bs_sa *sa)
{
	return sa->rec.tek[0].eks == sa->rec.tek[1].eks;
}

struct bs_sa *bs_sa_find(struct bs *bs, uint16_t said)
{
	return bs->sas[said];
}

static void rollover_fired(struct timer *t)
{
	struct bs_sa *sa = container_of(t, struct bs_sa, rollover);

	if (zone_shared(sa) && !bs_zone_writer(sa->bs, sa->rec.said)) {
		/* the writer rolls it over; this BS takes what it committed */
		bs_sas_zone_sync(sa->bs, sa->rec.said);
		if (sa->rec.tek[0].expires <= now_real_s())
			timer_start(&sa->rollover, ZONE_ROLLOVER_RETRY_MS);
		return;
	}
	if (bs_sa_current(sa))
		/* Kernel or database trouble: try again shortly. */
		timer_start(&sa->rollover, 5000);
}

static void schedule(struct bs_sa *sa)
{
	if (tree_sa(sa)) {
		timer_stop(&sa->rollover);
		return;
	}
	timer_start(&sa->rollover, sa->rec.tek[0].expires * 1000 - now_real_ms());
}

static void pn_retry_fired(struct timer *timer);

static struct bs_sa *sa_alloc(struct bs *bs, const struct store_sa *rec)
{
	struct bs_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->bs = bs;
	sa->rec = *rec;
	timer_init(&sa->rollover, "tek-rollover", rollover_fired);
	timer_init(&sa->pn_retry, "tek-pn-reserve-retry", pn_retry_fired);
	bs->sas[rec->said] = sa;
	return sa;
}

static void sa_free(struct bs_sa *sa)
{
	timer_stop(&sa->rollover);
	timer_stop(&sa->pn_retry);
	sa->bs->sas[sa->rec.said] = NULL;
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

/* Transmit PN reservations */

static uint32_t pn_add(uint32_t pn, uint32_t n)
{
	return pn < STORE_PN_SPACE - n ? pn + n : STORE_PN_SPACE;
}

void bs_tek_fresh(const struct bs *bs, struct store_tek *t)
{
	t->tx_pn_reserved = pn_add(0, bs->cfg->tek_pn_block);
	t->rx_pn = 0;
	t->fresh = true;
}

static struct store_tek *tek_by_eks(struct bs_sa *sa, uint8_t eks)
{
	for (int gen = 0; gen < 2; gen++)
		if (sa->rec.tek[gen].eks == eks)
			return &sa->rec.tek[gen];
	return NULL;
}

/*
 * Commits the TEK's new reservation and receive floor (both generations
 * of a tree group's TEK share them), then notes them in memory.
 */
static int commit_pns(struct bs_sa *sa, uint8_t eks, uint32_t reserved,
		      uint32_t rx_pn)
{
	int err = store_tek_set_pn(sa->bs->store, sa->rec.said, eks, reserved,
				   rx_pn);

	if (err) {
		log_err("SAID 0x%04x: TEK EKS %u: PN reservation %u not saved",
			sa->rec.said, eks, reserved);
		return err;
	}
	for (int gen = 0; gen < 2; gen++) {
		struct store_tek *t = &sa->rec.tek[gen];

		if (t->eks != eks)
			continue;
		if (t->tx_pn_reserved < reserved)
			t->tx_pn_reserved = reserved;
		if (t->rx_pn < rx_pn)
			t->rx_pn = rx_pn;
	}
	return 0;
}

static void clear_fresh(struct bs_sa *sa, uint8_t eks)
{
	for (int gen = 0; gen < 2; gen++)
		if (sa->rec.tek[gen].eks == eks)
			sa->rec.tek[gen].fresh = false;
}

/*
 * A zone's shared TEK: PNs from a block of this BS's own (zones.rst),
 * whether the key is new or the kernel has it already (then it moves up
 * to the block: tek add ... replace with the same key and a higher pn).
 */
static int take_block(struct bs_sa *sa, const struct store_tek *t,
		      struct kernel_tek_pn *pn)
{
	uint32_t start;
	int err = store_tek_take_pns(sa->bs->store, sa->rec.said, t->key,
				     sa->bs->cfg->tek_pn_block, &start);

	if (err) {
		if (err != -ENOSPC)
			log_err("SAID 0x%04x: TEK EKS %u: no PN block from the database",
				sa->rec.said, t->eks);
		return err;
	}
	pn->tx_pn = start;
	pn->tx_pn_limit = start + sa->bs->cfg->tek_pn_block;
	pn->rx_pn = 0;
	return 0;
}

int bs_sa_install_tek(struct bs_sa *sa, int gen, uint32_t lifetime,
		      bool replace)
{
	struct kernel *k = sa->bs->kernel;
	struct store_tek *t = &sa->rec.tek[gen];
	struct kernel_tek_pn pn = { 0 };
	int err;

	if (zone_shared(sa)) {
		err = take_block(sa, t, &pn);
		if (err)
			return err;
	} else if (t->fresh) {
		pn.tx_pn_limit = t->tx_pn_reserved;
	} else {
		/* Every PN below the reservation may have been sent. */
		if (t->tx_pn_reserved >= STORE_PN_SPACE)
			return -ENOSPC;
		pn.tx_pn = t->tx_pn_reserved;
		err = commit_pns(sa, t->eks,
				 pn_add(pn.tx_pn, sa->bs->cfg->tek_pn_block),
				 t->rx_pn);
		if (err)
			return err;
		pn.tx_pn_limit = t->tx_pn_reserved;
		pn.rx_pn = t->rx_pn < STORE_PN_SPACE ? t->rx_pn :
			   STORE_PN_SPACE - 1;
	}
	/* Whatever the answer, the kernel may have it from now on. */
	clear_fresh(sa, t->eks);
	err = kernel_tek_add(k, sa->rec.said, t->eks, t->key, lifetime, 0, &pn,
			     replace);
	if (err) {
		log_err("SAID 0x%04x: cannot install TEK EKS %u: %s",
			sa->rec.said, t->eks, kernel_error(k, err));
		return err;
	}
	/* A new key for a tree group resolves a used-up one. */
	sa->tek_used_up = false;
	log_debug("SAID 0x%04x: TEK EKS %u installed, PNs %u to %u", sa->rec.said,
		  t->eks, pn.tx_pn, pn.tx_pn_limit - 1);
	return 0;
}

/*
 * Brings the reservation of the kernel's TEK up to at least its limit,
 * a block further with extend, records rx_pn, then gives the kernel the
 * new limit, which also re-arms its half-way event.
 */
static int raise_limit(struct bs_sa *sa, uint8_t eks, uint32_t kernel_limit,
		       bool extend, uint32_t rx_pn)
{
	struct kernel *k = sa->bs->kernel;
	struct store_tek *t = tek_by_eks(sa, eks);
	uint32_t target;
	int err;

	if (!t)
		return -ENOENT;
	if (zone_shared(sa)) {
		/* past the limit lie other BSs' blocks: a new block of ours */
		struct kernel_tek_pn pn;

		(void)extend;
		(void)rx_pn;
		err = take_block(sa, t, &pn);
		if (!err)
			err = kernel_tek_add(k, sa->rec.said, eks, t->key,
					     kernel_lifetime(t->expires), 0, &pn,
					     true);
		if (err == -ENOSPC)
			log_warn("SAID 0x%04x: TEK EKS %u has no PNs left in the zone",
				 sa->rec.said, eks);
		return err;
	}
	target = t->tx_pn_reserved > kernel_limit ? t->tx_pn_reserved :
		 kernel_limit;
	if (extend)
		target = pn_add(target, sa->bs->cfg->tek_pn_block);
	if (target != t->tx_pn_reserved || rx_pn > t->rx_pn) {
		err = commit_pns(sa, eks, target, rx_pn);
		if (err)
			return err;
	}
	if (kernel_limit >= STORE_PN_SPACE)
		return 0;	/* the whole space already: nothing to raise */
	err = kernel_tek_set_limit(k, sa->rec.said, eks, target);
	if (err)
		log_err("SAID 0x%04x: cannot raise the PN limit of TEK EKS %u to %u: %s",
			sa->rec.said, eks, target, kernel_error(k, err));
	return err;
}

/* The receive floor the kernel reports for the SA's TEK; 0 if unknown. */
static uint32_t kernel_rx_pn(struct bs_sa *sa, uint8_t eks)
{
	struct kernel_sa_info info;

	if (kernel_sa_get(sa->bs->kernel, sa->rec.said, &info))
		return 0;
	for (size_t i = 0; i < info.n_teks; i++)
		if (info.teks[i].eks == eks)
			return info.teks[i].rx_pn;
	return 0;
}

static void pn_retry_later(struct bs_sa *sa, uint8_t eks, uint32_t limit)
{
	if (!(sa->pn_retry_eks & (1u << eks)) || sa->pn_retry_limit[eks] < limit)
		sa->pn_retry_limit[eks] = limit;
	sa->pn_retry_eks |= (uint8_t)(1u << eks);
	timer_start(&sa->pn_retry, PN_RETRY_MS);
}

static void pn_retry_fired(struct timer *timer)
{
	struct bs_sa *sa = container_of(timer, struct bs_sa, pn_retry);
	uint8_t pending = sa->pn_retry_eks;

	sa->pn_retry_eks = 0;
	for (uint8_t eks = 0; eks < WMAN_EKS_COUNT; eks++) {
		int err;

		if (!(pending & (1u << eks)))
			continue;
		err = raise_limit(sa, eks, sa->pn_retry_limit[eks], true, 0);
		if (err == -EIO || err == -ENOMEM || err == -EBUSY)
			pn_retry_later(sa, eks, sa->pn_retry_limit[eks]);
	}
}

void bs_kernel_pn_limit(struct bs *bs, uint16_t said, uint8_t eks,
			uint32_t next_pn, uint32_t limit)
{
	struct bs_sa *sa = bs_sa_find(bs, said);
	int err;

	if (!sa || eks >= WMAN_EKS_COUNT || !tek_by_eks(sa, eks)) {
		log_warn("SAID 0x%04x: kernel: PN limit event for a TEK EKS %u we do not have",
			 said, eks);
		return;
	}
	err = raise_limit(sa, eks, limit, true, kernel_rx_pn(sa, eks));
	if (err == -EIO || err == -ENOMEM || err == -EBUSY) {
		log_warn("SAID 0x%04x: TEK EKS %u stops at PN %u unless the next reservation is saved; trying again",
			 said, eks, limit);
		pn_retry_later(sa, eks, limit);
		return;
	}
	if (!err)
		log_info("SAID 0x%04x: TEK EKS %u at PN %u of its limit %u: limit raised to %u",
			 said, eks, next_pn, limit,
			 tek_by_eks(sa, eks)->tx_pn_reserved);
}

static int new_tek(const struct bs *bs, struct store_tek *t, uint8_t eks,
		   int64_t expires)
{
	t->eks = eks & 3;
	t->expires = expires;
	bs_tek_fresh(bs, t);
	return pkm_random(t->key, sizeof(t->key)) ? -EIO : 0;
}

/* Installs one generation into the kernel, for the time it has left. */
static int push_tek(struct bs_sa *sa, int gen, bool replace)
{
	uint32_t left = kernel_lifetime(sa->rec.tek[gen].expires);

	/* Under a second to live: the rollover is due, let it do the work. */
	if (!left)
		return 0;
	return bs_sa_install_tek(sa, gen, left, replace);
}

/* SA, connection and group mapping in the kernel, if missing. */
static int push_objects(struct bs_sa *sa)
{
	struct kernel *k = sa->bs->kernel;
	const struct store_sa *r = &sa->rec;
	int err;

	err = kernel_sa_add(k, r->said, r->suite, r->service);
	if (err && err != -EEXIST)
		goto fail;
	err = kernel_conn_add(k, r->said, conn_kind(r->service), r->said,
			      r->has_owner ? r->owner : NULL);
	if (err && err != -EEXIST)
		goto fail;
	if (r->has_group) {
		const struct config_group *g = policy_group(&sa->bs->policy,
							    r->group_id);

		err = g ? kernel_group_add(k, g->id, g->cid,
					   (const uint8_t (*)[MAC_LEN])g->addrs,
					   g->n_addrs) : 0;
		if (err && err != -EEXIST)
			goto fail;
	}
	return 0;
fail:
	log_err("SAID 0x%04x (%s): kernel refused: %s", r->said, sa_what(sa),
		kernel_error(k, err));
	return err;
}

/* Creates an SA with fresh TEKs: database, then kernel. */
static struct bs_sa *sa_create(struct bs *bs, struct store_sa *rec)
{
	int64_t now = now_real_s();
	uint32_t lifetime = bs->cfg->tek_lifetime;
	struct bs_sa *sa;

	if (new_tek(bs, &rec->tek[0], 0, now + lifetime) ||
	    new_tek(bs, &rec->tek[1], 1, now + 2 * (int64_t)lifetime) ||
	    store_sa_save(bs->store, rec)) {
		OPENSSL_cleanse(rec, sizeof(*rec));
		return NULL;
	}
	sa = sa_alloc(bs, rec);
	OPENSSL_cleanse(rec, sizeof(*rec));
	if (!sa)
		return NULL;
	if (push_objects(sa) == 0 && push_tek(sa, 0, false) == 0)
		push_tek(sa, 1, false);
	schedule(sa);
	log_info("SAID 0x%04x: new SA (%s; %s), EKS 0 and 1", sa->rec.said,
		 sa_what(sa), suite_name(sa->rec.suite));
	return sa;
}

struct bs_sa *bs_sa_unicast(struct bs *bs, struct station *st)
{
	struct store_sa rec = {
		.said = station_unicast_said(st),
		.service = WMAN_SERVICE_UNICAST,
		.suite = bs->cfg->unicast_suite,
		.has_owner = true,
	};
	struct bs_sa *sa = bs_sa_find(bs, rec.said);

	if (sa)
		return sa;
	memcpy(rec.owner, st->mac, MAC_LEN);
	return sa_create(bs, &rec);
}

/*
 * Rolls the SA over as many times as its older TEK has expired (more than
 * once only after a long absence of the daemon).
 */
static int rollover(struct bs_sa *sa, int64_t now)
{
	struct store_sa next = sa->rec;
	struct kernel *k = sa->bs->kernel;
	uint32_t lifetime = sa->bs->cfg->tek_lifetime;
	uint8_t retired[2];
	int n_retired = 0, n_new = 0;
	int err;

	if (tree_sa(sa) || (zone_shared(sa) && !bs_zone_writer(sa->bs, sa->rec.said)))
		return 0;
	while (next.tek[0].expires <= now) {
		int64_t base = next.tek[1].expires > now ? next.tek[1].expires : now;

		retired[n_retired++ % 2] = next.tek[0].eks;
		next.tek[0] = next.tek[1];
		if (new_tek(sa->bs, &next.tek[1], (uint8_t)(next.tek[0].eks + 1),
			    base + lifetime)) {
			OPENSSL_cleanse(&next, sizeof(next));
			return -EIO;
		}
		n_new++;
	}
	if (!n_new)
		return 0;
	err = store_sa_save(sa->bs->store, &next);
	if (err) {
		OPENSSL_cleanse(&next, sizeof(next));
		return err;
	}
	/* The kernel holds at most two: first out with the expired ones. */
	for (int i = 0; i < 2; i++) {
		uint8_t eks = sa->rec.tek[i].eks;

		if (eks == next.tek[0].eks && n_new == 1)
			continue;	/* the newer became the older */
		err = kernel_tek_del(k, sa->rec.said, eks);
		if (err && err != -ENOENT)
			log_warn("SAID 0x%04x: cannot delete TEK EKS %u: %s",
				 sa->rec.said, eks, kernel_error(k, err));
	}
	OPENSSL_cleanse(&sa->rec, sizeof(sa->rec));
	sa->rec = next;
	OPENSSL_cleanse(&next, sizeof(next));
	if (n_new > 1)
		push_tek(sa, 0, false);
	push_tek(sa, 1, false);
	log_info("SAID 0x%04x: TEK rollover: EKS %u retired, EKS %u in use, EKS %u new (%u s)",
		 sa->rec.said, retired[0], sa->rec.tek[0].eks, sa->rec.tek[1].eks,
		 seconds_left(sa->rec.tek[1].expires, now));
	return 0;
}

int bs_sa_current(struct bs_sa *sa)
{
	int err = rollover(sa, now_real_s());

	if (!err)
		schedule(sa);
	return err;
}

int bs_sa_rekey(struct bs_sa *sa)
{
	int64_t now = now_real_s();
	int64_t saved = sa->rec.tek[0].expires;
	int err;

	sa->rec.tek[0].expires = now;
	err = rollover(sa, now);
	if (err) {
		sa->rec.tek[0].expires = saved;
		return err;
	}
	log_notice("SAID 0x%04x: rekeyed by the operator", sa->rec.said);
	schedule(sa);
	return 0;
}

int bs_sa_replace(struct bs_sa *sa)
{
	int64_t now = now_real_s();
	int64_t saved[2] = { sa->rec.tek[0].expires, sa->rec.tek[1].expires };
	uint8_t old_eks[2] = { sa->rec.tek[0].eks, sa->rec.tek[1].eks };
	int err;

	if (tree_sa(sa))
		return 0;
	/*
	 * Both generations expire now: rollover() then makes two new ones,
	 * EKS two and three past the older, so that no EKS the SSs hold
	 * now names one of them, saves them and swaps them in the kernel.
	 */
	sa->rec.tek[0].expires = now;
	sa->rec.tek[1].expires = now;
	err = rollover(sa, now);
	if (err) {
		sa->rec.tek[0].expires = saved[0];
		sa->rec.tek[1].expires = saved[1];
		log_err("SAID 0x%04x (%s): TEKs not replaced", sa->rec.said,
			sa_what(sa));
		return err;
	}
	log_notice("SAID 0x%04x (%s): both TEKs replaced (EKS %u and %u by %u and %u)",
		   sa->rec.said, sa_what(sa), old_eks[0], old_eks[1],
		   sa->rec.tek[0].eks, sa->rec.tek[1].eks);
	schedule(sa);
	return 0;
}

void bs_sa_remove(struct bs_sa *sa)
{
	struct kernel *k = sa->bs->kernel;
	uint16_t said = sa->rec.said;
	int err;

	if (sa->rec.has_group)
		kernel_group_del(k, sa->rec.group_id);
	err = kernel_conn_del(k, said);
	if (err && err != -ENOENT)
		log_warn("SAID 0x%04x: cannot delete its connection: %s", said,
			 kernel_error(k, err));
	err = kernel_sa_del(k, said);
	if (err && err != -ENOENT)
		log_warn("SAID 0x%04x: cannot delete it from the kernel: %s",
			 said, kernel_error(k, err));
	store_sa_delete(sa->bs->store, said);
	log_info("SAID 0x%04x: SA removed (%s)", said, sa_what(sa));
	sa_free(sa);
}

/* Loading and reconciliation */

/* Is the stored SA still one the configuration and database want? */
static bool sa_wanted(struct bs *bs, const struct store_sa *rec)
{
	const struct config *cfg = bs->cfg;
	const struct config_group *g;
	struct subscriber *sub;

	switch (rec->service) {
	case WMAN_SERVICE_UNICAST:
		sub = rec->has_owner ? bs_subscriber_by_mac(bs, rec->owner) : NULL;
		return sub && !sub->rec.revoked && bs_station_by_mac(bs, rec->owner) &&
		       rec->said == station_unicast_said(bs_station_by_mac(bs, rec->owner)) &&
		       rec->suite == cfg->unicast_suite;
	case WMAN_SERVICE_MULTICAST:
		g = rec->has_group ? policy_group(&bs->policy, rec->group_id) : NULL;
		return g && g->cid == rec->said && g->suite == rec->suite;
	case WMAN_SERVICE_BROADCAST:
		return cfg->has_broadcast && rec->said == cfg->broadcast_cid &&
		       rec->suite == cfg->broadcast_suite;
	default:
		return false;
	}
}

static int load_one(void *arg, const struct store_sa *rec)
{
	struct bs *bs = arg;
	struct bs_sa *sa;

	if (bs->sas[rec->said]) {
		log_err("database: SAID 0x%04x twice", rec->said);
		return 0;
	}
	sa = sa_alloc(bs, rec);
	if (!sa)
		return -ENOMEM;
	if (!sa_wanted(bs, rec) && bs->zone && !rec->has_owner) {
		/* the zone's: others may use it; its rows stay (zones.rst) */
		log_notice("SAID 0x%04x: a shared SA of zone %s this BS does not serve (%s); left to the others",
			   rec->said, bs->cfg->zone, sa_what(sa));
		bs_sa_remove(sa);
	} else if (!sa_wanted(bs, rec)) {
		log_notice("SAID 0x%04x: SA no longer configured or allowed (%s); removing",
			   rec->said, sa_what(sa));
		bs_sa_remove(sa);
	}
	return 0;
}

struct sa_lookup {
	uint16_t said;
	bool found;
	struct store_sa rec;
};

static int find_one(void *arg, const struct store_sa *rec)
{
	struct sa_lookup *l = arg;

	if (rec->said == l->said && !rec->has_owner) {
		l->rec = *rec;
		l->found = true;
	}
	return 0;
}

/* The committed record of a shared SA; -ENOENT if none. */
static int shared_read(struct bs *bs, uint16_t said, struct store_sa *rec)
{
	struct sa_lookup l = { .said = said };
	int err = store_sa_each(bs->store, find_one, &l);

	if (!err && !l.found)
		err = -ENOENT;
	if (!err)
		*rec = l.rec;
	OPENSSL_cleanse(&l, sizeof(l));
	return err;
}

/*
 * A shared SA the database lacks: made by its writer.  In a zone, a BS
 * that does not hold the SA's lease waits (twice the failover bound at
 * most) for the writer to commit it, or for the lease.
 */
static struct bs_sa *shared_create(struct bs *bs, struct store_sa *rec)
{
	int64_t deadline = now_mono_ms() + 2 * (int64_t)bs->cfg->zone_failover_ms;
	struct store_sa found;

	while (bs->zone && !bs_zone_writer(bs, rec->said)) {
		if (shared_read(bs, rec->said, &found) == 0) {
			struct bs_sa *sa = sa_alloc(bs, &found);

			OPENSSL_cleanse(&found, sizeof(found));
			return sa;
		}
		if (now_mono_ms() > deadline) {
			log_err("SAID 0x%04x: no BS of the zone has made it, and its lease is held",
				rec->said);
			return NULL;
		}
		usleep(100 * 1000);
		bs_zone_lease_pass(bs);
	}
	return sa_create(bs, rec);
}

int bs_sas_load(struct bs *bs)
{
	const struct config *cfg = bs->cfg;
	int err;

	bs->sas = calloc(SAID_SPACE, sizeof(*bs->sas));
	if (!bs->sas)
		return -ENOMEM;
	err = store_sa_each(bs->store, load_one, bs);
	if (err)
		return err;
	for (size_t i = 0; i < cfg->n_groups; i++) {
		const struct config_group *g = &cfg->groups[i];
		struct store_sa rec = {
			.said = g->cid, .service = WMAN_SERVICE_MULTICAST,
			.suite = g->suite, .has_group = true, .group_id = g->id,
		};

		if (!bs->sas[g->cid] && !shared_create(bs, &rec))
			return -EIO;
	}
	if (cfg->has_broadcast && !bs->sas[cfg->broadcast_cid]) {
		struct store_sa rec = {
			.said = cfg->broadcast_cid,
			.service = WMAN_SERVICE_BROADCAST,
			.suite = cfg->broadcast_suite,
		};

		if (!shared_create(bs, &rec))
			return -EIO;
	}
	return 0;
}

/*
 * A TEK of ours that the kernel still holds: the database's reservation
 * must cover the kernel's limit, and the limit's half-way event, which
 * may have come and gone while the daemon was away, is armed again (a
 * block further when little is left).
 */
static void reconcile_limit(struct bs_sa *sa, const struct kernel_tek_info *ti)
{
	const struct store_tek *t = tek_by_eks(sa, ti->eks);
	uint32_t left = ti->tx_pn_limit > ti->tx_pn ?
			ti->tx_pn_limit - ti->tx_pn : 0;
	bool no_limit = ti->tx_pn_limit >= STORE_PN_SPACE;
	int err;

	if (no_limit && t->tx_pn_reserved < STORE_PN_SPACE)
		log_notice("SAID 0x%04x: the kernel's TEK EKS %u has no PN limit: its PNs count as used up, and a new key replaces it if the kernel loses it",
			   sa->rec.said, ti->eks);
	err = raise_limit(sa, ti->eks, ti->tx_pn_limit,
			  !no_limit && left <= sa->bs->cfg->tek_pn_block,
			  ti->rx_pn);
	if (err == -EIO || err == -ENOMEM || err == -EBUSY)
		pn_retry_later(sa, ti->eks, ti->tx_pn_limit);
}

/*
 * The kernel lost a TEK whose PNs are all reserved (used up, or of
 * unknown use in a database from before reservations): it cannot be
 * installed again.  A tree group gets a new group key once its tree is
 * up (bs_group.c); any other SA rolls over past it, past the newer
 * generation too if that is the one.  The rollover installs the new
 * keys; a newer generation that becomes the older one is in the kernel
 * already (reconcile_one put it there).  SSs learn of the new keys
 * through unknown-eks and TEK Invalid, as after any change they missed.
 */
static int retire_used_up(struct bs_sa *sa, const bool used_up[2])
{
	int64_t now = now_real_s();
	int64_t saved[2] = { sa->rec.tek[0].expires, sa->rec.tek[1].expires };
	int err;

	for (int gen = 0; gen < 2; gen++)
		if (used_up[gen])
			log_warn("SAID 0x%04x (%s): the kernel lacks TEK EKS %u, which has no PNs left to send with; it gets a new key",
				 sa->rec.said, sa_what(sa), sa->rec.tek[gen].eks);
	if (tree_sa(sa)) {
		sa->tek_used_up = true;
		return 0;
	}
	if (sa->rec.tek[0].expires > now)
		sa->rec.tek[0].expires = now;
	if (used_up[1] && sa->rec.tek[1].expires > now)
		sa->rec.tek[1].expires = now;
	err = rollover(sa, now);
	if (err) {
		sa->rec.tek[0].expires = saved[0];
		sa->rec.tek[1].expires = saved[1];
	}
	return err;
}

/* Brings one SA of the kernel in line with the database. */
static int reconcile_one(struct bs_sa *sa)
{
	struct kernel *k = sa->bs->kernel;
	struct kernel_sa_info info;
	bool have[2] = { false, false }, used_up[2] = { false, false };
	int err, installed = 0;

	err = kernel_sa_get(k, sa->rec.said, &info);
	if (err == -ENOENT) {
		memset(&info, 0, sizeof(info));
	} else if (err) {
		log_err("SAID 0x%04x: cannot read it from the kernel: %s",
			sa->rec.said, kernel_error(k, err));
		return err;
	} else if (info.suite != sa->rec.suite || info.service != sa->rec.service) {
		log_warn("SAID 0x%04x: the kernel's SA has another suite or service; replacing it",
			 sa->rec.said);
		kernel_conn_del(k, sa->rec.said);
		kernel_sa_del(k, sa->rec.said);
		memset(&info, 0, sizeof(info));
	}
	err = push_objects(sa);
	if (err)
		return err;
	for (size_t i = 0; i < info.n_teks; i++) {
		uint8_t eks = info.teks[i].eks;

		if (eks == sa->rec.tek[0].eks)
			have[0] = true;
		else if (eks == sa->rec.tek[1].eks)
			have[1] = true;
		else {
			if (kernel_tek_del(k, sa->rec.said, eks) == 0)
				log_notice("SAID 0x%04x: stale TEK EKS %u deleted from the kernel",
					   sa->rec.said, eks);
			continue;
		}
		reconcile_limit(sa, &info.teks[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (have[i] || (i == 1 && single_generation(sa)))
			continue;
		err = push_tek(sa, i, false);
		if (err == -ENOSPC) {
			used_up[i] = true;
			continue;
		}
		if (err)
			return err;
		installed++;
	}
	if (installed)
		log_notice("SAID 0x%04x (%s): %d TEK%s reinstalled in the kernel",
			   sa->rec.said, sa_what(sa), installed,
			   installed > 1 ? "s" : "");
	if (used_up[0] || used_up[1])
		return retire_used_up(sa, used_up);
	return 0;
}

int bs_sas_reconcile(struct bs *bs)
{
	int failures = 0, count = 0;

	for (size_t said = 0; said < SAID_SPACE; said++) {
		struct bs_sa *sa = bs->sas[said];

		if (!sa)
			continue;
		count++;
		/* Expired generations first, then the kernel. */
		if (rollover(sa, now_real_s()) || reconcile_one(sa))
			failures++;
		schedule(sa);
	}
	log_info("%d SA%s checked against the kernel%s", count,
		 count == 1 ? "" : "s", failures ? " with failures" : "");
	return failures ? -EIO : 0;
}

static bool holds_key(const struct store_sa *rec, const struct store_tek *t)
{
	for (int gen = 0; gen < 2; gen++)
		if (rec->tek[gen].eks == t->eks &&
		    !CRYPTO_memcmp(rec->tek[gen].key, t->key, STORE_KEY_LEN))
			return true;
	return false;
}

/*
 * Each retry of a failed install may take a PN block of the key: a key
 * the kernel keeps refusing is given up after this many, not retried
 * at every poll until its PN space is gone.
 */
#define ZONE_INSTALL_TRIES	8

static int retry_slot(struct bs_sa *sa, const struct store_tek *t)
{
	for (int i = 0; i < 2; i++)
		if (sa->zone_retry[i].tries && sa->zone_retry[i].eks == t->eks &&
		    !CRYPTO_memcmp(sa->zone_retry[i].key, t->key, STORE_KEY_LEN))
			return i;
	return -1;
}

/* Whether an install of t here failed and is to be tried again. */
static bool install_retry(struct bs_sa *sa, const struct store_tek *t)
{
	int i = retry_slot(sa, t);

	return i >= 0 && sa->zone_retry[i].tries <= ZONE_INSTALL_TRIES;
}

static void install_result(struct bs_sa *sa, const struct store_tek *t, int err)
{
	int i = retry_slot(sa, t);

	if (!err) {
		if (i >= 0)
			OPENSSL_cleanse(&sa->zone_retry[i], sizeof(sa->zone_retry[i]));
		return;
	}
	if (i < 0)
		i = sa->zone_retry[0].tries ? 1 : 0;
	if (!sa->zone_retry[i].tries) {
		sa->zone_retry[i].eks = t->eks;
		memcpy(sa->zone_retry[i].key, t->key, STORE_KEY_LEN);
	}
	if (++sa->zone_retry[i].tries > ZONE_INSTALL_TRIES)
		log_err("SAID 0x%04x: the zone's TEK EKS %u not installed after %d tries; given up until the next TEK",
			sa->rec.said, t->eks, ZONE_INSTALL_TRIES);
}

/*
 * A follower takes the shared SA's committed TEKs (zones.rst): the new
 * ones into the kernel (with PN blocks of its own), the ones the SA no
 * longer has out of it.  When both were replaced (a revocation), the
 * SSs here entitled to the SA are told with TEK Invalid.
 */
int bs_sas_zone_sync(struct bs *bs, uint16_t said)
{
	struct bs_sa *sa = bs_sa_find(bs, said);
	struct store_sa db;
	bool fresh = !sa, replaced;
	int err;

	err = shared_read(bs, said, &db);
	if (err)
		return err;
	if (!sa) {
		sa = sa_alloc(bs, &db);
		if (!sa || push_objects(sa)) {
			OPENSSL_cleanse(&db, sizeof(db));
			return -EIO;
		}
		memset(&sa->rec.tek, 0xff, sizeof(sa->rec.tek));
	}
	replaced = !fresh && !holds_key(&db, &sa->rec.tek[0]) &&
		   !holds_key(&db, &sa->rec.tek[1]);
	/*
	 * Both TEKs new: a revocation's, whose revoked SS may still hold an
	 * AK here.  The subscribers are read first (the revocation was
	 * committed before the TEKs that follow it); a BS that cannot read
	 * them keeps the TEKs it has, which the kernel already sends under,
	 * and tries again at the next sync.
	 */
	if (replaced && bs->zone && bs_zone_reload_subscribers(bs)) {
		log_err("SAID 0x%04x: the zone's new TEKs not taken: they follow a revocation, and the zone's subscribers cannot be read; trying again",
			said);
		OPENSSL_cleanse(&db, sizeof(db));
		return -EIO;
	}
	for (int gen = 0; gen < 2; gen++) {
		const struct store_tek *old = &sa->rec.tek[gen];

		if (!fresh && !holds_key(&db, old) &&
		    (gen == 0 || old->eks != sa->rec.tek[0].eks))
			kernel_tek_del(bs->kernel, said, old->eks);
	}
	{
		struct store_sa prev = sa->rec;

		sa->rec = db;
		/* failed installs of keys the SA no longer has: forgotten */
		for (int i = 0; i < 2; i++)
			if (sa->zone_retry[i].tries &&
			    retry_slot(sa, &db.tek[0]) != i &&
			    retry_slot(sa, &db.tek[1]) != i)
				OPENSSL_cleanse(&sa->zone_retry[i],
						sizeof(sa->zone_retry[i]));
		for (int gen = 0; gen < 2; gen++) {
			if ((holds_key(&prev, &db.tek[gen]) &&
			     !install_retry(sa, &db.tek[gen])) ||
			    (gen == 1 && single_generation(sa)))
				continue;
			err = push_tek(sa, gen, true);
			install_result(sa, &db.tek[gen], err);
			if (err)
				log_err("SAID 0x%04x: the zone's TEK EKS %u not installed",
					said, db.tek[gen].eks);
			else
				log_info("SAID 0x%04x (%s): the zone's TEK EKS %u installed",
					 said, sa_what(sa), db.tek[gen].eks);
		}
		OPENSSL_cleanse(&prev, sizeof(prev));
	}
	OPENSSL_cleanse(&db, sizeof(db));
	schedule(sa);
	if (replaced && !tree_sa(sa))
		bs_zone_sa_replaced(bs, sa);
	return 0;
}

void bs_sas_free(struct bs *bs)
{
	if (!bs->sas)
		return;
	for (size_t said = 0; said < SAID_SPACE; said++)
		if (bs->sas[said])
			sa_free(bs->sas[said]);
	free(bs->sas);
	bs->sas = NULL;
}

void bs_kernel_tek_event(struct bs *bs, uint8_t cmd, uint16_t said,
			 uint8_t eks, int cid)
{
	struct bs_sa *sa = bs_sa_find(bs, said);

	(void)cid;
	if (!sa)
		return;
	switch (cmd) {
	case WMAN_CMD_TEK_HARD_EXPIRED:
	case WMAN_CMD_TEK_PN_EXHAUSTED:
		if (eks != sa->rec.tek[0].eks)
			break;
		if (tree_sa(sa)) {
			bs_group_tek_expired(bs, sa);
			break;
		}
		log_info("SAID 0x%04x: kernel: TEK EKS %u %s", said, eks,
			 cmd == WMAN_CMD_TEK_HARD_EXPIRED ? "expired" :
			 "ran out of packet numbers");
		/* Expired in the kernel means expired: roll over now. */
		if (sa->rec.tek[0].expires > now_real_s())
			sa->rec.tek[0].expires = now_real_s();
		if (bs_sa_current(sa))
			timer_start(&sa->rollover, 5000);
		break;
	case WMAN_CMD_UNKNOWN_EKS:
		bs_tek_invalid(bs, sa, eks);
		break;
	}
}
