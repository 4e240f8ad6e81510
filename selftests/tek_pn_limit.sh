#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The PN attributes of a TEK (Documentation/data-plane.rst, "Packet
# numbers"), through wman tek add / set / show and wman monitor:
#
#   pn-limit L     the TEK sends PNs below L only: then tx-no-key, state
#                  pn-limited, and a tek-pn-limit event once half of the
#                  PNs up to L are used, another at L; tek set raises L
#                  (sending goes on), lowering it is refused, in place or
#                  by replace
#   rx-pn P        frames below P are rx-replay; replace raises the floor
#                  of the TEK in place; tek show reads the highest PN
#                  accepted + 1
#
#   topology: lib.sh, unicast SAs only; SS1's and SS2's keys are replaced
#   by generation 1 keys with these attributes.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

mon0=$TMP/mon0.out

# tek_field N SAID EKS FIELD: one field of `wman -j tek show` in node N.
tek_field() {
	wm "$1" -j tek show dev wman0 said "$2" |
		jq -r --argjson eks "$3" ".[] | select(.eks == \$eks) | .$4"
}
tek_state() { tek_field "$1" "$2" "$3" 'state | join(",")'; }

# pings N DEST COUNT: ping COUNT times; print how many answers came back.
pings() {
	local out
	out=$(nn "$1" ping -c "$3" -i 0.05 -W 1 "$2" 2>&1) || true
	sed -n 's/.* packets transmitted, \([0-9]*\) received.*/\1/p' <<<"$out"
}

# The tx-pn of the first tek-pn-limit event of SAID with LIMIT in $mon0
# (grep stops at it: no reader of a pipe quits early under pipefail).
event_tx_pn() {
	grep -m 1 -E "^tek-pn-limit .*\\<said $(num_re "$1")\\>.*\\<tx-pn-limit $(num_re "$2")\\>" "$mon0" |
		sed -n 's/.*\<tx-pn \([0-9]*\).*/\1/p'
}

setup() {
	topo_setup uc
	monitor_start 0 "$mon0"
}

# SS1's downlink TEK may send PNs 0 to 9.
test_limit_stops_sending() {
	local said=${uc_said[1]} m no_key pn
	for m in 0 1; do
		wm "$m" tek del dev wman0 said "$said" eks 0
	done
	pp tek_add 0 "$said" 0 1 pn-limit 10
	tek_add 1 "$said" 0 1
	assert_eq "$(tek_field 0 "$said" 0 tx_pn_limit)" 10 "tx-pn-limit shown"
	no_key=$(cnt 0 tx-no-key)

	assert_eq "$(pings 0 "${ip4[1]}" 14)" 10 "answers to 14 pings"
	expect_cnt 0 10 said "$said" eks 0 tx-packets
	expect_cnt 0 $((no_key + 4)) tx-no-key
	assert_eq "$(tek_state 0 "$said" 0)" pn-limited "state at the limit"
	assert_eq "$(tek_field 0 "$said" 0 tx_pn)" 10 "tx-pn at the limit"

	# once when half of the 10 PNs are gone, once at the limit (in case
	# the first one was lost)
	wait_for 5 mon_has "$mon0" tek-pn-limit said "$said" eks 0 tx-pn 10 tx-pn-limit 10
	assert_eq "$(mon_count "$mon0" tek-pn-limit said "$said")" 2 "tek-pn-limit events"
	grep "^tek-pn-limit" "$mon0" | sed 's/^/# event: /'
	pn=$(event_tx_pn "$said" 10)
	((pn >= 5 && pn < 10))
	# a limit is not the end of the PN space
	assert_eq "$(mon_count "$mon0" tek-pn-exhausted said "$said")" 0 "tek-pn-exhausted events"
}

# tek set raises the limit to 20: 10 more frames, a second event, the
# limit again.  Lowering it is refused, by tek set and by replace.
test_tek_set_raises_limit() {
	local said=${uc_said[1]}
	pp wm0 tek set dev wman0 said "$said" eks 0 pn-limit 20
	assert_eq "$(tek_state 0 "$said" 0)" active "state after tek set"
	assert_eq "$(tek_field 0 "$said" 0 tx_pn_limit)" 20 "tx-pn-limit after tek set"
	assert_eq "$(pings 0 "${ip4[1]}" 10)" 10 "answers to 10 pings"
	expect_cnt 0 20 said "$said" eks 0 tx-packets
	assert_eq "$(tek_state 0 "$said" 0)" pn-limited "state at the new limit"
	wait_for 5 mon_has "$mon0" tek-pn-limit said "$said" eks 0 tx-pn 20 tx-pn-limit 20
	assert_eq "$(mon_count "$mon0" tek-pn-limit said "$said")" 4 "tek-pn-limit events"
	fails n0 ping -q -c 1 -W 1 "${ip4[1]}"

	refused wm0 tek set dev wman0 said "$said" eks 0 pn-limit 15
	grep -qi "limit" "$TMP/refused"
	refused tek_add 0 "$said" 0 1 replace pn-limit 15
	grep -qi "limit" "$TMP/refused"
	assert_eq "$(tek_field 0 "$said" 0 tx_pn_limit)" 20 "tx-pn-limit after the refusals"
	# tek set changes nothing but the limit, and needs a TEK
	refused wm0 tek set dev wman0 said "$said" eks 1 pn-limit 30

	# replace with a higher limit is a raise too
	pp tek_add 0 "$said" 0 1 replace pn-limit 30
	assert_eq "$(pings 0 "${ip4[1]}" 2)" 2 "answers after replace pn-limit 30"
	assert_eq "$(tek_field 0 "$said" 0 tx_pn)" 22 "tx-pn after replace pn-limit 30"
}

# pn must be below pn-limit; the tool checks the limit's range.
test_limit_range() {
	local said=${uc_said[1]}
	refused tek_add 0 "$said" 1 1 pn 10 pn-limit 10
	refused tek_add 0 "$said" 1 1 pn-limit 0
	refused tek_add 0 "$said" 1 1 pn-limit 2147483649
	refused tek_add 0 "$said" 1 1 rx-pn 2147483648
	# the whole PN space is a valid limit
	tek_add 0 "$said" 1 1 pn-limit 2147483648
	assert_eq "$(tek_field 0 "$said" 1 tx_pn_limit)" 2147483648 "the largest limit"
	wm0 tek del dev wman0 said "$said" eks 1
}

# SS2 accepts PNs from 100 on; the BS starts at 0.
test_rx_pn_floor() {
	local said=${uc_said[2]} m replay
	for m in 0 2; do
		wm "$m" tek del dev wman0 said "$said" eks 0
	done
	tek_add 0 "$said" 0 1
	pp tek_add 2 "$said" 0 1 rx-pn 100
	assert_eq "$(tek_field 2 "$said" 0 rx_pn)" 100 "rx-pn shown"
	replay=$(cnt 2 said "$said" rx-replay)

	assert_eq "$(pings 0 "${ip4[2]}" 3)" 0 "answers with PNs below the floor"
	expect_cnt 2 $((replay + 3)) said "$said" rx-replay
	expect_cnt 2 0 said "$said" eks 0 rx-packets

	pp tek_add 0 "$said" 0 1 replace pn 100
	assert_eq "$(pings 0 "${ip4[2]}" 3)" 3 "answers from PN 100 on"
	assert_eq "$(tek_field 2 "$said" 0 rx_pn)" 103 "SS2 rx-pn: highest accepted + 1"
	assert_eq "$(tek_field 0 "$said" 0 rx_pn)" 3 "BS rx-pn after 3 answers"

	# replace in place raises the floor of the same TEK
	pp tek_add 2 "$said" 0 1 replace rx-pn 1000
	assert_eq "$(tek_field 2 "$said" 0 rx_pn)" 1000 "SS2 rx-pn after replace rx-pn 1000"
	assert_eq "$(pings 0 "${ip4[2]}" 1)" 0 "answers with PN 103"
	expect_cnt 2 $((replay + 4)) said "$said" rx-replay
	pp tek_add 0 "$said" 0 1 replace pn 1000
	assert_eq "$(pings 0 "${ip4[2]}" 1)" 1 "answers with PN 1000"
}

# Defaults as tek show prints them, text and JSON.
test_show_defaults() {
	local said=${uc_said[3]}
	assert_eq "$(tek_field 3 "$said" 0 tx_pn_limit)" 2147483648 "default tx-pn-limit"
	assert_eq "$(tek_field 3 "$said" 0 rx_pn)" 0 "rx-pn before any frame"
	wm3 tek show dev wman0 | grep -q "tx-pn-limit 2147483648 rx-pn 0"
	n0 ping -q -c 2 -i 0.05 -W 2 "${ip4[3]}" >/dev/null
	assert_eq "$(tek_field 3 "$said" 0 rx_pn)" 2 "rx-pn after 2 frames"
}

setup
audit_start
run_test "pn-limit: sending stops at it (tx-no-key, pn-limited), tek-pn-limit at half and at it" test_limit_stops_sending
run_test "tek set: raises the limit, lowering refused (tek set and replace)" test_tek_set_raises_limit
run_test "pn-limit: pn below the limit, limit 1..2^31, rx-pn below 2^31" test_limit_range
run_test "rx-pn: frames below the floor are rx-replay; replace raises it" test_rx_pn_floor
run_test "tek show: tx-pn-limit and rx-pn defaults" test_show_defaults
run_test "nonce audit: at and past the PN limits, no (key, nonce) pair twice" audit_check
run_test "tek pn-limit: no namespace or device leaked" leak_check
ktap_finished
