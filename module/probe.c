// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the kprobes that see TCP state transitions.
 *
 * tcp_set_state(sk, state) is the primary hook: on entry sk->sk_state
 * still holds the old state. CLOSE -> SYN_SENT is the exception: at that
 * point of tcp_v4_connect()/tcp_v6_connect() the local port is not chosen
 * yet, so that event is taken from tcp_connect(), which runs once the
 * port is bound and right before the SYN is built.
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "tcpstates.h"

static void tcpstates_record(struct sock *sk, int oldstate, int newstate)
{
	struct tcpstates_event ev = {
		.ts_ns = ktime_get_ns(),
		.netns = sock_net(sk)->ns.inum,
		.family = sk->sk_family,
		.oldstate = oldstate,
		.newstate = newstate,
		.sport = inet_sk(sk)->inet_sport,
		.dport = sk->sk_dport,
	};

	switch (sk->sk_family) {
	case AF_INET:
		ev.saddr.v4 = sk->sk_rcv_saddr;
		ev.daddr.v4 = sk->sk_daddr;
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		ev.saddr.v6 = sk->sk_v6_rcv_saddr;
		ev.daddr.v6 = sk->sk_v6_daddr;
		break;
#endif
	default:
		return;
	}
	tcpstates_ring_push(&ev);
}

static int tcp_set_state_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_arg(regs, 0);
	int newstate = (int)tcpstates_arg(regs, 1);
	int oldstate = READ_ONCE(sk->sk_state);

	/* tcp_close_state() may "move" a socket to the state it is in. */
	if (oldstate == newstate || newstate == TCP_SYN_SENT)
		return 0;
	tcpstates_record(sk, oldstate, newstate);
	return 0;
}

static int tcp_connect_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_arg(regs, 0);

	tcpstates_record(sk, TCP_CLOSE, TCP_SYN_SENT);
	return 0;
}

static struct kprobe tcp_set_state_kp = {
	.symbol_name = "tcp_set_state",
	.pre_handler = tcp_set_state_pre,
};

static struct kprobe tcp_connect_kp = {
	.symbol_name = "tcp_connect",
	.pre_handler = tcp_connect_pre,
};

static struct kprobe *tcpstates_kprobes[] = {
	&tcp_set_state_kp,
	&tcp_connect_kp,
};

/**
 * tcpstates_probe_init() - register the kprobes
 *
 * Return: 0, or the error of the first probe that could not be placed
 * (none is left registered then).
 */
int tcpstates_probe_init(void)
{
	unsigned int i;
	int ret;

	/* The handlers read the arguments by position: pin the prototypes. */
	BUILD_BUG_ON(!__same_type(&tcp_set_state, void (*)(struct sock *, int)));
	BUILD_BUG_ON(!__same_type(&tcp_connect, int (*)(struct sock *)));

	for (i = 0; i < ARRAY_SIZE(tcpstates_kprobes); i++) {
		ret = register_kprobe(tcpstates_kprobes[i]);
		if (ret) {
			pr_err("cannot probe %s: error %d\n",
			       tcpstates_kprobes[i]->symbol_name, ret);
			goto out_unregister;
		}
	}
	return 0;

out_unregister:
	while (i--)
		unregister_kprobe(tcpstates_kprobes[i]);
	return ret;
}

/**
 * tcpstates_probe_exit() - unregister the kprobes
 *
 * Returns once no handler runs any more on any CPU.
 */
void tcpstates_probe_exit(void)
{
	unregister_kprobes(tcpstates_kprobes, ARRAY_SIZE(tcpstates_kprobes));
}

/**
 * tcpstates_probe_missed() - hits the kprobes could not handle
 *
 * A probe hit while another kprobe handler runs on the same CPU is skipped
 * by the kprobes core and only counted there.
 *
 * Return: the sum over our probes.
 */
unsigned long tcpstates_probe_missed(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcpstates_kprobes); i++)
		n += READ_ONCE(tcpstates_kprobes[i]->nmissed);
	return n;
}
