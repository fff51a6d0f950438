#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading under fire: connections churn on every CPU, a
# reader holds /proc/tcpstates open, a netlink listener is subscribed and
# dumps run back to back, across 5 insmod/rmmod cycles (200 with
# TCPSTATES_SCALE=long). The VM runner fails the run on any kernel report
# (and the debug kernel's kmemleak scan on any leak); here each step must
# succeed, the module's own counters of open readers and running dumps
# return to 0, no memory stays behind across the cycles, and no hook.
. "$(dirname "$0")/lib.sh"

if [ "${TCPSTATES_SCALE:-short}" = long ]; then cycles=200; else cycles=5; fi
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# How the module hooks the kernel: each entry hook an ftrace callback of
# its own, called by its trampoline directly (not a kprobe, whose core
# costs more than the trampoline again); kprobes only for the returns it
# needs (listen start and the passive-open child, v4 and v6). Unloaded,
# nothing of it stays.
tracing=/sys/kernel/tracing
[ -e $tracing/enabled_functions ] || tracing=/sys/kernel/debug/tracing
kplist=/sys/kernel/debug/kprobes/list
ours() { grep -c '\[tcpstates\]' $tracing/enabled_functions; }
hooks=9 rets=2
kconfig SECURITY && hooks=10
kconfig IPV6 && rets=3
unload_module
load_module
grep '^tcp_set_state ' $tracing/enabled_functions | grep -q 'tramp: .*(tcpstates_entry+0x0/.* \[tcpstates\])'
ok $? "tcp_set_state() calls our ftrace callback from its own trampoline"
is "$(ours)" $hooks "every entry hook is an ftrace callback of ours ($hooks functions)"
is "$(grep -c '  r  ' $kplist)/$(grep -c . $kplist)" $rets/$rets "kprobes only for the $rets returns followed"
unload_module
is "$(ours)/$(grep -c . $kplist)" 0/0 "unloaded: no ftrace callback and no kprobe left"

unload_module
vmalloc0=$(meminfo VmallocUsed) slab0=$(meminfo SUnreclaim)
pids=()
for i in $(seq "$(nproc)"); do
	"$TCPCONN" -4 -p $((5200 + i)) -t 7200 -q >/tmp/churn.$i &
	pids+=($!)
	"$TCPCONN" -6 -p $((5300 + i)) -t 7200 -q >/tmp/churn6.$i &
	pids+=($!)
done
fails=0 busy=0 counted=0 mem= t0=$SECONDS
for cycle in $(seq $cycles); do
	insmod "$KO" || { fails=$((fails + 1)); continue; }
	m=$(counter mem_bytes)
	[ -n "$mem" ] || mem=$m
	[ "$m" = "$mem" ] || { echo "# cycle $cycle: mem_bytes $m, was $mem"; fails=$((fails + 1)); }
	# A slow reader keeps the file open across the rmmod below; a netlink
	# listener stays subscribed and dumps run back to back.
	(exec 3</proc/tcpstates; head -c 100 <&3 >/dev/null; sleep 0.2; cat <&3 >/dev/null) 2>/dev/null &
	reader=$!
	"$TESTING/nltest" listen --quiet --idle "$(slow 700)" >/dev/null 2>&1 &
	listener=$!
	(for i in $(seq 5); do "$TESTING/nltest" conns --lport 1 >/dev/null 2>&1; done) &
	dumper=$!
	sleep 0.3
	if [ $((cycle % 2)) = 0 ]; then
		# Every other cycle, let them finish: the module's counters of
		# open readers and running dumps are back to 0.
		wait $reader $dumper 2>/dev/null
		r=$(counter readers_open) d=$(counter dumps_running)
		if [ "$r" = 0 ] && [ "$d" = 0 ]; then
			counted=$((counted + 1))
		else
			echo "# cycle $cycle: readers_open $r, dumps_running $d after they ended"
			fails=$((fails + 1))
		fi
	fi
	# a dump in progress holds the module: rmmod says EBUSY until it ends
	# (up to 30 s: five dumps of thousands of connections, under load)
	for i in $(seq 600); do
		rmmod tcpstates 2>/dev/null && break
		busy=$((busy + 1))
		sleep 0.05
	done
	if loaded; then
		echo "# cycle $cycle: rmmod still refused after 30 s"
		fails=$((fails + 1))
		# the listener ends only when events stop: they would not
		kill $listener 2>/dev/null
	fi
	wait $reader $listener $dumper 2>/dev/null
	[ $((cycle % 20)) != 0 ] || echo "# cycle $cycle: $((SECONDS - t0)) s, $fails failed"
done
echo "# $cycles cycles in $((SECONDS - t0)) s; rmmod found the module busy (a dump running) $busy times"
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
is "$fails" 0 "$cycles insmod/rmmod cycles under connection churn, an open reader, a netlink listener and dumps"
is "$alive" "${#pids[@]}" "every churn process ran through all cycles"
is "$counted" $((cycles / 2)) "readers_open and dumps_running back to 0 whenever readers and dumps ended"
! loaded
ok $? "module unloaded at the end"
is "$(ours)/$(grep -c . $kplist)" 0/0 "after $cycles cycles, no ftrace callback and no kprobe left"
vmalloc1=$(meminfo VmallocUsed) slab1=$(meminfo SUnreclaim)
echo "# VmallocUsed ${vmalloc0} -> ${vmalloc1} kB, SUnreclaim ${slab0} -> ${slab1} kB (module: $((mem / 1024)) kB per load)"
# A leak of the ring or the table (vmalloc) would add up over the cycles.
[ $((vmalloc1 - vmalloc0)) -lt $((mem / 1024)) ]
ok $? "no vmalloc memory left behind by $cycles loads (delta $((vmalloc1 - vmalloc0)) kB)"
done_testing
