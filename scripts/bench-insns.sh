#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the instructions go: the guest's kernel instructions per
# connection and per event, by function, for each configuration, counted
# exactly by a qemu TCG plugin (scripts/tbcount.c) in one boot of the test
# VM (single-threaded TCG). Unlike timings, the counts depend on the
# host's load only through the guest's timer ticks (a slower guest takes
# more of them a connection: run it on an idle host), so two runs (two
# commits) compare directly.
#
# Usage: scripts/bench-insns.sh [-k KERNEL] [-n CONNECTIONS] [-o DIR]
#                               [-c "none module listen ..."] [-m KO]
#
#   -k KERNEL       test kernel (6.1, 6.12, ... or a release); default 6.1
#   -n CONNECTIONS  connections per configuration (one churn thread); default 5000
#   -o DIR          output directory; default build/insns
#   -c CONFIGS      configurations, in order (tools/testing/insns-vm.sh):
#                   none module listen watch listen-nl watch-nl bpftrace-tp
#                   bpftrace-kprobe; default all, none first and last. Those
#                   with the module come together (its symbols are read once)
#   -m KO           this module instead of the tree's
#   TCPSTATES_VM_CPU  the guest's CPU model, as for scripts/vm-run.sh
#                   (default max; see scripts/bench.sh --cpu)
#
# Reported (DIR/insns-KERNEL.md, and on stdout): per configuration, the
# kernel's instructions per connection and what each adds over untraced;
# per event, the instructions in this module's functions, in the hooking
# machinery (ftrace trampolines, kprobes), and the functions that account for the rest of the difference.
# User-space instructions are counted as one bucket ("[user]").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

usage() {
	sed -n '12,24s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

kernel=6.1 conns=5000 out=$top/build/insns configs='' ko=''
while [ $# -gt 0 ]; do
	case $1 in
	-k) kernel=${2:?}; shift 2 ;;
	-n) conns=${2:?}; shift 2 ;;
	-o) out=${2:?}; shift 2 ;;
	-c) configs=${2:?}; shift 2 ;;
	-m) ko=$(realpath "${2:?}"); shift 2 ;;
	-h|--help) usage ;;
	*) log "bench-insns: unknown argument $1"; usage ;;
	esac
done
[[ $conns =~ ^[1-9][0-9]*$ ]] || usage
case $out in /tmp/*|/run/*) die "bench-insns: -o must not be under /tmp or /run (the VM does not see them)" ;; esac
release=$(kernel_release "$kernel") || die "bench-insns: kernel $kernel is not installed (run scripts/deps.sh)"
mkdir -p "$out"
out=$(realpath "$out")

log "== building (plugin, module for $release, CLI, churn)"
build_plugin "$out/tbcount.so"
make -s -C "$top/tools"
cc -O2 -Wall -Wextra -Werror -pthread -o "$out/churn" "$top/tools/testing/churn.c"
[ -n "$ko" ] || ko=$(build_module_for "$release")

rm -f "$out"/tb.* "$out/trigger" "$out/kallsyms"
cfg_args=()
[ -z "$configs" ] || cfg_args=(--configs "$configs")
log "== counting in the $release test VM (single-threaded TCG, with the plugin)"
# The guest asks for each snapshot by a marker line; it idles 2 s after.
TCPSTATES_VM_QEMU_ARGS="-plugin $out/tbcount.so,out=$out/tb,trigger=$out/trigger,min=0" \
	"$top/scripts/vm-run.sh" -k "$release" -t 3600 -m 2048 -- \
	"$top/tools/testing/insns-vm.sh" --ko "$ko" --churn "$out/churn" \
	--cli "$top/tools/tcpstates" --conns "$conns" "${cfg_args[@]}" |
	tee "$out/insns-$kernel.log" | {
		syms=0
		while IFS= read -r line; do
			case $line in
			"@@tbcount-snap "*"@@")
				name=${line#@@tbcount-snap }
				echo "${name%@@}" >"$out/trigger" ;;
			"@@kallsyms-begin@@") syms=1; : >"$out/kallsyms.b64" ;;
			"@@kallsyms-end@@") syms=0 ;;
			*)
				if [ $syms = 1 ]; then
					echo "$line" >>"$out/kallsyms.b64"
				else
					case $line in INSNS*) ;; *) echo "$line" ;; esac
				fi ;;
			esac
		done
	}
[ -s "$out/kallsyms.b64" ] || die "bench-insns: the guest sent no symbols (see $out/insns-$kernel.log)"
base64 -d "$out/kallsyms.b64" | gunzip >"$out/kallsyms"
python3 "$top/scripts/insns-report.py" "$out" "$kernel" | tee "$out/insns-$kernel.md"
