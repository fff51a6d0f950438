/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates: internal interfaces between the probes, the connection table,
 * the event ring and procfs.
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

/* "Not known": an unknown duration or an unset sequence number. */
#define TCPSTATES_UNKNOWN	U64_MAX

/* Connection flags (TCPSTATES_CONN_F_* in the uapi header). */
#define TCPSTATES_CONN_PREEXISTING	TCPSTATES_CONN_F_PREEXISTING
#define TCPSTATES_CONN_TIMEWAIT		TCPSTATES_CONN_F_TIMEWAIT

union tcpstates_addr {
	__be32 v4;
	struct in6_addr v6;
};

/**
 * struct tcpstates_owner - the process a connection belongs to
 * @tgid: process id (in the initial pid namespace); 0 when unknown
 * @pid: thread id
 * @uid: user id (in the initial user namespace)
 * @comm: command name, NUL-terminated, any bytes
 */
struct tcpstates_owner {
	u32 tgid;
	u32 pid;
	u32 uid;
	char comm[TASK_COMM_LEN];
};

/**
 * struct tcpstates_endpoints - who talks to whom
 * @netns: inode number of the network namespace
 * @family: AF_INET or AF_INET6
 * @sport: local port, network order
 * @dport: remote port, network order
 * @saddr: local address
 * @daddr: remote address
 */
struct tcpstates_endpoints {
	u32 netns;
	u16 family;
	__be16 sport;
	__be16 dport;
	union tcpstates_addr saddr;
	union tcpstates_addr daddr;
};

/**
 * struct tcpstates_event - one state transition of one TCP connection
 * @seq: global sequence number, gapless from 1: a reader that sees a gap
 *	knows exactly how many events it lost
 * @ts_ns: CLOCK_MONOTONIC time of the transition
 * @prev_ns: time spent in @oldstate, or TCPSTATES_UNKNOWN
 * @cookie: socket cookie: the connection's id, kept by its TIME_WAIT socket
 * @snd: the local side's next sequence number (write_seq) then
 * @rcv: the next sequence number expected from the peer (rcv_nxt) then
 * @ep: endpoints
 * @owner: the process that created, connected, listened or accepted
 * @oldstate: state before (TCP_* from net/tcp_states.h)
 * @newstate: state after
 * @cause: enum tcpstates_cause, for transitions into CLOSE
 * @role: enum tcpstates_role
 * @watched: someone listened for it when it happened: the multicast sender
 *	must send it
 */
struct tcpstates_event {
	u64 seq;
	u64 ts_ns;
	u64 prev_ns;
	u64 cookie;
	u32 snd;
	u32 rcv;
	struct tcpstates_endpoints ep;
	struct tcpstates_owner owner;
	u8 oldstate;
	u8 newstate;
	u8 cause;
	u8 role;
	u8 watched;
};

/**
 * struct tcpstates_conn - the lifecycle so far of one live connection
 * @node: in the cookie hash
 * @age: in the table's list, oldest first (eviction order)
 * @id: order of arrival in the table, increasing along @age
 * @cookie: socket cookie
 * @created_ns: when it was first seen
 * @state_ns: when it entered @state
 * @ep: endpoints
 * @owner: owning process (tgid 0: unknown)
 * @isn_local: ISN of the local side (x for a client, y for a server)
 * @isn_remote: ISN of the peer
 * @fin_local: sequence number of the local FIN
 * @fin_remote: sequence number of the peer's FIN
 * @handshake_us: active open: SYN_SENT -> ESTABLISHED; passive open: SYN-ACK
 *	round trip (SYN-ACK sent -> child created)
 * @state_us: time spent in each state so far, in microseconds
 * @known: which of the numbers above are set (TCPSTATES_KNOW_*)
 * @state: current state (the timewait substate while held by a tw socket)
 * @role: enum tcpstates_role
 * @flags: TCPSTATES_CONN_*
 * @first_fin: 0 none yet, 1 local side, 2 peer
 */
struct tcpstates_conn {
	struct hlist_node node;
	struct list_head age;
	u64 id;
	u64 cookie;
	u64 created_ns;
	u64 state_ns;
	struct tcpstates_endpoints ep;
	struct tcpstates_owner owner;
	u32 isn_local;
	u32 isn_remote;
	u32 fin_local;
	u32 fin_remote;
	u32 handshake_us;
	u32 state_us[TCPSTATES_NSTATES];
	u8 known;
	u8 state;
	u8 role;
	u8 flags;
	u8 first_fin;
};

#define TCPSTATES_KNOW_ISN_LOCAL	BIT(0)
#define TCPSTATES_KNOW_ISN_REMOTE	BIT(1)
#define TCPSTATES_KNOW_FIN_LOCAL	BIT(2)
#define TCPSTATES_KNOW_FIN_REMOTE	BIT(3)
#define TCPSTATES_KNOW_HANDSHAKE	BIT(4)

/**
 * struct tcpstates_conn_cursor - where a reader of the table is
 * @cookie: the last connection read, 0 before the first
 * @id: its id
 */
struct tcpstates_conn_cursor {
	u64 cookie;
	u64 id;
};

/**
 * struct tcpstates_ring_stats - a consistent snapshot of the ring counters
 * @next_seq: sequence number the next event will get
 * @first_seq: oldest sequence number still in the ring (== @next_seq when empty)
 * @overwritten: events dropped because the ring was full
 * @tx_overrun: watched events overwritten before the multicast sender took
 *	them
 * @size: capacity in events
 * @bytes: memory the ring holds (allocated at load, the same until unload)
 */
struct tcpstates_ring_stats {
	u64 next_seq;
	u64 first_seq;
	u64 overwritten;
	u64 tx_overrun;
	u64 bytes;
	u32 size;
};

/**
 * struct tcpstates_conn_stats - connection table counters
 * @used: live entries
 * @max: capacity
 * @added: entries made so far
 * @removed: entries gone with their connection
 * @evicted: entries dropped to make room (their later events have no history);
 *	@added == @used + @removed + @evicted
 * @seeded: connections found at load
 * @bytes: memory the table holds (allocated at load, the same until unload)
 */
struct tcpstates_conn_stats {
	u64 used;
	u64 max;
	u64 added;
	u64 removed;
	u64 evicted;
	u64 seeded;
	u64 bytes;
};

int tcpstates_ring_init(unsigned int size);
void tcpstates_ring_exit(void);
void tcpstates_ring_push(struct tcpstates_event *ev);
bool tcpstates_ring_read(u64 seq, struct tcpstates_event *out);
void tcpstates_ring_stats(struct tcpstates_ring_stats *st);
unsigned int tcpstates_ring_take(u64 *next, struct tcpstates_event *buf,
				 unsigned int max, u64 *lost);

int tcpstates_conn_init(unsigned int max);
void tcpstates_conn_exit(void);
void tcpstates_conn_lock(unsigned long *flags);
void tcpstates_conn_unlock(unsigned long flags);
struct tcpstates_conn *tcpstates_conn_find(u64 cookie);
struct tcpstates_conn *tcpstates_conn_add(u64 cookie);
void tcpstates_conn_remove(struct tcpstates_conn *conn);
bool tcpstates_conn_read(struct tcpstates_conn_cursor *cur,
			 struct tcpstates_conn *out);
void tcpstates_conn_stats(struct tcpstates_conn_stats *st);
void tcpstates_conn_seed(void);

int tcpstates_probe_init(void);
void tcpstates_probe_exit(void);
unsigned long tcpstates_probe_missed(void);
u64 tcpstates_sk_cookie(struct sock *sk);
void tcpstates_sk_endpoints(const struct sock *sk,
			    struct tcpstates_endpoints *ep);

int tcpstates_nl_init(void);
void tcpstates_nl_exit(void);
bool tcpstates_nl_watched(struct net *net);
void tcpstates_nl_kick(void);
int tcpstates_nl_dumps_running(void);

int tcpstates_proc_init(void);
void tcpstates_proc_exit(void);
int tcpstates_proc_readers_open(void);

#endif /* _TCPSTATES_H */
