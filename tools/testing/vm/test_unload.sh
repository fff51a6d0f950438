#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading while connections churn on every CPU and a reader
# holds /proc/tcpstates open. The VM runner fails the run on any kernel
# report; here each step must succeed.
. "$(dirname "$0")/lib.sh"

unload_module
pids=()
for i in $(seq "$(nproc)"); do
	"$TCPCONN" -4 -p $((5200 + i)) -t 8 -q >/tmp/churn.$i &
	pids+=($!)
	"$TCPCONN" -6 -p $((5300 + i)) -t 8 -q >/tmp/churn6.$i &
	pids+=($!)
done
cycles=0 fails=0
end=$((SECONDS + 6))
while [ $SECONDS -lt $end ]; do
	insmod "$KO" || fails=$((fails + 1))
	# A slow reader keeps the file open across the rmmod below.
	(exec 3</proc/tcpstates; head -c 100 <&3 >/dev/null; sleep 0.2; cat <&3 >/dev/null) 2>/dev/null &
	sleep 0.1
	rmmod tcpstates || fails=$((fails + 1))
	wait $! 2>/dev/null
	cycles=$((cycles + 1))
done
churn_ok=0
for p in "${pids[@]}"; do wait "$p" || churn_ok=1; done
[ $cycles -ge 5 ] && [ $fails = 0 ]
ok $? "$cycles insmod/rmmod cycles under churn, $fails failures"
ok $churn_ok "connection churn ran through every load and unload"
echo "# churn: $(cat /tmp/churn.* /tmp/churn6.* | awk '{ n += $2 } END { print n }') connections"
! loaded
ok $? "module unloaded at the end"
done_testing
