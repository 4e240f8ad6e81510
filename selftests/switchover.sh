#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TEK switchover under a continuous flow, BS <-> SS1, on each suite:
#
#   EKS 0 installed on the BS then on SS1 (soft lifetime 2 s, hard 25 s);
#   a ping flow starts, every 10 ms from SS1 (uplink requests, downlink
#   answers);
#   EKS 1 installed on the BS, then on SS1: SS1 sends with it at once, the
#   BS keeps sending with EKS 0 until it expires, then moves to EKS 1;
#   the flow goes on for 50 downlink frames under EKS 1 and stops.
#
# Assertions: every frame one side sent the other accepted (per SA, both
# directions, exactly); no receive drop, no tx-no-key on either side; ping
# lost at most the echoes in flight when it was stopped; downlink used
# both TEKs, uplink EKS 1 from its installation on; the old TEK's soft and
# hard expiry events came once each, in that order.  The lifetimes leave
# room for QEMU TCG on a busy host, where a command can take two seconds
# and the steps before EKS 1 is installed once took more than 8; on the
# debug kernel (KASAN, lockdep) the steps up to the first check took more
# than 15, and more than 25 on a loaded host (WMAN_TIME_FACTOR, lib.sh).

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

said=${uc_said[1]}
soft=2
hard=$((25 * time_factor))

running() { kill -0 "$1" 2>/dev/null; }

# eks0_expired: the BS holds EKS 0 of the SA as hard-expired (read from
# the kernel, not from the monitor, whose events can lag).
eks0_expired() {
	wm 0 sa show dev wman0 said "$said" |
		grep -qE "tek eks 0 state ([a-z-]+,)*expired([, ]|\$)"
}

# sent_equals_accepted: per SA, BS tx = SS1 rx and SS1 tx = BS rx.
sent_equals_accepted() {
	[[ $(cnt 0 said "$said" tx-packets) == "$(cnt 1 said "$said" rx-packets)" ]] &&
		[[ $(cnt 1 said "$said" tx-packets) == "$(cnt 0 said "$said" rx-packets)" ]]
}

switchover() {
	local suite=$1 gen=$2
	local pid out=$TMP/flow-$suite.out mon=$TMP/mon-$suite.out
	local drops0 drops1 txnokey0 txnokey1 m sent received down0 down1

	# a fresh SA of this suite
	for m in 0 1; do
		wm "$m" conn del dev wman0 cid "${uc_cid[1]}"
		wm "$m" sa del dev wman0 said "$said"
		wm "$m" sa add dev wman0 said "$said" suite "$suite" service unicast
	done
	wm0 conn add dev wman0 cid "${uc_cid[1]}" kind unicast sa "$said" peer "${mac[1]}"
	wm1 conn add dev wman0 cid "${uc_cid[1]}" kind unicast sa "$said"
	monitor_start 0 "$mon"
	drops0=$(rx_drops 0)
	drops1=$(rx_drops 1)
	txnokey0=$(cnt 0 tx-no-key)
	txnokey1=$(cnt 1 tx-no-key)

	# the BS first: SS1's EKS 0 expires after the BS's, so SS1 never
	# receives a frame under a key it has dropped
	tek_add 0 "$said" 0 "$gen" soft-lifetime "$soft" lifetime "$hard"
	tek_add 1 "$said" 0 "$gen" soft-lifetime "$soft" lifetime "$hard"

	bgn 1 ping -i 0.01 -W 2 "${ip4[0]}" > "$out" 2>&1
	pid=$bg_pid
	wait_for 10 cnt_ge 0 20 said "$said" eks 0 rx-packets

	pp tek_add 0 "$said" 1 "$gen"
	pp tek_add 1 "$said" 1 "$gen"
	if mon_has "$mon" tek-hard-expired said "$said" eks 0; then
		log "EKS 0 expired before EKS 1 was installed: too slow for a ${hard}s lifetime"
		return 1
	fi
	# SS1 switches uplink at once, the BS keeps EKS 0 for downlink.  The
	# count holds only if it was read while EKS 0 was still live: on a
	# slow kernel EKS 0 can expire first, and then the run says so.
	wait_for 10 cnt_ge 0 1 said "$said" eks 1 rx-packets
	down1=$(cnt 0 said "$said" eks 1 tx-packets)
	if eks0_expired; then
		log "EKS 0 expired before the BS's downlink could be checked: too slow for a ${hard}s lifetime"
		return 1
	fi
	assert_eq "$down1" 0 "BS downlink under EKS 1 before expiry"

	wait_for $((hard + 5)) mon_has "$mon" tek-hard-expired said "$said" eks 0
	down0=$(cnt 0 said "$said" eks 0 tx-packets)
	wait_for 10 cnt_ge 0 50 said "$said" eks 1 tx-packets
	running "$pid" || {
		sed 's/^/# /' "$out"
		log "the flow stopped early"
		return 1
	}
	kill -INT "$pid"
	wait "$pid" || true
	sed -n 's/^/# /; /packets transmitted/p' "$out"

	# every frame sent was accepted, no drop anywhere
	wait_for 5 sent_equals_accepted
	assert_eq "$(rx_drops 0)" "$drops0" "BS drop counters"
	assert_eq "$(rx_drops 1)" "$drops1" "SS1 drop counters"
	assert_eq "$(cnt 0 tx-no-key)" "$txnokey0" "BS tx-no-key"
	assert_eq "$(cnt 1 tx-no-key)" "$txnokey1" "SS1 tx-no-key"
	[[ $(grep 'packets transmitted' "$out") =~ ^([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]]
	sent=${BASH_REMATCH[1]} received=${BASH_REMATCH[2]}
	((sent - received <= 2))
	# downlink: EKS 0 until its expiry, then EKS 1 only
	((down0 > 0))
	assert_eq "$(cnt 0 said "$said" eks 0 tx-packets)" "$down0" "BS EKS 0 frames after expiry"

	# soft then hard, once each
	grep -E "tek-(soft|hard)-expired" "$mon" | sed 's/^/# /'
	assert_eq "$(mon_count "$mon" tek-soft-expired said "$said" eks 0)" 1 "soft expiry events"
	assert_eq "$(mon_count "$mon" tek-hard-expired said "$said" eks 0)" 1 "hard expiry events"
	(($(grep -nE "tek-soft-expired" "$mon" | head -1 | cut -d: -f1) <
	  $(grep -nE "tek-hard-expired" "$mon" | head -1 | cut -d: -f1)))
}

test_ccm() { switchover aes-ccm 1; }
test_gcm() { switchover aes-gcm 2; }

topo_setup uc
audit_start
run_test "switchover aes-ccm: newer TEK installed, older expires, no frame lost" test_ccm
run_test "switchover aes-gcm: newer TEK installed, older expires, no frame lost" test_gcm
run_test "nonce audit: no (key, nonce) pair twice, nothing sent under the expired TEK" audit_check
run_test "switchover: no namespace or device leaked" leak_check
ktap_finished
