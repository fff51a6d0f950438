# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2016	# sourced (bpftrace's $ in single quotes): bench-vm.sh and insns-vm.sh use them
#
# The bpftrace programs the benchmarks compare tcpstates with, and how a
# tracer is stopped (bt_stop), sourced by bench-vm.sh and insns-vm.sh.
# The bpftrace programs print, per transition: nsecs, local address, local
# port, remote address, remote port, old state, new state, pid, comm.
BT_TP='tracepoint:sock:inet_sock_set_state /args->protocol == 6/ {
	if (args->family == 2) {
		printf("%llu %s %d %s %d %d %d %d %s\n", nsecs, ntop(args->saddr), args->sport,
			ntop(args->daddr), args->dport, args->oldstate, args->newstate, pid, comm);
	} else {
		printf("%llu %s %d %s %d %d %d %d %s\n", nsecs, ntop(args->saddr_v6), args->sport,
			ntop(args->daddr_v6), args->dport, args->oldstate, args->newstate, pid, comm);
	}
}'
BT_KPROBE='kprobe:tcp_set_state {
	$sk = (struct sock *)arg0;
	$be = $sk->__sk_common.skc_dport;
	$dport = (($be & 0xff) << 8) | (($be >> 8) & 0xff);
	if ($sk->__sk_common.skc_family == 2) {
		printf("%llu %s %d %s %d %d %d %d %s\n", nsecs, ntop($sk->__sk_common.skc_rcv_saddr),
			$sk->__sk_common.skc_num, ntop($sk->__sk_common.skc_daddr), $dport,
			$sk->__sk_common.skc_state, arg1, pid, comm);
	} else {
		printf("%llu %s %d %s %d %d %d %d %s\n", nsecs,
			ntop($sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8), $sk->__sk_common.skc_num,
			ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8), $dport,
			$sk->__sk_common.skc_state, arg1, pid, comm);
	}
}'

# bt_stop PID: SIGINT, sent again every 2 s while PID runs, for at most
# 60 s; prints how many it took, or fails when PID still runs. The caller
# waits for PID. Sent again because bpftrace 0.17 misses a SIGINT that
# comes just before it blocks in epoll_wait() with no time limit, and
# with the churn over no event wakes it (one bpftrace-tp run of
# docs/bench/json-6.1.log sat there until the bench's SIGKILL, 60 s
# later). Ended: gone, or a zombie its parent has not reaped yet.
bt_stop() {
	local i
	for ((i = 0; i < 120; i++)); do
		((i % 4)) || kill -INT "$1" 2>/dev/null
		if ! kill -0 "$1" 2>/dev/null ||
		   [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; then
			echo $((i / 4 + 1))
			return 0
		fi
		sleep 0.5
	done
	return 1
}
