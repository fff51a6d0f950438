#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole story of a connection in its record: exact data bytes each
# way, SYN and SYN-ACK retransmissions (a filter drops the first one), the
# kernel's own count of retransmitted segments under loss, the RTT under
# a known delay, a listener's accept-queue drops, and the socket's cgroup
# (and the kernel filter by it). Read from /proc/tcpstates_conns, where a
# client in TIME_WAIT keeps its totals.
. "$(dirname "$0")/lib.sh"

NLT=$TESTING/nltest
# col PORT COLUMN: a column of the client of server port PORT (its entry)
col() { evq /proc/tcpstates_conns 'f["REMOTE"] ~ p' "f[\"$2\"]" -v p=":$1\$"; }
# scol PORT COLUMN: the same for the server's child
scol() { evq /proc/tcpstates_conns 'f["LOCAL"] ~ p && f["ROLE"] == "passive"' "f[\"$2\"]" -v p=":$1\$"; }
# drop_first PORT FLAGS DIRECTION: drop the first TCP segment on lo to
# (dport) or from (sport) PORT whose flags byte is FLAGS, for 0.4 s
drop_first() {
	tc qdisc add dev lo root handle 1: prio
	tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff \
		match ip "$3" "$1" 0xffff match u8 "$2" 0xff at 33 action drop
	(sleep 0.4; tc qdisc del dev lo root) &
}

for m in sch_prio cls_u32 act_gact sch_netem; do modprobe $m 2>/dev/null; done
load_module

# Exact data bytes, each way (the SYN and the FIN are not data)
"$TCPCONN" -4 -p 5521 -m data -b 100000 -q >/dev/null
is "$(col 5521 TX_BYTES)/$(col 5521 RX_BYTES)" 100000/100000 \
	"100,000 bytes each way: the client's record says 100000 sent and acked, 100000 received"
"$TCPCONN" -6 -p 5521 -m data -b 1 -q >/dev/null
is "$(evq /proc/tcpstates_conns 'f["REMOTE"] == "[::1]:5521"' 'f["TX_BYTES"] "/" f["RX_BYTES"]')" 1/1 \
	"1 byte each way over IPv6: 1/1"

# The first SYN dropped: one SYN sent again, after the initial RTO (1 s)
drop_first 5522 0x02 dport
"$TCPCONN" -4 -p 5522 -m hold >/tmp/story.syn &
hold=$!
for _ in $(seq 100); do grep -q client_port /tmp/story.syn && break; sleep 0.1; done
is "$(col 5522 HS_RETRANS)" 1 "a dropped SYN: the client's record says 1 SYN sent again"
[ "$(col 5522 HANDSHAKE_US)" -ge 1000000 ]
ok $? "and a handshake of at least the initial RTO ($(col 5522 HANDSHAKE_US) us)"
is "$(scol 5522 HS_RETRANS)" 0 "the server's child sent its SYN-ACK once"
kill -USR1 $hold
wait
# The first SYN-ACK dropped (server-first, so that the child stays in
# TIME_WAIT with its record)
drop_first 5523 0x12 sport
"$TCPCONN" -4 -p 5523 -m server-first -q >/dev/null
wait
[ "$(scol 5523 HS_RETRANS)" -ge 1 ]
ok $? "a dropped SYN-ACK: the child's record says it was sent again ($(scol 5523 HS_RETRANS))"

# Loss: the record's retransmissions are the kernel's own count
tc qdisc add dev lo root netem loss 5%
"$TCPCONN" -4 -p 5524 -m data-hold -b 1000000 >/tmp/story.loss &
hold=$!
for _ in $(seq 600); do grep -q ready /tmp/story.loss && break; sleep 0.2; done
tc qdisc del dev lo root
sleep 0.5
kernel=$(ss -tni 'dport = :5524' | sed -n 's/.*retrans:[0-9]*\/\([0-9]*\).*/\1/p')
kill -USR1 $hold
wait $hold
[ "${kernel:-0}" -gt 0 ]
ok $? "5% loss on lo: the kernel resent ${kernel:-no} segments of the client's"
is "$(col 5524 RETRANS)" "${kernel:-0}" "the client's record says the same"

# Delay: the smoothed RTT of a 50 ms each way loopback is about 100 ms
tc qdisc add dev lo root netem delay 50ms
"$TCPCONN" -4 -p 5525 -m data -b 20000 -q >/dev/null
tc qdisc del dev lo root
srtt=$(col 5525 SRTT_US)
[ "$srtt" -ge 80000 ] && [ "$srtt" -le 120000 ]
ok $? "netem delay 50 ms: smoothed RTT within 20 % of 100 ms ($srtt us)"

# A listener with backlog 1 that never accepts, and 5 clients
"$TCPCONN" -4 -p 5526 -m no-accept -n 5 >/tmp/story.noacc &
noacc=$!
for _ in $(seq 100); do grep -q ready /tmp/story.noacc && break; sleep 0.2; done
lst=$(evq /proc/tcpstates_conns 'f["LOCAL"] ~ /:5526$/ && f["STATE"] == "LISTEN"' 'f["ACCEPTQ"] " " f["DROPS"]')
is "${lst% *}" 2/1 "backlog 1, never accepting: 2 children wait in the accept queue of 1"
[ "${lst#* }" -gt 0 ]
ok $? "and the listener counts what it dropped (${lst#* })"
kill -USR1 $noacc
wait $noacc

# The socket's cgroup, and the kernel filter by it
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/tcpstates-test
cg=$(stat -c %i /sys/fs/cgroup/tcpstates-test)
bash -c 'echo $$ >/sys/fs/cgroup/tcpstates-test/cgroup.procs; exec "$1" -4 -p 5527 -n 2 -q' _ "$TCPCONN" >/dev/null
is "$(col 5527 CGROUP | tr ' ' '\n' | sort -u)" "$cg" "connections made in a cgroup carry its id ($cg)"
is "$("$NLT" conns --cgroup "$cg" | grep -c .) $("$NLT" conns --cgroup "$cg" | grep -vc ':5527')" "2 0" \
	"the kernel's cgroup filter selects exactly them"
rmdir /sys/fs/cgroup/tcpstates-test 2>/dev/null
done_testing
