// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: aggregates kept as events happen, for monitoring systems
 * that scrape counters rather than follow events (GET_AGGR, the
 * Prometheus exporter): transitions by (old, new) state, the connections
 * now in each state, closes by cause and role, and log2 histograms of
 * handshake time, connection lifetime and time spent in each state.
 *
 * Per CPU, so that recording an event costs a few increments on the
 * CPU's own cache lines: once for every namespace together (everything
 * above, namespaces gone included), once for the event's namespace (the
 * counts, without the histograms, which would cost each namespace a few
 * KiB per CPU). Readers sum over CPUs.
 *
 * Connections now in a state: each transition takes one from its old
 * state and adds one to its new; the connections found at load are added
 * when seeded. CLOSE and NEW_SYN_RECV are no state a connection stays in
 * (a request socket is not a connection yet) and are not counted. Exact
 * as long as no event is missed (kprobe_missed).
 *
 * The event's own namespace's share is only touched while that namespace
 * lives (check_net()): its per-CPU memory goes in this file's pernet
 * exit, which comes after an RCU grace period that any probe handler
 * that saw the namespace alive has finished by.
 */
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/tcp_states.h>

#include "tcpstates.h"

#define TCPSTATES_NCAUSES	(TCPSTATES_CAUSE_ERROR + 1)
#define TCPSTATES_NROLES	(TCPSTATES_ROLE_LISTENER + 1)

struct tcpstates_hist {
	u64 bucket[TCPSTATES_HIST_BUCKETS];
	u64 sum_us;
};

/* The counts, for one namespace or all */
struct tcpstates_counts {
	u64 trans[TCPSTATES_NSTATES][TCPSTATES_NSTATES];
	s64 cur[TCPSTATES_NSTATES];
	u64 closes[TCPSTATES_NCAUSES][TCPSTATES_NROLES];
};

/* Every namespace together */
struct tcpstates_aggr_all {
	struct tcpstates_counts c;
	struct tcpstates_hist handshake[2];	/* active, passive */
	struct tcpstates_hist lifetime;
	struct tcpstates_hist state_time[TCPSTATES_NSTATES];
};

/* Per namespace: per-CPU counts */
struct tcpstates_aggr_netns {
	struct tcpstates_counts __percpu *counts;
};

static struct tcpstates_aggr_all __percpu *aggr_all;
static unsigned int tcpstates_aggr_gen __read_mostly;

static int __net_init tcpstates_aggr_netns_init(struct net *net)
{
	struct tcpstates_aggr_netns *an = net_generic(net, tcpstates_aggr_gen);

	an->counts = alloc_percpu(struct tcpstates_counts);
	return an->counts ? 0 : -ENOMEM;
}

static void __net_exit tcpstates_aggr_netns_exit(struct net *net)
{
	struct tcpstates_aggr_netns *an = net_generic(net, tcpstates_aggr_gen);

	free_percpu(an->counts);
}

static struct pernet_operations tcpstates_aggr_netns_ops = {
	.init = tcpstates_aggr_netns_init,
	.exit = tcpstates_aggr_netns_exit,
	.id = &tcpstates_aggr_gen,
	.size = sizeof(struct tcpstates_aggr_netns),
};

/**
 * tcpstates_aggr_init() - allocate the aggregates, every namespace's too
 *
 * Return: 0 or a negative errno.
 */
int tcpstates_aggr_init(void)
{
	int ret;

	aggr_all = alloc_percpu(struct tcpstates_aggr_all);
	if (!aggr_all)
		return -ENOMEM;
	ret = register_pernet_subsys(&tcpstates_aggr_netns_ops);
	if (ret)
		goto out_free_all;
	return 0;

out_free_all:
	free_percpu(aggr_all);
	return ret;
}

/**
 * tcpstates_aggr_exit() - free them; no probe or reader may remain
 */
void tcpstates_aggr_exit(void)
{
	unregister_pernet_subsys(&tcpstates_aggr_netns_ops);
	free_percpu(aggr_all);
}

/* The state a connection stays in, to be counted as "now in" */
static bool counted_state(unsigned int state)
{
	return state && state < TCPSTATES_NSTATES && state != TCP_CLOSE &&
	       state != TCP_NEW_SYN_RECV;
}

static void count(struct tcpstates_counts *c, const struct tcpstates_event *ev)
{
	c->trans[ev->oldstate][ev->newstate]++;
	if (counted_state(ev->oldstate))
		c->cur[ev->oldstate]--;
	if (counted_state(ev->newstate))
		c->cur[ev->newstate]++;
	if (ev->newstate == TCP_CLOSE && ev->cause < TCPSTATES_NCAUSES &&
	    ev->role < TCPSTATES_NROLES)
		c->closes[ev->cause][ev->role]++;
}

static void hist_add(struct tcpstates_hist *h, u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);
	unsigned int b = us ? fls64(us) : 0;

	h->bucket[min_t(unsigned int, b, TCPSTATES_HIST_BUCKETS - 1)]++;
	h->sum_us += us;
}

/* The counts of @net's own, while it lives (see the top of this file). */
static struct tcpstates_counts __percpu *netns_counts(struct net *net)
{
	struct tcpstates_aggr_netns *an;

	if (!check_net(net))
		return NULL;
	an = net_generic(net, tcpstates_aggr_gen);
	return an ? an->counts : NULL;
}

/**
 * tcpstates_aggr_event() - account for one event
 * @ev: the event
 * @net: its namespace
 *
 * Any context but NMI, interrupts off (the probes run so). A few
 * increments on this CPU's counts.
 */
void tcpstates_aggr_event(const struct tcpstates_event *ev, struct net *net)
{
	struct tcpstates_aggr_all *a = this_cpu_ptr(aggr_all);
	struct tcpstates_counts __percpu *nc = netns_counts(net);

	if (ev->oldstate >= TCPSTATES_NSTATES || ev->newstate >= TCPSTATES_NSTATES ||
	    (ev->known & TCPSTATES_EV_DROP))
		return;	/* (a listener's drop is no transition) */
	count(&a->c, ev);
	if (nc)
		count(this_cpu_ptr(nc), ev);
	if (ev->prev_ns == TCPSTATES_UNKNOWN)
		goto out_life;
	hist_add(&a->state_time[ev->oldstate], ev->prev_ns);
	if (ev->oldstate == TCP_SYN_SENT && ev->newstate == TCP_ESTABLISHED)
		hist_add(&a->handshake[0], ev->prev_ns);
	else if (ev->oldstate == TCP_NEW_SYN_RECV && ev->newstate == TCP_SYN_RECV)
		hist_add(&a->handshake[1], ev->prev_ns);
out_life:
	if (ev->life_ns != TCPSTATES_UNKNOWN && ev->role != TCPSTATES_ROLE_LISTENER)
		hist_add(&a->lifetime, ev->life_ns);
}

/**
 * tcpstates_aggr_seed() - a connection found at load, now in @state
 * @state: its state (a timewait socket's substate)
 * @net: its namespace
 *
 * Process context.
 */
void tcpstates_aggr_seed(int state, struct net *net)
{
	struct tcpstates_counts __percpu *nc = netns_counts(net);
	unsigned long flags;

	if (!counted_state(state))
		return;
	local_irq_save(flags);
	this_cpu_ptr(aggr_all)->c.cur[state]++;
	if (nc)
		this_cpu_ptr(nc)->cur[state]++;
	local_irq_restore(flags);
}

/* Sum @c over CPUs: the counts of every namespace, or of one. */
static void sum_counts(struct tcpstates_counts *sum, bool all,
		       struct tcpstates_counts __percpu *nc)
{
	unsigned int cpu, i, j;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct tcpstates_counts *c = all ?
			&per_cpu_ptr(aggr_all, cpu)->c : per_cpu_ptr(nc, cpu);

		for (i = 0; i < TCPSTATES_NSTATES; i++) {
			for (j = 0; j < TCPSTATES_NSTATES; j++)
				sum->trans[i][j] += READ_ONCE(c->trans[i][j]);
			sum->cur[i] += READ_ONCE(c->cur[i]);
		}
		for (i = 0; i < TCPSTATES_NCAUSES; i++)
			for (j = 0; j < TCPSTATES_NROLES; j++)
				sum->closes[i][j] += READ_ONCE(c->closes[i][j]);
	}
}

static int put_count(struct sk_buff *skb, int attr, int k1, u8 v1, int k2,
		     u8 v2, u64 value)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, k1, v1) || (k2 && nla_put_u8(skb, k2, v2)) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_COUNT_VALUE, value,
			      TCPSTATES_A_COUNT_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_counts(struct sk_buff *skb, const struct tcpstates_counts *c)
{
	unsigned int i, j;

	for (i = 0; i < TCPSTATES_NSTATES; i++)
		for (j = 0; j < TCPSTATES_NSTATES; j++)
			if (c->trans[i][j] &&
			    put_count(skb, TCPSTATES_A_AGGR_TRANSITION,
				      TCPSTATES_A_COUNT_OLDSTATE, i,
				      TCPSTATES_A_COUNT_NEWSTATE, j, c->trans[i][j]))
				return -EMSGSIZE;
	for (i = 1; i < TCPSTATES_NSTATES; i++)
		if (counted_state(i) &&
		    put_count(skb, TCPSTATES_A_AGGR_STATE, TCPSTATES_A_COUNT_STATE,
			      i, 0, 0, c->cur[i]))
			return -EMSGSIZE;
	for (i = 0; i < TCPSTATES_NCAUSES; i++)
		for (j = 0; j < TCPSTATES_NROLES; j++)
			if (c->closes[i][j] &&
			    put_count(skb, TCPSTATES_A_AGGR_CLOSE,
				      TCPSTATES_A_COUNT_CAUSE, i,
				      TCPSTATES_A_COUNT_ROLE, j, c->closes[i][j]))
				return -EMSGSIZE;
	return 0;
}

/* One histogram of every namespace, summed over CPUs */
static int put_hist(struct sk_buff *skb, u8 kind, u8 state,
		    const struct tcpstates_hist *(*pick)(const struct tcpstates_aggr_all *,
							 u8),
		    struct tcpstates_hist *sum)
{
	struct nlattr *nest;
	unsigned int cpu, b;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct tcpstates_hist *h = pick(per_cpu_ptr(aggr_all, cpu), state);

		for (b = 0; b < TCPSTATES_HIST_BUCKETS; b++)
			sum->bucket[b] += READ_ONCE(h->bucket[b]);
		sum->sum_us += READ_ONCE(h->sum_us);
	}
	nest = nla_nest_start(skb, TCPSTATES_A_AGGR_HIST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, TCPSTATES_A_HIST_KIND, kind) ||
	    (kind == TCPSTATES_HIST_STATE_TIME &&
	     nla_put_u8(skb, TCPSTATES_A_HIST_STATE, state)) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_HIST_SUM_US, sum->sum_us,
			      TCPSTATES_A_HIST_PAD) ||
	    nla_put(skb, TCPSTATES_A_HIST_BUCKETS, sizeof(sum->bucket),
		    sum->bucket)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static const struct tcpstates_hist *pick_handshake(const struct tcpstates_aggr_all *a,
						   u8 passive)
{
	return &a->handshake[passive];
}

static const struct tcpstates_hist *pick_lifetime(const struct tcpstates_aggr_all *a,
						  u8 unused)
{
	return &a->lifetime;
}

static const struct tcpstates_hist *pick_state(const struct tcpstates_aggr_all *a,
					       u8 state)
{
	return &a->state_time[state];
}

/**
 * tcpstates_aggr_put() - the aggregates as TCPSTATES_A_AGGR_* attributes
 * @skb: the reply
 * @net: the requester's namespace
 * @all: every namespace (the requester may see them all), else @net's
 *
 * Process context.
 *
 * Return: 0, -EMSGSIZE, or -ENOMEM.
 */
int tcpstates_aggr_put(struct sk_buff *skb, struct net *net, bool all)
{
	struct tcpstates_counts *sum;
	struct tcpstates_hist *h;
	unsigned int s;
	int ret;

	sum = kmalloc(sizeof(*sum) + sizeof(*h), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	h = (struct tcpstates_hist *)(sum + 1);
	if (!all && !netns_counts(net))
		memset(sum, 0, sizeof(*sum));
	else
		sum_counts(sum, all, all ? NULL : netns_counts(net));
	ret = -EMSGSIZE;
	if ((!all && nla_put_u64_64bit(skb, TCPSTATES_A_AGGR_NETNS_ID,
				       tcpstates_netns_id(net),
				       TCPSTATES_A_AGGR_PAD)) ||
	    put_counts(skb, sum))
		goto out_free;
	if (all) {
		if (put_hist(skb, TCPSTATES_HIST_HANDSHAKE_ACTIVE, 0,
			     pick_handshake, h) ||
		    put_hist(skb, TCPSTATES_HIST_HANDSHAKE_PASSIVE, 1,
			     pick_handshake, h) ||
		    put_hist(skb, TCPSTATES_HIST_LIFETIME, 0, pick_lifetime, h))
			goto out_free;
		for (s = 1; s < TCPSTATES_NSTATES; s++)
			if (put_hist(skb, TCPSTATES_HIST_STATE_TIME, s, pick_state, h))
				goto out_free;
	}
	ret = 0;
out_free:
	kfree(sum);
	return ret;
}
