#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The long reliability suites: the VM suite with TCPSTATES_SCALE=long
# (netlink fuzzing with 100,000+ messages, 200 load/unload cycles under
# fire, churn of 100,000+ connections and 1,000,000+ events) on 6.1, 6.1-rt
# and 6.12, 75 minutes or more each (200 cycles took 3,379 s on 6.1).
# `make test` runs short versions, and
# `make test-matrix` runs them on the debug kernel (KASAN, lockdep,
# kmemleak), which is 5 to 10 times slower: its long run would take most of
# a day, but `scripts/stress.sh debug` does it.
#
# Usage: scripts/stress.sh [KERNEL...]   (default: 6.1 6.1-rt 6.12)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- 6.1 6.1-rt 6.12
TCPSTATES_SCALE=long exec "$here/test-matrix.sh" "$@"
