// SPDX-License-Identifier: GPL-2.0
/*
 * BS: the MBS zone this BS shares its subscribers and group SAs with
 * (Documentation/zones.rst).
 *
 * Each shared SA (every configured group's and the broadcast SA) has a
 * lease in the database; the BS holding it is the SA's writer, the others
 * follow.  Every zone-failover/10 ms this BS takes or renews the lease of
 * each shared SA; it counts one as held until lease-time after the
 * attempt that took it began (its own clock, ahead of the server's), and
 * the store's fence refuses its writes to a shared SA it no longer holds
 * (store_lease_fence()).  What the others commit comes as notifications
 * (a connection of its own, read by the event loop), and every
 * zone-failover/2 ms as a poll of the same state, in case one was lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "bs_group.h"
#include "eloop.h"
#include "log.h"

#define LISTEN_RETRY_MIN_MS	100

struct zone_lease {
	uint16_t said;
	bool held;
	bool failing;			/* the last attempt failed (database) */
	int64_t until_ms;		/* monotonic: held until then at most */
	char holder[CONFIG_ZONE_NAME_MAX + 1];	/* the last one seen */
};

struct bs_zone {
	struct bs *bs;
	uint32_t lease_ms;		/* a lease's length */
	uint32_t try_ms;		/* leases taken or renewed this often */
	uint32_t poll_ms;
	struct zone_lease *leases;
	size_t n_leases;
	struct timer lease_timer;
	struct timer poll_timer;
	struct timer listen_timer;
	uint32_t listen_backoff_ms;
	int listen_fd;
};

static struct zone_lease *lease_of(const struct bs_zone *z, uint16_t said)
{
	for (size_t i = 0; i < z->n_leases; i++)
		if (z->leases[i].said == said)
			return &z->leases[i];
	return NULL;
}

bool bs_zone_writer(const struct bs *bs, uint16_t said)
{
	const struct zone_lease *l;

	if (!bs->zone)
		return true;
	l = lease_of(bs->zone, said);
	return l && l->held && now_mono_ms() < l->until_ms;
}

static const struct config_group *group_of_said(const struct bs *bs,
						uint16_t said)
{
	for (size_t i = 0; i < bs->cfg->n_groups; i++)
		if (bs->cfg->groups[i].cid == said)
			return &bs->cfg->groups[i];
	return NULL;
}

/* This BS now writes the SA: it carries on from the committed state. */
static void acquired(struct bs *bs, uint16_t said)
{
	const struct config_group *g = group_of_said(bs, said);
	struct bs_sa *sa;

	bs_sas_zone_sync(bs, said);
	if (g && bs_group_has_tree(bs, g->id)) {
		bs_group_zone_acquired(bs, g->id);
		return;
	}
	sa = bs_sa_find(bs, said);
	if (sa && bs_sa_current(sa))
		log_warn("SAID 0x%04x: cannot roll over now; trying again", said);
	/* revocations whose new TEKs the last writer did not commit */
	bs_zone_replace_pending(bs);
}

static void lease_pass(struct bs_zone *z);

void bs_zone_lease_pass(struct bs *bs)
{
	if (bs->zone)
		lease_pass(bs->zone);
}

static void lease_pass(struct bs_zone *z)
{
	/*
	 * This instance's claim of its bs-id first: another pkmd that took
	 * it (this one unseen for zone-failover) holds the leases now.
	 */
	if (store_zone_claim(z->bs->store) == 0) {
		log_err("zone %s: bs-id %s was claimed by another pkmd instance while this one was not seen; this one stops",
			z->bs->cfg->zone, z->bs->cfg->bs_id);
		for (size_t i = 0; i < z->n_leases; i++)
			z->leases[i].held = false;
		eloop_stop(PKMD_EXIT_FAILURE);
		return;
	}
	for (size_t i = 0; i < z->n_leases; i++) {
		struct zone_lease *l = &z->leases[i];
		int64_t began = now_mono_ms();
		bool was = l->held && began < l->until_ms;
		int r = store_lease_take(z->bs->store, l->said, z->lease_ms,
					 l->holder);

		if (r < 0 && !l->failing)
			log_warn("SAID 0x%04x: the lease could not be %s (database); trying again",
				 l->said, was ? "renewed" : "taken");
		l->failing = r < 0;
		if (r == 1) {
			l->held = true;
			l->until_ms = began + z->lease_ms;
			str_copy(l->holder, sizeof(l->holder), z->bs->cfg->bs_id);
			if (!was) {
				log_notice("SAID 0x%04x: lease taken; this BS writes the SA for zone %s",
					   l->said, z->bs->cfg->zone);
				acquired(z->bs, l->said);
			}
			continue;
		}
		if (r == 0 || now_mono_ms() >= l->until_ms) {
			if (l->held && r == 0)
				log_warn("SAID 0x%04x: lease lost to %s; this BS follows the SA",
					 l->said, l->holder[0] ? l->holder : "another BS");
			else if (l->held)
				log_warn("SAID 0x%04x: lease ran out before this BS could renew it; this BS follows the SA",
					 l->said);
			l->held = false;
		}
	}
}

static void lease_fired(struct timer *t)
{
	struct bs_zone *z = container_of(t, struct bs_zone, lease_timer);

	lease_pass(z);
	timer_start(&z->lease_timer, z->try_ms);
}

/* What the zone's other BSs committed */

static void zone_changed(struct bs_zone *z, const char *kind, unsigned int id)
{
	struct bs *bs = z->bs;
	const struct config_group *g;

	log_debug("zone %s: %s %u changed", bs->cfg->zone, kind, id);
	if (!strcmp(kind, "subscribers")) {
		bs_zone_reload_subscribers(bs);
		bs_zone_replace_pending(bs);
	} else if (!strcmp(kind, "sa") && id < 65536) {
		g = group_of_said(bs, (uint16_t)id);
		if (g && bs_group_has_tree(bs, g->id))
			bs_group_zone_sync(bs, g->id);
		else if (!bs_zone_writer(bs, (uint16_t)id))
			bs_sas_zone_sync(bs, (uint16_t)id);
	} else if (!strcmp(kind, "tree") && id < CONFIG_MAX_GROUPS) {
		bs_group_zone_sync(bs, (uint8_t)id);
	} else if (!strcmp(kind, "join") && id < CONFIG_MAX_GROUPS) {
		bs_group_zone_joins(bs, (uint8_t)id);
	} else if (!strcmp(kind, "aks")) {
		bs_group_zone_check_members(bs);
	} else if (!strcmp(kind, "lease")) {
		lease_pass(z);
	}
}

static void poll_all(struct bs_zone *z)
{
	struct bs *bs = z->bs;

	bs_zone_reload_subscribers(bs);
	bs_zone_replace_pending(bs);
	for (size_t i = 0; i < z->n_leases; i++) {
		uint16_t said = z->leases[i].said;
		const struct config_group *g = group_of_said(bs, said);

		if (g && bs_group_has_tree(bs, g->id)) {
			bs_group_zone_sync(bs, g->id);
			bs_group_zone_joins(bs, g->id);
		} else if (!bs_zone_writer(bs, said)) {
			bs_sas_zone_sync(bs, said);
		}
	}
}

static void poll_fired(struct timer *t)
{
	struct bs_zone *z = container_of(t, struct bs_zone, poll_timer);

	poll_all(z);
	timer_start(&z->poll_timer, z->poll_ms);
}

static void on_notification(void *arg, const char *kind, unsigned int id)
{
	zone_changed(arg, kind, id);
}

static void listen_lost(struct bs_zone *z)
{
	if (z->listen_fd >= 0)
		eloop_del_fd(z->listen_fd);
	z->listen_fd = -1;
	timer_start(&z->listen_timer, z->listen_backoff_ms);
	z->listen_backoff_ms = z->listen_backoff_ms * 2 > z->poll_ms ?
			       z->poll_ms : z->listen_backoff_ms * 2;
}

static void listen_readable(int fd, short revents, void *arg)
{
	struct bs_zone *z = arg;

	(void)fd;
	(void)revents;
	if (store_zone_notifications(z->bs->store, on_notification, z)) {
		log_warn("zone %s: notifications lost with their connection; polling, and listening again",
			 z->bs->cfg->zone);
		listen_lost(z);
		poll_all(z);
	}
}

static int listen_start(struct bs_zone *z)
{
	int fd, err = store_zone_listen(z->bs->store, &fd);

	if (err)
		return err;
	err = eloop_add_fd(fd, POLLIN, listen_readable, z);
	if (err)
		return err;
	z->listen_fd = fd;
	z->listen_backoff_ms = LISTEN_RETRY_MIN_MS;
	return 0;
}

static void listen_fired(struct timer *t)
{
	struct bs_zone *z = container_of(t, struct bs_zone, listen_timer);

	if (listen_start(z)) {
		listen_lost(z);
		return;
	}
	log_notice("zone %s: listening again", z->bs->cfg->zone);
	/* what came while nobody listened */
	poll_all(z);
}

static int lease_add(struct bs_zone *z, uint16_t said)
{
	if (lease_of(z, said))
		return 0;
	z->leases[z->n_leases++] = (struct zone_lease){ .said = said };
	return 0;
}

static const char *tree_name(uint8_t tree)
{
	return tree == CONFIG_TREE_LKH ? "lkh" :
	       tree == CONFIG_TREE_OFFSET ? "offset" : "none";
}

/*
 * This BS's configuration of a shared SA against the zone's, which the
 * first BS recorded: a BS that differs would write the SA's rows (its
 * suite, its tree or none) for every BS of the zone, and refuses to
 * start.  0, -EINVAL (logged) or -EIO.
 */
static int check_config(struct bs *bs, const struct store_zone_sa *c,
			const char *what)
{
	struct store_zone_sa zone;
	int r = store_zone_sa_check(bs->store, c, &zone);

	if (r < 0) {
		log_err("zone %s: %s: cannot read the zone's configuration of it",
			bs->cfg->zone, what);
		return -EIO;
	}
	if (r == 1)
		return 0;
	if (!zone.said)
		log_err("zone %s: %s: the zone has this group on another SAID; this BS does not start",
			bs->cfg->zone, what);
	else
		log_err("zone %s: %s: configured here with suite %u, key-tree %s (degree %u), in the zone with suite %u, key-tree %s (degree %u)%s; this BS does not start",
			bs->cfg->zone, what, c->suite, tree_name(c->tree),
			c->tree_degree, zone.suite, tree_name(zone.tree),
			zone.tree_degree,
			zone.service != c->service || zone.has_group != c->has_group ||
			zone.group_id != c->group_id ?
			", and for another service or group" : "");
	return -EINVAL;
}

static int check_configs(struct bs *bs)
{
	const struct config *cfg = bs->cfg;
	char what[48];
	int err = 0;

	for (size_t i = 0; i < cfg->n_groups; i++) {
		const struct config_group *g = &cfg->groups[i];
		struct store_zone_sa c = {
			.said = g->cid, .service = WMAN_SERVICE_MULTICAST,
			.suite = g->suite, .has_group = true, .group_id = g->id,
			.tree = g->tree,
			.tree_degree = g->tree == CONFIG_TREE_NONE ? 0 : g->tree_degree,
		};

		snprintf(what, sizeof(what), "group %u (SAID 0x%04x)", g->id, g->cid);
		err = err ? err : check_config(bs, &c, what);
	}
	if (cfg->has_broadcast) {
		struct store_zone_sa c = {
			.said = cfg->broadcast_cid, .service = WMAN_SERVICE_BROADCAST,
			.suite = cfg->broadcast_suite,
		};

		snprintf(what, sizeof(what), "broadcast SA 0x%04x", cfg->broadcast_cid);
		err = err ? err : check_config(bs, &c, what);
	}
	return err;
}

int bs_zone_start(struct bs *bs)
{
	const struct config *cfg = bs->cfg;
	struct bs_zone *z;

	if (!cfg->zone[0])
		return 0;
	if (check_configs(bs))
		return -EINVAL;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->leases = calloc(cfg->n_groups + 1, sizeof(*z->leases));
	if (!z->leases) {
		free(z);
		return -ENOMEM;
	}
	z->bs = bs;
	z->listen_fd = -1;
	z->lease_ms = cfg->zone_failover_ms * 3 / 5;
	z->try_ms = cfg->zone_failover_ms / 10;
	z->poll_ms = cfg->zone_failover_ms / 2;
	for (size_t i = 0; i < cfg->n_groups; i++)
		lease_add(z, cfg->groups[i].cid);
	if (cfg->has_broadcast)
		lease_add(z, cfg->broadcast_cid);
	timer_init(&z->lease_timer, "zone-lease", lease_fired);
	timer_init(&z->poll_timer, "zone-poll", poll_fired);
	timer_init(&z->listen_timer, "zone-listen", listen_fired);
	bs->zone = z;
	store_lease_fence(bs->store, true);
	/* The first pass before the SAs load: a writer makes what is missing. */
	for (size_t i = 0; i < z->n_leases; i++) {
		struct zone_lease *l = &z->leases[i];
		int64_t began = now_mono_ms();

		if (store_lease_take(bs->store, l->said, z->lease_ms, l->holder) == 1) {
			l->held = true;
			l->until_ms = began + z->lease_ms;
		}
		log_info("SAID 0x%04x: lease %s", l->said,
			 l->held ? "taken: this BS writes it" : "held by another BS");
	}
	if (listen_start(z)) {
		log_warn("zone %s: cannot listen for notifications; polling every %u ms",
			 cfg->zone, z->poll_ms);
		listen_lost(z);
	}
	timer_start(&z->lease_timer, z->try_ms);
	timer_start(&z->poll_timer, z->poll_ms);
	log_notice("zone %s: BS %s, failover within %u ms (lease %u ms)",
		   cfg->zone, cfg->bs_id, cfg->zone_failover_ms, z->lease_ms);
	return 0;
}

/*
 * The BS stops: its leases go at once, so that another BS takes over
 * without waiting for them to run out.
 */
void bs_zone_stop(struct bs *bs)
{
	struct bs_zone *z = bs->zone;

	if (!z)
		return;
	timer_stop(&z->lease_timer);
	timer_stop(&z->poll_timer);
	timer_stop(&z->listen_timer);
	if (z->listen_fd >= 0)
		eloop_del_fd(z->listen_fd);
	for (size_t i = 0; i < z->n_leases; i++)
		if (z->leases[i].held)
			store_lease_release(bs->store, z->leases[i].said);
	free(z->leases);
	free(z);
	bs->zone = NULL;
}

void bs_zone_json(struct bs *bs, uint16_t said, struct json_out *o)
{
	const struct zone_lease *l = bs->zone ? lease_of(bs->zone, said) : NULL;

	if (!l)
		return;
	jo_bool(o, "zone_writer", bs_zone_writer(bs, said));
	jo_string(o, "zone_lease_holder", l->holder);
}
