#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `rmmod wman` while traffic flows on every connection kind (ping -f BS <->
# each SS, a broadcast flood), with a monitor and a management listener
# open: the module goes, every wman device with it, the lower devices stay;
# the module loads again and the same topology carries traffic.  The kernel
# logs no warning.  Needs the .ko to reload: $WMAN_KO, or the one built for
# the running kernel under build/kmod/ or kernel/.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ko=$(find_module) || skip_all "no wman.ko for $(uname -r) to reload (set WMAN_KO)"
[[ -e /sys/module/wman/refcnt ]] || skip_all "wman is not a loadable module"
ktap_plan
# leave the module loaded, whatever happens (the runner removes it)
trap 'cleanup; [[ -d /sys/module/wman ]] || insmod "$ko"' EXIT

test_rmmod_under_traffic() {
	local n start
	for n in "${sss[@]}"; do
		flood 0 "${ip4[$n]}" -s 800
		flood "$n" "${ip4[0]}"
	done
	flood 0 "$bcast4" -b
	monitor_start 0 "$TMP/mon.out"
	bg "$WMAN" -n "${ns[0]}" mgmt listen dev wman0 timeout 60 > "$TMP/listen.out" 2>&1
	start=$(cnt 0 tx-packets)
	wait_for 10 cnt_ge 0 $((start + 200)) tx-packets

	pp timeout 30 rmmod wman
	[[ ! -d /sys/module/wman ]]
	for n in "${nodes[@]}"; do
		no_link "$n" wman0
		ipn "$n" link show veth0 >/dev/null
	done
	kill_bg
}

# test_reload [GENERATION]: insmod, the topology with keys of GENERATION
# (default 1), traffic.
test_reload() {
	pp insmod "$ko"
	topo_links
	# new keys: the module that counted the old keys' PNs is gone
	topo_gen=${1:-1}
	topo_keys uc bcast
	n0 ping -q -c 3 -i 0.1 -W 2 "${ip4[1]}" >/dev/null
	n3 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	expect_cnt 1 3 said "${uc_said[1]}" rx-packets
}

# rmmod while the lower device's queue holds PDUs that SS2's aes-gcm SA
# encrypted out of place, each owned by the TCP socket whose segment it
# was written from (tbf at 64 kbit/s holds them for a second or more):
# the module goes, the PDUs leave later without it, and the module loads
# again, as test_reload.
test_rmmod_with_queued_pdus() {
	nn 0 tc qdisc add dev veth0 root tbf rate 64kbit burst 3000 limit 100000
	tcp_flow 0 2 5301 1000000
	wait_for 10 qdisc_holds 0 veth0 3000
	pp timeout 60 rmmod wman
	[[ ! -d /sys/module/wman ]]
	kill_bg
	nn 0 tc qdisc del dev veth0 root
	test_reload 2
}

test_kernel_log() { kmsg_clean; }

kmsg_mark
# SS2's unicast SA encrypts out of place
suite_uc=("" "" aes-gcm)
topo_setup uc bcast
audit_start
run_test "module: rmmod wman under traffic removes every wman device" test_rmmod_under_traffic
run_test "module: insmod again, the topology works" test_reload
run_test "module: rmmod while a lower qdisc holds PDUs a socket owns, insmod again works" test_rmmod_with_queued_pdus
run_test "nonce audit: before rmmod and after insmod, no (key, nonce) pair twice" audit_check
run_test "module: no kernel warning, no device waiting to be freed" test_kernel_log
run_test "module: no namespace or device leaked" leak_check
ktap_finished
