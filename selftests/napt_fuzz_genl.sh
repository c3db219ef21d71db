#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# napt's generic netlink family under hostile input (napt_fuzz_genl, from
# a seed): random and malformed requests, valid ones with random values,
# dumps cut short while the tables hold thousands of entries. Every
# request that asks for an answer gets one, a refused request changes
# nothing, an accepted one is applied whole; without CAP_NET_ADMIN (uid
# 65534, or root of a user namespace, which does not own the router's
# network namespace) everything but VERSION_GET is refused with EPERM
# and nothing changes. Afterwards a real flow still translates and the
# kernel has logged nothing bad.
#
#  NS_LAN1 192.168.1.2 --+                       napt_fuzz_genl runs here
#                        +-- lan0 [NS_ROUTER: napt] wan0 200.200.200.200 = W
#  NS_LAN2 192.168.1.3 --+   192.168.1.1            |
#                                      NS_INET 200.200.200.1
#                                                   |
#                                      NS_SRV 100.100.100.100  (UDP and TCP echo on :7)
#
# NAPT_SEED=N replays a run (the seed is printed as "# seed: N");
# NAPT_LONG=1 sends ten times as many messages.

source "$(dirname "$0")/lib_traffic.sh"

FUZZ=$NAPT_SELFTESTS_DIR/napt_fuzz_genl
NMSG=20000
NFILL=2000
NDUMPS=200
NMAPS=2000
if [ "${NAPT_LONG:-0}" = 1 ]; then
	NMSG=200000
	NDUMPS=2000
fi
SEED=${NAPT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

require_traffic
require_cmd setpriv unshare ping
if [ ! -x "$FUZZ" ]; then
	ktap_print_header
	echo "Bail out! $FUZZ is not built (make -C selftests)"
	exit "$KSFT_FAIL"
fi

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# open_flows NS SRC_ADDR FIRST_PORT N: one UDP datagram from each of N
# source ports to the server's discard port: N mappings, fast (one
# python, no waiting for answers).
open_flows()
{
	in_ns "$1" "$PYTHON" -S -c '
import socket, sys
addr, first, n, dst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for p in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, p))
    s.sendto(b"x", (dst, 9))
    s.close()
' "$2" "$3" "$4" "$SRV_ADDR"
}

# mappings_at_least N
mappings_at_least()
{
	[ "$(napt_stat mappings)" -ge "$1" ] 2>/dev/null
}

# fill_mappings: NMAPS live UDP mappings from LAN1 and LAN2, for the
# mapping dumps to walk.
fill_mappings()
{
	open_flows "$NS_LAN1" "$LAN1_ADDR" 20000 $((NMAPS / 2)) &&
		open_flows "$NS_LAN2" "$LAN2_ADDR" 20000 $((NMAPS / 2)) ||
		fail "cannot send the datagrams that open mappings" || return
	wait_for -t 60 mappings_at_least "$NMAPS" ||
		fail "only $(napt_stat mappings) mappings, expected $NMAPS" || return
	echo "$(napt_stat mappings) mappings live"
}

# state: what an unprivileged caller must not change, as root sees it.
state()
{
	in_ns "$NS_ROUTER" naptctl save
	in_ns "$NS_ROUTER" naptctl -j forward list | jq -c 'map(del(.hits))'
	napt_stat mappings
}

test_root()
{
	local stop=$NAPT_TMP/dumper.stop dpid rc=0

	napt_reset || return 1
	fill_mappings || return
	# A second client dumps (and abandons dumps) all along, read-only.
	bg_in "$NS_ROUTER" dumper "$FUZZ" -k -m dumper -n 0 -s "$((SEED + 1))" -S "$stop"
	dpid=$BG_PID
	in_ns "$NS_ROUTER" "$FUZZ" -k -m root -s "$SEED" -n "$NMSG" \
		-f "$NFILL" -d "$NDUMPS" || rc=1
	touch "$stop"
	wait "$dpid" || { echo "the concurrent dumper failed:"; rc=1; }
	show_log dumper
	[ $rc -eq 0 ] || fail "violations (see above; replay with NAPT_SEED=$SEED)"
}

# run_unprivileged HOW...: fuzz as an unprivileged caller, root checks
# that nothing changed.
run_unprivileged()
{
	local before after rc=0

	before=$(state)
	"$@" || rc=1
	after=$(state)
	[ $rc -eq 0 ] || fail "violations (see above; replay with NAPT_SEED=$SEED)" || return
	[ "$before" = "$after" ] || {
		diff <(echo "$before") <(echo "$after")
		fail "the unprivileged requests changed the state"
	}
}

unpriv_setup()
{
	napt_reset || return 1
	napt_cmd forward add 8080 "$LAN1_ADDR:80" descr keep >/dev/null &&
		napt_cmd forward add 5000-5010 "$LAN2_ADDR:6000" proto udp >/dev/null ||
		return 1
	fill_mappings
}

test_nobody()
{
	unpriv_setup || return 1
	echo "- as uid 65534, with the admin socket opened before (-m nobody)"
	run_unprivileged in_ns "$NS_ROUTER" "$FUZZ" -k -m nobody \
		-s "$((SEED + 2))" -n $((NMSG / 4)) -d 20 -p 20 || return
	echo "- started by setpriv as uid 65534 (-m eperm)"
	run_unprivileged in_ns "$NS_ROUTER" "${NOBODY[@]}" "$FUZZ" -k -m eperm \
		-s "$((SEED + 3))" -n $((NMSG / 4)) -d 20
}

test_userns()
{
	unpriv_setup || return 1
	echo "- root of a new user namespace, admin socket opened before (-m userns)"
	run_unprivileged in_ns "$NS_ROUTER" "$FUZZ" -k -m userns \
		-s "$((SEED + 4))" -n $((NMSG / 4)) -d 20 -p 20 || return
	echo "- started by unshare -U -r (-m eperm)"
	run_unprivileged in_ns "$NS_ROUTER" unshare -U -r "$FUZZ" -k -m eperm \
		-s "$((SEED + 5))" -n $((NMSG / 4)) -d 20
}

test_flow_after()
{
	local x=$LAN1_ADDR:45000 saw

	napt_reset || return 1
	pkt_in "$NS_LAN1" udp-client --bind "$x" --to "$SRV_ADDR:7" --count 3 ||
		fail "no UDP echo through napt after the fuzzing" || return
	saw=$(server_log srv_udp | awk -v w="$WAN_ADDR" '$1 == "udp" && $2 == w { n++ } END { print n + 0 }')
	[ "$saw" -ge 3 ] || fail "the server did not see the datagrams from W" || return
	pkt_in "$NS_LAN2" tcp-client --bind "$LAN2_ADDR:45001" --to "$SRV_ADDR:7" \
		--bytes 20000 >/dev/null || fail "no TCP echo through napt" || return
	in_ns "$NS_LAN1" ping -n -c 1 -W 5 "$SRV_ADDR" >/dev/null ||
		fail "no ping reply through napt" || return
	show_mappings
	# And the forwards work.
	start_tcp_server "$NS_LAN2" "$LAN2_ADDR" 8000 lan_tcp && servers_ready ||
		fail "the LAN server did not start" || return
	napt_cmd forward add 8000 "$LAN2_ADDR:8000" || return 1
	pkt_in "$NS_SRV" tcp-client --bind "$SRV_ADDR" --to "$WAN_ADDR:8000" \
		--bytes 1000 >/dev/null || fail "no TCP echo through a forward"
}

test_kmsg()
{
	local splats

	splats=$(kmsg_splats)
	[ -z "$splats" ] || { echo "$splats" | head -n 60; fail "the kernel logged a bug"; }
}

ktap_print_header
echo "# seed: $SEED"
ktap_set_plan 5
kmsg_mark
traffic_setup
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "root: $NMSG random and malformed requests answered, refusals change nothing, changes whole" test_root
run_test "uid 65534: all but VERSION_GET refused with EPERM, nothing changed" test_nobody
run_test "root of a user namespace: all but VERSION_GET refused with EPERM, nothing changed" test_userns
run_test "a real flow and a forward still translate after the fuzzing" test_flow_after
run_test "the kernel log is clean" test_kmsg
tests_done
