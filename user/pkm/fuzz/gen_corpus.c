// SPDX-License-Identifier: GPL-2.0
/*
 * Writes seed corpora for the fuzzers: one good message of each code, and
 * one of each encoding of wman before 802.16 conformance, which the
 * parsers refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../tests/testcert.h"
#include "pkm.h"

static const char *dir;
static const uint8_t cmac_key[PKM_KEY_LEN] = { 0x2f, 0xd0, 0x5f, 0xdd, 0x8e };
static const uint8_t kek[PKM_KEY_LEN] = { 0x91, 0xcc, 0x15, 0x0a };

static int put(const char *sub, const char *name, const uint8_t *p,
	       size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	fwrite(p, 1, len, f);
	return fclose(f);
}

static int emit(struct pkm_msg *m, struct pkm_seal *s, const char *name)
{
	static uint8_t buf[PKM_MSG_MAX];
	size_t len;
	int err;

	err = pkm_msg_build(m, s, buf, sizeof(buf), &len);
	if (err) {
		fprintf(stderr, "%s: %s\n", name, pkm_strerror(err));
		return -1;
	}
	/* The attribute list alone seeds the TLV fuzzer. */
	return put("fuzz_msg", name, buf, len) |
	       put("fuzz_tlv", name, buf + PKM_HDR_LEN, len - PKM_HDR_LEN);
}

static int emit_dreg(uint8_t mgmt_type, uint8_t code, const char *name)
{
	struct pkm_dreg d = { .mgmt_type = mgmt_type, .code = code,
			      .ak_seq = 1, .pn = 5 };
	uint8_t buf[PKM_DREG_MSG_LEN];
	size_t len;

	if (pkm_dreg_build(&d, cmac_key, buf, sizeof(buf), &len)) {
		fprintf(stderr, "%s: cannot build\n", name);
		return -1;
	}
	return put("fuzz_dreg", name, buf, len);
}

/* Hex to bytes, spaces skipped. */
static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned int v;

	for (; *s; s++) {
		if (*s == ' ')
			continue;
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s++;
	}
	return n;
}

/* The old encodings, tags included, as the old version sent them. */
static int emit_old(void)
{
	static const struct {
		const char *sub, *name, *hex;
	} old[] = {
		{ "fuzz_msg", "old_key_request_140",
		  "09 07 01 0a 01 01 0c 02 20 05 1c 01 00 8c 14 00 00 00 01"
		  "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff" },
		{ "fuzz_msg", "old_key_reply_tek_suite",
		  "0a 08 01 0a 01 01 0c 02 20 05"
		  "0d 28 08 18 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
		  "00 00 00 00 00 00 00 00 09 04 00 00 0e 10 0a 01 00 14 03 02"
		  "00 04"
		  "0d 28 08 18 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
		  "00 00 00 00 00 00 00 00 09 04 00 00 0e 10 0a 01 01 14 03 02"
		  "00 04"
		  "28 0c 00 00 00 01 00 11 22 33 44 55 66 77" },
		{ "fuzz_msg", "old_auth_request_flat_suites",
		  "09 04 01 12 01 30 13 0b 15 06 02 00 04 80 00 04 16 01 01"
		  "0c 02 01 01 27 06 02 00 00 00 00 02"
		  "21 08 11 22 33 44 55 66 77 88 2c 01 00" },
		{ "fuzz_msg", "old_auth_reply_service_28",
		  "0a 05 01 07 01 aa 09 04 00 00 0e 10 0a 01 01"
		  "17 0f 0c 02 01 01 18 01 00 14 03 02 00 04 1c 01 00"
		  "21 08 11 22 33 44 55 66 77 88 25 01 30 26 01 00" },
		{ "fuzz_dreg", "old_dreg_req_21",
		  "31 00 8d 15 03 01 02 03 04 0e 55 96 41 7a 2f b3 9a 15 f9 f6"
		  "62 ec 6c 42 dd" },
	};
	uint8_t buf[256];
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		err |= put(old[i].sub, old[i].name, buf,
			   unhex(old[i].hex, buf));
	return err;
}

int main(int argc, char **argv)
{
	const struct pkm_crypto_suite ccm = { 2, 0, 4 };
	struct tc_cert ca, ss;
	struct pkm_seal seal = { .cmac_key = cmac_key, .pn = 1 };
	struct pkm_msg m;
	uint8_t tek[PKM_KEY_LEN] = { 1 }, enc[256] = { 0 };
	int err = 0;

	if (argc != 2)
		return 2;
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST)
		return 1;
	if (tc_make(&ca, "ca", tc_key_ec(), NULL, TC_CA, -1, 365) ||
	    tc_make(&ss, "ss", tc_key_ec(), &ca, TC_SS, -1, 365))
		return 1;
	seal.sign_key = ss.key;

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_REQUEST;
	m.u.auth_req.ss_cert = (struct pkm_bytes){ ss.der, ss.der_len };
	m.u.auth_req.caps.version = 1;
	m.u.auth_req.caps.n_suites = 1;
	m.u.auth_req.caps.suites[0] = ccm;
	err |= emit(&m, &seal, "auth_request");

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_REPLY;
	m.u.auth_rep.enc_ak = (struct pkm_bytes){ enc, sizeof(enc) };
	m.u.auth_rep.n_sa = 2;
	m.u.auth_rep.sa[0] = (struct pkm_sa_desc){ .said = 1, .suite = ccm,
						   .has_service = true };
	m.u.auth_rep.sa[1] = (struct pkm_sa_desc){ .said = 2, .suite = ccm,
		.has_service = true, .service = 1, .has_group = true };
	m.u.auth_rep.has_config = true;
	m.u.auth_rep.config.present = 0x7f;
	m.u.auth_rep.bs_cert = (struct pkm_bytes){ ca.der, ca.der_len };
	err |= emit(&m, &seal, "auth_reply");

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_REJECT;
	strcpy(m.u.auth_rej.display, "no");
	m.u.auth_rej.bs_cert = (struct pkm_bytes){ ca.der, ca.der_len };
	err |= emit(&m, &seal, "auth_reject");

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_INFO;
	m.u.auth_info.ca_cert = (struct pkm_bytes){ ca.der, ca.der_len };
	err |= emit(&m, &seal, "auth_info");

	memset(&m, 0, sizeof(m));
	m.code = PKM_KEY_REQUEST;
	m.u.key_req.service = 1;
	m.u.key_req.has_group = true;
	err |= emit(&m, &seal, "key_request");

	memset(&m, 0, sizeof(m));
	m.code = PKM_KEY_REPLY;
	m.u.key_rep.tek[0] = (struct pkm_tek_params){ .eks = 3 };
	m.u.key_rep.tek[1] = (struct pkm_tek_params){ .eks = 0 };
	pkm_tek_params_wrap(&m.u.key_rep.tek[0], kek, tek);
	pkm_tek_params_wrap(&m.u.key_rep.tek[1], kek, tek);
	err |= emit(&m, &seal, "key_reply");
	/* The answer to SAID 0 describes its SA (group 15, GCM). */
	m.u.key_rep.said = 0x300f;
	m.u.key_rep.has_sa_desc = true;
	m.u.key_rep.sa_desc = (struct pkm_sa_desc){ .said = 0x300f,
		.suite = { PKM_DATA_ENC_AES_GCM_128, PKM_DATA_AUTH_AEAD,
			   PKM_TEK_ENC_AES_KW_128 },
		.has_service = true, .service = PKM_SERVICE_MULTICAST,
		.has_group = true, .group_id = 15 };
	err |= emit(&m, &seal, "key_reply_sa_desc");

	memset(&m, 0, sizeof(m));
	m.code = PKM_KEY_REJECT;
	m.u.key_rej.error = 8;
	strcpy(m.u.key_rej.display, "group");
	err |= emit(&m, &seal, "key_reject");
	m.code = PKM_TEK_INVALID;
	err |= emit(&m, &seal, "tek_invalid");

	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_INVALID;
	m.u.auth_inv.has_ak_seq = true;
	err |= emit(&m, &seal, "auth_invalid_cmac");
	m.u.auth_inv.has_ak_seq = false;
	memset(m.u.auth_inv.ss_mac, 0x02, sizeof(m.u.auth_inv.ss_mac));
	memset(m.u.auth_inv.ss_random, 0x5a, sizeof(m.u.auth_inv.ss_random));
	err |= emit(&m, &seal, "auth_invalid_sig");

	memset(&m, 0, sizeof(m));
	m.code = PKM_GROUP_KEY_UPDATE;
	m.u.gku.payload = (struct pkm_bytes){ tek, sizeof(tek) };
	err |= emit(&m, &seal, "group_key_update");
	m.u.gku.has_fragment = true;
	m.u.gku.frag = (struct pkm_group_fragment){ .rekey_id = 9, .index = 1,
						    .count = 3, .total = 40 };
	err |= emit(&m, &seal, "group_key_update_fragment");
	seal.cmac_key = NULL;
	err |= emit(&m, &seal, "group_key_update_fragment_signed");
	seal.cmac_key = cmac_key;

	err |= emit_dreg(PKM_MGMT_DREG_REQ, PKM_DREG_REQ_LEAVE, "dreg_req");
	err |= emit_dreg(PKM_MGMT_DREG_CMD, PKM_DREG_CMD_TERMINATE, "dreg_cmd");
	err |= emit_old();

	tc_free(&ca);
	tc_free(&ss);
	return err ? 1 : 0;
}
