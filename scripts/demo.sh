#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo: build the module for the 6.1 test kernel, boot the test VM,
# load the module, make a few loopback connections, show /proc/tcpstates
# and the CLI, unload. Usage: scripts/demo.sh [KERNEL]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
release=$(kernel_release "${1:-6.1}") || die "kernel ${1:-6.1} is not installed: run scripts/deps.sh"
echo "== building tcpstates.ko for $release"
ko=$(build_module_for "$release")
make -s -C "$top/tools"
echo "== booting the test VM ($release under qemu)"
exec "$top/scripts/vm-run.sh" -k "$release" -t 300 -- "$top/tools/testing/demo-vm.sh" "$ko"
