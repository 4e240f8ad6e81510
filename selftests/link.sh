#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The wman link: created and deleted by plain iproute2 and by `wman link`,
# its role shown, its MTU, address and carrier following the lower device,
# deleted with the lower device, at most one per lower device.
#
#   $ns0: veth0 (02:16:00:00:00:01, MTU 1500) <-> $ns1: veth0

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

veth_pair() {
	ip0 link add veth0 type veth peer name veth0 netns "${ns[1]}"
	ip0 link set veth0 address "${mac[0]}" up
	ip1 link set veth0 up
}

setup() {
	ip netns add "${ns[0]}"
	ip netns add "${ns[1]}"
	veth_pair
}

# wman_link N DEV KEY: one field of `wman -j link show DEV` in node N.
wman_link() {
	wm "$1" -j link show "$2" | jq -r "if type == \"array\" then .[0] else . end | .$3"
}

test_iproute2_add_del() {
	pp ip0 link add link veth0 name wman0 type wman
	link_attr_is 0 wman0 .linkinfo.info_kind wman
	assert_eq "$(wman_link 0 wman0 role)" bs "role of a plain iproute2 link"
	# the BS identifier defaults to the lower device's address
	assert_eq "$(wman_link 0 wman0 bsid)" "${mac[0]}" "default bsid"
	assert_eq "$(link_attr 0 wman0 .address)" "${mac[0]}" "wman0 address"
	assert_eq "$(link_attr 0 wman0 .link)" veth0 "wman0 lower device"
	pp ip0 link del wman0
	no_link 0 wman0
}

test_role_ss() {
	pp wm0 link add link veth0 name wman0 role ss bsid 02:16:00:00:00:99
	assert_eq "$(wman_link 0 wman0 role)" ss "role"
	assert_eq "$(wman_link 0 wman0 bsid)" 02:16:00:00:00:99 "bsid"
	wm0 link show wman0 | grep -q '\<ss\>'
	pp wm0 link del dev wman0
	no_link 0 wman0
}

test_ss_needs_bsid() {
	refused wm0 link add link veth0 name wman0 role ss
	no_link 0 wman0
}

test_no_lower() {
	refused ip0 link add name wman0 type wman
	refused ip0 link add link lo name wman0 type wman
	no_link 0 wman0
}

test_mtu() {
	ip0 link add link veth0 name wman0 type wman
	assert_eq "$(link_attr 0 wman0 .mtu)" 1460 "MTU on a 1500 lower"
	pp ip0 link set veth0 mtu 1400
	wait_for 5 link_attr_is 0 wman0 .mtu 1360
	# above lower MTU - 40 the frames would not fit
	refused ip0 link set wman0 mtu 1400
	ip0 link set wman0 mtu 1300
	assert_eq "$(link_attr 0 wman0 .mtu)" 1300 "MTU set below the limit"
	ip0 link set veth0 mtu 1500
	ip0 link del wman0
}

carrier_is() { [[ $(n0 cat /sys/class/net/wman0/carrier 2>/dev/null) == "$1" ]]; }

test_carrier() {
	ip0 link add link veth0 name wman0 type wman
	ip0 link set wman0 up
	wait_for 5 carrier_is 1
	pp ip1 link set veth0 down
	wait_for 5 carrier_is 0
	pp ip1 link set veth0 up
	wait_for 5 carrier_is 1
	ip0 link del wman0
}

test_one_per_lower() {
	ip0 link add link veth0 name wman0 type wman
	refused ip0 link add link veth0 name wman1 type wman
	refused wm0 link add link veth0 name wman1 role bs
	no_link 0 wman1
	ip0 link del wman0
	# the lower is free again once wman0 is gone
	ip0 link add link veth0 name wman1 type wman
	ip0 link del wman1
}

test_lower_delete() {
	ip0 link add link veth0 name wman0 type wman
	ip0 link set wman0 up
	pp ip0 link del veth0
	wait_for 5 no_link 0 wman0
	veth_pair
}

test_show_lists_all() {
	local out
	ip0 link add link veth0 name wman0 type wman
	ip0 link add veth1 type veth peer name veth2
	wm0 link add link veth1 name wman1 role ss bsid "${mac[0]}"
	out=$(wm0 -j link show)
	assert_eq "$(jq -r '[.[].ifname] | sort | join(",")' <<<"$out")" wman0,wman1 "devices listed"
	wm0 link del dev wman1
	ip0 link del veth1
	ip0 link del wman0
}

setup
run_test "link: plain iproute2 add (role bs, bsid, address) and del" test_iproute2_add_del
run_test "link: wman link add role ss bsid, shown, deleted" test_role_ss
run_test "link: role ss without bsid is refused" test_ss_needs_bsid
run_test "link: no lower device, or a non-Ethernet one, is refused" test_no_lower
run_test "link: MTU is the lower MTU - 40 and follows it down" test_mtu
run_test "link: carrier follows the lower device" test_carrier
run_test "link: a second wman on the same lower is refused" test_one_per_lower
run_test "link: deleting the lower device deletes wman0" test_lower_delete
run_test "link: wman -j link show lists every device" test_show_lists_all
run_test "link: no namespace or device leaked" leak_check
ktap_finished
