#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's side of scripts/bench-insns.sh: the same loopback churn
# under each configuration, between two snapshots of the qemu plugin's
# instruction counts (scripts/tbcount.c).
#
# Usage: insns-vm.sh --ko KO --churn CHURN --cli CLI [--conns N]
#                    [--configs "none module listen watch ..."]
#
# A snapshot is asked for by a line "@@tbcount-snap NAME@@" on stdout:
# the host writes the plugin's trigger when it reads it, and the guest
# idles meanwhile. Each configuration (one may be named twice: the runs
# are numbered) is a warm-up churn (so that its code
# is translated and its reader is live), snapshot CFG-0, N connections on
# one thread, a pause for the reader to drain, snapshot CFG-1. It prints
# "INSNS {json}" per configuration, and the guest's text symbols between
# "@@kallsyms-begin@@" and "@@kallsyms-end@@" (gzip, base64) while the
# module is loaded.
set -euo pipefail

ko='' churn='' cli='' conns=5000 configs="none module listen watch listen-nl watch-nl bpftrace-tp bpftrace-kprobe none"
while [ $# -gt 0 ]; do
	case $1 in
	--ko) ko=$2; shift 2 ;;
	--churn) churn=$2; shift 2 ;;
	--cli) cli=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	--configs) configs=$2; shift 2 ;;
	*) echo "insns-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -z "$ko" ] || [ -z "$churn" ] || [ -z "$cli" ]; then
	echo "insns-vm: --ko, --churn and --cli are required" >&2
	exit 2
fi

PORT=6200
say() { echo "# $*"; }
loaded() { grep -q '^tcpstates ' /proc/modules; }
jget() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"; }
events() { if loaded; then jget events "$("$cli" stats -j)"; else echo 0; fi; }
snap() { echo "@@tbcount-snap $1@@"; sleep 2; }
# lines the reader printed so far; what it said it lost (bpftrace's
# "Lost N events", the CLI's "N events lost in all" as it stops)
lines() { if [ -e /tmp/reader.out ]; then wc -l </tmp/reader.out; else echo 0; fi; }
lost() {
	cat /tmp/reader.out /tmp/reader.err 2>/dev/null |
		awk '/^Lost [0-9]+ events/ { n += $2 }
		     /^tcpstates: [0-9]+ events lost in all/ { n += $2 }
		     END { print n + 0 }'
}
churn_n() { "$churn" -4 -t 1 -p "$PORT" -n "$1" -q -j; }

# BT_TP and BT_KPROBE: the bpftrace programs of bench-vm.sh
# shellcheck source=tools/testing/bpftrace-progs.sh
. "$(dirname "${BASH_SOURCE[0]}")/bpftrace-progs.sh"

# alive, stop_bg
# shellcheck source=tools/testing/stop-bg.sh
. "$(dirname "${BASH_SOURCE[0]}")/stop-bg.sh"
reader=''
# Every reader prints into a file of the guest's tmpfs, as in bench-vm.sh
start_reader() {
	rm -f /tmp/reader.out
	case $1 in
	none|module) ;;
	listen) "$cli" watch -j -L 1 >/tmp/reader.out 2>/tmp/reader.err & reader=$! ;;
	watch) "$cli" watch -j >/tmp/reader.out 2>/tmp/reader.err & reader=$! ;;
	listen-nl) "$cli" watch -j -L 1 --no-map >/tmp/reader.out 2>/tmp/reader.err & reader=$! ;;
	watch-nl) "$cli" watch -j --no-map >/tmp/reader.out 2>/tmp/reader.err & reader=$! ;;
	bpftrace-tp|bpftrace-kprobe)
		local i prog
		if [ "$1" = bpftrace-tp ]; then prog=$BT_TP; else prog=$BT_KPROBE; fi
		bpftrace -e "$prog" >/tmp/reader.out 2>/tmp/reader.err & reader=$!
		for i in $(seq 300); do
			grep -q '^Attaching' /tmp/reader.out /tmp/reader.err 2>/dev/null && break
			sleep 0.5
		done
		;;
	*) echo "insns-vm: unknown configuration $1" >&2; exit 2 ;;
	esac
	[ -z "$reader" ] || sleep 2
}
stop_reader() {
	[ -n "$reader" ] || return 0
	stop_bg "$reader" INT reader 60 2>/dev/null || true
	reader=''
	if [ -s /tmp/reader.err ]; then sed 's/^/# reader: /' /tmp/reader.err | head -n 5; fi
}

# The symbols are read once, at the module's first load: the
# configurations with the module must come together (loaded again, the
# module could sit elsewhere).
seen=0 gone=0
for cfg in $configs; do
	case $cfg in
	none|bpftrace-*) [ $seen = 0 ] || gone=1 ;;
	*)
		if [ $gone = 1 ]; then
			echo "insns-vm: the configurations with the module must come together (not \"$configs\")" >&2
			exit 2
		fi
		seen=1 ;;
	esac
done

sysctl -qw kernel.kptr_restrict=0
dumped=0 i=0
for cfg in $configs; do
	i=$((i + 1))
	case $cfg in
	none|bpftrace-*) if loaded; then rmmod tcpstates; fi ;;
	*) loaded || insmod "$ko" ;;
	esac
	start_reader "$cfg"
	churn_n 500 >/dev/null		# warm-up: translate, and the reader is live
	sleep 2
	e0=$(events) l0=$(lines)
	snap "$i-$cfg-0"
	out=$(churn_n "$conns")
	sleep 3			# the reader drains (its wakeups come a tick late)
	snap "$i-$cfg-1"
	e1=$(events) l1=$(lines)	# (after: their own work is not counted)
	stop_reader
	echo "INSNS {\"run\":$i,\"config\":\"$cfg\",\"connections\":$(jget connections "$out"),\"events\":$((e1 - e0)),\"reader_lines\":$((l1 - l0)),\"reader_lost\":$(lost),\"kernel\":\"$(uname -r)\"}"
	if [ $dumped = 0 ] && loaded; then
		echo "@@kallsyms-begin@@"
		awk '$2 ~ /^[tT]$/ { print $1, $3, $4 }' /proc/kallsyms | gzip -1 | base64 -w 76
		echo "@@kallsyms-end@@"
		dumped=1
	fi
done
if loaded; then rmmod tcpstates; fi
