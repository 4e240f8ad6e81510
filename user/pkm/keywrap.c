// SPDX-License-Identifier: GPL-2.0
/* AES Key Wrap (RFC 3394) with the default IV, through EVP (AES-128-WRAP). */
#include <pthread.h>

#include <openssl/crypto.h>

#include "pkm/crypto.h"
#include "pkm/err.h"

/* EVP_aes_128_wrap() would fetch the implementation on every use. */
static EVP_CIPHER *wrap_cipher;
static pthread_once_t wrap_once = PTHREAD_ONCE_INIT;

static void wrap_cipher_free(void)
{
	EVP_CIPHER_free(wrap_cipher);
	wrap_cipher = NULL;
}

static void wrap_cipher_fetch(void)
{
	wrap_cipher = EVP_CIPHER_fetch(NULL, "AES-128-WRAP", NULL);
	if (wrap_cipher)
		OPENSSL_atexit(wrap_cipher_free);
}

static int kw_run(int enc, const uint8_t kek[PKM_KEY_LEN], const uint8_t *in,
		  size_t in_len, uint8_t *out, size_t out_len)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0, err = PKM_E_CRYPTO;

	pthread_once(&wrap_once, wrap_cipher_fetch);
	if (!wrap_cipher)
		return PKM_E_CRYPTO;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return PKM_E_NOMEM;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (!EVP_CipherInit_ex2(ctx, wrap_cipher, kek, NULL, enc, NULL))
		goto out;
	if (EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) <= 0) {
		/* On unwrap this is the integrity check failing. */
		err = enc ? PKM_E_CRYPTO : PKM_E_UNWRAP;
		goto out;
	}
	if (EVP_CipherFinal_ex(ctx, out + n, &fin) <= 0)
		goto out;
	if ((size_t)(n + fin) == out_len)
		err = PKM_OK;
out:
	if (err)
		OPENSSL_cleanse(out, out_len);
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

int pkm_aes_kw_wrap(const uint8_t kek[PKM_KEY_LEN], const uint8_t *in,
		    size_t in_len, uint8_t *out)
{
	if (!kek || !in || !out || in_len < 16 || in_len % 8 ||
	    in_len > 4096)
		return PKM_E_INVAL;
	return kw_run(1, kek, in, in_len, out, in_len + 8);
}

int pkm_aes_kw_unwrap(const uint8_t kek[PKM_KEY_LEN], const uint8_t *in,
		      size_t in_len, uint8_t *out)
{
	if (!kek || !in || !out || in_len < 24 || in_len % 8 ||
	    in_len > 4096 + 8)
		return PKM_E_INVAL;
	return kw_run(0, kek, in, in_len, out, in_len - 8);
}
