#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Prometheus exporter on the host (no module here: the VM test
# test_75_exporter.sh runs it against the module under a real Prometheus):
# its unit tests; promtool check metrics on the metrics of a snapshot that
# has every family, and on what the real exporter serves over HTTP; the
# HTTP answers and the option errors; promtool check rules and
# promtool test rules on the alerting rules, promtool check config on the
# scrape snippet; systemd-analyze verify on the unit, where systemd is.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
top=$(cd "$here/../../.." && pwd)
exp=$top/tools/tcpstates-exporter
prom=$top/tools/prometheus

if ! command -v promtool >/dev/null || ! command -v curl >/dev/null; then
	echo "1..0 # SKIP promtool or curl missing (scripts/deps.sh installs prometheus and curl)"
	exit 0
fi

"$here/exporter_test" >"$tmp/unit"
st=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "unit: ${line#ok [0-9]* - }" ;;
	"not ok "*) ok 1 "unit: ${line#not ok [0-9]* - }" ;;
	esac
done <"$tmp/unit"
ok $st "unit tests exit 0"

"$here/exporter_test" --render >"$tmp/full.prom"
out=$(promtool check metrics <"$tmp/full.prom" 2>&1)
ok $? "promtool check metrics: a snapshot with every family, state, cause, port and holder"
[ -z "$out" ]
ok $? "promtool check metrics reports nothing${out:+: $out}"
fams=$(grep -c '^# TYPE' "$tmp/full.prom")
series=$(grep -vc '^#' "$tmp/full.prom")
echo "# that snapshot: $fams metric families, $series series"

# The real exporter over HTTP, on a free loopback port
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$exp" --listen "127.0.0.1:$port" --port 80 --top 3 2>"$tmp/exp.err" &
pid=$!
for i in $(seq 50); do
	curl -sf "http://127.0.0.1:$port/" >/dev/null && break
	sleep 0.1
done
res=$(curl -s -o "$tmp/m" -w '%{http_code}|%{content_type}|%{time_total}' "http://127.0.0.1:$port/metrics")
IFS='|' read -r code ctype secs <<<"$res"
ok "$([ "$code" = 200 ] && [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]; echo $?)" \
	"GET /metrics: 200, the text format 0.0.4 (got: $res)"
if grep -qx 'tcpstates_up 1' "$tmp/m"; then
	echo "# the tcpstates module is loaded on this host"
	ok 0 "tcpstates_up 1: the module answered"
else
	grep -qx 'tcpstates_up 0' "$tmp/m" &&
		grep -qx 'tcpstates_scrape_error{reason="module_not_loaded"} 1' "$tmp/m" &&
		grep -q '^# tcpstates-exporter: the tcpstates module is not loaded' "$tmp/m"
	ok $? "no module: tcpstates_up 0, the reason and the message"
fi
ok "$(awk -v s="$secs" 'BEGIN { exit !(s < 1) }'; echo $?)" "a scrape answers at once (${secs} s)"
out=$(promtool check metrics <"$tmp/m" 2>&1)
ok "$([ $? = 0 ] && [ -z "$out" ]; echo $?)" "promtool check metrics on the real exporter's answer${out:+: $out}"
curl -s -o "$tmp/m2" "http://127.0.0.1:$port/metrics"
grep -q '^tcpstates_up ' "$tmp/m2"
ok $? "it answers again (each scrape reads afresh)"
conns=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "http://127.0.0.1:$port/metrics" "http://127.0.0.1:$port/metrics")
ok "$([ "$conns" = "1 0 " ]; echo $?)" "keep-alive: two scrapes on one connection (new connections: $conns)"
ok "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope" | grep -qx 404; echo $?)" "an unknown path: 404"
ok "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/metrics" | grep -qx 405; echo $?)" "POST: 405"
ok "$(curl -sI "http://127.0.0.1:$port/metrics" | head -n1 | grep -q ' 200'; echo $?)" "HEAD /metrics: 200"
kill -TERM $pid
wait $pid
ok $? "SIGTERM: exits 0"
grep -q "listening on 127.0.0.1:$port" "$tmp/exp.err"
ok $? "says where it listens"

"$exp" --once >"$tmp/once"
st=$?
grep -q '^tcpstates_up ' "$tmp/once" && { [ $st = 0 ] || [ $st = 1 ]; }
ok $? "--once prints one scrape (exit $st: 0 with the module, 1 without)"

bad() {	# bad DESCRIPTION ARGS...: exit 2 with one line naming the problem
	local d=$1 out st
	shift
	out=$("$exp" "$@" 2>&1 >/dev/null)
	st=$?
	ok "$([ $st = 2 ] && [ "$(wc -l <<<"$out")" = 1 ]; echo $?)" "refused: $d (exit $st: $out)"
}
bad "--netns bogus" --netns bogus
bad "--port 0" --port 0
bad "--port 70000" --port 70000
bad "--top 101" --top 101
bad "--listen with no port" --listen 127.0.0.1:
bad "--listen an unknown host" --listen no.such.host.invalid:1
bad "a stray argument" stray
many=$(seq -s, 1 65)
bad "65 ports" --port "$many"
out=$("$exp" --port 80,443,80 --once 2>/dev/null | grep -c '^tcpstates_local_port_connections{port="80",family="ipv4"')
ok "$([ "$out" = 0 ] || [ "$out" = 10 ]; echo $?)" "a port listed twice is served once"
"$exp" --help | grep -q -- '--bucket-step'
ok $? "--help lists the options"

out=$(promtool check rules "$prom/tcpstates-rules.yml" 2>&1)
ok $? "promtool check rules tcpstates-rules.yml"
out=$(cd "$prom" && promtool test rules tcpstates-rules.test.yml 2>&1)
st=$?
[ $st = 0 ] || echo "$out" | sed 's/^/# /'
ok $st "promtool test rules: every alert fires where it should and only there"
out=$(promtool check config "$prom/scrape.yml" 2>&1)
ok $? "promtool check config on the scrape snippet (with the rules beside it)"
# the rules' tests can fail: a rule that never fires
sed 's/tcpstates_up == 0/tcpstates_up == 2/' "$prom/tcpstates-rules.yml" >"$tmp/tcpstates-rules.yml"
cp "$prom/tcpstates-rules.test.yml" "$tmp/"
(cd "$tmp" && promtool test rules tcpstates-rules.test.yml >/dev/null 2>&1)
ok "$([ $? != 0 ]; echo $?)" "promtool test rules fails on a broken rule"

if command -v systemd-analyze >/dev/null; then
	sed "s|^ExecStart=/usr/local/sbin/tcpstates-exporter|ExecStart=$exp|" \
		"$prom/tcpstates-exporter.service" >"$tmp/tcpstates-exporter.service"
	out=$(systemd-analyze verify "$tmp/tcpstates-exporter.service" 2>&1 | grep -v -e 'modprobe' -e "Command 'man " -e '^$')
	ok "$([ -z "$out" ]; echo $?)" "systemd-analyze verify: the unit is clean${out:+: $out}"
fi
echo "1..$n"
