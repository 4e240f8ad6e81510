/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_CRYPTO_H
#define PKM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define PKM_AK_LEN		20	/* 802.16's 160-bit Authorization Key */
#define PKM_KEY_LEN		16	/* KEK, digest keys, TEK */
#define PKM_CMAC_LEN		16	/* full AES-CMAC tag */
/*
 * What the wire carries of a tag: its first 8 bytes (NIST SP 800-38B
 * truncation, most significant bytes first), as 802.16e does.
 */
#define PKM_CMAC_TRUNC_LEN	8
#define PKM_WRAPPED_TEK_LEN	(PKM_KEY_LEN + 8)
#define PKM_MAC_ADDR_LEN	6

/* Keys derived from one AK (kdf.c). */
struct pkm_keys {
	uint8_t kek[PKM_KEY_LEN];
	uint8_t cmac_up[PKM_KEY_LEN];	/* SS -> BS: PKM-REQ */
	uint8_t cmac_down[PKM_KEY_LEN];	/* BS -> SS: PKM-RSP */
};

int pkm_keys_derive(const uint8_t *ak, size_t ak_len,
		    const uint8_t ss_mac[PKM_MAC_ADDR_LEN],
		    const uint8_t bsid[PKM_MAC_ADDR_LEN],
		    struct pkm_keys *out);
void pkm_keys_wipe(struct pkm_keys *k);
/* The digest key for messages of this management type (9 up, 10 down). */
const uint8_t *pkm_keys_cmac(const struct pkm_keys *k, uint8_t mgmt_type);

/* AES-CMAC (RFC 4493) with a 128-bit key (digest.c). */
int pkm_cmac(const uint8_t key[PKM_KEY_LEN], const uint8_t *data, size_t len,
	     uint8_t tag[PKM_CMAC_LEN]);
/*
 * 0 if tag holds the first tag_len bytes of the right tag, PKM_E_DIGEST if
 * not; compares in constant time.  tag_len is PKM_CMAC_TRUNC_LEN to
 * PKM_CMAC_LEN (PKM_E_INVAL otherwise).
 */
int pkm_cmac_check(const uint8_t key[PKM_KEY_LEN], const uint8_t *data,
		   size_t len, const uint8_t *tag, size_t tag_len);

/*
 * AES Key Wrap (RFC 3394) under a 128-bit KEK (keywrap.c).  in_len is a
 * multiple of 8, at least 16; the wrapped form is 8 bytes longer.
 */
int pkm_aes_kw_wrap(const uint8_t kek[PKM_KEY_LEN], const uint8_t *in,
		    size_t in_len, uint8_t *out);
int pkm_aes_kw_unwrap(const uint8_t kek[PKM_KEY_LEN], const uint8_t *in,
		      size_t in_len, uint8_t *out);

/*
 * Replay protection of digested messages: the receiver keeps one of these
 * per digest key and accepts only packet numbers above every one it has
 * accepted.  Zero-initialised means "nothing seen yet".
 */
struct pkm_replay {
	uint64_t next;	/* lowest acceptable PN; 2^32 once PNs run out */
};

int pkm_replay_check(const struct pkm_replay *r, uint32_t pn);
void pkm_replay_update(struct pkm_replay *r, uint32_t pn);

/* Fresh random bytes for AKs, TEKs and nonces. */
int pkm_random(void *buf, size_t len);

/*
 * RSA and signatures (rsa.c).  The AK travels RSA-OAEP encrypted
 * (SHA-256, MGF1-SHA-256) to the SS's key.  Signatures are RSA-PSS with
 * SHA-256 (salt = 32 bytes) for RSA keys and ECDSA with SHA-256 for EC keys.
 */
#define PKM_RSA_MIN_BITS	2048
#define PKM_SIG_MAX		512

int pkm_ak_encrypt(EVP_PKEY *pub, const uint8_t *ak, size_t ak_len,
		   uint8_t *out, size_t cap, size_t *out_len);
int pkm_ak_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t in_len,
		   uint8_t *ak, size_t ak_len);
int pkm_sign(EVP_PKEY *priv, const uint8_t *data, size_t len,
	     uint8_t *sig, size_t cap, size_t *sig_len);
int pkm_sig_check(EVP_PKEY *pub, const uint8_t *data, size_t len,
		  const uint8_t *sig, size_t sig_len);

#endif
