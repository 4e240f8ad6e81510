// SPDX-License-Identifier: GPL-2.0
/*
 * DREG-REQ and DREG-CMD: exact bytes (tags computed with openssl mac),
 * round trip, verification, replay, every flipped bit, and the parser's
 * refusals.
 */
#include <stdlib.h>
#include <string.h>

#include "pkm.h"
#include "tap.h"

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f";
static uint8_t key[PKM_KEY_LEN], other[PKM_KEY_LEN];

/*
 * openssl mac -cipher AES-128-CBC -macopt hexkey:KEY CMAC over the head,
 * first 8 bytes (tests/openssl-xcheck.sh)
 */
#define REQ_HEX "3100" "8d0d" "03" "01020304" "0e5596417a2fb39a"
#define CMD_HEX "1d04" "8d0d" "03" "00000007" "97514689dc3a4117"
/* The same DREG-REQ as wman before 802.16 conformance sent it. */
#define OLD_REQ_HEX "3100" "8d15" "03" "01020304" \
		    "0e5596417a2fb39a15f9f662ec6c42dd"

static void test_exact(void)
{
	struct pkm_dreg d = { .mgmt_type = PKM_MGMT_DREG_REQ,
			      .code = PKM_DREG_REQ_LEAVE, .ak_seq = 3,
			      .pn = 0x01020304 };
	uint8_t buf[64];
	size_t len = 0;

	ok(!pkm_dreg_build(&d, key, buf, sizeof(buf), &len),
	   "DREG-REQ builds");
	is(len, (size_t)PKM_DREG_MSG_LEN, "DREG-REQ is %d bytes",
	   PKM_DREG_MSG_LEN);
	ok(len == PKM_DREG_MSG_LEN && mem_is_hex(buf, len, REQ_HEX),
	   "DREG-REQ bytes: type 49, code 0, tuple 141 (seq, PN, CMAC)");

	d = (struct pkm_dreg){ .mgmt_type = PKM_MGMT_DREG_CMD,
			       .code = PKM_DREG_CMD_TERMINATE, .ak_seq = 3,
			       .pn = 7 };
	ok(!pkm_dreg_build(&d, key, buf, sizeof(buf), &len) &&
	   len == PKM_DREG_MSG_LEN && mem_is_hex(buf, len, CMD_HEX),
	   "DREG-CMD bytes: type 29, action 4, tuple 141");
}

static void test_round_trip(void)
{
	struct pkm_dreg in = { .mgmt_type = PKM_MGMT_DREG_REQ,
			       .code = PKM_DREG_REQ_LEAVE, .ak_seq = 15,
			       .pn = 0xfffffffe };
	struct pkm_replay r = { 0 };
	struct pkm_verifier v = { .cmac_key = key, .replay = &r };
	struct pkm_verifier wrong = { .cmac_key = other };
	struct pkm_dreg out;
	uint8_t buf[64];
	size_t len;

	ok(!pkm_dreg_build(&in, key, buf, sizeof(buf), &len) &&
	   !pkm_dreg_parse(buf, len, &out), "DREG-REQ round trip parses");
	ok(out.mgmt_type == PKM_MGMT_DREG_REQ && out.code == 0 &&
	   out.ak_seq == 15 && out.pn == 0xfffffffe && !out.verified,
	   "fields come back, not yet verified");
	is(pkm_dreg_verify(&out, &wrong), PKM_E_DIGEST,
	   "another key does not verify it");
	ok(!out.verified, "still unverified");
	ok(!pkm_dreg_verify(&out, &v) && out.verified, "the right key does");
	is(pkm_dreg_verify(&out, &v), PKM_E_REPLAY, "the same PN again is a replay");
	r.next = 0xffffffff;
	is(pkm_dreg_verify(&out, &v), PKM_E_REPLAY,
	   "a PN below the window is a replay");

	in = (struct pkm_dreg){ .mgmt_type = PKM_MGMT_DREG_CMD,
				.code = PKM_DREG_CMD_TERMINATE, .ak_seq = 1,
				.pn = 1 };
	r.next = 0;
	ok(!pkm_dreg_build(&in, key, buf, sizeof(buf), &len) &&
	   !pkm_dreg_parse(buf, len, &out) && !pkm_dreg_verify(&out, &v) &&
	   out.mgmt_type == PKM_MGMT_DREG_CMD && out.code == 4 &&
	   out.ak_seq == 1 && out.pn == 1, "DREG-CMD round trip verifies");
}

static void test_flips(void)
{
	struct pkm_dreg in = { .mgmt_type = PKM_MGMT_DREG_REQ, .ak_seq = 2,
			       .pn = 99 };
	struct pkm_verifier v = { .cmac_key = key };
	size_t len, bit, accepted = 0;
	uint8_t buf[64];
	struct pkm_dreg out;

	pkm_dreg_build(&in, key, buf, sizeof(buf), &len);
	for (bit = 0; bit < 8 * len; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (!pkm_dreg_parse(buf, len, &out) && !pkm_dreg_verify(&out, &v))
			accepted++;
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	is(accepted, (size_t)0, "no single flipped bit of %zu verifies", 8 * len);
}

static void refused(const char *hex, int want, const char *what)
{
	uint8_t buf[128];
	size_t len = unhex(hex, buf, sizeof(buf));
	struct pkm_dreg d;

	is(pkm_dreg_parse(buf, len, &d), want, "refused: %s", what);
}

static void test_refusals(void)
{
	struct pkm_dreg d = { .mgmt_type = PKM_MGMT_DREG_REQ, .code = 1 };
	uint8_t buf[64];
	size_t len;

	refused("", PKM_E_TRUNCATED, "empty");
	refused("31", PKM_E_TRUNCATED, "type only");
	refused("3100", PKM_E_MISSING, "no CMAC tuple");
	refused(REQ_HEX "00", PKM_E_LENGTH, "a byte too many");
	refused("0900" "8d0d" "03" "01020304" "0e5596417a2fb39a",
		PKM_E_HEADER, "PKM-REQ type");
	refused("3101" "8d0d" "03" "01020304" "0e5596417a2fb39a",
		PKM_E_VALUE, "request code 1 (not supported)");
	refused("1d08" "8d0d" "03" "00000007" "97514689dc3a4117",
		PKM_E_VALUE, "action code 8 (undefined)");
	refused("3100" "8d0c" "03" "01020304" "0e5596417a2fb3",
		PKM_E_VALUE, "tuple a byte short");
	refused("3100" "8d0d" "13" "01020304" "0e5596417a2fb39a",
		PKM_E_VALUE, "reserved bits of the AK sequence set");
	refused("3100" "8c0d" "03" "01020304" "0e5596417a2fb39a",
		PKM_E_UNEXPECTED, "another TLV type");
	refused("3100" "8d0d" "03" "01020304" "0e5596417a2fb3",
		PKM_E_TRUNCATED, "tuple cut short");
	refused("3100" "8d810d" "03" "01020304" "0e5596417a2fb3",
		PKM_E_LENGTH, "non-minimal TLV length");
	refused("3100" "0100" "8d0d" "03" "01020304" "0e5596417a",
		PKM_E_UNEXPECTED, "a TLV before the tuple");
	refused("3100" "8d00" "0100", PKM_E_VALUE, "empty tuple");
	refused("3100" "8d15" "03" "01020304" "0e5596417a2fb39a15f9f662ec6c42",
		PKM_E_LENGTH, "a 21-byte tuple cut short is no old one");

	is(pkm_dreg_build(&d, key, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "builder refuses an unknown request code");
	d.code = 0;
	d.ak_seq = 16;
	is(pkm_dreg_build(&d, key, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "builder refuses an AK sequence above 15");
	d.ak_seq = 0;
	is(pkm_dreg_build(&d, key, buf, 10, &len), PKM_E_NOSPACE,
	   "builder refuses a short buffer");
	is(pkm_dreg_build(&d, NULL, buf, sizeof(buf), &len), PKM_E_INVAL,
	   "builder needs a key");
}

/* The 21-byte tuple of wman before 802.16 conformance. */
static void test_old_encoding(void)
{
	uint8_t buf[64];
	size_t len = unhex(OLD_REQ_HEX, buf, sizeof(buf));
	struct pkm_dreg d;

	memset(&d, 0xa5, sizeof(d));
	is(pkm_dreg_parse(buf, len, &d), PKM_E_OLD_ENCODING,
	   "the old 21-byte CMAC Tuple is refused as an old encoding");
	ok(d.old_encoding && !strcmp(d.old_encoding, "21-byte CMAC Tuple"),
	   "and named: \"21-byte CMAC Tuple\"");
	ok(!d.raw && !d.tag && !d.pn && !d.verified,
	   "nothing else of it is left");
	buf[0] = PKM_MGMT_DREG_CMD;
	buf[1] = PKM_DREG_CMD_TERMINATE;
	ok(pkm_dreg_parse(buf, len, &d) == PKM_E_OLD_ENCODING &&
	   !strcmp(d.old_encoding, "21-byte CMAC Tuple"),
	   "a DREG-CMD with it, too");
	memset(&d, 0xa5, sizeof(d));
	unhex(REQ_HEX, buf, sizeof(buf));
	ok(!pkm_dreg_parse(buf, PKM_DREG_MSG_LEN, &d) && !d.old_encoding,
	   "a 13-byte tuple names no old encoding");
	ok(pkm_dreg_parse(buf, PKM_DREG_MSG_LEN - 1, &d) && !d.old_encoding,
	   "nor does another error");
}

int main(void)
{
	unhex(key_hex, key, sizeof(key));
	memset(other, 0x5a, sizeof(other));
	test_exact();
	test_round_trip();
	test_flips();
	test_refusals();
	test_old_encoding();
	return tap_done();
}
