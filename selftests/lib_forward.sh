#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Helpers for napt's port forwarding, filtering and hairpinning selftests,
# on top of lib_traffic.sh (which sources lib.sh): the standard topology
# plus the seed's server LAN, servers that log the peer they saw, and
# clients quick enough for TCG (curl, and perl for UDP: python takes
# seconds to start in the VM, perl a tenth of one).
#
#  NS_LAN1 192.168.1.2 --+
#                        +-- lan0 192.168.1.1 [NS_ROUTER: napt] wan0 200.200.200.200 = W
#  NS_LAN2 192.168.1.3 --+                        |                  |
#                             lan10 192.168.10.1 -+           NS_INET 200.200.200.1
#                                   |                                |
#  NS_WEB 192.168.10.2 -------------+                          NS_SRV 100.100.100.100
#  (the seed's web server)
#
#	source "$(dirname "$0")/lib_forward.sh"
#	require_forward
#	ktap_print_header; ktap_set_plan N
#	forward_setup			# the topology above, napt on wan0
#	fwd_server "$NS_WEB" web tcp:80 udp:80 && servers_ready || ...
#	run_test ...
#	tests_done

# shellcheck source=lib_traffic.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_traffic.sh"

WEB_ADDR=192.168.10.2
ROUTER_WEB_ADDR=192.168.10.1

# require_forward: SKIP the whole test unless its tools are here.
require_forward()
{
	require_traffic
	require_cmd curl perl
	if ! perl -MIO::Socket::INET -MIO::Select -e 1 2>/dev/null; then
		ktap_print_header
		ktap_skip_all "perl's IO::Socket::INET is not installed"
		exit "$KSFT_SKIP"
	fi
}

# forward_setup: traffic_setup (lib_traffic.sh), plus NS_WEB on the
# router's second LAN, 192.168.10.0/24, and the perl programs below in
# $NAPT_TMP. Bails out (the whole test fails) when that does not work.
forward_setup()
{
	traffic_setup
	setup_ns NS_WEB &&
		ip link add lan10 netns "$NS_ROUTER" type veth \
			peer name eth0 netns "$NS_WEB" &&
		ip -n "$NS_ROUTER" addr add "$ROUTER_WEB_ADDR/24" dev lan10 &&
		ip -n "$NS_ROUTER" link set lan10 up &&
		ip -n "$NS_WEB" addr add "$WEB_ADDR/24" dev eth0 &&
		ip -n "$NS_WEB" link set eth0 up &&
		ip -n "$NS_WEB" route add default via "$ROUTER_WEB_ADDR" ||
		ktap_exit_fail_msg "cannot build the server LAN 192.168.10.0/24"
	fwd_write_programs || ktap_exit_fail_msg "cannot write the perl programs"
}

# ---------------------------------------------------------------------
# Servers

# fwd_server NS NAME SPEC...: one server process in NS for every SPEC,
# each bound to 0.0.0.0:
#   tcp:PORT	answers an HTTP GET with the one line
#		"napt-fwd NAME port PORT peer ADDR:PPORT" (the peer it saw)
#   udp:PORT	echoes every datagram to its sender
#   udpq:PORT	the same, without the echo
# and logs in $NAPT_TMP/NAME, one line per event:
#   tcp PORT PEER_ADDR PEER_PORT		a connection accepted
#   udp PORT PEER_ADDR PEER_PORT TAG		a datagram (TAG: its first word)
#   sent PORT DEST_ADDR DEST_PORT TAG		a datagram sent on request
# A datagram "SEND ADDR PORT TEXT" from 127.0.0.1 (fwd_send) makes a UDP
# socket send TEXT to ADDR:PORT from its own port: the way to make a LAN
# host talk from a port it also listens on. Started in the background;
# servers_ready (lib_traffic.sh) waits for them all to listen.
fwd_server()
{
	local ns=$1 name=$2 spec kind

	shift 2
	: >>"$NAPT_TMP/$name"
	bg_in "$ns" "$name.out" perl "$NAPT_TMP/fwd_server.pl" "$name" \
		"$NAPT_TMP/$name" "$@"
	for spec in "$@"; do
		kind=${spec%%:*}
		[ "$kind" = udpq ] && kind=udp
		NAPT_SERVERS+=("$ns $kind ${spec#*:}")
	done
}

# fwd_send NS PORT DEST_ADDR DEST_PORT TAG: make NS's server on UDP PORT
# send TAG to DEST_ADDR:DEST_PORT.
fwd_send()
{
	udp_ask "$1" "" "127.0.0.1:$2" "SEND $3 $4 $5" 0
}

# nlogged NAME: how many lines NAME's server has logged (bash alone:
# every process costs in the VM).
nlogged()
{
	local -a lines

	mapfile -t lines <"$NAPT_TMP/$1"
	echo ${#lines[@]}
}

# logged NAME N REGEX: NAME's server logged a line matching REGEX (an
# extended regex, the whole line) after its first N lines.
logged()
{
	local -a lines
	local line

	mapfile -t -s "$2" lines <"$NAPT_TMP/$1"
	for line in "${lines[@]}"; do
		[[ $line =~ ^($3)$ ]] && return 0
	done
	return 1
}

# wait_logged NAME N REGEX: wait (10 s at most) for logged.
wait_logged()
{
	wait_for -t 10 logged "$@"
}

# show_since NAME N: what NAME's server logged after its first N lines.
show_since()
{
	log_since "$1" "$2" | sed "s/^/$1: /"
}

# ---------------------------------------------------------------------
# Clients

# http_get NS URL [CURL OPTIONS...]: fetch URL from NS with curl; the page
# on stdout, curl's exit status (0 fetched, 7 refused, 28 timed out).
http_get()
{
	local ns=$1 url=$2

	shift 2
	in_ns "$ns" curl -sS \
		--connect-timeout $((${HTTP_TIMEOUT:-5} * NAPT_WAIT_SCALE)) \
		--max-time $((10 * NAPT_WAIT_SCALE)) "$@" "$url" 2>&1
}

# http_expect NS URL PAGE [CURL OPTIONS...]: the fetch returns exactly the
# page PAGE (a "napt-fwd ..." line; an extended regex, whole page).
http_expect()
{
	local ns=$1 url=$2 want=$3 out rc

	shift 3
	out=$(http_get "$ns" "$url" "$@")
	rc=$?
	echo "curl $url from $ns: rc $rc: $out"
	[ $rc -eq 0 ] || fail "fetching $url failed (curl exit $rc)" || return
	[[ $out =~ ^($want)$ ]] || fail "$url returned '$out', expected '$want'"
}

# http_fails NS URL RC [CURL OPTIONS...]: the fetch fails with curl's exit
# status RC: 7 (refused: a RST came back) or 28 (timed out: dropped).
http_fails()
{
	local ns=$1 url=$2 want=$3 out rc t=5

	shift 3
	# A drop is waited for 2 s; a RST comes back at once.
	[ "$want" = 28 ] && t=2
	out=$(HTTP_TIMEOUT=$t http_get "$ns" "$url" "$@")
	rc=$?
	echo "curl $url from $ns: rc $rc: $out"
	[ $rc -eq "$want" ] && return
	case $want in
	7) fail "fetching $url: curl exit $rc, expected 7 (connection refused)" ;;
	28) fail "fetching $url: curl exit $rc, expected 28 (timed out: dropped)" ;;
	*) fail "fetching $url: curl exit $rc, expected $want" ;;
	esac
}

# udp_ask NS [LOCAL_ADDR[:PORT]] PEER_ADDR:PORT TEXT [TIMEOUT]: send TEXT
# from a UDP socket connected to the peer (so only the peer's answer is
# taken) and print the answer. Exit status: 0 answered, 1 no answer in
# TIMEOUT seconds (default 3; 0: only send), 3 refused (ICMP port
# unreachable), 2 other errors. Perl, not python: it starts in a fraction
# of python's time in the VM.
udp_ask()
{
	in_ns "$1" perl "$NAPT_TMP/udp_ask.pl" "$2" "$3" "$4" "${5:-3}"
}

# udp_expect NS LOCAL PEER TEXT: TEXT comes back from PEER, intact.
udp_expect()
{
	local out rc

	out=$(udp_ask "$1" "$2" "$3" "$4" 5)
	rc=$?
	echo "udp $4 to $3 from $1${2:+ ($2)}: rc $rc: $out"
	[ $rc -eq 0 ] || fail "no UDP answer from $3 (exit $rc)" || return
	[ "$out" = "$4" ] || fail "$3 answered '$out', expected '$4'"
}

# ---------------------------------------------------------------------
# napt's view

# Counters, as lib_traffic.sh's stats_* but read from `naptctl stats`
# with bash alone: jq takes more than half a second to start in the VM.
# st_mark: remember every counter now; st_delta NAME: how much NAME grew
# since; st_delta_ge NAME N: by N or more; st_deltas NAME...: "NAME +N"
# for each, on one line.
declare -A NAPT_ST_MARK NAPT_ST_NOW

st_read()
{
	local -n into=$1
	local k v

	into=()
	while read -r k v; do
		into[$k]=$v
	done < <(in_ns "$NS_ROUTER" naptctl stats)
	[ ${#into[@]} -gt 0 ]
}

st_mark()
{
	st_read NAPT_ST_MARK
}

st_delta()
{
	st_read NAPT_ST_NOW || return
	echo $((${NAPT_ST_NOW[$1]:-0} - ${NAPT_ST_MARK[$1]:-0}))
}

st_delta_ge()
{
	[ "$(st_delta "$1")" -ge "$2" ] 2>/dev/null
}

st_deltas()
{
	local k out=

	st_read NAPT_ST_NOW || return
	for k in "$@"; do
		out+="${out:+, }$k +$((${NAPT_ST_NOW[$k]:-0} - ${NAPT_ST_MARK[$k]:-0}))"
	done
	echo "$out"
}

# fwd_hits EXT: the hits of the forward whose range starts at EXT.
fwd_hits()
{
	in_ns "$NS_ROUTER" naptctl -j forward list |
		jq -r --argjson p "$1" '[.[] | select(.ext_port_min == $p) | .hits] | add // empty'
}

# save_config: `naptctl save` in NS_ROUTER.
save_config()
{
	in_ns "$NS_ROUTER" naptctl save
}

# ---------------------------------------------------------------------
# The perl programs

fwd_write_programs()
{
	cat >"$NAPT_TMP/fwd_server.pl" <<'EOF' &&
# fwd_server.pl NAME LOG SPEC...: see fwd_server in lib_forward.sh.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket qw(inet_aton inet_ntoa sockaddr_in);

my ($name, $logf, @specs) = @ARGV;
$SIG{PIPE} = 'IGNORE';
open(my $log, '>>', $logf) or die "$logf: $!\n";
$log->autoflush(1);
my $sel = IO::Select->new;
my (%kind, %port, %buf, %peer);

for my $spec (@specs) {
	my ($kind, $port) = split /:/, $spec;
	my $s = IO::Socket::INET->new(
		Proto => $kind eq 'tcp' ? 'tcp' : 'udp',
		LocalAddr => '0.0.0.0', LocalPort => $port, ReuseAddr => 1,
		$kind eq 'tcp' ? (Listen => 64) : ())
		or die "$name: $spec: $@\n";
	$kind{$s} = $kind;
	$port{$s} = $port;
	$sel->add($s);
}

sub tag { my ($d) = @_; $d =~ /^([\x21-\x7e]{1,40})/ ? $1 : '-' }

sub finish {
	my ($c) = @_;
	my $body = "napt-fwd $name port $port{$c} peer $peer{$c}\n";
	if ($buf{$c} =~ /^GET /) {
		print $c "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n" .
			"Content-Length: " . length($body) . "\r\n" .
			"Connection: close\r\n\r\n" . $body;
	} else {
		print $c $buf{$c};
	}
	$sel->remove($c);
	delete $kind{$c}; delete $port{$c}; delete $buf{$c}; delete $peer{$c};
	close $c;
}

while (1) {
	for my $s ($sel->can_read) {
		my $kind = $kind{$s};
		next unless defined $kind;
		if ($kind eq 'tcp') {
			my $c = $s->accept or next;
			$c->autoflush(1);
			$peer{$c} = $c->peerhost . ':' . $c->peerport;
			print $log "tcp $port{$s} " . $c->peerhost . ' ' .
				$c->peerport . "\n";
			$kind{$c} = 'conn';
			$port{$c} = $port{$s};
			$buf{$c} = '';
			$sel->add($c);
		} elsif ($kind eq 'conn') {
			my $n = sysread($s, my $data, 65536);
			if ($n) {
				$buf{$s} .= $data;
				finish($s) if $buf{$s} =~ /\r?\n\r?\n/;
			} else {
				finish($s);
			}
		} else {
			my $from = recv($s, my $data, 65535, 0);
			next unless defined $from;
			my ($pport, $paddr) = sockaddr_in($from);
			$paddr = inet_ntoa($paddr);
			if ($paddr eq '127.0.0.1' &&
			    $data =~ /^SEND (\S+) (\d+) (.*)$/s) {
				my ($a, $p, $text) = ($1, $2, $3);
				send($s, $text, 0, sockaddr_in($p, inet_aton($a)))
					or print STDERR "send to $a:$p: $!\n";
				print $log "sent $port{$s} $a $p " . tag($text) . "\n";
				next;
			}
			print $log "udp $port{$s} $paddr $pport " . tag($data) . "\n";
			send($s, $data, 0, $from) if $kind eq 'udp';
		}
	}
}
EOF
	cat >"$NAPT_TMP/udp_ask.pl" <<'EOF'
# udp_ask.pl LOCAL PEER TEXT TIMEOUT: see udp_ask in lib_forward.sh.
use strict;
use warnings;
use Errno;
use Socket qw(PF_INET SOCK_DGRAM inet_aton sockaddr_in);

my ($local, $peer, $text, $timeout) = @ARGV;
sub out { print "$_[1]\n"; exit $_[0]; }
sub addr {
	my ($a, $p) = split /:/, $_[0];
	my $n = inet_aton($a) or out(2, "bad address $_[0]");
	return sockaddr_in($p // 0, $n);
}
socket(my $s, PF_INET, SOCK_DGRAM, 0) or out(2, "socket: $!");
$local eq '' or bind($s, addr($local)) or out(2, "bind $local: $!");
connect($s, addr($peer)) or out(2, "connect $peer: $!");
defined send($s, $text, 0) or out($!{ECONNREFUSED} ? 3 : 2, "send: $!");
exit 0 if $timeout == 0;
my $rin = '';
vec($rin, fileno($s), 1) = 1;
select(my $rout = $rin, undef, undef, $timeout) or
	out(1, "no answer from $peer within ${timeout}s");
my $buf;
defined recv($s, $buf, 65535, 0) or out($!{ECONNREFUSED} ? 3 : 2, "recv: $!");
print "$buf\n";
EOF
}
