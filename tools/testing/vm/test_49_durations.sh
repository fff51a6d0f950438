#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Times never wrap or saturate: a connection held ESTABLISHED past 71.6
# minutes (2^32 microseconds, where a u32 of microseconds stops) shows its
# whole time there once it leaves the state. The long suite (make stress)
# holds it 72 minutes; the short one a few seconds, for the same checks.
. "$(dirname "$0")/lib.sh"

case ${TCPSTATES_SCALE:-short} in
long) hold_s=4320 ;;	# 72 minutes
*) hold_s=3 ;;
esac
load_module
"$TCPCONN" -4 -p 5491 -m hold >/tmp/dur.hold &
hold=$!
for _ in $(seq 50); do grep -q client_port /tmp/dur.hold && break; sleep 0.1; done
cport=$(awk '/^client_port/ { print $2 }' /tmp/dur.hold)
echo "# holding the connection ESTABLISHED for $hold_s s"
sleep "$hold_s"
kill -USR1 $hold
wait $hold
# The client, now in TIME_WAIT, keeps its time per state in the table.
est_ms=$(evq /proc/tcpstates_conns 'f["LOCAL"] == l && f["REMOTE"] == "127.0.0.1:5491"' 'f["DURATIONS_MS"]' -v l="127.0.0.1:$cport" |
	tr ',' '\n' | sed -n 's/^ESTABLISHED=//p')
awk -v t="$est_ms" -v h="$hold_s" 'BEGIN { exit !(t >= h * 1000 && t < (h + 60) * 1000) }'
ok $? "the client's time in ESTABLISHED is the whole ${hold_s} s and more (${est_ms:-none} ms)"
prev_ms=$(evq /proc/tcpstates 'f["LOCAL"] == l && f["REMOTE"] == "127.0.0.1:5491" && f["NEWSTATE"] == "FIN_WAIT1"' 'f["PREV_MS"]' -v l="127.0.0.1:$cport")
awk -v t="$prev_ms" -v e="$est_ms" 'BEGIN { d = t - e; exit !(d < 1 && d > -1) }'
ok $? "its ESTABLISHED -> FIN_WAIT1 event says the same (${prev_ms:-none} ms)"
done_testing
