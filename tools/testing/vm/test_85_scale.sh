#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Churn at scale: many connections (100,000 and 1,000,000+ events with
# TCPSTATES_SCALE=long; 10,000 by default) in a network namespace, with a
# netlink listener on every namespace's events. The ring and the table
# stay at their caps, every drop is counted exactly (the counted drops
# equal the sequence gaps, in the ring and at the listener), and once the
# namespace is gone (its TIME_WAIT sockets with it) the table and the
# kernel's TCP memory return to their idle values.
. "$(dirname "$0")/lib.sh"

CHURN=$TESTING/churn
if [ "${TCPSTATES_SCALE:-short}" = long ]; then conns=100000; else conns=10000; fi
threads=$(nproc)

# tcpsocks: TCP sockets allocated in the whole kernel (every namespace,
# IPv4 and IPv6) and the pages of TCP memory, from sockstat
tcpsocks() { awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "alloc") print $(i + 1) }' /proc/net/sockstat; }
tcpmem() { awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }

unload_module
load_module
idle_used=$(counter conn_used) idle_mem=$(counter mem_bytes)
idle_socks=$(tcpsocks) idle_tcpmem=$(tcpmem)
ring_size=$(counter ring_size) conn_max=$(counter conn_max)
echo "# idle: conn_used $idle_used, mem_bytes $idle_mem, TCP sockets $idle_socks, TCP pages $idle_tcpmem"

"$TESTING/nltest" listen --all --quiet --idle 20000 --ready /tmp/scale.ready \
	>/tmp/scale.listen 2>&1 &
listener=$!
for i in $(seq 100); do [ -e /tmp/scale.ready ] && break; sleep 0.1; done
ok "$([ -e /tmp/scale.ready ]; echo $?)" "a listener is subscribed to every namespace's events"
first_watched=$(counter events)

# The caps, sampled while the churn runs.
(
	max_ring=0 max_conn=0
	while [ ! -e /tmp/scale.done ]; do
		r=$(counter ring_used) c=$(counter conn_used)
		[ "$r" -gt $max_ring ] && max_ring=$r
		[ "$c" -gt $max_conn ] && max_conn=$c
		sleep 0.5
	done
	echo "$max_ring $max_conn" >/tmp/scale.max
) &
sampler=$!

start=$SECONDS
unshare --net bash -c "readlink /proc/self/ns/net >/tmp/scale.ns && ip link set lo up &&
	exec '$CHURN' -4 -t $threads -n $conns -q" >/tmp/scale.churn 2>&1
st=$?
churn_s=$((SECONDS - start))
made=$(awk '{ for (i = 1; i < NF; i++) if ($i == "connections") print $(i + 1) }' /tmp/scale.churn | head -n1)
ok $st "churn made ${made:-?} connections in a namespace ($churn_s s)"
is "${made:-0}" "$conns" "churn's own count is the number asked for"
sed 's/^/# churn: /' /tmp/scale.churn | head -n 5

# The namespace is gone with churn: its TIME_WAIT sockets end (tw_netns).
# Wait for the table and the kernel's TCP sockets to drain. (The table's
# idle count may go down meanwhile: TIME_WAIT sockets of earlier tests end.)
ns=$(tr -dc 0-9 </tmp/scale.ns)
ns_conns() { awk -v ns="$ns" 'NR > 1 && $2 == ns { n++ } END { print n + 0 }' /proc/tcpstates_conns; }
for i in $(seq 120); do
	[ "$(ns_conns)" -le "$(counter kprobe_missed)" ] && [ "$(counter conn_used)" -le "$idle_used" ] &&
		[ "$(tcpsocks)" -le "$idle_socks" ] && break
	sleep 1
done
echo "# drained $i s after churn ended"
touch /tmp/scale.done
wait $sampler
read -r max_ring max_conn </tmp/scale.max
wait $listener
snapshot /tmp/scale
events=$(snapstat /tmp/scale events)
echo "# $events events; max ring_used $max_ring of $ring_size; max conn_used $max_conn of $conn_max"
[ "$events" -ge $((conns * 10)) ]
ok $? "at least 10 events per connection ($events for $conns)"
[ "$max_ring" -le "$ring_size" ] && [ "$(snapstat /tmp/scale ring_used)" -le "$ring_size" ]
ok $? "the ring stayed within its cap ($max_ring <= $ring_size)"
[ "$max_conn" -le "$conn_max" ]
ok $? "the table stayed within its cap ($max_conn <= $conn_max)"
is "$(snapstat /tmp/scale drops_ring_overwritten)" "$(($(snapstat /tmp/scale ring_first_seq) - 1))" \
	"ring: overwritten events counted exactly (= the sequence gap before the oldest)"
is "$(snapstat /tmp/scale conn_added)" \
	"$(($(snapstat /tmp/scale conn_used) + $(snapstat /tmp/scale conn_removed) + $(snapstat /tmp/scale conn_evicted)))" \
	"table: added = used + removed + evicted ($(snapstat /tmp/scale conn_evicted) evicted)"

# The listener: what it got and what it missed add up to the events sent
# since it subscribed; what it missed is what the module counted as lost.
read -r received missed last < <(awk '/^received / {
	for (i = 1; i < NF; i += 2) v[$i] = $(i + 1); print v["received"], v["missed"], v["last"] }' /tmp/scale.listen)
sed 's/^/# listener: /' /tmp/scale.listen | tail -n 2
stats=$("$TESTING/nltest" stats)
mstat() { echo "$stats" | awk -v n="$1" '$1 == n { print $2 }'; }
lost=$(($(mstat mcast_failed) + $(mstat mcast_overrun) + $(mstat mcast_nomem)))
echo "# listener received ${received:-?}, missed ${missed:-?}; module: mcast_sent $(mstat mcast_sent), failed $(mstat mcast_failed), overrun $(mstat mcast_overrun), nomem $(mstat mcast_nomem)"
[ -n "$received" ] && [ "$((received + missed))" -ge $((events - first_watched - 16)) ]
ok $? "listener: received + missed cover the events since it subscribed"
is "${missed:-x}" "$lost" "listener: the events it missed are the ones the module counted as lost"

# Idle again: connections gone, memory back.
# A probe hit the kprobe core skipped (kprobe_missed: a kretprobe's
# return handler, or the core's own bookkeeping around a handler, was
# interrupted by a softirq that hit another probe on that CPU) is a
# counted loss; the connection it ended stays in the table until evicted.
missed=$(counter kprobe_missed)
echo "# kprobe_missed $missed"
[ "$(ns_conns)" -le "$missed" ]
ok $? "connections of the namespace left in the table: $(ns_conns), no more than the counted probe misses ($missed)"
awk -v ns="$ns" 'NR == 1 || $2 == ns' /proc/tcpstates_conns | head -n 5 | sed 's/^/# left: /'
[ "$(ns_conns)" = 0 ] || for c in $(awk -v ns="$ns" 'NR > 1 && $2 == ns { print $1 }' /proc/tcpstates_conns | head -n 3); do
	awk -v c="$c" 'NR == 1 || $4 == c' /proc/tcpstates | sed 's/^/# its events: /'
done
[ "$(counter conn_used)" -le "$idle_used" ]
ok $? "table back to its idle size ($(counter conn_used) <= $idle_used)"
is "$(counter mem_bytes)" "$idle_mem" "module memory unchanged (allocated at load only)"
is "$(tcpsocks)" "$idle_socks" "kernel TCP sockets back to idle"
[ "$(tcpmem)" -le "$idle_tcpmem" ]
ok $? "kernel TCP memory back to idle ($(tcpmem) pages, idle $idle_tcpmem)"
done_testing
