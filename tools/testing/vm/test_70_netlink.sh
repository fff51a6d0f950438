#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink family: dumps equal /proc, filters, live events with
# no gap under a burst, overflow and overrun reported and recovered,
# malformed requests refused, and who may see what.
. "$(dirname "$0")/lib.sh"

NLT=$TESTING/nltest
YNL=${TCPSTATES_CACHE:-/var/cache/tcpstates}/ynl
SPEC=$TOP/Documentation/netlink/specs/tcpstates.yaml
host_ns=$(readlink /proc/self/ns/net | tr -dc 0-9)

# waitfile FILE: until a background nltest says it has subscribed
waitfile() {
	local i
	for i in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}

# summary FILE KEY: a number from nltest listen's summary line
summary() { awk -v k="$2" '$1 == "received" { for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1"; }

# kv KEY: the values of KEY= in nltest's key=value lines on stdin
kv() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p; s/^$1=\\([^ ]*\\).*/\\1/p"; }

# The churn of the unload test leaves thousands of TIME_WAIT sockets: with
# tcp_max_tw_buckets reached, a closing client gets none (FIN_WAIT2 ->
# CLOSE). Room for ours:
sysctl -qw net.ipv4.tcp_max_tw_buckets=262144
load_module
"$TCPCONN" -4 -p 5701 -n 3 -q >/dev/null
"$TCPCONN" -6 -p 5702 -q >/dev/null
"$TCPCONN" -M -p 5703 -q >/dev/null
host_id=$("$NLT" conns --rport 5701 | kv netns_id | sort -u)

# Dumps equal /proc. The TIME_WAIT sockets of the earlier tests' churn
# expire all along (60 s after each closed): one may end between the reads.
# /proc is read again after the dump, and a connection gone by then is left
# out of the comparison; every connection that lives through the three
# reads must be in the dump as /proc shows it (retried a few times).
proc_conns() {
	evq /proc/tcpstates_conns 1 'f["COOKIE"] " " f["STATE"] " " f["LOCAL"] " " f["REMOTE"] " " f["ISN_LOCAL"] " " f["ISN_REMOTE"] " " f["FIN_LOCAL"] " " f["FIN_REMOTE"] " " f["TGID"] "\n"' |
		sed 's/^ //; /^$/d' | sort
}
# alive FILE: FILE's lines whose cookie /tmp/nl.proc2.conns still has
alive() { awk 'NR == FNR { a[$1] = 1; next } $1 in a' /tmp/nl.proc2.conns "$1"; }
for i in $(seq 10); do
	proc_conns >/tmp/nl.proc.conns
	"$NLT" conns | awk '{ split("", f); for (i = 1; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1) }
		print f["cookie"], f["state"], f["local"], f["remote"], f["isn_local"], f["isn_remote"], f["fin_local"], f["fin_remote"], f["tgid"] }' |
		sort >/tmp/nl.dump.conns
	proc_conns >/tmp/nl.proc2.conns
	alive /tmp/nl.proc.conns >/tmp/nl.proc.alive
	alive /tmp/nl.dump.conns >/tmp/nl.dump.alive
	cmp -s /tmp/nl.proc.alive /tmp/nl.dump.alive && break
	sleep 0.3
done
echo "# $(($(wc -l </tmp/nl.proc.conns) - $(wc -l </tmp/nl.proc.alive))) connections ended between the reads"
diff /tmp/nl.proc.alive /tmp/nl.dump.alive | head -5 | sed 's/^/# /'
[ -s /tmp/nl.proc.alive ] && cmp -s /tmp/nl.proc.alive /tmp/nl.dump.alive
ok $? "connection dump equals /proc/tcpstates_conns ($(wc -l </tmp/nl.dump.alive) connections alive through the reads)"
for i in $(seq 10); do
	evq /proc/tcpstates 1 'f["SEQ"] " " f["COOKIE"] " " f["OLDSTATE"] " " f["NEWSTATE"] " " f["CAUSE"] " " f["LOCAL"] " " f["REMOTE"] " " f["SND"] " " f["RCV"] " " f["TGID"] "\n"' |
		sed 's/^ //; /^$/d' >/tmp/nl.proc.events
	"$NLT" events | awk '{ split("", f); for (i = 1; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1) }
		print f["seq"], f["cookie"], f["old"], f["new"], f["cause"], f["local"], f["remote"], f["snd"], f["rcv"], f["tgid"] }' >/tmp/nl.dump.events
	cmp -s /tmp/nl.proc.events /tmp/nl.dump.events && break
	sleep 0.3
done
diff /tmp/nl.proc.events /tmp/nl.dump.events | head -5 | sed 's/^/# /'
cmp -s /tmp/nl.proc.events /tmp/nl.dump.events
ok $? "event dump equals /proc/tcpstates ($(wc -l </tmp/nl.dump.events) events)"
"$NLT" stats >/tmp/nl.stats
for k in ring_size conn_max drops_ring_overwritten conn_evicted kprobe_missed; do
	is "$(awk -v k=$k '$1 == k { print $2 }' /tmp/nl.stats)" "$(counter $k)" "stats: $k as in /proc"
done
is "$(awk '$1 == "family_version" { print $2 }' /tmp/nl.stats)" 2 "family version 2"

# Filters, done by the kernel, and flagged NLM_F_DUMP_FILTERED. A held
# connection and a fresh TIME_WAIT: on a slow (debug) kernel the seeded
# ones above may have ended by now.
"$TCPCONN" -4 -p 5704 -m hold >/tmp/nl.hold4 &
hold4=$!
for i in $(seq 100); do grep -q client_port /tmp/nl.hold4 && break; sleep 0.1; done
"$TCPCONN" -4 -p 5705 -q >/dev/null
"$TCPCONN" -6 -p 5706 -q >/dev/null
"$TCPCONN" -M -p 5707 -q >/dev/null
"$NLT" events --lport 5701 >/tmp/nl.f1
is "$(kv local </tmp/nl.f1 | grep -vc ':5701$')" 0 "events --lport 5701: only local port 5701"
is "$(wc -l </tmp/nl.f1)" "$(evq /proc/tcpstates 'f["LOCAL"] ~ /:5701$/' 1 | wc -w)" \
	"events --lport 5701: every such event"
is "$(kv filtered </tmp/nl.f1 | sort -u)" 1 "filtered dumps say so"
is "$("$NLT" events | kv filtered | sort -u)" 0 "unfiltered dumps do not"
is "$("$NLT" conns --family 6 | kv local | grep -vc '^\[')" 0 "conns --family 6: IPv6 only"
is "$("$NLT" conns --family 6 --rport 5707 | kv remote)" "[::ffff:127.0.0.1]:5707" \
	"conns --family 6 --rport 5707: the v4-mapped client"
"$NLT" conns --laddr ::1/128 | kv local >/tmp/nl.f2
[ "$(wc -l </tmp/nl.f2)" -ge 1 ] && ! grep -qv '^\[::1\]:' /tmp/nl.f2
ok $? "conns --laddr ::1/128: IPv6 loopback connections only ($(wc -l </tmp/nl.f2))"
# (retried: seeded TIME_WAIT sockets may end between the two dumps)
for i in $(seq 10); do
	n=$("$NLT" conns --laddr 127.0.0.0/8 --family 4 | wc -l)
	m=$("$NLT" conns --family 4 | kv local | grep -c '^127\.')
	[ "$n" = "$m" ] && break
done
[ "$n" = "$m" ] && [ "$n" -ge 3 ]
ok $? "conns --laddr 127.0.0.0/8: every IPv4 loopback connection ($n of $m, >= 3 with the held one)"
is "$("$NLT" conns --states $((1 << 6)) | kv state | sort -u)" TIME_WAIT "conns --states TIME_WAIT"
is "$("$NLT" events --states $((1 << 10)) | kv new | sort -u | tr '\n' ' ')" "CLOSE LISTEN " \
	"events --states LISTEN: into and out of LISTEN"
pid=$(awk '$1 == "pid" { print $2 }' /tmp/nl.hold4)
[ -n "$pid" ] && [ "$("$NLT" conns --tgid "$pid" | kv tgid | sort -u)" = "$pid" ]
ok $? "conns --tgid ${pid:-?}: the held connection's owner's only"
kill -USR1 $hold4
wait $hold4
"$NLT" events --start 5 | head -n1 >/tmp/nl.start
is "$(kv seq </tmp/nl.start) $(kv prev </tmp/nl.start)" "5 4" "events --start 5 starts at 5"

# Live events: every event of a 2,000-connection burst, no gap. (Seeded
# TIME_WAIT sockets of earlier tests may end at any time: the listener's
# range is checked, not a count taken around it.)
rm -f /tmp/nl.ready
"$NLT" listen --quiet --idle "$(slow 3000)" --rcvbuf 8388608 --ready /tmp/nl.ready >/tmp/nl.burst &
listener=$!
waitfile /tmp/nl.ready
before=$(counter events)
"$TCPCONN" -4 -p 5710 -n 2000 -q >/dev/null
wait $listener
cat /tmp/nl.burst | sed 's/^/# /'
first=$(summary /tmp/nl.burst first) last=$(summary /tmp/nl.burst last)
is "$(summary /tmp/nl.burst gaps)/$(summary /tmp/nl.burst contiguous)" 0/1 "listener: no gap, consecutive sequence numbers"
is "$(summary /tmp/nl.burst received)" $((last - first + 1)) "listener: every event from $first to $last"
[ "$first" -le $((before + 1)) ] && [ "$last" -ge $((before + 20000)) ]
ok $? "covering all 20,000 events of the 2,000 connections (from $((before + 1)))"

# Overflow: a listener with a tiny buffer that does not read for 3 s gets
# ENOBUFS, sees the gap and fetches the events back with the event dump.
# Then it makes room: events keep coming (earlier tests' TIME_WAIT sockets
# end), and a drop after its last event received would show it no gap.
failed0=$("$NLT" stats | awk '$1 == "mcast_failed" { print $2 }')
rm -f /tmp/nl.ready
"$NLT" listen --quiet --idle "$(slow 2000)" --rcvbuf 2048 --delay 3000 \
	--rcvbuf-after 8388608 --recover --ready /tmp/nl.ready >/tmp/nl.slow &
listener=$!
waitfile /tmp/nl.ready
"$TCPCONN" -4 -p 5711 -n 100 -q >/dev/null
wait $listener
failed=$(( $("$NLT" stats | awk '$1 == "mcast_failed" { print $2 }') - failed0 ))
cat /tmp/nl.slow | sed 's/^/# /'
# Who else is subscribed to a generic netlink group, or dropped datagrams
# (a second full subscriber would make mcast_failed larger than missed)
if [ "$(summary /tmp/nl.slow missed)" != "$failed" ]; then
	awk '$2 == 16 && ($4 != "00000000" || $9 != 0) { print "# netlink:", $0 }' /proc/net/netlink
	for i in $(awk '$2 == 16 && ($4 != "00000000" || $9 != 0) { print $10 }' /proc/net/netlink); do
		for f in /proc/[0-9]*/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = "socket:[$i]" ] &&
				pid=${f#/proc/} && pid=${pid%%/*} &&
				echo "# socket $i: pid $pid $(tr '\0' ' ' </proc/$pid/cmdline)"
		done
	done
	"$NLT" stats | sed 's/^/# stats: /'
fi
[ "$(summary /tmp/nl.slow enobufs)" -ge 1 ] && [ "$(summary /tmp/nl.slow gaps)" -ge 1 ]
ok $? "overflow: ENOBUFS and a gap seen"
is "$(summary /tmp/nl.slow missed)" "$failed" "overflow: the events missed are those counted as mcast_failed ($failed)"
is "$(summary /tmp/nl.slow recovered)/$(summary /tmp/nl.slow unrecovered)" "$failed/0" \
	"overflow: all fetched back by the resume dump"

# Malformed requests: each refused with an errno and, where the kernel can
# say why, an extack message; the family still answers afterwards
"$NLT" malformed >/tmp/nl.bad
grep '^ok\|^not ok' /tmp/nl.bad | sed 's/^\(not \)\?ok [0-9]* - /\1ok - /'
grep -q '^1\.\.' /tmp/nl.bad
ok $? "malformed: the run completed"

# Who may see what
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
is "$(nobody "$NLT" conns 2>&1 | head -n1 | cut -d: -f1)" "error EPERM" "unprivileged: conns dump refused (EPERM)"
is "$(nobody "$NLT" events 2>&1 | head -n1 | cut -d: -f1)" "error EPERM" "unprivileged: event dump refused (EPERM)"
is "$(nobody "$NLT" subscribe)" "subscribe error EPERM" "unprivileged: cannot join events"
is "$(nobody "$NLT" subscribe --all)" "subscribe error EPERM" "unprivileged: cannot join events-all"
nobody "$NLT" stats | grep -q '^ring_size '
ok $? "unprivileged: stats answered"
# Root of a new user + network namespace: its own namespace only
mstat() { "$NLT" stats | awk -v k="$1" '$1 == k { print $2 }'; }
failed0=$(mstat mcast_failed) unheard0=$(mstat mcast_unheard)
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	NLT=$1 TCPCONN=$2 host_id=$3 idle=${4:?idle time}
	readlink /proc/self/ns/net | tr -dc 0-9 >/tmp/nl.child.ns
	rm -f /tmp/nl.c.ready /tmp/nl.c.all.ready
	"$NLT" listen --quiet --idle "$idle" --ready /tmp/nl.c.ready >/tmp/nl.c.listen &
	"$NLT" listen --all --quiet --idle "$idle" --ready /tmp/nl.c.all.ready >/tmp/nl.c.all &
	for i in $(seq 300); do
		[ -e /tmp/nl.c.ready ] && [ -e /tmp/nl.c.all.ready ] && break
		sleep 0.1
	done
	touch /tmp/nl.c.go
	"$TCPCONN" -4 -p 5720 -n 5 -q >/dev/null
	wait
	tail -n +2 /proc/tcpstates | wc -l >/tmp/nl.c.count
	"$NLT" conns >/tmp/nl.c.conns
	"$NLT" conns --all >/tmp/nl.c.connsall 2>&1
	"$NLT" conns --netns-id "$host_id" >/tmp/nl.c.connsns 2>&1
	"$NLT" subscribe >/tmp/nl.c.sub
' _ "$NLT" "$TCPCONN" "$host_id" "$(slow 2500)" &
child=$!
waitfile /tmp/nl.c.go
"$TCPCONN" -4 -p 5721 -n 5 -q >/dev/null
wait $child
child_ns=$(cat /tmp/nl.child.ns)
# The host's events went to its namespace, where nobody listened: the
# kernel only says someone listens somewhere. Not a listener's loss.
host_events=$("$NLT" events --lport 5721 | wc -l)
is "$(($(mstat mcast_failed) - failed0))" 0 \
	"a listener in one namespace only: no mcast_failed for the others' events"
[ "$(($(mstat mcast_unheard) - unheard0))" -ge "$host_events" ]
ok $? "they count as mcast_unheard ($(($(mstat mcast_unheard) - unheard0)) >= the host's $host_events on port 5721)"
is "$(cat /tmp/nl.c.sub)" "subscribe ok" "namespace root: may join events there"
sed 's/^/# /' /tmp/nl.c.listen
is "$(summary /tmp/nl.c.listen received)" "$(cat /tmp/nl.c.count)" "namespace root: gets its own connections' $(cat /tmp/nl.c.count) events"
is "$(summary /tmp/nl.c.listen gaps)" 0 "namespace root: no gap although the host's events are skipped"
grep -q '^error EPERM' /tmp/nl.c.all || [ "$(summary /tmp/nl.c.all received)" = 0 ]
ok $? "namespace root: events-all refused or empty outside the initial namespace ($(tail -n1 /tmp/nl.c.all))"
is "$(kv netns </tmp/nl.c.conns | sort -u)" "$child_ns" "namespace root: conns dump shows its namespace only"
[ "$(portc 5720 /tmp/nl.c.conns)" -gt 0 ]
ok $? "namespace root: including its own connections"
is "$(cut -d: -f1 /tmp/nl.c.connsall)" "error EPERM" "namespace root: --all refused (EPERM)"
is "$(cut -d: -f1 /tmp/nl.c.connsns)" "error EPERM" "namespace root: another namespace refused (EPERM)"
grep -q 'initial user namespace' /tmp/nl.c.connsall
ok $? "with a message naming the privilege: $(cut -d: -f2- /tmp/nl.c.connsall)"
child_id=$(kv netns_id </tmp/nl.c.conns | sort -u)
is "$("$NLT" events --netns-id "$child_id" | kv cause | grep -vc tw_netns)" "$(cat /tmp/nl.c.count)" \
	"privileged in the initial namespace: may dump another namespace's events (by its id, $child_id)"

# Namespaces are named by id or by an open file of them, never by inode
is "$("$NLT" conns --netns-file /proc/self/ns/net | kv netns_id | sort -u)" "$host_id" \
	"a namespace by an open file of it (NETNS_FD)"
"$NLT" conns --netns "$host_ns" >/tmp/nl.inode 2>&1
is "$(cut -d: -f1 /tmp/nl.inode)" "error EINVAL" "a namespace by inode number is refused (EINVAL)"
grep -q 'inode number is given again' /tmp/nl.inode
ok $? "saying why: $(cut -d: -f2- /tmp/nl.inode)"
"$NLT" conns --netns-file /proc/self/ns/mnt >/tmp/nl.notnet 2>&1
is "$(cut -d: -f1 /tmp/nl.notnet)" "error EINVAL" "a file of another kind of namespace is refused (EINVAL)"

# The kernel's own tools: genl and YNL with our spec
genl ctrl get name tcpstates >/tmp/nl.genl 2>&1
sed 's/^/# /' /tmp/nl.genl
is "$(grep -c '#[1-4]: *ID-0x[1235] *$' /tmp/nl.genl)" 4 "genl ctrl lists the family's four commands (GET_STATS, GET_EVENTS, GET_CONNS, GET_AGGR)"
grep -q 'name: events *$' /tmp/nl.genl && grep -q 'name: events-all *$' /tmp/nl.genl
ok $? "genl ctrl lists both multicast groups"
ynl() {
	python3 "$YNL/tools/net/ynl/cli.py" --spec "$SPEC" \
		--schema "$YNL/Documentation/netlink/genetlink-legacy.yaml" "$@"
}
if [ -e "$YNL/tools/net/ynl/cli.py" ]; then
	ynl --do get-stats >/tmp/nl.ynl.stats 2>&1
	grep -q "'ring-size': $(counter ring_size)" /tmp/nl.ynl.stats
	ok $? "ynl --do get-stats"
	"$TCPCONN" -4 -p 5731 -m hold >/tmp/nl.hold &
	hold=$!
	for i in $(seq 50); do grep -q client_port /tmp/nl.hold && break; sleep 0.1; done
	ynl --dump get-conns >/tmp/nl.ynl.conns 2>&1
	ynl --dump get-conns --json '{"filter": {"remote-port": 5731}}' >/tmp/nl.ynl.held 2>&1
	kill -USR1 $hold
	wait $hold
	is "$(grep -o "'cookie': [0-9]*" /tmp/nl.ynl.held | tr -dc 0-9)" \
		"$("$NLT" conns --rport 5731 | kv cookie)" \
		"ynl --dump get-conns with a filter: the held connection's client"
	grep -Eq "'state': '(listen|established|time-wait|close-wait|fin-wait2)'" /tmp/nl.ynl.conns
	ok $? "ynl decodes states by name"
	# ynl reads its socket only after sleeping, and its buffer is the
	# default (rmem_default, ~208 KiB): the TIME_WAIT ends of the burst
	# above can come meanwhile and overflow it (ENOBUFS, which ynl does
	# not survive). Room for them:
	rmem=$(sysctl -n net.core.rmem_default)
	sysctl -qw net.core.rmem_default=8388608
	ynl --subscribe events --sleep 8 >/tmp/nl.ynl.events 2>&1 &
	ynlpid=$!
	# python starts slowly under TCG: make connections until it is done
	while kill -0 $ynlpid 2>/dev/null; do
		"$TCPCONN" -4 -p 5730 -q >/dev/null
		sleep 1
	done
	wait $ynlpid
	sysctl -qw net.core.rmem_default="$rmem"
	grep -q "'newstate': 'syn-sent'" /tmp/nl.ynl.events &&
		grep -q "'local-port': 5730" /tmp/nl.ynl.events
	ok $? "ynl --subscribe events sees new connections"
	head -c 600 /tmp/nl.ynl.events | sed 's/^/# /'
	echo
else
	echo "not ok - ynl is missing at $YNL (run scripts/deps.sh)"
	failures=$((failures + 1))
fi
done_testing
