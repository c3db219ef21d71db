#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# napt beside a stateful nftables firewall in the router: napt undoes its
# translation of inbound packets before conntrack looks at them and
# translates outbound ones after, so conntrack sees only LAN-side
# addresses and the usual "established,related accept" rule set works
# with no rule about W: TCP, UDP, ping and an ICMP error (related) come
# back; what the firewall does not allow stays out, also through a
# forward, until a rule written with the LAN-side address lets it in.
#
#  NS_LAN1 192.168.1.2 --+          table inet fw: forward policy drop,
#                        |            ct state established,related accept,
#                        |            iifname lan0 oifname wan0 ct state new accept
#                        +-- lan0 [NS_ROUTER: napt + nftables] wan0 W
#  NS_LAN2 192.168.1.3 --+   192.168.1.1               200.200.200.200
#                                                            |
#                                             NS_INET 200.200.200.1
#                                                            |
#                                             NS_SRV 100.100.100.100   (UDP and TCP echo on :7)

source "$(dirname "$0")/lib_traffic.sh"

require_traffic
require_cmd nft ping

FW_RULES='
table inet fw {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan0" oifname "wan0" ct state new accept
	}
}'

test_tcp()
{
	pkt_in "$NS_LAN1" tcp-client --bind "$LAN1_ADDR" --to "$SRV_ADDR:7" \
		--bytes 500000 --timeout 30 ||
		fail "TCP through napt and the firewall failed"
}

test_udp()
{
	pkt_in "$NS_LAN1" udp-client --bind "$LAN1_ADDR:44000" \
		--to "$SRV_ADDR:7" --count 3 ||
		fail "UDP replies did not come back" || return
	in_ns "$NS_LAN1" ping -n -c 2 -i 0.3 -W 5 "$SRV_ADDR" ||
		fail "ping replies did not come back"
}

test_related()
{
	# The port unreachable is "related" to LAN1's flow for conntrack only
	# if napt put its embedded packet back first.
	pkt_in "$NS_LAN1" udp-refused --bind "$LAN1_ADDR:44001" \
		--to "$SRV_ADDR:9" ||
		fail "the port unreachable did not come back through the firewall"
}

test_unsolicited()
{
	local out rc n

	napt_cmd forward add 8080 "$LAN1_ADDR:80" proto tcp || return 1
	stats_mark
	n=$(log_lines lan1_tcp80)
	# To a port of napt's range: napt drops it.
	pkt_in "$NS_INET" udp-client --bind "$INET_ADDR" \
		--to "$WAN_ADDR:5000" --count 2 --no-wait
	# Through the forward: napt translates it, the firewall drops it.
	out=$(pkt_in "$NS_INET" tcp-client --bind "$INET_ADDR" \
		--to "$WAN_ADDR:8080" --timeout 3)
	rc=$?
	echo "to $WAN_ADDR:8080: $out"
	stats_deltas drop-no-mapping forward-hits xlate-in
	[ $rc -ne 0 ] || fail "the firewall let an unsolicited connection in" ||
		return
	[ "$(stats_delta drop-no-mapping)" -ge 2 ] ||
		fail "napt did not drop the datagrams to port 5000" || return
	[ "$(stats_delta forward-hits)" -ge 1 ] ||
		fail "the SYN never reached the forward: nothing was tested" ||
		return
	[ "$(log_lines lan1_tcp80)" = "$n" ] ||
		fail "the LAN host saw the connection" || return

	# conntrack saw the LAN-side destination, 192.168.1.2:80, not W:8080.
	in_ns "$NS_ROUTER" nft add rule inet fw forward iifname wan0 \
		oifname lan0 ct state new ct original ip daddr "$LAN1_ADDR" \
		meta l4proto tcp ct original proto-dst 80 accept || return 1
	pkt_in "$NS_INET" tcp-client --bind "$INET_ADDR" \
		--to "$WAN_ADDR:8080" --timeout 10 ||
		fail "a rule for $LAN1_ADDR:80 does not admit the forward: conntrack saw another address" ||
		return
	log_since lan1_tcp80 "$n" | sed 's/^/LAN1: /'
	log_since lan1_tcp80 "$n" | grep -q "^tcp-done $INET_ADDR " ||
		fail "LAN1 did not see the connection from $INET_ADDR"
}

ktap_print_header
ktap_set_plan 4
traffic_setup
echo "$FW_RULES" | in_ns "$NS_ROUTER" nft -f - ||
	ktap_exit_fail_msg "cannot load the nftables rules"
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	start_tcp_server "$NS_LAN1" "$LAN1_ADDR" 80 lan1_tcp80 &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "TCP out and back through napt and a stateful firewall" test_tcp
run_test "UDP and ping out and back through napt and a stateful firewall" test_udp
run_test "an ICMP error about a flow passes as related" test_related
run_test "unsolicited inbound stays out; a rule on the LAN-side address lets it in" test_unsolicited
tests_done
