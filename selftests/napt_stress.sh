#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# napt under load and churn: a table filled to max-mappings drops new
# flows and counts them while the old ones keep working, and once they
# expire the memory is back; one host wanting more flows than the port
# range has ports is refused cleanly, with no lockup; the configuration,
# the WAN address, the instance, whole namespaces and the module itself
# come and go while traffic flows, leaving a clean kernel log, no leak
# and working traffic; a SYN flood from the Internet (at a forward, at
# napt's dynamic ports, at other ports) leaves the tables bounded and the
# legitimate flows working.
#
#  NS_LAN1 192.168.1.2 --+
#                        +-- lan0 [NS_ROUTER: napt] wan0 W = 200.200.200.200
#  NS_LAN2 192.168.1.3 --+   192.168.1.1       |     (.201 while churning)
#  (TCP echo on :8080,                    NS_INET 200.200.200.1  <- SYN flood
#   forwarded from W:8080)                       |
#                                 NS_SRV 100.100.100.100  (UDP and TCP echo on :7)
#
# NAPT_LONG=1: more flows, 500 churn rounds (25 by default), a longer flood.

source "$(dirname "$0")/lib_traffic.sh"

require_traffic
require_cmd ping rmmod awk nsenter

LONG=${NAPT_LONG:-0}
if [ "$LONG" = 1 ]; then
	MAX_MAPPINGS=20000
	ROUNDS=500
	FLOOD=200000
else
	MAX_MAPPINGS=2000
	# A round takes 1.5 to 3 s under TCG: 100 rounds and the rest
	# would not fit the runner's 300 s per test (settings).
	ROUNDS=25
	FLOOD=4000
fi
WAN_ADDR2=200.200.200.201

# open_flows NS SRC_ADDR FIRST_PORT N [DPORT]: one UDP datagram from each
# of N source ports to the server (its discard port unless DPORT): N new
# flows as fast as one python can make them.
open_flows()
{
	in_ns "$1" "$PYTHON" -S -c '
import socket, sys
addr, first, n, dst, dport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
for p in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, p))
    s.sendto(b"x", (dst, dport))
    s.close()
' "$2" "$3" "$4" "$SRV_ADDR" "${5:-9}"
}

# syn_flood NS DST PORTS N SRC: N TCP SYNs to DST, from random spoofed
# sources in SRC (A.B.C.D/PLEN) and random ports, through a raw socket.
# PORTS: P, or LO-HI (a random port in it each time).
syn_flood()
{
	in_ns "$1" "$PYTHON" -S -c '
import random, socket, struct, sys
dst, ports, n, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lo, _, hi = ports.partition("-")
lo = int(lo); hi = int(hi or lo)
net, plen = src.split("/")
base = struct.unpack("!I", socket.inet_aton(net))[0]
span = 1 << (32 - int(plen))
daddr = socket.inet_aton(dst)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    t += t >> 16
    return ~t & 0xffff
rnd = random.Random(7)
for i in range(n):
    saddr = struct.pack("!I", base + rnd.randrange(1, span - 1) if span > 2 else base)
    sport = rnd.randrange(1024, 65536)
    dport = rnd.randint(lo, hi)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, rnd.getrandbits(32), 0,
                      5 << 4, 0x02, 65535, 0, 0)
    c = csum(saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6,
                     0, saddr, daddr)
    try:
        s.sendto(ip + tcp, (dst, 0))
    except OSError:
        pass
print("sent %d SYNs to %s:%s" % (n, dst, ports))
' "$2" "$3" "$4" "$5"
}

# prober NS LOGNAME SRC: a UDP echo probe from SRC (A:P) to the server
# every 0.25 s until $NAPT_TMP/LOGNAME.stop exists, counting what comes
# back; never fails (the churn breaks flows on purpose). Prints "sent N
# echoed M" at the end.
prober()
{
	bg_in "$1" "$2" "$PYTHON" -S -c '
import os, socket, sys, time
stop, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
a, p = src.split(":")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a, int(p)))
s.settimeout(0.25)
sent = got = 0
while not os.path.exists(stop):
    try:
        s.sendto(b"probe %d" % sent, (dst, 7))
        sent += 1
    except OSError:
        pass
    end = time.monotonic() + 0.25
    while time.monotonic() < end:
        try:
            s.recv(100)
            got += 1
        except OSError:
            break
print("sent %d echoed %d" % (sent, got))
' "$NAPT_TMP/$2.stop" "$3" "$SRV_ADDR"
}

# udp_ok NS X:x: a datagram from X:x to the server's echo comes back.
udp_ok()
{
	pkt_in "$1" udp-client --bind "$2" --to "$SRV_ADDR:7" --count 1 \
		--timeout 5 >/dev/null
}

stat_is()
{
	[ "$(napt_stat "$1")" = "$2" ]
}

stat_le()
{
	[ "$(napt_stat "$1")" -le "$2" ] 2>/dev/null
}

stat_ge()
{
	[ "$(napt_stat "$1")" -ge "$2" ] 2>/dev/null
}

# slab_kb: napt's slab caches, in KiB (objects times size), after asking
# SLUB to give back empty slabs; with merged caches (no napt line in
# /proc/slabinfo), the Slab: line of /proc/meminfo.
slab_kb()
{
	local c

	for c in /sys/kernel/slab/napt_*; do
		[ -w "$c/shrink" ] && echo 1 >"$c/shrink" 2>/dev/null
	done
	if grep -q '^napt_' /proc/slabinfo 2>/dev/null; then
		awk '/^napt_/ { kb += $3 * $4 / 1024 } END { printf "%d\n", kb }' /proc/slabinfo
	else
		awk '/^Slab:/ { print $2 }' /proc/meminfo
	fi
}

slab_source()
{
	if grep -q '^napt_' /proc/slabinfo 2>/dev/null; then
		echo "/proc/slabinfo napt_* (allocated objects x size)"
	else
		echo "Slab: of /proc/meminfo (napt's caches are merged with others)"
	fi
}

# ---------------------------------------------------------------------

test_table_full()
{
	local keep=$LAN1_ADDR:19999 extra=$((MAX_MAPPINGS / 4)) slab0 slab1 slab2
	local created full tol

	napt_reset || return 1
	in_ns "$NS_ROUTER" naptctl mapping flush
	wait_for -t 30 stat_is mappings 0 || fail "mappings left from before" || return
	slab0=$(slab_kb)
	for c in napt_mapping napt_session napt_peer; do
		grep -q "^$c " /proc/slabinfo 2>/dev/null ||
			echo "($c is merged into another cache: not in the slab figure; the counters speak for it)"
	done
	napt_cmd set max-mappings "$MAX_MAPPINGS" timeout udp 30 timeout icmp 30 ||
		return 1
	stats_mark
	udp_ok "$NS_LAN1" "$keep" || fail "$keep: no echo before the table fills" || return
	# Half the flows from each host, then more than fit.
	open_flows "$NS_LAN1" "$LAN1_ADDR" 20000 $((MAX_MAPPINGS / 2)) &&
		open_flows "$NS_LAN2" "$LAN2_ADDR" 20000 $((MAX_MAPPINGS / 2 + extra)) ||
		fail "the flow opener failed" || return
	wait_for -t 60 stat_is mappings "$MAX_MAPPINGS" ||
		fail "$(napt_stat mappings) mappings, expected the cap $MAX_MAPPINGS" || return
	# The flow made first still works (well before its 30 s are up).
	udp_ok "$NS_LAN1" "$keep" || fail "$keep: an old flow broken in a full table" || return
	wait_for -t 30 stats_delta_ge drop-table-full "$extra" ||
		fail "drop-table-full grew by $(stats_delta drop-table-full), expected $extra or more" ||
		return
	stats_deltas mappings-created drop-table-full mappings sessions
	created=$(stats_delta mappings-created)
	[ "$created" = "$MAX_MAPPINGS" ] ||
		fail "$created mappings created, the cap is $MAX_MAPPINGS" || return
	full=$(slab_kb)
	grep '^napt_' /proc/slabinfo | awk '{ print "slabinfo:", $1, $2, "objects of", $4, "bytes" }'
	# A new one is refused.
	! pkt_in "$NS_LAN1" udp-client --bind "$LAN1_ADDR:19998" --to "$SRV_ADDR:7" \
		--count 1 --timeout 2 >/dev/null ||
		fail "a new flow got through a full table" || return
	stat_is mappings "$MAX_MAPPINGS" || fail "the mapping count moved past the cap" || return

	# Idle now: all of it expires, and the memory goes back.
	wait_for -t 120 stat_is mappings 0 ||
		fail "$(napt_stat mappings) mappings left long after their 30 s timeout" || return
	wait_for -t 30 stat_is sessions 0 || fail "$(napt_stat sessions) sessions left" || return
	slab1=$(slab_kb)
	echo "slab ($(slab_source)): $slab0 KiB before, $full KiB full, $slab1 KiB after expiry"
	[ "$full" -gt "$slab0" ] ||
		echo "(the full table did not show in the slab figure: compared anyway)"
	# Back to the start, give or take a quarter of what the table took
	# (and 256 KiB of noise on a merged figure).
	tol=$(((full - slab0) / 4))
	[ "$tol" -ge 256 ] || tol=256
	[ "$slab1" -le $((slab0 + tol)) ] ||
		fail "slab did not come back: $slab1 KiB after, $slab0 KiB before (tolerance $tol)" ||
		return
	stats_deltas mappings-expired
	[ "$(stats_delta mappings-expired)" -ge "$MAX_MAPPINGS" ] ||
		fail "mappings-expired did not count the expired mappings"
	slab2=$slab1
	: "$slab2"
}

test_port_exhaustion()
{
	local first=$LAN1_ADDR:29999 n=$((LONG == 1 ? 5000 : 500)) t0 t1 splats

	napt_reset || return 1
	napt_cmd set ports 20000-20009 max-per-host 100000 || return 1
	stats_mark
	kmsg_mark
	udp_ok "$NS_LAN1" "$first" || fail "$first: no echo" || return
	t0=$(date +%s)
	open_flows "$NS_LAN1" "$LAN1_ADDR" 30000 "$n" ||
		fail "the flow opener failed" || return
	t1=$(date +%s)
	echo "$n flows wanting 10 ports: $((t1 - t0)) s"
	wait_for -t 30 stats_delta_ge drop-no-port $((n - 9)) ||
		fail "drop-no-port grew by $(stats_delta drop-no-port), expected $((n - 9)) or more" ||
		return
	stats_deltas mappings-created drop-no-port drop-host-cap mappings
	[ "$(napt_stat mappings)" -le 10 ] ||
		fail "$(napt_stat mappings) mappings on a range of 10 ports" || return
	mappings | jq -e 'all(.[]; .external_port >= 20000 and .external_port <= 20009)' >/dev/null ||
		fail "a mapping outside the range 20000-20009" || return
	udp_ok "$NS_LAN1" "$first" || fail "$first: the flow made first broke" || return
	splats=$(kmsg_splats)
	[ -z "$splats" ] || { echo "$splats" | head -n 40; fail "the kernel logged a bug"; }
}

# A flush is all or nothing too: of a full table, nothing is left.
test_flush_full()
{
	local n=$MAX_MAPPINGS left round

	napt_reset || return 1
	napt_cmd set max-mappings $((n * 2)) timeout udp 600 || return 1
	# Whether a walk misses something depends on where the entries
	# hash: a few rounds, each from other ports.
	for round in 1 2; do
		open_flows "$NS_LAN1" "$LAN1_ADDR" $((21000 + round * n)) $((n / 2)) &&
			open_flows "$NS_LAN2" "$LAN2_ADDR" $((21000 + round * n)) $((n / 2)) ||
			fail "the flow opener failed" || return
		wait_for -t 60 stat_ge mappings "$n" ||
			fail "only $(napt_stat mappings) mappings, expected $n" || return
		in_ns "$NS_ROUTER" naptctl mapping flush || return 1
		left=$(mapping_count)
		echo "round $round: after 'mapping flush' of $n mappings: $left listed, counter $(napt_stat mappings), sessions $(napt_stat sessions)"
		[ "$left" = 0 ] && stat_is mappings 0 && stat_is sessions 0 || {
			mappings | jq -c '.[]' | head -n 10
			fail "'mapping flush' left $left mappings behind"
			return
		}
	done
}

# rctl ARGS...: naptctl in NS_ROUTER, quickly (nsenter: no sysfs
# remount as with ip netns exec; it counts under TCG, 100 rounds long).
rctl()
{
	nsenter --net="/run/netns/$NS_ROUTER" naptctl "$@"
}

# churn_round I: one round of configuration churn (see test_churn).
churn_round()
{
	local i=$1 ns from to

	rctl forward add $((9000 + i % 50)) "$LAN2_ADDR:8080" proto tcp \
		descr "churn $i" >/dev/null 2>&1
	rctl forward del $((9000 + (i + 25) % 50)) >/dev/null 2>&1
	if [ $((i % 2)) = 0 ]; then
		rctl set timeout udp $((5 + i % 30)) timeout tcp-est $((60 + i)) \
			filtering $(((i % 4 == 0)) && echo eif || echo adf) || return 1
	fi
	case $((i % 10)) in
	1|6)	# The WAN address moves, from .200 to .201 or back.
		from=$WAN_ADDR to=$WAN_ADDR2
		if ! ip -n "$NS_ROUTER" -4 addr show dev wan0 | grep -qF " $WAN_ADDR/"; then
			from=$WAN_ADDR2 to=$WAN_ADDR
		fi
		ip -n "$NS_ROUTER" addr add "$to/24" dev wan0 &&
			ip -n "$NS_ROUTER" addr del "$from/24" dev wan0 &&
			ip -n "$NS_ROUTER" route replace default via "$INET_ADDR" ||
			return 1
		;;
	2|7)	# The instance goes and comes back.
		rctl wan del && rctl wan set dev wan0 || return 1
		;;
	3|8)	# A namespace with an instance of its own, deleted.
		ns=churn-$NAPT_RUN_ID-$i
		ip netns add "$ns" || return 1
		{ ip -n "$ns" link add dummy0 type dummy &&
			ip -n "$ns" addr add 10.9.9.9/24 dev dummy0 &&
			ip -n "$ns" link set dummy0 up &&
			echo "wan set dev dummy0
set max-mappings 10
forward add 80 10.9.9.10" | nsenter --net="/run/netns/$ns" naptctl restore -
		} || { ip netns del "$ns"; return 1; }
		ip netns del "$ns" || return 1
		;;
	4)	# Mappings flushed under the traffic.
		rctl mapping flush || return 1
		;;
	5)	# Everything at once.
		echo "wan set dev wan0
set timeout udp 20
forward add 8080 $LAN2_ADDR:8080 proto tcp" | rctl restore - || return 1
		;;
	esac
	if [ $((i % 12)) = 0 ]; then
		# The module goes, with instances and traffic, and comes back.
		napt_unload || { echo "rmmod napt failed"; return 1; }
		modprobe napt && in_ns "$NS_ROUTER" naptctl wan set dev wan0 || return 1
	fi
}

test_churn()
{
	local i t0 pids=() rc=0 leaks splats

	napt_reset || return 1
	in_ns "$NS_ROUTER" sysctl -qw net.ipv4.conf.wan0.promote_secondaries=1
	kmsg_mark
	kmemleak_available && echo clear >/sys/kernel/debug/kmemleak
	prober "$NS_LAN1" probe1 "$LAN1_ADDR:47001"
	pids+=("$BG_PID")
	bg_in "$NS_LAN2" ping ping -n -q -i 0.5 -W 1 "$SRV_ADDR"
	pids+=("$BG_PID")
	t0=$(date +%s)
	for ((i = 1; i <= ROUNDS; i++)); do
		churn_round "$i" || { echo "round $i failed"; rc=1; break; }
		[ $((i % 10)) = 0 ] && echo "$i rounds, $(($(date +%s) - t0)) s"
	done
	echo "$((i - 1)) rounds in $(($(date +%s) - t0)) s"
	touch "$NAPT_TMP/probe1.stop"
	kill -INT "${pids[1]}" 2>/dev/null
	bg_wait "${pids[0]}"
	wait "${pids[1]}"
	show_log probe1
	show_log ping | tail -n 2
	[ $rc -eq 0 ] || fail "a churn step failed" || return

	# Back to W = .200 with napt on, and traffic works.
	ip -n "$NS_ROUTER" addr add "$WAN_ADDR/24" dev wan0 2>/dev/null
	ip -n "$NS_ROUTER" addr del "$WAN_ADDR2/24" dev wan0 2>/dev/null
	ip -n "$NS_ROUTER" route replace default via "$INET_ADDR"
	napt_reset || return 1
	udp_ok "$NS_LAN1" "$LAN1_ADDR:47101" || fail "no UDP echo after the churn" || return
	pkt_in "$NS_LAN2" tcp-client --bind "$LAN2_ADDR:47102" --to "$SRV_ADDR:7" \
		--bytes 20000 >/dev/null || fail "no TCP echo after the churn" || return
	in_ns "$NS_LAN1" ping -n -c 1 -W 5 "$SRV_ADDR" >/dev/null ||
		fail "no ping reply after the churn" || return

	# Nothing left behind: the module unloads with its caches empty.
	napt_unload || fail "rmmod napt after the churn" || return
	modprobe napt && napt_reset || return 1
	splats=$(kmsg_splats; dmesg | tail -n +"$((NAPT_KMSG_MARK + 1))" |
		grep -E 'Objects remaining|kmem_cache_destroy|napt.*(leak|busy)')
	[ -z "$splats" ] || { echo "$splats" | head -n 60; fail "the kernel logged a bug"; return; }
	if kmemleak_available; then
		leaks=$(kmemleak_report | grep -B3 -A20 napt)
		[ -z "$leaks" ] || { echo "$leaks" | head -n 60; fail "kmemleak reports napt objects"; return; }
		echo "kmemleak: no napt object reported"
	else
		echo "kmemleak: not available in this kernel (no /sys/kernel/debug/kmemleak): leak check by module unload only"
	fi
}

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

# timed TEST: run TEST, then say how long it took (for the TCG budget).
timed()
{
	local t0=$SECONDS rc

	"$@"
	rc=$?
	echo "($1: $((SECONDS - t0)) s)"
	return $rc
}

ktap_print_header
ktap_set_plan 5
traffic_setup
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	start_tcp_server "$NS_LAN2" "$LAN2_ADDR" 8080 lan_tcp &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "table full ($MAX_MAPPINGS): new flows dropped and counted, old ones work, all expires, slab back" timed test_table_full
run_test "mapping flush of $MAX_MAPPINGS mappings leaves none" timed test_flush_full
run_test "10 ports, one host wants more: extras refused and counted, no lockup" timed test_port_exhaustion
run_test "$ROUNDS rounds of config, WAN, instance, netns and module churn under traffic" timed test_churn
run_test "SYN flood at a forward, at napt's ports, at others: tables bounded, flows work" timed test_syn_flood
tests_done
