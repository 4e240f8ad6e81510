// SPDX-License-Identifier: GPL-2.0
/*
 * wman_kfuzz: generic netlink requests.  First a well-formed request for
 * an operation, its values drawn near the configured objects and the
 * policy's bounds; then, most of the time, mutations of its tree (types,
 * lengths, nesting, values, missing and repeated attributes) and of its
 * bytes (header fields, truncation, random tails).
 */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wman.h>

#include "kfuzz.h"

enum kind { K_U8, K_U16, K_U32, K_FLAG, K_STR, K_BIN, K_NEST };

enum hint {
	H_NONE, H_CID, H_SAID, H_EKS, H_SUITE, H_SERVICE, H_KIND, H_MAC,
	H_KEY, H_PN, H_PN_LIMIT, H_LIFETIME, H_GROUP, H_PAYLOAD, H_ADDRS,
};

struct aspec {
	uint16_t type;
	enum kind kind;
	enum hint hint;
	uint16_t len;		/* binary: the expected length */
};

static const struct aspec conn_attrs[] = {
	{ WMAN_CONN_A_CID, K_U16, H_CID, 0 },
	{ WMAN_CONN_A_KIND, K_U8, H_KIND, 0 },
	{ WMAN_CONN_A_SAID, K_U16, H_SAID, 0 },
	{ WMAN_CONN_A_PEER, K_BIN, H_MAC, 6 },
};

static const struct aspec sa_attrs[] = {
	{ WMAN_SA_A_SAID, K_U16, H_SAID, 0 },
	{ WMAN_SA_A_SUITE, K_U8, H_SUITE, 0 },
	{ WMAN_SA_A_SERVICE, K_U8, H_SERVICE, 0 },
	{ WMAN_SA_A_TEKS, K_NEST, H_NONE, 0 },		/* read-only */
	{ WMAN_SA_A_STATS, K_NEST, H_NONE, 0 },		/* read-only */
};

static const struct aspec tek_attrs[] = {
	{ WMAN_TEK_A_SAID, K_U16, H_SAID, 0 },
	{ WMAN_TEK_A_EKS, K_U8, H_EKS, 0 },
	{ WMAN_TEK_A_KEY, K_BIN, H_KEY, WMAN_KEY_LEN },
	{ WMAN_TEK_A_LIFETIME, K_U32, H_LIFETIME, 0 },
	{ WMAN_TEK_A_SOFT_LIFETIME, K_U32, H_LIFETIME, 0 },
	{ WMAN_TEK_A_TX_PN, K_U32, H_PN, 0 },
	{ WMAN_TEK_A_REPLACE, K_FLAG, H_NONE, 0 },
	{ WMAN_TEK_A_TX_PN_LIMIT, K_U32, H_PN_LIMIT, 0 },
	{ WMAN_TEK_A_RX_PN, K_U32, H_PN, 0 },
	{ WMAN_TEK_A_REMAINING, K_U32, H_LIFETIME, 0 },	/* read-only */
	{ WMAN_TEK_A_STATE, K_U32, H_NONE, 0 },		/* read-only */
	{ WMAN_TEK_A_CID, K_U16, H_CID, 0 },		/* events only */
};

static const struct aspec group_attrs[] = {
	{ WMAN_GROUP_A_ID, K_U8, H_GROUP, 0 },
	{ WMAN_GROUP_A_CID, K_U16, H_CID, 0 },
	{ WMAN_GROUP_A_ADDRS, K_NEST, H_ADDRS, 0 },
	{ WMAN_GROUP_A_ADDR, K_BIN, H_MAC, 6 },
};

static const struct aspec mgmt_attrs[] = {
	{ WMAN_MGMT_A_CID, K_U16, H_CID, 0 },
	{ WMAN_MGMT_A_PAYLOAD, K_BIN, H_PAYLOAD, 0 },
	{ WMAN_MGMT_A_ADDR, K_BIN, H_MAC, 6 },
};

struct aset {
	uint16_t nest;
	const struct aspec *attrs;
	unsigned int n;
	unsigned int n_required;	/* the first ones, in a valid request */
};

#define ASET(nest, a, req) { nest, a, sizeof(a) / sizeof(a[0]), req }
static const struct aset asets[] = {
	ASET(WMAN_A_CONN, conn_attrs, 1),
	ASET(WMAN_A_SA, sa_attrs, 1),
	ASET(WMAN_A_TEK, tek_attrs, 2),
	ASET(WMAN_A_GROUP, group_attrs, 1),
	ASET(WMAN_A_MGMT, mgmt_attrs, 2),
};

static const struct aset *aset_of(uint16_t nest)
{
	unsigned int i;

	for (i = 0; i < sizeof(asets) / sizeof(asets[0]); i++)
		if (asets[i].nest == nest)
			return &asets[i];
	return NULL;
}

static uint32_t pick(struct kf_rng *r, const uint32_t *v, unsigned int n)
{
	return v[kf_below(r, n)];
}
#define PICK(r, arr) pick(r, arr, sizeof(arr) / sizeof(arr[0]))

static uint16_t pick_cid(struct kf_rng *r)
{
	static const uint32_t odd[] = { 0, 1, 0xfffe, 0xffff, 0x0fff, 0x7777 };

	if (kf_conf.n_cids && kf_chance(r, 50))
		return kf_conf.cids[kf_below(r, kf_conf.n_cids)];
	if (kf_chance(r, 40))
		return PICK(r, odd);
	return 0x5000 + kf_below(r, 64);
}

static uint16_t pick_said(struct kf_rng *r)
{
	static const uint32_t odd[] = { 0, 1, 0xfffe, 0xffff, 0x3fff };

	if (kf_conf.n_saids && kf_chance(r, 50))
		return kf_conf.saids[kf_below(r, kf_conf.n_saids)];
	if (kf_chance(r, 40))
		return PICK(r, odd);
	return 0x5000 + kf_below(r, 64);
}

/* A value for an attribute; @valid: inside the policy's bounds. */
static void gen_value(struct kf_rng *r, const struct aspec *s, bool valid,
		      uint8_t *out, uint16_t *len)
{
	static const uint32_t u32_edges[] = {
		0, 1, 2, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001,
		0xfffffffe, 0xffffffff, 16, 60, 3600,
	};
	uint32_t v = 0;

	switch (s->hint) {
	case H_CID:
		v = pick_cid(r);
		break;
	case H_SAID:
		v = pick_said(r);
		break;
	case H_EKS:
		v = valid ? kf_below(r, 4) : kf_below(r, 256);
		break;
	case H_SUITE:
		v = kf_chance(r, valid ? 95 : 40) ?
			(kf_chance(r, 50) ? WMAN_SUITE_AES_CCM_128 :
					    WMAN_SUITE_AES_GCM_128) :
			kf_below(r, 256);
		break;
	case H_SERVICE:
		v = valid ? kf_below(r, 3) : kf_below(r, 256);
		break;
	case H_KIND:
		v = valid ? 1 + kf_below(r, 4) : kf_below(r, 256);
		break;
	case H_GROUP:
		v = kf_chance(r, 50) ? 1 + kf_below(r, 4) : kf_below(r, 256);
		break;
	case H_PN:
		v = valid ? (kf_chance(r, 50) ? kf_below(r, 1 << 20) :
				0x7fffffff - kf_below(r, 64)) :
			    PICK(r, u32_edges);
		break;
	case H_PN_LIMIT:
		v = valid ? 1 + kf_below(r, 0x7fffffff) : PICK(r, u32_edges);
		break;
	case H_LIFETIME:
		v = valid ? kf_below(r, 3600) : PICK(r, u32_edges);
		break;
	default:
		v = (uint32_t)kf_next(r);
		break;
	}

	switch (s->kind) {
	case K_U8:
		out[0] = v;
		*len = 1;
		break;
	case K_U16:
		memcpy(out, &(uint16_t){ v }, 2);
		*len = 2;
		break;
	case K_U32:
		memcpy(out, &v, 4);
		*len = 4;
		break;
	case K_FLAG:
		*len = 0;
		break;
	case K_STR:
		*len = 1 + kf_below(r, 16);
		kf_fill(r, out, *len);
		out[*len - 1] = 0;
		break;
	case K_BIN:
		if (s->hint == H_PAYLOAD)
			*len = kf_chance(r, 80) ? 1 + kf_below(r, 64) :
				1 + kf_below(r, WMAN_MGMT_MAX_LEN);
		else
			*len = s->len;
		kf_fill(r, out, *len);
		if (s->hint == H_MAC) {
			out[0] &= 0xfe;	/* unicast */
			out[0] |= 0x02;
			if (kf_chance(r, 20))
				out[0] |= 1;	/* multicast */
		}
		if (s->hint == H_PAYLOAD && kf_chance(r, 60))
			out[0] = kf_chance(r, 50) ? WMAN_MGMT_PKM_REQ :
						    WMAN_MGMT_PKM_RSP;
		break;
	case K_NEST:
		*len = 0;
		break;
	}
}

static void add_device(struct kf_rng *r, struct kf_msg *m,
		       const struct kf_target *t, bool valid)
{
	uint32_t idx;
	unsigned int how = valid ? kf_below(r, 9) : kf_below(r, 16);

	if (how < 6) {
		kf_msg_add(m, -1, WMAN_A_IFINDEX, &t->ifindex, 4);
	} else if (how < 9) {
		kf_msg_add(m, -1, WMAN_A_IFNAME, t->ifname,
			   strlen(t->ifname) + 1);
	} else if (how < 10) {
		idx = t->lower_ifindex;		/* not a wman device */
		kf_msg_add(m, -1, WMAN_A_IFINDEX, &idx, 4);
	} else if (how < 11) {
		idx = kf_chance(r, 50) ? 1 : (uint32_t)kf_next(r);
		kf_msg_add(m, -1, WMAN_A_IFINDEX, &idx, 4);
	} else if (how < 12) {
		/* both: refused */
		kf_msg_add(m, -1, WMAN_A_IFINDEX, &t->ifindex, 4);
		kf_msg_add(m, -1, WMAN_A_IFNAME, t->ifname,
			   strlen(t->ifname) + 1);
	} else if (how < 13) {
		/* a name without its NUL, or too long */
		static const char longname[] = "wman0wman0wman0wman0";

		kf_msg_add(m, -1, WMAN_A_IFNAME, kf_chance(r, 50) ?
			   t->ifname : longname,
			   kf_chance(r, 50) ? strlen(t->ifname) :
					      sizeof(longname));
	} else if (how < 14) {
		idx = 0;
		kf_msg_add(m, -1, WMAN_A_IFINDEX, &idx, 4);
	}
	/* else: no device at all */
}

/*
 * A request for a random operation of the table (or, rarely, an unknown
 * command), well formed if @valid_only, else possibly out of bounds.
 */
void kf_nl_gen(struct kf_rng *r, struct kf_msg *m, uint16_t family,
	       const struct kf_target *t, bool valid_only)
{
	kf_nl_gen_op(r, m, family, t, kf_below(r, kf_n_ops), valid_only);
}

void kf_nl_gen_op(struct kf_rng *r, struct kf_msg *m, uint16_t family,
		  const struct kf_target *t, unsigned int op_index,
		  bool valid_only)
{
	const struct kf_op *op = &kf_ops[op_index];
	bool valid = valid_only || kf_chance(r, 60);
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	const struct aset *as;
	uint8_t val[WMAN_MGMT_MAX_LEN + 16];
	uint8_t cmd = op->cmd;
	unsigned int i;
	int nest;

	if (!valid_only && kf_chance(r, 2))
		cmd = WMAN_CMD_MAX + 1 + kf_below(r, 200);
	if ((op->flags & OPF_DUMP) && kf_chance(r, 40))
		flags |= NLM_F_DUMP;
	else if (!valid_only && kf_chance(r, 5))
		flags |= NLM_F_DUMP;	/* dump of a do-only op */
	kf_msg_init(m, family, cmd, flags);

	add_device(r, m, t, valid);
	as = aset_of(op->nest);
	if (!as || ((flags & NLM_F_DUMP) && kf_chance(r, 70)))
		return;
	nest = kf_msg_nest(m, -1, as->nest);
	for (i = 0; i < as->n; i++) {
		const struct aspec *s = &as->attrs[i];
		uint16_t len;
		int addrs;

		/* the required ones, and some of the others */
		if (i >= as->n_required && !kf_chance(r, 35))
			continue;
		if (valid && s->kind == K_NEST && s->hint != H_ADDRS)
			continue;	/* read-only nests are refused */
		if (s->hint == H_ADDRS) {
			unsigned int k, n = kf_chance(r, 90) ?
				kf_below(r, 4) : kf_below(r, 80);

			addrs = kf_msg_nest(m, nest, s->type);
			for (k = 0; k < n; k++) {
				gen_value(r, &group_attrs[3], valid, val, &len);
				val[0] |= 1;	/* multicast */
				kf_msg_add(m, addrs, WMAN_GROUP_A_ADDR, val,
					   len);
			}
			continue;
		}
		gen_value(r, s, valid, val, &len);
		kf_msg_add(m, nest, s->type, val, len);
	}
}

/* One structural mutation of the request's tree. */
static void mutate_once(struct kf_rng *r, struct kf_msg *m)
{
	struct kf_attr *a;
	unsigned int i;
	uint8_t junk[64];
	int j;

	if (!m->n) {
		kf_fill(r, junk, 8);
		kf_msg_add(m, -1, kf_below(r, WMAN_A_MAX + 3), junk,
			   kf_below(r, 9));
		return;
	}
	i = kf_below(r, m->n);
	a = &m->a[i];
	switch (kf_below(r, 12)) {
	case 0:		/* another type, maybe one of the read-only ones */
		a->type = kf_chance(r, 70) ? kf_below(r, 20) :
					     (uint16_t)kf_next(r);
		break;
	case 1:		/* the nested / byte-order flag bits */
		a->type ^= kf_chance(r, 50) ? NLA_F_NESTED :
					      NLA_F_NET_BYTEORDER;
		break;
	case 2:		/* nla_len shorter: truncated */
		a->len_delta = -(int)kf_below(r, a->len + NLA_HDRLEN + 2);
		break;
	case 3:		/* nla_len longer than what follows */
		a->len_delta = 1 + kf_below(r, kf_chance(r, 50) ? 8 : 4096);
		break;
	case 4:		/* a value of another length */
		if (!a->nest) {
			uint16_t n = kf_below(r, 24);

			if (m->used + n <= KF_ARENA) {
				a->data = m->arena + m->used;
				kf_fill(r, a->data, n);
				a->len = n;
				m->used += n;
			}
		}
		break;
	case 5:		/* missing */
		a->dead = true;
		break;
	case 6:		/* repeated */
		j = kf_msg_add(m, a->parent, a->type, a->data, a->len);
		if (j >= 0)
			m->a[j].nest = a->nest;
		break;
	case 7:		/* a nest flattened, or a value made a nest */
		a->nest = !a->nest;
		if (!a->nest && !a->len) {
			a->len = kf_below(r, 12);
			if (m->used + a->len <= KF_ARENA) {
				a->data = m->arena + m->used;
				kf_fill(r, a->data, a->len);
				m->used += a->len;
			} else {
				a->len = 0;
			}
		}
		break;
	case 8:		/* moved to another level */
		j = kf_below(r, m->n + 1) - 1;
		if (j < 0 || (m->a[j].nest && j != (int)i))
			a->parent = j;
		break;
	case 9:		/* deep nesting */
		j = a->parent;
		for (unsigned int d = kf_below(r, 40); d; d--) {
			int k = kf_msg_nest(m, j, kf_below(r, 16));

			if (k < 0)
				break;
			j = k;
		}
		if (j != a->parent)
			a->parent = j;
		break;
	case 10:	/* values at and past the edges */
		if (!a->nest && a->len) {
			static const uint8_t edge[] = { 0, 1, 3, 4, 0x7f, 0x80,
							0xfe, 0xff };

			a->data[kf_below(r, a->len)] =
				edge[kf_below(r, sizeof(edge))];
		}
		break;
	default:	/* an unknown attribute */
		kf_fill(r, junk, sizeof(junk));
		kf_msg_add(m, kf_chance(r, 50) ? a->parent : -1,
			   kf_below(r, 40), junk, kf_below(r, sizeof(junk)));
		break;
	}
}

void kf_nl_mutate(struct kf_rng *r, struct kf_msg *m)
{
	unsigned int n = 1 + kf_below(r, 4);

	while (n--)
		mutate_once(r, m);
	if (kf_chance(r, 10))
		m->version = kf_below(r, 256);
	if (kf_chance(r, 5))
		m->reserved = (uint16_t)kf_next(r);
	if (kf_chance(r, 10)) {
		static const uint16_t flags[] = {
			NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_REPLACE,
			NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_ECHO,
			NLM_F_MULTI, NLM_F_ACK, NLM_F_REQUEST,
		};

		m->nl_flags ^= flags[kf_below(r, sizeof(flags) / 2)];
	}
}

/*
 * Mutations of the serialised bytes: the header's length and type, a
 * random tail, a cut, a second message behind the first.
 */
size_t kf_nl_mutate_bytes(struct kf_rng *r, uint8_t *buf, size_t len,
			  size_t max)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	size_t n;

	switch (kf_below(r, 7)) {
	case 0:		/* nlmsg_len too short, too long, unaligned */
		nh->nlmsg_len = kf_chance(r, 50) ? kf_below(r, len + 1) :
			len + 1 + kf_below(r, 64);
		break;
	case 1:		/* cut the buffer, keep nlmsg_len */
		if (len > NLMSG_HDRLEN)
			len = NLMSG_HDRLEN + kf_below(r, len - NLMSG_HDRLEN);
		break;
	case 2:		/* random bytes after the genl header */
		if (len > NLMSG_LENGTH(GENL_HDRLEN)) {
			n = NLMSG_LENGTH(GENL_HDRLEN);
			kf_fill(r, buf + n, len - n);
		}
		break;
	case 3:		/* trailing garbage, inside or outside nlmsg_len */
		n = kf_below(r, 32);
		if (len + n <= max) {
			kf_fill(r, buf + len, n);
			len += n;
			if (kf_chance(r, 50))
				nh->nlmsg_len = len;
		}
		break;
	case 4:		/* a copy of the message behind it */
		if (2 * NLMSG_ALIGN(len) <= max) {
			memmove(buf + NLMSG_ALIGN(len), buf, len);
			len = NLMSG_ALIGN(len) + len;
		}
		break;
	case 5:		/* another family: the controller, or no family */
		nh->nlmsg_type = kf_chance(r, 50) ? GENL_ID_CTRL :
			kf_below(r, 64);
		break;
	default:	/* flip a few bits anywhere */
		for (n = 1 + kf_below(r, 4); n; n--)
			buf[kf_below(r, len)] ^= 1 << kf_below(r, 8);
		break;
	}
	return len;
}

/*
 * Would this request, if the kernel took it, remove or rekey an object
 * the test keeps for its after-fuzzing checks (or reset the counters it
 * reads)?  Conservative: any occurrence of a kept SAID or CID in a
 * request of such an operation.
 */
bool kf_nl_touches_kept(const uint8_t *buf, size_t len,
			const struct kf_target *t)
{
	const struct genlmsghdr *gh;
	unsigned int i;
	int op;

	if (!t->keep)
		return false;
	if (len < NLMSG_LENGTH(GENL_HDRLEN))
		return false;
	gh = NLMSG_DATA((const struct nlmsghdr *)buf);
	op = kf_op_index(gh->cmd);
	if (op < 0)
		return false;
	if (kf_ops[op].flags & OPF_STATS)
		return memmem(buf, len, &t->ifindex, 4) ||
		       memmem(buf, len, t->ifname, strlen(t->ifname));
	if (!(kf_ops[op].flags & OPF_DESTRUCTIVE))
		return false;
	for (i = 0; i < kf_conf.n_protect_said; i++)
		if (memmem(buf, len, &kf_conf.protect_said[i], 2))
			return true;
	for (i = 0; i < kf_conf.n_protect_cid; i++)
		if (memmem(buf, len, &kf_conf.protect_cid[i], 2))
			return true;
	return false;
}
