#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad module parameters are refused with a message; a small ring overflows
# with every overwritten event counted.
. "$(dirname "$0")/lib.sh"

# refused PARAM WHAT VALUE...: each value fails insmod with the message
refused() {
	local param=$1 what=$2 bad st
	shift 2
	for bad in "$@"; do
		dmesg -C
		insmod "$KO" "$param=$bad" 2>/dev/null
		st=$?
		! loaded && [ $st != 0 ] &&
			dmesg | grep -q "$param=$bad: want a number of $what from 16 to 1048576"
		ok $? "$param='$bad' is refused with a message"
		unload_module
	done
}

unload_module
refused ring_size events 0 15 1048577 -1 99999999999 abc ''
refused conn_max connections 0 15 1048577 -5 x

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
snapshot /tmp/ring
ok $? "a consistent snapshot of events and counters"
events=$(snapstat /tmp/ring events)
drops=$(snapstat /tmp/ring drops_ring_overwritten)
first=$(snapstat /tmp/ring ring_first_seq)
# 10 per connection (5 client, 5 server child), 2 for the listener; more
# if a TIME_WAIT socket seeded at load ended meanwhile
[ "$events" -ge 202 ]
ok $? "20 connections made $events events (>= 202)"
is "$drops" $((events - 32)) "overwritten events counted exactly: events - ring size"
is "$(awk 'NR > 1 { n++ } END { print n }' /tmp/ring)" 32 "/proc/tcpstates shows a full ring"
is "$(awk 'NR == 2 { print $1 }' /tmp/ring)" "$first" "the oldest shown is ring_first_seq"
is "$(awk 'END { print $1 }' /tmp/ring)" "$events" "the newest shown is the last event"
is "$((first - 1))" "$drops" "the sequence gap equals the counted drops"

# A read of /proc/tcpstates ends at the newest event as of its first read,
# so cat ends while connections keep coming; reading on after end of file
# gives the events made since, with no gap and no duplicate.
unload_module
load_module
"$TCPCONN" -4 -p 5103 -n 2 -q >/dev/null
exec 3</proc/tcpstates
head -c 100 <&3 >/dev/null	# the first read: the pass ends here
"$TCPCONN" -4 -p 5104 -n 5 -q >/dev/null
cat <&3 >/tmp/pass1
cat <&3 >/tmp/pass2
exec 3<&-
n1=$(grep -c ':5104 ' /tmp/pass1) n2=$(grep -c ':5104 ' /tmp/pass2)
[ "$(grep -c ':5103 ' /tmp/pass1)" -gt 0 ] && [ "$n1" = 0 ]
ok $? "a pass ends at the newest event as of its first read (port 5103 in it, 5104 not)"
[ "$n2" -ge 50 ]
ok $? "reading on after end of file gives the newer events ($n2 of port 5104)"
is "$(head -n 1 /tmp/pass2 | awk '{ print $1 }')" \
	"$(($(tail -n 1 /tmp/pass1 | awk '{ print $1 }') + 1))" \
	"the second pass starts right after the first: no gap, no duplicate"
unload_module
done_testing
