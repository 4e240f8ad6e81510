#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The pkmd selftests: the BS and SS daemons on a real kernel, on the
# topology of selftests/lib.sh, every key from the daemons.  Runs all of
# them (or the ones named) with the kernel's kselftest runner, prints the
# TAP and a closing "N passed, N failed, N skipped" line, and exits
# non-zero if any test failed or did not run.  As root, typically in the
# VM:
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh [TEST.sh...]
#
# The daemon and its tool must be built first (make user), and the
# selftests' helpers (make -C selftests; done here when needed).
set -u

here=$(cd "$(dirname "$0")" && pwd -P)
make -s -C "$here/.." all >&2 || exit 1
cd "$here" || exit 1

ksft=${KSFT_DIR:-$here/../../build/kselftest}
tests=("$@")
((${#tests[@]})) || tests=(e2e.sh rollover.sh)
timeout=$(sed -n 's/^timeout=//p' settings)

# As in selftests/run.sh: one socket keeps timestamps on for the whole
# run, so that no ping start toggles the netstamp static key under TCG.
keeper=
if ip link set lo up 2>/dev/null; then
	ping -q -i 30 127.0.0.1 >/dev/null 2>&1 &
	keeper=$!
fi

log=$(mktemp)
trap 'rm -f "$log"; [[ -z $keeper ]] || kill "$keeper" 2>/dev/null' EXIT
(
	set +u
	export BASE_DIR=$ksft
	export kselftest_override_timeout=${kselftest_override_timeout:-$timeout}
	# shellcheck source=/dev/null # extracted at build time
	. "$ksft/kselftest/runner.sh"
	run_many "${tests[@]}"
) 2>&1 | tee "$log"

ok=$(grep -Ec '^ok [0-9]+ ' "$log")
skipped=$(grep -Ec '^ok [0-9]+ .*# SKIP' "$log")
failed=$(grep -Ec '^not ok [0-9]+ ' "$log")
passed=$((ok - skipped))
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed + skipped == ${#tests[@]}))
