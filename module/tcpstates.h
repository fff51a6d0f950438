/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates: the interfaces between the module's files.
 *
 * Data flows one way: sources -> store -> views.
 *   sources  sock.c (socket helpers), probe.c (ftrace hooks, kretprobes), seed.c (at load)
 *   store    netns.c (per namespace), ring.c (events), conntable.c (table),
 *            aggr.c (aggregates)
 *   rules    view.c (who sees what), stats.c (the counters, read from all)
 *   views    procfs.c, netlink.c (family, dumps), mcast.c (live events),
 *            map.c (the mapped ring)
 * Sources write into the store; views read it, through the rules; the
 * store calls neither (the ring wakes its consumer by queueing the work
 * item the consumer gave it). No source calls a view.
 */
#ifndef _TCPSTATES_H
#define _TCPSTATES_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <uapi/linux/tcpstates.h>

struct sock;
struct net;
struct file;
struct sk_buff;
struct delayed_work;
struct vm_area_struct;

/* Ring size bounds, in events (module parameter ring_size). */
#define TCPSTATES_RING_MIN	16U
#define TCPSTATES_RING_MAX	(1024U * 1024U)
#define TCPSTATES_RING_DEFAULT	4096U

/* Connection table bounds, in connections (module parameter conn_max). */
#define TCPSTATES_CONN_MIN	16U
#define TCPSTATES_CONN_MAX	(1024U * 1024U)
#define TCPSTATES_CONN_DEFAULT	16384U

/* TCP_* states are 1..12 (net/tcp_states.h); index 0 is unused. */
#define TCPSTATES_NSTATES	13

/* "Not known": an unknown time. */
#define TCPSTATES_UNKNOWN	U64_MAX

union tcpstates_addr {
	__be32 v4;
	struct in6_addr v6;
};

/* What struct tcpstates_owner holds (@known) */
#define TCPSTATES_OWNER_UID	BIT(0)	/* @uid */
#define TCPSTATES_OWNER_PROC	BIT(1)	/* @tgid, @pid, @comm */

/**
 * struct tcpstates_owner - the process a connection belongs to
 * @tgid: process id (in the initial pid namespace)
 * @pid: thread id
 * @uid: user id (in the initial user namespace)
 * @known: TCPSTATES_OWNER_*
 * @comm: command name, NUL-terminated, any bytes
 */
struct tcpstates_owner {
	u32 tgid;
	u32 pid;
	u32 uid;
	u8 known;
	char comm[TASK_COMM_LEN];
};

/**
 * struct tcpstates_endpoints - who talks to whom
 * @netns_id: the network namespace, by an id never given to another one
 * @netns_ino: its inode number (display only: the kernel reuses it)
 * @family: AF_INET or AF_INET6
 * @sport: local port, network order
 * @dport: remote port, network order
 * @saddr: local address
 * @daddr: remote address
 */
struct tcpstates_endpoints {
	u64 netns_id;
	u32 netns_ino;
	u16 family;
	__be16 sport;
	__be16 dport;
	union tcpstates_addr saddr;
	union tcpstates_addr daddr;
};

/**
 * struct tcpstates_data - a connection's data phase so far, from its socket
 * @bytes_acked: bytes sent and acked
 * @bytes_received: bytes received in order
 * @segs_out: segments sent
 * @segs_in: segments received
 * @retrans: segments sent again
 * @rto: retransmission timer expiries (counted by a probe)
 * @tlp: tail loss probes (counted by a probe)
 * @srtt_us: smoothed round-trip time
 * @min_rtt_us: minimum round-trip time
 */
struct tcpstates_data {
	u64 bytes_acked;
	u64 bytes_received;
	u32 segs_out;
	u32 segs_in;
	u32 retrans;
	u32 rto;
	u32 tlp;
	u32 srtt_us;
	u32 min_rtt_us;
};

/* What struct tcpstates_event holds besides what is always there (@known) */
#define TCPSTATES_EV_SND	BIT(0)	/* @snd */
#define TCPSTATES_EV_RCV	BIT(1)	/* @rcv */
#define TCPSTATES_EV_DATA	BIT(2)	/* @data */
#define TCPSTATES_EV_HS		BIT(3)	/* @hs_retrans (and @hs_wait_ns if known) */
#define TCPSTATES_EV_DROP	BIT(4)	/* @drop: a listener's drop, no transition */

/**
 * struct tcpstates_drop - what a listener's drop event tells
 * @syn_drops: the listener's SYNs refused so far, this one included
 * @ack_drops: its handshakes' final ACKs dropped so far
 * @suppressed: drops since its previous drop event that had no event
 *	(at most one event a second per listener)
 * @acceptq_len: children waiting for accept()
 * @acceptq_max: the accept queue's limit
 */
struct tcpstates_drop {
	u64 syn_drops;
	u64 ack_drops;
	u32 suppressed;
	u32 acceptq_len;
	u32 acceptq_max;
};

/**
 * struct tcpstates_event - one state transition of one TCP connection
 * @seq: global sequence number, gapless from 1: a reader that sees a gap
 *	knows exactly how many events it lost
 * @ts_ns: CLOCK_MONOTONIC time of the transition
 * @prev_ns: time spent in @oldstate, or TCPSTATES_UNKNOWN
 * @life_ns: on a connection's last event, the time since its first, or
 *	TCPSTATES_UNKNOWN
 * @cookie: socket cookie: the connection's id, kept by its TIME_WAIT socket
 * @ns_prev: the previous watched event of the same namespace (0: none)
 * @all_prev: the previous watched event of any namespace (0: none)
 * @hs_wait_ns: SYN_SENT -> ESTABLISHED: first SYN to last SYN sent, or
 *	TCPSTATES_UNKNOWN
 * @cgroup_id: the socket's cgroup (v2)
 * @data: the data phase (TCPSTATES_EV_DATA)
 * @drop: a listener's drop (TCPSTATES_EV_DROP), in place of @data
 * @snd: the local side's next sequence number (write_seq) then
 * @rcv: the next sequence number expected from the peer (rcv_nxt) then
 * @isn_local: the connection's numbers as known then (@seqs)
 * @isn_remote: ...
 * @fin_local: ...
 * @fin_remote: ...
 * @hs_retrans: SYNs or SYN-ACKs sent again (TCPSTATES_EV_HS)
 * @ep: endpoints
 * @owner: the process that created, connected, listened or accepted
 * @err: the socket error, for TCPSTATES_CAUSE_ERROR
 * @oldstate: state before (TCP_* from net/tcp_states.h)
 * @newstate: state after
 * @cause: enum tcpstates_cause, for transitions into CLOSE and drops
 * @role: enum tcpstates_role
 * @flags: TCPSTATES_EVENT_F_*
 * @known: TCPSTATES_EV_*
 * @seqs: TCPSTATES_KNOW_* of @isn_local ... @fin_remote
 * @watched: someone listened for it when it happened: the multicast sender
 *	must send it
 */
struct tcpstates_event {
	u64 seq;
	u64 ts_ns;
	u64 prev_ns;
	u64 life_ns;
	u64 cookie;
	u64 ns_prev;
	u64 all_prev;
	u64 hs_wait_ns;
	u64 cgroup_id;
	union {
		struct tcpstates_data data;
		struct tcpstates_drop drop;
	};
	u32 snd;
	u32 rcv;
	u32 isn_local;
	u32 isn_remote;
	u32 fin_local;
	u32 fin_remote;
	u16 hs_retrans;
	struct tcpstates_endpoints ep;
	struct tcpstates_owner owner;
	u16 err;
	u8 oldstate;
	u8 newstate;
	u8 cause;
	u8 role;
	u8 flags;
	u8 known;
	u8 seqs;
	u8 watched;
};

/* Connection flags: TCPSTATES_CONN_F_* (uapi) and the module's own */
#define TCPSTATES_CONN_UAPI_FLAGS	(TCPSTATES_CONN_F_PREEXISTING | \
					 TCPSTATES_CONN_F_TIMEWAIT | \
					 TCPSTATES_CONN_F_PARTIAL)
#define TCPSTATES_CONN_IN_TIME_WAIT	BIT(6)	/* in tcp_time_wait() */
#define TCPSTATES_CONN_DEAD		BIT(7)	/* closed while seeding */

/* What struct tcpstates_conn holds (@known) */
#define TCPSTATES_KNOW_ISN_LOCAL	BIT(0)
#define TCPSTATES_KNOW_ISN_REMOTE	BIT(1)
#define TCPSTATES_KNOW_FIN_LOCAL	BIT(2)
#define TCPSTATES_KNOW_FIN_REMOTE	BIT(3)
#define TCPSTATES_KNOW_HANDSHAKE	BIT(4)
#define TCPSTATES_KNOW_DATA		BIT(5)	/* @data */
#define TCPSTATES_KNOW_HS_RETRANS	BIT(6)	/* @hs_retrans */
#define TCPSTATES_KNOW_SEQS		(TCPSTATES_KNOW_ISN_LOCAL | \
					 TCPSTATES_KNOW_ISN_REMOTE | \
					 TCPSTATES_KNOW_FIN_LOCAL | \
					 TCPSTATES_KNOW_FIN_REMOTE)

/*
 * Eviction classes, in the order the table gives entries up: a tombstone
 * (not a connection), then TIME_WAIT, closing, open, held.
 */
enum tcpstates_class {
	TCPSTATES_CLASS_DEAD,
	TCPSTATES_CLASS_TIME_WAIT,	/* held by a timewait socket */
	TCPSTATES_CLASS_CLOSING,	/* FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK */
	TCPSTATES_CLASS_OPEN,		/* SYN_SENT, SYN_RECV, ESTABLISHED */
	TCPSTATES_CLASS_HELD,		/* CLOSE_WAIT, LISTEN */
	TCPSTATES_NCLASSES
};

/**
 * struct tcpstates_conn - the lifecycle so far of one live connection
 * @node: in its hash bucket
 * @lru: in its shard's list of its eviction class, oldest first
 * @cookie: socket cookie
 * @created_ns: when it was first seen
 * @state_ns: when it entered @state, or TCPSTATES_UNKNOWN
 * @handshake_us: active open: SYN_SENT -> ESTABLISHED; passive open:
 *	SYN-ACK round trip (SYN-ACK sent -> child created)
 * @state_us: time spent in each state so far, in microseconds
 * @cgroup_id: the socket's cgroup (v2)
 * @last_rto_ns: when the retransmission timer last expired
 * @syn_drops: listener: SYNs refused, accept queue full
 * @ack_drops: listener: handshakes' final ACKs dropped, accept queue full
 * @drop_event_ns: listener: when its last drop event was made (0: never)
 * @data: the data phase, as of the last event that read it
 * @ep: endpoints
 * @owner: owning process
 * @isn_local: ISN of the local side (x for a client, y for a server)
 * @isn_remote: ISN of the peer
 * @fin_local: sequence number of the local FIN
 * @fin_remote: sequence number of the peer's FIN
 * @hs_retrans: SYNs or SYN-ACKs sent again before the handshake completed
 * @acceptq_len: listener: children waiting for accept(), at its last
 *	handshake, drop or close
 * @acceptq_max: listener: the accept queue's limit
 * @drops_unreported: listener: drops since @drop_event_ns without an event
 * @known: which of the numbers above are set (TCPSTATES_KNOW_*)
 * @state: current state (the timewait substate while held by a tw socket)
 * @role: enum tcpstates_role
 * @flags: TCPSTATES_CONN_F_* and TCPSTATES_CONN_*
 * @first_fin: enum tcpstates_first_fin
 * @cls: enum tcpstates_class, the list @lru is on
 */
struct tcpstates_conn {
	struct hlist_node node;
	struct list_head lru;
	u64 cookie;
	u64 created_ns;
	u64 state_ns;
	u64 handshake_us;
	u64 state_us[TCPSTATES_NSTATES];
	u64 cgroup_id;
	u64 last_rto_ns;
	u64 syn_drops;
	u64 ack_drops;
	u64 drop_event_ns;
	struct tcpstates_data data;
	struct tcpstates_endpoints ep;
	struct tcpstates_owner owner;
	u32 isn_local;
	u32 isn_remote;
	u32 fin_local;
	u32 fin_remote;
	u32 hs_retrans;
	u32 acceptq_len;
	u32 acceptq_max;
	u32 drops_unreported;
	u8 known;
	u8 state;
	u8 role;
	u8 flags;
	u8 first_fin;
	u8 cls;
};

/**
 * struct tcpstates_conn_lock - a locked shard of the table
 * @shard: the shard
 */
struct tcpstates_conn_lock {
	void *shard;
};

/**
 * struct tcpstates_conn_cursor - where a reader of the table is
 * @bucket: the hash bucket it reads
 * @cookie: in it, the last connection read (0: none yet)
 */
struct tcpstates_conn_cursor {
	u32 bucket;
	u64 cookie;
};

/**
 * struct tcpstates_ring_stats - a consistent snapshot of the ring counters
 * @next_seq: sequence number the next event will get
 * @first_seq: oldest sequence number still in the ring (== @next_seq when empty)
 * @overwritten: events dropped because the ring was full
 * @tx_overrun: watched events overwritten before the multicast sender took
 *	them
 * @partial: events of partial entries (TCPSTATES_EVENT_F_PARTIAL)
 * @bytes: memory the ring holds (allocated at load, the same until unload)
 * @size: capacity in events
 */
struct tcpstates_ring_stats {
	u64 next_seq;
	u64 first_seq;
	u64 overwritten;
	u64 tx_overrun;
	u64 partial;
	u64 bytes;
	u32 size;
};

/**
 * struct tcpstates_conn_stats - connection table counters
 * @used: live entries
 * @max: capacity
 * @added: entries made so far
 * @removed: entries gone with their connection
 * @evicted: entries dropped to make room, by class (their index: enum
 *	tcpstates_class; [TCPSTATES_CLASS_DEAD] is the total);
 *	@added == @used + @removed + @evicted[0]
 * @seeded: connections found at load
 * @partial: entries made for connections met mid-life
 * @drops_suppressed: listeners' drops that made no drop event
 * @bytes: memory the table holds (allocated at load, the same until unload)
 */
struct tcpstates_conn_stats {
	u64 used;
	u64 max;
	u64 added;
	u64 removed;
	u64 evicted[TCPSTATES_NCLASSES];
	u64 seeded;
	u64 partial;
	u64 drops_suppressed;
	u64 bytes;
};

/**
 * struct tcpstates_ring_consumer - who takes watched events from the ring
 * @wants: does anyone listen for an event of this namespace now? Any
 *	context but NMI.
 * @work: queued (ring.c's ring_wake()) when a watched event comes
 */
struct tcpstates_ring_consumer {
	bool (*wants)(struct net *net);
	struct delayed_work *work;
};

/**
 * struct tcpstates_viewer - who reads, and so what it may see
 * @netns_id: the reader's network namespace
 * @uid: the reader's uid (in the initial user namespace)
 * @may_all: may see every namespace (CAP_NET_ADMIN in the initial user
 *	namespace)
 * @all: asked for every namespace (implies @may_all)
 * @secrets: may see sequence numbers and every owner (CAP_NET_ADMIN over
 *	its namespace, or @may_all)
 */
struct tcpstates_viewer {
	u64 netns_id;
	u32 uid;
	bool may_all;
	bool all;
	bool secrets;
};

/* netns.c */
int tcpstates_netns_init(void);
void tcpstates_netns_exit(void);
u64 tcpstates_netns_id(struct net *net);
u64 tcpstates_netns_chain(struct net *net, atomic64_t *last_seq, u64 *seq);

/* aggr.c */
int tcpstates_aggr_init(void);
void tcpstates_aggr_exit(void);
void tcpstates_aggr_event(const struct tcpstates_event *ev, struct net *net);
void tcpstates_aggr_seed(int state, struct net *net);
int tcpstates_aggr_put(struct sk_buff *skb, struct net *net, bool all);

/* ring.c */
int tcpstates_ring_init(unsigned int size);
void tcpstates_ring_exit(void);
void tcpstates_ring_push(struct tcpstates_event *ev, struct net *net);
bool tcpstates_ring_read(u64 seq, struct tcpstates_event *out);
void tcpstates_ring_stats(struct tcpstates_ring_stats *st);
unsigned int tcpstates_ring_take(u64 *next, struct tcpstates_event *buf,
				 unsigned int max);
void tcpstates_ring_set_consumer(const struct tcpstates_ring_consumer *c);
u32 tcpstates_event_segs(const struct tcpstates_event *ev,
			 u32 seg[TCPSTATES_MAP_NSEGS]);
void tcpstates_ring_set_map_work(struct delayed_work *work);
u64 tcpstates_ring_map_begin(void);
void tcpstates_ring_map_end(void);
size_t tcpstates_ring_map_layout(u32 *nrecs);
int tcpstates_ring_map_vma(struct vm_area_struct *vma);
u64 tcpstates_ring_next_seq(void);

/* conntable.c */
int tcpstates_conn_init(unsigned int max);
void tcpstates_conn_exit(void);
struct tcpstates_conn *tcpstates_conn_lock(u64 cookie,
					   struct tcpstates_conn_lock *l);
struct tcpstates_conn *tcpstates_conn_get(struct tcpstates_conn_lock *l,
					  u64 cookie, bool *created);
struct tcpstates_conn *tcpstates_conn_seed_add(struct tcpstates_conn_lock *l,
					       u64 cookie);
void tcpstates_conn_drop_suppressed(struct tcpstates_conn_lock *l);
void tcpstates_conn_adopt(struct tcpstates_conn_lock *l,
			  struct tcpstates_conn *conn);
void tcpstates_conn_update(struct tcpstates_conn_lock *l,
			   struct tcpstates_conn *conn);
void tcpstates_conn_remove(struct tcpstates_conn_lock *l,
			   struct tcpstates_conn *conn);
void tcpstates_conn_unlock(struct tcpstates_conn_lock *l);
bool tcpstates_conn_read(struct tcpstates_conn_cursor *cur,
			 struct tcpstates_conn *out);
void tcpstates_conn_stats(struct tcpstates_conn_stats *st);
void tcpstates_conn_seed_begin(void);
void tcpstates_conn_seed_end(void);

/* sock.c */
u64 tcpstates_sk_cookie(struct sock *sk);
void tcpstates_sk_endpoints(const struct sock *sk,
			    struct tcpstates_endpoints *ep);
void tcpstates_sk_uid(const struct sock *sk, struct tcpstates_owner *o);
u64 tcpstates_sk_cgroup(const struct sock *sk);
void tcpstates_sk_data(const struct sock *sk, struct tcpstates_data *d);
void tcpstates_owner_current(struct tcpstates_owner *o);

/* probe.c */
int tcpstates_probe_init(void);
void tcpstates_probe_exit(void);
unsigned long tcpstates_probe_missed(void);

/* seed.c */
void tcpstates_seed(void);

/* view.c */
void tcpstates_viewer_of_file(struct tcpstates_viewer *v, struct file *file);
void tcpstates_viewer_of_request(struct tcpstates_viewer *v,
				 struct sk_buff *skb);
void tcpstates_viewer_of_group(struct tcpstates_viewer *v, struct net *net,
			       bool all);
bool tcpstates_view_sees(const struct tcpstates_viewer *v, u64 netns_id);
bool tcpstates_view_whole(const struct tcpstates_viewer *v);
bool tcpstates_view_may_map(const struct tcpstates_viewer *v);
void tcpstates_view_event(const struct tcpstates_viewer *v,
			  struct tcpstates_event *ev);
void tcpstates_view_conn(const struct tcpstates_viewer *v,
			 struct tcpstates_conn *c);

/* stats.c */
enum tcpstates_counter {
	TCPSTATES_C_READERS_OPEN,
	TCPSTATES_C_DUMPS_RUNNING,
	TCPSTATES_C_MCAST_SENT,
	TCPSTATES_C_MCAST_FAILED,
	TCPSTATES_C_MCAST_NOMEM,
	TCPSTATES_C_MCAST_UNHEARD,
	TCPSTATES_NCOUNTERS
};

void tcpstates_count(enum tcpstates_counter c, long n);
void tcpstates_stats_snapshot(u64 *v);
const char *tcpstates_stat_name(unsigned int attr);

/* netlink.c */
int tcpstates_nl_init(void);
void tcpstates_nl_exit(void);
int tcpstates_nl_fill_event(struct sk_buff *skb,
			    const struct tcpstates_event *ev, u64 prev,
			    u32 portid, u32 seq, int flags, u8 cmd);
bool tcpstates_nl_has_listeners(struct net *net, bool all);
int tcpstates_nl_multicast(struct sk_buff *skb, struct net *net, bool all);

/* mcast.c */
int tcpstates_mcast_init(void);
void tcpstates_mcast_exit(void);

/* procfs.c */
int tcpstates_proc_init(void);
void tcpstates_proc_exit(void);

/* map.c */
int tcpstates_map_init(void);
void tcpstates_map_exit(void);

#endif /* _TCPSTATES_H */
