#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A reader in another network namespace, without privilege in the initial
# one, sees only its own namespace's events; a privileged reader sees all.
. "$(dirname "$0")/lib.sh"

load_module
"$TCPCONN" -4 -p 5401 -q >/dev/null
host_ns=$(readlink /proc/self/ns/net | tr -dc 0-9)
# An unprivileged user namespace owning a new network namespace: root
# there, nobody in the initial namespace.
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	"$1" -4 -p 5402 -q >/dev/null
	readlink /proc/self/ns/net | tr -dc 0-9; echo
	cat /proc/tcpstates_conns >/tmp/netns.conns
	cat /proc/tcpstates' _ "$TCPCONN" >/tmp/netns.out
st=$?
ok $st "connections in a new user+network namespace"
child_ns=$(head -n1 /tmp/netns.out)
tail -n +2 /tmp/netns.out >/tmp/netns.events
[ -n "$child_ns" ] && [ "$child_ns" != "$host_ns" ]
ok $? "the namespace is a different one ($child_ns)"
is "$(awk 'NR > 1 && $3 != ns' ns="$child_ns" /tmp/netns.events | wc -l)" 0 \
	"the namespaced reader sees only its own namespace's events"
is "$(portc 5402 /tmp/netns.events)" 12 "it sees its own connection's 12 events"
no_port 5401 /tmp/netns.events "it does not see the host's connection"
is "$(evq /tmp/netns.conns 'f["NETNS"] != ns' 1 -v ns="$child_ns" | wc -w)" 0 \
	"its /proc/tcpstates_conns shows only its own namespace's connections"
is "$(evq /tmp/netns.conns 'f["LOCAL"] ~ /:5402$/ || f["REMOTE"] ~ /:5402$/' 1 | wc -w)" 1 \
	"including its own client in TIME_WAIT"
cat /proc/tcpstates >/tmp/host.events
# (not counting the TIME_WAIT exit that namespace teardown may add by now)
is "$(grep -E ':5402([^0-9]|$)' /tmp/host.events | grep -vc 'TIME_WAIT  *CLOSE')" 12 \
	"a privileged reader in the initial namespace sees the other namespace"
is "$(awk -v ns="$child_ns" '$3 == ns && !($5 == "TIME_WAIT" && $6 == "CLOSE")' /tmp/host.events | wc -l)" 12 \
	"with that namespace's id in NETNS"

# Two containers side by side (unprivileged user + network namespaces):
# B's readers, /proc and netlink alike, see nothing of A's connections,
# which are alive meanwhile; an unprivileged user of the initial namespace
# sees neither container.
rm -f /tmp/iso.a.ready /tmp/iso.a.done
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	readlink /proc/self/ns/net | tr -dc 0-9 >/tmp/iso.a.ns
	"$1" -4 -p 5403 -n 3 -q >/dev/null
	touch /tmp/iso.a.ready
	while [ ! -e /tmp/iso.a.done ]; do sleep 0.1; done' _ "$TCPCONN" &
a=$!
for i in $(seq 100); do [ -e /tmp/iso.a.ready ] && break; sleep 0.1; done
a_ns=$(cat /tmp/iso.a.ns)
# B's client ports are 54030-54039, which begin with A's port: a check that
# matched ":5403" anywhere counted B's own connection as A's (it did so
# once in CI, by chance); each check here must tell ports apart exactly.
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	sysctl -qw net.ipv4.ip_local_port_range="54030 54039" || exit
	"$1" -4 -p 5404 -q >/dev/null
	cat /proc/tcpstates >/tmp/iso.b.events
	cat /proc/tcpstates_conns >/tmp/iso.b.conns
	"$2" conns >/tmp/iso.b.nlconns 2>&1
	"$2" events >/tmp/iso.b.nlevents 2>&1' _ "$TCPCONN" "$TESTING/nltest"
ok $? "container B ran while container A holds its connections"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	cat /proc/tcpstates >/tmp/iso.nobody.events
ok $? "an unprivileged user of the initial namespace may read /proc/tcpstates"
host_a=$(awk -v ns="$a_ns" '$3 == ns' /proc/tcpstates | wc -l)
[ "$host_a" -ge 30 ]
ok $? "A's namespace made its events ($host_a, seen by host root)"
no_port 5403 /tmp/iso.b.events "B's /proc/tcpstates shows none of A's events"
is "$(awk -v ns="$a_ns" 'NR > 1 && $3 == ns' /tmp/iso.b.events | wc -l)" 0 \
	"nor any event of A's namespace ($a_ns)"
no_port 5403 /tmp/iso.b.conns "B's /proc/tcpstates_conns shows none of A's connections"
cat /tmp/iso.b.nlconns /tmp/iso.b.nlevents >/tmp/iso.b.nl
no_port 5403 /tmp/iso.b.nl "B's netlink dumps show none of A's connections or events"
[ "$(portc 5404 /tmp/iso.b.nlevents)" -ge 10 ] && [ "$(portc 5404 /tmp/iso.b.nlconns)" -gt 0 ]
ok $? "while showing B its own"
no_port '540[34]' /tmp/iso.nobody.events \
	"an unprivileged user of the initial namespace sees neither container"
touch /tmp/iso.a.done
wait $a
done_testing
