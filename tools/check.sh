#!/bin/sh
# The test command: build everything, run the host unit tests, the kernel
# style checks, and the kselftests in a VM on every installed kernel.
# Every stage prints TAP; the last line totals them for CI.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs="$top/build/check"
rm -rf "$logs" && mkdir -p "$logs"
stages_failed=0

# stage NAME COMMAND...: run, show and log it; count a non-zero exit.
stage() {
	name=$1
	shift
	printf '# === %s ===\n' "$name"
	{ "$@"; echo $? >"$logs/$name.status"; } 2>&1 | tee "$logs/$name.log"
	status=$(cat "$logs/$name.status")
	if [ "$status" -ne 0 ]; then
		echo "# stage $name failed (exit $status)"
		stages_failed=$((stages_failed + 1))
	fi
}

stage build make -j2 all
stage unit make -s unit
stage checkpatch tools/kernel-checks.sh checkpatch
stage sparse tools/kernel-checks.sh sparse $(tools/kernels)
for kver in $(tools/kernels); do
	stage "kselftest-$kver" tools/vm-run --kernel "$kver" \
		--module "build/kmod/$kver/kernel/wman.ko" -- selftests/run.sh
done

passed=$(cat "$logs"/*.log | grep -c -E '^ *ok [0-9]+' || true)
failed=$(cat "$logs"/*.log | grep -c -E '^ *not ok [0-9]+' || true)
failed=$((failed + stages_failed))
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
