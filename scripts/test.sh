#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite under prove: the host unit tests first, alone (one of
# them boots three VMs at once and times a VM's time limit), then the VM
# suite of each kernel of TEST_KERNELS (default: 6.1 6.1-rt 6.12), several
# at once.
#
# TEST_JOBS: how many VM suites run at once (default: the CPU count). A
# test VM runs single-threaded TCG (scripts/vm-run.sh): one host CPU each,
# so two suites side by side on 2 CPUs take as long as one alone (6.1 1,045
# s beside 6.12 1,080 s; 1,000 to 1,100 s alone).
# TCPSTATES_TOOLS_ON: the kernel whose suite runs the tests of the
# userspace tools (the CLI and the exporter, tools/testing/vm/run.sh): the
# first of TEST_KERNELS unless set; "all" runs them on every kernel
# (make test-matrix).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make -s -C tools
read -ra kernels <<<"${TEST_KERNELS:-6.1 6.1-rt 6.12}"
jobs=${TEST_JOBS:-$(nproc)}
case $jobs in
'' | *[!0-9]* | 0) echo "TEST_JOBS: a number of suites at once, 1 or more (got '$jobs')" >&2; exit 2 ;;
esac
suites=()
for k in "${kernels[@]}"; do
	[ -e "tools/testing/vm-$k.t" ] || { echo "no VM suite for kernel '$k'" >&2; exit 2; }
	suites+=("tools/testing/vm-$k.t")
done
export TCPSTATES_TOOLS_ON=${TCPSTATES_TOOLS_ON:-${kernels[0]:-all}}
status=0
prove -v tools/testing/host/*.t || status=1
if [ ${#suites[@]} -gt 0 ]; then
	# (with -j, prove prints each suite's whole output when it ends)
	prove -v -j "$jobs" "${suites[@]}" || status=1
fi
exit $status
