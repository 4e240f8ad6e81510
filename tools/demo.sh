#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: a BS and three SSs on an air bridge, each with a wman0 device,
# static TEKs installed with the wman tool.  Unicast pings both ways, a
# multicast group that SS3 is not a member of (it receives the frames and
# cannot decrypt them), broadcast, and what the air carries.
#
# Run it through `make demo` (which boots a VM) or directly as root on a
# host that has the module loaded.

source "$(dirname "$0")/../selftests/lib.sh"
trap - ERR
log_fd=1

say() { printf '\n== %s\n' "$*"; }
# on N ARGS...: show and run a wman command on node N (0 is the BS).
on() {
	local n=$1; shift
	printf '%s$ wman %s\n' "$( ((n)) && echo "SS$n" || echo BS)" "$*"
	wm "$n" "$@"
}

require_env
topo_setup
# SS3 asked for the group key and was refused: it has the group's
# connection and SA but no TEK.
wm3 tek del dev wman0 said "$grp_said" eks 0

say "The BS's device, SAs and TEKs (keys are never printed)"
on 0 link show
on 0 sa show dev wman0

say "Unicast: the BS pings each SS, each SS pings the BS"
for n in "${sss[@]}"; do
	n0 ping -c 2 -i 0.2 -W 2 "${ip4[$n]}" | grep -E 'packets transmitted'
	nn "$n" ping -c 2 -i 0.2 -W 2 "${ip4[0]}" | grep -E 'packets transmitted'
done

say "Multicast group $grp_id ($grp_ip4, CID $grp_cid): SS1 and SS2 hold the TEK, SS3 does not"
n0 ping -c 3 -i 0.2 -W 1 -t 1 "$grp_ip4" >/dev/null 2>&1 || true
for n in "${sss[@]}"; do
	printf 'SS%d  group SA: rx-packets %s  rx-no-key %s\n' "$n" \
		"$(cnt "$n" said "$grp_said" rx-packets)" \
		"$(cnt "$n" said "$grp_said" rx-no-key)"
done

say "What the air carries: one frame captured on the BS's lower device"
payload=48454c4c4f2d504c41494e54455854	# "HELLO-PLAINTEXT", ping's pad
capture_start 0 veth0 1 "$TMP/demo.pcap"
n0 ping -c 1 -W 2 -p "$payload" "${ip4[1]}" >/dev/null
capture_wait
"$FRAME" list "$TMP/demo.pcap"
if (($("$FRAME" grep "$TMP/demo.pcap" "$payload") != 0)); then
	echo "the ping payload is visible on the air: NOT encrypted"
	exit 1
fi
echo "the ping payload (\"HELLO-PLAINTEXT\") does not appear on the air"

say "Counters"
on 0 -s link show
on 3 -s link show
echo "SS3\$ ip -s link show wman0"
ip -n "${ns[3]}" -s link show wman0
