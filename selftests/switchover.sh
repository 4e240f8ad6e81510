#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TEK switchover under a continuous flow, BS <-> SS1, on each suite:
#
#   t=0   EKS 0 installed on the BS then on SS1 (soft lifetime 1 s, hard
#         lifetime 3 s); a ping flow starts (every 10 ms, both directions)
#   t~1   EKS 1 installed on the BS, then on SS1: SS1 sends with it at
#         once, the BS keeps sending with EKS 0
#   t=3   EKS 0 expires; the BS moves to EKS 1
#
# Assertions: no echo lost; no frame dropped for no key, bad ICV, replay
# or expiry on either side; both TEKs carried downlink traffic; the old
# TEK's soft and hard expiry events came in that order.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

flow=600	# echoes, 10 ms apart: the flow outlives the 3 s lifetime
said=${uc_said[1]}

running() { kill -0 "$1" 2>/dev/null; }

switchover() {
	local suite=$1 gen=$2
	local pid out=$TMP/flow-$suite.out mon=$TMP/mon-$suite.out
	local drops0 drops1 txnokey0 txnokey1 m

	# a fresh SA of this suite, EKS 0 short-lived
	for m in 0 1; do
		wm "$m" conn del dev wman0 cid "${uc_cid[1]}"
		wm "$m" sa del dev wman0 said "$said"
		wm "$m" sa add dev wman0 said "$said" suite "$suite" service unicast
	done
	wm0 conn add dev wman0 cid "${uc_cid[1]}" kind unicast sa "$said" peer "${mac[1]}"
	wm1 conn add dev wman0 cid "${uc_cid[1]}" kind unicast sa "$said"
	drops0=$(rx_drops 0)
	drops1=$(rx_drops 1)
	txnokey0=$(cnt 0 tx-no-key)
	txnokey1=$(cnt 1 tx-no-key)

	monitor_start 0 "$mon"
	# the BS first: the SS expires after it and never sees a frame under
	# a key it has dropped
	tek_add 0 "$said" 0 "$gen" soft-lifetime 1 lifetime 3
	tek_add 1 "$said" 0 "$gen" soft-lifetime 1 lifetime 3

	bg n1 ping -q -c "$flow" -i 0.01 -W 2 "${ip4[0]}" > "$out" 2>&1
	pid=$bg_pid
	wait_for 5 cnt_ge 0 20 said "$said" eks 0 rx-packets

	pp tek_add 0 "$said" 1 "$gen"
	pp tek_add 1 "$said" 1 "$gen"
	# SS1 switches uplink at once, the BS keeps EKS 0 for downlink
	wait_for 5 cnt_ge 0 1 said "$said" eks 1 rx-packets

	wait_for 10 mon_has "$mon" tek-hard-expired said "$said" eks 0
	running "$pid" || {
		log "the flow ended before EKS 0 expired"
		return 1
	}
	wait "$pid" || { sed 's/^/# /' "$out"; return 1; }

	# soft then hard, once each
	grep -nE "tek-(soft|hard)-expired" "$mon" | sed 's/^/# /'
	assert_eq "$(mon_count "$mon" tek-soft-expired said "$said" eks 0)" 1 "soft expiry events"
	assert_eq "$(mon_count "$mon" tek-hard-expired said "$said" eks 0)" 1 "hard expiry events"
	(($(grep -nE "tek-soft-expired" "$mon" | head -1 | cut -d: -f1) <
	  $(grep -nE "tek-hard-expired" "$mon" | head -1 | cut -d: -f1)))

	# every echo came back, no drop anywhere
	assert_eq "$(rx_drops 0)" "$drops0" "BS drop counters"
	assert_eq "$(rx_drops 1)" "$drops1" "SS1 drop counters"
	assert_eq "$(cnt 0 tx-no-key)" "$txnokey0" "BS tx-no-key"
	assert_eq "$(cnt 1 tx-no-key)" "$txnokey1" "SS1 tx-no-key"
	expect_cnt 0 "$flow" said "$said" tx-packets
	expect_cnt 1 "$flow" said "$said" rx-packets
	expect_cnt 1 "$flow" said "$said" tx-packets
	expect_cnt 0 "$flow" said "$said" rx-packets
	# downlink used both TEKs, in order
	(($(cnt 0 said "$said" eks 0 tx-packets) > 0))
	(($(cnt 0 said "$said" eks 1 tx-packets) > 0))
	assert_eq $(($(cnt 0 said "$said" eks 0 tx-packets) + $(cnt 0 said "$said" eks 1 tx-packets))) \
		"$flow" "BS frames under EKS 0 + EKS 1"
	kill "$monitor_pid"
}

test_ccm() { switchover aes-ccm 1; }
test_gcm() { switchover aes-gcm 2; }

topo_setup uc
run_test "switchover aes-ccm: newer TEK installed, older expires, no frame lost" test_ccm
run_test "switchover aes-gcm: newer TEK installed, older expires, no frame lost" test_gcm
run_test "switchover: no namespace or device leaked" leak_check
ktap_finished
