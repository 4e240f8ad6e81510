#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel fuzzer (wman_kfuzz) against a BS and three SSs with live SAs.
#
#   KFUZZ_TIME   seconds of the full run (default 60)
#   KFUZZ_SEED   the seed (default: a new one, printed first)
#   KFUZZ_WORKERS  the workers of the full run (wman_kfuzz --workers,
#                default all: nNrRclu), to replay a failure with fewer
#
# 1. Every operation of the spec is in the fuzzer's table, and one seed
#    generates one sequence (dry runs).
# 2. Frames only, while the BS pings SS1: every frame a node accepted is
#    one its peer sent (per-SA counters on both sides agree), and the
#    fuzzed frames are counted as drops under their reasons.
# 3. Everything at once for KFUZZ_TIME seconds: netlink requests as root
#    to the BS and SS1, frames into both, SS2's SA rekeyed under a ping
#    flood, scratch links removed under traffic, and unprivileged callers
#    who must be refused.  SS1's unicast SA and connection are kept (the
#    fuzzer skips requests that would delete or rekey them).
# 4. Afterwards the devices answer, BS -> SS1 traffic is accepted, the
#    module unloads (and is loaded again for the next test).
#
# The kernel log is checked by the VM runner (tools/vm-run) and here.

source "$(dirname "$0")/lib.sh"

KFUZZ=${KFUZZ:-$TOP/build/selftests/wman_kfuzz}
KFUZZ_TIME=${KFUZZ_TIME:-60}
KFUZZ_SEED=${KFUZZ_SEED:-$((RANDOM << 30 | RANDOM << 15 | RANDOM))}
KFUZZ_WORKERS=${KFUZZ_WORKERS:-nNrRclu}
SPEC=$TOP/Documentation/netlink/specs/wman.yaml

ktap_print_header
require_env
[[ -x $KFUZZ ]] || skip_all "wman_kfuzz not built (make -C selftests)"
ko=$(find_module) || skip_all "no wman.ko for $(uname -r) to reload (set WMAN_KO)"
ktap_plan
log "kfuzz seed $KFUZZ_SEED, $KFUZZ_TIME s, workers $KFUZZ_WORKERS (rerun: KFUZZ_SEED=$KFUZZ_SEED)"
# leave the module loaded, whatever happens (the runner removes it)
trap 'cleanup; [[ -d /sys/module/wman ]] || insmod "$ko"' EXIT

# The frames-only phase: a third of the run, 10 to 30 s.
rx_time=$((KFUZZ_TIME / 3))
((rx_time < 10)) && rx_time=10
((rx_time > 30)) && rx_time=30

# The fuzzer's view of the topology.
kfuzz_args() {
	local n
	printf '%s\n' --seed "$KFUZZ_SEED" --air "$ns_air" \
		--bs "${ns[0]}:air0:${mac[0]}" --ss "${ns[1]}:air1:${mac[1]}" \
		--churn-ss "${ns[2]}:air2:${mac[2]}" --churn-said "${uc_said[2]}" \
		--protect-said "${uc_said[1]}" --protect-cid "${uc_cid[1]}" \
		--wman "$WMAN" --cid "$grp_cid" --cid "$bc_cid" \
		--said "$grp_said" --said "$bc_said"
	for n in "${sss[@]}"; do
		printf '%s\n' --cid "${uc_cid[$n]}" --cid "${mgmt_cid[$n]}" \
			--said "${uc_said[$n]}"
	done
}

# kfuzz_field FILE REGEX: the number after "# kfuzz: REGEX " (0 if none).
kfuzz_field() {
	local v
	v=$(sed -n -E "s/^# kfuzz: $2 ([0-9]+).*/\1/p" "$1" | head -n 1)
	echo "${v:-0}"
}

spec_ops() {
	awk '/^operations:/ { on = 1; next }
	     /^[a-z]/ { on = 0 }
	     on && /^      name: / { print $2 }' "$SPEC"
}

test_spec_ops() {
	local spec missing
	spec=$(spec_ops)
	[[ -n $spec ]]
	missing=$(grep -vxF -f <("$KFUZZ" --list-ops) <<<"$spec" || true)
	[[ -z $missing ]] && return 0
	log "operations of wman.yaml missing from wman_kfuzz's table: ${missing//$'\n'/ }"
	return 1
}

hashes() { "$KFUZZ" --dry-run --count 3000 --seed "$1" | grep ' hash '; }

test_replayable() {
	local a b c
	a=$(hashes "$KFUZZ_SEED")
	b=$(hashes "$KFUZZ_SEED")
	c=$(hashes $((KFUZZ_SEED + 1)))
	log "$a"
	assert_eq "$b" "$a" "the same seed twice"
	[[ $c != "$a" ]] || { log "another seed, the same sequence"; return 1; }
}

# counters N: wman0's counters in node N, one line of JSON (one exec:
# under QEMU TCG every process start counts).
counters() {
	wm "$1" -j -s link show wman0 |
		jq -c 'first(.. | objects | select(has("rx_packets")))'
}
# counter JSON NAME: one counter of a counters line (NAME with dashes).
counter() {
	local key=${2//-/_}
	[[ $1 =~ \"$key\":([0-9]+) ]] || { log "no $2 in $1"; echo -1; return; }
	echo "${BASH_REMATCH[1]}"
}
# moved N BEFORE AFTER COUNTER: the counter rose from BEFORE to AFTER
moved() {
	local b a
	b=$(counter "$2" "$4")
	a=$(counter "$3" "$4")
	((a > b)) && return 0
	log "node $1 $4 did not move from $b"
	return 1
}

test_rx_only() {
	local s1=${uc_said[1]} n c out=$TMP/rx.out
	local -A before after
	for n in 0 1; do
		before[$n]=$(counters "$n")
	done
	before[bs_tx]=$(cnt 0 said "$s1" tx-packets)
	before[ss_tx]=$(cnt 1 said "$s1" tx-packets)

	# genuine traffic for the fuzzer to capture and mutate
	bgn 0 ping -q -i 0.2 -W 1 "${ip4[1]}"
	mapfile -t args < <(kfuzz_args)
	pp "$KFUZZ" "${args[@]}" --workers rR --time "$rx_time" | tee "$out"
	kill_bg
	(($(kfuzz_field "$out" 'frames injected') > 0))

	# every accepted frame is one the peer sent
	wait_for 5 rx_matches 1 "$(counter "${before[1]}" rx-packets)" 0 "$s1" "${before[bs_tx]}"
	wait_for 5 rx_matches 0 "$(counter "${before[0]}" rx-packets)" 1 "$s1" "${before[ss_tx]}"
	for n in 0 1; do
		after[$n]=$(counters "$n")
		log "node $n before: ${before[$n]}"
		log "node $n after:  ${after[$n]}"
		for c in rx-bad-header rx-unknown-sa rx-no-key rx-replay; do
			moved "$n" "${before[$n]}" "${after[$n]}" "$c"
		done
	done
	# SS1 takes downlink on its unicast, group and broadcast SAs, so
	# forged ICVs reach it; the BS takes keyed frames on unicast only
	moved 1 "${before[1]}" "${after[1]}" rx-bad-icv
}
# rx_matches N RX-BEFORE PEER SAID PEER-TX-BEFORE: N accepted as many frames
# as PEER sent on SAID since.
rx_matches() {
	local got sent
	got=$(($(cnt "$1" rx-packets) - $2))
	sent=$(($(cnt "$3" said "$4" tx-packets) - $5))
	((got == sent)) && return 0
	log "node $1 accepted $got frames, node $3 sent $sent"
	return 1
}

test_fuzz() {
	local out=$TMP/fuzz.out rc=0 v refused sent
	flood 0 "${ip4[2]}" -s 200
	bgn 0 ping -q -i 0.2 -W 1 "${ip4[1]}"
	bgn 3 ping -q -i 0.2 -W 1 "${ip4[0]}"
	mapfile -t args < <(kfuzz_args)
	pp "$KFUZZ" "${args[@]}" --workers "$KFUZZ_WORKERS" \
		--time "$KFUZZ_TIME" | tee "$out" || rc=$?
	kill_bg
	v=$(kfuzz_field "$out" 'unprivileged violations')
	refused=$(kfuzz_field "$out" 'unprivileged requests [0-9]*, refused EPERM')
	sent=$(kfuzz_field "$out" 'netlink requests')
	log "netlink requests $sent, unprivileged refusals $refused, violations $v"
	assert_eq "$v" 0 "unprivileged requests that succeeded"
	[[ $KFUZZ_WORKERS != *[nN]* ]] || ((sent > 0))
	[[ $KFUZZ_WORKERS != *u* ]] || ((refused > 0))
	assert_eq "$rc" 0 "wman_kfuzz's exit status"
}

test_alive() {
	local n
	for n in "${nodes[@]}"; do
		wm "$n" link show wman0 >/dev/null
	done
}

test_traffic() {
	local s1=${uc_said[1]} rx
	rx=$(cnt 1 said "$s1" eks 0 rx-packets)
	n0 ping -q -c 3 -i 0.2 -W 2 "${ip4[1]}" >/dev/null
	expect_cnt 1 $((rx + 3)) said "$s1" eks 0 rx-packets
}

test_unload() {
	topo_teardown
	wait_for 60 no_wman_links
	pp timeout 60 rmmod wman
	[[ ! -d /sys/module/wman ]]
	pp insmod "$ko"
}
no_wman_links() { ! ip -o link show type wman 2>/dev/null | grep -q .; }

test_kernel_log() { kmsg_clean; }

kmsg_mark
run_test "kfuzz: every operation of wman.yaml is in the fuzzer's table" test_spec_ops
run_test "kfuzz: one seed, one sequence of requests and frames" test_replayable
topo_setup uc mgmt group bcast
run_test "kfuzz: fuzzed frames are dropped and counted, only the peers' frames accepted (${rx_time}s)" test_rx_only
run_test "kfuzz: ${KFUZZ_TIME}s of workers $KFUZZ_WORKERS at once, no unprivileged request succeeded" test_fuzz
run_test "kfuzz: every device still answers" test_alive
run_test "kfuzz: BS -> SS1 traffic is still accepted" test_traffic
run_test "kfuzz: the module unloads" test_unload
run_test "kfuzz: no kernel warning" test_kernel_log
run_test "kfuzz: no namespace or device leaked" leak_check
ktap_finished
