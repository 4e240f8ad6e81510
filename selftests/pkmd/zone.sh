#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An MBS zone (Documentation/zones.rst): two BS daemons sharing their
# subscribers and group keys through one PostgreSQL database (a server of
# the test's own, tools/pg-test-server), four SS daemons, two airs.  Run
# as root with wman.ko, e.g. in the VM:
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh zone.sh
#
#            br0 (BS1's air)                     br1 (BS2's air)
#      +---------+---------+---------+     +---------+---------+---------+
#      |         |         |         |     |         |         |         |
#    air0      air1      air2  ----move--> |       air3      air4      air5
#      |         |         |               |         |         |         |
#    BS1 bs1    SS1       SS2              |        SS3       SS4      BS2 bs2
#    node 0    node 1    node 2            |       node 3    node 4    node 5
#
# Both BSs: zone mbs-1, one certificate (the zone's, bs-1), group 1 with
# an LKH key tree (degree 2), the broadcast service.  BS1 starts first
# and so holds every lease.  Subscribers ss1 and ss2 are added at BS1,
# ss3 and ss4 at BS2.
#
#   authorize    every SS is authorized by the BS of its air, from the
#                shared subscribers, and gets unicast keys there
#   group        one tree of four members across the zone; both BSs'
#                kernels and every member's on its TEK; group traffic from
#                each BS decrypted by the members on its air
#   leave        ss4 revoked at the follower: the writer rekeys once, the
#                follower sends that rekey on its air, every member left
#                installs the new TEK, both BSs switch to it, SS4
#                decrypts none of the frames under it
#   move         SS2's veth moves to br1 and its device's BSID to BS2
#                (pkmctl handover): it gets CIDs, an AK and unicast keys
#                from BS2, keeps decrypting group traffic (now BS2's)
#                without a group rekey
#   failover     ss3 revoked, then the writer killed with SIGKILL in the
#                switch of that rekey: the other BS takes the lease within
#                zone-failover (5 s), resumes the committed rekey, ends the
#                switch; the member on its air decrypts its group frames,
#                SS3 (when that air is its) none
#
# BS1, started first, takes every lease; a daemon starved for longer than
# the lease (3 s) on a loaded TCG host hands it on, as it must, so the
# steps find the writer rather than assume it.
#
# The nonce audit covers both airs together: no (key, nonce) twice,
# though both BSs send group and broadcast frames under the same TEKs.

export PKMD_DATABASE=postgresql	# a zone shares one PostgreSQL database

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

failover_ms=5000

ktap_print_header
require_env
require_pkmd
ktap_plan_plus 6	# the step lines below

ns+=("wman-ss4-$suffix" "wman-bs2-$suffix")
nodes=(0 1 2 3 4 5)
sss=(1 2 3 4)
mac+=(02:16:00:00:00:14 02:16:00:00:00:02)
ip4+=(10.16.0.14 10.16.0.2)
bs_of=(0 0 0 5 5)		# the BS each SS starts at
g1=$((0xfe01))
g1_ip=239.16.0.1
bs1_sock=$TMP/bs1.sock bs2_sock=$TMP/bs2.sock
bs_sock=$bs1_sock	# lib_pkmd.sh's ctl_bs and cleanup
IP_PLUGIN_DIR=${IP_PLUGIN_DIR:-$TOP/build/tools}

ctl_bs1() { ctl "$bs1_sock" "$@"; }
ctl_bs2() { ctl "$bs2_sock" "$@"; }
bs_sock_of() { if (($1 == 0)); then echo "$bs1_sock"; else echo "$bs2_sock"; fi; }

# lib_pkmd.sh stops the daemons on bs.sock and ss*.sock: BS2's too.
stop_daemons() {
	local s pid
	for s in "$bs1_sock" "$bs2_sock" "$TMP"/ss*.sock; do
		[[ -S $s ]] || continue
		pid=$(daemon_pid "$s" 2>/dev/null) || continue
		[[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null
	done
	return 0
}

# tree SOCKET FIELD: a field of group 1's tree at that BS.
tree() { ctl "$1" -j group list | jq -r ".[] | select(.id == 1) | .tree.$2"; }
tree_is() { [[ $(tree "$1" "$2") == "$3" ]]; }
has_eks() { [[ " $(kernel_teks "$1" "$2")" == *" $3 "* ]]; }
all_have_eks() {
	local said=$1 eks=$2 n
	shift 2
	for n in "$@"; do
		has_eks "$n" "$said" "$eks" || return 1
	done
}
ss_status() { ctl_ss "$1" -j status | jq -r ".$2"; }
ss_status_is() { [[ $(ss_status "$1" "$2") == "$3" ]]; }
# sub_field SOCKET CN FIELD: a field of a subscriber at that BS.
sub_field() { ctl "$1" -j subscriber list | jq -r ".[] | select(.cn == \"$2\") | .$3"; }
sub_has_ak() { [[ $(sub_field "$1" "$2" ak_seq) =~ ^[0-9]+$ ]]; }
n_subscribers_is() { [[ $(ctl "$1" -j subscriber list | jq length) == "$2" ]]; }
ss_uc_operational() {
	[[ $(ctl_ss "$1" -j sa list | jq -r '.[] | select(.service == "unicast") | .state') == operational ]]
}
rx_of() { cnt "$1" said "$g1" rx-packets; }
rx_grew() { (($(rx_of "$1") >= $2)); }

# send_group NODE COUNT: COUNT datagrams from that BS to group 1.
send_group() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	nn "$1" bash -c 'for ((i = 0; i < $2; i++)); do echo "d$i" > "/dev/udp/$1/5001"; done' _ "$g1_ip" "$2"
}
# group_reaches BS COUNT NODES...: COUNT frames from BS to group 1 are
# decrypted by each of NODES, and none dropped for want of a key.
group_reaches() {
	local bs=$1 count=$2 n
	local -A rx_before no_key_before
	shift 2
	for n in "$@"; do
		rx_before[$n]=$(rx_of "$n")
		no_key_before[$n]=$(cnt "$n" said "$g1" rx-no-key)
	done
	send_group "$bs" "$count"
	for n in "$@"; do
		wait_for 10 rx_grew "$n" $((rx_before[$n] + count)) || return 1
		assert_eq "$(cnt "$n" said "$g1" rx-no-key)" "${no_key_before[$n]}" "node $n: no group frame without its key"
	done
}

# group_refused BS COUNT NODE: COUNT frames from BS to group 1 reach
# NODE and none decrypts: it holds no key of the group's TEK (its kernel
# may still hold a slot of that EKS, the random second TEK of its last
# Key Reply, or no SA of the group at all once its daemon gave it up).
# Device counters, which count frames of an SA that is gone too.
drops_of() {
	echo $(($(cnt "$1" rx-no-key) + $(cnt "$1" rx-bad-icv) + $(cnt "$1" rx-unknown-sa)))
}
drops_grew() { (($(drops_of "$1") >= $2)); }
group_refused() {
	local rx drops
	rx=$(cnt "$3" rx-packets) drops=$(drops_of "$3")
	send_group "$1" "$2"
	wait_for 10 drops_grew "$3" $((drops + $2)) || return 1
	assert_eq "$(cnt "$3" rx-packets)" "$rx" "node $3: no frame decrypted"
}

# same_key_cert NAME: a certificate for CN NAME with ss1's key (RSA keys
# are slow to make under TCG).
same_key_cert() {
	cp "$TMP/ss1.key" "$TMP/$1.key"
	printf '%s\n' basicConstraints=critical,CA:FALSE \
		keyUsage=critical,digitalSignature,keyEncipherment \
		extendedKeyUsage=clientAuth >"$TMP/leaf.ext"
	openssl req -new -key "$TMP/$1.key" -out "$TMP/$1.csr" -subj "/CN=$1" \
		>/dev/null 2>&1 &&
		openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/ca.pem" \
			-CAkey "$TMP/ca.key" -CAcreateserial -days 30 \
			-extfile "$TMP/leaf.ext" -out "$TMP/$1.pem" >/dev/null 2>&1
}

write_bs() {	# write_bs N ID SOCKET
	cat >"$TMP/bs$1.conf" <<-CONF
		[pkmd]
		role = bs
		interface = wman0
		database = $bs_database
		control = $3

		[bs]
		ca-certificate = $TMP/ca.pem
		certificate = $TMP/bs-1.pem
		private-key = $TMP/bs-1.key
		provider = net-a
		zone = mbs-1
		bs-id = $2

		[group 1]
		cid = $g1
		suite = aes-gcm
		addresses = 01:00:5e:10:00:01
		key-tree = lkh
		tree-degree = 2
		switch-delay = $((5000 * time_factor))

		[broadcast]
	CONF
}

# Two airs: BS2, SS3 and SS4 on br1.
topo_zone() {
	local n m
	topo_air
	{
		echo "link add br1 type bridge stp_state 0 mcast_snooping 0"
		echo "link set br1 addrgenmode none"
		echo "link set br1 up"
		for n in 3 4 5; do
			echo "link set air$n nomaster"
			echo "link set air$n master br1 up"
		done
	} | ip -n "$ns_air" -b -
	for n in 0 5; do
		wm "$n" link add link veth0 name wman0 role bs
	done
	for n in "${sss[@]}"; do
		wm "$n" link add link veth0 name wman0 role ss bsid "${mac[${bs_of[$n]}]}"
	done
	for n in "${nodes[@]}"; do
		{
			echo "link set wman0 addrgenmode none"
			echo "addr add ${ip4[$n]}/24 dev wman0"
			echo "link set wman0 up"
			if ((n == 0 || n == 5)); then
				for m in "${sss[@]}"; do
					echo "neigh replace ${ip4[$m]} lladdr ${mac[$m]} dev wman0 nud permanent"
				done
				echo "route add 224.0.0.0/4 dev wman0"
			fi
		} | ipn "$n" -b -
	done
}

setup() {
	local n
	make_ca ca
	make_cert bs-1 ca ec
	make_cert ss1 ca rsa
	for n in 2 3 4; do
		same_key_cert "ss$n" || make_cert "ss$n" ca rsa
	done
	for n in "${sss[@]}"; do
		write_ss_conf "$n" "ss$n" ca unicast,broadcast 1
	done
	write_bs 1 bs1 "$bs1_sock"
	write_bs 2 bs2 "$bs2_sock"
	topo_zone
}

# ---- steps -------------------------------------------------------------------

# BS2 found group 1's lease held by BS1 when it started, or BS1, starved
# for longer than the lease before BS2 started (a loaded TCG host), had
# lost it, and says so once it runs again.
bs2_found_lease_held() {
	log_has bs2 "SAID 0xfe01: lease held by another BS" && return 0
	log_has bs2 "SAID 0xfe01: lease taken: this BS writes it" &&
		log_has bs1 "SAID 0xfe01: lease (lost to|ran out)"
}

test_authorize() {
	local n
	start_daemon 0 bs1
	start_daemon 5 bs2
	log_has bs1 "zone mbs-1: BS bs1, failover within 5000 ms"
	log_has bs2 "zone mbs-1: BS bs2, failover within 5000 ms"
	# BS1 started first: it took every lease, BS2 follows
	log_has bs1 "SAID 0xfe01: lease taken: this BS writes it"
	wait_for 10 bs2_found_lease_held
	# subscribers and memberships added at either BS
	for n in 1 2; do
		ctl_bs1 subscriber add "ss$n" mac "${mac[$n]}" provider net-a services unicast,multicast,broadcast
		ctl_bs1 group member add 1 "ss$n"
	done
	for n in 3 4; do
		ctl_bs2 subscriber add "ss$n" mac "${mac[$n]}" provider net-a services unicast,multicast,broadcast
		ctl_bs2 group member add 1 "ss$n"
	done
	# a subscriber is one of the zone's: neither BS may add it again
	refused ctl_bs2 subscriber add ss1 mac "${mac[1]}" provider net-a
	wait_for 10 n_subscribers_is "$bs1_sock" 4
	wait_for 10 n_subscribers_is "$bs2_sock" 4
	for n in "${sss[@]}"; do
		start_daemon "$n" "ss$n"
	done
	for n in "${sss[@]}"; do
		wait_for 60 ss_status_is "$n" auth_state authorized
		wait_for 30 ss_uc_operational "$n"
		wait_for 10 sub_has_ak "$(bs_sock_of "${bs_of[$n]}")" "ss$n"
		assert_eq "$(ss_status "$n" bs)" bs-1 "SS$n: authorized by the zone's certificate"
	done
	# each SS's station and AK are at its own BS only
	for n in 1 2; do
		[[ $(sub_field "$bs2_sock" "ss$n" ak_seq) == null ]] || { log "BS2 holds an AK of ss$n"; return 1; }
	done
	for n in 3 4; do
		[[ $(sub_field "$bs1_sock" "ss$n" ak_seq) == null ]] || { log "BS1 holds an AK of ss$n"; return 1; }
	done
}

test_group() {
	local n epoch eks
	local w f
	wait_for 20 one_writer
	w=$(writer) f=$((3 - w))
	wait_for 60 tree_is "$TMP/bs$w.sock" members 4
	wait_for 20 tree_is "$TMP/bs$w.sock" switching false
	epoch=$(tree "$TMP/bs$w.sock" epoch)
	wait_for 20 tree_is "$TMP/bs$f.sock" epoch "$epoch"
	assert_eq "$(tree "$TMP/bs$f.sock" members)" 4 "the follower's copy of the tree: four members"
	log "group 1 written by BS$w, followed by BS$f"
	eks=$((epoch % 4))
	for n in "${sss[@]}"; do
		wait_for 30 sa_state_is "$n" "$g1" operational
	done
	wait_for 20 all_have_eks "$g1" "$eks" 0 5 1 2 3 4
	wait_for 20 poll_kernel_is 0 "$g1" "$eks "
	wait_for 20 poll_kernel_is 5 "$g1" "$eks "
	log "group 1: epoch $epoch, TEK EKS $eks in both BSs and four SSs"
	group_reaches 0 20 1 2
	group_reaches 5 20 3 4
	saved epoch "$epoch"
}
poll_kernel_is() { [[ $(kernel_teks "$1" "$2") == "$3" ]]; }

# The BS writing group 1 now, as 1 or 2: BS1 took every lease, but a
# daemon starved for longer than the lease (a loaded TCG host) hands it
# on, as it must; the steps below follow whichever BS writes.
writer() {
	local b
	for b in 1 2; do
		[[ $(tree "$TMP/bs$b.sock" zone_writer) == true ]] && { echo "$b"; return 0; }
	done
	return 1
}
one_writer() { writer >/dev/null; }
bs_node() { if (($1 == 1)); then echo 0; else echo 5; fi; }
# rekeys_logged N: the lines of both BSs that say they computed rekey N.
rekeys_logged() { echo $(($(log_count bs1 "group 1: rekey $1 \\(") + $(log_count bs2 "group 1: rekey $1 \\("))); }

test_leave() {
	local epoch next eks n w f
	epoch=$(saved epoch)
	next=$((epoch + 1)) eks=$(((epoch + 1) % 4))
	wait_for 20 one_writer
	w=$(writer) f=$((3 - w))
	log "BS$w writes group 1; ss4 is revoked at BS$f, the follower"
	pp ctl "$TMP/bs$f.sock" subscriber revoke ss4
	wait_for 20 tree_is "$bs1_sock" epoch "$next"
	wait_for 20 tree_is "$bs2_sock" epoch "$next"
	# computed once, by the writer; the other BS sent the writer's rekey
	assert_eq "$(rekeys_logged "$next")" 1 "rekey $next computed once in the zone"
	wait_for 10 log_has "bs$f" "group 1: rekey $next of the zone's writer \\(3 members\\)"
	wait_for 20 all_have_eks "$g1" "$eks" 1 2 3
	# the switch: both BSs send with the new TEK, nothing else
	wait_for 20 tree_is "$bs1_sock" switching false
	wait_for 20 tree_is "$bs2_sock" switching false
	wait_for 20 poll_kernel_is 0 "$g1" "$eks "
	wait_for 20 poll_kernel_is 5 "$g1" "$eks "
	group_reaches 0 20 1 2
	group_reaches 5 20 3
	group_refused 5 20 4
	saved epoch "$next"
}

test_move() {
	local epoch said_before said_after n
	epoch=$(saved epoch)
	said_before=$(ctl_ss 2 -j sa list | jq -r '.[] | select(.service == "unicast") | .said')
	pp na ip link set air2 nomaster
	pp na ip link set air2 master br1
	pp env IP_LIB_DIR="$IP_PLUGIN_DIR" ip -n "${ns[2]}" link set wman0 type wman bsid "${mac[5]}"
	pp ctl_ss 2 handover
	wait_for 60 ss_status_is 2 auth_state authorized
	wait_for 30 ss_uc_operational 2
	wait_for 10 sub_has_ak "$bs2_sock" ss2
	said_after=$(ctl_ss 2 -j sa list | jq -r '.[] | select(.service == "unicast") | .said')
	log "SS2's unicast SA: 0x$(printf %04x "$said_before") at BS1, 0x$(printf %04x "$said_after") at BS2"
	log_has ss2 "handover: BS ${mac[0]} -> BS ${mac[5]}"
	# unicast keys of BS2 in both kernels
	[[ $(kernel_sas 5) == *"$said_after"* ]] || { log "BS2's kernel lacks SA $said_after"; return 1; }
	# the group keeps its keys: no rekey, and BS2's frames decrypt
	assert_eq "$(tree "$bs2_sock" epoch)" "$epoch" "no group rekey for the move"
	group_reaches 5 20 2 3
	assert_eq "$(tree "$bs2_sock" epoch)" "$epoch" "still none after traffic"
	assert_eq "$(rekeys_logged $((epoch + 1)))" 0 "no rekey computed since"
	sa_state_is 2 "$g1" operational
}


# rekeyed_at N FROM1 FROM2: the BS (1 or 2) whose log has computed rekey
# N after line FROM1 of BS1's log or FROM2 of BS2's.
rekeyed_at() {
	local b from
	for b in 1 2; do
		from=${*:b + 1:1}
		log_since "bs$b" "$from" "group 1: rekey $1 \\(" && { echo "$b"; return 0; }
	done
	return 1
}
rekey_seen() { rekeyed_at "$@" >/dev/null; }

# writes B: BS B holds group 1's lease.
writes() { [[ $(tree "$TMP/bs$1.sock" zone_writer) == true ]]; }

# log_end NAME: the number of lines of the daemon's log (a FROM for
# log_since and log_time_since).
log_end() {
	local -a lines
	mapfile -t lines <"$TMP/$1.log"
	echo "${#lines[@]}"
}
# log_time_since NAME FROM REGEX: the time of the first line after line
# FROM that matches REGEX, from the daemon's timestamp (HH:MM:SS.mmm,
# local time), in ms since midnight.
log_time_since() {
	local -a lines
	local i
	mapfile -t lines <"$TMP/$1.log"
	for ((i = $2; i < ${#lines[@]}; i++)); do
		[[ ${lines[i]} =~ $3 ]] || continue
		[[ ${lines[i]} =~ ^([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3}) ]] || return 1
		echo $(((10#${BASH_REMATCH[1]} * 3600 + 10#${BASH_REMATCH[2]} * 60 +
			10#${BASH_REMATCH[3]}) * 1000 + 10#${BASH_REMATCH[4]}))
		return 0
	done
	return 1
}
# ms_of_day: now, as log_time_since gives a log line's time.
ms_of_day() {
	local us=${EPOCHREALTIME/./} hms h m s
	printf -v hms '%(%H %M %S)T' $((us / 1000000))
	read -r h m s <<<"$hms"
	echo $(((10#$h * 3600 + 10#$m * 60 + 10#$s) * 1000 + us / 1000 % 1000))
}

test_failover() {
	local epoch next eks pid t0 t1 t0_us t1_us w f fnode fmember wmember from_w from_f
	local -a pids froms
	epoch=$(saved epoch)
	next=$((epoch + 1)) eks=$(((epoch + 1) % 4))
	wait_for 20 one_writer
	w=$(writer)
	pids=(0 "$(daemon_pid "$bs1_sock")" "$(daemon_pid "$bs2_sock")")
	froms=(0 "$(log_end bs1)" "$(log_end bs2)")
	pp ctl "$TMP/bs$((3 - w)).sock" subscriber revoke ss3
	# in the middle of the switch (5 s): the rekey is committed and sent.
	# Read from the writer's log, which costs no process start: a pkmctl
	# poll takes a second under TCG on a loaded host.  The writer is the
	# BS that logs the rekey: the lease may have passed on meanwhile.
	wait_for 20 rekey_seen "$next" "${froms[@]:1}"
	w=$(rekeyed_at "$next" "${froms[@]:1}") f=$((3 - w)) fnode=$(bs_node "$f")
	pid=${pids[w]} from_w=${froms[w]}
	# the member left on each air: SS1 on BS1's, SS2 on BS2's
	if ((f == 2)); then fmember=2 wmember=ss1; else fmember=1 wmember=ss2; fi
	! log_since "bs$w" "$from_w" "group 1: sending with TEK EKS $eks;" ||
		{ log "the switch ended before the kill"; return 1; }
	from_f=$(log_end "bs$f")
	t0=$(ms_of_day) t0_us=${EPOCHREALTIME/./}
	kill -9 "$pid"
	log "kill -9 $pid (BS$w)"
	wait_for 10 gone "$pid"
	wait_for 20 writes "$f"
	t1_us=${EPOCHREALTIME/./}
	# the failover's time is the new writer's, from its log: the time of
	# the line saying it took the lease, not when a poll saw it
	if ! t1=$(log_time_since "bs$f" "$from_f" "SAID 0xfe01: lease taken; this BS writes the SA"); then
		# BS$w, starved for longer than the lease, had lost it already
		log_has "bs$f" "SAID 0xfe01: lease taken; this BS writes the SA" ||
			{ log "BS$f writes group 1, but its log does not say it took the lease"; return 1; }
		t1=$t0
	fi
	((t1 >= t0 - 43200000)) || t1=$((t1 + 86400000))	# past midnight
	log "BS$f took group 1's lease $((t1 - t0)) ms after BS$w was killed (bound $failover_ms ms; seen by a poll after $(((t1_us - t0_us) / 1000)) ms)"
	((t1 - t0 <= failover_ms * time_factor)) || { log "over the bound"; return 1; }
	wait_for 10 log_has "bs$f" "group 1: resuming rekey $next"
	# the switch ends, the new writer sends with the new TEK; its air's
	# member holds it, SS3 does not
	wait_for 20 tree_is "$TMP/bs$f.sock" switching false
	wait_for 20 poll_kernel_is "$fnode" "$g1" "$eks "
	has_eks "$fmember" "$g1" "$eks"
	group_reaches "$fnode" 20 "$fmember"
	# SS3 is on BS2's air
	if ((f == 2)); then
		group_refused "$fnode" 20 3
	fi
	# and a later change is the new writer's to rekey
	pp ctl "$TMP/bs$f.sock" group member del 1 "$wmember"
	wait_for 20 tree_is "$TMP/bs$f.sock" epoch $((next + 1))
	log_has "bs$f" "group 1: rekey $((next + 1)) \\("
}

# The database goes down under the BS left writing (the other was killed
# above): it keeps its kernel's keys, so the group's traffic still
# decrypts; it says once that the database is unreachable and refuses an
# operator's change that needs it; once the server is back it connects
# again, writes the group again and takes the change.
test_database_down() {
	local w wnode member from
	wait_for 20 one_writer
	w=$(writer) wnode=$(bs_node "$w")
	# the member on the writer's air (SS1 on BS1's, SS2 on BS2's)
	if ((w == 2)); then member=2; else member=1; fi
	from=$(log_end "bs$w")
	pp "$TOP/tools/pg-test-server" down "$PKMD_TEST_POSTGRESQL"
	wait_for 20 log_since "bs$w" "$from" "database .*: (cannot connect again|unreachable; what needs it is refused)"
	group_reaches "$wnode" 20 "$member"
	refused ctl "$TMP/bs$w.sock" subscriber add ss9 mac 02:16:00:00:00:99 provider net-a
	log "refused: $(cat "$TMP/refused")"
	daemon_pid "$TMP/bs$w.sock" >/dev/null
	group_reaches "$wnode" 20 "$member"

	pp "$TOP/tools/pg-test-server" up "$PKMD_TEST_POSTGRESQL"
	wait_for 30 log_since "bs$w" "$from" "database .*: connected again"
	wait_for 30 writes "$w"
	pp ctl "$TMP/bs$w.sock" subscriber add ss9 mac 02:16:00:00:00:99 provider net-a
	group_reaches "$wnode" 20 "$member"
}

# Both airs' encrypted PDUs in one audit: a (key, nonce) twice across
# the BSs would show here, not in either capture alone.
zone_audit_start() {
	bg ip netns exec "$ns_air" tcpdump -i br1 -n -Z root -U -B 65536 \
		-s "$audit_snaplen" -w "$TMP/audit-br1.pcap" "$audit_filter" \
		2>"$TMP/audit-br1.tcpdump"
	zone_audit_pid=$bg_pid
	wait_for 60 grep -q "listening on" "$TMP/audit-br1.tcpdump"
}
zone_audit_check() {
	audit_check || return
	kill -INT "$zone_audit_pid" 2>/dev/null || true
	wait "$zone_audit_pid" 2>/dev/null || true
	"$NONCE_AUDIT" --strict-pn --max-unattributed 0 -k "$audit_keys" \
		"$audit_pcap" "$TMP/audit-br1.pcap" >"$TMP/audit-zone.out" 2>&1
	local rc=$?
	log "both airs: $(head -n 5 "$TMP/audit-zone.out" | tr '\n' ' ')"
	return "$rc"
}

run_test "setup: certificates, two airs, the PostgreSQL server" setup
audit_start
zone_audit_start
step "authorize: each SS at the BS of its air, from the zone's subscribers" test_authorize
step "group: one tree across the zone, traffic from both BSs decrypted" test_group
step "leave: revoked at the follower, rekeyed once by the writer, sent by both" test_leave
step "move: SS2 to BS2's air, unicast keys there, group keys kept, no rekey" test_move
step "failover: the writer killed mid-switch, the other BS writes within 5 s and resumes the rekey" test_failover
step "database down: keys kept, traffic decrypted, changes refused with a log line; back: connected again, writing" test_database_down
run_test "nonce audit: both airs together, no (key, nonce) pair twice" zone_audit_check

for cmd in "ctl_bs2 group list" "ctl_ss 2 sa list"; do
	log "---- pkmctl: $cmd"
	$cmd 2>&1 | sed 's/^/# /' || true
done
dump_logs 25
ktap_finished
