#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every test_*.sh of this folder inside the test VM, in the order of
# their numbers: the tests that count every event in the ring run first,
# before the TIME_WAIT sockets of the others start to expire (60 s).
# Output: their TAP lines; vm-suite.sh numbers them and adds the plan.
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../../.." && pwd)
export TCPSTATES_KO=${1:?usage: run.sh MODULE.ko}
# TCPSTATES_SCALE (short|long) sizes the stress tests; TCPSTATES_SLOW
# multiplies the time limit of each test (debug kernels).
export TCPSTATES_SCALE=${TCPSTATES_SCALE:-short}
slow=${TCPSTATES_SLOW:-1}
# TCPSTATES_TOOLS_TESTS=no skips the tests marked "# tcpstates-suite: tools"
# (the CLI and the exporter against the module: userspace that talks to the
# same netlink family on every kernel); make test runs them on its first
# kernel only, make test-matrix on every one.
tools_tests=${TCPSTATES_TOOLS_TESTS:-yes}
# (the longest test, test_80_cli.sh, takes 170 s on an idle host and took
# over 300 s on a busy one: the limit catches a hang, not a slow host)
limit=600
# (the 200 load/unload cycles took 3,379 s on 6.1 and more than 3,600 on
# 6.1-rt: each insmod and rmmod under churn on every CPU)
[ "$TCPSTATES_SCALE" = short ] || limit=7200
limit=$((limit * slow))
kmemleak=/sys/kernel/debug/kmemleak
# Leaks from before the tests (boot) are not ours: forget them.
[ -w $kmemleak ] && echo clear >$kmemleak
status=0
for t in "$here"/test_*.sh; do
	if [ "$tools_tests" = no ] && grep -qx '# tcpstates-suite: tools' "$t"; then
		echo "ok - ${t##*/} # SKIP a tools test: make test runs those on its first kernel"
		continue
	fi
	echo "# ${t##*/}"
	start=$SECONDS
	timeout $limit bash "$t" || status=1
	echo "# ${t##*/} took $((SECONDS - start)) s"
	# A test killed by its time limit leaves its children (traffic
	# generators, listeners) running: they must not load the next ones.
	if pkill -KILL -f "^$TOP/tools/(testing/)?(tcpconn|churn|nltest|nlfuzz|tcpstates|tcpstates-exporter)( |\$)" ||
		pkill -KILL -x bpftrace || pkill -KILL -x prometheus; then
		echo "# killed what ${t##*/} left running"
		sleep 1
	fi
	if grep -q '^tcpstates ' /proc/modules; then
		echo "not ok - ${t##*/} left the module loaded"
		rmmod tcpstates
		status=1
	fi
done
if [ -w $kmemleak ]; then
	# Two scans: an object is reported once it stayed unreferenced across
	# a whole scan. Anything listed after that is a leak since the clear.
	echo scan >$kmemleak; sleep 5; echo scan >$kmemleak
	leaks=$(grep -c '^unreferenced object' $kmemleak)
	if [ "$leaks" = 0 ]; then
		echo "ok - kmemleak: no unreferenced object after the tests"
	else
		echo "not ok - kmemleak: $leaks unreferenced objects after the tests"
		sed 's/^/# /' $kmemleak | head -n 200
		status=1
	fi
fi
exit $status
