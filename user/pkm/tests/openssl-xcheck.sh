#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Recomputes the fixed vectors of tests/vectors.h, the Key Request and
# Key Reply examples of test_msg.c and the DREG-REQ of test_dreg.c with
# openssl(1), independently of libpkm.  The wire carries the first 8
# bytes of each AES-CMAC tag.
set -u

n=0
fail=0
check() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   openssl: $2"
		echo "#   want:    $3"
		fail=1
	fi
}
lower() { tr -d ':\n ' | tr 'A-F' 'a-f'; }

if ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP openssl(1) not installed"
	exit 0
fi

ak=000102030405060708090a0b0c0d0e0f10111213
# "wman-pkm-keys" | SS MAC 02:00:00:00:00:02 | BSID 02:00:00:00:00:01
info=776d616e2d706b6d2d6b657973020000000002020000000001
okm=$(openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexkey:$ak \
	-kdfopt hexinfo:$info HKDF | lower)
check "HKDF-SHA256 KEK" "$(echo "$okm" | cut -c1-32)" \
	91cc150acdb7134cce2e91cf95e71ea7
check "HKDF-SHA256 uplink digest key" "$(echo "$okm" | cut -c33-64)" \
	2fd05fdd8ec21816f8d124dd9282a605
check "HKDF-SHA256 downlink digest key" "$(echo "$okm" | cut -c65-96)" \
	79a875bf9a45b0d698e3aa332cdae5cd

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# cmac8 KEY-HEX COVERED-HEX: the first 8 bytes of the AES-CMAC tag, in hex.
cmac8() {
	perl -e 'print pack("H*", $ARGV[0])' "$2" >"$tmp"
	openssl mac -cipher AES-128-CBC -macopt "hexkey:$1" -in "$tmp" CMAC |
		lower | cut -c1-16
}

# Key Request example: everything before the tag, under the uplink key.
check "AES-CMAC of the Key Request example" \
	"$(cmac8 2fd05fdd8ec21816f8d124dd9282a605 \
		0907010a01010c0220051c01011d0105280c00000001)" \
	86e0338d6581c3c9

# Key Reply example, under the downlink key; and its first wrapped TEK.
kr=0a08010a01010c022005
kr=${kr}0d230818842bfd639d8808474a0a43ff9ca6960f54824562a96758d5
kr=${kr}0904000007080a0103
kr=${kr}0d230818448f6131e335c3f5fcc70e03000a73f949e93ab8b7a30c68
kr=${kr}090400000e100a0100
kr=${kr}280c00000001
check "AES-CMAC of the Key Reply example" \
	"$(cmac8 79a875bf9a45b0d698e3aa332cdae5cd "$kr")" a880f36afca813d9
perl -e 'print pack("H*", $ARGV[0])' 000102030405060708090a0b0c0d0e0f >"$tmp"
check "AES Key Wrap of the Key Reply example's older TEK" \
	"$(openssl enc -id-aes128-wrap -K 91cc150acdb7134cce2e91cf95e71ea7 \
		-iv A6A6A6A6A6A6A6A6 -in "$tmp" | od -An -v -tx1 | lower)" \
	842bfd639d8808474a0a43ff9ca6960f54824562a96758d5

# DREG-REQ of test_dreg.c: type 49, code 0, CMAC Tuple (AK 3, PN 0x01020304).
check "AES-CMAC of the DREG-REQ of test_dreg.c" \
	"$(cmac8 000102030405060708090a0b0c0d0e0f 31008d0d0301020304)" \
	0e5596417a2fb39a
check "AES-CMAC of the DREG-CMD of test_dreg.c" \
	"$(cmac8 000102030405060708090a0b0c0d0e0f 1d048d0d0300000007)" \
	97514689dc3a4117

echo "1..$n"
exit $fail
