/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpstates: the generic netlink family, shared by the kernel module and
 * its tools. Documentation/netlink/specs/tcpstates.yaml describes the same
 * family in the kernel's YNL format.
 *
 * Family TCPSTATES_GENL_NAME ("tcpstates"), version TCPSTATES_GENL_VERSION.
 *
 * Every TCP state transition the module sees is an event with a global
 * sequence number, gapless from 1. The module keeps the newest events in a
 * ring (module parameter ring_size), and the live connections with their
 * lifecycle so far in a table (conn_max).
 *
 * Commands
 *
 * TCPSTATES_CMD_GET_STATS (do): the module's counters, one message of
 *	TCPSTATES_A_STATS_* attributes. No request attributes. Anyone may ask.
 *
 * TCPSTATES_CMD_GET_EVENTS (dump): the events still in the ring, oldest
 *	first, one message of TCPSTATES_A_EVENT_* attributes each.
 *	Request attributes, all optional:
 *	  TCPSTATES_A_EVENT_START_SEQ: the first sequence number wanted (the
 *	  resume point of a reader that saw a gap);
 *	  TCPSTATES_A_EVENT_FILTER: a TCPSTATES_A_FILTER_* nest;
 *	  TCPSTATES_A_EVENT_ALL_NETNS: every network namespace, not only the
 *	  requester's (needs CAP_NET_ADMIN in the initial user namespace).
 *	Each reply carries TCPSTATES_A_EVENT_PREV_SEQ: no event matching the
 *	request lies between it and TCPSTATES_A_EVENT_SEQ, except events that
 *	were overwritten before they could be read. In the first reply,
 *	PREV_SEQ + 1 > START_SEQ means the events from START_SEQ to PREV_SEQ
 *	were overwritten: lost for good (TCPSTATES_A_STATS_RING_OVERWRITTEN
 *	counts them).
 *
 * TCPSTATES_CMD_GET_CONNS (dump): the live connection table, one message
 *	of TCPSTATES_A_CONN_* attributes each, oldest connection first.
 *	Request attributes, optional: TCPSTATES_A_CONN_FILTER,
 *	TCPSTATES_A_CONN_ALL_NETNS (as for events).
 *
 * TCPSTATES_CMD_GET_AGGR (do): aggregates the module keeps as events
 *	happen, summed over CPUs: transitions by (old, new) state, the
 *	connections now in each state (from the transitions and the
 *	connections seeded at load: not limited by conn_max), closes by cause
 *	and role, and, for every namespace together only, log2 histograms of
 *	handshake time (by role), connection lifetime and time spent in each
 *	state. One message of TCPSTATES_A_AGGR_* attributes. Request
 *	attribute, optional: TCPSTATES_A_AGGR_ALL_NETNS, every namespace
 *	(CAP_NET_ADMIN in the initial user namespace; counts of namespaces
 *	gone included); else the requester's own namespace. Needs
 *	CAP_NET_ADMIN over the requester's namespace. The reply is large
 *	(about 12 KiB): read it with a buffer of 64 KiB.
 *
 * TCPSTATES_CMD_EVENT (notification): one event, TCPSTATES_A_EVENT_*
 *	attributes, sent to the multicast groups:
 *	  TCPSTATES_MCGRP_EVENTS_NAME ("events"): the events of the subscriber's
 *	  own network namespace;
 *	  TCPSTATES_MCGRP_EVENTS_ALL_NAME ("events-all"): the events of every
 *	  namespace, sent in the initial network namespace only.
 *	The module sends them in batches from process context, so they
 *	arrive shortly after they happen, several per datagram. In each
 *	notification TCPSTATES_A_EVENT_PREV_SEQ is the sequence number of
 *	the previous event the module sent to that group in that namespace:
 *	a listener whose last event is not PREV_SEQ lost the events between
 *	(its receive buffer overflowed, ENOBUFS; or the module could not keep
 *	up and the ring overwrote them) and can fetch them back with
 *	TCPSTATES_CMD_GET_EVENTS from its last SEQ + 1, while they are still
 *	in the ring. TCPSTATES_A_STATS_MCAST_* count such losses.
 *
 * Dumps that apply a filter mark their messages NLM_F_DUMP_FILTERED.
 *
 * Who sees what (the same rule as /proc/tcpstates; the module applies it
 * in one place, module/view.c):
 * - Dumps and subscriptions need CAP_NET_ADMIN in the user namespace that
 *   owns the requester's network namespace (GET_STATS does not).
 * - A reader sees the events and connections of its own network namespace
 *   only, unless it asks for all (ALL_NETNS, or a namespace filter naming
 *   another one) with CAP_NET_ADMIN in the initial user namespace.
 * - Sequence numbers (SND_NXT, RCV_NXT, the ISNs and FINs) go only to a
 *   reader with CAP_NET_ADMIN over the connection's namespace; they let
 *   whoever knows them inject into the connection. Owners' process ids and
 *   command names likewise, except for the reader's own connections (same
 *   uid); the owner's uid goes to every reader that sees the connection,
 *   as in /proc/net/tcp.
 * Namespaces are identified by TCPSTATES_A_*_NETNS_ID, an id the kernel
 * never gives to another namespace (its namespace cookie, or where the
 * kernel has none a number the module gives each namespace); the inode
 * number (TCPSTATES_A_*_NETNS) is for display only: the kernel gives a
 * freed namespace's number to the next one.
 *
 * Bad requests fail with an errno and an extended ack message naming the
 * attribute; they change nothing.
 *
 * Values
 *
 * States are TCP_* from include/net/tcp_states.h (ESTABLISHED = 1 ...
 * NEW_SYN_RECV = 12). Addresses are 4 bytes (AF_INET) or 16 (AF_INET6),
 * network order; ports are in host order. Times are CLOCK_MONOTONIC
 * nanoseconds. An attribute whose value the module does not know (a
 * duration before the module saw the state begin, a sequence number not
 * seen) is left out.
 */
#ifndef _UAPI_LINUX_TCPSTATES_H
#define _UAPI_LINUX_TCPSTATES_H

#include <linux/types.h>

#define TCPSTATES_GENL_NAME		"tcpstates"
#define TCPSTATES_GENL_VERSION		2
#define TCPSTATES_MCGRP_EVENTS_NAME	"events"
#define TCPSTATES_MCGRP_EVENTS_ALL_NAME	"events-all"

enum tcpstates_cmd {
	TCPSTATES_CMD_UNSPEC,
	TCPSTATES_CMD_GET_STATS,
	TCPSTATES_CMD_GET_EVENTS,
	TCPSTATES_CMD_GET_CONNS,
	TCPSTATES_CMD_EVENT,
	TCPSTATES_CMD_GET_AGGR,

	__TCPSTATES_CMD_MAX,
	TCPSTATES_CMD_MAX = __TCPSTATES_CMD_MAX - 1
};

/* Why a connection reached CLOSE (TCPSTATES_A_EVENT_CAUSE). */
enum tcpstates_cause {
	TCPSTATES_CAUSE_NONE,		/* not a close */
	TCPSTATES_CAUSE_NORMAL,		/* FIN handshake, or listener closed */
	TCPSTATES_CAUSE_RESET_RECEIVED,	/* peer sent RST (ECONNRESET, EPIPE) */
	TCPSTATES_CAUSE_RESET_SENT,	/* local abort: RST sent (unread data, linger 0, ...) */
	TCPSTATES_CAUSE_REFUSED,	/* RST in answer to our SYN */
	TCPSTATES_CAUSE_TIMEOUT,	/* retransmissions or FIN_WAIT2 timer ran out */
	TCPSTATES_CAUSE_ABORTED,	/* tcp_abort()/sock_destroy (ECONNABORTED) */
	TCPSTATES_CAUSE_TW_TIMER,	/* TIME_WAIT ran its full course */
	TCPSTATES_CAUSE_TW_EARLY,	/* TIME_WAIT cut short: reuse or RST */
	TCPSTATES_CAUSE_TW_NETNS,	/* TIME_WAIT purged with its namespace */
	/* an active close with no room for a TIME_WAIT socket (at
	 * net.ipv4.tcp_max_tw_buckets): FIN_WAIT2 or CLOSING -> CLOSE at once
	 */
	TCPSTATES_CAUSE_TW_OVERFLOW,
	TCPSTATES_CAUSE_HOST_UNREACHABLE,	/* EHOSTUNREACH (ICMP host unreachable, ...) */
	TCPSTATES_CAUSE_NET_UNREACHABLE,	/* ENETUNREACH (ICMP network unreachable) */
	TCPSTATES_CAUSE_ERROR,		/* another socket error: TCPSTATES_A_EVENT_ERRNO */
	/*
	 * Not a close: a listener's drop event (LISTEN -> LISTEN), its
	 * accept queue full. At most one a second per listener; the drops in
	 * between are counted (TCPSTATES_A_EVENT_DROPS_SUPPRESSED on the next
	 * one, TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED) and in the
	 * listener's totals.
	 */
	TCPSTATES_CAUSE_SYN_DROPPED,	/* a SYN refused */
	TCPSTATES_CAUSE_ACK_DROPPED,	/* a handshake's final ACK dropped: the
					 * client believes it is ESTABLISHED
					 */
};

/* Which side of a connection a socket is (TCPSTATES_A_*_ROLE). */
enum tcpstates_role {
	TCPSTATES_ROLE_UNKNOWN,		/* opened before the module loaded */
	TCPSTATES_ROLE_ACTIVE,		/* connect() */
	TCPSTATES_ROLE_PASSIVE,		/* accepted child of a listener */
	TCPSTATES_ROLE_LISTENER,
};

/* TCPSTATES_A_CONN_FLAGS */
#define TCPSTATES_CONN_F_PREEXISTING	(1U << 0)	/* there before the module */
#define TCPSTATES_CONN_F_TIMEWAIT	(1U << 1)	/* held by a timewait socket */
/*
 * Met mid-life: the table had no entry for the connection when it changed
 * state (its entry was evicted when the table was full, or a missed probe
 * hit hid its start). What the module learnt before is gone: its role,
 * owner, handshake, and the time it spent in its states so far are
 * unknown (left out). TCPSTATES_A_STATS_CONN_PARTIAL counts such entries.
 */
#define TCPSTATES_CONN_F_PARTIAL	(1U << 2)

/* TCPSTATES_A_EVENT_FLAGS */
/* the event of a partial entry (TCPSTATES_CONN_F_PARTIAL): counted in
 * TCPSTATES_A_STATS_EVENTS_PARTIAL
 */
#define TCPSTATES_EVENT_F_PARTIAL	(1U << 0)

/* TCPSTATES_A_CONN_FIRST_FIN: who sent the first FIN */
enum tcpstates_first_fin {
	TCPSTATES_FIRST_FIN_NONE,
	TCPSTATES_FIRST_FIN_LOCAL,
	TCPSTATES_FIRST_FIN_REMOTE,
};

/*
 * TCPSTATES_A_*_OWNER: the process that created, connected, listened or
 * accepted (a child of a listener has its listener's owner until accepted).
 * Ids as seen from the initial namespaces. Left out when not known.
 */
enum tcpstates_owner_attr {
	TCPSTATES_A_OWNER_UNSPEC,
	TCPSTATES_A_OWNER_TGID,		/* u32: process id */
	TCPSTATES_A_OWNER_PID,		/* u32: thread id */
	TCPSTATES_A_OWNER_UID,		/* u32 */
	TCPSTATES_A_OWNER_COMM,		/* NUL-terminated string, any bytes */

	__TCPSTATES_A_OWNER_MAX,
	TCPSTATES_A_OWNER_MAX = __TCPSTATES_A_OWNER_MAX - 1
};

/*
 * TCPSTATES_A_*_FILTER: what a dump returns. Every attribute is optional;
 * a record must match all those present.
 */
enum tcpstates_filter_attr {
	TCPSTATES_A_FILTER_UNSPEC,
	TCPSTATES_A_FILTER_FAMILY,	/* u8: AF_INET or AF_INET6 */
	TCPSTATES_A_FILTER_LOCAL_ADDR,	/* 4 or 16 bytes; needs FAMILY */
	TCPSTATES_A_FILTER_LOCAL_PREFIX,	/* u8: prefix length (default: whole address) */
	TCPSTATES_A_FILTER_REMOTE_ADDR,	/* 4 or 16 bytes; needs FAMILY */
	TCPSTATES_A_FILTER_REMOTE_PREFIX,	/* u8 */
	TCPSTATES_A_FILTER_LOCAL_PORT,	/* u16 */
	TCPSTATES_A_FILTER_REMOTE_PORT,	/* u16 */
	/* u32: bit (1 << TCP_*) per state; an event matches by its old or new state */
	TCPSTATES_A_FILTER_STATES,
	/* u32: refused (EINVAL): an inode number is given again to the next
	 * namespace; use NETNS_ID or NETNS_FD
	 */
	TCPSTATES_A_FILTER_NETNS,
	TCPSTATES_A_FILTER_TGID,	/* u32: owner's process id */
	TCPSTATES_A_FILTER_NETNS_ID,	/* u64: a namespace, by TCPSTATES_A_*_NETNS_ID */
	/* u32: a namespace, by an open file of it (/proc/PID/ns/net,
	 * /run/netns/NAME), as ip-netns(8) takes them
	 */
	TCPSTATES_A_FILTER_NETNS_FD,
	TCPSTATES_A_FILTER_COOKIE,	/* u64: one connection */
	/* u64: the cgroup (v2) the socket belongs to, by id (the inode number
	 * of its directory under the cgroup2 mount)
	 */
	TCPSTATES_A_FILTER_CGROUP_ID,

	__TCPSTATES_A_FILTER_MAX,
	TCPSTATES_A_FILTER_MAX = __TCPSTATES_A_FILTER_MAX - 1
};

/* One step of a connection's life: TCPSTATES_A_EVENT_* */
enum tcpstates_event_attr {
	TCPSTATES_A_EVENT_UNSPEC,
	TCPSTATES_A_EVENT_PAD,
	TCPSTATES_A_EVENT_SEQ,		/* u64: gapless from 1 */
	TCPSTATES_A_EVENT_PREV_SEQ,	/* u64: see above; 0 for none */
	TCPSTATES_A_EVENT_TIME_NS,	/* u64: when */
	TCPSTATES_A_EVENT_PREV_NS,	/* u64: time spent in OLDSTATE */
	TCPSTATES_A_EVENT_COOKIE,	/* u64: socket cookie, the connection's id */
	TCPSTATES_A_EVENT_NETNS,	/* u32: network namespace inode number (display) */
	TCPSTATES_A_EVENT_FAMILY,	/* u8: AF_INET or AF_INET6 */
	TCPSTATES_A_EVENT_OLDSTATE,	/* u8: TCP_* */
	TCPSTATES_A_EVENT_NEWSTATE,	/* u8: TCP_* */
	TCPSTATES_A_EVENT_CAUSE,	/* u8: enum tcpstates_cause */
	TCPSTATES_A_EVENT_ROLE,		/* u8: enum tcpstates_role */
	TCPSTATES_A_EVENT_LOCAL_ADDR,	/* 4 or 16 bytes */
	TCPSTATES_A_EVENT_REMOTE_ADDR,	/* 4 or 16 bytes */
	TCPSTATES_A_EVENT_LOCAL_PORT,	/* u16 */
	TCPSTATES_A_EVENT_REMOTE_PORT,	/* u16 */
	TCPSTATES_A_EVENT_SND_NXT,	/* u32: local next sequence number then */
	TCPSTATES_A_EVENT_RCV_NXT,	/* u32: next sequence number expected from the peer */
	TCPSTATES_A_EVENT_OWNER,	/* nest: TCPSTATES_A_OWNER_* */
	TCPSTATES_A_EVENT_START_SEQ,	/* u64, request: first sequence number wanted */
	TCPSTATES_A_EVENT_FILTER,	/* nest, request: TCPSTATES_A_FILTER_* */
	TCPSTATES_A_EVENT_ALL_NETNS,	/* flag, request: every namespace */
	TCPSTATES_A_EVENT_NETNS_ID,	/* u64: network namespace, never reused */
	TCPSTATES_A_EVENT_FLAGS,	/* u32: TCPSTATES_EVENT_F_* */
	TCPSTATES_A_EVENT_ERRNO,	/* u32: the socket error, with CAUSE_ERROR */
	/* u64: on a connection's last event (its CLOSE, after TIME_WAIT if
	 * it had one), the time since its first (connect, listen, or its
	 * creation as a passive child); left out when the module did not see
	 * the start (pre-existing or partial)
	 */
	TCPSTATES_A_EVENT_LIFE_NS,
	TCPSTATES_A_EVENT_CGROUP_ID,	/* u64: the socket's cgroup (v2) id; 0: none */
	/*
	 * The segments of the handshake and the teardown an event stands
	 * for, as the textbook draws them (x, y: the ISNs of the client and
	 * the server; u, w: the seq of the first and the second FIN), each
	 * only on the events it belongs to (sequence numbers: left out for
	 * readers without CAP_NET_ADMIN over the namespace, as SND_NXT):
	 */
	TCPSTATES_A_EVENT_SEG_SYN_SEQ,	/* u32: SYN seq=x (CLOSE -> SYN_SENT; the
					 * passive child's first event)
					 */
	TCPSTATES_A_EVENT_SEG_SYNACK_SEQ,	/* u32: SYN-ACK seq=y (SYN_SENT ->
						 * ESTABLISHED; the child's first)
						 */
	TCPSTATES_A_EVENT_SEG_SYNACK_ACK,	/* u32: SYN-ACK ack=x+1 (the same) */
	TCPSTATES_A_EVENT_SEG_ACK,	/* u32: the handshake's ACK ack=y+1 (into
					 * ESTABLISHED, either side)
					 */
	TCPSTATES_A_EVENT_SEG_FIN_SEQ,	/* u32: a FIN's seq (u or w): the FIN sent
					 * (-> FIN_WAIT1, -> LAST_ACK) or received
					 * (-> CLOSE_WAIT, -> CLOSING, FIN_WAIT2 ->
					 * TIME_WAIT)
					 */
	TCPSTATES_A_EVENT_SEG_FIN_ACK,	/* u32: the ACK of a FIN, ack=u+1 or w+1:
					 * received (FIN_WAIT1 -> FIN_WAIT2,
					 * LAST_ACK -> CLOSE, CLOSING -> TIME_WAIT)
					 * or sent (-> CLOSE_WAIT, FIN_WAIT2 ->
					 * TIME_WAIT)
					 */
	/*
	 * The data phase, on the events that leave ESTABLISHED and on every
	 * connection's last event (its totals; a TIME_WAIT socket's as they
	 * were when the full socket handed over): TCPSTATES_A_DATA_* nest.
	 */
	TCPSTATES_A_EVENT_DATA,
	/* u32: SYNs (active side) or SYN-ACKs (passive side) sent again
	 * before the handshake completed, on its event into ESTABLISHED
	 * (active) or the child's first event (passive)
	 */
	TCPSTATES_A_EVENT_HS_RETRANS,
	/* u64: active side, on SYN_SENT -> ESTABLISHED when a SYN was sent
	 * again: the time from the first SYN to the last one sent (spent
	 * waiting for the retransmission timer)
	 */
	TCPSTATES_A_EVENT_HS_WAIT_NS,
	/* On a listener's drop event (CAUSE_SYN_DROPPED, CAUSE_ACK_DROPPED): */
	TCPSTATES_A_EVENT_SYN_DROPS,	/* u64: the listener's SYNs refused so far */
	TCPSTATES_A_EVENT_ACK_DROPS,	/* u64: its final ACKs dropped so far */
	TCPSTATES_A_EVENT_DROPS_SUPPRESSED,	/* u32: its drops since its previous
						 * drop event that had no event
						 */
	TCPSTATES_A_EVENT_ACCEPTQ_LEN,	/* u32: children waiting for accept() */
	TCPSTATES_A_EVENT_ACCEPTQ_MAX,	/* u32: the accept queue's limit */

	__TCPSTATES_A_EVENT_MAX,
	TCPSTATES_A_EVENT_MAX = __TCPSTATES_A_EVENT_MAX - 1
};

/*
 * A connection's data phase so far (TCPSTATES_A_EVENT_DATA,
 * TCPSTATES_A_CONN_DATA), from its socket (struct tcp_sock, 4.1+).
 */
enum tcpstates_data_attr {
	TCPSTATES_A_DATA_UNSPEC,
	TCPSTATES_A_DATA_PAD,
	/* u64: bytes of data sent and acked by the peer (the SYN and the FIN,
	 * a sequence number each, not counted; a connection met mid-life may
	 * count them)
	 */
	TCPSTATES_A_DATA_BYTES_ACKED,
	TCPSTATES_A_DATA_BYTES_RECEIVED,	/* u64: bytes of data received in order
						 * (the FIN not counted)
						 */
	TCPSTATES_A_DATA_SEGS_OUT,	/* u32: segments sent, retransmits included */
	TCPSTATES_A_DATA_SEGS_IN,	/* u32: segments received */
	TCPSTATES_A_DATA_RETRANS,	/* u32: segments sent again, all causes */
	TCPSTATES_A_DATA_RTO,		/* u32: retransmission timer expiries */
	TCPSTATES_A_DATA_TLP,		/* u32: tail loss probes sent */
	TCPSTATES_A_DATA_SRTT_US,	/* u32: smoothed round-trip time; 0: none yet */
	TCPSTATES_A_DATA_MIN_RTT_US,	/* u32: minimum round-trip time seen */

	__TCPSTATES_A_DATA_MAX,
	TCPSTATES_A_DATA_MAX = __TCPSTATES_A_DATA_MAX - 1
};

/* Time a connection spent in one state: TCPSTATES_A_CONN_DURATION */
enum tcpstates_duration_attr {
	TCPSTATES_A_DURATION_UNSPEC,
	TCPSTATES_A_DURATION_STATE,	/* u8: TCP_* */
	TCPSTATES_A_DURATION_US,	/* u64 (u32 in version 1): microseconds, in total so far */

	__TCPSTATES_A_DURATION_MAX,
	TCPSTATES_A_DURATION_MAX = __TCPSTATES_A_DURATION_MAX - 1
};

/* One live connection and its lifecycle so far: TCPSTATES_A_CONN_* */
enum tcpstates_conn_attr {
	TCPSTATES_A_CONN_UNSPEC,
	TCPSTATES_A_CONN_PAD,
	TCPSTATES_A_CONN_COOKIE,	/* u64 */
	TCPSTATES_A_CONN_NETNS,		/* u32 */
	TCPSTATES_A_CONN_FAMILY,	/* u8 */
	TCPSTATES_A_CONN_STATE,		/* u8: TCP_*, the timewait substate in TIME_WAIT */
	TCPSTATES_A_CONN_STATE_NS,	/* u64: time in STATE so far */
	TCPSTATES_A_CONN_AGE_NS,	/* u64: time since the module first saw it */
	TCPSTATES_A_CONN_ROLE,		/* u8: enum tcpstates_role */
	TCPSTATES_A_CONN_FLAGS,		/* u32: TCPSTATES_CONN_F_* */
	TCPSTATES_A_CONN_LOCAL_ADDR,	/* 4 or 16 bytes */
	TCPSTATES_A_CONN_REMOTE_ADDR,	/* 4 or 16 bytes */
	TCPSTATES_A_CONN_LOCAL_PORT,	/* u16 */
	TCPSTATES_A_CONN_REMOTE_PORT,	/* u16 */
	TCPSTATES_A_CONN_ISN_LOCAL,	/* u32: our SYN's seq (x for a client, y for a server) */
	TCPSTATES_A_CONN_ISN_REMOTE,	/* u32: the peer's SYN's seq */
	TCPSTATES_A_CONN_FIN_LOCAL,	/* u32: our FIN's seq */
	TCPSTATES_A_CONN_FIN_REMOTE,	/* u32: the peer's FIN's seq */
	TCPSTATES_A_CONN_FIRST_FIN,	/* u8: enum tcpstates_first_fin */
	/* u64 (u32 in version 1): SYN -> established (active open), SYN-ACK
	 * round trip (passive)
	 */
	TCPSTATES_A_CONN_HANDSHAKE_US,
	/* nest, repeated: TCPSTATES_A_DURATION_*, one per state left so far */
	TCPSTATES_A_CONN_DURATION,
	TCPSTATES_A_CONN_OWNER,		/* nest: TCPSTATES_A_OWNER_* */
	TCPSTATES_A_CONN_FILTER,	/* nest, request: TCPSTATES_A_FILTER_* */
	TCPSTATES_A_CONN_ALL_NETNS,	/* flag, request: every namespace */
	TCPSTATES_A_CONN_NETNS_ID,	/* u64: network namespace, never reused */
	TCPSTATES_A_CONN_CGROUP_ID,	/* u64: the socket's cgroup (v2) id */
	/* nest: TCPSTATES_A_DATA_*, as of its last event that carried them */
	TCPSTATES_A_CONN_DATA,
	TCPSTATES_A_CONN_HS_RETRANS,	/* u32: SYNs or SYN-ACKs sent again */
	/* A listener's accept queue (at its last handshake, drop or close) */
	TCPSTATES_A_CONN_ACCEPTQ_LEN,	/* u32: children waiting for accept() */
	TCPSTATES_A_CONN_ACCEPTQ_MAX,	/* u32: its limit (the listen() backlog) */
	/* u64: SYNs refused because the accept queue was full */
	TCPSTATES_A_CONN_SYN_DROPS,
	/* u64: final ACKs of handshakes dropped because the accept queue was
	 * full: the client believes it is ESTABLISHED, the server never
	 * accepted
	 */
	TCPSTATES_A_CONN_ACK_DROPS,

	__TCPSTATES_A_CONN_MAX,
	TCPSTATES_A_CONN_MAX = __TCPSTATES_A_CONN_MAX - 1
};

/* The counters: TCPSTATES_A_STATS_*, all u64 */
enum tcpstates_stats_attr {
	TCPSTATES_A_STATS_UNSPEC,
	TCPSTATES_A_STATS_PAD,
	TCPSTATES_A_STATS_EVENTS,		/* events recorded since load */
	TCPSTATES_A_STATS_RING_SIZE,		/* ring capacity, events */
	TCPSTATES_A_STATS_RING_USED,		/* events in the ring */
	TCPSTATES_A_STATS_RING_FIRST_SEQ,	/* oldest sequence number still there */
	TCPSTATES_A_STATS_RING_OVERWRITTEN,	/* events overwritten when full */
	TCPSTATES_A_STATS_KPROBE_MISSED,	/* probe hits the kernel skipped */
	TCPSTATES_A_STATS_CONN_USED,		/* live connections in the table */
	TCPSTATES_A_STATS_CONN_MAX,		/* table capacity */
	TCPSTATES_A_STATS_CONN_ADDED,
	TCPSTATES_A_STATS_CONN_REMOVED,
	TCPSTATES_A_STATS_CONN_EVICTED,		/* dropped to make room: the sum of
						 * the four CONN_EVICTED_* below
						 */
	TCPSTATES_A_STATS_CONN_SEEDED,		/* found at load */
	TCPSTATES_A_STATS_MCAST_SENT,		/* events multicast (per group and namespace) */
	TCPSTATES_A_STATS_MCAST_OVERRUN,	/* events a listener waited for but the ring
						 * overwrote before they could be sent
						 * (waited for: one listened in their
						 * namespace or, as the kernel tells only
						 * that, in any)
						 */
	TCPSTATES_A_STATS_MCAST_FAILED,		/* events in datagrams a listener that set
						 * NETLINK_BROADCAST_ERROR could not take
						 * (ENOBUFS)
						 */
	TCPSTATES_A_STATS_MCAST_NOMEM,		/* events not sent: no memory for a datagram */
	TCPSTATES_A_STATS_MEM_BYTES,		/* ring and table memory, fixed at load */
	TCPSTATES_A_STATS_READERS_OPEN,		/* open /proc/tcpstates{,_conns} files */
	TCPSTATES_A_STATS_DUMPS_RUNNING,	/* netlink dumps started and not done */
	TCPSTATES_A_STATS_MCAST_UNHEARD,	/* events sent that no listener took (ESRCH):
						 * their namespace had none (the kernel
						 * tells only whether any namespace has
						 * one), or every one there was full and
						 * had not set NETLINK_BROADCAST_ERROR
						 */
	/*
	 * Evictions by what the evicted entry was, in the order the table
	 * gives them up: TIME_WAIT (oldest first), then closing (FIN_WAIT1,
	 * FIN_WAIT2, CLOSING, LAST_ACK), then open (SYN_SENT, SYN_RECV,
	 * ESTABLISHED), then held (CLOSE_WAIT, LISTEN): an entry of a class
	 * goes only when no entry of a class before it is left.
	 */
	TCPSTATES_A_STATS_CONN_EVICTED_TIME_WAIT,
	TCPSTATES_A_STATS_CONN_EVICTED_CLOSING,
	TCPSTATES_A_STATS_CONN_EVICTED_OPEN,
	TCPSTATES_A_STATS_CONN_EVICTED_HELD,
	TCPSTATES_A_STATS_CONN_PARTIAL,		/* entries made for connections met
						 * mid-life (TCPSTATES_CONN_F_PARTIAL)
						 */
	TCPSTATES_A_STATS_EVENTS_PARTIAL,	/* events of such entries: their owner,
						 * role and time in the old state
						 * are unknown
						 */
	TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED,	/* listeners' drops that had
							 * no drop event of their own
							 * (one a second per listener)
							 */

	__TCPSTATES_A_STATS_MAX,
	TCPSTATES_A_STATS_MAX = __TCPSTATES_A_STATS_MAX - 1
};

/*
 * Histograms (TCPSTATES_A_AGGR_HIST): TCPSTATES_HIST_BUCKETS counts of
 * values in microseconds, by their log2: bucket 0 holds 0 us, bucket b
 * (1 <= b < last) values v with 2^(b-1) <= v < 2^b, the last one all
 * values from 2^(TCPSTATES_HIST_BUCKETS - 2) us (about 76 hours) on. As
 * Prometheus buckets: bucket b's upper bound is 2^b us (exclusive).
 */
#define TCPSTATES_HIST_BUCKETS	40

/* TCPSTATES_A_HIST_KIND: what a histogram measures */
enum tcpstates_hist_kind {
	TCPSTATES_HIST_HANDSHAKE_ACTIVE,	/* SYN sent -> ESTABLISHED */
	TCPSTATES_HIST_HANDSHAKE_PASSIVE,	/* SYN-ACK sent -> child made */
	TCPSTATES_HIST_LIFETIME,		/* first event -> CLOSE (after TIME_WAIT) */
	TCPSTATES_HIST_STATE_TIME,		/* time in TCPSTATES_A_HIST_STATE, per stay */
};

/* One count of a keyed aggregate: TCPSTATES_A_AGGR_TRANSITION, _STATE, _CLOSE */
enum tcpstates_count_attr {
	TCPSTATES_A_COUNT_UNSPEC,
	TCPSTATES_A_COUNT_PAD,
	TCPSTATES_A_COUNT_OLDSTATE,	/* u8: TCP_* (transitions) */
	TCPSTATES_A_COUNT_NEWSTATE,	/* u8: TCP_* (transitions) */
	TCPSTATES_A_COUNT_STATE,	/* u8: TCP_* (current states) */
	TCPSTATES_A_COUNT_CAUSE,	/* u8: enum tcpstates_cause (closes) */
	TCPSTATES_A_COUNT_ROLE,		/* u8: enum tcpstates_role (closes) */
	TCPSTATES_A_COUNT_VALUE,	/* u64 (s64 for current states) */

	__TCPSTATES_A_COUNT_MAX,
	TCPSTATES_A_COUNT_MAX = __TCPSTATES_A_COUNT_MAX - 1
};

/* One histogram: TCPSTATES_A_AGGR_HIST */
enum tcpstates_hist_attr {
	TCPSTATES_A_HIST_UNSPEC,
	TCPSTATES_A_HIST_PAD,
	TCPSTATES_A_HIST_KIND,		/* u8: enum tcpstates_hist_kind */
	TCPSTATES_A_HIST_STATE,		/* u8: TCP_*, for TCPSTATES_HIST_STATE_TIME */
	TCPSTATES_A_HIST_SUM_US,	/* u64: the sum of the values */
	/* binary: TCPSTATES_HIST_BUCKETS u64 counts, host order */
	TCPSTATES_A_HIST_BUCKETS,

	__TCPSTATES_A_HIST_MAX,
	TCPSTATES_A_HIST_MAX = __TCPSTATES_A_HIST_MAX - 1
};

/* The aggregates: TCPSTATES_A_AGGR_* */
enum tcpstates_aggr_attr {
	TCPSTATES_A_AGGR_UNSPEC,
	TCPSTATES_A_AGGR_PAD,
	TCPSTATES_A_AGGR_ALL_NETNS,	/* flag, request: every namespace */
	/* nest, repeated: old, new, value; the transitions seen, not 0 */
	TCPSTATES_A_AGGR_TRANSITION,
	/* nest, repeated: state, value (s64); connections now in each state
	 * but CLOSE and NEW_SYN_RECV (a timewait socket in its substate)
	 */
	TCPSTATES_A_AGGR_STATE,
	TCPSTATES_A_AGGR_CLOSE,		/* nest, repeated: cause, role, value; not 0 */
	TCPSTATES_A_AGGR_HIST,		/* nest, repeated: every namespace only */
	TCPSTATES_A_AGGR_NETNS_ID,	/* u64: whose (absent: every namespace) */

	__TCPSTATES_A_AGGR_MAX,
	TCPSTATES_A_AGGR_MAX = __TCPSTATES_A_AGGR_MAX - 1
};

/*
 * The mapped ring: /proc/tcpstates_map, for one kind of reader, the one
 * that sees every field of every namespace (CAP_NET_ADMIN in the initial
 * user namespace, checked at open: anyone else gets EPERM). A live reader
 * that takes the events from shared memory instead of netlink messages.
 *
 * read() of the open file returns one struct tcpstates_map_info (a read
 * shorter than it fails with EINVAL). mmap() of the file, read-only and
 * shared, from offset 0, up to TCPSTATES_MAP_INFO.map_size bytes, gives
 * TCPSTATES_MAP_INFO.nrecs records of rec_size bytes each: the event
 * numbered s is in record s % nrecs, written there as it happens, from
 * the event numbered start_seq on, while the file is open. A writable
 * mapping fails with EPERM.
 *
 * A record is being written while its @gen is odd. A reader reads @gen,
 * copies the record, and reads @gen again (a read barrier between, as
 * the kernel's seqcount): if it changed, or was odd, the copy is torn and
 * the reader copies again. A record whose @seq is lower than the one
 * wanted was not written yet; one whose @seq is higher means the wanted
 * event was overwritten (the ring is full): the events from the wanted
 * one up to @seq - nrecs are lost for good, and counted for every reader
 * in TCPSTATES_A_STATS_RING_OVERWRITTEN.
 *
 * poll() reports the file readable when events came since the last
 * poll() that reported so (shortly after they happen, batched as the
 * multicast groups are); a reader reads the records from where it is,
 * then polls again.
 *
 * A version 1 reader checks @version == 1 and takes @rec_size from the
 * info: later versions only append fields to the record.
 */
#define TCPSTATES_MAP_VERSION	1

/**
 * struct tcpstates_map_info - what read() of /proc/tcpstates_map returns
 * @version: TCPSTATES_MAP_VERSION
 * @rec_size: bytes per record (at least sizeof(struct tcpstates_map_rec)
 *	of version 1)
 * @nrecs: records, a power of two (the ring's size)
 * @pad: 0
 * @start_seq: the first event written to the records for this file
 * @netns_id: the opener's network namespace (TCPSTATES_A_EVENT_NETNS_ID)
 * @map_size: bytes to map
 */
struct tcpstates_map_info {
	__u32 version;
	__u32 rec_size;
	__u32 nrecs;
	__u32 pad;
	__u64 start_seq;
	__u64 netns_id;
	__u64 map_size;
};

/* struct tcpstates_map_rec.known: what the record holds besides the rest */
#define TCPSTATES_MAP_PREV_NS		(1U << 0)	/* @prev_ns */
#define TCPSTATES_MAP_LIFE_NS		(1U << 1)	/* @life_ns */
#define TCPSTATES_MAP_SND_NXT		(1U << 2)	/* @snd_nxt */
#define TCPSTATES_MAP_RCV_NXT		(1U << 3)	/* @rcv_nxt */
#define TCPSTATES_MAP_ERRNO		(1U << 4)	/* @err */
#define TCPSTATES_MAP_HS_RETRANS	(1U << 5)	/* @hs_retrans */
#define TCPSTATES_MAP_HS_WAIT_NS	(1U << 6)	/* @hs_wait_ns */
#define TCPSTATES_MAP_DATA		(1U << 7)	/* @bytes_acked ... @min_rtt_us */
#define TCPSTATES_MAP_DROP		(1U << 8)	/* @syn_drops ... @acceptq_max */
#define TCPSTATES_MAP_OWNER_UID		(1U << 9)	/* @uid */
#define TCPSTATES_MAP_OWNER_PROC	(1U << 10)	/* @tgid, @pid, @comm */
/* @seg[i] (enum tcpstates_map_seg): TCPSTATES_MAP_SEG(i) */
#define TCPSTATES_MAP_SEG(i)		(1U << (16 + (i)))

/*
 * The segments of the textbook's diagram an event stands for, as
 * TCPSTATES_A_EVENT_SEG_SYN_SEQ ... TCPSTATES_A_EVENT_SEG_FIN_ACK, in
 * their order.
 */
enum tcpstates_map_seg {
	TCPSTATES_MAP_SEG_SYN_SEQ,
	TCPSTATES_MAP_SEG_SYNACK_SEQ,
	TCPSTATES_MAP_SEG_SYNACK_ACK,
	TCPSTATES_MAP_SEG_ACK,
	TCPSTATES_MAP_SEG_FIN_SEQ,
	TCPSTATES_MAP_SEG_FIN_ACK,
	TCPSTATES_MAP_NSEGS
};

/**
 * struct tcpstates_map_rec - one event in the mapped ring (version 1)
 *
 * The fields are those of TCPSTATES_CMD_EVENT, the attribute of the same
 * name (ports in host order, addresses 4 or 16 bytes by @family); what
 * @known does not name is always there.
 */
struct tcpstates_map_rec {
	__u32 gen;
	__u32 known;
	__u64 seq;
	__u64 time_ns;
	__u64 prev_ns;
	__u64 life_ns;
	__u64 cookie;
	__u64 netns_id;
	__u64 cgroup_id;
	__u64 hs_wait_ns;
	__u64 bytes_acked;
	__u64 bytes_received;
	__u64 syn_drops;
	__u64 ack_drops;
	__u32 segs_out;
	__u32 segs_in;
	__u32 retrans;
	__u32 rto;
	__u32 tlp;
	__u32 srtt_us;
	__u32 min_rtt_us;
	__u32 drops_suppressed;
	__u32 acceptq_len;
	__u32 acceptq_max;
	__u32 snd_nxt;
	__u32 rcv_nxt;
	__u32 seg[TCPSTATES_MAP_NSEGS];
	__u32 flags;
	__u32 err;
	__u32 hs_retrans;
	__u32 netns;
	__u32 tgid;
	__u32 pid;
	__u32 uid;
	__u16 local_port;
	__u16 remote_port;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u8 family;
	__u8 oldstate;
	__u8 newstate;
	__u8 cause;
	__u8 role;
	__u8 pad[3];
	char comm[16];
};

#endif /* _UAPI_LINUX_TCPSTATES_H */
