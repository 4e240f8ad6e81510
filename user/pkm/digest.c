// SPDX-License-Identifier: GPL-2.0
/* AES-CMAC message digests through EVP_MAC. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "pkm/crypto.h"
#include "pkm/err.h"

/*
 * Fetching CMAC and setting its cipher cost more than the MAC itself, so
 * each thread keeps one context with the cipher set and only rekeys it.
 */
static __thread EVP_MAC_CTX *thread_ctx;

static void thread_ctx_free(void)
{
	EVP_MAC_CTX_free(thread_ctx);
	thread_ctx = NULL;
}

static EVP_MAC_CTX *cmac_ctx(void)
{
	static __thread int registered;
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	if (thread_ctx)
		return thread_ctx;
	mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (!mac)
		return NULL;
	thread_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!thread_ctx)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						     (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(thread_ctx, params) <= 0) {
		thread_ctx_free();
		return NULL;
	}
	if (!registered++)
		OPENSSL_atexit(thread_ctx_free);
	return thread_ctx;
}

int pkm_cmac(const uint8_t key[PKM_KEY_LEN], const uint8_t *data, size_t len,
	     uint8_t tag[PKM_CMAC_LEN])
{
	EVP_MAC_CTX *ctx;
	size_t out_len = 0;

	if (!key || (!data && len) || !tag)
		return PKM_E_INVAL;
	ctx = cmac_ctx();
	if (!ctx)
		return PKM_E_CRYPTO;
	if (EVP_MAC_init(ctx, key, PKM_KEY_LEN, NULL) > 0 &&
	    EVP_MAC_update(ctx, data, len) > 0 &&
	    EVP_MAC_final(ctx, tag, &out_len, PKM_CMAC_LEN) > 0 &&
	    out_len == PKM_CMAC_LEN)
		return PKM_OK;
	return PKM_E_CRYPTO;
}

int pkm_cmac_check(const uint8_t key[PKM_KEY_LEN], const uint8_t *data,
		   size_t len, const uint8_t *tag, size_t tag_len)
{
	uint8_t want[PKM_CMAC_LEN];
	int err;

	if (!tag || tag_len < PKM_CMAC_TRUNC_LEN || tag_len > PKM_CMAC_LEN)
		return PKM_E_INVAL;
	err = pkm_cmac(key, data, len, want);
	/* A truncated tag is the leading bytes of the full one. */
	if (!err && CRYPTO_memcmp(want, tag, tag_len))
		err = PKM_E_DIGEST;
	OPENSSL_cleanse(want, sizeof(want));
	return err;
}
