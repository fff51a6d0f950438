// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates_faults: a test-only module that makes the kernel take, on
 * demand, the rare paths whose races the tcpstates module must survive.
 * It is never installed; tools/testing/vm/test_48_races.sh loads it in the
 * test VM. Each fault acts once, on one port, and says so in the kernel
 * log ("FAULT fired").
 *
 *   fault=child_race port=P   the request socket of a connection to local
 *       port P is unhashed just before its child is hashed, as when
 *       another CPU's child took it first: the kernel discards this child
 *       (inet_ehash_nolisten() fails) and answers the ACK with a RST.
 *   fault=tw_kill port=P      the timewait socket of a connection to
 *       remote port P is destroyed by another CPU right after the hash
 *       dance, before the full socket's own tcp_done(), as a RST or a
 *       reuse could (the first CPU waits for it: a kprobe handler cannot
 *       do it itself, the kprobes it would hit meanwhile are skipped).
 *   fault=seed_delay port=P delay_ms=D   the process "insmod" waits when
 *       it asks the cookie of an established socket of local port P (what
 *       tcpstates' seeding does, holding the socket's hash bucket lock),
 *       until the socket has closed on another CPU as far as it can with
 *       that lock held (LAST_ACK for 500 ms), or D ms at most.
 */
#include <linux/cpumask.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

static char *fault = "";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "child_race, tw_kill or seed_delay");
static unsigned int port;
module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "the port the fault applies to");
static unsigned int delay_ms = 10000;
module_param(delay_ms, uint, 0444);
MODULE_PARM_DESC(delay_ms, "seed_delay: how long to wait at most");

static atomic_t fired = ATOMIC_INIT(0);
static DEFINE_PER_CPU(struct inet_timewait_sock *, tw_stash);

/* tw_kill: the work another CPU does while the first one waits */
static struct inet_timewait_sock *tw_victim;
static atomic_t tw_killed = ATOMIC_INIT(0);

static void tw_kill_work_fn(struct work_struct *work)
{
	local_bh_disable();
	inet_twsk_deschedule_put(tw_victim);
	local_bh_enable();
	atomic_set(&tw_killed, 1);
}

static DECLARE_WORK(tw_kill_work, tw_kill_work_fn);

static bool fire(void)
{
	if (atomic_cmpxchg(&fired, 0, 1))
		return false;
	pr_info("%s fired on port %u\n", fault, port);
	return true;
}

static bool is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP;
}

/* inet_ehash_nolisten(sk, osk, found_dup_sk): a child replacing request osk */
static int child_race_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct sock *osk = (struct sock *)regs_get_kernel_argument(regs, 1);

	if (!osk || !is_tcp(sk) || sk->sk_num != port ||
	    osk->sk_state != TCP_NEW_SYN_RECV || !fire())
		return 0;
#ifdef FAULTS_REQSK_DROP
	inet_csk_reqsk_queue_drop(inet_reqsk(osk)->rsk_listener, inet_reqsk(osk));
#endif
	return 0;
}

/* The hash dance (tw, sk, ...): remember the timewait socket */
static int tw_stash_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 1);

	if (is_tcp(sk) && ntohs(sk->sk_dport) == port)
		this_cpu_write(tw_stash, tw);
	return 0;
}

/* tcp_update_metrics(sk), between the hash dance and tcp_done() */
static int tw_kill_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = this_cpu_read(tw_stash);

	if (!tw)
		return 0;
	this_cpu_write(tw_stash, NULL);
	if (!fire())
		return 0;
	/* TIME_WAIT, or FIN_WAIT2 while the peer's FIN has not come */
	pr_info("tw_kill: the timewait socket is in its %s substate\n",
		READ_ONCE(tw->tw_substate) == TCP_TIME_WAIT ? "TIME_WAIT" : "FIN_WAIT2");
	refcount_inc(&tw->tw_refcnt);	/* the other CPU's, as from a lookup */
	tw_victim = tw;
	queue_work_on(cpumask_any_but(cpu_online_mask, smp_processor_id()),
		      system_wq, &tw_kill_work);
	while (!atomic_read(&tw_killed))
		cpu_relax();
	return 0;
}

/* sock_diag_save_cookie(sk, cookie), from insmod: tcpstates' seeding */
static int seed_delay_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	u64 start, now, last_ack_since;
	unsigned int ms, last_ack;
	int seen, state;

	if (strcmp(current->comm, "insmod") || sk->sk_state != TCP_ESTABLISHED ||
	    !is_tcp(sk) || sk->sk_num != port || !fire())
		return 0;
	pr_info("seed_delay: holding for up to %u ms\n", delay_ms);
	/*
	 * Until the socket has been in LAST_ACK for half a second: its
	 * CLOSE then waits, in the unhash, for the bucket lock held here.
	 * Timed by the clock (mdelay() is not, under an emulator).
	 */
	start = ktime_get_ns();
	last_ack_since = 0;
	seen = sk->sk_state;
	for (;;) {
		now = ktime_get_ns();
		if (now - start >= (u64)delay_ms * NSEC_PER_MSEC)
			break;
		state = READ_ONCE(sk->sk_state);
		if (state != seen) {
			pr_info("seed_delay: the socket went from state %d to %d after %llu ms\n",
				seen, state, div_u64(now - start, NSEC_PER_MSEC));
			seen = state;
		}
		if (state != TCP_LAST_ACK)
			last_ack_since = 0;
		else if (!last_ack_since)
			last_ack_since = now;
		else if (now - last_ack_since >= 500 * NSEC_PER_MSEC)
			break;
		cpu_relax();
	}
	ms = div_u64(now - start, NSEC_PER_MSEC);
	last_ack = last_ack_since ? div_u64(now - last_ack_since, NSEC_PER_MSEC) : 0;
	pr_info("seed_delay: done after %u ms, the socket in LAST_ACK for %u ms%s\n",
		ms, last_ack, last_ack >= 500 ? " (closing)" : "");
	return 0;
}

static struct kprobe kp_child_race = {
	.symbol_name = "inet_ehash_nolisten", .pre_handler = child_race_pre,
};
static struct kprobe kp_tw_stash = { .pre_handler = tw_stash_pre };
static struct kprobe kp_tw_kill = {
	.symbol_name = "tcp_update_metrics", .pre_handler = tw_kill_pre,
};
static struct kprobe kp_seed_delay = {
	.symbol_name = "sock_diag_save_cookie", .pre_handler = seed_delay_pre,
};

static struct kprobe *probes[2];

static int register_hashdance(struct kprobe *kp)
{
	static const char * const names[] = {
		"inet_twsk_hashdance_schedule", "inet_twsk_hashdance",
	};
	int i, ret = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		kp->symbol_name = names[i];
		kp->addr = NULL;
		kp->flags = 0;
		ret = register_kprobe(kp);
		if (ret != -ENOENT && ret != -EINVAL)
			return ret;
	}
	return ret;
}

static int __init faults_init(void)
{
	int ret;

	if (!strcmp(fault, "child_race")) {
#ifndef FAULTS_REQSK_DROP
		pr_err("child_race: this kernel does not export inet_csk_reqsk_queue_drop()\n");
		return -EOPNOTSUPP;
#endif
		probes[0] = &kp_child_race;
	} else if (!strcmp(fault, "tw_kill")) {
		probes[0] = &kp_tw_kill;
		probes[1] = &kp_tw_stash;
	} else if (!strcmp(fault, "seed_delay")) {
		probes[0] = &kp_seed_delay;
	} else {
		pr_err("fault=%s: want child_race, tw_kill or seed_delay\n", fault);
		return -EINVAL;
	}
	ret = register_kprobe(probes[0]);
	if (ret) {
		pr_err("cannot probe %s: %d\n", probes[0]->symbol_name, ret);
		return ret;
	}
	if (probes[1]) {
		ret = register_hashdance(probes[1]);
		if (ret) {
			pr_err("cannot probe the hash dance: %d\n", ret);
			unregister_kprobe(probes[0]);
			return ret;
		}
	}
	pr_info("%s armed for port %u\n", fault, port);
	return 0;
}

static void __exit faults_exit(void)
{
	if (probes[1])
		unregister_kprobe(probes[1]);
	unregister_kprobe(probes[0]);
	flush_work(&tw_kill_work);
}

module_init(faults_init);
module_exit(faults_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpstates tests: rare kernel paths on demand");
