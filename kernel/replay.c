// SPDX-License-Identifier: GPL-2.0
/*
 * Receive replay window of a TEK: the highest PN accepted and a bitmap of
 * the WMAN_REPLAY_WINDOW PNs at and below it.  PNs arrive here with the
 * direction bit already cleared, so they count up from 0 to 2^31 - 1.
 *
 * The window is checked before decryption and advanced after it; the
 * second step checks again, because another CPU may have accepted the same
 * PN while this frame was being decrypted.
 */

#include "wman.h"

void wman_replay_init(struct wman_replay *replay)
{
	spin_lock_init(&replay->lock);
	replay->seen = false;
	replay->highest = 0;
	replay->bitmap = 0;
}

static bool replay_fresh(const struct wman_replay *replay, u32 pn)
{
	u32 behind;

	if (!replay->seen || pn > replay->highest)
		return true;
	behind = replay->highest - pn;
	if (behind >= WMAN_REPLAY_WINDOW)
		return false;
	return !(replay->bitmap & BIT_ULL(behind));
}

int wman_replay_check(struct wman_replay *replay, u32 pn)
{
	bool fresh;

	spin_lock(&replay->lock);
	fresh = replay_fresh(replay, pn);
	spin_unlock(&replay->lock);
	return fresh ? 0 : -EBADMSG;
}

int wman_replay_advance(struct wman_replay *replay, u32 pn)
{
	u32 ahead;
	int err = 0;

	spin_lock(&replay->lock);
	if (!replay_fresh(replay, pn)) {
		err = -EBADMSG;
	} else if (!replay->seen) {
		replay->seen = true;
		replay->highest = pn;
		replay->bitmap = 1;
	} else if (pn > replay->highest) {
		ahead = pn - replay->highest;
		replay->bitmap = ahead < WMAN_REPLAY_WINDOW ?
				 replay->bitmap << ahead | 1 : 1;
		replay->highest = pn;
	} else {
		replay->bitmap |= BIT_ULL(replay->highest - pn);
	}
	spin_unlock(&replay->lock);
	return err;
}
