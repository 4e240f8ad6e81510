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
# With PKMD_DATABASE=postgresql (e.g. "-- env PKMD_DATABASE=postgresql
# selftests/pkmd/run.sh e2e.sh") the BS keeps its state in a PostgreSQL
# server the run starts (tools/pg-test-server) instead of SQLite.
#
# The daemon and its tool must be built first (make user), and the
# selftests' helpers (make -C selftests; done here when needed).
set -u

here=$(cd "$(dirname "$0")" && pwd -P)
make -s -C "$here/.." all >&2 || exit 1
cd "$here" || exit 1

ksft=${KSFT_DIR:-$here/../../build/kselftest}
tests=("$@")
((${#tests[@]})) || tests=(e2e.sh rollover.sh group_rekey.sh pn_persist.sh rogue_bs.sh revoke.sh many_groups.sh zone.sh)
# shellcheck source=../ksft_run.sh
. "$here/../ksft_run.sh"

# PKMD_DATABASE=postgresql: the BS on PostgreSQL (lib_pkmd.sh), one
# server for the whole run, each test file a database of its own on it.
if [[ ${PKMD_DATABASE:-sqlite} == postgresql ]]; then
	pg_dir=$(mktemp -d /tmp/pkmd-pg.XXXXXX)
	trap '"$here/../../tools/pg-test-server" stop "$pg_dir"' EXIT
	PKMD_TEST_POSTGRESQL=$("$here/../../tools/pg-test-server" start "$pg_dir") ||
		{ echo "Bail out! the PostgreSQL server did not start"; exit 1; }
	export PKMD_TEST_POSTGRESQL
	echo "# the BS on PostgreSQL ($PKMD_TEST_POSTGRESQL)"
fi

# Each test's wire check keeps its table here (lib_pkmd.sh); added up at
# the end: what the whole run put on the air, as stock tshark reads it.
WIRE_TABLES=$(mktemp -d)
export WIRE_TABLES
ksft_run "$ksft" "${tests[@]}"
rc=$?
if compgen -G "$WIRE_TABLES/*.counts" >/dev/null; then
	echo "# the air of ${#tests[@]} test file(s), as stock tshark reads it (wire check):"
	awk -F '\t' '!($3 in n) { order[++rows] = $3; kind[$3] = $2 } { n[$3] += $1 }
		END { for (i = 1; i <= rows; i++)
			printf "# %6d  %-72s %s\n", n[order[i]], order[i], kind[order[i]] }' \
		"$WIRE_TABLES"/*.counts
fi
rm -rf "$WIRE_TABLES"
exit "$rc"
