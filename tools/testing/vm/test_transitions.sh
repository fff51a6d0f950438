#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A loopback connection with a known port, closed by the client first: the
# exact transitions of the client, the server's child and the listener,
# over IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"

load_module
ok $? "insmod tcpstates.ko"
head -n1 /proc/tcpstates | grep -q '^SEQ  *TIME  *NETNS  *OLDSTATE  *NEWSTATE  *LOCAL  *REMOTE$'
ok $? "/proc/tcpstates starts with a header naming the columns"

check_family() {	# check_family 4|6 PORT LOOPBACK ANY (as printed)
	local fam=$1 port=$2 a=$3 any=$4 cport ev=/tmp/events.$1
	cport=$("$TCPCONN" -"$fam" -p "$port" | awk '/^client_port/ { print $2 }')
	cat /proc/tcpstates >"$ev"
	is "$(transitions "$ev" "$a:$cport" "$a:$port")" \
		"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->CLOSE" \
		"IPv$fam client (active close): exact transitions, local port known at SYN_SENT"
	is "$(transitions "$ev" "$a:$port" "$a:$cport")" \
		"SYN_RECV->ESTABLISHED ESTABLISHED->CLOSE_WAIT CLOSE_WAIT->LAST_ACK LAST_ACK->CLOSE" \
		"IPv$fam server child (passive close): exact transitions"
	is "$(transitions "$ev" "$a:$port" "$any:0")" "LISTEN->CLOSE" \
		"IPv$fam listener: LISTEN->CLOSE"
	is "$(grep -c ":$port\$\|:$port " "$ev")" 10 \
		"IPv$fam: no other event mentions port $port"
}
check_family 4 5001 127.0.0.1 0.0.0.0
check_family 6 5002 '[::1]' '[::]'

# Sequence numbers are gapless and times never go backwards.
awk 'NR > 1 { if ($1 != prev + 1 && NR > 2) bad = 1; prev = $1
	if ($2 + 0 < t) bad = 1; t = $2 + 0 } END { exit bad }' /proc/tcpstates
ok $? "sequence numbers are consecutive and times monotonic"
is "$(awk '$1 == "events" { print $2 }' /proc/tcpstates_stats)" \
	"$(awk 'NR > 1' /proc/tcpstates | wc -l)" "stats count every event shown"
is "$(awk '$1 == "drops_ring_overwritten" { print $2 }' /proc/tcpstates_stats)" 0 \
	"no drops"

"$TOP/tools/tcpstates" -L 5001 events >/tmp/cli.out
ok $? "CLI reads /proc/tcpstates"
is "$(awk 'NR > 1 { print $5 "->" $7 }' /tmp/cli.out | sort | tr '\n' ' ')" \
	"CLOSE_WAIT->LAST_ACK ESTABLISHED->CLOSE_WAIT LAST_ACK->CLOSE LISTEN->CLOSE SYN_RECV->ESTABLISHED " \
	"CLI -L 5001 shows the server side of port 5001 only"
done_testing
