#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tearing things down while traffic flows (ping -f both ways, a broadcast
# flood from the BS): keys, connections and SAs deleted under traffic; the
# lower device deleted; a whole SS namespace deleted; the BS's wman0
# deleted.  Each deletion completes (a leaked device reference would make
# it hang in unregister_netdevice), the rest of the topology keeps working,
# the kernel logs no warning, and nothing is left behind.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

# flowing N: node N's wman0 carried at least 100 more frames than before.
flowing() {
	local n=$1 start
	start=$(cnt "$n" tx-packets)
	wait_for 10 cnt_ge "$n" $((start + 100)) tx-packets
}

# ping BS <-> SS N still works
works() {
	n0 ping -q -c 2 -i 0.1 -W 2 "${ip4[$1]}" >/dev/null
	nn "$1" ping -q -c 2 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
}

test_keys_under_traffic() {
	local said=${uc_said[1]} i m
	flood 0 "${ip4[1]}" -s 1000
	flood 1 "${ip4[0]}"
	flowing 0
	for ((i = 0; i < 3; i++)); do
		for m in 0 1; do
			tek_add "$m" "$said" 1 "$i"
			wm "$m" tek del dev wman0 said "$said" eks 0
			tek_add "$m" "$said" 0 "$i"
			wm "$m" tek del dev wman0 said "$said" eks 1
		done
	done
	for m in 0 1; do
		wm "$m" conn del dev wman0 cid "${uc_cid[1]}"
		wm "$m" sa del dev wman0 said "$said"
	done
	# the BS now has no connection for SS1's frames
	wait_for 5 cnt_ge 0 1 tx-no-conn
	kill_bg
	# a key of a new generation: the SA that knew how far the old keys
	# got is gone, and PN 0 under one of them would be sent again
	for m in 0 1; do
		wm "$m" sa add dev wman0 said "$said" suite "$SUITE_UC" service unicast
		tek_add "$m" "$said" 0 3
	done
	wm0 conn add dev wman0 cid "${uc_cid[1]}" kind unicast sa "$said" peer "${mac[1]}"
	wm1 conn add dev wman0 cid "${uc_cid[1]}" kind unicast sa "$said"
	works 1
}

test_lower_delete() {
	flood 0 "${ip4[2]}" -s 1000
	flood 2 "${ip4[0]}"
	flowing 2
	pp timeout 20 ip -n "${ns[2]}" link del veth0
	wait_for 5 no_link 2 wman0
	kill_bg
	works 1
}

ns_gone() { ! ip netns list 2>/dev/null | grep -q -- "^$1\\>"; }

test_netns_delete() {
	flood 0 "${ip4[3]}"
	flood 3 "${ip4[0]}" -s 1000
	flowing 3
	pp timeout 20 ip netns del "${ns[3]}"
	wait_for 10 ns_gone "${ns[3]}"
	kill_bg
	works 1
}

test_link_delete() {
	flood 0 "${ip4[1]}" -s 1000
	flood 1 "${ip4[0]}"
	flood 0 "$bcast4" -b
	flowing 0
	pp timeout 20 ip -n "${ns[0]}" link del wman0
	no_link 0 wman0
	kill_bg
	# the lower device is whole and free again
	ip0 link show veth0 >/dev/null
	ip0 link add link veth0 name wman0 type wman
	ip0 link del wman0
}

test_kernel_log() { kmsg_clean; }

kmsg_mark
topo_setup uc bcast
audit_start
run_test "teardown: TEKs, connections, SAs deleted and re-added under a flood" test_keys_under_traffic
run_test "teardown: lower device deleted under a flood deletes wman0" test_lower_delete
run_test "teardown: SS namespace deleted under a flood" test_netns_delete
run_test "teardown: BS wman0 deleted under a flood, lower reusable" test_link_delete
run_test "nonce audit: keys deleted and installed again under a flood, no (key, nonce) pair twice" audit_check
run_test "teardown: no kernel warning, no device waiting to be freed" test_kernel_log
run_test "teardown: no namespace or device leaked" leak_check
ktap_finished
