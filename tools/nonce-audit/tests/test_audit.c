// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the nonce audit (TAP): synthetic PDUs encrypted here with
 * OpenSSL as wman.ko would (frame-format.rst), where the right verdict is
 * known; the two worked examples of frame-format.rst, captured from the
 * module; garbage and cut frames, which must be counted and skipped; and
 * the program itself on pcap files, for its exit status and report line.
 *
 *   test_audit PATH-OF-nonce-audit
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "../audit.h"

static int test_no, failures;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

/* expect_counts: every listed count as expected, or say which is not. */
#define EXPECT(c, field, want)						\
	do {								\
		if ((uint64_t)(c).field != (uint64_t)(want)) {		\
			printf("# %s: %s is %" PRIu64 ", expected %" PRIu64 "\n", \
			       __func__, #field, (uint64_t)(c).field,	\
			       (uint64_t)(want));			\
			good = 0;					\
		}							\
	} while (0)

/* ---- making frames ----------------------------------------------------------- */

static const uint8_t bs_mac[6] = { 0x02, 0x16, 0, 0, 0, 0x01 };
static const uint8_t ss_mac[6] = { 0x02, 0x16, 0, 0, 0, 0x11 };

struct pdu {
	const uint8_t *key;
	uint8_t suite;
	uint16_t cid;
	uint8_t eks;
	uint32_t pn;
	const uint8_t *plain;
	size_t plain_len;
};

static uint8_t hcs(const uint8_t *gmh)
{
	uint8_t c = 0;

	for (int i = 0; i < 5; i++) {
		c ^= gmh[i];
		for (int b = 0; b < 8; b++)
			c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
	}
	return c;
}

/* The outer Ethernet header, GMH, PN, ciphertext and ICV of p; its length. */
static size_t make_frame(uint8_t *out, const struct pdu *p)
{
	size_t icv = p->suite == AUDIT_SUITE_GCM ? 16 : 8;
	size_t len = 6 + 4 + p->plain_len + icv;
	uint8_t *gmh = out + 14, iv[13] = { 0 };
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ivlen;

	memcpy(out, p->pn & 0x80000000u ? bs_mac : ss_mac, 6);
	memcpy(out + 6, p->pn & 0x80000000u ? ss_mac : bs_mac, 6);
	out[12] = 0x88;
	out[13] = 0xb5;
	gmh[0] = 0x40;
	gmh[1] = (uint8_t)(p->eks << 4 | (len >> 8 & 7));
	gmh[2] = (uint8_t)len;
	gmh[3] = (uint8_t)(p->cid >> 8);
	gmh[4] = (uint8_t)p->cid;
	gmh[5] = hcs(gmh);
	for (int i = 0; i < 4; i++)
		gmh[6 + i] = (uint8_t)(p->pn >> (8 * i));

	memcpy(iv, gmh, 5);
	if (p->suite == AUDIT_SUITE_GCM) {
		memcpy(iv + 8, gmh + 6, 4);
		ivlen = 12;
		EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL);
	} else {
		memcpy(iv + 9, gmh + 6, 4);
		ivlen = 13;
		EVP_EncryptInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL);
	}
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, ivlen, NULL);
	if (p->suite != AUDIT_SUITE_GCM)
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)icv, NULL);
	EVP_EncryptInit_ex(ctx, NULL, NULL, p->key, iv);
	EVP_EncryptUpdate(ctx, gmh + 10, &n, p->plain, (int)p->plain_len);
	EVP_EncryptFinal_ex(ctx, gmh + 10 + n, &n);
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)icv,
			    gmh + 10 + p->plain_len);
	EVP_CIPHER_CTX_free(ctx);
	return 14 + len;
}

static const uint8_t key_a[16] = "0123456789abcdef";
static const uint8_t key_b[16] = "fedcba9876543210";
static const uint8_t key_c[16] = "not in any log!!";

static uint8_t plain1[60] = "an inner Ethernet frame, sixty bytes of it ............";
static uint8_t plain2[60] = "another inner frame of the very same length .............";

static struct audit *new_audit(void)
{
	struct audit_options opt = { .slack = 1.0, .max_details = 0, .details = NULL };

	return audit_new(&opt);
}

static void add_key(struct audit *a, double t, uint16_t said, uint8_t eks,
		    uint8_t suite, const uint8_t *key, uint32_t lifetime,
		    const char *origin)
{
	struct keylog_entry e = {
		.time = t, .said = said, .eks = eks, .suite = suite,
		.lifetime = lifetime,
	};

	memcpy(e.key, key, 16);
	snprintf(e.origin, sizeof(e.origin), "%s", origin);
	audit_add_key(a, &e);
}

/* Sends p at time t into the audit. */
static void feed(struct audit *a, double t, const struct pdu *p)
{
	uint8_t frame[2200];
	size_t len = make_frame(frame, p);

	audit_frame(a, DLT_EN10MB, t, frame, len, len, "test", 0);
}

static struct audit_counts counts_of(struct audit *a)
{
	struct audit_counts c;

	audit_get_counts(a, &c);
	audit_free(a);
	return c;
}

/* ---- verdicts ------------------------------------------------------------------ */

static void test_clean(uint8_t suite, const char *name)
{
	struct audit *a = new_audit();
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, suite, key_a, 0, "bs:node0");
	add_key(a, 1000.1, 0x2001, 0, suite, key_a, 0, "ss:node1");
	for (uint32_t pn = 0; pn < 20; pn++) {
		struct pdu down = { key_a, suite, 0x1001, 0, pn, plain1, sizeof(plain1) };
		struct pdu up = { key_a, suite, 0x1001, 0, 0x80000000u | pn, plain1,
				  sizeof(plain1) };

		feed(a, 1001 + pn, &down);
		/* the same PN on uplink is another nonce: its top bit */
		feed(a, 1001.5 + pn, &up);
	}
	c = counts_of(a);
	EXPECT(c, frames, 40);
	EXPECT(c, encrypted, 40);
	EXPECT(c, attributed, 40);
	EXPECT(c, unattributed, 0);
	EXPECT(c, keys_used, 1);
	EXPECT(c, keys_logged, 1);
	EXPECT(c, reuses, 0);
	EXPECT(c, replays, 0);
	EXPECT(c, pn_repeats, 0);
	EXPECT(c, expired, 0);
	ok(good, "%s: a clean run, uplink and downlink, is clean", name);
}

static void test_reuse(uint8_t suite, const char *name)
{
	struct audit *a = new_audit();
	struct pdu p1 = { key_a, suite, 0x1001, 1, 7, plain1, sizeof(plain1) };
	struct pdu p2 = { key_a, suite, 0x1001, 1, 7, plain2, sizeof(plain2) };
	struct pdu up1 = { key_a, suite, 0x1001, 1, 0x80000007u, plain1, sizeof(plain1) };
	struct pdu up2 = { key_a, suite, 0x1001, 1, 0x80000007u, plain2, sizeof(plain2) };
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 1, suite, key_a, 0, "bs:node0");
	feed(a, 1001, &p1);
	feed(a, 1002, &p2);
	feed(a, 1003, &up1);
	feed(a, 1004, &up2);
	c = counts_of(a);
	EXPECT(c, attributed, 4);
	EXPECT(c, reuses, 2);
	EXPECT(c, replays, 0);
	EXPECT(c, expired, 0);
	ok(good, "%s: one (key, nonce) under two PDUs is a reuse, downlink and uplink", name);
}

static void test_replay(void)
{
	struct audit *a = new_audit();
	struct pdu p = { key_b, AUDIT_SUITE_GCM, 0xfe01, 2, 3, plain1, sizeof(plain1) };
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x3001, 2, AUDIT_SUITE_GCM, key_b, 0, "bs:node0");
	feed(a, 1001, &p);
	feed(a, 1002, &p);
	feed(a, 1003, &p);
	c = counts_of(a);
	EXPECT(c, attributed, 3);
	EXPECT(c, replays, 2);
	EXPECT(c, reuses, 0);
	EXPECT(c, pn_repeats, 0);
	ok(good, "byte-identical repeats are replays, not reuses");
}

static void test_replay_after_reuse(void)
{
	struct audit *a = new_audit();
	struct pdu p1 = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 9, plain1, sizeof(plain1) };
	struct pdu p2 = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 9, plain2, sizeof(plain2) };
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 0, "bs");
	feed(a, 1001, &p1);
	feed(a, 1002, &p2);
	feed(a, 1003, &p1);
	feed(a, 1004, &p2);
	c = counts_of(a);
	EXPECT(c, reuses, 1);
	EXPECT(c, replays, 2);
	ok(good, "a reuse is counted once; copies of either PDU are replays");
}

static void test_pn_repeat(void)
{
	struct audit *a = new_audit();
	struct pdu p1 = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 5, plain1, sizeof(plain1) };
	struct pdu p2 = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 5, plain1, 30 };
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 0, "bs");
	feed(a, 1001, &p1);
	feed(a, 1002, &p2);
	c = counts_of(a);
	EXPECT(c, attributed, 2);
	EXPECT(c, reuses, 0);
	EXPECT(c, pn_repeats, 1);
	ok(good, "one PN under two LENs: another nonce, counted as a PN repeat");
}

static void test_expired(void)
{
	struct audit *a = new_audit();
	struct pdu down = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 1, plain1, sizeof(plain1) };
	struct pdu up = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 0x80000001u, plain1,
			  sizeof(plain1) };
	struct audit_counts c;
	int good = 1;

	/* the BS's install ends at 1010, the SS's (later) at 1013 */
	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 10, "bs:node0");
	add_key(a, 1003, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 10, "ss:node1");
	feed(a, 1010.9, &down);		/* within the second of slack */
	down.pn++;
	feed(a, 1011.5, &down);		/* expired: the BS sends downlink */
	feed(a, 1012.5, &up);		/* fine: the SS's lifetime runs on */
	up.pn++;
	feed(a, 1014.5, &up);		/* expired */
	c = counts_of(a);
	EXPECT(c, attributed, 4);
	EXPECT(c, expired, 2);
	EXPECT(c, reuses, 0);
	ok(good, "a PDU after its sender's install of the key ended is expired (1 s slack)");
}

static void test_lifetime_rules(void)
{
	struct audit *a = new_audit();
	struct pdu p = { key_a, AUDIT_SUITE_GCM, 0x1001, 0, 1, plain1, sizeof(plain1) };
	struct pdu q = { key_b, AUDIT_SUITE_GCM, 0x1002, 0, 1, plain1, sizeof(plain1) };
	struct pdu r = { key_c, AUDIT_SUITE_GCM, 0x1003, 0, 1, plain1, sizeof(plain1) };
	struct audit_counts c;
	int good = 1;

	/* re-installed (REPLACE) before its end: the lifetime runs from then */
	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_GCM, key_a, 10, "bs");
	add_key(a, 1008, 0x2001, 0, AUDIT_SUITE_GCM, key_a, 10, "bs");
	feed(a, 1015, &p);
	/* no lifetime: never expires; logged with no suite known */
	add_key(a, 1000, 0x2002, 0, AUDIT_SUITE_ANY, key_b, 0, "bs");
	feed(a, 1e6, &q);
	/* logged a moment after its first frame went out, and no role */
	add_key(a, 1000.5, 0x2003, 0, AUDIT_SUITE_GCM, key_c, 5, "pkmd");
	feed(a, 1000.2, &r);
	r.pn++;
	feed(a, 1007, &r);
	c = counts_of(a);
	EXPECT(c, attributed, 4);
	EXPECT(c, keys_used, 3);
	EXPECT(c, expired, 1);
	ok(good, "lifetimes: a re-install extends, 0 is none, a frame before its log line counts");
}

static void test_late_install_does_not_excuse(void)
{
	struct audit *a = new_audit();
	struct pdu p = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 1, plain1, sizeof(plain1) };
	struct audit_counts c;
	int good = 1;

	/* expired at 1010, used at 1020, installed again only at 1030 */
	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 10, "bs");
	add_key(a, 1030, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 10, "bs");
	feed(a, 1020, &p);
	c = counts_of(a);
	EXPECT(c, expired, 1);
	ok(good, "an install logged after a frame does not make the frame timely");
}

static void test_replay_after_expiry(void)
{
	struct audit *a = new_audit();
	struct pdu p = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 0x80000002u, plain1,
			 sizeof(plain1) };
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 15, "ss:node2");
	feed(a, 1001, &p);
	feed(a, 1030, &p);	/* a test re-sends the captured frame */
	c = counts_of(a);
	EXPECT(c, replays, 1);
	EXPECT(c, expired, 0);
	ok(good, "a replay after the key expired is a replay, not a late PDU");
}

static void test_unattributed_and_rekey(void)
{
	struct audit *a = new_audit();
	struct pdu pa = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 1, plain1, sizeof(plain1) };
	struct pdu pb = { key_b, AUDIT_SUITE_GCM, 0x1001, 0, 1, plain1, sizeof(plain1) };
	struct pdu pc = { key_c, AUDIT_SUITE_CCM, 0x1001, 0, 2, plain1, sizeof(plain1) };
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 0, "bs");
	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_GCM, key_b, 0, "bs");
	/* one CID and EKS, keys taking turns: the cache must follow */
	for (int i = 0; i < 3; i++) {
		feed(a, 1001 + i, &pa);
		feed(a, 1001.5 + i, &pb);
		pa.pn++;
		pb.pn++;
	}
	feed(a, 1010, &pc);
	c = counts_of(a);
	EXPECT(c, encrypted, 7);
	EXPECT(c, attributed, 6);
	EXPECT(c, unattributed, 1);
	EXPECT(c, keys_used, 2);
	EXPECT(c, keys_logged, 2);
	EXPECT(c, reuses, 0);
	ok(good, "keys taking turns on one (CID, EKS) are each found; an unknown key is unattributed");
}

static int unhex(const char *s, uint8_t *out)
{
	int n = 0;
	unsigned int v;

	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* frame-format.rst's worked examples, as the module sent them. */
static void test_worked_examples(void)
{
	static const char ccm[] =
		"02 00 00 00 00 02 02 00 00 00 00 01 88 b5 40 10"
		"3c 01 01 a6 00 00 00 00 bf 52 35 3a 2a 6d 33 56"
		"e0 7c b1 7f 3c 1f 86 f0 06 77 13 ca f0 16 73 d9"
		"7f 03 94 ab 3e 5c bb 38 d3 41 4a 4b 85 01 0f 92"
		"59 06 7e 67 1c 48 ef 18 31 0d";
	static const char gcm[] =
		"02 00 00 00 00 02 02 00 00 00 00 01 88 b5 40 10"
		"44 01 01 90 00 00 00 00 2e 9c b0 a9 78 ff a9 6c"
		"ae ce e1 99 9c 79 8e 66 33 35 cb 92 45 d8 21 b2"
		"58 d7 4f 60 24 82 bb cd 5e 5a 52 bf bf 7b 68 0b"
		"50 88 2b b7 f0 8f 84 68 5d 15 2f b7 7f b5 74 55"
		"a6 0b";
	static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					 12, 13, 14, 15 };
	uint8_t frame[128];
	struct audit *a = new_audit();
	struct audit_counts c;
	int n, good = 1;

	add_key(a, 1000, 0x0101, 1, AUDIT_SUITE_ANY, key, 0, "bs");
	n = unhex(ccm, frame);
	audit_frame(a, DLT_EN10MB, 1001, frame, (size_t)n, (size_t)n, "doc", 1);
	n = unhex(gcm, frame);
	audit_frame(a, DLT_EN10MB, 1002, frame, (size_t)n, (size_t)n, "doc", 2);
	c = counts_of(a);
	EXPECT(c, encrypted, 2);
	EXPECT(c, attributed, 2);
	/* one key under both suites: two AEAD keys, the same PN is no repeat */
	EXPECT(c, pn_repeats, 0);
	ok(good, "frame-format.rst's aes-ccm and aes-gcm frames open with the documented key");
}

static void test_sll2(void)
{
	struct pdu p = { key_a, AUDIT_SUITE_CCM, 0x1001, 0, 1, plain1, sizeof(plain1) };
	uint8_t frame[256], sll2[256] = { 0x88, 0xb5 };
	size_t len = make_frame(frame, &p);
	struct audit *a = new_audit();
	struct audit_counts c;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_CCM, key_a, 0, "bs");
	/* SLL2: protocol first, 20 bytes, then the MAC PDU */
	memcpy(sll2 + 20, frame + 14, len - 14);
	audit_frame(a, DLT_LINUX_SLL2, 1001, sll2, len + 6, len + 6, "any", 1);
	c = counts_of(a);
	EXPECT(c, attributed, 1);
	ok(good, "a capture on \"any\" (Linux cooked v2) is read too");
}

/* ---- robustness ------------------------------------------------------------------ */

static uint32_t rnd_state = 0x2545f491;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/*
 * Garbage of every kind: random bytes, wman EtherType with random
 * headers, valid PDUs cut short (as a snaplen cuts them, and as the wire
 * carried them), LEN changed, bits flipped.  Each frame must land in one
 * category, the valid ones attributed, and nothing may crash (the ASan
 * build runs this too).
 */
static void test_garbage(void)
{
	struct audit *a = new_audit();
	struct audit_counts c;
	uint8_t frame[2200], copy[2200];
	uint64_t valid = 0, cut = 0;
	int good = 1;

	add_key(a, 1000, 0x2001, 0, AUDIT_SUITE_ANY, key_a, 0, "bs");
	for (uint32_t i = 0; i < 20000; i++) {
		struct pdu p = { key_a, i & 1 ? AUDIT_SUITE_GCM : AUDIT_SUITE_CCM,
				 (uint16_t)(0x1001 + (i & 3)), (uint8_t)(i & 3), i, plain1,
				 1 + rnd() % sizeof(plain1) };
		size_t len = make_frame(frame, &p), n, at;

		switch (i % 6) {
		case 0:	/* the real thing */
			audit_frame(a, DLT_EN10MB, 1001, frame, len, len, "fuzz", i);
			valid++;
			break;
		case 1:	/* cut by the snaplen */
			n = rnd() % len;
			audit_frame(a, DLT_EN10MB, 1001, frame, n, len, "fuzz", i);
			cut += n >= 20;
			break;
		case 2:	/* cut on the wire, LEN kept */
			n = rnd() % len;
			memcpy(copy, frame, n);
			audit_frame(a, DLT_EN10MB, 1001, copy, n, n, "fuzz", i);
			break;
		case 3:	/* random bytes after a wman EtherType */
			n = rnd() % 200;
			for (size_t j = 0; j < n; j++)
				copy[j] = (uint8_t)rnd();
			if (n > 14) {
				copy[12] = 0x88;
				copy[13] = 0xb5;
			}
			audit_frame(a, DLT_EN10MB, 1001, copy, n, n + rnd() % 3, "fuzz", i);
			break;
		case 4:	/* a bit flipped anywhere */
			at = rnd() % len;
			frame[at] ^= (uint8_t)(1u << (rnd() % 8));
			audit_frame(a, DLT_EN10MB, 1001, frame, len, len, "fuzz", i);
			break;
		default: /* LEN changed, HCS fixed: claims more or less than sent */
			frame[16] = (uint8_t)rnd();
			frame[15] = (uint8_t)((frame[15] & ~7u) | (rnd() & 7));
			frame[19] = hcs(frame + 14);
			audit_frame(a, DLT_EN10MB, 1001, frame, len,
				    len + rnd() % 64, "fuzz", i);
			break;
		}
	}
	/* and a few link types it does not know, with nothing behind them */
	audit_frame(a, DLT_LINUX_SLL, 1001, frame, 3, 3, "fuzz", 0);
	audit_frame(a, DLT_LINUX_SLL2, 1001, frame, 0, 0, "fuzz", 0);
	audit_frame(a, DLT_RAW, 1001, frame, 64, 64, "fuzz", 0);
	c = counts_of(a);
	EXPECT(c, frames, 20003);
	EXPECT(c, other + c.clear + c.malformed + c.encrypted, c.frames);
	EXPECT(c, attributed + c.unattributed, c.encrypted);
	EXPECT(c, reuses, 0);
	EXPECT(c, expired, 0);
	if (c.attributed < valid) {
		printf("# %" PRIu64 " valid frames, %" PRIu64 " attributed\n",
		       valid, c.attributed);
		good = 0;
	}
	if (c.malformed < cut) {
		printf("# %" PRIu64 " malformed of %" PRIu64 " cut\n", c.malformed, cut);
		good = 0;
	}
	printf("# garbage: %" PRIu64 " frames, %" PRIu64 " malformed, %" PRIu64
	       " clear, %" PRIu64 " other, %" PRIu64 " unattributed\n",
	       c.frames, c.malformed, c.clear, c.other, c.unattributed);
	ok(good, "garbage, cut and mangled PDUs are counted and skipped");
}

static void test_keylog_lines(void)
{
	static const struct {
		const char *line;
		int want;
	} cases[] = {
		{ "1733300000.123456 0x2001 0 aes-ccm 000102030405060708090a0b0c0d0e0f 0 bs:node0\n", 1 },
		{ "1733300000 8193 3 aes-gcm 000102030405060708090A0B0C0D0E0F 43200 ss:pkmd/77", 1 },
		{ "1.5 0xffff 1 - 000102030405060708090a0b0c0d0e0f 12 x", 1 },
		{ "1.5 0xffff 1 128 000102030405060708090a0b0c0d0e0f 12 x", 1 },
		{ "# a comment", 0 },
		{ "   \n", 0 },
		{ "1.5 0xffff 4 - 000102030405060708090a0b0c0d0e0f 12 x", -1 },
		{ "1.5 0x10000 1 - 000102030405060708090a0b0c0d0e0f 12 x", -1 },
		{ "1.5 1 1 aes-cbc 000102030405060708090a0b0c0d0e0f 12 x", -1 },
		{ "1.5 1 1 - 000102030405060708090a0b0c0d0e 12 x", -1 },
		{ "1.5 1 1 - 000102030405060708090a0b0c0d0e0g 12 x", -1 },
		{ "1.5 1 1 - 000102030405060708090a0b0c0d0e0f -3 x", -1 },
		{ "1.5 1 1 - 000102030405060708090a0b0c0d0e0f 12", -1 },
		{ "1.5 1 1 - 000102030405060708090a0b0c0d0e0f 12 x y", -1 },
		{ "soon 1 1 - 000102030405060708090a0b0c0d0e0f 12 x", -1 },
	};
	struct keylog_entry e, back;
	char why[128], buf[256];
	int good = 1, got;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = keylog_parse_line(cases[i].line, &e, why, sizeof(why));
		if (got != cases[i].want) {
			printf("# '%s': %d, expected %d (%s)\n", cases[i].line, got,
			       cases[i].want, got < 0 ? why : "");
			good = 0;
		}
	}
	/* what keylog_format writes, keylog_parse_line reads back */
	keylog_parse_line(cases[1].line, &e, why, sizeof(why));
	keylog_format(&e, buf, sizeof(buf));
	if (keylog_parse_line(buf, &back, why, sizeof(why)) != 1 ||
	    memcmp(back.key, e.key, 16) || back.said != 8193 || back.eks != 3 ||
	    back.suite != AUDIT_SUITE_GCM || back.lifetime != 43200 ||
	    strcmp(back.origin, "ss:pkmd/77")) {
		printf("# formatted '%s' does not read back\n", buf);
		good = 0;
	}
	ok(good, "key log lines: fields checked, comments skipped, format reads back");
}

/* ---- the program ------------------------------------------------------------------ */

static char dir[] = "/tmp/nonce-audit-test.XXXXXX";

/* Writes frames (made from pdus at times) into a pcap file. */
static void write_pcap(const char *path, const struct pdu *pdus,
		       const double *times, size_t n, unsigned int snaplen)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
						PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	uint8_t frame[2200];

	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { 0 };
		size_t len = make_frame(frame, &pdus[i]);

		h.ts.tv_sec = (time_t)times[i];
		h.ts.tv_usec = (suseconds_t)((times[i] - (double)h.ts.tv_sec) * 1e6);
		h.len = (bpf_u_int32)len;
		h.caplen = (bpf_u_int32)(len < snaplen ? len : snaplen);
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* Runs the program, its stdout into out; returns its exit status. */
static int run(const char *prog, char *out, size_t out_len, const char *const *args)
{
	char cmd[2048];
	size_t n = 0;
	FILE *p;
	int status;

	n += (size_t)snprintf(cmd, sizeof(cmd), "%s", prog);
	for (; *args; args++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s", *args);
	snprintf(cmd + n, sizeof(cmd) - n, " 2>%s/stderr", dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, out_len - 1, p);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';	/* the report line only */
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_program(const char *prog)
{
	static const char keylog_fmt[] =
		"# the first install\n"
		"1000.000000 0x2001 0 aes-ccm 30313233343536373839616263646566 10 bs:node0\n"
		"1000.100000 0x2001 0 - 30313233343536373839616263646566 10 ss:node1\n";
	char path[4][256], out[1024], keys[256], bad_keys[256], cut[256];
	struct pdu p[4];
	double times[4] = { 1001, 1002, 1003, 1004 };
	const char *args[8];
	int rc;

	for (int i = 0; i < 4; i++)
		p[i] = (struct pdu){ key_a, AUDIT_SUITE_CCM, 0x1001, 0, (uint32_t)i,
				     plain1, sizeof(plain1) };
	snprintf(keys, sizeof(keys), "%s/keys.log", dir);
	write_file(keys, keylog_fmt);
	snprintf(path[0], sizeof(path[0]), "%s/clean.pcap", dir);
	write_pcap(path[0], p, times, 4, 65535);
	args[0] = "-k";
	args[1] = keys;
	args[2] = path[0];
	args[3] = NULL;
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 0 && !strcmp(out, "nonce audit: ok: frames 4 encrypted 4 attributed 4 unattributed 0 malformed 0 keys 1/1 replays 0 reuses 0 pn-repeats 0 expired 0"),
	   "program: a clean capture exits 0 with its counts (%d: %s)", rc, out);

	/* a second capture repeats PN 2 with other bytes: a reuse across files */
	p[0].pn = 2;
	p[0].plain = plain2;
	snprintf(path[1], sizeof(path[1]), "%s/again.pcap", dir);
	write_pcap(path[1], p, times, 1, 65535);
	args[3] = path[1];
	args[4] = NULL;
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 1 && strstr(out, "nonce audit: FAIL:") && strstr(out, " reuses 1 "),
	   "program: a reuse across two captures exits 1 (%d: %s)", rc, out);

	/* frames after the lifetime: expired */
	times[3] = 1020;
	snprintf(path[2], sizeof(path[2]), "%s/late.pcap", dir);
	write_pcap(path[2], &p[1], &times[1], 3, 65535);
	args[2] = path[2];
	args[3] = NULL;
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 1 && strstr(out, " expired 1"),
	   "program: a PDU after its key's lifetime exits 1 (%d: %s)", rc, out);

	/* a capture cut by a small snaplen, and one cut off in the middle */
	snprintf(cut, sizeof(cut), "%s/snap.pcap", dir);
	write_pcap(cut, p, times, 3, 40);
	args[2] = cut;
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 0 && strstr(out, " malformed 3 "),
	   "program: PDUs cut by the snaplen are malformed, not failures (%d: %s)",
	   rc, out);
	snprintf(path[3], sizeof(path[3]), "%s/truncated.pcap", dir);
	{
		FILE *in = fopen(path[0], "rb"), *o = fopen(path[3], "wb");
		uint8_t buf[4096];
		size_t n = fread(buf, 1, sizeof(buf), in);

		fwrite(buf, 1, n - 30, o);
		fclose(in);
		fclose(o);
	}
	args[2] = path[3];
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 0 && strstr(out, "frames 3 "),
	   "program: a file that ends inside a frame keeps the frames before (%d: %s)",
	   rc, out);

	/* unattributed PDUs fail only when asked */
	args[0] = "--max-unattributed";
	args[1] = "0";
	args[2] = "-k";
	snprintf(bad_keys, sizeof(bad_keys), "%s/other-keys.log", dir);
	write_file(bad_keys, "1000 1 0 aes-gcm 000102030405060708090a0b0c0d0e0f 0 bs\n");
	args[3] = bad_keys;
	args[4] = path[0];
	args[5] = NULL;
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 1 && strstr(out, " unattributed 4 "),
	   "program: --max-unattributed 0 fails on PDUs no logged key opens (%d: %s)",
	   rc, out);

	/* bad input: exit 2 */
	write_file(bad_keys, "1000 1 0 aes-gcm 0001 0 bs\n");
	args[0] = "-k";
	args[1] = bad_keys;
	args[2] = path[0];
	args[3] = NULL;
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 2, "program: a malformed key log exits 2 (%d)", rc);
	args[1] = keys;
	args[2] = keys;		/* not a pcap file */
	rc = run(prog, out, sizeof(out), args);
	ok(rc == 2, "program: a file that is no capture exits 2 (%d)", rc);
}

int main(int argc, char **argv)
{
	char cmd[128];

	if (argc != 2) {
		fprintf(stderr, "usage: test_audit PATH-OF-nonce-audit\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	printf("TAP version 13\n");
	test_clean(AUDIT_SUITE_CCM, "aes-ccm");
	test_clean(AUDIT_SUITE_GCM, "aes-gcm");
	test_reuse(AUDIT_SUITE_CCM, "aes-ccm");
	test_reuse(AUDIT_SUITE_GCM, "aes-gcm");
	test_replay();
	test_replay_after_reuse();
	test_pn_repeat();
	test_expired();
	test_lifetime_rules();
	test_late_install_does_not_excuse();
	test_replay_after_expiry();
	test_unattributed_and_rekey();
	test_worked_examples();
	test_sll2();
	test_garbage();
	test_keylog_lines();
	test_program(argv[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", dir);
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
