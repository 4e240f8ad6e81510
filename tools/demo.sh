#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: a BS and three SSs on an air bridge, each with a wman0 device
# and a pkmd daemon.  Nothing is keyed by hand: the daemons authorize the
# SSs and hand out every key.  Step by step, with what an operator should
# see and a check of it:
#
#   1  the air bridge, the BS and three SSs, wman0 on each, no keys
#   2  a test CA and certificates (openssl)
#   3  the daemons' configurations, checked with pkmd -t
#   4  the BS daemon; the operator adds the subscribers and group members
#   5  the SS daemons: network entry and authorization
#   6  unicast keys: pkmctl on each side, the SAs and TEKs in the kernel
#   7  multicast and broadcast keys granted; Key Reject 8 (group), 3
#      (another provider's broadcast) and 7 (an unsupported service type)
#   8  traffic: ping, iperf3, group and broadcast datagrams, counters
#   9  what the air carries: ciphertext only
#  10  a key refresh (20 s test lifetimes) under a ping that loses nothing
#  11  a group membership withdrawn: group 1's key tree (key-tree = lkh)
#      rekeys it at once without the SS, whose next refresh is refused
#
# DEMO_KEY_TREE=none runs group 1 without a key tree: step 11 then waits
# for the refused refresh and two rollovers instead.
#
# --capture FILE saves the air, from the topology's start to the end,
# as a pcap that Wireshark reads (link type 147, one MAC PDU a record:
# tools/wire-check/air2pcap), prints the tshark command that reads it and
# what stock tshark makes of it (tools/wire-check/wire-check); `make demo
# CAPTURE=FILE` passes it.
#
# Every step fails the demo (exit status 1) if what it shows is not so.
# Run it through `make demo`, which boots a VM, or as root on a host with
# the module available:
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- tools/demo.sh

source "$(dirname "$0")/../selftests/lib.sh"

PKMD=${PKMD:-$TOP/build/user/pkmd/pkmd}
PKMCTL=${PKMCTL:-$TOP/build/tools/pkmctl/pkmctl}

label=(BS SS1 SS2 SS3)
tek_lifetime=20		# seconds; 802.16's minimum is 1800
tek_grace=8
# Group 1's key tree: lkh, offset or none (step 11 shows either way).
key_tree=${DEMO_KEY_TREE:-lkh}
grp1_cid=$((0xfe01))
grp2_cid=$((0xfe02))
bcast_said=$((0xfe00))
started=$SECONDS
step_no=0
daemon_pids=()

# ---- output and checks ---------------------------------------------------------

step() {
	step_no=$((step_no + 1))
	printf '\n== %d. %s   [%d s]\n' "$step_no" "$*" $((SECONDS - started))
}
say() { printf '%s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }

fail() {
	trap - ERR
	printf '\nFAILED in step %d: %s\n' "$step_no" "$*"
	dump_logs
	exit 1
}
trap 'fail "line $LINENO: $BASH_COMMAND"' ERR

# check DESCRIPTION CMD...: CMD must succeed now.
check() {
	local what=$1; shift
	"$@" || fail "$what"
	ok "$what"
}

# await SECONDS DESCRIPTION CMD...: poll CMD until it succeeds.
await() {
	local secs=$1 what=$2 t0=$SECONDS; shift 2
	poll_for "$secs" "$@" || fail "$what (not within $secs s)"
	ok "$what ($((SECONDS - t0)) s)"
}

dump_logs() {
	local f
	for f in "$TMP"/*.log; do
		[[ -f $f ]] || continue
		printf -- '---- %s (last lines)\n' "${f##*/}"
		tail -n 20 "$f"
	done
}

# ---- the nodes' tools --------------------------------------------------------------

sock() { if (($1)); then echo "ss$1.sock"; else echo bs.sock; fi; }
# pk N ARGS...: pkmctl for node N's daemon (quietly, for checks).
pk() { local n=$1; shift; "$PKMCTL" -s "$TMP/$(sock "$n")" "$@"; }
# show_pk N ARGS...: the same, showing the command as an operator types it.
show_pk() {
	local n=$1; shift
	printf '%s# pkmctl -s %s %s\n' "${label[$n]}" "$(sock "$n")" "$*"
	pk "$n" "$@"
}
# show_wm N ARGS...: wman in node N, shown.
show_wm() {
	local n=$1; shift
	printf '%s# wman %s\n' "${label[$n]}" "$*"
	wm "$n" "$@"
}
# show_log NAME REGEX: the daemon log lines that match.
show_log() {
	grep -E -- "$2" "$TMP/$1.log" | sed "s/^/$1.log: /"
}
log_has() { grep -Eq -- "$2" "$TMP/$1.log"; }
# log_mark NAME: how many lines the daemon has logged; log_since NAME MARK
# REGEX: the matching lines logged after that.
log_mark() { wc -l <"$TMP/$1.log"; }
log_since() { tail -n "+$(($2 + 1))" "$TMP/$1.log" | grep -E -- "$3"; }
has_since() { log_since "$@" >/dev/null; }
log_count() { grep -Ec -- "$2" "$TMP/$1.log" || true; }

hex() { printf '0x%04x' "$1"; }

# One field of one SA in node N's `pkmctl -j sa list`.
sa_field() { pk "$1" -j sa list | jq -r ".[] | select(.said == $2) | $3"; }
sa_state_is() { [[ $(sa_field "$1" "$2" .state) == "$3" ]]; }
sa_rejected() {
	[[ $(sa_field "$1" "$2" '"\(.state) \(.key_reject)"') == "start $3" ]]
}
# The EKS values the daemon of node N lists for an SA, and the kernel's.
pk_teks() { sa_field "$1" "$2" '[.teks[].eks] | sort | map(tostring) | join(" ")'; }
kernel_teks() {
	wm "$1" -j tek show dev wman0 said "$2" | jq -r '[.[].eks] | sort | map(tostring) | join(" ")'
}
auth_state_is() { [[ $(pk "$1" -j status | jq -r .auth_state) == "$2" ]]; }
no_sa() { ! wm "$1" sa show dev wman0 said "$2" >/dev/null 2>&1; }
# teks_include N SAID EKS: node N's kernel holds that TEK.
teks_include() { [[ " $(kernel_teks "$1" "$2") " == *" $3 "* ]]; }
# more_lines NAME REGEX COUNT: the daemon logged more than COUNT such lines.
more_lines() { (($(log_count "$1" "$2") > $3)); }
# undecrypted N: "RX FAILED", node N's count of data frames decrypted and
# of those it could not decrypt (no key, bad ICV, unknown SA).
undecrypted() {
	echo "$(counter "$1" rx-packets) $(($(counter "$1" rx-no-key) +
		$(counter "$1" rx-bad-icv) + $(counter "$1" rx-unknown-sa)))"
}
# refused_frames N "RX FAILED" COUNT: since undecrypted gave RX FAILED, node
# N decrypted nothing and failed on at least COUNT frames (the BS's group
# rekey messages may come on top, on the broadcast management connection
# 0xffff, which an SS creates only once it holds a key tree group's SA).
refused_frames() {
	local was now
	read -ra was <<<"$2"
	read -ra now <<<"$(undecrypted "$1")"
	((now[0] == was[0] && now[1] >= was[1] + $3))
}
listening() { [[ -n $(nn "$1" ss -Hltn "sport = :$2") ]]; }

# ---- certificates and configurations -------------------------------------------

# make_certs: the CA, the BS's and each SS's key and certificate, in the
# current directory.
make_certs() {
	local n
	new_ca demo-ca
	new_cert bs ec
	for n in 1 2 3; do
		new_cert "ss$n" rsa
	done
	rm -f ./*.csr
}

new_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj "/CN=$1" 2>/dev/null
}

# new_cert NAME rsa|ec: a key and a certificate with CN NAME, signed by ca,
# with the key usages of its role: the BS's for serverAuth, an SS's for
# clientAuth (an SS accepts no other certificate as its BS's).
new_cert() {
	local key=(-newkey rsa:2048)
	local exts=(basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature,keyEncipherment
		extendedKeyUsage=clientAuth)
	[[ $2 == ec ]] && key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	[[ $1 == bs ]] && exts=(basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth)
	openssl req -new "${key[@]}" -nodes -keyout "$1.key" -out "$1.csr" \
		-subj "/CN=$1" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "$RANDOM$RANDOM" \
		-days 2 -extfile <(printf '%s\n' "${exts[@]}") \
		-out "$1.pem" 2>/dev/null
}

write_configs() {
	cat >bs.conf <<-EOF
		[pkmd]
		role = bs
		interface = wman0
		database = $TMP/bs.db
		control = $TMP/bs.sock

		[bs]
		ca-certificate = $TMP/ca.pem
		certificate = $TMP/bs.pem
		private-key = $TMP/bs.key
		provider = net-a
		tek-lifetime = $tek_lifetime
		unicast-suite = aes-ccm

		[timers]
		tek-grace-time = $tek_grace

		[group 1]
		cid = $(hex "$grp1_cid")
		suite = aes-gcm
		addresses = $grp_mac
		key-tree = $key_tree

		[group 2]
		cid = $(hex "$grp2_cid")
		addresses = 01:00:5e:10:00:02

		[broadcast]
		cid = $(hex "$bcast_said")

		[test]
		allow-short-lifetimes = yes
	EOF
	local n groups=("" "1, 2" "1" "")
	for n in "${sss[@]}"; do
		cat >"ss$n.conf" <<-EOF
			[pkmd]
			role = ss
			interface = wman0
			control = $TMP/ss$n.sock

			[ss]
			ca-certificate = $TMP/ca.pem
			certificate = $TMP/ss$n.pem
			private-key = $TMP/ss$n.key
			bs-name = bs
			services = unicast, broadcast
		EOF
		[[ -n ${groups[$n]} ]] && echo "multicast-groups = ${groups[$n]}" >>"ss$n.conf"
	done
	printf '\n[test]\nrequest-service-type = 3\n' >>ss3.conf
}

# test_mode FILE: the option a configuration with a [test] section needs
# (pkmd refuses such a file without it).
test_mode() {
	if grep -q '^\[test\]' "$1"; then echo --test-mode; fi
}

# start_pkmd N: the daemon of node N; it returns once its socket answers.
start_pkmd() {
	local n=$1 name opt
	name=$(sock "$n")
	name=${name%.sock}
	opt=$(test_mode "$TMP/$name.conf")
	printf '%s# pkmd %s-c %s.conf\n' "${label[$n]}" "${opt:+$opt }" "$name"
	# shellcheck disable=SC2086 # $opt: no word or one
	nn "$n" "$PKMD" $opt -c "$TMP/$name.conf" 2>>"$TMP/$name.log" ||
		fail "pkmd on ${label[$n]} did not start"
	daemon_pids+=("$(pk "$n" -j status | jq -r .pid)")
}

cleanup() {
	local p
	for p in "${daemon_pids[@]}"; do
		[[ $p =~ ^[0-9]+$ ]] && kill "$p" 2>/dev/null
	done
	kill_bg
	topo_teardown
	cd /
	rm -rf "$TMP"
}

# ---- the air's capture (--capture) -------------------------------------------------

AIR2PCAP=${AIR2PCAP:-$TOP/build/tools/wire-check/air2pcap}
WIRE_CHECK=${WIRE_CHECK:-$TOP/tools/wire-check/wire-check}
air_file=
air_raw=
air_pid=

# start_air_capture: tcpdump on the air bridge, every wman frame whole, into
# the guest's memory; returns once it captures.
start_air_capture() {
	air_raw=$TMP/air-raw.pcap
	bg ip netns exec "$ns_air" tcpdump -i br0 -n -Z root -B 65536 -s 0 \
		-w "$air_raw" 'ether proto 0x88b5' 2>"$TMP/air.tcpdump"
	air_pid=$bg_pid
	poll_for 60 tcpdump_listening || fail "tcpdump did not start: $(cat "$TMP/air.tcpdump")"
}
tcpdump_listening() { grep -q 'listening on ' "$TMP/air.tcpdump"; }
# The file has not grown for longer than tcpdump holds a block of frames
# (one second), or tcpdump has exited.
air_size=-1
air_settled() {
	local size
	size=$(stat -c %s "$air_raw")
	[[ $size == "$air_size" ]] && return 0
	air_size=$size
	nap 1.2
	return 1
}
tcpdump_gone() {
	local state=
	[[ -r /proc/$air_pid/stat ]] || return 0
	read -r _ _ state _ <"/proc/$air_pid/stat" 2>/dev/null || return 0
	[[ $state == Z ]]
}

# save_air: stop the capture, write FILE and show what Wireshark reads.
save_air() {
	local line
	# the TEKs live 20 s: refreshes go on; take a quiet second if one comes
	poll_for 10 air_settled || true
	kill -INT "$air_pid"
	await 10 "tcpdump stopped" tcpdump_gone
	while read -r line; do
		[[ $line == *packets* ]] && say "tcpdump: $line"
	done <"$TMP/air.tcpdump"
	"$AIR2PCAP" -o "$air_file" "$air_raw" || fail "air2pcap could not write $air_file"
	ok "the air saved in $air_file: one MAC PDU a record, link type 147"
	say "Wireshark reads it with the user DLT mapping alone (Documentation/frame-format.rst):"
	say "  $("$WIRE_CHECK" --command "$air_file")"
	say "What stock tshark makes of it (tools/wire-check/wire-check; shown, not checked here):"
	"$WIRE_CHECK" --details 5 "$air_file" | sed 's/^/    /' || true
}

# ---- checks used by several steps ------------------------------------------------

# counter N [said S] NAME
counter() { cnt "$@"; }

# group_datagrams COUNT: the BS sends COUNT UDP datagrams to group 1.
group_datagrams() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	n0 bash -c 'for ((i = 1; i <= $1; i++)); do
		echo "group datagram $i" > "/dev/udp/$2/5001"; done' _ "$1" "$grp_ip4"
}

ping_ok() {	# ping_ok FROM TO: three pings, all answered
	local out
	out=$(nn "$1" ping -c 3 -i 0.2 -W 2 "$2" | grep 'packets transmitted')
	printf '%s# ping -c 3 %s: %s\n' "${label[$1]}" "$2" "$out"
	[[ $out == *" 0% packet loss"* ]]
}

# ---- the demo --------------------------------------------------------------------

# --make-certs DIR: only make the certificates, in DIR (quick on a host,
# slow in an emulated VM); --certs DIR: the demo, with them; --capture
# FILE: the air saved in FILE.
certs=
usage() {
	echo "usage: $0 [--make-certs DIR | [--certs DIR] [--capture FILE]]" >&2
	exit 2
}
while (($#)); do
	case $1 in
	--make-certs)
		[[ -n ${2:-} ]] || usage
		trap - ERR EXIT
		rm -rf "$TMP"
		mkdir -p "$2" && cd "$2" && make_certs
		exit
		;;
	--certs)
		[[ -n ${2:-} ]] || usage
		certs=$(cd "$2" && pwd -P)
		shift 2
		;;
	--capture)
		[[ -n ${2:-} ]] || usage
		# absolute: the demo runs in $TMP
		air_file=$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2") || usage
		shift 2
		;;
	*) usage ;;
	esac
done

for c in openssl jq iperf3 ss; do
	command -v "$c" >/dev/null || skip_all "$c not installed"
done
[[ -x $PKMD && -x $PKMCTL ]] || skip_all "pkmd or pkmctl not built (make)"
if [[ -n $air_file ]]; then
	for c in tcpdump tshark; do
		command -v "$c" >/dev/null || skip_all "$c not installed (--capture)"
	done
	[[ -x $AIR2PCAP ]] || skip_all "air2pcap not built (make)"
fi
require_env
cd "$TMP"

say "wman demo on $(uname -r): a BS and three SSs, every key from pkmd"

step "The air, the BS and three SSs"
say "A bridge in its own namespace is the air; the BS and each SS are namespaces"
say "with a veth on it and a wman0 device on top.  No SA, no key anywhere yet."
topo_air
[[ -z $air_file ]] || start_air_capture
# Every ping turns the kernel's receive timestamp static key on and, when
# it exits, off again; each flip patches the code that receives packets.
# QEMU's emulation with two vCPUs can let the other vCPU hit the patch's
# transient int3 (an "Oops: int3" in __netif_receive_skb_core), so one
# ping socket keeps timestamps on for the whole demo.
bgn 0 ping -q -i 3600 127.0.0.1 >/dev/null
topo_links
show_wm 0 link show
show_wm 1 link show
for n in "${nodes[@]}"; do
	[[ -z $(wm "$n" sa show dev wman0) ]] || fail "${label[$n]} already has SAs"
done
ok "no SA in any of the four kernels"

step "A test CA and certificates"
say "The BS and each SS get a certificate of one CA; the SSs' keys are RSA,"
say "because the BS encrypts their Authorization Keys to them."
if [[ -n $certs ]]; then
	say "(made before the VM started, by tools/demo.sh --make-certs $certs:"
	say "RSA key generation takes half a minute under emulation)"
	cp "$certs"/{ca,bs,ss1,ss2,ss3}.{pem,key} . || fail "no certificates in $certs"
else
	make_certs
fi
say "Subjects: CN=bs, CN=ss1, CN=ss2, CN=ss3 (the names the BS knows them by);"
say "issuer: CN=demo-ca."
say "# openssl verify -CAfile ca.pem bs.pem ss1.pem ss2.pem ss3.pem"
openssl verify -CAfile ca.pem bs.pem ss1.pem ss2.pem ss3.pem | sed 's/^/    /' ||
	fail "a certificate does not verify against the CA"
ok "four certificates, each verified against demo-ca"

step "The daemons' configurations"
say "The BS: provider net-a, groups 1 and 2, broadcast, TEKs of $tek_lifetime s"
say "(allowed below 802.16's minimum by the [test] section, to see refreshes)."
write_configs
say "BS# cat bs.conf"
grep -v '^$' bs.conf | sed 's/^/    /'
say "SS1 asks unicast, broadcast, groups 1 and 2; SS2 unicast, broadcast, group 1;"
say "SS3 unicast, broadcast and, through its [test] section, Service Type 3."
for n in "${sss[@]}"; do
	line="SS$n:"
	while read -r l; do
		[[ $l =~ ^(services|multicast-groups|request-service-type) ]] && line+=" $l;"
	done <"ss$n.conf"
	say "${line%;}"
done
for f in bs ss1 ss2 ss3; do
	# shellcheck disable=SC2046 # no word or one
	"$PKMD" -t $(test_mode "$f.conf") -c "$f.conf" >/dev/null ||
		fail "$f.conf: pkmd -t refuses it"
done
ok "pkmd -t accepts all four files"

step "The BS daemon, its subscribers and group members"
say "pkmd loads the group and broadcast SAs into the BS's kernel at once; the"
say "operator then says who may have what.  Nobody who is not added gets a key."
start_pkmd 0
show_pk 0 subscriber add ss1 mac "${mac[1]}" provider net-a services unicast,multicast,broadcast
show_pk 0 subscriber add ss2 mac "${mac[2]}" provider net-a services unicast,multicast,broadcast
show_pk 0 subscriber add ss3 mac "${mac[3]}" provider net-b services unicast,multicast,broadcast
show_pk 0 group member add 1 ss1
show_pk 0 group member add 1 ss2
show_pk 0 subscriber list
show_pk 0 group list
sas=$(show_wm 0 sa show dev wman0)
printf '%s\n' "$sas"
for said in "$grp1_cid" "$grp2_cid" "$bcast_said"; do
	[[ $sas == *"said $said "* ]] || fail "SA $(hex "$said") missing in the BS's kernel"
done
ok "group 1, group 2 and broadcast SAs are in the BS's kernel"

step "Each SS enters the network and is authorized"
say "Each SS daemon ranges, sends its certificate in an Auth Request; the BS"
say "checks it against the CA and its subscribers and answers with an AK."
for n in "${sss[@]}"; do
	start_pkmd "$n"
done
for n in "${sss[@]}"; do
	await 60 "SS$n authorized" auth_state_is "$n" authorized
done
show_log bs "Auth Reply: ss[0-9] authorized"
show_pk 0 status
show_pk 1 -j status
echo

step "Unicast keys"
say "Each SS asks for its unicast SA's keys (Key Request); the BS answers with"
say "both TEK generations (Key Reply); each side installs them in its kernel."
uc=(0)
for n in "${sss[@]}"; do
	uc[n]=$(pk "$n" -j sa list | jq -r '.[] | select(.service == "unicast") | .said')
	[[ ${uc[n]} =~ ^[0-9]+$ ]] || fail "SS$n has no unicast SA"
	await 30 "SS$n unicast SA $(hex "${uc[n]}") operational" sa_state_is "$n" "${uc[n]}" operational
done
show_log bs "SAID 0x20..: Key Reply"
show_pk 1 sa list
say "SS1# pkmctl -s ss1.sock -j sa list | jq -c '.[] | select(.said == ${uc[1]})'"
pk 1 -j sa list | jq -cM ".[] | select(.said == ${uc[1]})"
show_wm 1 sa show dev wman0 said "${uc[1]}"
show_wm 1 tek show dev wman0 said "${uc[1]}"
# The SS's kernel holds the TEKs its daemon lists (but for a moment
# around a refresh), among them the one the BS sends with: the BS's older
# generation.  (The BS makes its next TEK at each rollover; the SS gets it
# at its next refresh, a TEK Grace Time before it needs it.)
teks_agree() {
	local bs_older
	teks=$(pk_teks "$1" "$2")
	bs_older=$(sa_field 0 "$2" '.teks[] | select(.generation == "older") | .eks')
	[[ -n $teks && $(kernel_teks "$1" "$2") == "$teks" && " $teks " == *" $bs_older "* ]]
}
for n in "${sss[@]}"; do
	await $((3 * tek_lifetime)) "SS$n's kernel holds the TEKs of $(hex "${uc[n]}") its pkmd lists, and the BS's current one" \
		teks_agree "$n" "${uc[n]}"
done

step "Multicast and broadcast keys: granted and refused"
say "SS1 and SS2 are members of group 1 and get its keys; SS1 also asks group 2,"
say "which it is not a member of: Key Reject 8.  SS3 belongs to provider net-b:"
say "the broadcast key of net-a is refused (Key Reject 3), and so is the Service"
say "Type 3 it asks for (Key Reject 7).  A refused SA is not asked again."
for n in 1 2; do
	await 30 "SS$n: group 1 SA $(hex "$grp1_cid") operational" sa_state_is "$n" "$grp1_cid" operational
	await 30 "SS$n: broadcast SA $(hex "$bcast_said") operational" sa_state_is "$n" "$bcast_said" operational
done
await 30 "SS1: group 2 refused with Key Reject 8" sa_rejected 1 "$grp2_cid" 8
await 30 "SS3: broadcast refused with Key Reject 3" sa_rejected 3 "$bcast_said" 3
await 30 "SS3: Service Type 3 refused with Key Reject 7" sa_rejected 3 0 7
show_log bs "Key Reject"
show_pk 1 sa list
show_pk 3 sa list
show_wm 1 tek show dev wman0 said "$grp1_cid"
printf 'SS1# wman sa show dev wman0 said %s\n' "$(hex "$grp2_cid")"
wm 1 sa show dev wman0 said "$grp2_cid" 2>&1 || true
check "no group 2 SA in SS1's kernel" no_sa 1 "$grp2_cid"
check "no group 1 SA in SS3's kernel" no_sa 3 "$grp1_cid"
check "no broadcast SA in SS3's kernel" no_sa 3 "$bcast_said"

step "Traffic"
say "Pings between the BS and each SS, then iperf3 (TCP) from SS1 to the BS, all"
say "under the unicast keys; then datagrams to group 1 and to the broadcast"
say "address: the SSs with the key decrypt them, SS3 cannot."
for n in "${sss[@]}"; do
	ping_ok "$n" "${ip4[0]}" || fail "ping SS$n -> BS"
	ping_ok 0 "${ip4[n]}" || fail "ping BS -> SS$n"
done
bs_tx=$(counter 0 said "${uc[1]}" tx-packets)
bs_rx=$(counter 0 said "${uc[1]}" rx-packets)
bgn 0 iperf3 -s -1 >/dev/null
iperf_pid=$bg_pid
await 20 "iperf3 server listening on the BS" listening 0 5201
say "SS1# iperf3 -c ${ip4[0]} -t 3"
n1 iperf3 -c "${ip4[0]}" -t 3 -f m | grep -E 'sender|receiver' || fail "iperf3"
wait "$iperf_pid" || fail "iperf3 server"
bs_tx2=$(counter 0 said "${uc[1]}" tx-packets)
bs_rx2=$(counter 0 said "${uc[1]}" rx-packets)
say "BS kernel, SS1's unicast SA $(hex "${uc[1]}"): tx-packets $bs_tx -> $bs_tx2, rx-packets $bs_rx -> $bs_rx2"
check "over 1000 packets decrypted and 100 encrypted there" \
	test $((bs_rx2 - bs_rx)) -gt 1000 -a $((bs_tx2 - bs_tx)) -gt 100

g1=$(counter 1 said "$grp1_cid" rx-packets)
g2=$(counter 2 said "$grp1_cid" rx-packets)
u3=$(undecrypted 3)
say "BS# echo ... > /dev/udp/$grp_ip4/5001   (three times)"
group_datagrams 3
await 15 "SS1 decrypted the 3 group datagrams" cnt_is 1 $((g1 + 3)) said "$grp1_cid" rx-packets
await 15 "SS2 decrypted the 3 group datagrams" cnt_is 2 $((g2 + 3)) said "$grp1_cid" rx-packets
await 15 "SS3 decrypted none of them (it has no such SA)" refused_frames 3 "$u3" 3
b1=$(counter 1 said "$bcast_said" rx-packets)
b2=$(counter 2 said "$bcast_said" rx-packets)
u3=$(undecrypted 3)
say "BS# ping -b -c 1 $bcast4   (the SSs do not answer broadcast pings)"
n0 ping -b -c 1 -W 1 "$bcast4" >/dev/null 2>&1 || true
await 15 "SS1 decrypted the broadcast frame" cnt_is 1 $((b1 + 1)) said "$bcast_said" rx-packets
await 15 "SS2 decrypted the broadcast frame" cnt_is 2 $((b2 + 1)) said "$bcast_said" rx-packets
await 15 "SS3 did not decrypt it" refused_frames 3 "$u3" 1
show_wm 0 stats show dev wman0
show_wm 3 stats show dev wman0

step "What the air carries"
say "Ten frames captured on the air bridge's port to the BS while the BS pings"
say "SS1 with a recognisable payload: the payload is nowhere in them."
payload=48454c4c4f2d504c41494e54455854	# "HELLO-PLAINTEXT"
rm -f air.pcap
bg ip netns exec "$ns_air" "$FRAME" capture air0 10 air.pcap --timeout 60
cap_pid=$bg_pid
await 20 "capture running" test -s air.pcap
n0 ping -c 5 -i 0.2 -W 2 -p "$payload" "${ip4[1]}" >/dev/null || fail "ping with the payload"
wait "$cap_pid" || fail "fewer than 10 frames captured"
"$FRAME" list air.pcap | head -n 5
say "..."
enc=$(count_frames air.pcap 'ec == 1')
mgmt=$(count_frames air.pcap 'ec == 0 && mgmt > 0')
say "$enc frames encrypted (ec 1), $mgmt PKM management messages (clear by design)"
check "every frame is encrypted or a management message" test $((enc + mgmt)) -eq 10 -a "$enc" -ge 1
check "the payload (\"HELLO-PLAINTEXT\") does not appear on the air" \
	test "$("$FRAME" grep air.pcap "$payload")" -eq 0

step "A key refresh, with ${tek_lifetime} s test lifetimes"
say "The BS rolls each SA over when its older TEK expires; each SS asks for the"
say "new generation $tek_grace s before its newer TEK expires.  A ping runs across it"
say "and must lose nothing; no receive drop counter may move."
u1=${uc[1]}
rollovers=$(log_count bs "SAID $(hex "$u1"): TEK rollover")
refreshes=$(log_count ss1 "SAID $(hex "$u1") .*rekey-wait -> operational")
teks_before=$(kernel_teks 1 "$u1")
drops_bs=$(rx_drops 0)
drops_ss=$(rx_drops 1)
show_wm 1 tek show dev wman0 said "$u1"
count=$(((tek_lifetime + 4) * 10))
say "SS1# ping -c $count -i 0.1 ${ip4[0]}   (in the background)"
bgn 1 ping -q -c "$count" -i 0.1 -W 2 "${ip4[0]}" >ping.out
ping_pid=$bg_pid
await $((3 * tek_lifetime)) "the BS rolled SAID $(hex "$u1") over" \
	more_lines bs "SAID $(hex "$u1"): TEK rollover" "$rollovers"
await $((3 * tek_lifetime)) "SS1 refreshed its keys" \
	more_lines ss1 "SAID $(hex "$u1") .*rekey-wait -> operational" "$refreshes"
wait "$ping_pid" || true
show_log bs "SAID $(hex "$u1"): TEK rollover" | tail -n 1
show_log ss1 "SAID $(hex "$u1") .*(Key Request|Key Reply)" | tail -n 2
teks_after=$(kernel_teks 1 "$u1")
show_wm 1 tek show dev wman0 said "$u1"
grep 'packets transmitted' ping.out
check "SS1's kernel TEKs changed: EKS $teks_before -> $teks_after" \
	test "$teks_after" != "$teks_before"
check "no ping lost across the refresh" grep -q ' 0% packet loss' ping.out
check "no receive drop on the BS" test "$(rx_drops 0)" == "$drops_bs"
check "no receive drop on SS1" test "$(rx_drops 1)" == "$drops_ss"

step "A group membership withdrawn"
g1=$(counter 1 said "$grp1_cid" rx-packets)
u2=$(undecrypted 2)
if [[ $key_tree == none ]]; then
	say "The operator removes SS2 from group 1.  Group 1 has no key tree here"
	say "(key-tree = none): SS2 keeps the TEKs it holds, but its next refresh is"
	say "refused (Key Reject 8) and its daemon removes the SA; once the BS has rolled"
	say "group 1 over twice, none of the TEKs SS2 ever had is in use."
	held=$(kernel_teks 2 "$grp1_cid")
	show_pk 0 group member del 1 ss2
	show_log bs "group 1: ss2 left"
	await $((3 * tek_lifetime)) "SS2's next refresh refused with Key Reject 8" \
		sa_rejected 2 "$grp1_cid" 8
	show_log bs "SS ${mac[2]} SAID $(hex "$grp1_cid"): Key Reject"
	show_pk 2 sa list
	check "no group 1 SA left in SS2's kernel" no_sa 2 "$grp1_cid"
	# the BS's EKS values share none with those SS2 held
	disjoint() {
		local bs_teks e
		bs_teks=$(pk_teks 0 "$grp1_cid")
		for e in $held; do
			[[ " $bs_teks " == *" $e "* ]] && return 1
		done
		return 0
	}
	await $((3 * tek_lifetime)) "group 1 under TEKs SS2 never had (it held EKS $held)" disjoint
	sending=$(sa_field 0 "$grp1_cid" '.teks[] | select(.generation == "older") | .eks')
	await $((2 * tek_lifetime)) "SS1 holds TEK EKS $sending, which the BS sends with" \
		teks_include 1 "$grp1_cid" "$sending"
else
	say "Group 1 has a key tree (key-tree = $key_tree).  When the operator removes"
	say "SS2, the BS makes a new group key at once, sends it to the remaining member"
	say "(SS1) under tree keys SS2 does not hold, then sends group 1's traffic under"
	say "a TEK derived from it.  SS2's old TEKs decrypt nothing more, and its next"
	say "refresh is refused (Key Reject 8): its daemon removes the SA."
	leave_re='group 1: rekey [0-9]+ \([0-9]+ joins, [1-9][0-9]* leaves'
	mark=$(log_mark bs)
	show_pk 0 group member del 1 ss2
	await 30 "the BS rekeyed group 1 without SS2" has_since bs "$mark" "$leave_re"
	line=$(log_since bs "$mark" "$leave_re" | head -n 1)
	[[ $line =~ rekey\ ([0-9]+)\ .*TEK\ EKS\ ([0-3])\ installed ]] ||
		fail "no rekey number and EKS in: $line"
	rekey=${BASH_REMATCH[1]} new_eks=${BASH_REMATCH[2]}
	await 30 "SS1 installed TEK EKS $new_eks of rekey $rekey" \
		log_has ss1 "rekey $rekey: TEK EKS $new_eks installed"
	await 30 "the BS sends group 1 under TEK EKS $new_eks" \
		has_since bs "$mark" "group 1: sending with TEK EKS $new_eks;"
	log_since bs "$mark" "group 1: " | head -n 3 | sed 's/^/bs.log: /'
	log_since ss1 0 "\(group 1\): rekey $rekey:" | head -n 1 | sed 's/^/ss1.log: /'
	show_pk 0 group list
fi
say "BS# echo ... > /dev/udp/$grp_ip4/5001   (three times)"
group_datagrams 3
await 15 "SS1 decrypted the 3 group datagrams" cnt_is 1 $((g1 + 3)) said "$grp1_cid" rx-packets
await 15 "SS2 decrypted none of them" refused_frames 2 "$u2" 3
if [[ $key_tree != none ]]; then
	await $((3 * tek_lifetime)) "SS2's next refresh refused with Key Reject 8" \
		sa_rejected 2 "$grp1_cid" 8
	show_log bs "SS ${mac[2]} SAID $(hex "$grp1_cid"): Key Reject"
	show_pk 2 sa list
	check "no group 1 SA left in SS2's kernel" no_sa 2 "$grp1_cid"
fi

step "What the BS holds at the end"
show_pk 0 sa list
show_pk 0 status

if [[ -n $air_file ]]; then
	step "The air, saved for Wireshark"
	save_air
fi
printf '\ndemo passed in %d s\n' $((SECONDS - started))
