// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: stats, the module's counters. Every counter the kernel
 * sends is printed: those this tool knows by their name (one table), in a
 * sensible order, then any newer one by its attribute number (stat_N).
 */
#include <stdio.h>
#include <string.h>

#include "tcpstates.h"

static const struct {
	int attr;
	const char *name;
	const char *doc;
} stats[] = {
	{ TCPSTATES_A_STATS_EVENTS, "events", "recorded since load" },
	{ TCPSTATES_A_STATS_RING_SIZE, "ring_size", "events the ring holds" },
	{ TCPSTATES_A_STATS_RING_USED, "ring_used", "events in it now" },
	{ TCPSTATES_A_STATS_RING_FIRST_SEQ, "ring_first_seq", "oldest event still there" },
	{ TCPSTATES_A_STATS_CONN_USED, "conn_used", "live connections tracked" },
	{ TCPSTATES_A_STATS_CONN_MAX, "conn_max", "table capacity" },
	{ TCPSTATES_A_STATS_CONN_ADDED, "conn_added", "entries made" },
	{ TCPSTATES_A_STATS_CONN_REMOVED, "conn_removed", "entries of connections gone" },
	{ TCPSTATES_A_STATS_CONN_SEEDED, "conn_seeded", "found at load" },
	{ TCPSTATES_A_STATS_CONN_PARTIAL, "conn_partial", "entries made mid-life (owner, role, times unknown)" },
	{ TCPSTATES_A_STATS_EVENTS_PARTIAL, "events_partial", "events of such entries" },
	{ TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED, "drop_events_suppressed", "listeners' drops without a drop event (one a second each; on the listener)" },
	{ TCPSTATES_A_STATS_MEM_BYTES, "mem_bytes", "ring and table memory" },
	{ TCPSTATES_A_STATS_READERS_OPEN, "readers_open", "open /proc readers" },
	{ TCPSTATES_A_STATS_DUMPS_RUNNING, "dumps_running", "netlink dumps in progress" },
	{ TCPSTATES_A_STATS_MCAST_SENT, "mcast_sent", "events sent live" },
	{ TCPSTATES_A_STATS_MCAST_UNHEARD, "mcast_unheard", "sent, no listener took them: none in their namespace, or all full (see the man page)" },
	{ TCPSTATES_A_STATS_RING_OVERWRITTEN, "drops_ring_overwritten", "drop: ring full, oldest overwritten" },
	{ TCPSTATES_A_STATS_KPROBE_MISSED, "drops_kprobe_missed", "drop: probe hits the kernel skipped" },
	{ TCPSTATES_A_STATS_CONN_EVICTED, "drops_conn_evicted", "drop: table full, a connection's history (the four below)" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_TIME_WAIT, "conn_evicted_time_wait", "evicted in TIME_WAIT (first)" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_CLOSING, "conn_evicted_closing", "evicted closing (FIN_WAIT1/2, CLOSING, LAST_ACK)" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_OPEN, "conn_evicted_open", "evicted open (SYN_SENT, SYN_RECV, ESTABLISHED)" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_HELD, "conn_evicted_held", "evicted held (CLOSE_WAIT, LISTEN; last)" },
	{ TCPSTATES_A_STATS_MCAST_OVERRUN, "drops_mcast_overrun", "drop: live events overwritten before sending" },
	{ TCPSTATES_A_STATS_MCAST_FAILED, "drops_mcast_failed", "drop: a listener's buffer was full" },
	{ TCPSTATES_A_STATS_MCAST_NOMEM, "drops_mcast_nomem", "drop: no memory for a datagram" },
};

#define NSTATS	(int)(sizeof(stats) / sizeof(stats[0]))

static const char *name_of(int attr, char *buf, size_t len)
{
	int i;

	for (i = 0; i < NSTATS; i++)
		if (stats[i].attr == attr)
			return stats[i].name;
	snprintf(buf, len, "stat_%d", attr);
	return buf;
}

static bool known(int attr)
{
	int i;

	for (i = 0; i < NSTATS; i++)
		if (stats[i].attr == attr)
			return true;
	return false;
}

void ts_print_stats(FILE *f, const struct ts_opts *o, uint32_t version,
		    const struct ts_nl_stats *st)
{
	int order[TS_NL_STATS_SLOTS], n = 0, i, w = 0, len;
	char buf[32];

	for (i = 0; i < NSTATS; i++)
		if (stats[i].attr < TS_NL_STATS_SLOTS && st->have[stats[i].attr])
			order[n++] = stats[i].attr;
	for (i = 0; i < TS_NL_STATS_SLOTS; i++)
		if (st->have[i] && !known(i))
			order[n++] = i;
	if (o->json) {
		fprintf(f, "{\"type\":\"stats\",\"family_version\":%u", version);
		for (i = 0; i < n; i++)
			fprintf(f, ",\"%s\":%llu", name_of(order[i], buf, sizeof(buf)),
				(unsigned long long)st->v[order[i]]);
		fprintf(f, "}\n");
		return;
	}
	for (i = 0; i < n; i++) {
		len = strlen(name_of(order[i], buf, sizeof(buf)));
		w = len > w ? len : w;
	}
	for (i = 0; i < n; i++) {
		const char *doc = "(a counter newer than this tool)";
		int j;

		for (j = 0; j < NSTATS; j++)
			if (stats[j].attr == order[i])
				doc = stats[j].doc;
		fprintf(f, "%-*s %-12llu %s\n", w, name_of(order[i], buf, sizeof(buf)),
			(unsigned long long)st->v[order[i]], doc);
	}
}

int cmd_stats(struct ts_nl *nl, const struct ts_opts *o)
{
	struct ts_nl_stats st;
	int ret;

	ret = ts_nl_get_stats(nl, &st);
	if (ret)
		ts_nl_fail(nl, "stats", ret, o);
	ts_print_stats(stdout, o, nl->version, &st);
	ts_flush(stdout);
	return 0;
}
