#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Port forwarding (static NAPT) on real traffic: the seed's example
# `naptctl forward add 80 192.168.10.2:80` serves 192.168.10.2's page to
# the Internet, and without it the same fetch fails; external and
# internal ports that differ; TCP-only, UDP-only and both; ranges one to
# one and onto one port; `from PREFIX`; `forward del` (of one protocol
# too) and `forward flush` stop new connections at once; the forwarded
# host's own connections from its forwarded port leave as W:EXT; two LAN
# hosts serve behind two forwards at once; a forward's port is never
# handed out to a dynamic mapping.
#
#  NS_LAN1 192.168.1.2 --+                                             (servers: tcp 80-83,
#                        +-- lan0 192.168.1.1                            udp 81-83)
#  NS_LAN2 192.168.1.3 --+        [NS_ROUTER: napt]  wan0 200.200.200.200 = W
#                                lan10 192.168.10.1        |           (LAN2: tcp 80, 3000,
#                                     |              NS_INET 200.200.200.1  3004, 3009, 7000;
#  NS_WEB 192.168.10.2 ---------------+                    |                udp 3004, 7000)
#  (web server: tcp 80, udp 80, udp 443)             NS_SRV 100.100.100.100 (tcp 7, udp 7, 9)
#
# Every server logs the peer it saw (lib_forward.sh); an HTTP fetch
# returns one line naming the server, its port and the peer it saw. The
# Internet hosts know no route to the LANs: only translated traffic
# comes back. Ports 80 and 443 lie outside napt's dynamic range
# (1024-32767): without a forward the router's own stack answers (RST,
# port unreachable); the others lie inside it: without a forward, napt
# drops and counts (drop-no-mapping).

source "$(dirname "$0")/lib_forward.sh"

require_forward

W=$WAN_ADDR
SRV=$SRV_ADDR

# page NAME PORT PEER_ADDR [PEER_PORT]: the page a fwd_server serves, as a
# regex.
page()
{
	echo "napt-fwd $1 port $2 peer ${3//./\\.}:${4:-[0-9]+}"
}

# udp_dropped NS PEER TAG: a datagram from NS to PEER is dropped and
# counted as drop-no-mapping (st_mark first).
udp_dropped()
{
	udp_ask "$1" "" "$2" "$3" 0 || fail "cannot send to $2" || return
	wait_for -t 10 st_delta_ge drop-no-mapping 1 ||
		fail "UDP to $2 was not counted as drop-no-mapping"
}

test_seed()
{
	local n out port

	napt_reset || return
	napt_cmd forward add 80 "$WEB_ADDR:80" || fail "forward add refused" || return
	n=$(nlogged web)
	st_mark
	out=$(http_get "$NS_SRV" "http://$W/")
	echo "curl http://$W/ from $SRV: $out"
	[[ $out =~ ^$(page web 80 "$SRV")$ ]] ||
		fail "expected 192.168.10.2's page, seeing the client $SRV" || return
	port=${out##*:}
	show_since web "$n"
	logged web "$n" "tcp 80 ${SRV//./\\.} $port" ||
		fail "192.168.10.2 did not log the connection from $SRV:$port" || return
	st_deltas forward-hits xlate-in xlate-out mappings-created
	st_delta_ge forward-hits 1 ||
		fail "forward-hits did not grow" || return
	[ "$(fwd_hits 80)" -ge 1 ] 2>/dev/null ||
		fail "the forward's hits: '$(fwd_hits 80)', expected 1 or more" || return
	[ "$(st_delta mappings-created)" = 0 ] ||
		fail "the forwarded connection created a dynamic mapping"
}

test_seed_without()
{
	local n

	napt_reset || return
	napt_cmd forward add 80 "$WEB_ADDR:80" || fail "forward add refused" || return
	http_expect "$NS_SRV" "http://$W/" "$(page web 80 "$SRV")" || return
	napt_cmd forward del 80 || fail "forward del refused" || return
	n=$(nlogged web)
	st_mark
	# At once: port 80 is outside napt's range, the router's stack
	# answers RST.
	http_fails "$NS_SRV" "http://$W/" 7 || return
	show_since web "$n"
	[ "$(nlogged web)" = "$n" ] ||
		fail "the connection reached 192.168.10.2 without a forward" || return
	st_deltas xlate-in forward-hits drop-no-mapping
	[ "$(st_delta xlate-in)" = 0 ] ||
		fail "napt translated a packet in without a forward"
}

test_dynamic_range_without()
{
	local n

	napt_reset || return
	n=$(nlogged web)
	st_mark
	# 8080 is in napt's range: dropped, counted, nothing answers.
	http_fails "$NS_SRV" "http://$W:8080/" 28 || return
	st_deltas drop-no-mapping xlate-in
	st_delta_ge drop-no-mapping 1 ||
		fail "drop-no-mapping did not grow" || return
	[ "$(nlogged web)" = "$n" ] ||
		fail "the connection reached 192.168.10.2 without a forward"
}

test_ext_int_differ()
{
	local n

	napt_reset || return
	napt_cmd forward add 8080 "$WEB_ADDR:80" || fail "forward add refused" || return
	n=$(nlogged web)
	http_expect "$NS_SRV" "http://$W:8080/" "$(page web 80 "$SRV")" || return
	udp_expect "$NS_SRV" "" "$W:8080" ext8080 || return
	show_since web "$n"
	logged web "$n" "udp 80 ${SRV//./\\.} [0-9]+ ext8080" ||
		fail "192.168.10.2 did not log the datagram on its port 80"
}

test_proto()
{
	local n

	napt_reset || return
	napt_cmd forward add 8081 "$LAN1_ADDR:81" proto tcp &&
		napt_cmd forward add 8082 "$LAN1_ADDR:82" proto udp &&
		napt_cmd forward add 8083 "$LAN1_ADDR:83" ||
		fail "forward add refused" || return
	n=$(nlogged lan1)
	echo "## TCP-only 8081"
	http_expect "$NS_SRV" "http://$W:8081/" "$(page lan1 81 "$SRV")" || return
	st_mark
	udp_dropped "$NS_SRV" "$W:8081" tcponly || return
	echo "## UDP-only 8082"
	udp_expect "$NS_SRV" "" "$W:8082" udponly || return
	st_mark
	http_fails "$NS_SRV" "http://$W:8082/" 28 || return
	st_delta_ge drop-no-mapping 1 ||
		fail "TCP to $W:8082 was not counted as drop-no-mapping" || return
	echo "## both 8083"
	http_expect "$NS_SRV" "http://$W:8083/" "$(page lan1 83 "$SRV")" &&
		udp_expect "$NS_SRV" "" "$W:8083" both || return
	show_since lan1 "$n"
	! logged lan1 "$n" "udp 81 .*" ||
		fail "UDP to the TCP-only forward reached $LAN1_ADDR:81" || return
	! logged lan1 "$n" "tcp 82 .*" ||
		fail "TCP to the UDP-only forward reached $LAN1_ADDR:82" || return
	logged lan1 "$n" "udp 82 ${SRV//./\\.} [0-9]+ udponly" &&
		logged lan1 "$n" "udp 83 ${SRV//./\\.} [0-9]+ both" ||
		fail "$LAN1_ADDR did not log the forwarded datagrams"
}

test_del_proto()
{
	local n out

	napt_reset || return
	napt_cmd forward add 8083 "$LAN1_ADDR:83" || fail "forward add refused" || return
	http_expect "$NS_SRV" "http://$W:8083/" "$(page lan1 83 "$SRV")" &&
		udp_expect "$NS_SRV" "" "$W:8083" before || return
	napt_cmd forward del 8083 proto tcp || fail "forward del refused" || return
	in_ns "$NS_ROUTER" naptctl forward list
	out=$(in_ns "$NS_ROUTER" naptctl -j forward list | jq -c '[.[] | [.ext_port_min, .proto]]')
	[ "$out" = '[[8083,"udp"]]' ] ||
		fail "forwards now: $out, expected [[8083,\"udp\"]]" || return
	n=$(nlogged lan1)
	st_mark
	http_fails "$NS_SRV" "http://$W:8083/" 28 || return
	st_delta_ge drop-no-mapping 1 ||
		fail "TCP to $W:8083 was not counted as drop-no-mapping" || return
	udp_expect "$NS_SRV" "" "$W:8083" after || return
	show_since lan1 "$n"
	! logged lan1 "$n" "tcp 83 .*" ||
		fail "TCP still reached $LAN1_ADDR:83 after 'forward del 8083 proto tcp'"
}

test_range()
{
	local p n

	napt_reset || return
	napt_cmd forward add 2000-2009 "$LAN2_ADDR:3000-3009" ||
		fail "forward add refused" || return
	n=$(nlogged lan2)
	for p in 2000 2004 2009; do
		http_expect "$NS_SRV" "http://$W:$p/" "$(page lan2 $((p + 1000)) "$SRV")" ||
			return
	done
	udp_expect "$NS_SRV" "" "$W:2004" range2004 || return
	show_since lan2 "$n"
	logged lan2 "$n" "udp 3004 ${SRV//./\\.} [0-9]+ range2004" ||
		fail "$LAN2_ADDR did not log the datagram on port 3004" || return
	# Just outside the range: napt's, unmatched.
	st_mark
	udp_ask "$NS_SRV" "" "$W:1999" below 0 && udp_ask "$NS_SRV" "" "$W:2010" above 0 ||
		fail "cannot send" || return
	wait_for -t 10 st_delta_ge drop-no-mapping 2 ||
		fail "UDP to $W:1999 and $W:2010: drop-no-mapping +$(st_delta drop-no-mapping), expected +2"
}

test_range_one_port()
{
	local p n rc=0

	napt_reset || return
	napt_cmd forward add 6000-6009 "$LAN2_ADDR:7000" || fail "forward add refused" || return
	in_ns "$NS_ROUTER" naptctl forward list
	# The host's own traffic from that one port leaves from the first.
	n=$(nlogged srv)
	fwd_send "$NS_LAN2" 7000 "$SRV" 9 out7000 || fail "cannot send" || return
	wait_logged srv "$n" "udp 9 ${W//./\\.} 6000 out7000" ||
		fail "$SRV did not get $LAN2_ADDR:7000's datagram from $W:6000" || rc=1
	show_since srv "$n"
	# Every port of the range reaches 7000, and the answers come back
	# from the port the client used.
	n=$(nlogged lan2)
	for p in 6000 6005 6009; do
		http_expect "$NS_SRV" "http://$W:$p/" "$(page lan2 7000 "$SRV")" || rc=1
	done
	udp_expect "$NS_SRV" "" "$W:6005" one6005 || rc=1
	show_since lan2 "$n"
	return $rc
}

test_outbound()
{
	local n out

	napt_reset || return
	napt_cmd forward add 8443 "$WEB_ADDR:443" || fail "forward add refused" || return
	n=$(nlogged srv)
	# TCP: nothing listens on 192.168.10.2:443, curl connects from it.
	http_expect "$NS_WEB" "http://$SRV:7/" "$(page srv 7 "$W" 8443)" \
		--local-port 443 || return
	logged srv "$n" "tcp 7 ${W//./\\.} 8443" ||
		fail "$SRV did not see the connection from $W:8443" || return
	# UDP, from the socket that listens on 443: the echo comes back.
	out=$(nlogged web)
	fwd_send "$NS_WEB" 443 "$SRV" 7 out443 || fail "cannot send" || return
	wait_logged web "$out" "udp 443 ${SRV//./\\.} 7 out443" ||
		fail "the echo did not come back to $WEB_ADDR:443" || return
	show_since srv "$n"
	show_since web "$out"
	logged srv "$n" "udp 7 ${W//./\\.} 8443 out443" ||
		fail "$SRV did not see the datagram from $W:8443" || return
	[ "$(mapping_count internal "$WEB_ADDR")" = 0 ] ||
		fail "dynamic mappings were made for $WEB_ADDR:443: $(mappings internal "$WEB_ADDR")"
}

test_from()
{
	local n

	napt_reset || return
	napt_cmd forward add 8090 "$LAN1_ADDR:81" proto tcp from 100.100.100.0/24 ||
		fail "forward add refused" || return
	n=$(nlogged lan1)
	http_expect "$NS_SRV" "http://$W:8090/" "$(page lan1 81 "$SRV")" || return
	st_mark
	http_fails "$NS_INET" "http://$W:8090/" 28 || return
	st_deltas drop-filtered drop-no-mapping xlate-in
	st_delta_ge drop-filtered 1 ||
		fail "the refused SYN was not counted as drop-filtered" || return
	show_since lan1 "$n"
	! logged lan1 "$n" "tcp 81 ${INET_ADDR//./\\.} .*" ||
		fail "$INET_ADDR, outside 100.100.100.0/24, reached $LAN1_ADDR"
}

test_two_hosts()
{
	local i rc=0 pids=() ns url want
	local -a nss=("$NS_SRV" "$NS_INET" "$NS_SRV")
	local -a urls=("http://$W/" "http://$W:8001/" "http://$W:8002/")
	local -a wants=("$(page web 80 "$SRV")" "$(page lan1 80 "$INET_ADDR")"
			"$(page lan2 80 "$SRV")")

	napt_reset || return
	napt_cmd forward add 80 "$WEB_ADDR:80" &&
		napt_cmd forward add 8001 "$LAN1_ADDR:80" &&
		napt_cmd forward add 8002 "$LAN2_ADDR:80" ||
		fail "forward add refused" || return
	for i in 0 1 2; do
		bg_in "${nss[i]}" "get$i" curl -sS \
			--connect-timeout $((5 * NAPT_WAIT_SCALE)) \
			--max-time $((10 * NAPT_WAIT_SCALE)) "${urls[i]}"
		pids+=("$BG_PID")
	done
	bg_wait "${pids[@]}" || rc=1
	for i in 0 1 2; do
		show_log "get$i"
		grep -qxE "${wants[i]}" "$NAPT_TMP/get$i" ||
			fail "${urls[i]} did not return '${wants[i]}'" || rc=1
	done
	[ $rc -eq 0 ] || fail "a fetch failed"
}

test_flush()
{
	local n1 n2 nw out

	napt_reset || return
	napt_cmd forward add 80 "$WEB_ADDR:80" &&
		napt_cmd forward add 8001 "$LAN1_ADDR:80" &&
		napt_cmd forward add 8002 "$LAN2_ADDR:80" ||
		fail "forward add refused" || return
	http_expect "$NS_SRV" "http://$W:8002/" "$(page lan2 80 "$SRV")" || return
	napt_cmd forward flush || fail "forward flush failed" || return
	out=$(in_ns "$NS_ROUTER" naptctl -j forward list)
	[ "$out" = "[]" ] || fail "forwards after flush: $out" || return
	n1=$(nlogged lan1) n2=$(nlogged lan2) nw=$(nlogged web)
	st_mark
	http_fails "$NS_SRV" "http://$W:8002/" 28 &&
		http_fails "$NS_SRV" "http://$W/" 7 || return
	st_delta_ge drop-no-mapping 1 ||
		fail "TCP to $W:8002 was not counted as drop-no-mapping" || return
	[ "$(nlogged lan1)" = "$n1" ] && [ "$(nlogged lan2)" = "$n2" ] &&
		[ "$(nlogged web)" = "$nw" ] ||
		fail "a LAN server was reached after 'forward flush'"
}

# flows_settled N: N new UDP flows since st_mark got a mapping or were
# dropped for want of a port.
flows_settled()
{
	[ $(($(st_delta mappings-created) + $(st_delta drop-no-port))) -ge "$1" ]
}

test_never_dynamic()
{
	local p out

	napt_reset || return
	# Four dynamic ports, two of them forwarded.
	napt_cmd set ports 5000-5003 &&
		napt_cmd forward add 5001 "$LAN2_ADDR:3004" proto udp &&
		napt_cmd forward add 5002 "$LAN1_ADDR:81" proto udp ||
		fail "cannot configure" || return
	st_mark
	for p in 41100 41101 41102 41103; do
		udp_ask "$NS_LAN1" "$LAN1_ADDR:$p" "$SRV:9" "flow$p" 0 ||
			fail "cannot send" || return
	done
	wait_for -t 10 flows_settled 4 ||
		fail "the 4 flows neither got a mapping nor were dropped" || return
	st_deltas mappings-created drop-no-port
	show_mappings
	out=$(mappings proto udp | jq -c '[.[].external_port] | sort')
	echo "external ports handed out: $out"
	jq -e 'all(. == 5000 or . == 5003)' <<<"$out" >/dev/null ||
		fail "a dynamic mapping got a forwarded port, or one outside 5000-5003: $out" ||
		return
	udp_expect "$NS_SRV" "" "$W:5001" fwd5001 &&
		udp_expect "$NS_SRV" "" "$W:5002" fwd5002
}

ktap_print_header
ktap_set_plan 13
forward_setup
fwd_server "$NS_WEB" web tcp:80 udp:80 udpq:443 &&
	fwd_server "$NS_LAN1" lan1 tcp:80 tcp:81 tcp:82 tcp:83 udp:81 udp:82 udp:83 &&
	fwd_server "$NS_LAN2" lan2 tcp:80 tcp:3000 tcp:3004 tcp:3009 udp:3004 \
		tcp:7000 udp:7000 &&
	fwd_server "$NS_SRV" srv tcp:7 udp:7 udpq:9 &&
	servers_ready ||
	ktap_exit_fail_msg "the servers did not start"

run_test "seed: forward add 80 192.168.10.2:80 serves its page to the Internet, the server sees the client" test_seed
run_test "seed: after forward del 80, W:80 is the router's (RST) at once, nothing reaches 192.168.10.2" test_seed_without
run_test "without a forward, W:8080 (napt's range) is dropped and counted" test_dynamic_range_without
run_test "external 8080 to internal 80, TCP and UDP" test_ext_int_differ
run_test "TCP-only, UDP-only and both: each forwards only its protocols" test_proto
run_test "forward del EXT proto tcp: TCP stops at once, UDP keeps working" test_del_proto
run_test "range one to one: 2000-2009 to 3000-3009, and not beyond" test_range
run_test "range onto one port: 6000-6009 to 7000; the host's traffic from 7000 leaves from 6000" test_range_one_port
run_test "the forwarded host's own TCP and UDP from its port leave as W:EXT" test_outbound
run_test "from PREFIX admits a source inside, drops one outside (drop-filtered)" test_from
run_test "two LAN hosts and the web server behind three forwards at once" test_two_hosts
run_test "forward flush: new connections fail at once" test_flush
run_test "a forward's external ports are never handed out to dynamic mappings" test_never_dynamic
tests_done
