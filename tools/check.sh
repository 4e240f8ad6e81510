#!/bin/bash
# The test command (`make check`, what CI runs): build everything, run the
# host unit tests, the layout and kernel style checks and the fuzzers for
# a bounded time, then, in a VM per installed kernel, the data-plane
# kselftests and the daemon tests.  Every stage prints TAP and its elapsed time; the last
# line totals the TAP results for CI.
#
#   tools/check.sh [--list] [--install] [STAGE...]
#
# --install (make check) first installs what is missing from Debian's
# archive.  On a fresh machine the debug kernel's build starts as soon as
# a compiler and the kernel's source are in, and the rest is installed
# while it builds: the download and the build overlap.
#
# With STAGE arguments only those stages run (after the build, which always
# runs).  A STAGE is a name from --list, or such a name without its
# "-KVER" suffix for every kernel: "tools/check.sh fuzz kselftest".
#
# Environment:
#   FUZZ_TIME=S          seconds per fuzz harness (default 20)
#   CHECK_VM_JOBS=N      VM stages run at once (default 2); with more than
#                        one, each stage's output is buffered and printed
#                        whole, in the order the stages started
#   CHECK_PKMD_KERNELS   kernels of the daemon stage (default: every one)
#   CHECK_PKMD_OLDER_TESTS  the daemon tests on the kernels but the newest:
#                        a list of test files, or "all" (default: e2e.sh
#                        zone.sh; the newest kernel runs them all)
#   CHECK_PKMD_POSTGRESQL_TESTS  the daemon tests run again with the BS on
#                        PostgreSQL (stage pkmd-postgresql, newest kernel):
#                        a list of test files, or "all" (default: e2e.sh
#                        pn_persist.sh, which restart it after kill -9,
#                        and revoke.sh; see Documentation/testing.rst)
#   CHECK_VM_TIMEOUT=S   limit of one VM stage (default 2400)
#   CHECK_DEBUG_KERNEL=0 leave out the debug kernel's stages (debug-kernel,
#                        kselftest-debug, pkmd-debug; default 1)
#   CHECK_DEBUG_KSELFTESTS, CHECK_DEBUG_PKMD_TESTS  the tests of the debug
#                        kernel's stages: a list of test files, or "all"
#                        (defaults: the subsets below; make check-debug
#                        runs all)
#   CHECK_DEBUG_VM_TIMEOUT=S  limit of one VM stage on the debug kernel
#                        (default 3000: KASAN and lockdep slow it down)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/build/check
check_start=$SECONDS
debug_kernel=${CHECK_DEBUG_KERNEL:-1}
debug_build_pid=

# cpu_seconds FILE: the user and system time of the finished children in
# FILE, the output of `times` (its second line), in whole seconds.
cpu_seconds() {
	local line m s total=0 part
	line=$(sed -n 2p "$1" 2>/dev/null)
	for part in $line; do
		[[ $part =~ ^([0-9]+)m([0-9]+)[.,]([0-9]+)s$ ]] || continue
		m=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]}
		total=$((total + m * 60 + 10#$s))
	done
	echo "$total"
}

# start_debug_build: the debug kernel's build (or its look into the
# cache), in the background.  A cold build is the largest single piece of
# work of the check; it runs at a lower priority than the stages, whose
# tests time things, and fills the cores they leave idle.
start_debug_build() {
	{
		build_start=$SECONDS
		nice -n 5 tools/debug-kernel/build >"$logs/debug-kernel-build.out" 2>&1
		build_status=$?
		times >"$logs/debug-kernel-build.times"
		cpu_seconds "$logs/debug-kernel-build.times" >"$logs/debug-kernel-build.cpu"
		echo $((SECONDS - build_start)) >"$logs/debug-kernel-build.time"
		# last: the debug-kernel stage starts when it appears
		echo "$build_status" >"$logs/debug-kernel-build.status"
	} &
	debug_build_pid=$!
}

# stop_tree PID: stop PID and every process under it (from /proc: procps
# may not be installed yet).
stop_tree() {
	local child
	# shellcheck disable=SC2013 # the file is a list of pids on one line
	for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		stop_tree "$child"
	done
	kill -TERM "$1" 2>/dev/null
}

# Stopped (Ctrl-C, a cancelled CI job): stop the stages running in the
# background too (background jobs ignore SIGINT); vm-run stops its QEMU on
# SIGTERM.
trap 'trap - INT TERM; echo "check: stopped" >&2; kill -TERM 0; exit 130' INT TERM

if [[ ${1:-} == --install ]]; then
	shift
	rm -rf "$logs" && mkdir -p "$logs"
	if [[ $debug_kernel == 1 && $# == 0 ]]; then
		tools/install-deps.sh --debug-kernel || exit 1
		start_debug_build
	fi
	if ! tools/install-deps.sh; then
		[[ -z $debug_build_pid ]] || stop_tree "$debug_build_pid"
		exit 1
	fi
	echo "# install: $((SECONDS - check_start)) s"
	installed=1
fi
fuzz_time=${FUZZ_TIME:-20}
vm_jobs=${CHECK_VM_JOBS:-2}
vm_timeout=${CHECK_VM_TIMEOUT:-2400}
kernels=$(tools/kernels | tr "\n" " ")
pkmd_kernels=${CHECK_PKMD_KERNELS:-$kernels}
# shellcheck disable=SC2086 # a list of releases
newest_kernel=$(printf '%s\n' $pkmd_kernels | sort -V | tail -n 1)
# The daemon's own logic is the same on every kernel; what differs is
# the kernel under it, which the kselftests cover whole on each.  The
# older kernels run the daemon test that drives the kernel most, a
# network entry with every key type and traffic under each, and the MBS
# zone's (zones.rst), which its issue requires on every kernel: two BSs
# sending one group under the same TEKs, a handover, a failover.
pkmd_older_tests=${CHECK_PKMD_OLDER_TESTS:-e2e.sh zone.sh}
[[ $pkmd_older_tests == all ]] && pkmd_older_tests=
# The BS's store on PostgreSQL (control-plane.rst, "Two backends"): the
# daemon tests that kill the BS and restart it on what its database
# holds, and the revocation's, on the newest kernel, against a server
# the run starts.  All of them would add some 20 minutes of VM time to
# the check; zone.sh, in the daemon stage of every kernel, runs on
# PostgreSQL anyway (Documentation/testing.rst, "The BS on PostgreSQL").
pkmd_pg_tests=${CHECK_PKMD_POSTGRESQL_TESTS:-e2e.sh pn_persist.sh revoke.sh}
[[ $pkmd_pg_tests == all ]] && pkmd_pg_tests=
debug_vm_timeout=${CHECK_DEBUG_VM_TIMEOUT:-3000}
# Every test on the debug kernel takes longer than the check can give it
# (Documentation/testing.rst, "The debug kernel"): by default the tests
# that reach the module's teardown, concurrency and parsing paths most.
debug_kselftests=${CHECK_DEBUG_KSELFTESTS:-kfuzz.sh teardown.sh}
debug_pkmd_tests=${CHECK_DEBUG_PKMD_TESTS:-e2e.sh}
[[ $debug_kselftests == all ]] && debug_kselftests=
[[ $debug_pkmd_tests == all ]] && debug_pkmd_tests=

stage_names=(build layout unit checkpatch sparse fuzz)
for kver in $kernels; do
	stage_names+=("kselftest-$kver")
done
for kver in $pkmd_kernels; do
	stage_names+=("pkmd-$kver")
done
[[ -n $newest_kernel ]] && stage_names+=(pkmd-postgresql)
# The debug kernel (tools/debug-kernel/): built, or found in the cache,
# alongside the other kernels' VM stages; its own stages wait for it.
if [[ $debug_kernel == 1 ]]; then
	stage_names+=(debug-kernel kselftest-debug pkmd-debug)
fi

case ${1:-} in
--list)
	printf '%s\n' "${stage_names[@]}"
	exit 0
	;;
-h | --help)
	sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
	;;
esac
wanted=("$@")
for want in "${wanted[@]}"; do
	known=false
	for name in "${stage_names[@]}"; do
		[[ $name == "$want" || $name == "$want"-* ]] && known=true
	done
	$known || { echo "check: no stage '$want' (see --list)" >&2; exit 2; }
done

# selected NAME: whether stage NAME runs.
selected() {
	local want
	[[ $1 == build ]] && return 0
	((${#wanted[@]})) || return 0
	for want in "${wanted[@]}"; do
		[[ $1 == "$want" || $1 == "$want"-* ]] && return 0
	done
	return 1
}

# --install emptied the logs before the build it started wrote to them.
[[ -n ${installed:-} ]] || { rm -rf "$logs" && mkdir -p "$logs"; }
stages_failed=0

# run_stage NAME COMMAND...: run COMMAND, its output into NAME.log (and on
# stdout with STREAM=1), its status into NAME.status, its time into NAME.time
# and the processor time it used (every core) into NAME.cpu.
run_stage() {
	local name=$1 start=$SECONDS
	shift
	local filter=cat
	[[ $name == build || $name == layout || $name == unit || $name == checkpatch ||
		$name == sparse || $name == fuzz || $name == debug-kernel ]] || filter=tap_times
	if [[ ${STREAM:-0} == 1 ]]; then
		{ "$@"; echo $? >"$logs/$name.status"; times >"$logs/$name.times"; } 2>&1 |
			$filter | tee "$logs/$name.log"
	else
		{ "$@"; echo $? >"$logs/$name.status"; times >"$logs/$name.times"; } 2>&1 |
			$filter >"$logs/$name.log"
	fi
	echo $((SECONDS - start)) >"$logs/$name.time"
	cpu_seconds "$logs/$name.times" >"$logs/$name.cpu"
}

# tap_times: pass a VM stage's output on, adding after each top-level TAP
# result the seconds since the one before: the time of one test file.
tap_times() {
	local line last=$SECONDS
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"TAP version "*)
			echo "# time: $((SECONDS - last)) s to boot and start the tests"
			last=$SECONDS
			;;
		"ok "[0-9]* | "not ok "[0-9]*)
			echo "# time: $((SECONDS - last)) s"
			last=$SECONDS
			;;
		esac
	done
}

# end_stage NAME: the stage's time; count a non-zero exit.
end_stage() {
	local name=$1 status
	status=$(cat "$logs/$name.status" 2>/dev/null || echo 125)
	echo "# stage $name: $(cat "$logs/$name.time") s (processor time $(cat "$logs/$name.cpu" 2>/dev/null) s)"
	if [[ $status != 0 ]]; then
		echo "# stage $name failed (exit $status)"
		stages_failed=$((stages_failed + 1))
	fi
}

# ---- layout ------------------------------------------------------------------

# The programs' folders; user/pkm, user/keytree and user/common are the
# libraries they link.
programs=(user/pkmd tools/pkmctl tools/pkmload tools/wman tools/nonce-audit
	tools/wire-check tools/iproute2)

# includes_of FILE... PATTERN: the #include lines of FILE... naming a
# header PATTERN matches (an extended regular expression).
includes_of() {
	local pattern=${*: -1}
	grep -HnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]*/)?($pattern)\"" \
		"${@:1:$#-1}" 2>/dev/null
}

# role_headers ROLE: the headers of pkmd's ROLE folder, as a pattern
# that also matches the folder itself ("ss/...").
role_headers() {
	local names
	names=$(cd "user/pkmd/$1" && printf '%s\n' *.h | sed 's/\./\\./g' | paste -sd '|')
	echo "$1/[^\"]*|$names"
}

# layout_check: the daemon's parts (Documentation/control-plane.rst):
# neither role includes the other, the core includes neither role (main.c
# alone picks one), and no program's Makefile compiles or includes
# sources from another program's folder.  Prints TAP and what is wrong.
# layout_result WHAT WRONG: TAP line number $n for WHAT, ok when WRONG
# (the offending lines) is empty.
layout_result() {
	n=$((n + 1))
	if [[ -n $2 ]]; then
		printf '%s\n' "$2" | sed 's/^/# /'
		echo "not ok $n - $1"
		failed=1
	else
		echo "ok $n - $1"
	fi
}

layout_check() {
	local out n=0 failed=0 prog other core=()
	echo "1..4"
	layout_result "no file in user/pkmd/bs includes from user/pkmd/ss" \
		"$(includes_of user/pkmd/bs/*.[ch] "$(role_headers ss)")"
	layout_result "no file in user/pkmd/ss includes from user/pkmd/bs" \
		"$(includes_of user/pkmd/ss/*.[ch] "$(role_headers bs)")"
	for out in user/pkmd/*.[ch]; do
		[[ $out == user/pkmd/main.c ]] || core+=("$out")
	done
	layout_result "no core file of user/pkmd (main.c aside) includes a role's header" \
		"$(includes_of "${core[@]}" "$(role_headers bs)|$(role_headers ss)")"
	out=$(for prog in "${programs[@]}"; do
		for other in "${programs[@]}"; do
			[[ $other == "$prog" ]] && continue
			# a folder named from the top or from the program's own;
			# running its make (to test against it) is not borrowing
			grep -HnE "(\\\$\(TOP\)|\.\./\.\.|\\\$\(CURDIR\)/\.\./\.\.)/$other([/[:space:]]|\$)|\.\./${other#*/}/" \
				"$prog/Makefile" 2>/dev/null | grep -v '^[^:]*:[0-9]*:[[:space:]]*#' |
				grep -vE '\$\(MAKE\) -C'
		done
	done)
	layout_result "no program's Makefile compiles or includes from another program's folder" "$out"
	return "$failed"
}

# ---- fuzzing -----------------------------------------------------------------

# The user directories with a fuzz target, as the top-level Makefile finds them.
fuzz_dirs() {
	local d
	for d in user/pkm user/keytree user/pkmd tools/pkmctl tools/wire-check; do
		grep -qs '^fuzz:' "$d/Makefile" && echo "$d"
	done
}

# fuzz_dir DIR: each harness DIR/fuzz/fuzz_NAME.c for $fuzz_time seconds,
# one after the other (they share DIR's fuzz build), through DIR's own
# `make fuzz` limited to that harness (FUZZERS=NAME).  Leaves
# fuzz/NAME.log and fuzz/NAME.status.
fuzz_dir() {
	local dir=$1 src name status
	for src in "$dir"/fuzz/fuzz_*.c; do
		name=$(basename "$src" .c)
		status=0
		# A harness stuck on one input cannot hold the stage for long.
		timeout -k 10 $((fuzz_time * 3 + 300)) \
			make -C "$dir" O="$top/build/$dir" fuzz FUZZ_TIME="$fuzz_time" \
			FUZZERS="$name" >"$logs/fuzz/$name.log" 2>&1 </dev/null || status=$?
		echo "$status" >"$logs/fuzz/$name.status"
	done
}

# Two directories at a time; a TAP line per harness, with the tail of the
# log of a failed one.
fuzz_all() {
	local dirs=() src name n=0 runs pids=() dir
	mapfile -t dirs < <(fuzz_dirs)
	mkdir -p "$logs/fuzz"
	for dir in "${dirs[@]}"; do
		for src in "$dir"/fuzz/fuzz_*.c; do
			[[ -e $src ]] && n=$((n + 1))
		done
	done
	echo "1..$n"
	# Every directory at once would overload two cores; pair them.
	for dir in "${dirs[@]}"; do
		fuzz_dir "$dir" &
		pids+=($!)
		if ((${#pids[@]} == 2)); then
			wait -n "${pids[@]}"
			mapfile -t pids < <(jobs -pr)
		fi
	done
	wait
	n=0
	for dir in "${dirs[@]}"; do
		for src in "$dir"/fuzz/fuzz_*.c; do
			[[ -e $src ]] || continue
			name=$(basename "$src" .c)
			n=$((n + 1))
			runs=$(grep -ohE '(stat::number_of_executed_units: [0-9]+|Done [0-9]+ runs)' \
				"$logs/fuzz/$name.log" | grep -oE '[0-9]+' | tail -n 1)
			if [[ $(cat "$logs/fuzz/$name.status" 2>/dev/null) == 0 ]]; then
				echo "ok $n - fuzz $dir $name: ${fuzz_time} s, ${runs:-?} runs"
			else
				tail -n 40 "$logs/fuzz/$name.log" | sed 's/^/# /'
				echo "not ok $n - fuzz $dir $name (log: build/check/fuzz/$name.log)"
			fi
		done
	done
	! grep -qvx 0 "$logs"/fuzz/*.status 2>/dev/null
}

# ---- VM stages ---------------------------------------------------------------

# The daemon tests' entry point: the kselftest directory once it exists.
pkmd_tests() {
	if [[ -x selftests/pkmd/run.sh ]]; then
		echo selftests/pkmd/run.sh
	else
		echo user/pkmd/tests/run.sh
	fi
}

# The debug kernel's build runs in the background from the check's start
# when one of its stages is selected; the stages below wait for it.
debug_stages_selected() {
	[[ $debug_kernel == 1 ]] &&
		{ selected debug-kernel || selected kselftest-debug || selected pkmd-debug; }
}

# ready NAME: whether stage NAME can start.  debug-kernel waits for the
# build, the two stages on the debug kernel for debug-kernel (or, when it
# does not run, for the build).
ready() {
	case $1 in
	debug-kernel) [[ -e $logs/debug-kernel-build.status ]] ;;
	kselftest-debug | pkmd-debug)
		if selected debug-kernel; then
			[[ -e $logs/debug-kernel.time ]]
		else
			[[ -e $logs/debug-kernel-build.status ]]
		fi
		;;
	*) return 0 ;;
	esac
}

# debug_kernel_stage COMMAND...: the debug kernel's build output, then
# COMMAND (the detectors' selftest) if it built.
debug_kernel_stage() {
	sed 's/^/# /' "$logs/debug-kernel-build.out"
	echo "# build: $(cat "$logs/debug-kernel-build.time") s" \
		"(processor time $(cat "$logs/debug-kernel-build.cpu") s)"
	if [[ $(cat "$logs/debug-kernel-build.status") != 0 ]]; then
		echo "Bail out! the debug kernel did not build"
		return 1
	fi
	"$@"
}

# after_debug_kernel COMMAND...: COMMAND, unless the debug kernel did not
# build or its detectors did not report; then a failed stage at once: a
# second try of a build that failed would only fail again after as long.
after_debug_kernel() {
	if selected debug-kernel && [[ $(cat "$logs/debug-kernel.status") != 0 ]]; then
		echo "1..0 # the debug-kernel stage failed: see its log"
		return 1
	fi
	if [[ $(cat "$logs/debug-kernel-build.status") != 0 ]]; then
		sed 's/^/# /' "$logs/debug-kernel-build.out"
		echo "1..0 # the debug kernel did not build"
		return 1
	fi
	"$@"
}

# The function that runs stage NAME's command, if it needs one.
stage_wrapper() {
	case $1 in
	debug-kernel) echo debug_kernel_stage ;;
	kselftest-debug | pkmd-debug) echo after_debug_kernel ;;
	esac
}

# The command of stage NAME, as one line for the log.
stage_command() {
	local kver=${1#*-}
	case $1 in
	build) echo "make -j2 all" ;;
	layout) echo "layout_check" ;;
	unit) echo "make -s unit" ;;
	checkpatch) echo "tools/kernel-checks.sh checkpatch" ;;
	sparse) echo "tools/kernel-checks.sh sparse" "$kernels" ;;
	fuzz) echo "fuzz_all" ;;
	debug-kernel) echo "tools/debug-kernel/selftest" ;;
	kselftest-debug)
		# a test file's 600 s limit (selftests/settings) is too short
		# here, and so are the tests' fixed times (selftests/lib.sh)
		echo "tools/debug-kernel/vm-run --timeout $debug_vm_timeout --" \
			"env kselftest_override_timeout=2400 WMAN_TIME_FACTOR=4" \
			"selftests/run.sh $debug_kselftests"
		;;
	pkmd-debug)
		echo "tools/debug-kernel/vm-run --timeout $debug_vm_timeout --" \
			"env kselftest_override_timeout=2400 WMAN_TIME_FACTOR=4" \
			"$(pkmd_tests) $debug_pkmd_tests"
		;;
	kselftest-*)
		echo "tools/vm-run --kernel $kver --timeout $vm_timeout" \
			"--module build/kmod/$kver/kernel/wman.ko -- selftests/run.sh"
		;;
	pkmd-postgresql)
		echo "tools/vm-run --kernel $newest_kernel --timeout $vm_timeout" \
			"--module build/kmod/$newest_kernel/kernel/wman.ko --" \
			"env PKMD_DATABASE=postgresql $(pkmd_tests) $pkmd_pg_tests"
		;;
	pkmd-*)
		local tests=
		[[ $kver == "$newest_kernel" ]] || tests=" $pkmd_older_tests"
		echo "tools/vm-run --kernel $kver --timeout $vm_timeout" \
			"--module build/kmod/$kver/kernel/wman.ko -- $(pkmd_tests)$tests"
		;;
	esac
}

# build_running: whether the debug kernel's build job is still running.
build_running() {
	[[ -n ${debug_build_pid:-} ]] && kill -0 "$debug_build_pid" 2>/dev/null
}

# start_next JOBS: start the first ready stage of `pending`, if any (and
# with one job, run it through); moves it to `started`.
start_next() {
	local jobs=$1 i name cmd
	for i in "${!pending[@]}"; do
		name=${pending[i]}
		ready "$name" || continue
		unset 'pending[i]'
		pending=("${pending[@]}")
		started+=("$name")
		read -r -a cmd <<<"$(stage_wrapper "$name") $(stage_command "$name")"
		if ((jobs == 1)); then
			printf '# === %s ===\n# %s\n' "$name" "$(stage_command "$name")"
			STREAM=1 run_stage "$name" "${cmd[@]}"
			end_stage "$name"
			printed=$((printed + 1))
		else
			echo "# started $name (output follows when done)"
			run_stage "$name" "${cmd[@]}" &
			running=$((running + 1))
		fi
		return 0
	done
	return 1
}

# pool JOBS NAME...: run the selected stages among NAME, JOBS at a time,
# each as soon as it is ready, the first ready one in the order given.
# With one job a stage streams its output; with more each stage's output
# is buffered and printed whole, in the order the stages started, as soon
# as the stage and all started before it are done.
pool() {
	local jobs=$1 pending=() started=() name i total printed=0 running=0
	shift
	for name in "$@"; do
		selected "$name" && pending+=("$name")
	done
	total=${#pending[@]}
	while ((printed < total)); do
		while ((running < jobs)) && start_next "$jobs"; do
			:
		done
		((printed < total)) || break
		if ((running == 0)) && ! build_running; then
			# Nothing runs and nothing is ready: a build that ended
			# without its status (killed), or stages that wait for
			# one that is not selected.
			if [[ -e $logs/debug-kernel-build.status ]]; then
				echo "check: cannot start ${pending[*]}" >&2
				stages_failed=$((stages_failed + ${#pending[@]}))
				break
			fi
			echo "the build ended without a status" >>"$logs/debug-kernel-build.out"
			echo 125 >"$logs/debug-kernel-build.status"
			continue
		fi
		# A stage or the debug kernel's build (a job, not a stage) ends.
		wait -n
		if [[ -e $logs/debug-kernel-build.status ]]; then
			# reaped now or before: its pid may be reused
			debug_build_pid=
		fi
		running=$(jobs -pr | grep -cvx "${debug_build_pid:-none}")
		for ((i = printed; i < ${#started[@]}; i++)); do
			[[ -e $logs/${started[i]}.time ]] || break
			printf '# === %s ===\n# %s\n' "${started[i]}" "$(stage_command "${started[i]}")"
			cat "$logs/${started[i]}.log"
			end_stage "${started[i]}"
			printed=$((i + 1))
		done
	done
}

# The VM stages, in the order they start: the newest kernel's daemon
# tests first (the longest stage, and one that often waits on timers,
# which leaves a core to the debug kernel's build), the kselftests, then
# the debug kernel's stages, which wait for its build, and last the
# daemon tests on the older kernels, the shortest.
vm_stage_names() {
	local name
	for name in "${stage_names[@]}"; do
		[[ $name == "pkmd-$newest_kernel" ]] && echo "$name"
	done
	for name in "${stage_names[@]}"; do
		[[ $name == kselftest-* && $name != kselftest-debug ]] && echo "$name"
	done
	for name in "${stage_names[@]}"; do
		[[ $name == debug-kernel || $name == kselftest-debug || $name == pkmd-debug ]] &&
			echo "$name"
	done
	for name in "${stage_names[@]}"; do
		[[ $name == pkmd-* && $name != "pkmd-$newest_kernel" && $name != pkmd-debug ]] &&
			echo "$name"
	done
}

# The debug kernel's build starts first (unless --install started it):
# the stages before the VMs leave part of both cores idle.
if debug_stages_selected && [[ -z $debug_build_pid ]]; then
	start_debug_build
fi

pool 1 build
# make -s unit and the kernel checks each keep one core busy; the
# layout's greps take a moment.
pool 2 layout unit checkpatch sparse
# fuzz_all runs two harnesses at a time itself.
pool 1 fuzz
# A VM under TCG keeps about one host core busy: two at once on two cores
# take little more time than one.
# shellcheck disable=SC2046
pool "$vm_jobs" $(vm_stage_names)

echo "# stage times (s):$(for name in "${stage_names[@]}" debug-kernel-build; do
	[[ -e $logs/$name.time ]] && printf ' %s %s' "$name" "$(cat "$logs/$name.time")"
done), total $((SECONDS - check_start))"
echo "# processor time (s):$(for name in "${stage_names[@]}" debug-kernel-build; do
	[[ -e $logs/$name.cpu ]] && printf ' %s %s' "$name" "$(cat "$logs/$name.cpu")"
done)"
passed=$(cat "$logs"/*.log | grep -c -E '^ *ok [0-9]+' || true)
failed=$(cat "$logs"/*.log | grep -c -E '^ *not ok [0-9]+' || true)
failed=$((failed + stages_failed))
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
