#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An SS trusts only its real BS (Documentation/threat-model.rst).  On a
# real kernel, a pkmd in the BS role on the BS's interface (its MAC
# address, its wman device) answers the SSs' Auth Requests with keys of
# its choosing, signed by an identity from the operators' own CA:
#
#   - "rogue": a subscriber's certificate and key (ss2, clientAuth), the
#     attack of a legitimate subscriber posing as the BS;
#   - "impostor": a certificate with the BS role and the BS's name (bs-1)
#     but another key, as a second certificate the CA was made to issue.
#
# SS1 names its BS (bs-name = bs-1), SS3 pins its key (bs-key-sha256).
# Each attack is run against SSs that were never authorized and again at
# their reauthorization, after the real BS has authorized them.  Every
# Auth Reply the attackers send is refused and logged; the victims keep
# their state, their BS and their keys; the real BS, back, authorizes
# them again.  Last, the real BS's certificate is revoked in SS3's CRL
# (as after the theft of its key): SS3 drops the group rekeys the key
# signs from then on, not from its next reauthorization, and refuses
# the reauthorization.
#
#   tools/vm-run --kernel KVER --module build/kmod/KVER/kernel/wman.ko \
#       -- selftests/pkmd/run.sh rogue_bs.sh

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_pkmd.sh"

ktap_print_header
require_env
require_pkmd
ktap_plan

uc_said1=$(uc_said_of 1)
grp1_cid=$((0xfe01))

# The configuration of a BS daemon with certificate $1.  All of them share
# the real BS's database: the attackers know every station, subscriber
# and AK the real BS knows, all but its private key, and the SSs' trust
# must rest on that key alone.  Short lifetimes and waits: SSs reauthorize 30 s after each
# authorization and retransmit Auth Requests every 2 s.  The lifetimes
# grow with WMAN_TIME_FACTOR: on a slow kernel the attacks outlasted a
# 60 s TEK, which expired before the test compared the SS's keys.
write_bs_as() {
	cat >"$TMP/$1.conf" <<-CONF
		[pkmd]
		role = bs
		interface = wman0
		database = $bs_database
		control = $bs_sock

		[bs]
		ca-certificate = $TMP/ca.pem
		certificate = $TMP/$1.pem
		private-key = $TMP/$1.key
		provider = net-a
		ak-lifetime = $((60 * time_factor))
		tek-lifetime = $((60 * time_factor))

		[timers]
		authorize-wait = 2
		reauthorize-wait = 2
		auth-grace-time = $((30 * time_factor))
		tek-grace-time = $((10 * time_factor))

		[group 1]
		cid = $grp1_cid
		addresses = $grp_mac
		key-tree = lkh

		[test]
		allow-short-lifetimes = yes
	CONF
}

# The CA's revocation list, made with openssl ca: crl_update [NAME]
# revokes NAME's certificate first.  Written elsewhere and renamed into
# place, as an operator's tooling would.
crl_init() {
	printf '%s\n' '[ca]' 'default_ca = test' '[test]' \
		"database = $TMP/ca.index" "crlnumber = $TMP/ca.crlnumber" \
		'default_md = sha256' 'default_crl_days = 30' >"$TMP/ca.cnf"
	: >"$TMP/ca.index"
	echo 01 >"$TMP/ca.crlnumber"
}
crl_update() {
	local ca=(-config "$TMP/ca.cnf" -keyfile "$TMP/ca.key" -cert "$TMP/ca.pem")
	if [[ -n ${1:-} ]]; then
		openssl ca "${ca[@]}" -revoke "$TMP/$1.pem" 2>>"$TMP/ca.err" || return 1
	fi
	openssl ca "${ca[@]}" -gencrl -out "$TMP/crl.new" 2>>"$TMP/ca.err" &&
		mv "$TMP/crl.new" "$TMP/crl.pem"
}

# key_sha256 NAME: SHA-256 of the public key of NAME.pem, as an SS pins
# it (the command pkmd.conf(5) gives).
key_sha256() {
	openssl x509 -in "$TMP/$1.pem" -pubkey -noout |
		openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}

setup() {
	make_ca ca
	# bs-1b: the BS role and the BS's name, another key
	make_certs "bs-1 ca ec bs" "bs-1b ca ec bs" "ss1 ca rsa" "ss2 ca rsa" \
		"ss3 ca rsa"
	# make_cert names the file after the CN: bs-1b's CN must be bs-1
	openssl req -x509 -key "$TMP/bs-1b.key" -out "$TMP/bs-1b.pem" \
		-subj "/CN=bs-1" -days 30 -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
		-addext basicConstraints=critical,CA:FALSE \
		-addext keyUsage=critical,digitalSignature \
		-addext extendedKeyUsage=serverAuth 2>/dev/null
	write_bs_as bs-1
	write_bs_as ss2
	write_bs_as bs-1b
	local timers=$'[timers]\nauthorize-wait = 2\nreauthorize-wait = 2'
	write_ss_conf 1 ss1 ca unicast "" "$timers"
	# SS3 pins the key, not the name, reads the CA's CRL and is in
	# group 1, whose key tree the BS rekeys with signed messages
	write_ss_conf 3 ss3 ca unicast "1" "$timers"
	sed -i -e "s/^bs-name = .*/bs-key-sha256 = $(key_sha256 bs-1)/" \
		-e "s|^\[ss\]\$|[ss]\ncrl = $TMP/crl.pem|" "$TMP/ss3.conf"
	crl_init
	crl_update
	topo_air
	topo_links
}

# as_bs NAME: the BS daemon with certificate NAME on node 0, the only
# one; the subscribers it knows are SS1 and SS3.
as_bs() {
	local pid subs
	if [[ -S $bs_sock ]] && pid=$(daemon_pid "$bs_sock" 2>/dev/null); then
		kill "$pid"
		wait_for 10 gone "$pid"
	fi
	cp "$TMP/$1.conf" "$TMP/bs.conf"
	: >>"$TMP/bs.log"
	echo "---- pkmd with $1's certificate" >>"$TMP/bs.log"
	start_daemon 0 bs
	# read whole: grep -q quitting early would fail the pipeline
	subs=$(ctl_bs -j subscriber list | jq -r '.[].cn')
	[[ $'\n'$subs$'\n' == *$'\nss1\n'* ]] ||
		ctl_bs subscriber add ss1 mac "${mac[1]}" provider net-a services unicast
	if [[ $'\n'$subs$'\n' != *$'\nss3\n'* ]]; then
		ctl_bs subscriber add ss3 mac "${mac[3]}" provider net-a services unicast,multicast
		ctl_bs group member add 1 ss3
	fi
}
gone_sock() { ! ctl_ss "$1" status >/dev/null 2>&1; }

ss_status() { ctl_ss "$1" -j status | jq -r "$2"; }
auth_state_is() { [[ $(ss_status "$1" .auth_state) == "$2" ]]; }
# answered_since NAME LINE: the BS daemon sent an Auth Reply after line
# LINE of its log (the attack was made, not only refused by absence).
bs_answered_since() { log_since bs "$2" "SS ${mac[$1]}: Auth Reply: ss$1 authorized"; }

# refused N LINE REGEX: SS N logged a refused Auth Reply matching REGEX
# after line LINE of its log.
refused_since() { log_since "ss$1" "$2" "Auth Reply.*$3"; }

# lines_of NAME: the number of lines of the daemon's log, for log_since.
lines_of() {
	local -a lines
	mapfile -t lines <"$TMP/$1.log"
	echo "${#lines[@]}"
}

test_rogue_fresh() {
	local l1 l3 lb
	as_bs ss2
	log_has bs "not a BS certificate .*every SS will refuse it"
	lb=$(lines_of bs)
	start_daemon 1 ss1
	start_daemon 3 ss3
	wait_for 30 bs_answered_since 1 "$lb"
	wait_for 30 bs_answered_since 3 "$lb"
	wait_for 10 refused_since 1 0 "BS certificate refused \\(extendedKeyUsage lacks serverAuth"
	wait_for 10 refused_since 3 0 "BS certificate refused \\(extendedKeyUsage lacks serverAuth"
	# a retransmission answered again is refused again
	l1=$(lines_of ss1) l3=$(lines_of ss3)
	wait_for 20 refused_since 1 "$l1" "serverAuth"
	wait_for 20 refused_since 3 "$l3" "serverAuth"
	auth_state_is 1 auth-wait
	auth_state_is 3 auth-wait
	assert_eq "$(kernel_teks_json 1 | jq length)" 0 "TEKs in SS1's kernel"
	assert_eq "$(kernel_teks_json 3 | jq length)" 0 "TEKs in SS3's kernel"
	fails log_has ss1 "authorized by BS"
	fails log_has ss3 "authorized by BS"
}

test_impostor_fresh() {
	local lb l3
	# SS1 trusts any BS named bs-1 until one has authorized it: away
	kill "$(daemon_pid "$(ss_sock 1)")"
	wait_for 10 gone_sock 1
	as_bs bs-1b
	lb=$(lines_of bs) l3=$(lines_of ss3)
	wait_for 30 bs_answered_since 3 "$lb"
	wait_for 10 refused_since 3 "$l3" "from bs-1: key SHA-256 [0-9a-f]+ is not the configured bs-key-sha256: refused"
	auth_state_is 3 auth-wait
	assert_eq "$(kernel_teks_json 3 | jq length)" 0 "TEKs in SS3's kernel"
}

test_real_bs() {
	as_bs bs-1
	# SS3 entered the network with the impostor: it enters again
	kill "$(daemon_pid "$(ss_sock 3)")"
	wait_for 10 gone_sock 3
	start_daemon 1 ss1
	start_daemon 3 ss3
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	wait_for 30 auth_state_is 3 authorized
	wait_for 30 sa_state_is 3 "$grp1_cid" operational
	assert_eq "$(ss_status 1 .bs)" bs-1 "SS1's BS"
	assert_eq "$(ss_status 3 .bs)" bs-1 "SS3's BS"
	nn 1 ping -q -c 3 -i 0.2 -W 2 "${ip4[0]}" >/dev/null
	kernel_tek_ids 1 >"$TMP/ss1.teks"
	ss_status 1 .ak_seq >"$TMP/ss1.ak"
}

# attack_at_reauth NAME REGEX1 REGEX3: with the real BS gone, NAME's
# daemon answers the SSs' reauthorization; both refuse it.
attack_at_reauth() {
	local l1 l3
	l1=$(lines_of ss1) l3=$(lines_of ss3)
	as_bs "$1"
	wait_for 60 refused_since 1 "$l1" "$2"
	wait_for 30 refused_since 3 "$l3" "$3"
	auth_state_is 1 reauth-wait
	assert_eq "$(ss_status 1 .bs)" bs-1 "SS1's BS"
	assert_eq "$(ss_status 3 .bs)" bs-1 "SS3's BS"
	assert_eq "$(ss_status 1 .ak_seq)" "$(<"$TMP/ss1.ak")" "SS1's AK"
	assert_eq "$(kernel_tek_ids 1)" "$(<"$TMP/ss1.teks")" "TEKs in SS1's kernel"
}

test_rogue_at_reauth() {
	attack_at_reauth ss2 "BS certificate refused \\(extendedKeyUsage lacks serverAuth" \
		"BS certificate refused \\(extendedKeyUsage lacks serverAuth"
}

test_impostor_at_reauth() {
	attack_at_reauth bs-1b \
		"from bs-1: key SHA-256 [0-9a-f]+ is not the key of BS bs-1 this SS was authorized by: refused" \
		"is not the configured bs-key-sha256: refused"
}

test_real_bs_again() {
	local l1
	l1=$(lines_of ss1)
	as_bs bs-1
	wait_for 60 log_since ss1 "$l1" "authorized by BS .* \\(bs-1\\)"
	wait_for 30 auth_state_is 1 authorized
	wait_for 30 auth_state_is 3 authorized
	wait_for 30 sa_state_is 1 "$uc_said1" operational
	nn 1 ping -q -c 3 -i 0.2 -W 2 "${ip4[0]}" >/dev/null
}

test_bs_revoked() {
	local l3
	wait_for 30 sa_state_is 3 "$grp1_cid" operational
	l3=$(lines_of ss3)
	crl_update bs-1
	# the group's TEK expires every 60 s: the BS rekeys it through the tree
	wait_for 120 log_since ss3 "$l3" "rekey message dropped: the certificate of BS bs-1 no longer verifies \\(certificate revoked\\)"
	wait_for 60 refused_since 3 "$l3" "BS certificate refused \\(certificate revoked\\)"
	auth_state_is 3 reauth-wait
	# SS1, which reads no CRL, is still served
	wait_for 30 auth_state_is 1 authorized
}

setup
log "setup: $SECONDS s"
audit_start
wire_start
run_test "a subscriber's daemon posing as the BS: SSs that never had a BS refuse its Auth Replies" test_rogue_fresh
run_test "a certificate with the BS's role and name but another key: an SS pinning the key refuses it" test_impostor_fresh
run_test "the real BS authorizes both SSs; traffic flows" test_real_bs
run_test "the subscriber posing as the BS at reauthorization: refused; SS1 keeps its BS, AK and TEKs" test_rogue_at_reauth
run_test "the other key under the BS's name at reauthorization: refused as a changed BS key" test_impostor_at_reauth
run_test "the real BS back: both SSs reauthorized by it, traffic flows" test_real_bs_again
run_test "the BS's certificate revoked in SS3's CRL: its signed rekeys dropped at once, its reauthorization refused" test_bs_revoked
run_test "nonce audit: no (key, nonce) pair twice" audit_check
run_test "wire conformance: stock tshark decodes every PDU on the air, none shown as Data; the real and the rogue BS's Auth Replies" \
	wire_check rng-req,rng-rsp,auth-request,auth-reply,encrypted
dump_logs 10
ktap_finished
