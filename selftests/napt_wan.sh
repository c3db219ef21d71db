#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What napt leaves alone, and how it follows its WAN interface: IPv6
# passes untouched (the server sees the LAN host's own IPv6 address);
# traffic between the LAN and another router interface that is not the
# WAN keeps its addresses; and when wan0's address changes, dynamic
# mappings are flushed, forwards stay, `naptctl wan show` says the new
# address and new flows (and the forward) use it.
#
#  NS_LAN1 192.168.1.2 fd00:1::2 --+
#                                  +-- lan0 [NS_ROUTER: napt] wan0 200.200.200.200 -> .201
#  NS_LAN2 192.168.1.3 ------------+   192.168.1.1  |   fd00:1::1         fd00:2::200
#                                                   |                        |
#  NS_DMZ 192.168.2.2 -------------------------- dmz0 192.168.2.1   NS_INET 200.200.200.1
#                                                                    fd00:2::1 | fd00:3::1
#                                                                              |
#                                                      NS_SRV 100.100.100.100 fd00:3::100
#
# IPv6 is routed, not translated: NS_INET has a route to fd00:1::/64.

source "$(dirname "$0")/lib_traffic.sh"

require_traffic
require_cmd ping

setup_ipv6()
{
	ip -n "$NS_LAN1" addr add fd00:1::2/64 dev eth0 nodad &&
	ip -n "$NS_LAN1" -6 route add default via fd00:1::1 &&
	ip -n "$NS_ROUTER" addr add fd00:1::1/64 dev lan0 nodad &&
	ip -n "$NS_ROUTER" addr add fd00:2::200/64 dev wan0 nodad &&
	ip -n "$NS_ROUTER" -6 route add default via fd00:2::1 &&
	in_ns "$NS_ROUTER" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	ip -n "$NS_INET" addr add fd00:2::1/64 dev eth0 nodad &&
	ip -n "$NS_INET" addr add fd00:3::1/64 dev srv0 nodad &&
	ip -n "$NS_INET" -6 route add fd00:1::/64 via fd00:2::200 &&
	in_ns "$NS_INET" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	ip -n "$NS_SRV" addr add fd00:3::100/64 dev eth0 nodad &&
	ip -n "$NS_SRV" -6 route add default via fd00:3::1
}

setup_dmz()
{
	setup_ns NS_DMZ &&
	ip link add dmz0 netns "$NS_ROUTER" type veth peer name eth0 \
		netns "$NS_DMZ" &&
	ip -n "$NS_ROUTER" addr add 192.168.2.1/24 dev dmz0 &&
	ip -n "$NS_ROUTER" link set dmz0 up &&
	ip -n "$NS_DMZ" addr add 192.168.2.2/24 dev eth0 &&
	ip -n "$NS_DMZ" link set eth0 up &&
	ip -n "$NS_DMZ" route add default via 192.168.2.1
}

test_ipv6()
{
	local n_tcp n_udp

	n_tcp=$(log_lines srv6_tcp)
	n_udp=$(log_lines srv6_udp)
	stats_mark
	in_ns "$NS_LAN1" ping -6 -n -c 2 -i 0.3 -W 5 fd00:3::100 ||
		fail "no IPv6 ping reply" || return
	pkt_in "$NS_LAN1" tcp-client --bind "[fd00:1::2]" \
		--to "[fd00:3::100]:17" --bytes 100000 ||
		fail "IPv6 TCP failed" || return
	pkt_in "$NS_LAN1" udp-client --bind "[fd00:1::2]:45000" \
		--to "[fd00:3::100]:17" --count 2 ||
		fail "IPv6 UDP failed" || return
	log_since srv6_tcp "$n_tcp" | sed 's/^/server: /'
	log_since srv6_udp "$n_udp" | sed 's/^/server: /'
	stats_deltas xlate-out xlate-in mappings-created drop-unsupported
	log_since srv6_tcp "$n_tcp" | grep -q '^tcp-done fd00:1::2 ' ||
		fail "the server did not see fd00:1::2 as the TCP source" || return
	[ "$(log_since srv6_udp "$n_udp" | grep -c '^udp fd00:1::2 45000 ')" = 2 ] ||
		fail "the server did not see fd00:1::2 port 45000 as the UDP source" ||
		return
	[ "$(stats_delta xlate-out)" = 0 ] && [ "$(stats_delta mappings-created)" = 0 ] ||
		fail "napt translated IPv6 traffic"
}

test_other_iface()
{
	local n_tcp n_udp n_lan

	n_tcp=$(log_lines dmz_tcp)
	n_udp=$(log_lines dmz_udp)
	n_lan=$(log_lines lan1_tcp)
	stats_mark
	pkt_in "$NS_LAN1" tcp-client --bind "$LAN1_ADDR" --to 192.168.2.2:7 ||
		fail "LAN to DMZ TCP failed" || return
	pkt_in "$NS_LAN1" udp-client --bind "$LAN1_ADDR:45001" \
		--to 192.168.2.2:7 --count 2 || fail "LAN to DMZ UDP failed" || return
	pkt_in "$NS_DMZ" tcp-client --bind 192.168.2.2 --to "$LAN1_ADDR:7" ||
		fail "DMZ to LAN TCP failed" || return
	log_since dmz_tcp "$n_tcp" | sed 's/^/DMZ: /'
	log_since dmz_udp "$n_udp" | sed 's/^/DMZ: /'
	log_since lan1_tcp "$n_lan" | sed 's/^/LAN1: /'
	stats_deltas xlate-out xlate-in mappings-created
	log_since dmz_tcp "$n_tcp" | grep -q "^tcp-done $LAN1_ADDR " ||
		fail "the DMZ server did not see $LAN1_ADDR" || return
	[ "$(log_since dmz_udp "$n_udp" | grep -c "^udp $LAN1_ADDR 45001 ")" = 2 ] ||
		fail "the DMZ server did not see $LAN1_ADDR:45001" || return
	log_since lan1_tcp "$n_lan" | grep -q "^tcp-done 192.168.2.2 " ||
		fail "LAN1 did not see 192.168.2.2" || return
	[ "$(stats_delta xlate-out)" = 0 ] && [ "$(stats_delta xlate-in)" = 0 ] &&
		[ "$(stats_delta mappings-created)" = 0 ] ||
		fail "napt translated traffic that does not cross the WAN"
}

test_wan_address_change()
{
	local new=200.200.200.201 out saw n

	napt_reset && napt_cmd forward add 8080 "$LAN1_ADDR:80" proto tcp ||
		return 1
	pkt_in "$NS_LAN1" udp-client --bind "$LAN1_ADDR:45100" \
		--to "$SRV_ADDR:7" --count 1 || fail "no echo before the change" ||
		return
	mapping_present || fail "no mapping before the change" || return
	show_mappings

	ip -n "$NS_ROUTER" addr del "$WAN_ADDR/24" dev wan0 &&
		ip -n "$NS_ROUTER" addr add "$new/24" dev wan0 &&
		ip -n "$NS_ROUTER" route replace default via "$INET_ADDR" ||
		return 1
	wait_for -t 10 mapping_gone ||
		{ show_mappings; fail "dynamic mappings outlived the address change"; return; }
	out=$(napt_cmd wan show)
	echo "$out"
	grep -qw "$new" <<<"$out" || fail "'wan show' does not say $new" || return
	out=$(napt_cmd -j forward list)
	echo "$out"
	[ "$(jq -c '[.[] | [.ext_port_min, .int_addr, .int_port_min]]' <<<"$out")" = \
	  "[[8080,\"$LAN1_ADDR\",80]]" ] ||
		fail "the forward did not stay" || return

	pkt_in "$NS_LAN1" udp-client --bind "$LAN1_ADDR:45101" \
		--to "$SRV_ADDR:7" --count 1 || fail "no echo after the change" ||
		return
	saw=$(server_log srv_udp | awk -v t="$LAN1_ADDR:45101/" \
		'$1 == "udp" && index($6, t) == 1 { print $2; exit }')
	echo "the server saw $LAN1_ADDR:45101 from $saw"
	[ "$saw" = "$new" ] || fail "new flows do not leave from $new" || return
	n=$(log_lines lan1_tcp80)
	pkt_in "$NS_INET" tcp-client --bind "$INET_ADDR" --to "$new:8080" ||
		fail "the forward does not work at $new" || return
	log_since lan1_tcp80 "$n" | grep -q "^tcp-done $INET_ADDR " ||
		fail "LAN1 did not get the forwarded connection"
}

ktap_print_header
ktap_set_plan 3
traffic_setup
setup_ipv6 || ktap_exit_fail_msg "cannot set IPv6 up"
setup_dmz || ktap_exit_fail_msg "cannot set the DMZ up"
start_tcp_server "$NS_SRV" fd00:3::100 17 srv6_tcp &&
	start_udp_server "$NS_SRV" fd00:3::100 17 srv6_udp &&
	start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_DMZ" 192.168.2.2 7 dmz_tcp &&
	start_udp_server "$NS_DMZ" 192.168.2.2 7 dmz_udp &&
	start_tcp_server "$NS_LAN1" "$LAN1_ADDR" 7 lan1_tcp &&
	start_tcp_server "$NS_LAN1" "$LAN1_ADDR" 80 lan1_tcp80 &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "IPv6 passes untouched: the server sees the LAN host's own address" test_ipv6
run_test "traffic on an interface other than the WAN is not translated" test_other_iface
run_test "WAN address change: mappings flushed, forwards stay, new flows use it" test_wan_address_change
tests_done
