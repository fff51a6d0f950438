// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the generic netlink family (include/uapi/linux/tcpstates.h
 * documents it for users): its policies, its commands (GET_STATS, the
 * GET_EVENTS and GET_CONNS dumps), its multicast groups, and the event
 * message the dumps and the multicast sender (mcast.c) both send.
 *
 * Dumps read the ring and the connection table one record at a time, as
 * procfs does, and resume from a sequence number or a table cursor. What
 * a requester sees is view.c's rule; the filters narrow it further.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "tcpstates.h"

#define TCPSTATES_STATE_MASK	GENMASK(TCP_NEW_SYN_RECV, TCP_ESTABLISHED)

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
	[TCPSTATES_A_FILTER_NETNS_ID] = { .type = NLA_U64 },
	[TCPSTATES_A_FILTER_NETNS_FD] = { .type = NLA_U32 },
	[TCPSTATES_A_FILTER_COOKIE] = { .type = NLA_U64 },
	[TCPSTATES_A_FILTER_CGROUP_ID] = { .type = NLA_U64 },
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

static const struct nla_policy tcpstates_aggr_policy[TCPSTATES_A_AGGR_MAX + 1] = {
	[TCPSTATES_A_AGGR_ALL_NETNS] = { .type = NLA_FLAG },
};

static struct genl_family tcpstates_family;

enum tcpstates_nl_mcgrp {
	TCPSTATES_NL_MCGRP_EVENTS,
	TCPSTATES_NL_MCGRP_EVENTS_ALL,
};

/**
 * struct tcpstates_filter - what a dump asked for, and who asked
 * @viewer: the requester (view.c), and whether it asked for every namespace
 * @have: BIT(TCPSTATES_A_FILTER_*) for each attribute given
 * @family: AF_INET or AF_INET6
 * @lplen: local prefix length
 * @rplen: remote prefix length
 * @lport: local port
 * @rport: remote port
 * @states: BIT(TCP_*) per state wanted
 * @tgid: the owner wanted
 * @netns_id: the one namespace wanted (NETNS_ID or NETNS_FD)
 * @cookie: the one connection wanted
 * @cgroup_id: the one cgroup wanted
 * @laddr: local address
 * @raddr: remote address
 */
struct tcpstates_filter {
	struct tcpstates_viewer viewer;
	u32 have;
	u8 family;
	u8 lplen;
	u8 rplen;
	u16 lport;
	u16 rport;
	u32 states;
	u32 tgid;
	u64 netns_id;
	u64 cookie;
	u64 cgroup_id;
	union tcpstates_addr laddr;
	union tcpstates_addr raddr;
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

/* The namespace a filter names, by id or by an open file of it. */
static int tcpstates_filter_netns(struct tcpstates_filter *f, struct nlattr **tb,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *fd = tb[TCPSTATES_A_FILTER_NETNS_FD];
	struct nlattr *id = tb[TCPSTATES_A_FILTER_NETNS_ID];
	struct net *net;
	u64 netns_id;

	if (tb[TCPSTATES_A_FILTER_NETNS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCPSTATES_A_FILTER_NETNS],
				    "a namespace's inode number is given again to the next namespace: use NETNS_ID or NETNS_FD");
		return -EINVAL;
	}
	if (fd) {
		net = get_net_ns_by_fd(nla_get_u32(fd));
		if (IS_ERR(net)) {
			NL_SET_ERR_MSG_ATTR(extack, fd,
					    "not an open file of a network namespace");
			return PTR_ERR(net);
		}
		netns_id = tcpstates_netns_id(net);
		put_net(net);
		if (id && nla_get_u64(id) != netns_id) {
			NL_SET_ERR_MSG_ATTR(extack, id,
					    "NETNS_ID and NETNS_FD name different namespaces");
			return -EINVAL;
		}
		f->netns_id = netns_id;
		f->have |= BIT(TCPSTATES_A_FILTER_NETNS_ID);
	} else if (id) {
		f->netns_id = nla_get_u64(id);
	} else {
		return 0;
	}
	/* another namespace than one's own is "all", narrowed */
	if (f->netns_id != f->viewer.netns_id) {
		if (!f->viewer.may_all) {
			NL_SET_ERR_MSG_ATTR(extack, fd ?: id,
					    "another namespace needs CAP_NET_ADMIN in the initial user namespace");
			return -EPERM;
		}
		f->viewer.all = true;
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
	tcpstates_viewer_of_request(&f->viewer, skb);
	if (all && !f->viewer.may_all) {
		NL_SET_ERR_MSG_ATTR(extack, all,
				    "every namespace needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	f->viewer.all = !!all;
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
	if (tb[TCPSTATES_A_FILTER_COOKIE])
		f->cookie = nla_get_u64(tb[TCPSTATES_A_FILTER_COOKIE]);
	if (tb[TCPSTATES_A_FILTER_CGROUP_ID])
		f->cgroup_id = nla_get_u64(tb[TCPSTATES_A_FILTER_CGROUP_ID]);
	return tcpstates_filter_netns(f, tb, extack);
}

static bool tcpstates_addr_match(u8 family, const union tcpstates_addr *a,
				 const union tcpstates_addr *want, u8 plen)
{
	if (family == AF_INET)
		return !plen || !((a->v4 ^ want->v4) &
				  htonl(~0U << (32 - plen)));
	return ipv6_prefix_equal(&a->v6, &want->v6, plen);
}

/* Does a record of this connection pass the filter and the viewer? */
static bool tcpstates_filter_match(const struct tcpstates_filter *f, u64 cookie,
				   u64 cgroup_id,
				   const struct tcpstates_endpoints *ep,
				   const struct tcpstates_owner *o)
{
	if (!tcpstates_view_sees(&f->viewer, ep->netns_id))
		return false;
	if (!f->have)
		return true;
	if ((f->have & BIT(TCPSTATES_A_FILTER_COOKIE)) && cookie != f->cookie)
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_CGROUP_ID)) &&
	    cgroup_id != f->cgroup_id)
		return false;
	if ((f->have & BIT(TCPSTATES_A_FILTER_NETNS_ID)) &&
	    ep->netns_id != f->netns_id)
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
	if ((f->have & BIT(TCPSTATES_A_FILTER_TGID)) &&
	    (!(o->known & TCPSTATES_OWNER_PROC) || o->tgid != f->tgid))
		return false;
	return true;
}

static int tcpstates_put_owner(struct sk_buff *skb, int attr,
			       const struct tcpstates_owner *o)
{
	struct nlattr *nest;

	if (!o->known)
		return 0;
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (((o->known & TCPSTATES_OWNER_PROC) &&
	     (nla_put_u32(skb, TCPSTATES_A_OWNER_TGID, o->tgid) ||
	      nla_put_u32(skb, TCPSTATES_A_OWNER_PID, o->pid))) ||
	    ((o->known & TCPSTATES_OWNER_UID) &&
	     nla_put_u32(skb, TCPSTATES_A_OWNER_UID, o->uid)) ||
	    ((o->known & TCPSTATES_OWNER_PROC) &&
	     nla_put(skb, TCPSTATES_A_OWNER_COMM,
		     strnlen(o->comm, sizeof(o->comm) - 1) + 1, o->comm))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
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
/*
 * The largest event: 9 u64 (seqs, times, cookie, netns id, cgroup,
 * handshake wait), 5 u8 (states, cause, role, family), 12 u32 (snd, rcv,
 * netns, flags, errno, handshake retransmissions, segments), the data nest
 * (2 u64, 7 u32), 2 addresses, 2 ports, the owner nest (3 u32, comm). A
 * listener's drop (2 u64, 3 u32) comes in place of the data nest, and is
 * smaller.
 */
#define TCPSTATES_EVENT_ATTRS_MAX					\
	(9 * nla_total_size_64bit(8) + 5 * nla_total_size(1) +		\
	 12 * nla_total_size(4) +					\
	 nla_total_size(0) + 2 * nla_total_size_64bit(8) +		\
	 7 * nla_total_size(4) +					\
	 2 * nla_total_size(16) + 2 * nla_total_size(2) +		\
	 nla_total_size(0) + 3 * nla_total_size(4) +			\
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

/*
 * The segments of the textbook's diagram an event stands for
 * (TCPSTATES_A_EVENT_SEG_*), in the order of their attributes.
 */
static u8 *tcpstates_nla_segs(u8 *p, const struct tcpstates_event *ev)
{
	u32 seg[TCPSTATES_MAP_NSEGS];
	u32 have = tcpstates_event_segs(ev, seg);
	int i;

	BUILD_BUG_ON(TCPSTATES_A_EVENT_SEG_FIN_ACK - TCPSTATES_A_EVENT_SEG_SYN_SEQ !=
		     TCPSTATES_MAP_NSEGS - 1);
	for (i = 0; i < TCPSTATES_MAP_NSEGS; i++)
		if (have & TCPSTATES_MAP_SEG(i))
			p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_SEG_SYN_SEQ + i,
					      seg[i]);
	return p;
}

/* The data phase nest (TCPSTATES_A_EVENT_DATA) */
static u8 *tcpstates_nla_data(u8 *p, const struct tcpstates_data *d)
{
	struct nlattr *nest = (struct nlattr *)p;

	p = tcpstates_nla(p, TCPSTATES_A_EVENT_DATA | NLA_F_NESTED, 0);
	p = tcpstates_nla_u64(p, TCPSTATES_A_DATA_BYTES_ACKED, d->bytes_acked);
	p = tcpstates_nla_u64(p, TCPSTATES_A_DATA_BYTES_RECEIVED,
			      d->bytes_received);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_SEGS_OUT, d->segs_out);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_SEGS_IN, d->segs_in);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_RETRANS, d->retrans);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_RTO, d->rto);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_TLP, d->tlp);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_SRTT_US, d->srtt_us);
	p = tcpstates_nla_u32(p, TCPSTATES_A_DATA_MIN_RTT_US, d->min_rtt_us);
	nest->nla_len = p - (u8 *)nest;
	return p;
}

static u8 *tcpstates_nla_owner(u8 *p, const struct tcpstates_owner *o)
{
	struct nlattr *nest = (struct nlattr *)p;
	int len = strnlen(o->comm, sizeof(o->comm) - 1) + 1;

	p = tcpstates_nla(p, TCPSTATES_A_EVENT_OWNER | NLA_F_NESTED, 0);
	if (o->known & TCPSTATES_OWNER_PROC) {
		p = tcpstates_nla_u32(p, TCPSTATES_A_OWNER_TGID, o->tgid);
		p = tcpstates_nla_u32(p, TCPSTATES_A_OWNER_PID, o->pid);
	}
	if (o->known & TCPSTATES_OWNER_UID)
		p = tcpstates_nla_u32(p, TCPSTATES_A_OWNER_UID, o->uid);
	if (o->known & TCPSTATES_OWNER_PROC) {
		p = tcpstates_nla(p, TCPSTATES_A_OWNER_COMM, len);
		memcpy(p, o->comm, len - 1);
		memset(p + len - 1, 0, nla_padlen(len) + 1);	/* NUL, padding */
		p += NLA_ALIGN(len);
	}
	nest->nla_len = p - (u8 *)nest;
	return p;
}

/**
 * tcpstates_nl_fill_event() - one event message
 * @skb: where
 * @ev: the event, as its reader may see it (tcpstates_view_event())
 * @prev: TCPSTATES_A_EVENT_PREV_SEQ
 * @portid: netlink header: port
 * @seq: netlink header: sequence number
 * @flags: netlink header: flags
 * @cmd: TCPSTATES_CMD_GET_EVENTS (a dump) or TCPSTATES_CMD_EVENT
 *
 * Return: 0, or -EMSGSIZE when @skb has no room for it (@skb unchanged).
 */
int tcpstates_nl_fill_event(struct sk_buff *skb,
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
	if (ev->life_ns != TCPSTATES_UNKNOWN)
		p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_LIFE_NS, ev->life_ns);
	p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_COOKIE, ev->cookie);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_OLDSTATE, ev->oldstate);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_NEWSTATE, ev->newstate);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_CAUSE, ev->cause);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_ROLE, ev->role);
	if (ev->known & TCPSTATES_EV_SND)
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_SND_NXT, ev->snd);
	if (ev->known & TCPSTATES_EV_RCV)
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_RCV_NXT, ev->rcv);
	p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_FLAGS, ev->flags);
	if (ev->cause == TCPSTATES_CAUSE_ERROR)
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_ERRNO, ev->err);
	p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_NETNS_ID, ep->netns_id);
	p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_CGROUP_ID, ev->cgroup_id);
	p = tcpstates_nla_segs(p, ev);
	if (ev->known & TCPSTATES_EV_HS) {
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_HS_RETRANS,
				      ev->hs_retrans);
		if (ev->hs_wait_ns != TCPSTATES_UNKNOWN)
			p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_HS_WAIT_NS,
					      ev->hs_wait_ns);
	}
	if (ev->known & TCPSTATES_EV_DATA)
		p = tcpstates_nla_data(p, &ev->data);
	if (ev->known & TCPSTATES_EV_DROP) {
		p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_SYN_DROPS,
				      ev->drop.syn_drops);
		p = tcpstates_nla_u64(p, TCPSTATES_A_EVENT_ACK_DROPS,
				      ev->drop.ack_drops);
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_DROPS_SUPPRESSED,
				      ev->drop.suppressed);
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_ACCEPTQ_LEN,
				      ev->drop.acceptq_len);
		p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_ACCEPTQ_MAX,
				      ev->drop.acceptq_max);
	}
	p = tcpstates_nla_u32(p, TCPSTATES_A_EVENT_NETNS, ep->netns_ino);
	p = tcpstates_nla_u8(p, TCPSTATES_A_EVENT_FAMILY, ep->family);
	p = tcpstates_nla_addr(p, TCPSTATES_A_EVENT_LOCAL_ADDR, ep->family,
			       &ep->saddr);
	p = tcpstates_nla_addr(p, TCPSTATES_A_EVENT_REMOTE_ADDR, ep->family,
			       &ep->daddr);
	p = tcpstates_nla_u16(p, TCPSTATES_A_EVENT_LOCAL_PORT, ntohs(ep->sport));
	p = tcpstates_nla_u16(p, TCPSTATES_A_EVENT_REMOTE_PORT,
			      ntohs(ep->dport));
	if (ev->owner.known)
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
		    nla_put_u64_64bit(skb, TCPSTATES_A_DURATION_US,
				      c->state_us[s], TCPSTATES_A_DURATION_UNSPEC)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int tcpstates_put_conn_data(struct sk_buff *skb,
				   const struct tcpstates_data *d)
{
	struct nlattr *nest = nla_nest_start(skb, TCPSTATES_A_CONN_DATA);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, TCPSTATES_A_DATA_BYTES_ACKED, d->bytes_acked,
			      TCPSTATES_A_DATA_PAD) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_DATA_BYTES_RECEIVED,
			      d->bytes_received, TCPSTATES_A_DATA_PAD) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_SEGS_OUT, d->segs_out) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_SEGS_IN, d->segs_in) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_RETRANS, d->retrans) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_RTO, d->rto) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_TLP, d->tlp) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_SRTT_US, d->srtt_us) ||
	    nla_put_u32(skb, TCPSTATES_A_DATA_MIN_RTT_US, d->min_rtt_us)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A listener's accept queue and what it dropped */
static int tcpstates_put_conn_listener(struct sk_buff *skb,
				       const struct tcpstates_conn *c)
{
	if (c->role != TCPSTATES_ROLE_LISTENER)
		return 0;
	if (nla_put_u32(skb, TCPSTATES_A_CONN_ACCEPTQ_LEN, c->acceptq_len) ||
	    nla_put_u32(skb, TCPSTATES_A_CONN_ACCEPTQ_MAX, c->acceptq_max) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_CONN_SYN_DROPS, c->syn_drops,
			      TCPSTATES_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_CONN_ACK_DROPS, c->ack_drops,
			      TCPSTATES_A_CONN_PAD))
		return -EMSGSIZE;
	return 0;
}

static int tcpstates_put_conn_endpoints(struct sk_buff *skb,
					const struct tcpstates_endpoints *ep)
{
	int len = ep->family == AF_INET ? 4 : 16;

	if (nla_put_u64_64bit(skb, TCPSTATES_A_CONN_NETNS_ID, ep->netns_id,
			      TCPSTATES_A_CONN_PAD) ||
	    nla_put_u32(skb, TCPSTATES_A_CONN_NETNS, ep->netns_ino) ||
	    nla_put_u8(skb, TCPSTATES_A_CONN_FAMILY, ep->family) ||
	    nla_put(skb, TCPSTATES_A_CONN_LOCAL_ADDR, len, &ep->saddr) ||
	    nla_put(skb, TCPSTATES_A_CONN_REMOTE_ADDR, len, &ep->daddr) ||
	    nla_put_u16(skb, TCPSTATES_A_CONN_LOCAL_PORT, ntohs(ep->sport)) ||
	    nla_put_u16(skb, TCPSTATES_A_CONN_REMOTE_PORT, ntohs(ep->dport)))
		return -EMSGSIZE;
	return 0;
}

/* One connection message; @c as its reader may see it */
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
	    nla_put_u32(skb, TCPSTATES_A_CONN_FLAGS,
			c->flags & TCPSTATES_CONN_UAPI_FLAGS) ||
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
	    ((c->known & TCPSTATES_KNOW_HANDSHAKE) &&
	     nla_put_u64_64bit(skb, TCPSTATES_A_CONN_HANDSHAKE_US,
			       c->handshake_us, TCPSTATES_A_CONN_PAD)) ||
	    tcpstates_put_durations(skb, c) ||
	    tcpstates_put_conn_endpoints(skb, &c->ep) ||
	    nla_put_u64_64bit(skb, TCPSTATES_A_CONN_CGROUP_ID, c->cgroup_id,
			      TCPSTATES_A_CONN_PAD) ||
	    ((c->known & TCPSTATES_KNOW_DATA) &&
	     tcpstates_put_conn_data(skb, &c->data)) ||
	    ((c->known & TCPSTATES_KNOW_HS_RETRANS) &&
	     nla_put_u32(skb, TCPSTATES_A_CONN_HS_RETRANS, c->hs_retrans)) ||
	    tcpstates_put_conn_listener(skb, c) ||
	    tcpstates_put_owner(skb, TCPSTATES_A_CONN_OWNER, &c->owner))
		goto out_cancel;
	genlmsg_end(skb, hdr);
	return 0;

out_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int tcpstates_put_stats(struct sk_buff *skb)
{
	u64 v[TCPSTATES_A_STATS_MAX + 1];
	int i;

	tcpstates_stats_snapshot(v);
	for (i = TCPSTATES_A_STATS_EVENTS; i <= TCPSTATES_A_STATS_MAX; i++)
		if (tcpstates_stat_name(i) &&
		    nla_put_u64_64bit(skb, i, v[i], TCPSTATES_A_STATS_PAD))
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

/* GET_AGGR: the aggregates of the requester's namespace, or of all */
static int tcpstates_nl_get_aggr(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *all = info->attrs[TCPSTATES_A_AGGR_ALL_NETNS];
	struct tcpstates_viewer v;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = tcpstates_nl_check_header(info->nlhdr, info->extack);
	if (ret)
		return ret;
	tcpstates_viewer_of_request(&v, skb);
	if (all && !v.may_all) {
		NL_SET_ERR_MSG_ATTR(info->extack, all,
				    "every namespace needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}
	msg = genlmsg_new(32768, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tcpstates_family, 0,
				TCPSTATES_CMD_GET_AGGR);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	ret = tcpstates_aggr_put(msg, sock_net(skb->sk), !!all);
	if (ret)
		goto out_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return ret;
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

static int tcpstates_dump_start(struct netlink_callback *cb)
{
	struct tcpstates_dump *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	cb->args[0] = (long)d;
	tcpstates_count(TCPSTATES_C_DUMPS_RUNNING, 1);
	return 0;
}

static int tcpstates_dump_done(struct netlink_callback *cb)
{
	struct tcpstates_dump *d = tcpstates_dump_of(cb);

	if (d)
		tcpstates_count(TCPSTATES_C_DUMPS_RUNNING, -1);
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
		if (tcpstates_filter_match(&d->filter, d->ev.cookie,
					   d->ev.cgroup_id, &d->ev.ep,
					   &d->ev.owner) &&
		    (!d->filter.states ||
		     (d->filter.states & (BIT(d->ev.oldstate) | BIT(d->ev.newstate))))) {
			tcpstates_view_event(&d->filter.viewer, &d->ev);
			if (tcpstates_nl_fill_event(skb, &d->ev, prev,
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
		if (tcpstates_filter_match(&d->filter, d->conn.cookie,
					   d->conn.cgroup_id, &d->conn.ep,
					   &d->conn.owner) &&
		    (!d->filter.states ||
		     (d->filter.states & BIT(d->conn.state)))) {
			tcpstates_view_conn(&d->filter.viewer, &d->conn);
			if (tcpstates_fill_conn(skb, &d->conn, now,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, flags))
				break;	/* full: this one goes in the next message */
		}
		d->cursor = cur;
		if (!(++n & 1023))
			cond_resched();
	}
	return skb->len;
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
		.cmd = TCPSTATES_CMD_GET_AGGR,
		.doit = tcpstates_nl_get_aggr,
		.policy = tcpstates_aggr_policy,
		.maxattr = TCPSTATES_A_AGGR_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
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
 * tcpstates_nl_has_listeners() - does a group have subscribers?
 * @net: the namespace of the group
 * @all: the group of every namespace's events, else of @net's own
 *
 * Any context but NMI. The kernel keeps one listener bit per group for
 * all namespaces: true may mean that a subscriber is in another one.
 *
 * Return: true when someone may listen.
 */
bool tcpstates_nl_has_listeners(struct net *net, bool all)
{
	return genl_has_listeners(&tcpstates_family, net,
				  all ? TCPSTATES_NL_MCGRP_EVENTS_ALL :
					TCPSTATES_NL_MCGRP_EVENTS);
}

/**
 * tcpstates_nl_multicast() - send a datagram of event messages to a group
 * @skb: the datagram, consumed
 * @net: the namespace of the group
 * @all: the group of every namespace's events, else of @net's own
 *
 * Process context.
 *
 * Return: as genlmsg_multicast_netns(): 0, -ESRCH when nobody took it,
 * -ENOBUFS when a subscriber that set NETLINK_BROADCAST_ERROR had no room.
 */
int tcpstates_nl_multicast(struct sk_buff *skb, struct net *net, bool all)
{
	return genlmsg_multicast_netns(&tcpstates_family, net, skb, 0,
				       all ? TCPSTATES_NL_MCGRP_EVENTS_ALL :
					     TCPSTATES_NL_MCGRP_EVENTS,
				       GFP_KERNEL);
}

/**
 * tcpstates_nl_init() - register the family; the probes are not running yet
 *
 * Return: 0 or a negative errno.
 */
int tcpstates_nl_init(void)
{
	return genl_register_family(&tcpstates_family);
}

/**
 * tcpstates_nl_exit() - unregister; the multicast sender must be stopped
 */
void tcpstates_nl_exit(void)
{
	genl_unregister_family(&tcpstates_family);
}
