#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# naptctl refuses bad input with one clear line on stderr and exit status
# 1, and nothing changes: the running configuration (`naptctl save`) is
# the same before and after every refused command. Each kind of bad input:
# unknown words, bad addresses, port 0 or past 65535, inverted ranges,
# values out of range, a port range overlapping ip_local_port_range, a
# device that does not exist, a change with one bad part (all or nothing),
# a configuration file with a bad line.
#
# Topology: one namespace, napt on a dummy WAN interface.
#
#   [ NS: wan0 (dummy) 200.200.200.200/24, napt on; forward 8080 -> 192.168.1.2:80 ]

source "$(dirname "$0")/lib.sh"

require_root
require_naptctl
require_cmd ip modprobe

BASELINE=

# refused REGEX ARGS...: `naptctl ARGS` exits 1 with nothing on stdout and
# one line on stderr, "naptctl: ..." matching REGEX (case-insensitive: it
# names what is wrong), and the configuration is what it was.
refused()
{
	local re=$1 out err rc now
	local tmp=$NAPT_TMP

	shift
	in_ns "$NS" naptctl "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	echo "\$ naptctl $*"
	echo "  -> exit $rc: $err"
	[ $rc -eq 1 ] || fail "exit status $rc, expected 1" || return
	[ -z "$out" ] || fail "something on stdout: $out" || return
	[ "$(wc -l <"$tmp/err")" -eq 1 ] ||
		fail "$(wc -l <"$tmp/err") lines on stderr, expected one" || return
	[[ $err == "naptctl: "* ]] || fail "the message does not start with 'naptctl: '" || return
	grep -qiE -- "$re" <<<"$err" ||
		fail "the message does not say what is wrong (expected /$re/)" || return
	now=$(in_ns "$NS" naptctl save 2>&1)
	[ "$now" = "$BASELINE" ] ||
		fail "the configuration changed:$(diff <(echo "$BASELINE") <(echo "$now") | sed 's/^/ /')"
}

# all_refused "REGEX :: ARGS..."...: `refused REGEX ARGS...` for each (ARGS
# split on blanks); fails if one was not refused as it should be.
all_refused()
{
	local c re rc=0

	for c in "$@"; do
		re=${c%% :: *}
		# shellcheck disable=SC2086
		refused "$re" ${c#* :: } || rc=1
	done
	return $rc
}

test_unknown_words()
{
	all_refused \
		"frobnicate :: frobnicate" \
		"frob :: wan frob" \
		"frob :: set frob 1" \
		"frob :: mapping list frob" \
		"frob :: forward add 8081 192.168.1.2:80 frob x" \
		"frob :: set ports 1000-2000 frob" \
		"frob :: forward add 8081 192.168.1.2:80 proto frob"
}

test_bad_addresses()
{
	all_refused \
		"300\.1\.2\.3 :: wan set dev wan0 addr 300.1.2.3" \
		"1\.2\.3 :: wan set dev wan0 addr 1.2.3" \
		"192\.168\.1\.256 :: forward add 8081 192.168.1.256:80" \
		"foo :: forward add 8081 foo:80" \
		"1\.2\.3\.4\.5 :: mapping list internal 1.2.3.4.5" \
		"10\.0\.0\.1/8|host bits :: forward add 8081 192.168.1.2:80 from 10.0.0.1/8" \
		"/33|33 :: forward add 8081 192.168.1.2:80 from 10.0.0.0/33" \
		"unicast|224\.0\.0\.1 :: wan set dev wan0 addr 224.0.0.1" \
		"unicast|255\.255\.255\.255 :: forward add 8081 255.255.255.255:80"
}

test_bad_ports()
{
	all_refused \
		"0-100|port :: set ports 0-100" \
		"65536 :: set ports 100-65536" \
		"70000 :: set ports 70000" \
		"port|'0' :: forward add 0 192.168.1.2:80" \
		"192\.168\.1\.2:0|port :: forward add 8081 192.168.1.2:0" \
		"65536 :: forward add 65536 192.168.1.2:80" \
		"65536 :: forward add 8081 192.168.1.2:65536" \
		"-1 :: forward add -1 192.168.1.2:80"
}

test_inverted_ranges()
{
	all_refused \
		"5000-4000|invert :: set ports 5000-4000" \
		"9000-8000|invert :: forward add 9000-8000 192.168.1.2" \
		"90-80|invert :: forward add 8081-8082 192.168.1.2:90-80"
}

test_local_port_range()
{
	local range

	range=$(in_ns "$NS" sysctl -n net.ipv4.ip_local_port_range | tr -s '\t ' '-')
	echo "ip_local_port_range: $range"
	all_refused \
		"ip_local_port_range|local port :: set ports 30000-40000" \
		"ip_local_port_range|local port :: set ports 60000-61000" \
		"ip_local_port_range|local port :: set ports 40000"
}

test_no_device()
{
	all_refused "nosuchdev|no such device :: wan set dev nosuchdev"
}

test_bad_values()
{
	all_refused \
		"timeout|udp|'0' :: set timeout udp 0" \
		"604801 :: set timeout udp 604801" \
		"abc :: set timeout udp abc" \
		"bogus :: set timeout bogus 5" \
		"max-mappings|'0' :: set max-mappings 0" \
		"16777217 :: set max-per-host 16777217" \
		"cone :: set filtering cone" \
		"timeout udp|twice|once :: set timeout udp 5 timeout udp 6"
}

test_all_or_nothing()
{
	all_refused \
		"'0'|timeout :: set ports 20000-20999 timeout udp 0" \
		"ip_local_port_range|local port :: set timeout udp 60 ports 30000-40000" \
		"cone :: set max-mappings 10 filtering cone"
}

test_restore_bad_file()
{
	local f=$NAPT_TMP/bad.conf

	printf 'wan set dev wan0\nset timeout udp 60\nset ports 5000-4000\n' >"$f"
	refused ":3:" restore "$f" || return
	# A file only the kernel can refuse: nothing of it is applied.
	printf 'wan set dev wan0\nset timeout udp 60\nset ports 30000-40000\n' >"$f"
	refused "ip_local_port_range|local port" restore "$f"
}

NAPT_TMP=$(mktemp -d /tmp/napt-cli.XXXXXX)
defer rm -rf "$NAPT_TMP"

ktap_print_header
ktap_set_plan 9
modprobe napt || ktap_exit_fail_msg "modprobe napt failed"
setup_ns NS || ktap_exit_fail_msg "cannot create a netns"
ip -n "$NS" link add wan0 type dummy &&
	ip -n "$NS" addr add 200.200.200.200/24 dev wan0 &&
	ip -n "$NS" link set wan0 up &&
	in_ns "$NS" naptctl wan set dev wan0 &&
	in_ns "$NS" naptctl set ports 10000-19999 timeout udp 120 max-per-host 100 &&
	in_ns "$NS" naptctl forward add 8080 192.168.1.2:80 proto tcp descr web ||
	ktap_exit_fail_msg "cannot configure napt"
BASELINE=$(in_ns "$NS" naptctl save) || ktap_exit_fail_msg "naptctl save failed"
echo "$BASELINE" | sed 's/^/# baseline: /'

run_test "unknown words are refused" test_unknown_words
run_test "bad addresses and prefixes are refused" test_bad_addresses
run_test "port 0 and ports past 65535 are refused" test_bad_ports
run_test "inverted ranges are refused" test_inverted_ranges
run_test "a port range overlapping ip_local_port_range is refused" test_local_port_range
run_test "a WAN device that does not exist is refused" test_no_device
run_test "timeouts, caps and keywords out of range are refused" test_bad_values
run_test "a change with one bad part changes nothing" test_all_or_nothing
run_test "restore: a bad file changes nothing" test_restore_bad_file
tests_done
