#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The long reliability suites: the VM suite with TCPSTATES_SCALE=long
# (netlink fuzzing with 100,000+ messages, 200 load/unload cycles under
# fire, churn of 100,000+ connections and 1,000,000+ events) on 6.1, 6.1-rt,
# 6.12 and the debug kernel (KASAN, lockdep, kmemleak; built and cached by
# scripts/build-kernel.sh on first use). `make test` runs short versions.
#
# Usage: scripts/stress.sh [KERNEL...]   (default: 6.1 6.1-rt 6.12 debug)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- 6.1 6.1-rt 6.12 debug
TCPSTATES_SCALE=long exec "$here/test-matrix.sh" "$@"
