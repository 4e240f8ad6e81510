// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for fuzz_group_frag: a member's welcome, then a rekey's
 * multicast message cut by the BS's code into small fragments, in order,
 * reversed with copies, with one missing, and interleaved with a second
 * rekey's; each record a 2-byte length and the message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "bs/bs_group.h"
#include "group.h"

#define FUZZ_GROUP	9
#define SAID		0xfe09
#define MEMBERS		40
#define MAX_MSGS	64

struct run {
	size_t n;
	uint8_t *msg[MAX_MSGS];
	size_t len[MAX_MSGS];
};

static EVP_PKEY *key;

static int keep(void *arg, const uint8_t *msg, size_t len)
{
	struct run *r = arg;

	if (r->n == MAX_MSGS)
		return -ENOSPC;
	r->msg[r->n] = malloc(len);
	if (!r->msg[r->n])
		return -ENOMEM;
	memcpy(r->msg[r->n], msg, len);
	r->len[r->n++] = len;
	return 0;
}

struct grab {
	uint32_t leaf;			/* whose unicast to frame */
	struct run *welcome;
	uint8_t *mcast;
	size_t mcast_len;
};

static int grab(void *arg, bool multicast, uint32_t leaf,
		const uint8_t *msg, size_t len)
{
	struct grab *g = arg;

	if (multicast) {
		g->mcast = malloc(len);
		if (!g->mcast)
			return -ENOMEM;
		memcpy(g->mcast, msg, len);
		g->mcast_len = len;
		return 0;
	}
	if (leaf != g->leaf || !g->welcome)
		return 0;
	/* unsigned framing is fine: the harness does not verify */
	return bs_group_multicast_frame(SAID, key, msg, len, PKM_MSG_MAX, 0,
					keep, g->welcome) == 1 ? 0 : -EIO;
}

static int commit(struct keytree_server *tree, struct grab *g)
{
	struct keytree_plan *plan;
	uint8_t *blob;
	size_t len;
	int err;

	if (keytree_server_rekey(tree, 0, &plan))
		return -EIO;
	err = bs_group_rekey_encode(tree, plan, &blob, &len);
	keytree_plan_free(plan);
	if (!err)
		err = bs_group_rekey_each(blob, len, grab, g);
	free(blob);
	return err;
}

static int put(const char *dir, const char *name, const struct run *r,
	       const int *order, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct run *src = r;
		int k = order[i];

		if (k >= 1000) {	/* the second run */
			src = r + 1;
			k -= 1000;
		}
		fputc((int)(src->len[k] >> 8), f);
		fputc((int)(src->len[k] & 0xff), f);
		fwrite(src->msg[k], 1, src->len[k], f);
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	static const uint8_t ikey0[KEYTREE_KEY_LEN] = { 1 };
	struct keytree_server *tree;
	struct run welcome = { 0 }, frags[2] = { { 0 } };
	struct grab g = { 0 };
	uint32_t leaf0, leaf;
	int order[2 * MAX_MSGS + 1], n = 0, err = 0;

	if (argc != 2 || (mkdir(argv[1], 0755) && errno != EEXIST))
		return 2;
	key = EVP_EC_gen("P-256");
	if (!key || keytree_server_new(&tree, FUZZ_GROUP, KEYTREE_SCHEME_LKH, 3))
		return 1;
	keytree_server_join(tree, ikey0, &leaf0);
	for (int i = 1; i < MEMBERS; i++) {
		uint8_t k[KEYTREE_KEY_LEN] = { 2, (uint8_t)i };

		keytree_server_join(tree, k, &leaf);
	}
	g.leaf = leaf0;
	g.welcome = &welcome;
	if (commit(tree, &g) || welcome.n != 1)
		return 1;
	for (int r = 0; r < 2; r++) {
		free(g.mcast);
		g.mcast = NULL;
		g.welcome = NULL;
		for (uint32_t l = 2 + (uint32_t)r; l < MEMBERS; l += 5)
			keytree_server_leave(tree, l);
		if (commit(tree, &g) || !g.mcast ||
		    bs_group_multicast_frame(SAID, key, g.mcast, g.mcast_len,
					     PKM_MSG_MAX, 48, keep,
					     &frags[r]) < 2)
			return 1;
	}
	free(g.mcast);

	/* welcome, then the first rekey in order */
	{
		struct run both[2] = { welcome, frags[0] };
		int k = 0;

		order[k++] = 0;
		for (size_t i = 0; i < frags[0].n; i++)
			order[k++] = 1000 + (int)i;
		err |= put(argv[1], "in_order", both, order, (size_t)k);
		/* reversed, each twice */
		k = 0;
		order[k++] = 0;
		for (size_t i = frags[0].n; i-- > 0;) {
			order[k++] = 1000 + (int)i;
			order[k++] = 1000 + (int)i;
		}
		err |= put(argv[1], "reversed_copies", both, order, (size_t)k);
		/* one missing */
		k = 0;
		order[k++] = 0;
		for (size_t i = 0; i < frags[0].n; i++)
			if (i != 1)
				order[k++] = 1000 + (int)i;
		err |= put(argv[1], "one_missing", both, order, (size_t)k);
	}
	/* the two rekeys' fragments alternating */
	for (size_t i = 0; i < frags[0].n || i < frags[1].n; i++) {
		if (i < frags[0].n)
			order[n++] = (int)i;
		if (i < frags[1].n)
			order[n++] = 1000 + (int)i;
	}
	err |= put(argv[1], "interleaved", frags, order, (size_t)n);
	for (size_t i = 0; i < welcome.n; i++)
		free(welcome.msg[i]);
	for (int r = 0; r < 2; r++)
		for (size_t i = 0; i < frags[r].n; i++)
			free(frags[r].msg[i]);
	keytree_server_free(tree);
	EVP_PKEY_free(key);
	return err ? 1 : 0;
}
