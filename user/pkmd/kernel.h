/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_KERNEL_H
#define PKMD_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/wman.h>

#include "util.h"

/*
 * The daemon's side of the "wman" generic netlink family (libnl-3):
 * synchronous requests (connections, SAs, TEKs, groups, dumps,
 * management PDUs to send) on one socket, and on a second one the
 * management PDUs the module delivers to its registered listener plus the
 * "events" multicast group.  Requests return 0 or -errno; the kernel's
 * extended ACK message of the last failure is in kernel_error().
 */

struct nl_sock;
struct test_link;

struct kernel_handlers {
	void (*mgmt_rx)(void *arg, uint16_t cid, const uint8_t src[MAC_LEN],
			const uint8_t *payload, size_t len);
	/* WMAN_CMD_TEK_SOFT_EXPIRED, _HARD_EXPIRED, _PN_EXHAUSTED, UNKNOWN_EKS */
	void (*tek_event)(void *arg, uint8_t cmd, uint16_t said, uint8_t eks,
			  int cid);
	/*
	 * Optional: WMAN_CMD_TEK_PN_LIMIT, half of the PNs the TEK's limit
	 * allowed are used; next_pn is the TEK's next PN then.
	 */
	void (*tek_pn_limit)(void *arg, uint16_t said, uint8_t eks,
			     uint32_t next_pn, uint32_t limit);
	/*
	 * Optional: called before (begin true) and after a run of received
	 * PDUs, at most KERNEL_RX_BATCH of them, so that the role can
	 * commit their effects at once (group commit).
	 */
	void (*rx_batch)(void *arg, bool begin);
	void *arg;
};

#define KERNEL_RX_BATCH	64

/*
 * Groups of held PDUs that kernel_defer() may leave undecided at once
 * (kernel_may_defer()); the queue has room for them, the groups of
 * PDUs sent between them and the open one.
 */
#define KERNEL_DEFER_MAX	16
#define KERNEL_GROUPS_MAX	(2 * KERNEL_DEFER_MAX + 2)

/* A management PDU held back by kernel_hold(). */
struct kernel_held {
	uint64_t group;			/* kernel_hold()'s group it waits with */
	uint16_t cid;
	bool has_dst;
	uint8_t dst[MAC_LEN];
	size_t len;
	uint8_t payload[WMAN_MGMT_MAX_LEN];
};

struct kernel {
	struct nl_sock *req;
	struct nl_sock *notify;
	int family;
	uint32_t ifindex;
	char ifname[16];
	uint8_t role;			/* enum wman_role */
	uint8_t bsid[MAC_LEN];
	uint8_t addr[MAC_LEN];		/* the device's own address */
	struct kernel_handlers handlers;
	char error[256];		/* extack of the last failed request */
	struct test_link *test;		/* [test] mgmt-socket: no device */
	bool holding;			/* kernel_hold() .. _release() or _defer() */
	/* held PDUs, oldest first: held[first_held] .. held[n_held - 1] */
	struct kernel_held *held;
	size_t first_held, n_held, cap_held;
	/*
	 * The groups of held PDUs, oldest first, numbered from group_head
	 * up to group_tail - 1; group_state[number % KERNEL_GROUPS_MAX]
	 * says whether each waits, goes or is dropped.
	 */
	uint64_t group_head, group_tail;
	uint8_t group_state[KERNEL_GROUPS_MAX];
	unsigned int n_deferred;	/* kernel_defer()'s groups undecided */
};

/* PNs per direction: a TEK's PN counter runs from 0 up to this. */
#define KERNEL_PN_SPACE		0x80000000u

struct kernel_tek_info {
	uint8_t eks;
	uint32_t tx_pn;			/* next PN; KERNEL_PN_SPACE: used up */
	uint32_t tx_pn_limit;		/* first PN it may not send */
	uint32_t rx_pn;			/* highest PN accepted + 1, or its floor */
	uint32_t state;			/* WMAN_TEK_STATE_* */
	bool has_remaining;
	uint32_t remaining;
};

struct kernel_sa_info {
	uint16_t said;
	uint8_t suite;
	uint8_t service;
	size_t n_teks;
	struct kernel_tek_info teks[WMAN_EKS_COUNT];
};

struct kernel_conn_info {
	uint16_t cid;
	uint8_t kind;
	bool has_said;
	uint16_t said;
	bool has_peer;
	uint8_t peer[MAC_LEN];
};

/*
 * Opens both sockets, reads the device's role and addresses, and registers
 * as its management listener (-EBUSY: another daemon has).  Logs why it
 * failed.
 */
int kernel_open(struct kernel *k, const char *ifname,
		const struct kernel_handlers *handlers);
/*
 * The test transport instead of a device (transport_test.h): management
 * PDUs on a unix socket at path, kernel requests answered locally.
 */
int kernel_open_test(struct kernel *k, const char *path, bool record,
		     const struct kernel_handlers *handlers);
void kernel_close(struct kernel *k);
/*
 * The test transport's client injects a notification the module would
 * have sent (nlmsghdr first): dispatched as if it came from the device.
 */
void kernel_test_notification(struct kernel *k, const void *nlmsg,
			      size_t len);

int kernel_notify_fd(const struct kernel *k);
/* Reads the device's role and BSID again (k->role, k->bsid). */
int kernel_link_refresh(struct kernel *k);
/* Reads and dispatches whatever the notification socket holds. */
void kernel_notify_read(struct kernel *k);

const char *kernel_error(const struct kernel *k, int err);

int kernel_conn_add(struct kernel *k, uint16_t cid, uint8_t kind, int said,
		    const uint8_t *peer);
int kernel_conn_del(struct kernel *k, uint16_t cid);
int kernel_sa_add(struct kernel *k, uint16_t said, uint8_t suite,
		  uint8_t service);
int kernel_sa_del(struct kernel *k, uint16_t said);
/*
 * Packet numbers of a TEK being installed.  With REPLACE of the key the
 * slot already holds, the kernel keeps the higher of its own next PN and
 * tx_pn, and its replay window (raised to rx_pn).
 */
struct kernel_tek_pn {
	uint32_t tx_pn;			/* first PN to send */
	uint32_t tx_pn_limit;		/* first PN not to send; 0: none */
	uint32_t rx_pn;			/* lowest PN to accept */
};

/* pn NULL: from 0, no limit, no floor. */
int kernel_tek_add(struct kernel *k, uint16_t said, uint8_t eks,
		   const uint8_t key[WMAN_KEY_LEN], uint32_t lifetime,
		   uint32_t soft_lifetime, const struct kernel_tek_pn *pn,
		   bool replace);
int kernel_tek_del(struct kernel *k, uint16_t said, uint8_t eks);
/* Raises an installed TEK's PN limit (-EINVAL if that would lower it). */
int kernel_tek_set_limit(struct kernel *k, uint16_t said, uint8_t eks,
			 uint32_t tx_pn_limit);
int kernel_group_add(struct kernel *k, uint8_t id, uint16_t cid,
		     const uint8_t (*addrs)[MAC_LEN], size_t n_addrs);
int kernel_group_del(struct kernel *k, uint8_t id);
int kernel_mgmt_tx(struct kernel *k, uint16_t cid, const uint8_t *dst,
		   const uint8_t *payload, size_t len);
/*
 * From kernel_hold() on, kernel_mgmt_tx() keeps the PDUs, a group of
 * them; kernel_release() decides the group: its PDUs are sent (send
 * true) or dropped, and the copies wiped.  PDUs always leave in the
 * order they were given: a decided group waits for the undecided ones
 * before it.
 *
 * kernel_defer() ends the group without deciding it (its commit is on
 * its way, bs.c): the PDUs stay held, and those given after it, held
 * or not, queue behind it.  kernel_settle() decides the oldest deferred
 * group, and sends what it held up.  At most KERNEL_DEFER_MAX groups are
 * deferred at once: kernel_may_defer() says whether one more may be.
 */
void kernel_hold(struct kernel *k);
void kernel_release(struct kernel *k, bool send);
bool kernel_may_defer(const struct kernel *k);
void kernel_defer(struct kernel *k);
void kernel_settle(struct kernel *k, bool send);

int kernel_sa_get(struct kernel *k, uint16_t said, struct kernel_sa_info *out);
int kernel_conn_dump(struct kernel *k,
		     void (*cb)(void *arg, const struct kernel_conn_info *c),
		     void *arg);

#endif
