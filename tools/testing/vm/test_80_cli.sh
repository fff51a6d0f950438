#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The real CLI against the real module: watch sees a scripted connection
# exactly, --since replays and follows without gap or duplicate, show draws
# the ISNs and FINs tcpdump sees, JSON parses, and every error path prints
# one line and the documented exit status.
. "$(dirname "$0")/lib.sh"

CLI=$TOP/tools/tcpstates
sysctl -qw net.ipv4.tcp_max_tw_buckets=262144
load_module

# jq-less JSON: python reads the lines
pyjson() { python3 -c "import json, sys
recs = [json.loads(l) for l in sys.stdin]
$1"; }

# watch: exactly the 7 server-side events of one connection to port 5801
"$CLI" watch -j -L 5801 -n 7 -d "$(slow 60)" >/tmp/cli.watch 2>/tmp/cli.watch.err &
w=$!
sleep "$(slow 2)"	# subscribed well before the traffic (no --since here)
"$TCPCONN" -4 -p 5801 -q >/dev/null
wait $w
is "$(pyjson 'print(" ".join(sorted(r["oldstate"] + "->" + r["newstate"] for r in recs)))' </tmp/cli.watch)" \
	"CLOSE->LISTEN CLOSE_WAIT->LAST_ACK ESTABLISHED->CLOSE_WAIT LAST_ACK->CLOSE LISTEN->CLOSE NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED" \
	"watch -L 5801 -n 7: the listener's and the server child's events, nothing else"
is "$(pyjson 'print(len({r["local_port"] for r in recs}), {r["comm"] for r in recs} == {"tcpconn"})' </tmp/cli.watch)" \
	"1 True" "watch: every event on local port 5801, owned by tcpconn"
[ ! -s /tmp/cli.watch.err ]
ok $? "watch: nothing on stderr"

# --since: replay from before a burst, then follow it live: every sequence
# number once, in order
start=$(( $(counter events) + 1 ))
"$TCPCONN" -4 -p 5802 -n 100 -q >/dev/null &
burst=$!
sleep 0.3
"$CLI" watch -j --since "$start" -d "$(slow 6)" >/tmp/cli.since 2>/tmp/cli.since.err
wait $burst
end=$(counter events)
is "$(pyjson 'seqs = [r["seq"] for r in recs]
print(seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs[0])' </tmp/cli.since)" \
	"True $start" "watch --since: consecutive sequence numbers from $start, no gap, no duplicate"
[ "$(pyjson 'print(recs[-1]["seq"])' </tmp/cli.since)" -ge "$end" ]
ok $? "watch --since: up to the end of the burst (event $end)"
sed 's/^/# /' /tmp/cli.since.err

# a watcher that overflows its (small) buffer says so and fetches back
# what it missed: the output still has every event once, in order
"$CLI" watch -j -d "$(slow 8)" --rcvbuf 4096 >/tmp/cli.slow 2>/tmp/cli.slow.err &
w=$!
sleep "$(slow 2)"
kill -STOP $w
"$TCPCONN" -4 -p 5803 -n 100 -q >/dev/null
end=$(counter events)
kill -CONT $w
wait $w
sed 's/^/# /' /tmp/cli.slow.err | head -5
grep -q 'receive buffer overflow: the missed events will be fetched' /tmp/cli.slow.err
ok $? "watch --rcvbuf 4096, stopped during 100 connections: reports the overflow"
grep -q "kernel: since the watch began, [0-9]* live events found a listener's buffer full" /tmp/cli.slow.err
ok $? "with the kernel's count of what the listener had no room for"
is "$(pyjson 'seqs = [r["seq"] for r in recs]
print(seqs == list(range(seqs[0], seqs[0] + len(seqs))), len(seqs) >= 1000)' </tmp/cli.slow)" "True True" \
	"and still prints every event once, in order"
[ "$(pyjson 'print(recs[-1]["seq"])' </tmp/cli.slow)" -ge "$end" ]
ok $? "up to the end of the 100 connections (event $end), the last drops included"

# show: the ladder's numbers are the ones on the wire
capture_one 5804 cli
echo "# capture: x=$x y=$y u=$u w=$w"
cookie=$("$CLI" conns -j -L "$cport" | pyjson 'print(recs[0]["cookie"])')
"$CLI" show "$cookie" >/tmp/cli.show
sed 's/^/# /' /tmp/cli.show
grep -q "SYN seq=x ($x)" /tmp/cli.show && grep -q "SYN-ACK seq=y ($y) ack=x+1 ($((x + 1)))" /tmp/cli.show &&
	grep -q "ACK ack=y+1 ($((y + 1)))" /tmp/cli.show
ok $? "show: SYN seq=x, SYN-ACK seq=y ack=x+1, ACK ack=y+1 as tcpdump -S saw them"
grep -q "FIN seq=u ($u)" /tmp/cli.show && grep -q "ACK ack=u+1 ($((u + 1)))" /tmp/cli.show &&
	grep -q "FIN seq=w ($w)" /tmp/cli.show && grep -q "ACK ack=w+1 ($((w + 1)))" /tmp/cli.show
ok $? "show: FIN seq=u, ACK u+1, FIN seq=w, ACK w+1 as on the wire"
grep -q 'now TIME_WAIT' /tmp/cli.show
ok $? "show: the client waits in TIME_WAIT now"

# JSON: every command's output parses, with every field
for c in "events" "conns" "stats" "summary"; do
	"$CLI" $c -j >/tmp/cli.json
	pyjson 'assert recs' </tmp/cli.json
	ok $? "$c -j: JSON lines parse"
done
is "$("$CLI" events -j | pyjson 'print(sorted(recs[0].keys()) == sorted(["type", "seq", "prev_seq", "time_ns", "cookie", "netns", "family", "oldstate", "newstate", "prev_ns", "cause", "role", "local_addr", "local_port", "remote_addr", "remote_port", "snd_nxt", "rcv_nxt", "tgid", "pid", "uid", "comm"]))')" \
	True "events -j: every field"
# (seeded TIME_WAIT sockets of earlier tests have no known age: last)
# (fresh ones: on a slow run the earlier clients' 60 s may be over)
"$TCPCONN" -4 -p 5809 -n 3 -q >/dev/null
"$CLI" conns -j -s time-wait -S age >/tmp/cli.tw
is "$(pyjson 'ages = [r["state_ns"] for r in recs]
known = [a for a in ages if a is not None]
print(len(known) > 1 and known == sorted(known, reverse=True) and ages[:len(known)] == known)' </tmp/cli.tw)" True \
	"conns -s time-wait -S age: longest in TIME_WAIT first" ||
	pyjson 'print("# %d records, state_ns: %s" % (len(recs), [r["state_ns"] for r in recs][:40]))' </tmp/cli.tw
is "$("$CLI" summary -j -L 5802 | pyjson 'print(recs[0]["transitions"].get("NEW_SYN_RECV->SYN_RECV"))')" 100 \
	"summary -L 5802: the burst's 100 passive opens"
is "$("$CLI" events -6 | awk 'NR > 1 && $3 !~ /^\[/' | wc -l)" 0 "events -6: IPv6 only"

# errors: one line each, and the documented exit status
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
nobody "$CLI" conns >/dev/null 2>/tmp/cli.err
st=$?
is "$st $(wc -l </tmp/cli.err)" "1 1" "unprivileged conns: exit 1, one line"
grep -q 'permission denied: needs CAP_NET_ADMIN' /tmp/cli.err
ok $? "naming the capability: $(cat /tmp/cli.err)"
nobody "$CLI" watch -d 1 >/dev/null 2>/tmp/cli.err
is "$? $(wc -l </tmp/cli.err)" "1 1" "unprivileged watch: exit 1, one line ($(cat /tmp/cli.err))"
nobody "$CLI" stats >/dev/null 2>&1
ok $? "unprivileged stats: allowed"
unshare --user --map-root-user --net "$CLI" conns --netns all >/dev/null 2>/tmp/cli.err
is "$? $(wc -l </tmp/cli.err)" "1 1" "container root asking for every namespace: exit 1, one line"
grep -q 'CAP_NET_ADMIN in the initial user namespace' /tmp/cli.err
ok $? "naming the privilege: $(cat /tmp/cli.err)"
"$CLI" show 999999999 >/dev/null 2>/tmp/cli.err
is "$? $(cat /tmp/cli.err)" "1 tcpstates: no connection 999999999 in the table or in the ring" \
	"show of an unknown cookie"
unload_module
"$CLI" conns >/dev/null 2>/tmp/cli.err
is "$? $(wc -l </tmp/cli.err)" "2 1" "module not loaded: exit 2, one line"
grep -q 'not loaded; load it with' /tmp/cli.err
ok $? "saying how to load it"
done_testing
