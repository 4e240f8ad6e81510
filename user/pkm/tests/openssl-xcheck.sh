#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Recomputes the fixed vectors of tests/vectors.h and the Key Request
# example of test_msg.c with openssl(1), independently of libpkm.
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

# Key Request example: everything before the tag, under the uplink key.
covered=0907010a01010c0220051c01011d01058c1400000001
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
perl -e 'print pack("H*", $ARGV[0])' "$covered" >"$tmp"
tag=$(openssl mac -cipher AES-128-CBC \
	-macopt hexkey:2fd05fdd8ec21816f8d124dd9282a605 -in "$tmp" CMAC | lower)
check "AES-CMAC of the Key Request example" "$tag" \
	916dc86da767c170c5407180bfd27304

echo "1..$n"
exit $fail
