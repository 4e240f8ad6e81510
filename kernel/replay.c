// SPDX-License-Identifier: GPL-2.0
/*
 * Receive replay window of a TEK: the highest PN accepted, a floor below
 * which nothing is accepted (set when a key is installed again, so that
 * frames sent under its earlier life cannot be replayed), and a ring of
 * WMAN_REPLAY_BITS bits recording which recent PNs were accepted.  PNs
 * arrive here with the direction bit cleared: 0 to 2^31 - 1.
 *
 * The ring is indexed by the PN itself.  When the highest PN moves ahead,
 * the words it passes are cleared, so the bit of a PN more than
 * WMAN_REPLAY_WINDOW behind the highest may already belong to a newer one;
 * such PNs are refused as too old.
 *
 * The window is checked before decryption and advanced after it; the
 * second step checks again, because another CPU may have accepted the same
 * PN while this frame was being decrypted.
 */

#include "wman.h"

#define RING_WORDS	(WMAN_REPLAY_BITS / BITS_PER_LONG)

void wman_replay_init(struct wman_replay *replay, u32 floor)
{
	spin_lock_init(&replay->lock);
	replay->seen = false;
	replay->highest = 0;
	replay->floor = floor;
	bitmap_zero(replay->bitmap, WMAN_REPLAY_BITS);
}

void wman_replay_raise_floor(struct wman_replay *replay, u32 floor)
{
	spin_lock_bh(&replay->lock);
	replay->floor = max(replay->floor, floor);
	spin_unlock_bh(&replay->lock);
}

u32 wman_replay_next(struct wman_replay *replay)
{
	u32 next;

	spin_lock_bh(&replay->lock);
	next = replay->seen ? replay->highest + 1 : 0;
	next = max(next, replay->floor);
	spin_unlock_bh(&replay->lock);
	return next;
}

u32 wman_replay_close(struct wman_replay *replay)
{
	u32 next;

	spin_lock_bh(&replay->lock);
	next = replay->seen ? replay->highest + 1 : 0;
	next = max(next, replay->floor);
	/* above every PN: a decryption still in flight is not accepted */
	replay->floor = U32_MAX;
	spin_unlock_bh(&replay->lock);
	return next;
}

static bool replay_fresh(const struct wman_replay *replay, u32 pn)
{
	if (pn < replay->floor)
		return false;
	if (!replay->seen || pn > replay->highest)
		return true;
	if (replay->highest - pn >= WMAN_REPLAY_WINDOW)
		return false;
	return !test_bit(pn % WMAN_REPLAY_BITS, replay->bitmap);
}

int wman_replay_check(struct wman_replay *replay, u32 pn)
{
	bool fresh;

	spin_lock(&replay->lock);
	fresh = replay_fresh(replay, pn);
	spin_unlock(&replay->lock);
	return fresh ? 0 : -EBADMSG;
}

/* Clears the ring words between the highest PN and pn, which is above it. */
static void replay_move_ahead(struct wman_replay *replay, u32 pn)
{
	u32 word = replay->highest / BITS_PER_LONG;
	u32 steps = min_t(u32, pn / BITS_PER_LONG - word, RING_WORDS);
	u32 i;

	for (i = 1; i <= steps; i++)
		replay->bitmap[(word + i) % RING_WORDS] = 0;
}

int wman_replay_advance(struct wman_replay *replay, u32 pn)
{
	int err = 0;

	spin_lock(&replay->lock);
	if (!replay_fresh(replay, pn)) {
		err = -EBADMSG;
		goto out;
	}
	if (!replay->seen) {
		bitmap_zero(replay->bitmap, WMAN_REPLAY_BITS);
		replay->seen = true;
		replay->highest = pn;
	} else if (pn > replay->highest) {
		replay_move_ahead(replay, pn);
		replay->highest = pn;
	}
	__set_bit(pn % WMAN_REPLAY_BITS, replay->bitmap);
out:
	spin_unlock(&replay->lock);
	return err;
}
