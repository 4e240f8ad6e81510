// SPDX-License-Identifier: GPL-2.0
/* AK transport (RSA-OAEP) and message signatures (RSA-PSS or ECDSA). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "pkm/crypto.h"
#include "pkm/err.h"

int pkm_random(void *buf, size_t len)
{
	if (!buf || len > 1024)
		return PKM_E_INVAL;
	return RAND_bytes(buf, (int)len) == 1 ? PKM_OK : PKM_E_CRYPTO;
}

static bool is_rsa(EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "RSA");
}

static int oaep_setup(EVP_PKEY_CTX *ctx)
{
	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0;
}

int pkm_ak_encrypt(EVP_PKEY *pub, const uint8_t *ak, size_t ak_len,
		   uint8_t *out, size_t cap, size_t *out_len)
{
	EVP_PKEY_CTX *ctx;
	size_t need = 0;
	int err = PKM_E_CRYPTO;

	if (!pub || !ak || !ak_len || !out || !out_len || !is_rsa(pub))
		return PKM_E_INVAL;
	ctx = EVP_PKEY_CTX_new(pub, NULL);
	if (!ctx)
		return PKM_E_NOMEM;
	if (EVP_PKEY_encrypt_init(ctx) <= 0 || !oaep_setup(ctx) ||
	    EVP_PKEY_encrypt(ctx, NULL, &need, ak, ak_len) <= 0)
		goto out;
	if (need > cap) {
		err = PKM_E_NOSPACE;
		goto out;
	}
	*out_len = cap;
	if (EVP_PKEY_encrypt(ctx, out, out_len, ak, ak_len) > 0)
		err = PKM_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return err;
}

int pkm_ak_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t in_len,
		   uint8_t *ak, size_t ak_len)
{
	uint8_t buf[PKM_SIG_MAX];
	EVP_PKEY_CTX *ctx;
	size_t n = sizeof(buf);
	int err = PKM_E_CRYPTO;

	if (!priv || !in || !in_len || !ak || !is_rsa(priv))
		return PKM_E_INVAL;
	if (in_len > sizeof(buf))
		return PKM_E_VALUE;
	ctx = EVP_PKEY_CTX_new(priv, NULL);
	if (!ctx)
		return PKM_E_NOMEM;
	if (EVP_PKEY_decrypt_init(ctx) <= 0 || !oaep_setup(ctx))
		goto out;
	if (EVP_PKEY_decrypt(ctx, buf, &n, in, in_len) <= 0) {
		err = PKM_E_DIGEST;	/* OAEP padding check failed */
		goto out;
	}
	if (n != ak_len) {
		err = PKM_E_VALUE;
		goto out;
	}
	memcpy(ak, buf, ak_len);
	err = PKM_OK;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	return err;
}

static int pss_setup(EVP_PKEY *key, EVP_PKEY_CTX *pctx)
{
	if (!is_rsa(key))
		return 1;
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

int pkm_sign(EVP_PKEY *priv, const uint8_t *data, size_t len,
	     uint8_t *sig, size_t cap, size_t *sig_len)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	size_t need = 0;
	int err = PKM_E_CRYPTO;

	if (!priv || !data || !sig || !sig_len)
		return PKM_E_INVAL;
	md = EVP_MD_CTX_new();
	if (!md)
		return PKM_E_NOMEM;
	if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, priv) <= 0 ||
	    !pss_setup(priv, pctx) ||
	    EVP_DigestSign(md, NULL, &need, data, len) <= 0)
		goto out;
	if (need > cap || need > PKM_SIG_MAX) {
		err = PKM_E_NOSPACE;
		goto out;
	}
	*sig_len = need;
	if (EVP_DigestSign(md, sig, sig_len, data, len) > 0)
		err = PKM_OK;
out:
	EVP_MD_CTX_free(md);
	return err;
}

int pkm_sig_check(EVP_PKEY *pub, const uint8_t *data, size_t len,
		  const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	int err = PKM_E_CRYPTO;

	if (!pub || !data || !sig || !sig_len)
		return PKM_E_INVAL;
	md = EVP_MD_CTX_new();
	if (!md)
		return PKM_E_NOMEM;
	if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub) <= 0 ||
	    !pss_setup(pub, pctx))
		goto out;
	err = EVP_DigestVerify(md, sig, sig_len, data, len) == 1 ?
	      PKM_OK : PKM_E_DIGEST;
out:
	EVP_MD_CTX_free(md);
	return err;
}
