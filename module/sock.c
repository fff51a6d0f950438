// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: what the module reads off a socket and off the current task,
 * for the probes and the seeding: the connection's id (its socket
 * cookie), its endpoints and namespace, its owner.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/sock_diag.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "tcpstates.h"

/**
 * tcpstates_sk_cookie() - the socket's cookie, made now if it has none
 * @sk: a full, timewait or request socket
 *
 * Return: the cookie; a timewait socket inherits its full socket's.
 */
u64 tcpstates_sk_cookie(struct sock *sk)
{
	u64 cookie = atomic64_read(&sk->sk_cookie);
	u32 c[2];

	/* Made once and never changed: read it straight when made. */
	if (likely(cookie))
		return cookie;
	sock_diag_save_cookie(sk, c);
	return (u64)c[1] << 32 | c[0];
}

/**
 * tcpstates_sk_endpoints() - addresses, ports and namespace of a socket
 * @sk: a full, timewait or request socket (only struct sock_common is read)
 * @ep: filled in
 */
void tcpstates_sk_endpoints(const struct sock *sk,
			    struct tcpstates_endpoints *ep)
{
	struct net *net = sock_net(sk);

	memset(ep, 0, sizeof(*ep));
	ep->netns_id = tcpstates_netns_id(net);
	ep->netns_ino = net->ns.inum;
	ep->family = sk->sk_family;
	ep->sport = htons(sk->sk_num);
	ep->dport = sk->sk_dport;
	if (sk->sk_family == AF_INET) {
		ep->saddr.v4 = sk->sk_rcv_saddr;
		ep->daddr.v4 = sk->sk_daddr;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		ep->saddr.v6 = sk->sk_v6_rcv_saddr;
		ep->daddr.v6 = sk->sk_v6_daddr;
	}
#endif
}

/**
 * tcpstates_sk_uid() - the socket's uid, as /proc/net/tcp shows it
 * @sk: a full socket (a timewait or request socket has none)
 * @o: its uid is set; the rest is left as it is
 */
void tcpstates_sk_uid(const struct sock *sk, struct tcpstates_owner *o)
{
	o->uid = from_kuid_munged(&init_user_ns, READ_ONCE(sk->sk_uid));
	o->known |= TCPSTATES_OWNER_UID;
}

/**
 * tcpstates_sk_cgroup() - the socket's cgroup (v2), by id
 * @sk: a full socket (a timewait or request socket has none)
 *
 * Set when the socket was made (a child: its listener's), so valid in
 * softirq context too.
 *
 * Return: the id (the inode number of the cgroup's directory), or 0.
 */
u64 tcpstates_sk_cgroup(const struct sock *sk)
{
	return tcpstates_sock_cgroup_id(sk);
}

/**
 * tcpstates_sk_data() - the data phase of a TCP socket so far
 * @sk: a full TCP socket
 * @d: filled in, but for @rto and @tlp (the probes count those)
 */
void tcpstates_sk_data(const struct sock *sk, struct tcpstates_data *d)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	d->bytes_acked = READ_ONCE(tp->bytes_acked);
	d->bytes_received = READ_ONCE(tp->bytes_received);
	d->segs_out = READ_ONCE(tp->segs_out);
	d->segs_in = READ_ONCE(tp->segs_in);
	d->retrans = READ_ONCE(tp->total_retrans);
	d->srtt_us = READ_ONCE(tp->srtt_us) >> 3;
	d->min_rtt_us = tcp_min_rtt(tp);
	if (d->min_rtt_us == ~0U)
		d->min_rtt_us = 0;
}

/**
 * tcpstates_owner_current() - the current task as an owner
 * @o: filled in
 *
 * Process context only: in softirq context "current" is whoever the
 * interrupt happened to hit.
 */
void tcpstates_owner_current(struct tcpstates_owner *o)
{
	o->tgid = task_tgid_nr(current);
	o->pid = task_pid_nr(current);
	o->uid = from_kuid_munged(&init_user_ns, current_uid());
	o->known = TCPSTATES_OWNER_UID | TCPSTATES_OWNER_PROC;
	/* Our own comm: no lock needed to read it, a torn name is harmless. */
	memcpy(o->comm, current->comm, sizeof(o->comm));
	o->comm[sizeof(o->comm) - 1] = '\0';
}
