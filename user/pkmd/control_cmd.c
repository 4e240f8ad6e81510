// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's commands (Documentation/control-plane.rst,
 * "Control protocol"): one request line in, one response line out.  The
 * socket that carries them is control.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs/bs.h"
#include "bs/bs_group.h"
#include "control.h"
#include "json.h"
#include "log.h"
#include "ss/ss.h"
#include "ss/ss_group.h"

/* Responses */

static void respond_error(struct json_out *o, int err, const char *why)
{
	jo_object_begin(o, NULL);
	jo_bool(o, "ok", false);
	jo_string(o, "error", why);
	jo_string(o, "errno", err == -ENOENT ? "ENOENT" : err == -EEXIST ? "EEXIST" :
		  err == -EINVAL ? "EINVAL" : err == -EBUSY ? "EBUSY" :
		  err == -EALREADY ? "EALREADY" : err == -EOPNOTSUPP ? "EOPNOTSUPP" :
		  "EIO");
	jo_object_end(o);
}

static void result_begin(struct json_out *o)
{
	jo_object_begin(o, NULL);
	jo_bool(o, "ok", true);
}

static void result_end(struct json_out *o)
{
	jo_object_end(o);
}

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

/* Request helpers */

static const char *need_string(const json_t *req, const char *key,
			       struct json_out *o)
{
	const char *s = json_string_value(json_object_get(req, key));
	char why[96];

	if (!s) {
		snprintf(why, sizeof(why), "missing string member \"%s\"", key);
		respond_error(o, -EINVAL, why);
	}
	return s;
}

static bool need_int(const json_t *req, const char *key, int64_t min,
		     int64_t max, int64_t *out, struct json_out *o)
{
	const json_t *v = json_object_get(req, key);
	char why[96];

	if (json_is_integer(v))
		*out = (int64_t)json_integer_value(v);
	if (!json_is_integer(v) || *out < min || *out > max) {
		snprintf(why, sizeof(why), "member \"%s\" must be an integer from %lld to %lld",
			 key, (long long)min, (long long)max);
		respond_error(o, -EINVAL, why);
		return false;
	}
	return true;
}

static struct bs *need_bs(struct pkmd *d, struct json_out *o)
{
	if (!d->bs)
		respond_error(o, -EOPNOTSUPP, "only a BS daemon does that");
	return d->bs;
}

/* Commands */

static void cmd_status(struct pkmd *d, const json_t *req, struct json_out *o)
{
	int64_t now = now_real_s();
	char mac[MAC_STR_LEN];

	(void)req;
	result_begin(o);
	jo_object_begin(o, "result");
	jo_string(o, "role", role_name(d->cfg->role));
	jo_string(o, "interface", d->kernel.ifname);
	jo_string(o, "address", mac_format(d->kernel.addr, mac));
	jo_string(o, "bsid", mac_format(d->kernel.bsid, mac));
	jo_int(o, "pid", getpid());
	jo_int(o, "uptime", now - d->started);
	if (d->bs) {
		struct bs *bs = d->bs;
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
	} else if (d->ss) {
		struct ss *ss = d->ss;

		jo_bool(o, "entered", ss->entered);
		jo_bool(o, "deregistered", ss->deregistered);
		if (ss->entered) {
			jo_int(o, "basic_cid", ss->basic_cid);
			jo_int(o, "primary_cid", ss->primary_cid);
		}
		jo_string(o, "auth_state", auth_state_name(ss->auth_state));
		if (ss->ak.valid) {
			jo_int(o, "ak_seq", ss->ak.seq);
			jo_int(o, "ak_remaining",
			       (ss->ak.expires_ms - now_mono_ms()) / 1000);
			jo_string(o, "bs", ss->bs_cn);
		}
	}
	jo_object_end(o);
	result_end(o);
}

static void cmd_subscriber_add(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = need_bs(d, o);
	struct store_subscriber s = { 0 };
	const json_t *services, *v;
	size_t i;
	const char *cn, *mac, *provider;
	char why[160];
	int err;

	if (!bs || !(cn = need_string(req, "cn", o)) ||
	    !(mac = need_string(req, "mac", o)) ||
	    !(provider = need_string(req, "provider", o)))
		return;
	if (!str_copy(s.cn, sizeof(s.cn), cn) ||
	    !str_copy(s.provider, sizeof(s.provider), provider)) {
		respond_error(o, -EINVAL, "cn or provider too long");
		return;
	}
	if (mac_parse(mac, s.mac)) {
		respond_error(o, -EINVAL, "mac is not a MAC address");
		return;
	}
	services = json_object_get(req, "services");
	if (!services) {
		s.services = SERVICE_BIT(WMAN_SERVICE_UNICAST);
	} else if (!json_is_array(services)) {
		respond_error(o, -EINVAL, "services must be an array of strings");
		return;
	}
	json_array_foreach(services, i, v) {
		const char *name = json_string_value(v);
		uint8_t svc;

		for (svc = 0; svc < 3; svc++)
			if (name && !strcmp(name, service_name(svc)))
				break;
		if (svc == 3) {
			respond_error(o, -EINVAL, "services: each one of unicast, multicast, broadcast");
			return;
		}
		s.services |= SERVICE_BIT(svc);
	}
	err = bs_subscriber_add(bs, &s, why, sizeof(why));
	if (err) {
		respond_error(o, err, why);
		return;
	}
	result_begin(o);
	result_end(o);
}

static void cmd_subscriber_list(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = need_bs(d, o);
	int64_t now = now_real_s();
	char mac[MAC_STR_LEN];

	(void)req;
	if (!bs)
		return;
	result_begin(o);
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
	result_end(o);
}

static void cmd_subscriber_revoke(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = need_bs(d, o);
	const char *cn;
	char why[160];
	int err;

	if (!bs || !(cn = need_string(req, "cn", o)))
		return;
	err = bs_subscriber_revoke(bs, cn, why, sizeof(why));
	if (err) {
		respond_error(o, err, why);
		return;
	}
	result_begin(o);
	result_end(o);
}

static void cmd_group_list(struct pkmd *d, const json_t *req, struct json_out *o)
{
	struct bs *bs = need_bs(d, o);
	char mac[MAC_STR_LEN];

	(void)req;
	if (!bs)
		return;
	result_begin(o);
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
	result_end(o);
}

static void cmd_group_member(struct pkmd *d, const json_t *req,
			     struct json_out *o, bool add)
{
	struct bs *bs = need_bs(d, o);
	const char *cn;
	int64_t group;
	char why[160];
	int err;

	if (!bs || !need_int(req, "group", 0, 255, &group, o) ||
	    !(cn = need_string(req, "cn", o)))
		return;
	err = add ? bs_group_member_add(bs, (uint8_t)group, cn, why, sizeof(why))
		  : bs_group_member_del(bs, (uint8_t)group, cn, why, sizeof(why));
	if (err) {
		respond_error(o, err, why);
		return;
	}
	result_begin(o);
	result_end(o);
}

static void cmd_group_member_add(struct pkmd *d, const json_t *req, struct json_out *o)
{
	cmd_group_member(d, req, o, true);
}

static void cmd_group_member_del(struct pkmd *d, const json_t *req, struct json_out *o)
{
	cmd_group_member(d, req, o, false);
}

static void bs_sa_list(struct bs *bs, struct json_out *o)
{
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

static void ss_sa_list(struct ss *ss, struct json_out *o)
{
	int64_t now = now_mono_ms();

	for (size_t i = 0; i < ss->n_sas; i++) {
		const struct ss_sa *sa = &ss->sas[i];

		jo_object_begin(o, NULL);
		jo_int(o, "said", sa->said);
		jo_string(o, "service", service_name(sa->service));
		if (sa->service > WMAN_SERVICE_BROADCAST)
			jo_int(o, "service_type", sa->service);
		if (sa->has_group)
			jo_int(o, "group", sa->group_id);
		if (sa->in_kernel)
			jo_string(o, "suite", suite_name(sa->suite));
		jo_string(o, "state", tek_state_name(sa->state));
		if (sa->state == TEK_START && sa->last_error)
			jo_int(o, "key_reject", sa->last_error);
		ss_group_json(ss, sa, o);
		jo_array_begin(o, "teks");
		for (int t = 0; sa->in_kernel && t < 2; t++) {
			if (!sa->tek[t].valid)
				continue;
			jo_object_begin(o, NULL);
			jo_int(o, "eks", sa->tek[t].eks);
			jo_string(o, "generation", t ? "newer" : "older");
			jo_int(o, "remaining", sa->tek[t].expires_ms > now ?
			       (sa->tek[t].expires_ms - now) / 1000 : 0);
			jo_object_end(o);
		}
		jo_array_end(o);
		jo_object_end(o);
	}
}

static void cmd_sa_list(struct pkmd *d, const json_t *req, struct json_out *o)
{
	(void)req;
	result_begin(o);
	jo_array_begin(o, "result");
	if (d->bs)
		bs_sa_list(d->bs, o);
	else
		ss_sa_list(d->ss, o);
	jo_array_end(o);
	result_end(o);
}

static void cmd_rekey(struct pkmd *d, const json_t *req, struct json_out *o)
{
	char why[160] = "";
	int64_t said;
	int err;

	if (!need_int(req, "said", 0, 0xffff, &said, o))
		return;
	if (d->bs) {
		struct bs_sa *sa = bs_sa_find(d->bs, (uint16_t)said);

		if (!sa) {
			snprintf(why, sizeof(why), "no SA 0x%04x", (unsigned int)said);
			err = -ENOENT;
		} else {
			err = bs_sa_rekey(sa);
			if (err)
				snprintf(why, sizeof(why), "rekey failed");
		}
	} else {
		err = ss_rekey(d->ss, (uint16_t)said, why, sizeof(why));
	}
	if (err) {
		respond_error(o, err, why);
		return;
	}
	result_begin(o);
	result_end(o);
}

/* SS only: DREG-REQ to the BS; the DREG-CMD that answers stops the SS. */
static void cmd_deregister(struct pkmd *d, const json_t *req, struct json_out *o)
{
	char why[160] = "";
	int err;

	(void)req;
	if (!d->ss) {
		respond_error(o, -EOPNOTSUPP, "deregister is a command of an SS");
		return;
	}
	err = ss_deregister(d->ss, why, sizeof(why));
	if (err) {
		respond_error(o, err, why);
		return;
	}
	result_begin(o);
	result_end(o);
}

static const struct {
	const char *name;
	void (*run)(struct pkmd *d, const json_t *req, struct json_out *o);
} commands[] = {
	{ "status", cmd_status },
	{ "subscriber-add", cmd_subscriber_add },
	{ "subscriber-list", cmd_subscriber_list },
	{ "subscriber-revoke", cmd_subscriber_revoke },
	{ "group-list", cmd_group_list },
	{ "group-member-add", cmd_group_member_add },
	{ "group-member-del", cmd_group_member_del },
	{ "sa-list", cmd_sa_list },
	{ "rekey", cmd_rekey },
	{ "deregister", cmd_deregister },
};

void control_request(struct pkmd *d, const char *line, size_t len,
		     struct json_out *out)
{
	json_error_t jerr;
	const char *name = NULL;
	size_t before = out->len;
	json_t *req;

	/*
	 * Jansson checks the whole line: UTF-8, no NUL, no member twice,
	 * nothing after the value.  Numbers it cannot hold are errors.
	 */
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		char why[200];

		snprintf(why, sizeof(why), "malformed request: %s", jerr.text);
		respond_error(out, -EINVAL, why);
	} else if (!json_is_object(req) ||
		   !(name = json_string_value(json_object_get(req, "command")))) {
		respond_error(out, -EINVAL, "a request is an object with a \"command\"");
	} else {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strcmp(commands[i].name, name) == 0)
				break;
		if (i == ARRAY_SIZE(commands)) {
			respond_error(out, -EINVAL, "unknown command");
		} else {
			commands[i].run(d, req, out);
			log_debug("control: %s", commands[i].name);
		}
	}
	json_decref(req);
	if (out->len == before && !out->failed)	/* a command that said nothing */
		respond_error(out, -EIO, "no response");
	jo_end_line(out);
}
