#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# napt going away while packets flow through it: NAPT turned off and on
# again (naptctl wan del / wan set), the module unloaded with an instance
# configured (rmmod napt, no wan del first), and the router's namespace
# deleted. Each must be clean: no splat in the kernel log (checked here
# for the case that caused it, and by the VM runner for the whole run),
# and the module unloads afterwards.
#
#  NS_LAN1 192.168.1.2 --+   (UDP flood, TCP bulk)
#                        +-- lan0 [NS_ROUTER: napt] wan0 W    <- wan del, rmmod,
#  NS_LAN2 192.168.1.3 --+   (ping flood)                        ip netns del
#                                                 |
#                                  NS_INET 200.200.200.1
#                                                 |
#                                  NS_SRV 100.100.100.100   (UDP and TCP echo on :7)

source "$(dirname "$0")/lib_traffic.sh"

require_traffic
require_cmd ping rmmod

TRAFFIC=()

# traffic_start: flows in both directions through the router for up to
# 60 s (times NAPT_WAIT_SCALE: on the debug kernel the waits and the
# configuration changes in between can take longer than 60 s): a UDP
# flood echoed by the server, a TCP bulk transfer, a ping flood.
# traffic_stop ends them.
traffic_start()
{
	local secs=$((60 * NAPT_WAIT_SCALE))

	bg_in "$NS_LAN1" flood "${PKT[@]}" udp-client \
		--bind "$LAN1_ADDR:46000" --to "$SRV_ADDR:7" --no-wait \
		--duration "$secs" --interval 0.001 --size 200
	TRAFFIC+=("$BG_PID")
	bg_in "$NS_LAN1" bulk "${PKT[@]}" tcp-client \
		--bind "$LAN1_ADDR" --to "$SRV_ADDR:7" --bytes 200000000 \
		--timeout "$secs"
	TRAFFIC+=("$BG_PID")
	bg_in "$NS_LAN2" pings ping -n -q -i 0.005 -w "$secs" "$SRV_ADDR"
	TRAFFIC+=("$BG_PID")
}

traffic_stop()
{
	local pid

	for pid in "${TRAFFIC[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	TRAFFIC=()
}

# flowing: napt has translated 200 more packets each way since stats_mark.
flowing()
{
	stats_delta_ge xlate-out 200 && stats_delta_ge xlate-in 200
}

# clean_log: no splat since kmsg_mark.
clean_log()
{
	local splats

	splats=$(kmsg_splats)
	[ -z "$splats" ] || { echo "$splats"; fail "the kernel log has a splat"; }
}

test_wan_del_set()
{
	kmsg_mark
	stats_mark
	traffic_start
	wait_for -t 60 flowing || { traffic_stop; fail "no traffic through napt"; return; }
	stats_deltas xlate-out xlate-in
	napt_cmd wan del || { traffic_stop; fail "wan del under traffic"; return; }
	napt_cmd wan set dev wan0 || { traffic_stop; fail "wan set under traffic"; return; }
	stats_mark
	wait_for -t 30 stats_delta_ge xlate-out 100 ||
		{ traffic_stop; fail "nothing translated after wan set"; return; }
	stats_deltas xlate-out xlate-in mappings
	traffic_stop
	clean_log
}

test_rmmod()
{
	kmsg_mark
	napt_cmd wan set dev wan0 || return 1
	stats_mark
	traffic_start
	wait_for -t 60 flowing || { traffic_stop; fail "no traffic through napt"; return; }
	stats_deltas xlate-out xlate-in mappings sessions
	echo "# rmmod napt"
	rmmod napt || { traffic_stop; fail "rmmod napt with an instance and traffic"; return; }
	! napt_loaded || { traffic_stop; fail "napt is still loaded"; return; }
	traffic_stop
	clean_log || return
	modprobe napt || fail "modprobe napt after rmmod"
}

test_netns_del()
{
	kmsg_mark
	napt_cmd wan set dev wan0 || return 1
	stats_mark
	traffic_start
	wait_for -t 60 flowing || { traffic_stop; fail "no traffic through napt"; return; }
	stats_deltas xlate-out xlate-in mappings sessions
	echo "# ip netns del $NS_ROUTER"
	ip netns del "$NS_ROUTER" || { traffic_stop; return 1; }
	# The namespace is torn down in the background; its veth ends go
	# with it.
	wait_for -t 60 eval "! ip -n $NS_LAN1 link show eth0" ||
		{ traffic_stop; fail "the router's namespace was not torn down"; return; }
	traffic_stop
	napt_unload || fail "rmmod napt after the namespace went" || return
	clean_log || return
	modprobe napt || fail "modprobe napt after rmmod"
}

ktap_print_header
ktap_set_plan 3
traffic_setup
start_udp_server "$NS_SRV" "$SRV_ADDR" 7 srv_udp &&
	start_tcp_server "$NS_SRV" "$SRV_ADDR" 7 srv_tcp &&
	servers_ready || ktap_exit_fail_msg "the servers did not start"

run_test "wan del and wan set while traffic flows" test_wan_del_set
run_test "rmmod napt with an instance configured while traffic flows" test_rmmod
run_test "the router's netns deleted while traffic flows, then rmmod" test_netns_del
tests_done
