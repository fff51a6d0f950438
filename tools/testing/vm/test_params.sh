#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad module parameters are refused with a message; a small ring overflows
# with every overwritten event counted.
. "$(dirname "$0")/lib.sh"

unload_module
for bad in 0 15 1048577 -1 99999999999 abc ''; do
	dmesg -C
	insmod "$KO" ring_size="$bad" 2>/dev/null
	st=$?
	! loaded && [ $st != 0 ] && dmesg | grep -q "ring_size=$bad: want a number of events from 16 to 1048576"
	ok $? "ring_size='$bad' is refused with a message"
	unload_module
done

for bad in 0 15 1048577 -5 x; do
	dmesg -C
	insmod "$KO" conn_max="$bad" 2>/dev/null
	st=$?
	! loaded && [ $st != 0 ] && dmesg | grep -q "conn_max=$bad: want a number of connections from 16 to 1048576"
	ok $? "conn_max='$bad' is refused with a message"
	unload_module
done

# A full table evicts the oldest entry and counts it.
load_module conn_max=16
"$TCPCONN" -4 -p 5102 -n 20 -q >/dev/null
# The clients stay (TIME_WAIT), so the table fills up and evicts.
used=$(counter conn_used) evicted=$(counter conn_evicted)
[ "$used" -le 16 ] && [ "$used" -ge 10 ]
ok $? "conn_max=16: the table stays within its cap ($used used)"
[ "$evicted" -gt 0 ]
ok $? "conn_max=16: the full table evicted $evicted entries"
is "$(counter conn_added)" "$((used + $(counter conn_removed) + evicted))" \
	"every entry is accounted for: added = used + removed + evicted"
unload_module

load_module ring_size=20
ok $? "ring_size=20 loads"
is "$(cat /sys/module/tcpstates/parameters/ring_size)" 32 "ring_size is rounded up to a power of two"
"$TCPCONN" -4 -p 5101 -n 20 -q >/dev/null
events=$(awk '$1 == "events" { print $2 }' /proc/tcpstates_stats)
drops=$(awk '$1 == "drops_ring_overwritten" { print $2 }' /proc/tcpstates_stats)
first=$(awk '$1 == "ring_first_seq" { print $2 }' /proc/tcpstates_stats)
# 10 per connection (5 client, 5 server child), 2 for the listener
is "$events" 202 "20 connections made 202 events"
is "$drops" $((events - 32)) "overwritten events counted exactly: events - ring size"
is "$(awk 'NR > 1 { n++ } END { print n }' /proc/tcpstates)" 32 "/proc/tcpstates shows a full ring"
is "$(awk 'NR == 2 { print $1 }' /proc/tcpstates)" "$first" "the oldest shown is ring_first_seq"
is "$(awk 'END { print $1 }' /proc/tcpstates)" "$events" "the newest shown is the last event"
is "$((first - 1))" "$drops" "the sequence gap equals the counted drops"
done_testing
