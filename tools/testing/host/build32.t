#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module builds for a 32-bit kernel: every 64-bit division goes
# through div_u64() and friends, since a 32-bit kernel has no __udivdi3
# (libgcc's helpers) to link against. An i386 tree from linux-source-6.1,
# prepared once and cached (scripts/lib.sh: prepare_i386_tree).
top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/scripts/lib.sh"
. "$top/tools/testing/host/tap.sh"

tree=$(prepare_i386_tree)
ok $? "an i386 kernel tree is prepared ($tree)"
out=$tmp/build
mkdir -p "$out/module"
cp "$top"/module/*.[ch] "$top/module/Kbuild" "$out/module/"
cp "$top/Kbuild" "$out/"
cp -r "$top/include" "$out/"
make -C "$tree" ARCH=i386 M="$out" modules >"$tmp/log" 2>&1
st=$?
grep -E 'error|warning:' "$tmp/log" | grep -v 'Symbol info of vmlinux is missing' | sed 's/^/# /'
ok $st "the module compiles for i386"
file "$out/module/tcpstates.ko" | grep -q 'ELF 32-bit'
ok $? "as a 32-bit object"
helpers=$(nm -u "$out/module/tcpstates.ko" 2>/dev/null | grep -E '__(u)?(div|mod)di3' | awk '{ print $2 }' | tr '\n' ' ')
[ -z "$helpers" ]
ok $? "no 64-bit division left to libgcc (${helpers:-none})"
echo "1..$n"
