# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# How the VM tests and the benchmarks end a process they started in the
# background (sourced by vm/lib.sh, bench-vm.sh and insns-vm.sh).

# alive PID: true while PID runs (one that ended and is not yet waited
# for, a zombie, does not)
alive() {
	local st

	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# stop_bg PID SIGNAL NAME [SECONDS]: SIGNAL, sent again every second
# while PID runs, SIGKILL after SECONDS (default 10), saying so, and
# what it took when more than one; then wait for PID (its status). Once
# is not enough: bpftrace 0.17 misses a SIGINT that comes just before it
# blocks in epoll_wait() with no time limit (in 15 runs of test_50 in a
# row, one sat there until the test's time limit; with the signal sent
# again, one run in 12 needed the second; one bpftrace-tp run of
# docs/bench/json-6.1.log sat there until the bench's SIGKILL).
stop_bg() {
	local i limit=${4:-10}

	for ((i = 1; i <= limit; i++)); do
		kill -"$2" "$1" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			alive "$1" || break 2
			sleep 0.1
		done
	done
	if alive "$1"; then
		echo "# $3 still ran $limit s after SIG$2: killed"
		kill -KILL "$1" 2>/dev/null
	elif [ "$i" -gt 1 ]; then
		echo "# $3 ended after SIG$2 $i times"
	fi
	wait "$1"
}
