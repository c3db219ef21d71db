#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What napt's stress tests share (napt_stress.sh, napt_churn.sh,
# napt_synflood.sh): the topology, flow openers, a SYN flooder, a UDP
# echo prober and slab readings.
#
#  NS_LAN1 192.168.1.2 --+
#                        +-- lan0 [NS_ROUTER: napt] wan0 W = 200.200.200.200
#  NS_LAN2 192.168.1.3 --+   192.168.1.1       |     (.201 while churning)
#  (TCP echo on :8080,                    NS_INET 200.200.200.1  <- SYN flood
#   forwarded from W:8080)                       |
#                                 NS_SRV 100.100.100.100  (UDP and TCP echo on :7)
#
# NAPT_LONG=1: more flows, 500 churn rounds (25 by default), a longer flood.
# Each test is its own program: a few minutes each under TCG with other
# guests beside it, and a failure or a time-out names its part.

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
	# A round takes 1.5 to 4 s under TCG: 25 keep the churn to a
	# couple of minutes in every `make test`; NAPT_LONG=1 for more.
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

# stress_start PLAN: the KTAP header, the topology and its echo servers.
stress_start()
{
	ktap_print_header
	ktap_set_plan "$1"
	traffic_setup
	start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
		start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
		start_tcp_server "$NS_LAN2" "$LAN2_ADDR" 8080 lan_tcp &&
		servers_ready || ktap_exit_fail_msg "the servers did not start"
}
