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
is "$(grep -c ':5402' /tmp/netns.events)" 12 "it sees its own connection's 12 events"
is "$(grep -c ':5401' /tmp/netns.events)" 0 "it does not see the host's connection"
is "$(evq /tmp/netns.conns 'f["NETNS"] != ns' 1 -v ns="$child_ns" | wc -w)" 0 \
	"its /proc/tcpstates_conns shows only its own namespace's connections"
is "$(evq /tmp/netns.conns 'f["LOCAL"] ~ /:5402$/ || f["REMOTE"] ~ /:5402$/' 1 | wc -w)" 1 \
	"including its own client in TIME_WAIT"
cat /proc/tcpstates >/tmp/host.events
# (not counting the TIME_WAIT exit that namespace teardown may add by now)
is "$(grep ':5402' /tmp/host.events | grep -vc 'TIME_WAIT  *CLOSE')" 12 \
	"a privileged reader in the initial namespace sees the other namespace"
is "$(awk -v ns="$child_ns" '$3 == ns && !($5 == "TIME_WAIT" && $6 == "CLOSE")' /tmp/host.events | wc -l)" 12 \
	"with that namespace's id in NETNS"
done_testing
