#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks: checkpatch --strict and sparse (C=2) on module/ for the
# 6.1 and 6.12 headers, -Wall -Wextra -Werror on tools/. Exits non-zero on
# any finding.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
cd "$top"
fail=0

[ -e "$(checkpatch_path)" ] || prepare_checkpatch
echo "== checkpatch --strict"
files=($(ls module/*.[ch] | grep -v "\.mod\.c$"))
[ -d include/uapi ] && files+=($(find include/uapi -name '*.h'))
if ! perl "$(checkpatch_path)" --no-tree --strict --quiet --show-types \
	--ignore SPDX_LICENSE_TAG -f "${files[@]}"; then
	fail=1
fi

for k in 6.1 6.12; do
	r=$(kernel_release "$k") || { echo "kernel $k not installed" >&2; fail=1; continue; }
	echo "== sparse (C=2) against $r"
	ko=$(build_module_for "$r") || { fail=1; continue; }
	out=$(make -s -C "/lib/modules/$r/build" M="$(dirname "$(dirname "$ko")")" C=2 modules 2>&1 |
		grep -v '^  CHECK\|Skipping BTF generation')
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done

echo "== tools: -Wall -Wextra -Werror"
make -s -C tools clean
make -s -C tools || fail=1
# the qemu plugin of scripts/bench-insns.sh
build_plugin /dev/null || fail=1

[ $fail = 0 ] && echo "check: clean" || echo "check: FINDINGS above"
exit $fail
