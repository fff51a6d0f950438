#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The CLI on the host (no module here): unit tests of parsing, filters,
# formatting and JSON (cli_test), JSON checked by a real parser, and every
# usage error answered with one line and exit status 2.
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
usage "bad --rport '80,x'" "junk in a port list" events -D 80,x
usage "bad --state 'NOPE'" "unknown state" conns -s NOPE
usage "bad --addr '10.0.0.0/33'" "bad prefix" conns --addr 10.0.0.0/33
usage "bad --pid 'abc'" "bad pid" conns -p abc
usage "bad --netns 'x'" "bad netns" conns --netns x
usage "bad --sort 'size'" "bad sort key" conns --sort size
usage "bad --count '-1'" "negative count" watch --count -1
usage "bad --duration '0'" "zero duration" watch -d 0
usage "needs a value" "missing value" events -L
usage "is for conns only" "--sort on events" events --sort age
usage "is for watch only" "--since on conns" conns --since 5
usage "unknown command 'frobnicate'" "unknown command" frobnicate
usage "unexpected argument 'extra'" "extra argument" stats extra
usage "show needs a connection COOKIE" "show without a cookie" show
usage "bad COOKIE 'abc'" "show with a bad cookie" show abc
"$cli" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 2 ] && grep -q '^Usage: tcpstates COMMAND' "$tmp/err"
ok $? "no command: usage on stderr, exit 2"

# the module is not loaded on this machine: say so and how to load it
"$cli" conns >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q 'module is not loaded; load it with: sudo modprobe tcpstates' "$tmp/err"
ok $? "module not loaded: one line, how to load it, exit 2 ($st)"

for c in watch events conns stats show summary; do
	"$cli" "$c" --help >"$tmp/help" 2>&1 && grep -q "^Usage: tcpstates $c" "$tmp/help" &&
		grep -q '^Examples:' "$tmp/help"
	ok $? "$c --help: usage and examples"
done
"$cli" help conns | grep -q -- '--sort KEY'
ok $? "help conns shows the conns options"
"$cli" --version >"$tmp/v"
grep -q '^tcpstates [0-9.]* (netlink family version 1)$' "$tmp/v" && grep -q '^module: not loaded$' "$tmp/v"
ok $? "--version: tool and family versions, module state"
echo "1..$n"
