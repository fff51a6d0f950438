// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the event ring.
 *
 * One bounded ring of fixed-size records shared by all CPUs. Producers are
 * kprobe handlers (softirq or process context, preemption off); readers are
 * procfs and netlink dumps in process context. Each side holds the raw
 * spinlock only to copy one record, with interrupts off so that a softirq
 * on the same CPU cannot re-enter. Raw, because on PREEMPT_RT a
 * spinlock_t sleeps.
 *
 * Every event gets the next sequence number under the lock, so numbers are
 * gapless. When the ring is full the oldest record is overwritten and
 * counted; a reader sees the loss as a jump in sequence numbers.
 *
 * Live delivery: a consumer (the multicast sender) tells the ring whom it
 * serves. An event someone listens for when it happens is marked watched,
 * linked to the previous watched event of its namespace and of all
 * namespaces (the previous event a listener of its group must have had:
 * a listener compares it with the last one it got, and knows exactly what
 * it lost and to whom), and the consumer's work item is queued. The
 * consumer reads with its own cursor, tx_next, kept here so that
 * overwriting a watched event it has not taken is counted as its overrun,
 * exactly.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "tcpstates.h"

/* The consumer waits this long, in jiffies, for the events after the first. */
#define TCPSTATES_TX_DELAY	1

static struct {
	raw_spinlock_t lock;
	struct tcpstates_event *slots;
	const struct tcpstates_ring_consumer *consumer;
	u64 next_seq;		/* sequence number of the next event */
	u64 overwritten;
	u64 last_watched;	/* the last watched event of any namespace */
	u64 tx_next;		/* the consumer's next event */
	u64 tx_overrun;
	u64 partial;
	u32 mask;
} ring = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(ring.lock),
};

/* Sequence numbers start at 1: 0 means "no event" to readers. */
static inline u64 ring_first_seq(void)
{
	u64 size = (u64)ring.mask + 1;

	return ring.next_seq > size ? ring.next_seq - size : 1;
}

/**
 * tcpstates_ring_init() - allocate the ring
 * @size: capacity in events, a power of two (main.c rounds the parameter)
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_ring_init(unsigned int size)
{
	ring.slots = kvcalloc(size, sizeof(*ring.slots), GFP_KERNEL);
	if (!ring.slots)
		return -ENOMEM;
	ring.mask = size - 1;
	ring.next_seq = 1;
	ring.overwritten = 0;
	ring.last_watched = 0;
	ring.tx_next = 1;
	ring.tx_overrun = 0;
	ring.partial = 0;
	ring.consumer = NULL;
	return 0;
}

/**
 * tcpstates_ring_exit() - free the ring; producers and readers must be gone
 */
void tcpstates_ring_exit(void)
{
	kvfree(ring.slots);
	ring.slots = NULL;
}

/**
 * tcpstates_ring_set_consumer() - who takes the watched events
 * @c: the consumer, or NULL for none; it must stay valid until replaced
 *
 * Set before the probes run, cleared after they stopped.
 */
void tcpstates_ring_set_consumer(const struct tcpstates_ring_consumer *c)
{
	WRITE_ONCE(ring.consumer, c);
}

/**
 * tcpstates_ring_push() - append one event, overwriting the oldest if full
 * @ev: the event; its @seq, @watched and chain links are filled in here
 * @net: its network namespace
 *
 * Safe in any context but NMI. Never sleeps, never allocates.
 */
void tcpstates_ring_push(struct tcpstates_event *ev, struct net *net)
{
	const struct tcpstates_ring_consumer *c = READ_ONCE(ring.consumer);
	struct tcpstates_event *slot;
	unsigned long flags;

	ev->watched = c && c->wants(net);
	tcpstates_aggr_event(ev, net);
	raw_spin_lock_irqsave(&ring.lock, flags);
	ev->seq = ring.next_seq++;
	if (ev->watched) {
		ev->ns_prev = tcpstates_netns_chain(net, ev->seq);
		ev->all_prev = ring.last_watched;
		ring.last_watched = ev->seq;
	}
	if (ev->flags & TCPSTATES_EVENT_F_PARTIAL)
		ring.partial++;
	slot = &ring.slots[ev->seq & ring.mask];
	if (ev->seq > (u64)ring.mask + 1) {
		ring.overwritten++;
		if (slot->watched && slot->seq >= ring.tx_next)
			ring.tx_overrun++;
	}
	*slot = *ev;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	if (ev->watched)
		queue_delayed_work(system_wq, c->work, TCPSTATES_TX_DELAY);
}

/**
 * tcpstates_ring_read() - copy out the oldest surviving event at or after @seq
 * @seq: the first sequence number wanted
 * @out: where to copy it; out->seq tells which event it is (> @seq after
 *	a loss)
 *
 * Return: false when no such event exists yet.
 */
bool tcpstates_ring_read(u64 seq, struct tcpstates_event *out)
{
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&ring.lock, flags);
	seq = max(seq, ring_first_seq());
	if (seq < ring.next_seq) {
		*out = ring.slots[seq & ring.mask];
		found = true;
	}
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return found;
}

/**
 * tcpstates_ring_stats() - snapshot the ring's counters
 * @st: filled in
 */
void tcpstates_ring_stats(struct tcpstates_ring_stats *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	st->next_seq = ring.next_seq;
	st->first_seq = ring_first_seq();
	st->overwritten = ring.overwritten;
	st->tx_overrun = ring.tx_overrun;
	st->partial = ring.partial;
	st->size = ring.mask + 1;
	st->bytes = (u64)st->size * sizeof(*ring.slots);
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

/**
 * tcpstates_ring_take() - the consumer's read: the next watched events
 * @next: in: the first sequence number wanted; out: where to go on from
 * @buf: where to copy them
 * @max: room in @buf
 *
 * Looks at no more than 8 * @max slots under the lock. Watched events
 * overwritten before they were taken are counted as the consumer's
 * overrun (the listeners see them missing in the chains).
 *
 * Return: how many events were copied.
 */
unsigned int tcpstates_ring_take(u64 *next, struct tcpstates_event *buf,
				 unsigned int max)
{
	unsigned int n = 0, budget = 8 * max;
	struct tcpstates_event *slot;
	unsigned long flags;
	u64 seq;

	raw_spin_lock_irqsave(&ring.lock, flags);
	seq = max(*next, ring_first_seq());
	for (; n < max && budget && seq < ring.next_seq; seq++, budget--) {
		slot = &ring.slots[seq & ring.mask];
		if (slot->watched)
			buf[n++] = *slot;
	}
	*next = seq;
	ring.tx_next = seq;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return n;
}
