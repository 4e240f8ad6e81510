#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The management path pkmd uses: `wman mgmt send` puts a MAC management
# PDU on a management connection, in clear; `wman mgmt listen` (the
# device's registered listener) receives it on the other side with its CID,
# sender and exact bytes.
#
#   SS1 -> BS  PKM-REQ (type 9) on SS1's basic CID
#   BS -> SS1  PKM-RSP (type 10) on the same CID, to the connection's peer
#   BS -> all  on CID 0 (no peer: broadcast), and to one SS with `to MAC`
#
# Without a listener a PDU is counted as mgmt-rx-dropped; a second
# listener is refused.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

req=09010203040506a5b6c7d8e9f0	# PKM-REQ: type 9, then the PKM body
rsp=0a0102030405060708090a0b0c0d0e0f10	# PKM-RSP: type 10

# check_pdu FILE CID MAC TYPE HEX: FILE holds exactly one PDU line
# "cid CID from MAC type TYPE len LEN hex HEX" with these values.
check_pdu() {
	local file=$1 cid=$2 from=$3 type=$4 hex=$5 line re
	re='^cid (0x[0-9a-fA-F]+|[0-9]+) from ([0-9a-fA-F:]+) type ([0-9]+) len ([0-9]+) hex (.*)$'
	assert_eq "$(grep -c '^cid ' "$file")" 1 "PDUs received"
	line=$(grep '^cid ' "$file")
	log "received: ${line:0:100}"
	[[ $line =~ $re ]]
	assert_eq $((BASH_REMATCH[1])) "$cid" "cid"
	assert_eq "${BASH_REMATCH[2],,}" "$from" "sender"
	assert_eq "${BASH_REMATCH[3]}" "$type" "type"
	assert_eq "${BASH_REMATCH[4]}" $((${#hex} / 2)) "len"
	local got=${BASH_REMATCH[5]//[ :]/}
	assert_eq "${got,,}" "$hex" "bytes"
}

# listen_start N FILE: a listener for one PDU in node N.
listen_start() {
	: > "$2"
	bg stdbuf -oL "$WMAN" -n "${ns[$1]}" mgmt listen dev wman0 count 1 timeout 30 > "$2" 2>&1
	listen_pid=$bg_pid
}

# send_until_heard FROM-NODE FILE SEND-ARGS...: the listener registers
# asynchronously; send until the PDU shows up (at most once a second).
# The number of sends is in $sends.
send_until_heard() {
	local n=$1 file=$2 i; shift 2
	sends=0
	for ((i = 0; i < 10; i++)); do
		wm "$n" mgmt send dev wman0 "$@"
		sends=$((sends + 1))
		poll_for 1 grep -qs '^cid ' "$file" && return 0
	done
	return 1
}

test_ss_to_bs() {
	local out=$TMP/bs.out cap=$TMP/mgmt.pcap rx drop tx
	rx=$(cnt 0 mgmt-rx)
	drop=$(cnt 0 mgmt-rx-dropped)
	tx=$(cnt 1 mgmt-tx)
	listen_start 0 "$out"
	capture_start 0 veth0 1 "$cap"
	send_until_heard 1 "$out" cid "${mgmt_cid[1]}" hex "$req"
	capture_wait
	wait "$listen_pid"
	check_pdu "$out" "${mgmt_cid[1]}" "${mac[1]}" 9 "$req"
	expect_cnt 0 $((rx + 1)) mgmt-rx
	expect_cnt 0 $((drop + sends - 1)) mgmt-rx-dropped
	expect_cnt 1 $((tx + sends)) mgmt-tx
	# in clear on the air, to the BS
	assert_eq "$(count_frames "$cap" "ec == 0 && mgmt == 9 && cid == ${mgmt_cid[1]} && dst == \"${mac[0]}\"")" 1 "clear PKM-REQ frames"
	assert_eq "$("$FRAME" grep "$cap" "$req")" 1 "frames with the PDU bytes"
}

test_bs_to_ss() {
	local out=$TMP/ss1.out rx
	rx=$(cnt 1 mgmt-rx)
	listen_start 1 "$out"
	send_until_heard 0 "$out" cid "${mgmt_cid[1]}" hex "$rsp"
	wait "$listen_pid"
	check_pdu "$out" "${mgmt_cid[1]}" "${mac[0]}" 10 "$rsp"
	expect_cnt 1 $((rx + 1)) mgmt-rx
}

test_from_file() {
	local out=$TMP/file.out pdu=$TMP/pdu.bin hex
	# a 1400-byte PKM-REQ from a file
	hex=09$(head -c 1399 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
	printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf '%b' > "$pdu"
	assert_eq "$(stat -c %s "$pdu")" 1400 "PDU file size"
	listen_start 0 "$out"
	send_until_heard 2 "$out" cid "${mgmt_cid[2]}" file "$pdu"
	wait "$listen_pid"
	check_pdu "$out" "${mgmt_cid[2]}" "${mac[2]}" 9 "$hex"
}

test_no_listener() {
	local drop rx
	drop=$(cnt 0 mgmt-rx-dropped)
	rx=$(cnt 0 mgmt-rx)
	wm3 mgmt send dev wman0 cid "${mgmt_cid[3]}" hex "$req"
	expect_cnt 0 $((drop + 1)) mgmt-rx-dropped
	expect_cnt 0 "$rx" mgmt-rx
}

test_second_listener() {
	local out=$TMP/first.out first
	: > "$out"
	bg stdbuf -oL "$WMAN" -n "${ns[0]}" mgmt listen dev wman0 count 2 timeout 30 > "$out" 2>&1
	first=$bg_pid
	# registered once a PDU reached it
	send_until_heard 1 "$out" cid "${mgmt_cid[1]}" hex "$req"
	refused wm0 mgmt listen dev wman0 count 1 timeout 2
	kill "$first"
}

# CID 0 has no peer on the BS: its PDUs go to every SS; `to MAC` to one.
test_broadcast_and_to() {
	local n out
	for n in "${nodes[@]}"; do
		wm "$n" conn add dev wman0 cid 0 kind mgmt
	done
	for n in 1 2; do
		listen_start "$n" "$TMP/ranging$n.out"
	done
	# resend until both heard one (the listeners register asynchronously)
	wait_for 10 both_heard
	for n in 1 2; do
		check_pdu "$TMP/ranging$n.out" 0 "${mac[0]}" 10 "$rsp"
	done
	out=$TMP/to.out
	local rx1 drop1
	rx1=$(cnt 1 mgmt-rx)
	drop1=$(cnt 1 mgmt-rx-dropped)
	listen_start 2 "$out"
	send_until_heard 0 "$out" cid 0 to "${mac[2]}" hex "$rsp"
	check_pdu "$out" 0 "${mac[0]}" 10 "$rsp"
	# addressed to SS2 only: SS1 neither delivered nor dropped one
	expect_cnt 1 "$rx1" mgmt-rx
	expect_cnt 1 "$drop1" mgmt-rx-dropped
}

both_heard() {
	wm0 mgmt send dev wman0 cid 0 hex "$rsp"
	poll_for 1 grep -qs '^cid ' "$TMP/ranging1.out" && grep -qs '^cid ' "$TMP/ranging2.out"
}

topo_setup mgmt
run_test "mgmt: SS1 -> BS PKM-REQ (type 9), exact bytes, clear on the air" test_ss_to_bs
run_test "mgmt: BS -> SS1 PKM-RSP (type 10) to the connection's peer" test_bs_to_ss
run_test "mgmt: a 1400-byte PDU from a file" test_from_file
run_test "mgmt: no listener: mgmt-rx-dropped" test_no_listener
run_test "mgmt: a second listener is refused" test_second_listener
run_test "mgmt: CID 0 without peer reaches every SS, 'to MAC' only one" test_broadcast_and_to
run_test "mgmt: no namespace or device leaked" leak_check
ktap_finished
