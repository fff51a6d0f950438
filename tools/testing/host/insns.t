#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP test for scripts/insns-report.py (make bench-insns): blocks counted
# between two snapshots are charged to the right function and group, per
# connection and per event over untraced; the plugin builds clean.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tools/testing/host/tap.sh
. "$root/tools/testing/host/tap.sh"

d=$tmp/run
mkdir -p "$d"
cat >"$d/kallsyms" <<'EOF'
ffffffff81000000 funcA
ffffffff81000100 kprobe_ftrace_handler
ffffffff81000200 ktime_get
ffffffffc0000000 handler [tcpstates]
ffffffffc0000100 other [tcpstates]
EOF
# untraced, run 1 (10 connections) and 3: funcA, a block of 10, 100 times
# a run. The module, run 2 (10 connections, 100 events): funcA the same;
# handler 20 x 50 (1,000: 10 an event), other 4 x 25 starting mid-function
# (100: 1 an event), kprobe_ftrace_handler 5 x 100 (5 an event), ktime_get
# 3 x 100 (3 an event), user space 4 x 25 (1 an event), and a block far
# beyond every symbol (2 x 40: 0.8 an event, unknown).
cat >"$d/insns-6.1.log" <<'EOF'
# a comment line
INSNS {"run":1,"config":"none","connections":10,"events":0,"reader_lines":0,"reader_lost":0,"kernel":"6.1.0-test"}
INSNS {"run":2,"config":"module","connections":10,"events":100,"reader_lines":0,"reader_lost":0,"kernel":"6.1.0-test"}
INSNS {"run":3,"config":"none","connections":10,"events":0,"reader_lines":0,"reader_lost":0,"kernel":"6.1.0-test"}
EOF
snap() {	# FILE "start len count"...
	local f=$1
	shift
	printf '%s\n' "$@" >"$d/$f"
}
snap tb.1-none-0 "ffffffff81000000 10 7"
snap tb.1-none-1 "ffffffff81000000 10 107"
snap tb.2-module-0 "ffffffff81000000 10 107" "ffffffffc0000000 20 3"
snap tb.2-module-1 "ffffffff81000000 10 207" "ffffffffc0000000 20 53" \
	"ffffffffc0000110 4 25" "ffffffff81000100 5 100" "ffffffff81000200 3 100" \
	"400000 4 25" "ffffffff90000000 2 40"
snap tb.3-none-0 "ffffffff81000000 10 207"
snap tb.3-none-1 "ffffffff81000000 10 307"

out=$(python3 "$root/scripts/insns-report.py" "$d" 6.1 2>&1) && rc=0 || rc=$?
ok "$rc" "the report runs"
# has TEXT DESCRIPTION: the report has TEXT; lacks: it has not
has() { if grep -qF -- "$1" <<<"$out"; then ok 0 "$2"; else ok 1 "$2"; fi; }
lacks() { if grep -qF -- "$1" <<<"$out"; then ok 1 "$2"; else ok 0 "$2"; fi; }
has "| 1 | none | 100 | 0 | 10 |" "untraced: 100 instructions and 10 blocks per connection"
has "| 2 | module | 308 | 10 | 44 | +21 | +3 |" "module: 308 instructions a connection, 21 an event added, 3 blocks"
has "| this module | +11 | +1 |" "this module's functions: 11 an event, a block starting mid-function included"
has "| hooking machinery (ftrace, kprobes) | +5 | +1 |" "hooking machinery: 5 an event"
has "| clock | +3 | +1 |" "clock: 3 an event"
has "| user space | +1 |" "user space: 1 an event"
has "| \`[unknown]\` | +0.8 | +0.4 |" "a block beyond every symbol is unknown, not the last symbol's"
has "| \`handler [tcpstates]\` | +10.0 | +0.5 |" "per function: handler 10 instructions an event"
lacks "| \`funcA\` |" "a function untraced runs as much has no line"

# no snapshot for a run: said, and the rest reported
rm "$d/tb.3-none-1"
out=$(python3 "$root/scripts/insns-report.py" "$d" 6.1 2>&1) && rc=0 || rc=$?
ok "$rc" "a run without its snapshot: still a report"
has "run 3-none: no snapshot" "... which names the run"

(. "$root/scripts/lib.sh" && build_plugin "$tmp/tbcount.so") && rc=0 || rc=$?
ok "$rc" "the plugin builds with -Wall -Wextra -Werror"
nm -D --defined-only "$tmp/tbcount.so" 2>/dev/null | grep -qw qemu_plugin_install && rc=0 || rc=1
ok "$rc" "the plugin exports qemu_plugin_install"
nm -D --defined-only "$tmp/tbcount.so" 2>/dev/null | grep -qw qemu_plugin_version && rc=0 || rc=1
ok "$rc" "the plugin exports qemu_plugin_version"

echo "1..$n"
