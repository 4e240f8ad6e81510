#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad frames injected on the lower device are dropped and counted under
# the right reason, exactly; key lifetime and PN exhaustion stop traffic.
#
# A ping BS -> SS1 is captured on the BS's veth0; wman_frame re-sends the
# captured downlink frame from the BS's veth0 (SS1 receives it again), or
# the uplink answer from SS1's veth0 (the BS receives it again), changed:
#
#   as captured (replay)              rx-replay
#   PN with the uplink bit, downlink  rx-replay
#   truncated (LEN kept)              rx-bad-header
#   bad HCS; HT set; LEN too short    rx-bad-header
#   fresh PN, one ciphertext bit      rx-bad-icv
#   CID unknown / SA not installed    rx-unknown-sa, unknown-sa event
#   EKS of an empty slot              rx-no-key, unknown-eks event
#   EKS of a slot with another key    rx-bad-icv
#   EC cleared on a keyed CID         rx-unencrypted
#
# SS2's TEKs get a 15 s lifetime: after it, ping fails (tx-no-key) and the
# captured frames are rx-expired.  SS3's downlink TEK starts at PN
# 0x7ffffff0: 16 frames go out, then tx-no-key and tek-pn-exhausted.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

burst=5
cap=$TMP/ss1.pcap
mon0=$TMP/mon0.out
mon1=$TMP/mon1.out
unknown_cid=$((0x0777))
lifetime=15

# inject FROM-NODE INDEX [wman_frame send options]: $burst copies of frame
# INDEX of $cap, sent on FROM-NODE's veth0.
inject() {
	local n=$1 idx=$2; shift 2
	nn "$n" "$FRAME" send veth0 "$cap" --index "$idx" --count "$burst" "$@"
}

# expect_drop NODE COUNTER FROM-NODE INDEX [send options]: the burst raises
# COUNTER of NODE by exactly $burst, and accepts nothing.
expect_drop() {
	local n=$1 counter=$2 from=$3 idx=$4; shift 4
	local before rx
	before=$(cnt "$n" "$counter")
	rx=$(cnt "$n" rx-packets)
	pp inject "$from" "$idx" "$@"
	expect_cnt "$n" $((before + burst)) "$counter"
	expect_cnt "$n" "$rx" rx-packets
}

# The frames it forges open with no key: the audit counts them only.
audit_unattributed_ok=yes

setup() {
	topo_setup uc
	audit_start
	capture_start 0 veth0 6 "$cap"
	n0 ping -q -c 3 -i 0.05 -W 2 "${ip4[1]}" >/dev/null
	capture_wait
	down=$(pick_frame "$cap" "src == \"${mac[0]}\" && dst == \"${mac[1]}\" && cid == ${uc_cid[1]} && ec == 1")
	up=$(pick_frame "$cap" "src == \"${mac[1]}\" && dst == \"${mac[0]}\" && cid == ${uc_cid[1]} && ec == 1")
	"$FRAME" list "$cap" | sed 's/^/# /'
	monitor_start 0 "$mon0"
	monitor_start 1 "$mon1"
}

test_replay() {
	expect_drop 1 rx-replay 0 "$down"
	expect_drop 0 rx-replay 1 "$up"
}

test_wrong_direction() {
	# a downlink frame carrying an uplink PN (top bit set), never seen
	expect_drop 1 rx-replay 0 "$down" --pn $((0x80000000 + 100000))
}

test_bad_header() {
	expect_drop 1 rx-bad-header 0 "$down" --mutate truncate=8
	expect_drop 1 rx-bad-header 0 "$down" --mutate bad-hcs
	expect_drop 1 rx-bad-header 0 "$down" --mutate ht=1
	expect_drop 1 rx-bad-header 0 "$down" --mutate len=8
	expect_drop 0 rx-bad-header 1 "$up" --mutate truncate=1
}

test_bad_icv() {
	expect_drop 1 rx-bad-icv 0 "$down" --pn 100000 --mutate bitflip
	expect_drop 0 rx-bad-icv 1 "$up" --pn $((0x80000000 + 100000)) --mutate bitflip
	# the failures did not move the replay window: traffic still flows
	n0 ping -q -c 2 -i 0.05 -W 2 "${ip4[1]}" >/dev/null
}

test_unknown_cid() {
	expect_drop 1 rx-unknown-sa 0 "$down" --mutate cid="$unknown_cid"
	wait_for 5 mon_has "$mon1" unknown-sa cid "$unknown_cid"
}

test_unknown_said() {
	local cid=$((0x0778)) said=$((0x0999))
	# a connection whose SA is not installed: named before it exists, or
	# (if the kernel wants the SA first) deleted under the connection
	if ! wm1 conn add dev wman0 cid "$cid" kind multicast sa "$said" 2>/dev/null; then
		wm1 sa add dev wman0 said "$said" suite aes-ccm service multicast
		wm1 conn add dev wman0 cid "$cid" kind multicast sa "$said"
		if ! wm1 sa del dev wman0 said "$said"; then
			log "cannot have a connection without its SA"
			return "$KSFT_SKIP"
		fi
	fi
	expect_drop 1 rx-unknown-sa 0 "$down" --mutate cid="$cid"
}

test_wrong_eks() {
	expect_drop 1 rx-no-key 0 "$down" --mutate eks=2
	wait_for 5 mon_has "$mon1" unknown-eks said "${uc_said[1]}" eks 2
	# slot 1 holds a different key on SS1 only: the ICV fails
	tek_add 1 "${uc_said[1]}" 1 7
	expect_drop 1 rx-bad-icv 0 "$down" --mutate eks=1 --pn 200000
	wm1 tek del dev wman0 said "${uc_said[1]}" eks 1
}

test_unencrypted() {
	expect_drop 1 rx-unencrypted 0 "$down" --mutate ec=0
}

# SS2's TEKs expire after $lifetime s: the BS stops sending (tx-no-key) and
# drops frames under the expired TEK (rx-expired).  The lifetime leaves
# room for QEMU TCG, where a command takes about a second.
test_hard_expiry() {
	local said=${uc_said[2]} cap2=$TMP/ss2.pcap up2 before m
	for m in 0 2; do
		wm "$m" tek del dev wman0 said "$said" eks 0
		tek_add "$m" "$said" 0 1 lifetime "$lifetime"
	done
	capture_start 0 veth0 2 "$cap2"
	n0 ping -q -c 1 -W 2 "${ip4[2]}" >/dev/null
	capture_wait
	up2=$(pick_frame "$cap2" "src == \"${mac[2]}\" && cid == ${uc_cid[2]}")

	wait_for $((lifetime + 5)) mon_has "$mon0" tek-hard-expired said "$said" eks 0
	before=$(cnt 0 tx-no-key)
	fails n0 ping -q -c 3 -i 0.1 -W 1 "${ip4[2]}"
	expect_cnt 0 $((before + 3)) tx-no-key
	expect_cnt 0 3 said "$said" tx-no-key

	before=$(cnt 0 rx-expired)
	pp nn 2 "$FRAME" send veth0 "$cap2" --index "$up2" --count "$burst"
	expect_cnt 0 $((before + burst)) rx-expired
}

# SS3's downlink TEK has 16 PNs left.
test_pn_exhaustion() {
	local said=${uc_said[3]} out=$TMP/ping3.out before m
	for m in 0 3; do
		wm "$m" tek del dev wman0 said "$said" eks 0
	done
	tek_add 0 "$said" 0 1 pn $((0x7ffffff0))
	tek_add 3 "$said" 0 1
	before=$(cnt 0 tx-no-key)
	n0 ping -c 20 -i 0.05 -W 1 "${ip4[3]}" > "$out" 2>&1 || true
	grep -q "20 packets transmitted, 16 received" "$out"
	expect_cnt 0 16 said "$said" eks 0 tx-packets
	expect_cnt 3 16 said "$said" eks 0 rx-packets
	expect_cnt 0 $((before + 4)) tx-no-key
	wait_for 5 mon_has "$mon0" tek-pn-exhausted said "$said" eks 0
	assert_eq "$(mon_count "$mon0" tek-pn-exhausted said "$said" eks 0)" 1 "pn-exhausted events"
}

setup
run_test "bad frames: replayed frames are rx-replay (SS and BS)" test_replay
run_test "bad frames: a PN of the other direction is rx-replay" test_wrong_direction
run_test "bad frames: truncated, bad HCS, HT set, short LEN are rx-bad-header" test_bad_header
run_test "bad frames: a flipped ciphertext bit is rx-bad-icv" test_bad_icv
run_test "bad frames: unknown CID is rx-unknown-sa, unknown-sa event" test_unknown_cid
run_test "bad frames: CID whose SA is not installed is rx-unknown-sa" test_unknown_said
run_test "bad frames: wrong EKS is rx-no-key (unknown-eks event) or rx-bad-icv" test_wrong_eks
run_test "bad frames: a clear frame on a keyed CID is rx-unencrypted" test_unencrypted
run_test "lifetime: hard expiry stops sending (tx-no-key) and receiving (rx-expired)" test_hard_expiry
run_test "PN exhaustion: 16 frames from 0x7ffffff0, then tx-no-key and one event" test_pn_exhaustion
run_test "nonce audit: the injected copies are replays, nothing sent after expiry or exhaustion" audit_check
run_test "bad frames: no namespace or device leaked" leak_check
ktap_finished
