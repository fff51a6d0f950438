// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the connection table.
 *
 * One entry per live connection, keyed by socket cookie, holding its
 * lifecycle so far (owner, ISNs, FIN sequence numbers, time per state).
 * Every entry is allocated at load; an entry leaves when its connection is
 * gone (CLOSE, or the end of TIME_WAIT).
 *
 * Shards. The hash buckets are split among shards (bucket b belongs to
 * shard b % nshards), each with its own raw spinlock, taken with
 * interrupts off, its own free entries and its own eviction lists: the
 * probes of different connections on different CPUs do not meet on one
 * lock or one cache line. Raw, because on PREEMPT_RT a spinlock_t sleeps.
 * Whoever holds a shard's lock does bounded work: one bucket, one entry,
 * or a bounded number of other shards tried with trylock when the shard
 * has no free entry.
 *
 * Eviction. When the table is full a new connection takes the entry that
 * matters least: its shard keeps one list per class (enum tcpstates_class),
 * in the order entries entered the class, and gives up the oldest entry of
 * the first class that has one: TIME_WAIT, then closing, then open, then
 * held (CLOSE_WAIT, LISTEN). A shard that has only dearer entries looks
 * for a cheaper one in the other shards first, and for free entries
 * before that. Every eviction is counted by class; the connection's later
 * events still come (the probes adopt it again, marked partial), and
 * what was lost with the entry is counted there.
 *
 * Seeding. While the module seeds the table with the connections that
 * exist at load (seed.c), an entry removed is kept as a tombstone, so
 * that the seeder, which may have read that socket just before it closed,
 * does not add it back; the tombstones go when seeding ends.
 *
 * Readers walk the buckets in order, one entry per call: the next cookie
 * in the reader's bucket, or the first in a later bucket. Connections that
 * come and go meanwhile may be missed, as with /proc/net/tcp; none is read
 * twice.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/tcp_states.h>

#include "tcpstates.h"

/* At most this many entries move from another shard's free list at once. */
#define TCPSTATES_STEAL_MAX	64

/**
 * struct tcpstates_shard - one lock's share of the table
 * @lock: protects everything below and the buckets of the shard
 * @free: free entries
 * @lists: entries by eviction class, oldest first
 * @nfree: entries on @free
 * @ncls: entries on each of @lists
 * @used: live entries
 * @added: entries made
 * @removed: entries gone with their connection
 * @evicted: entries evicted, by class
 * @seeded: entries found at load
 * @partial: entries made for connections met mid-life
 * @drops_suppressed: listeners' drops that made no drop event
 */
struct tcpstates_shard {
	raw_spinlock_t lock;
	struct list_head free;
	struct list_head lists[TCPSTATES_NCLASSES];
	u32 nfree;
	u32 ncls[TCPSTATES_NCLASSES];
	u64 used;
	u64 added;
	u64 removed;
	u64 evicted[TCPSTATES_NCLASSES];
	u64 seeded;
	u64 partial;
	u64 drops_suppressed;
} ____cacheline_aligned_in_smp;

static struct {
	struct tcpstates_conn *pool;
	struct hlist_head *hash;
	struct tcpstates_shard *shards;
	u32 hash_bits;
	u32 nshards;		/* a power of two */
	u32 max;
	bool seeding;
} table;

/* Shards: 4 per CPU, at least 64 entries each, a power of two. */
static u32 tcpstates_nshards(unsigned int max)
{
	u32 n = roundup_pow_of_two(num_possible_cpus()) * 4;

	while (n > 1 && max / n < 64)
		n /= 2;
	return n;
}

/**
 * tcpstates_conn_init() - allocate the table
 * @max: capacity in connections
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_conn_init(unsigned int max)
{
	unsigned int i, c, buckets = roundup_pow_of_two(max);

	memset(&table, 0, sizeof(table));
	table.nshards = tcpstates_nshards(max);
	table.pool = kvcalloc(max, sizeof(*table.pool), GFP_KERNEL);
	if (!table.pool)
		return -ENOMEM;
	table.hash = kvcalloc(buckets, sizeof(*table.hash), GFP_KERNEL);
	if (!table.hash)
		goto out_free_pool;
	table.shards = kvcalloc(table.nshards, sizeof(*table.shards),
				GFP_KERNEL);
	if (!table.shards)
		goto out_free_hash;
	table.hash_bits = ilog2(buckets);
	table.max = max;
	for (i = 0; i < table.nshards; i++) {
		struct tcpstates_shard *s = &table.shards[i];

		raw_spin_lock_init(&s->lock);
		INIT_LIST_HEAD(&s->free);
		for (c = 0; c < TCPSTATES_NCLASSES; c++)
			INIT_LIST_HEAD(&s->lists[c]);
	}
	for (i = 0; i < max; i++) {
		struct tcpstates_shard *s = &table.shards[i % table.nshards];

		list_add_tail(&table.pool[i].lru, &s->free);
		s->nfree++;
	}
	return 0;

out_free_hash:
	kvfree(table.hash);
out_free_pool:
	kvfree(table.pool);
	return -ENOMEM;
}

/**
 * tcpstates_conn_exit() - free the table; no probe or reader may remain
 */
void tcpstates_conn_exit(void)
{
	kvfree(table.shards);
	kvfree(table.hash);
	kvfree(table.pool);
	table.shards = NULL;
	table.hash = NULL;
	table.pool = NULL;
}

static u32 conn_bucket_of(u64 cookie)
{
	return hash_64(cookie, table.hash_bits);
}

static struct tcpstates_shard *conn_shard_of_bucket(u32 bucket)
{
	return &table.shards[bucket & (table.nshards - 1)];
}

/* The entry of @cookie, live or a tombstone, in its bucket; shard locked. */
static struct tcpstates_conn *conn_find(u64 cookie)
{
	struct tcpstates_conn *conn;

	hlist_for_each_entry(conn, &table.hash[conn_bucket_of(cookie)], node)
		if (conn->cookie == cookie)
			return conn;
	return NULL;
}

static u8 conn_class(const struct tcpstates_conn *conn)
{
	if (conn->flags & TCPSTATES_CONN_DEAD)
		return TCPSTATES_CLASS_DEAD;
	switch (conn->state) {
	case TCP_TIME_WAIT:
		return TCPSTATES_CLASS_TIME_WAIT;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:	/* a timewait socket's FIN_WAIT2 substate too */
	case TCP_CLOSING:
	case TCP_LAST_ACK:
	case TCP_CLOSE:
		return TCPSTATES_CLASS_CLOSING;
	case TCP_CLOSE_WAIT:
	case TCP_LISTEN:
		return TCPSTATES_CLASS_HELD;
	default:
		return TCPSTATES_CLASS_OPEN;
	}
}

/* Put @conn on the list of its class, at the end when it changes class. */
static void conn_classify(struct tcpstates_shard *s,
			  struct tcpstates_conn *conn)
{
	u8 cls = conn_class(conn);

	if (cls == conn->cls)
		return;
	s->ncls[conn->cls]--;
	s->ncls[cls]++;
	conn->cls = cls;
	list_move_tail(&conn->lru, &s->lists[cls]);
}

/* Take @conn out of shard @s and give the entry to @to's free list. */
static void conn_release(struct tcpstates_shard *s, struct tcpstates_conn *conn,
			 struct tcpstates_shard *to)
{
	hlist_del(&conn->node);
	s->ncls[conn->cls]--;
	list_move(&conn->lru, &to->free);
	to->nfree++;
}

/* Evict the oldest entry of class @cls of shard @s into @to's free list. */
static void conn_evict(struct tcpstates_shard *s, u8 cls,
		       struct tcpstates_shard *to)
{
	struct tcpstates_conn *conn;

	conn = list_first_entry(&s->lists[cls], struct tcpstates_conn, lru);
	conn_release(s, conn, to);
	if (cls == TCPSTATES_CLASS_DEAD)
		return;		/* a tombstone: no connection lost */
	s->used--;
	s->evicted[cls]++;
}

static int conn_cheapest_class(const struct tcpstates_shard *s)
{
	int c;

	for (c = 0; c < TCPSTATES_NCLASSES; c++)
		if (READ_ONCE(s->ncls[c]))
			return c;
	return TCPSTATES_NCLASSES;
}

/* Free entries from another shard, for shard @s (locked). */
static bool conn_steal_free(struct tcpstates_shard *s)
{
	u32 i, n, self = s - table.shards;

	for (i = 1; i < table.nshards; i++) {
		struct tcpstates_shard *o;

		o = &table.shards[(self + i) & (table.nshards - 1)];
		if (!READ_ONCE(o->nfree) || !raw_spin_trylock(&o->lock))
			continue;
		n = min_t(u32, o->nfree - o->nfree / 2, TCPSTATES_STEAL_MAX);
		while (n--) {
			list_move(o->free.next, &s->free);
			o->nfree--;
			s->nfree++;
		}
		raw_spin_unlock(&o->lock);
		if (s->nfree)
			return true;
	}
	return false;
}

/*
 * Make room in shard @s (locked, no free entry): evict the cheapest entry
 * of the whole table, as far as other shards can be had without waiting.
 */
static bool conn_make_room(struct tcpstates_shard *s)
{
	int best = conn_cheapest_class(s), pass, c;
	u32 i, self = s - table.shards;

	for (pass = 0; pass < 2; pass++) {
		for (c = 0; c < best; c++) {
			for (i = 1; i < table.nshards; i++) {
				struct tcpstates_shard *o;

				o = &table.shards[(self + i) & (table.nshards - 1)];
				if (!READ_ONCE(o->ncls[c]) ||
				    !raw_spin_trylock(&o->lock))
					continue;
				if (o->ncls[c]) {
					conn_evict(o, c, s);
					raw_spin_unlock(&o->lock);
					return true;
				}
				raw_spin_unlock(&o->lock);
			}
		}
	}
	if (best == TCPSTATES_NCLASSES)
		return false;	/* nothing here, the others busy */
	conn_evict(s, best, s);
	return true;
}

/* A fresh entry for @cookie in shard @s (locked), or NULL. */
static struct tcpstates_conn *conn_new(struct tcpstates_shard *s, u64 cookie)
{
	struct tcpstates_conn *conn;

	if (!s->nfree && !conn_steal_free(s) && !conn_make_room(s))
		return NULL;
	conn = list_first_entry(&s->free, struct tcpstates_conn, lru);
	list_del(&conn->lru);
	s->nfree--;
	memset(conn, 0, sizeof(*conn));
	conn->cookie = cookie;
	conn->created_ns = ktime_get_ns();
	conn->state_ns = TCPSTATES_UNKNOWN;
	conn->cls = TCPSTATES_CLASS_OPEN;
	list_add_tail(&conn->lru, &s->lists[conn->cls]);
	s->ncls[conn->cls]++;
	hlist_add_head(&conn->node, &table.hash[conn_bucket_of(cookie)]);
	s->used++;
	s->added++;
	return conn;
}

/**
 * tcpstates_conn_lock() - lock the shard of a connection and look it up
 * @cookie: its socket cookie
 * @l: the lock taken, for the calls below and tcpstates_conn_unlock()
 *
 * Interrupts off: the probe handlers run so (probe.c), and seeding turns
 * them off around it; the lock does not save and restore them again.
 *
 * Return: the live entry, or NULL.
 */
struct tcpstates_conn *tcpstates_conn_lock(u64 cookie,
					   struct tcpstates_conn_lock *l)
	__acquires(shard)
{
	struct tcpstates_shard *s = conn_shard_of_bucket(conn_bucket_of(cookie));
	struct tcpstates_conn *conn;

	lockdep_assert_irqs_disabled();
	raw_spin_lock(&s->lock);
	l->shard = s;
	conn = conn_find(cookie);
	if (conn && (conn->flags & TCPSTATES_CONN_DEAD))
		return NULL;
	return conn;
}

/**
 * tcpstates_conn_unlock() - unlock what tcpstates_conn_lock() locked
 * @l: the lock
 */
void tcpstates_conn_unlock(struct tcpstates_conn_lock *l)
	__releases(shard)
{
	struct tcpstates_shard *s = l->shard;

	raw_spin_unlock(&s->lock);
}

/**
 * tcpstates_conn_get() - a connection's entry, made if it has none
 * @l: the shard of @cookie, locked
 * @cookie: its socket cookie
 * @created: set to whether the entry is new (zeroed but for its cookie,
 *	creation time, and state_ns TCPSTATES_UNKNOWN)
 *
 * When the table is full an entry makes room (see the top of this file).
 * Never sleeps or allocates.
 *
 * Return: the entry, or NULL in the rare case where the shard has no
 * entry at all and every other shard was busy.
 */
struct tcpstates_conn *tcpstates_conn_get(struct tcpstates_conn_lock *l,
					  u64 cookie, bool *created)
{
	struct tcpstates_shard *s = l->shard;
	struct tcpstates_conn *conn = conn_find(cookie);

	*created = false;
	if (conn && !(conn->flags & TCPSTATES_CONN_DEAD))
		return conn;
	if (conn)	/* a tombstone: the socket connects again */
		conn_release(s, conn, s);
	*created = true;
	return conn_new(s, cookie);
}

/**
 * tcpstates_conn_seed_add() - an entry for a connection found at load
 * @l: the shard of @cookie, locked
 * @cookie: its socket cookie
 *
 * Return: a new entry, counted as seeded; NULL when the connection has an
 * entry already (a probe saw it), or had one and closed meanwhile.
 */
struct tcpstates_conn *tcpstates_conn_seed_add(struct tcpstates_conn_lock *l,
					       u64 cookie)
{
	struct tcpstates_shard *s = l->shard;
	struct tcpstates_conn *conn;

	if (conn_find(cookie))
		return NULL;
	conn = conn_new(s, cookie);
	if (conn) {
		conn->flags = TCPSTATES_CONN_F_PREEXISTING;
		s->seeded++;
	}
	return conn;
}

/**
 * tcpstates_conn_adopt() - mark a new entry as met mid-life
 * @l: its shard, locked
 * @conn: the entry tcpstates_conn_get() made for a connection whose start
 *	the probes did not see
 *
 * While seeding, such a connection is one that existed at load; after, it
 * lost its entry to an eviction (or a missed probe hid its start): the
 * entry is partial, and counted.
 */
void tcpstates_conn_adopt(struct tcpstates_conn_lock *l,
			  struct tcpstates_conn *conn)
{
	struct tcpstates_shard *s = l->shard;

	if (READ_ONCE(table.seeding)) {
		conn->flags |= TCPSTATES_CONN_F_PREEXISTING;
		return;
	}
	conn->flags |= TCPSTATES_CONN_F_PARTIAL;
	s->partial++;
}

/**
 * tcpstates_conn_drop_suppressed() - count a listener's drop that made no
 * drop event
 * @l: the listener's shard, locked
 */
void tcpstates_conn_drop_suppressed(struct tcpstates_conn_lock *l)
{
	struct tcpstates_shard *s = l->shard;

	s->drops_suppressed++;
}

/**
 * tcpstates_conn_update() - an entry's state or flags changed
 * @l: its shard, locked
 * @conn: the entry
 */
void tcpstates_conn_update(struct tcpstates_conn_lock *l,
			   struct tcpstates_conn *conn)
{
	conn_classify(l->shard, conn);
}

/**
 * tcpstates_conn_remove() - forget a connection
 * @l: its shard, locked
 * @conn: the entry
 */
void tcpstates_conn_remove(struct tcpstates_conn_lock *l,
			   struct tcpstates_conn *conn)
{
	struct tcpstates_shard *s = l->shard;

	s->used--;
	s->removed++;
	if (READ_ONCE(table.seeding)) {
		conn->flags |= TCPSTATES_CONN_DEAD;
		conn_classify(s, conn);
		return;
	}
	conn_release(s, conn, s);
}

/**
 * tcpstates_conn_seed_begin() - entries removed from now on stay as tombstones
 *
 * Call before the probes are registered: then no close the seeder could
 * miss comes before it.
 */
void tcpstates_conn_seed_begin(void)
{
	WRITE_ONCE(table.seeding, true);
}

/**
 * tcpstates_conn_seed_end() - seeding is over: drop the tombstones
 *
 * Process context. Holds a shard's lock for a bounded number of them at
 * a time.
 */
void tcpstates_conn_seed_end(void)
{
	unsigned long flags;
	u32 i, n;

	WRITE_ONCE(table.seeding, false);
	for (i = 0; i < table.nshards; i++) {
		struct tcpstates_shard *s = &table.shards[i];

		do {
			raw_spin_lock_irqsave(&s->lock, flags);
			for (n = 0; n < 64 && s->ncls[TCPSTATES_CLASS_DEAD]; n++)
				conn_evict(s, TCPSTATES_CLASS_DEAD, s);
			n = s->ncls[TCPSTATES_CLASS_DEAD];
			raw_spin_unlock_irqrestore(&s->lock, flags);
			cond_resched();
		} while (n);
	}
}

/**
 * tcpstates_conn_read() - copy out the next live connection
 * @cur: where the reader is; zeroed to start; moved to the entry copied
 * @out: where to copy it
 *
 * Process context. Holds a shard's lock for one bucket at a time.
 *
 * Return: false when there is no further entry.
 */
bool tcpstates_conn_read(struct tcpstates_conn_cursor *cur,
			 struct tcpstates_conn *out)
{
	u32 b, nbuckets = 1U << table.hash_bits;
	struct tcpstates_conn *conn, *best;
	struct tcpstates_shard *s;
	unsigned long flags;
	u64 after = cur->cookie;

	for (b = cur->bucket; b < nbuckets; b++, after = 0) {
		if (!(b & 1023))
			cond_resched();
		if (hlist_empty(&table.hash[b]))
			continue;
		s = conn_shard_of_bucket(b);
		best = NULL;
		raw_spin_lock_irqsave(&s->lock, flags);
		hlist_for_each_entry(conn, &table.hash[b], node)
			if (!(conn->flags & TCPSTATES_CONN_DEAD) &&
			    conn->cookie > after &&
			    (!best || conn->cookie < best->cookie))
				best = conn;
		if (best)
			*out = *best;
		raw_spin_unlock_irqrestore(&s->lock, flags);
		if (best) {
			cur->bucket = b;
			cur->cookie = out->cookie;
			return true;
		}
	}
	cur->bucket = nbuckets;
	cur->cookie = 0;
	return false;
}

/**
 * tcpstates_conn_stats() - the table counters, each shard's consistent
 * @st: filled in
 */
void tcpstates_conn_stats(struct tcpstates_conn_stats *st)
{
	unsigned long flags;
	u32 i, c;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < table.nshards; i++) {
		struct tcpstates_shard *s = &table.shards[i];

		raw_spin_lock_irqsave(&s->lock, flags);
		st->used += s->used;
		st->added += s->added;
		st->removed += s->removed;
		for (c = 1; c < TCPSTATES_NCLASSES; c++) {
			st->evicted[c] += s->evicted[c];
			st->evicted[0] += s->evicted[c];
		}
		st->seeded += s->seeded;
		st->partial += s->partial;
		st->drops_suppressed += s->drops_suppressed;
		raw_spin_unlock_irqrestore(&s->lock, flags);
	}
	st->max = table.max;
	st->bytes = (u64)table.max * sizeof(*table.pool) +
		    (sizeof(*table.hash) << table.hash_bits) +
		    (u64)table.nshards * sizeof(*table.shards);
}
