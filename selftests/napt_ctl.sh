#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# naptctl talks to the module: `naptctl version` shows the tool's and the
# module's versions; the version is open to anyone, but every other
# request from a caller without CAP_NET_ADMIN (an ordinary user, or root
# of a user namespace) is refused with EPERM and changes nothing.
#
# Topology: one namespace, no links.
#
#   [ NS: lo ]  <- naptctl as root, as uid 65534, as root of a user ns

source "$(dirname "$0")/lib.sh"

require_root
require_naptctl
require_cmd setpriv unshare modprobe

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# refused CMD...: CMD exits 1 saying the operation is not permitted.
refused()
{
	local out rc

	out=$("$@" 2>&1)
	rc=$?
	echo "$ $*"
	echo "$out"
	[ $rc -eq 1 ] || fail "exit status $rc, expected 1" || return
	echo "$out" | grep -qiE 'not permitted|EPERM' ||
		fail "no 'Operation not permitted' in the message" || return
}

test_version()
{
	local out tool_ver mod_ver

	out=$(naptctl version 2>&1) || { echo "$out"; fail "naptctl version"; return; }
	echo "$out"
	mod_ver=$(cat /sys/module/napt/version 2>/dev/null)
	tool_ver=$(napt_version_expected)
	[ -n "$mod_ver" ] || fail "napt.ko has no version in sysfs" || return
	# "naptctl X.Y.Z" and, after the word module (or kernel), the
	# module's version: not the tool's version printed twice.
	echo "$out" | grep -qiE "naptctl[^0-9]*${tool_ver//./\\.}" ||
		fail "no 'naptctl ${tool_ver}' in the output" || return
	echo "$out" | grep -qiE "(module|kernel)[^0-9]*${mod_ver//./\\.}" ||
		fail "no 'module ... $mod_ver' in the output" || return
}

test_version_unprivileged()
{
	local out rc

	out=$(in_ns "$NS" "${NOBODY[@]}" naptctl version 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || fail "exit status $rc" || return
	echo "$out" | grep -qF "$(cat /sys/module/napt/version)" ||
		fail "no module version in the output"
}

test_show_unprivileged()
{
	refused in_ns "$NS" "${NOBODY[@]}" naptctl show
}

test_wan_set_userns()
{
	refused in_ns "$NS" unshare -Ur naptctl wan set dev lo || return
	# And nothing changed: the namespace still has no WAN.
	if in_ns "$NS" naptctl wan show 2>&1 | grep -qw lo; then
		in_ns "$NS" naptctl wan show
		fail "the refused request changed the WAN"
	fi
}

test_wan_set_unprivileged()
{
	refused in_ns "$NS" "${NOBODY[@]}" naptctl wan set dev lo
}

napt_unload
modprobe napt || { ktap_print_header; ktap_exit_fail_msg "modprobe napt failed"; }
setup_ns NS || { ktap_print_header; ktap_exit_fail_msg "cannot create a netns"; }

ktap_print_header
ktap_set_plan 5
run_test "naptctl version shows the tool's and the module's versions" test_version
run_test "an ordinary user may read the version" test_version_unprivileged
run_test "an ordinary user is refused 'naptctl show' (EPERM, exit 1)" test_show_unprivileged
run_test "an ordinary user is refused 'naptctl wan set' (EPERM, exit 1)" test_wan_set_unprivileged
run_test "root of a user namespace is refused 'naptctl wan set' (EPERM)" test_wan_set_userns
tests_done
