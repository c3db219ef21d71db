#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Dynamic NAPT on real traffic: LAN hosts reach the Internet from W with
# ports napt picks, replies come back intact; one internal endpoint keeps
# one external one whatever it talks to (EIM); ping works for two hosts
# at once; what nobody asked for is dropped and counted, while the
# router's own services and connections are left alone; GRE is
# translated by address only.
#
#  NS_LAN1 192.168.1.2 --+
#                        +-- lan0 192.168.1.1 [NS_ROUTER: napt] wan0 200.200.200.200 = W
#  NS_LAN2 192.168.1.3 --+                                          |
#                                    NS_INET 200.200.200.1 ---------+   (server on :7)
#                                       |
#                                    NS_SRV 100.100.100.100             (servers on :7)
#
# The servers log the peer they see: that is how "the server sees W with
# distinct ports" is checked. NS_INET has no route to 192.168.1.0/24, so
# only translated traffic can come back.

source "$(dirname "$0")/lib_traffic.sh"

require_traffic
require_cmd ping

# srv_port LOG TAG: the source port of the UDP datagram tagged TAG that
# the server logged, when it came from W.
srv_port()
{
	server_log "$1" | awk -v w="$WAN_ADDR" -v t="$2" \
		'$1 == "udp" && $2 == w && index($6, t "/") == 1 { print $3; exit }'
}

test_two_hosts()
{
	local h ns addr pids=() n_tcp n_udp sha n rc=0
	local -A tport uport

	n_tcp=$(log_lines srv_tcp)
	n_udp=$(log_lines srv_udp)
	# Both hosts from the same port 40000: napt must tell them apart.
	for h in 1 2; do
		ns=NS_LAN$h
		addr=LAN${h}_ADDR
		bg_in "${!ns}" tcp$h "${PKT[@]}" tcp-client \
			--bind "${!addr}:40000" --to "$SRV_ADDR:7" \
			--bytes 2000000 --timeout 60
		pids+=("$BG_PID")
		bg_in "${!ns}" udp$h "${PKT[@]}" udp-client \
			--bind "${!addr}:40000" --to "$SRV_ADDR:7" --count 5 \
			--size 1200 --interval 0.1
		pids+=("$BG_PID")
	done
	bg_wait "${pids[@]}" || rc=1
	for h in tcp1 udp1 tcp2 udp2; do show_log $h; done
	[ $rc -eq 0 ] || fail "a client did not get its data back intact" || return
	log_since srv_tcp "$n_tcp" | sed 's/^/server: /'
	log_since srv_udp "$n_udp" | sed 's/^/server: /'
	show_mappings

	for h in 1 2; do
		addr=LAN${h}_ADDR
		tport[$h]=$(mapping_field external_port proto tcp internal "${!addr}:40000") ||
			fail "not one TCP mapping for ${!addr}:40000" || return
		uport[$h]=$(mapping_field external_port proto udp internal "${!addr}:40000") ||
			fail "not one UDP mapping for ${!addr}:40000" || return
		sha=$(awk '$1 == "sent" { print $3 }' "$NAPT_TMP/tcp$h")
		log_since srv_tcp "$n_tcp" |
			grep -qx "tcp-done $WAN_ADDR ${tport[$h]} 2000000 $sha" ||
			fail "the server did not get host $h's 2000000 bytes intact from $WAN_ADDR:${tport[$h]}" ||
			return
		n=$(log_since srv_udp "$n_udp" | awk -v w="$WAN_ADDR" \
			-v p="${uport[$h]}" -v t="${!addr}:40000/" \
			'$1 == "udp" && $2 == w && $3 == p && $4 == 1200 && index($6, t) == 1' |
			wc -l)
		[ "$n" -eq 5 ] ||
			fail "the server got $n of host $h's 5 datagrams from $WAN_ADDR:${uport[$h]}" ||
			return
	done
	[ "${tport[1]}" != "${tport[2]}" ] ||
		fail "both hosts got TCP port ${tport[1]}" || return
	[ "${uport[1]}" != "${uport[2]}" ] ||
		fail "both hosts got UDP port ${uport[1]}" || return
	if { log_since srv_tcp "$n_tcp"; log_since srv_udp "$n_udp"; } |
	   awk -v w="$WAN_ADDR" '$2 != w' | grep -q .; then
		fail "the server saw a source other than $WAN_ADDR"
		return
	fi
	echo "TCP ports ${tport[1]} ${tport[2]}, UDP ports ${uport[1]} ${uport[2]}"
}

test_eim_udp()
{
	local x=$LAN1_ADDR:40001 p_srv p_inet p_map sessions

	pkt_in "$NS_LAN1" udp-client --bind "$x" --to "$SRV_ADDR:7" --count 2 ||
		fail "no echo from $SRV_ADDR" || return
	pkt_in "$NS_LAN1" udp-client --bind "$x" --to "$INET_ADDR:7" --count 2 ||
		fail "no echo from $INET_ADDR" || return
	p_srv=$(srv_port srv_udp "$x")
	p_inet=$(srv_port inet_udp "$x")
	echo "$SRV_ADDR saw $WAN_ADDR:$p_srv, $INET_ADDR saw $WAN_ADDR:$p_inet"
	[ -n "$p_srv" ] && [ -n "$p_inet" ] ||
		fail "a server did not see $x's datagrams from $WAN_ADDR" || return
	[ "$p_srv" = "$p_inet" ] ||
		fail "two external ports for one internal endpoint" || return
	show_mappings
	[ "$(mapping_count proto udp internal "$x")" = 1 ] ||
		fail "expected one UDP mapping for $x" || return
	p_map=$(mapping_field external_port proto udp internal "$x")
	sessions=$(mapping_field sessions proto udp internal "$x")
	[ "$p_map" = "$p_srv" ] ||
		fail "the mapping says port $p_map, the servers saw $p_srv" || return
	[ "$sessions" = 2 ] ||
		fail "the mapping has $sessions sessions, expected 2 (two remote hosts)"
}

test_eim_tcp()
{
	local x=$LAN1_ADDR:40002 n_srv n_inet p_srv p_inet p_map

	n_srv=$(log_lines srv_tcp)
	n_inet=$(log_lines inet_tcp)
	pkt_in "$NS_LAN1" tcp-client --bind "$x" --to "$SRV_ADDR:7" ||
		fail "no echo from $SRV_ADDR" || return
	pkt_in "$NS_LAN1" tcp-client --bind "$x" --to "$INET_ADDR:7" ||
		fail "no echo from $INET_ADDR" || return
	p_srv=$(log_since srv_tcp "$n_srv" |
		awk -v w="$WAN_ADDR" '$1 == "tcp-done" && $2 == w { print $3 }')
	p_inet=$(log_since inet_tcp "$n_inet" |
		awk -v w="$WAN_ADDR" '$1 == "tcp-done" && $2 == w { print $3 }')
	echo "$SRV_ADDR saw $WAN_ADDR:$p_srv, $INET_ADDR saw $WAN_ADDR:$p_inet"
	[ -n "$p_srv" ] && [ -n "$p_inet" ] ||
		fail "a server did not see $x's connection from $WAN_ADDR" || return
	[ "$p_srv" = "$p_inet" ] ||
		fail "two external ports for one internal endpoint" || return
	[ "$(mapping_count proto tcp internal "$x")" = 1 ] ||
		fail "expected one TCP mapping for $x" || return
	p_map=$(mapping_field external_port proto tcp internal "$x")
	[ "$p_map" = "$p_srv" ] ||
		fail "the mapping says port $p_map, the servers saw $p_srv"
}

test_ping()
{
	local h ns pids=() rc=0 p1 p2

	# The same identifier from both hosts: napt gives each its own.
	for h in 1 2; do
		ns=NS_LAN$h
		bg_in "${!ns}" ping$h ping -n -c 4 -i 0.3 -W 5 -e 4242 "$SRV_ADDR"
		pids+=("$BG_PID")
	done
	bg_wait "${pids[@]}" || rc=1
	show_log ping1
	show_log ping2
	[ $rc -eq 0 ] || fail "a ping got no reply" || return
	for h in 1 2; do
		grep -q ' 4 received' "$NAPT_TMP/ping$h" ||
			fail "host $h did not get its 4 replies" || return
		! grep -q DUP "$NAPT_TMP/ping$h" ||
			fail "host $h got duplicate replies (the other host's?)" || return
	done
	show_mappings
	p1=$(mapping_field external_port proto icmp internal "$LAN1_ADDR:4242") ||
		fail "no ICMP mapping for $LAN1_ADDR id 4242" || return
	p2=$(mapping_field external_port proto icmp internal "$LAN2_ADDR:4242") ||
		fail "no ICMP mapping for $LAN2_ADDR id 4242" || return
	[ "$p1" != "$p2" ] || fail "both hosts' id 4242 map to external id $p1"
}

test_unmatched_dropped()
{
	local out rc created

	stats_mark
	pkt_in "$NS_INET" udp-client --bind "$INET_ADDR" \
		--to "$WAN_ADDR:5000" --count 3 --interval 0.1 --no-wait
	# A SYN that reached the router's stack would get a RST (refused).
	out=$(pkt_in "$NS_INET" tcp-client --bind "$INET_ADDR" \
		--to "$WAN_ADDR:5001" --timeout 3)
	rc=$?
	echo "tcp to $WAN_ADDR:5001: $out"
	[ $rc -eq 1 ] || fail "the SYN to $WAN_ADDR:5001 was answered" || return
	wait_for -t 10 stats_delta_ge drop-no-mapping 4 ||
		fail "drop-no-mapping grew by $(stats_delta drop-no-mapping), expected 4 or more" ||
		return
	stats_deltas drop-no-mapping xlate-in mappings-created
	[ ! -s "$NAPT_TMP/rtr_udp5000" ] ||
		fail "the router's own socket on port 5000 got the datagrams" || return
	[ ! -s "$NAPT_TMP/lan1_udp5000" ] && [ ! -s "$NAPT_TMP/lan2_udp5000" ] ||
		fail "a LAN host got the datagrams" || return
	created=$(stats_delta mappings-created)
	[ "$created" = 0 ] || fail "inbound packets created $created mappings"
}

test_router_services()
{
	local n

	stats_mark
	n=$(log_lines srv_tcp)
	pkt_in "$NS_INET" tcp-client --bind "$INET_ADDR" --to "$WAN_ADDR:22" ||
		fail "the router's TCP service on port 22 is not reachable" || return
	pkt_in "$NS_INET" udp-client --bind "$INET_ADDR" --to "$WAN_ADDR:40000" ||
		fail "the router's UDP service on port 40000 is not reachable" || return
	# The router's own connection out, from ip_local_port_range.
	pkt_in "$NS_ROUTER" tcp-client --bind "$WAN_ADDR" --to "$SRV_ADDR:7" ||
		fail "the router's own connection to $SRV_ADDR failed" || return
	server_log rtr_tcp22 | sed 's/^/router: /'
	log_since srv_tcp "$n" | sed 's/^/server: /'
	stats_deltas drop-no-mapping xlate-in xlate-out
	[ "$(stats_delta drop-no-mapping)" = 0 ] ||
		fail "napt dropped packets for the router's own services" || return
	[ "$(stats_delta xlate-out)" = 0 ] && [ "$(stats_delta xlate-in)" = 0 ] ||
		fail "napt translated the router's own traffic"
}

gre_tunnel()
{
	local ns=$1 local=$2 remote=$3 addr=$4

	ip -n "$ns" tunnel add gre1 mode gre local "$local" remote "$remote" ttl 64 &&
		ip -n "$ns" link set gre1 addrgenmode none 2>/dev/null
	ip -n "$ns" addr add "$addr" dev gre1 &&
		ip -n "$ns" link set gre1 up
}

test_gre()
{
	local out

	# Built in (the debug kernel), it has no module for modprobe to find.
	modprobe ip_gre 2>/dev/null || [ -d /sys/module/ip_gre ] ||
		{ skip "no ip_gre module"; return; }
	# The server's tunnel takes only packets from W: a ping through it
	# works only when LAN1's packets leave from W and the replies to W
	# come back to LAN1.
	gre_tunnel "$NS_LAN1" "$LAN1_ADDR" "$SRV_ADDR" 10.47.0.1/30 &&
		gre_tunnel "$NS_SRV" "$SRV_ADDR" "$WAN_ADDR" 10.47.0.2/30 ||
		fail "cannot make the GRE tunnels" || return
	in_ns "$NS_LAN1" ping -n -c 2 -i 0.3 -W 5 10.47.0.2 ||
		fail "no ping through LAN1's GRE tunnel to $SRV_ADDR" || return
	show_mappings
	out=$(mappings proto gre | jq -c '.[] | [.internal_addr, .external_addr, .remote_addr]')
	echo "gre mappings: $out"
	[ "$out" = "[\"$LAN1_ADDR\",\"$WAN_ADDR\",\"$SRV_ADDR\"]" ] ||
		fail "expected one GRE mapping $LAN1_ADDR -> $WAN_ADDR for $SRV_ADDR" ||
		return

	# A second host, same protocol, same remote: refused while LAN1's lives.
	gre_tunnel "$NS_LAN2" "$LAN2_ADDR" "$SRV_ADDR" 10.47.0.1/30 ||
		fail "cannot make LAN2's GRE tunnel" || return
	stats_mark
	! in_ns "$NS_LAN2" ping -n -c 2 -i 0.3 -W 2 10.47.0.2 ||
		fail "LAN2's GRE got through while LAN1's mapping lives" || return
	stats_deltas drop-no-port xlate-out
	[ "$(stats_delta drop-no-port)" -ge 1 ] ||
		fail "LAN2's GRE packets were not counted as drop-no-port" || return
	out=$(mappings proto gre | jq -c '[.[].internal_addr]')
	[ "$out" = "[\"$LAN1_ADDR\"]" ] ||
		fail "GRE mappings now: $out, expected only $LAN1_ADDR's" || return
	in_ns "$NS_LAN1" ping -n -c 1 -W 5 10.47.0.2 >/dev/null ||
		fail "LAN1's GRE stopped working"
}

ktap_print_header
ktap_set_plan 7
traffic_setup
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	start_udp_server "$NS_INET" "$INET_ADDR" 7 inet_udp &&
	start_tcp_server "$NS_INET" "$INET_ADDR" 7 inet_tcp &&
	start_udp_server "$NS_ROUTER" "$WAN_ADDR" 5000 rtr_udp5000 --no-echo &&
	start_udp_server "$NS_LAN1" 0.0.0.0 5000 lan1_udp5000 --no-echo &&
	start_udp_server "$NS_LAN2" 0.0.0.0 5000 lan2_udp5000 --no-echo &&
	start_tcp_server "$NS_ROUTER" "$WAN_ADDR" 22 rtr_tcp22 &&
	start_udp_server "$NS_ROUTER" "$WAN_ADDR" 40000 rtr_udp40000 &&
	servers_ready ||
	ktap_exit_fail_msg "the servers did not start"

run_test "TCP and UDP from two LAN hosts at once: W with distinct ports, data intact" test_two_hosts
run_test "EIM: one UDP X:x keeps one W:w towards two remote hosts" test_eim_udp
run_test "EIM: one TCP X:x keeps one W:w towards two remote hosts" test_eim_tcp
run_test "ping: two LAN hosts with the same identifier at once" test_ping
run_test "unsolicited packets to W in napt's range are dropped and counted" test_unmatched_dropped
run_test "the router's own services and connections are left alone" test_router_services
run_test "GRE: address-only, one LAN host per remote at a time" test_gre
tests_done
