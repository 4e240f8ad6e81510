// SPDX-License-Identifier: GPL-2.0
/*
 * Key Request, Key Reply, Key Reject and TEK Invalid, the SS's side: the
 * TEK state machine of fsm.h, one per service, driven by the replies, its
 * timers and the kernel's events.  The BS's side is bs/bs_keys.c.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "ss.h"

#define RETX_BACKOFF_MAX	4	/* at most 16 times the wait timeout */
#define RETX_WAIT_MAX_MS	30000

static void send_key_request(struct ss_sa *sa, bool retransmission)
{
	struct ss *ss = sa->ss;
	struct pkm_msg m = { .code = PKM_KEY_REQUEST };
	struct pkm_key_request *r = &m.u.key_req;
	uint32_t wait_s = sa->state == TEK_OP_WAIT ? ss->timers.operational_wait
						   : ss->timers.rekey_wait;
	int64_t wait_ms;

	if (!ss->ak.valid)
		return;
	/* A retransmission keeps the identifier (and takes a new PN). */
	if (retransmission && sa->request_outstanding) {
		sa->retransmissions++;
	} else {
		sa->request_id = ss_next_id(ss);
		sa->retransmissions = 0;
	}
	m.id = sa->request_id;
	r->ak_seq = ss->ak.seq;
	/* An SA with no SA-Descriptor yet asks for SAID 0 (ss.h). */
	r->said = sa->desc.has_service ? sa->said : 0;
	sa->request_said = r->said;
	r->service = sa->service;
	r->has_group = sa->has_group;
	r->group_id = sa->group_id;
	if (ss_send(ss, &m) == 0)
		log_info("%s: Key Request (%s)%s", ss_sa_label(sa),
			 service_name(sa->service),
			 sa->retransmissions ? ", retransmitted" : "");
	sa->request_outstanding = true;
	wait_ms = (int64_t)wait_s * 1000
		  << (sa->retransmissions < RETX_BACKOFF_MAX ?
		      sa->retransmissions : RETX_BACKOFF_MAX);
	if (wait_ms > RETX_WAIT_MAX_MS)
		wait_ms = RETX_WAIT_MAX_MS;
	timer_start(&sa->retx_timer, wait_ms);
}

/* Refresh a TEK Grace Time before the newer TEK expires, not too early. */
static void start_refresh(struct ss_sa *sa)
{
	int64_t left = sa->tek[1].expires_ms - now_mono_ms();
	int64_t delay = left - (int64_t)sa->ss->timers.tek_grace * 1000;

	if (delay < left / 2)
		delay = left / 2;
	if (delay < 1000)
		delay = 1000;
	timer_start(&sa->refresh_timer, delay);
	log_debug("%s: refresh in %lld s", ss_sa_label(sa),
		  (long long)delay / 1000);
}

static void log_reject(const struct ss_sa *sa)
{
	log_warn("%s: Key Reject (%u %s): SA stopped, not asking again",
		 ss_sa_label(sa), sa->last_error,
		 pkm_error_code_name(sa->last_error));
}

void ss_tek_event(struct ss_sa *sa, enum tek_event ev,
		  struct ss_key_material *km)
{
	const struct fsm_transition *t = tek_fsm_step(sa->state, ev);
	enum tek_state prev = sa->state;
	unsigned int acts;

	if (!t) {
		log_debug("%s: %s ignored in state %s", ss_sa_label(sa),
			  tek_event_name(ev), tek_state_name(prev));
		return;
	}
	sa->state = (enum tek_state)t->next;
	acts = t->actions;
	if (prev != sa->state)
		log_info("%s: TEK state %s -> %s (%s)", ss_sa_label(sa),
			 tek_state_name(prev), tek_state_name(sa->state),
			 tek_event_name(ev));

	if (acts & TEK_ACT_STOP_RETX) {
		timer_stop(&sa->retx_timer);
		sa->request_outstanding = false;
	}
	if (acts & TEK_ACT_STOP_REFRESH)
		timer_stop(&sa->refresh_timer);
	if (acts & TEK_ACT_REMOVE)
		ss_sa_remove(sa);
	if (acts & TEK_ACT_INSTALL) {
		int err = km ? ss_sa_install(sa, km) : -EINVAL;

		if (!err) {
			start_refresh(sa);
		} else if (err == -ENOSPC) {
			/*
			 * As after tek-pn-exhausted, a refresh brings new keys;
			 * after Rekey Wait, for the BS hands out the same keys
			 * until its rollover.
			 */
			log_notice("%s: asking for new keys in %u s",
				   ss_sa_label(sa), sa->ss->timers.rekey_wait);
			timer_start(&sa->refresh_timer,
				    (int64_t)sa->ss->timers.rekey_wait * 1000);
		} else {
			/* Try again soon rather than run without keys. */
			log_err("%s: keys not installed; asking again",
				ss_sa_label(sa));
			timer_start(&sa->refresh_timer,
				    (int64_t)sa->ss->timers.rekey_wait * 1000);
		}
	}
	if (acts & TEK_ACT_SEND_REQUEST)
		send_key_request(sa, ev == TEK_EV_TIMEOUT);
	if (acts & TEK_ACT_LOG_REJECT)
		log_reject(sa);
}

/* The SA a Key Reply or Reject answers: the identifier pairs them. */
static struct ss_sa *answered_sa(struct ss *ss, const struct pkm_msg *m,
				 uint16_t said)
{
	for (size_t i = 0; i < ss->n_sas; i++) {
		struct ss_sa *sa = &ss->sas[i];

		if (!sa->request_outstanding || sa->request_id != m->id)
			continue;
		if (sa->request_said && sa->request_said != said) {
			log_warn("%s for SAID 0x%04x answers a request for SAID 0x%04x, dropped",
				 pkm_code_name(m->code), said, sa->request_said);
			return NULL;
		}
		return sa;
	}
	log_info("unsolicited %s (identifier %u, SAID 0x%04x) dropped",
		 pkm_code_name(m->code), m->id, said);
	return NULL;
}

static bool suite_wanted(const struct ss *ss, uint8_t data_enc)
{
	for (size_t i = 0; i < ss->cfg->n_suites; i++)
		if (ss->cfg->suites[i] == data_enc)
			return true;
	return false;
}

/*
 * An SA with no SA-Descriptor yet takes the one of the Key Reply to its
 * request for SAID 0, and with it the SAID, unless another of our SAs
 * holds that SAID already (the two would share one SA in the kernel).
 * false: the reply is dropped.
 */
static bool take_reply_desc(struct ss *ss, struct ss_sa *sa,
			    const struct pkm_key_reply *r)
{
	struct ss_sa *other = r->said ? ss_sa_find(ss, r->said) : NULL;

	if (!r->said) {
		log_warn("%s: Key Reply describes SAID 0, dropped",
			 ss_sa_label(sa));
		return false;
	}
	if (other && other != sa) {
		log_warn("%s: Key Reply describes SAID 0x%04x, which %s holds, dropped",
			 ss_sa_label(sa), r->said, ss_sa_label(other));
		return false;
	}
	log_info("%s: SAID 0x%04x described by the Key Reply",
		 ss_sa_label(sa), r->said);
	if (sa->said && sa->said != r->said) {
		log_notice("%s: the BS now names SAID 0x%04x",
			   ss_sa_label(sa), r->said);
		ss_sa_remove(sa);
	}
	sa->said = r->said;
	sa->desc = r->sa_desc;
	return true;
}

static void ss_key_reply(struct ss *ss, const struct ss_ak *ak,
			 struct pkm_msg *m)
{
	const struct pkm_key_reply *r = &m->u.key_rep;
	struct ss_key_material km = { .said = r->said };
	struct ss_sa *sa = answered_sa(ss, m, r->said);
	int64_t now = now_mono_ms();

	if (!sa)
		return;
	/*
	 * The TEKs are for the suite of the SA's SA-Descriptor: the Auth
	 * Reply's, or for an SA it left out, the one this reply carries.
	 */
	if (!sa->desc.has_service && r->has_sa_desc &&
	    ss_desc_names_sa(&r->sa_desc, sa) && !take_reply_desc(ss, sa, r))
		return;
	if (!sa->desc.has_service) {
		log_warn("%s: Key Reply for an SA with no SA-Descriptor yet (its suite is unknown), dropped",
			 ss_sa_label(sa));
		return;
	}
	/* A reply to SAID 0 after an Auth Reply named the SA otherwise. */
	if (r->said != sa->said) {
		log_warn("%s: Key Reply for SAID 0x%04x, dropped",
			 ss_sa_label(sa), r->said);
		return;
	}
	km.suite = sa->desc.suite.data_enc;
	if (!suite_wanted(ss, km.suite) ||
	    sa->desc.suite.tek_enc != PKM_TEK_ENC_AES_KW_128 ||
	    !r->tek[0].lifetime || !r->tek[1].lifetime) {
		log_warn("%s: Key Reply with an unusable suite (data encryption 0x%02x, TEK encryption %u, from the SA-Descriptor) or lifetime, dropped",
			 ss_sa_label(sa), km.suite, sa->desc.suite.tek_enc);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (pkm_key_reply_tek(m, (unsigned int)i, ak->keys.kek,
				      km.tek[i].key)) {
			log_warn("%s: Key Reply: TEK does not unwrap, dropped",
				 ss_sa_label(sa));
			OPENSSL_cleanse(&km, sizeof(km));
			return;
		}
		km.tek[i].valid = true;
		km.tek[i].eks = r->tek[i].eks;
		km.tek[i].expires_ms = now + (int64_t)r->tek[i].lifetime * 1000;
		km.lifetime[i] = r->tek[i].lifetime;
	}
	log_info("%s: Key Reply (SAID 0x%04x, EKS %u %u s, EKS %u %u s)",
		 ss_sa_label(sa), r->said, r->tek[0].eks, r->tek[0].lifetime,
		 r->tek[1].eks, r->tek[1].lifetime);
	ss_tek_event(sa, TEK_EV_KEY_REPLY, &km);
	OPENSSL_cleanse(&km, sizeof(km));
}

static void ss_key_reject(struct ss *ss, struct pkm_msg *m)
{
	const struct pkm_key_reject *r = &m->u.key_rej;
	struct ss_sa *sa = answered_sa(ss, m, r->said);

	if (!sa)
		return;
	sa->last_error = r->error;
	if (r->display[0])
		log_info("%s: Key Reject says: %s", ss_sa_label(sa), r->display);
	ss_tek_event(sa, TEK_EV_KEY_REJECT, NULL);
}

/*
 * The AK a message from the BS names: the current one, or the one it
 * replaced until that expires (a request sent just before the Auth Reply
 * is answered under the AK it used).
 */
static struct ss_ak *ss_ak_named(struct ss *ss, uint8_t seq)
{
	if (ss->ak.valid && ss->ak.seq == seq)
		return &ss->ak;
	if (ss->prev_ak.valid && ss->prev_ak.seq == seq &&
	    ss->prev_ak.expires_ms > now_mono_ms())
		return &ss->prev_ak;
	return NULL;
}

void ss_keys_rx(struct ss *ss, struct pkm_msg *m)
{
	struct pkm_verifier v = { 0 };
	uint8_t ak_seq = m->code == PKM_KEY_REPLY ? m->u.key_rep.ak_seq :
			 m->code == PKM_KEY_REJECT ? m->u.key_rej.ak_seq :
			 m->u.tek_inv.ak_seq;
	struct ss_ak *ak = ss_ak_named(ss, ak_seq);
	struct ss_sa *sa;
	int err;

	if (!ak) {
		log_info("%s under AK %u (neither our current AK nor the one before) dropped",
			 pkm_code_name(m->code), ak_seq);
		return;
	}
	v.cmac_key = ak->keys.cmac_down;
	v.replay = &ak->rx;
	err = pkm_msg_verify(m, &v);
	if (err) {
		log_warn("%s %s (PN %u), dropped", pkm_code_name(m->code),
			 err == PKM_E_REPLAY ? "replayed" : "digest does not verify",
			 m->pn);
		return;
	}
	switch (m->code) {
	case PKM_KEY_REPLY:
		ss_key_reply(ss, ak, m);
		break;
	case PKM_KEY_REJECT:
		ss_key_reject(ss, m);
		break;
	case PKM_TEK_INVALID:
		sa = ss_sa_find(ss, m->u.tek_inv.said);
		if (!sa)
			break;
		log_notice("%s: TEK Invalid (%s)", ss_sa_label(sa),
			   m->u.tek_inv.display);
		ss_tek_event(sa, TEK_EV_TEK_INVALID, NULL);
		break;
	}
}

void ss_kernel_tek_event(struct ss *ss, uint8_t cmd, uint16_t said,
			 uint8_t eks)
{
	struct ss_sa *sa = ss_sa_find(ss, said);

	if (!sa)
		return;
	switch (cmd) {
	case WMAN_CMD_TEK_SOFT_EXPIRED:
	case WMAN_CMD_TEK_PN_EXHAUSTED:
		/* Only the newer TEK's soft expiry is the refresh point. */
		if (cmd == WMAN_CMD_TEK_SOFT_EXPIRED &&
		    (!sa->tek[1].valid || sa->tek[1].eks != eks))
			break;
		log_info("%s: kernel: TEK EKS %u %s", ss_sa_label(sa), eks,
			 cmd == WMAN_CMD_TEK_SOFT_EXPIRED ? "soft-expired" :
			 "ran out of packet numbers");
		ss_tek_event(sa, TEK_EV_REFRESH_TIMEOUT, NULL);
		break;
	case WMAN_CMD_TEK_HARD_EXPIRED:
		if (sa->tek[1].valid && sa->tek[1].eks == eks) {
			log_warn("%s: kernel: newer TEK EKS %u expired", ss_sa_label(sa), eks);
			ss_tek_event(sa, TEK_EV_TEK_INVALID, NULL);
		} else {
			log_debug("%s: kernel: older TEK EKS %u expired", ss_sa_label(sa), eks);
		}
		break;
	case WMAN_CMD_UNKNOWN_EKS:
		log_info("%s: kernel: the BS uses EKS %u, which we lack",
			 ss_sa_label(sa), eks);
		ss_tek_event(sa, TEK_EV_TEK_INVALID, NULL);
		break;
	}
}

int ss_rekey(struct ss *ss, uint16_t said, char *why, size_t why_len)
{
	struct ss_sa *sa = ss_sa_find(ss, said);

	if (!sa) {
		snprintf(why, why_len, "no SA 0x%04x", said);
		return -ENOENT;
	}
	if (sa->state == TEK_OPERATIONAL) {
		ss_tek_event(sa, TEK_EV_REFRESH_TIMEOUT, NULL);
		return 0;
	}
	if (sa->state == TEK_START && ss->auth_state == AUTH_AUTHORIZED) {
		ss_tek_event(sa, TEK_EV_AUTHORIZED, NULL);
		return 0;
	}
	snprintf(why, why_len, "SA 0x%04x is busy (state %s)", said,
		 tek_state_name(sa->state));
	return -EBUSY;
}
