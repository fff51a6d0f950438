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
fails=0
for cycle in 1 2 3 4 5; do
	insmod "$KO" || fails=$((fails + 1))
	# A slow reader keeps the file open across the rmmod below.
	(exec 3</proc/tcpstates; head -c 100 <&3 >/dev/null; sleep 0.2; cat <&3 >/dev/null) 2>/dev/null &
	reader=$!
	sleep 0.3
	rmmod tcpstates || fails=$((fails + 1))
	wait $reader 2>/dev/null
done
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
is "$fails" 0 "5 insmod/rmmod cycles under connection churn and an open reader"
is "$alive" "${#pids[@]}" "every churn process ran through all cycles"
! loaded
ok $? "module unloaded at the end"
done_testing
