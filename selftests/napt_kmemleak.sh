#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite's last test: after every other test has loaded, used, and
# unloaded napt (run_tests.sh clears kmemleak's record before the first
# one), napt is unloaded and kmemleak scans; nothing it reports may come
# from napt. On kernels without kmemleak (Debian's), a SKIP: `make test
# KERNEL=debug` is the run that has it.
#
# Topology: none, the initial network namespace only.

source "$(dirname "$0")/lib.sh"

require_root

# A leak is napt's when its allocation backtrace runs through napt: by
# name while napt is loaded, by an address in the module area (from
# 0xffffffffa0000000) once it is gone, since kmemleak can no longer
# name it then.
napt_leaks()
{
	awk '
	/^unreferenced object/ { if (blk != "" && ours) print blk; blk = ""; ours = 0 }
	{ blk = blk $0 "\n" }
	/\[napt\]|napt_|\[<ffffffff[a-f]/ { ours = 1 }
	END { if (blk != "" && ours) printf "%s", blk }'
}

test_suite_leaks()
{
	local all ours

	kmemleak_available ||
		{ skip "kmemleak not available (kernel without CONFIG_DEBUG_KMEMLEAK; KERNEL=debug has it)"; return; }
	napt_unload || fail "rmmod napt" || return
	all=$(kmemleak_report)
	ours=$(napt_leaks <<<"$all")
	if [ -n "$all" ] && [ -z "$ours" ]; then
		echo "kmemleak reports leaks outside napt (not judged here):"
		head -n 20 <<<"$all"
	fi
	[ -z "$ours" ] || { head -n 60 <<<"$ours"; fail "kmemleak reports leaks from napt"; }
}

ktap_print_header
ktap_set_plan 1
run_test "no kmemleak report from napt after the whole suite" test_suite_leaks
tests_done
