/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates: internal interfaces between the probe, the event ring and
 * procfs.
 */
#ifndef _TCPSTATES_H
#define _TCPSTATES_H

#include <linux/types.h>
#include <linux/in6.h>

struct sock;

/* Ring size bounds, in events (module parameter ring_size). */
#define TCPSTATES_RING_MIN	16U
#define TCPSTATES_RING_MAX	(1024U * 1024U)
#define TCPSTATES_RING_DEFAULT	4096U

union tcpstates_addr {
	__be32 v4;
	struct in6_addr v6;
};

/**
 * struct tcpstates_event - one state transition of one TCP socket
 * @seq: global sequence number, gapless from 1; a reader that sees a gap
 *	knows exactly how many events it lost
 * @ts_ns: CLOCK_MONOTONIC time of the transition, in ns
 * @netns: inode number of the socket's network namespace
 * @family: AF_INET or AF_INET6
 * @oldstate: state before the transition (TCP_* from net/tcp_states.h)
 * @newstate: state after the transition
 * @sport: local port, network order
 * @dport: remote port, network order
 * @saddr: local address
 * @daddr: remote address
 */
struct tcpstates_event {
	u64 seq;
	u64 ts_ns;
	u32 netns;
	u16 family;
	u8 oldstate;
	u8 newstate;
	__be16 sport;
	__be16 dport;
	union tcpstates_addr saddr;
	union tcpstates_addr daddr;
};

/**
 * struct tcpstates_ring_stats - a consistent snapshot of the ring counters
 * @next_seq: sequence number the next event will get
 * @first_seq: oldest sequence number still in the ring (== @next_seq when empty)
 * @overwritten: events dropped because the ring was full
 * @size: capacity in events
 */
struct tcpstates_ring_stats {
	u64 next_seq;
	u64 first_seq;
	u64 overwritten;
	u32 size;
};

int tcpstates_ring_init(unsigned int size);
void tcpstates_ring_exit(void);
void tcpstates_ring_push(struct tcpstates_event *ev);
bool tcpstates_ring_read(u64 seq, struct tcpstates_event *out);
void tcpstates_ring_stats(struct tcpstates_ring_stats *st);

int tcpstates_probe_init(void);
void tcpstates_probe_exit(void);
unsigned long tcpstates_probe_missed(void);

int tcpstates_proc_init(void);
void tcpstates_proc_exit(void);

#endif /* _TCPSTATES_H */
