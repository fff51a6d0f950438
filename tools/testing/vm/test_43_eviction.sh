#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A full connection table gives up what matters least: TIME_WAIT entries,
# oldest first, before any listener, established or CLOSE_WAIT connection;
# a connection whose entry went still shows its events, marked partial,
# and every eviction and partial event is counted; a listener whose entry
# went still counts its drops.
. "$(dirname "$0")/lib.sh"

# on PORT FILE EXPR: EXPR for the lines of FILE about local port PORT
on() { evq "$2" 'f["LOCAL"] ~ p' "$3" -v p=":$1\$"; }

load_module conn_max=16
# What an SRE hunts: a listener with an established connection, and a
# CLOSE_WAIT leak (the client closed, the server never did)
"$TCPCONN" -4 -p 5441 -m hold >/tmp/ev.hold &
hold=$!
"$TCPCONN" -4 -p 5442 -m close-wait >/tmp/ev.cw &
cw=$!
for _ in $(seq 50); do grep -q client_port /tmp/ev.hold && grep -q ready /tmp/ev.cw && break; sleep 0.1; done
hold_pid=$(awk '/^pid/ { print $2 }' /tmp/ev.hold)
is "$(on 5442 /proc/tcpstates_conns 'f["STATE"]' | tr ' ' '\n' | sort | tr '\n' ' ')" "CLOSE_WAIT LISTEN " \
	"a CLOSE_WAIT leak on port 5442"

# 30 connections in a namespace: 30 clients in TIME_WAIT, more than the
# table holds; later the namespace goes, and its TIME_WAIT sockets with it.
rm -f /tmp/ev.ns.ready /tmp/ev.ns.done
unshare --net bash -c 'ip link set lo up; "$1" -4 -p 5443 -n 30 -q >/dev/null
	touch /tmp/ev.ns.ready; while [ ! -e /tmp/ev.ns.done ]; do sleep 0.1; done' _ "$TCPCONN" &
ns=$!
for _ in $(seq 300); do [ -e /tmp/ev.ns.ready ] && break; sleep 0.1; done
sleep 0.5	# the last ACKs
cat /proc/tcpstates_conns >/tmp/ev.conns
cat /proc/tcpstates_stats >/tmp/ev.stats1
kept=$(evq /tmp/ev.conns 'f["REMOTE"] ~ /:5443$/ && f["STATE"] == "TIME_WAIT"' 'f["COOKIE"]')
st() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
is "$(on 5441 /tmp/ev.conns 'f["STATE"]' | tr ' ' '\n' | sort | tr '\n' ' ')" "ESTABLISHED LISTEN " \
	"the listener and its established connection are still in the table"
is "$(evq /tmp/ev.conns 'f["REMOTE"] ~ /:5441$/' 'f["STATE"]')" ESTABLISHED "and the client's side"
is "$(on 5442 /tmp/ev.conns 'f["STATE"]' | tr ' ' '\n' | sort | tr '\n' ' ')" "CLOSE_WAIT LISTEN " \
	"the CLOSE_WAIT leak and its listener are still in the table"
[ "$(st /tmp/ev.stats1 conn_evicted_time_wait)" -gt 0 ]
ok $? "TIME_WAIT entries were evicted ($(st /tmp/ev.stats1 conn_evicted_time_wait))"
is "$(st /tmp/ev.stats1 conn_evicted_open)/$(st /tmp/ev.stats1 conn_evicted_held)" 0/0 \
	"no established, listening or CLOSE_WAIT entry was"
is "$(st /tmp/ev.stats1 conn_evicted)" "$(($(st /tmp/ev.stats1 conn_evicted_time_wait) + $(st /tmp/ev.stats1 conn_evicted_closing)))" \
	"conn_evicted is the sum of its classes"
is "$(st /tmp/ev.stats1 conn_added)" "$(($(st /tmp/ev.stats1 conn_used) + $(st /tmp/ev.stats1 conn_removed) + $(st /tmp/ev.stats1 conn_evicted)))" \
	"every entry is accounted for: added = used + removed + evicted"

# The namespace's end closes every TIME_WAIT socket: each shows its close,
# the evicted ones marked partial, oldest first.
touch /tmp/ev.ns.done
wait $ns
for _ in $(seq 100); do
	[ "$(on 5443 /proc/tcpstates 1 | wc -w)" -gt 0 ] &&
	[ "$(evq /proc/tcpstates 'f["REMOTE"] ~ /:5443$/ && f["CAUSE"] == "tw_netns"' 1 | wc -w)" = 30 ] && break
	sleep 0.2
done
snapshot /tmp/ev.events
is "$(evq /tmp/ev.events 'f["REMOTE"] ~ /:5443$/ && f["CAUSE"] == "tw_netns"' 1 | wc -w)" 30 \
	"all 30 TIME_WAIT clients show their end (tw_netns), evicted or not"
parts=$(evq /tmp/ev.events 'f["REMOTE"] ~ /:5443$/ && f["CAUSE"] == "tw_netns" && f["FLAGS"] == "part"' 'f["COOKIE"]')
whole=$(evq /tmp/ev.events 'f["REMOTE"] ~ /:5443$/ && f["CAUSE"] == "tw_netns" && f["FLAGS"] == "-"' 'f["COOKIE"]')
is "$(wc -w <<<"$parts")" "$((30 - $(wc -w <<<"$kept")))" \
	"those whose entry was evicted ($((30 - $(wc -w <<<"$kept")))) are marked partial"
is "$(tr ' ' '\n' <<<"$whole" | sort -n | tr '\n' ' ')" "$(tr ' ' '\n' <<<"$kept" | sort -n | tr '\n' ' ')" \
	"the others are the ones the table kept"
is "$(evq /tmp/ev.events 'f["FLAGS"] == "part"' 1 | wc -w)" "$(snapstat /tmp/ev.events events_partial)" \
	"events_partial counts exactly the events marked partial"
is "$(evq /tmp/ev.events 'f["FLAGS"] == "part"' 'f["PREV_MS"] f["TGID"]' | tr ' ' '\n' | sort -u)" "--" \
	"a partial event has no time in its old state and no owner"
# Oldest: first into TIME_WAIT, by the SEQ of that event (not by cookie:
# the kernel hands cookies out to each CPU in batches of 4096, so a
# client made later on another CPU may have a smaller one).
tw_seq() {	# tw_seq COOKIES: the SEQ of each one's event into TIME_WAIT
	for c in $1; do
		evq /tmp/ev.events 'f["COOKIE"] == c && f["NEWSTATE"] == "TIME_WAIT"' 'f["SEQ"]' -v c="$c"
		echo
	done
}
max_part=$(tw_seq "$parts" | sort -n | tail -n1)
min_whole=$(tw_seq "$whole" | sort -n | grep . | head -n1)
[ -n "$max_part" ] && { [ -z "$min_whole" ] || [ "$max_part" -lt "$min_whole" ]; }
ok $? "the oldest went first (evicted ones into TIME_WAIT up to event ${max_part:-none}, kept ones from ${min_whole:-none})"

# A new child of the listener gets its owner from the listener's entry.
exec 3<>/dev/tcp/127.0.0.1/5441
sleep 0.5
is "$(on 5441 /proc/tcpstates_conns 'f["STATE"] "/" f["TGID"]' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"ESTABLISHED/$hold_pid ESTABLISHED/$hold_pid LISTEN/$hold_pid " \
	"a new child of the listener gets the listener's owner ($hold_pid)"
exec 3>&-

kill -USR1 $hold $cw
wait $hold $cw

# A listener whose entry was evicted (a table of 16 filled with 200 more
# listeners: nothing cheaper left) still counts its drops: its first drop
# makes it a new, partial entry, with the drop and a drop event.
load_module conn_max=16
python3 -c '
import signal, socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 5449))
l.listen(1)
print("ready", flush=True)
signal.pause()' >/tmp/ev.l &
lpid=$!
for _ in $(seq 50); do grep -q ready /tmp/ev.l && break; sleep 0.1; done
python3 -c '
import signal, socket
held = []
for _ in range(200):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    held.append(s)
print("ready", flush=True)
signal.pause()' >/tmp/ev.many &
many=$!
for _ in $(seq 100); do grep -q ready /tmp/ev.many && break; sleep 0.1; done
lst() { evq /proc/tcpstates_conns 'f["LOCAL"] ~ /:5449$/ && f["STATE"] == "LISTEN"' "$1"; }
is "$(lst 'f["STATE"]')" "" "a listener's entry evicted, when only held entries are left"
python3 -c '
import signal, socket
cs = []
for _ in range(5):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", 5449))
    cs.append(c)
print("ready", flush=True)
signal.pause()' >/tmp/ev.cl &
clients=$!
for _ in $(seq 50); do grep -q ready /tmp/ev.cl && break; sleep 0.1; done
for _ in $(seq 30); do [ -n "$(lst 'f["DROPS"]')" ] && break; sleep 0.2; done
got=$(lst 'f["FLAGS"] " " f["DROPS"]')
[ "${got% *}" = part ] && [ "${got#* }" -gt 0 ]
ok $? "its drops make it a new, partial entry that counts them (FLAGS DROPS: ${got:-none})"
is "$(evq /proc/tcpstates 'f["LOCAL"] ~ /:5449$/ && f["OLDSTATE"] == "LISTEN" && f["NEWSTATE"] == "LISTEN"' 'f["FLAGS"]' | awk '{ print $1 }')" part \
	"and its first drop is an event, marked partial"
kill $lpid $many $clients
wait $lpid $many $clients 2>/dev/null
unload_module
done_testing
