#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run napt's selftests through the kselftest framework's own runner
# (runner.sh: run_many, per-test timeout from ./settings), KTAP on stdout.
# This is what `make test` runs inside the VM, on each kernel; it works on
# any machine where napt.ko can be loaded (as root).
#
#   selftests/run_tests.sh [-a] [TEST...]
#
# TEST: a name from the Makefile's TEST_PROGS/TEST_GEN_PROGS (a path is
# cut to its name); none: all of them. Exits 1 if a test failed, unless
# -a: then 0 once all have run, and the caller judges the KTAP.
set -u

all_done=
if [ "${1:-}" = -a ]; then
	all_done=1
	shift
fi

here=$(cd "$(dirname "$0")" && pwd -P)
top=$(dirname "$here")

# The framework as `make kselftest` extracts it: an installed kselftest
# tree whose net/napt is this directory.
export BASE_DIR=${KSFT_BASE_DIR:-$top/build/kselftest}
if [ ! -r "$BASE_DIR/kselftest/runner.sh" ] || [ ! -d "$BASE_DIR/net/napt" ]; then
	echo "Bail out! no kselftest framework in $BASE_DIR (run 'make kselftest')"
	exit 1
fi

if [ $# -eq 0 ]; then
	read -r -a tests <<<"$(make -s --no-print-directory -C "$here" list)"
else
	tests=()
	for t in "$@"; do tests+=("$(basename "$t")"); done
fi
# The leak sweep judges everything before it: last, whatever the order given.
for i in "${!tests[@]}"; do
	[ "${tests[i]}" = napt_kmemleak.sh ] && unset 'tests[i]' && tests+=(napt_kmemleak.sh)
done
tests=("${tests[@]}")
[ ${#tests[@]} -gt 0 ] || { echo "Bail out! no tests to run"; exit 1; }

cd "$BASE_DIR/net/napt" || exit 1
# The long fuzz and stress runs (NAPT_LONG=1) take ten times as long.
if [ "${NAPT_LONG:-0}" = 1 ]; then
	export kselftest_override_timeout=$(($(sed -n 's/^timeout=//p' settings) * 10))
fi
# napt_kmemleak.sh, run last, judges what leaked from here on.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo clear >/sys/kernel/debug/kmemleak
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +u
# shellcheck source=/dev/null
source "$BASE_DIR/kselftest/runner.sh"
# Each test's wall time after its result line (a KTAP diagnostic): the
# budget under emulation is minutes, and this is where it goes.
run_many "${tests[@]}" | while IFS= read -r line; do
	printf '%s\n' "$line"
	case $line in
	"# selftests: "*) t0=$SECONDS ;;
	"ok "*|"not ok "*)
		name=${line##*: }
		echo "# time: ${name%% *} $((SECONDS - ${t0:-0})) s"
		;;
	esac
done | tee "$out"

[ -n "$all_done" ] && exit 0
! grep -q '^not ok ' "$out"
