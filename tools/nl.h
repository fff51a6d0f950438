/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates tools: a small client of the tcpstates generic netlink family
 * (include/uapi/linux/tcpstates.h), on libmnl.
 */
#ifndef TCPSTATES_NL_H
#define TCPSTATES_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/tcpstates.h>

struct mnl_socket;

struct ts_nl {
	struct mnl_socket *sock;
	uint16_t family_id;
	uint32_t version;		/* the module's family version */
	/* ts_nl_filter_attrs(): 1 << TCPSTATES_A_FILTER_* it accepts; 0: not asked yet */
	uint32_t filter_attrs;
	uint32_t grp_events;		/* multicast group ids, 0 if absent */
	uint32_t grp_events_all;
	uint32_t seq;
	char err[256];			/* extack message of the last error */
	uint32_t err_off;		/* extack: offset of the bad attribute */
	char *buf;			/* receive buffer */
	size_t buflen;
	/* ts_nl_recv_events: called when nothing is queued, before it waits */
	void (*idle)(void *data);
	void *idle_data;
};

/*
 * The owner. A reader without privilege over a connection gets its uid
 * only (or nothing): each field has its bit in @have.
 */
#define TS_NL_OWNER_TGID	(1U << 0)
#define TS_NL_OWNER_PID		(1U << 1)
#define TS_NL_OWNER_UID		(1U << 2)
#define TS_NL_OWNER_COMM	(1U << 3)

struct ts_nl_owner {
	bool known;			/* the kernel sent an owner */
	uint32_t have;			/* TS_NL_OWNER_* */
	uint32_t tgid, pid, uid;
	char comm[17];
};

/* ts_nl_event.known: what the kernel sent (the rest it left out) */
#define TS_NL_EV_SND_NXT	(1U << 0)
#define TS_NL_EV_RCV_NXT	(1U << 1)
#define TS_NL_EV_NETNS_ID	(1U << 2)
#define TS_NL_EV_ERRNO		(1U << 3)
#define TS_NL_EV_CGROUP		(1U << 4)
#define TS_NL_EV_LIFE		(1U << 5)
#define TS_NL_EV_HS_RETRANS	(1U << 6)
#define TS_NL_EV_HS_WAIT	(1U << 7)
/* the segments of the textbook's diagram (TCPSTATES_A_EVENT_SEG_*) */
#define TS_NL_EV_SEG_SYN_SEQ	(1U << 8)
#define TS_NL_EV_SEG_SYNACK_SEQ	(1U << 9)
#define TS_NL_EV_SEG_SYNACK_ACK	(1U << 10)
#define TS_NL_EV_SEG_ACK	(1U << 11)
#define TS_NL_EV_SEG_FIN_SEQ	(1U << 12)
#define TS_NL_EV_SEG_FIN_ACK	(1U << 13)
#define TS_NL_EV_DROP		(1U << 14)	/* @drops: a listener's drop event */

/* The data phase (TCPSTATES_A_DATA_*): @known when the kernel sent it */
struct ts_nl_data {
	bool known;
	uint64_t bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, retrans, rto, tlp, srtt_us, min_rtt_us;
};

struct ts_nl_event {
	uint16_t nlmsg_flags;
	uint8_t cmd;
	uint64_t seq, prev_seq, time_ns, prev_ns, cookie, netns_id;
	bool has_prev_ns;
	uint32_t known;			/* TS_NL_EV_* */
	uint32_t netns, snd_nxt, rcv_nxt, flags, err;
	uint8_t family, oldstate, newstate, cause, role;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	struct ts_nl_owner owner;
	uint64_t cgroup_id;		/* 0: none */
	uint64_t life_ns, hs_wait_ns;
	uint32_t hs_retrans;
	/* SYN seq=x; SYN-ACK seq=y ack=x+1; ACK ack=y+1; FIN seq=u|w; ACK u+1|w+1 */
	uint32_t seg_syn_seq, seg_synack_seq, seg_synack_ack, seg_ack;
	uint32_t seg_fin_seq, seg_fin_ack;
	struct ts_nl_data data;
	/* a listener's drop event (cause syn_dropped or ack_dropped) */
	struct {
		uint64_t syn_drops, ack_drops;	/* its totals */
		uint32_t suppressed;		/* since its last, without event */
		uint32_t acceptq_len, acceptq_max;
	} drops;
};

#define TS_NL_KNOW_ISN_LOCAL	(1U << 0)
#define TS_NL_KNOW_ISN_REMOTE	(1U << 1)
#define TS_NL_KNOW_FIN_LOCAL	(1U << 2)
#define TS_NL_KNOW_FIN_REMOTE	(1U << 3)
#define TS_NL_KNOW_HANDSHAKE	(1U << 4)
#define TS_NL_KNOW_STATE_NS	(1U << 5)
#define TS_NL_KNOW_NETNS_ID	(1U << 6)
#define TS_NL_KNOW_CGROUP	(1U << 7)
#define TS_NL_KNOW_HS_RETRANS	(1U << 8)
#define TS_NL_KNOW_LISTENER	(1U << 9)	/* the accept queue and drops */

struct ts_nl_conn {
	uint16_t nlmsg_flags;
	uint64_t cookie, state_ns, age_ns, netns_id;
	uint32_t netns, flags, known;
	uint32_t isn_local, isn_remote, fin_local, fin_remote;
	uint64_t handshake_us;		/* u32 in family version 1, u64 since */
	uint8_t family, state, role, first_fin;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint64_t duration_us[13];	/* per TCP state; 0: none */
	struct ts_nl_owner owner;
	uint64_t cgroup_id;
	struct ts_nl_data data;		/* as of its last event that read it */
	uint32_t hs_retrans;
	/* a listener's accept queue (at its last handshake, drop or close) */
	uint32_t acceptq_len, acceptq_max;
	uint64_t syn_drops, ack_drops;
};

/* What a dump asks the kernel for; fields are used when their bit is set. */
struct ts_nl_filter {
	uint32_t have;			/* 1 << TCPSTATES_A_FILTER_* */
	uint8_t family;
	uint8_t laddr[16], raddr[16];
	uint8_t lplen, rplen;
	uint16_t lport, rport;
	uint32_t states, netns, tgid;
	int netns_fd;			/* an open file of the namespace */
	uint64_t netns_id, cookie, cgroup_id;
};

/*
 * The counters, by attribute type: every one the kernel sends up to
 * TS_NL_STATS_SLOTS, those this tool does not know yet included.
 */
#define TS_NL_STATS_SLOTS	64

struct ts_nl_stats {
	uint64_t v[TS_NL_STATS_SLOTS];
	bool have[TS_NL_STATS_SLOTS];
};

/*
 * The aggregates (TCPSTATES_CMD_GET_AGGR), summed over CPUs by the kernel.
 * Indexes are TCP_* states, enum tcpstates_cause and enum tcpstates_role;
 * what the kernel did not send is 0 (and has_* false).
 */
#define TS_NL_AGGR_STATES	13
#define TS_NL_AGGR_CAUSES	16
#define TS_NL_AGGR_ROLES	4

struct ts_nl_hist {
	bool have;
	uint64_t sum_us;
	uint64_t bucket[TCPSTATES_HIST_BUCKETS];
};

struct ts_nl_aggr {
	uint64_t trans[TS_NL_AGGR_STATES][TS_NL_AGGR_STATES];
	int64_t cur[TS_NL_AGGR_STATES];
	bool has_cur[TS_NL_AGGR_STATES];
	uint64_t closes[TS_NL_AGGR_CAUSES][TS_NL_AGGR_ROLES];
	bool has_hist;			/* every namespace: the histograms */
	struct ts_nl_hist handshake[2];	/* active, passive */
	struct ts_nl_hist lifetime;
	struct ts_nl_hist state_time[TS_NL_AGGR_STATES];
	bool has_netns_id;		/* one namespace's: its id */
	uint64_t netns_id;
};

/* Callbacks return 0 to go on, anything else to stop (and be returned). */
typedef int (*ts_nl_event_cb)(const struct ts_nl_event *ev, void *data);
typedef int (*ts_nl_conn_cb)(const struct ts_nl_conn *c, void *data);

/* All return 0 or a negative errno; nl->err then holds the kernel's reason. */
int ts_nl_open(struct ts_nl *nl);
void ts_nl_close(struct ts_nl *nl);
int ts_nl_set_rcvbuf(struct ts_nl *nl, int bytes);
int ts_nl_get_stats(struct ts_nl *nl, struct ts_nl_stats *st);
/* The aggregates of every namespace (@all_netns) or of the caller's own */
int ts_nl_get_aggr(struct ts_nl *nl, bool all_netns, struct ts_nl_aggr *ag);
/* Give up waiting for the kernel after @ms milliseconds (-EAGAIN); 0: never */
int ts_nl_set_timeout(struct ts_nl *nl, int ms);
/* The filter attributes of family version 1, which version 2 takes too but NETNS */
#define TS_NL_FILTER_V1	(((1U << (TCPSTATES_A_FILTER_TGID + 1)) - 1) & ~1U)

/*
 * The filter attributes the module accepts, 1 << TCPSTATES_A_FILTER_*: what
 * its policy says (CTRL_CMD_GETPOLICY), or where the kernel cannot tell,
 * what its family version has. Asked once, then remembered.
 */
uint32_t ts_nl_filter_attrs(struct ts_nl *nl);
int ts_nl_dump_events(struct ts_nl *nl, uint64_t start_seq,
		      const struct ts_nl_filter *f, bool all_netns,
		      ts_nl_event_cb cb, void *data);
int ts_nl_dump_conns(struct ts_nl *nl, const struct ts_nl_filter *f,
		     bool all_netns, ts_nl_conn_cb cb, void *data);
int ts_nl_subscribe(struct ts_nl *nl, bool all_netns);
int ts_nl_unsubscribe(struct ts_nl *nl, bool all_netns);
/*
 * Wait up to @timeout_ms (-1: for ever) for multicast events and hand each
 * to @cb: reads a queued datagram at once; when none is queued, calls
 * nl->idle (if set) and then waits. Return: > 0 events handled, 0 on
 * timeout, -ENOBUFS when the socket overflowed (events were lost), other
 * negative errno on error.
 */
int ts_nl_recv_events(struct ts_nl *nl, int timeout_ms, ts_nl_event_cb cb,
		      void *data);

/* One message of the module into a record (also for the unit tests) */
struct nlmsghdr;
void ts_nl_parse_event(const struct nlmsghdr *nlh, struct ts_nl_event *ev);
void ts_nl_parse_conn(const struct nlmsghdr *nlh, struct ts_nl_conn *c);
void ts_nl_parse_aggr(const struct nlmsghdr *nlh, struct ts_nl_aggr *ag);

/* Send a prepared raw message and collect the kernel's answer (tests). */
int ts_nl_raw(struct ts_nl *nl, void *msg, size_t len);

#endif
