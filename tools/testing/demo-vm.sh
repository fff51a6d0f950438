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

How to read it, for the IPv4 connection (port 8080):
  client  CLOSE -> SYN_SENT        connect(): SYN seq=x sent
          SYN_SENT -> ESTABLISHED  SYN-ACK (seq=y, ack=x+1) received, ACK y+1 sent
  server  SYN_RECV -> ESTABLISHED  the child socket gets the final ACK
  client  ESTABLISHED -> FIN_WAIT1 close(): FIN seq=u sent
  server  ESTABLISHED -> CLOSE_WAIT FIN received, ACK u+1 sent
  client  FIN_WAIT1 -> FIN_WAIT2   that ACK received
  server  CLOSE_WAIT -> LAST_ACK   close(): FIN seq=w sent
  client  FIN_WAIT2 -> CLOSE       FIN received, ACK w+1 sent; the kernel hands the
                                   connection to a TIME_WAIT socket for 2MSL (60 s)
  server  LAST_ACK -> CLOSE        ACK w+1 received: gone
  listener LISTEN -> CLOSE         the server closed its listening socket
  The refused connection: CLOSE -> SYN_SENT, then SYN_SENT -> CLOSE on the RST.
TXT

say "\$ tcpstates -L 8080 events     # the CLI, server side of port 8080 only"
"$cli" -L 8080 events
say "\$ tcpstates -s CLOSE_WAIT,LAST_ACK events"
"$cli" -s CLOSE_WAIT,LAST_ACK events
say "\$ tcpstates stats"
"$cli" stats

say "\$ rmmod tcpstates"
rmmod tcpstates
echo "done."
