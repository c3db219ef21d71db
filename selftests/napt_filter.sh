#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Filtering of dynamic mappings (RFC 4787 section 5, `naptctl set
# filtering eif|adf|apdf`): once LAN1's X:x has sent to Y:y and got its
# answer, unsolicited packets to its W:w from third parties are admitted
# or dropped (and counted drop-filtered) exactly as the mode says:
#
#	from			eif	adf	apdf
#	Y, another port		admit	admit	drop
#	another address		admit	drop	drop
#	Y:y itself		admit	admit	admit
#
# and for TCP a new remote endpoint may only open with a SYN (a bare ACK
# is dropped even with eif).
#
#  NS_LAN1 192.168.1.2 --+                                  (X:x = 192.168.1.2:40000, UDP;
#                        +-- lan0 [NS_ROUTER: napt] wan0 W    192.168.1.2:40010, TCP)
#  NS_LAN2 192.168.1.3 --+          200.200.200.200
#                                         |
#                           NS_INET 200.200.200.1           (a third party: another address,
#                                         |                  UDP from port 7000)
#                           NS_SRV 100.100.100.100           (Y:y = :7, TCP and UDP echo;
#                                                            another port: UDP 9999)
#
# The receiver on X:x logs every datagram with its source; it never
# answers, so a third party admitted never becomes a known peer.

source "$(dirname "$0")/lib_forward.sh"

require_forward

W=$WAN_ADDR
SRV=$SRV_ADDR
X_UDP=40000
X_TCP=40010

# tcp_ack.pl SRC SPORT DST DPORT: one bare TCP ACK, made by hand (a raw
# socket: nothing else sends an ACK without a connection).
write_tcp_ack()
{
	cat >"$NAPT_TMP/tcp_ack.pl" <<'EOF'
use strict;
use warnings;
use Socket;

my ($src, $sport, $dst, $dport) = @ARGV;
sub csum {
	my ($d) = @_;
	$d .= "\0" if length($d) % 2;
	my $s = 0;
	$s += $_ for unpack('n*', $d);
	$s = ($s & 0xffff) + ($s >> 16) while $s >> 16;
	return ~$s & 0xffff;
}
socket(my $s, PF_INET, SOCK_RAW, 6) or die "raw socket: $!\n";
bind($s, sockaddr_in(0, inet_aton($src))) or die "bind $src: $!\n";
my $tcp = pack('nnNNCCnnn', $sport, $dport, 0x4e415054, 0x4e415054,
	5 << 4, 0x10, 64240, 0, 0);
my $pseudo = inet_aton($src) . inet_aton($dst) . pack('CCn', 0, 6, length $tcp);
substr($tcp, 16, 2) = pack('n', csum($pseudo . $tcp));
send($s, $tcp, 0, sockaddr_in(0, inet_aton($dst))) or die "send: $!\n";
print "sent a bare ACK $src:$sport -> $dst:$dport\n";
EOF
}

# udp_mapping MODE: a fresh instance with filtering MODE, and X:x's UDP
# mapping, made by sending to Y:y and getting its echo; W:w's port in $WP.
udp_mapping()
{
	local n

	napt_reset && napt_cmd set filtering "$1" || fail "cannot set filtering $1" || return
	n=$(nlogged x)
	fwd_send "$NS_LAN1" $X_UDP "$SRV" 7 "hello-$1" || fail "cannot send" || return
	wait_logged x "$n" "udp $X_UDP ${SRV//./\\.} 7 hello-$1" ||
		fail "the echo of $SRV:7 did not come back to X:x" || return
	WP=$(mapping_field external_port proto udp internal "$LAN1_ADDR:$X_UDP") ||
		fail "no UDP mapping for $LAN1_ADDR:$X_UDP" || return
	echo "X:x $LAN1_ADDR:$X_UDP is W:w $W:$WP, it sent to $SRV:7"
}

# verdict admit|drop: admitted or dropped.
verdict()
{
	[ "$1" = admit ] && echo admitted || echo dropped
}

# probe NS PORT SRC_ADDR admit|drop WHAT: NS's socket on UDP PORT sends to
# W:w; X:x gets it from SRC_ADDR:PORT, or napt drops it as drop-filtered.
probe()
{
	local ns=$1 port=$2 src=$3 want=$4 what=$5 tag n

	tag=probe-$port-$RANDOM
	n=$(nlogged x)
	st_mark
	fwd_send "$ns" "$port" "$W" "$WP" "$tag" || fail "cannot send" || return
	if [ "$want" = admit ]; then
		wait_logged x "$n" "udp $X_UDP ${src//./\\.} $port $tag" ||
			fail "$what ($src:$port): not admitted, expected admitted ($(st_deltas drop-filtered xlate-in))" ||
			return
		[ "$(st_delta drop-filtered)" = 0 ] ||
			fail "$what: drop-filtered grew, yet the packet was admitted"
	else
		wait_for -t 10 st_delta_ge drop-filtered 1 ||
			fail "$what ($src:$port): drop-filtered did not grow, expected dropped ($(st_deltas drop-filtered xlate-in))" ||
			return
		! logged x "$n" ".* $tag" ||
			fail "$what ($src:$port): reached X:x, expected dropped" ||
			return
	fi
	echo "$what ($src:$port): $(verdict "$want") ($(st_deltas drop-filtered xlate-in))"
}

test_udp()
{
	local mode=$1 a=$2 b=$3 c=$4

	udp_mapping "$mode" || return
	# The exact remote last: it proves the mapping still lives.
	probe "$NS_SRV" 9999 "$SRV" "$a" "$mode: Y, another port" &&
		probe "$NS_INET" 7000 "$INET_ADDR" "$b" "$mode: another address" &&
		probe "$NS_SRV" 7 "$SRV" "$c" "$mode: Y:y itself"
}

# tcp_mapping MODE N: filtering MODE and a TCP mapping for LAN1:X_TCP+N,
# made by a connection to Y:y (closed; the mapping stays for tcp-trans,
# 240 s). Each mode connects from a port of its own: the last mode's
# connection may have left its TIME_WAIT on the LAN host, where a bind to
# the same port would fail.
tcp_mapping()
{
	local x=$((X_TCP + $2))

	napt_reset && napt_cmd set filtering "$1" || fail "cannot set filtering $1" || return
	http_expect "$NS_LAN1" "http://$SRV:7/" "napt-fwd srv port 7 peer ${W//./\\.}:[0-9]+" \
		--local-port $x || return
	WP=$(mapping_field external_port proto tcp internal "$LAN1_ADDR:$x") ||
		fail "no TCP mapping for $LAN1_ADDR:$x" || return
	echo "X:x $LAN1_ADDR:$x is W:w $W:$WP"
}

# tcp_probe NS WANT WHAT: a connection from NS to W:w. Admitted, it
# reaches X:x, where nothing listens: the RST comes back (curl: refused).
# Dropped: it times out, counted drop-filtered.
tcp_probe()
{
	local ns=$1 want=$2 what=$3

	st_mark
	if [ "$want" = admit ]; then
		http_fails "$ns" "http://$W:$WP/" 7 ||
			fail "$what: not admitted (no RST from X:x came back)" || return
	else
		http_fails "$ns" "http://$W:$WP/" 28 || return
		st_delta_ge drop-filtered 1 ||
			fail "$what: drop-filtered did not grow" || return
	fi
	echo "$what: $(verdict "$want") ($(st_deltas drop-filtered xlate-in xlate-out))"
}

test_tcp()
{
	local out

	tcp_mapping eif 0 || return
	st_mark
	out=$(in_ns "$NS_INET" perl "$NAPT_TMP/tcp_ack.pl" "$INET_ADDR" 5555 "$W" "$WP") ||
		fail "cannot send the ACK: $out" || return
	echo "$out"
	wait_for -t 10 st_delta_ge drop-filtered 1 ||
		fail "eif: a bare ACK from a new remote was not dropped ($(st_deltas drop-filtered xlate-in))" ||
		return
	[ "$(st_delta xlate-in)" = 0 ] ||
		fail "eif: the bare ACK was translated in" || return
	echo "eif: a bare ACK from $INET_ADDR: dropped ($(st_deltas drop-filtered xlate-in))"
	tcp_probe "$NS_INET" admit "eif: a SYN from another address" || return

	tcp_mapping adf 1 || return
	tcp_probe "$NS_SRV" admit "adf: a SYN from Y, another port" &&
		tcp_probe "$NS_INET" drop "adf: a SYN from another address" || return

	tcp_mapping apdf 2 || return
	tcp_probe "$NS_SRV" drop "apdf: a SYN from Y, another port"
}

test_default()
{
	local out

	napt_reset || return
	out=$(in_ns "$NS_ROUTER" naptctl -j show | jq -r .filtering)
	[ "$out" = adf ] || fail "the default filtering is '$out', expected adf"
}

ktap_print_header
ktap_set_plan 5
forward_setup
write_tcp_ack
fwd_server "$NS_LAN1" x udpq:$X_UDP &&
	fwd_server "$NS_SRV" srv tcp:7 udp:7 udpq:9999 &&
	fwd_server "$NS_INET" inet udpq:7000 &&
	servers_ready ||
	ktap_exit_fail_msg "the servers did not start"

run_test "the default filtering is adf" test_default
run_test "eif: Y from another port, another address and Y:y are all admitted" \
	test_udp eif admit admit admit
run_test "adf: Y from another port admitted, another address dropped (drop-filtered)" \
	test_udp adf admit drop admit
run_test "apdf: only Y:y admitted; Y from another port and another address dropped" \
	test_udp apdf drop drop admit
run_test "TCP: a new remote opens only with a SYN; eif admits anyone, adf the address, apdf neither" \
	test_tcp
tests_done
