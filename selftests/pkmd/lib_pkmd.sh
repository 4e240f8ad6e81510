# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the pkmd selftests, on top of selftests/lib.sh (its
# topology, namespaces and TAP helpers): certificates made with
# openssl(1), configuration files, daemons started and stopped, queries
# through pkmctl, snapshots of the daemons' and kernels' key state, and
# PKM messages captured, tampered with, forged and replayed on the air.
# Sourced by the tests after lib.sh.

# shellcheck disable=SC2034  # used by the tests that source this file

PKMD=${PKMD:-$TOP/build/user/pkmd/pkmd}
PKMCTL=${PKMCTL:-$TOP/build/tools/pkmctl/pkmctl}

bs_sock=$TMP/bs.sock

# The BS's database: SQLite in $TMP, or with PKMD_DATABASE=postgresql a
# database of this test file's own on a PostgreSQL server of the test's
# own (tools/pg-test-server): the one run.sh started for the whole run
# (PKMD_TEST_POSTGRESQL), else one started here, in a directory of its
# own under /tmp.
pg_own=
case ${PKMD_DATABASE:-sqlite} in
sqlite)
	bs_database=$TMP/bs.db
	;;
postgresql)
	if [[ -z ${PKMD_TEST_POSTGRESQL:-} ]]; then
		# not in $TMP: the server's user must reach its directory
		PKMD_TEST_POSTGRESQL=$("$TOP/tools/pg-test-server" start \
			"$(mktemp -d /tmp/pkmd-pg.XXXXXX)") ||
			{ echo "Bail out! no PostgreSQL server for the BS"; exit 1; }
		pg_own=$PKMD_TEST_POSTGRESQL
	fi
	bs_database=$("$TOP/tools/pg-test-server" createdb "$PKMD_TEST_POSTGRESQL" "bs_$$") ||
		{ echo "Bail out! no PostgreSQL database for the BS"; exit 1; }
	;;
*)
	echo "Bail out! PKMD_DATABASE=$PKMD_DATABASE: expected sqlite or postgresql"
	exit 1
	;;
esac

# bs_database_used: the running BS opened the database PKMD_DATABASE names.
bs_database_used() {
	if [[ ${PKMD_DATABASE:-sqlite} == postgresql ]]; then
		log_has bs "database PostgreSQL $PKMD_TEST_POSTGRESQL/bs_$$: connected"
	else
		[[ -e $TMP/bs.db ]]
	fi
}
ss_sock() { echo "$TMP/ss$1.sock"; }
# The BS gives station N (in order of first entry) these:
uc_said_of() { echo $((0x2000 + $1)); }

require_pkmd() {
	local c
	for c in openssl jq; do
		command -v "$c" >/dev/null || skip_all "$c not installed"
	done
	[[ -x $PKMD && -x $PKMCTL ]] ||
		skip_all "pkmd or pkmctl not built (make -C user/pkmd; make -C tools/pkmctl)"
}

# ---- daemons -----------------------------------------------------------------

ctl() { "$PKMCTL" -s "$1" "${@:2}"; }
ctl_bs() { ctl "$bs_sock" "$@"; }
ctl_ss() { ctl "$(ss_sock "$1")" "${@:2}"; }

# start_daemon NODE NAME: pkmd with $TMP/NAME.conf, logging (at debug
# level) to $TMP/NAME.log.  It returns once the control socket answers,
# or fails with pkmd's exit status.  Every daemon logs the TEKs it installs
# for the nonce audit (conf_key_log), so every configuration has a [test]
# section, which pkmd takes only with --test-mode.
start_daemon() {
	local n=$1 name=$2
	conf_key_log "$TMP/$name.conf"
	log "starting pkmd $name"
	nn "$n" "$PKMD" -d --test-mode -c "$TMP/$name.conf" 2>>"$TMP/$name.log"
}

# conf_key_log FILE: "key-log = $audit_keys" in the configuration's [test]
# section, which is added if it has none (a section may not appear twice).
# Done where every daemon starts, so that no configuration a test writes
# itself escapes it; a file that has the key is left as it is.
conf_key_log() {
	local -a lines
	local line out='' added=no
	mapfile -t lines <"$1"
	for line in "${lines[@]}"; do
		[[ $line =~ ^[[:space:]]*key-log[[:space:]]*= ]] && return 0
	done
	for line in "${lines[@]}"; do
		out+=$line$'\n'
		if [[ $added == no && $line =~ ^[[:space:]]*\[test\][[:space:]]*$ ]]; then
			out+="key-log = $audit_keys"$'\n'
			added=yes
		fi
	done
	[[ $added == yes ]] || out+=$'\n[test]\nkey-log = '"$audit_keys"$'\n'
	printf '%s' "$out" >"$1"
}

daemon_pid() { ctl "$1" -j status | jq -r .pid; }
# gone PID: the process has exited (or is a zombie not yet reaped).
gone() {
	local state=''
	[[ -r /proc/$1/stat ]] || return 0
	read -r _ _ state _ </proc/"$1"/stat 2>/dev/null || return 0
	[[ $state == Z ]]
}

# saved NAME [VALUE]: keep a value for a later test (each test runs in a
# subshell), or print it.
saved() {
	if (($# > 1)); then
		echo "$2" >"$TMP/saved.$1"
	else
		cat "$TMP/saved.$1"
	fi
}

stop_daemons() {
	local s pid
	for s in "$bs_sock" "$TMP"/ss*.sock; do
		[[ -S $s ]] || continue
		pid=$(daemon_pid "$s" 2>/dev/null) || continue
		[[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null
	done
	return 0
}

# lib.sh's exit trap calls cleanup: stop the daemons first.  With
# KEEP_LOGS=DIR the daemons' logs are copied there (as TEST.sh-NAME.log).
cleanup() {
	local f
	stop_daemons
	kill_bg
	topo_teardown
	[[ -z $pg_own ]] || "$TOP/tools/pg-test-server" stop "$pg_own"
	if [[ -n ${KEEP_LOGS:-} ]]; then
		for f in "$TMP"/*.log; do
			cp "$f" "$KEEP_LOGS/${0##*/}-${f##*/}" 2>/dev/null || true
		done
	fi
	rm -rf "$TMP"
}

# The daemons' logs, read by bash itself: a grep(1) per poll would cost
# an exec each time under TCG.  REGEX is an extended regular expression.
# log_has NAME REGEX: the daemon's log has a matching line.
# log_count NAME REGEX: how many lines match.
# log_since NAME LINE REGEX: a matching line after line LINE.
# log_lines NAME: its number of lines, not counting control requests.
log_match() {	# log_match NAME FROM REGEX FIRST-ONLY
	local -a lines
	local i n=0
	mapfile -t lines <"$TMP/$1.log"
	for ((i = $2; i < ${#lines[@]}; i++)); do
		[[ ${lines[i]} =~ $3 ]] || continue
		n=$((n + 1))
		[[ -n $4 ]] && break
	done
	echo "$n"
}
log_has() { [[ $(log_match "$1" 0 "$2" first) != 0 ]]; }
log_count() { log_match "$1" 0 "$2" ""; }
log_since() { [[ $(log_match "$1" "$2" "$3" first) != 0 ]]; }
log_lines() {
	local -a lines
	mapfile -t lines <"$TMP/$1.log"
	echo $((${#lines[@]} - $(log_count "$1" ' debug: control: ')))
}

# dump_logs: the last lines of each daemon's log, as TAP comments.
dump_logs() {
	local f
	for f in "$TMP"/*.log; do
		[[ -f $f ]] || continue
		log "---- ${f##*/} (last lines)"
		tail -n "${1:-15}" "$f" | sed 's/^/# /'
	done
}

# step NAME FUNCTION: run_test for tests whose steps build on the ones
# before: after a failure the rest are skipped, and the daemons' logs are
# printed and kept (KEEP_LOGS=DIR).
failed_at=
step() {
	if [[ -n $failed_at ]]; then
		log "--- $1"
		ktap_test_skip "$1 (after a failure)"
		return 0
	fi
	local before=$KTAP_CNT_FAIL
	run_test "$@"
	if ((KTAP_CNT_FAIL > before)); then
		failed_at=$1
		dump_logs 60
		[[ -n ${KEEP_LOGS:-} ]] && cp "$TMP"/*.log "$KEEP_LOGS"/ 2>/dev/null
	fi
	return 0
}

# sa_field SOCKET SAID JQ: a field of one SA in `pkmctl -j sa list`.
sa_field() { ctl "$1" -j sa list | jq -r ".[] | select(.said == $2) | $3"; }
sa_state_is() { [[ $(sa_field "$(ss_sock "$1")" "$2" .state) == "$3" ]]; }
# sa_rejected N SAID CODE: SS N's daemon holds that SA stopped by a Key
# Reject with CODE (a state of "start" alone is also the one before asking).
sa_rejected() {
	[[ $(sa_field "$(ss_sock "$1")" "$2" '"\(.state) \(.key_reject)"') == "start $3" ]]
}
# kernel_teks NODE SAID: the EKS values the kernel holds, sorted.
kernel_teks() {
	wm "$1" -j tek show dev wman0 said "$2" | jq -j '[.[].eks] | sort | map("\(.) ") | add // ""'
}

# ---- certificates --------------------------------------------------------------

make_ca() {	# make_ca NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TMP/$1.key" -out "$TMP/$1.pem" -days 30 \
		-subj "/CN=$1" 2>/dev/null
}

# Key usages by role (Documentation/threat-model.rst): a BS certificate is
# for serverAuth and signs; an SS certificate is for clientAuth, signs and
# receives the encrypted AK.
role_exts() {	# role_exts bs|ss: openssl -addext arguments
	if [[ $1 == bs ]]; then
		echo "-addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth"
	else
		echo "-addext keyUsage=critical,digitalSignature,keyEncipherment -addext extendedKeyUsage=clientAuth"
	fi
}

# make_cert NAME CA rsa|ec [bs|ss]: an end-entity certificate, CN NAME,
# issued by CA (one openssl run: req -x509 -CA signs what it makes), for
# the role given (default: bs for a NAME starting with "bs", else ss).
make_cert() {
	local key=(-newkey rsa:2048) role=${4:-ss} exts
	[[ $3 == ec ]] && key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	[[ -z ${4:-} && $1 == bs* ]] && role=bs
	read -r -a exts <<<"$(role_exts "$role")"
	openssl req -x509 "${key[@]}" -nodes -keyout "$TMP/$1.key" \
		-out "$TMP/$1.pem" -subj "/CN=$1" -days 30 \
		-CA "$TMP/$2.pem" -CAkey "$TMP/$2.key" \
		-addext basicConstraints=critical,CA:FALSE "${exts[@]}" 2>/dev/null
}

# make_certs "NAME CA TYPE"...: make_cert for each, all at once (a key
# pair costs seconds under TCG, and the VM has two CPUs).
make_certs() {
	local spec pids=() p rc=0
	for spec in "$@"; do
		# shellcheck disable=SC2086 # three words
		make_cert $spec &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	return $rc
}

# ---- configurations --------------------------------------------------------

# write_bs_head: the BS configuration's [pkmd] and [bs] sections, which
# every test shares; its groups follow.
write_bs_head() {
	cat >"$TMP/bs.conf" <<-CONF
		[pkmd]
		role = bs
		interface = wman0
		database = $bs_database
		control = $bs_sock

		[bs]
		ca-certificate = $TMP/ca.pem
		certificate = $TMP/bs-1.pem
		private-key = $TMP/bs-1.key
		provider = net-a
		${BS_LIFETIMES:-}
	CONF
}

# write_bs_conf [EXTRA]: the BS with groups 1 and 2 and broadcast; EXTRA
# (lines) is appended, e.g. [test] and [timers] sections.
write_bs_conf() {
	write_bs_head
	cat >>"$TMP/bs.conf" <<-CONF

		[group 1]
		cid = $((0xfe01))
		suite = aes-gcm
		addresses = $grp_mac

		[group 2]
		cid = $((0xfe02))
		addresses = 01:00:5e:10:00:02

		# the default CID, 0xfe00
		[broadcast]
	CONF
	[[ -n ${1:-} ]] && printf '%s\n' "$1" >>"$TMP/bs.conf"
	return 0
}

# write_ss_conf N CERT CA SERVICES GROUPS [EXTRA]: the SS trusts the BS
# named $BS_NAME (default bs-1), the CN of the BS's certificate.
write_ss_conf() {
	cat >"$TMP/ss$1.conf" <<-CONF
		[pkmd]
		role = ss
		interface = wman0
		control = $(ss_sock "$1")

		[ss]
		ca-certificate = $TMP/$3.pem
		certificate = $TMP/$2.pem
		private-key = $TMP/$2.key
		bs-name = ${BS_NAME:-bs-1}
		services = $4
	CONF
	[[ -n $5 ]] && echo "multicast-groups = $5" >>"$TMP/ss$1.conf"
	[[ -n ${6:-} ]] && printf '%s\n' "$6" >>"$TMP/ss$1.conf"
	return 0
}

# ---- state snapshots -----------------------------------------------------------
# One line of JSON each, to compare before and after an event.

# The jq filters, also for several outputs in one jq run.
jq_bs_sas='map({said, service, group, owner, suite,
	       teks: [.teks[] | {eks, generation}]}) | sort_by(.said)'
jq_tek_expiry='.[] | .said as $s | .teks[] | "\($s):\(.eks):\(.remaining)"'
jq_ss_sas='map({said, service, state, key_reject, suite,
	       teks: [.teks[] | {eks, generation}]})'
jq_subscribers='map(del(.ak_remaining)) | sort_by(.cn)'
jq_kernel_teks='map({said, eks, state, tx_pn,
		     tx: .stats.tx_packets, rx: .stats.rx_packets}) |
		sort_by(.said, .eks)'

# bs_sas: every SA of the BS daemon, its TEK sequence numbers (EKS) and
# generations, without the seconds left.
bs_sas() { ctl_bs -j sa list | jq -c "$jq_bs_sas"; }
# ss_sas N: the SAs of SS N's daemon, their state and TEKs.
ss_sas() { ctl_ss "$1" -j sa list | jq -c "$jq_ss_sas"; }
# subscribers: the BS's subscribers with their station's CIDs, unicast
# SAID and AK sequence number.
subscribers() { ctl_bs -j subscriber list | jq -c "$jq_subscribers"; }
# The TEKs in node N's kernel: kernel_tek_state N with their packet
# numbers and per-TEK counters (a TEK installed again starts from zero),
# for a node without traffic; kernel_tek_ids N the slots and their state
# only; kernel_tek_counts N "SAID:EKS TX-PN TX-PACKETS RX-PACKETS" lines
# for tek_counts_grew.
kernel_teks_json() { wm "$1" -s -j tek show dev wman0; }
kernel_tek_state() { kernel_teks_json "$1" | jq -c "$jq_kernel_teks"; }
kernel_tek_ids() {
	kernel_teks_json "$1" | jq -c 'map({said, eks, state}) | sort_by(.said, .eks)'
}
kernel_tek_counts() {
	kernel_teks_json "$1" | jq -r '.[] |
		"\(.said):\(.eks) \(.tx_pn // 0) \(.stats.tx_packets) \(.stats.rx_packets)"' | sort
}
# kernel_sas N: the SAIDs in node N's kernel, as "[a,b]".
kernel_sas() { wm "$1" -j sa show dev wman0 | jq -c 'map(.said) | sort'; }
# mgmt_cids NODE: the CIDs of NODE's management connections, sorted.
mgmt_cids() {
	wm "$1" -j conn show dev wman0 | jq -c '[.[] | select(.kind == "mgmt") | .cid] | sort'
}

# tek_counts_grew BEFORE AFTER: every TEK of BEFORE (kernel_tek_counts
# lines) is still there, its PN and counters as high or higher: none
# was installed again.
tek_counts_grew() {
	local said_eks pn tx rx now a b c
	while read -r said_eks pn tx rx; do
		[[ -n $said_eks ]] || continue
		now=$(grep -m1 "^$said_eks " <<<"$2") || {
			log "TEK $said_eks is gone"
			return 1
		}
		read -r _ a b c <<<"$now"
		((a >= pn && b >= tx && c >= rx)) || {
			log "TEK $said_eks: PN, tx, rx went from $pn $tx $rx to $a $b $c"
			return 1
		}
	done <<<"$1"
}

# ---- PKM messages on the air ---------------------------------------------------

# hex_bytes HEX FILE: the bytes of HEX into FILE (bash's printf, no exec).
hex_bytes() {
	local h=$1 out='' i
	for ((i = 0; i < ${#h}; i += 2)); do
		out+="\\x${h:i:2}"
	done
	# shellcheck disable=SC2059 # the escapes are the point
	printf "$out" >"$2"
}

# cmac KEY-HEX DATA-HEX: the first 8 bytes of the AES-128-CMAC tag of the
# bytes (what a CMAC-Digest carries), in hex.
cmac() {
	local tag
	hex_bytes "$2" "$TMP/cmac.in"
	tag=$(openssl mac -cipher AES-128-CBC -macopt "hexkey:$1" \
		-in "$TMP/cmac.in" CMAC) || return 1
	tag=${tag,,}
	echo "${tag:0:16}"
}

# aes_kw KEK-HEX KEY-HEX: KEY wrapped under KEK (AES Key Wrap), in hex.
aes_kw() {
	hex_bytes "$2" "$TMP/kw.in"
	openssl enc -id-aes128-wrap -K "$1" -iv A6A6A6A6A6A6A6A6 \
		-in "$TMP/kw.in" | od -An -v -tx1 | tr -d ' \n'
}

# random_hex BYTES: that many random bytes in hex (bash's SRANDOM).
random_hex() {
	local out='' i
	for ((i = 0; i < $1; i += 4)); do
		out+=$(printf '%08x' "$SRANDOM")
	done
	echo "${out:0:$(($1 * 2))}"
}

# An outsider's digest key: it has no AK, so it makes one up.
outsider_key=$(random_hex 16)

# key_request ID AK-SEQ SAID SERVICE PN: a well-formed Key Request
# (pkm-protocol.rst) with its CMAC-Digest computed under $outsider_key.
key_request() {
	local body
	body=$(printf '0907%02x0a01%02x0c02%04x1c01%02x280c%08x' "$@")
	echo "$body$(cmac "$outsider_key" "$body")"
}

# key_reply ID AK-SEQ SAID EKS-OLDER PN: a well-formed Key Reply with two
# TEKs of the outsider's own, wrapped under a KEK of its own, and its
# digest under $outsider_key.
key_reply() {
	local id=$1 ak=$2 said=$3 eks=$4 pn=$5 kek body i
	kek=$(random_hex 16)
	body=$(printf '0a08%02x0a01%02x0c02%04x' "$id" "$ak" "$said")
	for i in 0 1; do
		body+="0d23""0818$(aes_kw "$kek" "$(random_hex 16)")"
		body+=$(printf '0904%08x0a01%02x' $((600 * (i + 1))) \
			$(((eks + i) % 4)))
	done
	body+=$(printf '280c%08x' "$pn")
	echo "$body$(cmac "$outsider_key" "$body")"
}

# frame_field FILE INDEX FIELD: one field of frame INDEX in `wman_frame
# list` (FILE may also be the saved output of list, FILE.list).
frame_field() {
	local list=$1.list idx f
	[[ -s $list ]] || "$FRAME" list "$1" >"$list"
	while read -r idx f; do
		[[ $idx == "$2" ]] || continue
		f=" $f "
		f=${f#* "$3" }
		[[ $f != " "* ]] || return 1
		echo "${f%% *}"
		return 0
	done <"$list"
	return 1
}
# pkm_frame FILE CODE [COND]: index of the first PKM message of that code.
pkm_frame() { pick_frame "$1" "f[\"pkm-code\"] == $2${3:+ && $3}"; }

# air_mgmt NODE DST SRC CID HEX: a clear management PDU sent on the air
# toward NODE only (from the bridge's port to it), from any address.
air_mgmt() { na "$FRAME" mgmt "air$1" "${@:2}"; }

# ---- wire conformance -----------------------------------------------------------
#
# What the daemons put on the air must decode in stock Wireshark
# (Documentation/testing.rst, "The wire conformance check").  A test
# starts the capture with wire_start at its top level, next to
# audit_start, and checks it with a run_test line after audit_check:
#
#   run_test "wire conformance: ..." wire_check KIND,KIND...
#
# wire_start captures every clear wman PDU (the management messages) on
# the air bridge; wire_check stops it and runs tools/wire-check/wire-check
# on it and on the nonce audit's capture (the encrypted PDUs), requiring
# the kinds of message named.  WMAN_WIRE_CHECK=0 turns it off.  With
# WIRE_TABLES=DIR (run.sh sets it) each test's counts are kept in DIR for
# the suite's table; with WIRE_KEEP=DIR (a --share directory of the VM)
# the converted capture and tshark's PDML are kept in DIR/TEST.sh/.

WIRE_CHECK=${WIRE_CHECK:-$TOP/tools/wire-check/wire-check}
WMAN_WIRE_CHECK=${WMAN_WIRE_CHECK:-1}
wire_pcap=$TMP/wire.pcap
wire_pid=
wire_state=off		# off, running, or why it could not start

# wire_start: tcpdump on br0, clear wman PDUs whole, each written as it
# comes (--immediate-mode, -U: a handful of PDUs a second at most), so
# that stopping it loses nothing; returns once it captures.
wire_start() {
	wire_pid=
	if [[ $WMAN_WIRE_CHECK == 0 ]]; then
		log "wire check: off (WMAN_WIRE_CHECK=0)"
		return 0
	fi
	if ! command -v tcpdump >/dev/null; then
		wire_state="it needs tcpdump"
		log "wire check: $wire_state"
		return 0
	fi
	bg ip netns exec "$ns_air" tcpdump -i br0 -n -Z root -U --immediate-mode \
		-s 0 -w "$wire_pcap" 'ether proto 0x88b5 and ether[14] & 0x40 == 0' \
		2>"$TMP/wire.tcpdump"
	wire_pid=$bg_pid
	if wait_for 60 wire_capturing; then
		wire_state=running
	else
		wire_state="tcpdump did not start: $(tr '\n' ' ' <"$TMP/wire.tcpdump")"
		log "wire check: $wire_state"
	fi
}
wire_capturing() {
	local line
	while read -r line; do
		[[ $line == *"listening on "* ]] && return 0
	done <"$TMP/wire.tcpdump"
	return 1
}
wire_stopped() {
	local state=
	[[ -r /proc/$wire_pid/stat ]] || return 0
	read -r _ _ state _ <"/proc/$wire_pid/stat" 2>/dev/null || return 0
	[[ $state == Z ]]
}

# wire_check KINDS: stop the capture, decode it with stock tshark; fail on
# what the checker fails on, on a capture that dropped frames, and when a
# kind of KINDS (comma-separated, the table's last column) was not seen.
wire_check() {
	local line drops='' rc=0 inputs=("$wire_pcap") opts=() kinds=${1:-}
	case $wire_state in
	running) ;;
	off)
		log "wire check: not started"
		return "$KSFT_SKIP"
		;;
	*)
		log "wire check: $wire_state"
		return 1
		;;
	esac
	kill -INT "$wire_pid" 2>/dev/null || true
	wait_for 10 wire_stopped
	while read -r line; do
		[[ $line =~ ^([0-9]+)\ packets?\ dropped\ by\ kernel ]] &&
			drops=${BASH_REMATCH[1]}
	done <"$TMP/wire.tcpdump"
	# the encrypted PDUs: the nonce audit's capture, once it has stopped
	if [[ $audit_state == running && -s $audit_pcap ]] && audit_stopped; then
		inputs+=("$audit_pcap")
	else
		log "wire check: no encrypted PDUs (the nonce audit's capture is off, not there or still running)"
		kinds=${kinds//encrypted/}
		kinds=${kinds//,,/,}
		kinds=${kinds#,}
		kinds=${kinds%,}
	fi
	[[ -z $kinds ]] || opts+=(--expect "$kinds")
	[[ -z ${WIRE_TABLES:-} ]] || opts+=(--counts "$WIRE_TABLES/${0##*/}.counts")
	[[ -z ${WIRE_KEEP:-} ]] || opts+=(--keep "$WIRE_KEEP/${0##*/}")
	"$WIRE_CHECK" "${opts[@]}" "${inputs[@]}" >"$TMP/wire.out" 2>&1 || rc=$?
	sed 's/^/# /' "$TMP/wire.out" >&"$log_fd"
	if [[ $drops != 0 ]]; then
		log "wire check: the capture missed frames (${drops:-unknown})"
		return 1
	fi
	return "$rc"
}
