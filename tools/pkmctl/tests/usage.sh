#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pkmctl against a stand-in for pkmd (tests/fake_pkmd.c: a unix socket
# server that records each request and answers from a script): usage
# errors, exit codes, the requests sent and the output printed.  TAP.

PKMCTL=${PKMCTL:-../../build/tools/pkmctl/pkmctl}
FAKE_PKMD=${FAKE_PKMD:-../../build/tools/pkmctl/fake_pkmd}
dir=$(mktemp -d /tmp/pkmctl-test.XXXXXX)
sock=$dir/pkmd.sock
n=0
failed=0

cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

check() {	# check DESCRIPTION COMMAND...
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

status_is() {	# status_is WANT COMMAND...
	want=$1
	shift
	"$@" >"$dir/out" 2>"$dir/err"
	got=$?
	[ "$got" = "$want" ] || { echo "# exit $got, want $want: $*"; cat "$dir/err" | sed 's/^/#   /'; return 1; }
}

check "no arguments: usage, exit 2" status_is 2 "$PKMCTL"
check "unknown object: exit 2" status_is 2 "$PKMCTL" frobnicate
check "unknown object is named" grep -q '"frobnicate"' "$dir/err"
check "subscriber add without mac: exit 2" status_is 2 "$PKMCTL" subscriber add ss1 provider p
check "subscriber add with a bad MAC: exit 2" status_is 2 "$PKMCTL" subscriber add ss1 mac 02:16 provider p
check "subscriber add with a bad service: exit 2" status_is 2 "$PKMCTL" subscriber add ss1 mac 02:16:00:00:00:11 provider p services video
check "rekey with a bad SAID: exit 2" status_is 2 "$PKMCTL" rekey 70000
check "deregister with an argument: exit 2" status_is 2 "$PKMCTL" deregister now
check "group member with a bad group: exit 2" status_is 2 "$PKMCTL" group member add 256 ss1
check "-h: exit 0" status_is 0 "$PKMCTL" -h
check "no daemon: exit 3" status_is 3 "$PKMCTL" -s "$dir/none.sock" status
check "no daemon: the socket is named" grep -q "none.sock" "$dir/err"

cat >"$dir/answers" <<'EOF_ANSWERS'
{"ok":true}
{"ok":true,"result":[{"said":8193,"cid":8193,"service":"unicast","owner":"02:16:00:00:00:11","cn":"ss1","suite":"aes-ccm","teks":[{"eks":0,"generation":"older","remaining":100},{"eks":1,"generation":"newer","remaining":200}]}]}
{"ok":true,"result":{"role":"ss","interface":"wman0","entered":true,"auth_state":"authorized"}}
{"ok":false,"error":"no subscriber nobody","errno":"ENOENT"}
{"ok":true,"result":[{"id":5,"cid":65029,"said":65029,"suite":"aes-gcm","addresses":["01:00:5e:10:00:05"],"members":["ss1","ss2"],"tree":{"scheme":"lkh","degree":4,"height":1,"members":2,"epoch":7}},{"id":6,"cid":65030,"said":65030,"suite":"aes-ccm","addresses":[],"members":[],"tree":null}]}
{"ok":true}
{"ok":false,"error":"already deregistered","errno":"EALREADY"}
EOF_ANSWERS
"$FAKE_PKMD" "$sock" "$dir/answers" "$dir/requests" &
server=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

check "subscriber add: exit 0" status_is 0 "$PKMCTL" -s "$sock" sub add ss1 mac 02:16:00:00:00:11 provider net-a services unicast,multicast
check "subscriber add: the request" grep -qx '{"command":"subscriber-add","cn":"ss1","mac":"02:16:00:00:00:11","provider":"net-a","services":\["unicast","multicast"\]}' "$dir/requests"
check "sa list: exit 0" status_is 0 "$PKMCTL" -s "$sock" sa list
check "sa list: a row with SAID, owner and both TEKs" grep -Eq '^0x2001 +unicast +ss1 02:16:00:00:00:11 +aes-ccm +- +EKS 0 100 s +EKS 1 200 s$' "$dir/out"
check "status -j: exit 0" status_is 0 "$PKMCTL" -j -s "$sock" status
check "status -j: the result as JSON" grep -qx '{"role":"ss","interface":"wman0","entered":true,"auth_state":"authorized"}' "$dir/out"
check "a refusal: exit 1" status_is 1 "$PKMCTL" -s "$sock" subscriber revoke nobody
check "a refusal: the daemon's reason on stderr" grep -q "no subscriber nobody" "$dir/err"
check "group list: exit 0" status_is 0 "$PKMCTL" -s "$sock" group list
check "group list: a row with its tree" grep -Eq '^5 +0xfe05 +aes-gcm +01:00:5e:10:00:05 +ss1,ss2 +lkh +4 +2 +7$' "$dir/out"
check "group list: a group without a tree" grep -Eq '^6 +0xfe06 +aes-ccm +- +- +none +- +- +-$' "$dir/out"
check "group member del: exit 0" status_is 0 "$PKMCTL" -s "$sock" group member del 5 ss2
check "group member del: the request" grep -qx '{"command":"group-member-del","group":5,"cn":"ss2"}' "$dir/requests"
check "deregister: refused, exit 1" status_is 1 "$PKMCTL" -s "$sock" deregister
check "deregister: the request" grep -qx '{"command":"deregister"}' "$dir/requests"
check "deregister: the daemon's reason on stderr" grep -q "already deregistered" "$dir/err"

echo "1..$n"
[ $failed -eq 0 ]
