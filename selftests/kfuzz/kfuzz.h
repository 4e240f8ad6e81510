/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wman_kfuzz: what the fuzzer's files share.  See wman_kfuzz.c for the
 * command line and the worker model.
 */
#ifndef KFUZZ_H
#define KFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KF_MAX_OPS	32
#define KF_ERRNO_MAX	160
#define KF_MAX_PROTECT	8

/* ---- deterministic PRNG (splitmix64) ------------------------------------ */

struct kf_rng {
	uint64_t s;
};

static inline uint64_t kf_next(struct kf_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 */
static inline uint32_t kf_below(struct kf_rng *r, uint32_t n)
{
	return (uint32_t)(((kf_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline bool kf_chance(struct kf_rng *r, unsigned int percent)
{
	return kf_below(r, 100) < percent;
}

static inline void kf_seed(struct kf_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	kf_next(r);
}

void kf_fill(struct kf_rng *r, void *buf, size_t len);

/* FNV-1a over everything a worker generates, for the replay check. */
static inline uint64_t kf_hash(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}
#define KF_HASH_INIT	0xcbf29ce484222325ULL

/* ---- configuration ------------------------------------------------------- */

/* One node of the topology: its namespace and its port on the air. */
struct kf_node {
	const char *ns;		/* network namespace name, /run/netns */
	const char *air_if;	/* its peer in the air namespace */
	uint8_t mac[6];		/* its veth0 and wman0 address */
	bool set;
};

struct kf_conf {
	uint64_t seed;
	uint64_t count;		/* per worker, 0: unbounded */
	unsigned int time;	/* seconds */
	bool dry_run;		/* generate only, print the hashes */
	const char *dev;	/* wman device name in the nodes (wman0) */
	const char *air_ns;
	struct kf_node bs, ss, churn_ss;
	uint16_t protect_said[KF_MAX_PROTECT];
	unsigned int n_protect_said;
	uint16_t protect_cid[KF_MAX_PROTECT];
	unsigned int n_protect_cid;
	uint16_t cids[16];	/* CIDs configured on the devices */
	unsigned int n_cids;
	uint16_t saids[16];	/* SAIDs configured on the devices */
	unsigned int n_saids;
	uint16_t churn_said;	/* live SA the churn worker rekeys */
	const char *wman_tool;	/* for link add in scratch namespaces */
	const char *workers;	/* which workers, letters; see usage */
};

extern struct kf_conf kf_conf;
/* the PRNG stream of this worker process: its letter */
extern uint64_t kf_stream;

/* ---- counters, in memory shared by every worker process ------------------ */

enum kf_frame_kind {
	FK_RANDOM,
	FK_GMH_FIELDS,
	FK_BAD_HCS,
	FK_LEN,
	FK_TRUNC_PN,
	FK_TRUNC_ICV,
	FK_EKS,
	FK_CID,
	FK_SUBHEADER,
	FK_MGMT,
	FK_CLEAR_ON_KEYED,
	FK_CAPTURED,
	FK_CAPTURED_REPLAY,
	FK_TX_RANDOM,		/* first kind not sent by the rx workers */
	FK_SCRATCH_RX,
	FK_COUNT
};

enum kf_churn_kind {
	CK_TEK_NEW,
	CK_TEK_REPLACE,
	CK_TEK_DEL,
	CK_TEK_SET,
	CK_SA_NEW,
	CK_SA_DEL,
	CK_CONN_NEW,
	CK_CONN_DEL,
	CK_LINK_CYCLE,
	CK_LOWER_DEL,
	CK_LINK_DEL,
	CK_NETNS_DEL,
	CK_LOWER_MOVE,
	CK_COUNT
};

struct kf_stats {
	uint64_t nl_sent[KF_MAX_OPS][2];	/* per op table index, do/dump */
	uint64_t nl_other;		/* unknown command or random bytes */
	uint64_t nl_ok;			/* acks with error 0 */
	uint64_t nl_replies;		/* data messages received */
	uint64_t nl_errno[KF_ERRNO_MAX];	/* acks by -error */
	uint64_t nl_enobufs;		/* socket overruns */
	uint64_t nl_send_err[KF_ERRNO_MAX];	/* send() itself failed */
	uint64_t nl_protected;		/* skipped: would hit a kept object */
	uint64_t frames[FK_COUNT];
	uint64_t frame_send_err[KF_ERRNO_MAX];
	uint64_t captured;		/* valid frames taken off the air */
	uint64_t churn[CK_COUNT];
	uint64_t churn_fail;
	uint64_t churn_errno[KF_ERRNO_MAX];
	uint64_t unpriv_sent;
	uint64_t unpriv_refused;	/* EPERM */
	uint64_t unpriv_other_err;	/* refused otherwise (ENODEV, EINVAL..) */
	uint64_t unpriv_own_ok;		/* allowed on its own device */
	uint64_t unpriv_violations;
	uint64_t unpriv_violation_ops[KF_MAX_OPS];
	uint64_t unpriv_mcast_refused;
	uint64_t unpriv_mcast_violations;
	uint64_t unpriv_own_link;	/* its own wman link was created */
	uint64_t hash[16];		/* per worker, dry runs */
	uint64_t items[16];		/* per worker */
};

extern struct kf_stats *kf_stats;

#define KF_INC(field)		__atomic_add_fetch(&(field), 1, __ATOMIC_RELAXED)
#define KF_ADD(field, n)	__atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)

static inline void kf_count_errno(uint64_t *table, int err)
{
	if (err < 0)
		err = -err;
	if (err >= KF_ERRNO_MAX)
		err = KF_ERRNO_MAX - 1;
	KF_INC(table[err]);
}

/* true until the time bound passed or a signal asked to stop */
bool kf_running(void);
bool kf_more(uint64_t done);

/* enter the network namespace /run/netns/NAME (this process) */
int kf_enter_netns(const char *name);
int kf_run(const char *const argv[], bool keep_errors);

/* ---- generic netlink (genl.c) -------------------------------------------- */

enum kf_op_flags {
	OPF_DO = 1 << 0,
	OPF_DUMP = 1 << 1,
	OPF_EVENT = 1 << 2,	/* notification only: requests are refused */
	OPF_DESTRUCTIVE = 1 << 3, /* may remove or rekey a kept object */
	OPF_STATS = 1 << 4,	/* resets counters */
};

struct kf_op {
	const char *name;	/* as in wman.yaml */
	uint8_t cmd;
	unsigned int flags;
	uint16_t nest;		/* WMAN_A_* nest the op takes, 0: none */
};

extern const struct kf_op kf_ops[];
extern const unsigned int kf_n_ops;
int kf_op_index(uint8_t cmd);

struct kf_nl {
	int fd;
	uint16_t family;
	uint32_t mcgrp;		/* the "events" group, 0 if not found */
	uint32_t seq;
	uint32_t portid;
};

int kf_nl_open(struct kf_nl *nl);
void kf_nl_close(struct kf_nl *nl);

/* Results of draining a socket after a request. */
struct kf_nl_result {
	unsigned int acks_ok;
	unsigned int acks_err;
	int last_err;		/* negative errno of the last error ack */
	unsigned int data;	/* messages of the family (replies, dump parts) */
	unsigned int stray;	/* of another sequence number */
};

int kf_nl_send(struct kf_nl *nl, const void *buf, size_t len);
void kf_nl_drain(struct kf_nl *nl, struct kf_nl_result *res);

/* A request built as a tree of attributes, mutated, then serialised. */
#define KF_MAX_NODES	96
#define KF_ARENA	8192

struct kf_attr {
	uint16_t type;
	int16_t parent;		/* index, -1: top level */
	bool nest;
	bool dead;		/* removed by a mutation */
	int len_delta;		/* added to nla_len when written */
	uint16_t len;
	uint8_t *data;
};

struct kf_msg {
	uint16_t nl_type;
	uint16_t nl_flags;
	uint8_t cmd;
	uint8_t version;
	uint16_t reserved;
	unsigned int n;
	struct kf_attr a[KF_MAX_NODES];
	uint8_t arena[KF_ARENA];
	size_t used;
};

void kf_msg_init(struct kf_msg *m, uint16_t family, uint8_t cmd,
		 uint16_t flags);
int kf_msg_add(struct kf_msg *m, int parent, uint16_t type, const void *data,
	       uint16_t len);
int kf_msg_nest(struct kf_msg *m, int parent, uint16_t type);
size_t kf_msg_write(const struct kf_msg *m, uint8_t *buf, size_t max,
		    uint32_t seq);

/* ---- the workers ---------------------------------------------------------- */

/* What a netlink worker aims at: the device and what must survive. */
struct kf_target {
	uint32_t ifindex;	/* the live wman device */
	uint32_t lower_ifindex;
	const char *ifname;
	bool keep;		/* kept objects: protect them */
};

void kf_nl_gen(struct kf_rng *r, struct kf_msg *m, uint16_t family,
	       const struct kf_target *t, bool valid_only);
void kf_nl_gen_op(struct kf_rng *r, struct kf_msg *m, uint16_t family,
		  const struct kf_target *t, unsigned int op_index,
		  bool valid_only);
void kf_nl_mutate(struct kf_rng *r, struct kf_msg *m);
size_t kf_nl_mutate_bytes(struct kf_rng *r, uint8_t *buf, size_t len,
			  size_t max);
bool kf_nl_touches_kept(const uint8_t *buf, size_t len,
			const struct kf_target *t);

int kf_worker_nl(int id, const struct kf_node *node);
int kf_worker_rx(int id, const struct kf_node *node);
int kf_worker_churn(int id);
int kf_worker_links(int id);
int kf_worker_unpriv(int id);

#endif /* KFUZZ_H */
