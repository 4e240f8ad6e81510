// SPDX-License-Identifier: GPL-2.0
/*
 * Subscriber station: startup, dispatch of received management messages,
 * sealing and sending PKM requests, and the kernel side of its SAs.
 *
 * After a restart of the daemon the kernel may still hold the SAs of the
 * previous run, and traffic goes on with them while the SS re-enters and
 * re-authorizes.  The keys of the Key Reply are installed with REPLACE
 * where the kernel has a slot of that EKS.  When the slot holds the same
 * key (the BS hands out the same TEKs again), the kernel keeps that TEK's
 * transmit counter and replay window, taken atomically: uplink frames
 * sent while the daemon was away, or between our request and its answer,
 * are never sent again under the same PN.  A key whose uplink PNs are
 * used up is refused by the kernel and stays out; the SA then asks for
 * new keys.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "rng.h"
#include "ss.h"
#include "ss_group.h"
#include "ss_role.h"

uint8_t ss_next_id(struct ss *ss)
{
	return ++ss->next_pkm_id;
}

int ss_send(struct ss *ss, struct pkm_msg *m)
{
	struct pkm_seal seal = { 0 };
	uint8_t buf[PKM_MSG_MAX];
	size_t len;
	int err;

	if (m->code == PKM_AUTH_REQUEST) {
		seal.sign_key = ss->key;
	} else {
		if (!ss->ak.valid || ss->ak.tx_pn == UINT32_MAX)
			return -EINVAL;
		seal.cmac_key = ss->ak.keys.cmac_up;
		seal.pn = ss->ak.tx_pn++;
	}
	err = pkm_msg_build(m, &seal, buf, sizeof(buf), &len);
	if (err) {
		log_err("cannot build %s: %s", pkm_code_name(m->code),
			pkm_strerror(err));
		return -EINVAL;
	}
	err = kernel_mgmt_tx(ss->kernel, ss->primary_cid, NULL, buf, len);
	if (err)
		log_warn("cannot send %s: %s", pkm_code_name(m->code),
			 kernel_error(ss->kernel, err));
	return err;
}

static uint8_t conn_kind(uint8_t service)
{
	return service == WMAN_SERVICE_UNICAST ? WMAN_CONN_UNICAST :
	       service == WMAN_SERVICE_MULTICAST ? WMAN_CONN_MULTICAST :
	       WMAN_CONN_BROADCAST;
}

struct conn_scan {
	uint16_t cid;
	uint8_t kind;
	bool found_right;
	size_t n_wrong;
	uint16_t wrong[8];
};

/* Connections in the way: ours with the wrong SA, or another uplink. */
static void scan_conn(void *arg, const struct kernel_conn_info *c)
{
	struct conn_scan *s = arg;
	bool ours = c->cid == s->cid;

	if (ours && c->kind == s->kind && c->has_said && c->said == s->cid) {
		s->found_right = true;
		return;
	}
	if ((ours || (s->kind == WMAN_CONN_UNICAST &&
		      c->kind == WMAN_CONN_UNICAST) ||
	     (s->kind == WMAN_CONN_BROADCAST && c->kind == WMAN_CONN_BROADCAST)) &&
	    s->n_wrong < ARRAY_SIZE(s->wrong))
		s->wrong[s->n_wrong++] = c->cid;
}

static int ensure_conn(struct ss *ss, uint16_t said, uint8_t service)
{
	struct conn_scan s = { .cid = said, .kind = conn_kind(service) };
	int err;

	err = kernel_conn_dump(ss->kernel, scan_conn, &s);
	if (err)
		return err;
	if (s.found_right)
		return 0;
	for (size_t i = 0; i < s.n_wrong; i++) {
		log_info("connection 0x%04x of an earlier run deleted", s.wrong[i]);
		kernel_conn_del(ss->kernel, s.wrong[i]);
	}
	return kernel_conn_add(ss->kernel, said, s.kind, said, NULL);
}

static bool same_tek(const struct ss_tek *a, const struct ss_tek *b)
{
	return a->valid && b->valid && a->eks == b->eks &&
	       CRYPTO_memcmp(a->key, b->key, PKM_KEY_LEN) == 0;
}

int ss_sa_install(struct ss_sa *sa, struct ss_key_material *km)
{
	struct ss *ss = sa->ss;
	struct kernel *k = ss->kernel;
	struct kernel_sa_info info;
	bool used_up = false;
	int err;

	err = kernel_sa_get(k, km->said, &info);
	if (!err && (info.suite != km->suite || info.service != sa->service)) {
		kernel_conn_del(k, km->said);
		kernel_sa_del(k, km->said);
		err = -ENOENT;
	}
	if (err == -ENOENT) {
		memset(&info, 0, sizeof(info));
		err = kernel_sa_add(k, km->said, km->suite, sa->service);
	}
	if (err)
		goto fail;

	/* Slots the BS no longer uses go first: the SA holds two at most. */
	for (size_t i = 0; i < info.n_teks; i++) {
		uint8_t eks = info.teks[i].eks;

		if (eks != km->tek[0].eks && eks != km->tek[1].eks)
			kernel_tek_del(k, km->said, eks);
	}
	/* Older first: an SS sends with the one installed last. */
	for (int i = 0; i < 2; i++) {
		struct ss_tek *t = &km->tek[i];
		uint32_t soft = 0;
		bool present = false;

		if (same_tek(t, &sa->tek[0]) || same_tek(t, &sa->tek[1]))
			continue;
		for (size_t j = 0; j < info.n_teks; j++)
			if (info.teks[j].eks == t->eks)
				present = true;
		/* The kernel tells us, too, when the newer one needs a refresh. */
		if (i == 1 && km->lifetime[1] > ss->timers.tek_grace)
			soft = km->lifetime[1] - ss->timers.tek_grace;
		/* No PN given: the kernel's own counter is the only safe one. */
		err = kernel_tek_add(k, km->said, t->eks, t->key, km->lifetime[i],
				     soft, NULL, present);
		if (err == -ENOSPC) {
			log_warn("%s: TEK EKS %u has no uplink PNs left in the kernel (%s); not installed again, new keys wanted",
				 ss_sa_label(sa), t->eks, kernel_error(k, err));
			used_up = true;
			continue;
		}
		if (err)
			goto fail;
	}
	err = ensure_conn(ss, km->said, sa->service);
	if (err)
		goto fail;

	ss_sa_wipe_keys(sa);
	memcpy(sa->tek, km->tek, sizeof(sa->tek));
	sa->said = km->said;
	sa->suite = km->suite;
	sa->in_kernel = true;
	log_info("%s: TEKs EKS %u and %u installed (%s)", ss_sa_label(sa),
		 km->tek[0].eks, km->tek[1].eks, suite_name(km->suite));
	ss_group_sa_ready(ss, sa->said);
	return used_up ? -ENOSPC : 0;
fail:
	log_err("%s: kernel refused the keys: %s", ss_sa_label(sa),
		kernel_error(k, err));
	return err;
}

void ss_sa_remove(struct ss_sa *sa)
{
	struct kernel *k = sa->ss->kernel;
	bool removed = false;

	if (sa->said) {
		removed = kernel_conn_del(k, sa->said) == 0;
		removed |= kernel_sa_del(k, sa->said) == 0;
	}
	if (removed)
		log_info("%s: removed from the kernel", ss_sa_label(sa));
	ss_sa_wipe_keys(sa);
	sa->in_kernel = false;
	ss_group_sa_gone(sa->ss, sa);
}

static void ss_mgmt_rx(void *arg, uint16_t cid, const uint8_t src[MAC_LEN],
		       const uint8_t *payload, size_t len)
{
	struct ss *ss = arg;
	struct pkm_msg m;
	int err;

	if (ss->deregistered)
		return;
	if (cid == WMAN_CID_INITIAL_RANGING) {
		ss_entry_rx(ss, src, payload, len);
		return;
	}
	if (!ss->entered)
		return;
	if (cid == WMAN_CID_BROADCAST) {
		ss_group_rx_broadcast(ss, src, payload, len);
		return;
	}
	if (cid != ss->primary_cid) {
		log_debug("message on CID 0x%04x from %s ignored", cid,
			  mac_str(src));
		return;
	}
	if (memcmp(src, ss->bsid, MAC_LEN) != 0) {
		log_warn("message on the primary CID from %s, not our BS; dropped",
			 mac_str(src));
		return;
	}
	if (payload[0] == PKM_MGMT_DREG_CMD) {
		ss_dreg_cmd(ss, payload, len);
		return;
	}
	if (payload[0] != PKM_MGMT_RSP)
		return;
	err = pkm_msg_parse(payload, len, &m);
	if (err == PKM_E_MISSING && len > 1 && payload[1] == PKM_AUTH_INVALID) {
		log_warn("Auth Invalid without our MAC address or SS-Random refused: a signed one must name both (a BS of an older version, or a replay)");
		return;
	}
	if (err) {
		log_warn("malformed PKM-RSP dropped: %s%s%s", pkm_strerror(err),
			 *old_encoding_hint(err, m.old_encoding) ? ": " : "",
			 old_encoding_hint(err, m.old_encoding));
		return;
	}
	switch (m.code) {
	case PKM_AUTH_REPLY:
	case PKM_AUTH_REJECT:
	case PKM_AUTH_INVALID:
		ss_auth_rx(ss, &m);
		break;
	case PKM_KEY_REPLY:
	case PKM_KEY_REJECT:
	case PKM_TEK_INVALID:
		ss_keys_rx(ss, &m);
		break;
	case PKM_GROUP_KEY_UPDATE:
		ss_group_rx_unicast(ss, &m);
		break;
	default:
		log_info("%s not handled here, dropped", pkm_code_name(m.code));
		break;
	}
}

static void ss_tek_event_cb(void *arg, uint8_t cmd, uint16_t said,
			    uint8_t eks, int cid)
{
	struct ss *ss = arg;

	(void)cid;
	if (!ss->deregistered)
		ss_kernel_tek_event(ss, cmd, said, eks);
}

/* Startup */

static void retx_fired(struct timer *t)
{
	struct ss_sa *sa = container_of(t, struct ss_sa, retx_timer);

	ss_tek_event(sa, TEK_EV_TIMEOUT, NULL);
}

static void refresh_fired(struct timer *t)
{
	struct ss_sa *sa = container_of(t, struct ss_sa, refresh_timer);

	/* An install that failed is retried through a fresh request. */
	ss_tek_event(sa, sa->state == TEK_OPERATIONAL && !sa->in_kernel ?
		     TEK_EV_TEK_INVALID : TEK_EV_REFRESH_TIMEOUT, NULL);
}

static void sa_add(struct ss *ss, uint8_t service, bool has_group,
		   uint8_t group_id)
{
	struct ss_sa *sa = &ss->sas[ss->n_sas++];

	sa->ss = ss;
	sa->state = TEK_START;
	sa->service = service;
	sa->has_group = has_group;
	sa->group_id = group_id;
	timer_init(&sa->retx_timer, "key-request-retransmission", retx_fired);
	timer_init(&sa->refresh_timer, "tek-refresh", refresh_fired);
}

static int load_identity(struct ss *ss)
{
	const struct config *cfg = ss->cfg;
	struct pkm_cert_id id = { 0 };
	const char *why;

	/* The CA that issues BS certificates, which may not be our own. */
	if (trust_open(&ss->trust, cfg->ca_certificate, cfg->crl))
		return -EINVAL;
	ss->key = pkm_key_load_file(cfg->private_key);
	if (!ss->key) {
		log_err("%s: cannot read the private key", cfg->private_key);
		return -EINVAL;
	}
	if (pkm_cert_load_der(cfg->certificate, &ss->cert_der, &ss->cert_len)) {
		log_err("%s: cannot read the certificate", cfg->certificate);
		return -EINVAL;
	}
	if (ss->cert_len > PKM_CERT_MAX) {
		log_err("%s: certificate of %zu bytes, at most %d fit a message",
			cfg->certificate, ss->cert_len, PKM_CERT_MAX);
		return -EINVAL;
	}
	/*
	 * The key must match, be one the BS can encrypt an AK to, and the
	 * certificate carry the SS role, or every BS refuses it.  Our own
	 * CA check is advice only: SSs and BSs may have separate CAs.
	 */
	if (EVP_PKEY_get_base_id(ss->key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(ss->key) < PKM_RSA_MIN_BITS) {
		log_err("%s: an SS key must be RSA of at least %d bits",
			cfg->private_key, PKM_RSA_MIN_BITS);
		return -EINVAL;
	}
	if (!pkm_cert_matches_key(ss->cert_der, ss->cert_len, ss->key)) {
		log_err("%s does not match the certificate %s", cfg->private_key,
			cfg->certificate);
		return -EINVAL;
	}
	if (pkm_cert_check_role(ss->cert_der, ss->cert_len, PKM_ROLE_SS, &why)) {
		log_err("%s: not an SS certificate: %s", cfg->certificate, why);
		return -EINVAL;
	}
	if (pkm_cert_verify(trust_store(&ss->trust), ss->cert_der,
			    ss->cert_len, 0, PKM_ROLE_SS, &id) == 0) {
		log_info("SS identity %s", id.cn);
		pkm_cert_id_free(&id);
	} else {
		log_info("%s does not verify against %s (%s): fine if the BSs' CA is not ours",
			 cfg->certificate, cfg->ca_certificate, id.why);
	}
	if (cfg->bs_name[0])
		log_info("accepting only a BS named %s", cfg->bs_name);
	if (cfg->has_bs_key_id) {
		char hex[PKM_KEY_ID_HEX_LEN];

		pkm_key_id_hex(cfg->bs_key_id, hex);
		log_info("accepting only a BS key of SHA-256 %s", hex);
	}
	return 0;
}

/*
 * Management connections of an earlier run (the BS hands out new ones),
 * and a transport connection on the broadcast management CID, where the
 * broadcast service used to be.
 */
static void scan_stale_mgmt(void *arg, const struct kernel_conn_info *c)
{
	struct conn_scan *s = arg;

	if (((c->kind == WMAN_CONN_MGMT &&
	      c->cid != WMAN_CID_INITIAL_RANGING) ||
	     c->cid == WMAN_CID_BROADCAST) &&
	    s->n_wrong < ARRAY_SIZE(s->wrong))
		s->wrong[s->n_wrong++] = c->cid;
}

static int ss_start(struct pkmd *d)
{
	const struct config *cfg = d->cfg;
	struct conn_scan stale = { 0 };
	struct ss *ss = calloc(1, sizeof(*ss));
	int err;

	if (!ss)
		return PKMD_EXIT_SETUP;
	d->role_state = ss;
	ss->d = d;
	ss->cfg = cfg;
	ss->kernel = &d->kernel;
	memcpy(ss->mac, d->kernel.addr, MAC_LEN);
	memcpy(ss->bsid, d->kernel.bsid, MAC_LEN);
	d->kernel.handlers = (struct kernel_handlers){
		.mgmt_rx = ss_mgmt_rx, .tek_event = ss_tek_event_cb, .arg = ss,
	};
	if (d->kernel.role != WMAN_ROLE_SS) {
		log_err("%s is a BS device; this configuration is for an SS",
			d->kernel.ifname);
		return PKMD_EXIT_SETUP;
	}
	if (load_identity(ss))
		return PKMD_EXIT_SETUP;

	/* One TEK state machine per service asked for. */
	ss->sas = calloc(3 + cfg->n_ss_groups, sizeof(*ss->sas));
	if (!ss->sas)
		return PKMD_EXIT_SETUP;
	if (cfg->services & SERVICE_BIT(WMAN_SERVICE_UNICAST))
		sa_add(ss, WMAN_SERVICE_UNICAST, false, 0);
	for (size_t i = 0; i < cfg->n_ss_groups; i++)
		sa_add(ss, WMAN_SERVICE_MULTICAST, true, cfg->ss_groups[i]);
	if (cfg->services & SERVICE_BIT(WMAN_SERVICE_BROADCAST))
		sa_add(ss, WMAN_SERVICE_BROADCAST, false, 0);
	if (cfg->request_service_type >= 0)
		sa_add(ss, (uint8_t)cfg->request_service_type, false, 0);

	if (kernel_conn_dump(ss->kernel, scan_stale_mgmt, &stale) == 0)
		for (size_t i = 0; i < stale.n_wrong; i++)
			kernel_conn_del(ss->kernel, stale.wrong[i]);
	err = kernel_conn_add(ss->kernel, WMAN_CID_INITIAL_RANGING,
			      WMAN_CONN_MGMT, -1, NULL);
	if (err && err != -EEXIST) {
		log_err("cannot create the initial ranging connection: %s",
			kernel_error(ss->kernel, err));
		return PKMD_EXIT_SETUP;
	}
	ss_auth_init(ss);
	log_notice("SS %s on %s, BS %s: %zu service%s to ask for",
		   mac_str(ss->mac), d->kernel.ifname, mac_str(ss->bsid),
		   ss->n_sas, ss->n_sas == 1 ? "" : "s");
	ss_entry_start(ss);
	return 0;
}

static void ss_stop(struct pkmd *d)
{
	struct ss *ss = d->role_state;

	if (!ss)
		return;
	/* The kernel keeps its keys: a restarted daemon carries on. */
	ss_group_stop(ss);
	for (size_t i = 0; i < ss->n_sas; i++) {
		timer_stop(&ss->sas[i].retx_timer);
		timer_stop(&ss->sas[i].refresh_timer);
		ss_sa_wipe_keys(&ss->sas[i]);
	}
	timer_stop(&ss->ranging_timer);
	timer_stop(&ss->auth_timer);
	timer_stop(&ss->auth_grace_timer);
	free(ss->sas);
	OPENSSL_cleanse(&ss->ak, sizeof(ss->ak));
	OPENSSL_cleanse(&ss->prev_ak, sizeof(ss->prev_ak));
	trust_close(&ss->trust);
	EVP_PKEY_free(ss->key);
	ss_bs_unpin(ss);
	free(ss->cert_der);
	free(ss);
	d->role_state = NULL;
}

const struct role_ops ss_role = {
	.start = ss_start,
	.stop = ss_stop,
	.status = ss_control_status,
	.sa_list = ss_control_sa_list,
	.rekey = ss_control_rekey,
	.commands = ss_control_commands,
};
