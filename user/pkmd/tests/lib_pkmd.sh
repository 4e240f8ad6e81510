# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the pkmd end-to-end tests, on top of selftests/lib.sh (its
# topology, namespaces and TAP helpers): certificates made with
# openssl(1), configuration files, daemons started and stopped, and
# queries through pkmctl.  Sourced by e2e*.sh after lib.sh.

# shellcheck disable=SC2034  # used by the tests that source this file

PKMD=${PKMD:-$TOP/build/user/pkmd/pkmd}
PKMCTL=${PKMCTL:-$TOP/build/tools/pkmctl/pkmctl}

bs_sock=$TMP/bs.sock
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
# or fails with pkmd's exit status.
start_daemon() {
	local n=$1 name=$2
	log "starting pkmd $name"
	nn "$n" "$PKMD" -d -c "$TMP/$name.conf" 2>>"$TMP/$name.log"
}

daemon_pid() { ctl "$1" -j status | jq -r .pid; }

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
# KEEP_LOGS=DIR the daemons' logs are copied there.
cleanup() {
	stop_daemons
	kill_bg
	topo_teardown
	if [[ -n ${KEEP_LOGS:-} ]]; then
		cp "$TMP"/*.log "$KEEP_LOGS"/ 2>/dev/null || true
	fi
	rm -rf "$TMP"
}

# log_has NAME REGEX: the daemon's log has a matching line.
log_has() { grep -Eq -- "$2" "$TMP/$1.log"; }
log_count() { grep -Ec -- "$2" "$TMP/$1.log" || true; }

# dump_logs: the last lines of each daemon's log, as TAP comments.
dump_logs() {
	local f
	for f in "$TMP"/*.log; do
		[[ -f $f ]] || continue
		log "---- ${f##*/} (last lines)"
		tail -n "${1:-15}" "$f" | sed 's/^/# /'
	done
}

# sa_field SOCKET SAID JQ: a field of one SA in `pkmctl -j sa list`.
sa_field() { ctl "$1" -j sa list | jq -r ".[] | select(.said == $2) | $3"; }
sa_state_is() { [[ $(sa_field "$(ss_sock "$1")" "$2" .state) == "$3" ]]; }
# kernel_teks NODE SAID: the EKS values the kernel holds, sorted.
kernel_teks() { wm "$1" -j tek show dev wman0 said "$2" | jq -r '.[].eks' | sort | tr '\n' ' '; }

# ---- certificates --------------------------------------------------------------

make_ca() {	# make_ca NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TMP/$1.key" -out "$TMP/$1.pem" -days 30 \
		-subj "/CN=$1" 2>/dev/null
}

make_cert() {	# make_cert NAME CA rsa|ec: an end-entity certificate, CN NAME
	local key=(-newkey rsa:2048)
	[[ $3 == ec ]] && key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	openssl req "${key[@]}" -nodes -keyout "$TMP/$1.key" \
		-out "$TMP/$1.csr" -subj "/CN=$1" 2>/dev/null
	printf 'basicConstraints=critical,CA:FALSE\n' >"$TMP/leaf.ext"
	openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/$2.pem" \
		-CAkey "$TMP/$2.key" -CAcreateserial -days 30 \
		-extfile "$TMP/leaf.ext" -out "$TMP/$1.pem" 2>/dev/null
}

# ---- configurations --------------------------------------------------------

# write_bs_conf [EXTRA]: the BS with groups 1 and 2 and broadcast; EXTRA
# (lines) is appended, e.g. [test] and [timers] sections.
write_bs_conf() {
	cat >"$TMP/bs.conf" <<-CONF
		[pkmd]
		role = bs
		interface = wman0
		database = $TMP/bs.db
		control = $bs_sock

		[bs]
		ca-certificate = $TMP/ca.pem
		certificate = $TMP/bs-1.pem
		private-key = $TMP/bs-1.key
		provider = net-a
		${BS_LIFETIMES:-}

		[group 1]
		cid = $((0xfe01))
		suite = aes-gcm
		addresses = $grp_mac

		[group 2]
		cid = $((0xfe02))
		addresses = 01:00:5e:10:00:02

		[broadcast]
		cid = 0xffff
	CONF
	[[ -n ${1:-} ]] && printf '%s\n' "$1" >>"$TMP/bs.conf"
	return 0
}

# write_ss_conf N CERT CA SERVICES GROUPS [EXTRA]
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
		services = $4
	CONF
	[[ -n $5 ]] && echo "multicast-groups = $5" >>"$TMP/ss$1.conf"
	[[ -n ${6:-} ]] && printf '%s\n' "$6" >>"$TMP/ss$1.conf"
	return 0
}
