#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A loopback connection with a known port, closed by the client first: the
# exact transitions of the client, the server's child and the listener,
# with owner, causes and sequence numbers, over IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"

load_module
ok $? "insmod tcpstates.ko"
head -n1 /proc/tcpstates | grep -q '^SEQ  *TIME  *NETNS  *COOKIE  *OLDSTATE  *NEWSTATE  *PREV_MS  *CAUSE  *LOCAL  *REMOTE  *SND  *RCV  *FLAGS  *TGID  *PID  *UID  *COMM$'
ok $? "/proc/tcpstates starts with a header naming the columns"

check_family() {	# check_family 4|6 PORT LOOPBACK ANY (as printed)
	local fam=$1 port=$2 a=$3 any=$4 out pid cport ev=/tmp/events.$1 cc sc lc
	out=$("$TCPCONN" -"$fam" -p "$port")
	pid=$(awk '/^pid/ { print $2 }' <<<"$out")
	cport=$(awk '/^client_port/ { print $2 }' <<<"$out")
	cat /proc/tcpstates >"$ev"
	cc=$(cookie "$ev" "$a:$cport" "$a:$port")
	sc=$(cookie "$ev" "$a:$port" "$a:$cport")
	lc=$(cookie "$ev" "$a:$port" "$any:0")
	[ -n "$cc" ] && [ -n "$sc" ] && [ -n "$lc" ] && [ "$cc" != "$sc" ] && [ "$sc" != "$lc" ]
	ok $? "IPv$fam: client, server child and listener have their own cookies"
	is "$(transitions "$ev" "$cc")" \
		"CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->TIME_WAIT" \
		"IPv$fam client (active close): exact transitions, into TIME_WAIT"
	is "$(transitions "$ev" "$sc")" \
		"NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED ESTABLISHED->CLOSE_WAIT CLOSE_WAIT->LAST_ACK LAST_ACK->CLOSE" \
		"IPv$fam server child (passive open and close): exact transitions"
	is "$(transitions "$ev" "$lc")" "CLOSE->LISTEN LISTEN->CLOSE" \
		"IPv$fam listener: CLOSE->LISTEN LISTEN->CLOSE"
	is "$(evq "$ev" 'f["LOCAL"] ~ p || f["REMOTE"] ~ p' 1 -v p=":$port\$" | wc -w)" 12 \
		"IPv$fam: no other event mentions port $port"
	is "$(evq "$ev" 'f["COOKIE"] == a || f["COOKIE"] == b || f["COOKIE"] == c' 'f["TGID"] "/" f["COMM"]' \
		-v a="$cc" -v b="$sc" -v c="$lc" | tr ' ' '\n' | sort -u | tr '\n' ' ')" "$pid/tcpconn " \
		"IPv$fam: every event's owner is tcpconn (pid $pid), even in softirq"
	is "$(evcol "$ev" "$sc" CLOSE CAUSE) $(evcol "$ev" "$lc" CLOSE CAUSE)" "normal normal" \
		"IPv$fam: server child and listener close normally"
	is "$(evcol "$ev" "$cc" TIME_WAIT CAUSE)" "-" "IPv$fam: no cause on a non-close event"
	# Sequence numbers: the client's ISN x (SND at SYN_SENT) and the
	# server's ISN y (SND of the child, y+1 after its SYN); acks x+1, y+1.
	local x y
	x=$(evcol "$ev" "$cc" SYN_SENT SND)
	y=$(( $(evcol "$ev" "$sc" SYN_RECV SND) - 1 ))
	is "$(evcol "$ev" "$cc" ESTABLISHED RCV)" "$(( (y + 1) % 4294967296 ))" \
		"IPv$fam: client ESTABLISHED acks y+1 (the server's ISN + 1)"
	is "$(evcol "$ev" "$sc" SYN_RECV RCV)" "$(( (x + 1) % 4294967296 ))" \
		"IPv$fam: server child got SYN x: expects x+1"
	# PREV_MS: time in the previous state, known from the second event on
	is "$(evcol "$ev" "$cc" SYN_SENT PREV_MS)" "-" "IPv$fam: SYN_SENT has no previous duration"
	[[ $(evcol "$ev" "$cc" ESTABLISHED PREV_MS) =~ ^[0-9]+\.[0-9]{3}$ ]]
	ok $? "IPv$fam: connect latency in ms on SYN_SENT->ESTABLISHED"
}
check_family 4 5001 127.0.0.1 0.0.0.0
check_family 6 5002 '[::1]' '[::]'

# Sequence numbers are gapless and times never go backwards.
snapshot /tmp/all
awk 'NR > 1 { if ($1 != prev + 1 && NR > 2) bad = 1; prev = $1
	if ($2 + 0 < t) bad = 1; t = $2 + 0 } END { exit bad }' /tmp/all
ok $? "sequence numbers are consecutive and times monotonic"
is "$(snapstat /tmp/all events)" "$(awk 'NR > 1' /tmp/all | wc -l)" "stats count every event shown"
is "$(snapstat /tmp/all drops_ring_overwritten)" 0 "no drops"
is "$(counter kprobe_missed)" 0 "no kprobe misses"

"$TOP/tools/tcpstates" -L 5001 events -e >/tmp/cli.out
ok $? "CLI reads the events over netlink"
is "$(awk 'NR > 1 { print $7 "->" $8 }' /tmp/cli.out | sort | tr '\n' ' ')" \
	"CLOSE->LISTEN CLOSE_WAIT->LAST_ACK ESTABLISHED->CLOSE_WAIT LAST_ACK->CLOSE LISTEN->CLOSE NEW_SYN_RECV->SYN_RECV SYN_RECV->ESTABLISHED " \
	"CLI -L 5001 shows the server side of port 5001 only"
done_testing
