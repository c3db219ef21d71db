#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A SYN flood from the Internet, from spoofed sources, at a forward, at
# napt's dynamic ports, at other ports and at a live full-cone mapping:
# the tables stay bounded and the legitimate flows keep working.
# Topology: lib_stress.sh.

source "$(dirname "$0")/lib_stress.sh"

# probe_mostly_ok NAME: the legitimate probe NAME got most of its echoes.
probe_mostly_ok()
{
	local sent got

	read -r _ sent _ got < <(grep '^sent' "$NAPT_TMP/$1")
	echo "$1: $got of $sent echoed"
	[ "${sent:-0}" -gt 0 ] && [ $((got * 2)) -ge "$sent" ]
}

test_syn_flood()
{
	local live sess0 map0 slab0 slab1 port lo hi pid

	napt_reset || return 1
	napt_cmd set max-mappings 500 || return 1
	napt_cmd forward add 8080 "$LAN2_ADDR:8080" proto tcp || return 1
	# A live dynamic mapping, to flood at too.
	udp_ok "$NS_LAN1" "$LAN1_ADDR:48000" || fail "no echo" || return
	live=$(mapping_field external_port proto udp internal "$LAN1_ADDR:48000") ||
		fail "no mapping for $LAN1_ADDR:48000" || return
	stats_mark
	sess0=$(napt_stat sessions)
	map0=$(napt_stat mappings)
	slab0=$(slab_kb)
	prober "$NS_LAN1" probe_flood "$LAN1_ADDR:48001"
	pid=$BG_PID
	lo=$(in_ns "$NS_ROUTER" naptctl -j show | jq -r '.port_min // 1024')
	hi=$(in_ns "$NS_ROUTER" naptctl -j show | jq -r '.port_max // 32767')
	echo "flood: $FLOOD SYNs each at the forward (8080), napt's ports ($lo-$hi), other ports, the live mapping ($live)"
	for port in 8080 "$lo-$hi" 33000-65535 1-1023; do
		syn_flood "$NS_INET" "$WAN_ADDR" "$port" $((FLOOD / 4)) 100.64.0.0/10 ||
			fail "the SYN flood sender failed" || return
	done
	# The forward works through the flood.
	pkt_in "$NS_SRV" tcp-client --bind "$SRV_ADDR" --to "$WAN_ADDR:8080" \
		--bytes 2000 --timeout 20 >/dev/null ||
		fail "no TCP echo through the forward during the flood" || return
	touch "$NAPT_TMP/probe_flood.stop"
	wait "$pid"
	probe_mostly_ok probe_flood || fail "the legitimate UDP flow lost most of its echoes" || return
	stats_deltas drop-no-mapping drop-filtered forward-hits mappings sessions
	slab1=$(slab_kb)
	echo "mappings $map0 -> $(napt_stat mappings), sessions $sess0 -> $(napt_stat sessions), slab $slab0 -> $slab1 KiB"
	stat_le mappings $((map0 + 4)) ||
		fail "the flood made mappings: $(napt_stat mappings)" || return
	stat_le sessions $((sess0 + 4)) ||
		fail "the flood made sessions: $(napt_stat sessions)" || return
	stats_delta_ge drop-no-mapping $((FLOOD / 8)) ||
		fail "SYNs at napt's ports not counted as drop-no-mapping" || return

	# Full cone: anyone may open a session on a live mapping. A flood at
	# it from spoofed sources must still leave the tables bounded: by
	# max-mappings, the one cap an instance has (give or take a session
	# per CPU in flight).
	napt_cmd set filtering eif || return 1
	udp_ok "$NS_LAN1" "$LAN1_ADDR:48002" || fail "no echo" || return
	live=$(mapping_field external_port proto udp internal "$LAN1_ADDR:48002")
	pkt_in "$NS_LAN1" tcp-client --bind "$LAN1_ADDR:48003" --to "$SRV_ADDR:7" \
		--bytes 100 >/dev/null || fail "no TCP echo" || return
	live=$(mapping_field external_port proto tcp internal "$LAN1_ADDR:48003")
	sess0=$(napt_stat sessions)
	syn_flood "$NS_INET" "$WAN_ADDR" "$live" 1000 100.64.0.0/10 ||
		fail "the SYN flood sender failed" || return
	slab1=$(slab_kb)
	echo "EIF, 1000 SYNs at the live TCP mapping $WAN_ADDR:$live: sessions $sess0 -> $(napt_stat sessions), slab $slab1 KiB"
	stat_le sessions $((500 + $(nproc) * 2)) ||
		fail "unsolicited SYNs made $(napt_stat sessions) sessions on one mapping: no bound (max-mappings is 500)" ||
		return
	udp_ok "$NS_LAN1" "$LAN1_ADDR:48002" || fail "the UDP flow broke after the flood"
}

stress_start 1
run_test "SYN flood at a forward, at napt's ports, at others: tables bounded, flows work" test_syn_flood
tests_done
