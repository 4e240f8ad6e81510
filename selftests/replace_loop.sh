#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# REPLACE in a tight loop under traffic, with the nonce audit on (issue
# 14): SS1's unicast SA carries a ping flood both ways while the BS and
# SS1 install its EKS 0 again and again with `tek add ... replace`:
#
#   every round    the key the slot holds (REPLACE of the same key: the
#                  TEK must go on with its PN, whatever PN is asked)
#   every third    another key, then the first one back (a key that left
#                  its slot must resume where it stopped)
#
# No REPLACE names a PN: each asks for PN 0, as a caller would that took
# no care.  The audit must find no (key, nonce) pair under two PDUs and no
# PN sent twice under one key.  Before the kernel carried the PN over, the
# audit found hundreds of reuses here.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

said=${uc_said[1]}
rounds=24

test_replace_loop() {
	local i m start tx0 tx1 others=0
	flood 0 "${ip4[1]}"
	flood 1 "${ip4[0]}"
	start=$(cnt 0 said "$said" tx-packets)
	wait_for 10 cnt_ge 0 $((start + 50)) said "$said" tx-packets
	for ((i = 1; i <= rounds; i++)); do
		for m in 0 1; do
			tek_add "$m" "$said" 0 0 replace
		done
		((i % 3 == 0)) || continue
		for m in 0 1; do
			tek_add "$m" "$said" 0 "$i" replace
		done
		for m in 0 1; do
			tek_add "$m" "$said" 0 0 replace
		done
		others=$((others + 1))
	done
	tx0=$(cnt 0 said "$said" tx-packets)
	tx1=$(cnt 1 said "$said" tx-packets)
	kill_bg
	log "$((rounds * 2 + others * 4)) REPLACEs ($others with another key); frames sent: BS $((tx0 - start)), SS1 $tx1"
	# the flood went on through the loop, both ways
	((tx0 - start > 200 && tx1 > 200))
	# and both ends hold the first key again: traffic flows
	n0 ping -q -c 3 -i 0.1 -W 2 "${ip4[1]}" >/dev/null
	n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
}

topo_setup uc
audit_start
run_test "replace loop: EKS 0 re-installed $rounds times under a ping flood both ways" test_replace_loop
run_test "nonce audit: no (key, nonce) pair twice through the REPLACEs" audit_check
run_test "replace loop: no namespace or device leaked" leak_check
ktap_finished
