#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Close causes the kernel tells apart: an active close with no room for a
# TIME_WAIT socket (tcp_max_tw_buckets) is tw_overflow, not a timeout; a
# connection an ICMP error ends is net_unreachable, host_unreachable, or
# error with its errno.
. "$(dirname "$0")/lib.sh"

load_module
# No room for TIME_WAIT sockets in this namespace (the limit is per
# namespace): the active closer goes from FIN_WAIT2 to CLOSE at once.
unshare --net bash -c '
	ip link set lo up
	sysctl -qw net.ipv4.tcp_max_tw_buckets=0
	"$1" -4 -p 5451 -q && "$1" -4 -p 5452 -m server-first -q' _ "$TCPCONN" >/dev/null
ok $? "connections in a namespace with tcp_max_tw_buckets 0"
cat /proc/tcpstates >/tmp/causes.events
cc=$(evq /tmp/causes.events 'f["REMOTE"] ~ /:5451$/ && f["NEWSTATE"] == "SYN_SENT"' 'f["COOKIE"]')
is "$(transitions /tmp/causes.events "$cc")" \
	"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->CLOSE" \
	"client-first: the client closes from FIN_WAIT2, no TIME_WAIT"
is "$(evcol /tmp/causes.events "$cc" CLOSE CAUSE)" tw_overflow "client-first: cause tw_overflow"
sc=$(evq /tmp/causes.events 'f["LOCAL"] ~ /:5452$/ && f["NEWSTATE"] == "SYN_RECV"' 'f["COOKIE"]')
is "$(transitions /tmp/causes.events "$sc" | awk '{ print $NF }')" FIN_WAIT2-\>CLOSE \
	"server-first: the server's child closes from FIN_WAIT2"
is "$(evcol /tmp/causes.events "$sc" CLOSE CAUSE)" tw_overflow "server-first: cause tw_overflow"

# A SYN that nobody answers (a route on lo to an address that is not
# local: dropped, as forwarding is off), then the ICMP error a router
# would send back for it.
unshare --net bash -c '
	ip link set lo up
	ip addr add 10.99.0.1/32 dev lo
	ip route add 10.99.0.2/32 dev lo src 10.99.0.1
	for code in 0 1 2; do python3 "$1" 10.99.0.2 $((5453 + code)) $code; done' \
	_ "$TESTING/icmpunreach.py" >/tmp/causes.icmp
is "$(awk '{ print $1 }' /tmp/causes.icmp | tr '\n' ' ')" "ENETUNREACH EHOSTUNREACH ENOPROTOOPT " \
	"connect() fails with the errors of ICMP network, host and protocol unreachable"
cat /proc/tcpstates >/tmp/causes.events
cause_of() {	# cause_of PORT: transitions and cause of the client to PORT
	local c
	c=$(evq /tmp/causes.events 'f["REMOTE"] == r && f["NEWSTATE"] == "SYN_SENT"' 'f["COOKIE"]' -v r="10.99.0.2:$1")
	echo "$(transitions /tmp/causes.events "$c") $(evcol /tmp/causes.events "$c" CLOSE CAUSE)"
}
is "$(cause_of 5453)" "CLOSE->SYN_SENT SYN_SENT->CLOSE net_unreachable" "ICMP network unreachable: cause net_unreachable"
is "$(cause_of 5454)" "CLOSE->SYN_SENT SYN_SENT->CLOSE host_unreachable" "ICMP host unreachable: cause host_unreachable"
is "$(cause_of 5455)" "CLOSE->SYN_SENT SYN_SENT->CLOSE error(92)" \
	"ICMP protocol unreachable: cause error with its errno (ENOPROTOOPT, 92)"
done_testing
