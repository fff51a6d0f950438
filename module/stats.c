// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the counters, in one place: their names, and one snapshot
 * of all of them, which /proc/tcpstates_stats and GET_STATS both show.
 *
 * The store keeps its own counters (ring.c, conntable.c), the kprobes
 * core the missed hits of our kretprobes; the views count here what they do (open readers,
 * running dumps, what the multicast sender sent or could not).
 */
#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "tcpstates.h"

static atomic_long_t tcpstates_counters[TCPSTATES_NCOUNTERS];

/**
 * tcpstates_count() - add to one of the views' counters
 * @c: which
 * @n: how much (negative to take away)
 */
void tcpstates_count(enum tcpstates_counter c, long n)
{
	atomic_long_add(n, &tcpstates_counters[c]);
}

static u64 counter(enum tcpstates_counter c)
{
	return atomic_long_read(&tcpstates_counters[c]);
}

/* The name of each TCPSTATES_A_STATS_* in /proc/tcpstates_stats */
static const char * const tcpstates_stat_names[TCPSTATES_A_STATS_MAX + 1] = {
	[TCPSTATES_A_STATS_EVENTS] = "events",
	[TCPSTATES_A_STATS_RING_SIZE] = "ring_size",
	[TCPSTATES_A_STATS_RING_USED] = "ring_used",
	[TCPSTATES_A_STATS_RING_FIRST_SEQ] = "ring_first_seq",
	[TCPSTATES_A_STATS_RING_OVERWRITTEN] = "drops_ring_overwritten",
	[TCPSTATES_A_STATS_KPROBE_MISSED] = "kprobe_missed",
	[TCPSTATES_A_STATS_CONN_USED] = "conn_used",
	[TCPSTATES_A_STATS_CONN_MAX] = "conn_max",
	[TCPSTATES_A_STATS_CONN_ADDED] = "conn_added",
	[TCPSTATES_A_STATS_CONN_REMOVED] = "conn_removed",
	[TCPSTATES_A_STATS_CONN_EVICTED] = "conn_evicted",
	[TCPSTATES_A_STATS_CONN_SEEDED] = "conn_seeded",
	[TCPSTATES_A_STATS_MCAST_SENT] = "mcast_sent",
	[TCPSTATES_A_STATS_MCAST_OVERRUN] = "mcast_overrun",
	[TCPSTATES_A_STATS_MCAST_FAILED] = "mcast_failed",
	[TCPSTATES_A_STATS_MCAST_NOMEM] = "mcast_nomem",
	[TCPSTATES_A_STATS_MEM_BYTES] = "mem_bytes",
	[TCPSTATES_A_STATS_READERS_OPEN] = "readers_open",
	[TCPSTATES_A_STATS_DUMPS_RUNNING] = "dumps_running",
	[TCPSTATES_A_STATS_MCAST_UNHEARD] = "mcast_unheard",
	[TCPSTATES_A_STATS_CONN_EVICTED_TIME_WAIT] = "conn_evicted_time_wait",
	[TCPSTATES_A_STATS_CONN_EVICTED_CLOSING] = "conn_evicted_closing",
	[TCPSTATES_A_STATS_CONN_EVICTED_OPEN] = "conn_evicted_open",
	[TCPSTATES_A_STATS_CONN_EVICTED_HELD] = "conn_evicted_held",
	[TCPSTATES_A_STATS_CONN_PARTIAL] = "conn_partial",
	[TCPSTATES_A_STATS_EVENTS_PARTIAL] = "events_partial",
	[TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED] = "drop_events_suppressed",
};

/**
 * tcpstates_stat_name() - the /proc name of a counter
 * @attr: TCPSTATES_A_STATS_*
 *
 * Return: the name, or NULL for a number that is no counter.
 */
const char *tcpstates_stat_name(unsigned int attr)
{
	return attr <= TCPSTATES_A_STATS_MAX ? tcpstates_stat_names[attr] : NULL;
}

/**
 * tcpstates_stats_snapshot() - every counter, now
 * @v: TCPSTATES_A_STATS_MAX + 1 values, by TCPSTATES_A_STATS_* (those
 *	without a name are 0)
 *
 * The ring's counters are consistent among themselves, and each shard's
 * of the table.
 */
void tcpstates_stats_snapshot(u64 *v)
{
	struct tcpstates_conn_stats cs;
	struct tcpstates_ring_stats st;

	BUILD_BUG_ON(ARRAY_SIZE(tcpstates_stat_names) != TCPSTATES_A_STATS_MAX + 1);
	tcpstates_ring_stats(&st);
	tcpstates_conn_stats(&cs);
	memset(v, 0, (TCPSTATES_A_STATS_MAX + 1) * sizeof(*v));
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
	v[TCPSTATES_A_STATS_CONN_EVICTED] = cs.evicted[0];
	v[TCPSTATES_A_STATS_CONN_SEEDED] = cs.seeded;
	v[TCPSTATES_A_STATS_MCAST_SENT] = counter(TCPSTATES_C_MCAST_SENT);
	v[TCPSTATES_A_STATS_MCAST_OVERRUN] = st.tx_overrun;
	v[TCPSTATES_A_STATS_MCAST_FAILED] = counter(TCPSTATES_C_MCAST_FAILED);
	v[TCPSTATES_A_STATS_MCAST_NOMEM] = counter(TCPSTATES_C_MCAST_NOMEM);
	v[TCPSTATES_A_STATS_MEM_BYTES] = st.bytes + cs.bytes;
	v[TCPSTATES_A_STATS_READERS_OPEN] = counter(TCPSTATES_C_READERS_OPEN);
	v[TCPSTATES_A_STATS_DUMPS_RUNNING] = counter(TCPSTATES_C_DUMPS_RUNNING);
	v[TCPSTATES_A_STATS_MCAST_UNHEARD] = counter(TCPSTATES_C_MCAST_UNHEARD);
	v[TCPSTATES_A_STATS_CONN_EVICTED_TIME_WAIT] =
		cs.evicted[TCPSTATES_CLASS_TIME_WAIT];
	v[TCPSTATES_A_STATS_CONN_EVICTED_CLOSING] =
		cs.evicted[TCPSTATES_CLASS_CLOSING];
	v[TCPSTATES_A_STATS_CONN_EVICTED_OPEN] = cs.evicted[TCPSTATES_CLASS_OPEN];
	v[TCPSTATES_A_STATS_CONN_EVICTED_HELD] = cs.evicted[TCPSTATES_CLASS_HELD];
	v[TCPSTATES_A_STATS_CONN_PARTIAL] = cs.partial;
	v[TCPSTATES_A_STATS_EVENTS_PARTIAL] = st.partial;
	v[TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED] = cs.drops_suppressed;
}
