#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The wire checker on hand-made MAC PDUs (TAP): one capture of every kind
# of message wman sends, in the encodings of issue 10, must pass with
# every exception counted; then each mistake Wireshark shows (the older
# encodings among them) must fail the test it belongs to, and say where.
# The PDUs are written here in hex, their LEN and HCS computed here.
#
#   AIR2PCAP=build/tools/wire-check/air2pcap bash tests/test_wire_check.sh
set -u

here=$(cd "$(dirname "$0")" && pwd -P)
check=$here/../wire-check
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_wire_check.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
n=0 failed=0

if ! command -v tshark >/dev/null; then
	echo "1..0 # SKIP tshark not installed (tools/install-deps.sh)"
	exit 0
fi

ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# hcs HEX10: the CRC-8 (polynomial 0x07) of header bytes 0-4, two hex digits.
hcs() {
	local c=0 i b
	for ((i = 0; i < 10; i += 2)); do
		c=$((c ^ 16#${1:i:2}))
		for ((b = 0; b < 8; b++)); do
			((c & 0x80)) && c=$(((c << 1 ^ 0x07) & 0xff)) || c=$(((c << 1) & 0xff))
		done
	done
	printf '%02x' "$c"
}

# pdu CID BODY [EC]: a generic MAC PDU in hex: header (LEN, HCS) then BODY
# (hex, spaces allowed).
pdu() {
	local body=${2// /} len h
	len=$((6 + ${#body} / 2))
	h=$(printf '%02x%02x%02x%04x' $((${3:-0} ? 0x40 : 0)) $((len >> 8)) $((len & 0xff)) "$1")
	echo "$h$(hcs "$h")$body"
}
# bytes N [BYTE]: N bytes of BYTE (default 00) in hex.
bytes() {
	local out='' i
	for ((i = 0; i < $1; i++)); do out+=${2:-00}; done
	echo "$out"
}
# tlv TYPE VALUE-HEX: Wireshark's TLV encoding (0x81/0x82 long lengths).
tlv() {
	local v=${2// /} l
	l=$((${#v} / 2))
	if ((l < 128)); then
		printf '%02x%02x%s' "$1" "$l" "$v"
	elif ((l < 256)); then
		printf '%02x81%02x%s' "$1" "$l" "$v"
	else
		printf '%02x82%04x%s' "$1" "$l" "$v"
	fi
}

bc=321			# a basic or primary CID Wireshark takes for management
mac=021600000011
cmac=$(tlv 40 "$(bytes 4 00)$(bytes 8 a5)")	# PN, then 8 bytes of tag
suite_ccm=020004 suite_gcm=800004
tek_params() { tlv 13 "$(tlv 8 "$(bytes 24 11)")$(tlv 9 00000708)$(tlv 10 "0$1")"; }

# ---- what wman sends (issue 10) ---------------------------------------------------

rng_req=$(pdu 0 "0400 $(tlv 2 $mac)")
rng_rsp=$(pdu 0 "0500 $(tlv 4 03)$(tlv 8 $mac)$(tlv 9 0001)$(tlv 10 0141)")
sec_caps=$(tlv 19 "$(tlv 21 "$(tlv 20 $suite_ccm)$(tlv 20 $suite_gcm)")$(tlv 22 01)")
auth_request=$(pdu $bc "0904 01 $(tlv 18 "$(bytes 300 30)")$(tlv 33 "$(bytes 8 5a)")$(tlv 39 $mac)$sec_caps$(tlv 44 "$(bytes 256 77)")")
sa_uc=$(tlv 23 "$(tlv 12 2001)$(tlv 24 00)$(tlv 20 $suite_ccm)$(tlv 31 00)")
sa_mc=$(tlv 23 "$(tlv 12 fe01)$(tlv 24 02)$(tlv 20 $suite_gcm)$(tlv 31 01)$(tlv 29 01)")
sa_mc3=$(tlv 23 "$(tlv 12 fe03)$(tlv 24 01)$(tlv 20 $suite_ccm)$(tlv 31 01)$(tlv 29 03)")
sa_bc=$(tlv 23 "$(tlv 12 fe00)$(tlv 24 02)$(tlv 20 $suite_ccm)$(tlv 31 02)")
auth_reply=$(pdu $bc "0a05 01 $(tlv 7 "$(bytes 256 33)")$(tlv 9 00093a80)$(tlv 10 01)$sa_uc$sa_mc$sa_bc$(tlv 33 "$(bytes 8 5a)")$(tlv 37 "$(bytes 400 30)")$(tlv 38 "$(bytes 72 66)")")
auth_reject=$(pdu $bc "0a06 02 $(tlv 16 06)$(tlv 6 "$(printf 'untrusted' | od -An -tx1 | tr -d ' \n')")$(tlv 33 "$(bytes 8 5a)")$(tlv 37 "$(bytes 400 30)")$(tlv 38 "$(bytes 72 66)")")
key_request() {	# key_request ID SAID SERVICE [GROUP]
	pdu $bc "0907 $1 $(tlv 10 01)$(tlv 12 "$2")$(tlv 28 "$3")${4:+$(tlv 29 "$4")}$cmac"
}
key_reply() {	# key_reply ID SAID [SA-DESCRIPTOR]: the latter to a request for SAID 0
	pdu $bc "0a08 $1 $(tlv 10 01)$(tlv 12 "$2")$(tek_params 0)$(tek_params 1)${3:-}$cmac"
}
key_reject() {	# key_reject ID SAID CODE
	pdu $bc "0a09 $1 $(tlv 10 01)$(tlv 12 "$2")$(tlv 16 "$3")$(tlv 6 6e6f)$cmac"
}
tek_invalid=$(pdu $bc "0a0b 09 $(tlv 10 01)$(tlv 12 2001)$(tlv 16 00)$cmac")
fragment=$(tlv 225 "0000000000000007 0001 0003 00000400")
gkuc=$(pdu 65535 "0af0 0a $(tlv 12 fe01)$(tlv 224 "$(bytes 200 42)")$(tlv 38 "$(bytes 72 66)")")
gkuc_frag=$(pdu 65535 "0af0 0b $(tlv 12 fe01)$fragment$(tlv 224 "$(bytes 500 42)")$(tlv 38 "$(bytes 72 66)")")
tuple=$(tlv 141 "01 7ffffff0 $(bytes 8 c3)")
dreg_req=$(pdu $bc "3100 $tuple")
dreg_cmd=$(pdu $bc "1d04 $tuple")
data=$(pdu 8193 "$(bytes 4 00)$(bytes 60 e7)$(bytes 8 99)" 1)

good=(
	"$rng_req" "$rng_rsp" "$auth_request" "$auth_reply"
	"$(key_request 01 2001 00)" "$(key_reply 01 2001)"
	"$(key_request 02 fe01 01 01)" "$(key_reply 02 fe01)"
	"$(key_request 03 fe02 01 02)" "$(key_reject 03 fe02 08)"
	"$(key_request 04 fe00 02)" "$(key_reject 04 fe00 03)"
	"$(key_request 05 0000 03)" "$(key_reject 05 0000 07)"
	"$(key_request 06 2001 00)" "$(key_reply 06 2001)"
	"$(key_request 07 0000 01 03)" "$(key_reply 07 fe03 "$sa_mc3")"
	"$tek_invalid" "$gkuc" "$gkuc_frag" "$dreg_req" "$dreg_cmd" "$data"
	"${data}ffffffffffff"	# Ethernet padding: cut to LEN
	"$auth_reject"
)
all_kinds=rng-req,rng-rsp,auth-request,auth-reply,auth-reject,key-request,key-reply,key-reject,tek-refresh,gkuc,gkuc-fragment,dreg-req,dreg-cmd,encrypted,tek-invalid,key-request-unicast,key-request-multicast,key-request-broadcast,key-request-st3,key-reply-unicast,key-reply-multicast,key-reject-multicast,key-reject-broadcast,key-reject-st3

# run NAME PDU...: wire-check on those PDUs; its output in $tmp/NAME.out,
# its status in $rc.
run() {
	local name=$1 opts=(--hex)
	shift
	printf '%s\n' "$@" >"$tmp/$name.hex"
	[[ -z ${expect:-} ]] || opts+=(--expect "$expect")
	rc=0
	"$check" "${opts[@]}" "$tmp/$name.hex" >"$tmp/$name.out" 2>&1 || rc=$?
}
# has NAME REGEX: the output of run NAME has a matching line.
has() { grep -Eq -- "$2" "$tmp/$1.out"; }
show() { sed 's/^/#   /' "$tmp/$1.out"; }

expect=$all_kinds run good "${good[@]}"
ok $((rc != 0)) "what wman sends, every kind of message: passes (exit $rc)"
[[ $rc == 0 ]] || show good
has good '^# +2 +PKM-RSP Unknown \(240\) = Group Key Update Command' &&
	has good '^# +1 +  Key Request again after a Key Reply.*tek-refresh' &&
	has good '^# +2 +encrypted data PDUs' &&
	has good '^# +7 +exception: Key Request: Service-Type \(28.*\[seed-28-eap\]' &&
	has good '^# +1 +exception: Auth Reply: Multicast-Service-Group-ID.*\[seed-29-in-23\]' &&
	has good '^# +1 +exception: Key Reply: Multicast-Service-Group-ID.*\[seed-29-in-23\]' &&
	has good '^# +1 +exception: Key Reject: error code 7 .*\[seed-error-7\]' &&
	has good '^# +1 +exception: Key Reject: error code 8 .*\[seed-error-8\]' &&
	has good '^# +1 +exception: Auth Request: Cryptographic-Suite-List.*\[ws-21-in-19\]' &&
	has good '^# +1 +exception, in a workaround copy: Auth Request: Version \(22\).*\[ws-22-in-19\]' &&
	has good '^# +1 +exception: Group Key Update Command: attribute 0xe1.*\[wman-gkuc\]' &&
	has good '^# +2 +exception: Group Key Update Command: attribute 0xe0.*\[wman-gkuc\]' &&
	has good '^# +2 +exception: Group Key Update Command: PKM code 0xf0.*\[wman-gkuc\]' &&
	has good '^# +1 +exception: DREG-REQ: not dissected.*\[ws-dreg-bytes\]' &&
	has good '^# +24 +expert note: CRC is not included' &&
	has good 'padded=1 ' && has good '^ok 4 - the excepted requests decode whole from their workaround copies \(8 copies\)'
ok $? "its table: each message and each exception counted"

# bad NAME TEST REGEX DESCRIPTION PDU...: the checker fails test TEST on
# these PDUs, and a line says REGEX.
bad() {
	local name=$1 t=$2 re=$3 desc=$4
	shift 4
	run "$name" "$@"
	if [[ $rc == 1 ]] && has "$name" "^not ok $t " && has "$name" "$re"; then
		ok 0 "$desc"
	else
		ok 1 "$desc (exit $rc)"
		show "$name"
	fi
}

# the encodings before issue 10
old_cmac=$(tlv 140 "$(bytes 20 a5)")
bad cmac140 2 'frame 1 .*Key Reply.*Unknown Type\) at 140' \
	"CMAC-Digest as 140 (20 bytes): Unknown Type" \
	"$(pdu $bc "0a08 01 $(tlv 10 01)$(tlv 12 2001)$(tek_params 0)$old_cmac")"
bad cmac140-behind-28 4 'frame 1 .*workaround copy 2 .*Unknown Type\) at 140' \
	"CMAC-Digest 140 behind a Key Request's 28, which hides it from tshark: found in the copy" \
	"$(pdu $bc "0907 01 $(tlv 10 01)$(tlv 12 2001)$(tlv 28 00)$old_cmac")"
bad flat21 4 'frame 1 .*Invalid TLV.*\(TLV 21\)' \
	"a flat Cryptographic-Suite-List (3-byte suites, no 20s): found in the copy" \
	"$(pdu $bc "0904 01 $(tlv 19 "$(tlv 21 "$suite_ccm$suite_gcm")$(tlv 22 01)")$(tlv 44 "$(bytes 64 77)")")"
bad suite-in-13 2 'Unknown Type\) at 13/20' \
	"a Cryptographic-Suite inside TEK-Parameters: Unknown Type" \
	"$(pdu $bc "0a08 01 $(tlv 10 01)$(tlv 12 2001)$(tlv 13 "$(tlv 8 "$(bytes 24 11)")$(tlv 20 $suite_ccm)")$cmac")"
bad svc28-in-23 2 'Unknown Type\) at 23/28' \
	"the seed's Service-Type (28) inside an SA-Descriptor: Unknown Type" \
	"$(pdu $bc "0a05 01 $(tlv 23 "$(tlv 12 2001)$(tlv 24 00)$(tlv 20 $suite_ccm)$(tlv 28 00)")$(tlv 38 "$(bytes 72 66)")")"
bad primary-4097 3 'clear PDU on CID 4097 shown as Data' \
	"a Key Request on primary CID 0x1001: shown as Data" \
	"$(pdu 4097 "0907 01 $(tlv 10 01)$(tlv 12 2001)$(tlv 28 00)$cmac")"
bad rekey-cid 3 'clear PDU on CID 65281 shown as Data' \
	"a rekey on CID 0xff01 (group CID ^ 0x100): shown as Data" \
	"$(pdu 65281 "0af0 0a $(tlv 12 fe01)$(tlv 224 "$(bytes 40 42)")$(tlv 38 "$(bytes 72 66)")")"
bad tuple21 2 'CMAC Tuple \(141\) of 21 bytes' \
	"a 21-byte DREG CMAC Tuple" \
	"$(pdu $bc "3100 $(tlv 141 "01 7ffffff0 $(bytes 16 c3)")")"

# other mistakes
bad not-last 4 'Security-Capabilities \(19\) is not last before SigSS' \
	"Security-Capabilities in the middle of an Auth Request: what follows is hidden" \
	"$(pdu $bc "0904 01 $sec_caps$(tlv 39 $mac)$(tlv 44 "$(bytes 64 77)")")"
bad lifetime5 1 'expert warning: Trying to fetch an unsigned integer with length 5' \
	"a 5-byte Key-Lifetime: expert warning" \
	"$(pdu $bc "0a08 01 $(tlv 10 01)$(tlv 12 2001)$(tlv 13 "$(tlv 8 "$(bytes 24 11)")$(tlv 9 0000000708)$(tlv 10 00)")$cmac")"
bad empty-tlv 2 'Invalid TLV' "a zero-length attribute: TLV error" \
	"$(pdu $bc "0a08 01 $(tlv 10 01)0c00$cmac")"
bad bad-hcs 1 'MAC Header CRC error' "a bad HCS" \
	"$(p=$(pdu $bc "0a08 01 $(tlv 10 01)"); echo "${p:0:10}00${p:12}")"
bad cut 5 'PDUs cut short' "a PDU cut short (LEN past the record)" \
	"$(p=$(pdu $bc "0a08 01 $(tlv 10 01)$(tlv 12 2001)"); echo "${p:0:-4}")"
bad rng-141 2 'Unknown TLV Type.*\(TLV 141\)' "an RNG-RSP with a CMAC Tuple: Unknown TLV Type" \
	"$(pdu 0 "0500 $(tlv 4 03)$tuple")"
bad error9 2 'error code 9 unknown to Wireshark' "Key Reject error code 9 (no label, not the seed's 7 or 8)" \
	"$(key_reject 01 2001 09)"
bad error7-tek-invalid 2 'error code 7 unknown to Wireshark' "error code 7 in a TEK Invalid: only a Key Reject's is excepted" \
	"$(pdu $bc "0a0b 09 $(tlv 10 01)$(tlv 12 2001)$(tlv 16 07)$cmac")"
bad code153 2 'PKM code 153 unknown to Wireshark' "an unknown PKM code" \
	"$(pdu $bc "0a99 01 $(tlv 12 2001)")"
bad e0-elsewhere 2 'Unknown Type\) at 224' "a Group-Key-Payload in a Key Reply: only the Group Key Update Command's is excepted" \
	"$(pdu $bc "0a08 01 $(tlv 10 01)$(tlv 12 2001)$(tlv 224 00)$cmac")"
bad svc29-in-key-reject 2 'Unknown Type\) at 23/29' "a 29 in an SA-Descriptor outside an Auth Reply or Key Reply" \
	"$(pdu $bc "0a09 01 $(tlv 23 "$(tlv 12 2001)$(tlv 29 01)")$cmac")"
bad mgmt200 2 'management message type 200 unknown' "an unknown management message type" \
	"$(pdu $bc "c8 0102")"
bad signalling 1 'signalling header' "a signalling header (HT=1)" \
	"$(h=800000$(printf %04x $bc); echo "$h$(hcs "$h")")"
expect=rng-req,dreg-cmd bad expect 6 'not on the air: dreg-cmd' "--expect: a kind that was not on the air" \
	"$rng_req"

echo "1..$n"
exit $failed
