#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The CLI on the host (no module here): unit tests of parsing, filters,
# formatting and JSON (cli_test), JSON checked by a real parser, every
# usage error answered with one line and exit status 2, ss's flags and
# grammar accepted or refused with a hint.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
cli=$here/../../tcpstates

"$here/cli_test" >"$tmp/unit"
st=$?
sed 's/^ok \([0-9]*\)/ok/; s/^not ok \([0-9]*\)/not ok/; /^1\.\./d' "$tmp/unit" >"$tmp/unit.tap"
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "unit: ${line#ok - }" ;;
	"not ok "*) ok 1 "unit: ${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$tmp/unit.tap"
ok $st "unit tests exit 0"

"$here/cli_test" --hostile-json >"$tmp/hostile.json"
python3 -c '
import json, sys
for line in open(sys.argv[1], "rb"):
    line.decode("utf-8")                 # valid UTF-8
    rec = json.loads(line)
    assert rec["comm"] == "\"},{\\\n\x01\xff\xc3", repr(rec["comm"])
' "$tmp/hostile.json"
ok $? "JSON lines with a hostile comm parse back to the same characters"

# what a reader without privilege gets (uid only, no sequence numbers),
# and the fields of family version 2, as JSON
"$here/cli_test" --partial-json >"$tmp/partial.json"
python3 -c '
import json, sys
ev, conn = [json.loads(l) for l in open(sys.argv[1])]
assert ev["tgid"] is None and ev["pid"] is None and ev["comm"] is None, ev
assert ev["snd_nxt"] is None and ev["rcv_nxt"] is None and ev["uid"] == 0, ev
assert ev["cause"] == "error" and ev["errno"] == 92, ev
assert ev["netns_id"] == 99 and ev["partial"] is True, ev
assert conn["partial"] is True and conn["isn_local"] is None and conn["tgid"] is None, conn
assert conn["recv_q"] is None and conn["netns_id"] is None, conn
' "$tmp/partial.json"
ok $? "JSON: absent values are null, never 0 or a wrong label; errno, netns_id, partial"

# issue 17's fields: segments, handshake, cgroup, the data phase, the
# life and listener records, conns' data; null where not sent
"$here/cli_test" --story-json >"$tmp/story.json"
python3 -c '
import json, sys
ev, life, lst, conn = [json.loads(l) for l in open(sys.argv[1])]
seg = ["seg_syn_seq", "seg_synack_seq", "seg_synack_ack", "seg_ack", "seg_fin_seq", "seg_fin_ack"]
assert [ev[k] for k in seg] == [4294967295, 7, 0, None, None, None], ev
assert ev["hs_retrans"] == 1 and ev["hs_wait_ns"] is None and ev["life_ns"] is None, ev
assert ev["cgroup_id"] == 99 and ev["cgroup"] is None and ev["data"] is None, ev
assert life["type"] == "life" and life["life_ns"] == 61000000000 and life["cause"] == "tw_timer", life
assert life["oldstate"] == "TIME_WAIT" and life["local_addr"] == "::1", life
assert life["data"] == {"bytes_acked": 100000, "bytes_received": 100000, "segs_out": 20,
    "segs_in": 0, "retrans": 0, "rto": 0, "tlp": 0, "srtt_us": None, "min_rtt_us": 31}, life
assert life["cgroup_id"] is None and life["cgroup"] is None, life
assert lst["type"] == "listener" and (lst["acceptq_len"], lst["acceptq_max"], lst["syn_drops"], lst["ack_drops"]) == (2, 1, 9, 0), lst
assert lst["recv_q"] is None and lst["send_q"] is None, lst
assert conn["type"] == "conn" and conn["hs_retrans"] == 1 and conn["data"]["bytes_received"] == 3, conn
assert conn["acceptq_len"] is None and conn["syn_drops"] is None and conn["cgroup_id"] is None, conn
' "$tmp/story.json"
ok $? "JSON: segments, handshake, cgroup, data; life, listener and conn records; null where not sent"

# a listener's drop event: its totals and queue in JSON (only there), the
# drop's name as NEWSTATE in text, the queue and the drops without event
# in -e's CAUSE
"$here/cli_test" --drop >"$tmp/drop.out"
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
drop, other = json.loads(lines[0]), json.loads(lines[5])
assert (drop["oldstate"], drop["newstate"], drop["cause"], drop["role"]) == ("LISTEN", "LISTEN", "ack_dropped", "listener"), drop
assert [drop[k] for k in ("syn_drops", "ack_drops", "drops_suppressed", "acceptq_len", "acceptq_max")] == [7, 1, 3, 2, 1], drop
assert not any(k in other for k in ("syn_drops", "ack_drops", "drops_suppressed", "acceptq_len", "acceptq_max")), other
assert lines[2].split()[5:7] == ["LISTEN", "ACK_DROPPED"], lines[2]
assert "ack_dropped(2/1,+3)" in lines[4].split(), lines[4]
' "$tmp/drop.out"
ok $? "a drop event: JSON totals and queue (on drop events only), ACK_DROPPED in text, ack_dropped(2/1,+3) with -e"

# usage errors: one line, naming the problem, exit 2
usage() {	# usage WANT-REGEX DESCRIPTION ARGS...
	local want=$1 desc=$2
	shift 2
	"$cli" "$@" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	[ $st = 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
		grep -q -- "$want" "$tmp/err"
	ok $? "$desc: exit $st, '$(cat "$tmp/err")'"
}
usage "unknown option --bogus" "unknown long option" conns --bogus
usage "unknown option -Z" "unknown short option" -Z events
usage "bad --lport '99999'" "port out of range" events -L 99999
usage "bad --rport '80,x'" "junk in a port list" events --rport 80,x
usage "bad --state 'NOPE'" "unknown state" conns --state NOPE
usage "bad --addr '10.0.0.0/33'" "bad prefix" conns --addr 10.0.0.0/33
usage "bad --pid 'abc'" "bad pid" conns --pid abc
usage "bad --netns 'no-such-ns': no network namespace named 'no-such-ns'" "a namespace name not in /run/netns" conns --netns no-such-ns
usage "bad --netns '1': no process is in network namespace 1" "a namespace inode nobody is in" conns -N 1
usage "bad --netns '/etc/hostname': /etc/hostname is not a network namespace" "a path that is no namespace" conns -N /etc/hostname
usage "bad --sort 'size'" "bad sort key" conns --sort size
usage "bad --count '-1': want a number of events" "negative count" watch --count -1
usage "bad --duration '0'" "zero duration" watch --duration 0
usage "needs a value" "missing value" events -L
usage "is for conns and listeners only" "--sort on events" events --sort age
usage "is for watch and life only" "--since on conns" conns --since 5
usage "is for watch only" "--ladder on life" life --ladder
usage "is for life only" "--ring on events" events --ring
usage "'state' does not apply to life" "state on life" life state established
usage "'state' does not apply to listeners" "state on listeners" listeners --state close-wait
usage "--ring reads the ring once: --duration is for following live" "--ring with --duration" life --ring --duration 5
usage "--ring reads the ring once: --no-map is for following live" "--ring with --no-map" life --ring --no-map
usage "is for watch and life only" "--no-map on events" events --no-map
usage "bad --cgroup 'x/y': want a path under the cgroup2 mount" "--cgroup with a relative path" conns --cgroup x/y
usage "bad filter: cgroup '/no-such-cgroup': no cgroup\(2 file system is mounted\| /no-such-cgroup under \)" \
	"cgroup: a path that is no cgroup" events cgroup /no-such-cgroup
usage "unknown command 'frobnicate'" "unknown command" frobnicate
usage "unknown key 'extra'" "an argument that is no filter" stats extra
usage "missing COOKIE: show needs a connection COOKIE" "show without a cookie" show
usage "bad COOKIE 'abc'" "show with a bad cookie" show abc
# flags ss has: the same meaning here, or refused with what to type
usage "unknown option -w: it is ss's --raw .*wide output is -e" "-w (ss: raw sockets) refused, pointing to -e" events -w
usage "unknown option -D: it is ss's --diag; a remote port is 'dport = :PORT'" "-D (ss: diag) refused" events -D 443
usage "unknown option -S: it is ss's --sctp; sorting is --sort" "-S (ss: sctp) refused" conns -S age
usage "unknown option -r: it is ss's --resolve" "-r (ss: resolve) refused" conns -r
usage "unknown option -d: it is ss's --dccp; a duration is --duration" "-d (ss: dccp) refused" watch -d 5
usage "-s is the summary command (as ss -s), not an option of conns" "-s is ss's summary" conns -s
usage "'1234': a number needs a key (pid 1234" "bcc's -p PID: says to write pid 1234" events -p 1234
# the filter grammar
usage "bad filter: '(' without ')'" "unbalanced parenthesis" conns '( dport = :443 or sport = :443'
usage "'cause' is about events" "cause on conns" conns cause timeout
usage "'dport' wants a port (:443 or a service), not ':x'" "a bad port" events dport = :x

# the module is not loaded on this machine: say so and how to load it
notloaded() {	# notloaded DESCRIPTION ARGS...
	local desc=$1
	shift
	"$cli" "$@" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	[ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
		grep -q 'module is not loaded; load it with: sudo modprobe tcpstates' "$tmp/err"
	ok $? "$desc: module not loaded, one line, how to load it, exit 2 ($st)"
}
notloaded "conns" conns
notloaded "no command runs watch (as bcc's tcpstates)"
notloaded "no command, with a filter, runs watch" -L 80 state established
notloaded "ss habits are accepted: conns -tanp" conns -tanp
notloaded "-s alone is the summary (as ss -s)" -s
notloaded "the grammar: state established '( dport = :443 or sport = :443 )'" \
	conns state established '( dport = :443 or sport = :443 )'
notloaded "the grammar: dst 10.0.0.0/8 sport gt :1024 comm 'java*'" \
	events dst 10.0.0.0/8 sport gt :1024 comm 'java*'
notloaded "-N PATH of one's own namespace" conns -N /proc/self/ns/net
notloaded "cgroup ID" life cgroup 12345
notloaded "cgroup != ID, --cgroup ID" conns cgroup != 1 --cgroup 7
notloaded "life --ring, --since, --count" life --ring --since 5 --count 3
notloaded "life, live: --replay, --duration, --rcvbuf" life --replay --duration 1 --rcvbuf 65536
notloaded "watch --no-map" watch --no-map -j
notloaded "listeners -l --sort drops" listeners -l --sort drops
"$cli" --help >"$tmp/help"
head -n1 "$tmp/help" | grep -q '^Usage: tcpstates \[COMMAND\] \[OPTIONS\] \[FILTER\]   (no COMMAND: watch'
ok $? "the usage line says what no command does: $(head -n1 "$tmp/help")"

for c in watch events life conns listeners stats show summary; do
	"$cli" "$c" --help >"$tmp/help" 2>&1 && grep -q "^Usage: tcpstates $c" "$tmp/help" &&
		grep -q '^Examples:' "$tmp/help"
	ok $? "$c --help: usage and examples"
done
"$cli" help conns | grep -q -- '--sort KEY'
ok $? "help conns shows the conns options"
"$cli" --version >"$tmp/v"
grep -q '^tcpstates [0-9.]* (netlink family version 2)$' "$tmp/v" && grep -q '^module: not loaded$' "$tmp/v"
ok $? "--version: tool and family versions, module state"
echo "1..$n"
