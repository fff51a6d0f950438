// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the connections that exist when the module loads.
 *
 * Once the probes run, the listening and established hashes (timewait
 * sockets included) of every network namespace are walked, and each TCP
 * socket the probes have not met yet gets an entry marked pre-existing:
 * its owner's process and its handshake are unknown, its uid is the
 * socket's. The table keeps the entries of connections that close
 * meanwhile as tombstones until the walk is over (conntable.c), so that
 * a socket read here just before it closed is not added back.
 */
#include <linux/rtnetlink.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "tcpstates.h"

/* Add one socket found at load, unless a probe met it first. */
static void seed_one(struct sock *sk)
{
	struct tcpstates_conn_lock l;
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
	local_irq_save(flags);	/* as a probe handler runs */
	tcpstates_conn_lock(cookie, &l);
	conn = tcpstates_conn_seed_add(&l, cookie);
	if (conn) {
		tcpstates_sk_endpoints(sk, &conn->ep);
		if (sk_fullsock(sk))
			tcpstates_sk_uid(sk, &conn->owner);
		conn->state = state;
		if (sk->sk_state == TCP_TIME_WAIT)
			conn->flags |= TCPSTATES_CONN_F_TIMEWAIT;
		conn->role = state == TCP_LISTEN ? TCPSTATES_ROLE_LISTENER :
						   TCPSTATES_ROLE_UNKNOWN;
		tcpstates_conn_update(&l, conn);
	}
	tcpstates_conn_unlock(&l);
	local_irq_restore(flags);
	if (conn)
		tcpstates_aggr_seed(state, sock_net(sk));
}

static void seed_hashinfo(struct inet_hashinfo *h)
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
			seed_one(sk);
		spin_unlock_bh(&ilb->lock);
		cond_resched();
	}
	for (i = 0; i <= h->ehash_mask; i++) {
		if (hlist_nulls_empty(&h->ehash[i].chain))
			continue;
		spin_lock_bh(inet_ehash_lockp(h, i));
		sk_nulls_for_each(sk, node, &h->ehash[i].chain)
			seed_one(sk);
		spin_unlock_bh(inet_ehash_lockp(h, i));
		if (!(i & 1023))
			cond_resched();
	}
}

/**
 * tcpstates_seed() - add the TCP sockets that exist at load
 *
 * Process context; call after the probes are registered, so that nothing
 * falls between seeding and tracing, and with the table's seeding begun
 * before them (tcpstates_conn_seed_begin()). Ends the seeding.
 */
void tcpstates_seed(void)
{
	struct inet_hashinfo *shared = tcpstates_hashinfo(&init_net);
	struct net *net;

	seed_hashinfo(shared);
	/* Namespaces with their own ehash (net.ipv4.tcp_child_ehash_entries) */
	down_read(&net_rwsem);
	for_each_net(net) {
		struct inet_hashinfo *h = tcpstates_hashinfo(net);

		if (h && h != shared)
			seed_hashinfo(h);
	}
	up_read(&net_rwsem);
	tcpstates_conn_seed_end();
}
