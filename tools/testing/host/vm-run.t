#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP test for scripts/vm-run.sh: boots the 6.1 test kernel a few times
# (three runs at once, then a timeout) and checks exit status, output,
# cwd, tmpfs, loopback, kernel-report detection and clean-up.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

if ! rel=$(kernel_release 6.1 2>/dev/null); then
	echo "1..0 # SKIP no 6.1 test kernel installed"
	exit 0
fi

# shellcheck source=tools/testing/host/tap.sh
. "$root/tools/testing/host/tap.sh"
has() { grep -qF -- "$2" "$1"; }
# Processes started by our VM runs (qemu, timeout, tail...), found by an
# environment tag: other jobs may be running VMs at the same time.
# Set only in vm-run.sh's environment, so this script's own subshells and
# greps do not carry it.
tag="$$-$RANDOM"
vm() { VM_RUN_T_TAG=$tag "$root/scripts/vm-run.sh" "$@"; }
leftovers() { grep -lsa "VM_RUN_T_TAG=$tag" /proc/[0-9]*/environ || true; }

echo "1..16"

# Everything that needs a plain successful boot, in one VM.
# shellcheck disable=SC2016 # expanded in the guest
probe='echo streamed-line
echo "cwd=$PWD"
echo "vm=$TCPSTATES_VM kernel=$TCPSTATES_VM_KERNEL"
echo data >/tmp/probe && echo "tmp=$(cat /tmp/probe)"
busybox nc -l -p 5555 </dev/null >/tmp/got4 &
sleep 1
echo ping4 >/dev/tcp/127.0.0.1/5555
wait
echo "lo4=$(cat /tmp/got4)"
busybox nc -l -p 5556 </dev/null >/tmp/got6 &
sleep 1
echo ping6 >/dev/tcp/::1/5556
wait
echo "lo6=$(cat /tmp/got6)"
echo "WARNING: CPU: 9 PID: 9 at not-a-kernel-line"
exit 3'

# Run three VMs at once: also shows that concurrent runs do not collide.
cd "$root"
vm -t 120 -- "$probe" >"$tmp/a.out" 2>"$tmp/a.err" <&- & a=$!
vm -t 120 -- 'echo "WARNING: CPU: 0 PID: 1 at fake" >/dev/kmsg; echo kmsg-written' \
	>"$tmp/b.out" 2>"$tmp/b.err" <&- & b=$!
vm -t 120 -- printf '<%s>\n' "two words" 'it'"'"'s' >"$tmp/c.out" 2>"$tmp/c.err" <&- & c=$!
ra=0; wait "$a" || ra=$?
rb=0; wait "$b" || rb=$?
rc=0; wait "$c" || rc=$?

ok "$([ "$ra" = 3 ]; echo $?)" "exit status passes through (exit 3 -> $ra)"
ok "$(has "$tmp/a.out" streamed-line; echo $?)" "command output reaches stdout"
ok "$(has "$tmp/a.out" "cwd=$root"; echo $?)" "command runs in the host cwd"
ok "$(has "$tmp/a.out" "vm=1 kernel=$rel"; echo $?)" "TCPSTATES_VM and TCPSTATES_VM_KERNEL are set"
ok "$(has "$tmp/a.out" "tmp=data"; echo $?)" "/tmp is writable"
ok "$(has "$tmp/a.out" "lo4=ping4"; echo $?)" "TCP over 127.0.0.1 works"
ok "$(has "$tmp/a.out" "lo6=ping6"; echo $?)" "TCP over ::1 works"
ok "$(! grep -q '@@tcpstates-vm' "$tmp/a.out"; echo $?)" "no exit marker in the output"
ok "$(! grep -q 'kernel .* reported a problem' "$tmp/a.err"; echo $?)" \
	"a WARNING: line in the command's output is not a kernel report"
ok "$([ "$rb" = 125 ]; echo $?)" "WARNING written to /dev/kmsg fails the run with 125 (got $rb)"
ok "$(has "$tmp/b.err" "WARNING: CPU: 0 PID: 1 at fake" && has "$tmp/b.out" kmsg-written; echo $?)" \
	"the offending kernel line is printed on stderr"
ok "$([ "$rc" = 0 ] && [ "$(cat "$tmp/c.out")" = "$(printf '<%s>\n' "two words" "it's")" ]; echo $?)" \
	"several arguments run as an argv, quoting preserved"

# Time limit: qemu is killed, 124, nothing left behind.
start=$SECONDS
rt=0
vm -t 20 -- 'echo started; sleep 1000' >"$tmp/t.out" 2>"$tmp/t.err" <&- & t=$!
wait "$t" || rt=$?
took=$((SECONDS - start))
ok "$([ "$rt" = 124 ]; echo $?)" "timeout returns 124 (got $rt after ${took}s)"
ok "$([ "$took" -lt 40 ]; echo $?)" "timeout enforced promptly (${took}s for -t 20)"
ok "$(has "$tmp/t.err" "timed out" && has "$tmp/t.out" started; echo $?)" \
	"timeout message on stderr, output streamed before the kill"
left=$(leftovers)
ok "$([ -z "$left" ]; echo $?)" "no qemu (or other) process left behind${left:+: $left}"
