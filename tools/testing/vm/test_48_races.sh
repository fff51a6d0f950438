#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Races the kernel rarely shows, made to happen by the tests' fault module
# (tools/testing/faults): a child discarded because another CPU's child
# took its request; a timewait socket destroyed on another CPU before the
# full socket's own CLOSE; a socket that closes while the module seeds the
# table at load. Each leaves no phantom event and no stale entry.
. "$(dirname "$0")/lib.sh"

# fault NAME PORT [ARGS...]: load the fault module armed for PORT
fault() {
	local name=$1 port=$2
	shift 2
	rmmod tcpstates_faults 2>/dev/null
	insmod "$FAULTS_KO" fault="$name" port="$port" "$@"
}
fired() { dmesg | grep -q "tcpstates_faults: $1 fired on port $2"; }
on() { evq "$2" 'f["LOCAL"] ~ p' "$3" -v p=":$1\$"; }

# 1. A child that loses its request: the client gets a RST for its ACK.
load_module
if ! fault child_race 5481 2>/dev/null; then
	echo "ok - # SKIP child_race: $(dmesg | grep -o 'child_race: this kernel.*' | tail -n1)"
else
python3 - 5481 <<'PY' >/tmp/race.child
import socket, sys, time
port = int(sys.argv[1])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('127.0.0.1', port)); ls.listen(5)
c = socket.socket()
try:
    c.connect(('127.0.0.1', port))
    time.sleep(0.5)
    c.send(b'x'); time.sleep(0.3); c.recv(1)
    print('no reset')
except OSError as e:
    print('the client got a reset' if isinstance(e, ConnectionResetError) else repr(e))
ls.close()
PY
fired child_race 5481
ok $? "child_race fired: the child was discarded ($(cat /tmp/race.child))"
sleep 0.5
cat /proc/tcpstates >/tmp/race.events
is "$(on 5481 /tmp/race.events 'f["OLDSTATE"] "->" f["NEWSTATE"]' | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"CLOSE->LISTEN LISTEN->CLOSE " "no event of the discarded child: only the listener's"
is "$(on 5481 /proc/tcpstates_conns 1 | wc -w)" 0 "no entry left behind for it"
rmmod tcpstates_faults
fi

# 2. The timewait socket goes before the full socket's own CLOSE.
fault tw_kill 5482
"$TCPCONN" -4 -p 5482 >/tmp/race.tw
fired tw_kill 5482
ok $? "tw_kill fired: the client's timewait socket was destroyed at once"
cport=$(awk '/^client_port/ { print $2 }' /tmp/race.tw)
cat /proc/tcpstates >/tmp/race.events
cc=$(cookie /tmp/race.events "127.0.0.1:$cport" 127.0.0.1:5482)
# The timewait socket is in TIME_WAIT when the peer's FIN came first; in
# its FIN_WAIT2 substate when the ACK of the client's FIN came alone (a
# slow server): then it ends from FIN_WAIT2. Either way one CLOSE, the
# timewait socket's, and none of the full socket's after it.
sub=$(dmesg | sed -n 's/.*tw_kill: the timewait socket is in its \([A-Z_0-9]*\) substate.*/\1/p' | tail -n1)
want="CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->TIME_WAIT TIME_WAIT->CLOSE"
[ "$sub" = FIN_WAIT2 ] &&
	want="CLOSE->SYN_SENT SYN_SENT->ESTABLISHED ESTABLISHED->FIN_WAIT1 FIN_WAIT1->FIN_WAIT2 FIN_WAIT2->CLOSE"
is "$(transitions /tmp/race.events "$cc")" "$want" \
	"the client (its timewait socket in ${sub:-?}): one CLOSE, no FIN_WAIT2 -> CLOSE of the full socket after it"
is "$(evcol /tmp/race.events "$cc" CLOSE CAUSE)" tw_early "its end: tw_early"
is "$(evq /proc/tcpstates_conns 'f["COOKIE"] == c' 1 -v c="$cc" | wc -w)" 0 "no entry left behind for it"
rmmod tcpstates_faults
unload_module

# 3. A connection closes while the seeding at load holds its socket.
# The loader spins on CPU 0, preemption off; the connection's ends, and
# this shell with the processes it starts, run on CPU 1, so that they can
# close meanwhile. On PREEMPT_RT an ordinary task's timers expire in a
# thread of the CPU they were set on: a `sleep` of this shell that had
# been on CPU 0 did not wake within the 10 s (4 runs in 26 on 6.1-rt).
pin_conn=() pin_load=()
if [ "$(nproc)" -ge 2 ]; then
	pin_conn=(taskset -c 1) pin_load=(taskset -c 0)
	taskset -pc 1 $$ >/dev/null
fi
"${pin_conn[@]}" "$TCPCONN" -4 -p 5483 -m hold >/tmp/race.hold &
hold=$!
for _ in $(seq 50); do grep -q client_port /tmp/race.hold && break; sleep 0.1; done
fault seed_delay 5483
"${pin_load[@]}" insmod "$KO" &
loader=$!
for _ in $(seq 100); do dmesg | grep -q 'seed_delay: holding' && break; sleep 0.1; done
dmesg | grep -q 'seed_delay: holding'
ok $? "the seeding holds the server's established socket"
kill -USR1 $hold	# the client closes; the server child goes through LAST_ACK to CLOSE
wait $hold
wait $loader
ok $? "insmod completed"
sleep 0.5
dmesg | grep 'seed_delay: done' | sed 's/^/# /'
dmesg | grep -q 'seed_delay: done.*(closing)'
ok $? "the server child closed while the seeding held it"
cat /proc/tcpstates >/tmp/race.events
[ "$(on 5483 /tmp/race.events 'f["NEWSTATE"]' | tr ' ' '\n' | grep -c '^CLOSE$')" -ge 1 ]
ok $? "and its CLOSE was seen"
is "$(on 5483 /proc/tcpstates_conns 'f["STATE"]' | wc -w)" 0 \
	"the closed child was not seeded back into the table"
rmmod tcpstates_faults
if [ "$(nproc)" -ge 2 ]; then taskset -pc "0-$(($(nproc) - 1))" $$ >/dev/null; fi
done_testing
