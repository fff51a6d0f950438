#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading while connections churn on every CPU and a reader
# holds /proc/tcpstates open. The VM runner fails the run on any kernel
# report; here each step must succeed.
. "$(dirname "$0")/lib.sh"

unload_module
pids=()
for i in $(seq "$(nproc)"); do
	"$TCPCONN" -4 -p $((5200 + i)) -t 600 -q >/tmp/churn.$i &
	pids+=($!)
	"$TCPCONN" -6 -p $((5300 + i)) -t 600 -q >/tmp/churn6.$i &
	pids+=($!)
done
fails=0 busy=0
for cycle in 1 2 3 4 5; do
	insmod "$KO" || fails=$((fails + 1))
	# A slow reader keeps the file open across the rmmod below; a netlink
	# listener stays subscribed and dumps run back to back.
	(exec 3</proc/tcpstates; head -c 100 <&3 >/dev/null; sleep 0.2; cat <&3 >/dev/null) 2>/dev/null &
	reader=$!
	"$TESTING/nltest" listen --quiet --idle 1500 >/dev/null 2>&1 &
	listener=$!
	(for i in $(seq 5); do "$TESTING/nltest" conns --lport 1 >/dev/null 2>&1; done) &
	dumper=$!
	sleep 0.3
	# a dump in progress holds the module: rmmod says EBUSY until it ends
	for i in $(seq 100); do
		rmmod tcpstates 2>/dev/null && break
		busy=$((busy + 1))
		sleep 0.05
	done
	loaded && fails=$((fails + 1))
	wait $reader $listener $dumper 2>/dev/null
done
echo "# rmmod found the module busy (a dump running) $busy times"
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
is "$fails" 0 "5 insmod/rmmod cycles under connection churn, an open reader, a netlink listener and dumps"
is "$alive" "${#pids[@]}" "every churn process ran through all cycles"
! loaded
ok $? "module unloaded at the end"
done_testing
