#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The key server benchmark (Documentation/benchmarks.rst, "Key server"):
# the BS daemon on one CPU with its test transport ([test] mgmt-socket,
# Documentation/loadgen.rst), pkmload on another playing the SSs.  Two
# runs, each against a fresh daemon and database: a storm of --ss SSs
# followed by sustained Key Requests with a large window (throughput),
# then the same with a small window (latency under light load).
#
# --database picks the BS's store: sqlite (the default), postgresql (a
# server of the benchmark's own, tools/pg-test-server, a fresh database
# per run), or both, "sqlite,postgresql", one after the other in the same
# run.  The first one's figures are the report's throughput and light;
# each one's are under databases.NAME.
#
# usage: tools/bench/pkmd.sh [--ss N] [--seconds S] [--window W]
#                            [--light-window W] [--database LIST] [--no-rt]
#                            [--out FILE]
set -euo pipefail
shopt -s inherit_errexit

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
readonly repo_root
readonly pkmd=$repo_root/build/user/pkmd/pkmd
readonly pkmload=$repo_root/build/tools/pkmload/pkmload

n_ss=1000
seconds=5
window=256
light_window=8
out=$repo_root/build/bench/pkmd.json
rt=true
databases=sqlite

log() {
	printf 'pkmd-bench: %s\n' "$*" >&2
}

die() {
	log "$*"
	exit 1
}

while (($#)); do
	case $1 in
	--ss) n_ss=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--window) window=$2; shift ;;
	--light-window) light_window=$2; shift ;;
	--out) out=$2; shift ;;
	--no-rt) rt=false ;;
	--database) databases=$2; shift ;;
	-h | --help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (--help)" ;;
	esac
	shift
done

IFS=, read -r -a dbs <<<"$databases"
for db in "${dbs[@]}"; do
	[[ $db == sqlite || $db == postgresql ]] ||
		die "--database $databases: expected sqlite, postgresql or both, comma-separated"
done
[[ -x $pkmd && -x $pkmload ]] || die "build pkmd and pkmload first (make user)"
work=$(mktemp -d "${TMPDIR:-/tmp}/pkmd-bench.XXXXXX")
daemon_pid=
pg_dir=
cleanup() {
	if [[ -n $daemon_pid ]]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	[[ -z $pg_dir ]] || "$repo_root/tools/pg-test-server" stop "$pg_dir"
	rm -rf "$work"
}
trap cleanup EXIT

# The PostgreSQL server, started once, on no CPU in particular: it is a
# third process beside the BS and pkmload.
if [[ ,$databases, == *,postgresql,* ]]; then
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/pkmd-bench-pg.XXXXXX")
	"$repo_root/tools/pg-test-server" start "$pg_dir" >/dev/null ||
		die "the PostgreSQL server did not start"
fi

# The BS gets the last CPU to itself as far as taskset can say, pkmload
# the first.  Where other work shares the machine (virtual machines, builds)
# a woken daemon can wait milliseconds for its CPU; the real-time class,
# when allowed, makes the figures the daemon's rather than the neighbours'.
# The kernel's real-time throttling still leaves 5% of each CPU to others.
cpus=$(nproc)
bs_cpu=$((cpus - 1))
load_cpu=0
((cpus > 1)) || log "one CPU only: the BS and pkmload share it"
sched=(taskset -c)
policy=SCHED_OTHER
if $rt && chrt -f 10 true 2>/dev/null; then
	policy="SCHED_FIFO 10"
	sched=(chrt -f 10 taskset -c)
fi

"$pkmload" ca "$work/ca" || die "pkmload ca failed"

# run_one NAME WINDOW DATABASE: a fresh daemon and database, one pkmload
# run, its JSON in $work/NAME.json.  The daemon's log is kept in
# $work/NAME.log.
run_one() {
	local name=$1 w=$2 dir=$work/$1 status=0 database
	mkdir -p "$dir"
	database=$dir/bs.db
	if [[ $3 == postgresql ]]; then
		database=$("$repo_root/tools/pg-test-server" createdb "$pg_dir" "${name//-/_}") ||
			die "$name: no PostgreSQL database"
	fi
	cat >"$dir/bs.conf" <<-CONF
		[pkmd]
		role = bs
		interface = wman0
		database = $database
		control = $dir/ctl.sock
		log-level = notice

		[bs]
		ca-certificate = $work/ca/ca.pem
		certificate = $work/ca/bs.pem
		private-key = $work/ca/bs.key
		provider = load
		# a Basic CID for each SS (Wireshark then wants -o wmx.basic_cid_max:$n_ss)
		basic-cid-max = $n_ss

		[test]
		mgmt-socket = $dir/link.sock
	CONF
	"${sched[@]}" "$bs_cpu" "$pkmd" -f --test-mode -c "$dir/bs.conf" 2>"$dir/bs.log" &
	daemon_pid=$!
	# Ready when its control socket exists (it is created last).
	for _ in $(seq 100); do
		[[ -S $dir/ctl.sock ]] && break
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -S $dir/ctl.sock ]] || { cat "$dir/bs.log" >&2; die "$name: pkmd did not start"; }
	log "$name: $n_ss SSs, window $w, ${seconds} s; BS on CPU $bs_cpu ($3), pkmload on CPU $load_cpu ($policy)"
	"${sched[@]}" "$load_cpu" "$pkmload" run -d "$work/ca" -l "$dir/link.sock" \
		-c "$dir/ctl.sock" -n "$n_ss" -m "$n_ss" -w "$w" -t "$seconds" \
		-p "$daemon_pid" -j "$work/$name.json" | sed 's/^/  /' >&2 || status=$?
	kill "$daemon_pid"
	wait "$daemon_pid" || true
	daemon_pid=
	cp "$dir/bs.log" "$work/$name.log"
	((status == 0)) || { tail -n 20 "$dir/bs.log" >&2; die "$name: pkmload failed (exit $status)"; }
}

for db in "${dbs[@]}"; do
	run_one "$db-throughput" "$window" "$db"
	run_one "$db-light" "$light_window" "$db"
	jq -n --arg db "$db" --slurpfile t "$work/$db-throughput.json" \
		--slurpfile l "$work/$db-light.json" \
		'{($db): {throughput: $t[0], light: $l[0]}}' >"$work/$db.json"
done

files=()
for db in "${dbs[@]}"; do
	files+=("$work/$db.json")
done
jq -s add "${files[@]}" >"$work/databases.json"

mkdir -p "$(dirname "$out")"
jq -n --slurpfile t "$work/${dbs[0]}-throughput.json" --slurpfile l "$work/${dbs[0]}-light.json" \
	--slurpfile d "$work/databases.json" \
	--arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	--arg kernel "$(uname -r)" --arg policy "$policy" \
	--argjson cpus "$cpus" --argjson bs_cpu "$bs_cpu" --argjson load_cpu "$load_cpu" \
	--arg rev "$(git -C "$repo_root" describe --always --dirty 2>/dev/null || echo unknown)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	'{kernel: $kernel, cpu_model: $cpu, cpus: $cpus, bs_cpu: $bs_cpu,
	  loadgen_cpu: $load_cpu, scheduling: $policy, load_average: $load,
	  source_revision: $rev,
	  targets: {key_requests_per_s: 20000, storm_ss: 1000},
	  database: $d[0] | keys_unsorted[0],
	  throughput: $t[0], light: $l[0], databases: $d[0]}' >"$out"
log "results in $out"
