# SPDX-License-Identifier: GPL-2.0
# Helpers for the tests that run inside the test VM (sourced). Each test
# prints TAP lines without numbers ("ok - ..."); vm-suite.sh adds the plan.

TESTING=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOP=$(cd "$TESTING/../.." && pwd)
TCPCONN=$TESTING/tcpconn
KO=${TCPSTATES_KO:-$TOP/build/$(uname -r)/module/tcpstates.ko}
failures=0

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
	fi
}

loaded() { grep -q '^tcpstates ' /proc/modules; }

load_module() {
	loaded && rmmod tcpstates
	insmod "$KO" "$@"
}

unload_module() {
	if loaded; then rmmod tcpstates; fi
}

# transitions FILE LOCAL REMOTE: "OLD->NEW ..." of the events whose LOCAL
# and REMOTE columns are exactly these endpoints.
transitions() {
	awk -v l="$2" -v r="$3" '$1 ~ /^[0-9]+$/ && $6 == l && $7 == r {
		printf "%s%s->%s", sep, $4, $5; sep = " " }' "$1"
}

done_testing() {
	unload_module
	exit $((failures > 0))
}
