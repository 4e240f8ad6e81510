// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of an SS's handling of a group's rekey messages: the
 * input is a run of Group Key Update Commands, each as a 2-byte length
 * and the message, as they would come one after another.  Each is parsed
 * (Group-Key-Fragment included); fragments go through the reassembly
 * (ss_group_fragment()), whole payloads and joined sets through the key
 * tree member (ss_group_apply()).  Signatures are not checked: the point
 * is what lies behind them.  The PKM identifier byte moves the clock on
 * by tenths of a second, so that sets also time out.  Invariants: a set
 * in progress stays within its bounds, and a joined payload has exactly
 * the length its fragments announced.
 */
#include <stdint.h>
#include <stdlib.h>

#include "group.h"
#include "ss/ss_group.h"

#define FUZZ_GROUP	9

/* The member key gen_frag_corpus gives member 0, so welcomes apply. */
static const uint8_t ikey[KEYTREE_KEY_LEN] = { 1 };

static void check_bounds(const struct ss_group_state *st)
{
	const struct ss_group_frags *fr = &st->frags;

	if (!fr->active)
		return;
	if (fr->count < 2 || fr->count > GROUP_FRAG_COUNT_MAX ||
	    fr->total > GROUP_REKEY_MAX_LEN || fr->have == 0 ||
	    fr->have >= fr->count || fr->bytes > fr->total)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ss_group_state st = { .group = FUZZ_GROUP };
	uint8_t tek[PKM_KEY_LEN];
	int64_t now = 0;
	size_t pos = 0;

	while (size - pos >= 2) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		uint8_t *out = NULL;
		size_t out_len = 0;
		unsigned int have, count;
		struct pkm_msg m;
		uint64_t seq, id;
		bool dropped;
		int r;

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		r = pkm_msg_parse(data + pos, len, &m);
		pos += len;
		if (r || m.code != PKM_GROUP_KEY_UPDATE)
			continue;
		now += (int64_t)m.id * 100;
		if (ss_group_fragments_expire(&st, now, &id, &have, &count) &&
		    (st.frags.active || have >= count))
			abort();
		if (!m.u.gku.has_fragment) {
			ss_group_apply(&st, ikey, m.u.gku.payload.p,
				       m.u.gku.payload.len, &seq, tek);
			continue;
		}
		r = ss_group_fragment(&st, &m.u.gku.frag, m.u.gku.payload.p,
				      m.u.gku.payload.len, now, &out, &out_len,
				      &dropped, &id);
		check_bounds(&st);
		if (r == 1) {
			if (!out || out_len != m.u.gku.frag.total ||
			    st.frags.active)
				abort();
			ss_group_apply(&st, ikey, out, out_len, &seq, tek);
			free(out);
		} else if (r > 1 || out) {
			abort();
		}
	}
	ss_group_state_clear(&st);
	return 0;
}
