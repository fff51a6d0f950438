#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One test per path through the TCP state machine, each asserting the exact
# transitions, the owner and the cause: passive close on the client side,
# connection refused, abort with SO_LINGER 0 (reset sent / reset received),
# a listener closed with an unaccepted child, simultaneous close, IPv4-mapped
# IPv6, TIME_WAIT cut short by reuse and by namespace teardown, and
# connections opened before the module was loaded.
. "$(dirname "$0")/lib.sh"

load_module
ev=/tmp/lifecycle.events

# run PORT ARGS...: run tcpconn, snapshot the events; sets pid, cport
run() {
	local out
	out=$("$TCPCONN" "$@")
	pid=$(awk '/^pid/ { print $2 }' <<<"$out")
	cport=$(awk '/^client_port/ { print $2; exit }' <<<"$out")
	cat /proc/tcpstates >"$ev"
}

# Server closes first: the client is the passive closer; the server's child
# goes through TIME_WAIT.
run -4 -p 6001 -m server-first
cc=$(cookie "$ev" "127.0.0.1:$cport" 127.0.0.1:6001)
sc=$(cookie "$ev" 127.0.0.1:6001 "127.0.0.1:$cport")
is "$(transitions "$ev" "$cc")" \
	"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->CLOSE_WAIT CLOSE_WAIT->LAST_ACK LAST_ACK->CLOSE" \
	"server-first: client closes passively"
is "$(transitions "$ev" "$sc")" \
	"NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->TIME_WAIT" \
	"server-first: server child closes actively, into TIME_WAIT"
is "$(evcol "$ev" "$sc" TIME_WAIT TGID)" "$pid" "server-first: the child's owner is the accepting process"
is "$(evq /proc/tcpstates_conns 'f["COOKIE"] == c' 'f["STATE"] " " f["ROLE"] " " f["FIRST_FIN"]' -v c="$sc")" \
	"TIME_WAIT passive local" "server-first: the child is in the table, in TIME_WAIT, its FIN first"

# Connection refused.
run -4 -p 6002 -m refused
cc=$(cookie "$ev" "127.0.0.1:$cport" 127.0.0.1:6002)
is "$(transitions "$ev" "$cc")" "CLOSE->SYN_SENT SYN_SENT->CLOSE" "refused: transitions"
is "$(evcol "$ev" "$cc" CLOSE CAUSE)" refused "refused: cause"
is "$(evcol "$ev" "$cc" CLOSE TGID)" "$pid" "refused: owner"

# Abort: the client closes with SO_LINGER 0.
run -4 -p 6003 -m abort
cc=$(cookie "$ev" "127.0.0.1:$cport" 127.0.0.1:6003)
sc=$(cookie "$ev" 127.0.0.1:6003 "127.0.0.1:$cport")
is "$(transitions "$ev" "$cc")" "CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->CLOSE" \
	"abort: client goes straight to CLOSE"
is "$(evcol "$ev" "$cc" CLOSE CAUSE)" reset_sent "abort: the client sent the RST"
is "$(transitions "$ev" "$sc")" "NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED ESTABLISHED->CLOSE" \
	"abort: server child goes straight to CLOSE"
is "$(evcol "$ev" "$sc" CLOSE CAUSE)" reset_received "abort: the server child received it"

# A listener closed before accepting its established child.
run -4 -p 6004 -m unaccepted
cc=$(cookie "$ev" "127.0.0.1:$cport" 127.0.0.1:6004)
sc=$(cookie "$ev" 127.0.0.1:6004 "127.0.0.1:$cport")
lc=$(cookie "$ev" 127.0.0.1:6004 0.0.0.0:0)
is "$(transitions "$ev" "$sc")" "NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED ESTABLISHED->CLOSE" \
	"unaccepted: the child is torn down with the listener"
is "$(evcol "$ev" "$sc" CLOSE CAUSE) $(evcol "$ev" "$cc" CLOSE CAUSE) $(evcol "$ev" "$lc" CLOSE CAUSE)" \
	"reset_sent reset_received normal" "unaccepted: child resets, client is reset, listener closes"
is "$(evcol "$ev" "$sc" CLOSE TGID)" "$pid" "unaccepted: the child's owner is the listener's process"

# Simultaneous close: 100 ms on lo, so both FINs cross.
# (modprobe fails where netem is built in and there is no modules.builtin)
modprobe sch_netem 2>/dev/null
if tc qdisc add dev lo root netem delay 100ms; then
	run -4 -p 6005 -m simultaneous
	tc qdisc del dev lo root
	cc=$(cookie "$ev" "127.0.0.1:$cport" 127.0.0.1:6005)
	sc=$(cookie "$ev" 127.0.0.1:6005 "127.0.0.1:$cport")
	is "$(transitions "$ev" "$cc")" \
		"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->CLOSING CLOSING->TIME_WAIT" \
		"simultaneous: client FIN_WAIT1 -> CLOSING -> TIME_WAIT"
	is "$(transitions "$ev" "$sc")" \
		"NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->CLOSING CLOSING->TIME_WAIT" \
		"simultaneous: server child too"
else
	echo "not ok - simultaneous close: cannot put netem on lo"
	failures=$((failures + 1))
fi

# IPv4-mapped IPv6: IPv6 sockets, IPv4 packets.
run -M -p 6006
m='[::ffff:127.0.0.1]'
cc=$(cookie "$ev" "$m:$cport" "$m:6006")
sc=$(cookie "$ev" "$m:6006" "$m:$cport")
is "$(transitions "$ev" "$cc")" \
	"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->TIME_WAIT" \
	"v4-mapped: client shown as [::ffff:127.0.0.1]"
is "$(transitions "$ev" "$sc")" \
	"NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED ESTABLISHED->CLOSE_WAIT CLOSE_WAIT->LAST_ACK LAST_ACK->CLOSE" \
	"v4-mapped: server child shown mapped from its first event on"

# TIME_WAIT cut short: a new connection from the same port takes it over.
run -4 -p 6007 -m reuse
cc=$(evq "$ev" 'f["LOCAL"] == "127.0.0.1:6008" && f["NEWSTATE"] == "SYN_SENT"' 'f["COOKIE"]')
set -- $cc
is "$#" 2 "reuse: two connections from port 6008"
is "$(transitions "$ev" "$1")" \
	"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->TIME_WAIT TIME_WAIT->CLOSE" \
	"reuse: the first connection leaves TIME_WAIT"
is "$(evcol "$ev" "$1" CLOSE CAUSE)" tw_early "reuse: cause tw_early"
tw_ms=$(evcol "$ev" "$1" CLOSE PREV_MS)
awk -v t="$tw_ms" 'BEGIN { exit !(t >= 1000 && t < 30000) }'
ok $? "reuse: TIME_WAIT lasted its real duration ($tw_ms ms, >= 1 s sleep)"
[ "$(evq "$ev" 'f["COOKIE"] == c && f["NEWSTATE"] == "CLOSE"' 'f["SEQ"]' -v c="$1")" -lt \
  "$(evq "$ev" 'f["COOKIE"] == c && f["NEWSTATE"] == "ESTABLISHED"' 'f["SEQ"]' -v c="$2")" ]
ok $? "reuse: the old TIME_WAIT ends before the new connection is established"

# TIME_WAIT purged with its network namespace.
unshare --net bash -c 'ip link set lo up; "$1" -4 -p 6009 -q >/dev/null' _ "$TCPCONN"
# Namespace cleanup runs later, from a workqueue: wait for it (20 s at most).
for i in $(seq 100); do
	cat /proc/tcpstates >"$ev"
	cc=$(evq "$ev" 'f["REMOTE"] == "127.0.0.1:6009" && f["NEWSTATE"] == "SYN_SENT"' 'f["COOKIE"]')
	[ -n "$(evcol "$ev" "$cc" CLOSE CAUSE)" ] && break
	sleep 0.2
done
is "$(transitions "$ev" "$cc" | awk '{ print $NF }')" "TIME_WAIT->CLOSE" \
	"netns teardown: the TIME_WAIT socket is closed"
is "$(evcol "$ev" "$cc" CLOSE CAUSE)" tw_netns "netns teardown: cause tw_netns"

# Connections opened before the module was loaded.
unload_module
"$TCPCONN" -4 -p 6010 -m hold >/tmp/hold.out &
hold=$!
for i in $(seq 50); do grep -q client_port /tmp/hold.out && break; sleep 0.1; done
cport=$(awk '/^client_port/ { print $2 }' /tmp/hold.out)
load_module
is "$(evq /proc/tcpstates_conns 'f["LOCAL"] ~ /:6010$/ || f["REMOTE"] ~ /:6010$/' \
	'f["STATE"] "/" f["FLAGS"] "/" f["ROLE"]' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"ESTABLISHED/pre/- ESTABLISHED/pre/- LISTEN/pre/listener " \
	"pre-existing client, server child and listener are seeded, marked pre"
[ "$(counter conn_seeded)" -ge 3 ]
ok $? "stats count seeded connections"
kill -USR1 $hold
wait $hold
cat /proc/tcpstates >"$ev"
cc=$(cookie "$ev" "127.0.0.1:$cport" 127.0.0.1:6010)
is "$(transitions "$ev" "$cc")" "ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->TIME_WAIT" \
	"pre-existing client: its close is traced under its seeded cookie"
is "$(evcol "$ev" "$cc" FIN_WAIT1 PREV_MS) $(evcol "$ev" "$cc" FIN_WAIT1 TGID)" "- -" \
	"pre-existing: time in ESTABLISHED and owner are unknown, shown as -"
done_testing
