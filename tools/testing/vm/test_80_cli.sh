#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tcpstates-suite: tools
# The real CLI against the real module: watch sees a scripted connection
# exactly, --since replays and follows without gap or duplicate, show draws
# the ISNs and FINs tcpdump sees, JSON parses, every error path prints one
# line and the documented exit status; and what issue 19 found: another
# namespace followed live (-N), owners summed up, columns that never
# overflow, one naming rule, COOKIE in the narrow view, show filtered in
# the kernel, ss's grammar and flags, Recv-Q/Send-Q, no command, | head.
# The checks marked "(v2)" need the module of family version 2.
. "$(dirname "$0")/lib.sh"

CLI=$TOP/tools/tcpstates
sysctl -qw net.ipv4.tcp_max_tw_buckets=262144
# 25 clients in TIME_WAIT before the module loads: seeded, owner unknown
"$TCPCONN" -4 -p 5820 -n 25 -q >/dev/null
load_module

# jq-less JSON: python reads the lines
pyjson() { python3 -c "import json, sys
recs = [json.loads(l) for l in sys.stdin]
$1"; }

# summary: the 25 seeded TIME_WAIT sockets have one unknown owner
"$CLI" summary -j >/tmp/cli.sum
is "$(pyjson 'h = [x for x in recs[0]["top_holders"] if x["tgid"] is None]
print(len(h), h[0]["time_wait"] >= 25 if h else None)' </tmp/cli.sum)" "1 True" \
	"summary: the connections seeded at load are one holder, owner unknown (was one row each)"

# watch: exactly the 7 server-side events of one connection to port 5801
"$CLI" watch -j -L 5801 --count 7 --duration "$(slow 60)" >/tmp/cli.watch 2>/tmp/cli.watch.err &
w=$!
sleep "$(slow 2)"	# subscribed well before the traffic (no --since here)
"$TCPCONN" -4 -p 5801 -q >/dev/null
wait $w
is "$(pyjson 'print(" ".join(sorted(r["oldstate"] + "->" + r["newstate"] for r in recs)))' </tmp/cli.watch)" \
	"CLOSE->LISTEN CLOSE_WAIT->LAST_ACK ESTABLISHED->CLOSE_WAIT LAST_ACK->CLOSE LISTEN->CLOSE NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED" \
	"watch -L 5801 --count 7: the listener's and the server child's events, nothing else"
is "$(pyjson 'print(len({r["local_port"] for r in recs}), {r["comm"] for r in recs} == {"tcpconn"})' </tmp/cli.watch)" \
	"1 True" "watch: every event on local port 5801, owned by tcpconn"
[ ! -s /tmp/cli.watch.err ]
ok $? "watch: nothing on stderr"

# no command: watch, as bcc's tcpstates
"$CLI" -j --count 4 --duration "$(slow 60)" sport = :5802 >/tmp/cli.nocmd 2>&1 &
w=$!
sleep "$(slow 2)"
"$TCPCONN" -4 -p 5802 -q >/dev/null
wait $w
is "$(pyjson 'print(len(recs), {r["type"] for r in recs})' </tmp/cli.nocmd)" "4 {'event'}" \
	"no command: follows events live (tcpstates sport = :5802 --count 4)"

# --since: replay from before a burst, then follow it live: every sequence
# number once, in order
start=$(( $(counter events) + 1 ))
"$TCPCONN" -4 -p 5802 -n 100 -q >/dev/null &
burst=$!
sleep 0.3
# until it has printed the burst's last event, then stopped as a user
# would, with ^C. The burst's own last event, not the last of all: the
# watch shows its namespace only, and a TIME_WAIT of another namespace's
# test that ends meanwhile takes a sequence number too.
"$CLI" watch -j --since "$start" --duration "$(slow 60)" >/tmp/cli.since 2>/tmp/cli.since.err &
w=$!
wait $burst
end=$(evq /proc/tcpstates 'f["LOCAL"] ~ /:5802$/ || f["REMOTE"] ~ /:5802$/' 'f["SEQ"]' |
	tr ' ' '\n' | sort -n | tail -n1)
last_seq() {	# the SEQ of the last whole line printed so far
	python3 -c 'import json, sys
lines = [l for l in open(sys.argv[1]).read().split("\n")[:-1] if l]
print(json.loads(lines[-1])["seq"] if lines else 0)' /tmp/cli.since
}
for _ in $(seq "$(slow 300)"); do [ "$(last_seq)" -ge "$end" ] && break; sleep 0.1; done
kill -INT $w
wait $w
is "$(pyjson 'seqs = [r["seq"] for r in recs]
print(seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs[0])' </tmp/cli.since)" \
	"True $start" "watch --since: consecutive sequence numbers from $start, no gap, no duplicate"
[ "$(pyjson 'print(recs[-1]["seq"])' </tmp/cli.since)" -ge "$end" ]
ok $? "watch --since: up to the end of the burst (event $end)"
sed 's/^/# /' /tmp/cli.since.err

# a netlink watcher (--no-map) that overflows its (small) buffer says so and fetches back
# what it missed: the output still has every event once, in order
"$CLI" watch -j --duration "$(slow 8)" --rcvbuf 4096 --no-map >/tmp/cli.slow 2>/tmp/cli.slow.err &
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

# show: the ladder's numbers are the ones on the wire; the cookie comes
# from the narrow view (it has a COOKIE column now)
capture_one 5804 cli
echo "# capture: x=$x y=$y u=$u w=$w"
"$CLI" conns sport = :"$cport" and dport = :5804 >/tmp/cli.narrow
cookie=$(evq /tmp/cli.narrow 1 'f["COOKIE"]')
[ -n "$cookie" ] && [ "$cookie" != - ]
ok $? "conns: the narrow view has the COOKIE column ($cookie)"
strace -f -qq -e trace=recvmsg,recvfrom -e signal=none -o /tmp/cli.strace \
	"$CLI" show "$cookie" >/tmp/cli.show
sed 's/^/# /' /tmp/cli.show
grep -q "^connection $cookie, active" /tmp/cli.show
ok $? "show COOKIE of the narrow view draws that connection"
grep -q "SYN seq=x ($x)" /tmp/cli.show && grep -q "SYN-ACK seq=y ($y) ack=x+1 ($((x + 1)))" /tmp/cli.show &&
	grep -q "ACK ack=y+1 ($((y + 1)))" /tmp/cli.show
ok $? "show: SYN seq=x, SYN-ACK seq=y ack=x+1, ACK ack=y+1 as tcpdump -S saw them"
grep -q "FIN seq=u ($u)" /tmp/cli.show && grep -q "ACK ack=u+1 ($((u + 1)))" /tmp/cli.show &&
	grep -q "FIN seq=w ($w)" /tmp/cli.show && grep -q "ACK ack=w+1 ($((w + 1)))" /tmp/cli.show
ok $? "show: FIN seq=u, ACK u+1, FIN seq=w, ACK w+1 as on the wire"
grep -q 'now TIME_WAIT' /tmp/cli.show
ok $? "show: the client waits in TIME_WAIT now"
# the ring holds over 2,000 events of other connections by now
bytes=$(awk '/recv(msg|from)\(/ { n += $NF } END { print n + 0 }' /tmp/cli.strace)
used=$(counter ring_used)
[ "$used" -gt 1000 ] && [ "$bytes" -lt 32768 ]
ok $? "show: the kernel sends that connection only, $bytes bytes for a ring of $used events (v2)"

# JSON: every command's output parses, with every field
# (conns lists nothing when every earlier client's TIME_WAIT is over, as
# on the debug kernel, where the steps above take more than its 60 s)
"$TCPCONN" -4 -p 5805 -q >/dev/null
for c in "events" "conns" "stats" "summary"; do
	"$CLI" $c -j >/tmp/cli.json
	pyjson 'assert recs' </tmp/cli.json
	ok $? "$c -j: JSON lines parse"
done
is "$("$CLI" events -j | pyjson 'print(sorted(recs[0].keys()) == sorted(["type", "seq", "prev_seq", "time_ns", "cookie", "tgid", "pid", "comm", "local_addr", "local_port", "remote_addr", "remote_port", "family", "oldstate", "newstate", "prev_ns", "cause", "errno", "role", "netns", "netns_id", "snd_nxt", "rcv_nxt", "uid", "partial", "life_ns", "hs_retrans", "hs_wait_ns", "seg_syn_seq", "seg_synack_seq", "seg_synack_ack", "seg_ack", "seg_fin_seq", "seg_fin_ack", "data", "cgroup_id", "cgroup"]))')" \
	True "events -j: every field"
is "$("$CLI" events -j | pyjson 'print(all(r["netns_id"] for r in recs))')" True \
	"events -j: every event has its namespace id (v2)"
# (seeded TIME_WAIT sockets of earlier tests have no known age: last)
# (fresh ones: on a slow run the earlier clients' 60 s may be over)
"$TCPCONN" -4 -p 5809 -n 3 -q >/dev/null
"$CLI" conns -j state time-wait --sort age >/tmp/cli.tw
is "$(pyjson 'ages = [r["state_ns"] for r in recs]
known = [a for a in ages if a is not None]
print(len(known) > 1 and known == sorted(known, reverse=True) and ages[:len(known)] == known)' </tmp/cli.tw)" True \
	"conns state time-wait --sort age: longest in TIME_WAIT first" ||
	pyjson 'print("# %d records, state_ns: %s" % (len(recs), [r["state_ns"] for r in recs][:40]))' </tmp/cli.tw
is "$(pyjson 'print({r["recv_q"] for r in recs})' </tmp/cli.tw)" "{None}" \
	"conns: TIME_WAIT has no Recv-Q (null)"
is "$("$CLI" summary -j -L 5802 | pyjson 'print(recs[0]["transitions"].get("NEW_SYN_RECV->SYN_RECV"))')" 101 \
	"summary -L 5802: the 101 passive opens"

# narrow text: no value overflows its column (IPv6, IPv4-mapped,
# NEW_SYN_RECV); one naming rule, the kernel's
"$TCPCONN" -6 -p 5830 -q >/dev/null
"$TCPCONN" -M -p 5831 -q >/dev/null
is "$("$CLI" events -6 -j | pyjson 'print({r["family"] for r in recs})')" "{'inet6'}" "events -6: IPv6 only"
"$CLI" events >/tmp/cli.ev.txt
aligned /tmp/cli.ev.txt
ok $? "events, narrow: every column starts where its header does (IPv6, v4-mapped, NEW_SYN_RECV)"
grep -q '\[::ffff:127.0.0.1\]:5831' /tmp/cli.ev.txt && grep -q '\[::1\]:5830' /tmp/cli.ev.txt
ok $? "events, narrow: IPv6 and IPv4-mapped endpoints whole"
awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ print $c["OLDSTATE"]; print $c["NEWSTATE"] }' /tmp/cli.ev.txt | sort -u >/tmp/cli.names
grep -q NEW_SYN_RECV /tmp/cli.names && ! grep -q '[a-z]' /tmp/cli.names
ok $? "events, narrow: the kernel's state names ($(tr '\n' ' ' </tmp/cli.names))"
"$CLI" events -e >/tmp/cli.ev.wide
aligned /tmp/cli.ev.wide
ok $? "events -e: aligned too"
"$CLI" conns -a >/tmp/cli.conns.txt
aligned /tmp/cli.conns.txt
ok $? "conns -a, narrow: aligned"
"$CLI" conns -a -e >/tmp/cli.conns.wide
aligned /tmp/cli.conns.wide
ok $? "conns -a -e: aligned"

# ss's grammar and flags, on one held connection
"$TCPCONN" -4 -p 5850 -m hold >/tmp/cli.hold &
hold=$!
for i in $(seq 100); do grep -q client_port /tmp/cli.hold && break; sleep 0.1; done
hpid=$(awk '/^pid/ { print $2 }' /tmp/cli.hold)
count() { "$CLI" conns -j "$@" | pyjson 'print(len(recs), ",".join(sorted(r["state"] for r in recs)))'; }
is "$(count state established '( dport = :5850 or sport = :5850 )')" "2 ESTABLISHED,ESTABLISHED" \
	"conns state established '( dport = :5850 or sport = :5850 )': client and server"
is "$(count sport = :5850)" "1 ESTABLISHED" "conns sport = :5850: listeners left out, as ss"
is "$(count -l sport = :5850)" "1 LISTEN" "conns -l: the listener only"
is "$(count -a sport = :5850)" "2 ESTABLISHED,LISTEN" "conns -a: both"
is "$(count -tanp sport = :5850)" "2 ESTABLISHED,LISTEN" "conns -tanp (ss's habit)"
is "$(count dst 127.0.0.0/8 dport eq :5850)" "1 ESTABLISHED" "dst PREFIX dport eq :PORT"
is "$(count sport gt :5849 sport lt :5851 not state listening -a)" "1 ESTABLISHED" \
	"sport gt, sport lt, not state listening (with -a)"
is "$(count -c 'tcpc*' sport = :5850)" "1 ESTABLISHED" "-c GLOB"
is "$(count -c tcp sport = :5850)" "0 " "-c NAME: exactly, without a glob"
is "$(count pid "$hpid" sport = :5850)" "1 ESTABLISHED" "pid N"
is "$(count --pid "$hpid" -L 5850)" "1 ESTABLISHED" "--pid, -L"
is "$("$CLI" events -j cause normal sport = :5801 | pyjson 'print(len(recs))')" 2 \
	"events cause normal: the child's and the listener's close"
kill -USR1 $hold 2>/dev/null
wait $hold

# Recv-Q and Send-Q: a CLOSE_WAIT leak with unread data, as ss sees it
rm -f /tmp/cli.rq.ready /tmp/cli.rq.done
python3 -c '
import socket, time, os
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 5860))
l.listen()
c = socket.create_connection(("127.0.0.1", 5860))
s, _ = l.accept()
c.sendall(b"x" * 1000)
c.close()
open("/tmp/cli.rq.ready", "w").close()
while not os.path.exists("/tmp/cli.rq.done"):
    time.sleep(0.1)
' &
py=$!
for i in $(seq 100); do [ -e /tmp/cli.rq.ready ] && break; sleep 0.1; done
sleep 0.5
is "$("$CLI" conns -j state close-wait sport = :5860 | pyjson 'print(len(recs), recs[0]["recv_q"])')" "1 1001" \
	"conns: the CLOSE_WAIT socket's 1000 unread bytes in recv_q (and the FIN, as ss counts it)"
"$CLI" conns state close-wait sport = :5860 >/tmp/cli.rq.txt
is "$(evq /tmp/cli.rq.txt 1 'f["RECV-Q"]')" \
	"$(ss -tnH state close-wait sport = :5860 | awk '{ print $1 }')" "conns: RECV-Q as ss shows it"
touch /tmp/cli.rq.done
wait $py

# another namespace, by name, path or inode; followed live too
ip netns add tscli && ip -n tscli link set lo up
ok $? "a namespace named tscli (ip netns)"
ino=$(stat -L -c %i /run/netns/tscli)
"$CLI" watch -N "$ino" -j --count 12 --duration "$(slow 60)" >/tmp/cli.nswatch 2>&1 &
w=$!
"$CLI" summary -N tscli --duration "$(slow 8)" -j >/tmp/cli.nssum 2>&1 &
s=$!
sleep "$(slow 2)"
nsenter --net=/run/netns/tscli "$TCPCONN" -4 -p 5811 -q >/dev/null
wait $w
wait $s
is "$(pyjson 'print(len(recs), {r["netns"] for r in recs} == {'"$ino"'})' </tmp/cli.nswatch)" "12 True" \
	"watch -N INODE of another namespace: its connection's 12 events (it printed nothing)"
is "$(pyjson 'print(recs[0]["transitions"].get("NEW_SYN_RECV->SYN_RECV"))' </tmp/cli.nssum)" 1 \
	"summary -N NAME --duration: that namespace's events, live"
# (the client's TIME_WAIT may end meanwhile on a slow kernel: its 12
# events up to TIME_WAIT)
for n in tscli /run/netns/tscli "$ino"; do
	is "$("$CLI" events -N "$n" -j | pyjson 'print(len([r for r in recs if 5811 in (r["local_port"], r["remote_port"]) and r["oldstate"] != "TIME_WAIT"]), {r["netns"] for r in recs} == {'"$ino"'})')" \
		"12 True" "events -N $n: that namespace's events only"
done
nsenter --net=/run/netns/tscli "$TCPCONN" -4 -p 5812 -m hold >/tmp/cli.nshold &
nshold=$!
for _ in $(seq 100); do grep -q client_port /tmp/cli.nshold && break; sleep 0.1; done
is "$("$CLI" conns -a -N tscli -j | pyjson 'print(len(recs) > 0, {r["recv_q"] for r in recs})')" "True {None}" \
	"conns -N another namespace: no Recv-Q (sock_diag sees the reader's own)"
kill -USR1 $nshold
wait $nshold
ip netns del tscli

# a close with no room for a TIME_WAIT socket (v2: cause tw_overflow)
sysctl -qw net.ipv4.tcp_max_tw_buckets=0
"$TCPCONN" -4 -p 5840 -q >/dev/null
sysctl -qw net.ipv4.tcp_max_tw_buckets=262144
"$CLI" events -e dport = :5840 >/tmp/cli.two
is "$(awk 'NR > 1 && $8 == "CLOSE" { print $10 }' /tmp/cli.two)" tw_overflow \
	"events -e: the client's close without TIME_WAIT, cause tw_overflow (v2)"

# | head: a reader that goes away ends the CLI quietly, with 0
"$CLI" events 2>/tmp/cli.head.err | head -n 2 >/dev/null
is "${PIPESTATUS[0]} $(wc -c </tmp/cli.head.err)" "0 0" "events | head -n 2: exit 0, nothing on stderr"
(timeout "$(slow 60)" "$CLI" watch 2>/tmp/cli.head.err | head -n 3 >/dev/null
 echo "${PIPESTATUS[0]}" >/tmp/cli.head.st) &
w=$!
sleep "$(slow 2)"
"$TCPCONN" -4 -p 5870 -n 20 -q >/dev/null
wait $w
is "$(cat /tmp/cli.head.st) $(wc -c </tmp/cli.head.err)" "0 0" \
	"watch | head -n 3: ends at the next write, exit 0, nothing on stderr (it ran on)"

# errors: one line each, and the documented exit status
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
nobody "$CLI" conns >/dev/null 2>/tmp/cli.err
st=$?
is "$st $(wc -l </tmp/cli.err)" "1 1" "unprivileged conns: exit 1, one line"
grep -q 'permission denied: needs CAP_NET_ADMIN' /tmp/cli.err
ok $? "naming the capability: $(cat /tmp/cli.err)"
nobody "$CLI" watch --duration 1 >/dev/null 2>/tmp/cli.err
is "$? $(wc -l </tmp/cli.err)" "1 1" "unprivileged watch: exit 1, one line ($(cat /tmp/cli.err))"
nobody "$CLI" stats >/dev/null 2>&1
ok $? "unprivileged stats: allowed"
unshare --user --map-root-user --net "$CLI" conns --netns all >/dev/null 2>/tmp/cli.err
is "$? $(wc -l </tmp/cli.err)" "1 1" "container root asking for every namespace: exit 1, one line"
grep -q 'CAP_NET_ADMIN in the initial user namespace' /tmp/cli.err
ok $? "naming the privilege: $(cat /tmp/cli.err)"
unshare --user --map-root-user --net bash -c '"$1" watch -N /proc/self/fd/8 --duration 1' _ "$CLI" \
	8</proc/1/ns/net >/dev/null 2>/tmp/cli.err
is "$? $(wc -l </tmp/cli.err)" "1 1" "container root following the initial namespace: exit 1, one line"
grep -q 'another namespace needs CAP_NET_ADMIN in the initial user namespace' /tmp/cli.err
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
