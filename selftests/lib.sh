# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Common code of the wman selftests: the topology, per-namespace wrappers,
# polling and counter assertions.  Sourced by every test.
#
# The medium is a bridge in the "air" namespace; the BS and each SS attach
# one veth to it and stack wman0 on that veth.
#
#                             $ns_air
#   +-----------------------------------------------------------------+
#   |  air0 ------------+---- br0 ----+--------------+-------- air3   |
#   |                   |             |              |                |
#   |                 air1          air2           (...)              |
#   +----|--------------|-------------|-------------------------|-----+
#        |              |             |                         |
#   +----|-----+   +----|-----+  +----|-----+              +----|-----+
#   |  veth0   |   |  veth0   |  |  veth0   |              |  veth0   |
#   |  wman0 bs|   |  wman0 ss|  |  wman0 ss|              |  wman0 ss|
#   |10.16.0.1 |   |10.16.0.11|  |10.16.0.12|              |10.16.0.13|
#   +----------+   +----------+  +----------+              +----------+
#     $ns0 (BS)     $ns1 (SS1)    $ns2 (SS2)                $ns3 (SS3)
#
# veth0 of node N has the address ${mac[N]}; wman0 takes it.  Node 0 is the
# BS, nodes 1..3 the SSs, each SS configured with bsid ${mac[0]}.
#
# Connections and SAs installed by topo_setup (static keys, EKS 0, no
# lifetime), on the BS and on each SS N:
#
#   what            CID              SAID             service     key holders
#   management N    mgmt_cid[N]      -                (clear)     BS, SS N
#   unicast N       uc_cid[N]        uc_said[N]       unicast     BS, SS N
#   group 1         grp_cid          grp_said         multicast   BS, SSs
#   broadcast       bc_cid           bc_said          broadcast   BS, SSs
#
# The BS maps group 1 to $grp_mac (239.16.0.1) with `wman group add`.
# IPv6 is off and every neighbour entry is static, so the only frames on
# the air are the ones a test sends, and counters can be compared exactly.

# Names defined here are used by the tests that source this file.
# shellcheck disable=SC2034

set -o pipefail
# Setup code at the top level of a test stops at its first failure too.
set -eE
trap 'log "failed at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TOP=$(cd "$SELFTESTS/.." && pwd -P)
KSFT_DIR=${KSFT_DIR:-$TOP/build/kselftest}

if [[ ! -r $KSFT_DIR/kselftest/ktap_helpers.sh ]]; then
	"$SELFTESTS/fetch-kselftest-lib.sh" "$KSFT_DIR" >&2 || exit 4
fi
# shellcheck source=/dev/null # extracted at build time
source "$KSFT_DIR/kselftest/ktap_helpers.sh"

# WMAN_TIME_FACTOR stretches the fixed times of the tests (poll deadlines,
# key lifetimes, flood lengths, time budgets) on a kernel that measures
# its own checks rather than wman: the debug kernel's stages set 4.
time_factor=${WMAN_TIME_FACTOR:-1}
if [[ ! $time_factor =~ ^[1-9][0-9]?$ ]]; then
	echo "WMAN_TIME_FACTOR must be a whole number from 1 to 99" >&2
	exit 1
fi

WMAN=${WMAN:-}
if [[ -z $WMAN ]]; then
	if [[ -x $TOP/build/tools/wman ]]; then
		WMAN=$TOP/build/tools/wman
	else
		WMAN=$(command -v wman || true)
	fi
fi
# built by make -C selftests (OUTPUT=build/selftests)
FRAME=${FRAME:-$TOP/build/selftests/wman_frame}
NL_BAD=${NL_BAD:-$TOP/build/selftests/wman_nl_bad}

suffix=$$
ns_air=wman-air-$suffix
ns=("wman-bs-$suffix" "wman-ss1-$suffix" "wman-ss2-$suffix" "wman-ss3-$suffix")
nodes=(0 1 2 3)
sss=(1 2 3)
mac=(02:16:00:00:00:01 02:16:00:00:00:11 02:16:00:00:00:12 02:16:00:00:00:13)
ip4=(10.16.0.1 10.16.0.11 10.16.0.12 10.16.0.13)
bcast4=10.16.0.255

mgmt_cid=(0 $((0x0101)) $((0x0102)) $((0x0103)))
uc_cid=(0 $((0x1001)) $((0x1002)) $((0x1003)))
uc_said=(0 $((0x2001)) $((0x2002)) $((0x2003)))
grp_id=1
grp_cid=$((0xfe01))
grp_said=$((0x3001))
grp_mac=01:00:5e:10:00:01
grp_ip4=239.16.0.1
bc_cid=$((0xfe00))
bc_said=$((0x3fff))

# Suites of the SAs topo_setup creates; a test may change them first.
# suite_uc[N], if set, is the suite of SS N's unicast SA.
SUITE_UC=${SUITE_UC:-aes-ccm}
suite_uc=()
SUITE_GRP=${SUITE_GRP:-aes-gcm}
SUITE_BC=${SUITE_BC:-aes-ccm}

TMP=$(mktemp -d /tmp/wman-selftest.XXXXXX)
bg_pids=()

# ---- output ----------------------------------------------------------------

# The test's own stdout, kept for messages: an ERR trap may fire inside a
# command whose output goes to /dev/null.
exec {log_fd}>&1
log() { printf '# %s\n' "$*" >&"$log_fd"; }
# pp CMD...: log a command, then run it (as WireGuard's netns.sh does).
pp() { log "$*"; "$@"; }

# ---- namespace wrappers ----------------------------------------------------

# nn N CMD...: run CMD in the namespace of node N (0 BS, 1..3 SS).
nn() { local n=$1; shift; ip netns exec "${ns[$n]}" "$@"; }
n0() { nn 0 "$@"; }
n1() { nn 1 "$@"; }
n2() { nn 2 "$@"; }
n3() { nn 3 "$@"; }
na() { ip netns exec "$ns_air" "$@"; }
ipn() { local n=$1; shift; ip -n "${ns[$n]}" "$@"; }
ip0() { ipn 0 "$@"; }
ip1() { ipn 1 "$@"; }
ip2() { ipn 2 "$@"; }
ip3() { ipn 3 "$@"; }
# wm N ARGS...: the wman tool in node N (its -n saves an exec of ip,
# which counts under QEMU TCG).
wm() { local n=$1; shift; "$WMAN" -n "${ns[$n]}" "$@"; }
wm0() { wm 0 "$@"; }
wm1() { wm 1 "$@"; }
wm2() { wm 2 "$@"; }
wm3() { wm 3 "$@"; }

# ---- requirements (exit 4 = skip) ------------------------------------------

skip_all() {
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

# The .ko to load when wman is not loaded yet, or to reload after rmmod:
# $WMAN_KO, the one built for this kernel under build/kmod, or kernel/wman.ko
# if it was built for this kernel.
find_module() {
	local kver c
	kver=$(uname -r)
	for c in "${WMAN_KO:-}" "$TOP/build/kmod/$kver/kernel/wman.ko" \
		 "$TOP/build/kmod/$kver/wman.ko" "$TOP/kernel/wman.ko"; do
		[[ -n $c && -r $c ]] || continue
		[[ $(modinfo -F vermagic "$c" 2>/dev/null) == "$kver "* ]] || continue
		echo "$c"
		return 0
	done
	return 1
}

load_module() {
	local ko
	[[ -d /sys/module/wman ]] && return 0
	modprobe -q wman 2>/dev/null && return 0
	ko=$(find_module) || return 1
	modprobe -q ccm 2>/dev/null || true
	modprobe -q gcm 2>/dev/null || true
	insmod "$ko"
}

require_env() {
	local c
	[[ $EUID -eq 0 ]] || skip_all "must be run as root"
	load_module || skip_all "wman module not loaded and no wman.ko for $(uname -r)"
	[[ -x $WMAN ]] || skip_all "wman tool not built (build/tools/wman)"
	[[ -x $FRAME ]] || skip_all "wman_frame not built (make -C selftests)"
	for c in ip ping modinfo; do
		command -v "$c" >/dev/null || skip_all "$c not installed"
	done
	modprobe -q veth 2>/dev/null || true
	modprobe -q bridge 2>/dev/null || true
}

# ---- polling ---------------------------------------------------------------

# nap SECONDS: sleep without an exec of sleep(1) (slow under QEMU TCG).
exec {nap_fd}<> <(:)
nap() { read -rt "$1" -u "$nap_fd" || :; }

# poll_for SECONDS CMD...: poll CMD until it succeeds; fail after SECONDS
# (times WMAN_TIME_FACTOR: a poll costs nothing once its condition holds).
poll_for() {
	local timeout=$(($1 * time_factor)); shift
	local deadline=$((${EPOCHREALTIME/./} + timeout * 1000000))
	until "$@"; do
		((${EPOCHREALTIME/./} <= deadline)) || return 1
		nap 0.05
	done
}

# wait_for SECONDS CMD...: the same, saying what it waited for in vain.
wait_for() {
	poll_for "$@" && return 0
	log "timed out after $(($1 * time_factor))s waiting for: ${*:2}"
	return 1
}

# ---- counters --------------------------------------------------------------

# cnt N [said S [eks E]] COUNTER: one counter of wman0 in node N.
cnt() { local n=$1; shift; wm "$n" stats get dev wman0 "$@"; }

# cnt_is N EXPECTED [said S [eks E]] COUNTER: succeed if it equals EXPECTED.
cnt_is() {
	local n=$1 want=$2; shift 2
	[[ $(cnt "$n" "$@") == "$want" ]]
}

# cnt_ge N MIN [said S [eks E]] COUNTER: succeed if it is at least MIN.
cnt_ge() {
	local n=$1 min=$2; shift 2
	(($(cnt "$n" "$@") >= min))
}

# expect_cnt N EXPECTED [said S [eks E]] COUNTER: wait (frames may still be
# in a softirq) until the counter equals EXPECTED, and fail loudly if not.
expect_cnt() {
	local n=$1 want=$2; shift 2
	local got
	if ! wait_for 5 cnt_is "$n" "$want" "$@"; then
		got=$(cnt "$n" "$@")
		log "node $n ${*}: expected $want, got $got"
		return 1
	fi
}

# fails CMD...: CMD must fail (a plain `! CMD` would not stop set -e).
fails() {
	if "$@"; then
		log "unexpectedly succeeded: $*"
		return 1
	fi
	return 0
}

# public_copy PROGRAM: print the path of a copy of PROGRAM that any user
# can run.  The checkout may lie where only root can enter (a clone in
# /root, mode 0700), and a test that runs a tool as another user must fail
# on what the kernel says, not on the path.
public_copy() {
	local dir=$TMP/public
	mkdir -p "$dir" && chmod 0711 "$TMP" && chmod 0755 "$dir" &&
		install -m 0755 "$1" "$dir/" && echo "$dir/$(basename "$1")"
}

# refused CMD...: CMD must fail and say why on stderr (the tool prints the
# kernel's extack message there).  The message is logged and kept in
# $TMP/refused.
refused() {
	if "$@" 2>"$TMP/refused"; then
		log "unexpectedly succeeded: $*"
		return 1
	fi
	if [[ ! -s $TMP/refused ]]; then
		log "failed without a message: $*"
		return 1
	fi
	log "refused as expected: $(tr '\n' ' ' < "$TMP/refused")"
}

# no_link N DEV: DEV does not exist in node N.
no_link() { ! ipn "$1" link show "$2" >/dev/null 2>&1; }
# link_attr N DEV JQ-PATH: one value of `ip -j -d link show DEV` in node N.
link_attr() { ipn "$1" -j -d link show "$2" | jq -r ".[0]$3"; }
# link_stat N DEV JQ-PATH: one value of `ip -s -j link show DEV`.
link_stat() { ipn "$1" -s -j link show "$2" | jq -r ".[0]$3"; }
# link_attr_is N DEV JQ-PATH VALUE
link_attr_is() { [[ $(link_attr "$1" "$2" "$3" 2>/dev/null) == "$4" ]]; }

# assert_eq GOT WANT WHAT
assert_eq() {
	[[ $1 == "$2" ]] && return 0
	log "$3: expected '$2', got '$1'"
	return 1
}

# The receive drop totals of a device, as one line (for "none rose"): in
# ip -s link, RX dropped sums every receive drop reason, RX errors bad ICV,
# replay and bad header (Documentation/data-plane.rst).
rx_drops() {
	ipn "$1" -s -j link show wman0 | jq -c '.[0].stats64.rx | {dropped, errors}'
}

# ---- keys ------------------------------------------------------------------

# key_hex SAID EKS [GENERATION]: a distinct 128-bit key per SA, slot and
# generation, the same on every node.
key_hex() { printf '%04x%02x%02x%024x' "$1" "$2" "${3:-0}" $(($1 * 31 + $2 * 7 + ${3:-0})); }

# tek_add N SAID EKS [GEN [tek-add options...]]: the one place the tests
# install keys; each install is logged for the nonce audit.
tek_add() {
	local n=$1 said=$2 eks=$3 gen=${4:-0} key lifetime=0
	shift 3; (($# > 0)) && shift
	key=$(key_hex "$said" "$eks" "$gen")
	wm "$n" tek add dev wman0 said "$said" eks "$eks" key "$key" "$@" || return
	[[ " $* " =~ \ lifetime\ ([0-9]+)\  ]] && lifetime=${BASH_REMATCH[1]}
	audit_log_key "$n" "$said" "$eks" "$key" "$lifetime"
}

# ---- topology --------------------------------------------------------------

# The plain namespaces with the bridge and veths, no wman device.  Batched
# (ip -b): every exec costs under QEMU TCG.  addrgenmode none keeps IPv6
# silent on every device of the air.
topo_air() {
	local n
	{
		echo "netns add $ns_air"
		for n in "${nodes[@]}"; do
			echo "netns add ${ns[$n]}"
		done
		for n in "${nodes[@]}"; do
			echo "link add air$n netns $ns_air type veth peer name veth0 netns ${ns[$n]}"
		done
	} | ip -b -
	{
		echo "link set lo up"
		echo "link add br0 type bridge stp_state 0 mcast_snooping 0"
		echo "link set br0 addrgenmode none"
		echo "link set br0 up"
		for n in "${nodes[@]}"; do
			echo "link set air$n addrgenmode none"
			echo "link set air$n master br0 up"
		done
	} | ip -n "$ns_air" -b -
	for n in "${nodes[@]}"; do
		printf '%s\n' "link set lo up" "link set veth0 address ${mac[$n]}" \
			"link set veth0 addrgenmode none" "link set veth0 up" |
			ipn "$n" -b -
	done
}

# wman0 on each veth0, addresses, static neighbours (no ARP on the air).
topo_links() {
	local n
	wm 0 link add link veth0 name wman0 role bs
	for n in "${sss[@]}"; do
		wm "$n" link add link veth0 name wman0 role ss bsid "${mac[0]}"
	done
	for n in "${nodes[@]}"; do
		{
			echo "link set wman0 addrgenmode none"
			echo "addr add ${ip4[$n]}/24 dev wman0"
			echo "link set wman0 up"
			if ((n == 0)); then
				for m in "${sss[@]}"; do
					echo "neigh replace ${ip4[$m]} lladdr ${mac[$m]} dev wman0 nud permanent"
				done
				echo "route add 224.0.0.0/4 dev wman0"
			else
				echo "neigh replace ${ip4[0]} lladdr ${mac[0]} dev wman0 nud permanent"
			fi
		} | ipn "$n" -b -
	done
}

# The static connections, SAs and TEKs of the table above.  PARTS (default
# all) selects: uc (unicast), mgmt, group, bcast.  The keys are of
# generation $topo_gen: a test that builds the topology again after the
# kernel forgot its keys (module reloaded, SA deleted) must take new ones,
# or it sends PNs again under keys that already used them.
topo_gen=0
topo_keys() {
	local parts=" ${*:-uc mgmt group bcast} " n m
	for n in "${sss[@]}"; do
		if [[ $parts == *" mgmt "* ]]; then
			wm0 conn add dev wman0 cid "${mgmt_cid[$n]}" kind mgmt peer "${mac[$n]}"
			wm "$n" conn add dev wman0 cid "${mgmt_cid[$n]}" kind mgmt
		fi
		[[ $parts == *" uc "* ]] || continue
		for m in 0 "$n"; do
			wm "$m" sa add dev wman0 said "${uc_said[$n]}" suite "${suite_uc[$n]:-$SUITE_UC}" service unicast
			tek_add "$m" "${uc_said[$n]}" 0 "$topo_gen"
		done
		wm0 conn add dev wman0 cid "${uc_cid[$n]}" kind unicast sa "${uc_said[$n]}" peer "${mac[$n]}"
		wm "$n" conn add dev wman0 cid "${uc_cid[$n]}" kind unicast sa "${uc_said[$n]}"
	done
	for n in "${nodes[@]}"; do
		if [[ $parts == *" group "* ]]; then
			wm "$n" sa add dev wman0 said "$grp_said" suite "$SUITE_GRP" service multicast
			tek_add "$n" "$grp_said" 0 "$topo_gen"
			wm "$n" conn add dev wman0 cid "$grp_cid" kind multicast sa "$grp_said"
		fi
		if [[ $parts == *" bcast "* ]]; then
			wm "$n" sa add dev wman0 said "$bc_said" suite "$SUITE_BC" service broadcast
			tek_add "$n" "$bc_said" 0 "$topo_gen"
			wm "$n" conn add dev wman0 cid "$bc_cid" kind broadcast sa "$bc_said"
		fi
	done
	if [[ $parts == *" group "* ]]; then
		wm0 group add dev wman0 id "$grp_id" cid "$grp_cid" addr "$grp_mac"
	fi
}

# topo_setup [PARTS...]: the whole topology, with the keys of PARTS.
topo_setup() {
	topo_air
	topo_links
	topo_keys "$@"
}

# Kill the background jobs started with bg (by this shell).
kill_bg() {
	local p
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${bg_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	bg_pids=()
}

# Delete the namespaces (and with them every device of the topology).
topo_teardown() {
	local n
	for n in "${ns[@]}" "$ns_air"; do
		ip netns del "$n" 2>/dev/null || true
	done
}

cleanup() {
	kill_bg
	topo_teardown
	rm -rf "$TMP"
}
trap cleanup EXIT

# bg CMD...: start CMD in the background and remember it for cleanup.
# The PID is in $bg_pid.  CMD must be a program, not a shell function: the
# PID must be the program's own, to signal it (a subshell running a
# function would pass nothing on, and background jobs ignore SIGINT).
bg() {
	"$@" &
	bg_pid=$!
	bg_pids+=("$bg_pid")
}
# bgn N CMD...: the same in node N (ip netns exec execs CMD in place).
bgn() { local n=$1; shift; bg ip netns exec "${ns[$n]}" "$@"; }

# tcp_listening N PORT: a TCP socket of node N listens on PORT.
tcp_listening() { nn "$1" ss -Hltn "sport = :$2" | grep -q .; }

# tcp_flow N M PORT BYTES: BYTES from node N to node M's PORT over TCP, in
# the background (the sender's PID in $bg_pid); what both ends print goes
# to $TMP/tcp-PORT.log, which tcp_flow_log shows.
tcp_flow() {
	local n=$1 m=$2 port=$3 bytes=$4
	bgn "$m" socat -u "TCP-LISTEN:$port,reuseaddr" OPEN:/dev/null 2>>"$TMP/tcp-$port.log"
	wait_for 10 tcp_listening "$m" "$port"
	bgn "$n" sh -c "head -c $bytes /dev/zero | socat -u - TCP:${ip4[$m]}:$port" \
		2>>"$TMP/tcp-$port.log"
}
tcp_flow_log() {
	log "TCP flow to port $1:"
	sed 's/^/#   /' "$TMP/tcp-$1.log" 2>/dev/null || :
	nn 0 ss -tni | sed 's/^/#   /'
}

# qdisc_holds N DEV MIN: the root qdisc of DEV in node N holds MIN bytes
# or more.
qdisc_holds() {
	[[ $(nn "$1" tc -s qdisc show dev "$2") =~ backlog\ ([0-9]+)b ]] &&
		((BASH_REMATCH[1] >= $3))
}

# ---- captures and events ---------------------------------------------------

# capture_start N IFACE COUNT FILE [TIMEOUT]: capture COUNT wman frames on
# IFACE of node N into FILE, in the background; return once it listens.
# capture_wait then waits for it and fails if fewer frames came.  TIMEOUT
# (default 20 s) is a limit, not a wait, and grows with WMAN_TIME_FACTOR.
capture_start() {
	local n=$1 iface=$2 count=$3 file=$4 timeout=$((${5:-20} * time_factor))
	rm -f "$file"
	bgn "$n" "$FRAME" capture "$iface" "$count" "$file" --timeout "$timeout"
	capture_pid=$bg_pid
	wait_for 10 test -s "$file"
}
capture_wait() {
	wait "$capture_pid"
}

# frame_awk MODE COND: an awk program over `wman_frame list` lines, with
# the fields dst, src, bytes, ec, eks, len, cid, pn, hcs, mgmt (type) as
# variables.  MODE first prints the index of the first frame satisfying
# COND (and fails if none does), MODE count the number that do.
frame_awk() {
	local prog=$TMP/frame-$1.awk
	cat > "$prog" <<-EOF
		{ idx = \$1; delete f
		  for (i = 2; i < NF; i += 2) f[\$i] = \$(i + 1)
		  dst = f["dst"]; src = f["src"]; hcs = f["hcs"]
		  bytes = f["bytes"] + 0; ec = f["ec"] + 0; eks = f["eks"] + 0
		  len = f["len"] + 0; cid = f["cid"] + 0; pn = f["pn"] + 0
		  mgmt = f["mgmt-type"] + 0
		  if ($2) { n++; if ("$1" == "first") { print idx; exit } } }
		END { if ("$1" == "count") print n + 0; else if (!n) exit 1 }
	EOF
	echo "$prog"
}
# pick_frame FILE COND: index of the first frame of FILE satisfying COND,
# e.g. 'src == "02:16:00:00:00:01" && cid == 4097'.
pick_frame() { "$FRAME" list "$1" | awk -f "$(frame_awk first "$2")"; }
# count_frames FILE COND: how many frames of FILE satisfy COND.
count_frames() { "$FRAME" list "$1" | awk -f "$(frame_awk count "$2")"; }

# monitor_start N FILE: `wman monitor` in node N, its output in FILE;
# returns once the monitor is listening: it has reported an unknown-eks
# event for a frame sent to node N on a connection kept for this (CID and
# SAID $sync_cid, no TEK), so no event a test causes after it is missed.
# A BS takes keyed frames on unicast connections only (to a peer no node
# has), an SS on a multicast one.
sync_cid=$((0x0ffe))
sync_said=$((0x0ffe))
sync_peer=02:16:00:00:0f:fe
monitor_start() {
	local n=$1 file=$2 service=multicast peer=()
	: > "$file"
	((n == 0)) && service=unicast peer=(peer "$sync_peer")
	wm "$n" sa add dev wman0 said "$sync_said" suite aes-ccm service "$service" 2>/dev/null || true
	wm "$n" conn add dev wman0 cid "$sync_cid" kind "$service" sa "$sync_said" "${peer[@]}" 2>/dev/null || true
	bg "$WMAN" -n "${ns[$n]}" monitor > "$file" 2>&1
	monitor_pid=$bg_pid
	wait_for 10 monitor_synced "$n" "$file"
}
monitor_synced() {
	na "$FRAME" craft "air$1" "${mac[$1]}" "$sync_cid" --eks 3
	mon_has "$2" unknown-eks said "$sync_said"
}

# Number formats are the tool's choice: match decimal or 0x%04x.
num_re() { printf '(%d|0x%04x|0x%x)' "$1" "$1" "$1"; }

# mon_has FILE EVENT [said S] [eks E] [cid C]: the event was printed.
mon_has() {
	local file=$1 re=$2; shift 2
	while (($# >= 2)); do
		re+=".*\\<$1 $(num_re "$2")\\>"
		shift 2
	done
	grep -Eq -- "$re" "$file"
}
mon_count() {
	local file=$1 re=$2; shift 2
	while (($# >= 2)); do
		re+=".*\\<$1 $(num_re "$2")\\>"
		shift 2
	done
	grep -Ec -- "$re" "$file" || true
}

# ---- nonce audit -------------------------------------------------------------
#
# No key may encrypt two PDUs under one nonce, nor a PDU after its
# lifetime (Documentation/testing.rst, "The nonce audit").  Every key a
# test installs with tek_add, and every key the daemons install ([test]
# key-log, see pkmd/lib_pkmd.sh), is a line of $audit_keys.  A test turns
# the audit on with audit_start at its top level (not inside run_test,
# whose end would stop the capture), once the air exists and before the
# traffic, and checks it with a last run_test line before leak_check:
#
#   run_test "nonce audit: ..." audit_check
#
# which stops the capture and runs tools/nonce-audit on it: every
# encrypted PDU that crossed the air bridge must open under a logged key
# (a key missing from the log would hide its PDUs; a test that injects
# frames no key opens sets audit_unattributed_ok=yes), no key may carry
# two different PDUs under one nonce nor one PN under two headers, and
# none may be used past its lifetime.  WMAN_NONCE_AUDIT=0 turns it off
# (to time the suites without it).

NONCE_AUDIT=${NONCE_AUDIT:-$TOP/build/tools/nonce-audit/nonce-audit}
WMAN_NONCE_AUDIT=${WMAN_NONCE_AUDIT:-1}
audit_keys=$TMP/audit-keys.log
audit_pcap=$TMP/audit.pcap
audit_pid=
audit_state=off		# off, running, or why it could not start
audit_unattributed_ok=no
# Every PDU whole (LEN has 11 bits), nothing else of the frame.
audit_snaplen=$((14 + 2047))
# wman frames with EC set: the clear ones have no nonce.
audit_filter='ether proto 0x88b5 and ether[14] & 0x40 != 0'

# audit_log_key NODE SAID EKS KEY-HEX LIFETIME: one key log line, taken
# once the install returned (the kernel's lifetime started before it).
# The suite is not known here: "-", the audit tries both.
audit_log_key() {
	local origin=ss:node$1
	(($1 == 0)) && origin=bs:node0
	printf '%s %d %d - %s %d %s\n' "${EPOCHREALTIME/,/.}" "$2" "$3" "$4" \
		"$5" "$origin" >>"$audit_keys"
}

# audit_start: tcpdump on the air bridge (promiscuous: it sees every frame
# that crosses, once), whole encrypted PDUs only; returns once it captures.
# It never stops the test: a capture that did not start fails audit_check.
audit_start() {
	audit_pid=
	if [[ $WMAN_NONCE_AUDIT == 0 ]]; then
		log "nonce audit: off (WMAN_NONCE_AUDIT=0)"
		return 0
	fi
	if ! command -v tcpdump >/dev/null || [[ ! -x $NONCE_AUDIT ]]; then
		audit_state="it needs tcpdump and $NONCE_AUDIT (make all)"
		log "nonce audit: $audit_state"
		return 0
	fi
	: >>"$audit_keys"
	# -Z root: write where the test writes.  Frames reach tcpdump in
	# blocks, at the latest a second after they crossed (audit_settled
	# waits longer than that), through a ring large enough for the floods
	# of a loaded two-CPU VM: frame by frame, it could not keep up.
	bg ip netns exec "$ns_air" tcpdump -i br0 -n -Z root -U \
		-B 65536 -s "$audit_snaplen" -w "$audit_pcap" "$audit_filter" \
		2>"$TMP/audit.tcpdump"
	audit_pid=$bg_pid
	# tcpdump can take more than 10 s to start on the debug kernel
	if wait_for 60 audit_capturing; then
		audit_state=running
	else
		audit_state="tcpdump did not start: $(tr '\n' ' ' <"$TMP/audit.tcpdump")"
		log "nonce audit: $audit_state"
	fi
}
audit_capturing() {
	local line
	while read -r line; do
		[[ $line == *"listening on "* ]] && return 0
	done <"$TMP/audit.tcpdump"
	return 1
}

# The capture file has stopped growing for longer than tcpdump holds a
# block of frames (one second).
audit_pcap_size=-1
audit_settled() {
	local size
	size=$(stat -c %s "$audit_pcap" 2>/dev/null) || size=0
	[[ $size == "$audit_pcap_size" ]] && return 0
	audit_pcap_size=$size
	nap 1.2
	return 1
}
# tcpdump has exited (it may be a zombie: the test's top level started it).
audit_stopped() {
	local state=
	[[ -r /proc/$audit_pid/stat ]] || return 0
	read -r _ _ state _ <"/proc/$audit_pid/stat" 2>/dev/null || return 0
	[[ $state == Z ]]
}

audit_check() {
	local line drops='' rc=0 opts=(--strict-pn)
	case $audit_state in
	running) ;;
	off)
		log "nonce audit: not started"
		return "$KSFT_SKIP"
		;;
	*)
		log "nonce audit: $audit_state"
		return 1
		;;
	esac
	audit_pcap_size=-1
	poll_for 15 audit_settled || log "nonce audit: the capture still grows"
	kill -INT "$audit_pid" 2>/dev/null || true
	wait_for 10 audit_stopped
	while read -r line; do
		[[ $line =~ ^([0-9]+)\ packets?\ dropped\ by\ kernel ]] &&
			drops=${BASH_REMATCH[1]}
	done <"$TMP/audit.tcpdump"
	[[ $audit_unattributed_ok == yes ]] || opts+=(--max-unattributed 0)
	"$NONCE_AUDIT" "${opts[@]}" -k "$audit_keys" "$audit_pcap" \
		>"$TMP/audit.out" 2>"$TMP/audit.err" || rc=$?
	log "$(<"$TMP/audit.out"), capture drops ${drops:-?}"
	head -n 30 "$TMP/audit.err" | sed 's/^/# /' >&"$log_fd"
	if [[ $drops != 0 ]]; then
		log "nonce audit: the capture missed frames (${drops:-unknown}): not every PDU was checked"
		return 1
	fi
	return "$rc"
}

# ---- running tests ---------------------------------------------------------

# The plan: one test per top-level run_test line of the calling script;
# ktap_plan_plus adds EXTRA tests run from a loop.
ktap_plan_plus() { ktap_set_plan $(($(grep -c '^run_test ' "$0") + $1)); }
ktap_plan() { ktap_plan_plus 0; }

# After a failure: the SAs, TEKs and counters of every node still there.
dump_state() {
	local n
	for n in "${nodes[@]}"; do
		ip netns list 2>/dev/null | grep -q -- "^${ns[$n]}\>" || continue
		log "node $n:"
		wm "$n" -s sa show dev wman0 2>&1 | sed 's/^/#   /' || true
		wm "$n" -s link show wman0 2>&1 | sed 's/^/#   /' || true
	done
}

# run_test DESCRIPTION FUNCTION [ARG...]: run FUNCTION ARG... in a subshell under set -e
# (its first failing command fails it), report ok / not ok.
run_test() {
	local desc=$1 fn=$2 rc start=$SECONDS
	log "--- $desc"
	set +e
	trap - ERR
	(
		set -eE
		bg_pids=()
		trap kill_bg EXIT
		trap 'log "failed at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR
		"$fn" "${@:3}"
	)
	rc=$?
	((rc == 0 || rc == KSFT_SKIP)) || dump_state
	trap 'log "failed at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR
	set -e
	log "($((SECONDS - start)) s)"
	case $rc in
	0) ktap_test_pass "$desc" ;;
	"$KSFT_SKIP") ktap_test_skip "$desc" ;;
	*) ktap_test_fail "$desc" ;;
	esac
}

# kmsg_mark: put a marker in the kernel log; kmsg_clean: nothing after the
# marker looks like a kernel problem (the VM runner checks the whole log
# too; this catches it on a host and names the test).
kmsg_mark() {
	kmsg_marker="wman-selftest ${0##*/} $$ $RANDOM"
	echo "<6>$kmsg_marker" > /dev/kmsg
}
kmsg_clean() {
	local problems
	problems=$(dmesg | sed -n "/$kmsg_marker/,\$p" |
		grep -E 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|refcount_t:|waiting for .* to become free|list_(add|del) corruption' || true)
	[[ -z $problems ]] && return 0
	log "kernel log: $problems"
	return 1
}

# flood N DEST [ping options]: ping -f from node N in the background.
flood() {
	local n=$1 dst=$2; shift 2
	bgn "$n" ping -q -f "$@" "$dst" >/dev/null 2>&1
}

# Nothing of this test may outlive it: no namespace, no wman device left
# behind in the initial namespace.
leak_check() {
	local n
	for n in "${ns[@]}" "$ns_air"; do
		ip netns del "$n" 2>/dev/null || true
	done
	! ip netns list 2>/dev/null | grep -q -- "-$suffix\\>" &&
	! ip -o link show type wman 2>/dev/null | grep -q .
}
