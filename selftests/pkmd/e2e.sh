#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkmd end to end on a real kernel: a BS daemon and three SS daemons on
# the selftests' topology (selftests/lib.sh: the air bridge, the BS and
# three SS namespaces, wman0 on each) with only the links and addresses,
# no static keys.  Everything the data plane needs comes from the
# daemons.  Run as root with wman.ko available, e.g. in the VM:
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh e2e.sh
#
# Nodes, each with its own certificate made here:
#
#   BS   provider net-a, groups 1 and 2, broadcast
#   SS1  subscriber ss1, member of group 1, asks unicast, groups 1 and 2
#        -> unicast keys, ping over wman0, group 1 keys, Key Reject 8 for 2
#   SS2  certificate of another CA -> Auth Reject, no keys
#   SS3  subscriber ss3 of provider net-b, asks broadcast -> Key Reject 3,
#        and Service Type 3 (a [test] setting) -> Key Reject 7
#
# Then PKM messages on the air: a refresh of SS1's unicast SA is captured,
# and a tampered, a forged (by a station without the AK) and a replayed
# Key Request reach the BS, a replayed and a forged Key Reply reach SS1.
# Each is dropped and logged, and changes nothing: no answer, the same
# SAs and TEKs in the daemons and kernels, and the replay windows where
# they were (the next genuine request and reply are accepted).
# Last, kill -9 of the BS daemon under traffic (the kernel carries on, the
# restarted daemon has the same subscribers, SAs and TEKs, installs and
# sends nothing) and a restart of SS1's daemon, which disturbs no one else.

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

grp1_cid=$((0xfe01)) grp2_cid=$((0xfe02)) bc_said=$((0xfe00))
uc_said1=$(uc_said_of 1)
cap=$TMP/refresh.pcap

# ---- setup -------------------------------------------------------------------

setup() {
	make_ca ca
	make_ca other-ca
	make_certs "bs-1 ca ec" "ss1 ca rsa" "ss2 other-ca rsa" "ss3 ca rsa"
	write_bs_conf
	# SS1 waits 4 s for an answer before it asks again: no retransmission
	# crosses a slow answer while its messages are captured.
	write_ss_conf 1 ss1 ca unicast "1, 2" "[timers]
rekey-wait = 4"
	write_ss_conf 2 ss2 ca unicast ""
	write_ss_conf 3 ss3 ca unicast,broadcast "" "[test]
request-service-type = 3"
	topo_air
	topo_links
}

# What a dropped message must leave as it was, in one file: the BS's
# subscribers and SAs, SS1's SAs, both kernels' TEKs (one jq for all:
# every program started costs under TCG).
snapshot() {
	{
		ctl_bs -j subscriber list
		ctl_bs -j sa list
		ctl_ss 1 -j sa list
		kernel_teks_json 0
		kernel_teks_json 1
	} | jq -c -s "(.[0] | $jq_subscribers), (.[1] | $jq_bs_sas),
		      (.[2] | $jq_ss_sas), (.[3], .[4] | $jq_kernel_teks)" >"$1"
}

# unchanged WHAT: the state is still that of $TMP/base.state, taken
# when the last test that changed something was done (the tests of
# dropped messages, one after the other, share it: fewer programs run).
unchanged() {
	local base now
	snapshot "$TMP/now.state"
	base=$(<"$TMP/base.state") now=$(<"$TMP/now.state")
	if [[ $base != "$now" ]]; then
		log "$1 changed:"
		diff "$TMP/base.state" "$TMP/now.state" | sed 's/^/#   /' >&"$log_fd" || true
		return 1
	fi
}

# ---- authorization and keys ------------------------------------------------------

test_bs_starts() {
	start_daemon 0 bs
	[[ $'\n'$(ctl_bs status)$'\n' == *$'\nrole: bs\n'* ]]
	bs_database_used
	pp ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a services unicast,multicast
	pp ctl_bs subscriber add ss2 mac "${mac[2]}" provider net-a
	pp ctl_bs subscriber add ss3 mac "${mac[3]}" provider net-b services unicast,broadcast
	pp ctl_bs group member add 1 ss1
	# the configured group and broadcast SAs are in the BS's kernel
	wm0 sa show dev wman0 said "$grp1_cid" >/dev/null
	wm0 sa show dev wman0 said "$bc_said" >/dev/null
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
	wait_for 10 sa_rejected 1 "$grp2_cid" 8
	log_has bs "SS ${mac[1]} SAID 0xfe02: Key Reject \\(8 unauthorized multicast group 2\\)"
	log_has ss1 "Key Reject \\(8 unauthorized multicast service group ID\\): SA stopped"
	# SS1's kernel has its unicast and group 1 SAs, nothing of group 2
	assert_eq "$(kernel_sas 1)" "[$uc_said1,$grp1_cid]" "SAs in SS1's kernel"
	fails wm1 tek show dev wman0 said "$grp2_cid" 2>/dev/null
	# A retransmission may have crossed the first answer, so the BS may
	# have answered twice; test_not_asked_again checks, minutes later,
	# that SS1 did not ask again.
	saved grp2_rejects "$(log_count bs 'unauthorized multicast group 2')"
	assert_eq "$(log_count ss1 'SAID 0xfe02 .*SA stopped')" 1 "rejects logged by SS1"
}

test_other_ca() {
	start_daemon 2 ss2
	wait_for 30 log_has bs "SS ${mac[2]}: Auth Reject \\(6 "
	wait_for 10 log_has ss2 "Auth Reject \\(6 permanent authorization failure: certificate not trusted\\)"
	[[ $(ctl_ss 2 -j status | jq -r .auth_state) == silent ]]
	assert_eq "$(kernel_sas 2)" "[]" "SAs in SS2's kernel"
	assert_eq "$(ctl_bs -j subscriber list | jq '.[] | select(.cn == "ss2") | .ak_seq')" \
		null "ss2's AK at the BS"
}

test_broadcast_other_provider() {
	start_daemon 3 ss3
	wait_for 30 sa_state_is 3 $((0x2003)) operational
	wait_for 10 sa_rejected 3 "$bc_said" 3
	log_has bs "SS ${mac[3]} SAID 0xfe00: Key Reject \\(3 unsubscribed"
	fails wm3 sa show dev wman0 said "$bc_said" 2>/dev/null
}

test_unsupported_service() {
	wait_for 10 log_has bs "SS ${mac[3]} SAID 0x0000: Key Reject \\(7 unsupported service type 3\\)"
	wait_for 10 sa_rejected 3 0 7
	# only its unicast SA reached SS3's kernel
	assert_eq "$(kernel_sas 3)" "[$((0x2003))]" "SAs in SS3's kernel"
}

# Station N: Basic CID N, Primary Management CID 320 + N (basic-cid-max's
# default), as management connections in both kernels; no broadcast
# management connection (0xffff), since no group here has a key tree.
test_cid_layout() {
	local n st b p subs
	assert_eq "$(ctl_bs -j status | jq -r .basic_cid_max)" 320 "the BS's basic-cid-max"
	subs=$(ctl_bs -j subscriber list)
	jq -e 'map(select(.basic_cid)) | length == 3 and
		all(.primary_cid == .basic_cid + 320 and .unicast_said == .basic_cid + 8192)' \
		<<<"$subs" >/dev/null ||
		{ log "subscriber list: $subs"; return 1; }
	assert_eq "$(mgmt_cids 0)" "$(jq -c '[0] + [.[] | select(.basic_cid) | .basic_cid, .primary_cid] | sort' <<<"$subs")" \
		"the BS's management connections: CID 0 and each station's two"
	for n in 1 3; do
		st=$(ctl_ss "$n" -j status)
		b=$(jq -r .basic_cid <<<"$st") p=$(jq -r .primary_cid <<<"$st")
		assert_eq "$p" $((b + 320)) "SS$n: primary CID of basic CID $b"
		assert_eq "$(mgmt_cids "$n")" "[0,$b,$p]" "SS$n's management connections"
	done
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

# ---- PKM messages on the air ---------------------------------------------------

# A refresh of SS1's unicast SA, captured on the BS's side of the air:
# SS1's Key Request and the BS's Key Reply.
test_refresh_captured() {
	local replies req rep
	replies=$(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply")
	capture_start 0 veth0 2 "$cap"
	pp ctl_ss 1 rekey "$uc_said1"
	capture_wait
	"$FRAME" list "$cap" | sed 's/^/# /'
	req=$(pkm_frame "$cap" 7 "src == \"${mac[1]}\"")
	rep=$(pkm_frame "$cap" 8 "dst == \"${mac[1]}\"")
	assert_eq "$(frame_field "$cap" "$rep" pkm-id)" \
		"$(frame_field "$cap" "$req" pkm-id)" "identifier of the reply"
	saved req "$req"
	saved rep "$rep"
	saved req_pn "$(frame_field "$cap" "$req" pkm-pn)"
	saved rep_pn "$(frame_field "$cap" "$rep" pkm-pn)"
	saved id "$(frame_field "$cap" "$req" pkm-id)"
	saved cid "$(frame_field "$cap" "$req" cid)"
	saved ak "$(ctl_ss 1 -j status | jq -r .ak_seq)"
	wait_for 10 sa_state_is 1 "$uc_said1" operational
	assert_eq "$(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply")" \
		$((replies + 1)) "Key Replies to SS1"
	snapshot "$TMP/base.state"
}

# bs_refuses WHAT LOG-REGEX: inject with the command that follows; the BS
# logs LOG-REGEX, sends nothing and changes nothing.
bs_refuses() {
	local what=$1 re=$2 tx
	shift 2
	tx=$(cnt 0 mgmt-tx)
	pp "$@"
	wait_for 10 log_has bs "$re"
	# one control request after the log line: the daemon is done with
	# the message (it handles one event at a time)
	ctl_bs status >/dev/null
	assert_eq "$(cnt 0 mgmt-tx)" "$tx" "management PDUs sent by the BS after the $what"
	unchanged "state after the $what"
}

test_tampered_request() {
	local hex pn
	pn=$(saved req_pn)
	# the captured request with its Service-Type changed from 0 (unicast)
	# to 2 (broadcast), digest and PN kept, sent by a station of the air
	hex=$("$FRAME" payload "$cap" --index "$(saved req)")
	[[ ${hex:20:6} == 1c0100 ]] || { log "unexpected request $hex"; return 1; }
	hex=${hex:0:24}02${hex:26}
	bs_refuses "tampered request" \
		"SS ${mac[1]} SAID 0x2001: Key Request digest does not verify \\(PN $pn\\), dropped" \
		air_mgmt 0 "${mac[0]}" "${mac[1]}" "$(saved cid)" "$hex"
}

test_forged_request() {
	local hex pn
	# well formed, for SS1's SA under its current AK, from SS1's address,
	# a PN far ahead, and a digest under a key that is not SS1's
	pn=$(($(saved req_pn) + 1000))
	hex=$(key_request $((($(saved id) + 1) % 256)) "$(saved ak)" "$uc_said1" 0 "$pn")
	bs_refuses "forged request" \
		"SS ${mac[1]} SAID 0x2001: Key Request digest does not verify \\(PN $pn\\), dropped" \
		air_mgmt 0 "${mac[0]}" "${mac[1]}" "$(saved cid)" "$hex"
}

test_replayed_request() {
	# byte for byte what SS1 sent, again from SS1's side of the air
	bs_refuses "replayed request" \
		"SS ${mac[1]} SAID 0x2001: Key Request replayed \\(PN $(saved req_pn)\\), dropped" \
		n1 "$FRAME" send veth0 "$cap" --index "$(saved req)"
}

# ss1_refuses WHAT LOG-REGEX: the same on SS1's side: logged, nothing sent,
# nothing installed.
ss1_refuses() {
	local what=$1 re=$2 tx installs
	shift 2
	tx=$(cnt 1 mgmt-tx)
	installs=$(log_count ss1 "installed")
	pp "$@"
	wait_for 10 log_has ss1 "$re"
	ctl_ss 1 status >/dev/null
	assert_eq "$(cnt 1 mgmt-tx)" "$tx" "management PDUs sent by SS1 after the $what"
	assert_eq "$(log_count ss1 "installed")" "$installs" "TEK installations by SS1"
	unchanged "state after the $what"
}

test_replayed_reply() {
	# byte for byte what the BS sent, again from the BS's side
	ss1_refuses "replayed reply" \
		"Key Reply replayed \\(PN $(saved rep_pn)\\), dropped" \
		n0 "$FRAME" send veth0 "$cap" --index "$(saved rep)"
}

# A forged Key Reply while SS1 waits for a real one: the BS daemon is
# stopped, SS1 asks for a refresh, and an outsider answers with the
# request's identifier, SS1's current AK sequence number, TEKs of its own
# and a digest under its own key, from the BS's address.  SS1 drops it and
# keeps waiting; once the BS runs again, its genuine answers (PNs below
# the forgeries') are accepted on both sides: nothing moved a window.
test_forged_reply() {
	local pid req_cap=$TMP/request.pcap id pn hex replies kt1
	replies=$(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply")
	pid=$(daemon_pid "$bs_sock")
	kt1=$(kernel_tek_state 1)
	# shellcheck disable=SC2064 # the PID now
	trap "kill -CONT $pid 2>/dev/null; kill_bg" EXIT
	pp kill -STOP "$pid"
	capture_start 0 veth0 1 "$req_cap"
	pp ctl_ss 1 rekey "$uc_said1"
	capture_wait
	wait_for 5 sa_state_is 1 "$uc_said1" rekey-wait
	id=$(frame_field "$req_cap" 0 pkm-id)
	pn=$(($(saved rep_pn) + 1000))
	hex=$(key_reply "$id" "$(saved ak)" "$uc_said1" \
		"$(sa_field "$(ss_sock 1)" "$uc_said1" '.teks[0].eks')" "$pn")
	pp air_mgmt 1 "${mac[1]}" "${mac[0]}" "$(saved cid)" "$hex"
	wait_for 10 log_has ss1 "Key Reply digest does not verify \\(PN $pn\\), dropped"
	sa_state_is 1 "$uc_said1" rekey-wait
	# nothing changed in SS1's kernel (the BS cannot be asked now)
	assert_eq "$(kernel_tek_state 1)" "$kt1" "SS1's kernel TEKs"
	pp kill -CONT "$pid"
	wait_for 20 sa_state_is 1 "$uc_said1" operational
	(($(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply") > replies))
	log_has ss1 "SAID 0x2001 \\(unicast\\): TEK state rekey-wait -> operational"
	assert_eq "$(kernel_teks 1 "$uc_said1")" "0 1 " "SS1's unicast TEKs"
}

test_not_asked_again() {
	# minutes after its Key Reject 8, SS1 has not asked for group 2 again
	assert_eq "$(log_count bs 'unauthorized multicast group 2')" \
		"$(saved grp2_rejects)" "Key Rejects for group 2"
	assert_eq "$(log_count ss1 'SAID 0xfe02 .*SA stopped')" 1 "rejects logged by SS1"
}

# ---- crash and restart ----------------------------------------------------------

# unicast_lossless N: every frame sent on SS N's unicast SA, either way,
# was received (the counters include everything since the SA came).
unicast_lossless() {
	local n=$1 said
	said=$(uc_said_of "$1")
	[[ $(cnt "$n" said "$said" tx-packets) == $(cnt 0 said "$said" rx-packets) &&
	   $(cnt 0 said "$said" tx-packets) == $(cnt "$n" said "$said" rx-packets) ]]
}

test_bs_kill9() {
	local pid subs sas expiry t0 kt0 kt1 kt3 pns0 pns1 pns3 tx0 ss1 ss3 lines
	local line said_eks left now elapsed bs_rx0 grp0 drops0 drops1 after
	t0=$SECONDS
	subs=$(subscribers)
	after=$(ctl_bs -j sa list)
	sas=$(jq -c "$jq_bs_sas" <<<"$after")
	expiry=$(jq -r "$jq_tek_expiry" <<<"$after")
	kt0=$(kernel_tek_ids 0)
	kt1=$(kernel_tek_ids 1)
	kt3=$(kernel_tek_ids 3)
	pns0=$(kernel_tek_counts 0)
	pns1=$(kernel_tek_counts 1)
	pns3=$(kernel_tek_counts 3)
	ss1=$(ss_sas 1)
	ss3=$(ss_sas 3)
	tx0=$(cnt 0 mgmt-tx)
	bs_rx0=$(cnt 0 mgmt-rx)
	grp0=$(cnt 1 said "$grp1_cid" rx-packets)
	drops0=$(rx_drops 0)
	drops1=$(rx_drops 1)
	pid=$(daemon_pid "$bs_sock")

	# uplink under SS1's unicast SA all along
	flood 1 "${ip4[0]}" -c 300 -i 0.02
	pp kill -9 "$pid"
	wait_for 10 gone "$pid"
	lines=$(log_count bs '')
	# with no BS daemon: downlink to SS3, group traffic to SS1
	pp n0 ping -q -c 5 -i 0.05 -W 2 "${ip4[3]}" >/dev/null
	n0 bash -c 'echo "while the BS daemon is away" > "/dev/udp/$1/5001"' _ "$grp_ip4"
	expect_cnt 1 $((grp0 + 1)) said "$grp1_cid" rx-packets

	start_daemon 0 bs
	after=$(ctl_bs -j sa list)
	elapsed=$((SECONDS - t0 + 1))
	# no subscriber lost, the same SAs with the same TEKs (sequence
	# numbers, generations and expiry times)
	assert_eq "$(subscribers)" "$subs" "subscribers after the restart"
	assert_eq "$(jq -c "$jq_bs_sas" <<<"$after")" "$sas" "SAs and TEKs after the restart"
	after=$(jq -r "$jq_tek_expiry" <<<"$after")
	while read -r line; do
		said_eks=${line%:*} left=${line##*:}
		now=$(grep -m1 "^$said_eks:" <<<"$after")
		now=${now##*:}
		if ((now > left || now < left - elapsed - 1)); then
			log "TEK $said_eks: $left s left before, $now s after $elapsed s"
			return 1
		fi
	done <<<"$expiry"
	# nothing installed again: the kernel's TEKs are the ones it had,
	# their packet numbers and counters running on
	assert_eq "$(kernel_tek_ids 0)" "$kt0" "TEKs in the BS kernel"
	tek_counts_grew "$pns0" "$(kernel_tek_counts 0)"
	log_since bs "$lines" "SAs? checked against the kernel"
	fails log_since bs "$lines" "reinstalled in the kernel|stale TEK"

	wait "$bg_pid" || true
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	wait_for 5 unicast_lossless 1
	wait_for 5 unicast_lossless 3
	assert_eq "$(rx_drops 0)" "$drops0" "BS receive drops"
	assert_eq "$(rx_drops 1)" "$drops1" "SS1 receive drops"

	# no rekeying: the SSs' keys and daemons untouched, and the BS has
	# sent nothing since it was killed
	assert_eq "$(kernel_tek_ids 1)" "$kt1" "TEKs in SS1's kernel"
	assert_eq "$(kernel_tek_ids 3)" "$kt3" "TEKs in SS3's kernel"
	tek_counts_grew "$pns1" "$(kernel_tek_counts 1)"
	tek_counts_grew "$pns3" "$(kernel_tek_counts 3)"
	assert_eq "$(ss_sas 1)" "$ss1" "SS1's SAs"
	assert_eq "$(ss_sas 3)" "$ss3" "SS3's SAs"
	assert_eq "$(cnt 0 mgmt-tx)" "$tx0" "management PDUs sent by the BS"
	assert_eq "$(cnt 0 mgmt-rx)" "$bs_rx0" "management PDUs received by the BS"
	fails log_since bs "$lines" "Key Reply|Key Reject|Auth Reply|Auth Invalid|TEK Invalid|TEK rollover"

	# the replay window came back from the database too
	snapshot "$TMP/base.state"
	bs_refuses "request replayed after the restart" \
		"SS ${mac[1]} SAID 0x2001: Key Request replayed \\(PN $(saved req_pn)\\), dropped" \
		n1 "$FRAME" send veth0 "$cap" --index "$(saved req)"
	((
		$(log_count bs "Key Request replayed \\(PN $(saved req_pn)\\)") == 2
	))
	# and SS1's AK still works: a refresh is answered with the same TEKs
	pp ctl_ss 1 rekey "$uc_said1"
	wait_for 10 log_since bs "$lines" "SS ${mac[1]} SAID 0x2001: Key Reply"
	wait_for 10 sa_state_is 1 "$uc_said1" operational
	assert_eq "$(bs_sas)" "$sas" "SAs and TEKs after the refresh"
}

test_ss_restart() {
	local pid kt0 kt3 pns0 pns3 ss3 sas ss3_lines bs_ss3 replies
	kt0=$(kernel_tek_ids 0)
	kt3=$(kernel_tek_ids 3)
	pns0=$(kernel_tek_counts 0)
	pns3=$(kernel_tek_counts 3)
	ss3=$(ss_sas 3)
	sas=$(bs_sas)
	ss3_lines=$(log_lines ss3)
	bs_ss3=$(log_count bs "SS ${mac[3]}")
	replies=$(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply")

	pid=$(daemon_pid "$(ss_sock 1)")
	pp kill "$pid"
	wait_for 10 gone "$pid"
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	wait_for 10 sa_state_is 1 "$grp1_cid" operational
	wait_for 10 sa_rejected 1 "$grp2_cid" 8
	# SS1 asked again and got the same TEKs: nothing rekeyed at the BS
	(($(log_count bs "SS ${mac[1]} SAID 0x2001: Key Reply") > replies))
	assert_eq "$(kernel_teks 1 "$uc_said1")" "0 1 " "unicast TEKs after the SS restart"
	assert_eq "$(kernel_teks 1 "$grp1_cid")" "0 1 " "group 1 TEKs after the SS restart"
	assert_eq "$(bs_sas)" "$sas" "the BS's SAs and TEKs"
	assert_eq "$(kernel_tek_ids 0)" "$kt0" "TEKs in the BS kernel"
	tek_counts_grew "$pns0" "$(kernel_tek_counts 0)"
	pp n1 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null

	# SS3 was not disturbed: same keys, PNs running on, nothing asked,
	# nothing said to it, traffic flows
	assert_eq "$(kernel_tek_ids 3)" "$kt3" "TEKs in SS3's kernel"
	tek_counts_grew "$pns3" "$(kernel_tek_counts 3)"
	assert_eq "$(ss_sas 3)" "$ss3" "SS3's SAs"
	assert_eq "$(log_lines ss3)" "$ss3_lines" "lines in SS3's log (but control requests)"
	assert_eq "$(log_count bs "SS ${mac[3]}")" "$bs_ss3" "BS log lines about SS3"
	pp n3 ping -q -c 3 -i 0.1 -W 2 "${ip4[0]}" >/dev/null
	wait_for 5 unicast_lossless 3
}

setup
log "setup: $SECONDS s"
audit_start
wire_start
run_test "BS daemon starts; subscribers and a group member added" test_bs_starts
run_test "SS1 enters, is authorized and gets its unicast TEKs" test_ss1_unicast
run_test "ping BS <-> SS1 over wman0 with those keys" test_ping_unicast
run_test "SS1, a member, gets group 1's TEKs" test_group_granted
run_test "SS1 asks group 2: Key Reject 8, nothing in its kernel" test_group_refused
run_test "SS2 with another CA's certificate: Auth Reject, silent, no keys" test_other_ca
run_test "SS3 of another provider asks broadcast: Key Reject 3" test_broadcast_other_provider
run_test "SS3 asks Service Type 3: Key Reject 7, nothing in its kernel" test_unsupported_service
run_test "CIDs: Basic N, Primary 320 + N, in the daemons and both kernels" test_cid_layout
run_test "group traffic from the BS reaches the member only" test_group_traffic
run_test "a refresh of SS1's unicast SA captured on the air" test_refresh_captured
run_test "a tampered Key Request: dropped, logged, nothing changed" test_tampered_request
run_test "a forged Key Request (not under SS1's AK): dropped, logged, nothing changed" test_forged_request
run_test "a replayed Key Request: dropped, logged, nothing changed" test_replayed_request
run_test "a replayed Key Reply to SS1: dropped, logged, nothing installed" test_replayed_reply
run_test "a forged Key Reply to a waiting SS1: dropped; the genuine one accepted" test_forged_reply
run_test "SS1 did not ask for group 2 again" test_not_asked_again
run_test "kill -9 of the BS daemon: traffic flows, restart keeps every key, sends nothing" test_bs_kill9
run_test "SS1's daemon restarts, gets the same keys, SS3 undisturbed" test_ss_restart
run_test "nonce audit: every TEK the daemons installed, through both restarts: no (key, nonce) pair twice" audit_check
run_test "wire conformance: stock tshark decodes every PDU on the air, none shown as Data; ranging, Auth Request, Reply and Reject, Key Request, Reply and Reject of each service type, a TEK refresh" \
	wire_check rng-req,rng-rsp,auth-request,auth-reply,auth-reject,key-request,key-reply,key-reject,tek-refresh,key-request-unicast,key-request-multicast,key-request-broadcast,key-reply-unicast,key-reply-multicast,key-reject-multicast,key-reject-broadcast,key-reject-st3,encrypted

# What an operator sees at the end, for the record.
for cmd in "ctl_bs subscriber list" "ctl_bs group list" "ctl_bs sa list" \
	   "ctl_ss 1 sa list" "ctl_ss 3 sa list" "ctl_ss 1 status"; do
	log "---- pkmctl: $cmd"
	$cmd 2>&1 | sed 's/^/# /' || true
done
dump_logs
ktap_finished
