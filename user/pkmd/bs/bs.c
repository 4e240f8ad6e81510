// SPDX-License-Identifier: GPL-2.0
/*
 * Base station: startup from the database, the subscriber and station
 * tables, dispatch of received management messages, sealing and sending
 * PKM answers, and the operator's changes.
 */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bs.h"
#include "bs_group.h"
#include "bs_role.h"
#include "log.h"
#include "rng.h"

#define TX_PN_RESERVE	1024	/* PNs persisted ahead, per write */

/* Subscribers */

struct subscriber *bs_subscriber_by_cn(struct bs *bs, const char *cn)
{
	for (size_t i = 0; i < bs->n_subs; i++)
		if (strcmp(bs->subs[i]->rec.cn, cn) == 0)
			return bs->subs[i];
	return NULL;
}

struct subscriber *bs_subscriber_by_mac(struct bs *bs,
					const uint8_t mac[MAC_LEN])
{
	for (size_t i = 0; i < bs->n_subs; i++)
		if (memcmp(bs->subs[i]->rec.mac, mac, MAC_LEN) == 0)
			return bs->subs[i];
	return NULL;
}

static struct subscriber *subscriber_append(struct bs *bs,
					    const struct store_subscriber *rec)
{
	struct subscriber *sub;

	if (bs->n_subs == bs->cap_subs) {
		size_t cap = bs->cap_subs ? 2 * bs->cap_subs : 64;
		struct subscriber **subs = realloc(bs->subs, cap * sizeof(*subs));

		if (!subs)
			return NULL;
		bs->subs = subs;
		bs->cap_subs = cap;
	}
	sub = calloc(1, sizeof(*sub));
	if (!sub)
		return NULL;
	sub->rec = *rec;
	bs->subs[bs->n_subs++] = sub;
	return sub;
}

static int load_subscriber(void *arg, const struct store_subscriber *rec)
{
	return subscriber_append(arg, rec) ? 0 : -ENOMEM;
}

static int load_member(void *arg, uint8_t group, const char *cn)
{
	struct subscriber *sub = bs_subscriber_by_cn(arg, cn);

	if (sub)
		group_bit_set(sub->groups, group, true);
	return 0;
}

/* Stations */

struct station *bs_station_by_mac(struct bs *bs, const uint8_t mac[MAC_LEN])
{
	for (unsigned int i = 1; i <= STATION_MAX; i++)
		if (bs->stations[i] && !memcmp(bs->stations[i]->mac, mac, MAC_LEN))
			return bs->stations[i];
	return NULL;
}

static struct station *station_alloc(struct bs *bs, const uint8_t mac[MAC_LEN],
				     uint16_t index)
{
	struct station *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	memcpy(st->mac, mac, MAC_LEN);
	st->index = index;
	st->primary_cid = (uint16_t)(bs->cfg->basic_cid_max + index);
	bs->stations[index] = st;
	return st;
}

static int load_station(void *arg, const uint8_t mac[MAC_LEN], uint16_t index)
{
	struct bs *bs = arg;

	if (index < 1 || index > STATION_MAX || bs->stations[index])
		return -EINVAL;
	/* Its CIDs would overlap another station's: the operator decides. */
	if (index > bs->cfg->basic_cid_max) {
		log_err("database: SS %s has Basic CID %u, above basic-cid-max %u; set basic-cid-max to %u or more",
			mac_str(mac), index, bs->cfg->basic_cid_max, index);
		return -ERANGE;
	}
	return station_alloc(bs, mac, index) ? 0 : -ENOMEM;
}

static int station_conns(struct bs *bs, struct station *st)
{
	uint16_t cids[2] = { station_basic_cid(st), station_primary_cid(st) };

	for (int i = 0; i < 2; i++) {
		int err = kernel_conn_add(bs->kernel, cids[i], WMAN_CONN_MGMT,
					  -1, st->mac);

		if (err && err != -EEXIST) {
			log_err("SS %s: cannot create management connection 0x%04x: %s",
				mac_str(st->mac), cids[i],
				kernel_error(bs->kernel, err));
			return err;
		}
	}
	return 0;
}

struct station *bs_station_enter(struct bs *bs, const uint8_t mac[MAC_LEN])
{
	struct station *st = bs_station_by_mac(bs, mac);
	unsigned int index;

	if (!st) {
		for (index = 1; index <= bs->cfg->basic_cid_max; index++)
			if (!bs->stations[index])
				break;
		if (index > bs->cfg->basic_cid_max) {
			log_err("SS %s: refused, no CIDs left: all %u Basic CIDs are taken (basic-cid-max)",
				mac_str(mac), bs->cfg->basic_cid_max);
			return NULL;
		}
		if (store_station_add(bs->store, mac, (uint16_t)index))
			return NULL;
		st = station_alloc(bs, mac, (uint16_t)index);
		if (!st)
			return NULL;
	}
	return station_conns(bs, st) ? NULL : st;
}

void bs_ak_wipe(struct bs_ak *ak)
{
	OPENSSL_cleanse(ak, sizeof(*ak));
}

struct bs_ak *bs_station_ak(struct station *st, uint8_t seq)
{
	int64_t now = now_real_s();

	for (int slot = 0; slot < 2; slot++) {
		struct bs_ak *ak = &st->ak[slot];

		if (ak->valid && ak->seq == seq && ak->expires > now)
			return ak;
	}
	return NULL;
}

static int load_ak(void *arg, const struct store_ak *rec)
{
	struct bs *bs = arg;
	struct station *st = bs_station_by_mac(bs, rec->mac);
	struct bs_ak *ak;

	if (!st || rec->slot > STORE_AK_PENDING)
		return 0;
	ak = &st->ak[rec->slot];
	ak->valid = true;
	ak->seq = rec->seq;
	memcpy(ak->ak, rec->ak, sizeof(ak->ak));
	ak->expires = rec->expires;
	/* PNs up to the reservation may have gone out before a crash. */
	ak->tx_pn = rec->tx_pn_reserved;
	ak->tx_pn_reserved = rec->tx_pn_reserved;
	ak->rx.next = rec->rx_next;
	memcpy(ak->nonce, rec->nonce, sizeof(ak->nonce));
	if (pkm_keys_derive(ak->ak, sizeof(ak->ak), st->mac, bs->kernel->bsid,
			    &ak->keys)) {
		bs_ak_wipe(ak);
		return -EIO;
	}
	memcpy(st->recent_nonces[st->n_nonces++ % RECENT_NONCES], rec->nonce,
	       sizeof(rec->nonce));
	return 0;
}

/* Sending */

int bs_next_tx_pn(struct bs *bs, struct station *st, struct bs_ak *ak,
		  uint32_t *pn)
{
	if (ak->tx_pn == UINT32_MAX) {
		log_err("SS %s: downlink PNs of AK %u used up", mac_str(st->mac),
			ak->seq);
		return -ERANGE;
	}
	if (ak->tx_pn >= ak->tx_pn_reserved) {
		uint32_t reserve = ak->tx_pn > UINT32_MAX - TX_PN_RESERVE ?
				   UINT32_MAX : ak->tx_pn + TX_PN_RESERVE;

		if (store_ak_set_tx(bs->store, st->mac, (uint8_t)(ak - st->ak),
				    reserve))
			return -EIO;
		ak->tx_pn_reserved = reserve;
	}
	*pn = ak->tx_pn++;
	return 0;
}

int bs_send(struct bs *bs, struct station *st, struct pkm_msg *m,
	    struct bs_ak *ak)
{
	struct pkm_seal seal = { 0 };
	uint8_t buf[PKM_MSG_MAX];
	size_t len;
	int err;

	if (ak) {
		seal.cmac_key = ak->keys.cmac_down;
		err = bs_next_tx_pn(bs, st, ak, &seal.pn);
		if (err)
			return err;
	} else {
		seal.sign_key = bs->key;
	}
	err = pkm_msg_build(m, &seal, buf, sizeof(buf), &len);
	if (err) {
		log_err("SS %s: cannot build %s: %s", mac_str(st->mac),
			pkm_code_name(m->code), pkm_strerror(err));
		return -EINVAL;
	}
	err = kernel_mgmt_tx(bs->kernel, station_primary_cid(st), st->mac, buf,
			     len);
	OPENSSL_cleanse(buf, len);
	if (err)
		log_warn("SS %s: cannot send %s: %s", mac_str(st->mac),
			 pkm_code_name(m->code), kernel_error(bs->kernel, err));
	return err;
}

/* Receiving */

static void bs_mgmt_rx(void *arg, uint16_t cid, const uint8_t src[MAC_LEN],
		       const uint8_t *payload, size_t len)
{
	struct bs *bs = arg;
	unsigned int basic_max = bs->cfg->basic_cid_max;
	struct station *st;
	struct pkm_msg m;
	int err;

	if (cid == WMAN_CID_INITIAL_RANGING) {
		bs_entry_rx(bs, src, payload, len);
		return;
	}
	/* PKM and DREG run on the Primary Management CIDs, m + 1 .. 2m. */
	if (cid <= basic_max || cid > 2 * basic_max) {
		log_debug("SS %s: message on CID 0x%04x ignored", mac_str(src), cid);
		return;
	}
	st = bs->stations[cid - basic_max];
	if (!st || memcmp(st->mac, src, MAC_LEN) != 0) {
		log_warn("SS %s: message on primary CID 0x%04x, which is not its own; dropped",
			 mac_str(src), cid);
		return;
	}
	if (payload[0] == PKM_MGMT_DREG_REQ) {
		bs_dreg_request(bs, st, payload, len);
		return;
	}
	if (payload[0] != PKM_MGMT_REQ) {
		log_debug("SS %s: management type %u ignored", mac_str(src),
			  payload[0]);
		return;
	}
	err = pkm_msg_parse(payload, len, &m);
	if (err) {
		log_warn("SS %s: malformed PKM-REQ dropped: %s%s%s", mac_str(src),
			 pkm_strerror(err), *old_encoding_hint(err, m.old_encoding) ? ": " : "",
			 old_encoding_hint(err, m.old_encoding));
		return;
	}
	switch (m.code) {
	case PKM_AUTH_REQUEST:
		bs_auth_request(bs, st, &m);
		break;
	case PKM_KEY_REQUEST:
		bs_key_request(bs, st, &m);
		break;
	case PKM_AUTH_INFO:
		log_debug("SS %s: Auth Info (informative) ignored", mac_str(src));
		break;
	default:
		log_warn("SS %s: unexpected %s dropped", mac_str(src),
			 pkm_code_name(m.code));
		break;
	}
}

static void bs_tek_event(void *arg, uint8_t cmd, uint16_t said, uint8_t eks,
			 int cid)
{
	bs_kernel_tek_event(arg, cmd, said, eks, cid);
}

static void bs_tek_pn_limit(void *arg, uint16_t said, uint8_t eks,
			    uint32_t next_pn, uint32_t limit)
{
	bs_kernel_pn_limit(arg, said, eks, next_pn, limit);
}

/*
 * Group commit: the receive windows of a run of Key Requests go to disk
 * in one transaction, and the run's answers leave only once it is
 * committed.  Where the store can (PostgreSQL), the run's commit is
 * sent without waiting: the next run is read and handled while the
 * server commits, and the run's answers stay held in the kernel's
 * queue (kernel_defer()) until done() says the COMMIT came back; they
 * leave in order, after those of the runs before.
 */
static void bs_commit_readable(int fd, short revents, void *arg);

/* The store's descriptor is polled while, and only while, it owes outcomes. */
static void bs_commit_watch(struct bs *bs)
{
	int fd = store_batch_fd(bs->store);

	if (fd == bs->commit_fd)
		return;
	if (bs->commit_fd >= 0)
		eloop_del_fd(bs->commit_fd);
	bs->commit_fd = -1;
	if (fd < 0)
		return;
	if (eloop_add_fd(fd, POLLIN, bs_commit_readable, bs) == 0) {
		bs->commit_fd = fd;
		timer_stop(&bs->commit_poll);
	} else if (timer_remaining_ms(&bs->commit_poll) < 0) {
		/* no room in the loop: looked at each millisecond instead */
		log_warn("cannot poll the database's descriptor; its commits are looked at each millisecond");
		timer_start(&bs->commit_poll, 1);
	}
}

static void bs_commit_readable(int fd, short revents, void *arg)
{
	struct bs *bs = arg;

	(void)fd;
	(void)revents;
	store_batch_poll(bs->store);
	bs_commit_watch(bs);
}

static void bs_commit_poll(struct timer *t)
{
	struct bs *bs = container_of(t, struct bs, commit_poll);

	store_batch_poll(bs->store);
	bs_commit_watch(bs);
	if (store_batch_fd(bs->store) >= 0 && bs->commit_fd < 0)
		timer_start(t, 1);
}

/* A run's commit came back (committed) or failed: its answers go or not. */
static void bs_commit_done(void *arg, bool committed)
{
	struct bs *bs = arg;

	kernel_settle(bs->kernel, committed);
	bs_commit_watch(bs);
}

static void bs_rx_batch(void *arg, bool begin)
{
	struct bs *bs = arg;
	int err;

	if (begin) {
		store_batch_begin(bs->store);
		kernel_hold(bs->kernel);
		return;
	}
	if (kernel_may_defer(bs->kernel)) {
		err = store_batch_send(bs->store);
		if (err == 1)
			kernel_defer(bs->kernel);
		else
			kernel_release(bs->kernel, err == 0);
	} else {
		kernel_release(bs->kernel, store_batch_end(bs->store) == 0);
	}
	bs_commit_watch(bs);
}

/* Operator's changes */

int bs_subscriber_add(struct bs *bs, const struct store_subscriber *s,
		      char *why, size_t why_len)
{
	struct store_subscriber rec = *s;
	int err;

	if (!str_is_printable(rec.cn, STORE_CN_MAX)) {
		snprintf(why, why_len, "CN must be 1 to %d printable ASCII characters",
			 STORE_CN_MAX);
		return -EINVAL;
	}
	if (!mac_is_unicast(rec.mac)) {
		snprintf(why, why_len, "MAC address must be a unicast address");
		return -EINVAL;
	}
	if (!str_is_printable(rec.provider, CONFIG_PROVIDER_MAX)) {
		snprintf(why, why_len, "provider must be 1 to %d printable ASCII characters",
			 CONFIG_PROVIDER_MAX);
		return -EINVAL;
	}
	if (!rec.services || rec.services & ~7u) {
		snprintf(why, why_len, "services must be some of unicast, multicast, broadcast");
		return -EINVAL;
	}
	if (bs_subscriber_by_cn(bs, rec.cn)) {
		snprintf(why, why_len, "subscriber %s exists", rec.cn);
		return -EEXIST;
	}
	if (bs_subscriber_by_mac(bs, rec.mac)) {
		snprintf(why, why_len, "MAC address %s belongs to subscriber %s",
			 mac_str(rec.mac), bs_subscriber_by_mac(bs, rec.mac)->rec.cn);
		return -EEXIST;
	}
	rec.revoked = false;
	rec.created = now_real_s();
	err = store_subscriber_add(bs->store, &rec);
	if (err) {
		snprintf(why, why_len, "database error");
		return err;
	}
	if (!subscriber_append(bs, &rec)) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	log_notice("subscriber %s added: MAC %s, provider %s, services 0x%x",
		   rec.cn, mac_str(rec.mac), rec.provider, rec.services);
	return 0;
}

void bs_group_member_left(struct bs *bs, uint8_t group,
			  const struct subscriber *sub, const char *reason)
{
	/*
	 * A group with a key tree rekeys without the member (bs_group.c);
	 * in one without, a member removed by the operator keeps the
	 * current group TEKs until they expire (at most two TEK lifetimes),
	 * unless it is revoked, which replaces them.
	 */
	log_notice("group %u: %s left (%s); it gets no further group keys",
		   group, sub->rec.cn, reason);
	bs_group_leave(bs, group, sub->rec.cn, reason);
}

/* What a Key Request for this SA would ask, for the discriminator. */
static struct disc_request sa_request(const struct bs_sa *sa)
{
	return (struct disc_request){
		.service = sa->rec.service,
		.has_group = sa->rec.has_group,
		.group_id = sa->rec.group_id,
		.said = sa->rec.said,
	};
}

/*
 * Could the subscriber hold keys of this shared SA?  What the
 * discriminator would grant it, unrevoked and a member of every group:
 * a member removed from a group earlier still holds its keys until they
 * expire.
 */
static bool may_hold(struct bs *bs, const struct subscriber *sub,
		     const struct bs_sa *sa)
{
	uint8_t all_groups[GROUP_BITMAP_BYTES];
	struct disc_subscriber who = {
		.services = sub->rec.services,
		.provider = sub->rec.provider,
		.groups = all_groups,
	};
	struct disc_request what = sa_request(sa);
	struct disc_decision decision;

	memset(all_groups, 0xff, sizeof(all_groups));
	discriminate(&bs->policy, &who, &what, &decision);
	return decision.grant;
}

/* Does the station's subscriber get this SA's keys now? */
static bool entitled(struct bs *bs, struct station *st, const struct bs_sa *sa)
{
	struct subscriber *sub = bs_subscriber_by_mac(bs, st->mac);
	struct disc_subscriber who;
	struct disc_request what = sa_request(sa);
	struct disc_decision decision;

	if (!sub)
		return false;
	who = (struct disc_subscriber){
		.revoked = sub->rec.revoked,
		.services = sub->rec.services,
		.provider = sub->rec.provider,
		.groups = sub->groups,
		.unicast_said = station_unicast_said(st),
	};
	discriminate(&bs->policy, &who, &what, &decision);
	return decision.grant;
}

/*
 * Revocation (control-plane.rst, "Revocation").  In this order, all
 * before the command returns:
 *
 *   1. every shared SA without a key tree that the subscriber may hold
 *      gets two new TEKs (saved, then swapped into the kernel), so the
 *      BS sends nothing more under a key the subscriber has;
 *   2. the subscriber is marked revoked on disk, its AKs and unicast SA
 *      deleted: it can ask for no key any more;
 *   3. the groups with a key tree rekey without it (bs_group.c), and
 *      every other station entitled to a replaced SA is sent a TEK
 *      Invalid for it, so that it asks for the new keys at once.
 *
 * A failure in 1 or 2 fails the command with the subscriber not revoked;
 * TEKs replaced by then stay replaced (the SSs follow as in 3), and the
 * command may be repeated.
 */
/*
 * A revoked subscriber's AKs are void (no Key Request of it verifies any
 * more), its unicast SA goes, and it leaves each of its groups.
 */
static void revoked_forget(struct bs *bs, struct subscriber *sub)
{
	struct station *st = bs_station_by_mac(bs, sub->rec.mac);
	struct bs_sa *sa;

	if (st) {
		store_ak_delete(bs->store, st->mac);
		bs_ak_wipe(&st->ak[STORE_AK_ACTIVE]);
		bs_ak_wipe(&st->ak[STORE_AK_PENDING]);
		sa = bs_sa_find(bs, station_unicast_said(st));
		if (sa)
			bs_sa_remove(sa);
	}
	for (unsigned int g = 0; g < CONFIG_MAX_GROUPS; g++)
		if (group_bit(sub->groups, (uint8_t)g))
			bs_group_member_left(bs, (uint8_t)g, sub, "revoked");
}

int bs_subscriber_revoke(struct bs *bs, const char *cn, char *why,
			 size_t why_len)
{
	struct subscriber *sub = bs_subscriber_by_cn(bs, cn);
	uint16_t *replaced = NULL;
	size_t n_replaced = 0;
	struct station *st;
	struct bs_sa *sa;
	int err = 0;

	if (!sub) {
		snprintf(why, why_len, "no subscriber %s", cn);
		return -ENOENT;
	}
	if (sub->rec.revoked) {
		snprintf(why, why_len, "subscriber %s is already revoked", cn);
		return -EALREADY;
	}
	for (size_t said = 0; said < 65536; said++) {
		sa = bs->sas[said];
		if (!sa || sa->rec.has_owner ||
		    (sa->rec.has_group &&
		     bs_group_has_tree(bs, sa->rec.group_id)) ||
		    !may_hold(bs, sub, sa))
			continue;
		/* in a zone: recorded with the revocation, for the writer */
		if (bs->zone)
			continue;
		if (!replaced) {
			/* the broadcast SA and the groups' */
			replaced = calloc(bs->cfg->n_groups + 1,
					  sizeof(*replaced));
			if (!replaced) {
				snprintf(why, why_len, "out of memory");
				return -ENOMEM;
			}
		}
		err = bs_sa_replace(sa);
		if (err) {
			snprintf(why, why_len,
				 "the TEKs of SAID 0x%04zx could not be replaced; %s is not revoked",
				 said, cn);
			goto out;
		}
		replaced[n_replaced++] = (uint16_t)said;
	}
	err = store_subscriber_revoke(bs->store, cn);
	if (err) {
		snprintf(why, why_len, "database error; %s is not revoked", cn);
		goto out;
	}
	sub->rec.revoked = true;
	if (bs->zone)
		log_notice("subscriber %s revoked; the shared SAs' writers replace their TEKs",
			   cn);
	else
		log_notice("subscriber %s revoked; %zu shared SA%s rekeyed", cn,
			   n_replaced, n_replaced == 1 ? "" : "s");
	bs_zone_replace_pending(bs);

	revoked_forget(bs, sub);
out:
	/* The others learn of the new keys now rather than at their next frame. */
	for (size_t i = 0; i < n_replaced; i++) {
		sa = bs_sa_find(bs, replaced[i]);
		for (unsigned int n = 1; sa && n <= STATION_MAX; n++) {
			st = bs->stations[n];
			if (st && entitled(bs, st, sa))
				bs_tek_invalid_to(bs, st, sa->rec.said,
						  "new TEKs after a revocation");
		}
	}
	free(replaced);
	return err;
}

int bs_group_member_add(struct bs *bs, uint8_t group, const char *cn,
			char *why, size_t why_len)
{
	struct subscriber *sub = bs_subscriber_by_cn(bs, cn);
	int err;

	if (!policy_group(&bs->policy, group)) {
		snprintf(why, why_len, "no group %u in the configuration", group);
		return -ENOENT;
	}
	if (!sub) {
		snprintf(why, why_len, "no subscriber %s", cn);
		return -ENOENT;
	}
	if (group_bit(sub->groups, group)) {
		snprintf(why, why_len, "%s is already a member of group %u", cn, group);
		return -EEXIST;
	}
	err = store_member_add(bs->store, group, cn);
	if (err) {
		snprintf(why, why_len, "database error");
		return err;
	}
	group_bit_set(sub->groups, group, true);
	log_notice("group %u: %s added", group, cn);
	return 0;
}

int bs_group_member_del(struct bs *bs, uint8_t group, const char *cn,
			char *why, size_t why_len)
{
	struct subscriber *sub = bs_subscriber_by_cn(bs, cn);
	int err;

	if (!sub || !group_bit(sub->groups, group)) {
		snprintf(why, why_len, "%s is not a member of group %u", cn, group);
		return -ENOENT;
	}
	err = store_member_del(bs->store, group, cn);
	if (err) {
		snprintf(why, why_len, "database error");
		return err;
	}
	group_bit_set(sub->groups, group, false);
	bs_group_member_left(bs, group, sub, "removed by the operator");
	return 0;
}

/* The zone's subscribers (zones.rst) */

/* What a revocation at another BS of the zone means here. */
static void zone_revoked(struct bs *bs, struct subscriber *sub)
{
	/* the shared SAs' new TEKs: bs_zone_replace_pending() */
	log_notice("subscriber %s revoked in zone %s", sub->rec.cn, bs->cfg->zone);
	revoked_forget(bs, sub);
}

void bs_zone_sa_replaced(struct bs *bs, struct bs_sa *sa)
{
	for (unsigned int n = 1; n <= STATION_MAX; n++) {
		struct station *st = bs->stations[n];

		if (st && entitled(bs, st, sa))
			bs_tek_invalid_to(bs, st, sa->rec.said,
					  "new TEKs after a revocation");
	}
}

struct pending {
	uint16_t said;
	char cn[STORE_CN_MAX + 1];
};

struct pendings {
	struct pending *p;
	size_t n, cap;
};

static int pending_one(void *arg, uint16_t said, const char *cn)
{
	struct pendings *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct pending *p = realloc(l->p, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->p = p;
		l->cap = cap;
	}
	l->p[l->n].said = said;
	str_copy(l->p[l->n].cn, sizeof(l->p[l->n].cn), cn);
	l->n++;
	return 0;
}

/*
 * The TEK replacements that revocations in the zone recorded with
 * themselves (zones.rst): of each shared SA this BS writes, a key tree's
 * excepted (its rekey removes the member), the TEKs are replaced once
 * for all the revocations listed, and their records go only after that
 * commit.  A failure leaves them for the next poll, or the next writer.
 */
void bs_zone_replace_pending(struct bs *bs)
{
	struct pendings l = { 0 };
	int replaced = -1;		/* SAID replaced in this pass */

	if (!bs->zone || store_replace_each(bs->store, pending_one, &l))
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		uint16_t said = l.p[i].said;
		struct bs_sa *sa = bs_sa_find(bs, said);
		struct subscriber *sub = bs_subscriber_by_cn(bs, l.p[i].cn);

		/* a subscriber not loaded yet: at the next poll */
		if (!bs_zone_writer(bs, said) || !sub)
			continue;
		if (replaced != said && sa && !sa->rec.has_owner &&
		    !(sa->rec.has_group && bs_group_has_tree(bs, sa->rec.group_id)) &&
		    may_hold(bs, sub, sa)) {
			if (bs_sa_replace(sa)) {
				log_warn("SAID 0x%04x: its new TEKs after the revocation of %s could not be committed; trying again",
					 said, l.p[i].cn);
				continue;
			}
			log_notice("SAID 0x%04x: new TEKs after the revocation of %s in zone %s",
				   said, l.p[i].cn, bs->cfg->zone);
			bs_zone_sa_replaced(bs, sa);
			replaced = said;
		}
		store_replace_done(bs->store, said, l.p[i].cn);
	}
out:
	free(l.p);
}

struct zone_subs {
	struct bs *bs;
	struct store_subscriber *recs;
	size_t n, cap;
	uint8_t (*groups)[GROUP_BITMAP_BYTES];	/* per rec */
};

static int zone_sub(void *arg, const struct store_subscriber *rec)
{
	struct zone_subs *z = arg;

	if (z->n == z->cap) {
		size_t cap = z->cap ? 2 * z->cap : 64;
		struct store_subscriber *recs = realloc(z->recs, cap * sizeof(*recs));

		if (!recs)
			return -ENOMEM;
		z->recs = recs;
		z->cap = cap;
	}
	z->recs[z->n++] = *rec;
	return 0;
}

static int zone_member(void *arg, uint8_t group, const char *cn)
{
	struct zone_subs *z = arg;

	for (size_t i = 0; i < z->n; i++)
		if (!strcmp(z->recs[i].cn, cn))
			group_bit_set(z->groups[i], group, true);
	return 0;
}

/*
 * Another BS of the zone added or revoked a subscriber, or changed a
 * membership: the tables are read again and the differences acted on as
 * if made here (a revoked subscriber loses its AKs and unicast SA at this
 * BS; a member gone leaves the trees this BS writes).
 *
 * A reload that fails (the database unreachable, a lock or statement
 * timeout) may have missed a revocation, which the revoked SS's AK here
 * would let it profit from: until a reload succeeds this BS answers no
 * Key Request for a shared SA (bs_keys.c), and takes no TEKs a writer
 * replaced after a revocation (bs_sas_zone_sync()).  It says so once,
 * and once more when it reads them again.
 */
int bs_zone_reload_subscribers(struct bs *bs)
{
	struct zone_subs z = { .bs = bs };
	int err;

	err = store_subscriber_each(bs->store, zone_sub, &z);
	if (err)
		goto out;
	z.groups = calloc(z.n ? z.n : 1, sizeof(*z.groups));
	err = z.groups ? store_member_each(bs->store, zone_member, &z) : -ENOMEM;
	if (err)
		goto out;
	for (size_t i = 0; i < z.n; i++) {
		struct subscriber *sub = bs_subscriber_by_cn(bs, z.recs[i].cn);

		if (!sub) {
			sub = subscriber_append(bs, &z.recs[i]);
			if (!sub) {
				err = -ENOMEM;
				goto out;
			}
			log_info("subscriber %s (%s) added in zone %s",
				 sub->rec.cn, mac_str(sub->rec.mac), bs->cfg->zone);
		}
		for (unsigned int g = 0; g < CONFIG_MAX_GROUPS; g++) {
			bool was = group_bit(sub->groups, (uint8_t)g);
			bool is = group_bit(z.groups[i], (uint8_t)g);

			if (was == is)
				continue;
			group_bit_set(sub->groups, (uint8_t)g, is);
			if (is)
				log_info("group %u: %s added in zone %s", g,
					 sub->rec.cn, bs->cfg->zone);
			else if (!z.recs[i].revoked)
				bs_group_member_left(bs, (uint8_t)g, sub,
						     "removed in the zone");
		}
		if (z.recs[i].revoked && !sub->rec.revoked) {
			sub->rec.revoked = true;
			zone_revoked(bs, sub);
		}
	}
out:
	free(z.recs);
	free(z.groups);
	if (err && !bs->zone_subs_failed)
		log_err("zone %s: cannot read the zone's subscribers (%s); until it can, this BS answers no Key Request for a shared SA and takes no TEKs replaced after a revocation",
			bs->cfg->zone, strerror(-err));
	else if (!err && bs->zone_subs_failed)
		log_notice("zone %s: the zone's subscribers read again", bs->cfg->zone);
	bs->zone_subs_failed = err != 0;
	return err;
}

/* Startup and shutdown */

static int load_identity(struct bs *bs)
{
	const struct config *cfg = bs->cfg;
	char hex[PKM_KEY_ID_HEX_LEN];
	struct pkm_cert_id id = { 0 };
	const char *why;

	if (trust_open(&bs->trust, cfg->ca_certificate, cfg->crl))
		return -EINVAL;
	bs->key = pkm_key_load_file(cfg->private_key);
	if (!bs->key) {
		log_err("%s: cannot read the private key", cfg->private_key);
		return -EINVAL;
	}
	if (pkm_cert_load_der(cfg->certificate, &bs->cert_der, &bs->cert_len)) {
		log_err("%s: cannot read the certificate", cfg->certificate);
		return -EINVAL;
	}
	/*
	 * Every SS refuses a certificate without the BS role: say so loudly.
	 * Only a warning: what an SS checks is what protects it, whatever a
	 * daemon posing as a BS does with its own certificate.
	 */
	if (pkm_cert_check_role(bs->cert_der, bs->cert_len, PKM_ROLE_BS, &why))
		log_warn("%s: not a BS certificate (%s): every SS will refuse it",
			 cfg->certificate, why);
	/* SSs may trust another CA for BSs than ours for them: advice only. */
	if (pkm_cert_verify(trust_store(&bs->trust), bs->cert_der,
			    bs->cert_len, 0, PKM_ROLE_BS, &id)) {
		log_warn("%s does not verify against %s (%s); SSs must trust its issuer",
			 cfg->certificate, cfg->ca_certificate, id.why);
		if (pkm_cert_matches_key(bs->cert_der, bs->cert_len, bs->key))
			return 0;
		log_err("%s does not match the certificate %s",
			cfg->private_key, cfg->certificate);
		return -EINVAL;
	}
	if (EVP_PKEY_eq(id.pub, bs->key) != 1) {
		log_err("%s does not match the certificate %s", cfg->private_key,
			cfg->certificate);
		pkm_cert_id_free(&id);
		return -EINVAL;
	}
	pkm_key_id_hex(id.key_id, hex);
	log_info("BS identity %s, key SHA-256 %s", id.cn, hex);
	pkm_cert_id_free(&id);
	return 0;
}

/*
 * Connections an earlier run left in the kernel that this one would not
 * make: with another basic-cid-max, or under an older CID layout, a
 * station's CID could still be bound to another station's address.
 * Every management connection goes but CID 0, each station's Basic and
 * Primary ones with its address, and the broadcast management connection
 * when a group has a key tree; so does a transport connection on 0xffff,
 * where the broadcast service used to be.
 */
struct stale_conns {
	struct bs *bs;
	bool tree;			/* the broadcast management one is ours */
	uint8_t *stale;			/* by CID */
	size_t n;
};

static void scan_stale_conn(void *arg, const struct kernel_conn_info *c)
{
	struct stale_conns *s = arg;
	unsigned int basic_max = s->bs->cfg->basic_cid_max;
	const struct station *st = NULL;
	bool keep;

	if (c->kind != WMAN_CONN_MGMT) {
		keep = c->cid != WMAN_CID_BROADCAST;
	} else if (c->cid == WMAN_CID_INITIAL_RANGING) {
		keep = true;
	} else if (c->cid == WMAN_CID_BROADCAST) {
		keep = s->tree && !c->has_peer;
	} else {
		if (c->cid <= basic_max)
			st = s->bs->stations[c->cid];
		else if (c->cid <= 2 * basic_max)
			st = s->bs->stations[c->cid - basic_max];
		keep = st && c->has_peer && !memcmp(c->peer, st->mac, MAC_LEN);
	}
	if (!keep && !s->stale[c->cid]) {
		s->stale[c->cid] = 1;
		s->n++;
	}
}

static void delete_stale_conns(struct bs *bs)
{
	struct stale_conns s = { .bs = bs };
	int err;

	for (size_t i = 0; i < bs->cfg->n_groups; i++)
		if (bs->cfg->groups[i].tree != CONFIG_TREE_NONE)
			s.tree = true;
	s.stale = calloc(65536, 1);
	if (!s.stale)
		return;
	err = kernel_conn_dump(bs->kernel, scan_stale_conn, &s);
	if (err)
		log_warn("cannot list the kernel's connections: %s",
			 kernel_error(bs->kernel, err));
	if (!err && s.n)
		log_notice("%zu connection%s of an earlier run or CID layout deleted from the kernel",
			   s.n, s.n == 1 ? "" : "s");
	for (size_t cid = 0; !err && cid < 65536; cid++) {
		if (!s.stale[cid])
			continue;
		log_debug("connection 0x%04zx of an earlier run deleted", cid);
		kernel_conn_del(bs->kernel, (uint16_t)cid);
	}
	free(s.stale);
}

static int open_database(struct bs *bs)
{
	char dir[CONFIG_DATABASE_MAX];
	bool waited = false;
	int64_t deadline;
	int err;

	if (bs->cfg->database_backend == DB_SQLITE) {
		str_copy(dir, sizeof(dir), bs->cfg->database);
		/* Create the last directory level (e.g. /var/lib/pkmd), owner only. */
		if (mkdir(dirname(dir), 0700) && errno != EEXIST) {
			log_err("%s: cannot create its directory: %s",
				bs->cfg->database, strerror(errno));
			return -EIO;
		}
	}
	/*
	 * A bs-id claimed by another instance (zones.rst): one that just
	 * died (a restart after a crash) is unseen after zone-failover, and
	 * this one then claims it; a live one renews it, and this one
	 * gives up.
	 */
	deadline = now_mono_ms() + bs->cfg->zone_failover_ms * 11 / 10 + 200;
	for (;;) {
		err = store_open_zone(bs->cfg->database_backend, bs->cfg->database,
				      bs->cfg->zone, bs->cfg->bs_id,
				      bs->cfg->zone_failover_ms, &bs->store);
		if (err != -EBUSY || now_mono_ms() >= deadline)
			return err;
		if (!waited)
			log_notice("zone %s: waiting up to %u ms for bs-id %s's other instance to go, as a dead one does",
				   bs->cfg->zone, bs->cfg->zone_failover_ms * 11 / 10 + 200,
				   bs->cfg->bs_id);
		waited = true;
		usleep(200000);
	}
}

static int bs_start(struct pkmd *d)
{
	struct bs *bs = calloc(1, sizeof(*bs));
	unsigned int n_stations = 0;
	int err;

	if (!bs)
		return PKMD_EXIT_SETUP;
	d->role_state = bs;
	bs->d = d;
	bs->commit_fd = -1;
	timer_init(&bs->commit_poll, "commit-poll", bs_commit_poll);
	bs->cfg = d->cfg;
	bs->kernel = &d->kernel;
	bs->policy = (struct disc_policy){
		.provider = d->cfg->provider,
		.has_broadcast = d->cfg->has_broadcast,
		.broadcast_said = d->cfg->broadcast_cid,
		.groups = d->cfg->groups,
		.n_groups = d->cfg->n_groups,
	};
	d->kernel.handlers = (struct kernel_handlers){
		.mgmt_rx = bs_mgmt_rx, .tek_event = bs_tek_event,
		.tek_pn_limit = bs_tek_pn_limit, .rx_batch = bs_rx_batch,
		.arg = bs,
	};
	if (d->kernel.role != WMAN_ROLE_BS) {
		log_err("%s is an SS device; this configuration is for a BS",
			d->kernel.ifname);
		return PKMD_EXIT_SETUP;
	}
	if (load_identity(bs) || open_database(bs))
		return PKMD_EXIT_SETUP;
	store_batch_notify(bs->store, bs_commit_done, bs);
	if (store_subscriber_each(bs->store, load_subscriber, bs) ||
	    store_member_each(bs->store, load_member, bs) ||
	    store_station_each(bs->store, load_station, bs) ||
	    store_ak_each(bs->store, load_ak, bs)) {
		log_err("database %s: cannot load it", store_name(bs->store));
		return PKMD_EXIT_SETUP;
	}
	delete_stale_conns(bs);
	err = kernel_conn_add(bs->kernel, WMAN_CID_INITIAL_RANGING,
			      WMAN_CONN_MGMT, -1, NULL);
	if (err && err != -EEXIST) {
		log_err("cannot create the initial ranging connection: %s",
			kernel_error(bs->kernel, err));
		return PKMD_EXIT_SETUP;
	}
	for (unsigned int i = 1; i <= STATION_MAX; i++) {
		if (!bs->stations[i])
			continue;
		n_stations++;
		if (station_conns(bs, bs->stations[i]))
			return PKMD_EXIT_SETUP;
	}
	if (bs_zone_start(bs) || bs_sas_load(bs) || bs_sas_reconcile(bs) ||
	    bs_groups_start(bs))
		return PKMD_EXIT_SETUP;
	/*
	 * Revocations recorded while no BS wrote the shared SAs whose
	 * leases the first pass took: their TEKs now, not at the first
	 * poll, during which this BS would send under keys a revoked SS
	 * holds (zones.rst).
	 */
	bs_zone_replace_pending(bs);
	log_notice("BS on %s (BSID %s): %zu subscribers, %u stations",
		   d->kernel.ifname, mac_str(d->kernel.bsid), bs->n_subs,
		   n_stations);
	return 0;
}

static void bs_stop(struct pkmd *d)
{
	struct bs *bs = d->role_state;

	if (!bs)
		return;
	bs_zone_stop(bs);
	bs_groups_stop(bs);
	bs_sas_free(bs);
	for (unsigned int i = 1; i <= STATION_MAX; i++) {
		if (!bs->stations[i])
			continue;
		OPENSSL_cleanse(bs->stations[i], sizeof(*bs->stations[i]));
		free(bs->stations[i]);
	}
	for (size_t i = 0; i < bs->n_subs; i++)
		free(bs->subs[i]);
	free(bs->subs);
	/* the commits on their way are waited for: their answers go */
	store_close(bs->store);
	if (bs->commit_fd >= 0)
		eloop_del_fd(bs->commit_fd);
	timer_stop(&bs->commit_poll);
	trust_close(&bs->trust);
	EVP_PKEY_free(bs->key);
	free(bs->cert_der);
	free(bs);
	d->role_state = NULL;
}

const struct role_ops bs_role = {
	.start = bs_start,
	.stop = bs_stop,
	.status = bs_control_status,
	.sa_list = bs_control_sa_list,
	.rekey = bs_control_rekey,
	.commands = bs_control_commands,
};
