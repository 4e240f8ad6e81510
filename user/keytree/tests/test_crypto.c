// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto wrappers against published vectors and against OpenSSL's own
 * one-shot interfaces.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tap.h"
#include "internal.h"

static void hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned int v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* EVP's own RFC 3394 cipher, as the reference. */
static bool evp_wrap(const uint8_t *kek, const uint8_t *key, uint8_t *out)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-WRAP", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok = cipher && ctx &&
		  EVP_EncryptInit_ex2(ctx, cipher, kek, NULL, NULL) &&
		  EVP_EncryptUpdate(ctx, out, &len, key, 16) &&
		  EVP_EncryptFinal_ex(ctx, out + len, &fin) &&
		  len + fin == 24;

	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return ok;
}

int main(void)
{
	struct keytree_crypto c;
	uint8_t kek[16], key[16], wrapped[24], expect[24], back[16];
	uint8_t a[32], b[32];
	size_t len;
	int mismatches = 0;

	ok(keytree_crypto_init(&c) == KEYTREE_OK, "crypto contexts");

	/* RFC 3394 section 4.1: 128-bit data, 128-bit KEK */
	hex("000102030405060708090A0B0C0D0E0F", kek);
	hex("00112233445566778899AABBCCDDEEFF", key);
	hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", expect);
	ok(!keytree_crypto_wrap(&c, kek, key, wrapped) &&
	   !memcmp(wrapped, expect, 24), "RFC 3394 4.1 wrap");
	ok(!keytree_crypto_unwrap(&c, kek, wrapped, back) &&
	   !memcmp(back, key, 16), "RFC 3394 4.1 unwrap");
	wrapped[5] ^= 0x10;
	ok(keytree_crypto_unwrap(&c, kek, wrapped, back) == KEYTREE_ERR_AUTH,
	   "tampered wrap fails its integrity check");
	wrapped[5] ^= 0x10;
	kek[0] ^= 1;
	ok(keytree_crypto_unwrap(&c, kek, wrapped, back) == KEYTREE_ERR_AUTH,
	   "unwrap under another key fails");

	for (int i = 0; i < 500; i++) {
		RAND_bytes(kek, 16);
		RAND_bytes(key, 16);
		if (keytree_crypto_wrap(&c, kek, key, wrapped) ||
		    !evp_wrap(kek, key, expect) || memcmp(wrapped, expect, 24))
			mismatches++;
	}
	ok(mismatches == 0, "wrap equals EVP AES-128-WRAP on 500 random keys");

	/* RFC 4493 example 2, through the same EVP_MAC the library uses */
	hex("2b7e151628aed2a6abf7158809cf4f3c", kek);
	hex("6bc1bee22e409f96e93d7e117393172a", key);
	hex("070a16b46b4d4144f79bdd9dd04a287c", expect);
	ok(EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, kek, 16, key, 16,
		     a, sizeof(a), &len) && len == 16 &&
	   !memcmp(a, expect, 16), "RFC 4493 example 2");

	/* our CMAC is CMAC(key, label || data) */
	{
		uint8_t input[8 + 16];

		memcpy(input, KEYTREE_LABEL_P2P_TAG, 8);
		memcpy(input + 8, key, 16);
		EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, kek, 16,
			  input, sizeof(input), b, sizeof(b), &len);
		ok(!keytree_crypto_cmac(&c, kek, KEYTREE_LABEL_P2P_TAG, key, 16,
					a) && !memcmp(a, b, 16),
		   "labelled CMAC matches EVP_Q_mac");
		ok(!keytree_crypto_tag_verify(&c, kek, KEYTREE_LABEL_P2P_TAG,
					      key, 16, b), "tag verifies");
		b[15] ^= 1;
		ok(keytree_crypto_tag_verify(&c, kek, KEYTREE_LABEL_P2P_TAG,
					     key, 16, b) == KEYTREE_ERR_AUTH,
		   "altered tag refused");
	}
	ok(!keytree_crypto_hmac(&c, kek, 16, key, 16, a) &&
	   EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, kek, 16, key, 16, b,
		     sizeof(b), &len) && len == 32 && !memcmp(a, b, 32),
	   "HMAC-SHA256 matches EVP_Q_mac");

	/* derivations separate what they should */
	{
		uint8_t w1[16], a1[16], w2[16], a2[16], p1[16], p2[16];

		keytree_crypto_member_keys(&c, key, 1, w1, a1);
		keytree_crypto_member_keys(&c, key, 2, w2, a2);
		ok(memcmp(w1, a1, 16) && memcmp(w1, w2, 16) &&
		   memcmp(a1, a2, 16), "member keys differ per use and group");
		keytree_crypto_offset_pad(&c, key, 1, 5, 10, p1);
		keytree_crypto_offset_pad(&c, key, 1, 5, 11, p2);
		ok(memcmp(p1, p2, 16), "offset pads differ per rekey");
		keytree_crypto_refresh(&c, key, 1, 5, 10, p2);
		ok(memcmp(p1, p2, 16), "refresh and pad differ on one input");
		keytree_crypto_join_step(&c, key, 1, 1, p1);
		keytree_crypto_join_step(&c, p1, 1, 2, p2);
		ok(memcmp(p1, key, 16) && memcmp(p1, p2, 16),
		   "join key steps");
	}
	keytree_crypto_fini(&c);
	return tap_done();
}
