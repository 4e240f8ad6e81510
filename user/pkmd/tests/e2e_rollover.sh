#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TEK and AK lifetimes, end to end on a real kernel: a BS with TEKs of
# 12 s and AKs of 30 s (allowed below 802.16's minima by
# "[test] allow-short-lifetimes") and one SS with a ping running through
# several TEK rollovers, SS refreshes and reauthorizations.  Not one
# frame may be lost, and no receive drop counter may move.
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- user/pkmd/tests/e2e_rollover.sh

source "$(dirname "$0")/../../../selftests/lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

uc_said1=$(uc_said_of 1)
tek_lifetime=12
run_seconds=50

setup() {
	make_ca ca
	make_cert bs-1 ca ec
	make_cert ss1 ca rsa
	BS_LIFETIMES="ak-lifetime = 30
tek-lifetime = $tek_lifetime" write_bs_conf "[timers]
tek-grace-time = 4
auth-grace-time = 10
[test]
allow-short-lifetimes = yes"
	write_ss_conf 1 ss1 ca unicast "1"
	topo_air
	topo_links
	start_daemon 0 bs
	ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a services unicast,multicast
	ctl_bs group member add 1 ss1
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	wait_for 10 sa_state_is 1 $((0xfe01)) operational
}

test_no_loss() {
	local count=$((run_seconds * 20)) before_bs before_ss out
	before_bs=$(rx_drops 0)
	before_ss=$(rx_drops 1)
	out=$(n1 ping -c "$count" -i 0.05 -W 2 "${ip4[0]}" | tail -n 2)
	log "$out"
	[[ $out == *" $count received, 0% packet loss"* ]]
	assert_eq "$(rx_drops 0)" "$before_bs" "BS drop counters"
	assert_eq "$(rx_drops 1)" "$before_ss" "SS drop counters"
}

test_rollovers() {
	local n
	n=$(log_count bs "SAID 0x2001: TEK rollover")
	log "$n unicast rollovers at the BS"
	((n >= run_seconds / tek_lifetime - 1))
	(($(log_count bs "SAID 0xfe01: TEK rollover") >= run_seconds / tek_lifetime - 1))
	# the kernel holds two TEKs, with EKS values that went round
	[[ $(kernel_teks 0 "$uc_said1" | wc -w) == 2 ]]
}

test_refreshes() {
	local n
	n=$(log_count ss1 "SAID 0x2001 \\(unicast\\): TEK state rekey-wait -> operational")
	log "$n unicast refreshes at the SS"
	((n >= run_seconds / tek_lifetime - 1))
	(($(log_count ss1 "SAID 0xfe01 \\(group 1\\): TEK state rekey-wait -> operational") >= 1))
	# each refresh came before the BS needed it: the BS never saw an EKS
	# it lacked, the SS never saw its newer TEK expire
	! log_has bs "TEK Invalid"
	! log_has ss1 "newer TEK EKS [0-9] expired"
	! log_has ss1 "retransmitted"
}

test_reauthorized() {
	(($(log_count bs "SS ${mac[1]}: Auth Reply: ss1 authorized") >= 2))
	log_has bs "SS ${mac[1]}: AK 1 in use"
	log_has ss1 "authorization: reauth-wait -> authorized"
}

setup
run_test "ping through ${run_seconds}s of rollovers: no frame lost, no drop" test_no_loss
run_test "the BS rolled its unicast and group SAs over" test_rollovers
run_test "the SS refreshed each SA before its newer TEK expired" test_refreshes
run_test "the SS reauthorized before its AK expired" test_reauthorized
dump_logs 10
ktap_finished
