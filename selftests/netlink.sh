#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family's checks:
#  - requests with a missing, oversized, out-of-range or conflicting
#    attribute fail with an extended ACK message: through the wman tool
#    where it can express the request, through wman_nl_bad (one raw request
#    per case) where the tool refuses to build it;
#  - without CAP_NET_ADMIN every change is refused and changes nothing,
#    and so is every read and joining the events group (the family names
#    SSs, PNs and counters), as root without the capability and as nobody;
#    the device's own counters stay readable through rtnetlink.
#
#   $ns0: veth0 <-> veth1, wman0 (BS) on veth0 with SA uc_said[1] (EKS 0),
#         unicast connection uc_cid[1], management connection mgmt_cid[1],
#         group connection grp_cid.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
[[ -x $NL_BAD ]] || skip_all "wman_nl_bad not built (make -C selftests)"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) not installed"
mapfile -t nl_cases < <("$NL_BAD" --list)
ktap_plan_plus "${#nl_cases[@]}"

said=${uc_said[1]}
cid=${uc_cid[1]}
peer=${mac[1]}

setup() {
	ip netns add "${ns[0]}"
	ip0 link add veth0 type veth peer name veth1
	ip0 link set veth0 address "${mac[0]}" up
	ip0 link set veth1 up
	wm0 link add link veth0 name wman0 role bs
	wm0 sa add dev wman0 said "$said" suite aes-ccm service unicast
	tek_add 0 "$said" 0
	wm0 conn add dev wman0 cid "$cid" kind unicast sa "$said" peer "$peer"
	wm0 conn add dev wman0 cid "${mgmt_cid[1]}" kind mgmt peer "$peer"
	wm0 sa add dev wman0 said "$grp_said" suite aes-gcm service multicast
	wm0 conn add dev wman0 cid "$grp_cid" kind multicast sa "$grp_said"
}

key=$(key_hex "$said" 1)

test_cli_errors() {
	# conflicts with what exists
	refused wm0 sa add dev wman0 said "$said" suite aes-ccm service unicast
	refused wm0 conn add dev wman0 cid "$cid" kind unicast sa "$said" peer "$peer"
	refused wm0 tek add dev wman0 said "$said" eks 0 key "$key"
	# objects that do not exist
	refused wm0 tek add dev wman0 said 4660 eks 1 key "$key"
	refused wm0 tek del dev wman0 said "$said" eks 3
	refused wm0 sa del dev wman0 said 4660
	refused wm0 conn del dev wman0 cid 4660
	refused wm0 group del dev wman0 id 200
	refused wm0 link show nosuchdev
	refused wm0 sa add dev veth0 said 4660 suite aes-ccm service unicast
	refused wm0 stats get dev wman0 said 4660 rx-packets
	# values out of range or inconsistent
	refused wm0 tek add dev wman0 said "$said" eks 1 key "$key" pn 2147483648
	refused wm0 tek add dev wman0 said "$said" eks 1 key "$key" lifetime 10 soft-lifetime 20
	refused wm0 tek add dev wman0 said "$said" eks 4 key "$key"
	refused wm0 tek add dev wman0 said "$said" eks 1 key "${key}00"
	refused wm0 group add dev wman0 id 1 cid "$grp_cid" addr "${mac[2]}"
	refused wm0 mgmt send dev wman0 cid "$cid" hex 0901
	# a third TEK while both slots hold live keys
	tek_add 0 "$said" 1
	refused wm0 tek add dev wman0 said "$said" eks 2 key "$(key_hex "$said" 2)"
	wm0 tek del dev wman0 said "$said" eks 1
	# nothing of it changed the tables
	assert_eq "$(wm0 -j sa show dev wman0 | jq length)" 2 "SAs"
	assert_eq "$(wm0 -j conn show dev wman0 | jq length)" 3 "connections"
}

# The replace flag (tek add ... replace) installs into an occupied slot.
test_tek_replace() {
	tek_add 0 "$said" 1
	pp tek_add 0 "$said" 1 1 replace lifetime 100
	wm0 tek del dev wman0 said "$said" eks 1
}

# The kernel's message, not only the tool's: the tool prints what the
# kernel said for a request it sent.
test_cli_prints_extack() {
	refused wm0 tek add dev wman0 said 4660 eks 1 key "$key"
	grep -qi 'SA\|said\|exist\|found' "$TMP/refused"
	refused wm0 tek add dev wman0 said "$said" eks 1 key "$key" lifetime 10 soft-lifetime 20
	grep -qi 'lifetime' "$TMP/refused"
}

# setpriv: drop CAP_NET_ADMIN from the bounding and inheritable sets, so
# the tool runs as root without it.
noadmin() { nn 0 setpriv --inh-caps -net_admin --bounding-set -net_admin -- "$WMAN" "$@"; }
# nobody runs a copy that any user can reach (see public_copy), so that
# its refusals are the kernel's: refused_by_kernel checks that they are.
nobody() { nn 0 setpriv --reuid 65534 --regid 65534 --clear-groups -- "$WMAN_PUBLIC" "$@"; }
refused_by_kernel() {
	refused "$@"
	grep -q "Operation not permitted" "$TMP/refused"
}

test_no_cap_net_admin() {
	local before
	before=$(wm0 -j sa show dev wman0)
	refused noadmin sa add dev wman0 said 4661 suite aes-ccm service unicast
	refused noadmin sa del dev wman0 said "$said"
	refused noadmin tek add dev wman0 said "$said" eks 1 key "$key"
	refused noadmin tek del dev wman0 said "$said" eks 0
	refused noadmin conn add dev wman0 cid 4661 kind unicast peer "$peer"
	refused noadmin conn del dev wman0 cid "$cid"
	refused noadmin group add dev wman0 id 1 cid "$grp_cid" addr "$grp_mac"
	refused noadmin stats reset dev wman0
	refused noadmin mgmt send dev wman0 cid "${mgmt_cid[1]}" hex 0901
	refused noadmin mgmt listen dev wman0 count 1 timeout 1
	refused_by_kernel nobody tek add dev wman0 said "$said" eks 1 key "$key"
	refused noadmin link add link veth1 name wman1 role bs
	assert_eq "$(wm0 -j sa show dev wman0)" "$before" "SAs after the refused requests"
	no_link 0 wman1
}

# The family names SSs, PNs and counters: reading it, and listening to
# its events, takes CAP_NET_ADMIN as changing it does (as WireGuard's
# does).  The device's own counters stay readable through rtnetlink.
test_unprivileged_reads_refused() {
	local who
	for who in noadmin nobody; do
		refused_by_kernel "$who" link show
		refused_by_kernel "$who" conn show dev wman0
		refused_by_kernel "$who" sa show dev wman0
		refused_by_kernel "$who" tek show dev wman0
		refused_by_kernel "$who" group show dev wman0
		refused_by_kernel "$who" stats show dev wman0
		refused_by_kernel "$who" monitor count 1 timeout 1
	done
	# whole, then searched: grep -q leaving early could kill ip with
	# SIGPIPE, a failure under pipefail
	local counters
	counters=$(nn 0 setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		ip -s link show wman0)
	grep -q "RX:" <<<"$counters"
}

# Every case runs in one process (execs are slow under QEMU TCG); each
# case's line is its own test.
nl_case() {
	local line
	while read -r line; do
		[[ $line == "PASS $1: "* || $line == "FAIL $1: "* ]] || continue
		log "$line"
		[[ $line == PASS* ]]
		return
	done < "$TMP/nl_bad.out"
	log "no result for case $1"
	return 1
}

setup
WMAN_PUBLIC=$(public_copy "$WMAN")
run_test "netlink: bad requests through the tool fail with a message" test_cli_errors
run_test "netlink: the tool prints the kernel's extack message" test_cli_prints_extack
run_test "netlink: tek add replace installs into an occupied slot" test_tek_replace
run_test "netlink: without CAP_NET_ADMIN every change is refused" test_no_cap_net_admin
run_test "netlink: without CAP_NET_ADMIN reads and events are refused too" test_unprivileged_reads_refused
nn 0 "$NL_BAD" --dev wman0 --said "$said" --cid "$cid" --all > "$TMP/nl_bad.out" || true
nl_current() { nl_case "$nl_case_name"; }
for nl_case_name in "${nl_cases[@]}"; do
	run_test "netlink raw: $nl_case_name" nl_current
done
run_test "netlink: no namespace or device leaked" leak_check
ktap_finished
