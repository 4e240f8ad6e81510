// SPDX-License-Identifier: GPL-2.0
/* Key derivation, AES-CMAC, AES Key Wrap, replay window, RSA helpers. */
#include "pkm/crypto.h"
#include "pkm/err.h"
#include "tap.h"
#include "testcert.h"
#include "vectors.h"

static void test_kdf(void)
{
	uint8_t ak[PKM_AK_LEN], mac[6], bsid[6];
	struct pkm_keys k, k2;

	unhex(VEC_AK, ak, sizeof(ak));
	unhex(VEC_SS_MAC, mac, sizeof(mac));
	unhex(VEC_BSID, bsid, sizeof(bsid));
	is(pkm_keys_derive(ak, sizeof(ak), mac, bsid, &k), 0, "derive keys");
	ok(mem_is_hex(k.kek, 16, VEC_KEK), "KEK matches the fixed vector");
	ok(mem_is_hex(k.cmac_up, 16, VEC_CMAC_UP),
	   "uplink digest key matches the fixed vector");
	ok(mem_is_hex(k.cmac_down, 16, VEC_CMAC_DOWN),
	   "downlink digest key matches the fixed vector");
	ok(pkm_keys_cmac(&k, 9) == k.cmac_up && pkm_keys_cmac(&k, 10) ==
	   k.cmac_down && !pkm_keys_cmac(&k, 11),
	   "PKM-REQ uses the uplink key, PKM-RSP the downlink key");

	mac[5] ^= 1;
	pkm_keys_derive(ak, sizeof(ak), mac, bsid, &k2);
	ok(memcmp(k.kek, k2.kek, 16) && memcmp(k.cmac_up, k2.cmac_up, 16),
	   "another SS MAC gives other keys");
	mac[5] ^= 1;
	bsid[0] ^= 0x80;
	pkm_keys_derive(ak, sizeof(ak), mac, bsid, &k2);
	ok(memcmp(k.kek, k2.kek, 16), "another BSID gives other keys");
	pkm_keys_wipe(&k2);
	ok(!k2.kek[0] && !k2.kek[15] && !k2.cmac_down[15], "wipe zeroes keys");
	is(pkm_keys_derive(ak, 0, mac, bsid, &k2), PKM_E_INVAL,
	   "empty AK refused");
}

static void test_cmac(void)
{
	static const char *key = "2b7e151628aed2a6abf7158809cf4f3c";
	uint8_t k[16], msg[64], tag[16];
	size_t n;

	/* RFC 4493 section 4, examples 1, 2 and 4. */
	unhex(key, k, sizeof(k));
	ok(!pkm_cmac(k, msg, 0, tag) &&
	   mem_is_hex(tag, 16, "bb1d6929e95937287fa37d129b756746"),
	   "AES-CMAC RFC 4493 example 1 (empty)");
	n = unhex("6bc1bee22e409f96e93d7e117393172a", msg, sizeof(msg));
	ok(!pkm_cmac(k, msg, n, tag) &&
	   mem_is_hex(tag, 16, "070a16b46b4d4144f79bdd9dd04a287c"),
	   "AES-CMAC RFC 4493 example 2 (16 bytes)");
	n = unhex("6bc1bee22e409f96e93d7e117393172a"
		  "ae2d8a571e03ac9c9eb76fac45af8e51"
		  "30c81c46a35ce411e5fbc1191a0a52ef"
		  "f69f2445df4f9b17ad2b417be66c3710", msg, sizeof(msg));
	ok(!pkm_cmac(k, msg, n, tag) &&
	   mem_is_hex(tag, 16, "51f0bebf7e3b9d92fc49741779363cfe"),
	   "AES-CMAC RFC 4493 example 4 (64 bytes)");
	is(pkm_cmac_check(k, msg, n, tag, 16), 0,
	   "check accepts the right tag");
	is(pkm_cmac_check(k, msg, n, tag, PKM_CMAC_TRUNC_LEN), 0,
	   "check accepts the tag's first 8 bytes (SP 800-38B truncation)");
	tag[15] ^= 0x01;
	is(pkm_cmac_check(k, msg, n, tag, 16), PKM_E_DIGEST,
	   "check refuses a tag with one flipped bit");
	is(pkm_cmac_check(k, msg, n, tag, 8), 0,
	   "a truncated check does not look past its 8 bytes");
	tag[15] ^= 0x01;
	tag[7] ^= 0x01;
	is(pkm_cmac_check(k, msg, n, tag, 8), PKM_E_DIGEST,
	   "check refuses a truncated tag with its last bit flipped");
	tag[7] ^= 0x01;
	/* The last 8 bytes of the tag are not a truncation of it. */
	is(pkm_cmac_check(k, msg, n, tag + 8, 8), PKM_E_DIGEST,
	   "check refuses the tag's last 8 bytes");
	is(pkm_cmac_check(k, msg, n, tag, 7), PKM_E_INVAL,
	   "check refuses to compare fewer than 8 bytes");
	is(pkm_cmac_check(k, msg, n, tag, 17), PKM_E_INVAL,
	   "check refuses to compare more than 16 bytes");
	msg[0] ^= 0x80;
	is(pkm_cmac_check(k, msg, n, tag, 8), PKM_E_DIGEST,
	   "check refuses a message with one flipped bit");
}

static void test_keywrap(void)
{
	uint8_t kek[16], data[16], out[24], back[16], kek2[16];

	/* RFC 3394 section 4.1: 128-bit key data with a 128-bit KEK. */
	unhex("000102030405060708090A0B0C0D0E0F", kek, sizeof(kek));
	unhex("00112233445566778899AABBCCDDEEFF", data, sizeof(data));
	ok(!pkm_aes_kw_wrap(kek, data, 16, out) &&
	   mem_is_hex(out, 24, "1FA68B0A8112B447 AEF34BD8FB5A7B82"
			       "9D3E862371D2CFE5"),
	   "AES Key Wrap RFC 3394 4.1 vector");
	ok(!pkm_aes_kw_unwrap(kek, out, 24, back) && !memcmp(back, data, 16),
	   "unwrap gives the key data back");
	out[0] ^= 0x01;
	memset(back, 0xee, sizeof(back));
	is(pkm_aes_kw_unwrap(kek, out, 24, back), PKM_E_UNWRAP,
	   "unwrap of a blob with a flipped bit fails the integrity check");
	ok(back[0] == 0 && back[15] == 0,
	   "failed unwrap leaves no key material behind");
	out[0] ^= 0x01;
	out[23] ^= 0x40;
	is(pkm_aes_kw_unwrap(kek, out, 24, back), PKM_E_UNWRAP,
	   "unwrap of a blob with its last bit changed fails");
	out[23] ^= 0x40;
	memcpy(kek2, kek, 16);
	kek2[7] ^= 1;
	is(pkm_aes_kw_unwrap(kek2, out, 24, back), PKM_E_UNWRAP,
	   "unwrap under another KEK fails");
	is(pkm_aes_kw_wrap(kek, data, 12, out), PKM_E_INVAL,
	   "wrap refuses a length that is not a multiple of 8");
	is(pkm_aes_kw_unwrap(kek, out, 16, back), PKM_E_INVAL,
	   "unwrap refuses a blob shorter than 24 bytes");
}

static void test_replay(void)
{
	struct pkm_replay r = { 0 };

	is(pkm_replay_check(&r, 0), 0, "fresh window accepts PN 0");
	pkm_replay_update(&r, 0);
	is(pkm_replay_check(&r, 0), PKM_E_REPLAY, "PN 0 again is a replay");
	is(pkm_replay_check(&r, 5), 0, "a higher PN is accepted");
	pkm_replay_update(&r, 5);
	is(pkm_replay_check(&r, 3), PKM_E_REPLAY, "a lower PN is a replay");
	is(pkm_replay_check(&r, 5), PKM_E_REPLAY, "the same PN is a replay");
	pkm_replay_update(&r, 3);
	is(pkm_replay_check(&r, 6), 0, "a lower update does not move back");
	pkm_replay_update(&r, UINT32_MAX);
	is(pkm_replay_check(&r, UINT32_MAX), PKM_E_REPLAY,
	   "after the last PN nothing is accepted");
}

static void test_rsa(void)
{
	EVP_PKEY *rsa = tc_key_rsa(2048), *other = tc_key_rsa(2048);
	EVP_PKEY *ec = tc_key_ec();
	uint8_t ak[PKM_AK_LEN], back[PKM_AK_LEN], ct[512], sig[512];
	size_t ct_len = 0, sig_len = 0;

	pkm_random(ak, sizeof(ak));
	ok(!pkm_ak_encrypt(rsa, ak, sizeof(ak), ct, sizeof(ct), &ct_len) &&
	   ct_len == 256, "RSA-OAEP encrypts the AK to 256 bytes");
	ok(!pkm_ak_decrypt(rsa, ct, ct_len, back, sizeof(back)) &&
	   !memcmp(ak, back, sizeof(ak)), "RSA-OAEP decrypts the AK back");
	ok(pkm_ak_decrypt(other, ct, ct_len, back, sizeof(back)) != 0,
	   "another key cannot decrypt the AK");
	ct[100] ^= 4;
	ok(pkm_ak_decrypt(rsa, ct, ct_len, back, sizeof(back)) != 0,
	   "a tampered AK ciphertext is refused");
	is(pkm_ak_encrypt(rsa, ak, sizeof(ak), ct, 255, &ct_len),
	   PKM_E_NOSPACE, "AK encryption refuses a short buffer");
	is(pkm_ak_encrypt(ec, ak, sizeof(ak), ct, sizeof(ct), &ct_len),
	   PKM_E_INVAL, "AK encryption needs an RSA key");

	ok(!pkm_sign(rsa, ak, sizeof(ak), sig, sizeof(sig), &sig_len) &&
	   sig_len == 256 && !pkm_sig_check(rsa, ak, sizeof(ak), sig, sig_len),
	   "RSA-PSS signature verifies");
	ak[0] ^= 1;
	is(pkm_sig_check(rsa, ak, sizeof(ak), sig, sig_len), PKM_E_DIGEST,
	   "RSA-PSS refuses a changed message");
	ok(!pkm_sign(ec, ak, sizeof(ak), sig, sizeof(sig), &sig_len) &&
	   !pkm_sig_check(ec, ak, sizeof(ak), sig, sig_len),
	   "ECDSA signature verifies");
	is(pkm_sig_check(rsa, ak, sizeof(ak), sig, sig_len), PKM_E_DIGEST,
	   "an ECDSA signature does not pass for an RSA key");
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(other);
	EVP_PKEY_free(ec);
}

int main(void)
{
	test_kdf();
	test_cmac();
	test_keywrap();
	test_replay();
	test_rsa();
	return tap_done();
}
