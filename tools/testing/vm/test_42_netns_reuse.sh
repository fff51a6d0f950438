#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Namespaces are told apart by an id the kernel never gives again, not by
# their inode number, which the next namespace made gets as soon as one is
# gone. A namespace makes connections and goes; new namespaces are made
# until one really gets its inode number: that one's readers, /proc and
# netlink alike, must see nothing of the dead one's events.
. "$(dirname "$0")/lib.sh"

# netns SCRIPT: run SCRIPT in a new network namespace (made by root: the
# only namespace made, so the inode number freed last is the one it gets),
# with $1 tcpconn and $2 nltest; it prints its namespace's inode first.
netns() {
	unshare --net bash -c '
		ip link set lo up
		readlink /proc/self/ns/net | tr -dc 0-9; echo
		'"$1" _ "$TCPCONN" "$TESTING/nltest"
}

load_module
# The kernel gives the lowest free number once a namespace's teardown (a
# workqueue) is done. A namespace makes 3 connections and goes; a new one
# is made: if it gets a lower number than the dead one (freed by an older
# teardown meanwhile), the dead one was not the lowest: again, with that.
for round in $(seq 8); do
	dead=$(netns '"$1" -4 -p 5431 -n 3 -q >/dev/null' | head -n1)
	# Its end: its TIME_WAIT sockets go with it.
	for _ in $(seq 100); do
		[ "$(evq /proc/tcpstates 'f["REMOTE"] ~ /:5431$/ && f["CAUSE"] == "tw_netns"' 1 | wc -w)" = $((3 * round)) ] && break
		sleep 0.2
	done
	sleep 1		# the teardown frees the number last
	netns '"$1" -4 -p 5432 -q >/dev/null
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			--bounding-set=-all bash -c "cat /proc/tcpstates >/tmp/reuse.events
				cat /proc/tcpstates_conns >/tmp/reuse.conns"
		"$2" events >/tmp/reuse.nlevents 2>&1
		"$2" conns >/tmp/reuse.nlconns 2>&1' >/tmp/reuse.ns
	[ "$(head -n1 /tmp/reuse.ns)" = "$dead" ] && break
	echo "# round $round: the dead namespace had $dead, the next got $(head -n1 /tmp/reuse.ns)"
done
is "$(evq /proc/tcpstates 'f["REMOTE"] ~ /:5431$/ && f["CAUSE"] == "tw_netns"' 1 | wc -w)" $((3 * round)) \
	"the namespaces that went took their TIME_WAIT clients with them ($round of them)"
[ "$(evq /proc/tcpstates 'f["NETNS"] == n && (f["LOCAL"] ~ /:5431$/ || f["REMOTE"] ~ /:5431$/)' 1 -v n="$dead" | wc -w)" -ge 35 ]
ok $? "the ring holds the last one's 35 events (3 connections, 3 TIME_WAIT ends) under inode number $dead"
is "$(head -n1 /tmp/reuse.ns)" "$dead" "a new namespace got the dead one's inode number (round $round)"
no_port 5431 /tmp/reuse.events "its /proc/tcpstates shows none of the dead namespace's events"
no_port 5431 /tmp/reuse.conns "nor its /proc/tcpstates_conns"
cat /tmp/reuse.nlevents /tmp/reuse.nlconns >/tmp/reuse.nl
no_port 5431 /tmp/reuse.nl \
	"nor its netlink dumps of events and connections"
is "$(portc 5432 /tmp/reuse.events)" 12 "while it sees its own connection's 12 events"
[ "$(portc 5432 /tmp/reuse.nlevents)" -gt 0 ]
ok $? "over netlink too"
done_testing
