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
 * - Who may join a generic netlink multicast group: kernels with
 *   GENL_MCAST_CAP_NET_ADMIN (6.8, backported to 6.1.176+ and 5.15.y) take
 *   that flag on the group and ignore GENL_UNS_ADMIN_PERM there, which
 *   still compiles: anyone could subscribe. Older kernels check
 *   GENL_UNS_ADMIN_PERM.
 * - The genl operations table: struct genl_ops with a policy per operation
 *   works on 6.1 and on 6.2+ (where the core turns it into split ops), and
 *   dumps parse their request with genlmsg_parse() rather than
 *   genl_dumpit_info(), whose layout changed in 6.2.
 */
#ifndef _TCPSTATES_COMPAT_H
#define _TCPSTATES_COMPAT_H

#include <linux/ptrace.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/genetlink.h>

#ifdef GENL_MCAST_CAP_NET_ADMIN
#define TCPSTATES_MCGRP_NET_ADMIN	GENL_MCAST_CAP_NET_ADMIN
#else
#define TCPSTATES_MCGRP_NET_ADMIN	GENL_UNS_ADMIN_PERM
#endif

#define TCPSTATES_HASHDANCE_SYMBOLS \
	{ "inet_twsk_hashdance_schedule", "inet_twsk_hashdance" }

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

#endif /* _TCPSTATES_COMPAT_H */
