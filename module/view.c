// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: who sees what. The one rule for /proc/tcpstates,
 * /proc/tcpstates_conns, the netlink dumps and the multicast groups:
 *
 * - A reader sees the events and connections of its own network
 *   namespace. It sees every namespace's only with CAP_NET_ADMIN in the
 *   initial user namespace (procfs: when it opened the file; netlink: and
 *   when it asks for them).
 * - Sequence numbers (the ISNs, the FINs', SND and RCV) let whoever knows
 *   them inject into or reset the connection: only a reader with
 *   CAP_NET_ADMIN over the namespace (in the user namespace that owns it)
 *   sees them, as sock_diag and /proc/net/tcp show them to nobody.
 * - The owner's process (pid, thread, command) likewise, but for the
 *   reader's own connections (its uid); the owner's uid is shown to every
 *   reader that sees the connection, as /proc/net/tcp shows it.
 * - Namespaces are told apart by their id (netns.c), never by their inode
 *   number, which the kernel gives again to the next namespace made.
 *
 * - The mapped ring (/proc/tcpstates_map) shows every field of every
 *   namespace's events, as they are written, to whoever maps it: only a
 *   reader that sees all that anyway may open it.
 *
 * Netlink dumps and subscriptions need CAP_NET_ADMIN over the reader's
 * namespace to begin with (the family's flags), so netlink readers always
 * see the numbers of the namespaces they see; /proc is open to all, and
 * an unprivileged reader sees there what /proc/net/tcp would show it.
 * The capabilities are those of the opener of a file, the sender of a
 * request, the subscriber to a group: never those of whoever reads later.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/nsproxy.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "tcpstates.h"

/**
 * tcpstates_viewer_of_file() - the reader of an open /proc file
 * @v: filled in
 * @file: the file, at open
 */
void tcpstates_viewer_of_file(struct tcpstates_viewer *v, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;

	memset(v, 0, sizeof(*v));
	v->netns_id = tcpstates_netns_id(net);
	v->uid = from_kuid_munged(&init_user_ns, file->f_cred->fsuid);
	v->may_all = file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN);
	v->all = v->may_all;
	v->secrets = v->may_all ||
		     file_ns_capable(file, net->user_ns, CAP_NET_ADMIN);
}

/**
 * tcpstates_viewer_of_request() - the sender of a netlink request
 * @v: filled in; @v->all is left false, for the request to ask
 * @skb: the request
 */
void tcpstates_viewer_of_request(struct tcpstates_viewer *v,
				 struct sk_buff *skb)
{
	memset(v, 0, sizeof(*v));
	v->netns_id = tcpstates_netns_id(sock_net(skb->sk));
	v->uid = from_kuid_munged(&init_user_ns, NETLINK_CB(skb).creds.uid);
	v->may_all = netlink_capable(skb, CAP_NET_ADMIN);
	v->secrets = v->may_all || netlink_net_capable(skb, CAP_NET_ADMIN);
}

/**
 * tcpstates_viewer_of_group() - the subscribers of a multicast group
 * @v: filled in
 * @net: the namespace the group is in
 * @all: the group of every namespace (in the initial namespace), not
 *	the group of @net's own
 *
 * Joining either group takes CAP_NET_ADMIN over the subscriber's
 * namespace (TCPSTATES_MCGRP_NET_ADMIN), the initial one for @all.
 */
void tcpstates_viewer_of_group(struct tcpstates_viewer *v, struct net *net,
			       bool all)
{
	memset(v, 0, sizeof(*v));
	v->netns_id = tcpstates_netns_id(net);
	v->may_all = all;
	v->all = all;
	v->secrets = true;
}

/**
 * tcpstates_view_sees() - does the reader see records of this namespace?
 * @v: the reader
 * @netns_id: the namespace of the record
 *
 * Return: true when it may see them and asked for them.
 */
bool tcpstates_view_sees(const struct tcpstates_viewer *v, u64 netns_id)
{
	return v->all || netns_id == v->netns_id;
}

/**
 * tcpstates_view_whole() - does the reader see every field of a record?
 * @v: the reader
 *
 * Return: true when tcpstates_view_event() and tcpstates_view_conn() would
 * change nothing (a reader with the namespace's secrets sees owners too).
 */
bool tcpstates_view_whole(const struct tcpstates_viewer *v)
{
	return v->secrets;
}

/**
 * tcpstates_view_may_map() - may the reader open the mapped ring?
 * @v: the reader of the file, at open
 *
 * Return: true when it sees every namespace, every field.
 */
bool tcpstates_view_may_map(const struct tcpstates_viewer *v)
{
	return v->may_all && tcpstates_view_whole(v);
}

/* The owner as this reader may see it. */
static void view_owner(const struct tcpstates_viewer *v,
		       struct tcpstates_owner *o)
{
	if (tcpstates_view_whole(v) || !(o->known & TCPSTATES_OWNER_PROC) ||
	    ((o->known & TCPSTATES_OWNER_UID) && o->uid == v->uid))
		return;
	o->tgid = 0;
	o->pid = 0;
	memset(o->comm, 0, sizeof(o->comm));
	o->known &= ~TCPSTATES_OWNER_PROC;
}

/**
 * tcpstates_view_event() - an event as this reader may see it
 * @v: the reader, who sees the event's namespace
 * @ev: the event, a copy: what the reader may not see is removed
 */
void tcpstates_view_event(const struct tcpstates_viewer *v,
			  struct tcpstates_event *ev)
{
	view_owner(v, &ev->owner);
	if (tcpstates_view_whole(v))
		return;
	ev->snd = 0;
	ev->rcv = 0;
	ev->known &= ~(TCPSTATES_EV_SND | TCPSTATES_EV_RCV);
	ev->isn_local = 0;
	ev->isn_remote = 0;
	ev->fin_local = 0;
	ev->fin_remote = 0;
	ev->seqs = 0;
}

/**
 * tcpstates_view_conn() - a connection as this reader may see it
 * @v: the reader, who sees the connection's namespace
 * @c: the connection, a copy: what the reader may not see is removed
 */
void tcpstates_view_conn(const struct tcpstates_viewer *v,
			 struct tcpstates_conn *c)
{
	view_owner(v, &c->owner);
	if (tcpstates_view_whole(v))
		return;
	c->isn_local = 0;
	c->isn_remote = 0;
	c->fin_local = 0;
	c->fin_remote = 0;
	c->known &= ~TCPSTATES_KNOW_SEQS;
}
