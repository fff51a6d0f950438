#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tcpstates-suite: tools
# The Prometheus exporter under a real Prometheus (Debian's), scraping it
# every second: no module, then the module loaded (the exporter picks it
# up); a scripted workload; Prometheus' totals against the scripted
# connections (handshakes, closes by cause) and the module's own counters;
# the state gauge against ss -tan at the same moment; per-port and
# per-process series; promtool check metrics on the real answer; the
# rules loaded by Prometheus; unload and reload (a counter reset).
. "$(dirname "$0")/lib.sh"

EXP=$TOP/tools/tcpstates-exporter
W=/tmp/exporter
EPORT=18238
mkdir -p "$W"

for c in prometheus promtool curl; do
	command -v $c >/dev/null || { echo "not ok - $c is not installed (scripts/deps.sh)"; exit 1; }
done
# room for the TIME_WAIT sockets of this test after the earlier tests' churn
sysctl -qw net.ipv4.tcp_max_tw_buckets=262144

# Queries go through one HTTP connection kept open (a python3 client
# between two FIFOs): a new connection per query would be transitions of
# its own, in the very counts under test.
mkfifo "$W/pq.in" "$W/pq.out"
exec 7<>"$W/pq.in" 8<>"$W/pq.out"
python3 -u -c '
import http.client, json, sys, urllib.parse
c = None
def get(path):
    global c
    for attempt in (1, 2):
        try:
            if c is None:
                c = http.client.HTTPConnection("127.0.0.1", 9090, timeout=30)
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        except Exception:
            if c is not None:
                c.close()
            c = None
    return None, None
for line in sys.stdin:
    q, _, t = line.rstrip("\n").partition("\t")
    if q == "READY":
        st, _ = get("/-/ready")
        print("ready" if st == 200 else "error")
        continue
    if q == "RULES":
        st, body = get("/api/v1/rules")
        r = [x for g in json.loads(body)["data"]["groups"] for x in g["rules"]] if st == 200 else []
        print(len(r), sum(1 for x in r if x.get("health") == "ok"))
        continue
    p = {"query": q}
    if t:
        p["time"] = t
    st, body = get("/api/v1/query?" + urllib.parse.urlencode(p))
    try:
        r = json.loads(body)["data"]["result"]
        print(r[0]["value"][1] if r else "none")
    except Exception:
        print("error")
' <"$W/pq.in" >"$W/pq.out" &
pqpid=$!
# pq QUERY [TIME]: the value of an instant query's first result ("none":
# no result), at TIME (epoch seconds) or now
pq() {
	local v
	printf '%s\t%s\n' "$1" "${2:-}" >&7
	IFS= read -r v <&8
	echo "$v"
}
# scraped_after T: wait until Prometheus has a scrape that began after T
# (epoch seconds), up to 40 s
scraped_after() {
	local i ts
	for i in $(seq 160); do
		ts=$(pq 'timestamp(tcpstates_scrape_duration_seconds)')
		[ "$ts" != none ] && [ "$ts" != error ] &&
			awk -v a="$ts" -v b="$1" 'BEGIN { exit !(a > b) }' && return 0
		sleep 0.25
	done
	return 1
}
metric() {	# metric FILE NAME{LABELS}: a value from an exporter answer
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
# ss_counts: "state count" of every TCP socket of every namespace, by the
# exporter's state names
ss_counts() {
	{
		ss -tanH
		for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
			ip netns exec "$ns" ss -tanH
		done
	} | awk '{ n[$1]++ } END {
		m["ESTAB"] = "established"; m["SYN-SENT"] = "syn_sent"; m["SYN-RECV"] = "syn_recv"
		m["FIN-WAIT-1"] = "fin_wait1"; m["FIN-WAIT-2"] = "fin_wait2"; m["TIME-WAIT"] = "time_wait"
		m["CLOSE-WAIT"] = "close_wait"; m["LAST-ACK"] = "last_ack"; m["LISTEN"] = "listen"
		m["CLOSING"] = "closing"; m["UNCONN"] = "close"
		for (s in n) print (s in m ? m[s] : s), n[s] }' | sort
}

# what this test starts, ended however it ends
cleanup() {
	kill ${prom:-} ${exp:-} ${pqpid:-} ${cw:-} ${hold:-} 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT

unload_module

# 1. No module: an answer at once, up 0 and why
"$EXP" --listen 127.0.0.1:$EPORT --port 5956 --remote-port 5956 --top 10 --table-interval 0 \
	2>"$W/exp.err" &
exp=$!
for i in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$EPORT/" && break; sleep 0.1; done
res=$(curl -s -o "$W/m0" -w '%{http_code} %{time_total}' "http://127.0.0.1:$EPORT/metrics")
is "${res% *}" 200 "no module: /metrics answers"
ok "$(awk -v s="${res#* }" 'BEGIN { exit !(s < 2) }'; echo $?)" "no module: at once (${res#* } s)"
grep -qx 'tcpstates_up 0' "$W/m0" && grep -qx 'tcpstates_scrape_error{reason="module_not_loaded"} 1' "$W/m0"
ok $? "no module: tcpstates_up 0 and reason module_not_loaded"
out=$(promtool check metrics <"$W/m0" 2>&1)
ok "$([ $? = 0 ] && [ -z "$out" ]; echo $?)" "no module: promtool check metrics is clean${out:+: $out}"

# 2. The module loaded: the next scrape reads it (the exporter retries)
load_module
curl -s -o "$W/m1" "http://127.0.0.1:$EPORT/metrics"
is "$(metric "$W/m1" tcpstates_up)" 1 "module loaded: the next scrape has tcpstates_up 1"
grep -q 'the module answers again' "$W/exp.err"
ok $? "the exporter logged the module coming back"

# 3. Prometheus, scraping every second, with the rules loaded
cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP/tools/prometheus/tcpstates-rules.yml
scrape_configs:
  - job_name: tcpstates
    static_configs:
      - targets: ['127.0.0.1:$EPORT']
EOF
GOMAXPROCS=2 GOGC=50 prometheus --config.file="$W/prometheus.yml" \
	--storage.tsdb.path="$W/tsdb" --storage.tsdb.retention.time=1h \
	--web.listen-address=127.0.0.1:9090 --log.level=warn 2>"$W/prom.err" &
prom=$!
t0=$(date +%s)
for i in $(seq 240); do [ "$(pq READY)" = ready ] && break; sleep 0.5; done
is "$(pq READY)" ready "Prometheus is ready ($(($(date +%s) - t0)) s)"
scraped_after "$(date +%s.%N)"
ok $? "Prometheus scrapes the exporter"
is "$(pq 'up{job="tcpstates"}')" 1 "Prometheus: the target is up"
is "$(pq 'tcpstates_up')" 1 "Prometheus: tcpstates_up 1"

# 4. The workload, between two scrapes. Baseline first.
declare -A Q=(
	[hs_active]='tcpstates_handshake_duration_seconds_count{role="active"}'
	[hs_passive]='tcpstates_handshake_duration_seconds_count{role="passive"}'
	[established]='tcpstates_transitions_total{old_state="syn_sent",new_state="established"}'
	[refused]='tcpstates_closes_total{cause="refused",role="active"}'
	[reset_sent]='tcpstates_closes_total{cause="reset_sent",role="active"}'
	[reset_received]='tcpstates_closes_total{cause="reset_received",role="passive"}'
	[normal_passive]='tcpstates_closes_total{cause="normal",role="passive"}'
)
declare -A B A
scraped_after "$(date +%s.%N)"
for k in "${!Q[@]}"; do B[$k]=$(pq "${Q[$k]}"); done
"$TCPCONN" -4 -p 5951 -n 20 -q >/dev/null
"$TCPCONN" -6 -p 5952 -n 10 -q >/dev/null
for i in 1 2 3 4 5; do "$TCPCONN" -4 -p 5953 -m refused -q >/dev/null; done
"$TCPCONN" -4 -p 5954 -m abort -n 4 -q >/dev/null
# held: one connection in CLOSE_WAIT (its client in FIN_WAIT2), one established
"$TCPCONN" -4 -p 5955 -m close-wait >"$W/cw" &
cw=$!
"$TCPCONN" -4 -p 5956 -m hold >"$W/hold" &
hold=$!
for i in $(seq 100); do grep -q ready "$W/cw" && grep -q client_port "$W/hold" && break; sleep 0.1; done
sleep 0.5
scraped_after "$(date +%s.%N)"
for k in "${!Q[@]}"; do A[$k]=$(pq "${Q[$k]}"); done
d() { awk -v a="${A[$1]}" -v b="${B[$1]}" 'BEGIN { print a - b }'; }
# 20 + 10 client-first, 4 aborted, 1 close-wait, 1 held: 36 handshakes each way
is "$(d hs_active)" 36 "Prometheus: 36 active handshakes counted (${B[hs_active]} -> ${A[hs_active]})"
is "$(d hs_passive)" 36 "Prometheus: 36 passive handshakes counted"
is "$(d established)" 36 "Prometheus: 36 SYN_SENT -> ESTABLISHED"
is "$(d refused)" 5 "Prometheus: 5 closes refused (active)"
is "$(d reset_sent)" 4 "Prometheus: 4 closes reset_sent (the aborting clients)"
is "$(d reset_received)" 4 "Prometheus: 4 closes reset_received (their servers)"
is "$(d normal_passive)" 30 "Prometheus: 30 normal passive closes (the client-first servers)"

# 5. Totals equal the module's own counters, and the state gauge what
# ss -tan counts, at the same moment: a scrape between two identical
# readings, no event in between (a TIME_WAIT socket of an earlier test may
# end at any time: retried).
# What is comparable: ss also lists SYN-RECV request sockets (the module
# counts no request socket: a connection is in SYN_RECV only once it is a
# full socket) and UNCONN (CLOSE) sockets, which the gauge leaves out.
states="established syn_sent fin_wait1 fin_wait2 time_wait close_wait last_ack listen closing"
same=1 tries=0
while [ $tries -lt 30 ]; do
	tries=$((tries + 1))
	e1=$(counter events)
	ss_counts >"$W/ss1"
	t=$(date +%s.%N)
	scraped_after "$t" || continue
	ss_counts >"$W/ss2"
	e2=$(counter events)
	[ "$e1" = "$e2" ] && cmp -s "$W/ss1" "$W/ss2" || continue
	pev=$(pq tcpstates_events_total)
	psum=$(pq 'sum(tcpstates_transitions_total)')
	: >"$W/gauge"
	for s in $states; do
		echo "$s $(pq "tcpstates_connection_states{state=\"$s\"}")" >>"$W/gauge"
	done
	# the scrape read must be the one between the readings
	ts=$(pq 'timestamp(tcpstates_events_total)')
	[ "$(counter events)" = "$e1" ] && awk -v a="$ts" -v b="$t" 'BEGIN { exit !(a > b) }' || continue
	same=0
	break
done
ok $same "a scrape with no transition around it ($tries tries)"
is "$pev" "$e1" "Prometheus: tcpstates_events_total equals the module's events ($e1)"
is "$psum" "$e1" "Prometheus: the transitions add up to the module's events"
for s in $states; do
	want=$(awk -v s="$s" '$1 == s { print $2 }' "$W/ss1")
	is "$(awk -v s="$s" '$1 == s { print $2 }' "$W/gauge")" "${want:-0}" \
		"Prometheus: connections in $s as ss -tan counts them (${want:-0})"
done
sed 's/^/# ss: /' "$W/ss1"

# 6. Per-port and per-process series, from the table
cwpid=$(awk '$1 == "pid" { print $2 }' "$W/cw")
is "$(pq "tcpstates_process_connections{state=\"close_wait\",pid=\"$cwpid\",comm=\"tcpconn\"}")" 1 \
	"Prometheus: the CLOSE_WAIT holder (tcpconn, pid $cwpid) by pid and comm"
is "$(pq 'tcpstates_local_port_connections{port="5956",family="ipv4",state="established"}')" 1 \
	"Prometheus: local port 5956: 1 established (the server's child)"
is "$(pq 'tcpstates_local_port_connections{port="5956",family="ipv4",state="listen"}')" 1 \
	"Prometheus: local port 5956: its listener"
is "$(pq 'tcpstates_remote_port_connections{port="5956",family="ipv4",state="established"}')" 1 \
	"Prometheus: remote port 5956: 1 established (the client)"
is "$(pq 'count(tcpstates_process_connections{state="time_wait"}) <= 10')" "$(pq 'count(tcpstates_process_connections{state="time_wait"})')" \
	"Prometheus: at most --top 10 TIME_WAIT holders"

# 7. The real answer, with every option in use, is clean for promtool
curl -s -o "$W/m2" "http://127.0.0.1:$EPORT/metrics"
out=$(promtool check metrics <"$W/m2" 2>&1)
ok "$([ $? = 0 ] && [ -z "$out" ]; echo $?)" "promtool check metrics on the exporter's answer ($(grep -vc '^#' "$W/m2") series)${out:+: $out}"
echo "# scrape took $(metric "$W/m2" tcpstates_scrape_duration_seconds) s"

# 8. Prometheus evaluates the alerting rules without error
is "$(pq RULES)" "8 8" "Prometheus: the 8 alerting rules loaded, all healthy"

kill -USR1 $cw $hold
wait $cw $hold

# 9. Unload: up 0 in Prometheus; reload: up 1, the counters start again.
# Prometheus sees a reset when the first value after the reload is below
# the last one before: first raise the count well above what the sockets
# alive at the reload can add before the next scrape (their ends: a burst
# of an earlier test's TIME_WAIT ends, of 633 sockets, outran the 470
# events before the unload once, on 6.1-rt, and no reset could be seen).
"$TCPCONN" -4 -p 5958 -n 300 -q >/dev/null
scraped_after "$(date +%s.%N)"
before=$(pq tcpstates_events_total)
unload_module
scraped_after "$(date +%s.%N)"
ok $? "module unloaded: Prometheus still scrapes the exporter"
is "$(pq tcpstates_up)" 0 "module unloaded: Prometheus sees tcpstates_up 0"
is "$(pq 'tcpstates_scrape_error')" 1 "module unloaded: and tcpstates_scrape_error"
load_module
"$TCPCONN" -4 -p 5957 -q >/dev/null
scraped_after "$(date +%s.%N)"
is "$(pq tcpstates_up)" 1 "reloaded: Prometheus sees tcpstates_up 1 again"
after=$(pq tcpstates_events_total)
[ "$(pq 'resets(tcpstates_events_total[5m])')" -ge 1 ] 2>/dev/null
ok $? "reloaded: Prometheus sees a counter reset of tcpstates_events_total ($before before the unload, $after after)"

kill $prom $exp $pqpid
wait $prom $exp $pqpid 2>/dev/null
prom='' exp='' pqpid='' cw='' hold=''
[ -s "$W/prom.err" ] && sed 's/^/# prometheus: /' "$W/prom.err" | head -n 5
done_testing
