#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One napt instance per network namespace: configuring it in one
# namespace does not touch another; deleting a namespace that has napt
# configured frees the instance, and the module still unloads cleanly;
# namespaces made before the module loads work too; and rmmod with
# instances alive tears them down.
#
# Topology: namespaces with a dummy interface each, no links between them.
#
#   [ NS_A: dummy0 = napt WAN ]   [ NS_B: dummy0, napt off ]   ...

source "$(dirname "$0")/lib.sh"

require_root
require_naptctl
require_cmd modprobe rmmod

# ns_with_wan NAME: a namespace NAME with dummy0 up, and napt's WAN on it.
ns_with_wan()
{
	ip netns add "$1" || return 1
	ip -n "$1" link add dummy0 type dummy || return 1
	ip -n "$1" addr add 198.51.100.1/24 dev dummy0
	ip -n "$1" link set dummy0 up
	ip netns exec "$1" naptctl wan set dev dummy0 ||
		fail "naptctl wan set dev dummy0 in $1" || return
}

test_isolation()
{
	local out

	setup_ns NS_A NS_B || return 1
	ip -n "$NS_A" link add dummy0 type dummy || return 1
	ip -n "$NS_B" link add dummy0 type dummy || return 1
	in_ns "$NS_A" naptctl wan set dev dummy0 || fail "wan set in NS_A" || return
	out=$(in_ns "$NS_A" naptctl wan show 2>&1)
	echo "NS_A: $out"
	echo "$out" | grep -qw dummy0 || fail "NS_A does not show its WAN" || return
	out=$(in_ns "$NS_B" naptctl wan show 2>&1)
	echo "NS_B: $out"
	! echo "$out" | grep -qw dummy0 || fail "NS_B sees NS_A's WAN" || return
}

test_delete_configured()
{
	local ns=napt-del-$NAPT_RUN_ID

	napt_unload || return 1
	modprobe napt || return 1
	ns_with_wan "$ns" || { ip netns del "$ns" 2>/dev/null; return 1; }
	ip netns del "$ns" || return 1
	napt_unload || fail "rmmod napt after the namespace went" || return
	! napt_loaded
}

test_namespace_before_load()
{
	local ns=napt-old-$NAPT_RUN_ID

	napt_unload || return 1
	ip netns add "$ns" || return 1
	ip -n "$ns" link add dummy0 type dummy
	modprobe napt || { ip netns del "$ns"; return 1; }
	ip netns exec "$ns" naptctl wan set dev dummy0 ||
		fail "wan set in a namespace older than the module"
	local rc=$?
	ip netns del "$ns"
	[ $rc -eq 0 ] || return 1
	napt_unload || fail "rmmod napt" || return
}

test_churn()
{
	local i ns

	napt_unload || return 1
	modprobe napt || return 1
	for i in $(seq 1 10); do
		ns=napt-churn$i-$NAPT_RUN_ID
		ns_with_wan "$ns" || { ip netns del "$ns" 2>/dev/null; return 1; }
		ip netns del "$ns" || return 1
	done
	echo "10 namespaces made, configured and deleted"
	napt_unload || fail "rmmod napt after the churn" || return
}

test_rmmod_with_instances()
{
	local ns=napt-live-$NAPT_RUN_ID

	napt_unload || return 1
	modprobe napt || return 1
	ns_with_wan "$ns" || { ip netns del "$ns" 2>/dev/null; return 1; }
	rmmod napt || { ip netns del "$ns"; fail "rmmod napt with an instance alive"; return; }
	# The namespace outlives the module, and napt can come back.
	ip -n "$ns" link show dummy0 >/dev/null || fail "namespace broken after rmmod"
	local rc=$?
	ip netns del "$ns"
	[ $rc -eq 0 ] || return 1
	modprobe napt || fail "modprobe napt after rmmod with instances" || return
	napt_unload
}

ktap_print_header
ktap_set_plan 5
napt_unload
modprobe napt
run_test "napt configured in one netns is not seen in another" test_isolation
run_test "netns with napt configured deleted, then rmmod is clean" test_delete_configured
run_test "netns made before the module loaded can use napt" test_namespace_before_load
run_test "10 netns made, configured and deleted, then rmmod" test_churn
run_test "rmmod with an instance alive, then the netns is deleted" test_rmmod_with_instances
tests_done
