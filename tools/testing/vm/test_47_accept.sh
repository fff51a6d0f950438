#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The accepting thread owns each child, however many threads wait in
# accept() at once: 600 here, more than the 512 instances the old return
# probe on inet_csk_accept() had (it missed the rest). No probe hit is
# missed.
. "$(dirname "$0")/lib.sh"

n=600
load_module
missed0=$(counter kprobe_missed)
# In a namespace of its own, so that its 1,200 TIME_WAIT sockets go with
# it rather than end a minute later under another test's feet.
unshare --net bash -c 'ip link set lo up
	ulimit -n 4096	# each connection is two sockets in one process
	exec "$1" -4 -p 5471 -m accept-threads -n "$2"' _ "$TCPCONN" $n >/tmp/acc.out &
acc=$!
for _ in $(seq 600); do grep -q '^ready' /tmp/acc.out && break; sleep 0.2; done
is "$(grep -c '^accepted ' /tmp/acc.out)" $n "$n threads each accepted one connection"
cat /proc/tcpstates_conns >/tmp/acc.conns
# The child with peer port P was accepted by thread T: its owner's PID is T.
awk '$1 == "accepted" { print "127.0.0.1:" $3, $2 }' /tmp/acc.out | sort >/tmp/acc.want
evq /tmp/acc.conns 'f["LOCAL"] == "127.0.0.1:5471" && f["STATE"] == "ESTABLISHED"' 'f["REMOTE"] "=" f["PID"]' |
	tr ' =' '\n ' | sort >/tmp/acc.got
is "$(wc -l </tmp/acc.got)" $n "the table holds the $n children"
is "$(comm -3 /tmp/acc.want /tmp/acc.got | wc -l)" 0 \
	"each child's owner is the thread that accepted it ($(comm -13 /tmp/acc.want /tmp/acc.got | wc -l) wrong)"
is "$(($(counter kprobe_missed) - missed0))" 0 "no probe hit was missed"
kill -USR1 $acc
wait $acc
done_testing
