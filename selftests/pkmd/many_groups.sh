#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# More groups than an Auth Reply describes.  The Auth Reply carries at
# most 16 SA-Descriptors (libpkm's PKM_MAX_SA_DESC): the SS's unicast SA,
# broadcast, then its groups.
# Here the BS has broadcast and 15 groups and SS1 is a member of all of
# them, so group 15 is left out: SS1 knows neither its SAID nor its suite
# and asks with SAID 0.  The BS's Key Reply to SAID 0 carries the SA's
# SA-Descriptor (wman's addition, Documentation/pkm-protocol.rst); with it
# SS1 installs group 15's keys and decrypts its traffic.  Before, SS1
# dropped that Key Reply (suite unknown) and asked again forever.
#
# The AK lives 30 s: at its reauthorization SS1 forgets the descriptor
# the Key Reply gave (the BS may have changed the SA since), and its next
# Key Request for group 15 is for SAID 0 again, answered with the
# descriptor afresh.  Before, SS1 kept the first one for good.
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh many_groups.sh

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

groups=15
bc=$((0xfe00))
gcid() { echo $((0xfe00 + $1)); }
last=$(gcid $groups)
frames=5

setup() {
	local g list=
	make_ca ca
	make_certs "bs-1 ca ec" "ss1 ca rsa"
	BS_LIFETIMES="ak-lifetime = 30" write_bs_head
	for ((g = 1; g <= groups; g++)); do
		printf '\n[group %d]\ncid = %d\naddresses = 01:00:5e:10:00:%02x\n' \
			"$g" "$(gcid "$g")" "$g" >>"$TMP/bs.conf"
		list+="${list:+, }$g"
	done
	printf '\n[broadcast]\n' >>"$TMP/bs.conf"
	printf '\n[timers]\nauth-grace-time = 10\n[test]\nallow-short-lifetimes = yes\n' \
		>>"$TMP/bs.conf"
	write_ss_conf 1 ss1 ca unicast,broadcast "$list"
	topo_air
	topo_links
}

all_operational() {
	local g
	sa_state_is 1 "$(uc_said_of 1)" operational || return 1
	sa_state_is 1 "$bc" operational || return 1
	for ((g = 1; g <= groups; g++)); do
		sa_state_is 1 "$(gcid "$g")" operational || return 1
	done
}

test_keys() {
	local g
	start_daemon 0 bs
	ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a \
		services unicast,multicast,broadcast
	for ((g = 1; g <= groups; g++)); do
		ctl_bs group member add "$g" ss1
	done
	start_daemon 1 ss1
	wait_for 60 all_operational
}

test_described() {
	# the Auth Reply described 16 SAs: unicast, broadcast, groups 1-14
	log_has ss1 "SAID 0x0000 \\(group $groups\\): SAID 0x$(printf %04x "$last") described by the Key Reply"
	assert_eq "$(log_count ss1 "with no SA-Descriptor yet")" 0 \
		"Key Replies SS1 dropped for want of a descriptor"
	log_has bs "SS ${mac[1]} SAID 0x$(printf %04x "$last"): Key Reply \\(multicast"
	assert_eq "$(sa_field "$(ss_sock 1)" "$last" .suite)" aes-ccm \
		"group $groups's suite at SS1 (the BS's default)"
	assert_eq "$(kernel_teks 1 "$last")" "$(kernel_teks 0 "$last")" \
		"group $groups's TEKs in SS1's kernel and the BS's"
}

test_traffic() {
	local rx0
	rx0=$(cnt 1 said "$last" rx-packets)
	# shellcheck disable=SC2016 # expanded by the inner shell
	n0 bash -c 'for ((i = 0; i < $2; i++)); do
		echo "d$i" > "/dev/udp/$1/5001"; done' _ "239.16.0.$groups" "$frames"
	wait_for 10 rx_grew "$rx0"
	expect_cnt 1 0 said "$last" rx-bad-icv
}
rx_grew() { (($(cnt 1 said "$last" rx-packets) == $1 + frames)); }

# group 15's SA in SS1's log lines once it has its SAID
label() { echo "SAID 0x$(printf %04x "$last") \\(group $groups\\)"; }
relearned() {
	log_has ss1 "$(label): SAID 0x$(printf %04x "$last") described by the Key Reply" &&
		sa_state_is 1 "$last" operational
}

test_relearned() {
	# the reauthorization, 20 s after the authorization
	wait_for 40 log_has ss1 "$(label): not described by the Auth Reply, its next Key Request names SAID 0"
	ctl_ss 1 rekey "$last"
	wait_for 20 relearned
	assert_eq "$(log_count ss1 "with no SA-Descriptor yet")" 0 \
		"Key Replies SS1 dropped for want of a descriptor"
	assert_eq "$(sa_field "$(ss_sock 1)" "$last" .suite)" aes-ccm \
		"group $groups's suite at SS1"
	assert_eq "$(kernel_teks 1 "$last")" "$(kernel_teks 0 "$last")" \
		"group $groups's TEKs in SS1's kernel and the BS's"
}

setup
log "setup: $SECONDS s"
audit_start
wire_start
run_test "BS with broadcast and $groups groups, SS1 a member of all: every SA keyed" test_keys
run_test "group $groups, left out of the Auth Reply, is described by the Key Reply to SAID 0" test_described
run_test "SS1 decrypts group $groups's traffic" test_traffic
run_test "after SS1's reauthorization, group $groups's descriptor is asked for again with SAID 0" test_relearned
run_test "nonce audit: no (key, nonce) pair twice" audit_check
run_test "wire conformance: stock tshark decodes every PDU on the air, the Key Reply's SA-Descriptor too" \
	wire_check auth-reply,key-reply-multicast,encrypted
dump_logs 10
ktap_finished
