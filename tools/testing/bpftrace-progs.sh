# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2016	# sourced (bpftrace's $ in single quotes): bench-vm.sh and insns-vm.sh use them
#
# The bpftrace programs the benchmarks compare tcpstates with, sourced by
# bench-vm.sh and insns-vm.sh.
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
