#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# DCCP shares the listen, accept and TIME_WAIT code with TCP; only TCP is
# traced. A DCCP listener, connection, close and TIME_WAIT leave nothing
# in /proc/tcpstates or the table.
. "$(dirname "$0")/lib.sh"

# DCCP exists up to 6.15, as modules in Debian's kernels; the VM cannot
# load modules on demand.
modprobe dccp_ipv4 2>/dev/null
modprobe dccp_ipv6 2>/dev/null
# (Python has no names for them: SOCK_DCCP 6, IPPROTO_DCCP 33)
if ! python3 -c 'import socket; socket.socket(socket.AF_INET, 6, 33)' 2>/dev/null; then
	echo "ok - # SKIP this kernel has no DCCP ($(uname -r))"
	exit 0
fi

load_module
# Server and client in one process: listen, connect, exchange a message,
# the client closes first (its socket stays in TIME_WAIT), then the server.
python3 - 5444 <<'PY' >/tmp/dccp.out
import socket, sys, time
SOCK_DCCP, IPPROTO_DCCP = 6, 33
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    ls = socket.socket(fam, SOCK_DCCP, IPPROTO_DCCP)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(5)
    c = socket.socket(fam, SOCK_DCCP, IPPROTO_DCCP)
    c.connect((addr, port))
    s, _ = ls.accept()
    c.send(b'x')
    s.recv(16)
    c.close()
    time.sleep(0.3)
    s.close()
    ls.close()
    time.sleep(0.3)
print('dccp done')
PY
is "$(cat /tmp/dccp.out)" "dccp done" "DCCP listener and connections over IPv4 and IPv6"
"$TCPCONN" -4 -p 5445 -q >/dev/null
cat /proc/tcpstates >/tmp/dccp.events
no_port 5444 /tmp/dccp.events "/proc/tcpstates shows no DCCP event"
no_port 5444 /proc/tcpstates_conns "the table holds no DCCP socket"
is "$(portc 5445 /tmp/dccp.events)" 12 "while TCP beside it is traced (12 events)"
done_testing
