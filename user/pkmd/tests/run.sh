#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every pkmd end-to-end test, one after the other (one VM boot for all):
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- user/pkmd/tests/run.sh [TEST.sh...]
#
# Exit status 0 when all passed (or skipped), 1 otherwise.
here=$(cd "$(dirname "$0")" && pwd -P)
status=0
tests=("$@")
((${#tests[@]})) || tests=(e2e.sh e2e_rollover.sh)
for t in "${tests[@]}"; do
	echo "# ==== $t"
	"$here/${t##*/}"
	rc=$?
	((rc == 0 || rc == 4)) || status=1
done
exit $status
