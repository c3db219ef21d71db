#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ICMP errors through napt (RFC 5508): an error from the Internet about a
# translated packet reaches the LAN host with the packet embedded in it
# translated back, checked field by field with scapy (port unreachable for
# UDP; time exceeded, traceroute-style, for UDP, TCP and ICMP echo). An
# error that matches no mapping is dropped and counted, in and out, and
# an error never creates a mapping nor keeps one alive.
#
#  NS_LAN1 192.168.1.2 --+                                      (scapy: probes with TTL 2,
#                        +-- lan0 [NS_ROUTER: napt] wan0 W       checks the errors)
#  NS_LAN2 192.168.1.3 --+   192.168.1.1    200.200.200.200
#                                                 |
#                                  NS_INET 200.200.200.1        (TTL 2 expires here:
#                                                 |              time exceeded)
#                                  NS_SRV 100.100.100.100       (UDP echo on :7; port
#                                                                unreachable elsewhere)

source "$(dirname "$0")/lib_traffic.sh"

require_traffic scapy

# icmp_in NS: ICMP messages NS's stack received so far.
icmp_in()
{
	snmp "$1" Icmp InMsgs
}

test_unmatched_error_in()
{
	local r0 l10 l20 r1 l11 l21 n

	[ "$(mapping_count)" = 0 ] || fail "the table is not empty" || return
	stats_mark
	r0=$(icmp_in "$NS_ROUTER")
	l10=$(icmp_in "$NS_LAN1")
	l20=$(icmp_in "$NS_LAN2")
	# Errors about packets W never sent, from ports in napt's range.
	pkt_in "$NS_INET" icmp-error --to "$WAN_ADDR" --type 3 --code 3 \
		--inner-proto udp --inner-src "$WAN_ADDR:5555" \
		--inner-dst "$SRV_ADDR:53" --count 2 &&
	pkt_in "$NS_INET" icmp-error --to "$WAN_ADDR" --type 11 --code 0 \
		--inner-proto tcp --inner-src "$WAN_ADDR:5556" \
		--inner-dst "$SRV_ADDR:80" --count 2 || return 1
	wait_for -t 10 stats_delta_ge drop-no-mapping 4 ||
		fail "drop-no-mapping grew by $(stats_delta drop-no-mapping), expected 4" ||
		return
	stats_deltas drop-no-mapping icmp-err xlate-in mappings-created
	r1=$(icmp_in "$NS_ROUTER")
	l11=$(icmp_in "$NS_LAN1")
	l21=$(icmp_in "$NS_LAN2")
	echo "ICMP received: router $r0 -> $r1, LAN1 $l10 -> $l11, LAN2 $l20 -> $l21"
	[ "$r1" = "$r0" ] || fail "the router's own stack got the errors" || return
	[ "$l11" = "$l10" ] && [ "$l21" = "$l20" ] ||
		fail "an error reached a LAN host" || return
	n=$(stats_delta mappings-created)
	[ "$n" = 0 ] || fail "the errors created $n mappings" || return
	[ "$(mapping_count)" = 0 ] || fail "the table is not empty after the errors"
}

test_unmatched_error_out()
{
	local s0 s1 n

	stats_mark
	s0=$(icmp_in "$NS_SRV")
	# LAN1 says port unreachable about a datagram from the server that
	# never came through napt.
	pkt_in "$NS_LAN1" icmp-error --to "$SRV_ADDR" --type 3 --code 3 \
		--inner-proto udp --inner-src "$SRV_ADDR:53" \
		--inner-dst "$LAN1_ADDR:5353" --count 2 || return 1
	wait_for -t 10 stats_delta_ge drop-no-mapping 2 ||
		fail "drop-no-mapping grew by $(stats_delta drop-no-mapping), expected 2" ||
		return
	stats_deltas drop-no-mapping xlate-out mappings-created
	s1=$(icmp_in "$NS_SRV")
	echo "ICMP received by the server: $s0 -> $s1"
	[ "$s1" = "$s0" ] || fail "the error left the router" || return
	n=$(stats_delta mappings-created)
	[ "$n" = 0 ] || fail "the errors created $n mappings" || return
	[ "$(mapping_count)" = 0 ] || fail "the table is not empty after the errors"
}

test_error_no_refresh()
{
	local x=$LAN1_ADDR:42100 w l0 l1 pid err

	napt_cmd set timeout udp 12 || return 1
	stats_mark
	l0=$(snmp "$NS_LAN1" Icmp InDestUnreachs)
	# Errors about the flow, from its remote end, every 0.5 s for 30 s,
	# from the moment its external port is known (the sender is started
	# first: the interpreter's start-up, slow on a loaded emulated
	# machine, is not in the 12 s): the mapping must still expire 12 s
	# after LAN1's datagram.
	bg_in "$NS_SRV" errors "${PKT[@]}" icmp-error \
		--to "$WAN_ADDR" --type 3 --code 3 --inner-proto udp \
		--inner-src "@$NAPT_TMP/err_src" --inner-dst "$SRV_ADDR:7" \
		--count 60 --interval 0.5
	pid=$BG_PID
	if ! pkt_in "$NS_LAN1" udp-client --bind "$x" --to "$SRV_ADDR:7" --count 1 ||
	   ! w=$(mapping_field external_port proto udp internal "$x"); then
		kill "$pid" 2>/dev/null
		fail "no echo from $SRV_ADDR, or no mapping for $x"
		return
	fi
	echo "$WAN_ADDR:$w" >"$NAPT_TMP/err_src"
	wait_for -t 26 mapping_gone proto udp internal "$x"
	err=$?
	l1=$(snmp "$NS_LAN1" Icmp InDestUnreachs)
	stats_deltas icmp-err xlate-in mappings-created mappings-expired
	echo "port unreachables received by LAN1: $l0 -> $l1"
	show_mappings
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	napt_cmd set timeout udp 300
	[ $err -eq 0 ] || fail "the errors kept the mapping alive" || return
	[ "$(stats_delta icmp-err)" -ge 1 ] && [ "$l1" -gt "$l0" ] ||
		fail "no error was translated to LAN1: nothing was tested" || return
	[ "$(stats_delta mappings-created)" = 1 ] ||
		fail "errors created mappings"
}

# probes_result PATTERN: what the scapy probes said about the probes whose
# name matches PATTERN; fails if the run failed for one of them.
probes_result()
{
	local out=$NAPT_TMP/probes

	if [ -z "$PROBES_DONE" ]; then
		PROBES_DONE=1
		echo go >"$NAPT_TMP/probes.go"
		wait "$PROBES_PID"
		PROBES_RC=$?
		stats_deltas icmp-err xlate-in xlate-out >"$NAPT_TMP/probes.stats"
	fi
	grep -A2 -E "^[A-Za-z ]*$1:" "$out" | grep -v '^--$'
	cat "$NAPT_TMP/probes.stats"
	grep -qE "^[A-Za-z ]*$1:" "$out" ||
		{ cat "$out"; fail "the probes did not run"; return; }
	if grep "^FAIL .*$1" "$out"; then
		sed -n '/^received/,$p' "$out" | grep -v '^FAIL'
		return 1
	fi
	[ "$PROBES_RC" -eq 0 ] || grep -q '^FAIL ' "$out" ||
		{ cat "$out"; fail "the probes failed (exit $PROBES_RC)"; }
}

test_port_unreachable()
{
	probes_result "UDP to a closed port"
}

test_ttl_exceeded()
{
	probes_result "with TTL 2" || return
	[ "$(stats_delta icmp-err)" -ge 4 ] ||
		fail "icmp-err grew by $(stats_delta icmp-err), expected 4"
}

ktap_print_header
ktap_set_plan 5
traffic_setup
# scapy takes long to load under TCG: it starts now and sends its probes
# when told to (probes_result).
bg_in "$NS_LAN1" probes "${PKT[@]}" icmp-probes --iface eth0 \
	--src "$LAN1_ADDR" --dst "$SRV_ADDR" --hop "$INET_ADDR" \
	--go-file "$NAPT_TMP/probes.go"
PROBES_PID=$BG_PID
PROBES_DONE=
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp && servers_ready ||
	ktap_exit_fail_msg "the server did not start"

run_test "an ICMP error to W that matches no mapping is dropped and counted" test_unmatched_error_in
run_test "an ICMP error from the LAN that matches no mapping is dropped" test_unmatched_error_out
run_test "ICMP errors about a flow never keep its mapping alive" test_error_no_refresh
stats_mark
run_test "port unreachable for UDP: embedded packet translated back, field by field" test_port_unreachable
run_test "time exceeded for UDP, TCP, ICMP echo with TTL 2: translated back" test_ttl_exceeded
tests_done
