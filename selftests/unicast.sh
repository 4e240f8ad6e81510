#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unicast traffic, BS <-> each SS, on each cipher suite (SS1 and SS3
# aes-ccm, SS2 aes-gcm, on the same BS device): pings both ways succeed,
# the per-SA counters on both ends match the frames sent exactly, and the
# frames on the BS's lower veth never contain the ping payload marker.
# The same capture on a connection without SA does show the marker, which
# proves the check can fail.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

# "WMAN-PLAINTEXT!" as ping's 16-byte pad pattern (ping -p)
marker=574d414e2d504c41494e5445585421
pings=4

# ping_both SS: $pings echo requests each way between the BS and SS N.
ping_both() {
	local n=$1
	n0 ping -q -c "$pings" -i 0.05 -W 2 -p "$marker" "${ip4[$n]}" >/dev/null
	nn "$n" ping -q -c "$pings" -i 0.05 -W 2 -p "$marker" "${ip4[0]}" >/dev/null
}

# unicast SS...: the pings with these SSs, the capture, the counters.
unicast() {
	local n frames=$((2 * 2 * pings * $#)) total_tx=0 total_rx=0
	local cap=$TMP/unicast-$1.pcap
	local -A before
	for n in 0 "$@"; do
		before[$n]=$(rx_drops "$n")
	done

	capture_start 0 veth0 "$frames" "$cap"
	for n in "$@"; do
		pp ping_both "$n"
	done
	capture_wait

	# every frame is an encrypted unicast frame, none carries the marker
	assert_eq "$(count_frames "$cap" 'ec == 1 && hcs == "ok"')" "$frames" "encrypted frames"
	assert_eq "$("$FRAME" grep "$cap" "$marker")" 0 "frames with the plaintext marker"

	# each SA carried 2 * $pings frames each way (requests and replies)
	for n in "$@"; do
		expect_cnt 0 $((2 * pings)) said "${uc_said[$n]}" tx-packets
		expect_cnt 0 $((2 * pings)) said "${uc_said[$n]}" rx-packets
		expect_cnt "$n" $((2 * pings)) said "${uc_said[$n]}" tx-packets
		expect_cnt "$n" $((2 * pings)) said "${uc_said[$n]}" rx-packets
		expect_cnt "$n" $((2 * pings)) said "${uc_said[$n]}" eks 0 rx-packets
		assert_eq "$(cnt "$n" said "${uc_said[$n]}" rx-bytes)" \
			"$(cnt 0 said "${uc_said[$n]}" tx-bytes)" "SS$n rx-bytes = BS tx-bytes"
		assert_eq "$(cnt 0 said "${uc_said[$n]}" rx-bytes)" \
			"$(cnt "$n" said "${uc_said[$n]}" tx-bytes)" "BS rx-bytes = SS$n tx-bytes"
		assert_eq "$(rx_drops "$n")" "${before[$n]}" "SS$n drop counters"
	done
	assert_eq "$(rx_drops 0)" "${before[0]}" "BS drop counters"
	# device totals: the sum over the SAs, also in ip -s link
	for n in "${sss[@]}"; do
		total_tx=$((total_tx + $(cnt 0 said "${uc_said[$n]}" tx-packets)))
		total_rx=$((total_rx + $(cnt 0 said "${uc_said[$n]}" rx-packets)))
	done
	expect_cnt 0 "$total_tx" tx-packets
	expect_cnt 0 "$total_rx" rx-packets
	assert_eq "$(link_stat 0 wman0 .stats64.rx.packets)" "$total_rx" "ip -s link rx packets"
	assert_eq "$(link_stat 0 wman0 .stats64.tx.packets)" "$total_tx" "ip -s link tx packets"
}

# A TCP sender stays charged for its segments until the lower device is
# done with them, as it is for frames encrypted in place: TCP small queues
# and the send buffer see what the lower device's queue holds.  tbf (which,
# unlike netem, does not orphan what it queues) holds the BS's frames to
# SS2 (aes-gcm: GSO segments encrypted out of place into new PDUs) on
# veth0.  Three samples in a row must find the socket charged for at least
# half the bytes tbf holds; were the charge dropped once the cipher had
# read a segment, it would be near 0 whenever wman is not encrypting.
test_gcm_tcp_charge() {
	local n=2 port=5301
	nn 0 tc qdisc add dev veth0 root tbf rate 1mbit burst 3000 limit 400000
	tcp_flow 0 "$n" "$port" 1000000
	held_in_row=0 last_sample=
	wait_for 20 charge_held_thrice "$port" ||
		{ log "last sample: $last_sample"; tcp_flow_log "$port"; return 1; }
	log "$last_sample"
	kill_bg
	nn 0 tc qdisc del dev veth0 root
}

# charge_held_thrice PORT: the third sample in a row in which the socket
# sending to PORT is charged for at least half of what tbf holds (2000
# bytes or more: two segments) on the BS's veth0.  One exec a sample.
charge_held_thrice() {
	local sample held=0 charged=0
	sample=$(nn 0 sh -c "tc -s qdisc show dev veth0; ss -tmnH 'dport = :$1'")
	[[ $sample =~ backlog\ ([0-9]+)b ]] && held=${BASH_REMATCH[1]}
	[[ $sample =~ skmem:\([^\)]*,t([0-9]+), ]] && charged=${BASH_REMATCH[1]}
	last_sample="tbf holds $held bytes, the socket is charged for $charged"
	if ((held >= 2000 && charged * 2 >= held)); then
		held_in_row=$((held_in_row + 1))
	else
		held_in_row=0
	fi
	((held_in_row >= 3))
}

# The same traffic on SS3's connection re-created without an SA travels in
# clear: the marker must be found this time.
test_clear_shows_marker() {
	local n=3 m cap=$TMP/clear.pcap
	for m in 0 "$n"; do
		wm "$m" conn del dev wman0 cid "${uc_cid[$n]}"
	done
	wm0 conn add dev wman0 cid "${uc_cid[$n]}" kind unicast peer "${mac[$n]}"
	wm "$n" conn add dev wman0 cid "${uc_cid[$n]}" kind unicast
	capture_start 0 veth0 $((4 * pings)) "$cap"
	pp ping_both "$n"
	capture_wait
	assert_eq "$("$FRAME" grep "$cap" "$marker")" $((4 * pings)) "clear frames with the marker"
	assert_eq "$(count_frames "$cap" 'ec == 0')" $((4 * pings)) "clear frames"
}

test_ccm() { unicast 1 3; }
test_gcm() { unicast 2; }

# one BS device serves both suites at once
suite_uc=("" aes-ccm aes-gcm aes-ccm)
topo_setup uc
audit_start
run_test "unicast aes-ccm: BS <-> SS1, SS3: exact counters, no plaintext on the air" test_ccm
run_test "unicast aes-gcm: BS <-> SS2: exact counters, no plaintext on the air" test_gcm
run_test "unicast aes-gcm: TCP's segments stay charged to the sender while the lower device holds them" test_gcm_tcp_charge
run_test "unicast without SA: the marker is on the air (the check can fail)" test_clear_shows_marker
run_test "nonce audit: unicast on both suites, no (key, nonce) pair twice" audit_check
run_test "unicast: no namespace or device leaked" leak_check
ktap_finished
