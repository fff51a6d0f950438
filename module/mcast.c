// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the multicast sender: every event as it happens, to the
 * "events" group of its namespace and to "events-all" in the initial one.
 *
 * A kprobe handler must not build or send messages. This sender registers
 * with the ring as its consumer: the ring marks an event watched when its
 * namespace's group, or events-all, has a subscriber, links it into the
 * chains of watched events, and queues the work here to run 20 ms later,
 * or at once when a quarter of the ring went by (ring.c's ring_wake()).
 * As net/core/drop_monitor.c batches its alerts, a burst of events
 * costs one run of the sender rather than a wakeup every few events. The
 * work (process context) takes the watched events from the ring in
 * batches and multicasts them, as many per datagram as fit, to each
 * namespace whose group has subscribers, and to events-all.
 *
 * Each message's PREV_SEQ is the event's predecessor in the chain of its
 * group: the previous watched event of its namespace ("events"), or of
 * any namespace ("events-all"). A subscriber that did not get that one
 * lost the events between, and knows it; an overrun in one namespace is
 * no gap in another's. When nobody listens, nothing is marked and no work
 * runs. What cannot be delivered is counted (stats.c): datagrams a
 * subscriber had no room for, datagrams not allocated, datagrams nobody
 * took; the ring counts the watched events it overwrote before they were
 * taken.
 */
#include <linux/mm.h>
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "tcpstates.h"

/*
 * The sender works through up to TCPSTATES_TX_BUF events at a time, taken
 * from the ring TCPSTATES_TX_TAKE at a time (the ring's lock is held, with
 * interrupts off, for one take), so that its datagrams are full but for
 * the last of each pass.
 */
#define TCPSTATES_TX_TAKE	32
#define TCPSTATES_TX_BUF	256

static struct {
	struct delayed_work work;
	struct tcpstates_event *buf;
	u64 next;		/* the next event to take from the ring */
} tx;

/* The ring's question, from the probes: does anyone listen for @net's? */
static bool tcpstates_mcast_wants(struct net *net)
{
	if (tcpstates_nl_has_listeners(&init_net, true))
		return true;
	/* a namespace on its way out has no subscribers left */
	return check_net(net) && tcpstates_nl_has_listeners(net, false);
}

static const struct tcpstates_ring_consumer tcpstates_mcast_consumer = {
	.wants = tcpstates_mcast_wants,
	.work = &tx.work,
};

static void tcpstates_tx_send(struct net *net, bool all, struct sk_buff *skb,
			      unsigned int events)
{
	int ret = tcpstates_nl_multicast(skb, net, all);

	/*
	 * -ESRCH: nobody took it. The subscribers left (none is left in any
	 * namespace: not sent), or none was ever in this one (the listener
	 * bits are per family, not per namespace), or every one here was
	 * full and had not set NETLINK_BROADCAST_ERROR. -ENOBUFS: one that
	 * had set it was full; the CLI sets it.
	 */
	if (ret == -ESRCH && !tcpstates_nl_has_listeners(net, all))
		return;
	tcpstates_count(TCPSTATES_C_MCAST_SENT, events);
	if (ret == -ESRCH)
		tcpstates_count(TCPSTATES_C_MCAST_UNHEARD, events);
	else if (ret)
		tcpstates_count(TCPSTATES_C_MCAST_FAILED, events);
}

/* Send the events of @evs that the group's subscribers see, in datagrams. */
static void tcpstates_tx_group(struct net *net, bool all,
			       const struct tcpstates_event *evs,
			       unsigned int n)
{
	const struct tcpstates_event *e;
	struct tcpstates_viewer v;
	struct tcpstates_event ev;
	struct sk_buff *skb = NULL;
	unsigned int i, queued = 0;

	tcpstates_viewer_of_group(&v, net, all);
	for (i = 0; i < n; i++) {
		if (!tcpstates_view_sees(&v, evs[i].ep.netns_id))
			continue;
		e = &evs[i];
		if (!tcpstates_view_whole(&v)) {	/* a copy to cut */
			ev = evs[i];
			tcpstates_view_event(&v, &ev);
			e = &ev;
		}
		if (skb && tcpstates_nl_fill_event(skb, e,
						   all ? e->all_prev : e->ns_prev,
						   0, 0, 0, TCPSTATES_CMD_EVENT)) {
			tcpstates_tx_send(net, all, skb, queued);	/* full */
			skb = NULL;
		}
		if (!skb) {
			queued = 0;
			skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
			if (!skb) {
				tcpstates_count(TCPSTATES_C_MCAST_NOMEM, 1);
				continue;
			}
			if (tcpstates_nl_fill_event(skb, e,
						    all ? e->all_prev : e->ns_prev,
						    0, 0, 0, TCPSTATES_CMD_EVENT))
				continue;	/* cannot be: an event fits */
		}
		queued++;
	}
	if (skb && queued)
		tcpstates_tx_send(net, all, skb, queued);
	else
		nlmsg_free(skb);
}

static void tcpstates_tx_batch(const struct tcpstates_event *evs,
			       unsigned int n)
{
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net)
		if (tcpstates_nl_has_listeners(net, false))
			tcpstates_tx_group(net, false, evs, n);
	up_read(&net_rwsem);
	if (tcpstates_nl_has_listeners(&init_net, true))
		tcpstates_tx_group(&init_net, true, evs, n);
}

static void tcpstates_tx_work(struct work_struct *work)
{
	unsigned int n, got;
	u64 from;

	do {
		from = tx.next;
		n = 0;
		do {
			got = tcpstates_ring_take(&tx.next, tx.buf + n,
						  min_t(unsigned int, TCPSTATES_TX_TAKE,
							TCPSTATES_TX_BUF - n));
			n += got;
		} while (got && n < TCPSTATES_TX_BUF);
		if (n)
			tcpstates_tx_batch(tx.buf, n);
		cond_resched();
	} while (tx.next != from);
}

/**
 * tcpstates_mcast_init() - become the ring's consumer; before the probes run
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_mcast_init(void)
{
	tx.buf = kvcalloc(TCPSTATES_TX_BUF, sizeof(*tx.buf), GFP_KERNEL);
	if (!tx.buf)
		return -ENOMEM;
	INIT_DELAYED_WORK(&tx.work, tcpstates_tx_work);
	tx.next = 1;
	tcpstates_ring_set_consumer(&tcpstates_mcast_consumer);
	return 0;
}

/**
 * tcpstates_mcast_exit() - stop; the probes must be gone (no more events)
 *
 * ORDER: the sender runs at once for what it was armed to send (its timer
 * is not left to fire into freed code), and is done, before the family
 * goes. Nothing arms it again: the probes are gone and the work does not
 * requeue itself.
 */
void tcpstates_mcast_exit(void)
{
	tcpstates_ring_set_consumer(NULL);
	flush_delayed_work(&tx.work);
	cancel_delayed_work_sync(&tx.work);
	kvfree(tx.buf);
}
