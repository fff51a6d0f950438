// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the event ring.
 *
 * One bounded ring of fixed-size records shared by all CPUs, with no lock
 * over the whole of it. Producers are kprobe handlers (softirq or process
 * context, interrupts off); readers are procfs, netlink dumps and the
 * multicast sender in process context.
 *
 * Sequence numbers come from one atomic counter, so they are gapless: the
 * event numbered s goes into slot s % size. Each slot has its own raw
 * spinlock, held to copy one record in or out (with interrupts off, so
 * that a softirq on the same CPU cannot re-enter; raw, because on
 * PREEMPT_RT a spinlock_t sleeps). Two writers meet on a slot only when
 * the ring wraps around under one of them; the later event wins and the
 * earlier one is lost, as an overwritten one is.
 *
 * When the ring is full the oldest records are overwritten: the events
 * numbered up to the newest minus the ring's size are gone, and counted
 * so. A reader sees a loss as a jump in sequence numbers. A record not
 * written yet (its number taken, its writer still copying it) ends what a
 * reader reads for now: it comes back for it.
 *
 * Live delivery: a consumer (the multicast sender) tells the ring whom it
 * serves. An event someone listens for when it happens is marked watched
 * and linked to the previous watched event of its namespace (netns.c
 * keeps that chain in the order of the sequence numbers: those events
 * take their number under their namespace's lock), and the consumer's
 * work item is queued. The consumer marks the records it takes, so that
 * overwriting a watched record it did not take is counted as its
 * overrun, exactly.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "tcpstates.h"

/* The consumer waits this long, in jiffies, for the events after the first. */
#define TCPSTATES_TX_DELAY	1

/**
 * struct tcpstates_slot - one record of the ring
 * @lock: held to copy the record in or out
 * @taken: the consumer took this record
 * @ev: the record; @ev.seq 0 while the slot was never written
 */
struct tcpstates_slot {
	raw_spinlock_t lock;
	bool taken;
	struct tcpstates_event ev;
};

static struct {
	struct tcpstates_slot *slots;
	const struct tcpstates_ring_consumer *consumer;
	atomic64_t last_seq;	/* the last sequence number given */
	atomic64_t tx_overrun;
	atomic64_t partial;
	u32 mask;
} ring;

/* The sequence number the next event will get */
static u64 ring_next_seq(void)
{
	return atomic64_read(&ring.last_seq) + 1;
}

/* The oldest sequence number that may still be in the ring (1 first) */
static u64 ring_first_seq(u64 next)
{
	u64 size = (u64)ring.mask + 1;

	return next > size ? next - size : 1;
}

/**
 * tcpstates_ring_init() - allocate the ring
 * @size: capacity in events, a power of two (main.c rounds the parameter)
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_ring_init(unsigned int size)
{
	unsigned int i;

	ring.slots = kvcalloc(size, sizeof(*ring.slots), GFP_KERNEL);
	if (!ring.slots)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		raw_spin_lock_init(&ring.slots[i].lock);
	ring.mask = size - 1;
	atomic64_set(&ring.last_seq, 0);
	atomic64_set(&ring.tx_overrun, 0);
	atomic64_set(&ring.partial, 0);
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
 * @ev: the event; its @seq, @watched and chain link are filled in here
 * @net: its network namespace
 *
 * Interrupts off (every probe handler runs so, see probe.c): from taking
 * the sequence number to the record's copy nothing on this CPU can come
 * between. Never sleeps, never allocates.
 */
void tcpstates_ring_push(struct tcpstates_event *ev, struct net *net)
{
	const struct tcpstates_ring_consumer *c = READ_ONCE(ring.consumer);
	struct tcpstates_slot *slot;

	lockdep_assert_irqs_disabled();
	ev->watched = c && c->wants(net);
	tcpstates_aggr_event(ev, net);
	if (ev->flags & TCPSTATES_EVENT_F_PARTIAL)
		atomic64_inc(&ring.partial);
	if (ev->watched) {
		ev->ns_prev = tcpstates_netns_chain(net, &ring.last_seq, &ev->seq);
		/* every event is watched while events-all has a listener */
		ev->all_prev = ev->seq - 1;
	} else {
		ev->seq = atomic64_inc_return(&ring.last_seq);
	}
	slot = &ring.slots[ev->seq & ring.mask];
	raw_spin_lock(&slot->lock);
	/*
	 * A later event may have been quicker to this slot: then ours is the
	 * one lost, as if overwritten.
	 */
	if (slot->ev.seq < ev->seq) {
		if (slot->ev.watched && !slot->taken)
			atomic64_inc(&ring.tx_overrun);
		slot->ev = *ev;
		slot->taken = false;
	} else if (ev->watched) {
		atomic64_inc(&ring.tx_overrun);
	}
	raw_spin_unlock(&slot->lock);
	if (ev->watched)
		queue_delayed_work(system_wq, c->work, TCPSTATES_TX_DELAY);
}

/*
 * The record numbered @seq, under its slot's lock: 1 copied, 0 gone
 * (overwritten), -1 not written yet.
 */
static int ring_copy(u64 seq, struct tcpstates_event *out, bool take)
{
	struct tcpstates_slot *slot = &ring.slots[seq & ring.mask];
	unsigned long flags;
	int ret = -1;

	raw_spin_lock_irqsave(&slot->lock, flags);
	if (slot->ev.seq == seq) {
		if (!take || slot->ev.watched) {
			*out = slot->ev;
			if (take)
				slot->taken = true;
			ret = 1;
		} else {
			ret = 0;	/* unwatched: nothing to take */
		}
	} else if (slot->ev.seq > seq) {
		ret = 0;
	}
	raw_spin_unlock_irqrestore(&slot->lock, flags);
	return ret;
}

/**
 * tcpstates_ring_read() - copy out the oldest surviving event at or after @seq
 * @seq: the first sequence number wanted
 * @out: where to copy it; out->seq tells which event it is (> @seq after
 *	a loss)
 *
 * Process context.
 *
 * Return: false when no such event exists yet (or its record is being
 * written: it will be there soon).
 */
bool tcpstates_ring_read(u64 seq, struct tcpstates_event *out)
{
	u64 next = ring_next_seq();

	for (seq = max(seq, ring_first_seq(next)); seq < next; seq++) {
		switch (ring_copy(seq, out, false)) {
		case 1:
			return true;
		case -1:
			return false;
		}
		/* overwritten meanwhile: the next may survive */
		seq = max(seq, ring_first_seq(ring_next_seq()) - 1);
	}
	return false;
}

/**
 * tcpstates_ring_stats() - snapshot the ring's counters
 * @st: filled in
 */
void tcpstates_ring_stats(struct tcpstates_ring_stats *st)
{
	u64 next = ring_next_seq();

	st->next_seq = next;
	st->first_seq = ring_first_seq(next);
	st->size = ring.mask + 1;
	st->overwritten = next - 1 > st->size ? next - 1 - st->size : 0;
	st->tx_overrun = atomic64_read(&ring.tx_overrun);
	st->partial = atomic64_read(&ring.partial);
	st->bytes = (u64)st->size * sizeof(*ring.slots);
}

/**
 * tcpstates_ring_take() - the consumer's read: the next watched events
 * @next: in: the first sequence number wanted; out: where to go on from
 * @buf: where to copy them
 * @max: room in @buf
 *
 * Looks at no more than 8 * @max records. Stops at a record not written
 * yet. Watched events overwritten before they were taken are counted as
 * the consumer's overrun (the listeners see them missing in the chains).
 *
 * Return: how many events were copied.
 */
unsigned int tcpstates_ring_take(u64 *next, struct tcpstates_event *buf,
				 unsigned int max)
{
	unsigned int n = 0, budget = 8 * max;
	u64 seq, end = ring_next_seq();
	int got;

	for (seq = max(*next, ring_first_seq(end));
	     n < max && budget && seq < end; seq++, budget--) {
		got = ring_copy(seq, &buf[n], true);
		if (got < 0)
			break;
		n += got;
	}
	*next = seq;
	return n;
}
