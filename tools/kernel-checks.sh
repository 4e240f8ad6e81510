#!/bin/sh
# Kernel style checks: checkpatch.pl --strict over kernel/ and include/,
# sparse (make C=2) against each given kernel.  Exit non-zero on any
# warning.
#
#   tools/kernel-checks.sh checkpatch
#   tools/kernel-checks.sh sparse KVER...
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

run_checkpatch() {
	src=$(tools/linux-source-files scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch)
	checkpatch="$src/scripts/checkpatch.pl --strict --no-tree --terse --show-types"
	# shellcheck disable=SC2046
	$checkpatch -f $(ls kernel/*.c kernel/*.h include/uapi/linux/wman.h |
		grep -v '^kernel/compat.h$')
	# An out-of-tree module tests kernel versions, in this one file only.
	$checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kernel/compat.h
}

run_sparse() {
	status=0
	for kver in "$@"; do
		dir="$top/build/sparse/$kver"
		rm -rf "$dir" && mkdir -p "$dir"
		cp -rs "$top/Kbuild" "$top/kernel" "$top/include" "$dir/"
		log="$dir/sparse.log"
		make -s -C "/lib/modules/$kver/build" M="$dir" C=2 modules >"$log" 2>&1 ||
			{ cat "$log"; status=1; continue; }
		if grep -E 'warning|error' "$log"; then
			echo "sparse: $kver: warnings above" >&2
			status=1
		else
			echo "sparse: $kver: clean"
		fi
	done
	return $status
}

case "${1:-}" in
checkpatch) run_checkpatch ;;
sparse) shift; run_sparse "$@" ;;
*) echo "usage: $0 checkpatch | sparse KVER..." >&2; exit 2 ;;
esac
