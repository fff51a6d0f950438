# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Detect kernel bug reports in a kernel log (sourced, not run).
#
#   kernel_reports FILE          print the offending lines; 0 if any found,
#                                1 if none, 2 if FILE is unreadable
#   kernel_report_context FILE   the same lines with surrounding context
#
# FILE is a kernel log only (serial console and/or dmesg), never a test's
# own output: tests legitimately print words like "WARNING:" themselves.

# An optional printk prefix: serial console lines may start with a stray CR,
# then "[ secs.usecs] " and, with CONFIG_PRINTK_CALLER, "[ T123] ".
_KR_PFX='^[[:cntrl:]]*(\[ *[0-9]+\.[0-9]+\] )?(\[ *[CT][0-9]+\] )?'

# Extended regexes, one per report kind. Kept narrow enough that a normal
# boot (including the out-of-tree/unsigned module taint notices) is clean.
KREPORT_PATTERNS=(
	'\<Oops: '
	'\<BUG: '                        # NULL deref, sleeping in atomic, soft lockup, KASAN, KFENCE...
	'kernel BUG at '
	'\<BUG [^ ]+ \([^)]*\): '        # SLUB debug: "BUG kmalloc-64 (Tainted: G): Poison overwritten"
	# Only "WARNING:" starting a message (WARN_ON splats, lockdep headers):
	# "RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable..." is
	# a boot-time advisory about the host CPU, not a bug.
	"${_KR_PFX}WARNING: "
	'general protection fault'
	'Kernel panic'
	'\<(KASAN|UBSAN|KCSAN|KMSAN|KFENCE): '
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'suspicious RCU usage'
	'possible irq lock inversion'
	'bad unlock balance'
	'held lock freed'
	'lock held when returning to user space'
	'rcu: INFO:'
	'detected stall'
	'INFO: task .* blocked for more than'
	'unreferenced object 0x'
	'suspected memory leak'
	'hard LOCKUP'
	'soft lockup'
	'Kernel stack is corrupted'
	'Bad page (state|map)'
	'list_(add|del) corruption'
	'double fault'
)

_kreport_regex() {
	local IFS='|'
	printf '%s' "${KREPORT_PATTERNS[*]}"
}

kernel_reports() {
	local file=$1
	[ -r "$file" ] || return 2
	# -a: serial logs can contain NUL/garbage bytes after a crash.
	grep -a -E -- "$(_kreport_regex)" "$file"
}

# Matches with a few lines before (the "cut here" line, the caller) and
# more after (registers, call trace), capped so a storm stays readable.
kernel_report_context() {
	local file=$1 max=${2:-200}
	[ -r "$file" ] || return 2
	grep -a -n -E -B 3 -A 45 -- "$(_kreport_regex)" "$file" | tr -d '\r' | head -n "$max"
}
