// SPDX-License-Identifier: GPL-2.0
/*
 * Every cryptographic operation of the library, over OpenSSL 3:
 *
 *   key wrap     RFC 3394 AES-128 key wrap: OpenSSL's CRYPTO_128_wrap()
 *                driven by an EVP AES-128-ECB context.  The output is the
 *                same as EVP's "AES-128-WRAP" cipher (the unit tests check
 *                both against RFC 3394 section 4.1), but OpenSSL 3.0's wrap
 *                cipher runs table AES; through EVP ECB the block cipher
 *                is AES-NI and a wrap costs about a third.
 *   tags, pads   AES-CMAC (RFC 4493) through EVP_MAC, with 8-byte labels;
 *   derivation   HMAC-SHA256 through EVP_MAC, with NUL-terminated labels;
 *   new keys     RAND_bytes.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/modes.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "internal.h"

int keytree_crypto_init(struct keytree_crypto *crypto)
{
	OSSL_PARAM cmac_params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						 "AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	OSSL_PARAM hmac_params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	static const uint8_t zero_key[KEYTREE_KEY_LEN];

	memset(crypto, 0, sizeof(*crypto));
	crypto->aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	crypto->encrypt_ctx = EVP_CIPHER_CTX_new();
	crypto->decrypt_ctx = EVP_CIPHER_CTX_new();
	crypto->cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	crypto->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!crypto->aes_ecb || !crypto->encrypt_ctx || !crypto->decrypt_ctx ||
	    !crypto->cmac || !crypto->hmac)
		goto fail;
	crypto->cmac_ctx = EVP_MAC_CTX_new(crypto->cmac);
	crypto->hmac_ctx = EVP_MAC_CTX_new(crypto->hmac);
	if (!crypto->cmac_ctx || !crypto->hmac_ctx ||
	    !EVP_MAC_CTX_set_params(crypto->cmac_ctx, cmac_params) ||
	    !EVP_MAC_CTX_set_params(crypto->hmac_ctx, hmac_params))
		goto fail;
	/* Bind the cipher once; each wrap then only sets a key. */
	if (!EVP_EncryptInit_ex2(crypto->encrypt_ctx, crypto->aes_ecb,
				 zero_key, NULL, NULL) ||
	    !EVP_DecryptInit_ex2(crypto->decrypt_ctx, crypto->aes_ecb,
				 zero_key, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(crypto->encrypt_ctx, 0) ||
	    !EVP_CIPHER_CTX_set_padding(crypto->decrypt_ctx, 0))
		goto fail;
	return KEYTREE_OK;
fail:
	keytree_crypto_fini(crypto);
	return KEYTREE_ERR_CRYPTO;
}

void keytree_crypto_fini(struct keytree_crypto *crypto)
{
	EVP_MAC_CTX_free(crypto->hmac_ctx);
	EVP_MAC_CTX_free(crypto->cmac_ctx);
	EVP_MAC_free(crypto->hmac);
	EVP_MAC_free(crypto->cmac);
	EVP_CIPHER_CTX_free(crypto->decrypt_ctx);
	EVP_CIPHER_CTX_free(crypto->encrypt_ctx);
	EVP_CIPHER_free(crypto->aes_ecb);
	memset(crypto, 0, sizeof(*crypto));
}

int keytree_crypto_random(uint8_t *buf, size_t len)
{
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		return KEYTREE_ERR_CRYPTO;
	return KEYTREE_OK;
}

/* block128_f for CRYPTO_128_wrap/unwrap: one AES block through EVP.  An
 * ECB context with its key set cannot fail on one whole block. */
static void aes_block(const unsigned char in[16], unsigned char out[16],
		      const void *ctx)
{
	EVP_Cipher((EVP_CIPHER_CTX *)ctx, out, in, 16);
}

int keytree_crypto_wrap(struct keytree_crypto *crypto,
			const uint8_t kek[KEYTREE_KEY_LEN],
			const uint8_t key[KEYTREE_KEY_LEN],
			uint8_t wrapped[KEYTREE_WRAPPED_LEN])
{
	if (!EVP_EncryptInit_ex2(crypto->encrypt_ctx, NULL, kek, NULL, NULL))
		return KEYTREE_ERR_CRYPTO;
	if (CRYPTO_128_wrap(crypto->encrypt_ctx, NULL, wrapped, key,
			    KEYTREE_KEY_LEN, aes_block) != KEYTREE_WRAPPED_LEN)
		return KEYTREE_ERR_CRYPTO;
	return KEYTREE_OK;
}

int keytree_crypto_unwrap(struct keytree_crypto *crypto,
			  const uint8_t kek[KEYTREE_KEY_LEN],
			  const uint8_t wrapped[KEYTREE_WRAPPED_LEN],
			  uint8_t key[KEYTREE_KEY_LEN])
{
	if (!EVP_DecryptInit_ex2(crypto->decrypt_ctx, NULL, kek, NULL, NULL))
		return KEYTREE_ERR_CRYPTO;
	/* 0 means the RFC 3394 integrity check failed: wrong key or
	 * tampered ciphertext. */
	if (CRYPTO_128_unwrap(crypto->decrypt_ctx, NULL, key, wrapped,
			      KEYTREE_WRAPPED_LEN, aes_block) !=
	    KEYTREE_KEY_LEN) {
		OPENSSL_cleanse(key, KEYTREE_KEY_LEN);
		return KEYTREE_ERR_AUTH;
	}
	return KEYTREE_OK;
}

int keytree_crypto_cmac(struct keytree_crypto *crypto,
			const uint8_t key[KEYTREE_KEY_LEN], const char *label,
			const uint8_t *data, size_t len,
			uint8_t out[KEYTREE_TAG_LEN])
{
	size_t out_len;

	if (!EVP_MAC_init(crypto->cmac_ctx, key, KEYTREE_KEY_LEN, NULL) ||
	    !EVP_MAC_update(crypto->cmac_ctx, (const uint8_t *)label,
			    KEYTREE_LABEL_LEN) ||
	    !EVP_MAC_update(crypto->cmac_ctx, data, len) ||
	    !EVP_MAC_final(crypto->cmac_ctx, out, &out_len, KEYTREE_TAG_LEN) ||
	    out_len != KEYTREE_TAG_LEN)
		return KEYTREE_ERR_CRYPTO;
	return KEYTREE_OK;
}

int keytree_crypto_tag_verify(struct keytree_crypto *crypto,
			      const uint8_t key[KEYTREE_KEY_LEN],
			      const char *label, const uint8_t *data,
			      size_t len, const uint8_t tag[KEYTREE_TAG_LEN])
{
	uint8_t expected[KEYTREE_TAG_LEN];
	int err;

	err = keytree_crypto_cmac(crypto, key, label, data, len, expected);
	if (err)
		return err;
	err = CRYPTO_memcmp(expected, tag, KEYTREE_TAG_LEN) ?
		KEYTREE_ERR_AUTH : KEYTREE_OK;
	OPENSSL_cleanse(expected, sizeof(expected));
	return err;
}

int keytree_crypto_hmac(struct keytree_crypto *crypto, const uint8_t *key,
			size_t key_len, const uint8_t *data, size_t len,
			uint8_t out[32])
{
	size_t out_len;

	if (!EVP_MAC_init(crypto->hmac_ctx, key, key_len, NULL) ||
	    !EVP_MAC_update(crypto->hmac_ctx, data, len) ||
	    !EVP_MAC_final(crypto->hmac_ctx, out, &out_len, 32) ||
	    out_len != 32)
		return KEYTREE_ERR_CRYPTO;
	return KEYTREE_OK;
}

/* HMAC input: label (with its NUL) || group id || optional 64-bit value. */
static int derive(struct keytree_crypto *crypto, const uint8_t *key,
		  size_t key_len, const char *label, uint32_t group_id,
		  const uint64_t *value, uint8_t out[32])
{
	uint8_t input[48];
	size_t label_len = strlen(label) + 1;
	size_t len = label_len;

	memcpy(input, label, label_len);
	keytree_put_be32(input + len, group_id);
	len += 4;
	if (value) {
		keytree_put_be64(input + len, *value);
		len += 8;
	}
	return keytree_crypto_hmac(crypto, key, key_len, input, len, out);
}

int keytree_crypto_member_keys(struct keytree_crypto *crypto,
			       const uint8_t individual_key[KEYTREE_KEY_LEN],
			       uint32_t group_id,
			       uint8_t wrap_key[KEYTREE_KEY_LEN],
			       uint8_t auth_key[KEYTREE_KEY_LEN])
{
	uint8_t out[32];
	int err;

	err = derive(crypto, individual_key, KEYTREE_KEY_LEN,
		     "keytree member keys", group_id, NULL, out);
	if (!err) {
		memcpy(wrap_key, out, KEYTREE_KEY_LEN);
		memcpy(auth_key, out + KEYTREE_KEY_LEN, KEYTREE_KEY_LEN);
	}
	OPENSSL_cleanse(out, sizeof(out));
	return err;
}

int keytree_crypto_epoch_keys(struct keytree_crypto *crypto,
			      enum keytree_scheme scheme, uint32_t group_id,
			      uint64_t seq,
			      const uint8_t join_key[KEYTREE_KEY_LEN],
			      const uint8_t root_key[KEYTREE_KEY_LEN],
			      uint8_t group_key[KEYTREE_KEY_LEN],
			      uint8_t p2mp_auth_key[KEYTREE_KEY_LEN])
{
	uint8_t material[2 * KEYTREE_KEY_LEN];
	uint8_t out[32];
	size_t material_len = 0;
	int err;

	/* offset: the group key needs both the join key and the root's
	 * leave key; lkh: the root key alone. */
	if (scheme == KEYTREE_SCHEME_OFFSET) {
		memcpy(material, join_key, KEYTREE_KEY_LEN);
		material_len = KEYTREE_KEY_LEN;
	}
	memcpy(material + material_len, root_key, KEYTREE_KEY_LEN);
	material_len += KEYTREE_KEY_LEN;

	err = derive(crypto, material, material_len, "keytree epoch keys",
		     group_id, &seq, out);
	if (!err) {
		memcpy(group_key, out, KEYTREE_KEY_LEN);
		memcpy(p2mp_auth_key, out + KEYTREE_KEY_LEN, KEYTREE_KEY_LEN);
	}
	OPENSSL_cleanse(material, sizeof(material));
	OPENSSL_cleanse(out, sizeof(out));
	return err;
}

int keytree_crypto_join_step(struct keytree_crypto *crypto,
			     const uint8_t join_key[KEYTREE_KEY_LEN],
			     uint32_t group_id, uint64_t new_epoch,
			     uint8_t next[KEYTREE_KEY_LEN])
{
	uint8_t out[32];
	int err;

	err = derive(crypto, join_key, KEYTREE_KEY_LEN, "keytree join step",
		     group_id, &new_epoch, out);
	if (!err)
		memcpy(next, out, KEYTREE_KEY_LEN);
	OPENSSL_cleanse(out, sizeof(out));
	return err;
}

/* Shared input of the two offset-scheme PRFs. */
static int node_prf(struct keytree_crypto *crypto,
		    const uint8_t key[KEYTREE_KEY_LEN], const char *label,
		    uint32_t group_id, uint32_t node, uint64_t seq,
		    uint8_t out[KEYTREE_KEY_LEN])
{
	uint8_t input[16];

	keytree_put_be32(input, group_id);
	keytree_put_be32(input + 4, node);
	keytree_put_be64(input + 8, seq);
	return keytree_crypto_cmac(crypto, key, label, input, sizeof(input),
				   out);
}

int keytree_crypto_refresh(struct keytree_crypto *crypto,
			   const uint8_t key[KEYTREE_KEY_LEN], uint32_t group_id,
			   uint32_t node, uint64_t seq,
			   uint8_t fresh[KEYTREE_KEY_LEN])
{
	return node_prf(crypto, key, KEYTREE_LABEL_REFRESH, group_id, node,
			seq, fresh);
}

int keytree_crypto_offset_pad(struct keytree_crypto *crypto,
			      const uint8_t child_key[KEYTREE_KEY_LEN],
			      uint32_t group_id, uint32_t child, uint64_t seq,
			      uint8_t pad[KEYTREE_KEY_LEN])
{
	/* (child, seq) never repeats under one child key, so no two
	 * offsets ever share a pad. */
	return node_prf(crypto, child_key, KEYTREE_LABEL_OFFSET, group_id,
			child, seq, pad);
}
