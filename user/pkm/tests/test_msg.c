// SPDX-License-Identifier: GPL-2.0
/*
 * Every PKM message built and parsed back field by field, verified, and
 * refused after any single flipped bit; parse rules on hand-made input;
 * replay; a whole authorization and key exchange.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdlib.h>

#include "pkm.h"
#include "tap.h"
#include "testcert.h"
#include "vectors.h"

static struct tc_cert ca, bs, ss;
static X509_STORE *store;
static struct pkm_keys keys;
static uint8_t buf[PKM_MSG_MAX], buf2[PKM_MSG_MAX];

static void setup(void)
{
	uint8_t ak[PKM_AK_LEN], mac[6], bsid[6];

	if (tc_make(&ca, "wman test CA", tc_key_ec(), NULL, TC_CA, -1, 365) ||
	    tc_make(&bs, "bs-1", tc_key_ec(), &ca, TC_BS, -1, 365) ||
	    tc_make(&ss, "ss-1", tc_key_rsa(2048), &ca, TC_SS, -1, 365)) {
		printf("Bail out! cannot make test certificates\n");
		exit(1);
	}
	store = X509_STORE_new();
	X509_STORE_add_cert(store, ca.x);
	unhex(VEC_AK, ak, sizeof(ak));
	unhex(VEC_SS_MAC, mac, sizeof(mac));
	unhex(VEC_BSID, bsid, sizeof(bsid));
	pkm_keys_derive(ak, sizeof(ak), mac, bsid, &keys);
}

/* Flips every bit of a good message in turn; none may still verify. */
static void flip_every_bit(const uint8_t *msg, size_t len,
			   const struct pkm_verifier *v, const char *name)
{
	struct pkm_msg m;
	size_t bit, accepted = 0, parsed = 0;
	uint8_t *copy = malloc(len);

	memcpy(copy, msg, len);
	for (bit = 0; bit < 8 * len; bit++) {
		struct pkm_verifier vv = *v;
		struct pkm_replay r = { 0 };

		if (v->replay)
			vv.replay = &r;
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (!pkm_msg_parse(copy, len, &m)) {
			parsed++;
			if (!pkm_msg_verify(&m, &vv))
				accepted++;
		}
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	free(copy);
	ok(accepted == 0, "%s: none of %zu single-bit flips verifies "
	   "(%zu still parse)", name, 8 * len, parsed);
}

static const struct pkm_crypto_suite ccm = {
	PKM_DATA_ENC_AES_CCM_128, PKM_DATA_AUTH_AEAD, PKM_TEK_ENC_AES_KW_128
};
static const struct pkm_crypto_suite gcm = {
	PKM_DATA_ENC_AES_GCM_128, PKM_DATA_AUTH_AEAD, PKM_TEK_ENC_AES_KW_128
};

/*
 * The Auth Request's attribute order and its Security-Capabilities, 19
 * last before the SigSS (Wireshark 4.0 stops decoding at a 21 inside a 19).
 */
static bool auth_request_layout(const uint8_t *msg, size_t len)
{
	static const uint8_t order[] = { 18, 12, 39, 33, 19, 44 };
	static const char caps[] = "15 0a 14 03 02 00 04 14 03 80 00 04 16 01 01";
	struct pkm_tlv_iter it;
	struct pkm_tlv t;
	size_t n = 0;
	bool caps_ok = false;

	pkm_tlv_iter_init(&it, msg + PKM_HDR_LEN, len - PKM_HDR_LEN);
	while (pkm_tlv_next(&it, &t) > 0) {
		if (n == sizeof(order) || t.type != order[n++])
			return false;
		if (t.type == PKM_A_SEC_CAPS)
			caps_ok = mem_is_hex(t.val, t.len, caps);
	}
	return n == sizeof(order) && caps_ok;
}

static void test_auth_request(void)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST, .id = 1 }, p;
	struct pkm_auth_request *r = &m.u.auth_req, *q = &p.u.auth_req;
	struct pkm_seal seal = { .sign_key = ss.key };
	struct pkm_cert_id id;
	struct pkm_verifier v = { 0 };
	size_t len;
	int err;

	r->ss_cert.p = ss.der;
	r->ss_cert.len = ss.der_len;
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = 2;
	r->caps.suites[0] = ccm;
	r->caps.suites[1] = gcm;
	r->basic_said = 0x0101;
	unhex("02 00 00 00 00 02", r->ss_mac, 6);
	pkm_random(r->ss_random, sizeof(r->ss_random));

	err = pkm_msg_build(&m, &seal, buf, sizeof(buf), &len);
	is(err, 0, "Auth Request builds");
	printf("# Auth Request: %zu bytes (SS RSA-2048 certificate %zu)\n",
	       len, ss.der_len);
	ok(len <= 1500 - 6, "Auth Request fits one Ethernet frame");
	ok(buf[0] == 9 && buf[1] == 4 && buf[2] == 1,
	   "Auth Request header: PKM-REQ, code 4, identifier 1");
	is(pkm_msg_parse(buf, len, &p), 0, "Auth Request parses");
	ok(p.code == PKM_AUTH_REQUEST && p.id == 1 &&
	   p.authn == PKM_AUTHN_SIG_SS && !p.verified,
	   "Auth Request: code, id, SigSS, not yet verified");
	ok(q->ss_cert.len == ss.der_len &&
	   !memcmp(q->ss_cert.p, ss.der, ss.der_len),
	   "Auth Request: SS certificate");
	ok(q->caps.version == 1 && q->caps.n_suites == 2 &&
	   q->caps.suites[1].data_enc == 0x80 &&
	   q->caps.suites[0].tek_enc == 4, "Auth Request: capabilities");
	ok(q->basic_said == 0x0101 && !memcmp(q->ss_mac, r->ss_mac, 6) &&
	   !memcmp(q->ss_random, r->ss_random, 8),
	   "Auth Request: basic SAID, MAC address, SS random");
	ok(auth_request_layout(buf, len),
	   "Auth Request: 18 12 39 33, then 19 { 21 { 20 20 } 22 } last before SigSS");

	/* The BS learns the key from the certificate it has just checked. */
	is(pkm_cert_verify(store, q->ss_cert.p, q->ss_cert.len, 0, PKM_ROLE_SS, &id), 0,
	   "Auth Request: SS certificate verifies against the CA");
	v.peer_key = bs.key;
	is(pkm_msg_verify(&p, &v), PKM_E_DIGEST,
	   "Auth Request: another key does not verify SigSS");
	v.peer_key = id.pub;
	ok(!pkm_msg_verify(&p, &v) && p.verified,
	   "Auth Request: SigSS verifies with the certificate's key");
	flip_every_bit(buf, len, &v, "Auth Request");
	pkm_cert_id_free(&id);
}

static void test_auth_reply(void)
{
	struct pkm_msg m = { .code = PKM_AUTH_REPLY, .id = 1 }, p;
	struct pkm_auth_reply *r = &m.u.auth_rep, *q = &p.u.auth_rep;
	struct pkm_seal seal = { .sign_key = bs.key };
	struct pkm_verifier v = { .peer_key = bs.key };
	uint8_t ak[PKM_AK_LEN], got[PKM_AK_LEN], enc[512];
	size_t len, enc_len;

	pkm_random(ak, sizeof(ak));
	pkm_ak_encrypt(ss.key, ak, sizeof(ak), enc, sizeof(enc), &enc_len);
	r->enc_ak.p = enc;
	r->enc_ak.len = enc_len;
	r->ak_lifetime = 604800;
	r->ak_seq = 3;
	r->n_sa = 3;
	r->sa[0] = (struct pkm_sa_desc){ .said = 0x0101,
		.sa_type = PKM_SA_PRIMARY, .suite = ccm, .has_service = true,
		.service = PKM_SERVICE_UNICAST };
	r->sa[1] = (struct pkm_sa_desc){ .said = 0x2005,
		.sa_type = PKM_SA_STATIC, .suite = gcm, .has_service = true,
		.service = PKM_SERVICE_MULTICAST, .has_group = true,
		.group_id = 5 };
	r->sa[2] = (struct pkm_sa_desc){ .said = 0xffff,
		.sa_type = PKM_SA_STATIC, .suite = ccm };
	r->has_config = true;
	r->config.present = 1u << (PKM_CFG_TEK_GRACE - 1) |
			    1u << (PKM_CFG_REKEY_WAIT - 1);
	r->config.val[PKM_CFG_TEK_GRACE - 1] = 300;
	r->config.val[PKM_CFG_REKEY_WAIT - 1] = 10;
	memset(r->ss_random, 0xa5, sizeof(r->ss_random));
	r->bs_cert.p = bs.der;
	r->bs_cert.len = bs.der_len;

	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), 0,
	   "Auth Reply builds");
	printf("# Auth Reply: %zu bytes (BS P-256 certificate %zu)\n", len,
	       bs.der_len);
	ok(len <= 1500 - 6, "Auth Reply fits one Ethernet frame");
	ok(!pkm_msg_parse(buf, len, &p) && buf[0] == 10 && p.code == 5 &&
	   p.authn == PKM_AUTHN_SIG_BS, "Auth Reply parses: PKM-RSP, SigBS");
	ok(q->enc_ak.len == enc_len && !memcmp(q->enc_ak.p, enc, enc_len) &&
	   q->ak_lifetime == 604800 && q->ak_seq == 3,
	   "Auth Reply: encrypted AK, lifetime, sequence number");
	ok(q->n_sa == 3 && q->sa[0].said == 0x0101 &&
	   q->sa[0].sa_type == PKM_SA_PRIMARY && q->sa[0].has_service &&
	   q->sa[0].service == 0 && !q->sa[0].has_group &&
	   q->sa[0].suite.data_enc == 2,
	   "Auth Reply: unicast SA descriptor");
	ok(q->sa[1].said == 0x2005 && q->sa[1].service == 1 &&
	   q->sa[1].has_group && q->sa[1].group_id == 5 &&
	   q->sa[1].suite.data_enc == 0x80 && !q->sa[2].has_service &&
	   q->sa[2].said == 0xffff,
	   "Auth Reply: multicast and plain SA descriptors");
	ok(memmem(buf, len, "\x17\x12\x0c\x02\x20\x05\x18\x01\x01"
		  "\x14\x03\x80\x00\x04\x1f\x01\x01\x1d\x01\x05", 20) != NULL,
	   "Auth Reply: multicast SA-Descriptor with SA-Service-Type 31 and group 29");
	ok(q->has_config && q->config.present == r->config.present &&
	   q->config.val[PKM_CFG_TEK_GRACE - 1] == 300 &&
	   q->config.val[PKM_CFG_REKEY_WAIT - 1] == 10,
	   "Auth Reply: configuration settings");
	ok(!memcmp(q->ss_random, r->ss_random, 8) &&
	   q->bs_cert.len == bs.der_len, "Auth Reply: SS random echo, BS cert");
	is(pkm_auth_reply_ak(&p, ss.key, got), PKM_E_UNVERIFIED,
	   "Auth Reply: no AK before verification");
	is(pkm_msg_verify(&p, &v), 0, "Auth Reply: SigBS verifies");
	ok(!pkm_auth_reply_ak(&p, ss.key, got) && !memcmp(got, ak, sizeof(ak)),
	   "Auth Reply: the SS decrypts the AK");
	is(pkm_auth_reply_ak(&p, bs.key, got), PKM_E_INVAL,
	   "Auth Reply: AK decryption needs the SS's RSA key");
	flip_every_bit(buf, len, &v, "Auth Reply");

	r->sa[1].has_group = false;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "Auth Reply: a multicast SA without a group is not built");
}

static void test_auth_reject_info(void)
{
	struct pkm_msg m = { .code = PKM_AUTH_REJECT, .id = 2 }, p;
	struct pkm_seal seal = { .sign_key = bs.key };
	struct pkm_verifier v = { .peer_key = bs.key };
	size_t len;

	m.u.auth_rej.error = PKM_EC_UNAUTHORIZED_SS;
	strcpy(m.u.auth_rej.display, "certificate not trusted");
	memset(m.u.auth_rej.ss_random, 0x11, 8);
	m.u.auth_rej.bs_cert.p = bs.der;
	m.u.auth_rej.bs_cert.len = bs.der_len;
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && p.code == PKM_AUTH_REJECT &&
	   p.id == 2, "Auth Reject builds and parses");
	ok(p.u.auth_rej.error == 1 &&
	   !strcmp(p.u.auth_rej.display, "certificate not trusted") &&
	   p.u.auth_rej.ss_random[7] == 0x11 &&
	   p.u.auth_rej.bs_cert.len == bs.der_len,
	   "Auth Reject: error code, display string, random, BS cert");
	is(pkm_msg_verify(&p, &v), 0, "Auth Reject: SigBS verifies");
	flip_every_bit(buf, len, &v, "Auth Reject");

	strcpy(m.u.auth_rej.display, "bad\nline");
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "Auth Reject: a display string with a newline is not built");

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_INFO;
	m.u.auth_info.ca_cert.p = ca.der;
	m.u.auth_info.ca_cert.len = ca.der_len;
	ok(!pkm_msg_build(&m, NULL, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && buf[0] == 9 &&
	   p.authn == PKM_AUTHN_NONE && p.u.auth_info.ca_cert.len == ca.der_len
	   && !memcmp(p.u.auth_info.ca_cert.p, ca.der, ca.der_len),
	   "Auth Info builds and parses: PKM-REQ, CA certificate");
	ok(!pkm_msg_verify(&p, &v) && p.verified,
	   "Auth Info has nothing to verify");
}

/* The Key Request example of Documentation/pkm-protocol.rst. */
#define KEY_REQUEST_EXAMPLE \
	"09 07 01 0a 01 01 0c 02 20 05 1c 01 01 1d 01 05" \
	"28 0c 00 00 00 01 86 e0 33 8d 65 81 c3 c9"

static void test_key_request(void)
{
	static const uint8_t services[] = { 0, 1, 2, 9 };
	struct pkm_msg m = { .code = PKM_KEY_REQUEST, .id = 1 }, p;
	struct pkm_key_request *r = &m.u.key_req, *q = &p.u.key_req;
	struct pkm_seal seal = { .cmac_key = keys.cmac_up, .pn = 1 };
	struct pkm_replay replay = { 0 };
	struct pkm_verifier v = { .cmac_key = keys.cmac_up, .replay = &replay };
	size_t len, i;

	r->ak_seq = 1;
	r->said = 0x2005;
	r->service = PKM_SERVICE_MULTICAST;
	r->has_group = true;
	r->group_id = 5;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), 0,
	   "Key Request builds");
	if (!ok(mem_is_hex(buf, len, KEY_REQUEST_EXAMPLE),
		"Key Request: bytes match the documented example"))
		print_hex("Key Request", buf, len);
	ok(!pkm_msg_parse(buf, len, &p) && p.authn == PKM_AUTHN_CMAC &&
	   p.pn == 1 && q->ak_seq == 1 && q->said == 0x2005 &&
	   q->service == 1 && q->has_group && q->group_id == 5,
	   "Key Request (multicast) parses field by field");
	is(pkm_msg_verify(&p, &v), 0, "Key Request: digest verifies");
	is(pkm_msg_verify(&p, &v), PKM_E_REPLAY,
	   "Key Request: the same message again is a replay");
	v.replay = NULL;
	flip_every_bit(buf, len, &v, "Key Request");
	v.cmac_key = keys.cmac_down;
	is(pkm_msg_verify(&p, &v), PKM_E_DIGEST,
	   "Key Request: the downlink key does not verify it");

	for (i = 0; i < sizeof(services); i++) {
		r->service = services[i];
		r->has_group = services[i] == PKM_SERVICE_MULTICAST;
		seal.pn = 2 + (uint32_t)i;
		ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
		   !pkm_msg_parse(buf, len, &p) && q->service == services[i] &&
		   q->has_group == r->has_group,
		   "Key Request with service type %u round-trips",
		   services[i]);
	}
	r->service = PKM_SERVICE_UNICAST;
	r->has_group = true;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "Key Request: a group ID on a unicast request is not built");
	r->has_group = false;
	is(pkm_msg_build(&m, NULL, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "Key Request: not built without a digest key");
	is(pkm_msg_build(&m, &seal, buf, 20, &len), PKM_E_NOSPACE,
	   "Key Request: not built into a too small buffer");
}

/* The Key Reply example of Documentation/pkm-protocol.rst. */
#define KEY_REPLY_EXAMPLE \
	"0a 08 01 0a 01 01 0c 02 20 05" \
	"0d 23 08 18 84 2b fd 63 9d 88 08 47 4a 0a 43 ff 9c a6 96 0f" \
	"54 82 45 62 a9 67 58 d5 09 04 00 00 07 08 0a 01 03" \
	"0d 23 08 18 44 8f 61 31 e3 35 c3 f5 fc c7 0e 03 00 0a 73 f9" \
	"49 e9 3a b8 b7 a3 0c 68 09 04 00 00 0e 10 0a 01 00" \
	"28 0c 00 00 00 01 a8 80 f3 6a fc a8 13 d9"

static void test_key_reply(void)
{
	struct pkm_msg m = { .code = PKM_KEY_REPLY, .id = 1 }, p;
	struct pkm_key_reply *r = &m.u.key_rep, *q = &p.u.key_rep;
	struct pkm_seal seal = { .cmac_key = keys.cmac_down, .pn = 1 };
	struct pkm_replay replay = { 0 };
	struct pkm_verifier v = { .cmac_key = keys.cmac_down,
				  .replay = &replay };
	uint8_t tek[2][16], got[16];
	size_t len;

	unhex("000102030405060708090a0b0c0d0e0f", tek[0], 16);
	unhex("101112131415161718191a1b1c1d1e1f", tek[1], 16);
	r->ak_seq = 1;
	r->said = 0x2005;
	r->tek[0] = (struct pkm_tek_params){ .lifetime = 1800, .eks = 3 };
	r->tek[1] = (struct pkm_tek_params){ .lifetime = 3600, .eks = 0 };
	pkm_tek_params_wrap(&r->tek[0], keys.kek, tek[0]);
	pkm_tek_params_wrap(&r->tek[1], keys.kek, tek[1]);
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), 0,
	   "Key Reply builds");
	if (!ok(mem_is_hex(buf, len, KEY_REPLY_EXAMPLE),
		"Key Reply: bytes match the documented example"))
		print_hex("Key Reply", buf, len);
	ok(!pkm_msg_parse(buf, len, &p) && buf[0] == 10 && p.code == 8 &&
	   q->ak_seq == 1 && q->said == 0x2005, "Key Reply parses: header, SAID");
	ok(q->tek[0].eks == 3 && q->tek[0].lifetime == 1800 &&
	   q->tek[1].eks == 0 && q->tek[1].lifetime == 3600 &&
	   !memcmp(q->tek[0].wrapped_tek, r->tek[0].wrapped_tek, 24),
	   "Key Reply: both TEK parameter sets, older first");
	is(pkm_key_reply_tek(&p, 0, keys.kek, got), PKM_E_UNVERIFIED,
	   "Key Reply: no TEK before verification");
	v.cmac_key = keys.cmac_up;
	is(pkm_msg_verify(&p, &v), PKM_E_DIGEST,
	   "Key Reply: the uplink key does not verify it");
	is(pkm_key_reply_tek(&p, 0, keys.kek, got), PKM_E_UNVERIFIED,
	   "Key Reply: a failed verification unlocks nothing");
	v.cmac_key = keys.cmac_down;
	is(pkm_msg_verify(&p, &v), 0, "Key Reply: digest verifies");
	ok(!pkm_key_reply_tek(&p, 0, keys.kek, got) && !memcmp(got, tek[0], 16),
	   "Key Reply: older TEK unwraps");
	ok(!pkm_key_reply_tek(&p, 1, keys.kek, got) && !memcmp(got, tek[1], 16),
	   "Key Reply: newer TEK unwraps");
	is(pkm_key_reply_tek(&p, 0, keys.cmac_up, got), PKM_E_UNWRAP,
	   "Key Reply: another KEK does not unwrap");
	v.replay = NULL;
	flip_every_bit(buf, len, &v, "Key Reply");

	r->has_sa_desc = true;
	r->sa_desc = (struct pkm_sa_desc){
		.said = 0x2005, .sa_type = PKM_SA_PRIMARY,
		.suite = { PKM_DATA_ENC_AES_GCM_128, PKM_DATA_AUTH_AEAD,
			   PKM_TEK_ENC_AES_KW_128 },
		.has_service = true, .service = PKM_SERVICE_UNICAST };
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && q->has_sa_desc &&
	   q->sa_desc.said == 0x2005 &&
	   q->sa_desc.suite.data_enc == PKM_DATA_ENC_AES_GCM_128 &&
	   q->sa_desc.has_service && q->sa_desc.service == PKM_SERVICE_UNICAST,
	   "Key Reply with its SA's SA-Descriptor: built and parsed back");
	r->sa_desc.said = 0x2006;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "Key Reply: an SA-Descriptor of another SAID is not built");
	r->has_sa_desc = false;

	r->tek[1].eks = 1;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "Key Reply: TEKs out of EKS order are not built");
}

static void test_key_reject_family(void)
{
	static const uint8_t codes[] = { PKM_KEY_REJECT, PKM_TEK_INVALID };
	static const uint8_t errors[] = { PKM_EC_UNSUPPORTED_SERVICE,
					  PKM_EC_UNAUTHORIZED_MCAST_GROUP,
					  PKM_EC_UNAUTHORIZED_SAID };
	struct pkm_seal seal = { .cmac_key = keys.cmac_down, .pn = 7 };
	struct pkm_verifier v = { .cmac_key = keys.cmac_down };
	struct pkm_msg m, p;
	size_t c, e, len;

	for (c = 0; c < 2; c++) {
		for (e = 0; e < 3; e++) {
			memset(&m, 0, sizeof(m));
			m.code = codes[c];
			m.id = 9;
			m.u.key_rej.ak_seq = 2;
			m.u.key_rej.said = 0x2006;
			m.u.key_rej.error = errors[e];
			if (e == 1)
				strcpy(m.u.key_rej.display, "group 6");
			ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
			   !pkm_msg_parse(buf, len, &p) && p.code == codes[c] &&
			   p.u.key_rej.ak_seq == 2 &&
			   p.u.key_rej.said == 0x2006 &&
			   p.u.key_rej.error == errors[e] &&
			   !strcmp(p.u.key_rej.display, m.u.key_rej.display) &&
			   !pkm_msg_verify(&p, &v),
			   "%s with error %u (%s) round-trips and verifies",
			   pkm_code_name(codes[c]), errors[e],
			   pkm_error_code_name(errors[e]));
		}
		flip_every_bit(buf, len, &v, pkm_code_name(codes[c]));
	}
}

static void test_auth_invalid_gku(void)
{
	struct pkm_seal seal = { .cmac_key = keys.cmac_down, .pn = 3,
				 .sign_key = bs.key };
	struct pkm_verifier v = { .cmac_key = keys.cmac_down,
				  .peer_key = bs.key };
	uint8_t payload[300];
	struct pkm_msg m, p;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_INVALID;
	m.u.auth_inv.has_ak_seq = true;
	m.u.auth_inv.ak_seq = 4;
	m.u.auth_inv.error = PKM_EC_MSG_AUTH_FAILURE;
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && p.authn == PKM_AUTHN_CMAC &&
	   p.u.auth_inv.has_ak_seq && p.u.auth_inv.ak_seq == 4 &&
	   p.u.auth_inv.error == 5 && !pkm_msg_verify(&p, &v),
	   "Auth Invalid naming an AK is digested");
	m.u.auth_inv.has_ak_seq = false;
	memcpy(m.u.auth_inv.ss_mac, "\x02\x16\x00\x00\x00\x07", 6);
	memcpy(m.u.auth_inv.ss_random, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && p.authn == PKM_AUTHN_SIG_BS &&
	   !p.u.auth_inv.has_ak_seq && !pkm_msg_verify(&p, &v),
	   "Auth Invalid naming no AK is signed");
	ok(!memcmp(p.u.auth_inv.ss_mac, m.u.auth_inv.ss_mac, 6) &&
	   !memcmp(p.u.auth_inv.ss_random, m.u.auth_inv.ss_random, 8),
	   "the signed Auth Invalid carries the SS's MAC address and SS-Random");
	flip_every_bit(buf, len, &v, "Auth Invalid");

	memset(&m, 0, sizeof(m));
	memset(payload, 0x3c, sizeof(payload));
	m.code = PKM_GROUP_KEY_UPDATE;
	m.id = 0x42;
	m.u.gku.said = 0x2005;
	m.u.gku.payload.p = payload;
	m.u.gku.payload.len = sizeof(payload);
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && buf[0] == 10 && buf[1] == 0xf0 &&
	   p.authn == PKM_AUTHN_CMAC && p.u.gku.said == 0x2005 &&
	   p.u.gku.payload.len == 300 && p.u.gku.payload.p[299] == 0x3c &&
	   !pkm_msg_verify(&p, &v),
	   "Group Key Update (digested) round-trips");
	flip_every_bit(buf, len, &v, "Group Key Update");
	seal.cmac_key = NULL;
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && p.authn == PKM_AUTHN_SIG_BS &&
	   !pkm_msg_verify(&p, &v), "Group Key Update (signed) round-trips");
}

static size_t raw_msg(uint8_t *out, const char *hex, bool digest);

/* Group-Key-Fragment (0xe1): a payload slice's place in its rekey. */
static void test_gku_fragment(void)
{
	struct pkm_seal seal = { .sign_key = bs.key };
	struct pkm_verifier v = { .peer_key = bs.key };
	struct pkm_msg m, p;
	uint8_t payload[200];
	size_t len, i;
	static const uint8_t want[] = {
		0x0a, 0xf0, 0x07,			/* PKM-RSP, GKU, id 7 */
		0x0c, 0x02, 0xfe, 0x07,			/* SAID 0xfe07 */
		0xe1, 0x10,				/* Group-Key-Fragment */
		0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
		0x00, 0x02, 0x00, 0x05,			/* index 2 of 5 */
		0x00, 0x00, 0x03, 0xe8,			/* 1000 bytes */
		0xe0, 0x81, 0xc8,			/* 200-byte slice */
	};
	static const struct {
		const char *hex;
		int err;
		const char *what;
	} cases[] = {
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 01 00 03 00 00 00 09 e0 03 aa bb cc", 0,
		  "fragment 1 of 3 (control case)" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 03 00 03 00 00 00 09 e0 03 aa bb cc", PKM_E_VALUE,
		  "fragment index equal to the count" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "ff ff 00 03 00 00 00 09 e0 03 aa bb cc", PKM_E_VALUE,
		  "fragment index 65535 of 3" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 00 00 01 00 00 00 09 e0 03 aa bb cc", PKM_E_VALUE,
		  "a set of one fragment" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 00 00 00 00 00 00 09 e0 03 aa bb cc", PKM_E_VALUE,
		  "a set of no fragment" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 00 00 03 00 00 00 02 e0 01 aa", PKM_E_VALUE,
		  "total smaller than the count" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 00 00 02 00 00 00 02 e0 03 aa bb cc", PKM_E_VALUE,
		  "slice longer than the total" },
		{ "0a f0 01 0c 02 fe 07 e1 0f 00 00 00 00 00 00 00 05"
		  "00 01 00 03 00 00 00 e0 03 aa bb cc", PKM_E_VALUE,
		  "15-byte Group-Key-Fragment" },
		{ "0a f0 01 0c 02 fe 07 e1 11 00 00 00 00 00 00 00 05"
		  "00 01 00 03 00 00 00 09 00 e0 03 aa bb cc", PKM_E_VALUE,
		  "17-byte Group-Key-Fragment" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 01 00 03 00 00 00 09 e1 10 00 00 00 00 00 00 00 05"
		  "00 02 00 03 00 00 00 09 e0 03 aa bb cc", PKM_E_UNEXPECTED,
		  "two Group-Key-Fragments" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 01 00 03 00 00 00 09", PKM_E_MISSING,
		  "Group-Key-Fragment without a payload" },
		{ "0a f0 01 0c 02 fe 07 e1 10 00 00 00 00 00 00 00 05"
		  "00 01 00 03 00 00 00", PKM_E_TRUNCATED,
		  "Group-Key-Fragment cut short" },
	};

	memset(&m, 0, sizeof(m));
	memset(payload, 0x5b, sizeof(payload));
	m.code = PKM_GROUP_KEY_UPDATE;
	m.id = 7;
	m.u.gku.said = 0xfe07;
	m.u.gku.payload = (struct pkm_bytes){ payload, sizeof(payload) };
	m.u.gku.has_fragment = true;
	m.u.gku.frag = (struct pkm_group_fragment){
		.rekey_id = 0x0102030405ull, .index = 2, .count = 5,
		.total = 1000 };
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   len > sizeof(want) && !memcmp(buf, want, sizeof(want)),
	   "signed fragment: SAID, Group-Key-Fragment, payload, as documented");
	ok(!pkm_msg_parse(buf, len, &p) && p.authn == PKM_AUTHN_SIG_BS &&
	   p.u.gku.has_fragment && p.u.gku.frag.rekey_id == 0x0102030405ull &&
	   p.u.gku.frag.index == 2 && p.u.gku.frag.count == 5 &&
	   p.u.gku.frag.total == 1000 && p.u.gku.payload.len == 200 &&
	   p.u.gku.payload.p[199] == 0x5b && !pkm_msg_verify(&p, &v),
	   "signed fragment parses back field by field and verifies");
	flip_every_bit(buf, len, &v, "Group Key Update fragment");

	m.u.gku.has_fragment = false;
	ok(!pkm_msg_build(&m, &seal, buf, sizeof(buf), &len) &&
	   !pkm_msg_parse(buf, len, &p) && !p.u.gku.has_fragment &&
	   buf[7] == PKM_A_GROUP_KEY_PAYLOAD, "an unfragmented one carries no fragment attribute");

	m.u.gku.has_fragment = true;
	m.u.gku.frag.index = 5;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "build: fragment index equal to the count refused");
	m.u.gku.frag.index = 0;
	m.u.gku.frag.count = 1;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "build: a set of one fragment refused");
	m.u.gku.frag.count = 5;
	m.u.gku.frag.total = 199;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "build: slice longer than the total refused");
	m.u.gku.frag.total = 4;
	m.u.gku.payload.len = 4;
	m.u.gku.frag.count = 5;
	is(pkm_msg_build(&m, &seal, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "build: total smaller than the count refused");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = raw_msg(buf, cases[i].hex, true);

		is(pkm_msg_parse(buf, n, &p), cases[i].err, "parse: %s",
		   cases[i].what);
	}
}

/* Hand-made messages: a header, raw attributes, and a correct digest. */
static size_t raw_msg(uint8_t *out, const char *hex, bool digest)
{
	struct pkm_tlv_writer w;
	uint8_t val[PKM_CMAC_ATTR_LEN] = { 0, 0, 0, 1 }, tag[PKM_CMAC_LEN];
	size_t n = unhex(hex, out, PKM_MSG_MAX);

	if (!digest)
		return n;
	pkm_tlv_writer_init(&w, out, PKM_MSG_MAX);
	w.len = n;
	pkm_tlv_put(&w, PKM_A_CMAC_DIGEST, val, sizeof(val));
	pkm_cmac(keys.cmac_up, out, w.len - 8, tag);
	memcpy(out + w.len - 8, tag, 8);
	return w.len;
}

/*
 * The same with the CMAC-Digest of wman before 802.16 conformance:
 * attribute 140, PN, the whole 16-byte tag.
 */
static size_t old_digest_msg(uint8_t *out, const char *hex)
{
	size_t n = unhex(hex, out, PKM_MSG_MAX);

	memcpy(out + n, "\x8c\x14\x00\x00\x00\x01", 6);
	pkm_cmac(keys.cmac_up, out, n + 6, out + n + 6);
	return n + 6 + 16;
}

static void test_parse_rules(void)
{
	static const struct {
		const char *hex;
		bool digest;
		int err;
		const char *what;
	} cases[] = {
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00", true, 0,
		  "unicast Key Request (control case)" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 07", true, 0,
		  "unknown service type parses (BS answers Key Reject 7)" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 01", true,
		  PKM_E_MISSING, "multicast Key Request without group ID" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 1d 01 05", true,
		  PKM_E_UNEXPECTED, "unicast Key Request with a group ID" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 02 1d 01 05", true,
		  PKM_E_UNEXPECTED, "broadcast Key Request with a group ID" },
		{ "09 07 01 0a 01 01 1c 01 00", true, PKM_E_MISSING,
		  "Key Request without SAID" },
		{ "09 07 01 0a 01 01 0c 02 20 05 0c 02 20 06 1c 01 00", true,
		  PKM_E_UNEXPECTED, "Key Request with two SAIDs" },
		{ "09 07 01 0a 01 01 0c 03 20 05 00 1c 01 00", true,
		  PKM_E_VALUE, "three-byte SAID" },
		{ "09 07 01 0a 01 10 0c 02 20 05 1c 01 00", true, PKM_E_VALUE,
		  "AK sequence number 16" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 c8 00", true,
		  PKM_E_UNEXPECTED, "unknown attribute 200" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 0b 14 00 00 00 00 00"
		  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", true,
		  PKM_E_UNEXPECTED, "PKMv1 HMAC-Digest attribute" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00", false,
		  PKM_E_MISSING, "Key Request without digest" },
		{ "09 07 01 0a 01 01 0c 02 20 05 28 0c 00 00 00 01 00 00 00 00"
		  "00 00 00 00 1c 01 00", false,
		  PKM_E_MISSING, "digest not the last attribute" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 28 0b 00 00 00 01"
		  "00 00 00 00 00 00 00", false, PKM_E_VALUE,
		  "11-byte CMAC-Digest" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 28 10 00 00 00 01"
		  "00 00 00 00 00 00 00 00 00 00 00 00", false, PKM_E_VALUE,
		  "16-byte CMAC-Digest (a 12-byte tag)" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 28 14 00 00 00 01"
		  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", false,
		  PKM_E_VALUE, "20-byte CMAC-Digest (the whole tag) as 40" },
		{ "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 2c 01 00", false,
		  PKM_E_UNEXPECTED, "Key Request signed instead of digested" },
		{ "0a 07 01 0a 01 01 0c 02 20 05 1c 01 00", true, PKM_E_HEADER,
		  "Key Request in a PKM-RSP" },
		{ "09 08 01 0a 01 01 0c 02 20 05", true, PKM_E_HEADER,
		  "Key Reply in a PKM-REQ" },
		{ "09 03 01 0c 02 20 05", true, PKM_E_HEADER,
		  "SA Add (code 3) is not handled" },
		{ "0b 07 01", false, PKM_E_HEADER, "management type 11" },
		{ "09 07", false, PKM_E_TRUNCATED, "two-byte message" },
		{ "09 07 01", false, PKM_E_MISSING, "header alone" },
		{ "09 0c 01 11 01 30 28 0c 00 00 00 01 00 00 00 00 00 00 00 00",
		  false, PKM_E_UNEXPECTED, "Auth Info with a digest" },
		{ "0a 09 01 0a 01 01 0c 02 20 05 10 01 08 06 03 61 0a 62",
		  true, PKM_E_VALUE, "Display-String with a newline" },
		{ "0a 09 01 0a 01 01 0c 02 20 05 10 01 08 06 00", true,
		  PKM_E_VALUE, "empty Display-String" },
#define AI_MAC "27 06 02 16 00 00 00 07 "
#define AI_RANDOM "21 08 11 22 33 44 55 66 77 88 "
		{ "0a 0a 01 10 01 01 " AI_MAC AI_RANDOM "26 01 00", false, 0,
		  "signed Auth Invalid naming its SS and SS-Random" },
		{ "0a 0a 01 10 01 01 26 01 00", false, PKM_E_MISSING,
		  "signed Auth Invalid of the old, unbound form" },
		{ "0a 0a 01 10 01 01 " AI_MAC "26 01 00", false, PKM_E_MISSING,
		  "signed Auth Invalid without SS-Random" },
		{ "0a 0a 01 10 01 01 " AI_RANDOM "26 01 00", false,
		  PKM_E_MISSING, "signed Auth Invalid without the SS's MAC" },
		{ "0a 0a 01 10 01 01 " AI_MAC "21 07 11 22 33 44 55 66 77 "
		  "26 01 00", false, PKM_E_VALUE,
		  "signed Auth Invalid with a 7-byte SS-Random" },
		{ "0a 0a 01 0a 01 01 10 01 01", true, 0,
		  "digested Auth Invalid (control case)" },
		{ "0a 0a 01 0a 01 01 10 01 01 " AI_MAC AI_RANDOM, true,
		  PKM_E_UNEXPECTED, "digested Auth Invalid with a binding" },
#undef AI_MAC
#undef AI_RANDOM
	};
	struct pkm_msg p;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = raw_msg(buf, cases[i].hex, cases[i].digest);
		is(pkm_msg_parse(buf, n, &p), cases[i].err, "parse: %s",
		   cases[i].what);
	}
	n = raw_msg(buf, "09 07 01 0a 01 01 0c 02 20 05 1c 01 00", true);
	buf[n++] = 0;
	is(pkm_msg_parse(buf, n, &p), PKM_E_TRUNCATED,
	   "parse: a byte after the digest");
	is(pkm_msg_parse(buf, PKM_MSG_MAX + 1, &p), PKM_E_LENGTH,
	   "parse: longer than a MAC PDU can carry");
	is(pkm_msg_parse(buf, 0, &p), PKM_E_TRUNCATED, "parse: empty");
}

static void test_key_reply_rules(void)
{
	/* TEK-Parameters: TEK, lifetime, EKS. */
#define TP(eks) "0d 23 08 18 00 00 00 00 00 00 00 00 00 00 00 00"	\
		"00 00 00 00 00 00 00 00 00 00 00 00 09 04 00 00 0e 10"	\
		"0a 01 " eks
	static const struct {
		const char *hex;
		int err;
		const char *what;
	} cases[] = {
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("01"), 0,
		  "two TEK parameter sets (control case)" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("03") TP("00"), 0,
		  "EKS 3 then 0 wraps around" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00"), PKM_E_MISSING,
		  "one TEK parameter set" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("01") TP("02"),
		  PKM_E_UNEXPECTED, "three TEK parameter sets" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("01") TP("00"),
		  PKM_E_VALUE, "newer TEK before older" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("02"),
		  PKM_E_VALUE, "EKS gap" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("04") TP("05"),
		  PKM_E_VALUE, "EKS above 3" },
		{ "0a 08 01 0a 01 01 0c 02 20 05 0d 05 0a 01 00 0f 00"
		  TP("01"), PKM_E_UNEXPECTED, "CBC-IV inside TEK parameters" },
		{ "0a 08 01 0a 01 01 0c 02 20 05 0d 09 0a 01 00 09 04 00 00 00"
		  "01" TP("01"), PKM_E_MISSING, "TEK parameters without TEK" },
		{ "0a 08 01 0a 01 01 0c 02 20 05 0d 07 0a 01 00 09 02 00 00"
		  TP("01"), PKM_E_VALUE, "two-byte key lifetime" },
		{ "0a 08 01 0a 01 01 0c 02 20 05 0d 04 0a 05 00 00" TP("01"),
		  PKM_E_TRUNCATED, "inner attribute overruns its parent" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("01")
		  "17 12 0c 02 20 05 18 01 02 14 03 80 00 04 1f 01 01 1d 01 07",
		  0, "the SA-Descriptor of its own SA (answer to SAID 0)" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("01")
		  "17 0f 0c 02 20 06 18 01 02 14 03 80 00 04 1f 01 00",
		  PKM_E_VALUE, "an SA-Descriptor of another SAID" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("01")
		  "17 0c 0c 02 20 05 18 01 02 14 03 80 00 04",
		  PKM_E_VALUE, "an SA-Descriptor without SA-Service-Type" },
		{ "0a 08 01 0a 01 01 0c 02 20 05" TP("00") TP("01")
		  "17 0f 0c 02 20 05 18 01 02 14 03 80 00 04 1f 01 00"
		  "17 0f 0c 02 20 05 18 01 02 14 03 80 00 04 1f 01 00",
		  PKM_E_UNEXPECTED, "two SA-Descriptors" },
	};
	struct pkm_msg p;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = raw_msg(buf, cases[i].hex, true);
		is(pkm_msg_parse(buf, n, &p), cases[i].err, "Key Reply parse: %s",
		   cases[i].what);
	}
#undef TP
}

/* TEK-Parameters as they are now: TEK, lifetime, EKS. */
#define TP_NEW(eks) "0d 23 08 18 00 00 00 00 00 00 00 00 00 00 00 00"	\
		"00 00 00 00 00 00 00 00 00 00 00 00 09 04 00 00 0e 10"	\
		"0a 01 " eks

/*
 * The encodings of wman before 802.16 conformance, made by hand as that
 * version sent them: each is refused with PKM_E_OLD_ENCODING and named.
 */
static void old_case(const uint8_t *msg, size_t n, const char *want,
		     const char *what)
{
	struct pkm_msg p;
	int err;

	memset(&p, 0xa5, sizeof(p));
	err = pkm_msg_parse(msg, n, &p);
	is(err, PKM_E_OLD_ENCODING, "old encoding refused: %s", what);
	if (!ok(p.old_encoding && !strcmp(p.old_encoding, want),
		"old encoding named: \"%s\"", want))
		printf("#   got \"%s\"\n",
		       p.old_encoding ? p.old_encoding : "(null)");
	ok(p.code == 0 && p.authn == PKM_AUTHN_NONE && !p.raw && !p.verified,
	   "old encoding: nothing else of the message is left");
}

static void test_old_encodings(void)
{
#define SS_MAC "27 06 02 00 00 00 00 02 "
#define SS_RANDOM "21 08 11 22 33 44 55 66 77 88 "
#define SIG "2c 01 00"
	/* TEK-Parameters with the suite the old version put inside. */
#define OLD_TP(eks) "0d 28 08 18 00 00 00 00 00 00 00 00 00 00 00 00"	\
		"00 00 00 00 00 00 00 00 00 00 00 00 09 04 00 00 0e 10"	\
		"0a 01 " eks " 14 03 02 00 04"
	struct pkm_msg p;
	size_t n;

	ok(!strcmp(pkm_strerror(PKM_E_OLD_ENCODING),
		   "wman encoding from before 802.16 conformance"),
	   "pkm_strerror names PKM_E_OLD_ENCODING");

	n = old_digest_msg(buf, "09 07 01 0a 01 01 0c 02 20 05 1c 01 00");
	old_case(buf, n, "CMAC-Digest as attribute 140",
		 "Key Request digested under attribute 140");
	n = old_digest_msg(buf, "0a 08 01 0a 01 01 0c 02 20 05"
			   OLD_TP("00") OLD_TP("01"));
	old_case(buf, n, "CMAC-Digest as attribute 140",
		 "a whole old Key Reply (140 comes first)");
	n = old_digest_msg(buf, "0a 0a 01 0a 01 01 10 01 01");
	old_case(buf, n, "CMAC-Digest as attribute 140",
		 "digested Auth Invalid under attribute 140");
	n = old_digest_msg(buf, "0a 09 01 0a 01 01 0c 02 20 05 10 01 08");
	old_case(buf, n, "CMAC-Digest as attribute 140",
		 "Key Reject digested under attribute 140");
	n = raw_msg(buf, "0a 09 01 0a 01 01 0c 02 20 05 10 01 08 8c 14 00 00"
		    "00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		    true);
	old_case(buf, n, "CMAC-Digest as attribute 140",
		 "a 140 anywhere, here before a CMAC-Digest 40");

	n = raw_msg(buf, "0a 08 01 0a 01 01 0c 02 20 05"
		    OLD_TP("00") OLD_TP("01"), true);
	old_case(buf, n, "Cryptographic-Suite in TEK-Parameters",
		 "Key Reply with a suite in its TEK-Parameters");
	n = raw_msg(buf, "0a 08 01 0a 01 01 0c 02 20 05"
		    TP_NEW("03") OLD_TP("00"), true);
	old_case(buf, n, "Cryptographic-Suite in TEK-Parameters",
		 "Key Reply with a suite in its newer TEK-Parameters only");

	n = raw_msg(buf, "09 04 01 12 01 30 0c 02 01 01 " SS_MAC SS_RANDOM
		    "13 08 15 03 02 00 04 16 01 01 " SIG, false);
	old_case(buf, n, "flat Cryptographic-Suite-List",
		 "Auth Request with one flat suite");
	n = raw_msg(buf, "09 04 01 12 01 30 13 0b 15 06 02 00 04 80 00 04"
		    "16 01 01 0c 02 01 01 " SS_MAC SS_RANDOM SIG, false);
	old_case(buf, n, "flat Cryptographic-Suite-List",
		 "Auth Request with two flat suites, the old attribute order");

	n = raw_msg(buf, "0a 05 01 07 01 aa 09 04 00 00 0e 10 0a 01 01"
		    "17 0f 0c 02 01 01 18 01 00 14 03 02 00 04 1c 01 00"
		    SS_RANDOM "25 01 30 26 01 00", false);
	old_case(buf, n, "Service-Type 28 in SA-Descriptor",
		 "Auth Reply with Service-Type 28 in an SA-Descriptor");
	n = raw_msg(buf, "0a 05 01 07 01 aa 09 04 00 00 0e 10 0a 01 01"
		    "17 0f 0c 02 01 01 18 01 00 14 03 02 00 04 1f 01 00"
		    "17 12 0c 02 20 05 18 01 01 14 03 02 00 04 1c 01 01 1d 01 05"
		    SS_RANDOM "25 01 30 26 01 00", false);
	old_case(buf, n, "Service-Type 28 in SA-Descriptor",
		 "Auth Reply with 28 in its second SA-Descriptor only");

	/* What is not an old encoding names none. */
	memset(&p, 0xa5, sizeof(p));
	n = raw_msg(buf, "09 07 01 0a 01 01 0c 02 20 05 1c 01 00", false);
	ok(pkm_msg_parse(buf, n, &p) == PKM_E_MISSING && !p.old_encoding,
	   "another error names no old encoding");
	memset(&p, 0xa5, sizeof(p));
	n = raw_msg(buf, "09 07 01 0a 01 01 0c 02 20 05 1c 01 00", true);
	ok(!pkm_msg_parse(buf, n, &p) && !p.old_encoding,
	   "a good message names no old encoding");
#undef SS_MAC
#undef SS_RANDOM
#undef SIG
#undef OLD_TP
}

/* Security-Capabilities: the compound Cryptographic-Suite-List. */
static void test_suite_list_rules(void)
{
#define REQ(caps) "09 04 01 12 01 30 0c 02 01 01 27 06 02 00 00 00 00 02" \
		  "21 08 11 22 33 44 55 66 77 88 " caps " 2c 01 00"
#define S(x) "14 03 " x " 00 04 "
	static const struct {
		const char *hex;
		int err;
		const char *what;
	} cases[] = {
		{ REQ("13 0a 15 05 " S("02") "16 01 01"), 0,
		  "one suite (control case)" },
		{ REQ("13 2d 15 28 " S("02") S("80") S("02") S("80") S("02")
		      S("80") S("02") S("80") "16 01 01"), 0, "eight suites" },
		{ REQ("13 32 15 2d " S("02") S("80") S("02") S("80") S("02")
		      S("80") S("02") S("80") S("02") "16 01 01"), PKM_E_VALUE,
		  "nine suites" },
		{ REQ("13 05 15 00 16 01 01"), PKM_E_VALUE,
		  "an empty suite list" },
		{ REQ("13 0b 15 06 14 04 02 00 04 00 16 01 01"), PKM_E_VALUE,
		  "a 4-byte Cryptographic-Suite" },
		{ REQ("13 0e 15 09 " S("02") "16 02 00 01 16 01 01"),
		  PKM_E_UNEXPECTED, "a Version inside the list" },
		{ REQ("13 05 " S("02")), PKM_E_UNEXPECTED,
		  "a bare suite in Security-Capabilities" },
		{ REQ("13 0b 15 05 " S("02") "16 02 00 01"), PKM_E_VALUE,
		  "a 2-byte Version" },
		{ REQ("13 07 15 05 " S("02")), PKM_E_MISSING,
		  "no Version" },
	};
	struct pkm_msg p;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = raw_msg(buf, cases[i].hex, false);
		is(pkm_msg_parse(buf, n, &p), cases[i].err,
		   "Auth Request parse: %s", cases[i].what);
	}
	n = raw_msg(buf, REQ("13 0f 15 0a " S("80") S("02") "16 01 01"), false);
	ok(!pkm_msg_parse(buf, n, &p) && p.u.auth_req.caps.n_suites == 2 &&
	   p.u.auth_req.caps.suites[0].data_enc == 0x80 &&
	   p.u.auth_req.caps.suites[1].data_enc == 2 &&
	   p.u.auth_req.caps.suites[1].tek_enc == 4 &&
	   p.u.auth_req.caps.version == 1,
	   "Auth Request parse: suites in the order sent");
#undef REQ
#undef S
}

static void test_replay_order(void)
{
	struct pkm_msg m = { .code = PKM_KEY_REQUEST, .id = 1 }, p;
	struct pkm_seal seal = { .cmac_key = keys.cmac_up };
	struct pkm_replay r = { 0 };
	struct pkm_verifier v = { .cmac_key = keys.cmac_up, .replay = &r };
	size_t len5, len6;

	m.u.key_req.service = PKM_SERVICE_BROADCAST;
	seal.pn = 5;
	pkm_msg_build(&m, &seal, buf, sizeof(buf), &len5);
	seal.pn = 6;
	pkm_msg_build(&m, &seal, buf2, sizeof(buf2), &len6);

	ok(!pkm_msg_parse(buf2, len6, &p) && !pkm_msg_verify(&p, &v),
	   "replay: PN 6 accepted first");
	ok(!pkm_msg_parse(buf, len5, &p) &&
	   pkm_msg_verify(&p, &v) == PKM_E_REPLAY && !p.verified,
	   "replay: an older PN 5 is refused afterwards");
	buf2[len6 - 1] ^= 1;
	buf2[len6 - 9] = 9;	/* PN 9, forged */
	ok(!pkm_msg_parse(buf2, len6, &p) &&
	   pkm_msg_verify(&p, &v) == PKM_E_DIGEST && r.next == 7,
	   "replay: a forged message does not move the window");
}

static void test_exchange(void)
{
	struct pkm_msg m, p;
	struct pkm_cert_id ss_id, bs_id;
	struct pkm_keys ss_keys, bs_keys;
	struct pkm_replay bs_up = { 0 }, ss_down = { 0 };
	struct pkm_seal seal = { 0 };
	struct pkm_verifier v = { 0 };
	uint8_t ak[PKM_AK_LEN], ss_ak[PKM_AK_LEN], enc[512], nonce[8];
	uint8_t tek[2][16], got[16], mac[6], bsid[6];
	size_t len, enc_len;
	int err = 0;

	unhex("02 00 00 00 00 07", mac, 6);
	unhex("02 00 00 00 00 01", bsid, 6);
	/* SS: Auth Request. */
	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_REQUEST;
	m.id = 1;
	m.u.auth_req.ss_cert = (struct pkm_bytes){ ss.der, ss.der_len };
	m.u.auth_req.caps.version = 1;
	m.u.auth_req.caps.n_suites = 1;
	m.u.auth_req.caps.suites[0] = ccm;
	memcpy(m.u.auth_req.ss_mac, mac, 6);
	pkm_random(nonce, 8);
	memcpy(m.u.auth_req.ss_random, nonce, 8);
	seal.sign_key = ss.key;
	err |= pkm_msg_build(&m, &seal, buf, sizeof(buf), &len);

	/* BS: check certificate and signature, then answer with an AK. */
	err |= pkm_msg_parse(buf, len, &p);
	err |= pkm_cert_verify(store, p.u.auth_req.ss_cert.p,
			       p.u.auth_req.ss_cert.len, 0, PKM_ROLE_SS, &ss_id);
	v.peer_key = ss_id.pub;
	err |= pkm_msg_verify(&p, &v);
	pkm_random(ak, sizeof(ak));
	err |= pkm_ak_encrypt(ss_id.pub, ak, sizeof(ak), enc, sizeof(enc),
			      &enc_len);
	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_REPLY;
	m.id = p.id;
	m.u.auth_rep.enc_ak = (struct pkm_bytes){ enc, enc_len };
	m.u.auth_rep.ak_lifetime = 3600;
	m.u.auth_rep.ak_seq = 1;
	m.u.auth_rep.n_sa = 1;
	m.u.auth_rep.sa[0] = (struct pkm_sa_desc){ .said = 0x0107,
		.suite = ccm, .has_service = true };
	memcpy(m.u.auth_rep.ss_random, p.u.auth_req.ss_random, 8);
	m.u.auth_rep.bs_cert = (struct pkm_bytes){ bs.der, bs.der_len };
	seal.sign_key = bs.key;
	err |= pkm_msg_build(&m, &seal, buf, sizeof(buf), &len);
	err |= pkm_keys_derive(ak, sizeof(ak), p.u.auth_req.ss_mac, bsid,
			       &bs_keys);
	pkm_cert_id_free(&ss_id);
	is(err, 0, "exchange: BS authorizes the SS");

	/* SS: check the BS certificate, signature and nonce; take the AK. */
	err |= pkm_msg_parse(buf, len, &p);
	err |= pkm_cert_verify(store, p.u.auth_rep.bs_cert.p,
			       p.u.auth_rep.bs_cert.len, 0, PKM_ROLE_BS, &bs_id);
	v.peer_key = bs_id.pub;
	err |= pkm_msg_verify(&p, &v);
	err |= memcmp(p.u.auth_rep.ss_random, nonce, 8) != 0;
	err |= pkm_auth_reply_ak(&p, ss.key, ss_ak);
	err |= pkm_keys_derive(ss_ak, sizeof(ss_ak), mac, bsid, &ss_keys);
	pkm_cert_id_free(&bs_id);
	ok(!err && !memcmp(&ss_keys, &bs_keys, sizeof(ss_keys)),
	   "exchange: SS and BS derive the same KEK and digest keys");

	/* SS: Key Request; BS: Key Reply; SS: unwrap. */
	memset(&m, 0, sizeof(m));
	m.code = PKM_KEY_REQUEST;
	m.id = 2;
	m.u.key_req.ak_seq = 1;
	m.u.key_req.said = 0x0107;
	seal = (struct pkm_seal){ .cmac_key = pkm_keys_cmac(&ss_keys, 9),
				  .pn = 0 };
	err |= pkm_msg_build(&m, &seal, buf, sizeof(buf), &len);
	err |= pkm_msg_parse(buf, len, &p);
	v = (struct pkm_verifier){ .cmac_key = pkm_keys_cmac(&bs_keys, 9),
				   .replay = &bs_up };
	err |= pkm_msg_verify(&p, &v);
	ok(!err && p.u.key_req.service == 0,
	   "exchange: BS accepts the Key Request");

	pkm_random(tek, sizeof(tek));
	memset(&m, 0, sizeof(m));
	m.code = PKM_KEY_REPLY;
	m.id = p.id;
	m.u.key_rep.ak_seq = 1;
	m.u.key_rep.said = p.u.key_req.said;
	m.u.key_rep.tek[0] = (struct pkm_tek_params){ .lifetime = 100,
		.eks = 0 };
	m.u.key_rep.tek[1] = (struct pkm_tek_params){ .lifetime = 200,
		.eks = 1 };
	err |= pkm_tek_params_wrap(&m.u.key_rep.tek[0], bs_keys.kek, tek[0]);
	err |= pkm_tek_params_wrap(&m.u.key_rep.tek[1], bs_keys.kek, tek[1]);
	seal = (struct pkm_seal){ .cmac_key = pkm_keys_cmac(&bs_keys, 10),
				  .pn = 0 };
	err |= pkm_msg_build(&m, &seal, buf, sizeof(buf), &len);
	err |= pkm_msg_parse(buf, len, &p);
	v = (struct pkm_verifier){ .cmac_key = pkm_keys_cmac(&ss_keys, 10),
				   .replay = &ss_down };
	err |= pkm_msg_verify(&p, &v);
	err |= pkm_key_reply_tek(&p, 1, ss_keys.kek, got);
	ok(!err && !memcmp(got, tek[1], 16) && p.id == 2,
	   "exchange: SS unwraps the TEK the BS sent");
	ok(pkm_msg_verify(&p, &v) == PKM_E_REPLAY,
	   "exchange: the Key Reply replayed is refused");
	pkm_keys_wipe(&ss_keys);
	pkm_keys_wipe(&bs_keys);
}

int main(void)
{
	setup();
	test_auth_request();
	test_auth_reply();
	test_auth_reject_info();
	test_key_request();
	test_key_reply();
	test_key_reject_family();
	test_auth_invalid_gku();
	test_gku_fragment();
	test_parse_rules();
	test_key_reply_rules();
	test_old_encodings();
	test_suite_list_rules();
	test_replay_order();
	test_exchange();
	X509_STORE_free(store);
	tc_free(&ca);
	tc_free(&bs);
	tc_free(&ss);
	return tap_done();
}
