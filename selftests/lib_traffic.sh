#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Helpers for napt's data-path selftests, on top of lib.sh: real packets
# between the namespaces of setup_topology, made and checked by
# napt_pkt.py (servers that log the peer they saw, clients that check
# what comes back, scapy for crafted packets), and napt's own view
# through `naptctl -j` (mappings, counters).
#
#	source "$(dirname "$0")/lib_traffic.sh"
#	require_traffic [scapy]		# SKIPs the whole test if a tool is missing
#	ktap_print_header; ktap_set_plan N
#	traffic_setup			# the topology, napt on wan0 in NS_ROUTER
#	run_test ...
#	tests_done

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian's python3, which has scapy (the first python3 in PATH may not).
PYTHON=${NAPT_PYTHON:-/usr/bin/python3}
NAPT_PKT=$NAPT_SELFTESTS_DIR/napt_pkt.py
# napt_pkt.py, started without the site module: a second less per start
# under TCG, and the servers and clients need only the standard library
# (the scapy subcommands load site themselves).
PKT=("$PYTHON" -S "$NAPT_PKT")
NAPT_TMP=

# require_traffic [scapy]: SKIP the whole test unless the tools of the
# data-path tests are here (and scapy, if asked).
require_traffic()
{
	require_root
	require_naptctl
	require_cmd ip jq modprobe ss
	if [ ! -x "$PYTHON" ]; then
		ktap_print_header
		ktap_skip_all "$PYTHON is not installed (run 'make deps')"
		exit "$KSFT_SKIP"
	fi
	if [ "${1:-}" = scapy ] && ! "$PYTHON" -c 'import scapy' 2>/dev/null; then
		ktap_print_header
		ktap_skip_all "python3-scapy is not installed (run 'make deps')"
		exit "$KSFT_SKIP"
	fi
}

# pkt_in NS SUBCOMMAND ARGS...: napt_pkt.py in NS (see its help).
pkt_in()
{
	local ns=$1

	shift
	ip netns exec "$ns" "${PKT[@]}" "$@"
}

# bg_in NS LOGNAME CMD...: run CMD in NS in the background, its output in
# $NAPT_TMP/LOGNAME; its pid in $BG_PID. Killed on exit with the namespace.
bg_in()
{
	local ns=$1 log=$NAPT_TMP/$2

	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	BG_PID=$!
}

# bg_wait PID...: wait for background jobs; false if one failed.
bg_wait()
{
	local pid rc=0

	for pid in "$@"; do
		wait "$pid" || rc=1
	done
	return $rc
}

# show_log NAME: print a background job's output (for the test's log).
show_log()
{
	sed "s/^/$1: /" "$NAPT_TMP/$1" 2>/dev/null
}

# traffic_setup: load napt, build the standard topology (lib.sh), turn
# NAPT on for wan0 in NS_ROUTER. ICMP errors are not rate limited in the
# namespaces that send them (tests send several at once). Bails out (the
# whole test fails) when that does not work.
traffic_setup()
{
	NAPT_TMP=$(mktemp -d /tmp/napt-test.XXXXXX) ||
		ktap_exit_fail_msg "mktemp failed"
	defer rm -rf "$NAPT_TMP"
	modprobe napt || ktap_exit_fail_msg "modprobe napt failed"
	setup_topology || ktap_exit_fail_msg "cannot build the topology"
	in_ns "$NS_INET" sysctl -qw net.ipv4.icmp_ratelimit=0
	in_ns "$NS_SRV" sysctl -qw net.ipv4.icmp_ratelimit=0
	in_ns "$NS_ROUTER" sysctl -qw net.ipv4.icmp_ratelimit=0
	in_ns "$NS_ROUTER" naptctl wan set dev wan0 ||
		ktap_exit_fail_msg "naptctl wan set dev wan0 failed"
}

# napt_reset: back to a fresh instance on wan0: default settings, no
# forwards, no mappings (counters keep counting: use stats_mark/delta).
napt_reset()
{
	echo "wan set dev wan0" | in_ns "$NS_ROUTER" naptctl restore - &&
		in_ns "$NS_ROUTER" naptctl mapping flush
}

# napt_cmd ARGS...: naptctl in NS_ROUTER, saying the command on stderr.
napt_cmd()
{
	echo "# naptctl $*" >&2
	in_ns "$NS_ROUTER" naptctl "$@"
}

# ---------------------------------------------------------------------
# Servers

# start_udp_server NS ADDR PORT NAME [--no-echo]: a UDP (echo) server
# bound to ADDR:PORT that logs every datagram in $NAPT_TMP/NAME as
# "udp PEER_ADDR PEER_PORT LEN SHA256 TAG". Started in the background:
# servers_ready waits for all the servers started so far to listen
# (python takes seconds to start under TCG, so start them together).
start_udp_server()
{
	start_server udp "$@"
}

# start_tcp_server NS ADDR PORT NAME [--no-echo]: likewise for TCP; logs
# "tcp-open PEER_ADDR PEER_PORT" and "tcp-done PEER_ADDR PEER_PORT LEN SHA".
start_tcp_server()
{
	start_server tcp "$@"
}

NAPT_SERVERS=()

start_server()
{
	local kind=$1 ns=$2 addr=$3 port=$4 name=$5

	shift 5
	: >>"$NAPT_TMP/$name"
	bg_in "$ns" "$name.out" "${PKT[@]}" "$kind-server" "$addr" \
		"$port" --log "$NAPT_TMP/$name" "$@"
	NAPT_SERVERS+=("$ns $kind $port")
}

servers_ready()
{
	local s

	for s in "${NAPT_SERVERS[@]}"; do
		# shellcheck disable=SC2086
		wait_for -t 60 listening $s || return 1
	done
	NAPT_SERVERS=()
}

# server_log NAME: a server's log so far.
server_log()
{
	cat "$NAPT_TMP/$1" 2>/dev/null
}

# log_lines NAME: how many lines a server has logged.
log_lines()
{
	wc -l <"$NAPT_TMP/$1"
}

# log_since NAME N: the server's log after its first N lines.
log_since()
{
	tail -n +"$(($2 + 1))" "$NAPT_TMP/$1"
}

# ---------------------------------------------------------------------
# napt's view

# napt_stat NAME: one counter of napt in NS_ROUTER (naptctl stats names).
napt_stat()
{
	in_ns "$NS_ROUTER" naptctl -j stats | jq -r --arg k "$1" '.[$k]'
}

# stats_mark: remember every counter now; stats_delta NAME: how much NAME
# grew since.
stats_mark()
{
	NAPT_STATS_MARK=$(in_ns "$NS_ROUTER" naptctl -j stats)
}

stats_delta()
{
	local now

	now=$(in_ns "$NS_ROUTER" naptctl -j stats) || return 1
	jq -rn --argjson a "$NAPT_STATS_MARK" --argjson b "$now" \
		--arg k "$1" '$b[$k] - $a[$k]'
}

# stats_delta_ge NAME N: NAME grew by N or more since stats_mark.
stats_delta_ge()
{
	[ "$(stats_delta "$1")" -ge "$2" ] 2>/dev/null
}

# stats_deltas NAME...: "NAME +N" for each, on one line (for the log).
stats_deltas()
{
	local now

	now=$(in_ns "$NS_ROUTER" naptctl -j stats) || return 1
	jq -rn --argjson a "$NAPT_STATS_MARK" --argjson b "$now" \
		'[$ARGS.positional[] as $k | "\($k) +\($b[$k] - $a[$k])"] | join(", ")' \
		--args "$@"
}

# mappings [ARGS...]: `naptctl -j mapping list ARGS` (a JSON array).
mappings()
{
	in_ns "$NS_ROUTER" naptctl -j mapping list "$@"
}

# mapping_count [ARGS...]: how many mappings `mapping list ARGS` shows.
mapping_count()
{
	mappings "$@" | jq length
}

# mapping_field FIELD [ARGS...]: FIELD of the one mapping ARGS selects
# (empty, and false, unless exactly one).
mapping_field()
{
	local field=$1 out

	shift
	out=$(mappings "$@" | jq -r --arg f "$field" \
		'if length == 1 then .[0][$f] // empty else empty end')
	[ -n "$out" ] && echo "$out"
}

# mapping_gone ARGS...: no mapping matches ARGS (for wait_for).
mapping_gone()
{
	[ "$(mapping_count "$@")" = 0 ]
}

# mapping_present ARGS...: at least one matches.
mapping_present()
{
	[ "$(mapping_count "$@")" -gt 0 ] 2>/dev/null
}

# show_mappings: the mapping table, for the test's log.
show_mappings()
{
	in_ns "$NS_ROUTER" naptctl mapping list | sed 's/^/mappings: /'
}

# ---------------------------------------------------------------------
# Kernel counters of a namespace

# snmp NS PROTO FIELD: a counter of /proc/net/snmp in NS (Icmp InMsgs...).
snmp()
{
	in_ns "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !n { for (i = 2; i <= NF; i++) name[i] = $i; n = 1; next }
		$1 == p && n { for (i = 2; i <= NF; i++) if (name[i] == f) print $i }
	' /proc/net/snmp
}

# ---------------------------------------------------------------------
# The kernel log

# kmsg_mark / kmsg_splats: what the kernel logged since the mark that
# looks like a bug (the VM runner checks the whole log too; this names
# the test case that caused it).
kmsg_mark()
{
	NAPT_KMSG_MARK=$(dmesg 2>/dev/null | wc -l)
}

kmsg_splats()
{
	dmesg 2>/dev/null | tail -n +"$((NAPT_KMSG_MARK + 1))" |
		grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|Call Trace|refcount_t:|lockdep|RCU stall|soft lockup|list_(add|del) corruption'
}
