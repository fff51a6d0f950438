// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: conns, the live connection table, sortable; and stats.
 */
#include <stdlib.h>
#include <string.h>

#include "tcpstates.h"

struct conn_list {
	const struct ts_opts *o;
	struct ts_nl_conn *c;
	size_t n, cap;
};

static int conns_cb(const struct ts_nl_conn *c, void *data)
{
	struct conn_list *l = data;
	struct ts_nl_conn *grown;

	if (!ts_match_conn(&l->o->f, c))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		grown = realloc(l->c, l->cap * sizeof(*l->c));
		if (!grown) {
			perror("tcpstates");
			exit(1);
		}
		l->c = grown;
	}
	l->c[l->n++] = *c;
	return 0;
}

static const char *sort_key;
static int sort_sign = 1;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_addr(int fa, const uint8_t *a, uint16_t pa, int fb,
		    const uint8_t *b, uint16_t pb)
{
	int r = fa - fb;

	if (!r)
		r = memcmp(a, b, fa == 2 ? 4 : 16);
	return r ? r : pa - pb;
}

static int conn_cmp(const void *pa, const void *pb)
{
	const struct ts_nl_conn *a = pa, *b = pb;
	int r = 0;

	if (!strcmp(sort_key, "age"))		/* longest in its state first */
		r = cmp_u64(b->state_ns, a->state_ns);
	else if (!strcmp(sort_key, "state"))
		r = a->state - b->state;
	else if (!strcmp(sort_key, "pid"))
		r = cmp_u64(a->owner.tgid, b->owner.tgid);
	else if (!strcmp(sort_key, "comm"))
		r = strcmp(a->owner.comm, b->owner.comm);
	else if (!strcmp(sort_key, "local"))
		r = cmp_addr(a->family, a->laddr, a->lport, b->family, b->laddr, b->lport);
	else if (!strcmp(sort_key, "remote"))
		r = cmp_addr(a->family, a->raddr, a->rport, b->family, b->raddr, b->rport);
	else if (!strcmp(sort_key, "handshake"))	/* slowest first */
		r = cmp_u64(b->known & TS_NL_KNOW_HANDSHAKE ? b->handshake_us : 0,
			    a->known & TS_NL_KNOW_HANDSHAKE ? a->handshake_us : 0);
	if (!r)
		r = cmp_u64(a->cookie, b->cookie);
	return r * sort_sign;
}

int cmd_conns(struct ts_nl *nl, const struct ts_opts *o)
{
	struct conn_list l = { .o = o };
	struct ts_nl_filter k;
	size_t i;
	int ret;

	ts_kernel_filter(&o->f, false, &k);
	ret = ts_nl_dump_conns(nl, &k, o->f.all_netns, conns_cb, &l);
	if (ret < 0)
		ts_nl_fail(nl, "connection dump", ret, o);
	if (o->sort || o->reverse) {
		sort_key = o->sort ? o->sort : "cookie";
		sort_sign = o->reverse ? -1 : 1;
		qsort(l.c, l.n, sizeof(*l.c), conn_cmp);
	}
	ts_print_conn_header(stdout, o);
	for (i = 0; i < l.n; i++)
		ts_print_conn(stdout, o, &l.c[i]);
	free(l.c);
	return 0;
}

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
	{ TCPSTATES_A_STATS_CONN_ADDED, "conn_added", "" },
	{ TCPSTATES_A_STATS_CONN_REMOVED, "conn_removed", "" },
	{ TCPSTATES_A_STATS_CONN_SEEDED, "conn_seeded", "found at load" },
	{ TCPSTATES_A_STATS_MEM_BYTES, "mem_bytes", "ring and table memory" },
	{ TCPSTATES_A_STATS_READERS_OPEN, "readers_open", "open /proc readers" },
	{ TCPSTATES_A_STATS_DUMPS_RUNNING, "dumps_running", "netlink dumps in progress" },
	{ TCPSTATES_A_STATS_MCAST_SENT, "mcast_sent", "events sent live" },
	{ TCPSTATES_A_STATS_MCAST_UNHEARD, "mcast_unheard", "sent, no listener took them: none in their namespace, or all full (see the man page)" },
	{ TCPSTATES_A_STATS_RING_OVERWRITTEN, "drops_ring_overwritten", "drop: ring full, oldest overwritten" },
	{ TCPSTATES_A_STATS_KPROBE_MISSED, "drops_kprobe_missed", "drop: probe hits the kernel skipped" },
	{ TCPSTATES_A_STATS_CONN_EVICTED, "drops_conn_evicted", "drop: table full, oldest connection's history" },
	{ TCPSTATES_A_STATS_MCAST_OVERRUN, "drops_mcast_overrun", "drop: live events overwritten before sending" },
	{ TCPSTATES_A_STATS_MCAST_FAILED, "drops_mcast_failed", "drop: a listener's buffer was full" },
	{ TCPSTATES_A_STATS_MCAST_NOMEM, "drops_mcast_nomem", "drop: no memory for a datagram" },
};

int cmd_stats(struct ts_nl *nl, const struct ts_opts *o)
{
	struct ts_nl_stats st;
	size_t i;
	int ret;

	ret = ts_nl_get_stats(nl, &st);
	if (ret)
		ts_nl_fail(nl, "stats", ret, o);
	if (o->json) {
		printf("{\"type\":\"stats\",\"family_version\":%u", nl->version);
		for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
			if (st.have[stats[i].attr])
				printf(",\"%s\":%llu", stats[i].name,
				       (unsigned long long)st.v[stats[i].attr]);
		printf("}\n");
		return 0;
	}
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (st.have[stats[i].attr])
			printf("%-24s %-12llu %s\n", stats[i].name,
			       (unsigned long long)st.v[stats[i].attr],
			       stats[i].doc);
	return 0;
}
