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
 * - tcp_v4_syn_recv_sock() gained an opt_child_init argument after
 *   own_req in some stable kernels: the probe reads up to own_req.
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
 * - The namespace cookie: a u64 set when the namespace is made from 5.12;
 *   in 5.10 an atomic64_t made on demand by __net_gen_cookie(), which is
 *   not exported. Kbuild's feature test defines TCPSTATES_NET_COOKIE for
 *   the first (netns.c numbers namespaces itself otherwise).
 * - The accepting process: security_sock_graft() is a function, called
 *   from the accept path once the child is taken, only with
 *   CONFIG_SECURITY; without it there is nothing out of line to probe
 *   there, and a child keeps its listener's owner.
 */
#ifndef _TCPSTATES_COMPAT_H
#define _TCPSTATES_COMPAT_H

#include <linux/cgroup.h>
#include <linux/ftrace.h>
#include <linux/mm.h>
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

/*
 * tcp_v4_syn_recv_sock(sk, skb, req, dst, req_unhash, own_req), and on some
 * stable kernels (Debian's 6.1.0-57) one more argument after own_req: the
 * probe reads own_req, the sixth, either way.
 */
#define TCPSTATES_SYN_RECV_SOCK_ARGS				\
	const struct sock *, struct sk_buff *, struct request_sock *,	\
	struct dst_entry *, struct request_sock *, bool *
#define TCPSTATES_SYN_RECV_SOCK_TYPE_OK					\
	(__same_type(&tcp_v4_syn_recv_sock,				\
		     struct sock *(*)(TCPSTATES_SYN_RECV_SOCK_ARGS)) ||	\
	 __same_type(&tcp_v4_syn_recv_sock,				\
		     struct sock *(*)(TCPSTATES_SYN_RECV_SOCK_ARGS,	\
				      void (*)(struct sock *,		\
					       const struct sock *))))

/* Either prototype of inet_csk_listen_start(): (sk) or (sk, backlog). */
#define TCPSTATES_LISTEN_START_TYPE_OK \
	(__same_type(&inet_csk_listen_start, int (*)(struct sock *)) || \
	 __same_type(&inet_csk_listen_start, int (*)(struct sock *, int)))

/* The kernel's namespace cookie, or 0 where it has none to give. */
static inline u64 tcpstates_net_cookie(const struct net *net)
{
#ifdef TCPSTATES_NET_COOKIE
	return net->net_cookie;
#else
	return 0;
#endif
}

/* A socket's cgroup (v2) id; 0 without CONFIG_SOCK_CGROUP_DATA */
static inline u64 tcpstates_sock_cgroup_id(const struct sock *sk)
{
#ifdef CONFIG_SOCK_CGROUP_DATA
	return cgroup_id(sock_cgroup_ptr((struct sock_cgroup_data *)&sk->sk_cgrp_data));
#else
	return 0;
#endif
}

#ifdef CONFIG_SECURITY
#define TCPSTATES_ACCEPT_SYMBOL	"security_sock_graft"
#else
#define TCPSTATES_ACCEPT_SYMBOL	NULL
#endif

/*
 * The entry hooks are ftrace callbacks that need no recursion guard from
 * ftrace and read the hooked function's arguments from the registers the
 * trampoline saved. From 5.11 a callback gets a struct ftrace_regs, and
 * is called without a guard unless its ops asks for one
 * (FTRACE_OPS_FL_RECURSION); 5.10 passes the pt_regs, and guards a
 * callback unless its ops says it needs none
 * (FTRACE_OPS_FL_RECURSION_SAFE). Kbuild's feature test defines
 * TCPSTATES_FTRACE_REGS for the first.
 *
 * Where the kernel saves the arguments in every struct ftrace_regs
 * (HAVE_DYNAMIC_FTRACE_WITH_ARGS: x86 from 5.11), the ops asks for no
 * more: its trampoline is the short one (ftrace_caller), which saves the
 * argument registers only, where FTRACE_OPS_FL_SAVE_REGS's
 * (ftrace_regs_caller) saves all of them and the flags. Their accessor:
 * ftrace_regs_get_argument() from 6.2 (struct ftrace_regs is opaque from
 * 6.12); before, struct ftrace_regs is a struct pt_regs. Elsewhere the
 * ops asks for them all (FTRACE_OPS_FL_SAVE_REGS).
 *
 * A handler gets them as a struct tcpstates_hook_regs, a type of its own
 * that only tcpstates_hook_arg() reads.
 */
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#error "tcpstates needs CONFIG_DYNAMIC_FTRACE_WITH_REGS (its entry hooks are ftrace callbacks)"
#endif

struct tcpstates_hook_regs;

#ifdef TCPSTATES_FTRACE_REGS
#define TCPSTATES_FTRACE_PARAMS						\
	unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op, \
	struct ftrace_regs *fregs
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define TCPSTATES_FTRACE_FLAGS	0

static inline struct tcpstates_hook_regs *
tcpstates_ftrace_regs(struct ftrace_regs *fregs)
{
	return (struct tcpstates_hook_regs *)fregs;
}

static inline unsigned long tcpstates_hook_arg(struct tcpstates_hook_regs *r,
					       unsigned int n)
{
#ifdef ftrace_regs_get_argument
	return ftrace_regs_get_argument((struct ftrace_regs *)r, n);
#else
	return regs_get_kernel_argument(&((struct ftrace_regs *)r)->regs, n);
#endif
}
#else /* !CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS */
#define TCPSTATES_FTRACE_FLAGS	FTRACE_OPS_FL_SAVE_REGS

static inline struct tcpstates_hook_regs *
tcpstates_ftrace_regs(struct ftrace_regs *fregs)
{
	return (struct tcpstates_hook_regs *)ftrace_get_regs(fregs);
}
#endif
#else /* !TCPSTATES_FTRACE_REGS */
#define TCPSTATES_FTRACE_PARAMS						\
	unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op, \
	struct pt_regs *fregs
#define TCPSTATES_FTRACE_FLAGS	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION_SAFE)

static inline struct tcpstates_hook_regs *
tcpstates_ftrace_regs(struct pt_regs *regs)
{
	return (struct tcpstates_hook_regs *)regs;
}
#endif

#if !defined(TCPSTATES_FTRACE_REGS) || !defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
static inline unsigned long tcpstates_hook_arg(struct tcpstates_hook_regs *r,
					       unsigned int n)
{
	return regs_get_kernel_argument((struct pt_regs *)r, n);
}
#endif

/* The nth argument of the hooked function, from the registers at entry. */
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

/* A mapping that can never be made writable (mprotect included). */
static inline void tcpstates_vma_no_write(struct vm_area_struct *vma)
{
#ifdef TCPSTATES_VM_FLAGS_API
	vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
#else
	vma->vm_flags &= ~(VM_MAYWRITE | VM_MAYEXEC);
#endif
}

#endif /* _TCPSTATES_COMPAT_H */
