#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every test_*.sh of this folder inside the test VM, in the order of
# their numbers: the tests that count every event in the ring run first,
# before the TIME_WAIT sockets of the others start to expire (60 s).
# Output: their TAP lines; vm-suite.sh numbers them and adds the plan.
here=$(cd "$(dirname "$0")" && pwd)
export TCPSTATES_KO=${1:?usage: run.sh MODULE.ko}
status=0
for t in "$here"/test_*.sh; do
	echo "# ${t##*/}"
	start=$SECONDS
	timeout 300 bash "$t" || status=1
	echo "# ${t##*/} took $((SECONDS - start)) s"
	if grep -q '^tcpstates ' /proc/modules; then
		echo "not ok - ${t##*/} left the module loaded"
		rmmod tcpstates
		status=1
	fi
done
exit $status
