#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite as one prove run: host unit tests, then the VM suite
# on each kernel of TEST_KERNELS (default: 6.1 6.1-rt 6.12).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make -s -C tools
tests=(tools/testing/host/*.t)
for k in ${TEST_KERNELS:-6.1 6.1-rt 6.12}; do
	[ -e "tools/testing/vm-$k.t" ] || { echo "no VM suite for kernel '$k'" >&2; exit 2; }
	tests+=("tools/testing/vm-$k.t")
done
exec prove -v "${tests[@]}"
