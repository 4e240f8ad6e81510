#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel memory one device can hold is bounded and charged to whoever
# asked for it (Documentation/data-plane.rst, "Limits"):
#
#  - the module parameters max_sas and max_conns (0644, read at every
#    request) cap the SAs and connections of each device; past them the
#    request fails with ENOSPC and an extack naming the parameter.  Each
#    SA holds at most two TEKs, so TEKs are bounded too;
#  - an unprivileged user, root in a user namespace of its own with a
#    network namespace, meets the same caps;
#  - SAs, TEKs and their per-CPU counters are charged to the memory
#    cgroup of the process that creates them (when cgroup v2 with the
#    memory controller can be had: mounted here if no one did).
#
#   $ns0: veth0 <-> veth1, wman0 (BS) on veth0, wman1 (BS) on veth1.

source "$(dirname "$0")/lib.sh"

ktap_print_header
require_env
ktap_plan

params=/sys/module/wman/parameters
saved_max_sas=
saved_max_conns=

# A cgroup v2 hierarchy mounted by this test, if none was.
cg_own_mount=$TMP/cgroup2
cg_name=wman-selftest-$suffix

# The cgroup and the mount of the memory cgroup test go away, whatever
# happened (the test runs in a subshell: its variables are lost here).
cg_cleanup() {
	local root
	while read -r root; do
		rmdir "$root/$cg_name" 2>/dev/null || true
	done < <(awk '$3 == "cgroup2" { print $2 }' /proc/self/mounts)
	if mountpoint -q "$cg_own_mount"; then
		umount "$cg_own_mount"
	fi
}

# The parameters go back to what they were, whatever happens.
restore_params() {
	[[ -z $saved_max_sas ]] || echo "$saved_max_sas" > "$params/max_sas"
	[[ -z $saved_max_conns ]] || echo "$saved_max_conns" > "$params/max_conns"
	cg_cleanup
}
trap 'restore_params; cleanup' EXIT

setup() {
	ip netns add "${ns[0]}"
	ip0 link add veth0 type veth peer name veth1
	ip0 link set veth0 address "${mac[0]}" up
	ip0 link set veth1 up
	wm0 link add link veth0 name wman0 role bs
	wm0 link add link veth1 name wman1 role bs
	[[ -r $params/max_sas ]] && saved_max_sas=$(<"$params/max_sas")
	[[ -r $params/max_conns ]] && saved_max_conns=$(<"$params/max_conns")
	return 0
}

# sa_add DEV SAID
sa_add() { wm0 sa add dev "$1" said "$2" suite aes-ccm service unicast; }

test_params() {
	local p
	for p in max_sas max_conns; do
		if [[ ! -e $params/$p ]]; then
			log "no module parameter $p"
			return 1
		fi
		assert_eq "$(stat -c %a "$params/$p")" 644 "mode of $p"
		log "$p = $(<"$params/$p")"
	done
}

test_max_sas() {
	local said
	echo 3 > "$params/max_sas"
	for said in 256 257 258; do
		sa_add wman0 "$said"
	done
	refused sa_add wman0 259
	grep -q "max_sas" "$TMP/refused"
	grep -q "No space left on device" "$TMP/refused"
	# per device: wman1 has room for its own three
	for said in 256 257 258; do
		sa_add wman1 "$said"
	done
	refused sa_add wman1 259

	# read at every request: a higher value makes room at once
	echo 4 > "$params/max_sas"
	sa_add wman0 259
	refused sa_add wman0 260
	# a lower one keeps what exists and refuses more
	echo 2 > "$params/max_sas"
	assert_eq "$(wm0 -j sa show dev wman0 | jq length)" 4 "SAs kept"
	wm0 sa del dev wman0 said 259
	refused sa_add wman0 259
	echo "$saved_max_sas" > "$params/max_sas"
	sa_add wman0 259
	for said in 256 257 258 259; do
		wm0 sa del dev wman0 said "$said"
		wm0 sa del dev wman1 said "$said" 2>/dev/null || true
	done
}

test_max_conns() {
	echo 2 > "$params/max_conns"
	wm0 conn add dev wman0 cid 16 kind mgmt
	wm0 conn add dev wman0 cid 17 kind mgmt peer "${mac[1]}"
	refused wm0 conn add dev wman0 cid 18 kind mgmt peer "${mac[2]}"
	grep -q "max_conns" "$TMP/refused"
	grep -q "No space left on device" "$TMP/refused"
	wm0 conn del dev wman0 cid 16
	wm0 conn add dev wman0 cid 18 kind mgmt peer "${mac[2]}"
	echo "$saved_max_conns" > "$params/max_conns"
	wm0 conn add dev wman0 cid 19 kind mgmt
	assert_eq "$(wm0 -j conn show dev wman0 | jq length)" 3 "connections"
}

# Root of a user namespace of its own, with a network namespace of its
# own: what any local user can have where unprivileged user namespaces
# are allowed.  It may create wman devices and SAs there, up to max_sas.
test_unprivileged_userns() {
	local script out=$TMP/userns.out wman status=0
	command -v unshare >/dev/null || { log "SKIP: no unshare"; return "$KSFT_SKIP"; }
	command -v setpriv >/dev/null || { log "SKIP: no setpriv"; return "$KSFT_SKIP"; }
	wman=$(public_copy "$WMAN")
	script=$TMP/public/userns.sh
	echo 2 > "$params/max_sas"
	cat > "$script" <<-EOF
		set -e
		ip link add veth0 type veth peer name veth1
		"$wman" link add link veth0 name wman0 role bs
		"$wman" sa add dev wman0 said 1 suite aes-ccm service unicast
		"$wman" sa add dev wman0 said 2 suite aes-ccm service unicast
		if "$wman" sa add dev wman0 said 3 suite aes-ccm service unicast; then
			exit 1
		fi
	EOF
	chmod 755 "$script"
	if ! setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		unshare --user --map-root-user --net true 2>/dev/null; then
		log "SKIP: unprivileged user namespaces are not allowed here"
		return "$KSFT_SKIP"
	fi
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		unshare --user --map-root-user --net bash "$script" > "$out" 2>&1 || status=$?
	sed 's/^/# /' "$out"
	((status == 0)) || { log "the user namespace's script failed (exit $status)"; return 1; }
	grep -q "max_sas" "$out"
}

# The kernel memory of the memory cgroup cg, in bytes: slab and per-CPU,
# where the SAs, the TEKs and their counters go.  Stats are flushed every
# 2 s, or when enough changed: wait for them to settle.
cg_kernel_memory() {
	nap 2.2
	awk '$1 == "slab_unreclaimable" || $1 == "percpu" { sum += $2 } END { print sum + 0 }' \
		"$cg/memory.stat"
}

# A memory cgroup of our own, or the reason why not in $cg_skip.
cg_setup() {
	cg_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	if [[ -z $cg_root ]]; then
		cg_root=$cg_own_mount
		mkdir -p "$cg_root"
		if ! mount -t cgroup2 none "$cg_root" 2>/dev/null; then
			cg_skip="cannot mount cgroup v2"
			return 1
		fi
	fi
	if ! grep -qw memory "$cg_root/cgroup.controllers"; then
		cg_skip="no memory controller in cgroup v2"
		return 1
	fi
	if ! grep -qw memory "$cg_root/cgroup.subtree_control" &&
	   ! echo +memory > "$cg_root/cgroup.subtree_control" 2>/dev/null; then
		cg_skip="cannot enable the memory controller below $cg_root"
		return 1
	fi
	cg=$cg_root/$cg_name
	mkdir "$cg"
}

# 256 SAs with two TEKs each, created by one process in the cgroup: each
# TEK alone holds a 1 KiB replay bitmap, so the cgroup's kernel memory
# must grow by 256 KiB at least.
n_sas=256
test_memcg_charged() {
	local before after i cg_skip=
	if ! cg_setup; then
		log "SKIP: $cg_skip"
		return "$KSFT_SKIP"
	fi
	: > "$TMP/sa-add.batch"
	: > "$TMP/sa-del.batch"
	for ((i = 0; i < n_sas; i++)); do
		printf 'sa add dev wman1 said %d suite aes-gcm service unicast\n' $((4096 + i))
		printf 'tek add dev wman1 said %d eks 0 key %s\n' $((4096 + i)) "$(key_hex $((4096 + i)) 0)"
		printf 'tek add dev wman1 said %d eks 1 key %s\n' $((4096 + i)) "$(key_hex $((4096 + i)) 1)"
	done >> "$TMP/sa-add.batch"
	for ((i = 0; i < n_sas; i++)); do
		printf 'sa del dev wman1 said %d\n' $((4096 + i))
	done >> "$TMP/sa-del.batch"

	before=$(cg_kernel_memory)
	# a subshell moves itself into the cgroup, then becomes the tool
	(
		echo "$BASHPID" > "$cg/cgroup.procs"
		exec "$WMAN" -n "${ns[0]}" -b "$TMP/sa-add.batch"
	)
	after=$(cg_kernel_memory)
	log "cgroup kernel memory (slab + percpu): $before -> $after bytes for $n_sas SAs, $((2 * n_sas)) TEKs"
	assert_eq "$(wm0 -j sa show dev wman1 | jq length)" "$n_sas" "SAs created"
	if ((after - before < 2 * n_sas * 512)); then
		log "expected at least $((2 * n_sas * 512)) bytes more"
		return 1
	fi

	# and given back when they go
	wm0 -b "$TMP/sa-del.batch"
	before=$after
	after=$(cg_kernel_memory)
	log "after deleting them: $after bytes"
	((before - after >= 2 * n_sas * 512))
	cg_cleanup
}

setup
# Each test starts from the parameters as they were: one that fails half
# way does not leave a low limit to fail the next.
from_saved() {
	[[ -z $saved_max_sas ]] || echo "$saved_max_sas" > "$params/max_sas"
	[[ -z $saved_max_conns ]] || echo "$saved_max_conns" > "$params/max_conns"
	"$@"
}

run_test "limits: module parameters max_sas and max_conns, mode 0644" from_saved test_params
run_test "limits: max_sas per device, ENOSPC naming it, read at every request" from_saved test_max_sas
run_test "limits: max_conns per device, ENOSPC naming it" from_saved test_max_conns
run_test "limits: root of its own user namespace meets max_sas too" from_saved test_unprivileged_userns
run_test "limits: SAs and TEKs are charged to the creator's memory cgroup" from_saved test_memcg_charged
run_test "limits: no namespace or device leaked" leak_check
ktap_finished
