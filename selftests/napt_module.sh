#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# napt.ko loads and unloads cleanly, twice, by modprobe and by insmod;
# its generic netlink family "napt" exists exactly while it is loaded and
# loads the module on demand; the version it reports is the tree's; and,
# where the kernel has kmemleak, a load/use/unload cycle leaks nothing.
#
# Topology: none, the initial network namespace only.
#
#   [ init netns: modprobe / insmod / rmmod napt, genl ctrl ]

source "$(dirname "$0")/lib.sh"

require_root
require_naptctl
require_cmd modprobe rmmod insmod modinfo genl

# Loaded and registered, or neither.
check_loaded()
{
	napt_loaded || fail "napt is not in /proc/modules" || return
	[ -d /sys/module/napt ] || fail "no /sys/module/napt" || return
	genl_family_listed napt ||
		fail "genl family 'napt' not registered while loaded" || return
}

check_unloaded()
{
	! napt_loaded || fail "napt still in /proc/modules" || return
	[ ! -e /sys/module/napt ] || fail "/sys/module/napt still there" || return
	! genl_family_listed napt ||
		fail "genl family 'napt' still registered after unload" || return
}

test_modprobe_cycle()
{
	local round

	napt_unload || return 1
	for round in 1 2; do
		echo "round $round"
		modprobe napt || fail "modprobe napt" || return
		check_loaded || return
		rmmod napt || fail "rmmod napt" || return
		check_unloaded || return
	done
}

test_insmod_cycle()
{
	local ko

	napt_unload || return 1
	ko=$(modinfo -n napt) || fail "modinfo cannot find napt" || return
	echo "insmod $ko"
	insmod "$ko" || fail "insmod $ko" || return
	check_loaded || return
	rmmod napt || fail "rmmod napt" || return
	check_unloaded
}

test_version()
{
	local want have

	napt_unload || return 1
	modprobe napt || return 1
	have=$(cat /sys/module/napt/version 2>/dev/null)
	want=$(napt_version_expected)
	[ -n "$have" ] || fail "napt.ko has no MODULE_VERSION" || return
	echo "module version: $have"
	if [ -n "$want" ] && [ "$have" != "$want" ]; then
		fail "expected $want (VERSION in the top Makefile)"
		return
	fi
	rmmod napt
}

# The kernel loads the module when a tool asks for the family by name
# (MODULE_ALIAS_GENL_FAMILY), as `naptctl` after boot would.
test_family_autoload()
{
	napt_unload || return 1
	genl ctrl get name napt >/dev/null ||
		fail "looking up the family by name did not load napt" || return
	check_loaded || return
	rmmod napt || fail "rmmod napt after autoload" || return
	check_unloaded
}

# A netlink socket that talked to the family holds no reference: napt
# unloads while naptctl has just used it.
test_unload_after_use()
{
	napt_unload || return 1
	modprobe napt || return 1
	naptctl version || fail "naptctl version" || return
	naptctl show || fail "naptctl show" || return
	rmmod napt || fail "rmmod napt after naptctl" || return
	check_unloaded
}

test_kmemleak()
{
	local ns leaks

	kmemleak_available ||
		{ skip "kmemleak not available (no /sys/kernel/debug/kmemleak: kernel without CONFIG_DEBUG_KMEMLEAK)"; return; }
	napt_unload || return 1
	echo clear >/sys/kernel/debug/kmemleak
	modprobe napt || return 1
	ns=napt-leak-$NAPT_RUN_ID
	ip netns add "$ns" || return 1
	# Exercise what allocates: an instance in a namespace, netlink.
	ip -n "$ns" link add dummy0 type dummy
	ip netns exec "$ns" naptctl wan set dev dummy0 ||
		echo "(naptctl wan set failed; checking for leaks anyway)"
	naptctl version >/dev/null
	ip netns del "$ns"
	napt_unload || fail "rmmod napt" || return
	leaks=$(kmemleak_report)
	[ -z "$leaks" ] || { echo "$leaks" | head -n 40; fail "kmemleak reports leaks"; }
}

ktap_print_header
ktap_set_plan 6
run_test "modprobe/rmmod twice, genl family appears and goes" test_modprobe_cycle
run_test "insmod of napt.ko and rmmod" test_insmod_cycle
run_test "module version is the tree's VERSION" test_version
run_test "genl family lookup autoloads napt" test_family_autoload
run_test "napt unloads right after naptctl used it" test_unload_after_use
run_test "no kmemleak report after load, use, unload" test_kmemleak
napt_unload
tests_done
