// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the connection table.
 *
 * One entry per live connection, keyed by socket cookie, holding its
 * lifecycle so far (owner, ISNs, FIN sequence numbers, time per state).
 * All entries are allocated at load: the kprobe handlers take one from the
 * free list, or, when the table is full, evict the oldest entry and count
 * it. An entry leaves when its connection is gone (CLOSE, or the end of
 * TIME_WAIT).
 *
 * One raw spinlock, taken with interrupts off, protects the hash, the age
 * list and every entry; callers hold it from tcpstates_conn_lock() to
 * tcpstates_conn_unlock() and do only bounded work in between.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rculist_nulls.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "tcpstates.h"

static struct {
	raw_spinlock_t lock;
	struct tcpstates_conn *pool;
	struct hlist_head *hash;
	struct list_head used;		/* oldest first */
	struct list_head free;
	u32 hash_bits;
	u64 used_count;
	u64 max;
	u64 added;
	u64 removed;
	u64 evicted;
	u64 seeded;
} table = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(table.lock),
};

/**
 * tcpstates_conn_init() - allocate the table
 * @max: capacity in connections
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_conn_init(unsigned int max)
{
	unsigned int i, buckets = roundup_pow_of_two(max);

	table.pool = kvcalloc(max, sizeof(*table.pool), GFP_KERNEL);
	if (!table.pool)
		return -ENOMEM;
	table.hash = kvcalloc(buckets, sizeof(*table.hash), GFP_KERNEL);
	if (!table.hash)
		goto out_free_pool;
	table.hash_bits = ilog2(buckets);
	INIT_LIST_HEAD(&table.used);
	INIT_LIST_HEAD(&table.free);
	for (i = 0; i < max; i++)
		list_add_tail(&table.pool[i].age, &table.free);
	table.max = max;
	table.used_count = 0;
	table.added = 0;
	table.removed = 0;
	table.evicted = 0;
	table.seeded = 0;
	return 0;

out_free_pool:
	kvfree(table.pool);
	return -ENOMEM;
}

/**
 * tcpstates_conn_exit() - free the table; no probe or reader may remain
 */
void tcpstates_conn_exit(void)
{
	kvfree(table.hash);
	kvfree(table.pool);
	table.hash = NULL;
	table.pool = NULL;
}

static struct hlist_head *conn_bucket(u64 cookie)
{
	return &table.hash[hash_64(cookie, table.hash_bits)];
}

/**
 * tcpstates_conn_find() - look a connection up; table locked
 * @cookie: its socket cookie
 *
 * Return: the entry or NULL.
 */
struct tcpstates_conn *tcpstates_conn_find(u64 cookie)
{
	struct tcpstates_conn *conn;

	hlist_for_each_entry(conn, conn_bucket(cookie), node)
		if (conn->cookie == cookie)
			return conn;
	return NULL;
}

static struct tcpstates_conn *conn_new(u64 cookie)
{
	struct tcpstates_conn *conn;

	if (list_empty(&table.free)) {
		conn = list_first_entry(&table.used, struct tcpstates_conn, age);
		tcpstates_conn_remove(conn);
		table.removed--;	/* not gone: evicted */
		table.evicted++;
	}
	conn = list_first_entry(&table.free, struct tcpstates_conn, age);
	list_del(&conn->age);
	memset(conn, 0, sizeof(*conn));
	conn->cookie = cookie;
	conn->created_ns = ktime_get_ns();
	conn->state_ns = TCPSTATES_UNKNOWN;
	hlist_add_head(&conn->node, conn_bucket(cookie));
	list_add_tail(&conn->age, &table.used);
	table.used_count++;
	conn->id = ++table.added;
	return conn;
}

/**
 * tcpstates_conn_lock() - lock the table
 * @flags: saved interrupt state, for tcpstates_conn_unlock()
 */
void tcpstates_conn_lock(unsigned long *flags)
	__acquires(&table.lock)
{
	raw_spin_lock_irqsave(&table.lock, *flags);
}

/**
 * tcpstates_conn_unlock() - unlock the table
 * @flags: from tcpstates_conn_lock()
 */
void tcpstates_conn_unlock(unsigned long flags)
	__releases(&table.lock)
{
	raw_spin_unlock_irqrestore(&table.lock, flags);
}

/**
 * tcpstates_conn_add() - look a connection up, adding it if absent; table locked
 * @cookie: its socket cookie
 *
 * A new entry is zeroed but for created_ns (now) and state_ns (unknown);
 * when the table is full the oldest entry makes room and is counted.
 * Never sleeps or allocates.
 *
 * Return: the entry.
 */
struct tcpstates_conn *tcpstates_conn_add(u64 cookie)
{
	return tcpstates_conn_find(cookie) ?: conn_new(cookie);
}

/**
 * tcpstates_conn_remove() - forget a connection; table locked
 * @conn: the entry
 */
void tcpstates_conn_remove(struct tcpstates_conn *conn)
{
	hlist_del(&conn->node);
	list_move_tail(&conn->age, &table.free);
	table.used_count--;
	table.removed++;
}

/**
 * tcpstates_conn_read() - copy out the next live connection
 * @cur: where the reader is; zeroed to start; moved to the entry copied
 * @out: where to copy it
 *
 * Walks the age list one entry per call under the lock, so a reader never
 * holds the table. When the reader's last entry has gone meanwhile, the
 * next is the first that arrived after it. Connections that come and go
 * meanwhile may be missed, as with /proc/net/tcp; none is read twice.
 *
 * Return: false when there is no further entry.
 */
bool tcpstates_conn_read(struct tcpstates_conn_cursor *cur,
			 struct tcpstates_conn *out)
{
	struct tcpstates_conn *conn = NULL;
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&table.lock, flags);
	if (cur->cookie) {
		conn = tcpstates_conn_find(cur->cookie);
		if (conn && conn->id != cur->id)
			conn = NULL;	/* the cookie came back: not ours */
	}
	if (conn) {
		conn = list_is_last(&conn->age, &table.used) ? NULL :
		       list_next_entry(conn, age);
	} else {
		list_for_each_entry(conn, &table.used, age)
			if (conn->id > cur->id)
				goto out_found;
		conn = NULL;
	}
out_found:
	if (conn) {
		*out = *conn;
		cur->cookie = conn->cookie;
		cur->id = conn->id;
		found = true;
	}
	raw_spin_unlock_irqrestore(&table.lock, flags);
	return found;
}

/**
 * tcpstates_conn_stats() - snapshot the table counters
 * @st: filled in
 */
void tcpstates_conn_stats(struct tcpstates_conn_stats *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&table.lock, flags);
	st->used = table.used_count;
	st->max = table.max;
	st->added = table.added;
	st->removed = table.removed;
	st->evicted = table.evicted;
	st->seeded = table.seeded;
	st->bytes = table.max * sizeof(*table.pool) +
		    (sizeof(*table.hash) << table.hash_bits);
	raw_spin_unlock_irqrestore(&table.lock, flags);
}

/* Add one socket found at load, unless a probe already added it. */
static void conn_seed_one(struct sock *sk)
{
	struct tcpstates_conn *conn;
	unsigned long flags;
	u64 cookie;
	int state;

	state = READ_ONCE(sk->sk_state);
	if (state == TCP_NEW_SYN_RECV || state == TCP_CLOSE)
		return;
	if (state == TCP_TIME_WAIT)
		state = READ_ONCE(inet_twsk(sk)->tw_substate);
	cookie = tcpstates_sk_cookie(sk);
	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_add(cookie);
	if (!conn->state) {	/* new: no probe has seen it yet */
		tcpstates_sk_endpoints(sk, &conn->ep);
		conn->state = state;
		conn->flags = TCPSTATES_CONN_PREEXISTING;
		if (sk->sk_state == TCP_TIME_WAIT)
			conn->flags |= TCPSTATES_CONN_TIMEWAIT;
		conn->role = state == TCP_LISTEN ? TCPSTATES_ROLE_LISTENER :
						   TCPSTATES_ROLE_UNKNOWN;
		table.seeded++;
	}
	tcpstates_conn_unlock(flags);
}

static void conn_seed_hashinfo(struct inet_hashinfo *h)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	unsigned int i;

	for (i = 0; i < tcpstates_listen_buckets(h); i++) {
		struct inet_listen_hashbucket *ilb = tcpstates_listen_bucket(h, i);

		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		spin_lock_bh(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head)
			conn_seed_one(sk);
		spin_unlock_bh(&ilb->lock);
		cond_resched();
	}
	for (i = 0; i <= h->ehash_mask; i++) {
		if (hlist_nulls_empty(&h->ehash[i].chain))
			continue;
		spin_lock_bh(inet_ehash_lockp(h, i));
		sk_nulls_for_each(sk, node, &h->ehash[i].chain)
			conn_seed_one(sk);
		spin_unlock_bh(inet_ehash_lockp(h, i));
		if (!(i & 1023))
			cond_resched();
	}
}

/**
 * tcpstates_conn_seed() - add the TCP sockets that exist at load
 *
 * Walks the listening and established hashes (TIME_WAIT sockets included)
 * of every network namespace, marking each entry "pre-existing": its owner
 * and handshake are unknown. Process context; call after the probes are
 * registered, so that nothing falls between seeding and tracing.
 */
void tcpstates_conn_seed(void)
{
	struct inet_hashinfo *shared = tcpstates_hashinfo(&init_net);
	struct net *net;

	conn_seed_hashinfo(shared);
	/* Namespaces with their own ehash (net.ipv4.tcp_child_ehash_entries) */
	down_read(&net_rwsem);
	for_each_net(net) {
		struct inet_hashinfo *h = tcpstates_hashinfo(net);

		if (h && h != shared)
			conn_seed_hashinfo(h);
	}
	up_read(&net_rwsem);
}
