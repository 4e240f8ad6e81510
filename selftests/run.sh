#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the wman selftests (all of them, or the ones named) with the kernel's
# kselftest runner, print the TAP and a closing "N passed, N failed,
# N skipped" line, and exit non-zero if any test failed.
#
#   selftests/run.sh [TEST.sh...]
#
# Builds the helpers first when needed (make -C selftests), which also
# extracts the kselftest framework from Debian's linux-source tarball.
set -u

here=$(cd "$(dirname "$0")" && pwd -P)
cd "$here" || exit 1
make -s all >&2 || exit 1

ksft=${KSFT_DIR:-$here/../build/kselftest}
if (($# > 0)); then
	tests=("$@")
else
	read -r -a tests <<<"$(make -s -f - print-tests <<'MK'
include Makefile
print-tests:
	@echo $(TEST_PROGS)
MK
)"
fi
timeout=$(sed -n 's/^timeout=//p' settings)

# Under QEMU TCG, the kernel's live code patching (static keys) once broke
# with "Oops: int3" when a ping turned socket timestamps on
# (netstamp_needed_key).  One socket keeping timestamps on for the whole
# run leaves that key alone.
# (A VM's loopback may still be down; on a host it is up already.)
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

# Top-level results only: the tests' own lines are prefixed with "# ".
ok=$(grep -Ec '^ok [0-9]+ ' "$log")
skipped=$(grep -Ec '^ok [0-9]+ .*# SKIP' "$log")
failed=$(grep -Ec '^not ok [0-9]+ ' "$log")
passed=$((ok - skipped))
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed + skipped == ${#tests[@]}))
