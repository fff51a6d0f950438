#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of scripts/bench.sh: runs inside ONE test VM boot, as
# root. Measures the throughput of a loopback connection churn
# (tools/testing/churn.c) under several tracing configurations, in rounds
# whose order is rotated, accounts for every event each tracer delivered,
# and measures the module's memory. The guest's / is read-only: results
# go to stdout as "BENCH {json}" lines, which the host collects.
#
# Usage (see scripts/bench.sh, which passes all of these):
#   bench-vm.sh --ko KO --churn CHURN --cli CLI --tcpconn TCPCONN
#               [--rounds N] [--duration S] [--threads N] [--bytes B]
#               [--family 4|6] [--configs "none module watch ..."]
#               [--mem-params "ring_size=.. conn_max=.."] [--mem-conns N]
#               [--profile]
#
# Configurations:
#   none             nothing loaded
#   module           tcpstates.ko loaded, nobody reading
#   watch            module + `tcpstates watch -j` (root: it reads the
#                    mapped ring), its JSON lines to a tmpfs file (counted
#                    afterwards)
#   listen           module + `tcpstates watch -L 1 -j`: reads and parses
#                    every event but prints none (its port filter matches
#                    nothing): watch minus the formatting
#   watch-nl         watch --no-map: the same over netlink
#   listen-nl        listen --no-map: the same over netlink
#   bpftrace-tp      bpftrace on tracepoint:sock:inet_sock_set_state printing
#                    addresses, ports, old/new state, pid, comm to a tmpfs file
#   bpftrace-kprobe  bpftrace on kprobe:tcp_set_state, the same fields
#   bcc              bcc's tcpstates (tcpstates-bpfcc), when installed
#   exporter         module + tcpstates-exporter (default options: every
#                    namespace, --top 5) scraped every second by a client
#                    that keeps its connection, as Prometheus does
#
# With the exporter configuration, after the rounds: the exporter's scrape
# time and memory with 10,000 live connections (TIME_WAIT sockets of a
# churn, which the --top ranking dumps from the table: its costliest case).
#
# Then, with --profile and perf installed, one more churn run of each of
# none, module, listen and watch under `perf record -a` (cpu-clock
# samples on every vCPU), summarised by where the samples fell: which
# task (churn, the multicast sender's kworker, the reader, ...) and which
# code (the kernel, the module, the probes' machinery, user space).
set -uo pipefail

ko='' churn='' cli='' tcpconn=''
rounds=5 duration=6 threads=0 bytes=0 fam=4
configs="none module watch listen watch-nl listen-nl bpftrace-tp bpftrace-kprobe bcc exporter"
exporter=''
mem_params='' mem_conns=0 profile=0
while [ $# -gt 0 ]; do
	case $1 in
	--ko) ko=$2; shift 2 ;;
	--churn) churn=$2; shift 2 ;;
	--cli) cli=$2; shift 2 ;;
	--exporter) exporter=$2; shift 2 ;;
	--tcpconn) tcpconn=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	--family) fam=$2; shift 2 ;;
	--configs) configs=$2; shift 2 ;;
	--mem-params) mem_params=$2; shift 2 ;;
	--mem-conns) mem_conns=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	*) echo "bench-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
for f in "$ko" "$churn" "$cli" "$tcpconn"; do
	[ -e "$f" ] || { echo "bench-vm: missing $f" >&2; exit 2; }
done
[ "$threads" -gt 0 ] 2>/dev/null || threads=$(nproc)

W=/tmp/bench
mkdir -p "$W"
CANARY=6100		# refused connections: tells when a tracer is live
CHURN_LIMIT=$((${duration%.*} * 3 + 60))	# a timed churn run that takes longer hangs
CAL_CONNS=200		# calibration connections, one thread
CLK_TCK=$(getconf CLK_TCK)
run_idx=0

say() { echo "# $*"; }
# alive, stop_bg
# shellcheck source=tools/testing/stop-bg.sh
. "$(dirname "${BASH_SOURCE[0]}")/stop-bg.sh"
emit() { echo "BENCH $*"; }
now() { date +%s.%N; }
loaded() { grep -q '^tcpstates ' /proc/modules; }
unload() { if loaded; then rmmod tcpstates; fi; }
# jget KEY JSON: a number from a flat JSON object
jget() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
stats() { "$cli" stats -j; }
# cpu: "total idle system softirq user" ticks of all CPUs and the number
# of context switches so far, from /proc/stat, and the time (the host
# compares it with how much CPU it gave the VM meanwhile)
cpu() {
	awk -v now="$(now)" '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i
		c = t " " $5 + $6 " " $4 " " $8 " " $2 + $3 }
		$1 == "ctxt" { x = $2 }
		END { print c, x, now }' /proc/stat
}
# pstat PID: "CPU_TICKS WAKEUPS WRITES" of a process: user+system ticks
# (its threads included), voluntary context switches (each a wait for
# data), write(2)-like calls
pstat() {
	local t v w
	t=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null)
	v=$(awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	w=$(awk '/^syscw:/ { print $2 }' "/proc/$1/io" 2>/dev/null)
	echo "${t:-0} ${v:-0} ${w:-0}"
}
# pstat_json BEFORE AFTER: the reader's use between two pstat snapshots
pstat_json() {
	awk -v a="$1" -v b="$2" -v h="$CLK_TCK" 'BEGIN { split(a, x, " "); split(b, y, " ")
		printf "\"tracer_cpu_s\":%.2f,\"tracer_wakeups\":%d,\"tracer_writes\":%d",
			(y[1] - x[1]) / h, y[2] - x[2], y[3] - x[3] }'
}
# Percentages of the CPU time between two cpu snapshots.
cpu_json() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
		t = y[1] - x[1]; if (t <= 0) t = 1
		printf "\"cpu_busy_pct\":%.1f,\"cpu_sys_pct\":%.1f,\"cpu_softirq_pct\":%.1f,\"cpu_user_pct\":%.1f,\"ctxt\":%d,\"t0\":%s,\"t1\":%s",
			100 * (1 - (y[2] - x[2]) / t), 100 * (y[3] - x[3]) / t,
			100 * (y[4] - x[4]) / t, 100 * (y[5] - x[5]) / t, y[6] - x[6], x[7], y[7] }'
}

# meminfo: kB of unreclaimable slab (where kmalloc and kvmalloc's large
# kmalloc pages go) plus vmalloc (kvmalloc's fallback and module text)
mem_kb() { awk '/^(SUnreclaim|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo; }

# churn PORT [ARGS...]: one timed run; prints its JSON line
run_churn() {
	local port=$1
	shift
	timeout -k 5 "$CHURN_LIMIT" "$churn" "-$fam" -t "$threads" -b "$bytes" -p "$port" -d "$duration" -q -j "$@" ||
		{ say "churn on port $port failed or hung (exit $?)" >&2; return 1; }
}

# stop PID NAME: SIGINT (again every second), and SIGKILL if it has not
# ended 60 s later (a run that hangs fails instead of holding the VM
# until its time limit)
stop() { stop_bg "$1" INT "$2" 60; }

# wait_for COND_CMD TRIES DELAY
wait_for() {
	local i
	for ((i = 0; i < $2; i++)); do
		eval "$1" && return 0
		sleep "$3"
	done
	return 1
}

# The readers' output (stdout) goes to a "sink": a file in the guest's
# tmpfs written through once at the start, which each reader then
# overwrites in place from its start (opened with <>, not truncated). A
# fresh tmpfs file costs the writer a page allocation and the zeroing of
# every new 4 KiB page, which under TCG costs more than the reader's own
# work and would charge verbose output (watch's JSON, ~500 bytes per
# event) far more than terse output (bpftrace's, ~60): with the pages
# there, writing costs a copy, as into a pipe. What a reader wrote is the
# file up to its stdout offset (/proc/PID/fdinfo/1), which sink_snap
# copies to a plain file, complete lines only.
# shellcheck disable=SC2034	# read as ${!mb} in sink_make
SINK_MB_watch=128 SINK_MB_tracer=32
sink_make() {	# sink_make NAME
	[ -e "$W/sink.$1" ] && return 0
	local mb="SINK_MB_$1"
	dd if=/dev/zero of="$W/sink.$1" bs=1M count="${!mb}" status=none
}
sink_pos() { sed -n 's/^pos:[[:space:]]*//p' "/proc/$1/fdinfo/1" 2>/dev/null; }
sink_snap() {	# sink_snap NAME PID OUT
	local pos
	pos=$(sink_pos "$2")
	head -c "${pos:-0}" "$W/sink.$1" >"$3.tmp"
	# a last line without its newline is not complete yet
	if [ "${pos:-0}" -gt 0 ] && [ "$(tail -c +"$pos" "$W/sink.$1" | head -c 1 | od -An -c | tr -d ' ')" != '\n' ]; then
		sed -i '$d' "$3.tmp"
	fi
	mv "$3.tmp" "$3"
}
# sink_last NAME PID: the last complete JSON line written so far
sink_last() {
	local pos from
	pos=$(sink_pos "$2")
	pos=${pos:-0}
	from=$((pos > 4096 ? pos - 4096 + 1 : 1))
	tail -c +"$from" "$W/sink.$1" | head -c $((pos - from + 1)) |
		sed -n '${ /}$/{p;q;}; x; p; }; h'
}

# canary FILE PATTERN [SINK PID]: make refused connections to CANARY until
# PATTERN shows up in FILE (the tracer is live), a snapshot of SINK's
# output by PID if given; at most ~60 s.
canary() {
	local i
	for ((i = 0; i < 120; i++)); do
		"$tcpconn" -4 -p "$CANARY" -m refused -q >/dev/null 2>&1
		sleep 0.3
		[ -z "${3:-}" ] || sink_snap "$3" "$4" "$1"
		grep -q -- "$2" "$1" && return 0
	done
	return 1
}

# settle_sink PID: wait until the reader PID stops writing (1 s without a
# write)
settle_sink() {
	local a b i
	a=$(sink_pos "$1")
	for ((i = 0; i < 60; i++)); do
		sleep 1
		b=$(sink_pos "$1")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
}

# Events per connection the module records for one churn connection,
# and a first check that churn's count is exact.
calibrate_module() {
	local port=9000 out cal conns
	insmod "$ko"
	out=$(timeout -k 5 300 "$churn" "-$fam" -t 1 -b "$bytes" -p $port -n $CAL_CONNS -q -j)
	conns=$(jget connections "$out")
	cat /proc/tcpstates >"$W/cal.events"
	unload
	# per transition, events of this run's connections (not the listener)
	cal=$(awk -v p=$port 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		{ l = $h["LOCAL"]; r = $h["REMOTE"]; sub(/.*:/, "", l); sub(/.*:/, "", r)
		  if (l != p && r != p) next
		  if (r == 0) { lst++; next }
		  n++; t[$h["OLDSTATE"] "->" $h["NEWSTATE"]]++ }
		END { printf "\"events\":%d,\"listener_events\":%d,\"syn_sent\":%d,\"transitions\":{", n, lst, t["CLOSE->SYN_SENT"]
		      for (k in t) { printf "%s\"%s\":%d", s, k, t[k]; s = "," }
		      printf "}" }' "$W/cal.events")
	emit "{\"kind\":\"calib\",\"tracer\":\"module\",\"connections\":$conns,$cal}"
}

# --- one run per configuration ------------------------------------------
# Each prints a BENCH run record: rate, and for tracers what they delivered.

run_record() {	# run_record CONFIG ROUND CHURN_JSON CPU0 CPU1 EXTRA
	local c=$3
	emit "{\"kind\":\"run\",\"config\":\"$1\",\"round\":$2,\"connections\":$(jget connections "$c"),\"seconds\":$(jget seconds "$c"),\"conn_per_sec\":$(jget conn_per_sec "$c"),\"threads\":$threads,$(cpu_json "$4" "$5")${6:+,$6}}"
}

cfg_none() {
	local port=$1 round=$2 c0 c1 out
	unload
	c0=$(cpu)
	out=$(run_churn "$port") || return 1
	c1=$(cpu)
	run_record none "$round" "$out" "$c0" "$c1"
}

cfg_module() {
	local port=$1 round=$2 c0 c1 out s0 s1 e0 e1
	insmod "$ko" || return 1
	s0=$(stats)
	c0=$(cpu)
	out=$(run_churn "$port") || { unload; return 1; }
	c1=$(cpu)
	s1=$(stats)
	unload
	e0=$(jget events "$s0") e1=$(jget events "$s1")
	run_record module "$round" "$out" "$c0" "$c1" \
		"\"events_happened\":$((e1 - e0)),\"kprobe_missed\":$(($(jget drops_kprobe_missed "$s1") - $(jget drops_kprobe_missed "$s0")))"
}

# Sum of "missed events A to B" gaps the watcher reported (and fetched back)
gap_sum() {
	awk '/missed events/ { for (i = 1; i <= NF; i++) if ($i == "events") { a = $(i + 1); b = $(i + 3); s += b - a + 1 } }
		END { print s + 0 }' "$1"
}

# Counts over a watcher's JSON lines with E0 < seq <= E1: unique seqs,
# duplicates, breaks in consecutive order, this run's connection events
# (not the listeners', not TIME_WAIT ends), its CLOSE->SYN_SENT events, its
# listener events, TIME_WAIT ends, other events.
watch_counts() {	# FILE E0 E1 PORT_LO PORT_HI
	awk -F, -v e0="$2" -v e1="$3" -v lo="$4" -v hi="$5" '
	{
		seq = -1; o = n = role = ""; lp = rp = -1
		for (i = 1; i <= NF; i++) {
			p = index($i, ":"); k = substr($i, 1, p - 1); v = substr($i, p + 1)
			if (k == "\"seq\"") seq = v + 0
			else if (k == "\"oldstate\"") o = v
			else if (k == "\"newstate\"") n = v
			else if (k == "\"role\"") role = v
			else if (k == "\"local_port\"") lp = v + 0
			else if (k == "\"remote_port\"") rp = v + 0
		}
		if (seq <= e0 || seq > e1) next
		if (seq in seen) { dup++; next }
		seen[seq] = 1; uniq++
		if (prev && seq != prev + 1) breaks++
		prev = seq
		mine = (lp >= lo && lp <= hi) || (rp >= lo && rp <= hi)
		if (o == "\"TIME_WAIT\"") tw++
		else if (!mine) other++
		else if (role == "\"listener\"") lst++
		else { conn++; if (o == "\"CLOSE\"" && n == "\"SYN_SENT\"") syn++ }
	}
	END { printf "\"delivered\":%d,\"duplicates\":%d,\"seq_breaks\":%d,\"conn_events\":%d,\"syn_sent\":%d,\"listener_events\":%d,\"tw_end_events\":%d,\"other_events\":%d",
		uniq, dup, breaks, conn, syn, lst, tw, other }' "$1"
}

# watch and listen: the module plus a live listener (-nl: over netlink)
cfg_watch_like() {
	local cfg=$1 port=$2 round=$3 c0 c1 out s0 s1 s2 e0 e1 wp t0 t1 lo hi
	local filter=() kind=${1%-nl}
	[ "$kind" = listen ] && filter=(-L 1)
	[ "$kind" = "$cfg" ] || filter+=(--no-map)
	insmod "$ko" || return 1
	rm -f "$W/watch.json" "$W/watch.err"
	sink_make watch
	"$cli" watch -j "${filter[@]}" 1<>"$W/sink.watch" 2>"$W/watch.err" &
	wp=$!
	if [ "$cfg" = listen-nl ]; then
		# prints nothing: wait until it has subscribed (mcast_sent moves)
		wait_for '"$tcpconn" -4 -p $CANARY -m refused -q >/dev/null 2>&1; [ "$(jget mcast_sent "$(stats)")" -gt 0 ]' 100 0.3
	elif [ "$cfg" = listen ]; then
		# ... or opened the mapped ring (an open reader)
		wait_for '[ "$(jget readers_open "$(stats)")" -gt 0 ]' 100 0.3
	else
		canary "$W/watch.json" "\"remote_port\":$CANARY," watch "$wp"
	fi || { say "$cfg: the listener did not start"; stop "$wp" "$cfg"; unload; return 1; }
	s0=$(stats)
	c0=$(cpu)
	t0=$(pstat "$wp")
	out=$(run_churn "$port") || { stop "$wp" "$cfg"; unload; return 1; }
	c1=$(cpu)
	s1=$(stats)
	e0=$(jget events "$s0") e1=$(jget events "$s1")
	# let the listener catch up with everything up to E1
	if [ "$kind" = watch ]; then
		wait_for '[ "$(sink_last watch "$wp" | sed -n "s/.*\"seq\":\([0-9]*\).*/\1/p")" -ge "$e1" ] 2>/dev/null' 120 0.5 ||
			say "watch: did not reach seq $e1"
		sink_snap watch "$wp" "$W/watch.json"
	elif [ "$cfg" = listen-nl ]; then
		wait_for '[ "$(jget mcast_sent "$(stats)")" -ge "$(( $(jget mcast_sent "$s0") + e1 - e0 ))" ]' 120 0.5
		sleep 1
	else
		sleep 2		# the mapped ring: nothing to wait on; it reads ahead of the churn
	fi
	t1=$(pstat "$wp")
	stop "$wp" "$cfg"
	s2=$(stats)
	unload
	lo=$port hi=$((port + threads - 1))
	local extra
	extra="\"events_happened\":$((e1 - e0)),$(pstat_json "$t0" "$t1")"
	extra+=",\"kprobe_missed\":$(($(jget drops_kprobe_missed "$s1") - $(jget drops_kprobe_missed "$s0")))"
	extra+=",\"mcast_failed\":$(($(jget drops_mcast_failed "$s2") - $(jget drops_mcast_failed "$s0")))"
	extra+=",\"mcast_overrun\":$(($(jget drops_mcast_overrun "$s2") - $(jget drops_mcast_overrun "$s0")))"
	extra+=",\"mcast_nomem\":$(($(jget drops_mcast_nomem "$s2") - $(jget drops_mcast_nomem "$s0")))"
	extra+=",\"recovered\":$(gap_sum "$W/watch.err")"
	extra+=",\"lost_reported\":$(sed -n 's/.* \([0-9]*\) events lost in all.*/\1/p' "$W/watch.err" | tail -n1 | grep . || echo 0)"
	if [ "$kind" = watch ]; then
		extra+=",$(watch_counts "$W/watch.json" "$e0" "$e1" "$lo" "$hi")"
	fi
	[ -s "$W/watch.err" ] && sed 's/^/# watch stderr: /' "$W/watch.err" | head -n 5
	rm -f "$W/watch.json"
	run_record "$cfg" "$round" "$out" "$c0" "$c1" "$extra"
}
cfg_watch() { cfg_watch_like watch "$@"; }
cfg_listen() { cfg_watch_like listen "$@"; }
cfg_watch-nl() { cfg_watch_like watch-nl "$@"; }
cfg_listen-nl() { cfg_watch_like listen-nl "$@"; }

# BT_TP and BT_KPROBE: the bpftrace programs
# shellcheck source=tools/testing/bpftrace-progs.sh
. "$(dirname "${BASH_SOURCE[0]}")/bpftrace-progs.sh"

bcc_tcpstates() {
	local c
	for c in tcpstates-bpfcc /usr/share/bcc/tools/tcpstates /usr/sbin/tcpstates-bpfcc; do
		command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
	done
	return 1
}

# tracer_counts FILE LO HI PORT1 PORT2 OLD NEW: this run's connection
# events, its listeners' (CLOSE<->LISTEN), all lines, and the sum of
# "Lost N events"; then the connection events per transition. Fields:
# the column numbers of the two ports and of the old and new states.
tracer_counts() {
	awk -v lo="$2" -v hi="$3" -v f1="$4" -v f2="$5" -v fo="$6" -v fn="$7" '
	/^Lost [0-9]+ events/ { lost += $2; next }
	$f1 ~ /^[0-9]+$/ && $f2 ~ /^[0-9]+$/ {
		all++
		if (!(($f1 >= lo && $f1 <= hi) || ($f2 >= lo && $f2 <= hi))) next
		o = $fo; n = $fn
		if ((o == 7 || o == "CLOSE") && (n == 10 || n == "LISTEN") ||
		    (o == 10 || o == "LISTEN") && (n == 7 || n == "CLOSE")) { lst++; next }
		conn++; t[o "->" n]++
	}
	END {
		printf "%d %d %d %d {", conn + 0, lst + 0, all + 0, lost + 0
		for (k in t) { printf "%s\"%s\":%d", sep, k, t[k]; sep = "," }
		print "}"
	}' "$1"
}

# bpftrace-tp, bpftrace-kprobe and bcc: start the tracer, wait for it to
# be live, calibrate its events per connection (CAL_CONNS connections,
# one thread), then the timed run.
cfg_tracer() {
	local cfg=$1 port=$2 round=$3 c0 c1 out tp t0 t1 cal_out cal_conns
	local f1=3 f2=5 fo=6 fn=7 cmd=() ready='^Attaching' started
	unload
	case $cfg in
	bpftrace-tp) cmd=(bpftrace -e "$BT_TP") ;;
	bpftrace-kprobe) cmd=(bpftrace -e "$BT_KPROBE") ;;
	bcc)
		# SKADDR C-PID C-COMM LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS
		# shellcheck disable=SC2034	# ready: read by wait_for below
		# Unbuffered, as on a terminal: into a file python would hold
		# its output back in 8 KiB blocks (bpftrace writes each line).
		cmd=(env PYTHONUNBUFFERED=1 "$(bcc_tcpstates)") f1=5 f2=7 fo=8 fn=10 ready='SKADDR'
		;;
	esac
	rm -f "$W/tracer.out" "$W/tracer.err"
	sink_make tracer
	started=$(now)
	"${cmd[@]}" 1<>"$W/sink.tracer" 2>"$W/tracer.err" &
	tp=$!
	# shellcheck disable=SC2016	# wait_for evaluates it each time
	if ! wait_for 'sink_snap tracer $tp "$W/tracer.out"; grep -q -- "$ready" "$W/tracer.out" "$W/tracer.err"' 300 0.5 ||
		! canary "$W/tracer.out" " $CANARY " tracer "$tp"; then
		say "$cfg did not start:"; sed 's/^/#   /' "$W/tracer.err" | head -n 20
		stop "$tp" "$cfg"
		emit "{\"kind\":\"skip\",\"config\":\"$cfg\",\"round\":$round,\"why\":\"did not start\"}"
		return 1
	fi
	say "$cfg live after $(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
	cal_out=$(timeout -k 5 300 "$churn" "-$fam" -t 1 -b "$bytes" -p $((port + 100)) -n $CAL_CONNS -q -j) ||
		{ say "$cfg: calibration churn failed or hung"; stop "$tp" "$cfg"; return 1; }
	cal_conns=$(jget connections "$cal_out")
	settle_sink "$tp"
	sink_snap tracer "$tp" "$W/tracer.out"
	read -r cal_conn cal_lst _ cal_lost _ < <(tracer_counts "$W/tracer.out" $((port + 100)) $((port + 100)) $f1 $f2 $fo $fn)
	c0=$(cpu)
	t0=$(pstat "$tp")
	out=$(run_churn "$port") || { stop "$tp" "$cfg"; return 1; }
	c1=$(cpu)
	settle_sink "$tp"
	t1=$(pstat "$tp")
	sink_snap tracer "$tp" "$W/tracer.out"
	stop "$tp" "$cfg"
	read -r conn lst all lost trans < <(tracer_counts "$W/tracer.out" "$port" $((port + threads - 1)) $f1 $f2 $fo $fn)
	# the calibration's Lost lines came before the timed run's
	lost=$((lost - cal_lost))
	rm -f "$W/tracer.out"
	run_record "$cfg" "$round" "$out" "$c0" "$c1" \
		"\"cal_connections\":$cal_conns,\"cal_conn_events\":$cal_conn,\"cal_listener_events\":$cal_lst,\"cal_lost\":$cal_lost,\"conn_events\":$conn,\"listener_events\":$lst,\"lines\":$all,\"lost_reported\":$lost,\"transitions\":$trans,$(pstat_json "$t0" "$t1")"
}
cfg_bpftrace-tp() { cfg_tracer bpftrace-tp "$@"; }
cfg_bpftrace-kprobe() { cfg_tracer bpftrace-kprobe "$@"; }
cfg_bcc() { cfg_tracer bcc "$@"; }

# --- the exporter -----------------------------------------------------------
EXPORTER_PORT=18238

# scraper PORT [COUNT]: GET /metrics every second on one kept connection,
# as Prometheus does (curl, light enough not to weigh on the churn: the
# scraper stands for a Prometheus on another machine); one line per
# scrape, on stderr (unbuffered: the scraper is killed): seconds, HTTP
# status, bytes. COUNT scrapes (default: until killed).
scraper() {
	curl -s --rate 1/s -o /dev/null -w '%{stderr}%{time_total} %{http_code} %{size_download}\n' \
		"http://127.0.0.1:$1/metrics?[1-${2:-100000}]"
}

# scrape_json FILE: what a scraper saw: scrapes, how many the module
# answered (200 and more than the few KiB of an answer without it), their
# times (median, 90th percentile, max) and size
scrape_json() {
	sort -n "$1" | awk '{ t[NR] = $1; up += $2 == 200 && $3 > 8192; b = $3 } END {
		if (!NR) { printf "\"scrapes\":0"; exit }
		p90 = int(NR * 0.9 + 0.5); if (p90 < 1) p90 = 1
		printf "\"scrapes\":%d,\"scrapes_up\":%d,\"scrape_s_median\":%.6f,\"scrape_s_p90\":%.6f,\"scrape_s_max\":%.6f,\"scrape_bytes\":%d",
			NR, up, t[int((NR + 1) / 2)], t[p90], t[NR], b }'
}

# rss_json PID: the exporter's resident memory now and at its peak, in kB
rss_json() {
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "\"exporter_rss_kb\":%d,\"exporter_hwm_kb\":%d", r, h }' "/proc/$1/status"
}

exporter_start() {	# exporter_start ARGS...: sets xp
	"$exporter" --listen 127.0.0.1:$EXPORTER_PORT "$@" 2>"$W/exporter.err" &
	xp=$!
	# shellcheck disable=SC2016	# wait_for evaluates it each time
	wait_for 'curl -sf -o /dev/null http://127.0.0.1:$EXPORTER_PORT/' 100 0.2
}

cfg_exporter() {
	local port=$1 round=$2 c0 c1 out s0 s1 e0 e1 xp sp t0 t1 extra
	insmod "$ko" || return 1
	exporter_start || { say "exporter did not start"; kill "$xp" 2>/dev/null; unload; return 1; }
	# curl itself in the background (a function would be a subshell,
	# and killing it would leave curl running)
	curl -s --rate 1/s -o /dev/null -w '%{stderr}%{time_total} %{http_code} %{size_download}\n' \
		"http://127.0.0.1:$EXPORTER_PORT/metrics?[1-100000]" 2>"$W/scrapes" &
	sp=$!
	sleep 2		# the first scrapes, the connection made
	s0=$(stats)
	c0=$(cpu)
	t0=$(pstat "$xp")
	out=$(run_churn "$port") || { kill "$sp" "$xp"; wait "$sp" "$xp"; unload; return 1; }
	c1=$(cpu)
	t1=$(pstat "$xp")
	s1=$(stats)
	extra="$(rss_json "$xp")"
	kill "$sp" "$xp"
	wait "$sp" "$xp" 2>/dev/null
	unload
	e0=$(jget events "$s0") e1=$(jget events "$s1")
	extra+=",\"events_happened\":$((e1 - e0)),$(pstat_json "$t0" "$t1"),$(scrape_json "$W/scrapes")"
	extra+=",\"kprobe_missed\":$(($(jget drops_kprobe_missed "$s1") - $(jget drops_kprobe_missed "$s0")))"
	run_record exporter "$round" "$out" "$c0" "$c1" "$extra"
}

# The scrape with 10,000 live connections: a churn of 10,000 leaves as
# many TIME_WAIT sockets for 60 s, tracked by the table (conn_max 16384).
# Two exporters: one with the defaults (the table dumped every 15 s, so
# most scrapes read the aggregates only), one that dumps the table's
# CLOSE_WAIT and TIME_WAIT entries at every scrape (--table-interval 0).
exporter_scale() {
	local n=10000 tw xp xp0 out live
	tw=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
	sysctl -q -w net.ipv4.tcp_max_tw_buckets=1048576
	unload
	# the earlier runs' TIME_WAIT sockets gone first (60 s at most)
	wait_for '[ "$(ss -tanH state time-wait | wc -l)" -lt 100 ]' 80 1
	insmod "$ko" || return 1
	exporter_start || { say "exporter did not start"; kill "$xp" 2>/dev/null; unload; return 1; }
	local xp1=$xp
	EXPORTER_PORT=$((EXPORTER_PORT + 1)) exporter_start --table-interval 0
	xp0=$xp xp=$xp1
	scraper $EXPORTER_PORT 5 2>"$W/scrapes.idle"
	out=$(timeout -k 5 600 "$churn" "-$fam" -t "$threads" -p 30000 -n "$n" -q -j) ||
		{ kill "$xp" "$xp0"; unload; return 1; }
	scraper $EXPORTER_PORT 20 2>"$W/scrapes.live"
	scraper $((EXPORTER_PORT + 1)) 20 2>"$W/scrapes.dump"
	live=$(curl -s http://127.0.0.1:$EXPORTER_PORT/metrics 2>/dev/null |
		awk '$1 ~ /^tcpstates_connection_states/ { s += $2 } END { print s + 0 }')
	emit "{\"kind\":\"exporter_scale\",\"churn_connections\":$(jget connections "$out"),\"live_connections\":${live:-0},\"conn_used\":$(jget conn_used "$(stats)"),\"idle\":{$(scrape_json "$W/scrapes.idle")},\"live\":{$(scrape_json "$W/scrapes.live")},\"live_dump\":{$(scrape_json "$W/scrapes.dump"),$(rss_json "$xp0")},$(rss_json "$xp")}"
	kill "$xp" "$xp0"
	wait "$xp" "$xp0" 2>/dev/null
	unload
	sysctl -q -w net.ipv4.tcp_max_tw_buckets="$tw"
}

# --- memory -------------------------------------------------------------
# The module allocates everything at load (ring, connection table, its
# hash, the sender's buffer); the probes never allocate. Shown here by the
# memory it holds (freed at rmmod) after a small and after a large churn,
# the large one with more connections alive (in TIME_WAIT) than conn_max.

mem_load() {	# mem_load LABEL CHURN_COUNT PARAMS...: one load, churn, unload
	local label=$1 n=$2 m0 m1 m2 m3 s out mod vm
	shift 2
	sync; sleep 1
	m0=$(mem_kb)
	insmod "$ko" "$@" || return 1
	m1=$(mem_kb)
	mod=$(awk '$1 == "tcpstates" { print $2 }' /proc/modules)
	vm=$(awk '/\[tcpstates\]/ && / vmalloc/ {
			f = $3; sub(/\+.*/, "", f); for (i = 4; i <= NF; i++) if ($i ~ /^pages=/) { p = substr($i, 7); break }
			printf "%s{\"caller\":\"%s\",\"bytes\":%d,\"pages\":%d}", s, f, $2, p; s = "," }' /proc/vmallocinfo)
	out='{}'
	if [ "$n" -gt 0 ]; then
		out=$(timeout -k 5 900 "$churn" "-$fam" -t "$threads" -p 20000 -n "$n" -q -j) || { unload; return 1; }
	fi
	s=$(stats)
	sleep 1
	m2=$(mem_kb)
	rmmod tcpstates
	m3=$(mem_kb)
	emit "{\"kind\":\"mem\",\"label\":\"$label\",\"params\":\"$*\",\"churn_connections\":$(jget connections "$out" | grep . || echo 0),\"load_kb\":$((m1 - m0)),\"freed_kb\":$((m2 - m3)),\"module_core_bytes\":${mod:-0},\"vmalloc\":[$vm],\"stats\":$s}"
}

memory() {
	local tw
	tw=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
	mem_load small 1000 $mem_params
	# Let every connection wait in TIME_WAIT (the module tracks it until
	# the TIME_WAIT socket ends), so that live connections exceed conn_max.
	sysctl -q -w net.ipv4.tcp_max_tw_buckets=1048576
	mem_load large "$mem_conns" $mem_params
	sysctl -q -w net.ipv4.tcp_max_tw_buckets="$tw"
	# Large parameters: kvmalloc falls back to vmalloc, whose areas
	# /proc/vmallocinfo attributes to the module's functions
	mem_load vmalloc 0 ring_size=65536 conn_max=131072
}

# --- main -----------------------------------------------------------------
say "kernel $(uname -r), $(nproc) CPUs, churn: $threads threads, IPv$fam, $bytes bytes, ${duration} s per run, $rounds rounds"
emit "{\"kind\":\"clock\",\"guest_t\":$(now)}"
emit "{\"kind\":\"meta\",\"kernel\":\"$(uname -r)\",\"cpus\":$(nproc),\"threads\":$threads,\"family\":\"ipv$fam\",\"bytes\":$bytes,\"duration\":$duration,\"rounds\":$rounds,\"bpftrace\":\"$(bpftrace --version 2>/dev/null | head -n1)\",\"tw_buckets\":$(sysctl -n net.ipv4.tcp_max_tw_buckets),\"tw_reuse\":$(sysctl -n net.ipv4.tcp_tw_reuse)}"
unload

avail=()
for c in $configs; do
	case $c in
	none|module|watch|listen|watch-nl|listen-nl) avail+=("$c") ;;
	exporter)
		if [ -x "$exporter" ] && command -v curl >/dev/null; then avail+=("$c")
		else emit "{\"kind\":\"skip\",\"config\":\"exporter\",\"why\":\"no --exporter binary or no curl\"}"; fi ;;
	bpftrace-*)
		if command -v bpftrace >/dev/null; then avail+=("$c")
		else emit "{\"kind\":\"skip\",\"config\":\"$c\",\"why\":\"bpftrace is not installed\"}"; fi ;;
	bcc)
		if bcc_tcpstates >/dev/null; then avail+=("$c")
		else emit "{\"kind\":\"skip\",\"config\":\"bcc\",\"why\":\"bcc's tcpstates (bpfcc-tools) is not installed\"}"; fi ;;
	*) say "unknown configuration $c"; exit 2 ;;
	esac
done

calibrate_module

n=${#avail[@]}
declare -A broken=()
for ((r = 1; r <= rounds; r++)); do
	order=()
	for ((i = 0; i < n; i++)); do
		order+=("${avail[$(((i + r - 1) % n))]}")
	done
	say "round $r: ${order[*]}"
	for c in "${order[@]}"; do
		run_idx=$((run_idx + 1))
		port=$((10000 + run_idx * 200))
		t0=$(now)
		if [ -n "${broken[$c]:-}" ]; then
			continue
		elif ! "cfg_$c" "$port" "$r"; then
			say "$c failed in round $r"
			unload
			# a tracer that cannot start will not start next round either
			case $c in bpftrace-*|bcc) broken[$c]=1 ;; esac
		fi
		say "round $r $c: $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
		sleep 1
	done
done

# --- profile ----------------------------------------------------------------
# perf report lines "share<TAB>comm<TAB>dso<TAB>[k] symbol", sorted by
# share; the shares add up by category: the task (churn; the multicast
# sender, a kworker running the module's code; the reader; softirq
# threads; idle; perf itself), and within the traced workload the module's
# probe handlers and the kprobes/ftrace machinery apart from the rest of
# the kernel.
profile_summary() {	# FILE: perf report -n, fields separated by tabs
	awk -F '\t' '
	function add(k, v) { cat[k] += v }
	{ share = $1; gsub(/ /, "", share) }
	share ~ /%$/ {
		v = $2 + 0; total += v
		comm = $3; dso = $4; sym = $5; sub(/^ *\[[k.]\] */, "", sym)
		gsub(/ +$/, "", comm); gsub(/ +$/, "", dso); gsub(/^ +| +$/, "", sym)
		gsub(/["\\]/, "", sym)
		mod = dso == "[tcpstates]"
		mach = sym ~ /kprobe|kretprobe|rethook|ftrace|fprobe/
		if (comm == "churn" || comm ~ /^ksoftirqd/) {
			k = comm == "churn" ? "churn" : "softirq thread"
			if (mod) add(k ": module probes", v)
			else if (mach) add(k ": kprobes machinery", v)
			else if (dso ~ /kernel/) add(k ": kernel", v)
			else add(k ": user", v)
		} else if (comm ~ /^kworker/) {
			add(mod ? "sender: module" : "kworker: kernel", v)
		} else if (comm == "tcpstates") {
			add(dso ~ /kernel/ ? "reader: kernel" : "reader: user", v)
		} else if (comm == "swapper") {
			add(mod ? "idle task: module probes" : "idle", v)
		} else if (comm ~ /^perf/) {
			add("perf", v)
		} else {
			add(mod ? "other: module probes" : "other", v)
		}
		if (n < 25 && comm !~ /^perf|^swapper/) {
			top = top sprintf("%s{\"samples\":%d,\"comm\":\"%s\",\"dso\":\"%s\",\"sym\":\"%s\"}",
				n ? "," : "", v, comm, dso, sym)
			n++
		}
	}
	END {
		printf "\"samples\":%d,\"by\":{", total
		for (k in cat) { printf "%s\"%s\":%d", sep, k, cat[k]; sep = "," }
		printf "},\"top\":[%s]", top
	}' "$1"
}

profile_run() {	# CONFIG PORT
	local cfg=$1 port=$2 wp='' out
	unload
	case $cfg in
	none) ;;
	module) insmod "$ko" || return 1 ;;
	listen|watch|listen-nl|watch-nl)
		insmod "$ko" || return 1
		sink_make watch
		local args=(-j)
		[ "${cfg%-nl}" = listen ] && args+=(-L 1)
		[ "${cfg%-nl}" = "$cfg" ] || args+=(--no-map)
		"$cli" watch "${args[@]}" 1<>"$W/sink.watch" 2>/dev/null &
		wp=$!
		# subscribed (mcast_sent moves) or the mapped ring open
		# shellcheck disable=SC2016	# wait_for evaluates it each time
		wait_for '"$tcpconn" -4 -p $CANARY -m refused -q >/dev/null 2>&1; s=$(stats); [ "$(jget mcast_sent "$s")" -gt 0 ] || [ "$(jget readers_open "$s")" -gt 0 ]' 100 0.3
		;;
	esac
	cp /proc/kallsyms "$W/kallsyms"	# the module's symbols, while it is loaded
	out=$(perf record -q -a -e cpu-clock -F 499 -o "$W/perf.data" -- \
		timeout -k 5 "$CHURN_LIMIT" "$churn" "-$fam" -t "$threads" -b "$bytes" -p "$port" -d "$duration" -q -j 2>/dev/null)
	if [ -n "$wp" ]; then
		sleep 2
		stop "$wp" "$cfg"
	fi
	unload
	perf report -i "$W/perf.data" --kallsyms "$W/kallsyms" --no-children --stdio -g none \
		-n --sort comm,dso,sym -t $'\t' 2>/dev/null >"$W/perf.txt"
	emit "{\"kind\":\"profile\",\"config\":\"$cfg\",\"connections\":$(jget connections "$out"),\"seconds\":$(jget seconds "$out"),\"conn_per_sec\":$(jget conn_per_sec "$out"),\"hz\":499,\"cpus\":$(nproc),$(profile_summary "$W/perf.txt")}"
	rm -f "$W/perf.data" "$W/perf.txt"
}

if [ "$profile" = 1 ]; then
	if command -v perf >/dev/null; then
		sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
		for c in none module listen watch listen-nl watch-nl; do
			case " ${avail[*]} " in *" $c "*) ;; *) continue ;; esac
			run_idx=$((run_idx + 1))
			say "profile: $c"
			profile_run "$c" $((10000 + run_idx * 200)) || say "profile: $c failed"
			sleep 1
		done
	else
		emit '{"kind":"skip","config":"profile","why":"perf is not installed"}'
	fi
fi

case " ${avail[*]} " in
*" exporter "*)
	say "exporter: scrapes with 10,000 live connections"
	exporter_scale || say "exporter_scale failed"
	;;
esac
say "memory"
memory
emit "{\"kind\":\"clock\",\"guest_t\":$(now)}"
say "done"
