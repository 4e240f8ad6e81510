// SPDX-License-Identifier: GPL-2.0
/*
 * The BS's control commands (Documentation/control-plane.rst, "Control
 * protocol"): its subscribers and groups, and its part of status, sa-list
 * and rekey.  The core (control_cmd.c) parses the request line and
 * reaches these through bs_role.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bs.h"
#include "bs_group.h"
#include "control.h"
#include "json.h"

static int64_t seconds_left(int64_t expires, int64_t now)
{
	return expires > now ? expires - now : 0;
}

static void services_array(struct json_out *o, const char *key,
			   unsigned int services)
{
	jo_array_begin(o, key);
	for (uint8_t s = 0; s < 3; s++)
		if (services & SERVICE_BIT(s))
			jo_string(o, NULL, service_name(s));
	jo_array_end(o);
}

static void cmd_subscriber_add(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = d->role_state;
	struct store_subscriber s = { 0 };
	const json_t *services, *v;
	size_t i;
	const char *cn, *mac, *provider;
	char why[160];
	int err;

	if (!(cn = control_need_string(req, "cn", o)) ||
	    !(mac = control_need_string(req, "mac", o)) ||
	    !(provider = control_need_string(req, "provider", o)))
		return;
	if (!str_copy(s.cn, sizeof(s.cn), cn) ||
	    !str_copy(s.provider, sizeof(s.provider), provider)) {
		control_error(o, -EINVAL, "cn or provider too long");
		return;
	}
	if (mac_parse(mac, s.mac)) {
		control_error(o, -EINVAL, "mac is not a MAC address");
		return;
	}
	services = json_object_get(req, "services");
	if (!services) {
		s.services = SERVICE_BIT(WMAN_SERVICE_UNICAST);
	} else if (!json_is_array(services)) {
		control_error(o, -EINVAL, "services must be an array of strings");
		return;
	}
	json_array_foreach(services, i, v) {
		const char *name = json_string_value(v);
		uint8_t svc;

		for (svc = 0; svc < 3; svc++)
			if (name && !strcmp(name, service_name(svc)))
				break;
		if (svc == 3) {
			control_error(o, -EINVAL, "services: each one of unicast, multicast, broadcast");
			return;
		}
		s.services |= SERVICE_BIT(svc);
	}
	err = bs_subscriber_add(bs, &s, why, sizeof(why));
	if (err) {
		control_error(o, err, why);
		return;
	}
	control_result_begin(o);
	control_result_end(o);
}

static void cmd_subscriber_list(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = d->role_state;
	int64_t now = now_real_s();
	char mac[MAC_STR_LEN];

	(void)req;
	control_result_begin(o);
	jo_array_begin(o, "result");
	for (size_t i = 0; i < bs->n_subs; i++) {
		const struct subscriber *sub = bs->subs[i];
		struct station *st = bs_station_by_mac(bs, sub->rec.mac);

		jo_object_begin(o, NULL);
		jo_string(o, "cn", sub->rec.cn);
		jo_string(o, "mac", mac_format(sub->rec.mac, mac));
		jo_string(o, "provider", sub->rec.provider);
		services_array(o, "services", sub->rec.services);
		jo_string(o, "state", sub->rec.revoked ? "revoked" : "enabled");
		jo_array_begin(o, "groups");
		for (unsigned int g = 0; g < CONFIG_MAX_GROUPS; g++)
			if (group_bit(sub->groups, (uint8_t)g))
				jo_int(o, NULL, g);
		jo_array_end(o);
		if (st) {
			const struct bs_ak *ak = &st->ak[STORE_AK_ACTIVE];

			jo_int(o, "basic_cid", station_basic_cid(st));
			jo_int(o, "primary_cid", station_primary_cid(st));
			jo_int(o, "unicast_said", station_unicast_said(st));
			if (!ak->valid)
				ak = &st->ak[STORE_AK_PENDING];
			if (ak->valid) {
				jo_int(o, "ak_seq", ak->seq);
				jo_int(o, "ak_remaining", seconds_left(ak->expires, now));
			}
		}
		jo_object_end(o);
	}
	jo_array_end(o);
	control_result_end(o);
}

static void cmd_subscriber_revoke(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = d->role_state;
	const char *cn;
	char why[160];
	int err;

	if (!(cn = control_need_string(req, "cn", o)))
		return;
	err = bs_subscriber_revoke(bs, cn, why, sizeof(why));
	if (err) {
		control_error(o, err, why);
		return;
	}
	control_result_begin(o);
	control_result_end(o);
}

static void cmd_group_list(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = d->role_state;
	char mac[MAC_STR_LEN];

	(void)req;
	control_result_begin(o);
	jo_array_begin(o, "result");
	for (size_t i = 0; i < bs->cfg->n_groups; i++) {
		const struct config_group *g = &bs->cfg->groups[i];

		jo_object_begin(o, NULL);
		jo_int(o, "id", g->id);
		jo_int(o, "cid", g->cid);
		jo_int(o, "said", g->cid);
		jo_string(o, "suite", suite_name(g->suite));
		jo_array_begin(o, "addresses");
		for (size_t a = 0; a < g->n_addrs; a++)
			jo_string(o, NULL, mac_format(g->addrs[a], mac));
		jo_array_end(o);
		jo_array_begin(o, "members");
		for (size_t s = 0; s < bs->n_subs; s++)
			if (group_bit(bs->subs[s]->groups, g->id))
				jo_string(o, NULL, bs->subs[s]->rec.cn);
		jo_array_end(o);
		bs_group_json(bs, g->id, o);
		jo_object_end(o);
	}
	jo_array_end(o);
	control_result_end(o);
}

static void cmd_group_member(struct pkmd *d, const json_t *req,
			     struct json_out *o, bool add)
{
	struct bs *bs = d->role_state;
	const char *cn;
	int64_t group;
	char why[160];
	int err;

	if (!control_need_int(req, "group", 0, 255, &group, o) ||
	    !(cn = control_need_string(req, "cn", o)))
		return;
	err = add ? bs_group_member_add(bs, (uint8_t)group, cn, why, sizeof(why))
		  : bs_group_member_del(bs, (uint8_t)group, cn, why, sizeof(why));
	if (err) {
		control_error(o, err, why);
		return;
	}
	control_result_begin(o);
	control_result_end(o);
}

static void cmd_group_member_add(struct pkmd *d, const json_t *req, struct json_out *o)
{
	cmd_group_member(d, req, o, true);
}

static void cmd_group_member_del(struct pkmd *d, const json_t *req, struct json_out *o)
{
	cmd_group_member(d, req, o, false);
}

void bs_control_status(struct pkmd *d, struct json_out *o)
{
	struct bs *bs = d->role_state;
	size_t stations = 0, authorized = 0, sas = 0;


	for (unsigned int i = 1; i <= STATION_MAX; i++) {
		if (!bs->stations[i])
			continue;
		stations++;
		if (bs->stations[i]->ak[STORE_AK_ACTIVE].valid ||
		    bs->stations[i]->ak[STORE_AK_PENDING].valid)
			authorized++;
	}
	for (size_t s = 0; s < 65536; s++)
		sas += bs->sas[s] != NULL;
	jo_string(o, "provider", d->cfg->provider);
	jo_int(o, "subscribers", (int64_t)bs->n_subs);
	jo_int(o, "stations", (int64_t)stations);
	jo_int(o, "authorized", (int64_t)authorized);
	jo_int(o, "sas", (int64_t)sas);
	jo_int(o, "basic_cid_max", d->cfg->basic_cid_max);
	if (d->cfg->zone[0]) {
		jo_string(o, "zone", d->cfg->zone);
		jo_string(o, "bs_id", d->cfg->bs_id);
	}
}

void bs_control_sa_list(struct pkmd *d, struct json_out *o)
{
	struct bs *bs = d->role_state;
	int64_t now = now_real_s();
	char mac[MAC_STR_LEN];

	for (size_t said = 0; said < 65536; said++) {
		const struct bs_sa *sa = bs->sas[said];

		if (!sa)
			continue;
		jo_object_begin(o, NULL);
		jo_int(o, "said", sa->rec.said);
		jo_int(o, "cid", sa->rec.said);
		jo_string(o, "service", service_name(sa->rec.service));
		if (sa->rec.has_group)
			jo_int(o, "group", sa->rec.group_id);
		if (sa->rec.has_owner) {
			const struct subscriber *sub =
				bs_subscriber_by_mac(bs, sa->rec.owner);

			jo_string(o, "owner", mac_format(sa->rec.owner, mac));
			if (sub)
				jo_string(o, "cn", sub->rec.cn);
		}
		jo_string(o, "suite", suite_name(sa->rec.suite));
		jo_array_begin(o, "teks");
		for (int i = 0; i < 2; i++) {
			jo_object_begin(o, NULL);
			jo_int(o, "eks", sa->rec.tek[i].eks);
			jo_string(o, "generation", i ? "newer" : "older");
			jo_int(o, "remaining", seconds_left(sa->rec.tek[i].expires, now));
			jo_int(o, "tx_pn_reserved", sa->rec.tek[i].tx_pn_reserved);
			jo_int(o, "rx_pn", sa->rec.tek[i].rx_pn);
			jo_object_end(o);
		}
		jo_array_end(o);
		jo_object_end(o);
	}
}

int bs_control_rekey(struct pkmd *d, uint16_t said, char *why, size_t why_len)
{
	struct bs_sa *sa = bs_sa_find(d->role_state, said);
	int err;

	if (!sa) {
		snprintf(why, why_len, "no SA 0x%04x", (unsigned int)said);
		return -ENOENT;
	}
	err = bs_sa_rekey(sa);
	if (err)
		snprintf(why, why_len, "rekey failed");
	return err;
}

const struct control_command bs_control_commands[] = {
	{ "subscriber-add", cmd_subscriber_add },
	{ "subscriber-list", cmd_subscriber_list },
	{ "subscriber-revoke", cmd_subscriber_revoke },
	{ "group-list", cmd_group_list },
	{ "group-member-add", cmd_group_member_add },
	{ "group-member-del", cmd_group_member_del },
	{ NULL, NULL },
};
