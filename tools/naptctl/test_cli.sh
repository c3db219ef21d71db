#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end host tests of the naptctl binary: what it prints and its exit
# status for help, refusals of bad input (nothing is sent for those, so no
# module is needed) and, when the napt family is absent, the "not loaded"
# answers. Output is TAP; exit status 1 if anything failed.
#
# Usage: test_cli.sh [PATH-TO-NAPTCTL]

NAPTCTL=${1:-./naptctl}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# expect RC STDERR-LINE -- ARGS...: exact exit status, exact stderr, no stdout
expect() {
	want_rc=$1
	want_err=$2
	shift 3
	"$NAPTCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	err=$(cat "$tmp/err")
	if [ "$rc" = "$want_rc" ] && [ "$err" = "$want_err" ] &&
	   [ ! -s "$tmp/out" ]; then
		ok "naptctl $*"
	else
		not_ok "naptctl $*"
		echo "#   exit $rc (expected $want_rc)"
		echo "#   stderr: $err"
		echo "#   expected: $want_err"
		[ -s "$tmp/out" ] && sed 's/^/#   stdout: /' "$tmp/out"
	fi
}

# expect_help ARGS...: exit 0, something on stdout, nothing on stderr
expect_help() {
	"$NAPTCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" = 0 ] && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ] &&
	   grep -q '^Usage: naptctl' "$tmp/out"; then
		ok "naptctl $* (help)"
	else
		not_ok "naptctl $* (help): exit $rc"
		sed 's/^/#   /' "$tmp/err"
	fi
}

echo "TAP version 13"

for args in "help" "-h" "--help" "wan help" "set help" "show help" \
	    "mapping help" "forward help" "stats help" "save help" \
	    "restore help" "version help" "help forward" "forward -h"; do
	# shellcheck disable=SC2086 # split on purpose
	expect_help $args
done

expect 1 "naptctl: unknown object 'frobnicate'; try 'naptctl help'" -- frobnicate
expect 1 "naptctl: unknown option '-x'; try 'naptctl help'" -- -x stats
expect 1 "naptctl: unknown command 'frobnicate' for 'forward'; try 'naptctl forward help'" -- forward frobnicate
expect 1 "naptctl: unknown command 'frobnicate' for 'wan'; try 'naptctl wan help'" -- wan frobnicate
expect 1 "naptctl: unknown command 'frobnicate' for 'mapping'; try 'naptctl mapping help'" -- mapping frobnicate
expect 1 "naptctl: bad address '300.1.1.1'" -- forward add 80 300.1.1.1:80
expect 1 "naptctl: bad port '70000' (expected 1-65535)" -- forward add 70000 192.168.10.2
expect 1 "naptctl: bad port '0' (expected 1-65535)" -- forward add 0 192.168.10.2
expect 1 "naptctl: bad port range '90-80' (start above end)" -- forward add 90-80 192.168.10.2
expect 1 "naptctl: 'forward add' needs an internal address, ADDR[:PORT]" -- forward add 80
expect 1 "naptctl: 'proto' given twice" -- forward add 80 192.168.10.2 proto tcp proto udp
expect 1 "naptctl: bad protocol 'icmp' (expected tcp or udp)" -- forward add 80 192.168.10.2 proto icmp
expect 1 "naptctl: bad prefix length '33' in '10.0.0.0/33' (expected 0-32)" -- forward add 80 192.168.10.2 from 10.0.0.0/33
expect 1 "naptctl: descr too long (64 bytes, at most 63)" -- forward add 80 192.168.10.2 descr 1234567890123456789012345678901234567890123456789012345678901234
expect 1 "naptctl: unknown keyword 'to' for 'forward add'; try 'naptctl forward help'" -- forward add 80 192.168.10.2 to x
expect 1 "naptctl: 'forward del' needs an external port; try 'naptctl forward help'" -- forward del
expect 1 "naptctl: 'wan set' needs 'dev IFNAME'" -- wan set
expect 1 "naptctl: missing value after 'dev'" -- wan set dev
expect 1 "naptctl: bad address '1.2.3'" -- wan set dev eth0 addr 1.2.3
expect 1 "naptctl: 'set' needs a setting; try 'naptctl set help'" -- set
expect 1 "naptctl: bad timeout '0' for 'timeout udp' (expected 1-604800 seconds)" -- set timeout udp 0
expect 1 "naptctl: bad timeout 'soon' for 'timeout tcp-est' (expected 1-604800 seconds)" -- set timeout tcp-est soon
expect 1 "naptctl: bad filtering mode 'cone' (expected eif, adf or apdf)" -- set filtering cone
expect 1 "naptctl: 'ports' given twice" -- set ports 2000-3000 ports 4000
expect 1 "naptctl: bad value '0' for 'max-mappings' (expected 1-16777216)" -- set max-mappings 0
expect 1 "naptctl: unexpected argument 'now' after 'mapping flush'" -- mapping flush now
expect 1 "naptctl: bad protocol '256' (expected 0-255 or a name)" -- mapping list proto 256
expect 1 "naptctl: unexpected argument 'x' after 'show'" -- show x

# restore: the whole file is checked first; nothing is sent on a mistake
printf '# saved\nset ports 2000-3000\nforward add 80 10.0.0.2\nforward del 80\n' >"$tmp/bad.conf"
expect 1 "naptctl: $tmp/bad.conf:4: only 'wan set', 'set' and 'forward add' lines are allowed, not 'forward del'" -- restore "$tmp/bad.conf"
printf 'forward add 80 10.0.0.2 descr "unterminated\n' >"$tmp/quote.conf"
expect 1 "naptctl: $tmp/quote.conf:1: unterminated quote" -- restore "$tmp/quote.conf"
expect 1 "naptctl: cannot read '$tmp/none.conf': No such file or directory" -- restore "$tmp/none.conf"
printf 'set timeout udp 0\n' | "$NAPTCTL" restore >"$tmp/out" 2>"$tmp/err"
if [ $? = 1 ] && [ "$(cat "$tmp/err")" = "naptctl: <stdin>:1: bad timeout '0' for 'timeout udp' (expected 1-604800 seconds)" ]; then
	ok "restore from stdin reports <stdin>:LINE"
else
	not_ok "restore from stdin reports <stdin>:LINE"
	sed 's/^/#   /' "$tmp/err"
fi

# Without the module: "not loaded", exit 1. With it, these would change
# the running configuration, so they are skipped.
"$NAPTCTL" version >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 0 ]; then
	echo "# SKIP napt module loaded: $(cat "$tmp/out")"
else
	if [ "$rc" = 1 ] &&
	   [ "$(cat "$tmp/out")" = "naptctl $("$NAPTCTL" -V | cut -d' ' -f2), napt module: not loaded" ] &&
	   [ ! -s "$tmp/err" ]; then
		ok "version without the module"
	else
		not_ok "version without the module: exit $rc"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
	fi
	"$NAPTCTL" -j version >"$tmp/out" 2>/dev/null
	if [ "$(cat "$tmp/out")" = "{\"naptctl\":\"$("$NAPTCTL" -V | cut -d' ' -f2)\",\"module\":null}" ]; then
		ok "version -j without the module"
	else
		not_ok "version -j without the module"
		sed 's/^/#   /' "$tmp/out"
	fi
	expect 1 "naptctl: cannot add forward: napt module not loaded (no generic netlink family 'napt')" -- forward add 80 192.168.10.2:80
	expect 1 "naptctl: cannot list mappings: napt module not loaded (no generic netlink family 'napt')" -- -j mapping list
fi

echo "1..$n"
echo "# $failed of $n failed"
[ "$failed" = 0 ]
