#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkmd end to end on a real kernel: a BS daemon and SS daemons on the
# selftests' topology (selftests/lib.sh: the air bridge, the BS and three
# SS namespaces, wman0 on each) with only the links and addresses, no
# static keys.  Everything the data plane needs comes from the daemons.
# Run as root with wman.ko available, e.g. in the VM:
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- user/pkmd/tests/e2e.sh
#
# Nodes and what is checked:
#
#   BS   provider net-a, groups 1 and 2, broadcast
#   SS1  subscriber ss1, member of group 1, asks unicast, groups 1 and 2
#        -> unicast keys, ping over wman0, group 1 keys, Key Reject 8 for 2
#   SS2  certificate of another CA -> Auth Reject, no keys
#   SS3  subscriber ss3 of provider net-b, asks broadcast -> Key Reject 3,
#        and Service Type 3 (a [test] setting) -> Key Reject 7
#
# Group traffic from the BS reaches SS1 only; a tampered Key Request
# injected on the link is dropped, logged and not answered.
# and then kill -9 of the BS daemon (traffic goes on, the restart
# reinstalls nothing and rekeys nothing) and a restart of SS1's daemon.

source "$(dirname "$0")/../../../selftests/lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

grp1_cid=$((0xfe01)) grp2_cid=$((0xfe02))
uc_said1=$(uc_said_of 1)

# ---- setup -------------------------------------------------------------------

setup() {
	make_ca ca
	make_ca other-ca
	make_cert bs-1 ca ec
	make_cert ss1 ca rsa
	make_cert ss2 other-ca rsa
	make_cert ss3 ca rsa
	write_bs_conf
	write_ss_conf 1 ss1 ca unicast "1, 2"
	write_ss_conf 2 ss2 ca unicast ""
	write_ss_conf 3 ss3 ca unicast,broadcast "" "[test]
request-service-type = 3"
	topo_air
	topo_links
}

# ---- tests ---------------------------------------------------------------------

test_bs_starts() {
	start_daemon 0 bs
	ctl_bs status | grep -q '^role: bs$'
	pp ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a services unicast,multicast
	pp ctl_bs subscriber add ss2 mac "${mac[2]}" provider net-a
	pp ctl_bs subscriber add ss3 mac "${mac[3]}" provider net-b services unicast,broadcast
	pp ctl_bs group member add 1 ss1
	# the configured group and broadcast SAs are in the BS's kernel
	wm0 sa show dev wman0 said "$grp1_cid" >/dev/null
	wm0 sa show dev wman0 said 0xffff >/dev/null
	assert_eq "$(kernel_teks 0 "$grp1_cid")" "0 1 " "group 1 TEKs in the BS kernel"
}

test_ss1_unicast() {
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	assert_eq "$(kernel_teks 1 "$uc_said1")" "0 1 " "unicast TEKs in SS1's kernel"
	assert_eq "$(kernel_teks 0 "$uc_said1")" "0 1 " "unicast TEKs in the BS kernel"
	log_has bs "SS ${mac[1]}: Auth Reply: ss1 authorized"
	log_has bs "SS ${mac[1]} SAID 0x2001: Key Reply \\(unicast, EKS 0 [0-9]+ s, EKS 1 [0-9]+ s\\)"
}

test_ping_unicast() {
	local before
	before=$(cnt 0 said "$uc_said1" rx-packets)
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	pp n0 ping -q -c 3 -i 0.1 -W 2 "${ip4[1]}" >/dev/null
	# six requests and replies each way went through the unicast SA
	(($(cnt 0 said "$uc_said1" rx-packets) >= before + 6))
	(($(cnt 1 said "$uc_said1" rx-packets) >= 6))
}

test_group_granted() {
	wait_for 10 sa_state_is 1 "$grp1_cid" operational
	assert_eq "$(kernel_teks 1 "$grp1_cid")" "0 1 " "group 1 TEKs in SS1's kernel"
	# its connection, CID = SAID
	wm1 -j conn show dev wman0 |
		jq -e ".[] | select(.cid == $grp1_cid and .kind == \"multicast\" and .said == $grp1_cid)" >/dev/null
}

test_group_refused() {
	wait_for 10 sa_state_is 1 "$grp2_cid" start
	log_has bs "SS ${mac[1]} SAID 0xfe02: Key Reject \\(8 unauthorized multicast group 2\\)"
	log_has ss1 "Key Reject \\(8 unauthorized multicast service group ID\\): SA stopped"
	assert_eq "$(sa_field "$(ss_sock 1)" "$grp2_cid" .key_reject)" 8 "SS1's reject code"
	fails wm1 sa show dev wman0 said "$grp2_cid"
	# logged once, not asked again (a retransmission may have crossed
	# the first answer, so the BS may have answered twice)
	local sent
	sent=$(log_count bs 'unauthorized multicast group 2')
	sleep 3
	assert_eq "$(log_count bs 'unauthorized multicast group 2')" "$sent" "Key Rejects sent"
	assert_eq "$(log_count ss1 'SAID 0xfe02 .*SA stopped')" 1 "rejects logged by SS1"
}

test_other_ca() {
	start_daemon 2 ss2
	wait_for 30 log_has bs "SS ${mac[2]}: Auth Reject \\(6 "
	wait_for 10 log_has ss2 "Auth Reject \\(6 permanent authorization failure: certificate not trusted\\)"
	[[ $(ctl_ss 2 -j status | jq -r .auth_state) == silent ]]
	fails wm2 sa show dev wman0 said $((0x2002))
}

test_broadcast_other_provider() {
	start_daemon 3 ss3
	wait_for 30 sa_state_is 3 $((0x2003)) operational
	wait_for 10 sa_state_is 3 $((0xffff)) start
	log_has bs "SS ${mac[3]} SAID 0xffff: Key Reject \\(3 unsubscribed"
	fails wm3 sa show dev wman0 said 0xffff
}

test_unsupported_service() {
	wait_for 10 log_has bs "SS ${mac[3]} SAID 0x0000: Key Reject \\(7 unsupported service type 3\\)"
	wait_for 10 sa_state_is 3 0 start
	assert_eq "$(sa_field "$(ss_sock 3)" 0 .key_reject)" 7 "SS3's reject code"
}

test_group_traffic() {
	local i before1 before3
	before1=$(cnt 1 said "$grp1_cid" rx-packets)
	before3=$(cnt 3 rx-unknown-sa)
	# three datagrams to the group: the BS sends them on group 1's
	# connection under its TEK; SS1 decrypts them, SS3 has no such SA
	for i in 1 2 3; do
		n0 bash -c 'echo "group datagram $1" > "/dev/udp/$2/5001"' _ "$i" "$grp_ip4"
	done
	expect_cnt 1 $((before1 + 3)) said "$grp1_cid" rx-packets
	expect_cnt 3 $((before3 + 3)) rx-unknown-sa
	assert_eq "$(cnt 1 said "$grp1_cid" rx-bad-icv)" 0 "SS1 group bad ICV"
}

test_tampered_request() {
	local seq tx pn hex
	seq=$(ctl_bs -j subscriber list | jq -r '.[] | select(.cn == "ss1") | .ak_seq')
	tx=$(cnt 0 mgmt-tx)
	# a Key Request for SS1's unicast SA under its AK, with a made-up
	# digest, sent from SS1's station on its primary CID
	pn=$(printf '%08x' 100000)
	hex="0907ee0a01$(printf '%02x' "$seq")0c0220011c01008c14${pn}$(printf '%032d' 0)"
	pp wm1 mgmt send dev wman0 cid 0x1001 hex "$hex"
	wait_for 5 log_has bs "SS ${mac[1]} SAID 0x2001: Key Request digest does not verify \\(PN 100000\\), dropped"
	sleep 1
	assert_eq "$(cnt 0 mgmt-tx)" "$tx" "management PDUs sent by the BS"
	# and SS1 goes on as before
	sa_state_is 1 "$uc_said1" operational
}

test_bs_kill9() {
	local pid before after
	before=$(ctl_bs -j sa list | jq -c '[.[] | {said, teks: [.teks[].eks]}]')
	pid=$(daemon_pid "$bs_sock")
	flood 1 "${ip4[0]}" -c 400 -i 0.01
	pp kill -9 "$pid"
	# traffic keeps flowing with the kernel's keys while the BS is away
	n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	start_daemon 0 bs
	after=$(ctl_bs -j sa list | jq -c '[.[] | {said, teks: [.teks[].eks]}]')
	assert_eq "$after" "$before" "SAs and TEK generations after the restart"
	! log_has bs "reinstalled in the kernel"
	assert_eq "$(ctl_bs -j subscriber list | jq length)" 3 "subscribers after the restart"
	n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	wait "$bg_pid"
	# and the SSs' AKs still verify: a forced refresh is answered
	pp ctl_ss 1 rekey "$uc_said1"
	wait_for 10 sa_state_is 1 "$uc_said1" operational
	(($(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply") >= 1))
}

test_ss_restart() {
	local pid
	pid=$(daemon_pid "$(ss_sock 1)")
	pp kill "$pid"
	wait_for 10 bash -c "! [[ -S $(ss_sock 1) ]]"
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	assert_eq "$(kernel_teks 1 "$uc_said1")" "0 1 " "unicast TEKs after the SS restart"
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	# SS3 was not disturbed
	sa_state_is 3 $((0x2003)) operational
}

setup
run_test "BS daemon starts; subscribers and a group member added" test_bs_starts
run_test "SS1 enters, is authorized and gets its unicast TEKs" test_ss1_unicast
run_test "ping BS <-> SS1 over wman0 with those keys" test_ping_unicast
run_test "SS1, a member, gets group 1's TEKs" test_group_granted
run_test "SS1 asks group 2: Key Reject 8, nothing installed, logged once" test_group_refused
run_test "SS2 with another CA's certificate: Auth Reject, silent" test_other_ca
run_test "SS3 of another provider asks broadcast: Key Reject 3" test_broadcast_other_provider
run_test "SS3 asks Service Type 3: Key Reject 7" test_unsupported_service
run_test "group traffic from the BS reaches the member only" test_group_traffic
run_test "a tampered Key Request is dropped, logged, unanswered" test_tampered_request
run_test "kill -9 of the BS daemon: traffic flows, restart keeps every key" test_bs_kill9
run_test "SS1's daemon restarts and gets its keys again" test_ss_restart

# What an operator sees at the end, for the record.
for cmd in "ctl_bs subscriber list" "ctl_bs group list" "ctl_bs sa list" \
	   "ctl_ss 1 sa list" "ctl_ss 3 sa list" "ctl_ss 1 status"; do
	log "---- pkmctl: $cmd"
	$cmd 2>&1 | sed 's/^/# /' || true
done
dump_logs
ktap_finished
