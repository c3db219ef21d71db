#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fragments through napt: the kernel's defragmenter puts a datagram
# together before napt translates it, so a fragmented UDP datagram is
# delivered whole in both directions, even when its fragments come last
# first (scapy's fragment(), sent reversed); and a ping bigger than the
# MTU works (the kernel's own fragments, in order, both ways).
#
#  NS_LAN1 192.168.1.2 --+                                  (scapy: fragments out)
#                        +-- lan0 [NS_ROUTER: napt] wan0 W
#  NS_LAN2 192.168.1.3 --+   192.168.1.1    200.200.200.200
#                                                 |
#                                  NS_INET 200.200.200.1
#                                                 |
#                                  NS_SRV 100.100.100.100   (UDP sink on :9000, :9001;
#                                                            scapy: fragments in)

source "$(dirname "$0")/lib_traffic.sh"

require_traffic scapy
require_cmd ping

test_frag_out()
{
	local x=$LAN1_ADDR:41500 sent_sha line w rc

	echo 9000 >"$NAPT_TMP/frag_out.port"
	wait "$FRAG_OUT_PID"
	rc=$?
	show_log frag_out
	[ $rc -eq 0 ] || fail "scapy could not send the fragments" || return
	sent_sha=$(awk '$1 == "sent" { print $3 }' "$NAPT_TMP/frag_out")
	wait_for -t 10 grep -q ' 4000 ' "$NAPT_TMP/srv_9000" ||
		fail "the server got no 4000-byte datagram" || return
	line=$(grep ' 4000 ' "$NAPT_TMP/srv_9000")
	echo "server: $line"
	show_mappings
	w=$(mapping_field external_port proto udp internal "$x") ||
		fail "no mapping for $x" || return
	[ "$(echo "$line" | cut -d' ' -f2-5)" = "$WAN_ADDR $w 4000 $sent_sha" ] ||
		fail "expected the whole datagram from $WAN_ADDR:$w with sha256 $sent_sha"
}

test_frag_in()
{
	local x=$LAN1_ADDR:41501 w rc recv_pid sent_sha got

	bg_in "$NS_LAN1" frag_recv "${PKT[@]}" udp-recv --bind "$x" \
		--hello "$SRV_ADDR:9001" --min-size 2000 --timeout 120
	recv_pid=$BG_PID
	wait_for -t 30 mapping_present proto udp internal "$x" ||
		fail "no mapping for $x" || return
	w=$(mapping_field external_port proto udp internal "$x")
	echo "$x is $WAN_ADDR:$w"
	stats_mark
	echo "$w" >"$NAPT_TMP/frag_in.port"
	wait "$FRAG_IN_PID"
	rc=$?
	show_log frag_in
	[ $rc -eq 0 ] || fail "scapy could not send the fragments" || return
	wait "$recv_pid"
	rc=$?
	show_log frag_recv
	stats_deltas xlate-in drop-no-mapping drop-malformed
	[ $rc -eq 0 ] || fail "$x did not get the datagram" || return
	sent_sha=$(awk '$1 == "sent" { print $3 }' "$NAPT_TMP/frag_in")
	got=$(awk '$1 == "recv" { print $2, $3, $5 }' "$NAPT_TMP/frag_recv")
	[ "$got" = "4000 $sent_sha $SRV_ADDR:9001" ] ||
		fail "expected 4000 bytes with sha256 $sent_sha from $SRV_ADDR:9001"
}

test_big_ping()
{
	local out

	out=$(in_ns "$NS_LAN1" ping -n -c 2 -i 0.5 -W 5 -s 3000 -M dont "$SRV_ADDR")
	echo "$out"
	echo "$out" | grep -q ' 2 received' ||
		fail "3000-byte pings did not come back"
}

ktap_print_header
ktap_set_plan 3
traffic_setup
# scapy takes long to load under TCG: both senders load it now and send
# when their test writes the destination port into the file.
bg_in "$NS_LAN1" frag_out "${PKT[@]}" frag-send \
	--src "$LAN1_ADDR:41500" --dst "$SRV_ADDR:0" \
	--dport-file "$NAPT_TMP/frag_out.port" --size 4000 --fragsize 1000 \
	--seed out --timeout 300
FRAG_OUT_PID=$BG_PID
bg_in "$NS_SRV" frag_in "${PKT[@]}" frag-send \
	--src "$SRV_ADDR:9001" --dst "$WAN_ADDR:0" \
	--dport-file "$NAPT_TMP/frag_in.port" --size 4000 --fragsize 1000 \
	--seed in --timeout 300
FRAG_IN_PID=$BG_PID
start_udp_server "$NS_SRV" "$SRV_ADDR" 9000 srv_9000 --no-echo &&
	start_udp_server "$NS_SRV" "$SRV_ADDR" 9001 srv_9001 --no-echo &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "a UDP datagram in 5 fragments, last first, LAN to server: whole, from W" test_frag_out
run_test "a UDP datagram in 5 fragments, last first, server to LAN: whole" test_frag_in
run_test "3000-byte pings, fragmented both ways" test_big_ping
tests_done
