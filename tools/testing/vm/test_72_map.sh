#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The mapped ring (/proc/tcpstates_map): only a reader that sees every
# field of every namespace opens it; nobody maps it writable; the CLI
# reads from it the same events, byte for byte, as netlink gives; a
# reader that falls behind counts exactly what the ring overwrote;
# poll() wakes on news; the module stays while the ring is mapped.
. "$(dirname "$0")/lib.sh"

CLI=$TOP/tools/tcpstates
MAP=/proc/tcpstates_map
load_module

is "$(stat -c '%a %U' $MAP)" "400 root" "$MAP: mode 0400, root's"

# mapcheck: what this opener may do with the file, one word per step
cat >/tmp/map.py <<'PY'
import ctypes, errno, mmap, os, select, struct, sys, time
PATH = "/proc/tcpstates_map"
def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))
what = sys.argv[1]
try:
    fd = os.open(PATH, os.O_RDONLY)
except OSError as e:
    print("open", err(e)); sys.exit(0)
info = os.read(fd, 40)
ver, rec_size, nrecs, pad, start, netns_id, size = struct.unpack("IIIIQQQ", info)
if what == "info":
    print(ver, rec_size, nrecs, size >= nrecs * rec_size, start > 0)
elif what == "short":
    fd2 = os.open(PATH, os.O_RDONLY)
    try:
        os.read(fd2, 39); print("short read: ok")
    except OSError as e:
        print("short read:", err(e))
elif what == "write":
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    def try_map(f, length, prot, flags):
        a = libc.mmap(None, length, prot, flags, f, 0)
        return "ok" if a not in (None, ctypes.c_void_p(-1).value) else errno.errorcode[ctypes.get_errno()]
    R, W, X = mmap.PROT_READ, mmap.PROT_WRITE, mmap.PROT_EXEC
    fdw = os.open(PATH, os.O_RDWR)	# root may open it so, and still not write
    out = ["shared-rw=" + try_map(fdw, size, R | W, mmap.MAP_SHARED),
           "private=" + try_map(fd, size, R, mmap.MAP_PRIVATE),
           "exec=" + try_map(fd, size, R | X, mmap.MAP_SHARED)]
    a = libc.mmap(None, size, R, mmap.MAP_SHARED, fd, 0)
    r = libc.mprotect(a, size, R | W)
    out.append("mprotect=" + ("ok" if r == 0 else errno.errorcode[ctypes.get_errno()]))
    out.append("beyond=" + try_map(fd, size + mmap.PAGESIZE, R, mmap.MAP_SHARED))
    out.append("read=" + ("ok" if ctypes.c_uint32.from_address(a).value % 2 == 0 else "odd"))
    print(" ".join(out))
elif what == "poll":
    p = select.poll(); p.register(fd, select.POLLIN)
    open("/tmp/map.polling", "w").close()
    t = time.monotonic()
    ev = p.poll(float(sys.argv[2]) * 1000)
    print("woken" if ev else "timeout", round(time.monotonic() - t, 1))
PY

is "$(python3 /tmp/map.py info)" "1 264 4096 True True" \
	"read(): version 1, records of 264 bytes, as many as the ring's events, all mappable"
is "$(python3 /tmp/map.py short)" "short read: EINVAL" "a read shorter than the info fails (EINVAL)"
is "$(python3 /tmp/map.py write)" \
	"shared-rw=EPERM private=EINVAL exec=EPERM mprotect=EACCES beyond=EINVAL read=ok" \
	"never writable: not mapped so (EPERM), not made so (mprotect: EACCES); private, executable or past its end refused"
is "$(setpriv --reuid=65534 --regid=65534 --clear-groups python3 /tmp/map.py info)" "open EACCES" \
	"an unprivileged user cannot open it"
is "$(setpriv --inh-caps=-net_admin --bounding-set=-net_admin python3 /tmp/map.py info)" "open EPERM" \
	"root without CAP_NET_ADMIN cannot open it (EPERM): the view rule, not the mode"
is "$(unshare --user --map-root-user --net python3 /tmp/map.py info)" "open EPERM" \
	"root of a child user namespace cannot (EPERM): it does not see every namespace"
is "$(unshare --net python3 /tmp/map.py info | cut -d' ' -f1)" "1" \
	"root of the initial user namespace in a child network namespace can"

# poll(): no news, no wakeup; news wakes it. The earlier tests' TIME_WAIT
# sockets end as they will, and each end is news: the quiet check takes a
# second in which the module recorded no event (the events counter).
# poll() then ends by its time limit, whenever a busy host lets it see so
# (1.1 s once on 6.1-rt in a CI rehearsal): what it returned counts, not
# the time.
for _ in $(seq 10); do
	e0=$(counter events)
	quiet=$(python3 /tmp/map.py poll 1)
	[ "$(counter events)" = "$e0" ] && break
	quiet="events happened: $quiet"
done
is "${quiet%% *}" timeout "poll(): nothing happened, nothing reported ($quiet s)"
rm -f /tmp/map.polling
python3 /tmp/map.py poll "$(slow 20)" >/tmp/map.poll &
p=$!
for _ in $(seq 300); do [ -e /tmp/map.polling ] && break; sleep 0.1; done
"$TCPCONN" -4 -p 5721 -q >/dev/null
wait $p
out=$(cat /tmp/map.poll)
case $out in woken*) r=0 ;; *) r=1 ;; esac
ok $r "poll(): a connection wakes it ($out s)"

# The CLI: the same events from the map as from netlink, byte for byte.
sent0=$(counter mcast_sent)
"$CLI" watch -a -j --duration "$(slow 8)" >/tmp/map.watch 2>/tmp/map.err &
m=$!
"$CLI" watch -a -j --no-map --duration "$(slow 8)" >/tmp/map.nl 2>/tmp/map.nl.err &
n=$!
sleep "$(slow 2)"
"$TCPCONN" -4 -p 5722 -n 20 -q >/dev/null
"$TCPCONN" -6 -p 5723 -n 5 -b 20000 -q >/dev/null
"$TCPCONN" -4 -p 5724 -m refused -q >/dev/null 2>&1
wait $m $n
sed 's/^/# map: /' /tmp/map.err
python3 - /tmp/map.watch /tmp/map.nl >/tmp/map.cmp <<'PY'
import json, sys
a = {json.loads(l)["seq"]: l for l in open(sys.argv[1])}
b = {json.loads(l)["seq"]: l for l in open(sys.argv[2])}
# The two readers start and stop a moment apart, and an earlier test's
# TIME_WAIT socket may end in between: each must have every event the
# other has between the other's first and last.
n = len(a)
a = {s: l for s, l in a.items() if min(b, default=0) <= s <= max(b, default=-1)}
b = {s: l for s, l in b.items() if min(a, default=0) <= s <= max(a, default=-1)}
common = sorted(set(a) & set(b))
# (the first PREV_SEQ of each stream differs: netlink's names the previous
# event it sent, 0 at first; the map's the newest before the reader came)
def nop(l):
    r = json.loads(l); r.pop("prev_seq"); return r
same = sum(a[s] == b[s] or (s == common[0] and nop(a[s]) == nop(b[s])) for s in common)
segs = sum(json.loads(a[s])["seg_ack"] is not None for s in common)
print(n >= 150, len(common) == len(a) == len(b), same == len(common), segs > 0)
only = sorted(set(a) ^ set(b))
if only:
    print("# only the map's:", sorted(set(a) - set(b))[:20], "only netlink's:", sorted(set(b) - set(a))[:20])
for s in common[1:]:
    if a[s] != b[s]:
        print("#", a[s].strip()); print("#", b[s].strip()); break
PY
is "$(head -n1 /tmp/map.cmp)" "True True True True" \
	"watch from the map prints every event netlink's watch prints, byte for byte (segments included)"
sed -n '2,$p' /tmp/map.cmp
[ "$(wc -l </tmp/map.watch)" -gt 0 ] && [ "$(counter mcast_sent)" -gt "$sent0" ]
ok $? "(both ran: the netlink one was sent events)"
"$CLI" events -a -j >/tmp/map.ring
python3 - /tmp/map.watch /tmp/map.ring <<'PY' >/tmp/map.cmp2
import json, sys
drop = lambda l: {k: v for k, v in json.loads(l).items() if k != "prev_seq"}
a = {json.loads(l)["seq"]: drop(l) for l in open(sys.argv[1])}
b = {json.loads(l)["seq"]: drop(l) for l in open(sys.argv[2])}
print(all(a[s] == b.get(s) for s in a))
PY
is "$(cat /tmp/map.cmp2)" "True" "and the same as the ring's dump (tcpstates events)"

# Own namespace only without -a: events of a child namespace stay out
unshare --net bash -c 'ip link set lo up; sleep 2; "$1" -4 -p 5725 -q' _ "$TCPCONN" >/dev/null &
"$CLI" watch -j --duration "$(slow 6)" >/tmp/map.own &
w=$!
sleep 1
"$TCPCONN" -4 -p 5726 -q >/dev/null
wait
is "$(pyports() { python3 -c 'import json, sys
print(" ".join(sorted({str(json.loads(l)["local_port"]) for l in sys.stdin} & {"5725", "5726"})))'; }; pyports </tmp/map.own)" \
	"5726" "watch without -a: the reader's own namespace only (5726 here, 5725 in a child is not)"

# rmmod waits for the last mapping: once the reader has the ring mapped
# (on a busy host it may take longer than a fixed sleep to get there)
"$CLI" watch -a -j >/dev/null 2>&1 &
w=$!
for _ in $(seq $((20 * SLOW))); do
	grep -q tcpstates_map /proc/$w/maps 2>/dev/null && break
	sleep 0.5
done
grep -q tcpstates_map /proc/$w/maps 2>/dev/null
ok $? "the reader has the ring mapped"
rmmod tcpstates 2>/tmp/map.rmmod
r=$?
kill $w; wait $w 2>/dev/null
[ $r != 0 ] && loaded
ok $? "rmmod while a reader has it mapped fails ($(tr -d '\n' </tmp/map.rmmod))"
rmmod tcpstates
ok $? "and succeeds once the reader is gone"

# A reader that falls behind: its losses, exactly
lost_in() {	# lost_in STDERR: the events the CLI said it lost in all
	sed -n 's/.*: \([0-9]*\) events lost in all.*/\1/p' "$1"
}
load_module ring_size=64
"$CLI" watch -a -j >/tmp/map.slow 2>/tmp/map.slow.err &
w=$!
sleep "$(slow 2)"
first=$(counter events)
kill -STOP $w
"$TCPCONN" -4 -p 5727 -n 50 -q >/dev/null
kill -CONT $w
sleep "$(slow 3)"
last=$(counter events)
kill -INT $w; wait $w
sed 's/^/# /' /tmp/map.slow.err
lost=$(lost_in /tmp/map.slow.err)
# (other events may come before FIRST and after LAST: TIME_WAIT ends)
got=$(python3 -c 'import json, sys
print(sum(int(sys.argv[2]) < json.loads(l)["seq"] <= int(sys.argv[3]) for l in open(sys.argv[1])))' \
	/tmp/map.slow "$first" "$last")
is "$((got + ${lost:-0}))" "$((last - first))" \
	"a stopped reader: printed ($got) + lost (${lost:-none}) = the events that happened ($((last - first)))"
[ "${lost:-0}" -gt 0 ] && [ "$(counter drops_ring_overwritten)" -ge "$lost" ] &&
	! grep -q multicast /tmp/map.slow.err
ok $? "its loss was the ring's overwriting (drops_ring_overwritten $(counter drops_ring_overwritten)), from the map, not netlink"
python3 -c 'import json, sys
s = [json.loads(l)["seq"] for l in open(sys.argv[1])]
print(s == sorted(set(s)))' /tmp/map.slow >/tmp/map.order
is "$(cat /tmp/map.order)" "True" "every event once, in order"

# A reader whose output blocks (a pipe nobody reads until the burst is
# over) loses nothing while its queue has room: the ring waits only for its
# copying thread. That thread must still run once per 4,096 events: the
# connections come in 12 rounds of 50 (about 500 events each) with a pause
# between, so that a guest whose vCPUs the host stalls cannot overrun the
# ring (76 events were lost so once in CI on 6.1, with one burst of 6,000).
load_module
rm -f /tmp/map.go
"$CLI" watch -a -j 2>/tmp/map.block.err |
	{ while [ ! -e /tmp/map.go ]; do sleep 0.1; done; cat >/tmp/map.block; } &
w=$!
sleep "$(slow 2)"
first=$(counter events)
for i in $(seq 12); do
	"$TCPCONN" -4 -p 5728 -n 50 -q >/dev/null
	sleep 0.3
done
last=$(counter events)
touch /tmp/map.go
sleep "$(slow 6)"
pkill -INT -f "^$CLI watch -a -j\$"
wait $w
sed 's/^/# /' /tmp/map.block.err
got=$(python3 -c 'import json, sys
print(sum(int(sys.argv[2]) < json.loads(l)["seq"] <= int(sys.argv[3]) for l in open(sys.argv[1])))' \
	/tmp/map.block "$first" "$last")
[ $((last - first)) -gt 4096 ] && [ "$got" = $((last - first)) ] && ! grep -q lost /tmp/map.block.err
ok $? "a reader blocked on its output: all $got of $((last - first)) events, more than the ring's 4096 (its queue kept them)$(l=$(lost_in /tmp/map.block.err); [ -z "$l" ] || echo "; lost $l")"
unload_module
done_testing
