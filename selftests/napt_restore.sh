#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Forward configuration is all or nothing:
# - `naptctl restore FILE` applies a whole file atomically: a file with
#   one line that does not parse, or with forwards the kernel refuses
#   (overlapping, to 224.0.0.1, on a port a live mapping holds), changes
#   nothing: `naptctl save` is the same before and after, and the forward
#   already there still forwards real traffic;
# - `naptctl save | naptctl restore` round-trips: restoring what save
#   printed into a flushed instance gives the same `save`;
# - `naptctl forward add` refuses, with exit status 1, one line on stderr
#   and nothing changed: overlapping forwards (same protocol), two
#   forwards to one internal endpoint, an external port or an internal
#   endpoint held by a live dynamic mapping (EBUSY), an internal address
#   that is not unicast, ranges of unequal length, ports out of range.
#
#  NS_LAN1 192.168.1.2 --+                                  (tcp 100)
#                        +-- lan0 192.168.1.1 [NS_ROUTER: napt] wan0 W 200.200.200.200
#  NS_LAN2 192.168.1.3 --+                        |                   |
#  (udp 40000: a dynamic       lan10 192.168.10.1 +             NS_INET 200.200.200.1
#   mapping)                          |                               |
#  NS_WEB 192.168.10.2 ---------------+                         NS_SRV 100.100.100.100
#  (web: tcp 80)                                                (udp 7: echo; the client)

source "$(dirname "$0")/lib_forward.sh"

require_forward

W=$WAN_ADDR
SRV=$SRV_ADDR

# The configuration the atomicity tests start from.
BASE_CONF="wan set dev wan0
set filtering eif
forward add 80 $WEB_ADDR:80 proto tcp descr \"web server\"
forward add 5000-5009 $LAN2_ADDR:6000-6009 proto udp from 100.100.100.0/24"

# web_works: the forward to 192.168.10.2:80 serves its page to SRV.
web_works()
{
	http_expect "$NS_SRV" "http://$W/" "napt-fwd web port 80 peer ${SRV//./\\.}:[0-9]+"
}

# base_config: BASE_CONF applied, saved in $NAPT_TMP/before.
base_config()
{
	echo "$BASE_CONF" | in_ns "$NS_ROUTER" naptctl restore - ||
		fail "cannot restore the base configuration" || return
	in_ns "$NS_ROUTER" naptctl mapping flush
	save_config >"$NAPT_TMP/before" || fail "naptctl save failed"
}

# unchanged: `naptctl save` is what $NAPT_TMP/before holds.
unchanged()
{
	save_config >"$NAPT_TMP/after" || fail "naptctl save failed" || return
	diff -u "$NAPT_TMP/before" "$NAPT_TMP/after" && return
	fail "the configuration changed"
}

# refused DESC CMD...: CMD (naptctl ... in NS_ROUTER, or with a file on
# stdin) exits 1 with one line on stderr, nothing on stdout, and the
# configuration is unchanged.
refused()
{
	local desc=$1 rc lines

	shift
	"$@" >"$NAPT_TMP/out" 2>"$NAPT_TMP/err"
	rc=$?
	echo "$desc: exit $rc: $(cat "$NAPT_TMP/err")"
	[ "$rc" -eq 1 ] || fail "$desc: exit status $rc, expected 1" || return
	lines=$(wc -l <"$NAPT_TMP/err")
	[ "$lines" -eq 1 ] || fail "$desc: $lines lines on stderr, expected one" || return
	grep -q '^naptctl: ' "$NAPT_TMP/err" ||
		fail "$desc: the message does not start with 'naptctl: '" || return
	[ ! -s "$NAPT_TMP/out" ] || fail "$desc: printed '$(cat "$NAPT_TMP/out")'" || return
	unchanged || fail "$desc: refused, yet the configuration changed"
}

# rtr CMD...: naptctl in NS_ROUTER.
rtr()
{
	in_ns "$NS_ROUTER" naptctl "$@"
}

# restore_file NAME: naptctl restore $NAPT_TMP/NAME in NS_ROUTER.
restore_file()
{
	in_ns "$NS_ROUTER" naptctl restore "$NAPT_TMP/$1"
}

test_restore_parse_error()
{
	napt_reset && base_config || return
	cat >"$NAPT_TMP/bad.conf" <<EOF
wan set dev wan0
set filtering apdf ports 2000-9999
forward add 81 $LAN1_ADDR:81
forward add 82 $LAN1_ADDR:82 protocol tcp
forward add 83 $LAN1_ADDR:83
EOF
	refused "restore, line 4 does not parse" restore_file bad.conf || return
	grep -q 'bad.conf:4' "$NAPT_TMP/err" ||
		fail "the message does not name bad.conf:4" || return
	web_works
}

test_restore_kernel_refuses()
{
	local n wp

	napt_reset && base_config || return
	cat >"$NAPT_TMP/overlap.conf" <<EOF
wan set dev wan0
set filtering apdf
forward add 90 $LAN1_ADDR:90
forward add 85-95 $LAN2_ADDR:85-95 proto tcp
EOF
	refused "restore, two overlapping forwards" restore_file overlap.conf || return
	cat >"$NAPT_TMP/mcast.conf" <<EOF
wan set dev wan0
forward add 80 $WEB_ADDR:80 proto tcp descr "web server"
forward add 100 $LAN1_ADDR:100
forward add 101 224.0.0.1:80
EOF
	refused "restore, a forward to 224.0.0.1" restore_file mcast.conf || return
	# A port a live dynamic mapping holds.
	n=$(nlogged lan2)
	fwd_send "$NS_LAN2" 40000 "$SRV" 7 busy || fail "cannot send" || return
	wait_logged lan2 "$n" "udp 40000 ${SRV//./\\.} 7 busy" ||
		fail "LAN2's datagram did not come back" || return
	wp=$(mapping_field external_port proto udp internal "$LAN2_ADDR:40000") ||
		fail "no UDP mapping for $LAN2_ADDR:40000" || return
	# Forward 100 goes in before $wp is refused: it must come out again.
	cat >"$NAPT_TMP/busy.conf" <<EOF
wan set dev wan0
forward add 80 $WEB_ADDR:80 proto tcp descr "web server"
forward add 100 $LAN1_ADDR:100 proto tcp
forward add $wp $LAN1_ADDR:$wp proto udp
EOF
	refused "restore, a forward on $W:$wp, LAN2's live mapping" restore_file busy.conf ||
		return
	n=$(nlogged lan1)
	http_fails "$NS_SRV" "http://$W:100/" 7 || return
	[ "$(nlogged lan1)" = "$n" ] ||
		fail "W:100, a forward of the refused file, forwards to $LAN1_ADDR:100" || return
	cat >"$NAPT_TMP/ports.conf" <<EOF
wan set dev wan0
set ports 30000-40000
forward add 80 $WEB_ADDR:80 proto tcp descr "web server"
EOF
	refused "restore, ports over ip_local_port_range" restore_file ports.conf || return
	cat >"$NAPT_TMP/nodev.conf" <<EOF
wan set dev nosuch0
forward add 80 $WEB_ADDR:80 proto tcp descr "web server"
EOF
	refused "restore, a WAN that does not exist" restore_file nodev.conf || return
	web_works
}

test_round_trip()
{
	local out

	napt_reset || return
	rtr wan set dev wan0 addr "$W" &&
		rtr set ports 2000-29999 filtering apdf max-mappings 1000 max-per-host 100 &&
		rtr set timeout udp 120 timeout tcp-est 3600 timeout tcp-trans 60 \
			timeout icmp 30 timeout other 90 &&
		rtr forward add 80 "$WEB_ADDR:80" proto tcp descr 'web "main" \ server' &&
		rtr forward add 443 "$WEB_ADDR" descr "$(printf 'tab\there')" &&
		rtr forward add 2000-2009 "$LAN2_ADDR:3000-3009" from 100.100.100.0/24 &&
		rtr forward add 6000-6009 "$LAN2_ADDR:7000" proto udp ||
		fail "cannot make the configuration" || return
	save_config >"$NAPT_TMP/saved" || fail "naptctl save failed" || return
	sed 's/^/saved: /' "$NAPT_TMP/saved"
	# A flushed instance: NAPT off, defaults, no forwards.
	: | rtr restore - || fail "cannot restore an empty file" || return
	out=$(save_config | grep -v '^#')
	echo "$out" | sed 's/^/flushed: /'
	! grep -q forward <<<"$out" || fail "forwards left after restoring an empty file" ||
		return
	rtr restore "$NAPT_TMP/saved" || fail "cannot restore what save printed" || return
	save_config >"$NAPT_TMP/again" || fail "naptctl save failed" || return
	diff -u "$NAPT_TMP/saved" "$NAPT_TMP/again" ||
		fail "save, restore, save: not the same" || return
	web_works
}

test_refuse_overlap()
{
	napt_reset || return
	rtr forward add 2000-2009 "$LAN2_ADDR:3000-3009" proto tcp &&
		rtr forward add 80 "$WEB_ADDR:80" ||
		fail "cannot add the first forwards" || return
	save_config >"$NAPT_TMP/before" || return
	refused "2005-2015 tcp over 2000-2009 tcp" \
		rtr forward add 2005-2015 "$LAN1_ADDR:2005-2015" proto tcp &&
	refused "1990-2000 tcp, one port over 2000-2009" \
		rtr forward add 1990-2000 "$LAN1_ADDR:1990-2000" proto tcp &&
	refused "2009 for both protocols over 2000-2009 tcp" \
		rtr forward add 2009 "$LAN1_ADDR:2009" &&
	refused "80 again, another host" rtr forward add 80 "$LAN1_ADDR:80" proto udp || return
	# Another protocol does not overlap.
	rtr forward add 2005 "$LAN1_ADDR:2005" proto udp ||
		fail "2005 udp refused, though 2000-2009 is tcp only" || return
	rtr forward list
}

test_refuse_same_internal()
{
	napt_reset || return
	rtr forward add 80 "$WEB_ADDR:80" && rtr forward add 3000-3009 "$LAN2_ADDR:4000-4009" ||
		fail "cannot add the first forwards" || return
	save_config >"$NAPT_TMP/before" || return
	refused "81 to 192.168.10.2:80, already forwarded from 80" \
		rtr forward add 81 "$WEB_ADDR:80" &&
	refused "8080 tcp to 192.168.10.2:80" \
		rtr forward add 8080 "$WEB_ADDR:80" proto tcp &&
	refused "5000 to $LAN2_ADDR:4005, inside another forward's internal range" \
		rtr forward add 5000 "$LAN2_ADDR:4005"
}

test_refuse_busy()
{
	local n wp

	napt_reset || return
	rtr forward add 80 "$WEB_ADDR:80" || fail "cannot add the first forward" || return
	n=$(nlogged lan2)
	fwd_send "$NS_LAN2" 40000 "$SRV" 7 busy || fail "cannot send" || return
	wait_logged lan2 "$n" "udp 40000 ${SRV//./\\.} 7 busy" ||
		fail "LAN2's datagram did not come back" || return
	wp=$(mapping_field external_port proto udp internal "$LAN2_ADDR:40000") ||
		fail "no UDP mapping for $LAN2_ADDR:40000" || return
	echo "$LAN2_ADDR:40000 is $W:$wp"
	save_config >"$NAPT_TMP/before" || return
	refused "$wp udp: $W:$wp is LAN2's live mapping" \
		rtr forward add "$wp" "$LAN1_ADDR:$wp" proto udp || return
	grep -qi 'dynamic mapping' "$NAPT_TMP/err" ||
		fail "the message does not say a dynamic mapping holds the port" || return
	refused "a range over $wp, for both protocols" \
		rtr forward add "$((wp - 1))-$((wp + 1))" "$LAN1_ADDR:$((wp - 1))-$((wp + 1))" &&
	refused "4100 udp to $LAN2_ADDR:40000, an internal endpoint with a live mapping" \
		rtr forward add 4100 "$LAN2_ADDR:40000" proto udp || return
	# The mapping still works.
	n=$(nlogged lan2)
	fwd_send "$NS_LAN2" 40000 "$SRV" 7 still || fail "cannot send" || return
	wait_logged lan2 "$n" "udp 40000 ${SRV//./\\.} 7 still" ||
		fail "LAN2's mapping no longer works" || return
	[ "$(mapping_field external_port proto udp internal "$LAN2_ADDR:40000")" = "$wp" ] ||
		fail "LAN2's mapping changed"
}

test_refuse_bad_values()
{
	local a

	napt_reset || return
	rtr forward add 80 "$WEB_ADDR:80" || fail "cannot add the first forward" || return
	save_config >"$NAPT_TMP/before" || return
	for a in 224.0.0.1 239.255.255.250 255.255.255.255 0.0.0.0 127.0.0.1; do
		refused "an internal address $a" rtr forward add 90 "$a:90" || return
	done
	refused "2000-2009 onto 3000-3004" \
		rtr forward add 2000-2009 "$LAN1_ADDR:3000-3004" &&
	refused "2000-2001 onto 3000-3009" \
		rtr forward add 2000-2001 "$LAN1_ADDR:3000-3009" &&
	refused "external port 0" rtr forward add 0 "$LAN1_ADDR:90" &&
	refused "external port 65536" rtr forward add 65536 "$LAN1_ADDR:90" &&
	refused "external port 70000" rtr forward add 70000 "$LAN1_ADDR:90" &&
	refused "internal port 0" rtr forward add 90 "$LAN1_ADDR:0" &&
	refused "internal port 65536" rtr forward add 90 "$LAN1_ADDR:65536" &&
	refused "a range 65530-65536" rtr forward add 65530-65536 "$LAN1_ADDR" &&
	refused "a range upside down, 3000-2000" rtr forward add 3000-2000 "$LAN1_ADDR" &&
	refused "an internal range past 65535" \
		rtr forward add 1000-1009 "$LAN1_ADDR:65530-65539"
}

ktap_print_header
ktap_set_plan 7
forward_setup
fwd_server "$NS_WEB" web tcp:80 &&
	fwd_server "$NS_LAN1" lan1 tcp:100 &&
	fwd_server "$NS_LAN2" lan2 udpq:40000 &&
	fwd_server "$NS_SRV" srv udp:7 &&
	servers_ready ||
	ktap_exit_fail_msg "the servers did not start"

run_test "restore: a file with a line that does not parse changes nothing" test_restore_parse_error
run_test "restore: what the kernel refuses (overlap, 224.0.0.1, a live mapping's port, ports, device) changes nothing" test_restore_kernel_refuses
run_test "save | restore round-trips into a flushed instance, and forwards again" test_round_trip
run_test "forward add refuses an overlap in the same protocol, not in another" test_refuse_overlap
run_test "forward add refuses a second forward to one internal endpoint" test_refuse_same_internal
run_test "forward add refuses ports a live dynamic mapping holds (EBUSY), the mapping lives on" test_refuse_busy
run_test "forward add refuses non-unicast addresses, unequal ranges, ports out of range" test_refuse_bad_values
tests_done
