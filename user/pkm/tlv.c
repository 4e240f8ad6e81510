// SPDX-License-Identifier: GPL-2.0
/* 802.16 TLV reader and writer. */
#include <string.h>

#include "pkm/err.h"
#include "pkm/tlv.h"

static size_t len_bytes(size_t vlen)
{
	size_t n = 0;

	if (vlen < 128)
		return 0;
	while (vlen) {
		n++;
		vlen >>= 8;
	}
	return n;
}

size_t pkm_tlv_hdr_len(size_t vlen)
{
	return 2 + len_bytes(vlen);
}

int pkm_tlv_decode(const uint8_t *buf, size_t len, struct pkm_tlv *t,
		   size_t *used)
{
	size_t hdr = 2, vlen, n, i;

	if (len < 2)
		return PKM_E_TRUNCATED;
	if (buf[1] < 0x80) {
		vlen = buf[1];
	} else {
		n = buf[1] & 0x7f;
		/* 0x80 alone names no length bytes; more than 4 we never emit. */
		if (n == 0 || n > PKM_TLV_MAX_LEN_BYTES)
			return PKM_E_LENGTH;
		if (len - 2 < n)
			return PKM_E_TRUNCATED;
		/* Minimal form only: no leading zero byte, no long form below 128. */
		if (buf[2] == 0)
			return PKM_E_LENGTH;
		vlen = 0;
		for (i = 0; i < n; i++)
			vlen = (vlen << 8) | buf[2 + i];
		if (vlen < 128)
			return PKM_E_LENGTH;
		hdr += n;
	}
	if (len - hdr < vlen)
		return PKM_E_TRUNCATED;
	t->type = buf[0];
	t->len = vlen;
	t->val = buf + hdr;
	*used = hdr + vlen;
	return PKM_OK;
}

void pkm_tlv_iter_init(struct pkm_tlv_iter *it, const uint8_t *buf,
		       size_t len)
{
	it->pos = buf;
	it->end = buf + len;
}

int pkm_tlv_next(struct pkm_tlv_iter *it, struct pkm_tlv *t)
{
	size_t used;
	int err;

	if (it->pos == it->end)
		return 0;
	err = pkm_tlv_decode(it->pos, (size_t)(it->end - it->pos), t, &used);
	if (err)
		return err;
	it->pos += used;
	return 1;
}

void pkm_tlv_writer_init(struct pkm_tlv_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = PKM_OK;
}

static int writer_fail(struct pkm_tlv_writer *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

static void put_len(uint8_t *p, size_t vlen)
{
	size_t n = len_bytes(vlen), i;

	if (!n) {
		p[0] = (uint8_t)vlen;
		return;
	}
	p[0] = (uint8_t)(0x80 | n);
	for (i = 0; i < n; i++)
		p[n - i] = (uint8_t)(vlen >> (8 * i));
}

int pkm_tlv_put_bytes(struct pkm_tlv_writer *w, const void *data, size_t len)
{
	if (w->err)
		return w->err;
	if (w->cap - w->len < len)
		return writer_fail(w, PKM_E_NOSPACE);
	if (len)
		memcpy(w->buf + w->len, data, len);
	w->len += len;
	return PKM_OK;
}

int pkm_tlv_put(struct pkm_tlv_writer *w, uint8_t type, const void *val,
		size_t len)
{
	size_t hdr = pkm_tlv_hdr_len(len);

	if (w->err)
		return w->err;
	if (len_bytes(len) > PKM_TLV_MAX_LEN_BYTES)
		return writer_fail(w, PKM_E_LENGTH);
	if (w->cap - w->len < hdr || w->cap - w->len - hdr < len)
		return writer_fail(w, PKM_E_NOSPACE);
	w->buf[w->len] = type;
	put_len(w->buf + w->len + 1, len);
	if (len)
		memcpy(w->buf + w->len + hdr, val, len);
	w->len += hdr + len;
	return PKM_OK;
}

int pkm_tlv_put_u8(struct pkm_tlv_writer *w, uint8_t type, uint8_t v)
{
	return pkm_tlv_put(w, type, &v, 1);
}

int pkm_tlv_put_u16(struct pkm_tlv_writer *w, uint8_t type, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return pkm_tlv_put(w, type, b, sizeof(b));
}

int pkm_tlv_put_u32(struct pkm_tlv_writer *w, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	return pkm_tlv_put(w, type, b, sizeof(b));
}

/*
 * A compound attribute's length is known only at its end: reserve the
 * one-byte short form and move the contents up if the long form is needed.
 */
size_t pkm_tlv_nest_begin(struct pkm_tlv_writer *w, uint8_t type)
{
	size_t mark = w->len;
	uint8_t hdr[2] = { type, 0 };

	pkm_tlv_put_bytes(w, hdr, sizeof(hdr));
	return mark;
}

int pkm_tlv_nest_end(struct pkm_tlv_writer *w, size_t mark)
{
	size_t vlen, extra;

	if (w->err)
		return w->err;
	if (mark > w->len || w->len - mark < 2)
		return writer_fail(w, PKM_E_INVAL);
	vlen = w->len - mark - 2;
	extra = len_bytes(vlen);
	if (extra > PKM_TLV_MAX_LEN_BYTES)
		return writer_fail(w, PKM_E_LENGTH);
	if (w->cap - w->len < extra)
		return writer_fail(w, PKM_E_NOSPACE);
	if (extra)
		memmove(w->buf + mark + 2 + extra, w->buf + mark + 2, vlen);
	put_len(w->buf + mark + 1, vlen);
	w->len += extra;
	return PKM_OK;
}
