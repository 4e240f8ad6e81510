#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A key installed again never sends a packet number twice and never takes
# a frame twice (Documentation/data-plane.rst, "Packet numbers"):
#
#  - tek add ... replace with the key already in the slot keeps that TEK:
#    its next PN is the higher of its own and the request's (a daemon
#    restarted under traffic passes a PN it read some time ago, or 0), and
#    its replay window stays, so a frame received before the replace is a
#    replay after it;
#  - a key deleted and installed again in the same SA carries on likewise;
#  - a key whose PN space is used up cannot be installed again (ENOSPC);
#  - replacing a key in a tight loop under a ping flood sends no PN twice.
#
# The PNs are read on the air (wman_frame captures on the BS's veth0) and
# with wman tek show.
#
#   topology: lib.sh, unicast SAs only (topo_setup uc).

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

cap=$TMP/air.pcap
first_cap=$TMP/first.pcap

# tek_field N SAID EKS FIELD: one field of `wman -j tek show` in node N.
tek_field() {
	wm "$1" -j tek show dev wman0 said "$2" |
		jq -r --argjson eks "$3" ".[] | select(.eks == \$eks) | .$4"
}

# first_pn_sent N DEST-IP: $sent_pn is the PN of the next frame node N
# sends, read on its veth0 while it pings DEST-IP once; $ping_ok says
# whether the ping was answered (whether the peer took the frame is
# another question).
first_pn_sent() {
	local n=$1 dst=$2 idx
	capture_start "$n" veth0 1 "$first_cap" >/dev/null
	ping_ok=yes
	nn "$n" ping -q -c 1 -W 1 "$dst" >/dev/null 2>&1 || ping_ok=no
	capture_wait >/dev/null
	idx=$(pick_frame "$first_cap" "src == \"${mac[$n]}\" && ec == 1")
	sent_pn=$("$FRAME" list "$first_cap" | awk -v i="$idx" '$1 == i { for (f = 2; f < NF; f++) if ($f == "pn") print $(f + 1) }')
}

# assert_pn_at_least GOT MIN WHAT
assert_pn_at_least() {
	if (($1 >= $2)); then
		log "$3: PN $1 (at least $2)"
		return 0
	fi
	log "$3: PN $1 was sent before: expected at least $2"
	return 1
}

setup() {
	topo_setup uc
}

# The BS sends 5 frames to SS1 (PNs 0 to 4), then its daemon installs the
# same key again with pn 0, as pkmd does after a restart.
test_replace_carries_pn() {
	local said=${uc_said[1]} pn
	n0 ping -q -c 5 -i 0.05 -W 2 "${ip4[1]}" >/dev/null
	expect_cnt 0 5 said "$said" eks 0 tx-packets
	assert_eq "$(tek_field 0 "$said" 0 tx_pn)" 5 "tx-pn after 5 frames"

	pp tek_add 0 "$said" 0 0 replace pn 0
	pn=$(tek_field 0 "$said" 0 tx_pn)
	assert_pn_at_least "$pn" 5 "tek show tx-pn after replace pn 0"
	first_pn_sent 0 "${ip4[1]}"
	pn=$sent_pn
	assert_pn_at_least "$pn" 5 "first PN on the air after replace pn 0"
	assert_eq "$ping_ok" yes "SS1 answered the ping after the replace"
	# the counters are the same TEK's: they carry on too
	expect_cnt 0 6 said "$said" eks 0 tx-packets
}

# A higher pn moves the next PN up; it never moves down.
test_replace_raises_pn() {
	local said=${uc_said[1]} pn
	pp tek_add 0 "$said" 0 0 replace pn 1000
	assert_eq "$(tek_field 0 "$said" 0 tx_pn)" 1000 "tx-pn after replace pn 1000"
	first_pn_sent 0 "${ip4[1]}"
	pn=$sent_pn
	assert_eq "$pn" 1000 "first PN on the air after replace pn 1000"
	pp tek_add 0 "$said" 0 0 replace pn 10
	assert_eq "$(tek_field 0 "$said" 0 tx_pn)" 1001 "tx-pn after replace pn 10"
	assert_eq "$ping_ok" yes "SS1 answered the ping"
}

# inject_again FROM-NODE INDEX: 3 copies of frame INDEX of $cap, from the
# veth0 of FROM-NODE.
inject_again() {
	pp nn "$1" "$FRAME" send veth0 "$cap" --index "$2" --count 3
}

# expect_replayed NODE SAID BEFORE-REPLAY BEFORE-RX: the 3 copies were
# counted as replays, none accepted.
expect_replayed() {
	local n=$1 said=$2
	expect_cnt "$n" "$4" said "$said" rx-packets
	expect_cnt "$n" $(($3 + 3)) said "$said" rx-replay
}

# A frame captured before the receiver installs the same key again is a
# replay after it: the receive window is the TEK's, and it stays.
test_replace_keeps_replay_window() {
	local said=${uc_said[2]} down up replay rx
	capture_start 0 veth0 2 "$cap"
	n0 ping -q -c 1 -W 2 "${ip4[2]}" >/dev/null
	capture_wait
	down=$(pick_frame "$cap" "src == \"${mac[0]}\" && cid == ${uc_cid[2]} && ec == 1")
	up=$(pick_frame "$cap" "src == \"${mac[2]}\" && cid == ${uc_cid[2]} && ec == 1")

	# SS2 takes the downlink frame again after its replace
	pp tek_add 2 "$said" 0 0 replace
	replay=$(cnt 2 said "$said" rx-replay)
	rx=$(cnt 2 said "$said" rx-packets)
	inject_again 0 "$down"
	expect_replayed 2 "$said" "$replay" "$rx"

	# the BS takes the uplink frame again after its replace
	pp tek_add 0 "$said" 0 0 replace
	replay=$(cnt 0 said "$said" rx-replay)
	rx=$(cnt 0 said "$said" rx-packets)
	inject_again 2 "$up"
	expect_replayed 0 "$said" "$replay" "$rx"

	# and the traffic of the present goes on
	n0 ping -q -c 2 -i 0.05 -W 2 "${ip4[2]}" >/dev/null
}

# A key deleted from its slot and installed again (pkmd re-installing a
# key the kernel dropped, a rollover undone) carries on where it stopped,
# on both sides.
test_reinstall_after_delete() {
	local said=${uc_said[3]} pn replay rx up
	capture_start 0 veth0 2 "$cap"
	n0 ping -q -c 1 -W 2 "${ip4[3]}" >/dev/null
	capture_wait
	up=$(pick_frame "$cap" "src == \"${mac[3]}\" && cid == ${uc_cid[3]} && ec == 1")
	n0 ping -q -c 4 -i 0.05 -W 2 "${ip4[3]}" >/dev/null
	expect_cnt 0 5 said "$said" eks 0 tx-packets

	pp wm0 tek del dev wman0 said "$said" eks 0
	pp tek_add 0 "$said" 0 0 pn 0
	first_pn_sent 0 "${ip4[3]}"
	pn=$sent_pn
	assert_pn_at_least "$pn" 5 "first PN after delete and add with pn 0"
	assert_eq "$ping_ok" yes "SS3 answered the ping"

	replay=$(cnt 0 said "$said" rx-replay)
	rx=$(cnt 0 said "$said" rx-packets)
	inject_again 3 "$up"
	expect_replayed 0 "$said" "$replay" "$rx"
}

# SS1's downlink key (generation 1) starts 16 PNs before the end of the
# PN space; once they are sent, installing it again, in place or after a
# delete, is refused, whatever pn the request gives.
test_exhausted_key_refused() {
	local said=${uc_said[1]} m out=$TMP/ping.out
	for m in 0 1; do
		wm "$m" tek del dev wman0 said "$said" eks 0
	done
	tek_add 0 "$said" 0 1 pn $((0x7ffffff0))
	tek_add 1 "$said" 0 1
	n0 ping -c 20 -i 0.05 -W 1 "${ip4[1]}" > "$out" 2>&1 || true
	grep -q "20 packets transmitted, 16 received" "$out"
	assert_eq "$(tek_field 0 "$said" 0 'state | join(",")')" pn-exhausted "state"

	refused tek_add 0 "$said" 0 1 replace pn 0
	grep -q "No space left on device" "$TMP/refused"
	assert_eq "$(tek_field 0 "$said" 0 tx_pn)" $((0x80000000)) "tx-pn after the refused replace"
	fails n0 ping -q -c 1 -W 1 "${ip4[1]}"

	pp wm0 tek del dev wman0 said "$said" eks 0
	refused tek_add 0 "$said" 0 1 pn 0
	grep -q "No space left on device" "$TMP/refused"
	# a fresh key is welcome
	tek_add 0 "$said" 0 2
	tek_add 1 "$said" 0 2 replace
	n0 ping -q -c 2 -i 0.05 -W 2 "${ip4[1]}" >/dev/null
}

# pn_reuse FILE: how many encrypted frames of FILE repeat the (sender,
# CID, EKS, PN) of an earlier one.
pn_reuse() {
	"$FRAME" list "$1" | awk '
		{ delete f; for (i = 2; i < NF; i += 2) f[$i] = $(i + 1) }
		f["ec"] == 1 { k = f["src"] " " f["cid"] " " f["eks"] " " f["pn"]
			       if (seen[k]++) { dup++; if (dup <= 5) print "# again: " k > "/dev/stderr" } }
		END { print dup + 0 }'
}

# A BS daemon restarting over and over under traffic: replaces with pn 0
# during a ping flood to SS2 (at most 200 a second, so that the capture
# holds them all).  The air must not carry one PN twice.
test_replace_loop_under_flood() {
	local said=${uc_said[2]} i frames reuse flood_pid replay
	replay=$(cnt 2 said "$said" rx-replay)
	capture_start 0 veth0 4000 "$cap" 60
	flood 0 "${ip4[2]}" -i 0.005
	flood_pid=$bg_pid
	for ((i = 0; i < 20; i++)); do
		kill -0 "$capture_pid" 2>/dev/null || break
		tek_add 0 "$said" 0 0 replace pn 0
	done
	log "$i replaces during the capture"
	((i >= 10))
	kill "$flood_pid"
	wait "$flood_pid" || true
	# the capture ends on SIGTERM with whole records (or earlier, full)
	kill "$capture_pid" 2>/dev/null || true
	wait "$capture_pid" || true
	frames=$(count_frames "$cap" "ec == 1")
	log "$frames encrypted frames captured"
	((frames >= 40))
	reuse=$(pn_reuse "$cap")
	assert_eq "$reuse" 0 "frames sent again under a PN already used"
	assert_eq "$(cnt 2 said "$said" rx-replay)" "$replay" "SS2 rx-replay"
}

setup
audit_start
run_test "tek replace, same key: the next PN stays above those sent (pn 0 asked)" test_replace_carries_pn
run_test "tek replace, same key: a higher pn moves the PN up, a lower one does not" test_replace_raises_pn
run_test "tek replace, same key: frames received before are replays after (SS and BS)" test_replace_keeps_replay_window
run_test "tek del then add, same key: PNs and replay window carry on" test_reinstall_after_delete
run_test "tek replace or add of a key whose PNs are used up: ENOSPC" test_exhausted_key_refused
run_test "tek replace in a loop under a ping flood: no PN twice on the air" test_replace_loop_under_flood
run_test "nonce audit: through every replace and re-install, no (key, nonce) pair twice" audit_check
run_test "tek replace: no namespace or device leaked" leak_check
ktap_finished
