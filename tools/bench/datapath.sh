#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data-path benchmark, the guest half of tools/bench.sh: plain veth, MACsec
# GCM-AES-128, IPsec ESP rfc4309(ccm(aes)) and rfc4106(gcm(aes)), WireGuard
# and wman with each suite, side by side on one kernel, then TEK rollovers
# under load over wman.  Runs as
# root on a kernel that has wman.ko loaded (or without it: the wman rows
# then say why they are not available).  Writes JSON; tools/bench/report.sh
# prints it as a table.
#
# Topology: two namespaces, one veth pair per contender, so that every
# contender has its own lower device and all can be measured round-robin.
#
#   netns bs                                        netns ss
#   vplain  10.9.1.1 ------------------------------ vplain  10.9.1.2
#   vmacsec -- macsec0 10.9.2.1 ------ macsec0 10.9.2.2 -- vmacsec
#   vesp    10.9.3.1 (xfrm ESP transport) --------- vesp    10.9.3.2
#   vccm    -- wccm 10.9.4.1 (bs) ---- (ss) wccm 10.9.4.2 -- vccm
#   vgcm    -- wgcm 10.9.5.1 (bs) ---- (ss) wgcm 10.9.5.2 -- vgcm
#   vwg 10.9.6.x -- wg0 10.9.7.1 ------ wg0 10.9.7.2 -- vwg 10.9.6.x (UDP)
#   vespg   10.9.8.1 (xfrm ESP transport, GCM) ---- vespg   10.9.8.2
#
# Traffic flows from bs to ss (downlink); the TCP ACKs and, in the rollover
# test, a second UDP flow go uplink.  The downlink sender is pinned to CPU 0
# and its receiver to CPU 1 (the uplink flow the other way round).
set -euo pipefail
shopt -s inherit_errexit

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
readonly repo_root

usage() {
	cat <<'EOF'
usage: tools/bench/datapath.sh [--out FILE] [--runs N] [--seconds S]
                               [--rollovers N] [--rollover-load F]
                               [--udpflood PATH] [--tekroll PATH] [--wman PATH]
                               [--contenders LIST] [--clock MODE]
                               [--profile DIR]

  --out FILE          JSON results (default build/bench/datapath.json)
  --runs N            rounds of each measurement, medians reported (default 5)
  --seconds S         length of one TCP or UDP run (default 2)
  --rollovers N       TEK switchovers per wman suite under load (default 100)
  --rollover-load F   rollover flow rate per direction, as a fraction of the
                      suite's measured 64-byte packet rate (default 0.5)
  --udpflood PATH     the UDP sender/receiver (default build/bench/udpflood)
  --tekroll PATH      the TEK switchover driver (default build/bench/tekroll)
  --wman PATH         the wman tool (default build/tools/wman)
  --contenders LIST   comma-separated subset of veth,macsec-gcm,esp-ccm,
                      esp-gcm,wireguard,wman-ccm,wman-gcm (default all)
  --clock MODE        how the VM keeps time, recorded with the results:
                      icount (tools/vm-run --icount: figures count guest
                      instructions), wallclock (TCG) or host (default
                      unknown)
  --profile DIR       also profile each contender's TCP flow and UDP flow
                      once each runs.  In wall-clock time: perf record -a,
                      perf report by symbol (idle left out) into
                      DIR/CONTENDER-{tcp,udp}.txt and by caller into
                      DIR/CONTENDER-{tcp,udp}-callers.txt.  With --clock
                      icount: marks for tools/bench/insnprof's QEMU plugin
                      (which tools/bench.sh --profile loads) around S
                      seconds of each flow, the marks' order in
                      DIR/intervals and the guest's symbols in
                      DIR/kallsyms; tools/bench.sh sums them by function
EOF
}

out=$repo_root/build/bench/datapath.json
runs=5
seconds=2
rollovers=100
rollover_load=0.5
udpflood=$repo_root/build/bench/udpflood
insnmark=$repo_root/build/bench/insnmark
tekroll=$repo_root/build/bench/tekroll
wman_tool=$repo_root/build/tools/wman
clock=unknown
# How many of the guest's seconds a program may take to start or a flow
# to get going (set by parse_args).
patience=20
profile_dir=
readonly profile_hz=1000
# Marks set so far for tools/bench/insnprof (each ends an interval).
marks=0

contenders=(veth macsec-gcm esp-ccm esp-gcm wireguard wman-ccm wman-gcm)
readonly iperf_port=5201
readonly udp_port=6001
readonly said=0x2001 cid=0x2001
declare -A lower=([veth]=vplain [macsec-gcm]=vmacsec [esp-ccm]=vesp
	[esp-gcm]=vespg [wireguard]=vwg [wman-ccm]=vccm [wman-gcm]=vgcm)
declare -A upper=([veth]=vplain [macsec-gcm]=macsec0 [esp-ccm]=vesp
	[esp-gcm]=vespg [wireguard]=wg0 [wman-ccm]=wccm [wman-gcm]=wgcm)
# The measured addresses; WireGuard's lower veth carries 10.9.6.x.
declare -A subnet=([veth]=10.9.1 [macsec-gcm]=10.9.2 [esp-ccm]=10.9.3
	[esp-gcm]=10.9.8 [wireguard]=10.9.7 [wman-ccm]=10.9.4 [wman-gcm]=10.9.5)
declare -A index=([veth]=1 [macsec-gcm]=2 [esp-ccm]=3 [wman-ccm]=4 [wman-gcm]=5
	[wireguard]=6 [esp-gcm]=8)
declare -A host_byte=([bs]=1 [ss]=2) peer_of=([bs]=ss [ss]=bs)
declare -A suite=([veth]=none [macsec-gcm]="GCM-AES-128 ICV 16"
	[esp-ccm]="rfc4309(ccm(aes)) ICV 8 transport"
	[esp-gcm]="rfc4106(gcm(aes)) ICV 16 transport"
	[wireguard]="ChaCha20-Poly1305 over UDP"
	[wman-ccm]="aes-ccm ICV 8" [wman-gcm]="aes-gcm ICV 16")
# Why a contender could not be measured; empty when it can.
declare -A unavailable=()

work=
pids=()
round=0

log() {
	printf 'datapath: [%4ds] %s\n' "$SECONDS" "$*" >&2
}

die() {
	log "$*"
	exit 1
}

parse_args() {
	local c
	while (($#)); do
		[[ $1 == -h || $1 == --help ]] && { usage; exit 0; }
		(($# >= 2)) || { usage >&2; exit 2; }
		case $1 in
		--out) out=$2 ;;
		--runs) runs=$2 ;;
		--seconds) seconds=$2 ;;
		--rollovers) rollovers=$2 ;;
		--rollover-load) rollover_load=$2 ;;
		--udpflood) udpflood=$2 ;;
		--tekroll) tekroll=$2 ;;
		--wman) wman_tool=$2 ;;
		--contenders) IFS=, read -r -a contenders <<<"$2" ;;
		--clock) clock=$2 ;;
		--profile) profile_dir=$2 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift 2
	done
	for c in "${contenders[@]}"; do
		[[ -n ${lower[$c]:-} ]] || die "unknown contender '$c'"
	done
	[[ $runs =~ ^[1-9][0-9]*$ && $seconds =~ ^[1-9][0-9]*$ &&
		$rollovers =~ ^[0-9]+$ ]] || die "runs, seconds and rollovers are whole numbers"
	# In instruction-counted time with sleep=off the guest's clock jumps
	# from timer to timer whenever both vCPUs wait, for instance on a read
	# from the host's file system: a program start that takes the host a
	# second can take the guest tens of seconds.  A long wait costs little
	# host time there, so give the guest plenty.
	[[ $clock != icount ]] || patience=300
}

in_bs() { ip netns exec bs "$@"; }
in_ss() { ip netns exec ss "$@"; }

# wait_until TIMEOUT_S DESCRIPTION COMMAND...: poll COMMAND until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		((SECONDS < deadline)) || die "timed out waiting for $what"
		sleep 0.05
	done
}

# N random bytes in hex, from the kernel's CSPRNG through $SRANDOM.
random_hex() {
	local hex="" i
	for ((i = 0; i < $1; i++)); do
		printf -v hex '%s%02x' "$hex" $((SRANDOM & 255))
	done
	echo "$hex"
}

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	if [[ -n $work && -f $work/iperf3.pid ]]; then
		kill "$(cat "$work/iperf3.pid")" 2>/dev/null || true
	fi
	ip netns del bs 2>/dev/null || true
	ip netns del ss 2>/dev/null || true
	[[ -z $work ]] || rm -rf "$work"
}

# A host's udev loads the accelerated AES and GHASH drivers from the CPU's
# modalias at boot; the VM has no udev, so load them as a host would have.
load_crypto_drivers() {
	local flags
	flags=$(grep -m1 '^flags' /proc/cpuinfo)
	if grep -qw aes <<<"$flags"; then
		modprobe -q aesni_intel || true
	fi
	if grep -qw pclmulqdq <<<"$flags"; then
		modprobe -q ghash_clmulni_intel || true
	fi
	# The templates too, before any contender needs one: a lookup waits
	# 60 s of guest time for the module the kernel asks for, and in
	# instruction-counted time a load from the 9p root on a busy host can
	# take longer (esp-ccm once found no rfc4309(ccm(aes)) that way).
	modprobe -q -a ccm gcm 2>/dev/null || true
}

create_namespaces() {
	local ns
	for ns in bs ss; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns"
		# No IPv6: no router solicitations or DAD traffic in the counts.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
}

# run_batch CONTENDER [NS]: the ip commands on stdin, in one process (in
# namespace NS).  A failure marks the contender unavailable with ip's words.
run_batch() {
	local c=$1 where=${2:-root} ns_args=()
	[[ -z ${2:-} ]] || ns_args=(-n "$2")
	if ! ip "${ns_args[@]}" -batch - 2>"$work/error"; then
		unavailable[$c]="ip -batch in $where: $(tr '\n' ' ' <"$work/error" | head -c 300)"
		return 1
	fi
}

# The lower veth pair of CONTENDER, bs end MAC_BS and ss end MAC_SS (fixed
# addresses: no step has to read one back).
create_lower() {
	local c=$1 dev=${lower[$1]}
	run_batch "$c" <<-EOF
		link add $dev netns bs address $(mac "$c" bs) type veth peer name $dev netns ss address $(mac "$c" ss)
	EOF
}

mac() {
	printf '02:00:00:00:%02x:%02x' "${index[$1]}" "${host_byte[$2]}"
}

# The ip commands that address CONTENDER's upper device in NS (.1 on bs,
# .2 on ss) with a permanent neighbour entry: nothing but the measured
# traffic crosses.
address_lines() {
	local c=$1 ns=$2 peer=${peer_of[$2]} dev=${upper[$1]} net=${subnet[$1]}
	cat <<-EOF
		addr add $net.${host_byte[$ns]}/24 dev $dev
		link set $dev up
		neigh replace $net.${host_byte[$peer]} lladdr $(mac "$c" "$peer") dev $dev nud permanent
	EOF
}

setup_veth() {
	local c=veth ns
	create_lower "$c" || return 0
	for ns in bs ss; do
		run_batch "$c" "$ns" < <(address_lines "$c" "$ns") || return 0
	done
}

setup_macsec() {
	local c=macsec-gcm dev=${lower[macsec-gcm]} ns peer
	local -A key=([bs]=$(random_hex 16) [ss]=$(random_hex 16))
	local -A key_id=([bs]=01 [ss]=02)
	create_lower "$c" || return 0
	for ns in bs ss; do
		peer=${peer_of[$ns]}
		run_batch "$c" "$ns" < <(
			cat <<-EOF
				link set $dev up
				link add link $dev macsec0 type macsec encrypt on
				macsec add macsec0 tx sa 0 pn 1 on key ${key_id[$ns]} ${key[$ns]}
				macsec add macsec0 rx port 1 address $(mac "$c" "$peer")
				macsec add macsec0 rx port 1 address $(mac "$c" "$peer") sa 0 pn 1 on key ${key_id[$peer]} ${key[$peer]}
			EOF
			address_lines "$c" "$ns"
		) || return 0
	done
}

# setup_esp CONTENDER ALGORITHM KEY_BYTES ICV_BITS: ESP transport mode
# between the two addresses, one SA per direction.  The key is the AES key
# and the salt: 16 + 3 bytes for rfc4309(ccm(aes)) (ICV 64 bits, like
# wman's aes-ccm), 16 + 4 for rfc4106(gcm(aes)) (ICV 128, like aes-gcm).
setup_esp() {
	local c=$1 algo=$2 key_bytes=$3 icv=$4 dev=${lower[$1]} net=${subnet[$1]} ns
	local key_down key_up spi=$((0x1000 + 16 * index[$1]))
	key_down=0x$(random_hex "$key_bytes")
	key_up=0x$(random_hex "$key_bytes")
	create_lower "$c" || return 0
	for ns in bs ss; do
		run_batch "$c" "$ns" < <(
			echo "link set $dev up"
			address_lines "$c" "$ns"
			cat <<-EOF
				xfrm state add src $net.1 dst $net.2 proto esp spi $((spi + 1)) reqid 1 mode transport aead $algo $key_down $icv
				xfrm state add src $net.2 dst $net.1 proto esp spi $((spi + 2)) reqid 2 mode transport aead $algo $key_up $icv
			EOF
			if [[ $ns == bs ]]; then
				cat <<-EOF
					xfrm policy add src $net.1 dst $net.2 dir out tmpl src $net.1 dst $net.2 proto esp reqid 1 mode transport
					xfrm policy add src $net.2 dst $net.1 dir in tmpl src $net.2 dst $net.1 proto esp reqid 2 mode transport
				EOF
			else
				cat <<-EOF
					xfrm policy add src $net.2 dst $net.1 dir out tmpl src $net.2 dst $net.1 proto esp reqid 2 mode transport
					xfrm policy add src $net.1 dst $net.2 dir in tmpl src $net.1 dst $net.2 proto esp reqid 1 mode transport
				EOF
			fi
		) || return 0
	done
}

# WireGuard over its own veth pair (10.9.6.1 and .2, UDP port 51820), the
# measured addresses on wg0.  Keys from the wg tool; no neighbour entries
# on wg0, which has no link layer.
setup_wireguard() {
	local c=wireguard dev=${lower[wireguard]} net=${subnet[wireguard]} ns peer
	local -A private public
	if ! command -v wg >/dev/null; then
		unavailable[$c]="no wg tool (wireguard-tools; tools/install-deps.sh installs it)"
		return 0
	fi
	for ns in bs ss; do
		private[$ns]=$(wg genkey)
		public[$ns]=$(wg pubkey <<<"${private[$ns]}")
		printf '%s\n' "${private[$ns]}" >"$work/wg-$ns.key"
	done
	create_lower "$c" || return 0
	for ns in bs ss; do
		peer=${peer_of[$ns]}
		run_batch "$c" "$ns" < <(
			cat <<-EOF
				addr add 10.9.6.${host_byte[$ns]}/24 dev $dev
				link set $dev up
				neigh replace 10.9.6.${host_byte[$peer]} lladdr $(mac "$c" "$peer") dev $dev nud permanent
				link add wg0 type wireguard
				addr add $net.${host_byte[$ns]}/24 dev wg0
			EOF
		) || return 0
		if ! ip netns exec "$ns" wg set wg0 listen-port 51820 \
			private-key "$work/wg-$ns.key" peer "${public[$peer]}" \
			allowed-ips "$net.${host_byte[$peer]}/32" \
			endpoint "10.9.6.${host_byte[$peer]}:51820" 2>"$work/error"; then
			unavailable[$c]="wg set in $ns: $(tr '\n' ' ' <"$work/error" | head -c 300)"
			return 0
		fi
		run_batch "$c" "$ns" <<<"link set wg0 up" || return 0
	done
}

# Why wman cannot be measured here, or nothing.
wman_missing_reason() {
	if [[ ! -x $wman_tool ]]; then
		echo "the wman tool is not built ($wman_tool)"
	elif [[ ! -x $tekroll ]]; then
		echo "tekroll is not built ($tekroll)"
	elif [[ ! -d /sys/module/wman ]]; then
		echo "the wman module is not loaded"
	fi
}

# wman_step CONTENDER WMAN_ARGS...: one setup command; when it fails the
# contender is marked unavailable with the tool's message.
wman_step() {
	local c=$1
	shift
	if ! "$wman_tool" "$@" 2>"$work/error"; then
		unavailable[$c]="wman $* failed: $(head -c 300 "$work/error")"
		return 1
	fi
}

# setup_wman CONTENDER SUITE: BS on the bs side, SS on the ss side, one
# unicast connection with one SA and the TEK of EKS 0.
setup_wman() {
	local c=$1 suite_name=$2 dev=${lower[$1]} up=${upper[$1]}
	local key ns
	key=$(random_hex 16)
	create_lower "$c" || return 0
	wman_step "$c" -n bs link add link "$dev" name "$up" role bs || return 0
	wman_step "$c" -n ss link add link "$dev" name "$up" role ss \
		bsid "$(mac "$c" bs)" || return 0
	for ns in bs ss; do
		wman_step "$c" -n "$ns" sa add dev "$up" said "$said" \
			suite "$suite_name" service unicast || return 0
		wman_step "$c" -n "$ns" tek add dev "$up" said "$said" eks 0 \
			key "$key" || return 0
	done
	wman_step "$c" -n bs conn add dev "$up" cid "$cid" kind unicast sa "$said" \
		peer "$(mac "$c" ss)" || return 0
	wman_step "$c" -n ss conn add dev "$up" cid "$cid" kind unicast sa "$said" ||
		return 0
	for ns in bs ss; do
		run_batch "$c" "$ns" < <(
			echo "link set $dev up"
			address_lines "$c" "$ns"
		) || return 0
	done
}

setup_contender() {
	local c=$1 reason
	case $c in
	veth) setup_veth ;;
	macsec-gcm) setup_macsec ;;
	esp-ccm) setup_esp "$c" 'rfc4309(ccm(aes))' 19 64 ;;
	esp-gcm) setup_esp "$c" 'rfc4106(gcm(aes))' 20 128 ;;
	wireguard) setup_wireguard ;;
	wman-ccm | wman-gcm)
		reason=$(wman_missing_reason)
		if [[ -n $reason ]]; then
			unavailable[$c]=$reason
			return
		fi
		setup_wman "$c" "aes-${c#wman-}"
		;;
	esac
	[[ -n ${unavailable[$c]:-} ]] ||
		log "$c: ${subnet[$c]}.1 (${upper[$c]} in bs) -> ${subnet[$c]}.2 (${upper[$c]} in ss)"
}

# A contender that was set up must carry traffic before it is measured.
check_reachable() {
	local c=$1
	if ! in_bs ping -c 1 -W 5 "${subnet[$c]}.2" >/dev/null; then
		unavailable[$c]="set up, but ping from bs to ss failed"
		log "$c: ${unavailable[$c]}"
	fi
}

port_listening() {
	local proto=$1 port=$2
	[[ -n $(in_ss ss -H "-l${proto}n" "sport = :$port") ]]
}

start_iperf_server() {
	in_ss iperf3 -s -p "$iperf_port" -A 1 -D --pidfile "$work/iperf3.pid"
	wait_until "$patience" "the iperf3 server" port_listening t "$iperf_port"
}

# Results, one JSON object a line, all turned into the output by one jq
# program at the end (each process costs a lot under TCG):
#   results.jsonl   {c, kind: "tcp", bps} and {c, kind: "udp", send, recv}
#   meta.jsonl      {c, suite, device, mtu} or {c, suite, reason}
#   rollover.jsonl  {c, ...} per wman suite

# tcp_run CONTENDER: one iperf3 run; the received bits per second, or null.
tcp_run() {
	local c=$1 result bps=null
	# sum_received holds no nested object: its first bits_per_second is ours.
	if result=$(in_bs timeout $((seconds + patience + 10)) iperf3 -c "${subnet[$c]}.2" \
		-p "$iperf_port" -t "$seconds" -A 0 -J 2>/dev/null) &&
		[[ $result =~ \"sum_received\":[^}]*\"bits_per_second\":[[:space:]]*([0-9.e+]+) ]]; then
		bps=${BASH_REMATCH[1]}
	fi
	printf '{"c":"%s","kind":"tcp","bps":%s}\n' "$c" "$bps" >>"$work/results.jsonl"
	log "round $round/$runs $c tcp: $bps bit/s"
}

# udp_run CONTENDER: one udpflood run of 64-byte datagrams from bs to ss.
udp_run() {
	local c=$1 dst=${subnet[$1]}.2 receiver sent received
	rm -f "$work/ready"
	"$udpflood" recv "$dst" "$udp_port" -n ss -c 1 -R "$work/ready" \
		-t $((seconds + patience + 10)) >"$work/recv.json" &
	receiver=$!
	wait_until "$patience" "the UDP receiver" test -e "$work/ready"
	"$udpflood" send "$dst" "$udp_port" -n bs -c 0 -s 64 -t "$seconds" \
		>"$work/send.json"
	kill -INT "$receiver"
	wait "$receiver"
	sent=$(<"$work/send.json")
	received=$(<"$work/recv.json")
	printf '{"c":"%s","kind":"udp","send":%s,"recv":%s}\n' \
		"$c" "$sent" "$received" >>"$work/results.jsonl"
	[[ $received =~ \"pps\":([0-9.]+) ]]
	log "round $round/$runs $c udp: ${BASH_REMATCH[1]} pps"
}

# One short untimed run per contender: the first connection pays for
# module loads and cold caches, which a median of few runs would show.
warm_up() {
	local c
	for c in "${contenders[@]}"; do
		[[ -z ${unavailable[$c]:-} ]] || continue
		in_bs timeout $((patience + 10)) iperf3 -c "${subnet[$c]}.2" -p "$iperf_port" -t 1 \
			-A 0 >/dev/null 2>&1 || true
	done
	log "warmed up"
}

measure_round() {
	local c
	for c in "${contenders[@]}"; do
		[[ -z ${unavailable[$c]:-} ]] || continue
		tcp_run "$c"
	done
	for c in "${contenders[@]}"; do
		[[ -z ${unavailable[$c]:-} ]] || continue
		udp_run "$c"
	done
}

# profile CONTENDER: a system-wide cpu-clock profile of each flow (TCP, UDP)
# taken once it is running.  Under TCG the samples weigh host time, in
# which emulated AES-NI and PCLMULQDQ instructions are dear: compare the
# contenders' other functions.  The report leaves the idle loop out and
# gives each symbol's share of the busy samples.
profile() {
	local c=$1 dev=${upper[$1]} kind data rx0 load=()
	for kind in tcp udp; do
		data=$work/perf-$c-$kind.data
		load=()
		if [[ $kind == tcp ]]; then
			# not through in_bs: a shell function in the background is a
			# subshell, which ignores the SIGINT that ends the flow
			ip netns exec bs timeout $((4 * seconds + 2 * patience)) iperf3 -c "${subnet[$c]}.2" \
				-p "$iperf_port" -t $((4 * seconds + patience)) -A 0 >/dev/null 2>&1 &
			load+=($!)
		else
			rm -f "$work/ready"
			"$udpflood" recv "${subnet[$c]}.2" "$udp_port" -n ss -c 1 -R "$work/ready" \
				>/dev/null &
			load+=($!)
			wait_until "$patience" "the UDP receiver" test -e "$work/ready"
			"$udpflood" send "${subnet[$c]}.2" "$udp_port" -n bs -c 0 -s 64 \
				-t $((4 * seconds + patience)) >/dev/null &
			load+=($!)
		fi
		pids+=("${load[@]}")
		rx0=$(in_ss cat "/sys/class/net/$dev/statistics/rx_packets")
		wait_until "$patience" "the $kind flow" rx_packets_above ss "$dev" $((rx0 + 1000))
		if [[ $clock == icount ]]; then
			count_interval "$c" "$kind"
			kill -INT "${load[@]}" 2>/dev/null || true
			wait "${load[@]}" 2>/dev/null || true
			continue
		fi
		timeout -s INT $((patience + 10 * seconds)) perf record -a -N -e cpu-clock -F "$profile_hz" -o "$data" -- sleep "$seconds" \
			>"$work/perf.log" 2>&1 || die "perf record failed ($c $kind): $(<"$work/perf.log")"
		kill -INT "${load[@]}" 2>/dev/null || true
		wait "${load[@]}" 2>/dev/null || true
		perf report -q -i "$data" --stdio --no-children -g none --sort sym -n \
			--percent-limit 0 2>/dev/null | profile_busy >"$profile_dir/$c-$kind.txt"
		perf report -q -i "$data" --stdio --no-children -G --sort sym \
			--percent-limit 1 >"$profile_dir/$c-$kind-callers.txt" 2>/dev/null || true
		log "$c $kind profile: $(head -n 3 "$profile_dir/$c-$kind.txt" | tr -s ' \n' ' ')"
	done
}

# count_interval CONTENDER KIND: mark the start and the end of SECONDS of
# the running flow for the instruction counter, and record the interval's
# number with what the SS's upper device received in it.
count_interval() {
	local c=$1 kind=$2 dev=${upper[$1]} packets0 bytes0 packets1 bytes1
	packets0=$(in_ss cat "/sys/class/net/$dev/statistics/rx_packets")
	bytes0=$(in_ss cat "/sys/class/net/$dev/statistics/rx_bytes")
	"$insnmark"
	sleep "$seconds"
	"$insnmark"
	marks=$((marks + 2))
	packets1=$(in_ss cat "/sys/class/net/$dev/statistics/rx_packets")
	bytes1=$(in_ss cat "/sys/class/net/$dev/statistics/rx_bytes")
	echo "$marks $c $kind $((packets1 - packets0)) $((bytes1 - bytes0))" >>"$profile_dir/intervals"
	log "$c $kind: counted as interval $marks"
}

# profile_busy: perf report's "PERCENT SAMPLES [k] SYMBOL" lines without the
# idle loop, as each symbol's share of the rest, busiest first.
profile_busy() {
	awk '$2 ~ /^[0-9]+$/ && NF >= 4 {
		sym = $4; for (i = 5; i <= NF; i++) sym = sym " " $i
		if (sym ~ /^(pv_native_safe_halt|default_idle|native_safe_halt|cpuidle_idle_call|acpi_idle_do_entry|do_idle|poll_idle)$/)
			next
		n[sym] += $2; busy += $2; ring[sym] = $3
	}
	END {
		printf "# %d busy samples\n", busy
		for (s in n) printf "%6.2f%% %8d %s %s\n", 100 * n[s] / busy, n[s], ring[s], s
	}' | sort -t% -k1,1 -rn
}

record_meta() {
	local c=$1
	if [[ -n ${unavailable[$c]:-} ]]; then
		jq -cn --arg c "$c" --arg suite "${suite[$c]}" \
			--arg reason "${unavailable[$c]}" \
			'{c: $c, suite: $suite, reason: $reason}'
	else
		jq -cn --arg c "$c" --arg suite "${suite[$c]}" --arg dev "${upper[$c]}" \
			--argjson mtu "$(in_bs cat "/sys/class/net/${upper[$c]}/mtu")" \
			'{c: $c, suite: $suite, device: $dev, mtu: $mtu}'
	fi >>"$work/meta.jsonl"
}

# wman_stats NS DEV: the wman tool's counters (device, SAs, TEKs) as JSON,
# or null.
wman_stats() {
	"$wman_tool" -n "$1" -j stats show dev "$2" 2>/dev/null || echo null
}

# Every device's counters after the rounds: drops and errors explain odd
# figures.
record_counters() {
	local c ns
	for ns in bs ss; do
		ip -n "$ns" -j -s link show >"$work/links-$ns.json"
	done
	for c in "${contenders[@]}"; do
		[[ $c == wman-* && -z ${unavailable[$c]:-} ]] || continue
		printf '{"c":"%s","bs":%s,"ss":%s}\n' "$c" \
			"$(wman_stats bs "${upper[$c]}")" "$(wman_stats ss "${upper[$c]}")"
	done >"$work/wman-stats.jsonl"
}

link_counters() {
	ip -n "$1" -j -s link show dev "$2" |
		jq -c '.[0].stats64 | {rx_packets: .rx.packets, rx_dropped: .rx.dropped,
			rx_errors: .rx.errors, tx_packets: .tx.packets,
			tx_dropped: .tx.dropped}'
}

rx_packets_above() {
	local ns=$1 dev=$2 floor=$3
	(($(ip netns exec "$ns" cat "/sys/class/net/$dev/statistics/rx_packets") > floor))
}

# rollover CONTENDER: a UDP flow each way at a fraction of the suite's
# median packet rate while tekroll changes the TEK $rollovers times.
rollover() {
	local c=$1 dev=${upper[$1]} rate rx0
	local before_bs before_ss after_bs after_ss receivers senders
	rate=$(jq -rs --arg c "$c" --argjson load "$rollover_load" '
		map(select(.c == $c and .kind == "udp") | .recv.pps) | sort
		| .[length / 2 | floor] * $load | floor | if . < 100 then 100 else . end
		' "$work/results.jsonl")
	log "$c: $rollovers TEK switchovers under $rate pps each way"

	before_bs=$(link_counters bs "$dev")
	before_ss=$(link_counters ss "$dev")
	rm -f "$work/ready-down" "$work/ready-up"
	"$udpflood" recv "${subnet[$c]}.2" 7001 -n ss -c 1 -R "$work/ready-down" \
		>"$work/roll-down-recv.json" &
	receivers=($!)
	"$udpflood" recv "${subnet[$c]}.1" 7002 -n bs -c 0 -R "$work/ready-up" \
		>"$work/roll-up-recv.json" &
	receivers+=($!)
	pids+=("${receivers[@]}")
	wait_until "$patience" "the downlink receiver" test -e "$work/ready-down"
	wait_until "$patience" "the uplink receiver" test -e "$work/ready-up"
	"$udpflood" send "${subnet[$c]}.2" 7001 -n bs -c 0 -s 64 -r "$rate" \
		>"$work/roll-down-send.json" &
	senders=($!)
	"$udpflood" send "${subnet[$c]}.1" 7002 -n ss -c 1 -s 64 -r "$rate" \
		>"$work/roll-up-send.json" &
	senders+=($!)
	pids+=("${senders[@]}")

	rx0=$(in_ss cat "/sys/class/net/$dev/statistics/rx_packets")
	wait_until "$patience" "the downlink flow" rx_packets_above ss "$dev" $((rx0 + 100))
	rx0=$(in_bs cat "/sys/class/net/$dev/statistics/rx_packets")
	wait_until "$patience" "the uplink flow" rx_packets_above bs "$dev" $((rx0 + 100))

	if ! "$tekroll" bs ss "$dev" "$said" 0 "$rollovers" >"$work/tekroll.json" \
		2>"$work/error"; then
		log "$c: tekroll failed: $(cat "$work/error")"
		jq -cn --rawfile error "$work/error" '{error: $error}' >"$work/tekroll.json"
	fi

	# Senders first; the receivers then take what is in flight and stop.
	kill -INT "${senders[@]}"
	wait "${senders[@]}"
	kill -INT "${receivers[@]}"
	wait "${receivers[@]}"
	after_bs=$(link_counters bs "$dev")
	after_ss=$(link_counters ss "$dev")
	printf '{"c":"%s","rate":%s,"tekroll":%s,' \
		"$c" "$rate" "$(<"$work/tekroll.json")"
	printf '"down":{"send":%s,"recv":%s},"up":{"send":%s,"recv":%s},' \
		"$(<"$work/roll-down-send.json")" "$(<"$work/roll-down-recv.json")" \
		"$(<"$work/roll-up-send.json")" "$(<"$work/roll-up-recv.json")"
	printf '"counters":{"bs":[%s,%s],"ss":[%s,%s]},' \
		"$before_bs" "$after_bs" "$before_ss" "$after_ss"
	printf '"wman_stats":{"bs":%s,"ss":%s}}\n' \
		"$(wman_stats bs "$dev")" "$(wman_stats ss "$dev")"
}

# The highest-priority driver the kernel has for a crypto algorithm name.
crypto_driver() {
	awk -v want="$1" '
		$1 == "name" { name = $3 }
		$1 == "driver" { driver = $3 }
		$1 == "priority" && name == want && $3 > best { best = $3; pick = driver }
		END { print pick }' /proc/crypto
}

# What the kernel saw: "KVM" and the like, "none" on bare metal and TCG.
hypervisor() {
	local line
	line=$(dmesg 2>/dev/null | grep -m1 -o 'Hypervisor detected: .*' || true)
	line=${line#Hypervisor detected: }
	echo "${line:-none}"
}

write_json() {
	local ns
	mkdir -p "$(dirname "$out")"
	touch "$work/results.jsonl" "$work/rollover.jsonl" "$work/wman-stats.jsonl"
	for ns in bs ss; do
		[[ -s $work/links-$ns.json ]] || echo '[]' >"$work/links-$ns.json"
	done
	jq -n --arg kernel "$(uname -r)" \
		--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		--argjson cpus "$(nproc)" --arg hypervisor "$(hypervisor)" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg gcm "$(crypto_driver 'gcm(aes)')" \
		--arg ccm "$(crypto_driver 'ccm(aes)')" \
		--arg esp "$(crypto_driver 'rfc4309(ccm(aes))')" \
		--arg esp_gcm "$(crypto_driver 'rfc4106(gcm(aes))')" \
		--arg clock "$clock" \
		--argjson runs "$runs" --argjson seconds "$seconds" \
		--argjson load "$rollover_load" --argjson switchovers "$rollovers" \
		--slurpfile meta "$work/meta.jsonl" \
		--slurpfile results "$work/results.jsonl" \
		--slurpfile rollover "$work/rollover.jsonl" \
		--slurpfile wman_stats "$work/wman-stats.jsonl" \
		--slurpfile links_bs "$work/links-bs.json" \
		--slurpfile links_ss "$work/links-ss.json" \
		-f "$repo_root/tools/bench/datapath.jq" >"$out"
	log "wrote $out"
}

main() {
	local c
	parse_args "$@"
	[[ -x $udpflood ]] || die "no $udpflood: build it first (tools/bench.sh does)"
	work=$(mktemp -d)
	trap cleanup EXIT
	# From the guest's RAM, not the host's file system, while measuring.
	cp "$udpflood" "$work/udpflood"
	udpflood=$work/udpflood
	if [[ -x $tekroll ]]; then
		cp "$tekroll" "$work/tekroll"
		tekroll=$work/tekroll
	fi
	if [[ -x $insnmark ]]; then
		cp "$insnmark" "$work/insnmark"
		insnmark=$work/insnmark
	fi

	load_crypto_drivers
	create_namespaces
	for c in "${contenders[@]}"; do
		setup_contender "$c"
		[[ -n ${unavailable[$c]:-} ]] || check_reachable "$c"
		[[ -z ${unavailable[$c]:-} ]] || log "$c: not available: ${unavailable[$c]}"
		record_meta "$c"
	done
	start_iperf_server

	warm_up
	for ((round = 1; round <= runs; round++)); do
		measure_round
	done
	if [[ -n $profile_dir ]]; then
		mkdir -p "$profile_dir"
		sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
		if [[ $clock == icount ]]; then
			[[ -x $insnmark ]] || die "no $insnmark: build it first (tools/bench.sh does)"
			: >"$profile_dir/intervals"
			cat /proc/kallsyms >"$profile_dir/kallsyms"
		else
			command -v perf >/dev/null || die "--profile needs perf (linux-perf)"
		fi
		for c in "${contenders[@]}"; do
			[[ -z ${unavailable[$c]:-} ]] || continue
			profile "$c"
		done
	fi
	record_counters
	for c in "${contenders[@]}"; do
		[[ $c == wman-* && -z ${unavailable[$c]:-} ]] || continue
		((rollovers > 0)) || continue
		rollover "$c" >>"$work/rollover.jsonl"
		log "$c rollover: $(tail -n 1 "$work/rollover.jsonl")"
	done
	write_json
}

main "$@"
