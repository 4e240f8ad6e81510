#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkmload against a real BS daemon over its test transport, on the host
# (TAP).  PKMLOAD and PKMD name the binaries (the Makefile sets them).
set -uo pipefail

: "${PKMLOAD:?PKMLOAD=path/to/pkmload}" "${PKMD:?PKMD=path/to/pkmd}"
for c in jq; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c not installed"; exit 0; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pkmload-test.XXXXXX")
daemon_pid=
n=0
failed=0
cleanup() {
	[[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid"
	rm -rf "$work"
}
trap cleanup EXIT

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while ((tries-- > 0)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

write_conf() {	# write_conf DIR [[TEST] LINES [[BS] LINES]]
	cat >"$1/bs.conf" <<-CONF
		[pkmd]
		role = bs
		interface = wman0
		database = $1/bs.db
		control = $1/ctl.sock
		log-level = info

		[bs]
		ca-certificate = $work/ca/ca.pem
		certificate = $work/ca/bs.pem
		private-key = $work/ca/bs.key
		provider = load
		${3:-}

		[test]
		mgmt-socket = $1/link.sock
		${2:-}
	CONF
}

start_daemon() {	# start_daemon DIR
	rm -f "$1/ctl.sock"	# left by a daemon killed with -9
	"$PKMD" -f --test-mode -c "$1/bs.conf" 2>>"$1/bs.log" &
	daemon_pid=$!
	wait_for 10 test -S "$1/ctl.sock"
}

stop_daemon() {
	kill "$daemon_pid" && wait "$daemon_pid"
	local status=$?
	daemon_pid=
	return "$status"
}

echo "1..21"

"$PKMLOAD" ca "$work/ca"
ok $? "pkmload ca makes a CA and a BS identity"

# 1. The transport carries a whole storm and sustained Key Requests.
d=$work/a
mkdir -p "$d"
write_conf "$d" "kernel-requests = record"
"$PKMD" -t --test-mode -c "$d/bs.conf" >/dev/null
ok $? "pkmd -t --test-mode accepts [test] mgmt-socket and kernel-requests"
start_daemon "$d"
ok $? "pkmd starts on the test transport"
"$PKMLOAD" run -d "$work/ca" -l "$d/link.sock" -c "$d/ctl.sock" -n 50 \
	-w 16 -t 1 -k 2 -j "$d/out.json" -S "$d/windows" >"$d/pkmload.out" 2>&1
ok $? "50 SSs: ranged, authorized, keyed, then 1 s of Key Requests, every answer right"
jq -e '.ok and .lost == 0 and .duplicated == 0 and .mismatched == 0' \
	"$d/out.json" >/dev/null
ok $? "the JSON says nothing was lost, duplicated or mismatched"
jq -e '.key_requests.answered > 50 and .key_requests.p99_us >= .key_requests.p50_us' \
	"$d/out.json" >/dev/null
ok $? "Key Requests answered in the sustained phase, with latencies"
# Every unicast SA is created in the kernel (recorded, not applied):
# SA, connection, two TEKs, plus the SSs' management connections.
jq -e '.kernel_records >= 50 * 4 and .kernel_teks_checked == 100' \
	"$d/out.json" >/dev/null
ok $? "kernel requests recorded, each TEK given out is the one the BS installs ($(jq .kernel_records "$d/out.json") records)"
grep -q "SS 02:4c:00:00:00:32: Auth Reply: load-000050 authorized" "$d/bs.log"
ok $? "the daemon's log shows the 50th SS authorized"
wait_for 5 grep -q "test link: client left (.* 0 dropped" "$d/bs.log"
ok $? "the daemon dropped no answer"
# Group commit: every answered request's window is on disk, even
# after kill -9 (the daemon answers only after the commit).
{ kill -9 "$daemon_pid" && wait "$daemon_pid"; } 2>/dev/null
daemon_pid=
if command -v sqlite3 >/dev/null; then
	sqlite3 "$d/bs.db" "SELECT mac || ' ' || rx_next FROM aks WHERE slot = 0 ORDER BY mac" \
		>"$d/db-windows" && sort "$d/windows" | cmp -s - "$d/db-windows"
	ok $? "after kill -9 the database holds each SS's receive window of its last answered request ($(wc -l <"$d/db-windows") SSs)"
else
	n=$((n + 1))
	echo "ok $n # SKIP sqlite3 not installed"
fi
start_daemon "$d" && wait_for 5 grep -q "50 subscribers, 50 stations" "$d/bs.log"
ok $? "pkmd restarts on the same database (50 subscribers, 50 stations)"
stop_daemon
ok $? "pkmd stops cleanly (exit 0)"

# 1b. More SSs than the 320 Basic CIDs Wireshark assumes: the BS is
# given more, and pkmload checks the layout for them (Primary CID m + N).
d=$work/m
mkdir -p "$d"
write_conf "$d" "" "basic-cid-max = 400"
start_daemon "$d"
"$PKMLOAD" run -d "$work/ca" -l "$d/link.sock" -c "$d/ctl.sock" -n 400 -m 400 \
	-w 64 -t 0 -k 2 -q -j "$d/out.json" 2>"$d/pkmload.err"
status=$?
[[ $status == 0 ]] && jq -e '.ok and .ss == 400' "$d/out.json" >/dev/null
ok $? "basic-cid-max = 400: 400 SSs ranged (primary CIDs up to 800), authorized and keyed (exit $status)"
grep -q "SS 02:4c:00:00:01:90: ranged: basic CID 0x0190, primary CID 0x0320" "$d/bs.log"
ok $? "the 400th SS got Basic CID 400 and Primary CID 800"
stop_daemon
# A BS with another basic-cid-max than pkmload is told: a setup error.
d=$work/m2
mkdir -p "$d"
write_conf "$d"
start_daemon "$d"
"$PKMLOAD" run -d "$work/ca" -l "$d/link.sock" -c "$d/ctl.sock" -n 5 -m 400 \
	-t 0 -k 1 -q 2>"$d/pkmload.err"
status=$?
[[ $status == 1 ]] && grep -q "the BS uses basic-cid-max 320, not 400 (-m)" "$d/pkmload.err"
ok $? "-m 400 against a BS of the default 320: refused before the storm (exit $status)"
"$PKMLOAD" run -d "$work/ca" -l "$d/link.sock" -c "$d/ctl.sock" -n 321 \
	-t 0 -k 1 -q 2>"$d/pkmload.err"
status=$?
[[ $status == 2 ]] && grep -q "321 SSs but basic-cid-max 320 (-m)" "$d/pkmload.err"
ok $? "-n 321 with the default -m 320: a usage error (exit $status)"
stop_daemon
ok $? "pkmd stops cleanly (exit 0)"

# 2. Checks that can fail: SS certificates of another CA are refused,
# and pkmload says so with its exit status.
d=$work/b
mkdir -p "$d"
"$PKMLOAD" ca "$work/other" >/dev/null
write_conf "$d"
start_daemon "$d"
"$PKMLOAD" run -d "$work/other" -l "$d/link.sock" -c "$d/ctl.sock" -n 5 \
	-t 0 -k 1 -q -T 3000 -j "$d/out.json" 2>"$d/pkmload.err"
status=$?
[[ $status == 1 ]] && jq -e '.ok == false and .mismatched >= 5' "$d/out.json" >/dev/null
ok $? "SSs of another CA: Auth Reject, pkmload exits 1 (exit $status)"
grep -q "Auth Reject (6 permanent authorization failure: certificate not trusted)" "$d/bs.log"
ok $? "the daemon logs the Auth Reject 6"
stop_daemon

# 3. The configuration keys are checked like every other.
d=$work/c
mkdir -p "$d"
write_conf "$d" "kernel-requests = sometimes"
out=$("$PKMD" -t --test-mode -c "$d/bs.conf" 2>&1)
status=$?
[[ $status == 3 ]] && grep -q "bs.conf:17: .*expected discard or record" <<<"$out"
ok $? "kernel-requests = sometimes refused with its line (exit $status)"
cat >"$d/ss.conf" <<-CONF
	[pkmd]
	role = ss
	[ss]
	ca-certificate = $work/ca/ca.pem
	certificate = $work/ca/bs.pem
	private-key = $work/ca/bs.key
	[test]
	mgmt-socket = $d/link.sock
CONF
out=$("$PKMD" -t --test-mode -c "$d/ss.conf" 2>&1)
status=$?
[[ $status == 3 ]] && grep -q "ss.conf:8:" <<<"$out"
ok $? "mgmt-socket refused in an SS configuration (exit $status)"

exit $((failed > 0))
