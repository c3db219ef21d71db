#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# napt under configuration churn: forwards, timeouts and filtering
# change, the WAN address moves, the instance goes and comes back,
# namespaces with instances of their own are made and deleted, the
# module is removed and reloaded, all while UDP and ICMP flow; then the
# kernel log is clean, nothing leaked (module unload, kmemleak where the
# kernel has it) and traffic works. Topology: lib_stress.sh.

source "$(dirname "$0")/lib_stress.sh"

# rctl ARGS...: naptctl in NS_ROUTER, quickly (nsenter: no sysfs
# remount as with ip netns exec; it counts under TCG, 100 rounds long).
rctl()
{
	nsenter --net="/run/netns/$NS_ROUTER" naptctl "$@"
}

# churn_round I: one round of configuration churn (see test_churn).
churn_round()
{
	local i=$1 ns from to

	rctl forward add $((9000 + i % 50)) "$LAN2_ADDR:8080" proto tcp \
		descr "churn $i" >/dev/null 2>&1
	rctl forward del $((9000 + (i + 25) % 50)) >/dev/null 2>&1
	if [ $((i % 2)) = 0 ]; then
		rctl set timeout udp $((5 + i % 30)) timeout tcp-est $((60 + i)) \
			filtering $(((i % 4 == 0)) && echo eif || echo adf) || return 1
	fi
	case $((i % 10)) in
	1|6)	# The WAN address moves, from .200 to .201 or back.
		from=$WAN_ADDR to=$WAN_ADDR2
		if ! ip -n "$NS_ROUTER" -4 addr show dev wan0 | grep -qF " $WAN_ADDR/"; then
			from=$WAN_ADDR2 to=$WAN_ADDR
		fi
		ip -n "$NS_ROUTER" addr add "$to/24" dev wan0 &&
			ip -n "$NS_ROUTER" addr del "$from/24" dev wan0 &&
			ip -n "$NS_ROUTER" route replace default via "$INET_ADDR" ||
			return 1
		;;
	2|7)	# The instance goes and comes back.
		rctl wan del && rctl wan set dev wan0 || return 1
		;;
	3|8)	# A namespace with an instance of its own, deleted.
		ns=churn-$NAPT_RUN_ID-$i
		ip netns add "$ns" || return 1
		{ ip -n "$ns" link add dummy0 type dummy &&
			ip -n "$ns" addr add 10.9.9.9/24 dev dummy0 &&
			ip -n "$ns" link set dummy0 up &&
			echo "wan set dev dummy0
set max-mappings 10
forward add 80 10.9.9.10" | nsenter --net="/run/netns/$ns" naptctl restore -
		} || { ip netns del "$ns"; return 1; }
		ip netns del "$ns" || return 1
		;;
	4)	# Mappings flushed under the traffic.
		rctl mapping flush || return 1
		;;
	5)	# Everything at once.
		echo "wan set dev wan0
set timeout udp 20
forward add 8080 $LAN2_ADDR:8080 proto tcp" | rctl restore - || return 1
		;;
	esac
	if [ $((i % 12)) = 0 ]; then
		# The module goes, with instances and traffic, and comes back.
		napt_unload || { echo "rmmod napt failed"; return 1; }
		modprobe napt && in_ns "$NS_ROUTER" naptctl wan set dev wan0 || return 1
	fi
}

test_churn()
{
	local i t0 pids=() rc=0 leaks splats

	napt_reset || return 1
	in_ns "$NS_ROUTER" sysctl -qw net.ipv4.conf.wan0.promote_secondaries=1
	kmsg_mark
	kmemleak_available && echo clear >/sys/kernel/debug/kmemleak
	prober "$NS_LAN1" probe1 "$LAN1_ADDR:47001"
	pids+=("$BG_PID")
	bg_in "$NS_LAN2" ping ping -n -q -i 0.5 -W 1 "$SRV_ADDR"
	pids+=("$BG_PID")
	t0=$(date +%s)
	for ((i = 1; i <= ROUNDS; i++)); do
		churn_round "$i" || { echo "round $i failed"; rc=1; break; }
		[ $((i % 10)) = 0 ] && echo "$i rounds, $(($(date +%s) - t0)) s"
	done
	echo "$((i - 1)) rounds in $(($(date +%s) - t0)) s"
	touch "$NAPT_TMP/probe1.stop"
	kill -INT "${pids[1]}" 2>/dev/null
	bg_wait "${pids[0]}"
	wait "${pids[1]}"
	show_log probe1
	show_log ping | tail -n 2
	[ $rc -eq 0 ] || fail "a churn step failed" || return

	# Back to W = .200 with napt on, and traffic works.
	ip -n "$NS_ROUTER" addr add "$WAN_ADDR/24" dev wan0 2>/dev/null
	ip -n "$NS_ROUTER" addr del "$WAN_ADDR2/24" dev wan0 2>/dev/null
	ip -n "$NS_ROUTER" route replace default via "$INET_ADDR"
	napt_reset || return 1
	udp_ok "$NS_LAN1" "$LAN1_ADDR:47101" || fail "no UDP echo after the churn" || return
	pkt_in "$NS_LAN2" tcp-client --bind "$LAN2_ADDR:47102" --to "$SRV_ADDR:7" \
		--bytes 20000 >/dev/null || fail "no TCP echo after the churn" || return
	in_ns "$NS_LAN1" ping -n -c 1 -W 5 "$SRV_ADDR" >/dev/null ||
		fail "no ping reply after the churn" || return

	# Nothing left behind: the module unloads with its caches empty.
	napt_unload || fail "rmmod napt after the churn" || return
	modprobe napt && napt_reset || return 1
	splats=$(kmsg_splats; dmesg | tail -n +"$((NAPT_KMSG_MARK + 1))" |
		grep -E 'Objects remaining|kmem_cache_destroy|napt.*(leak|busy)')
	[ -z "$splats" ] || { echo "$splats" | head -n 60; fail "the kernel logged a bug"; return; }
	if kmemleak_available; then
		leaks=$(kmemleak_report | grep -B3 -A20 napt)
		[ -z "$leaks" ] || { echo "$leaks" | head -n 60; fail "kmemleak reports napt objects"; return; }
		echo "kmemleak: no napt object reported"
	else
		echo "kmemleak: not available in this kernel (no /sys/kernel/debug/kmemleak): leak check by module unload only"
	fi
}

stress_start 1
run_test "$ROUNDS rounds of config, WAN, instance, netns and module churn under traffic" test_churn
tests_done
