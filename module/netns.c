// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: what the module keeps per network namespace.
 *
 * - Its id, which no other namespace ever gets: a reader in a new
 *   namespace must not see the events of a dead one that had the same
 *   inode number (the kernel gives a freed namespace's inode number to the
 *   next one made). Where struct net has a net_cookie set when the
 *   namespace is made (5.12+), that is the id: the one SO_NETNS_COOKIE and
 *   BPF report. Older kernels make their cookie on demand, with a function
 *   modules cannot call; there the module numbers the namespaces itself,
 *   from 1, as it meets them (at load, and as they are made).
 * - The chain of its watched events: the sequence number of the last one,
 *   which the next one carries as its predecessor. A watched event takes
 *   its sequence number under its namespace's lock, so that the chain
 *   follows the sequence numbers; events of other namespaces, and events
 *   nobody watches, take theirs without it.
 *
 * The state lives in the namespace (net_generic()) from when it is made,
 * or the module loaded, until every pernet exit has run, after the last
 * of the namespace's TCP sockets, timewait ones included, is gone.
 */
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "tcpstates.h"

struct tcpstates_netns {
	raw_spinlock_t lock;
	u64 id;
	u64 last_watched;
};

static unsigned int tcpstates_netns_gen __read_mostly;
static atomic64_t tcpstates_netns_next = ATOMIC64_INIT(0);

static int __net_init tcpstates_netns_setup(struct net *net)
{
	struct tcpstates_netns *tn = net_generic(net, tcpstates_netns_gen);

	raw_spin_lock_init(&tn->lock);
	tn->id = atomic64_inc_return(&tcpstates_netns_next);
	tn->last_watched = 0;
	return 0;
}

static struct pernet_operations tcpstates_netns_ops = {
	.init = tcpstates_netns_setup,
	.id = &tcpstates_netns_gen,
	.size = sizeof(struct tcpstates_netns),
};

/**
 * tcpstates_netns_init() - give every namespace, present and to come, its state
 *
 * Return: 0 or a negative errno.
 */
int tcpstates_netns_init(void)
{
	return register_pernet_subsys(&tcpstates_netns_ops);
}

/**
 * tcpstates_netns_exit() - drop it; no probe or reader may remain
 */
void tcpstates_netns_exit(void)
{
	unregister_pernet_subsys(&tcpstates_netns_ops);
}

static struct tcpstates_netns *tcpstates_netns_of(struct net *net)
{
	return net_generic(net, tcpstates_netns_gen);
}

/**
 * tcpstates_netns_id() - the namespace's id, never another namespace's
 * @net: a namespace the module has met (any context but NMI)
 *
 * Return: the id, never 0.
 */
u64 tcpstates_netns_id(struct net *net)
{
	return tcpstates_net_cookie(net) ?: tcpstates_netns_of(net)->id;
}

/**
 * tcpstates_netns_chain() - number a watched event and link it into its
 *	namespace's chain
 * @net: the event's namespace
 * @last_seq: the ring's counter of sequence numbers
 * @seq: set to the event's sequence number
 *
 * Interrupts off (the probes run so).
 *
 * Return: the sequence number of the namespace's previous watched event,
 * or 0 for none.
 */
u64 tcpstates_netns_chain(struct net *net, atomic64_t *last_seq, u64 *seq)
{
	struct tcpstates_netns *tn = tcpstates_netns_of(net);
	u64 prev;

	raw_spin_lock(&tn->lock);
	*seq = atomic64_inc_return(last_seq);
	prev = tn->last_watched;
	tn->last_watched = *seq;
	raw_spin_unlock(&tn->lock);
	return prev;
}
