#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Who sees what (module/view.c). An unprivileged reader of /proc sees what
# /proc/net/tcp would show it: the connections of its namespace with their
# endpoints, states and owner's uid, its own processes, and no sequence
# number (they let a local user inject into another's connection). The
# root of a container (CAP_NET_ADMIN over its own namespace) sees its
# namespace's numbers; root in the initial namespace sees all.
. "$(dirname "$0")/lib.sh"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
# on PORT FILE: the lines of FILE (events or connections) about port PORT
on() { evq "$2" 'f["LOCAL"] ~ p || f["REMOTE"] ~ p' "$3" -v p=":$1\$"; }

load_module
"$TCPCONN" -4 -p 5421 -q >/dev/null			# root's
nobody "$TCPCONN" -4 -p 5422 -q >/tmp/vis.nobody.out	# nobody's
nobody_pid=$(awk '/^pid/ { print $2 }' /tmp/vis.nobody.out)
"$TCPCONN" -4 -p 5423 -m hold >/tmp/vis.hold &		# root's, alive
hold=$!
for _ in $(seq 50); do grep -q client_port /tmp/vis.hold && break; sleep 0.1; done

nobody cat /proc/tcpstates >/tmp/vis.events
ok $? "an unprivileged user may read /proc/tcpstates"
nobody cat /proc/tcpstates_conns >/tmp/vis.conns
ok $? "and /proc/tcpstates_conns"
cat /proc/tcpstates >/tmp/vis.root.events
cat /proc/tcpstates_conns >/tmp/vis.root.conns

is "$(on 5421 /tmp/vis.events 1 | wc -w)" 12 "unprivileged: sees root's connection (12 events), as /proc/net/tcp would"
# (all but CLOSE -> LISTEN, which has no sequence numbers)
is "$(on 5421 /tmp/vis.root.events 'f["SND"]' | tr ' ' '\n' | grep -c '^[0-9]')" 11 \
	"root sees the sequence numbers of those events"
is "$(evq /tmp/vis.events 'f["SND"] != "-" || f["RCV"] != "-"' 'f["SEQ"]' | wc -w)" 0 \
	"unprivileged: no event shows SND or RCV, its own connection's included"
is "$(evq /tmp/vis.conns 'f["ISN_LOCAL"] f["ISN_REMOTE"] f["FIN_LOCAL"] f["FIN_REMOTE"] != "----"' 'f["COOKIE"]' | wc -w)" 0 \
	"unprivileged: no connection shows an ISN or a FIN sequence number"
[ "$(on 5423 /tmp/vis.root.conns 'f["ISN_LOCAL"]' | tr ' ' '\n' | grep -c '^[0-9]')" -ge 2 ]
ok $? "root sees the ISNs of the live connection on port 5423"
is "$(on 5421 /tmp/vis.events 'f["TGID"] "/" f["PID"] "/" f["UID"] "/" f["COMM"]' | tr ' ' '\n' | sort -u | tr '\n' ' ')" \
	"-/-/0/- " "unprivileged: root's connection shows its owner's uid 0, not its process"
is "$(on 5422 /tmp/vis.events 'f["TGID"] "/" f["UID"] "/" f["COMM"]' | tr ' ' '\n' | sort -u | tr '\n' ' ')" \
	"$nobody_pid/65534/tcpconn " "unprivileged: its own connection shows its own process"
is "$(on 5423 /tmp/vis.conns 'f["STATE"] "/" f["TGID"] "/" f["UID"]' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"ESTABLISHED/-/0 ESTABLISHED/-/0 LISTEN/-/0 " "unprivileged: root's live connections with uid, without process"

# The root of a container sees its own namespace's numbers, nothing else.
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	"$1" -4 -p 5424 -q >/dev/null
	cat /proc/tcpstates' _ "$TCPCONN" >/tmp/vis.userns
is "$(on 5424 /tmp/vis.userns 'f["SND"]' | tr ' ' '\n' | grep -c '^[0-9]')" 11 \
	"container root: sees the sequence numbers of its own namespace's events"
is "$(on 5421 /tmp/vis.userns 1 | wc -w)" 0 "container root: sees nothing of the initial namespace"

kill -USR1 $hold
wait $hold
done_testing
