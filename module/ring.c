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
 * work item is queued to run soon (ring_wake()). The consumer marks the
 * records it takes, so that overwriting a watched record it did not take
 * is counted as its overrun, exactly.
 */
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/tcp_states.h>

#include "tcpstates.h"

/*
 * Waking the consumers: the first event after a quiet spell queues their
 * work to run this long after it (at least a tick), so that a burst costs
 * one run of the multicast sender and one wakeup of each mapped reader;
 * a quarter of the ring's worth of sequence numbers taken since the last
 * wakeup runs it at once, so that the delay never costs an overwrite a
 * reader keeping up would not have had.
 */
#define TCPSTATES_WAKE_MS	20

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
	struct tcpstates_map_rec *map;	/* the mapped ring */
	size_t map_bytes;
	atomic_t mappers;		/* mapped readers there */
	struct delayed_work *map_work;	/* queued when they have news */
	unsigned long wake_delay;	/* jiffies: TCPSTATES_WAKE_MS */
	unsigned int wake_shift;	/* log2 of a quarter of the ring */
	atomic64_t tx_woken;		/* seq >> wake_shift, last woken at once */
	atomic64_t map_woken;
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
	ring.map_bytes = PAGE_ALIGN(size * sizeof(*ring.map));
	ring.map = vmalloc_user(ring.map_bytes);
	if (!ring.map)
		goto out_free_slots;
	atomic_set(&ring.mappers, 0);
	ring.map_work = NULL;
	for (i = 0; i < size; i++)
		raw_spin_lock_init(&ring.slots[i].lock);
	ring.mask = size - 1;
	ring.wake_delay = max(1UL, msecs_to_jiffies(TCPSTATES_WAKE_MS));
	ring.wake_shift = ilog2(size) - 2;	/* size >= TCPSTATES_RING_MIN */
	atomic64_set(&ring.tx_woken, 0);
	atomic64_set(&ring.map_woken, 0);
	atomic64_set(&ring.last_seq, 0);
	atomic64_set(&ring.tx_overrun, 0);
	atomic64_set(&ring.partial, 0);
	ring.consumer = NULL;
	return 0;

out_free_slots:
	kvfree(ring.slots);
	ring.slots = NULL;
	return -ENOMEM;
}

/**
 * tcpstates_ring_exit() - free the ring; producers and readers must be gone
 */
void tcpstates_ring_exit(void)
{
	vfree(ring.map);	/* no longer mapped: see map.c */
	ring.map = NULL;
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
 * tcpstates_event_segs() - the segments of the textbook's diagram an event
 *	stands for, from the connection's numbers as known then
 * @ev: the event
 * @seg: filled in, by enum tcpstates_map_seg
 *
 * Return: TCPSTATES_MAP_SEG(i) for each @seg[i] set.
 */
u32 tcpstates_event_segs(const struct tcpstates_event *ev,
			 u32 seg[TCPSTATES_MAP_NSEGS])
{
	bool xl = ev->seqs & TCPSTATES_KNOW_ISN_LOCAL;
	bool xr = ev->seqs & TCPSTATES_KNOW_ISN_REMOTE;
	bool fl = ev->seqs & TCPSTATES_KNOW_FIN_LOCAL;
	bool fr = ev->seqs & TCPSTATES_KNOW_FIN_REMOTE;
	u32 have = 0;

#define TCPSTATES_T(o, n)	((o) << 4 | (n))
#define TCPSTATES_SEG(known, i, v)				\
	do {							\
		if (known) {					\
			seg[TCPSTATES_MAP_SEG_##i] = (v);	\
			have |= TCPSTATES_MAP_SEG(TCPSTATES_MAP_SEG_##i); \
		}						\
	} while (0)
	switch (TCPSTATES_T(ev->oldstate, ev->newstate)) {
	case TCPSTATES_T(TCP_CLOSE, TCP_SYN_SENT):
		TCPSTATES_SEG(xl, SYN_SEQ, ev->isn_local);
		break;
	case TCPSTATES_T(TCP_NEW_SYN_RECV, TCP_SYN_RECV):
		TCPSTATES_SEG(xr, SYN_SEQ, ev->isn_remote);
		TCPSTATES_SEG(xl, SYNACK_SEQ, ev->isn_local);
		TCPSTATES_SEG(xr, SYNACK_ACK, ev->isn_remote + 1);
		break;
	case TCPSTATES_T(TCP_SYN_SENT, TCP_ESTABLISHED):
		TCPSTATES_SEG(xr, SYNACK_SEQ, ev->isn_remote);
		TCPSTATES_SEG(xl, SYNACK_ACK, ev->isn_local + 1);
		TCPSTATES_SEG(xr, ACK, ev->isn_remote + 1);
		break;
	case TCPSTATES_T(TCP_SYN_RECV, TCP_ESTABLISHED):
		TCPSTATES_SEG(xl, ACK, ev->isn_local + 1);
		break;
	case TCPSTATES_T(TCP_ESTABLISHED, TCP_FIN_WAIT1):
	case TCPSTATES_T(TCP_CLOSE_WAIT, TCP_LAST_ACK):
		TCPSTATES_SEG(fl, FIN_SEQ, ev->fin_local);
		break;
	case TCPSTATES_T(TCP_FIN_WAIT1, TCP_FIN_WAIT2):
	case TCPSTATES_T(TCP_LAST_ACK, TCP_CLOSE):
	case TCPSTATES_T(TCP_CLOSING, TCP_TIME_WAIT):
		TCPSTATES_SEG(fl, FIN_ACK, ev->fin_local + 1);
		break;
	case TCPSTATES_T(TCP_FIN_WAIT1, TCP_CLOSING):
		TCPSTATES_SEG(fr, FIN_SEQ, ev->fin_remote);
		break;
	case TCPSTATES_T(TCP_ESTABLISHED, TCP_CLOSE_WAIT):
	case TCPSTATES_T(TCP_FIN_WAIT2, TCP_TIME_WAIT):
		TCPSTATES_SEG(fr, FIN_SEQ, ev->fin_remote);
		TCPSTATES_SEG(fr, FIN_ACK, ev->fin_remote + 1);
		break;
	}
#undef TCPSTATES_SEG
#undef TCPSTATES_T
	return have;
}

/* Known if not TCPSTATES_UNKNOWN: @bit, else 0 */
static u32 ring_map_known(u64 v, u32 bit)
{
	return v != TCPSTATES_UNKNOWN ? bit : 0;
}

/* The event into its mapped record: the slot's lock held */
static void ring_map_write(struct tcpstates_map_rec *r,
			   const struct tcpstates_event *ev)
{
	const struct tcpstates_endpoints *ep = &ev->ep;
	u32 gen = r->gen;
	u32 known;

	WRITE_ONCE(r->gen, gen + 1);
	smp_wmb();	/* odd before the fields: pairs with the reader's acquire */
	known = tcpstates_event_segs(ev, r->seg) |
		ring_map_known(ev->prev_ns, TCPSTATES_MAP_PREV_NS) |
		ring_map_known(ev->life_ns, TCPSTATES_MAP_LIFE_NS);
	r->seq = ev->seq;
	r->time_ns = ev->ts_ns;
	r->prev_ns = ev->prev_ns;
	r->life_ns = ev->life_ns;
	r->cookie = ev->cookie;
	r->netns_id = ep->netns_id;
	r->cgroup_id = ev->cgroup_id;
	r->snd_nxt = ev->snd;
	r->rcv_nxt = ev->rcv;
	if (ev->known & TCPSTATES_EV_SND)
		known |= TCPSTATES_MAP_SND_NXT;
	if (ev->known & TCPSTATES_EV_RCV)
		known |= TCPSTATES_MAP_RCV_NXT;
	r->err = ev->err;
	if (ev->cause == TCPSTATES_CAUSE_ERROR)
		known |= TCPSTATES_MAP_ERRNO;
	r->hs_retrans = ev->hs_retrans;
	r->hs_wait_ns = ev->hs_wait_ns;
	if (ev->known & TCPSTATES_EV_HS) {
		known |= TCPSTATES_MAP_HS_RETRANS |
			 ring_map_known(ev->hs_wait_ns, TCPSTATES_MAP_HS_WAIT_NS);
	}
	if (ev->known & TCPSTATES_EV_DATA) {
		known |= TCPSTATES_MAP_DATA;
		r->bytes_acked = ev->data.bytes_acked;
		r->bytes_received = ev->data.bytes_received;
		r->segs_out = ev->data.segs_out;
		r->segs_in = ev->data.segs_in;
		r->retrans = ev->data.retrans;
		r->rto = ev->data.rto;
		r->tlp = ev->data.tlp;
		r->srtt_us = ev->data.srtt_us;
		r->min_rtt_us = ev->data.min_rtt_us;
	}
	if (ev->known & TCPSTATES_EV_DROP) {
		known |= TCPSTATES_MAP_DROP;
		r->syn_drops = ev->drop.syn_drops;
		r->ack_drops = ev->drop.ack_drops;
		r->drops_suppressed = ev->drop.suppressed;
		r->acceptq_len = ev->drop.acceptq_len;
		r->acceptq_max = ev->drop.acceptq_max;
	}
	r->flags = ev->flags;
	r->netns = ep->netns_ino;
	r->family = ep->family;
	r->local_port = ntohs(ep->sport);
	r->remote_port = ntohs(ep->dport);
	memcpy(r->local_addr, &ep->saddr, sizeof(r->local_addr));
	memcpy(r->remote_addr, &ep->daddr, sizeof(r->remote_addr));
	r->oldstate = ev->oldstate;
	r->newstate = ev->newstate;
	r->cause = ev->cause;
	r->role = ev->role;
	r->tgid = ev->owner.tgid;
	r->pid = ev->owner.pid;
	r->uid = ev->owner.uid;
	memcpy(r->comm, ev->owner.comm, sizeof(r->comm));
	if (ev->owner.known & TCPSTATES_OWNER_UID)
		known |= TCPSTATES_MAP_OWNER_UID;
	if (ev->owner.known & TCPSTATES_OWNER_PROC)
		known |= TCPSTATES_MAP_OWNER_PROC;
	r->known = known;
	smp_wmb();	/* the fields before even: pairs with its fence */
	WRITE_ONCE(r->gen, gen + 2);
}

/*
 * A consumer has news up to @seq: its work runs at once if a quarter of
 * the ring went by since it was last woken so (@woken), else in
 * wake_delay unless already queued. Any context, interrupts off.
 */
static void ring_wake(struct delayed_work *work, atomic64_t *woken, u64 seq)
{
	u64 quarter = seq >> ring.wake_shift;
	s64 last = atomic64_read(woken);

	if (quarter != last && atomic64_cmpxchg(woken, last, quarter) == last)
		mod_delayed_work(system_wq, work, 0);
	else
		queue_delayed_work(system_wq, work, ring.wake_delay);
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
	int mapped = 0;

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
		mapped = atomic_read(&ring.mappers);
		if (mapped)
			ring_map_write(&ring.map[ev->seq & ring.mask], ev);
	} else if (ev->watched) {
		atomic64_inc(&ring.tx_overrun);
	}
	raw_spin_unlock(&slot->lock);
	if (ev->watched)
		ring_wake(c->work, &ring.tx_woken, ev->seq);
	if (mapped)
		ring_wake(READ_ONCE(ring.map_work), &ring.map_woken, ev->seq);
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
	st->bytes = (u64)st->size * sizeof(*ring.slots) + ring.map_bytes;
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

/**
 * tcpstates_ring_set_map_work() - whom to wake for mapped readers
 * @work: queued (see ring_wake()) when events come while a mapped reader
 *	is there; set before the probes run, valid until they stopped
 */
void tcpstates_ring_set_map_work(struct delayed_work *work)
{
	WRITE_ONCE(ring.map_work, work);
}

/**
 * tcpstates_ring_map_begin() - a mapped reader comes
 *
 * Process context.
 *
 * Return: the first event that will be in the mapped records for it.
 */
u64 tcpstates_ring_map_begin(void)
{
	atomic_inc(&ring.mappers);
	/*
	 * Against a producer's taking its number then reading mappers: either
	 * it saw us, or its number is below the one read here.
	 */
	smp_mb__after_atomic();
	return ring_next_seq();
}

/**
 * tcpstates_ring_map_end() - a mapped reader goes
 */
void tcpstates_ring_map_end(void)
{
	atomic_dec(&ring.mappers);
}

/**
 * tcpstates_ring_map_layout() - what a mapped reader needs to know
 * @nrecs: the records (the ring's size)
 *
 * Return: the bytes that may be mapped.
 */
size_t tcpstates_ring_map_layout(u32 *nrecs)
{
	*nrecs = ring.mask + 1;
	return ring.map_bytes;
}

/**
 * tcpstates_ring_map_vma() - map the records into a reader's memory
 * @vma: its mapping, read-only (the view checked), from offset 0
 *
 * Return: 0 or a negative errno (-EINVAL when larger than the records).
 */
int tcpstates_ring_map_vma(struct vm_area_struct *vma)
{
	return remap_vmalloc_range(vma, ring.map, vma->vm_pgoff);
}

/**
 * tcpstates_ring_next_seq() - the sequence number the next event will get
 */
u64 tcpstates_ring_next_seq(void)
{
	return ring_next_seq();
}
