# SPDX-License-Identifier: GPL-2.0
#
# Sourced by selftests/run.sh and selftests/pkmd/run.sh.
#
# ksft_run KSFT_DIR TEST...: runs the tests, from the current directory,
# with the kernel's kselftest runner (KSFT_DIR/kselftest/runner.sh) and
# the per-file timeout of ./settings; prints the TAP and a closing
# "N passed, N failed, N skipped" line.  Returns non-zero if a test
# failed or did not run.

ksft_run() {
	local ksft=$1 timeout keeper= log ok skipped failed passed
	shift
	timeout=$(sed -n 's/^timeout=//p' settings)

	# Under QEMU TCG, the kernel's live code patching (static keys) once
	# broke with "Oops: int3" when a ping turned socket timestamps on
	# (netstamp_needed_key).  One socket keeping timestamps on for the
	# whole run leaves that key alone.  (A VM's loopback may still be
	# down; on a host it is up already.)
	if ip link set lo up 2>/dev/null; then
		ping -q -i 30 127.0.0.1 >/dev/null 2>&1 &
		keeper=$!
	fi

	log=$(mktemp)
	(
		set +u
		export BASE_DIR=$ksft
		export kselftest_override_timeout=${kselftest_override_timeout:-$timeout}
		# shellcheck source=/dev/null # extracted at build time
		. "$ksft/kselftest/runner.sh"
		run_many "$@"
	) 2>&1 | tee "$log"
	[[ -z $keeper ]] || kill "$keeper" 2>/dev/null

	# Top-level results only: the tests' own lines are prefixed with "# ".
	ok=$(grep -Ec '^ok [0-9]+ ' "$log")
	skipped=$(grep -Ec '^ok [0-9]+ .*# SKIP' "$log")
	failed=$(grep -Ec '^not ok [0-9]+ ' "$log")
	rm -f "$log"
	passed=$((ok - skipped))
	echo "$passed passed, $failed failed, $skipped skipped"
	((failed == 0 && passed + skipped == $#))
}
