#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Revocation and the shared SAs, on the air: a BS daemon and two SS
# daemons, every key from the daemons.  The BS has broadcast, group 1
# without a key tree and group 2 with one (LKH); both SSs subscribe to
# broadcast and are members of both groups.
#
# SS2 plays a revoked subscriber that does not cooperate: its daemon is
# killed with SIGKILL, so its kernel keeps every TEK it had.  Then
# `pkmctl subscriber revoke ss2` at the BS.  Once the command has
# returned and group 2 has switched to the TEK of its leave rekey, frames
# the BS sends to the broadcast address and to both groups must reach
# SS1 (which learns the new TEKs by itself) and none may be decrypted by
# SS2: its kernel counts them as dropped for want of a key.  Before the
# fix the broadcast and group 1 TEKs stayed, and SS2 went on decrypting.
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh revoke.sh

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

bc=$((0xfe00)) g1=$((0xfe01)) g2=$((0xfe02))
g1_ip=239.16.0.1 g2_ip=239.16.0.2
frames=5

setup() {
	make_ca ca
	make_certs "bs-1 ca ec" "ss1 ca rsa" "ss2 ca rsa"
	write_bs_head
	cat >>"$TMP/bs.conf" <<-CONF

		[group 1]
		cid = $g1
		suite = aes-gcm
		addresses = 01:00:5e:10:00:01

		[group 2]
		cid = $g2
		addresses = 01:00:5e:10:00:02
		key-tree = lkh
		tree-degree = 2
		switch-delay = 1000

		[broadcast]
		cid = $bc
	CONF
	write_ss_conf 1 ss1 ca unicast,broadcast "1, 2"
	write_ss_conf 2 ss2 ca unicast,broadcast "1, 2"
	topo_air
	topo_links
	for n in 1 2; do
		nn "$n" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
	done
}

# send_all: $frames frames from the BS to the broadcast address and to
# each group (ping -b for broadcast: a datagram needs SO_BROADCAST).
send_all() {
	n0 ping -q -b -c "$frames" -i 0.2 -w 5 "$bcast4" >/dev/null 2>&1 || true
	# shellcheck disable=SC2016 # expanded by the inner shell
	n0 bash -c 'for ((i = 0; i < $3; i++)); do
		echo "d$i" > "/dev/udp/$1/5001"; echo "d$i" > "/dev/udp/$2/5001"
	done' _ "$g1_ip" "$g2_ip" "$frames"
}

# rx N: "bc g1 g2" frames node N decrypted on each SA.
rx() {
	echo "$(cnt "$1" said $bc rx-packets) $(cnt "$1" said $g1 rx-packets) $(cnt "$1" said $g2 rx-packets)"
}
# sent: "bc g1 g2" frames the BS sent on each SA.
sent() {
	echo "$(cnt 0 said $bc tx-packets) $(cnt 0 said $g1 tx-packets) $(cnt 0 said $g2 tx-packets)"
}
# dropped N: frames node N dropped for want of a key (or of the SA).
dropped() {
	echo $(($(cnt "$1" rx-no-key) + $(cnt "$1" rx-bad-icv) + $(cnt "$1" rx-unknown-sa)))
}
# plus A B: "A1+B1 A2+B2 A3+B3" of two such triples.
plus() {
	local -a a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	echo "$((a[0] + b[0])) $((a[1] + b[1])) $((a[2] + b[2]))"
}
rx_is() { [[ $(rx "$1") == "$2" ]]; }

tree() { ctl_bs -j group list | jq -r ".[] | select(.id == $1) | .tree.$2"; }
has_eks() { [[ " $(kernel_teks "$1" "$2")" == *" $3 "* ]]; }
# in_step N SAID: node N holds the TEK the BS sends with on that SA.
in_step() { has_eks "$1" "$2" "$(ctl_bs -j sa list | jq -r ".[] | select(.said == $2) | .teks[0].eks")"; }
switched() { [[ $(tree 2 switching) == false && $(tree 2 tx_eks) != "$1" ]]; }
operational() {
	local n said
	for n in 1 2; do
		for said in $bc $g1 $g2; do
			sa_state_is "$n" "$said" operational || return 1
		done
	done
}

test_keys() {
	start_daemon 0 bs
	for n in 1 2; do
		ctl_bs subscriber add "ss$n" mac "${mac[n]}" provider net-a \
			services unicast,multicast,broadcast
		ctl_bs group member add 1 "ss$n"
		ctl_bs group member add 2 "ss$n"
	done
	start_daemon 1 ss1
	wait_for 30 sa_state_is 1 "$(uc_said_of 1)" operational
	start_daemon 2 ss2
	wait_for 60 operational
	wait_for 10 tree_members_are 2
}
tree_members_are() { [[ $(tree 2 members) == "$1" && $(tree 2 switching) == false ]]; }

test_both_receive() {
	local r1 r2 s0
	r1=$(rx 1) r2=$(rx 2) s0=$(sent)
	send_all
	wait_for 5 sent_grew "$s0"
	wait_for 5 rx_is 1 "$(plus "$r1" "$frames $frames $frames")"
	wait_for 5 rx_is 2 "$(plus "$r2" "$frames $frames $frames")"
}
sent_grew() { [[ $(sent) == "$(plus "$1" "$frames $frames $frames")" ]]; }

test_revoke() {
	local pid said
	pid=$(daemon_pid "$(ss_sock 2)")
	kill -KILL "$pid"
	wait_for 10 gone "$pid"
	# what SS2 holds from now on: the TEKs of before
	for said in $bc $g1 $g2; do
		saved "ss2-$said" "$(kernel_teks 2 "$said")"
		log "SS2's kernel, SAID $said: EKS $(saved "ss2-$said")"
		[[ -n $(saved "ss2-$said") ]]
	done
	saved tx-eks "$(tree 2 tx_eks)"
	saved sent "$(sent)"
	saved ss1-rx "$(rx 1)"
	pp ctl_bs subscriber revoke ss2
	# the key tree's leave rekey, then its switch
	wait_for 20 switched "$(saved tx-eks)"
	log "group 2 sends with TEK EKS $(tree 2 tx_eks) (before: $(saved tx-eks))"
	log_has bs "subscriber ss2 revoked; 2 shared SAs rekeyed"
}

test_ss1_follows() {
	local said
	# SS1 asks for the new keys on the TEK Invalid of the revocation
	# (or, failing that, on the first frame under an EKS it lacks)
	for said in $bc $g1 $g2; do
		wait_for 20 in_step 1 "$said"
	done
	log_has ss1 "SAID 0xfe00 \\(broadcast\\): TEK Invalid"
	log_has ss1 "SAID 0xfe01 \\(group 1\\): TEK Invalid"
	# SS1's gap: from the BS's swap to SS1's new pair in its kernel
	local swapped installed
	swapped=$(log_ms bs "SAID 0xfe00 \\(broadcast\\): both TEKs replaced")
	installed=$(log_ms_last ss1 "SAID 0xfe00 \\(broadcast\\): TEKs EKS [0-3] and [0-3] installed")
	log "SS1 without the broadcast key for $((installed - swapped)) ms"
}

# log_ms NAME REGEX: the time of day, in ms, of the first matching line;
# log_ms_last the same of the last one.
ms_of() {
	local t=${1%% *}
	echo $(((10#${t:0:2} * 3600 + 10#${t:3:2} * 60 + 10#${t:6:2}) * 1000 + 10#${t:9:3}))
}
log_ms() { ms_of "$(grep -Em1 -- "$2" "$TMP/$1.log")"; }
log_ms_last() { ms_of "$(grep -E -- "$2" "$TMP/$1.log" | tail -n 1)"; }

test_after() {
	local r1 r2 d2 s0
	r1=$(rx 1) r2=$(rx 2) d2=$(dropped 2) s0=$(sent)
	send_all
	wait_for 5 sent_grew "$s0"
	expect_cnt 1 $(($(cut -d' ' -f1 <<<"$r1") + frames)) said $bc rx-packets
	expect_cnt 1 $(($(cut -d' ' -f2 <<<"$r1") + frames)) said $g1 rx-packets
	expect_cnt 1 $(($(cut -d' ' -f3 <<<"$r1") + frames)) said $g2 rx-packets
	# every one of them reached SS2 and was dropped there, none decrypted
	wait_for 5 dropped_grew 2 "$d2" "$r2" $((3 * frames))
	log "SS2: rx-no-key $(cnt 2 rx-no-key), rx-bad-icv $(cnt 2 rx-bad-icv), rx-unknown-sa $(cnt 2 rx-unknown-sa)"
	assert_eq "$(rx 2)" "$r2" "frames SS2 decrypted (broadcast, group 1, group 2)"
	assert_eq "$(dropped 2)" $((d2 + 3 * frames)) "frames SS2 dropped"
}
# total TRIPLE: the sum of a "bc g1 g2" triple.
total() {
	local -a a
	read -ra a <<<"$1"
	echo $((a[0] + a[1] + a[2]))
}
# dropped_grew N DROPPED RX COUNT: COUNT more frames reached node N,
# decrypted or dropped, since it had dropped DROPPED and decrypted RX.
dropped_grew() {
	(($(dropped "$1") - $2 + $(total "$(rx "$1")") - $(total "$3") >= $4))
}

test_bs_state() {
	local said eks
	# SS2's old TEKs are gone from the BS's kernel and from its database:
	# every EKS the BS holds now is one it did not hold before, or a new key
	for said in $bc $g1; do
		log "SAID $said: BS kernel EKS $(kernel_teks 0 "$said"), SS2 EKS $(saved "ss2-$said")"
		for eks in $(kernel_teks 0 "$said"); do
			[[ " $(saved "ss2-$said")" != *" $eks "* ]]
		done
	done
	# SS2's unicast SA and AK are gone; SS2 counts for nothing in the tree
	assert_eq "$(tree 2 members)" 1 "group 2 members"
	assert_eq "$(ctl_bs -j subscriber list | jq -r '.[] | select(.cn == "ss2") | .state')" \
		revoked "SS2's state"
}

setup
log "setup: $SECONDS s"
audit_start
wire_start
run_test "BS, SS1 and SS2: broadcast, group 1 (no key tree) and group 2 (key tree) keyed" test_keys
run_test "before the revocation both SSs decrypt broadcast and both groups" test_both_receive
run_test "SS2's daemon killed (its kernel keeps its TEKs), pkmctl subscriber revoke ss2: broadcast and group 1 get new TEKs, group 2 rekeys" test_revoke
run_test "SS1 gets the new TEKs at once (TEK Invalid)" test_ss1_follows
run_test "after the revocation SS1 decrypts every broadcast and group frame, SS2 none: it drops them for want of a key" test_after
run_test "the BS holds none of SS2's TEKs for broadcast and group 1; ss2 revoked, out of the tree" test_bs_state
run_test "nonce audit: no (key, nonce) pair twice across the revocation" audit_check
run_test "wire conformance: stock tshark decodes every PDU on the air, none shown as Data; TEK Invalid, a key-tree rekey" \
	wire_check tek-invalid,gkuc,key-reply-broadcast,encrypted
dump_logs 10
ktap_finished
