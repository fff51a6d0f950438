#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The part of the demo that runs inside the test VM (see scripts/demo.sh).
set -euo pipefail
ko=${1:?usage: demo-vm.sh MODULE.ko}
here=$(cd "$(dirname "$0")" && pwd)
cli=$here/../tcpstates
say() { printf '\n### %s\n' "$*"; }

say "\$ insmod tcpstates.ko        # kprobes on tcp_set_state and tcp_connect"
insmod "$ko"
dmesg | grep tcpstates: | tail -n1

say "Making traffic: one IPv4 and one IPv6 loopback connection to port 8080."
say "The client closes first (active close), the server second (passive close)."
"$here/tcpconn" -4 -p 8080 >/dev/null
"$here/tcpconn" -6 -p 8080 >/dev/null
say "And a connection refused: nothing listens on port 9"
(exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || true

say "\$ cat /proc/tcpstates"
cat /proc/tcpstates
cat <<'TXT'

How to read it, for the IPv4 connection (port 8080); COOKIE tells the sockets apart:
  listener CLOSE -> LISTEN            listen()
  client   CLOSE -> SYN_SENT          connect(): SYN seq=x sent (SND = x)
  server   NEW_SYN_RECV -> SYN_RECV   the child socket is made when the final ACK
                                      arrives; PREV_MS = SYN-ACK round trip
  client   SYN_SENT -> ESTABLISHED    SYN-ACK seq=y ack=x+1 received (RCV = y+1);
                                      PREV_MS = connect latency
  server   SYN_RECV -> ESTABLISHED
  client   ESTABLISHED -> FIN_WAIT1   close(): FIN seq=u sent (SND = u)
  server   ESTABLISHED -> CLOSE_WAIT  FIN received, ACK u+1 sent (RCV = u+1)
  client   FIN_WAIT1 -> FIN_WAIT2     that ACK received
  server   CLOSE_WAIT -> LAST_ACK     close(): FIN seq=w sent
  client   FIN_WAIT2 -> TIME_WAIT     FIN received, ACK w+1 sent; 2MSL (60 s) starts
  server   LAST_ACK -> CLOSE          ACK w+1 received: gone (CAUSE normal)
  listener LISTEN -> CLOSE
  The refused connection: CLOSE -> SYN_SENT, then SYN_SENT -> CLOSE, CAUSE refused.
  Every event names its owner (TGID, PID, COMM), even those that happen in softirq.
TXT

say "\$ cat /proc/tcpstates_conns      # live connections: the clients wait in TIME_WAIT"
cat /proc/tcpstates_conns
cat <<'TXT'
ISN_LOCAL/ISN_REMOTE are x and y, FIN_LOCAL/FIN_REMOTE are u and w, FIRST_FIN says
who closed first, HANDSHAKE_US the connect latency, DURATIONS_MS the time spent
in each state so far.
TXT

say "\$ tcpstates events -L 8080      # the CLI (over netlink), server side of port 8080"
"$cli" events -L 8080
say "\$ tcpstates conns                # live connections, like ss, with their lifecycle"
"$cli" conns
client=$("$cli" conns -j -4 dport = :8080 | sed -n 's/.*"cookie":\([0-9]*\).*/\1/p' | head -n1)
say "\$ tcpstates show $client           # the IPv4 client as the textbook draws it"
"$cli" show "$client"
say "\$ tcpstates summary"
"$cli" summary
say "\$ tcpstates stats"
"$cli" stats

say "\$ rmmod tcpstates"
rmmod tcpstates
echo "done."
