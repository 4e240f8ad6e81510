// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the TLV codec.  Besides not crashing, whatever
 * decodes must encode back to the same bytes (lengths are canonical),
 * both flat and through the compound writer.
 */
#include <stdlib.h>
#include <string.h>

#include "pkm/err.h"
#include "pkm/tlv.h"

#define MAX_DEPTH 4

/* Rewrites the list at buf into w; returns bytes of buf it consumed. */
static size_t rewrite(const uint8_t *buf, size_t len,
		      struct pkm_tlv_writer *w, int depth)
{
	struct pkm_tlv_iter it, sub;
	struct pkm_tlv t, s;
	size_t done = 0, mark;
	int ret;

	pkm_tlv_iter_init(&it, buf, len);
	while ((ret = pkm_tlv_next(&it, &t)) > 0) {
		/* A value that is itself a whole list goes through nesting. */
		pkm_tlv_iter_init(&sub, t.val, t.len);
		while ((ret = pkm_tlv_next(&sub, &s)) > 0)
			;
		if (ret == 0 && t.len && depth < MAX_DEPTH) {
			mark = pkm_tlv_nest_begin(w, t.type);
			if (rewrite(t.val, t.len, w, depth + 1) != t.len)
				abort();
			pkm_tlv_nest_end(w, mark);
		} else {
			pkm_tlv_put(w, t.type, t.val, t.len);
		}
		if (w->err)
			abort();
		done = (size_t)(it.pos - buf);
	}
	if (ret < 0 && ret != PKM_E_TRUNCATED && ret != PKM_E_LENGTH)
		abort();
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkm_tlv_writer w;
	uint8_t *out;
	size_t done;

	out = malloc(size + 1);
	if (!out)
		return 0;
	pkm_tlv_writer_init(&w, out, size);
	done = rewrite(data, size, &w, 0);
	if (w.err || w.len != done || memcmp(out, data, done))
		abort();
	free(out);
	return 0;
}
