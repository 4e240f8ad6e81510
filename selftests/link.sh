#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The wman link: created and deleted by plain iproute2 and by `wman link`,
# its role shown, its MTU, address and carrier following the lower device,
# deleted with the lower device, at most one per lower device.  With the
# iproute2 plugin (build/tools/link_wman.so, found through IP_LIB_DIR) ip
# itself shows and sets the role and the BSID.
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

# Where `make tools` leaves link_wman.so; ip reads it only in ipw0.
IP_PLUGIN_DIR=${IP_PLUGIN_DIR:-$TOP/build/tools}
ipw0() { IP_LIB_DIR=$IP_PLUGIN_DIR ip -n "${ns[0]}" "$@"; }

need_plugin() {
	[[ -r $IP_PLUGIN_DIR/link_wman.so ]] && return 0
	log "SKIP: no $IP_PLUGIN_DIR/link_wman.so (make tools)"
	return "$KSFT_SKIP"
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
	# the kernel's message, with the module's prefix printed once
	assert_eq "$(cat "$TMP/refused")" \
		"wman: An SS needs the BSID of its BS: Invalid argument" "message"
	no_link 0 wman0
}

# ip_info DEV KEY: one field of the plugin's info_data in node 0's ip -j -d.
ip_info() {
	ipw0 -j -d link show "$1" | jq -r ".[0].linkinfo.info_data.$2"
}

# The plugin's struct link_util must be laid out as the one ip was built
# with: the same size as a built-in kind's, and the members ip calls in
# the places it calls them (help text, parse and print, below).
test_plugin_abi() {
	local ours theirs exported help
	need_plugin || return
	command -v nm >/dev/null || { log "SKIP: no nm"; return "$KSFT_SKIP"; }
	theirs=$(nm -S -D "$(command -v ip)" | awk '$4 == "veth_link_util" { print $2 }')
	ours=$(nm -S -D "$IP_PLUGIN_DIR/link_wman.so" |
		awk '$4 == "wman_link_util" { print $2 }')
	[[ -n $theirs ]]
	assert_eq "$ours" "$theirs" "struct link_util size"
	# the output helpers the plugin calls come from ip
	exported=$(nm -D --defined-only "$(command -v ip)")
	grep -qw print_color_string <<<"$exported"
	grep -qw is_json_context <<<"$exported"
	# print_help, reached through the structure
	help=$(ipw0 link help wman 2>&1)
	grep -q 'role ROLE' <<<"$help"
}

test_plugin_show() {
	local out
	need_plugin || return
	# created without the plugin: a BS whose BSID is the lower's address
	ip0 link add link veth0 name wman0 type wman
	out=$(ipw0 -d link show wman0)
	log "$(grep -o 'wman .*' <<<"$out" | head -n 1)"
	grep -Eq "\<wman role bs bsid ${mac[0]} " <<<"$out"
	assert_eq "$(ip_info wman0 role)" bs "JSON role"
	assert_eq "$(ip_info wman0 bsid)" "${mac[0]}" "JSON bsid"
	# without the plugin ip prints the kind alone
	fails grep -q 'role bs' <<<"$(IP_LIB_DIR=/nonexistent ip0 -d link show wman0)"
	ip0 link del wman0
	# with the plugin but no options: still a BS
	pp ipw0 link add link veth0 name wman0 type wman
	assert_eq "$(wman_link 0 wman0 role)" bs "role with no options"
	assert_eq "$(wman_link 0 wman0 bsid)" "${mac[0]}" "bsid with no options"
	ip0 link del wman0
}

test_plugin_add_ss() {
	local out
	need_plugin || return
	pp ipw0 link add link veth0 name wman0 type wman role ss bsid 02:16:00:00:00:9a
	# what the kernel holds, through the generic netlink family
	assert_eq "$(wman_link 0 wman0 role)" ss "role"
	assert_eq "$(wman_link 0 wman0 bsid)" 02:16:00:00:00:9a "bsid"
	out=$(ipw0 -d link show wman0)
	grep -Eq '\<wman role ss bsid 02:16:00:00:00:9a ' <<<"$out"
	assert_eq "$(ip_info wman0 role)" ss "JSON role"
	assert_eq "$(ip_info wman0 bsid)" 02:16:00:00:00:9a "JSON bsid"
	# the BSID can change, the role cannot
	pp ipw0 link set wman0 type wman bsid 02:16:00:00:00:9b
	assert_eq "$(ip_info wman0 bsid)" 02:16:00:00:00:9b "changed bsid"
	refused ipw0 link set wman0 type wman role bs
	assert_eq "$(ip_info wman0 role)" ss "role after refused change"
	pp ip0 link del wman0
	no_link 0 wman0
}

test_plugin_refuses() {
	need_plugin || return
	# the plugin's own checks
	refused ipw0 link add link veth0 name wman0 type wman role ap
	grep -q 'invalid role "ap"' "$TMP/refused"
	refused ipw0 link add link veth0 name wman0 type wman bsid 02:16:00:00:00
	grep -q 'invalid bsid' "$TMP/refused"
	refused ipw0 link add link veth0 name wman0 type wman role
	refused ipw0 link add link veth0 name wman0 type wman role ss role bs
	refused ipw0 link add link veth0 name wman0 type wman mode bs
	grep -q 'unknown option "mode"' "$TMP/refused"
	# the kernel's, through ip's extack printing
	refused ipw0 link add link veth0 name wman0 type wman role ss
	grep -q 'needs the BSID' "$TMP/refused"
	fails grep -q 'wman: wman:' "$TMP/refused"
	refused ipw0 link add link veth0 name wman0 type wman bsid 01:00:5e:00:00:01
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
run_test "link: ip plugin: struct link_util matches ip's" test_plugin_abi
run_test "link: ip plugin: ip -d and ip -j -d show role and bsid" test_plugin_show
run_test "link: ip plugin: ip link add type wman role ss bsid, bsid changed" test_plugin_add_ss
run_test "link: ip plugin: bad role, bsid or option refused" test_plugin_refuses
run_test "link: no lower device, or a non-Ethernet one, is refused" test_no_lower
run_test "link: MTU is the lower MTU - 40 and follows it down" test_mtu
run_test "link: carrier follows the lower device" test_carrier
run_test "link: a second wman on the same lower is refused" test_one_per_lower
run_test "link: deleting the lower device deletes wman0" test_lower_delete
run_test "link: wman -j link show lists every device" test_show_lists_all
run_test "link: no namespace or device leaked" leak_check
ktap_finished
