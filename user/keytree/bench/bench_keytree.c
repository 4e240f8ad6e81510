// SPDX-License-Identifier: GPL-2.0
/*
 * Key-tree benchmark: for n members, degree d and both schemes, the cost
 * of a join, a leave, and batches of 1% and 10% leaves, beside one unicast
 * per member and the LKH bound d * ceil(log_d n).
 *
 *   bench_keytree [-o JSON] [-d DATFILE] [-m MAX_MEMBERS] [-r REPS]
 *
 * Counts (keys wrapped, transmissions, bytes) are means over the
 * operations; CPU times are medians of per-operation thread CPU time.
 * Server CPU covers planning the rekey and encoding every message; member
 * CPU covers parsing and applying what one member receives, measured on
 * a set of members that follow every rekey.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keytree.h"

#define TRACKED		16
#define BUILD_BATCH	8192
/* one unicast per member: header, member, one wrap, tag */
#define UNICAST_BYTES	(22 + 6 + 34 + 18)

enum op_kind { OP_JOIN, OP_LEAVE, OP_BATCH1, OP_BATCH10, OP_KINDS };
static const char *const op_names[] = { "join", "leave", "leave 1%",
					"leave 10%" };

struct samples {
	double *v;
	size_t n, cap;
};

struct op_result {
	size_t ops;
	double keys_wrapped, offsets, p2p, p2mp, bytes;
	struct samples server_us, member_us;
};

struct bench {
	struct keytree_server *tree;
	enum keytree_scheme scheme;
	unsigned int degree;
	uint32_t n;
	uint64_t rng;
	uint32_t *present;	/* leaves that may leave */
	uint32_t present_count;
	struct keytree_member *tracked[TRACKED];
	uint32_t tracked_leaf[TRACKED];
	uint8_t *buf;
	size_t buf_cap;
	uint64_t next_key;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, keytree_strerror(err));
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	return p;
}

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void add_sample(struct samples *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(struct samples *s)
{
	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	return s->n % 2 ? s->v[s->n / 2] :
			  (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

static uint8_t *buffer(struct bench *b, size_t need)
{
	if (need > b->buf_cap) {
		b->buf_cap = need;
		b->buf = xrealloc(b->buf, need);
	}
	return b->buf;
}

static void new_key(struct bench *b, uint8_t key[KEYTREE_KEY_LEN])
{
	uint64_t v = ++b->next_key;

	memset(key, 0, KEYTREE_KEY_LEN);
	memcpy(key, &v, sizeof(v));
	key[15] = 0x5a;
}

static bool is_tracked(const struct bench *b, uint32_t leaf)
{
	for (int i = 0; i < TRACKED; i++)
		if (b->tracked[i] && b->tracked_leaf[i] == leaf)
			return true;
	return false;
}

/*
 * Encode every message of a plan (timed as server work) and have the
 * tracked members apply theirs (timed as member work).  Messages for
 * tracked members are kept aside for them.
 */
struct delivery {
	uint8_t *mc;
	size_t mc_len;
	uint8_t *uc[TRACKED];
	size_t uc_len[TRACKED];
	size_t bytes;
};

static void encode_all(struct bench *b, struct keytree_plan *plan,
		       struct delivery *dv, bool everything)
{
	size_t count = keytree_plan_unicast_count(plan);
	int err;

	memset(dv, 0, sizeof(*dv));
	if (keytree_plan_has_multicast(plan)) {
		dv->mc_len = keytree_msg_multicast_size(plan);
		dv->mc = malloc(dv->mc_len);
		if (!dv->mc)
			die("malloc", KEYTREE_ERR_NOMEM);
		err = keytree_msg_encode_multicast(b->tree, plan, dv->mc,
						   dv->mc_len, &dv->mc_len);
		if (err)
			die("encode multicast", err);
		dv->bytes += dv->mc_len;
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t leaf = keytree_plan_unicast_leaf(plan, i);
		size_t need = keytree_msg_unicast_size(plan, i), len;
		uint8_t *out;

		if (!everything && !is_tracked(b, leaf))
			continue;
		out = buffer(b, need);

		err = keytree_msg_encode_unicast(b->tree, plan, i, out, need,
						 &len);
		if (err)
			die("encode unicast", err);
		dv->bytes += len;
		for (int t = 0; t < TRACKED; t++)
			if (b->tracked[t] && b->tracked_leaf[t] == leaf) {
				dv->uc[t] = malloc(len);
				if (!dv->uc[t])
					die("malloc", KEYTREE_ERR_NOMEM);
				memcpy(dv->uc[t], out, len);
				dv->uc_len[t] = len;
			}
	}
}

static void apply_tracked(struct bench *b, struct delivery *dv,
			  struct samples *member_us)
{
	for (int t = 0; t < TRACKED; t++) {
		struct keytree_msg msgs[2];
		size_t n = 0;
		double t0;
		int err = 0;

		if (!b->tracked[t])
			continue;
		t0 = cpu_us();
		if (dv->uc[t])
			err = keytree_msg_parse(dv->uc[t], dv->uc_len[t],
						&msgs[n++]);
		if (!err && dv->mc)
			err = keytree_msg_parse(dv->mc, dv->mc_len, &msgs[n++]);
		if (!err)
			err = keytree_member_apply(b->tracked[t], msgs, n);
		if (member_us)
			add_sample(member_us, cpu_us() - t0);
		if (err)
			die("tracked member apply", err);
		free(dv->uc[t]);
	}
	free(dv->mc);
}

static void account(struct op_result *r, const struct keytree_plan *plan,
		    const struct delivery *dv, double server_us)
{
	struct keytree_plan_stats st;

	keytree_plan_get_stats(plan, &st);
	r->ops++;
	r->keys_wrapped += st.keys_wrapped;
	r->offsets += st.offsets;
	r->p2p += st.p2p_messages;
	r->p2mp += st.p2mp_messages;
	r->bytes += dv->bytes;
	add_sample(&r->server_us, server_us);
}

/* One rekey of what is staged; timed and counted when r is given. */
static void rekey(struct bench *b, struct op_result *r)
{
	struct keytree_plan *plan;
	struct delivery dv;
	double t0 = cpu_us();
	int err;

	err = keytree_server_rekey(b->tree, 0, &plan);
	if (err)
		die("rekey", err);
	encode_all(b, plan, &dv, r != NULL);
	if (r)
		account(r, plan, &dv, cpu_us() - t0);
	apply_tracked(b, &dv, r ? &r->member_us : NULL);
	keytree_plan_free(plan);
}

static void stage_join(struct bench *b)
{
	uint8_t key[KEYTREE_KEY_LEN];
	uint32_t leaf;
	int err;

	new_key(b, key);
	err = keytree_server_join(b->tree, key, &leaf);
	if (err)
		die("join", err);
	b->present[b->present_count++] = leaf;
}

static void stage_leave(struct bench *b)
{
	uint32_t i, leaf;
	int err;

	do {
		i = (uint32_t)(next_rand(&b->rng) % b->present_count);
		leaf = b->present[i];
	} while (is_tracked(b, leaf));
	b->present[i] = b->present[--b->present_count];
	err = keytree_server_leave(b->tree, leaf);
	if (err)
		die("leave", err);
}

static void build(struct bench *b)
{
	int err;

	err = keytree_server_new(&b->tree, 7, b->scheme, b->degree);
	if (err)
		die("keytree_server_new", err);
	b->present = xrealloc(NULL, (size_t)b->n * sizeof(*b->present));
	b->present_count = 0;
	/* bulk load: welcomes are only wrapped when encoded, so plans of
	 * a build cost little */
	while (b->present_count < b->n) {
		uint32_t batch = b->n - b->present_count;
		struct keytree_plan *plan;

		if (batch > BUILD_BATCH)
			batch = BUILD_BATCH;
		for (uint32_t i = 0; i < batch; i++)
			stage_join(b);
		err = keytree_server_rekey(b->tree, 0, &plan);
		if (err)
			die("build rekey", err);
		keytree_plan_free(plan);
	}
	/* members that follow every rekey from now on */
	for (int t = 0; t < TRACKED; t++) {
		uint32_t leaf = b->present[next_rand(&b->rng) % b->n];
		struct keytree_plan *plan;
		struct keytree_msg msg;
		uint8_t key[KEYTREE_KEY_LEN], out[2048];
		uint64_t index = 0;
		size_t len;

		if (is_tracked(b, leaf))
			continue;
		/* keys were handed out in order from 1: recover it */
		for (uint32_t i = 0; i < b->n; i++)
			if (b->present[i] == leaf)
				index = i + 1;
		memset(key, 0, sizeof(key));
		memcpy(key, &index, sizeof(index));
		key[15] = 0x5a;
		err = keytree_member_new(&b->tracked[t], 7, key);
		if (!err)
			err = keytree_server_plan_resync(b->tree, leaf, &plan);
		if (!err)
			err = keytree_msg_encode_unicast(b->tree, plan, 0, out,
							 sizeof(out), &len);
		if (!err)
			err = keytree_msg_parse(out, len, &msg);
		if (!err)
			err = keytree_member_apply(b->tracked[t], &msg, 1);
		if (err)
			die("tracked member", err);
		b->tracked_leaf[t] = leaf;
		keytree_plan_free(plan);
	}
}

static void teardown(struct bench *b)
{
	for (int t = 0; t < TRACKED; t++) {
		keytree_member_free(b->tracked[t]);
		b->tracked[t] = NULL;
	}
	keytree_server_free(b->tree);
	free(b->present);
	free(b->buf);
	b->buf = NULL;
	b->buf_cap = 0;
}

static unsigned int ceil_log(unsigned int d, uint32_t n)
{
	unsigned int h = 0;
	uint64_t span = 1;

	while (span < n) {
		span *= d;
		h++;
	}
	return h;
}

struct row {
	const char *scheme;
	unsigned int degree;
	uint32_t n;
	const char *op;
	uint32_t changes;
	double keys_wrapped, offsets, p2p, p2mp, bytes;
	double server_us, member_us, memory_per_member;
	double unicast_tx, unicast_bytes;
	unsigned int lkh_bound;
};

static struct row *rows;
static size_t row_count;

static void add_row(struct bench *b, enum op_kind kind, struct op_result *r,
		    uint32_t changes, double memory_per_member)
{
	struct row *row;
	double ops = r->ops ? (double)r->ops : 1;

	rows = xrealloc(rows, (row_count + 1) * sizeof(*rows));
	row = &rows[row_count++];
	row->scheme = b->scheme == KEYTREE_SCHEME_LKH ? "lkh" : "offset";
	row->degree = b->degree;
	row->n = b->n;
	row->op = op_names[kind];
	row->changes = changes;
	row->keys_wrapped = r->keys_wrapped / ops;
	row->offsets = r->offsets / ops;
	row->p2p = r->p2p / ops;
	row->p2mp = r->p2mp / ops;
	row->bytes = r->bytes / ops;
	row->server_us = median(&r->server_us);
	row->member_us = median(&r->member_us);
	row->memory_per_member = memory_per_member;
	/* one unicast to each member that stays (and the joiner) */
	row->unicast_tx = kind == OP_JOIN ? b->n : b->n - changes;
	row->unicast_bytes = row->unicast_tx * UNICAST_BYTES;
	row->lkh_bound = b->degree * ceil_log(b->degree, b->n);
	free(r->server_us.v);
	free(r->member_us.v);
}

static void run_config(enum keytree_scheme scheme, unsigned int degree,
		       uint32_t n, unsigned int reps)
{
	struct bench b = { .scheme = scheme, .degree = degree, .n = n,
			   .rng = 0x6b6579 ^ n ^ (degree << 8) ^ scheme };
	struct op_result single[2] = { 0 };
	double memory_per_member;

	build(&b);
	memory_per_member = (double)keytree_server_memory(b.tree) / n;

	/* single leaves and joins, alternating so n stays put */
	for (unsigned int i = 0; i < reps; i++) {
		stage_leave(&b);
		rekey(&b, &single[OP_LEAVE]);
		stage_join(&b);
		rekey(&b, &single[OP_JOIN]);
	}
	add_row(&b, OP_JOIN, &single[OP_JOIN], 1, memory_per_member);
	add_row(&b, OP_LEAVE, &single[OP_LEAVE], 1, memory_per_member);

	for (enum op_kind kind = OP_BATCH1; kind <= OP_BATCH10; kind++) {
		uint32_t count = n / (kind == OP_BATCH1 ? 100 : 10);
		unsigned int batch_reps = n >= 1000000 ? 3 :
					  n >= 100000 ? 5 : 15;
		struct op_result r = { 0 };

		for (unsigned int i = 0; i < batch_reps; i++) {
			for (uint32_t k = 0; k < count; k++)
				stage_leave(&b);
			rekey(&b, &r);
			for (uint32_t k = 0; k < count; k++)
				stage_join(&b);
			rekey(&b, NULL);
		}
		add_row(&b, kind, &r, count, memory_per_member);
	}
	teardown(&b);
}

static void print_table(FILE *out)
{
	fprintf(out, "%-6s %2s %8s %-9s %9s %7s %5s %5s %10s %9s %9s %6s "
		     "%5s %9s %8s\n",
		"scheme", "d", "n", "op", "wrapped", "offsets", "p2p",
		"p2mp", "bytes", "server_us", "member_us", "B/mem",
		"bound", "tx_ratio", "B_ratio");
	for (size_t i = 0; i < row_count; i++) {
		const struct row *r = &rows[i];
		double tx = r->p2p + r->p2mp;

		fprintf(out, "%-6s %2u %8" PRIu32 " %-9s %9.1f %7.1f %5.1f "
			     "%5.1f %10.0f %9.1f %9.1f %6.1f %5u %8.0fx "
			     "%7.1fx\n",
			r->scheme, r->degree, r->n, r->op, r->keys_wrapped,
			r->offsets, r->p2p, r->p2mp, r->bytes, r->server_us,
			r->member_us, r->memory_per_member, r->lkh_bound,
			tx > 0 ? r->unicast_tx / tx : 0,
			r->bytes > 0 ? r->unicast_bytes / r->bytes : 0);
	}
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "{\n  \"benchmark\": \"keytree\",\n  \"unit\": {"
		   "\"server_us\": \"median thread CPU microseconds per "
		   "operation (plan and encode)\", \"member_us\": \"median "
		   "per member per operation (parse and apply)\", "
		   "\"bytes\": \"all messages of the rekey\"},\n"
		   "  \"results\": [\n");
	for (size_t i = 0; i < row_count; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "    {\"scheme\": \"%s\", \"degree\": %u, "
			   "\"members\": %" PRIu32 ", \"op\": \"%s\", "
			   "\"changes\": %" PRIu32 ", \"keys_wrapped\": %.2f, "
			   "\"offsets\": %.2f, \"p2p_transmissions\": %.2f, "
			   "\"p2mp_transmissions\": %.2f, \"bytes\": %.1f, "
			   "\"server_us\": %.2f, \"member_us\": %.2f, "
			   "\"server_bytes_per_member\": %.1f, "
			   "\"lkh_bound\": %u, \"unicast_baseline_tx\": %.0f, "
			   "\"unicast_baseline_bytes\": %.0f}%s\n",
			r->scheme, r->degree, r->n, r->op, r->changes,
			r->keys_wrapped, r->offsets, r->p2p, r->p2mp,
			r->bytes, r->server_us, r->member_us,
			r->memory_per_member, r->lkh_bound, r->unicast_tx,
			r->unicast_bytes, i + 1 < row_count ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	fclose(f);
}

/* Single leaves only, one block per (scheme, degree) in the order lkh
 * d=2, 4, 8, offset d=2, 4, 8, blocks separated for gnuplot's `index`. */
static void write_dat(const char *path)
{
	static const char *const schemes[] = { "lkh", "offset" };
	static const unsigned int degrees[] = { 2, 4, 8 };
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "# n transmissions unicast_tx server_us bytes lkh_bound "
		   "wrapped\n");
	for (int s = 0; s < 2; s++)
		for (int d = 0; d < 3; d++) {
			fprintf(f, "# %s d=%u\n", schemes[s], degrees[d]);
			for (size_t i = 0; i < row_count; i++) {
				const struct row *r = &rows[i];

				if (strcmp(r->op, "leave") ||
				    strcmp(r->scheme, schemes[s]) ||
				    r->degree != degrees[d])
					continue;
				fprintf(f, "%" PRIu32 " %.2f %.0f %.2f %.0f %u "
					   "%.2f\n", r->n, r->p2p + r->p2mp,
					r->unicast_tx, r->server_us, r->bytes,
					r->lkh_bound, r->keys_wrapped);
			}
			fprintf(f, "\n\n");
		}
	fclose(f);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 1000, 10000, 100000, 1000000 };
	static const unsigned int degrees[] = { 2, 4, 8 };
	const char *json = NULL, *dat = NULL;
	uint32_t max_members = 1000000;
	unsigned int reps = 1000;
	int opt;

	while ((opt = getopt(argc, argv, "o:d:m:r:")) != -1) {
		switch (opt) {
		case 'o': json = optarg; break;
		case 'd': dat = optarg; break;
		case 'm': max_members = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': reps = (unsigned int)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-o JSON] [-d DAT] "
					"[-m MAX_MEMBERS] [-r REPS]\n",
				argv[0]);
			return 2;
		}
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (sizes[s] > max_members)
			continue;
		for (int scheme = KEYTREE_SCHEME_LKH;
		     scheme <= KEYTREE_SCHEME_OFFSET; scheme++)
			for (size_t d = 0; d < 3; d++) {
				run_config(scheme, degrees[d], sizes[s], reps);
				fprintf(stderr, "done %s d=%u n=%u\n",
					scheme == KEYTREE_SCHEME_LKH ?
						"lkh" : "offset",
					degrees[d], sizes[s]);
			}
	}
	print_table(stdout);
	printf("\nwrapped, offsets, p2p, p2mp, bytes: means per operation; "
	       "server_us, member_us: medians of thread CPU time\n"
	       "tx_ratio = one-unicast-per-member transmissions / ours; "
	       "B_ratio = the same for bytes (%d B per unicast)\n"
	       "bound = d * ceil(log_d n), the LKH leave bound on keys "
	       "wrapped\n", UNICAST_BYTES);
	if (json)
		write_json(json);
	if (dat)
		write_dat(dat);
	return 0;
}
