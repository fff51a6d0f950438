#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The full kernel matrix: the host tests, then the VM suite on every test
# kernel: Debian's 6.1, 6.1-rt, 6.12 and 6.12-rt (installed by deps.sh),
# and the source-built 5.10, 7.2 and debug (6.1 with KASAN, lockdep,
# kmemleak; built once by scripts/build-kernel.sh and cached outside the
# repository: about an hour and a half on 2 cores the first time).
#
# Usage: scripts/test-matrix.sh [KERNEL...]   (default: all of the above)
# TCPSTATES_SCALE=long runs the long stress tests too (scripts/stress.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
[ $# -gt 0 ] || set -- 6.1 6.1-rt 6.12 6.12-rt 5.10 7.2 debug
TCPSTATES_WANT_612RT=1 "$here/deps.sh"
built=()
for k in "$@"; do
	case " $source_kernel_names " in *" $k "*) built+=("$k") ;; esac
done
[ ${#built[@]} -eq 0 ] || "$here/build-kernel.sh" "${built[@]}"
make -s -C "$here/.." cli
TCPSTATES_TOOLS_ON=${TCPSTATES_TOOLS_ON:-all} TEST_KERNELS="$*" exec "$here/test.sh"
