# SPDX-License-Identifier: GPL-2.0
# Helpers for the tests that run inside the test VM (sourced). Each test
# prints TAP lines without numbers ("ok - ..."); vm-suite.sh adds the plan.

TESTING=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOP=$(cd "$TESTING/../.." && pwd)
TCPCONN=$TESTING/tcpconn
# alive, stop_bg
# shellcheck source=tools/testing/stop-bg.sh
. "$TESTING/stop-bg.sh"
KO=${TCPSTATES_KO:-$TOP/build/$(uname -r)/module/tcpstates.ko}
# the tests' fault-injection module (tools/testing/faults)
FAULTS_KO=${TCPSTATES_FAULTS_KO:-$TOP/build/$(uname -r)/faults/tcpstates_faults.ko}
failures=0
# A debug kernel runs several times slower: waits and idle times scale by
# TCPSTATES_SLOW (vm-suite.sh sets it).
SLOW=${TCPSTATES_SLOW:-1}
slow() { echo $(($1 * SLOW)); }	# slow N: N scaled for this kernel

ok() {		# ok COND-STATUS DESCRIPTION
	if [ "$1" = 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failures=$((failures + 1))
	fi
}

# is GOT WANT DESCRIPTION: equality, with a diagnostic on failure.
is() {
	if [ "$1" = "$2" ]; then
		echo "ok - $3"
	else
		echo "not ok - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
		failures=$((failures + 1))
		return 1
	fi
}

loaded() { grep -q '^tcpstates ' /proc/modules; }

# portc PORT [FILE...]: how many lines name port PORT (":PORT" not followed
# by a digit: ":5403" must not count a client's ephemeral port 54031)
portc() { grep -cE ":$1([^0-9]|\$)" "${@:2}"; }

# no_port PORT FILE DESCRIPTION: ok when FILE names port PORT nowhere; the
# lines that do are printed when it fails
no_port() {
	if is "$(portc "$1" "$2")" 0 "$3"; then return 0; fi
	grep -E ":$1([^0-9]|\$)" "$2" | head -n 20 | sed 's/^/#   /'
	return 1
}


# rmmod, again while a netlink dump in progress (a scrape of the exporter,
# a CLI) holds the module (EBUSY: "in use"), for up to 30 s
rmmod_tcpstates() {
	local i
	for i in $(seq 300); do
		rmmod tcpstates 2>/tmp/rmmod.err && return 0
		grep -q 'in use' /tmp/rmmod.err || break
		sleep 0.1
	done
	cat /tmp/rmmod.err >&2
	return 1
}

load_module() {
	if loaded; then rmmod_tcpstates; fi
	insmod "$KO" "$@"
}

unload_module() {
	if loaded; then rmmod_tcpstates; fi
}

# evq FILE COND EXPR [AWK-ARGS...]: for each event (or connection) line of
# FILE where the awk condition COND holds, the awk expression EXPR, joined
# by blanks. Columns are read by header name: f["COOKIE"], f["LOCAL"], ...
evq() {
	local file=$1 cond=$2 expr=$3
	shift 3
	awk "$@" 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
		{ split("", f); for (i = 1; i <= NF; i++) f[h[i]] = $i }
		'"$cond"' { printf "%s%s", sep, '"$expr"'; sep = " " }' "$file"
}

# cookie FILE LOCAL REMOTE: the cookie of the connection with these endpoints
cookie() {
	evq "$1" 'f["LOCAL"] == l && f["REMOTE"] == r' 'f["COOKIE"]' -v l="$2" -v r="$3" |
		awk '{ print $1 }'
}

# transitions FILE COOKIE: "OLD->NEW ..." of one connection, in order
transitions() {
	evq "$1" 'f["COOKIE"] == c' 'f["OLDSTATE"] "->" f["NEWSTATE"]' -v c="$2"
}

# evcol FILE COOKIE NEWSTATE NAME: column NAME of the event into NEWSTATE
evcol() {
	evq "$1" 'f["COOKIE"] == c && f["NEWSTATE"] == s' "f[\"$4\"]" -v c="$2" -v s="$3"
}

# aligned FILE: every value starts where its column's header does, after
# a blank (a header printed again, by a live table that widened, counts)
aligned() {
	awk 'NR == 1 || $1 == h1 { h1 = $1; n = 0
		for (i = 1; i <= length($0); i++)
			if (substr($0, i, 1) != " " && (i == 1 || substr($0, i - 1, 1) == " ")) s[++n] = i
		next }
		{ for (k = 2; k <= n; k++)
			if (substr($0, s[k] - 1, 1) != " " || substr($0, s[k], 1) == " ") {
				print "# line " NR ", column " k ": " $0; bad = 1; exit } }
		END { exit bad }' "$1"
}

# counter NAME: a counter from /proc/tcpstates_stats
# kconfig_value OPT: the running kernel's CONFIG_OPT, as its config says
kconfig_value() {
	{ zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null; } |
		sed -n "s/^CONFIG_$1=//p"
}
# kconfig OPT: the running kernel has CONFIG_OPT (built in or a module)
kconfig() { case $(kconfig_value "$1") in y|m) return 0 ;; *) return 1 ;; esac; }
# counter NAME [FILE]: a counter, from /proc/tcpstates_stats or a copy of it
counter() { awk -v n="$1" '$1 == n { print $2 }' "${2:-/proc/tcpstates_stats}"; }

# snapshot FILE: copy /proc/tcpstates to FILE and /proc/tcpstates_stats to
# FILE.stats, consistently: retried until no event came in between (a
# TIME_WAIT socket seeded from an earlier test may end at any time).
snapshot() {
	local i
	for i in $(seq 50); do
		cat /proc/tcpstates_stats >"$1.stats"
		cat /proc/tcpstates >"$1"
		cat /proc/tcpstates_stats >"$1.after"
		cmp -s "$1.stats" "$1.after" && return 0
		sleep 0.$((RANDOM % 5))
	done
	diff "$1.stats" "$1.after" | sed 's/^/# /'
	return 1
}

# snapstat FILE NAME: a counter from snapshot FILE
snapstat() { awk -v n="$2" '$1 == n { print $2 }' "$1.stats"; }

# seqof FROM TO FLAGS: in the tcpdump -n -S capture "$cap", the seq of the
# first segment from FROM to TO (addr.port) whose flags match the regex FLAGS
seqof() {
	awk -v f="$1" -v t="$2:" -v fl="$3" '$3 == f && $5 == t && $7 ~ fl {
		for (i = 8; i < NF; i++) if ($i == "seq") { v = $(i + 1); sub(/[:,].*/, "", v); print v; exit } }' "$cap"
}

# pcap_start PORT NAME: tcpdump -n -S of TCP port PORT on lo into "$cap"
# (/tmp/NAME.pcap.txt), returning once it listens (2 s on an idle 6.1 VM;
# at most 30 s, saying so); pcap_stop ends it with SIGTERM. Not SIGINT: a
# process started with & by a non-interactive shell ignores SIGINT until
# it sets its own handler, and a tcpdump that had not yet set it went on
# forever (test_82 hung for its whole time limit in a CI run, its capture
# never ended). tcpdump ends on SIGTERM as on SIGINT (exit 0).
pcap_start() {
	local i err=/tmp/$2.tcpdump.err

	cap=/tmp/$2.pcap.txt
	tcpdump -i lo -n -S -l "tcp port $1" >"$cap" 2>"$err" &
	pcap_pid=$!
	for i in $(seq 300); do grep -q listening "$err" && return 0; sleep 0.1; done
	echo "# tcpdump not listening after 30 s: $(tr '\n' ' ' <"$err")"
}

# pcap_stop: once the capture has been quiet for 0.5 s (at most 10 s),
# stop tcpdump
pcap_stop() {
	local i n last=-1

	for i in $(seq 20); do
		n=$(wc -l <"$cap")
		[ "$n" = "$last" ] && break
		last=$n
		sleep 0.5
	done
	stop_bg "$pcap_pid" TERM tcpdump
}

# capture_one PORT NAME: one tcpconn connection to PORT on 127.0.0.1
# under tcpdump; the capture stays in "$cap" (/tmp/NAME.pcap.txt). Sets
# cport, and the sequence numbers on the wire: x (client ISN), y (server
# ISN), u (client FIN) and w (server FIN).
capture_one() {
	local out c s

	pcap_start "$1" "$2"
	out=$(timeout "$(slow 60)" "$TCPCONN" -4 -p "$1") || echo "# tcpconn -4 -p $1: status $?"
	pcap_stop
	cport=$(awk '/^client_port/ { print $2 }' <<<"$out")
	c="127.0.0.1.$cport" s="127.0.0.1.$1"
	x=$(seqof "$c" "$s" '^\[S\],') y=$(seqof "$s" "$c" '^\[S\.\],')
	u=$(seqof "$c" "$s" 'F') w=$(seqof "$s" "$c" 'F')
}

done_testing() {
	unload_module
	exit $((failures > 0))
}
