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
# shellcheck source=ksft_run.sh
. "$here/ksft_run.sh"
ksft_run "$ksft" "${tests[@]}"
