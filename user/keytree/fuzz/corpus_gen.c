// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for the fuzzer: real messages of every kind, both schemes,
 * several degrees, written one per file into the directory given.
 */
#include <stdio.h>
#include <stdlib.h>

#include "keytree.h"

static void save(const char *dir, const char *what, int n, const uint8_t *buf,
		 size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%d", dir, what, n);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (int scheme = KEYTREE_SCHEME_LKH; scheme <= KEYTREE_SCHEME_OFFSET;
	     scheme++) {
		for (unsigned int d = 2; d <= 8; d += 3) {
			struct keytree_server *tree;
			struct keytree_plan *plan;
			uint8_t key[KEYTREE_KEY_LEN] = { (uint8_t)d };
			uint32_t leaf;
			size_t len;

			keytree_server_new(&tree, 1, scheme, d);
			for (int i = 0; i < 30; i++)
				keytree_server_join(tree, key, &leaf);
			keytree_server_rekey(tree, 0, &plan);
			keytree_plan_free(plan);
			/* a join, a leave, then both at once */
			for (int round = 0; round < 3; round++) {
				if (round != 1)
					keytree_server_join(tree, key, &leaf);
				if (round != 0)
					keytree_server_leave(tree, 3 + round);
				keytree_server_rekey(tree, 0, &plan);
				if (keytree_plan_has_multicast(plan) &&
				    !keytree_msg_encode_multicast(
					    tree, plan, buf, sizeof(buf), &len))
					save(argv[1], "multicast", n++, buf,
					     len);
				for (size_t u = 0;
				     u < keytree_plan_unicast_count(plan); u++)
					if (!keytree_msg_encode_unicast(
						    tree, plan, u, buf,
						    sizeof(buf), &len))
						save(argv[1], "unicast", n++,
						     buf, len);
				keytree_plan_free(plan);
			}
			keytree_server_free(tree);
		}
	}
	printf("%d seed messages in %s\n", n, argv[1]);
	return 0;
}
