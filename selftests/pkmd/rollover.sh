#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TEK and AK lifetimes, end to end on a real kernel: a BS with TEKs of
# 12 s and AKs of 30 s, allowed below 802.16's minima only by
# "[test] allow-short-lifetimes" (without it the daemon refuses them),
# and two SSs, each with its own certificate made here.  Traffic runs all
# along: SS1 and SS2 ping the BS 10 and 5 times a second (unicast SAs),
# the BS sends 5 datagrams a second to group 1 (SS1 is a member).  Through several TEK rollovers, SS refreshes and
# reauthorizations not one frame may be lost: per SA, what one side sent
# the other received, exactly, and no receive drop counter moves.
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh rollover.sh

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

uc_said1=$(uc_said_of 1)
uc_said2=$(uc_said_of 2)
grp1_cid=$((0xfe01))
tek_lifetime=12
run_seconds=50
# at least this many rollovers and refreshes per SA in that time
rounds=$((run_seconds / tek_lifetime - 1))

bs_extra="[timers]
tek-grace-time = 4
auth-grace-time = 10
[test]
allow-short-lifetimes = yes"

setup() {
	make_ca ca
	make_cert bs-1 ca ec
	make_cert ss1 ca rsa
	make_cert ss2 ca rsa
	BS_LIFETIMES="ak-lifetime = 30
tek-lifetime = $tek_lifetime" write_bs_conf "$bs_extra"
	write_ss_conf 1 ss1 ca unicast "1"
	write_ss_conf 2 ss2 ca unicast ""
	topo_air
	topo_links
}

test_short_needs_setting() {
	local rc=0
	# the same file without its [test] section
	sed '/^\[test\]$/,$d' "$TMP/bs.conf" >"$TMP/bs-strict.conf"
	n0 timeout 20 "$PKMD" -c "$TMP/bs-strict.conf" 2>"$TMP/strict.err" || rc=$?
	log "$(cat "$TMP/strict.err")"
	assert_eq "$rc" 3 "pkmd's exit status"
	grep -q "tek-lifetime $tek_lifetime is below the 802.16 minimum" "$TMP/strict.err"
	grep -q "ak-lifetime 30 is below the 802.16 minimum" "$TMP/strict.err"
}

test_keys() {
	start_daemon 0 bs
	ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a services unicast,multicast
	ctl_bs subscriber add ss2 mac "${mac[2]}" provider net-a
	ctl_bs group member add 1 ss1
	# one after the other: the BS numbers stations in order of entry
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	start_daemon 2 ss2
	wait_for 30 sa_state_is 2 "$uc_said2" operational
	wait_for 10 sa_state_is 1 "$grp1_cid" operational
	# the lifetimes the BS gave: at most 12 s (24 s for the newer TEK)
	((
		$(ctl_ss 1 -j sa list | jq '[.[].teks[].remaining] | max') <= 2 * tek_lifetime
	))
}

# lossless N SAID: on that SA, what node N sent the BS received and the
# other way round (counters since the SA was installed on both sides).
lossless() {
	local n=$1 said=$2
	[[ $(cnt "$n" said "$said" tx-packets) == $(cnt 0 said "$said" rx-packets) &&
	   $(cnt 0 said "$said" tx-packets) == $(cnt "$n" said "$said" rx-packets) ]]
}
# group_lossless: every group 1 frame the BS sent, SS1 decrypted.
group_lossless() {
	[[ $(cnt 0 said "$grp1_cid" tx-packets) == $(cnt 1 said "$grp1_cid" rx-packets) ]]
}

test_no_loss() {
	local c1=$((run_seconds * 10)) c2=$((run_seconds * 5)) cg=$((run_seconds * 5))
	local drops0 drops1 drops2 unknown2 grp0 grp p1 p2 out
	drops0=$(rx_drops 0)
	drops1=$(rx_drops 1)
	drops2=$(link_stat 2 wman0 .stats64.rx.dropped)
	unknown2=$(cnt 2 rx-unknown-sa)
	grp0=$(cnt 0 said "$grp1_cid" tx-packets)
	bgn 1 ping -q -c "$c1" -i 0.1 -W 2 "${ip4[0]}" >"$TMP/ping1.out"
	p1=$bg_pid
	bgn 2 ping -q -c "$c2" -i 0.2 -W 2 "${ip4[0]}" >"$TMP/ping2.out"
	p2=$bg_pid
	# echo requests to the group: SS1 ignores them (no answer to a
	# multicast echo), they only count on the group SA
	bgn 0 ping -q -c "$cg" -i 0.2 "$grp_ip4" >/dev/null
	wait "$p1"
	wait "$p2"
	wait "$bg_pid" || true
	for out in "$TMP/ping1.out" "$TMP/ping2.out"; do
		log "$(tail -n 2 "$out" | head -n 1)"
	done
	grep -q " $c1 received, 0% packet loss" "$TMP/ping1.out"
	grep -q " $c2 received, 0% packet loss" "$TMP/ping2.out"
	wait_for 5 lossless 1 "$uc_said1"
	wait_for 5 lossless 2 "$uc_said2"
	wait_for 5 group_lossless
	grp=$(($(cnt 0 said "$grp1_cid" tx-packets) - grp0))
	((grp >= cg))
	assert_eq "$(rx_drops 0)" "$drops0" "BS drop counters"
	assert_eq "$(rx_drops 1)" "$drops1" "SS1 drop counters"
	# SS2, no member, drops the group's frames as of an unknown SA, and
	# nothing else
	assert_eq "$(cnt 2 rx-unknown-sa)" $((unknown2 + grp)) "SS2 unknown-SA drops"
	assert_eq "$(link_stat 2 wman0 .stats64.rx.dropped)" $((drops2 + grp)) "SS2 drops"
	assert_eq "$(link_stat 2 wman0 .stats64.rx.errors)" 0 "SS2 receive errors"
}

test_rollovers() {
	local said n
	for said in 0x2001 0x2002 0xfe01; do
		n=$(log_count bs "SAID $said: TEK rollover")
		log "SAID $said: $n rollovers at the BS"
		((n >= rounds))
	done
	# the BS's kernel holds two TEKs per SA (the SS's may be one step
	# behind until its refresh, so the slots are not compared)
	[[ $(kernel_teks 0 "$uc_said1") =~ ^[0-3]\ [0-3]\ $ ]]
	[[ $(kernel_teks 0 "$grp1_cid") =~ ^[0-3]\ [0-3]\ $ ]]
}

test_refreshes() {
	local n
	n=$(log_count ss1 "SAID 0x2001 \\(unicast\\): TEK state rekey-wait -> operational")
	log "$n unicast refreshes at SS1"
	((n >= rounds))
	n=$(log_count ss2 "SAID 0x2002 \\(unicast\\): TEK state rekey-wait -> operational")
	log "$n unicast refreshes at SS2"
	((n >= rounds))
	n=$(log_count ss1 "SAID 0xfe01 \\(group 1\\): TEK state rekey-wait -> operational")
	log "$n group 1 refreshes at SS1"
	((n >= rounds))
	# each refresh came before the BS needed it: the BS never saw an EKS
	# it lacked, no SS saw its newer TEK expire.  (A busy host may delay
	# an answer past the SS's 1 s Rekey Wait: retransmissions are only
	# counted.)
	fails log_has bs "TEK Invalid"
	fails log_has ss1 "newer TEK EKS [0-9] expired"
	fails log_has ss2 "newer TEK EKS [0-9] expired"
	log "Key Requests retransmitted: SS1 $(log_count ss1 retransmitted), SS2 $(log_count ss2 retransmitted)"
}

test_reauthorized() {
	local n
	for n in 1 2; do
		(($(log_count bs "SS ${mac[n]}: Auth Reply: ss$n authorized") >= 2))
		log_has bs "SS ${mac[n]}: AK 1 in use"
		log_has "ss$n" "authorization: reauth-wait -> authorized"
	done
}

setup
log "setup: $SECONDS s"
audit_start
wire_start
run_test "lifetimes below the 802.16 minima refused without the test setting" test_short_needs_setting
run_test "BS and two SSs with 12 s TEKs and 30 s AKs: every SA keyed" test_keys
run_test "${run_seconds}s of traffic through the rollovers: no frame lost, no drop" test_no_loss
run_test "the BS rolled each unicast and the group SA over" test_rollovers
run_test "each SS refreshed each SA before its newer TEK expired" test_refreshes
run_test "both SSs reauthorized before their AK expired" test_reauthorized
run_test "nonce audit: through the rollovers, refreshes and reauthorizations, no (key, nonce) pair twice, no TEK used past its lifetime" audit_check
run_test "wire conformance: stock tshark decodes every PDU on the air, none shown as Data; ranging, authorizations, refreshes" \
	wire_check rng-req,rng-rsp,auth-request,auth-reply,key-request,key-reply,tek-refresh,encrypted
dump_logs 10
ktap_finished
