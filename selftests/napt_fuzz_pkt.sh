#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile packets: napt_fuzz_pkt (C, AF_PACKET, so malformed IP headers
# reach the router as sent) throws 100 000 generated and mutated IPv4
# packets at a router with live TCP, UDP and ICMP mappings: from the
# Internet at W (live mapped ports, unmapped ports in and outside the
# dynamic range), and from the LAN through the router and at W (hairpin).
# Truncated IP/TCP/UDP/ICMP headers, bad IHL and total length, IP and TCP
# options, every fragment shape, ICMP errors truncated, nested, about
# mappings that exist and that do not, TCP flag combinations, bad
# checksums, other protocols, random mutations. Then:
#
# - the kernel log has no splat;
# - nothing from the Internet reached a LAN host but through a mapping,
#   and nothing left through the WAN from another source than W;
# - no mapping was made but by a valid outbound packet: the generator
#   sends LAN packets that must not open one from 192.168.1.200-215 and
#   martian addresses, valid ones from 192.168.1.100-115, malformed ones
#   napt does not check (bad L4 checksums, odd TCP flags) from .150-165;
# - the drop counters account for what was dropped;
# - napt still translates: fresh TCP and UDP flows see W at the server.
#
#  NS_LAN1 192.168.1.2 --+            (live flows; nft counts leaks)
#                        +-- lan0 192.168.1.1 [NS_ROUTER: napt] wan0 200.200.200.200 = W
#  NS_LAN2 192.168.1.3 --+                                          |
#   (fuzzer, LAN side: AF_PACKET on eth0)                           |
#                                    NS_INET 200.200.200.1 ---------+  (fuzzer, WAN
#                                       |    203.0.113.0/24, 198.51.100.0/24:   side)
#                                       |    blackholes (the fuzzer's addresses)
#                                    NS_SRV 100.100.100.100             (servers on :7)
#
# NAPT_SEED=N replays a run (the seed is printed as "# seed: N");
# NAPT_LONG=1 sends ten times as many packets.

source "$(dirname "$0")/lib_traffic.sh"

FUZZ=$NAPT_SELFTESTS_DIR/napt_fuzz_pkt
LIVE_TCP=$LAN1_ADDR:40101
LIVE_UDP=$LAN1_ADDR:40100
LIVE_ICMP_ID=4242

require_traffic
require_cmd nft ping
if [ ! -x "$FUZZ" ]; then
	ktap_print_header
	echo "Bail out! $FUZZ is not built (make -C selftests)"
	exit "$KSFT_FAIL"
fi

SEED=${NAPT_SEED:-$(( (RANDOM << 15 | RANDOM) ))}
SCALE=1
[ "${NAPT_LONG:-0}" = 1 ] && SCALE=10
N_WAN=$((50000 * SCALE))
N_LAN_INVALID=$((15000 * SCALE))
N_LAN_MIX=$((35000 * SCALE))

LIVE=()		# --live arguments for the generator
WAN_LOST=0	# frames lost before napt while the WAN side was sent

# ---------------------------------------------------------------------
# Helpers

# fuzz NS IF MAC NAME ARGS...: run the generator, its report in
# $NAPT_TMP/NAME (and in the test's log).
fuzz()
{
	local ns=$1 ifname=$2 mac=$3 name=$4 start rc

	shift 4
	start=$(date +%s%N)
	in_ns "$ns" "$FUZZ" -i "$ifname" -m "$mac" "${LIVE[@]}" "$@" \
		>"$NAPT_TMP/$name"
	rc=$?
	echo "took $(( ($(date +%s%N) - start) / 1000000 )) ms" >>"$NAPT_TMP/$name"
	sed "s/^/$name: /" "$NAPT_TMP/$name"
	[ $rc -eq 0 ] || fail "napt_fuzz_pkt exited $rc" || return
	[ "$(report "$name" send-errors)" = 0 ] ||
		fail "the interface refused $(report "$name" send-errors) frames"
}

# report NAME KEY: a number from the generator's report: "KEY N",
# "expect KEY N" or "range KEY N".
report()
{
	awk -v k="$2" '$1 == k && NF == 2 { print $2 }
		($1 == "expect" || $1 == "range") && $2 == k { print $3 }' \
		"$NAPT_TMP/$1"
}

# softnet_drops: frames the kernel dropped on receive, before any hook
# saw them, because a CPU's backlog was full (the second column of
# /proc/net/softnet_stat, a row per CPU, in hex).
softnet_drops()
{
	local n=0 d

	while read -r _ d _; do
		n=$((n + 16#$d))
	done </proc/net/softnet_stat
	echo "$n"
}

mac_of()
{
	ip -n "$1" -j link show "$2" | jq -r '.[0].address'
}

# leak_counters NS ADDR TCPPORT UDPPORT ICMPID: count in NS what napt
# should never have let in from outside the LAN: TCP/UDP to other ports
# than the live flows', ICMP queries but the live ping's replies, ICMP
# errors whose embedded packet is not one ADDR sent ("leak"); and errors
# from the fuzzer's addresses ("err_fuzz_net": some are allowed, those
# about a live session).
leak_counters()
{
	local addr errors

	addr=$(printf '0x%02x%02x%02x%02x' ${2//./ })
	errors="destination-unreachable, source-quench, redirect, time-exceeded, parameter-problem"
	in_ns "$1" nft -f - <<-EOF
	table ip fuzz {
		counter leak {}
		counter err_fuzz_net {}
		chain pre {
			type filter hook prerouting priority -500; policy accept;
			# the router refragments what it reassembled: the
			# first fragment has the header to judge by
			ip frag-off & 0x1fff != 0 return
			meta l4proto tcp tcp dport != $3 jump leak
			meta l4proto udp udp dport != $4 jump leak
			icmp type { echo-reply, timestamp-reply } @th,32,16 != $5 jump leak
			icmp type != { echo-reply, timestamp-reply, $errors } jump leak
			icmp type { $errors } @th,160,32 != $addr jump leak
			icmp type { $errors } ip saddr 203.0.113.0/24 counter name err_fuzz_net
		}
		chain leak {
			counter name leak
			limit rate 20/minute burst 20 packets log prefix "napt-fuzz-leak: "
		}
	}
	EOF
}

# leak_log [WHERE]: what the leak counters logged (nf_log_all_netns=1):
# in the LAN, or "wan-" for what left through the WAN.
leak_log()
{
	dmesg | grep -o "napt-fuzz-${1:-}leak: .*" | sed 's/MAC=[^ ]* //' |
		head -n 40
}

counter_packets()
{
	in_ns "$1" nft -j list counter ip fuzz "$2" |
		jq '[.nftables[] | select(.counter) | .counter.packets] | add // 0'
}

# mappings_to NAME: `mapping list` into $NAPT_TMP/NAME (it can be long).
mappings_to()
{
	mappings >"$NAPT_TMP/$1"
}

# new_mappings BEFORE AFTER: the mappings of AFTER (files of
# mappings_to) whose internal endpoint BEFORE did not have.
new_mappings()
{
	jq -c --slurpfile b "$NAPT_TMP/$1" '($b[0] | map([.proto,
		.internal_addr, .internal_port, .remote_addr])) as $old |
		[.[] | select([.proto, .internal_addr, .internal_port,
		.remote_addr] as $k | $old | index([$k]) | not)]' \
		"$NAPT_TMP/$2"
}

# allowed_not JSON: the mappings whose internal address is not one the
# generator sends packets that may open a mapping from (192.168.1.100-115
# valid, .150-165 dubious).
allowed_not()
{
	jq -c '[.[] | select(.internal_addr |
		test("^192\\.168\\.1\\.(10[0-9]|11[0-5]|15[0-9]|16[0-5])$") | not)]' <<<"$1"
}

# by_range JSON: how many mappings have an internal address in each range.
by_range()
{
	jq -r '[.[] | .internal_addr | split(".") as $a |
		if ($a[0:3] | join(".")) != "192.168.1" then "other"
		else ($a[3] | tonumber) |
		if . >= 100 and . < 116 then "valid"
		elif . >= 150 and . < 166 then "dubious"
		elif . >= 200 and . < 216 then "invalid"
		else "other" end end] | group_by(.) |
		map("\(.[0]) \(length)") | join(", ")' <<<"$1"
}

# short_list JSON: one line per mapping, at most 20 (for the log).
short_list()
{
	jq -r '.[] | "\(.proto) \(.internal_addr):\(.internal_port // "-") -> :\(.external_port // "-") remote \(.remote_addr // "-")"' <<<"$1" |
		head -n 20
}

# ---------------------------------------------------------------------
# Test cases

test_live_flows()
{
	local tport uport iid

	bg_in "$NS_LAN1" hold "${PKT[@]}" tcp-session --bind "$LIVE_TCP" \
		--to "$SRV_ADDR:7" --close hold --until "$NAPT_TMP/hold.go"
	HOLD_PID=$BG_PID
	pkt_in "$NS_LAN1" udp-client --bind "$LIVE_UDP" --to "$SRV_ADDR:7" \
		--count 2 || fail "no UDP echo from $SRV_ADDR" || return
	bg_in "$NS_LAN1" ping ping -n -i 1 -w 900 -e "$LIVE_ICMP_ID" "$SRV_ADDR"
	wait_for -t 30 grep -q established "$NAPT_TMP/hold" ||
		fail "the TCP connection to hold did not open" || return
	wait_for -t 10 mapping_present proto icmp internal "$LAN1_ADDR:$LIVE_ICMP_ID" ||
		fail "no ICMP mapping for the ping" || return

	tport=$(mapping_field external_port proto tcp internal "$LIVE_TCP") &&
		uport=$(mapping_field external_port proto udp internal "$LIVE_UDP") &&
		iid=$(mapping_field external_port proto icmp internal "$LAN1_ADDR:$LIVE_ICMP_ID") ||
		fail "not one mapping for each live flow" || return
	LIVE=(--live "tcp:$tport:$LAN1_ADDR:${LIVE_TCP#*:}:$SRV_ADDR:7"
	      --live "udp:$uport:$LAN1_ADDR:${LIVE_UDP#*:}:$SRV_ADDR:7"
	      --live "icmp:$iid:$LAN1_ADDR:$LIVE_ICMP_ID:$SRV_ADDR:0")
	echo "live: ${LIVE[*]}"
	mappings_to map_start
	echo "naptctl -j mapping list: $(cat "$NAPT_TMP/map_start")"
	echo "naptctl -j stats: $(in_ns "$NS_ROUTER" naptctl -j stats)"
	leak_counters "$NS_LAN1" "$LAN1_ADDR" "${LIVE_TCP#*:}" "${LIVE_UDP#*:}" "$LIVE_ICMP_ID" &&
		leak_counters "$NS_LAN2" "$LAN2_ADDR" 0 0 0 ||
		fail "cannot set up the nft counters in the LAN" || return
	# Nothing may leave the WAN with a LAN host's address as its source.
	# The LAN's subnet, not all of 192.168/16: the router's reverse-path
	# filter keeps the fuzzer from sending from the LAN's own addresses,
	# but what it sends from others (mutated 192.168.9.1, say) to a
	# mutated destination (204.200.200.200) is routed back out of the
	# WAN, untouched, as a router routes between Internet hosts.
	in_ns "$NS_INET" nft -f - <<-EOF || fail "cannot set up nft in $NS_INET"
	table ip fuzz {
		counter leak {}
		chain pre {
			type filter hook prerouting priority -500; policy accept;
			iifname eth0 ip saddr 192.168.1.0/24 jump leak
		}
		chain leak {
			counter name leak
			limit rate 20/minute burst 20 packets log prefix "napt-fuzz-wan-leak: "
		}
	}
	EOF
}

test_wan_fuzz()
{
	local lost

	[ ${#LIVE[@]} -gt 0 ] || fail "no live flows to aim at" || return
	stats_mark
	WAN_MARK=$NAPT_STATS_MARK
	lost=$(softnet_drops)
	fuzz "$NS_INET" eth0 "$(mac_of "$NS_ROUTER" wan0)" wan --side wan \
		-s "$SEED" -n "$N_WAN" --frag-seq 0 || return
	WAN_LOST=$(($(softnet_drops) - lost))
	echo "frames dropped by a full receive backlog: $WAN_LOST"
	stats_deltas xlate-in drop-no-mapping drop-filtered drop-malformed \
		drop-unsupported icmp-err mappings-created
}

test_wan_drops()
{
	local nomap mal

	[ -s "$NAPT_TMP/wan" ] || fail "the WAN side did not run" || return
	NAPT_STATS_MARK=$WAN_MARK
	# A frame the router's backlog dropped never reached napt: each
	# such loss may take one from what napt could count.
	nomap=$(($(report wan drop-no-mapping) - WAN_LOST))
	mal=$(($(report wan drop-malformed) - WAN_LOST))
	echo "expected at least: drop-no-mapping +$nomap, drop-malformed +$mal (less $WAN_LOST frames lost)"
	wait_for -t 10 stats_delta_ge drop-no-mapping "$nomap"
	wait_for -t 10 stats_delta_ge drop-malformed "$mal"
	stats_deltas drop-no-mapping drop-malformed drop-filtered
	stats_delta_ge drop-no-mapping "$nomap" ||
		fail "drop-no-mapping grew by $(stats_delta drop-no-mapping), expected $nomap or more (packets to unmapped ports of the dynamic range)" ||
		return
	stats_delta_ge drop-malformed "$mal" ||
		fail "drop-malformed grew by $(stats_delta drop-malformed), expected $mal or more (truncated headers napt must read)"
}

# lan_leaks: no packet napt should have kept out reached LAN1 or LAN2.
lan_leaks()
{
	local ns leak rc=0

	for ns in "$NS_LAN1" "$NS_LAN2"; do
		leak=$(counter_packets "$ns" leak)
		echo "${ns%%-*}: $leak packets napt should not have let in"
		[ "$leak" = 0 ] || rc=1
	done
	[ $rc -eq 0 ] && return
	leak_log
	fail "packets reached a LAN host without a mapping that admits them"
}

test_wan_no_leak()
{
	local n_err max_err

	lan_leaks || return
	n_err=$(counter_packets "$NS_LAN1" err_fuzz_net)
	max_err=$(report wan icmp-err-live)
	echo "ICMP errors from 203.0.113.0/24 in LAN1: $n_err (at most $max_err were about a live session)"
	[ "$n_err" -le "$max_err" ] ||
		fail "$n_err ICMP errors from the fuzzer reached LAN1, only $max_err were about a live session"
}

test_wan_no_mapping()
{
	local created new

	NAPT_STATS_MARK=$WAN_MARK
	created=$(stats_delta mappings-created)
	mappings_to map_wan
	new=$(new_mappings map_start map_wan)
	echo "mappings: $(jq length "$NAPT_TMP/map_start") before, $(jq length "$NAPT_TMP/map_wan") now"
	short_list "$new" | sed 's/^/new: /'
	[ "$created" = 0 ] && [ "$new" = "[]" ] ||
		fail "$created mappings were made while only the Internet sent packets"
}

test_lan_invalid()
{
	local created new

	mappings_to map_lan_before
	stats_mark
	fuzz "$NS_LAN2" eth0 "$(mac_of "$NS_ROUTER" lan0)" lan_invalid \
		--side lan --only invalid -s "$((SEED + 1))" \
		-n "$N_LAN_INVALID" --frag-seq 0 || return
	stats_deltas xlate-out drop-no-mapping drop-malformed \
		drop-unsupported hairpin mappings-created
	created=$(stats_delta mappings-created)
	mappings_to map_lan_invalid
	new=$(new_mappings map_lan_before map_lan_invalid)
	short_list "$new" | sed 's/^/new: /'
	[ "$created" = 0 ] && [ "$new" = "[]" ] ||
		fail "$created mappings were made from packets that must not open one"
}

test_lan_mixed()
{
	local new bad

	mappings_to map_lan_before
	stats_mark
	fuzz "$NS_LAN2" eth0 "$(mac_of "$NS_ROUTER" lan0)" lan_mixed \
		--side lan -s "$((SEED + 2))" -n "$N_LAN_MIX" \
		--frag-seq 0x80000 || return
	stats_deltas xlate-out drop-no-mapping drop-malformed \
		drop-unsupported drop-filtered hairpin mappings-created
	mappings_to map_lan_mixed
	new=$(new_mappings map_lan_before map_lan_mixed)
	echo "new mappings by source: $(by_range "$new")"
	bad=$(allowed_not "$new")
	short_list "$bad" | sed 's/^/not allowed: /'
	[ "$bad" = "[]" ] ||
		fail "$(jq length <<<"$bad") mappings for sources that sent only packets that must not open one"
}

test_no_leak()
{
	local leak

	leak=$(counter_packets "$NS_INET" leak)
	echo "left through the WAN with a LAN source: $leak"
	[ "$leak" = 0 ] || {
		leak_log wan-
		fail "$leak packets left the router untranslated"
		return
	}
	lan_leaks
}

test_still_translating()
{
	local x_tcp=$LAN1_ADDR:40201 x_udp=$LAN1_ADDR:40200 n_tcp n_udp p out

	n_tcp=$(log_lines srv_tcp)
	n_udp=$(log_lines srv_udp)
	pkt_in "$NS_LAN1" tcp-client --bind "$x_tcp" --to "$SRV_ADDR:7" \
		--bytes 200000 || fail "a fresh TCP connection failed" || return
	pkt_in "$NS_LAN1" udp-client --bind "$x_udp" --to "$SRV_ADDR:7" \
		--count 5 || fail "a fresh UDP flow got no echo" || return
	out=$({ log_since srv_tcp "$n_tcp"; log_since srv_udp "$n_udp"; })
	cut -d' ' -f1-4 <<<"$out" | sed 's/^/server: /'
	p=$(mapping_field external_port proto tcp internal "$x_tcp") ||
		fail "no TCP mapping for $x_tcp" || return
	grep -q "^tcp-done $WAN_ADDR $p 200000 " <<<"$out" ||
		fail "the server did not see the TCP flow from $WAN_ADDR:$p" ||
		return
	p=$(mapping_field external_port proto udp internal "$x_udp") ||
		fail "no UDP mapping for $x_udp" || return
	[ "$(awk -v w="$WAN_ADDR" -v p="$p" '$1 == "udp" && $2 == w && $3 == p' <<<"$out" |
	     wc -l)" = 5 ] ||
		fail "the server did not see 5 datagrams from $WAN_ADDR:$p" ||
		return
	! awk -v w="$WAN_ADDR" '$2 != w' <<<"$out" | grep -q . ||
		fail "the server saw a source other than $WAN_ADDR" || return
	# The connection held through it all: only a diagnostic, as forged
	# RSTs with its exact tuple may legitimately have cut it short.
	touch "$NAPT_TMP/hold.go"
	if wait "$HOLD_PID"; then
		echo "the TCP connection held through the fuzzing still works"
	else
		echo "note: the TCP connection held through the fuzzing broke"
	fi
	show_log hold
}

test_kernel_log()
{
	local splats

	splats=$(kmsg_splats)
	[ -z "$splats" ] || { echo "$splats"; fail "the kernel logged the above"; }
}

ktap_print_header
ktap_set_plan 10
echo "# seed: $SEED (replay: make test TESTS=napt_fuzz_pkt.sh NAPT_SEED=$SEED)"
echo "# packets: $N_WAN from the WAN, $((N_LAN_INVALID + N_LAN_MIX)) from the LAN"
kmsg_mark
traffic_setup
# The fuzzer's addresses lead nowhere: the router's answers to them die
# quietly in NS_INET (no ICMP storm back at W), and the router answers
# the fuzzer at the default rate only.
in_ns "$NS_INET" ip route add blackhole 203.0.113.0/24
in_ns "$NS_INET" ip route add blackhole 198.51.100.0/24
in_ns "$NS_ROUTER" sysctl -qw net.ipv4.icmp_ratelimit=1000
# A router filters sources by reverse path: else its own stack answers
# the fuzzer's LAN-looking sources (192.168.1.255) into the LAN, and
# routes them back out of the WAN.
in_ns "$NS_ROUTER" sysctl -qw net.ipv4.conf.all.rp_filter=1
# The LAN's nft log says what leaked in (netns logging is off by default).
if [ -w /proc/sys/net/netfilter/nf_log_all_netns ]; then
	defer sysctl -qw net.netfilter.nf_log_all_netns="$(sysctl -n net.netfilter.nf_log_all_netns)"
	sysctl -qw net.netfilter.nf_log_all_netns=1
fi
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	servers_ready ||
	ktap_exit_fail_msg "the servers did not start"

run_test "live TCP, UDP and ICMP flows to aim at" test_live_flows
run_test "WAN side: $N_WAN hostile packets at W" test_wan_fuzz
run_test "WAN side: drops counted as no-mapping and malformed" test_wan_drops
run_test "WAN side: nothing reached the LAN without a mapping for it" test_wan_no_leak
run_test "WAN side: no mapping made from the Internet" test_wan_no_mapping
run_test "LAN side: $N_LAN_INVALID packets that must not open a mapping open none" test_lan_invalid
run_test "LAN side: $N_LAN_MIX mixed packets, mappings only for valid sources" test_lan_mixed
run_test "nothing left the WAN untranslated, nothing got into the LAN" test_no_leak
run_test "still translating: fresh TCP and UDP flows leave from W" test_still_translating
run_test "kernel log clean (no WARN, BUG, KASAN, UBSAN)" test_kernel_log
echo "# took ${SECONDS}s"
tests_done
