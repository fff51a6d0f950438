/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates: every difference between kernel versions lives here, keyed on
 * what the kernel has (feature macros, or symbols resolved at load), never
 * on a distribution.
 *
 * Differences met so far:
 * - The point where a timewait socket takes over from a full one is
 *   inet_twsk_hashdance(tw, sk, hashinfo) up to 6.8 and
 *   inet_twsk_hashdance_schedule(tw, sk, hashinfo, timeo) from 6.9: both
 *   take (tw, sk) first, so the probe tries the names in
 *   TCPSTATES_HASHDANCE_SYMBOLS at load and uses the first that exists.
 * - inet_csk_accept() lost its flags/err/kern arguments in 6.10: the probe
 *   reads only its return value.
 * - inet_csk_listen_start() lost its backlog argument in 5.17: the probe
 *   reads only the socket, its first argument.
 * - Who may join a generic netlink multicast group: kernels with
 *   GENL_MCAST_CAP_NET_ADMIN (6.8, backported to 6.1.176+ and 5.15.y) take
 *   that flag on the group and ignore GENL_UNS_ADMIN_PERM there, which
 *   still compiles: anyone could subscribe. Older kernels check
 *   GENL_UNS_ADMIN_PERM.
 * - The genl operations table: struct genl_ops with a policy per operation
 *   works on 6.1 and on 6.2+ (where the core turns it into split ops), and
 *   dumps parse their request with genlmsg_parse() rather than
 *   genl_dumpit_info(), whose layout changed in 6.2.
 * - Strict checks of the reserved genl header byte and of unknown commands
 *   come with resv_start_op (6.1, with GENL_REQ_ATTR_CHECK). Older kernels validate attributes
 *   strictly (per-op policies, 5.10) but ignore the reserved byte.
 * - Listening sockets: up to 5.18 they hang by sk_nulls_node in the
 *   INET_LHTABLE_SIZE buckets of listening_hash[] (lhash2 chains them by
 *   icsk_listen_portaddr_node); 5.19 dropped listening_hash[] and chains
 *   them by sk_nulls_node in lhash2[].
 */
#ifndef _TCPSTATES_COMPAT_H
#define _TCPSTATES_COMPAT_H

#include <linux/ptrace.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>

#ifdef GENL_MCAST_CAP_NET_ADMIN
#define TCPSTATES_MCGRP_NET_ADMIN	GENL_MCAST_CAP_NET_ADMIN
#else
#define TCPSTATES_MCGRP_NET_ADMIN	GENL_UNS_ADMIN_PERM
#endif

/* resv_start_op came in 6.1 with GENL_REQ_ATTR_CHECK(), its witness here. */
#ifdef GENL_REQ_ATTR_CHECK
#define TCPSTATES_HAVE_RESV_START_OP	1
#else
#define TCPSTATES_HAVE_RESV_START_OP	0
#endif

#define TCPSTATES_HASHDANCE_SYMBOLS \
	{ "inet_twsk_hashdance_schedule", "inet_twsk_hashdance" }

/* Either prototype of inet_csk_listen_start(): (sk) or (sk, backlog). */
#define TCPSTATES_LISTEN_START_TYPE_OK \
	(__same_type(&inet_csk_listen_start, int (*)(struct sock *)) || \
	 __same_type(&inet_csk_listen_start, int (*)(struct sock *, int)))

/* The nth argument of the probed function, from a kprobe pre-handler. */
static inline unsigned long tcpstates_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

/* The established/listening hash tables a namespace's TCP sockets live in. */
static inline struct inet_hashinfo *tcpstates_hashinfo(struct net *net)
{
	return net->ipv4.tcp_death_row.hashinfo;
}

/*
 * Listening buckets: how many, and the nth (chained by sk_nulls_node).
 * INET_LHTABLE_SIZE outlived listening_hash[]; the lhash2 walker macro
 * went with it (5.19), so it tells.
 */
#ifdef inet_lhash2_for_each_icsk_rcu
static inline unsigned int tcpstates_listen_buckets(struct inet_hashinfo *h)
{
	return INET_LHTABLE_SIZE;
}

static inline struct inet_listen_hashbucket *
tcpstates_listen_bucket(struct inet_hashinfo *h, unsigned int i)
{
	return &h->listening_hash[i];
}
#else
static inline unsigned int tcpstates_listen_buckets(struct inet_hashinfo *h)
{
	return h->lhash2_mask + 1;
}

static inline struct inet_listen_hashbucket *
tcpstates_listen_bucket(struct inet_hashinfo *h, unsigned int i)
{
	return &h->lhash2[i];
}
#endif

#endif /* _TCPSTATES_COMPAT_H */
