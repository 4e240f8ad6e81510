/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_TLV_H
#define PKM_TLV_H

#include <stddef.h>
#include <stdint.h>

/*
 * 802.16 type/length/value.  Type: one byte.  Length: one byte if below
 * 128, otherwise 0x80|n followed by n big-endian length bytes.  Only the
 * shortest encoding is accepted (see Documentation/pkm-protocol.rst), and
 * n is at most PKM_TLV_MAX_LEN_BYTES.
 */
#define PKM_TLV_MAX_LEN_BYTES	4

struct pkm_tlv {
	uint8_t type;
	size_t len;
	const uint8_t *val;	/* points into the decoded buffer */
};

struct pkm_tlv_iter {
	const uint8_t *pos;
	const uint8_t *end;
};

/* Header size (type + length field) for a value of vlen bytes. */
size_t pkm_tlv_hdr_len(size_t vlen);

/* Decodes the TLV at buf; *used gets header + value size. */
int pkm_tlv_decode(const uint8_t *buf, size_t len, struct pkm_tlv *t,
		   size_t *used);

void pkm_tlv_iter_init(struct pkm_tlv_iter *it, const uint8_t *buf,
		       size_t len);
/* 1: *t holds the next attribute; 0: end of list; < 0: pkm_err. */
int pkm_tlv_next(struct pkm_tlv_iter *it, struct pkm_tlv *t);

/*
 * Writer.  The first failure sticks in err and turns later calls into
 * no-ops, so a builder can put a run of attributes and check once.
 */
struct pkm_tlv_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

void pkm_tlv_writer_init(struct pkm_tlv_writer *w, uint8_t *buf, size_t cap);
int pkm_tlv_put_bytes(struct pkm_tlv_writer *w, const void *data, size_t len);
int pkm_tlv_put(struct pkm_tlv_writer *w, uint8_t type, const void *val,
		size_t len);
int pkm_tlv_put_u8(struct pkm_tlv_writer *w, uint8_t type, uint8_t v);
int pkm_tlv_put_u16(struct pkm_tlv_writer *w, uint8_t type, uint16_t v);
int pkm_tlv_put_u32(struct pkm_tlv_writer *w, uint8_t type, uint32_t v);

/* Compound attribute: begin returns a mark to hand to end. */
size_t pkm_tlv_nest_begin(struct pkm_tlv_writer *w, uint8_t type);
int pkm_tlv_nest_end(struct pkm_tlv_writer *w, size_t mark);

#endif
