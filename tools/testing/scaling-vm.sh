#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of scripts/bench-scaling.sh: how the record path scales
# with CPUs. In ONE boot of the test VM (multi-threaded TCG, a host thread
# per vCPU), a loopback churn (tools/testing/churn.c, threads pinned one
# per CPU) from 1 CPU and from every CPU at once, with nothing loaded and
# with each module given loaded (nobody reading; several builds can be
# compared in one boot), in rounds whose order rotates.
# Prints "BENCH {json}" lines: per run, connections per second and the
# module's events per second.
#
# The module is loaded and unloaded only while no churn runs: patching
# kernel text while another vCPU executes it is what multi-threaded TCG
# gets wrong (see scripts/vm-run.sh).
#
# Usage: scaling-vm.sh --ko [NAME=]KO... --churn CHURN --cli CLI
#                      [--rounds N] [--duration S] [--bytes B] [--idle N]
#                      [--listen] [--param NAME=VALUE]...
# NAME (default "module") names the configuration of each module. --listen
# also runs each module with a live listener, configuration NAME+listen:
# `tcpstates watch -L 1 -j`, which reads and parses every event from the
# mapped ring (root) and prints none (its port filter matches nothing);
# NAME+listen-nl, the same over netlink (--no-map); NAME+watch,
# `tcpstates watch -j` printing every event's JSON line (into /dev/null:
# all the formatting, without the copy into a file), and NAME+watch-nl,
# the same over netlink. With the churn on 1 CPU, the reader has the
# other to itself, as on a host with a core to spare. --param
# passes a module parameter to every module loaded. --idle N
# holds N idle loopback connections open through every run (the module is
# then loaded with conn_max=65536, so that they do not crowd the churn's
# entries out of the table).
set -uo pipefail

declare -A kos=()
churn='' cli='' rounds=5 duration=5 bytes=0 idle=0 listen=0 extra_params=()
while [ $# -gt 0 ]; do
	case $1 in
	--ko)
		case $2 in
		*=*) kos[${2%%=*}]=${2#*=} ;;
		*) kos[module]=$2 ;;
		esac
		shift 2 ;;
	--churn) churn=$2; shift 2 ;;
	--cli) cli=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	--idle) idle=$2; shift 2 ;;
	--listen) listen=1; shift ;;
	--param) extra_params+=("$2"); shift 2 ;;
	*) echo "scaling-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ ${#kos[@]} -gt 0 ] || { echo "scaling-vm: no --ko" >&2; exit 2; }
for f in "${kos[@]}" "$churn" "$cli"; do
	[ -e "$f" ] || { echo "scaling-vm: missing $f" >&2; exit 2; }
done
ncpu=$(nproc)
limit=$((${duration%.*} * 3 + 60))

say() { echo "# $*"; }
emit() { echo "BENCH $*"; }
jget() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
# counter NAME: a counter from /proc/tcpstates_stats
counter() { awk -v k="$1" '$1 == k { print $2 }' /proc/tcpstates_stats; }
# events so far (every version of the module has this line)
events() { counter events; }
loaded() { grep -q '^tcpstates ' /proc/modules; }
unload() { if loaded; then rmmod tcpstates; fi; }

# one CONFIG CPUS ROUND PORT
# CONFIG: none, a module's NAME, or NAME+listen, NAME+listen-nl,
# NAME+watch, NAME+watch-nl (the module and a reader)
one() {
	local cfg=$1 n=$2 round=$3 port=$4 out s0 s1 ev=0 ko=${1%%+*} lp='' m0 m1 f0 f1 extra=''
	local args=()
	case ${cfg#"$ko"} in
	+listen) args=(-L 1 -j) ;;
	+listen-nl) args=(-L 1 -j --no-map) ;;
	+watch) args=(-j) ;;
	+watch-nl) args=(-j --no-map) ;;
	esac
	unload
	[ "$cfg" = none ] || insmod "${kos[$ko]}" "${params[@]}" || return 1
	if [ "$cfg" != "$ko" ]; then
		"$cli" watch "${args[@]}" >/dev/null 2>/tmp/listen.err &
		lp=$!
	fi
	sleep 1
	if [ "$cfg" != none ]; then
		s0=$(events)
		m0=$(counter mcast_sent)
		f0=$(( $(counter mcast_failed) + $(counter mcast_overrun) + $(counter mcast_nomem) ))
	fi
	out=$(timeout -k 5 "$limit" "$churn" -4 -t "$n" -P -b "$bytes" -p "$port" \
		-d "$duration" -q -j) || { say "churn failed ($cfg, $n CPUs)"; [ -z "$lp" ] || kill "$lp"; unload; return 1; }
	if [ "$cfg" != none ]; then
		s1=$(events)
		ev=$((s1 - s0))
	fi
	if [ -n "$lp" ] && [ "${cfg%-nl}" = "$cfg" ]; then
		# the mapped ring: what the reader lost, by its own count
		sleep 1
		kill -INT "$lp"
		wait "$lp" 2>/dev/null
		f1=$(sed -n 's/.* \([0-9]*\) events lost in all.*/\1/p' /tmp/listen.err | tail -n1)
		extra=",\"map_lost\":${f1:-0}"
	elif [ -n "$lp" ]; then
		# until the sender has sent what happened, then what it lost
		for _ in $(seq 60); do
			m1=$(counter mcast_sent)
			[ $((m1 - m0)) -ge "$ev" ] && break
			sleep 0.5
		done
		f1=$(( $(counter mcast_failed) + $(counter mcast_overrun) + $(counter mcast_nomem) ))
		kill "$lp"
		wait "$lp" 2>/dev/null
		[ "$m1" -gt "$m0" ] || say "$cfg: the listener got nothing: $(head -c 300 /tmp/listen.err)"
		extra=",\"mcast_sent\":$((m1 - m0)),\"mcast_lost\":$((f1 - f0))"
	fi
	unload
	emit "{\"kind\":\"scale\",\"config\":\"$cfg\",\"cpus\":$n,\"round\":$round,\"bytes\":$bytes,\"idle\":$idle,\"connections\":$(jget connections "$out"),\"seconds\":$(jget seconds "$out"),\"conn_per_sec\":$(jget conn_per_sec "$out"),\"events\":$ev$extra}"
}

params=("${extra_params[@]}")
if [ "$idle" -gt 0 ]; then
	# N idle connections, both ends held by one process until the end
	params+=(conn_max=65536)
	python3 -c '
import resource, signal, socket, sys
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (2 * n + 64, 2 * n + 64))
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 19999))
lst.listen(4096)
held = []
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", 19999))
    s, _ = lst.accept()
    held += [c, s]
print("ready", flush=True)
signal.pause()' "$idle" >/tmp/idle.out 2>&1 &
	idler=$!
	for _ in $(seq 600); do grep -q ready /tmp/idle.out && break; sleep 0.5; done
	grep -q ready /tmp/idle.out || { say "idle set failed: $(cat /tmp/idle.out)"; exit 1; }
	say "idle set: $idle connections held ($(ss -tnH state established '( sport = :19999 )' | wc -l) server ends)"
fi
say "scaling: $ncpu CPUs, $rounds rounds of ${duration} s runs, $bytes bytes each way, $idle idle connections"
runs=()
cfgs=(none "${!kos[@]}")
if [ "$listen" = 1 ]; then
	for k in "${!kos[@]}"; do
		cfgs+=("$k+listen" "$k+listen-nl" "$k+watch" "$k+watch-nl")
	done
fi
for cfg in "${cfgs[@]}"; do
	for n in 1 "$ncpu"; do
		runs+=("$cfg $n")
	done
done
port=20000
for ((r = 1; r <= rounds; r++)); do
	for ((i = 0; i < ${#runs[@]}; i++)); do
		# shellcheck disable=SC2086	# "CONFIG CPUS"
		one ${runs[(i + r) % ${#runs[@]}]} "$r" "$port" || exit 1
		port=$((port + 64))
	done
done
[ "$idle" -gt 0 ] && kill "$idler"
say "scaling: done"
