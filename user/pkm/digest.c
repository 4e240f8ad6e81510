// SPDX-License-Identifier: GPL-2.0
/* AES-CMAC message digests through EVP_MAC. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "pkm/crypto.h"
#include "pkm/err.h"

int pkm_cmac(const uint8_t key[PKM_KEY_LEN], const uint8_t *data, size_t len,
	     uint8_t tag[PKM_CMAC_LEN])
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;
	size_t out_len = 0;
	int err = PKM_E_CRYPTO;

	if (!key || (!data && len) || !tag)
		return PKM_E_INVAL;
	mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (!mac)
		return PKM_E_CRYPTO;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!ctx)
		return PKM_E_CRYPTO;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						     (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, PKM_KEY_LEN, params) > 0 &&
	    EVP_MAC_update(ctx, data, len) > 0 &&
	    EVP_MAC_final(ctx, tag, &out_len, PKM_CMAC_LEN) > 0 &&
	    out_len == PKM_CMAC_LEN)
		err = PKM_OK;
	EVP_MAC_CTX_free(ctx);
	return err;
}

int pkm_cmac_check(const uint8_t key[PKM_KEY_LEN], const uint8_t *data,
		   size_t len, const uint8_t tag[PKM_CMAC_LEN])
{
	uint8_t want[PKM_CMAC_LEN];
	int err;

	err = pkm_cmac(key, data, len, want);
	if (!err && CRYPTO_memcmp(want, tag, PKM_CMAC_LEN))
		err = PKM_E_DIGEST;
	OPENSSL_cleanse(want, sizeof(want));
	return err;
}
