// SPDX-License-Identifier: GPL-2.0
/*
 * Derivations both ends of a key tree group compute (group.h): a member's
 * individual key from its KEK, a TEK from the tree's group key.  OpenSSL
 * HMAC-SHA256, cut to 16 bytes.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "group.h"

static int hmac16(const uint8_t *key, size_t key_len, const uint8_t *data,
		  size_t len, uint8_t out[16])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, mac, &mac_len) ||
	    mac_len < 16) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return -1;
	}
	memcpy(out, mac, 16);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

int group_member_key(const uint8_t kek[PKM_KEY_LEN], uint8_t group,
		     uint8_t key[KEYTREE_KEY_LEN])
{
	static const char label[] = "wman group member key";
	uint8_t in[sizeof(label)];

	memcpy(in, label, sizeof(label) - 1);
	in[sizeof(label) - 1] = group;
	return hmac16(kek, PKM_KEY_LEN, in, sizeof(in), key);
}

int group_tek(const uint8_t group_key[KEYTREE_KEY_LEN], uint8_t group,
	      uint64_t seq, uint8_t tek[PKM_KEY_LEN])
{
	static const char label[] = "wman group TEK";
	uint8_t in[sizeof(label) + 8];
	size_t n = sizeof(label) - 1;

	memcpy(in, label, n);
	in[n++] = group;
	for (int i = 7; i >= 0; i--)
		in[n++] = (uint8_t)(seq >> (8 * i));
	return hmac16(group_key, KEYTREE_KEY_LEN, in, n, tek);
}
