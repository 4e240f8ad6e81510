// SPDX-License-Identifier: GPL-2.0
/* TLV codec: short and long lengths, nesting, truncated and overlong input. */
#include <stdlib.h>

#include "pkm/err.h"
#include "pkm/tlv.h"
#include "tap.h"

static uint8_t big[70000];

static void test_length_forms(void)
{
	static const struct {
		size_t len;
		const char *hdr;
	} cases[] = {
		{ 0, "07 00" },
		{ 1, "07 01" },
		{ 127, "07 7f" },
		{ 128, "07 81 80" },
		{ 255, "07 81 ff" },
		{ 256, "07 82 01 00" },
		{ 65535, "07 82 ff ff" },
		{ 65536, "07 83 01 00 00" },
	};
	static uint8_t buf[70010], val[70000];
	struct pkm_tlv_writer w;
	struct pkm_tlv t;
	size_t i, used, hdr;

	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len;

		pkm_tlv_writer_init(&w, buf, sizeof(buf));
		hdr = pkm_tlv_hdr_len(len);
		ok(!pkm_tlv_put(&w, 7, val, len) && w.len == hdr + len &&
		   mem_is_hex(buf, hdr, cases[i].hdr),
		   "length %zu encodes as %s", len, cases[i].hdr);
		ok(!pkm_tlv_decode(buf, w.len, &t, &used) && t.type == 7 &&
		   t.len == len && used == w.len && t.val == buf + hdr &&
		   !memcmp(t.val, val, len), "length %zu decodes back", len);
		is(pkm_tlv_decode(buf, w.len - 1, &t, &used),
		   len ? PKM_E_TRUNCATED : PKM_E_TRUNCATED,
		   "length %zu: one byte short is truncated", len);
	}
}

static void test_bad_lengths(void)
{
	static const struct {
		const char *hex;
		int err;
		const char *what;
	} cases[] = {
		{ "", PKM_E_TRUNCATED, "empty input" },
		{ "07", PKM_E_TRUNCATED, "type without length" },
		{ "07 02 aa", PKM_E_TRUNCATED, "value cut short" },
		{ "07 81", PKM_E_TRUNCATED, "long form without length byte" },
		{ "07 82 01", PKM_E_TRUNCATED, "long form length cut short" },
		{ "07 82 01 00 aa", PKM_E_TRUNCATED, "256 announced, 1 there" },
		{ "07 80", PKM_E_LENGTH, "long form naming zero bytes" },
		{ "07 85 00 00 00 00 01 aa", PKM_E_LENGTH, "five length bytes" },
		{ "07 ff", PKM_E_LENGTH, "0xff length byte" },
		{ "07 81 05 aa bb cc dd ee", PKM_E_LENGTH,
		  "long form for a short length (overlong)" },
		{ "07 81 7f", PKM_E_LENGTH, "long form for 127 (overlong)" },
		{ "07 82 00 80", PKM_E_LENGTH, "leading zero length byte" },
		{ "07 84 ff ff ff ff", PKM_E_TRUNCATED, "4 GiB announced" },
	};
	uint8_t buf[64];
	struct pkm_tlv t;
	size_t i, n, used;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = unhex(cases[i].hex, buf, sizeof(buf));
		is(pkm_tlv_decode(buf, n, &t, &used), cases[i].err,
		   "refuses %s", cases[i].what);
	}
}

static void test_iter(void)
{
	uint8_t buf[64];
	struct pkm_tlv_iter it;
	struct pkm_tlv t;
	size_t n;
	int r1, r2, r3, r4;

	n = unhex("0c 02 20 01 10 01 08 06 00", buf, sizeof(buf));
	pkm_tlv_iter_init(&it, buf, n);
	r1 = pkm_tlv_next(&it, &t);
	ok(r1 == 1 && t.type == 12 && t.len == 2 && t.val[0] == 0x20,
	   "iterator: first attribute");
	r2 = pkm_tlv_next(&it, &t);
	r3 = pkm_tlv_next(&it, &t);
	r4 = pkm_tlv_next(&it, &t);
	ok(r2 == 1 && r3 == 1 && t.type == 6 && t.len == 0 && r4 == 0,
	   "iterator: three attributes then end");

	n = unhex("0c 02 20 01 10 05 08", buf, sizeof(buf));
	pkm_tlv_iter_init(&it, buf, n);
	r1 = pkm_tlv_next(&it, &t);
	r2 = pkm_tlv_next(&it, &t);
	ok(r1 == 1 && r2 == PKM_E_TRUNCATED,
	   "iterator: truncated second attribute is an error");
	pkm_tlv_iter_init(&it, buf, 0);
	is(pkm_tlv_next(&it, &t), 0, "iterator: empty list ends at once");
}

static void test_writer_bounds(void)
{
	uint8_t buf[8], val[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pkm_tlv_writer w;

	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	ok(!pkm_tlv_put(&w, 1, val, 6) && w.len == 8,
	   "writer fills the buffer exactly");
	is(pkm_tlv_put(&w, 2, val, 0), PKM_E_NOSPACE,
	   "writer refuses a header past the end");
	is(pkm_tlv_put_u8(&w, 2, 1), PKM_E_NOSPACE, "writer error is sticky");
	ok(w.len == 8, "writer length unchanged after failure");

	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	is(pkm_tlv_put(&w, 1, val, 7), PKM_E_NOSPACE,
	   "writer refuses a value one byte too long");
	ok(w.len == 0, "nothing written on failure");

	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	pkm_tlv_put_u16(&w, 12, 0x1234);
	pkm_tlv_put_u32(&w, 9, 0xdeadbeef);
	is(w.err, PKM_E_NOSPACE, "u32 after u16 does not fit 8 bytes");
	ok(mem_is_hex(buf, w.len, "0c 02 12 34"), "u16 is big-endian");
}

static void test_nest(void)
{
	static uint8_t buf[1024];
	uint8_t val[300];
	struct pkm_tlv_writer w;
	struct pkm_tlv_iter it;
	struct pkm_tlv t, in;
	size_t mark, used;
	int r;

	memset(val, 0x5a, sizeof(val));
	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	mark = pkm_tlv_nest_begin(&w, 13);
	pkm_tlv_put_u8(&w, 10, 1);
	pkm_tlv_put_u32(&w, 9, 3600);
	ok(!pkm_tlv_nest_end(&w, mark) &&
	   mem_is_hex(buf, w.len, "0d 09 0a 01 01 09 04 00 00 0e 10"),
	   "short compound attribute");

	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	mark = pkm_tlv_nest_begin(&w, 23);
	pkm_tlv_put(&w, 8, val, 200);
	pkm_tlv_put_u8(&w, 10, 3);
	ok(!pkm_tlv_nest_end(&w, mark) && w.len == 3 + 3 + 200 + 3,
	   "compound attribute grows to the long form");
	ok(mem_is_hex(buf, 6, "17 81 ce 08 81 c8"),
	   "long compound header and first inner header");
	r = pkm_tlv_decode(buf, w.len, &t, &used);
	ok(!r && t.type == 23 && t.len == 206 && used == w.len,
	   "long compound decodes");
	pkm_tlv_iter_init(&it, t.val, t.len);
	r = pkm_tlv_next(&it, &in);
	ok(r == 1 && in.type == 8 && in.len == 200 && in.val[199] == 0x5a,
	   "inner attribute survives the move");
	r = pkm_tlv_next(&it, &in);
	ok(r == 1 && in.type == 10 && in.val[0] == 3 &&
	   pkm_tlv_next(&it, &in) == 0, "last inner attribute, then end");

	/* Room for the contents in short form but not for the long header. */
	pkm_tlv_writer_init(&w, buf, 2 + 2 + 126 + 2 + 70);
	mark = pkm_tlv_nest_begin(&w, 23);
	pkm_tlv_put(&w, 8, val, 126);
	pkm_tlv_put(&w, 8, val, 70);
	is(pkm_tlv_nest_end(&w, mark), PKM_E_NOSPACE,
	   "compound end refuses when the long header does not fit");

	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	mark = pkm_tlv_nest_begin(&w, 19);
	mark = pkm_tlv_nest_begin(&w, 23);
	pkm_tlv_put(&w, 8, val, 130);
	pkm_tlv_nest_end(&w, mark);
	ok(!pkm_tlv_nest_end(&w, 0) && !pkm_tlv_decode(buf, w.len, &t, &used)
	   && t.len == 3 + 3 + 130 && used == w.len,
	   "two levels of long compound attributes");
}

static void test_huge(void)
{
	static uint8_t buf[70010];
	struct pkm_tlv_writer w;
	struct pkm_tlv t;
	size_t used;

	pkm_tlv_writer_init(&w, buf, sizeof(buf));
	ok(!pkm_tlv_put(&w, 224, big, 65536) && buf[1] == 0x83,
	   "65536-byte value takes three length bytes");
	ok(!pkm_tlv_decode(buf, w.len, &t, &used) && t.len == 65536,
	   "65536-byte value decodes");
}

int main(void)
{
	test_length_forms();
	test_bad_lengths();
	test_iter();
	test_writer_bounds();
	test_nest();
	test_huge();
	return tap_done();
}
