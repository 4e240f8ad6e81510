#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The single-quoted strings are jq programs, not shell expansions.
# shellcheck disable=SC2016
#
# Print the results of tools/bench/datapath.sh, or with --pkmd those of
# tools/bench/pkmd.sh, as tables.
#
# usage: tools/bench/report.sh [build/bench/datapath.json]
#        tools/bench/report.sh --pkmd [build/bench/pkmd.json]
set -euo pipefail
shopt -s inherit_errexit

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
mode=datapath
if [[ ${1:-} == --pkmd ]]; then
	mode=pkmd
	shift
fi
json=${1:-$repo_root/build/bench/$mode.json}
[[ -r $json ]] || { echo "report: no $json" >&2; exit 1; }

# jq definitions shared by the tables: fixed(D) prints a number with D
# decimals, "-" for null; spread prints a ratio summary.
readonly jq_defs='
	def fixed($d): if . == null then "-" else
		(. * pow(10; $d) | round | tostring) as $s |
		if $d == 0 then $s else
			(if ($s | length) <= $d
			 then ("0" * ($d - ($s | length) + 1)) + $s else $s end) as $p |
			$p[:-$d] + "." + $p[-$d:]
		end end;
	def spread: "\(.median | fixed(2)) [\(.min | fixed(2))-\(.max | fixed(2))]";
	def verdict: if . then "PASS" else "MISS" end;
'

table() {
	jq -r "$jq_defs $1 | map(tostring) | @tsv" "$json" | column -t -s $'\t'
}

print_header() {
	jq -r '"Data path: kernel \(.kernel), \(.cpu_model), \(.cpus) CPUs (hypervisor: \(.hypervisor)), tree \(.source_revision // "unknown")",
		(if .clock == "icount" then "Clock: instruction-counted (QEMU -icount shift=0,sleep=off): 1 guest second = 1e9 guest instructions of both vCPUs together; host load does not count.",
			"insn/byte, insn/pkt: guest instructions of the whole machine (sender, receiver, both stacks) per TCP payload byte, per 64-byte UDP packet."
		 elif .clock == "wallclock" then "Clock: WALL-CLOCK TCG: emulated instructions timed on a shared host; ratios swing by about a third."
		 else "Clock: \(.clock // "unknown")" end),
		"\(.config.runs) interleaved rounds of \(.config.seconds_per_run) s per contender, bs to ss; medians of the rounds.",
		"x columns: medians of the per-round ratios.  Crypto drivers:",
		"  gcm(aes) \(.crypto_drivers["gcm(aes)"])",
		"  ccm(aes) \(.crypto_drivers["ccm(aes)"])",
		"  rfc4309(ccm(aes)) \(.crypto_drivers["rfc4309(ccm(aes))"] | if (. // "") == "" then "(not loaded)" else . end)",
		"  rfc4106(gcm(aes)) \(.crypto_drivers["rfc4106(gcm(aes))"] | if (. // "") == "" then "(not loaded)" else . end)"' "$json"
	echo
}

print_contenders() {
	table '.ratios as $r |
		["contender", "suite", "TCP Mbit/s", "x veth", "insn/byte", "UDP64 kpps", "x veth", "insn/pkt", "UDP loss"],
		(.contenders | to_entries[] | .key as $c | .value |
		 if .available then
			[$c, .suite, (.tcp_bps.median / 1e6 | fixed(1)),
			 (if $c == "veth" then 1 else $r["\($c)/veth"].tcp.median end | fixed(2)),
			 (.instructions.per_tcp_payload_byte // null | fixed(1)),
			 (.udp_pps.median / 1e3 | fixed(2)),
			 (if $c == "veth" then 1 else $r["\($c)/veth"].pps.median end | fixed(2)),
			 (.instructions.per_udp64_packet // null | fixed(0)),
			 ((.udp_loss_ratio // null) * 100 | fixed(1)) + "%"]
		 else
			[$c, .suite, "n/a", "", "", "", "", "", ""]
		 end)'
	jq -r '.contenders | to_entries[] | select(.value.available | not)
		| "  \(.key) not available: \(.value.reason)"' "$json"
	echo
}

print_targets() {
	# A verdict needs the medians of at least 5 rounds.
	table '(.config.runs >= 5) as $enough |
		def judged: if $enough then verdict else "(< 5 rounds)" end;
		["target", "TCP ratio [min-max]", "", "UDP64 pps ratio [min-max]", ""],
		(.ratios | to_entries[] | select(.value.target != null) | .key as $k | .value |
		 "\($k) >= \(.target | fixed(2))" as $name |
		 if .available then
			[$name, (.tcp | spread), (.tcp_pass | judged),
			 (.pps | spread), (.pps_pass | judged)]
		 else
			[$name, "n/a", "", "n/a", ""]
		 end)'
	echo
	table '["reference", "TCP ratio [min-max]", "UDP64 pps ratio [min-max]"],
		(.ratios | to_entries[]
		 | select(.value.target == null and (.key | endswith("/veth") | not))
		 | .key as $k | .value |
		 if .available then [$k, (.tcp | spread), (.pps | spread)]
		 else [$k, "n/a", "n/a"] end)'
	echo
}

print_rollover() {
	table '["TEK rollover", "switchovers", "took s", "median ms", "pps each way", "frames sent", "lost", "target 0"],
		(.rollover | to_entries[] | .key as $c | .value |
		 if .available == false then
			[$c, "n/a", "", "", "", "", "", ""]
		 else
			[$c, "\(.switchovers // 0)/\(.switchovers_planned)",
			 (.seconds | fixed(1)), (.switchover_ms.median | fixed(1)),
			 .rate_pps_each_way, (.downlink.sent + .uplink.sent), .lost,
			 (.pass | verdict)]
		 end)'
	jq -r '.rollover | to_entries[] |
		if .value.available == false then "  \(.key) not available: \(.value.reason)"
		elif .value.error then "  \(.key): \(.value.error)"
		else empty end' "$json"
}

# The key server: targets as ratios, then what each figure came from.
print_pkmd() {
	jq -r '"Key server: pkmd (BS) on CPU \(.bs_cpu) and pkmload on CPU \(.loadgen_cpu) of \(.cpus), \(.scheduling), kernel \(.kernel), tree \(.source_revision)",
		"\(.cpu_model); load average at the end \(.load_average)",
		"\(.throughput.ss) SSs over the test transport (Documentation/loadgen.rst); \(.throughput.key_requests.seconds | floor) s of Key Requests per run."' "$json"
	echo
	table '.targets as $t | .throughput as $r | .light as $l |
		($r.key_requests.per_s / $t.key_requests_per_s) as $ratio |
		["measure", "value", "target", "ratio", ""],
		["Key Requests/s (window \($r.window))", ($r.key_requests.per_s | fixed(0)),
		 ">= \($t.key_requests_per_s)", ($ratio | fixed(2)), ($ratio >= 1 | verdict)],
		["  latency p50 / p99 ms", "\($r.key_requests.p50_us / 1000 | fixed(2)) / \($r.key_requests.p99_us / 1000 | fixed(2))", "", "", ""],
		["  BS CPU per request us", ($r.key_requests.bs_cpu_us_per_request | fixed(1)),
		 "", "", "(\(1e6 / $r.key_requests.bs_cpu_us_per_request | fixed(0))/s for a whole core)"],
		["Key Requests/s (window \($l.window))", ($l.key_requests.per_s | fixed(0)), "", "", ""],
		["  latency p50 / p99 ms", "\($l.key_requests.p50_us / 1000 | fixed(3)) / \($l.key_requests.p99_us / 1000 | fixed(3))", "", "", ""],
		["storm: SSs ranged+authorized+keyed", $r.ss, ">= \($t.storm_ss)",
		 ($r.ss / $t.storm_ss | fixed(2)), ($r.ss >= $t.storm_ss | verdict)],
		["  authorizations/s", ($r.storm.auth_per_s | fixed(0)), "", "", ""],
		["  first unicast keys/s", ($r.storm.keys_per_s | fixed(0)), "", "", ""],
		["  ranging+auth+keys s", ($r.storm.total_s | fixed(2)), "", "", ""],
		["lost/duplicated/mismatched",
		 "\($r.lost + $l.lost)/\($r.duplicated + $l.duplicated)/\($r.mismatched + $l.mismatched)",
		 "0/0/0", "", (($r.ok and $l.ok) | verdict)]'
}

if [[ $mode == pkmd ]]; then
	print_pkmd
	exit 0
fi
print_header
print_contenders
print_targets
print_rollover
