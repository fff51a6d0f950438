#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# How tcpstates' record path scales with CPUs: a pinned loopback churn from
# 1 CPU and from every CPU at once, untraced and with the module loaded,
# in ONE boot of the test VM under multi-threaded TCG (one host thread per
# vCPU, so that two vCPUs really run at once: the default single-threaded
# TCG interleaves them and cannot show scaling).
#
# Usage: scripts/bench-scaling.sh [-k KERNEL] [-r ROUNDS] [-d SECONDS]
#                                 [-b BYTES] [-i IDLE] [-o DIR] [-c COMMIT] [-f]
#                                 [-l]
#
#   -k KERNEL  test kernel (6.1, 6.1-rt, 6.12, 6.12-rt or a release); default 6.1
#   -r ROUNDS  rounds, each running every configuration once; default 5
#   -d SECONDS length of each churn run; default 5
#   -b BYTES   bytes each way per connection; default 0
#   -i IDLE    idle loopback connections held open through every run (the
#              modules loaded with conn_max=65536); default 0
#   -o DIR     output directory; default build/bench
#   -c COMMIT  also the module as of COMMIT (a configuration of its own,
#              named by it), to compare in the same boot; repeatable
#   -f         also the hooks' floor: the module built with TCPSTATES_FLOOR,
#              the same hooks with handlers that return at once (what any
#              tracer hooking these functions so pays; 'module' minus
#              'floor' is ours)
#   -l         also each module with a live reader (NAME+listen:
#              `tcpstates watch -L 1 -j`, which reads and parses every
#              event from the mapped ring and prints none; NAME+listen-nl:
#              the same over netlink; NAME+watch and NAME+watch-nl:
#              `watch -j` printing every event into /dev/null): the cost
#              of delivery, with a CPU to spare for the reader (1) and
#              without (2)
#
# Reported (DIR/scaling-KERNEL[-bBYTES][-iIDLE][-l].md, and on stdout): median connections per
# second per configuration and CPU count, the speed-up from 1 CPU to all,
# and the module's throughput relative to untraced at each CPU count.
# Nothing is asserted: the host's cores are shared with whatever else runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

usage() {
	sed -n '10,29s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

kernel=6.1 rounds=5 duration=5 bytes=0 idle=0 out=$top/build/bench commits=() floor=0 listen=()
while [ $# -gt 0 ]; do
	case $1 in
	-k) kernel=${2:?}; shift 2 ;;
	-r) rounds=${2:?}; shift 2 ;;
	-d) duration=${2:?}; shift 2 ;;
	-b) bytes=${2:?}; shift 2 ;;
	-i) idle=${2:?}; shift 2 ;;
	-o) out=${2:?}; shift 2 ;;
	-c) commits+=("${2:?}"); shift 2 ;;
	-f) floor=1; shift ;;
	-l) listen=(--listen); shift ;;
	-h|--help) usage ;;
	*) log "bench-scaling: unknown argument $1"; usage ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $bytes =~ ^[0-9]+$ && $duration =~ ^[1-9][0-9]*$ &&
   $idle =~ ^[0-9]+$ ]] || usage
[ "$idle" -le 30000 ] || die "bench-scaling: -i at most 30000 (both ends must fit conn_max=65536)"
tag=$kernel
[ "$bytes" = 0 ] || tag+=-b$bytes
[ "$idle" = 0 ] || tag+=-i$idle
[ ${#listen[@]} = 0 ] || tag+=-l
case $out in /tmp/*|/run/*) die "bench-scaling: -o must not be under /tmp or /run (the VM does not see them)" ;; esac

release=$(kernel_release "$kernel") || die "bench-scaling: kernel $kernel is not installed (run scripts/deps.sh)"
mkdir -p "$out"
log "== building (module for $release, CLI, churn)"
make -s -C "$top/tools"
cc -O2 -Wall -Wextra -Werror -pthread -o "$out/churn" "$top/tools/testing/churn.c"
ko=$(build_module_for "$release")
kos=(--ko "module=$ko")
for commit in "${commits[@]}"; do
	# that commit's module sources, built in a tree of their own
	rev=$(git -C "$top" rev-parse --short "$commit") || die "bench-scaling: no commit $commit"
	old=$out/module-$rev
	rm -rf "$old"
	mkdir -p "$old"
	git -C "$top" archive "$rev" Kbuild module include | tar -x -C "$old"
	make -s -C "$(kernel_build_dir "$release")" M="$old" modules >/dev/null ||
		die "bench-scaling: the module of $rev does not build for $release"
	kos+=(--ko "module-$rev=$old/module/tcpstates.ko")
done

if [ "$floor" = 1 ]; then
	# this tree's module, its handlers returning at once
	fl=$out/floor
	rm -rf "$fl"
	mkdir -p "$fl"
	cp -r "$top/Kbuild" "$top/module" "$top/include" "$fl/"
	rm -f "$fl"/module/*.o "$fl"/module/*.ko "$fl"/module/.*.cmd
	make -s -C "$(kernel_build_dir "$release")" M="$fl" KCFLAGS=-DTCPSTATES_FLOOR \
		modules >/dev/null || die "bench-scaling: the floor build failed for $release"
	kos+=(--ko "floor=$fl/module/tcpstates.ko")
fi

vm_secs=$((300 + idle / 20 + rounds * 2 * (${#kos[@]} * (4 * ${#listen[@]} + 1) / 2 + 1) * (duration + 20)))
log "== scaling in the $release test VM (multi-threaded TCG, 2 vCPUs; limit ${vm_secs} s)"
TCPSTATES_VM_ACCEL=tcg,thread=multi "$top/scripts/vm-run.sh" -k "$release" -t "$vm_secs" -s 2 -- \
	"$top/tools/testing/scaling-vm.sh" "${kos[@]}" --churn "$out/churn" \
	--cli "$top/tools/tcpstates" --rounds "$rounds" --duration "$duration" \
	--bytes "$bytes" --idle "$idle" "${listen[@]}" | tee "$out/scaling-$tag.log" | grep -v '^BENCH '

md=$out/scaling-$tag.md
sed -n 's/^BENCH //p' "$out/scaling-$tag.log" | python3 -c '
import json, statistics, sys
runs = [json.loads(l) for l in sys.stdin if l.strip()]
if not runs:
    sys.exit("bench-scaling: no results")
med = {}
cfgs = ["none"] + sorted({r["config"] for r in runs} - {"none"})
for cfg in cfgs:
    for n in sorted({r["cpus"] for r in runs}):
        v = [r["conn_per_sec"] for r in runs if r["config"] == cfg and r["cpus"] == n]
        if v:
            med[cfg, n] = (statistics.median(v), min(v), max(v), len(v))
cpus = sorted({n for _, n in med})
lo, hi = cpus[0], cpus[-1]
print("| configuration | CPUs | connections/s (median, min-max, runs) | speed-up from %d CPU |" % lo)
print("|---|---|---|---|")
for (cfg, n), (m, a, b, k) in med.items():
    print("| %s | %d | %.0f (%.0f-%.0f, %d) | %.2fx |" % (cfg, n, m, a, b, k, m / med[cfg, lo][0]))
print()
for cfg in cfgs[1:]:
    for n in cpus:
        if (cfg, n) in med and ("none", n) in med:
            print("- %d CPU(s): %s loaded / untraced = %.2f" % (n, cfg, med[cfg, n][0] / med["none", n][0]))
lis = [r for r in runs if "mcast_sent" in r]
if lis:
    print()
    print("Listeners: %d events sent to them, %d missed by the multicast (mcast_failed + mcast_overrun + mcast_nomem; a listener sees each gap) in %d runs." %
          (sum(r["mcast_sent"] for r in lis), sum(r["mcast_lost"] for r in lis), len(lis)))
mapped = [r for r in runs if "map_lost" in r]
if mapped:
    print()
    print("Mapped-ring listeners: %d events lost (seen by the reader as jumps in sequence numbers) in %d runs of %d events." %
          (sum(r["map_lost"] for r in mapped), len(mapped), sum(r["events"] for r in mapped)))
' | tee "$md"
log "== written $md"
