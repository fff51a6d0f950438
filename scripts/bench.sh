#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks: the cost of tcpstates, side by side with bpftrace (and bcc's
# tcpstates when installed), in ONE boot of the test VM.
#
# Usage: scripts/bench.sh [--quick] [-k KERNEL] [-r ROUNDS] [-d SECONDS]
#                         [-t THREADS] [-b BYTES] [-6] [-c "CONFIGS"]
#                         [-o DIR] [--cpu MODEL] [--no-profile] [--docs]
#                         [--report-only]
#
#   --quick      smoke run (~4 min; a full run takes ~20 min): one round of
#                3 s runs, and the memory check with small parameters
#                (ring_size=1024 conn_max=2048)
#   -k KERNEL    test kernel (6.1, 6.1-rt, 6.12 or a release); default 6.1
#   -r ROUNDS    rounds, each running every configuration once, in an order
#                rotated from round to round; default 5
#   -d SECONDS   length of each timed churn run; default 5
#   -t THREADS   churn threads; default: one per guest CPU
#   -b BYTES     bytes each way per connection; default 0
#   -6           IPv6 loopback (default IPv4)
#   -c CONFIGS   configurations, among: none module watch listen watch-nl
#                listen-nl bpftrace-tp
#                bpftrace-kprobe bcc exporter (default: all)
#   -o DIR       output directory; default build/bench
#   --cpu MODEL  the guest's CPU model (qemu -cpu); default max. max,-erms
#                takes away ERMS, whose `rep movsb`/`rep stosb` the kernel
#                then no longer uses for copies to and from user space and
#                page clears: TCG runs such an instruction one byte a
#                translated block, which a real CPU does not
#   --no-profile no perf profile (by default, after the rounds, one run each
#                of none, module, listen and watch under `perf record -a`,
#                to show where the time goes)
#   --docs       also copy results.md, results.json and results.png to docs/bench/
#   --report-only  no build, no VM: summarise DIR/vm.log and host.json again
#
# Each run is `churn` (tools/testing/churn.c): loopback connect, accept,
# close, as fast as it goes, for SECONDS, under one configuration (see
# tools/testing/bench-vm.sh). Reported: throughput relative to the run
# with no tracer of the same round (median and spread over the rounds),
# the events each tracer delivered against those that happened (by
# sequence number for tcpstates, by churn's exact count of connections
# times the events per connection for all), the loss, and the memory the
# module holds. Writes DIR/results.md, results.json, results.png (the PNG
# needs python3-matplotlib), raw.jsonl and vm.log.
#
# Nothing is asserted: the VM is emulated (TCG, no KVM), so absolute rates
# are meaningless and only ratios within one run are.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

usage() {
	sed -n '7,35s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

cpu=max kernel=6.1 rounds=5 duration=5 threads=0 bytes=0 fam=4 quick=0 docs=0 report_only=0 profile=1
all_configs="none module watch listen watch-nl listen-nl bpftrace-tp bpftrace-kprobe bcc exporter"
configs=$all_configs
out=$top/build/bench
rounds_set='' duration_set=''
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	-k) kernel=${2:?}; shift 2 ;;
	-r) rounds=${2:?}; rounds_set=1; shift 2 ;;
	-d) duration=${2:?}; duration_set=1; shift 2 ;;
	-t) threads=${2:?}; shift 2 ;;
	-b) bytes=${2:?}; shift 2 ;;
	-6) fam=6; shift ;;
	-c) configs=${2:?}; shift 2 ;;
	-o) out=${2:?}; shift 2 ;;
	--cpu) cpu=${2:?}; shift 2 ;;
	--no-profile) profile=0; shift ;;
	--docs) docs=1; shift ;;
	--report-only) report_only=1; shift ;;
	-h|--help) usage ;;
	*) log "bench: unknown argument $1"; usage ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $threads =~ ^[0-9]+$ && $bytes =~ ^[0-9]+$ &&
   $duration =~ ^[0-9]+(\.[0-9]+)?$ && $cpu =~ ^[A-Za-z0-9._,+=-]+$ ]] || usage

if [ $quick = 1 ]; then
	[ -n "$rounds_set" ] || rounds=1
	[ -n "$duration_set" ] || duration=3
	mem_params="ring_size=1024 conn_max=2048" mem_conns=8192
else
	# module defaults; 4 x conn_max (16384) connections for the large churn
	mem_params='' mem_conns=65536
fi
# The VM's limit, twice what a run takes. Measured on 2026-12-02 (a round
# of every configuration took 510 s): bcc takes up to 190 s to start
# under TCG, bpftrace about 50 s, a run with a printing reader about 35 s
# (the reader started, drained, its lines counted), the others the churn
# and about 10 s; boot, calibration, the memory check and the exporter's
# 10,000 connections about 10 min; the profile about 40 s a configuration.
# (A fixed 60 s per bpftrace and 8 s per other run cut the full run of
# that day short in its fifth round.)
vm_secs=$(awk -v r="$rounds" -v d="$duration" -v p="$profile" -v c="$configs" \
	'BEGIN {
		n = split(c, cf, " ")
		for (i = 1; i <= n; i++) {
			if (cf[i] == "bcc") s += 240
			else if (cf[i] ~ /^bpftrace/) s += 75
			else if (cf[i] ~ /^watch/) s += d + 40
			else if (cf[i] == "exporter") s += d + 55
			else s += d + 12
		}
		printf "%d", 2 * (600 + r * s + p * 4 * (d + 40))
	}')

start=$SECONDS
release=$(kernel_release "$kernel") || die "bench: kernel $kernel is not installed (run scripts/deps.sh)"
mkdir -p "$out"
case $out in /tmp/*|/run/*) die "bench: -o must not be under /tmp or /run (the VM does not see them)" ;; esac

# Struct sizes from the module's own debug information.
struct_size() {
	command -v pahole >/dev/null || { echo null; return; }
	pahole -C "$1" "$ko" 2>/dev/null | sed -n 's|.*/\* size: \([0-9]*\),.*|\1|p' | grep . || echo null
}

# The host's view of the VM, for runs the host starved (other VMs, a
# build): every 0.5 s, the host time and the CPU time the qemu process
# under this script has had so far, in clock ticks.
qemu_of_ours() {
	local q p
	for q in $(pgrep -f '^qemu-system' || true); do
		p=$q
		while [ "$p" -gt 1 ]; do
			[ "$p" = $$ ] && { echo "$q"; return 0; }
			p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null) || break
		done
	done
	return 1
}
sample_qemu() {
	local q=''
	while :; do
		[ -n "$q" ] && [ -e "/proc/$q" ] || q=$(qemu_of_ours) || q=''
		[ -z "$q" ] || echo "$(date +%s.%N) $(awk '{ print $14 + $15 }' "/proc/$q/stat" 2>/dev/null)"
		sleep 0.5
	done
}

if [ $report_only = 0 ]; then
	log "== building (module for $release, CLI, churn)"
	make -s -C "$top/tools"
	cc -O2 -Wall -Wextra -Werror -pthread -o "$out/churn" "$top/tools/testing/churn.c"
	ko=$(build_module_for "$release")

	log "== benchmark in the $release test VM (TCG: only ratios are meaningful; limit ${vm_secs} s)"
	profile_arg=()
	[ $profile = 0 ] || profile_arg=(--profile)
	set +e
	sample_qemu >"$out/qemu-cpu.log" 2>/dev/null &
	sampler=$!
	rm -f "$out/clock.log"
	(cd "$top" && TCPSTATES_VM_CPU=$cpu scripts/vm-run.sh -k "$release" -t "$vm_secs" -m 2048 -- \
		"$top/tools/testing/bench-vm.sh" --ko "$ko" --churn "$out/churn" \
		--cli "$top/tools/tcpstates" --exporter "$top/tools/tcpstates-exporter" --tcpconn "$top/tools/testing/tcpconn" \
		--rounds "$rounds" --duration "$duration" --threads "$threads" \
		--bytes "$bytes" --family "$fam" --configs "$configs" \
		--mem-params "$mem_params" --mem-conns "$mem_conns" \
		"${profile_arg[@]}") 2>&1 |
		tee "$out/vm.log" | while IFS= read -r line; do
			# the guest's clock against the host's, as its lines arrive
			case $line in
			'BENCH {"kind":"clock"'*) echo "$(date +%s.%N) $line" >>"$out/clock.log" ;;
			'BENCH '*) ;;
			*) printf '%s\n' "$line" ;;
			esac
		done
	vmst=${PIPESTATUS[0]}
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	set -e
	[ "$vmst" = 0 ] || die "bench: the VM run failed (exit $vmst), see $out/vm.log"

	# The host's side of the record: how this run was made
	if [ -n "${TCPSTATES_VM_ACCEL:-}" ]; then	# as scripts/vm-run.sh picks it
		accel=$TCPSTATES_VM_ACCEL
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		accel=kvm
	else
		accel=tcg,thread=single
	fi
	cmdline=scripts/bench.sh
	[ $quick = 0 ] || cmdline+=" --quick"
	cmdline+=" -k $kernel -r $rounds -d $duration"
	[ "$threads" = 0 ] || cmdline+=" -t $threads"
	[ "$bytes" = 0 ] || cmdline+=" -b $bytes"
	[ "$fam" = 4 ] || cmdline+=" -6"
	[ "$configs" = "$all_configs" ] || cmdline+=" -c '$configs'"
	[ "$cpu" = max ] || cmdline+=" --cpu $cpu"
	[ $profile = 1 ] || cmdline+=" --no-profile"
	printf '{"kind":"host","mode":"%s","date":"%s","host_cpu":"%s","host_cpus":%d,"accel":"%s","guest_cpu":"%s","release":"%s","event_size":%s,"conn_size":%s,"hash_bucket_size":8,"wall_s":%d,"command":"%s"}\n' \
		"$([ $quick = 1 ] && echo quick || echo full)" "$(date -u +%Y-%m-%dT%H:%MZ)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1 | tr -d '"\\')" \
		"$(nproc)" "$accel" "$cpu" "$release" "$(struct_size tcpstates_event)" \
		"$(struct_size tcpstates_conn)" $((SECONDS - start)) "$cmdline" >"$out/host.json"
else
	[ -s "$out/vm.log" ] && [ -s "$out/host.json" ] ||
		die "bench: no $out/vm.log and host.json to report on"
fi
{
	cat "$out/host.json"
	sed -n 's/^BENCH //p' "$out/vm.log"
	# host time when each clock line arrived; qemu's CPU time samples
	[ ! -s "$out/clock.log" ] ||
		sed -n 's/^\([0-9.]*\) BENCH {"kind":"clock",/{"kind":"clock_seen","host_t":\1,/p' "$out/clock.log"
	[ ! -s "$out/qemu-cpu.log" ] ||
		awk -v hz="$(getconf CLK_TCK)" 'NF == 2 { printf "%s[%s,%s]", n++ ? "," : "{\"kind\":\"qemu_cpu\",\"hz\":" hz ",\"samples\":[", $1, $2 }
			END { if (n) print "]}" }' "$out/qemu-cpu.log"
} >"$out/raw.jsonl"

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3	# Debian's, with python3-matplotlib
"$py" "$top/scripts/bench-report.py" "$out/raw.jsonl" "$out"
if [ $docs = 1 ]; then
	mkdir -p "$top/docs/bench"
	cp "$out"/results.md "$out"/results.json "$top/docs/bench/"
	[ ! -e "$out/results.png" ] || cp "$out/results.png" "$top/docs/bench/"
fi
echo
cat "$out/results.md"
log "== bench: done in $((SECONDS - start)) s; results in $out/results.{md,json,png}"
