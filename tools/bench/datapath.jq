# SPDX-License-Identifier: GPL-2.0
#
# Turns the records of tools/bench/datapath.sh into build/bench/datapath.json.
# Inputs: $meta, $results and $rollover (slurped JSON lines, see the script)
# and the scalars of the run.

def median:
	map(select(. != null)) | sort
	| if length == 0 then null
	  elif length % 2 == 1 then .[length / 2 | floor]
	  else (.[length / 2 - 1] + .[length / 2]) / 2 end;

def summary: {median: median, min: min, max: max};

def runs($c; $kind): [$results[] | select(.c == $c and .kind == $kind)];
def tcp_runs($c): runs($c; "tcp") | map(.bps);
def pps_runs($c): runs($c; "udp") | map(.recv.pps);

def available($c): any($meta[]; .c == $c and (has("reason") | not));

def link_stats($links; $dev):
	[$links[0][] | select(.ifname == $dev) | .stats64
	 | {rx_packets: .rx.packets, rx_dropped: .rx.dropped, rx_errors: .rx.errors,
	    tx_packets: .tx.packets, tx_dropped: .tx.dropped, tx_errors: .tx.errors}]
	| first;

def contender($m):
	if $m | has("reason") then
		{available: false, suite: $m.suite, reason: $m.reason}
	else
		runs($m.c; "udp") as $udp
		| ($udp | map(.send.sent) | add) as $sent
		| ($udp | map(.recv.unique) | add) as $got
		| (tcp_runs($m.c) | median) as $bps
		| (pps_runs($m.c) | median) as $pps
		| {available: true, suite: $m.suite, device: $m.device, mtu: $m.mtu,
		   tcp_bps: {median: $bps, runs: tcp_runs($m.c)},
		   udp_pps: {median: $pps, runs: pps_runs($m.c)},
		   # In instruction-counted time a guest second is 1e9 instructions
		   # of both vCPUs together: sender, receiver and both stacks.
		   instructions: (if $clock == "icount" then
			{per_tcp_payload_byte: (if $bps > 0 then 1e9 / ($bps / 8) else null end),
			 per_udp64_packet: (if $pps > 0 then 1e9 / $pps else null end)}
			else null end),
		   udp_sent: $sent, udp_received: $got,
		   udp_loss_ratio: (if $sent > 0 then ($sent - $got) / $sent else null end),
		   link_counters: {bs: link_stats($links_bs; $m.device),
				   ss: link_stats($links_ss; $m.device)},
		   wman_stats: ([$wman_stats[] | select(.c == $m.c) | {bs, ss}] | first)}
	end;

# A/B per round (the rounds interleave the contenders, so each pair ran
# under the same conditions), summarised by median, min and max.
def pairwise($x; $y):
	[range(0; [$x, $y] | map(length) | min)]
	| map(select($x[.] != null and $y[.] != null and $y[.] > 0) | $x[.] / $y[.])
	| summary;

def ratio($a; $b; $target):
	if available($a) and available($b) then
		{available: true, target: $target,
		 tcp: pairwise(tcp_runs($a); tcp_runs($b)),
		 pps: pairwise(pps_runs($a); pps_runs($b))}
		| if $target == null then . else
			.tcp_pass = (.tcp.median != null and .tcp.median >= $target)
			| .pps_pass = (.pps.median != null and .pps.median >= $target) end
	else
		{available: false, target: $target}
	end;

def flow($f):
	{sent: $f.send.sent, received: $f.recv.received,
	 lost: ($f.send.sent - $f.recv.unique), gaps: $f.recv.lost,
	 duplicates: $f.recv.duplicates, reordered: $f.recv.reordered};

def delta($pair): $pair[1] | with_entries(.value -= $pair[0][.key]);

def rollover_result($c):
	([$rollover[] | select(.c == $c)] | first) as $r
	| if $r != null then
		{available: true, switchovers: $r.tekroll.switchovers,
		 switchovers_planned: $switchovers, seconds: $r.tekroll.seconds,
		 switchover_ms: {median: $r.tekroll.median_ms, max: $r.tekroll.max_ms},
		 error: $r.tekroll.error,
		 rate_pps_each_way: $r.rate, load_fraction: $load,
		 downlink: flow($r.down), uplink: flow($r.up),
		 counters: {bs: delta($r.counters.bs), ss: delta($r.counters.ss)},
		 wman_stats: $r.wman_stats}
		| .lost = .downlink.lost + .uplink.lost
		| .target_lost = 0
		| .pass = (.lost == 0 and .switchovers == $switchovers)
	  else
		{available: false,
		 reason: ([$meta[] | select(.c == $c) | .reason] | first // "not run")}
	  end;

{kernel: $kernel, cpu_model: $cpu, cpus: $cpus, hypervisor: $hypervisor,
 date: $date, clock: $clock,
 config: {runs: $runs, seconds_per_run: $seconds, udp_payload_bytes: 64,
	  direction: "bs to ss", tcp_tool: "iperf3",
	  udp_tool: "tools/bench/udpflood.c"},
 crypto_drivers: {"gcm(aes)": $gcm, "ccm(aes)": $ccm, "rfc4309(ccm(aes))": $esp,
		 "rfc4106(gcm(aes))": $esp_gcm},
 contenders: (reduce $meta[] as $m ({}; .[$m.c] = contender($m))),
 ratios: {
	"wman-gcm/macsec-gcm": ratio("wman-gcm"; "macsec-gcm"; 1.10),
	"wman-ccm/esp-ccm": ratio("wman-ccm"; "esp-ccm"; 1.5),
	"wman-gcm/esp-gcm": ratio("wman-gcm"; "esp-gcm"; null),
	"wman-gcm/wireguard": ratio("wman-gcm"; "wireguard"; null),
	"esp-gcm/veth": ratio("esp-gcm"; "veth"; null),
	"wireguard/veth": ratio("wireguard"; "veth"; null),
	"macsec-gcm/veth": ratio("macsec-gcm"; "veth"; null),
	"esp-ccm/veth": ratio("esp-ccm"; "veth"; null),
	"wman-ccm/veth": ratio("wman-ccm"; "veth"; null),
	"wman-gcm/veth": ratio("wman-gcm"; "veth"; null)},
 rollover: {"wman-ccm": rollover_result("wman-ccm"),
	    "wman-gcm": rollover_result("wman-gcm")}}
