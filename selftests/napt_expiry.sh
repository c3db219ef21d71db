#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Timeouts: with short configured timeouts, idle mappings expire (they are
# reclaimed by deferred work about once a second) and are counted; an
# expired mapping's port goes to the next flow that needs it, but not
# while the mapping lives; TCP sessions closed with FIN or reset with RST
# move to the transitory timeout while an idle established one stays; and
# the mapping list shows the lifetime that is left.
#
#  NS_LAN1 192.168.1.2 --+
#                        +-- lan0 [NS_ROUTER: napt] wan0 W
#  NS_LAN2 192.168.1.3 --+   192.168.1.1    200.200.200.200
#                                                 |
#                                  NS_INET 200.200.200.1
#                                                 |
#                                  NS_SRV 100.100.100.100   (UDP and TCP echo on :7)

source "$(dirname "$0")/lib_traffic.sh"

require_traffic
require_cmd ping

# srv_saw LOG TAG: "ADDR PORT" of the first datagram tagged TAG in LOG.
srv_saw()
{
	server_log "$1" | awk -v t="$2" \
		'$1 == "udp" && index($6, t "/") == 1 { print $2, $3; exit }'
}

test_udp_icmp_expire()
{
	local x=$LAN1_ADDR:42000 start end

	napt_reset && napt_cmd set timeout udp 8 timeout icmp 8 || return 1
	stats_mark
	start=$(date +%s)
	pkt_in "$NS_LAN1" udp-client --bind "$x" --to "$SRV_ADDR:7" --count 1 ||
		fail "no echo" || return
	mapping_present proto udp internal "$x" ||
		fail "no UDP mapping for $x right after its datagram" || return
	in_ns "$NS_LAN1" ping -n -c 1 -W 5 -e 4343 "$SRV_ADDR" >/dev/null ||
		fail "no ping reply" || return
	mapping_present proto icmp internal "$LAN1_ADDR:4343" ||
		fail "no ICMP mapping for id 4343 right after the ping" || return
	show_mappings
	wait_for -t 25 mapping_gone proto udp internal "$x" ||
		fail "the UDP mapping outlived its 8 s timeout by far" || return
	wait_for -t 25 mapping_gone proto icmp internal "$LAN1_ADDR:4343" ||
		fail "the ICMP mapping outlived its 8 s timeout by far" || return
	end=$(date +%s)
	echo "both gone $((end - start)) s after the first packet"
	stats_deltas mappings-created mappings-expired mappings
	[ "$(stats_delta mappings-expired)" -ge 2 ] ||
		fail "mappings-expired did not count them" || return
	[ "$(napt_stat mappings)" = 0 ] || fail "the mappings counter is not 0"
}

test_port_reuse()
{
	local x1=$LAN1_ADDR:42001 x2=$LAN2_ADDR:42001 pid rc saw

	napt_reset && napt_cmd set ports 20000-20000 timeout udp 3 || return 1
	# LAN1 keeps its flow alive, 4 datagrams a second, until told.
	bg_in "$NS_LAN1" keepalive "${PKT[@]}" udp-client \
		--bind "$x1" --to "$SRV_ADDR:7" --interval 0.25 \
		--until "$NAPT_TMP/keepalive.stop"
	pid=$BG_PID
	wait_for -t 30 mapping_present proto udp internal "$x1" ||
		fail "no mapping for $x1" || return
	[ "$(mapping_field external_port proto udp internal "$x1")" = 20000 ] ||
		fail "$x1 did not get the only port, 20000" || return
	stats_mark
	! pkt_in "$NS_LAN2" udp-client --bind "$x2" --to "$SRV_ADDR:7" \
		--count 1 --timeout 2 ||
		fail "$x2 got through while $x1 holds the only port" || return
	stats_deltas drop-no-port mappings-created
	[ "$(stats_delta drop-no-port)" -ge 1 ] ||
		fail "the refused flow was not counted as drop-no-port" || return
	[ -z "$(srv_saw srv_udp "$x2")" ] ||
		fail "the server saw $x2's datagram" || return
	touch "$NAPT_TMP/keepalive.stop"
	wait "$pid"
	rc=$?
	show_log keepalive
	[ $rc -eq 0 ] || fail "$x1's flow broke while $x2 was refused" || return

	# Idle now: it expires, and the port is free for LAN2.
	wait_for -t 20 mapping_gone proto udp internal "$x1" ||
		fail "$x1's mapping did not expire" || return
	pkt_in "$NS_LAN2" udp-client --bind "$x2" --to "$SRV_ADDR:7" --count 1 ||
		fail "$x2 still refused after $x1's mapping expired" || return
	saw=$(srv_saw srv_udp "$x2")
	echo "the server saw $x2 as $saw"
	[ "$saw" = "$WAN_ADDR 20000" ] ||
		fail "expected $x2 from $WAN_ADDR:20000 after the port came free"
}

test_tcp_fin_rst()
{
	local hold=$LAN1_ADDR:42010 fin=$LAN1_ADDR:42011 rst=$LAN1_ADDR:42012
	local hold_pid fin_pid rst_pid rc=0

	napt_reset && napt_cmd set timeout tcp-est 600 timeout tcp-trans 3 ||
		return 1
	bg_in "$NS_LAN1" hold "${PKT[@]}" tcp-session --bind "$hold" \
		--to "$SRV_ADDR:7" --close hold --until "$NAPT_TMP/hold.go"
	hold_pid=$BG_PID
	wait_for -t 30 grep -q established "$NAPT_TMP/hold" ||
		fail "the connection to hold did not open" || return
	bg_in "$NS_LAN1" fin "${PKT[@]}" tcp-session --bind "$fin" \
		--to "$SRV_ADDR:7" --close fin
	fin_pid=$BG_PID
	bg_in "$NS_LAN1" rst "${PKT[@]}" tcp-session --bind "$rst" \
		--to "$SRV_ADDR:7" --close rst
	rst_pid=$BG_PID
	bg_wait "$fin_pid" "$rst_pid" || rc=1
	show_log fin
	show_log rst
	[ $rc -eq 0 ] || fail "a connection failed" || return
	show_mappings
	# tcp-trans is 3 s: both go soon; tcp-est is 600 s: the idle
	# established one, older than both, stays.
	wait_for -t 20 mapping_gone proto tcp internal "$fin" ||
		fail "the connection closed with FIN kept its mapping (tcp-est?)" ||
		return
	wait_for -t 20 mapping_gone proto tcp internal "$rst" ||
		fail "the connection reset with RST kept its mapping (tcp-est?)" ||
		return
	show_mappings
	mapping_present proto tcp internal "$hold" ||
		fail "the idle established connection lost its mapping (tcp-trans?)" ||
		return
	touch "$NAPT_TMP/hold.go"
	wait "$hold_pid" || { show_log hold; fail "the idle established connection broke"; return; }
	show_log hold
}

test_expires_shown()
{
	local est=$LAN1_ADDR:42020 fin=$LAN1_ADDR:42021 e_est e_fin

	napt_reset && napt_cmd set timeout tcp-est 600 timeout tcp-trans 30 ||
		return 1
	bg_in "$NS_LAN1" est "${PKT[@]}" tcp-session --bind "$est" \
		--to "$SRV_ADDR:7" --close hold --until "$NAPT_TMP/est.go"
	pkt_in "$NS_LAN1" tcp-session --bind "$fin" --to "$SRV_ADDR:7" \
		--close fin || fail "the connection failed" || return
	wait_for -t 30 grep -q established "$NAPT_TMP/est" ||
		fail "the connection to hold did not open" || return
	show_mappings
	e_est=$(mapping_field expires_ms proto tcp internal "$est")
	e_fin=$(mapping_field expires_ms proto tcp internal "$fin")
	touch "$NAPT_TMP/est.go"
	echo "expires_ms: established $e_est, closed with FIN $e_fin"
	[ -n "$e_est" ] && [ -n "$e_fin" ] || fail "a mapping is missing" || return
	[ "$e_est" -gt 30000 ] && [ "$e_est" -le 600000 ] ||
		fail "the established connection's mapping expires in ${e_est} ms, expected up to tcp-est (600 s)" ||
		return
	[ "$e_fin" -le 30000 ] ||
		fail "the closed connection's mapping says it expires in ${e_fin} ms; it goes within tcp-trans (30 s)"
}

ktap_print_header
ktap_set_plan 4
traffic_setup
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "UDP and ICMP mappings expire after their configured timeout" test_udp_icmp_expire
run_test "one port: refused to another host while it lives, reused after expiry" test_port_reuse
run_test "TCP FIN and RST: transitory timeout; an idle established flow stays" test_tcp_fin_rst
run_test "mapping list: the lifetime left follows the TCP state" test_expires_shown
tests_done
