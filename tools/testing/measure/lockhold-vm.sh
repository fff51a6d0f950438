#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Measure (not a test: times under an emulator are only comparable within
# a run) how long tcpstates_conn_read() keeps interrupts off for a lock of
# the connection table (the whole table's in round 1, one shard's for one
# hash bucket now), and how long each call takes, while a reader of
# /proc/tcpstates_conns loses its place at every read: between two reads
# the connection it read last is killed (ss -K), so the next read resumes
# from a cursor whose entry is gone. Runs inside the test VM:
#   scripts/vm-run.sh -k 6.1 -t 1800 -- tools/testing/measure/lockhold-vm.sh KO [N]
# N: TIME_WAIT connections in the table (default 20000).
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../../.." && pwd)
KO=${1:?usage: lockhold-vm.sh MODULE.ko [N]}
N=${2:-20000}
sysctl -qw net.ipv4.tcp_max_tw_buckets=1000000
insmod "$KO" conn_max=1048576 || exit 1
"$TOP/tools/testing/churn" -t 2 -n "$N" -p 5601 >/dev/null 2>&1 ||
	"$TOP/tools/testing/tcpconn" -4 -p 5601 -n "$N" -q >/dev/null
echo "table: $(awk '$1 == "conn_used" { print $2 }' /proc/tcpstates_stats) entries"
# The call's time, and within it each span from asking for a lock with
# interrupts off to releasing it (the table's lock in round 1, a shard's
# now): the latter is what every CPU's probes may wait for.
bpftrace -e '
kprobe:tcpstates_conn_read { @t[tid] = nsecs; }
kprobe:_raw_spin_lock_irqsave /@t[tid]/ { @l[tid] = nsecs; }
kprobe:_raw_spin_unlock_irqrestore /@l[tid]/ {
	$h = nsecs - @l[tid]; delete(@l[tid]);
	@hold_ns = hist($h); @max_hold_ns = max($h); @holds = count(); }
kretprobe:tcpstates_conn_read /@t[tid]/ {
	$d = (nsecs - @t[tid]) / 1000; delete(@t[tid]);
	@us = hist($d); @max_us = max($d); @calls = count(); }' >/tmp/lockhold.bt 2>&1 &
bt=$!
sleep 5
python3 - <<'PY'
import os, subprocess
fd = os.open('/proc/tcpstates_conns', os.O_RDONLY)
head = None
reads = kills = 0
buf = ''
while True:
    chunk = os.read(fd, 4096).decode()
    if not chunk:
        break
    reads += 1
    lines = (buf + chunk).split('\n')
    buf = lines.pop()
    if head is None:
        head = lines.pop(0).split()
    # whole records only (a line may be cut where a read ended)
    last = [l for l in lines if len(l.split()) == len(head)]
    if not last:
        continue
    f = dict(zip(head, last[-1].split()))
    lport = f['LOCAL'].rsplit(':', 1)[1]
    rport = f['REMOTE'].rsplit(':', 1)[1]
    subprocess.run(['ss', '-K', 'state', 'all', 'sport', '=', ':' + lport,
                    'dport', '=', ':' + rport], stdout=subprocess.DEVNULL)
    kills += 1
print('reads', reads, 'kills', kills)
PY
kill -INT $bt
wait $bt
cat /tmp/lockhold.bt
rmmod tcpstates
