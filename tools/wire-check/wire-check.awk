# SPDX-License-Identifier: GPL-2.0
#
# The wire checker's verdicts (tools/wire-check/wire-check runs it): reads
# tshark's PDML of a capture that air2pcap converted, one MAC PDU per
# frame, and prints what was on the air and what stock Wireshark could
# not decode, as TAP.  POSIX awk (Debian's mawk).
#
# Variables (-v):
#   shadows    air2pcap's --shadows list: "COPY ORIGINAL WHAT" lines
#   originals  frames before the copies
#   encrypted, unread, clear, cut, badlen, badhcs, short, signalling,
#   truncated  air2pcap's counts (unread: encrypted PDUs not given to tshark)
#   expect     comma-separated kinds that must have been on the air
#   details    offending frames described per test (default 20)
#   counts_out a file for the table: "COUNT<tab>KIND<tab>MESSAGE" lines
#
# The rules and the exceptions are those of Documentation/frame-format.rst,
# "Reading the air with Wireshark": every exception is matched by message
# and by where in the message Wireshark stumbles, and counted.

BEGIN {
	SEV_NOTE = 4194304; SEV_WARN = 6291456
	if (details == "") details = 20
	while (shadows != "" && (getline line < shadows) > 0) {
		split(line, fl, " ")
		copy_of[fl[1]] = fl[2]
		copy_what[fl[1]] = fl[3]
		has_copy[fl[2]] = fl[1]
	}
	svc_name[0] = "unicast"; svc_name[1] = "multicast"; svc_name[2] = "broadcast"
	# the PKM code labels as kinds
	kind_of["9 4"] = "auth-request"; kind_of["10 5"] = "auth-reply"
	kind_of["10 6"] = "auth-reject"; kind_of["9 7"] = "key-request"
	kind_of["10 8"] = "key-reply"; kind_of["10 9"] = "key-reject"
	kind_of["10 10"] = "auth-invalid"; kind_of["10 11"] = "tek-invalid"
	kind_of["9 12"] = "auth-info"; kind_of["10 240"] = "gkuc"
	mgmt_kind[4] = "rng-req"; mgmt_kind[5] = "rng-rsp"
	mgmt_kind[49] = "dreg-req"; mgmt_kind[29] = "dreg-cmd"
	split("rng-req rng-rsp auth-request auth-reply auth-reject auth-invalid auth-info key-request key-reply key-reject tek-invalid gkuc dreg-req dreg-cmd encrypted", order, " ")
	for (i = 1; i in order; i++) ranks[order[i]] = i
	ntests = 0
}

function attr(s, key,    i, rest) {
	i = index(s, " " key "=\"")
	if (!i) return ""
	rest = substr(s, i + length(key) + 3)
	return unxml(substr(rest, 1, index(rest, "\"") - 1))
}

function unxml(s) {
	gsub(/&quot;/, "\"", s); gsub(/&#x27;/, "'", s)
	gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s)
	return s
}

function hexval(s,    v, i, c) {
	s = tolower(s); sub(/^0x/, "", s); v = 0
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (!c) return -1
		v = v * 16 + c - 1
	}
	return v
}

# The TLV types of the open elements, outermost first: "23/29".
function tlv_path(    d, p) {
	p = ""
	for (d = 1; d <= depth; d++)
		if (st_tlv[d] != "") p = p (p == "" ? "" : "/") st_tlv[d]
	return p
}

function reset_packet() {
	depth = 0; num = 0; ht = ""; ec = ""; cid = ""; mtype = ""; mlabel = ""
	code = ""; clabel = ""; pkmid = ""; said = ""; svc = ""; errcode = ""
	malformed = ""; last_path = ""; values = ""; pkm_end = -1
	ntop = 0; top_end = -1; fragment = 0; nfind = 0; nexc = 0
	first_wmx = ""; exp_open = 0; pkm_pos = ""; hcs_error = 0; mtype_unknown = 0
}

# A finding of this frame: test T (1 decode, 2 unknown, 3 data, 4 copies).
function finding(t, text,    i) {
	for (i = 1; i <= nfind; i++)	# once a frame, with a count
		if (find_t[i] == t && find_base[i] == text) {
			find_n[i]++
			find_text[i] = text " (" find_n[i] " times)"
			return
		}
	nfind++; find_t[nfind] = t; find_text[nfind] = text; find_base[nfind] = text; find_n[nfind] = 1
}
function exception(kind) { nexc++; exc_kind[nexc] = kind }

# The table's order: by message, each one's details after it, the
# exceptions last.
function rank(kind, label,    base) {
	if (label ~ /^exception: /) return 90
	if (label ~ /^exception, /) return 91
	base = kind
	sub(/-(unicast|multicast|broadcast|st[0-9]+|fragment)$/, "", base)
	if (base == "tek-refresh") return 8.2
	if (!(base in ranks)) return 80
	return ranks[base] + (base != kind ? 0.1 : 0)
}
function add_row(label, kind, n) {
	if (!(label in rows)) {
		nrows++; row_label[nrows] = label; row_kind[label] = kind
		row_key[nrows] = sprintf("%05.1f %s", rank(kind, label), label)
	}
	rows[label] += n
	if (kind != "") kinds[kind] += n
}

function describe(    s) {
	if (cid == "") return "no generic MAC header"
	s = "CID " cid
	if (mlabel != "") s = s ", " mlabel (clabel != "" ? " " clabel : "")
	return s
}

function report(t, text) {
	count_t[t]++
	if (count_t[t] <= details) detail_t[t] = detail_t[t] "# " text "\n"
}

# Checks the DREG message in values (colon-separated hex bytes) as
# Wireshark's msg_dreg.c would read its TLVs, which 4.0.17 never calls.
function check_dreg(    b, n, i, t, l, k, j) {
	n = split(values, b, ":")
	i = 3	# type and code (or action code)
	while (i <= n) {
		if (i + 1 > n) return "a TLV cut after its type"
		t = hexval(b[i]); l = hexval(b[i + 1]); i += 2
		if (l >= 129 && l <= 132) {
			k = l - 128; l = 0
			for (j = 0; j < k; j++) l = l * 256 + hexval(b[i++])
		} else if (l >= 128) {
			return "TLV " t ": a length byte " l " Wireshark refuses"
		}
		if (l < 1 || i + l - 1 > n) return "TLV " t ": length " l " past the message"
		if (t == 141 && l != 13 && l != 19)
			return "CMAC Tuple (141) of " l " bytes: Wireshark reads 13 (or 19 with a BSID)"
		i += l
	}
	return ""
}

function end_packet(    i, orig, k, is_copy, d, f, shown) {
	is_copy = (num in copy_of)
	orig = is_copy ? copy_of[num] : num

	if (ht == "" && !hcs_error) {
		finding(1, "not a generic MAC PDU: " first_wmx)
	} else if (ht != "0") {
		finding(1, "a signalling header (HT=1): " first_wmx)
	}
	if (ht == "0" && ec == "0" && mtype == "")
		finding(3, "clear PDU on CID " cid " shown as Data: Wireshark decodes management messages on CIDs 0-640 (2 x basic_cid_max 320), 0xFEFF and 0xFFFA-0xFFFF only")

	# where Wireshark threw, and whether that is an exception
	if (malformed != "") {
		if (!is_copy && mtype == 9 && code == 7 && malformed == "EAP" && last_path == "28") {
			exception("Key Request: Service-Type (28, seed 002) taken for an EAP-Payload: Malformed [seed-28-eap]")
			needs_copy[num] = "the rest of the Key Request after its Service-Type"
		} else if (!is_copy && mtype == 9 && code == 4 && malformed ~ /^WiMax PKM-REQ\/RSP/ && last_path == "19/21") {
			exception("Auth Request: Cryptographic-Suite-List (21) in Security-Capabilities (19), Wireshark 4.0.17 bug: Malformed [ws-21-in-19]")
			needs_copy[num] = "the Cryptographic-Suite-List and what follows the Security-Capabilities"
		} else {
			finding(1, "Malformed (in " malformed ")" (last_path != "" ? ", last attribute decoded: " last_path : ""))
		}
	}
	if (is_copy && copy_what[num] == "suite-list-out-of-19" &&
	    !(ntop >= 2 && top_type[ntop] == 44 && top_type[ntop - 1] == 21 && top_end == pkm_end))
		finding(4, "Security-Capabilities (19) is not last before SigSS (44): Wireshark stops at it and never reads what follows")

	# the frame's verdict; a copy reports under its original, when the
	# original needed it (otherwise the original said it all)
	for (i = 1; i <= nfind; i++) {
		if (is_copy && !(orig in needs_copy))
			continue
		if (is_copy)
			report(4, "frame " orig " (" describe() "), decoded again from workaround copy " num " (" copy_what[num] "): " find_text[i])
		else
			report(find_t[i], "frame " num " (" describe() "): " find_text[i])
	}
	if (is_copy) {
		copies_checked++
		for (i = 1; i <= nexc; i++) add_row("exception, in a workaround copy: " exc_kind[i], "", 1)
		return
	}

	# the table: what tshark made of the frame
	if (ht == "0" && ec == "1") return	# counted from air2pcap's numbers
	for (i = 1; i <= nexc; i++) add_row("exception: " exc_kind[i], "", 1)
	if (mtype == "") {
		add_row(ht == "0" ? "clear PDUs shown as Data (not management)" : "PDUs without a generic MAC header", "", 1)
		return
	}
	k = (mtype " " code) in kind_of ? kind_of[mtype " " code] : (mtype in mgmt_kind ? mgmt_kind[mtype] : "")
	add_row(mlabel (clabel != "" ? " " clabel : "") (mtype == 10 && code == 240 ? " = Group Key Update Command (wman's own code)" : ""), k, 1)
	if (k == "key-request") {
		shown = svc in svc_name ? svc_name[svc] : "service type " svc
		if (svc != "") {
			add_row("  Key Request, Service-Type " svc " (" shown ")", "key-request-" (svc in svc_name ? svc_name[svc] : "st" svc), 1)
			req_svc[cid SUBSEP pkmid] = svc
		}
		if ((cid SUBSEP said) in replied)
			add_row("  Key Request again after a Key Reply for its SAID on its CID: TEK refresh", "tek-refresh", 1)
	}
	if ((k == "key-reply" || k == "key-reject") && (cid SUBSEP pkmid) in req_svc) {
		d = req_svc[cid SUBSEP pkmid]
		shown = d in svc_name ? svc_name[d] : "Service-Type " d
		add_row("  " (k == "key-reply" ? "Key Reply" : "Key Reject") " to a " shown " request", k "-" (d in svc_name ? shown : "st" d), 1)
	}
	if (k == "key-reply") replied[cid SUBSEP said] = 1
	if (k == "gkuc" && fragment) add_row("  Group Key Update Command fragments (with a Group-Key-Fragment, 0xe1)", "gkuc-fragment", 1)
}

# ---- the PDML, one element per line ----------------------------------------------

/^<packet>/ { reset_packet(); next }
/^<\/packet>/ { end_packet(); next }

/^ *<\/(proto|field)>/ {
	if (exp_open && depth == exp_open) close_expert()
	st_tlv[depth] = ""
	depth--
	next
}

/^ *<(proto|field) / {
	name = attr($0, "name"); showname = attr($0, "showname"); show = attr($0, "show")
	leaf = ($0 ~ /\/>[ \t]*$/)
	text = showname != "" ? showname : show

	if (name == "num" && !num) num = show + 0
	else if (name == "wmx.genericHt") ht = (show ~ /^0x0*$/) ? "0" : "1"
	else if (name == "wmx.type1Ht" || name == "wmx.type2Ht") ht = "1"
	else if (name == "wmx.genericEc") ec = (show ~ /^0x0*$/) ? "0" : "1"
	else if (name == "wmx.genericCid") cid = show
	else if (name == "wmx.macmgtmsgtype") {
		mtype = show + 0
		mlabel = showname; sub(/^MAC Management Message Type: /, "", mlabel); sub(/ \([0-9]+\)$/, "", mlabel)
		if (showname ~ /: Unknown \([0-9]+\)$/) {
			mtype_unknown = 1
			finding(2, "management message type " mtype " unknown to Wireshark")
		}
	} else if (name == "wmx.pkm.msg_code") {
		code = show + 0
		clabel = showname; sub(/^Code: /, "", clabel)
		if (showname ~ /: Unknown \([0-9]+\)$/) {
			if (mtype == 10 && code == 240) exception("Group Key Update Command: PKM code 0xf0 (wman's own) has no Wireshark label [wman-gkuc]")
			else finding(2, "PKM code " code " unknown to Wireshark")
		}
	} else if (name == "wmx.pkm.msg_pkm_identifier") pkmid = show
	else if (name == "wmx.values" && mlabel != "") {
		values = show
		if (mtype == 29 || mtype == 49) {
			exception(mlabel ": not dissected by Wireshark 4.0.17 (no wmx.mgmtmsg entry), its TLVs read by the checker [ws-dreg-bytes]")
			f = check_dreg()
			if (f != "") finding(2, f)
		} else if (!mtype_unknown) {
			finding(2, "management message type " mtype " not dissected by Wireshark: its bytes only")
		}
	} else if (name == "wmx.tlv_type") {
		st_tlv[depth] = show
		last_path = tlv_path()
		if (last_path == show && pkm_pos != "") {
			ntop++; top_type[ntop] = show + 0
			top_end = st_pos[depth] + st_size[depth]
		}
	} else if (name == "wmx.pkm_msg.pkm_attr.said" && last_path == "12") said = show
	else if (name == "wmx.pkm_msg.pkm_attr.eap_payload" && last_path == "28") svc = hexval(show)
	else if (name == "wmx.pkm_msg.pkm_attr.error_code" && showname ~ /: Unknown \([0-9]+\)$/) {
		if (mtype == 10 && code == 9 && (show == 7 || show == 8))
			exception("Key Reject: error code " show " (seed 002) has no Wireshark label [seed-error-" show "]")
		else finding(2, "error code " show " unknown to Wireshark")
	} else if (name == "wmx.pkm.unknown.type") {
		if (mtype == 10 && (code == 5 || code == 8) && last_path == "23/29")
			exception((code == 5 ? "Auth Reply" : "Key Reply") ": Multicast-Service-Group-ID (29, seed 002) in SA-Descriptor (23): Unknown Type [seed-29-in-23]")
		else if (mtype == 9 && code == 4 && last_path == "19/22")
			exception("Auth Request: Version (22) in Security-Capabilities (19), Wireshark 4.0.17 decodes only a 21 there: Unknown Type [ws-22-in-19]")
		else if (mtype == 10 && code == 240 && (last_path == "224" || last_path == "225")) {
			exception("Group Key Update Command: attribute " (last_path == 224 ? "0xe0 Group-Key-Payload" : "0xe1 Group-Key-Fragment") " (wman's own): Unknown Type [wman-gkuc]")
			if (last_path == "225") fragment = 1
		} else finding(2, "PKM attribute unknown to Wireshark (Unknown Type) at " last_path)
	} else if (name ~ /^wmx\..*[._](unknown|invalid)/) {
		finding(2, text (last_path != "" ? " (TLV " last_path ")" : ""))
	} else if (name != "" && name !~ /^wmx\./ && name !~ /^_ws\./ && name !~ /^(frame|user_dlt|geninfo|num|len|caplen|timestamp)/ && first_wmx != "" && mtype != "" && name !~ /^eap/) {
		finding(1, "decoded by another protocol: " text)
	}

	if (name ~ /^wmx/ && first_wmx == "") first_wmx = text
	if (name == "wmx.pkm" && $0 ~ /^ *<proto /) { pkm_pos = attr($0, "pos"); pkm_end = attr($0, "pos") + attr($0, "size") }
	if (name == "_ws.malformed" && showname ~ /^\[Malformed Packet/) {
		malformed = showname; sub(/^\[Malformed Packet: /, "", malformed); sub(/\]$/, "", malformed)
		if (malformed == "[Malformed Packet") malformed = "?"
	} else if (name ~ /^_ws\./ && name != "_ws.malformed" && name != "_ws.expert" && $0 ~ /^ *<proto / && showname ~ /^\[/) {
		finding(1, "tshark: " showname)
	}
	if (text ~ /CRC error|Invalid PDU/) {
		finding(1, text)
		hcs_error = 1
	}
	else if (text ~ /TLV error|Invalid TLV/ && name !~ /[._]invalid/)
		finding(2, text)

	# expert items: the first child names it, message and severity follow
	if (exp_open) {
		if (name == "_ws.expert.message") exp_msg = show
		else if (name == "_ws.expert.severity") exp_sev = show + 0
		else if (exp_id == "") exp_id = name
	}
	if (name == "_ws.expert" && !leaf) { exp_open = depth + 1; exp_id = ""; exp_msg = ""; exp_sev = 0 }

	if (!leaf) {
		depth++
		st_tlv[depth] = ""; st_pos[depth] = attr($0, "pos") + 0; st_size[depth] = attr($0, "size") + 0
	}
	next
}

function close_expert() {
	exp_open = 0
	if (exp_id == "wmx.genericCrc.missing" && exp_sev == SEV_NOTE) { crc_notes++; return }
	if (exp_id == "_ws.malformed.expert") return	# the Malformed proto says where
	if (exp_sev >= SEV_WARN) {
		finding(1, "expert " (exp_sev > SEV_WARN ? "error" : "warning") ": " exp_msg (last_path != "" ? " (TLV " last_path ")" : ""))
		return
	}
	other_notes[exp_msg]++
}

# ---- the report ------------------------------------------------------------------

function tap(cond, text) {
	ntests++
	tap_out = tap_out (cond ? "ok " : "not ok ") ntests " - " text "\n"
	if (!cond) failed = 1
}

function flush_details(t) {
	printf "%s", detail_t[t]
	if (count_t[t] > details) printf "# ... and %d more\n", count_t[t] - details
}

END {
	for (n in needs_copy)
		if (!(n in has_copy))
			report(4, "frame " n ": excepted, but there is no workaround copy to decode " needs_copy[n] " (air2pcap --shadows)")

	if (encrypted > 0)
		add_row(unread > 0 ? sprintf("encrypted data PDUs (EC=1; counted by air2pcap, the first %d decoded by tshark)", encrypted - unread) : "encrypted data PDUs (EC=1; counted by air2pcap)", "encrypted", encrypted)
	printf "# the air, as stock tshark reads it: %d PDUs (%d clear, %d encrypted)\n", originals, clear, encrypted
	printf "#  count  message (tshark's names)                                                kind\n"
	for (i = 2; i <= nrows; i++) {	# insertion sort: a few dozen rows
		k = row_key[i]; l = row_label[i]
		for (j = i - 1; j >= 1 && row_key[j] > k; j--) {
			row_key[j + 1] = row_key[j]; row_label[j + 1] = row_label[j]
		}
		row_key[j + 1] = k; row_label[j + 1] = l
	}
	for (i = 1; i <= nrows; i++) {
		printf "# %6d  %-72s %s\n", rows[row_label[i]], row_label[i], row_kind[row_label[i]]
		if (counts_out != "")
			printf "%d\t%s\t%s\n", rows[row_label[i]], row_kind[row_label[i]], row_label[i] > counts_out
	}
	if (crc_notes) printf "# %6d  %-72s\n", crc_notes, "expert note: CRC is not included in this frame! (wman sends CI=0)"
	for (m in other_notes) printf "# %6d  %-72s\n", other_notes[m], "expert note: " m

	if (cut + badlen + badhcs + short + signalling + truncated > 0)
		report(5, sprintf("air2pcap: %d PDUs cut short, %d with LEN below 6, %d with a bad HCS, %d shorter than a header, %d signalling headers, %d captures ending inside a record", cut, badlen, badhcs, short, signalling, truncated))

	flush_details(1)
	tap(!count_t[1], "every PDU decodes: no Malformed, no expert warning or error, nothing but wman's MAC (exceptions above)")
	flush_details(2)
	tap(!count_t[2], "no attribute, TLV, type or value unknown to Wireshark (exceptions above)")
	flush_details(3)
	tap(!count_t[3], "every clear PDU is a management message on a management CID (none shown as Data)")
	flush_details(4)
	tap(!count_t[4], sprintf("the excepted requests decode whole from their workaround copies (%d copies)", copies_checked))
	flush_details(5)
	tap(!count_t[5], "the capture holds every PDU whole")
	if (expect != "") {
		missing = ""
		nk = split(expect, want, ",")
		for (i = 1; i <= nk; i++) if (!kinds[want[i]]) missing = missing " " want[i]
		if (missing != "") printf "# not on the air:%s\n", missing
		tap(missing == "", "on the air: " expect)
	}
	printf "%s", tap_out
	printf "1..%d\n", ntests
	exit failed
}
