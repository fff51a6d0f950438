#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VM test suite for one kernel, as one TAP stream: build the module for
# it, boot the test VM once, run tools/testing/vm/run.sh inside, and fail on
# any kernel report. Usage: vm-suite.sh KERNEL (a flavour of
# scripts/lib.sh's kernel_release, or a release).
#
# TCPSTATES_SCALE=short (default) or long: the size of the stress tests
# (long: scripts/stress.sh). The debug kernel (KASAN, lockdep, kmemleak)
# runs several times slower under TCG: its time limits are 4 times longer.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"

kernel=${1:?usage: vm-suite.sh KERNEL}
n=0
tap() {	# tap STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

if ! release=$(kernel_release "$kernel"); then
	echo "1..0 # SKIP kernel $kernel is not installed (run scripts/deps.sh; scripts/build-kernel.sh for debug, 7.2, 5.10)"
	exit 0
fi
echo "# kernel $release"
ko=$(build_module_for "$release" 2>/tmp/tcpstates-build.$$)
st=$?
sed 's/^/# /' /tmp/tcpstates-build.$$; rm -f /tmp/tcpstates-build.$$
tap $st "module builds for $release without warnings"
if [ $st != 0 ]; then
	echo "1..$n"
	exit 1
fi
faults=$(build_faults_for "$release" 2>/tmp/tcpstates-build.$$)
st=$?
sed 's/^/# /' /tmp/tcpstates-build.$$; rm -f /tmp/tcpstates-build.$$
tap $st "the tests' fault-injection module builds for $release"

scale=${TCPSTATES_SCALE:-short} slow=1
[[ $release != *-debug ]] || slow=4
# TCPSTATES_TOOLS_ON=KERNEL (scripts/test.sh): the tests of the userspace
# tools (run.sh) run on that kernel only; unset or "all": on this one too.
tools=yes
case ${TCPSTATES_TOOLS_ON:-all} in
all | "$kernel") ;;
*) tools=no ;;
esac
# (a suite takes 1,000 to 1,100 s on an idle host, two suites side by side
# included, and took 1,600 s on a busy one; the limit catches a hang)
limit=${TCPSTATES_VM_TIMEOUT:-$((3000 * slow))}
[ "$scale" = short ] || limit=$((limit * 8))
echo "# scale $scale, VM time limit $limit s, tools tests: $tools"
start=$SECONDS
# the VM's whole console and output, kept for a report's full context
logs=$top/build/vm-logs/$release
rm -rf "$logs"
echo "# the VM's logs: $logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
	"$top/scripts/vm-run.sh" -k "$release" -t "$limit" --keep-log "$logs" -- env \
		TCPSTATES_SCALE="$scale" TCPSTATES_SLOW="$slow" TCPSTATES_FAULTS_KO="$faults" \
		TCPSTATES_TOOLS_TESTS="$tools" \
		"$top/tools/testing/vm/run.sh" "$ko" 2>&1
	echo "@@vm-status $?"
} | awk -v n="$n" -v out="$tmp/result" '
	/^@@vm-status / { st = $2; next }
	/^(not )?ok - / { n++; sub(/ok - /, "ok " n " - "); print; fflush(); next }
	/^(not )?ok / || /^1\.\./ { print "# " $0; fflush(); next }
	{ print; fflush() }
	END { print n, st > out }'
read -r n vmst <"$tmp/result"
echo "# VM suite on $release took $((SECONDS - start)) s"
case $vmst in
0)   tap 0 "VM run on $release: every test passed, no kernel report" ;;
124) tap 1 "VM run on $release: timed out" ;;
125) tap 1 "VM run on $release: the kernel log shows a report (see above)" ;;
*)   tap 1 "VM run on $release: exit status $vmst" ;;
esac
echo "1..$n"
