#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers for napt's shell selftests. A test sources this file,
# draws its topology in a comment, then:
#
#	require_cmd ip naptctl		# SKIP the whole test if one is missing
#	ktap_print_header
#	ktap_set_plan 3
#	run_test "what is checked" test_function [ARGS...]
#	...
#	tests_done
#
# A test function returns 0 (pass), 1 (fail) or, through `skip REASON`,
# KSFT_SKIP; what it prints becomes KTAP diagnostic lines ("# ...").
# Namespaces made with setup_ns (or setup_topology) get names unique to
# this run and are deleted on exit, with whatever `defer` registered.
# Waits poll a condition (wait_for), never a bare sleep.

NAPT_SELFTESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

# The kselftest framework's KTAP helpers: from the runner's BASE_DIR, from
# the kernel tree this directory sits in (tools/testing/selftests/net/napt)
# or from the copy `make kselftest` extracts into the napt tree.
for f in "${BASE_DIR:+$BASE_DIR/kselftest/ktap_helpers.sh}" \
	 "$NAPT_SELFTESTS_DIR/../../kselftest/ktap_helpers.sh" \
	 "$NAPT_SELFTESTS_DIR/../build/kselftest/kselftest/ktap_helpers.sh"; do
	if [ -n "$f" ] && [ -r "$f" ]; then
		# shellcheck source=/dev/null
		source "$f"
		break
	fi
done
if ! declare -F ktap_test_pass >/dev/null; then
	echo "Bail out! kselftest's ktap_helpers.sh not found (run 'make kselftest')"
	exit 1
fi

# Addresses of the standard topology (setup_topology).
LAN1_ADDR=192.168.1.2
LAN2_ADDR=192.168.1.3
ROUTER_LAN_ADDR=192.168.1.1
WAN_ADDR=200.200.200.200
INET_ADDR=200.200.200.1
INET_SRV_ADDR=100.100.100.1
SRV_ADDR=100.100.100.100

NAPT_RUN_ID=$(mktemp -u XXXXXX)
NAPT_NS_LIST=()
NAPT_DEFER=()
NAPT_SKIP_REASON=

# ---------------------------------------------------------------------
# KTAP

# skip REASON: from a test function, `skip "why"; return` (returns
# KSFT_SKIP so run_test reports "ok N desc # SKIP why").
skip()
{
	NAPT_SKIP_REASON="$*"
	return "$KSFT_SKIP"
}

# fail MESSAGE: print why and return 1, for `cond || fail "msg" || return`.
fail()
{
	echo "FAIL: $*"
	return 1
}

# run_test DESCRIPTION CMD [ARGS...]: one KTAP test case.
run_test()
{
	local desc=$1 log rc t0=$SECONDS
	shift

	log=$(mktemp)
	NAPT_SKIP_REASON=
	"$@" >"$log" 2>&1
	rc=$?
	sed 's/^/# /' "$log"
	rm -f "$log"
	# Where the minutes go under emulation.
	echo "# ($1: $((SECONDS - t0)) s)"
	case $rc in
	0)	ktap_test_pass "$desc" ;;
	"$KSFT_SKIP")
		# ktap_test_skip takes no reason; KTAP puts it after SKIP.
		__ktap_test "ok" "$desc" "SKIP ${NAPT_SKIP_REASON:-no reason given}"
		KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1)) ;;
	*)	ktap_test_fail "$desc" ;;
	esac
	return 0
}

# tests_done: print the totals and exit as kselftest expects: 1 if any
# case failed or the plan was not met, 4 (skip) if all were skipped.
tests_done()
{
	ktap_print_totals
	if [ "$KTAP_CNT_FAIL" -gt 0 ] ||
	   [ $((KTAP_CNT_PASS + KTAP_CNT_SKIP)) -ne "$KSFT_NUM_TESTS" ]; then
		exit "$KSFT_FAIL"
	fi
	if [ "$KTAP_CNT_PASS" -eq 0 ] && [ "$KTAP_CNT_SKIP" -gt 0 ]; then
		exit "$KSFT_SKIP"
	fi
	exit "$KSFT_PASS"
}

# require_cmd CMD...: SKIP the whole test (call it before the plan) if
# one of the commands is missing.
require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		ktap_print_header
		ktap_skip_all "$c is not installed (run 'make deps')"
		exit "$KSFT_SKIP"
	done
}

# require_naptctl: naptctl is napt's own, built with it: missing is a
# failure of the build, not a reason to skip.
require_naptctl()
{
	command -v naptctl >/dev/null 2>&1 && return 0
	ktap_print_header
	echo "Bail out! naptctl is not in PATH (build it: make)"
	exit "$KSFT_FAIL"
}

# require_root: SKIP the whole test unless run as root.
require_root()
{
	[ "$(id -u)" -eq 0 ] && return 0
	ktap_print_header
	ktap_skip_all "must be run as root"
	exit "$KSFT_SKIP"
}

# ---------------------------------------------------------------------
# Waiting, without bare sleeps

# On the debug kernel (KERNEL=debug: KASAN, lockdep, kmemleak, under
# emulation) everything takes several times longer, starting a python
# server above all: waits are that much longer there.
case $(uname -r) in
*-napt-debug) NAPT_WAIT_SCALE=${NAPT_WAIT_SCALE:-6} ;;
*) NAPT_WAIT_SCALE=${NAPT_WAIT_SCALE:-1} ;;
esac
# napt_pkt.py's timeouts and curl's (lib_forward.sh) scale with it too.
export NAPT_WAIT_SCALE

# wait_for [-t SECONDS] CMD [ARGS...]: run CMD every 0.1 s until it
# succeeds (return 0) or SECONDS (default 10; times NAPT_WAIT_SCALE) have
# passed (return 1, saying what was waited for). CMD's output is
# discarded.
wait_for()
{
	local limit=10 end

	if [ "$1" = -t ]; then
		limit=$2
		shift 2
	fi
	limit=$((limit * NAPT_WAIT_SCALE))
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	until "$@" >/dev/null 2>&1; do
		if [ $(($(date +%s%N) / 1000000)) -ge $end ]; then
			echo "timed out after ${limit}s waiting for: $*"
			return 1
		fi
		sleep 0.1
	done
}

# listening NS tcp|udp PORT: something in NS listens on PORT.
listening()
{
	local opt=-Hltn

	[ "$2" = udp ] && opt=-Hlun
	[ -n "$(ip netns exec "$1" ss $opt "sport = :$3" 2>/dev/null)" ]
}

# wait_listening NS tcp|udp PORT: wait_for listening.
wait_listening()
{
	wait_for listening "$@"
}

# ---------------------------------------------------------------------
# Cleanup

# defer CMD [ARGS...]: run CMD on exit (last deferred, first run).
defer()
{
	NAPT_DEFER+=("$(printf '%q ' "$@")")
}

napt_cleanup()
{
	local i ns

	for ((i = ${#NAPT_DEFER[@]} - 1; i >= 0; i--)); do
		eval "${NAPT_DEFER[i]}" >/dev/null 2>&1
	done
	NAPT_DEFER=()
	for ns in "${NAPT_NS_LIST[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	NAPT_NS_LIST=()
}
trap napt_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------
# Namespaces and the standard topology

# setup_ns VAR...: make a network namespace per VAR, named after VAR plus
# this run's id (so parallel runs never clash), loopback up; its name is
# left in $VAR. Deleted on exit.
setup_ns()
{
	local var ns

	for var in "$@"; do
		ns="${var,,}-$NAPT_RUN_ID"
		ip netns add "$ns" || return 1
		NAPT_NS_LIST+=("$ns")
		ip -n "$ns" link set lo up || return 1
		printf -v "$var" '%s' "$ns"
	done
}

# in_ns NS CMD [ARGS...]
in_ns()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# setup_topology: the standard topology of the data path tests.
#
#  NS_LAN1  eth0 192.168.1.2 --+
#                              +-- lan0 (bridge)    wan0 ------- eth0   NS_INET   srv0 ---- eth0 NS_SRV
#  NS_LAN2  eth0 192.168.1.3 --+   192.168.1.1   200.200.200.200  200.200.200.1  100.100.100.1   100.100.100.100
#                                  \______ NS_ROUTER ______/          (the "Internet")         (the server)
#
# LAN hosts route via 192.168.1.1; the router via 200.200.200.1 and
# forwards (ip_forward=1); NS_INET routes between the WAN segment and the
# server's net, and knows no route to 192.168.1.0/24, so only translated
# traffic comes back. napt is not configured: a test runs
#	in_ns "$NS_ROUTER" naptctl wan set dev wan0
setup_topology()
{
	local i lan

	setup_ns NS_LAN1 NS_LAN2 NS_ROUTER NS_INET NS_SRV || return 1

	ip -n "$NS_ROUTER" link add lan0 type bridge || return 1
	ip -n "$NS_ROUTER" addr add "$ROUTER_LAN_ADDR/24" dev lan0
	ip -n "$NS_ROUTER" link set lan0 up
	for i in 1 2; do
		lan=NS_LAN$i
		ip link add "lanp$i" netns "$NS_ROUTER" type veth \
			peer name eth0 netns "${!lan}" || return 1
		ip -n "$NS_ROUTER" link set "lanp$i" master lan0 up
		ip -n "${!lan}" link set eth0 up
	done
	ip -n "$NS_LAN1" addr add "$LAN1_ADDR/24" dev eth0
	ip -n "$NS_LAN2" addr add "$LAN2_ADDR/24" dev eth0
	ip -n "$NS_LAN1" route add default via "$ROUTER_LAN_ADDR"
	ip -n "$NS_LAN2" route add default via "$ROUTER_LAN_ADDR"

	ip link add wan0 netns "$NS_ROUTER" type veth \
		peer name eth0 netns "$NS_INET" || return 1
	ip -n "$NS_ROUTER" addr add "$WAN_ADDR/24" dev wan0
	ip -n "$NS_ROUTER" link set wan0 up
	ip -n "$NS_ROUTER" route add default via "$INET_ADDR"
	in_ns "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1

	ip -n "$NS_INET" addr add "$INET_ADDR/24" dev eth0
	ip -n "$NS_INET" link set eth0 up
	ip link add srv0 netns "$NS_INET" type veth \
		peer name eth0 netns "$NS_SRV" || return 1
	ip -n "$NS_INET" addr add "$INET_SRV_ADDR/24" dev srv0
	ip -n "$NS_INET" link set srv0 up
	in_ns "$NS_INET" sysctl -qw net.ipv4.ip_forward=1

	ip -n "$NS_SRV" addr add "$SRV_ADDR/24" dev eth0
	ip -n "$NS_SRV" link set eth0 up
	ip -n "$NS_SRV" route add default via "$INET_SRV_ADDR"
}

# ---------------------------------------------------------------------
# The module

# napt_loaded: napt.ko is in the kernel.
napt_loaded()
{
	grep -q '^napt ' /proc/modules
}

# genl_family_listed NAME: the generic netlink family is registered. A
# dump of the controller (`genl ctrl list`) never loads a module, unlike
# a lookup by name, which makes the kernel try request_module().
genl_family_listed()
{
	genl ctrl list 2>/dev/null | grep -qE "^Name: $1\$"
}

# napt_unload: make sure napt is not loaded (namespaces being torn down
# may hold it for a moment).
napt_unload()
{
	napt_loaded || return 0
	wait_for -t 20 rmmod napt
}

# napt_version_expected: the version napt.ko should report: the top-level
# Makefile's VERSION when this is the napt tree, else empty.
napt_version_expected()
{
	sed -n 's/^VERSION := //p' "$NAPT_SELFTESTS_DIR/../Makefile" 2>/dev/null
}

# kmemleak_available: the kernel has kmemleak, and it is on.
kmemleak_available()
{
	[ -w /sys/kernel/debug/kmemleak ]
}

# kmemleak_report: scan for leaks and print what is found (nothing: no
# leak). kmemleak ignores objects younger than 5 s (its minimum age), so
# the scan is made after they have aged; this is that fixed age, not a
# wait for a condition.
kmemleak_report()
{
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
}
