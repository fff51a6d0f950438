#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A listener's gaps are its own: when the multicast sender falls behind a
# burst in one namespace and the ring overwrites its events, listeners of
# other namespaces see no gap (PREV_SEQ is the previous event of their
# own namespace), while the burst's own listener sees exactly what it lost.
. "$(dirname "$0")/lib.sh"

NLT=$TESTING/nltest
summary() { awk -v k="$2" '$1 == "received" { for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1"; }
waitfile() { for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
rm -f /tmp/gap.*
load_module ring_size=16
# Namespace A: a listener, one connection before the burst, one after.
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	"$1" listen --quiet --count 24 --idle "$3" --ready /tmp/gap.a.ready >/tmp/gap.a &
	for i in $(seq 300); do [ -e /tmp/gap.a.ready ] && break; sleep 0.1; done
	"$2" -4 -p 5461 -q >/dev/null
	touch /tmp/gap.a.first
	for i in $(seq 600); do [ -e /tmp/gap.b.done ] && break; sleep 0.1; done
	sleep 1
	"$2" -4 -p 5462 -q >/dev/null
	wait' _ "$NLT" "$TCPCONN" "$(slow 60000)" &
a=$!
waitfile /tmp/gap.a.first
sleep 1
# Namespace B: a listener, and a burst the sender cannot keep up with in
# a ring of 16 events. The sender is a work item on the CPU of the events,
# woken at once every 4 of them (a quarter of the ring), so it keeps up
# wherever it gets a turn every few events (a kernel that preempts at
# once). So the burst runs on CPU 0 at a real-time priority, which the
# sender's worker (SCHED_OTHER) cannot preempt: it runs only when the
# burst waits. The listener reads on CPU 1, with a buffer for the whole
# burst (rmem_max raised for it: a namespace's root cannot go past it).
# One connection first, at the usual priority, so that it has an event
# before the burst to see the gap after. (The limit lets the namespace's
# root ask for a real-time priority.)
ulimit -r 10
rmem_max=$(sysctl -n net.core.rmem_max)
sysctl -qw net.core.rmem_max=8388608
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	taskset -c 1 "$1" listen --quiet --idle "$3" --rcvbuf 8388608 --ready /tmp/gap.b.ready >/tmp/gap.b &
	for i in $(seq 300); do [ -e /tmp/gap.b.ready ] && break; sleep 0.1; done
	"$2" -4 -p 5464 -q >/dev/null
	sleep 1
	taskset -c 0 chrt -f 10 "$2" -4 -p 5463 -n 200 -q >/dev/null
	touch /tmp/gap.b.done
	wait' _ "$NLT" "$TCPCONN" "$(slow 2000)"
sysctl -qw net.core.rmem_max="$rmem_max"
wait $a
sed 's/^/# A: /' /tmp/gap.a
sed 's/^/# B: /' /tmp/gap.b
overrun=$(counter mcast_overrun) failed=$(counter mcast_failed)
missed=$(summary /tmp/gap.b missed)
if [ "$overrun" = 0 ] && [ "$missed" = 0 ] && [ "$failed" = 0 ]; then
	# The burst waited often enough for the sender to keep up (a debug
	# kernel makes connections slowly; a loaded guest's timing varies):
	# nothing was overwritten, nothing lost, and nothing to see here.
	echo "ok - # SKIP the sender kept up with the burst: no overrun to see (TCPSTATES_SLOW=$SLOW)"
	echo "ok - # SKIP (no loss to count)"
else
	[ "$overrun" -gt 0 ] && [ "$(summary /tmp/gap.b gaps)" -gt 0 ]
	ok $? "the burst overran the ring: B's listener lost events ($overrun overrun, $missed missed)"
	is "$missed" "$((overrun + failed))" "B's listener missed exactly the events counted as overrun ($overrun) or overflow ($failed)"
fi
is "$(summary /tmp/gap.a received)" 24 "A's listener got both of its connections (24 events)"
is "$(summary /tmp/gap.a gaps)" 0 "and saw no gap: B's loss is not A's"
done_testing
