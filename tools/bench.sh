#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the benchmarks of Documentation/benchmarks.rst.
#
#  1. Data path: one VM run per kernel of tools/bench/datapath.sh (wman with
#     each suite against plain veth, MACsec, IPsec ESP and WireGuard; TEK
#     rollovers under load), in QEMU's instruction-counted time unless
#     --wallclock, JSON in build/bench/, tables on stdout.
#  2. Key trees: `make -C user/keytree bench`, when user/keytree exists.
#  3. Key server: tools/bench/pkmd.sh on this machine (pkmd with its test
#     transport against pkmload), JSON in build/bench/pkmd.json.
set -euo pipefail
shopt -s inherit_errexit

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly repo_root
readonly out_dir=$repo_root/build/bench

usage() {
	cat <<'EOF'
usage: tools/bench.sh [--kernel KVER]... [--all-kernels] [--host]
                      [--wallclock] [--no-keytree] [--no-pkmd] [--only-pkmd]
                      [--profile DIR] [-- DATAPATH_OPTIONS...]

  --kernel KVER   boot this kernel (repeatable; default: the newest one
                  that tools/kernels lists)
  --all-kernels   every kernel that tools/kernels lists
  --host          run on this machine's kernel instead of a VM
                  (tools/vm-run --host: it must be able to load wman.ko)
  --wallclock     the data path in TCG's wall-clock time, which the host's
                  load moves by a third, instead of instruction-counted
                  time (tools/vm-run --icount, the default in a VM; it
                  needs a 6.12 kernel or newer: 6.1 stalls bringing up
                  its second vCPU under -icount, and --all-kernels then
                  leaves it out)
  --no-keytree    skip the key-tree benchmark
  --no-pkmd       skip the key-server benchmark
  --only-pkmd     only the key-server benchmark (no VM, no key trees)
  --profile DIR   (under build/) also profile each contender's TCP and UDP flow into
                  DIR/KVER/CONTENDER-{tcp,udp}.txt.  In instruction-counted
                  time: every guest instruction of S seconds of the flow,
                  counted by tools/bench/insnprof's QEMU plugin and summed
                  by kernel function; in wall-clock time: perf's samples

DATAPATH_OPTIONS go to tools/bench/datapath.sh (--runs, --seconds,
--rollovers, --rollover-load; see tools/bench/datapath.sh --help).

Writes build/bench/datapath-KVER.json per kernel, and build/bench/datapath.json
for the last kernel run, and build/bench/pkmd.json; a target missed is
reported, not an error (a wrong key from the key server is an error).
EOF
}

kernels=()
on_host=false
all_kernels=false
clock=icount
keytree=true
pkmd=true
datapath=true
datapath_args=()
profile_dir=

log() {
	printf 'bench: %s\n' "$*" >&2
}

die() {
	log "$*"
	exit 1
}

parse_args() {
	while (($#)); do
		case $1 in
		--kernel)
			(($# >= 2)) || { usage >&2; exit 2; }
			kernels+=("$2")
			shift
			;;
		--all-kernels)
			mapfile -t kernels < <("$repo_root/tools/kernels")
			all_kernels=true
			;;
		--host) on_host=true ;;
		--wallclock) clock=wallclock ;;
		--no-keytree) keytree=false ;;
		--no-pkmd) pkmd=false ;;
		--only-pkmd) datapath=false; keytree=false ;;
		--profile)
			(($# >= 2)) || { usage >&2; exit 2; }
			profile_dir=$(realpath -m -- "$2")
			# the guest writes it: under build/, which it shares
			[[ $profile_dir == "$repo_root/build/"* ]] ||
				die "--profile: DIR must be under $repo_root/build (the guest writes there)"
			shift
			;;
		-h | --help) usage; exit 0 ;;
		--)
			shift
			datapath_args=("$@")
			# the output path is ours: datapath-KVER.json per kernel
			for arg in "$@"; do
				[[ $arg != --out ]] ||
					die "--out is for tools/bench/datapath.sh run alone; this writes $out_dir/datapath-KVER.json"
			done
			break
			;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	if $on_host; then
		kernels=("$(uname -r)")
		clock=host
	elif ((${#kernels[@]} == 0)); then
		kernels=("$("$repo_root/tools/kernels" | tail -n 1)")
		[[ -n ${kernels[0]} ]] || die "no kernel found by tools/kernels"
	fi
	if [[ $clock == icount ]] && $datapath; then
		keep_icount_kernels
	fi
}

# Whether KVER boots under -icount: 6.12 and newer do; 6.1 stalls while
# bringing up its second vCPU (Documentation/benchmarks.rst, "The clock").
icount_boots() {
	[[ $(printf '%s\n' 6.12 "$1" | sort -V | head -n 1) == 6.12 ]]
}

# In instruction-counted time: --all-kernels leaves out the kernels that
# cannot run in it, saying so; a kernel asked for by name stops the run
# before anything is built.
keep_icount_kernels() {
	local kver kept=()
	for kver in "${kernels[@]}"; do
		if icount_boots "$kver"; then
			kept+=("$kver")
		elif $all_kernels; then
			log "$kver: left out, no instruction-counted run before 6.12 (tools/bench.sh --wallclock --kernel $kver measures it)"
		else
			die "$kver: no instruction-counted run before 6.12 (it stalls bringing up its second vCPU); add --wallclock for it"
		fi
	done
	((${#kept[@]})) || die "no kernel of 6.12 or newer for an instruction-counted run; add --wallclock"
	kernels=("${kept[@]}")
}

build_helpers() {
	local cc=${CC:-cc} cflags=(-O2 -Wall -Wextra -Werror)
	mkdir -p "$out_dir"
	"$cc" "${cflags[@]}" -o "$out_dir/udpflood" "$repo_root/tools/bench/udpflood.c"
	"$cc" "${cflags[@]}" -o "$out_dir/insnmark" "$repo_root/tools/bench/insnmark.c"
	"$cc" "${cflags[@]}" -shared -fPIC -fvisibility=hidden -pthread \
		-o "$out_dir/insnprof.so" "$repo_root/tools/bench/insnprof/insnprof.c"
	# shellcheck disable=SC2046 # pkg-config prints separate words
	"$cc" "${cflags[@]}" -I "$repo_root/include" \
		$(pkg-config --cflags libnl-genl-3.0) -o "$out_dir/tekroll" \
		"$repo_root/tools/bench/tekroll.c" $(pkg-config --libs libnl-genl-3.0)
}

# The modules wman.ko needs (modinfo depends), in load order, for KVER:
# the runner insmods what it is given and nothing more.
module_dependencies() {
	local kver=$1 module=$2 name
	local -a names
	IFS=, read -r -a names <<<"$(modinfo -F depends "$module")"
	for name in "${names[@]}"; do
		[[ -n $name ]] || continue
		module_dependencies "$kver" "$(modinfo -k "$kver" -n "$name")"
		modinfo -k "$kver" -n "$name"
	done
}

# run_datapath KVER: one VM run; its console goes to build/bench/vm-KVER.log
# and its progress lines to stderr.
run_datapath() {
	local kver=$1 json=$out_dir/datapath-$1.json log=$out_dir/vm-$1.log
	local module=$repo_root/build/kmod/$kver/kernel/wman.ko
	local runner=("$repo_root/tools/vm-run" --timeout 1800)
	local status=0 dependency

	if $on_host; then
		runner+=(--host)
	else
		runner+=(--kernel "$kver")
	fi
	if [[ $clock == icount ]]; then
		# One thread runs both vCPUs: the same guest time takes longer.
		runner=("$repo_root/tools/vm-run" --timeout 5400 --icount --kernel "$kver")
	fi
	if [[ -f $module ]]; then
		while read -r dependency; do
			runner+=(--module "$dependency")
		done < <(module_dependencies "$kver" "$module" | awk '!seen[$0]++')
		runner+=(--module "$module")
	else
		log "$kver: no $module: the wman rows will say not available"
	fi
	local profile=()
	if [[ -n $profile_dir ]]; then
		profile=(--profile "$profile_dir/$kver")
		rm -rf "$profile_dir/$kver"
		mkdir -p "$profile_dir/$kver"
		[[ $clock != icount ]] ||
			runner+=(--plugin "$out_dir/insnprof.so,out=$profile_dir/$kver/interval")
	fi
	rm -f "$json"
	: >"$log"
	log "$kver: data path (console in $log)"
	"${runner[@]}" -- "$repo_root/tools/bench/datapath.sh" --out "$json" \
		--clock "$clock" "${profile[@]}" "${datapath_args[@]}" >"$log" 2>&1 &
	local runner_pid=$!
	# Follow the run's progress, then take the runner's own status.
	tail -n +1 -f --pid="$runner_pid" "$log" | grep --line-buffered '^datapath:' >&2 || true
	wait "$runner_pid" || status=$?
	if ((status != 0)) || [[ ! -s $json ]]; then
		tail -n 30 "$log" >&2
		die "$kver: the data-path run failed (exit $status), see $log"
	fi
	# The tree the module and tools were built from (uncommitted edits show).
	jq --arg rev "$(git -C "$repo_root" describe --always --dirty 2>/dev/null || echo unknown)" \
		'.source_revision = $rev' "$json" >"$json.tmp" && mv "$json.tmp" "$json"
	cp "$json" "$out_dir/datapath.json"
	[[ -z $profile_dir || $clock != icount ]] || sum_intervals "$profile_dir/$kver"
	echo
	"$repo_root/tools/bench/report.sh" "$json"
	echo
}

# sum_intervals DIR: each interval that tools/bench/datapath.sh counted
# (DIR/intervals: "MARK CONTENDER KIND PACKETS BYTES"), summed by function
# into DIR/CONTENDER-KIND.txt, with the instructions per packet received.
sum_intervals() {
	local dir=$1 mark c kind packets bytes out
	while read -r mark c kind packets bytes; do
		out=$dir/$c-$kind.txt
		[[ -f $dir/interval.$mark ]] || die "no $dir/interval.$mark: did the plugin run?"
		{
			echo "# $c $kind: $packets packets, $bytes bytes received by the SS's $c device"
			"$repo_root/tools/bench/insnprof/symbolize" "$dir/kallsyms" "$dir/interval.$mark" |
				awk -v p="$packets" '
				NR == 1 { print $0 ", " (p ? sprintf("%.0f per packet", $2 / p) : "no packet"); next }
				{
					name = $3; for (i = 4; i <= NF; i++) name = name " " $i
					printf "%s %12s %9.1f/pkt %s\n", $1, $2, p ? $2 / p : 0, name
				}'
		} >"$out"
		log "$c $kind: $(sed -n 2p "$out")"
	done <"$dir/intervals"
	rm -f "$dir"/interval.*
}

run_keytree() {
	if ! $keytree || [[ ! -f $repo_root/user/keytree/Makefile ]]; then
		return
	fi
	log "key trees: make -C user/keytree bench"
	make -C "$repo_root/user/keytree" O="$repo_root/build/user/keytree" bench
}

run_pkmd() {
	$pkmd || return 0
	log "key server: tools/bench/pkmd.sh"
	"$repo_root/tools/bench/pkmd.sh" --out "$out_dir/pkmd.json"
	echo
	"$repo_root/tools/bench/report.sh" --pkmd "$out_dir/pkmd.json"
	echo
}

list_results() {
	echo "Results:"
	find "$out_dir" "$repo_root/build/user/keytree" -maxdepth 2 \
		\( -name '*.json' -o -name '*.png' \) 2>/dev/null | sort | sed 's/^/  /'
}

main() {
	local kver
	parse_args "$@"
	if $datapath; then
		build_helpers
		for kver in "${kernels[@]}"; do
			run_datapath "$kver"
		done
	fi
	run_keytree
	run_pkmd
	list_results
}

main "$@"
