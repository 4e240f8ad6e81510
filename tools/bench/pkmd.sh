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
# per run), zone (two BSs of one zone on that server, each with --ss SSs
# of its own and a pkmload of its own, at the same time), or several,
# comma-separated ("sqlite,postgresql,zone"), one after the other in the
# same run.  --rounds N repeats them all N times, interleaved; the table
# at the end gives each one's Key Requests/s and p99 per round, its ratio
# to SQLite's of the same round, and the medians.  The first one's
# figures are the report's throughput and light; each one's first round
# is under databases.NAME, every round under databases.NAME.rounds.
#
# usage: tools/bench/pkmd.sh [--ss N] [--seconds S] [--window W]
#                            [--light-window W] [--database LIST]
#                            [--rounds N] [--no-rt] [--out FILE]
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
rounds=1

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
	--rounds) rounds=$2; shift ;;
	-h | --help) sed -n '3,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (--help)" ;;
	esac
	shift
done

IFS=, read -r -a dbs <<<"$databases"
for db in "${dbs[@]}"; do
	[[ $db == sqlite || $db == postgresql || $db == zone ]] ||
		die "--database $databases: expected sqlite, postgresql or zone, comma-separated"
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds $rounds: expected a count"
[[ -x $pkmd && -x $pkmload ]] || die "build pkmd and pkmload first (make user)"
work=$(mktemp -d "${TMPDIR:-/tmp}/pkmd-bench.XXXXXX")
daemon_pid=
daemon2_pid=
pg_dir=
cleanup() {
	local pid
	for pid in $daemon_pid $daemon2_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[[ -z $pg_dir ]] || "$repo_root/tools/pg-test-server" stop "$pg_dir"
	rm -rf "$work"
}
trap cleanup EXIT

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

# The PostgreSQL server, started once, on no CPU in particular: it is a
# third process beside the BS and pkmload.  It runs in the daemon's
# scheduling class: the daemon waits for it before each answer (on
# SQLite that work is the daemon's own), and in the ordinary class
# among busy neighbours it would wait milliseconds for a CPU each time.
pg_sched=()
[[ $policy == SCHED_OTHER ]] || pg_sched=(chrt -f 10)
if [[ ,$databases, == *,postgresql,* || ,$databases, == *,zone,* ]]; then
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/pkmd-bench-pg.XXXXXX")
	"${pg_sched[@]}" "$repo_root/tools/pg-test-server" start "$pg_dir" >/dev/null ||
		die "the PostgreSQL server did not start"
fi

"$pkmload" ca "$work/ca" || die "pkmload ca failed"

# write_conf DIR DATABASE [ZONE BS-ID]: a BS's configuration.
write_conf() {
	local dir=$1 database=$2 zone_lines=
	[[ -z ${3:-} ]] || zone_lines=$'zone = '"$3"$'\nbs-id = '"$4"
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
		$zone_lines

		[test]
		mgmt-socket = $dir/link.sock
	CONF
}

# start_daemon DIR CPU VAR: a BS on CPU, its pid in VAR, ready when its
# control socket exists (it is created last).
start_daemon() {
	local dir=$1 pid
	"${sched[@]}" "$2" "$pkmd" -f --test-mode -c "$dir/bs.conf" 2>"$dir/bs.log" &
	pid=$!
	printf -v "$3" '%s' "$pid"
	for _ in $(seq 100); do
		[[ -S $dir/ctl.sock ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -S $dir/ctl.sock ]] || { cat "$dir/bs.log" >&2; die "$dir: pkmd did not start"; }
}

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
	write_conf "$dir" "$database"
	start_daemon "$dir" "$bs_cpu" daemon_pid
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

# run_zone NAME WINDOW: two BSs of one zone (bs1, bs2) on a fresh
# database of their own, each driven by a pkmload of its own with --ss
# SSs (bs2's identities after bs1's), both at once.  Two CPUs: bs1 and
# bs2's pkmload on the last, bs2 and bs1's pkmload on the first.  JSON in
# $work/NAME.json: each BS's pkmload JSON and the zone's totals.
run_zone() {
	local name=$1 w=$2 database b pid1 pid2 s1=0 s2=0
	database=$("$repo_root/tools/pg-test-server" createdb "$pg_dir" "${name//-/_}") ||
		die "$name: no PostgreSQL database"
	for b in 1 2; do
		mkdir -p "$work/$name/bs$b"
		write_conf "$work/$name/bs$b" "$database" bench "bs$b"
	done
	# one after the other: the first makes the schema
	start_daemon "$work/$name/bs1" "$bs_cpu" daemon_pid
	start_daemon "$work/$name/bs2" "$load_cpu" daemon2_pid
	log "$name: zone of 2 BSs, $n_ss SSs each, window $w each, ${seconds} s; bs1 and bs2's pkmload on CPU $bs_cpu, bs2 and bs1's pkmload on CPU $load_cpu ($policy)"
	"${sched[@]}" "$load_cpu" "$pkmload" run -d "$work/ca" -l "$work/$name/bs1/link.sock" \
		-c "$work/$name/bs1/ctl.sock" -n "$n_ss" -m "$n_ss" -w "$w" -t "$seconds" \
		-p "$daemon_pid" -j "$work/$name-bs1.json" >"$work/$name-bs1.out" 2>&1 &
	pid1=$!
	"${sched[@]}" "$bs_cpu" "$pkmload" run -d "$work/ca" -l "$work/$name/bs2/link.sock" \
		-c "$work/$name/bs2/ctl.sock" -n "$n_ss" -m "$n_ss" -o "$n_ss" -w "$w" \
		-t "$seconds" -p "$daemon2_pid" -j "$work/$name-bs2.json" >"$work/$name-bs2.out" 2>&1 &
	pid2=$!
	wait "$pid1" || s1=$?
	wait "$pid2" || s2=$?
	for b in 1 2; do
		sed "s/^/  bs$b: /" "$work/$name-bs$b.out" >&2
	done
	kill "$daemon_pid" "$daemon2_pid"
	wait "$daemon_pid" || true
	wait "$daemon2_pid" || true
	daemon_pid=
	daemon2_pid=
	for b in 1 2; do
		cp "$work/$name/bs$b/bs.log" "$work/$name-bs$b.log"
	done
	if ((s1 != 0 || s2 != 0)); then
		tail -n 20 "$work/$name/bs1/bs.log" "$work/$name/bs2/bs.log" >&2
		die "$name: pkmload failed (exit $s1 at bs1, $s2 at bs2)"
	fi
	# The two sustained phases overlap but need not start together (each
	# storm takes its own time): the total is the sum of the two rates.
	jq -n --slurpfile a "$work/$name-bs1.json" --slurpfile b "$work/$name-bs2.json" \
		'{bs1: $a[0], bs2: $b[0], window: $a[0].window, ss: ($a[0].ss + $b[0].ss),
		  key_requests: {per_s: ($a[0].key_requests.per_s + $b[0].key_requests.per_s),
			answered: ($a[0].key_requests.answered + $b[0].key_requests.answered),
			p50_us: ([$a[0].key_requests.p50_us, $b[0].key_requests.p50_us] | max),
			p99_us: ([$a[0].key_requests.p99_us, $b[0].key_requests.p99_us] | max)},
		  lost: ($a[0].lost + $b[0].lost), duplicated: ($a[0].duplicated + $b[0].duplicated),
		  mismatched: ($a[0].mismatched + $b[0].mismatched), ok: ($a[0].ok and $b[0].ok)}' \
		>"$work/$name.json"
}

for ((round = 1; round <= rounds; round++)); do
	for db in "${dbs[@]}"; do
		tag=$db-r$round
		if [[ $db == zone ]]; then
			run_zone "$tag-throughput" "$window"
			run_zone "$tag-light" "$light_window"
		else
			run_one "$tag-throughput" "$window" "$db"
			run_one "$tag-light" "$light_window" "$db"
		fi
		jq -n --argjson round "$round" --slurpfile t "$work/$tag-throughput.json" \
			--slurpfile l "$work/$tag-light.json" \
			'{round: $round, throughput: $t[0], light: $l[0]}' >"$work/$tag.json"
	done
done

# databases.NAME: the first round's throughput and light, and every round.
files=()
for db in "${dbs[@]}"; do
	per_round=()
	for ((round = 1; round <= rounds; round++)); do
		per_round+=("$work/$db-r$round.json")
	done
	jq -s --arg db "$db" '{($db): {throughput: .[0].throughput, light: .[0].light, rounds: .}}' \
		"${per_round[@]}" >"$work/$db.json"
	files+=("$work/$db.json")
done
jq -s add "${files[@]}" >"$work/databases.json"

# The comparison: each round's figures and ratio to SQLite's of the same
# round (when SQLite ran), then the medians of the rounds.
if ((${#dbs[@]} > 1)); then
	printf '\n%s\n' "Key Requests/s and p99 ms (window $window, then $light_window); x sqlite: ratio to SQLite in the same round" >&2
	jq -r --argjson rounds "$rounds" '
		def median: sort | if length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		def fx(n): . * pow(10; n) | round / pow(10; n) | tostring;
		. as $d |
		def ratio($db; $r; $k): if $d.sqlite then
			$d[$db].rounds[$r][$k].key_requests.per_s /
			$d.sqlite.rounds[$r][$k].key_requests.per_s else null end;
		(["database", "round", "throughput/s", "p99", "x sqlite", "light/s", "p99", "x sqlite", "lost/dup/mism"] | @tsv),
		(keys_unsorted[] as $db | range(0; $rounds) as $r | $d[$db].rounds[$r] as $x |
			[$db, $r + 1,
			 ($x.throughput.key_requests.per_s | round), ($x.throughput.key_requests.p99_us / 1000 | fx(2)),
			 (ratio($db; $r; "throughput") // "" | if . == "" then . else fx(2) end),
			 ($x.light.key_requests.per_s | round), ($x.light.key_requests.p99_us / 1000 | fx(2)),
			 (ratio($db; $r; "light") // "" | if . == "" then . else fx(2) end),
			 "\($x.throughput.lost + $x.light.lost)/\($x.throughput.duplicated + $x.light.duplicated)/\($x.throughput.mismatched + $x.light.mismatched)"] | @tsv),
		(keys_unsorted[] as $db | [range(0; $rounds)] as $rs |
			[$db, "median",
			 ([$rs[] | $d[$db].rounds[.].throughput.key_requests.per_s] | median | round),
			 ([$rs[] | $d[$db].rounds[.].throughput.key_requests.p99_us / 1000] | median | fx(2)),
			 (if $d.sqlite then [$rs[] | ratio($db; .; "throughput")] | median | fx(2) else "" end),
			 ([$rs[] | $d[$db].rounds[.].light.key_requests.per_s] | median | round),
			 ([$rs[] | $d[$db].rounds[.].light.key_requests.p99_us / 1000] | median | fx(2)),
			 (if $d.sqlite then [$rs[] | ratio($db; .; "light")] | median | fx(2) else "" end),
			 ""] | @tsv)
	' "$work/databases.json" | column -t -s $'\t' >&2
	if [[ ,$databases, == *,zone,* ]]; then
		jq -r --argjson rounds "$rounds" '
			"", "zone: each BS (window of the run, Key Requests/s / p99 ms)",
			(range(0; $rounds) as $r | .zone.rounds[$r] as $x |
			 "round \($r + 1): throughput bs1 \($x.throughput.bs1.key_requests.per_s | round) / \($x.throughput.bs1.key_requests.p99_us / 1000), bs2 \($x.throughput.bs2.key_requests.per_s | round) / \($x.throughput.bs2.key_requests.p99_us / 1000); light bs1 \($x.light.bs1.key_requests.per_s | round) / \($x.light.bs1.key_requests.p99_us / 1000), bs2 \($x.light.bs2.key_requests.per_s | round) / \($x.light.bs2.key_requests.p99_us / 1000)")
		' "$work/databases.json" >&2
	fi
fi

mkdir -p "$(dirname "$out")"
jq -n --slurpfile t "$work/${dbs[0]}-r1-throughput.json" --slurpfile l "$work/${dbs[0]}-r1-light.json" \
	--slurpfile d "$work/databases.json" \
	--arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	--arg kernel "$(uname -r)" --arg policy "$policy" \
	--argjson cpus "$cpus" --argjson bs_cpu "$bs_cpu" --argjson load_cpu "$load_cpu" \
	--arg rev "$(git -C "$repo_root" describe --always --dirty 2>/dev/null || echo unknown)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	'{kernel: $kernel, cpu_model: $cpu, cpus: $cpus, bs_cpu: $bs_cpu,
	  loadgen_cpu: $load_cpu, scheduling: $policy, load_average: $load,
	  source_revision: $rev, rounds: '"$rounds"',
	  targets: {key_requests_per_s: 20000, storm_ss: 1000},
	  database: $d[0] | keys_unsorted[0],
	  throughput: $t[0], light: $l[0], databases: $d[0]}' >"$out"
log "results in $out"
