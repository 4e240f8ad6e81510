// SPDX-License-Identifier: GPL-2.0
/*
 * A rekey plan: the deliveries of one rekey.  Point-to-multipoint
 * deliveries and offsets come first, in bottom-up order (a member resolves
 * its path in one pass); point-to-point deliveries follow, grouped by
 * recipient, one unicast message per recipient.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

int keytree_plan_alloc(struct keytree_plan **out, size_t deliveries,
		       size_t changed)
{
	struct keytree_plan *plan = calloc(1, sizeof(*plan));

	if (!plan)
		return KEYTREE_ERR_NOMEM;
	plan->deliveries = calloc(deliveries ? deliveries : 1,
				  sizeof(*plan->deliveries));
	plan->changed = calloc(changed ? changed : 1, sizeof(*plan->changed));
	if (!plan->deliveries || !plan->changed) {
		keytree_plan_free(plan);
		return KEYTREE_ERR_NOMEM;
	}
	plan->delivery_cap = deliveries;
	plan->changed_cap = changed;
	*out = plan;
	return KEYTREE_OK;
}

void keytree_plan_free(struct keytree_plan *plan)
{
	if (!plan)
		return;
	/* Wrapped keys and offsets are public, but an offset with the
	 * child key gives the parent key: wipe them all the same. */
	if (plan->deliveries)
		OPENSSL_cleanse(plan->deliveries,
				plan->delivery_cap * sizeof(*plan->deliveries));
	free(plan->deliveries);
	free(plan->changed);
	free(plan->recipients);
	free(plan);
}

/* The caller sized the plan for the worst case; running past it is a bug
 * that must not write out of bounds. */
struct keytree_delivery *keytree_plan_add(struct keytree_plan *plan,
					  uint8_t kind, uint32_t node,
					  uint32_t under)
{
	struct keytree_delivery *d;

	if (plan->delivery_count >= plan->delivery_cap)
		return NULL;
	d = &plan->deliveries[plan->delivery_count++];
	d->kind = kind;
	d->node = node;
	d->under = under;
	return d;
}

static int compare_p2p(const void *a, const void *b)
{
	const struct keytree_delivery *x = a, *y = b;

	if (x->under != y->under)
		return x->under < y->under ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return 0;
}

/* Group point-to-point deliveries by recipient. */
int keytree_plan_finish(struct keytree_plan *plan)
{
	struct keytree_delivery *p2p = plan->deliveries + plan->multicast_count;
	size_t p2p_count = plan->delivery_count - plan->multicast_count;
	size_t recipients = 0;

	qsort(p2p, p2p_count, sizeof(*p2p), compare_p2p);
	for (size_t i = 0; i < p2p_count; i++)
		if (i == 0 || p2p[i].under != p2p[i - 1].under)
			recipients++;
	plan->recipients = calloc(recipients ? recipients : 1,
				  sizeof(*plan->recipients));
	if (!plan->recipients)
		return KEYTREE_ERR_NOMEM;
	for (size_t i = 0; i < p2p_count; i++) {
		struct keytree_recipient *r;

		if (i == 0 || p2p[i].under != p2p[i - 1].under) {
			r = &plan->recipients[plan->recipient_count++];
			r->leaf = keytree_node_index(p2p[i].under);
			r->first = (uint32_t)(plan->multicast_count + i);
		}
		r = &plan->recipients[plan->recipient_count - 1];
		r->count++;
		if (p2p[i].kind == KEYTREE_DELIVERY_WELCOME)
			r->welcome = true;
	}
	plan->stats.p2p_messages = (uint32_t)plan->recipient_count;
	plan->stats.p2mp_messages = plan->has_multicast;
	return KEYTREE_OK;
}

uint64_t keytree_plan_seq(const struct keytree_plan *plan)
{
	return plan->seq;
}

size_t keytree_plan_delivery_count(const struct keytree_plan *plan)
{
	return plan->delivery_count;
}

const struct keytree_delivery *
keytree_plan_delivery(const struct keytree_plan *plan, size_t i)
{
	return i < plan->delivery_count ? &plan->deliveries[i] : NULL;
}

void keytree_plan_get_stats(const struct keytree_plan *plan,
			    struct keytree_plan_stats *stats)
{
	*stats = plan->stats;
}

size_t keytree_plan_unicast_count(const struct keytree_plan *plan)
{
	return plan->recipient_count;
}

uint32_t keytree_plan_unicast_leaf(const struct keytree_plan *plan, size_t i)
{
	return i < plan->recipient_count ? plan->recipients[i].leaf : 0;
}

bool keytree_plan_has_multicast(const struct keytree_plan *plan)
{
	return plan->has_multicast;
}
