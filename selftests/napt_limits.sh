#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Resource limits (RFC 6888 REQ-4, REQ-5): past max-per-host, new flows
# from that host are dropped and counted (drop-host-cap) while its
# existing flows and the other hosts keep working; past max-mappings, new
# flows from anyone are dropped and counted (drop-table-full). Existing
# mappings are never evicted to make room.
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

# udp_ok X:x: a datagram from X:x to the server comes back.
udp_ok()
{
	pkt_in "${NS_OF[${1%:*}]}" udp-client --bind "$1" --to "$SRV_ADDR:7" \
		--count 1 >/dev/null
}

# udp_refused X:x: a datagram from X:x gets no answer.
udp_refused()
{
	! pkt_in "${NS_OF[${1%:*}]}" udp-client --bind "$1" \
		--to "$SRV_ADDR:7" --count 1 --timeout 2 >/dev/null
}

# ext_ports: "internal external" of every mapping, sorted (to compare).
ext_ports()
{
	mappings | jq -r '.[] | "\(.proto) \(.internal_addr):\(.internal_port) \(.external_port)"' |
		sort
}

test_max_per_host()
{
	local x before after

	napt_reset && napt_cmd set max-per-host 2 || return 1
	for x in "$LAN1_ADDR:43001" "$LAN1_ADDR:43002"; do
		udp_ok "$x" || fail "$x: no echo below the cap" || return
	done
	before=$(ext_ports)
	stats_mark
	udp_refused "$LAN1_ADDR:43003" ||
		fail "a third UDP flow from $LAN1_ADDR got through" || return
	! pkt_in "$NS_LAN1" tcp-client --bind "$LAN1_ADDR:43004" \
		--to "$SRV_ADDR:7" --timeout 2 >/dev/null ||
		fail "a TCP flow from $LAN1_ADDR got through" || return
	stats_deltas drop-host-cap mappings-created
	[ "$(stats_delta drop-host-cap)" -ge 2 ] ||
		fail "drop-host-cap grew by $(stats_delta drop-host-cap), expected 2 or more" ||
		return
	[ "$(stats_delta mappings-created)" = 0 ] ||
		fail "mappings were created past the cap" || return
	grep -q "$LAN1_ADDR:43003/" "$NAPT_TMP/srv_udp" &&
		{ fail "the server saw the refused flow"; return; }
	# Its existing flows still work; the other host is not capped.
	for x in "$LAN1_ADDR:43001" "$LAN1_ADDR:43002"; do
		udp_ok "$x" || fail "$x: existing flow broken at the cap" || return
	done
	udp_ok "$LAN2_ADDR:43001" || fail "$LAN2_ADDR capped by $LAN1_ADDR's flows" || return
	pkt_in "$NS_LAN2" tcp-client --bind "$LAN2_ADDR:43004" \
		--to "$SRV_ADDR:7" >/dev/null || fail "$LAN2_ADDR: TCP flow refused" || return
	after=$(ext_ports)
	show_mappings
	echo "$before" | while read -r m; do
		grep -qxF "$m" <<<"$after" || { echo "gone or changed: $m"; exit 1; }
	done || fail "an existing mapping was evicted or changed"
}

test_max_mappings()
{
	local x before after

	napt_reset && napt_cmd set max-mappings 3 || return 1
	for x in "$LAN1_ADDR:43101" "$LAN1_ADDR:43102" "$LAN2_ADDR:43101"; do
		udp_ok "$x" || fail "$x: no echo below the cap" || return
	done
	before=$(ext_ports)
	stats_mark
	for x in "$LAN2_ADDR:43102" "$LAN1_ADDR:43103"; do
		udp_refused "$x" || fail "$x got through a full table" || return
	done
	! in_ns "$NS_LAN2" ping -n -c 1 -W 2 "$SRV_ADDR" >/dev/null ||
		fail "a ping got through a full table" || return
	stats_deltas drop-table-full mappings-created
	[ "$(stats_delta drop-table-full)" -ge 3 ] ||
		fail "drop-table-full grew by $(stats_delta drop-table-full), expected 3 or more" ||
		return
	[ "$(stats_delta mappings-created)" = 0 ] ||
		fail "mappings were created in a full table" || return
	for x in "$LAN1_ADDR:43101" "$LAN1_ADDR:43102" "$LAN2_ADDR:43101"; do
		udp_ok "$x" || fail "$x: existing flow broken in a full table" || return
	done
	after=$(ext_ports)
	show_mappings
	[ "$before" = "$after" ] ||
		fail "the mappings changed: before [$before], after [$after]" || return
	[ "$(napt_stat mappings)" = 3 ] || fail "the mappings counter is not 3"
}

declare -A NS_OF
ktap_print_header
ktap_set_plan 2
traffic_setup
NS_OF[$LAN1_ADDR]=$NS_LAN1
NS_OF[$LAN2_ADDR]=$NS_LAN2
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "max-per-host 2: a third flow is dropped and counted, others unharmed" test_max_per_host
run_test "max-mappings 3: new flows dropped and counted, none evicted" test_max_mappings
tests_done
