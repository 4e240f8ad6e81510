#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a BS takes from its SSs (Documentation/data-plane.rst, "Receive"):
#
#  - group and broadcast TEKs protect downlink only.  Every SS holds them
#    (and one that left keeps them until they expire): an SS that encrypts
#    an uplink frame with one, on the multicast or broadcast CID, forges a
#    frame no one can tell from another member's.  The BS drops every
#    encrypted frame on a multicast or broadcast connection and counts it
#    as rx-downlink-only;
#  - on a unicast connection the inner source address is the SS's own:
#    a frame from another address is dropped as rx-bad-source (WireGuard's
#    allowed-IPs check), even though its ICV is good.
#
# The forged frames are plain Ethernet frames handed to the SS's wman0
# (wman_frame eth), with inner EtherType 0x88B6, so nothing answers them
# and the counters are exact.  SS3 is the forger: it turns its uplink
# connection into one on the group's (then the broadcast) CID, under an SA
# holding the group's (then the broadcast) key, so that its kernel
# encrypts uplink frames with it, as a modified SS would.
#
#   topology: lib.sh, every SA (topo_setup).

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

burst=5
inner_type=0x88b6
payload=$(printf '5a%.0s' {1..46})
bogus_mac=02:16:00:00:0f:0f
# the forger's SAs, holding the group's and the broadcast's keys
forged_said=$((0x4001))

# send_inner N SRC: $burst frames from node N's wman0 to the BS, with the
# inner source address SRC.
send_inner() {
	pp nn "$1" "$FRAME" eth wman0 "${mac[0]}" "$2" "$inner_type" "$payload" \
		--count "$burst"
}

# snapshot SAID: the BS's counters a burst may move, to compare with.  A
# kernel without the two drop counters fails at the first check of one,
# after the checks of what it delivered.
snapshot() {
	rx=$(cnt 0 rx-packets)
	rx_sa=$(cnt 0 said "$1" rx-packets)
	bad_source=$(cnt 0 rx-bad-source 2>/dev/null) || bad_source=none
	downlink_only=$(cnt 0 rx-downlink-only 2>/dev/null) || downlink_only=none
}

setup() {
	topo_setup uc mgmt group bcast
}

# SS1's own address: accepted, the check does not get in the way.
test_own_source_accepted() {
	local said=${uc_said[1]}
	snapshot "$said"
	send_inner 1 "${mac[1]}"
	expect_cnt 0 $((rx_sa + burst)) said "$said" rx-packets
	expect_cnt 0 $((rx + burst)) rx-packets
	# (a kernel without the counter does not check sources at all)
	[[ $bad_source == none ]] || expect_cnt 0 "$bad_source" rx-bad-source
}

# SS1 speaks for SS2, then for an address no one has.
test_spoofed_source_dropped() {
	local said=${uc_said[1]} src tx
	for src in "${mac[2]}" "$bogus_mac"; do
		snapshot "$said"
		tx=$(cnt 1 said "$said" tx-packets)
		send_inner 1 "$src"
		expect_cnt 1 $((tx + burst)) said "$said" tx-packets
		expect_cnt 0 "$rx_sa" said "$said" rx-packets
		expect_cnt 0 "$rx" rx-packets
		expect_cnt 0 $((bad_source + burst)) rx-bad-source
	done
	# the PNs of the dropped frames did not count as seen: SS1's traffic
	# goes on
	n1 ping -q -c 2 -i 0.05 -W 2 "${ip4[0]}" >/dev/null
}

# SS3 sends uplink on CID (the group's or the broadcast's) with the key
# of SAID (the group's or the broadcast's) in a unicast SA of its own.
become_forger() {
	local cid=$1 said=$2 suite=$3 old_cid
	old_cid=$(wm3 -j conn show dev wman0 | jq -r '.[] | select(.kind == "unicast") | .cid')
	wm3 conn del dev wman0 cid "$old_cid"
	wm3 conn del dev wman0 cid "$cid"
	wm3 sa del dev wman0 said "$forged_said" 2>/dev/null || true
	wm3 sa add dev wman0 said "$forged_said" suite "$suite" service unicast
	wm3 tek add dev wman0 said "$forged_said" eks 0 key "$(key_hex "$said" 0)"
	# for the nonce audit, which attributes frames to logged keys
	audit_log_key 3 "$forged_said" 0 "$(key_hex "$said" 0)" 0
	wm3 conn add dev wman0 cid "$cid" kind unicast sa "$forged_said"
}

# expect_downlink_only SAID: the burst from SS3 left SS3 encrypted, and
# the BS neither delivered it nor counted it under SAID.
expect_downlink_only() {
	local said=$1
	expect_cnt 3 "$burst" said "$forged_said" tx-packets
	expect_cnt 0 "$rx_sa" said "$said" rx-packets
	expect_cnt 0 "$rx" rx-packets
	expect_cnt 0 $((downlink_only + burst)) rx-downlink-only
}

test_group_key_uplink_dropped() {
	become_forger "$grp_cid" "$grp_said" "$SUITE_GRP"
	snapshot "$grp_said"
	send_inner 3 "${mac[3]}"
	expect_downlink_only "$grp_said"
}

test_broadcast_key_uplink_dropped() {
	become_forger "$bc_cid" "$bc_said" "$SUITE_BC"
	snapshot "$bc_said"
	send_inner 3 "${mac[3]}"
	expect_downlink_only "$bc_said"
}

# The keys still carry what they are for: BS to every SS of the group or
# of the cell.
test_downlink_still_received() {
	local grp bc
	grp=$(cnt 1 said "$grp_said" rx-packets)
	bc=$(cnt 2 said "$bc_said" rx-packets)
	n0 ping -q -c 2 -i 0.05 -W 1 "$grp_ip4" >/dev/null 2>&1 || true
	n0 ping -q -b -c 2 -i 0.05 -W 1 "$bcast4" >/dev/null 2>&1 || true
	expect_cnt 1 $((grp + 2)) said "$grp_said" rx-packets
	expect_cnt 2 $((bc + 2)) said "$bc_said" rx-packets
	expect_cnt 0 0 said "$grp_said" tx-no-key
}

setup
audit_start
run_test "uplink: the SS's own inner source is accepted" test_own_source_accepted
run_test "uplink: another inner source on an SS's connection is rx-bad-source" test_spoofed_source_dropped
run_test "uplink: downlink on the group and broadcast keys still reaches the SSs" test_downlink_still_received
run_test "uplink: a frame under the group key is rx-downlink-only at the BS" test_group_key_uplink_dropped
run_test "uplink: a frame under the broadcast key is rx-downlink-only at the BS" test_broadcast_key_uplink_dropped
run_test "nonce audit: forged and spoofed uplink included, no (key, nonce) pair twice" audit_check
run_test "uplink: no namespace or device leaked" leak_check
ktap_finished
