#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build module/tcpstates.ko for each given kernel (flavour or release) into
# build/RELEASE/module/tcpstates.ko.  Usage: scripts/build-module.sh 6.1 6.12
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -gt 0 ] || set -- 6.1
for k in "$@"; do
	r=$(kernel_release "$k") || die "kernel $k is not installed (run scripts/deps.sh)"
	build_module_for "$r"
done
