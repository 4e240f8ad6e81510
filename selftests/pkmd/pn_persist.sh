#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet numbers across restarts (Documentation/control-plane.rst): the BS
# daemon keeps a transmit-PN reservation per TEK on disk and gives the
# kernel no PN limit above it, so a TEK the kernel lost goes back in above
# every PN it may have sent; an SS daemon restarted under traffic leaves
# its kernel's uplink PNs where they were.  On a real kernel, with a BS
# daemon and SS1's (unicast, group 1 with a key tree, broadcast; group 2,
# without a tree, has TEKs at the BS only):
#
#   - a ping flood from SS1 takes the BS's unicast TEK across several PN
#     blocks (2048 PNs here, [test] tek-pn-block): the daemon raises the
#     kernel's limit each time, no frame waits for it;
#   - kill -9 of the BS daemon: nothing installed again, the limits are
#     still covered on disk, the half-way event is armed again;
#   - the BS's wman device deleted and created again, then the daemon
#     restarted: the same keys (EKS and key) at PNs at or above the ones
#     they had reached, and traffic flows with no drop at SS1;
#   - the same after the module is reloaded;
#   - SS1's daemon killed with SIGKILL and restarted under a ping flood
#     from SS1: its kernel's uplink PN never goes back, the BS drops no
#     frame as a replay, SS1 is operational again;
#   - SS1's newer unicast TEK used up in its kernel: a restarted SS1
#     daemon does not install it again (the kernel refuses), sends with
#     the older one and asks for new keys.
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh pn_persist.sh

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ko=$(find_module) || skip_all "no wman.ko for $(uname -r) to reload (set WMAN_KO)"
[[ -e /sys/module/wman/refcnt ]] || skip_all "wman is not a loadable module"
ktap_plan
# leave the module loaded, whatever happens (the runner removes it)
trap 'cleanup; [[ -d /sys/module/wman ]] || insmod "$ko"' EXIT

uc_said1=$(uc_said_of 1)
grp1_cid=$((0xfe01)) grp2_cid=$((0xfe02)) bc_said1=$((0xfe00))
grp2_ip4=239.16.0.2
block=2048

setup() {
	make_ca ca
	make_certs "bs-1 ca ec" "ss1 ca rsa"
	write_bs_head
	cat >>"$TMP/bs.conf" <<-CONF

		[group 1]
		cid = $grp1_cid
		suite = aes-gcm
		addresses = $grp_mac
		key-tree = lkh
		tree-degree = 2

		[group 2]
		cid = $grp2_cid
		addresses = 01:00:5e:10:00:02

		[broadcast]
		cid = $bc_said1

		[test]
		tek-pn-block = $block
	CONF
	write_ss_conf 1 ss1 ca unicast,broadcast "1"
	topo_air
	topo_links
}

# ---- state of the BS's TEKs -----------------------------------------------------

# bs_tek_pns: "SAID:EKS TX-PN TX-PN-LIMIT" for each TEK in the BS's kernel.
bs_tek_pns() {
	kernel_teks_json 0 | jq -r '.[] | "\(.said):\(.eks) \(.tx_pn) \(.tx_pn_limit)"' | sort
}
# bs_reserved: "SAID:EKS RESERVED" for each TEK of the BS daemon (what it
# has on disk; a tree group's TEK is both generations).
bs_reserved() {
	ctl_bs -j sa list |
		jq -r '.[] | .said as $s | .teks[] | "\($s):\(.eks) \(.tx_pn_reserved)"' | sort -u
}
# bs_keys: "SAID:EKS KEY", the last key the BS daemon installed in each
# slot, from the key log every daemon writes for the nonce audit.
bs_keys() {
	local said eks key origin k
	local -A last=()
	while read -r _ said eks _ key _ origin; do
		[[ $origin == bs:* ]] && last["$((said)):$eks"]=$key
	done <"$audit_keys"
	for k in "${!last[@]}"; do
		echo "$k ${last[$k]}"
	done | sort
}
bs_key_lines() { grep -c ' bs:pkmd/' "$audit_keys" || true; }

# limits_covered: every TEK in the BS's kernel has a PN limit below 2^31,
# no PN beyond it, and the daemon's reservation covers it.
limits_covered() {
	local res said_eks pn limit r
	res=$(bs_reserved)
	while read -r said_eks pn limit; do
		r=$(grep -m1 "^$said_eks " <<<"$res") || {
			log "TEK $said_eks of the kernel is not the daemon's"
			return 1
		}
		r=${r#* }
		if ! ((limit < 2 ** 31 && pn <= limit && limit <= r)); then
			log "TEK $said_eks: PN $pn, limit $limit, $r reserved"
			return 1
		fi
	done <<<"$(bs_tek_pns)"
}

# record NAME: the BS's TEKs, PNs, keys and SAs, and SS1's drop counters,
# in $TMP/NAME.*, before the BS loses its kernel state.
record() {
	bs_tek_pns >"$TMP/$1.pns"
	bs_keys >"$TMP/$1.keys"
	bs_sas >"$TMP/$1.sas"
	log "BS TEKs (SAID:EKS PN LIMIT): $(tr '\n' ' ' <"$TMP/$1.pns")"
}

bs_slots() { bs_tek_pns | cut -d' ' -f1; }
slots_are() { [[ $(bs_slots) == "$1" ]]; }
# group 1's switch to the tree's TEK is over: the kernel holds that one only
grp1_settled() {
	[[ $(ctl_bs -j group list | jq -r '.[] | select(.id == 1) | .tree.switching') == false &&
	   $(kernel_teks 0 "$grp1_cid") =~ ^[0-3]\ $ ]]
}

# stop_daemon SOCKET [SIGNAL]: stop that daemon and wait until it is gone.
stop_daemon() {
	local pid
	pid=$(daemon_pid "$1")
	pp kill "-${2:-TERM}" "$pid"
	wait_for 10 gone "$pid"
}

# reinstalled NAME: the restarted BS daemon put the TEKs of record NAME
# back: the same SAs and generations, each slot with the same key, at a
# PN no lower than the one it had reached, under a covered limit.
reinstalled() {
	local said_eks pn limit now npn nlimit keys
	assert_eq "$(bs_sas)" "$(<"$TMP/$1.sas")" "the BS daemon's SAs and TEK generations"
	wait_for 10 slots_are "$(cut -d' ' -f1 "$TMP/$1.pns")"
	now=$(bs_tek_pns)
	keys=$(bs_keys)
	while read -r said_eks pn limit; do
		read -r _ npn nlimit <<<"$(grep -m1 "^$said_eks " <<<"$now")"
		log "TEK $said_eks: had reached PN $pn (limit $limit); back at $npn (limit $nlimit)"
		if ((npn < pn)); then
			log "TEK $said_eks went back from PN $pn to $npn"
			return 1
		fi
		assert_eq "$(grep -m1 "^$said_eks " <<<"$keys")" \
			"$(grep -m1 "^$said_eks " "$TMP/$1.keys")" "key of TEK $said_eks"
	done <"$TMP/$1.pns"
	log_has bs "TEKs? reinstalled in the kernel"
	limits_covered
}

# ---- traffic -----------------------------------------------------------------------

# traffic_flows: unicast both ways, group 1 and broadcast from the BS,
# all received by SS1, which drops nothing.
traffic_flows() {
	local drops uc grp bc i
	drops=$(rx_drops 1)
	uc=$(cnt 1 said "$uc_said1" rx-packets)
	grp=$(cnt 1 said "$grp1_cid" rx-packets)
	bc=$(cnt 1 said "$bc_said1" rx-packets)
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	pp n0 ping -q -c 3 -i 0.1 -W 2 "${ip4[1]}" >/dev/null
	for i in 1 2 3; do
		n0 bash -c 'echo "group datagram $1" > "/dev/udp/$2/5001"' _ "$i" "$grp_ip4"
	done
	# SS1 does not answer a broadcast echo; it counts it
	n0 ping -q -b -c 3 -i 0.1 -W 1 "$bcast4" >/dev/null 2>&1 || true
	expect_cnt 1 $((grp + 3)) said "$grp1_cid" rx-packets
	expect_cnt 1 $((bc + 3)) said "$bc_said1" rx-packets
	(($(cnt 1 said "$uc_said1" rx-packets) >= uc + 6))
	assert_eq "$(rx_drops 1)" "$drops" "SS1 receive drops"
}

# bs_pn_beyond SAID PN: the BS's kernel sends on SAID with a TEK past PN.
bs_pn_beyond() {
	(($(kernel_teks_json 0 |
	    jq "[.[] | select(.said == $1) | .tx_pn] | max") > $2))
}

# flood_blocks N: SS1 floods the BS with pings until the BS's unicast TEK
# has sent N blocks more (its replies); the BS never lacks a PN for them.
flood_blocks() {
	local start
	start=$(kernel_teks_json 0 |
		jq "[.[] | select(.said == $uc_said1) | .tx_pn] | max")
	flood 1 "${ip4[0]}"
	wait_for 120 bs_pn_beyond "$uc_said1" $((start + $1 * block))
	kill_bg
	assert_eq "$(cnt 0 said "$uc_said1" tx-no-key)" 0 "BS frames without a usable TEK"
}

# ---- tests -----------------------------------------------------------------------------

test_keys() {
	start_daemon 0 bs
	pp ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a \
		services unicast,multicast,broadcast
	pp ctl_bs group member add 1 ss1
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	wait_for 20 sa_state_is 1 "$grp1_cid" operational
	wait_for 20 sa_state_is 1 "$bc_said1" operational
	# SS1's join is done: group 1's one TEK is the tree's
	wait_for 20 grp1_settled
	# every TEK the daemon installed came with a limit its disk covers
	limits_covered
	traffic_flows
}

test_limit_raised() {
	local events
	events=$(log_count bs "limit raised")
	flood_blocks 3
	(($(log_count bs "limit raised") >= events + 2))
	log "$(($(log_count bs "limit raised") - events)) PN limits raised"
	limits_covered
}

test_bs_kill9() {
	local keys lines
	keys=$(bs_key_lines)
	stop_daemon "$bs_sock" KILL
	lines=$(log_count bs '')
	start_daemon 0 bs
	# the kernel still has every TEK: nothing installed again
	assert_eq "$(bs_key_lines)" "$keys" "TEKs installed by the BS daemon"
	fails log_since bs "$lines" "reinstalled in the kernel"
	limits_covered
	# the half-way event is armed again: the next blocks come as before
	flood_blocks 2
	log_since bs "$lines" "limit raised"
	limits_covered
}

test_device_recreated() {
	# the BS sends group 2 and broadcast frames too, so that every kind
	# of SA has PNs to lose
	n0 bash -c 'echo "group 2" > "/dev/udp/$1/5001"' _ "$grp2_ip4"
	traffic_flows
	record dev
	stop_daemon "$bs_sock"
	pp ip0 link del wman0
	pp ip0 link add link veth0 name wman0 type wman
	printf '%s\n' "link set wman0 addrgenmode none" \
		"addr add ${ip4[0]}/24 dev wman0" "link set wman0 up" \
		"neigh replace ${ip4[1]} lladdr ${mac[1]} dev wman0 nud permanent" \
		"route add 224.0.0.0/4 dev wman0" | ip0 -b -
	start_daemon 0 bs
	reinstalled dev
	traffic_flows
}

test_module_reloaded() {
	local eks k
	n0 bash -c 'echo "group 2" > "/dev/udp/$1/5001"' _ "$grp2_ip4"
	record mod
	stop_daemon "$(ss_sock 1)"
	stop_daemon "$bs_sock"
	pp timeout 30 rmmod wman
	pp insmod "$ko"
	topo_links
	start_daemon 0 bs
	reinstalled mod
	# SS1's kernel went with the module too (one kernel for all nodes
	# here).  An SS keeps no record of the uplink PNs it used, so SS1
	# must not send under its old keys again: the BS rolls its unicast
	# SA over twice first, and both keys SS1 gets are new (it sends with
	# the newer, and with the older when the newer cannot).
	pp ctl_bs rekey "$uc_said1"
	pp ctl_bs rekey "$uc_said1"
	for eks in $(sa_field "$bs_sock" "$uc_said1" '.teks[].eks'); do
		k=$(bs_keys | grep "^$uc_said1:$eks " | cut -d' ' -f2)
		[[ -n $k ]]
		fails grep -q " $k\$" "$TMP/mod.keys"
	done
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	wait_for 20 sa_state_is 1 "$grp1_cid" operational
	wait_for 20 sa_state_is 1 "$bc_said1" operational
	wait_for 20 grp1_settled
	traffic_flows
	limits_covered
}

# ss_uplink_pns: "EKS TX-PN" of SS1's unicast TEKs in its kernel.
ss_uplink_pns() {
	wm1 -j tek show dev wman0 said "$uc_said1" |
		jq -r '.[] | "\(.eks) \(.tx_pn)"'
}

test_ss_kill9_flood() {
	local replays icv start eks pn samples=0 line
	local -A high=()
	replays=$(cnt 0 said "$uc_said1" rx-replay)
	icv=$(cnt 0 said "$uc_said1" rx-bad-icv)
	start=$(cnt 0 said "$uc_said1" rx-packets)
	flood 1 "${ip4[0]}"
	wait_for 10 cnt_ge 0 $((start + 200)) said "$uc_said1" rx-packets
	stop_daemon "$(ss_sock 1)" KILL
	start_daemon 1 ss1
	# until SS1 is operational again (its keys installed with REPLACE),
	# and a while after, its uplink PN only grows
	while ((samples < 40)) || ! sa_state_is 1 "$uc_said1" operational; do
		while read -r eks pn; do
			[[ -n $eks ]] || continue
			if ((pn < ${high[$eks]:-0})); then
				log "SS1's uplink PN under EKS $eks went back from ${high[$eks]} to $pn"
				return 1
			fi
			high[$eks]=$pn
		done <<<"$(ss_uplink_pns)"
		samples=$((samples + 1))
		((samples < 2000)) || { log "SS1 not operational again"; return 1; }
	done
	for eks in "${!high[@]}"; do
		line+=" EKS $eks: PN ${high[$eks]}"
	done
	log "$samples samples of SS1's uplink PNs, never lower than the last:$line"
	start=$(cnt 0 said "$uc_said1" rx-packets)
	wait_for 10 cnt_ge 0 $((start + 200)) said "$uc_said1" rx-packets
	kill_bg
	log_has ss1 "TEKs EKS [0-3] and [0-3] installed"
	# no uplink frame the BS had seen came again, none failed to open
	assert_eq "$(cnt 0 said "$uc_said1" rx-replay)" "$replays" "BS replay drops on SS1's SA"
	assert_eq "$(cnt 0 said "$uc_said1" rx-bad-icv)" "$icv" "BS bad-ICV drops on SS1's SA"
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
}

# ss_tek N SAID EKS JQ: a field of that TEK in node N's kernel.
ss_tek() {
	wm "$1" -j tek show dev wman0 said "$2" | jq -r ".[] | select(.eks == $3) | $4"
}
ss_tek_used_up() {
	[[ $(ss_tek 1 "$uc_said1" "$1" '.state | index("pn-exhausted") != null') == true ]]
}

test_ss_key_used_up() {
	local eks key left said eks_l k lines replays
	eks=$(sa_field "$(ss_sock 1)" "$uc_said1" '.teks[1].eks')
	# the key SS1 sends with, as its daemon logged it
	while read -r _ said eks_l _ k _; do
		[[ $((said)) == "$uc_said1" && $eks_l == "$eks" ]] && key=$k
	done <"$audit_keys"
	[[ -n ${key:-} ]]
	left=$(ss_tek 1 "$uc_said1" "$eks" .remaining)
	replays=$(cnt 0 said "$uc_said1" rx-replay)
	# REPLACE of the same key only moves its PN up: to the last one
	pp wm1 tek add dev wman0 said "$uc_said1" eks "$eks" key "$key" \
		lifetime "$left" pn $((2 ** 31 - 1)) replace
	audit_log_key 1 "$uc_said1" "$eks" "$key" "$left"
	# the first echo request takes that PN, the others go under the older TEK
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	wait_for 5 ss_tek_used_up "$eks"
	lines=$(log_count ss1 '')
	stop_daemon "$(ss_sock 1)" KILL
	start_daemon 1 ss1
	wait_for 30 log_since ss1 "$lines" "TEK EKS $eks has no uplink PNs left in the kernel"
	wait_for 10 log_since ss1 "$lines" "asking for new keys in [0-9]+ s"
	wait_for 10 sa_state_is 1 "$uc_said1" operational
	# the used-up key is the kernel's as it was: not installed afresh
	ss_tek_used_up "$eks"
	assert_eq "$(ss_tek 1 "$uc_said1" "$eks" .tx_pn)" $((2 ** 31)) "its next PN"
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	assert_eq "$(cnt 0 said "$uc_said1" rx-replay)" "$replays" "BS replay drops on SS1's SA"
}

setup
log "setup: $SECONDS s"
audit_start
wire_start
run_test "BS and SS1 daemons: unicast, group and broadcast keys, each TEK under a PN limit its disk covers" test_keys
run_test "a ping flood takes the BS's unicast TEK across PN blocks: each limit raised in time" test_limit_raised
run_test "kill -9 of the BS daemon: nothing installed again, limits covered, the next blocks raised" test_bs_kill9
run_test "BS device deleted and created again: the same keys back at PNs no lower, traffic flows" test_device_recreated
run_test "module reloaded: the same keys back at PNs no lower, traffic flows" test_module_reloaded
run_test "SS1's daemon killed under a ping flood: its uplink PN never goes back, no replay at the BS" test_ss_kill9_flood
run_test "SS1's uplink key used up: its restarted daemon leaves it out and asks for new keys" test_ss_key_used_up
run_test "nonce audit: across the daemons' kills, the device re-created and the module reloaded, no (key, nonce) pair twice" audit_check
run_test "wire conformance: stock tshark decodes every PDU on the air, none shown as Data; unicast and broadcast keys" \
	wire_check key-request,key-reply,key-reply-unicast,key-reply-broadcast,encrypted

for cmd in "ctl_bs sa list" "ctl_ss 1 sa list"; do
	log "---- pkmctl: $cmd"
	$cmd 2>&1 | sed 's/^/# /' || true
done
dump_logs
ktap_finished
