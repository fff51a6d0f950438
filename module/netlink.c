// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the generic netlink family (include/uapi/linux/tcpstates.h
 * documents it for users).
 *
 * Dumps read the ring and the connection table one record at a time, as
 * procfs does, and resume from a sequence number or a table cursor.
 *
 * Live events: a kprobe handler must not build or send messages, so it
 * only marks an event "watched" when the event's namespace, or the
 * initial namespace's events-all group, has a listener, and kicks a
 * delayed work item. The kick only arms it: the work runs one tick after
 * the first watched event that found it idle, as net/core/drop_monitor.c
 * batches its alerts, so that a burst of events costs one run of the
 * sender rather than a wakeup of a kworker every few events. It
 * (process context) takes the watched events from the ring in batches
 * and multicasts them, as many per datagram as fit, to each namespace
 * that listens. When nobody listens nothing is marked and no work runs.
 * Whatever cannot be delivered is counted: watched events the ring
 * overwrote before the work took them, datagrams some listener had no
 * room for (ENOBUFS), datagrams not allocated.
 */
#include <linux/capability.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "tcpstates.h"

#define TCPSTATES_STATE_MASK	GENMASK(TCP_NEW_SYN_RECV, TCP_ESTABLISHED)

enum tcpstates_nl_mcgrp {
	TCPSTATES_NL_MCGRP_EVENTS,
	TCPSTATES_NL_MCGRP_EVENTS_ALL,
};

static const struct nla_policy tcpstates_filter_policy[TCPSTATES_A_FILTER_MAX + 1] = {
	[TCPSTATES_A_FILTER_FAMILY] = { .type = NLA_U8 },
	[TCPSTATES_A_FILTER_LOCAL_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[TCPSTATES_A_FILTER_LOCAL_PREFIX] = NLA_POLICY_MAX(NLA_U8, 128),
	[TCPSTATES_A_FILTER_REMOTE_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[TCPSTATES_A_FILTER_REMOTE_PREFIX] = NLA_POLICY_MAX(NLA_U8, 128),
	[TCPSTATES_A_FILTER_LOCAL_PORT] = { .type = NLA_U16 },
	[TCPSTATES_A_FILTER_REMOTE_PORT] = { .type = NLA_U16 },
	[TCPSTATES_A_FILTER_STATES] = NLA_POLICY_MASK(NLA_U32, TCPSTATES_STATE_MASK),
	[TCPSTATES_A_FILTER_NETNS] = { .type = NLA_U32 },
	[TCPSTATES_A_FILTER_TGID] = { .type = NLA_U32 },
};

/* Request attributes only: every other attribute is refused. */
static const struct nla_policy tcpstates_events_policy[TCPSTATES_A_EVENT_MAX + 1] = {
	[TCPSTATES_A_EVENT_START_SEQ] = { .type = NLA_U64 },
	[TCPSTATES_A_EVENT_FILTER] = NLA_POLICY_NESTED(tcpstates_filter_policy),
	[TCPSTATES_A_EVENT_ALL_NETNS] = { .type = NLA_FLAG },
};

static const struct nla_policy tcpstates_conns_policy[TCPSTATES_A_CONN_MAX + 1] = {
	[TCPSTATES_A_CONN_FILTER] = NLA_POLICY_NESTED(tcpstates_filter_policy),
	[TCPSTATES_A_CONN_ALL_NETNS] = { .type = NLA_FLAG },
};

static struct genl_family tcpstates_family;

/**
 * struct tcpstates_filter - what a dump asked for
 * @have: BIT(TCPSTATES_A_FILTER_*) for each attribute given
 * @family: AF_INET or AF_INET6
 * @lplen: local prefix length
 * @rplen: remote prefix length
 * @lport: local port
 * @rport: remote port
 * @states: BIT(TCP_*) per state wanted
 * @netns: the one namespace wanted
 * @tgid: the owner wanted
 * @all_netns: the reader may see every namespace; else only @own_netns
 * @own_netns: the reader's namespace
 * @laddr: local address
 * @raddr: remote address
 */
struct tcpstates_filter {
	u32 have;
	u8 family;
	u8 lplen;
	u8 rplen;
	u16 lport;
	u16 rport;
	u32 states;
	u32 netns;
	u32 tgid;
	bool all_netns;
	u32 own_netns;
	union tcpstates_addr laddr;
	union tcpstates_addr raddr;
};

/* Attribute numbers of the fields events and connections share. */
struct tcpstates_ep_attrs {
	int netns, family, laddr, raddr, lport, rport, owner;
};

static const struct tcpstates_ep_attrs tcpstates_event_ep_attrs = {
	.netns = TCPSTATES_A_EVENT_NETNS,
	.family = TCPSTATES_A_EVENT_FAMILY,
	.laddr = TCPSTATES_A_EVENT_LOCAL_ADDR,
	.raddr = TCPSTATES_A_EVENT_REMOTE_ADDR,
	.lport = TCPSTATES_A_EVENT_LOCAL_PORT,
	.rport = TCPSTATES_A_EVENT_REMOTE_PORT,
	.owner = TCPSTATES_A_EVENT_OWNER,
};

static const struct tcpstates_ep_attrs tcpstates_conn_ep_attrs = {
	.netns = TCPSTATES_A_CONN_NETNS,
	.family = TCPSTATES_A_CONN_FAMILY,
	.laddr = TCPSTATES_A_CONN_LOCAL_ADDR,
	.raddr = TCPSTATES_A_CONN_REMOTE_ADDR,
	.lport = TCPSTATES_A_CONN_LOCAL_PORT,
	.rport = TCPSTATES_A_CONN_REMOTE_PORT,
	.owner = TCPSTATES_A_CONN_OWNER,
};

/* One address of a filter: its length must fit the family, its prefix too. */
static int tcpstates_filter_addr(struct nlattr **tb, int attr, int plen_attr,
				 u8 family, union tcpstates_addr *addr,
				 u8 *plen, struct netlink_ext_ack *extack)
{
	unsigned int len = family == AF_INET ? 4 : 16;

	if (!tb[attr]) {
		if (tb[plen_attr]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[plen_attr],
					    "a prefix length needs its address");
			return -EINVAL;
		}
		return 0;
	}
	if (!family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[attr],
				    "an address needs TCPSTATES_A_FILTER_FAMILY");
		return -EINVAL;
	}
	if (nla_len(tb[attr]) != len) {
		if (family == AF_INET)
			NL_SET_ERR_MSG_ATTR(extack, tb[attr],
					    "an IPv4 address is 4 bytes");
		else
			NL_SET_ERR_MSG_ATTR(extack, tb[attr],
					    "an IPv6 address is 16 bytes");
		return -EINVAL;
	}
	nla_memcpy(addr, tb[attr], len);
	*plen = len * 8;
	if (tb[plen_attr]) {
		*plen = nla_get_u8(tb[plen_attr]);
		if (*plen > len * 8) {
			NL_SET_ERR_MSG_ATTR(extack, tb[plen_attr],
					    "prefix longer than the address");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Parse a request's filter and scope. @filter: the FILTER nest or NULL;
 * @all: the ALL_NETNS flag or NULL; @skb: the request.
 */
static int tcpstates_filter_parse(struct tcpstates_filter *f,
				  const struct nlattr *filter,
				  const struct nlattr *all,
				  struct sk_buff *skb,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TCPSTATES_A_FILTER_MAX + 1];
	int i, ret;

	memset(f, 0, sizeof(*f));
	f->own_netns = sock_net(skb->sk)->ns.inum;
	if (all && !netlink_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(extack, all,
				    "every namespace needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	f->all_netns = !!all;
	if (!filter)
		return 0;
	ret = nla_parse_nested(tb, TCPSTATES_A_FILTER_MAX, filter,
			       tcpstates_filter_policy, extack);
	if (ret)
		return ret;
	for (i = 1; i <= TCPSTATES_A_FILTER_MAX; i++)
		if (tb[i])
			f->have |= BIT(i);

	if (tb[TCPSTATES_A_FILTER_FAMILY]) {
		f->family = nla_get_u8(tb[TCPSTATES_A_FILTER_FAMILY]);
		if (f->family != AF_INET && f->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TCPSTATES_A_FILTER_FAMILY],
					    "family is AF_INET (2) or AF_INET6 (10)");
			return -EAFNOSUPPORT;
		}
	}
	ret = tcpstates_filter_addr(tb, TCPSTATES_A_FILTER_LOCAL_ADDR,
				    TCPSTATES_A_FILTER_LOCAL_PREFIX, f->family,
				    &f->laddr, &f->lplen, extack);
	if (ret)
		return ret;
	ret = tcpstates_filter_addr(tb, TCPSTATES_A_FILTER_REMOTE_ADDR,
				    TCPSTATES_A_FILTER_REMOTE_PREFIX, f->family,
				    &f->raddr, &f->rplen, extack);
	if (ret)
		return ret;
	if (tb[TCPSTATES_A_FILTER_LOCAL_PORT])
		f->lport = nla_get_u16(tb[TCPSTATES_A_FILTER_LOCAL_PORT]);
	if (tb[TCPSTATES_A_FILTER_REMOTE_PORT])
		f->rport = nla_get_u16(tb[TCPSTATES_A_FILTER_REMOTE_PORT]);
	if (tb[TCPSTATES_A_FILTER_STATES])
		f->states = nla_get_u32(tb[TCPSTATES_A_FILTER_STATES]);
	if (tb[TCPSTATES_A_FILTER_TGID])
		f->tgid = nla_get_u32(tb[TCPSTATES_A_FILTER_TGID]);
	if (tb[TCPSTATES_A_FILTER_NETNS]) {
		f->netns = nla_get_u32(tb[TCPSTATES_A_FILTER_NETNS]);
		/* another namespace than one's own is "all", narrowed */
		if (f->netns != f->own_netns) {
			if (!netlink_capable(skb, CAP_NET_ADMIN)) {
				NL_SET_ERR_MSG_ATTR(extack,
						    tb[TCPSTATES_A_FILTER_NETNS],
						    "another namespace needs CAP_NET_ADMIN in the initial user namespace");
				return -EPERM;
			}
			f->all_netns = true;
		}
	}
	return 0;
}

static bool tcpstates_addr_match(u8 family, const union tcpstates_addr *a,
				 const union tcpstates_addr *want, u8 plen)
{
	if (family == AF_INET)
		return !plen || !((a->v4 ^ want->v4) &
				  htonl(~0U << (32 - plen)));
	return ipv6_prefix_equal(&a->v6, &want->v6, plen);
}

/* Does a record with these endpoints and owner pass the filter? */
static bool tcpstates_filter_match(const struct tcpstates_filter *f,
				   const struct tcpstates_endpoints *ep,
				   const struct tcpstates_owner *o)
{
	if (!f->all_netns && ep->netns != f->own_netns)
		return false;
	if (!f->have)
		return true;
	if ((f->have & BIT(TCPSTATES_A_FILTER_NETNS)) && ep->netns != f->netns)
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_FAMILY)) && ep->family != f->family)
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_LOCAL_ADDR)) &&
	    !tcpstates_addr_match(f->family, &ep->saddr, &f->laddr, f->lplen))
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_REMOTE_ADDR)) &&
	    !tcpstates_addr_match(f->family, &ep->daddr, &f->raddr, f->rplen))
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_LOCAL_PORT)) &&
	    ntohs(ep->sport) != f->lport)
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_REMOTE_PORT)) &&
	    ntohs(ep->dport) != f->rport)
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_TGID)) && o->tgid != f->tgid)
		return false;
	return true;
}

static int tcpstates_put_owner(struct sk_buff *skb, int attr,
			       const struct tcpstates_owner *o)
{
	struct nlattr *nest;

	if (!o->tgid)
		return 0;
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TCPSTATES_A_OWNER_TGID, o->tgid) ||
	    nla_put_u32(skb, TCPSTATES_A_OWNER_PID, o->pid) ||
	    nla_put_u32(skb, TCPSTATES_A_OWNER_UID, o->uid) ||
	    nla_put(skb, TCPSTATES_A_OWNER_COMM,
		    strnlen(o->comm, sizeof(o->comm) - 1) + 1, o->comm)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int tcpstates_put_endpoints(struct sk_buff *skb,
				   const struct tcpstates_ep_attrs *a,
				   const struct tcpstates_endpoints *ep,
				   const struct tcpstates_owner *o)
{
	int len = ep->family == AF_INET ? 4 : 16;

	if (nla_put_u32(skb, a->netns, ep->netns) ||
	    nla_put_u8(skb, a->family, ep->family) ||
	    nla_put(skb, a->laddr, len, &ep->saddr) ||
	    nla_put(skb, a->raddr, len, &ep->daddr) ||
	    nla_put_u16(skb, a->lport, ntohs(ep->sport)) ||
	    nla_put_u16(skb, a->rport, ntohs(ep->dport)))
		return -EMSGSIZE;
	return tcpstates_put_owner(skb, a->owner, o);
}

/*
 * Event messages are written attribute by attribute with plain stores
 * rather than an nla_put() each (the multicast sender's main cost): the
 * same bytes as nla_put*() and nla_nest_start() would write, padding
 * included, in the same order. The room is checked once, for the largest
 * event. Payloads start 4-byte aligned (skb data is, and every attribute
 * is padded to 4); a u64 payload is 8-byte aligned where the architecture
 * needs it, by the pad attribute nla_put_u64_64bit() would put there.
 */
#define TCPSTATES_EVENT_ATTRS_MAX					\
	(5 * nla_total_size_64bit(8) +	/* seqs, times, cookie */	\
	 5 * nla_total_size(1) +	/* states, cause, role, family */ \
	 3 * nla_total_size(4) +	/* snd, rcv, netns */		\
	 2 * nla_total_size(16) +	/* addresses */			\
	 2 * nla_total_size(2) +	/* ports */			\
	 nla_total_size(0) +		/* owner nest */		\
	 3 * nla_total_size(4) +	/* tgid, pid, uid */		\
	 nla_total_size(TASK_COMM_LEN))

/* An attribute's header; returns where its payload goes */
static __always_inline u8 *tcpstates_nla(u8 *p, int type, int len)
{
	struct nlattr *nla = (struct nlattr *)p;

	nla->nla_len = nla_attr_size(len);
	nla->nla_type = type;
	return p + NLA_HDRLEN;
}

static __always_inline u8 *tcpstates_nla_u8(u8 *p, int type, u8 v)
{
	p = tcpstates_nla(p, type, sizeof(v));
	*(u32 *)p = 0;	/* the padding */
	*p = v;
	return p + nla_total_size(sizeof(v)) - NLA_HDRLEN;
}

static __always_inline u8 *tcpstates_nla_u16(u8 *p, int type, u16 v)
{
	p = tcpstates_nla(p, type, sizeof(v));
	*(u32 *)p = 0;
	*(u16 *)p = v;
	return p + nla_total_size(sizeof(v)) - NLA_HDRLEN;
}

static __always_inline u8 *tcpstates_nla_u32(u8 *p, int type, u32 v)
{
	p = tcpstates_nla(p, type, sizeof(v));
	*(u32 *)p = v;
	return p + sizeof(v);
}

/* As nla_put_u64_64bit(): a pad attribute first where alignment needs it */
static __always_inline u8 *tcpstates_nla_u64(u8 *p, int type, u64 v)
{
	if (!IS_ENABLED(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS) &&
	    IS_ALIGNED((unsigned long)p, 8))
		p = tcpstates_nla(p, TCPSTATES_A_EVENT_PAD, 0);
	p = tcpstates_nla(p, type, sizeof(v));
	*(u64 *)p = v;
	return p + sizeof(v);
}

static __always_inline u8 *tcpstates_nla_addr(u8 *p, int type, u16 family,
					      const union tcpstates_addr *a)
{
	if (family == AF_INET) {
		p = tcpstates_nla(p, type, sizeof(a->v4));
		*(__be32 *)p = a->v4;
		return p + sizeof(a->v4);
	}
	p = tcpstates_nla(p, type, sizeof(a->v6));
	memcpy(p, &a->v6, sizeof(a->v6));
	return p + sizeof(a->v6);
}

static u8 *tcpstates_nla_owner(u8 *p, const struct tcpstates_owner *o)
{
	struct nlattr *nest = (struct nlattr *)p;
	int len = strnlen(o->comm, sizeof(o->comm) - 1) + 1;

	p = tcpstates_nla(p, TCPSTATES_A_EVENT_OWNER | NLA_F_NESTED, 0);
	p = tcpstates_nla_u32(p, TCPSTATES_A_OWNER_TGID, o->tgid);
	p = tcpstates_nla_u32(p, TCPSTATES_A_OWNER_PID, o->pid);
	p = tcpstates_nla_u32(p, TCPSTATES_A_OWNER_UID, o->uid);
	p = tcpstates_nla(p, TCPSTATES_A_OWNER_COMM, len);
	memcpy(p, o->comm, len - 1);
	memset(p + len - 1, 0, nla_padlen(len) + 1);	/* NUL, padding */
	p += NLA_ALIGN(len);
	nest->nla_len = p - (u8 *)nest;
	return p;
}

/* One event message; @prev: TCPSTATES_A_EVENT_PREV_SEQ */
static int tcpstates_fill_event(struct sk_buff *skb,
				const struct tcpstates_event *ev, u64 prev,
				u32 portid, u32 seq, int flags, u8 cmd)
{
	const struct tcpstates_endpoints *ep = &ev->ep;
	u8 *start, *p;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &tcpstates_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (skb_tailroom(skb) < TCPSTATES_EVENT_ATTRS_MAX) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	start = skb_tail_pointer(skb);
	p = tcpstates_nla_u64(start, TCPSTATES_A_EVENT_SEQ, ev->seq);
	p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_PREV_SEQ, prev);
	p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_TIME_NS, ev->ts_ns);
	if (ev->prev_ns != TCPSTATES_UNKNOWN)
		p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_PREV_NS, ev->prev_ns);
	p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_COOKIE, ev->cookie);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_OLDSTATE, ev->oldstate);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_NEWSTATE, ev->newstate);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_CAUSE, ev->cause);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_ROLE, ev->role);
	p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_SND_NXT, ev->snd);
	p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_RCV_NXT, ev->rcv);
	/* the endpoints, as tcpstates_put_endpoints() writes them */
	p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_NETNS, ep->netns);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_FAMILY, ep->family);
	p = tcpstates_nla_addr(p, TCPSTATES_A_EVENT_LOCAL_ADDR, ep->family,
			       &ep->saddr);
	p = tcpstates_nla_addr(p, TCPSTATES_A_EVENT_REMOTE_ADDR, ep->family,
			       &ep->daddr);
	p = tcpstates_nla_u16(p, TCPSTATES_A_EVENT_LOCAL_PORT, ntohs(ep->sport));
	p = tcpstates_nla_u16(p, TCPSTATES_A_EVENT_REMOTE_PORT,
			      ntohs(ep->dport));
	if (ev->owner.tgid)
		p = tcpstates_nla_owner(p, &ev->owner);
	skb_put(skb, p - start);
	genlmsg_end(skb, hdr);
	return 0;
}

static int tcpstates_put_known_u32(struct sk_buff *skb, int attr, bool known,
				   u32 v)
{
	return known ? nla_put_u32(skb, attr, v) : 0;
}

static int tcpstates_put_durations(struct sk_buff *skb,
				   const struct tcpstates_conn *c)
{
	struct nlattr *nest;
	unsigned int s;

	for (s = 1; s < TCPSTATES_NSTATES; s++) {
		if (!c->state_us[s])
			continue;
		nest = nla_nest_start(skb, TCPSTATES_A_CONN_DURATION);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u8(skb, TCPSTATES_A_DURATION_STATE, s) ||
		    nla_put_u32(skb, TCPSTATES_A_DURATION_US, c->state_us[s])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int tcpstates_fill_conn(struct sk_buff *skb,
			       const struct tcpstates_conn *c, u64 now,
			       u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &tcpstates_family, flags,
			  TCPSTATES_CMD_GET_CONNS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, TCPSTATES_A_CONN_COOKIE, c->cookie,
			      TCPSTATES_A_CONN_PAD) ||
	    nla_put_u8(skb, TCPSTATES_A_CONN_STATE, c->state) ||
	    (c->state_ns != TCPSTATES_UNKNOWN &&
	     nla_put_u64_64bit(skb, TCPSTATES_A_CONN_STATE_NS,
			       now > c->state_ns ? now - c->state_ns : 0,
			       TCPSTATES_A_CONN_PAD)) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_CONN_AGE_NS,
			      now > c->created_ns ? now - c->created_ns : 0,
			      TCPSTATES_A_CONN_PAD) ||
	    nla_put_u8(skb, TCPSTATES_A_CONN_ROLE, c->role) ||
	    nla_put_u32(skb, TCPSTATES_A_CONN_FLAGS, c->flags) ||
	    tcpstates_put_known_u32(skb, TCPSTATES_A_CONN_ISN_LOCAL,
				    c->known & TCPSTATES_KNOW_ISN_LOCAL,
				    c->isn_local) ||
	    tcpstates_put_known_u32(skb, TCPSTATES_A_CONN_ISN_REMOTE,
				    c->known & TCPSTATES_KNOW_ISN_REMOTE,
				    c->isn_remote) ||
	    tcpstates_put_known_u32(skb, TCPSTATES_A_CONN_FIN_LOCAL,
				    c->known & TCPSTATES_KNOW_FIN_LOCAL,
				    c->fin_local) ||
	    tcpstates_put_known_u32(skb, TCPSTATES_A_CONN_FIN_REMOTE,
				    c->known & TCPSTATES_KNOW_FIN_REMOTE,
				    c->fin_remote) ||
	    nla_put_u8(skb, TCPSTATES_A_CONN_FIRST_FIN, c->first_fin) ||
	    tcpstates_put_known_u32(skb, TCPSTATES_A_CONN_HANDSHAKE_US,
				    c->known & TCPSTATES_KNOW_HANDSHAKE,
				    c->handshake_us) ||
	    tcpstates_put_durations(skb, c) ||
	    tcpstates_put_endpoints(skb, &tcpstates_conn_ep_attrs, &c->ep,
				    &c->owner))
		goto out_cancel;
	genlmsg_end(skb, hdr);
	return 0;

out_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* The multicast sender's counters */
static atomic64_t tcpstates_mcast_sent = ATOMIC64_INIT(0);
static atomic64_t tcpstates_mcast_failed = ATOMIC64_INIT(0);
static atomic64_t tcpstates_mcast_nomem = ATOMIC64_INIT(0);
static atomic64_t tcpstates_mcast_unheard = ATOMIC64_INIT(0);

static int tcpstates_put_stats(struct sk_buff *skb)
{
	u64 v[TCPSTATES_A_STATS_MAX + 1];
	struct tcpstates_conn_stats cs;
	struct tcpstates_ring_stats st;
	int i;

	tcpstates_ring_stats(&st);
	tcpstates_conn_stats(&cs);
	v[TCPSTATES_A_STATS_EVENTS] = st.next_seq - 1;
	v[TCPSTATES_A_STATS_RING_SIZE] = st.size;
	v[TCPSTATES_A_STATS_RING_USED] = st.next_seq - st.first_seq;
	v[TCPSTATES_A_STATS_RING_FIRST_SEQ] = st.first_seq;
	v[TCPSTATES_A_STATS_RING_OVERWRITTEN] = st.overwritten;
	v[TCPSTATES_A_STATS_KPROBE_MISSED] = tcpstates_probe_missed();
	v[TCPSTATES_A_STATS_CONN_USED] = cs.used;
	v[TCPSTATES_A_STATS_CONN_MAX] = cs.max;
	v[TCPSTATES_A_STATS_CONN_ADDED] = cs.added;
	v[TCPSTATES_A_STATS_CONN_REMOVED] = cs.removed;
	v[TCPSTATES_A_STATS_CONN_EVICTED] = cs.evicted;
	v[TCPSTATES_A_STATS_CONN_SEEDED] = cs.seeded;
	v[TCPSTATES_A_STATS_MCAST_SENT] = atomic64_read(&tcpstates_mcast_sent);
	v[TCPSTATES_A_STATS_MCAST_OVERRUN] = st.tx_overrun;
	v[TCPSTATES_A_STATS_MCAST_FAILED] = atomic64_read(&tcpstates_mcast_failed);
	v[TCPSTATES_A_STATS_MCAST_NOMEM] = atomic64_read(&tcpstates_mcast_nomem);
	v[TCPSTATES_A_STATS_MEM_BYTES] = st.bytes + cs.bytes;
	v[TCPSTATES_A_STATS_READERS_OPEN] = tcpstates_proc_readers_open();
	v[TCPSTATES_A_STATS_DUMPS_RUNNING] = tcpstates_nl_dumps_running();
	v[TCPSTATES_A_STATS_MCAST_UNHEARD] = atomic64_read(&tcpstates_mcast_unheard);
	for (i = TCPSTATES_A_STATS_EVENTS; i <= TCPSTATES_A_STATS_MAX; i++)
		if (nla_put_u64_64bit(skb, i, v[i], TCPSTATES_A_STATS_PAD))
			return -EMSGSIZE;
	return 0;
}

/*
 * The checks the genl core makes on the requests of families with
 * resv_start_op (6.1): the reserved header byte, and only the netlink
 * flags the core gives a meaning to. Made here too, so that older kernels
 * refuse the same requests; where the core made them, they pass.
 */
static int tcpstates_nl_check_header(const struct nlmsghdr *nlh,
				     struct netlink_ext_ack *extack)
{
	const struct genlmsghdr *g = nlmsg_data(nlh);
	u16 flags = nlh->nlmsg_flags;

	if (g->reserved) {
		NL_SET_ERR_MSG(extack, "genlmsghdr.reserved field is not 0");
		return -EINVAL;
	}
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
		NL_SET_ERR_MSG(extack, "reserved bits set in nlmsg_flags");
		return -EINVAL;
	}
	return 0;
}

static int tcpstates_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = tcpstates_nl_check_header(info->nlhdr, info->extack);
	if (ret)
		return ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tcpstates_family, 0,
				TCPSTATES_CMD_GET_STATS);
	if (!hdr || tcpstates_put_stats(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * struct tcpstates_dump - the state of one dump, between its calls
 * @filter: what it returns
 * @parsed: the request was parsed (in the first call)
 * @next: events: the next sequence number to read
 * @end: events: where it stops (the next event at its start)
 * @prev: events: the last sequence number returned, or the last
 *	overwritten before it could be read
 * @cursor: connections: the last one returned
 * @ev: room for one event
 * @conn: room for one connection
 */
struct tcpstates_dump {
	struct tcpstates_filter filter;
	bool parsed;
	u64 next;
	u64 end;
	u64 prev;
	struct tcpstates_conn_cursor cursor;
	union {
		struct tcpstates_event ev;
		struct tcpstates_conn conn;
	};
};

static struct tcpstates_dump *tcpstates_dump_of(struct netlink_callback *cb)
{
	return (struct tcpstates_dump *)cb->args[0];
}

/* Dumps between start() and done(), each holding one struct tcpstates_dump. */
static atomic_t tcpstates_dumps = ATOMIC_INIT(0);

/**
 * tcpstates_nl_dumps_running() - how many dumps hold a dump state
 *
 * Return: dumps started and not yet done (abandoned ones end when their
 * socket closes).
 */
int tcpstates_nl_dumps_running(void)
{
	return atomic_read(&tcpstates_dumps);
}

static int tcpstates_dump_start(struct netlink_callback *cb)
{
	struct tcpstates_dump *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	cb->args[0] = (long)d;
	atomic_inc(&tcpstates_dumps);
	return 0;
}

static int tcpstates_dump_done(struct netlink_callback *cb)
{
	struct tcpstates_dump *d = tcpstates_dump_of(cb);

	if (d)
		atomic_dec(&tcpstates_dumps);
	kfree(d);
	cb->args[0] = 0;
	return 0;
}

/*
 * A dump's first call parses its request; not start(), because before 6.2
 * start() has no extended ack to explain a refusal with. The core
 * validated the attributes against the operation's policy already.
 */
static int tcpstates_dump_parse(struct netlink_callback *cb, int filter_attr,
				int all_attr, int maxattr,
				const struct nla_policy *policy,
				struct nlattr **tb)
{
	struct tcpstates_dump *d = tcpstates_dump_of(cb);
	int ret;

	ret = tcpstates_nl_check_header(cb->nlh, cb->extack);
	if (ret)
		return ret;
	ret = genlmsg_parse(cb->nlh, &tcpstates_family, tb, maxattr, policy,
			    cb->extack);
	if (ret)
		return ret;
	ret = tcpstates_filter_parse(&d->filter, tb[filter_attr], tb[all_attr],
				     cb->skb, cb->extack);
	if (ret)
		return ret;
	d->parsed = true;
	return 0;
}

static int tcpstates_events_parse(struct netlink_callback *cb)
{
	struct tcpstates_dump *d = tcpstates_dump_of(cb);
	struct nlattr *tb[TCPSTATES_A_EVENT_MAX + 1];
	struct tcpstates_ring_stats st;
	int ret;

	ret = tcpstates_dump_parse(cb, TCPSTATES_A_EVENT_FILTER,
				   TCPSTATES_A_EVENT_ALL_NETNS,
				   TCPSTATES_A_EVENT_MAX, tcpstates_events_policy,
				   tb);
	if (ret)
		return ret;
	tcpstates_ring_stats(&st);
	d->next = 1;
	if (tb[TCPSTATES_A_EVENT_START_SEQ])
		d->next = max_t(u64, 1, nla_get_u64(tb[TCPSTATES_A_EVENT_START_SEQ]));
	d->prev = d->next - 1;
	d->end = st.next_seq;
	return 0;
}

static int tcpstates_events_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct tcpstates_dump *d = tcpstates_dump_of(cb);
	int flags = NLM_F_MULTI, ret;
	unsigned int n = 0;
	u64 prev;

	if (!d->parsed) {
		ret = tcpstates_events_parse(cb);
		if (ret)
			return ret;
	}
	if (d->filter.have)
		flags |= NLM_F_DUMP_FILTERED;
	while (d->next < d->end) {
		if (!tcpstates_ring_read(d->next, &d->ev) || d->ev.seq >= d->end) {
			d->next = d->end;
			break;
		}
		prev = d->prev;
		if (d->ev.seq > d->next)	/* overwritten meanwhile */
			prev = max(prev, d->ev.seq - 1);
		if (tcpstates_filter_match(&d->filter, &d->ev.ep, &d->ev.owner) &&
		    (!d->filter.states ||
		     (d->filter.states & (BIT(d->ev.oldstate) | BIT(d->ev.newstate))))) {
			if (tcpstates_fill_event(skb, &d->ev, prev,
						 NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq, flags,
						 TCPSTATES_CMD_GET_EVENTS))
				break;	/* full: this event goes in the next one */
			prev = d->ev.seq;
		}
		d->prev = prev;
		d->next = d->ev.seq + 1;
		if (!(++n & 1023))
			cond_resched();
	}
	return skb->len;
}

static int tcpstates_conns_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct tcpstates_dump *d = tcpstates_dump_of(cb);
	struct nlattr *tb[TCPSTATES_A_CONN_MAX + 1];
	struct tcpstates_conn_cursor cur;
	int flags = NLM_F_MULTI, ret;
	u64 now = ktime_get_ns();
	unsigned int n = 0;

	if (!d->parsed) {
		ret = tcpstates_dump_parse(cb, TCPSTATES_A_CONN_FILTER,
					   TCPSTATES_A_CONN_ALL_NETNS,
					   TCPSTATES_A_CONN_MAX,
					   tcpstates_conns_policy, tb);
		if (ret)
			return ret;
	}
	cur = d->cursor;
	if (d->filter.have)
		flags |= NLM_F_DUMP_FILTERED;
	while (tcpstates_conn_read(&cur, &d->conn)) {
		if (tcpstates_filter_match(&d->filter, &d->conn.ep,
					   &d->conn.owner) &&
		    (!d->filter.states ||
		     (d->filter.states & BIT(d->conn.state))) &&
		    tcpstates_fill_conn(skb, &d->conn, now,
					NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, flags))
			break;	/* full: this one goes in the next message */
		d->cursor = cur;
		if (!(++n & 1023))
			cond_resched();
	}
	return skb->len;
}

/* The multicast sender */

/*
 * The sender works through up to TCPSTATES_TX_BUF events at a time, taken
 * from the ring TCPSTATES_TX_TAKE at a time (the ring's lock is held, with
 * interrupts off, for one take), so that its datagrams are full but for
 * the last of each pass.
 */
#define TCPSTATES_TX_TAKE	32
#define TCPSTATES_TX_BUF	256

/*
 * How long the first watched event waits for others, in jiffies. The
 * ring must hold what happens meanwhile: one tick is 4 ms at HZ=250, when
 * even 1,000,000 events per second leave the default ring (4,096) unsent
 * events behind. What it cannot hold is counted (mcast_overrun).
 */
#define TCPSTATES_TX_DELAY	1

/* Per network namespace: the last event sent to its "events" group */
struct tcpstates_net {
	u64 last_seq;
};

static unsigned int tcpstates_net_id __read_mostly;

static struct pernet_operations tcpstates_net_ops = {
	.id = &tcpstates_net_id,
	.size = sizeof(struct tcpstates_net),
};

static struct {
	struct delayed_work work;
	struct tcpstates_event *buf;
	u64 next;		/* the next event to take from the ring */
	u64 lost;		/* the last watched event lost to the ring */
	u64 all_last;		/* the last event sent to "events-all" */
} tx;

/**
 * tcpstates_nl_watched() - does anyone listen for events of this namespace?
 * @net: the namespace of the socket that changed state
 *
 * Called from the probes, any context but NMI.
 *
 * Return: true when an event there must be sent.
 */
bool tcpstates_nl_watched(struct net *net)
{
	if (genl_has_listeners(&tcpstates_family, &init_net,
			       TCPSTATES_NL_MCGRP_EVENTS_ALL))
		return true;
	/* a namespace on its way out has no listeners left */
	return check_net(net) &&
	       genl_has_listeners(&tcpstates_family, net,
				  TCPSTATES_NL_MCGRP_EVENTS);
}

/**
 * tcpstates_nl_kick() - have the sender send the watched events; any context
 *
 * Arms the sender to run in TCPSTATES_TX_DELAY unless it is armed already
 * (then nothing happens: a test and set of its pending bit). An event
 * pushed before a kick that finds it armed is taken by the run to come:
 * the work clears its pending bit before it reads the ring.
 */
void tcpstates_nl_kick(void)
{
	queue_delayed_work(system_wq, &tx.work, TCPSTATES_TX_DELAY);
}

static void tcpstates_tx_send(struct net *net, unsigned int group,
			      struct sk_buff *skb, unsigned int events)
{
	int ret;

	ret = genlmsg_multicast_netns(&tcpstates_family, net, skb, 0, group,
				      GFP_KERNEL);
	/*
	 * -ESRCH: nobody took it. The listeners left (none is left in any
	 * namespace: not sent), or none was ever in this one (the listener
	 * bits are per family, not per namespace), or every one here was
	 * full and had not set NETLINK_BROADCAST_ERROR. -ENOBUFS: one that
	 * had set it was full; the CLI sets it.
	 */
	if (ret == -ESRCH &&
	    !genl_has_listeners(&tcpstates_family, net, group))
		return;
	atomic64_add(events, &tcpstates_mcast_sent);
	if (ret == -ESRCH)
		atomic64_add(events, &tcpstates_mcast_unheard);
	else if (ret)
		atomic64_add(events, &tcpstates_mcast_failed);
}

/*
 * Send the events of one group in one namespace: those of namespace @netns,
 * or all when @netns is 0. @last: the last event sent there.
 */
static void tcpstates_tx_group(struct net *net, unsigned int group,
			       u32 netns, u64 *last,
			       const struct tcpstates_event *evs,
			       unsigned int n)
{
	struct sk_buff *skb = NULL;
	unsigned int i, queued = 0;

	for (i = 0; i < n; i++) {
		const struct tcpstates_event *ev = &evs[i];
		u64 prev = max(*last, tx.lost);

		if (netns && ev->ep.netns != netns)
			continue;
		*last = ev->seq;
		if (skb && tcpstates_fill_event(skb, ev, prev, 0, 0, 0,
						TCPSTATES_CMD_EVENT) == 0) {
			queued++;
			continue;
		}
		if (skb)	/* full */
			tcpstates_tx_send(net, group, skb, queued);
		queued = 0;
		skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!skb) {
			atomic64_inc(&tcpstates_mcast_nomem);
			continue;
		}
		if (tcpstates_fill_event(skb, ev, prev, 0, 0, 0,
					 TCPSTATES_CMD_EVENT) == 0)
			queued++;
	}
	if (skb && queued)
		tcpstates_tx_send(net, group, skb, queued);
	else
		nlmsg_free(skb);
}

static void tcpstates_tx_batch(const struct tcpstates_event *evs,
			       unsigned int n)
{
	struct tcpstates_net *tn;
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net) {
		if (!genl_has_listeners(&tcpstates_family, net,
					TCPSTATES_NL_MCGRP_EVENTS))
			continue;
		tn = net_generic(net, tcpstates_net_id);
		tcpstates_tx_group(net, TCPSTATES_NL_MCGRP_EVENTS, net->ns.inum,
				   &tn->last_seq, evs, n);
	}
	up_read(&net_rwsem);
	if (genl_has_listeners(&tcpstates_family, &init_net,
			       TCPSTATES_NL_MCGRP_EVENTS_ALL))
		tcpstates_tx_group(&init_net, TCPSTATES_NL_MCGRP_EVENTS_ALL, 0,
				   &tx.all_last, evs, n);
}

/*
 * Fill tx.buf with the next watched events, a take at a time, until it is
 * full or a take finds none. A take that reports a loss ends the fill:
 * the events before it (buf[0, *split)) are sent before the loss is
 * known, those from it on after. *@lost: the loss, or 0.
 *
 * Return: how many events are in tx.buf.
 */
static unsigned int tcpstates_tx_fill(unsigned int *split, u64 *lost)
{
	unsigned int n = 0, got, want;
	u64 seen;

	*split = 0;
	*lost = 0;
	while (n < TCPSTATES_TX_BUF) {
		want = min_t(unsigned int, TCPSTATES_TX_TAKE,
			     TCPSTATES_TX_BUF - n);
		got = tcpstates_ring_take(&tx.next, tx.buf + n, want, &seen);
		if (seen) {
			*split = n;
			*lost = seen;
		}
		n += got;
		if (!got || seen)
			break;
	}
	return n;
}

static void tcpstates_tx_work(struct work_struct *work)
{
	unsigned int n, split;
	u64 from, lost;

	for (;;) {
		from = tx.next;
		n = tcpstates_tx_fill(&split, &lost);
		if (split)
			tcpstates_tx_batch(tx.buf, split);
		if (lost)
			tx.lost = max(tx.lost, lost);
		if (n > split)
			tcpstates_tx_batch(tx.buf + split, n - split);
		if (tx.next == from)
			break;
		cond_resched();
	}
}

/* GET_STATS takes no attribute (6.1's core would reject all by itself). */
static const struct nla_policy tcpstates_stats_policy[] = {
	[TCPSTATES_A_STATS_PAD] = { .type = NLA_REJECT },
};

static const struct genl_ops tcpstates_nl_ops[] = {
	{
		.cmd = TCPSTATES_CMD_GET_STATS,
		.doit = tcpstates_nl_get_stats,
		.policy = tcpstates_stats_policy,
		.maxattr = ARRAY_SIZE(tcpstates_stats_policy) - 1,
	},
	{
		.cmd = TCPSTATES_CMD_GET_EVENTS,
		.start = tcpstates_dump_start,
		.dumpit = tcpstates_events_dump,
		.done = tcpstates_dump_done,
		.policy = tcpstates_events_policy,
		.maxattr = TCPSTATES_A_EVENT_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TCPSTATES_CMD_GET_CONNS,
		.start = tcpstates_dump_start,
		.dumpit = tcpstates_conns_dump,
		.done = tcpstates_dump_done,
		.policy = tcpstates_conns_policy,
		.maxattr = TCPSTATES_A_CONN_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group tcpstates_nl_mcgrps[] = {
	[TCPSTATES_NL_MCGRP_EVENTS] = {
		.name = TCPSTATES_MCGRP_EVENTS_NAME,
		.flags = TCPSTATES_MCGRP_NET_ADMIN,
	},
	[TCPSTATES_NL_MCGRP_EVENTS_ALL] = {
		.name = TCPSTATES_MCGRP_EVENTS_ALL_NAME,
		.flags = TCPSTATES_MCGRP_NET_ADMIN,
	},
};

static struct genl_family tcpstates_family = {
	.name = TCPSTATES_GENL_NAME,
	.version = TCPSTATES_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = tcpstates_nl_ops,
	.n_ops = ARRAY_SIZE(tcpstates_nl_ops),
#if TCPSTATES_HAVE_RESV_START_OP
	.resv_start_op = 0,	/* every command strictly validated */
#endif
	.mcgrps = tcpstates_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tcpstates_nl_mcgrps),
};

/**
 * tcpstates_nl_init() - register the family; the probes are not running yet
 *
 * ORDER: the per-namespace state exists before the family can be used;
 * the sender's buffer before anything can kick it.
 *
 * Return: 0 or a negative errno.
 */
int tcpstates_nl_init(void)
{
	int ret;

	tx.buf = kvcalloc(TCPSTATES_TX_BUF, sizeof(*tx.buf), GFP_KERNEL);
	if (!tx.buf)
		return -ENOMEM;
	INIT_DELAYED_WORK(&tx.work, tcpstates_tx_work);
	tx.next = 1;
	tx.lost = 0;
	tx.all_last = 0;
	ret = register_pernet_subsys(&tcpstates_net_ops);
	if (ret)
		goto out_free_buf;
	ret = genl_register_family(&tcpstates_family);
	if (ret)
		goto out_unregister_pernet;
	return 0;

out_unregister_pernet:
	unregister_pernet_subsys(&tcpstates_net_ops);
out_free_buf:
	kvfree(tx.buf);
	return ret;
}

/**
 * tcpstates_nl_exit() - unregister; the probes must be gone (no more kicks)
 *
 * ORDER: the sender runs at once for what it was armed to send (its timer
 * is not left to fire into freed code), and is done, before the family
 * and the per-namespace state it uses go. Nothing arms it again: the
 * probes are gone and the work does not requeue itself.
 */
void tcpstates_nl_exit(void)
{
	flush_delayed_work(&tx.work);
	cancel_delayed_work_sync(&tx.work);
	genl_unregister_family(&tcpstates_family);
	unregister_pernet_subsys(&tcpstates_net_ops);
	kvfree(tx.buf);
}
