/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wman: service-specific traffic encryption keys on an 802.16-style link.
 *
 * Generic netlink family "wman" (configuration, statistics, events and
 * the management-message path used by pkmd) and the rtnetlink attributes
 * of the "wman" link kind.  Documentation/netlink/specs/wman.yaml is the
 * machine-readable description of the same family.
 */
#ifndef _UAPI_LINUX_WMAN_H
#define _UAPI_LINUX_WMAN_H

#define WMAN_GENL_NAME		"wman"
#define WMAN_GENL_VERSION	1
#define WMAN_MCGRP_EVENTS	"events"

/* Outer EtherType carrying 802.16 MAC PDUs (IEEE local experimental 1). */
#define WMAN_ETH_P		0x88B5

#define WMAN_KEY_LEN		16	/* every suite uses a 128-bit TEK */
#define WMAN_EKS_COUNT		4	/* 2-bit key sequence number */
#define WMAN_SLOT_COUNT		2	/* an SA holds at most two TEKs */
#define WMAN_MGMT_MAX_LEN	2000	/* payload of one management PDU */
#define WMAN_GROUP_MAX_ADDRS	64	/* multicast addresses per group */

/* 802.16 well-known connection identifiers. */
#define WMAN_CID_INITIAL_RANGING	0x0000
#define WMAN_CID_BROADCAST		0xFFFF

/* 802.16 MAC management message types carried to and from pkmd. */
#define WMAN_MGMT_PKM_REQ	9
#define WMAN_MGMT_PKM_RSP	10

enum wman_role {
	WMAN_ROLE_BS = 1,	/* base station: encrypts downlink */
	WMAN_ROLE_SS = 2,	/* subscriber station: encrypts uplink */
};

enum wman_suite {
	WMAN_SUITE_AES_CCM_128 = 2,	/* 802.16e: 4-byte PN, 8-byte ICV */
	WMAN_SUITE_AES_GCM_128 = 0x80,	/* extension: 4-byte PN, 16-byte ICV */
};

/* Which traffic an SA protects (seed 002's Service Type values). */
enum wman_service {
	WMAN_SERVICE_UNICAST = 0,
	WMAN_SERVICE_MULTICAST = 1,
	WMAN_SERVICE_BROADCAST = 2,
};

enum wman_conn_kind {
	WMAN_CONN_MGMT = 1,	/* management messages, delivered to pkmd */
	WMAN_CONN_UNICAST,	/* transport to/from one SS */
	WMAN_CONN_MULTICAST,	/* downlink transport of one multicast group */
	WMAN_CONN_BROADCAST,	/* downlink transport to every SS */
};

/* WMAN_TEK_A_STATE bits, read-only. */
#define WMAN_TEK_STATE_ACTIVE		(1U << 0)	/* chosen for transmit */
#define WMAN_TEK_STATE_SOFT_EXPIRED	(1U << 1)
#define WMAN_TEK_STATE_EXPIRED		(1U << 2)	/* hard lifetime over */
#define WMAN_TEK_STATE_PN_EXHAUSTED	(1U << 3)
#define WMAN_TEK_STATE_PN_LIMITED	(1U << 4)	/* at WMAN_TEK_A_TX_PN_LIMIT */

enum wman_cmd {
	WMAN_CMD_UNSPEC,

	WMAN_CMD_LINK_GET,	/* do/dump: device, role, counters */

	WMAN_CMD_CONN_NEW,
	WMAN_CMD_CONN_DEL,
	WMAN_CMD_CONN_GET,	/* do/dump */

	WMAN_CMD_SA_NEW,
	WMAN_CMD_SA_DEL,
	WMAN_CMD_SA_GET,	/* do/dump; TEKs nested inside */

	WMAN_CMD_TEK_NEW,	/* install into the slot of its EKS */
	WMAN_CMD_TEK_DEL,

	WMAN_CMD_GROUP_NEW,
	WMAN_CMD_GROUP_DEL,
	WMAN_CMD_GROUP_GET,	/* do/dump */

	WMAN_CMD_STATS_RESET,

	WMAN_CMD_MGMT_REGISTER,	/* caller's socket receives MGMT_RX */
	WMAN_CMD_MGMT_TX,	/* send a management PDU on a connection */
	WMAN_CMD_MGMT_RX,	/* notification: management PDU received */

	/* notifications on the "events" multicast group */
	WMAN_CMD_TEK_SOFT_EXPIRED,
	WMAN_CMD_TEK_HARD_EXPIRED,
	WMAN_CMD_TEK_PN_EXHAUSTED,
	WMAN_CMD_UNKNOWN_SA,	/* frame on a CID with no SA */
	WMAN_CMD_UNKNOWN_EKS,	/* frame for an empty TEK slot */

	WMAN_CMD_TEK_SET,	/* raise an installed TEK's TX_PN_LIMIT */
	WMAN_CMD_TEK_PN_LIMIT,	/* notification: half the allowed PNs used */

	__WMAN_CMD_MAX,
	WMAN_CMD_MAX = __WMAN_CMD_MAX - 1
};

enum wman_attr {
	WMAN_A_UNSPEC,
	WMAN_A_PAD,
	WMAN_A_IFINDEX,		/* u32; exactly one of IFINDEX/IFNAME */
	WMAN_A_IFNAME,		/* string */
	WMAN_A_ROLE,		/* u8, enum wman_role (read-only here) */
	WMAN_A_BSID,		/* 6 bytes (read-only here) */
	WMAN_A_LOWER_IFINDEX,	/* u32, read-only */
	WMAN_A_GENERATION,	/* u32, read-only: bumps on every change */
	WMAN_A_STATS,		/* nest of enum wman_stats_attr */
	WMAN_A_CONN,		/* nest of enum wman_conn_attr */
	WMAN_A_SA,		/* nest of enum wman_sa_attr */
	WMAN_A_TEK,		/* nest of enum wman_tek_attr */
	WMAN_A_GROUP,		/* nest of enum wman_group_attr */
	WMAN_A_MGMT,		/* nest of enum wman_mgmt_attr */

	__WMAN_A_MAX,
	WMAN_A_MAX = __WMAN_A_MAX - 1
};

enum wman_conn_attr {
	WMAN_CONN_A_UNSPEC,
	WMAN_CONN_A_CID,	/* u16 */
	WMAN_CONN_A_KIND,	/* u8, enum wman_conn_kind */
	WMAN_CONN_A_SAID,	/* u16; absent: no encryption */
	WMAN_CONN_A_PEER,	/* 6 bytes: the SS of a unicast/mgmt conn */

	__WMAN_CONN_A_MAX,
	WMAN_CONN_A_MAX = __WMAN_CONN_A_MAX - 1
};

enum wman_sa_attr {
	WMAN_SA_A_UNSPEC,
	WMAN_SA_A_PAD,
	WMAN_SA_A_SAID,		/* u16 */
	WMAN_SA_A_SUITE,	/* u8, enum wman_suite */
	WMAN_SA_A_SERVICE,	/* u8, enum wman_service */
	WMAN_SA_A_TEKS,		/* read-only: nest of WMAN_A_TEK nests */
	WMAN_SA_A_STATS,	/* read-only: nest of enum wman_stats_attr */

	__WMAN_SA_A_MAX,
	WMAN_SA_A_MAX = __WMAN_SA_A_MAX - 1
};

enum wman_tek_attr {
	WMAN_TEK_A_UNSPEC,
	WMAN_TEK_A_PAD,
	WMAN_TEK_A_SAID,	/* u16 */
	WMAN_TEK_A_EKS,		/* u8, 0..3 */
	WMAN_TEK_A_KEY,		/* WMAN_KEY_LEN bytes, write-only */
	WMAN_TEK_A_LIFETIME,	/* u32 seconds to hard expiry, 0 = none */
	WMAN_TEK_A_SOFT_LIFETIME, /* u32 seconds to the soft-expiry event */
	WMAN_TEK_A_TX_PN,	/* u32: next transmit PN, below 2^31 */
	WMAN_TEK_A_REMAINING,	/* u32 seconds left, read-only */
	WMAN_TEK_A_STATE,	/* u32 WMAN_TEK_STATE_* bits, read-only */
	WMAN_TEK_A_STATS,	/* nest of enum wman_stats_attr, read-only */
	WMAN_TEK_A_CID,		/* u16, events only: CID of the frame */
	WMAN_TEK_A_REPLACE,	/* flag: TEK_NEW may overwrite its slot */
	WMAN_TEK_A_TX_PN_LIMIT,	/* u32: first PN not to send, 1..2^31 */
	WMAN_TEK_A_RX_PN,	/* u32: lowest PN accepted, below 2^31;
				 * read: highest accepted + 1, 0 if none
				 */

	__WMAN_TEK_A_MAX,
	WMAN_TEK_A_MAX = __WMAN_TEK_A_MAX - 1
};

enum wman_group_attr {
	WMAN_GROUP_A_UNSPEC,
	WMAN_GROUP_A_ID,	/* u8: multicast service group ID */
	WMAN_GROUP_A_CID,	/* u16: its multicast connection */
	WMAN_GROUP_A_ADDRS,	/* nest of WMAN_GROUP_A_ADDR */
	WMAN_GROUP_A_ADDR,	/* 6 bytes, a multicast MAC address */

	__WMAN_GROUP_A_MAX,
	WMAN_GROUP_A_MAX = __WMAN_GROUP_A_MAX - 1
};

enum wman_mgmt_attr {
	WMAN_MGMT_A_UNSPEC,
	WMAN_MGMT_A_CID,	/* u16 */
	WMAN_MGMT_A_PAYLOAD,	/* 1..WMAN_MGMT_MAX_LEN bytes, type first */
	WMAN_MGMT_A_ADDR,	/* 6 bytes: tx destination / rx source */

	__WMAN_MGMT_A_MAX,
	WMAN_MGMT_A_MAX = __WMAN_MGMT_A_MAX - 1
};

/*
 * Counters.  The same set is reported per device, per SA and per TEK;
 * a counter that cannot apply at a level is reported as 0 there.
 */
enum wman_stats_attr {
	WMAN_STATS_A_UNSPEC,
	WMAN_STATS_A_PAD,
	WMAN_STATS_A_TX_PACKETS,	/* u64: frames protected and sent */
	WMAN_STATS_A_TX_BYTES,		/* u64: plaintext bytes */
	WMAN_STATS_A_RX_PACKETS,	/* u64: frames accepted */
	WMAN_STATS_A_RX_BYTES,		/* u64: plaintext bytes */
	WMAN_STATS_A_TX_NO_CONN,	/* u64: no connection for the frame */
	WMAN_STATS_A_TX_NO_KEY,		/* u64: no usable TEK to send with */
	WMAN_STATS_A_RX_NO_KEY,		/* u64: TEK slot of the EKS empty */
	WMAN_STATS_A_RX_BAD_ICV,	/* u64: authentication failed */
	WMAN_STATS_A_RX_REPLAY,		/* u64: PN replayed/too old/wrong dir */
	WMAN_STATS_A_RX_BAD_HEADER,	/* u64: short, bad HCS or LEN */
	WMAN_STATS_A_RX_EXPIRED,	/* u64: TEK past its hard lifetime */
	WMAN_STATS_A_RX_UNKNOWN_SA,	/* u64: CID or SAID not configured */
	WMAN_STATS_A_RX_UNENCRYPTED,	/* u64: clear frame on a keyed CID */
	WMAN_STATS_A_MGMT_TX,		/* u64: management PDUs sent */
	WMAN_STATS_A_MGMT_RX,		/* u64: management PDUs delivered */
	WMAN_STATS_A_MGMT_RX_DROPPED,	/* u64: no listener or no memory */
	WMAN_STATS_A_RX_DOWNLINK_ONLY,	/* u64: BS: encrypted frame on a
					 * multicast/broadcast connection
					 */
	WMAN_STATS_A_RX_BAD_SOURCE,	/* u64: BS: inner source is not the
					 * connection's SS
					 */

	__WMAN_STATS_A_MAX,
	WMAN_STATS_A_MAX = __WMAN_STATS_A_MAX - 1
};

/* rtnetlink IFLA_INFO_DATA attributes of link kind "wman". */
enum {
	IFLA_WMAN_UNSPEC,
	IFLA_WMAN_ROLE,		/* u8, enum wman_role; default BS */
	IFLA_WMAN_BSID,		/* 6 bytes; BS default: its lower address */
	__IFLA_WMAN_MAX,
};

#define IFLA_WMAN_MAX (__IFLA_WMAN_MAX - 1)

#endif /* _UAPI_LINUX_WMAN_H */
