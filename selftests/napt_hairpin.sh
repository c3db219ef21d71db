#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): a LAN host that talks to
# W:p reaches the internal endpoint behind it, and the packets arrive
# with the sender's EXTERNAL address and port as source, W and the port
# of the sender's own mapping, as `naptctl mapping list` shows it:
# - a forward: LAN1 fetches http://W/ (forward 80 -> 192.168.10.2:80) and
#   gets the forwarded page; TCP and UDP; the answers come back from W:80;
# - another LAN host's dynamic mapping, with eif: LAN1 reaches LAN2's W:w;
#   with adf (LAN2 never sent to W) the same packet is dropped.
# Counted as hairpin in `naptctl stats`.
#
#  NS_LAN1 192.168.1.2 --+                                  (clients)
#                        +-- lan0 192.168.1.1 [NS_ROUTER: napt] wan0 W 200.200.200.200
#  NS_LAN2 192.168.1.3 --+                        |                   |
#  (UDP 40000)                  lan10 192.168.10.1+             NS_INET 200.200.200.1
#                                     |                               |
#  NS_WEB 192.168.10.2 ---------------+                         NS_SRV 100.100.100.100
#  (web: tcp 80, udp 80)                                        (udp 7: echo)

source "$(dirname "$0")/lib_forward.sh"

require_forward

W=$WAN_ADDR
SRV=$SRV_ADDR

test_forward_tcp()
{
	local n p mp

	napt_reset || return
	napt_cmd forward add 80 "$WEB_ADDR:80" || fail "forward add refused" || return
	n=$(nlogged web)
	st_mark
	http_expect "$NS_LAN1" "http://$W/" "napt-fwd web port 80 peer ${W//./\\.}:[0-9]+" \
		--local-port 41000 || return
	show_since web "$n"
	p=$(log_since web "$n" | awk -v w="$W" '$1 == "tcp" && $2 == 80 && $3 == w { print $4 }')
	[ -n "$p" ] || fail "192.168.10.2 did not see a connection from $W" || return
	show_mappings
	mp=$(mapping_field external_port proto tcp internal "$LAN1_ADDR:41000") ||
		fail "no TCP mapping for $LAN1_ADDR:41000" || return
	[ "$p" = "$mp" ] ||
		fail "192.168.10.2 saw $W:$p, but $LAN1_ADDR:41000 is mapped to $W:$mp" || return
	st_deltas hairpin xlate-in xlate-out
	st_delta_ge hairpin 2 || fail "hairpin did not grow (both ways)"
}

test_forward_udp()
{
	local n mp

	napt_reset || return
	napt_cmd forward add 80 "$WEB_ADDR:80" || fail "forward add refused" || return
	n=$(nlogged web)
	st_mark
	# A connected socket: the answer must come from W:80.
	udp_expect "$NS_LAN1" "$LAN1_ADDR:41001" "$W:80" hp-udp || return
	show_since web "$n"
	mp=$(mapping_field external_port proto udp internal "$LAN1_ADDR:41001") ||
		fail "no UDP mapping for $LAN1_ADDR:41001" || return
	logged web "$n" "udp 80 ${W//./\\.} $mp hp-udp" ||
		fail "192.168.10.2 did not get the datagram from $W:$mp, $LAN1_ADDR:41001's mapping" ||
		return
	st_deltas hairpin
	st_delta_ge hairpin 2 || fail "hairpin did not grow (both ways)"
}

# lan2_mapping MODE: filtering MODE, and LAN2's 40000 mapped (it sent to
# Y, the echo came back); W:w's port in $WP.
lan2_mapping()
{
	local n

	napt_reset && napt_cmd set filtering "$1" || fail "cannot set filtering $1" || return
	n=$(nlogged lan2)
	fwd_send "$NS_LAN2" 40000 "$SRV" 7 "hello-$1" || fail "cannot send" || return
	wait_logged lan2 "$n" "udp 40000 ${SRV//./\\.} 7 hello-$1" ||
		fail "the echo of $SRV:7 did not come back to LAN2" || return
	WP=$(mapping_field external_port proto udp internal "$LAN2_ADDR:40000") ||
		fail "no UDP mapping for $LAN2_ADDR:40000" || return
	echo "$LAN2_ADDR:40000 is $W:$WP"
}

test_dynamic_eif()
{
	local n mp

	lan2_mapping eif || return
	n=$(nlogged lan2)
	st_mark
	udp_ask "$NS_LAN1" "$LAN1_ADDR:41002" "$W:$WP" hp-dyn 0 || fail "cannot send" || return
	wait_logged lan2 "$n" "udp 40000 ${W//./\\.} [0-9]+ hp-dyn" ||
		fail "LAN2 did not get LAN1's datagram from $W ($(st_deltas hairpin drop-filtered drop-no-mapping))" ||
		return
	show_since lan2 "$n"
	show_mappings
	mp=$(mapping_field external_port proto udp internal "$LAN1_ADDR:41002") ||
		fail "no UDP mapping for $LAN1_ADDR:41002" || return
	logged lan2 "$n" "udp 40000 ${W//./\\.} $mp hp-dyn" ||
		fail "LAN2 saw another source than $W:$mp, $LAN1_ADDR:41002's mapping" || return
	st_deltas hairpin
	st_delta_ge hairpin 1 || fail "hairpin did not grow"
}

test_dynamic_adf()
{
	local n

	lan2_mapping adf || return
	n=$(nlogged lan2)
	st_mark
	udp_ask "$NS_LAN1" "$LAN1_ADDR:41003" "$W:$WP" hp-adf 0 || fail "cannot send" || return
	wait_for -t 10 st_delta_ge drop-filtered 1 ||
		fail "drop-filtered did not grow ($(st_deltas hairpin drop-filtered))" || return
	st_deltas hairpin drop-filtered
	! logged lan2 "$n" ".* hp-adf" ||
		fail "LAN1's datagram reached LAN2's mapping with adf"
}

ktap_print_header
ktap_set_plan 4
forward_setup
fwd_server "$NS_WEB" web tcp:80 udp:80 &&
	fwd_server "$NS_LAN2" lan2 udpq:40000 &&
	fwd_server "$NS_SRV" srv udp:7 &&
	servers_ready ||
	ktap_exit_fail_msg "the servers did not start"

run_test "forward, TCP: LAN1 fetches http://W/, the server sees W and LAN1's mapped port" test_forward_tcp
run_test "forward, UDP: the answer comes back from W:80, the server sees LAN1's mapping" test_forward_udp
run_test "eif: LAN1 reaches LAN2's dynamic mapping, seen from LAN1's mapping" test_dynamic_eif
run_test "adf: LAN1 cannot reach LAN2's mapping (LAN2 never sent to W): drop-filtered" test_dynamic_adf
tests_done
