#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Group and broadcast traffic from the BS.  Every SS holds the group and
# broadcast connections and SAs, but SS3 has no group TEK and SS2 no
# broadcast TEK:
#
#   UDP to 239.16.0.1 (group 1)    SS1, SS2 decrypt;  SS3 counts rx-no-key
#   ping -b 10.16.0.255            SS1, SS3 decrypt and answer;
#                                  SS2 counts rx-no-key
#
# The frames reach every SS (the air is a bridge; the outer destination is
# the broadcast address); only the key holders accept them.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

datagrams=5
echoes=3

setup() {
	topo_setup uc group bcast
	wm3 tek del dev wman0 said "$grp_said" eks 0
	wm2 tek del dev wman0 said "$bc_said" eks 0
	for n in "${sss[@]}"; do
		nn "$n" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
	done
}

# One UDP datagram from the BS to the group address (bash's /dev/udp).
send_group_datagram() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	n0 bash -c 'echo "group datagram $1" > "/dev/udp/$2/5001"' _ "$1" "$grp_ip4"
}

test_group() {
	local i cap=$TMP/group.pcap
	local -A drops
	for n in "${sss[@]}"; do
		drops[$n]=$(cnt "$n" rx-no-key)
	done
	capture_start 1 veth0 "$datagrams" "$cap"
	for ((i = 0; i < datagrams; i++)); do
		send_group_datagram "$i"
	done
	capture_wait
	# on the group connection, encrypted, to the broadcast address
	assert_eq "$(count_frames "$cap" "cid == $grp_cid && ec == 1 && dst == \"ff:ff:ff:ff:ff:ff\"")" \
		"$datagrams" "group frames seen by SS1"
	expect_cnt 0 "$datagrams" said "$grp_said" tx-packets
	for n in 1 2; do
		expect_cnt "$n" "$datagrams" said "$grp_said" rx-packets
		expect_cnt "$n" "${drops[$n]}" rx-no-key
	done
	expect_cnt 3 0 said "$grp_said" rx-packets
	expect_cnt 3 $((drops[3] + datagrams)) rx-no-key
	expect_cnt 3 "$datagrams" said "$grp_said" rx-no-key
	# nothing of it went on the broadcast connection
	expect_cnt 0 0 said "$bc_said" tx-packets
}

# The datagrams reach a socket on SS1, a member that joined the IP group.
test_group_delivered() {
	local out=$TMP/udp.out
	ip1 addr add "$grp_ip4/32" dev wman0 autojoin
	command -v socat >/dev/null || {
		log "socat not installed"
		return "$KSFT_SKIP"
	}
	bgn 1 socat -u "UDP4-RECVFROM:5001,reuseaddr,ip-add-membership=$grp_ip4:wman0" "OPEN:$out,creat"
	# socat binds asynchronously: resend until the first datagram lands
	wait_for 10 datagram_lands "$out"
}

datagram_lands() {
	send_group_datagram ping
	grep -qs "group datagram ping" "$1"
}

test_broadcast() {
	local out=$TMP/ping-b.out
	local -A drops uc
	for n in "${sss[@]}"; do
		drops[$n]=$(cnt "$n" rx-no-key)
		uc[$n]=$(cnt "$n" said "${uc_said[$n]}" tx-packets)
	done
	pp n0 ping -b -c "$echoes" -i 0.3 -w 5 "$bcast4" > "$out" 2>&1 || true
	sed 's/^/# /' "$out"
	expect_cnt 0 "$echoes" said "$bc_said" tx-packets
	for n in 1 3; do
		expect_cnt "$n" "$echoes" said "$bc_said" rx-packets
		grep -q "from ${ip4[$n]}:" "$out"
	done
	expect_cnt 2 0 said "$bc_said" rx-packets
	expect_cnt 2 $((drops[2] + echoes)) rx-no-key
	fails grep -q "from ${ip4[2]}:" "$out"
	# the answers came back on the unicast connections
	expect_cnt 1 $((uc[1] + echoes)) said "${uc_said[1]}" tx-packets
	expect_cnt 3 $((uc[3] + echoes)) said "${uc_said[3]}" tx-packets
}

# An SS never sends on a group or broadcast connection: its multicast goes
# uplink on its own unicast connection.
test_ss_multicast_uplink() {
	local before bs_before
	before=$(cnt 1 said "${uc_said[1]}" tx-packets)
	bs_before=$(cnt 0 said "${uc_said[1]}" rx-packets)
	ip1 route add 224.0.0.0/4 dev wman0
	# shellcheck disable=SC2016 # expanded by the inner shell
	n1 bash -c 'echo up > "/dev/udp/$1/5001"' _ "$grp_ip4"
	expect_cnt 1 $((before + 1)) said "${uc_said[1]}" tx-packets
	expect_cnt 1 0 said "$grp_said" tx-packets
	expect_cnt 0 $((bs_before + 1)) said "${uc_said[1]}" rx-packets
}

setup
audit_start
run_test "group: members decrypt, the SS without the group TEK counts rx-no-key" test_group
run_test "broadcast: SSs with the TEK answer ping -b, the other counts rx-no-key" test_broadcast
run_test "group: an SS's multicast goes uplink on its unicast connection" test_ss_multicast_uplink
run_test "group: datagrams delivered to a member's socket" test_group_delivered
run_test "nonce audit: group, broadcast and unicast, no (key, nonce) pair twice" audit_check
run_test "group: no namespace or device leaked" leak_check
ktap_finished
