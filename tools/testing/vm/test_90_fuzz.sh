#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink family under fuzzing (tools/testing/nlfuzz.c):
# malformed, random and boundary requests, dumps of a full ring while
# connections churn, dumps abandoned mid-way and dumps from other threads
# at the same time; then the same unprivileged, and as the root of a user
# namespace. Every request must get the answer nlfuzz's model of the
# kernel predicts (or none where the netlink core drops it), the family
# must answer afterwards, and the VM runner fails the run on any kernel
# report.
#
# TCPSTATES_SCALE: short (default, CI) or long (100,000 privileged, 30,000
# unprivileged, 20,000 namespace-root messages, and the dumping threads');
# TCPSTATES_FUZZ_SEED: the seed (default: the time; printed either way).
. "$(dirname "$0")/lib.sh"

FUZZ=$TESTING/nlfuzz
NLT=$TESTING/nltest
SCALE=${TCPSTATES_SCALE:-short}
case $SCALE in
short) n=5000 nu=5000 nns=2000 threads=2 ;;
long) n=100000 nu=30000 nns=20000 threads=3 ;;
*) echo "not ok - TCPSTATES_SCALE is short or long, not '$SCALE'"; exit 1 ;;
esac
seed=${TCPSTATES_FUZZ_SEED:-$(date +%s)}
echo "# scale $SCALE seed $seed"

# val FILE KEY: a value of nlfuzz's "key value" output
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
# errno_count FILE NAME: how many answers had that errno
errno_count() { awk -v e="$2" '$1 == "errno" && $2 == e { print $3 }' "$1"; }
# summary FILE: nlfuzz's totals on one comment line, then what it reported
summary() {
	grep -E '^(seed|mode|time_ms|sent|category|answered|errno|errors|acked|dumps|dump_records|largest|unanswered|answered|bad|wrong|unexpected|ebusy|result)' "$1" |
		tr '\n' ',' | sed 's/,$//; s/,/, /g; s/^/# /'
	echo
	grep '^# ' "$1" | head -40
	grep "^nlfuzz: " "$1" | sed "s/^/# /"
}

sysctl -qw net.ipv4.tcp_max_tw_buckets=262144
load_module
# A full ring, and connections in the table, so that dumps are big
"$TCPCONN" -4 -p 5901 -n 450 -q >/dev/null
"$TCPCONN" -6 -p 5902 -n 20 -q >/dev/null
"$TCPCONN" -4 -p 5903 -m hold >/tmp/fz.hold &
hold=$!
for _ in $(seq 50); do grep -q client_port /tmp/fz.hold && break; sleep 0.1; done
is "$(counter ring_used)" "$(counter ring_size)" "the ring is full before fuzzing ($(counter events) events)"
events0=$(counter events)

# Privileged, while connections churn (tens of events a second), so the
# ring moves under the dumps (and the table stays small: dumps cost time)
(while :; do "$TCPCONN" -4 -p 5904 -n 10 -q; sleep 0.5; done) >/dev/null 2>&1 &
churn=$!
start=$SECONDS
"$FUZZ" -n "$n" -s "$seed" -t "$threads" >/tmp/fz.priv 2>&1
status=$?
took=$((SECONDS - start))
kill $churn 2>/dev/null
wait $churn 2>/dev/null
sleep 1		# a tcpconn of the loop may still run
summary /tmp/fz.priv
is "$status/$(val /tmp/fz.priv result)" 0/ok "privileged: nlfuzz -n $n -t $threads -s $seed passed (${took} s)"
is "$(val /tmp/fz.priv unanswered_unexpected)" 0 "privileged: every request due an answer got one"
is "$(val /tmp/fz.priv unexpected)" 0 "privileged: no unexpected outcome"
[ "$(val /tmp/fz.priv sent)" -ge "$n" ]
ok $? "privileged: $(val /tmp/fz.priv sent) messages sent"
[ "$(val /tmp/fz.priv answered_error)" -gt 0 ] && [ "$(val /tmp/fz.priv dumps_completed)" -gt 0 ] &&
	[ "$(val /tmp/fz.priv answered_data)" -gt 0 ] && [ "$(val /tmp/fz.priv unanswered_expected)" -gt 0 ]
ok $? "privileged: errors, replies, dumps and drops by the core all seen"
[ "$(val /tmp/fz.priv dumps_abandoned)" -gt 0 ] &&
	[ "$(awk '$1 == "category" && $2 == "concurrent" { print $3 }' /tmp/fz.priv)" -gt 0 ]
ok $? "privileged: abandoned ($(val /tmp/fz.priv dumps_abandoned)) and concurrent dumps"
# (the churn overwrites some events while a whole-ring dump runs)
[ "$(val /tmp/fz.priv largest_dump)" -ge $(($(counter ring_size) / 2)) ]
ok $? "privileged: dumps of the whole ring (largest: $(val /tmp/fz.priv largest_dump) records)"

# Unprivileged: every dump refused with EPERM, the rest answered alike
start=$SECONDS
"$FUZZ" --unpriv -n "$nu" -s "$((seed + 1))" -t 1 >/tmp/fz.unpriv 2>&1
status=$?
took=$((SECONDS - start))
summary /tmp/fz.unpriv
is "$status/$(val /tmp/fz.unpriv result)" 0/ok "unprivileged: nlfuzz --unpriv -n $nu passed (${took} s)"
is "$(val /tmp/fz.unpriv mode)" unprivileged "unprivileged: dumps were refused"
is "$(val /tmp/fz.unpriv unexpected)" 0 "unprivileged: no unexpected outcome"
[ "$(errno_count /tmp/fz.unpriv EPERM)" -gt 0 ] && [ "$(val /tmp/fz.unpriv answered_data)" -gt 0 ]
ok $? "unprivileged: $(errno_count /tmp/fz.unpriv EPERM) EPERM, $(val /tmp/fz.unpriv answered_data) stats answered"
is "$(val /tmp/fz.unpriv dumps_completed)" 0 "unprivileged: no dump ran"

# The root of a new user and network namespace: dumps of its namespace
# allowed, of every namespace or another one refused (EPERM)
start=$SECONDS
unshare --user --map-root-user --net bash -c '
	ip link set lo up
	"$2" -4 -p 5905 -n 20 -q >/dev/null
	"$2" -6 -p 5906 -n 5 -q >/dev/null
	"$1" -n "$3" -s "$4" -t 1
' _ "$FUZZ" "$TCPCONN" "$nns" "$((seed + 2))" >/tmp/fz.userns 2>&1
status=$?
took=$((SECONDS - start))
summary /tmp/fz.userns
is "$status/$(val /tmp/fz.userns result)" 0/ok "namespace root: nlfuzz -n $nns passed (${took} s)"
is "$(val /tmp/fz.userns mode)" namespace-root "namespace root: its own namespace only"
[ "$(errno_count /tmp/fz.userns EPERM)" -gt 0 ] && [ "$(val /tmp/fz.userns dumps_completed)" -gt 0 ]
ok $? "namespace root: $(val /tmp/fz.userns dumps_completed) dumps, $(errno_count /tmp/fz.userns EPERM) EPERM"

# The family and the module are sane afterwards
kill -USR1 $hold 2>/dev/null
wait $hold
"$NLT" stats >/tmp/fz.stats
is "$(awk '$1 == "ring_size" { print $2 }' /tmp/fz.stats)" "$(counter ring_size)" "stats answer, ring size as in /proc"
is "$(counter ring_used)" "$(counter ring_size)" "ring still full"
# (one read of the counters: a TIME_WAIT socket of an earlier test may end,
# and count an event, between two reads)
cat /proc/tcpstates_stats >/tmp/fz.counters
c() { counter "$1" /tmp/fz.counters; }
[ "$(c events)" -gt "$events0" ] && [ "$(c conn_used)" -le "$(c conn_max)" ] &&
	[ "$(c ring_first_seq)" = $(($(c events) - $(c ring_size) + 1)) ]
ok $? "counters sane: $(c events) events, ring from $(c ring_first_seq) (size $(c ring_size)), conn_used $(c conn_used) of $(c conn_max)"
"$NLT" events --lport 5903 >/tmp/fz.events
ok $? "an event dump still ends with NLMSG_DONE 0 ($(wc -l </tmp/fz.events) events)"
"$NLT" malformed >/tmp/fz.bad
is "$(grep -c '^not ok' /tmp/fz.bad)" 0 "nltest malformed still passes"
done_testing
