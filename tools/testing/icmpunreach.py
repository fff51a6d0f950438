#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""icmpunreach DST PORT CODE: connect to DST:PORT, where nothing answers,
then send this host the ICMP destination unreachable with CODE that a
router would send back for that SYN (0 network, 1 host, 2 protocol...).
Prints how connect() ended (the errno's name) and the local port.
Needs root, and the tcpstates module loaded (the SYN's sequence number,
which the ICMP quotes, is read from /proc/tcpstates)."""
import errno
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def syn_seq(local):
    """SND of the CLOSE -> SYN_SENT event of LOCAL in /proc/tcpstates"""
    for _ in range(100):
        with open('/proc/tcpstates') as f:
            head = f.readline().split()
            for line in f:
                v = dict(zip(head, line.split()))
                if v.get('NEWSTATE') == 'SYN_SENT' and v.get('LOCAL') == local:
                    return int(v['SND'])
        time.sleep(0.05)
    sys.exit('icmpunreach: no SYN_SENT event for ' + local)


def main():
    dst, port, code = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setblocking(False)
    c.connect_ex((dst, port))
    src, sport = c.getsockname()
    seq = syn_seq('%s:%d' % (src, sport))
    # The SYN as the router got it: its IP header and first 8 bytes
    quoted = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 0, 0x4000, 64,
                         socket.IPPROTO_TCP, 0, socket.inet_aton(src),
                         socket.inet_aton(dst))
    quoted += struct.pack('!HHI', sport, port, seq)
    icmp = struct.pack('!BBHI', 3, code, 0, 0) + quoted
    icmp = icmp[:2] + struct.pack('!H', checksum(icmp)) + icmp[4:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    r.sendto(icmp, (src, 0))
    select.select([], [c], [], 5)
    e = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    print(errno.errorcode.get(e, str(e)), sport)


main()
